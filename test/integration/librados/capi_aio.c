/*
 * capi_aio.c - asynchronous I/O: completions, callbacks (and what a
 * callback may do), waiting, flushing, per-object ordering, and the aio
 * forms of the object calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capi.h"

/* What a callback saw. */
struct cb_state {
	atomic_int calls;	   /* cb_complete invocations */
	atomic_int safe_calls;	   /* cb_safe invocations */
	atomic_int complete_seen;  /* rados_aio_is_complete() inside the callback */
	atomic_int rv_seen;	   /* rados_aio_get_return_value() inside the callback */
	atomic_int finished;	   /* set as the callback's last action */
	int delay_ms;		   /* sleep this long inside the callback */
	atomic_int after_shutdown; /* a callback ran after rados_shutdown returned */
	atomic_int *shutdown_done;
};

static void on_complete(rados_completion_t c, void *arg)
{
	struct cb_state *s = arg;
	atomic_store(&s->complete_seen, rados_aio_is_complete(c));
	atomic_store(&s->rv_seen, rados_aio_get_return_value(c));
	if (s->shutdown_done && atomic_load(s->shutdown_done))
		atomic_fetch_add(&s->after_shutdown, 1);
	if (s->delay_ms)
		usleep((useconds_t)s->delay_ms * 1000);
	atomic_fetch_add(&s->calls, 1);
	atomic_store(&s->finished, 1);
}

static void on_safe(rados_completion_t c, void *arg)
{
	struct cb_state *s = arg;
	(void)c;
	atomic_fetch_add(&s->safe_calls, 1);
}

/* A completion with on_complete; wait for it (and its callback) and return the result. */
static rados_completion_t new_comp(struct cb_state *s)
{
	rados_completion_t c = NULL;
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(rados_aio_create_completion2(s, on_complete, &c), 0);
	ck_assert_ptr_nonnull(c);
	return c;
}

static int finish(rados_completion_t c, struct cb_state *s)
{
	ck_assert_int_eq(rados_aio_wait_for_complete_and_cb(c), 0);
	ck_assert_int_eq(rados_aio_is_complete(c), 1);
	ck_assert_int_eq(rados_aio_is_complete_and_cb(c), 1);
	ck_assert_int_eq(atomic_load(&s->calls), 1);
	ck_assert_int_eq(atomic_load(&s->complete_seen), 1);
	int rv = rados_aio_get_return_value(c);
	ck_assert_int_eq(atomic_load(&s->rv_seen), rv);
	rados_aio_release(c);
	return rv;
}

START_TEST(test_aio_basic)
{
	rados_ioctx_t io = capi_io;
	struct cb_state s;
	rados_completion_t c;
	char buf[64];

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_write(io, "aio.a", c, "hello", 5, 0), 0);
	ck_assert_int_eq(finish(c, &s), 0);

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_append(io, "aio.a", c, " world", 6), 0);
	ck_assert_int_eq(finish(c, &s), 0);

	c = new_comp(&s);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(rados_aio_read(io, "aio.a", c, buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(finish(c, &s), 11);
	ck_assert_int_eq(memcmp(buf, "hello world", 11), 0);

	/* Past the end: 0. */
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_read(io, "aio.a", c, buf, 8, 1000), 0);
	ck_assert_int_eq(finish(c, &s), 0);

	uint64_t size = 0;
	time_t mtime = 0;
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_stat(io, "aio.a", c, &size, &mtime), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	ck_assert_uint_eq(size, 11);
	ck_assert_int_le(labs((long)(mtime - time(NULL))), 120);

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_write_full(io, "aio.a", c, "full", 4), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	capi_assert_content(io, "aio.a", "full", 4);
	/* The version of a write is known to its completion. */

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_writesame(io, "aio.a", c, "xy", 2, 6, 4), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	capi_assert_content(io, "aio.a", "fullxyxyxy", 10);

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_cmpext(io, "aio.a", c, "fullxy", 6, 0), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_cmpext(io, "aio.a", c, "fuXl", 4, 0), 0);
	ck_assert_int_eq(finish(c, &s), -4097);

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_remove(io, "aio.a", c), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	ck_assert_int_eq(rados_stat(io, "aio.a", &size, NULL), -ENOENT);
}
END_TEST

