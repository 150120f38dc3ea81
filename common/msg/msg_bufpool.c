/*
 * msg_bufpool.c - a process-wide cache of large receive buffers.
 *
 * A data segment is received into a fresh 4096-aligned buffer that the
 * messenger hands to its user (the object store keeps it as it is).  For
 * megabyte-sized segments a fresh allocation means fresh pages from the
 * kernel: page faults and zeroing cost about as much as the copy out of
 * the socket.  Buffers of at least MSG_BUFPOOL_MIN bytes are therefore
 * wrapped in a bufraw whose release returns them here, to be reused by
 * the next segment of the same size class.
 *
 * Process-wide rather than per messenger because a buffer may outlive
 * the messenger that filled it.  Thread safe (one mutex; taken once per
 * large segment, which is cheap next to moving a megabyte).
 */
#include <pthread.h>
#include <stdlib.h>

#include "msg_int.h"

#define POOL_CLASSES   16 /* 256 KiB .. 8 GiB classes; only the first few are used */
#define POOL_PER_CLASS 8
#define POOL_MAX_BYTES (64u << 20)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static void *pool_bufs[POOL_CLASSES][POOL_PER_CLASS]; /* pool_lock */
static unsigned pool_n[POOL_CLASSES];		      /* pool_lock */
static size_t pool_bytes;			      /* pool_lock */

static unsigned size_class(size_t len, size_t *out_cap)
{
	unsigned k = 0;
	size_t cap = MSG_BUFPOOL_MIN;
	while (cap < len) {
		cap <<= 1;
		k++;
	}
	*out_cap = cap;
	return k;
}

static void pool_release(void *data, size_t len, void *arg)
{
	size_t cap;
	unsigned k = size_class(len, &cap);
	pthread_mutex_lock(&pool_lock);
	if (k < POOL_CLASSES && pool_n[k] < POOL_PER_CLASS && pool_bytes + cap <= POOL_MAX_BYTES) {
		pool_bufs[k][pool_n[k]++] = data;
		pool_bytes += cap;
		data = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	free(data);
}

struct bufraw *msg_bufpool_get(size_t len)
{
	if (len < MSG_BUFPOOL_MIN)
		return bufraw_create_aligned(len, 4096);
	size_t cap;
	unsigned k = size_class(len, &cap);
	void *p = NULL;
	pthread_mutex_lock(&pool_lock);
	if (k < POOL_CLASSES && pool_n[k]) {
		p = pool_bufs[k][--pool_n[k]];
		pool_bytes -= cap;
	}
	pthread_mutex_unlock(&pool_lock);
	if (!p && posix_memalign(&p, 4096, cap) != 0)
		return NULL;
	/* The bufraw's length is the segment's; the class is recomputed from it on release. */
	struct bufraw *r = bufraw_wrap(p, len, pool_release, NULL);
	if (!r)
		free(p);
	return r;
}
