/*
 * msg.h - the messenger: framed messages between Cairn processes.
 *
 * A messenger (struct msg_messenger) belongs to one entity ("osd.3",
 * "client.admin").  It owns a few event-loop threads (ms_async_op_threads)
 * and spreads its connections over them; each connection lives on one
 * loop for its whole life.  A message (struct msg) is a typed body (a
 * plain C struct from msg_types.h) plus an optional data buflist that
 * travels as the frame's raw data segment, written with writev straight
 * from the caller's buffers and received into one aligned buffer the
 * object store can use as it is.  Wire format and protocol:
 * doc/messenger.md.
 *
 * Life cycle:
 *   msg_messenger_create(cfg, name)     read options, create the loops
 *   msg_register(type, handler, mode)   one handler per message type
 *   msg_set_conn_ops()                  optional connection events
 *   msg_bind(addr)                      optional; port 0 picks one
 *   msg_start()                         threads start, listener runs
 *   msg_connect()/msg_send()/...
 *   msg_stop()                          close everything, join threads
 *   msg_messenger_destroy()             after every conn/msg ref is put
 *
 * Session policies (chosen by the initiator in msg_connect):
 *  - MSG_POLICY_LOSSLESS (daemon to daemon): messages are numbered and
 *    acknowledged; after a socket failure the initiator reconnects with
 *    backoff and both sides replay what the peer had not acknowledged, so
 *    the receiver sees each message exactly once and in order.
 *  - MSG_POLICY_LOSSY (clients): a socket failure closes the connection;
 *    queued messages are dropped and the caller resends.
 * A session belongs to the connection that msg_connect created; when two
 * daemons connect to each other they have two independent sessions.
 *
 * Threads: every function here may be called from any thread unless it
 * says otherwise.  Handlers and connection callbacks run on the
 * connection's loop thread (MSG_DISPATCH_LOOP) or on a worker of the
 * messenger's pool (MSG_DISPATCH_WORKER); they must not block a loop.
 * Messages of one connection reach handlers of one dispatch mode in the
 * order they were sent.
 *
 * Backpressure: msg_send returns -EAGAIN when the connection's or the
 * messenger's send throttle is full (queued plus unacknowledged bytes);
 * the writable callback says when to try again.  On the receiving side
 * a message holds dispatch-throttle budget until its last reference is
 * put; when the budget is spent the connection stops reading, and TCP
 * pushes back on the sender.
 */
#ifndef CAIRN_MSG_H
#define CAIRN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "msg_types.h"

struct cfg;
struct msg;
struct msg_conn;
struct msg_messenger;
struct ev_loop;

enum msg_policy {
	MSG_POLICY_LOSSY,
	MSG_POLICY_LOSSLESS,
};

enum msg_dispatch {
	MSG_DISPATCH_LOOP,   /* run on the connection's loop thread: must not block */
	MSG_DISPATCH_WORKER, /* queued to the messenger's worker pool, per-connection FIFO */
};

/* Feature bits negotiated in the handshake. */
#define MSG_FEATURE_BASE       (1ULL << 0)
#define MSG_FEATURES_SUPPORTED (MSG_FEATURE_BASE)

/* ---- messages --------------------------------------------------------- */

/*
 * A new message of @type with a zeroed body and no data, refcount 1.
 * @type must be a registered message type (msg_type_name() != NULL) at or
 * above MSG_TYPE_USER_MIN.  NULL on allocation failure.
 */
struct msg *msg_create(uint16_t type);
/* Take a reference.  Returns @m. */
struct msg *msg_get(struct msg *m);
/* Drop a reference; the last frees the body, the data and any throttle budget.  NULL ok. */
void msg_put(struct msg *m);
uint16_t msg_type(const struct msg *m);
/* The body struct of the message's type (struct msg_echo for MSG_ECHO, ...). */
void *msg_body(struct msg *m);
/*
 * The data segment.  Before sending, append to it (buflist_append_raw
 * takes references, no copy).  A received message's data is one segment,
 * aligned to 4096 bytes.  The messenger reads it while the message is
 * queued: do not change it after msg_send.
 */
