/*
 * osdmap.c - the cluster map, its incrementals, encodings and the
 * placement pipeline.  See osdmap.h.
 */
#include "osdmap.h"
#include "poolapp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "crc32c.h"
#include "enc.h"
#include "crush/crush.h"
#include "crush/crush_codec.h"
#include "crush/crush_mapper.h"

struct pg_upmap {
	struct osdmap_pg pg;
	size_t n;
	struct osdmap_upmap_pair pairs[OSDMAP_MAX_SIZE];
};

struct pg_temp {
	struct osdmap_pg pg;
	size_t n;
	int32_t osds[OSDMAP_MAX_SIZE];
};

struct osdmap {
	uint8_t fsid[16];
	uint32_t epoch;
	uint64_t created;
	uint64_t modified;
	uint32_t flags;
	float full_ratio, backfillfull_ratio, nearfull_ratio;
	int32_t max_osd;
	struct osdmap_osd *osds; /* max_osd entries */
	struct osdmap_pool *pools; /* sorted by id */
	size_t npools;
	int64_t pool_max;
	struct crush_map *crush;
	struct pg_upmap *upmaps; /* sorted by pg */
	size_t nupmaps;
	struct pg_temp *temps; /* sorted by pg */
	size_t ntemps;
	struct osdmap_blocklist_entry *blocklist; /* sorted by (IP, port, nonce) */
	size_t nblocklist;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- flags and PG names --------------------------------------------------- */

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{OSDMAP_FLAG_PAUSERD, "pauserd"},     {OSDMAP_FLAG_PAUSEWR, "pausewr"},
	{OSDMAP_FLAG_NOUP, "noup"},	      {OSDMAP_FLAG_NODOWN, "nodown"},
	{OSDMAP_FLAG_NOOUT, "noout"},	      {OSDMAP_FLAG_NOIN, "noin"},
	{OSDMAP_FLAG_NOBACKFILL, "nobackfill"}, {OSDMAP_FLAG_NORECOVER, "norecover"},
	{OSDMAP_FLAG_NOSCRUB, "noscrub"},     {OSDMAP_FLAG_NODEEP_SCRUB, "nodeep-scrub"},
	{OSDMAP_FLAG_FULL, "full"},
};

uint32_t osdmap_flag_parse(const char *name)
{
	if (strcmp(name, "pause") == 0)
		return OSDMAP_FLAG_PAUSERD | OSDMAP_FLAG_PAUSEWR;
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++)
		if (strcmp(flag_names[i].name, name) == 0)
			return flag_names[i].bit;
	return 0;
}

int osdmap_flags_format(uint32_t flags, struct buf *out)
{
	bool first = true;
	for (size_t i = 0; i < ARRAY_SIZE(flag_names); i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		int rc = buf_printf(out, "%s%s", first ? "" : ",", flag_names[i].name);
		if (rc)
			return rc;
		first = false;
	}
	return 0;
}

int osdmap_pg_format(const struct osdmap_pg *pg, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%" PRId64 ".%" PRIx32, pg->pool, pg->seed);
	if (n < 0 || (size_t)n >= size)
		return -ERANGE;
	return n;
}

int osdmap_pg_parse(const char *s, struct osdmap_pg *out)
{
	char *end;
	errno = 0;
	long long pool = strtoll(s, &end, 10);
	if (end == s || *end != '.' || errno || pool < 0)
		return -EINVAL;
	const char *h = end + 1;
	unsigned long long seed = strtoull(h, &end, 16);
	if (end == h || *end || errno || seed > UINT32_MAX || *h == '-' || *h == '+')
		return -EINVAL;
	out->pool = pool;
	out->seed = (uint32_t)seed;
	return 0;
}

static int pg_cmp(const struct osdmap_pg *a, const struct osdmap_pg *b)
{
	if (a->pool != b->pool)
		return a->pool < b->pool ? -1 : 1;
	if (a->seed != b->seed)
		return a->seed < b->seed ? -1 : 1;
	return 0;
}

/* ---- life cycle ------------------------------------------------------------ */

struct osdmap *osdmap_create(const uint8_t fsid[16], struct crush_map *crush)
{
	struct osdmap *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	memcpy(m->fsid, fsid, 16);
	m->crush = crush ? crush : crush_map_create();
	if (!m->crush) {
		free(m);
		return NULL;
	}
	m->full_ratio = 0.95f;
	m->backfillfull_ratio = 0.90f;
	m->nearfull_ratio = 0.85f;
	m->pool_max = 0;
	return m;
}

void osdmap_destroy(struct osdmap *m)
{
	if (!m)
		return;
	crush_map_destroy(m->crush);
	free(m->osds);
	free(m->pools);
	free(m->upmaps);
	free(m->temps);
	free(m->blocklist);
	free(m);
}

static void *dup_array(const void *p, size_t n, size_t size, bool *failed)
{
	if (n == 0)
		return NULL;
	void *q = malloc(n * size);
	if (!q)
		*failed = true;
	else
		memcpy(q, p, n * size);
	return q;
}

struct osdmap *osdmap_clone(const struct osdmap *m)
{
	struct osdmap *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *m;
	bool failed = false;
	c->osds = dup_array(m->osds, (size_t)m->max_osd, sizeof(*m->osds), &failed);
	c->pools = dup_array(m->pools, m->npools, sizeof(*m->pools), &failed);
	c->upmaps = dup_array(m->upmaps, m->nupmaps, sizeof(*m->upmaps), &failed);
	c->temps = dup_array(m->temps, m->ntemps, sizeof(*m->temps), &failed);
	c->blocklist = dup_array(m->blocklist, m->nblocklist, sizeof(*m->blocklist), &failed);
	c->crush = crush_map_clone(m->crush);
	if (failed || !c->crush) {
		osdmap_destroy(c);
		return NULL;
	}
	return c;
}

/* ---- accessors --------------------------------------------------------------- */

uint32_t osdmap_epoch(const struct osdmap *m)
{
	return m->epoch;
}

void osdmap_fsid(const struct osdmap *m, uint8_t out[16])
{
	memcpy(out, m->fsid, 16);
}

uint64_t osdmap_created(const struct osdmap *m)
{
	return m->created;
}

uint64_t osdmap_modified(const struct osdmap *m)
{
	return m->modified;
}

uint32_t osdmap_flags(const struct osdmap *m)
{
	return m->flags;
}

void osdmap_ratios(const struct osdmap *m, float *out_full, float *out_backfillfull,
		   float *out_nearfull)
{
	*out_full = m->full_ratio;
	*out_backfillfull = m->backfillfull_ratio;
	*out_nearfull = m->nearfull_ratio;
}

int32_t osdmap_max_osd(const struct osdmap *m)
{
	return m->max_osd;
}

const struct osdmap_osd *osdmap_osd(const struct osdmap *m, int32_t id)
{
	if (id < 0 || id >= m->max_osd)
		return NULL;
	return &m->osds[id];
}

bool osdmap_is_up(const struct osdmap *m, int32_t id)
{
	const struct osdmap_osd *o = osdmap_osd(m, id);
	return o && o->exists && o->up;
}

bool osdmap_is_in(const struct osdmap *m, int32_t id)
{
	const struct osdmap_osd *o = osdmap_osd(m, id);
	return o && o->exists && o->weight > 0;
}

const struct crush_map *osdmap_crush(const struct osdmap *m)
{
	return m->crush;
}

size_t osdmap_pool_count(const struct osdmap *m)
{
	return m->npools;
}

const struct osdmap_pool *osdmap_pool_at(const struct osdmap *m, size_t i)
{
	return i < m->npools ? &m->pools[i] : NULL;
}

