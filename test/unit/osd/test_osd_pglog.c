/*
 * test_osd_pglog.c - versions, PG log, missing set, PG info and their
 * encodings (osd/pg/osd_pglog.h).
 *
 * Encodings are checked three ways: round trips of random values; every
 * truncation and every single-byte corruption of a valid value is refused;
 * hand-built payloads with a valid checksum but a bad field are refused
 * (the checksum must not be the only line of defence).
 */
#include "osd_pglog.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "enc.h"
#include "test/unit/unit.h"

static struct osd_ev ev(uint32_t e, uint64_t v)
{
	return (struct osd_ev){e, v};
}

static struct osd_pg_oid oid_of(uint32_t hash, const char *ns, const char *name)
{
	return (struct osd_pg_oid){.hash = hash, .nspace = ns, .name = name};
}

static void entry(struct osd_pglog_entry *e, uint8_t op, struct osd_ev v, struct osd_ev prior,
		  const char *name, uint64_t client, uint64_t tid)
{
	struct osd_pg_oid o = oid_of((uint32_t)name[0] * 7919u, "", name);

	ck_assert_int_eq(osd_pglog_entry_init(e, op, v, prior, &o, (struct osd_reqid){client, tid}),
			 0);
}

static void append(struct osd_pglog *log, struct osd_ev v, const char *name, uint64_t client,
		   uint64_t tid)
{
	struct osd_pglog_entry e;

	entry(&e, OSD_PGLOG_MODIFY, v, OSD_EV_ZERO, name, client, tid);
	ck_assert_int_eq(osd_pglog_append(log, &e), 0);
	osd_pglog_entry_fini(&e);
}

/* ---- versions ---------------------------------------------------------------- */

START_TEST(test_ev_order)
{
	char b[OSD_EV_STRLEN];

	ck_assert_int_lt(osd_ev_cmp(ev(1, 5), ev(1, 6)), 0);
	ck_assert_int_gt(osd_ev_cmp(ev(1, 7), ev(1, 6)), 0);
	/* epoch first: a later primary's write sorts after an older one's */
	ck_assert_int_gt(osd_ev_cmp(ev(5, 10), ev(3, 11)), 0);
	ck_assert_int_lt(osd_ev_cmp(ev(3, 11), ev(5, 10)), 0);
	ck_assert_int_eq(osd_ev_cmp(ev(4, 4), ev(4, 4)), 0);
	ck_assert(osd_ev_eq(ev(4, 4), ev(4, 4)));
	ck_assert(!osd_ev_eq(ev(4, 4), ev(4, 5)));
	ck_assert(osd_ev_is_zero(OSD_EV_ZERO));
	ck_assert(!osd_ev_is_zero(ev(0, 1)));
	ck_assert_int_lt(osd_ev_cmp(OSD_EV_ZERO, ev(0, 1)), 0);
	ck_assert_int_gt(osd_ev_cmp(ev(UINT32_MAX, 0), ev(UINT32_MAX - 1, UINT64_MAX)), 0);
	ck_assert_str_eq(osd_ev_format(ev(5, 12), b), "5'12");
	ck_assert_str_eq(osd_ev_format(ev(UINT32_MAX, UINT64_MAX), b),
			 "4294967295'18446744073709551615");
}
END_TEST

START_TEST(test_ev_total_order)
{
	/* antisymmetric and transitive over a grid */
	struct osd_ev v[27];
	int k = 0;

	for (uint32_t e = 0; e < 3; e++)
		for (uint64_t x = 0; x < 9; x += 4)
			for (int d = 0; d < 3; d++)
				v[k++] = ev(e, x + (uint64_t)d);
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			ck_assert_int_eq(osd_ev_cmp(v[i], v[j]), -osd_ev_cmp(v[j], v[i]));
			for (int l = 0; l < k; l++)
				if (osd_ev_cmp(v[i], v[j]) < 0 && osd_ev_cmp(v[j], v[l]) < 0)
					ck_assert_int_lt(osd_ev_cmp(v[i], v[l]), 0);
		}
}
END_TEST

START_TEST(test_oid_order)
{
	struct osd_pg_oid a = oid_of(1, "", "b"), b = oid_of(2, "", "a"), c = oid_of(2, "", "b"),
			  d = oid_of(2, "x", "b");

	ck_assert_int_lt(osd_pg_oid_cmp(&a, &b), 0); /* hash first */
	ck_assert_int_lt(osd_pg_oid_cmp(&b, &c), 0); /* then name */
	ck_assert_int_lt(osd_pg_oid_cmp(&c, &d), 0); /* then namespace */
	ck_assert_int_eq(osd_pg_oid_cmp(&d, &d), 0);
	ck_assert_int_gt(osd_pg_oid_cmp(&d, &a), 0);
}
END_TEST

/* ---- entries ----------------------------------------------------------------- */

