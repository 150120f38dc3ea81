/*
 * rados_io.c - object I/O: the step lists every op is built from, the
 * delivery of step outputs, the synchronous calls (read, write, stat,
 * xattrs, ...) and the compound write/read operations.
 *
 * Every call builds a struct rados__oplist (common/osdop.h steps, their
 * input bytes, and where each step's output goes), hands it to the
 * objecter as one op, and, when the op is done, rados__oplist_complete()
 * writes the outputs: prvals, read data, stats, iterators.  The
 * synchronous calls do that on the calling thread; aio (rados_aio.c) on
 * the objecter thread before the completion completes.
 *
 * Input bytes are copied when a step is added, so the application's buffer
 * is free as soon as the call returns (or, for aio, is queued) - and a
 * message still queued in the messenger after a timeout never reads freed
 * memory.
 *
 * Threads: any; no locks here.  A compound op handle belongs to one thread
 * at a time (Ceph's rule).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>

#include "common/osdop.h"
#include "rados_int.h"

/* Ceph refuses single buffers above this with -E2BIG. */
#define IO_LEN_MAX ((size_t)UINT_MAX / 2)

static struct rados__ioctx *ioctx_of(rados_ioctx_t io)
{
	return (struct rados__ioctx *)io;
}

/* ---- step lists --------------------------------------------------------------------- */

static void fail(struct rados__oplist *l, int err)
{
	if (!l->err)
		l->err = err;
}

struct msg_osd_subop *rados__oplist_add(struct rados__oplist *l, uint32_t code,
					struct rados__step_out **out_out)
{
	if (l->err)
		return NULL;
	if (l->n_ops == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;
		struct msg_osd_subop *ops = realloc(l->ops, cap * sizeof(*ops));
		if (ops)
			l->ops = ops;
		struct rados__step_out *outs = ops ? realloc(l->outs, cap * sizeof(*outs)) : NULL;
		if (!outs) {
			fail(l, -ENOMEM);
			return NULL;
		}
		l->outs = outs;
		l->cap = cap;
	}
	struct msg_osd_subop *op = &l->ops[l->n_ops];
	struct rados__step_out *out = &l->outs[l->n_ops];
	memset(op, 0, sizeof(*op));
	memset(out, 0, sizeof(*out));
	op->op = code;
	l->n_ops++;
	l->flags |= OSDOP_IS_WRITE(code) ? OSDOP_OPF_WRITE : OSDOP_OPF_READ;
	if (out_out)
		*out_out = out;
	return op;
}

void rados__oplist_indata(struct rados__oplist *l, struct msg_osd_subop *op, const void *data,
			  size_t len)
{
	if (!op)
		return;
	if (len > IO_LEN_MAX) {
		fail(l, -E2BIG);
		return;
	}
	if (len && !data) {
		fail(l, -EINVAL);
		return;
	}
	if (len && buflist_append_copy(&l->indata, data, len) != 0) {
		fail(l, -ENOMEM);
		return;
	}
	op->indata_len = (uint32_t)len;
}

static void step_name(struct rados__oplist *l, struct msg_osd_subop *op, const char *name)
{
	if (op && msg_osd_subop_set_name(op, name) != 0)
		fail(l, -ENOMEM);
}

static void step_key(struct rados__oplist *l, struct msg_osd_subop *op, const void *k, size_t len)
{
	if (op && (len && !k))
		fail(l, -EINVAL);
	else if (op && msg_osd_subop_add_key(op, k, len) != 0)
		fail(l, -ENOMEM);
}

static void step_val(struct rados__oplist *l, struct msg_osd_subop *op, const void *v, size_t len)
{
	if (op && (len && !v))
		fail(l, -EINVAL);
	else if (op && msg_osd_subop_add_val(op, v, len) != 0)
		fail(l, -ENOMEM);
}

void rados__oplist_fini(struct rados__oplist *l)
{
	for (uint32_t i = 0; i < l->n_ops; i++)
		msg_osd_subop_fini(&l->ops[i]);
	free(l->ops);
	free(l->outs);
	buflist_fini(&l->indata);
	memset(l, 0, sizeof(*l));
}

void rados__oplist_move(struct rados__oplist *dst, struct rados__oplist *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
	buflist_init(&src->indata);
}

/* ---- builders ------------------------------------------------------------------------ */

void rados__b_write(struct rados__oplist *l, const char *buf, size_t len, uint64_t off)
{
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_WRITE, NULL);
	if (s)
		s->off = off;
	rados__oplist_indata(l, s, buf, len);
}

void rados__b_write_full(struct rados__oplist *l, const char *buf, size_t len)
{
	rados__oplist_indata(l, rados__oplist_add(l, OSDOP_WRITEFULL, NULL), buf, len);
}

void rados__b_writesame(struct rados__oplist *l, const char *buf, size_t data_len, size_t write_len,
			uint64_t off)
{
	if (data_len == 0 || write_len % data_len != 0) {
		fail(l, -EINVAL);
		return;
	}
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_WRITESAME, NULL);
	if (s) {
		s->off = off;
		s->len = write_len;
	}
	rados__oplist_indata(l, s, buf, data_len);
}

void rados__b_append(struct rados__oplist *l, const char *buf, size_t len)
{
	rados__oplist_indata(l, rados__oplist_add(l, OSDOP_APPEND, NULL), buf, len);
}

void rados__b_remove(struct rados__oplist *l)
{
	rados__oplist_add(l, OSDOP_DELETE, NULL);
}

