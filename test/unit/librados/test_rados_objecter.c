/*
 * test_rados_objecter.c - librados against an in-process fake cluster
 * (fake_cluster.c): pools, io contexts, synchronous and asynchronous I/O,
 * xattrs, compound ops, listing, and the objecter's resends (new map,
 * RETRY, closed session), timeouts, paused clusters and shutdown.
 *
 * These tests run real messengers on 127.0.0.1; where a test must see the
 * objecter react to a change it polls with a deadline rather than sleeping
 * a fixed time.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rados/librados.h>

#include "../unit.h"
#include "common/clk.h"
#include "fake_cluster.h"

static struct fake_cluster *fc;
static rados_t cl;
static rados_ioctx_t io;

static rados_t connect_to(const char *op_timeout)
{
	rados_t c;
	ck_assert_int_eq(rados_create(&c, "admin"), 0);
	ck_assert_int_eq(rados_conf_set(c, "mon_host", fc_mon_host(fc)), 0);
	if (op_timeout)
		ck_assert_int_eq(rados_conf_set(c, "rados_osd_op_timeout", op_timeout), 0);
	ck_assert_int_eq(rados_connect(c), 0);
	return c;
}

static void setup_pg(uint32_t pg_num)
{
	fc = fc_start(3, pg_num);
	cl = connect_to(NULL);
	ck_assert_int_eq(rados_ioctx_create(cl, "rbd", &io), 0);
}

static void setup(void)
{
	setup_pg(8);
}

static void teardown(void)
{
	if (io)
		rados_ioctx_destroy(io);
	if (cl)
		rados_shutdown(cl);
	io = NULL;
	cl = NULL;
	fc_stop(fc);
}

/* Poll @cond for up to 10 s. */
#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		uint64_t until_ = clk_mono_ns() + 10 * CLK_NS_PER_SEC;                             \
		while (!(cond) && clk_mono_ns() < until_)                                          \
			usleep(2000);                                                              \
		ck_assert_msg((cond), "timed out waiting for %s", #cond);                          \
	} while (0)

/* ---- without a cluster ------------------------------------------------------------------ */

START_TEST(test_not_connected)
{
	rados_t c;
	rados_ioctx_t x;
	char buf[64];
	ck_assert_int_eq(rados_create(&c, NULL), 0);
	ck_assert_int_eq(rados_pool_lookup(c, "rbd"), -ENOTCONN);
	ck_assert_int_eq(rados_pool_list(c, buf, sizeof(buf)), -ENOTCONN);
	ck_assert_int_eq(rados_pool_create(c, "x"), -ENOTCONN);
	ck_assert_int_eq(rados_pool_delete(c, "x"), -ENOTCONN);
	ck_assert_int_eq(rados_pool_reverse_lookup(c, 1, buf, sizeof(buf)), -ENOTCONN);
	ck_assert_int_eq(rados_ioctx_create(c, "rbd", &x), -ENOTCONN);
	ck_assert_int_eq(rados_ioctx_create2(c, 1, &x), -ENOTCONN);
	ck_assert_int_eq(rados_pool_lookup(NULL, "rbd"), -EINVAL);
	/* fio calls this with a NULL io context after a failed connect. */
	ck_assert_int_eq(rados_remove(NULL, "obj"), -EINVAL);
	ck_assert_int_eq(rados_write(NULL, "obj", "x", 1, 0), -EINVAL);
	ck_assert_int_eq(rados_read(NULL, "obj", buf, 1, 0), -EINVAL);
	ck_assert_int_eq(rados_aio_flush(NULL), -EINVAL);
	rados_shutdown(c);
}
END_TEST

START_TEST(test_ops_without_cluster)
{
	/* Builders and completions need no cluster. */
	rados_write_op_t w = rados_create_write_op();
	ck_assert_ptr_nonnull(w);
	rados_write_op_write(w, "abc", 3, 0);
	rados_write_op_set_flags(w, LIBRADOS_OP_FLAG_FAILOK);
	rados_write_op_omap_clear(w);
	ck_assert_int_eq(rados_write_op_operate(w, NULL, "o", NULL, 0), -EINVAL);
	/* The failed operate consumed the steps: an empty op operates to 0... with an ioctx. */
	rados_release_write_op(w);
	rados_release_write_op(NULL);
	rados_release_read_op(NULL);
	rados_completion_t comp;
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &comp), 0);
	ck_assert_int_eq(rados_aio_is_complete(comp), 0);
	ck_assert_int_eq(rados_aio_get_return_value(comp), 0);
	ck_assert_int_eq(rados_aio_create_completion(NULL, NULL, NULL, NULL), -EINVAL);
	rados_aio_release(comp);
	rados_getxattrs_end(NULL);
	rados_omap_get_end(NULL);
	rados_nobjects_list_close(NULL);
}
END_TEST

/* ---- pools and io contexts -------------------------------------------------------------- */