START_TEST(test_entry_init)
{
	struct osd_pglog_entry e, f;
	struct osd_pg_oid o = oid_of(9, "ns", "obj");
	struct osd_pg_oid empty = oid_of(9, "", "");
	struct osd_pg_oid nul = {.hash = 1, .nspace = NULL, .name = "x"};
	char *big = malloc(OSD_PG_NAME_MAX + 2);
	struct osd_reqid r = {4, 2};

	ck_assert_int_eq(osd_pglog_entry_init(&e, 3, ev(1, 2), ev(1, 1), &o, r), -EINVAL);
	ck_assert_int_eq(osd_pglog_entry_init(&e, OSD_PGLOG_MODIFY, ev(1, 2), ev(1, 2), &o, r),
			 -EINVAL);
	ck_assert_int_eq(osd_pglog_entry_init(&e, OSD_PGLOG_MODIFY, ev(1, 2), ev(2, 1), &o, r),
			 -EINVAL);
	ck_assert_int_eq(osd_pglog_entry_init(&e, OSD_PGLOG_MODIFY, ev(1, 2), ev(1, 1), &empty, r),
			 -EINVAL);
	ck_assert_int_eq(osd_pglog_entry_init(&e, OSD_PGLOG_MODIFY, ev(1, 2), ev(1, 1), &nul, r),
			 -EINVAL);
	memset(big, 'a', OSD_PG_NAME_MAX + 1);
	big[OSD_PG_NAME_MAX + 1] = 0;
	struct osd_pg_oid bo = oid_of(1, "", big);
	ck_assert_int_eq(osd_pglog_entry_init(&e, OSD_PGLOG_MODIFY, ev(1, 2), ev(1, 1), &bo, r),
			 -EINVAL);
	big[OSD_PG_NAME_MAX] = 0; /* exactly the limit is fine */
	ck_assert_int_eq(osd_pglog_entry_init(&e, OSD_PGLOG_MODIFY, ev(1, 2), ev(1, 1), &bo, r), 0);
	osd_pglog_entry_fini(&e);
	free(big);

	ck_assert_int_eq(osd_pglog_entry_init(&e, OSD_PGLOG_DELETE, ev(3, 9), ev(1, 1), &o, r), 0);
	ck_assert_ptr_ne(e.oid.name, o.name); /* copied */
	ck_assert_int_eq(osd_pglog_entry_copy(&f, &e), 0);
	ck_assert(osd_pglog_entry_equal(&e, &f));
	f.reqid.tid++;
	ck_assert(!osd_pglog_entry_equal(&e, &f));
	osd_pglog_entry_fini(&e);
	osd_pglog_entry_fini(&f);
	osd_pglog_entry_fini(NULL);
}
END_TEST

/* ---- the log ----------------------------------------------------------------- */

START_TEST(test_log_append_find)
{
	struct osd_pglog log;
	struct osd_pglog_entry e;

	osd_pglog_init(&log);
	ck_assert(osd_pglog_has(&log, OSD_EV_ZERO));
	append(&log, ev(1, 1), "a", 1, 1);
	append(&log, ev(1, 2), "b", 1, 2);
	append(&log, ev(3, 3), "a", 2, 1);
	ck_assert_uint_eq(osd_pglog_count(&log), 3);
	ck_assert(osd_ev_eq(log.head, ev(3, 3)));
	ck_assert(osd_ev_eq(log.tail, OSD_EV_ZERO));
	ck_assert_int_eq(osd_pglog_validate(&log), 0);

	/* not newer than the head: refused, log unchanged */
	entry(&e, OSD_PGLOG_MODIFY, ev(3, 3), OSD_EV_ZERO, "c", 0, 0);
	ck_assert_int_eq(osd_pglog_append(&log, &e), -EINVAL);
	osd_pglog_entry_fini(&e);
	entry(&e, OSD_PGLOG_MODIFY, ev(2, 9), OSD_EV_ZERO, "c", 0, 0);
	ck_assert_int_eq(osd_pglog_append(&log, &e), -EINVAL);
	osd_pglog_entry_fini(&e);
	ck_assert_uint_eq(osd_pglog_count(&log), 3);

	ck_assert_int_eq(osd_pglog_find(&log, ev(1, 2)), 1);
	ck_assert_int_eq(osd_pglog_find(&log, ev(3, 3)), 2);
	ck_assert_int_eq(osd_pglog_find(&log, ev(2, 2)), -ENOENT);
	ck_assert(osd_pglog_has(&log, ev(1, 1)));
	ck_assert(!osd_pglog_has(&log, ev(1, 3)));

	struct osd_pg_oid a = oid_of('a' * 7919u, "", "a");
	ck_assert(osd_ev_eq(osd_pglog_latest(&log, &a)->version, ev(3, 3)));
	struct osd_pg_oid z = oid_of('z' * 7919u, "", "z");
	ck_assert_ptr_null(osd_pglog_latest(&log, &z));
	osd_pglog_fini(&log);
}
END_TEST

START_TEST(test_log_trim_rollback)
{
	struct osd_pglog log;

	osd_pglog_init(&log);
	for (uint64_t i = 1; i <= 10; i++)
		append(&log, ev(2, i), "o", 0, 0);

	osd_pglog_trim(&log, ev(1, 99)); /* nothing that old */
	ck_assert_uint_eq(osd_pglog_count(&log), 10);
	osd_pglog_trim(&log, ev(2, 3));
	ck_assert_uint_eq(osd_pglog_count(&log), 7);
	ck_assert(osd_ev_eq(log.tail, ev(2, 3)));
	ck_assert(osd_pglog_has(&log, ev(2, 3))); /* the tail is history we know */
	ck_assert(!osd_pglog_has(&log, ev(2, 2))); /* older: unknown */
	ck_assert_int_eq(osd_pglog_validate(&log), 0);

	/* rollback: not below the tail, only to versions in the history */
	ck_assert_int_eq(osd_pglog_rollback(&log, ev(2, 2)), -EINVAL);
	ck_assert_int_eq(osd_pglog_rollback(&log, ev(1, 7)), -EINVAL);
	ck_assert_int_eq(osd_pglog_rollback(&log, ev(2, 8)), 0);
	ck_assert(osd_ev_eq(log.head, ev(2, 8)));
	ck_assert_uint_eq(osd_pglog_count(&log), 5);
	ck_assert_int_eq(osd_pglog_rollback(&log, ev(2, 3)), 0);
	ck_assert_uint_eq(osd_pglog_count(&log), 0);
	ck_assert(osd_ev_eq(log.head, log.tail));
	ck_assert_int_eq(osd_pglog_validate(&log), 0);

	/* appending continues after the rollback point */
	append(&log, ev(4, 4), "p", 0, 0);
	osd_pglog_trim(&log, ev(9, 9)); /* beyond the head: everything */
	ck_assert_uint_eq(osd_pglog_count(&log), 0);
	ck_assert(osd_ev_eq(log.tail, ev(4, 4)));
	ck_assert(osd_ev_eq(log.head, ev(4, 4)));

	osd_pglog_reset(&log, ev(7, 70));
	ck_assert(osd_ev_eq(log.tail, ev(7, 70)) && osd_ev_eq(log.head, ev(7, 70)));
	osd_pglog_fini(&log);
}
END_TEST

