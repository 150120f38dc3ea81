/*
 * osd_main.c - cairn-osd.  For now only the offline modes:
 *
 *   cairn-osd --mkfs -i N --osd-data DIR [-c CONF]   create an object store
 *   cairn-osd --fsck [--deep] --osd-data DIR [-c CONF]  check one; exit 0 only if clean
 *
 * main() only parses the configuration and calls into the store; the
 * daemon proper comes with a later issue.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "log.h"
#include "os.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: cairn-osd --mkfs -i N --osd-data DIR [-c CONF] [--option value ...]\n"
		   "       cairn-osd --fsck [--deep] --osd-data DIR [-c CONF]\n");
}

/* Read the conf file; a missing default one is fine, a missing named one is not. */
static int read_conf(struct cfg *c, bool explicit_conf)
{
	char err[512] = "";
	char *path = cfg_conf_path(c);
	int r;

	if (!path)
		return -ENOMEM;
	r = cfg_parse_file(c, path, err, sizeof(err));
	if (r == -ENOENT && !explicit_conf)
		r = 0;
	else if (r)
		fprintf(stderr, "cairn-osd: %s: %s\n", path, err[0] ? err : strerror(-r));
	free(path);
	return r;
}

int main(int argc, char **argv)
{
	bool mkfs = false, fsck = false, deep = false, explicit_conf = false;
	struct ent_name en;
	struct os_opts o;
	struct cfg *c;
	char err[512] = "";
	int r, ret = 1;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--conf") ||
		    !strncmp(argv[i], "--conf=", 7))
			explicit_conf = true;
	ent_name_make(ENT_TYPE_OSD, "0", &en);
	if (!(c = cfg_create(&en))) {
		fprintf(stderr, "cairn-osd: out of memory\n");
		return 1;
	}
	if (cfg_parse_argv(c, &argc, argv, err, sizeof(err)) || cfg_parse_env(c, err, sizeof(err))) {
		fprintf(stderr, "cairn-osd: %s\n", err);
		goto out_destroy;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mkfs")) {
			mkfs = true;
		} else if (!strcmp(argv[i], "--fsck")) {
			fsck = true;
		} else if (!strcmp(argv[i], "--deep")) {
			deep = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			ret = 0;
			goto out_destroy;
		} else {
			fprintf(stderr, "cairn-osd: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			goto out_destroy;
		}
	}
	if (mkfs == fsck || (deep && !fsck)) {
		fprintf(stderr, "cairn-osd: give exactly one of --mkfs or --fsck "
				"(the daemon itself is not implemented yet)\n");
		usage(stderr);
		goto out_destroy;
	}
	if (read_conf(c, explicit_conf) || cfg_apply_logging(c))
		goto out_destroy;
	if ((r = os_opts_from_cfg(&o, c))) {
		fprintf(stderr, "cairn-osd: bad store options: %s\n", strerror(-r));
		goto out_destroy;
	}
	if (mkfs) {
		if (o.osd_id < 0) {
			fprintf(stderr, "cairn-osd: --mkfs needs -i N\n");
			goto out_destroy;
		}
		r = os_mkfs(&o);
		if (r) {
			fprintf(stderr, "cairn-osd: mkfs of %s failed: %s\n", o.path, strerror(-r));
			goto out_destroy;
		}
		printf("created object store %s for osd.%d\n", o.path, o.osd_id);
		ret = 0;
	} else {
		r = os_fsck(&o, deep);
		if (r < 0) {
			fprintf(stderr, "cairn-osd: fsck of %s could not run: %s\n", o.path,
				strerror(-r));
			goto out_destroy;
		}
		printf("fsck%s %s: %d problem(s)%s\n", deep ? " --deep" : "", o.path, r,
		       r ? "" : ", clean");
		ret = r ? 1 : 0;
	}
out_destroy:
	cfg_destroy(c);
	return ret;
}
