/*
 * test_os.c - unit tests for the object store (osd/store).
 *
 * Each test gets a fresh store (64 MiB block file) in its own directory
 * under one temporary directory that main() removes at the end, whether
 * the tests passed or not.  Transactions are applied with
 * os_apply_transaction, which waits on a condition variable: no sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "enc.h"
#include "os.h"
#include "os_bdev.h"
#include "test/unit/unit.h"

static char top[512];
static char dir[900];
static struct os_store *S;
static const struct os_cid C = {1, 0};

/* ---- fixture and helpers ------------------------------------------------------ */

static void new_dir(void)
{
	snprintf(dir, sizeof(dir), "%s/s.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void opts_for(struct os_opts *o, const char *path)
{
	os_opts_default(o);
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->block_size = 64ULL << 20;
	o->osd_id = 7;
}

static int apply(struct os_txn *t)
{
	return os_apply_transaction(S, t);
}

static void setup(void)
{
	struct os_opts o;
	struct os_txn *t;

	new_dir();
	opts_for(&o, dir);
	ck_assert_int_eq(os_mkfs(&o), 0);
	ck_assert_int_eq(os_mount(&o, &S), 0);
	t = os_txn_create();
	ck_assert_int_eq(os_txn_create_collection(t, &C, 0), 0);
	ck_assert_int_eq(apply(t), 0);
}

static void teardown(void)
{
	os_umount(S);
	S = NULL;
}

static void remount_plain(void)
{
	struct os_opts o;

	opts_for(&o, dir);
	ck_assert_int_eq(os_mount(&o, &S), 0);
}

static void remount(void)
{
	struct os_opts o;

	os_umount(S);
	opts_for(&o, dir);
	ck_assert_int_eq(os_mount(&o, &S), 0);
}

static int fsck_now(bool deep)
{
	struct os_opts o;
	int r;

	os_umount(S);
	opts_for(&o, dir);
	r = os_fsck(&o, deep);
	ck_assert_int_eq(os_mount(&o, &S), 0);
	return r;
}

static uint32_t name_hash(const char *s)
{
	return crc32c(0, s, strlen(s));
}

static struct os_oid oid_of(const char *name)
{
	return (struct os_oid){1, name_hash(name), OS_NOSNAP, "", name};
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 12));
}

static void w(const char *name, uint64_t off, const uint8_t *data, size_t len)
{
	struct os_oid oid = oid_of(name);
	struct os_txn *t = os_txn_create();
	struct buflist bl = BUFLIST_INIT;

	ck_assert_int_eq(buflist_append_copy(&bl, data, len), 0);
	ck_assert_int_eq(os_txn_write(t, &C, &oid, off, &bl), 0);
	buflist_fini(&bl);
	ck_assert_int_eq(apply(t), 0);
}

/* Read the whole object; returns its length, data in *out (malloc'd). */
static long rd(const char *name, uint8_t **out)
{
	struct os_oid oid = oid_of(name);
	struct buflist bl = BUFLIST_INIT;
	int r = os_read(S, &C, &oid, 0, 0, &bl);

	if (r)
		return r;
	*out = malloc(bl.len + 1);
	buflist_copy_out(&bl, 0, bl.len, *out);
	long n = (long)bl.len;
	buflist_fini(&bl);
	return n;
}

static void check_content(const char *name, const uint8_t *want, size_t len)
{
	uint8_t *got = NULL;
	long n = rd(name, &got);

	ck_assert_int_eq(n, (long)len);
	ck_assert_int_eq(memcmp(got, want, len), 0);
	free(got);
}

static uint64_t obj_size(const char *name)
{
	struct os_oid oid = oid_of(name);
	struct os_stat st;

	ck_assert_int_eq(os_stat(S, &C, &oid, &st), 0);
	return st.size;
}

static struct os_txn *txn(void)
{
	struct os_txn *t = os_txn_create();

	ck_assert_ptr_nonnull(t);
	return t;
}

/* ---- ops ------------------------------------------------------------------------- */

START_TEST(test_touch)
{
	struct os_oid a = oid_of("a");
	struct os_txn *t = txn();

	ck_assert(!os_exists(S, &C, &a));
	os_txn_touch(t, &C, &a);
	ck_assert_int_eq(apply(t), 0);
	ck_assert(os_exists(S, &C, &a));
	ck_assert_int_eq(obj_size("a"), 0);
	remount();
	ck_assert(os_exists(S, &C, &a));
}
END_TEST

START_TEST(test_write_small_inline)
{
	uint8_t buf[10000], want[20000] = {0};
	struct os_stat st;
	struct os_oid a = oid_of("a");

	fill(buf, sizeof(buf), 1);
	w("a", 0, buf, 5000);
	memcpy(want, buf, 5000);
	check_content("a", want, 5000);
	/* Overwrite in the middle of a unit, and write past the end leaving a gap. */
	w("a", 100, buf + 200, 300);
	memcpy(want + 100, buf + 200, 300);
	w("a", 12000, buf, 3000);
	memcpy(want + 12000, buf, 3000);
	check_content("a", want, 15000);
	ck_assert_int_eq(os_stat(S, &C, &a, &st), 0);
	ck_assert_uint_eq(st.alloc_bytes, 0); /* all inline in RocksDB */
	remount();
	check_content("a", want, 15000);
	ck_assert_int_eq(fsck_now(true), 0);
}
END_TEST

START_TEST(test_write_big_in_block_file)
{
	size_t len = 1 << 20;
	uint8_t *buf = malloc(len), *blk = malloc(len);
	struct os_oid a = oid_of("big");
	struct os_extent *ext;
	size_t n, done = 0;
	char bpath[4200];
	int fd;

	fill(buf, len, 3);
	w("big", 0, buf, len);
	ck_assert_int_eq(os_extents(S, &C, &a, &ext, &n), 0);
	ck_assert_uint_ge(n, 1);
	/* The data is really in the block file, where the extents say. */
	snprintf(bpath, sizeof(bpath), "%s/block", dir);
	fd = open(bpath, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(ext[i].loff, done);
		ck_assert_int_eq(pread(fd, blk + done, ext[i].len, (off_t)ext[i].poff),
				 (ssize_t)ext[i].len);
		done += ext[i].len;
	}
	ck_assert_uint_eq(done, len);
	ck_assert_int_eq(memcmp(blk, buf, len), 0);
	close(fd);
	free(ext);
	/* An unaligned large overwrite goes to new space and merges the ends. */
	uint8_t *want = malloc(len + 70000);
	memcpy(want, buf, len);
	fill(buf, 70000, 4);
	w("big", len - 1000, buf, 70000);
	memcpy(want + len - 1000, buf, 70000);
	check_content("big", want, len - 1000 + 70000);
	remount();
	check_content("big", want, len - 1000 + 70000);
	ck_assert_int_eq(fsck_now(true), 0);
	free(want);
	free(buf);
	free(blk);
}
END_TEST

/*
 * Large aligned writes and reads go through the O_DIRECT descriptor, the
 * rest through the page cache: whichever way each went, every read sees
 * every write, also where a buffered write just dirtied the range.
 */
