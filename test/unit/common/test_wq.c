/* Unit tests for common/wq: ordering, completions on the loop, shutdown with queued work. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "test/unit/unit.h"
#include "common/ev.h"
#include "common/wq.h"

struct job {
	int shard;
	int seq;
	int *last_seq; /* per shard, touched only by the shard's worker */
	_Atomic int *order_errors;
	_Atomic int *worked;
	int status;
	bool done;
	struct ev_loop *loop;
	_Atomic int *done_count;
	int total;
	pthread_t loop_thread;
};

static void job_work(void *arg)
{
	struct job *j = arg;
	if (j->last_seq[j->shard] + 1 != j->seq)
		atomic_fetch_add(j->order_errors, 1);
	j->last_seq[j->shard] = j->seq;
	atomic_fetch_add(j->worked, 1);
}

static void job_done(void *arg, int status)
{
	struct job *j = arg;
	j->status = status;
	j->done = true;
	if (j->loop) {
		ck_assert(pthread_equal(pthread_self(), j->loop_thread));
		if (atomic_fetch_add(j->done_count, 1) + 1 == j->total)
			ev_loop_stop(j->loop);
	}
}

/* Items of one shard run in order; done() runs on the loop thread. */
START_TEST(test_shard_order_and_done_on_loop)
{
	enum { SHARDS = 8, PER = 500, TOTAL = SHARDS * PER };
	struct ev_loop *loop;
	struct wq_pool *pool;
	ck_assert_int_eq(ev_loop_create(&loop), 0);
	ck_assert_int_eq(wq_pool_create("t", 3, &pool), 0);
	ck_assert_uint_eq(wq_pool_threads(pool), 3);
	static int last_seq[SHARDS];
	_Atomic int order_errors = 0, worked = 0, done_count = 0;
	struct job *jobs = calloc(TOTAL, sizeof(*jobs));
	for (int i = 0; i < TOTAL; i++) {
		struct job *j = &jobs[i];
		*j = (struct job){.shard = i % SHARDS, .seq = i / SHARDS + 1, .last_seq = last_seq,
				  .order_errors = &order_errors, .worked = &worked,
				  .status = 1, .loop = loop, .done_count = &done_count,
				  .total = TOTAL, .loop_thread = pthread_self()};
		ck_assert_int_eq(wq_submit(pool, (uint64_t)j->shard, job_work, job_done, j, loop), 0);
	}
	ck_assert_int_eq(ev_loop_run(loop), 0);
	ck_assert_int_eq(atomic_load(&worked), TOTAL);
	ck_assert_int_eq(atomic_load(&order_errors), 0);
	for (int i = 0; i < TOTAL; i++)
		ck_assert(jobs[i].done && jobs[i].status == 0);
	wq_pool_destroy(pool, WQ_DRAIN);
	ev_loop_destroy(loop);
	free(jobs);
}
END_TEST

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
	bool entered;
};

static void gate_work(void *arg)
{
	struct gate *g = arg;
	pthread_mutex_lock(&g->lock);
	g->entered = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

struct destroy_args {
	struct wq_pool *pool;
	enum wq_stop_mode mode;
};

static void *destroyer(void *arg)
{
	struct destroy_args *d = arg;
	wq_pool_destroy(d->pool, d->mode);
	return NULL;
}

static void count_work(void *arg)
{
	atomic_fetch_add((_Atomic int *)arg, 1);
}

/*
 * Destroy while a worker is busy and items are queued behind it: DRAIN
 * runs them all, CANCEL runs none and reports -ECANCELED; every done()
 * is called exactly once either way, and late submits fail.
 */
static void shutdown_with_queue(enum wq_stop_mode mode)
{
	struct wq_pool *pool;
	ck_assert_int_eq(wq_pool_create("s", 1, &pool), 0);
	struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};
	ck_assert_int_eq(wq_submit(pool, 0, gate_work, NULL, &g, NULL), 0);
	pthread_mutex_lock(&g.lock);
	while (!g.entered)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);

	enum { N = 50 };
	_Atomic int worked = 0;
	struct job jobs[N];
	_Atomic int order_errors = 0, w2 = 0;
	static int last_seq[1];
	last_seq[0] = 0;
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct job){.shard = 0, .seq = i + 1, .last_seq = last_seq,
				       .order_errors = &order_errors, .worked = &w2, .status = 1};
		ck_assert_int_eq(wq_submit(pool, 0, job_work, job_done, &jobs[i], NULL), 0);
	}
	ck_assert_int_eq(wq_submit(pool, 0, count_work, NULL, &worked, NULL), 0);

	pthread_t th;
	struct destroy_args d = {pool, mode};
	pthread_create(&th, NULL, destroyer, &d);
	/* Let the destroyer mark the pool; then release the busy worker. */
	while (wq_submit(pool, 0, NULL, NULL, NULL, NULL) == 0)
		sched_yield();
	ck_assert_int_eq(wq_submit(pool, 0, NULL, NULL, NULL, NULL), -ESHUTDOWN);
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	pthread_join(th, NULL);

	for (int i = 0; i < N; i++) {
		ck_assert(jobs[i].done);
		ck_assert_int_eq(jobs[i].status, mode == WQ_DRAIN ? 0 : -ECANCELED);
	}
	ck_assert_int_eq(atomic_load(&w2), mode == WQ_DRAIN ? N : 0);
	ck_assert_int_eq(atomic_load(&worked), mode == WQ_DRAIN ? 1 : 0);
	ck_assert_int_eq(atomic_load(&order_errors), 0);
}

START_TEST(test_shutdown_drain)
{
	shutdown_with_queue(WQ_DRAIN);
}
END_TEST

START_TEST(test_shutdown_cancel)
{
	shutdown_with_queue(WQ_CANCEL);
}
END_TEST

START_TEST(test_flush_and_args)
{
	struct wq_pool *pool;
	ck_assert_int_eq(wq_pool_create("f", 0, &pool), -EINVAL);
	ck_assert_int_eq(wq_pool_create("f", 4, &pool), 0);
	_Atomic int n = 0;
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(wq_submit(pool, WQ_ANY_SHARD, count_work, NULL, &n, NULL), 0);
	wq_pool_flush(pool);
	ck_assert_int_eq(atomic_load(&n), 1000);
	wq_pool_destroy(pool, WQ_DRAIN);
	wq_pool_destroy(NULL, WQ_DRAIN);
}
END_TEST

static Suite *wq_suite(void)
{
	Suite *s = suite_create("wq");
	TCase *tc = tcase_create("order");
	tcase_add_test(tc, test_shard_order_and_done_on_loop);
	tcase_add_test(tc, test_flush_and_args);
	suite_add_tcase(s, tc);
	tc = tcase_create("shutdown");
	tcase_add_test(tc, test_shutdown_drain);
	tcase_add_test(tc, test_shutdown_cancel);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(wq_suite)
