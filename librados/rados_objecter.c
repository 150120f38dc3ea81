/*
 * rados_objecter.c - librados' objecter: object ops to the OSDs.
 *
 * The objecter keeps every op in flight in one table per client (c->ops, in
 * tid order).  For each op it computes the target from the newest OSD map
 * (object -> placement hash -> PG -> acting primary), sends it on a lossy
 * session to that OSD (one per OSD), and completes it when the reply comes.
 *
 * Resending.  Client sessions are lossy: a message on a session that fails
 * is gone, so the objecter resends.  An op is resent, with the same tid and
 * attempt + 1 (the OSD recognises a resend by client and tid), when
 *  - a new map gives its PG another primary, or the same primary at a new
 *    address or incarnation (up_from);
 *  - its session closed (noticed by the tick, or at once through
 *    rados__objecter_conn_closed_locked);
 *  - the OSD answered OSDOP_RF_RETRY ("not the primary in my newer map"):
 *    the op waits for a map at least as new as the OSD's, then is retargeted.
 * An op whose PG has no usable primary (down, paused cluster) waits for the
 * next map.  An op whose pool is gone fails with -ENOENT.
 *
 * Ordering.  Ops of one client to one object must apply in submission
 * order.  They always share a target, every session is FIFO, and every pass
 * that (re)sends walks the table in tid order, so a younger op never
 * overtakes an older one to the same OSD.  Two details keep it so: a new
 * map is applied to the table (maybe_remap_locked) before any new op is
 * targeted with it, and a session whose send queue is full (-EAGAIN) is
 * "blocked" until the next pass, so younger ops queue behind the op that
 * could not go.
 *
 * Threads.  API threads submit under c->lock; a synchronous caller then
 * sleeps on the op's own condition variable.  The messenger's loop threads
 * deliver replies (MSG_DISPATCH_LOOP), also under c->lock, doing little:
 * link the reply to the op and wake whoever completes it.  The objecter
 * thread runs aio completions without the lock (callbacks must be able to
 * call back into librados), and on each tick (OBJECTER_TICK_NS while ops
 * are in flight) expires timed-out ops (rados_osd_op_timeout), retries
 * blocked sends and resends ops whose session closed.  It waits on c->cond,
 * which the monitor client broadcasts after every map, so new maps are
 * applied promptly even without the monitor client's hook.
 *
 * Shutdown fails the ops still in flight with -ESHUTDOWN (their callbacks
 * run before rados_shutdown returns, never after) where Ceph's objecter
 * drops them silently; a waiting caller therefore gets an answer instead of
 * hanging on a freed handle.
 */
#include "rados_int.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/clk.h"
#include "common/log.h"
#include "common/osdop.h"

#define OBJECTER_TICK_NS (100 * CLK_NS_PER_MS)

/* One lossy session to an OSD.  Guarded by c->lock. */
struct rados__osd_session {
	int32_t osd;
	struct msg_conn *conn; /* NULL: none open */
	uint64_t conn_id;
	struct net_addr addr; /* where conn goes */
	uint32_t up_from;     /* the incarnation it goes to */
	bool blocked;	      /* a send said -EAGAIN: queue behind it until the next pass */
};

/* ---- op states ------------------------------------------------------------------- */

static const char *const op_state_names[RADOS_OP__COUNT] = {
    [RADOS_OP_NEW] = "new",   [RADOS_OP_WAIT_MAP] = "wait-map", [RADOS_OP_UNSENT] = "unsent",
    [RADOS_OP_SENT] = "sent", [RADOS_OP_DONE] = "done",
};

static bool op_transition_ok(enum rados__op_state from, enum rados__op_state to)
{
	switch (from) {
	case RADOS_OP_NEW:
		return to != RADOS_OP_NEW;
	case RADOS_OP_WAIT_MAP:
	case RADOS_OP_UNSENT:
	case RADOS_OP_SENT:
		return to != RADOS_OP_NEW;
	default:
		return false;
	}
}