START_TEST(test_direct_and_buffered)
{
	size_t len = 1 << 20;
	struct os_oid a = oid_of("mix");
	struct bufraw *raw = bufraw_create_aligned(len, 4096);
	uint8_t *want = malloc(len), *part = malloc(100000);
	struct buflist bl = BUFLIST_INIT;
	struct os_txn *t = os_txn_create();

	ck_assert_ptr_nonnull(raw);
	fill(bufraw_data(raw), len, 5);
	memcpy(want, bufraw_data(raw), len);
	ck_assert_int_eq(buflist_append_raw(&bl, raw, 0, len), 0);
	bufraw_put(raw);
	ck_assert_int_eq(os_txn_write(t, &C, &a, 0, &bl), 0);
	buflist_fini(&bl);
	ck_assert_int_eq(apply(t), 0);
	check_content("mix", want, len);
	/* Buffered (an odd length), then read back large (direct) and small. */
	fill(part, 100000, 6);
	w("mix", 65536, part, 100000);
	memcpy(want + 65536, part, 100000);
	check_content("mix", want, len);
	ck_assert_int_eq(os_read(S, &C, &a, 61440, 8192, &bl), 0);
	ck_assert_uint_eq(bl.len, 8192);
	uint8_t small[8192];
	buflist_copy_out(&bl, 0, 8192, small);
	ck_assert_int_eq(memcmp(small, want + 61440, 8192), 0);
	buflist_fini(&bl);
	remount();
	check_content("mix", want, len);
	ck_assert_int_eq(fsck_now(true), 0);
	free(part);
	free(want);
}
END_TEST

START_TEST(test_zero)
{
	size_t len = 200000;
	uint8_t *buf = malloc(len);

	fill(buf, len, 5);
	w("z", 0, buf, len);
	struct os_oid z = oid_of("z");
	struct os_txn *t = txn();
	os_txn_zero(t, &C, &z, 1000, 100000); /* partial units at both ends, whole ones inside */
	ck_assert_int_eq(apply(t), 0);
	memset(buf + 1000, 0, 100000);
	check_content("z", buf, len);
	t = txn();
	os_txn_zero(t, &C, &z, len, 5000); /* past the end: grows */
	ck_assert_int_eq(apply(t), 0);
	ck_assert_uint_eq(obj_size("z"), len + 5000);
	uint8_t *want = calloc(1, len + 5000);
	memcpy(want, buf, len);
	check_content("z", want, len + 5000);
	ck_assert_int_eq(fsck_now(true), 0);
	free(buf);
	free(want);
}
END_TEST

START_TEST(test_truncate)
{
	size_t len = 300000;
	uint8_t *buf = malloc(len), *want = calloc(1, len);
	struct os_oid o = oid_of("t");
	struct os_statfs before, after;

	fill(buf, len, 6);
	w("t", 0, buf, len);
	os_statfs(S, &before);
	struct os_txn *t = txn();
	os_txn_truncate(t, &C, &o, 5000);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_uint_eq(obj_size("t"), 5000);
	check_content("t", buf, 5000);
	os_statfs(S, &after);
	ck_assert_uint_lt(after.allocated, before.allocated); /* units freed */
	/* Growing again reads zeros past the old end: no stale bytes come back. */
	t = txn();
	os_txn_truncate(t, &C, &o, 20000);
	ck_assert_int_eq(apply(t), 0);
	memcpy(want, buf, 5000);
	check_content("t", want, 20000);
	ck_assert_int_eq(fsck_now(true), 0);
	free(buf);
	free(want);
}
END_TEST

START_TEST(test_remove)
{
	uint8_t buf[100000];
	struct os_oid o = oid_of("r");
	struct os_statfs sf0, sf1;

	os_statfs(S, &sf0);
	fill(buf, sizeof(buf), 7);
	w("r", 0, buf, sizeof(buf));
	struct os_txn *t = txn();
	os_txn_setattr(t, &C, &o, "x", "1", 1);
	os_txn_omap_set(t, &C, &o, "k", 1, "v", 1);
	ck_assert_int_eq(apply(t), 0);
	t = txn();
	os_txn_remove(t, &C, &o);
	ck_assert_int_eq(apply(t), 0);
	ck_assert(!os_exists(S, &C, &o));
	os_statfs(S, &sf1);
	ck_assert_uint_eq(sf1.allocated, sf0.allocated);
	/* Removing a missing object is a no-op. */
	t = txn();
	os_txn_remove(t, &C, &o);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(fsck_now(false), 0); /* no orphan omap, no leak */
}
END_TEST

START_TEST(test_clone)
{
	size_t len = 150000;
	uint8_t *buf = malloc(len);
	struct os_oid s = oid_of("src"), d = oid_of("dst"), m = oid_of("missing");
	struct buf hb = BUF_INIT, v = BUF_INIT;

	fill(buf, len, 8);
	w("src", 0, buf, len);
	w("dst", 0, buf, 10); /* replaced by the clone */
	struct os_txn *t = txn();
	os_txn_setattr(t, &C, &s, "attr", "val", 3);
	os_txn_omap_set(t, &C, &s, "k1", 2, "v1", 2);
	os_txn_omap_setheader(t, &C, &s, "hdr", 3);
	os_txn_clone(t, &C, &s, &d);
	ck_assert_int_eq(apply(t), 0);
	check_content("dst", buf, len);
	ck_assert_int_eq(os_getattr(S, &C, &d, "attr", &v), 0);
	ck_assert_mem_eq(v.data, "val", 3);
	ck_assert_int_eq(os_omap_get_header(S, &C, &d, &hb), 0);
	ck_assert_mem_eq(hb.data, "hdr", 3);
	buf_reset(&v);
	ck_assert_int_eq(os_omap_get(S, &C, &d, "k1", 2, &v), 0);
	ck_assert_mem_eq(v.data, "v1", 2);
	/* The clone is independent of its source. */
	w("src", 0, (const uint8_t *)"XXXX", 4);
	check_content("dst", buf, len);
	/* Cloning a missing object fails the whole transaction. */
	struct os_oid side = oid_of("side");
	t = txn();
	os_txn_touch(t, &C, &side);
	os_txn_clone(t, &C, &m, &d);
	ck_assert_int_eq(apply(t), -ENOENT);
	ck_assert(!os_exists(S, &C, &side));
	ck_assert_int_eq(fsck_now(true), 0);
	buf_fini(&hb);
	buf_fini(&v);
	free(buf);
}
END_TEST

/*
 * One transaction changing many objects several times each, mixed with
 * ops that read or delete onodes directly (clone, remove): every object
 * ends as the ops in order say (the commit thread keeps changed onodes
 * aside until the transaction's end).
 */
