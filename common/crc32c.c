/*
 * crc32c.c - CRC-32C, software and SSE4.2.  See crc32c.h.
 *
 * Three implementations of one function, plus crc32c_combine():
 *
 * - crc32c_sw: "slicing by 8": eight 256-entry tables let the loop fold
 *   eight input bytes per step.  Table k holds the CRC contribution of a
 *   byte that is followed by k zero bytes, so the eight lookups of one step
 *   can be XORed together.  The portable fallback and the tests' oracle.
 * - crc32c_hw: one chain of SSE4.2 crc32 instructions, 8 bytes each.  Each
 *   instruction needs the previous one's result; with a latency of 3 cycles
 *   and a throughput of 1 per cycle the chain runs the unit at a third of
 *   its rate.
 * - crc32c_hw_3way: three independent chains over three adjacent slices of
 *   a block, merged with a precomputed "append N zero bytes" operator.
 *   What crc32c() uses on SSE4.2 machines.
 *
 * All tables are computed from the polynomial at first use, under
 * pthread_once, and are read-only afterwards; every function is reentrant
 * and may run on any thread.
 *
 * The mathematics
 * ---------------
 * Read the 32-bit CRC register as a polynomial over GF(2) of degree < 32,
 * reflected: bit i is the coefficient of x^(31-i).  Feeding one message bit
 * m computes R' = (R + m*x^31) * x mod P, where P is the CRC-32C generator
 * (x^32 + the terms whose reflected bit pattern is 0x82F63B78).  In bits:
 * XOR m into bit 0, shift right (multiply by x), and if a 1 fell off bit 0
 * (an x^32 appeared) XOR in P's low terms, 0x82F63B78.
 *
 * So a zero bit multiplies R by x mod P.  That map is linear over GF(2)
 * (the XOR of two registers goes to the XOR of their images), hence a 32x32
 * bit matrix; call it M.  Appending n zero bytes is M^(8n), multiplication
 * by x^(8n) mod P; write Z_n for it.  Since each step is "linear map of the
 * register, XOR something that depends only on the data", running a
 * message S of s bytes from a start register r ends in
 *
 *     reg(S, r) = Z_s(r) ^ reg(S, 0).                                   (1)
 *
 * Matrices are stored by columns: col[i] is the image of the register
 * with only bit i set, and applying one to v XORs together the columns of
 * v's set bits.  Composition is column-wise: (A B).col[i] = A(B.col[i]).
 * M's columns are read off the bit rule above: bit 0 goes to 0x82F63B78,
 * bit i > 0 to bit i-1.  Squaring M gives M^2, squaring again M^4, then
 * M^8 = Z_1 (one zero byte), and every further squaring doubles the byte
 * count: Z_1, Z_2, Z_4, ..., Z_(2^63) (64 squarings at init, each 32
 * matrix-vector products).  All of these are powers of M, so they commute,
 * and Z_n for any n is the product of the Z_(2^k) for the bits k set in n:
 * exponentiation by squaring, with the squarings done once.
 *
 * A general matrix-vector product costs up to 32 conditional XORs.  For a
 * fixed n it shrinks to four table lookups: by linearity,
 *
 *     Z_n(v) = Z_n(v & 0xff) ^ Z_n(v & 0xff00) ^ Z_n(v & 0xff0000) ^
 *              Z_n(v & 0xff000000),
 *
 * so tabulate T_j[b] = Z_n(b << 8j) for j = 0..3, b = 0..255 (4 KiB).
 *
 * Three chains.  Cut a block into three slices A, B, C of l bytes each.
 * By (1), starting from register r,
 *
 *     reg(A||B||C, r) = Z_l( Z_l( reg(A, r) ) ^ reg(B, 0) ) ^ reg(C, 0),
 *
 * and the three reg() terms are independent crc32 chains the CPU overlaps,
 * merged at the end of the block by two applications of the Z_l tables.
 * Blocks use a few fixed slice lengths (tier_len below), largest first, so
 * each needs its own 4 KiB of tables; the remainder runs one chain.
 *
 * Combining.  crc32c(init, S) = ~reg(S, ~init).  Let a = crc32c(init, A),
 * b = crc32c(0, B) and n = |B|.  By (1) and linearity (Z_n(~v) =
 * Z_n(v) ^ Z_n(~0)):
 *
 *     crc32c(init, A||B) = ~( Z_n(~a) ^ reg(B, 0) )
 *     b                  = ~( Z_n(~0) ^ reg(B, 0) )
 *
 * and XORing the two lines, the Z_n(~0) and the inversions cancel:
 *
 *     crc32c(init, A||B) = Z_n(a) ^ b.
 */
