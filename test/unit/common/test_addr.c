/* Unit tests for common/addr: entity names and addresses. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/addr.h"

START_TEST(test_names)
{
	struct ent_name n;
	char buf[ENT_NAME_STRLEN];
	static const char *const good[] = {"mon.a", "osd.3", "osd.0", "client.admin",
					   "client.rgw.gw1", "mgr.x"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(ent_name_parse(good[i], &n), 0);
		ck_assert_int_gt(ent_name_format(&n, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, good[i]);
	}
	ck_assert_int_eq(ent_name_parse("osd.12", &n), 0);
	ck_assert_int_eq(ent_name_osd_id(&n), 12);
	ck_assert_int_eq(n.type, ENT_TYPE_OSD);
	static const char *const bad[] = {"osd", "osd.", "osd.x", "osd.01", "osd.-1", "bogus.1",
					  ".a", "client.a b", "osd.12345678901"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ent_name_parse(bad[i], &n) == -EINVAL, "%s accepted", bad[i]);
	ck_assert_int_eq(ent_name_parse("mon.a", &n), 0);
	ck_assert_int_eq(ent_name_osd_id(&n), -EINVAL);
	ck_assert_int_eq(ent_name_format(&n, buf, 4), -ERANGE);
	struct ent_name m;
	ck_assert_int_eq(ent_name_make(ENT_TYPE_MON, "a", &m), 0);
	ck_assert(ent_name_equal(&n, &m));
}
END_TEST

START_TEST(test_addrs)
{
	struct net_addr a, b;
	char buf[NET_ADDR_STRLEN];
	static const char *const cases[][2] = {
		{"127.0.0.1:6789", "127.0.0.1:6789"},
		{"10.1.2.3", "10.1.2.3:3300"},
		{"[::1]:6789", "[::1]:6789"},
		{"[fe80::1]", "[fe80::1]:3300"},
		{"::1", "[::1]:3300"},
		{"v1:1.2.3.4:6789/0", "1.2.3.4:6789"},
		{"v2:1.2.3.4:3300", "1.2.3.4:3300"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(addr_parse(cases[i][0], 3300, &a) == 0, "%s", cases[i][0]);
		ck_assert_int_gt(addr_format(&a, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, cases[i][1]);
	}
	static const char *const bad[] = {"",	      "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:x",
					  "host:80", "[1.2.3.4]:80", "[::1",      "1.2.3",
					  "[::1]x",  "1.2.3.4/x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(addr_parse(bad[i], 1, &a) == -EINVAL, "'%s' accepted", bad[i]);

	ck_assert_int_eq(addr_parse("127.0.0.1:1", 0, &a), 0);
	ck_assert_int_eq(addr_parse("127.0.0.1:2", 0, &b), 0);
	ck_assert(!addr_equal(&a, &b));
	addr_set_port(&b, 1);
	ck_assert(addr_equal(&a, &b));
	ck_assert_uint_eq(addr_port(&b), 1);
	ck_assert_int_eq(addr_family(&b), AF_INET);
	ck_assert_uint_eq(addr_len(&b), sizeof(struct sockaddr_in));
	struct net_addr c;
	ck_assert_int_eq(addr_from_sockaddr(&a.u.sa, addr_len(&a), &c), 0);
	ck_assert(addr_equal(&a, &c));
}
END_TEST

START_TEST(test_addr_lists)
{
	struct net_addr out[4];
	char buf[NET_ADDR_STRLEN];
	ck_assert_int_eq(addr_list_parse("", 6789, out, 4), 0);
	ck_assert_int_eq(addr_list_parse(" 1.1.1.1, 2.2.2.2:7;[::2]:8 ", 6789, out, 4), 3);
	addr_format(&out[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "2.2.2.2:7");
	addr_format(&out[2], buf, sizeof(buf));
	ck_assert_str_eq(buf, "[::2]:8");
	ck_assert_int_eq(addr_list_parse("[v2:1.1.1.1:3300,v1:1.1.1.1:6789],[v2:2.2.2.2:3300]",
					 6789, out, 4),
			 2);
	addr_format(&out[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.1.1.1:6789");
	addr_format(&out[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "2.2.2.2:3300");
	/* Counting beyond max lets the caller size its array. */
	ck_assert_int_eq(addr_list_parse("1.1.1.1 2.2.2.2 3.3.3.3", 1, out, 1), 3);
	ck_assert_int_eq(addr_list_parse("1.1.1.1, nonsense", 1, out, 4), -EINVAL);
	ck_assert_int_eq(addr_list_parse("[v2:1.1.1.1:3300,", 1, out, 4), -EINVAL);
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("names");
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("addresses");
	tcase_add_test(tc, test_addrs);
	tcase_add_test(tc, test_addr_lists);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(addr_suite)
