/*
 * os_apply.c - applying one transaction's operations to the commit
 * group's write batch.  Commit thread only (see os_store.c).
 *
 * Everything an operation reads (collections, onodes, inline data, omap)
 * goes through the group's write batch with index, so an operation sees
 * the effects of the operations and transactions before it in the group
 * even though none of them is committed yet.
 *
 * Data placement.  An object's data is a sequence of allocation units
 * ("units", min_alloc_size bytes).  A unit is a hole (reads as zeros),
 * inline (a 'D' key holding its bytes up to the object's size, with a
 * crc32c), or on the block device (part of a run in the onode, with one
 * crc32c per unit).  Writes shorter than inline_max rewrite the units
 * they touch as inline data, inside the batch: no device write and no
 * device flush, so a small synced write costs one RocksDB WAL sync.
 * Longer writes go to freshly allocated units - live data is never
 * overwritten in place - and the units they replace are freed by the same
 * batch that commits the new onode.  Partial units at either end are
 * merged with the old contents (read and verified first).  Usually the
 * whole units were reserved and written by the writer pool when the
 * transaction was queued (os_prewrite.c, write_big_early here); only the
 * merged partial units are written on this thread.
 *
 * Invariant: bytes past the object's size are zero in every unit, so
 * growing an object (truncate up, a write past the end) needs no work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"
#include "log.h"
#include "os_int.h"

/*
 * Within one transaction the onodes it changes are kept encoded in a few
 * slots and written to the batch once, when the transaction's ops are done
 * (a write usually changes its object's onode twice, data then object
 * info, and the PG's meta onode three times: log entry, trim, info).  Only
 * the ops that load an onode, change it and store it use the slots; before
 * and after any other op they are written out (acache_flush), so ops that
 * read or delete 'O' keys directly always see the batch up to date.
 * Collections found to exist are remembered the same way.
 */
#define ACACHE_SLOTS 4
#define ACACHE_COLLS 4

struct acache_slot {
	struct buf key; /* 'O' key */
	struct buf val; /* the encoded onode, not yet in the batch */
};

struct actx {
	struct os_store *s;
	struct os_txn *t;
	rocksdb_writebatch_wi_t *wb;
	struct acache_slot slot[ACACHE_SLOTS];
	unsigned nslot;
	struct os_cid coll[ACACHE_COLLS];
	unsigned ncoll;
};

/* ---- bookkeeping ------------------------------------------------------------ */

static int note(struct os_pext **v, size_t *n, size_t *cap, uint64_t pau, uint64_t cnt)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct os_pext *nv = realloc(*v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = (struct os_pext){pau, cnt};
	return 0;
}

static int release_cb(void *arg, uint64_t pau, uint64_t n)
{
	struct actx *a = arg;
	int r = note(&a->t->freed, &a->t->nfreed, &a->t->capfreed, pau, n);

	/* Noted first, so that undo after a failure restores exactly what was freed. */
	if (!r)
		os_alloc_release_prepare(a->s->alloc, pau, n);
	return r;
}

static void put(struct actx *a, const void *k, size_t kl, const void *v, size_t vl)
{
	rocksdb_writebatch_wi_put(a->wb, k, kl, v, vl);
}

static void del(struct actx *a, const void *k, size_t kl)
{
	rocksdb_writebatch_wi_delete(a->wb, k, kl);
}

/*
 * Keys in [lo, hi) (hi NULL: every key starting with lo's first @pfxlen
 * bytes) as one buffer of (le32 len, key) records.  Collected before
 * deleting because a batch must not change under its own iterator.
 */
static int collect_keys(struct actx *a, const void *lo, size_t lolen, const void *hi, size_t hilen,
			size_t pfxlen, struct buf *out, unsigned *out_n)
{
	rocksdb_iterator_t *it = os_kv_iter(a->s, a->wb, NULL);
	unsigned n = 0;
	int r = 0;

	if (!it)
		return -ENOMEM;
	for (rocksdb_iter_seek(it, lo, lolen); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t kl;
		const char *k = rocksdb_iter_key(it, &kl);
		uint8_t l[4];
		if (kl < pfxlen || memcmp(k, lo, pfxlen))
			break;
		if (hi) {
			size_t m = kl < hilen ? kl : hilen;
			int c = memcmp(k, hi, m);
			if (c > 0 || (c == 0 && kl >= hilen))
				break;
		}
		enc_put_le32(l, (uint32_t)kl);
		if ((r = buf_append(out, l, 4)) || (r = buf_append(out, k, kl)))
			break;
		n++;
	}
	rocksdb_iter_destroy(it);
	*out_n = n;
	return r;
}

