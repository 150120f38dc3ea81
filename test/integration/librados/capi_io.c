/*
 * capi_io.c - io contexts (namespaces, locator keys), synchronous object
 * I/O, xattrs and listing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capi.h"

/* ---- synchronous I/O --------------------------------------------------------------------- */

START_TEST(test_write_read)
{
	rados_ioctx_t io = capi_io;
	char buf[64];
	ck_assert_int_eq(rados_write(io, "io.rw", "hello world", 11, 0), 0);
	ck_assert_int_eq(rados_read(io, "io.rw", buf, sizeof(buf), 0), 11);
	ck_assert_int_eq(memcmp(buf, "hello world", 11), 0);
	ck_assert_int_eq(rados_read(io, "io.rw", buf, 5, 6), 5);
	ck_assert_int_eq(memcmp(buf, "world", 5), 0);
	/* Past the end: 0 bytes, not an error. */
	ck_assert_int_eq(rados_read(io, "io.rw", buf, 10, 100), 0);
	ck_assert_int_eq(rados_read(io, "io.rw", buf, 10, 11), 0);

	/* A write past the end leaves a hole of zeros. */
	ck_assert_int_eq(rados_write(io, "io.rw", "XY", 2, 20), 0);
	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(rados_read(io, "io.rw", buf, sizeof(buf), 0), 22);
	ck_assert_int_eq(memcmp(buf, "hello world\0\0\0\0\0\0\0\0\0XY", 22), 0);

	uint64_t size = 0;
	time_t mtime = 0, now = time(NULL);
	ck_assert_int_eq(rados_stat(io, "io.rw", &size, &mtime), 0);
	ck_assert_uint_eq(size, 22);
	ck_assert_int_le(labs((long)(mtime - now)), 120);
	ck_assert_int_eq(rados_stat(io, "io.rw", NULL, NULL), 0);

	/* write_full replaces, append adds. */
	ck_assert_int_eq(rados_write_full(io, "io.rw", "abc", 3), 0);
	capi_assert_content(io, "io.rw", "abc", 3);
	ck_assert_int_eq(rados_append(io, "io.rw", "def", 3), 0);
	capi_assert_content(io, "io.rw", "abcdef", 6);

	/* Truncate down and up (zeros). */
	ck_assert_int_eq(rados_trunc(io, "io.rw", 2), 0);
	capi_assert_content(io, "io.rw", "ab", 2);
	ck_assert_int_eq(rados_trunc(io, "io.rw", 5), 0);
	capi_assert_content(io, "io.rw", "ab\0\0\0", 5);

	/* An empty object exists. */
	ck_assert_int_eq(rados_write_full(io, "io.empty", "", 0), 0);
	ck_assert_int_eq(rados_stat(io, "io.empty", &size, NULL), 0);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(rados_read(io, "io.empty", buf, sizeof(buf), 0), 0);

	ck_assert_int_eq(rados_remove(io, "io.rw"), 0);
	ck_assert_int_eq(rados_stat(io, "io.rw", &size, NULL), -ENOENT);
	ck_assert_int_eq(rados_remove(io, "io.empty"), 0);
}
END_TEST

START_TEST(test_writesame)
{
	rados_ioctx_t io = capi_io;
	ck_assert_int_eq(rados_writesame(io, "io.ws", "ab", 2, 8, 0), 0);
	capi_assert_content(io, "io.ws", "abababab", 8);
	ck_assert_int_eq(rados_writesame(io, "io.ws", "xyz", 3, 6, 4), 0);
	capi_assert_content(io, "io.ws", "ababxyzxyz", 10);
	/* The length written must be a multiple of the pattern's. */
	ck_assert_int_eq(rados_writesame(io, "io.ws", "ab", 2, 5, 0), -EINVAL);
	ck_assert_int_eq(rados_writesame(io, "io.ws", "ab", 0, 4, 0), -EINVAL);
	capi_assert_content(io, "io.ws", "ababxyzxyz", 10);
}
END_TEST

