/*
 * osdop.c - step names, output encodings and PG state names shared by
 * clients and OSDs (see osdop.h).
 */
#include <errno.h>
#include <string.h>

#include "compiler.h"
#include "enc.h"
#include "osdop.h"

static const struct {
	uint32_t code;
	const char *name;
	bool physical;
} codes[] = {
    {OSDOP_READ, "read", false},
    {OSDOP_STAT, "stat", false},
    {OSDOP_GETXATTR, "getxattr", false},
    {OSDOP_GETXATTRS, "getxattrs", false},
    {OSDOP_CMPXATTR, "cmpxattr", false},
    {OSDOP_OMAP_GETVALS, "omap-get-vals", false},
    {OSDOP_OMAP_GETKEYS, "omap-get-keys", false},
    {OSDOP_OMAP_GETVALSBYKEYS, "omap-get-vals-by-keys", false},
    {OSDOP_OMAP_GETHEADER, "omap-get-header", false},
    {OSDOP_OMAP_CMP, "omap-cmp", false},
    {OSDOP_CMPEXT, "cmpext", false},
    {OSDOP_ASSERT_EXISTS, "assert-exists", false},
    {OSDOP_ASSERT_VERSION, "assert-version", false},
    {OSDOP_PGLS, "pgls", false},
    {OSDOP_CHECKSUM, "checksum", false},
    {OSDOP_CREATE, "create", false},
    {OSDOP_WRITE, "write", true},
    {OSDOP_WRITEFULL, "writefull", false},
    {OSDOP_APPEND, "append", false},
    {OSDOP_TRUNCATE, "truncate", true},
    {OSDOP_ZERO, "zero", true},
    {OSDOP_DELETE, "delete", false},
    {OSDOP_SETXATTR, "setxattr", true},
    {OSDOP_RMXATTR, "rmxattr", true},
    {OSDOP_OMAP_SETVALS, "omap-set-vals", true},
    {OSDOP_OMAP_RMKEYS, "omap-rm-keys", true},
    {OSDOP_OMAP_RMRANGE, "omap-rm-range", true},
    {OSDOP_OMAP_CLEAR, "omap-clear", true},
    {OSDOP_OMAP_SETHEADER, "omap-set-header", true},
    {OSDOP_WRITESAME, "writesame", false},
    {OSDOP_SETALLOCHINT, "set-alloc-hint", false},
    {OSDOP_TOUCH, "touch", true},
    {OSDOP_REMOVE, "remove", true},
};

bool osdop_is_physical(uint32_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i].code == code)
			return codes[i].physical;
	return false;
}

const char *osdop_name(uint32_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "unknown";
}

/* ---- stat -------------------------------------------------------------------- */

void osdop_stat_encode(uint64_t size, uint64_t mtime_ns, uint8_t out[OSDOP_STAT_LEN])
{
	enc_put_le64(out, size);
	enc_put_le64(out + 8, mtime_ns);
}

int osdop_stat_decode(const void *data, size_t len, uint64_t *out_size, uint64_t *out_mtime_ns)
{
	if (len != OSDOP_STAT_LEN)
		return -EBADMSG;
	*out_size = enc_get_le64(data);
	*out_mtime_ns = enc_get_le64((const uint8_t *)data + 8);
	return 0;
}

/* ---- key/value lists ------------------------------------------------------- */

static int put_le32(struct buf *b, uint32_t v)
{
	uint8_t x[4];
	enc_put_le32(x, v);
	return buf_append(b, x, 4);
}

static int put_bytes(struct buf *b, const void *p, size_t len)
{
	if (len > UINT32_MAX)
		return -E2BIG;
	int rc = put_le32(b, (uint32_t)len);
	return rc ? rc : buf_append(b, p, len);
}

int osdop_kv_begin(struct osdop_kv_writer *w, struct buf *out)
{
	w->out = out;
	w->count_at = out->len;
	w->count = 0;
	return put_le32(out, 0);
}

int osdop_kv_add(struct osdop_kv_writer *w, const void *key, size_t klen, const void *val,
		 size_t vlen)
{
	int rc = put_bytes(w->out, key, klen);
	if (!rc)
		rc = put_bytes(w->out, val, vlen);
	if (!rc)
		w->count++;
	return rc;
}

int osdop_kv_end(struct osdop_kv_writer *w, bool more)
{
	enc_put_le32(w->out->data + w->count_at, w->count);
	return buf_append_byte(w->out, more ? 1 : 0);
}

