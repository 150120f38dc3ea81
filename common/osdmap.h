/*
 * osdmap.h - the cluster map (OSDMap): OSDs, pools, the CRUSH map and
 * placement exceptions, one immutable object per epoch.
 *
 * Monitors build each new epoch by applying an incremental
 * (struct osdmap_inc) to the previous map; OSDs and clients receive the
 * incrementals (or a full map) and apply them the same way, so everyone
 * holding epoch E holds the same map.  A published map is never modified:
 * osdmap_apply() returns a new object.
 *
 * Placement (DESIGN.md §2):
 *   object -> PG:   ps = osdmap_hash_name(key), seed = stable_mod(ps, pg_num)
 *   PG -> OSDs:     x = osdmap_hash_pg(pool, stable_mod(seed, pgp_num));
 *                   raw = CRUSH(rule, x, size, in-weights)
 *                   -> pg_upmap_items -> drop down OSDs = up set
 *                   -> pg_temp override = acting set; primary = first.
 *
 * Encodings are Cairn's own: a magic, a version, a compat version, the
 * payload length and a trailing crc32c; decoders check every length
 * against what is left and refuse newer compat versions.
 *
 * Thread safety: a map may be read from any number of threads at once.
 */
#ifndef CAIRN_OSDMAP_H
#define CAIRN_OSDMAP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"

struct crush_map;

#define OSDMAP_MAX_OSD 65536
#define OSDMAP_MAX_POOLS 4096
#define OSDMAP_MAX_PG_NUM 65536
#define OSDMAP_MAX_SIZE 16 /* replicas or EC chunks */
#define OSDMAP_POOL_NAME_MAX 127
#define OSDMAP_NONE 0x7fffffff /* a hole in an erasure-coded set (as CRUSH's NONE) */

/* Cluster flags, as Ceph names them (`osd set noout`). */
enum {
	OSDMAP_FLAG_PAUSERD = 1u << 0,
	OSDMAP_FLAG_PAUSEWR = 1u << 1,
	OSDMAP_FLAG_NOUP = 1u << 2,
	OSDMAP_FLAG_NODOWN = 1u << 3,
	OSDMAP_FLAG_NOOUT = 1u << 4,
	OSDMAP_FLAG_NOIN = 1u << 5,
	OSDMAP_FLAG_NOBACKFILL = 1u << 6,
	OSDMAP_FLAG_NORECOVER = 1u << 7,
	OSDMAP_FLAG_NOSCRUB = 1u << 8,
	OSDMAP_FLAG_NODEEP_SCRUB = 1u << 9,
	OSDMAP_FLAG_FULL = 1u << 10,
};
/* "noout" -> flag bit, or 0 if unknown. */
uint32_t osdmap_flag_parse(const char *name);
/* Comma-separated names of @flags into @out. */
int osdmap_flags_format(uint32_t flags, struct buf *out);

enum osdmap_pool_type {
	OSDMAP_POOL_REPLICATED = 1,
	OSDMAP_POOL_ERASURE = 3,
};

/* A placement group: (pool, seed), printed "1.2a". */
struct osdmap_pg {
	int64_t pool;
	uint32_t seed;
};
/* "1.2a" into @buf; returns the length or -ERANGE. */
int osdmap_pg_format(const struct osdmap_pg *pg, char *buf, size_t size);
/* Parse "1.2a".  0 or -EINVAL. */
int osdmap_pg_parse(const char *s, struct osdmap_pg *out);

struct osdmap_osd {
	bool exists;
	bool up;
	uint32_t weight; /* in-weight, 16.16: 0 = out, 0x10000 = in */
	struct net_addr addr;
	uint32_t up_from;  /* epoch it last came up */
	uint32_t down_at;  /* epoch it last went down */
	uint8_t uuid[16];
};

/* Room for a pool's applications and their metadata, in poolapp.h's text form. */
#define OSDMAP_POOL_APPS_MAX 1024

