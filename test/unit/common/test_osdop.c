/*
 * test_osdop.c - common/osdop: step names and classes, the stat, kv list
 * and cursor encodings (including every truncation and malformed length),
 * and PG state names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit.h"
#include "common/enc.h"
#include "common/osdop.h"

START_TEST(test_codes)
{
	ck_assert(OSDOP_IS_READ(OSDOP_READ));
	ck_assert(OSDOP_IS_READ(OSDOP_PGLS));
	ck_assert(!OSDOP_IS_WRITE(OSDOP_STAT));
	ck_assert(OSDOP_IS_WRITE(OSDOP_WRITEFULL));
	ck_assert(OSDOP_IS_WRITE(OSDOP_REMOVE));
	ck_assert_str_eq(osdop_name(OSDOP_READ), "read");
	ck_assert_str_eq(osdop_name(OSDOP_OMAP_GETVALSBYKEYS), "omap-get-vals-by-keys");
	ck_assert_str_eq(osdop_name(0x9999), "unknown");
	/* Physical steps are exact and state-independent; logical ones are not. */
	ck_assert(osdop_is_physical(OSDOP_WRITE));
	ck_assert(osdop_is_physical(OSDOP_TOUCH));
	ck_assert(osdop_is_physical(OSDOP_REMOVE));
	ck_assert(!osdop_is_physical(OSDOP_APPEND));
	ck_assert(!osdop_is_physical(OSDOP_WRITEFULL));
	ck_assert(!osdop_is_physical(OSDOP_DELETE));
	ck_assert(!osdop_is_physical(OSDOP_READ));
	ck_assert(!osdop_is_physical(0));
	/* Ceph's cmpext convention. */
	ck_assert_int_eq(OSDOP_CMPEXT_MISMATCH(0), -4095);
	ck_assert_int_eq(OSDOP_CMPEXT_MISMATCH(2), -4097);
}
END_TEST

START_TEST(test_stat)
{
	uint8_t b[OSDOP_STAT_LEN];
	uint64_t size = 0, mtime = 0;
	osdop_stat_encode(1ULL << 40, 1700000000123456789ULL, b);
	ck_assert_int_eq(osdop_stat_decode(b, sizeof(b), &size, &mtime), 0);
	ck_assert_uint_eq(size, 1ULL << 40);
	ck_assert_uint_eq(mtime, 1700000000123456789ULL);
	ck_assert_uint_eq(enc_get_le64(b), 1ULL << 40); /* little-endian on the wire */
	for (size_t n = 0; n < sizeof(b); n++)
		ck_assert_int_eq(osdop_stat_decode(b, n, &size, &mtime), -EBADMSG);
	uint8_t longer[OSDOP_STAT_LEN + 1] = {0};
	ck_assert_int_eq(osdop_stat_decode(longer, sizeof(longer), &size, &mtime), -EBADMSG);
}
END_TEST

/* Build a list of @n entries ("k<i>" -> i bytes of 'v', entry 1 with NULs). */
static void build_kv(struct buf *b, int n, bool more)
{
	struct osdop_kv_writer w;
	ck_assert_int_eq(osdop_kv_begin(&w, b), 0);
	for (int i = 0; i < n; i++) {
		char k[16], v[64];
		int kl = snprintf(k, sizeof(k), "k%d", i);
		memset(v, 'v', sizeof(v));
		if (i == 1)
			memcpy(v, "a\0b", 3);
		ck_assert_int_eq(osdop_kv_add(&w, k, (size_t)kl, v, (size_t)i), 0);
	}
	ck_assert_int_eq(osdop_kv_end(&w, more), 0);
}

START_TEST(test_kv_list)
{
	struct buf b = BUF_INIT;
	build_kv(&b, 5, true);
	struct osdop_kv_iter it;
	struct osdop_kv kv;
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, b.len), 0);
	ck_assert_uint_eq(it.count, 5);
	ck_assert(it.more);
	for (int i = 0; i < 5; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(osdop_kv_next(&it, &kv), 1);
		ck_assert_uint_eq(kv.klen, strlen(k));
		ck_assert_mem_eq(kv.key, k, kv.klen);
		ck_assert_uint_eq(kv.vlen, (size_t)i);
		if (i == 1)
			ck_assert_mem_eq(kv.val, "a", 1);
	}
	ck_assert_int_eq(osdop_kv_next(&it, &kv), 0);
	ck_assert_int_eq(osdop_kv_next(&it, &kv), 0);

	/* Every truncation and any trailing byte is malformed. */
	for (size_t n = 0; n < b.len; n++)
		ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, n), -EBADMSG);
	ck_assert_int_eq(buf_append_byte(&b, 0), 0);
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, b.len), -EBADMSG);
	buf_fini(&b);

	/* The empty list. */
	build_kv(&b, 0, false);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, b.len), 0);
	ck_assert(!it.more);
	ck_assert_int_eq(osdop_kv_next(&it, &kv), 0);

	/* "more" must be 0 or 1. */
	b.data[4] = 2;
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, b.len), -EBADMSG);
	buf_fini(&b);

	/* A count larger than the entries present; a length larger than the buffer. */
	build_kv(&b, 2, false);
	enc_put_le32(b.data, 3);
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, b.len), -EBADMSG);
	enc_put_le32(b.data, 2);
	enc_put_le32(b.data + 4, 0xfffffff0u);
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, b.len), -EBADMSG);
	enc_put_le32(b.data, UINT32_MAX);
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data, b.len), -EBADMSG);
	buf_fini(&b);
}
END_TEST

