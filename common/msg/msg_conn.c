/*
 * msg_conn.c - one connection: its state machine, handshake, framed I/O,
 * sequence/ack bookkeeping and replay.
 *
 * Threading: a connection belongs to one loop (c->lp) for its whole life
 * and everything in it is touched only there, except the cross-thread
 * send queue (inq, under inq_lock), the atomic throttles and refcount,
 * and the atomic state read by the msg_conn_is_* queries.  Other threads
 * reach the loop through ev_loop_call, always holding a reference for
 * the call.
 *
 * Protocol summary (doc/messenger.md has the full story): each side
 * writes a banner and a HELLO; the initiator runs the auth step
 * (AUTH_REQUEST, answered by AUTH_DONE), then SESSION_REQUEST with its
 * session cookie and the last seq it received; the acceptor answers
 * SESSION_READY with the last seq it received.  Each side then drops
 * what the other already has and replays the rest of its unacknowledged
 * messages before anything new, which is what makes delivery exactly-once
 * and in order across socket failures.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "crc32c.h"
#include "log.h"
#include "msg_codec.h"
#include "msg_int.h"
#include "wq.h"

#define RXBUF_SIZE (64 * 1024)
/* Read straight into the data buffer when at least this much is missing. */
#define RX_DIRECT_MIN	(32 * 1024)
#define IOV_BATCH	256
#define READS_PER_EVENT 16

static void conn_flush(struct msg_conn *c);
static int conn_fault(struct msg_conn *c, int err, const char *why);
static void conn_timer_cb(struct ev_loop *loop, struct ev_timer *t);
static void conn_io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events);
static void conn_arm_timer(struct msg_conn *c);

/* ---- state machine ---------------------------------------------------- */

static const char *const state_names[MSG_CONN__COUNT] = {
    [MSG_CONN_NONE] = "none",	  [MSG_CONN_CONNECTING] = "connecting",
    [MSG_CONN_BANNER] = "banner", [MSG_CONN_HELLO] = "hello",
    [MSG_CONN_AUTH] = "auth",	  [MSG_CONN_SESSION] = "session",
    [MSG_CONN_OPEN] = "open",	  [MSG_CONN_STANDBY] = "standby",
    [MSG_CONN_CLOSED] = "closed",
};

#define S(x) (1u << MSG_CONN_##x)
static const unsigned allowed_next[MSG_CONN__COUNT] = {
    /* NONE -> OPEN: a new session handed its socket by the accepting connection. */
    [MSG_CONN_NONE] = S(CONNECTING) | S(BANNER) | S(OPEN) | S(CLOSED),
    [MSG_CONN_CONNECTING] = S(BANNER) | S(STANDBY) | S(CLOSED),
    [MSG_CONN_BANNER] = S(HELLO) | S(STANDBY) | S(CLOSED),
    [MSG_CONN_HELLO] = S(AUTH) | S(STANDBY) | S(CLOSED),
    [MSG_CONN_AUTH] = S(SESSION) | S(STANDBY) | S(CLOSED),
    [MSG_CONN_SESSION] = S(OPEN) | S(STANDBY) | S(CLOSED),
    [MSG_CONN_OPEN] = S(STANDBY) | S(CLOSED),
    [MSG_CONN_STANDBY] = S(CONNECTING) | S(OPEN) | S(CLOSED),
    [MSG_CONN_CLOSED] = 0,
};
#undef S

const char *msg_conn_state_name(enum msg_conn_state s)
{
	return (unsigned)s < MSG_CONN__COUNT ? state_names[s] : "?";
}

static enum msg_conn_state st(const struct msg_conn *c)
{
	return (enum msg_conn_state)atomic_load_explicit(&c->state, memory_order_relaxed);
}

static void conn_check(const struct msg_conn *c)
{
	enum msg_conn_state s = st(c);
	switch (s) {
	case MSG_CONN_NONE:
	case MSG_CONN_STANDBY:
		assert(c->sock == NULL);
		break;
	case MSG_CONN_CLOSED:
		assert(c->sock == NULL);
		assert(TAILQ_EMPTY(&c->outq) && TAILQ_EMPTY(&c->sentq) && TAILQ_EMPTY(&c->ctlq));
		break;
	default:
		assert(c->sock != NULL && c->io.active);
		break;
	}
	(void)s;
}

/* The one place a connection changes state. */
static void conn_set_state(struct msg_conn *c, enum msg_conn_state to)
{
	enum msg_conn_state from = st(c);
	assert(ev_loop_in_thread(c->lp->ev));
	if (!(allowed_next[from] & (1u << to))) {
		log_err(LOG_MS, "conn %llu: invalid transition %s -> %s", (unsigned long long)c->id,
			state_names[from], state_names[to]);
		abort();
	}
	log_dbg(LOG_MS, 10, "conn %llu: %s -> %s", (unsigned long long)c->id, state_names[from],
		state_names[to]);
	atomic_store(&c->state, to);
}

static bool in_handshake(enum msg_conn_state s)
{
	return s >= MSG_CONN_CONNECTING && s <= MSG_CONN_SESSION;
}

/* ---- lifetime --------------------------------------------------------- */

struct msg_conn *msg_conn_new(struct msg_messenger *ms, struct msg_loop *lp, bool initiator)
{
	struct msg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->rxbuf = malloc(RXBUF_SIZE);
	if (!c->rxbuf) {
		free(c);
		return NULL;
	}
	c->rx_cap = RXBUF_SIZE;
	atomic_init(&c->refs, 1); /* the messenger's list */
	c->ms = ms;
	c->lp = lp;
	c->id = atomic_fetch_add(&ms->next_conn_id, 1) + 1;
	atomic_init(&c->state, MSG_CONN_NONE);
	c->initiator = initiator;
	c->backoff_ns = ms->o.backoff_min_ns;
	ev_timer_init(&c->timer);
	ev_timer_init(&c->delay_timer);
	ev_timer_init(&c->ack_timer);
	c->timer.data = c;
	c->delay_timer.data = c;
	c->ack_timer.data = c;
	TAILQ_INIT(&c->ctlq);
	TAILQ_INIT(&c->outq);
	TAILQ_INIT(&c->sentq);
	TAILQ_INIT(&c->delayq);
	TAILQ_INIT(&c->inq);
	pthread_mutex_init(&c->inq_lock, NULL);
	c->tx.max = ms->o.conn_send_bytes;
	c->tx_msgs.max = ms->o.conn_send_msgs;
	c->rx.max = ms->o.conn_dispatch_bytes;
	atomic_init(&c->tx_blocked, false);
	atomic_init(&c->peer_known, false);

	pthread_mutex_lock(&ms->lock);
	TAILQ_INSERT_TAIL(&ms->conns, c, ms_link);
	c->on_ms_list = true;
	pthread_mutex_unlock(&ms->lock);
	atomic_fetch_add(&ms->st_conns, 1);
	return c;
}