struct osdmap_pool {
	int64_t id;
	char name[OSDMAP_POOL_NAME_MAX + 1];
	uint8_t type; /* enum osdmap_pool_type */
	uint32_t size;
	uint32_t min_size;
	uint32_t pg_num;
	uint32_t pgp_num;
	uint32_t crush_rule;
	uint64_t quota_max_bytes;   /* 0: none */
	uint64_t quota_max_objects; /* 0: none */
	char apps[OSDMAP_POOL_APPS_MAX]; /* applications + metadata (common/poolapp.h) */
	uint32_t last_change;	    /* epoch of the last change */
};

/*
 * The blocklist (Ceph's `osd blocklist`): client instances fenced from
 * the OSDs until a wall-clock time.  An entry names a client as Ceph
 * prints an entity address, "IP:PORT/NONCE":
 *   - NONCE is the client instance: librados' global id (what
 *     rados_getaddrs prints and every op carries); 0 = every client of IP;
 *   - IP is the address the OSD sees the client connect from; the
 *     unspecified address (0.0.0.0 or ::) = any IP.  Cairn clients never
 *     know their own IP (rados_getaddrs prints 0.0.0.0), so "0.0.0.0:0/N"
 *     fences instance N wherever it connects from;
 *   - PORT is kept (it is part of the entry's identity, as in Ceph) but
 *     does not take part in matching: a client connects from a different
 *     ephemeral port to every OSD.
 * Ops from a matching client are refused with -OSDMAP_EBLOCKLISTED.
 */
#define OSDMAP_EBLOCKLISTED ESHUTDOWN /* Ceph's EBLOCKLISTED: 108 on Linux */
#define OSDMAP_MAX_BLOCKLIST 65536
/* Longest formatted entry address: "[" IPv6 "]:65535/" + 20 digits. */
#define OSDMAP_BLOCKLIST_ADDR_STRLEN (NET_ADDR_STRLEN + 24)

struct osdmap_blocklist_entry {
	struct net_addr addr; /* IP and port only (other sockaddr fields zero) */
	uint64_t nonce;	      /* the client instance; 0 = every client of the IP */
	uint64_t expires;     /* wall-clock ns since the Unix epoch */
};

/*
 * Parse a client address as Ceph prints one: "IP:PORT/NONCE", where the
 * port and the nonce may be left out (0), an optional "v1:", "v2:" or
 * "any:" type prefix, IPv6 in brackets ("[::1]:0/7"), and a bracketed
 * address vector ("[v2:1.2.3.4:0/7,v1:1.2.3.4:0/7]", whose first address
 * counts).  The nonce is decimal, up to 2^64-1.  Fills @out_addr
 * (normalised: family, IP and port only) and @out_nonce.  0 or -EINVAL.
 */
int osdmap_blocklist_addr_parse(const char *s, struct net_addr *out_addr, uint64_t *out_nonce);
/*
 * Ceph's legacy print of an entry address: "1.2.3.4:0/7", "[::1]:0/7".
 * Returns the length or -ERANGE.
 */
int osdmap_blocklist_addr_format(const struct net_addr *addr, uint64_t nonce, char *buf,
				 size_t size);

/* One balancer exception: in this PG, put @to where CRUSH said @from. */
struct osdmap_upmap_pair {
	int32_t from;
	int32_t to;
};

struct osdmap;

/* ---- building and reading ------------------------------------------------ */

/*
 * A new epoch-0 map (no OSDs, no pools) owning @crush (may be NULL: an
 * empty CRUSH map is created).  NULL on allocation failure (then @crush
 * is still the caller's).
 */
struct osdmap *osdmap_create(const uint8_t fsid[16], struct crush_map *crush);
void osdmap_destroy(struct osdmap *m);
/* Deep copy; NULL on OOM. */
struct osdmap *osdmap_clone(const struct osdmap *m);

