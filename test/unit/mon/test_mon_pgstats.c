/*
 * Unit tests for mon/mon_pgstats: which report decides a PG's state
 * (current acting primary, stale, a dead primary's last word, unknown),
 * refused reports, the summary and health checks, the commands' output,
 * and Ceph's number formatting.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/unit.h"
#include "common/json.h"
#include "common/osdop.h"
#include "common/unitfmt.h"
#include "mon/mon_osdmon.h"
#include "mon/mon_pgstats.h"

#define NS    1000000000ULL
#define STALE (6 * NS)
#define NOSD  3
#define PGS   8
#define AC    (OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN)

static const uint8_t fsid[16] = {0xab, 0xcd};
static uint64_t now_real = 1000;

static void commit(struct mon_osdmon *s)
{
	struct buf v = BUF_INIT;
	ck_assert_int_eq(mon_osdmon_take_pending(s, now_real++, &v), 0);
	ck_assert_int_gt(mon_osdmon_commit(s, v.data, v.len), 0);
	buf_fini(&v);
}

static int osdmon_cmd(struct mon_osdmon *s, const char *json)
{
	struct mon_reply r;
	struct json_val *cmd;
	mon_reply_init(&r);
	ck_assert_int_eq(json_parse(json, strlen(json), &cmd, NULL, 0), 0);
	mon_osdmon_command(s, cmd, NULL, 0, true, &r);
	json_free(cmd);
	int rc = r.rc;
	mon_reply_fini(&r);
	return rc;
}

/* NOSD OSDs, booted and in, one replica per OSD, pool "rbd" with PGS PGs of size 3. */
static struct mon_osdmon *make_cluster(void)
{
	struct osdmap *m;
	struct mon_osdmon *s;
	ck_assert_int_eq(mon_osdmon_initial_map(fsid, "osd", &m), 0);
	struct mon_osdmon_opts o = {.min_down_reporters = 1,
				    .auto_mark_new_in = true,
				    .default_size = 3,
				    .default_pg_num = PGS};
	ck_assert_int_eq(mon_osdmon_create(&o, m, &s), 0);
	for (int i = 0; i < NOSD; i++)
		ck_assert_int_eq(osdmon_cmd(s, "{\"prefix\":\"osd create\"}"), 0);
	commit(s);
	for (int i = 0; i < NOSD; i++) {
		uint8_t uuid[16] = {(uint8_t)(i + 1)};
		struct net_addr a;
		char buf[32];
		snprintf(buf, sizeof(buf), "127.0.0.1:%d", 6800 + i);
		addr_parse(buf, 0, &a);
		ck_assert_int_eq(mon_osdmon_boot(s, i, uuid, &a, "h", 10ULL << 30), 0);
	}
	commit(s);
	ck_assert_int_eq(osdmon_cmd(s, "{\"prefix\":\"osd pool create\",\"pool\":\"rbd\"}"), 0);
	commit(s);
	return s;
}

static int32_t primary_of(const struct osdmap *m, uint32_t seed)
{
	struct osdmap_pg pg = {1, seed};
	struct osdmap_placement pl;
	ck_assert_int_eq(osdmap_pg_to_osds(m, &pg, &pl), 0);
	return pl.acting_primary;
}

/*
 * osd.@osd reports @state for the PGs of pool 1 it is the primary of
 * (every PG when @all), with 100 + osd objects and 1000 * (osd + 1) bytes
 * each.
 */