START_TEST(test_log_trim_bound)
{
	struct osd_pglog log;

	osd_pglog_init(&log);
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, ev(9, 9), 0, 10), OSD_EV_ZERO));
	for (uint64_t i = 1; i <= 20; i++)
		append(&log, ev(1, i), "o", 0, 0);
	/* everyone complete to 1'15, keep 3: trim to 1'15 */
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, ev(1, 15), 3, 100), ev(1, 15)));
	/* keep 10 wins over min_last_complete */
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, ev(1, 15), 10, 100), ev(1, 10)));
	/* a laggard at 1'2 holds the log back ... */
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, ev(1, 2), 3, 100), ev(1, 2)));
	/* ... but not past max_entries */
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, ev(1, 2), 3, 8), ev(1, 12)));
	/* nothing completed: tail stays */
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, OSD_EV_ZERO, 3, 100), OSD_EV_ZERO));
	/* min > max: max wins */
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, ev(1, 20), 50, 5), ev(1, 15)));
	/* few entries: keep them all */
	ck_assert(osd_ev_eq(osd_pglog_trim_bound(&log, ev(1, 20), 30, 100), OSD_EV_ZERO));
	osd_pglog_trim(&log, osd_pglog_trim_bound(&log, ev(1, 20), 4, 100));
	ck_assert_uint_eq(osd_pglog_count(&log), 4);
	ck_assert(osd_ev_eq(log.tail, ev(1, 16)));
	osd_pglog_fini(&log);
}
END_TEST

START_TEST(test_log_growth)
{
	/* Many appends with steady trimming: the slot array slides and grows,
	 * contents stay right. */
	struct osd_pglog log, cp;
	char name[16];

	osd_pglog_init(&log);
	osd_pglog_init(&cp);
	for (uint64_t i = 1; i <= 5000; i++) {
		snprintf(name, sizeof(name), "o%llu", (unsigned long long)(i % 37));
		append(&log, ev((uint32_t)(i / 100 + 1), i), name, 1 + i % 5, i);
		if (i % 3 == 0)
			osd_pglog_trim(&log, osd_pglog_trim_bound(&log, ev(99, 0), 50, 64));
	}
	ck_assert_int_eq(osd_pglog_validate(&log), 0);
	ck_assert_uint_le(osd_pglog_count(&log), 64);
	ck_assert_uint_ge(osd_pglog_count(&log), 50);
	ck_assert_uint_le(log.cap, 256);
	ck_assert_uint_eq(osd_pglog_at(&log, osd_pglog_count(&log) - 1)->version.version, 5000);
	for (size_t i = 0; i < osd_pglog_count(&log); i++)
		ck_assert_uint_eq(osd_pglog_at(&log, i)->version.version,
				  5000 - osd_pglog_count(&log) + 1 + i);
	ck_assert_int_eq(osd_pglog_copy(&cp, &log), 0);
	ck_assert_uint_eq(osd_pglog_count(&cp), osd_pglog_count(&log));
	ck_assert(osd_ev_eq(cp.tail, log.tail) && osd_ev_eq(cp.head, log.head));
	for (size_t i = 0; i < osd_pglog_count(&log); i++)
		ck_assert(osd_pglog_entry_equal(osd_pglog_at(&cp, i), osd_pglog_at(&log, i)));
	osd_pglog_fini(&log);
	osd_pglog_fini(&cp);
}
END_TEST

START_TEST(test_log_dup_detection)
{
	struct osd_pglog log;
	const struct osd_pglog_entry *e;

	osd_pglog_init(&log);
	append(&log, ev(1, 1), "a", 7, 1);
	append(&log, ev(1, 2), "b", 7, 2);
	append(&log, ev(1, 3), "c", 8, 1);
	append(&log, ev(1, 4), "d", 0, 0); /* internal op: no request id */

	e = osd_pglog_find_reqid(&log, (struct osd_reqid){7, 2});
	ck_assert_ptr_nonnull(e);
	ck_assert(osd_ev_eq(e->version, ev(1, 2)));
	e = osd_pglog_find_reqid(&log, (struct osd_reqid){8, 1});
	ck_assert(osd_ev_eq(e->version, ev(1, 3)));
	ck_assert_ptr_null(osd_pglog_find_reqid(&log, (struct osd_reqid){8, 2}));
	ck_assert_ptr_null(osd_pglog_find_reqid(&log, (struct osd_reqid){9, 1}));
	/* "no client" never matches, even though an entry carries it */
	ck_assert_ptr_null(osd_pglog_find_reqid(&log, (struct osd_reqid){0, 0}));
	/* trimmed: forgotten */
	osd_pglog_trim(&log, ev(1, 2));
	ck_assert_ptr_null(osd_pglog_find_reqid(&log, (struct osd_reqid){7, 2}));
	ck_assert_ptr_nonnull(osd_pglog_find_reqid(&log, (struct osd_reqid){8, 1}));
	/* rolled back: forgotten too (the op did not apply after all) */
	ck_assert_int_eq(osd_pglog_rollback(&log, ev(1, 2)), 0);
	ck_assert_ptr_null(osd_pglog_find_reqid(&log, (struct osd_reqid){8, 1}));
	osd_pglog_fini(&log);
}
END_TEST

