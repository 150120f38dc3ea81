/*
 * rados_int.h - librados internals.  Never installed, never exported.
 *
 * The public API (include/rados/librados.h) uses void * handles; every
 * entry point converts its handle once to the typed structs below.
 *
 * Threads: API calls come from any number of application threads.  The
 * messenger's loop threads deliver replies and maps.  One objecter thread
 * per connected client runs aio completions, expires timed-out ops and
 * notices closed OSD sessions.  Shared state of a client is guarded by its
 * `lock`; API calls block on `cond` (or, for a synchronous OSD op, on the
 * op's own condition variable, with `lock`).  Callbacks into the
 * application never run with `lock` held.
 *
 * Lock order: client `lock`, then a completion's `lock`.  Nothing is taken
 * while a completion's lock is held.
 */
#ifndef CAIRN_RADOS_INT_H
#define CAIRN_RADOS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/monmap.h"
#include "common/msg/msg.h"
#include "common/osdmap.h"

/* A monitor command in flight. */
struct rados__mon_cmd {
	struct rados__mon_cmd *next;
	uint64_t tid;
	char *cmd;     /* JSON */
	struct buf in; /* input data */
	bool sent;     /* on the current session */
	struct msg_conn *conn; /* a command to one daemon: its own session, else NULL */
	bool conn_closed;      /* ... and that session closed before the answer */
	bool done;
	int rc;
	struct buf outs; /* status */
	struct buf outbl;
};

struct rados__op;
struct rados__osd_session;

struct rados__client {
	struct cfg *cfg;
	struct ent_name name;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;  /* CLOCK_MONOTONIC */
	bool connected;
	bool shutting_down;
	struct msg_messenger *ms;

	/* monitor session */
	struct net_addr *mons;
	size_t nmons;
	int cur_mon;		   /* index into mons, -1: none */
	struct msg_conn *mon_conn; /* the session in use */
	bool mon_ready;		   /* it answered (we have its monmap) */
	uint64_t mon_conn_id;
	struct monmap monmap;
	uint8_t fsid[16];
	bool have_fsid;
	uint64_t next_tid;
	struct rados__mon_cmd *cmds;

	/* osdmap */
	struct osdmap *osdmap; /* newest we have, NULL until the first */
	uint32_t osdmap_wanted;
	uint64_t instance_id;

	/* objecter (rados_objecter.c) */
	struct rados__op *ops_head, *ops_tail; /* in flight, tid order */
	size_t n_ops;
	uint64_t osd_tid;
	uint32_t targets_epoch;		      /* map epoch the targets were computed with */
	struct rados__osd_session **sessions; /* indexed by OSD id */
	int32_t n_sessions;
	struct rados__op *fin_head, *fin_tail; /* finished aio ops for the objecter thread */
	pthread_t objecter_thread;
	bool objecter_running;
	bool objecter_stopping;
	unsigned sync_waiters; /* threads inside rados__op_wait */
	uint64_t op_timeout_ns;
};

/* Monitor client (rados_monc.c).  Call with c->lock held unless noted. */
int rados__monc_register(struct rados__client *c); /* before msg_start; unlocked */
int rados__monc_start(struct rados__client *c);	   /* after the messenger starts; unlocked */
void rados__monc_stop(struct rados__client *c);	   /* unlocked */
int rados__monc_command(struct rados__client *c, const char *cmd, const char *in, size_t inlen,
			struct buf *outbl, struct buf *outs, uint64_t timeout_ns); /* unlocked */
/*
 * Send a command to the daemon at @addr (one monitor, an OSD) on a session
 * of its own and wait for the answer.  -ENOTCONN if that session closes
 * first, -ETIMEDOUT after @timeout_ns (0: none).  Unlocked.
 */
int rados__monc_command_to(struct rados__client *c, const struct net_addr *addr, const char *cmd,
			   const char *in, size_t inlen, struct buf *outbl, struct buf *outs,
			   uint64_t timeout_ns);
/*
 * Close the JSON object @w writes into @cmd, send it to the monitors
 * (rados_mon_op_timeout) and release @cmd; the status is appended to
 * @status when not NULL.  The command's result or -errno.  Unlocked.
 */
struct json_w;
int rados__monc_json(struct rados__client *c, struct json_w *w, struct buf *cmd,
		     struct buf *status);
int rados__monc_wait_osdmap(struct rados__client *c, uint32_t epoch, uint64_t timeout_ns);

/* ---- io contexts (rados_pool.c) ----------------------------------------------- */

/*
 * An io context.  Reference counted: the application's handle holds one,
 * every asynchronous op in flight holds one, so rados_ioctx_destroy() with
 * ops pending is legal.  pool/nspace/locator are read and written by the
 * application thread that owns the handle (Ceph's rule: the setters are not
 * thread safe); ops copy them at submission.
 */