static ssize_t pool_index(const struct osdmap *m, int64_t id)
{
	size_t lo = 0, hi = m->npools;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->pools[mid].id == id)
			return (ssize_t)mid;
		if (m->pools[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const struct osdmap_pool *osdmap_pool(const struct osdmap *m, int64_t id)
{
	ssize_t i = pool_index(m, id);
	return i < 0 ? NULL : &m->pools[i];
}

const struct osdmap_pool *osdmap_pool_by_name(const struct osdmap *m, const char *name)
{
	for (size_t i = 0; i < m->npools; i++)
		if (strcmp(m->pools[i].name, name) == 0)
			return &m->pools[i];
	return NULL;
}

int64_t osdmap_pool_max(const struct osdmap *m)
{
	return m->pool_max;
}

/* Binary search in an array of structs whose first member is a struct osdmap_pg. */
static void *find_pg(const void *arr, size_t n, size_t size, const struct osdmap_pg *pg)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct osdmap_pg *p = (const void *)((const char *)arr + mid * size);
		int c = pg_cmp(p, pg);
		if (c == 0)
			return (void *)p;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct osdmap_upmap_pair *osdmap_pg_upmap_items(const struct osdmap *m,
						      const struct osdmap_pg *pg, size_t *out_n)
{
	const struct pg_upmap *u = find_pg(m->upmaps, m->nupmaps, sizeof(*u), pg);
	*out_n = u ? u->n : 0;
	return u ? u->pairs : NULL;
}

const int32_t *osdmap_pg_temp(const struct osdmap *m, const struct osdmap_pg *pg, size_t *out_n)
{
	const struct pg_temp *t = find_pg(m->temps, m->ntemps, sizeof(*t), pg);
	*out_n = t ? t->n : 0;
	return t ? t->osds : NULL;
}

size_t osdmap_upmap_count(const struct osdmap *m)
{
	return m->nupmaps;
}

const struct osdmap_upmap_pair *osdmap_upmap_at(const struct osdmap *m, size_t i,
						struct osdmap_pg *out_pg, size_t *out_n)
{
	if (i >= m->nupmaps)
		return NULL;
	*out_pg = m->upmaps[i].pg;
	*out_n = m->upmaps[i].n;
	return m->upmaps[i].pairs;
}

size_t osdmap_pg_temp_count(const struct osdmap *m)
{
	return m->ntemps;
}

const int32_t *osdmap_pg_temp_at(const struct osdmap *m, size_t i, struct osdmap_pg *out_pg,
				 size_t *out_n)
{
	if (i >= m->ntemps)
		return NULL;
	*out_pg = m->temps[i].pg;
	*out_n = m->temps[i].n;
	return m->temps[i].osds;
}

/* ---- blocklist ------------------------------------------------------------------ */

/* Copy the family, IP and port of @in into a zeroed @out.  0 or -EINVAL (not IP). */
static int norm_addr(const struct net_addr *in, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (in->u.sa.sa_family == AF_INET) {
		out->u.in.sin_family = AF_INET;
		out->u.in.sin_addr = in->u.in.sin_addr;
		out->u.in.sin_port = in->u.in.sin_port;
		return 0;
	}
	if (in->u.sa.sa_family == AF_INET6) {
		out->u.in6.sin6_family = AF_INET6;
		out->u.in6.sin6_addr = in->u.in6.sin6_addr;
		out->u.in6.sin6_port = in->u.in6.sin6_port;
		return 0;
	}
	return -EINVAL;
}

static const uint8_t *ip_bytes(const struct net_addr *a, size_t *len)
{
	if (a->u.sa.sa_family == AF_INET6) {
		*len = 16;
		return a->u.in6.sin6_addr.s6_addr;
	}
	*len = 4;
	return (const uint8_t *)&a->u.in.sin_addr;
}

/* Order of entries: family, IP bytes, port, nonce. */
static int bl_cmp(const struct osdmap_blocklist_entry *e, const struct net_addr *addr,
		  uint64_t nonce)
{
	int fa = e->addr.u.sa.sa_family, fb = addr->u.sa.sa_family;
	if (fa != fb)
		return fa < fb ? -1 : 1;
	size_t n = 0;
	const uint8_t *ia = ip_bytes(&e->addr, &n), *ib = ip_bytes(addr, &n);
	int c = memcmp(ia, ib, n);
	if (c)
		return c < 0 ? -1 : 1;
	uint16_t pa = addr_port(&e->addr), pb = addr_port(addr);
	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (e->nonce != nonce)
		return e->nonce < nonce ? -1 : 1;
	return 0;
}

static bool ip_unspecified(const struct net_addr *a)
{
	size_t n = 0;
	const uint8_t *ip = ip_bytes(a, &n);
	for (size_t i = 0; i < n; i++)
		if (ip[i])
			return false;
	return true;
}

static bool ip_equal(const struct net_addr *a, const struct net_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	size_t n;
	const uint8_t *ia = ip_bytes(a, &n), *ib = ip_bytes(b, &n);
	return memcmp(ia, ib, n) == 0;
}

/* Skip a "v1:", "v2:" or "any:" type prefix. */
static const char *skip_type(const char *p)
{
	static const char *const types[] = {"v1:", "v2:", "any:"};
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strncmp(p, types[i], strlen(types[i])) == 0)
			return p + strlen(types[i]);
	return p;
}

int osdmap_blocklist_addr_parse(const char *s, struct net_addr *out_addr, uint64_t *out_nonce)
{
	char buf[256];
	size_t len = strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	char *p = buf;
	/* An address vector "[v2:...,v1:...]" (not "[::1]:0/7"): its first address. */
	if (p[0] == '[' && p[len - 1] == ']' && (strchr(p, ',') || skip_type(p + 1) != p + 1)) {
		p[len - 1] = '\0';
		p++;
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
	}
	p = (char *)skip_type(p);
	if (skip_type(p) != p)
		return -EINVAL; /* two prefixes */
	uint64_t nonce = 0;
	char *slash = strrchr(p, '/');
	if (slash) {
		const char *d = slash + 1;
		size_t nd = strlen(d);
		if (nd == 0 || nd > 20)
			return -EINVAL;
		for (size_t i = 0; i < nd; i++)
			if (!isdigit((unsigned char)d[i]))
				return -EINVAL;
		errno = 0;
		unsigned long long v = strtoull(d, NULL, 10);
		if (errno)
			return -EINVAL; /* beyond 2^64-1 */
		nonce = v;
		*slash = '\0';
		if (strchr(p, '/'))
			return -EINVAL; /* "IP:PORT/1/2" */
	}
	struct net_addr a;
	if (!*p || addr_parse(p, 0, &a) != 0 || norm_addr(&a, out_addr) != 0)
		return -EINVAL;
	*out_nonce = nonce;
	return 0;
}

int osdmap_blocklist_addr_format(const struct net_addr *addr, uint64_t nonce, char *buf,
				 size_t size)
{
	char a[NET_ADDR_STRLEN];
	if (addr_format(addr, a, sizeof(a)) < 0)
		return -ERANGE;
	int n = snprintf(buf, size, "%s/%" PRIu64, a, nonce);
	if (n < 0 || (size_t)n >= size)
		return -ERANGE;
	return n;
}

size_t osdmap_blocklist_count(const struct osdmap *m)
{
	return m->nblocklist;
}

const struct osdmap_blocklist_entry *osdmap_blocklist_at(const struct osdmap *m, size_t i)
{
	return i < m->nblocklist ? &m->blocklist[i] : NULL;
}

/* Where (addr, nonce) is or would go in the sorted list; *found says which. */
static size_t bl_index(const struct osdmap_blocklist_entry *arr, size_t n,
		       const struct net_addr *addr, uint64_t nonce, bool *found)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = bl_cmp(&arr[mid], addr, nonce);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct osdmap_blocklist_entry *osdmap_blocklist_find(const struct osdmap *m,
							   const struct net_addr *addr,
							   uint64_t nonce)
{
	struct net_addr a;
	bool found;
	if (norm_addr(addr, &a) != 0)
		return NULL;
	size_t i = bl_index(m->blocklist, m->nblocklist, &a, nonce, &found);
	return found ? &m->blocklist[i] : NULL;
}

bool osdmap_is_blocklisted(const struct osdmap *m, const struct net_addr *peer,
			   uint64_t client_nonce, uint64_t now_ns)
{
	if (m->nblocklist == 0)
		return false;
	/* An IPv4 client seen through a dual-stack socket is still that IPv4 address. */
	struct net_addr p = *peer;
	if (peer->u.sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&peer->u.in6.sin6_addr)) {
		memset(&p, 0, sizeof(p));
		p.u.in.sin_family = AF_INET;
		memcpy(&p.u.in.sin_addr, &peer->u.in6.sin6_addr.s6_addr[12], 4);
	}
	for (size_t i = 0; i < m->nblocklist; i++) {
		const struct osdmap_blocklist_entry *e = &m->blocklist[i];
		if (now_ns >= e->expires || (e->nonce != 0 && e->nonce != client_nonce))
			continue;
		if (ip_unspecified(&e->addr) || ip_equal(&e->addr, &p))
			return true;
	}
	return false;
}

/* ---- hashing and placement ----------------------------------------------------- */

/*
 * The name hash: a Murmur3-style 32-bit hash with seed 0 over the bytes,
 * four at a time little-endian, then a final avalanche.  The constants are
 * the published ones for that construction.  Pinned by golden tests: any
 * change moves every object in every cluster.
 */
