/*
 * msg_frame.c - banner and frame header codec; whole-frame helpers for
 * tests and the fuzz target.  Layout: msg_frame.h and doc/messenger.md.
 * Pure functions, any thread.
 */
#include <errno.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"
#include "msg_codec.h"
#include "msg_frame.h"
#include "msg_int.h"

void msg_banner_encode(uint8_t out[MSG_BANNER_LEN])
{
	memcpy(out, MSG_BANNER_MAGIC, 8);
	enc_put_le16(out + 8, MSG_PROTO_VERSION_MIN);
	enc_put_le16(out + 10, MSG_PROTO_VERSION_MAX);
	enc_put_le32(out + 12, 0);
}

int msg_banner_decode(const uint8_t in[MSG_BANNER_LEN], uint16_t *out_version,
		      const char **out_reason)
{
	if (memcmp(in, MSG_BANNER_MAGIC, 8) != 0) {
		*out_reason = "bad banner magic";
		return -EPROTO;
	}
	uint16_t lo = enc_get_le16(in + 8), hi = enc_get_le16(in + 10);
	if (lo > hi) {
		*out_reason = "bad banner version range";
		return -EPROTO;
	}
	uint16_t v = hi < MSG_PROTO_VERSION_MAX ? hi : MSG_PROTO_VERSION_MAX;
	if (v < lo || v < MSG_PROTO_VERSION_MIN) {
		*out_reason = "no common protocol version";
		return -EPROTO;
	}
	*out_version = v;
	return 0;
}

void msg_frame_hdr_encode(const struct msg_frame_hdr *h, uint8_t out[MSG_FRAME_HDR_LEN])
{
	enc_put_le32(out, MSG_FRAME_MAGIC);
	enc_put_le16(out + 4, h->version);
	enc_put_le16(out + 6, h->type);
	enc_put_le32(out + 8, h->flags);
	enc_put_le32(out + 12, h->meta_len);
	enc_put_le64(out + 16, h->seq);
	enc_put_le64(out + 24, h->ack);
	enc_put_le32(out + 32, h->data_len);
	enc_put_le32(out + 36, h->meta_crc);
	enc_put_le32(out + 40, h->data_crc);
	enc_put_le32(out + 44, crc32c(0, out, 44));
}

int msg_frame_hdr_decode(const uint8_t in[MSG_FRAME_HDR_LEN], uint16_t version, uint64_t max_frame,
			 struct msg_frame_hdr *out, const char **out_reason)
{
	struct msg_frame_hdr h;
	if (enc_get_le32(in) != MSG_FRAME_MAGIC) {
		*out_reason = "bad frame magic";
		return -EBADMSG;
	}
	if (enc_get_le32(in + 44) != crc32c(0, in, 44)) {
		*out_reason = "bad header crc";
		return -EBADMSG;
	}
	h.version = enc_get_le16(in + 4);
	h.type = enc_get_le16(in + 6);
	h.flags = enc_get_le32(in + 8);
	h.meta_len = enc_get_le32(in + 12);
	h.seq = enc_get_le64(in + 16);
	h.ack = enc_get_le64(in + 24);
	h.data_len = enc_get_le32(in + 32);
	h.meta_crc = enc_get_le32(in + 36);
	h.data_crc = enc_get_le32(in + 40);
	if (version && h.version != version) {
		*out_reason = "frame version differs from the negotiated one";
		return -EBADMSG;
	}
	if (h.flags) {
		*out_reason = "unknown frame flags";
		return -EBADMSG;
	}
	if (!msg_codec_known(h.type)) {
		*out_reason = "unknown message type";
		return -EBADMSG;
	}
	if (h.meta_len > MSG_META_MAX) {
		*out_reason = "metadata segment too large";
		return -EBADMSG;
	}
	if (MSG_FRAME_HDR_LEN + (uint64_t)h.meta_len + h.data_len > max_frame) {
		*out_reason = "frame larger than ms_max_frame_size";
		return -EBADMSG;
	}
	if ((h.type < MSG_TYPE_USER_MIN) != (h.seq == 0)) {
		*out_reason = "control frames carry no seq, messages must";
		return -EBADMSG;
	}
	if (h.type < MSG_TYPE_USER_MIN && h.data_len) {
		*out_reason = "control frame with a data segment";
		return -EBADMSG;
	}
	*out = h;
	return 0;
}

int msg_frame_encode(struct msg *m, uint16_t version, uint64_t seq, uint64_t ack, struct buf *out)
{
	int rc = msg_prepare(m);
	if (rc)
		return rc;
	if (msg_frame_len(m) > MSG_FRAME_LIMIT_MAX)
		return -EMSGSIZE;
	struct msg_frame_hdr h = {
	    .version = version,
	    .type = m->type,
	    .meta_len = m->meta_len,
	    .seq = seq,
	    .ack = ack,
	    .data_len = (uint32_t)m->data.len,
	    .meta_crc = m->meta_crc,
	    .data_crc = m->data_crc,
	};
	uint8_t hdr[MSG_FRAME_HDR_LEN];
	msg_frame_hdr_encode(&h, hdr);
	rc = buf_reserve(out, msg_frame_len(m));
	if (rc)
		return rc;
	buf_append(out, hdr, sizeof(hdr));
	buf_append(out, m->meta, m->meta_len);
	rc = buflist_copy_out(&m->data, 0, m->data.len, out->data + out->len);
	if (rc)
		return rc;
	out->len += m->data.len;
	return 0;
}

int msg_frame_decode(const uint8_t *data, size_t len, uint16_t version, uint64_t max_frame,
		     struct msg **out, struct msg_frame_hdr *out_hdr, size_t *out_consumed,
		     const char **out_reason)
{
	struct msg_frame_hdr h;
	if (len < MSG_FRAME_HDR_LEN)
		return -EAGAIN;
	int rc = msg_frame_hdr_decode(data, version, max_frame, &h, out_reason);
	if (rc)
		return rc;
	size_t total = MSG_FRAME_HDR_LEN + (size_t)h.meta_len + h.data_len;
	if (len < total)
		return -EAGAIN;
	const uint8_t *meta = data + MSG_FRAME_HDR_LEN;
	const uint8_t *payload = meta + h.meta_len;
	if (crc32c(0, meta, h.meta_len) != h.meta_crc) {
		*out_reason = "bad metadata crc";
		return -EBADMSG;
	}
	if (crc32c(0, payload, h.data_len) != h.data_crc) {
		*out_reason = "bad data crc";
		return -EBADMSG;
	}
	struct msg *m = msg_alloc(h.type);
	if (!m)
		return -ENOMEM;
	rc = msg_codec_decode(h.type, meta, h.meta_len, m->body);
	if (rc) {
		if (rc == -EBADMSG)
			*out_reason = "undecodable metadata";
		goto out_free;
	}
	if (h.data_len) {
		struct bufraw *r = bufraw_create_aligned(h.data_len, 4096);
		if (!r) {
			rc = -ENOMEM;
			goto out_free;
		}
		memcpy(bufraw_data(r), payload, h.data_len);
		rc = buflist_append_raw(&m->data, r, 0, h.data_len);
		bufraw_put(r);
		if (rc)
			goto out_free;
	}
	m->seq = h.seq;
	*out = m;
	*out_hdr = h;
	*out_consumed = total;
	return 0;

out_free:
	msg_put(m);
	return rc;
}
