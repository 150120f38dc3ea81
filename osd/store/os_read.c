/*
 * os_read.c - reads: object data (checksummed), stat, xattrs, omap and
 * listings; plus the lookups the commit thread shares.
 *
 * Threading: public reads run on any thread.  Each takes a RocksDB
 * snapshot so that the onode, its inline units and its omap are seen at
 * one commit, and holds s->extent_lock shared so that the units the
 * onode points to are not reused before the data has been read (see
 * os_int.h).  Data reads verify every unit's crc32c; a mismatch is
 * logged with the object's name, counted, and returned as -EIO.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"
#include "log.h"
#include "os_int.h"

/* ---- shared lookups -------------------------------------------------------- */

int os_kv_get(struct os_store *s, rocksdb_writebatch_wi_t *wb, const rocksdb_readoptions_t *ro,
	      const void *key, size_t klen, char **out, size_t *out_len)
{
	char *err = NULL, *v;

	if (!ro)
		ro = s->ropts;
	if (wb)
		v = rocksdb_writebatch_wi_get_from_batch_and_db(wb, s->db, ro, key, klen, out_len,
								&err);
	else
		v = rocksdb_get(s->db, ro, key, klen, out_len, &err);
	if (err) {
		log_err(LOG_ROCKSDB, "get: %s", err);
		rocksdb_free(err);
		return -EIO;
	}
	if (!v)
		return -ENOENT;
	*out = v;
	return 0;
}

rocksdb_iterator_t *os_kv_iter(struct os_store *s, rocksdb_writebatch_wi_t *wb,
			       const rocksdb_readoptions_t *ro)
{
	rocksdb_iterator_t *base = rocksdb_create_iterator(s->db, ro ? ro : s->ropts);

	if (!wb || !base)
		return base;
	/* The wrapper takes the base iterator over (and frees its handle). */
	return rocksdb_writebatch_wi_create_iterator_with_base(wb, base);
}

int os_load_onode(struct os_store *s, rocksdb_writebatch_wi_t *wb,
		  const rocksdb_readoptions_t *ro, const struct os_cid *cid,
		  const struct os_oid *oid, struct os_onode *out)
{
	struct buf k = BUF_INIT;
	char *v;
	size_t vl;
	int r;

	if ((r = os_key_onode(&k, cid, oid)))
		goto out_fini;
	if ((r = os_kv_get(s, wb, ro, k.data, k.len, &v, &vl)))
		goto out_fini;
	r = os_onode_decode((const uint8_t *)v, vl, out);
	rocksdb_free(v);
	if (r == -EIO)
		log_err(LOG_STORE, "onode of %s/%s in %lld.%x is corrupt", oid->nspace, oid->name,
			(long long)cid->pool, cid->seed);
out_fini:
	buf_fini(&k);
	return r;
}

int os_coll_get(struct os_store *s, rocksdb_writebatch_wi_t *wb, const rocksdb_readoptions_t *ro,
		const struct os_cid *cid, unsigned *out_bits)
{
	uint8_t k[OS_CID_KEYLEN];
	char *v;
	size_t vl;
	int r;

	os_key_cid(k, OS_PFX_COLL, cid);
	if ((r = os_kv_get(s, wb, ro, k, sizeof(k), &v, &vl)))
		return r;
	if (vl != 4) {
		rocksdb_free(v);
		return -EIO;
	}
	if (out_bits)
		*out_bits = enc_get_le32(v);
	rocksdb_free(v);
	return 0;
}

static int csum_error(struct os_store *s, const struct os_onode *o, uint64_t lau,
		      const char *where)
{
	atomic_fetch_add(&s->n_csum_errors, 1);
	log_err_rl(LOG_STORE, "checksum mismatch in object nid %llu, unit %llu (%s)",
		   (unsigned long long)o->nid, (unsigned long long)lau, where);
	return -EIO;
}