START_TEST(test_log_validate)
{
	struct osd_pglog log;

	osd_pglog_init(&log);
	append(&log, ev(1, 1), "a", 0, 0);
	append(&log, ev(1, 2), "a", 0, 0);
	ck_assert_int_eq(osd_pglog_validate(&log), 0);
	log.head = ev(1, 3);
	ck_assert_int_eq(osd_pglog_validate(&log), -EINVAL);
	log.head = ev(1, 2);
	log.tail = ev(1, 1);
	ck_assert_int_eq(osd_pglog_validate(&log), -EINVAL);
	log.tail = OSD_EV_ZERO;
	log.slots[log.start + 1].version = ev(1, 1);
	log.head = ev(1, 1);
	ck_assert_int_eq(osd_pglog_validate(&log), -EINVAL);
	osd_pglog_fini(&log);
}
END_TEST

/* ---- missing ----------------------------------------------------------------- */

START_TEST(test_missing)
{
	struct osd_missing m, c;
	struct osd_pg_oid a = oid_of(5, "", "a"), b = oid_of(1, "", "b"), c2 = oid_of(5, "n", "a");
	const struct osd_missing_item *it;

	osd_missing_init(&m);
	osd_missing_init(&c);
	ck_assert_int_eq(osd_missing_add(&m, &a, ev(2, 5), ev(1, 1), 0), 0);
	ck_assert_int_eq(osd_missing_add(&m, &b, ev(2, 6), OSD_EV_ZERO, 0), 0);
	ck_assert_int_eq(osd_missing_add(&m, &c2, ev(2, 7), OSD_EV_ZERO, OSD_MISSING_DELETE), 0);
	ck_assert_int_eq(osd_missing_add(&m, &c2, ev(2, 7), OSD_EV_ZERO, 0x80), -EINVAL);
	ck_assert_uint_eq(m.n, 3);
	/* sorted: b (hash 1), a, a in namespace n */
	ck_assert_str_eq(m.items[0].oid.name, "b");
	ck_assert_str_eq(m.items[1].oid.nspace, "");
	ck_assert_str_eq(m.items[2].oid.nspace, "n");

	/* revising the need keeps what is on disk */
	ck_assert_int_eq(osd_missing_add(&m, &a, ev(3, 9), ev(2, 2), 0), 0);
	it = osd_missing_find(&m, &a);
	ck_assert(osd_ev_eq(it->need, ev(3, 9)));
	ck_assert(osd_ev_eq(it->have, ev(1, 1)));
	ck_assert_uint_eq(m.n, 3);

	ck_assert_int_eq(osd_missing_copy(&c, &m), 0);
	ck_assert(osd_missing_equal(&c, &m));
	ck_assert_int_eq(osd_missing_remove(&m, &b), 0);
	ck_assert_int_eq(osd_missing_remove(&m, &b), -ENOENT);
	ck_assert_ptr_null(osd_missing_find(&m, &b));
	ck_assert(!osd_missing_equal(&c, &m));
	osd_missing_clear(&c);
	ck_assert_uint_eq(c.n, 0);
	osd_missing_fini(&m);
	osd_missing_fini(&c);
	osd_missing_fini(NULL);
}
END_TEST

/* ---- encodings --------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void rand_name(char *s, size_t max)
{
	size_t n = 1 + rnd() % (max - 1);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)(1 + rnd() % 255); /* any byte but NUL */
	s[n] = 0;
}

static void rand_entry(struct osd_pglog_entry *e, struct osd_ev v)
{
	char name[64], ns[8];
	struct osd_ev prior = rnd() % 3 ? ev(v.epoch, v.version - 1 - rnd() % v.version) : OSD_EV_ZERO;

	rand_name(name, sizeof(name));
	if (rnd() % 2)
		rand_name(ns, sizeof(ns));
	else
		ns[0] = 0;
	struct osd_pg_oid o = oid_of((uint32_t)rnd(), ns, name);
	ck_assert_int_eq(osd_pglog_entry_init(e, rnd() % 2 ? OSD_PGLOG_MODIFY : OSD_PGLOG_DELETE,
					      v, prior, &o,
					      (struct osd_reqid){rnd() % 4, rnd()}),
			 0);
}

static struct osd_pg_info rand_info(void)
{
	struct osd_pg_info i = {
		.pgid = {.pool = (int64_t)(rnd() % 1000), .seed = (uint32_t)rnd()},
		.log_tail = ev(3, 10),
		.last_complete = ev(4, 20 + rnd() % 5),
		.last_update = ev(4, 30),
		.last_epoch_started = (uint32_t)rnd(),
		.same_interval_since = (uint32_t)rnd(),
		.last_epoch_clean = (uint32_t)rnd(),
		.needs_backfill = rnd() % 2,
	};
	return i;
}

