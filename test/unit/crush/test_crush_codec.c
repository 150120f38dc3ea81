/*
 * test_crush_codec.c - the binary form: round trips, determinism, and
 * rejection of truncated, garbled, mis-versioned and corrupted inputs.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crush_builder.h"
#include "crush_codec.h"
#include "crush_test_util.h"
#include "crush_text.h"

static struct crush_map *rich_map(void)
{
	struct crush_map *map = tu_make_map(2, 3, 3, 1);
	ck_assert_int_eq(crush_set_device_class(map, 2, "ssd"), 0);
	ck_assert_int_eq(crush_set_device_class(map, 5, "ssd"), 0);
	ck_assert_int_eq(crush_add_simple_rule(map, "fast", "default", "host", "ssd",
					       CRUSH_RULE_TYPE_REPLICATED, NULL),
			 0);
	int32_t root;
	ck_assert_int_eq(crush_map_item_by_name(map, "default", &root), 0);
	uint32_t ws[4] = { 1 << 16, 2 << 16, 3 << 16, 4 << 16 };
	int32_t ids[2] = { -100, -200 };
	ck_assert_int_eq(crush_choose_args_set(map, 5, root, 2, ws, ids), 0);
	return map;
}

/* Re-seal a modified payload so the checksum passes. */
static void reseal(uint8_t *buf, size_t len)
{
	uint32_t crc = crush_crc32c(0, buf + CRUSH_CODEC_HEADER_SIZE, len - CRUSH_CODEC_HEADER_SIZE);
	buf[12] = (uint8_t)crc;
	buf[13] = (uint8_t)(crc >> 8);
	buf[14] = (uint8_t)(crc >> 16);
	buf[15] = (uint8_t)(crc >> 24);
}

START_TEST(test_roundtrip)
{
	struct crush_map *map = rich_map();
	uint8_t *buf, *buf2;
	size_t len, len2;
	ck_assert_int_eq(crush_encode(map, &buf, &len), 0);
	ck_assert(crush_codec_is_binary(buf, len));
	struct crush_map *m2 = NULL;
	char err[256];
	ck_assert_int_eq(crush_decode(buf, len, &m2, err, sizeof(err)), 0);
	ck_assert(crush_map_equal(map, m2));
	ck_assert_int_eq(crush_encode(m2, &buf2, &len2), 0);
	ck_assert_uint_eq(len, len2);
	ck_assert_int_eq(memcmp(buf, buf2, len), 0);
	free(buf);
	free(buf2);
	crush_map_destroy(m2);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_ceph_fixture_roundtrip)
{
	size_t tlen;
	char *text = tu_read_data("ceph_classes.txt", &tlen);
	struct crush_map *map = NULL, *m2 = NULL;
	ck_assert_int_eq(crush_text_compile(text, tlen, &map, NULL, 0), 0);
	uint8_t *buf;
	size_t len;
	ck_assert_int_eq(crush_encode(map, &buf, &len), 0);
	ck_assert_int_eq(crush_decode(buf, len, &m2, NULL, 0), 0);
	ck_assert(crush_map_equal(map, m2));
	free(buf);
	free(text);
	crush_map_destroy(m2);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_truncated)
{
	struct crush_map *map = rich_map();
	uint8_t *buf;
	size_t len;
	ck_assert_int_eq(crush_encode(map, &buf, &len), 0);
	for (size_t n = 0; n < len; n++) {
		struct crush_map *m2 = NULL;
		char err[256] = "";
		int rc = crush_decode(buf, n, &m2, err, sizeof(err));
		ck_assert_int_lt(rc, 0);
		ck_assert_ptr_null(m2);
		ck_assert(err[0] != 0);
		/* truncation with a valid seal hits the structural checks */
		if (n > CRUSH_CODEC_HEADER_SIZE) {
			uint8_t *cp = malloc(n);
			memcpy(cp, buf, n);
			uint32_t plen = (uint32_t)(n - CRUSH_CODEC_HEADER_SIZE);
			cp[8] = (uint8_t)plen;
			cp[9] = (uint8_t)(plen >> 8);
			cp[10] = (uint8_t)(plen >> 16);
			cp[11] = (uint8_t)(plen >> 24);
			reseal(cp, n);
			rc = crush_decode(cp, n, &m2, err, sizeof(err));
			ck_assert_msg(rc == -EBADMSG || rc == -EINVAL, "len %zu rc %d", n, rc);
			free(cp);
		}
	}
	free(buf);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_garbled)
{
	struct crush_map *map = rich_map();
	uint8_t *buf;
	size_t len;
	char err[256];
	ck_assert_int_eq(crush_encode(map, &buf, &len), 0);
	uint8_t *cp = malloc(len);
	/* any flipped bit is caught by the checksum */
	for (size_t i = CRUSH_CODEC_HEADER_SIZE; i < len; i++) {
		memcpy(cp, buf, len);
		cp[i] ^= 0x10;
		struct crush_map *m2 = NULL;
		ck_assert_int_eq(crush_decode(cp, len, &m2, err, sizeof(err)), -EILSEQ);
	}
	/* resealed garbage never crashes; what decodes is valid */
	uint32_t seed = 12345;
	for (int round = 0; round < 3000; round++) {
		memcpy(cp, buf, len);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = CRUSH_CODEC_HEADER_SIZE + (seed >> 8) % (len - CRUSH_CODEC_HEADER_SIZE);
			seed = seed * 1103515245u + 12345u;
			cp[at] = (uint8_t)(seed >> 16);
		}
		reseal(cp, len);
		struct crush_map *m2 = NULL;
		if (crush_decode(cp, len, &m2, err, sizeof(err)) == 0) {
			ck_assert_int_eq(crush_map_validate(m2, NULL, 0), 0);
			crush_map_destroy(m2);
		}
	}
	/* header checks */
	memcpy(cp, buf, len);
	cp[0] = 'X';
	struct crush_map *m2 = NULL;
	ck_assert_int_eq(crush_decode(cp, len, &m2, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "magic"));
	memcpy(cp, buf, len);
	cp[4] = 9;
	ck_assert_int_eq(crush_decode(cp, len, &m2, err, sizeof(err)), -EPROTONOSUPPORT);
	free(cp);
	free(buf);
	crush_map_destroy(map);
}
END_TEST

START_TEST(test_crc32c)
{
	/* the standard check value of CRC-32C */
	ck_assert_uint_eq(crush_crc32c(0, (const uint8_t *)"123456789", 9), 0xe3069283u);
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("crush_codec");
	TCase *tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_ceph_fixture_roundtrip);
	tcase_add_test(tc, test_crc32c);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_garbled);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