#include "crc32c.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#define CRC32C_POLY 0x82F63B78u

static uint32_t sw_table[8][256];
static pthread_once_t sw_once = PTHREAD_ONCE_INIT;

static void sw_table_init(void)
{
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? CRC32C_POLY : 0);
		sw_table[0][b] = c;
	}
	for (uint32_t b = 0; b < 256; b++)
		for (int t = 1; t < 8; t++)
			sw_table[t][b] =
			    (sw_table[t - 1][b] >> 8) ^ sw_table[0][sw_table[t - 1][b] & 0xff];
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&sw_once, sw_table_init);
	crc = ~crc;
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		crc = (crc >> 8) ^ sw_table[0][(crc ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		uint64_t v = load_le64(p) ^ crc;
		crc = sw_table[7][v & 0xff] ^ sw_table[6][(v >> 8) & 0xff] ^
		      sw_table[5][(v >> 16) & 0xff] ^ sw_table[4][(v >> 24) & 0xff] ^
		      sw_table[3][(v >> 32) & 0xff] ^ sw_table[2][(v >> 40) & 0xff] ^
		      sw_table[1][(v >> 48) & 0xff] ^ sw_table[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ sw_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

/* ---- GF(2) operators: "append n zero bytes" (see the top comment) ---- */

/* A linear map of CRC registers; col[i] is the image of bit i alone. */
struct gf2_op {
	uint32_t col[32];
};

/* An operator specialised for one n: Z_n(v) = XOR of t[j][byte j of v]. */
struct gf2_tab {
	uint32_t t[4][256];
};

#define ZERO_POW2_COUNT (sizeof(size_t) * CHAR_BIT)

/* zero_pow2[k] = Z_(2^k): append 2^k zero bytes.  Read-only after init. */
static struct gf2_op zero_pow2[ZERO_POW2_COUNT];

/*
 * Slice lengths of the three-chain blocks, largest first, multiples of 8.
 * 4096 (12 KiB blocks) makes the merge cost vanish on large buffers; 1360
 * (3 x 1360 = 4080) takes a 4 KiB page, the store's block, in one block
 * plus a 16-byte tail; 128 (384-byte blocks, CRC32C_3WAY_MIN) still wins
 * about 2x and bounds the single-chain remainder to 383 bytes.
 */
static const size_t tier_len[] = {4096, 1360, 128};
#define TIER_COUNT (sizeof(tier_len) / sizeof(tier_len[0]))

/* tier_tab[i] tabulates Z_(tier_len[i]).  Read-only after init. */
static struct gf2_tab tier_tab[TIER_COUNT] __attribute__((aligned(64)));
static pthread_once_t gf2_once = PTHREAD_ONCE_INIT;

_Static_assert(3 * 128 == CRC32C_3WAY_MIN, "smallest tier must match the header");

static uint32_t op_apply(const struct gf2_op *m, uint32_t v)
{
	uint32_t r = 0;

	for (int i = 0; v != 0; i++, v >>= 1)
		if (v & 1)
			r ^= m->col[i];
	return r;
}

/* out = a after b (apply b first).  out may not alias a or b. */
static void op_compose(struct gf2_op *out, const struct gf2_op *a, const struct gf2_op *b)
{
	for (int i = 0; i < 32; i++)
		out->col[i] = op_apply(a, b->col[i]);
}

/* Z_n(v) through the precomputed squarings: at most 64 products. */
static uint32_t zero_bytes_apply(uint32_t v, size_t n)
{
	for (unsigned k = 0; n != 0; k++, n >>= 1)
		if (n & 1)
			v = op_apply(&zero_pow2[k], v);
	return v;
}

static void gf2_init(void)
{
	struct gf2_op bit, two, four;

	/* M, one zero bit: bit 0 reduces to the polynomial, the rest shift. */
	bit.col[0] = CRC32C_POLY;
	for (int i = 1; i < 32; i++)
		bit.col[i] = 1u << (i - 1);
	op_compose(&two, &bit, &bit);
	op_compose(&four, &two, &two);
	op_compose(&zero_pow2[0], &four, &four);
	for (size_t k = 1; k < ZERO_POW2_COUNT; k++)
		op_compose(&zero_pow2[k], &zero_pow2[k - 1], &zero_pow2[k - 1]);

	for (size_t i = 0; i < TIER_COUNT; i++)
		for (uint32_t j = 0; j < 4; j++)
			for (uint32_t b = 0; b < 256; b++)
				tier_tab[i].t[j][b] = zero_bytes_apply(b << (8 * j), tier_len[i]);
}

static inline uint32_t tab_apply(const struct gf2_tab *z, uint32_t v)
{
	return z->t[0][v & 0xff] ^ z->t[1][(v >> 8) & 0xff] ^ z->t[2][(v >> 16) & 0xff] ^
	       z->t[3][v >> 24];
}

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b)
{
	pthread_once(&gf2_once, gf2_init);
	return zero_bytes_apply(crc_a, len_b) ^ crc_b;
}

/* ---- SSE4.2 ---- */

#if defined(__x86_64__)
#define HW_TARGET __attribute__((target("sse4.2")))

/* One serial chain on the raw (already inverted) register. */
HW_TARGET static inline uint64_t hw_chain(uint64_t c, const uint8_t *p, size_t len)
{
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
		len--;
	}
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, sizeof(v));
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return c;
}

