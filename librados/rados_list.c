/*
 * rados_list.c - listing a pool's objects (rados_nobjects_list_*).
 *
 * A listing walks the PGs of the pool in seed order, 0 .. pg_num-1 (pg_num
 * as it was when the listing opened), and within each PG asks its primary
 * for batches with OSDOP_PGLS: a batch is a kv list (object name ->
 * "nspace\0locator") followed by a cursor to continue from, empty when the
 * PG has nothing more.  The OSD filters by namespace unless the io context
 * lists LIBRADOS_ALL_NSPACES.  Every object belongs to exactly one PG and
 * each PG is walked once in its own (hash, name) order, so an object that
 * exists throughout the listing is returned exactly once - unless pg_num
 * changes meanwhile (PG splits are not followed yet).
 *
 * Positions are PG seeds, as Ceph's: rados_nobjects_list_get_pg_hash_position
 * returns the current PG, and rados_nobjects_list_seek(pos) moves to the PG
 * that placement hash @pos maps to.
 *
 * Threads: an iterator is used by one thread at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>

#include "common/enc.h"
#include "common/osdop.h"
#include "rados_int.h"


void rados__list_batch_clear(struct rados__list_ctx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->ents[i].name);
		free(x->ents[i].nspace);
		free(x->ents[i].locator);
	}
	free(x->ents);
	x->ents = NULL;
	x->n = x->pos = 0;
}

int rados_nobjects_list_open(rados_ioctx_t ioctx, rados_list_ctx_t *ctx)
{
	struct rados__ioctx *io = ioctx;
	if (!io || !ctx)
		return -EINVAL;
	struct rados__client *c = io->c;
	if (!c->connected)
		return -ENOTCONN;
	struct rados__list_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->nspace = strdup(io->nspace);
	if (!x->nspace) {
		free(x);
		return -ENOMEM;
	}
	x->all_ns = rados__ioctx_all_nspaces(io);
	x->io = rados__ioctx_get(io);
	buf_init(&x->cursor);
	pthread_mutex_lock(&c->lock);
	const struct osdmap_pool *p = c->osdmap ? osdmap_pool(c->osdmap, io->pool) : NULL;
	x->pg_num = p ? p->pg_num : 0; /* a vanished pool lists nothing */
	pthread_mutex_unlock(&c->lock);
	*ctx = x;
	return 0;
}

void rados_nobjects_list_close(rados_list_ctx_t ctx)
{
	struct rados__list_ctx *x = ctx;
	if (!x)
		return;
	rados__list_batch_clear(x);
	buf_fini(&x->cursor);
	free(x->nspace);
	rados__ioctx_put(x->io);
	free(x);
}

uint32_t rados_nobjects_list_get_pg_hash_position(rados_list_ctx_t ctx)
{
	struct rados__list_ctx *x = ctx;
	return x ? x->pg : 0;
}

uint32_t rados_nobjects_list_seek(rados_list_ctx_t ctx, uint32_t pos)
{
	struct rados__list_ctx *x = ctx;
	if (!x)
		return 0;
	struct rados__client *c = x->io->c;
	struct osdmap_pg pg = {x->io->pool, 0};
	pthread_mutex_lock(&c->lock);
	if (!c->osdmap || osdmap_hash_to_pg(c->osdmap, x->io->pool, pos, &pg) != 0)
		pg.seed = x->pg_num; /* no pool: at the end */
	pthread_mutex_unlock(&c->lock);
	rados__list_batch_clear(x);
	buf_reset(&x->cursor);
	x->pg = pg.seed;
	x->pg_done = false;
	x->end = x->pg >= x->pg_num;
	return x->pg;
}

/* ---- one batch -------------------------------------------------------------------------- */

/* The length of the kv list at the start of a PGLS output.  0 or -EBADMSG. */
static int kv_list_len(const uint8_t *d, size_t n, size_t *out)
{
	struct enc_rd r;
	uint32_t count, len;
	uint8_t more;
	const uint8_t *p;
	enc_rd_init(&r, d, n);
	if (enc_rd_le32(&r, &count))
		return -EBADMSG;
	for (uint64_t i = 0; i < 2ULL * count; i++)
		if (enc_rd_le32(&r, &len) || enc_rd_ref(&r, len, &p))
			return -EBADMSG;
	if (enc_rd_u8(&r, &more))
		return -EBADMSG;
	*out = n - enc_rd_left(&r);
	return 0;
}

/* Split "nspace\0locator" into copies. */
static int split_val(const struct osdop_kv *kv, struct rados__list_entry *e)
{
	const uint8_t *nul = memchr(kv->val, 0, kv->vlen);
	size_t nslen = nul ? (size_t)(nul - kv->val) : kv->vlen;
	size_t loclen = nul ? kv->vlen - nslen - 1 : 0;
	e->name = malloc(kv->klen + 1);
	e->nspace = malloc(nslen + 1);
	e->locator = malloc(loclen + 1);
	if (!e->name || !e->nspace || !e->locator)
		return -ENOMEM;
	memcpy(e->name, kv->key, kv->klen);
	e->name[kv->klen] = '\0';
	memcpy(e->nspace, kv->val, nslen);
	e->nspace[nslen] = '\0';
	if (loclen)
		memcpy(e->locator, nul + 1, loclen);
	e->locator[loclen] = '\0';
	e->namelen = kv->klen;
	e->nslen = nslen;
	e->loclen = loclen;
	return 0;
}

