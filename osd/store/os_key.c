/*
 * os_key.c - RocksDB key encoding for the object store (layout in
 * os_int.h).  Pure functions, any thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "os_int.h"

static uint64_t pool_bits(int64_t pool)
{
	/* Flip the sign bit so that two's-complement order becomes byte order. */
	return (uint64_t)pool ^ (1ULL << 63);
}

void os_key_cid(uint8_t out[OS_CID_KEYLEN], char pfx, const struct os_cid *cid)
{
	out[0] = (uint8_t)pfx;
	enc_put_be64(out + 1, pool_bits(cid->pool));
	enc_put_be32(out + 9, cid->seed);
}

void os_key_nid(uint8_t out[9], char pfx, uint64_t nid)
{
	out[0] = (uint8_t)pfx;
	enc_put_be64(out + 1, nid);
}

void os_key_data(uint8_t out[17], uint64_t nid, uint64_t lau)
{
	os_key_nid(out, OS_PFX_DATA, nid);
	enc_put_be64(out + 9, lau);
}

static int put_escaped(struct buf *b, const char *s)
{
	for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
		/* NUL cannot occur in a C string; only 0x01 needs escaping here. */
		int r = *p == 1 ? buf_append(b, "\x01\x02", 2) : buf_append_byte(b, *p);
		if (r)
			return r;
	}
	return buf_append_byte(b, 0);
}

int os_key_onode(struct buf *out, const struct os_cid *cid, const struct os_oid *oid)
{
	uint8_t head[OS_CID_KEYLEN + 4], tail[16];
	int r;

	os_key_cid(head, OS_PFX_ONODE, cid);
	enc_put_be32(head + OS_CID_KEYLEN, oid->hash);
	enc_put_be64(tail, pool_bits(oid->pool));
	enc_put_be64(tail + 8, oid->snap);
	buf_reset(out);
	if ((r = buf_append(out, head, sizeof(head))) || (r = put_escaped(out, oid->name)) ||
	    (r = put_escaped(out, oid->nspace)) || (r = buf_append(out, tail, sizeof(tail))))
		return r;
	return 0;
}

static int get_escaped(const uint8_t **pp, const uint8_t *end, char **out)
{
	struct buf b = BUF_INIT;
	const uint8_t *p = *pp;
	int r;

	for (;;) {
		if (p >= end)
			goto out_inval;
		if (*p == 0)
			break;
		uint8_t c = *p++;
		if (c == 1) {
			if (p >= end || (*p != 1 && *p != 2))
				goto out_inval;
			c = (uint8_t)(*p++ - 1);
			if (c == 0)
				goto out_inval; /* names never hold NUL */
		}
		if ((r = buf_append_byte(&b, c)))
			goto out_free;
	}
	*pp = p + 1;
	if (!buf_cstr(&b) && (r = buf_append_str(&b, "")))
		goto out_free;
	*out = (char *)buf_steal(&b, NULL);
	return *out ? 0 : -ENOMEM;

out_inval:
	r = -EINVAL;
out_free:
	buf_fini(&b);
	return r;
}

int os_key_onode_parse(const uint8_t *k, size_t klen, struct os_cid *out_cid,
		       struct os_oid *out_oid)
{
	const uint8_t *p = k, *end = k + klen;
	char *name = NULL, *ns = NULL;
	int r;

	if (klen < OS_CID_KEYLEN + 4 + 2 + 16 || k[0] != OS_PFX_ONODE)
		return -EINVAL;
	p += OS_CID_KEYLEN + 4;
	if ((r = get_escaped(&p, end, &name)) || (r = get_escaped(&p, end, &ns)))
		goto out_free;
	if (end - p != 16) {
		r = -EINVAL;
		goto out_free;
	}
	out_cid->pool = (int64_t)pool_bits(enc_get_be64(k + 1));
	out_cid->seed = enc_get_be32(k + 9);
	out_oid->hash = enc_get_be32(k + OS_CID_KEYLEN);
	out_oid->pool = (int64_t)pool_bits(enc_get_be64(p));
	out_oid->snap = enc_get_be64(p + 8);
	out_oid->name = name;
	out_oid->nspace = ns;
	return 0;

out_free:
	free(name);
	free(ns);
	return r;
}

void os_oid_free(struct os_oid *oid)
{
	free((char *)oid->name);
	free((char *)oid->nspace);
	oid->name = oid->nspace = NULL;
}

int os_oid_dup(struct os_oid *dst, const struct os_oid *src)
{
	char *n = strdup(src->name), *ns = strdup(src->nspace);

	if (!n || !ns) {
		free(n);
		free(ns);
		return -ENOMEM;
	}
	*dst = *src;
	dst->name = n;
	dst->nspace = ns;
	return 0;
}

int os_oid_cmp(const struct os_oid *a, const struct os_oid *b)
{
	int c;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if ((c = strcmp(a->name, b->name)))
		return c < 0 ? -1 : 1;
	if ((c = strcmp(a->nspace, b->nspace)))
		return c < 0 ? -1 : 1;
	if (a->pool != b->pool)
		return a->pool < b->pool ? -1 : 1;
	if (a->snap != b->snap)
		return a->snap < b->snap ? -1 : 1;
	return 0;
}
