/*
 * crush_test_util.h - helpers shared by the CRUSH unit tests.
 */
#ifndef CRUSH_TEST_UTIL_H
#define CRUSH_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "crush.h"

/*
 * A root "default" over `racks` racks of `hosts` hosts of `osds` devices.
 * Device weights are 1.0, or with `mixed` cycle through 1, 2, 4, 8, 3, 6.
 * Rule 0 is replicated over hosts, rule 1 erasure (indep) over hosts.
 * Types: osd 0, host 1, rack 3, root 11.
 */
struct crush_map *tu_make_map(int racks, int hosts, int osds, int mixed);
/* Host (bucket id) holding device d. */
int32_t tu_host_of(const struct crush_map *map, int32_t d);
/* Read a whole file from the test data directory; NUL-terminated. */
char *tu_read_data(const char *name, size_t *out_len);
/* All-in reweight vector of the map's size (free() it). */
uint32_t *tu_weights(const struct crush_map *map);
/* Map x through rule; asserts success, returns the result count. */
int tu_map(const struct crush_map *map, uint32_t rule, uint32_t x, int32_t *out, int n,
	   const uint32_t *w, const void *choose_args);

#endif
