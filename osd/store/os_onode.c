/*
 * os_onode.c - the in-memory onode, its extent map and its on-disk
 * encoding.  Pure functions on a single-owner struct, any thread.
 *
 * Encoding (little-endian, the whole record covered by a trailing crc32c
 * so a torn or bit-flipped onode is caught before it is trusted):
 *   u8 struct_v (1)
 *   u64 nid, u64 size, u64 version, u32 flags
 *   u32 nxattrs, then per xattr: u16 name_len, name, u32 val_len, val
 *   u32 nruns, then per run: u64 lau, u64 pau, u32 n, n x u32 crc
 *   u32 crc32c of everything above
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"
#include "os_int.h"

#define ONODE_V 1
/* Decoder limits: anything larger is corruption, not a real onode. */
#define ONODE_MAX_XATTRS 65536
#define ONODE_MAX_RUNS (1u << 24)

void os_onode_fini(struct os_onode *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nxa; i++) {
		free(o->xa[i].name);
		free(o->xa[i].val);
	}
	free(o->xa);
	for (size_t i = 0; i < o->nruns; i++)
		free(o->runs[i].crcs);
	free(o->runs);
	memset(o, 0, sizeof(*o));
}

int os_onode_encode(const struct os_onode *o, struct buf *out)
{
	uint8_t t[40];
	int r;

	buf_reset(out);
	t[0] = ONODE_V;
	enc_put_le64(t + 1, o->nid);
	enc_put_le64(t + 9, o->size);
	enc_put_le64(t + 17, o->version);
	enc_put_le32(t + 25, o->flags);
	enc_put_le32(t + 29, (uint32_t)o->nxa);
	if ((r = buf_append(out, t, 33)))
		return r;
	for (size_t i = 0; i < o->nxa; i++) {
		size_t nl = strlen(o->xa[i].name);
		enc_put_le16(t, (uint16_t)nl);
		if ((r = buf_append(out, t, 2)) || (r = buf_append(out, o->xa[i].name, nl)))
			return r;
		enc_put_le32(t, (uint32_t)o->xa[i].vlen);
		if ((r = buf_append(out, t, 4)) || (r = buf_append(out, o->xa[i].val, o->xa[i].vlen)))
			return r;
	}
	enc_put_le32(t, (uint32_t)o->nruns);
	if ((r = buf_append(out, t, 4)))
		return r;
	for (size_t i = 0; i < o->nruns; i++) {
		const struct os_run *run = &o->runs[i];
		enc_put_le64(t, run->lau);
		enc_put_le64(t + 8, run->pau);
		enc_put_le32(t + 16, run->n);
		if ((r = buf_reserve(out, 20 + 4 * (size_t)run->n)))
			return r;
		buf_append(out, t, 20);
		for (uint32_t j = 0; j < run->n; j++) {
			enc_put_le32(out->data + out->len, run->crcs[j]);
			out->len += 4;
		}
	}
	enc_put_le32(t, crc32c(0, out->data, out->len));
	return buf_append(out, t, 4);
}

int os_onode_decode(const uint8_t *p, size_t len, struct os_onode *out)
{
	struct os_onode o = {0};
	struct enc_rd rd;
	uint8_t v;
	uint32_t nxa, nruns;
	int r = -EIO;

	if (len < 4 || crc32c(0, p, len - 4) != enc_get_le32(p + len - 4))
		return -EIO;
	enc_rd_init(&rd, p, len - 4);
	if (enc_rd_u8(&rd, &v) || v != ONODE_V || enc_rd_le64(&rd, &o.nid) ||
	    enc_rd_le64(&rd, &o.size) || enc_rd_le64(&rd, &o.version) ||
	    enc_rd_le32(&rd, &o.flags) || enc_rd_le32(&rd, &nxa) || nxa > ONODE_MAX_XATTRS)
		return -EIO;
	if (nxa && !(o.xa = calloc(nxa, sizeof(*o.xa))))
		return -ENOMEM;
	for (uint32_t i = 0; i < nxa; i++) {
		uint16_t nl;
		uint32_t vl;
		const uint8_t *np, *vp;
		if (enc_rd_le16(&rd, &nl) || enc_rd_ref(&rd, nl, &np) || enc_rd_le32(&rd, &vl) ||
		    enc_rd_ref(&rd, vl, &vp))
			goto out_fini;
		o.xa[i].name = strndup((const char *)np, nl);
		o.xa[i].val = malloc(vl ? vl : 1);
		o.nxa = i + 1;
		if (!o.xa[i].name || !o.xa[i].val) {
			r = -ENOMEM;
			goto out_fini;
		}
		memcpy(o.xa[i].val, vp, vl);
		o.xa[i].vlen = vl;
	}
	if (enc_rd_le32(&rd, &nruns) || nruns > ONODE_MAX_RUNS)
		goto out_fini;
	if (nruns && !(o.runs = calloc(nruns, sizeof(*o.runs)))) {
		r = -ENOMEM;
		goto out_fini;
	}
	for (uint32_t i = 0; i < nruns; i++) {
		struct os_run *run = &o.runs[i];
		if (enc_rd_le64(&rd, &run->lau) || enc_rd_le64(&rd, &run->pau) ||
		    enc_rd_le32(&rd, &run->n) || run->n == 0 ||
		    enc_rd_left(&rd) < 4 * (size_t)run->n)
			goto out_fini;
		/* Runs must be sorted and disjoint, or lookups would lie. */
		if (i > 0 && o.runs[i - 1].lau + o.runs[i - 1].n > run->lau)
			goto out_fini;
		if (!(run->crcs = malloc(4 * (size_t)run->n))) {
			r = -ENOMEM;
			goto out_fini;
		}
		o.nruns = i + 1;
		for (uint32_t j = 0; j < run->n; j++)
			enc_rd_le32(&rd, &run->crcs[j]);
	}
	if (enc_rd_left(&rd))
		goto out_fini;
	*out = o;
	return 0;

out_fini:
	os_onode_fini(&o);
	return r;
}

