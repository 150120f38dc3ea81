/* Unit tests for common/log. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/unit/unit.h"
#include "common/log.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char data[65536];
	size_t n = fread(data, 1, sizeof(data) - 1, f);
	data[n] = '\0';
	fclose(f);
	return data;
}

static int evaluated;
static int side_effect(void)
{
	return ++evaluated;
}

START_TEST(test_levels)
{
	ck_assert_int_eq(log_subsys_lookup("ms"), LOG_MS);
	ck_assert_int_eq(log_subsys_lookup("nope"), -ENOENT);
	ck_assert_str_eq(log_subsys_name(LOG_OSD), "osd");
	ck_assert_int_eq(log_set_level_str(LOG_OSD, "10/5"), 0);
	ck_assert_int_eq(log_get_level(LOG_OSD), 10);
	ck_assert_int_eq(log_set_level_str(LOG_OSD, " 3 "), 0);
	ck_assert_int_eq(log_get_level(LOG_OSD), 3);
	ck_assert_int_eq(log_set_level_str(LOG_OSD, "x"), -EINVAL);
	ck_assert_int_eq(log_set_level_str(LOG_OSD, "5/"), -EINVAL);
	ck_assert_int_eq(log_set_level_str(LOG_OSD, "100"), -EINVAL);
	ck_assert_int_eq(log_get_level(LOG_OSD), 3);
	ck_assert(log_enabled(LOG_OSD, 3));
	ck_assert(!log_enabled(LOG_OSD, 4));
	ck_assert(log_enabled(LOG_OSD, LOG_LVL_ERR));
}
END_TEST

/* A disabled line does not evaluate its arguments. */
START_TEST(test_disabled_is_cheap)
{
	log_set_level(LOG_MS, 0);
	evaluated = 0;
	log_dbg(LOG_MS, 20, "value %d", side_effect());
	ck_assert_int_eq(evaluated, 0);
	char path[] = "/tmp/cairn-log-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	ck_assert_int_eq(log_open(path), 0);
	log_set_level(LOG_MS, 20);
	log_dbg(LOG_MS, 20, "value %d", side_effect());
	ck_assert_int_eq(evaluated, 1);
	log_close();
	unlink(path);
}
END_TEST

START_TEST(test_file_output)
{
	char path[] = "/tmp/cairn-log-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	ck_assert_int_eq(log_open(path), 0);
	log_set_level(LOG_OSD, 1);
	log_err(LOG_OSD, "pg %d.%x failed: %s", 1, 0x2a, "boom\nsecond");
	log_info(LOG_OSD, "hello");
	log_dbg(LOG_OSD, 10, "hidden");
	log_close();
	char *text = slurp(path);
	ck_assert(strstr(text, " osd ERR pg 1.2a failed: boom second\n"));
	ck_assert(strstr(text, " osd INF hello\n"));
	ck_assert(!strstr(text, "hidden"));
	/* Two lines exactly, each starting with an ISO timestamp. */
	int lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, 2);
	ck_assert(text[4] == '-' && text[10] == 'T');
	unlink(path);
	ck_assert_int_eq(log_open("/nonexistent-dir/x.log"), -ENOENT);
}
END_TEST

START_TEST(test_ratelimit)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT;
	unsigned sup;
	int passed = 0;
	for (int i = 0; i < 100; i++)
		passed += log_ratelimit_pass(&rl, 10, 3600, &sup);
	ck_assert_int_eq(passed, 10);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, test_levels);
	tcase_add_test(tc, test_disabled_is_cheap);
	tcase_add_test(tc, test_file_output);
	tcase_add_test(tc, test_ratelimit);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(log_suite)
