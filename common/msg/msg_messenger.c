/*
 * msg_messenger.c - the messenger: options, loop threads, the listener,
 * connection bookkeeping, throttle waiters, dispatch and fault injection.
 *
 * Threads: msg_messenger_create/register/bind/start/stop/destroy run on
 * the owner's thread.  Each loop thread runs one ev_loop; the listener
 * lives on loop 0 and hands accepted sockets to loops round-robin.  The
 * lists in struct msg_messenger are guarded by ms->lock (see msg_int.h
 * for the lock order).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "compiler.h"
#include "clk.h"
#include "log.h"
#include "msg_codec.h"
#include "msg_int.h"
#include "wq.h"

/* ---- options ---------------------------------------------------------- */

static uint32_t parse_types(const char *s)
{
	uint32_t mask = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	char *save = NULL;
	for (char *t = strtok_r(buf, " ,;\t", &save); t; t = strtok_r(NULL, " ,;\t", &save)) {
		enum ent_type ty;
		if (ent_type_parse(t, strlen(t), &ty) == 0)
			mask |= ty;
		else
			log_warn(LOG_MS, "ms_inject_delay_type: unknown entity type '%s'", t);
	}
	return mask;
}

static int parse_names(const char *s, struct ent_name **out, size_t *out_n)
{
	*out = NULL;
	*out_n = 0;
	if (!s || !*s)
		return 0;
	char *buf = strdup(s);
	if (!buf)
		return -ENOMEM;
	size_t cap = 0;
	int rc = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, " ,;\t", &save); t; t = strtok_r(NULL, " ,;\t", &save)) {
		struct ent_name n;
		if (ent_name_parse(t, &n) != 0) {
			log_err(LOG_MS, "ms_inject_refuse_peers: bad entity name '%s'", t);
			rc = -EINVAL;
			break;
		}
		if (*out_n == cap) {
			cap = cap ? cap * 2 : 4;
			struct ent_name *nv = realloc(*out, cap * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			*out = nv;
		}
		(*out)[(*out_n)++] = n;
	}
	free(buf);
	if (rc) {
		free(*out);
		*out = NULL;
		*out_n = 0;
	}
	return rc;
}

static bool auth_allows_none(const struct cfg *cfg, enum cfg_id id)
{
	char *v = cfg_str(cfg, id);
	bool ok = v && strstr(v, "none") != NULL;
	free(v);
	return ok;
}

