/* Unit tests for common/asok: the admin socket server and client. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test/unit/unit.h"
#include "common/asok.h"
#include "common/cfg.h"
#include "common/enc.h"
#include "common/ev.h"

struct fixture {
	struct ev_loop *loop;
	struct asok *asok;
	struct cfg *cfg;
	pthread_t thread;
	char dir[64];
	char path[128];
};

static int cmd_echo(void *arg, const struct json_val *cmd, struct json_w *out, struct buf *errmsg)
{
	const char *s;
	if (json_get_str(cmd, "msg", &s) != 0) {
		buf_append_str(errmsg, "echo needs msg");
		return -EINVAL;
	}
	json_w_obj_begin(out);
	json_w_kv_str(out, "echo", s);
	json_w_obj_end(out);
	return 0;
}

static void *loop_main(void *arg)
{
	ev_loop_run(arg);
	return NULL;
}

static void start(struct fixture *f)
{
	strcpy(f->dir, "/tmp/cairn-asok-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/test.asok", f->dir);
	ck_assert_int_eq(ev_loop_create(&f->loop), 0);
	ck_assert_int_eq(asok_create(f->loop, f->path, &f->asok), 0);
	f->cfg = cfg_create(NULL);
	ck_assert_int_eq(asok_register_config(f->asok, f->cfg), 0);
	ck_assert_int_eq(asok_register(f->asok, "echo", "echo msg", cmd_echo, NULL), 0);
	ck_assert_int_eq(asok_register(f->asok, "echo", "again", cmd_echo, NULL), -EEXIST);
	pthread_create(&f->thread, NULL, loop_main, f->loop);
}

static void shutdown_fn(void *arg)
{
	struct fixture *f = arg;
	asok_destroy(f->asok);
	ev_loop_stop(f->loop);
}

static void stop(struct fixture *f)
{
	ev_loop_call(f->loop, shutdown_fn, f);
	pthread_join(f->thread, NULL);
	ev_loop_destroy(f->loop);
	cfg_destroy(f->cfg);
	ck_assert_int_ne(access(f->path, F_OK), 0); /* unlinked */
	rmdir(f->dir);
}

static char *ask(struct fixture *f, const char *cmd)
{
	static struct buf b;
	buf_fini(&b);
	ck_assert_int_eq(asok_command(f->path, cmd, &b, 5000), 0);
	return buf_cstr(&b);
}

START_TEST(test_commands)
{
	struct fixture f;
	start(&f);
	ck_assert(strstr(ask(&f, "help"), "\"config get\""));
	ck_assert(strstr(ask(&f, "{\"prefix\": \"version\"}"), "\"version\""));
	ck_assert(strstr(ask(&f, "{\"prefix\": \"echo\", \"msg\": \"hi\"}"), "\"echo\": \"hi\""));
	ck_assert(strstr(ask(&f, "{\"prefix\": \"echo\"}"), "echo needs msg"));
	ck_assert(strstr(ask(&f, "config set debug_ms 7/7"), "success"));
	ck_assert(strstr(ask(&f, "config get debug_ms"), "\"debug_ms\": \"7/7\""));
	ck_assert(strstr(ask(&f, "{\"prefix\":\"config get\",\"var\":\"no_such\"}"), "\"errno\": -2"));
	ck_assert(strstr(ask(&f, "config set ms_async_op_threads lots"), "not an integer"));
	ck_assert(strstr(ask(&f, "config show"), "\"ms_async_op_threads\""));
	ck_assert(strstr(ask(&f, "frobnicate now"), "unknown command"));
	ck_assert(strstr(ask(&f, "perf dump"), "{"));
	ck_assert(strstr(ask(&f, "log level ms 12/5"), "\"ms\": 12"));
	ck_assert(strstr(ask(&f, "log level nosuch 1"), "unknown log subsystem"));
	ck_assert(strstr(ask(&f, "log level ms loud"), "bad level"));
	ck_assert(strstr(ask(&f, "{\"prefix\": "), "bad command JSON"));
	ck_assert(strstr(ask(&f, "{\"noprefix\": 1}"), "no \\\"prefix\\\""));
	stop(&f);
}
END_TEST

static size_t read_reply(int fd, char *buf, size_t size)
{
	uint8_t hdr[4];
	size_t got = 0;
	while (got < 4) {
		ssize_t n = read(fd, hdr + got, 4 - got);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	uint32_t len = enc_get_be32(hdr);
	ck_assert_uint_lt(len, size);
	got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

/* Several commands on one connection, in one write; then an oversized request is cut off. */
START_TEST(test_raw_protocol)
{
	struct fixture f;
	start(&f);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	strcpy(sun.sun_path, f.path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	const char two[] = "version\n{\"prefix\":\"echo\",\"msg\":\"x\"}";
	ck_assert_int_eq(write(fd, two, sizeof(two)), (int)sizeof(two));
	char reply[4096];
	read_reply(fd, reply, sizeof(reply));
	ck_assert(strstr(reply, "version"));
	read_reply(fd, reply, sizeof(reply));
	ck_assert(strstr(reply, "\"echo\": \"x\""));

	char *junk = malloc(200000);
	memset(junk, 'j', 200000);
	ssize_t n = send(fd, junk, 200000, MSG_NOSIGNAL);
	(void)n;
	free(junk);
	/* The server closes the connection: read sees EOF (or a reset). */
	char c;
	ssize_t r;
	do
		r = read(fd, &c, 1);
	while (r > 0);
	close(fd);
	/* And it still serves others. */
	ck_assert(strstr(ask(&f, "version"), "version"));
	stop(&f);
}
END_TEST

START_TEST(test_stale_and_live)
{
	struct fixture f;
	start(&f);
	struct ev_loop *loop2;
	struct asok *a2;
	ck_assert_int_eq(ev_loop_create(&loop2), 0);
	ck_assert_int_eq(asok_create(loop2, f.path, &a2), -EADDRINUSE);
	stop(&f);

	/* A leftover socket file nobody listens on is replaced. */
	char dir[] = "/tmp/cairn-asok2-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/stale.asok", dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	strcpy(sun.sun_path, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_eq(asok_create(loop2, path, &a2), 0);
	asok_destroy(a2);
	ev_loop_destroy(loop2);
	rmdir(dir);

	struct buf b = BUF_INIT;
	ck_assert_int_eq(asok_command("/tmp/definitely-not-here.asok", "help", &b, 100), -ENOENT);
	buf_fini(&b);
}
END_TEST

static Suite *asok_suite(void)
{
	Suite *s = suite_create("asok");
	TCase *tc = tcase_create("asok");
	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_raw_protocol);
	tcase_add_test(tc, test_stale_and_live);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(asok_suite)