static int delete_keys(struct actx *a, const void *lo, size_t lolen, const void *hi, size_t hilen,
		       size_t pfxlen)
{
	struct buf keys = BUF_INIT;
	unsigned n;
	int r = collect_keys(a, lo, lolen, hi, hilen, pfxlen, &keys, &n);

	for (size_t p = 0; !r && p < keys.len;) {
		uint32_t kl = enc_get_le32(keys.data + p);
		del(a, keys.data + p + 4, kl);
		p += 4 + kl;
	}
	buf_fini(&keys);
	return r;
}

/* Drop the inline units [lau_a, lau_b) of @nid. */
static int delete_inline(struct actx *a, uint64_t nid, uint64_t lau_a, uint64_t lau_b)
{
	uint8_t lo[17], hi[17];

	os_key_data(lo, nid, lau_a);
	os_key_data(hi, nid, lau_b);
	return delete_keys(a, lo, sizeof(lo), lau_b == UINT64_MAX ? NULL : hi, sizeof(hi), 9);
}

/* ---- onodes ------------------------------------------------------------------- */

static int coll_check(struct actx *a, const struct os_cid *cid)
{
	for (unsigned i = 0; i < a->ncoll; i++)
		if (a->coll[i].pool == cid->pool && a->coll[i].seed == cid->seed)
			return 0;
	int r = os_coll_get(a->s, a->wb, NULL, cid, NULL);

	if (r == -ENOENT)
		log_dbg(LOG_STORE, 5, "txn: collection %lld.%x does not exist",
			(long long)cid->pool, cid->seed);
	if (!r && a->ncoll < ACACHE_COLLS)
		a->coll[a->ncoll++] = *cid;
	return r;
}

static struct acache_slot *acache_find(struct actx *a, const struct buf *key)
{
	for (unsigned i = 0; i < a->nslot; i++)
		if (a->slot[i].key.len == key->len && !memcmp(a->slot[i].key.data, key->data, key->len))
			return &a->slot[i];
	return NULL;
}

/* Forget the slots and collections; with @write put the onodes into the batch first. */
static void acache_drop(struct actx *a, bool write)
{
	for (unsigned i = 0; i < a->nslot; i++) {
		struct acache_slot *sl = &a->slot[i];
		if (write)
			rocksdb_writebatch_wi_put(a->wb, (const char *)sl->key.data, sl->key.len,
						  (const char *)sl->val.data, sl->val.len);
		buf_fini(&sl->key);
		buf_fini(&sl->val);
	}
	a->nslot = 0;
	a->ncoll = 0;
}

static void acache_flush(struct actx *a)
{
	acache_drop(a, true);
}

/*
 * Load the onode of @oid; with @create make a new one (fresh nid) when
 * missing.  *@out_new says it was created.  0, -ENOENT, -EIO, -ENOMEM.
 */
static int onode_get(struct actx *a, const struct os_cid *cid, const struct os_oid *oid,
		     bool create, struct os_onode *out, bool *out_new)
{
	struct buf k = BUF_INIT;
	struct acache_slot *sl;
	int r = coll_check(a, cid);

	if (!r && a->nslot && !(r = os_key_onode(&k, cid, oid)) && (sl = acache_find(a, &k))) {
		buf_fini(&k);
		if (out_new)
			*out_new = false;
		return os_onode_decode(sl->val.data, sl->val.len, out);
	}
	buf_fini(&k);
	if (r)
		return r;
	r = os_load_onode(a->s, a->wb, NULL, cid, oid, out);
	if (out_new)
		*out_new = false;
	if (r == -ENOENT && create) {
		memset(out, 0, sizeof(*out));
		out->nid = ++a->s->next_nid;
		if (out_new)
			*out_new = true;
		r = 0;
	}
	return r;
}

static int onode_put(struct actx *a, const struct os_cid *cid, const struct os_oid *oid,
		     struct os_onode *o)
{
	struct buf k = BUF_INIT, v = BUF_INIT;
	struct acache_slot *sl;
	int r;

	o->version++;
	if ((r = os_key_onode(&k, cid, oid)) || (r = os_onode_encode(o, &v)))
		goto out;
	if ((sl = acache_find(a, &k))) {
		buf_fini(&sl->val);
		sl->val = v;
		v = (struct buf)BUF_INIT;
	} else if (a->nslot < ACACHE_SLOTS) {
		sl = &a->slot[a->nslot++];
		sl->key = k;
		sl->val = v;
		k = v = (struct buf)BUF_INIT;
	} else {
		put(a, k.data, k.len, v.data, v.len);
	}
out:
	buf_fini(&k);
	buf_fini(&v);
	return r;
}

/* ---- data --------------------------------------------------------------------- */

/* Store unit @lau of @o inline: @unit holds au bytes, @valid of them kept. */
static int put_inline(struct actx *a, struct os_onode *o, uint64_t lau, uint8_t *hdr_unit,
		      size_t valid)
{
	uint8_t k[17];
	int r;

	/* The unit may have been on the device: it no longer is. */
	if ((r = os_onode_punch(o, lau, lau + 1, release_cb, a)))
		return r;
	enc_put_le32(hdr_unit, crc32c(0, hdr_unit + 4, valid));
	os_key_data(k, o->nid, lau);
	put(a, k, sizeof(k), hdr_unit, 4 + valid);
	return 0;
}

