/*
 * test_msg_osd.c - the OSD messages through the codec: every type round
 * trips field for field (steps with names, keys and values, reply rvals
 * including cmpext mismatches), whole frames carry the data segment, and
 * malformed or oversize input is refused with -EBADMSG without leaking.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit.h"
#include "msg_codec.h"
#include "msg_frame.h"
#include "msg_int.h"
#include "osdop.h"

#define MAXF (64u << 20)

/* ---- building and comparing -------------------------------------------------------- */

static void add_step(struct msg_osd_subop **ops, uint32_t *n, uint32_t code, const char *name,
		     int nkeys)
{
	struct msg_osd_subop *s = msg_osd_op_add(ops, n);
	ck_assert_ptr_nonnull(s);
	s->op = code;
	s->flags = OSDOP_F_FAILOK | (*n << 8);
	s->off = 0x100000000ULL + *n;
	s->len = 4096;
	s->arg = UINT64_MAX - *n;
	s->indata_len = 3 * *n;
	if (name)
		ck_assert_int_eq(msg_osd_subop_set_name(s, name), 0);
	for (int k = 0; k < nkeys; k++) {
		char key[16];
		snprintf(key, sizeof(key), "key%d", k);
		ck_assert_int_eq(msg_osd_subop_add_key(s, key, strlen(key)), 0);
		/* Values are binary, may be empty, may hold NULs. */
		ck_assert_int_eq(msg_osd_subop_add_val(s, "v\0al", (size_t)k % 5), 0);
	}
}

static void same_bytes(const struct msg_bytes *a, const struct msg_bytes *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_uint_eq(a[i].len, b[i].len);
		if (a[i].len)
			ck_assert_mem_eq(a[i].data, b[i].data, a[i].len);
	}
}

static void same_steps(const struct msg_osd_subop *a, const struct msg_osd_subop *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_uint_eq(a[i].op, b[i].op);
		ck_assert_uint_eq(a[i].flags, b[i].flags);
		ck_assert_uint_eq(a[i].off, b[i].off);
		ck_assert_uint_eq(a[i].len, b[i].len);
		ck_assert_uint_eq(a[i].arg, b[i].arg);
		ck_assert_str_eq(a[i].name ? a[i].name : "", b[i].name);
		ck_assert_uint_eq(a[i].n_keys, b[i].n_keys);
		ck_assert_uint_eq(a[i].n_vals, b[i].n_vals);
		same_bytes(a[i].keys, b[i].keys, a[i].n_keys);
		same_bytes(a[i].vals, b[i].vals, a[i].n_vals);
		ck_assert_uint_eq(a[i].indata_len, b[i].indata_len);
		ck_assert_int_eq(a[i].rval, b[i].rval);
		ck_assert_uint_eq(a[i].outdata_len, b[i].outdata_len);
	}
}

/* Encode @body of @type, decode it into a fresh body (returned; free with fini + free). */
static void *roundtrip(uint16_t type, const void *body)
{
	uint8_t *enc = NULL;
	uint32_t len = 0;
	ck_assert_int_eq(msg_codec_encode(type, body, &enc, &len), 0);
	void *out = calloc(1, msg_codec_body_size(type));
	ck_assert_int_eq(msg_codec_decode(type, enc, len, out), 0);
	/* Every truncation is refused (or, at a field boundary, decodes to something
	 * smaller); none crashes or leaks. */
	for (uint32_t cut = 0; cut < len; cut++) {
		void *t = calloc(1, msg_codec_body_size(type));
		int rc = msg_codec_decode(type, enc, cut, t);
		ck_assert(rc == 0 || rc == -EBADMSG);
		if (rc == 0)
			msg_codec_fini(type, t);
		free(t);
	}
	free(enc);
	return out;
}

static void release(uint16_t type, void *body)
{
	msg_codec_fini(type, body);
	free(body);
}

/* ---- round trips ---------------------------------------------------------------------- */