static bool info_eq(const struct osd_pg_info *a, const struct osd_pg_info *b)
{
	return a->pgid.pool == b->pgid.pool && a->pgid.seed == b->pgid.seed &&
	       osd_ev_eq(a->last_update, b->last_update) &&
	       osd_ev_eq(a->last_complete, b->last_complete) &&
	       osd_ev_eq(a->log_tail, b->log_tail) &&
	       a->last_epoch_started == b->last_epoch_started &&
	       a->same_interval_since == b->same_interval_since &&
	       a->last_epoch_clean == b->last_epoch_clean && a->needs_backfill == b->needs_backfill;
}

static void rand_missing(struct osd_missing *m, int n)
{
	char name[32];

	osd_missing_init(m);
	for (int i = 0; i < n; i++) {
		rand_name(name, sizeof(name));
		struct osd_pg_oid o = oid_of((uint32_t)(rnd() % 8), i % 3 ? "" : "ns", name);
		ck_assert_int_eq(osd_missing_add(m, &o, ev(5, rnd() % 100 + 1), ev(2, rnd() % 50),
						 rnd() % 4 == 0 ? OSD_MISSING_DELETE : 0),
				 0);
	}
}

static void rand_log(struct osd_pglog *log, int n)
{
	osd_pglog_init(log);
	osd_pglog_reset(log, ev(2, 5));
	for (int i = 0; i < n; i++) {
		struct osd_pglog_entry e;

		rand_entry(&e, ev(3 + (uint32_t)(i / 4), 6 + (uint64_t)i));
		ck_assert_int_eq(osd_pglog_append(log, &e), 0);
		osd_pglog_entry_fini(&e);
	}
}

/* Decode one kind of value; 0 or the errno.  Frees what it decoded. */
typedef int (*decode_fn)(const uint8_t *p, size_t len);

static int dec_entry(const uint8_t *p, size_t len)
{
	struct osd_pglog_entry e;
	int rc = osd_pglog_entry_decode(p, len, &e);

	if (!rc)
		osd_pglog_entry_fini(&e);
	return rc;
}

static int dec_info(const uint8_t *p, size_t len)
{
	struct osd_pg_info i;

	return osd_pg_info_decode(p, len, &i);
}

static int dec_missing(const uint8_t *p, size_t len)
{
	struct osd_missing m;
	int rc = osd_missing_decode(p, len, &m);

	if (!rc)
		osd_missing_fini(&m);
	return rc;
}

static int dec_item(const uint8_t *p, size_t len)
{
	struct osd_missing_item it;
	int rc = osd_missing_item_decode(p, len, &it);

	if (!rc) {
		free((void *)it.oid.name);
		free((void *)it.oid.nspace);
	}
	return rc;
}

static int dec_log(const uint8_t *p, size_t len)
{
	struct osd_pglog log;
	int rc = osd_pglog_decode(p, len, &log);

	if (!rc)
		osd_pglog_fini(&log);
	return rc;
}

/* Every proper prefix, every extension and every single-byte change of a
 * valid encoding must be refused. */
static void check_damage(const struct buf *b, decode_fn dec)
{
	uint8_t *copy = malloc(b->len + 1);
	static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x5a};

	ck_assert_int_eq(dec(b->data, b->len), 0);
	for (size_t n = 0; n < b->len; n++)
		ck_assert_int_eq(dec(b->data, n), -EINVAL);
	memcpy(copy, b->data, b->len);
	copy[b->len] = 0;
	ck_assert_int_eq(dec(copy, b->len + 1), -EINVAL);
	for (size_t i = 0; i < b->len; i++) {
		for (size_t k = 0; k < sizeof(masks); k++) {
			memcpy(copy, b->data, b->len);
			copy[i] ^= masks[k];
			int rc = dec(copy, b->len);
			ck_assert_msg(rc == -EINVAL || rc == -EOPNOTSUPP,
				      "byte %zu ^ %02x decoded (%d)", i, masks[k], rc);
		}
	}
	ck_assert_int_eq(dec(NULL, 0), -EINVAL);
	free(copy);
}

START_TEST(test_enc_entry)
{
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 200; round++) {
		struct osd_pglog_entry e, d;
		struct buf b = BUF_INIT;

		rand_entry(&e, ev((uint32_t)(1 + rnd() % 1000), 1 + rnd() % 100000));
		ck_assert_int_eq(osd_pglog_entry_encode(&e, &b), 0);
		ck_assert_int_eq(osd_pglog_entry_decode(b.data, b.len, &d), 0);
		ck_assert(osd_pglog_entry_equal(&e, &d));
		if (round < 20)
			check_damage(&b, dec_entry);
		/* another type's decoder refuses it */
		ck_assert_int_eq(dec_info(b.data, b.len), -EINVAL);
		ck_assert_int_eq(dec_item(b.data, b.len), -EINVAL);
		osd_pglog_entry_fini(&e);
		osd_pglog_entry_fini(&d);
		buf_fini(&b);
	}
}
END_TEST

START_TEST(test_enc_info)
{
	rng_state = 12345;
	for (int round = 0; round < 100; round++) {
		struct osd_pg_info i = rand_info(), d;
		struct buf b = BUF_INIT;

		ck_assert_int_eq(osd_pg_info_encode(&i, &b), 0);
		ck_assert_int_eq(osd_pg_info_decode(b.data, b.len, &d), 0);
		ck_assert(info_eq(&i, &d));
		if (round < 20)
			check_damage(&b, dec_info);
		ck_assert_int_eq(dec_entry(b.data, b.len), -EINVAL);
		buf_fini(&b);
	}
}
END_TEST

