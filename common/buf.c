/*
 * buf.c - growable buffers, refcounted blocks and scatter-gather lists.
 * See buf.h.
 */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

/* ---- struct buf ------------------------------------------------------- */

void buf_fini(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

int buf_reserve(struct buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len - 1)
		return -ENOMEM;
	size_t need = b->len + extra + 1; /* room for a NUL */
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	int rc = buf_reserve(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_append_byte(struct buf *b, uint8_t c)
{
	return buf_append(b, &c, 1);
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return buf_append(b, small, (size_t)n);

	int rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *buf_cstr(struct buf *b)
{
	if (buf_reserve(b, 0) != 0)
		return NULL;
	b->data[b->len] = '\0';
	return (char *)b->data;
}

uint8_t *buf_steal(struct buf *b, size_t *out_len)
{
	uint8_t *p = b->data;
	if (out_len)
		*out_len = b->len;
	buf_init(b);
	return p;
}

/* ---- struct bufraw ---------------------------------------------------- */

struct bufraw {
	_Atomic unsigned refs;
	size_t len;
	void *data;
	bufraw_free_fn free_fn; /* NULL: data is inline or plain malloc */
	void *free_arg;
	bool inline_data;
	_Alignas(16) uint8_t inline_bytes[];
};

struct bufraw *bufraw_create(size_t len)
{
	if (len > SIZE_MAX - sizeof(struct bufraw))
		return NULL;
	struct bufraw *r = malloc(sizeof(*r) + len);
	if (!r)
		return NULL;
	atomic_init(&r->refs, 1);
	r->len = len;
	r->data = r->inline_bytes;
	r->free_fn = NULL;
	r->free_arg = NULL;
	r->inline_data = true;
	return r;
}

struct bufraw *bufraw_create_aligned(size_t len, size_t align)
{
	void *data = NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&data, align, len ? len : 1) != 0)
		return NULL;
	struct bufraw *r = bufraw_wrap(data, len, NULL, NULL);
	if (!r)
		free(data);
	return r;
}

struct bufraw *bufraw_copy(const void *data, size_t len)
{
	struct bufraw *r = bufraw_create(len);
	if (r && len)
		memcpy(r->data, data, len);
	return r;
}

struct bufraw *bufraw_wrap(void *data, size_t len, bufraw_free_fn free_fn, void *arg)
{
	struct bufraw *r = malloc(sizeof(*r));
	if (!r)
		return NULL;
	atomic_init(&r->refs, 1);
	r->len = len;
	r->data = data;
	r->free_fn = free_fn;
	r->free_arg = arg;
	r->inline_data = false;
	return r;
}

struct bufraw *bufraw_get(struct bufraw *r)
{
	atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
	return r;
}

void bufraw_put(struct bufraw *r)
{
	if (!r)
		return;
	if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (!r->inline_data) {
		if (r->free_fn)
			r->free_fn(r->data, r->len, r->free_arg);
		else
			free(r->data);
	}
	free(r);
}

void *bufraw_data(const struct bufraw *r)
{
	return r->data;
}

size_t bufraw_len(const struct bufraw *r)
{
	return r->len;
}

unsigned bufraw_refs(const struct bufraw *r)
{
	return atomic_load(&r->refs);
}

/* ---- struct buflist --------------------------------------------------- */

void buflist_clear(struct buflist *bl)
{
	for (unsigned i = 0; i < bl->nsegs; i++)
		bufraw_put(bl->segs[i].raw);
	bl->nsegs = 0;
	bl->len = 0;
}

void buflist_fini(struct buflist *bl)
{
	buflist_clear(bl);
	free(bl->segs);
	buflist_init(bl);
}

static int reserve_segs(struct buflist *bl, unsigned extra)
{
	if (bl->nsegs + extra <= bl->cap)
		return 0;
	if (extra > UINT32_MAX / 2 - bl->nsegs)
		return -ENOMEM;
	unsigned cap = bl->cap ? bl->cap : 4;
	while (cap < bl->nsegs + extra)
		cap *= 2;
	struct bufseg *s = realloc(bl->segs, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	bl->segs = s;
	bl->cap = cap;
	return 0;
}

int buflist_append_raw(struct buflist *bl, struct bufraw *raw, size_t off, size_t len)
{
	if (off > raw->len || len > raw->len - off)
		return -ERANGE;
	if (len == 0)
		return 0;
	/* A slice that continues the previous one extends it. */
	if (bl->nsegs > 0) {
		struct bufseg *last = &bl->segs[bl->nsegs - 1];
		if (last->raw == raw && last->off + last->len == off) {
			last->len += len;
			bl->len += len;
			return 0;
		}
	}
	int rc = reserve_segs(bl, 1);
	if (rc)
		return rc;
	bl->segs[bl->nsegs++] = (struct bufseg){bufraw_get(raw), off, len};
	bl->len += len;
	return 0;
}

int buflist_append_copy(struct buflist *bl, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	struct bufraw *r = bufraw_copy(data, len);
	if (!r)
		return -ENOMEM;
	int rc = buflist_append_raw(bl, r, 0, len);
	bufraw_put(r);
	return rc;
}

int buflist_append_list(struct buflist *bl, const struct buflist *src)
{
	int rc = reserve_segs(bl, src->nsegs);
	if (rc)
		return rc;
	for (unsigned i = 0; i < src->nsegs; i++) {
		const struct bufseg *s = &src->segs[i];
		rc = buflist_append_raw(bl, s->raw, s->off, s->len);
		if (rc)
			return rc; /* cannot happen: room was reserved */
	}
	return 0;
}

int buflist_claim(struct buflist *dst, struct buflist *src)
{
	if (src->nsegs == 0)
		return 0;
	if (dst->nsegs == 0) {
		/* Swap arrays: no allocation needed. */
		struct buflist tmp = *dst;
		*dst = *src;
		*src = tmp;
		buflist_clear(src);
		return 0;
	}
	int rc = reserve_segs(dst, src->nsegs);
	if (rc)
		return rc;
	memcpy(dst->segs + dst->nsegs, src->segs, src->nsegs * sizeof(*src->segs));
	dst->nsegs += src->nsegs;
	dst->len += src->len;
	src->nsegs = 0;
	src->len = 0;
	return 0;
}

/* Index of the segment holding byte @off, and the offset inside it. */
static unsigned find_seg(const struct buflist *bl, size_t off, size_t *out_inner)
{
	unsigned i = 0;
	while (i < bl->nsegs && off >= bl->segs[i].len) {
		off -= bl->segs[i].len;
		i++;
	}
	*out_inner = off;
	return i;
}

int buflist_slice(struct buflist *dst, const struct buflist *src, size_t off, size_t len)
{
	if (off > src->len || len > src->len - off)
		return -ERANGE;
	size_t inner;
	unsigned i = find_seg(src, off, &inner);
	while (len > 0) {
		const struct bufseg *s = &src->segs[i];
		size_t n = MIN(len, s->len - inner);
		int rc = buflist_append_raw(dst, s->raw, s->off + inner, n);
		if (rc) {
			buflist_clear(dst);
			return rc;
		}
		len -= n;
		inner = 0;
		i++;
	}
	return 0;
}

void buflist_trim_front(struct buflist *bl, size_t n)
{
	unsigned drop = 0;
	if (n > bl->len)
		n = bl->len;
	bl->len -= n;
	while (n > 0) {
		struct bufseg *s = &bl->segs[drop];
		if (n < s->len) {
			s->off += n;
			s->len -= n;
			break;
		}
		n -= s->len;
		bufraw_put(s->raw);
		drop++;
	}
	if (drop) {
		memmove(bl->segs, bl->segs + drop, (bl->nsegs - drop) * sizeof(*bl->segs));
		bl->nsegs -= drop;
	}
}

int buflist_copy_out(const struct buflist *bl, size_t off, size_t len, void *out)
{
	uint8_t *dst = out;
	if (off > bl->len || len > bl->len - off)
		return -ERANGE;
	size_t inner;
	unsigned i = find_seg(bl, off, &inner);
	while (len > 0) {
		const struct bufseg *s = &bl->segs[i];
		size_t n = MIN(len, s->len - inner);
		memcpy(dst, (uint8_t *)s->raw->data + s->off + inner, n);
		dst += n;
		len -= n;
		inner = 0;
		i++;
	}
	return 0;
}

int buflist_to_iovec(const struct buflist *bl, size_t off, struct iovec *iov, int max)
{
	int n = 0;
	if (off >= bl->len)
		return 0;
	size_t inner;
	unsigned i = find_seg(bl, off, &inner);
	for (; i < bl->nsegs && n < max; i++) {
		const struct bufseg *s = &bl->segs[i];
		iov[n].iov_base = (uint8_t *)s->raw->data + s->off + inner;
		iov[n].iov_len = s->len - inner;
		inner = 0;
		n++;
	}
	return n;
}

int buflist_contiguous(struct buflist *bl, uint8_t **out)
{
	if (bl->nsegs == 0) {
		*out = NULL;
		return 0;
	}
	if (bl->nsegs > 1) {
		struct bufraw *r = bufraw_create(bl->len);
		if (!r)
			return -ENOMEM;
		buflist_copy_out(bl, 0, bl->len, r->data);
		size_t len = bl->len;
		buflist_clear(bl);
		bl->segs[0] = (struct bufseg){r, 0, len};
		bl->nsegs = 1;
		bl->len = len;
	}
	*out = (uint8_t *)bl->segs[0].raw->data + bl->segs[0].off;
	return 0;
}

uint32_t buflist_crc32c(const struct buflist *bl, uint32_t crc)
{
	for (unsigned i = 0; i < bl->nsegs; i++) {
		const struct bufseg *s = &bl->segs[i];
		crc = crc32c(crc, (uint8_t *)s->raw->data + s->off, s->len);
	}
	return crc;
}

bool buflist_equal(const struct buflist *a, const struct buflist *b)
{
	if (a->len != b->len)
		return false;
	size_t off = 0;
	uint8_t tmp[4096];
	while (off < a->len) {
		size_t n = MIN(sizeof(tmp), a->len - off);
		uint8_t tmp2[4096];
		buflist_copy_out(a, off, n, tmp);
		buflist_copy_out(b, off, n, tmp2);
		if (memcmp(tmp, tmp2, n) != 0)
			return false;
		off += n;
	}
	return true;
}
