/* Unit tests for mon/mon_osdmon: commands, boots, failures, batching, commits. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/json.h"
#include "crush/crush.h"
#include "mon/mon_osdmon.h"

static const uint8_t fsid[16] = {0xc0, 0xff, 0xee};
static uint64_t now_real = 1000;

static struct mon_osdmon *make(const char *domain, uint32_t reporters)
{
	struct osdmap *m;
	ck_assert_int_eq(mon_osdmon_initial_map(fsid, domain, &m), 0);
	struct mon_osdmon_opts o = {.min_down_reporters = reporters,
				    .down_out_interval_ns = 600ULL * 1000000000ULL,
				    .auto_mark_new_in = true,
				    .default_size = 3,
				    .default_min_size = 0,
				    .default_pg_num = 8};
	struct mon_osdmon *s;
	ck_assert_int_eq(mon_osdmon_create(&o, m, &s), 0);
	return s;
}

/* Propose what is pending and commit it, as Paxos would. */
static void commit(struct mon_osdmon *s)
{
	struct buf v = BUF_INIT;
	ck_assert_int_eq(mon_osdmon_take_pending(s, now_real++, &v), 0);
	int e = mon_osdmon_commit(s, v.data, v.len);
	ck_assert_int_gt(e, 0);
	buf_fini(&v);
}

/* Run a JSON command; returns rc; output in *out (static, overwritten). */
static int run(struct mon_osdmon *s, const char *json, enum mon_cmd_result *res, char **out)
{
	static struct mon_reply r;
	static bool inited;
	if (inited)
		mon_reply_fini(&r);
	mon_reply_init(&r);
	inited = true;
	struct json_val *cmd;
	char err[128];
	ck_assert_msg(json_parse(json, strlen(json), &cmd, err, sizeof(err)) == 0, "%s", err);
	enum mon_cmd_result x = mon_osdmon_command(s, cmd, NULL, 0, true, &r);
	json_free(cmd);
	if (res)
		*res = x;
	if (out)
		*out = buf_cstr(&r.out) ? buf_cstr(&r.out) : "";
	if (r.rc)
		ck_assert_msg(r.status.len > 0, "error without a message for %s", json);
	return r.rc;
}

/* 6 OSDs on 3 hosts, booted and in, committed. */
static struct mon_osdmon *make_cluster(const char *domain)
{
	struct mon_osdmon *s = make(domain, 2);
	now_real = 1000; /* identical histories give identical maps */
	enum mon_cmd_result res;
	char *out;
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(run(s, "{\"prefix\":\"osd create\"}", &res, &out), 0);
		ck_assert_int_eq(res, MON_CMD_PENDING);
		ck_assert_int_eq(atoi(out), i);
	}
	commit(s);
	ck_assert_uint_eq(osdmap_epoch(mon_osdmon_map(s)), 1);
	for (int i = 0; i < 6; i++) {
		uint8_t uuid[16] = {(uint8_t)(i + 1)};
		struct net_addr a;
		char buf[32], host[16];
		snprintf(buf, sizeof(buf), "127.0.0.1:%d", 6800 + i);
		snprintf(host, sizeof(host), "h%d", i / 2);
		addr_parse(buf, 0, &a);
		ck_assert_int_eq(mon_osdmon_boot(s, i, uuid, &a, host, 10ULL << 30), 0);
	}
	commit(s);
	return s;
}