static void op_check(const struct rados__op *op)
{
	switch (op->state) {
	case RADOS_OP_UNSENT:
		assert(op->osd >= 0 && op->sent_conn == 0);
		break;
	case RADOS_OP_SENT:
		assert(op->osd >= 0 && op->sent_conn != 0);
		break;
	case RADOS_OP_WAIT_MAP:
	case RADOS_OP_DONE:
		assert(op->sent_conn == 0);
		break;
	default:
		break;
	}
}

static void op_set_state(struct rados__op *op, enum rados__op_state to)
{
	assert(op_transition_ok(op->state, to));
	if (op->state != to)
		log_at(LOG_OBJECTER, 20, "op tid %" PRIu64 " %s -> %s (osd.%d attempt %u)", op->tid,
		       op_state_names[op->state], op_state_names[to], (int)op->osd, op->attempt);
	op->state = to;
	op_check(op);
}

/* ---- waiting ---------------------------------------------------------------------- */

/* Wait on @cond (CLOCK_MONOTONIC) with c->lock until @deadline (0: forever). */
static void wait_until(struct rados__client *c, pthread_cond_t *cond, uint64_t deadline)
{
	if (deadline == 0) {
		pthread_cond_wait(cond, &c->lock);
		return;
	}
	struct timespec ts = {.tv_sec = (time_t)(deadline / CLK_NS_PER_SEC),
			      .tv_nsec = (long)(deadline % CLK_NS_PER_SEC)};
	pthread_cond_timedwait(cond, &c->lock, &ts);
}

/* ---- sessions ---------------------------------------------------------------------- */

static struct rados__osd_session *session_find(struct rados__client *c, int32_t osd)
{
	return osd >= 0 && osd < c->n_sessions ? c->sessions[osd] : NULL;
}

static void session_close(struct rados__osd_session *s)
{
	if (!s->conn)
		return;
	msg_conn_close(s->conn);
	msg_conn_put(s->conn);
	s->conn = NULL;
	s->conn_id = 0;
	s->blocked = false;
}

/* Does the session's connection still lead to @osd as the current map knows it? */
static bool session_current(struct rados__client *c, const struct rados__osd_session *s)
{
	const struct osdmap_osd *o = osdmap_osd(c->osdmap, s->osd);
	return s->conn && !msg_conn_is_closed(s->conn) && o && o->up &&
	       addr_equal(&s->addr, &o->addr) && s->up_from == o->up_from;
}

/* The session to @osd, (re)connected to its current address.  0, -ENOMEM, -ESHUTDOWN. */
static int session_open_locked(struct rados__client *c, int32_t osd,
			       struct rados__osd_session **out)
{
	const struct osdmap_osd *o = osdmap_osd(c->osdmap, osd);
	if (!o)
		return -ENOENT;
	if (osd >= c->n_sessions) {
		int32_t n = osd + 1 > c->n_sessions * 2 ? osd + 1 : c->n_sessions * 2;
		struct rados__osd_session **a = realloc(c->sessions, (size_t)n * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memset(a + c->n_sessions, 0, (size_t)(n - c->n_sessions) * sizeof(*a));
		c->sessions = a;
		c->n_sessions = n;
	}
	struct rados__osd_session *s = c->sessions[osd];
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->osd = osd;
		c->sessions[osd] = s;
	}
	if (s->conn && !session_current(c, s))
		session_close(s);
	if (!s->conn) {
		int rc = msg_connect(c->ms, &o->addr, MSG_POLICY_LOSSY, &s->conn);
		if (rc)
			return rc;
		s->conn_id = msg_conn_id(s->conn);
		s->addr = o->addr;
		s->up_from = o->up_from;
		s->blocked = false;
		char a[NET_ADDR_STRLEN];
		addr_format(&o->addr, a, sizeof(a));
		log_at(LOG_OBJECTER, 10, "session to osd.%d at %s", (int)osd, a);
	}
	*out = s;
	return 0;
}

