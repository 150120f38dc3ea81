/*
 * test_osd_peering.c - past intervals, the peering decision and the
 * primary's peering state machine (osd/pg/osd_interval.h, osd_peering.h).
 *
 * Three layers of tests:
 *   - scenarios with known answers for the decision functions;
 *   - the interval builder and prior set; the state machine driven by hand
 *     (Down waiting for an OSD, a new interval mid-peering, GetLog,
 *     WaitUpThru, Incomplete asking for pg_temp);
 *   - a randomized simulation of a replicated PG (see "simulation" below)
 *     checking that every acknowledged write survives every sequence of
 *     crashes, restarts and primary changes.  A failing seed prints how to
 *     replay it: OSD_PEER_SIM_SEED=<seed> (with a trace on stderr).
 *     OSD_PEER_SIM_SEEDS=<n> changes how many seeds run.
 */
#include "osd_peering.h"

#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test/unit/unit.h"

static struct osd_ev ev(uint32_t e, uint64_t v)
{
	return (struct osd_ev){e, v};
}

static struct osd_pg_oid obj(const char *name)
{
	return (struct osd_pg_oid){.hash = (uint32_t)name[0], .nspace = "", .name = name};
}

/* ---- a member built by hand --------------------------------------------------- */

struct tmem {
	int32_t osd;
	struct osd_pg_info info;
	struct osd_pglog log;
	struct osd_missing missing;
};

static void tm_init(struct tmem *m, int32_t osd)
{
	memset(m, 0, sizeof(*m));
	m->osd = osd;
	osd_pglog_init(&m->log);
	osd_missing_init(&m->missing);
}

static void tm_fini(struct tmem *m)
{
	osd_pglog_fini(&m->log);
	osd_missing_fini(&m->missing);
}

static void tm_sync_info(struct tmem *m)
{
	m->info.last_update = m->log.head;
	m->info.log_tail = m->log.tail;
	m->info.last_complete = m->missing.n ? OSD_EV_ZERO : m->log.head;
}

/* Append a write; prior is the newest entry on the object in this log. */
static void tm_write(struct tmem *m, uint32_t e, uint64_t v, const char *name, uint8_t op)
{
	struct osd_pg_oid o = obj(name);
	const struct osd_pglog_entry *last = osd_pglog_latest(&m->log, &o);
	struct osd_pglog_entry en;

	ck_assert_int_eq(osd_pglog_entry_init(&en, op, ev(e, v), last ? last->version : OSD_EV_ZERO,
					      &o, (struct osd_reqid){1, v}),
			 0);
	ck_assert_int_eq(osd_pglog_append(&m->log, &en), 0);
	osd_pglog_entry_fini(&en);
	tm_sync_info(m);
}

/* @dst becomes a copy of @src's log (a replica that got everything). */
static void tm_copy(struct tmem *dst, const struct tmem *src)
{
	ck_assert_int_eq(osd_pglog_copy(&dst->log, &src->log), 0);
	dst->info = src->info;
	tm_sync_info(dst);
}

static struct osd_peer_member tm_member(const struct tmem *m)
{
	return (struct osd_peer_member){
		.osd = m->osd, .info = &m->info, .log = &m->log, .missing = &m->missing};
}

static void decide3(struct tmem *t, size_t n, const int32_t *acting, size_t acting_n,
		    uint32_t min_size, struct osd_peer_result *r)
{
	struct osd_peer_member mem[8];

	for (size_t i = 0; i < n; i++)
		mem[i] = tm_member(&t[i]);
	struct osd_peer_input in = {
		.primary = acting[0],
		.acting = acting,
		.acting_n = acting_n,
		.min_size = min_size,
		.members = mem,
		.n_members = n,
	};
	ck_assert_int_eq(osd_peer_decide(&in, r), 0);
}

static const struct osd_peer_plan *plan_of(const struct osd_peer_result *r, int32_t osd)
{
	for (size_t i = 0; i < r->n_plans; i++)
		if (r->plans[i].osd == osd)
			return &r->plans[i];
	ck_abort_msg("no plan for osd.%d", osd);
	return NULL;
}

static void expect_missing(const struct osd_peer_plan *p, const char *name, struct osd_ev need,
			   struct osd_ev have, uint8_t flags)
{
	struct osd_pg_oid o = obj(name);
	const struct osd_missing_item *it = osd_missing_find(&p->missing, &o);
	char a[OSD_EV_STRLEN], b[OSD_EV_STRLEN];

	ck_assert_msg(it, "osd.%d: %s not missing", p->osd, name);
	ck_assert_msg(osd_ev_eq(it->need, need), "osd.%d %s need %s", p->osd, name,
		      osd_ev_format(it->need, a));
	ck_assert_msg(osd_ev_eq(it->have, have), "osd.%d %s have %s", p->osd, name,
		      osd_ev_format(it->have, b));
	ck_assert_uint_eq(it->flags, flags);
}

/* A common history: 10 writes at epoch 2 over objects a..d. */
static void base_history(struct tmem *m)
{
	static const char *names[] = {"a", "b", "c", "d"};

	for (uint64_t v = 1; v <= 10; v++)
		tm_write(m, 2, v, names[v % 4], OSD_PGLOG_MODIFY);
	m->info.last_epoch_started = 2;
}

/* ---- decision scenarios ------------------------------------------------------- */

START_TEST(test_all_in_sync)
{
	struct tmem t[3];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1, 2};

	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_ACTIVE);
	ck_assert_int_eq(r.auth_osd, 0); /* tie: the primary */
	ck_assert_uint_eq(r.ready, 3);
	ck_assert_uint_eq(r.unfound.n, 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(r.plans[i].kind, OSD_PEER_PLAN_NONE);
		ck_assert_uint_eq(r.plans[i].missing.n, 0);
		ck_assert_uint_eq(osd_pglog_count(&r.plans[i].divergent), 0);
		ck_assert(r.plans[i].complete);
	}
	/* in sync members need no log at all */
	ck_assert(!osd_peer_need_log(&t[0].info, &t[1].info));
	osd_peer_result_fini(&r);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
}
END_TEST

START_TEST(test_replica_behind)
{
	struct tmem t[3];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1, 2};

	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	/* osd.2 was away for the next four writes */
	tm_write(&t[0], 3, 11, "a", OSD_PGLOG_MODIFY); /* a was 2'8 */
	tm_write(&t[0], 3, 12, "e", OSD_PGLOG_MODIFY); /* new object */
	tm_write(&t[0], 3, 13, "a", OSD_PGLOG_MODIFY);
	tm_write(&t[0], 3, 14, "b", OSD_PGLOG_DELETE); /* b was 2'9 */
	tm_copy(&t[1], &t[0]);
	t[0].info.last_epoch_started = t[1].info.last_epoch_started = 3;
	ck_assert(osd_peer_need_log(&t[0].info, &t[2].info));

	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_ACTIVE);
	ck_assert_uint_eq(r.ready, 3);
	const struct osd_peer_plan *p = plan_of(&r, 2);
	ck_assert_int_eq(p->kind, OSD_PEER_PLAN_LOG);
	ck_assert(osd_ev_eq(p->common, ev(2, 10)));
	ck_assert_uint_eq(osd_pglog_count(&p->divergent), 0);
	ck_assert_uint_eq(p->missing.n, 3); /* exactly a, e, b */
	expect_missing(p, "a", ev(3, 13), ev(2, 8), 0);
	expect_missing(p, "e", ev(3, 12), OSD_EV_ZERO, 0);
	expect_missing(p, "b", ev(3, 14), ev(2, 9), OSD_MISSING_DELETE);
	ck_assert_int_eq(plan_of(&r, 1)->kind, OSD_PEER_PLAN_NONE);
	/* the behind replica cannot serve a, but the others can */
	int32_t src[4];
	struct osd_pg_oid a = obj("a");
	ck_assert_uint_eq(osd_peer_sources(&r, &a, src, 4), 2);
	ck_assert_int_eq(src[0], 0);
	ck_assert_int_eq(src[1], 1);
	struct osd_pg_oid c = obj("c");
	ck_assert_uint_eq(osd_peer_sources(&r, &c, src, 4), 3);
	osd_peer_result_fini(&r);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
}
END_TEST

START_TEST(test_divergent_rolled_back)
{
	/*
	 * Interval starting at 4: primary osd.2 wrote 4'11..4'13, only it
	 * logged them (never acknowledged) and it died.  Interval starting
	 * at 6: osd.0 and osd.1 peered (les 6) and wrote 6'11, 6'12.  osd.2
	 * returns with les 4 and the longer-looking log.
	 */
	struct tmem t[3];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1, 2};

	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]); /* a=2'8 b=2'9 c=2'10 d=2'7 */
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	t[0].info.last_epoch_started = t[1].info.last_epoch_started = 4;
	t[2].info.last_epoch_started = 4;
	tm_write(&t[2], 4, 11, "a", OSD_PGLOG_MODIFY);	/* back to 2'8 */
	tm_write(&t[2], 4, 12, "x", OSD_PGLOG_MODIFY);	/* did not exist */
	tm_write(&t[2], 4, 13, "c", OSD_PGLOG_DELETE);	/* also rewritten below */
	tm_write(&t[0], 6, 11, "c", OSD_PGLOG_MODIFY);
	tm_write(&t[0], 6, 12, "d", OSD_PGLOG_MODIFY);
	tm_copy(&t[1], &t[0]);
	t[0].info.last_epoch_started = t[1].info.last_epoch_started = 6;

	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(r.auth_osd, 0);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_ACTIVE);
	const struct osd_peer_plan *p = plan_of(&r, 2);
	ck_assert_int_eq(p->kind, OSD_PEER_PLAN_LOG);
	ck_assert(osd_ev_eq(p->common, ev(2, 10)));
	ck_assert_uint_eq(osd_pglog_count(&p->divergent), 3);
	ck_assert(osd_ev_eq(osd_pglog_at(&p->divergent, 0)->version, ev(4, 11)));
	ck_assert(osd_ev_eq(p->divergent.head, ev(4, 13)));
	ck_assert_uint_eq(p->missing.n, 4);
	expect_missing(p, "a", ev(2, 8), OSD_EV_ZERO, 0);		/* local copy divergent */
	expect_missing(p, "x", OSD_EV_ZERO, OSD_EV_ZERO, OSD_MISSING_DELETE);
	expect_missing(p, "c", ev(6, 11), OSD_EV_ZERO, 0);		/* authoritative rewrite */
	expect_missing(p, "d", ev(6, 12), ev(2, 7), 0);
	osd_peer_result_fini(&r);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
}
END_TEST