START_TEST(test_osd_op)
{
	struct msg_osd_op b = {0};
	b.tid = 0xfeedfacecafeULL;
	b.client = 1ULL << 62;
	b.epoch = 77;
	b.flags = OSDOP_OPF_READ | OSDOP_OPF_WRITE;
	b.pool = -3; /* sint64 on the wire */
	b.seed = 0x1f;
	b.hash = 0xdeadbeef;
	b.nspace = strdup("ns");
	b.name = strdup("object name with spaces");
	b.locator = NULL; /* sent as "" */
	b.attempt = 4;
	add_step(&b.ops, &b.n_ops, OSDOP_WRITE, NULL, 0);
	add_step(&b.ops, &b.n_ops, OSDOP_SETXATTR, "user.attr", 0);
	add_step(&b.ops, &b.n_ops, OSDOP_OMAP_SETVALS, NULL, 7);
	add_step(&b.ops, &b.n_ops, OSDOP_CMPXATTR, "", 1);
	struct msg_osd_op *d = roundtrip(MSG_OSD_OP, &b);
	ck_assert_uint_eq(d->tid, b.tid);
	ck_assert_uint_eq(d->client, b.client);
	ck_assert_uint_eq(d->epoch, b.epoch);
	ck_assert_uint_eq(d->flags, b.flags);
	ck_assert_int_eq(d->pool, -3);
	ck_assert_uint_eq(d->seed, b.seed);
	ck_assert_uint_eq(d->hash, b.hash);
	ck_assert_str_eq(d->nspace, "ns");
	ck_assert_str_eq(d->name, b.name);
	ck_assert_str_eq(d->locator, "");
	ck_assert_uint_eq(d->attempt, 4);
	ck_assert_uint_eq(d->n_ops, 4);
	same_steps(b.ops, d->ops, 4);
	release(MSG_OSD_OP, d);
	msg_codec_fini(MSG_OSD_OP, &b);

	/* No steps at all (a bare PG op) is fine too. */
	struct msg_osd_op e = {.tid = 1};
	d = roundtrip(MSG_OSD_OP, &e);
	ck_assert_uint_eq(d->n_ops, 0);
	ck_assert_str_eq(d->name, "");
	release(MSG_OSD_OP, d);
}
END_TEST

START_TEST(test_osd_op_reply_rvals)
{
	/* Every rval kind survives: 0, errnos, cmpext mismatches at 0, 2 and far. */
	const int64_t rvals[] = {0,
				 -ENOENT,
				 -ENODATA,
				 -ECANCELED,
				 -EEXIST,
				 -ERANGE,
				 -EOVERFLOW,
				 -ENOSPC,
				 OSDOP_CMPEXT_MISMATCH(0),
				 OSDOP_CMPEXT_MISMATCH(2),
				 OSDOP_CMPEXT_MISMATCH(1 << 20)};
	size_t n = sizeof(rvals) / sizeof(rvals[0]);
	struct msg_osd_op_reply b = {0};
	b.tid = 42;
	b.result = OSDOP_CMPEXT_MISMATCH(2);
	b.epoch = 9;
	b.flags = OSDOP_RF_RETRY;
	b.ver_epoch = 8;
	b.version = 1ULL << 40;
	b.attempt = 3;
	for (size_t i = 0; i < n; i++) {
		struct msg_osd_subop *s = msg_osd_op_add(&b.ops, &b.n_ops);
		s->rval = rvals[i];
		s->outdata_len = (uint32_t)(i * 100);
	}
	struct msg_osd_op_reply *d = roundtrip(MSG_OSD_OP_REPLY, &b);
	ck_assert_uint_eq(d->tid, 42);
	ck_assert_int_eq(d->result, -4097); /* Ceph's -(MAX_ERRNO + offset) */
	ck_assert_uint_eq(d->epoch, 9);
	ck_assert_uint_eq(d->flags, OSDOP_RF_RETRY);
	ck_assert_uint_eq(d->ver_epoch, 8);
	ck_assert_uint_eq(d->version, 1ULL << 40);
	ck_assert_uint_eq(d->attempt, 3);
	ck_assert_uint_eq(d->n_ops, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(d->ops[i].rval, rvals[i]);
		ck_assert_uint_eq(d->ops[i].outdata_len, i * 100);
	}
	release(MSG_OSD_OP_REPLY, d);
	msg_codec_fini(MSG_OSD_OP_REPLY, &b);
}
END_TEST

