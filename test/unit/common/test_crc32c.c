/* Unit tests for common/crc32c. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/crc32c.h"

static void fill_random(unsigned char *buf, size_t len, unsigned *seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(rand_r(seed) >> 7);
}

static uint32_t rand32(unsigned *seed)
{
	return ((uint32_t)rand_r(seed) << 16) ^ (uint32_t)rand_r(seed) ^
	       ((uint32_t)rand_r(seed) << 31);
}

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
	if (crc32c_hw_available()) {
		ck_assert_uint_eq(crc32c_hw(0, "123456789", 9), 0xE3069283u);
		ck_assert_uint_eq(crc32c_hw_3way(0, "123456789", 9), 0xE3069283u);
	}
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

START_TEST(test_impl_name)
{
	const char *n = crc32c_impl_name();
	ck_assert(strcmp(n, "sse4.2") == 0 || strcmp(n, "software") == 0);
	ck_assert_int_eq(strcmp(n, "sse4.2") == 0, crc32c_hw_available());
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
	fill_random(buf, 70000, &seed);
	for (int trial = 0; trial < 2000; trial++) {
		size_t off = (size_t)rand_r(&seed) % 64;
		size_t len = (size_t)rand_r(&seed) % (trial < 1000 ? 100 : 65536);
		uint32_t init = (uint32_t)rand_r(&seed);
		ck_assert_uint_eq(crc32c_hw(init, buf + off, len), crc32c_sw(init, buf + off, len));
		ck_assert_uint_eq(crc32c_hw_3way(init, buf + off, len),
				  crc32c_sw(init, buf + off, len));
	}
	free(buf);
}
END_TEST

/*
 * The fast path against the software oracle for every length 0..20000,
 * which crosses every tier boundary of the three-chain code (384, 4080,
 * 12288 and the single-chain remainders after each).  The reference for
 * length n+1 extends the one for n by one byte through crc32c_sw, so the
 * oracle costs O(1) per length.  Run once per alignment 0..7, each with its
 * own seed (data and initial CRC), the first with initial CRC 0.
 */
#define EVERY_LEN_MAX 20000

START_TEST(test_fast_every_length)
{
	size_t off = (size_t)_i;
	unsigned seed = 1000u + 7919u * (unsigned)_i;
	unsigned char *buf = malloc(EVERY_LEN_MAX + 16);
	ck_assert_ptr_nonnull(buf);
	fill_random(buf, EVERY_LEN_MAX + 16, &seed);
	const unsigned char *p = buf + off;
	uint32_t init = _i == 0 ? 0 : rand32(&seed);
	bool hw = crc32c_hw_available();

	uint32_t ref = init;
	for (size_t n = 0; n <= EVERY_LEN_MAX; n++) {
		ck_assert_uint_eq(crc32c(init, p, n), ref);
		if (hw)
			ck_assert_uint_eq(crc32c_hw_3way(init, p, n), ref);
		ref = crc32c_sw(ref, p + n, 1);
	}
	free(buf);
}
END_TEST

/* Multi-MiB buffers: many 12 KiB blocks, then every smaller tier. */
START_TEST(test_fast_large)
{
	static const struct {
		size_t off, len;
	} cases[] = {
	    {0, (size_t)1 << 20},
	    {1, ((size_t)1 << 20) + 1},
	    {0, (size_t)4 << 20},
	    {3, ((size_t)4 << 20) + 4095},
	    {5, ((size_t)9 << 20) + 12288 + 4080 + 383},
	};
	size_t max = ((size_t)9 << 20) + 12288 + 4080 + 383 + 8;
	unsigned seed = 4242;
	unsigned char *buf = malloc(max);
	ck_assert_ptr_nonnull(buf);
	fill_random(buf, max, &seed);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *p = buf + cases[i].off;
		uint32_t init = rand32(&seed);
		uint32_t want = crc32c_sw(init, p, cases[i].len);
		ck_assert_uint_eq(crc32c(init, p, cases[i].len), want);
		if (crc32c_hw_available()) {
			ck_assert_uint_eq(crc32c_hw_3way(init, p, cases[i].len), want);
			ck_assert_uint_eq(crc32c_hw(init, p, cases[i].len), want);
		}
	}
	free(buf);
}
END_TEST

/* crc(A||B) from crc(A), crc(B), |B| for random splits of random data. */
START_TEST(test_combine_random)
{
	const size_t size = 100000;
	unsigned seed = 777;
	unsigned char *buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	fill_random(buf, size, &seed);
	for (int trial = 0; trial < 3000; trial++) {
		size_t off = (size_t)rand_r(&seed) % 64;
		size_t len = (size_t)rand_r(&seed) % (trial < 1500 ? 64 : size - 64);
		size_t la = len ? (size_t)rand_r(&seed) % (len + 1) : 0;
		if (trial % 10 == 0)
			la = trial % 20 == 0 ? 0 : len; /* empty A, empty B */
		uint32_t init = trial % 3 == 0 ? 0 : rand32(&seed);
		uint32_t a = crc32c(init, buf + off, la);
		uint32_t b = crc32c(0, buf + off + la, len - la);
		ck_assert_uint_eq(crc32c_combine(a, b, len - la), crc32c(init, buf + off, len));
	}
	free(buf);
}
END_TEST