START_TEST(test_les_beats_longer_log)
{
	/*
	 * osd.2 (les 6) wrote 6'11 that only it logged; then interval 8
	 * activated osd.0 and osd.1 (les 8) with history up to 6'10 and no
	 * writes since.  osd.2's last_update is higher, but its 6'11 cannot
	 * have been acknowledged: the authority is the les-8 history.
	 */
	struct tmem t[3];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1, 2};

	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	tm_write(&t[2], 6, 11, "a", OSD_PGLOG_MODIFY);
	t[2].info.last_epoch_started = 6;
	t[0].info.last_epoch_started = t[1].info.last_epoch_started = 8;

	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(r.auth_osd, 0);
	ck_assert(osd_ev_eq(r.auth_info.last_update, ev(2, 10)));
	const struct osd_peer_plan *p = plan_of(&r, 2);
	ck_assert_int_eq(p->kind, OSD_PEER_PLAN_LOG);
	ck_assert_uint_eq(osd_pglog_count(&p->divergent), 1);
	expect_missing(p, "a", ev(2, 8), OSD_EV_ZERO, 0);
	osd_peer_result_fini(&r);

	/* Same les: the longer log wins and the others fetch from it. */
	t[2].info.last_epoch_started = 8;
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(r.auth_osd, 2);
	expect_missing(plan_of(&r, 0), "a", ev(6, 11), ev(2, 8), 0);
	expect_missing(plan_of(&r, 1), "a", ev(6, 11), ev(2, 8), 0);
	ck_assert_int_eq(plan_of(&r, 2)->kind, OSD_PEER_PLAN_NONE);
	osd_peer_result_fini(&r);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
}
END_TEST

START_TEST(test_backfill)
{
	struct tmem t[3];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1, 2};

	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	/* osd.2 stopped at 2'3, and the log was trimmed past that since */
	ck_assert_int_eq(osd_pglog_copy(&t[2].log, &t[0].log), 0);
	ck_assert_int_eq(osd_pglog_rollback(&t[2].log, ev(2, 3)), 0);
	tm_sync_info(&t[2]);
	t[2].info.last_epoch_started = 2;
	osd_pglog_trim(&t[0].log, ev(2, 5));
	osd_pglog_trim(&t[1].log, ev(2, 5));
	tm_sync_info(&t[0]);
	tm_sync_info(&t[1]);
	ck_assert(!osd_peer_need_log(&t[0].info, &t[2].info));

	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_ACTIVE);
	ck_assert_uint_eq(r.ready, 2);
	ck_assert_int_eq(plan_of(&r, 2)->kind, OSD_PEER_PLAN_BACKFILL);
	ck_assert(!plan_of(&r, 2)->complete);
	osd_peer_result_fini(&r);

	/* Exactly at the tail is still log recovery. */
	ck_assert_int_eq(osd_pglog_rollback(&t[2].log, ev(2, 3)), 0);
	tm_write(&t[2], 2, 4, "a", OSD_PGLOG_MODIFY);
	tm_write(&t[2], 2, 5, "b", OSD_PGLOG_MODIFY);
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(plan_of(&r, 2)->kind, OSD_PEER_PLAN_LOG);
	ck_assert(osd_ev_eq(plan_of(&r, 2)->common, ev(2, 5)));
	osd_peer_result_fini(&r);

	/* A fork older than the tail cannot be placed: backfill.  Here osd.2
	 * followed an epoch-1 primary (1'4 never made the history) and then
	 * an epoch-3 one; its head is past the tail, its fork is not. */
	osd_pglog_reset(&t[2].log, OSD_EV_ZERO);
	tm_write(&t[2], 1, 1, "b", OSD_PGLOG_MODIFY);
	tm_write(&t[2], 1, 4, "a", OSD_PGLOG_MODIFY);
	tm_write(&t[2], 3, 5, "a", OSD_PGLOG_MODIFY);
	t[2].info.last_epoch_started = 3;
	t[0].info.last_epoch_started = t[1].info.last_epoch_started = 4;
	ck_assert(osd_peer_need_log(&t[0].info, &t[2].info));
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(plan_of(&r, 2)->kind, OSD_PEER_PLAN_BACKFILL);
	osd_peer_result_fini(&r);

	/* A member flagged as mid-backfill is backfilled again. */
	tm_copy(&t[2], &t[0]);
	t[2].info.needs_backfill = true;
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(plan_of(&r, 2)->kind, OSD_PEER_PLAN_BACKFILL);
	ck_assert_int_eq(r.auth_osd, 0); /* complete copies preferred */
	osd_peer_result_fini(&r);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
}
END_TEST

START_TEST(test_undersized_and_incomplete)
{
	struct tmem t[3];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1, 2};

	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	osd_pglog_trim(&t[0].log, ev(2, 6));
	tm_sync_info(&t[0]);
	/* osd.1 and osd.2 are new: empty logs, far behind the tail */
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_PEERED);
	ck_assert_int_eq(r.reason, OSD_PEER_WHY_UNDERSIZED);
	ck_assert_uint_eq(r.ready, 1);
	osd_peer_result_fini(&r);
	/* min_size 1 makes it active */
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 3, 1, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_ACTIVE);
	osd_peer_result_fini(&r);

	/* The primary is the empty one: it asks for osd.0 to lead. */
	const int32_t acting2[] = {1, 0, 2};
	osd_peer_result_init(&r);
	decide3(t, 3, acting2, 3, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_INCOMPLETE);
	ck_assert_int_eq(r.reason, OSD_PEER_WHY_PRIMARY_BACKFILL);
	ck_assert_uint_eq(r.want_n, 3);
	ck_assert_int_eq(r.want_acting[0], 0);
	ck_assert_int_eq(r.want_acting[1], 1);
	ck_assert_int_eq(r.want_acting[2], 2);
	osd_peer_result_fini(&r);

	/* Nobody complete: nothing to lead with. */
	t[0].info.needs_backfill = true;
	osd_peer_result_init(&r);
	decide3(t, 3, acting2, 3, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_INCOMPLETE);
	ck_assert_int_eq(r.reason, OSD_PEER_WHY_NO_COMPLETE_COPY);
	ck_assert_uint_eq(r.want_n, 0);
	osd_peer_result_fini(&r);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
}
END_TEST

START_TEST(test_missing_carried_and_unfound)
{
	struct tmem t[3];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1};

	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	/* osd.0 (auth) never got object c's 2'10 data; osd.1 neither */
	struct osd_pg_oid c = obj("c");
	ck_assert_int_eq(osd_missing_add(&t[0].missing, &c, ev(2, 10), ev(2, 6), 0), 0);
	ck_assert_int_eq(osd_missing_add(&t[1].missing, &c, ev(2, 10), ev(2, 6), 0), 0);
	tm_sync_info(&t[0]);
	tm_sync_info(&t[1]);
	ck_assert(osd_peer_need_log(&t[0].info, &t[1].info));

	/* with osd.2 (a stray) probed, it is the source */
	osd_peer_result_init(&r);
	decide3(t, 3, acting, 2, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_ACTIVE);
	expect_missing(plan_of(&r, 0), "c", ev(2, 10), ev(2, 6), 0);
	expect_missing(plan_of(&r, 1), "c", ev(2, 10), ev(2, 6), 0);
	ck_assert_int_eq(plan_of(&r, 0)->kind, OSD_PEER_PLAN_LOG);
	ck_assert(!plan_of(&r, 2)->acting);
	int32_t src[2];
	ck_assert_uint_eq(osd_peer_sources(&r, &c, src, 2), 1);
	ck_assert_int_eq(src[0], 2);
	ck_assert_uint_eq(r.unfound.n, 0);
	osd_peer_result_fini(&r);

	/* without it: unfound, still active */
	osd_peer_result_init(&r);
	decide3(t, 2, acting, 2, 2, &r);
	ck_assert_int_eq(r.outcome, OSD_PEER_OUT_ACTIVE);
	ck_assert_uint_eq(r.unfound.n, 1);
	ck_assert_str_eq(r.unfound.items[0].oid.name, "c");
	osd_peer_result_fini(&r);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
}
END_TEST

START_TEST(test_choose_auth_ties)
{
	struct osd_pg_info in[4];
	struct osd_peer_member m[4];

	memset(in, 0, sizeof(in));
	for (int i = 0; i < 4; i++) {
		in[i].last_epoch_started = 5;
		in[i].last_update = ev(5, 20);
		in[i].log_tail = ev(4, 10);
		m[i] = (struct osd_peer_member){.osd = 10 + i, .info = &in[i]};
	}
	ck_assert_int_eq(osd_peer_choose_auth(m, 0, 10), -ENOENT);
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 12), 2); /* the primary */
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 99), 0); /* lowest id */
	in[3].log_tail = ev(4, 2);
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 99), 3); /* longest log */
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 12), 2); /* primary first */
	in[2].needs_backfill = true;
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 12), 3); /* complete first */
	in[1].last_update = ev(5, 21);
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 12), 1); /* newest */
	/* a backfill target's longer log loses to a complete copy of the
	 * same les: its extra entries were never acknowledged */
	in[2].last_update = ev(5, 30);
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 12), 1);
	in[1].needs_backfill = in[3].needs_backfill = true;
	in[0].needs_backfill = true;
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 12), 2); /* all incomplete: newest */
	in[0].needs_backfill = in[1].needs_backfill = in[3].needs_backfill = false;
	in[2].needs_backfill = false;
	in[2].last_update = ev(5, 20);
	in[0].last_epoch_started = 6;
	in[0].last_update = ev(5, 1);
	ck_assert_int_eq(osd_peer_choose_auth(m, 4, 12), 0); /* les first of all */
}
END_TEST

START_TEST(test_decide_bad_input)
{
	struct tmem t[2];
	struct osd_peer_result r;
	const int32_t acting[] = {0, 1};
	struct osd_peer_member mem[2];

	tm_init(&t[0], 0);
	tm_init(&t[1], 1);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_write(&t[1], 2, 11, "a", OSD_PGLOG_MODIFY);
	mem[0] = tm_member(&t[0]);
	mem[1] = tm_member(&t[1]);
	mem[1].log = NULL; /* the authority's log is required */
	struct osd_peer_input in = {
		.primary = 0, .acting = acting, .acting_n = 2, .min_size = 2,
		.members = mem, .n_members = 2};
	osd_peer_result_init(&r);
	ck_assert_int_eq(osd_peer_decide(&in, &r), -EINVAL);
	in.primary = 7; /* the primary must be a member */
	mem[1].log = &t[1].log;
	ck_assert_int_eq(osd_peer_decide(&in, &r), -EINVAL);
	osd_peer_result_fini(&r);
	tm_fini(&t[0]);
	tm_fini(&t[1]);
}
END_TEST

