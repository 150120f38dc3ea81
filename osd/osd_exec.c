/*
 * osd_exec.c - running the steps of a client op against one object, and
 * applying the physical steps they become (osd_exec.h).
 *
 * How an op runs.  osd_exec_op() stats the object once, then runs the
 * steps in order through a table (step_defs) of handlers.  Each handler
 * sees the step, its input bytes (a slice of the op's data, no copy) and
 * an output list of its own, and the executor's tracked view of the
 * object (struct xstate): whether it exists, its size, and whether what
 * the store holds is still the object's content ("fresh" = no: it did not
 * exist before the op or the op removed it, so reads see an empty object).
 * Only existence and size follow the op's own writes; data, xattrs and
 * omap are read from the store as they were before the op, as Ceph's OSD
 * does (its writes sit in a transaction until the op ends).
 *
 * Write handlers append physical steps to the caller's struct
 * osd_exec_write.  The discipline that keeps a failing step from leaving
 * half of itself behind: a handler checks everything first and only then
 * emits and updates the tracked state, so after its first emission it can
 * fail only with -ENOMEM, and -ENOMEM ends the op whatever its flags say
 * (the caller then gets an empty write).  osd_exec_op() asserts this for
 * OSDOP_F_FAILOK steps, the only failures after which the op goes on.
 *
 * Choices where Ceph's behaviour is unusual or unclear are noted at the
 * handlers: CMPXATTR true gives rval 0 (Ceph: 1), the comparison
 * directions of CMPXATTR and OMAP_CMP, RMXATTR of a missing attribute,
 * ZERO past the end.
 *
 * Threads: no state of its own; reads block on the store.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "enc.h"
#include "osd_exec.h"

#define PFX	OSD_EXEC_XATTR_PREFIX
#define PFX_LEN (sizeof(OSD_EXEC_XATTR_PREFIX) - 1)
/* A stored user xattr name with its NUL. */
#define XATTR_FULL_MAX (PFX_LEN + OSDOP_XATTR_NAME_MAX + 1)

/* Omap listings stop here and say "more" (Ceph's osd_max_omap_*_per_request). */
#define OMAP_MAX_ENTRIES 131072u
#define OMAP_MAX_BYTES	 (64u << 20)
/* Entries asked of the store at a time. */
#define OMAP_BATCH 1024u

/* PGLS: default and largest page, and objects one call looks at (namespace filter). */
#define PGLS_DEFAULT  1024u
#define PGLS_MAX      4096u
#define PGLS_SCAN_MAX 65536u

/* ---- object info ----------------------------------------------------------- */

void osd_exec_oi_encode(const struct osd_exec_oi *oi, uint8_t out[OSD_EXEC_OI_LEN])
{
	enc_put_le32(out, oi->ver_epoch);
	enc_put_le64(out + 4, oi->version);
	enc_put_le64(out + 12, oi->mtime_ns);
}

int osd_exec_oi_decode(const void *data, size_t len, struct osd_exec_oi *out)
{
	const uint8_t *p = data;

	if (len != OSD_EXEC_OI_LEN)
		return -EBADMSG;
	out->ver_epoch = enc_get_le32(p);
	out->version = enc_get_le64(p + 4);
	out->mtime_ns = enc_get_le64(p + 12);
	return 0;
}

int osd_exec_get_oi(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		    struct osd_exec_oi *out)
{
	struct buf b = BUF_INIT;
	struct os_stat st;
	struct osd_exec_oi oi;
	int r = os_stat(s, cid, oid, &st);

	if (r)
		return r;
	r = os_getattr(s, cid, oid, OSD_EXEC_OI_ATTR, &b);
	if (r == -ENOENT || (!r && osd_exec_oi_decode(b.data, b.len, &oi)))
		r = -EIO;
	buf_fini(&b);
	if (!r)
		*out = oi;
	return r;
}

/* ---- the executor's state and helpers -------------------------------------- */

/* The object as the op's steps so far leave it (see the top of the file). */
struct xstate {
	bool exists;
	bool fresh; /* the store's content is not the object's: reads see it empty */
	uint64_t size;
};

struct exec {
	struct os_store *s;
	const struct os_cid *cid;
	const struct os_oid *oid;
	const struct osd_exec_limits *lim;
	struct xstate x;
	struct osd_exec_write *w; /* NULL: a read-only op */
};

typedef int64_t (*step_fn)(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			   struct buflist *out);

void osd_exec_write_fini(struct osd_exec_write *w)
{
	if (!w)
		return;
	for (uint32_t i = 0; i < w->n_ops; i++)
		msg_osd_subop_fini(&w->ops[i]);
	free(w->ops);
	buflist_fini(&w->data);
	memset(w, 0, sizeof(*w));
}

/*
 * Append a step to @w with a copy of @name (may be NULL), @keys and @vals.
 * NULL on -ENOMEM, with @w as it was.
 */
static struct msg_osd_subop *add_step(struct osd_exec_write *w, uint32_t code, const char *name,
				      const struct msg_bytes *keys, uint32_t nk,
				      const struct msg_bytes *vals, uint32_t nv)
{
	struct msg_osd_subop *p = msg_osd_op_add(&w->ops, &w->n_ops);
	int r = p ? 0 : -ENOMEM;

	if (!r)
		p->op = code;
	if (!r && name)
		r = msg_osd_subop_set_name(p, name);
	for (uint32_t i = 0; i < nk && !r; i++)
		r = msg_osd_subop_add_key(p, keys[i].data, keys[i].len);
	for (uint32_t i = 0; i < nv && !r; i++)
		r = msg_osd_subop_add_val(p, vals[i].data, vals[i].len);
	if (r && p) {
		msg_osd_subop_fini(p);
		w->n_ops--;
		return NULL;
	}
	return p;
}