static uint32_t rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t mix_block(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

uint32_t osdmap_hash_name(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t h = 0;
	size_t i = 0;
	for (; i + 4 <= len; i += 4)
		h = mix_block(h, enc_get_le32(p + i));
	uint32_t k = 0;
	switch (len - i) {
	case 3:
		k ^= (uint32_t)p[i + 2] << 16;
		/* fall through */
	case 2:
		k ^= (uint32_t)p[i + 1] << 8;
		/* fall through */
	case 1:
		k ^= p[i];
		k *= 0xcc9e2d51u;
		k = rotl32(k, 15);
		k *= 0x1b873593u;
		h ^= k;
	}
	h ^= (uint32_t)len;
	return fmix32(h);
}

uint32_t osdmap_hash_pg(int64_t pool, uint32_t pps)
{
	uint32_t h = mix_block(0x9e3779b9u, pps);
	h = mix_block(h, (uint32_t)pool);
	h = mix_block(h, (uint32_t)((uint64_t)pool >> 32));
	return fmix32(h ^ 12u);
}

uint32_t osdmap_stable_mod(uint32_t x, uint32_t b, uint32_t bmask)
{
	if ((x & bmask) < b)
		return x & bmask;
	return x & (bmask >> 1);
}

uint32_t osdmap_pg_mask(uint32_t n)
{
	uint32_t m = 0;
	while (m < n - 1 && n > 1)
		m = (m << 1) | 1;
	return m;
}

int osdmap_object_hash(const char *nspace, const char *name, const char *locator,
		       uint32_t *out_hash)
{
	const char *key = locator && *locator ? locator : name;
	size_t klen = strlen(key);
	if (nspace && *nspace) {
		size_t nlen = strlen(nspace);
		char stackbuf[512];
		char *tmp = nlen + 1 + klen <= sizeof(stackbuf) ? stackbuf : malloc(nlen + 1 + klen);
		if (!tmp)
			return -ENOMEM;
		memcpy(tmp, nspace, nlen);
		tmp[nlen] = 0x1f;
		memcpy(tmp + nlen + 1, key, klen);
		*out_hash = osdmap_hash_name(tmp, nlen + 1 + klen);
		if (tmp != stackbuf)
			free(tmp);
	} else {
		*out_hash = osdmap_hash_name(key, klen);
	}
	return 0;
}

int osdmap_hash_to_pg(const struct osdmap *m, int64_t pool, uint32_t hash, struct osdmap_pg *out)
{
	const struct osdmap_pool *p = osdmap_pool(m, pool);
	if (!p)
		return -ENOENT;
	out->pool = pool;
	out->seed = osdmap_stable_mod(hash, p->pg_num, osdmap_pg_mask(p->pg_num));
	return 0;
}

int osdmap_object_to_pg(const struct osdmap *m, int64_t pool, const char *nspace,
			const char *name, const char *locator, struct osdmap_pg *out)
{
	uint32_t ps;
	if (!osdmap_pool(m, pool))
		return -ENOENT;
	int rc = osdmap_object_hash(nspace, name, locator, &ps);
	return rc ? rc : osdmap_hash_to_pg(m, pool, ps, out);
}

static bool contains(const int32_t *v, uint32_t n, int32_t x)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Run CRUSH for the PG: the raw set, before exceptions and liveness. */
static int pg_to_raw(const struct osdmap *m, const struct osdmap_pool *p, uint32_t seed,
		     int32_t *raw, uint32_t *out_n)
{
	uint32_t pps = osdmap_stable_mod(seed, p->pgp_num, osdmap_pg_mask(p->pgp_num));
	uint32_t x = osdmap_hash_pg(p->id, pps);
	int max = (int)MIN(p->size, OSDMAP_MAX_SIZE);
	uint32_t wstack[256];
	uint32_t *weights = m->max_osd <= 256 ? wstack : malloc((size_t)m->max_osd * 4);
	size_t wsize = crush_work_size(m->crush, max);
	char workstack[4096];
	void *work = wsize <= sizeof(workstack) ? (void *)workstack : malloc(wsize);
	int rc;
	if (!weights || !work) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (int32_t i = 0; i < m->max_osd; i++)
		weights[i] = m->osds[i].exists ? m->osds[i].weight : 0;
	rc = crush_do_rule(m->crush, p->crush_rule, x, raw, max, weights, m->max_osd, NULL, work);
	if (rc == -ENOENT)
		rc = -EINVAL;
	if (rc >= 0) {
		*out_n = (uint32_t)rc;
		rc = 0;
	}
out_free:
	if (weights != wstack)
		free(weights);
	if (work != workstack)
		free(work);
	return rc;
}

/* Balancer exceptions: swap `from` for `to` unless `to` is already used or out. */
static void apply_upmap(const struct osdmap *m, const struct osdmap_pg *pg, int32_t *set,
			uint32_t n)
{
	size_t np;
	const struct osdmap_upmap_pair *pairs = osdmap_pg_upmap_items(m, pg, &np);
	for (size_t k = 0; k < np; k++) {
		if (contains(set, n, pairs[k].to) || !osdmap_is_in(m, pairs[k].to))
			continue;
		for (uint32_t i = 0; i < n; i++)
			if (set[i] == pairs[k].from)
				set[i] = pairs[k].to;
	}
}

/* Drop OSDs that are down: packed for replicated pools, holes for erasure. */
static uint32_t raw_to_up(const struct osdmap *m, const struct osdmap_pool *p, const int32_t *raw,
			  uint32_t n, int32_t *up)
{
	uint32_t o = 0;
	for (uint32_t i = 0; i < n; i++) {
		bool alive = raw[i] != OSDMAP_NONE && osdmap_is_up(m, raw[i]);
		if (p->type == OSDMAP_POOL_ERASURE)
			up[o++] = alive ? raw[i] : OSDMAP_NONE;
		else if (alive)
			up[o++] = raw[i];
	}
	return o;
}

static int32_t first_real(const int32_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] != OSDMAP_NONE)
			return v[i];
	return -1;
}

int osdmap_pg_to_osds(const struct osdmap *m, const struct osdmap_pg *pg,
		      struct osdmap_placement *out)
{
	const struct osdmap_pool *p = osdmap_pool(m, pg->pool);
	if (!p || pg->seed >= p->pg_num)
		return -ENOENT;
	int32_t raw[OSDMAP_MAX_SIZE];
	uint32_t n = 0;
	int rc = pg_to_raw(m, p, pg->seed, raw, &n);
	if (rc)
		return rc;
	apply_upmap(m, pg, raw, n);
	out->up_n = raw_to_up(m, p, raw, n, out->up);
	out->up_primary = first_real(out->up, out->up_n);

	size_t nt;
	const int32_t *temp = osdmap_pg_temp(m, pg, &nt);
	if (nt > 0)
		out->acting_n = raw_to_up(m, p, temp, (uint32_t)nt, out->acting);
	/* A pg_temp whose members are all down is ignored. */
	if (nt == 0 || first_real(out->acting, out->acting_n) < 0) {
		memcpy(out->acting, out->up, out->up_n * sizeof(int32_t));
		out->acting_n = out->up_n;
	}
	out->acting_primary = first_real(out->acting, out->acting_n);
	return 0;
}

/* ---- incrementals ------------------------------------------------------------- */

void osdmap_inc_init(struct osdmap_inc *inc, const uint8_t fsid[16], uint32_t epoch)
{
	memset(inc, 0, sizeof(*inc));
	memcpy(inc->fsid, fsid, 16);
	inc->epoch = epoch;
	inc->new_max_osd = -1;
	inc->new_pool_max = -1;
}

void osdmap_inc_fini(struct osdmap_inc *inc)
{
	free(inc->crush);
	free(inc->new_pools);
	free(inc->old_pools);
	free(inc->new_exists);
	free(inc->removed_osds);
	free(inc->new_up);
	free(inc->new_down);
	free(inc->new_weight);
	free(inc->new_uuid);
	free(inc->new_upmap);
	free(inc->new_pg_temp);
	free(inc->new_blocklist);
	free(inc->old_blocklist);
	memset(inc, 0, sizeof(*inc));
}

/* Grow *arr (of *n elements of @size) by one; returns the new slot or NULL. */
static void *push(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	if (*n >= (1u << 20))
		return NULL;
	void *p = realloc(*arr, (*n + 1) * size);
	if (!p)
		return NULL;
	*arr = p;
	void *slot = (char *)p + *n * size;
	(*n)++;
	memset(slot, 0, size);
	return slot;
}

int osdmap_inc_add_pool(struct osdmap_inc *inc, const struct osdmap_pool *p)
{
	struct osdmap_pool *slot = push(&inc->new_pools, &inc->n_new_pools, sizeof(*p));
	if (!slot)
		return -ENOMEM;
	*slot = *p;
	return 0;
}

