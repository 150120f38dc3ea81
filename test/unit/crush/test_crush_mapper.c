/*
 * test_crush_mapper.c - placement: known answers, failure domains,
 * proportionality, reweights, movement bounds, indep stability, weight sets,
 * device classes and bucket algorithms.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crush_builder.h"
#include "crush_mapper.h"
#include "crush_test_util.h"

/* A flat root of n devices with the given weights (16.16), rule 0 =
 * choose firstn 0 type osd, rule 1 = choose indep 0 type osd. */
static struct crush_map *flat_map(int n, const uint32_t *w, uint32_t alg)
{
	struct crush_map *map = crush_map_create();
	int32_t root;
	ck_assert_int_eq(crush_add_type(map, 0, "osd"), 0);
	ck_assert_int_eq(crush_add_type(map, 11, "root"), 0);
	ck_assert_int_eq(crush_add_bucket(map, 0, "default", 11, alg, &root), 0);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "osd.%d", i);
		ck_assert_int_eq(crush_add_device(map, i, name, NULL), 0);
		ck_assert_int_eq(crush_link(map, root, i, w[i]), 0);
	}
	ck_assert_int_eq(crush_add_simple_rule(map, "r", "default", "osd", NULL,
					       CRUSH_RULE_TYPE_REPLICATED, NULL),
			 0);
	ck_assert_int_eq(crush_add_simple_rule(map, "e", "default", "osd", NULL,
					       CRUSH_RULE_TYPE_ERASURE, NULL),
			 0);
	return map;
}