struct msg_conn *msg_conn_get(struct msg_conn *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void msg_conn_put(struct msg_conn *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	assert(!c->on_ms_list && !c->on_rx_wait && !c->on_tx_wait);
	assert(c->sock == NULL && !c->timer.active && !c->delay_timer.active);
	assert(TAILQ_EMPTY(&c->inq) && TAILQ_EMPTY(&c->outq) && TAILQ_EMPTY(&c->sentq));
	assert(TAILQ_EMPTY(&c->delayq) && TAILQ_EMPTY(&c->ctlq) && c->rx_msg == NULL);
	pthread_mutex_destroy(&c->inq_lock);
	free(c->rxbuf);
	free(c);
}

/* ---- send-side helpers ------------------------------------------------ */

static void tx_release(struct msg_conn *c, struct msg *m)
{
	if (!m->tx_bytes)
		return;
	msg_throttle_put(&c->tx, m->tx_bytes);
	msg_throttle_put(&c->tx_msgs, 1);
	msg_throttle_put(&c->ms->tx_bytes, m->tx_bytes);
	m->tx_bytes = 0;
}

static void tx_wake(struct msg_conn *c)
{
	if (atomic_load(&c->ms->n_tx_waiters))
		msg_ms_wake_tx_waiters(c->ms);
}

static void drop_queue(struct msg_conn *c, struct msg_queue *q)
{
	struct msg *m;
	while ((m = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, m, link);
		m->queued = false;
		tx_release(c, m);
		msg_put(m);
	}
}

static int queue_ctl(struct msg_conn *c, struct msg *m)
{
	int rc = msg_prepare(m);
	if (rc) {
		msg_put(m);
		return rc;
	}
	m->queued = true;
	TAILQ_INSERT_TAIL(&c->ctlq, m, link);
	return 0;
}

/* ---- socket attach / detach ------------------------------------------- */

static void rx_reset(struct msg_conn *c)
{
	if (c->rx_msg) {
		msg_put(c->rx_msg); /* releases its dispatch budget */
		c->rx_msg = NULL;
	}
	if (c->rx_data) {
		bufraw_put(c->rx_data);
		c->rx_data = NULL;
	}
	if (c->rx_hdr_taken) {
		uint64_t n = MSG_FRAME_HDR_LEN + (uint64_t)c->rx_hdr.meta_len + c->rx_hdr.data_len;
		msg_throttle_put(&c->ms->rx_bytes, n);
		msg_throttle_put(&c->ms->rx_msgs, 1);
		msg_throttle_put(&c->rx, n);
		c->rx_hdr_taken = false;
		msg_ms_wake_rx_waiters(c->ms);
	}
	c->rx_start = c->rx_end = 0;
	c->rx_state = MSG_RX_BANNER;
	c->rx_paused = false;
}

static int attach_sock(struct msg_conn *c, struct msg_sock *s, uint32_t events)
{
	c->sock = s;
	c->io.data = c;
	c->io_events = events;
	int rc = ev_io_start(c->lp->ev, &c->io, c->ms->tp->fd(s), events, conn_io_cb);
	if (rc) {
		c->sock = NULL;
		c->ms->tp->close(s);
	}
	return rc;
}

/*
 * Forget the socket: stop watching, close it, discard partial frames in
 * both directions and put every written-but-unacked message back at the
 * front of outq, in seq order, for replay after the next handshake.
 */
static void drop_socket(struct msg_conn *c)
{
	if (c->sock) {
		ev_io_stop(c->lp->ev, &c->io);
		c->ms->tp->close(c->sock);
		c->sock = NULL;
	}
	ev_timer_stop(c->lp->ev, &c->timer);
	ev_timer_stop(c->lp->ev, &c->ack_timer);
	rx_reset(c);
	struct msg *m;
	while ((m = TAILQ_FIRST(&c->ctlq)) != NULL) {
		TAILQ_REMOVE(&c->ctlq, m, link);
		m->queued = false;
		msg_put(m);
	}
	c->wr_off = 0;
	c->banner_left = 0;
	while ((m = TAILQ_LAST(&c->sentq, msg_queue)) != NULL) {
		TAILQ_REMOVE(&c->sentq, m, link);
		TAILQ_INSERT_HEAD(&c->outq, m, link);
	}
}

static void update_io(struct msg_conn *c)
{
	if (!c->sock || st(c) == MSG_CONN_CONNECTING)
		return;
	uint32_t ev = c->rx_paused ? 0 : EV_READ;
	if (!TAILQ_EMPTY(&c->ctlq) || (st(c) == MSG_CONN_OPEN && !TAILQ_EMPTY(&c->outq)))
		ev |= EV_WRITE;
	if (ev != c->io_events) {
		c->io_events = ev;
		(void)ev_io_set(c->lp->ev, &c->io, ev);
	}
}

/* ---- closing and faults ----------------------------------------------- */

void msg_conn_close_now(struct msg_conn *c, const char *why)
{
	if (st(c) == MSG_CONN_CLOSED)
		return;
	log_dbg(LOG_MS, 1, "conn %llu: closing (%s)", (unsigned long long)c->id, why);
	bool notify = c->initiator || c->ever_opened;
	drop_socket(c);
	ev_timer_stop(c->lp->ev, &c->delay_timer);
	drop_queue(c, &c->outq);
	drop_queue(c, &c->sentq);
	struct msg *m;
	while ((m = TAILQ_FIRST(&c->delayq)) != NULL) {
		TAILQ_REMOVE(&c->delayq, m, link);
		m->queued = false;
		msg_put(m);
	}
	struct msg_queue inq = TAILQ_HEAD_INITIALIZER(inq);
	pthread_mutex_lock(&c->inq_lock);
	TAILQ_CONCAT(&inq, &c->inq, link);
	c->close_requested = true;
	pthread_mutex_unlock(&c->inq_lock);
	drop_queue(c, &inq);
	conn_set_state(c, MSG_CONN_CLOSED);
	conn_check(c);
	tx_wake(c);
	if (notify && c->ms->ops.closed)
		c->ms->ops.closed(c->ms->ops_arg, c);
	msg_ms_unlink_conn(c->ms, c); /* drops the list's reference */
}

/*
 * The socket failed (or a peer misbehaved).  Lossy connections and
 * acceptor-side handshakes that never became a session close for good;
 * lossless sessions keep their queues and wait in STANDBY: the initiator
 * reconnects after a backoff, the acceptor waits for it.  Returns -1 so
 * callers can `return conn_fault(...)` out of the I/O path.
 */
static int conn_fault(struct msg_conn *c, int err, const char *why)
{
	enum msg_conn_state s = st(c);
	if (s == MSG_CONN_CLOSED || s == MSG_CONN_STANDBY)
		return -1;
	atomic_fetch_add(&c->ms->st_faults, 1);
	char peer[NET_ADDR_STRLEN] = "?";
	addr_format(&c->peer_addr, peer, sizeof(peer));
	log_dbg(LOG_MS, 1, "conn %llu to %s: fault in %s: %s (%d)", (unsigned long long)c->id, peer,
		state_names[s], why, err);
	if (c->lossy || (!c->initiator && !c->session_registered) ||
	    atomic_load(&c->ms->stopping)) {
		msg_conn_close_now(c, why);
		return -1;
	}
	drop_socket(c);
	conn_set_state(c, MSG_CONN_STANDBY);
	if (c->initiator) {
		/* A working session that broke retries at once; failed handshakes back off. */
		uint64_t delay = s == MSG_CONN_OPEN ? 0 : c->backoff_ns;
		if (s != MSG_CONN_OPEN)
			c->backoff_ns = MIN(c->backoff_ns * 2, c->ms->o.backoff_max_ns);
		(void)ev_timer_start(c->lp->ev, &c->timer, delay, conn_timer_cb);
	} else if (c->ms->o.standby_timeout_ns) {
		(void)ev_timer_start(c->lp->ev, &c->timer, c->ms->o.standby_timeout_ns,
				     conn_timer_cb);
	}
	conn_check(c);
	return -1;
}

static int bad_frame(struct msg_conn *c, const char *why)
{
	char peer[NET_ADDR_STRLEN] = "?";
	addr_format(&c->peer_addr, peer, sizeof(peer));
	atomic_fetch_add(&c->ms->st_bad_frames, 1);
	log_err_rl(LOG_MS, "conn %llu from %s: closing on a bad frame: %s",
		   (unsigned long long)c->id, peer, why);
	return conn_fault(c, -EBADMSG, why);
}

/* ---- handshake -------------------------------------------------------- */

static int send_banner_hello(struct msg_conn *c)
{
	struct msg_messenger *ms = c->ms;
	struct msg *m = msg_alloc(MSG_T_HELLO);
	if (!m)
		return -ENOMEM;
	struct msg_hello *h = (struct msg_hello *)m->body;
	h->entity_type = ms->name.type;
	memcpy(h->entity_id, ms->name.id, sizeof(h->entity_id));
	memcpy(h->fsid, ms->fsid, sizeof(h->fsid));
	h->features_supported = MSG_FEATURES_SUPPORTED;
	h->features_required = MSG_FEATURE_BASE;
	addr_format(&c->peer_addr, h->peer_addr, sizeof(h->peer_addr));
	msg_banner_encode(c->banner);
	c->banner_left = MSG_BANNER_LEN;
	return queue_ctl(c, m);
}

static void on_connected(struct msg_conn *c)
{
	conn_set_state(c, MSG_CONN_BANNER);
	c->rx_state = MSG_RX_BANNER;
	if (send_banner_hello(c)) {
		conn_fault(c, -ENOMEM, "no memory for hello");
		return;
	}
	update_io(c);
	conn_flush(c);
}

void msg_conn_start_connect(void *arg)
{
	struct msg_conn *c = arg;
	enum msg_conn_state s = st(c);
	if (s != MSG_CONN_NONE && s != MSG_CONN_STANDBY)
		goto out_put;
	struct msg_messenger *ms = c->ms;
	struct msg_sock_opts so = {ms->o.nodelay, true, ms->o.rcvbuf, 0};
	struct msg_sock *sock;
	conn_set_state(c, MSG_CONN_CONNECTING);
	c->connect_seq++;
	c->version = 0;
	int rc = ms->tp->connect(&c->peer_addr, &so, &sock);
	if (rc == 0)
		rc = attach_sock(c, sock, EV_WRITE);
	if (rc) {
		conn_fault(c, rc, "connect failed");
		goto out_put;
	}
	c->io_events = EV_WRITE;
	conn_arm_timer(c);
out_put:
	msg_conn_put(c);
}

struct accept_arg {
	struct msg_conn *c;
	struct msg_sock *sock;
	struct net_addr peer;
};

void msg_conn_accepted(struct msg_conn *c, struct msg_sock *s, const struct net_addr *peer)
{
	c->peer_addr = *peer;
	if (attach_sock(c, s, EV_READ | EV_WRITE)) {
		msg_conn_close_now(c, "cannot watch accepted socket");
		return;
	}
	conn_set_state(c, MSG_CONN_BANNER);
	c->rx_state = MSG_RX_BANNER;
	c->last_rx_ns = ev_loop_now(c->lp->ev);
	conn_arm_timer(c);
	if (send_banner_hello(c)) {
		conn_fault(c, -ENOMEM, "no memory for hello");
		return;
	}
	conn_flush(c);
}

static bool refused(const struct msg_messenger *ms, const struct ent_name *n)
{
	for (size_t i = 0; i < ms->o.n_refuse; i++)
		if (ent_name_equal(&ms->o.refuse[i], n))
			return true;
	return false;
}

static int handle_hello(struct msg_conn *c, const struct msg_hello *h)
{
	struct msg_messenger *ms = c->ms;
	struct ent_name peer;
	if (ent_type_name((enum ent_type)h->entity_type) == NULL ||
	    ent_name_make((enum ent_type)h->entity_type, h->entity_id, &peer) != 0)
		return bad_frame(c, "hello with an invalid entity name");
	if (ms->fsid[0] && h->fsid[0] && strcmp(ms->fsid, h->fsid) != 0) {
		log_err_rl(LOG_MS, "conn %llu: peer %s.%s has fsid %s, we have %s",
			   (unsigned long long)c->id, ent_type_name(peer.type), peer.id, h->fsid,
			   ms->fsid);
		return conn_fault(c, -EPERM, "fsid mismatch");
	}
	if ((h->features_required & ~MSG_FEATURES_SUPPORTED) ||
	    (MSG_FEATURE_BASE & ~h->features_supported))
		return conn_fault(c, -EPROTO, "feature mismatch");
	if (refused(ms, &peer))
		return conn_fault(c, -ECONNREFUSED, "peer refused by ms_inject_refuse_peers");
	if (atomic_load(&c->peer_known) && !ent_name_equal(&c->peer_name, &peer))
		return conn_fault(c, -EPROTO, "peer changed its name");
	c->peer_name = peer;
	atomic_store(&c->peer_known, true);
	c->features = h->features_supported & MSG_FEATURES_SUPPORTED;
	conn_set_state(c, MSG_CONN_AUTH);
	if (!c->initiator)
		return 0;
	/* The auth step: offer our methods; only `none` exists so far. */
	struct msg *m = msg_alloc(MSG_T_AUTH_REQUEST);
	if (!m)
		return conn_fault(c, -ENOMEM, "no memory");
	struct msg_auth_request *r = (struct msg_auth_request *)m->body;
	r->methods[r->n_methods++] = MSG_AUTH_NONE;
	r->method = MSG_AUTH_NONE;
	if (queue_ctl(c, m))
		return conn_fault(c, -ENOMEM, "no memory");
	return 0;
}

static int handle_auth_request(struct msg_conn *c, const struct msg_auth_request *r)
{
	bool none = false;
	for (size_t i = 0; i < r->n_methods; i++)
		if (r->methods[i] == MSG_AUTH_NONE)
			none = true;
	struct msg *m = msg_alloc(MSG_T_AUTH_DONE);
	if (!m)
		return conn_fault(c, -ENOMEM, "no memory");
	struct msg_auth_done *d = (struct msg_auth_done *)m->body;
	d->method = MSG_AUTH_NONE;
	d->result = none && c->ms->o.auth_none_allowed ? 0 : -EACCES;
	if (queue_ctl(c, m))
		return conn_fault(c, -ENOMEM, "no memory");
	if (d->result) {
		conn_flush(c);
		return conn_fault(c, -EACCES, "no acceptable auth method");
	}
	conn_set_state(c, MSG_CONN_SESSION);
	return 0;
}

static int handle_auth_done(struct msg_conn *c, const struct msg_auth_done *d)
{
	if (d->result)
		return conn_fault(c, d->result, "authentication refused by peer");
	struct msg *m = msg_alloc(MSG_T_SESSION_REQUEST);
	if (!m)
		return conn_fault(c, -ENOMEM, "no memory");
	struct msg_session_request *r = (struct msg_session_request *)m->body;
	r->cookie = c->cookie;
	r->connect_seq = c->connect_seq;
	r->in_seq = c->in_seq;
	r->lossy = c->lossy;
	/*
	 * Resume from the first retry on, not from the first open: the
	 * acceptor may have opened (and started queueing on) the session even
	 * though its SESSION_READY never reached us.
	 */
	r->resume = c->session_requested;
	c->session_requested = true;
	if (queue_ctl(c, m))
		return conn_fault(c, -ENOMEM, "no memory");
	conn_set_state(c, MSG_CONN_SESSION);
	return 0;
}

/* Drop from the head of outq what the peer says it already has. */
static int trim_acked(struct msg_conn *c, uint64_t peer_in_seq)
{
	if (peer_in_seq > c->out_seq)
		return -1;
	struct msg *m;
	bool any = false;
	while ((m = TAILQ_FIRST(&c->sentq)) != NULL && m->seq <= peer_in_seq) {
		TAILQ_REMOVE(&c->sentq, m, link);
		m->queued = false;
		tx_release(c, m);
		msg_put(m);
		any = true;
	}
	if (TAILQ_EMPTY(&c->sentq)) {
		while ((m = TAILQ_FIRST(&c->outq)) != NULL && m->seq && m->seq <= peer_in_seq) {
			TAILQ_REMOVE(&c->outq, m, link);
			m->queued = false;
			tx_release(c, m);
			msg_put(m);
			any = true;
		}
	}
	if (any)
		tx_wake(c);
	return 0;
}

static void session_opened(struct msg_conn *c)
{
	conn_set_state(c, MSG_CONN_OPEN);
	c->backoff_ns = c->ms->o.backoff_min_ns;
	c->last_rx_ns = c->last_tx_ns = ev_loop_now(c->lp->ev);
	conn_arm_timer(c);
	if (!c->ever_opened) {
		c->ever_opened = true;
		atomic_fetch_add(&c->ms->st_opened, 1);
		if (c->ms->ops.opened)
			c->ms->ops.opened(c->ms->ops_arg, c);
	} else {
		atomic_fetch_add(&c->ms->st_reconnects, 1);
	}
}

static int queue_session_ready(struct msg_conn *c, bool reset)
{
	struct msg *m = msg_alloc(MSG_T_SESSION_READY);
	if (!m)
		return -ENOMEM;
	struct msg_session_ready *r = (struct msg_session_ready *)m->body;
	r->in_seq = c->in_seq;
	r->reset = reset;
	return queue_ctl(c, m);
}

struct adopt_arg {
	struct msg_conn *s; /* the session, a reference */
	struct msg_sock *sock;
	struct net_addr peer_addr;
	uint16_t version;
	uint64_t features;
	struct msg_session_request req;
};

/*
 * On @s's loop: @sock, whose handshake another connection did, becomes the
 * session's socket; SESSION_READY (with @reset) goes out and the session
 * opens.  The peer has received our messages up to @peer_in_seq.
 */
static void session_take_sock(struct msg_conn *s, struct msg_sock *sock, uint64_t peer_in_seq,
			      bool reset)
{
	if (attach_sock(s, sock, EV_READ | EV_WRITE)) {
		msg_conn_close_now(s, "cannot watch adopted socket");
		return;
	}
	s->rx_state = MSG_RX_HDR;
	if (trim_acked(s, peer_in_seq)) {
		drop_socket(s);
		msg_conn_close_now(s, "peer acknowledged messages never sent");
		return;
	}
	if (queue_session_ready(s, reset)) {
		drop_socket(s);
		msg_conn_close_now(s, "no memory");
		return;
	}
	session_opened(s);
	update_io(s);
	conn_flush(s);
}

/*
 * On the session's loop: a reconnected initiator's socket arrives from the
 * handshake connection that accepted it.  The old socket, if the session
 * still has one, is dead by definition (the initiator gave up on it).
 */
static void session_adopt(void *arg)
{
	struct adopt_arg *a = arg;
	struct msg_conn *s = a->s;
	if (st(s) == MSG_CONN_CLOSED || a->req.connect_seq <= s->connect_seq) {
		log_dbg(LOG_MS, 1, "conn %llu: dropping stale reconnect (connect_seq %llu <= %llu)",
			(unsigned long long)s->id, (unsigned long long)a->req.connect_seq,
			(unsigned long long)s->connect_seq);
		s->ms->tp->close(a->sock);
		goto out_free;
	}
	if (st(s) != MSG_CONN_STANDBY) {
		conn_fault(s, -ECONNRESET, "peer reconnected");
		if (st(s) != MSG_CONN_STANDBY) {
			s->ms->tp->close(a->sock);
			goto out_free;
		}
	}
	ev_timer_stop(s->lp->ev, &s->timer);
	s->connect_seq = a->req.connect_seq;
	s->peer_addr = a->peer_addr;
	s->version = a->version;
	s->features = a->features;
	session_take_sock(s, a->sock, a->req.in_seq, false);
out_free:
	msg_conn_put(s);
	free(a);
}

/* On the external loop: a new session's first socket (see move_session). */
static void session_move_in(void *arg)
{
	struct adopt_arg *a = arg;
	if (st(a->s) == MSG_CONN_CLOSED)
		a->s->ms->tp->close(a->sock);
	else
		session_take_sock(a->s, a->sock, 0, a->req.resume);
	msg_conn_put(a->s);
	free(a);
}

/*
 * @s, which was to get @c's socket, does not: put the reference.  A session
 * that never had a socket (move_session's) has no peer to come back for
 * it, so it closes too.
 */
static void hand_over_failed(struct msg_conn *s)
{
	if (st(s) == MSG_CONN_NONE)
		msg_conn_close(s);
	msg_conn_put(s);
}

/*
 * Hand the socket of @c, which has just finished a handshake, to @s on
 * @s's loop (via @fn: session_adopt or session_move_in); @c closes.  The
 * caller checked that nothing is buffered in @c.  Takes the reference @s.
 */
static int hand_over(struct msg_conn *c, struct msg_conn *s, const struct msg_session_request *r,
		     void (*fn)(void *), const char *why)
{
	struct adopt_arg *a = malloc(sizeof(*a));
	if (!a) {
		hand_over_failed(s);
		return conn_fault(c, -ENOMEM, "no memory");
	}
	ev_io_stop(c->lp->ev, &c->io);
	*a = (struct adopt_arg){s, c->sock, c->peer_addr, c->version, c->features, *r};
	c->sock = NULL;
	if (ev_loop_call(s->lp->ev, fn, a) != 0) {
		c->ms->tp->close(a->sock);
		free(a);
		hand_over_failed(s);
	}
	msg_conn_close_now(c, why);
	return -1;
}

/*
 * A new lossless session accepted on a threaded loop of a messenger with an
 * external loop moves there, as the sessions it opens itself live there:
 * the owner (an OSD's service loop) then handles its peers' messages, and
 * sends its replies, without a thread hop.  The session is registered
 * before its socket moves, so a reconnect finds it (and queues behind).
 */
static int move_session(struct msg_conn *c, const struct msg_session_request *r)
{
	struct msg_messenger *ms = c->ms;
	struct msg_conn *s = msg_conn_new(ms, &ms->loops[0], false);
	if (!s)
		return conn_fault(c, -ENOMEM, "no memory");
	s->peer_name = c->peer_name;
	atomic_store(&s->peer_known, true);
	s->peer_addr = c->peer_addr;
	s->version = c->version;
	s->features = c->features;
	s->lossy = false;
	s->cookie = r->cookie;
	s->connect_seq = r->connect_seq;
	pthread_mutex_lock(&ms->lock);
	s->session_registered = true;
	pthread_mutex_unlock(&ms->lock);
	/* The messenger's list holds @s; this reference goes with the socket. */
	return hand_over(c, msg_conn_get(s), r, session_move_in, "socket handed to its session");
}

static int handle_session_request(struct msg_conn *c, const struct msg_session_request *r)
{
	struct msg_messenger *ms = c->ms;
	struct msg_conn *s = NULL;
	if (!r->lossy)
		s = msg_ms_find_session(ms, r->cookie);
	if (s && !ent_name_equal(&s->peer_name, &c->peer_name)) {
		msg_conn_put(s);
		return bad_frame(c, "session cookie of another entity");
	}
	bool move = !s && !r->lossy && ms->loops[0].external && c->lp != &ms->loops[0];
	/*
	 * The socket goes to another connection: the initiator sends nothing
	 * more until SESSION_READY, so nothing may be buffered here.
	 */
	if ((s || move) && (c->rx_end != c->rx_start || !TAILQ_EMPTY(&c->ctlq) || c->wr_off)) {
		msg_conn_put(s);
		return bad_frame(c, "data after a session request");
	}
	if (s) /* resume: hand this socket to the session */
		return hand_over(c, s, r, session_adopt, "socket handed to its session");
	if (move)
		return move_session(c, r);
	/* A new session; `reset` tells a resuming initiator we lost its state. */
	c->lossy = r->lossy;
	c->cookie = r->cookie;
	c->connect_seq = r->connect_seq;
	if (!c->lossy) {
		pthread_mutex_lock(&ms->lock);
		c->session_registered = true;
		pthread_mutex_unlock(&ms->lock);
	}
	if (queue_session_ready(c, r->resume))
		return conn_fault(c, -ENOMEM, "no memory");
	session_opened(c);
	return 0;
}

static int handle_session_ready(struct msg_conn *c, const struct msg_session_ready *r)
{
	if (r->reset && c->ever_opened) {
		/*
		 * The acceptor restarted: whatever it had received is gone and
		 * its numbering starts over.  Renumber what we still hold and
		 * tell the owner, who knows what may have been lost.
		 */
		log_warn(LOG_MS, "conn %llu: peer %s.%s reset the session",
			 (unsigned long long)c->id, ent_type_name(c->peer_name.type),
			 c->peer_name.id);
		c->in_seq = 0;
		c->out_seq = 0;
		struct msg *m;
		TAILQ_FOREACH(m, &c->outq, link)
		m->seq = ++c->out_seq;
		if (c->ms->ops.remote_reset)
			c->ms->ops.remote_reset(c->ms->ops_arg, c);
	} else if (trim_acked(c, r->in_seq)) {
		return bad_frame(c, "peer acknowledged messages never sent");
	}
	session_opened(c);
	return 0;
}

/* ---- receiving -------------------------------------------------------- */

static int process_ack(struct msg_conn *c, uint64_t ack)
{
	if (c->lossy || ack == 0)
		return 0;
	if (ack > c->out_seq)
		return bad_frame(c, "ack beyond the last sent seq");
	struct msg *m;
	bool any = false;
	while ((m = TAILQ_FIRST(&c->sentq)) != NULL && m->seq <= ack) {
		TAILQ_REMOVE(&c->sentq, m, link);
		m->queued = false;
		tx_release(c, m);
		msg_put(m);
		any = true;
	}
	if (any)
		tx_wake(c);
	return 0;
}

static void delay_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct msg_conn *c = t->data;
	uint64_t now = clk_mono_ns();
	struct msg *m;
	while ((m = TAILQ_FIRST(&c->delayq)) != NULL && m->release_ns <= now) {
		TAILQ_REMOVE(&c->delayq, m, link);
		m->queued = false;
		msg_ms_dispatch(c->ms, c, m);
		if (st(c) == MSG_CONN_CLOSED)
			return;
	}
	if (m)
		(void)ev_timer_start(loop, t, m->release_ns - now, delay_timer_cb);
}