START_TEST(test_txn_many_onodes)
{
	char name[16];
	struct buf v = BUF_INIT;
	struct os_txn *t = txn();
	struct buflist bl = BUFLIST_INIT;

	ck_assert_int_eq(buflist_append_copy(&bl, "abcdefgh", 8), 0);
	for (int i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		struct os_oid o = oid_of(name);
		ck_assert_int_eq(os_txn_write(t, &C, &o, 0, &bl), 0);
		ck_assert_int_eq(os_txn_setattr(t, &C, &o, "a", name, strlen(name)), 0);
		ck_assert_int_eq(os_txn_omap_set(t, &C, &o, "k", 1, name, strlen(name)), 0);
	}
	struct os_oid m0 = oid_of("m0"), m1 = oid_of("m1"), c = oid_of("copy");
	ck_assert_int_eq(os_txn_clone(t, &C, &m0, &c), 0);
	ck_assert_int_eq(os_txn_setattr(t, &C, &c, "b", "2", 1), 0);
	ck_assert_int_eq(os_txn_remove(t, &C, &m1), 0);
	ck_assert_int_eq(os_txn_write(t, &C, &m0, 8, &bl), 0);
	ck_assert_int_eq(os_txn_truncate(t, &C, &m0, 12), 0);
	ck_assert_int_eq(apply(t), 0);

	check_content("copy", (const uint8_t *)"abcdefgh", 8);
	check_content("m0", (const uint8_t *)"abcdefghabcd", 12);
	ck_assert(!os_exists(S, &C, &m1));
	ck_assert_int_eq(os_getattr(S, &C, &c, "a", &v), 0);
	ck_assert_mem_eq(v.data, "m0", 2);
	buf_reset(&v);
	ck_assert_int_eq(os_getattr(S, &C, &c, "b", &v), 0);
	for (int i = 2; i < 7; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		struct os_oid o = oid_of(name);
		check_content(name, (const uint8_t *)"abcdefgh", 8);
		buf_reset(&v);
		ck_assert_int_eq(os_getattr(S, &C, &o, "a", &v), 0);
		ck_assert_int_eq(v.len, strlen(name));
		ck_assert_mem_eq(v.data, name, v.len);
		buf_reset(&v);
		ck_assert_int_eq(os_omap_get(S, &C, &o, "k", 1, &v), 0);
		ck_assert_mem_eq(v.data, name, v.len);
	}
	/* A transaction failing after changing onodes leaves nothing behind. */
	struct os_oid m2 = oid_of("m2"), none = oid_of("none");
	t = txn();
	ck_assert_int_eq(os_txn_setattr(t, &C, &m2, "a", "zz", 2), 0);
	ck_assert_int_eq(os_txn_clone(t, &C, &none, &c), 0);
	ck_assert_int_eq(apply(t), -ENOENT);
	buf_reset(&v);
	ck_assert_int_eq(os_getattr(S, &C, &m2, "a", &v), 0);
	ck_assert_mem_eq(v.data, "m2", 2);
	ck_assert_int_eq(fsck_now(true), 0);
	buflist_fini(&bl);
	buf_fini(&v);
}
END_TEST

START_TEST(test_setattr_getattrs)
{
	struct os_oid o = oid_of("x");
	struct os_kvlist l = OS_KVLIST_INIT;
	struct buf v = BUF_INIT;
	struct os_txn *t = txn();

	os_txn_setattr(t, &C, &o, "b", "2", 1);
	os_txn_setattr(t, &C, &o, "a", "1", 1);
	os_txn_setattr(t, &C, &o, "c", "", 0);
	os_txn_setattr(t, &C, &o, "b", "22", 2);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_getattrs(S, &C, &o, &l), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq((char *)l.v[0].key, "a");
	ck_assert_str_eq((char *)l.v[1].key, "b");
	ck_assert_uint_eq(l.v[1].vlen, 2);
	ck_assert_uint_eq(l.v[2].vlen, 0);
	ck_assert_int_eq(os_getattr(S, &C, &o, "b", &v), 0);
	ck_assert_mem_eq(v.data, "22", 2);
	ck_assert_int_eq(os_getattr(S, &C, &o, "zz", &v), -ENOENT);
	os_kvlist_fini(&l);
	buf_fini(&v);
}
END_TEST

START_TEST(test_rmattr)
{
	struct os_oid o = oid_of("x");
	struct buf v = BUF_INIT;
	struct os_txn *t = txn();

	os_txn_setattr(t, &C, &o, "a", "1", 1);
	ck_assert_int_eq(apply(t), 0);
	t = txn();
	os_txn_rmattr(t, &C, &o, "a");
	os_txn_rmattr(t, &C, &o, "never"); /* missing attr: no-op */
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_getattr(S, &C, &o, "a", &v), -ENOENT);
	buf_fini(&v);
}
END_TEST

static void omap_fill(const struct os_oid *o, int n)
{
	struct os_txn *t = txn();
	char k[16], v[16];

	for (int i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k%02d", i);
		snprintf(v, sizeof(v), "v%d", i);
		os_txn_omap_set(t, &C, o, k, strlen(k), v, strlen(v));
	}
	ck_assert_int_eq(apply(t), 0);
}

START_TEST(test_omap_set_and_list)
{
	struct os_oid o = oid_of("om");
	struct os_kvlist l = OS_KVLIST_INIT;
	bool more;

	omap_fill(&o, 10);
	ck_assert_int_eq(os_omap_list(S, &C, &o, NULL, 0, 0, false, &l, &more), 0);
	ck_assert_uint_eq(l.n, 10);
	ck_assert(!more);
	ck_assert_str_eq((char *)l.v[3].key, "k03");
	ck_assert_str_eq((char *)l.v[3].val, "v3");
	os_kvlist_fini(&l);
	/* start-after and max, keys only. */
	ck_assert_int_eq(os_omap_list(S, &C, &o, "k04", 3, 3, true, &l, &more), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert(more);
	ck_assert_str_eq((char *)l.v[0].key, "k05");
	ck_assert_uint_eq(l.v[0].vlen, 0);
	os_kvlist_fini(&l);
	remount();
	ck_assert_int_eq(os_omap_list(S, &C, &o, "k07", 3, 5, false, &l, &more), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(!more);
	os_kvlist_fini(&l);
}
END_TEST

START_TEST(test_omap_rm)
{
	struct os_oid o = oid_of("om");
	struct buf v = BUF_INIT;
	struct os_txn *t;

	omap_fill(&o, 3);
	t = txn();
	os_txn_omap_rm(t, &C, &o, "k01", 3);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_omap_get(S, &C, &o, "k01", 3, &v), -ENOENT);
	ck_assert_int_eq(os_omap_get(S, &C, &o, "k02", 3, &v), 0);
	buf_fini(&v);
}
END_TEST

START_TEST(test_omap_rmrange)
{
	struct os_oid o = oid_of("om");
	struct os_kvlist l = OS_KVLIST_INIT;
	struct os_txn *t;

	omap_fill(&o, 10);
	t = txn();
	os_txn_omap_rmrange(t, &C, &o, "k03", 3, "k07", 3); /* [k03, k07) */
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_omap_list(S, &C, &o, NULL, 0, 0, true, &l, NULL), 0);
	ck_assert_uint_eq(l.n, 6);
	ck_assert_str_eq((char *)l.v[2].key, "k02");
	ck_assert_str_eq((char *)l.v[3].key, "k07");
	os_kvlist_fini(&l);
}
END_TEST

START_TEST(test_omap_clear)
{
	struct os_oid o = oid_of("om");
	struct os_kvlist l = OS_KVLIST_INIT;
	struct buf h = BUF_INIT;
	struct os_txn *t;

	omap_fill(&o, 5);
	t = txn();
	os_txn_omap_setheader(t, &C, &o, "H", 1);
	os_txn_omap_clear(t, &C, &o);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_omap_list(S, &C, &o, NULL, 0, 0, true, &l, NULL), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(os_omap_get_header(S, &C, &o, &h), 0);
	ck_assert_uint_eq(h.len, 0);
	ck_assert(os_exists(S, &C, &o));
	os_kvlist_fini(&l);
	buf_fini(&h);
}
END_TEST