START_TEST(test_pools)
{
	char buf[64];
	ck_assert_int_eq(rados_pool_list(cl, buf, sizeof(buf)), 5);
	ck_assert_mem_eq(buf, "rbd\0\0", 5);
	ck_assert_int_eq(rados_pool_list(cl, NULL, 0), 5);
	ck_assert_int_eq(rados_pool_list(cl, buf, 3), 5); /* too short: "rbd" does not fit */
	ck_assert_int_eq(buf[0], 0);
	ck_assert_int_eq(rados_pool_lookup(cl, "rbd"), 1);
	ck_assert_int_eq(rados_pool_lookup(cl, "nope"), -ENOENT);

	ck_assert_int_eq(rados_pool_create(cl, "data"), 0);
	ck_assert_int_eq(rados_pool_create(cl, "data"), -EEXIST);
	ck_assert_int_eq(rados_pool_lookup(cl, "data"), 2);
	ck_assert_int_eq(rados_pool_list(cl, buf, sizeof(buf)), 10);
	ck_assert_mem_eq(buf, "rbd\0data\0\0", 10);
	ck_assert_int_eq(rados_pool_reverse_lookup(cl, 2, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "data");
	ck_assert_int_eq(rados_pool_reverse_lookup(cl, 2, buf, 4), -ERANGE);
	ck_assert_int_eq(rados_pool_reverse_lookup(cl, 99, buf, sizeof(buf)), -ENOENT);
	int64_t base;
	ck_assert_int_eq(rados_pool_get_base_tier(cl, 2, &base), 0);
	ck_assert_int_eq(base, 2);

	rados_ioctx_t x;
	ck_assert_int_eq(rados_ioctx_create2(cl, 2, &x), 0);
	ck_assert_int_eq(rados_ioctx_get_id(x), 2);
	ck_assert_int_eq(rados_ioctx_get_pool_name(x, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "data");
	ck_assert_int_eq(rados_ioctx_get_pool_name(x, buf, 2), -ERANGE);
	ck_assert_ptr_eq(rados_ioctx_get_cluster(x), cl);
	ck_assert_int_eq(rados_write_full(x, "o", "hello", 5), 0);

	ck_assert_int_eq(rados_pool_delete(cl, "data"), 0);
	ck_assert_int_eq(rados_pool_delete(cl, "data"), -ENOENT);
	ck_assert_int_eq(rados_pool_lookup(cl, "data"), -ENOENT);
	/* Io contexts on a deleted pool fail with -ENOENT. */
	ck_assert_int_eq(rados_write_full(x, "o", "hello", 5), -ENOENT);
	ck_assert_int_eq(rados_ioctx_get_pool_name(x, buf, sizeof(buf)), -ENOENT);
	rados_ioctx_destroy(x);
	ck_assert_int_eq(rados_ioctx_create(cl, "data", &x), -ENOENT);
	ck_assert_int_eq(rados_ioctx_create2(cl, 2, &x), -ENOENT);
}
END_TEST

START_TEST(test_namespace_accessors)
{
	char buf[16];
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	rados_ioctx_set_namespace(io, "ns1");
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "ns1");
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, 3), -ERANGE);
	rados_ioctx_set_namespace(io, NULL);
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, sizeof(buf)), 0);
	/* The wildcard is for listings only. */
	rados_ioctx_set_namespace(io, LIBRADOS_ALL_NSPACES);
	ck_assert_int_eq(rados_write_full(io, "o", "x", 1), -EINVAL);
	rados_ioctx_set_namespace(io, "");
	int req = 7;
	uint64_t align = 7;
	ck_assert_int_eq(rados_ioctx_pool_requires_alignment2(io, &req), 0);
	ck_assert_int_eq(req, 0);
	ck_assert_int_eq(rados_ioctx_pool_required_alignment2(io, &align), 0);
	ck_assert_uint_eq(align, 0);
}
END_TEST

/* ---- synchronous I/O ------------------------------------------------------------------ */

