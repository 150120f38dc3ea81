/*
 * test_osd_exec.c - unit tests for the OSD op executor (osd/osd_exec.h).
 *
 * Each test gets a fresh object store (64 MiB block file) in its own
 * directory under one temporary directory that main() removes at the end,
 * whether the tests passed or not.  An op is built step by step in the
 * globals below, run with osd_exec_op() against the store, and, for
 * writes, given its object info and applied with osd_exec_apply() in one
 * transaction, as the PG layer does.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crc32c.h"
#include "enc.h"
#include "osd_exec.h"
#include "test/unit/unit.h"

static char top[512];
static struct os_store *S, *S2;
static const struct os_cid C = {1, 0};
/* Small limits so that tests can reach them: 1 MiB objects, 64 KiB writes. */
static const struct osd_exec_limits LIM = {1u << 20, 64u << 10};

/* The op being built and its results. */
static struct msg_osd_subop *ops;
static uint32_t n_ops;
static struct buflist in, out;
static struct osd_exec_write W;
static uint64_t ver; /* object versions handed out by commit() */

/* ---- fixture ---------------------------------------------------------------------------- */

static struct os_store *new_store(void)
{
	char dir[900];
	struct os_opts o;
	struct os_store *s;
	struct os_txn *t = os_txn_create();

	snprintf(dir, sizeof(dir), "%s/s.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	os_opts_default(&o);
	snprintf(o.path, sizeof(o.path), "%s", dir);
	o.block_size = 64ULL << 20;
	ck_assert_int_eq(os_mkfs(&o), 0);
	ck_assert_int_eq(os_mount(&o, &s), 0);
	ck_assert_int_eq(os_txn_create_collection(t, &C, 0), 0);
	ck_assert_int_eq(os_apply_transaction(s, t), 0);
	return s;
}

static void reset(void)
{
	for (uint32_t i = 0; i < n_ops; i++)
		msg_osd_subop_fini(&ops[i]);
	free(ops);
	ops = NULL;
	n_ops = 0;
	buflist_fini(&in);
	buflist_fini(&out);
	osd_exec_write_fini(&W);
}

static void setup(void)
{
	S = new_store();
	ver = 0;
}

static void teardown(void)
{
	reset();
	os_umount(S);
	os_umount(S2);
	S = S2 = NULL;
}

/* ---- building and running ops ---------------------------------------------------------------- */

static struct os_oid oid_of(const char *name)
{
	return (struct os_oid){1, crc32c(0, name, strlen(name)), OS_NOSNAP, "", name};
}

/* A new step; the pointer is valid until the next st*(). */
static struct msg_osd_subop *st(uint32_t code)
{
	struct msg_osd_subop *p = msg_osd_op_add(&ops, &n_ops);

	ck_assert_ptr_nonnull(p);
	p->op = code;
	return p;
}

/* A step with input bytes. */
static struct msg_osd_subop *st_in(uint32_t code, uint64_t off, const void *data, size_t len)
{
	struct msg_osd_subop *p = st(code);

	p->off = off;
	p->indata_len = (uint32_t)len;
	ck_assert_int_eq(buflist_append_copy(&in, data, len), 0);
	return p;
}

static struct msg_osd_subop *st_name(uint32_t code, const char *name)
{
	struct msg_osd_subop *p = st(code);

