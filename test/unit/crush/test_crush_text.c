/*
 * test_crush_text.c - the text format: round trips (including maps Ceph's
 * crushtool wrote), weights, choose_args, and error messages.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crush_builder.h"
#include "crush_mapper.h"
#include "crush_test_util.h"
#include "crush_text.h"

static char *decompile(const struct crush_map *map)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(crush_text_decompile(map, f), 0);
	fclose(f);
	return buf;
}

static struct crush_map *compile_ok(const char *text)
{
	struct crush_map *map = NULL;
	char err[256];
	int rc = crush_text_compile(text, strlen(text), &map, err, sizeof(err));
	ck_assert_msg(rc == 0, "compile failed: %s", err);
	return map;
}

/* Drop the `hash` lines, whose trailing comment names the hash function. */
static void strip_hash_comments(char *s)
{
	char *p;
	while ((p = strstr(s, "hash 0\t#"))) {
		char *eol = strchr(p, '\n');
		memmove(p + 6, eol, strlen(eol) + 1);
	}
}

/* A map Ceph's crushtool wrote reads back and prints identically. */
static void ceph_fixture_roundtrip(const char *name)
{
	char *orig = tu_read_data(name, NULL);
	struct crush_map *map = compile_ok(orig);
	char *text = decompile(map);
	strip_hash_comments(orig);
	strip_hash_comments(text);
	ck_assert_str_eq(text, orig);
	struct crush_map *again = compile_ok(text);
	ck_assert(crush_map_equal(map, again));
	char *text2 = decompile(again);
	strip_hash_comments(text2);
	ck_assert_str_eq(text, text2);
	free(text2);
	free(text);
	free(orig);
	crush_map_destroy(again);
	crush_map_destroy(map);
}

START_TEST(test_ceph_build_map)
{
	ceph_fixture_roundtrip("ceph_build.txt");
}
END_TEST

START_TEST(test_ceph_classes_map)
{
	ceph_fixture_roundtrip("ceph_classes.txt");
	char *orig = tu_read_data("ceph_classes.txt", NULL);
	struct crush_map *map = compile_ok(orig);
	/* the class rule only yields ssd devices (1 and 3) */
	uint32_t *rw = tu_weights(map);
	int32_t out[2];
	for (uint32_t x = 0; x < 200; x++) {
		int n = tu_map(map, 0, x, out, 2, rw, NULL);
		for (int i = 0; i < n; i++)
			ck_assert(out[i] == 1 || out[i] == 3);
	}
	ck_assert_ptr_nonnull(crush_map_choose_args(map, 1));
	free(rw);
	free(orig);
	crush_map_destroy(map);
}
END_TEST

/* A builder-made map survives text -> map -> text. */
START_TEST(test_builder_roundtrip)
{
	struct crush_map *map = tu_make_map(3, 3, 3, 1);
	ck_assert_int_eq(crush_set_device_class(map, 4, "nvme"), 0);
	ck_assert_int_eq(crush_add_simple_rule(map, "fast", "default", "host", "nvme",
					       CRUSH_RULE_TYPE_ERASURE, NULL),
			 0);
	int32_t root;
	ck_assert_int_eq(crush_map_item_by_name(map, "default", &root), 0);
	uint32_t ws[6] = { 1, 65536, 3 << 16, 100, 0x12345, 7 };
	ck_assert_int_eq(crush_choose_args_set(map, -1, root, 2, ws, NULL), 0);
	char *t1 = decompile(map);
	struct crush_map *m2 = compile_ok(t1);
	ck_assert(crush_map_equal(map, m2));
	char *t2 = decompile(m2);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_nonnull(strstr(t1, "choose_args 18446744073709551615 {"));
	ck_assert_ptr_nonnull(strstr(t1, "step take default class nvme"));
	free(t1);
	free(t2);
	crush_map_destroy(m2);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_weight_format)
{
	char b[32];
	crush_text_format_weight(0x10000, b, sizeof(b));
	ck_assert_str_eq(b, "1.000");
	crush_text_format_weight(0x18000, b, sizeof(b));
	ck_assert_str_eq(b, "1.500");
	crush_text_format_weight(1, b, sizeof(b));
	ck_assert_str_eq(b, "0.00002");
	crush_text_format_weight(0, b, sizeof(b));
	ck_assert_str_eq(b, "0.000");
	/* every 16.16 value survives print -> parse, checked on a sweep */
	for (uint32_t w = 0; w < (40u << 16); w += 97) {
		char text[512];
		crush_text_format_weight(w, b, sizeof(b));
		snprintf(text, sizeof(text),
			 "device 0 osd.0\ntype 0 osd\ntype 1 host\nhost h {\n item osd.0 weight %s\n}\n",
			 b);
		struct crush_map *map = compile_ok(text);
		uint32_t got;
		ck_assert_int_eq(crush_map_device_weight(map, 0, &got), 0);
		ck_assert_uint_eq(got, w);
		crush_map_destroy(map);
		if (w > 70000)
			w += 99991;
	}
}
END_TEST

struct bad_case {
	const char *text;
	const char *msg; /* expected substring of the error */
};