START_TEST(test_osd_repop)
{
	struct msg_osd_repop b = {0};
	b.pool = 5;
	b.seed = 3;
	b.epoch = 10;
	b.interval = 7;
	b.tid = 99;
	b.entry.data = malloc(300);
	for (int i = 0; i < 300; i++)
		b.entry.data[i] = (uint8_t)i;
	b.entry.len = 300;
	b.hash = 0x12345678;
	b.nspace = strdup("");
	b.name = strdup("obj");
	b.trim_epoch = 6;
	b.trim_version = 1234;
	add_step(&b.ops, &b.n_ops, OSDOP_TRUNCATE, NULL, 0);
	add_step(&b.ops, &b.n_ops, OSDOP_OMAP_RMKEYS, NULL, 3);
	struct msg_osd_repop *d = roundtrip(MSG_OSD_REPOP, &b);
	ck_assert_int_eq(d->pool, 5);
	ck_assert_uint_eq(d->seed, 3);
	ck_assert_uint_eq(d->epoch, 10);
	ck_assert_uint_eq(d->interval, 7);
	ck_assert_uint_eq(d->tid, 99);
	ck_assert_uint_eq(d->entry.len, 300);
	ck_assert_mem_eq(d->entry.data, b.entry.data, 300);
	ck_assert_uint_eq(d->hash, b.hash);
	ck_assert_str_eq(d->name, "obj");
	ck_assert_uint_eq(d->trim_epoch, 6);
	ck_assert_uint_eq(d->trim_version, 1234);
	same_steps(b.ops, d->ops, 2);
	release(MSG_OSD_REPOP, d);
	msg_codec_fini(MSG_OSD_REPOP, &b);
}
END_TEST

START_TEST(test_small_messages)
{
	struct msg_osd_repop_reply rr = {
	    .pool = 2, .seed = 1, .epoch = 3, .interval = 2, .tid = 8, .result = -EIO};
	struct msg_osd_repop_reply *drr = roundtrip(MSG_OSD_REPOP_REPLY, &rr);
	ck_assert_int_eq(drr->pool, 2);
	ck_assert_uint_eq(drr->seed, 1);
	ck_assert_uint_eq(drr->epoch, 3);
	ck_assert_uint_eq(drr->interval, 2);
	ck_assert_uint_eq(drr->tid, 8);
	ck_assert_int_eq(drr->result, -EIO);
	release(MSG_OSD_REPOP_REPLY, drr);

	struct msg_osd_ping p = {
	    .op = MSG_PING_YOU_DIED, .from = 12, .epoch = 40, .stamp = 1ULL << 50};
	struct msg_osd_ping *dp = roundtrip(MSG_OSD_PING, &p);
	ck_assert_uint_eq(dp->op, MSG_PING_YOU_DIED);
	ck_assert_int_eq(dp->from, 12);
	ck_assert_uint_eq(dp->epoch, 40);
	ck_assert_uint_eq(dp->stamp, 1ULL << 50);
	release(MSG_OSD_PING, dp);
}
END_TEST

START_TEST(test_osd_pg)
{
	struct msg_osd_pg b = {0};
	b.kind = 4;
	b.pool = 1;
	b.seed = 0xa;
	b.epoch = 30;
	b.interval = 28;
	b.from = 2;
	b.tid = 5;
	b.result = -ENOENT;
	b.flags = 3;
	b.hash = 77;
	b.nspace = strdup("n");
	b.name = NULL;
	b.ver_epoch = 29;
	b.version = 400;
	b.off = 1 << 20;
	b.size = 4 << 20;
	ck_assert_int_eq(msg_osd_pg_add_kv(&b, "_attr", 5, "", 0), 0);
	ck_assert_int_eq(msg_osd_pg_add_kv(&b, "k", 1, "\0\1\2", 3), 0);
	struct msg_osd_pg *d = roundtrip(MSG_OSD_PG, &b);
	ck_assert_uint_eq(d->kind, 4);
	ck_assert_int_eq(d->from, 2);
	ck_assert_int_eq(d->result, -ENOENT);
	ck_assert_str_eq(d->nspace, "n");
	ck_assert_str_eq(d->name, "");
	ck_assert_uint_eq(d->version, 400);
	ck_assert_uint_eq(d->size, 4 << 20);
	ck_assert_uint_eq(d->n_keys, 2);
	ck_assert_uint_eq(d->n_vals, 2);
	same_bytes(b.keys, d->keys, 2);
	same_bytes(b.vals, d->vals, 2);
	release(MSG_OSD_PG, d);
	msg_codec_fini(MSG_OSD_PG, &b);
}
END_TEST