static void deliver(struct msg_conn *c, struct msg *m)
{
	struct msg_messenger *ms = c->ms;
	bool delay = !TAILQ_EMPTY(&c->delayq);
	if (!delay && ms->o.inject_delay_max_ns && (ms->o.inject_delay_types & c->peer_name.type))
		delay = (double)(msg_ms_rand(c->lp) % 1000000) / 1e6 < ms->o.inject_delay_prob;
	if (!delay) {
		msg_ms_dispatch(ms, c, m);
		return;
	}
	/* Delayed messages stay in order: none leaves before the one ahead of it. */
	uint64_t now = clk_mono_ns();
	uint64_t at = now + msg_ms_rand(c->lp) % (ms->o.inject_delay_max_ns + 1);
	struct msg *last = TAILQ_LAST(&c->delayq, msg_queue);
	if (last && last->release_ns > at)
		at = last->release_ns;
	m->release_ns = at;
	m->queued = true;
	TAILQ_INSERT_TAIL(&c->delayq, m, link);
	if (!c->delay_timer.active)
		(void)ev_timer_start(c->lp->ev, &c->delay_timer, at - now, delay_timer_cb);
}

static int handle_control(struct msg_conn *c, const struct msg_frame_hdr *h, struct msg *m)
{
	enum msg_conn_state s = st(c);
	void *b = m->body;
	switch (h->type) {
	case MSG_T_HELLO:
		if (s != MSG_CONN_HELLO)
			break;
		return handle_hello(c, b);
	case MSG_T_AUTH_REQUEST:
		if (s != MSG_CONN_AUTH || c->initiator)
			break;
		return handle_auth_request(c, b);
	case MSG_T_AUTH_DONE:
		if (s != MSG_CONN_AUTH || !c->initiator)
			break;
		return handle_auth_done(c, b);
	case MSG_T_SESSION_REQUEST:
		if (s != MSG_CONN_SESSION || c->initiator)
			break;
		return handle_session_request(c, b);
	case MSG_T_SESSION_READY:
		if (s != MSG_CONN_SESSION || !c->initiator)
			break;
		return handle_session_ready(c, b);
	case MSG_T_ACK:
	case MSG_T_KEEPALIVE_ACK:
		if (s != MSG_CONN_OPEN)
			break;
		return 0; /* the ack field was processed already */
	case MSG_T_KEEPALIVE: {
		if (s != MSG_CONN_OPEN)
			break;
		struct msg *r = msg_alloc(MSG_T_KEEPALIVE_ACK);
		if (!r)
			return conn_fault(c, -ENOMEM, "no memory");
		((struct msg_keepalive *)r->body)->stamp_ns = ((struct msg_keepalive *)b)->stamp_ns;
		if (queue_ctl(c, r))
			return conn_fault(c, -ENOMEM, "no memory");
		return 0;
	}
	default:
		break;
	}
	return bad_frame(c, "control frame unexpected in this state");
}