	ck_assert_int_eq(msg_osd_subop_set_name(p, name), 0);
	return p;
}

static void add_key(struct msg_osd_subop *p, const char *k)
{
	ck_assert_int_eq(msg_osd_subop_add_key(p, k, strlen(k)), 0);
}

static void add_val(struct msg_osd_subop *p, const void *v, size_t len)
{
	ck_assert_int_eq(msg_osd_subop_add_val(p, v, len), 0);
}

static void add_kv(struct msg_osd_subop *p, const char *k, const char *v)
{
	add_key(p, k);
	add_val(p, v, strlen(v));
}

static int64_t run_on(struct os_store *s, const char *name, struct osd_exec_write *w)
{
	struct os_oid oid = oid_of(name);

	return osd_exec_op(s, &C, &oid, ops, n_ops, &in, &LIM, &out, w);
}

/* Run the op as a write op on S. */
static int64_t run(const char *name)
{
	return run_on(S, name, &W);
}

/* Run it as a read-only op. */
static int64_t run_ro(const char *name)
{
	return run_on(S, name, NULL);
}

/* Apply @w's steps to @name in @s. */
static void apply_to(struct os_store *s, const char *name, const struct osd_exec_write *w)
{
	struct os_oid oid = oid_of(name);
	struct os_txn *t = os_txn_create();

	ck_assert_int_eq(osd_exec_apply(t, &C, &oid, w->ops, w->n_ops, &w->data), 0);
	ck_assert_int_eq(os_apply_transaction(s, t), 0);
}

/* Give the write its object info, apply it to S, and start a new op. */
static void commit(const char *name)
{
	struct osd_exec_oi oi = {3, ++ver, 1000000 + ver};

	ck_assert_int_eq(osd_exec_set_oi(&W, &oi), 0);
	apply_to(S, name, &W);
	reset();
}

/* Run the op as a write that must succeed, and commit it. */
static void exec_ok(const char *name)
{
	ck_assert_int_eq(run(name), 0);
	commit(name);
}

static void put(const char *name, const void *data, size_t len)
{
	st_in(OSDOP_WRITEFULL, 0, data, len);
	exec_ok(name);
}

/* Output of step @i (a copy in a static buffer, valid until the next call). */
static const uint8_t *outp(uint32_t i, size_t *len)
{
	static uint8_t b[1 << 20];
	size_t off = 0;

	for (uint32_t j = 0; j < i; j++)
		off += ops[j].outdata_len;
	ck_assert_uint_le(ops[i].outdata_len, sizeof(b));
	ck_assert_int_eq(buflist_copy_out(&out, off, ops[i].outdata_len, b), 0);
	*len = ops[i].outdata_len;
	return b;
}

static void out_is(uint32_t i, const void *want, size_t len)
{
	size_t n;
	const uint8_t *p = outp(i, &n);

	ck_assert_uint_eq(n, len);
	if (len)
		ck_assert_mem_eq(p, want, len);
}

/* Step @i's output is a kv list of @n "key", "value" pairs with @more. */
static void kv_is(uint32_t i, const char *const *pairs, size_t n, bool more)
{
	struct osdop_kv_iter it;
	struct osdop_kv kv;
	size_t len;
	const uint8_t *p = outp(i, &len);

	ck_assert_int_eq(osdop_kv_iter_init(&it, p, len), 0);
	ck_assert_uint_eq(it.count, n);
	ck_assert_int_eq(it.more, more);
	for (size_t j = 0; j < n; j++) {
		ck_assert_int_eq(osdop_kv_next(&it, &kv), 1);
		ck_assert_uint_eq(kv.klen, strlen(pairs[2 * j]));
		ck_assert_mem_eq(kv.key, pairs[2 * j], kv.klen);
		ck_assert_uint_eq(kv.vlen, strlen(pairs[2 * j + 1]));
		if (kv.vlen)
			ck_assert_mem_eq(kv.val, pairs[2 * j + 1], kv.vlen);
	}
	ck_assert_int_eq(osdop_kv_next(&it, &kv), 0);
}

/* Step @i's output is a stat of @size and @mtime. */
static void stat_is(uint32_t i, uint64_t size, uint64_t mtime)
{
	uint64_t got_size, got_mtime;
	size_t n;
	const uint8_t *p = outp(i, &n);

	ck_assert_int_eq(osdop_stat_decode(p, n, &got_size, &got_mtime), 0);
	ck_assert_uint_eq(got_size, size);
	ck_assert_uint_eq(got_mtime, mtime);
}

/* The write's physical steps have these codes. */
static void w_ops_are(const uint32_t *codes, uint32_t n)
{
	ck_assert_uint_eq(W.n_ops, n);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(W.ops[i].op, codes[i]);
}

#define W_OPS(...)                                                                                 \
	w_ops_are((const uint32_t[]){__VA_ARGS__},                                                 \
		  sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

/* Physical step @i covers @len bytes at @off (its data for a WRITE). */
static void ext_is(uint32_t i, uint64_t off, uint64_t len)
{
	ck_assert_uint_eq(W.ops[i].off, off);
	ck_assert_uint_eq(W.ops[i].op == OSDOP_WRITE ? W.ops[i].indata_len : W.ops[i].len, len);
}

/* A one-step read-only op's result; resets. */
static int64_t ro1(const char *name)
{
	int64_t r = run_ro(name);

	ck_assert_int_eq(ops[0].rval, r);
	reset();
	return r;
}

/* ---- reading back the store ---------------------------------------------------------------- */

static long rd_from(struct os_store *s, const char *name, uint8_t *buf, size_t cap)
{
	struct os_oid oid = oid_of(name);
	struct buflist bl = BUFLIST_INIT;
	int r = os_read(s, &C, &oid, 0, 0, &bl);
	long n = (long)bl.len;

	if (r)
		return r;
	ck_assert_uint_le(bl.len, cap);
	buflist_copy_out(&bl, 0, bl.len, buf);
	buflist_fini(&bl);
	return n;
}

static void content_is(const char *name, const void *want, size_t len)
{
	static uint8_t b[1 << 20];

	ck_assert_int_eq(rd_from(S, name, b, sizeof(b)), (long)len);
	if (len)
		ck_assert_mem_eq(b, want, len);
}

static bool exists(const char *name)
{
	struct os_oid oid = oid_of(name);

	return os_exists(S, &C, &oid);
}

/* The stored xattr @attr (full name) of @name: its length, or -ENOENT. */
static long attr_of(const char *name, const char *attr, char *val, size_t cap)
{
	struct os_oid oid = oid_of(name);
	struct buf b = BUF_INIT;
	int r = os_getattr(S, &C, &oid, attr, &b);
	long n = (long)b.len;

	if (!r) {
		ck_assert_uint_lt(b.len, cap);
		memcpy(val, b.data, b.len);
		val[b.len] = 0;
	}
	buf_fini(&b);
	return r ? r : n;
}

/* The omap keys of @name joined with ',' (values as "k=v"). */
static const char *omap_of(struct os_store *s, const char *name)
{
	static char b[4096];
	struct os_oid oid = oid_of(name);
	struct os_kvlist l = OS_KVLIST_INIT;
	size_t n = 0;

	ck_assert_int_eq(os_omap_list(s, &C, &oid, NULL, 0, 0, false, &l, NULL), 0);
	b[0] = 0;
	for (size_t i = 0; i < l.n; i++)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "%s%s=%s", i ? "," : "",
				      (char *)l.v[i].key, (char *)l.v[i].val);
	os_kvlist_fini(&l);
	return b;
}

static void omap_put(const char *name, const char *const *pairs, size_t n)
{
	struct msg_osd_subop *p = st(OSDOP_OMAP_SETVALS);

	for (size_t i = 0; i < n; i++)
		add_kv(p, pairs[2 * i], pairs[2 * i + 1]);
	exec_ok(name);
}

/* ---- read steps -------------------------------------------------------------------------- */

START_TEST(test_read)
{
	put("o", "hello world", 11);

	st(OSDOP_READ)->len = 5;
	st(OSDOP_READ)->off = 6; /* len 0: to the end */
	st(OSDOP_READ)->off = 100;
	st(OSDOP_READ)->off = 3;
	ops[3].len = 100;
	ck_assert_int_eq(run_ro("o"), 0);
	out_is(0, "hello", 5);
	out_is(1, "world", 5);
	out_is(2, "", 0);
	out_is(3, "lo world", 8);
	ck_assert_uint_eq(out.len, 18);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(ops[i].rval, 0);
	reset();

	st(OSDOP_READ);
	ck_assert_int_eq(ro1("missing"), -ENOENT);
}
END_TEST

START_TEST(test_stat)
{
	struct osd_exec_oi oi;
	struct os_oid oid = oid_of("o");

	put("o", "hello world", 11);
	st(OSDOP_STAT);
	ck_assert_int_eq(run_ro("o"), 0);
	stat_is(0, 11, 1000001);
	ck_assert_int_eq(osd_exec_get_oi(S, &C, &oid, &oi), 0);
	ck_assert_uint_eq(oi.ver_epoch, 3);
	ck_assert_uint_eq(oi.version, 1);
	ck_assert_uint_eq(oi.mtime_ns, 1000001);
	reset();

	st(OSDOP_STAT);
	ck_assert_int_eq(ro1("missing"), -ENOENT);

	/* Inside a write op STAT sees the size the op's own writes give. */
	st_in(OSDOP_WRITE, 0, "abc", 3);
	st_in(OSDOP_APPEND, 0, "de", 2);
	st(OSDOP_STAT);
	ck_assert_int_eq(run("new"), 0);
	stat_is(2, 5, 0);
	reset();
	/* A write inside the object keeps its size. */
	st_in(OSDOP_WRITE, 2, "LL", 2);
	st(OSDOP_STAT);
	ck_assert_int_eq(run("o"), 0);
	ck_assert_uint_eq(W.size, 11);
	stat_is(1, 11, 1000001);
}
END_TEST

START_TEST(test_xattrs)
{
	char v[64];
	static const char *const all[] = {"a", "1", "bb", "22"};

	st_name(OSDOP_SETXATTR, "a");
	add_val(&ops[0], "1", 1);
	st_name(OSDOP_SETXATTR, "bb");
	add_val(&ops[1], "22", 2);
	ck_assert_int_eq(run("o"), 0);
	ck_assert_uint_eq(W.n_ops, 2);
	ck_assert_str_eq(W.ops[0].name, "_a");
	ck_assert_str_eq(W.ops[1].name, "_bb");
	commit("o");
	ck_assert_int_eq(attr_of("o", "_a", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(attr_of("o", "a", v, sizeof(v)), -ENOENT);

	st_name(OSDOP_GETXATTR, "bb");
	st(OSDOP_GETXATTRS); /* user attributes only: no "@oi" */
	ck_assert_int_eq(run_ro("o"), 0);
	out_is(0, "22", 2);
	kv_is(1, all, 2, false);
	reset();
	st_name(OSDOP_GETXATTR, "c");
	ck_assert_int_eq(ro1("o"), -ENODATA);
	st_name(OSDOP_GETXATTR, "a");
	ck_assert_int_eq(ro1("missing"), -ENOENT);
	st(OSDOP_GETXATTRS);
	ck_assert_int_eq(ro1("missing"), -ENOENT);

	st_name(OSDOP_RMXATTR, "a");
	exec_ok("o");
	ck_assert_int_eq(attr_of("o", "_a", v, sizeof(v)), -ENOENT);
	st_name(OSDOP_GETXATTR, "a");
	ck_assert_int_eq(ro1("o"), -ENODATA);
	/* Removing a missing attribute succeeds (Ceph); on a missing object it does not. */
	st_name(OSDOP_RMXATTR, "a");
	ck_assert_int_eq(run("o"), 0);
	W_OPS(OSDOP_RMXATTR);
	commit("o");
	st_name(OSDOP_RMXATTR, "a");
	ck_assert_int_eq(run("missing"), -ENOENT);
	ck_assert_uint_eq(W.n_ops, 0);
}
END_TEST

static int64_t cmpx(const char *obj, uint64_t mode, uint32_t flags, const void *val, size_t len)
{
	struct msg_osd_subop *p = st_name(OSDOP_CMPXATTR, "test");

	p->arg = mode;
	p->flags = flags;
	add_val(p, val, len);
	return ro1(obj);
}

START_TEST(test_cmpxattr)
{
	uint8_t buf[8];

	/* Ceph's CReadOpsTest.CmpXattr, with 0 where Ceph gives 1 for true. */
	memset(buf, 0xcc, sizeof(buf));
	st_name(OSDOP_SETXATTR, "test");
	add_val(&ops[0], buf, sizeof(buf));
	exec_ok("o");
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, 0, buf, 8), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_NE, 0, buf, 8), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GT, 0, buf, 8), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GTE, 0, buf, 8), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_LT, 0, buf, 8), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_LTE, 0, buf, 8), 0);
	/* A shorter operand is less: "operand <op> stored". */
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, 0, buf, 7), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_NE, 0, buf, 7), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GT, 0, buf, 7), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GTE, 0, buf, 7), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_LT, 0, buf, 7), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_LTE, 0, buf, 7), 0);
	memset(buf, 0xcd, sizeof(buf));
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GT, 0, buf, 8), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_LT, 0, buf, 8), -ECANCELED);
	/* NUL bytes compare like any other. */
	st_name(OSDOP_SETXATTR, "test");
	add_val(&ops[0], "\0\0", 2);
	exec_ok("o");
	buf[0] = 0;
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GT, 0, buf, 2), 0);
	buf[1] = 0;
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, 0, buf, 2), 0);

	/* As decimal numbers: "9" < "10" where bytes say otherwise. */
	st_name(OSDOP_SETXATTR, "test");
	add_val(&ops[0], "10", 2);
	exec_ok("o");
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_LT, OSDOP_F_CMP_U64, "9", 1), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_LT, 0, "9", 1), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, OSDOP_F_CMP_U64, "10", 2), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, OSDOP_F_CMP_U64, "x1", 2), -EINVAL);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GT, OSDOP_F_CMP_U64, "18446744073709551615", 20), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_GT, OSDOP_F_CMP_U64, "18446744073709551616", 20),
			 -EINVAL);

	/* Missing attribute: an empty value (0 as a number). */
	st_name(OSDOP_RMXATTR, "test");
	exec_ok("o");
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, 0, "", 0), 0);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, 0, "x", 1), -ECANCELED);
	ck_assert_int_eq(cmpx("o", OSDOP_CMP_EQ, OSDOP_F_CMP_U64, "0", 1), 0);

	ck_assert_int_eq(cmpx("o", 0, 0, "", 0), -EINVAL);
	ck_assert_int_eq(cmpx("o", 7, 0, "", 0), -EINVAL);
	ck_assert_int_eq(cmpx("missing", OSDOP_CMP_EQ, 0, "", 0), -ENOENT);
	st_name(OSDOP_CMPXATTR, "test")->arg = OSDOP_CMP_EQ; /* no operand */
	ck_assert_int_eq(ro1("o"), -EINVAL);
}
END_TEST