START_TEST(test_pg_stats)
{
	struct msg_pg_stats b = {.osd = 3, .epoch = 12, .kb_total = 1 << 30, .kb_used = 1 << 20};
	ck_assert_int_eq(msg_pg_stats_alloc(&b, 3), 0);
	for (uint32_t i = 0; i < 3; i++) {
		b.pool[i] = i + 1;
		b.seed[i] = i * 7;
		b.state[i] = OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN;
		b.objects[i] = 1000 * i;
		b.bytes[i] = 1ULL << (30 + i);
		b.interval[i] = 10 + i;
		for (uint32_t k = 0; k < MSG_PG_STATS_IO; k++)
			b.io[i * MSG_PG_STATS_IO + k] = (i + 1) * 100 + k;
	}
	struct msg_pg_stats *d = roundtrip(MSG_PG_STATS, &b);
	ck_assert_int_eq(d->osd, 3);
	ck_assert_uint_eq(d->n, 3);
	ck_assert_mem_eq(d->pool, b.pool, 3 * sizeof(*b.pool));
	ck_assert_mem_eq(d->seed, b.seed, 3 * sizeof(*b.seed));
	ck_assert_mem_eq(d->state, b.state, 3 * sizeof(*b.state));
	ck_assert_mem_eq(d->objects, b.objects, 3 * sizeof(*b.objects));
	ck_assert_mem_eq(d->bytes, b.bytes, 3 * sizeof(*b.bytes));
	ck_assert_mem_eq(d->interval, b.interval, 3 * sizeof(*b.interval));
	ck_assert_mem_eq(d->io, b.io, 3 * MSG_PG_STATS_IO * sizeof(*b.io));
	ck_assert_uint_eq(d->kb_used, 1 << 20);
	release(MSG_PG_STATS, d);
	msg_codec_fini(MSG_PG_STATS, &b);

	/* An empty report. */
	struct msg_pg_stats e = {.osd = 1};
	ck_assert_int_eq(msg_pg_stats_alloc(&e, 0), 0);
	d = roundtrip(MSG_PG_STATS, &e);
	ck_assert_uint_eq(d->n, 0);
	release(MSG_PG_STATS, d);
	msg_codec_fini(MSG_PG_STATS, &e);
}
END_TEST

START_TEST(test_frame_with_data)
{
	/* A whole frame: steps in the metadata, their bytes in the data segment. */
	struct msg *m = msg_create(MSG_OSD_OP);
	struct msg_osd_op *b = msg_body(m);
	b->tid = 7;
	b->name = strdup("o");
	struct msg_osd_subop *s = msg_osd_op_add(&b->ops, &b->n_ops);
	s->op = OSDOP_WRITE;
	s->indata_len = 5000;
	char data[5000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13);
	ck_assert_int_eq(buflist_append_copy(msg_data(m), data, sizeof(data)), 0);
	struct buf out = BUF_INIT;
	ck_assert_int_eq(msg_frame_encode(m, 1, 3, 0, &out), 0);
	struct msg *d = NULL;
	struct msg_frame_hdr h;
	size_t used;
	const char *why = NULL;
	ck_assert_int_eq(msg_frame_decode(out.data, out.len, 1, MAXF, &d, &h, &used, &why), 0);
	const struct msg_osd_op *db = msg_body(d);
	ck_assert_uint_eq(db->tid, 7);
	ck_assert_uint_eq(db->ops[0].indata_len, 5000);
	ck_assert(buflist_equal(msg_data(m), msg_data(d)));
	msg_put(d);
	msg_put(m);
	buf_fini(&out);
}
END_TEST