struct buflist *msg_data(struct msg *m);
/* For a received message: the connection it came from (borrowed, valid while @m is held). */
struct msg_conn *msg_source(const struct msg *m);
/* For a received message: its sequence number in the session. */
uint64_t msg_seq(const struct msg *m);
/* "echo", "hello", ... or NULL for an unknown type. */
const char *msg_type_name(uint16_t type);

static inline struct msg_echo *msg_echo_body(struct msg *m)
{
	return msg_type(m) == MSG_ECHO ? msg_body(m) : NULL;
}
static inline struct msg_echo_reply *msg_echo_reply_body(struct msg *m)
{
	return msg_type(m) == MSG_ECHO_REPLY ? msg_body(m) : NULL;
}
static inline struct msg_test *msg_test_body(struct msg *m)
{
	return msg_type(m) == MSG_TEST ? msg_body(m) : NULL;
}

/* ---- wire results ----------------------------------------------------- */

/* The one conversion each way between -errno and the schema's Result enum. */
int msg_result_to_errno(uint32_t result);
uint32_t msg_errno_to_result(int err);

/* ---- messenger -------------------------------------------------------- */

/*
 * Called with a reference to a received message that the handler now
 * owns (msg_put it when done; holding it holds dispatch-throttle budget).
 * @conn is borrowed for the call; msg_conn_get it to keep it.
 */
typedef void (*msg_handler_fn)(void *arg, struct msg_conn *conn, struct msg *m);

/* Connection events, on the connection's loop thread.  Any may be NULL. */
struct msg_conn_ops {
	/* The session is open (first time, not after a lossless reconnect). */
	void (*opened)(void *arg, struct msg_conn *conn);
	/* The connection is closed for good (lossy fault, msg_conn_close, session expiry, stop). */
	void (*closed)(void *arg, struct msg_conn *conn);
	/* A lossless peer lost its session state (it restarted): messages may have been lost. */
	void (*remote_reset)(void *arg, struct msg_conn *conn);
	/* msg_send said -EAGAIN on @conn earlier and there is room again. */
	void (*writable)(void *arg, struct msg_conn *conn);
};

/*
 * Create a messenger for entity @name, reading the ms_* options, fsid and
 * the auth_* options from @cfg now (@cfg is borrowed only for the call).
 * 0, -ENOMEM, -EINVAL (bad option value), or -errno from creating loops.
 */
int msg_messenger_create(struct cfg *cfg, const struct ent_name *name, struct msg_messenger **out);
/*
 * The same, but the messenger's first loop is @ev, a loop its owner runs
 * (ms_async_op_threads - 1 more loops get threads of their own).
 * Connections on @ev run their handlers on the owner's thread: a daemon
 * whose state lives on @ev handles their messages without a thread hop
 * (ev_loop_in_thread says where a handler runs).  msg_start, msg_stop and
 * msg_messenger_destroy must then be called on @ev's thread, the last two
 * while it is not running; destroy runs the calls still queued on @ev, so
 * @ev is destroyed after the messenger.
 */
int msg_messenger_create_on(struct cfg *cfg, const struct ent_name *name, struct ev_loop *ev,
			    struct msg_messenger **out);
/*
 * Free a stopped (or never started) messenger.  Every connection and
 * message reference must have been put.  NULL is ok.
 */
void msg_messenger_destroy(struct msg_messenger *ms);

/*
 * Route messages of @type to @fn(@arg, ...) in @mode.  Before msg_start
 * only.  0, -EINVAL (control or unknown type), -EEXIST (already registered).
 * A message of a known type without a handler is logged and dropped.
 */
int msg_register(struct msg_messenger *ms, uint16_t type, msg_handler_fn fn, void *arg,
		 enum msg_dispatch mode);