START_TEST(test_cmpext)
{
	rados_ioctx_t io = capi_io;
	ck_assert_int_eq(rados_write_full(io, "io.cmp", "abcdef", 6), 0);
	ck_assert_int_eq(rados_cmpext(io, "io.cmp", "abcdef", 6, 0), 0);
	ck_assert_int_eq(rados_cmpext(io, "io.cmp", "cd", 2, 2), 0);
	/* -(MAX_ERRNO + index of the first differing byte within the compared range) */
	ck_assert_int_eq(rados_cmpext(io, "io.cmp", "abXdef", 6, 0), -4097);
	ck_assert_int_eq(rados_cmpext(io, "io.cmp", "Xbcdef", 6, 0), CAPI_CMPEXT_MISMATCH(0));
	ck_assert_int_eq(rados_cmpext(io, "io.cmp", "cX", 2, 2), CAPI_CMPEXT_MISMATCH(1));
	/* Beyond the end the object compares as zeros. */
	ck_assert_int_eq(rados_cmpext(io, "io.cmp", "abcdef\0\0", 8, 0), 0);
	ck_assert_int_eq(rados_cmpext(io, "io.cmp", "abcdefX", 7, 0), CAPI_CMPEXT_MISMATCH(6));
	ck_assert_int_eq(rados_cmpext(io, "io.missing", "a", 1, 0), -ENOENT);
}
END_TEST

START_TEST(test_missing_object)
{
	rados_ioctx_t io = capi_io;
	char buf[16];
	uint64_t size;
	rados_xattrs_iter_t it;
	ck_assert_int_eq(rados_read(io, "io.missing", buf, sizeof(buf), 0), -ENOENT);
	ck_assert_int_eq(rados_read(io, "io.missing", buf, 0, 0), -ENOENT);
	ck_assert_int_eq(rados_stat(io, "io.missing", &size, NULL), -ENOENT);
	ck_assert_int_eq(rados_remove(io, "io.missing"), -ENOENT);
	ck_assert_int_eq(rados_getxattr(io, "io.missing", "a", buf, sizeof(buf)), -ENOENT);
	ck_assert_int_eq(rados_getxattrs(io, "io.missing", &it), -ENOENT);
	/* None of that created it. */
	ck_assert_int_eq(rados_stat(io, "io.missing", &size, NULL), -ENOENT);
}
END_TEST

START_TEST(test_object_names)
{
	rados_ioctx_t io = capi_io;
	char buf[16];
	/* Any bytes but NUL; long names up to Ceph's 2048. */
	const char *odd = "odd name/with\tweird \xe9 chars";
	ck_assert_int_eq(rados_write_full(io, odd, "odd", 3), 0);
	capi_assert_content(io, odd, "odd", 3);
	char *name = malloc(4096);
	memset(name, 'n', 2048);
	name[2048] = '\0';
	ck_assert_int_eq(rados_write_full(io, name, "long", 4), 0);
	ck_assert_int_eq(rados_read(io, name, buf, sizeof(buf), 0), 4);
	memset(name, 'n', 4000);
	name[4000] = '\0';
	ck_assert_int_eq(rados_write_full(io, name, "long", 4), -ENAMETOOLONG);
	free(name);
}
END_TEST

/* ---- xattrs ----------------------------------------------------------------------------- */

