/*
 * ev.h - the event loop: epoll file watchers, timers, and calls posted
 * from other threads.
 *
 * One loop is run by one thread (the "loop thread"), which owns everything
 * the loop's callbacks touch.  Handles are embedded in the caller's own
 * structures, as in libuv: ev_io and ev_timer cost no allocation, and a
 * stopped handle's memory may be freed at once, even from inside a
 * callback of the same loop iteration.
 *
 * Thread rules:
 *  - ev_io_*, ev_timer_* and ev_loop_run: loop thread only (before the loop
 *    runs, the creating thread counts as the loop thread).
 *  - ev_loop_call and ev_loop_stop: any thread.  This is the only way other
 *    threads (workers, other loops) hand work to a loop.
 *
 * Shutdown: ev_loop_stop() makes ev_loop_run() return after the current
 * iteration.  ev_loop_destroy() then runs every call still queued (so no
 * posted completion is lost) and frees the loop.  Watchers still started
 * at destroy time are simply forgotten; their owners must not use them.
 */
#ifndef CAIRN_EV_H
#define CAIRN_EV_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct ev_io;
struct ev_timer;

enum {
	EV_READ = 0x1,
	EV_WRITE = 0x2,
	EV_ERROR = 0x4, /* reported, never requested: error or hang-up */
};

typedef void (*ev_io_cb)(struct ev_loop *loop, struct ev_io *io, uint32_t events);
typedef void (*ev_timer_cb)(struct ev_loop *loop, struct ev_timer *t);
typedef void (*ev_call_fn)(void *arg);

/* A file descriptor watcher.  Fields are private to ev.c. */
struct ev_io {
	int fd;
	uint32_t events; /* requested EV_READ | EV_WRITE */
	bool active;
	ev_io_cb cb;
	void *data; /* the owner's, untouched by ev */
};

/* A one-shot timer.  Fields are private to ev.c. */
struct ev_timer {
	uint64_t deadline_ns; /* on CLOCK_MONOTONIC */
	uint64_t seq;         /* tie-break: equal deadlines fire in start order */
	unsigned heap_idx;    /* position in the loop's heap while active */
	bool active;
	ev_timer_cb cb;
	void *data; /* the owner's, untouched by ev */
};

/* Create a loop.  0, -ENOMEM, or -errno from epoll_create1/eventfd. */
int ev_loop_create(struct ev_loop **out);
/* Run queued calls, then free.  The loop must not be running.  NULL is ok. */
void ev_loop_destroy(struct ev_loop *loop);
/*
 * Run the calls queued on @loop, and the ones they post, until the queue
 * is empty.  On the loop's thread while it is not running.  Whether any ran.
 */
bool ev_loop_run_calls(struct ev_loop *loop);
/* Dispatch events until ev_loop_stop().  Returns 0, or -errno on an epoll failure. */
int ev_loop_run(struct ev_loop *loop);
/* Run one iteration, waiting at most @timeout_ms (-1: until something happens). */
int ev_loop_run_once(struct ev_loop *loop, int timeout_ms);
/* Ask the loop to return from ev_loop_run.  Any thread; idempotent. */
void ev_loop_stop(struct ev_loop *loop);
/* True on the thread that runs (or, before running, created) @loop. */
bool ev_loop_in_thread(const struct ev_loop *loop);
/*
 * Run @fn(@arg) on the loop thread, soon.  Any thread.  Calls posted from
 * one thread run in the order posted.  0, or -ENOMEM.
 */
int ev_loop_call(struct ev_loop *loop, ev_call_fn fn, void *arg);
/* Cached monotonic time of the current iteration (ns). */
uint64_t ev_loop_now(const struct ev_loop *loop);

/* Start watching @fd for @events (EV_READ|EV_WRITE).  0 or -errno. */
int ev_io_start(struct ev_loop *loop, struct ev_io *io, int fd, uint32_t events, ev_io_cb cb);
/* Change the watched events of a started watcher.  0 or -errno. */
int ev_io_set(struct ev_loop *loop, struct ev_io *io, uint32_t events);
/* Stop watching; no callback for it runs afterwards.  Safe on a stopped watcher. */
void ev_io_stop(struct ev_loop *loop, struct ev_io *io);

static inline void ev_timer_init(struct ev_timer *t)
{
	t->active = false;
}
/* Fire @cb once, @delay_ns from now.  Restarting a started timer moves it.  0 or -ENOMEM. */
int ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t delay_ns, ev_timer_cb cb);
/* Cancel; safe on a stopped or already-fired timer. */
void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t);
static inline bool ev_timer_active(const struct ev_timer *t)
{
	return t->active;
}

#endif