/* Bytes of the unit at @ustart that lie below @size. */
static size_t unit_valid(uint64_t au, uint64_t ustart, uint64_t size)
{
	return size <= ustart ? 0 : (size - ustart < au ? (size_t)(size - ustart) : (size_t)au);
}

/*
 * Write @len bytes at @off, taken from @data at @doff (NULL: zeros),
 * as inline units.  The object's size must already include the range.
 */
static int write_small(struct actx *a, struct os_onode *o, uint64_t off, uint64_t len,
		       const struct buflist *data, uint64_t doff)
{
	uint64_t au = a->s->au, end = off + len;
	uint8_t *u = malloc(au + 4);
	int r = 0;

	if (!u)
		return -ENOMEM;
	for (uint64_t lau = off / au; lau * au < end; lau++) {
		uint64_t us = lau * au;
		uint64_t lo = (off > us ? off : us) - us;
		uint64_t hi = (end < us + au ? end : us + au) - us;
		if ((lo != 0 || hi != au) &&
		    (r = os_read_unit(a->s, a->wb, NULL, o, lau, u + 4)))
			break;
		if (data)
			r = buflist_copy_out(data, doff + (us + lo - off), hi - lo, u + 4 + lo);
		else
			memset(u + 4 + lo, 0, hi - lo);
		if (r || (r = put_inline(a, o, lau, u, unit_valid(au, us, o->size))))
			break;
	}
	free(u);
	return r;
}

/* A copy of unit @lau of @o with bytes [lo, hi) taken from @data at @doff. */
static int merged_unit(struct actx *a, struct os_onode *o, uint64_t lau, uint64_t lo, uint64_t hi,
		       const struct buflist *data, uint64_t doff, struct buflist *out)
{
	struct bufraw *raw = bufraw_create(a->s->au);
	int r;

	if (!raw)
		return -ENOMEM;
	r = os_read_unit(a->s, a->wb, NULL, o, lau, bufraw_data(raw));
	if (!r)
		r = buflist_copy_out(data, doff, hi - lo, (uint8_t *)bufraw_data(raw) + lo);
	if (!r)
		r = buflist_append_raw(out, raw, 0, a->s->au);
	bufraw_put(raw);
	return r;
}

/*
 * Replace units [lau0, lau1) of @o with the device runs @ext (in order),
 * whose data is written, with checksums @crcs (one per unit, copied).
 */
static int map_units(struct actx *a, struct os_onode *o, uint64_t lau0, uint64_t lau1,
		     const struct os_pext *ext, unsigned next, const uint32_t *crcs)
{
	uint64_t pos = 0;
	int r;

	if ((r = os_onode_punch(o, lau0, lau1, release_cb, a)) ||
	    (r = delete_inline(a, o->nid, lau0, lau1)))
		return r;
	for (unsigned i = 0; i < next; i++) {
		uint32_t *c = malloc(4 * ext[i].n);
		if (!c)
			return -ENOMEM;
		memcpy(c, crcs + pos, 4 * ext[i].n);
		if ((r = os_onode_add_run(o, lau0 + pos, ext[i].pau, (uint32_t)ext[i].n, c))) {
			free(c);
			return r;
		}
		pos += ext[i].n;
	}
	return 0;
}

/*
 * A large write: the units covering [off, off+len) are written whole to
 * newly allocated space, then replace the old ones in the onode.  Used
 * for writes that were not written early (clone copies, no room to
 * reserve at queue time).
 */
