/*
 * crush_builder.h - edit a CRUSH map: the operations behind `ceph osd crush
 * ...` commands, crushtool --build and the text compiler.
 *
 * Every function keeps the map consistent: bucket weights are the sums of
 * their items all the way up, per-class shadow trees are rebuilt, and a
 * failed call leaves the map as it was or, for -ENOMEM only, still valid.
 * Callers must hold the map exclusively (it must not be in use by
 * crush_do_rule() in another thread); the project edits a private copy
 * (crush_map_clone()) and publishes it as a new epoch.
 *
 * Errors: -EINVAL bad argument or name, -ENOENT missing item/type/rule,
 * -EEXIST id or name in use, -EBUSY still referenced, -ENOTEMPTY bucket
 * not empty, -ERANGE limits or weight overflow, -ELOOP a link would create
 * a cycle, -ENOMEM.
 */
#ifndef CRUSH_CRUSH_BUILDER_H
#define CRUSH_CRUSH_BUILDER_H

#include <stdint.h>

#include "crush.h"

/* Define hierarchy type `type` (0 is the device type, conventionally "osd"). */
int crush_add_type(struct crush_map *map, int32_t type, const char *name);
/* Find or create a device class; writes its id. */
int crush_add_class(struct crush_map *map, const char *name, int32_t *out_cls);
/* Create device `id` (unlinked) with an optional class (NULL = none). */
int crush_add_device(struct crush_map *map, int32_t id, const char *name, const char *cls);
/* Set or clear (cls NULL) the class of a device; shadow trees follow. */
int crush_set_device_class(struct crush_map *map, int32_t id, const char *cls);
/* Create an empty bucket.  id 0 picks the next free id.  alg is one of
 * enum crush_bucket_alg and must be allowed by the tunables. */
int crush_add_bucket(struct crush_map *map, int32_t id, const char *name, int32_t type,
		     uint32_t alg, int32_t *out_id);
/* Link item under parent.  For a device, weight is its crush weight (16.16);
 * for a bucket, its own weight is used and `weight` is ignored. */
int crush_link(struct crush_map *map, int32_t parent, int32_t item, uint32_t weight);
/* Unlink item from parent (the item itself stays in the map). */
int crush_unlink(struct crush_map *map, int32_t parent, int32_t item);
/* Unlink item from every parent and link it under new_parent. */
int crush_move(struct crush_map *map, int32_t item, int32_t new_parent);
/* Delete a device or an empty bucket, unlinking it everywhere.  -EBUSY if
 * a rule takes it; -ENOTEMPTY for a bucket with items. */
int crush_remove_item(struct crush_map *map, int32_t item);
/* Set the crush weight of a device in every bucket holding it. */
int crush_reweight_device(struct crush_map *map, int32_t dev, uint32_t weight);
/* Recompute every bucket weight from the device weights upward. */
int crush_reweight_all(struct crush_map *map);

/* Add a rule from raw steps.  id < 0 picks the lowest free id. */
int crush_add_rule(struct crush_map *map, int32_t id, const char *name, int32_t type,
		   const struct crush_rule_step *steps, uint32_t nsteps, uint32_t *out_id);
/*
 * The usual rules: take `root` (optionally restricted to device class
 * `cls`), then one item per failure domain `domain_type`.  Replicated rules
 * use chooseleaf firstn; erasure rules chooseleaf indep with generous tries.
 */
int crush_add_simple_rule(struct crush_map *map, const char *name, const char *root,
			  const char *domain_type, const char *cls, int32_t rule_type,
			  uint32_t *out_id);
int crush_remove_rule(struct crush_map *map, uint32_t id);

/* Replace the tunables (validated: choose_total_tries >= 1). */
int crush_set_tunables(struct crush_map *map, const struct crush_tunables *t);
/* "optimal" (also "default"), or "legacy". */
int crush_set_tunables_profile(struct crush_map *map, const char *profile);

/*
 * Weight sets.  crush_choose_args_set() gives bucket `bucket` in set `id`
 * `positions` weight vectors of the bucket's size (row-major, 16.16) and
 * optionally replacement hash ids (ids may be NULL; weights may be NULL
 * with positions 0).  The set is created if needed.  A later link/unlink
 * of that bucket drops its entry (the sizes would no longer match).
 */
int crush_choose_args_set(struct crush_map *map, int64_t id, int32_t bucket, uint32_t positions,
			  const uint32_t *weights, const int32_t *ids);
int crush_choose_args_remove(struct crush_map *map, int64_t id);

#endif /* CRUSH_CRUSH_BUILDER_H */