static int read_inline(struct os_store *s, rocksdb_writebatch_wi_t *wb,
		       const rocksdb_readoptions_t *ro, const struct os_onode *o, uint64_t lau,
		       uint8_t *buf)
{
	uint8_t k[17];
	char *v;
	size_t vl;
	int r;

	os_key_data(k, o->nid, lau);
	r = os_kv_get(s, wb, ro, k, sizeof(k), &v, &vl);
	if (r == -ENOENT) {
		memset(buf, 0, s->au);
		return 0;
	}
	if (r)
		return r;
	if (vl < 4 || vl - 4 > s->au ||
	    crc32c(0, v + 4, vl - 4) != enc_get_le32(v)) {
		rocksdb_free(v);
		return csum_error(s, o, lau, "inline");
	}
	memcpy(buf, v + 4, vl - 4);
	memset(buf + (vl - 4), 0, s->au - (vl - 4));
	rocksdb_free(v);
	return 0;
}

int os_read_unit(struct os_store *s, rocksdb_writebatch_wi_t *wb,
		 const rocksdb_readoptions_t *ro, const struct os_onode *o, uint64_t lau,
		 uint8_t *buf)
{
	long i = os_onode_find_run(o, lau);
	int r;

	if (i < 0)
		return read_inline(s, wb, ro, o, lau, buf);
	const struct os_run *run = &o->runs[i];
	uint64_t k = lau - run->lau;
	if ((r = s->bdev->ops->pread(s->bdev, buf, s->au, (run->pau + k) * s->au))) {
		log_err_rl(LOG_STORE, "block read failed: %s", strerror(-r));
		return -EIO;
	}
	if (crc32c(0, buf, s->au) != run->crcs[k])
		return csum_error(s, o, lau, "block");
	return 0;
}

int os_read_range(struct os_store *s, rocksdb_writebatch_wi_t *wb,
		  const rocksdb_readoptions_t *ro, const struct os_onode *o, uint64_t off,
		  uint64_t len, uint8_t *buf)
{
	uint64_t au = s->au, end = off + len;
	uint8_t *tmp = NULL;
	int r = 0;

	while (off < end) {
		uint64_t lau = off / au, uoff = off % au;
		uint64_t n = au - uoff < end - off ? au - uoff : end - off;
		long i = os_onode_find_run(o, lau);
		if (i >= 0 && uoff == 0 && n == au) {
			/* Whole units of one run: read them with one pread. */
			const struct os_run *run = &o->runs[i];
			uint64_t k = lau - run->lau;
			uint64_t cnt = (end - off) / au;
			if (cnt > run->n - k)
				cnt = run->n - k;
			r = s->bdev->ops->pread(s->bdev, buf, cnt * au, (run->pau + k) * au);
			if (r) {
				log_err_rl(LOG_STORE, "block read failed: %s", strerror(-r));
				r = -EIO;
				goto out_free;
			}
			for (uint64_t j = 0; j < cnt; j++)
				if (crc32c(0, buf + j * au, au) != run->crcs[k + j]) {
					r = csum_error(s, o, lau + j, "block");
					goto out_free;
				}
			off += cnt * au;
			buf += cnt * au;
			continue;
		}
		if (!tmp && !(tmp = malloc(au))) {
			r = -ENOMEM;
			goto out_free;
		}
		if ((r = os_read_unit(s, wb, ro, o, lau, tmp)))
			goto out_free;
		memcpy(buf, tmp + uoff, n);
		off += n;
		buf += n;
	}
out_free:
	free(tmp);
	return r;
}

/* ---- snapshot reads ---------------------------------------------------------- */

struct rview {
	const rocksdb_snapshot_t *snap;
	rocksdb_readoptions_t *ro;
};

static int rview_begin(struct os_store *s, struct rview *v)
{
	pthread_rwlock_rdlock(&s->extent_lock);
	v->ro = rocksdb_readoptions_create();
	if (!v->ro) {
		pthread_rwlock_unlock(&s->extent_lock);
		return -ENOMEM;
	}
	v->snap = rocksdb_create_snapshot(s->db);
	rocksdb_readoptions_set_snapshot(v->ro, v->snap);
	return 0;
}

