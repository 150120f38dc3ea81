/*
 * fuzz_crush_decode.c - libFuzzer target for the binary map decoder.
 *
 * The decoder is a trust boundary: any bytes must be rejected or yield a
 * map that validates, re-encodes to the same bytes and maps safely.  The
 * checksum would hide almost every mutation, so the first input byte
 * selects whether the target re-seals the payload before decoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crush.h"
#include "crush_codec.h"
#include "crush_mapper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1 << 20))
		return 0;
	int reseal = data[0] & 1;
	data++;
	size--;
	uint8_t *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (reseal && size >= CRUSH_CODEC_HEADER_SIZE) {
		uint32_t plen = (uint32_t)(size - CRUSH_CODEC_HEADER_SIZE);
		uint32_t crc = crush_crc32c(0, buf + CRUSH_CODEC_HEADER_SIZE, plen);
		for (int i = 0; i < 4; i++) {
			buf[8 + i] = (uint8_t)(plen >> (8 * i));
			buf[12 + i] = (uint8_t)(crc >> (8 * i));
		}
	}
	struct crush_map *map = NULL;
	char err[256];
	if (crush_decode(buf, size, &map, err, sizeof(err)) == 0) {
		if (crush_map_validate(map, NULL, 0))
			abort();
		uint8_t *enc;
		size_t elen;
		if (crush_encode(map, &enc, &elen) == 0) {
			if (elen != size || memcmp(enc, buf, size))
				abort(); /* the encoding is canonical */
			free(enc);
		}
		int32_t ndev = crush_map_max_devices(map);
		uint32_t *w = calloc((size_t)ndev + 1, sizeof(*w));
		void *work = malloc(crush_work_size(map, 8));
		int32_t out[8];
		for (int32_t i = 0; w && i < ndev; i++)
			w[i] = 0x10000;
		for (uint32_t r = 0; w && work && r < crush_map_max_rules(map) && r < 8; r++)
			for (uint32_t x = 0; x < 16; x++)
				crush_do_rule(map, r, x, out, 1 + (int)(x % 8), w, ndev, NULL, work);
		free(w);
		free(work);
		crush_map_destroy(map);
	}
	free(buf);
	return 0;
}
