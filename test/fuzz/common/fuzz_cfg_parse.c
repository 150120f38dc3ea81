/* libFuzzer target: the ceph.conf parser must accept or reject any bytes cleanly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	if (!quiet) {
		log_set_level(LOG_CFG, -1); /* unknown-option warnings would flood */
		quiet = 1;
	}
	struct ent_name n;
	ent_name_make(ENT_TYPE_OSD, "1", &n);
	struct cfg *c = cfg_create(&n);
	if (!c)
		return 0;
	char err[256];
	if (cfg_parse_text(c, (const char *)data, size, "fuzz", err, sizeof(err)) == 0) {
		char *s = cfg_str(c, CFG_admin_socket);
		free(s);
	}
	cfg_destroy(c);
	return 0;
}