static const char *const five[] = {"a", "1", "b", "2", "ba", "3", "bb", "4", "c", "5"};

/* OMAP_GETVALS (or GETKEYS) after @sa with prefix @pfx (NULL: none), at most @max. */
static void getvals(uint32_t code, const char *sa, const char *pfx, uint64_t max)
{
	struct msg_osd_subop *p = st_name(code, sa);

	p->arg = max;
	if (pfx)
		add_key(p, pfx);
	ck_assert_int_eq(run_ro("o"), 0);
}

START_TEST(test_omap_read)
{
	static const char *const b_all[] = {"b", "2", "ba", "3", "bb", "4"};
	static const char *const keys3[] = {"a", "", "b", "", "ba", ""};
	static const char *const by_keys[] = {"a", "1", "c", "5"};

	omap_put("o", five, 5);
	st(OSDOP_OMAP_SETHEADER);
	add_val(&ops[0], "HDR", 3);
	exec_ok("o");

	getvals(OSDOP_OMAP_GETVALS, "", NULL, 0);
	kv_is(0, five, 5, false);
	reset();
	getvals(OSDOP_OMAP_GETVALS, "a", NULL, 2);
	kv_is(0, five + 2, 2, true);
	reset();
	getvals(OSDOP_OMAP_GETVALS, "bb", NULL, 2);
	kv_is(0, five + 8, 1, false);
	reset();
	/* A prefix starts at the prefix and stops at the first key without it. */
	getvals(OSDOP_OMAP_GETVALS, "", "b", 0);
	kv_is(0, b_all, 3, false);
	reset();
	getvals(OSDOP_OMAP_GETVALS, "", "b", 2);
	kv_is(0, b_all, 2, true);
	reset();
	getvals(OSDOP_OMAP_GETVALS, "", "b", 3); /* "c" follows but lacks the prefix */
	kv_is(0, b_all, 3, false);
	reset();
	getvals(OSDOP_OMAP_GETVALS, "b", "b", 0);
	kv_is(0, b_all + 2, 2, false);
	reset();
	getvals(OSDOP_OMAP_GETVALS, "", "zz", 0);
	kv_is(0, NULL, 0, false);
	reset();
	getvals(OSDOP_OMAP_GETKEYS, "", NULL, 3);
	kv_is(0, keys3, 3, true);
	reset();

	{
		struct msg_osd_subop *p = st(OSDOP_OMAP_GETVALSBYKEYS);
		add_key(p, "c");
		add_key(p, "zz");
		add_key(p, "a");
		add_key(p, "c");
	}
	st(OSDOP_OMAP_GETHEADER);
	ck_assert_int_eq(run_ro("o"), 0);
	kv_is(0, by_keys, 2, false);
	out_is(1, "HDR", 3);
	reset();

	st_name(OSDOP_OMAP_GETVALS, "");
	ck_assert_int_eq(ro1("missing"), -ENOENT);
	st(OSDOP_OMAP_GETHEADER);
	ck_assert_int_eq(ro1("missing"), -ENOENT);
}
END_TEST

/* Page through 2500 keys (more than the executor asks the store for at once). */
START_TEST(test_omap_paging)
{
	char k[16], last[16] = "";
	struct msg_osd_subop *p = st(OSDOP_OMAP_SETVALS);
	unsigned seen = 0, pages = 0;
	struct osdop_kv_iter it;
	struct osdop_kv kv;
	const uint8_t *b;
	size_t len;

	for (int i = 0; i < 2500; i++) {
		snprintf(k, sizeof(k), "k%05d", i);
		add_kv(p, k, k + 1);
	}
	exec_ok("o");

	getvals(OSDOP_OMAP_GETVALS, "", NULL, 0);
	b = outp(0, &len);
	ck_assert_int_eq(osdop_kv_iter_init(&it, b, len), 0);
	ck_assert_uint_eq(it.count, 2500);
	ck_assert(!it.more);
	reset();

	for (;;) {
		getvals(OSDOP_OMAP_GETVALS, last, "k", 700);
		b = outp(0, &len);
		ck_assert_int_eq(osdop_kv_iter_init(&it, b, len), 0);
		pages++;
		while (osdop_kv_next(&it, &kv) == 1) {
			snprintf(k, sizeof(k), "k%05u", seen++);
			ck_assert_uint_eq(kv.klen, 6);
			ck_assert_mem_eq(kv.key, k, 6);
			ck_assert_mem_eq(kv.val, k + 1, 5);
			memcpy(last, kv.key, 6);
			last[6] = 0;
		}
		ck_assert_int_eq(it.more, pages < 4);
		reset();
		if (!it.more)
			break;
	}
	ck_assert_uint_eq(seen, 2500);
	ck_assert_uint_eq(pages, 4);
}
END_TEST

/* A one-step OMAP_CMP of @k against @v; its result. */
static int64_t ocmp(const char *obj, uint64_t mode, uint32_t flags, const char *k, const char *v)
{
	struct msg_osd_subop *p = st(OSDOP_OMAP_CMP);

	p->arg = mode;
	p->flags = flags;
	add_kv(p, k, v);
	return ro1(obj);
}

START_TEST(test_omap_cmp)
{
	static const char *const keys[] = {"bar", "foo", "test1", "test2"};
	static const char *const vals[] = {"", "\0", "abc", "va\0lue"};
	static const size_t lens[] = {0, 1, 3, 6};
	struct msg_osd_subop *p = st(OSDOP_OMAP_SETVALS);

	for (int i = 0; i < 4; i++) {
		add_key(p, keys[i]);
		add_val(p, vals[i], lens[i]);
	}
	exec_ok("o");

	p = st(OSDOP_OMAP_CMP);
	p->arg = OSDOP_CMP_EQ;
	for (int i = 0; i < 4; i++) {
		add_key(p, keys[i]);
		add_val(p, vals[i], lens[i]);
	}
	ck_assert_int_eq(ro1("o"), 0);
	/* "stored <op> operand" */
	ck_assert_int_eq(ocmp("o", OSDOP_CMP_GT, 0, "test1", "abb"), 0);
	ck_assert_int_eq(ocmp("o", OSDOP_CMP_LT, 0, "test1", "abb"), -ECANCELED);
	ck_assert_int_eq(ocmp("o", OSDOP_CMP_NE, 0, "nokey", "x"), -ECANCELED);

	/* A failing guard keeps the keys. */
	p = st(OSDOP_OMAP_CMP);
	p->arg = OSDOP_CMP_LT;
	add_kv(p, "test1", "abc");
	p = st(OSDOP_OMAP_RMKEYS);
	add_key(p, "bar");
	add_key(p, "foo");
	ck_assert_int_eq(run("o"), -ECANCELED);
	ck_assert_int_eq(ops[0].rval, -ECANCELED);
	ck_assert_uint_eq(W.n_ops, 0);
	reset();
	ck_assert_str_eq(omap_of(S, "o"), "bar=,foo=,test1=abc,test2=va");

	/* u64: stored "10" > "9" as numbers. */
	p = st(OSDOP_OMAP_SETVALS);
	add_kv(p, "n", "10");
	exec_ok("o");
	ck_assert_int_eq(ocmp("o", OSDOP_CMP_GT, OSDOP_F_CMP_U64, "n", "9"), 0);
	ck_assert_int_eq(ocmp("o", OSDOP_CMP_GT, 0, "n", "9"), -ECANCELED);

	ck_assert_int_eq(ocmp("o", 9, 0, "n", "9"), -EINVAL);
	p = st(OSDOP_OMAP_CMP);
	p->arg = OSDOP_CMP_EQ;
	add_key(p, "n");
	ck_assert_int_eq(ro1("o"), -EINVAL);
	ck_assert_int_eq(ocmp("missing", OSDOP_CMP_EQ, 0, "n", "10"), -ENOENT);
}
END_TEST