/* ---- past intervals ------------------------------------------------------------ */

static struct osd_interval_epoch iep(uint32_t epoch, const int32_t *acting, uint32_t n,
				     uint32_t min_size)
{
	struct osd_interval_epoch e;

	memset(&e, 0, sizeof(e));
	e.epoch = epoch;
	memcpy(e.up, acting, n * sizeof(*acting));
	memcpy(e.acting, acting, n * sizeof(*acting));
	e.up_n = e.acting_n = n;
	e.up_primary = e.primary = n ? acting[0] : -1;
	e.size = 3;
	e.min_size = min_size;
	e.primary_up_thru = OSD_UP_THRU_UNKNOWN;
	return e;
}

START_TEST(test_intervals_build)
{
	const int32_t a[] = {0, 1, 2}, b[] = {0, 2}, c[] = {3}, d[] = {2, 0};
	struct osd_interval_epoch e[] = {
		iep(5, a, 3, 2), iep(6, a, 3, 2), iep(7, b, 2, 2), iep(9, c, 1, 2),
		iep(10, d, 2, 2), iep(11, d, 2, 2),
	};
	struct osd_intervals pi;

	osd_intervals_init(&pi);
	ck_assert_int_eq(osd_intervals_build(e, 6, &pi), 0);
	ck_assert_uint_eq(pi.n, 4);
	ck_assert_uint_eq(pi.v[0].first, 5);
	ck_assert_uint_eq(pi.v[0].last, 6);
	ck_assert_uint_eq(pi.v[1].first, 7);
	ck_assert_uint_eq(pi.v[1].last, 8); /* ran until the next change */
	ck_assert_uint_eq(pi.v[2].first, 9);
	ck_assert(pi.v[0].maybe_went_rw);
	ck_assert(pi.v[1].maybe_went_rw);
	ck_assert(!pi.v[2].maybe_went_rw); /* one OSD < min_size */
	/* same members, other order: new primary, new interval */
	ck_assert_uint_eq(pi.v[3].first, 10);
	ck_assert_uint_eq(pi.v[3].last, 11);
	ck_assert_uint_eq(osd_intervals_current(&pi)->primary, 2);

	/* epochs must increase */
	ck_assert_int_eq(osd_intervals_add(&pi, &e[0]), -EINVAL);
	struct osd_interval_epoch same = iep(12, d, 2, 2), other = iep(13, a, 3, 2);
	ck_assert_int_eq(osd_intervals_add(&pi, &same), 0);
	ck_assert_int_eq(osd_intervals_add(&pi, &other), 1);
	other.epoch = 14;
	other.min_size = 3; /* a pool change is an interval change */
	ck_assert_int_eq(osd_intervals_add(&pi, &other), 1);

	osd_intervals_trim(&pi, 9);
	ck_assert_uint_eq(pi.v[0].first, 9);
	osd_intervals_trim(&pi, 1000); /* the current interval stays */
	ck_assert_uint_eq(pi.n, 1);
	ck_assert_uint_eq(pi.v[0].first, 14);
	osd_intervals_fini(&pi);
}
END_TEST

START_TEST(test_intervals_up_thru)
{
	const int32_t a[] = {0, 1, 2}, b[] = {1, 2};
	struct osd_intervals pi;
	struct osd_interval_epoch e;

	osd_intervals_init(&pi);
	e = iep(5, a, 3, 2);
	e.primary_up_thru = 3; /* recorded for an older interval */
	ck_assert_int_eq(osd_intervals_add(&pi, &e), 1);
	ck_assert(!pi.v[0].maybe_went_rw);
	e.epoch = 6;
	e.primary_up_thru = 6; /* the monitors recorded it: may go active now */
	ck_assert_int_eq(osd_intervals_add(&pi, &e), 0);
	ck_assert(pi.v[0].maybe_went_rw);
	e = iep(7, b, 2, 2);
	e.primary_up_thru = 4;
	ck_assert_int_eq(osd_intervals_add(&pi, &e), 1);
	ck_assert(!pi.v[1].maybe_went_rw);
	osd_intervals_fini(&pi);
}
END_TEST

START_TEST(test_prior_set)
{
	const int32_t a[] = {0, 1, 2}, b[] = {1, 2}, c[] = {3, 4}, cur[] = {0, 5, 6};
	struct osd_interval_epoch e[] = {
		iep(5, a, 3, 2), iep(8, b, 2, 2), iep(10, c, 2, 2), iep(12, cur, 3, 2),
	};
	struct osd_intervals pi;
	struct osd_prior_set ps;
	struct osd_idset all;

	osd_intervals_init(&pi);
	osd_prior_set_init(&ps);
	osd_idset_init(&all);
	ck_assert_int_eq(osd_intervals_build(e, 4, &pi), 0);

	/* everyone up: probe the current set and every rw interval */
	const int32_t up_all[] = {0, 1, 2, 3, 4, 5, 6};
	ck_assert_int_eq(osd_intervals_prior_set(&pi, 0, up_all, 7, &ps), 0);
	ck_assert(!ps.pg_down);
	ck_assert_uint_eq(ps.probe.n, 7);

	/* 3 and 4 down: interval 10-11 may have written and only they know */
	const int32_t up1[] = {0, 1, 2, 5, 6};
	ck_assert_int_eq(osd_intervals_prior_set(&pi, 0, up1, 5, &ps), 0);
	ck_assert(ps.pg_down);
	ck_assert_uint_eq(ps.blocked.n, 2);
	ck_assert(osd_idset_has(&ps.blocked, 3) && osd_idset_has(&ps.blocked, 4));
	ck_assert(!osd_idset_has(&ps.probe, 3));
	/* one of them back is enough */
	const int32_t up2[] = {0, 1, 2, 4, 5, 6};
	ck_assert_int_eq(osd_intervals_prior_set(&pi, 0, up2, 6, &ps), 0);
	ck_assert(!ps.pg_down);
	ck_assert(osd_idset_has(&ps.probe, 4));
	ck_assert_uint_eq(ps.blocked.n, 0);

	/* a known les of 12 makes interval 10-11 irrelevant */
	ck_assert_int_eq(osd_intervals_prior_set(&pi, 12, up1, 5, &ps), 0);
	ck_assert(!ps.pg_down);
	ck_assert_uint_eq(ps.probe.n, 3);
	/* les 10: intervals ending before 10 are skipped, 10-11 still counts */
	ck_assert_int_eq(osd_intervals_prior_set(&pi, 10, up1, 5, &ps), 0);
	ck_assert(ps.pg_down);

	/* every past member that is up, rw or not */
	ck_assert_int_eq(osd_intervals_all_up_members(&pi, up1, 5, &all), 0);
	ck_assert_uint_eq(all.n, 5);
	osd_idset_fini(&all);
	osd_prior_set_fini(&ps);
	osd_intervals_fini(&pi);
}
END_TEST

START_TEST(test_idset)
{
	struct osd_idset s, c;

	osd_idset_init(&s);
	osd_idset_init(&c);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(osd_idset_add(&s, (i * 17) % 40), 1);
	ck_assert_int_eq(osd_idset_add(&s, 5), 0);
	ck_assert_uint_eq(s.n, 40);
	for (size_t i = 0; i < s.n; i++)
		ck_assert_int_eq(s.v[i], (int32_t)i);
	ck_assert(!osd_idset_has(&s, 40));
	ck_assert_int_eq(osd_idset_copy(&c, &s), 0);
	ck_assert_uint_eq(c.n, 40);
	osd_idset_fini(&s);
	osd_idset_fini(&c);
}
END_TEST

/* ---- the state machine by hand ------------------------------------------------- */

struct hm {
	struct osd_intervals pi;
	struct osd_interval_epoch last;
	int32_t up[16];
	size_t n_up;
	uint32_t up_thru;
	struct osd_peer_out out;
};

static void hm_init(struct hm *h)
{
	memset(h, 0, sizeof(*h));
	osd_intervals_init(&h->pi);
	osd_peer_out_init(&h->out);
	h->up_thru = OSD_UP_THRU_UNKNOWN;
}

static void hm_fini(struct hm *h)
{
	osd_intervals_fini(&h->pi);
	osd_peer_out_fini(&h->out);
}

static void hm_epoch(struct hm *h, uint32_t epoch, const int32_t *acting, uint32_t n)
{
	h->last = iep(epoch, acting, n, 2);
	ck_assert_int_ge(osd_intervals_add(&h->pi, &h->last), 0);
}

static void hm_up(struct hm *h, const int32_t *up, size_t n)
{
	memcpy(h->up, up, n * sizeof(*up));
	h->n_up = n;
}

static int hm_advance(struct hm *h, struct osd_peer *pm, const struct tmem *self)
{
	struct osd_peer_map map = {
		.epoch = h->last.epoch,
		.intervals = &h->pi,
		.up_osds = h->up,
		.n_up = h->n_up,
		.up_thru = h->up_thru,
	};
	struct osd_peer_member me = tm_member(self);

	osd_peer_out_clear(&h->out);
	return osd_peer_advance_map(pm, &map, &me, &h->out);
}

static bool has_act(const struct hm *h, int type, int32_t osd)
{
	for (size_t i = 0; i < h->out.n; i++)
		if (h->out.acts[i].type == type && (osd < 0 || h->out.acts[i].osd == osd))
			return true;
	return false;
}

static void reply_info(struct hm *h, struct osd_peer *pm, const struct tmem *m, uint32_t epoch)
{
	osd_peer_out_clear(&h->out);
	ck_assert_int_eq(osd_peer_recv_info(pm, m->osd, epoch, &m->info, &h->out), 0);
}

static void reply_log(struct hm *h, struct osd_peer *pm, const struct tmem *m, uint32_t epoch)
{
	osd_peer_out_clear(&h->out);
	ck_assert_int_eq(
		osd_peer_recv_log(pm, m->osd, epoch, &m->info, &m->log, &m->missing, &h->out), 0);
}