static int read_opts(struct msg_messenger *ms, struct cfg *cfg)
{
	struct msg_opts *o = &ms->o;
	o->loops = (unsigned)cfg_int(cfg, CFG_ms_async_op_threads);
	o->dispatch_threads = (unsigned)cfg_int(cfg, CFG_ms_dispatch_threads);
	o->max_frame = MIN(cfg_size(cfg, CFG_ms_max_frame_size), MSG_FRAME_LIMIT_MAX);
	o->nodelay = cfg_bool(cfg, CFG_ms_tcp_nodelay);
	o->rcvbuf = cfg_size(cfg, CFG_ms_tcp_rcvbuf);
	o->backlog = (int)cfg_int(cfg, CFG_ms_tcp_listen_backlog);
	o->ready_timeout_ns = cfg_dur_ns(cfg, CFG_ms_connection_ready_timeout);
	o->idle_timeout_ns = cfg_dur_ns(cfg, CFG_ms_connection_idle_timeout);
	o->keepalive_ns = cfg_dur_ns(cfg, CFG_ms_keepalive_interval);
	o->ack_delay_ns = cfg_dur_ns(cfg, CFG_ms_ack_delay);
	o->standby_timeout_ns = cfg_dur_ns(cfg, CFG_ms_session_standby_timeout);
	o->backoff_min_ns = cfg_dur_ns(cfg, CFG_ms_initial_backoff);
	o->backoff_max_ns = MAX(cfg_dur_ns(cfg, CFG_ms_max_backoff), o->backoff_min_ns);
	if (o->backoff_min_ns == 0)
		o->backoff_min_ns = CLK_NS_PER_MS;
	o->dispatch_bytes = cfg_size(cfg, CFG_ms_dispatch_throttle_bytes);
	o->dispatch_msgs = (uint64_t)cfg_int(cfg, CFG_ms_dispatch_throttle_msgs);
	o->conn_dispatch_bytes = cfg_size(cfg, CFG_ms_conn_dispatch_throttle_bytes);
	o->send_bytes = cfg_size(cfg, CFG_ms_send_throttle_bytes);
	o->conn_send_bytes = cfg_size(cfg, CFG_ms_conn_send_throttle_bytes);
	o->conn_send_msgs = (uint64_t)cfg_int(cfg, CFG_ms_conn_send_throttle_msgs);
	o->inject_socket_failures = (uint64_t)cfg_int(cfg, CFG_ms_inject_socket_failures);
	o->inject_delay_max_ns = cfg_dur_ns(cfg, CFG_ms_inject_delay_max);
	o->inject_delay_prob = cfg_float(cfg, CFG_ms_inject_delay_probability);
	char *s = cfg_str(cfg, CFG_ms_inject_delay_type);
	if (!s)
		return -ENOMEM;
	o->inject_delay_types = parse_types(s);
	free(s);
	s = cfg_str(cfg, CFG_ms_inject_refuse_peers);
	if (!s)
		return -ENOMEM;
	int rc = parse_names(s, &o->refuse, &o->n_refuse);
	free(s);
	if (rc)
		return rc;
	/*
	 * Only the `none` method exists until the authentication issue lands;
	 * a configuration that requires anything else cannot be honoured.
	 */
	o->auth_none_allowed = auth_allows_none(cfg, CFG_auth_cluster_required) &&
			       auth_allows_none(cfg, CFG_auth_service_required) &&
			       auth_allows_none(cfg, CFG_auth_client_required);
	if (!o->auth_none_allowed) {
		log_err(LOG_MS, "auth_*_required asks for a method other than none, "
				"which this build does not implement");
		return -EOPNOTSUPP;
	}
	s = cfg_str(cfg, CFG_fsid);
	if (!s)
		return -ENOMEM;
	if (strlen(s) > MSG_FSID_MAX) {
		free(s);
		log_err(LOG_MS, "fsid is too long");
		return -EINVAL;
	}
	snprintf(ms->fsid, sizeof(ms->fsid), "%s", s);
	free(s);
	return 0;
}

/* ---- create / destroy ------------------------------------------------- */

int msg_messenger_create(struct cfg *cfg, const struct ent_name *name, struct msg_messenger **out)
{
	return msg_messenger_create_on(cfg, name, NULL, out);
}

int msg_messenger_create_on(struct cfg *cfg, const struct ent_name *name, struct ev_loop *ev,
			    struct msg_messenger **out)
{
	struct msg_messenger *ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	ms->name = *name;
	ms->tp = &msg_tcp_transport;
	TAILQ_INIT(&ms->conns);
	TAILQ_INIT(&ms->rx_waiters);
	TAILQ_INIT(&ms->tx_waiters);
	pthread_mutex_init(&ms->lock, NULL);
	pthread_cond_init(&ms->stop_cond, NULL);
	int rc = read_opts(ms, cfg);
	if (rc)
		goto out_free;
	ms->rx_bytes.max = ms->o.dispatch_bytes;
	ms->rx_msgs.max = ms->o.dispatch_msgs;
	ms->tx_bytes.max = ms->o.send_bytes;

