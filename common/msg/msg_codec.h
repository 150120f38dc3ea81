/*
 * msg_codec.h - the registry of message types and the protobuf codec
 * (private to common/msg).
 *
 * The registry maps each type id to its protobuf-c descriptor and to the
 * functions converting between the plain C body (msg_types.h, or
 * msg_int.h for control frames) and the generated protobuf struct.  It is
 * a constant table: message types are known at build time.
 *
 * Decoding is a trust boundary: lengths are bounded by the frame header
 * check before we get here, protobuf-c unpacks with our allocator (so
 * allocation failures are detected and can be injected), and every field
 * is range-checked while it is copied into the C body.
 */
#ifndef CAIRN_MSG_CODEC_H
#define CAIRN_MSG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if @type is in the registry. */
bool msg_codec_known(uint16_t type);
/* Size of @type's C body (0 for bodiless types such as MSG_T_ACK). */
size_t msg_codec_body_size(uint16_t type);
const char *msg_codec_name(uint16_t type);
/* Every registered type id, ascending; the count in *out_n. */
const uint16_t *msg_codec_types(size_t *out_n);

/*
 * Encode @body into a new malloc'd buffer (*out is NULL for an empty
 * encoding).  0, -ENOMEM, -EMSGSIZE (over MSG_META_MAX).
 */
int msg_codec_encode(uint16_t type, const void *body, uint8_t **out, uint32_t *out_len);
/*
 * Decode @len bytes into @body (zeroed by the caller, body_size bytes).
 * 0, -EBADMSG (undecodable or out of range), -ENOMEM.  On error @body
 * holds nothing that needs freeing.
 */
int msg_codec_decode(uint16_t type, const uint8_t *data, size_t len, void *body);
/* Free what a body owns (strings, arrays); the body itself is the caller's. */
void msg_codec_fini(uint16_t type, void *body);

/*
 * Test hook: make the @nth allocation (1-based) of every later decode
 * fail, until called again with 0.  Not thread safe; tests only.
 */
void msg_codec_inject_alloc_failure(unsigned nth);

#endif