START_TEST(test_omap_write)
{
	struct msg_osd_subop *p;

	omap_put("o", five, 5);
	p = st(OSDOP_OMAP_RMKEYS);
	add_key(p, "a");
	add_key(p, "nokey");
	exec_ok("o");
	ck_assert_str_eq(omap_of(S, "o"), "b=2,ba=3,bb=4,c=5");
	p = st(OSDOP_OMAP_RMRANGE);
	add_key(p, "b");
	add_key(p, "bb");
	exec_ok("o");
	ck_assert_str_eq(omap_of(S, "o"), "bb=4,c=5");
	p = st(OSDOP_OMAP_SETHEADER);
	add_val(p, "H", 1);
	exec_ok("o");
	st(OSDOP_OMAP_GETHEADER);
	ck_assert_int_eq(run_ro("o"), 0);
	out_is(0, "H", 1);
	reset();
	st(OSDOP_OMAP_CLEAR);
	exec_ok("o");
	ck_assert_str_eq(omap_of(S, "o"), "");
	st(OSDOP_OMAP_GETHEADER);
	ck_assert_int_eq(run_ro("o"), 0);
	out_is(0, "", 0);
	reset();

	/* Removals need the object; sets create it. */
	add_key(st(OSDOP_OMAP_RMKEYS), "a");
	ck_assert_int_eq(run("m"), -ENOENT);
	reset();
	st(OSDOP_OMAP_CLEAR);
	ck_assert_int_eq(run("m"), -ENOENT);
	reset();
	p = st(OSDOP_OMAP_RMRANGE);
	add_key(p, "a");
	add_key(p, "b");
	ck_assert_int_eq(run("m"), -ENOENT);
	reset();
	st(OSDOP_OMAP_SETVALS); /* no keys: still creates, as Ceph */
	ck_assert_int_eq(run("m"), 0);
	W_OPS(OSDOP_TOUCH);
	commit("m");
	ck_assert(exists("m"));
	add_val(st(OSDOP_OMAP_SETHEADER), "x", 1);
	exec_ok("m2");
	ck_assert(exists("m2"));
}
END_TEST

START_TEST(test_cmpext)
{
	put("o", "abcdef", 6);
	st_in(OSDOP_CMPEXT, 1, "bcd", 3);
	ck_assert_int_eq(ro1("o"), 0);
	st_in(OSDOP_CMPEXT, 0, "abXdef", 6);
	ck_assert_int_eq(ro1("o"), OSDOP_CMPEXT_MISMATCH(2));
	st_in(OSDOP_CMPEXT, 0, "Abcdef", 6);
	ck_assert_int_eq(ro1("o"), OSDOP_CMPEXT_MISMATCH(0));
	/* Past the end the object reads as zeros. */
	st_in(OSDOP_CMPEXT, 4, "ef\0\0", 4);
	ck_assert_int_eq(ro1("o"), 0);
	st_in(OSDOP_CMPEXT, 4, "ef\0Z", 4);
	ck_assert_int_eq(ro1("o"), OSDOP_CMPEXT_MISMATCH(3));
	st_in(OSDOP_CMPEXT, 100, "\0\0", 2);
	ck_assert_int_eq(ro1("o"), 0);
	st_in(OSDOP_CMPEXT, 100, "\0a", 2);
	ck_assert_int_eq(ro1("o"), OSDOP_CMPEXT_MISMATCH(1));
	st_in(OSDOP_CMPEXT, 0, "", 0);
	ck_assert_int_eq(ro1("o"), 0);
	st_in(OSDOP_CMPEXT, 0, "a", 1);
	ck_assert_int_eq(ro1("missing"), -ENOENT);

	/* As a guard: nothing of the op applies. */
	st_in(OSDOP_CMPEXT, 0, "abX", 3);
	st_in(OSDOP_WRITE, 0, "zzzz", 4);
	ck_assert_int_eq(run("o"), OSDOP_CMPEXT_MISMATCH(2));
	ck_assert_uint_eq(W.n_ops, 0);
	ck_assert_uint_eq(W.data.len, 0);
	ck_assert_int_eq(ops[1].rval, 0); /* not run */
	reset();
	content_is("o", "abcdef", 6);
}
END_TEST

START_TEST(test_asserts)
{
	struct osd_exec_oi oi;
	struct os_oid oid = oid_of("o");

	st(OSDOP_ASSERT_EXISTS);
	ck_assert_int_eq(ro1("o"), -ENOENT);
	put("o", "x", 1);
	put("o", "y", 1);
	ck_assert_int_eq(osd_exec_get_oi(S, &C, &oid, &oi), 0);
	ck_assert_uint_eq(oi.version, 2);
	st(OSDOP_ASSERT_EXISTS);
	ck_assert_int_eq(ro1("o"), 0);
	st(OSDOP_ASSERT_VERSION)->arg = 2;
	ck_assert_int_eq(ro1("o"), 0);
	st(OSDOP_ASSERT_VERSION)->arg = 1;
	ck_assert_int_eq(ro1("o"), -ERANGE);
	st(OSDOP_ASSERT_VERSION)->arg = 3;
	ck_assert_int_eq(ro1("o"), -EOVERFLOW);
	st(OSDOP_ASSERT_VERSION)->arg = 0;
	ck_assert_int_eq(ro1("o"), -EINVAL);
	st(OSDOP_ASSERT_VERSION)->arg = 1;
	ck_assert_int_eq(ro1("missing"), -ENOENT);

	/* SETALLOCHINT is accepted and changes nothing, in either kind of op. */
	st(OSDOP_SETALLOCHINT)->arg = 4096;
	ck_assert_int_eq(ro1("o"), 0);
	st(OSDOP_SETALLOCHINT);
	ck_assert_int_eq(run("missing"), 0);
	ck_assert_uint_eq(W.n_ops, 0);
	ck_assert(W.deletes); /* the object still does not exist */
	ck_assert(!W.existed);
	ck_assert_int_eq(osd_exec_set_oi(&W, &oi), 0);
	ck_assert_uint_eq(W.n_ops, 0);
}
END_TEST

/* ---- write steps ---------------------------------------------------------------------------- */

START_TEST(test_create)
{
	st(OSDOP_CREATE)->flags = OSDOP_F_EXCL;
	ck_assert_int_eq(run("o"), 0);
	W_OPS(OSDOP_TOUCH);
	ck_assert(!W.existed);
	ck_assert(!W.deletes);
	ck_assert_uint_eq(W.size, 0);
	commit("o");
	ck_assert(exists("o"));

	st(OSDOP_CREATE)->flags = OSDOP_F_EXCL;
	ck_assert_int_eq(run("o"), -EEXIST);
	ck_assert_uint_eq(W.n_ops, 0);
	reset();
	st(OSDOP_CREATE);
	ck_assert_int_eq(run("o"), 0);
	ck_assert_uint_eq(W.n_ops, 0);
	ck_assert(W.existed);
	reset();

	st(OSDOP_CREATE)->flags = OSDOP_F_EXCL;
	st_in(OSDOP_WRITE, 0, "x", 1);
	ck_assert_int_eq(run("p"), 0);
	W_OPS(OSDOP_TOUCH, OSDOP_WRITE);
	commit("p");
	content_is("p", "x", 1);
}
END_TEST

/* Existence and size follow the op's own steps. */
START_TEST(test_append_tracking)
{
	static const struct {
		uint32_t op;
		uint64_t off;
		uint32_t len;
	} want[] = {{OSDOP_TOUCH, 0, 0},  {OSDOP_WRITE, 0, 10},	  {OSDOP_WRITE, 10, 2},
		    {OSDOP_WRITE, 12, 2}, {OSDOP_TRUNCATE, 5, 0}, {OSDOP_WRITE, 5, 2},
		    {OSDOP_WRITE, 9, 1}};
	uint8_t data[17];

	st(OSDOP_CREATE)->flags = OSDOP_F_EXCL;
	st_in(OSDOP_WRITE, 0, "0123456789", 10);
	st_in(OSDOP_APPEND, 0, "ab", 2);
	st_in(OSDOP_APPEND, 0, "cd", 2);
	st(OSDOP_TRUNCATE)->off = 5;
	st_in(OSDOP_APPEND, 0, "XY", 2);
	st_in(OSDOP_WRITE, 9, "Q", 1);
	st(OSDOP_STAT);
	ck_assert_int_eq(run("t"), 0);
	ck_assert_uint_eq(W.n_ops, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ck_assert_uint_eq(W.ops[i].op, want[i].op);
		ck_assert_uint_eq(W.ops[i].off, want[i].off);
		ck_assert_uint_eq(W.ops[i].indata_len, want[i].len);
	}
	ck_assert_uint_eq(W.data.len, sizeof(data));
	buflist_copy_out(&W.data, 0, sizeof(data), data);
	ck_assert_mem_eq(data, "0123456789abcdXYQ", sizeof(data));
	ck_assert_uint_eq(W.size, 10);
	ck_assert(!W.existed);
	ck_assert(!W.deletes);
	stat_is(7, 10, 0);
	commit("t");
	content_is("t", "01234XY\0\0Q", 10);

	/* Appends to an existing object start at its size. */
	st_in(OSDOP_APPEND, 0, "++", 2);
	st_in(OSDOP_APPEND, 0, "", 0);
	exec_ok("t");
	content_is("t", "01234XY\0\0Q++", 12);
}
END_TEST