void rados__b_truncate(struct rados__oplist *l, uint64_t size)
{
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_TRUNCATE, NULL);
	if (s)
		s->off = size;
}

void rados__b_read(struct rados__oplist *l, char *buf, size_t len, uint64_t off, size_t *bytes_read,
		   int *prval)
{
	if (len && !buf) {
		fail(l, -EINVAL);
		return;
	}
	if (len > IO_LEN_MAX) {
		fail(l, -E2BIG);
		return;
	}
	struct rados__step_out *o;
	/* A read of 0 bytes only needs the object to exist (len 0 would mean "all"). */
	struct msg_osd_subop *s = rados__oplist_add(l, len ? OSDOP_READ : OSDOP_STAT, &o);
	if (!s)
		return;
	s->off = len ? off : 0;
	s->len = len;
	*o = (struct rados__step_out){
	    .kind = RADOS_OUT_READ, .prval = prval, .buf = buf, .len = len, .out_len = bytes_read};
}

void rados__b_stat(struct rados__oplist *l, uint64_t *psize, time_t *pmtime, struct timespec *pts,
		   int *prval)
{
	struct rados__step_out *o;
	if (rados__oplist_add(l, OSDOP_STAT, &o))
		*o = (struct rados__step_out){.kind = RADOS_OUT_STAT,
					      .prval = prval,
					      .psize = psize,
					      .pmtime = pmtime,
					      .pts = pts};
}

void rados__b_cmpext(struct rados__oplist *l, const char *cmp_buf, size_t cmp_len, uint64_t off,
		     int *prval)
{
	struct rados__step_out *o;
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_CMPEXT, &o);
	if (!s)
		return;
	s->off = off;
	s->len = cmp_len;
	o->prval = prval;
	rados__oplist_indata(l, s, cmp_buf, cmp_len);
}

static bool xattr_name_ok(struct rados__oplist *l, const char *name)
{
	if (!name)
		fail(l, -EINVAL);
	else if (strlen(name) > OSDOP_XATTR_NAME_MAX)
		fail(l, -ENAMETOOLONG);
	return !l->err;
}

void rados__b_getxattr(struct rados__oplist *l, const char *name, char *buf, size_t len, int *prval)
{
	if (!xattr_name_ok(l, name))
		return;
	if (len && !buf) {
		fail(l, -EINVAL);
		return;
	}
	struct rados__step_out *o;
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_GETXATTR, &o);
	step_name(l, s, name);
	if (s)
		*o = (struct rados__step_out){
		    .kind = RADOS_OUT_XATTR, .prval = prval, .buf = buf, .len = len};
}

void rados__b_setxattr(struct rados__oplist *l, const char *name, const char *val, size_t len)
{
	if (!xattr_name_ok(l, name))
		return;
	if (len > OSDOP_XATTR_VALUE_MAX) {
		fail(l, -E2BIG);
		return;
	}
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_SETXATTR, NULL);
	step_name(l, s, name);
	step_val(l, s, val, len);
}

void rados__b_rmxattr(struct rados__oplist *l, const char *name)
{
	if (xattr_name_ok(l, name))
		step_name(l, rados__oplist_add(l, OSDOP_RMXATTR, NULL), name);
}

/*
 * A new empty iterator for a step's output, handed to the application at
 * once through @piter (NULL and l->err on ENOMEM).
 */
static struct rados__kv_iter *iter_new(struct rados__oplist *l, void **piter)
{
	struct rados__kv_iter *it = piter ? calloc(1, sizeof(*it)) : NULL;
	if (piter && !it)
		fail(l, -ENOMEM);
	if (piter)
		*piter = it;
	return it;
}

void rados__b_getxattrs(struct rados__oplist *l, void **piter, int *prval)
{
	struct rados__step_out *o;
	if (rados__oplist_add(l, OSDOP_GETXATTRS, &o))
		*o = (struct rados__step_out){
		    .kind = RADOS_OUT_XATTRS, .prval = prval, .iter = iter_new(l, piter)};
}

void rados__b_unsupported(struct rados__oplist *l, int *prval)
{
	/* Object classes and checksums are not implemented: the whole op fails. */
	if (prval)
		*prval = -EOPNOTSUPP;
	fail(l, -EOPNOTSUPP);
}

/* ---- outputs ------------------------------------------------------------------------- */

void rados__kv_iter_free(struct rados__kv_iter *it)
{
	if (!it)
		return;
	for (size_t i = 0; i < it->n; i++) {
		free(it->keys[i]);
		free(it->vals[i]);
	}
	free(it->keys);
	free(it->vals);
	free(it->klens);
	free(it->vlens);
	free(it);
}

static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/*
 * Decode a kv list into a new iterator.  @keys_only: no values;
 * @null_empty: zero-length values are NULL (omap's convention).
 */