int osdmap_inc_remove_pool(struct osdmap_inc *inc, int64_t id)
{
	int64_t *slot = push(&inc->old_pools, &inc->n_old_pools, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	*slot = id;
	return 0;
}

#define INC_PUSH_OSD(fn, field, count)                                                             \
	int fn(struct osdmap_inc *inc, int32_t osd)                                                \
	{                                                                                          \
		int32_t *slot = push(&inc->field, &inc->count, sizeof(*slot));                     \
		if (!slot)                                                                         \
			return -ENOMEM;                                                            \
		*slot = osd;                                                                       \
		return 0;                                                                          \
	}

INC_PUSH_OSD(osdmap_inc_create_osd, new_exists, n_new_exists)
INC_PUSH_OSD(osdmap_inc_remove_osd, removed_osds, n_removed_osds)
INC_PUSH_OSD(osdmap_inc_mark_down, new_down, n_new_down)

int osdmap_inc_mark_up(struct osdmap_inc *inc, int32_t osd, const struct net_addr *addr)
{
	struct osdmap_inc_osd_up *slot = push(&inc->new_up, &inc->n_new_up, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->osd = osd;
	slot->addr = *addr;
	return 0;
}

int osdmap_inc_set_weight(struct osdmap_inc *inc, int32_t osd, uint32_t weight)
{
	struct osdmap_inc_weight *slot = push(&inc->new_weight, &inc->n_new_weight, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->osd = osd;
	slot->weight = weight;
	return 0;
}

int osdmap_inc_set_uuid(struct osdmap_inc *inc, int32_t osd, const uint8_t uuid[16])
{
	struct osdmap_inc_uuid *slot = push(&inc->new_uuid, &inc->n_new_uuid, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->osd = osd;
	memcpy(slot->uuid, uuid, 16);
	return 0;
}

int osdmap_inc_set_crush(struct osdmap_inc *inc, const struct crush_map *crush)
{
	uint8_t *data;
	size_t len;
	int rc = crush_encode(crush, &data, &len);
	if (rc)
		return rc;
	free(inc->crush);
	inc->crush = data;
	inc->crush_len = len;
	return 0;
}

int osdmap_inc_set_upmap(struct osdmap_inc *inc, const struct osdmap_pg *pg,
			 const struct osdmap_upmap_pair *pairs, size_t n)
{
	if (n > OSDMAP_MAX_SIZE)
		return -EINVAL;
	struct osdmap_inc_upmap *slot = push(&inc->new_upmap, &inc->n_new_upmap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->pg = *pg;
	slot->n = n;
	if (n)
		memcpy(slot->pairs, pairs, n * sizeof(*pairs));
	return 0;
}

int osdmap_inc_set_pg_temp(struct osdmap_inc *inc, const struct osdmap_pg *pg,
			   const int32_t *osds, size_t n)
{
	if (n > OSDMAP_MAX_SIZE)
		return -EINVAL;
	struct osdmap_inc_pg_temp *slot = push(&inc->new_pg_temp, &inc->n_new_pg_temp,
					       sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->pg = *pg;
	slot->n = n;
	if (n)
		memcpy(slot->osds, osds, n * sizeof(*osds));
	return 0;
}

/* Drop (addr, nonce) from an unsorted list of entries, if it is there. */
static void bl_drop(struct osdmap_blocklist_entry *arr, size_t *n, const struct net_addr *addr,
		    uint64_t nonce)
{
	for (size_t i = 0; i < *n; i++) {
		if (bl_cmp(&arr[i], addr, nonce) == 0) {
			memmove(&arr[i], &arr[i + 1], (*n - i - 1) * sizeof(*arr));
			(*n)--;
			return;
		}
	}
}

int osdmap_inc_blocklist_add(struct osdmap_inc *inc, const struct net_addr *addr, uint64_t nonce,
			     uint64_t expires)
{
	struct net_addr a;
	if (norm_addr(addr, &a) != 0)
		return -EINVAL;
	bl_drop(inc->old_blocklist, &inc->n_old_blocklist, &a, nonce);
	for (size_t i = 0; i < inc->n_new_blocklist; i++) {
		if (bl_cmp(&inc->new_blocklist[i], &a, nonce) == 0) {
			inc->new_blocklist[i].expires = expires;
			return 0;
		}
	}
	struct osdmap_blocklist_entry *slot =
		push(&inc->new_blocklist, &inc->n_new_blocklist, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	*slot = (struct osdmap_blocklist_entry){a, nonce, expires};
	return 0;
}

int osdmap_inc_blocklist_rm(struct osdmap_inc *inc, const struct net_addr *addr, uint64_t nonce)
{
	struct net_addr a;
	if (norm_addr(addr, &a) != 0)
		return -EINVAL;
	bl_drop(inc->new_blocklist, &inc->n_new_blocklist, &a, nonce);
	for (size_t i = 0; i < inc->n_old_blocklist; i++)
		if (bl_cmp(&inc->old_blocklist[i], &a, nonce) == 0)
			return 0;
	struct osdmap_blocklist_entry *slot =
		push(&inc->old_blocklist, &inc->n_old_blocklist, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	*slot = (struct osdmap_blocklist_entry){a, nonce, 0};
	return 0;
}

/* ---- applying ------------------------------------------------------------------- */

static bool pool_valid(const struct osdmap_pool *p, char *err, size_t errlen)
{
	if (p->id < 0 || p->name[0] == '\0' || memchr(p->name, '\0', sizeof(p->name)) == NULL) {
		set_err(err, errlen, "pool %" PRId64 ": bad id or name", p->id);
		return false;
	}
	if (p->type != OSDMAP_POOL_REPLICATED && p->type != OSDMAP_POOL_ERASURE) {
		set_err(err, errlen, "pool %s: bad type %u", p->name, p->type);
		return false;
	}
	if (p->size < 1 || p->size > OSDMAP_MAX_SIZE || p->min_size > p->size ||
	    p->pg_num < 1 || p->pg_num > OSDMAP_MAX_PG_NUM || p->pgp_num < 1 ||
	    p->pgp_num > p->pg_num) {
		set_err(err, errlen, "pool %s: size/min_size/pg_num/pgp_num out of range", p->name);
		return false;
	}
	if (memchr(p->apps, '\0', sizeof(p->apps)) == NULL || !poolapp_valid(p->apps)) {
		set_err(err, errlen, "pool %s: malformed application metadata", p->name);
		return false;
	}
	return true;
}

static int put_pool(struct osdmap *m, const struct osdmap_pool *p)
{
	ssize_t i = pool_index(m, p->id);
	if (i >= 0) {
		m->pools[i] = *p;
		return 0;
	}
	if (m->npools >= OSDMAP_MAX_POOLS)
		return -ENOSPC;
	struct osdmap_pool *np = realloc(m->pools, (m->npools + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	m->pools = np;
	size_t at = 0;
	while (at < m->npools && m->pools[at].id < p->id)
		at++;
	memmove(&m->pools[at + 1], &m->pools[at], (m->npools - at) * sizeof(*np));
	m->pools[at] = *p;
	m->npools++;
	if (p->id > m->pool_max)
		m->pool_max = p->id;
	return 0;
}

static void drop_pool(struct osdmap *m, int64_t id)
{
	ssize_t i = pool_index(m, id);
	if (i < 0)
		return;
	memmove(&m->pools[i], &m->pools[i + 1], (m->npools - (size_t)i - 1) * sizeof(*m->pools));
	m->npools--;
	/* Exceptions of the pool's PGs go with it. */
	size_t o = 0;
	for (size_t k = 0; k < m->nupmaps; k++)
		if (m->upmaps[k].pg.pool != id)
			m->upmaps[o++] = m->upmaps[k];
	m->nupmaps = o;
	o = 0;
	for (size_t k = 0; k < m->ntemps; k++)
		if (m->temps[k].pg.pool != id)
			m->temps[o++] = m->temps[k];
	m->ntemps = o;
}

static int set_max_osd(struct osdmap *m, int32_t n)
{
	if (n < 0 || n > OSDMAP_MAX_OSD)
		return -EINVAL;
	if (n == m->max_osd)
		return 0;
	if (n == 0) {
		free(m->osds);
		m->osds = NULL;
		m->max_osd = 0;
		return 0;
	}
	struct osdmap_osd *o = realloc(m->osds, (size_t)n * sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (int32_t i = m->max_osd; i < n; i++)
		memset(&o[i], 0, sizeof(*o));
	m->osds = o;
	m->max_osd = n;
	return 0;
}

/*
 * Replace or remove (n == 0) the entry of @pg in a sorted array of
 * structs that start with a struct osdmap_pg.
 */
static int put_pg_entry(void *arrp, size_t *count, size_t size, const void *entry, size_t n)
{
	char **arr = arrp;
	const struct osdmap_pg *pg = entry;
	size_t at = 0;
	while (at < *count && pg_cmp((const struct osdmap_pg *)(*arr + at * size), pg) < 0)
		at++;
	bool found = at < *count && pg_cmp((const struct osdmap_pg *)(*arr + at * size), pg) == 0;
	if (n == 0) {
		if (found) {
			memmove(*arr + at * size, *arr + (at + 1) * size, (*count - at - 1) * size);
			(*count)--;
		}
		return 0;
	}
	if (!found) {
		char *p = realloc(*arr, (*count + 1) * size);
		if (!p)
			return -ENOMEM;
		*arr = p;
		memmove(p + (at + 1) * size, p + at * size, (*count - at) * size);
		(*count)++;
	}
	memcpy(*arr + at * size, entry, size);
	return 0;
}

static bool osd_ok(const struct osdmap *m, int32_t osd, char *err, size_t errlen)
{
	if (osd < 0 || osd >= m->max_osd) {
		set_err(err, errlen, "osd.%d is outside max_osd %d", osd, m->max_osd);
		return false;
	}
	return true;
}

static int apply_osds(struct osdmap *m, const struct osdmap_inc *inc, char *err, size_t errlen)
{
	for (size_t i = 0; i < inc->n_new_exists; i++) {
		if (!osd_ok(m, inc->new_exists[i], err, errlen))
			return -EINVAL;
		struct osdmap_osd *o = &m->osds[inc->new_exists[i]];
		memset(o, 0, sizeof(*o));
		o->exists = true;
	}
	for (size_t i = 0; i < inc->n_new_uuid; i++) {
		if (!osd_ok(m, inc->new_uuid[i].osd, err, errlen))
			return -EINVAL;
		memcpy(m->osds[inc->new_uuid[i].osd].uuid, inc->new_uuid[i].uuid, 16);
	}
	for (size_t i = 0; i < inc->n_new_down; i++) {
		if (!osd_ok(m, inc->new_down[i], err, errlen))
			return -EINVAL;
		struct osdmap_osd *o = &m->osds[inc->new_down[i]];
		if (o->up) {
			o->up = false;
			o->down_at = inc->epoch;
		}
	}
	for (size_t i = 0; i < inc->n_new_up; i++) {
		int32_t id = inc->new_up[i].osd;
		if (!osd_ok(m, id, err, errlen) || !m->osds[id].exists) {
			set_err(err, errlen, "osd.%d cannot come up: it does not exist", id);
			return -EINVAL;
		}
		m->osds[id].up = true;
		m->osds[id].addr = inc->new_up[i].addr;
		m->osds[id].up_from = inc->epoch;
	}
	for (size_t i = 0; i < inc->n_new_weight; i++) {
		int32_t id = inc->new_weight[i].osd;
		if (!osd_ok(m, id, err, errlen) || inc->new_weight[i].weight > 0x10000) {
			set_err(err, errlen, "osd.%d: bad weight", id);
			return -EINVAL;
		}
		m->osds[id].weight = inc->new_weight[i].weight;
	}
	for (size_t i = 0; i < inc->n_removed_osds; i++) {
		if (!osd_ok(m, inc->removed_osds[i], err, errlen))
			return -EINVAL;
		memset(&m->osds[inc->removed_osds[i]], 0, sizeof(struct osdmap_osd));
	}
	return 0;
}

/* Removals, then additions (which replace the expiry of an entry already there). */
static int apply_blocklist(struct osdmap *m, const struct osdmap_inc *inc, char *err, size_t errlen)
{
	bool found;
	for (size_t i = 0; i < inc->n_old_blocklist; i++) {
		const struct osdmap_blocklist_entry *e = &inc->old_blocklist[i];
		size_t at = bl_index(m->blocklist, m->nblocklist, &e->addr, e->nonce, &found);
		if (!found)
			continue;
		memmove(&m->blocklist[at], &m->blocklist[at + 1],
			(m->nblocklist - at - 1) * sizeof(*m->blocklist));
		m->nblocklist--;
	}
	for (size_t i = 0; i < inc->n_new_blocklist; i++) {
		struct osdmap_blocklist_entry e = inc->new_blocklist[i];
		if (norm_addr(&inc->new_blocklist[i].addr, &e.addr) != 0) {
			set_err(err, errlen, "blocklist entry %zu is not an IP address", i);
			return -EINVAL;
		}
		size_t at = bl_index(m->blocklist, m->nblocklist, &e.addr, e.nonce, &found);
		if (found) {
			m->blocklist[at].expires = e.expires;
			continue;
		}
		if (m->nblocklist >= OSDMAP_MAX_BLOCKLIST) {
			set_err(err, errlen, "blocklist full (%d entries)", OSDMAP_MAX_BLOCKLIST);
			return -ENOSPC;
		}
		struct osdmap_blocklist_entry *nb =
			realloc(m->blocklist, (m->nblocklist + 1) * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		m->blocklist = nb;
		memmove(&nb[at + 1], &nb[at], (m->nblocklist - at) * sizeof(*nb));
		nb[at] = e;
		m->nblocklist++;
	}
	return 0;
}

static int apply_inc(struct osdmap *m, const struct osdmap_inc *inc, char *err, size_t errlen)
{
	int rc;
	if (inc->crush) {
		struct crush_map *c;
		char cerr[128];
		rc = crush_decode(inc->crush, inc->crush_len, &c, cerr, sizeof(cerr));
		if (rc) {
			set_err(err, errlen, "incremental %u: bad CRUSH map: %s", inc->epoch, cerr);
			return rc == -ENOMEM ? rc : -EINVAL;
		}
		crush_map_destroy(m->crush);
		m->crush = c;
	}
	if (inc->has_flags)
		m->flags = inc->new_flags;
	if (inc->has_ratios) {
		m->full_ratio = inc->full_ratio;
		m->backfillfull_ratio = inc->backfillfull_ratio;
		m->nearfull_ratio = inc->nearfull_ratio;
	}
	if (inc->new_max_osd >= 0 && (rc = set_max_osd(m, inc->new_max_osd)) != 0) {
		set_err(err, errlen, "bad max_osd %d", inc->new_max_osd);
		return rc;
	}
	if (inc->new_pool_max >= 0)
		m->pool_max = MAX(m->pool_max, inc->new_pool_max);
	for (size_t i = 0; i < inc->n_old_pools; i++)
		drop_pool(m, inc->old_pools[i]);
	for (size_t i = 0; i < inc->n_new_pools; i++) {
		if (!pool_valid(&inc->new_pools[i], err, errlen))
			return -EINVAL;
		if ((rc = put_pool(m, &inc->new_pools[i])) != 0)
			return rc;
	}
	if ((rc = apply_osds(m, inc, err, errlen)) != 0)
		return rc;
	for (size_t i = 0; i < inc->n_new_upmap; i++) {
		struct pg_upmap u = {inc->new_upmap[i].pg, inc->new_upmap[i].n, {{0, 0}}};
		if (u.n > OSDMAP_MAX_SIZE)
			return -EINVAL;
		memcpy(u.pairs, inc->new_upmap[i].pairs, u.n * sizeof(u.pairs[0]));
		if ((rc = put_pg_entry(&m->upmaps, &m->nupmaps, sizeof(u), &u, u.n)) != 0)
			return rc;
	}
	for (size_t i = 0; i < inc->n_new_pg_temp; i++) {
		struct pg_temp t = {inc->new_pg_temp[i].pg, inc->new_pg_temp[i].n, {0}};
		if (t.n > OSDMAP_MAX_SIZE)
			return -EINVAL;
		memcpy(t.osds, inc->new_pg_temp[i].osds, t.n * sizeof(t.osds[0]));
		if ((rc = put_pg_entry(&m->temps, &m->ntemps, sizeof(t), &t, t.n)) != 0)
			return rc;
	}
	if ((rc = apply_blocklist(m, inc, err, errlen)) != 0)
		return rc;
	m->epoch = inc->epoch;
	m->modified = inc->modified;
	if (m->epoch == 1)
		m->created = inc->modified;
	return 0;
}

int osdmap_apply(const struct osdmap *m, const struct osdmap_inc *inc, struct osdmap **out,
		 char *err, size_t errlen)
{
	if (memcmp(m->fsid, inc->fsid, 16) != 0) {
		set_err(err, errlen, "incremental belongs to another cluster (fsid differs)");
		return -EINVAL;
	}
	if (inc->epoch != m->epoch + 1) {
		set_err(err, errlen, "incremental for epoch %u cannot follow epoch %u", inc->epoch,
			m->epoch);
		return -EINVAL;
	}
	struct osdmap *n = osdmap_clone(m);
	if (!n)
		return -ENOMEM;
	int rc = apply_inc(n, inc, err, errlen);
	if (rc) {
		osdmap_destroy(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* ---- encoding helpers ---------------------------------------------------------- */

#define OSDMAP_MAGIC 0x50414d4fu /* "OMAP" little-endian */
#define OSDMAP_INC_MAGIC 0x434e494fu /* "OINC" */
#define OSDMAP_V 2	/* 2: the blocklist, appended */
#define OSDMAP_COMPAT 1 /* version 1 decoders read version 2 (they ignore the tail) */
#define HDR_LEN 10 /* magic, v, compat, payload length */

struct wr {
	struct buf *b;
	int rc;
};

static void w_bytes(struct wr *w, const void *p, size_t n)
{
	if (!w->rc && buf_append(w->b, p, n))
		w->rc = -ENOMEM;
}

static void w_u8(struct wr *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void w_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4];
	enc_put_le32(b, v);
	w_bytes(w, b, 4);
}

static void w_u64(struct wr *w, uint64_t v)
{
	uint8_t b[8];
	enc_put_le64(b, v);
	w_bytes(w, b, 8);
}

static void w_float(struct wr *w, float f)
{
	uint32_t v;
	memcpy(&v, &f, 4);
	w_u32(w, v);
}

static void w_str(struct wr *w, const char *s)
{
	size_t n = strlen(s);
	w_u32(w, (uint32_t)n);
	w_bytes(w, s, n);
}

static void w_addr(struct wr *w, const struct net_addr *a)
{
	uint8_t fam = a->u.sa.sa_family == AF_INET ? 4 : a->u.sa.sa_family == AF_INET6 ? 6 : 0;
	uint8_t ip[16] = {0};
	if (fam == 4)
		memcpy(ip, &a->u.in.sin_addr, 4);
	else if (fam == 6)
		memcpy(ip, &a->u.in6.sin6_addr, 16);
	w_u8(w, fam);
	w_bytes(w, ip, 16);
	w_u32(w, fam ? addr_port(a) : 0);
}

static void w_pg(struct wr *w, const struct osdmap_pg *pg)
{
	w_u64(w, (uint64_t)pg->pool);
	w_u32(w, pg->seed);
}

/* Start a framed encoding: remember where the header goes. */
static size_t w_begin(struct wr *w, uint32_t magic)
{
	size_t at = w->b->len;
	w_u32(w, magic);
	w_u8(w, OSDMAP_V);
	w_u8(w, OSDMAP_COMPAT);
	w_u32(w, 0); /* payload length, patched in w_end */
	return at;
}

static int w_end(struct wr *w, size_t at)
{
	if (w->rc)
		return w->rc;
	size_t payload = w->b->len - at - HDR_LEN;
	if (payload > UINT32_MAX)
		return -EINVAL;
	enc_put_le32(w->b->data + at + 6, (uint32_t)payload);
	w_u32(w, crc32c(0, w->b->data + at, w->b->len - at));
	return w->rc;
}

struct rd {
	struct enc_rd r;
	int rc;
	char *err;
	size_t errlen;
	const char *what; /* field being read, for messages */
};

static bool r_ok(struct rd *r)
{
	return r->rc == 0;
}

static void r_fail(struct rd *r, const char *why)
{
	if (r->rc)
		return;
	r->rc = -EINVAL;
	set_err(r->err, r->errlen, "bad %s: %s", r->what, why);
}

static uint8_t r_u8(struct rd *r)
{
	uint8_t v = 0;
	if (r_ok(r) && enc_rd_u8(&r->r, &v))
		r_fail(r, "truncated");
	return v;
}

static uint32_t r_u32(struct rd *r)
{
	uint32_t v = 0;
	if (r_ok(r) && enc_rd_le32(&r->r, &v))
		r_fail(r, "truncated");
	return v;
}

static uint64_t r_u64(struct rd *r)
{
	uint64_t v = 0;
	if (r_ok(r) && enc_rd_le64(&r->r, &v))
		r_fail(r, "truncated");
	return v;
}

static float r_float(struct rd *r)
{
	uint32_t v = r_u32(r);
	float f;
	memcpy(&f, &v, 4);
	return f;
}

static void r_bytes(struct rd *r, void *out, size_t n)
{
	if (n == 0)
		return;
	if (r_ok(r) && enc_rd_bytes(&r->r, out, n))
		r_fail(r, "truncated");
}

static void r_str(struct rd *r, char *out, size_t size)
{
	uint32_t n = r_u32(r);
	if (!r_ok(r))
		return;
	if (n >= size) {
		r_fail(r, "string too long");
		return;
	}
	r_bytes(r, out, n);
	out[r_ok(r) ? n : 0] = '\0';
	if (r_ok(r) && memchr(out, '\0', n))
		r_fail(r, "NUL inside a string");
}

static void r_addr(struct rd *r, struct net_addr *a)
{
	uint8_t fam = r_u8(r);
	uint8_t ip[16];
	r_bytes(r, ip, 16);
	uint32_t port = r_u32(r);
	memset(a, 0, sizeof(*a));
	if (!r_ok(r))
		return;
	if (port > 65535 || (fam != 0 && fam != 4 && fam != 6)) {
		r_fail(r, "bad address");
		return;
	}
	if (fam == 4) {
		a->u.in.sin_family = AF_INET;
		memcpy(&a->u.in.sin_addr, ip, 4);
	} else if (fam == 6) {
		a->u.in6.sin6_family = AF_INET6;
		memcpy(&a->u.in6.sin6_addr, ip, 16);
	}
	if (fam)
		addr_set_port(a, (uint16_t)port);
}

static void r_pg(struct rd *r, struct osdmap_pg *pg)
{
	pg->pool = (int64_t)r_u64(r);
	pg->seed = r_u32(r);
}

/* A count that must fit in what is left, at @min_each bytes per element. */
static size_t r_count(struct rd *r, size_t min_each, size_t max)
{
	uint32_t n = r_u32(r);
	if (r_ok(r) && (n > max || (size_t)n * min_each > enc_rd_left(&r->r)))
		r_fail(r, "count out of range");
	return r_ok(r) ? n : 0;
}

/* Check the frame (magic, versions, length, crc) and position @r on its payload. */
static int r_begin(struct rd *r, const uint8_t *data, size_t len, uint32_t magic, const char *what)
{
	r->what = what;
	if (len < HDR_LEN + 4) {
		set_err(r->err, r->errlen, "%s: %zu bytes is too short", what, len);
		return -EINVAL;
	}
	if (enc_get_le32(data) != magic) {
		set_err(r->err, r->errlen, "%s: bad magic", what);
		return -EINVAL;
	}
	uint8_t compat = data[5];
	if (compat > OSDMAP_V) {
		set_err(r->err, r->errlen, "%s: needs decoder version %u, this is %u", what, compat,
			OSDMAP_V);
		return -EINVAL;
	}
	uint32_t payload = enc_get_le32(data + 6);
	if ((size_t)payload != len - HDR_LEN - 4) {
		set_err(r->err, r->errlen, "%s: length %u does not match %zu bytes", what, payload,
			len);
		return -EINVAL;
	}
	if (crc32c(0, data, len - 4) != enc_get_le32(data + len - 4)) {
		set_err(r->err, r->errlen, "%s: checksum mismatch", what);
		return -EINVAL;
	}
	enc_rd_init(&r->r, data + HDR_LEN, payload);
	return 0;
}

/* ---- map encoding ---------------------------------------------------------------- */

static void w_pool(struct wr *w, const struct osdmap_pool *p)
{
	w_u64(w, (uint64_t)p->id);
	w_str(w, p->name);
	w_u8(w, p->type);
	w_u32(w, p->size);
	w_u32(w, p->min_size);
	w_u32(w, p->pg_num);
	w_u32(w, p->pgp_num);
	w_u32(w, p->crush_rule);
	w_u64(w, p->quota_max_bytes);
	w_u64(w, p->quota_max_objects);
	w_str(w, p->apps);
	w_u32(w, p->last_change);
}

static void r_pool(struct rd *r, struct osdmap_pool *p)
{
	memset(p, 0, sizeof(*p));
	p->id = (int64_t)r_u64(r);
	r_str(r, p->name, sizeof(p->name));
	p->type = r_u8(r);
	p->size = r_u32(r);
	p->min_size = r_u32(r);
	p->pg_num = r_u32(r);
	p->pgp_num = r_u32(r);
	p->crush_rule = r_u32(r);
	p->quota_max_bytes = r_u64(r);
	p->quota_max_objects = r_u64(r);
	r_str(r, p->apps, sizeof(p->apps));
	p->last_change = r_u32(r);
	if (r_ok(r) && !pool_valid(p, r->err, r->errlen))
		r->rc = -EINVAL;
}

static void w_osd(struct wr *w, const struct osdmap_osd *o)
{
	w_u8(w, (uint8_t)((o->exists ? 1 : 0) | (o->up ? 2 : 0)));
	w_u32(w, o->weight);
	w_addr(w, &o->addr);
	w_u32(w, o->up_from);
	w_u32(w, o->down_at);
	w_bytes(w, o->uuid, 16);
}

static void r_osd(struct rd *r, struct osdmap_osd *o)
{
	uint8_t f = r_u8(r);
	o->exists = f & 1;
	o->up = (f & 2) != 0;
	o->weight = r_u32(r);
	r_addr(r, &o->addr);
	o->up_from = r_u32(r);
	o->down_at = r_u32(r);
	r_bytes(r, o->uuid, 16);
	if (r_ok(r) && (f > 3 || o->weight > 0x10000))
		r_fail(r, "bad osd state");
}

static void w_crush(struct wr *w, const struct crush_map *c)
{
	uint8_t *data;
	size_t len;
	int rc = crush_encode(c, &data, &len);
	if (rc) {
		w->rc = w->rc ? w->rc : rc;
		return;
	}
	w_u32(w, (uint32_t)len);
	w_bytes(w, data, len);
	free(data);
}

/* A blocklist section: a count, then (address, nonce, expiry) per entry. */
#define BL_ENTRY_LEN 37 /* w_addr's 21 bytes + 8 + 8 */

static void w_blocklist(struct wr *w, const struct osdmap_blocklist_entry *e, size_t n)
{
	w_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		w_addr(w, &e[i].addr);
		w_u64(w, e[i].nonce);
		w_u64(w, e[i].expires);
	}
}

static void r_blocklist(struct rd *r, struct osdmap_blocklist_entry **out, size_t *out_n,
			bool sorted);

int osdmap_encode(const struct osdmap *m, struct buf *out)
{
	struct wr w = {out, 0};
	size_t at = w_begin(&w, OSDMAP_MAGIC);
	w_bytes(&w, m->fsid, 16);
	w_u32(&w, m->epoch);
	w_u64(&w, m->created);
	w_u64(&w, m->modified);
	w_u32(&w, m->flags);
	w_float(&w, m->full_ratio);
	w_float(&w, m->backfillfull_ratio);
	w_float(&w, m->nearfull_ratio);
	w_u32(&w, (uint32_t)m->max_osd);
	for (int32_t i = 0; i < m->max_osd; i++)
		w_osd(&w, &m->osds[i]);
	w_u64(&w, (uint64_t)m->pool_max);
	w_u32(&w, (uint32_t)m->npools);
	for (size_t i = 0; i < m->npools; i++)
		w_pool(&w, &m->pools[i]);
	w_crush(&w, m->crush);
	w_u32(&w, (uint32_t)m->nupmaps);
	for (size_t i = 0; i < m->nupmaps; i++) {
		w_pg(&w, &m->upmaps[i].pg);
		w_u8(&w, (uint8_t)m->upmaps[i].n);
		for (size_t k = 0; k < m->upmaps[i].n; k++) {
			w_u32(&w, (uint32_t)m->upmaps[i].pairs[k].from);
			w_u32(&w, (uint32_t)m->upmaps[i].pairs[k].to);
		}
	}
	w_u32(&w, (uint32_t)m->ntemps);
	for (size_t i = 0; i < m->ntemps; i++) {
		w_pg(&w, &m->temps[i].pg);
		w_u8(&w, (uint8_t)m->temps[i].n);
		for (size_t k = 0; k < m->temps[i].n; k++)
			w_u32(&w, (uint32_t)m->temps[i].osds[k]);
	}
	/* Version 2 (appended): the blocklist. */
	w_blocklist(&w, m->blocklist, m->nblocklist);
	return w_end(&w, at);
}

static void r_crush(struct rd *r, struct crush_map **out)
{
	size_t len = r_count(r, 1, CRUSH_CODEC_MAX_SIZE);
	const uint8_t *p;
	if (!r_ok(r))
		return;
	if (enc_rd_ref(&r->r, len, &p)) {
		r_fail(r, "truncated");
		return;
	}
	char cerr[128];
	int rc = crush_decode(p, len, out, cerr, sizeof(cerr));
	if (rc) {
		r->rc = rc == -ENOMEM ? rc : -EINVAL;
		set_err(r->err, r->errlen, "bad CRUSH map: %s", cerr);
	}
}

/* Read the sorted, unique per-PG exception lists. */
static void r_pg_lists(struct rd *r, struct osdmap *m)
{
	r->what = "pg_upmap_items";
	m->nupmaps = r_count(r, 13, 1u << 24);
	if (m->nupmaps && r_ok(r) && !(m->upmaps = calloc(m->nupmaps, sizeof(*m->upmaps))))
		r->rc = -ENOMEM;
	for (size_t i = 0; i < m->nupmaps && r_ok(r); i++) {
		r_pg(r, &m->upmaps[i].pg);
		m->upmaps[i].n = r_u8(r);
		if (m->upmaps[i].n > OSDMAP_MAX_SIZE || m->upmaps[i].n == 0 ||
		    (i > 0 && pg_cmp(&m->upmaps[i - 1].pg, &m->upmaps[i].pg) >= 0))
			r_fail(r, "bad entry");
		for (size_t k = 0; k < m->upmaps[i].n && r_ok(r); k++) {
			m->upmaps[i].pairs[k].from = (int32_t)r_u32(r);
			m->upmaps[i].pairs[k].to = (int32_t)r_u32(r);
		}
	}
	r->what = "pg_temp";
	m->ntemps = r_count(r, 13, 1u << 24);
	if (m->ntemps && r_ok(r) && !(m->temps = calloc(m->ntemps, sizeof(*m->temps))))
		r->rc = -ENOMEM;
	for (size_t i = 0; i < m->ntemps && r_ok(r); i++) {
		r_pg(r, &m->temps[i].pg);
		m->temps[i].n = r_u8(r);
		if (m->temps[i].n > OSDMAP_MAX_SIZE || m->temps[i].n == 0 ||
		    (i > 0 && pg_cmp(&m->temps[i - 1].pg, &m->temps[i].pg) >= 0))
			r_fail(r, "bad entry");
		for (size_t k = 0; k < m->temps[i].n && r_ok(r); k++)
			m->temps[i].osds[k] = (int32_t)r_u32(r);
	}
}

int osdmap_decode(const uint8_t *data, size_t len, struct osdmap **out, char *err, size_t errlen)
{
	struct rd r = {.err = err, .errlen = errlen};
	int rc = r_begin(&r, data, len, OSDMAP_MAGIC, "osdmap");
	if (rc)
		return rc;
	struct osdmap *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r.what = "osdmap header";
	r_bytes(&r, m->fsid, 16);
	m->epoch = r_u32(&r);
	m->created = r_u64(&r);
	m->modified = r_u64(&r);
	m->flags = r_u32(&r);
	m->full_ratio = r_float(&r);
	m->backfillfull_ratio = r_float(&r);
	m->nearfull_ratio = r_float(&r);
	r.what = "osds";
	int32_t max_osd = (int32_t)r_count(&r, 50, OSDMAP_MAX_OSD);
	if (r_ok(&r) && set_max_osd(m, max_osd))
		r.rc = -ENOMEM;
	for (int32_t i = 0; i < m->max_osd && r_ok(&r); i++)
		r_osd(&r, &m->osds[i]);
	r.what = "pools";
	m->pool_max = (int64_t)r_u64(&r);
	size_t npools = r_count(&r, 60, OSDMAP_MAX_POOLS);
	if (npools && r_ok(&r) && !(m->pools = calloc(npools, sizeof(*m->pools))))
		r.rc = -ENOMEM;
	for (size_t i = 0; i < npools && r_ok(&r); i++) {
		r_pool(&r, &m->pools[i]);
		if (r_ok(&r) && i > 0 && m->pools[i - 1].id >= m->pools[i].id)
			r_fail(&r, "pools out of order");
		m->npools = i + 1;
	}
	r.what = "crush";
	if (r_ok(&r))
		r_crush(&r, &m->crush);
	if (r_ok(&r))
		r_pg_lists(&r, m);
	/* Absent from maps written by version 1: then there is none. */
	if (r_ok(&r) && enc_rd_left(&r.r) != 0)
		r_blocklist(&r, &m->blocklist, &m->nblocklist, true);
	if (r_ok(&r) && enc_rd_left(&r.r) != 0) {
		/* Newer encoders may append fields; this version ignores them. */
	}
	if (r_ok(&r) && !m->crush)
		r_fail(&r, "missing");
	if (!r_ok(&r)) {
		rc = r.rc;
		osdmap_destroy(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* ---- incremental encoding --------------------------------------------------------- */

int osdmap_inc_encode(const struct osdmap_inc *inc, struct buf *out)
{
	struct wr w = {out, 0};
	size_t at = w_begin(&w, OSDMAP_INC_MAGIC);
	w_bytes(&w, inc->fsid, 16);
	w_u32(&w, inc->epoch);
	w_u64(&w, inc->modified);
	w_u8(&w, inc->has_flags);
	w_u32(&w, inc->new_flags);
	w_u32(&w, (uint32_t)inc->new_max_osd);
	w_u32(&w, (uint32_t)inc->crush_len);
	w_bytes(&w, inc->crush, inc->crush_len);
	w_u8(&w, inc->has_ratios);
	w_float(&w, inc->full_ratio);
	w_float(&w, inc->backfillfull_ratio);
	w_float(&w, inc->nearfull_ratio);
	w_u64(&w, (uint64_t)inc->new_pool_max);
	w_u32(&w, (uint32_t)inc->n_new_pools);
	for (size_t i = 0; i < inc->n_new_pools; i++)
		w_pool(&w, &inc->new_pools[i]);
	w_u32(&w, (uint32_t)inc->n_old_pools);
	for (size_t i = 0; i < inc->n_old_pools; i++)
		w_u64(&w, (uint64_t)inc->old_pools[i]);
	const int32_t *lists[] = {inc->new_exists, inc->removed_osds, inc->new_down};
	const size_t counts[] = {inc->n_new_exists, inc->n_removed_osds, inc->n_new_down};
	for (int l = 0; l < 3; l++) {
		w_u32(&w, (uint32_t)counts[l]);
		for (size_t i = 0; i < counts[l]; i++)
			w_u32(&w, (uint32_t)lists[l][i]);
	}
	w_u32(&w, (uint32_t)inc->n_new_up);
	for (size_t i = 0; i < inc->n_new_up; i++) {
		w_u32(&w, (uint32_t)inc->new_up[i].osd);
		w_addr(&w, &inc->new_up[i].addr);
	}
	w_u32(&w, (uint32_t)inc->n_new_weight);
	for (size_t i = 0; i < inc->n_new_weight; i++) {
		w_u32(&w, (uint32_t)inc->new_weight[i].osd);
		w_u32(&w, inc->new_weight[i].weight);
	}
	w_u32(&w, (uint32_t)inc->n_new_uuid);
	for (size_t i = 0; i < inc->n_new_uuid; i++) {
		w_u32(&w, (uint32_t)inc->new_uuid[i].osd);
		w_bytes(&w, inc->new_uuid[i].uuid, 16);
	}
	w_u32(&w, (uint32_t)inc->n_new_upmap);
	for (size_t i = 0; i < inc->n_new_upmap; i++) {
		w_pg(&w, &inc->new_upmap[i].pg);
		w_u8(&w, (uint8_t)inc->new_upmap[i].n);
		for (size_t k = 0; k < inc->new_upmap[i].n; k++) {
			w_u32(&w, (uint32_t)inc->new_upmap[i].pairs[k].from);
			w_u32(&w, (uint32_t)inc->new_upmap[i].pairs[k].to);
		}
	}
	w_u32(&w, (uint32_t)inc->n_new_pg_temp);
	for (size_t i = 0; i < inc->n_new_pg_temp; i++) {
		w_pg(&w, &inc->new_pg_temp[i].pg);
		w_u8(&w, (uint8_t)inc->new_pg_temp[i].n);
		for (size_t k = 0; k < inc->new_pg_temp[i].n; k++)
			w_u32(&w, (uint32_t)inc->new_pg_temp[i].osds[k]);
	}
	/* Version 2 (appended): blocklist additions and removals. */
	w_blocklist(&w, inc->new_blocklist, inc->n_new_blocklist);
	w_blocklist(&w, inc->old_blocklist, inc->n_old_blocklist);
	return w_end(&w, at);
}

/* Allocate @n zeroed elements for a decoded list (NULL when n == 0). */
static void *r_alloc(struct rd *r, size_t n, size_t size)
{
	if (!r_ok(r) || n == 0)
		return NULL;
	void *p = calloc(n, size);
	if (!p)
		r->rc = -ENOMEM;
	return p;
}

/*
 * A blocklist section.  Entries must be IP addresses; a map's are sorted
 * and unique (@sorted), an incremental's lists need not be.
 */
static void r_blocklist(struct rd *r, struct osdmap_blocklist_entry **out, size_t *out_n,
			bool sorted)
{
	r->what = "blocklist";
	size_t n = r_count(r, BL_ENTRY_LEN, OSDMAP_MAX_BLOCKLIST);
	struct osdmap_blocklist_entry *e = r_alloc(r, n, sizeof(*e));
	for (size_t i = 0; i < n && r_ok(r); i++) {
		r_addr(r, &e[i].addr);
		e[i].nonce = r_u64(r);
		e[i].expires = r_u64(r);
		if (r_ok(r) && addr_family(&e[i].addr) == 0)
			r_fail(r, "an entry is not an IP address");
		if (r_ok(r) && sorted && i > 0 && bl_cmp(&e[i - 1], &e[i].addr, e[i].nonce) >= 0)
			r_fail(r, "entries out of order");
	}
	*out = e;
	*out_n = r_ok(r) ? n : 0;
}

static void r_inc_osd_lists(struct rd *r, struct osdmap_inc *inc)
{
	int32_t **lists[] = {&inc->new_exists, &inc->removed_osds, &inc->new_down};
	size_t *counts[] = {&inc->n_new_exists, &inc->n_removed_osds, &inc->n_new_down};
	for (int l = 0; l < 3; l++) {
		size_t n = r_count(r, 4, OSDMAP_MAX_OSD);
		*lists[l] = r_alloc(r, n, sizeof(int32_t));
		for (size_t i = 0; i < n && r_ok(r); i++)
			(*lists[l])[i] = (int32_t)r_u32(r);
		*counts[l] = r_ok(r) ? n : 0;
	}
	size_t n = r_count(r, 25, OSDMAP_MAX_OSD);
	inc->new_up = r_alloc(r, n, sizeof(*inc->new_up));
	for (size_t i = 0; i < n && r_ok(r); i++) {
		inc->new_up[i].osd = (int32_t)r_u32(r);
		r_addr(r, &inc->new_up[i].addr);
	}
	inc->n_new_up = r_ok(r) ? n : 0;
	n = r_count(r, 8, OSDMAP_MAX_OSD);
	inc->new_weight = r_alloc(r, n, sizeof(*inc->new_weight));
	for (size_t i = 0; i < n && r_ok(r); i++) {
		inc->new_weight[i].osd = (int32_t)r_u32(r);
		inc->new_weight[i].weight = r_u32(r);
	}
	inc->n_new_weight = r_ok(r) ? n : 0;
	n = r_count(r, 20, OSDMAP_MAX_OSD);
	inc->new_uuid = r_alloc(r, n, sizeof(*inc->new_uuid));
	for (size_t i = 0; i < n && r_ok(r); i++) {
		inc->new_uuid[i].osd = (int32_t)r_u32(r);
		r_bytes(r, inc->new_uuid[i].uuid, 16);
	}
	inc->n_new_uuid = r_ok(r) ? n : 0;
}

static void r_inc_pg_lists(struct rd *r, struct osdmap_inc *inc)
{
	size_t n = r_count(r, 13, 1u << 24);
	inc->new_upmap = r_alloc(r, n, sizeof(*inc->new_upmap));
	for (size_t i = 0; i < n && r_ok(r); i++) {
		r_pg(r, &inc->new_upmap[i].pg);
		inc->new_upmap[i].n = r_u8(r);
		if (inc->new_upmap[i].n > OSDMAP_MAX_SIZE)
			r_fail(r, "upmap too long");
		for (size_t k = 0; k < inc->new_upmap[i].n && r_ok(r); k++) {
			inc->new_upmap[i].pairs[k].from = (int32_t)r_u32(r);
			inc->new_upmap[i].pairs[k].to = (int32_t)r_u32(r);
		}
	}
	inc->n_new_upmap = r_ok(r) ? n : 0;
	n = r_count(r, 13, 1u << 24);
	inc->new_pg_temp = r_alloc(r, n, sizeof(*inc->new_pg_temp));
	for (size_t i = 0; i < n && r_ok(r); i++) {
		r_pg(r, &inc->new_pg_temp[i].pg);
		inc->new_pg_temp[i].n = r_u8(r);
		if (inc->new_pg_temp[i].n > OSDMAP_MAX_SIZE)
			r_fail(r, "pg_temp too long");
		for (size_t k = 0; k < inc->new_pg_temp[i].n && r_ok(r); k++)
			inc->new_pg_temp[i].osds[k] = (int32_t)r_u32(r);
	}
	inc->n_new_pg_temp = r_ok(r) ? n : 0;
}

int osdmap_inc_decode(const uint8_t *data, size_t len, struct osdmap_inc *inc, char *err,
		      size_t errlen)
{
	struct rd r = {.err = err, .errlen = errlen};
	uint8_t zero[16] = {0};
	osdmap_inc_init(inc, zero, 0);
	int rc = r_begin(&r, data, len, OSDMAP_INC_MAGIC, "osdmap incremental");
	if (rc)
		return rc;
	r.what = "incremental header";
	r_bytes(&r, inc->fsid, 16);
	inc->epoch = r_u32(&r);
	inc->modified = r_u64(&r);
	inc->has_flags = r_u8(&r) != 0;
	inc->new_flags = r_u32(&r);
	inc->new_max_osd = (int32_t)r_u32(&r);
	if (r_ok(&r) && (inc->new_max_osd < -1 || inc->new_max_osd > OSDMAP_MAX_OSD))
		r_fail(&r, "max_osd out of range");
	inc->crush_len = r_count(&r, 1, CRUSH_CODEC_MAX_SIZE);
	inc->crush = r_alloc(&r, inc->crush_len, 1);
	r_bytes(&r, inc->crush, inc->crush_len);
	inc->has_ratios = r_u8(&r) != 0;
	inc->full_ratio = r_float(&r);
	inc->backfillfull_ratio = r_float(&r);
	inc->nearfull_ratio = r_float(&r);
	inc->new_pool_max = (int64_t)r_u64(&r);
	r.what = "incremental pools";
	size_t n = r_count(&r, 60, OSDMAP_MAX_POOLS);
	inc->new_pools = r_alloc(&r, n, sizeof(*inc->new_pools));
	for (size_t i = 0; i < n && r_ok(&r); i++)
		r_pool(&r, &inc->new_pools[i]);
	inc->n_new_pools = r_ok(&r) ? n : 0;
	n = r_count(&r, 8, OSDMAP_MAX_POOLS);
	inc->old_pools = r_alloc(&r, n, sizeof(int64_t));
	for (size_t i = 0; i < n && r_ok(&r); i++)
		inc->old_pools[i] = (int64_t)r_u64(&r);
	inc->n_old_pools = r_ok(&r) ? n : 0;
	r.what = "incremental osds";
	r_inc_osd_lists(&r, inc);
	r.what = "incremental pg lists";
	r_inc_pg_lists(&r, inc);
	/* Absent from incrementals written by version 1. */
	if (r_ok(&r) && enc_rd_left(&r.r) != 0) {
		r_blocklist(&r, &inc->new_blocklist, &inc->n_new_blocklist, false);
		r_blocklist(&r, &inc->old_blocklist, &inc->n_old_blocklist, false);
	}
	if (!r_ok(&r)) {
		rc = r.rc;
		osdmap_inc_fini(inc);
		return rc;
	}
	return 0;
}

/* ---- equality ------------------------------------------------------------------ */

bool osdmap_equal(const struct osdmap *a, const struct osdmap *b)
{
	if (memcmp(a->fsid, b->fsid, 16) || a->epoch != b->epoch || a->created != b->created ||
	    a->modified != b->modified || a->flags != b->flags || a->max_osd != b->max_osd ||
	    a->npools != b->npools || a->pool_max != b->pool_max || a->nupmaps != b->nupmaps ||
	    a->ntemps != b->ntemps || a->full_ratio != b->full_ratio ||
	    a->backfillfull_ratio != b->backfillfull_ratio || a->nearfull_ratio != b->nearfull_ratio ||
	    a->nblocklist != b->nblocklist)
		return false;
	for (size_t i = 0; i < a->nblocklist; i++)
		if (bl_cmp(&a->blocklist[i], &b->blocklist[i].addr, b->blocklist[i].nonce) ||
		    a->blocklist[i].expires != b->blocklist[i].expires)
			return false;
	for (int32_t i = 0; i < a->max_osd; i++) {
		const struct osdmap_osd *x = &a->osds[i], *y = &b->osds[i];
		if (x->exists != y->exists || x->up != y->up || x->weight != y->weight ||
		    x->up_from != y->up_from || x->down_at != y->down_at ||
		    memcmp(x->uuid, y->uuid, 16) ||
		    (addr_family(&x->addr) != 0 && !addr_equal(&x->addr, &y->addr)))
			return false;
	}
	for (size_t i = 0; i < a->npools; i++)
		if (memcmp(&a->pools[i], &b->pools[i], sizeof(a->pools[i])) != 0)
			return false;
	for (size_t i = 0; i < a->nupmaps; i++)
		if (pg_cmp(&a->upmaps[i].pg, &b->upmaps[i].pg) || a->upmaps[i].n != b->upmaps[i].n ||
		    memcmp(a->upmaps[i].pairs, b->upmaps[i].pairs,
			   a->upmaps[i].n * sizeof(a->upmaps[i].pairs[0])))
			return false;
	for (size_t i = 0; i < a->ntemps; i++)
		if (pg_cmp(&a->temps[i].pg, &b->temps[i].pg) || a->temps[i].n != b->temps[i].n ||
		    memcmp(a->temps[i].osds, b->temps[i].osds, a->temps[i].n * sizeof(int32_t)))
			return false;
	return crush_map_equal(a->crush, b->crush) != 0;
}