START_TEST(test_writefull)
{
	char big[100];

	memset(big, 'b', sizeof(big));
	put("w", big, sizeof(big));
	st_in(OSDOP_WRITEFULL, 0, "xyz", 3);
	ck_assert_int_eq(run("w"), 0);
	W_OPS(OSDOP_TRUNCATE, OSDOP_WRITE);
	ext_is(0, 0, 0);
	ext_is(1, 0, 3);
	ck_assert_uint_eq(W.size, 3);
	commit("w");
	content_is("w", "xyz", 3);

	st_in(OSDOP_WRITEFULL, 0, "", 0);
	ck_assert_int_eq(run("w"), 0);
	W_OPS(OSDOP_TRUNCATE);
	commit("w");
	content_is("w", "", 0);
	ck_assert(exists("w"));

	st_in(OSDOP_WRITEFULL, 0, "", 0);
	ck_assert_int_eq(run("new"), 0);
	W_OPS(OSDOP_TOUCH);
	commit("new");
	ck_assert(exists("new"));
}
END_TEST

START_TEST(test_writesame)
{
	struct msg_osd_subop *p = st_in(OSDOP_WRITESAME, 2, "abc", 3);
	uint8_t pat = 'p';

	p->len = 9;
	ck_assert_int_eq(run("o"), 0);
	W_OPS(OSDOP_WRITE);
	ext_is(0, 2, 9);
	ck_assert_uint_eq(W.size, 11);
	commit("o");
	content_is("o", "\0\0abcabcabc", 11);

	st_in(OSDOP_WRITESAME, 0, "abc", 3)->len = 10;
	ck_assert_int_eq(run("o"), -EINVAL);
	reset();
	st_in(OSDOP_WRITESAME, 0, "", 0)->len = 10;
	ck_assert_int_eq(run("o"), -EINVAL);
	reset();
	/* The expanded length counts against the limits. */
	st_in(OSDOP_WRITESAME, 0, &pat, 1)->len = LIM.max_write_size + 1;
	ck_assert_int_eq(run("o"), -E2BIG);
	reset();
	st_in(OSDOP_WRITESAME, LIM.max_object_size - 2, &pat, 1)->len = 3;
	ck_assert_int_eq(run("o"), -EFBIG);
	reset();
	/* A long run from a one-byte pattern. */
	st_in(OSDOP_WRITESAME, 0, &pat, 1)->len = 40000;
	exec_ok("o");
	{
		static uint8_t want[40000];
		memset(want, 'p', sizeof(want));
		content_is("o", want, sizeof(want));
	}
}
END_TEST

START_TEST(test_zero_truncate)
{
	put("z", "AAAAAAAAAA", 10);
	st(OSDOP_ZERO)->off = 8;
	ops[0].len = 100;
	ck_assert_int_eq(run("z"), 0);
	W_OPS(OSDOP_ZERO);
	ext_is(0, 8, 2); /* cut at the size: zero never grows */
	ck_assert_uint_eq(W.size, 10);
	commit("z");
	content_is("z", "AAAAAAAA\0\0", 10);
	st(OSDOP_ZERO)->off = 20;
	ops[0].len = 5;
	ck_assert_int_eq(run("z"), 0);
	ck_assert_uint_eq(W.n_ops, 0);
	reset();

	/* On a missing object both are no-ops (Ceph). */
	st(OSDOP_ZERO)->len = 5;
	st(OSDOP_TRUNCATE)->off = 7;
	ck_assert_int_eq(run("missing"), 0);
	ck_assert_uint_eq(W.n_ops, 0);
	ck_assert(W.deletes);
	commit("missing");
	ck_assert(!exists("missing"));

	st(OSDOP_TRUNCATE)->off = 4;
	ck_assert_int_eq(run("z"), 0);
	W_OPS(OSDOP_TRUNCATE);
	ext_is(0, 4, 0);
	ck_assert_uint_eq(W.size, 4);
	commit("z");
	content_is("z", "AAAA", 4);
	/* A zero-length write past the end extends the object, as Ceph. */
	st_in(OSDOP_WRITE, 6, "", 0);
	ck_assert_int_eq(run("z"), 0);
	W_OPS(OSDOP_TRUNCATE);
	ext_is(0, 6, 0);
	commit("z");
	content_is("z", "AAAA\0\0", 6);
}
END_TEST

START_TEST(test_delete)
{
	char v[64];

	st(OSDOP_DELETE);
	ck_assert_int_eq(run("d"), -ENOENT);
	reset();
	st(OSDOP_REMOVE); /* the physical form: no error when missing */
	ck_assert_int_eq(run("d"), 0);
	ck_assert_uint_eq(W.n_ops, 0);
	reset();

	put("d", "data", 4);
	st(OSDOP_DELETE);
	ck_assert_int_eq(run("d"), 0);
	W_OPS(OSDOP_REMOVE);
	ck_assert(W.existed);
	ck_assert(W.deletes);
	ck_assert_uint_eq(W.size, 0);
	commit("d"); /* no object info for a deleted object */
	ck_assert(!exists("d"));

	/* Delete and re-create in one op: the old attributes are gone. */
	st_name(OSDOP_SETXATTR, "a");
	add_val(&ops[0], "1", 1);
	exec_ok("d");
	st(OSDOP_DELETE);
	st(OSDOP_CREATE)->flags = OSDOP_F_EXCL;
	st_name(OSDOP_GETXATTR, "a")->flags = OSDOP_F_FAILOK;
	st(OSDOP_ASSERT_EXISTS);
	st_name(OSDOP_SETXATTR, "b");
	add_val(&ops[4], "2", 1);
	ck_assert_int_eq(run("d"), 0);
	ck_assert_int_eq(ops[2].rval, -ENODATA);
	W_OPS(OSDOP_REMOVE, OSDOP_TOUCH, OSDOP_SETXATTR);
	ck_assert(W.existed);
	ck_assert(!W.deletes);
	commit("d");
	ck_assert_int_eq(attr_of("d", "_a", v, sizeof(v)), -ENOENT);
	ck_assert_int_eq(attr_of("d", "_b", v, sizeof(v)), 1);
	ck_assert_int_eq(attr_of("d", OSD_EXEC_OI_ATTR, v, sizeof(v)), OSD_EXEC_OI_LEN);
	content_is("d", "", 0);
}
END_TEST

/* ---- limits, malformed steps, compound ops ----------------------------------------------- */

static int64_t run1_w(const char *obj)
{
	int64_t r = run(obj);

	ck_assert_int_eq(ops[n_ops - 1].rval, r);
	if (r)
		ck_assert_uint_eq(W.n_ops, 0);
	reset();
	return r;
}

