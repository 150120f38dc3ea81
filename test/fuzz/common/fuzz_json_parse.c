/* libFuzzer target: the JSON parser (monitor commands come from anyone). */
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_val *v;
	char err[128];
	if (json_parse((const char *)data, size, &v, err, sizeof(err)) == 0) {
		/* Whatever parses must re-serialise. */
		struct buf b = BUF_INIT;
		struct json_w w;
		json_w_init(&w, &b, false);
		json_w_value(&w, v);
		buf_fini(&b);
		json_free(v);
	}
	return 0;
}