START_TEST(test_create_boot_pool_map)
{
	struct mon_osdmon *s = make_cluster("host");
	const struct osdmap *m = mon_osdmon_map(s);
	ck_assert_uint_eq(osdmap_epoch(m), 2);
	for (int i = 0; i < 6; i++) {
		ck_assert(osdmap_is_up(m, i));
		ck_assert(osdmap_is_in(m, i));
		ck_assert(crush_map_device_exists(osdmap_crush(m), i));
	}
	enum mon_cmd_result res;
	char *out;
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd pool create\",\"pool\":\"rbd\",\"pg_num\":16}",
			     &res, &out),
			 0);
	ck_assert_int_eq(res, MON_CMD_PENDING);
	/* Same batch: a second command sees the pending pool. */
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd pool set\",\"pool\":\"rbd\",\"var\":\"min_size\","
				"\"val\":\"1\"}",
			     &res, &out),
			 0);
	commit(s);
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd dump\",\"format\":\"json\"}", &res, &out), 0);
	ck_assert_int_eq(res, MON_CMD_DONE);
	struct json_val *d;
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	int64_t v;
	ck_assert_int_eq(json_get_int(d, "epoch", &v), 0);
	ck_assert_int_eq(v, 3);
	const struct json_val *pools = json_get(d, "pools");
	ck_assert_uint_eq(json_len(pools), 1);
	const char *name;
	ck_assert_int_eq(json_get_str(json_at(pools, 0), "pool_name", &name), 0);
	ck_assert_str_eq(name, "rbd");
	ck_assert_int_eq(json_get_int(json_at(pools, 0), "min_size", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_uint_eq(json_len(json_get(d, "osds")), 6);
	json_free(d);

	ck_assert_int_eq(run(s, "{\"prefix\":\"osd map\",\"pool\":\"rbd\",\"object\":\"obj1\","
				"\"format\":\"json\"}",
			     &res, &out),
			 0);
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	const struct json_val *up = json_get(d, "up");
	ck_assert_uint_eq(json_len(up), 3);
	int64_t o[3];
	for (int i = 0; i < 3; i++)
		ck_assert(json_int(json_at(up, (size_t)i), &o[i]));
	/* One per host: osd ids 2k and 2k+1 share host k. */
	ck_assert(o[0] / 2 != o[1] / 2 && o[1] / 2 != o[2] / 2 && o[0] / 2 != o[2] / 2);
	ck_assert_int_eq(json_get_int(d, "acting_primary", &v), 0);
	ck_assert_int_eq(v, o[0]);
	json_free(d);
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd map\",\"pool\":\"rbd\",\"object\":\"obj1\"}",
			     &res, &out),
			 0);
	ck_assert(strstr(out, "osdmap e3 pool 'rbd' (1) object 'obj1' -> pg 1."));
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd tree\"}", &res, &out), 0);
	ck_assert(strstr(out, "root default"));
	ck_assert(strstr(out, "host h1"));
	ck_assert(strstr(out, "osd.3"));
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd stat\"}", &res, &out), 0);
	ck_assert_str_eq(out, "6 osds: 6 up, 6 in; epoch: e3\n");
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd pool get\",\"pool\":\"rbd\",\"var\":\"all\"}",
			     &res, &out),
			 0);
	ck_assert(strstr(out, "pg_num: 16\n"));
	mon_osdmon_destroy(s);
}
END_TEST

struct bad {
	const char *cmd;
	int rc;
	const char *msg;
};