/* A whole frame has arrived; @m is ours.  Returns -1 if the connection faulted. */
static int frame_done(struct msg_conn *c, struct msg *m)
{
	const struct msg_frame_hdr *h = &c->rx_hdr;
	if (st(c) == MSG_CONN_OPEN && process_ack(c, h->ack)) {
		msg_put(m);
		return -1;
	}
	if (h->type < MSG_TYPE_USER_MIN) {
		int rc = handle_control(c, h, m);
		msg_put(m);
		return rc < 0 ? -1 : 0;
	}
	if (h->seq <= c->in_seq) {
		/* A replay of something delivered before the reconnect. */
		atomic_fetch_add(&c->ms->st_dups, 1);
		msg_put(m);
		return 0;
	}
	if (h->seq != c->in_seq + 1) {
		msg_put(m);
		return bad_frame(c, "sequence gap");
	}
	c->in_seq = h->seq;
	m->seq = h->seq;
	atomic_fetch_add(&c->ms->st_received, 1);
	deliver(c, m);
	return st(c) == MSG_CONN_OPEN ? 0 : -1;
}

static bool rx_take(struct msg_conn *c, uint64_t n)
{
	struct msg_messenger *ms = c->ms;
	if (!msg_throttle_take(&ms->rx_msgs, 1))
		return false;
	if (!msg_throttle_take(&ms->rx_bytes, n)) {
		msg_throttle_put(&ms->rx_msgs, 1);
		return false;
	}
	if (!msg_throttle_take(&c->rx, n)) {
		msg_throttle_put(&ms->rx_msgs, 1);
		msg_throttle_put(&ms->rx_bytes, n);
		return false;
	}
	return true;
}

