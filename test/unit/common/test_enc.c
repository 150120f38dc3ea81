/* Unit tests for common/enc: integer encodings, bounded reader, base64. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/enc.h"

START_TEST(test_le_be)
{
	uint8_t b[8];
	enc_put_le32(b, 0x11223344);
	ck_assert_uint_eq(b[0], 0x44);
	ck_assert_uint_eq(b[3], 0x11);
	ck_assert_uint_eq(enc_get_le32(b), 0x11223344);
	enc_put_be32(b, 0x11223344);
	ck_assert_uint_eq(b[0], 0x11);
	ck_assert_uint_eq(enc_get_be32(b), 0x11223344);
	enc_put_le64(b, 0x0102030405060708ULL);
	ck_assert_uint_eq(b[0], 8);
	ck_assert(enc_get_le64(b) == 0x0102030405060708ULL);
	enc_put_be64(b, 0x0102030405060708ULL);
	ck_assert_uint_eq(b[0], 1);
	ck_assert(enc_get_be64(b) == 0x0102030405060708ULL);
	enc_put_le16(b, 0xabcd);
	ck_assert_uint_eq(enc_get_le16(b), 0xabcd);
	enc_put_be16(b, 0xabcd);
	ck_assert_uint_eq(b[0], 0xab);
	ck_assert_uint_eq(enc_get_be16(b), 0xabcd);
}
END_TEST

/* Big-endian keys sort like the numbers they encode. */
START_TEST(test_be_order)
{
	uint8_t a[8], b[8];
	uint64_t vals[] = {0, 1, 255, 256, 65535, 1ULL << 32, UINT64_MAX - 1, UINT64_MAX};
	for (size_t i = 0; i + 1 < sizeof(vals) / sizeof(vals[0]); i++) {
		enc_put_be64(a, vals[i]);
		enc_put_be64(b, vals[i + 1]);
		ck_assert_int_lt(memcmp(a, b, 8), 0);
	}
}
END_TEST

START_TEST(test_reader_bounds)
{
	uint8_t data[7] = {1, 2, 0, 3, 0, 0, 0};
	struct enc_rd r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	enc_rd_init(&r, data, sizeof(data));
	ck_assert_int_eq(enc_rd_u8(&r, &u8), 0);
	ck_assert_uint_eq(u8, 1);
	ck_assert_int_eq(enc_rd_le16(&r, &u16), 0);
	ck_assert_uint_eq(u16, 2);
	ck_assert_int_eq(enc_rd_le64(&r, &u64), -EINVAL); /* only 4 left */
	ck_assert_uint_eq(enc_rd_left(&r), 4);
	ck_assert_int_eq(enc_rd_le32(&r, &u32), 0);
	ck_assert_uint_eq(u32, 3);
	ck_assert_int_eq(enc_rd_u8(&r, &u8), -EINVAL);
	const uint8_t *p;
	ck_assert_int_eq(enc_rd_ref(&r, 1, &p), -EINVAL);
	ck_assert_int_eq(enc_rd_ref(&r, 0, &p), 0);
}
END_TEST

/* RFC 4648 section 10 test vectors. */
START_TEST(test_b64_vectors)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					    "Zm9vYmFy"};
	for (int i = 0; i < 7; i++) {
		char out[32];
		uint8_t back[32];
		int n = enc_b64_encode(plain[i], strlen(plain[i]), out, sizeof(out));
		ck_assert_int_eq(n, (int)strlen(coded[i]));
		ck_assert_str_eq(out, coded[i]);
		ck_assert_uint_eq(enc_b64_encoded_len(strlen(plain[i])), strlen(coded[i]));
		n = enc_b64_decode(coded[i], strlen(coded[i]), back, sizeof(back));
		ck_assert_int_eq(n, (int)strlen(plain[i]));
		ck_assert(memcmp(back, plain[i], (size_t)n) == 0);
	}
}
END_TEST

START_TEST(test_b64_errors)
{
	uint8_t out[64];
	char small[4];
	ck_assert_int_eq(enc_b64_encode("foo", 3, small, sizeof(small)), -ERANGE);
	ck_assert_int_eq(enc_b64_decode("Zm9", 3, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(enc_b64_decode("Zm9v!", 5, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(enc_b64_decode("Z===", 4, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(enc_b64_decode("Zg==Zg==", 8, out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(enc_b64_decode("Zm9vYmFy", 8, out, 5), -ERANGE);
	/* Whitespace (as in wrapped keyrings) is skipped. */
	ck_assert_int_eq(enc_b64_decode(" Zm9v\nYmFy ", 11, out, sizeof(out)), 6);
	/* A keyring-sized secret survives a round trip. */
	uint8_t key[40];
	char text[64];
	for (int i = 0; i < 40; i++)
		key[i] = (uint8_t)(i * 37 + 11);
	ck_assert_int_gt(enc_b64_encode(key, sizeof(key), text, sizeof(text)), 0);
	ck_assert_int_eq(enc_b64_decode(text, strlen(text), out, sizeof(out)), 40);
	ck_assert(memcmp(out, key, 40) == 0);
}
END_TEST

static Suite *enc_suite(void)
{
	Suite *s = suite_create("enc");
	TCase *tc = tcase_create("integers");
	tcase_add_test(tc, test_le_be);
	tcase_add_test(tc, test_be_order);
	tcase_add_test(tc, test_reader_bounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64");
	tcase_add_test(tc, test_b64_vectors);
	tcase_add_test(tc, test_b64_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(enc_suite)