	ms->loops = calloc(ms->o.loops, sizeof(*ms->loops));
	if (!ms->loops) {
		rc = -ENOMEM;
		goto out_free;
	}
	uint64_t seed = clk_mono_ns() ^ ((uint64_t)(uintptr_t)ms << 16);
	for (unsigned i = 0; i < ms->o.loops; i++) {
		struct msg_loop *lp = &ms->loops[i];
		lp->ms = ms;
		lp->idx = i;
		lp->rng = (seed + 0x9e3779b97f4a7c15ULL * (i + 1)) | 1;
		if (i == 0 && ev) {
			lp->ev = ev;
			lp->external = true;
		} else if ((rc = ev_loop_create(&lp->ev)) != 0) {
			goto out_loops;
		}
		ms->nloops++;
	}
	*out = ms;
	return 0;

out_loops:
	for (unsigned i = 0; i < ms->nloops; i++)
		if (!ms->loops[i].external)
			ev_loop_destroy(ms->loops[i].ev);
	free(ms->loops);
out_free:
	free(ms->o.refuse);
	pthread_cond_destroy(&ms->stop_cond);
	pthread_mutex_destroy(&ms->lock);
	free(ms);
	return rc;
}

void msg_messenger_destroy(struct msg_messenger *ms)
{
	if (!ms)
		return;
	msg_stop(ms);
	/*
	 * Calls still queued (from workers, other loops) run here and drop
	 * their refs; one loop's calls may post to another, so until all are
	 * empty.  No loop runs now, and this is the external loop's thread.
	 */
	for (bool ran = true; ran;) {
		ran = false;
		for (unsigned i = 0; i < ms->nloops; i++)
			ran |= ev_loop_run_calls(ms->loops[i].ev);
	}
	for (unsigned i = 0; i < ms->nloops; i++)
		if (!ms->loops[i].external)
			ev_loop_destroy(ms->loops[i].ev);
	assert(TAILQ_EMPTY(&ms->conns));
	assert(atomic_load(&ms->rx_bytes.cur) == 0);
	ms->tp->close(ms->lsock);
	free(ms->loops);
	free(ms->o.refuse);
	pthread_cond_destroy(&ms->stop_cond);
	pthread_mutex_destroy(&ms->lock);
	free(ms);
}

int msg_register(struct msg_messenger *ms, uint16_t type, msg_handler_fn fn, void *arg,
		 enum msg_dispatch mode)
{
	assert(!atomic_load(&ms->started));
	if (type < MSG_TYPE_USER_MIN || type - MSG_TYPE_USER_MIN >= MSG_HANDLERS_MAX ||
	    !msg_codec_known(type) || !fn)
		return -EINVAL;
	struct msg_handler *h = &ms->handlers[type - MSG_TYPE_USER_MIN];
	if (h->fn)
		return -EEXIST;
	*h = (struct msg_handler){fn, arg, mode};
	return 0;
}

void msg_set_conn_ops(struct msg_messenger *ms, const struct msg_conn_ops *ops, void *arg)
{
	assert(!atomic_load(&ms->started));
	ms->ops = *ops;
	ms->ops_arg = arg;
}

/*
 * The loop a new connection lives on.  With an external loop (the owner's
 * service loop), sessions this messenger opens to daemons (lossless) go
 * there, so the owner handles their traffic without a thread hop, and
 * everything else (accepted connections, clients' sessions) goes round
 * robin over the threaded loops, which keep heavy transfers (crc, copies
 * of large frames) off the owner's loop.
 */
static struct msg_loop *pick_loop(struct msg_messenger *ms, bool lossless_out)
{
	if (!ms->loops[0].external)
		return &ms->loops[atomic_fetch_add(&ms->rr, 1) % ms->nloops];
	if (lossless_out || ms->nloops == 1)
		return &ms->loops[0];
	return &ms->loops[1 + atomic_fetch_add(&ms->rr, 1) % (ms->nloops - 1)];
}

/* ---- listener --------------------------------------------------------- */

struct accept_call {
	struct msg_conn *c;
	struct msg_sock *sock;
	struct net_addr peer;
};

static void accept_on_loop(void *arg)
{
	struct accept_call *a = arg;
	if (atomic_load(&a->c->ms->stopping)) {
		a->c->ms->tp->close(a->sock);
		msg_conn_close_now(a->c, "messenger stopping");
	} else {
		msg_conn_accepted(a->c, a->sock, &a->peer);
	}
	msg_conn_put(a->c);
	free(a);
}