static void rview_end(struct os_store *s, struct rview *v)
{
	rocksdb_readoptions_destroy(v->ro);
	rocksdb_release_snapshot(s->db, v->snap);
	pthread_rwlock_unlock(&s->extent_lock);
}

int os_read(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	    uint64_t off, uint64_t len, struct buflist *out)
{
	struct os_onode o;
	struct rview v;
	struct bufraw *raw;
	int r;

	if ((r = rview_begin(s, &v)))
		return r;
	if ((r = os_load_onode(s, NULL, v.ro, cid, oid, &o)))
		goto out_end;
	if (off >= o.size)
		len = 0;
	else if (len == 0 || len > o.size - off)
		len = o.size - off;
	if (len == 0)
		goto out_fini;
	/* Page-aligned when large: the block device may then read into it directly. */
	raw = len >= OS_BDEV_DIRECT_MIN ? bufraw_create_aligned(len, OS_BDEV_DIRECT_ALIGN)
				       : bufraw_create(len);
	if (!raw) {
		r = -ENOMEM;
		goto out_fini;
	}
	r = os_read_range(s, NULL, v.ro, &o, off, len, bufraw_data(raw));
	if (r == -EIO)
		log_err_rl(LOG_STORE, "read of %s/%s in %lld.%x failed: bad data", oid->nspace,
			   oid->name, (long long)cid->pool, cid->seed);
	if (!r)
		r = buflist_append_raw(out, raw, 0, len);
	bufraw_put(raw);
out_fini:
	os_onode_fini(&o);
out_end:
	rview_end(s, &v);
	return r;
}

int os_stat(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	    struct os_stat *out)
{
	struct os_onode o;
	int r = os_load_onode(s, NULL, NULL, cid, oid, &o);

	if (r)
		return r;
	out->size = o.size;
	out->version = o.version;
	out->alloc_bytes = 0;
	for (size_t i = 0; i < o.nruns; i++)
		out->alloc_bytes += (uint64_t)o.runs[i].n * s->au;
	os_onode_fini(&o);
	return 0;
}

bool os_exists(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid)
{
	struct os_stat st;

	return os_stat(s, cid, oid, &st) == 0;
}

int os_extents(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	       struct os_extent **out, size_t *out_n)
{
	struct os_onode o;
	struct os_extent *e;
	int r = os_load_onode(s, NULL, NULL, cid, oid, &o);

	if (r)
		return r;
	e = calloc(o.nruns + 1, sizeof(*e));
	if (!e) {
		os_onode_fini(&o);
		return -ENOMEM;
	}
	for (size_t i = 0; i < o.nruns; i++)
		e[i] = (struct os_extent){o.runs[i].lau * s->au, o.runs[i].pau * s->au,
					  (uint64_t)o.runs[i].n * s->au};
	*out = e;
	*out_n = o.nruns;
	os_onode_fini(&o);
	return 0;
}

/* ---- xattrs and omap ------------------------------------------------------ */

void os_kvlist_fini(struct os_kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].val);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int kvlist_add(struct os_kvlist *l, const void *k, size_t kl, const void *v, size_t vl)
{
	struct os_kv kv = {malloc(kl + 1), kl, malloc(vl + 1), vl};

	if (!kv.key || !kv.val)
		goto out_free;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct os_kv *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			goto out_free;
		l->v = nv;
		l->cap = nc;
	}
	memcpy(kv.key, k, kl);
	kv.key[kl] = 0;
	if (vl)
		memcpy(kv.val, v, vl);
	kv.val[vl] = 0;
	l->v[l->n++] = kv;
	return 0;

out_free:
	free(kv.key);
	free(kv.val);
	return -ENOMEM;
}