static int kv_decode(const uint8_t *data, size_t len, bool keys_only, bool null_empty,
		     struct rados__kv_iter **out, bool *out_more)
{
	struct osdop_kv_iter it;
	int rc = osdop_kv_iter_init(&it, data, len);
	if (rc)
		return rc;
	struct rados__kv_iter *x = calloc(1, sizeof(*x));
	size_t n = it.count ? it.count : 1;
	if (x) {
		x->keys = calloc(n, sizeof(char *));
		x->vals = calloc(n, sizeof(char *));
		x->klens = calloc(n, sizeof(size_t));
		x->vlens = calloc(n, sizeof(size_t));
	}
	if (!x || !x->keys || !x->vals || !x->klens || !x->vlens) {
		rados__kv_iter_free(x);
		return -ENOMEM;
	}
	struct osdop_kv kv;
	while ((rc = osdop_kv_next(&it, &kv)) == 1) {
		size_t i = x->n++;
		x->keys[i] = dup_bytes(kv.key, kv.klen);
		x->klens[i] = kv.klen;
		bool no_val = keys_only || (null_empty && kv.vlen == 0);
		x->vals[i] = no_val ? NULL : dup_bytes(kv.val, kv.vlen);
		x->vlens[i] = no_val ? 0 : kv.vlen;
		if (!x->keys[i] || (!no_val && !x->vals[i])) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc) {
		rados__kv_iter_free(x);
		return rc < 0 ? rc : -EBADMSG;
	}
	*out = x;
	if (out_more)
		*out_more = it.more;
	return 0;
}

/*
 * Deliver one step's output (@d, @n bytes).  @op_ok: the whole op
 * succeeded (iterators are handed out only then).  *@got: the length the
 * API reports for this step.
 */
static int deliver(const struct rados__step_out *o, const uint8_t *d, size_t n, bool op_ok,
		   size_t *got)
{
	*got = n;
	switch (o->kind) {
	case RADOS_OUT_READ:
		/* A 0-byte read was sent as a stat: it delivers nothing. */
		*got = o->len ? (n < o->len ? n : o->len) : 0;
		if (*got)
			memcpy(o->buf, d, *got);
		if (o->out_len)
			*o->out_len = *got;
		return 0;
	case RADOS_OUT_STAT: {
		uint64_t size, mtime;
		int rc = osdop_stat_decode(d, n, &size, &mtime);
		if (rc)
			return rc;
		if (o->psize)
			*o->psize = size;
		if (o->pmtime)
			*o->pmtime = (time_t)(mtime / 1000000000ULL);
		if (o->pts) {
			o->pts->tv_sec = (time_t)(mtime / 1000000000ULL);
			o->pts->tv_nsec = (long)(mtime % 1000000000ULL);
		}
		*got = 0;
		return 0;
	}
	case RADOS_OUT_XATTR:
		if (n > o->len)
			return -ERANGE;
		if (n)
			memcpy(o->buf, d, n);
		if (o->out_len)
			*o->out_len = n;
		return 0;
	case RADOS_OUT_XATTRS:
	case RADOS_OUT_OMAP:
	case RADOS_OUT_OMAP_KEYS: {
		if (!op_ok || !o->iter)
			return 0;
		struct rados__kv_iter *it;
		bool more = false;
		/* xattrs keep "" for empty values; omap gives NULL (python relies on it). */
		int rc = kv_decode(d, n, o->kind == RADOS_OUT_OMAP_KEYS,
				   o->kind != RADOS_OUT_XATTRS, &it, &more);
		if (rc)
			return rc;
		*o->iter = *it; /* the contents move into the application's iterator */
		free(it);
		if (o->pmore)
			*o->pmore = more;
		return 0;
	}
	default:
		return 0;
	}
}

int64_t rados__oplist_complete(struct rados__oplist *l, struct msg *reply, int64_t result,
			       int ret_step)
{
	const struct msg_osd_op_reply *b = reply ? msg_body(reply) : NULL;
	uint8_t *data = NULL;
	size_t dlen = 0, need = 0;
	if (b) {
		dlen = buflist_length(msg_data(reply));
		for (uint32_t i = 0; i < b->n_ops; i++)
			need += b->ops[i].outdata_len;
		if (b->n_ops > l->n_ops || need > dlen ||
		    (dlen && buflist_contiguous(msg_data(reply), &data) != 0)) {
			b = NULL; /* a reply that does not fit the request: no outputs */
			if (result >= 0)
				result = -EBADMSG;
		}
	}
	int64_t ret = result;
	size_t off = 0;
	for (uint32_t i = 0; i < l->n_ops; i++) {
		const struct rados__step_out *o = &l->outs[i];
		bool ran = b && i < b->n_ops;
		int64_t rval = ran ? b->ops[i].rval : (result < 0 ? result : 0);
		size_t olen = ran ? b->ops[i].outdata_len : 0;
		size_t got = 0;
		int orc = 0;
		if (ran && rval >= 0)
			orc = deliver(o, data + off, olen, result >= 0, &got);
		/* The OSD's read step answers its byte count; Ceph's prval for a read is 0. */
		if (o->kind == RADOS_OUT_READ && rval > 0)
			rval = 0;
		/* When the op failed, Ceph's iterator steps find nothing to decode: -EIO. */
		if (result < 0 && (o->kind == RADOS_OUT_XATTRS || o->kind == RADOS_OUT_OMAP ||
				   o->kind == RADOS_OUT_OMAP_KEYS))
			rval = -EIO;
		off += olen;
		if (orc) {
			rval = orc;
			if (ret >= 0)
				ret = orc;
		}
		if (o->prval)
			*o->prval = (int)rval;
		if ((int)i == ret_step && ret >= 0)
			ret = (int64_t)got;
	}
	return ret;
}

/* ---- synchronous calls ------------------------------------------------------------- */

int rados__op_prepare(struct rados__ioctx *io, const char *oid, struct rados__oplist *l,
		      struct rados__op **out)
{
	int rc = !io || !oid ? -EINVAL : l->err;
	if (!rc && rados__ioctx_all_nspaces(io))
		rc = -EINVAL; /* LIBRADOS_ALL_NSPACES is for listings only */
	if (!rc && strlen(oid) > OSDOP_NAME_MAX)
		rc = -ENAMETOOLONG;
	if (rc) {
		rados__oplist_fini(l);
		return rc;
	}
	*out = rados__op_create(io, oid, l);
	return *out ? 0 : -ENOMEM;
}

