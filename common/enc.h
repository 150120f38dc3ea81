/*
 * enc.h - fixed-width integer encoding and base64.
 *
 * Wire and on-disk integers are little-endian (enc_put_le*, enc_get_le*);
 * RocksDB keys are big-endian so that byte order is numeric order
 * (enc_put_be*, enc_get_be*).  The put/get helpers take raw pointers and do
 * no bounds checking: the bounded reader `struct enc_rd` is for input that
 * came from outside (network, disk) and fails cleanly with -EINVAL at the
 * end of its buffer.
 */
#ifndef CAIRN_ENC_H
#define CAIRN_ENC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void enc_put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static inline void enc_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static inline void enc_put_le64(void *p, uint64_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t enc_get_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t enc_get_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

static inline uint64_t enc_get_le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)enc_get_le32(b) | ((uint64_t)enc_get_le32(b + 4) << 32);
}

static inline void enc_put_be16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void enc_put_be32(void *p, uint32_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (24 - 8 * i));
}

static inline void enc_put_be64(void *p, uint64_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline uint16_t enc_get_be16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t enc_get_be32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) |
	       (uint32_t)b[3];
}

static inline uint64_t enc_get_be64(const void *p)
{
	const uint8_t *b = p;
	return ((uint64_t)enc_get_be32(b) << 32) | (uint64_t)enc_get_be32(b + 4);
}

/*
 * A bounded reader over untrusted bytes.  Every read either succeeds and
 * advances, or returns -EINVAL and leaves the reader where it was.
 */
struct enc_rd {
	const uint8_t *p;
	const uint8_t *end;
};

static inline void enc_rd_init(struct enc_rd *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
}

static inline size_t enc_rd_left(const struct enc_rd *r)
{
	return (size_t)(r->end - r->p);
}

static inline int enc_rd_bytes(struct enc_rd *r, void *out, size_t len)
{
	if (enc_rd_left(r) < len)
		return -EINVAL;
	memcpy(out, r->p, len);
	r->p += len;
	return 0;
}

/* Borrow @len bytes in place (valid as long as the underlying buffer). */
static inline int enc_rd_ref(struct enc_rd *r, size_t len, const uint8_t **out)
{
	if (enc_rd_left(r) < len)
		return -EINVAL;
	*out = r->p;
	r->p += len;
	return 0;
}

static inline int enc_rd_u8(struct enc_rd *r, uint8_t *out)
{
	if (enc_rd_left(r) < 1)
		return -EINVAL;
	*out = *r->p++;
	return 0;
}

static inline int enc_rd_le16(struct enc_rd *r, uint16_t *out)
{
	if (enc_rd_left(r) < 2)
		return -EINVAL;
	*out = enc_get_le16(r->p);
	r->p += 2;
	return 0;
}

static inline int enc_rd_le32(struct enc_rd *r, uint32_t *out)
{
	if (enc_rd_left(r) < 4)
		return -EINVAL;
	*out = enc_get_le32(r->p);
	r->p += 4;
	return 0;
}

static inline int enc_rd_le64(struct enc_rd *r, uint64_t *out)
{
	if (enc_rd_left(r) < 8)
		return -EINVAL;
	*out = enc_get_le64(r->p);
	r->p += 8;
	return 0;
}

/* Base64 (RFC 4648, standard alphabet, '=' padding), as keyrings use. */

/* Characters enc_b64_encode writes for @len input bytes, without the NUL. */
static inline size_t enc_b64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

/*
 * Encode @len bytes into @out, NUL-terminated.  Returns the number of
 * characters written (without the NUL) or -ERANGE if @out_size is too small.
 */
int enc_b64_encode(const void *data, size_t len, char *out, size_t out_size);

/*
 * Decode @len characters of base64.  Whitespace is skipped; anything else
 * outside the alphabet, bad padding or a truncated group is -EINVAL.
 * Returns the number of bytes written or -ERANGE if @out_size is too small.
 */
int enc_b64_decode(const char *text, size_t len, void *out, size_t out_size);

#endif