START_TEST(test_enc_missing)
{
	rng_state = 777;
	for (int round = 0; round < 60; round++) {
		struct osd_missing m, d;
		struct buf b = BUF_INIT;

		rand_missing(&m, round % 7);
		ck_assert_int_eq(osd_missing_encode(&m, &b), 0);
		ck_assert_int_eq(osd_missing_decode(b.data, b.len, &d), 0);
		ck_assert(osd_missing_equal(&m, &d));
		if (round < 10)
			check_damage(&b, dec_missing);
		for (size_t k = 0; k < m.n && round < 10; k++) {
			struct buf ib = BUF_INIT;
			struct osd_missing_item it;

			ck_assert_int_eq(osd_missing_item_encode(&m.items[k], &ib), 0);
			ck_assert_int_eq(osd_missing_item_decode(ib.data, ib.len, &it), 0);
			ck_assert_int_eq(osd_pg_oid_cmp(&it.oid, &m.items[k].oid), 0);
			ck_assert(osd_ev_eq(it.need, m.items[k].need));
			ck_assert(osd_ev_eq(it.have, m.items[k].have));
			ck_assert_uint_eq(it.flags, m.items[k].flags);
			free((void *)it.oid.name);
			free((void *)it.oid.nspace);
			check_damage(&ib, dec_item);
			buf_fini(&ib);
		}
		osd_missing_fini(&m);
		osd_missing_fini(&d);
		buf_fini(&b);
	}
}
END_TEST

START_TEST(test_enc_log)
{
	rng_state = 4242;
	for (int round = 0; round < 30; round++) {
		struct osd_pglog log, d;
		struct buf b = BUF_INIT;

		rand_log(&log, round);
		ck_assert_int_eq(osd_pglog_encode(&log, &b), 0);
		ck_assert_int_eq(osd_pglog_decode(b.data, b.len, &d), 0);
		ck_assert(osd_ev_eq(d.tail, log.tail) && osd_ev_eq(d.head, log.head));
		ck_assert_uint_eq(osd_pglog_count(&d), osd_pglog_count(&log));
		for (size_t i = 0; i < osd_pglog_count(&log); i++)
			ck_assert(osd_pglog_entry_equal(osd_pglog_at(&d, i), osd_pglog_at(&log, i)));
		if (round < 6)
			check_damage(&b, dec_log);
		osd_pglog_fini(&log);
		osd_pglog_fini(&d);
		buf_fini(&b);
	}
}
END_TEST

/* Frame @payload as a value with a valid checksum. */
static void frame(struct buf *b, uint8_t type, uint8_t v, uint8_t compat, const void *payload,
		  size_t len)
{
	uint8_t h[7], c[4];

	buf_reset(b);
	h[0] = type;
	h[1] = v;
	h[2] = compat;
	enc_put_le32(h + 3, (uint32_t)len);
	ck_assert_int_eq(buf_append(b, h, 7), 0);
	ck_assert_int_eq(buf_append(b, payload, len), 0);
	enc_put_le32(c, crc32c(0, b->data, b->len));
	ck_assert_int_eq(buf_append(b, c, 4), 0);
}

/* The payload of a valid encoding (between header and checksum). */
static void payload_of(const struct buf *b, struct buf *out)
{
	buf_reset(out);
	ck_assert_int_eq(buf_append(out, b->data + 7, b->len - 11), 0);
}

START_TEST(test_enc_versions)
{
	struct osd_pglog_entry e, d;
	struct buf b = BUF_INIT, p = BUF_INIT, f = BUF_INIT;
	struct osd_pg_info info = rand_info(), di;

	entry(&e, OSD_PGLOG_MODIFY, ev(3, 4), ev(2, 1), "obj", 1, 2);
	ck_assert_int_eq(osd_pglog_entry_encode(&e, &b), 0);
	payload_of(&b, &p);

	/* a newer writer, still compatible, with a field we do not know */
	ck_assert_int_eq(buf_append(&p, "\x01\x02\x03", 3), 0);
	frame(&f, OSD_ENC_ENTRY, 2, 1, p.data, p.len);
	ck_assert_int_eq(osd_pglog_entry_decode(f.data, f.len, &d), 0);
	ck_assert(osd_pglog_entry_equal(&e, &d));
	osd_pglog_entry_fini(&d);
	/* the same trailing bytes claiming version 1 are garbage */
	frame(&f, OSD_ENC_ENTRY, 1, 1, p.data, p.len);
	ck_assert_int_eq(dec_entry(f.data, f.len), -EINVAL);
	/* an incompatible newer format is refused as such */
	frame(&f, OSD_ENC_ENTRY, 2, 2, p.data, p.len);
	ck_assert_int_eq(dec_entry(f.data, f.len), -EOPNOTSUPP);
	/* compat newer than the version, or version 0: garbage */
	frame(&f, OSD_ENC_ENTRY, 1, 2, p.data, p.len);
	ck_assert_int_eq(dec_entry(f.data, f.len), -EINVAL);
	frame(&f, OSD_ENC_ENTRY, 0, 0, p.data, p.len);
	ck_assert_int_eq(dec_entry(f.data, f.len), -EINVAL);

	buf_reset(&b);
	ck_assert_int_eq(osd_pg_info_encode(&info, &b), 0);
	payload_of(&b, &p);
	ck_assert_int_eq(buf_append(&p, "xyz", 3), 0);
	frame(&f, OSD_ENC_INFO, 3, 1, p.data, p.len);
	ck_assert_int_eq(osd_pg_info_decode(f.data, f.len, &di), 0);
	ck_assert(info_eq(&info, &di));

	osd_pglog_entry_fini(&e);
	buf_fini(&b);
	buf_fini(&p);
	buf_fini(&f);
}
END_TEST