/* Run @l on @oid and wait; outputs delivered.  Returns the API result. */
static int64_t run_sync(rados_ioctx_t ioctx, const char *oid, struct rados__oplist *l, int ret_step)
{
	struct rados__ioctx *io = ioctx_of(ioctx);
	struct rados__op *op;
	int rc = rados__op_prepare(io, oid, l, &op);
	if (rc)
		return rc;
	int64_t r = rados__op_run(io->c, op);
	r = rados__oplist_complete(&op->steps, op->reply, r, ret_step);
	if (op->reply)
		io->last_version = op->version;
	rados__op_free(op);
	return r;
}

uint64_t rados_get_last_version(rados_ioctx_t io)
{
	struct rados__ioctx *x = ioctx_of(io);
	return x ? x->last_version : 0;
}

int rados_write(rados_ioctx_t io, const char *oid, const char *buf, size_t len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_write(&l, buf, len, off);
	return (int)run_sync(io, oid, &l, -1);
}

int rados_write_full(rados_ioctx_t io, const char *oid, const char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_write_full(&l, buf, len);
	return (int)run_sync(io, oid, &l, -1);
}

int rados_writesame(rados_ioctx_t io, const char *oid, const char *buf, size_t data_len,
		    size_t write_len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_writesame(&l, buf, data_len, write_len, off);
	return (int)run_sync(io, oid, &l, -1);
}

int rados_append(rados_ioctx_t io, const char *oid, const char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_append(&l, buf, len);
	return (int)run_sync(io, oid, &l, -1);
}

int rados_read(rados_ioctx_t io, const char *oid, char *buf, size_t len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_read(&l, buf, len, off, NULL, NULL);
	return (int)run_sync(io, oid, &l, 0);
}

int rados_remove(rados_ioctx_t io, const char *oid)
{
	struct rados__oplist l = {0};
	rados__b_remove(&l);
	return (int)run_sync(io, oid, &l, -1);
}

int rados_trunc(rados_ioctx_t io, const char *oid, uint64_t size)
{
	struct rados__oplist l = {0};
	rados__b_truncate(&l, size);
	return (int)run_sync(io, oid, &l, -1);
}

int rados_cmpext(rados_ioctx_t io, const char *o, const char *cmp_buf, size_t cmp_len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_cmpext(&l, cmp_buf, cmp_len, off, NULL);
	return (int)run_sync(io, o, &l, -1);
}

int rados_stat(rados_ioctx_t io, const char *o, uint64_t *psize, time_t *pmtime)
{
	struct rados__oplist l = {0};
	rados__b_stat(&l, psize, pmtime, NULL, NULL);
	return (int)run_sync(io, o, &l, -1);
}

int rados_getxattr(rados_ioctx_t io, const char *o, const char *name, char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_getxattr(&l, name, buf, len, NULL);
	return (int)run_sync(io, o, &l, 0);
}

int rados_setxattr(rados_ioctx_t io, const char *o, const char *name, const char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_setxattr(&l, name, buf, len);
	return (int)run_sync(io, o, &l, -1);
}

int rados_rmxattr(rados_ioctx_t io, const char *o, const char *name)
{
	struct rados__oplist l = {0};
	rados__b_rmxattr(&l, name);
	return (int)run_sync(io, o, &l, -1);
}

int rados_getxattrs(rados_ioctx_t io, const char *oid, rados_xattrs_iter_t *iter)
{
	if (!iter)
		return -EINVAL;
	struct rados__oplist l = {0};
	*iter = NULL;
	rados__b_getxattrs(&l, iter, NULL);
	int rc = (int)run_sync(io, oid, &l, -1);
	if (rc < 0) {
		/* A failed call hands out no iterator. */
		rados__kv_iter_free(*iter);
		*iter = NULL;
	}
	return rc;
}

int rados_getxattrs_next(rados_xattrs_iter_t iter, const char **name, const char **val, size_t *len)
{
	struct rados__kv_iter *it = iter;
	if (!it || !name || !val || !len)
		return -EINVAL;
	if (it->pos >= it->n) {
		*name = NULL;
		*val = NULL;
		*len = 0;
		return 0;
	}
	*name = it->keys[it->pos];
	*val = it->vals[it->pos];
	*len = it->vlens[it->pos];
	it->pos++;
	return 0;
}

void rados_getxattrs_end(rados_xattrs_iter_t iter)
{
	rados__kv_iter_free(iter);
}

int rados_exec(rados_ioctx_t io, const char *oid, const char *cls, const char *method,
	       const char *in_buf, size_t in_len, char *buf, size_t out_len)
{
	(void)cls, (void)method, (void)in_buf, (void)in_len, (void)buf, (void)out_len;
	if (!io || !oid)
		return -EINVAL;
	return -EOPNOTSUPP; /* object classes are not implemented */
}

static int alloc_hint(rados_ioctx_t io, const char *o, uint64_t osize, uint64_t wsize,
		      uint32_t flags)
{
	struct rados__oplist l = {0};
	struct msg_osd_subop *s = rados__oplist_add(&l, OSDOP_SETALLOCHINT, NULL);
	if (s) {
		s->len = osize;
		s->off = wsize;
		s->arg = flags;
	}
	return (int)run_sync(io, o, &l, -1);
}