static int rx_header(struct msg_conn *c)
{
	const char *why = NULL;
	uint8_t *p = c->rxbuf + c->rx_start;
	uint16_t v = st(c) > MSG_CONN_HELLO ? c->version : 0;
	if (msg_frame_hdr_decode(p, v, c->ms->o.max_frame, &c->rx_hdr, &why))
		return bad_frame(c, why);
	const struct msg_frame_hdr *h = &c->rx_hdr;
	uint64_t total = MSG_FRAME_HDR_LEN + (uint64_t)h->meta_len + h->data_len;
	if (h->type >= MSG_TYPE_USER_MIN) {
		if (st(c) != MSG_CONN_OPEN)
			return bad_frame(c, "message before the session opened");
		if (!c->rx_hdr_taken) {
			if (!rx_take(c, total)) {
				/*
				 * Out of dispatch budget: stop reading until handlers put
				 * messages.  Re-check after queueing ourselves so a release
				 * that raced with us is not missed.
				 */
				msg_ms_wait_rx(c->ms, c);
				if (!rx_take(c, total)) {
					c->rx_paused = true;
					atomic_fetch_add(&c->ms->st_rx_paused, 1);
					update_io(c);
					return 1;
				}
			}
			c->rx_hdr_taken = true;
		}
	}
	size_t need = MSG_FRAME_HDR_LEN + h->meta_len;
	if (need > c->rx_cap) {
		/* Rare: metadata larger than the buffer.  Grow to fit, once. */
		uint8_t *nb = malloc(need);
		if (!nb)
			return conn_fault(c, -ENOMEM, "no memory for metadata");
		memcpy(nb, c->rxbuf + c->rx_start, c->rx_end - c->rx_start);
		free(c->rxbuf);
		c->rxbuf = nb;
		c->rx_end -= c->rx_start;
		c->rx_start = 0;
		c->rx_cap = need;
	}
	if (c->rx_end - c->rx_start < need)
		return 1;
	p = c->rxbuf + c->rx_start;
	const uint8_t *meta = p + MSG_FRAME_HDR_LEN;
	if (crc32c(0, meta, h->meta_len) != h->meta_crc)
		return bad_frame(c, "bad metadata crc");
	struct msg *m = msg_alloc(h->type);
	if (!m)
		return conn_fault(c, -ENOMEM, "no memory for a message");
	if (c->rx_hdr_taken) {
		m->rx_bytes = total;
		m->src = msg_conn_get(c);
		c->rx_hdr_taken = false;
	}
	int rc = msg_codec_decode(h->type, meta, h->meta_len, m->body);
	if (rc) {
		msg_put(m);
		if (rc == -ENOMEM)
			return conn_fault(c, rc, "no memory to decode");
		return bad_frame(c, "undecodable metadata");
	}
	c->rx_start += need;
	if (h->data_len == 0)
		return frame_done(c, m);
	c->rx_data = msg_bufpool_get(h->data_len);
	if (!c->rx_data) {
		msg_put(m);
		return conn_fault(c, -ENOMEM, "no memory for a data segment");
	}
	c->rx_msg = m;
	c->rx_data_off = 0;
	c->rx_data_crc = 0;
	c->rx_state = MSG_RX_DATA;
	return 0;
}

