/* Unit tests for common/buf: growable buffers, refcounted blocks, buflists. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/buf.h"
#include "common/crc32c.h"

START_TEST(test_buf_growth)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_printf(&b, "%d,", i), 0);
	ck_assert(strncmp(buf_cstr(&b), "0,1,2,", 6) == 0);
	ck_assert(strstr(buf_cstr(&b), ",999,"));
	size_t len = b.len;
	char big[1000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(buf_printf(&b, "%s", big), 0); /* longer than the small buffer */
	ck_assert_uint_eq(b.len, len + 999);
	ck_assert_uint_eq(strlen(buf_cstr(&b)), b.len);
	size_t n;
	uint8_t *p = buf_steal(&b, &n);
	ck_assert_uint_eq(n, len + 999);
	ck_assert_ptr_null(b.data);
	free(p);
	buf_fini(&b);
}
END_TEST

static int freed;
static void count_free(void *data, size_t len, void *arg)
{
	ck_assert_uint_eq(len, 5);
	(*(int *)arg)++;
	free(data);
}

START_TEST(test_bufraw_refs)
{
	freed = 0;
	char *mem = strdup("hello");
	struct bufraw *r = bufraw_wrap(mem, 5, count_free, &freed);
	ck_assert_ptr_nonnull(r);
	struct buflist a = BUFLIST_INIT, b = BUFLIST_INIT;
	ck_assert_int_eq(buflist_append_raw(&a, r, 1, 3), 0);
	ck_assert_int_eq(buflist_append_raw(&b, r, 0, 5), 0);
	ck_assert_int_eq(buflist_append_raw(&b, r, 0, 6), -ERANGE);
	ck_assert_uint_eq(bufraw_refs(r), 3);
	bufraw_put(r);
	buflist_fini(&a);
	ck_assert_int_eq(freed, 0);
	char out[6] = {0};
	ck_assert_int_eq(buflist_copy_out(&b, 0, 5, out), 0);
	ck_assert_str_eq(out, "hello");
	buflist_fini(&b);
	ck_assert_int_eq(freed, 1);

	struct bufraw *al = bufraw_create_aligned(8192, 4096);
	ck_assert_ptr_nonnull(al);
	ck_assert_uint_eq((uintptr_t)bufraw_data(al) % 4096, 0);
	bufraw_put(al);
}
END_TEST

/* Build a list from many pieces and check every read path against a flat copy. */
START_TEST(test_buflist_ops)
{
	uint8_t flat[10000];
	struct buflist bl = BUFLIST_INIT;
	unsigned seed = 7;
	size_t off = 0;
	while (off < sizeof(flat)) {
		size_t n = 1 + (size_t)rand_r(&seed) % 700;
		if (n > sizeof(flat) - off)
			n = sizeof(flat) - off;
		for (size_t i = 0; i < n; i++)
			flat[off + i] = (uint8_t)rand_r(&seed);
		ck_assert_int_eq(buflist_append_copy(&bl, flat + off, n), 0);
		off += n;
	}
	ck_assert_uint_eq(buflist_length(&bl), sizeof(flat));
	ck_assert_uint_eq(buflist_crc32c(&bl, 0), crc32c(0, flat, sizeof(flat)));

	uint8_t out[10000];
	for (int t = 0; t < 200; t++) {
		size_t o = (size_t)rand_r(&seed) % sizeof(flat);
		size_t n = (size_t)rand_r(&seed) % (sizeof(flat) - o + 1);
		ck_assert_int_eq(buflist_copy_out(&bl, o, n, out), 0);
		ck_assert(memcmp(out, flat + o, n) == 0);
		struct buflist sl = BUFLIST_INIT;
		ck_assert_int_eq(buflist_slice(&sl, &bl, o, n), 0);
		ck_assert_uint_eq(buflist_length(&sl), n);
		ck_assert_uint_eq(buflist_crc32c(&sl, 0), crc32c(0, flat + o, n));
		buflist_fini(&sl);
	}
	ck_assert_int_eq(buflist_copy_out(&bl, 9999, 2, out), -ERANGE);

	/* iovecs, a few at a time, cover the bytes in order. */
	struct iovec iov[3];
	size_t pos = 0;
	while (pos < sizeof(flat)) {
		int n = buflist_to_iovec(&bl, pos, iov, 3);
		ck_assert_int_gt(n, 0);
		for (int i = 0; i < n; i++) {
			ck_assert(memcmp(iov[i].iov_base, flat + pos, iov[i].iov_len) == 0);
			pos += iov[i].iov_len;
		}
	}
	ck_assert_int_eq(buflist_to_iovec(&bl, pos, iov, 3), 0);

	struct buflist copy = BUFLIST_INIT;
	ck_assert_int_eq(buflist_append_list(&copy, &bl), 0);
	ck_assert(buflist_equal(&copy, &bl));
	buflist_trim_front(&copy, 1234);
	ck_assert_uint_eq(buflist_length(&copy), sizeof(flat) - 1234);
	ck_assert_int_eq(buflist_copy_out(&copy, 0, 100, out), 0);
	ck_assert(memcmp(out, flat + 1234, 100) == 0);
	ck_assert(!buflist_equal(&copy, &bl));

	uint8_t *p;
	ck_assert_int_eq(buflist_contiguous(&copy, &p), 0);
	ck_assert_uint_eq(copy.nsegs, 1);
	ck_assert(memcmp(p, flat + 1234, sizeof(flat) - 1234) == 0);

	struct buflist moved = BUFLIST_INIT;
	ck_assert_int_eq(buflist_append_copy(&moved, "x", 1), 0);
	ck_assert_int_eq(buflist_claim(&moved, &copy), 0);
	ck_assert_uint_eq(buflist_length(&copy), 0);
	ck_assert_uint_eq(buflist_length(&moved), sizeof(flat) - 1234 + 1);
	buflist_trim_front(&moved, 100000);
	ck_assert_uint_eq(buflist_length(&moved), 0);
	buflist_fini(&moved);
	buflist_fini(&copy);
	buflist_fini(&bl);
}
END_TEST

/* Adjacent slices of one block merge into one segment. */
START_TEST(test_buflist_merge)
{
	struct bufraw *r = bufraw_create(100);
	struct buflist bl = BUFLIST_INIT;
	ck_assert_int_eq(buflist_append_raw(&bl, r, 0, 10), 0);
	ck_assert_int_eq(buflist_append_raw(&bl, r, 10, 20), 0);
	ck_assert_uint_eq(bl.nsegs, 1);
	ck_assert_uint_eq(buflist_length(&bl), 30);
	ck_assert_int_eq(buflist_append_raw(&bl, r, 50, 10), 0);
	ck_assert_uint_eq(bl.nsegs, 2);
	uint8_t *p;
	struct buflist empty = BUFLIST_INIT;
	ck_assert_int_eq(buflist_contiguous(&empty, &p), 0);
	ck_assert_ptr_null(p);
	bufraw_put(r);
	buflist_fini(&bl);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");
	tcase_add_test(tc, test_buf_growth);
	suite_add_tcase(s, tc);
	tc = tcase_create("buflist");
	tcase_add_test(tc, test_bufraw_refs);
	tcase_add_test(tc, test_buflist_ops);
	tcase_add_test(tc, test_buflist_merge);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(buf_suite)