START_TEST(test_bad_input)
{
	struct mon_osdmon *s = make_cluster("host");
	static const struct bad cases[] = {
		{"{\"prefix\":\"osd pool create\",\"pool\":\"bad name\"}", -EINVAL, "bad pool name"},
		{"{\"prefix\":\"osd pool create\",\"pool\":\"x\",\"pg_num\":0}", -EINVAL, "pg_num"},
		{"{\"prefix\":\"osd pool create\",\"pool\":\"x\",\"pg_num\":\"lots\"}", -EINVAL,
		 "pg_num"},
		{"{\"prefix\":\"osd pool create\",\"pool\":\"x\",\"pg_num\":999999}", -EINVAL,
		 "pg_num"},
		{"{\"prefix\":\"osd pool create\",\"pool\":\"x\",\"pool_type\":\"erasure\"}",
		 -EOPNOTSUPP, "erasure"},
		{"{\"prefix\":\"osd pool create\",\"pool\":\"x\",\"rule\":\"nope\"}", -ENOENT,
		 "nope"},
		{"{\"prefix\":\"osd pool create\"}", -EINVAL, "missing argument 'pool'"},
		{"{\"prefix\":\"osd pool set\",\"pool\":\"none\",\"var\":\"size\",\"val\":\"2\"}",
		 -ENOENT, "unrecognized pool"},
		{"{\"prefix\":\"osd frobnicate\"}", -EINVAL, "unknown command"},
		{"{\"noprefix\":1}", -EINVAL, "no prefix"},
		{"{\"prefix\":\"osd out\",\"ids\":[\"99\"]}", -ENOENT, "osd.99"},
		{"{\"prefix\":\"osd out\",\"ids\":[\"x1\"]}", -EINVAL, "bad OSD id"},
		{"{\"prefix\":\"osd out\"}", -EINVAL, "no OSD ids"},
		{"{\"prefix\":\"osd set\",\"key\":\"nosuchflag\"}", -EINVAL, "unknown flag"},
		{"{\"prefix\":\"osd crush add-bucket\",\"name\":\"r1\",\"type\":\"galaxy\"}", -EINVAL,
		 "unknown bucket type"},
		{"{\"prefix\":\"osd crush move\",\"name\":\"h0\",\"args\":[\"nonsense\"]}", -EINVAL,
		 "bad location"},
		{"{\"prefix\":\"osd crush rm\",\"name\":\"default\"}", -ENOTEMPTY, "not empty"},
		{"{\"prefix\":\"osd crush reweight\",\"name\":\"osd.0\",\"weight\":-1}", -EINVAL,
		 "weight"},
		{"{\"prefix\":\"osd pg-upmap-items\",\"pgid\":\"9.0\",\"id\":[1,2]}", -ENOENT,
		 "does not exist"},
		{"{\"prefix\":\"osd create\",\"uuid\":\"not-a-uuid\"}", -EINVAL, "bad uuid"},
		{"{\"prefix\":\"osd rm\",\"ids\":[\"0\"]}", -EBUSY, "still up"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum mon_cmd_result res;
		static struct mon_reply r;
		mon_reply_init(&r);
		struct json_val *cmd;
		ck_assert_int_eq(json_parse(cases[i].cmd, strlen(cases[i].cmd), &cmd, NULL, 0), 0);
		res = mon_osdmon_command(s, cmd, NULL, 0, true, &r);
		json_free(cmd);
		ck_assert_msg(r.rc == cases[i].rc, "%s: rc %d", cases[i].cmd, r.rc);
		ck_assert_int_eq(res, MON_CMD_DONE);
		ck_assert_msg(strstr(buf_cstr(&r.status), cases[i].msg), "%s: '%s'", cases[i].cmd,
			      buf_cstr(&r.status));
		mon_reply_fini(&r);
	}
	/* Nothing was queued by all that. */
	ck_assert(!mon_osdmon_has_pending(s));

	/* Deleting needs the name twice and the flag. */
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd pool create\",\"pool\":\"tmp\"}", NULL, NULL), 0);
	commit(s);
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd pool delete\",\"pool\":\"tmp\"}", NULL, NULL),
			 -EPERM);
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd pool delete\",\"pool\":\"tmp\",\"pool2\":\"tmp\","
				"\"yes_i_really_really_mean_it\":true}",
			     NULL, NULL),
			 0);
	commit(s);
	ck_assert_ptr_null(osdmap_pool_by_name(mon_osdmon_map(s), "tmp"));
	/* A peon refuses writes but answers reads. */
	struct mon_reply r;
	mon_reply_init(&r);
	struct json_val *cmd;
	const char *w = "{\"prefix\":\"osd out\",\"ids\":[\"1\"]}";
	json_parse(w, strlen(w), &cmd, NULL, 0);
	ck_assert_int_eq(mon_osdmon_command(s, cmd, NULL, 0, false, &r), MON_CMD_DONE);
	ck_assert_int_eq(r.rc, -EAGAIN);
	json_free(cmd);
	mon_reply_fini(&r);
	mon_osdmon_destroy(s);
}
END_TEST

