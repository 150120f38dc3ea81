/* Unit tests for common/crc32c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/crc32c.h"

/* Published CRC-32C check values (RFC 3720 B.4 and the "check" string). */
START_TEST(test_vectors)
{
	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc32c(0, "", 0), 0);

	unsigned char buf[32];
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x113FDB5Cu);
}
END_TEST

START_TEST(test_sw_vectors)
{
	ck_assert_uint_eq(crc32c_sw(0, "123456789", 9), 0xE3069283u);
	if (crc32c_hw_available())
		ck_assert_uint_eq(crc32c_hw(0, "123456789", 9), 0xE3069283u);
}
END_TEST

START_TEST(test_chaining)
{
	const char *s = "The quick brown fox jumps over the lazy dog";
	size_t len = strlen(s);
	uint32_t whole = crc32c(0, s, len);
	for (size_t cut = 0; cut <= len; cut++)
		ck_assert_uint_eq(crc32c(crc32c(0, s, cut), s + cut, len - cut), whole);
}
END_TEST

/* Hardware and software agree on random data at every alignment and length. */
START_TEST(test_hw_matches_sw)
{
	if (!crc32c_hw_available())
		return;
	unsigned seed = 12345;
	unsigned char *buf = malloc(70000);
	ck_assert_ptr_nonnull(buf);
	for (int i = 0; i < 70000; i++)
		buf[i] = (unsigned char)rand_r(&seed);
	for (int trial = 0; trial < 2000; trial++) {
		size_t off = (size_t)rand_r(&seed) % 64;
		size_t len = (size_t)rand_r(&seed) % (trial < 1000 ? 100 : 65536);
		uint32_t init = (uint32_t)rand_r(&seed);
		ck_assert_uint_eq(crc32c_hw(init, buf + off, len), crc32c_sw(init, buf + off, len));
	}
	free(buf);
}
END_TEST

START_TEST(test_impl_name)
{
	const char *n = crc32c_impl_name();
	ck_assert(strcmp(n, "sse4.2") == 0 || strcmp(n, "software") == 0);
	ck_assert_int_eq(strcmp(n, "sse4.2") == 0, crc32c_hw_available());
}
END_TEST

static Suite *crc32c_suite(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_sw_vectors);
	tcase_add_test(tc, test_chaining);
	tcase_add_test(tc, test_impl_name);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_add_test(tc, test_hw_matches_sw);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(crc32c_suite)
