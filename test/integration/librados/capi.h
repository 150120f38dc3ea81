/*
 * capi.h - shared glue of the librados C API tests against a real cluster
 * (test_librados_capi.sh starts it and runs test_capi).
 *
 * The tests use nothing but the public <rados/librados.h>, as an outside
 * program would.  Every test runs in its own forked process (Check's
 * default) and connects its own client there: a connected rados_t owns
 * threads, which a fork does not carry over.
 *
 * Environment: CAIRN_TEST_CONF (required) names the cluster's ceph.conf;
 * CAIRN_TEST_DIR (optional) a scratch directory for the tests' own files;
 * CAIRN_TEST_CLIENT_ARGS (optional) options for every connected client, as
 * in CEPH_ARGS (e.g. "--debug_objecter 10": the log goes to the cluster's
 * directory, kept with KEEP=1).
 * The pool "rbd" exists and every PG is active+clean when the suite starts.
 */
#ifndef CAIRN_TEST_CAPI_H
#define CAIRN_TEST_CAPI_H

#include <check.h>
#include <stdatomic.h>
#include <stdint.h>

#include <rados/librados.h>

#define CAPI_POOL "rbd"

/* Ceph's compare-extent mismatch result for the first differing byte at @off. */
#define CAPI_CMPEXT_MISMATCH(off) (-(4095 + (int)(off)))

/* The conf file of the cluster under test. */
const char *capi_conf(void);
/* A scratch directory (created on first use). */
const char *capi_scratch_dir(void);

/* A client (named client.admin) that read capi_conf() and connected. */
rados_t capi_connect(void);

/* The per-test fixture: a connected client and an io context on "rbd". */
extern rados_t capi_cl;
extern rados_ioctx_t capi_io;
void capi_setup(void);
void capi_teardown(void);

/* Monotonic clock in milliseconds. */
uint64_t capi_now_ms(void);

/*
 * Run a monitor command (one JSON document); returns its result and, if
 * @outs_copy is not NULL, a malloc'd NUL-terminated copy of its status
 * string (free it).
 */
int capi_mon_cmd(rados_t c, const char *json, char **outs_copy);

/* Read all of object @oid (at most @cap bytes) into a new buffer; its length in *len. */
char *capi_read_all(rados_ioctx_t io, const char *oid, size_t cap, int *len);

/* Assert that object @oid holds exactly @len bytes @data. */
#define capi_assert_content(io, oid, data, len)                                                    \
	do {                                                                                       \
		int got_;                                                                          \
		char *buf_ = capi_read_all((io), (oid), (size_t)(len) + 64, &got_);                \
		ck_assert_int_eq(got_, (int)(len));                                                \
		ck_assert_msg(memcmp(buf_, (data), (size_t)(len)) == 0, "%s: content differs",     \
			      (oid));                                                              \
		free(buf_);                                                                        \
	} while (0)

/* Poll @cond every millisecond for up to @ms milliseconds, then assert it. */
#define CAPI_WAIT_FOR(cond, ms)                                                                    \
	do {                                                                                       \
		uint64_t until_ = capi_now_ms() + (ms);                                            \
		while (!(cond) && capi_now_ms() < until_)                                          \
			usleep(1000);                                                              \
		ck_assert_msg((cond), "timed out waiting for %s", #cond);                          \
	} while (0)

/* The test cases, one function per file. */
void capi_add_cluster_tcases(Suite *s);
void capi_add_io_tcases(Suite *s);
void capi_add_op_tcases(Suite *s);
void capi_add_aio_tcases(Suite *s);
void capi_add_stress_tcases(Suite *s);

#endif