uint32_t osdmap_epoch(const struct osdmap *m);
void osdmap_fsid(const struct osdmap *m, uint8_t out[16]);
uint64_t osdmap_created(const struct osdmap *m);  /* ns since the epoch */
uint64_t osdmap_modified(const struct osdmap *m); /* ns since the epoch */
uint32_t osdmap_flags(const struct osdmap *m);
void osdmap_ratios(const struct osdmap *m, float *out_full, float *out_backfillfull,
		   float *out_nearfull);
/* One more than the highest OSD id that may exist. */
int32_t osdmap_max_osd(const struct osdmap *m);
/* The OSD's state, or NULL if @id is outside 0..max_osd-1. */
const struct osdmap_osd *osdmap_osd(const struct osdmap *m, int32_t id);
bool osdmap_is_up(const struct osdmap *m, int32_t id);
bool osdmap_is_in(const struct osdmap *m, int32_t id);
/* The CRUSH map; borrowed, valid as long as @m. */
const struct crush_map *osdmap_crush(const struct osdmap *m);

size_t osdmap_pool_count(const struct osdmap *m);
/* Pools in id order: index 0..count-1. */
const struct osdmap_pool *osdmap_pool_at(const struct osdmap *m, size_t i);
const struct osdmap_pool *osdmap_pool(const struct osdmap *m, int64_t id);
const struct osdmap_pool *osdmap_pool_by_name(const struct osdmap *m, const char *name);
/* The highest pool id ever used (ids are never reused). */
int64_t osdmap_pool_max(const struct osdmap *m);

/* The upmap exceptions and pg_temp of a PG (*out_n = 0 if none); borrowed. */
const struct osdmap_upmap_pair *osdmap_pg_upmap_items(const struct osdmap *m,
						      const struct osdmap_pg *pg, size_t *out_n);
const int32_t *osdmap_pg_temp(const struct osdmap *m, const struct osdmap_pg *pg,
			      size_t *out_n);

/* Iterate every PG that has upmap exceptions / a pg_temp, in PG order. */
size_t osdmap_upmap_count(const struct osdmap *m);
const struct osdmap_upmap_pair *osdmap_upmap_at(const struct osdmap *m, size_t i,
						struct osdmap_pg *out_pg, size_t *out_n);
size_t osdmap_pg_temp_count(const struct osdmap *m);
const int32_t *osdmap_pg_temp_at(const struct osdmap *m, size_t i, struct osdmap_pg *out_pg,
				 size_t *out_n);

/* Blocklist entries in (IP, port, nonce) order: index 0..count-1 (borrowed). */
size_t osdmap_blocklist_count(const struct osdmap *m);
const struct osdmap_blocklist_entry *osdmap_blocklist_at(const struct osdmap *m, size_t i);
/* The entry for exactly (@addr's IP and port, @nonce), or NULL (borrowed). */
const struct osdmap_blocklist_entry *osdmap_blocklist_find(const struct osdmap *m,
							   const struct net_addr *addr,
							   uint64_t nonce);
/*
 * Is the client instance @client_nonce, connected from @peer, fenced at
 * @now_ns (wall clock)?  An entry matches when it has not expired
 * (@now_ns < expires), its nonce is @client_nonce or 0, and its IP is
 * @peer's or unspecified.  Ports are not compared (see above).
 */
bool osdmap_is_blocklisted(const struct osdmap *m, const struct net_addr *peer,
			   uint64_t client_nonce, uint64_t now_ns);

/* ---- placement ------------------------------------------------------------ */

/* The fixed 32-bit hash of object names.  Never changes: placements depend on it. */
uint32_t osdmap_hash_name(const char *s, size_t len);
/* Ceph's stable mod: x mod b that only splits buckets as b grows. */
uint32_t osdmap_stable_mod(uint32_t x, uint32_t b, uint32_t bmask);
/* The CRUSH input of a PG placement seed in a pool. */
uint32_t osdmap_hash_pg(int64_t pool, uint32_t pps);
/* Smallest 2^k - 1 >= n - 1 (the mask stable_mod wants for n buckets). */
uint32_t osdmap_pg_mask(uint32_t n);

