/*
 * capi_cluster.c - cluster handles, configuration, connecting, pools and
 * monitor commands.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "capi.h"

/* conf_get into a static buffer, asserting success. */
static const char *conf_val(rados_t c, const char *opt)
{
	static char buf[4096];
	int rc = rados_conf_get(c, opt, buf, sizeof(buf));
	ck_assert_msg(rc == 0, "rados_conf_get(%s): %d", opt, rc);
	return buf;
}

/* ---- handles and configuration (no cluster needed) ---------------------------------- */

START_TEST(test_create_names)
{
	rados_t c;
	/* A name needs a type: "client.x". */
	ck_assert_int_eq(rados_create2(&c, "ceph", "invalid", 0), -EINVAL);
	ck_assert_int_eq(rados_create2(&c, "ceph", "bad.invalid", 0), -EINVAL);

	/* The entity name shows in $name, which the default keyring path expands. */
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_ptr_nonnull(strstr(conf_val(c, "keyring"), "client.admin"));
	rados_shutdown(c);

	ck_assert_int_eq(rados_create(&c, "capi"), 0);
	ck_assert_ptr_nonnull(strstr(conf_val(c, "keyring"), "client.capi"));
	rados_shutdown(c);

	ck_assert_int_eq(rados_create2(&c, "ceph", "client.capi2", 0), 0);
	ck_assert_ptr_nonnull(strstr(conf_val(c, "keyring"), "client.capi2"));
	rados_shutdown(c);

	/* The cluster name is $cluster. */
	ck_assert_int_eq(rados_create2(&c, "othercl", "client.admin", 0), 0);
	ck_assert_str_eq(conf_val(c, "cluster"), "othercl");
	ck_assert_ptr_nonnull(strstr(conf_val(c, "keyring"), "othercl.client.admin"));
	rados_shutdown(c);

	/* Shutting down a handle that never connected is fine, NULL too. */
	rados_shutdown(NULL);
}
END_TEST