static int report(struct mon_pgstats *ps, const struct osdmap *m, int32_t osd, uint32_t epoch,
		  uint32_t state, bool all, uint64_t now)
{
	int64_t pool[PGS];
	uint32_t seed[PGS], st[PGS], iv[PGS];
	uint64_t obj[PGS], bytes[PGS];
	uint32_t n = 0;
	for (uint32_t s = 0; s < PGS; s++) {
		if (!all && primary_of(m, s) != osd)
			continue;
		pool[n] = 1;
		seed[n] = s;
		st[n] = state;
		iv[n] = 3;
		obj[n] = 100 + (uint64_t)osd;
		bytes[n] = 1000 * (uint64_t)(osd + 1);
		n++;
	}
	struct msg_pg_stats r = {.osd = osd,
				 .epoch = epoch,
				 .n = n,
				 .pool = pool,
				 .seed = seed,
				 .state = st,
				 .objects = obj,
				 .bytes = bytes,
				 .interval = iv,
				 .kb_total = 10 << 20,
				 .kb_used = 1 << 20};
	return mon_pgstats_report(ps, m, &r, now);
}

static uint32_t count_of(const struct mon_pgstats_summary *s, uint32_t state)
{
	for (size_t i = 0; i < s->n_states; i++)
		if (s->states[i].state == state)
			return s->states[i].count;
	return 0;
}

/* Run a pgstats command; returns rc, output in *out (valid until the next call). */
static int run(struct mon_pgstats *ps, const struct osdmap *m, const char *json, uint64_t now,
	       const char **out, const char **status)
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
	mon_pgstats_command(ps, m, cmd, now, &r);
	json_free(cmd);
	if (out)
		*out = buf_cstr(&r.out) ? buf_cstr(&r.out) : "";
	if (status)
		*status = buf_cstr(&r.status) ? buf_cstr(&r.status) : "";
	if (r.rc)
		ck_assert_msg(r.status.len > 0, "error without a message for %s", json);
	return r.rc;
}

START_TEST(test_unknown_then_primaries)
{
	struct mon_osdmon *s = make_cluster();
	const struct osdmap *m = mon_osdmon_map(s);
	struct mon_pgstats *ps;
	ck_assert_int_eq(mon_pgstats_create(STALE, &ps), 0);
	struct mon_pgstats_summary sum;
	struct mon_pgstats_check c[4];

	ck_assert_int_eq(mon_pgstats_summarize(ps, m, 10 * NS, &sum), 0);
	ck_assert_uint_eq(sum.num_pgs, PGS);
	ck_assert_uint_eq(sum.num_pools, 1);
	ck_assert_uint_eq(sum.n_states, 1);
	ck_assert_uint_eq(count_of(&sum, OSDOP_PGS_UNKNOWN), PGS);
	ck_assert_int_eq(mon_pgstats_health(&sum, c, 4), 1);
	ck_assert_str_eq(c[0].code, "PG_AVAILABILITY");
	ck_assert_str_eq(c[0].summary, "Reduced data availability: 8 pgs inactive");
	mon_pgstats_summary_fini(&sum);

	/* Everyone reports every PG: only the acting primary's entry counts. */
	for (int32_t o = 0; o < NOSD; o++)
		ck_assert_int_eq(report(ps, m, o, osdmap_epoch(m), AC, true, 10 * NS), 0);
	ck_assert_int_eq(mon_pgstats_summarize(ps, m, 11 * NS, &sum), 0);
	ck_assert_uint_eq(count_of(&sum, AC), PGS);
	ck_assert_int_eq(mon_pgstats_health(&sum, c, 4), 0);
	uint64_t want_objects = 0, want_bytes = 0;
	for (uint32_t seed = 0; seed < PGS; seed++) {
		want_objects += 100 + (uint64_t)primary_of(m, seed);
		want_bytes += 1000 * (uint64_t)(primary_of(m, seed) + 1);
	}
	ck_assert_uint_eq(sum.num_objects, want_objects);
	ck_assert_uint_eq(sum.data_bytes, want_bytes);
	ck_assert_uint_eq(sum.bytes_total, 3ULL * (10ULL << 30));
	ck_assert_uint_eq(sum.bytes_used, 3ULL << 30);
	mon_pgstats_summary_fini(&sum);

	/* pg dump says the same per PG. */
	const char *out;
	ck_assert_int_eq(
	    run(ps, m, "{\"prefix\":\"pg dump\",\"format\":\"json\"}", 11 * NS, &out, NULL), 0);
	struct json_val *d;
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	const struct json_val *pgs = json_get(json_get(d, "pg_map"), "pg_stats");
	ck_assert_uint_eq(json_len(pgs), PGS);
	for (size_t i = 0; i < PGS; i++) {
		const struct json_val *p = json_at(pgs, i);
		const char *st, *id;
		int64_t prim, n;
		ck_assert_int_eq(json_get_str(p, "state", &st), 0);
		ck_assert_str_eq(st, "active+clean");
		ck_assert_int_eq(json_get_str(p, "pgid", &id), 0);
		ck_assert_int_eq(json_get_int(p, "acting_primary", &prim), 0);
		ck_assert_int_eq(json_get_int(json_get(p, "stat_sum"), "num_objects", &n), 0);
		ck_assert_int_eq(n, 100 + prim);
		ck_assert_uint_eq(json_len(json_get(p, "acting")), 3);
	}
	ck_assert_uint_eq(json_len(json_get(json_get(d, "pg_map"), "osd_stats")), NOSD);
	json_free(d);
	mon_pgstats_destroy(ps);
	mon_osdmon_destroy(s);
}
END_TEST