long os_onode_find_run(const struct os_onode *o, uint64_t lau)
{
	size_t lo = 0, hi = o->nruns;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct os_run *r = &o->runs[mid];
		if (lau < r->lau)
			hi = mid;
		else if (lau >= r->lau + r->n)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

static size_t xattr_pos(const struct os_onode *o, const char *name, bool *found)
{
	size_t lo = 0, hi = o->nxa;

	*found = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, o->xa[mid].name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct os_xattr *os_onode_getattr(const struct os_onode *o, const char *name)
{
	bool found;
	size_t i = xattr_pos(o, name, &found);

	return found ? &o->xa[i] : NULL;
}

int os_onode_setattr(struct os_onode *o, const char *name, const void *val, size_t vlen)
{
	bool found;
	size_t i = xattr_pos(o, name, &found);
	uint8_t *v = malloc(vlen ? vlen : 1);
	char *n = NULL;

	if (!v)
		return -ENOMEM;
	memcpy(v, val, vlen);
	if (found) {
		free(o->xa[i].val);
		o->xa[i].val = v;
		o->xa[i].vlen = vlen;
		return 0;
	}
	struct os_xattr *nx = realloc(o->xa, (o->nxa + 1) * sizeof(*nx));
	if (!nx || !(n = strdup(name))) {
		if (nx)
			o->xa = nx;
		free(v);
		return -ENOMEM;
	}
	o->xa = nx;
	memmove(&o->xa[i + 1], &o->xa[i], (o->nxa - i) * sizeof(*nx));
	o->xa[i] = (struct os_xattr){n, v, vlen};
	o->nxa++;
	return 0;
}

bool os_onode_rmattr(struct os_onode *o, const char *name)
{
	bool found;
	size_t i = xattr_pos(o, name, &found);

	if (!found)
		return false;
	free(o->xa[i].name);
	free(o->xa[i].val);
	memmove(&o->xa[i], &o->xa[i + 1], (o->nxa - i - 1) * sizeof(*o->xa));
	o->nxa--;
	return true;
}

static int runs_reserve(struct os_onode *o, size_t extra)
{
	struct os_run *nr = realloc(o->runs, (o->nruns + extra) * sizeof(*nr));

	if (!nr)
		return -ENOMEM;
	o->runs = nr;
	return 0;
}

int os_onode_add_run(struct os_onode *o, uint64_t lau, uint64_t pau, uint32_t n, uint32_t *crcs)
{
	size_t i = 0;

	if (runs_reserve(o, 1))
		return -ENOMEM;
	while (i < o->nruns && o->runs[i].lau < lau)
		i++;
	/* Extend the previous run when physically and logically adjacent. */
	if (i > 0) {
		struct os_run *p = &o->runs[i - 1];
		if (p->lau + p->n == lau && p->pau + p->n == pau) {
			uint32_t *nc = realloc(p->crcs, 4 * ((size_t)p->n + n));
			if (!nc)
				return -ENOMEM;
			memcpy(nc + p->n, crcs, 4 * (size_t)n);
			free(crcs);
			p->crcs = nc;
			p->n += n;
			return 0;
		}
	}
	memmove(&o->runs[i + 1], &o->runs[i], (o->nruns - i) * sizeof(*o->runs));
	o->runs[i] = (struct os_run){lau, pau, n, crcs};
	o->nruns++;
	return 0;
}

int os_onode_punch(struct os_onode *o, uint64_t a, uint64_t b, os_release_fn cb, void *arg)
{
	int r;

	if (a >= b)
		return 0;
	for (size_t i = 0; i < o->nruns; i++) {
		struct os_run *run = &o->runs[i];
		uint64_t rs = run->lau, re = run->lau + run->n;
		if (re <= a || rs >= b)
			continue;
		uint64_t cs = rs > a ? rs : a, ce = re < b ? re : b;
		if ((r = cb(arg, run->pau + (cs - rs), ce - cs)))
			return r;
		if (cs == rs && ce == re) {
			/* The whole run goes. */
			free(run->crcs);
			memmove(run, run + 1, (o->nruns - i - 1) * sizeof(*run));
			o->nruns--;
			i--;
		} else if (cs == rs) {
			/* Keep the tail. */
			uint64_t cut = ce - rs;
			memmove(run->crcs, run->crcs + cut, 4 * (run->n - cut));
			run->lau += cut;
			run->pau += cut;
			run->n -= (uint32_t)cut;
		} else if (ce == re) {
			/* Keep the head. */
			run->n = (uint32_t)(cs - rs);
		} else {
			/* Split in two around the hole. */
			uint64_t tail_n = re - ce;
			uint32_t *tc = malloc(4 * tail_n);
			if (!tc || runs_reserve(o, 1)) {
				free(tc);
				return -ENOMEM;
			}
			run = &o->runs[i];
			memcpy(tc, run->crcs + (ce - rs), 4 * tail_n);
			struct os_run tail = {ce, run->pau + (ce - rs), (uint32_t)tail_n, tc};
			run->n = (uint32_t)(cs - rs);
			memmove(&o->runs[i + 2], &o->runs[i + 1], (o->nruns - i - 1) * sizeof(*run));
			o->runs[i + 1] = tail;
			o->nruns++;
			i++;
		}
	}
	return 0;
}