static void listen_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct msg_messenger *ms = io->data;
	struct msg_sock_opts so = {ms->o.nodelay, true, ms->o.rcvbuf, 0};
	for (int i = 0; i < 64 && !atomic_load(&ms->stopping); i++) {
		struct msg_sock *s;
		struct net_addr peer;
		int rc = ms->tp->accept(ms->lsock, &so, &s, &peer);
		if (rc == -EAGAIN)
			return;
		if (rc) {
			log_err_rl(LOG_MS, "accept failed: %s", strerror(-rc));
			return;
		}
		struct msg_loop *lp = pick_loop(ms, false);
		struct msg_conn *c = msg_conn_new(ms, lp, false);
		struct accept_call *a = c ? malloc(sizeof(*a)) : NULL;
		if (!a) {
			log_err_rl(LOG_MS, "no memory for an incoming connection");
			ms->tp->close(s);
			if (c)
				msg_conn_close(c); /* on its own loop */
			continue;
		}
		*a = (struct accept_call){msg_conn_get(c), s, peer};
		if (lp->ev == loop) {
			accept_on_loop(a);
		} else if (ev_loop_call(lp->ev, accept_on_loop, a) != 0) {
			ms->tp->close(s);
			msg_conn_put(c);
			free(a);
			/* The connection never ran on its loop: close it from here. */
			msg_conn_close(c);
		}
	}
}

int msg_bind(struct msg_messenger *ms, const struct net_addr *addr)
{
	assert(!atomic_load(&ms->started));
	if (ms->is_bound)
		return -EINVAL;
	struct msg_sock_opts so = {ms->o.nodelay, false, 0, ms->o.backlog};
	int rc = ms->tp->listen(addr, &so, &ms->lsock);
	if (rc)
		return rc;
	rc = ms->tp->local_addr(ms->lsock, &ms->bound);
	if (rc) {
		ms->tp->close(ms->lsock);
		ms->lsock = NULL;
		return rc;
	}
	ms->is_bound = true;
	return 0;
}

int msg_bound_addr(const struct msg_messenger *ms, struct net_addr *out)
{
	if (!ms->is_bound)
		return -ENOTCONN;
	*out = ms->bound;
	return 0;
}

/* ---- start / stop ----------------------------------------------------- */

static void *loop_main(void *arg)
{
	struct msg_loop *lp = arg;
	int rc = ev_loop_run(lp->ev);
	if (rc)
		log_err(LOG_MS, "messenger loop %u failed: %s", lp->idx, strerror(-rc));
	return NULL;
}

int msg_start(struct msg_messenger *ms)
{
	assert(!atomic_load(&ms->started));
	int rc;
	bool need_pool = false;
	for (size_t i = 0; i < MSG_HANDLERS_MAX; i++)
		if (ms->handlers[i].fn && ms->handlers[i].mode == MSG_DISPATCH_WORKER)
			need_pool = true;
	if (need_pool) {
		rc = wq_pool_create("ms-dispatch", ms->o.dispatch_threads, &ms->pool);
		if (rc)
			return rc;
	}
	if (ms->is_bound) {
		/* Before the threads run, this thread counts as loop 0's. */
		ms->lio.data = ms;
		rc = ev_io_start(ms->loops[0].ev, &ms->lio, ms->tp->fd(ms->lsock), EV_READ,
				 listen_cb);
		if (rc)
			goto out_pool;
	}
	atomic_store(&ms->started, true);
	for (unsigned i = 0; i < ms->nloops; i++) {
		if (ms->loops[i].external)
			continue;
		rc = -pthread_create(&ms->loops[i].thread, NULL, loop_main, &ms->loops[i]);
		if (rc) {
			log_err(LOG_MS, "cannot start messenger loop: %s", strerror(-rc));
			msg_stop(ms);
			return rc;
		}
		ms->loops[i].running = true;
		char name[16];
		snprintf(name, sizeof(name), "ms-loop-%u", i & 0xffu);
		pthread_setname_np(ms->loops[i].thread, name);
	}
	return 0;

out_pool:
	wq_pool_destroy(ms->pool, WQ_DRAIN);
	ms->pool = NULL;
	return rc;
}

