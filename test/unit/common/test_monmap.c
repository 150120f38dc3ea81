/* Unit tests for common/monmap and common/uuid. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/cfg.h"
#include "common/monmap.h"
#include "common/uuid.h"

static const uint8_t fsid[16] = {0xab};

static int from_text(const char *text, struct monmap *m, char *err, size_t errlen)
{
	struct cfg *c = cfg_create(NULL);
	ck_assert_int_eq(cfg_parse_text(c, text, strlen(text), "t.conf", err, errlen), 0);
	int rc = monmap_from_cfg(c, fsid, m, err, errlen);
	cfg_destroy(c);
	return rc;
}

START_TEST(test_from_mon_host)
{
	struct monmap m;
	char err[256], a[NET_ADDR_STRLEN];
	ck_assert_int_eq(from_text("[global]\nmon_host = 127.0.0.1:7001,127.0.0.1:7002 127.0.0.1\n"
				   "[mon.x]\nmon_addr = 127.0.0.1:7002\nmon_weight = 9\n",
				   &m, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_uint_eq(m.epoch, 1);
	ck_assert_str_eq(m.mons[0].name, "a");
	ck_assert_str_eq(m.mons[1].name, "x");
	ck_assert_uint_eq(m.mons[1].weight, 9);
	ck_assert_str_eq(m.mons[2].name, "b");
	addr_format(&m.mons[2].addr, a, sizeof(a));
	ck_assert_str_eq(a, "127.0.0.1:6789");
	ck_assert_int_eq(monmap_rank_by_name(&m, "x"), 1);
	ck_assert_int_eq(monmap_rank_by_name(&m, "q"), -ENOENT);
	ck_assert_int_eq(monmap_rank_by_addr(&m, &m.mons[2].addr), 2);

	struct buf b = BUF_INIT;
	ck_assert_int_eq(monmap_encode(&m, &b), 0);
	struct monmap d;
	ck_assert_int_eq(monmap_decode(b.data, b.len, &d, err, sizeof(err)), 0);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_str_eq(d.mons[1].name, "x");
	ck_assert(addr_equal(&d.mons[1].addr, &m.mons[1].addr));
	ck_assert(memcmp(d.fsid, fsid, 16) == 0);
	for (size_t len = 0; len < b.len; len++)
		ck_assert_int_eq(monmap_decode(b.data, len, &d, err, sizeof(err)), -EINVAL);
	b.data[10] ^= 1;
	ck_assert_int_eq(monmap_decode(b.data, b.len, &d, err, sizeof(err)), -EINVAL);
	buf_fini(&b);
}
END_TEST

START_TEST(test_from_sections)
{
	struct monmap m;
	char err[256];
	ck_assert_int_eq(from_text("[mon.b]\nmon_addr = 10.0.0.2:1\n[mon.a]\nmon_addr = 10.0.0.1\n",
				   &m, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_str_eq(m.mons[0].name, "b");
	ck_assert_str_eq(m.mons[1].name, "a");

	ck_assert_int_eq(from_text("[global]\nfsid = x\n", &m, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "no monitors"));
	ck_assert_int_eq(from_text("[global]\nmon_host = 1.1.1.1:1, 1.1.1.1:1\n", &m, err,
				   sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "two monitors have the address 1.1.1.1:1"));
	ck_assert_int_eq(from_text("[global]\nmon_host = 1.1.1.1:1\n[mon.z]\nmon_addr = 2.2.2.2:2\n",
				   &m, err, sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "not listed in mon_host"));
	ck_assert_int_eq(from_text("[mon.z]\nmon_addr = nowhere\n", &m, err, sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "[mon.z] mon_addr 'nowhere'"));
	/* A bad weight is already refused by the conf parser, whoever reads the file. */
	struct cfg *c = cfg_create(NULL);
	const char *bad = "[mon.z]\nmon_addr = 1.1.1.1\nmon_weight = -3\n";
	ck_assert_int_eq(cfg_parse_text(c, bad, strlen(bad), "t.conf", err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "t.conf:3: option 'mon_weight'"));
	cfg_destroy(c);
}
END_TEST

START_TEST(test_uuid)
{
	uint8_t u[16], v[16];
	char s[UUID_STRLEN];
	ck_assert_int_eq(uuid_parse("01234567-89AB-cdef-0123-456789abcdef", u), 0);
	uuid_format(u, s);
	ck_assert_str_eq(s, "01234567-89ab-cdef-0123-456789abcdef");
	ck_assert_int_eq(uuid_parse("01234567-89ab-cdef-0123-456789abcde", u), -EINVAL);
	ck_assert_int_eq(uuid_parse("01234567x89ab-cdef-0123-456789abcdef", u), -EINVAL);
	ck_assert_int_eq(uuid_parse("g1234567-89ab-cdef-0123-456789abcdef", u), -EINVAL);
	ck_assert_int_eq(uuid_generate(u), 0);
	ck_assert_int_eq(uuid_generate(v), 0);
	ck_assert(memcmp(u, v, 16) != 0);
	ck_assert_uint_eq(u[6] >> 4, 4);
	ck_assert(!uuid_is_zero(u));
	memset(v, 0, 16);
	ck_assert(uuid_is_zero(v));
}
END_TEST

static Suite *monmap_suite(void)
{
	Suite *s = suite_create("monmap");
	TCase *tc = tcase_create("monmap");
	tcase_add_test(tc, test_from_mon_host);
	tcase_add_test(tc, test_from_sections);
	tcase_add_test(tc, test_uuid);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(monmap_suite)
