/*
 * fuzz_msg_frame.c - libFuzzer target for the messenger's decoders: the
 * banner, the frame header and a whole frame (crcs, protobuf metadata
 * through the codec, data segment), for every registered type.
 *
 * The first input byte picks what to exercise so one corpus covers all
 * three.  To let the fuzzer past the crc checks, mode 3 recomputes the
 * header and segment crcs of the input before decoding (otherwise almost
 * every mutation dies at "bad header crc").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"
#include "msg_frame.h"
#include "msg_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_all(const uint8_t *p, size_t len)
{
	/* Decode frames back to back, as a connection would. */
	while (len >= MSG_FRAME_HDR_LEN) {
		struct msg *m = NULL;
		struct msg_frame_hdr h;
		size_t used = 0;
		const char *why = NULL;
		int rc = msg_frame_decode(p, len, 0, 1u << 20, &m, &h, &used, &why);
		if (rc)
			return;
		msg_put(m);
		p += used;
		len -= used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 4;
	data++;
	size--;
	switch (mode) {
	case 0: {
		if (size >= MSG_BANNER_LEN) {
			uint16_t v;
			const char *why;
			(void)msg_banner_decode(data, &v, &why);
		}
		break;
	}
	case 1: {
		if (size >= MSG_FRAME_HDR_LEN) {
			struct msg_frame_hdr h;
			const char *why;
			(void)msg_frame_hdr_decode(data, 0, 1u << 20, &h, &why);
		}
		break;
	}
	case 2:
		decode_all(data, size);
		break;
	case 3: {
		/* Reseal: fix the crcs so the metadata decoder sees the mutations. */
		if (size < MSG_FRAME_HDR_LEN)
			break;
		uint8_t *copy = malloc(size);
		if (!copy)
			break;
		memcpy(copy, data, size);
		uint32_t ml = enc_get_le32(copy + 12);
		uint32_t dl = enc_get_le32(copy + 32);
		size_t avail = size - MSG_FRAME_HDR_LEN;
		if (ml > avail)
			ml = (uint32_t)avail;
		if (dl > avail - ml)
			dl = (uint32_t)(avail - ml);
		enc_put_le32(copy, MSG_FRAME_MAGIC);
		enc_put_le32(copy + 12, ml);
		enc_put_le32(copy + 32, dl);
		enc_put_le32(copy + 36, crc32c(0, copy + MSG_FRAME_HDR_LEN, ml));
		enc_put_le32(copy + 40, crc32c(0, copy + MSG_FRAME_HDR_LEN + ml, dl));
		enc_put_le32(copy + 44, crc32c(0, copy, 44));
		decode_all(copy, size);
		free(copy);
		break;
	}
	}
	return 0;
}
