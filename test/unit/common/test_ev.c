/* Unit tests for common/ev: timers, fd watchers, cross-thread calls, shutdown. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/unit/unit.h"
#include "common/clk.h"
#include "common/ev.h"

static struct ev_loop *new_loop(void)
{
	struct ev_loop *loop;
	ck_assert_int_eq(ev_loop_create(&loop), 0);
	return loop;
}

struct timer_rec {
	struct ev_timer t;
	int id;
	int *order;
	int *n;
};

static void rec_fire(struct ev_loop *loop, struct ev_timer *t)
{
	struct timer_rec *r = (struct timer_rec *)t;
	r->order[(*r->n)++] = r->id;
}

static void stop_fire(struct ev_loop *loop, struct ev_timer *t)
{
	ev_loop_stop(loop);
}

/* Timers fire in deadline order, equal deadlines in start order; stopped ones never. */
START_TEST(test_timer_order)
{
	struct ev_loop *loop = new_loop();
	int order[8], n = 0;
	struct timer_rec r[5];
	uint64_t delays[5] = {30, 10, 20, 10, 5};
	for (int i = 0; i < 5; i++) {
		r[i] = (struct timer_rec){.id = i, .order = order, .n = &n};
		ev_timer_init(&r[i].t);
		ck_assert_int_eq(ev_timer_start(loop, &r[i].t, delays[i] * CLK_NS_PER_MS, rec_fire), 0);
	}
	ev_timer_stop(loop, &r[4].t);
	ck_assert(!ev_timer_active(&r[4].t));
	/* Restarting moves a timer. */
	ck_assert_int_eq(ev_timer_start(loop, &r[0].t, 1 * CLK_NS_PER_MS, rec_fire), 0);
	struct ev_timer stopper;
	ev_timer_init(&stopper);
	ev_timer_start(loop, &stopper, 60 * CLK_NS_PER_MS, stop_fire);
	uint64_t t0 = clk_mono_ns();
	ck_assert_int_eq(ev_loop_run(loop), 0);
	ck_assert(clk_mono_ns() - t0 >= 60 * CLK_NS_PER_MS);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(order[0], 0);
	ck_assert_int_eq(order[1], 1);
	ck_assert_int_eq(order[2], 3);
	ck_assert_int_eq(order[3], 2);
	ev_loop_destroy(loop);
}
END_TEST

/* Many timers with random deadlines: the heap keeps them in order. */
START_TEST(test_timer_heap)
{
	struct ev_loop *loop = new_loop();
	enum { N = 300 };
	static struct timer_rec r[N];
	static int order[N];
	int n = 0;
	unsigned seed = 99;
	for (int i = 0; i < N; i++) {
		r[i] = (struct timer_rec){.id = i, .order = order, .n = &n};
		ev_timer_init(&r[i].t);
		ev_timer_start(loop, &r[i].t, (uint64_t)(rand_r(&seed) % 20) * CLK_NS_PER_MS,
			       rec_fire);
	}
	for (int i = 0; i < N; i += 3)
		ev_timer_stop(loop, &r[i].t);
	struct ev_timer stopper;
	ev_timer_init(&stopper);
	ev_timer_start(loop, &stopper, 40 * CLK_NS_PER_MS, stop_fire);
	ev_loop_run(loop);
	ck_assert_int_eq(n, N - (N + 2) / 3);
	for (int i = 1; i < n; i++) {
		struct timer_rec *a = &r[order[i - 1]], *b = &r[order[i]];
		ck_assert(a->t.deadline_ns <= b->t.deadline_ns);
	}
	ev_loop_destroy(loop);
}
END_TEST

struct pipe_ctx {
	struct ev_io io;
	int fds[2];
	int reads;
	char got[64];
	size_t got_len;
};

static void pipe_read(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct pipe_ctx *p = (struct pipe_ctx *)io;
	ssize_t n = read(p->fds[0], p->got + p->got_len, sizeof(p->got) - p->got_len - 1);
	if (n > 0)
		p->got_len += (size_t)n;
	p->reads++;
	if (n == 0 || (events & EV_ERROR)) {
		ev_io_stop(loop, io);
		ev_loop_stop(loop);
	}
}

START_TEST(test_io_watch)
{
	struct ev_loop *loop = new_loop();
	struct pipe_ctx p = {0};
	ck_assert_int_eq(pipe(p.fds), 0);
	ck_assert_int_eq(ev_io_start(loop, &p.io, p.fds[0], EV_READ, pipe_read), 0);
	ck_assert_int_eq(write(p.fds[1], "ping", 4), 4);
	ck_assert_int_eq(ev_loop_run_once(loop, 1000), 0);
	ck_assert_int_eq(p.reads, 1);
	ck_assert_str_eq(p.got, "ping");
	close(p.fds[1]); /* EOF ends the loop */
	ck_assert_int_eq(ev_loop_run(loop), 0);
	ck_assert_str_eq(p.got, "ping");
	close(p.fds[0]);
	ck_assert_int_eq(ev_io_start(loop, &p.io, 12345, EV_READ, pipe_read), -EBADF);
	ev_loop_destroy(loop);
}
END_TEST