START_TEST(test_omap_setheader)
{
	struct os_oid o = oid_of("om");
	struct buf h = BUF_INIT;
	struct os_txn *t = txn();

	os_txn_omap_setheader(t, &C, &o, "header1", 7);
	ck_assert_int_eq(apply(t), 0);
	t = txn();
	os_txn_omap_setheader(t, &C, &o, "h2", 2);
	ck_assert_int_eq(apply(t), 0);
	remount();
	ck_assert_int_eq(os_omap_get_header(S, &C, &o, &h), 0);
	ck_assert_uint_eq(h.len, 2);
	ck_assert_mem_eq(h.data, "h2", 2);
	buf_fini(&h);
}
END_TEST

START_TEST(test_create_collection)
{
	struct os_cid c2 = {2, 5}, *v;
	size_t n;
	unsigned bits;
	struct os_txn *t = txn();

	os_txn_create_collection(t, &c2, 3);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_collection_bits(S, &c2, &bits), 0);
	ck_assert_uint_eq(bits, 3);
	t = txn();
	os_txn_create_collection(t, &c2, 3);
	ck_assert_int_eq(apply(t), -EEXIST);
	ck_assert_int_eq(os_list_collections(S, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0].pool, 1);
	ck_assert_int_eq(v[1].pool, 2);
	free(v);
	/* An op on a collection that does not exist fails the transaction. */
	struct os_cid nope = {9, 9};
	struct os_oid o = oid_of("o");
	t = txn();
	os_txn_touch(t, &nope, &o);
	ck_assert_int_eq(apply(t), -ENOENT);
}
END_TEST

START_TEST(test_remove_collection)
{
	struct os_cid c2 = {2, 0};
	struct os_oid o = oid_of("o");
	struct os_txn *t = txn();

	os_txn_create_collection(t, &c2, 0);
	os_txn_touch(t, &c2, &o);
	ck_assert_int_eq(apply(t), 0);
	t = txn();
	os_txn_remove_collection(t, &c2);
	ck_assert_int_eq(apply(t), -ENOTEMPTY);
	t = txn();
	os_txn_remove(t, &c2, &o);
	os_txn_remove_collection(t, &c2);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_collection_bits(S, &c2, NULL), -ENOENT);
	t = txn();
	os_txn_remove_collection(t, &c2);
	ck_assert_int_eq(apply(t), -ENOENT);
}
END_TEST

START_TEST(test_move_rename)
{
	struct os_cid c2 = {1, 1};
	struct os_oid a = oid_of("a"), b = oid_of("b");
	struct buf v = BUF_INIT;
	uint8_t buf[100000];
	struct os_txn *t = txn();

	fill(buf, sizeof(buf), 9);
	os_txn_create_collection(t, &c2, 0);
	ck_assert_int_eq(apply(t), 0);
	w("a", 0, buf, sizeof(buf));
	t = txn();
	os_txn_omap_set(t, &C, &a, "k", 1, "v", 1);
	os_txn_move_rename(t, &C, &a, &c2, &b);
	ck_assert_int_eq(apply(t), 0);
	ck_assert(!os_exists(S, &C, &a));
	ck_assert(os_exists(S, &c2, &b));
	ck_assert_int_eq(os_omap_get(S, &c2, &b, "k", 1, &v), 0);
	struct buflist bl = BUFLIST_INIT;
	ck_assert_int_eq(os_read(S, &c2, &b, 0, 0, &bl), 0);
	ck_assert_uint_eq(bl.len, sizeof(buf));
	buflist_fini(&bl);
	t = txn();
	os_txn_move_rename(t, &C, &a, &c2, &b);
	ck_assert_int_eq(apply(t), -ENOENT);
	ck_assert_int_eq(fsck_now(true), 0);
	buf_fini(&v);
}
END_TEST

START_TEST(test_split_collection)
{
	struct os_cid child = {1, 1};
	struct os_oidlist l = OS_OIDLIST_INIT;
	char name[32];
	unsigned bits;
	int n_odd = 0;
	struct os_txn *t = txn();

	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "obj%d", i);
		struct os_oid o = oid_of(name);
		n_odd += o.hash & 1;
		os_txn_omap_set(t, &C, &o, "k", 1, name, strlen(name));
	}
	os_txn_create_collection(t, &child, 0);
	ck_assert_int_eq(apply(t), 0);
	t = txn();
	os_txn_split_collection(t, &C, 1, &child);
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_collection_bits(S, &C, &bits), 0);
	ck_assert_uint_eq(bits, 1);
	ck_assert_int_eq(os_list(S, &child, NULL, NULL, 0, &l, NULL), 0);
	ck_assert_int_eq((int)l.n, n_odd);
	for (size_t i = 0; i < l.n; i++) {
		struct buf v = BUF_INIT;
		ck_assert_uint_eq(l.v[i].hash & 1, 1);
		ck_assert_int_eq(os_omap_get(S, &child, &l.v[i], "k", 1, &v), 0);
		ck_assert_mem_eq(v.data, l.v[i].name, v.len);
		buf_fini(&v);
	}
	os_oidlist_fini(&l);
	ck_assert_int_eq(os_list(S, &C, NULL, NULL, 0, &l, NULL), 0);
	ck_assert_int_eq((int)l.n, 40 - n_odd);
	os_oidlist_fini(&l);
	ck_assert_int_eq(fsck_now(false), 0);
}
END_TEST

/* ---- reads, listing, callbacks ----------------------------------------------------- */

START_TEST(test_list_order_and_bounds)
{
	struct os_oidlist l = OS_OIDLIST_INIT, next = OS_OIDLIST_INIT, all = OS_OIDLIST_INIT;
	struct os_txn *t = txn();
	char name[32];

	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		struct os_oid o = oid_of(name);
		o.hash = (uint32_t)(i % 7); /* many hash collisions: name breaks ties */
		os_txn_touch(t, &C, &o);
	}
	ck_assert_int_eq(apply(t), 0);
	ck_assert_int_eq(os_list(S, &C, NULL, NULL, 0, &all, NULL), 0);
	ck_assert_uint_eq(all.n, 50);
	for (size_t i = 1; i < all.n; i++)
		ck_assert_int_lt(os_oid_cmp(&all.v[i - 1], &all.v[i]), 0);
	/* Pages of 8 via out_next reproduce the full listing. */
	size_t seen = 0;
	struct os_oid start = all.v[0];
	for (;;) {
		ck_assert_int_eq(os_list(S, &C, &start, NULL, 8, &l, &next), 0);
		for (size_t i = 0; i < l.n; i++)
			ck_assert_int_eq(os_oid_cmp(&l.v[i], &all.v[seen + i]), 0);
		seen += l.n;
		os_oidlist_fini(&l);
		if (!next.n)
			break;
		ck_assert_int_eq(os_oid_cmp(&next.v[0], &all.v[seen]), 0);
		start = all.v[seen];
		os_oidlist_fini(&next);
	}
	ck_assert_uint_eq(seen, 50);
	/* Bounds: [all[10], all[20]). */
	ck_assert_int_eq(os_list(S, &C, &all.v[10], &all.v[20], 0, &l, NULL), 0);
	ck_assert_uint_eq(l.n, 10);
	ck_assert_int_eq(os_oid_cmp(&l.v[0], &all.v[10]), 0);
	os_oidlist_fini(&l);
	os_oidlist_fini(&all);
}
END_TEST

