/* Unit tests for common/perf: counters and their JSON dump. */
#include <check.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/perf.h"

START_TEST(test_counters)
{
	static const char *const names[] = {"ops", "bytes"};
	struct perf_group *g = perf_group_create("testgrp", names, 2);
	ck_assert_ptr_nonnull(g);
	perf_inc(g, 0, 3);
	perf_inc(g, 0, 2);
	perf_set(g, 1, 4096);
	perf_inc(g, 7, 1); /* out of range: ignored */
	ck_assert_uint_eq(perf_get(g, 0), 5);
	ck_assert_uint_eq(perf_get(g, 1), 4096);
	ck_assert_uint_eq(perf_get(g, 9), 0);
	struct buf b = BUF_INIT;
	struct json_w w;
	json_w_init(&w, &b, false);
	perf_dump(&w);
	ck_assert(strstr(buf_cstr(&b), "\"testgrp\":{\"ops\":5,\"bytes\":4096}"));
	perf_group_destroy(g);
	buf_reset(&b);
	json_w_init(&w, &b, false);
	perf_dump(&w);
	ck_assert(!strstr(buf_cstr(&b), "testgrp"));
	buf_fini(&b);
	perf_inc(NULL, 0, 1);
}
END_TEST

static Suite *perf_suite(void)
{
	Suite *s = suite_create("perf");
	TCase *tc = tcase_create("perf");
	tcase_add_test(tc, test_counters);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(perf_suite)
