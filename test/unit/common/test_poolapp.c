/*
 * test_poolapp.c - a pool's applications and metadata as one text field.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolapp.h"

/* Renders @apps as "app{k=v,...};..." through poolapp_each, to compare whole states. */
static int render_cb(void *arg, const char *app, size_t al, const char *key, size_t kl,
		     const char *val, size_t vl)
{
	char *out = arg;
	size_t n = strlen(out);
	if (!key)
		snprintf(out + n, 512 - n, "%s%.*s:", n ? ";" : "", (int)al, app);
	else
		snprintf(out + n, 512 - n, "%.*s=%.*s,", (int)kl, key, (int)vl, val);
	return 0;
}

static const char *render(const char *apps)
{
	static char out[512];
	out[0] = '\0';
	ck_assert_int_eq(poolapp_each(apps, NULL, render_cb, out), 0);
	return out;
}

START_TEST(test_edit_sorted)
{
	char apps[256] = "";
	ck_assert_int_eq(poolapp_count(apps), 0);
	ck_assert_int_eq(poolapp_enable(apps, sizeof(apps), "rgw"), 0);
	ck_assert_int_eq(poolapp_enable(apps, sizeof(apps), "cephfs"), 0);
	ck_assert_int_eq(poolapp_enable(apps, sizeof(apps), "rgw"), 0); /* again: no change */
	ck_assert_int_eq(poolapp_count(apps), 2);
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rgw", "zone", "b"), 0);
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rgw", "a", ""), 0);
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rgw", "zone", "c"), 0); /* replace */
	ck_assert_str_eq(render(apps), "cephfs:;rgw:a=,zone=c,");
	ck_assert_str_eq(apps, "cephfs\nrgw\nrgw\ta\t\nrgw\tzone\tc\n");
	ck_assert(poolapp_has(apps, "rgw"));
	ck_assert(!poolapp_has(apps, "rbd"));
	ck_assert(!poolapp_has(apps, "rg"));
	ck_assert_int_eq(poolapp_rm(apps, sizeof(apps), "rgw", "a"), 0);
	ck_assert_int_eq(poolapp_rm(apps, sizeof(apps), "rgw", "a"), -ENOENT);
	ck_assert_int_eq(poolapp_disable(apps, sizeof(apps), "rgw"), 0);
	ck_assert_str_eq(render(apps), "cephfs:");
	ck_assert_int_eq(poolapp_disable(apps, sizeof(apps), "rgw"), -ENOENT);
}
END_TEST

START_TEST(test_errors_leave_text_alone)
{
	char apps[40] = "rbd";
	/* The form older maps stored: one bare name. */
	ck_assert(poolapp_valid(apps));
	ck_assert(poolapp_has(apps, "rbd"));
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rgw", "k", "v"), -ENOENT);
	ck_assert_int_eq(poolapp_enable(apps, sizeof(apps), ""), -EINVAL);
	ck_assert_int_eq(poolapp_enable(apps, sizeof(apps), "a\tb"), -EINVAL);
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rbd", "k", "v\nx"), -EINVAL);
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rbd", "", "v"), -EINVAL);
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rbd", "key", "a-value-long-enough-to-overflow"),
			 -ENOSPC);
	ck_assert_str_eq(apps, "rbd");
	ck_assert_int_eq(poolapp_set(apps, sizeof(apps), "rbd", "k", "v"), 0);
	ck_assert_str_eq(apps, "rbd\nrbd\tk\tv\n");
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
	    "\n",	    /* an empty line */
	    "a\tb",	    /* a key without a value field */
	    "a\tk\tv",	    /* metadata of an application not enabled */
	    "a\na",	    /* a duplicate */
	    "a\na\tk\t1\na\tk\t2", /* a duplicate key */
	    "a\t\tv\na",   /* an empty key */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!poolapp_valid(bad[i]), "accepted %zu", i);
		ck_assert_int_eq(poolapp_count(bad[i]), 0);
	}
	ck_assert(poolapp_valid(""));
	ck_assert(poolapp_valid("b\ta\t1\nb\n")); /* any order */
	char long_name[POOLAPP_NAME_MAX + 2];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	ck_assert(!poolapp_valid(long_name));
}
END_TEST

/* Only one application's entries, and a walk that stops early. */
static int stop_at_second(void *arg, const char *app, size_t al, const char *key, size_t kl,
			  const char *val, size_t vl)
{
	int *n = arg;
	(void)app, (void)al, (void)key, (void)kl, (void)val, (void)vl;
	return ++*n == 2 ? 42 : 0;
}

START_TEST(test_each_filter_and_stop)
{
	const char *apps = "a\na\tk\t1\nb\nb\tk\t2\n";
	char out[512] = "";
	ck_assert_int_eq(poolapp_each(apps, "b", render_cb, out), 0);
	ck_assert_str_eq(out, "b:k=2,");
	int n = 0;
	ck_assert_int_eq(poolapp_each(apps, NULL, stop_at_second, &n), 42);
	ck_assert_int_eq(n, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("poolapp");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_edit_sorted);
	tcase_add_test(tc, test_errors_leave_text_alone);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_each_filter_and_stop);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