struct rados__ioctx {
	struct rados__client *c;
	atomic_uint refs;
	int64_t pool;
	char *nspace;	       /* "" default; LIBRADOS_ALL_NSPACES for listings */
	char *locator;	       /* "" none */
	uint64_t last_version; /* of the last synchronous op */
	bool full_try;	       /* rados_set_pool_full_try (no effect: see rados_poolmeta.c) */
	/* asynchronous writes in flight, submission order (c->lock) */
	struct rados__op *aio_head, *aio_tail;
	uint64_t aio_seq; /* last sequence number handed out (c->lock) */
};

struct rados__ioctx *rados__ioctx_get(struct rados__ioctx *io);
void rados__ioctx_put(struct rados__ioctx *io);
/* True when the namespace is LIBRADOS_ALL_NSPACES (listings only). */
bool rados__ioctx_all_nspaces(const struct rados__ioctx *io);

/* ---- steps and their outputs (rados_io.c) -------------------------------------- */

/* What a step hands back to the application when its op completes. */
enum rados__out_kind {
	RADOS_OUT_NONE,
	RADOS_OUT_READ,	     /* bytes into buf (at most len), count into *out_len */
	RADOS_OUT_STAT,	     /* *psize, *pmtime, *pts */
	RADOS_OUT_XATTR,     /* value into buf; -ERANGE if longer than len; length *out_len */
	RADOS_OUT_XATTRS,    /* fills iter (empty values "") */
	RADOS_OUT_OMAP,	     /* fills iter, *pmore (empty values NULL) */
	RADOS_OUT_OMAP_KEYS, /* the same, keys only (values NULL) */
	RADOS_OUT_EXEC_BUF,  /* malloc'd copy into *pbuf, length *out_len */
	RADOS_OUT_EXEC_USER, /* into buf (len); -ERANGE and *out_len 0 when longer */
};

struct rados__step_out {
	uint8_t kind; /* enum rados__out_kind */
	int *prval;   /* the step's result; may be NULL */
	char *buf;
	size_t len;
	size_t *out_len;
	uint64_t *psize;
	time_t *pmtime;
	struct timespec *pts;
	/*
	 * The iterator handed to the application when the step was added (as
	 * Ceph's library does: python3-rados reads it before the op runs);
	 * filled when the op succeeds, else left empty.
	 */
	struct rados__kv_iter *iter;
	unsigned char *pmore;
	char **pbuf;
};

/*
 * The steps of one op, with their input bytes and where their outputs go:
 * what rados_write_op_t / rados_read_op_t are, and what every other call
 * builds on the stack.  Zero-initialise.  Building never fails visibly (the
 * op builders are void): the first error sticks in @err and the perform
 * returns it.
 */
struct rados__oplist {
	struct msg_osd_subop *ops;
	struct rados__step_out *outs; /* n_ops entries */
	uint32_t n_ops;
	uint32_t cap;
	struct buflist indata;
	uint32_t flags; /* OSDOP_OPF_READ / OSDOP_OPF_WRITE */
	int err;
};

/* Append a step (zeroed); NULL after an error (recorded in l->err). */
struct msg_osd_subop *rados__oplist_add(struct rados__oplist *l, uint32_t code,
					struct rados__step_out **out_out);
/* Append @len bytes of input for the step just added (copied). */
void rados__oplist_indata(struct rados__oplist *l, struct msg_osd_subop *op, const void *data,
			  size_t len);
void rados__oplist_fini(struct rados__oplist *l);
/* Move everything from @src to @dst (which must be empty); @src ends empty and reusable. */
void rados__oplist_move(struct rados__oplist *dst, struct rados__oplist *src);
/*
 * Deliver the outputs of a finished op: prvals, read data, stats,
 * iterators.  @reply may be NULL (the op failed before reaching an OSD).
 * Returns the result the API call reports: @result, or the length of step
 * @ret_step's output when that is >= 0 and @result is 0, or an error an
 * output produced (-ERANGE, -ENOMEM, -EBADMSG).  Any thread, no lock.
 */
int64_t rados__oplist_complete(struct rados__oplist *l, struct msg *reply, int64_t result,
			       int ret_step);

/*
 * Step builders shared by the synchronous calls, the aio calls and the
 * compound ops.  Each appends one step (and where its output goes) to @l;
 * a bad argument or ENOMEM sticks in l->err.  Output pointers may be NULL.
 */
void rados__b_write(struct rados__oplist *l, const char *buf, size_t len, uint64_t off);
void rados__b_write_full(struct rados__oplist *l, const char *buf, size_t len);
void rados__b_writesame(struct rados__oplist *l, const char *buf, size_t data_len, size_t write_len,
			uint64_t off);