START_TEST(test_sm_simple_active)
{
	struct hm h;
	struct tmem t[3];
	struct osd_peer_cfg cfg = {.whoami = 0, .pgid = {1, 0}};
	struct osd_peer *pm = osd_peer_create(&cfg);
	const int32_t acting[] = {0, 1, 2};

	hm_init(&h);
	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	tm_write(&t[0], 2, 11, "a", OSD_PGLOG_MODIFY); /* osd.2 is behind */
	tm_copy(&t[1], &t[0]);
	hm_epoch(&h, 20, acting, 3);
	hm_up(&h, acting, 3);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_INITIAL);
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);
	ck_assert_uint_eq(osd_peer_interval(pm), 20);
	ck_assert(has_act(&h, OSD_PEER_ACT_QUERY, 1));
	ck_assert(has_act(&h, OSD_PEER_ACT_QUERY, 2));
	ck_assert(!has_act(&h, OSD_PEER_ACT_QUERY, 0));
	ck_assert_ptr_null(osd_peer_result(pm));

	reply_info(&h, pm, &t[1], 20);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);
	reply_info(&h, pm, &t[1], 20); /* duplicate: ignored */
	reply_info(&h, pm, &t[2], 20);
	/* own log is authoritative; osd.2 is behind: fetch its log */
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_MISSING);
	ck_assert(has_act(&h, OSD_PEER_ACT_GET_LOG, 2));
	ck_assert(!has_act(&h, OSD_PEER_ACT_GET_LOG, 1));
	reply_log(&h, pm, &t[2], 20);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_ACTIVE);
	ck_assert(has_act(&h, OSD_PEER_ACT_ACTIVATE, 1));
	ck_assert(has_act(&h, OSD_PEER_ACT_ACTIVATE, 2));
	ck_assert(has_act(&h, OSD_PEER_ACT_RECOVER, -1));
	const struct osd_peer_result *r = osd_peer_result(pm);
	ck_assert_ptr_nonnull(r);
	expect_missing(plan_of(r, 2), "a", ev(2, 11), ev(2, 8), 0);
	ck_assert(osd_ev_eq(osd_peer_auth_log(pm)->head, ev(2, 11)));

	struct buf b = BUF_INIT;
	ck_assert_int_eq(osd_peer_describe(pm, &b), 0);
	ck_assert_str_eq(buf_cstr(&b), "active");
	buf_fini(&b);

	osd_peer_destroy(pm);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
	hm_fini(&h);
}
END_TEST

START_TEST(test_sm_get_log_from_replica)
{
	struct hm h;
	struct tmem t[3];
	struct osd_peer_cfg cfg = {.whoami = 0, .pgid = {1, 0}};
	struct osd_peer *pm = osd_peer_create(&cfg);
	const int32_t acting[] = {0, 1, 2};

	hm_init(&h);
	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	tm_write(&t[1], 2, 11, "b", OSD_PGLOG_MODIFY); /* osd.1 has more */
	hm_epoch(&h, 30, acting, 3);
	hm_up(&h, acting, 3);
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	reply_info(&h, pm, &t[1], 30);
	reply_info(&h, pm, &t[2], 30);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_LOG);
	ck_assert(has_act(&h, OSD_PEER_ACT_GET_LOG, 1));
	/* a log from someone else meanwhile is not what we wait for */
	reply_log(&h, pm, &t[2], 30);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_LOG);
	reply_log(&h, pm, &t[1], 30);
	/* now osd.2 is behind the authority too: its log is needed */
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_MISSING);
	ck_assert(has_act(&h, OSD_PEER_ACT_GET_LOG, 2));
	reply_log(&h, pm, &t[2], 30);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_ACTIVE);
	const struct osd_peer_result *r = osd_peer_result(pm);
	ck_assert_int_eq(r->auth_osd, 1);
	expect_missing(plan_of(r, 0), "b", ev(2, 11), ev(2, 9), 0);
	expect_missing(plan_of(r, 2), "b", ev(2, 11), ev(2, 9), 0);
	osd_peer_destroy(pm);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
	hm_fini(&h);
}
END_TEST

START_TEST(test_sm_down_waits_for_holder)
{
	/*
	 * Interval 10-19: acting [3, 4] wrote (newest history), then both went
	 * down.  Interval 20: [0, 1, 2] from an older history.  Peering must
	 * stay Down waiting for osd.3 or osd.4, and proceed once one is up.
	 */
	struct hm h;
	struct tmem t[5];
	struct osd_peer_cfg cfg = {.whoami = 0, .pgid = {1, 0}};
	struct osd_peer *pm = osd_peer_create(&cfg);
	const int32_t old[] = {0, 1, 2}, mid[] = {3, 4}, cur[] = {0, 1, 2};

	hm_init(&h);
	for (int i = 0; i < 5; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	for (int i = 1; i < 5; i++)
		tm_copy(&t[i], &t[0]);
	t[3].info.last_epoch_started = t[4].info.last_epoch_started = 10;
	tm_write(&t[3], 10, 11, "a", OSD_PGLOG_MODIFY);
	tm_copy(&t[4], &t[3]);
	hm_epoch(&h, 5, old, 3);
	hm_epoch(&h, 10, mid, 2);
	hm_epoch(&h, 20, cur, 3);
	hm_up(&h, cur, 3);
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	reply_info(&h, pm, &t[1], 20);
	reply_info(&h, pm, &t[2], 20);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_DOWN);
	const struct osd_idset *b = osd_peer_blocked_by(pm);
	ck_assert_uint_eq(b->n, 2);
	ck_assert(osd_idset_has(b, 3) && osd_idset_has(b, 4));
	struct buf d = BUF_INIT;
	ck_assert_int_eq(osd_peer_describe(pm, &d), 0);
	ck_assert_str_eq(buf_cstr(&d), "down (waiting for osd.3, osd.4)");
	buf_fini(&d);

	/* osd.4 boots: a new map epoch, same interval for this PG */
	const int32_t up[] = {0, 1, 2, 4};
	h.last.epoch = 21;
	ck_assert_int_eq(osd_intervals_add(&h.pi, &h.last), 0);
	hm_up(&h, up, 4);
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);
	ck_assert(has_act(&h, OSD_PEER_ACT_QUERY, 4));
	reply_info(&h, pm, &t[1], 20);
	reply_info(&h, pm, &t[2], 20);
	reply_info(&h, pm, &t[4], 20);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_LOG);
	reply_log(&h, pm, &t[4], 20);
	/* everyone in the acting set is behind the authority */
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_MISSING);
	reply_log(&h, pm, &t[1], 20);
	reply_log(&h, pm, &t[2], 20);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_ACTIVE);
	ck_assert_int_eq(osd_peer_result(pm)->auth_osd, 4);
	expect_missing(plan_of(osd_peer_result(pm), 0), "a", ev(10, 11), ev(2, 8), 0);
	osd_peer_destroy(pm);
	for (int i = 0; i < 5; i++)
		tm_fini(&t[i]);
	hm_fini(&h);
}
END_TEST

START_TEST(test_sm_new_interval_restarts)
{
	struct hm h;
	struct tmem t[4];
	struct osd_peer_cfg cfg = {.whoami = 0, .pgid = {1, 0}};
	struct osd_peer *pm = osd_peer_create(&cfg);
	const int32_t a[] = {0, 1, 2}, b[] = {0, 1, 3};

	hm_init(&h);
	for (int i = 0; i < 4; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	for (int i = 1; i < 4; i++)
		tm_copy(&t[i], &t[0]);
	hm_epoch(&h, 40, a, 3);
	hm_up(&h, (const int32_t[]){0, 1, 2, 3}, 4);
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	reply_info(&h, pm, &t[1], 40);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);

	/* osd.2 replaced by osd.3: a new interval in the middle of peering */
	hm_epoch(&h, 41, b, 3);
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	ck_assert_uint_eq(osd_peer_interval(pm), 41);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);
	ck_assert(has_act(&h, OSD_PEER_ACT_QUERY, 1)); /* asked again */
	ck_assert(has_act(&h, OSD_PEER_ACT_QUERY, 3));
	/* replies to the old round are stale */
	reply_info(&h, pm, &t[2], 40);
	reply_info(&h, pm, &t[1], 40);
	reply_info(&h, pm, &t[3], 41);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);
	reply_info(&h, pm, &t[1], 41);
	/* osd.2 was in the previous interval, which may have written */
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);
	reply_info(&h, pm, &t[2], 41);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_ACTIVE);

	/* a map where someone else is primary makes this OSD a replica */
	hm_epoch(&h, 42, (const int32_t[]){1, 0, 3}, 3);
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_REPLICA);
	ck_assert_ptr_null(osd_peer_result(pm));
	/* replies now are for nobody */
	reply_info(&h, pm, &t[1], 42);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_REPLICA);
	/* an older map is refused */
	h.last.epoch = 30;
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), -EINVAL);
	osd_peer_destroy(pm);
	for (int i = 0; i < 4; i++)
		tm_fini(&t[i]);
	hm_fini(&h);
}
END_TEST

START_TEST(test_sm_peer_down_and_up_thru)
{
	struct hm h;
	struct tmem t[3];
	struct osd_peer_cfg cfg = {.whoami = 0, .pgid = {1, 0}, .need_up_thru = true};
	struct osd_peer *pm = osd_peer_create(&cfg);
	const int32_t a[] = {0, 1, 2};

	hm_init(&h);
	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	tm_copy(&t[1], &t[0]);
	tm_copy(&t[2], &t[0]);
	hm_epoch(&h, 50, a, 3);
	hm_up(&h, a, 3);
	h.up_thru = 40;
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	reply_info(&h, pm, &t[1], 50);
	/* osd.2 refuses connections before the map says it is down: the
	 * round restarts without it (and it is not waited for) */
	osd_peer_out_clear(&h.out);
	ck_assert_int_eq(osd_peer_note_down(pm, 2, &h.out), 0);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_INFO);
	ck_assert(has_act(&h, OSD_PEER_ACT_QUERY, 1));
	ck_assert(!has_act(&h, OSD_PEER_ACT_QUERY, 2));
	reply_info(&h, pm, &t[1], 50);
	/* history settled, but the monitors have not recorded up_thru */
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_WAIT_UP_THRU);
	ck_assert(has_act(&h, OSD_PEER_ACT_UP_THRU, -1));
	ck_assert_ptr_nonnull(osd_peer_result(pm));
	/* a map recording it: activate */
	h.last.epoch = 51;
	ck_assert_int_eq(osd_intervals_add(&h.pi, &h.last), 0);
	h.up_thru = 51;
	ck_assert_int_eq(hm_advance(&h, pm, &t[0]), 0);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_ACTIVE);
	osd_peer_destroy(pm);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
	hm_fini(&h);
}
END_TEST

