/* libFuzzer target: full-map and incremental decoders (maps come over the wire and from disk). */
#include <stddef.h>
#include <stdint.h>

#include "common/osdmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct osdmap *m;
	char err[128];
	if (osdmap_decode(data, size, &m, err, sizeof(err)) == 0) {
		struct osdmap_pg pg = {0, 0};
		struct osdmap_placement pl;
		for (size_t i = 0; i < osdmap_pool_count(m); i++) {
			pg.pool = osdmap_pool_at(m, i)->id;
			osdmap_pg_to_osds(m, &pg, &pl);
		}
		osdmap_destroy(m);
	}
	struct osdmap_inc inc;
	if (osdmap_inc_decode(data, size, &inc, err, sizeof(err)) == 0)
		osdmap_inc_fini(&inc);
	return 0;
}
