/*
 * test_msg_conn.c - messengers talking over loopback: handshake, round
 * trips, worker dispatch, lossless reconnect under injected faults,
 * lossy close, many connections, throttling against a reader that stops,
 * malformed frames from a raw socket, refusal and delay injection, and a
 * messenger on an owner-run loop (msg_messenger_create_on).
 *
 * Nothing sleeps: tests wait on a condition variable signalled by the
 * handlers, with a generous deadline that only matters when a test fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../unit.h"
#include "cfg.h"
#include "crc32c.h"
#include "enc.h"
#include "msg.h"
#include "msg_frame.h"
#include "msg_int.h"

#define DEADLINE_S 60

/* ---- shared test state ------------------------------------------------ */

struct side {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct msg_messenger *ms;
	uint64_t received;
	uint64_t expect_next; /* next MSG_TEST delta expected, per side */
	bool order_broken;
	uint64_t opened, closed, resets, writable;
	bool reply; /* answer ECHO with ECHO_REPLY */
	bool hold;  /* keep received messages instead of putting them */
	struct msg **held;
	size_t n_held, cap_held;
	struct msg_conn *last_conn; /* a reference */
	uint64_t bytes;
	struct ev_loop *ext;	   /* the owner-run loop, if created on one */
	uint64_t lossless_off_ext; /* MSG_TESTs of lossless sessions handled elsewhere */
	uint64_t lossy_on_ext;	   /* MSG_TESTs of lossy sessions handled on it */
};

static void side_init(struct side *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->expect_next = 1;
}

static void side_fini(struct side *s)
{
	msg_messenger_destroy(s->ms);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->held);
}

