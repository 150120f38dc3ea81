/*
 * crush_test_util.c - helpers shared by the CRUSH unit tests.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "crush_builder.h"
#include "crush_mapper.h"
#include "crush_test_util.h"

struct crush_map *tu_make_map(int racks, int hosts, int osds, int mixed)
{
	static const uint32_t w[] = { 1, 2, 4, 8, 3, 6 };
	struct crush_map *map = crush_map_create();
	int32_t root, rack, host, dev = 0;
	ck_assert_ptr_nonnull(map);
	ck_assert_int_eq(crush_add_type(map, 0, "osd"), 0);
	ck_assert_int_eq(crush_add_type(map, 1, "host"), 0);
	ck_assert_int_eq(crush_add_type(map, 3, "rack"), 0);
	ck_assert_int_eq(crush_add_type(map, 11, "root"), 0);
	ck_assert_int_eq(crush_add_bucket(map, 0, "default", 11, CRUSH_BUCKET_STRAW2, &root), 0);
	for (int r = 0; r < racks; r++) {
		char name[64];
		snprintf(name, sizeof(name), "rack%d", r);
		ck_assert_int_eq(crush_add_bucket(map, 0, name, 3, CRUSH_BUCKET_STRAW2, &rack), 0);
		ck_assert_int_eq(crush_link(map, root, rack, 0), 0);
		for (int h = 0; h < hosts; h++) {
			snprintf(name, sizeof(name), "host%d-%d", r, h);
			ck_assert_int_eq(
				crush_add_bucket(map, 0, name, 1, CRUSH_BUCKET_STRAW2, &host), 0);
			for (int o = 0; o < osds; o++, dev++) {
				snprintf(name, sizeof(name), "osd.%d", dev);
				ck_assert_int_eq(crush_add_device(map, dev, name, NULL), 0);
				uint32_t wt = mixed ? w[(o + h + 2 * r) % 6] : 1;
				ck_assert_int_eq(crush_link(map, host, dev, wt << 16), 0);
			}
			ck_assert_int_eq(crush_link(map, rack, host, 0), 0);
		}
	}
	ck_assert_int_eq(crush_add_simple_rule(map, "replicated_rule", "default", "host", NULL,
					       CRUSH_RULE_TYPE_REPLICATED, NULL),
			 0);
	ck_assert_int_eq(crush_add_simple_rule(map, "ec_rule", "default", "host", NULL,
					       CRUSH_RULE_TYPE_ERASURE, NULL),
			 0);
	ck_assert_int_eq(crush_map_validate(map, NULL, 0), 0);
	return map;
}

/* Parent lookups scan every bucket; tests ask hundreds of thousands of
 * times, so remember the answers for the map last asked about. */
int32_t tu_host_of(const struct crush_map *map, int32_t d)
{
	static const struct crush_map *cached;
	static int32_t cache[4096];
	static int32_t ncache;
	if (cached != map || d >= ncache) {
		cached = map;
		ncache = crush_map_max_devices(map);
		ck_assert_int_le(ncache, 4096);
		for (int32_t i = 0; i < ncache; i++)
			if (crush_map_item_parent(map, i, &cache[i]))
				cache[i] = 0;
	}
	ck_assert(d >= 0 && d < ncache && cache[d] != 0);
	return cache[d];
}

char *tu_read_data(const char *name, size_t *out_len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", CRUSH_TEST_DATA, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (out_len)
		*out_len = (size_t)n;
	return buf;
}

uint32_t *tu_weights(const struct crush_map *map)
{
	int32_t n = crush_map_max_devices(map);
	uint32_t *w = malloc(((size_t)n + 1) * sizeof(*w));
	ck_assert_ptr_nonnull(w);
	for (int32_t i = 0; i < n; i++)
		w[i] = CRUSH_WEIGHT_ONE;
	return w;
}

int tu_map(const struct crush_map *map, uint32_t rule, uint32_t x, int32_t *out, int n,
	   const uint32_t *w, const void *choose_args)
{
	uint8_t work[3 * 64 * sizeof(int32_t)];
	ck_assert_uint_le(crush_work_size(map, n), sizeof(work));
	int r = crush_do_rule(map, rule, x, out, n, w, crush_map_max_devices(map), choose_args,
			      work);
	ck_assert_int_ge(r, 0);
	return r;
}
