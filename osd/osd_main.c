/*
 * osd_main.c - cairn-osd.
 *
 *   cairn-osd --mkfs -i N [-c CONF] [--osd-data DIR]   create the store, register with the monitors
 *   cairn-osd -i N [-c CONF] [--osd-data DIR] [-f]     run the OSD
 *   cairn-osd --fsck [--deep] [-i N] [--osd-data DIR]  check a store; exit 0 only if clean
 *
 * Options are read as Ceph daemons read them: the conf file, CEPH_ARGS,
 * then the command line.  Without -f the OSD detaches once it has mounted
 * its store and bound its port, so start-up errors reach the terminal and
 * the exit code.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "daemon.h"
#include "log.h"
#include "os.h"
#include "osd.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: cairn-osd --mkfs -i N [-c CONF] [--osd-data DIR]\n"
		   "       cairn-osd -i N [-c CONF] [--osd-data DIR] [-f] [--pid-file FILE]\n"
		   "       cairn-osd --fsck [--deep] [-i N] [-c CONF] [--osd-data DIR]\n");
}

static int do_fsck(struct cfg *c, bool deep)
{
	struct os_opts o;
	int r = os_opts_from_cfg(&o, c);
	if (r) {
		fprintf(stderr, "cairn-osd: bad store options: %s\n", strerror(-r));
		return 1;
	}
	r = os_fsck(&o, deep);
	if (r < 0) {
		fprintf(stderr, "cairn-osd: fsck of %s could not run: %s\n", o.path, strerror(-r));
		return 1;
	}
	printf("fsck%s %s: %d problem(s)%s\n", deep ? " --deep" : "", o.path, r,
	       r ? "" : ", clean");
	return r ? 1 : 0;
}

static int run(struct cfg *c, bool foreground)
{
	char err[512] = "";
	int detach_fd = -1, rc = 0;
	if (!foreground) {
		detach_fd = daemon_detach_begin();
		if (detach_fd < 0) {
			fprintf(stderr, "cairn-osd: cannot detach: %s\n", strerror(-detach_fd));
			return 1;
		}
	}
	char *pidpath = cfg_str(c, CFG_pid_file);
	int pidfd = -1;
	if (pidpath && *pidpath) {
		pidfd = daemon_pidfile_open(pidpath);
		if (pidfd < 0) {
			snprintf(err, sizeof(err), "pid file %s: %s", pidpath,
				 pidfd == -EEXIST ? "another OSD holds it" : strerror(-pidfd));
			rc = pidfd;
		}
	}
	struct osd_daemon *d = NULL;
	if (!rc)
		rc = osd_daemon_init(c, &d, err, sizeof(err));
	if (rc) {
		log_err(LOG_OSD, "cannot start: %s", err);
		fprintf(stderr, "cairn-osd: %s\n", err);
		daemon_detach_done(detach_fd, 1);
	} else {
		daemon_detach_done(detach_fd, 0);
		rc = osd_daemon_run(d);
	}
	osd_daemon_fini(d);
	daemon_pidfile_close(pidfd, pidpath);
	free(pidpath);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct cfg *c;
	char err[512] = "";
	bool have_id = false;
	/*
	 * Object data moves through buffers of up to a few MiB (reads, large
	 * writes).  Keep them on the heap and keep freed heap memory: each
	 * fresh mmap'd buffer costs a page fault per 4 KiB on first touch,
	 * which was 17% of the CPU of 4 MiB reads.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--id") || !strncmp(argv[i], "--id=", 5) ||
		    !strcmp(argv[i], "-n") || !strcmp(argv[i], "--name"))
			have_id = true;
	int rc = daemon_config(ENT_TYPE_OSD, &argc, argv, &c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cairn-osd: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	bool mkfs = false, fsck = false, deep = false, foreground = false;
	int ret = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mkfs")) {
			mkfs = true;
		} else if (!strcmp(argv[i], "--fsck")) {
			fsck = true;
		} else if (!strcmp(argv[i], "--deep")) {
			deep = true;
		} else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--foreground") ||
			   !strcmp(argv[i], "-d")) {
			foreground = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			ret = 0;
			goto out;
		} else {
			fprintf(stderr, "cairn-osd: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			goto out;
		}
	}
	struct ent_name en;
	cfg_get_entity(c, &en);
	char *end;
	long id = strtol(en.id, &end, 10);
	if (!have_id && (mkfs || fsck)) {
		id = -1;
	} else if (!have_id || *end || id < 0 || id >= 65536) {
		fprintf(stderr, "cairn-osd: give the OSD id with -i N (a number)\n");
		usage(stderr);
		goto out;
	}
	if (mkfs && fsck) {
		fprintf(stderr, "cairn-osd: --mkfs and --fsck exclude each other\n");
		goto out;
	}
	if (deep && !fsck) {
		fprintf(stderr, "cairn-osd: --deep goes with --fsck\n");
		goto out;
	}
	if (fsck) {
		ret = do_fsck(c, deep);
	} else if (mkfs) {
		int got = -1;
		rc = osd_mkfs(c, (int)id, &got, err, sizeof(err));
		if (rc)
			fprintf(stderr, "cairn-osd: mkfs failed: %s\n", err);
		else
			printf("created object store for osd.%d\n", got);
		ret = rc ? 1 : 0;
	} else {
		ret = run(c, foreground);
	}
out:
	cfg_destroy(c);
	return ret;
}