START_TEST(test_xattrs)
{
	rados_ioctx_t io = capi_io;
	char buf[16];
	ck_assert_int_eq(rados_write_full(io, "x.obj", "data", 4), 0);
	ck_assert_int_eq(rados_setxattr(io, "x.obj", "a", "1", 1), 0);
	ck_assert_int_eq(rados_setxattr(io, "x.obj", "b", "22", 2), 0);
	ck_assert_int_eq(rados_setxattr(io, "x.obj", "empty", "", 0), 0);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "b", buf, sizeof(buf)), 2);
	ck_assert_int_eq(memcmp(buf, "22", 2), 0);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "b", buf, 2), 2);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "b", buf, 1), -ERANGE);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "empty", buf, sizeof(buf)), 0);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "nope", buf, sizeof(buf)), -ENODATA);
	/* Overwrite. */
	ck_assert_int_eq(rados_setxattr(io, "x.obj", "b", "333", 3), 0);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "b", buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "333", 3), 0);

	/* Iteration: every attribute once, then name NULL (again and again). */
	rados_xattrs_iter_t it;
	ck_assert_int_eq(rados_getxattrs(io, "x.obj", &it), 0);
	int seen_a = 0, seen_b = 0, seen_e = 0;
	for (;;) {
		const char *n = (const char *)1, *v = NULL;
		size_t len = 99;
		ck_assert_int_eq(rados_getxattrs_next(it, &n, &v, &len), 0);
		if (!n)
			break;
		if (strcmp(n, "a") == 0) {
			seen_a++;
			ck_assert_uint_eq(len, 1);
			ck_assert_int_eq(memcmp(v, "1", 1), 0);
		} else if (strcmp(n, "b") == 0) {
			seen_b++;
			ck_assert_uint_eq(len, 3);
			ck_assert_int_eq(memcmp(v, "333", 3), 0);
		} else if (strcmp(n, "empty") == 0) {
			seen_e++;
			ck_assert_uint_eq(len, 0);
		} else {
			ck_abort_msg("unexpected xattr '%s'", n);
		}
	}
	ck_assert_int_eq(seen_a, 1);
	ck_assert_int_eq(seen_b, 1);
	ck_assert_int_eq(seen_e, 1);
	const char *n = "x", *v = "x";
	size_t len = 5;
	ck_assert_int_eq(rados_getxattrs_next(it, &n, &v, &len), 0);
	ck_assert_ptr_null(n);
	rados_getxattrs_end(it);

	ck_assert_int_eq(rados_rmxattr(io, "x.obj", "a"), 0);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "a", buf, sizeof(buf)), -ENODATA);
	/* Removing an attribute that is not there is not an error. */
	ck_assert_int_eq(rados_rmxattr(io, "x.obj", "a"), 0);
	/* The data did not change. */
	capi_assert_content(io, "x.obj", "data", 4);

	/* An object without attributes iterates to the end at once. */
	ck_assert_int_eq(rados_write_full(io, "x.bare", "d", 1), 0);
	ck_assert_int_eq(rados_getxattrs(io, "x.bare", &it), 0);
	n = "x";
	ck_assert_int_eq(rados_getxattrs_next(it, &n, &v, &len), 0);
	ck_assert_ptr_null(n);
	rados_getxattrs_end(it);

	/* Binary values. */
	ck_assert_int_eq(rados_setxattr(io, "x.obj", "bin", "\0\1\0\2", 4), 0);
	ck_assert_int_eq(rados_getxattr(io, "x.obj", "bin", buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "\0\1\0\2", 4), 0);
}
END_TEST

START_TEST(test_setxattr_creates)
{
	/* As in Ceph, setting an attribute creates the object (empty). */
	uint64_t size = 99;
	ck_assert_int_eq(rados_setxattr(capi_io, "x.created", "a", "1", 1), 0);
	ck_assert_int_eq(rados_stat(capi_io, "x.created", &size, NULL), 0);
	ck_assert_uint_eq(size, 0);
}
END_TEST

/* ---- io context settings ------------------------------------------------------------------ */