START_TEST(test_limits)
{
	static uint8_t big[(64 << 10) + 1];
	char name[300];
	struct msg_osd_subop *p;

	put("o", "x", 1);
	st_in(OSDOP_WRITE, LIM.max_object_size - 1, "ab", 2);
	ck_assert_int_eq(run1_w("o"), -EFBIG);
	st_in(OSDOP_WRITE, UINT64_MAX, "ab", 2);
	ck_assert_int_eq(run1_w("o"), -EFBIG);
	st_in(OSDOP_WRITE, LIM.max_object_size - 2, "ab", 2);
	ck_assert_int_eq(run1_w("o"), 0);
	st_in(OSDOP_WRITE, 0, big, sizeof(big));
	ck_assert_int_eq(run1_w("o"), -E2BIG);
	st_in(OSDOP_WRITE, 0, big, sizeof(big) - 1);
	ck_assert_int_eq(run1_w("o"), 0);
	st_in(OSDOP_WRITEFULL, 0, big, sizeof(big));
	ck_assert_int_eq(run1_w("o"), -E2BIG);
	st_in(OSDOP_APPEND, 0, big, sizeof(big));
	ck_assert_int_eq(run1_w("o"), -E2BIG);
	/* An append past the largest size. */
	st(OSDOP_CREATE);
	st(OSDOP_TRUNCATE)->off = LIM.max_object_size - 1;
	st_in(OSDOP_APPEND, 0, "ab", 2);
	ck_assert_int_eq(run1_w("o"), -EFBIG);
	st(OSDOP_CREATE);
	st(OSDOP_TRUNCATE)->off = LIM.max_object_size + 1;
	ck_assert_int_eq(run1_w("o"), -EFBIG);
	st(OSDOP_CREATE);
	st(OSDOP_ZERO)->off = LIM.max_object_size;
	ops[1].len = 1;
	ck_assert_int_eq(run1_w("o"), -EFBIG);

	memset(name, 'n', sizeof(name));
	name[OSDOP_XATTR_NAME_MAX + 1] = 0;
	add_val(st_name(OSDOP_SETXATTR, name), "v", 1);
	ck_assert_int_eq(run1_w("o"), -ENAMETOOLONG);
	st_name(OSDOP_GETXATTR, name);
	ck_assert_int_eq(run1_w("o"), -ENAMETOOLONG);
	name[OSDOP_XATTR_NAME_MAX] = 0;
	add_val(st_name(OSDOP_SETXATTR, name), "v", 1);
	ck_assert_int_eq(run1_w("o"), 0);
	add_val(st_name(OSDOP_SETXATTR, "v"), big, OSDOP_XATTR_VALUE_MAX + 1);
	ck_assert_int_eq(run1_w("o"), -E2BIG);
	add_val(st_name(OSDOP_SETXATTR, "v"), big, OSDOP_XATTR_VALUE_MAX);
	ck_assert_int_eq(run1_w("o"), 0);

	p = st(OSDOP_OMAP_SETVALS);
	ck_assert_int_eq(msg_osd_subop_add_key(p, big, OSDOP_OMAP_KEY_MAX + 1), 0);
	add_val(p, "v", 1);
	ck_assert_int_eq(run1_w("o"), -ENAMETOOLONG);
	p = st(OSDOP_OMAP_SETVALS);
	ck_assert_int_eq(msg_osd_subop_add_key(p, big, OSDOP_OMAP_KEY_MAX), 0);
	add_val(p, "v", 1);
	ck_assert_int_eq(run1_w("o"), 0);
	p = st(OSDOP_OMAP_RMKEYS);
	ck_assert_int_eq(msg_osd_subop_add_key(p, big, OSDOP_OMAP_KEY_MAX + 1), 0);
	ck_assert_int_eq(run1_w("o"), -ENAMETOOLONG);
	p = st(OSDOP_OMAP_GETVALSBYKEYS);
	ck_assert_int_eq(msg_osd_subop_add_key(p, big, OSDOP_OMAP_KEY_MAX + 1), 0);
	ck_assert_int_eq(run1_w("o"), -ENAMETOOLONG);

	/* No limits given: none apply. */
	st_in(OSDOP_WRITE, 0, big, sizeof(big));
	{
		struct os_oid oid = oid_of("o");
		ck_assert_int_eq(osd_exec_op(S, &C, &oid, ops, n_ops, &in, NULL, &out, &W), 0);
	}
	ck_assert_uint_eq(W.n_ops, 1);
}
END_TEST

START_TEST(test_malformed)
{
	struct msg_osd_subop *p;

	put("o", "data", 4);
	/* Input running past the op's data. */
	p = st_in(OSDOP_WRITE, 0, "abcde", 5);
	p->indata_len = 10;
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	st_in(OSDOP_WRITE, 0, "abc", 3);
	st_in(OSDOP_WRITE, 3, "de", 2)->indata_len = 3;
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	st_in(OSDOP_CMPEXT, 0, "da", 2)->indata_len = 3;
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	/* With FAILOK the op goes on; the data is used up. */
	st_in(OSDOP_WRITE, 0, "abc", 3)->indata_len = 4;
	ops[0].flags = OSDOP_F_FAILOK;
	st(OSDOP_STAT);
	ck_assert_int_eq(run("o"), 0);
	ck_assert_int_eq(ops[0].rval, -EINVAL);
	ck_assert_uint_eq(ops[1].outdata_len, OSDOP_STAT_LEN);
	ck_assert_uint_eq(W.n_ops, 0);
	reset();

	/* Missing names, keys, values. */
	add_val(st(OSDOP_SETXATTR), "v", 1);
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	add_val(st_name(OSDOP_SETXATTR, ""), "v", 1);
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	st_name(OSDOP_SETXATTR, "a");
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	st(OSDOP_GETXATTR);
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	st(OSDOP_RMXATTR);
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	p = st(OSDOP_OMAP_SETVALS);
	add_kv(p, "a", "1");
	add_key(p, "b");
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	add_key(st(OSDOP_OMAP_RMRANGE), "a");
	ck_assert_int_eq(run1_w("o"), -EINVAL);
	st(OSDOP_OMAP_SETHEADER);
	ck_assert_int_eq(run1_w("o"), -EINVAL);

	/* Unknown codes, PGLS (osd_exec_pgls' job), writes in a read-only op. */
	st(0x0299);
	ck_assert_int_eq(run1_w("o"), -EOPNOTSUPP);
	st(0x0999);
	ck_assert_int_eq(run1_w("o"), -EOPNOTSUPP);
	st(OSDOP_PGLS);
	ck_assert_int_eq(run1_w("o"), -EOPNOTSUPP);
	st_in(OSDOP_WRITE, 0, "a", 1);
	ck_assert_int_eq(ro1("o"), -EINVAL);
	content_is("o", "data", 4);
}
END_TEST

/* osd_exec_apply checks the steps it gets (they come from the network on replicas). */
START_TEST(test_apply_malformed)
{
	struct os_oid oid = oid_of("o");
	struct os_txn *t;
	int i = 0;

	st_in(OSDOP_APPEND, 0, "a", 1); /* not physical */
	add_val(st(OSDOP_SETXATTR), "v", 1);
	st_name(OSDOP_SETXATTR, "_a"); /* no value */
	add_key(st(OSDOP_OMAP_RMRANGE), "a");
	add_key(st(OSDOP_OMAP_SETVALS), "a");
	st(OSDOP_OMAP_SETHEADER);
	st(OSDOP_CREATE);
	st(OSDOP_RMXATTR);
	for (i = 0; i < (int)n_ops; i++) {
		t = os_txn_create();
		ck_assert_int_eq(osd_exec_apply(t, &C, &oid, &ops[i], 1, &in), -EINVAL);
		os_txn_destroy(t);
	}
	reset();
	st_in(OSDOP_WRITE, 0, "abc", 3)->indata_len = 4;
	t = os_txn_create();
	ck_assert_int_eq(osd_exec_apply(t, &C, &oid, ops, n_ops, &in), -EINVAL);
	ck_assert_int_eq(osd_exec_apply(t, &C, &oid, ops, n_ops, NULL), -EINVAL);
	os_txn_destroy(t);
}
END_TEST

START_TEST(test_failok)
{
	struct msg_osd_subop *p;

	put("f", "data", 4);
	st_name(OSDOP_GETXATTR, "nope")->flags = OSDOP_F_FAILOK;
	st(OSDOP_CREATE)->flags = OSDOP_F_EXCL | OSDOP_F_FAILOK;
	p = st_name(OSDOP_SETXATTR, "");
	add_val(p, "v", 1);
	p->flags = OSDOP_F_FAILOK;
	st_in(OSDOP_WRITE, 0, "zz", 2);
	ck_assert_int_eq(run("f"), 0);
	ck_assert_int_eq(ops[0].rval, -ENODATA);
	ck_assert_int_eq(ops[1].rval, -EEXIST);
	ck_assert_int_eq(ops[2].rval, -EINVAL);
	ck_assert_int_eq(ops[3].rval, 0);
	ck_assert_uint_eq(ops[0].outdata_len, 0);
	W_OPS(OSDOP_WRITE);
	commit("f");
	content_is("f", "zzta", 4);

	/* Without FAILOK the first failure ends the op; later steps do not run. */
	st(OSDOP_READ);
	st_name(OSDOP_GETXATTR, "nope");
	st(OSDOP_READ);
	ck_assert_int_eq(run_ro("f"), -ENODATA);
	ck_assert_int_eq(ops[0].rval, 0);
	ck_assert_uint_eq(ops[0].outdata_len, 4);
	ck_assert_int_eq(ops[1].rval, -ENODATA);
	ck_assert_int_eq(ops[2].rval, 0);
	ck_assert_uint_eq(ops[2].outdata_len, 0);
	ck_assert_uint_eq(out.len, 4);
}
END_TEST