START_TEST(test_stale_down_and_refused)
{
	struct mon_osdmon *s = make_cluster();
	const struct osdmap *m = mon_osdmon_map(s);
	uint32_t e = osdmap_epoch(m);
	struct mon_pgstats *ps;
	ck_assert_int_eq(mon_pgstats_create(STALE, &ps), 0);
	for (int32_t o = 0; o < NOSD; o++)
		ck_assert_int_eq(report(ps, m, o, e, AC, false, 10 * NS), 0);
	uint32_t of0 = 0;
	for (uint32_t seed = 0; seed < PGS; seed++)
		of0 += primary_of(m, seed) == 0;
	ck_assert_uint_gt(of0, 0);

	/* osd.0 stops reporting; the others go on. */
	for (int32_t o = 1; o < NOSD; o++)
		ck_assert_int_eq(report(ps, m, o, e, AC, false, 15 * NS), 0);
	struct mon_pgstats_summary sum;
	struct mon_pgstats_check c[4];
	ck_assert_int_eq(mon_pgstats_summarize(ps, m, 15 * NS, &sum), 0);
	ck_assert_uint_eq(count_of(&sum, AC), PGS); /* 5 s: not stale yet */
	mon_pgstats_summary_fini(&sum);
	ck_assert_int_eq(mon_pgstats_summarize(ps, m, 17 * NS, &sum), 0);
	ck_assert_uint_eq(count_of(&sum, AC | OSDOP_PGS_STALE), of0);
	ck_assert_uint_eq(count_of(&sum, AC), PGS - of0);
	ck_assert_int_eq(mon_pgstats_health(&sum, c, 4), 1);
	char want[96];
	snprintf(want, sizeof(want), "Reduced data availability: %u pg%s stale", of0,
		 of0 == 1 ? "" : "s");
	ck_assert_str_eq(c[0].summary, want);
	mon_pgstats_summary_fini(&sum);

	/* A report from an older map than the one kept is refused. */
	ck_assert_int_eq(report(ps, m, 1, e - 1, AC, false, 17 * NS), -ESTALE);
	ck_assert_int_eq(report(ps, m, 7, e, AC, false, 17 * NS), -ESTALE); /* no such OSD */
	struct msg_pg_stats bad = {.osd = -3};
	ck_assert_int_eq(mon_pgstats_report(ps, m, &bad, 17 * NS), -EINVAL);

	/* osd.0 is marked down: its reports are refused, and the PGs it was primary of
	 * show its last word as stale until their new primaries report them. */
	ck_assert_int_eq(osdmon_cmd(s, "{\"prefix\":\"osd down\",\"ids\":[\"0\"]}"), 0);
	commit(s);
	m = mon_osdmon_map(s);
	ck_assert_int_eq(report(ps, m, 0, e + 1, AC, true, 18 * NS), -ESTALE);
	ck_assert_int_eq(mon_pgstats_summarize(ps, m, 18 * NS, &sum), 0);
	ck_assert_uint_eq(count_of(&sum, AC | OSDOP_PGS_STALE), of0);
	ck_assert_uint_eq(sum.bytes_total, 2ULL * (10ULL << 30)); /* only up OSDs count */
	mon_pgstats_summary_fini(&sum);
	uint32_t deg = OSDOP_PGS_ACTIVE | OSDOP_PGS_UNDERSIZED | OSDOP_PGS_DEGRADED;
	for (int32_t o = 1; o < NOSD; o++)
		ck_assert_int_eq(report(ps, m, o, e + 1, deg, false, 19 * NS), 0);
	ck_assert_int_eq(mon_pgstats_summarize(ps, m, 19 * NS, &sum), 0);
	ck_assert_uint_eq(count_of(&sum, deg), PGS);
	ck_assert_int_eq(mon_pgstats_health(&sum, c, 4), 1);
	ck_assert_str_eq(c[0].code, "PG_DEGRADED");
	ck_assert_str_eq(c[0].summary,
			 "Degraded data redundancy: 8 pgs degraded, 8 pgs undersized");
	ck_assert_uint_eq(c[0].count, PGS);
	mon_pgstats_summary_fini(&sum);

	/* Removed OSDs' reports are forgotten. */
	ck_assert_int_eq(osdmon_cmd(s, "{\"prefix\":\"osd rm\",\"ids\":[\"0\"]}"), 0);
	commit(s);
	m = mon_osdmon_map(s);
	mon_pgstats_prune(ps, m);
	const char *out;
	ck_assert_int_eq(run(ps, m,
			     "{\"prefix\":\"pg dump\",\"dumpcontents\":[\"osds\"],"
			     "\"format\":\"json\"}",
			     19 * NS, &out, NULL),
			 0);
	struct json_val *d;
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	ck_assert_uint_eq(json_len(json_get(d, "osd_stats")), NOSD - 1);
	json_free(d);
	mon_pgstats_destroy(ps);
	mon_osdmon_destroy(s);
}
END_TEST