START_TEST(test_write_read)
{
	char buf[64];
	uint64_t size = 0;
	time_t mtime = 0;
	ck_assert_int_eq(rados_read(io, "obj", buf, sizeof(buf), 0), -ENOENT);
	ck_assert_int_eq(rados_stat(io, "obj", &size, &mtime), -ENOENT);
	ck_assert_int_eq(rados_remove(io, "obj"), -ENOENT);

	ck_assert_int_eq(rados_write_full(io, "obj", "hello world", 11), 0);
	uint64_t v1 = rados_get_last_version(io);
	ck_assert_uint_gt(v1, 0);
	ck_assert_int_eq(rados_read(io, "obj", buf, sizeof(buf), 0), 11);
	ck_assert_mem_eq(buf, "hello world", 11);
	ck_assert_int_eq(rados_read(io, "obj", buf, 5, 6), 5);
	ck_assert_mem_eq(buf, "world", 5);
	ck_assert_int_eq(rados_read(io, "obj", buf, sizeof(buf), 100), 0); /* past EOF */
	ck_assert_int_eq(rados_read(io, "obj", buf, 0, 0), 0);

	ck_assert_int_eq(rados_write(io, "obj", "XY", 2, 13), 0); /* a gap of zeros */
	ck_assert_uint_gt(rados_get_last_version(io), v1);
	ck_assert_int_eq(rados_read(io, "obj", buf, sizeof(buf), 0), 15);
	ck_assert_mem_eq(buf, "hello world\0\0XY", 15);
	ck_assert_int_eq(rados_append(io, "obj", "!", 1), 0);
	time_t before = time(NULL);
	ck_assert_int_eq(rados_stat(io, "obj", &size, &mtime), 0);
	ck_assert_uint_eq(size, 16);
	ck_assert_int_le(llabs((long long)(mtime - before)), 5);
	ck_assert_int_eq(rados_stat(io, "obj", NULL, NULL), 0);

	ck_assert_int_eq(rados_trunc(io, "obj", 5), 0);
	ck_assert_int_eq(rados_read(io, "obj", buf, sizeof(buf), 0), 5);
	ck_assert_int_eq(rados_writesame(io, "obj", "ab", 2, 6, 0), 0);
	ck_assert_int_eq(rados_read(io, "obj", buf, sizeof(buf), 0), 6);
	ck_assert_mem_eq(buf, "ababab", 6);
	ck_assert_int_eq(rados_writesame(io, "obj", "ab", 2, 5, 0), -EINVAL);

	ck_assert_int_eq(rados_cmpext(io, "obj", "abab", 4, 0), 0);
	ck_assert_int_eq(rados_cmpext(io, "obj", "abXb", 4, 0), -4097);
	ck_assert_int_eq(rados_cmpext(io, "nope", "a", 1, 0), -ENOENT);

	ck_assert_int_eq(rados_remove(io, "obj"), 0);
	ck_assert_int_eq(rados_read(io, "obj", buf, sizeof(buf), 0), -ENOENT);
	ck_assert_int_eq(rados_write(io, "empty", NULL, 0, 0), 0); /* creates it */
	ck_assert_int_eq(rados_stat(io, "empty", &size, NULL), 0);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(rados_write(io, NULL, "x", 1, 0), -EINVAL);
	ck_assert_int_eq(rados_write(io, "x", NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(rados_exec(io, "x", "hello", "say_hello", NULL, 0, buf, 10), -EOPNOTSUPP);
}
END_TEST

START_TEST(test_big_object)
{
	size_t n = 3 << 20;
	char *a = malloc(n), *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		a[i] = (char)(i * 31 + 7);
	ck_assert_int_eq(rados_write_full(io, "big", a, n), 0);
	ck_assert_int_eq(rados_read(io, "big", b, n, 0), (int)n);
	ck_assert_mem_eq(a, b, n);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_xattrs)
{
	char buf[16];
	ck_assert_int_eq(rados_getxattr(io, "x", "a", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(rados_setxattr(io, "x", "b", "two", 3), 0); /* creates the object */
	ck_assert_int_eq(rados_setxattr(io, "x", "a", "one", 3), 0);
	ck_assert_int_eq(rados_setxattr(io, "x", "empty", "", 0), 0);
	ck_assert_int_eq(rados_getxattr(io, "x", "a", buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "one", 3);
	ck_assert_int_eq(rados_getxattr(io, "x", "a", buf, 2), -ERANGE);
	ck_assert_int_eq(rados_getxattr(io, "x", "zz", buf, sizeof(buf)), -ENODATA);
	ck_assert_int_eq(rados_getxattr(io, "x", "empty", buf, sizeof(buf)), 0);

	rados_xattrs_iter_t it;
	const char *name, *val;
	size_t len;
	ck_assert_int_eq(rados_getxattrs(io, "x", &it), 0);
	const char *want[] = {"a", "b", "empty"};
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(rados_getxattrs_next(it, &name, &val, &len), 0);
		ck_assert_str_eq(name, want[i]);
		ck_assert_ptr_nonnull(val);
	}
	ck_assert_int_eq(rados_getxattrs_next(it, &name, &val, &len), 0);
	ck_assert_ptr_null(name);
	ck_assert_ptr_null(val);
	ck_assert_uint_eq(len, 0);
	rados_getxattrs_end(it);
	ck_assert_int_eq(rados_getxattrs(io, "missing", &it), -ENOENT);

	ck_assert_int_eq(rados_rmxattr(io, "x", "a"), 0);
	ck_assert_int_eq(rados_rmxattr(io, "x", "a"), 0); /* absent: still 0 */
	ck_assert_int_eq(rados_getxattr(io, "x", "a", buf, sizeof(buf)), -ENODATA);
	ck_assert_int_eq(rados_rmxattr(io, "missing", "a"), -ENOENT);
	ck_assert_int_eq(rados_setxattr(io, "x", NULL, "v", 1), -EINVAL);
}
END_TEST

START_TEST(test_namespaces_and_locator)
{
	char buf[16];
	ck_assert_int_eq(rados_write_full(io, "same", "default", 7), 0);
	rados_ioctx_set_namespace(io, "ns1");
	ck_assert_int_eq(rados_read(io, "same", buf, sizeof(buf), 0), -ENOENT);
	ck_assert_int_eq(rados_write_full(io, "same", "in ns1", 6), 0);
	ck_assert_int_eq(rados_read(io, "same", buf, sizeof(buf), 0), 6);
	ck_assert_mem_eq(buf, "in ns1", 6);
	rados_ioctx_set_namespace(io, "");
	ck_assert_int_eq(rados_read(io, "same", buf, sizeof(buf), 0), 7);
	/* The locator moves placement, not identity; the fake OSD checks the placement. */
	rados_ioctx_locator_set_key(io, "somekey");
	ck_assert_int_eq(rados_write_full(io, "keyed", "k", 1), 0);
	ck_assert_int_eq(rados_read(io, "keyed", buf, sizeof(buf), 0), 1);
	rados_ioctx_locator_set_key(io, NULL);
}
END_TEST

/* ---- listing --------------------------------------------------------------------------- */

/* List everything; returns the count and checks each name is seen once. */
static int list_all(rados_ioctx_t x, bool *seen, int n_names, const char *prefix)
{
	rados_list_ctx_t ctx;
	ck_assert_int_eq(rados_nobjects_list_open(x, &ctx), 0);
	const char *entry, *key, *ns;
	int count = 0, rc;
	while ((rc = rados_nobjects_list_next(ctx, &entry, &key, &ns)) == 0) {
		count++;
		int i;
		if (prefix && sscanf(entry + strlen(prefix), "%d", &i) == 1 && i < n_names &&
		    !strncmp(entry, prefix, strlen(prefix))) {
			ck_assert_msg(!seen[i], "%s listed twice", entry);
			seen[i] = true;
		}
	}
	ck_assert_int_eq(rc, -ENOENT);
	ck_assert_int_eq(rados_nobjects_list_next(ctx, &entry, NULL, NULL), -ENOENT);
	rados_nobjects_list_close(ctx);
	return count;
}

START_TEST(test_listing)
{
	char name[32];
	bool seen[64] = {0};
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "obj%d", i);
		ck_assert_int_eq(rados_write_full(io, name, "x", 1), 0);
	}
	rados_ioctx_set_namespace(io, "ns1");
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(rados_write_full(io, name, "x", 1), 0);
	}
	rados_ioctx_locator_set_key(io, "loc");
	ck_assert_int_eq(rados_write_full(io, "located", "x", 1), 0);
	rados_ioctx_locator_set_key(io, "");

	ck_assert_int_eq(list_all(io, seen, 10, "n"), 11);
	for (int i = 0; i < 10; i++)
		ck_assert(seen[i]);
	rados_ioctx_set_namespace(io, "");
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(list_all(io, seen, 40, "obj"), 40);
	for (int i = 0; i < 40; i++)
		ck_assert(seen[i]);

	/* Every namespace, with namespaces and locators reported. */
	rados_ioctx_set_namespace(io, LIBRADOS_ALL_NSPACES);
	rados_list_ctx_t ctx;
	const char *entry, *key, *ns;
	size_t elen, klen, nslen;
	int total = 0, in_ns1 = 0, keyed = 0;
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	while (rados_nobjects_list_next2(ctx, &entry, &key, &ns, &elen, &klen, &nslen) == 0) {
		total++;
		ck_assert_uint_eq(elen, strlen(entry));
		ck_assert_uint_eq(nslen, strlen(ns));
		in_ns1 += strcmp(ns, "ns1") == 0;
		if (key) {
			keyed++;
			ck_assert_str_eq(key, "loc");
			ck_assert_uint_eq(klen, 3);
			ck_assert_str_eq(entry, "located");
		}
	}
	rados_nobjects_list_close(ctx);
	ck_assert_int_eq(total, 51);
	ck_assert_int_eq(in_ns1, 11);
	ck_assert_int_eq(keyed, 1);

	/* Positions are PG seeds: seek to the last PG and count what is left. */
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	ck_assert_uint_eq(rados_nobjects_list_get_pg_hash_position(ctx), 0);
	uint32_t pos = rados_nobjects_list_seek(ctx, 7);
	ck_assert_uint_eq(pos, 7);
	ck_assert_uint_eq(rados_nobjects_list_get_pg_hash_position(ctx), 7);
	int tail = 0;
	while (rados_nobjects_list_next(ctx, &entry, NULL, NULL) == 0)
		tail++;
	ck_assert_int_lt(tail, total);
	rados_nobjects_list_close(ctx);
}
END_TEST

START_TEST(test_listing_batches)
{
	/* One PG with more objects than a batch: the cursor carries the walk on. */
	char name[32];
	bool *seen = calloc(1100, 1);
	for (int i = 0; i < 1100; i++) {
		snprintf(name, sizeof(name), "o%d", i);
		ck_assert_int_eq(rados_write_full(io, name, NULL, 0), 0);
	}
	ck_assert_int_eq(list_all(io, seen, 1100, "o"), 1100);
	for (int i = 0; i < 1100; i++)
		ck_assert(seen[i]);
	free(seen);
}
END_TEST

static void setup_one_pg(void)
{
	setup_pg(1);
}

/* ---- compound ops ------------------------------------------------------------------------ */

START_TEST(test_write_op)
{
	rados_write_op_t w = rados_create_write_op();
	int prval = 1;
	rados_write_op_create(w, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	rados_write_op_write_full(w, "abcdef", 6);
	rados_write_op_setxattr(w, "k", "v", 1);
	const char *keys[] = {"k1", "k2", "k3"};
	const char *vals[] = {"v1", "", "v3"};
	size_t lens[] = {2, 0, 2};
	rados_write_op_omap_set(w, keys, vals, lens, 3);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), 0);
	/* The op was consumed: reusing it with a new step does not re-create. */
	rados_write_op_append(w, "gh", 2);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), 0);
	char buf[16];
	ck_assert_int_eq(rados_read(io, "wop", buf, sizeof(buf), 0), 8);
	ck_assert_mem_eq(buf, "abcdefgh", 8);

	rados_write_op_create(w, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), -EEXIST);
	/* A failing cmpext stops the op before its write. */
	rados_write_op_cmpext(w, "abX", 3, 0, &prval);
	rados_write_op_write(w, "ZZ", 2, 0);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), -4097);
	ck_assert_int_eq(prval, -4097);
	ck_assert_int_eq(rados_read(io, "wop", buf, 2, 0), 2);
	ck_assert_mem_eq(buf, "ab", 2);
	/* omap_cmp: -ECANCELED when false or absent. */
	rados_write_op_omap_cmp(w, "k1", LIBRADOS_CMPXATTR_OP_EQ, "v1", 2, &prval);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), 0);
	ck_assert_int_eq(prval, 0);
	rados_write_op_omap_cmp(w, "nokey", LIBRADOS_CMPXATTR_OP_EQ, "v1", 2, &prval);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), -ECANCELED);
	ck_assert_int_eq(prval, -ECANCELED);
	/* FAILOK lets the op go on. */
	rados_write_op_remove(w);
	rados_write_op_set_flags(w, LIBRADOS_OP_FLAG_FAILOK);
	rados_write_op_write_full(w, "new", 3);
	ck_assert_int_eq(rados_write_op_operate(w, io, "fresh", NULL, 0), 0);
	ck_assert_int_eq(rados_read(io, "fresh", buf, sizeof(buf), 0), 3);
	/* cmpxattr, rm keys, exec. */
	rados_write_op_cmpxattr(w, "k", LIBRADOS_CMPXATTR_OP_EQ, "v", 1);
	rados_write_op_omap_rm_keys(w, keys, 1);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), 0);
	rados_write_op_cmpxattr(w, "k", LIBRADOS_CMPXATTR_OP_GT, "v", 1);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), -ECANCELED);
	rados_write_op_exec(w, "cls", "m", NULL, 0, &prval);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), -EOPNOTSUPP);
	ck_assert_int_eq(rados_write_op_operate(w, io, "wop", NULL, 0), 0); /* empty */
	rados_release_write_op(w);

	/* Read back with a read op. */
	rados_read_op_t r = rados_create_read_op();
	rados_omap_iter_t it = NULL, kit = NULL;
	unsigned char more = 9;
	int pr_vals = 1, pr_read = 1, pr_stat = 1;
	size_t got = 0;
	uint64_t size = 0;
	rados_read_op_omap_get_vals2(r, NULL, NULL, 100, &it, &more, &pr_vals);
	rados_read_op_omap_get_keys2(r, "", 1, &kit, NULL, NULL);
	rados_read_op_read(r, 2, 4, buf, &got, &pr_read);
	rados_read_op_stat(r, &size, NULL, &pr_stat);
	ck_assert_int_eq(rados_read_op_operate(r, io, "wop", 0), 0);
	ck_assert_int_eq(pr_vals, 0);
	ck_assert_int_eq(pr_read, 0);
	ck_assert_int_eq(pr_stat, 0);
	ck_assert_uint_eq(got, 4);
	ck_assert_mem_eq(buf, "cdef", 4);
	ck_assert_uint_eq(size, 8);
	ck_assert_int_eq(more, 0);
	ck_assert_uint_eq(rados_omap_iter_size(it), 2);
	char *k, *v;
	size_t vlen;
	ck_assert_int_eq(rados_omap_get_next(it, &k, &v, &vlen), 0);
	ck_assert_str_eq(k, "k2");
	ck_assert_ptr_null(v); /* a zero-length value is NULL */
	ck_assert_uint_eq(vlen, 0);
	ck_assert_int_eq(rados_omap_get_next(it, &k, &v, &vlen), 0);
	ck_assert_str_eq(k, "k3");
	ck_assert_mem_eq(v, "v3", 2);
	ck_assert_int_eq(rados_omap_get_next(it, &k, &v, &vlen), 0);
	ck_assert_ptr_null(k);
	rados_omap_get_end(it);
	ck_assert_int_eq(rados_omap_get_next(kit, &k, &v, &vlen), 0);
	ck_assert_str_eq(k, "k2");
	ck_assert_ptr_null(v);
	rados_omap_get_end(kit);

	/* By keys, and a failing read op leaves its iterators empty (they are handed out
	 * when the step is added, as Ceph's library does; python3-rados relies on it). */
	it = NULL;
	const char *want[] = {"k3", "nokey"};
	rados_read_op_omap_get_vals_by_keys(r, want, 2, &it, NULL);
	rados_read_op_cmpext(r, "cd", 2, 2, &pr_read);
	ck_assert_int_eq(rados_read_op_operate(r, io, "wop", 0), 0);
	ck_assert_uint_eq(rados_omap_iter_size(it), 1);
	rados_omap_get_end(it);
	it = NULL;
	rados_read_op_omap_get_vals2(r, NULL, NULL, 10, &it, NULL, NULL);
	rados_read_op_assert_exists(r);
	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(rados_read_op_operate(r, io, "missing", 0), -ENOENT);
	ck_assert_uint_eq(rados_omap_iter_size(it), 0);
	char *ek = (char *)"x", *ev = (char *)"x";
	size_t el = 7;
	ck_assert_int_eq(rados_omap_get_next(it, &ek, &ev, &el), 0);
	ck_assert_ptr_null(ek);
	rados_omap_get_end(it);
	rados_read_op_assert_version(r, 999999);
	ck_assert_int_ne(rados_read_op_operate(r, io, "wop", 0), 0);
	rados_release_read_op(r);
}
END_TEST