/* ---- the table ----------------------------------------------------------------------- */

static void op_link(struct rados__client *c, struct rados__op *op)
{
	op->prev = c->ops_tail;
	op->next = NULL;
	if (c->ops_tail)
		c->ops_tail->next = op;
	else
		c->ops_head = op;
	c->ops_tail = op;
	c->n_ops++;
}

static void op_unlink(struct rados__client *c, struct rados__op *op)
{
	if (op->prev)
		op->prev->next = op->next;
	else
		c->ops_head = op->next;
	if (op->next)
		op->next->prev = op->prev;
	else
		c->ops_tail = op->prev;
	op->prev = op->next = NULL;
	c->n_ops--;
}

static struct rados__op *op_find(struct rados__client *c, uint64_t tid)
{
	/* Replies mostly come in order: the oldest ops are the likeliest. */
	for (struct rados__op *op = c->ops_head; op; op = op->next)
		if (op->tid == tid)
			return op;
	return NULL;
}

/* The op is over: take it out of the table and tell its owner.  Lock held. */
static void op_finish_locked(struct rados__client *c, struct rados__op *op, int64_t result)
{
	if (op->state != RADOS_OP_NEW)
		op_unlink(c, op);
	op->result = result;
	op->osd = -1;
	op->sent_conn = 0;
	op_set_state(op, RADOS_OP_DONE);
	if (result < 0 && !op->reply)
		log_at(LOG_OBJECTER, 5, "op tid %" PRIu64 " on %s failed: %" PRId64, op->tid,
		       op->name, result);
	if (op->sync) {
		pthread_cond_signal(&op->cond);
		return;
	}
	op->fin_next = NULL;
	if (c->fin_tail)
		c->fin_tail->fin_next = op;
	else
		c->fin_head = op;
	c->fin_tail = op;
	pthread_cond_broadcast(&c->cond);
}

/* ---- targeting and sending ----------------------------------------------------------- */

/*
 * The acting primary of the op's PG in the current map.  0, -EAGAIN (no
 * usable target in this map: wait for the next), -ENOENT (no such pool or
 * PG), -ENOMEM.
 */
static int target_locked(struct rados__client *c, const struct rados__op *op, int32_t *out_osd,
			 uint32_t *out_seed)
{
	const struct osdmap *m = c->osdmap;
	if (!m || op->min_epoch > osdmap_epoch(m))
		return -EAGAIN;
	const struct osdmap_pool *p = osdmap_pool(m, op->pool);
	if (!p)
		return -ENOENT;
	uint32_t fl = osdmap_flags(m);
	if (((op->steps.flags & OSDOP_OPF_WRITE) && (fl & OSDMAP_FLAG_PAUSEWR)) ||
	    ((op->steps.flags & OSDOP_OPF_READ) && (fl & OSDMAP_FLAG_PAUSERD)))
		return -EAGAIN;
	struct osdmap_pg pg = {op->pool, op->pg_seed};
	int rc = 0;
	if (op->pg_op) {
		if (op->pg_seed >= p->pg_num)
			return -ENOENT;
	} else {
		rc = osdmap_hash_to_pg(m, op->pool, op->hash, &pg);
		if (rc)
			return rc;
	}
	struct osdmap_placement pl;
	rc = osdmap_pg_to_osds(m, &pg, &pl);
	if (rc == -ENOENT || rc == -ENOMEM)
		return rc;
	if (rc || pl.acting_primary < 0 || !osdmap_is_up(m, pl.acting_primary))
		return -EAGAIN; /* no rule, nobody up: a later map may fix it */
	*out_osd = pl.acting_primary;
	*out_seed = pg.seed;
	return 0;
}