/* A callback that stops (and frees) another watcher of the same batch. */
struct pair {
	struct ev_io a, b;
	int fa[2], fb[2];
	int calls;
	struct ev_io *victim;
};

static void pair_cb(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	struct pair *p = io->data;
	p->calls++;
	struct ev_io *other = io == &p->a ? &p->b : &p->a;
	ev_io_stop(loop, other);
	memset(other, 0xab, sizeof(*other)); /* as if freed */
	ev_io_stop(loop, io);
}

START_TEST(test_stop_in_batch)
{
	struct ev_loop *loop = new_loop();
	struct pair p = {0};
	ck_assert_int_eq(pipe(p.fa), 0);
	ck_assert_int_eq(pipe(p.fb), 0);
	p.a.data = p.b.data = &p;
	ev_io_start(loop, &p.a, p.fa[0], EV_READ, pair_cb);
	ev_io_start(loop, &p.b, p.fb[0], EV_READ, pair_cb);
	ck_assert_int_eq(write(p.fa[1], "x", 1), 1);
	ck_assert_int_eq(write(p.fb[1], "x", 1), 1);
	ck_assert_int_eq(ev_loop_run_once(loop, 1000), 0);
	ck_assert_int_eq(p.calls, 1);
	for (int i = 0; i < 2; i++) {
		close(p.fa[i]);
		close(p.fb[i]);
	}
	ev_loop_destroy(loop);
}
END_TEST

struct xthread {
	struct ev_loop *loop;
	_Atomic int count;
	int seen[4];
	int order_ok;
	pthread_t loop_thread;
};

struct xcall {
	struct xthread *x;
	int thread;
	int seq;
};

static void xcall_fn(void *arg)
{
	struct xcall *c = arg;
	struct xthread *x = c->x;
	ck_assert(pthread_equal(pthread_self(), x->loop_thread));
	ck_assert(ev_loop_in_thread(x->loop));
	if (c->seq != x->seen[c->thread] + 1)
		x->order_ok = 0;
	x->seen[c->thread] = c->seq;
	if (atomic_fetch_add(&x->count, 1) + 1 == 4 * 1000)
		ev_loop_stop(x->loop);
	free(c);
}

static void *poster(void *arg)
{
	struct xcall *first = arg;
	struct xthread *x = first->x;
	int t = first->thread;
	free(first);
	for (int i = 1; i <= 1000; i++) {
		struct xcall *c = malloc(sizeof(*c));
		*c = (struct xcall){x, t, i};
		ck_assert_int_eq(ev_loop_call(x->loop, xcall_fn, c), 0);
	}
	return NULL;
}

static void *loop_main(void *arg)
{
	struct xthread *x = arg;
	ev_loop_run(x->loop);
	return NULL;
}

/* Four threads post 1000 calls each; all run on the loop thread, in order per poster. */
START_TEST(test_cross_thread_calls)
{
	struct xthread x = {.loop = new_loop(), .order_ok = 1};
	pthread_create(&x.loop_thread, NULL, loop_main, &x);
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		struct xcall *c = malloc(sizeof(*c));
		*c = (struct xcall){&x, i, 0};
		pthread_create(&th[i], NULL, poster, c);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	pthread_join(x.loop_thread, NULL);
	ck_assert_int_eq(atomic_load(&x.count), 4000);
	ck_assert_int_eq(x.order_ok, 1);
	ev_loop_destroy(x.loop);
}
END_TEST

static _Atomic int loop_started;

static void *stopper_thread(void *arg)
{
	/* Wait until the loop has run an iteration; it then blocks with no timers. */
	while (!atomic_load(&loop_started))
		sched_yield();
	ev_loop_stop(arg);
	return NULL;
}

static void mark_started(struct ev_loop *loop, struct ev_timer *t)
{
	atomic_store(&loop_started, 1);
}

static void count_call(void *arg)
{
	(*(int *)arg)++;
}

/* Stop from another thread wakes a loop blocked with nothing to do; destroy runs queued calls. */
START_TEST(test_stop_and_destroy)
{
	struct ev_loop *loop = new_loop();
	pthread_t th;
	struct ev_timer t;
	ev_timer_init(&t);
	ev_timer_start(loop, &t, 0, mark_started);
	pthread_create(&th, NULL, stopper_thread, loop);
	ck_assert_int_eq(ev_loop_run(loop), 0);
	pthread_join(th, NULL);
	int ran = 0;
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(ev_loop_call(loop, count_call, &ran), 0);
	ev_loop_destroy(loop);
	ck_assert_int_eq(ran, 10);
	ev_loop_destroy(NULL);
}
END_TEST

static Suite *ev_suite(void)
{
	Suite *s = suite_create("ev");
	TCase *tc = tcase_create("timers");
	tcase_add_test(tc, test_timer_order);
	tcase_add_test(tc, test_timer_heap);
	suite_add_tcase(s, tc);
	tc = tcase_create("io");
	tcase_add_test(tc, test_io_watch);
	tcase_add_test(tc, test_stop_in_batch);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_add_test(tc, test_cross_thread_calls);
	tcase_add_test(tc, test_stop_and_destroy);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ev_suite)