int os_getattr(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	       const char *name, struct buf *out)
{
	struct os_onode o;
	const struct os_xattr *x;
	int r = os_load_onode(s, NULL, NULL, cid, oid, &o);

	if (r)
		return r;
	x = os_onode_getattr(&o, name);
	r = x ? buf_append(out, x->val, x->vlen) : -ENOENT;
	os_onode_fini(&o);
	return r;
}

int os_getattrs(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		struct os_kvlist *out)
{
	struct os_onode o;
	int r = os_load_onode(s, NULL, NULL, cid, oid, &o);

	if (r)
		return r;
	for (size_t i = 0; i < o.nxa && !r; i++)
		r = kvlist_add(out, o.xa[i].name, strlen(o.xa[i].name), o.xa[i].val,
			       o.xa[i].vlen);
	os_onode_fini(&o);
	return r;
}

int os_omap_get_header(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		       struct buf *out)
{
	struct os_onode o;
	struct rview v;
	uint8_t k[9];
	char *val;
	size_t vl;
	int r;

	if ((r = rview_begin(s, &v)))
		return r;
	if ((r = os_load_onode(s, NULL, v.ro, cid, oid, &o)))
		goto out_end;
	os_key_nid(k, OS_PFX_OMAP_HDR, o.nid);
	r = os_kv_get(s, NULL, v.ro, k, sizeof(k), &val, &vl);
	if (r == -ENOENT)
		r = 0;
	else if (!r) {
		r = buf_append(out, val, vl);
		rocksdb_free(val);
	}
	os_onode_fini(&o);
out_end:
	rview_end(s, &v);
	return r;
}

int os_omap_get(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		const void *key, size_t klen, struct buf *out)
{
	struct os_onode o;
	struct rview v;
	struct buf k = BUF_INIT;
	char *val;
	size_t vl;
	int r;

	if ((r = rview_begin(s, &v)))
		return r;
	if ((r = os_load_onode(s, NULL, v.ro, cid, oid, &o)))
		goto out_end;
	if (!(r = buf_reserve(&k, 9 + klen))) {
		os_key_nid(k.data, OS_PFX_OMAP, o.nid);
		k.len = 9;
		buf_append(&k, key, klen);
		r = os_kv_get(s, NULL, v.ro, k.data, k.len, &val, &vl);
		if (!r) {
			r = buf_append(out, val, vl);
			rocksdb_free(val);
		}
	}
	buf_fini(&k);
	os_onode_fini(&o);
out_end:
	rview_end(s, &v);
	return r;
}

int os_omap_list(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		 const void *start_after, size_t salen, unsigned max, bool keys_only,
		 struct os_kvlist *out, bool *out_more)
{
	struct os_onode o;
	struct rview v;
	struct buf k = BUF_INIT;
	rocksdb_iterator_t *it = NULL;
	unsigned n = 0;
	bool more = false;
	uint8_t pfx[9];
	int r;

	if ((r = rview_begin(s, &v)))
		return r;
	if ((r = os_load_onode(s, NULL, v.ro, cid, oid, &o)))
		goto out_end;
	os_key_nid(pfx, OS_PFX_OMAP, o.nid);
	if ((r = buf_append(&k, pfx, 9)) || (start_after && (r = buf_append(&k, start_after, salen))))
		goto out_fini;
	if (!(it = rocksdb_create_iterator(s->db, v.ro))) {
		r = -ENOMEM;
		goto out_fini;
	}
	for (rocksdb_iter_seek(it, (const char *)k.data, k.len); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *ik = rocksdb_iter_key(it, &kl);
		if (kl < 9 || memcmp(ik, pfx, 9))
			break;
		if (start_after && kl == k.len && !memcmp(ik, k.data, kl))
			continue;
		if (max && n == max) {
			more = true;
			break;
		}
		const char *iv = keys_only ? "" : rocksdb_iter_value(it, &vl);
		if (keys_only)
			vl = 0;
		if ((r = kvlist_add(out, ik + 9, kl - 9, iv, vl)))
			goto out_fini;
		n++;
	}
	if (out_more)
		*out_more = more;
out_fini:
	if (it)
		rocksdb_iter_destroy(it);
	buf_fini(&k);
	os_onode_fini(&o);
out_end:
	rview_end(s, &v);
	return r;
}