static void loop_shutdown(void *arg)
{
	struct msg_loop *lp = arg;
	struct msg_messenger *ms = lp->ms;
	if (lp->idx == 0 && ms->lsock) {
		/* Stop accepting: peers see a refused connection, not a silent backlog. */
		ev_io_stop(lp->ev, &ms->lio);
		ms->tp->close(ms->lsock);
		ms->lsock = NULL;
	}
	/* Close this loop's connections; take refs first, close without the lock. */
	for (;;) {
		struct msg_conn *victim = NULL;
		pthread_mutex_lock(&ms->lock);
		struct msg_conn *c;
		TAILQ_FOREACH(c, &ms->conns, ms_link)
		{
			if (c->lp == lp) {
				victim = msg_conn_get(c);
				break;
			}
		}
		pthread_mutex_unlock(&ms->lock);
		if (!victim)
			break;
		msg_conn_close_now(victim, "messenger stopping");
		msg_conn_put(victim);
	}
	pthread_mutex_lock(&ms->lock);
	ms->stop_pending--;
	pthread_cond_broadcast(&ms->stop_cond);
	pthread_mutex_unlock(&ms->lock);
}

void msg_stop(struct msg_messenger *ms)
{
	if (ms->stopped)
		return;
	ms->stopped = true;
	atomic_store(&ms->stopping, true);
	if (!atomic_load(&ms->started)) {
		/* Never ran: connections (none can exist) and the pool. */
		wq_pool_destroy(ms->pool, WQ_DRAIN);
		ms->pool = NULL;
		return;
	}
	unsigned running = 0;
	for (unsigned i = 0; i < ms->nloops; i++)
		running += ms->loops[i].running || ms->loops[i].external;
	pthread_mutex_lock(&ms->lock);
	ms->stop_pending = running;
	pthread_mutex_unlock(&ms->lock);
	for (unsigned i = 0; i < ms->nloops; i++) {
		if (ms->loops[i].external) {
			/* Not running, and this is its thread (msg_messenger_create_on). */
			assert(ev_loop_in_thread(ms->loops[i].ev));
			loop_shutdown(&ms->loops[i]);
			continue;
		}
		if (!ms->loops[i].running)
			continue;
		while (ev_loop_call(ms->loops[i].ev, loop_shutdown, &ms->loops[i]) != 0)
			; /* retry on ENOMEM: shutdown must happen */
	}
	pthread_mutex_lock(&ms->lock);
	while (ms->stop_pending)
		pthread_cond_wait(&ms->stop_cond, &ms->lock);
	pthread_mutex_unlock(&ms->lock);
	/* Handlers still queued run now; their sends fail with -ENOTCONN. */
	wq_pool_destroy(ms->pool, WQ_DRAIN);
	ms->pool = NULL;
	for (unsigned i = 0; i < ms->nloops; i++) {
		if (!ms->loops[i].running)
			continue;
		ev_loop_stop(ms->loops[i].ev);
		pthread_join(ms->loops[i].thread, NULL);
		ms->loops[i].running = false;
	}
}

/* ---- connections ------------------------------------------------------ */

int msg_connect(struct msg_messenger *ms, const struct net_addr *addr, enum msg_policy policy,
		struct msg_conn **out)
{
	if (atomic_load(&ms->stopping) || !atomic_load(&ms->started))
		return -ESHUTDOWN;
	struct msg_loop *lp = pick_loop(ms, policy == MSG_POLICY_LOSSLESS);
	struct msg_conn *c = msg_conn_new(ms, lp, true);
	if (!c)
		return -ENOMEM;
	c->peer_addr = *addr;
	c->lossy = policy == MSG_POLICY_LOSSY;
	/* Unique enough: a restarted initiator must never reuse a cookie. */
	c->cookie = (clk_real_ns() * 0x9e3779b97f4a7c15ULL) ^ (c->id << 1) ^
		    ((uint64_t)(uintptr_t)c << 20) ^ ((uint64_t)getpid() << 40);
	if (c->cookie == 0)
		c->cookie = 1;
	/* The caller's reference first: the connection may fail and close at once. */
	struct msg_conn *ref = msg_conn_get(c);
	msg_conn_get(c); /* for the call */
	if (ev_loop_call(lp->ev, msg_conn_start_connect, c) != 0) {
		msg_conn_put(c);
		msg_conn_close(c);
		msg_conn_put(ref);
		return -ENOMEM;
	}
	*out = ref;
	return 0;
}