START_TEST(test_subop_helpers)
{
	struct msg_osd_subop a = {.op = OSDOP_OMAP_CMP, .arg = OSDOP_CMP_GTE, .rval = -ECANCELED};
	ck_assert_int_eq(msg_osd_subop_set_name(&a, "n"), 0);
	ck_assert_int_eq(msg_osd_subop_set_name(&a, NULL), 0); /* replaced by "" */
	ck_assert_str_eq(a.name, "");
	ck_assert_int_eq(msg_osd_subop_add_key(&a, "k", 1), 0);
	ck_assert_int_eq(msg_osd_subop_add_val(&a, NULL, 0), 0);
	struct msg_osd_subop c;
	ck_assert_int_eq(msg_osd_subop_copy(&c, &a), 0);
	same_steps(&a, &c, 1);
	ck_assert_ptr_ne(c.keys, a.keys);
	msg_osd_subop_fini(&a);
	ck_assert_ptr_null(a.keys);
	ck_assert_uint_eq(c.keys[0].len, 1); /* a deep copy survives the original */
	msg_osd_subop_fini(&c);
	msg_osd_subop_fini(NULL);
}
END_TEST

/* ---- malformed input ------------------------------------------------------------------ */

static int decode(uint16_t type, const void *p, size_t len)
{
	void *body = calloc(1, msg_codec_body_size(type));
	int rc = msg_codec_decode(type, p, len, body);
	if (rc == 0)
		msg_codec_fini(type, body);
	free(body);
	return rc;
}

START_TEST(test_garbage)
{
	static const uint16_t types[] = {MSG_OSD_OP,	      MSG_OSD_OP_REPLY, MSG_OSD_REPOP,
					 MSG_OSD_REPOP_REPLY, MSG_OSD_PG,	MSG_OSD_PING,
					 MSG_PG_STATS};
	uint8_t junk[64];
	memset(junk, 0xff, sizeof(junk));
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ck_assert_int_eq(decode(types[i], junk, sizeof(junk)), -EBADMSG);
		ck_assert_int_eq(decode(types[i], NULL, 0), 0); /* empty: all defaults */
	}
	/* A length-delimited field (ops) that runs past the end. */
	const uint8_t runaway[] = {0x62, 0x7f, 0x08, 0x01};
	ck_assert_int_eq(decode(MSG_OSD_OP, runaway, sizeof(runaway)), -EBADMSG);
}
END_TEST

START_TEST(test_oversize)
{
	/* More steps than an op may carry. */
	struct msg_osd_op b = {0};
	for (int i = 0; i < 1025; i++)
		msg_osd_op_add(&b.ops, &b.n_ops)->op = OSDOP_STAT;
	uint8_t *enc;
	uint32_t len;
	ck_assert_int_eq(msg_codec_encode(MSG_OSD_OP, &b, &enc, &len), 0);
	ck_assert_int_eq(decode(MSG_OSD_OP, enc, len), -EBADMSG);
	free(enc);
	msg_codec_fini(MSG_OSD_OP, &b);

	/* A name longer than any string field may be. */
	struct msg_osd_op n = {0};
	n.name = malloc(5000);
	memset(n.name, 'x', 4999);
	n.name[4999] = '\0';
	ck_assert_int_eq(msg_codec_encode(MSG_OSD_OP, &n, &enc, &len), 0);
	ck_assert_int_eq(decode(MSG_OSD_OP, enc, len), -EBADMSG);
	free(enc);
	msg_codec_fini(MSG_OSD_OP, &n);

	/* A PG log entry over 64 KiB in a replicated op. */
	struct msg_osd_repop r = {0};
	r.entry.data = calloc(1, 70000);
	r.entry.len = 70000;
	ck_assert_int_eq(msg_codec_encode(MSG_OSD_REPOP, &r, &enc, &len), 0);
	ck_assert_int_eq(decode(MSG_OSD_REPOP, enc, len), -EBADMSG);
	free(enc);
	msg_codec_fini(MSG_OSD_REPOP, &r);

	/* Too many PGs in one stats report. */
	struct msg_pg_stats s = {0};
	ck_assert_int_eq(msg_pg_stats_alloc(&s, 65537), 0);
	ck_assert_int_eq(msg_codec_encode(MSG_PG_STATS, &s, &enc, &len), 0);
	ck_assert_int_eq(decode(MSG_PG_STATS, enc, len), -EBADMSG);
	free(enc);
	msg_codec_fini(MSG_PG_STATS, &s);
}
END_TEST