static int rx_data_done(struct msg_conn *c)
{
	struct msg *m = c->rx_msg;
	c->rx_msg = NULL;
	c->rx_state = MSG_RX_HDR;
	if (c->rx_data_crc != c->rx_hdr.data_crc) {
		msg_put(m);
		bufraw_put(c->rx_data);
		c->rx_data = NULL;
		return bad_frame(c, "bad data crc");
	}
	int rc = buflist_append_raw(&m->data, c->rx_data, 0, c->rx_hdr.data_len);
	bufraw_put(c->rx_data);
	c->rx_data = NULL;
	if (rc) {
		msg_put(m);
		return conn_fault(c, rc, "no memory");
	}
	return frame_done(c, m);
}

/* Parse what rxbuf holds.  0: need more bytes, 1: paused, -1: faulted. */
static int process_rx(struct msg_conn *c)
{
	for (;;) {
		size_t avail = c->rx_end - c->rx_start;
		int rc;
		switch (c->rx_state) {
		case MSG_RX_BANNER: {
			if (avail < MSG_BANNER_LEN)
				return 0;
			const char *why = NULL;
			if (msg_banner_decode(c->rxbuf + c->rx_start, &c->version, &why))
				return bad_frame(c, why);
			c->rx_start += MSG_BANNER_LEN;
			c->rx_state = MSG_RX_HDR;
			conn_set_state(c, MSG_CONN_HELLO);
			break;
		}
		case MSG_RX_HDR:
			if (c->rx_paused)
				return 1;
			if (avail < MSG_FRAME_HDR_LEN)
				return 0;
			rc = rx_header(c);
			if (rc)
				return rc;
			break;
		case MSG_RX_DATA: {
			size_t want = c->rx_hdr.data_len - c->rx_data_off;
			size_t n = MIN(avail, want);
			if (n) {
				uint8_t *dst = (uint8_t *)bufraw_data(c->rx_data) + c->rx_data_off;
				memcpy(dst, c->rxbuf + c->rx_start, n);
				c->rx_data_crc = crc32c(c->rx_data_crc, dst, n);
				c->rx_data_off += n;
				c->rx_start += n;
			}
			if (c->rx_data_off < c->rx_hdr.data_len)
				return 0;
			if (rx_data_done(c) < 0)
				return -1;
			break;
		}
		}
		if (st(c) == MSG_CONN_CLOSED || st(c) == MSG_CONN_STANDBY)
			return -1;
	}
}

static bool need_ack(const struct msg_conn *c)
{
	return !c->lossy && st(c) == MSG_CONN_OPEN && c->in_seq != c->ack_sent &&
	       TAILQ_EMPTY(&c->ctlq) && TAILQ_EMPTY(&c->outq);
}

/* Queue an ACK frame.  0, or -1 when the connection faulted. */
static int send_ack(struct msg_conn *c)
{
	struct msg *a = msg_alloc(MSG_T_ACK);
	if (!a || queue_ctl(c, a)) {
		conn_fault(c, -ENOMEM, "no memory for an ack");
		return -1;
	}
	return 0;
}

static void ack_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct msg_conn *c = t->data;
	(void)loop;
	if (need_ack(c) && send_ack(c) == 0)
		conn_flush(c);
}