static struct msg_osd_subop *emit(struct exec *e, uint32_t code)
{
	return add_step(e->w, code, NULL, NULL, 0, NULL, 0);
}

/* A TOUCH if the object does not exist yet. */
static int make_exist(struct exec *e)
{
	if (e->x.exists)
		return 0;
	if (!emit(e, OSDOP_TOUCH))
		return -ENOMEM;
	e->x.exists = true;
	return 0;
}

/* [off, off+len) must fit in an object.  A limit of 0 means none. */
static int check_extent(const struct exec *e, uint64_t off, uint64_t len)
{
	uint64_t max = e->lim ? e->lim->max_object_size : 0;

	if (off + len < off || (max && off + len > max))
		return -EFBIG;
	return 0;
}

/* One step's data must fit in a write (and in a step's u32 indata_len). */
static int check_data(const struct exec *e, uint64_t len)
{
	uint64_t max = e->lim ? e->lim->max_write_size : 0;

	if (len > UINT32_MAX || (max && len > max))
		return -E2BIG;
	return 0;
}

/* The stored name of the step's user xattr into @out. */
static int xattr_name(const struct msg_osd_subop *op, char out[XATTR_FULL_MAX])
{
	size_t n = op->name ? strlen(op->name) : 0;

	if (n == 0)
		return -EINVAL;
	if (n > OSDOP_XATTR_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(out, PFX, PFX_LEN);
	memcpy(out + PFX_LEN, op->name, n + 1);
	return 0;
}

static int check_keys(const struct msg_osd_subop *op)
{
	for (uint32_t i = 0; i < op->n_keys; i++)
		if (op->keys[i].len > OSDOP_OMAP_KEY_MAX)
			return -ENAMETOOLONG;
	return 0;
}

/* Move @b's bytes into @out without copying them. */
static int buf_to_list(struct buf *b, struct buflist *out)
{
	size_t len;
	uint8_t *p = buf_steal(b, &len);
	struct bufraw *raw;
	int r;

	if (!p || len == 0) {
		free(p);
		return 0;
	}
	if (!(raw = bufraw_wrap(p, len, NULL, NULL))) {
		free(p);
		return -ENOMEM;
	}
	r = buflist_append_raw(out, raw, 0, len);
	bufraw_put(raw);
	return r;
}

/* End the kv list in @b unless @r is an error, move it to @out, free @b. */
static int kv_close(int r, struct osdop_kv_writer *w, bool more, struct buf *b, struct buflist *out)
{
	if (!r)
		r = osdop_kv_end(w, more);
	if (!r)
		r = buf_to_list(b, out);
	buf_fini(b);
	return r;
}

/* ---- comparisons ----------------------------------------------------------- */

/* memcmp order, the shorter first on a tie. */
static int bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = MIN(alen, blen);
	int c = n ? memcmp(a, b, n) : 0;

	return c ? c : (alen > blen) - (alen < blen);
}

static bool cmp_mode_valid(uint64_t mode)
{
	return mode >= OSDOP_CMP_EQ && mode <= OSDOP_CMP_LTE;
}