static int write_big(struct actx *a, struct os_onode *o, uint64_t off, const struct buflist *data)
{
	uint64_t au = a->s->au, len = buflist_length(data), end = off + len;
	uint64_t lau0 = off / au, lau1 = (end + au - 1) / au, nau = lau1 - lau0;
	struct buflist c = BUFLIST_INIT, mid = BUFLIST_INIT;
	struct os_pext ext[OS_MAX_EXTENTS];
	uint64_t pos = 0, mid_s = off, mid_e = end;
	uint32_t *crcs = NULL;
	int r, next;

	/* Content of all nau units: merged head unit, the data, merged tail unit. */
	if (off % au) {
		uint64_t hi = nau == 1 ? end - lau0 * au : au;
		if ((r = merged_unit(a, o, lau0, off % au, hi, data, 0, &c)))
			goto out_fini;
		mid_s = (lau0 + 1) * au;
	}
	if (end % au && !(nau == 1 && off % au)) {
		uint64_t ts = (lau1 - 1) * au;
		mid_e = ts;
		if (mid_s <= mid_e) {
			if ((r = buflist_slice(&mid, data, mid_s - off, mid_e - mid_s)) ||
			    (r = buflist_claim(&c, &mid)))
				goto out_fini;
		}
		uint64_t lo = ts > off ? ts - off : 0;
		if ((r = merged_unit(a, o, lau1 - 1, ts > off ? 0 : off - ts, end - ts, data, lo,
				     &c)))
			goto out_fini;
	} else if (mid_s < mid_e) {
		if ((r = buflist_slice(&mid, data, mid_s - off, mid_e - mid_s)) ||
		    (r = buflist_claim(&c, &mid)))
			goto out_fini;
	}
	if (buflist_length(&c) != nau * au) {
		r = -EIO; /* a bug in the arithmetic above; refuse rather than corrupt */
		log_err(LOG_STORE, "write_big: content %zu != %llu", buflist_length(&c),
			(unsigned long long)(nau * au));
		goto out_fini;
	}
	next = os_alloc_allocate(a->s->alloc, nau, ext, OS_MAX_EXTENTS);
	if (next < 0) {
		r = next;
		log_warn(LOG_STORE, "no space for %llu units", (unsigned long long)nau);
		goto out_fini;
	}
	for (int i = 0; i < next; i++)
		if ((r = note(&a->t->alloc, &a->t->nalloc, &a->t->capalloc, ext[i].pau,
			      ext[i].n))) {
			/* Not noted: give back here, the rest is undone by the caller. */
			for (int j = i; j < next; j++)
				os_alloc_unallocate(a->s->alloc, ext[j].pau, ext[j].n);
			goto out_fini;
		}
	for (int i = 0; i < next; i++) {
		if ((r = os_write_units(a->s, &c, pos * au, ext[i].pau, ext[i].n)))
			goto out_fini;
		pos += ext[i].n;
	}
	a->s->wrote_data = true;
	if (!(crcs = malloc(nau * sizeof(*crcs)))) {
		r = -ENOMEM;
		goto out_fini;
	}
	for (uint64_t j = 0; j < nau; j++)
		crcs[j] = os_crc_range(&c, j * au, au);
	r = map_units(a, o, lau0, lau1, ext, (unsigned)next, crcs);
out_fini:
	free(crcs);
	buflist_fini(&mid);
	buflist_fini(&c);
	return r;
}

