/*
 * test_crush_builder.c - editing maps: links, weights kept consistent,
 * moves, removal, classes and their shadow trees, rules, tunables.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "crush_builder.h"
#include "crush_test_util.h"

static uint32_t bweight(const struct crush_map *map, const char *name)
{
	int32_t id;
	uint32_t w;
	ck_assert_int_eq(crush_map_item_by_name(map, name, &id), 0);
	ck_assert_int_eq(crush_map_bucket_info(map, id, NULL, NULL, &w, NULL), 0);
	return w;
}

START_TEST(test_weights_propagate)
{
	struct crush_map *map = tu_make_map(2, 2, 2, 0);
	ck_assert_uint_eq(bweight(map, "default"), 8u << 16);
	ck_assert_int_eq(crush_reweight_device(map, 0, 3 << 16), 0);
	ck_assert_uint_eq(bweight(map, "host0-0"), 4u << 16);
	ck_assert_uint_eq(bweight(map, "rack0"), 6u << 16);
	ck_assert_uint_eq(bweight(map, "default"), 10u << 16);
	uint32_t w;
	ck_assert_int_eq(crush_map_device_weight(map, 0, &w), 0);
	ck_assert_uint_eq(w, 3u << 16);
	ck_assert_int_eq(crush_map_validate(map, NULL, 0), 0);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_move_and_unlink)
{
	struct crush_map *map = tu_make_map(2, 2, 2, 0);
	int32_t host, rack1, root;
	ck_assert_int_eq(crush_map_item_by_name(map, "host0-0", &host), 0);
	ck_assert_int_eq(crush_map_item_by_name(map, "rack1", &rack1), 0);
	ck_assert_int_eq(crush_map_item_by_name(map, "default", &root), 0);
	ck_assert_int_eq(crush_move(map, host, rack1), 0);
	ck_assert_uint_eq(bweight(map, "rack0"), 2u << 16);
	ck_assert_uint_eq(bweight(map, "rack1"), 6u << 16);
	int32_t parent;
	ck_assert_int_eq(crush_map_item_parent(map, host, &parent), 0);
	ck_assert_int_eq(parent, rack1);
	/* a bucket cannot go below itself */
	ck_assert_int_eq(crush_move(map, rack1, host), -ELOOP);
	ck_assert_int_eq(crush_link(map, host, root, 0), -ELOOP);
	ck_assert_int_eq(crush_link(map, rack1, host, 0), -EEXIST);
	ck_assert_int_eq(crush_unlink(map, rack1, host), 0);
	ck_assert_int_eq(crush_unlink(map, rack1, host), -ENOENT);
	ck_assert_uint_eq(bweight(map, "default"), 6u << 16);
	ck_assert_int_eq(crush_map_validate(map, NULL, 0), 0);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_remove)
{
	struct crush_map *map = tu_make_map(1, 2, 2, 0);
	int32_t host, root;
	ck_assert_int_eq(crush_map_item_by_name(map, "host0-1", &host), 0);
	ck_assert_int_eq(crush_map_item_by_name(map, "default", &root), 0);
	ck_assert_int_eq(crush_remove_item(map, host), -ENOTEMPTY);
	ck_assert_int_eq(crush_remove_item(map, root), -ENOTEMPTY);
	ck_assert_int_eq(crush_remove_item(map, 2), 0);
	ck_assert_int_eq(crush_remove_item(map, 3), 0);
	ck_assert_int_eq(crush_map_device_exists(map, 3), 0);
	ck_assert_int_eq(crush_remove_item(map, host), 0);
	ck_assert_int_eq(crush_map_bucket_exists(map, host), 0);
	ck_assert_uint_eq(bweight(map, "default"), 2u << 16);
	ck_assert_int_eq(crush_remove_item(map, 99), -ENOENT);
	/* a bucket a rule takes cannot go */
	ck_assert_int_eq(crush_remove_item(map, 0), 0);
	ck_assert_int_eq(crush_remove_item(map, 1), 0);
	int32_t h0;
	ck_assert_int_eq(crush_map_item_by_name(map, "host0-0", &h0), 0);
	ck_assert_int_eq(crush_remove_item(map, h0), 0);
	int32_t rack;
	ck_assert_int_eq(crush_map_item_by_name(map, "rack0", &rack), 0);
	ck_assert_int_eq(crush_remove_item(map, rack), 0);
	ck_assert_int_eq(crush_remove_item(map, root), -EBUSY);
	ck_assert_int_eq(crush_remove_rule(map, 0), 0);
	ck_assert_int_eq(crush_remove_rule(map, 1), 0);
	ck_assert_int_eq(crush_remove_item(map, root), 0);
	ck_assert_int_eq(crush_map_validate(map, NULL, 0), 0);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_errors)
{
	struct crush_map *map = tu_make_map(1, 1, 1, 0);
	int32_t id;
	ck_assert_int_eq(crush_add_type(map, 1, "again"), -EEXIST);
	ck_assert_int_eq(crush_add_type(map, 5, "host"), -EEXIST);
	ck_assert_int_eq(crush_add_device(map, 0, "osd.99", NULL), -EEXIST);
	ck_assert_int_eq(crush_add_device(map, 5, "osd.0", NULL), -EEXIST);
	ck_assert_int_eq(crush_add_device(map, 5, "bad name", NULL), -EINVAL);
	ck_assert_int_eq(crush_add_bucket(map, 0, "x", 77, CRUSH_BUCKET_STRAW2, &id), -ENOENT);
	ck_assert_int_eq(crush_add_bucket(map, 0, "x", 1, 99, &id), -EINVAL);
	ck_assert_int_eq(crush_add_bucket(map, 0, "default", 1, CRUSH_BUCKET_STRAW2, &id),
			 -EEXIST);
	ck_assert_int_eq(crush_link(map, -999, 0, 0), -ENOENT);
	ck_assert_int_eq(crush_add_simple_rule(map, "r", "nope", "host", NULL,
					       CRUSH_RULE_TYPE_REPLICATED, NULL),
			 -ENOENT);
	ck_assert_int_eq(crush_add_simple_rule(map, "replicated_rule", "default", "host", NULL,
					       CRUSH_RULE_TYPE_REPLICATED, NULL),
			 -EEXIST);
	struct crush_tunables t;
	crush_map_get_tunables(map, &t);
	t.choose_total_tries = 0;
	ck_assert_int_eq(crush_set_tunables(map, &t), -EINVAL);
	crush_map_destroy(map);
}
END_TEST