START_TEST(test_read_ranges)
{
	size_t len = 100000;
	uint8_t *buf = malloc(len);
	struct os_oid o = oid_of("rr");
	struct buflist bl = BUFLIST_INIT;
	uint8_t out[5000];

	fill(buf, len, 10);
	w("rr", 0, buf, len);
	ck_assert_int_eq(os_read(S, &C, &o, 4090, 5000, &bl), 0);
	ck_assert_uint_eq(bl.len, 5000);
	buflist_copy_out(&bl, 0, 5000, out);
	ck_assert_int_eq(memcmp(out, buf + 4090, 5000), 0);
	buflist_clear(&bl);
	ck_assert_int_eq(os_read(S, &C, &o, len - 10, 5000, &bl), 0); /* cut at size */
	ck_assert_uint_eq(bl.len, 10);
	buflist_clear(&bl);
	ck_assert_int_eq(os_read(S, &C, &o, len + 10, 5, &bl), 0);
	ck_assert_uint_eq(bl.len, 0);
	struct os_oid m = oid_of("missing");
	ck_assert_int_eq(os_read(S, &C, &m, 0, 0, &bl), -ENOENT);
	buflist_fini(&bl);
	free(buf);
}
END_TEST

struct cbstate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int applied, committed, order_ok;
};

static void cb_applied(void *arg, int status)
{
	struct cbstate *c = arg;

	pthread_mutex_lock(&c->lock);
	if (status == 0 && c->applied == c->committed)
		c->applied++;
	else
		c->order_ok = 0;
	pthread_mutex_unlock(&c->lock);
}

static void cb_commit(void *arg, int status)
{
	struct cbstate *c = arg;

	pthread_mutex_lock(&c->lock);
	if (status || c->applied != c->committed + 1)
		c->order_ok = 0;
	c->committed++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

START_TEST(test_queue_callbacks_group_commit)
{
	struct cbstate c = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 1};
	struct os_perf p0, p1;
	int n = 200;
	char name[32];

	os_perf(S, &p0);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		struct os_oid o = oid_of(name);
		struct os_txn *t = txn();
		struct buflist bl = BUFLIST_INIT;
		buflist_append_copy(&bl, name, strlen(name));
		os_txn_write(t, &C, &o, 0, &bl);
		buflist_fini(&bl);
		ck_assert_int_eq(os_queue_transaction(S, t, cb_applied, cb_commit, &c), 0);
	}
	pthread_mutex_lock(&c.lock);
	while (c.committed < n)
		pthread_cond_wait(&c.cond, &c.lock);
	pthread_mutex_unlock(&c.lock);
	ck_assert(c.order_ok);
	os_perf(S, &p1);
	ck_assert_uint_eq(p1.txns - p0.txns, (uint64_t)n);
	/* Queued back to back, they share commits. */
	ck_assert_uint_lt(p1.commits - p0.commits, (uint64_t)n);
	/* Small writes never touched the block device. */
	ck_assert_uint_eq(p1.bdev_flushes, p0.bdev_flushes);
	ck_assert(os_exists(S, &C, &(struct os_oid){1, name_hash("q199"), OS_NOSNAP, "", "q199"}));
}
END_TEST

START_TEST(test_checksum_mismatch_eio)
{
	size_t len = 128 * 1024;
	uint8_t *buf = malloc(len);
	struct os_oid o = oid_of("c");
	struct os_extent *ext;
	struct buflist bl = BUFLIST_INIT;
	struct os_perf p;
	char bpath[4200];
	size_t n;

	fill(buf, len, 11);
	w("c", 0, buf, len);
	ck_assert_int_eq(os_extents(S, &C, &o, &ext, &n), 0);
	snprintf(bpath, sizeof(bpath), "%s/block", dir);
	int fd = open(bpath, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "\xff", 1, (off_t)(ext[0].poff + 5000)), 1);
	close(fd);
	ck_assert_int_eq(os_read(S, &C, &o, 0, 0, &bl), -EIO);
	ck_assert_int_eq(os_read(S, &C, &o, 4096, 100, &bl), -EIO);
	ck_assert_int_eq(os_read(S, &C, &o, 8192, 100, &bl), 0); /* other units are fine */
	os_perf(S, &p);
	ck_assert_uint_eq(p.csum_errors, 2);
	ck_assert_int_eq(fsck_now(false), 0);
	ck_assert_int_eq(fsck_now(true), 1);
	buflist_fini(&bl);
	free(ext);
	free(buf);
}
END_TEST

START_TEST(test_statfs_and_enospc)
{
	struct os_statfs sf;
	size_t len = 8 << 20;
	uint8_t *buf = calloc(1, len);
	struct os_oid o;
	char name[32];
	int i, r = 0;

	os_statfs(S, &sf);
	ck_assert_uint_eq(sf.total, (64ULL << 20) - 4096);
	ck_assert_uint_eq(sf.allocated, 0);
	ck_assert_uint_eq(sf.free_extents, 1);
	{
		struct os_statfs u;
		w("u", 0, buf, 1 << 20);
		os_statfs(S, &sf);
		os_usage(S, &u);
		ck_assert_uint_eq(u.total, sf.total);
		ck_assert_uint_eq(u.allocated, sf.allocated);
		ck_assert_uint_eq(u.available, sf.available);
		ck_assert_uint_ge(u.allocated, 1 << 20);
		ck_assert_uint_eq(u.free_extents, 0);
		struct os_txn *t = txn();
		struct os_oid uo = oid_of("u");
		ck_assert_int_eq(os_txn_remove(t, &C, &uo), 0);
		ck_assert_int_eq(apply(t), 0);
	}
	/* Fill the 64 MiB device: the 8th 8 MiB write cannot fit. */
	for (i = 0; i < 10 && !r; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		o = oid_of(name);
		struct os_txn *t = txn();
		struct buflist bl = BUFLIST_INIT;
		buflist_append_copy(&bl, buf, len);
		os_txn_write(t, &C, &o, 0, &bl);
		buflist_fini(&bl);
		r = apply(t);
	}
	ck_assert_int_eq(r, -ENOSPC);
	ck_assert(!os_exists(S, &C, &o)); /* the failed transaction left nothing */
	os_statfs(S, &sf);
	ck_assert_uint_eq(sf.allocated, (uint64_t)(i - 1) * len);
	ck_assert_uint_eq(sf.available, sf.total - sf.allocated);
	ck_assert_int_eq(fsck_now(false), 0);
	free(buf);
}
END_TEST

/* ---- early (parallel) writes of large-write data ------------------------------------ */

/*
 * Many threads queue large writes at once, without waiting: to their own
 * object and to one shared object (two overlapping, unaligned writes per
 * transaction, so the second merges with units the first wrote early),
 * plus an xattr naming the transaction; every fourth transaction also
 * touches a missing collection and fails.  Threads 0-3 queue under a test
 * mutex that records the global queue order; threads 4-7 queue freely.
 * Checks: commits arrive in queue order (exactly, for the recorded ones;
 * per thread for all); the store equals a model replaying the
 * transactions in commit order; no reserved unit is left over (statfs
 * equals the objects' units) and deep fsck is clean.
 */
#define CW_THREADS 8
#define CW_TXNS 6
#define CW_MAX (2 << 20)

struct cw_spec {
	uint64_t own_off, own_len, sh_off[2], sh_len[2];
	bool fail;
};

struct cw_log {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int n;
	int who[CW_THREADS * CW_TXNS]; /* thread * CW_TXNS + txn, in commit order */
	int status[CW_THREADS * CW_TXNS];
	pthread_mutex_t qlock; /* taken by threads < CW_THREADS / 2 around queueing */
	int nq;
	int qorder[CW_THREADS * CW_TXNS];
};