/* How often (@ns, @name) shows up in a listing of @io; other entries count in *others. */
static int count_in_listing(rados_ioctx_t io, const char *ns, const char *name, int *others)
{
	rados_list_ctx_t ctx;
	const char *entry, *key, *nspace;
	int n = 0, rc;
	if (others)
		*others = 0;
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	while ((rc = rados_nobjects_list_next(ctx, &entry, &key, &nspace)) == 0) {
		ck_assert_ptr_nonnull(entry);
		ck_assert_ptr_nonnull(nspace);
		if (strcmp(entry, name) == 0 && strcmp(nspace, ns) == 0)
			n++;
		else if (others)
			(*others)++;
	}
	ck_assert_int_eq(rc, -ENOENT);
	rados_nobjects_list_close(ctx);
	return n;
}

START_TEST(test_namespaces)
{
	rados_ioctx_t io = capi_io;
	char buf[16];
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");

	rados_ioctx_set_namespace(io, "capi-ns1");
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, sizeof(buf)), 8);
	ck_assert_str_eq(buf, "capi-ns1");
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, 9), 8);
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, 8), -ERANGE);
	ck_assert_int_eq(rados_write_full(io, "ns.obj", "one", 3), 0);
	ck_assert_int_eq(rados_setxattr(io, "ns.obj", "who", "ns1", 3), 0);

	rados_ioctx_set_namespace(io, "capi-ns2");
	uint64_t size;
	ck_assert_int_eq(rados_stat(io, "ns.obj", &size, NULL), -ENOENT);
	ck_assert_int_eq(rados_write_full(io, "ns.obj", "two!", 4), 0);
	ck_assert_int_eq(rados_getxattr(io, "ns.obj", "who", buf, sizeof(buf)), -ENODATA);

	/* The default namespace has neither. */
	rados_ioctx_set_namespace(io, NULL);
	ck_assert_int_eq(rados_ioctx_get_namespace(io, buf, sizeof(buf)), 0);
	ck_assert_int_eq(rados_stat(io, "ns.obj", &size, NULL), -ENOENT);
	rados_ioctx_set_namespace(io, "");
	ck_assert_int_eq(rados_stat(io, "ns.obj", &size, NULL), -ENOENT);

	rados_ioctx_set_namespace(io, "capi-ns1");
	capi_assert_content(io, "ns.obj", "one", 3);
	rados_ioctx_set_namespace(io, "capi-ns2");
	capi_assert_content(io, "ns.obj", "two!", 4);

	/* A listing in one namespace sees only it; LIBRADOS_ALL_NSPACES sees both. */
	int others;
	ck_assert_int_eq(count_in_listing(io, "capi-ns2", "ns.obj", &others), 1);
	ck_assert_int_eq(others, 0);
	rados_ioctx_set_namespace(io, LIBRADOS_ALL_NSPACES);
	ck_assert_int_eq(count_in_listing(io, "capi-ns1", "ns.obj", NULL), 1);
	ck_assert_int_eq(count_in_listing(io, "capi-ns2", "ns.obj", NULL), 1);
	/* ... and is for listings only. */
	ck_assert_int_eq(rados_write_full(io, "ns.obj", "x", 1), -EINVAL);
	ck_assert_int_eq(rados_read(io, "ns.obj", buf, sizeof(buf), 0), -EINVAL);

	/* Removing in one namespace leaves the other. */
	rados_ioctx_set_namespace(io, "capi-ns1");
	ck_assert_int_eq(rados_remove(io, "ns.obj"), 0);
	rados_ioctx_set_namespace(io, "capi-ns2");
	capi_assert_content(io, "ns.obj", "two!", 4);
	rados_ioctx_set_namespace(io, "");
}
END_TEST