START_TEST(test_aio_missing_object)
{
	rados_ioctx_t io = capi_io;
	struct cb_state s;
	rados_completion_t c;
	char buf[8];
	uint64_t size;

	/* Submitting succeeds; the completion carries -ENOENT. */
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_read(io, "aio.missing", c, buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete(c), 0);
	ck_assert_int_eq(rados_aio_is_complete(c), 1);
	ck_assert_int_eq(rados_aio_get_return_value(c), -ENOENT);
	ck_assert_int_eq(finish(c, &s), -ENOENT);

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_stat(io, "aio.missing", c, &size, NULL), 0);
	ck_assert_int_eq(finish(c, &s), -ENOENT);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_remove(io, "aio.missing", c), 0);
	ck_assert_int_eq(finish(c, &s), -ENOENT);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_cmpext(io, "aio.missing", c, "a", 1, 0), 0);
	ck_assert_int_eq(finish(c, &s), -ENOENT);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_getxattr(io, "aio.missing", c, "a", buf, sizeof(buf)), 0);
	ck_assert_int_eq(finish(c, &s), -ENOENT);
}
END_TEST

START_TEST(test_aio_xattrs)
{
	rados_ioctx_t io = capi_io;
	struct cb_state s;
	rados_completion_t c;
	char buf[16];
	ck_assert_int_eq(rados_write_full(io, "aio.x", "d", 1), 0);

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_setxattr(io, "aio.x", c, "k", "vv", 2), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_getxattr(io, "aio.x", c, "k", buf, sizeof(buf)), 0);
	ck_assert_int_eq(finish(c, &s), 2);
	ck_assert_int_eq(memcmp(buf, "vv", 2), 0);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_getxattr(io, "aio.x", c, "nope", buf, sizeof(buf)), 0);
	ck_assert_int_eq(finish(c, &s), -ENODATA);

	rados_xattrs_iter_t it = NULL;
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_getxattrs(io, "aio.x", c, &it), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	const char *n, *v;
	size_t vl;
	ck_assert_int_eq(rados_getxattrs_next(it, &n, &v, &vl), 0);
	ck_assert_str_eq(n, "k");
	ck_assert_int_eq(rados_getxattrs_next(it, &n, &v, &vl), 0);
	ck_assert_ptr_null(n);
	rados_getxattrs_end(it);

	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_rmxattr(io, "aio.x", c, "k"), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	ck_assert_int_eq(rados_getxattr(io, "aio.x", "k", buf, sizeof(buf)), -ENODATA);
}
END_TEST

START_TEST(test_aio_ops)
{
	rados_ioctx_t io = capi_io;
	struct cb_state s;
	rados_completion_t c;

	/* A write op: create exclusive + write + omap. */
	rados_write_op_t w = rados_create_write_op();
	const char *k[] = {"key"}, *v[] = {"value"};
	size_t kl[] = {3}, vl[] = {5};
	rados_write_op_create(w, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	rados_write_op_write_full(w, "op data", 7);
	rados_write_op_omap_set2(w, k, v, kl, vl, 1);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_write_op_operate(w, io, c, "aio.op", NULL, 0), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	capi_assert_content(io, "aio.op", "op data", 7);
	/* Consumed: again with create(EXCLUSIVE) only -> -EEXIST. */
	rados_write_op_create(w, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_write_op_operate(w, io, c, "aio.op", NULL, 0), 0);
	ck_assert_int_eq(finish(c, &s), -EEXIST);
	/* cmpext mismatch through aio. */
	int prval = 1;
	rados_write_op_cmpext(w, "opX", 3, 0, &prval);
	rados_write_op_write(w, "z", 1, 0);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_write_op_operate(w, io, c, "aio.op", NULL, 0), 0);
	ck_assert_int_eq(finish(c, &s), CAPI_CMPEXT_MISMATCH(2));
	ck_assert_int_eq(prval, CAPI_CMPEXT_MISMATCH(2));
	rados_release_write_op(w);

	/* A read op. */
	rados_read_op_t r = rados_create_read_op();
	char buf[16];
	size_t got = 0;
	int prv = 1, pro = 1;
	rados_omap_iter_t it = NULL;
	rados_read_op_read(r, 3, 4, buf, &got, &prv);
	rados_read_op_omap_get_vals2(r, NULL, NULL, 10, &it, NULL, &pro);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_read_op_operate(r, io, c, "aio.op", 0), 0);
	ck_assert_int_eq(finish(c, &s), 0);
	ck_assert_int_eq(prv, 0);
	ck_assert_uint_eq(got, 4);
	ck_assert_int_eq(memcmp(buf, "data", 4), 0);
	ck_assert_int_eq(pro, 0);
	char *key, *val;
	size_t vlen;
	ck_assert_int_eq(rados_omap_get_next(it, &key, &val, &vlen), 0);
	ck_assert_str_eq(key, "key");
	ck_assert_uint_eq(vlen, 5);
	ck_assert_int_eq(memcmp(val, "value", 5), 0);
	rados_omap_get_end(it);

	/* A read op on a missing object. */
	rados_read_op_stat(r, NULL, NULL, NULL);
	c = new_comp(&s);
	ck_assert_int_eq(rados_aio_read_op_operate(r, io, c, "aio.op.missing", 0), 0);
	ck_assert_int_eq(finish(c, &s), -ENOENT);
	rados_release_read_op(r);
}
END_TEST