/* Decimal text; empty reads as 0, as Ceph's u64 comparisons do. */
static int parse_u64(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - (p[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Whether "a <mode> b" holds: 1 or 0.  Bytewise (memcmp, then the shorter
 * is less), or with @u64 as decimal numbers.  -EINVAL for an unknown mode
 * or a value that is not a number.
 */
static int compare(uint64_t mode, bool u64, const void *a, size_t alen, const void *b, size_t blen)
{
	int c;

	if (u64) {
		uint64_t x, y;
		if (parse_u64(a, alen, &x) || parse_u64(b, blen, &y))
			return -EINVAL;
		c = (x > y) - (x < y);
	} else {
		c = bytes_cmp(a, alen, b, blen);
	}
	switch (mode) {
	case OSDOP_CMP_EQ:
		return c == 0;
	case OSDOP_CMP_NE:
		return c != 0;
	case OSDOP_CMP_GT:
		return c > 0;
	case OSDOP_CMP_GTE:
		return c >= 0;
	case OSDOP_CMP_LT:
		return c < 0;
	case OSDOP_CMP_LTE:
		return c <= 0;
	default:
		return -EINVAL;
	}
}

/* ---- read steps ------------------------------------------------------------ */

/* The object info; zeros for an object the op created or one never given one. */
static int load_oi(struct exec *e, struct osd_exec_oi *out)
{
	struct buf b = BUF_INIT;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!e->x.fresh)
		r = os_getattr(e->s, e->cid, e->oid, OSD_EXEC_OI_ATTR, &b);
	if (r == -ENOENT)
		r = 0;
	else if (!r && !e->x.fresh && osd_exec_oi_decode(b.data, b.len, out))
		r = -EIO;
	buf_fini(&b);
	return r;
}

/* A stored xattr's value into @out; -ENODATA if it has none. */
static int get_attr(struct exec *e, const char *name, struct buf *out)
{
	int r;

	if (e->x.fresh)
		return -ENODATA;
	r = os_getattr(e->s, e->cid, e->oid, name, out);
	return r == -ENOENT ? -ENODATA : r;
}

static int64_t do_read(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
		       struct buflist *out)
{
	uint64_t len = op->len;

	(void)in;
	if (e->x.fresh || op->off >= e->x.size)
		return 0;
	if (len == 0 || len > e->x.size - op->off)
		len = e->x.size - op->off;
	if (len > UINT32_MAX)
		return -E2BIG;
	return os_read(e->s, e->cid, e->oid, op->off, len, out);
}

static int64_t do_stat(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
		       struct buflist *out)
{
	struct osd_exec_oi oi;
	uint8_t b[OSDOP_STAT_LEN];
	int r = load_oi(e, &oi);

	(void)op;
	(void)in;
	if (r)
		return r;
	osdop_stat_encode(e->x.size, oi.mtime_ns, b);
	return buflist_append_copy(out, b, sizeof(b));
}

static int64_t do_getxattr(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			   struct buflist *out)
{
	char name[XATTR_FULL_MAX];
	struct buf b = BUF_INIT;
	int r = xattr_name(op, name);

	(void)in;
	if (!r)
		r = get_attr(e, name, &b);
	if (!r)
		r = buf_to_list(&b, out);
	buf_fini(&b);
	return r;
}

/* User xattrs only, names without the prefix, in name order. */
static int64_t do_getxattrs(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			    struct buflist *out)
{
	struct os_kvlist l = OS_KVLIST_INIT;
	struct osdop_kv_writer w;
	struct buf b = BUF_INIT;
	int r = 0;

	(void)op;
	(void)in;
	if (!e->x.fresh)
		r = os_getattrs(e->s, e->cid, e->oid, &l);
	if (!r)
		r = osdop_kv_begin(&w, &b);
	for (size_t i = 0; i < l.n && !r; i++) {
		const struct os_kv *kv = &l.v[i];
		if (kv->klen >= PFX_LEN && !memcmp(kv->key, PFX, PFX_LEN))
			r = osdop_kv_add(&w, kv->key + PFX_LEN, kv->klen - PFX_LEN, kv->val,
					 kv->vlen);
	}
	os_kvlist_fini(&l);
	return kv_close(r, &w, false, &b, out);
}

/*
 * Ceph's cmpxattr: "operand <mode> stored" (its do_xattr_cmp_* put the
 * client's value first; Ceph's CmpXattr test confirms the direction), a
 * missing attribute compares as empty, false is -ECANCELED.  A true
 * comparison gives rval 1 in Ceph, which rados_read_op_operate passes
 * on; steps here carry 0 or a negative rval only (the wire maps rvals
 * through errno), so a true comparison gives 0 and librados may turn it
 * into Ceph's 1.
 */
static int64_t do_cmpxattr(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			   struct buflist *out)
{
	char name[XATTR_FULL_MAX];
	struct buf b = BUF_INIT;
	int r = xattr_name(op, name);

	(void)in;
	(void)out;
	if (!r && (op->n_vals < 1 || !cmp_mode_valid(op->arg)))
		r = -EINVAL;
	if (!r)
		r = get_attr(e, name, &b);
	if (r == -ENODATA)
		r = 0;
	if (!r)
		r = compare(op->arg, op->flags & OSDOP_F_CMP_U64, op->vals[0].data, op->vals[0].len,
			    b.data, b.len);
	buf_fini(&b);
	return r < 0 ? r : r ? 0 : -ECANCELED;
}

static bool has_prefix(const struct os_kv *kv, const struct msg_bytes *pfx)
{
	return !pfx ||
	       (kv->klen >= pfx->len && (!pfx->len || !memcmp(kv->key, pfx->data, pfx->len)));
}

/*
 * Where an omap listing starts: after @op->name (empty: from the first
 * key, so an empty key can be listed; Ceph's start_after "" skips it),
 * or at the filter prefix if that comes later, as Ceph's lower_bound.
 * The store lists only "strictly after", so a key equal to the prefix is
 * looked up on its own: *@out_at_pfx says to try it first.
 */
static void omap_start(const struct msg_osd_subop *op, const struct msg_bytes *pfx,
		       const uint8_t **out_key, size_t *out_len, bool *out_at_pfx)
{
	size_t salen = op->name ? strlen(op->name) : 0;

	*out_key = salen ? (const uint8_t *)op->name : NULL;
	*out_len = salen;
	*out_at_pfx = false;
	if (pfx && pfx->len && bytes_cmp(pfx->data, pfx->len, *out_key, salen) > 0) {
		*out_key = pfx->data;
		*out_len = pfx->len;
		*out_at_pfx = true;
	}
}

/* Add one entry unless the page is full; 1 when it is (the entry is the "more"). */
static int omap_page_add(struct osdop_kv_writer *w, uint64_t max, const void *k, size_t kl,
			 const void *v, size_t vl)
{
	if (w->count >= max || w->out->len >= OMAP_MAX_BYTES)
		return 1;
	return osdop_kv_add(w, k, kl, v, vl);
}

/* Entries after the starting point that carry the prefix, until one that does not. */
static int omap_list_from(struct exec *e, const uint8_t *key, size_t klen,
			  const struct msg_bytes *pfx, bool keys_only, uint64_t max,
			  struct osdop_kv_writer *w, bool *out_more)
{
	struct buf cur = BUF_INIT;
	int r = buf_append(&cur, key, klen);
	bool first = key == NULL, done = false;

	while (!r && !done) {
		struct os_kvlist l = OS_KVLIST_INIT;
		bool more = false;
		r = os_omap_list(e->s, e->cid, e->oid, first ? NULL : cur.data, cur.len, OMAP_BATCH,
				 keys_only, &l, &more);
		first = false;
		for (size_t i = 0; i < l.n && !r && !done; i++) {
			if (!has_prefix(&l.v[i], pfx))
				done = true;
			else if ((r = omap_page_add(w, max, l.v[i].key, l.v[i].klen, l.v[i].val,
						    l.v[i].vlen)) == 1)
				done = *out_more = true;
		}
		if (r == 1)
			r = 0;
		if (!r && !done && more && l.n) {
			buf_reset(&cur);
			r = buf_append(&cur, l.v[l.n - 1].key, l.v[l.n - 1].klen);
		} else {
			done = true;
		}
		os_kvlist_fini(&l);
	}
	buf_fini(&cur);
	return r;
}

/*
 * OMAP_GETVALS / OMAP_GETKEYS: after name (start_after), with keys[0] as
 * the filter prefix if given, at most arg entries (0: no limit; capped at
 * OMAP_MAX_ENTRIES / OMAP_MAX_BYTES, which set "more" like arg does).
 * "more" is set only when a further entry with the prefix exists.
 */
static int omap_list(struct exec *e, const struct msg_osd_subop *op, bool keys_only,
		     struct buflist *out)
{
	const struct msg_bytes *pfx = op->n_keys ? &op->keys[0] : NULL;
	uint64_t max = op->arg && op->arg < OMAP_MAX_ENTRIES ? op->arg : OMAP_MAX_ENTRIES;
	struct osdop_kv_writer w;
	struct buf b = BUF_INIT, v = BUF_INIT;
	const uint8_t *key;
	size_t klen;
	bool at_pfx, more = false;
	int r = osdop_kv_begin(&w, &b);

	omap_start(op, pfx, &key, &klen, &at_pfx);
	if (!r && at_pfx && !e->x.fresh) {
		r = os_omap_get(e->s, e->cid, e->oid, key, klen, &v);
		if (!r &&
		    (r = omap_page_add(&w, max, key, klen, v.data, keys_only ? 0 : v.len)) == 1)
			more = true;
		if (r == -ENOENT || r == 1)
			r = 0;
	}
	if (!r && !more && !e->x.fresh)
		r = omap_list_from(e, key, klen, pfx, keys_only, max, &w, &more);
	buf_fini(&v);
	return kv_close(r, &w, more, &b, out);
}

static int64_t do_omap_getvals(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			       struct buflist *out)
{
	(void)in;
	return omap_list(e, op, false, out);
}

static int64_t do_omap_getkeys(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			       struct buflist *out)
{
	(void)in;
	return omap_list(e, op, true, out);
}

static int key_order(const void *a, const void *b)
{
	const struct msg_bytes *x = a, *y = b;

	return bytes_cmp(x->data, x->len, y->data, y->len);
}

/* The requested keys that exist, each once, in key order (Ceph takes a set). */
static int64_t do_omap_getvalsbykeys(struct exec *e, const struct msg_osd_subop *op,
				     struct buflist *in, struct buflist *out)
{
	struct msg_bytes *keys = NULL;
	struct osdop_kv_writer w;
	struct buf b = BUF_INIT, v = BUF_INIT;
	int r = check_keys(op);

	(void)in;
	if (!r && op->n_keys && !(keys = malloc(op->n_keys * sizeof(*keys))))
		r = -ENOMEM;
	if (!r && op->n_keys) {
		memcpy(keys, op->keys, op->n_keys * sizeof(*keys));
		qsort(keys, op->n_keys, sizeof(*keys), key_order);
	}
	if (!r)
		r = osdop_kv_begin(&w, &b);
	for (uint32_t i = 0; i < op->n_keys && !r && !e->x.fresh; i++) {
		if (i && !key_order(&keys[i - 1], &keys[i]))
			continue;
		buf_reset(&v);
		r = os_omap_get(e->s, e->cid, e->oid, keys[i].data, keys[i].len, &v);
		if (!r)
			r = osdop_kv_add(&w, keys[i].data, keys[i].len, v.data, v.len);
		else if (r == -ENOENT)
			r = 0;
	}
	free(keys);
	buf_fini(&v);
	return kv_close(r, &w, false, &b, out);
}

static int64_t do_omap_getheader(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
				 struct buflist *out)
{
	struct buf b = BUF_INIT;
	int r = 0;

	(void)op;
	(void)in;
	if (!e->x.fresh)
		r = os_omap_get_header(e->s, e->cid, e->oid, &b);
	if (!r)
		r = buf_to_list(&b, out);
	buf_fini(&b);
	return r;
}

/*
 * keys[i] / vals[i] pairs, "stored <mode> operand" (the direction of
 * Ceph's OMAP_CMP, the opposite of its CMPXATTR).  A missing key or a
 * false comparison is -ECANCELED, as librados documents omap_cmp (Ceph's
 * OSD compares a missing key as empty; that differs only for LT/LTE/NE).
 * Ceph knows only EQ, LT and GT here; every mode and CMP_U64 work.
 */
static int64_t do_omap_cmp(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			   struct buflist *out)
{
	struct buf v = BUF_INIT;
	int r = check_keys(op);

	(void)in;
	(void)out;
	if (!r && (op->n_keys != op->n_vals || !cmp_mode_valid(op->arg)))
		r = -EINVAL;
	for (uint32_t i = 0; i < op->n_keys && !r; i++) {
		buf_reset(&v);
		r = e->x.fresh
			? -ENOENT
			: os_omap_get(e->s, e->cid, e->oid, op->keys[i].data, op->keys[i].len, &v);
		if (!r)
			r = compare(op->arg, op->flags & OSDOP_F_CMP_U64, v.data, v.len,
				    op->vals[i].data, op->vals[i].len);
		if (r == -ENOENT || r == 0)
			r = -ECANCELED;
		else if (r == 1)
			r = 0;
	}
	buf_fini(&v);
	return r;
}

/* The object's bytes at off against the input; bytes past the end are zeros. */
static int64_t do_cmpext(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			 struct buflist *out)
{
	struct buflist have = BUFLIST_INIT;
	uint8_t *want = NULL, *got = NULL;
	size_t n = in->len;
	int64_t r = buflist_contiguous(in, &want);

	(void)out;
	if (!r && n && !e->x.fresh && op->off < e->x.size)
		r = os_read(e->s, e->cid, e->oid, op->off, MIN(n, e->x.size - op->off), &have);
	if (!r)
		r = buflist_contiguous(&have, &got);
	for (size_t i = 0; i < n && !r; i++) {
		uint8_t c = i < have.len ? got[i] : 0;
		if (c != want[i])
			r = OSDOP_CMPEXT_MISMATCH(i);
	}
	buflist_fini(&have);
	return r;
}

static int64_t do_assert_exists(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
				struct buflist *out)
{
	(void)e;
	(void)op;
	(void)in;
	(void)out;
	return 0; /* F_OBJ did the work */
}

/* As Ceph: 0 is invalid; older than the object's version -ERANGE, newer -EOVERFLOW. */
static int64_t do_assert_version(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
				 struct buflist *out)
{
	struct osd_exec_oi oi;
	int r;

	(void)in;
	(void)out;
	if (op->arg == 0)
		return -EINVAL;
	if ((r = load_oi(e, &oi)))
		return r;
	if (op->arg < oi.version)
		return -ERANGE;
	return op->arg > oi.version ? -EOVERFLOW : 0;
}

static int64_t do_nothing(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			  struct buflist *out)
{
	(void)e;
	(void)op;
	(void)in;
	(void)out;
	return 0;
}

/* ---- write steps ------------------------------------------------------------- */

/*
 * @data at @off.  A zero-length write creates the object and, past the
 * end, extends it (Ceph turns it into a truncate up).  The data is
 * referenced, not copied.
 */
static int write_at(struct exec *e, uint64_t off, const struct buflist *data)
{
	uint64_t len = data->len;
	struct msg_osd_subop *p;
	int r;

	if ((r = check_data(e, len)) || (r = check_extent(e, off, len)))
		return r;
	if (len == 0) {
		if ((r = make_exist(e)))
			return r;
		if (off <= e->x.size)
			return 0;
		if (!(p = emit(e, OSDOP_TRUNCATE)))
			return -ENOMEM;
		p->off = off;
		e->x.size = off;
		return 0;
	}
	if (!(p = emit(e, OSDOP_WRITE)))
		return -ENOMEM;
	p->off = off;
	p->indata_len = (uint32_t)len;
	if ((r = buflist_append_list(&e->w->data, data)))
		return r;
	e->x.exists = true;
	e->x.size = MAX(e->x.size, off + len);
	return 0;
}

static int64_t do_create(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			 struct buflist *out)
{
	(void)in;
	(void)out;
	if (e->x.exists && (op->flags & OSDOP_F_EXCL))
		return -EEXIST;
	return make_exist(e);
}

static int64_t do_write(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			struct buflist *out)
{
	(void)out;
	return write_at(e, op->off, in);
}

static int64_t do_append(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			 struct buflist *out)
{
	(void)op;
	(void)out;
	return write_at(e, e->x.size, in);
}

/* TRUNCATE 0 (if there is anything) + WRITE 0, or a TOUCH for empty data. */
static int64_t do_writefull(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			    struct buflist *out)
{
	struct msg_osd_subop *p;
	int r;

	(void)op;
	(void)out;
	if ((r = check_data(e, in->len)) || (r = check_extent(e, 0, in->len)))
		return r;
	if (e->x.exists && e->x.size) {
		if (!(p = emit(e, OSDOP_TRUNCATE)))
			return -ENOMEM;
		p->off = 0;
		e->x.size = 0;
	}
	return write_at(e, 0, in);
}

/* A WRITE of len bytes, the input repeated; len a multiple of the input's length. */
static int64_t do_writesame(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			    struct buflist *out)
{
	struct buflist data = BUFLIST_INIT;
	struct bufraw *raw;
	uint8_t *p;
	size_t n = in->len, done;
	int r;

	(void)out;
	if (n == 0 || op->len % n)
		return -EINVAL;
	if ((r = check_data(e, op->len)) || (r = check_extent(e, op->off, op->len)))
		return r;
	if (op->len == 0)
		return write_at(e, op->off, &data);
	if (!(raw = bufraw_create(op->len)))
		return -ENOMEM;
	p = bufraw_data(raw);
	buflist_copy_out(in, 0, n, p);
	for (done = n; done < op->len; done += MIN(done, op->len - done))
		memcpy(p + done, p, MIN(done, op->len - done));
	r = buflist_append_raw(&data, raw, 0, op->len);
	bufraw_put(raw);
	if (!r)
		r = write_at(e, op->off, &data);
	buflist_fini(&data);
	return r;
}

/* A no-op on a missing object, as in Ceph. */
static int64_t do_truncate(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			   struct buflist *out)
{
	struct msg_osd_subop *p;
	int r;

	(void)in;
	(void)out;
	if ((r = check_extent(e, op->off, 0)))
		return r;
	if (!e->x.exists)
		return 0;
	if (!(p = emit(e, OSDOP_TRUNCATE)))
		return -ENOMEM;
	p->off = op->off;
	e->x.size = op->off;
	return 0;
}

/*
 * A no-op on a missing object, as in Ceph.  The range is cut at the
 * object's size: zeroing never grows an object (Ceph's object size does
 * not change either; bytes past the end read as zeros anyway).
 */
static int64_t do_zero(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
		       struct buflist *out)
{
	struct msg_osd_subop *p;
	int r;

	(void)in;
	(void)out;
	if ((r = check_extent(e, op->off, op->len)))
		return r;
	if (!e->x.exists || op->off >= e->x.size || op->len == 0)
		return 0;
	if (!(p = emit(e, OSDOP_ZERO)))
		return -ENOMEM;
	p->off = op->off;
	p->len = MIN(op->off + op->len, e->x.size) - op->off;
	return 0;
}

/* DELETE (F_OBJ: -ENOENT if missing) and REMOVE (no-op if missing). */
static int64_t do_delete(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			 struct buflist *out)
{
	(void)op;
	(void)in;
	(void)out;
	if (!e->x.exists)
		return 0;
	if (!emit(e, OSDOP_REMOVE))
		return -ENOMEM;
	e->x = (struct xstate){false, true, 0};
	return 0;
}

/*
 * SETXATTR (name, vals[0]) and RMXATTR (name; F_OBJ: -ENOENT on a missing
 * object).  Removing a missing attribute is not an error: Ceph's OSD
 * removes without looking (and BlueStore's rmattr of a missing name
 * succeeds), as our librados.h documents.
 */
static int64_t do_xattr_write(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			      struct buflist *out)
{
	char name[XATTR_FULL_MAX];
	bool set = op->op == OSDOP_SETXATTR;
	int r = xattr_name(op, name);

	(void)in;
	(void)out;
	if (r)
		return r;
	if (set && op->n_vals < 1)
		return -EINVAL;
	if (set && op->vals[0].len > OSDOP_XATTR_VALUE_MAX)
		return -E2BIG;
	if (!add_step(e->w, op->op, name, NULL, 0, op->vals, set ? 1 : 0))
		return -ENOMEM;
	e->x.exists = true; /* set creates; remove needs it to exist */
	return 0;
}

/*
 * OMAP_SETVALS (keys[i] = vals[i]; with none it still creates the object,
 * as Ceph), OMAP_SETHEADER (vals[0]), and the removals (all F_OBJ):
 * OMAP_RMKEYS, OMAP_RMRANGE (exactly two keys: [first, last)), OMAP_CLEAR.
 */
static int64_t do_omap_write(struct exec *e, const struct msg_osd_subop *op, struct buflist *in,
			     struct buflist *out)
{
	uint32_t nk = op->n_keys, nv = 0;
	int r;

	(void)in;
	(void)out;
	switch (op->op) {
	case OSDOP_OMAP_SETVALS:
		if (nk != op->n_vals)
			return -EINVAL;
		if (nk == 0)
			return make_exist(e);
		nv = nk;
		break;
	case OSDOP_OMAP_SETHEADER:
		if (op->n_vals < 1)
			return -EINVAL;
		nk = 0;
		nv = 1;
		break;
	case OSDOP_OMAP_RMRANGE:
		if (nk != 2)
			return -EINVAL;
		break;
	case OSDOP_OMAP_RMKEYS:
		if (nk == 0)
			return 0;
		break;
	default: /* OMAP_CLEAR */
		nk = 0;
	}
	if (nk && (r = check_keys(op)))
		return r;
	if (!add_step(e->w, op->op, NULL, op->keys, nk, op->vals, nv))
		return -ENOMEM;
	e->x.exists = true; /* sets create; removals need it to exist */
	return 0;
}

/* ---- running an op ----------------------------------------------------------- */

#define F_WRITE 0x1 /* needs a struct osd_exec_write: -EINVAL in a read-only op */
#define F_OBJ	0x2 /* -ENOENT unless the object exists */

static const struct step_def {
	uint32_t code;
	unsigned flags;
	step_fn fn;
} step_defs[] = {
    {OSDOP_READ, F_OBJ, do_read},
    {OSDOP_STAT, F_OBJ, do_stat},
    {OSDOP_GETXATTR, F_OBJ, do_getxattr},
    {OSDOP_GETXATTRS, F_OBJ, do_getxattrs},
    {OSDOP_CMPXATTR, F_OBJ, do_cmpxattr},
    {OSDOP_OMAP_GETVALS, F_OBJ, do_omap_getvals},
    {OSDOP_OMAP_GETKEYS, F_OBJ, do_omap_getkeys},
    {OSDOP_OMAP_GETVALSBYKEYS, F_OBJ, do_omap_getvalsbykeys},
    {OSDOP_OMAP_GETHEADER, F_OBJ, do_omap_getheader},
    {OSDOP_OMAP_CMP, F_OBJ, do_omap_cmp},
    {OSDOP_CMPEXT, F_OBJ, do_cmpext},
    {OSDOP_ASSERT_EXISTS, F_OBJ, do_assert_exists},
    {OSDOP_ASSERT_VERSION, F_OBJ, do_assert_version},
    {OSDOP_CREATE, F_WRITE, do_create},
    {OSDOP_WRITE, F_WRITE, do_write},
    {OSDOP_WRITEFULL, F_WRITE, do_writefull},
    {OSDOP_APPEND, F_WRITE, do_append},
    {OSDOP_TRUNCATE, F_WRITE, do_truncate},
    {OSDOP_ZERO, F_WRITE, do_zero},
    {OSDOP_DELETE, F_WRITE | F_OBJ, do_delete},
    {OSDOP_SETXATTR, F_WRITE, do_xattr_write},
    {OSDOP_RMXATTR, F_WRITE | F_OBJ, do_xattr_write},
    {OSDOP_OMAP_SETVALS, F_WRITE, do_omap_write},
    {OSDOP_OMAP_RMKEYS, F_WRITE | F_OBJ, do_omap_write},
    {OSDOP_OMAP_RMRANGE, F_WRITE | F_OBJ, do_omap_write},
    {OSDOP_OMAP_CLEAR, F_WRITE | F_OBJ, do_omap_write},
    {OSDOP_OMAP_SETHEADER, F_WRITE, do_omap_write},
    {OSDOP_WRITESAME, F_WRITE, do_writesame},
    {OSDOP_SETALLOCHINT, 0, do_nothing},
    {OSDOP_TOUCH, F_WRITE, do_create},
    {OSDOP_REMOVE, F_WRITE, do_delete},
};

static const struct step_def *find_def(uint32_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(step_defs); i++)
		if (step_defs[i].code == code)
			return &step_defs[i];
	return NULL;
}

static int64_t dispatch(struct exec *e, struct msg_osd_subop *op, struct buflist *in,
			struct buflist *out)
{
	const struct step_def *d = find_def(op->op);

	if (!d)
		return -EOPNOTSUPP;
	if ((d->flags & F_WRITE) && !e->w)
		return -EINVAL;
	if ((d->flags & F_OBJ) && !e->x.exists)
		return -ENOENT;
	return d->fn(e, op, in, out);
}

/* One step: its input is the next indata_len bytes at *@pos; output goes to @outdata. */
static int64_t run_step(struct exec *e, struct msg_osd_subop *op, const struct buflist *indata,
			size_t *pos, struct buflist *outdata)
{
	struct buflist in = BUFLIST_INIT, out = BUFLIST_INIT;
	size_t at = *pos;
	int64_t r;

	if (op->indata_len > indata->len - at) {
		*pos = indata->len;
		return -EINVAL;
	}
	*pos += op->indata_len;
	r = buflist_slice(&in, indata, at, op->indata_len);
	if (!r)
		r = dispatch(e, op, &in, &out);
	if (r >= 0 && out.len > UINT32_MAX)
		r = -E2BIG;
	if (r >= 0 && out.len) {
		/* (buflist_claim of an empty list memcpy's from NULL.) */
		uint32_t n = (uint32_t)out.len;
		if (!(r = buflist_claim(outdata, &out)))
			op->outdata_len = n;
	}
	buflist_fini(&in);
	buflist_fini(&out);
	return r;
}

int64_t osd_exec_op(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		    struct msg_osd_subop *ops, uint32_t n_ops, const struct buflist *indata,
		    const struct osd_exec_limits *lim, struct buflist *outdata,
		    struct osd_exec_write *out_w)
{
	static const struct buflist none = BUFLIST_INIT;
	struct exec e = {s, cid, oid, lim, {false, true, 0}, out_w};
	struct os_stat st;
	size_t pos = 0;
	bool existed;
	int64_t r;

	assert(!out_w || (out_w->n_ops == 0 && out_w->data.len == 0));
	for (uint32_t i = 0; i < n_ops; i++) {
		ops[i].rval = 0;
		ops[i].outdata_len = 0;
	}
	r = os_stat(s, cid, oid, &st);
	if (r && r != -ENOENT)
		return r;
	if (!r)
		e.x = (struct xstate){true, false, st.size};
	existed = e.x.exists;
	r = 0;
	for (uint32_t i = 0; i < n_ops && !r; i++) {
		uint32_t n0 = out_w ? out_w->n_ops : 0;
		struct xstate x0 = e.x;
		int64_t rv = run_step(&e, &ops[i], indata ? indata : &none, &pos, outdata);
		ops[i].rval = rv;
		if (rv >= 0)
			continue;
		if ((ops[i].flags & OSDOP_F_FAILOK) && rv != -ENOMEM) {
			/* A failing step leaves nothing behind (see the top of the file). */
			assert(!out_w || out_w->n_ops == n0);
			assert(x0.exists == e.x.exists && x0.size == e.x.size);
			(void)n0;
			(void)x0;
			continue;
		}
		r = rv;
	}
	if (r) {
		osd_exec_write_fini(out_w);
		return r;
	}
	if (out_w) {
		out_w->existed = existed;
		out_w->deletes = !e.x.exists;
		out_w->size = e.x.size;
	}
	return 0;
}

int osd_exec_set_oi(struct osd_exec_write *w, const struct osd_exec_oi *oi)
{
	uint8_t b[OSD_EXEC_OI_LEN];
	struct msg_bytes val = {b, sizeof(b)};

	if (w->deletes)
		return 0;
	osd_exec_oi_encode(oi, b);
	return add_step(w, OSDOP_SETXATTR, OSD_EXEC_OI_ATTR, NULL, 0, &val, 1) ? 0 : -ENOMEM;
}

int osd_exec_set_locator(struct osd_exec_write *w, const char *locator)
{
	if (w->deletes || !locator || !*locator)
		return 0;
	struct msg_bytes val = {(uint8_t *)locator, strlen(locator)};
	return add_step(w, OSDOP_SETXATTR, OSD_EXEC_LOC_ATTR, NULL, 0, &val, 1) ? 0 : -ENOMEM;
}

/* ---- applying physical steps ----------------------------------------------------- */

static int apply_write(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		       const struct msg_osd_subop *op, const struct buflist *data, size_t pos)
{
	struct buflist bl = BUFLIST_INIT;
	int r = buflist_slice(&bl, data, pos, op->indata_len);

	if (!r)
		r = os_txn_write(t, cid, oid, op->off, &bl);
	buflist_fini(&bl);
	return r;
}

static int apply_omap(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		      const struct msg_osd_subop *op)
{
	int r = 0;

	switch (op->op) {
	case OSDOP_OMAP_SETVALS:
		if (op->n_keys != op->n_vals)
			return -EINVAL;
		for (uint32_t i = 0; i < op->n_keys && !r; i++)
			r = os_txn_omap_set(t, cid, oid, op->keys[i].data, op->keys[i].len,
					    op->vals[i].data, op->vals[i].len);
		return r;
	case OSDOP_OMAP_RMKEYS:
		for (uint32_t i = 0; i < op->n_keys && !r; i++)
			r = os_txn_omap_rm(t, cid, oid, op->keys[i].data, op->keys[i].len);
		return r;
	case OSDOP_OMAP_RMRANGE:
		if (op->n_keys != 2)
			return -EINVAL;
		return os_txn_omap_rmrange(t, cid, oid, op->keys[0].data, op->keys[0].len,
					   op->keys[1].data, op->keys[1].len);
	case OSDOP_OMAP_CLEAR:
		return os_txn_omap_clear(t, cid, oid);
	case OSDOP_OMAP_SETHEADER:
		if (op->n_vals < 1)
			return -EINVAL;
		return os_txn_omap_setheader(t, cid, oid, op->vals[0].data, op->vals[0].len);
	default:
		return -EINVAL;
	}
}

static int apply_one(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		     const struct msg_osd_subop *op, const struct buflist *data, size_t pos)
{
	switch (op->op) {
	case OSDOP_WRITE:
		return apply_write(t, cid, oid, op, data, pos);
	case OSDOP_TRUNCATE:
		return os_txn_truncate(t, cid, oid, op->off);
	case OSDOP_ZERO:
		return os_txn_zero(t, cid, oid, op->off, op->len);
	case OSDOP_SETXATTR:
		if (!op->name || !*op->name || op->n_vals < 1)
			return -EINVAL;
		return os_txn_setattr(t, cid, oid, op->name, op->vals[0].data, op->vals[0].len);
	case OSDOP_RMXATTR:
		if (!op->name || !*op->name)
			return -EINVAL;
		return os_txn_rmattr(t, cid, oid, op->name);
	case OSDOP_TOUCH:
		return os_txn_touch(t, cid, oid);
	case OSDOP_REMOVE:
		return os_txn_remove(t, cid, oid);
	default:
		return apply_omap(t, cid, oid, op);
	}
}

int osd_exec_apply(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		   const struct msg_osd_subop *ops, uint32_t n_ops, const struct buflist *data)
{
	static const struct buflist none = BUFLIST_INIT;
	size_t pos = 0;

	if (!data)
		data = &none;
	for (uint32_t i = 0; i < n_ops; i++) {
		int r;
		if (!osdop_is_physical(ops[i].op) || ops[i].indata_len > data->len - pos)
			return -EINVAL;
		if ((r = apply_one(t, cid, oid, &ops[i], data, pos)))
			return r;
		pos += ops[i].indata_len;
	}
	return 0;
}

/* ---- PG listing -------------------------------------------------------------------- */

/* Where a listing starts: the cursor's object (inclusive); strings into @ns / @name. */
static int pgls_start(const struct msg_osd_subop *step, struct os_oid *out, char *ns, char *name)
{
	struct osdop_cursor c;

	if (step->n_keys == 0 || step->keys[0].len == 0)
		return 1;
	if (osdop_cursor_decode(step->keys[0].data, step->keys[0].len, &c) ||
	    memchr(c.nspace, 0, c.nslen) || memchr(c.name, 0, c.namelen))
		return -EINVAL;
	memcpy(ns, c.nspace, c.nslen);
	ns[c.nslen] = 0;
	memcpy(name, c.name, c.namelen);
	name[c.namelen] = 0;
	/* Lowest pool and snap: the first object with this hash, name and namespace. */
	*out = (struct os_oid){INT64_MIN, c.hash, 0, ns, name};
	return 0;
}

static int pgls_add(struct os_store *s, const struct os_cid *cid, struct osdop_kv_writer *w,
		    const struct os_oid *o)
{
	struct buf v = BUF_INIT;
	/* "nspace\0locator" (the locator only if the object was written with one). */
	int r = buf_append(&v, o->nspace, strlen(o->nspace) + 1);
	if (!r) {
		r = os_getattr(s, cid, o, OSD_EXEC_LOC_ATTR, &v);
		if (r == -ENOENT)
			r = 0; /* written without a locator */
	}

	if (!r)
		r = osdop_kv_add(w, o->name, strlen(o->name), v.data, v.len);
	buf_fini(&v);
	return r;
}

/* Fill @w from @start on; @out_next gets the object to continue from, if any. */
static int pgls_scan(struct os_store *s, const struct os_cid *cid, const struct os_oid *start,
		     const char *ns, uint32_t max, struct osdop_kv_writer *w,
		     struct os_oidlist *out_next)
{
	struct os_oidlist cur = OS_OIDLIST_INIT;
	unsigned scanned = 0;
	int r = 0;

	for (;;) {
		struct os_oidlist l = OS_OIDLIST_INIT;
		r = os_list(s, cid, start, NULL, max - w->count, &l, out_next);
		for (size_t i = 0; i < l.n && !r; i++) {
			if ((!ns || !strcmp(l.v[i].nspace, ns)) && l.v[i].snap == OS_NOSNAP)
				r = pgls_add(s, cid, w, &l.v[i]);
		}
		scanned += (unsigned)l.n;
		os_oidlist_fini(&l);
		if (r || out_next->n == 0 || w->count >= max || scanned >= PGLS_SCAN_MAX)
			break;
		/* Continue from the next object: it becomes the start. */
		os_oidlist_fini(&cur);
		cur = *out_next;
		*out_next = (struct os_oidlist)OS_OIDLIST_INIT;
		start = &cur.v[0];
	}
	os_oidlist_fini(&cur);
	return r;
}

int osd_exec_pgls(struct os_store *s, const struct os_cid *cid, const struct msg_osd_subop *step,
		  struct buf *out)
{
	char ns[OSDOP_NSPACE_MAX + 1], name[OSDOP_NAME_MAX + 1];
	const char *filter = NULL;
	struct os_oidlist next = OS_OIDLIST_INIT;
	struct os_oid start;
	struct osdop_kv_writer w;
	struct buf cursor = BUF_INIT;
	uint32_t max = step->arg ? (uint32_t)MIN(step->arg, PGLS_MAX) : PGLS_DEFAULT;
	size_t len0 = out->len;
	uint8_t lenb[4];
	int r = pgls_start(step, &start, ns, name);
	bool from_first = r == 1;

	if (r < 0)
		return r;
	if (step->flags & OSDOP_PGLS_F_NSPACE)
		filter = step->name ? step->name : "";
	if (!(r = osdop_kv_begin(&w, out)))
		r = pgls_scan(s, cid, from_first ? NULL : &start, filter, max, &w, &next);
	if (!r)
		r = osdop_kv_end(&w, next.n > 0);
	if (!r && next.n)
		r = osdop_cursor_encode(next.v[0].hash, next.v[0].nspace, next.v[0].name, &cursor);
	enc_put_le32(lenb, (uint32_t)cursor.len);
	if (!r)
		r = buf_append(out, lenb, sizeof(lenb));
	if (!r)
		r = buf_append(out, cursor.data, cursor.len);
	if (r)
		out->len = len0;
	buf_fini(&cursor);
	os_oidlist_fini(&next);
	return r;
}