static int build_msg(struct rados__client *c, const struct rados__op *op, struct msg **out)
{
	struct msg *m = msg_create(MSG_OSD_OP);
	if (!m)
		return -ENOMEM;
	struct msg_osd_op *b = msg_body(m);
	b->tid = op->tid;
	b->client = c->instance_id;
	b->epoch = osdmap_epoch(c->osdmap);
	b->flags = op->steps.flags;
	b->pool = op->pool;
	b->seed = op->seed;
	b->hash = op->hash;
	b->attempt = op->attempt;
	b->nspace = strdup(op->nspace);
	b->name = strdup(op->name);
	b->locator = strdup(op->locator);
	int rc = b->nspace && b->name && b->locator ? 0 : -ENOMEM;
	if (!rc && op->steps.n_ops) {
		b->ops = calloc(op->steps.n_ops, sizeof(*b->ops));
		if (!b->ops)
			rc = -ENOMEM;
		else
			b->n_ops = op->steps.n_ops; /* zeroed entries are safe to free */
	}
	for (uint32_t i = 0; !rc && i < op->steps.n_ops; i++)
		rc = msg_osd_subop_copy(&b->ops[i], &op->steps.ops[i]);
	if (!rc)
		rc = buflist_append_list(msg_data(m), &op->steps.indata);
	if (rc) {
		msg_put(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* Put @op on the wire to op->osd, or queue it (UNSENT) behind a full session.  Lock held. */
static void op_send_locked(struct rados__client *c, struct rados__op *op)
{
	struct rados__osd_session *s;
	struct msg *m;
	op->sent_conn = 0;
	int rc = session_open_locked(c, op->osd, &s);
	if (rc == -ENOENT) {
		op->osd = -1;
		op_set_state(op, RADOS_OP_WAIT_MAP);
		return;
	}
	if (!rc && s->blocked) {
		op_set_state(op, RADOS_OP_UNSENT);
		return;
	}
	if (!rc)
		rc = build_msg(c, op, &m);
	if (rc) {
		op_finish_locked(c, op, rc);
		return;
	}
	rc = msg_send(s->conn, m);
	if (rc == -ENOTCONN) {
		/* It closed under us: one fresh connection. */
		session_close(s);
		rc = session_open_locked(c, op->osd, &s);
		if (!rc)
			rc = msg_send(s->conn, m);
	}
	if (rc == 0) {
		log_at(LOG_OBJECTER, op->attempt ? 5 : 15,
		       "%s tid %" PRIu64 " %s to osd.%d pg %" PRId64 ".%x attempt %u",
		       op->attempt ? "resend" : "send", op->tid, op->name, (int)op->osd, op->pool,
		       op->seed, op->attempt);
		op->attempt++;
		op->sent_conn = s->conn_id;
		op_set_state(op, RADOS_OP_SENT);
		return;
	}
	msg_put(m);
	if (rc == -EAGAIN || rc == -ENOTCONN) {
		s->blocked = true;
		op_set_state(op, RADOS_OP_UNSENT);
		return;
	}
	op_finish_locked(c, op, rc == -EMSGSIZE ? -E2BIG : rc);
}

/* Recompute @op's target; (re)send it if that changed or its session is gone.  Lock held. */
static void op_kick_locked(struct rados__client *c, struct rados__op *op)
{
	int32_t osd;
	uint32_t seed;
	int rc = target_locked(c, op, &osd, &seed);
	if (rc == -EAGAIN) {
		if (op->state != RADOS_OP_WAIT_MAP) {
			op->osd = -1;
			op->sent_conn = 0;
			op_set_state(op, RADOS_OP_WAIT_MAP);
		}
		return;
	}
	if (rc) {
		op_finish_locked(c, op, rc);
		return;
	}
	if (op->state == RADOS_OP_SENT && op->osd == osd) {
		const struct rados__osd_session *s = session_find(c, osd);
		if (s && s->conn_id == op->sent_conn && session_current(c, s))
			return; /* where it already is */
	}
	op->osd = osd;
	op->seed = seed;
	op_send_locked(c, op);
}

/*
 * One pass over the table, oldest first.  @remap: recompute every target
 * (a new map); otherwise only send what is queued and resend what went out
 * on a session that is gone.
 */
static void pass_locked(struct rados__client *c, bool remap)
{
	for (int32_t i = 0; i < c->n_sessions; i++)
		if (c->sessions[i])
			c->sessions[i]->blocked = false;
	struct rados__op *next;
	for (struct rados__op *op = c->ops_head; op; op = next) {
		next = op->next;
		if (remap) {
			op_kick_locked(c, op);
			continue;
		}
		if (op->state == RADOS_OP_UNSENT) {
			op_send_locked(c, op);
		} else if (op->state == RADOS_OP_SENT) {
			const struct rados__osd_session *s = session_find(c, op->osd);
			if (!s || s->conn_id != op->sent_conn || !session_current(c, s))
				op_send_locked(c, op);
		}
	}
}

/* Apply a new map to the table before anything else uses it.  Lock held. */
static void maybe_remap_locked(struct rados__client *c)
{
	if (!c->osdmap || osdmap_epoch(c->osdmap) == c->targets_epoch)
		return;
	log_at(LOG_OBJECTER, 10, "osdmap e%u: retargeting %zu ops", osdmap_epoch(c->osdmap),
	       c->n_ops);
	c->targets_epoch = osdmap_epoch(c->osdmap);
	pass_locked(c, true);
	/* Sessions to OSDs that moved or went down are of no use any more. */
	for (int32_t i = 0; i < c->n_sessions; i++) {
		struct rados__osd_session *s = c->sessions[i];
		if (s && s->conn && !session_current(c, s))
			session_close(s);
	}
}

void rados__objecter_map_changed_locked(struct rados__client *c)
{
	maybe_remap_locked(c);
}

void rados__objecter_conn_closed_locked(struct rados__client *c, struct msg_conn *conn)
{
	for (int32_t i = 0; i < c->n_sessions; i++) {
		struct rados__osd_session *s = c->sessions[i];
		if (s && s->conn == conn) {
			pass_locked(c, false);
			return;
		}
	}
}

static bool any_blocked(const struct rados__client *c)
{
	for (int32_t i = 0; i < c->n_sessions; i++)
		if (c->sessions[i] && c->sessions[i]->blocked)
			return true;
	return false;
}

/* ---- replies ------------------------------------------------------------------------- */

static void handle_reply(void *arg, struct msg_conn *conn, struct msg *m)
{
	struct rados__client *c = arg;
	const struct msg_osd_op_reply *b = msg_body(m);
	pthread_mutex_lock(&c->lock);
	maybe_remap_locked(c);
	struct rados__op *op = op_find(c, b->tid);
	if (!op) {
		log_at(LOG_OBJECTER, 10, "reply to unknown tid %" PRIu64, b->tid);
		goto out;
	}
	if (b->flags & OSDOP_RF_RETRY) {
		/* A late RETRY from an earlier attempt says nothing about the current one. */
		if (op->state != RADOS_OP_SENT || msg_conn_id(conn) != op->sent_conn ||
		    b->attempt + 1 != op->attempt)
			goto out;
		log_at(LOG_OBJECTER, 5, "tid %" PRIu64 ": osd.%d is not the primary at e%u",
		       op->tid, (int)op->osd, b->epoch);
		if (b->epoch > op->min_epoch)
			op->min_epoch = b->epoch;
		op->osd = -1;
		op->sent_conn = 0;
		op_set_state(op, RADOS_OP_WAIT_MAP);
		if (osdmap_epoch(c->osdmap) >= op->min_epoch)
			op_kick_locked(c, op);
		goto out;
	}
	/*
	 * Only the current attempt's answer counts (the OSD echoes the attempt;
	 * the session must be the one it went out on), as in Ceph: an earlier
	 * attempt's OSD may answer after the op went to a new primary, and
	 * completing on that answer would let the client's next op to the
	 * object overtake the resent copy still on its way to the new primary.
	 * The current attempt's answer comes anyway: the new primary applies
	 * the op, or finds it in its log and answers it as a duplicate.
	 */
	if (op->state != RADOS_OP_SENT || msg_conn_id(conn) != op->sent_conn ||
	    b->attempt + 1 != op->attempt) {
		log_at(LOG_OBJECTER, 10, "tid %" PRIu64 ": answer of an earlier attempt ignored",
		       op->tid);
		goto out;
	}
	op->reply = m;
	m = NULL;
	op->version = b->version;
	op_finish_locked(c, op, b->result);
	/* The OSD took work off a session: sends queued behind a full one may go now. */
	if (any_blocked(c))
		pass_locked(c, false);
out:
	pthread_mutex_unlock(&c->lock);
	msg_put(m);
}

static void aio_untrack_locked(struct rados__ioctx *io, struct rados__op *op)
{
	if (op->aio_prev)
		op->aio_prev->aio_next = op->aio_next;
	else
		io->aio_head = op->aio_next;
	if (op->aio_next)
		op->aio_next->aio_prev = op->aio_prev;
	else
		io->aio_tail = op->aio_prev;
	op->aio_prev = op->aio_next = NULL;
	op->aio_tracked = false;
}

/* ---- the objecter thread ----------------------------------------------------------- */

static void run_completion(struct rados__client *c, struct rados__op *op)
{
	int64_t r = rados__oplist_complete(&op->steps, op->reply, op->result, op->ret_step);
	if (r == 0 && op->one_if_ok)
		r = 1;
	struct rados__completion *comp = op->comp;
	op->comp = NULL;
	rados__completion_finish(comp, (int)r, op->version);
	if (op->aio_tracked) {
		struct rados__ioctx *io = op->io;
		pthread_mutex_lock(&c->lock);
		aio_untrack_locked(io, op);
		/* Flush barriers that now have no write before them complete. */
		while (io->aio_head && io->aio_head->barrier) {
			struct rados__op *b = io->aio_head;
			aio_untrack_locked(io, b);
			op_finish_locked(c, b, 0);
		}
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	rados__op_free(op);
}

/* Expire, poll sessions, send what waits.  Returns when to wake next (0: on signal only). */
static uint64_t tick_locked(struct rados__client *c, uint64_t now)
{
	uint64_t next = 0;
	bool again = false;
	struct rados__op *nop;
	for (struct rados__op *op = c->ops_head; op; op = nop) {
		nop = op->next;
		if (op->deadline && now >= op->deadline) {
			op_finish_locked(c, op, -ETIMEDOUT);
			continue;
		}
		if (op->deadline && (!next || op->deadline < next))
			next = op->deadline;
		if (op->state == RADOS_OP_UNSENT)
			again = true;
	}
	for (int32_t i = 0; i < c->n_sessions; i++) {
		struct rados__osd_session *s = c->sessions[i];
		if (s && s->conn && msg_conn_is_closed(s->conn)) {
			/* Its ops (if any) go out again on a fresh connection. */
			session_close(s);
			again = true;
		}
		again |= s && s->blocked;
	}
	if (again)
		pass_locked(c, false);
	if (c->ops_head && (!next || next > now + OBJECTER_TICK_NS))
		next = now + OBJECTER_TICK_NS;
	return next;
}

static void *objecter_main(void *arg)
{
	struct rados__client *c = arg;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		maybe_remap_locked(c);
		struct rados__op *op = c->fin_head;
		if (op) {
			c->fin_head = op->fin_next;
			if (!c->fin_head)
				c->fin_tail = NULL;
			pthread_mutex_unlock(&c->lock);
			run_completion(c, op);
			pthread_mutex_lock(&c->lock);
			continue;
		}
		if (c->objecter_stopping)
			break;
		uint64_t wake = tick_locked(c, clk_mono_ns());
		if (!c->fin_head && !c->objecter_stopping)
			wait_until(c, &c->cond, wake);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* ---- start / stop ---------------------------------------------------------------------- */

int rados__objecter_register(struct rados__client *c)
{
	return msg_register(c->ms, MSG_OSD_OP_REPLY, handle_reply, c, MSG_DISPATCH_LOOP);
}

int rados__objecter_start(struct rados__client *c)
{
	c->op_timeout_ns = cfg_dur_ns(c->cfg, CFG_rados_osd_op_timeout);
	c->objecter_stopping = false;
	int rc = pthread_create(&c->objecter_thread, NULL, objecter_main, c);
	if (rc)
		return -rc;
	c->objecter_running = true;
	return 0;
}

void rados__objecter_stop(struct rados__client *c)
{
	pthread_mutex_lock(&c->lock);
	c->objecter_stopping = true;
	while (c->ops_head)
		op_finish_locked(c, c->ops_head, -ESHUTDOWN);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (c->objecter_running) {
		pthread_join(c->objecter_thread, NULL);
		c->objecter_running = false;
	}
	pthread_mutex_lock(&c->lock);
	/* Synchronous callers woke with -ESHUTDOWN; let them leave before c goes away. */
	while (c->sync_waiters)
		pthread_cond_wait(&c->cond, &c->lock);
	for (int32_t i = 0; i < c->n_sessions; i++) {
		if (c->sessions[i])
			session_close(c->sessions[i]);
		free(c->sessions[i]);
	}
	free(c->sessions);
	c->sessions = NULL;
	c->n_sessions = 0;
	pthread_mutex_unlock(&c->lock);
}

/* ---- ops --------------------------------------------------------------------------------- */

static struct rados__op *op_new(struct rados__ioctx *io, struct rados__oplist *steps)
{
	struct rados__op *op = calloc(1, sizeof(*op));
	if (!op) {
		rados__oplist_fini(steps);
		return NULL;
	}
	op->pool = io->pool;
	op->osd = -1;
	op->ret_step = -1;
	op->io = rados__ioctx_get(io);
	rados__oplist_move(&op->steps, steps);
	return op;
}

struct rados__op *rados__op_create(struct rados__ioctx *io, const char *oid,
				   struct rados__oplist *steps)
{
	struct rados__op *op = op_new(io, steps);
	if (!op)
		return NULL;
	op->nspace = strdup(io->nspace);
	op->name = strdup(oid);
	op->locator = strdup(io->locator);
	if (!op->nspace || !op->name || !op->locator ||
	    osdmap_object_hash(op->nspace, op->name, op->locator, &op->hash) != 0) {
		rados__op_free(op);
		return NULL;
	}
	return op;
}

struct rados__op *rados__op_create_pg(struct rados__ioctx *io, uint32_t seed,
				      struct rados__oplist *steps)
{
	struct rados__op *op = op_new(io, steps);
	if (!op)
		return NULL;
	op->pg_op = true;
	op->pg_seed = seed;
	op->hash = seed;
	op->nspace = strdup("");
	op->name = strdup("");
	op->locator = strdup("");
	if (!op->nspace || !op->name || !op->locator) {
		rados__op_free(op);
		return NULL;
	}
	return op;
}

void rados__op_free(struct rados__op *op)
{
	if (!op)
		return;
	assert(op->state == RADOS_OP_NEW || op->state == RADOS_OP_DONE);
	assert(!op->aio_tracked);
	rados__oplist_fini(&op->steps);
	free(op->nspace);
	free(op->name);
	free(op->locator);
	msg_put(op->reply);
	if (op->cond_init)
		pthread_cond_destroy(&op->cond);
	if (op->comp)
		rados__completion_put(op->comp);
	rados__ioctx_put(op->io);
	free(op);
}

/* Append @op to @io's list of aio writes (and flush barriers) in flight.  Lock held. */
static void aio_track_locked(struct rados__ioctx *io, struct rados__op *op)
{
	op->aio_seq = ++io->aio_seq;
	op->aio_prev = io->aio_tail;
	op->aio_next = NULL;
	if (io->aio_tail)
		io->aio_tail->aio_next = op;
	else
		io->aio_head = op;
	io->aio_tail = op;
	op->aio_tracked = true;
}

/* Enter @op into the table and send it.  Lock held. */
static int submit_locked(struct rados__client *c, struct rados__op *op)
{
	if (!c->connected)
		return -ENOTCONN;
	if (c->objecter_stopping)
		return -ESHUTDOWN;
	maybe_remap_locked(c);
	op->tid = ++c->osd_tid;
	op->deadline = c->op_timeout_ns ? clk_mono_ns() + c->op_timeout_ns : 0;
	op_link(c, op);
	op_set_state(op, RADOS_OP_WAIT_MAP); /* in the table, no target yet */
	op_kick_locked(c, op);
	if (op->deadline && op->state != RADOS_OP_DONE)
		pthread_cond_broadcast(
		    &c->cond); /* the objecter thread may sleep without a timer */
	return 0;
}

int64_t rados__op_run(struct rados__client *c, struct rados__op *op)
{
	op->sync = true;
	if (!op->cond_init) {
		pthread_cond_init(&op->cond, NULL);
		op->cond_init = true;
	}
	pthread_mutex_lock(&c->lock);
	int rc = submit_locked(c, op);
	if (rc) {
		pthread_mutex_unlock(&c->lock);
		op->result = rc;
		return rc;
	}
	c->sync_waiters++;
	while (op->state != RADOS_OP_DONE)
		pthread_cond_wait(&op->cond, &c->lock);
	c->sync_waiters--;
	if (c->objecter_stopping)
		pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return op->result;
}

int rados__op_submit_aio(struct rados__client *c, struct rados__op *op,
			 struct rados__completion *comp)
{
	pthread_mutex_lock(&c->lock);
	int rc = !c->connected ? -ENOTCONN : c->objecter_stopping ? -ESHUTDOWN : 0;
	if (!rc)
		rc = rados__completion_claim(comp);
	if (rc) {
		pthread_mutex_unlock(&c->lock);
		return rc;
	}
	/* Set before submitting: the op may finish at once (no pool), and the
	 * objecter thread runs it only after we unlock. */
	op->comp = comp;
	rc = submit_locked(c, op);
	assert(rc == 0);
	/* rados_aio_flush waits for the writes queued before it. */
	if ((op->steps.flags & OSDOP_OPF_WRITE) && op->state != RADOS_OP_DONE)
		aio_track_locked(op->io, op);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int rados__objecter_aio_local(struct rados__ioctx *io, struct rados__completion *comp, int rv,
			      bool barrier)
{
	struct rados__client *c = io->c;
	struct rados__oplist none = {0};
	struct rados__op *op = op_new(io, &none);
	if (!op)
		return -ENOMEM;
	pthread_mutex_lock(&c->lock);
	int rc = !c->connected ? -ENOTCONN : c->objecter_stopping ? -ESHUTDOWN : 0;
	if (!rc)
		rc = rados__completion_claim(comp);
	if (rc) {
		pthread_mutex_unlock(&c->lock);
		rados__op_free(op);
		return rc;
	}
	op->comp = comp;
	if (barrier && io->aio_head) {
		op->barrier = true;
		aio_track_locked(io, op);
	} else {
		op_finish_locked(c, op, rv); /* NEW -> DONE: straight to the objecter thread */
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int rados__objecter_cancel(struct rados__client *c, struct rados__completion *comp)
{
	int rc = -ENOENT;
	pthread_mutex_lock(&c->lock);
	for (struct rados__op *op = c->ops_head; op; op = op->next) {
		if (op->comp != comp)
			continue;
		if (op->state == RADOS_OP_WAIT_MAP || op->state == RADOS_OP_UNSENT) {
			op_finish_locked(c, op, -ECANCELED);
			rc = 0;
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}