START_TEST(test_combine_empty)
{
	unsigned seed = 99;
	for (int i = 0; i < 100; i++) {
		uint32_t a = rand32(&seed);
		ck_assert_uint_eq(crc32c_combine(a, 0, 0), a);
		ck_assert_uint_eq(crc32c_combine(a, crc32c(0, "", 0), 0), a);
	}
	/* Combining into an empty A (crc 0 with init 0) is just crc(B). */
	ck_assert_uint_eq(crc32c_combine(0, 0xE3069283u, 9), 0xE3069283u);
}
END_TEST

/*
 * Multi-GiB lengths.  B is X repeated k times, X a random buffer of odd
 * length just over 1 MiB, so |B| runs to several GiB with bits above 2^31
 * set.  crc(B) is folded from crc(X) by k small combines; then one combine
 * with the full |B| must equal k sequential combines of X onto A.  The
 * first few steps are also checked against streaming the real data.
 */
START_TEST(test_combine_huge)
{
	const size_t xlen = ((size_t)1 << 20) + 4099;
	unsigned seed = 31337;
	unsigned char *x = malloc(xlen);
	ck_assert_ptr_nonnull(x);
	fill_random(x, xlen, &seed);
	uint32_t cx = crc32c(0, x, xlen);
	uint32_t init = rand32(&seed);
	uint32_t a = crc32c(init, "cairn", 5);

	uint32_t seq = a;    /* crc(A || X^k), one X at a time */
	uint32_t cb = 0;     /* crc(X^k), folded */
	uint32_t data_a = a; /* crc(A || X^k) streamed over the real bytes */
	uint32_t data_b = 0; /* crc(X^k) streamed */
	size_t kmax = SIZE_MAX / xlen < 3500 ? SIZE_MAX / xlen : 3500;
	for (size_t k = 1; k <= kmax; k++) {
		seq = crc32c_combine(seq, cx, xlen);
		cb = crc32c_combine(cb, cx, xlen);
		if (k <= 3) {
			data_a = crc32c(data_a, x, xlen);
			data_b = crc32c(data_b, x, xlen);
			ck_assert_uint_eq(seq, data_a);
			ck_assert_uint_eq(cb, data_b);
		}
		if (k % 500 == 0 || k == 2049 || k == 3333 || k == kmax)
			ck_assert_uint_eq(crc32c_combine(a, cb, k * xlen), seq);
	}
	free(x);
}
END_TEST

/*
 * The generator is (x + 1) times a primitive polynomial of degree 31, so x
 * has multiplicative order 2^31 - 1 modulo it: appending 2^31 - 1 zero
 * bytes (x^(8 * (2^31 - 1)) = 1) is the identity on the register.  That
 * gives answers for huge lengths that do not come from the combine code.
 */
START_TEST(test_combine_period)
{
	const size_t period = ((size_t)1 << 31) - 1;
	unsigned seed = 2718;
	for (int i = 0; i < 200; i++) {
		uint32_t a = rand32(&seed), b = rand32(&seed);
		size_t r = (size_t)rand_r(&seed) % 100000;
		ck_assert_uint_eq(crc32c_combine(a, b, period), a ^ b);
		ck_assert_uint_eq(crc32c_combine(a, b, period + r), crc32c_combine(a, b, r));
		ck_assert_uint_eq(crc32c_combine(a, b, 2 * period + r), crc32c_combine(a, b, r));
#if SIZE_MAX > 0xffffffffu
		ck_assert_uint_eq(crc32c_combine(a, b, 1000 * period + r), crc32c_combine(a, b, r));
		/* 2^64 = 2^(2 * 31 + 2) = 4 (mod 2^31 - 1), so SIZE_MAX = 3. */
		ck_assert_uint_eq(crc32c_combine(a, b, SIZE_MAX), crc32c_combine(a, b, 3));
#endif
	}
#if SIZE_MAX > 0xffffffffu
	/* And against real data: 3 bytes appended. */
	uint32_t a = crc32c(0, "12345", 5);
	ck_assert_uint_eq(crc32c_combine(a, crc32c(0, "678", 3), SIZE_MAX),
			  crc32c(0, "12345678", 8));
#endif
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
	tcase_add_loop_test(tc, test_fast_every_length, 0, 8);
	tcase_add_test(tc, test_fast_large);
	suite_add_tcase(s, tc);
	tc = tcase_create("combine");
	tcase_add_test(tc, test_combine_random);
	tcase_add_test(tc, test_combine_empty);
	tcase_add_test(tc, test_combine_huge);
	tcase_add_test(tc, test_combine_period);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(crc32c_suite)