/* ---- listings ---------------------------------------------------------------- */

void os_oidlist_fini(struct os_oidlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		os_oid_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int oidlist_add(struct os_oidlist *l, struct os_oid *oid)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct os_oid *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = *oid;
	return 0;
}

int os_list(struct os_store *s, const struct os_cid *cid, const struct os_oid *start,
	    const struct os_oid *end, unsigned max, struct os_oidlist *out,
	    struct os_oidlist *out_next)
{
	struct buf sk = BUF_INIT, ek = BUF_INIT;
	uint8_t pfx[OS_CID_KEYLEN];
	rocksdb_iterator_t *it = NULL;
	struct rview v;
	unsigned n = 0;
	int r;

	if ((r = rview_begin(s, &v)))
		return r;
	if ((r = os_coll_get(s, NULL, v.ro, cid, NULL)))
		goto out_end;
	os_key_cid(pfx, OS_PFX_ONODE, cid);
	if (start)
		r = os_key_onode(&sk, cid, start);
	else
		r = buf_append(&sk, pfx, sizeof(pfx));
	if (r || (end && (r = os_key_onode(&ek, cid, end))))
		goto out_free;
	if (!(it = rocksdb_create_iterator(s->db, v.ro))) {
		r = -ENOMEM;
		goto out_free;
	}
	for (rocksdb_iter_seek(it, (const char *)sk.data, sk.len); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t kl;
		const char *k = rocksdb_iter_key(it, &kl);
		struct os_cid c;
		struct os_oid oid;
		if (kl < sizeof(pfx) || memcmp(k, pfx, sizeof(pfx)))
			break;
		if (end) {
			size_t m = kl < ek.len ? kl : ek.len;
			int c2 = memcmp(k, ek.data, m);
			if (c2 > 0 || (c2 == 0 && kl >= ek.len))
				break;
		}
		if ((r = os_key_onode_parse((const uint8_t *)k, kl, &c, &oid))) {
			log_err(LOG_STORE, "listing %lld.%x: malformed onode key",
				(long long)cid->pool, cid->seed);
			goto out_free;
		}
		struct os_oidlist *dst = max && n == max ? out_next : out;
		if (!dst) {
			os_oid_free(&oid);
			break;
		}
		if ((r = oidlist_add(dst, &oid))) {
			os_oid_free(&oid);
			goto out_free;
		}
		if (dst == out_next)
			break;
		n++;
	}
out_free:
	if (it)
		rocksdb_iter_destroy(it);
	buf_fini(&sk);
	buf_fini(&ek);
out_end:
	rview_end(s, &v);
	return r;
}

int os_list_collections(struct os_store *s, struct os_cid **out, size_t *out_n)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(s->db, s->ropts);
	struct os_cid *v = NULL;
	size_t n = 0, cap = 0;
	char pfx = OS_PFX_COLL;

	if (!it)
		return -ENOMEM;
	for (rocksdb_iter_seek(it, &pfx, 1); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t kl;
		const char *k = rocksdb_iter_key(it, &kl);
		if (kl != OS_CID_KEYLEN || k[0] != OS_PFX_COLL)
			break;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct os_cid *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				free(v);
				rocksdb_iter_destroy(it);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		v[n].pool = (int64_t)(enc_get_be64(k + 1) ^ (1ULL << 63));
		v[n].seed = enc_get_be32(k + 9);
		n++;
	}
	rocksdb_iter_destroy(it);
	*out = v;
	*out_n = n;
	return 0;
}

int os_collection_bits(struct os_store *s, const struct os_cid *cid, unsigned *out_bits)
{
	return os_coll_get(s, NULL, NULL, cid, out_bits);
}
