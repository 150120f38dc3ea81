/*
 * msg_frame.h - the frame layout and its header codec (private to
 * common/msg; tests and the fuzz target use it too).
 *
 * A connection starts with a 16-byte banner from each side, then carries
 * frames.  A frame is a fixed 48-byte header, a protobuf metadata segment
 * of meta_len bytes and a raw data segment of data_len bytes.  All header
 * integers are little-endian:
 *
 *   off size field
 *     0    4 magic      MSG_FRAME_MAGIC
 *     4    2 version    negotiated protocol version
 *     6    2 type       enum msg_type
 *     8    4 flags      must be 0 (no flags defined yet; unknown bits are an error)
 *    12    4 meta_len   bytes of protobuf metadata
 *    16    8 seq        message sequence number (0 for control frames)
 *    24    8 ack        last seq the sender received (piggybacked ack)
 *    32    4 data_len   bytes of raw data
 *    36    4 meta_crc   crc32c of the metadata segment
 *    40    4 data_crc   crc32c of the data segment
 *    44    4 hdr_crc    crc32c of bytes 0..43
 *
 * The header crc is checked before any length is believed, and the
 * lengths are checked against the frame limit before anything is
 * allocated: a garbled or hostile header costs 48 bytes of reading.
 */
#ifndef CAIRN_MSG_FRAME_H
#define CAIRN_MSG_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct msg;

#define MSG_BANNER_LEN	      16
#define MSG_BANNER_MAGIC      "cairnmsg"
#define MSG_FRAME_HDR_LEN     48
#define MSG_FRAME_MAGIC	      0x314e5243u /* "CRN1" little-endian */
#define MSG_PROTO_VERSION_MIN 1
#define MSG_PROTO_VERSION_MAX 1
/* Metadata is small by design (bulk goes in the data segment). */
#define MSG_META_MAX (16u << 20)
/* The data_len field is 32 bits; the configured limit is clamped to this. */
#define MSG_FRAME_LIMIT_MAX ((uint64_t)UINT32_MAX)

struct msg_frame_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t flags;
	uint32_t meta_len;
	uint64_t seq;
	uint64_t ack;
	uint32_t data_len;
	uint32_t meta_crc;
	uint32_t data_crc;
};

/* Write the banner advertising versions MIN..MAX. */
void msg_banner_encode(uint8_t out[MSG_BANNER_LEN]);
/*
 * Check a peer's banner and pick the highest version both speak.
 * 0, or -EPROTO with *out_reason set.
 */
int msg_banner_decode(const uint8_t in[MSG_BANNER_LEN], uint16_t *out_version,
		      const char **out_reason);

/* Encode @h with magic and header crc. */
void msg_frame_hdr_encode(const struct msg_frame_hdr *h, uint8_t out[MSG_FRAME_HDR_LEN]);
/*
 * Decode and validate a header: magic, header crc, flags, type known to
 * the codec, meta_len <= MSG_META_MAX, header + meta + data <= @max_frame.
 * @version, if non-zero, must match.  0 or -EBADMSG with *out_reason set.
 */
int msg_frame_hdr_decode(const uint8_t in[MSG_FRAME_HDR_LEN], uint16_t version, uint64_t max_frame,
			 struct msg_frame_hdr *out, const char **out_reason);

/*
 * Encode @m (which must be unqueued) as a complete frame into @out:
 * header with @seq and @ack, metadata, and a copy of the data.  For tests
 * and tools; connections write the pieces with writev instead.
 * 0, -ENOMEM, -EMSGSIZE.
 */
int msg_frame_encode(struct msg *m, uint16_t version, uint64_t seq, uint64_t ack, struct buf *out);
/*
 * Decode one complete frame from the front of @data: header, crcs and
 * metadata are validated, the data segment is copied into an aligned
 * buffer.  Returns a new message in @out and the bytes used in
 * @out_consumed.  -EAGAIN if @len is too short for the frame, -EBADMSG
 * (with *out_reason) if it is malformed, -ENOMEM.
 */
int msg_frame_decode(const uint8_t *data, size_t len, uint16_t version, uint64_t max_frame,
		     struct msg **out, struct msg_frame_hdr *out_hdr, size_t *out_consumed,
		     const char **out_reason);

#endif