START_TEST(test_sm_incomplete_wants_pg_temp)
{
	struct hm h;
	struct tmem t[3];
	struct osd_peer_cfg cfg = {.whoami = 1, .pgid = {1, 0}};
	struct osd_peer *pm = osd_peer_create(&cfg);
	const int32_t a[] = {1, 0, 2};

	hm_init(&h);
	for (int i = 0; i < 3; i++)
		tm_init(&t[i], i);
	base_history(&t[0]);
	osd_pglog_trim(&t[0].log, ev(2, 5));
	tm_sync_info(&t[0]);
	tm_copy(&t[2], &t[0]);
	hm_epoch(&h, 60, a, 3);
	hm_up(&h, a, 3);
	ck_assert_int_eq(hm_advance(&h, pm, &t[1]), 0);
	reply_info(&h, pm, &t[0], 60);
	reply_info(&h, pm, &t[2], 60);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_GET_LOG);
	reply_log(&h, pm, &t[0], 60);
	ck_assert_int_eq(osd_peer_state(pm), OSD_PEER_INCOMPLETE);
	ck_assert(has_act(&h, OSD_PEER_ACT_PG_TEMP, -1));
	const struct osd_peer_result *r = osd_peer_result(pm);
	ck_assert_int_eq(r->want_acting[0], 0);
	struct buf d = BUF_INIT;
	ck_assert_int_eq(osd_peer_describe(pm, &d), 0);
	ck_assert_str_eq(buf_cstr(&d), "incomplete (primary needs backfill, want pg_temp)");
	buf_fini(&d);
	osd_peer_destroy(pm);
	for (int i = 0; i < 3; i++)
		tm_fini(&t[i]);
	hm_fini(&h);
}
END_TEST

START_TEST(test_sm_names)
{
	for (int s = 0; s < OSD_PEER__COUNT; s++)
		ck_assert_str_ne(osd_peer_state_name(s), "?");
	for (int a = 0; a < OSD_PEER_ACT__COUNT; a++)
		ck_assert_str_ne(osd_peer_act_name(a), "?");
	for (int o = 0; o < OSD_PEER_OUT__COUNT; o++)
		ck_assert_str_ne(osd_peer_outcome_name(o), "?");
	for (int w = 0; w < OSD_PEER_WHY__COUNT; w++)
		ck_assert_str_ne(osd_peer_reason_name(w), "?");
	ck_assert_str_eq(osd_peer_state_name(-1), "?");
	ck_assert_str_eq(osd_peer_state_name(OSD_PEER__COUNT), "?");
}
END_TEST

/* ---- simulation ------------------------------------------------------------------ */

/*
 * A replicated PG (size 3, min_size 2) on 5 or 6 OSDs holding 5 objects.
 *
 *  - The acting set is the first three up OSDs in a preference order (a
 *    pg_temp overrides it); every change is a new map epoch, and the
 *    interval builder decides which epochs start intervals.
 *  - A write gets (epoch, head + 1) from the primary and is logged by a
 *    random subset of the acting set (the primary's own commit included).
 *    It is acknowledged only if every acting member logged it.  A write
 *    that not everyone logged is followed at once by a map change (a crash
 *    or a primary change): in the real system the op is dropped at the
 *    interval change, and nothing later can be logged behind it.
 *  - Peering runs through struct osd_peer.  Replies are delivered in random
 *    order; crashes are injected in the middle of peering; up_thru and
 *    pg_temp requests become new map epochs.  When the primary activates,
 *    the result is applied as an OSD would: divergent entries rolled back
 *    (checked against what the member's log really holds), authoritative
 *    entries appended, missing sets and the backfill flag persisted, les
 *    set.  Recovery copies objects from the sources the result names and
 *    may be interrupted by the next crash.
 *  - The oracle keeps the "committed" entries: acknowledged writes, and
 *    everything in a history an Active PG adopted.  Every later
 *    authoritative log must contain the committed entries newer than its
 *    tail and no entry older than the last activation that is not among
 *    them (a write rolled back must not come back after clients may have
 *    read without it), every named source must hold what it is named for,
 *    and when
 *    the PG is clean every acting member must hold exactly the committed
 *    objects and the same log.  Each seed ends with every OSD up, and the
 *    PG must then become clean.
 *
 * Simplifications: activation reaches every acting member at once;
 * objects are whole (a version, or absent); writes wait for the written
 * object to be recovered everywhere (the primary recovers before serving).
 */
#define SIM_OSD 6
#define SIM_OBJ 5
#define SIM_SIZE 3
#define SIM_MIN 2
#define SIM_STEPS 120

struct sobj {
	bool exists;
	struct osd_ev ver;
};

struct sosd {
	bool up;
	struct osd_pg_info info;
	struct osd_pglog log;
	struct osd_missing missing;
	struct sobj obj[SIM_OBJ];
	struct osd_peer *pm;
};

struct sreply {
	uint8_t type;
	int32_t from, to;
	uint32_t epoch;
};

struct sim {
	uint64_t seed, rng;
	bool trace;
	int n_osd;
	bool use_up_thru;
	size_t max_entries;
	struct sosd o[SIM_OSD];
	int pref[SIM_OSD];
	int32_t pg_temp[OSDMAP_MAX_SIZE];
	uint32_t pg_temp_n;
	uint32_t epoch;
	uint32_t up_thru[SIM_OSD];
	struct osd_intervals iv;
	int32_t acting[OSDMAP_MAX_SIZE];
	uint32_t acting_n;
	int32_t primary;
	bool need_apply, want_up_thru, want_pg_temp, interrupted;
	bool calm; /* the final phase: no more crashes */
	uint32_t active_sis; /* first epoch of the newest interval that activated */
	struct sreply *q;
	size_t qn, qcap;
	struct osd_peer_out out;
	struct osd_pglog committed; /* never trimmed */
	struct sobj cstate[SIM_OBJ];
	uint64_t tid;
	bool failed;
	char err[600];
};

struct sim_stats {
	unsigned long writes, acked, activations, peered, down, incomplete, divergent, backfills,
		recovered, clean_checks, unfound, epochs;
};

static struct sim_stats stats;

static const char *const onames[SIM_OBJ] = {"o0", "o1", "o2", "o3", "o4"};

static struct osd_pg_oid sim_oid(int i)
{
	return (struct osd_pg_oid){.hash = (uint32_t)i * 1000u + 7u, .nspace = "", .name = onames[i]};
}

static int sim_idx(const struct osd_pg_oid *oid)
{
	return oid->name[1] - '0';
}

