/* Unit tests for tools/cairn_cmds: CLI words to monitor JSON commands. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "test/unit/unit.h"
#include "tools/cairn_cmds.h"

static const char *conv(const char *line, const char *format, int expect_rc)
{
	static char copy[512];
	static struct buf out;
	static char err[512];
	char *words[32];
	int n = 0;
	snprintf(copy, sizeof(copy), "%s", line);
	char *save;
	for (char *w = strtok_r(copy, " ", &save); w && n < 32; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	buf_fini(&out);
	err[0] = '\0';
	int rc = cairn_cmd_to_json(n, words, format, &out, err, sizeof(err));
	ck_assert_msg(rc == expect_rc, "%s: rc %d (%s)", line, rc, err);
	return rc ? err : buf_cstr(&out);
}

START_TEST(test_conversions)
{
	ck_assert_str_eq(conv("status", NULL, 0), "{\"prefix\":\"status\"}");
	ck_assert_str_eq(conv("osd pool create rbd 64", NULL, 0),
			 "{\"prefix\":\"osd pool create\",\"pool\":\"rbd\",\"pg_num\":64}");
	ck_assert_str_eq(conv("osd pool create rbd 64 replicated --size 2", "json", 0),
			 "{\"prefix\":\"osd pool create\",\"pool\":\"rbd\",\"pg_num\":64,"
			 "\"pool_type\":\"replicated\",\"size\":2,\"format\":\"json\"}");
	ck_assert_str_eq(conv("osd pool create rbd 64 replicated", NULL, 0),
			 "{\"prefix\":\"osd pool create\",\"pool\":\"rbd\",\"pg_num\":64,"
			 "\"pool_type\":\"replicated\"}");
	ck_assert_str_eq(conv("osd pool delete x x --yes-i-really-really-mean-it", NULL, 0),
			 "{\"prefix\":\"osd pool delete\",\"pool\":\"x\",\"pool2\":\"x\","
			 "\"yes_i_really_really_mean_it\":true}");
	ck_assert_str_eq(conv("osd out 1 2", NULL, 0),
			 "{\"prefix\":\"osd out\",\"ids\":[\"1\",\"2\"]}");
	ck_assert_str_eq(conv("osd crush move h1 root=default rack=r1", NULL, 0),
			 "{\"prefix\":\"osd crush move\",\"name\":\"h1\",\"args\":[\"root=default\","
			 "\"rack=r1\"]}");
	ck_assert_str_eq(conv("osd crush reweight osd.1 0.5", NULL, 0),
			 "{\"prefix\":\"osd crush reweight\",\"name\":\"osd.1\",\"weight\":0.5}");
	ck_assert_str_eq(conv("osd pool ls detail", NULL, 0),
			 "{\"prefix\":\"osd pool ls\",\"detail\":\"detail\"}");
	ck_assert_str_eq(conv("osd crush add-bucket r1 rack", NULL, 0),
			 "{\"prefix\":\"osd crush add-bucket\",\"name\":\"r1\",\"type\":\"rack\"}");
	ck_assert_str_eq(conv("osd map rbd obj", NULL, 0),
			 "{\"prefix\":\"osd map\",\"pool\":\"rbd\",\"object\":\"obj\"}");
}
END_TEST

START_TEST(test_errors)
{
	ck_assert(strstr(conv("frobnicate", NULL, -22), "unknown command 'frobnicate'"));
	ck_assert(strstr(conv("osd pool create", NULL, -22), "missing <pool>"));
	ck_assert(strstr(conv("osd pool create rbd many", NULL, -22), "'many' is not an integer"));
	ck_assert(strstr(conv("osd pool create rbd many", NULL, -22),
			 "usage: osd pool create <pool> [<pg_num>]"));
	ck_assert(strstr(conv("osd crush reweight osd.1 heavy", NULL, -22), "not a number"));
	ck_assert(strstr(conv("osd out", NULL, -22), "missing <ids>"));
	ck_assert(strstr(conv("mon stat extra", NULL, -22), "unexpected argument 'extra'"));
	ck_assert(strstr(conv("osd pool set-quota p max_things 3", NULL, -22), "allowed words"));
	ck_assert(strstr(conv("osd pool create rbd 8 --size x", NULL, -22), "--size 'x'"));
	struct buf u = BUF_INIT;
	cairn_cmd_usage(&u);
	ck_assert(strstr(buf_cstr(&u), "osd pool create <pool> [<pg_num>] [<pgp_num>] "
				       "[<replicated|erasure>]\n"));
	buf_fini(&u);
}
END_TEST

static Suite *cmds_suite(void)
{
	Suite *s = suite_create("cairn_cmds");
	TCase *tc = tcase_create("cmds");
	tcase_add_test(tc, test_conversions);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(cmds_suite)