static int rd_blob(struct enc_rd *r, const uint8_t **out, size_t *out_len)
{
	uint32_t n;
	int rc = enc_rd_le32(r, &n);
	if (!rc)
		rc = enc_rd_ref(r, n, out);
	if (rc)
		return -EBADMSG;
	*out_len = n;
	return 0;
}

int osdop_kv_iter_init(struct osdop_kv_iter *it, const void *data, size_t len)
{
	struct enc_rd r;
	uint32_t count;
	uint8_t more;
	enc_rd_init(&r, data, len);
	if (enc_rd_le32(&r, &count))
		return -EBADMSG;
	const uint8_t *first = (const uint8_t *)data + 4;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p;
		size_t n;
		if (rd_blob(&r, &p, &n) || rd_blob(&r, &p, &n))
			return -EBADMSG;
	}
	const uint8_t *end = (const uint8_t *)data + (len - enc_rd_left(&r));
	if (enc_rd_u8(&r, &more) || more > 1 || enc_rd_left(&r) != 0)
		return -EBADMSG;
	*it = (struct osdop_kv_iter){first, end, count, count, more == 1};
	return 0;
}

int osdop_kv_next(struct osdop_kv_iter *it, struct osdop_kv *out)
{
	if (it->left == 0)
		return 0;
	struct enc_rd r;
	enc_rd_init(&r, it->p, (size_t)(it->end - it->p));
	/* Checked by _init: cannot fail. */
	if (rd_blob(&r, &out->key, &out->klen) || rd_blob(&r, &out->val, &out->vlen))
		return -EBADMSG;
	it->p = it->end - enc_rd_left(&r);
	it->left--;
	return 1;
}

/* ---- listing cursors ----------------------------------------------------- */

int osdop_cursor_encode(uint32_t hash, const char *nspace, const char *name, struct buf *out)
{
	int rc = put_le32(out, hash);
	if (!rc)
		rc = put_bytes(out, nspace, strlen(nspace));
	if (!rc)
		rc = put_bytes(out, name, strlen(name));
	return rc;
}

int osdop_cursor_decode(const void *data, size_t len, struct osdop_cursor *out)
{
	struct enc_rd r;
	struct osdop_cursor c;
	const uint8_t *ns, *nm;
	enc_rd_init(&r, data, len);
	if (enc_rd_le32(&r, &c.hash) || rd_blob(&r, &ns, &c.nslen) ||
	    rd_blob(&r, &nm, &c.namelen) || enc_rd_left(&r) != 0)
		return -EBADMSG;
	if (c.nslen > OSDOP_NSPACE_MAX || c.namelen > OSDOP_NAME_MAX)
		return -EBADMSG;
	c.nspace = (const char *)ns;
	c.name = (const char *)nm;
	*out = c;
	return 0;
}

/* ---- PG states ------------------------------------------------------------- */

/* Ceph prints the words in this order. */
static const struct {
	uint32_t bit;
	const char *name;
} pg_words[] = {
    {OSDOP_PGS_STALE, "stale"},
    {OSDOP_PGS_CREATING, "creating"},
    {OSDOP_PGS_ACTIVE, "active"},
    {OSDOP_PGS_CLEAN, "clean"},
    {OSDOP_PGS_RECOVERY_WAIT, "recovery_wait"},
    {OSDOP_PGS_RECOVERING, "recovering"},
    {OSDOP_PGS_DOWN, "down"},
    {OSDOP_PGS_UNDERSIZED, "undersized"},
    {OSDOP_PGS_DEGRADED, "degraded"},
    {OSDOP_PGS_REMAPPED, "remapped"},
    {OSDOP_PGS_BACKFILLING, "backfilling"},
    {OSDOP_PGS_PEERING, "peering"},
    {OSDOP_PGS_PEERED, "peered"},
    {OSDOP_PGS_INCOMPLETE, "incomplete"},
    {OSDOP_PGS_UNKNOWN, "unknown"},
};

int osdop_pg_state_format(uint32_t state, char *out, size_t size)
{
	size_t n = 0;
	if (size == 0)
		return -ERANGE;
	out[0] = 0;
	if (state == 0)
		state = OSDOP_PGS_UNKNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(pg_words); i++) {
		if (!(state & pg_words[i].bit))
			continue;
		size_t w = strlen(pg_words[i].name);
		if (n + (n ? 1 : 0) + w + 1 > size)
			return -ERANGE;
		if (n)
			out[n++] = '+';
		memcpy(out + n, pg_words[i].name, w + 1);
		n += w;
	}
	return (int)n;
}