/* Make room for @extra more entries in a note() array, so that notes cannot fail. */
static int note_room(struct os_pext **v, size_t n, size_t *cap, size_t extra)
{
	if (n + extra <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 8;
	while (nc < n + extra)
		nc *= 2;
	struct os_pext *nv = realloc(*v, nc * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

/* Position @pos (units from the start of the write) in @ext's runs, as a device unit. */
static uint64_t pos_pau(const struct os_pext *ext, unsigned next, uint64_t pos)
{
	for (unsigned i = 0; i < next; i++) {
		if (pos < ext[i].n)
			return ext[i].pau + pos;
		pos -= ext[i].n;
	}
	return UINT64_MAX; /* not reached: the runs cover the write */
}

/* Merge one partial unit at position @pos of @pw, write it and checksum it. */
static int write_edge(struct actx *a, struct os_onode *o, struct os_pw *pw, uint64_t pos,
		      uint64_t lo, uint64_t hi, const struct buflist *data, uint64_t doff)
{
	struct buflist u = BUFLIST_INIT;
	int r = merged_unit(a, o, pw->lau0 + pos, lo, hi, data, doff, &u);

	if (!r)
		r = os_write_units(a->s, &u, 0, pos_pau(pw->ext, pw->next_n, pos), 1);
	if (!r)
		pw->crcs[pos] = os_crc_range(&u, 0, a->s->au);
	buflist_fini(&u);
	return r;
}

/*
 * A large write whose whole units the writer pool already wrote into
 * reserved units (os_prewrite.c).  Wait for them, claim the units - from
 * here on they are the transaction's, undone with it on failure - then
 * merge and write the partial head and tail units, which depend on the
 * object as the transactions before this one left it, and map them all.
 */
static int write_big_early(struct actx *a, struct os_onode *o, uint64_t off,
			   const struct buflist *data, struct os_pw *pw)
{
	uint64_t au = a->s->au, end = off + buflist_length(data);
	uint64_t lau0 = off / au, lau1 = (end + au - 1) / au;
	int r;

	if (pw->lau0 != lau0 || pw->nau != lau1 - lau0 || !pw->reserved || pw->claimed) {
		log_err(LOG_STORE, "early write does not match its op (units %llu+%llu)",
			(unsigned long long)pw->lau0, (unsigned long long)pw->nau);
		return -EIO; /* a bug; refuse rather than corrupt */
	}
	if ((r = os_pw_wait(a->s, pw)))
		return -EIO; /* logged by the writer */
	if ((r = note_room(&a->t->alloc, a->t->nalloc, &a->t->capalloc, pw->next_n)))
		return r;
	for (unsigned i = 0; i < pw->next_n; i++) {
		os_alloc_claim(a->s->alloc, pw->ext[i].pau, pw->ext[i].n);
		(void)note(&a->t->alloc, &a->t->nalloc, &a->t->capalloc, pw->ext[i].pau,
			   pw->ext[i].n);
	}
	pw->claimed = true;
	a->s->wrote_data = true;
	atomic_fetch_add(&a->s->n_prewrites, 1);
	/* A partial unit at either end; pw->nau >= 2 then, and the ends differ. */
	if (off % au && (r = write_edge(a, o, pw, 0, off % au, au, data, 0)))
		return r;
	if (end % au) {
		uint64_t ts = (lau1 - 1) * au;
		if ((r = write_edge(a, o, pw, pw->nau - 1, 0, end - ts, data, ts - off)))
			return r;
	}
	return map_units(a, o, lau0, lau1, pw->ext, pw->next_n, pw->crcs);
}

static int do_write(struct actx *a, struct os_onode *o, uint64_t off, const struct buflist *data,
		    struct os_pw *pw)
{
	uint64_t len = buflist_length(data);

	if (len == 0)
		return 0;
	if (off + len > o->size)
		o->size = off + len;
	if (pw)
		return write_big_early(a, o, off, data, pw);
	if (os_write_is_big(a->s, len))
		return write_big(a, o, off, data);
	return write_small(a, o, off, len, data, 0);
}

static int do_zero(struct actx *a, struct os_onode *o, uint64_t off, uint64_t len)
{
	uint64_t au = a->s->au, end = off + len;
	uint64_t fa = (off + au - 1) / au, fb = end / au;
	int r;

	if (len == 0)
		return 0;
	if (end > o->size)
		o->size = end;
	if (fa >= fb) /* no whole unit inside: all within one or two partial units */
		return write_small(a, o, off, len, NULL, 0);
	if ((r = os_onode_punch(o, fa, fb, release_cb, a)) ||
	    (r = delete_inline(a, o->nid, fa, fb)))
		return r;
	if (off < fa * au && (r = write_small(a, o, off, fa * au - off, NULL, 0)))
		return r;
	if (end > fb * au && (r = write_small(a, o, fb * au, end - fb * au, NULL, 0)))
		return r;
	return 0;
}

static int do_truncate(struct actx *a, struct os_onode *o, uint64_t size)
{
	uint64_t au = a->s->au, cut = (size + au - 1) / au;
	int r;

	if (size >= o->size) {
		o->size = size;
		return 0;
	}
	if ((r = os_onode_punch(o, cut, UINT64_MAX, release_cb, a)) ||
	    (r = delete_inline(a, o->nid, cut, UINT64_MAX)))
		return r;
	/* Keep the zero-past-size invariant in the unit that now holds the end. */
	o->size = size;
	if (size % au) {
		uint64_t lau = size / au;
		uint8_t *u = malloc(au + 4);
		if (!u)
			return -ENOMEM;
		r = os_read_unit(a->s, a->wb, NULL, o, lau, u + 4);
		if (!r) {
			memset(u + 4 + size % au, 0, au - size % au);
			r = put_inline(a, o, lau, u, size % au);
		}
		free(u);
	}
	return r;
}

/* ---- object ops ----------------------------------------------------------------- */

static int remove_onode(struct actx *a, const struct os_cid *cid, const struct os_oid *oid,
			struct os_onode *o)
{
	struct buf k = BUF_INIT;
	uint8_t pk[9];
	int r;

	if ((r = os_onode_punch(o, 0, UINT64_MAX, release_cb, a)) ||
	    (r = delete_inline(a, o->nid, 0, UINT64_MAX)))
		return r;
	if (o->flags & OS_ONODE_OMAP) {
		os_key_nid(pk, OS_PFX_OMAP, o->nid);
		if ((r = delete_keys(a, pk, 9, NULL, 0, 9)))
			return r;
		os_key_nid(pk, OS_PFX_OMAP_HDR, o->nid);
		del(a, pk, 9);
	}
	if (!(r = os_key_onode(&k, cid, oid)))
		del(a, k.data, k.len);
	buf_fini(&k);
	return r;
}

static int op_remove(struct actx *a, const struct os_cid *cid, const struct os_oid *oid)
{
	struct os_onode o;
	int r = onode_get(a, cid, oid, false, &o, NULL);

	if (r == -ENOENT)
		return coll_check(a, cid); /* removing a missing object is fine */
	if (r)
		return r;
	r = remove_onode(a, cid, oid, &o);
	os_onode_fini(&o);
	return r;
}

static int copy_omap(struct actx *a, uint64_t from, uint64_t to)
{
	struct buf keys = BUF_INIT, nk = BUF_INIT;
	uint8_t pk[9];
	unsigned n;
	int r;

	os_key_nid(pk, OS_PFX_OMAP, from);
	if ((r = collect_keys(a, pk, 9, NULL, 0, 9, &keys, &n)))
		goto out_fini;
	for (size_t p = 0; p < keys.len;) {
		uint32_t kl = enc_get_le32(keys.data + p);
		const uint8_t *k = keys.data + p + 4;
		char *v;
		size_t vl;
		if ((r = os_kv_get(a->s, a->wb, NULL, k, kl, &v, &vl)))
			goto out_fini;
		buf_reset(&nk);
		os_key_nid(pk, OS_PFX_OMAP, to);
		if (!(r = buf_append(&nk, pk, 9)) && !(r = buf_append(&nk, k + 9, kl - 9)))
			put(a, nk.data, nk.len, v, vl);
		rocksdb_free(v);
		if (r)
			goto out_fini;
		p += 4 + kl;
	}
	{
		uint8_t hk[9];
		char *v;
		size_t vl;
		os_key_nid(hk, OS_PFX_OMAP_HDR, from);
		r = os_kv_get(a->s, a->wb, NULL, hk, 9, &v, &vl);
		if (r == -ENOENT) {
			r = 0;
		} else if (!r) {
			os_key_nid(hk, OS_PFX_OMAP_HDR, to);
			put(a, hk, 9, v, vl);
			rocksdb_free(v);
		}
	}
out_fini:
	buf_fini(&keys);
	buf_fini(&nk);
	return r;
}

static int op_clone(struct actx *a, const struct os_cid *cid, const struct os_oid *src,
		    const struct os_oid *dst)
{
	struct os_onode so, d = {0};
	struct bufraw *raw = NULL;
	struct buflist bl = BUFLIST_INIT;
	int r = onode_get(a, cid, src, false, &so, NULL);

	if (r)
		return r;
	if (os_oid_cmp(src, dst) == 0)
		goto out_fini_src;
	r = onode_get(a, cid, dst, false, &d, NULL);
	if (r == 0)
		r = remove_onode(a, cid, dst, &d);
	else if (r == -ENOENT)
		r = 0;
	os_onode_fini(&d);
	if (r)
		goto out_fini_src;
	d.nid = ++a->s->next_nid;
	d.flags = so.flags;
	for (size_t i = 0; i < so.nxa && !r; i++)
		r = os_onode_setattr(&d, so.xa[i].name, so.xa[i].val, so.xa[i].vlen);
	if (r)
		goto out_fini;
	/*
	 * Data is copied, not shared: units then have exactly one owner,
	 * which keeps freeing and fsck simple.  Clones are rare (snapshots).
	 */
	if (so.size) {
		if (!(raw = bufraw_create(so.size))) {
			r = -ENOMEM;
			goto out_fini;
		}
		if ((r = os_read_range(a->s, a->wb, NULL, &so, 0, so.size, bufraw_data(raw))) ||
		    (r = buflist_append_raw(&bl, raw, 0, so.size)) ||
		    (r = do_write(a, &d, 0, &bl, NULL)))
			goto out_fini;
	}
	if ((so.flags & OS_ONODE_OMAP) && (r = copy_omap(a, so.nid, d.nid)))
		goto out_fini;
	r = onode_put(a, cid, dst, &d);
out_fini:
	buflist_fini(&bl);
	if (raw)
		bufraw_put(raw);
	os_onode_fini(&d);
out_fini_src:
	os_onode_fini(&so);
	return r;
}

static int op_move_rename(struct actx *a, const struct os_op *op)
{
	struct os_onode o, d;
	struct buf k = BUF_INIT;
	int r;

	if ((r = onode_get(a, &op->cid, &op->oid, false, &o, NULL)))
		return r;
	if (op->cid.pool == op->cid2.pool && op->cid.seed == op->cid2.seed &&
	    os_oid_cmp(&op->oid, &op->oid2) == 0) {
		os_onode_fini(&o);
		return 0;
	}
	if ((r = coll_check(a, &op->cid2))) {
		os_onode_fini(&o);
		return r;
	}
	r = os_load_onode(a->s, a->wb, NULL, &op->cid2, &op->oid2, &d);
	if (r == 0) {
		r = remove_onode(a, &op->cid2, &op->oid2, &d);
		os_onode_fini(&d);
	} else if (r == -ENOENT) {
		r = 0;
	}
	/* The nid stays, so inline data and omap move with the onode for free. */
	if (!r && !(r = os_key_onode(&k, &op->cid, &op->oid))) {
		del(a, k.data, k.len);
		r = onode_put(a, &op->cid2, &op->oid2, &o);
	}
	buf_fini(&k);
	os_onode_fini(&o);
	return r;
}

static int omap_key(struct buf *k, uint64_t nid, const struct buf *user)
{
	uint8_t pk[9];

	buf_reset(k);
	os_key_nid(pk, OS_PFX_OMAP, nid);
	int r = buf_append(k, pk, 9);

	return r ? r : buf_append(k, user->data, user->len);
}

static int op_omap(struct actx *a, const struct os_op *op)
{
	bool creates = op->type == OS_OP_OMAP_SET || op->type == OS_OP_OMAP_SETHEADER;
	struct buf k = BUF_INIT, k2 = BUF_INIT;
	struct os_onode o;
	uint8_t pk[9];
	int r = onode_get(a, &op->cid, &op->oid, creates, &o, NULL);

	if (r == -ENOENT && !creates)
		return coll_check(a, &op->cid); /* nothing to remove */
	if (r)
		return r;
	switch (op->type) {
	case OS_OP_OMAP_SET:
		if (!(r = omap_key(&k, o.nid, &op->a)))
			put(a, k.data, k.len, op->b.data ? (const void *)op->b.data : "", op->b.len);
		o.flags |= OS_ONODE_OMAP;
		break;
	case OS_OP_OMAP_SETHEADER:
		os_key_nid(pk, OS_PFX_OMAP_HDR, o.nid);
		put(a, pk, 9, op->b.data ? (const void *)op->b.data : "", op->b.len);
		o.flags |= OS_ONODE_OMAP;
		break;
	case OS_OP_OMAP_RM:
		if (!(r = omap_key(&k, o.nid, &op->a)))
			del(a, k.data, k.len);
		break;
	case OS_OP_OMAP_RMRANGE:
		if (!(r = omap_key(&k, o.nid, &op->a)) && !(r = omap_key(&k2, o.nid, &op->b)))
			r = delete_keys(a, k.data, k.len, k2.data, k2.len, 9);
		break;
	case OS_OP_OMAP_CLEAR:
		os_key_nid(pk, OS_PFX_OMAP, o.nid);
		if (!(r = delete_keys(a, pk, 9, NULL, 0, 9))) {
			os_key_nid(pk, OS_PFX_OMAP_HDR, o.nid);
			del(a, pk, 9);
			o.flags &= ~(uint32_t)OS_ONODE_OMAP;
		}
		break;
	default:
		r = -EINVAL;
	}
	if (!r)
		r = onode_put(a, &op->cid, &op->oid, &o);
	buf_fini(&k);
	buf_fini(&k2);
	os_onode_fini(&o);
	return r;
}

/* Ops that load (or create) one onode, change it and store it. */
static int op_onode(struct actx *a, const struct os_op *op)
{
	bool creates = op->type != OS_OP_RMATTR;
	bool isnew = false;
	struct os_onode o;
	int r = onode_get(a, &op->cid, &op->oid, creates, &o, &isnew);

	if (r == -ENOENT && !creates)
		return coll_check(a, &op->cid);
	if (r)
		return r;
	switch (op->type) {
	case OS_OP_TOUCH:
		break;
	case OS_OP_WRITE:
		r = do_write(a, &o, op->off, &op->data, op->pw);
		break;
	case OS_OP_ZERO:
		r = do_zero(a, &o, op->off, op->len);
		break;
	case OS_OP_TRUNCATE:
		r = do_truncate(a, &o, op->off);
		break;
	case OS_OP_SETATTR:
		r = os_onode_setattr(&o, (const char *)op->a.data,
				     op->b.data ? (const void *)op->b.data : "", op->b.len);
		break;
	case OS_OP_RMATTR:
		if (!os_onode_rmattr(&o, (const char *)op->a.data))
			goto out_fini;
		break;
	default:
		r = -EINVAL;
	}
	if (!r && (op->type != OS_OP_TOUCH || isnew))
		r = onode_put(a, &op->cid, &op->oid, &o);
out_fini:
	os_onode_fini(&o);
	return r;
}

/* ---- collections ----------------------------------------------------------------- */

static void coll_put(struct actx *a, const struct os_cid *cid, unsigned bits)
{
	uint8_t k[OS_CID_KEYLEN], v[4];

	os_key_cid(k, OS_PFX_COLL, cid);
	enc_put_le32(v, bits);
	put(a, k, sizeof(k), v, 4);
}

static int op_mkcoll(struct actx *a, const struct os_op *op)
{
	int r = os_coll_get(a->s, a->wb, NULL, &op->cid, NULL);

	if (r == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	coll_put(a, &op->cid, op->bits);
	return 0;
}

static int op_rmcoll(struct actx *a, const struct os_op *op)
{
	uint8_t k[OS_CID_KEYLEN];
	struct buf keys = BUF_INIT;
	unsigned n = 0;
	int r;

	if ((r = coll_check(a, &op->cid)))
		return r;
	os_key_cid(k, OS_PFX_ONODE, &op->cid);
	/* Collects every key; fine, a collection is removed once it is empty. */
	if ((r = collect_keys(a, k, sizeof(k), NULL, 0, sizeof(k), &keys, &n)))
		goto out_fini;
	if (n) {
		r = -ENOTEMPTY;
		goto out_fini;
	}
	os_key_cid(k, OS_PFX_COLL, &op->cid);
	del(a, k, sizeof(k));
out_fini:
	buf_fini(&keys);
	return r;
}

static int op_split(struct actx *a, const struct os_op *op)
{
	uint32_t mask = op->bits >= 32 ? UINT32_MAX : (1u << op->bits) - 1;
	uint8_t from[OS_CID_KEYLEN], to[OS_CID_KEYLEN];
	struct buf keys = BUF_INIT, nk = BUF_INIT;
	unsigned n;
	int r;

	if ((r = coll_check(a, &op->cid)) || (r = coll_check(a, &op->cid2)))
		return r;
	if ((op->cid2.seed & mask) != op->cid2.seed)
		return -EINVAL;
	os_key_cid(from, OS_PFX_ONODE, &op->cid);
	os_key_cid(to, OS_PFX_ONODE, &op->cid2);
	if ((r = collect_keys(a, from, sizeof(from), NULL, 0, sizeof(from), &keys, &n)))
		goto out_fini;
	/*
	 * Re-key every onode whose hash now maps to the child.  The onode
	 * value (and with it the nid, so inline data and omap) is unchanged.
	 */
	for (size_t p = 0; p < keys.len;) {
		uint32_t kl = enc_get_le32(keys.data + p);
		const uint8_t *k = keys.data + p + 4;
		p += 4 + kl;
		if (kl < OS_CID_KEYLEN + 4 || (enc_get_be32(k + OS_CID_KEYLEN) & mask) != op->cid2.seed)
			continue;
		char *v;
		size_t vl;
		if ((r = os_kv_get(a->s, a->wb, NULL, k, kl, &v, &vl)))
			goto out_fini;
		buf_reset(&nk);
		if (!(r = buf_append(&nk, to, sizeof(to))) &&
		    !(r = buf_append(&nk, k + OS_CID_KEYLEN, kl - OS_CID_KEYLEN))) {
			put(a, nk.data, nk.len, v, vl);
			del(a, k, kl);
		}
		rocksdb_free(v);
		if (r)
			goto out_fini;
	}
	coll_put(a, &op->cid, op->bits);
	coll_put(a, &op->cid2, op->bits);
out_fini:
	buf_fini(&keys);
	buf_fini(&nk);
	return r;
}

/* ---- entry -------------------------------------------------------------------------- */

/* Whether @type only loads, changes and stores one onode (see struct actx). */
static bool op_uses_slots(enum os_op_type type)
{
	switch (type) {
	case OS_OP_TOUCH:
	case OS_OP_WRITE:
	case OS_OP_ZERO:
	case OS_OP_TRUNCATE:
	case OS_OP_SETATTR:
	case OS_OP_RMATTR:
	case OS_OP_OMAP_SET:
	case OS_OP_OMAP_RM:
	case OS_OP_OMAP_RMRANGE:
	case OS_OP_OMAP_CLEAR:
	case OS_OP_OMAP_SETHEADER:
		return true;
	default:
		return false;
	}
}

int os_apply_txn(struct os_store *s, struct os_txn *t)
{
	struct actx a = {.s = s, .t = t, .wb = s->wb};
	int r = 0;

	for (unsigned i = 0; i < t->n && !r; i++) {
		const struct os_op *op = &t->ops[i];
		bool slots = op_uses_slots(op->type);
		if (!slots)
			acache_flush(&a);
		switch (op->type) {
		case OS_OP_REMOVE:
			r = op_remove(&a, &op->cid, &op->oid);
			break;
		case OS_OP_CLONE:
			r = op_clone(&a, &op->cid, &op->oid, &op->oid2);
			break;
		case OS_OP_MOVE_RENAME:
			r = op_move_rename(&a, op);
			break;
		case OS_OP_OMAP_SET:
		case OS_OP_OMAP_RM:
		case OS_OP_OMAP_RMRANGE:
		case OS_OP_OMAP_CLEAR:
		case OS_OP_OMAP_SETHEADER:
			r = op_omap(&a, op);
			break;
		case OS_OP_MKCOLL:
			r = op_mkcoll(&a, op);
			break;
		case OS_OP_RMCOLL:
			r = op_rmcoll(&a, op);
			break;
		case OS_OP_SPLIT:
			r = op_split(&a, op);
			break;
		default:
			r = op_onode(&a, op);
		}
		if (r)
			log_dbg(LOG_STORE, 1, "txn op %u (type %d) failed: %d", i, (int)op->type, r);
		else if (!slots)
			acache_flush(&a);
	}
	/* A failed transaction's batch entries are rolled back: nothing to write. */
	acache_drop(&a, r == 0);
	return r;
}
