/*
 * crush_int.h - private definitions shared by the crush/ sources.
 *
 * Nothing outside crush/ includes this file: other modules see only the
 * opaque struct crush_map through crush.h.
 */
#ifndef CRUSH_CRUSH_INT_H
#define CRUSH_CRUSH_INT_H

#include <stdint.h>

#include "crush.h"

struct crush_bucket {
	int32_t id;
	int32_t type;
	uint32_t alg;	  /* enum crush_bucket_alg */
	uint32_t hash;	  /* hash function id; only 0 exists */
	uint32_t weight;  /* sum of item_weights, 16.16 */
	uint32_t size;
	int32_t *items;
	uint32_t *item_weights;
	/* list buckets: sum_weights[i] = item_weights[0] + ... + item_weights[i] */
	uint64_t *sum_weights;
	char *name;
	/* Shadow (per-class) copies: the bucket they mirror and the class; both
	 * 0 / -1 for an ordinary bucket. */
	int32_t shadow_of;
	int32_t shadow_class;
};

struct crush_rule {
	uint32_t id;
	int32_t type;
	uint32_t min_size; /* informational, as in Ceph's text form */
	uint32_t max_size;
	char *name;
	uint32_t len;
	struct crush_rule_step steps[];
};

struct crush_name {
	int32_t id;
	char *name;
};

/* Per-bucket part of a weight set.  Either array may be absent. */
struct crush_choose_arg {
	uint32_t ids_size;	/* 0 or the bucket's size */
	int32_t *ids;		/* ids hashed in place of the real item ids */
	uint32_t positions;	/* number of weight vectors */
	uint32_t weight_size;	/* 0 or the bucket's size */
	uint32_t *weights;	/* positions * weight_size, row per position */
};

struct crush_choose_args {
	int64_t id;
	uint32_t nargs; /* covers bucket indexes 0 .. nargs-1 (id = -1 - index) */
	struct crush_choose_arg *args;
};

struct crush_class_id {
	int32_t orig;
	int32_t cls;
	int32_t shadow;
};

struct crush_map {
	struct crush_tunables tun;

	int32_t max_devices;
	char **device_names;	/* [max_devices], NULL = no such device */
	int32_t *device_class;	/* [max_devices], -1 = none */

	int32_t max_buckets;
	struct crush_bucket **buckets; /* [max_buckets], index = -1 - id */

	uint32_t max_rules;
	struct crush_rule **rules; /* [max_rules], index = rule id */

	uint32_t ntypes;
	struct crush_name *types;
	uint32_t nclasses;
	struct crush_name *classes;

	uint32_t nchoose_args;
	struct crush_choose_args *choose_args;

	/* Ids of the per-class shadow buckets, kept so they survive a rebuild
	 * (the text form's `id -5 class ssd` lines). */
	uint32_t nclass_ids;
	struct crush_class_id *class_ids;
};

static inline struct crush_bucket *crush__bucket(const struct crush_map *map, int32_t id)
{
	if (id >= 0 || id == INT32_MIN)
		return NULL;
	int32_t idx = -1 - id;
	if (idx >= map->max_buckets)
		return NULL;
	return map->buckets[idx];
}

static inline int crush__device_ok(const struct crush_map *map, int32_t id)
{
	return id >= 0 && id < map->max_devices && map->device_names[id] != NULL;
}

/* Hashes (crush_hash.c).  Fixed forever: changing them moves every PG. */
uint32_t crush__hash2(uint32_t a, uint32_t b);
uint32_t crush__hash3(uint32_t a, uint32_t b, uint32_t c);

/* -log2(u / 2^32) in 32.32 fixed point for a 32-bit uniform u (crush_ln.c). */
uint64_t crush__neglog2(uint32_t u);
/* The table behind crush__neglog2, exposed for the derivation test. */
extern const uint32_t crush__log2_table[256];

/* Internal helpers (crush_map.c). */
struct crush_bucket *crush__bucket_new(int32_t id, int32_t type, uint32_t alg, uint32_t size);
void crush__bucket_free(struct crush_bucket *b);
int crush__bucket_finish(struct crush_bucket *b); /* sums and list tables */
int crush__grow_devices(struct crush_map *map, int32_t max);
int crush__grow_buckets(struct crush_map *map, int32_t max);
int crush__grow_rules(struct crush_map *map, uint32_t max);
char *crush__strdup(const char *s);
int crush__name_valid(const char *s);
void crush__choose_args_free(struct crush_choose_args *ca);
int crush__fmt_err(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Rebuild every per-class shadow tree; keeps existing shadow ids. */
int crush__rebuild_shadows(struct crush_map *map);
/* Renumber device classes in name order (text compiler). */
int crush__canonical_classes(struct crush_map *map);
/* Recompute bucket weights bottom-up from device weights. */
int crush__reweight_all(struct crush_map *map);

#endif /* CRUSH_CRUSH_INT_H */
