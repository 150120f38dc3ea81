/*
 * ev.c - epoll event loop.  See ev.h.
 *
 * One iteration:
 *   1. wait in epoll_wait until the nearest timer is due (or forever);
 *   2. dispatch file events;
 *   3. fire due timers in deadline order;
 *   4. run calls posted by other threads.
 *
 * Posted calls sit in a mutex-protected FIFO; posting writes the loop's
 * eventfd only when the FIFO was empty, so a burst of posts costs one
 * wake-up.  Timers are a binary min-heap of pointers to the caller's
 * ev_timer structs; each timer knows its heap index, so stopping is
 * O(log n) and allocation-free except when the heap array grows.
 *
 * Stopping a watcher from inside a callback must not leave a pointer to it
 * in the batch epoll_wait returned: ev_io_stop clears any such entry.
 */
#include "ev.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clk.h"
#include "log.h"

#define EV_BATCH 128

struct ev_call {
	struct ev_call *next;
	ev_call_fn fn;
	void *arg;
};

struct ev_loop {
	int epfd;
	int wakefd;
	pthread_t owner;
	_Atomic bool stop;
	uint64_t now_ns;

	/* The batch being dispatched, so ev_io_stop can void entries. */
	struct epoll_event events[EV_BATCH];
	int nevents;
	int cur_event;

	struct ev_timer **heap;
	unsigned heap_len;
	unsigned heap_cap;
	uint64_t timer_seq;

	pthread_mutex_t call_lock; /* protects call_head, call_tail */
	struct ev_call *call_head;
	struct ev_call *call_tail;
	/*
	 * The loop is in (or about to enter) epoll_wait with an empty call
	 * queue and nobody has woken it yet.  A call posted while it is false
	 * needs no wake-up write: the loop looks at the queue before it sleeps.
	 * Set under call_lock; the loop clears it after epoll_wait without the
	 * lock (a poster that still sees true only writes one wake-up too many).
	 */
	_Atomic bool sleeping;
};

/* A sentinel stored in epoll data for the wake-up eventfd. */
static char wake_tag;

int ev_loop_create(struct ev_loop **out)
{
	struct ev_loop *loop = calloc(1, sizeof(*loop));
	int rc;

	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		rc = -errno;
		goto out_free;
	}
	loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wakefd < 0) {
		rc = -errno;
		goto out_close_ep;
	}
	struct epoll_event ee = {.events = EPOLLIN, .data.ptr = &wake_tag};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ee) != 0) {
		rc = -errno;
		goto out_close_wake;
	}
	pthread_mutex_init(&loop->call_lock, NULL);
	loop->owner = pthread_self();
	loop->now_ns = clk_mono_ns();
	*out = loop;
	return 0;

out_close_wake:
	close(loop->wakefd);
out_close_ep:
	close(loop->epfd);
out_free:
	free(loop);
	return rc;
}

static void run_calls(struct ev_loop *loop)
{
	pthread_mutex_lock(&loop->call_lock);
	struct ev_call *c = loop->call_head;
	loop->call_head = loop->call_tail = NULL;
	pthread_mutex_unlock(&loop->call_lock);

	while (c) {
		struct ev_call *next = c->next;
		c->fn(c->arg);
		free(c);
		c = next;
	}
}

bool ev_loop_run_calls(struct ev_loop *loop)
{
	bool ran = false;
	/* Calls may post more calls; run until the queue stays empty. */
	for (;;) {
		pthread_mutex_lock(&loop->call_lock);
		bool empty = loop->call_head == NULL;
		pthread_mutex_unlock(&loop->call_lock);
		if (empty)
			return ran;
		run_calls(loop);
		ran = true;
	}
}

void ev_loop_destroy(struct ev_loop *loop)
{
	if (!loop)
		return;
	loop->owner = pthread_self();
	ev_loop_run_calls(loop);
	close(loop->wakefd);
	close(loop->epfd);
	pthread_mutex_destroy(&loop->call_lock);
	free(loop->heap);
	free(loop);
}

