/* Unit tests for common/daemon: config sources, pid files, signals. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test/unit/unit.h"
#include "common/cfg.h"
#include "common/daemon.h"

START_TEST(test_config_sources)
{
	char dir[] = "/tmp/cairn-daemon-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char conf[128];
	snprintf(conf, sizeof(conf), "%s/c.conf", dir);
	FILE *f = fopen(conf, "w");
	fprintf(f, "[global]\nfsid = abc\n[osd.4]\nosd_data = /d4\n");
	fclose(f);
	char *argv[] = {"cairn-osd", "-i", "4", "-c", conf, "--mkfs", NULL};
	int argc = 6;
	struct cfg *c;
	char err[256];
	unsetenv("CEPH_CONF");
	unsetenv("CEPH_ARGS");
	ck_assert_int_eq(daemon_config(ENT_TYPE_OSD, &argc, argv, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(argc, 2);
	ck_assert_str_eq(argv[1], "--mkfs");
	char *d = cfg_str(c, CFG_osd_data);
	ck_assert_str_eq(d, "/d4");
	free(d);
	cfg_destroy(c);

	/* A named conf file must exist; a wrong entity type is refused. */
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/none.conf", dir);
	char *argv2[] = {"cairn-osd", "-c", missing, NULL};
	argc = 3;
	ck_assert_int_eq(daemon_config(ENT_TYPE_OSD, &argc, argv2, &c, err, sizeof(err)), -ENOENT);
	ck_assert(strstr(err, missing));
	char *argv3[] = {"cairn-osd", "-n", "mon.a", "-c", conf, NULL};
	argc = 5;
	ck_assert_int_eq(daemon_config(ENT_TYPE_OSD, &argc, argv3, &c, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "runs the osd daemon"));
	unlink(conf);
	rmdir(dir);
}
END_TEST

START_TEST(test_pidfile)
{
	char dir[] = "/tmp/cairn-pid-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/d.pid", dir);
	/* A stale file (from a dead process) is taken over. */
	FILE *f = fopen(path, "w");
	fprintf(f, "999999\n");
	fclose(f);
	int fd = daemon_pidfile_open(path);
	ck_assert_int_ge(fd, 0);
	char buf[32] = {0};
	int rfd = open(path, O_RDONLY);
	ck_assert_int_gt(read(rfd, buf, sizeof(buf) - 1), 0);
	close(rfd);
	ck_assert_int_eq(atoi(buf), getpid());
	/* A live holder (another process) makes the next open fail. */
	pid_t child = fork();
	if (child == 0)
		_exit(daemon_pidfile_open(path) == -EEXIST ? 0 : 1);
	int st;
	waitpid(child, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	daemon_pidfile_close(fd, path);
	ck_assert_int_ne(access(path, F_OK), 0);
	rmdir(dir);
}
END_TEST

static int stopped;
static void on_stop(void *arg)
{
	stopped++;
	ev_loop_stop(arg);
}

/* SIGTERM arrives through the loop and calls on_stop. */
START_TEST(test_signals)
{
	struct ev_loop *loop;
	ck_assert_int_eq(ev_loop_create(&loop), 0);
	struct daemon_signals *s;
	ck_assert_int_eq(daemon_signals_start(loop, NULL, on_stop, loop, &s), 0);
	kill(getpid(), SIGTERM);
	kill(getpid(), SIGPIPE); /* blocked: must not kill us */
	ck_assert_int_eq(ev_loop_run(loop), 0);
	ck_assert_int_eq(stopped, 1);
	daemon_signals_stop(s);
	ev_loop_destroy(loop);
}
END_TEST

static Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("daemon");
	tcase_add_test(tc, test_config_sources);
	tcase_add_test(tc, test_pidfile);
	tcase_add_test(tc, test_signals);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(daemon_suite)
