/* Unit tests for common/json: writer, parser, limits, hostile input. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/json.h"

START_TEST(test_writer)
{
	struct buf b = BUF_INIT;
	struct json_w w;
	json_w_init(&w, &b, false);
	json_w_obj_begin(&w);
	json_w_kv_str(&w, "prefix", "osd pool create");
	json_w_kv_int(&w, "pg_num", -32);
	json_w_kv_uint(&w, "big", 18446744073709551615ULL);
	json_w_kv_bool(&w, "yes", true);
	json_w_kv_double(&w, "ratio", 0.5);
	json_w_key(&w, "list");
	json_w_arr_begin(&w);
	json_w_str(&w, "a\"b\\c\n\x01");
	json_w_null(&w);
	json_w_arr_begin(&w);
	json_w_arr_end(&w);
	json_w_arr_end(&w);
	json_w_key(&w, "empty");
	json_w_obj_begin(&w);
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	ck_assert_int_eq(json_w_error(&w), 0);
	ck_assert_str_eq(buf_cstr(&b),
			 "{\"prefix\":\"osd pool create\",\"pg_num\":-32,\"big\":18446744073709551615,"
			 "\"yes\":true,\"ratio\":0.5,\"list\":[\"a\\\"b\\\\c\\n\\u0001\",null,[]],"
			 "\"empty\":{}}");
	buf_fini(&b);

	json_w_init(&w, &b, true);
	json_w_obj_begin(&w);
	json_w_kv_int(&w, "a", 1);
	json_w_key(&w, "b");
	json_w_arr_begin(&w);
	json_w_int(&w, 2);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	ck_assert_str_eq(buf_cstr(&b), "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}");
	buf_fini(&b);

	/* Misuse is reported, not crashed on. */
	json_w_init(&w, &b, false);
	json_w_obj_end(&w);
	ck_assert_int_eq(json_w_error(&w), -EINVAL);
	buf_fini(&b);
}
END_TEST

START_TEST(test_parse_and_access)
{
	const char *text = " {\"prefix\": \"osd pool create\", \"pool\": \"rbd\", \"pg_num\": 64,"
			   " \"pgp_num\": \"32\", \"f\": 1.25, \"yes\": true, \"no\": \"false\","
			   " \"n\": null, \"arr\": [1, [2], {\"x\": \"\\u00e9\\ud83d\\ude00\"}],"
			   " \"pool\": \"rbd2\"} ";
	struct json_val *v;
	char err[128];
	ck_assert_int_eq(json_parse(text, strlen(text), &v, err, sizeof(err)), 0);
	ck_assert_int_eq(json_type(v), JSON_OBJECT);
	const char *s;
	ck_assert_int_eq(json_get_str(v, "prefix", &s), 0);
	ck_assert_str_eq(s, "osd pool create");
	ck_assert_int_eq(json_get_str(v, "pool", &s), 0);
	ck_assert_str_eq(s, "rbd2"); /* last duplicate wins */
	int64_t i;
	ck_assert_int_eq(json_get_int(v, "pg_num", &i), 0);
	ck_assert_int_eq(i, 64);
	ck_assert_int_eq(json_get_int(v, "pgp_num", &i), 0);
	ck_assert_int_eq(i, 32);
	ck_assert_int_eq(json_get_int(v, "f", &i), -EINVAL);
	ck_assert_int_eq(json_get_int(v, "prefix", &i), -EINVAL);
	ck_assert_int_eq(json_get_int(v, "missing", &i), -ENOENT);
	bool b;
	ck_assert_int_eq(json_get_bool(v, "yes", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(json_get_bool(v, "no", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(json_type(json_get(v, "n")), JSON_NULL);
	ck_assert(json_number(json_get(v, "f")) == 1.25);
	const struct json_val *arr = json_get(v, "arr");
	ck_assert_uint_eq(json_len(arr), 3);
	ck_assert_int_eq(json_type(json_at(arr, 1)), JSON_ARRAY);
	size_t len;
	const char *x = json_string(json_get(json_at(arr, 2), "x"), &len);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(x, "\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert_ptr_null(json_at(arr, 3));
	ck_assert_str_eq(json_key_at(v, 0), "prefix");

	/* Round trip through the writer and back. */
	struct buf out = BUF_INIT;
	struct json_w w;
	json_w_init(&w, &out, false);
	json_w_value(&w, v);
	struct json_val *v2;
	ck_assert_int_eq(json_parse((char *)out.data, out.len, &v2, err, sizeof(err)), 0);
	struct buf out2 = BUF_INIT;
	json_w_init(&w, &out2, false);
	json_w_value(&w, v2);
	ck_assert_str_eq(buf_cstr(&out), buf_cstr(&out2));
	buf_fini(&out);
	buf_fini(&out2);
	json_free(v2);
	json_free(v);
}
END_TEST

START_TEST(test_parse_errors)
{
	static const char *const bad[] = {
		"",	     "{",	  "{\"a\"}",   "{\"a\":}",  "[1,]",   "[1 2]",  "01",
		"1.",	     "-",	  "+1",	       "tru",	    "\"abc",  "\"\\x\"", "\"\\u12\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\x01\"", "\"\xff\"", "\"\xc0\xaf\"", "{} {}",
		"{1:2}",     "\"\\u0000\"", "nul",     "1e999",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct json_val *v = NULL;
		char err[128] = "";
		int rc = json_parse(bad[k], strlen(bad[k]), &v, err, sizeof(err));
		ck_assert_msg(rc == -EINVAL, "'%s' gave %d", bad[k], rc);
		ck_assert_msg(strncmp(err, "offset ", 7) == 0, "'%s': error '%s'", bad[k], err);
	}
	/* Deep nesting is refused, not a stack overflow. */
	size_t n = 100000;
	char *deep = malloc(n);
	memset(deep, '[', n);
	struct json_val *v;
	char err[128];
	ck_assert_int_eq(json_parse(deep, n, &v, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "nesting"));
	free(deep);
}
END_TEST

/* Random mutations of a valid document: parse or fail cleanly. */
START_TEST(test_parse_fuzz)
{
	static const char base[] = "{\"a\": [1, -2.5e3, \"x\\u00e9\\n\"], \"b\": {\"c\": null,"
				   " \"d\": true}, \"e\": \"\\ud83d\\ude00\"}";
	static const char alphabet[] = "{}[]\",:\\u0123456789.-+eE tfn\xff\xc3";
	unsigned seed = 4242;
	char buf[256];
	int ok = 0, bad = 0;
	for (int iter = 0; iter < 30000; iter++) {
		size_t len = sizeof(base) - 1;
		memcpy(buf, base, len);
		int edits = 1 + rand_r(&seed) % 4;
		for (int e = 0; e < edits; e++) {
			size_t pos = (size_t)rand_r(&seed) % len;
			if (rand_r(&seed) % 3 == 0)
				len = pos + 1;
			else
				buf[pos] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		}
		struct json_val *v = NULL;
		char err[128];
		int rc = json_parse(buf, len, &v, err, sizeof(err));
		if (rc == 0) {
			ok++;
			json_free(v);
		} else {
			ck_assert_int_eq(rc, -EINVAL);
			bad++;
		}
	}
	ck_assert_int_gt(ok, 50);
	ck_assert_int_gt(bad, 1000);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("writer");
	tcase_add_test(tc, test_writer);
	suite_add_tcase(s, tc);
	tc = tcase_create("parser");
	tcase_add_test(tc, test_parse_and_access);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_parse_fuzz);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(json_suite)