void rados__b_append(struct rados__oplist *l, const char *buf, size_t len);
void rados__b_remove(struct rados__oplist *l);
void rados__b_truncate(struct rados__oplist *l, uint64_t size);
void rados__b_read(struct rados__oplist *l, char *buf, size_t len, uint64_t off, size_t *bytes_read,
		   int *prval);
void rados__b_stat(struct rados__oplist *l, uint64_t *psize, time_t *pmtime, struct timespec *pts,
		   int *prval);
void rados__b_cmpext(struct rados__oplist *l, const char *cmp_buf, size_t cmp_len, uint64_t off,
		     int *prval);
void rados__b_getxattr(struct rados__oplist *l, const char *name, char *buf, size_t len,
		       int *prval);
void rados__b_setxattr(struct rados__oplist *l, const char *name, const char *val, size_t len);
void rados__b_rmxattr(struct rados__oplist *l, const char *name);
void rados__b_getxattrs(struct rados__oplist *l, void **piter, int *prval);
void rados__b_unsupported(struct rados__oplist *l, int *prval);

/* A read op whose last step is a cmpxattr: a success reports 1, as Ceph's does. */
bool rados__oplist_ends_in_cmpxattr(const struct rados__oplist *l);

/* A key/value iterator (rados_xattrs_iter_t, rados_omap_iter_t). */
struct rados__kv_iter {
	size_t n, pos;
	char **keys, **vals; /* NUL-terminated copies; vals[i] NULL when keys-only */
	size_t *klens, *vlens;
};
void rados__kv_iter_free(struct rados__kv_iter *it);

/* ---- the objecter (rados_objecter.c) ------------------------------------------- */

/*
 * An op's life (one transition function, op_set_state, checks every move):
 *
 *   NEW --submit--> WAIT_MAP | UNSENT | SENT | DONE
 *   WAIT_MAP --new map with a usable primary--> UNSENT | SENT
 *   UNSENT --the session takes it--> SENT
 *   SENT --reply--> DONE
 *   SENT --RETRY reply / primary gone--> WAIT_MAP
 *   SENT --new primary or closed session--> UNSENT | SENT (resent: attempt + 1)
 *   any but DONE --pool gone / timeout / shutdown--> DONE
 *
 * Invariants: an op is linked in c->ops exactly while it is WAIT_MAP,
 * UNSENT or SENT; op->osd >= 0 in UNSENT and SENT; op->sent_conn != 0
 * exactly in SENT; a DONE op is owned by whoever completes it (the sync
 * waiter, or the objecter thread for aio).
 */
enum rados__op_state {
	RADOS_OP_NEW,
	RADOS_OP_WAIT_MAP,
	RADOS_OP_UNSENT,
	RADOS_OP_SENT,
	RADOS_OP_DONE,
	RADOS_OP__COUNT
};

struct rados__completion;

struct rados__op {
	struct rados__op *prev, *next; /* c->ops (c->lock) */
	enum rados__op_state state;
	uint64_t tid;
	uint32_t attempt;

	/* the object, fixed when the op is created */
	int64_t pool;
	char *nspace, *name, *locator;
	uint32_t hash;
	bool pg_op; /* a PG op (listing): @pg_seed names the PG, no object */
	uint32_t pg_seed;

	/* the target, recomputed from every new map (c->lock) */
	int32_t osd;	    /* -1: none */
	uint32_t seed;	    /* the PG */
	uint64_t sent_conn; /* msg_conn_id it went out on; 0 unless SENT */
	uint32_t min_epoch; /* a RETRY reply asked for at least this map */
	uint64_t deadline;  /* CLOCK_MONOTONIC ns; 0: none */

	struct rados__oplist steps;
	int ret_step;	/* >= 0: the result is this step's output length */
	bool one_if_ok; /* a successful result reports 1 (read op ending in cmpxattr) */

	/* the result, set when DONE */
	int64_t result;
	struct msg *reply; /* a reference; NULL if no OSD answered */
	uint64_t version;

	/* who is told: a sync waiter (cond, with c->lock) or an aio completion */
	bool sync;
	bool cond_init;
	pthread_cond_t cond;
	struct rados__completion *comp;	       /* a reference (aio) */
	struct rados__ioctx *io;	       /* a reference (aio) */
	struct rados__op *fin_next;	       /* c->fin queue */
	struct rados__op *aio_prev, *aio_next; /* io->aio list (writes) */
	uint64_t aio_seq;
	bool aio_tracked;
	bool barrier; /* rados_aio_flush_async: completes when the writes before it did */
};

/* Start/stop (rados_client.c calls these). */
int rados__objecter_register(struct rados__client *c); /* before msg_start */
int rados__objecter_start(struct rados__client *c);    /* after the first map */
/*
 * Fail every op in flight with -ESHUTDOWN, run the pending aio completions
 * (callbacks run before this returns, never after), wait for synchronous
 * callers to leave, join the objecter thread, close the OSD sessions.
 * Before msg_stop.  Idempotent.
 */
