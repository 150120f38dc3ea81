/*
 * crush_mapper.h - compute placements: x -> ordered list of devices.
 *
 * crush_do_rule() is the hot path of every client and OSD.  It allocates
 * nothing and keeps no state between calls: the caller passes a scratch
 * area of crush_work_size() bytes, so any number of threads may map with
 * one (unmodified) map at once, each with its own scratch area.
 *
 * The result depends only on (map, rule, x, weights, choose_args) and is
 * bit-identical on every machine: the mapper uses integer arithmetic only.
 */
#ifndef CRUSH_CRUSH_MAPPER_H
#define CRUSH_CRUSH_MAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "crush.h"

/* Bytes of scratch space crush_do_rule() needs for results of up to
 * result_max entries.  Aligned for int32_t access by any malloc(). */
size_t crush_work_size(const struct crush_map *map, int result_max);

/*
 * Map input x through rule `rule`.
 *
 * result/result_max: where the chosen item ids go (out).  For firstn steps
 *   the list is packed; for indep steps each position is stable and an
 *   unfillable one holds CRUSH_ITEM_NONE.
 * weights/weight_max: the per-device reweight vector (16.16, 0 = out,
 *   0x10000 = fully in; a device id >= weight_max counts as out).  Borrowed.
 * choose_args: a weight set from crush_map_choose_args(), or NULL.
 * work: crush_work_size(map, result_max) bytes of scratch (borrowed).
 *
 * Returns the number of entries written (>= 0), -ENOENT if the rule does
 * not exist, -EINVAL if result_max < 1 or a pointer is missing.
 * Never allocates; thread-safe for concurrent readers of one map.
 */
int crush_do_rule(const struct crush_map *map, uint32_t rule, uint32_t x, int32_t *result,
		  int result_max, const uint32_t *weights, int weight_max,
		  const struct crush_choose_args *choose_args, void *work);

#endif /* CRUSH_CRUSH_MAPPER_H */
