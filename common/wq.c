/*
 * wq.c - thread pool with per-worker FIFOs.  See wq.h.
 *
 * Each worker owns a queue guarded by its own mutex and condition
 * variable, so workers never contend with each other; a submitter takes
 * one worker's lock.  Done callbacks are posted with ev_loop_call and, if
 * that cannot allocate, run on the worker instead: a completion is never
 * dropped (running it on the wrong thread is a lesser evil than leaking
 * the caller's state; callers that cannot tolerate it pre-allocate).
 */
#include "wq.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"

struct wq_item {
	struct wq_item *next;
	wq_work_fn work;
	wq_done_fn done;
	void *arg;
	struct ev_loop *loop;
	int status;
};

struct wq_worker {
	struct wq_pool *pool;
	pthread_t thread;
	unsigned index;
	pthread_mutex_t lock; /* protects everything below */
	pthread_cond_t cond;
	struct wq_item *head;
	struct wq_item *tail;
	uint64_t submitted; /* items ever queued here */
	uint64_t finished;  /* items whose work() returned */
	pthread_cond_t idle_cond;
	bool stopping;
	bool cancel;
};

struct wq_pool {
	char name[16];
	unsigned nthreads;
	_Atomic unsigned rr;
	_Atomic bool shutdown;
	struct wq_worker workers[];
};

static void run_done(void *p)
{
	struct wq_item *it = p;
	it->done(it->arg, it->status);
	free(it);
}

static void complete(struct wq_item *it)
{
	if (!it->done) {
		free(it);
		return;
	}
	if (it->loop && ev_loop_call(it->loop, run_done, it) == 0)
		return;
	run_done(it);
}

static void *worker_main(void *p)
{
	struct wq_worker *w = p;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		struct wq_item *it = w->head;
		if (!it)
			break; /* stopping and empty */
		w->head = it->next;
		if (!w->head)
			w->tail = NULL;
		bool cancel = w->cancel;
		pthread_mutex_unlock(&w->lock);

		if (cancel) {
			it->status = -ECANCELED;
		} else {
			if (it->work)
				it->work(it->arg);
			it->status = 0;
		}
		complete(it);

		pthread_mutex_lock(&w->lock);
		w->finished++;
		pthread_cond_broadcast(&w->idle_cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int wq_pool_create(const char *name, unsigned nthreads, struct wq_pool **out)
{
	if (nthreads == 0 || nthreads > 1024)
		return -EINVAL;
	struct wq_pool *pool = calloc(1, sizeof(*pool) + nthreads * sizeof(struct wq_worker));
	if (!pool)
		return -ENOMEM;
	snprintf(pool->name, sizeof(pool->name), "%s", name ? name : "wq");
	pool->nthreads = nthreads;

	unsigned started = 0;
	int rc = 0;
	for (; started < nthreads; started++) {
		struct wq_worker *w = &pool->workers[started];
		w->pool = pool;
		w->index = started;
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
		pthread_cond_init(&w->idle_cond, NULL);
		rc = -pthread_create(&w->thread, NULL, worker_main, w);
		if (rc) {
			pthread_mutex_destroy(&w->lock);
			pthread_cond_destroy(&w->cond);
			pthread_cond_destroy(&w->idle_cond);
			break;
		}
		char tname[16];
		snprintf(tname, sizeof(tname), "%.10s-%u", pool->name, started);
		pthread_setname_np(w->thread, tname);
	}
	if (rc) {
		pool->nthreads = started;
		wq_pool_destroy(pool, WQ_CANCEL);
		return rc;
	}
	*out = pool;
	return 0;
}

void wq_pool_destroy(struct wq_pool *pool, enum wq_stop_mode mode)
{
	if (!pool)
		return;
	atomic_store(&pool->shutdown, true);
	for (unsigned i = 0; i < pool->nthreads; i++) {
		struct wq_worker *w = &pool->workers[i];
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		w->cancel = mode == WQ_CANCEL;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	for (unsigned i = 0; i < pool->nthreads; i++) {
		struct wq_worker *w = &pool->workers[i];
		pthread_join(w->thread, NULL);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		pthread_cond_destroy(&w->idle_cond);
	}
	free(pool);
}

int wq_submit(struct wq_pool *pool, uint64_t shard, wq_work_fn work, wq_done_fn done, void *arg,
	      struct ev_loop *loop)
{
	if (atomic_load(&pool->shutdown))
		return -ESHUTDOWN;
	struct wq_item *it = malloc(sizeof(*it));
	if (!it)
		return -ENOMEM;
	*it = (struct wq_item){NULL, work, done, arg, loop, 0};

	unsigned idx = shard == WQ_ANY_SHARD ? atomic_fetch_add(&pool->rr, 1) % pool->nthreads
					     : (unsigned)(shard % pool->nthreads);
	struct wq_worker *w = &pool->workers[idx];
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		free(it);
		return -ESHUTDOWN;
	}
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->submitted++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void wq_pool_flush(struct wq_pool *pool)
{
	for (unsigned i = 0; i < pool->nthreads; i++) {
		struct wq_worker *w = &pool->workers[i];
		pthread_mutex_lock(&w->lock);
		uint64_t target = w->submitted;
		while (w->finished < target)
			pthread_cond_wait(&w->idle_cond, &w->lock);
		pthread_mutex_unlock(&w->lock);
	}
}

unsigned wq_pool_threads(const struct wq_pool *pool)
{
	return pool->nthreads;
}