int rados_set_alloc_hint(rados_ioctx_t io, const char *o, uint64_t expected_object_size,
			 uint64_t expected_write_size)
{
	return alloc_hint(io, o, expected_object_size, expected_write_size, 0);
}

int rados_set_alloc_hint2(rados_ioctx_t io, const char *o, uint64_t expected_object_size,
			  uint64_t expected_write_size, uint32_t flags)
{
	return alloc_hint(io, o, expected_object_size, expected_write_size, flags);
}

/* ---- compound operations --------------------------------------------------------------- */

static struct rados__oplist *oplist_of(void *op)
{
	return (struct rados__oplist *)op;
}

static void set_last_flags(struct rados__oplist *l, int flags)
{
	if (!l || l->n_ops == 0)
		return;
	struct msg_osd_subop *s = &l->ops[l->n_ops - 1];
	if (flags & LIBRADOS_OP_FLAG_EXCL)
		s->flags |= OSDOP_F_EXCL;
	if (flags & LIBRADOS_OP_FLAG_FAILOK)
		s->flags |= OSDOP_F_FAILOK;
	/* The fadvise hints change no result: ignored. */
}

static void b_assert_exists(struct rados__oplist *l)
{
	if (l)
		rados__oplist_add(l, OSDOP_ASSERT_EXISTS, NULL);
}

static void b_assert_version(struct rados__oplist *l, uint64_t ver)
{
	struct msg_osd_subop *s = l ? rados__oplist_add(l, OSDOP_ASSERT_VERSION, NULL) : NULL;
	if (s)
		s->arg = ver;
}

static void b_cmpxattr(struct rados__oplist *l, const char *name, uint8_t cmp, const char *value,
		       size_t value_len)
{
	if (!l || !xattr_name_ok(l, name))
		return;
	if (cmp < LIBRADOS_CMPXATTR_OP_EQ || cmp > LIBRADOS_CMPXATTR_OP_LTE) {
		fail(l, -EINVAL);
		return;
	}
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_CMPXATTR, NULL);
	if (s)
		s->arg = cmp;
	step_name(l, s, name);
	step_val(l, s, value, value_len);
}

static void b_omap_cmp(struct rados__oplist *l, const char *key, uint8_t cmp, const char *val,
		       size_t key_len, size_t val_len, int *prval)
{
	if (!l)
		return;
	if (!key || cmp < LIBRADOS_CMPXATTR_OP_EQ || cmp > LIBRADOS_CMPXATTR_OP_LTE) {
		fail(l, -EINVAL);
		return;
	}
	struct rados__step_out *o;
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_OMAP_CMP, &o);
	if (s) {
		s->arg = cmp;
		o->prval = prval;
	}
	step_key(l, s, key, key_len);
	step_val(l, s, val, val_len);
}

rados_write_op_t rados_create_write_op(void)
{
	return calloc(1, sizeof(struct rados__oplist));
}

void rados_release_write_op(rados_write_op_t write_op)
{
	struct rados__oplist *l = oplist_of(write_op);
	if (!l)
		return;
	rados__oplist_fini(l);
	free(l);
}

void rados_write_op_set_flags(rados_write_op_t write_op, int flags)
{
	set_last_flags(oplist_of(write_op), flags);
}

void rados_write_op_assert_exists(rados_write_op_t write_op)
{
	b_assert_exists(oplist_of(write_op));
}

void rados_write_op_assert_version(rados_write_op_t write_op, uint64_t ver)
{
	b_assert_version(oplist_of(write_op), ver);
}

void rados_write_op_cmpext(rados_write_op_t write_op, const char *cmp_buf, size_t cmp_len,
			   uint64_t off, int *prval)
{
	if (write_op)
		rados__b_cmpext(oplist_of(write_op), cmp_buf, cmp_len, off, prval);
}

void rados_write_op_cmpxattr(rados_write_op_t write_op, const char *name,
			     uint8_t comparison_operator, const char *value, size_t value_len)
{
	b_cmpxattr(oplist_of(write_op), name, comparison_operator, value, value_len);
}

void rados_write_op_omap_cmp(rados_write_op_t write_op, const char *key,
			     uint8_t comparison_operator, const char *val, size_t val_len,
			     int *prval)
{
	b_omap_cmp(oplist_of(write_op), key, comparison_operator, val, key ? strlen(key) : 0,
		   val_len, prval);
}

void rados_write_op_omap_cmp2(rados_write_op_t write_op, const char *key,
			      uint8_t comparison_operator, const char *val, size_t key_len,
			      size_t val_len, int *prval)
{
	b_omap_cmp(oplist_of(write_op), key, comparison_operator, val, key_len, val_len, prval);
}

void rados_write_op_setxattr(rados_write_op_t write_op, const char *name, const char *value,
			     size_t value_len)
{
	if (write_op)
		rados__b_setxattr(oplist_of(write_op), name, value, value_len);
}

void rados_write_op_rmxattr(rados_write_op_t write_op, const char *name)
{
	if (write_op)
		rados__b_rmxattr(oplist_of(write_op), name);
}

void rados_write_op_create(rados_write_op_t write_op, int exclusive, const char *category)
{
	(void)category; /* obsolete */
	struct rados__oplist *l = oplist_of(write_op);
	struct msg_osd_subop *s = l ? rados__oplist_add(l, OSDOP_CREATE, NULL) : NULL;
	if (s && exclusive == LIBRADOS_CREATE_EXCLUSIVE)
		s->flags |= OSDOP_F_EXCL;
}

