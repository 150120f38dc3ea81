/*
 * msg.c - message objects and throttles.
 *
 * A message is one allocation: the struct followed by its type's body.
 * References are atomic, so a message may move between a loop and a
 * worker; everything else in it has one owner at a time (the sender
 * until msg_send, the connection's loop while queued, the handler after
 * dispatch).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "msg_codec.h"
#include "msg_int.h"

struct msg *msg_alloc(uint16_t type)
{
	assert(msg_codec_known(type));
	size_t body = msg_codec_body_size(type);
	struct msg *m = calloc(1, sizeof(*m) + body);
	if (!m)
		return NULL;
	atomic_init(&m->refs, 1);
	m->type = type;
	buflist_init(&m->data);
	return m;
}

struct msg *msg_create(uint16_t type)
{
	assert(type >= MSG_TYPE_USER_MIN);
	return msg_alloc(type);
}

struct msg *msg_get(struct msg *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

static void release_rx(struct msg *m)
{
	struct msg_conn *c = m->src;
	struct msg_messenger *ms = c->ms;
	msg_throttle_put(&ms->rx_bytes, m->rx_bytes);
	msg_throttle_put(&ms->rx_msgs, 1);
	msg_throttle_put(&c->rx, m->rx_bytes);
	m->rx_bytes = 0;
	if (atomic_load(&ms->n_rx_waiters))
		msg_ms_wake_rx_waiters(ms);
}

void msg_put(struct msg *m)
{
	if (!m)
		return;
	if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	assert(!m->queued);
	if (m->rx_bytes)
		release_rx(m);
	if (m->src)
		msg_conn_put(m->src);
	msg_codec_fini(m->type, m->body);
	buflist_fini(&m->data);
	free(m->meta);
	free(m);
}

uint16_t msg_type(const struct msg *m)
{
	return m->type;
}

void *msg_body(struct msg *m)
{
	return m->body;
}

struct buflist *msg_data(struct msg *m)
{
	return &m->data;
}

struct msg_conn *msg_source(const struct msg *m)
{
	return m->src;
}

uint64_t msg_seq(const struct msg *m)
{
	return m->seq;
}

int msg_prepare(struct msg *m)
{
	free(m->meta);
	m->meta = NULL;
	int rc = msg_codec_encode(m->type, m->body, &m->meta, &m->meta_len);
	if (rc)
		return rc;
	m->meta_crc = crc32c(0, m->meta, m->meta_len);
	m->data_crc = buflist_crc32c(&m->data, 0);
	return 0;
}

bool msg_throttle_take(struct msg_throttle *t, uint64_t n)
{
	uint64_t cur = atomic_load_explicit(&t->cur, memory_order_relaxed);
	for (;;) {
		if (t->max && cur != 0 && cur + n > t->max)
			return false;
		if (atomic_compare_exchange_weak(&t->cur, &cur, cur + n))
			break;
	}
	uint64_t peak = atomic_load_explicit(&t->peak, memory_order_relaxed);
	while (cur + n > peak && !atomic_compare_exchange_weak(&t->peak, &peak, cur + n))
		;
	return true;
}

void msg_throttle_put(struct msg_throttle *t, uint64_t n)
{
	uint64_t old = atomic_fetch_sub(&t->cur, n);
	assert(old >= n);
	(void)old;
}