/* ---- aio ----------------------------------------------------------------------------------- */

static atomic_int cb_calls;
static atomic_int cb_saw_complete;

static void count_cb(rados_completion_t c, void *arg)
{
	(void)arg;
	if (rados_aio_is_complete(c))
		atomic_fetch_add(&cb_saw_complete, 1);
	atomic_fetch_add(&cb_calls, 1);
}

static void release_cb(rados_completion_t c, void *arg)
{
	(void)arg;
	atomic_fetch_add(&cb_calls, 1);
	rados_aio_release(c); /* python does this when it kept no reference */
}

START_TEST(test_aio)
{
	rados_completion_t a, b, c;
	atomic_store(&cb_calls, 0);
	atomic_store(&cb_saw_complete, 0);
	/* write then append, queued back to back, apply in order. */
	ck_assert_int_eq(rados_aio_create_completion(NULL, count_cb, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, count_cb, &b), 0);
	ck_assert_int_eq(rados_aio_write(io, "foo", a, "bar", 3, 0), 0);
	ck_assert_int_eq(rados_aio_append(io, "foo", b, "baz", 3), 0);
	ck_assert_int_eq(rados_aio_write(io, "foo", a, "bar", 3, 0), -EINVAL); /* one use only */
	ck_assert_int_eq(rados_aio_wait_for_complete_and_cb(a), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete_and_cb(b), 0);
	ck_assert_int_eq(rados_aio_get_return_value(a), 0);
	ck_assert_int_eq(rados_aio_get_return_value(b), 0);
	ck_assert_int_eq(rados_aio_is_complete_and_cb(b), 1);
	ck_assert_int_eq(atomic_load(&cb_calls), 2);
	ck_assert_int_eq(atomic_load(&cb_saw_complete), 2);
	rados_aio_release(a);
	rados_aio_release(b);

	char buf[16];
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_read(io, "foo", c, buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete(c), 0);
	ck_assert_int_eq(rados_aio_is_complete(c), 1);
	ck_assert_int_eq(rados_aio_get_return_value(c), 6);
	ck_assert_mem_eq(buf, "barbaz", 6);
	ck_assert_uint_gt(rados_aio_get_version(c), 0);
	rados_aio_release(c);

	/* write, then write_full: the later wins. */
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &b), 0);
	ck_assert_int_eq(rados_aio_write(io, "foo2", a, "barbaz", 6, 0), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "foo2", b, "bar", 3), 0);
	ck_assert_int_eq(rados_aio_flush(io), 0);
	ck_assert_int_eq(rados_aio_is_complete_and_cb(a), 1);
	ck_assert_int_eq(rados_aio_is_complete_and_cb(b), 1);
	rados_aio_release(a);
	rados_aio_release(b);
	ck_assert_int_eq(rados_read(io, "foo2", buf, sizeof(buf), 0), 3);

	/* A missing object: queued fine, completes with -ENOENT. */
	uint64_t size = 0;
	time_t mtime = 0;
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_read(io, "nope", c, buf, sizeof(buf), 0), 0);
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), -ENOENT);
	rados_aio_release(c);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_stat(io, "foo", c, &size, &mtime), 0);
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	ck_assert_uint_eq(size, 6);
	rados_aio_release(c);

	/* Released inside its own callback. */
	atomic_store(&cb_calls, 0);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, release_cb, &c), 0);
	ck_assert_int_eq(rados_aio_remove(io, "foo", c), 0);
	WAIT_FOR(atomic_load(&cb_calls) == 1);
	ck_assert_int_eq(rados_read(io, "foo", buf, 1, 0), -ENOENT);

	/* xattrs, flush_async, exec. */
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_setxattr(io, "foo2", a, "n", "v", 1), 0);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &b), 0);
	ck_assert_int_eq(rados_aio_flush_async(io, b), 0);
	rados_aio_wait_for_complete(b);
	ck_assert_int_eq(rados_aio_is_complete(a), 1);
	rados_aio_release(a);
	rados_aio_release(b);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_getxattr(io, "foo2", a, "n", buf, sizeof(buf)), 0);
	rados_aio_wait_for_complete(a);
	ck_assert_int_eq(rados_aio_get_return_value(a), 1);
	rados_aio_release(a);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_exec(io, "foo2", a, "c", "m", NULL, 0, buf, 1), 0);
	rados_aio_wait_for_complete_and_cb(a);
	ck_assert_int_eq(rados_aio_get_return_value(a), -EOPNOTSUPP);
	rados_aio_release(a);
	/* An empty flush_async completes at once. */
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_flush_async(io, a), 0);
	rados_aio_wait_for_complete(a);
	rados_aio_release(a);

	/* Compound ops through aio; the ioctx may go while they run. */
	rados_ioctx_t x;
	ck_assert_int_eq(rados_ioctx_create(cl, "rbd", &x), 0);
	rados_write_op_t w = rados_create_write_op();
	rados_write_op_write_full(w, "op", 2);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_write_op_operate(w, x, a, "aop", NULL, 0), 0);
	rados_release_write_op(w);
	rados_ioctx_destroy(x);
	rados_aio_wait_for_complete_and_cb(a);
	ck_assert_int_eq(rados_aio_get_return_value(a), 0);
	rados_aio_release(a);
	rados_read_op_t r = rados_create_read_op();
	size_t got = 0;
	rados_read_op_read(r, 0, sizeof(buf), buf, &got, NULL);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &a), 0);
	ck_assert_int_eq(rados_aio_read_op_operate(r, io, a, "aop", 0), 0);
	rados_release_read_op(r);
	rados_aio_wait_for_complete(a);
	ck_assert_int_eq(rados_aio_get_return_value(a), 0);
	ck_assert_uint_eq(got, 2);
	rados_aio_release(a);
}
END_TEST