START_TEST(test_locator_keys)
{
	rados_ioctx_t io = capi_io;
	uint64_t size;
	/* The locator key is part of the object's identity. */
	rados_ioctx_locator_set_key(io, "capi-key");
	ck_assert_int_eq(rados_write_full(io, "loc.a", "A", 1), 0);
	ck_assert_int_eq(rados_write_full(io, "loc.b", "B", 1), 0);
	capi_assert_content(io, "loc.a", "A", 1);
	rados_ioctx_locator_set_key(io, NULL);
	ck_assert_int_eq(rados_stat(io, "loc.a", &size, NULL), -ENOENT);
	ck_assert_int_eq(rados_write_full(io, "loc.a", "plain", 5), 0);
	rados_ioctx_locator_set_key(io, "capi-key");
	capi_assert_content(io, "loc.a", "A", 1);
	rados_ioctx_locator_set_key(io, "");
	capi_assert_content(io, "loc.a", "plain", 5);

	/* A listing returns the key of each object (NULL: none). */
	rados_ioctx_set_namespace(io, "");
	rados_list_ctx_t ctx;
	const char *entry, *key, *nspace;
	int keyed = 0, plain = 0, rc;
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	while ((rc = rados_nobjects_list_next(ctx, &entry, &key, &nspace)) == 0) {
		if (strcmp(entry, "loc.a") && strcmp(entry, "loc.b"))
			continue;
		if (key && strcmp(key, "capi-key") == 0)
			keyed++;
		else if (!key || !*key)
			plain++;
	}
	ck_assert_int_eq(rc, -ENOENT);
	rados_nobjects_list_close(ctx);
	ck_assert_msg(
	    keyed == 2 && plain == 1,
	    "listing gave %d objects with key \"capi-key\" (want 2) and %d without (want 1)", keyed,
	    plain);
}
END_TEST

/* ---- listing ------------------------------------------------------------------------------ */

#define LIST_N 40

START_TEST(test_listing)
{
	rados_ioctx_t io = capi_io;
	char name[64];
	rados_ioctx_set_namespace(io, "capi-list");
	for (int i = 0; i < LIST_N; i++) {
		snprintf(name, sizeof(name), "list.%d", i);
		ck_assert_int_eq(rados_write_full(io, name, name, strlen(name)), 0);
	}

	int seen[LIST_N] = {0};
	rados_list_ctx_t ctx;
	const char *entry, *key, *nspace;
	size_t elen, klen, nlen;
	int rc, total = 0;
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	for (;;) {
		rc = rados_nobjects_list_next2(ctx, &entry, &key, &nspace, &elen, &klen, &nlen);
		if (rc)
			break;
		int i;
		ck_assert_int_eq(sscanf(entry, "list.%d", &i), 1);
		ck_assert_int_ge(i, 0);
		ck_assert_int_lt(i, LIST_N);
		ck_assert_uint_eq(elen, strlen(entry));
		ck_assert_str_eq(nspace, "capi-list");
		ck_assert_uint_eq(nlen, 9);
		ck_assert_uint_eq(klen, 0);
		seen[i]++;
		total++;
	}
	ck_assert_int_eq(rc, -ENOENT);
	/* The end stays the end. */
	ck_assert_int_eq(rados_nobjects_list_next(ctx, &entry, NULL, NULL), -ENOENT);
	ck_assert_int_eq(total, LIST_N);
	for (int i = 0; i < LIST_N; i++)
		ck_assert_msg(seen[i] == 1, "list.%d seen %d times", i, seen[i]);

	/* Seek back to the start: everything again.  NULL outputs are allowed. */
	ck_assert_uint_eq(rados_nobjects_list_seek(ctx, 0), 0);
	total = 0;
	while ((rc = rados_nobjects_list_next(ctx, &entry, NULL, NULL)) == 0)
		total++;
	ck_assert_int_eq(rc, -ENOENT);
	ck_assert_int_eq(total, LIST_N);
	rados_nobjects_list_close(ctx);

	/* Removed objects leave the listing. */
	for (int i = 0; i < LIST_N / 2; i++) {
		snprintf(name, sizeof(name), "list.%d", i);
		ck_assert_int_eq(rados_remove(io, name), 0);
	}
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	total = 0;
	while ((rc = rados_nobjects_list_next(ctx, &entry, NULL, NULL)) == 0) {
		int i;
		ck_assert_int_eq(sscanf(entry, "list.%d", &i), 1);
		ck_assert_int_ge(i, LIST_N / 2);
		total++;
	}
	ck_assert_int_eq(rc, -ENOENT);
	ck_assert_int_eq(total, LIST_N / 2);
	rados_nobjects_list_close(ctx);

	/* An empty namespace lists nothing. */
	rados_ioctx_set_namespace(io, "capi-list-empty");
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	ck_assert_int_eq(rados_nobjects_list_next(ctx, &entry, &key, &nspace), -ENOENT);
	rados_nobjects_list_close(ctx);
	rados_ioctx_set_namespace(io, "");
}
END_TEST

