/*
 * os_fsck.c - offline consistency check of a store.
 *
 * One pass over every RocksDB key, in key order ('B' < 'C' < 'D' < 'H' <
 * 'M' < 'N' < 'O' < 'S'), then cross-checks:
 *  - the superblock and block label (os_open refuses a bad one);
 *  - collections are well formed; every onode key parses, belongs to an
 *    existing collection and its hash maps to that collection's seed;
 *  - every onode decodes (crc), its nid is unique and below the counter;
 *    its runs lie inside the device and past the label, and no unit is
 *    referenced twice (double use) or marked free in the allocator's
 *    bitmap (it would be handed out again);
 *  - every unit the bitmap marks used is referenced by an onode (leak);
 *  - inline data, omap entries and headers belong to an existing nid,
 *    inline units pass their checksum;
 *  - with deep, every block unit is read and its crc32c verified.
 * Each problem is logged; the result is their number.
 *
 * Threading: runs alone on an unmounted store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"
#include "log.h"
#include "os_int.h"

struct u64v {
	uint64_t *v;
	size_t n, cap;
};

static int u64v_add(struct u64v *a, uint64_t x)
{
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 256;
		uint64_t *nv = realloc(a->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct fsck {
	struct os_store *s;
	bool deep;
	unsigned errors;
	uint64_t *ref; /* bitmap of units referenced by onodes */
	struct u64v nids, owned_nids; /* onode nids; nids named by D/M/H keys */
	struct os_cid *colls;
	unsigned *coll_bits;
	size_t ncolls, capcolls;
	uint8_t *unit;
};

#define FSCK_ERR(f, ...)                                                                           \
	do {                                                                                       \
		(f)->errors++;                                                                     \
		log_err(LOG_STORE, "fsck: " __VA_ARGS__);                                          \
	} while (0)

static int check_coll(struct fsck *f, const char *k, size_t kl, const char *v, size_t vl)
{
	if (kl != OS_CID_KEYLEN || vl != 4) {
		FSCK_ERR(f, "malformed collection record");
		return 0;
	}
	if (f->ncolls == f->capcolls) {
		size_t nc = f->capcolls ? f->capcolls * 2 : 64;
		struct os_cid *c = realloc(f->colls, nc * sizeof(*c));
		if (!c)
			return -ENOMEM;
		f->colls = c;
		unsigned *b = realloc(f->coll_bits, nc * sizeof(*b));
		if (!b)
			return -ENOMEM;
		f->coll_bits = b;
		f->capcolls = nc;
	}
	f->colls[f->ncolls].pool = (int64_t)(enc_get_be64(k + 1) ^ (1ULL << 63));
	f->colls[f->ncolls].seed = enc_get_be32(k + 9);
	f->coll_bits[f->ncolls] = enc_get_le32(v);
	f->ncolls++;
	return 0;
}

static long find_coll(const struct fsck *f, const struct os_cid *cid)
{
	for (size_t i = 0; i < f->ncolls; i++)
		if (f->colls[i].pool == cid->pool && f->colls[i].seed == cid->seed)
			return (long)i;
	return -1;
}

static void check_runs(struct fsck *f, const struct os_onode *o, const char *name)
{
	struct os_store *s = f->s;
	uint64_t reserved = (OS_LABEL_SIZE + s->au - 1) / s->au;

	for (size_t i = 0; i < o->nruns; i++) {
		const struct os_run *run = &o->runs[i];
		if (run->pau < reserved || run->pau + run->n > s->nunits || run->pau + run->n < run->pau) {
			FSCK_ERR(f, "%s: run at unit %llu+%u is outside the device", name,
				 (unsigned long long)run->pau, run->n);
			continue;
		}
		if (run->lau * s->au >= o->size)
			FSCK_ERR(f, "%s: run at offset %llu is past the size %llu", name,
				 (unsigned long long)(run->lau * s->au), (unsigned long long)o->size);
		for (uint32_t j = 0; j < run->n; j++) {
			uint64_t u = run->pau + j;
			if ((f->ref[u / 64] >> (u % 64)) & 1)
				FSCK_ERR(f, "%s: unit %llu is used twice", name, (unsigned long long)u);
			f->ref[u / 64] |= 1ULL << (u % 64);
			if (!os_alloc_is_used(s->alloc, u))
				FSCK_ERR(f, "%s: unit %llu is in use but the allocator says free",
					 name, (unsigned long long)u);
			if (!f->deep)
				continue;
			int r = s->bdev->ops->pread(s->bdev, f->unit, s->au, u * s->au);
			if (r || crc32c(0, f->unit, s->au) != run->crcs[j])
				FSCK_ERR(f, "%s: unit %llu (offset %llu) fails its checksum", name,
					 (unsigned long long)u,
					 (unsigned long long)((run->lau + j) * s->au));
		}
	}
}

