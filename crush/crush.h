/*
 * crush.h - the CRUSH map data model: devices, typed buckets, rules,
 * tunables, device classes and weight sets (choose_args).
 *
 * A struct crush_map is opaque.  It is built with crush_builder.h, read
 * from text with crush_text.h or from the binary form with crush_codec.h,
 * and queried here.  Placement itself is crush_mapper.h.
 *
 * Threading: a map is not internally locked.  Any number of threads may
 * read (and map with) one map at once as long as nobody modifies it; the
 * project treats a published map as immutable (STYLE §6) and builds the
 * next epoch as a new object (crush_map_clone()).
 *
 * Weights are unsigned 16.16 fixed point (0x10000 is 1.0).  Device ids are
 * >= 0, bucket ids are < 0.  Every function that can fail returns 0 or a
 * negative errno.
 */
#ifndef CRUSH_CRUSH_H
#define CRUSH_CRUSH_H

#include <stddef.h>
#include <stdint.h>

/* A hole in an indep (erasure) result: the position could not be filled. */
#define CRUSH_ITEM_NONE 0x7fffffff
/* Internal marker for a position not yet decided; never returned. */
#define CRUSH_ITEM_UNDEF 0x7ffffffe

/* 1.0 in 16.16 fixed point; the "in" value of a device reweight. */
#define CRUSH_WEIGHT_ONE 0x10000u

/* Limits that keep every table small and every decoder bounded. */
#define CRUSH_MAX_DEVICES (1 << 20)
#define CRUSH_MAX_BUCKETS (1 << 20)
#define CRUSH_MAX_RULES 4096
#define CRUSH_MAX_RULE_STEPS 64
#define CRUSH_MAX_TYPES 256
#define CRUSH_MAX_CLASSES 256
#define CRUSH_MAX_NAME 256
#define CRUSH_MAX_BUCKET_SIZE 65536
#define CRUSH_MAX_DEPTH 64
#define CRUSH_MAX_POSITIONS 32

/* Bucket algorithms; the numbers are those of the text format's `alg`
 * names and of the `allowed_bucket_algs` bit mask (bit n = algorithm n). */
enum crush_bucket_alg {
	CRUSH_BUCKET_UNIFORM = 1,
	CRUSH_BUCKET_LIST = 2,
	CRUSH_BUCKET_STRAW2 = 5,
};

/* Rule step operations.  arg1/arg2 meaning is listed per op. */
enum crush_rule_op {
	CRUSH_RULE_NOOP = 0,
	CRUSH_RULE_TAKE = 1,		  /* arg1 = item id (bucket or device) */
	CRUSH_RULE_CHOOSE_FIRSTN = 2,	  /* arg1 = N, arg2 = type */
	CRUSH_RULE_CHOOSE_INDEP = 3,	  /* arg1 = N, arg2 = type */
	CRUSH_RULE_EMIT = 4,
	CRUSH_RULE_CHOOSELEAF_FIRSTN = 6, /* arg1 = N, arg2 = type */
	CRUSH_RULE_CHOOSELEAF_INDEP = 7,  /* arg1 = N, arg2 = type */
	CRUSH_RULE_SET_CHOOSE_TRIES = 8,  /* arg1 = tries */
	CRUSH_RULE_SET_CHOOSELEAF_TRIES = 9,
	CRUSH_RULE_SET_CHOOSE_LOCAL_TRIES = 10,
	CRUSH_RULE_SET_CHOOSE_LOCAL_FALLBACK_TRIES = 11,
	CRUSH_RULE_SET_CHOOSELEAF_VARY_R = 12,
	CRUSH_RULE_SET_CHOOSELEAF_STABLE = 13,
};

/* One rule step; a small value type so callers can build rules. */
struct crush_rule_step {
	uint32_t op; /* enum crush_rule_op */
	int32_t arg1;
	int32_t arg2;
};

enum crush_rule_type {
	CRUSH_RULE_TYPE_REPLICATED = 1,
	CRUSH_RULE_TYPE_ERASURE = 3,
};

/*
 * Tunables: knobs of the mapping algorithm.  Changing any of them changes
 * placements, which is why they live in the map.  crush_tunables_optimal()
 * is the default of a new map.
 */