START_TEST(test_failures_and_out)
{
	struct mon_osdmon *s = make_cluster("host");
	/* Two reporters on one host count once; a second host makes two. */
	ck_assert_int_eq(mon_osdmon_report_failure(s, 0, 2, "h1", false, 0), 0);
	ck_assert_int_eq(mon_osdmon_report_failure(s, 0, 3, "h1", false, 0), 0);
	ck_assert_int_eq(mon_osdmon_report_failure(s, 0, 2, "h1", false, 0), 0);
	ck_assert(!mon_osdmon_has_pending(s));
	ck_assert_int_eq(mon_osdmon_report_failure(s, 0, 4, "h2", false, 0), 1);
	/* A refused connection is proof on its own. */
	ck_assert_int_eq(mon_osdmon_report_failure(s, 5, 2, "h1", true, 0), 1);
	ck_assert_int_eq(mon_osdmon_report_failure(s, 1, 1, "h0", true, 0), -EINVAL);
	commit(s);
	const struct osdmap *m = mon_osdmon_map(s);
	ck_assert(!osdmap_is_up(m, 0) && !osdmap_is_up(m, 5));
	ck_assert(osdmap_is_in(m, 0));

	uint64_t sec = 1000000000ULL;
	mon_osdmon_tick(s, 1000 * sec);
	mon_osdmon_tick(s, 1500 * sec);
	ck_assert(!mon_osdmon_has_pending(s));
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd set\",\"key\":\"noout\"}", NULL, NULL), 0);
	commit(s);
	mon_osdmon_tick(s, 1700 * sec);
	ck_assert(!mon_osdmon_has_pending(s));
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd unset\",\"key\":\"noout\"}", NULL, NULL), 0);
	commit(s);
	mon_osdmon_tick(s, 1701 * sec);
	ck_assert(mon_osdmon_has_pending(s));
	commit(s);
	ck_assert(!osdmap_is_in(mon_osdmon_map(s), 0));
	ck_assert(!osdmap_is_in(mon_osdmon_map(s), 5));

	/* It comes back: up again with its address, in again by hand. */
	uint8_t uuid[16] = {1};
	uint8_t wrong[16] = {9};
	struct net_addr a;
	addr_parse("127.0.0.1:7000", 0, &a);
	ck_assert_int_eq(mon_osdmon_boot(s, 0, wrong, &a, "h0", 0), -EINVAL);
	ck_assert_int_eq(mon_osdmon_boot(s, 0, uuid, &a, "h0", 0), 0);
	ck_assert_int_eq(mon_osdmon_boot(s, 42, uuid, &a, "h0", 0), -ENOENT);
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd in\",\"ids\":[\"osd.0\"]}", NULL, NULL), 0);
	commit(s);
	m = mon_osdmon_map(s);
	ck_assert(osdmap_is_up(m, 0) && osdmap_is_in(m, 0));
	ck_assert_uint_eq(addr_port(&osdmap_osd(m, 0)->addr), 7000);

	/* Restarted before anyone reported it: down for an epoch, then up at the new address. */
	struct net_addr a2;
	addr_parse("127.0.0.1:7001", 0, &a2);
	ck_assert_int_eq(mon_osdmon_boot(s, 0, uuid, &a2, "h0", 0), -EAGAIN);
	/* Its boot again before that epoch commits: still not up in the same epoch. */
	ck_assert_int_eq(mon_osdmon_boot(s, 0, uuid, &a2, "h0", 0), -EAGAIN);
	commit(s);
	m = mon_osdmon_map(s);
	ck_assert(!osdmap_is_up(m, 0));
	ck_assert_int_eq(mon_osdmon_boot(s, 0, uuid, &a2, "h0", 0), 0);
	commit(s);
	m = mon_osdmon_map(s);
	ck_assert(osdmap_is_up(m, 0));
	ck_assert_uint_eq(addr_port(&osdmap_osd(m, 0)->addr), 7001);
	mon_osdmon_destroy(s);
}
END_TEST

START_TEST(test_crush_edits)
{
	struct mon_osdmon *s = make_cluster("host");
	const char *cmds[] = {
		"{\"prefix\":\"osd crush add-bucket\",\"name\":\"rack1\",\"type\":\"rack\"}",
		"{\"prefix\":\"osd crush move\",\"name\":\"rack1\",\"args\":[\"root=default\"]}",
		"{\"prefix\":\"osd crush move\",\"name\":\"h0\",\"args\":[\"root=default\","
		"\"rack=rack1\"]}",
		"{\"prefix\":\"osd crush reweight\",\"name\":\"osd.1\",\"weight\":2.5}",
		"{\"prefix\":\"osd crush rule create-replicated\",\"name\":\"byrack\",\"root\":"
		"\"default\",\"type\":\"rack\"}",
		"{\"prefix\":\"osd crush set-device-class\",\"class\":\"ssd\",\"ids\":[\"4\",\"5\"]}",
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		enum mon_cmd_result res;
		ck_assert_msg(run(s, cmds[i], &res, NULL) == 0, "%s", cmds[i]);
		ck_assert_int_eq(res, MON_CMD_PENDING);
	}
	commit(s);
	const struct crush_map *c = osdmap_crush(mon_osdmon_map(s));
	int32_t h0, rack, parent;
	ck_assert_int_eq(crush_map_item_by_name(c, "h0", &h0), 0);
	ck_assert_int_eq(crush_map_item_by_name(c, "rack1", &rack), 0);
	ck_assert_int_eq(crush_map_item_parent(c, h0, &parent), 0);
	ck_assert_int_eq(parent, rack);
	uint32_t w;
	ck_assert_int_eq(crush_map_device_weight(c, 1, &w), 0);
	ck_assert_uint_eq(w, 0x28000);
	uint32_t rule;
	ck_assert_int_eq(crush_map_rule_by_name(c, "byrack", &rule), 0);
	char *out;
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd crush rule ls\"}", NULL, &out), 0);
	ck_assert_str_eq(out, "replicated_rule\nbyrack\n");
	ck_assert_int_eq(run(s, "{\"prefix\":\"osd tree\",\"format\":\"json\"}", NULL, &out), 0);
	struct json_val *t;
	ck_assert_int_eq(json_parse(out, strlen(out), &t, NULL, 0), 0);
	ck_assert_uint_ge(json_len(json_get(t, "nodes")), 10);
	json_free(t);

	/* setcrushmap: garbage refused, the current map (binary) accepted. */
	struct mon_reply r;
	mon_reply_init(&r);
	struct json_val *cmd;
	const char *g = "{\"prefix\":\"osd getcrushmap\"}";
	json_parse(g, strlen(g), &cmd, NULL, 0);
	mon_osdmon_command(s, cmd, NULL, 0, true, &r);
	json_free(cmd);
	const char *sc = "{\"prefix\":\"osd setcrushmap\"}";
	json_parse(sc, strlen(sc), &cmd, NULL, 0);
	struct mon_reply r2;
	mon_reply_init(&r2);
	ck_assert_int_eq(mon_osdmon_command(s, cmd, (const uint8_t *)"junk", 4, true, &r2),
			 MON_CMD_DONE);
	ck_assert_int_eq(r2.rc, -EINVAL);
	mon_reply_fini(&r2);
	mon_reply_init(&r2);
	ck_assert_int_eq(mon_osdmon_command(s, cmd, r.out.data, r.out.len, true, &r2),
			 MON_CMD_PENDING);
	ck_assert_int_eq(r2.rc, 0);
	json_free(cmd);
	mon_reply_fini(&r);
	mon_reply_fini(&r2);
	commit(s);
	mon_osdmon_destroy(s);
}
END_TEST