void rados__objecter_stop(struct rados__client *c);
/*
 * Hooks for the monitor client (rados_monc.c), optional: the objecter also
 * notices new maps (it wakes on c->cond) and closed sessions (it polls)
 * by itself, these only make it react at once.
 */
void rados__objecter_map_changed_locked(struct rados__client *c);
void rados__objecter_conn_closed_locked(struct rados__client *c, struct msg_conn *conn);

/*
 * A new op on object @oid of @io (its pool, namespace and locator now),
 * taking the steps of @steps (left empty).  NULL on ENOMEM.
 */
struct rados__op *rados__op_create(struct rados__ioctx *io, const char *oid,
				   struct rados__oplist *steps);
/* A new PG op (listing) on PG @seed of @io's pool. */
struct rados__op *rados__op_create_pg(struct rados__ioctx *io, uint32_t seed,
				      struct rados__oplist *steps);
void rados__op_free(struct rados__op *op);
/*
 * Submit a synchronous op and wait for it; returns its result (the op
 * stays the caller's, DONE, with its reply).  -ENOTCONN before connect,
 * -ESHUTDOWN after shutdown began.
 */
int64_t rados__op_run(struct rados__client *c, struct rados__op *op);
/*
 * Submit an asynchronous op completing @comp (0, or -ENOTCONN/-ESHUTDOWN/
 * -EINVAL with the op still the caller's).  From then on the objecter owns
 * the op: it completes @comp with the outputs delivered.
 */
int rados__op_submit_aio(struct rados__client *c, struct rados__op *op,
			 struct rados__completion *comp);

/*
 * Complete @comp on the objecter thread without an OSD op: with @rv at once,
 * or (@barrier) with 0 once every aio write queued on @io before has
 * completed.  0, -ENOTCONN, -ESHUTDOWN, -EINVAL (completion in use), -ENOMEM.
 */
int rados__objecter_aio_local(struct rados__ioctx *io, struct rados__completion *comp, int rv,
			      bool barrier);
/*
 * Cancel the op completing @comp if it has not been sent: it completes with
 * -ECANCELED.  0, or -ENOENT if no such op is waiting to be sent.
 */
int rados__objecter_cancel(struct rados__client *c, struct rados__completion *comp);
/*
 * The checks every single-object call makes (handle, name, namespace, a
 * builder error), then rados__op_create.  On failure @l is freed and
 * -errno returned.
 */
int rados__op_prepare(struct rados__ioctx *io, const char *oid, struct rados__oplist *l,
		      struct rados__op **out);

/* ---- listing (rados_list.c, rados_cursor.c) ----------------------------------------- */

#define RADOS_LIST_BATCH 1024

struct rados__list_entry {
	char *name, *nspace, *locator; /* NUL-terminated copies */
	size_t namelen, nslen, loclen;
};

/* A listing position and the batch fetched from it. */
struct rados__list_ctx {
	struct rados__ioctx *io; /* a reference */
	bool all_ns;
	char *nspace;
	uint32_t pg, pg_num;
	uint32_t batch;	   /* entries to ask for; 0: RADOS_LIST_BATCH */
	struct buf cursor; /* where the current PG continues; empty: its start */
	bool pg_done;	   /* the current PG has nothing after this batch */
	bool end;
	struct rados__list_entry *ents;
	size_t n, pos;
};

/* Fetch the batch at (x->pg, x->cursor) into x->ents; sets x->cursor and x->pg_done. */
int rados__list_fetch(struct rados__list_ctx *x);
void rados__list_batch_clear(struct rados__list_ctx *x);

/* ---- completions (rados_aio.c) ------------------------------------------------- */

/* The same type as the public rados_callback_t (rados_completion_t is void *). */
typedef void (*rados__callback_fn)(void *comp, void *arg);

struct rados__completion {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_uint refs; /* the application's, plus one while an op uses it */
	rados__callback_fn cb_complete, cb_safe;
	void *cb_arg;
	bool in_use;   /* attached to an op (guarded by lock) */
	bool complete; /* result stored (guarded by lock) */
	bool cb_done;  /* callbacks returned (guarded by lock) */
	int rv;
	uint64_t version;
};

/*
 * Claim @comp for one op (-EINVAL if it already served one).  Takes the
 * op's reference.
 */
int rados__completion_claim(struct rados__completion *comp);
/* Store the result, wake waiters, run the callbacks, drop the op's reference.  No locks held. */
void rados__completion_finish(struct rados__completion *comp, int rv, uint64_t version);
void rados__completion_put(struct rados__completion *comp);

#endif