/* Payload builders for crafted values. */
static void p_ev(struct buf *p, uint32_t e, uint64_t v)
{
	uint8_t t[12];

	enc_put_le32(t, e);
	enc_put_le64(t + 4, v);
	ck_assert_int_eq(buf_append(p, t, 12), 0);
}

static void p_u32(struct buf *p, uint32_t v)
{
	uint8_t t[4];

	enc_put_le32(t, v);
	ck_assert_int_eq(buf_append(p, t, 4), 0);
}

static void p_str(struct buf *p, const char *s, size_t n)
{
	uint8_t t[2];

	enc_put_le16(t, (uint16_t)n);
	ck_assert_int_eq(buf_append(p, t, 2), 0);
	ck_assert_int_eq(buf_append(p, s, n), 0);
}

static void p_entry(struct buf *p, uint32_t ve, uint64_t vv, uint32_t pe, uint64_t pv, uint8_t op,
		    const char *name, size_t name_len)
{
	uint8_t z[16] = {0};

	p_ev(p, ve, vv);
	p_ev(p, pe, pv);
	ck_assert_int_eq(buf_append_byte(p, op), 0);
	p_u32(p, 7);
	p_str(p, "", 0);
	p_str(p, name, name_len);
	ck_assert_int_eq(buf_append(p, z, 16), 0);
}

START_TEST(test_enc_crafted)
{
	struct buf p = BUF_INIT, f = BUF_INIT;

	/* sanity: the builder makes a valid entry */
	p_entry(&p, 2, 5, 2, 4, OSD_PGLOG_MODIFY, "ok", 2);
	frame(&f, OSD_ENC_ENTRY, 1, 1, p.data, p.len);
	ck_assert_int_eq(dec_entry(f.data, f.len), 0);

	struct {
		uint32_t ve;
		uint64_t vv;
		uint32_t pe;
		uint64_t pv;
		uint8_t op;
		const char *name;
		size_t len;
	} bad[] = {
		{2, 5, 2, 5, OSD_PGLOG_MODIFY, "ok", 2}, /* prior == version */
		{2, 5, 3, 1, OSD_PGLOG_MODIFY, "ok", 2}, /* prior newer */
		{2, 5, 2, 4, 0, "ok", 2},		 /* op 0 */
		{2, 5, 2, 4, 9, "ok", 2},		 /* op 9 */
		{2, 5, 2, 4, OSD_PGLOG_MODIFY, "", 0},	 /* empty name */
		{2, 5, 2, 4, OSD_PGLOG_MODIFY, "a\0b", 3}, /* NUL inside */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&p);
		p_entry(&p, bad[i].ve, bad[i].vv, bad[i].pe, bad[i].pv, bad[i].op, bad[i].name,
			bad[i].len);
		frame(&f, OSD_ENC_ENTRY, 1, 1, p.data, p.len);
		ck_assert_msg(dec_entry(f.data, f.len) == -EINVAL, "crafted entry %zu", i);
	}
	/* a name longer than the limit */
	char *big = malloc(OSD_PG_NAME_MAX + 1);
	memset(big, 'n', OSD_PG_NAME_MAX + 1);
	buf_reset(&p);
	p_entry(&p, 2, 5, 2, 4, OSD_PGLOG_MODIFY, big, OSD_PG_NAME_MAX + 1);
	frame(&f, OSD_ENC_ENTRY, 1, 1, p.data, p.len);
	ck_assert_int_eq(dec_entry(f.data, f.len), -EINVAL);
	free(big);

	/* missing: a count far beyond the bytes present, unsorted, bad flags */
	buf_reset(&p);
	p_u32(&p, 0x7fffffff);
	frame(&f, OSD_ENC_MISSING, 1, 1, p.data, p.len);
	ck_assert_int_eq(dec_missing(f.data, f.len), -EINVAL);
	for (int variant = 0; variant < 3; variant++) {
		buf_reset(&p);
		p_u32(&p, 2);
		for (int k = 0; k < 2; k++) {
			/* 0: out of order; 1: duplicate; 2: sorted, unknown flag */
			const char *n = variant == 0 ? (k ? "a" : "b")
				      : variant == 1 ? "same"
						     : (k ? "y" : "x");
			p_u32(&p, 1);
			p_str(&p, "", 0);
			p_str(&p, n, strlen(n));
			p_ev(&p, 3, 3);
			p_ev(&p, 1, 1);
			ck_assert_int_eq(buf_append_byte(&p, variant == 2 && k ? 0x40 : 0), 0);
		}
		frame(&f, OSD_ENC_MISSING, 1, 1, p.data, p.len);
		ck_assert_msg(dec_missing(f.data, f.len) == -EINVAL, "missing variant %d", variant);
	}

	/* info: versions out of order, unknown flag, negative pool */
	for (int variant = 0; variant < 4; variant++) {
		uint8_t t[8];

		buf_reset(&p);
		enc_put_le64(t, variant == 3 ? (uint64_t)-1 : 1);
		ck_assert_int_eq(buf_append(&p, t, 8), 0);
		p_u32(&p, 0);
		p_ev(&p, 5, 5);						/* last_update */
		p_ev(&p, variant == 0 ? 6 : 5, 5);			/* last_complete */
		p_ev(&p, variant == 1 ? 6 : 1, 1);			/* log_tail */
		p_u32(&p, 1);
		p_u32(&p, 1);
		p_u32(&p, 1);
		ck_assert_int_eq(buf_append_byte(&p, variant == 2 ? 0x2 : 0), 0);
		frame(&f, OSD_ENC_INFO, 1, 1, p.data, p.len);
		ck_assert_msg(dec_info(f.data, f.len) == -EINVAL, "info variant %d", variant);
	}

	/* log: entries out of order; head not matching the entries */
	for (int variant = 0; variant < 3; variant++) {
		buf_reset(&p);
		p_ev(&p, 1, 0);
		p_ev(&p, 1, variant == 1 ? 9 : 3);
		p_u32(&p, 2);
		p_entry(&p, 1, variant == 0 ? 3 : 2, 0, 0, OSD_PGLOG_MODIFY, "a", 1);
		p_entry(&p, 1, variant == 2 ? 0 : 3, 0, 0, OSD_PGLOG_MODIFY, "b", 1);
		frame(&f, OSD_ENC_LOG, 1, 1, p.data, p.len);
		ck_assert_msg(dec_log(f.data, f.len) == -EINVAL, "log variant %d", variant);
	}
	buf_fini(&p);
	buf_fini(&f);
}
END_TEST