/* ---- the objecter's resends ---------------------------------------------------------- */

START_TEST(test_resend_on_new_primary)
{
	rados_completion_t c;
	fc_hold(fc, true);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "moving", c, "data", 4), 0);
	WAIT_FOR(fc_held(fc) == 1);
	int old = fc_primary_of(fc, 1, "", "moving");
	fc_hold(fc, false);
	fc_mark_down(fc, old); /* the client resends to the new primary */
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	rados_aio_release(c);
	ck_assert_int_ge(fc_resends_seen(fc), 1);
	ck_assert_int_ne(fc_last_osd(fc), old);
	ck_assert_int_ne(fc_primary_of(fc, 1, "", "moving"), old);
	/* Back up: the next op goes to whoever is primary now. */
	fc_mark_up(fc, old);
	char buf[8];
	ck_assert_int_eq(rados_read(io, "moving", buf, sizeof(buf), 0), 4);
	ck_assert_int_eq(fc_last_osd(fc), fc_primary_of(fc, 1, "", "moving"));
}
END_TEST

START_TEST(test_retry_reply)
{
	/* The OSD says "not primary in my newer map"; the client waits for that map and resends. */
	uint32_t e = fc_epoch(fc);
	fc_retry_next(fc, 2);
	ck_assert_int_eq(rados_write_full(io, "r", "x", 1), 0);
	ck_assert_int_eq(fc_resends_seen(fc), 2);
	ck_assert_uint_eq(fc_epoch(fc), e + 2);
	ck_assert_int_eq(fc_executed(fc), 1);
}
END_TEST