static uint64_t srnd(struct sim *s)
{
	/* splitmix64: one seed, one sequence */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned pick(struct sim *s, unsigned n)
{
	return (unsigned)(srnd(s) % n);
}

static void tr(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tr(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->trace)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "[e%u] ", s->epoch);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#define SIM_FAIL(s, ...)                                                                           \
	do {                                                                                       \
		if (!(s)->failed) {                                                                \
			snprintf((s)->err, sizeof((s)->err), __VA_ARGS__);                         \
			(s)->failed = true;                                                        \
		}                                                                                  \
		return;                                                                            \
	} while (0)

#define SIM_CHECK(s, cond, ...)                                                                    \
	do {                                                                                       \
		if (!(cond))                                                                       \
			SIM_FAIL(s, __VA_ARGS__);                                                  \
	} while (0)

static void sim_crash(struct sim *s, int i)
{
	tr(s, "crash osd.%d", i);
	s->o[i].up = false;
	osd_peer_destroy(s->o[i].pm);
	s->o[i].pm = NULL;
}

static void sim_boot(struct sim *s, int i)
{
	struct osd_peer_cfg cfg = {.whoami = i, .pgid = {1, 0}, .need_up_thru = s->use_up_thru};

	tr(s, "boot osd.%d", i);
	s->o[i].up = true;
	s->o[i].pm = osd_peer_create(&cfg);
	ck_assert_ptr_nonnull(s->o[i].pm);
}

static int n_up(const struct sim *s)
{
	int k = 0;

	for (int i = 0; i < s->n_osd; i++)
		k += s->o[i].up;
	return k;
}

static int random_with(struct sim *s, bool up)
{
	int c[SIM_OSD], k = 0;

	for (int i = 0; i < s->n_osd; i++)
		if (s->o[i].up == up)
			c[k++] = i;
	return k ? c[pick(s, (unsigned)k)] : -1;
}

static void sim_sets(const struct sim *s, struct osd_interval_epoch *e)
{
	memset(e, 0, sizeof(*e));
	e->epoch = s->epoch;
	for (int i = 0; i < s->n_osd && e->up_n < SIM_SIZE; i++)
		if (s->o[s->pref[i]].up)
			e->up[e->up_n++] = s->pref[i];
	for (uint32_t i = 0; i < s->pg_temp_n; i++)
		if (s->o[s->pg_temp[i]].up && e->acting_n < SIM_SIZE)
			e->acting[e->acting_n++] = s->pg_temp[i];
	if (!e->acting_n) {
		memcpy(e->acting, e->up, sizeof(e->acting));
		e->acting_n = e->up_n;
	}
	e->up_primary = e->up_n ? e->up[0] : -1;
	e->primary = e->acting_n ? e->acting[0] : -1;
	e->size = SIM_SIZE;
	e->min_size = SIM_MIN;
	e->primary_up_thru = s->use_up_thru && e->primary >= 0 ? s->up_thru[e->primary]
								: OSD_UP_THRU_UNKNOWN;
}

static struct osd_peer_member sim_self(struct sim *s, int i)
{
	return (struct osd_peer_member){
		.osd = i, .info = &s->o[i].info, .log = &s->o[i].log, .missing = &s->o[i].missing};
}

static void q_push(struct sim *s, uint8_t type, int32_t from, int32_t to, uint32_t epoch)
{
	if (s->qn == s->qcap) {
		s->qcap = s->qcap ? s->qcap * 2 : 32;
		s->q = realloc(s->q, s->qcap * sizeof(*s->q));
		ck_assert_ptr_nonnull(s->q);
	}
	s->q[s->qn++] = (struct sreply){type, from, to, epoch};
}

/* What the primary asked for: replies to queue, monitor requests to note. */
static void process_out(struct sim *s, int32_t owner)
{
	bool state_changed = false;

	for (size_t i = 0; i < s->out.n; i++) {
		const struct osd_peer_act *a = &s->out.acts[i];

		switch (a->type) {
		case OSD_PEER_ACT_QUERY:
		case OSD_PEER_ACT_GET_LOG:
			q_push(s, a->type, a->osd, owner, a->epoch);
			break;
		case OSD_PEER_ACT_UP_THRU:
			s->want_up_thru = true;
			break;
		case OSD_PEER_ACT_PG_TEMP:
			s->want_pg_temp = true;
			break;
		case OSD_PEER_ACT_STATE:
			state_changed = true;
			break;
		default:
			break;
		}
	}
	if (state_changed && owner == s->primary && s->o[owner].pm) {
		int st = osd_peer_state(s->o[owner].pm);

		s->need_apply = st == OSD_PEER_ACTIVE || st == OSD_PEER_PEERED;
		tr(s, "osd.%d peering state %s", owner, osd_peer_state_name(st));
	}
	osd_peer_out_clear(&s->out);
}

/* Deliver queued replies in random order, maybe crashing someone midway. */
static void drive(struct sim *s)
{
	while (s->qn && !s->failed) {
		if (!s->calm && pick(s, 100) < 2 && n_up(s) > 1) {
			sim_crash(s, random_with(s, true));
			s->interrupted = true;
			return;
		}
		size_t k = pick(s, (unsigned)s->qn);
		struct sreply r = s->q[k];
		int rc;

		s->q[k] = s->q[--s->qn];
		if (!s->o[r.to].up || !s->o[r.from].up)
			continue;
		struct sosd *f = &s->o[r.from];
		if (r.type == OSD_PEER_ACT_QUERY)
			rc = osd_peer_recv_info(s->o[r.to].pm, r.from, r.epoch, &f->info, &s->out);
		else
			rc = osd_peer_recv_log(s->o[r.to].pm, r.from, r.epoch, &f->info, &f->log,
					       &f->missing, &s->out);
		SIM_CHECK(s, rc == 0, "recv from osd.%d: %d", r.from, rc);
		process_out(s, r.to);
	}
}

static void apply_activation(struct sim *s);

/* Publish a new map epoch (and more, while the primary asks the monitors
 * for up_thru or pg_temp), run peering, apply an activation. */
static void sim_new_epoch(struct sim *s)
{
	for (int guard = 0;; guard++) {
		struct osd_interval_epoch e;
		int32_t up[SIM_OSD];
		size_t nu = 0;
		int rc;

		SIM_CHECK(s, guard < 40, "livelock: 40 map epochs without settling");
		s->epoch++;
		stats.epochs++;
		s->want_up_thru = s->want_pg_temp = s->interrupted = false;
		sim_sets(s, &e);
		rc = osd_intervals_add(&s->iv, &e);
		SIM_CHECK(s, rc >= 0, "intervals_add: %d", rc);
		if (rc == 1 || s->primary != e.primary)
			s->need_apply = false;
		memcpy(s->acting, e.acting, sizeof(s->acting));
		s->acting_n = e.acting_n;
		s->primary = e.primary;
		if (rc == 1)
			tr(s, "new interval: acting [%d %d %d] n=%u primary %d", e.acting[0],
			   e.acting[1], e.acting[2], e.acting_n, e.primary);
		for (int i = 0; i < s->n_osd; i++)
			if (s->o[i].up)
				up[nu++] = i;
		for (int i = 0; i < s->n_osd; i++) {
			if (!s->o[i].up)
				continue;
			struct osd_peer_map map = {
				.epoch = s->epoch,
				.intervals = &s->iv,
				.up_osds = up,
				.n_up = nu,
				.up_thru = s->use_up_thru ? s->up_thru[i] : OSD_UP_THRU_UNKNOWN,
			};
			struct osd_peer_member me = sim_self(s, i);

			rc = osd_peer_advance_map(s->o[i].pm, &map, &me, &s->out);
			SIM_CHECK(s, rc == 0, "advance_map osd.%d: %d", i, rc);
			if (i == s->primary)
				process_out(s, i);
			else
				osd_peer_out_clear(&s->out);
		}
		drive(s);
		if (s->failed)
			return;
		if (s->interrupted)
			continue;
		if (s->primary < 0)
			return;
		int st = osd_peer_state(s->o[s->primary].pm);
		if (s->want_up_thru && st == OSD_PEER_WAIT_UP_THRU) {
			s->up_thru[s->primary] = s->epoch + 1;
			tr(s, "monitors record up_thru of osd.%d", s->primary);
			continue;
		}
		const struct osd_peer_result *r = osd_peer_result(s->o[s->primary].pm);
		if (s->want_pg_temp && st == OSD_PEER_INCOMPLETE && r && r->want_n) {
			memcpy(s->pg_temp, r->want_acting, r->want_n * sizeof(int32_t));
			s->pg_temp_n = r->want_n;
			tr(s, "pg_temp [%d ...] n=%u", s->pg_temp[0], s->pg_temp_n);
			stats.incomplete++;
			continue;
		}
		break;
	}
	if (s->need_apply)
		apply_activation(s);
}

/* ---- applying a peering result ---- */

static void apply_plan(struct sim *s, struct sosd *m, const struct osd_peer_plan *p,
		       const struct osd_pglog *auth, uint32_t sis, bool active)
{
	char a[OSD_EV_STRLEN];

	tr(s, "  osd.%d plan %s common %s divergent %zu missing %zu", p->osd,
	   p->kind == OSD_PEER_PLAN_NONE ? "none" : p->kind == OSD_PEER_PLAN_LOG ? "log" : "backfill",
	   osd_ev_format(p->common, a), osd_pglog_count(&p->divergent), p->missing.n);
	for (size_t i = 0; i < p->missing.n && s->trace; i++) {
		char n1[OSD_EV_STRLEN], n2[OSD_EV_STRLEN];

		tr(s, "    %s need %s have %s%s", p->missing.items[i].oid.name,
		   osd_ev_format(p->missing.items[i].need, n1),
		   osd_ev_format(p->missing.items[i].have, n2),
		   p->missing.items[i].flags ? " delete" : "");
	}
	if (p->kind == OSD_PEER_PLAN_BACKFILL) {
		SIM_CHECK(s, osd_pglog_copy(&m->log, auth) == 0, "copy");
		osd_missing_clear(&m->missing);
		m->info.needs_backfill = true;
		stats.backfills++;
	} else {
		long k = osd_ev_eq(p->common, m->log.tail) ? 0
							  : osd_pglog_find(&m->log, p->common) + 1;

		SIM_CHECK(s, k >= 0, "osd.%d: common %s not in its log", p->osd,
			  osd_ev_format(p->common, a));
		size_t nd = osd_pglog_count(&m->log) - (size_t)k;
		SIM_CHECK(s, nd == osd_pglog_count(&p->divergent),
			  "osd.%d: %zu entries past common, plan rolls back %zu", p->osd, nd,
			  osd_pglog_count(&p->divergent));
		for (size_t i = 0; i < nd; i++)
			SIM_CHECK(s,
				  osd_pglog_entry_equal(osd_pglog_at(&m->log, (size_t)k + i),
							osd_pglog_at(&p->divergent, i)),
				  "osd.%d: divergent entry %zu differs", p->osd, i);
		stats.divergent += nd;
		SIM_CHECK(s, osd_pglog_rollback(&m->log, p->common) == 0, "rollback");
		long j = osd_ev_eq(p->common, auth->tail) ? 0 : osd_pglog_find(auth, p->common) + 1;
		SIM_CHECK(s, j >= 0, "osd.%d: common %s not in the authoritative log", p->osd,
			  osd_ev_format(p->common, a));
		for (size_t i = (size_t)j; i < osd_pglog_count(auth); i++)
			SIM_CHECK(s, osd_pglog_append(&m->log, osd_pglog_at(auth, i)) == 0,
				  "append");
		SIM_CHECK(s, osd_missing_copy(&m->missing, &p->missing) == 0, "copy");
		m->info.needs_backfill = false;
	}
	m->info.last_update = m->log.head;
	m->info.log_tail = m->log.tail;
	m->info.last_complete =
		m->missing.n || m->info.needs_backfill ? OSD_EV_ZERO : m->log.head;
	m->info.same_interval_since = sis;
	if (active)
		m->info.last_epoch_started = sis;
}

static void commit_entry(struct sim *s, const struct osd_pglog_entry *e)
{
	int i = sim_idx(&e->oid);

	SIM_CHECK(s, osd_pglog_append(&s->committed, e) == 0, "commit");
	s->cstate[i].exists = e->op == OSD_PGLOG_MODIFY;
	s->cstate[i].ver = e->version;
}

/* Commit every entry of @log newer than the committed head. */
static void commit_upto(struct sim *s, const struct osd_pglog *log)
{
	char a[OSD_EV_STRLEN], b[OSD_EV_STRLEN];
	long k;

	if (osd_ev_cmp(log->head, s->committed.head) <= 0)
		return;
	SIM_CHECK(s, osd_pglog_has(log, s->committed.head),
		  "sim limit: committed head %s trimmed from log (tail %s)",
		  osd_ev_format(s->committed.head, a), osd_ev_format(log->tail, b));
	k = osd_ev_eq(s->committed.head, log->tail) ? 0 : osd_pglog_find(log, s->committed.head) + 1;
	for (size_t i = (size_t)k; i < osd_pglog_count(log) && !s->failed; i++)
		commit_entry(s, osd_pglog_at(log, i));
}

static void apply_activation(struct sim *s)
{
	struct osd_peer *pm = s->o[s->primary].pm;
	const struct osd_peer_result *r = osd_peer_result(pm);
	const struct osd_pglog *auth = osd_peer_auth_log(pm);
	bool active = osd_peer_state(pm) == OSD_PEER_ACTIVE;
	char a[OSD_EV_STRLEN], b[OSD_EV_STRLEN], h[OSD_EV_STRLEN];

	s->need_apply = false;
	SIM_CHECK(s, r && auth, "no result while %s", osd_peer_state_name(osd_peer_state(pm)));
	tr(s, "%s: auth osd.%d head %s tail %s ready %u unfound %zu",
	   active ? "activate" : "peered", r->auth_osd, osd_ev_format(auth->head, a),
	   osd_ev_format(auth->tail, b), r->ready, r->unfound.n);
	stats.activations += active;
	stats.peered += !active;
	stats.unfound += r->unfound.n;

	/* The heart of it: nothing committed is missing from the history. */
	for (size_t i = osd_pglog_count(&s->committed); i-- > 0;) {
		const struct osd_pglog_entry *c = osd_pglog_at(&s->committed, i);

		if (osd_ev_cmp(c->version, auth->tail) <= 0)
			break;
		long k = osd_pglog_find(auth, c->version);
		SIM_CHECK(s, k >= 0 && osd_pglog_entry_equal(osd_pglog_at(auth, (size_t)k), c),
			  "committed write %s (%s) lost: authoritative osd.%d has %s..%s",
			  osd_ev_format(c->version, a), c->oid.name, r->auth_osd,
			  osd_ev_format(auth->tail, b), osd_ev_format(auth->head, h));
	}
	/* And nothing an Active interval decided against comes back: past the
	 * committed head, only entries written since that interval began. */
	for (size_t i = osd_pglog_count(auth); i-- > 0;) {
		const struct osd_pglog_entry *e = osd_pglog_at(auth, i);

		if (osd_ev_cmp(e->version, s->committed.head) <= 0)
			break;
		SIM_CHECK(s, e->version.epoch >= s->active_sis,
			  "entry %s resurrected: rolled back when interval %u activated",
			  osd_ev_format(e->version, a), s->active_sis);
	}
	if (active)
		s->active_sis = osd_peer_interval(pm);
	for (size_t i = 0; i < r->n_plans && !s->failed; i++) {
		const struct osd_peer_plan *p = &r->plans[i];

		if (!p->acting)
			continue;
		SIM_CHECK(s, s->o[p->osd].up, "plan for down osd.%d", p->osd);
		apply_plan(s, &s->o[p->osd], p, auth, osd_peer_interval(pm), active);
	}
	if (active && !s->failed)
		commit_upto(s, auth);
}

/* ---- recovery ---- */

static bool sim_clean(const struct sim *s)
{
	for (uint32_t i = 0; i < s->acting_n; i++) {
		const struct sosd *m = &s->o[s->acting[i]];

		if (m->missing.n || m->info.needs_backfill)
			return false;
	}
	return true;
}

static void fix_complete(struct sosd *m)
{
	if (!m->missing.n && !m->info.needs_backfill)
		m->info.last_complete = m->info.last_update;
}

/* Recover one object of @m from @src, checking @src holds what is needed. */
static void copy_obj(struct sim *s, struct sosd *m, int32_t src,
		     const struct osd_missing_item *it)
{
	char a[OSD_EV_STRLEN], b[OSD_EV_STRLEN];
	int i = sim_idx(&it->oid);
	struct osd_pg_oid oid = it->oid;

	SIM_CHECK(s, osd_ev_eq(s->o[src].obj[i].ver, it->need),
		  "osd.%d serves %s at %s, %s needed by osd.%d", src, it->oid.name,
		  osd_ev_format(s->o[src].obj[i].ver, a), osd_ev_format(it->need, b),
		  (int)(m - s->o));
	m->obj[i] = s->o[src].obj[i];
	SIM_CHECK(s, osd_missing_remove(&m->missing, &oid) == 0, "remove");
	stats.recovered++;
}

static void recover(struct sim *s, unsigned limit)
{
	struct osd_peer *pm;
	const struct osd_peer_result *r;
	struct sosd *p;
	unsigned ops = 0;

	if (s->primary < 0 || !(pm = s->o[s->primary].pm) || !(r = osd_peer_result(pm)))
		return;
	p = &s->o[s->primary];
	/* The primary pulls from the sources the result names. */
	for (size_t i = 0; i < p->missing.n && ops < limit && !s->failed;) {
		const struct osd_missing_item *it = &p->missing.items[i];
		int32_t src[SIM_OSD], found = -1;
		size_t ns = osd_peer_sources(r, &it->oid, src, SIM_OSD);

		if (it->flags & OSD_MISSING_DELETE) {
			struct osd_pg_oid oid = it->oid;

			p->obj[sim_idx(&oid)] = (struct sobj){false, it->need};
			osd_missing_remove(&p->missing, &oid);
			ops++;
			continue;
		}
		for (size_t k = 0; k < ns && k < SIM_OSD && found < 0; k++)
			if (src[k] != s->primary && s->o[src[k]].up)
				found = src[k];
		if (found < 0) {
			i++;
			continue;
		}
		copy_obj(s, p, found, it);
		ops++;
	}
	fix_complete(p);
	/* Then pushes to the replicas. */
	for (uint32_t a = 0; a < s->acting_n && !s->failed; a++) {
		struct sosd *m = &s->o[s->acting[a]];

		if (s->acting[a] == s->primary)
			continue;
		/* Recovery follows this round's plans: a member without one
		 * (it did not answer) is not touched. */
		const struct osd_peer_plan *pl = NULL;
		for (size_t k = 0; k < r->n_plans; k++)
			if (r->plans[k].osd == s->acting[a])
				pl = &r->plans[k];
		if (!pl)
			continue;
		if (m->info.needs_backfill) {
			if (p->missing.n || ops >= limit)
				continue;
			memcpy(m->obj, p->obj, sizeof(m->obj));
			osd_missing_clear(&m->missing);
			m->info.needs_backfill = false;
			tr(s, "osd.%d backfilled", s->acting[a]);
			ops++;
		}
		for (size_t i = 0; i < m->missing.n && ops < limit && !s->failed;) {
			const struct osd_missing_item *it = &m->missing.items[i];

			if (it->flags & OSD_MISSING_DELETE) {
				struct osd_pg_oid oid = it->oid;

				m->obj[sim_idx(&oid)] = (struct sobj){false, it->need};
				osd_missing_remove(&m->missing, &oid);
				ops++;
				continue;
			}
			if (osd_missing_find(&p->missing, &it->oid)) {
				i++;
				continue;
			}
			copy_obj(s, m, s->primary, it);
			ops++;
		}
		fix_complete(m);
	}
}

/* Clean: every acting member holds exactly the committed objects. */
static void check_clean(struct sim *s)
{
	const struct sosd *p = &s->o[s->primary];
	char a[OSD_EV_STRLEN], b[OSD_EV_STRLEN];

	SIM_CHECK(s, osd_ev_eq(p->log.head, s->committed.head),
		  "primary head %s, committed head %s", osd_ev_format(p->log.head, a),
		  osd_ev_format(s->committed.head, b));
	for (uint32_t k = 0; k < s->acting_n; k++) {
		const struct sosd *m = &s->o[s->acting[k]];

		for (int i = 0; i < SIM_OBJ; i++) {
			const struct sobj *x = &m->obj[i], *c = &s->cstate[i];

			SIM_CHECK(s, x->exists == c->exists && (!c->exists || osd_ev_eq(x->ver, c->ver)),
				  "osd.%d o%d: %s at %s, committed %s at %s", s->acting[k], i,
				  x->exists ? "exists" : "absent", osd_ev_format(x->ver, a),
				  c->exists ? "exists" : "absent", osd_ev_format(c->ver, b));
		}
		SIM_CHECK(s, osd_ev_eq(m->log.head, p->log.head), "osd.%d log head differs",
			  s->acting[k]);
		for (size_t i = 0; i < osd_pglog_count(&m->log); i++) {
			const struct osd_pglog_entry *e = osd_pglog_at(&m->log, i);
			long j = osd_pglog_find(&p->log, e->version);

			SIM_CHECK(s,
				  osd_ev_cmp(e->version, p->log.tail) <= 0 ||
					  (j >= 0 && osd_pglog_entry_equal(
							     osd_pglog_at(&p->log, (size_t)j), e)),
				  "osd.%d keeps divergent entry %s", s->acting[k],
				  osd_ev_format(e->version, a));
		}
	}
	stats.clean_checks++;
}

/* ---- workload ---- */

static bool can_write(const struct sim *s, int i)
{
	struct osd_pg_oid oid = sim_oid(i);

	if (s->primary < 0 || osd_peer_state(s->o[s->primary].pm) != OSD_PEER_ACTIVE ||
	    s->o[s->primary].missing.n)
		return false;
	for (uint32_t a = 0; a < s->acting_n; a++)
		if (osd_missing_find(&s->o[s->acting[a]].missing, &oid))
			return false;
	return true;
}

static void force_interval_change(struct sim *s)
{
	int32_t old_primary = s->primary;
	struct osd_interval_epoch e;
	unsigned c = pick(s, 3);

	if (c == 0) {
		sim_crash(s, s->acting[pick(s, s->acting_n)]);
	} else if (c == 1) {
		sim_crash(s, s->primary);
	} else {
		/* the primary moves to the back of the preference order */
		int k = 0;

		while (s->pref[k] != s->primary)
			k++;
		memmove(s->pref + k, s->pref + k + 1, (size_t)(s->n_osd - k - 1) * sizeof(int));
		s->pref[s->n_osd - 1] = s->primary;
		s->pg_temp_n = 0;
		tr(s, "osd.%d no longer preferred", s->primary);
	}
	sim_sets(s, &e);
	if (e.primary == old_primary && e.acting_n == s->acting_n &&
	    !memcmp(e.acting, s->acting, e.acting_n * sizeof(int32_t)))
		sim_crash(s, old_primary);
	sim_new_epoch(s);
}

static void sim_write(struct sim *s, int i)
{
	struct sosd *p = &s->o[s->primary];
	struct osd_pglog_entry e;
	struct osd_pg_oid oid = sim_oid(i);
	bool logged[OSDMAP_MAX_SIZE], all = true;
	struct osd_reqid rq = {1 + pick(s, 3), ++s->tid};
	uint8_t op = p->obj[i].exists && pick(s, 4) == 0 ? OSD_PGLOG_DELETE : OSD_PGLOG_MODIFY;
	struct osd_ev v = ev(s->epoch, p->log.head.version + 1);
	char a[OSD_EV_STRLEN];

	SIM_CHECK(s, osd_pglog_entry_init(&e, op, v, p->obj[i].ver, &oid, rq) == 0, "entry");
	for (uint32_t k = 0; k < s->acting_n; k++) {
		logged[k] = pick(s, 100) < 80 || pick(s, 2);
		all &= logged[k];
	}
	if (pick(s, 100) < 80) {
		for (uint32_t k = 0; k < s->acting_n; k++)
			logged[k] = true;
		all = true;
	}
	stats.writes++;
	for (uint32_t k = 0; k < s->acting_n && !s->failed; k++) {
		struct sosd *m = &s->o[s->acting[k]];

		if (!logged[k])
			continue;
		SIM_CHECK(s, osd_pglog_append(&m->log, &e) == 0, "append");
		m->obj[i] = (struct sobj){op == OSD_PGLOG_MODIFY, v};
		m->info.last_update = v;
		fix_complete(m);
	}
	/* The primary tells replicas how far to trim with each op. */
	struct osd_ev mlc = p->info.last_complete;
	for (uint32_t k = 0; k < s->acting_n; k++)
		if (osd_ev_cmp(s->o[s->acting[k]].info.last_complete, mlc) < 0)
			mlc = s->o[s->acting[k]].info.last_complete;
	struct osd_ev bound = osd_pglog_trim_bound(&p->log, mlc, 2, s->max_entries);
	for (uint32_t k = 0; k < s->acting_n; k++) {
		struct sosd *m = &s->o[s->acting[k]];

		if (logged[k]) {
			osd_pglog_trim(&m->log, bound);
			m->info.log_tail = m->log.tail;
		}
	}
	tr(s, "write %s o%d at %s: %s", op == OSD_PGLOG_DELETE ? "delete" : "modify", i,
	   osd_ev_format(v, a), all ? "acked" : "partial");
	if (all && !s->failed) {
		stats.acked++;
		commit_upto(s, &p->log);
		const struct osd_pglog_entry *d = osd_pglog_find_reqid(&p->log, rq);
		if (!d || !osd_ev_eq(d->version, v))
			s->failed = true, snprintf(s->err, sizeof(s->err), "resent op not found");
	}
	osd_pglog_entry_fini(&e);
	if (!all && !s->failed)
		force_interval_change(s);
}

static void map_event(struct sim *s, bool not_active)
{
	unsigned r = pick(s, 100);
	int ups = n_up(s), downs = s->n_osd - ups;

	if (downs && (r < (not_active ? 70u : 40u) || ups < 2)) {
		sim_boot(s, random_with(s, false));
	} else if (r < 85 && ups > 1) {
		sim_crash(s, random_with(s, true));
	} else {
		int x = (int)pick(s, (unsigned)s->n_osd), y = (int)pick(s, (unsigned)s->n_osd);
		int t = s->pref[x];

		s->pref[x] = s->pref[y];
		s->pref[y] = t;
		tr(s, "preference swap %d %d", x, y);
	}
	if (s->pg_temp_n && pick(s, 10) == 0)
		s->pg_temp_n = 0;
	sim_new_epoch(s);
}

static int primary_state(const struct sim *s)
{
	return s->primary >= 0 ? osd_peer_state(s->o[s->primary].pm) : -1;
}

static void sim_step(struct sim *s)
{
	int st = primary_state(s);

	if ((st == OSD_PEER_ACTIVE || st == OSD_PEER_PEERED) && !sim_clean(s) && pick(s, 3)) {
		recover(s, pick(s, 2) ? 1 + pick(s, 3) : 1000);
		if (!s->failed && st == OSD_PEER_ACTIVE && sim_clean(s))
			check_clean(s);
		return;
	}
	if (st == OSD_PEER_ACTIVE && pick(s, 100) < 60) {
		int i = (int)pick(s, SIM_OBJ);

		if (can_write(s, i)) {
			sim_write(s, i);
			return;
		}
	}
	if (st == OSD_PEER_ACTIVE && sim_clean(s) && s->pg_temp_n && pick(s, 2)) {
		s->pg_temp_n = 0;
		sim_new_epoch(s);
		return;
	}
	if (st == OSD_PEER_DOWN)
		stats.down++;
	map_event(s, st != OSD_PEER_ACTIVE);
}

/* Everyone back; the PG must become clean and hold every committed write. */
static void sim_finish(struct sim *s)
{
	tr(s, "finish: every OSD comes back");
	s->calm = true;
	for (int i = 0; i < s->n_osd && !s->failed; i++) {
		if (!s->o[i].up) {
			sim_boot(s, i);
			sim_new_epoch(s);
		}
	}
	for (int round = 0; round < 60 && !s->failed; round++) {
		int st = primary_state(s);

		if (st == OSD_PEER_ACTIVE || st == OSD_PEER_PEERED)
			recover(s, 1000);
		if (s->failed)
			return;
		if (st == OSD_PEER_ACTIVE && sim_clean(s)) {
			if (!s->pg_temp_n) {
				check_clean(s);
				return;
			}
			s->pg_temp_n = 0;
		} else {
			int x = (int)pick(s, (unsigned)s->n_osd), y = (int)pick(s, (unsigned)s->n_osd);
			int t = s->pref[x];

			s->pref[x] = s->pref[y];
			s->pref[y] = t;
			/* a pg_temp from an old round may be what keeps it stuck */
			if (round % 2)
				s->pg_temp_n = 0;
		}
		sim_new_epoch(s);
	}
	if (!s->failed) {
		struct buf d = BUF_INIT;

		if (s->primary >= 0)
			osd_peer_describe(s->o[s->primary].pm, &d);
		unsigned mask = 0;

		for (int i = 0; i < s->n_osd; i++)
			mask |= (unsigned)s->o[i].up << i;
		SIM_FAIL(s, "not clean with every OSD up (mask %#x, primary osd.%d): %s", mask,
			 s->primary, d.len ? buf_cstr(&d) : "no primary");
	}
}

static void sim_init(struct sim *s, uint64_t seed, bool trace)
{
	memset(s, 0, sizeof(*s));
	s->seed = seed;
	s->rng = seed;
	s->trace = trace;
	s->n_osd = 5 + (int)pick(s, 2);
	s->use_up_thru = pick(s, 2);
	s->max_entries = 4 + pick(s, 12);
	s->primary = -1;
	osd_intervals_init(&s->iv);
	osd_peer_out_init(&s->out);
	osd_pglog_init(&s->committed);
	for (int i = 0; i < s->n_osd; i++) {
		struct sosd *m = &s->o[i];

		s->pref[i] = i;
		m->info.pgid = (struct osdmap_pg){1, 0};
		osd_pglog_init(&m->log);
		osd_missing_init(&m->missing);
		sim_boot(s, i);
	}
	for (int i = s->n_osd - 1; i > 0; i--) {
		int j = (int)pick(s, (unsigned)i + 1), t = s->pref[i];

		s->pref[i] = s->pref[j];
		s->pref[j] = t;
	}
}

static void sim_fini(struct sim *s)
{
	for (int i = 0; i < s->n_osd; i++) {
		osd_peer_destroy(s->o[i].pm);
		osd_pglog_fini(&s->o[i].log);
		osd_missing_fini(&s->o[i].missing);
	}
	osd_intervals_fini(&s->iv);
	osd_peer_out_fini(&s->out);
	osd_pglog_fini(&s->committed);
	free(s->q);
}

/* Run one seed; false (with s->err) on a violation. */
static bool sim_run(uint64_t seed, bool trace, char *err, size_t errlen)
{
	struct sim *s = malloc(sizeof(*s));
	bool ok;

	ck_assert_ptr_nonnull(s);
	sim_init(s, seed, trace);
	tr(s, "seed %" PRIu64 ": %d OSDs, up_thru %s, max log %zu", seed, s->n_osd,
	   s->use_up_thru ? "on" : "off", s->max_entries);
	sim_new_epoch(s);
	for (int step = 0; step < SIM_STEPS && !s->failed; step++)
		sim_step(s);
	if (!s->failed)
		sim_finish(s);
	ok = !s->failed;
	if (!ok)
		snprintf(err, errlen, "%s", s->err);
	sim_fini(s);
	free(s);
	return ok;
}

START_TEST(test_sim)
{
	const char *one = getenv("OSD_PEER_SIM_SEED");
	const char *count = getenv("OSD_PEER_SIM_SEEDS");
	unsigned long n = count ? strtoul(count, NULL, 0) : 3000;
	char err[600];
	struct timespec t0, t1;

	if (one) {
		uint64_t seed = strtoull(one, NULL, 0);
		bool ok = sim_run(seed, true, err, sizeof(err));

		ck_assert_msg(ok, "seed %" PRIu64 ": %s", seed, err);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		uint64_t seed = 0x5eed0000ull + i;

		ck_assert_msg(sim_run(seed, false, err, sizeof(err)),
			      "seed %" PRIu64 ": %s\n  replay: OSD_PEER_SIM_SEED=%" PRIu64
			      " CK_RUN_CASE=sim CK_FORK=no test/unit/osd/test_osd_peering",
			      seed, err, seed);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr,
		"peering sim: %lu seeds in %.2fs: %lu epochs, %lu writes (%lu acked), "
		"%lu activations, %lu peered, %lu down steps, %lu pg_temp, %lu divergent "
		"rolled back, %lu backfills, %lu objects recovered, %lu unfound, %lu clean checks\n",
		n, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		stats.epochs, stats.writes, stats.acked, stats.activations, stats.peered,
		stats.down, stats.incomplete, stats.divergent, stats.backfills, stats.recovered,
		stats.unfound, stats.clean_checks);
}
END_TEST

static Suite *peering_suite(void)
{
	Suite *s = suite_create("osd_peering");
	TCase *tc;

	tc = tcase_create("decision");
	tcase_add_test(tc, test_all_in_sync);
	tcase_add_test(tc, test_replica_behind);
	tcase_add_test(tc, test_divergent_rolled_back);
	tcase_add_test(tc, test_les_beats_longer_log);
	tcase_add_test(tc, test_backfill);
	tcase_add_test(tc, test_undersized_and_incomplete);
	tcase_add_test(tc, test_missing_carried_and_unfound);
	tcase_add_test(tc, test_choose_auth_ties);
	tcase_add_test(tc, test_decide_bad_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("intervals");
	tcase_add_test(tc, test_intervals_build);
	tcase_add_test(tc, test_intervals_up_thru);
	tcase_add_test(tc, test_prior_set);
	tcase_add_test(tc, test_idset);
	suite_add_tcase(s, tc);

	tc = tcase_create("machine");
	tcase_add_test(tc, test_sm_simple_active);
	tcase_add_test(tc, test_sm_get_log_from_replica);
	tcase_add_test(tc, test_sm_down_waits_for_holder);
	tcase_add_test(tc, test_sm_new_interval_restarts);
	tcase_add_test(tc, test_sm_peer_down_and_up_thru);
	tcase_add_test(tc, test_sm_incomplete_wants_pg_temp);
	tcase_add_test(tc, test_sm_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("sim");
	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, test_sim);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(peering_suite)