/* Decode a PGLS output into the batch and the cursor.  0, -EBADMSG, -ENOMEM. */
static int parse_pgls(struct rados__list_ctx *x, const uint8_t *d, size_t n)
{
	size_t kvlen;
	struct osdop_kv_iter it;
	int rc = kv_list_len(d, n, &kvlen);
	if (!rc)
		rc = osdop_kv_iter_init(&it, d, kvlen);
	struct enc_rd r;
	uint32_t clen = 0;
	const uint8_t *cur = NULL;
	enc_rd_init(&r, d + kvlen, n - kvlen);
	if (!rc && (enc_rd_le32(&r, &clen) || enc_rd_ref(&r, clen, &cur) || enc_rd_left(&r)))
		rc = -EBADMSG;
	if (rc)
		return rc;
	x->ents = calloc(it.count ? it.count : 1, sizeof(*x->ents));
	if (!x->ents)
		return -ENOMEM;
	struct osdop_kv kv;
	while (!rc && osdop_kv_next(&it, &kv) == 1)
		rc = split_val(&kv, &x->ents[x->n++]);
	buf_reset(&x->cursor);
	if (!rc && clen)
		rc = buf_append(&x->cursor, cur, clen);
	x->pg_done = clen == 0;
	return rc;
}

/* Ask the current PG's primary for the next batch. */
int rados__list_fetch(struct rados__list_ctx *x)
{
	struct rados__oplist l = {0};
	struct msg_osd_subop *s = rados__oplist_add(&l, OSDOP_PGLS, NULL);
	if (s) {
		s->arg = x->batch ? x->batch : RADOS_LIST_BATCH;
		if (msg_osd_subop_add_key(s, x->cursor.data, x->cursor.len) != 0)
			l.err = -ENOMEM;
		if (!x->all_ns) {
			s->flags |= OSDOP_PGLS_F_NSPACE;
			if (msg_osd_subop_set_name(s, x->nspace) != 0)
				l.err = -ENOMEM;
		}
	}
	if (l.err) {
		int rc = l.err;
		rados__oplist_fini(&l);
		return rc;
	}
	struct rados__op *op = rados__op_create_pg(x->io, x->pg, &l);
	if (!op)
		return -ENOMEM;
	int64_t r = rados__op_run(x->io->c, op);
	const struct msg_osd_op_reply *b = op->reply ? msg_body(op->reply) : NULL;
	if (r == -ENOENT && b) {
		/* The primary has no such collection yet: an empty PG.  (Without a
		 * reply, -ENOENT means the pool is gone.) */
		r = 0;
		b = NULL;
		x->pg_done = true;
	} else if (r >= 0 && (!b || b->n_ops != 1)) {
		r = -EBADMSG;
	}
	if (r >= 0 && b) {
		struct buflist *data = msg_data(op->reply);
		uint8_t *d = NULL;
		size_t n = b->ops[0].outdata_len;
		if (n > buflist_length(data) || (n && buflist_contiguous(data, &d) != 0))
			r = -EBADMSG;
		else
			r = parse_pgls(x, d, n);
	}
	rados__op_free(op);
	if (r < 0)
		rados__list_batch_clear(x);
	return (int)r;
}

int rados_nobjects_list_next2(rados_list_ctx_t ctx, const char **entry, const char **key,
			      const char **nspace, size_t *entry_size, size_t *key_size,
			      size_t *nspace_size)
{
	struct rados__list_ctx *x = ctx;
	if (!x)
		return -EINVAL;
	while (x->pos >= x->n) {
		if (x->end)
			return -ENOENT;
		if (x->n && x->pg_done) {
			/* The batch we just finished was the PG's last: the next PG. */
			x->pg++;
			x->pg_done = false;
			buf_reset(&x->cursor);
		}
		rados__list_batch_clear(x);
		if (x->pg >= x->pg_num) {
			x->end = true;
			return -ENOENT;
		}
		int rc = rados__list_fetch(x);
		if (rc == -ENOENT)
			x->end = true; /* the pool went away under the listing */
		if (rc < 0)
			return rc;
		if (x->n == 0 && x->pg_done) {
			/* An empty PG. */
			x->pg++;
			x->pg_done = false;
			buf_reset(&x->cursor);
		}
	}
	const struct rados__list_entry *e = &x->ents[x->pos++];
	if (entry)
		*entry = e->name;
	if (key)
		*key = e->loclen ? e->locator : NULL;
	if (nspace)
		*nspace = e->nspace;
	if (entry_size)
		*entry_size = e->namelen;
	if (key_size)
		*key_size = e->loclen;
	if (nspace_size)
		*nspace_size = e->nslen;
	return 0;
}

int rados_nobjects_list_next(rados_list_ctx_t ctx, const char **entry, const char **key,
			     const char **nspace)
{
	return rados_nobjects_list_next2(ctx, entry, key, nspace, NULL, NULL, NULL);
}