START_TEST(test_kv_writer_appends)
{
	/* A list written after other bytes: the count lands in its own place. */
	struct buf b = BUF_INIT;
	ck_assert_int_eq(buf_append(&b, "HDR", 3), 0);
	build_kv(&b, 3, false);
	struct osdop_kv_iter it;
	ck_assert_int_eq(osdop_kv_iter_init(&it, b.data + 3, b.len - 3), 0);
	ck_assert_uint_eq(it.count, 3);
	ck_assert_mem_eq(b.data, "HDR", 3);
	buf_fini(&b);
}
END_TEST

START_TEST(test_cursor)
{
	struct buf b = BUF_INIT;
	struct osdop_cursor c;
	ck_assert_int_eq(osdop_cursor_encode(0xabcdef01, "ns", "object", &b), 0);
	ck_assert_int_eq(osdop_cursor_decode(b.data, b.len, &c), 0);
	ck_assert_uint_eq(c.hash, 0xabcdef01);
	ck_assert_uint_eq(c.nslen, 2);
	ck_assert_mem_eq(c.nspace, "ns", 2);
	ck_assert_uint_eq(c.namelen, 6);
	ck_assert_mem_eq(c.name, "object", 6);
	for (size_t n = 0; n < b.len; n++)
		ck_assert_int_eq(osdop_cursor_decode(b.data, n, &c), -EBADMSG);
	ck_assert_int_eq(buf_append_byte(&b, 'x'), 0);
	ck_assert_int_eq(osdop_cursor_decode(b.data, b.len, &c), -EBADMSG);
	buf_fini(&b);

	/* Empty strings. */
	ck_assert_int_eq(osdop_cursor_encode(0, "", "", &b), 0);
	ck_assert_uint_eq(b.len, 12);
	ck_assert_int_eq(osdop_cursor_decode(b.data, b.len, &c), 0);
	ck_assert_uint_eq(c.nslen + c.namelen, 0);
	buf_fini(&b);

	/* Names over the OSD's limits are malformed cursors. */
	char *ns = malloc(OSDOP_NSPACE_MAX + 2), *name = malloc(OSDOP_NAME_MAX + 2);
	memset(ns, 'n', OSDOP_NSPACE_MAX + 1);
	ns[OSDOP_NSPACE_MAX + 1] = '\0';
	memset(name, 'o', OSDOP_NAME_MAX + 1);
	name[OSDOP_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(osdop_cursor_encode(1, ns, "o", &b), 0);
	ck_assert_int_eq(osdop_cursor_decode(b.data, b.len, &c), -EBADMSG);
	buf_reset(&b);
	ck_assert_int_eq(osdop_cursor_encode(1, "", name, &b), 0);
	ck_assert_int_eq(osdop_cursor_decode(b.data, b.len, &c), -EBADMSG);
	buf_reset(&b);
	ns[OSDOP_NSPACE_MAX] = '\0';
	name[OSDOP_NAME_MAX] = '\0';
	ck_assert_int_eq(osdop_cursor_encode(1, ns, name, &b), 0);
	ck_assert_int_eq(osdop_cursor_decode(b.data, b.len, &c), 0); /* exactly at the limits */
	free(ns);
	free(name);
	buf_fini(&b);
}
END_TEST

START_TEST(test_pg_state_format)
{
	char s[256];
	ck_assert_int_eq(osdop_pg_state_format(0, s, sizeof(s)), 7);
	ck_assert_str_eq(s, "unknown");
	ck_assert_int_eq(osdop_pg_state_format(OSDOP_PGS_CLEAN | OSDOP_PGS_ACTIVE, s, sizeof(s)),
			 12);
	ck_assert_str_eq(s, "active+clean");
	osdop_pg_state_format(OSDOP_PGS_DEGRADED | OSDOP_PGS_UNDERSIZED | OSDOP_PGS_ACTIVE, s,
			      sizeof(s));
	ck_assert_str_eq(s, "active+undersized+degraded");
	osdop_pg_state_format(OSDOP_PGS_PEERING, s, sizeof(s));
	ck_assert_str_eq(s, "peering");
	osdop_pg_state_format(OSDOP_PGS_STALE | OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN, s, sizeof(s));
	ck_assert_str_eq(s, "stale+active+clean");
	osdop_pg_state_format(OSDOP_PGS_ACTIVE | OSDOP_PGS_RECOVERY_WAIT | OSDOP_PGS_DEGRADED |
				  OSDOP_PGS_REMAPPED | OSDOP_PGS_BACKFILLING,
			      s, sizeof(s));
	ck_assert_str_eq(s, "active+recovery_wait+degraded+remapped+backfilling");
	/* Exactly fitting, one short, and nothing at all. */
	ck_assert_int_eq(osdop_pg_state_format(OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN, s, 13), 12);
	ck_assert_int_eq(osdop_pg_state_format(OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN, s, 12), -ERANGE);
	ck_assert_int_eq(osdop_pg_state_format(OSDOP_PGS_ACTIVE, s, 0), -ERANGE);
	ck_assert_int_eq(osdop_pg_state_format(0, s, 7), -ERANGE);
	/* Every bit has a name: all of them make one long, well-formed line. */
	ck_assert_int_gt(osdop_pg_state_format(0x7fff, s, sizeof(s)), 0);
	ck_assert_ptr_null(strstr(s, "++"));
}
END_TEST

static Suite *osdop_suite(void)
{
	Suite *s = suite_create("osdop");
	TCase *tc = tcase_create("codes");
	tcase_add_test(tc, test_codes);
	suite_add_tcase(s, tc);
	tc = tcase_create("encodings");
	tcase_add_test(tc, test_stat);
	tcase_add_test(tc, test_kv_list);
	tcase_add_test(tc, test_kv_writer_appends);
	tcase_add_test(tc, test_cursor);
	suite_add_tcase(s, tc);
	tc = tcase_create("pg_state");
	tcase_add_test(tc, test_pg_state_format);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(osdop_suite)