bool ev_loop_in_thread(const struct ev_loop *loop)
{
	return pthread_equal(loop->owner, pthread_self());
}

uint64_t ev_loop_now(const struct ev_loop *loop)
{
	return loop->now_ns;
}

static void wake(struct ev_loop *loop)
{
	uint64_t one = 1;
	/* EAGAIN means the counter is already non-zero: the loop will wake. */
	ssize_t n = write(loop->wakefd, &one, sizeof(one));
	(void)n;
}

void ev_loop_stop(struct ev_loop *loop)
{
	atomic_store(&loop->stop, true);
	wake(loop);
}

int ev_loop_call(struct ev_loop *loop, ev_call_fn fn, void *arg)
{
	struct ev_call *c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->next = NULL;
	c->fn = fn;
	c->arg = arg;

	pthread_mutex_lock(&loop->call_lock);
	bool was_empty = loop->call_head == NULL;
	if (loop->call_tail)
		loop->call_tail->next = c;
	else
		loop->call_head = c;
	loop->call_tail = c;
	bool need_wake = was_empty && loop->sleeping;
	loop->sleeping = false;
	pthread_mutex_unlock(&loop->call_lock);

	if (need_wake)
		wake(loop);
	return 0;
}

/* ---- timers: binary min-heap on (deadline, seq) ------------------------ */

static bool timer_before(const struct ev_timer *a, const struct ev_timer *b)
{
	if (a->deadline_ns != b->deadline_ns)
		return a->deadline_ns < b->deadline_ns;
	return a->seq < b->seq;
}

static void heap_set(struct ev_loop *loop, unsigned i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void heap_sift_up(struct ev_loop *loop, unsigned i)
{
	struct ev_timer *t = loop->heap[i];
	while (i > 0) {
		unsigned parent = (i - 1) / 2;
		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void heap_sift_down(struct ev_loop *loop, unsigned i)
{
	struct ev_timer *t = loop->heap[i];
	for (;;) {
		unsigned child = 2 * i + 1;
		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len && timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop->heap[child], t))
			break;
		heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	heap_set(loop, i, t);
}

static void heap_remove(struct ev_loop *loop, struct ev_timer *t)
{
	unsigned i = t->heap_idx;
	assert(i < loop->heap_len && loop->heap[i] == t);
	loop->heap_len--;
	if (i != loop->heap_len) {
		heap_set(loop, i, loop->heap[loop->heap_len]);
		heap_sift_down(loop, i);
		heap_sift_up(loop, loop->heap[i]->heap_idx);
	}
	t->active = false;
}

int ev_timer_start(struct ev_loop *loop, struct ev_timer *t, uint64_t delay_ns, ev_timer_cb cb)
{
	assert(ev_loop_in_thread(loop));
	if (t->active)
		heap_remove(loop, t);
	if (loop->heap_len == loop->heap_cap) {
		unsigned cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
		struct ev_timer **h = realloc(loop->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	uint64_t now = clk_mono_ns();
	t->deadline_ns = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;
	t->seq = ++loop->timer_seq;
	t->cb = cb;
	t->active = true;
	heap_set(loop, loop->heap_len++, t);
	heap_sift_up(loop, t->heap_idx);
	return 0;
}

void ev_timer_stop(struct ev_loop *loop, struct ev_timer *t)
{
	assert(ev_loop_in_thread(loop));
	if (t->active)
		heap_remove(loop, t);
}

static void run_timers(struct ev_loop *loop)
{
	uint64_t now = loop->now_ns;
	/* Timers started by callbacks with zero delay wait for the next round. */
	uint64_t seq_limit = loop->timer_seq;

	while (loop->heap_len > 0) {
		struct ev_timer *t = loop->heap[0];
		if (t->deadline_ns > now || t->seq > seq_limit)
			break;
		heap_remove(loop, t);
		t->cb(loop, t);
	}
}

static int next_timeout_ms(struct ev_loop *loop)
{
	if (loop->heap_len == 0)
		return -1;
	uint64_t deadline = loop->heap[0]->deadline_ns;
	uint64_t now = clk_mono_ns();
	if (deadline <= now)
		return 0;
	uint64_t ms = (deadline - now + CLK_NS_PER_MS - 1) / CLK_NS_PER_MS;
	return ms > 60000 ? 60000 : (int)ms;
}

/* ---- file watchers ---------------------------------------------------- */

static uint32_t to_epoll(uint32_t events)
{
	uint32_t e = 0;
	if (events & EV_READ)
		e |= EPOLLIN | EPOLLRDHUP;
	if (events & EV_WRITE)
		e |= EPOLLOUT;
	return e;
}

int ev_io_start(struct ev_loop *loop, struct ev_io *io, int fd, uint32_t events, ev_io_cb cb)
{
	assert(ev_loop_in_thread(loop));
	struct epoll_event ee = {.events = to_epoll(events), .data.ptr = io};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ee) != 0)
		return -errno;
	io->fd = fd;
	io->events = events;
	io->cb = cb;
	io->active = true;
	return 0;
}

int ev_io_set(struct ev_loop *loop, struct ev_io *io, uint32_t events)
{
	assert(ev_loop_in_thread(loop));
	assert(io->active);
	if (events == io->events)
		return 0;
	struct epoll_event ee = {.events = to_epoll(events), .data.ptr = io};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ee) != 0)
		return -errno;
	io->events = events;
	return 0;
}