static void conn_read(struct msg_conn *c)
{
	const struct msg_transport_ops *tp = c->ms->tp;
	for (int i = 0; i < READS_PER_EVENT && !c->rx_paused; i++) {
		if (c->rx_start == c->rx_end)
			c->rx_start = c->rx_end = 0;
		else if (c->rx_cap - c->rx_end < 4096) {
			memmove(c->rxbuf, c->rxbuf + c->rx_start, c->rx_end - c->rx_start);
			c->rx_end -= c->rx_start;
			c->rx_start = 0;
		}
		struct iovec iov[2];
		int n = 0;
		size_t direct = 0;
		if (c->rx_state == MSG_RX_DATA && c->rx_start == c->rx_end &&
		    c->rx_hdr.data_len - c->rx_data_off >= RX_DIRECT_MIN) {
			direct = c->rx_hdr.data_len - c->rx_data_off;
			iov[n].iov_base = (uint8_t *)bufraw_data(c->rx_data) + c->rx_data_off;
			iov[n++].iov_len = direct;
		}
		iov[n].iov_base = c->rxbuf + c->rx_end;
		iov[n++].iov_len = c->rx_cap - c->rx_end;
		size_t asked = direct + (c->rx_cap - c->rx_end);

		if (msg_ms_inject(c->lp, c->ms->o.inject_socket_failures)) {
			conn_fault(c, -ECONNRESET, "injected read failure");
			return;
		}
		ssize_t r = tp->readv(c->sock, iov, n);
		if (r == -EAGAIN)
			break;
		if (r <= 0) {
			conn_fault(c, r ? (int)r : -ECONNRESET, r ? "read failed" : "peer closed");
			return;
		}
		c->last_rx_ns = ev_loop_now(c->lp->ev);
		size_t got = (size_t)r;
		if (direct) {
			size_t d = MIN(got, direct);
			uint8_t *p = (uint8_t *)bufraw_data(c->rx_data) + c->rx_data_off;
			c->rx_data_crc = crc32c(c->rx_data_crc, p, d);
			c->rx_data_off += d;
			got -= d;
			if (c->rx_data_off == c->rx_hdr.data_len && rx_data_done(c) < 0)
				return;
		}
		c->rx_end += got;
		if (process_rx(c) < 0)
			return;
		if ((size_t)r < asked)
			break;
	}
	/*
	 * Acknowledge what this batch delivered.  Any outgoing frame carries
	 * the acknowledgement, and a reply usually follows soon (a replica's
	 * commit), so an ACK frame of its own waits up to ms_ack_delay for one.
	 */
	if (need_ack(c)) {
		if (c->ms->o.ack_delay_ns) {
			if (!ev_timer_active(&c->ack_timer))
				(void)ev_timer_start(c->lp->ev, &c->ack_timer, c->ms->o.ack_delay_ns,
						     ack_timer_cb);
		} else if (send_ack(c)) {
			return;
		}
	}
	conn_flush(c);
}

void msg_conn_resume_rx(void *arg)
{
	struct msg_conn *c = arg;
	if (st(c) != MSG_CONN_CLOSED && c->rx_paused && c->sock) {
		c->rx_paused = false;
		c->last_rx_ns = ev_loop_now(c->lp->ev);
		if (process_rx(c) >= 0) {
			update_io(c);
			conn_flush(c);
		}
	}
	msg_conn_put(c);
}

/* ---- sending ---------------------------------------------------------- */

static void iov_add(struct iovec *iov, int *n, const void *p, size_t len, size_t *skip)
{
	if (*skip >= len) {
		*skip -= len;
		return;
	}
	iov[*n].iov_base = (uint8_t *)p + *skip;
	iov[*n].iov_len = len - *skip;
	*skip = 0;
	(*n)++;
}

static void fill_hdr(struct msg_conn *c, struct msg *m)
{
	struct msg_frame_hdr h = {
	    .version = c->version ? c->version : MSG_PROTO_VERSION_MAX,
	    .type = m->type,
	    .meta_len = m->meta_len,
	    .seq = m->type >= MSG_TYPE_USER_MIN ? m->seq : 0,
	    .ack = c->lossy ? 0 : c->in_seq,
	    .data_len = (uint32_t)m->data.len,
	    .meta_crc = m->meta_crc,
	    .data_crc = m->data_crc,
	};
	msg_frame_hdr_encode(&h, m->hdr);
	c->ack_sent = h.ack;
}

/*
 * Gather up to IOV_BATCH pieces: what is left of the banner, control
 * frames, then (when open) messages.  A frame's header is (re)filled
 * until its first byte is written, so it carries the freshest ack.
 */
static int gather(struct msg_conn *c, struct iovec *iov, size_t *out_bytes)
{
	int n = 0;
	size_t skip = c->wr_off;
	if (c->banner_left) {
		iov[n].iov_base = c->banner + (MSG_BANNER_LEN - c->banner_left);
		iov[n++].iov_len = c->banner_left;
	}
	struct msg_queue *qs[2] = {&c->ctlq, st(c) == MSG_CONN_OPEN ? &c->outq : NULL};
	for (int qi = 0; qi < 2 && qs[qi]; qi++) {
		struct msg *m;
		TAILQ_FOREACH(m, qs[qi], link)
		{
			if (n + 3 > IOV_BATCH)
				goto out;
			if (skip == 0)
				fill_hdr(c, m);
			iov_add(iov, &n, m->hdr, MSG_FRAME_HDR_LEN, &skip);
			if (m->meta_len)
				iov_add(iov, &n, m->meta, m->meta_len, &skip);
			if (m->data.len) {
				size_t off = skip;
				skip = 0;
				int k = buflist_to_iovec(&m->data, off, iov + n, IOV_BATCH - n);
				size_t covered = 0;
				for (int i = n; i < n + k; i++)
					covered += iov[i].iov_len;
				n += k;
				if (covered < m->data.len - off)
					goto out;
			}
		}
	}
out:;
	size_t bytes = 0;
	for (int i = 0; i < n; i++)
		bytes += iov[i].iov_len;
	*out_bytes = bytes;
	return n;
}

/* @n bytes went out: advance the banner, pop finished frames. */
static void advance(struct msg_conn *c, size_t n)
{
	bool released = false;
	if (c->banner_left) {
		size_t b = MIN(n, (size_t)c->banner_left);
		c->banner_left -= (uint8_t)b;
		n -= b;
	}
	struct msg_queue *qs[2] = {&c->ctlq, &c->outq};
	for (int qi = 0; qi < 2 && n; qi++) {
		struct msg *m;
		while (n && (m = TAILQ_FIRST(qs[qi])) != NULL) {
			size_t left = msg_frame_len(m) - c->wr_off;
			if (n < left) {
				c->wr_off += n;
				return;
			}
			n -= left;
			c->wr_off = 0;
			TAILQ_REMOVE(qs[qi], m, link);
			if (qi == 0) {
				m->queued = false;
				msg_put(m);
				continue;
			}
			atomic_fetch_add(&c->ms->st_sent, 1);
			if (c->lossy) {
				m->queued = false;
				tx_release(c, m);
				msg_put(m);
				released = true;
			} else {
				TAILQ_INSERT_TAIL(&c->sentq, m, link);
			}
		}
	}
	assert(n == 0);
	if (released)
		tx_wake(c);
}

static void conn_flush(struct msg_conn *c)
{
	enum msg_conn_state s = st(c);
	if (!c->sock || s == MSG_CONN_CONNECTING || s == MSG_CONN_CLOSED || s == MSG_CONN_STANDBY)
		return;
	struct iovec iov[IOV_BATCH];
	for (;;) {
		size_t bytes;
		int n = gather(c, iov, &bytes);
		if (n == 0)
			break;
		if (msg_ms_inject(c->lp, c->ms->o.inject_socket_failures)) {
			conn_fault(c, -ECONNRESET, "injected write failure");
			return;
		}
		ssize_t w = c->ms->tp->writev(c->sock, iov, n);
		if (w == -EAGAIN)
			break;
		if (w < 0) {
			conn_fault(c, (int)w, "write failed");
			return;
		}
		c->last_tx_ns = ev_loop_now(c->lp->ev);
		advance(c, (size_t)w);
		if ((size_t)w < bytes)
			break;
	}
	update_io(c);
}

