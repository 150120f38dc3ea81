/*
 * test_capi.c - the librados C API against a real cluster: main(), the
 * per-test fixture and helpers shared by the capi_*.c files.
 *
 * Expected return codes are the ones Ceph's own library returns
 * (shared/librados/API_CONVENTIONS.md, "Observed return codes"), so a
 * failure here is a difference from Ceph, not only a Cairn regression.
 *
 * CK_RUN_CASE / CK_RUN_SUITE narrow the run; CK_FORK=no runs every test in
 * one process for a debugger.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capi.h"

rados_t capi_cl;
rados_ioctx_t capi_io;

const char *capi_conf(void)
{
	const char *p = getenv("CAIRN_TEST_CONF");
	ck_assert_msg(p && *p, "CAIRN_TEST_CONF is not set (run through test_librados_capi.sh)");
	return p;
}

const char *capi_scratch_dir(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	const char *base = getenv("CAIRN_TEST_DIR");
	if (!base || !*base)
		base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dir, sizeof(dir), "%s/capi.%d", base, (int)getpid());
	ck_assert_msg(mkdir(dir, 0700) == 0 || errno == EEXIST, "mkdir %s: %s", dir,
		      strerror(errno));
	return dir;
}

uint64_t capi_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

rados_t capi_connect(void)
{
	rados_t c = NULL;
	ck_assert_int_eq(rados_create(&c, "admin"), 0);
	ck_assert_int_eq(rados_conf_read_file(c, capi_conf()), 0);
	/* Debugging knobs for the clients, e.g. "--debug_objecter 10". */
	ck_assert_int_eq(rados_conf_parse_env(c, "CAIRN_TEST_CLIENT_ARGS"), 0);
	int rc = rados_connect(c);
	ck_assert_msg(rc == 0, "rados_connect: %d (%s)", rc, strerror(-rc));
	return c;
}

void capi_setup(void)
{
	capi_cl = capi_connect();
	ck_assert_int_eq(rados_ioctx_create(capi_cl, CAPI_POOL, &capi_io), 0);
}

void capi_teardown(void)
{
	if (capi_io)
		rados_ioctx_destroy(capi_io);
	if (capi_cl)
		rados_shutdown(capi_cl);
	capi_io = NULL;
	capi_cl = NULL;
}

int capi_mon_cmd(rados_t c, const char *json, char **outs_copy)
{
	const char *cmd[1] = {json};
	char *outbuf = NULL, *outs = NULL;
	size_t outbuflen = 0, outslen = 0;
	int rc = rados_mon_command(c, cmd, 1, "", 0, &outbuf, &outbuflen, &outs, &outslen);
	if (outs_copy) {
		*outs_copy = calloc(1, outslen + 1);
		ck_assert_ptr_nonnull(*outs_copy);
		if (outslen)
			memcpy(*outs_copy, outs, outslen);
	}
	if (outbuflen)
		rados_buffer_free(outbuf);
	if (outslen)
		rados_buffer_free(outs);
	return rc;
}

char *capi_read_all(rados_ioctx_t io, const char *oid, size_t cap, int *len)
{
	char *buf = malloc(cap ? cap : 1);
	ck_assert_ptr_nonnull(buf);
	*len = rados_read(io, oid, buf, cap, 0);
	return buf;
}

static Suite *capi_suite(void)
{
	Suite *s = suite_create("librados_capi");
	capi_add_cluster_tcases(s);
	capi_add_io_tcases(s);
	capi_add_op_tcases(s);
	capi_add_aio_tcases(s);
	capi_add_stress_tcases(s);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(capi_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