START_TEST(test_aio_legacy_completion)
{
	/* rados_aio_create_completion (fio's): cb_complete, and cb_safe if given, once each. */
	rados_ioctx_t io = capi_io;
	struct cb_state s;
	rados_completion_t c;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(rados_aio_create_completion(&s, on_complete, on_safe, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "aio.legacy", c, "L", 1), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete_and_cb(c), 0);
	ck_assert_int_eq(rados_aio_is_complete_and_cb(c), 1);
	ck_assert_int_eq(atomic_load(&s.calls), 1);
	ck_assert_int_eq(atomic_load(&s.safe_calls), 1);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	rados_aio_release(c);

	/* No callbacks at all. */
	ck_assert_int_eq(rados_aio_create_completion(NULL, NULL, NULL, &c), 0);
	ck_assert_int_eq(rados_aio_write_full(io, "aio.legacy", c, "M", 1), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete(c), 0);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	rados_aio_release(c);
	capi_assert_content(io, "aio.legacy", "M", 1);
}
END_TEST

START_TEST(test_aio_wait_and_cb)
{
	/* wait_for_complete_and_cb returns only after the callback returned. */
	rados_ioctx_t io = capi_io;
	struct cb_state s;
	rados_completion_t c = new_comp(&s);
	s.delay_ms = 300;
	ck_assert_int_eq(rados_aio_write_full(io, "aio.slowcb", c, "s", 1), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete_and_cb(c), 0);
	ck_assert_int_eq(atomic_load(&s.finished), 1);
	ck_assert_int_eq(atomic_load(&s.calls), 1);
	rados_aio_release(c);

	/* wait_for_complete may return while the callback still runs; either way the
	 * result is there, and the callback ends (once). */
	c = new_comp(&s);
	s.delay_ms = 300;
	ck_assert_int_eq(rados_aio_write_full(io, "aio.slowcb", c, "t", 1), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete(c), 0);
	ck_assert_int_eq(rados_aio_is_complete(c), 1);
	ck_assert_int_eq(rados_aio_get_return_value(c), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete_and_cb(c), 0);
	ck_assert_int_eq(atomic_load(&s.calls), 1);
	rados_aio_release(c);
}
END_TEST

/* python3-rados' pattern: the callback releases the completion it was called for. */
struct self_release {
	atomic_int calls;
	atomic_int rv;
	atomic_int complete_seen;
};

static void release_in_cb(rados_completion_t c, void *arg)
{
	struct self_release *r = arg;
	atomic_store(&r->rv, rados_aio_get_return_value(c));
	atomic_store(&r->complete_seen, rados_aio_is_complete(c));
	rados_aio_release(c);
	atomic_fetch_add(&r->calls, 1);
}

#define SELF_N 32