void rados_write_op_write(rados_write_op_t write_op, const char *buffer, size_t len,
			  uint64_t offset)
{
	if (write_op)
		rados__b_write(oplist_of(write_op), buffer, len, offset);
}

void rados_write_op_write_full(rados_write_op_t write_op, const char *buffer, size_t len)
{
	if (write_op)
		rados__b_write_full(oplist_of(write_op), buffer, len);
}

void rados_write_op_writesame(rados_write_op_t write_op, const char *buffer, size_t data_len,
			      size_t write_len, uint64_t offset)
{
	if (write_op)
		rados__b_writesame(oplist_of(write_op), buffer, data_len, write_len, offset);
}

void rados_write_op_append(rados_write_op_t write_op, const char *buffer, size_t len)
{
	if (write_op)
		rados__b_append(oplist_of(write_op), buffer, len);
}

void rados_write_op_remove(rados_write_op_t write_op)
{
	if (write_op)
		rados__b_remove(oplist_of(write_op));
}

void rados_write_op_truncate(rados_write_op_t write_op, uint64_t offset)
{
	if (write_op)
		rados__b_truncate(oplist_of(write_op), offset);
}

void rados_write_op_zero(rados_write_op_t write_op, uint64_t offset, uint64_t len)
{
	struct rados__oplist *l = oplist_of(write_op);
	struct msg_osd_subop *s = l ? rados__oplist_add(l, OSDOP_ZERO, NULL) : NULL;
	if (s) {
		s->off = offset;
		s->len = len;
	}
}

void rados_write_op_exec(rados_write_op_t write_op, const char *cls, const char *method,
			 const char *in_buf, size_t in_len, int *prval)
{
	(void)cls, (void)method, (void)in_buf, (void)in_len;
	if (write_op)
		rados__b_unsupported(oplist_of(write_op), prval);
}

static void b_omap_set(struct rados__oplist *l, char const *const *keys, char const *const *vals,
		       const size_t *key_lens, const size_t *val_lens, size_t num)
{
	if (!l || num == 0)
		return;
	if (!keys || !vals || !val_lens) {
		fail(l, -EINVAL);
		return;
	}
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_OMAP_SETVALS, NULL);
	for (size_t i = 0; i < num && s && !l->err; i++) {
		step_key(l, s, keys[i], key_lens ? key_lens[i] : keys[i] ? strlen(keys[i]) : 0);
		step_val(l, s, vals[i], val_lens[i]);
	}
}

void rados_write_op_omap_set(rados_write_op_t write_op, char const *const *keys,
			     char const *const *vals, const size_t *lens, size_t num)
{
	b_omap_set(oplist_of(write_op), keys, vals, NULL, lens, num);
}

void rados_write_op_omap_set2(rados_write_op_t write_op, char const *const *keys,
			      char const *const *vals, const size_t *key_lens,
			      const size_t *val_lens, size_t num)
{
	b_omap_set(oplist_of(write_op), keys, vals, key_lens, val_lens, num);
}

static void b_omap_rm_keys(struct rados__oplist *l, char const *const *keys, const size_t *key_lens,
			   size_t n)
{
	if (!l || n == 0)
		return;
	if (!keys) {
		fail(l, -EINVAL);
		return;
	}
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_OMAP_RMKEYS, NULL);
	for (size_t i = 0; i < n && s && !l->err; i++)
		step_key(l, s, keys[i], key_lens ? key_lens[i] : keys[i] ? strlen(keys[i]) : 0);
}

void rados_write_op_omap_rm_keys(rados_write_op_t write_op, char const *const *keys,
				 size_t keys_len)
{
	b_omap_rm_keys(oplist_of(write_op), keys, NULL, keys_len);
}

void rados_write_op_omap_rm_keys2(rados_write_op_t write_op, char const *const *keys,
				  const size_t *key_lens, size_t keys_len)
{
	b_omap_rm_keys(oplist_of(write_op), keys, key_lens, keys_len);
}

void rados_write_op_omap_rm_range2(rados_write_op_t write_op, const char *key_begin,
				   size_t key_begin_len, const char *key_end, size_t key_end_len)
{
	struct rados__oplist *l = oplist_of(write_op);
	if (!l)
		return;
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_OMAP_RMRANGE, NULL);
	step_key(l, s, key_begin, key_begin_len);
	step_key(l, s, key_end, key_end_len);
}

void rados_write_op_omap_clear(rados_write_op_t write_op)
{
	struct rados__oplist *l = oplist_of(write_op);
	if (l)
		rados__oplist_add(l, OSDOP_OMAP_CLEAR, NULL);
}

static void b_alloc_hint(struct rados__oplist *l, uint64_t osize, uint64_t wsize, uint32_t flags)
{
	struct msg_osd_subop *s = l ? rados__oplist_add(l, OSDOP_SETALLOCHINT, NULL) : NULL;
	if (s) {
		s->len = osize;
		s->off = wsize;
		s->arg = flags;
	}
}

void rados_write_op_set_alloc_hint(rados_write_op_t write_op, uint64_t expected_object_size,
				   uint64_t expected_write_size)
{
	b_alloc_hint(oplist_of(write_op), expected_object_size, expected_write_size, 0);
}

void rados_write_op_set_alloc_hint2(rados_write_op_t write_op, uint64_t expected_object_size,
				    uint64_t expected_write_size, uint32_t flags)
{
	b_alloc_hint(oplist_of(write_op), expected_object_size, expected_write_size, flags);
}

