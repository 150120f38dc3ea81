/*
 * buf.h - byte buffers.
 *
 * Three tools, from simplest to the one the data path uses:
 *
 *  struct buf      a growable, singly owned byte array (encoders, text).
 *  struct bufraw   a reference-counted block of memory.  It is immutable
 *                  once shared: whoever holds the only reference may fill
 *                  it, after that everyone only reads.
 *  struct buflist  a scatter-gather list of slices of bufraws.  Payloads
 *                  (object data) travel as buflists from socket to store
 *                  and back without being copied: appending a slice takes
 *                  a reference, and buflist_to_iovec() hands the segments
 *                  to writev/pwritev as they are.
 *
 * None of these are thread safe on their own, except the bufraw reference
 * count (atomic): a buflist may be built on one thread and handed whole to
 * another, and two threads may hold slices of the same bufraw.
 *
 * Functions that allocate return -ENOMEM (or NULL) on failure and leave the
 * object as it was.
 */
#ifndef CAIRN_BUF_H
#define CAIRN_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "compiler.h"

/* ---- struct buf: growable array -------------------------------------- */

struct buf {
	uint8_t *data; /* NULL until the first append */
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

static inline void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Free the storage; the buf is empty and reusable afterwards. */
void buf_fini(struct buf *b);
/* Make room for @extra more bytes.  0 or -ENOMEM. */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_byte(struct buf *b, uint8_t c);
int buf_append_str(struct buf *b, const char *s);
/* Append formatted text; data stays NUL-terminated past len. */
int buf_printf(struct buf *b, const char *fmt, ...) CAIRN_PRINTF(2, 3);
/* Ensure data[len] == '\0' (not counted in len) and return data. */
char *buf_cstr(struct buf *b);
static inline void buf_reset(struct buf *b)
{
	b->len = 0;
}
/*
 * Hand the storage to the caller (free() it) and leave @b empty.
 * May return NULL when nothing was ever appended.
 */
uint8_t *buf_steal(struct buf *b, size_t *out_len);

/* ---- struct bufraw: refcounted memory -------------------------------- */

struct bufraw;

typedef void (*bufraw_free_fn)(void *data, size_t len, void *arg);

/* A new block of @len bytes (contents undefined), refcount 1. */
struct bufraw *bufraw_create(size_t len);
/* As bufraw_create, with data aligned to @align (a power of two). */
struct bufraw *bufraw_create_aligned(size_t len, size_t align);
/* A new block holding a copy of @data. */
struct bufraw *bufraw_copy(const void *data, size_t len);
/*
 * Wrap memory the caller allocated.  Takes ownership of @data: @free_fn is
 * called with (@data, @len, @arg) when the last reference goes (NULL means
 * plain free()).  Returns NULL on allocation failure, and then @data is
 * still the caller's.
 */
struct bufraw *bufraw_wrap(void *data, size_t len, bufraw_free_fn free_fn, void *arg);

struct bufraw *bufraw_get(struct bufraw *r);
void bufraw_put(struct bufraw *r);
void *bufraw_data(const struct bufraw *r);
size_t bufraw_len(const struct bufraw *r);
unsigned bufraw_refs(const struct bufraw *r);

/* ---- struct buflist: scatter-gather list ----------------------------- */

struct bufseg {
	struct bufraw *raw; /* one reference held by the list */
	size_t off;
	size_t len;
};

struct buflist {
	struct bufseg *segs;
	unsigned nsegs;
	unsigned cap;
	size_t len; /* sum of segment lengths */
};

#define BUFLIST_INIT {NULL, 0, 0, 0}

static inline void buflist_init(struct buflist *bl)
{
	bl->segs = NULL;
	bl->nsegs = 0;
	bl->cap = 0;
	bl->len = 0;
}

static inline size_t buflist_length(const struct buflist *bl)
{
	return bl->len;
}

/* Drop every reference and free the segment array. */
void buflist_fini(struct buflist *bl);
/* Drop every reference, keep the array for reuse. */
void buflist_clear(struct buflist *bl);

/* Append bytes [off, off+len) of @raw; takes a new reference of its own. */
int buflist_append_raw(struct buflist *bl, struct bufraw *raw, size_t off, size_t len);
/* Append a copy of @data. */
int buflist_append_copy(struct buflist *bl, const void *data, size_t len);
/* Append every segment of @src (new references; @src unchanged). */
int buflist_append_list(struct buflist *bl, const struct buflist *src);
/* Move every segment of @src to the end of @dst; @src ends empty. */
int buflist_claim(struct buflist *dst, struct buflist *src);
/*
 * Make @dst (which must be empty) reference bytes [off, off+len) of @src.
 * -ERANGE if the range is outside @src.
 */
int buflist_slice(struct buflist *dst, const struct buflist *src, size_t off, size_t len);
/* Drop the first @n bytes (e.g. after a short writev). */
void buflist_trim_front(struct buflist *bl, size_t n);
/* Copy bytes [off, off+len) into @out.  -ERANGE if outside the list. */
int buflist_copy_out(const struct buflist *bl, size_t off, size_t len, void *out);
/*
 * Fill up to @max iovecs with the list's bytes starting at @off.  Returns
 * the number of iovecs used; if the list needs more, the caller writes
 * those and calls again with a larger @off.
 */
int buflist_to_iovec(const struct buflist *bl, size_t off, struct iovec *iov, int max);
/*
 * Make the list one contiguous segment (copying only if it has several)
 * and return a pointer to its bytes in @out (NULL for an empty list).
 */
int buflist_contiguous(struct buflist *bl, uint8_t **out);
/* CRC-32C of the whole list, chained from @crc (see crc32c.h). */
uint32_t buflist_crc32c(const struct buflist *bl, uint32_t crc);
bool buflist_equal(const struct buflist *a, const struct buflist *b);

#endif