START_TEST(test_resend_on_closed_session)
{
	rados_completion_t c;
	fc_hold(fc, true);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "s", c, "data", 4), 0);
	WAIT_FOR(fc_held(fc) == 1);
	fc_hold(fc, false);
	fc_close_held_sessions(fc); /* the request is lost with the connection */
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	rados_aio_release(c);
	ck_assert_int_ge(fc_resends_seen(fc), 1);
	ck_assert_int_eq(fc_executed(fc), 1);
}
END_TEST

START_TEST(test_resent_write_applies_once)
{
	/* The OSD executed the write but the reply was lost: the resend must not append twice. */
	ck_assert_int_eq(rados_write_full(io, "once", "a", 1), 0);
	rados_completion_t c;
	fc_hold(fc, true);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_append(io, "once", c, "b", 1), 0);
	WAIT_FOR(fc_held(fc) == 1);
	fc_hold(fc, false);
	fc_mark_down(fc, fc_primary_of(fc, 1, "", "once"));
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	rados_aio_release(c);
	fc_release_held(fc); /* the old primary answers late: ignored */
	char buf[8];
	ck_assert_int_eq(rados_read(io, "once", buf, sizeof(buf), 0), 2);
	ck_assert_mem_eq(buf, "ab", 2);
}
END_TEST