/*
 * Perform: the op's steps are taken (the handle may be reused at once).
 * The mtime argument cannot travel (the OSD stamps its own clock) and is
 * ignored, as are the LIBRADOS_OPERATION_* flags, which change no result.
 */
static int operate(void *handle, rados_ioctx_t io, const char *oid)
{
	struct rados__oplist *h = oplist_of(handle);
	if (!h)
		return -EINVAL;
	struct rados__oplist l;
	rados__oplist_move(&l, h);
	if (l.n_ops == 0 && !l.err) {
		rados__oplist_fini(&l);
		return io && oid ? 0 : -EINVAL;
	}
	bool cmp_last = rados__oplist_ends_in_cmpxattr(&l);
	int r = (int)run_sync(io, oid, &l, -1);
	return r == 0 && cmp_last ? 1 : r;
}

bool rados__oplist_ends_in_cmpxattr(const struct rados__oplist *l)
{
	/* Ceph's OSD answers a read op with its last step's result, and a true
	 * cmpxattr is 1 there: rados_read_op_operate returns 1 (Ceph's own tests
	 * expect it).  Write ops answer 0. */
	return l->n_ops && !(l->flags & OSDOP_OPF_WRITE) &&
	       l->ops[l->n_ops - 1].op == OSDOP_CMPXATTR;
}

int rados_write_op_operate(rados_write_op_t write_op, rados_ioctx_t io, const char *oid,
			   time_t *mtime, int flags)
{
	(void)mtime, (void)flags;
	return operate(write_op, io, oid);
}

int rados_write_op_operate2(rados_write_op_t write_op, rados_ioctx_t io, const char *oid,
			    struct timespec *mtime, int flags)
{
	(void)mtime, (void)flags;
	return operate(write_op, io, oid);
}

rados_read_op_t rados_create_read_op(void)
{
	return calloc(1, sizeof(struct rados__oplist));
}

void rados_release_read_op(rados_read_op_t read_op)
{
	rados_release_write_op(read_op);
}

void rados_read_op_set_flags(rados_read_op_t read_op, int flags)
{
	set_last_flags(oplist_of(read_op), flags);
}

void rados_read_op_assert_exists(rados_read_op_t read_op)
{
	b_assert_exists(oplist_of(read_op));
}

void rados_read_op_assert_version(rados_read_op_t read_op, uint64_t ver)
{
	b_assert_version(oplist_of(read_op), ver);
}

void rados_read_op_cmpext(rados_read_op_t read_op, const char *cmp_buf, size_t cmp_len,
			  uint64_t off, int *prval)
{
	if (read_op)
		rados__b_cmpext(oplist_of(read_op), cmp_buf, cmp_len, off, prval);
}

void rados_read_op_cmpxattr(rados_read_op_t read_op, const char *name, uint8_t comparison_operator,
			    const char *value, size_t value_len)
{
	b_cmpxattr(oplist_of(read_op), name, comparison_operator, value, value_len);
}

void rados_read_op_getxattrs(rados_read_op_t read_op, rados_xattrs_iter_t *iter, int *prval)
{
	if (read_op)
		rados__b_getxattrs(oplist_of(read_op), iter, prval);
}

void rados_read_op_omap_cmp(rados_read_op_t read_op, const char *key, uint8_t comparison_operator,
			    const char *val, size_t val_len, int *prval)
{
	b_omap_cmp(oplist_of(read_op), key, comparison_operator, val, key ? strlen(key) : 0,
		   val_len, prval);
}

void rados_read_op_omap_cmp2(rados_read_op_t read_op, const char *key, uint8_t comparison_operator,
			     const char *val, size_t key_len, size_t val_len, int *prval)
{
	b_omap_cmp(oplist_of(read_op), key, comparison_operator, val, key_len, val_len, prval);
}

void rados_read_op_stat(rados_read_op_t read_op, uint64_t *psize, time_t *pmtime, int *prval)
{
	if (read_op)
		rados__b_stat(oplist_of(read_op), psize, pmtime, NULL, prval);
}

void rados_read_op_read(rados_read_op_t read_op, uint64_t offset, size_t len, char *buffer,
			size_t *bytes_read, int *prval)
{
	if (read_op)
		rados__b_read(oplist_of(read_op), buffer, len, offset, bytes_read, prval);
}

void rados_read_op_checksum(rados_read_op_t read_op, rados_checksum_type_t type,
			    const char *init_value, size_t init_value_len, uint64_t offset,
			    size_t len, size_t chunk_size, char *pchecksum, size_t checksum_len,
			    int *prval)
{
	(void)type, (void)init_value, (void)init_value_len, (void)offset, (void)len;
	(void)chunk_size, (void)pchecksum, (void)checksum_len;
	if (read_op)
		rados__b_unsupported(oplist_of(read_op), prval);
}

void rados_read_op_exec(rados_read_op_t read_op, const char *cls, const char *method,
			const char *in_buf, size_t in_len, char **out_buf, size_t *out_len,
			int *prval)
{
	(void)cls, (void)method, (void)in_buf, (void)in_len, (void)out_buf, (void)out_len;
	if (read_op)
		rados__b_unsupported(oplist_of(read_op), prval);
}