HW_TARGET uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len)
{
	return ~(uint32_t)hw_chain(~crc, data, len);
}

HW_TARGET uint32_t crc32c_hw_3way(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t c = ~crc;

	if (len < CRC32C_3WAY_MIN)
		return ~(uint32_t)hw_chain(c, p, len);

	pthread_once(&gf2_once, gf2_init);
	/* Align so the 8-byte loads of all three slices stay aligned. */
	while (((uintptr_t)p & 7) != 0) {
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
		len--;
	}
	for (size_t i = 0; i < TIER_COUNT; i++) {
		const size_t l = tier_len[i];
		const struct gf2_tab *z = &tier_tab[i];

		while (len >= 3 * l) {
			const uint8_t *end = p + l;
			uint64_t c1 = 0, c2 = 0;

			do {
				uint64_t v0, v1, v2;
				memcpy(&v0, p, 8);
				memcpy(&v1, p + l, 8);
				memcpy(&v2, p + 2 * l, 8);
				c = __builtin_ia32_crc32di(c, v0);
				c1 = __builtin_ia32_crc32di(c1, v1);
				c2 = __builtin_ia32_crc32di(c2, v2);
				p += 8;
			} while (p < end);
			c = tab_apply(z, tab_apply(z, (uint32_t)c) ^ (uint32_t)c1) ^ (uint32_t)c2;
			p += 2 * l;
			len -= 3 * l;
		}
	}
	return ~(uint32_t)hw_chain(c, p, len);
}

bool crc32c_hw_available(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len)
{
	return crc32c_sw(crc, data, len);
}

uint32_t crc32c_hw_3way(uint32_t crc, const void *data, size_t len)
{
	return crc32c_sw(crc, data, len);
}

bool crc32c_hw_available(void)
{
	return false;
}
#endif

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);
static crc_fn impl;
static pthread_once_t impl_once = PTHREAD_ONCE_INIT;

static void impl_init(void)
{
	impl = crc32c_hw_available() ? crc32c_hw_3way : crc32c_sw;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	pthread_once(&impl_once, impl_init);
	return impl(crc, data, len);
}

const char *crc32c_impl_name(void)
{
	pthread_once(&impl_once, impl_init);
	return impl == crc32c_sw ? "software" : "sse4.2";
}