#define CURSOR_N 30

/* Create CURSOR_N objects "cur.<i>" in namespace "capi-cursor" of @io. */
static void cursor_objects(rados_ioctx_t io)
{
	char name[32];
	rados_ioctx_set_namespace(io, "capi-cursor");
	for (int i = 0; i < CURSOR_N; i++) {
		snprintf(name, sizeof(name), "cur.%d", i);
		ck_assert_int_eq(rados_write_full(io, name, "c", 1), 0);
	}
}

/* Count "cur.<i>" names into @seen; returns how many there were. */
static int cursor_seen(const char *name, size_t len, int *seen)
{
	int i;
	char tmp[64];
	ck_assert_uint_lt(len, sizeof(tmp));
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	ck_assert_msg(sscanf(tmp, "cur.%d", &i) == 1 && i >= 0 && i < CURSOR_N,
		      "unexpected object '%s'", tmp);
	seen[i]++;
	return 1;
}

/* List [start, finish) in batches of @batch with rados_object_list. */
static int list_range(rados_ioctx_t io, rados_object_list_cursor start,
		      rados_object_list_cursor finish, size_t batch, int *seen)
{
	rados_object_list_item items[16];
	int total = 0;
	ck_assert_uint_le(batch, 16);
	rados_object_list_cursor c = start, next = NULL;
	int rounds = 0;
	while (rados_object_list_cursor_cmp(io, c, finish) < 0) {
		memset(items, 0, sizeof(items));
		int r = rados_object_list(io, c, finish, batch, NULL, 0, items, &next);
		ck_assert_int_ge(r, 0);
		ck_assert_int_le(r, (int)batch);
		for (int i = 0; i < r; i++) {
			ck_assert_str_eq(items[i].nspace, "capi-cursor");
			ck_assert_uint_eq(items[i].nspace_length, 11);
			total += cursor_seen(items[i].oid, items[i].oid_length, seen);
		}
		rados_object_list_free(batch, items);
		/* The next cursor never goes backwards. */
		ck_assert_int_ge(rados_object_list_cursor_cmp(io, next, c), 0);
		if (c != start)
			rados_object_list_cursor_free(io, c);
		c = next;
		ck_assert_int_lt(++rounds, 1000);
		if (rados_object_list_is_end(io, c) == 1)
			break;
	}
	if (c != start)
		rados_object_list_cursor_free(io, c);
	return total;
}