START_TEST(test_guard_compound)
{
	char v[64];
	struct msg_osd_subop *p;

	put("g", "orig", 4);
	add_val(st_name(OSDOP_SETXATTR, "ver"), "1", 1);
	exec_ok("g");

	p = st_name(OSDOP_CMPXATTR, "ver");
	p->arg = OSDOP_CMP_EQ;
	add_val(p, "2", 1);
	st_in(OSDOP_WRITEFULL, 0, "new", 3);
	add_val(st_name(OSDOP_SETXATTR, "x"), "1", 1);
	ck_assert_int_eq(run("g"), -ECANCELED);
	ck_assert_uint_eq(W.n_ops, 0);
	ck_assert_uint_eq(W.data.len, 0);
	reset();
	content_is("g", "orig", 4);
	ck_assert_int_eq(attr_of("g", "_x", v, sizeof(v)), -ENOENT);

	/* The writes before a failing guard go too. */
	st_in(OSDOP_WRITEFULL, 0, "new", 3);
	p = st_name(OSDOP_CMPXATTR, "ver");
	p->arg = OSDOP_CMP_EQ;
	add_val(p, "2", 1);
	ck_assert_int_eq(run("g"), -ECANCELED);
	ck_assert_uint_eq(W.n_ops, 0);
	ck_assert_uint_eq(W.data.len, 0);
	reset();

	p = st_name(OSDOP_CMPXATTR, "ver");
	p->arg = OSDOP_CMP_EQ;
	add_val(p, "1", 1);
	st_in(OSDOP_WRITEFULL, 0, "new", 3);
	add_val(st_name(OSDOP_SETXATTR, "ver"), "2", 1);
	ck_assert_int_eq(run("g"), 0);
	ck_assert_uint_eq(W.n_ops, 3);
	commit("g");
	content_is("g", "new", 3);
	ck_assert_int_eq(attr_of("g", "_ver", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "2");

	st(OSDOP_ASSERT_EXISTS);
	st_in(OSDOP_WRITE, 0, "x", 1);
	ck_assert_int_eq(run("missing"), -ENOENT);
	ck_assert_uint_eq(W.n_ops, 0);
	reset();
	ck_assert(!exists("missing"));
}
END_TEST

static void oi_is(const struct osd_exec_oi *a, const struct osd_exec_oi *b)
{
	ck_assert_uint_eq(a->ver_epoch, b->ver_epoch);
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_uint_eq(a->mtime_ns, b->mtime_ns);
}

START_TEST(test_oi)
{
	struct osd_exec_oi oi = {0x01020304, 0x1122334455667788ULL, 42}, back;
	uint8_t b[OSD_EXEC_OI_LEN];
	struct os_oid oid = oid_of("raw");
	struct os_txn *t;

	osd_exec_oi_encode(&oi, b);
	ck_assert_uint_eq(enc_get_le32(b), 0x01020304);
	ck_assert_uint_eq(enc_get_le64(b + 4), 0x1122334455667788ULL);
	ck_assert_uint_eq(enc_get_le64(b + 12), 42);
	ck_assert_int_eq(osd_exec_oi_decode(b, sizeof(b), &back), 0);
	oi_is(&back, &oi);
	ck_assert_int_eq(osd_exec_oi_decode(b, sizeof(b) - 1, &back), -EBADMSG);

	ck_assert_int_eq(osd_exec_get_oi(S, &C, &oid, &back), -ENOENT);
	/* An object written without the PG layer: no object info. */
	t = os_txn_create();
	ck_assert_int_eq(os_txn_touch(t, &C, &oid), 0);
	ck_assert_int_eq(os_txn_truncate(t, &C, &oid, 5), 0);
	ck_assert_int_eq(os_apply_transaction(S, t), 0);
	ck_assert_int_eq(osd_exec_get_oi(S, &C, &oid, &back), -EIO);
	st(OSDOP_STAT);
	ck_assert_int_eq(run_ro("raw"), 0);
	stat_is(0, 5, 0);
	reset();

	/* set_oi adds one SETXATTR of the encoded info, hidden from clients. */
	st_in(OSDOP_WRITE, 0, "x", 1);
	ck_assert_int_eq(run("raw"), 0);
	ck_assert_int_eq(osd_exec_set_oi(&W, &oi), 0);
	ck_assert_uint_eq(W.n_ops, 2);
	ck_assert_uint_eq(W.ops[1].op, OSDOP_SETXATTR);
	ck_assert_str_eq(W.ops[1].name, OSD_EXEC_OI_ATTR);
	ck_assert_uint_eq(W.ops[1].n_vals, 1);
	ck_assert_uint_eq(W.ops[1].vals[0].len, OSD_EXEC_OI_LEN);
	ck_assert_mem_eq(W.ops[1].vals[0].data, b, OSD_EXEC_OI_LEN);
	apply_to(S, "raw", &W);
	reset();
	ck_assert_int_eq(osd_exec_get_oi(S, &C, &oid, &back), 0);
	oi_is(&back, &oi);
	st(OSDOP_GETXATTRS);
	ck_assert_int_eq(run_ro("raw"), 0);
	kv_is(0, NULL, 0, false);
	reset();
	/* A bad attribute is -EIO for readers of the info. */
	t = os_txn_create();
	ck_assert_int_eq(os_txn_setattr(t, &C, &oid, OSD_EXEC_OI_ATTR, "bad", 3), 0);
	ck_assert_int_eq(os_apply_transaction(S, t), 0);
	ck_assert_int_eq(osd_exec_get_oi(S, &C, &oid, &back), -EIO);
	st(OSDOP_STAT);
	ck_assert_int_eq(ro1("raw"), -EIO);
}
END_TEST

/* ---- PG listing ------------------------------------------------------------------------------ */

static const char *ns_of(int i)
{
	return i % 3 == 0 ? "ns1" : i % 3 == 1 ? "" : "ns2";
}

/* 40 objects obj00..obj39 in three namespaces, plus a clone that is never listed. */
static void make_objects(void)
{
	char name[16];
	struct os_txn *t = os_txn_create();

	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "obj%02d", i);
		struct os_oid o = {1, crc32c(0, name, strlen(name)), OS_NOSNAP, ns_of(i), name};
		ck_assert_int_eq(os_txn_touch(t, &C, &o), 0);
	}
	struct os_oid clone = {1, crc32c(0, "obj05", 5), 4, ns_of(5), "obj05"};
	ck_assert_int_eq(os_txn_touch(t, &C, &clone), 0);
	ck_assert_int_eq(os_apply_transaction(S, t), 0);
}

/* The length of the kv list at the start of @p. */
static size_t kv_list_len(const uint8_t *p, size_t len)
{
	size_t off = 4;

	ck_assert_uint_ge(len, 5);
	for (uint32_t n = enc_get_le32(p) * 2; n > 0; n--) {
		ck_assert_uint_le(off + 4, len);
		off += 4 + enc_get_le32(p + off);
	}
	return off + 1;
}

/*
 * List with pages of @max, namespace @ns (NULL: all), marking seen[i].
 * Returns the number of pages; checks order, page sizes and the flags.
 */
static int list_all(uint32_t max, const char *ns, int seen[40])
{
	struct buf cursor = BUF_INIT, o = BUF_INIT;
	uint32_t last_hash = 0;
	int pages = 0;

	for (;;) {
		struct msg_osd_subop s = {.op = OSDOP_PGLS, .arg = max};
		struct osdop_kv_iter it;
		struct osdop_kv kv;
		if (ns) {
			s.flags = OSDOP_PGLS_F_NSPACE;
			ck_assert_int_eq(msg_osd_subop_set_name(&s, ns), 0);
		}
		if (cursor.len)
			ck_assert_int_eq(msg_osd_subop_add_key(&s, cursor.data, cursor.len), 0);
		buf_reset(&o);
		ck_assert_int_eq(osd_exec_pgls(S, &C, &s, &o), 0);
		msg_osd_subop_fini(&s);
		pages++;
		/* The kv list, then u32 cursor length and cursor. */
		size_t kvlen = kv_list_len(o.data, o.len);
		ck_assert_uint_le(kvlen + 4, o.len);
		uint32_t clen = enc_get_le32(o.data + kvlen);
		ck_assert_uint_eq(kvlen + 4 + clen, o.len);
		ck_assert_int_eq(osdop_kv_iter_init(&it, o.data, kvlen), 0);
		ck_assert_uint_le(it.count, max ? max : 1024);
		while (osdop_kv_next(&it, &kv) == 1) {
			int i = atoi((const char *)kv.key + 3);
			ck_assert_uint_eq(kv.klen, 5);
			ck_assert_mem_eq(kv.key, "obj", 3);
			ck_assert_uint_eq(kv.vlen, strlen(ns_of(i)) + 1);
			ck_assert_mem_eq(kv.val, ns_of(i),
					 kv.vlen); /* "nspace\0" + empty locator */
			ck_assert_int_eq(seen[i]++, 0);
			uint32_t h = crc32c(0, kv.key, kv.klen);
			ck_assert_uint_ge(h, last_hash); /* hash order */
			last_hash = h;
		}
		ck_assert_int_eq(it.more, clen > 0);
		buf_reset(&cursor);
		ck_assert_int_eq(buf_append(&cursor, o.data + kvlen + 4, clen), 0);
		if (!clen)
			break;
		ck_assert_int_eq(it.count, max); /* only the last page is short */
	}
	buf_fini(&cursor);
	buf_fini(&o);
	return pages;
}

