/*
 * crush_codec.h - Cairn's binary form of a crush map.
 *
 * This is what the OSDMap carries.  Layout (little-endian, see
 * doc/crush.md): an 16-byte header {magic "CRSH", u16 version, u16 flags,
 * u32 payload length, u32 crc32c of the payload}, then the payload.  The
 * decoder is a trust boundary: every count is bounded by the bytes left,
 * every reference is checked (crush_map_validate), and a map that decodes
 * is safe to hand to crush_do_rule().
 *
 * Threading: pure functions.
 */
#ifndef CRUSH_CRUSH_CODEC_H
#define CRUSH_CRUSH_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "crush.h"

#define CRUSH_CODEC_MAGIC 0x48535243u /* "CRSH" read as a little-endian u32 */
#define CRUSH_CODEC_VERSION 1
#define CRUSH_CODEC_HEADER_SIZE 16
/* Decoder refuses larger inputs (a 100k-OSD map is a few MiB). */
#define CRUSH_CODEC_MAX_SIZE (256u << 20)

/*
 * Encode map into a new malloc()ed buffer (*out_buf, caller frees) of
 * *out_len bytes.  Deterministic: equal maps give identical bytes.
 * Returns 0, -ENOMEM, or -E2BIG if the map exceeds CRUSH_CODEC_MAX_SIZE.
 */
int crush_encode(const struct crush_map *map, uint8_t **out_buf, size_t *out_len);

/*
 * Decode len bytes into a new map (*out_map, caller destroys).
 * Errors: -EBADMSG bad magic or truncated/garbled data (errbuf says
 * where), -EPROTONOSUPPORT unknown version, -EILSEQ checksum mismatch,
 * -EINVAL structurally invalid map, -ENOMEM.
 */
int crush_decode(const uint8_t *buf, size_t len, struct crush_map **out_map, char *errbuf,
		 size_t errlen);

/* Does buf start like an encoded map?  (crushtool uses it to accept either
 * form for -i.) */
int crush_codec_is_binary(const uint8_t *buf, size_t len);

/* CRC-32C (Castagnoli), as used for the checksum; exposed for tests. */
uint32_t crush_crc32c(uint32_t crc, const uint8_t *buf, size_t len);

#endif /* CRUSH_CRUSH_CODEC_H */