/* Set the connection callbacks (@ops is copied).  Before msg_start only. */
void msg_set_conn_ops(struct msg_messenger *ms, const struct msg_conn_ops *ops, void *arg);

/*
 * Listen on @addr (port 0: an ephemeral port; see msg_bound_addr).
 * Before msg_start only.  0, -EADDRINUSE, -EINVAL, or -errno.
 */
int msg_bind(struct msg_messenger *ms, const struct net_addr *addr);
/* The address msg_bind listens on.  0 or -ENOTCONN when not bound. */
int msg_bound_addr(const struct msg_messenger *ms, struct net_addr *out);

/* Start the loop threads (and the worker pool if a handler needs one).  0 or -errno. */
int msg_start(struct msg_messenger *ms);
/*
 * Close every connection (closed callbacks run), stop and join the loop
 * threads, then drain the worker pool.  Not from a messenger thread.
 * Idempotent.
 */
void msg_stop(struct msg_messenger *ms);

/* ---- connections ------------------------------------------------------ */

/*
 * Open a session to the messenger listening at @addr.  Returns at once
 * with a new reference in @out; messages may be sent right away and are
 * queued until the session opens.  The messenger must be started.
 * 0, -ENOMEM, -ESHUTDOWN (stopping).
 */
int msg_connect(struct msg_messenger *ms, const struct net_addr *addr, enum msg_policy policy,
		struct msg_conn **out);
struct msg_conn *msg_conn_get(struct msg_conn *c);
void msg_conn_put(struct msg_conn *c);

/*
 * Queue @m on @c.  On success the messenger takes over the caller's
 * reference; the body and data must not change afterwards.  On error the
 * caller keeps it.  Any thread.
 *  -EAGAIN     a send throttle is full; try again after the writable callback
 *  -ENOTCONN   the connection is closed
 *  -EMSGSIZE   the frame would exceed ms_max_frame_size
 *  -ENOMEM     encoding failed for lack of memory
 *  -EBUSY      @m is already queued somewhere
 */
int msg_send(struct msg_conn *c, struct msg *m);

/* Close @c for good (queued messages are dropped).  Any thread; idempotent. */
void msg_conn_close(struct msg_conn *c);

bool msg_conn_is_open(const struct msg_conn *c);
bool msg_conn_is_closed(const struct msg_conn *c);
/* The peer's name; false until the handshake told us. */
bool msg_conn_peer_name(const struct msg_conn *c, struct ent_name *out);
const struct net_addr *msg_conn_peer_addr(const struct msg_conn *c);
enum msg_policy msg_conn_policy(const struct msg_conn *c);
/* Unique within the messenger. */
uint64_t msg_conn_id(const struct msg_conn *c);
/* A pointer for the owner (e.g. the OSD session); the messenger never touches it. */
void msg_conn_set_priv(struct msg_conn *c, void *priv);
void *msg_conn_priv(const struct msg_conn *c);

/* Counters, for tests, the admin socket and the benchmark. */
struct msg_stats {
	uint64_t conns;		    /* connections alive */
	uint64_t sessions_opened;   /* handshakes completed */
	uint64_t faults;	    /* socket failures handled */
	uint64_t reconnects;	    /* lossless sessions resumed */
	uint64_t msgs_sent;	    /* frames carrying messages written */
	uint64_t msgs_received;	    /* messages dispatched */
	uint64_t dups_dropped;	    /* replayed messages already delivered */
	uint64_t bad_frames;	    /* connections closed for a malformed frame */
	uint64_t rx_throttle_bytes; /* received bytes held now */
	uint64_t rx_throttle_peak;  /* most received bytes ever held */
	uint64_t tx_throttle_bytes; /* queued + unacked bytes now */
	uint64_t tx_throttle_peak;
	uint64_t rx_paused; /* times a connection stopped reading */
};
void msg_get_stats(const struct msg_messenger *ms, struct msg_stats *out);

#endif