struct cw_cb {
	struct cw_log *log;
	int who;
};

static struct cw_cb cw_cbs[CW_THREADS * CW_TXNS];

static void cw_spec(int th, int i, struct cw_spec *sp)
{
	uint32_t x = (uint32_t)(th * 7919 + i * 104729 + 17);

	x = x * 1103515245u + 12345u;
	sp->own_off = (uint64_t)(i * 300001) % (1 << 20);
	sp->own_len = 65536 + (x >> 8) % 600000;
	x = x * 1103515245u + 12345u;
	sp->sh_off[0] = (x >> 8) % (1 << 20);
	x = x * 1103515245u + 12345u;
	sp->sh_len[0] = 65536 + (x >> 8) % 700000;
	x = x * 1103515245u + 12345u;
	sp->sh_off[1] = sp->sh_off[0] + (x >> 8) % 200000;
	x = x * 1103515245u + 12345u;
	sp->sh_len[1] = i % 2 ? 65536 + (x >> 8) % 300000 : 0;
	sp->fail = i % 4 == 3;
}

static void cw_committed(void *arg, int status)
{
	struct cw_cb *cb = arg;
	struct cw_log *l = cb->log;

	pthread_mutex_lock(&l->lock);
	l->who[l->n] = cb->who;
	l->status[l->n] = status;
	l->n++;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

static void cw_name(char *out, size_t size, int th)
{
	snprintf(out, size, "own%d", th);
}

static void cw_add_write(struct os_txn *t, const struct os_oid *o, uint64_t off, uint64_t len,
			 unsigned seed)
{
	uint8_t *p = malloc(len);
	struct buflist bl = BUFLIST_INIT;

	fill(p, len, seed);
	ck_assert_int_eq(buflist_append_copy(&bl, p, len), 0);
	ck_assert_int_eq(os_txn_write(t, &C, o, off, &bl), 0);
	buflist_fini(&bl);
	free(p);
}

struct cw_arg {
	struct cw_log *log;
	int th;
};

static void *cw_thread(void *arg)
{
	struct cw_arg *a = arg;
	char own[16];
	struct os_oid sh = oid_of("shared"), oo;
	const struct os_cid missing = {77, 0};

	cw_name(own, sizeof(own), a->th);
	oo = oid_of(own);
	for (int i = 0; i < CW_TXNS; i++) {
		struct cw_spec sp;
		struct os_txn *t = txn();
		int who = a->th * CW_TXNS + i;
		char tag[16];

		cw_spec(a->th, i, &sp);
		cw_add_write(t, &oo, sp.own_off, sp.own_len, (unsigned)who * 3);
		for (int k = 0; k < 2; k++)
			if (sp.sh_len[k])
				cw_add_write(t, &sh, sp.sh_off[k], sp.sh_len[k],
					     (unsigned)who * 3 + 1 + (unsigned)k);
		snprintf(tag, sizeof(tag), "%d", who);
		ck_assert_int_eq(os_txn_setattr(t, &C, &sh, "last", tag, strlen(tag)), 0);
		if (sp.fail)
			ck_assert_int_eq(os_txn_touch(t, &missing, &oo), 0);
		cw_cbs[who] = (struct cw_cb){a->log, who};
		if (a->th < CW_THREADS / 2) {
			pthread_mutex_lock(&a->log->qlock);
			a->log->qorder[a->log->nq++] = who;
		}
		ck_assert_int_eq(os_queue_transaction(S, t, NULL, cw_committed, &cw_cbs[who]), 0);
		if (a->th < CW_THREADS / 2)
			pthread_mutex_unlock(&a->log->qlock);
	}
	return NULL;
}

static void cw_model_write(uint8_t *m, uint64_t *size, uint64_t off, uint64_t len, unsigned seed)
{
	fill(m + off, len, seed);
	if (off + len > *size)
		*size = off + len;
}

START_TEST(test_early_writes_concurrent)
{
	static struct cw_log log = {
	    .lock = PTHREAD_MUTEX_INITIALIZER,
	    .cond = PTHREAD_COND_INITIALIZER,
	    .qlock = PTHREAD_MUTEX_INITIALIZER,
	};
	pthread_t th[CW_THREADS];
	struct cw_arg args[CW_THREADS];
	uint8_t *model[CW_THREADS + 1];
	uint64_t msize[CW_THREADS + 1] = {0}, objbytes = 0;
	int total = CW_THREADS * CW_TXNS, last = -1, seen[CW_THREADS], qi = 0;
	struct os_opts o;
	struct os_perf p;
	struct os_statfs sf;
	struct os_txn *t;
	char name[16];

	/* A roomier store than the fixture's: every transaction is in flight at once. */
	new_dir();
	opts_for(&o, dir);
	o.block_size = 256ULL << 20;
	ck_assert_int_eq(os_mkfs(&o), 0);
	ck_assert_int_eq(os_mount(&o, &S), 0);
	t = txn();
	ck_assert_int_eq(os_txn_create_collection(t, &C, 0), 0);
	ck_assert_int_eq(apply(t), 0);

	for (int i = 0; i < CW_THREADS; i++) {
		args[i] = (struct cw_arg){&log, i};
		ck_assert_int_eq(pthread_create(&th[i], NULL, cw_thread, &args[i]), 0);
	}
	for (int i = 0; i < CW_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_lock(&log.lock);
	while (log.n < total)
		pthread_cond_wait(&log.cond, &log.lock);
	pthread_mutex_unlock(&log.lock);

	/* Commit order is queue order. */
	for (int i = 0; i < CW_THREADS; i++)
		seen[i] = -1;
	for (int k = 0; k < total; k++) {
		int who = log.who[k], thr = who / CW_TXNS;
		ck_assert_int_gt(who % CW_TXNS, seen[thr]);
		seen[thr] = who % CW_TXNS;
		if (thr < CW_THREADS / 2)
			ck_assert_int_eq(who, log.qorder[qi++]);
	}
	ck_assert_int_eq(qi, log.nq);

	/* Replay in commit order. */
	for (int i = 0; i <= CW_THREADS; i++)
		model[i] = calloc(1, CW_MAX);
	for (int k = 0; k < total; k++) {
		int who = log.who[k], thr = who / CW_TXNS;
		struct cw_spec sp;
		cw_spec(thr, who % CW_TXNS, &sp);
		ck_assert_int_eq(log.status[k], sp.fail ? -ENOENT : 0);
		if (sp.fail)
			continue;
		cw_model_write(model[thr], &msize[thr], sp.own_off, sp.own_len, (unsigned)who * 3);
		for (int j = 0; j < 2; j++)
			if (sp.sh_len[j])
				cw_model_write(model[CW_THREADS], &msize[CW_THREADS], sp.sh_off[j],
					       sp.sh_len[j], (unsigned)who * 3 + 1 + (unsigned)j);
		last = who;
	}
	for (int i = 0; i <= CW_THREADS; i++) {
		struct os_stat st;
		struct os_oid oo;
		if (i < CW_THREADS)
			cw_name(name, sizeof(name), i);
		else
			snprintf(name, sizeof(name), "shared");
		check_content(name, model[i], msize[i]);
		oo = oid_of(name);
		ck_assert_int_eq(os_stat(S, &C, &oo, &st), 0);
		objbytes += st.alloc_bytes;
		free(model[i]);
	}
	{
		struct os_oid sh = oid_of("shared");
		struct buf v = BUF_INIT;
		char tag[16];
		snprintf(tag, sizeof(tag), "%d", last);
		ck_assert_int_eq(os_getattr(S, &C, &sh, "last", &v), 0);
		ck_assert_uint_eq(v.len, strlen(tag));
		ck_assert_int_eq(memcmp(v.data, tag, v.len), 0);
		buf_fini(&v);
	}
	os_perf(S, &p);
	ck_assert_uint_ge(p.early_writes, (uint64_t)total / 2);
	/* Every reserved unit was claimed by an object or returned. */
	os_statfs(S, &sf);
	ck_assert_uint_eq(sf.allocated, objbytes);
	ck_assert_int_eq(fsck_now(true), 0);
	os_umount(S);
	S = NULL;
}
END_TEST

/*
 * Units are reserved in queue order, and when one transaction cannot
 * reserve, it and every later one allocate when applied, as without
 * early writes: on a 64 MiB store ten 8 MiB writes queued back to back
 * commit exactly the first seven.  Afterwards reservations resume.
 */
/* Records a status; read after a later transaction committed (queue order). */
static void status_cb(void *arg, int status)
{
	*(int *)arg = status;
}

START_TEST(test_early_writes_enospc_order)
{
	size_t len = 8 << 20;
	uint8_t *buf = calloc(1, len);
	int st[10];
	struct os_perf p0, p1;
	struct os_statfs sf;
	char name[32];

	os_perf(S, &p0);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		struct os_oid o = oid_of(name);
		struct os_txn *t = txn();
		struct buflist bl = BUFLIST_INIT;
		fill(buf, len, (unsigned)i);
		buflist_append_copy(&bl, buf, len);
		os_txn_write(t, &C, &o, 0, &bl);
		buflist_fini(&bl);
		st[i] = 1;
		ck_assert_int_eq(os_queue_transaction(S, t, NULL, status_cb, &st[i]), 0);
	}
	{
		struct os_txn *t = txn(); /* a barrier: commits after all of them */
		struct os_oid x = oid_of("x");
		ck_assert_int_eq(os_txn_touch(t, &C, &x), 0);
		ck_assert_int_eq(apply(t), 0);
	}
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(st[i], i < 7 ? 0 : -ENOSPC);
	os_perf(S, &p1);
	ck_assert_uint_eq(p1.early_writes - p0.early_writes, 7);
	ck_assert_uint_eq(p1.early_fallbacks - p0.early_fallbacks, 3);
	os_statfs(S, &sf);
	ck_assert_uint_eq(sf.allocated, 7 * (uint64_t)len);
	fill(buf, len, 3);
	check_content("e3", buf, len);
	ck_assert_int_eq(fsck_now(false), 0);
	/* Room again: the next large write is written early. */
	{
		struct os_oid o = oid_of("e0");
		struct os_txn *t = txn();
		os_txn_remove(t, &C, &o);
		ck_assert_int_eq(apply(t), 0);
	}
	os_perf(S, &p0);
	fill(buf, len, 42);
	w("e7", 0, buf, len);
	os_perf(S, &p1);
	ck_assert_uint_eq(p1.early_writes - p0.early_writes, 1);
	check_content("e7", buf, len);
	ck_assert_int_eq(fsck_now(false), 0);
	free(buf);
}
END_TEST

/* ---- allocator, bdev seam ------------------------------------------------------------ */

START_TEST(test_alloc_fragmentation)
{
	/* Uses the public API: free every other object, then ask for a big one. */
	uint8_t *buf = calloc(1, 2 << 20);
	char name[32];
	struct os_statfs sf;

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "fr%d", i);
		w(name, 0, buf, 1 << 20);
	}
	for (int i = 0; i < 8; i += 2) {
		snprintf(name, sizeof(name), "fr%d", i);
		struct os_oid o = oid_of(name);
		struct os_txn *t = txn();
		os_txn_remove(t, &C, &o);
		ck_assert_int_eq(apply(t), 0);
	}
	os_statfs(S, &sf);
	ck_assert_uint_ge(sf.free_extents, 4);
	/* A 2 MiB write prefers one contiguous free run over the 1 MiB holes. */
	w("frbig", 0, buf, 2 << 20);
	struct os_oid b = oid_of("frbig");
	struct os_extent *ext;
	size_t n;
	ck_assert_int_eq(os_extents(S, &C, &b, &ext, &n), 0);
	ck_assert_uint_eq(n, 1);
	free(ext);
	ck_assert_int_eq(fsck_now(false), 0);
	free(buf);
}
END_TEST