/* Messages handed over by msg_send on any thread get their seq here. */
static void conn_flush_call(void *arg)
{
	struct msg_conn *c = arg;
	struct msg_queue q = TAILQ_HEAD_INITIALIZER(q);
	pthread_mutex_lock(&c->inq_lock);
	TAILQ_CONCAT(&q, &c->inq, link);
	c->inq_posted = false;
	pthread_mutex_unlock(&c->inq_lock);
	if (st(c) == MSG_CONN_CLOSED) {
		drop_queue(c, &q);
		tx_wake(c);
	} else {
		struct msg *m;
		while ((m = TAILQ_FIRST(&q)) != NULL) {
			TAILQ_REMOVE(&q, m, link);
			m->seq = ++c->out_seq;
			TAILQ_INSERT_TAIL(&c->outq, m, link);
		}
		conn_flush(c);
	}
	msg_conn_put(c);
}

int msg_send(struct msg_conn *c, struct msg *m)
{
	struct msg_messenger *ms = c->ms;
	if (m->queued)
		return -EBUSY;
	if (st(c) == MSG_CONN_CLOSED || atomic_load(&ms->stopping))
		return -ENOTCONN;
	int rc = msg_prepare(m);
	if (rc)
		return rc;
	uint64_t len = msg_frame_len(m);
	if (len > ms->o.max_frame)
		return -EMSGSIZE;
	if (!msg_throttle_take(&c->tx_msgs, 1))
		goto out_blocked;
	if (!msg_throttle_take(&c->tx, len)) {
		msg_throttle_put(&c->tx_msgs, 1);
		goto out_blocked;
	}
	if (!msg_throttle_take(&ms->tx_bytes, len)) {
		msg_throttle_put(&c->tx_msgs, 1);
		msg_throttle_put(&c->tx, len);
		goto out_blocked;
	}
	m->tx_bytes = len;

	pthread_mutex_lock(&c->inq_lock);
	if (c->close_requested) {
		pthread_mutex_unlock(&c->inq_lock);
		rc = -ENOTCONN;
		goto out_release;
	}
	m->queued = true;
	TAILQ_INSERT_TAIL(&c->inq, m, link);
	bool post = !c->inq_posted;
	c->inq_posted = true;
	pthread_mutex_unlock(&c->inq_lock);
	if (post) {
		msg_conn_get(c);
		if (ev_loop_call(c->lp->ev, conn_flush_call, c) != 0) {
			pthread_mutex_lock(&c->inq_lock);
			TAILQ_REMOVE(&c->inq, m, link);
			m->queued = false;
			c->inq_posted = false;
			pthread_mutex_unlock(&c->inq_lock);
			msg_conn_put(c);
			rc = -ENOMEM;
			goto out_release;
		}
	}
	return 0;

out_release:
	msg_throttle_put(&c->tx_msgs, 1);
	msg_throttle_put(&c->tx, len);
	msg_throttle_put(&ms->tx_bytes, len);
	m->tx_bytes = 0;
	return rc;
out_blocked:
	atomic_store(&c->tx_blocked, true);
	msg_ms_wait_tx(ms, c);
	return -EAGAIN;
}

/* ---- events ----------------------------------------------------------- */

static void conn_io_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct msg_conn *c = io->data;
	msg_conn_get(c);
	if (st(c) == MSG_CONN_CONNECTING) {
		if (events & (EV_WRITE | EV_ERROR)) {
			int rc = c->ms->tp->connect_result(c->sock);
			if (rc)
				conn_fault(c, rc, "connect failed");
			else
				on_connected(c);
		}
		goto out_put;
	}
	if ((events & EV_ERROR) && c->rx_paused) {
		conn_fault(c, -ECONNRESET, "socket error");
		goto out_put;
	}
	if (events & (EV_READ | EV_ERROR))
		conn_read(c);
	if (c->sock && (events & EV_WRITE))
		conn_flush(c);
out_put:
	msg_conn_put(c);
}

static void conn_arm_timer(struct msg_conn *c)
{
	const struct msg_opts *o = &c->ms->o;
	enum msg_conn_state s = st(c);
	uint64_t t = 0;
	if (in_handshake(s))
		t = o->ready_timeout_ns;
	else if (s == MSG_CONN_OPEN)
		t = o->keepalive_ns ? o->keepalive_ns : o->idle_timeout_ns / 2;
	if (t)
		(void)ev_timer_start(c->lp->ev, &c->timer, t, conn_timer_cb);
	else
		ev_timer_stop(c->lp->ev, &c->timer);
}

static void keepalive_tick(struct msg_conn *c)
{
	const struct msg_opts *o = &c->ms->o;
	uint64_t now = ev_loop_now(c->lp->ev);
	if (!c->rx_paused && o->idle_timeout_ns && now - c->last_rx_ns > o->idle_timeout_ns) {
		conn_fault(c, -ETIMEDOUT, "idle timeout");
		return;
	}
	if (o->keepalive_ns && now - c->last_tx_ns >= o->keepalive_ns) {
		struct msg *k = msg_alloc(MSG_T_KEEPALIVE);
		if (k)
			((struct msg_keepalive *)k->body)->stamp_ns = now;
		if (!k || queue_ctl(c, k)) {
			conn_fault(c, -ENOMEM, "no memory for a keepalive");
			return;
		}
		conn_flush(c);
		if (st(c) != MSG_CONN_OPEN)
			return;
	}
	conn_arm_timer(c);
}

static void conn_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct msg_conn *c = t->data;
	enum msg_conn_state s = st(c);
	if (in_handshake(s)) {
		conn_fault(c, -ETIMEDOUT, "handshake timed out");
	} else if (s == MSG_CONN_OPEN) {
		keepalive_tick(c);
	} else if (s == MSG_CONN_STANDBY) {
		if (c->initiator)
			msg_conn_start_connect(msg_conn_get(c));
		else
			msg_conn_close_now(c, "standby session expired");
	}
}

static void close_call(void *arg)
{
	struct msg_conn *c = arg;
	msg_conn_close_now(c, "closed by its owner");
	msg_conn_put(c);
}

void msg_conn_close(struct msg_conn *c)
{
	pthread_mutex_lock(&c->inq_lock);
	c->close_requested = true;
	pthread_mutex_unlock(&c->inq_lock);
	msg_conn_get(c);
	if (ev_loop_call(c->lp->ev, close_call, c) != 0) {
		log_err(LOG_MS, "conn %llu: no memory to close", (unsigned long long)c->id);
		msg_conn_put(c);
	}
}

void msg_conn_notify_writable(void *arg)
{
	struct msg_conn *c = arg;
	if (st(c) != MSG_CONN_CLOSED && atomic_exchange(&c->tx_blocked, false) &&
	    c->ms->ops.writable)
		c->ms->ops.writable(c->ms->ops_arg, c);
	msg_conn_put(c);
}

/* ---- queries ---------------------------------------------------------- */

bool msg_conn_is_open(const struct msg_conn *c)
{
	return st(c) == MSG_CONN_OPEN;
}

bool msg_conn_is_closed(const struct msg_conn *c)
{
	return st(c) == MSG_CONN_CLOSED;
}

bool msg_conn_peer_name(const struct msg_conn *c, struct ent_name *out)
{
	if (!atomic_load(&c->peer_known))
		return false;
	*out = c->peer_name;
	return true;
}

const struct net_addr *msg_conn_peer_addr(const struct msg_conn *c)
{
	return &c->peer_addr;
}

enum msg_policy msg_conn_policy(const struct msg_conn *c)
{
	return c->lossy ? MSG_POLICY_LOSSY : MSG_POLICY_LOSSLESS;
}

uint64_t msg_conn_id(const struct msg_conn *c)
{
	return c->id;
}

void msg_conn_set_priv(struct msg_conn *c, void *priv)
{
	c->priv = priv;
}

void *msg_conn_priv(const struct msg_conn *c)
{
	return c->priv;
}