START_TEST(test_inconsistent)
{
	/* PgStats arrays of different lengths: field 3 (pool) once, nothing else. */
	const uint8_t stats[] = {0x1a, 0x01, 0x02};
	ck_assert_int_eq(decode(MSG_PG_STATS, stats, sizeof(stats)), -EBADMSG);

	/* A reply whose ECANCELED carries an absurd cmpext offset is plain ECANCELED. */
	uint32_t canceled = msg_errno_to_result(-ECANCELED);
	const uint8_t reply[] = {
	    0x10, (uint8_t)canceled, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
	struct msg_osd_op_reply d = {0};
	ck_assert_int_eq(msg_codec_decode(MSG_OSD_OP_REPLY, reply, sizeof(reply), &d), 0);
	ck_assert_int_eq(d.result, -ECANCELED);
	msg_codec_fini(MSG_OSD_OP_REPLY, &d);
	/* ... and with offset 3 (mismatch at byte 2) it is Ceph's -4097. */
	const uint8_t reply2[] = {0x10, (uint8_t)canceled, 0x18, 0x03};
	ck_assert_int_eq(msg_codec_decode(MSG_OSD_OP_REPLY, reply2, sizeof(reply2), &d), 0);
	ck_assert_int_eq(d.result, -4097);
	msg_codec_fini(MSG_OSD_OP_REPLY, &d);
}
END_TEST

START_TEST(test_alloc_failures)
{
	struct msg_osd_op b = {0};
	b.name = strdup("n");
	b.nspace = strdup("s");
	add_step(&b.ops, &b.n_ops, OSDOP_OMAP_SETVALS, "x", 3);
	add_step(&b.ops, &b.n_ops, OSDOP_GETXATTR, "y", 0);
	uint8_t *enc;
	uint32_t len;
	ck_assert_int_eq(msg_codec_encode(MSG_OSD_OP, &b, &enc, &len), 0);
	bool saw_enomem = false, saw_ok = false;
	for (unsigned nth = 1; nth < 40; nth++) {
		struct msg_osd_op d = {0};
		msg_codec_inject_alloc_failure(nth);
		int rc = msg_codec_decode(MSG_OSD_OP, enc, len, &d);
		msg_codec_inject_alloc_failure(0);
		ck_assert(rc == 0 || rc == -ENOMEM);
		saw_enomem |= rc == -ENOMEM;
		saw_ok |= rc == 0;
		if (rc == 0)
			msg_codec_fini(MSG_OSD_OP, &d);
	}
	ck_assert(saw_enomem);
	ck_assert(saw_ok);
	free(enc);
	msg_codec_fini(MSG_OSD_OP, &b);
}
END_TEST

static Suite *osd_msg_suite(void)
{
	Suite *s = suite_create("msg_osd");
	TCase *tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_osd_op);
	tcase_add_test(tc, test_osd_op_reply_rvals);
	tcase_add_test(tc, test_osd_repop);
	tcase_add_test(tc, test_small_messages);
	tcase_add_test(tc, test_osd_pg);
	tcase_add_test(tc, test_pg_stats);
	tcase_add_test(tc, test_frame_with_data);
	tcase_add_test(tc, test_subop_helpers);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_oversize);
	tcase_add_test(tc, test_inconsistent);
	tcase_add_test(tc, test_alloc_failures);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(osd_msg_suite)