static int check_onode(struct fsck *f, const char *k, size_t kl, const char *v, size_t vl)
{
	struct os_cid cid;
	struct os_oid oid;
	struct os_onode o;
	char name[256];
	int r;

	if (os_key_onode_parse((const uint8_t *)k, kl, &cid, &oid)) {
		FSCK_ERR(f, "malformed onode key");
		return 0;
	}
	snprintf(name, sizeof(name), "%lld.%x/%s/%s", (long long)cid.pool, cid.seed, oid.nspace,
		 oid.name);
	long c = find_coll(f, &cid);
	if (c < 0) {
		FSCK_ERR(f, "%s: collection does not exist", name);
	} else {
		unsigned bits = f->coll_bits[c];
		uint32_t mask = bits >= 32 ? UINT32_MAX : (1u << bits) - 1;
		if ((oid.hash & mask) != (cid.seed & mask))
			FSCK_ERR(f, "%s: hash %08x does not belong in the collection (%u bits)",
				 name, oid.hash, bits);
	}
	os_oid_free(&oid);
	r = os_onode_decode((const uint8_t *)v, vl, &o);
	if (r == -ENOMEM)
		return r;
	if (r) {
		FSCK_ERR(f, "%s: onode is corrupt", name);
		return 0;
	}
	if (o.nid == 0 || o.nid > f->s->next_nid)
		FSCK_ERR(f, "%s: nid %llu is beyond the counter %llu", name,
			 (unsigned long long)o.nid, (unsigned long long)f->s->next_nid);
	check_runs(f, &o, name);
	r = u64v_add(&f->nids, o.nid);
	os_onode_fini(&o);
	return r;
}

static int check_owned(struct fsck *f, const char *k, size_t kl, const char *v, size_t vl)
{
	if (kl < 9 || (k[0] == OS_PFX_DATA && kl != 17) || (k[0] == OS_PFX_OMAP_HDR && kl != 9)) {
		FSCK_ERR(f, "malformed key with prefix '%c'", k[0]);
		return 0;
	}
	if (k[0] == OS_PFX_DATA &&
	    (vl < 4 || vl - 4 > f->s->au || crc32c(0, v + 4, vl - 4) != enc_get_le32(v)))
		FSCK_ERR(f, "inline unit %llu of nid %llu fails its checksum",
			 (unsigned long long)enc_get_be64(k + 9),
			 (unsigned long long)enc_get_be64(k + 1));
	return u64v_add(&f->owned_nids, enc_get_be64(k + 1));
}

static int fsck_scan(struct fsck *f)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(f->s->db, f->s->ropts);
	int r = 0;

	if (!it)
		return -ENOMEM;
	for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it) && !r; rocksdb_iter_next(it)) {
		size_t kl, vl;
		const char *k = rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);
		switch (kl ? k[0] : 0) {
		case OS_PFX_COLL:
			r = check_coll(f, k, kl, v, vl);
			break;
		case OS_PFX_ONODE:
			r = check_onode(f, k, kl, v, vl);
			break;
		case OS_PFX_DATA:
		case OS_PFX_OMAP:
		case OS_PFX_OMAP_HDR:
			r = check_owned(f, k, kl, v, vl);
			break;
		case OS_PFX_BITMAP: /* loaded and checked by os_open */
		case OS_PFX_SUPER:
		case OS_PFX_NID:
			break;
		default:
			FSCK_ERR(f, "unknown key prefix 0x%02x", kl ? (unsigned)(uint8_t)k[0] : 0);
		}
	}
	if (!r) {
		char *err = NULL;
		rocksdb_iter_get_error(it, &err);
		if (err) {
			log_err(LOG_ROCKSDB, "fsck scan: %s", err);
			rocksdb_free(err);
			r = -EIO;
		}
	}
	rocksdb_iter_destroy(it);
	return r;
}

static void fsck_cross(struct fsck *f)
{
	struct os_store *s = f->s;

	if (f->nids.n)
		qsort(f->nids.v, f->nids.n, 8, cmp_u64);
	for (size_t i = 1; i < f->nids.n; i++)
		if (f->nids.v[i] == f->nids.v[i - 1])
			FSCK_ERR(f, "nid %llu is used by two onodes", (unsigned long long)f->nids.v[i]);
	/* D/M/H keys come sorted by nid within each prefix; check each against the onodes. */
	for (size_t i = 0; i < f->owned_nids.n; i++) {
		uint64_t nid = f->owned_nids.v[i];
		if (i > 0 && nid == f->owned_nids.v[i - 1])
			continue;
		if (!f->nids.n || !bsearch(&nid, f->nids.v, f->nids.n, 8, cmp_u64))
			FSCK_ERR(f, "data or omap of nid %llu has no onode (orphan)",
				 (unsigned long long)nid);
	}
	for (uint64_t u = 0; u < s->nunits; u++)
		if (os_alloc_is_used(s->alloc, u) && !((f->ref[u / 64] >> (u % 64)) & 1))
			FSCK_ERR(f, "unit %llu is allocated but unreferenced (leak)",
				 (unsigned long long)u);
}

int os_fsck(const struct os_opts *o, bool deep)
{
	struct fsck f = {0};
	int r;

	if ((r = os_open(o, &f.s)))
		return r;
	f.deep = deep;
	f.ref = calloc((f.s->nunits + 63) / 64 + 1, 8);
	f.unit = malloc(f.s->au);
	if (!f.ref || !f.unit) {
		r = -ENOMEM;
		goto out_free;
	}
	if ((r = fsck_scan(&f)))
		goto out_free;
	fsck_cross(&f);
	r = (int)f.errors;
	log_info(LOG_STORE, "fsck%s of %s: %u problem(s)", deep ? " --deep" : "", o->path,
		 f.errors);
out_free:
	free(f.ref);
	free(f.unit);
	free(f.nids.v);
	free(f.owned_nids.v);
	free(f.colls);
	free(f.coll_bits);
	os_close(f.s);
	return r;
}