/* ---- keys -------------------------------------------------------------------- */

START_TEST(test_keys)
{
	uint8_t ka[OSD_PGLOG_KEY_LEN], kb[OSD_PGLOG_KEY_LEN];
	struct osd_ev back;

	rng_state = 99;
	for (int i = 0; i < 20000; i++) {
		/* small ranges so equal epochs and carries across bytes happen */
		struct osd_ev a = ev((uint32_t)(rnd() % 3) << (rnd() % 2 ? 0 : 24),
				     rnd() % 2 ? rnd() % 300 : rnd());
		struct osd_ev b = ev((uint32_t)(rnd() % 3) << (rnd() % 2 ? 0 : 24),
				     rnd() % 2 ? rnd() % 300 : rnd());
		int c;

		osd_pglog_key(a, ka);
		osd_pglog_key(b, kb);
		c = memcmp(ka, kb, OSD_PGLOG_KEY_LEN);
		ck_assert_int_eq(c < 0 ? -1 : c > 0, osd_ev_cmp(a, b));
		ck_assert_int_eq(osd_pglog_key_parse(ka, sizeof(ka), &back), 0);
		ck_assert(osd_ev_eq(back, a));
	}
	ck_assert_int_eq(osd_pglog_key_parse(ka, sizeof(ka) - 1, &back), -EINVAL);
	ka[0] = 'M';
	ck_assert_int_eq(osd_pglog_key_parse(ka, sizeof(ka), &back), -EINVAL);
	ck_assert_int_eq(osd_pglog_key_parse(NULL, 0, &back), -EINVAL);
	/* the info key sorts apart from both ranges */
	ck_assert_int_ne(OSD_PG_INFO_KEY[0], 'L');
	ck_assert_int_ne(OSD_PG_INFO_KEY[0], 'M');

	/* missing keys list in the object store's order */
	static const char *names[] = {"a", "ab", "b", "a b", "zz", "a\x01"};
	static const char *spaces[] = {"", "n", "n2"};
	for (int i = 0; i < 2000; i++) {
		struct osd_pg_oid x = oid_of((uint32_t)(rnd() % 3) << 24 | (uint32_t)(rnd() % 2),
					     spaces[rnd() % 3], names[rnd() % 6]);
		struct osd_pg_oid y = oid_of((uint32_t)(rnd() % 3) << 24 | (uint32_t)(rnd() % 2),
					     spaces[rnd() % 3], names[rnd() % 6]);
		struct buf bx = BUF_INIT, by = BUF_INIT;
		size_t n;
		int c;

		ck_assert_int_eq(osd_missing_key(&x, &bx), 0);
		ck_assert_int_eq(osd_missing_key(&y, &by), 0);
		n = bx.len < by.len ? bx.len : by.len;
		c = memcmp(bx.data, by.data, n);
		if (!c)
			c = bx.len < by.len ? -1 : bx.len > by.len;
		ck_assert_int_eq(c < 0 ? -1 : c > 0, osd_pg_oid_cmp(&x, &y));
		buf_fini(&bx);
		buf_fini(&by);
	}
}
END_TEST

static Suite *pglog_suite(void)
{
	Suite *s = suite_create("osd_pglog");
	TCase *tc;

	tc = tcase_create("versions");
	tcase_add_test(tc, test_ev_order);
	tcase_add_test(tc, test_ev_total_order);
	tcase_add_test(tc, test_oid_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_test(tc, test_entry_init);
	tcase_add_test(tc, test_log_append_find);
	tcase_add_test(tc, test_log_trim_rollback);
	tcase_add_test(tc, test_log_trim_bound);
	tcase_add_test(tc, test_log_growth);
	tcase_add_test(tc, test_log_dup_detection);
	tcase_add_test(tc, test_log_validate);
	suite_add_tcase(s, tc);

	tc = tcase_create("missing");
	tcase_add_test(tc, test_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("encoding");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_enc_entry);
	tcase_add_test(tc, test_enc_info);
	tcase_add_test(tc, test_enc_missing);
	tcase_add_test(tc, test_enc_log);
	tcase_add_test(tc, test_enc_versions);
	tcase_add_test(tc, test_enc_crafted);
	tcase_add_test(tc, test_keys);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pglog_suite)
