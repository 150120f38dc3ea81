/*
 * wq.h - a thread pool with work queues, for blocking work (RocksDB,
 * fsync, disk reads) that must not run on an event loop.
 *
 * A work item has two halves: work(arg) runs on a worker thread and must
 * not touch loop-owned state; done(arg, status) runs afterwards on the
 * event loop the submitter named (through ev_loop_call), or on the worker
 * itself when no loop was named.  status is 0 when work ran and
 * -ECANCELED when the pool was destroyed with WQ_CANCEL before it ran.
 *
 * Ordering: each worker has its own FIFO.  Items submitted with the same
 * shard key go to the same worker and run in submission order, which is
 * how one PG's transactions stay ordered.  WQ_ANY_SHARD spreads items
 * round-robin.
 *
 * Thread safety: wq_submit may be called from any thread.
 */
#ifndef CAIRN_WQ_H
#define CAIRN_WQ_H

#include <stdint.h>

struct ev_loop;
struct wq_pool;

typedef void (*wq_work_fn)(void *arg);
typedef void (*wq_done_fn)(void *arg, int status);

#define WQ_ANY_SHARD UINT64_MAX

enum wq_stop_mode {
	WQ_DRAIN,  /* run every queued item, then stop */
	WQ_CANCEL, /* skip queued items: their done() gets -ECANCELED */
};

/*
 * Start @nthreads workers (1..1024), named "@name-N" for debuggers.
 * 0, -EINVAL, -ENOMEM, or -errno from pthread_create.
 */
int wq_pool_create(const char *name, unsigned nthreads, struct wq_pool **out);

/*
 * Stop and free the pool.  Items running now always finish.  Queued items
 * run (WQ_DRAIN) or are cancelled (WQ_CANCEL); either way every item's
 * done() is called exactly once: posted to its loop, which must outlive
 * this call (ev_loop_destroy runs calls still queued).  Must not be called
 * from a worker of this pool.  NULL is ok.
 */
void wq_pool_destroy(struct wq_pool *pool, enum wq_stop_mode mode);

/*
 * Queue one item.  @work may be NULL (only done runs, in order behind the
 * shard's earlier items); @done may be NULL.  @loop may be NULL: done then
 * runs on the worker.  0, -ENOMEM, or -ESHUTDOWN once destruction began.
 */
int wq_submit(struct wq_pool *pool, uint64_t shard, wq_work_fn work, wq_done_fn done, void *arg,
	      struct ev_loop *loop);

/* Block until every item submitted before this call has finished work(). */
void wq_pool_flush(struct wq_pool *pool);

unsigned wq_pool_threads(const struct wq_pool *pool);

#endif