static const struct bad_case bad[] = {
	{ "bogus 1", "line 1, column 1: expected tunable, device, type" },
	{ "device x osd.0", "line 1, column 8: expected a device id, got 'x'" },
	{ "device 0 osd.0\ndevice 0 osd.1", "line 2, column 10: device id 0" },
	{ "type 0 osd\ntype 1 host\nhost h {\n  item osd.9\n}", "line 4, column 8: item 'osd.9' is not defined" },
	{ "type 0 osd\ntype 1 host\nhost h {\n  alg straw\n}", "line 4, column 7: bucket algorithm 'straw' is not supported" },
	{ "type 0 osd\ntype 1 host\nhost h {\n  alg fancy\n}", "expected straw2, uniform or list, got 'fancy'" },
	{ "device 0 osd.0\ntype 0 osd\ntype 1 host\nhost h {\n item osd.0 weight abc\n}", "line 5, column 20: expected a non-negative decimal weight" },
	{ "type 0 osd\ntype 1 host\nhost h {\n id 3\n}", "line 4, column 5: a negative bucket id" },
	{ "type 0 osd\ntype 1 host\nhost h {\n", "line 4, column 1: expected id, alg, hash, item or '}', got end of input" },
	{ "tunable choose_total_tries", "expected a tunable value, got end of input" },
	{ "tunable nonsense 3", "line 1, column 9: expected a tunable name" },
	{ "type 0 osd\nrule r {\n step take nowhere\n}", "line 3, column 12: item 'nowhere' is not defined" },
	{ "type 0 osd\ntype 1 host\nhost h {\n}\nrule r {\n step chooseleaf firstn 0 type rack\n}", "line 6, column 32: type 'rack' is not defined" },
	{ "type 0 osd\ntype 1 host\nhost h {\n}\nrule r {\n step choose sideways 0 type host\n}", "expected firstn or indep, got 'sideways'" },
	{ "type 0 osd\ntype 1 host\nhost h {\n}\nrule r {\n step take h class ssd\n}", "device class 'ssd' is not defined" },
	{ "type 0 osd\ntype 1 host\nhost h {\n}\nchoose_args 1 {\n {\n bucket_id -1\n weight_set [ [ 1.0 2.0 ] ]\n }\n}", "line 8, column 17: more values than the bucket has items (0)" },
	{ "type 0 osd\ntype 1 host\nhost h {\n}\nchoose_args 1 {\n {\n bucket_id -7\n }\n}", "bucket -7 does not exist" },
	{ "type 0 osd\ntype 1 host\nhost h {\n}\nhost h {\n}", "line 5, column 6: item 'h' already defined" },
	{ "type 0 osd\ntype 0 host", "line 2, column 8: type 0 or 'host' already defined" },
	{ "device 0 osd.0 class", "expected a class name, got end of input" },
	{ "type 0 osd\ntype 1 host\nhost a {\n}\nhost b {\n item a\n item a\n}", "line 7, column 7: item 'a' listed twice" },
	{ "type 0 osd\ntype 1 host\nhost a {\n item a\n}", "item 'a' is not defined" },
	{ "device 0 osd.0\ntype 0 osd\ntype 1 host\nhost h {\n item osd.0 weight 70000\n}", "weight out of range" },
	{ "device 0 osd.0\ntype 0 osd\ntype 1 host\nhost h {\n alg uniform\n item osd.0 weight 1\n}\nhost g {\n alg uniform\n item h weight 1\n}", NULL },
};

START_TEST(test_errors)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct crush_map *map = NULL;
		char err[256];
		int rc = crush_text_compile(bad[i].text, strlen(bad[i].text), &map, err, sizeof(err));
		if (!bad[i].msg) {
			ck_assert_int_eq(rc, 0);
			crush_map_destroy(map);
			continue;
		}
		ck_assert_msg(rc == -EINVAL, "case %zu compiled", i);
		ck_assert_msg(strstr(err, bad[i].msg) != NULL, "case %zu: got \"%s\", want \"%s\"",
			      i, err, bad[i].msg);
		ck_assert_ptr_null(map);
	}
}
END_TEST

/* Comments and odd spacing are fine; `ruleset` is accepted for `id`. */
START_TEST(test_lenient_syntax)
{
	const char *t = "# hello\ndevice 0 osd.0 # trailing\ntype 0 osd type 1 host\n"
			"host h{item osd.0 weight 2}\n"
			"rule r{ruleset 3 type erasure step take h step choose indep 0 type osd step emit}\n";
	struct crush_map *map = compile_ok(t);
	ck_assert(crush_map_rule_exists(map, 3));
	int32_t type;
	ck_assert_int_eq(crush_map_rule_type(map, 3, &type), 0);
	ck_assert_int_eq(type, CRUSH_RULE_TYPE_ERASURE);
	crush_map_destroy(map);
}
END_TEST

static Suite *text_suite(void)
{
	Suite *s = suite_create("crush_text");
	TCase *tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ceph_build_map);
	tcase_add_test(tc, test_ceph_classes_map);
	tcase_add_test(tc, test_builder_roundtrip);
	tcase_add_test(tc, test_weight_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_lenient_syntax);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(text_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