START_TEST(test_aio_release_in_callback)
{
	rados_ioctx_t io = capi_io;
	struct self_release r[SELF_N];
	char name[32];
	for (int i = 0; i < SELF_N; i++) {
		rados_completion_t c;
		atomic_init(&r[i].calls, 0);
		atomic_init(&r[i].rv, 1);
		atomic_init(&r[i].complete_seen, 0);
		ck_assert_int_eq(rados_aio_create_completion2(&r[i], release_in_cb, &c), 0);
		snprintf(name, sizeof(name), "aio.self.%d", i % 4);
		/* Odd ones read an object that does not exist. */
		if (i % 2 == 0) {
			ck_assert_int_eq(rados_aio_write_full(io, name, c, name, strlen(name)), 0);
		} else {
			static char sink[SELF_N][8];
			ck_assert_int_eq(rados_aio_read(io, "aio.self.missing", c, sink[i], 8, 0),
					 0);
		}
	}
	ck_assert_int_eq(rados_aio_flush(io), 0);
	for (int i = 0; i < SELF_N; i++) {
		CAPI_WAIT_FOR(atomic_load(&r[i].calls) == 1, 10000);
		ck_assert_int_eq(atomic_load(&r[i].rv), i % 2 == 0 ? 0 : -ENOENT);
		ck_assert_int_eq(atomic_load(&r[i].complete_seen), 1);
	}
	/* Nothing runs twice. */
	usleep(100 * 1000);
	for (int i = 0; i < SELF_N; i++)
		ck_assert_int_eq(atomic_load(&r[i].calls), 1);
}
END_TEST

#define FLUSH_N 24

START_TEST(test_aio_flush)
{
	rados_ioctx_t io = capi_io;
	rados_completion_t c[FLUSH_N];
	struct cb_state s[FLUSH_N];
	char name[32], data[32];
	for (int i = 0; i < FLUSH_N; i++) {
		c[i] = new_comp(&s[i]);
		snprintf(name, sizeof(name), "aio.flush.%d", i);
		snprintf(data, sizeof(data), "data %d", i);
		ck_assert_int_eq(rados_aio_write_full(io, name, c[i], data, strlen(data)), 0);
	}
	/* Every write submitted before the flush is complete when it returns. */
	ck_assert_int_eq(rados_aio_flush(io), 0);
	for (int i = 0; i < FLUSH_N; i++) {
		ck_assert_int_eq(rados_aio_is_complete(c[i]), 1);
		ck_assert_int_eq(rados_aio_get_return_value(c[i]), 0);
	}
	for (int i = 0; i < FLUSH_N; i++)
		ck_assert_int_eq(finish(c[i], &s[i]), 0);
	for (int i = 0; i < FLUSH_N; i++) {
		snprintf(name, sizeof(name), "aio.flush.%d", i);
		snprintf(data, sizeof(data), "data %d", i);
		capi_assert_content(io, name, data, strlen(data));
	}

	/* flush_async: its completion comes after the writes before it. */
	for (int i = 0; i < FLUSH_N; i++) {
		c[i] = new_comp(&s[i]);
		snprintf(name, sizeof(name), "aio.flush.%d", i);
		ck_assert_int_eq(rados_aio_append(io, name, c[i], "+", 1), 0);
	}
	struct cb_state fs;
	rados_completion_t fc = new_comp(&fs);
	ck_assert_int_eq(rados_aio_flush_async(io, fc), 0);
	ck_assert_int_eq(rados_aio_wait_for_complete(fc), 0);
	for (int i = 0; i < FLUSH_N; i++)
		ck_assert_int_eq(rados_aio_is_complete(c[i]), 1);
	ck_assert_int_eq(finish(fc, &fs), 0);
	for (int i = 0; i < FLUSH_N; i++)
		ck_assert_int_eq(finish(c[i], &s[i]), 0);

	/* Nothing in flight: returns at once. */
	ck_assert_int_eq(rados_aio_flush(io), 0);
}
END_TEST

#define ORDER_ROUNDS 16