START_TEST(test_commands)
{
	struct mon_osdmon *s = make_cluster();
	const struct osdmap *m = mon_osdmon_map(s);
	struct mon_pgstats *ps;
	ck_assert_int_eq(mon_pgstats_create(STALE, &ps), 0);
	for (int32_t o = 0; o < NOSD; o++)
		ck_assert_int_eq(report(ps, m, o, osdmap_epoch(m), AC, false, NS), 0);
	const char *out, *st;
	ck_assert_int_eq(run(ps, m, "{\"prefix\":\"pg stat\"}", NS, &out, NULL), 0);
	ck_assert_msg(strncmp(out, "8 pgs: 8 active+clean; ", 23) == 0, "%s", out);
	ck_assert(strstr(out, "3 GiB used, 27 GiB / 30 GiB avail\n"));

	/* pg ls by pool name and id, by state, by primary. */
	ck_assert_int_eq(run(ps, m, "{\"prefix\":\"pg ls\",\"pool\":\"rbd\",\"format\":\"json\"}",
			     NS, &out, NULL),
			 0);
	struct json_val *d;
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	ck_assert_uint_eq(json_len(json_get(d, "pg_stats")), PGS);
	json_free(d);
	ck_assert_int_eq(run(ps, m, "{\"prefix\":\"pg ls\",\"pool\":1}", NS, &out, NULL), 0);
	ck_assert_msg(strncmp(out, "PG   OBJECTS  BYTES  STATE         REPORTED  UP", 46) == 0,
		      "%s", out);
	ck_assert_int_eq(run(ps, m,
			     "{\"prefix\":\"pg ls\",\"states\":[\"stale\"],\"format\":\"json\"}",
			     NS, &out, NULL),
			 0);
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	ck_assert_uint_eq(json_len(json_get(d, "pg_stats")), 0);
	json_free(d);
	uint32_t of1 = 0;
	for (uint32_t seed = 0; seed < PGS; seed++)
		of1 += primary_of(m, seed) == 1;
	ck_assert_int_eq(run(ps, m,
			     "{\"prefix\":\"pg ls-by-primary\",\"osd\":\"osd.1\","
			     "\"format\":\"json\"}",
			     NS, &out, NULL),
			 0);
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	ck_assert_uint_eq(json_len(json_get(d, "pg_stats")), of1);
	json_free(d);
	/* `pg ls active` from the CLI puts the state where the pool would be. */
	ck_assert_int_eq(run(ps, m,
			     "{\"prefix\":\"pg ls\",\"pool\":\"active\",\"format\":\"json\"}", NS,
			     &out, NULL),
			 0);
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	ck_assert_uint_eq(json_len(json_get(d, "pg_stats")), PGS);
	json_free(d);

	/* pg map: a raw seed beyond pg_num folds onto its PG. */
	ck_assert_int_eq(run(ps, m, "{\"prefix\":\"pg map\",\"pgid\":\"1.d\"}", NS, &out, NULL), 0);
	ck_assert_msg(strncmp(out, "osdmap e3 pg 1.d (1.5) -> up [", 30) == 0, "%s", out);

	/* df */
	ck_assert_int_eq(run(ps, m, "{\"prefix\":\"df\"}", NS, &out, NULL), 0);
	ck_assert_msg(strstr(out, "--- RAW STORAGE ---\n"
				  "CLASS    SIZE   AVAIL   USED  RAW USED  %RAW USED\n"
				  "TOTAL  30 GiB  27 GiB  3 GiB     3 GiB      10.00\n"),
		      "%s", out);
	/* MAX AVAIL: 3 OSDs x (95% of 10 GiB - 1 GiB used) / size 3. */
	ck_assert_msg(strstr(out, "--- POOLS ---\n"
				  "POOL  ID  PGS  STORED  OBJECTS    USED  %USED  MAX AVAIL\n"
				  "rbd    1    8  "),
		      "%s", out);
	ck_assert_msg(strstr(out, "      0    8.5 GiB\n"), "%s", out);
	ck_assert_int_eq(run(ps, m, "{\"prefix\":\"df\",\"format\":\"json\"}", NS, &out, NULL), 0);
	ck_assert_int_eq(json_parse(out, strlen(out), &d, NULL, 0), 0);
	int64_t v;
	ck_assert_int_eq(json_get_int(json_at(json_get(d, "pools"), 0), "id", &v), 0);
	ck_assert_int_eq(v, 1);
	json_free(d);

	/* Bad input. */
	static const struct {
		const char *cmd;
		int rc;
		const char *msg;
	} bad[] = {
	    {"{\"prefix\":\"pg ls\",\"pool\":\"nope\"}", -ENOENT, "pool 'nope' does not exist"},
	    {"{\"prefix\":\"pg ls\",\"pool\":9}", -ENOENT, "pool 9 does not exist"},
	    {"{\"prefix\":\"pg ls\",\"states\":[\"shiny\"]}", -EINVAL, "not a PG state"},
	    {"{\"prefix\":\"pg ls-by-osd\",\"osd\":\"7\"}", -ENOENT, "osd.7 does not exist"},
	    {"{\"prefix\":\"pg ls-by-osd\"}", -EINVAL, "missing argument 'osd'"},
	    {"{\"prefix\":\"pg ls-by-pool\"}", -EINVAL, "missing argument 'poolstr'"},
	    {"{\"prefix\":\"pg map\",\"pgid\":\"x\"}", -EINVAL, "invalid pgid"},
	    {"{\"prefix\":\"pg map\",\"pgid\":\"5.0\"}", -ENOENT, "does not exist"},
	    {"{\"prefix\":\"pg dump\",\"dumpcontents\":[\"everything\"]}", -EINVAL, "dumpcontents"},
	    {"{\"prefix\":\"pg frob\"}", -EINVAL, "unknown command"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(run(ps, m, bad[i].cmd, NS, &out, &st) == bad[i].rc, "%s", bad[i].cmd);
		ck_assert_msg(strstr(st, bad[i].msg), "%s: '%s'", bad[i].cmd, st);
		ck_assert_str_eq(out, "");
	}
	mon_pgstats_destroy(ps);
	mon_osdmon_destroy(s);
}
END_TEST

START_TEST(test_status_text)
{
	struct mon_pgstats_summary s = {0};
	struct mon_pgstats_state_count st[] = {
	    {AC, 120},
	    {OSDOP_PGS_ACTIVE | OSDOP_PGS_UNDERSIZED | OSDOP_PGS_DEGRADED, 7},
	};
	s.num_pools = 2;
	s.num_pgs = 128;
	s.states = st;
	s.n_states = 2;
	s.active = 127;
	s.unknown = 1;
	s.num_objects = 27240;
	s.data_bytes = 3221225472ULL + 1;
	s.bytes_used = 3221225472ULL;
	s.bytes_total = 30ULL << 30;
	struct buf b = BUF_INIT;
	mon_pgstats_summary_text(&s, &b);
	ck_assert_str_eq(buf_cstr(&b), "  data:\n"
				       "    pools:   2 pools, 128 pgs\n"
				       "    objects: 27.24k objects, 3.0 GiB\n"
				       "    usage:   3 GiB used, 27 GiB / 30 GiB avail\n"
				       "    pgs:     0.781% pgs unknown\n"
				       "             120 active+clean\n"
				       "             7   active+undersized+degraded\n");
	buf_fini(&b);
	struct mon_pgstats_summary empty = {0};
	b = (struct buf)BUF_INIT;
	mon_pgstats_summary_text(&empty, &b);
	ck_assert(strstr(buf_cstr(&b), "    pools:   0 pools, 0 pgs\n"));
	ck_assert(strstr(buf_cstr(&b), "    usage:   0 B used, 0 B / 0 B avail\n    pgs:     \n"));
	buf_fini(&b);
}
END_TEST

START_TEST(test_formatting)
{
	static const struct {
		uint64_t v;
		const char *bytes, *count;
	} cases[] = {
	    {0, "0 B", "0"},
	    {999, "999 B", "999"},
	    {1000, "1000 B", "1k"},
	    {1023, "1023 B", "1.02k"},
	    {1024, "1 KiB", "1.02k"},
	    {1536, "1.5 KiB", "1.54k"},
	    {27240, "27 KiB", "27.24k"},
	    {(27ULL << 30) + (1ULL << 29), "28 GiB", "29.53G"},
	    {3ULL << 30, "3 GiB", "3.22G"},
	    {(3ULL << 30) + 1, "3.0 GiB", "3.22G"},
	    {(100ULL << 30) + 5, "100 GiB", "107.37G"},
	};
	char a[32], b[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_str_eq(unitfmt_bytes(cases[i].v, a, sizeof(a)), cases[i].bytes);
		ck_assert_str_eq(unitfmt_count(cases[i].v, b, sizeof(b)), cases[i].count);
	}
}
END_TEST

static Suite *pgstats_suite(void)
{
	Suite *s = suite_create("mon_pgstats");
	TCase *tc = tcase_create("views");
	tcase_add_test(tc, test_unknown_then_primaries);
	tcase_add_test(tc, test_stale_down_and_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("commands");
	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_status_text);
	tcase_add_test(tc, test_formatting);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pgstats_suite)