START_TEST(test_bdev_powerloss)
{
	char path[4200];
	struct os_bdev *f, *p;
	uint8_t a[4096], b[4096];

	new_dir();
	snprintf(path, sizeof(path), "%s/blk", dir);
	ck_assert_int_eq(os_bdev_file_open(path, 1 << 20, &f, NULL), 0);
	ck_assert_int_eq(os_bdev_powerloss_wrap(f, 1, 0, &p), 0);
	memset(a, 0xab, sizeof(a));
	struct iovec v = {a, sizeof(a)};
	ck_assert_int_eq(p->ops->pwritev(p, &v, 1, 8192), 0);
	ck_assert_uint_eq(os_bdev_powerloss_pending(p), 4096);
	ck_assert_int_eq(p->ops->pread(p, b, 4096, 8192), 0); /* reads see pending writes */
	ck_assert_int_eq(memcmp(a, b, 4096), 0);
	os_bdev_close(p); /* "power loss": the write is gone */
	ck_assert_int_eq(os_bdev_file_open(path, 0, &f, NULL), 0);
	ck_assert_int_eq(f->ops->pread(f, b, 4096, 8192), 0);
	ck_assert_int_ne(memcmp(a, b, 4096), 0);
	ck_assert_int_eq(os_bdev_powerloss_wrap(f, 1, 0, &p), 0);
	ck_assert_int_eq(p->ops->pwritev(p, &v, 1, 8192), 0);
	ck_assert_int_eq(p->ops->flush(p), 0); /* flushed: survives */
	os_bdev_close(p);
	ck_assert_int_eq(os_bdev_file_open(path, 0, &f, NULL), 0);
	ck_assert_int_eq(f->ops->pread(f, b, 4096, 8192), 0);
	ck_assert_int_eq(memcmp(a, b, 4096), 0);
	os_bdev_close(f);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------------- */

static void db_put_super(const char *path, const void *v, size_t vl)
{
	char dbp[4200], *err = NULL;
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();

	snprintf(dbp, sizeof(dbp), "%s/db", path);
	rocksdb_options_set_create_if_missing(o, 1);
	rocksdb_t *db = rocksdb_open(o, dbp, &err);
	ck_assert_ptr_null(err);
	if (v)
		rocksdb_put(db, wo, "Ssuper", 6, v, vl, &err);
	else
		rocksdb_delete(db, wo, "Ssuper", 6, &err);
	ck_assert_ptr_null(err);
	rocksdb_close(db);
	rocksdb_writeoptions_destroy(wo);
	rocksdb_options_destroy(o);
}

static size_t db_get_super(const char *path, uint8_t *out)
{
	char dbp[4200], *err = NULL;
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	size_t vl;

	snprintf(dbp, sizeof(dbp), "%s/db", path);
	rocksdb_t *db = rocksdb_open(o, dbp, &err);
	ck_assert_ptr_null(err);
	char *v = rocksdb_get(db, ro, "Ssuper", 6, &vl, &err);
	ck_assert_ptr_nonnull(v);
	memcpy(out, v, vl);
	rocksdb_free(v);
	rocksdb_close(db);
	rocksdb_readoptions_destroy(ro);
	rocksdb_options_destroy(o);
	return vl;
}

static void mkfs_at(const char *path)
{
	struct os_opts o;

	opts_for(&o, path);
	ck_assert_int_eq(os_mkfs(&o), 0);
}

static int mount_at(const char *path)
{
	struct os_opts o;
	struct os_store *s = NULL;
	int r;

	opts_for(&o, path);
	r = os_mount(&o, &s);
	os_umount(s);
	return r;
}

START_TEST(test_bad_missing_db)
{
	new_dir();
	ck_assert_int_eq(mount_at(dir), -ENOENT);
	mkfs_at(dir);
	char b[4200];
	snprintf(b, sizeof(b), "%s/block", dir);
	unlink(b);
	ck_assert_int_eq(mount_at(dir), -ENOENT);
}
END_TEST

START_TEST(test_bad_superblock)
{
	uint8_t v[256];
	size_t vl;

	new_dir();
	mkfs_at(dir);
	vl = db_get_super(dir, v);
	v[20] ^= 1; /* a flipped bit in the fsid */
	db_put_super(dir, v, vl);
	ck_assert_int_eq(mount_at(dir), -EIO);
	ck_assert_int_eq(mount_at(dir), -EIO); /* nothing was "repaired" */
	/* Foreign RocksDB: no superblock at all. */
	db_put_super(dir, NULL, 0);
	ck_assert_int_eq(mount_at(dir), -EINVAL);
}
END_TEST

START_TEST(test_bad_format_version)
{
	uint8_t v[256];
	size_t vl;
	struct os_opts o;

	new_dir();
	mkfs_at(dir);
	vl = db_get_super(dir, v);
	enc_put_le32(v + 8, 99);
	enc_put_le32(v + vl - 4, crc32c(0, v, vl - 4));
	db_put_super(dir, v, vl);
	ck_assert_int_eq(mount_at(dir), -EINVAL);
	opts_for(&o, dir);
	ck_assert_int_eq(os_fsck(&o, false), -EINVAL);
}
END_TEST

START_TEST(test_bad_truncated_block)
{
	char b[4200];

	new_dir();
	mkfs_at(dir);
	snprintf(b, sizeof(b), "%s/block", dir);
	ck_assert_int_eq(truncate(b, 1 << 20), 0);
	ck_assert_int_eq(mount_at(dir), -EIO);
}
END_TEST

START_TEST(test_bad_foreign_block)
{
	char d1[1000], d2[1000], b1[1100], b2[1100];

	new_dir();
	snprintf(d1, sizeof(d1), "%s", dir);
	mkfs_at(d1);
	new_dir();
	snprintf(d2, sizeof(d2), "%s", dir);
	mkfs_at(d2);
	snprintf(b1, sizeof(b1), "%s/block", d1);
	snprintf(b2, sizeof(b2), "%s/block", d2);
	ck_assert_int_eq(rename(b2, b1), 0);
	ck_assert_int_eq(mount_at(d1), -EXDEV);
	/* A store whose block file went away does not mount. */
	ck_assert_int_eq(mount_at(d2), -ENOENT);
}
END_TEST

/* bluestore_rocksdb_options: applied (RocksDB records them), bad ones refused. */
static int mount_with(const char *ropts)
{
	struct os_opts o;
	struct os_store *s = NULL;
	int r;

	opts_for(&o, dir);
	snprintf(o.rocksdb_options, sizeof(o.rocksdb_options), "%s", ropts);
	r = os_mount(&o, &s);
	os_umount(s);
	return r;
}

START_TEST(test_rocksdb_options)
{
	char cmd[4200];

	os_umount(S);
	S = NULL;
	ck_assert_int_eq(mount_with("write_buffer_size=1234567,max_write_buffer_number=3"), 0);
	snprintf(cmd, sizeof(cmd), "grep -q 'write_buffer_size=1234567' %s/db/OPTIONS-*", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(mount_with("no_such_option=1"), -EINVAL);
	ck_assert_int_eq(mount_with("write_buffer_size=lots"), -EINVAL);
	ck_assert_int_eq(mount_with("write_buffer_size"), -EINVAL);
	remount_plain();
}
END_TEST

START_TEST(test_bad_double_mount)
{
	struct os_opts o;
	struct os_store *s2 = NULL;

	opts_for(&o, dir);
	ck_assert_int_eq(os_mount(&o, &s2), -EBUSY);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------------ */

static Suite *os_suite(void)
{
	Suite *s = suite_create("os");
	TCase *tc;

#define ADD(name, fn, fixture)                                                                   \
	do {                                                                                       \
		tc = tcase_create(name);                                                           \
		if (fixture)                                                                       \
			tcase_add_checked_fixture(tc, setup, teardown);                            \
		tcase_set_timeout(tc, 120);                                                        \
		tcase_add_test(tc, fn);                                                            \
		suite_add_tcase(s, tc);                                                            \
	} while (0)
	ADD("touch", test_touch, 1);
	ADD("rocksdb_options", test_rocksdb_options, 1);
	ADD("write_small", test_write_small_inline, 1);
	ADD("write_big", test_write_big_in_block_file, 1);
	ADD("direct_and_buffered", test_direct_and_buffered, 1);
	ADD("zero", test_zero, 1);
	ADD("truncate", test_truncate, 1);
	ADD("remove", test_remove, 1);
	ADD("clone", test_clone, 1);
	ADD("txn_many_onodes", test_txn_many_onodes, 1);
	ADD("setattr", test_setattr_getattrs, 1);
	ADD("rmattr", test_rmattr, 1);
	ADD("omap_set", test_omap_set_and_list, 1);
	ADD("omap_rm", test_omap_rm, 1);
	ADD("omap_rmrange", test_omap_rmrange, 1);
	ADD("omap_clear", test_omap_clear, 1);
	ADD("omap_setheader", test_omap_setheader, 1);
	ADD("create_collection", test_create_collection, 1);
	ADD("remove_collection", test_remove_collection, 1);
	ADD("move_rename", test_move_rename, 1);
	ADD("split_collection", test_split_collection, 1);
	ADD("list", test_list_order_and_bounds, 1);
	ADD("read_ranges", test_read_ranges, 1);
	ADD("callbacks", test_queue_callbacks_group_commit, 1);
	ADD("checksum", test_checksum_mismatch_eio, 1);
	ADD("statfs", test_statfs_and_enospc, 1);
	ADD("alloc", test_alloc_fragmentation, 1);
	ADD("early_concurrent", test_early_writes_concurrent, 0);
	ADD("early_enospc_order", test_early_writes_enospc_order, 1);
	ADD("bdev_powerloss", test_bdev_powerloss, 0);
	ADD("bad_missing", test_bad_missing_db, 0);
	ADD("bad_super", test_bad_superblock, 0);
	ADD("bad_version", test_bad_format_version, 0);
	ADD("bad_truncated", test_bad_truncated_block, 0);
	ADD("bad_foreign", test_bad_foreign_block, 0);
	ADD("bad_double_mount", test_bad_double_mount, 1);
#undef ADD
	return s;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	snprintf(top, sizeof(top), "%s/cairn-test-os.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(os_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(top, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