void ev_io_stop(struct ev_loop *loop, struct ev_io *io)
{
	assert(ev_loop_in_thread(loop));
	if (!io->active)
		return;
	/* The fd may already be closed, which removed it from epoll. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->active = false;
	for (int i = loop->cur_event; i < loop->nevents; i++)
		if (loop->events[i].data.ptr == io)
			loop->events[i].data.ptr = NULL;
}

static void dispatch_io(struct ev_loop *loop)
{
	for (loop->cur_event = 0; loop->cur_event < loop->nevents; loop->cur_event++) {
		struct epoll_event *ee = &loop->events[loop->cur_event];
		if (ee->data.ptr == &wake_tag) {
			uint64_t v;
			ssize_t n = read(loop->wakefd, &v, sizeof(v));
			(void)n;
			continue;
		}
		struct ev_io *io = ee->data.ptr;
		if (!io || !io->active)
			continue;
		uint32_t ev = 0;
		if (ee->events & (EPOLLIN | EPOLLRDHUP))
			ev |= EV_READ;
		if (ee->events & EPOLLOUT)
			ev |= EV_WRITE;
		if (ee->events & (EPOLLERR | EPOLLHUP))
			ev |= EV_ERROR;
		io->cb(loop, io, ev);
	}
	loop->nevents = 0;
	loop->cur_event = 0;
}

int ev_loop_run_once(struct ev_loop *loop, int timeout_ms)
{
	int t = next_timeout_ms(loop);
	if (timeout_ms >= 0 && (t < 0 || timeout_ms < t))
		t = timeout_ms;
	pthread_mutex_lock(&loop->call_lock);
	if (loop->call_head)
		t = 0;
	loop->sleeping = t != 0;
	pthread_mutex_unlock(&loop->call_lock);

	int n = epoll_wait(loop->epfd, loop->events, EV_BATCH, t);
	if (t != 0)
		atomic_store(&loop->sleeping, false);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		int rc = -errno;
		log_err(LOG_EV, "epoll_wait failed: %s", strerror(errno));
		return rc;
	}
	loop->now_ns = clk_mono_ns();
	loop->nevents = n;
	dispatch_io(loop);
	loop->now_ns = clk_mono_ns();
	run_timers(loop);
	run_calls(loop);
	return 0;
}

int ev_loop_run(struct ev_loop *loop)
{
	loop->owner = pthread_self();
	while (!atomic_load(&loop->stop)) {
		int rc = ev_loop_run_once(loop, -1);
		if (rc)
			return rc;
	}
	atomic_store(&loop->stop, false);
	return 0;
}