START_TEST(test_pgls)
{
	int seen[40] = {0};
	struct msg_osd_subop s = {.op = OSDOP_PGLS};
	struct os_cid none = {9, 9};
	struct buf o = BUF_INIT;

	/* An empty PG: no entries, no cursor. */
	ck_assert_int_eq(osd_exec_pgls(S, &C, &s, &o), 0);
	ck_assert_uint_eq(o.len, 4 + 1 + 4);
	ck_assert_uint_eq(enc_get_le32(o.data), 0);
	ck_assert_uint_eq(o.data[4], 0);
	ck_assert_uint_eq(enc_get_le32(o.data + 5), 0);

	make_objects();
	ck_assert_int_eq(list_all(7, NULL, seen), 6); /* 40 = 5 * 7 + 5 */
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(seen[i], 1);
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(list_all(0, NULL, seen), 1); /* default page: 1024 */
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(seen[i], 1);
	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(list_all(40, NULL, seen), 1);

	/* Namespaces: 14 objects in "ns1", 13 in the default one. */
	memset(seen, 0, sizeof(seen));
	list_all(5, "ns1", seen);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(seen[i], i % 3 == 0);
	memset(seen, 0, sizeof(seen));
	list_all(4, "", seen);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(seen[i], i % 3 == 1);

	/* Bad cursors, a missing collection. */
	buf_reset(&o);
	ck_assert_int_eq(msg_osd_subop_add_key(&s, "junk", 4), 0);
	ck_assert_int_eq(osd_exec_pgls(S, &C, &s, &o), -EINVAL);
	ck_assert_uint_eq(o.len, 0);
	msg_osd_subop_fini(&s);
	/* A well-formed cursor whose name holds a NUL. */
	{
		uint8_t c[4 + 4 + 4 + 3] = {0};
		enc_put_le32(c + 8, 3);
		memcpy(c + 12, "a\0b", 3);
		s.op = OSDOP_PGLS;
		ck_assert_int_eq(msg_osd_subop_add_key(&s, c, sizeof(c)), 0);
		ck_assert_int_eq(osd_exec_pgls(S, &C, &s, &o), -EINVAL);
		msg_osd_subop_fini(&s);
	}
	s.op = OSDOP_PGLS;
	ck_assert_int_eq(osd_exec_pgls(S, &none, &s, &o), -ENOENT);
	ck_assert_uint_eq(o.len, 0);
	buf_fini(&o);
}
END_TEST

/* ---- replicas
 * ------------------------------------------------------------------------------------ */

/* Run the op on S (the primary) and apply its physical steps to S and S2. */
static void replicate(const char *name)
{
	struct osd_exec_oi oi = {1, ++ver, ver * 10};

	ck_assert_int_eq(run(name), 0);
	ck_assert_int_eq(osd_exec_set_oi(&W, &oi), 0);
	apply_to(S, name, &W);
	apply_to(S2, name, &W);
	reset();
}

static void same_object(const char *name)
{
	static uint8_t a[1 << 20], b[1 << 20];
	static char oa[4096];
	struct os_oid oid = oid_of(name);
	struct os_kvlist la = OS_KVLIST_INIT, lb = OS_KVLIST_INIT;
	struct buf ha = BUF_INIT, hb = BUF_INIT;
	long na = rd_from(S, name, a, sizeof(a)), nb = rd_from(S2, name, b, sizeof(b));

	ck_assert_int_eq(na, nb);
	if (na < 0)
		return;
	ck_assert_mem_eq(a, b, (size_t)na);
	ck_assert_int_eq(os_getattrs(S, &C, &oid, &la), 0);
	ck_assert_int_eq(os_getattrs(S2, &C, &oid, &lb), 0);
	ck_assert_uint_eq(la.n, lb.n);
	for (size_t i = 0; i < la.n; i++) {
		ck_assert_str_eq((char *)la.v[i].key, (char *)lb.v[i].key);
		ck_assert_uint_eq(la.v[i].vlen, lb.v[i].vlen);
		ck_assert_mem_eq(la.v[i].val, lb.v[i].val, la.v[i].vlen);
	}
	snprintf(oa, sizeof(oa), "%s", omap_of(S, name));
	ck_assert_str_eq(oa, omap_of(S2, name));
	ck_assert_int_eq(os_omap_get_header(S, &C, &oid, &ha), 0);
	ck_assert_int_eq(os_omap_get_header(S2, &C, &oid, &hb), 0);
	ck_assert_uint_eq(ha.len, hb.len);
	if (ha.len)
		ck_assert_mem_eq(ha.data, hb.data, ha.len);
	os_kvlist_fini(&la);
	os_kvlist_fini(&lb);
	buf_fini(&ha);
	buf_fini(&hb);
}

START_TEST(test_two_stores)
{
	static uint8_t blob[50000];
	char sa[64], sb[64];
	struct msg_osd_subop *p;

	S2 = new_store();
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7 + (i >> 9));

	st(OSDOP_CREATE)->flags = OSDOP_F_EXCL;
	st_in(OSDOP_WRITE, 0, blob, sizeof(blob));
	st_in(OSDOP_APPEND, 0, "tail", 4);
	add_val(st_name(OSDOP_SETXATTR, "a"), "1", 1);
	replicate("p1");
	st(OSDOP_ZERO)->off = 4000;
	ops[0].len = 9000;
	st(OSDOP_TRUNCATE)->off = 30001;
	st_in(OSDOP_APPEND, 0, blob, 20000);
	st_in(OSDOP_WRITESAME, 70000, "0123456789", 10)->len = 5000;
	p = st(OSDOP_OMAP_SETVALS);
	add_kv(p, "k1", "v1");
	add_kv(p, "k2", "v2");
	add_kv(p, "k3", "v3");
	add_val(st(OSDOP_OMAP_SETHEADER), "hdr", 3);
	replicate("p1");
	add_key(st(OSDOP_OMAP_RMKEYS), "k2");
	st_name(OSDOP_RMXATTR, "a");
	add_val(st_name(OSDOP_SETXATTR, "b"), "22", 2);
	st_in(OSDOP_WRITE, 100, "overwrite", 9);
	replicate("p1");

	st_in(OSDOP_WRITEFULL, 0, blob + 100, 3000);
	replicate("p2");
	st(OSDOP_DELETE);
	replicate("p2");
	st_in(OSDOP_WRITEFULL, 0, "again", 5);
	replicate("p3");
	p = st(OSDOP_OMAP_RMRANGE);
	add_key(p, "");
	add_key(p, "k3");
	st(OSDOP_ZERO)->len = 2;
	replicate("p1");

	same_object("p1");
	same_object("p2");
	same_object("p3");
	ck_assert(!exists("p2"));
	ck_assert_str_eq(omap_of(S, "p1"), "k3=v3");
	ck_assert_int_eq(attr_of("p1", "_b", sa, sizeof(sa)), 2);
	ck_assert_int_eq(attr_of("p1", "_a", sb, sizeof(sb)), -ENOENT);
	{
		struct os_oid oid = oid_of("p1");
		struct os_stat st1;
		ck_assert_int_eq(os_stat(S, &C, &oid, &st1), 0);
		ck_assert_uint_eq(st1.size, 75000);
	}
}
END_TEST

/* ---- suite --------------------------------------------------------------------------------------
 */

static Suite *exec_suite(void)
{
	Suite *s = suite_create("osd_exec");
	TCase *tc;

#define ADD(name, fn)                                                                              \
	do {                                                                                       \
		tc = tcase_create(name);                                                           \
		tcase_add_checked_fixture(tc, setup, teardown);                                    \
		tcase_set_timeout(tc, 60);                                                         \
		tcase_add_test(tc, fn);                                                            \
		suite_add_tcase(s, tc);                                                            \
	} while (0)
	ADD("read", test_read);
	ADD("stat", test_stat);
	ADD("xattrs", test_xattrs);
	ADD("cmpxattr", test_cmpxattr);
	ADD("omap_read", test_omap_read);
	ADD("omap_paging", test_omap_paging);
	ADD("omap_cmp", test_omap_cmp);
	ADD("omap_write", test_omap_write);
	ADD("cmpext", test_cmpext);
	ADD("asserts", test_asserts);
	ADD("create", test_create);
	ADD("append_tracking", test_append_tracking);
	ADD("writefull", test_writefull);
	ADD("writesame", test_writesame);
	ADD("zero_truncate", test_zero_truncate);
	ADD("delete", test_delete);
	ADD("limits", test_limits);
	ADD("malformed", test_malformed);
	ADD("apply_malformed", test_apply_malformed);
	ADD("failok", test_failok);
	ADD("guard_compound", test_guard_compound);
	ADD("oi", test_oi);
	ADD("pgls", test_pgls);
	ADD("two_stores", test_two_stores);
#undef ADD
	return s;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	snprintf(top, sizeof(top), "%s/cairn-test-exec.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	sr = srunner_create(exec_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(top, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