/* Classes build shadow trees with the class's weight only. */
START_TEST(test_classes)
{
	struct crush_map *map = tu_make_map(1, 2, 2, 0);
	ck_assert_int_eq(crush_set_device_class(map, 0, "ssd"), 0);
	ck_assert_int_eq(crush_set_device_class(map, 3, "ssd"), 0);
	ck_assert_int_eq(crush_set_device_class(map, 1, "hdd"), 0);
	ck_assert_uint_eq(bweight(map, "default~ssd"), 2u << 16);
	ck_assert_uint_eq(bweight(map, "default~hdd"), 1u << 16);
	ck_assert_uint_eq(bweight(map, "host0-1~ssd"), 1u << 16);
	int32_t id, cls;
	ck_assert_int_eq(crush_map_item_by_name(map, "default~ssd", &id), 0);
	ck_assert(crush_map_bucket_is_shadow(map, id));
	ck_assert_int_eq(crush_map_device_class(map, 3, &cls), 0);
	ck_assert_str_eq(crush_map_class_name(map, cls), "ssd");
	/* shadow ids survive further edits */
	ck_assert_int_eq(crush_reweight_device(map, 3, 5 << 16), 0);
	int32_t id2;
	ck_assert_int_eq(crush_map_item_by_name(map, "default~ssd", &id2), 0);
	ck_assert_int_eq(id, id2);
	ck_assert_uint_eq(bweight(map, "default~ssd"), 6u << 16);
	/* shadows are read-only */
	ck_assert_int_ne(crush_link(map, id, 2, 1 << 16), 0);
	ck_assert_int_eq(crush_set_device_class(map, 3, NULL), 0);
	ck_assert_uint_eq(bweight(map, "default~ssd"), 1u << 16);
	ck_assert_int_eq(crush_map_validate(map, NULL, 0), 0);
	/* clone and compare */
	struct crush_map *c = crush_map_clone(map);
	ck_assert(crush_map_equal(map, c));
	ck_assert_int_eq(crush_reweight_device(c, 0, 2 << 16), 0);
	ck_assert(!crush_map_equal(map, c));
	crush_map_destroy(c);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_uniform_bucket_rules)
{
	struct crush_map *map = crush_map_create();
	int32_t b;
	ck_assert_int_eq(crush_add_type(map, 0, "osd"), 0);
	ck_assert_int_eq(crush_add_type(map, 1, "host"), 0);
	ck_assert_int_eq(crush_add_bucket(map, 0, "u", 1, CRUSH_BUCKET_UNIFORM, &b), 0);
	ck_assert_int_eq(crush_add_device(map, 0, "osd.0", NULL), 0);
	ck_assert_int_eq(crush_add_device(map, 1, "osd.1", NULL), 0);
	ck_assert_int_eq(crush_link(map, b, 0, 1 << 16), 0);
	ck_assert_int_eq(crush_link(map, b, 1, 2 << 16), -EINVAL);
	ck_assert_int_eq(crush_link(map, b, 1, 1 << 16), 0);
	ck_assert_int_eq(crush_map_validate(map, NULL, 0), 0);
	crush_map_destroy(map);
}
END_TEST

static Suite *builder_suite(void)
{
	Suite *s = suite_create("crush_builder");
	TCase *tc = tcase_create("hierarchy");
	tcase_add_test(tc, test_weights_propagate);
	tcase_add_test(tc, test_move_and_unlink);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_uniform_bucket_rules);
	suite_add_tcase(s, tc);
	tc = tcase_create("classes");
	tcase_add_test(tc, test_classes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(builder_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
