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
 * Both are exposed so tests can compare them.  Thread safe.
 */
#ifndef CAIRN_CRC32C_H
#define CAIRN_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *data, size_t len);

uint32_t crc32c_sw(uint32_t crc, const void *data, size_t len);
/* Only valid when crc32c_hw_available() is true. */
uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len);
bool crc32c_hw_available(void);
/* "sse4.2" or "software": what crc32c() uses. */
const char *crc32c_impl_name(void);

#endif