#define WAIT_FOR(s, cond_expr)                                                                     \
	do {                                                                                       \
		struct timespec dl__;                                                              \
		clock_gettime(CLOCK_REALTIME, &dl__);                                              \
		dl__.tv_sec += DEADLINE_S;                                                         \
		pthread_mutex_lock(&(s)->lock);                                                    \
		while (!(cond_expr)) {                                                             \
			if (pthread_cond_timedwait(&(s)->cond, &(s)->lock, &dl__) == ETIMEDOUT)    \
				break;                                                             \
		}                                                                                  \
		bool ok__ = (cond_expr);                                                           \
		pthread_mutex_unlock(&(s)->lock);                                                  \
		ck_assert_msg(ok__, "timed out waiting for " #cond_expr);                          \
	} while (0)

static void on_opened(void *arg, struct msg_conn *c)
{
	struct side *s = arg;
	pthread_mutex_lock(&s->lock);
	s->opened++;
	if (!s->last_conn)
		s->last_conn = msg_conn_get(c);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void on_closed(void *arg, struct msg_conn *c)
{
	struct side *s = arg;
	pthread_mutex_lock(&s->lock);
	s->closed++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void on_reset(void *arg, struct msg_conn *c)
{
	struct side *s = arg;
	pthread_mutex_lock(&s->lock);
	s->resets++;
	pthread_mutex_unlock(&s->lock);
}

static void on_writable(void *arg, struct msg_conn *c)
{
	struct side *s = arg;
	pthread_mutex_lock(&s->lock);
	s->writable++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void keep(struct side *s, struct msg *m)
{
	if (s->n_held == s->cap_held) {
		s->cap_held = s->cap_held ? s->cap_held * 2 : 64;
		s->held = realloc(s->held, s->cap_held * sizeof(*s->held));
		ck_assert_ptr_nonnull(s->held);
	}
	s->held[s->n_held++] = m;
}

/* MSG_TEST carries a per-sender counter in delta: checks order and uniqueness. */
static void handle_test(void *arg, struct msg_conn *c, struct msg *m)
{
	struct side *s = arg;
	struct msg_test *t = msg_test_body(m);
	pthread_mutex_lock(&s->lock);
	if ((uint64_t)t->delta != s->expect_next)
		s->order_broken = true;
	s->expect_next = (uint64_t)t->delta + 1;
	s->received++;
	if (s->ext) {
		bool on = ev_loop_in_thread(s->ext);
		bool lossless = msg_conn_policy(c) == MSG_POLICY_LOSSLESS;
		s->lossless_off_ext += lossless && !on;
		s->lossy_on_ext += !lossless && on;
	}
	s->bytes += buflist_length(msg_data(m));
	if (s->hold)
		keep(s, m);
	else
		msg_put(m);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void handle_echo(void *arg, struct msg_conn *c, struct msg *m)
{
	struct side *s = arg;
	struct msg_echo *e = msg_echo_body(m);
	if (s->reply) {
		struct msg *r = msg_create(MSG_ECHO_REPLY);
		ck_assert_ptr_nonnull(r);
		struct msg_echo_reply *rb = msg_echo_reply_body(r);
		rb->tid = e->tid;
		rb->stamp_ns = e->stamp_ns;
		rb->data_len = buflist_length(msg_data(m));
		if (e->flags & MSG_ECHO_F_RETURN_DATA)
			ck_assert_int_eq(buflist_append_list(msg_data(r), msg_data(m)), 0);
		ck_assert_int_eq(msg_send(c, r), 0);
	}
	pthread_mutex_lock(&s->lock);
	s->received++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	msg_put(m);
}

static void handle_echo_reply(void *arg, struct msg_conn *c, struct msg *m)
{
	struct side *s = arg;
	pthread_mutex_lock(&s->lock);
	s->received++;
	s->bytes += buflist_length(msg_data(m));
	if (s->hold)
		keep(s, m);
	else
		msg_put(m);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/*
 * Build a messenger for @name with extra "key=value" options (NULL-terminated),
 * on the owner-run loop @ext if not NULL; not started.
 */
static void side_setup(struct side *s, const char *name, bool listen, enum msg_dispatch mode,
		       const char *const *opts, struct ev_loop *ext)
{
	struct ent_name en;
	ck_assert_int_eq(ent_name_parse(name, &en), 0);
	struct cfg *cfg = cfg_create(&en);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(
	    cfg_set(cfg, "fsid", "7f1e3a52-0000-4000-8000-000000000001", CFG_LVL_RUNTIME, NULL, 0),
	    0);
	for (size_t i = 0; opts && opts[i]; i += 2) {
		char err[256] = "";
		int rc = cfg_set(cfg, opts[i], opts[i + 1], CFG_LVL_RUNTIME, err, sizeof(err));
		ck_assert_msg(rc == 0, "%s: %s", opts[i], err);
	}
	s->ext = ext;
	if (ext)
		ck_assert_int_eq(msg_messenger_create_on(cfg, &en, ext, &s->ms), 0);
	else
		ck_assert_int_eq(msg_messenger_create(cfg, &en, &s->ms), 0);
	cfg_destroy(cfg);
	struct msg_conn_ops ops = {on_opened, on_closed, on_reset, on_writable};
	msg_set_conn_ops(s->ms, &ops, s);
	ck_assert_int_eq(msg_register(s->ms, MSG_TEST, handle_test, s, mode), 0);
	ck_assert_int_eq(msg_register(s->ms, MSG_ECHO, handle_echo, s, mode), 0);
	ck_assert_int_eq(msg_register(s->ms, MSG_ECHO_REPLY, handle_echo_reply, s, mode), 0);
	ck_assert_int_eq(msg_register(s->ms, MSG_ECHO, handle_echo, s, mode), -EEXIST);
	ck_assert_int_eq(msg_register(s->ms, MSG_T_HELLO, handle_echo, s, mode), -EINVAL);
	if (listen) {
		struct net_addr a;
		ck_assert_int_eq(addr_parse("127.0.0.1:0", 0, &a), 0);
		ck_assert_int_eq(msg_bind(s->ms, &a), 0);
	}
}

static void side_start(struct side *s, const char *name, bool listen, enum msg_dispatch mode,
		       const char *const *opts)
{
	side_setup(s, name, listen, mode, opts, NULL);
	ck_assert_int_eq(msg_start(s->ms), 0);
}

static void side_stop(struct side *s)
{
	msg_conn_put(s->last_conn);
	s->last_conn = NULL;
	for (size_t i = 0; i < s->n_held; i++)
		msg_put(s->held[i]);
	s->n_held = 0;
	msg_stop(s->ms);
}

static struct msg *make_test(uint64_t n, size_t data_len)
{
	struct msg *m = msg_create(MSG_TEST);
	ck_assert_ptr_nonnull(m);
	struct msg_test *t = msg_test_body(m);
	t->delta = (int64_t)n;
	t->name = strdup("t");
	if (data_len) {
		struct bufraw *r = bufraw_create(data_len);
		memset(bufraw_data(r), (int)(n & 0xff), data_len);
		ck_assert_int_eq(buflist_append_raw(msg_data(m), r, 0, data_len), 0);
		bufraw_put(r);
	}
	return m;
}

/* Send, waiting for the writable callback when throttled. */
static void send_retry(struct side *s, struct msg_conn *c, struct msg *m)
{
	for (;;) {
		pthread_mutex_lock(&s->lock);
		uint64_t w = s->writable;
		pthread_mutex_unlock(&s->lock);
		int rc = msg_send(c, m);
		if (rc == 0)
			return;
		ck_assert_int_eq(rc, -EAGAIN);
		WAIT_FOR(s, s->writable != w);
	}
}

static struct msg_conn *connect_to(struct side *cli, struct side *srv, enum msg_policy p)
{
	struct net_addr a;
	ck_assert_int_eq(msg_bound_addr(srv->ms, &a), 0);
	struct msg_conn *c = NULL;
	ck_assert_int_eq(msg_connect(cli->ms, &a, p, &c), 0);
	return c;
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(test_roundtrip)
{
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	srv.reply = true;
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, NULL);
	side_start(&cli, "osd.2", false, MSG_DISPATCH_LOOP, NULL);
	struct msg_conn *c = connect_to(&cli, &srv, MSG_POLICY_LOSSLESS);

	/* An echo with a two-segment data buflist comes back byte for byte. */
	struct msg *m = msg_create(MSG_ECHO);
	msg_echo_body(m)->tid = 77;
	msg_echo_body(m)->flags = MSG_ECHO_F_RETURN_DATA;
	struct bufraw *r = bufraw_create(200000);
	for (size_t i = 0; i < 200000; i++)
		((uint8_t *)bufraw_data(r))[i] = (uint8_t)(i * 31);
	ck_assert_int_eq(buflist_append_raw(msg_data(m), r, 0, 150000), 0);
	ck_assert_int_eq(buflist_append_raw(msg_data(m), r, 150000, 50000), 0);
	uint32_t crc = buflist_crc32c(msg_data(m), 0);
	bufraw_put(r);
	cli.hold = true;
	ck_assert_int_eq(msg_send(c, m), 0);
	WAIT_FOR(&cli, cli.received == 1);
	struct msg *rep = cli.held[0];
	ck_assert_uint_eq(msg_echo_reply_body(rep)->tid, 77);
	ck_assert_uint_eq(msg_echo_reply_body(rep)->data_len, 200000);
	ck_assert_uint_eq(buflist_length(msg_data(rep)), 200000);
	ck_assert_uint_eq(buflist_crc32c(msg_data(rep), 0), crc);
	ck_assert_ptr_eq(msg_source(rep), c);
	ck_assert_uint_eq(msg_seq(rep), 1);

	/* MSG_TEST with every field kind, over the wire. */
	pthread_mutex_lock(&srv.lock);
	srv.hold = true;
	pthread_mutex_unlock(&srv.lock);
	struct msg *t = make_test(1, 0);
	struct msg_test *tb = msg_test_body(t);
	tb->n_values = 2;
	tb->values = malloc(2 * sizeof(uint64_t));
	tb->values[0] = 5;
	tb->values[1] = UINT64_MAX;
	tb->blob = malloc(3);
	memcpy(tb->blob, "xyz", 3);
	tb->blob_len = 3;
	tb->result = -ENOSPC;
	ck_assert_int_eq(msg_send(c, t), 0);
	WAIT_FOR(&srv, srv.n_held == 1);
	struct msg_test *got = msg_test_body(srv.held[0]);
	ck_assert_str_eq(got->name, "t");
	ck_assert_uint_eq(got->n_values, 2);
	ck_assert_uint_eq(got->values[1], UINT64_MAX);
	ck_assert_mem_eq(got->blob, "xyz", 3);
	ck_assert_int_eq(got->result, -ENOSPC);

	struct ent_name pn;
	ck_assert(msg_conn_peer_name(c, &pn));
	ck_assert_str_eq(pn.id, "1");
	ck_assert(msg_conn_is_open(c));
	ck_assert_int_eq(msg_conn_policy(c), MSG_POLICY_LOSSLESS);
	msg_conn_put(c);
	side_stop(&cli);
	side_stop(&srv);
	ck_assert_uint_eq(cli.closed, 1);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/* Worker dispatch keeps per-connection order. */
START_TEST(test_worker_order)
{
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	side_start(&srv, "osd.1", true, MSG_DISPATCH_WORKER, NULL);
	side_start(&cli, "client.a", false, MSG_DISPATCH_WORKER, NULL);
	struct msg_conn *c = connect_to(&cli, &srv, MSG_POLICY_LOSSY);
	const uint64_t n = 5000;
	for (uint64_t i = 1; i <= n; i++)
		send_retry(&cli, c, make_test(i, i % 3 ? 100 : 0));
	WAIT_FOR(&srv, srv.received == n);
	ck_assert(!srv.order_broken);
	msg_conn_put(c);
	side_stop(&cli);
	side_stop(&srv);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/*
 * Lossless sessions under injected socket failures on both sides: every
 * message arrives exactly once and in order, in both directions.
 */
START_TEST(test_reconnect_no_loss)
{
	static const char *const opts[] = {"ms_inject_socket_failures",
					   "40",
					   "ms_initial_backoff",
					   "1ms",
					   "ms_max_backoff",
					   "20ms",
					   NULL};
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, opts);
	side_start(&cli, "osd.2", false, MSG_DISPATCH_LOOP, opts);
	struct msg_conn *c = connect_to(&cli, &srv, MSG_POLICY_LOSSLESS);
	WAIT_FOR(&srv, srv.last_conn != NULL);
	struct msg_conn *back = msg_conn_get(srv.last_conn);
	const uint64_t n = 10000;
	for (uint64_t i = 1; i <= n; i++) {
		send_retry(&cli, c, make_test(i, i % 7 == 0 ? 70000 : 64));
		send_retry(&srv, back, make_test(i, 32));
	}
	WAIT_FOR(&srv, srv.received == n);
	WAIT_FOR(&cli, cli.received == n);
	ck_assert(!srv.order_broken);
	ck_assert(!cli.order_broken);
	struct msg_stats a, b;
	msg_get_stats(cli.ms, &a);
	msg_get_stats(srv.ms, &b);
	ck_assert_uint_gt(a.faults + b.faults, 10);
	ck_assert_uint_gt(b.reconnects, 0);
	ck_assert_uint_eq(a.msgs_received, n);
	ck_assert_uint_eq(b.msgs_received, n);
	ck_assert_uint_eq(cli.resets + srv.resets, 0);
	msg_conn_put(back);
	msg_conn_put(c);
	side_stop(&cli);
	side_stop(&srv);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/* A lossy session closes for good when its socket fails. */
START_TEST(test_lossy_close)
{
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, NULL);
	side_start(&cli, "client.x", false, MSG_DISPATCH_LOOP, NULL);
	struct msg_conn *c = connect_to(&cli, &srv, MSG_POLICY_LOSSY);
	ck_assert_int_eq(msg_send(c, make_test(1, 10)), 0);
	WAIT_FOR(&srv, srv.received == 1);
	WAIT_FOR(&srv, srv.last_conn != NULL);
	msg_conn_close(srv.last_conn);
	WAIT_FOR(&cli, cli.closed == 1);
	ck_assert(msg_conn_is_closed(c));
	struct msg *m = make_test(2, 0);
	ck_assert_int_eq(msg_send(c, m), -ENOTCONN);
	msg_put(m);
	msg_conn_put(c);

	/* Nobody listening: a lossy connect fails and closes. */
	struct net_addr dead;
	ck_assert_int_eq(msg_bound_addr(srv.ms, &dead), 0);
	side_stop(&srv);
	ck_assert_int_eq(msg_connect(cli.ms, &dead, MSG_POLICY_LOSSY, &c), 0);
	WAIT_FOR(&cli, cli.closed == 2);
	msg_conn_put(c);
	side_stop(&cli);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/* Hundreds of concurrent connections from one messenger to another. */
START_TEST(test_many_connections)
{
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	srv.reply = true;
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, NULL);
	side_start(&cli, "client.many", false, MSG_DISPATCH_LOOP, NULL);
	enum { NCONN = 300, PER = 5 };
	struct msg_conn **cs = calloc(NCONN, sizeof(*cs));
	for (int i = 0; i < NCONN; i++)
		cs[i] = connect_to(&cli, &srv, i % 2 ? MSG_POLICY_LOSSY : MSG_POLICY_LOSSLESS);
	for (int k = 0; k < PER; k++) {
		for (int i = 0; i < NCONN; i++) {
			struct msg *m = msg_create(MSG_ECHO);
			msg_echo_body(m)->tid = (uint64_t)i;
			ck_assert_int_eq(msg_send(cs[i], m), 0);
		}
	}
	WAIT_FOR(&srv, srv.received == NCONN * PER);
	WAIT_FOR(&cli, cli.received == NCONN * PER);
	WAIT_FOR(&srv, srv.opened == NCONN);
	struct msg_stats st;
	msg_get_stats(srv.ms, &st);
	ck_assert_uint_eq(st.conns, NCONN);
	for (int i = 0; i < NCONN; i++)
		msg_conn_put(cs[i]);
	free(cs);
	side_stop(&cli);
	side_stop(&srv);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/*
 * A reader that stops reading (its handler keeps every message): the
 * receiver holds at most its dispatch budget, the sender's queue stops at
 * its send budget (-EAGAIN), and everything flows once the reader resumes.
 */
START_TEST(test_slow_reader_bounded)
{
	static const char *const ropts[] = {"ms_dispatch_throttle_bytes", "1M", NULL};
	static const char *const sopts[] = {"ms_send_throttle_bytes", "4M",
					    "ms_conn_send_throttle_bytes", "4M", NULL};
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	srv.hold = true;
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, ropts);
	side_start(&cli, "osd.2", false, MSG_DISPATCH_LOOP, sopts);
	struct msg_conn *c = connect_to(&cli, &srv, MSG_POLICY_LOSSLESS);
	const size_t sz = 64 * 1024;
	uint64_t sent = 0;
	int rc = 0;
	/* Keep sending until the sender is told to stop. */
	while (sent < 100000) {
		struct msg *m = make_test(sent + 1, sz);
		rc = msg_send(c, m);
		if (rc) {
			msg_put(m);
			break;
		}
		sent++;
	}
	ck_assert_int_eq(rc, -EAGAIN);
	/* Let the pipeline fill: the receiver pauses once its budget is spent. */
	WAIT_FOR(&srv, srv.received >= (1u << 20) / (sz + 200));
	/*
	 * The pause is internal to the receiver's loop: poll its counter,
	 * waking on the side's condition variable every few milliseconds.
	 */
	struct msg_stats rs, ss;
	for (int i = 0; i < DEADLINE_S * 500; i++) {
		msg_get_stats(srv.ms, &rs);
		if (rs.rx_paused)
			break;
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 2000000;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&srv.lock);
		pthread_cond_timedwait(&srv.cond, &srv.lock, &dl);
		pthread_mutex_unlock(&srv.lock);
	}
	ck_assert_uint_gt(rs.rx_paused, 0);
	pthread_mutex_lock(&srv.lock);
	uint64_t held_at_pause = srv.received;
	pthread_mutex_unlock(&srv.lock);
	msg_get_stats(cli.ms, &ss);
	uint64_t frame = sz + 200;
	ck_assert_uint_le(rs.rx_throttle_peak, (1u << 20) + frame);
	ck_assert_uint_le(ss.tx_throttle_peak, (4u << 20) + frame);
	ck_assert_uint_lt(sent, 80);
	ck_assert_uint_le(held_at_pause, (1u << 20) / (sz + 100) + 1);

	/* Release: the remaining messages arrive, then more can be sent. */
	pthread_mutex_lock(&srv.lock);
	srv.hold = false;
	for (size_t i = 0; i < srv.n_held; i++)
		msg_put(srv.held[i]);
	srv.n_held = 0;
	pthread_mutex_unlock(&srv.lock);
	/* Messages that arrive after hold is cleared are put at once. */
	for (uint64_t i = sent + 1; i <= sent + 100; i++)
		send_retry(&cli, c, make_test(i, sz));
	sent += 100;
	WAIT_FOR(&srv, srv.received == sent);
	ck_assert(!srv.order_broken);
	msg_get_stats(srv.ms, &rs);
	ck_assert_uint_gt(rs.rx_paused, 0);
	ck_assert_uint_le(rs.rx_throttle_peak, (1u << 20) + frame);
	msg_conn_put(c);
	side_stop(&cli);
	side_stop(&srv);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/* ---- raw-socket malformed frames -------------------------------------- */

static int raw_connect(struct side *srv)
{
	struct net_addr a;
	ck_assert_int_eq(msg_bound_addr(srv->ms, &a), 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, &a.u.sa, addr_len(&a)), 0);
	return fd;
}

static void raw_send(int fd, const void *p, size_t len)
{
	/* The server may already have closed: ignore EPIPE, the check is the EOF. */
	(void)send(fd, p, len, MSG_NOSIGNAL);
}

/* Read until EOF or reset; true if the server closed within the deadline. */
static bool raw_closed(int fd)
{
	char b[4096];
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, DEADLINE_S * 1000) != 1)
			return false;
		ssize_t n = recv(fd, b, sizeof(b), 0);
		if (n <= 0)
			return true;
	}
}

static void frame_of(struct msg *m, uint64_t seq, struct buf *out)
{
	ck_assert_int_eq(msg_frame_encode(m, 1, seq, 0, out), 0);
	msg_put(m);
}

/* Banner + HELLO + AUTH_REQUEST + SESSION_REQUEST (cookie 99) as client.raw. */
static void raw_handshake(struct buf *out, bool lossy)
{
	uint8_t banner[MSG_BANNER_LEN];
	msg_banner_encode(banner);
	buf_append(out, banner, sizeof(banner));
	struct msg *h = msg_alloc(MSG_T_HELLO);
	struct msg_hello *hb = msg_body(h);
	hb->entity_type = ENT_TYPE_CLIENT;
	strcpy(hb->entity_id, "raw");
	hb->features_supported = MSG_FEATURES_SUPPORTED;
	frame_of(h, 0, out);
	struct msg *a = msg_alloc(MSG_T_AUTH_REQUEST);
	struct msg_auth_request *ab = msg_body(a);
	ab->methods[0] = MSG_AUTH_NONE;
	ab->n_methods = 1;
	frame_of(a, 0, out);
	struct msg *s = msg_alloc(MSG_T_SESSION_REQUEST);
	struct msg_session_request *sb = msg_body(s);
	sb->cookie = 99;
	sb->lossy = lossy;
	frame_of(s, 0, out);
}

enum garble {
	G_MAGIC,
	G_HDR_CRC,
	G_OVERSIZE,
	G_UNKNOWN_TYPE,
	G_META_CRC,
	G_BAD_META,
	G_DATA_CRC,
	G_SEQ_GAP,
	G_EARLY_MSG,
	G_BAD_BANNER,
	G_FLAGS,
	G__COUNT
};

static void garbled(enum garble g, struct buf *out)
{
	if (g == G_BAD_BANNER) {
		buf_append(out, "GET / HTTP/1.1\r\n\r\n", 18);
		return;
	}
	if (g != G_EARLY_MSG)
		raw_handshake(out, true);
	else {
		uint8_t banner[MSG_BANNER_LEN];
		msg_banner_encode(banner);
		buf_append(out, banner, sizeof(banner));
	}
	size_t at = out->len;
	struct msg *m = make_test(1, 100);
	frame_of(m, g == G_SEQ_GAP ? 5 : 1, out);
	uint8_t *h = out->data + at;
	switch (g) {
	case G_MAGIC:
		h[1] ^= 0x55;
		break;
	case G_HDR_CRC:
		h[17] ^= 1;
		break;
	case G_OVERSIZE:
		enc_put_le32(h + 32, 0xffffff00u);
		enc_put_le32(h + 44, crc32c(0, h, 44));
		break;
	case G_UNKNOWN_TYPE:
		enc_put_le16(h + 6, 0x4242);
		enc_put_le32(h + 44, crc32c(0, h, 44));
		break;
	case G_FLAGS:
		enc_put_le32(h + 8, 1);
		enc_put_le32(h + 44, crc32c(0, h, 44));
		break;
	case G_META_CRC:
		h[MSG_FRAME_HDR_LEN] ^= 0xff;
		break;
	case G_BAD_META: {
		uint32_t ml = enc_get_le32(h + 12);
		memset(h + MSG_FRAME_HDR_LEN, 0xff, ml);
		enc_put_le32(h + 36, crc32c(0, h + MSG_FRAME_HDR_LEN, ml));
		enc_put_le32(h + 44, crc32c(0, h, 44));
		break;
	}
	case G_DATA_CRC:
		out->data[out->len - 1] ^= 1;
		break;
	default:
		break;
	}
}

START_TEST(test_malformed_frames)
{
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	srv.reply = true;
	static const char *const opts[] = {"ms_max_frame_size", "1M", NULL};
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, opts);
	side_start(&cli, "client.ok", false, MSG_DISPATCH_LOOP, NULL);
	for (int g = 0; g < G__COUNT; g++) {
		struct buf b = BUF_INIT;
		garbled((enum garble)g, &b);
		int fd = raw_connect(&srv);
		raw_send(fd, b.data, b.len);
		ck_assert_msg(raw_closed(fd), "garble %d: connection not closed", g);
		close(fd);
		buf_fini(&b);
	}
	/* Random garbage after a valid banner, in a few sizes. */
	unsigned seed = 1;
	for (int k = 0; k < 8; k++) {
		struct buf b = BUF_INIT;
		uint8_t banner[MSG_BANNER_LEN];
		msg_banner_encode(banner);
		buf_append(&b, banner, sizeof(banner));
		for (int i = 0; i < 64 << k; i++)
			buf_append_byte(&b, (uint8_t)rand_r(&seed));
		int fd = raw_connect(&srv);
		raw_send(fd, b.data, b.len);
		ck_assert(raw_closed(fd));
		close(fd);
		buf_fini(&b);
	}
	struct msg_stats st;
	msg_get_stats(srv.ms, &st);
	ck_assert_uint_ge(st.bad_frames, G__COUNT + 8);
	/* A well-behaved client is still served. */
	struct msg_conn *c = connect_to(&cli, &srv, MSG_POLICY_LOSSY);
	ck_assert_int_eq(msg_send(c, msg_create(MSG_ECHO)), 0);
	WAIT_FOR(&cli, cli.received == 1);
	/* And a valid raw session gets an echo reply. */
	msg_conn_put(c);
	side_stop(&cli);
	side_stop(&srv);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/* ms_inject_refuse_peers: sessions with the named peer never open. */
START_TEST(test_refuse_peer)
{
	static const char *const opts[] = {"ms_inject_refuse_peers", "client.bad", NULL};
	struct side srv, bad, good;
	side_init(&srv);
	side_init(&bad);
	side_init(&good);
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, opts);
	side_start(&bad, "client.bad", false, MSG_DISPATCH_LOOP, NULL);
	side_start(&good, "client.good", false, MSG_DISPATCH_LOOP, NULL);
	struct msg_conn *b = connect_to(&bad, &srv, MSG_POLICY_LOSSY);
	struct msg_conn *g = connect_to(&good, &srv, MSG_POLICY_LOSSY);
	WAIT_FOR(&bad, bad.closed == 1);
	WAIT_FOR(&good, good.opened == 1);
	ck_assert_uint_eq(bad.opened, 0);
	msg_conn_put(b);
	msg_conn_put(g);
	side_stop(&good);
	side_stop(&bad);
	side_stop(&srv);
	side_fini(&good);
	side_fini(&bad);
	side_fini(&srv);
}
END_TEST

/* Injected dispatch delays never reorder. */
START_TEST(test_delay_keeps_order)
{
	static const char *const opts[] = {"ms_inject_delay_type",
					   "osd",
					   "ms_inject_delay_max",
					   "2ms",
					   "ms_inject_delay_probability",
					   "0.3",
					   NULL};
	struct side srv, cli;
	side_init(&srv);
	side_init(&cli);
	side_start(&srv, "osd.1", true, MSG_DISPATCH_LOOP, opts);
	side_start(&cli, "osd.2", false, MSG_DISPATCH_LOOP, NULL);
	struct msg_conn *c = connect_to(&cli, &srv, MSG_POLICY_LOSSLESS);
	for (uint64_t i = 1; i <= 500; i++)
		send_retry(&cli, c, make_test(i, 16));
	WAIT_FOR(&srv, srv.received == 500);
	ck_assert(!srv.order_broken);
	msg_conn_put(c);
	side_stop(&cli);
	side_stop(&srv);
	side_fini(&cli);
	side_fini(&srv);
}
END_TEST

/*
 * A listening messenger on an owner-run loop, which the thread below runs
 * (as an OSD runs its service loop).
 */
struct ext_side {
	struct side side;
	struct ev_loop *ev;
	pthread_t thread;
	bool ready;
};

static void *ext_thread(void *arg)
{
	struct ext_side *x = arg;
	static const char *const opts[] = {"ms_async_op_threads", "3", NULL};
	ck_assert_int_eq(ev_loop_create(&x->ev), 0);
	side_setup(&x->side, "osd.1", true, MSG_DISPATCH_LOOP, opts, x->ev);
	x->side.reply = true;
	ck_assert_int_eq(msg_start(x->side.ms), 0);
	pthread_mutex_lock(&x->side.lock);
	x->ready = true;
	pthread_cond_broadcast(&x->side.cond);
	pthread_mutex_unlock(&x->side.lock);
	ck_assert_int_eq(ev_loop_run(x->ev), 0);
	side_stop(&x->side);
	msg_messenger_destroy(x->side.ms);
	x->side.ms = NULL;
	ev_loop_destroy(x->ev);
	return NULL;
}

/*
 * Sessions accepted by a messenger on an owner-run loop: a new lossless
 * session moves onto that loop after its handshake (its messages are
 * handled there, also after reconnects under injected socket failures, and
 * none is lost or repeated); lossy ones stay on the threaded loops.
 */
START_TEST(test_external_loop_sessions)
{
	static const char *const opts[] = {"ms_inject_socket_failures",
					   "50",
					   "ms_initial_backoff",
					   "1ms",
					   "ms_max_backoff",
					   "20ms",
					   NULL};
	struct ext_side x;
	struct side cli, lossy;
	memset(&x, 0, sizeof(x));
	side_init(&x.side);
	side_init(&cli);
	side_init(&lossy);
	ck_assert_int_eq(pthread_create(&x.thread, NULL, ext_thread, &x), 0);
	WAIT_FOR(&x.side, x.ready);
	side_start(&cli, "osd.2", false, MSG_DISPATCH_LOOP, opts);
	side_start(&lossy, "client.a", false, MSG_DISPATCH_LOOP, NULL);

	struct msg_conn *c = connect_to(&cli, &x.side, MSG_POLICY_LOSSLESS);
	const uint64_t n = 3000;
	for (uint64_t i = 1; i <= n; i++) {
		send_retry(&cli, c, make_test(i, i % 5 == 0 ? 20000 : 100));
		if (i % 100 == 0) {
			/* An echo: the moved session sends its reply from the owner's loop. */
			struct msg *e = msg_create(MSG_ECHO);
			ck_assert_ptr_nonnull(e);
			msg_echo_body(e)->tid = i;
			send_retry(&cli, c, e);
		}
	}
	WAIT_FOR(&x.side, x.side.received == n + n / 100);
	WAIT_FOR(&cli, cli.received == n / 100);
	pthread_mutex_lock(&x.side.lock);
	ck_assert(!x.side.order_broken);
	ck_assert_uint_eq(x.side.lossless_off_ext, 0);
	uint64_t before = x.side.received;
	x.side.expect_next = 1;
	pthread_mutex_unlock(&x.side.lock);
	struct msg_stats st;
	msg_get_stats(x.side.ms, &st);
	ck_assert_uint_gt(st.reconnects, 0);
	ck_assert_uint_eq(cli.resets, 0);

	struct msg_conn *l = connect_to(&lossy, &x.side, MSG_POLICY_LOSSY);
	for (uint64_t i = 1; i <= 200; i++)
		send_retry(&lossy, l, make_test(i, 10));
	WAIT_FOR(&x.side, x.side.received == before + 200);
	pthread_mutex_lock(&x.side.lock);
	ck_assert_uint_eq(x.side.lossy_on_ext, 0);
	ck_assert(!x.side.order_broken);
	pthread_mutex_unlock(&x.side.lock);

	/*
	 * A lossless session request with a frame behind it (the socket would
	 * move with data in flight): refused, and the session it was to move
	 * to closes too - the connection count returns to where it was - so a
	 * later request with the same cookie simply opens.
	 */
	msg_get_stats(x.side.ms, &st);
	uint64_t conns = st.conns;
	struct buf b = BUF_INIT;
	raw_handshake(&b, false);
	frame_of(msg_create(MSG_ECHO), 1, &b);
	int fd = raw_connect(&x.side);
	raw_send(fd, b.data, b.len);
	ck_assert(raw_closed(fd));
	close(fd);
	buf_fini(&b);
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += DEADLINE_S;
	for (;;) {
		msg_get_stats(x.side.ms, &st);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (st.conns == conns || now.tv_sec > until.tv_sec)
			break;
		poll(NULL, 0, 1); /* the closes run on the server's loops */
	}
	ck_assert_uint_eq(st.conns, conns);
	raw_handshake(&b, false);
	fd = raw_connect(&x.side);
	raw_send(fd, b.data, b.len);
	char ready[64];
	struct pollfd pf = {fd, POLLIN, 0};
	ck_assert_int_eq(poll(&pf, 1, DEADLINE_S * 1000), 1);
	ck_assert_int_gt(recv(fd, ready, sizeof(ready), 0), 0); /* banner, hello, ... */
	close(fd);
	buf_fini(&b);

	msg_conn_put(l);
	msg_conn_put(c);
	side_stop(&lossy);
	side_stop(&cli);
	ev_loop_stop(x.ev);
	ck_assert_int_eq(pthread_join(x.thread, NULL), 0);
	side_fini(&lossy);
	side_fini(&cli);
	side_fini(&x.side);
}
END_TEST

static Suite *conn_suite(void)
{
	Suite *s = suite_create("msg_conn");
	TCase *tc = tcase_create("basic");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_worker_order);
	tcase_add_test(tc, test_lossy_close);
	suite_add_tcase(s, tc);
	tc = tcase_create("lossless");
	tcase_add_test(tc, test_reconnect_no_loss);
	tcase_add_test(tc, test_external_loop_sessions);
	suite_add_tcase(s, tc);
	tc = tcase_create("scale");
	tcase_add_test(tc, test_many_connections);
	suite_add_tcase(s, tc);
	tc = tcase_create("throttle");
	tcase_add_test(tc, test_slow_reader_bounded);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed_frames);
	suite_add_tcase(s, tc);
	tc = tcase_create("inject");
	tcase_add_test(tc, test_refuse_peer);
	tcase_add_test(tc, test_delay_keeps_order);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(conn_suite)
