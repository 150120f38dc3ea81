/*
 * test_crush_golden.c - pinned mappings of fixed maps.
 *
 * The files data/golden_*.txt hold `crushtool --show-mappings` output
 * recorded when the algorithm was frozen.  Every client, OSD and monitor
 * must compute the same placements forever, so any change here is a bug
 * unless it comes with a new tunable that old maps do not set
 * (STYLE.md §11).  Regenerate only deliberately, with the commands in
 * doc/crush.md.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crush_test_util.h"
#include "crush_text.h"

struct golden {
	const char *map, *file;
	int64_t choose_args; /* -99: none */
	int nweights;
	int32_t wid[2];
	uint32_t wval[2];
};

static const struct golden cases[] = {
	{ "ceph_build.txt", "golden_build_r0_n3.txt", -99, 0, { 0 }, { 0 } },
	{ "ceph_classes.txt", "golden_classes_r0_n2.txt", -99, 0, { 0 }, { 0 } },
	{ "ceph_classes.txt", "golden_classes_r1_n4.txt", -99, 0, { 0 }, { 0 } },
	{ "ceph_classes.txt", "golden_classes_r1_n4_ca1.txt", 1, 0, { 0 }, { 0 } },
	{ "golden_mixed.txt", "golden_mixed_r0_n3_w.txt", -99, 2, { 4, 9 }, { 0x8000, 0 } },
	{ "golden_mixed.txt", "golden_mixed_r1_n6.txt", -99, 0, { 0 }, { 0 } },
};

static void check_case(const struct golden *g)
{
	size_t len;
	char *text = tu_read_data(g->map, &len);
	struct crush_map *map = NULL;
	char err[256];
	ck_assert_msg(crush_text_compile(text, len, &map, err, sizeof(err)) == 0, "%s", err);
	free(text);
	uint32_t *rw = tu_weights(map);
	for (int i = 0; i < g->nweights; i++)
		rw[g->wid[i]] = g->wval[i];
	const void *ca = NULL;
	if (g->choose_args != -99) {
		ca = crush_map_choose_args(map, g->choose_args);
		ck_assert_ptr_nonnull(ca);
	}
	char *golden = tu_read_data(g->file, NULL);
	int lines = 0;
	for (char *line = strtok(golden, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned rule, x;
		char list[512];
		ck_assert_int_eq(sscanf(line, "CRUSH rule %u x %u [%511[^]]]", &rule, &x, list), 3);
		int32_t want[16], got[16];
		int nwant = 0;
		(void)list;
		for (char *p = strchr(line, '[') + 1; *p && *p != ']';) {
			want[nwant++] = (int32_t)strtol(p, &p, 10);
			if (*p == ',')
				p++;
		}
		int n = tu_map(map, rule, x, got, nwant > 0 ? nwant : 1, rw, ca);
		(void)n;
		for (int i = 0; i < nwant; i++)
			ck_assert_msg(got[i] == want[i], "%s: x %u position %d: got %d want %d",
				      g->file, x, i, got[i], want[i]);
		lines++;
	}
	ck_assert_int_gt(lines, 100);
	free(golden);
	free(rw);
	crush_map_destroy(map);
}

START_TEST(test_golden)
{
	check_case(&cases[_i]);
}
END_TEST

static Suite *golden_suite(void)
{
	Suite *s = suite_create("crush_golden");
	TCase *tc = tcase_create("mappings");
	tcase_add_loop_test(tc, test_golden, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(golden_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
