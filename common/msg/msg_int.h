/*
 * msg_int.h - messenger internals shared by the files of common/msg.
 *
 * Lock order: msg_messenger.lock, then msg_conn.inq_lock.  Neither is
 * held while calling out (handlers, callbacks, ev_loop_call is fine).
 */
#ifndef CAIRN_MSG_INT_H
#define CAIRN_MSG_INT_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/queue.h>

#include "ev.h"
#include "msg.h"
#include "msg_frame.h"
#include "msg_transport.h"

/* ---- control frame bodies (never seen outside common/msg) ------------ */

#define MSG_FSID_MAX	     63
#define MSG_AUTH_METHODS_MAX 8
#define MSG_AUTH_PAYLOAD_MAX 4096

enum msg_auth_method {
	MSG_AUTH_NONE = 1,
	MSG_AUTH_CEPHX = 2, /* reserved for the authentication issue */
};

struct msg_hello {
	uint32_t entity_type;
	char entity_id[ENT_ID_MAX + 1];
	char fsid[MSG_FSID_MAX + 1];
	uint64_t features_supported;
	uint64_t features_required;
	char peer_addr[NET_ADDR_STRLEN];
};

struct msg_auth_request {
	uint32_t methods[MSG_AUTH_METHODS_MAX];
	size_t n_methods;
	uint32_t method;
	uint8_t *payload; /* malloc'd, payload_len <= MSG_AUTH_PAYLOAD_MAX */
	size_t payload_len;
};

struct msg_auth_reply {
	uint32_t method;
	uint8_t *payload;
	size_t payload_len;
};

struct msg_auth_done {
	uint32_t method;
	int result; /* 0 or -errno */
	uint8_t *payload;
	size_t payload_len;
};

struct msg_session_request {
	uint64_t cookie;
	uint64_t connect_seq;
	uint64_t in_seq;
	bool lossy;
	bool resume;
};

struct msg_session_ready {
	uint64_t in_seq;
	bool reset;
};

struct msg_keepalive {
	uint64_t stamp_ns;
};

/* ---- messages --------------------------------------------------------- */

TAILQ_HEAD(msg_queue, msg);

struct msg {
	_Atomic unsigned refs;
	uint16_t type;
	bool queued; /* in some connection's queue: owned by that loop */
	struct buflist data;

	/* Receive side. */
	struct msg_conn *src; /* a reference, for received messages */
	uint64_t seq;
	uint64_t rx_bytes;   /* dispatch-throttle budget held, released at the last put */
	uint64_t release_ns; /* injected delay: dispatch not before this */

	/* Send side, written by msg_send and the owning loop. */
	uint8_t *meta;
	uint32_t meta_len;
	uint32_t meta_crc;
	uint32_t data_crc;
	uint64_t tx_bytes; /* send-throttle budget held while queued or unacked */
	uint8_t hdr[MSG_FRAME_HDR_LEN];
	TAILQ_ENTRY(msg) link;

	alignas(max_align_t) unsigned char body[];
};

/* Any registered type, control frames included.  NULL on ENOMEM. */
struct msg *msg_alloc(uint16_t type);
/* Encode body into m->meta and compute the crcs (once; idempotent).  0, -ENOMEM. */
int msg_prepare(struct msg *m);
/* Total frame bytes of a prepared message. */
static inline uint64_t msg_frame_len(const struct msg *m)
{
	return MSG_FRAME_HDR_LEN + (uint64_t)m->meta_len + m->data.len;
}

/* ---- large receive buffers (msg_bufpool.c) ---------------------------- */

#define MSG_BUFPOOL_MIN (256u * 1024)
/* A 4096-aligned buffer of @len bytes, recycled when released.  NULL on ENOMEM. */
struct bufraw *msg_bufpool_get(size_t len);

/* ---- throttles -------------------------------------------------------- */

/*
 * A counting budget shared across threads.  take() fails when the budget
 * would be exceeded, except that an idle throttle always admits one
 * request: a single message larger than the limit must still get through.
 * A max of 0 means unlimited.
 */
struct msg_throttle {
	_Atomic uint64_t cur;
	_Atomic uint64_t peak;
	uint64_t max;
};

bool msg_throttle_take(struct msg_throttle *t, uint64_t n);
void msg_throttle_put(struct msg_throttle *t, uint64_t n);

/* ---- connections ------------------------------------------------------ */