/* A value committed by someone else resets the pending batch; ours advance the base. */
START_TEST(test_batches_and_foreign_commits)
{
	struct mon_osdmon *a = make_cluster("host");
	struct mon_osdmon *b = make_cluster("host");
	ck_assert_int_eq(run(a, "{\"prefix\":\"osd pool create\",\"pool\":\"p1\"}", NULL, NULL), 0);
	struct buf v1 = BUF_INIT, v2 = BUF_INIT;
	ck_assert_int_eq(mon_osdmon_take_pending(a, 5000, &v1), 0);
	ck_assert_int_eq(mon_osdmon_take_pending(a, 5001, &v2), -ENOENT);
	/* While v1 is in flight, a second batch builds on it. */
	ck_assert_int_eq(run(a, "{\"prefix\":\"osd pool set\",\"pool\":\"p1\",\"var\":\"size\","
				"\"val\":\"2\"}",
			     NULL, NULL),
			 0);
	ck_assert_int_eq(mon_osdmon_take_pending(a, 5002, &v2), 0);
	ck_assert_int_eq(mon_osdmon_commit(a, v1.data, v1.len), 3);
	ck_assert_int_eq(mon_osdmon_commit(a, v2.data, v2.len), 4);
	ck_assert_uint_eq(osdmap_pool_by_name(mon_osdmon_map(a), "p1")->size, 2);
	/* b sees a's values; its own pending change is dropped. */
	ck_assert_int_eq(run(b, "{\"prefix\":\"osd set\",\"key\":\"noout\"}", NULL, NULL), 0);
	ck_assert_int_eq(mon_osdmon_commit(b, v1.data, v1.len), 3);
	ck_assert(!mon_osdmon_has_pending(b));
	ck_assert_int_eq(mon_osdmon_commit(b, v2.data, v2.len), 4);
	ck_assert(osdmap_equal(mon_osdmon_map(a), mon_osdmon_map(b)));
	/* A stale change (an epoch already passed) is skipped; garbage is refused. */
	ck_assert_int_eq(mon_osdmon_commit(b, v2.data, v2.len), -ESTALE);
	ck_assert_int_eq(mon_osdmon_commit(b, (const uint8_t *)"xx", 2), -EINVAL);
	buf_fini(&v1);
	buf_fini(&v2);
	mon_osdmon_destroy(a);
	mon_osdmon_destroy(b);
}
END_TEST

static Suite *osdmon_suite(void)
{
	Suite *s = suite_create("mon_osdmon");
	TCase *tc = tcase_create("commands");
	tcase_add_test(tc, test_create_boot_pool_map);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_crush_edits);
	suite_add_tcase(s, tc);
	tc = tcase_create("events");
	tcase_add_test(tc, test_failures_and_out);
	tcase_add_test(tc, test_batches_and_foreign_commits);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(osdmon_suite)