/*
 * The PG of an object: the locator key (when non-empty) or the name is
 * hashed, prefixed by the namespace and a 0x1f byte when the namespace is
 * non-empty.  -ENOENT if the pool does not exist.
 */
int osdmap_object_to_pg(const struct osdmap *m, int64_t pool, const char *nspace,
			const char *name, const char *locator, struct osdmap_pg *out);
/* The placement hash of an object (the step before the PG).  0 or -ENOMEM. */
int osdmap_object_hash(const char *nspace, const char *name, const char *locator,
		       uint32_t *out_hash);
/* The PG of placement hash @hash in @pool.  0 or -ENOENT (no pool). */
int osdmap_hash_to_pg(const struct osdmap *m, int64_t pool, uint32_t hash, struct osdmap_pg *out);

struct osdmap_placement {
	int32_t up[OSDMAP_MAX_SIZE];
	int32_t acting[OSDMAP_MAX_SIZE];
	uint32_t up_n;
	uint32_t acting_n;
	int32_t up_primary;	/* -1 if none */
	int32_t acting_primary; /* -1 if none */
};

/*
 * Compute the up and acting sets of @pg.  Replicated pools get packed
 * sets; erasure pools keep positions, with OSDMAP_NONE holes.
 * 0, -ENOENT (no pool / bad seed), -EINVAL (rule missing), -ENOMEM.
 */
int osdmap_pg_to_osds(const struct osdmap *m, const struct osdmap_pg *pg,
		      struct osdmap_placement *out);

/* ---- incrementals --------------------------------------------------------- */

/* What one epoch changes.  Built by monitors; fields are plain arrays. */
struct osdmap_inc_osd_up {
	int32_t osd;
	struct net_addr addr;
};
struct osdmap_inc_weight {
	int32_t osd;
	uint32_t weight;
};
struct osdmap_inc_uuid {
	int32_t osd;
	uint8_t uuid[16];
};
struct osdmap_inc_upmap {
	struct osdmap_pg pg;
	size_t n; /* 0 removes the PG's exceptions */
	struct osdmap_upmap_pair pairs[OSDMAP_MAX_SIZE];
};
struct osdmap_inc_pg_temp {
	struct osdmap_pg pg;
	size_t n; /* 0 removes the override */
	int32_t osds[OSDMAP_MAX_SIZE];
};

struct osdmap_inc {
	uint8_t fsid[16];
	uint32_t epoch; /* the epoch this produces: previous + 1 */
	uint64_t modified;
	bool has_flags;
	uint32_t new_flags;
	int32_t new_max_osd; /* -1: unchanged */
	/* A whole new CRUSH map, encoded with crush_encode (NULL: unchanged). */
	uint8_t *crush;
	size_t crush_len;
	bool has_ratios;
	float full_ratio, backfillfull_ratio, nearfull_ratio;
	int64_t new_pool_max; /* -1: unchanged */

	struct osdmap_pool *new_pools; /* added or replaced whole */
	size_t n_new_pools;
	int64_t *old_pools; /* removed */
	size_t n_old_pools;
	int32_t *new_exists; /* osd ids created (exists, down, out) */
	size_t n_new_exists;
	int32_t *removed_osds; /* osd ids destroyed */
	size_t n_removed_osds;
	struct osdmap_inc_osd_up *new_up; /* marked up with this address */
	size_t n_new_up;
	int32_t *new_down; /* marked down */
	size_t n_new_down;
	struct osdmap_inc_weight *new_weight; /* in-weight changes (0 = out) */
	size_t n_new_weight;
	struct osdmap_inc_uuid *new_uuid;
	size_t n_new_uuid;
	struct osdmap_inc_upmap *new_upmap;
	size_t n_new_upmap;
	struct osdmap_inc_pg_temp *new_pg_temp;
	size_t n_new_pg_temp;
	/* Blocklist entries added or given a new expiry; removals (expires unused). */
	struct osdmap_blocklist_entry *new_blocklist;
	size_t n_new_blocklist;
	struct osdmap_blocklist_entry *old_blocklist;
	size_t n_old_blocklist;
};

