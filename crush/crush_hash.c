/*
 * crush_hash.c - the integer hashes CRUSH draws its pseudo-random numbers
 * from.
 *
 * Every participant must compute identical placements, so these functions
 * are frozen: changing a constant moves every placement group.  They use
 * only 64-bit integer multiply, xor and shift, whose results C defines
 * exactly on every platform.
 *
 * Design: the inputs are packed into 64-bit words and pushed through a
 * multiply/xor-shift finaliser.  One finaliser round avalanches every input
 * bit into every output bit; the third input is folded in between two
 * rounds so that (a, b, c) and (a, b, c') are unrelated streams, which the
 * straw2 draw relies on (r selects an independent draw per replica).  The
 * multipliers are the 64-bit fractional parts of sqrt(2), sqrt(3) and
 * sqrt(5), forced odd so multiplication is a bijection mod 2^64.
 *
 * Thread-safe: pure functions.
 */
#include <stdint.h>

#include "crush_int.h"

#define K_SQRT2 0x6a09e667f3bcc909ull
#define K_SQRT3 0xbb67ae8584caa73bull
#define K_SQRT5 0x3c6ef372fe94f82bull
#define K_SEED 0x1f83d9abfb41bd6bull

static inline uint64_t finalise(uint64_t h)
{
	h ^= h >> 32;
	h *= K_SQRT2;
	h ^= h >> 29;
	h *= K_SQRT3;
	h ^= h >> 32;
	return h;
}

uint32_t crush__hash2(uint32_t a, uint32_t b)
{
	uint64_t h = ((uint64_t)a << 32 | b) ^ K_SEED;

	h = finalise(h);
	return (uint32_t)(h >> 32);
}

uint32_t crush__hash3(uint32_t a, uint32_t b, uint32_t c)
{
	uint64_t h = ((uint64_t)a << 32 | b) ^ K_SEED;

	h = finalise(h);
	h ^= ((uint64_t)c + 1) * K_SQRT5;
	h = finalise(h);
	return (uint32_t)(h >> 32);
}