START_TEST(test_list_cursors)
{
	rados_ioctx_t io = capi_io;
	cursor_objects(io);
	rados_object_list_cursor begin = rados_object_list_begin(io);
	rados_object_list_cursor end = rados_object_list_end(io);
	ck_assert_ptr_nonnull(begin);
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(rados_object_list_is_end(io, begin), 0);
	ck_assert_int_eq(rados_object_list_is_end(io, end), 1);
	ck_assert_int_lt(rados_object_list_cursor_cmp(io, begin, end), 0);
	ck_assert_int_gt(rados_object_list_cursor_cmp(io, end, begin), 0);
	ck_assert_int_eq(rados_object_list_cursor_cmp(io, begin, begin), 0);

	/* The whole pool (this namespace), in batches: every object once. */
	int seen[CURSOR_N] = {0};
	ck_assert_int_eq(list_range(io, begin, end, 7, seen), CURSOR_N);
	for (int i = 0; i < CURSOR_N; i++)
		ck_assert_msg(seen[i] == 1, "cur.%d seen %d times", i, seen[i]);

	/* Slices partition the range: together, every object exactly once. */
	memset(seen, 0, sizeof(seen));
	int total = 0;
	for (size_t n = 0; n < 3; n++) {
		rados_object_list_cursor s = NULL, f = NULL;
		rados_object_list_slice(io, begin, end, n, 3, &s, &f);
		ck_assert_ptr_nonnull(s);
		ck_assert_ptr_nonnull(f);
		ck_assert_int_le(rados_object_list_cursor_cmp(io, s, f), 0);
		total += list_range(io, s, f, 16, seen);
		rados_object_list_cursor_free(io, s);
		rados_object_list_cursor_free(io, f);
	}
	ck_assert_int_eq(total, CURSOR_N);
	for (int i = 0; i < CURSOR_N; i++)
		ck_assert_msg(seen[i] == 1, "cur.%d seen %d times across slices", i, seen[i]);

	rados_object_list_cursor_free(io, begin);
	rados_object_list_cursor_free(io, end);
	rados_ioctx_set_namespace(io, "");
}
END_TEST

START_TEST(test_nobjects_list_cursor)
{
	/* A position taken mid-listing and sought back to lists the same rest. */
	rados_ioctx_t io = capi_io;
	cursor_objects(io);
	rados_list_ctx_t ctx;
	const char *entry;
	char rest[CURSOR_N][32];
	int nrest = 0, rc;
	ck_assert_int_eq(rados_nobjects_list_open(io, &ctx), 0);
	for (int i = 0; i < CURSOR_N / 3; i++)
		ck_assert_int_eq(rados_nobjects_list_next(ctx, &entry, NULL, NULL), 0);
	rados_object_list_cursor here = NULL;
	ck_assert_int_eq(rados_nobjects_list_get_cursor(ctx, &here), 0);
	ck_assert_ptr_nonnull(here);
	while ((rc = rados_nobjects_list_next(ctx, &entry, NULL, NULL)) == 0) {
		ck_assert_int_lt(nrest, CURSOR_N);
		snprintf(rest[nrest++], sizeof(rest[0]), "%s", entry);
	}
	ck_assert_int_eq(rc, -ENOENT);
	ck_assert_int_eq(nrest, CURSOR_N - CURSOR_N / 3);
	rados_nobjects_list_seek_cursor(ctx, here);
	for (int i = 0; i < nrest; i++) {
		ck_assert_int_eq(rados_nobjects_list_next(ctx, &entry, NULL, NULL), 0);
		ck_assert_str_eq(entry, rest[i]);
	}
	ck_assert_int_eq(rados_nobjects_list_next(ctx, &entry, NULL, NULL), -ENOENT);
	rados_object_list_cursor_free(io, here);
	rados_nobjects_list_close(ctx);
	rados_ioctx_set_namespace(io, "");
}
END_TEST

void capi_add_io_tcases(Suite *s)
{
	TCase *tc = tcase_create("sync_io");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, capi_setup, capi_teardown);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_writesame);
	tcase_add_test(tc, test_cmpext);
	tcase_add_test(tc, test_missing_object);
	tcase_add_test(tc, test_object_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("xattrs");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, capi_setup, capi_teardown);
	tcase_add_test(tc, test_xattrs);
	tcase_add_test(tc, test_setxattr_creates);
	suite_add_tcase(s, tc);

	tc = tcase_create("ioctx");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, capi_setup, capi_teardown);
	tcase_add_test(tc, test_namespaces);
	tcase_add_test(tc, test_locator_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("listing");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, capi_setup, capi_teardown);
	tcase_add_test(tc, test_listing);
	tcase_add_test(tc, test_list_cursors);
	tcase_add_test(tc, test_nobjects_list_cursor);
	suite_add_tcase(s, tc);
}