void msg_ms_unlink_conn(struct msg_messenger *ms, struct msg_conn *c)
{
	pthread_mutex_lock(&ms->lock);
	if (c->on_rx_wait) {
		TAILQ_REMOVE(&ms->rx_waiters, c, rx_wait_link);
		c->on_rx_wait = false;
		atomic_fetch_sub(&ms->n_rx_waiters, 1);
	}
	if (c->on_tx_wait) {
		TAILQ_REMOVE(&ms->tx_waiters, c, tx_wait_link);
		c->on_tx_wait = false;
		atomic_fetch_sub(&ms->n_tx_waiters, 1);
	}
	bool listed = c->on_ms_list;
	if (listed) {
		TAILQ_REMOVE(&ms->conns, c, ms_link);
		c->on_ms_list = false;
		c->session_registered = false;
	}
	pthread_mutex_unlock(&ms->lock);
	if (listed) {
		atomic_fetch_sub(&ms->st_conns, 1);
		msg_conn_put(c);
	}
}

struct msg_conn *msg_ms_find_session(struct msg_messenger *ms, uint64_t cookie)
{
	struct msg_conn *found = NULL, *c;
	pthread_mutex_lock(&ms->lock);
	TAILQ_FOREACH(c, &ms->conns, ms_link)
	{
		if (c->session_registered && c->cookie == cookie) {
			found = msg_conn_get(c);
			break;
		}
	}
	pthread_mutex_unlock(&ms->lock);
	return found;
}

/* ---- throttle waiters ------------------------------------------------- */

/*
 * Connections waiting for budget.  Any release wakes every waiter of its
 * kind (a waiter that still finds no room simply waits again): simple,
 * and releases are batched per loop iteration, so the cost is small.
 */
void msg_ms_wait_rx(struct msg_messenger *ms, struct msg_conn *c)
{
	pthread_mutex_lock(&ms->lock);
	if (!c->on_rx_wait && c->on_ms_list) {
		TAILQ_INSERT_TAIL(&ms->rx_waiters, c, rx_wait_link);
		c->on_rx_wait = true;
		atomic_fetch_add(&ms->n_rx_waiters, 1);
	}
	pthread_mutex_unlock(&ms->lock);
}

void msg_ms_wait_tx(struct msg_messenger *ms, struct msg_conn *c)
{
	pthread_mutex_lock(&ms->lock);
	if (!c->on_tx_wait && c->on_ms_list) {
		TAILQ_INSERT_TAIL(&ms->tx_waiters, c, tx_wait_link);
		c->on_tx_wait = true;
		atomic_fetch_add(&ms->n_tx_waiters, 1);
	}
	pthread_mutex_unlock(&ms->lock);
	/* Budget freed between the failed take and now would wake nobody. */
	msg_ms_wake_tx_waiters(ms);
}

static void wake_list(struct msg_messenger *ms, struct msg_conn_list *list, _Atomic unsigned *n,
		      bool rx)
{
	struct msg_conn *batch[64];
	size_t nb;
	do {
		nb = 0;
		pthread_mutex_lock(&ms->lock);
		struct msg_conn *c;
		while (nb < ARRAY_SIZE(batch) && (c = TAILQ_FIRST(list)) != NULL) {
			if (rx) {
				TAILQ_REMOVE(list, c, rx_wait_link);
				c->on_rx_wait = false;
			} else {
				TAILQ_REMOVE(list, c, tx_wait_link);
				c->on_tx_wait = false;
			}
			atomic_fetch_sub(n, 1);
			batch[nb++] = msg_conn_get(c);
		}
		pthread_mutex_unlock(&ms->lock);
		for (size_t i = 0; i < nb; i++) {
			ev_call_fn fn = rx ? msg_conn_resume_rx : msg_conn_notify_writable;
			if (ev_loop_call(batch[i]->lp->ev, fn, batch[i]))
				msg_conn_put(batch[i]); /* ENOMEM: the next release wakes it */
		}
	} while (nb == ARRAY_SIZE(batch));
}

