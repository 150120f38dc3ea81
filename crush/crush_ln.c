/*
 * crush_ln.c - fixed-point -log2(u) for the straw2 draw.
 *
 * straw2 gives every item an exponentially distributed "straw length"
 * -ln(U)/w with U uniform in (0,1]; the shortest straw wins, and item i
 * wins with probability exactly w_i / sum(w) (the minimum of independent
 * exponentials).  Because each item's draw depends only on its own id and
 * weight, changing one weight can only move data to or from that item.
 * Any fixed base of the logarithm gives the same race, so we use log2.
 *
 * The logarithm must be bit-identical everywhere, so no floating point:
 *
 *   u = 2^n * m, m in [1,2)            (n from the leading-zero count)
 *   m = (1 + i/256) * (1 + t)           (i = the top 8 fraction bits)
 *   log2(m) = T[i] + log2(1 + t),       0 <= t < 1/256
 *   log2(1 + t) = log2(e) * (t - t^2/2 + t^3/3 - ...)
 *
 * T[i] comes from a table derived with integers only (crush_ln_gen.c).
 * t is formed with a reciprocal table (R[i] = 2^41/(256+i)) so there is no
 * division.  With t < 2^-8 the series' first omitted term t^4/4 is below
 * 2^-34, under the 2^-32 resolution of the result; the truncations of the
 * products add a few units in the last place.  The unit test compares all
 * of this against libm over the whole range.
 *
 * Thread-safe: pure function over constant tables.
 */
#include <stdint.h>

#include "crush_int.h"

#include "crush_ln_table.inc"

/* log2(e) in 1.32 fixed point (1.4426950408889634 * 2^32, rounded). */
#define LOG2E_Q32 6196328019ull

uint64_t crush__neglog2(uint32_t u)
{
	if (u == 0)
		u = 1; /* the hash can be 0; treat it as the smallest step */
	uint32_t n = 31 - (uint32_t)__builtin_clz(u);
	uint32_t m = u << (31 - n); /* 1.31: [2^31, 2^32) */
	uint32_t i = (m >> 23) & 0xff;
	uint64_t d = m & 0x7fffff; /* m - (256 + i) * 2^23 */
	uint64_t t = (d * crush__recip_table[i]) >> 32; /* 0.32, < 2^24 */
	uint64_t t2 = (t * t) >> 32;
	uint64_t t3 = (t2 * t) >> 32;
	uint64_t ln = t - t2 / 2 + t3 / 3;
	uint64_t lg = (ln * LOG2E_Q32) >> 32;
	uint64_t log2m = (uint64_t)crush__log2_table[i] + lg; /* < 2^32 */

	return ((uint64_t)(32 - n) << 32) - log2m;
}
