/*
 * mon_main.c - cairn-mon.
 *
 *   cairn-mon --mkfs -i ID [--mon-data DIR] [-c CONF]   create the store
 *   cairn-mon -i ID [-c CONF] [-f] [--pid-file FILE]     run
 *
 * Options are read as Ceph daemons read them: the conf file, CEPH_ARGS,
 * then the command line.  Without -f the monitor detaches once it has
 * opened its store and bound its port, so a start-up error is reported
 * on the terminal and in the exit code (daemon_detach_begin/done).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/daemon.h"
#include "common/log.h"
#include "mon_daemon.h"

static void usage(void)
{
	fprintf(stderr, "usage: cairn-mon --mkfs -i ID [--mon-data DIR] [-c CONF]\n"
			"       cairn-mon -i ID [-c CONF] [-f] [--pid-file FILE]\n");
}

int main(int argc, char **argv)
{
	struct cfg *c;
	char err[512] = "";
	int rc = daemon_config(ENT_TYPE_MON, &argc, argv, &c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "cairn-mon: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	bool mkfs = false, foreground = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mkfs") == 0) {
			mkfs = true;
		} else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--foreground") == 0 ||
			   strcmp(argv[i], "-d") == 0) {
			foreground = true;
		} else {
			fprintf(stderr, "cairn-mon: unknown argument '%s'\n", argv[i]);
			usage();
			cfg_destroy(c);
			return 1;
		}
	}
	if (mkfs) {
		rc = mon_daemon_mkfs(c, err, sizeof(err));
		if (rc)
			fprintf(stderr, "cairn-mon: mkfs failed: %s\n", err);
		cfg_destroy(c);
		return rc ? 1 : 0;
	}
	int detach_fd = -1;
	if (!foreground) {
		detach_fd = daemon_detach_begin();
		if (detach_fd < 0) {
			fprintf(stderr, "cairn-mon: cannot detach: %s\n", strerror(-detach_fd));
			cfg_destroy(c);
			return 1;
		}
	}
	/* In the child (when detaching), so the file names the daemon's pid. */
	char *pidpath = cfg_str(c, CFG_pid_file);
	int pidfd = -1;
	if (pidpath && *pidpath) {
		pidfd = daemon_pidfile_open(pidpath);
		if (pidfd < 0) {
			snprintf(err, sizeof(err), "pid file %s: %s", pidpath,
				 pidfd == -EEXIST ? "another monitor holds it" : strerror(-pidfd));
			rc = pidfd;
		}
	}
	struct mon_daemon *d = NULL;
	if (!rc)
		rc = mon_daemon_init(c, &d, err, sizeof(err));
	if (rc) {
		log_err(LOG_MON, "cannot start: %s", err);
		fprintf(stderr, "cairn-mon: %s\n", err);
		daemon_detach_done(detach_fd, 1);
	} else {
		daemon_detach_done(detach_fd, 0);
		rc = mon_daemon_run(d);
	}
	mon_daemon_fini(d);
	daemon_pidfile_close(pidfd, pidpath);
	free(pidpath);
	cfg_destroy(c);
	return rc ? 1 : 0;
}