START_TEST(test_no_primary_waits)
{
	for (int i = 0; i < 3; i++)
		fc_mark_down(fc, i);
	ck_assert_int_eq(rados_wait_for_latest_osdmap(cl), 0);
	rados_completion_t c;
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "w", c, "x", 1), 0);
	usleep(200000);
	ck_assert_int_eq(rados_aio_is_complete(c), 0);
	fc_mark_up(fc, 1);
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	rados_aio_release(c);
}
END_TEST

START_TEST(test_paused_cluster)
{
	fc_set_pause(fc, true);
	ck_assert_int_eq(rados_wait_for_latest_osdmap(cl), 0);
	int seen = fc_ops_seen(fc);
	rados_completion_t c;
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "p", c, "x", 1), 0);
	usleep(200000);
	ck_assert_int_eq(rados_aio_is_complete(c), 0);
	ck_assert_int_eq(fc_ops_seen(fc), seen);
	fc_set_pause(fc, false);
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	rados_aio_release(c);
}
END_TEST

START_TEST(test_cancel_unsent)
{
	fc_set_pause(fc, true);
	ck_assert_int_eq(rados_wait_for_latest_osdmap(cl), 0);
	rados_completion_t c;
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "p", c, "x", 1), 0);
	ck_assert_int_eq(rados_aio_cancel(io, c), 0);
	rados_aio_wait_for_complete(c);
	ck_assert_int_eq(rados_aio_get_return_value(c), -ECANCELED);
	ck_assert_int_eq(rados_aio_cancel(io, c), -ENOENT);
	rados_aio_release(c);
}
END_TEST

