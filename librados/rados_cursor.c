/*
 * rados_cursor.c - listing by cursor (rados_object_list*, the cursors of
 * rados_nobjects_list_*), and the removed rados_objects_list_* names.
 *
 * A cursor is a position in a pool's listing order: a PG seed, and within
 * that PG the OSD's continuation cursor (hash, name, namespace of the
 * first object not yet listed; empty = the PG's start), or "the end".
 * Positions compare in the listing order: PG, then (hash, name,
 * namespace) - the order the OSDs walk a PG in.  Cursors stay valid while
 * pg_num does not change (PG splits are not followed yet).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>

#include "common/osdop.h"
#include "rados_int.h"

#define CURSOR_END UINT32_MAX

struct cursor {
	uint32_t pg; /* CURSOR_END: past the last PG */
	struct buf pos;
};

static struct cursor *cursor_new(uint32_t pg, const void *pos, size_t len)
{
	struct cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pg = pg;
	if (len && buf_append(&c->pos, pos, len) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

static struct cursor *cursor_copy(const struct cursor *c)
{
	return cursor_new(c->pg, c->pos.data, c->pos.len);
}

static void cursor_free(struct cursor *c)
{
	if (c) {
		buf_fini(&c->pos);
		free(c);
	}
}

static uint32_t pool_pg_num(struct rados__ioctx *io)
{
	pthread_mutex_lock(&io->c->lock);
	const struct osdmap_pool *p = io->c->osdmap ? osdmap_pool(io->c->osdmap, io->pool) : NULL;
	uint32_t n = p ? p->pg_num : 0;
	pthread_mutex_unlock(&io->c->lock);
	return n;
}

static int part_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

/* Order two positions inside one PG (empty = its start). */
static int pos_cmp(const struct buf *a, const struct buf *b)
{
	struct osdop_cursor x, y;
	if (!a->len || !b->len)
		return (a->len > 0) - (b->len > 0);
	if (osdop_cursor_decode(a->data, a->len, &x) != 0 ||
	    osdop_cursor_decode(b->data, b->len, &y) != 0)
		return part_cmp((const char *)a->data, a->len, (const char *)b->data, b->len);
	if (x.hash != y.hash)
		return x.hash < y.hash ? -1 : 1;
	int c = part_cmp(x.name, x.namelen, y.name, y.namelen);
	return c ? c : part_cmp(x.nspace, x.nslen, y.nspace, y.nslen);
}

static int cmp(const struct cursor *a, const struct cursor *b, uint32_t pg_num)
{
	uint32_t pa = a->pg >= pg_num ? CURSOR_END : a->pg;
	uint32_t pb = b->pg >= pg_num ? CURSOR_END : b->pg;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return pa == CURSOR_END ? 0 : pos_cmp(&a->pos, &b->pos);
}

/* Where listing @x goes on: its next entry, else where the next batch starts. */
static struct cursor *position(struct rados__list_ctx *x)
{
	if (x->end || x->pg >= x->pg_num)
		return cursor_new(CURSOR_END, NULL, 0);
	if (x->pos < x->n) {
		const struct rados__list_entry *e = &x->ents[x->pos];
		uint32_t hash;
		struct buf b = BUF_INIT;
		if (osdmap_object_hash(e->nspace, e->name, e->loclen ? e->locator : NULL, &hash) ||
		    osdop_cursor_encode(hash, e->nspace, e->name, &b)) {
			buf_fini(&b);
			return NULL;
		}
		struct cursor *c = cursor_new(x->pg, b.data, b.len);
		buf_fini(&b);
		return c;
	}
	if (x->n && x->pg_done)
		return cursor_new(x->pg + 1 >= x->pg_num ? CURSOR_END : x->pg + 1, NULL, 0);
	return cursor_new(x->pg, x->cursor.data, x->cursor.len);
}

/* ---- cursors ------------------------------------------------------------------------ */

rados_object_list_cursor rados_object_list_begin(rados_ioctx_t io)
{
	return io ? cursor_new(0, NULL, 0) : NULL;
}

rados_object_list_cursor rados_object_list_end(rados_ioctx_t io)
{
	return io ? cursor_new(CURSOR_END, NULL, 0) : NULL;
}

int rados_object_list_is_end(rados_ioctx_t io, rados_object_list_cursor cur)
{
	const struct cursor *c = cur;
	if (!io || !c)
		return -EINVAL;
	return c->pg == CURSOR_END || c->pg >= pool_pg_num(io);
}

void rados_object_list_cursor_free(rados_ioctx_t io, rados_object_list_cursor cur)
{
	(void)io;
	cursor_free(cur);
}

int rados_object_list_cursor_cmp(rados_ioctx_t io, rados_object_list_cursor lhs,
				 rados_object_list_cursor rhs)
{
	if (!io || !lhs || !rhs)
		return -EINVAL;
	return cmp(lhs, rhs, pool_pg_num(io));
}

int rados_nobjects_list_get_cursor(rados_list_ctx_t ctx, rados_object_list_cursor *cursor)
{
	if (!ctx || !cursor)
		return -EINVAL;
	*cursor = position(ctx);
	return *cursor ? 0 : -ENOMEM;
}

uint32_t rados_nobjects_list_seek_cursor(rados_list_ctx_t ctx, rados_object_list_cursor cursor)
{
	struct rados__list_ctx *x = ctx;
	const struct cursor *c = cursor;
	if (!x || !c)
		return 0;
	rados__list_batch_clear(x);
	buf_reset(&x->cursor);
	x->pg = c->pg == CURSOR_END ? x->pg_num : c->pg;
	x->pg_done = false;
	x->end = x->pg >= x->pg_num;
	if (!x->end && c->pos.len && buf_append(&x->cursor, c->pos.data, c->pos.len) != 0)
		x->end = true; /* ENOMEM: nothing more can be listed */
	return x->pg;
}

/* ---- listing a range -------------------------------------------------------------------- */

static int item_copy(rados_object_list_item *it, const char *name, const char *key,
		     const char *ns, size_t namelen, size_t keylen, size_t nslen)
{
	*it = (rados_object_list_item){0};
	it->oid = strndup(name, namelen);
	it->nspace = strndup(ns ? ns : "", nslen);
	it->locator = strndup(key ? key : "", keylen);
	it->oid_length = namelen;
	it->nspace_length = nslen;
	it->locator_length = keylen;
	return it->oid && it->nspace && it->locator ? 0 : -ENOMEM;
}

int rados_object_list(rados_ioctx_t io, const rados_object_list_cursor start,
		      const rados_object_list_cursor finish, const size_t result_size,
		      const char *filter_buf, const size_t filter_buf_len,
		      rados_object_list_item *results, rados_object_list_cursor *next)
{
	(void)filter_buf;
	if (!io || !start || !finish || !next || (result_size && !results))
		return -EINVAL;
	if (filter_buf_len)
		return -EOPNOTSUPP; /* filters are object classes, which Cairn lacks */
	rados_list_ctx_t ctx;
	int rc = rados_nobjects_list_open(io, &ctx);
	if (rc)
		return rc;
	struct rados__list_ctx *x = ctx;
	x->batch = result_size < RADOS_LIST_BATCH ? (uint32_t)result_size : RADOS_LIST_BATCH;
	rados_nobjects_list_seek_cursor(ctx, start);
	size_t got = 0;
	struct cursor *here = NULL;
	while (!rc) {
		/* Fetch first, so that the position names the entry itself. */
		if (x->pos >= x->n && !x->end) {
			const char *e;
			rc = rados_nobjects_list_next2(ctx, &e, NULL, NULL, NULL, NULL, NULL);
			if (rc == -ENOENT) {
				rc = 0;
				x->end = true;
			}
			if (rc)
				break;
			if (!x->end)
				x->pos--; /* not taken yet */
		}
		cursor_free(here);
		here = position(x);
		if (!here) {
			rc = -ENOMEM;
			break;
		}
		if (x->end || got == result_size || cmp(here, finish, x->pg_num) >= 0)
			break;
		const struct rados__list_entry *en = &x->ents[x->pos++];
		rc = item_copy(&results[got], en->name, en->locator, en->nspace, en->namelen,
			       en->loclen, en->nslen);
		got++;
	}
	if (here && cmp(here, finish, x->pg_num) > 0) {
		cursor_free(here);
		here = cursor_copy(finish);
	}
	rados_nobjects_list_close(ctx);
	if (rc || !here) {
		rados_object_list_free(got, results);
		cursor_free(here);
		return rc ? rc : -ENOMEM;
	}
	*next = here;
	return (int)got;
}

void rados_object_list_free(const size_t result_size, rados_object_list_item *results)
{
	for (size_t i = 0; results && i < result_size; i++) {
		free(results[i].oid);
		free(results[i].nspace);
		free(results[i].locator);
		results[i] = (rados_object_list_item){0};
	}
}

void rados_object_list_slice(rados_ioctx_t io, const rados_object_list_cursor start,
			     const rados_object_list_cursor finish, const size_t n, const size_t m,
			     rados_object_list_cursor *split_start,
			     rados_object_list_cursor *split_finish)
{
	const struct cursor *s = start, *f = finish;
	if (!io || !s || !f || !split_start || !split_finish)
		return;
	uint32_t pg_num = pool_pg_num(io);
	/* Split at PG boundaries: PGs [spg, fpg) plus finish's own PG if it starts inside it. */
	uint64_t spg = s->pg >= pg_num ? pg_num : s->pg, fpg = f->pg >= pg_num ? pg_num : f->pg;
	uint64_t len = fpg > spg ? fpg - spg : 0;
	struct cursor *a, *b;
	if (m == 0 || n >= m) {
		a = cursor_copy(f);
		b = cursor_copy(f);
	} else {
		uint64_t lo = spg + len * n / m, hi = spg + len * (n + 1) / m;
		a = n == 0 ? cursor_copy(s) : cursor_new((uint32_t)lo, NULL, 0);
		b = n + 1 == m ? cursor_copy(f) : cursor_new((uint32_t)hi, NULL, 0);
		if (a && cmp(a, s, pg_num) < 0) {
			cursor_free(a);
			a = cursor_copy(s);
		}
		if (b && cmp(b, f, pg_num) > 0) {
			cursor_free(b);
			b = cursor_copy(f);
		}
	}
	*split_start = a;
	*split_finish = b;
}

/* ---- the removed pre-namespace listing API ---------------------------------------------- */

/* Ceph removed these (they return -ENOTSUP there): use rados_nobjects_list_*. */
int rados_objects_list_open(rados_ioctx_t io, rados_list_ctx_t *ctx)
{
	(void)io, (void)ctx;
	return -EOPNOTSUPP;
}

int rados_objects_list_next(rados_list_ctx_t ctx, const char **entry, const char **key)
{
	(void)ctx, (void)entry, (void)key;
	return -EOPNOTSUPP;
}

void rados_objects_list_close(rados_list_ctx_t ctx)
{
	(void)ctx;
}

uint32_t rados_objects_list_seek(rados_list_ctx_t ctx, uint32_t pos)
{
	(void)ctx, (void)pos;
	return 0;
}

uint32_t rados_objects_list_get_pg_hash_position(rados_list_ctx_t ctx)
{
	(void)ctx;
	return 0;
}