START_TEST(test_aio_ordering)
{
	/* Per-object order: submitted back to back, applied in submission order. */
	rados_ioctx_t io = capi_io;
	char name[32];
	for (int round = 0; round < ORDER_ROUNDS; round++) {
		rados_completion_t c[4];
		struct cb_state s[4];
		snprintf(name, sizeof(name), "aio.order.%d", round);
		c[0] = new_comp(&s[0]);
		c[1] = new_comp(&s[1]);
		ck_assert_int_eq(rados_aio_write(io, name, c[0], "bar", 3, 0), 0);
		ck_assert_int_eq(rados_aio_append(io, name, c[1], "baz", 3), 0);
		snprintf(name, sizeof(name), "aio.order2.%d", round);
		c[2] = new_comp(&s[2]);
		c[3] = new_comp(&s[3]);
		ck_assert_int_eq(rados_aio_write(io, name, c[2], "barbaz", 6, 0), 0);
		ck_assert_int_eq(rados_aio_write_full(io, name, c[3], "bar", 3), 0);
		/* The later op's completion does not come before the earlier one's. */
		ck_assert_int_eq(rados_aio_wait_for_complete(c[1]), 0);
		ck_assert_int_eq(rados_aio_is_complete(c[0]), 1);
		ck_assert_int_eq(rados_aio_wait_for_complete(c[3]), 0);
		ck_assert_int_eq(rados_aio_is_complete(c[2]), 1);
		for (int i = 0; i < 4; i++)
			ck_assert_int_eq(finish(c[i], &s[i]), 0);
		snprintf(name, sizeof(name), "aio.order.%d", round);
		capi_assert_content(io, name, "barbaz", 6);
		snprintf(name, sizeof(name), "aio.order2.%d", round);
		capi_assert_content(io, name, "bar", 3);
	}
}
END_TEST

START_TEST(test_aio_ioctx_destroyed_in_flight)
{
	/* Destroying the io context with ops in flight is legal; they complete. */
	rados_ioctx_t x;
	ck_assert_int_eq(rados_ioctx_create(capi_cl, CAPI_POOL, &x), 0);
	rados_completion_t c[8];
	struct cb_state s[8];
	char name[32];
	for (int i = 0; i < 8; i++) {
		c[i] = new_comp(&s[i]);
		snprintf(name, sizeof(name), "aio.destroyed.%d", i);
		ck_assert_int_eq(rados_aio_write_full(x, name, c[i], "d", 1), 0);
	}
	rados_ioctx_destroy(x);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(finish(c[i], &s[i]), 0);
	capi_assert_content(capi_io, "aio.destroyed.7", "d", 1);
}
END_TEST

#define SHUT_N 64

START_TEST(test_aio_shutdown_in_flight)
{
	/* rados_shutdown with ops in flight: no callback runs after it returns,
	 * and none runs twice (Ceph drops them silently; Cairn fails them). */
	rados_t c = capi_connect();
	rados_ioctx_t x;
	ck_assert_int_eq(rados_ioctx_create(c, CAPI_POOL, &x), 0);
	atomic_int shutdown_done;
	atomic_init(&shutdown_done, 0);
	static struct cb_state s[SHUT_N];
	rados_completion_t comp[SHUT_N];
	char name[32];
	for (int i = 0; i < SHUT_N; i++) {
		comp[i] = new_comp(&s[i]);
		s[i].shutdown_done = &shutdown_done;
		snprintf(name, sizeof(name), "aio.shut.%d", i);
		ck_assert_int_eq(rados_aio_write_full(x, name, comp[i], name, strlen(name)), 0);
	}
	rados_ioctx_destroy(x);
	rados_shutdown(c);
	atomic_store(&shutdown_done, 1);
	usleep(200 * 1000);
	for (int i = 0; i < SHUT_N; i++) {
		ck_assert_int_eq(atomic_load(&s[i].after_shutdown), 0);
		ck_assert_int_le(atomic_load(&s[i].calls), 1);
		if (rados_aio_is_complete(comp[i])) {
			int rv = rados_aio_get_return_value(comp[i]);
			ck_assert_msg(rv == 0 || rv < 0, "rv %d", rv);
		}
		rados_aio_release(comp[i]);
	}
}
END_TEST

void capi_add_aio_tcases(Suite *s)
{
	TCase *tc = tcase_create("aio");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, capi_setup, capi_teardown);
	tcase_add_test(tc, test_aio_basic);
	tcase_add_test(tc, test_aio_missing_object);
	tcase_add_test(tc, test_aio_xattrs);
	tcase_add_test(tc, test_aio_ops);
	tcase_add_test(tc, test_aio_legacy_completion);
	tcase_add_test(tc, test_aio_wait_and_cb);
	tcase_add_test(tc, test_aio_release_in_callback);
	tcase_add_test(tc, test_aio_flush);
	tcase_add_test(tc, test_aio_ordering);
	tcase_add_test(tc, test_aio_ioctx_destroyed_in_flight);
	tcase_add_test(tc, test_aio_shutdown_in_flight);
	suite_add_tcase(s, tc);
}