/*
 * Connection states.  Initiator path on the left, acceptor on the right:
 *
 *   NONE --conn_start_connect--> CONNECTING      NONE --conn_accepted--> BANNER
 *   CONNECTING --on_connected--> BANNER
 *   BANNER --rx banner--> HELLO --rx hello--> AUTH --auth done--> SESSION
 *   SESSION --rx session ready (initiator) / session request (acceptor)--> OPEN
 *   CONNECTING..OPEN --conn_fault, lossless session--> STANDBY
 *   STANDBY --backoff timer (initiator)--> CONNECTING
 *   STANDBY --session_adopt (acceptor, peer reconnected)--> OPEN
 *   any --conn_close / lossy fault / standby expiry--> CLOSED
 *
 * Invariants (conn_check):
 *   CONNECTING..OPEN  sock != NULL and io is watched
 *   NONE, STANDBY, CLOSED  sock == NULL
 *   OPEN              the only state where outq is written
 *   CLOSED            every queue is empty; terminal
 */
enum msg_conn_state {
	MSG_CONN_NONE,
	MSG_CONN_CONNECTING,
	MSG_CONN_BANNER,
	MSG_CONN_HELLO,
	MSG_CONN_AUTH,
	MSG_CONN_SESSION,
	MSG_CONN_OPEN,
	MSG_CONN_STANDBY,
	MSG_CONN_CLOSED,
	MSG_CONN__COUNT
};

const char *msg_conn_state_name(enum msg_conn_state s);

enum msg_rx_state {
	MSG_RX_BANNER,
	MSG_RX_HDR,
	MSG_RX_DATA,
};

struct msg_loop;

struct msg_conn {
	_Atomic unsigned refs;
	struct msg_messenger *ms;
	struct msg_loop *lp; /* fixed at creation */
	uint64_t id;
	void *priv;

	/* Everything below is owned by the loop thread unless a lock is named. */
	_Atomic int state; /* enum msg_conn_state; atomic only for the is_open queries */
	bool initiator;
	bool lossy;
	bool ever_opened;
	bool session_requested;	 /* initiator: a SESSION_REQUEST went out once */
	bool session_registered; /* in ms->sessions (acceptor, lossless) */
	struct msg_sock *sock;
	struct ev_io io;
	uint32_t io_events;
	struct ev_timer timer;	     /* handshake timeout, backoff, standby expiry, keepalive */
	struct ev_timer delay_timer; /* injected dispatch delay */
	struct ev_timer ack_timer;   /* a delayed acknowledgement is due */
	struct net_addr peer_addr;
	struct ent_name peer_name;
	_Atomic bool peer_known;
	uint16_t version;
	uint64_t features;
	uint64_t backoff_ns;
	uint64_t last_rx_ns;
	uint64_t last_tx_ns;

	/* Session. */
	uint64_t cookie;
	uint64_t connect_seq;
	uint64_t out_seq; /* last seq assigned */
	uint64_t in_seq;  /* last seq delivered */
	uint64_t ack_sent;
	struct msg_queue ctlq;	 /* control frames, written in any connected state */
	struct msg_queue outq;	 /* sequenced messages not yet fully written */
	struct msg_queue sentq;	 /* written, awaiting ack (lossless only) */
	struct msg_queue delayq; /* received, held back by injected delay */
	size_t wr_off;		 /* bytes of the first queued frame already written */
	uint8_t banner[MSG_BANNER_LEN];
	uint8_t banner_left; /* banner bytes still to write, before any frame */

	/* Reading. */
	enum msg_rx_state rx_state;
	uint8_t *rxbuf;
	size_t rx_cap, rx_start, rx_end;
	struct msg_frame_hdr rx_hdr;
	struct msg *rx_msg; /* being received (data segment) */
	struct bufraw *rx_data;
	size_t rx_data_off;
	uint32_t rx_data_crc;
	bool rx_paused;	   /* waiting for dispatch throttle */
	bool rx_hdr_taken; /* throttle already taken for rx_hdr */

	/* Cross-thread send queue. */
	pthread_mutex_t inq_lock;
	struct msg_queue inq; /* inq_lock */
	bool inq_posted;      /* inq_lock: a flush call is queued on the loop */
	bool close_requested; /* inq_lock */

	/* Throttles (atomic: msg_send takes, the loop releases). */
	struct msg_throttle tx;
	struct msg_throttle tx_msgs;
	struct msg_throttle rx;
	_Atomic bool tx_blocked;

	/* Messenger lists (ms->lock). */
	TAILQ_ENTRY(msg_conn) ms_link;
	TAILQ_ENTRY(msg_conn) rx_wait_link;
	TAILQ_ENTRY(msg_conn) tx_wait_link;
	bool on_rx_wait, on_tx_wait;
	bool on_ms_list;
};

