/*
 * crc32c.h - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
 *
 * crc32c(0, data, len) is the standard CRC-32C of the bytes (the value
 * iSCSI, ext4 and the published test vectors use: "123456789" gives
 * 0xE3069283).  The pre- and post-inversion happen inside, so results
 * chain:  crc32c(crc32c(0, a, la), b, lb) == crc32c(0, a||b, la + lb).
 *
 * The implementation is chosen once, at first use: SSE4.2's crc32
 * instruction when the CPU has it, a table-driven slicing-by-8 otherwise.
 * With SSE4.2, inputs of CRC32C_3WAY_MIN bytes or more run three
 * independent crc32 chains over interleaved blocks and merge them (see
 * crc32c.c); shorter ones use one chain.  Every variant returns the same
 * value for the same arguments; all are exposed so tests and benchmarks
 * can compare them.
 *
 * All functions are pure (no errors, no allocation), never block beyond a
 * one-time table set-up under pthread_once on first use, and may be called
 * from any thread concurrently.
 */
#ifndef CAIRN_CRC32C_H
#define CAIRN_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Inputs shorter than this never take the three-chain path. */
#define CRC32C_3WAY_MIN 384

/*
 * crc32c - extend @crc over @len bytes at @data (borrowed, any alignment;
 * may be NULL when @len is 0).  Pass 0 to start a new checksum, or a
 * previous result to continue it.  Returns the new CRC.
 */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/* Same contract as crc32c(), always the portable slicing-by-8 code. */
uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len);
/*
 * Same contract as crc32c(), one serial chain of SSE4.2 crc32 instructions.
 * Only valid when crc32c_hw_available() is true.
 */
uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len);
/*
 * Same contract as crc32c(), three interleaved SSE4.2 chains for inputs of
 * CRC32C_3WAY_MIN bytes or more (one chain below).  What crc32c() runs when
 * SSE4.2 is present.  Only valid when crc32c_hw_available() is true; on
 * non-x86-64 builds it is crc32c_sw().
 */
uint32_t crc32c_hw_3way(uint32_t crc, const void *data, size_t len);
bool crc32c_hw_available(void);
/* "sse4.2" or "software": what crc32c() uses. */
const char *crc32c_impl_name(void);

/*
 * crc32c_combine - the CRC of a concatenation from the CRCs of its parts.
 * @crc_a: crc32c(init, A, len_a) for any init (usually 0).
 * @crc_b: crc32c(0, B, len_b); note the 0: B's CRC must start fresh.
 * @len_b: length of B in bytes; any value, 0 included (then @crc_b must be
 *         0 and @crc_a is returned).
 * Returns crc32c(init, A||B, len_a + len_b) without touching the data, in
 * O(log len_b) time (at most 64 table-free 32x32 bit matrix-vector
 * products).  Lets scatter-gather lists be checksummed piecewise, in any
 * order or in parallel, and the pieces merged.
 */
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b);

#endif