START_TEST(test_conf_read_file)
{
	rados_t c, ref;
	char list[2 * PATH_MAX];
	ck_assert_int_eq(rados_create(&ref, NULL), 0);
	ck_assert_int_eq(rados_conf_read_file(ref, capi_conf()), 0);
	char mon_host[1024];
	ck_assert_int_eq(rados_conf_get(ref, "mon_host", mon_host, sizeof(mon_host)), 0);
	ck_assert_int_gt(strlen(mon_host), 0);
	rados_shutdown(ref);

	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(rados_conf_read_file(c, "/nonexistent/cairn-capi.conf"), -ENOENT);
	/* A comma-separated list: the first readable file is used. */
	snprintf(list, sizeof(list), "/nonexistent/a.conf,%s", capi_conf());
	ck_assert_int_eq(rados_conf_read_file(c, list), 0);
	ck_assert_str_eq(conf_val(c, "mon_host"), mon_host);
	rados_shutdown(c);

	/* NULL: $CEPH_CONF. */
	ck_assert_int_eq(setenv("CEPH_CONF", capi_conf(), 1), 0);
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(rados_conf_read_file(c, NULL), 0);
	ck_assert_str_eq(conf_val(c, "mon_host"), mon_host);
	rados_shutdown(c);

	/*
	 * NULL without $CEPH_CONF: the default search (/etc/ceph/$cluster.conf,
	 * ~/.ceph/$cluster.conf, ./$cluster.conf) finds nothing for a cluster
	 * name nobody uses, with HOME and the working directory empty.
	 */
	char cwd[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	const char *old_home = getenv("HOME");
	char *home = old_home ? strdup(old_home) : NULL;
	unsetenv("CEPH_CONF");
	ck_assert_int_eq(setenv("HOME", capi_scratch_dir(), 1), 0);
	ck_assert_int_eq(chdir(capi_scratch_dir()), 0);
	ck_assert_int_eq(rados_create2(&c, "cairncapinone", "client.admin", 0), 0);
	ck_assert_int_eq(rados_conf_read_file(c, NULL), -ENOENT);
	rados_shutdown(c);

	/* ... and ./$cluster.conf is the last place it looks. */
	snprintf(list, sizeof(list), "%s/cairncapinone.conf", capi_scratch_dir());
	ck_assert_int_eq(symlink(capi_conf(), list), 0);
	ck_assert_int_eq(rados_create2(&c, "cairncapinone", "client.admin", 0), 0);
	ck_assert_int_eq(rados_conf_read_file(c, NULL), 0);
	ck_assert_str_eq(conf_val(c, "mon_host"), mon_host);
	rados_shutdown(c);
	unlink(list);

	ck_assert_int_eq(chdir(cwd), 0);
	if (home)
		setenv("HOME", home, 1);
	free(home);
}
END_TEST

START_TEST(test_conf_set_get)
{
	rados_t c;
	char buf[64];
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(rados_conf_set(c, "no_such_option_capi", "1"), -ENOENT);
	ck_assert_int_eq(rados_conf_get(c, "no_such_option_capi", buf, sizeof(buf)), -ENOENT);

	/* Too small a buffer says so (the binding doubles and retries). */
	ck_assert_int_eq(rados_conf_set(c, "mon_host", "127.0.0.1:1"), 0);
	ck_assert_int_eq(rados_conf_get(c, "mon_host", buf, 11), -ENAMETOOLONG);
	ck_assert_int_eq(rados_conf_get(c, "mon_host", buf, 12), 0);
	ck_assert_str_eq(buf, "127.0.0.1:1");

	/* Spaces and underscores are the same in option names. */
	ck_assert_int_eq(rados_conf_set(c, "admin socket", "/capi/a0.asok"), 0);
	ck_assert_str_eq(conf_val(c, "admin_socket"), "/capi/a0.asok");
	ck_assert_str_eq(conf_val(c, "admin socket"), "/capi/a0.asok");
	rados_shutdown(c);
}
END_TEST

START_TEST(test_conf_parse_argv)
{
	rados_t c;
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	/* "--opt value" and "--opt=value"; dashes and underscores alike. */
	const char *argv[] = {"prog", "--keyring", "/capi/k1", "extra", "--admin-socket=/capi/a1"};
	ck_assert_int_eq(rados_conf_parse_argv(c, 5, argv), 0);
	ck_assert_str_eq(conf_val(c, "keyring"), "/capi/k1");
	ck_assert_str_eq(conf_val(c, "admin_socket"), "/capi/a1");
	/* Nothing to parse is fine. */
	ck_assert_int_eq(rados_conf_parse_argv(c, 0, NULL), 0);
	rados_shutdown(c);
}
END_TEST

START_TEST(test_conf_parse_argv_remainder)
{
	rados_t c;
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	const char *argv[] = {"prog", "--keyring", "/capi/k3", "extra"};
	const char *rem[4] = {"x", "x", "x", "x"};
	ck_assert_int_eq(rados_conf_parse_argv_remainder(c, 4, argv, rem), 0);
	ck_assert_str_eq(conf_val(c, "keyring"), "/capi/k3");
	/* Ceph's layout: the arguments not taken, in order, then NULLs. */
	ck_assert_ptr_nonnull(rem[0]);
	ck_assert_str_eq(rem[0], "prog");
	ck_assert_msg(rem[1] && strcmp(rem[1], "extra") == 0,
		      "remargv[1] is %s, Ceph gives \"extra\" (then NULL, NULL)",
		      rem[1] ? rem[1] : "NULL");
	ck_assert_ptr_null(rem[2]);
	ck_assert_ptr_null(rem[3]);
	rados_shutdown(c);
}
END_TEST

START_TEST(test_conf_parse_env)
{
	rados_t c;
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(setenv("CEPH_ARGS", "--keyring /capi/k2", 1), 0);
	ck_assert_int_eq(rados_conf_parse_env(c, NULL), 0);
	ck_assert_str_eq(conf_val(c, "keyring"), "/capi/k2");
	ck_assert_int_eq(setenv("CAPI_ARGS", "--admin_socket /capi/a2", 1), 0);
	ck_assert_int_eq(rados_conf_parse_env(c, "CAPI_ARGS"), 0);
	ck_assert_str_eq(conf_val(c, "admin_socket"), "/capi/a2");
	ck_assert_str_eq(conf_val(c, "keyring"), "/capi/k2");
	unsetenv("CAPI_NO_SUCH_VAR");
	ck_assert_int_eq(rados_conf_parse_env(c, "CAPI_NO_SUCH_VAR"), 0);
	unsetenv("CEPH_ARGS");
	unsetenv("CAPI_ARGS");
	rados_shutdown(c);
}
END_TEST

START_TEST(test_not_connected)
{
	rados_t c;
	rados_ioctx_t x;
	char buf[256];
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(rados_conf_read_file(c, capi_conf()), 0);
	ck_assert_int_eq(rados_pool_lookup(c, CAPI_POOL), -ENOTCONN);
	ck_assert_int_eq(rados_pool_create(c, "capi-nc"), -ENOTCONN);
	ck_assert_int_eq(rados_pool_delete(c, "capi-nc"), -ENOTCONN);
	ck_assert_int_eq(rados_pool_list(c, buf, sizeof(buf)), -ENOTCONN);
	ck_assert_int_eq(rados_pool_reverse_lookup(c, 1, buf, sizeof(buf)), -ENOTCONN);
	ck_assert_int_eq(rados_ioctx_create(c, CAPI_POOL, &x), -ENOTCONN);
	ck_assert_int_eq(rados_ioctx_create2(c, 1, &x), -ENOTCONN);
	rados_shutdown(c);
}
END_TEST

/* A 127.0.0.1 port nobody listens on (bound, then closed). */
static int dead_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

START_TEST(test_connect_failures)
{
	rados_t c;
	/* No monitor address at all. */
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(rados_conf_set(c, "client_mount_timeout", "5"), 0);
	ck_assert_int_eq(rados_connect(c), -ENOENT);
	rados_shutdown(c);

	/* A dead monitor: -ETIMEDOUT after client_mount_timeout. */
	char host[64];
	snprintf(host, sizeof(host), "127.0.0.1:%d", dead_port());
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(rados_conf_set(c, "mon_host", host), 0);
	ck_assert_int_eq(rados_conf_set(c, "client_mount_timeout", "2"), 0);
	uint64_t t0 = capi_now_ms();
	ck_assert_int_eq(rados_connect(c), -ETIMEDOUT);
	ck_assert_uint_ge(capi_now_ms() - t0, 1500);
	/* The handle is still usable for configuration and shuts down cleanly. */
	ck_assert_int_eq(rados_conf_set(c, "mon_host", host), 0);
	rados_shutdown(c);
}
END_TEST

START_TEST(test_connect)
{
	rados_t c = capi_connect();
	char buf[256], fsid_conf[64];
	ck_assert_int_eq(rados_connect(c), -EISCONN);

	/* The fsid: 36 characters, buffer of at least 37. */
	ck_assert_int_eq(rados_cluster_fsid(c, buf, 10), -ERANGE);
	ck_assert_int_eq(rados_cluster_fsid(c, buf, 36), -ERANGE);
	ck_assert_int_eq(rados_cluster_fsid(c, buf, 37), 36);
	ck_assert_int_eq(rados_cluster_fsid(c, buf, sizeof(buf)), 36);
	ck_assert_uint_eq(strlen(buf), 36);
	ck_assert_int_eq(rados_conf_get(c, "fsid", fsid_conf, sizeof(fsid_conf)), 0);
	ck_assert_str_eq(buf, fsid_conf);

	ck_assert_int_eq(rados_wait_for_latest_osdmap(c), 0);

	/* Options the session depends on cannot change; others can. */
	ck_assert_int_eq(rados_conf_set(c, "mon_host", "127.0.0.1:1"), -EPERM);
	ck_assert_int_eq(rados_conf_set(c, "rados_osd_op_timeout", "30"), 0);

	/* Every client has its own instance id. */
	rados_t d = capi_connect();
	uint64_t ic = rados_get_instance_id(c), id = rados_get_instance_id(d);
	ck_assert_uint_ne(ic, 0);
	ck_assert_uint_ne(id, 0);
	ck_assert_uint_ne(ic, id);
	rados_shutdown(d);
	rados_shutdown(c);
}
END_TEST

/* ---- pools --------------------------------------------------------------------------- */

START_TEST(test_pool_lookup)
{
	char buf[64];
	int64_t id = rados_pool_lookup(capi_cl, CAPI_POOL);
	ck_assert_int_gt(id, 0); /* Ceph's first pool is 1; python's tests need > 0 */
	ck_assert_int_eq(rados_pool_lookup(capi_cl, "capi-no-such-pool"), -ENOENT);
	ck_assert_int_eq(rados_pool_reverse_lookup(capi_cl, id, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, CAPI_POOL);
	ck_assert_int_eq(rados_pool_reverse_lookup(capi_cl, id, buf, 3), -ERANGE);
	ck_assert_int_eq(rados_pool_reverse_lookup(capi_cl, 987654, buf, sizeof(buf)), -ENOENT);

	rados_ioctx_t x;
	ck_assert_int_eq(rados_ioctx_create(capi_cl, "capi-no-such-pool", &x), -ENOENT);
	ck_assert_int_eq(rados_ioctx_create2(capi_cl, 987654, &x), -ENOENT);
	ck_assert_int_eq(rados_ioctx_create2(capi_cl, id, &x), 0);
	ck_assert_int_eq(rados_ioctx_get_id(x), id);
	ck_assert_ptr_eq(rados_ioctx_get_cluster(x), capi_cl);
	ck_assert_int_eq(rados_ioctx_get_pool_name(x, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, CAPI_POOL);
	ck_assert_int_eq(rados_ioctx_get_pool_name(x, buf, 4), 3);
	ck_assert_int_eq(rados_ioctx_get_pool_name(x, buf, 3), -ERANGE);
	rados_ioctx_destroy(x);
	ck_assert_int_eq(rados_ioctx_get_id(capi_io), id);
}
END_TEST

/* Walk a pool list; returns the bytes it occupies (names, NULs, final NUL). */
static int list_bytes(const char *buf, int *count, const char *want, int *found)
{
	const char *p = buf;
	*count = 0;
	while (*p) {
		if (want && strcmp(p, want) == 0)
			(*found)++;
		(*count)++;
		p += strlen(p) + 1;
	}
	return (int)(p - buf) + 1;
}

START_TEST(test_pool_list)
{
	/* Size negotiation: the call returns the bytes it needs. */
	int need = rados_pool_list(capi_cl, NULL, 0);
	ck_assert_int_ge(need, 5); /* at least "rbd\0" + the final NUL */
	char *buf = malloc((size_t)need);
	ck_assert_ptr_nonnull(buf);
	memset(buf, 'x', (size_t)need);
	ck_assert_int_eq(rados_pool_list(capi_cl, buf, (size_t)need), need);
	int n, found = 0;
	ck_assert_int_eq(list_bytes(buf, &n, CAPI_POOL, &found), need);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(found, 1);

	/* Too small: still the size needed, and only whole names in the buffer. */
	char small[3];
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(rados_pool_list(capi_cl, small, sizeof(small)), need);
	ck_assert_int_eq(small[0], '\0');
	size_t first = strlen(buf) + 1;
	char *part = malloc(first + 1);
	ck_assert_ptr_nonnull(part);
	memset(part, 'x', first + 1);
	ck_assert_int_eq(rados_pool_list(capi_cl, part, first + 1), need);
	ck_assert_str_eq(part, buf);
	ck_assert_int_eq(part[first], '\0');
	free(part);
	free(buf);
}
END_TEST

START_TEST(test_pool_create_delete)
{
	char name[64], buf[64];
	snprintf(name, sizeof(name), "capi-pool-%d", (int)getpid());
	ck_assert_int_eq(rados_pool_lookup(capi_cl, name), -ENOENT);
	ck_assert_int_eq(rados_pool_delete(capi_cl, name), -ENOENT);
	ck_assert_int_eq(rados_pool_create(capi_cl, name), 0);
	ck_assert_int_eq(rados_pool_create(capi_cl, name), -EEXIST);
	int64_t id = rados_pool_lookup(capi_cl, name);
	ck_assert_int_gt(id, 0);
	ck_assert_int_ne(id, rados_pool_lookup(capi_cl, CAPI_POOL));
	ck_assert_int_eq(rados_pool_reverse_lookup(capi_cl, id, buf, sizeof(buf)),
			 (int)strlen(name));
	ck_assert_str_eq(buf, name);

	/* A second client sees the new pool at once. */
	rados_t other = capi_connect();
	ck_assert_int_eq(rados_pool_lookup(other, name), id);

	int need = rados_pool_list(capi_cl, NULL, 0);
	char *list = malloc((size_t)need);
	ck_assert_int_eq(rados_pool_list(capi_cl, list, (size_t)need), need);
	int n, found = 0;
	list_bytes(list, &n, name, &found);
	ck_assert_int_eq(found, 1);
	free(list);

	rados_ioctx_t x;
	ck_assert_int_eq(rados_ioctx_create(capi_cl, name, &x), 0);
	ck_assert_int_eq(rados_ioctx_get_id(x), id);

	ck_assert_int_eq(rados_pool_delete(capi_cl, name), 0);
	ck_assert_int_eq(rados_pool_delete(capi_cl, name), -ENOENT);
	ck_assert_int_eq(rados_pool_lookup(capi_cl, name), -ENOENT);
	ck_assert_int_eq(rados_ioctx_create(capi_cl, name, &x), -ENOENT);
	ck_assert_int_eq(rados_ioctx_create2(capi_cl, id, &x), -ENOENT);
	/* The other client learns of the deletion too. */
	CAPI_WAIT_FOR(rados_pool_lookup(other, name) == -ENOENT, 10000);
	/* An io context of a deleted pool: its ops fail with -ENOENT. */
	ck_assert_int_eq(rados_write_full(x, "gone", "x", 1), -ENOENT);
	rados_ioctx_destroy(x);
	rados_shutdown(other);
}
END_TEST

START_TEST(test_pool_alignment)
{
	/* Replicated pools need no alignment. */
	int req = -1;
	uint64_t align = 99;
	ck_assert_int_eq(rados_ioctx_pool_requires_alignment2(capi_io, &req), 0);
	ck_assert_int_eq(req, 0);
	ck_assert_int_eq(rados_ioctx_pool_required_alignment2(capi_io, &align), 0);
	ck_assert_uint_eq(align, 0);
}
END_TEST

/* ---- monitor commands ------------------------------------------------------------------ */

START_TEST(test_mon_command)
{
	char *outbuf = NULL, *outs = NULL;
	size_t outbuflen = 99, outslen = 99;

	const char *dump[] = {"{\"prefix\": \"osd dump\", \"format\": \"json\"}"};
	ck_assert_int_eq(
	    rados_mon_command(capi_cl, dump, 1, "", 0, &outbuf, &outbuflen, &outs, &outslen), 0);
	ck_assert_uint_gt(outbuflen, 0);
	ck_assert_ptr_nonnull(outbuf);
	ck_assert_ptr_nonnull(memmem(outbuf, outbuflen, "\"epoch\"", 7));
	ck_assert_ptr_nonnull(memmem(outbuf, outbuflen, "\"rbd\"", 5));
	rados_buffer_free(outbuf);
	if (outslen)
		rados_buffer_free(outs);

	/* The pieces of the command form one JSON document. */
	const char *split[] = {"{\"prefix\": ", "\"osd dump\", \"format\": \"json\"}"};
	outbuf = outs = NULL;
	ck_assert_int_eq(
	    rados_mon_command(capi_cl, split, 2, "", 0, &outbuf, &outbuflen, &outs, &outslen), 0);
	ck_assert_ptr_nonnull(memmem(outbuf, outbuflen, "\"epoch\"", 7));
	rados_buffer_free(outbuf);
	if (outslen)
		rados_buffer_free(outs);

	/* Unknown prefix: -EINVAL and a status saying so; both lengths filled. */
	const char *unknown[] = {"{\"prefix\": \"capi no such command\"}"};
	outbuf = outs = NULL;
	outbuflen = outslen = 99;
	ck_assert_int_eq(
	    rados_mon_command(capi_cl, unknown, 1, "", 0, &outbuf, &outbuflen, &outs, &outslen),
	    -EINVAL);
	ck_assert_uint_eq(outbuflen, 0);
	ck_assert_uint_gt(outslen, 0);
	char *st = strndup(outs, outslen);
	/* Ceph's monitor says exactly "command not known". */
	ck_assert_msg(strncmp(st, "command not known", 17) == 0, "outs '%s'", st);
	free(st);
	rados_buffer_free(outs);

	/* Not JSON at all. */
	const char *bad[] = {"this is not json"};
	outbuf = outs = NULL;
	ck_assert_int_eq(
	    rados_mon_command(capi_cl, bad, 1, "", 0, &outbuf, &outbuflen, &outs, &outslen),
	    -EINVAL);
	if (outbuflen)
		rados_buffer_free(outbuf);
	if (outslen)
		rados_buffer_free(outs);
	rados_buffer_free(NULL);
}
END_TEST

START_TEST(test_mon_command_exact_status)
{
	/* What Ceph 16.2.15's monitor answers, to the byte (python prints it). */
	char *outs;
	ck_assert_int_eq(capi_mon_cmd(capi_cl, "{\"prefix\": \"capi no such command\"}", &outs),
			 -EINVAL);
	ck_assert_msg(strcmp(outs, "command not known") == 0,
		      "outs is '%s', Ceph's monitor says 'command not known'", outs);
	free(outs);
}
END_TEST

void capi_add_cluster_tcases(Suite *s)
{
	TCase *tc = tcase_create("config");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_create_names);
	tcase_add_test(tc, test_conf_read_file);
	tcase_add_test(tc, test_conf_set_get);
	tcase_add_test(tc, test_conf_parse_argv);
	tcase_add_test(tc, test_conf_parse_argv_remainder);
	tcase_add_test(tc, test_conf_parse_env);
	suite_add_tcase(s, tc);

	tc = tcase_create("connect");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_not_connected);
	tcase_add_test(tc, test_connect_failures);
	tcase_add_test(tc, test_connect);
	suite_add_tcase(s, tc);

	tc = tcase_create("pools");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, capi_setup, capi_teardown);
	tcase_add_test(tc, test_pool_lookup);
	tcase_add_test(tc, test_pool_list);
	tcase_add_test(tc, test_pool_create_delete);
	tcase_add_test(tc, test_pool_alignment);
	suite_add_tcase(s, tc);

	tc = tcase_create("mon_command");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, capi_setup, capi_teardown);
	tcase_add_test(tc, test_mon_command);
	tcase_add_test(tc, test_mon_command_exact_status);
	suite_add_tcase(s, tc);
}