TAILQ_HEAD(msg_conn_list, msg_conn);

/* ---- messenger -------------------------------------------------------- */

struct msg_loop {
	struct msg_messenger *ms;
	struct ev_loop *ev;
	pthread_t thread;
	bool running;
	bool external; /* the messenger's owner runs it (msg_messenger_create_on) */
	unsigned idx;
	uint64_t rng; /* fault injection, loop thread only */
};

struct msg_handler {
	msg_handler_fn fn;
	void *arg;
	enum msg_dispatch mode;
};

#define MSG_HANDLERS_MAX 0x1000 /* types MSG_TYPE_USER_MIN .. +MAX-1 */

struct msg_opts {
	unsigned loops;
	unsigned dispatch_threads;
	uint64_t max_frame;
	bool nodelay;
	uint64_t rcvbuf;
	int backlog;
	uint64_t ready_timeout_ns;
	uint64_t idle_timeout_ns;
	uint64_t keepalive_ns;
	uint64_t ack_delay_ns;
	uint64_t standby_timeout_ns;
	uint64_t backoff_min_ns;
	uint64_t backoff_max_ns;
	uint64_t inject_socket_failures;
	uint32_t inject_delay_types; /* ent_type bits */
	uint64_t inject_delay_max_ns;
	double inject_delay_prob;
	struct ent_name *refuse;
	size_t n_refuse;
	bool auth_none_allowed;
	uint64_t dispatch_bytes;
	uint64_t dispatch_msgs;
	uint64_t conn_dispatch_bytes;
	uint64_t send_bytes;
	uint64_t conn_send_bytes;
	uint64_t conn_send_msgs;
};

struct msg_messenger {
	struct ent_name name;
	char fsid[MSG_FSID_MAX + 1];
	struct msg_opts o;
	const struct msg_transport_ops *tp;

	struct msg_loop *loops;
	unsigned nloops;
	_Atomic unsigned rr;
	struct wq_pool *pool;
	struct msg_handler handlers[MSG_HANDLERS_MAX];
	struct msg_conn_ops ops;
	void *ops_arg;

	struct msg_sock *lsock; /* loop 0 */
	struct ev_io lio;
	struct net_addr bound;
	bool is_bound;

	_Atomic bool started;
	_Atomic bool stopping;
	bool stopped;

	pthread_mutex_t lock;
	struct msg_conn_list conns;	 /* lock: every live connection */
	struct msg_conn_list rx_waiters; /* lock */
	struct msg_conn_list tx_waiters; /* lock */
	_Atomic unsigned n_rx_waiters;
	_Atomic unsigned n_tx_waiters;
	pthread_cond_t stop_cond; /* lock */
	unsigned stop_pending;	  /* lock: loops still shutting down */

	struct msg_throttle rx_bytes;
	struct msg_throttle rx_msgs;
	struct msg_throttle tx_bytes;

	_Atomic uint64_t next_conn_id;
	_Atomic uint64_t st_conns, st_opened, st_faults, st_reconnects, st_sent, st_received,
	    st_dups, st_bad_frames, st_rx_paused;
};

/* msg_conn.c */
struct msg_conn *msg_conn_new(struct msg_messenger *ms, struct msg_loop *lp, bool initiator);
void msg_conn_start_connect(void *arg);
void msg_conn_accepted(struct msg_conn *c, struct msg_sock *s, const struct net_addr *peer);
void msg_conn_close_now(struct msg_conn *c, const char *why);
void msg_conn_resume_rx(void *arg);
void msg_conn_notify_writable(void *arg);

/* msg_messenger.c */
void msg_ms_wake_rx_waiters(struct msg_messenger *ms);
void msg_ms_wake_tx_waiters(struct msg_messenger *ms);
void msg_ms_wait_rx(struct msg_messenger *ms, struct msg_conn *c);
void msg_ms_wait_tx(struct msg_messenger *ms, struct msg_conn *c);
void msg_ms_unlink_conn(struct msg_messenger *ms, struct msg_conn *c);
/* Find the acceptor session for @cookie; a new reference or NULL. */
struct msg_conn *msg_ms_find_session(struct msg_messenger *ms, uint64_t cookie);
void msg_ms_dispatch(struct msg_messenger *ms, struct msg_conn *c, struct msg *m);
bool msg_ms_inject(struct msg_loop *lp, uint64_t one_in);
uint64_t msg_ms_rand(struct msg_loop *lp);

#endif
