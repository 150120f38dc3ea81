/*
 * fuzz_crush_text.c - libFuzzer target for the crush map text compiler.
 *
 * Any input must either compile to a map that validates, decompiles,
 * recompiles to an equal map and maps without crashing, or be rejected
 * with an error message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crush.h"
#include "crush_mapper.h"
#include "crush_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crush_map *map = NULL;
	char err[256];
	if (size > 1 << 16)
		return 0;
	if (crush_text_compile((const char *)data, size, &map, err, sizeof(err))) {
		if (!err[0])
			abort(); /* every rejection must say why */
		return 0;
	}
	if (crush_map_validate(map, NULL, 0))
		abort();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f) {
		crush_text_decompile(map, f);
		fclose(f);
		struct crush_map *again = NULL;
		if (crush_text_compile(buf, len, &again, err, sizeof(err)) ||
		    !crush_map_equal(map, again))
			abort();
		crush_map_destroy(again);
		free(buf);
	}
	int32_t ndev = crush_map_max_devices(map);
	uint32_t *w = calloc((size_t)ndev + 1, sizeof(*w));
	void *work = malloc(crush_work_size(map, 8));
	int32_t out[8];
	for (int32_t i = 0; w && i < ndev; i++)
		w[i] = i % 3 ? 0x10000 : 0x8000;
	for (uint32_t r = 0; w && work && r < crush_map_max_rules(map) && r < 8; r++)
		for (uint32_t x = 0; x < 16; x++)
			crush_do_rule(map, r, x, out, 1 + (int)(x % 8), w, ndev, NULL, work);
	free(w);
	free(work);
	crush_map_destroy(map);
	return 0;
}