void rados_read_op_exec_user_buf(rados_read_op_t read_op, const char *cls, const char *method,
				 const char *in_buf, size_t in_len, char *out_buf, size_t out_len,
				 size_t *used_len, int *prval)
{
	(void)cls, (void)method, (void)in_buf, (void)in_len, (void)out_buf, (void)out_len;
	if (used_len)
		*used_len = 0;
	if (read_op)
		rados__b_unsupported(oplist_of(read_op), prval);
}

static void b_omap_list(struct rados__oplist *l, uint32_t code, const char *start_after,
			const char *prefix, uint64_t max, rados_omap_iter_t *iter,
			unsigned char *pmore, int *prval)
{
	if (!l)
		return;
	struct rados__step_out *o;
	struct msg_osd_subop *s = rados__oplist_add(l, code, &o);
	if (!s)
		return;
	s->arg = max;
	*o = (struct rados__step_out){.kind = code == OSDOP_OMAP_GETKEYS ? RADOS_OUT_OMAP_KEYS
									 : RADOS_OUT_OMAP,
				      .prval = prval,
				      .iter = iter_new(l, (void **)iter),
				      .pmore = pmore};
	/* NULL and "" alike mean "from the start" / "every key". */
	step_name(l, s, start_after ? start_after : "");
	if (code == OSDOP_OMAP_GETVALS)
		step_key(l, s, prefix ? prefix : "", prefix ? strlen(prefix) : 0);
}

void rados_read_op_omap_get_vals(rados_read_op_t read_op, const char *start_after,
				 const char *filter_prefix, uint64_t max_return,
				 rados_omap_iter_t *iter, int *prval)
{
	b_omap_list(oplist_of(read_op), OSDOP_OMAP_GETVALS, start_after, filter_prefix, max_return,
		    iter, NULL, prval);
}

void rados_read_op_omap_get_vals2(rados_read_op_t read_op, const char *start_after,
				  const char *filter_prefix, uint64_t max_return,
				  rados_omap_iter_t *iter, unsigned char *pmore, int *prval)
{
	b_omap_list(oplist_of(read_op), OSDOP_OMAP_GETVALS, start_after, filter_prefix, max_return,
		    iter, pmore, prval);
}

void rados_read_op_omap_get_keys(rados_read_op_t read_op, const char *start_after,
				 uint64_t max_return, rados_omap_iter_t *iter, int *prval)
{
	b_omap_list(oplist_of(read_op), OSDOP_OMAP_GETKEYS, start_after, NULL, max_return, iter,
		    NULL, prval);
}

void rados_read_op_omap_get_keys2(rados_read_op_t read_op, const char *start_after,
				  uint64_t max_return, rados_omap_iter_t *iter,
				  unsigned char *pmore, int *prval)
{
	b_omap_list(oplist_of(read_op), OSDOP_OMAP_GETKEYS, start_after, NULL, max_return, iter,
		    pmore, prval);
}

static void b_omap_by_keys(struct rados__oplist *l, char const *const *keys, size_t n,
			   const size_t *key_lens, rados_omap_iter_t *iter, int *prval)
{
	if (!l)
		return;
	if (n && !keys) {
		fail(l, -EINVAL);
		return;
	}
	struct rados__step_out *o;
	struct msg_osd_subop *s = rados__oplist_add(l, OSDOP_OMAP_GETVALSBYKEYS, &o);
	if (s)
		*o =
		    (struct rados__step_out){.kind = RADOS_OUT_OMAP, .prval = prval,
					     .iter = iter_new(l, (void **)iter)};
	for (size_t i = 0; i < n && s && !l->err; i++)
		step_key(l, s, keys[i], key_lens ? key_lens[i] : keys[i] ? strlen(keys[i]) : 0);
}

void rados_read_op_omap_get_vals_by_keys(rados_read_op_t read_op, char const *const *keys,
					 size_t keys_len, rados_omap_iter_t *iter, int *prval)
{
	b_omap_by_keys(oplist_of(read_op), keys, keys_len, NULL, iter, prval);
}

void rados_read_op_omap_get_vals_by_keys2(rados_read_op_t read_op, char const *const *keys,
					  size_t num_keys, const size_t *key_lens,
					  rados_omap_iter_t *iter, int *prval)
{
	b_omap_by_keys(oplist_of(read_op), keys, num_keys, key_lens, iter, prval);
}

int rados_read_op_operate(rados_read_op_t read_op, rados_ioctx_t io, const char *oid, int flags)
{
	(void)flags;
	return operate(read_op, io, oid);
}

/* ---- omap iterators -------------------------------------------------------------------- */

int rados_omap_get_next2(rados_omap_iter_t iter, char **key, char **val, size_t *key_len,
			 size_t *val_len)
{
	struct rados__kv_iter *it = iter;
	if (!it)
		return -EINVAL;
	bool end = it->pos >= it->n;
	if (key)
		*key = end ? NULL : it->keys[it->pos];
	if (val)
		*val = end ? NULL : it->vals[it->pos];
	if (key_len)
		*key_len = end ? 0 : it->klens[it->pos];
	if (val_len)
		*val_len = end ? 0 : it->vlens[it->pos];
	if (!end)
		it->pos++;
	return 0;
}

int rados_omap_get_next(rados_omap_iter_t iter, char **key, char **val, size_t *len)
{
	return rados_omap_get_next2(iter, key, val, NULL, len);
}

unsigned int rados_omap_iter_size(rados_omap_iter_t iter)
{
	struct rados__kv_iter *it = iter;
	return it ? (unsigned int)it->n : 0;
}

void rados_omap_get_end(rados_omap_iter_t iter)
{
	rados__kv_iter_free(iter);
}