START_TEST(test_timeout)
{
	rados_t c2 = connect_to("0.3");
	rados_ioctx_t x;
	ck_assert_int_eq(rados_ioctx_create(c2, "rbd", &x), 0);
	fc_hold(fc, true);
	uint64_t t0 = clk_mono_ns();
	ck_assert_int_eq(rados_write_full(x, "t", "x", 1), -ETIMEDOUT);
	uint64_t took = clk_mono_ns() - t0;
	ck_assert_uint_ge(took, 250 * CLK_NS_PER_MS);
	ck_assert_uint_lt(took, 5 * CLK_NS_PER_SEC);
	rados_completion_t comp;
	ck_assert_int_eq(rados_aio_create_completion2(NULL, NULL, &comp), 0);
	ck_assert_int_eq(rados_aio_write_full(x, "t", comp, "x", 1), 0);
	rados_aio_wait_for_complete(comp);
	ck_assert_int_eq(rados_aio_get_return_value(comp), -ETIMEDOUT);
	rados_aio_release(comp);
	rados_ioctx_destroy(x);
	rados_shutdown(c2);
	fc_hold(fc, false);
}
END_TEST

static atomic_int shutdown_rv;

static void shutdown_cb(rados_completion_t c, void *arg)
{
	(void)arg;
	atomic_store(&shutdown_rv, rados_aio_get_return_value(c));
}

START_TEST(test_shutdown_fails_inflight)
{
	rados_completion_t c;
	atomic_store(&shutdown_rv, 1);
	fc_hold(fc, true);
	ck_assert_int_eq(rados_aio_create_completion2(NULL, shutdown_cb, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "sd", c, "x", 1), 0);
	WAIT_FOR(fc_held(fc) == 1);
	rados_ioctx_destroy(io);
	io = NULL;
	rados_shutdown(cl);
	cl = NULL;
	/* The callback ran before rados_shutdown returned. */
	ck_assert_int_eq(atomic_load(&shutdown_rv), -ESHUTDOWN);
	ck_assert_int_eq(rados_aio_is_complete_and_cb(c), 1);
	rados_aio_release(c);
}
END_TEST

static Suite *objecter_suite(void)
{
	Suite *s = suite_create("rados_objecter");
	TCase *tc = tcase_create("no_cluster");
	tcase_add_test(tc, test_not_connected);
	tcase_add_test(tc, test_ops_without_cluster);
	suite_add_tcase(s, tc);

	tc = tcase_create("pools");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pools);
	tcase_add_test(tc, test_namespace_accessors);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_big_object);
	tcase_add_test(tc, test_xattrs);
	tcase_add_test(tc, test_namespaces_and_locator);
	tcase_add_test(tc, test_listing);
	tcase_add_test(tc, test_write_op);
	tcase_add_test(tc, test_aio);
	suite_add_tcase(s, tc);

	tc = tcase_create("listing_batches");
	tcase_add_checked_fixture(tc, setup_one_pg, teardown);
	tcase_add_test(tc, test_listing_batches);
	suite_add_tcase(s, tc);

	tc = tcase_create("resend");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_resend_on_new_primary);
	tcase_add_test(tc, test_retry_reply);
	tcase_add_test(tc, test_resend_on_closed_session);
	tcase_add_test(tc, test_resent_write_applies_once);
	tcase_add_test(tc, test_no_primary_waits);
	tcase_add_test(tc, test_paused_cluster);
	tcase_add_test(tc, test_cancel_unsent);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_shutdown_fails_inflight);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(objecter_suite)
