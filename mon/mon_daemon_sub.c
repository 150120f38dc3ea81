/*
 * mon_daemon_sub.c - cairn-mon: map subscriptions.
 *
 * A subscriber names a map and the first epoch it lacks.  It receives
 * the incrementals from there (from an in-memory cache of the last
 * MON_INC_CACHE epochs) or, when its start is older than the cache, the
 * current full map; then every new epoch as it commits.  Peons serve
 * subscribers only while they hold a valid lease, so nobody is sent a map
 * that is not committed.  Service loop only.
 */
#include "mon_daemon_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* At most this many incrementals per message; the rest follow. */
#define MON_SUB_BATCH 64

void mon_cache_inc(struct mon_daemon *d, uint32_t epoch, const uint8_t *data, size_t len)
{
	struct mon_inc_cache *c = &d->incs;
	if (c->n && epoch != c->first + c->n) {
		/* Not contiguous (a restart or a gap): start over. */
		for (uint32_t i = 0; i < MON_INC_CACHE; i++)
			buf_reset(&c->slots[i]);
		c->n = 0;
	}
	if (c->n == 0) {
		c->first = epoch;
		c->head = 0;
	}
	uint32_t slot;
	if (c->n == MON_INC_CACHE) {
		slot = c->head;
		c->head = (c->head + 1) % MON_INC_CACHE;
		c->first++;
	} else {
		slot = (c->head + c->n) % MON_INC_CACHE;
		c->n++;
	}
	buf_reset(&c->slots[slot]);
	if (buf_append(&c->slots[slot], data, len) != 0) {
		/* Out of memory: forget the cache; subscribers get full maps. */
		c->n = 0;
	}
}

static const struct buf *cached(struct mon_daemon *d, uint32_t epoch)
{
	struct mon_inc_cache *c = &d->incs;
	if (c->n == 0 || epoch < c->first || epoch >= c->first + c->n)
		return NULL;
	return &c->slots[(c->head + (epoch - c->first)) % MON_INC_CACHE];
}

void mon_cache_fini(struct mon_daemon *d)
{
	for (uint32_t i = 0; i < MON_INC_CACHE; i++)
		buf_fini(&d->incs.slots[i]);
}

/* Build and send the next osdmap message for @s.  0 when sent or nothing to send. */
static int send_osdmap(struct mon_daemon *d, struct mon_sub *s)
{
	const struct osdmap *m = mon_osdmon_map(d->osdmon);
	uint32_t newest = osdmap_epoch(m);
	if (newest == 0 || s->next_epoch > newest)
		return 0;
	bool full = s->next_epoch == 0 || !cached(d, s->next_epoch);
	uint32_t n = full ? 1 : MIN(newest - s->next_epoch + 1, MON_SUB_BATCH);
	struct msg *msg = msg_create(MSG_OSD_MAP);
	if (!msg)
		return -ENOMEM;
	struct msg_osd_map *b = msg_body(msg);
	b->newest = newest;
	b->epochs = calloc(n, sizeof(*b->epochs));
	b->lens = calloc(n, sizeof(*b->lens));
	b->full = calloc(n, sizeof(*b->full));
	int rc = b->epochs && b->lens && b->full ? 0 : -ENOMEM;
	if (!rc && full) {
		struct buf fb = BUF_INIT;
		rc = osdmap_encode(m, &fb);
		if (!rc)
			rc = buflist_append_copy(msg_data(msg), fb.data, fb.len);
		b->epochs[0] = newest;
		b->lens[0] = (uint32_t)fb.len;
		b->full[0] = 1;
		b->n = 1;
		buf_fini(&fb);
	}
	for (uint32_t i = 0; !rc && !full && i < n; i++) {
		const struct buf *inc = cached(d, s->next_epoch + i);
		b->epochs[i] = s->next_epoch + i;
		b->lens[i] = (uint32_t)inc->len;
		rc = buflist_append_copy(msg_data(msg), inc->data, inc->len);
		b->n = i + 1;
	}
	if (!rc)
		rc = msg_send(s->conn, msg);
	if (rc) {
		msg_put(msg);
		return rc;
	}
	s->next_epoch = (full ? newest : s->next_epoch + n - 1) + 1;
	perf_inc(d->perf, MON_PERF_MAPS_SENT, 1);
	return 0;
}

static int send_monmap(struct mon_daemon *d, struct mon_sub *s)
{
	if (s->next_epoch > d->monmap.epoch)
		return 0;
	struct msg *msg = msg_create(MSG_MON_MAP);
	if (!msg)
		return -ENOMEM;
	struct msg_mon_map *b = msg_body(msg);
	b->epoch = d->monmap.epoch;
	struct buf mb = BUF_INIT;
	int rc = monmap_encode(&d->monmap, &mb);
	if (!rc)
		rc = buflist_append_copy(msg_data(msg), mb.data, mb.len);
	buf_fini(&mb);
	if (!rc)
		rc = msg_send(s->conn, msg);
	if (rc) {
		msg_put(msg);
		return rc;
	}
	s->next_epoch = d->monmap.epoch + 1;
	return 0;
}

static void sub_free(struct mon_sub *s)
{
	msg_conn_put(s->conn);
	free(s);
}

void mon_subs_publish(struct mon_daemon *d)
{
	if (!mon_readable(d))
		return;
	struct mon_sub **pp = &d->subs;
	while (*pp) {
		struct mon_sub *s = *pp;
		int rc = 0;
		/* A lagging subscriber gets batches until it is current. */
		for (int round = 0; round < 16 && rc == 0; round++) {
			uint32_t before = s->next_epoch;
			rc = s->what == MSG_SUB_MONMAP ? send_monmap(d, s) : send_osdmap(d, s);
			if (s->next_epoch == before)
				break;
		}
		bool current = s->what == MSG_SUB_MONMAP
				       ? s->next_epoch > d->monmap.epoch
				       : s->next_epoch > osdmap_epoch(mon_osdmon_map(d->osdmon));
		if (rc == -ENOTCONN || (s->onetime && current && rc == 0)) {
			*pp = s->next;
			sub_free(s);
			continue;
		}
		pp = &s->next;
	}
}

void mon_handle_subscribe(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_mon_subscribe *b = msg_body(m);
	if (b->what != MSG_SUB_OSDMAP && b->what != MSG_SUB_MONMAP)
		return;
	struct mon_sub *s = NULL;
	for (struct mon_sub *it = d->subs; it && !s; it = it->next)
		if (it->conn == conn && it->what == b->what)
			s = it;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return;
		s->conn = msg_conn_get(conn);
		s->what = b->what;
		s->next = d->subs;
		d->subs = s;
	}
	s->next_epoch = b->start;
	s->onetime = (b->flags & MSG_SUB_ONETIME) != 0;
	mon_subs_publish(d);
}

void mon_subs_drop_conn(struct mon_daemon *d, struct msg_conn *conn)
{
	struct mon_sub **pp = &d->subs;
	while (*pp) {
		if ((*pp)->conn == conn) {
			struct mon_sub *s = *pp;
			*pp = s->next;
			sub_free(s);
		} else {
			pp = &(*pp)->next;
		}
	}
}

void mon_subs_fini(struct mon_daemon *d)
{
	while (d->subs) {
		struct mon_sub *s = d->subs;
		d->subs = s->next;
		sub_free(s);
	}
}