START_TEST(test_known_answers)
{
	uint32_t w[1] = { CRUSH_WEIGHT_ONE };
	struct crush_map *map = flat_map(1, w, CRUSH_BUCKET_STRAW2);
	uint32_t *rw = tu_weights(map);
	int32_t out[4];
	/* one device: every x maps to it, and only once */
	for (uint32_t x = 0; x < 100; x++) {
		ck_assert_int_eq(tu_map(map, 0, x, out, 3, rw, NULL), 1);
		ck_assert_int_eq(out[0], 0);
		ck_assert_int_eq(tu_map(map, 1, x, out, 3, rw, NULL), 3);
		ck_assert_int_eq(out[0], 0);
		ck_assert_int_eq(out[1], CRUSH_ITEM_NONE);
		ck_assert_int_eq(out[2], CRUSH_ITEM_NONE);
	}
	/* out: nothing */
	rw[0] = 0;
	ck_assert_int_eq(tu_map(map, 0, 5, out, 3, rw, NULL), 0);
	/* errors */
	uint8_t work[256];
	ck_assert_int_eq(crush_do_rule(map, 9, 0, out, 3, rw, 1, NULL, work), -ENOENT);
	ck_assert_int_eq(crush_do_rule(map, 0, 0, out, 0, rw, 1, NULL, work), -EINVAL);
	ck_assert_int_eq(crush_do_rule(map, 0, 0, out, 3, rw, 1, NULL, NULL), -EINVAL);
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/* take of a device emits the device; N <= 0 means result_max + N */
START_TEST(test_take_device_and_relative_n)
{
	uint32_t w[6];
	for (int i = 0; i < 6; i++)
		w[i] = CRUSH_WEIGHT_ONE;
	struct crush_map *map = flat_map(6, w, CRUSH_BUCKET_STRAW2);
	struct crush_rule_step s1[] = { { CRUSH_RULE_TAKE, 4, 0 }, { CRUSH_RULE_EMIT, 0, 0 } };
	uint32_t id1, id2;
	ck_assert_int_eq(crush_add_rule(map, -1, "dev", CRUSH_RULE_TYPE_REPLICATED, s1, 2, &id1),
			 0);
	int32_t root;
	ck_assert_int_eq(crush_map_item_by_name(map, "default", &root), 0);
	struct crush_rule_step s2[] = { { CRUSH_RULE_TAKE, root, 0 },
					{ CRUSH_RULE_CHOOSE_FIRSTN, -1, 0 },
					{ CRUSH_RULE_EMIT, 0, 0 } };
	ck_assert_int_eq(crush_add_rule(map, -1, "minus1", CRUSH_RULE_TYPE_REPLICATED, s2, 3, &id2),
			 0);
	uint32_t *rw = tu_weights(map);
	int32_t out[8];
	ck_assert_int_eq(tu_map(map, id1, 1, out, 3, rw, NULL), 1);
	ck_assert_int_eq(out[0], 4);
	ck_assert_int_eq(tu_map(map, id2, 1, out, 4, rw, NULL), 3);
	ck_assert_int_eq(tu_map(map, 0, 1, out, 8, rw, NULL), 6);
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/* Each device's share of first choices equals its weight share. */
static void check_proportional(uint32_t alg)
{
	uint32_t w[5] = { 1 << 16, 2 << 16, 3 << 16, 4 << 16, 1 << 15 };
	double total = 1 + 2 + 3 + 4 + 0.5;
	if (alg == CRUSH_BUCKET_UNIFORM) {
		for (int i = 0; i < 5; i++)
			w[i] = 1 << 16;
		total = 5;
	}
	struct crush_map *map = flat_map(5, w, alg);
	uint32_t *rw = tu_weights(map);
	int cnt[5] = { 0 };
	int32_t out[3];
	enum { N = 200000 };
	for (uint32_t x = 0; x < N; x++) {
		ck_assert_int_eq(tu_map(map, 0, x, out, 1, rw, NULL), 1);
		cnt[out[0]]++;
	}
	for (int i = 0; i < 5; i++) {
		double expect = N * (w[i] / 65536.0) / total;
		ck_assert_msg(cnt[i] > expect * 0.97 && cnt[i] < expect * 1.03,
			      "alg %u dev %d: %d vs %f", alg, i, cnt[i], expect);
	}
	/* three distinct devices per x */
	for (uint32_t x = 0; x < 20000; x++) {
		ck_assert_int_eq(tu_map(map, 0, x, out, 3, rw, NULL), 3);
		ck_assert(out[0] != out[1] && out[0] != out[2] && out[1] != out[2]);
	}
	free(rw);
	crush_map_destroy(map);
}

START_TEST(test_straw2_proportional)
{
	check_proportional(CRUSH_BUCKET_STRAW2);
}
END_TEST

START_TEST(test_list_proportional)
{
	check_proportional(CRUSH_BUCKET_LIST);
}
END_TEST

START_TEST(test_uniform_proportional)
{
	check_proportional(CRUSH_BUCKET_UNIFORM);
}
END_TEST

/* 100,000 inputs: never two replicas on one host, never short. */
START_TEST(test_failure_domains)
{
	struct crush_map *map = tu_make_map(4, 5, 4, 1);
	uint32_t *rw = tu_weights(map);
	int32_t out[8];
	for (uint32_t x = 0; x < 100000; x++) {
		int n = tu_map(map, 0, x, out, 3, rw, NULL);
		ck_assert_int_eq(n, 3);
		int32_t h0 = tu_host_of(map, out[0]), h1 = tu_host_of(map, out[1]),
			h2 = tu_host_of(map, out[2]);
		ck_assert(h0 != h1 && h0 != h2 && h1 != h2);
		if (x % 10)
			continue;
		n = tu_map(map, 1, x, out, 6, rw, NULL);
		ck_assert_int_eq(n, 6);
		for (int i = 0; i < 6; i++) {
			ck_assert_int_ne(out[i], CRUSH_ITEM_NONE);
			for (int j = 0; j < i; j++)
				ck_assert_int_ne(tu_host_of(map, out[i]), tu_host_of(map, out[j]));
		}
	}
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/* Marking one device out moves exactly the placements it held, each to
 * one new device; nothing else changes. */
START_TEST(test_out_moves_minimum)
{
	struct crush_map *map = tu_make_map(3, 4, 3, 1);
	uint32_t *rw = tu_weights(map);
	uint32_t *rw2 = tu_weights(map);
	rw2[7] = 0;
	int32_t a[3], b[3];
	int held = 0, changed = 0;
	for (uint32_t x = 0; x < 20000; x++) {
		tu_map(map, 0, x, a, 3, rw, NULL);
		tu_map(map, 0, x, b, 3, rw2, NULL);
		int had = a[0] == 7 || a[1] == 7 || a[2] == 7;
		held += had;
		int diff = 0;
		for (int i = 0; i < 3; i++) {
			ck_assert_int_ne(b[i], 7);
			int found = 0;
			for (int j = 0; j < 3; j++)
				found |= a[i] == b[j];
			diff += !found;
		}
		changed += diff;
		if (!had)
			ck_assert_int_eq(diff, 0);
		else
			ck_assert_int_eq(diff, 1);
	}
	ck_assert_int_eq(changed, held);
	ck_assert_int_gt(held, 0);
	free(rw);
	free(rw2);
	crush_map_destroy(map);
}
END_TEST

/* Partial reweight: 0.5 gives about half the placements. */
START_TEST(test_partial_reweight)
{
	uint32_t w[4] = { 1 << 16, 1 << 16, 1 << 16, 1 << 16 };
	struct crush_map *map = flat_map(4, w, CRUSH_BUCKET_STRAW2);
	uint32_t *rw = tu_weights(map);
	rw[2] = 0x8000;
	int cnt[4] = { 0 };
	int32_t out[1];
	for (uint32_t x = 0; x < 100000; x++) {
		tu_map(map, 0, x, out, 1, rw, NULL);
		cnt[out[0]]++;
	}
	/* the in/out draw depends on (x, device) only, so device 2 keeps
	 * exactly the half of its 1/4 share whose draw says "in" */
	ck_assert_int_gt(cnt[2], 100000 / 8 * 0.95);
	ck_assert_int_lt(cnt[2], 100000 / 8 * 1.05);
	ck_assert_int_gt(cnt[0], 100000 * 7 / 24 * 0.95);
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/*
 * indep: removing a device changes the position it held; other positions
 * keep their device.  The one exception is inherent to retrying: when the
 * replacement search for the hole needs another round, it competes with
 * positions that were themselves retrying, which happens for well under
 * 1% of inputs.
 */
START_TEST(test_indep_stable)
{
	struct crush_map *map = tu_make_map(2, 6, 4, 0);
	uint32_t *rw = tu_weights(map);
	uint32_t *rw2 = tu_weights(map);
	rw2[5] = 0;
	int32_t a[6], b[6];
	int touched = 0, others = 0;
	for (uint32_t x = 0; x < 20000; x++) {
		ck_assert_int_eq(tu_map(map, 1, x, a, 6, rw, NULL), 6);
		ck_assert_int_eq(tu_map(map, 1, x, b, 6, rw2, NULL), 6);
		int other = 0;
		for (int i = 0; i < 6; i++) {
			ck_assert_int_ne(b[i], 5);
			if (a[i] == 5)
				touched++;
			else
				other |= a[i] != b[i];
		}
		others += other;
	}
	ck_assert_int_gt(touched, 1000);
	ck_assert_int_lt(others, 20000 / 200);
	free(rw);
	free(rw2);
	crush_map_destroy(map);
}
END_TEST

/* indep with too few hosts: holes are NONE, never shifted. */
START_TEST(test_indep_holes)
{
	struct crush_map *map = tu_make_map(1, 3, 2, 0);
	uint32_t *rw = tu_weights(map);
	int32_t out[5];
	for (uint32_t x = 0; x < 1000; x++) {
		ck_assert_int_eq(tu_map(map, 1, x, out, 5, rw, NULL), 5);
		int none = 0;
		for (int i = 0; i < 5; i++)
			none += out[i] == CRUSH_ITEM_NONE;
		ck_assert_int_eq(none, 2);
	}
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/* straw2: changing one weight moves placements only to or from it. */
START_TEST(test_straw2_weight_change_minimal)
{
	uint32_t w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (uint32_t)(i + 1) << 16;
	struct crush_map *m1 = flat_map(8, w, CRUSH_BUCKET_STRAW2);
	struct crush_map *m2 = crush_map_clone(m1);
	ck_assert_int_eq(crush_reweight_device(m2, 3, 8 << 16), 0);
	uint32_t *rw = tu_weights(m1);
	int32_t a[1], b[1];
	int moved = 0;
	for (uint32_t x = 0; x < 50000; x++) {
		tu_map(m1, 0, x, a, 1, rw, NULL);
		tu_map(m2, 0, x, b, 1, rw, NULL);
		if (a[0] != b[0]) {
			ck_assert_int_eq(b[0], 3);
			moved++;
		}
	}
	/* expected: share 4/36 -> 8/40; minimum move 0.2 - 0.111 = 8.9% */
	ck_assert_int_gt(moved, 50000 * 0.080);
	ck_assert_int_lt(moved, 50000 * 0.098);
	free(rw);
	crush_map_destroy(m1);
	crush_map_destroy(m2);
}
END_TEST

/* Weight sets: a per-position weight of zero keeps an item out of that
 * position only; replacement ids change the draw. */
START_TEST(test_choose_args)
{
	uint32_t w[4] = { 1 << 16, 1 << 16, 1 << 16, 1 << 16 };
	struct crush_map *map = flat_map(4, w, CRUSH_BUCKET_STRAW2);
	int32_t root;
	ck_assert_int_eq(crush_map_item_by_name(map, "default", &root), 0);
	uint32_t ws[8] = { 0, 1 << 16, 1 << 16, 1 << 16, /* position 0 */
			   1 << 16, 1 << 16, 1 << 16, 0 /* position 1+ */ };
	ck_assert_int_eq(crush_choose_args_set(map, 7, root, 2, ws, NULL), 0);
	const struct crush_choose_args *ca = crush_map_choose_args(map, 7);
	ck_assert_ptr_nonnull(ca);
	uint32_t *rw = tu_weights(map);
	int32_t out[2];
	int pos0_is_0 = 0, pos1_is_3 = 0, differs = 0;
	for (uint32_t x = 0; x < 20000; x++) {
		int32_t plain[2];
		tu_map(map, 0, x, plain, 2, rw, NULL);
		ck_assert_int_eq(tu_map(map, 0, x, out, 2, rw, ca), 2);
		pos0_is_0 += out[0] == 0;
		pos1_is_3 += out[1] == 3;
		differs += plain[0] != out[0] || plain[1] != out[1];
	}
	ck_assert_int_eq(pos0_is_0, 0);
	ck_assert_int_eq(pos1_is_3, 0);
	ck_assert_int_gt(differs, 0);
	/* ids only */
	int32_t ids[4] = { 100, 101, 102, 103 };
	ck_assert_int_eq(crush_choose_args_set(map, 8, root, 0, NULL, ids), 0);
	ca = crush_map_choose_args(map, 8);
	differs = 0;
	for (uint32_t x = 0; x < 1000; x++) {
		int32_t plain[1];
		tu_map(map, 0, x, plain, 1, rw, NULL);
		tu_map(map, 0, x, out, 1, rw, ca);
		differs += plain[0] != out[0];
	}
	ck_assert_int_gt(differs, 500);
	ck_assert_int_eq(crush_choose_args_remove(map, 8), 0);
	ck_assert_ptr_null(crush_map_choose_args(map, 8));
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/* `take default class ssd` only ever yields ssd devices, still one per host. */
START_TEST(test_device_class_rule)
{
	struct crush_map *map = tu_make_map(2, 4, 4, 1);
	for (int32_t d = 0; d < crush_map_max_devices(map); d++)
		ck_assert_int_eq(crush_set_device_class(map, d, d % 4 == 1 ? "ssd" : "hdd"), 0);
	uint32_t rule;
	ck_assert_int_eq(crush_add_simple_rule(map, "fast", "default", "host", "ssd",
					       CRUSH_RULE_TYPE_REPLICATED, &rule),
			 0);
	ck_assert_int_eq(crush_map_validate(map, NULL, 0), 0);
	uint32_t *rw = tu_weights(map);
	int32_t out[3];
	for (uint32_t x = 0; x < 5000; x++) {
		ck_assert_int_eq(tu_map(map, rule, x, out, 3, rw, NULL), 3);
		for (int i = 0; i < 3; i++) {
			ck_assert_int_eq(out[i] % 4, 1);
			for (int j = 0; j < i; j++)
				ck_assert_int_ne(tu_host_of(map, out[i]), tu_host_of(map, out[j]));
		}
	}
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/* The legacy profile and rule-level tunables still give valid results. */
START_TEST(test_legacy_tunables)
{
	struct crush_map *map = tu_make_map(2, 4, 3, 1);
	ck_assert_int_eq(crush_set_tunables_profile(map, "legacy"), 0);
	uint32_t *rw = tu_weights(map);
	int32_t out[3];
	int short_maps = 0;
	for (uint32_t x = 0; x < 10000; x++) {
		int n = tu_map(map, 0, x, out, 3, rw, NULL);
		short_maps += n != 3;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < i; j++)
				ck_assert_int_ne(tu_host_of(map, out[i]), tu_host_of(map, out[j]));
	}
	ck_assert_int_lt(short_maps, 10);
	ck_assert_int_eq(crush_set_tunables_profile(map, "bogus"), -EINVAL);
	free(rw);
	crush_map_destroy(map);
}
END_TEST

/* A host whose devices all weigh zero receives nothing. */
START_TEST(test_zero_weight_host)
{
	struct crush_map *map = tu_make_map(1, 4, 2, 0);
	ck_assert_int_eq(crush_reweight_device(map, 0, 0), 0);
	ck_assert_int_eq(crush_reweight_device(map, 1, 0), 0);
	uint32_t *rw = tu_weights(map);
	int32_t out[3];
	for (uint32_t x = 0; x < 5000; x++) {
		ck_assert_int_eq(tu_map(map, 0, x, out, 3, rw, NULL), 3);
		for (int i = 0; i < 3; i++)
			ck_assert_int_gt(out[i], 1);
	}
	free(rw);
	crush_map_destroy(map);
}
END_TEST

static Suite *mapper_suite(void)
{
	Suite *s = suite_create("crush_mapper");
	TCase *tc = tcase_create("basics");
	tcase_add_test(tc, test_known_answers);
	tcase_add_test(tc, test_take_device_and_relative_n);
	tcase_add_test(tc, test_zero_weight_host);
	suite_add_tcase(s, tc);
	tc = tcase_create("buckets");
	tcase_add_test(tc, test_straw2_proportional);
	tcase_add_test(tc, test_list_proportional);
	tcase_add_test(tc, test_uniform_proportional);
	suite_add_tcase(s, tc);
	tc = tcase_create("placement");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_failure_domains);
	tcase_add_test(tc, test_indep_holes);
	tcase_add_test(tc, test_device_class_rule);
	tcase_add_test(tc, test_legacy_tunables);
	suite_add_tcase(s, tc);
	tc = tcase_create("movement");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_out_moves_minimum);
	tcase_add_test(tc, test_partial_reweight);
	tcase_add_test(tc, test_indep_stable);
	tcase_add_test(tc, test_straw2_weight_change_minimal);
	suite_add_tcase(s, tc);
	tc = tcase_create("choose_args");
	tcase_add_test(tc, test_choose_args);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mapper_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