struct crush_tunables {
	uint32_t choose_local_tries;	      /* retries inside the same bucket on collision */
	uint32_t choose_local_fallback_tries; /* then exhaustive permutation retries */
	uint32_t choose_total_tries;	      /* total descents per replica */
	uint32_t chooseleaf_descend_once;     /* leaf recursion tries once, outer loop retries */
	uint32_t chooseleaf_vary_r;	      /* leaf recursion r depends on outer r */
	uint32_t chooseleaf_stable;	      /* leaf recursion r ignores position */
	uint32_t straw_calc_version;	      /* kept for text compatibility (straw v1 only) */
	uint32_t allowed_bucket_algs;	      /* bit mask of enum crush_bucket_alg */
};

/* The modern profile: 0, 0, 50, 1, 1, 1, 1, uniform|list|straw|straw2. */
void crush_tunables_optimal(struct crush_tunables *out_t);
/* The pre-firefly profile (2, 5, 19, 0, 0, 0, 0): kept for testing. */
void crush_tunables_legacy(struct crush_tunables *out_t);

struct crush_map;
struct crush_choose_args;

/* Allocate an empty map with optimal tunables and no types.  NULL on OOM. */
struct crush_map *crush_map_create(void);
/* Free a map and everything it owns; NULL is fine. */
void crush_map_destroy(struct crush_map *map);
/* Deep copy; NULL on OOM. */
struct crush_map *crush_map_clone(const struct crush_map *map);

/* Structural equality of two maps (same devices, buckets, rules, names,
 * classes, tunables and choose_args); used by round-trip tests. */
int crush_map_equal(const struct crush_map *a, const struct crush_map *b);

/*
 * Check every internal reference (items exist, no cycles, rules take
 * existing items, types exist, weights sum) and rebuild derived data.
 * Returns 0, or -EINVAL with a description in errbuf (may be NULL).
 */
int crush_map_validate(const struct crush_map *map, char *errbuf, size_t errlen);

/* --- queries --------------------------------------------------------- */

void crush_map_get_tunables(const struct crush_map *map, struct crush_tunables *out_t);
/* One more than the highest device id (the size a reweight vector needs). */
int32_t crush_map_max_devices(const struct crush_map *map);
/* Number of bucket slots: bucket ids run from -1 down to -max_buckets. */
int32_t crush_map_max_buckets(const struct crush_map *map);
int crush_map_bucket_exists(const struct crush_map *map, int32_t id);
int crush_map_device_exists(const struct crush_map *map, int32_t id);
/* Item names ("osd.3", "host1") and lookups; NULL / -ENOENT if unknown. */
const char *crush_map_item_name(const struct crush_map *map, int32_t id);
int crush_map_item_by_name(const struct crush_map *map, const char *name, int32_t *out_id);
const char *crush_map_type_name(const struct crush_map *map, int32_t type);
int crush_map_type_by_name(const struct crush_map *map, const char *name, int32_t *out_type);
const char *crush_map_class_name(const struct crush_map *map, int32_t cls);
int crush_map_class_by_name(const struct crush_map *map, const char *name, int32_t *out_cls);
/* Class of a device, or -ENOENT if it has none. */
int crush_map_device_class(const struct crush_map *map, int32_t dev, int32_t *out_cls);
/* Bucket attributes; -ENOENT for a missing bucket. */
int crush_map_bucket_info(const struct crush_map *map, int32_t id, int32_t *out_type,
			  uint32_t *out_alg, uint32_t *out_weight, uint32_t *out_size);
/* The n-th item of a bucket and its weight. */
int crush_map_bucket_item(const struct crush_map *map, int32_t id, uint32_t n,
			  int32_t *out_item, uint32_t *out_weight);
/* The parent bucket an item is linked under (the first, if several); -ENOENT for a root. */
int crush_map_item_parent(const struct crush_map *map, int32_t item, int32_t *out_parent);
/* Whether the bucket is a per-class shadow copy ("host1~ssd"). */
int crush_map_bucket_is_shadow(const struct crush_map *map, int32_t id);
/* The crush weight of a device: its weight in its (first) parent bucket. */
int crush_map_device_weight(const struct crush_map *map, int32_t dev, uint32_t *out_weight);

/* Rules are addressed by id (the `id` line in the text form). */
int crush_map_rule_exists(const struct crush_map *map, uint32_t rule);
uint32_t crush_map_max_rules(const struct crush_map *map);
const char *crush_map_rule_name(const struct crush_map *map, uint32_t rule);
int crush_map_rule_by_name(const struct crush_map *map, const char *name, uint32_t *out_rule);
int crush_map_rule_type(const struct crush_map *map, uint32_t rule, int32_t *out_type);

/* The weight set with this id, or NULL.  Valid until the map is modified. */
const struct crush_choose_args *crush_map_choose_args(const struct crush_map *map, int64_t id);

#endif /* CRUSH_CRUSH_H */