void msg_ms_wake_rx_waiters(struct msg_messenger *ms)
{
	if (atomic_load(&ms->n_rx_waiters))
		wake_list(ms, &ms->rx_waiters, &ms->n_rx_waiters, true);
}

void msg_ms_wake_tx_waiters(struct msg_messenger *ms)
{
	if (!atomic_load(&ms->n_tx_waiters))
		return;
	/* Wake only when there is room to send something. */
	uint64_t cur = atomic_load(&ms->tx_bytes.cur);
	if (ms->tx_bytes.max && cur >= ms->tx_bytes.max)
		return;
	wake_list(ms, &ms->tx_waiters, &ms->n_tx_waiters, false);
}

/* ---- dispatch --------------------------------------------------------- */

static void dispatch_work(void *arg)
{
	struct msg *m = arg;
	const struct msg_handler *h = &m->src->ms->handlers[m->type - MSG_TYPE_USER_MIN];
	h->fn(h->arg, m->src, m);
}

void msg_ms_dispatch(struct msg_messenger *ms, struct msg_conn *c, struct msg *m)
{
	if (!m->src)
		m->src = msg_conn_get(c);
	const struct msg_handler *h = &ms->handlers[m->type - MSG_TYPE_USER_MIN];
	if (!h->fn) {
		log_warn(LOG_MS, "conn %llu: no handler for message type %s (0x%x), dropped",
			 (unsigned long long)c->id, msg_type_name(m->type), m->type);
		msg_put(m);
		return;
	}
	if (h->mode == MSG_DISPATCH_LOOP || !ms->pool) {
		h->fn(h->arg, c, m);
		return;
	}
	/* Shard by connection: one worker, so this connection's order holds. */
	int rc = wq_submit(ms->pool, c->id, dispatch_work, NULL, m, NULL);
	if (rc) {
		log_err_rl(LOG_MS, "conn %llu: cannot queue a %s to a worker: %s",
			   (unsigned long long)c->id, msg_type_name(m->type), strerror(-rc));
		msg_put(m);
	}
}

/* ---- fault injection -------------------------------------------------- */

uint64_t msg_ms_rand(struct msg_loop *lp)
{
	/* xorshift64*: cheap, per loop, good enough to pick failures. */
	uint64_t x = lp->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	lp->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

bool msg_ms_inject(struct msg_loop *lp, uint64_t one_in)
{
	return one_in && msg_ms_rand(lp) % one_in == 0;
}

/* ---- stats ------------------------------------------------------------ */

void msg_get_stats(const struct msg_messenger *ms, struct msg_stats *out)
{
	struct msg_messenger *m = (struct msg_messenger *)ms;
	*out = (struct msg_stats){
	    .conns = atomic_load(&m->st_conns),
	    .sessions_opened = atomic_load(&m->st_opened),
	    .faults = atomic_load(&m->st_faults),
	    .reconnects = atomic_load(&m->st_reconnects),
	    .msgs_sent = atomic_load(&m->st_sent),
	    .msgs_received = atomic_load(&m->st_received),
	    .dups_dropped = atomic_load(&m->st_dups),
	    .bad_frames = atomic_load(&m->st_bad_frames),
	    .rx_throttle_bytes = atomic_load(&m->rx_bytes.cur),
	    .rx_throttle_peak = atomic_load(&m->rx_bytes.peak),
	    .tx_throttle_bytes = atomic_load(&m->tx_bytes.cur),
	    .tx_throttle_peak = atomic_load(&m->tx_bytes.peak),
	    .rx_paused = atomic_load(&m->st_rx_paused),
	};
}