/* An empty incremental producing @epoch.  Free with osdmap_inc_fini. */
void osdmap_inc_init(struct osdmap_inc *inc, const uint8_t fsid[16], uint32_t epoch);
void osdmap_inc_fini(struct osdmap_inc *inc);
/* Append helpers: 0 or -ENOMEM.  Pools and CRUSH are copied. */
int osdmap_inc_add_pool(struct osdmap_inc *inc, const struct osdmap_pool *p);
int osdmap_inc_remove_pool(struct osdmap_inc *inc, int64_t id);
int osdmap_inc_create_osd(struct osdmap_inc *inc, int32_t osd);
int osdmap_inc_remove_osd(struct osdmap_inc *inc, int32_t osd);
int osdmap_inc_mark_up(struct osdmap_inc *inc, int32_t osd, const struct net_addr *addr);
int osdmap_inc_mark_down(struct osdmap_inc *inc, int32_t osd);
int osdmap_inc_set_weight(struct osdmap_inc *inc, int32_t osd, uint32_t weight);
int osdmap_inc_set_uuid(struct osdmap_inc *inc, int32_t osd, const uint8_t uuid[16]);
int osdmap_inc_set_crush(struct osdmap_inc *inc, const struct crush_map *crush);
int osdmap_inc_set_upmap(struct osdmap_inc *inc, const struct osdmap_pg *pg,
			 const struct osdmap_upmap_pair *pairs, size_t n);
int osdmap_inc_set_pg_temp(struct osdmap_inc *inc, const struct osdmap_pg *pg,
			   const int32_t *osds, size_t n);
/*
 * Blocklist (@addr's IP and port, @nonce) until @expires (wall-clock ns),
 * replacing a pending addition of the same entry and cancelling a pending
 * removal of it.  0, -EINVAL (@addr is neither IPv4 nor IPv6), -ENOMEM.
 */
int osdmap_inc_blocklist_add(struct osdmap_inc *inc, const struct net_addr *addr, uint64_t nonce,
			     uint64_t expires);
/*
 * Remove the entry (@addr's IP and port, @nonce): cancels a pending
 * addition of it and removes it from the map if it is there (removing an
 * absent entry changes nothing).  0, -EINVAL, -ENOMEM.
 */
int osdmap_inc_blocklist_rm(struct osdmap_inc *inc, const struct net_addr *addr, uint64_t nonce);

/*
 * Apply @inc to @m, giving the next epoch as a new map.  -EINVAL (with
 * @err) when the incremental does not fit: wrong fsid, epoch not m+1,
 * bad OSD ids or pools, an undecodable CRUSH map, a blocklist entry that
 * is not an IP address.  Blocklist removals apply before additions.
 * -ENOMEM; -ENOSPC past OSDMAP_MAX_BLOCKLIST entries.
 */
int osdmap_apply(const struct osdmap *m, const struct osdmap_inc *inc, struct osdmap **out,
		 char *err, size_t errlen);

/* ---- encodings ------------------------------------------------------------ */

/*
 * Both encodings grow only by appending: a decoder reads the fields it
 * knows and ignores what follows, and treats a field missing at the end as
 * empty.  Version 2 appended the blocklist (maps and incrementals written
 * by version 1 decode with none).
 */

int osdmap_encode(const struct osdmap *m, struct buf *out);
int osdmap_decode(const uint8_t *data, size_t len, struct osdmap **out, char *err,
		  size_t errlen);
int osdmap_inc_encode(const struct osdmap_inc *inc, struct buf *out);
/* Fills @out (initialised by this call); free with osdmap_inc_fini. */
int osdmap_inc_decode(const uint8_t *data, size_t len, struct osdmap_inc *out, char *err,
		      size_t errlen);

/* Structural equality, for tests and cross-checks. */
bool osdmap_equal(const struct osdmap *a, const struct osdmap *b);

#endif
