/*
 * test_mon_core.c - unit tests for the monitor consensus core: elections,
 * Paxos, persistence gating, leases, stickiness, catch-up and sync requests.
 *
 * A tiny in-test harness delivers messages in order with no loss and
 * persists instantly; time is virtual, nothing sleeps.  The randomized,
 * fault-injecting tests live in test/sim/.
 */
#include "mon_core.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HN 5

struct harness {
	int n;
	struct mon_config cfg[HN];
	struct mon_core *c[HN];
	struct mon_durable d[HN];
	bool up[HN];
	bool cut[HN]; /* isolated from everyone */
	mon_time_t wake[HN];
	struct mon_msg *q;
	size_t qn, qcap;
	mon_time_t now;
	uint64_t lc_events[HN]; /* last MON_EV_COMMIT version */
	int sync_needed[HN];
	struct mon_out out;
};

static void h_process(struct harness *h, int m)
{
	for (;;) {
		uint64_t maxseq = 0;

		for (size_t i = 0; i < h->out.n_events; i++) {
			struct mon_event *e = &h->out.events[i];

			if (e->type == MON_EV_COMMIT) {
				ck_assert_uint_eq(e->version, h->lc_events[m] + 1);
				h->lc_events[m] = e->version;
			}
			if (e->type == MON_EV_SYNC_NEEDED)
				h->sync_needed[m]++;
		}
		for (size_t i = 0; i < h->out.n_persists; i++) {
			ck_assert_int_eq(mon_durable_apply(&h->d[m], &h->out.persists[i]), 0);
			maxseq = h->out.persists[i].seq;
		}
		for (size_t i = 0; i < h->out.n_msgs; i++) {
			if (h->qn == h->qcap) {
				h->qcap = h->qcap ? h->qcap * 2 : 256;
				h->q = realloc(h->q, h->qcap * sizeof(*h->q));
				ck_assert_ptr_nonnull(h->q);
			}
			h->q[h->qn++] = h->out.msgs[i];
			h->out.msgs[i].value = NULL;
		}
		h->wake[m] = h->out.wake_at;
		mon_out_clear(&h->out);
		if (!maxseq)
			return;
		ck_assert_int_eq(mon_core_persisted(h->c[m], h->now, maxseq, &h->out), 0);
	}
}

static void h_start(struct harness *h, int m)
{
	ck_assert_int_eq(mon_core_create(&h->cfg[m], &h->d[m], h->now, &h->out, &h->c[m]), 0);
	h->up[m] = true;
	h->lc_events[m] = h->d[m].lc;
	h_process(h, m);
}

static void h_init(struct harness *h, int n, const uint32_t *weights)
{
	memset(h, 0, sizeof(*h));
	h->n = n;
	mon_out_init(&h->out);
	for (int m = 0; m < n; m++) {
		mon_config_default(&h->cfg[m], m, n);
		if (weights)
			memcpy(h->cfg[m].weight, weights, sizeof(uint32_t) * (size_t)n);
		mon_durable_init(&h->d[m]);
	}
}

static void h_crash(struct harness *h, int m)
{
	mon_core_destroy(h->c[m]);
	h->c[m] = NULL;
	h->up[m] = false;
}

static void h_fini(struct harness *h)
{
	for (int m = 0; m < h->n; m++) {
		mon_core_destroy(h->c[m]);
		mon_durable_fini(&h->d[m]);
	}
	for (size_t i = 0; i < h->qn; i++)
		free(h->q[i].value);
	free(h->q);
	mon_out_fini(&h->out);
}

/* Deliver everything queued (FIFO); then advance to the next wake-up. */
static void h_run(struct harness *h, mon_time_t until)
{
	while (h->now <= until) {
		while (h->qn) {
			struct mon_msg m = h->q[0];

			memmove(h->q, h->q + 1, (h->qn - 1) * sizeof(*h->q));
			h->qn--;
			if (h->up[m.to] && !h->cut[m.to] && !h->cut[m.from]) {
				ck_assert_int_eq(mon_core_receive(h->c[m.to], h->now, &m, &h->out),
						 0);
				h_process(h, m.to);
			}
			free(m.value);
		}
		mon_time_t next = until + 1;

		for (int m = 0; m < h->n; m++)
			if (h->up[m] && h->wake[m] < next)
				next = h->wake[m];
		if (next > until)
			break;
		h->now = next > h->now ? next : h->now + 1;
		for (int m = 0; m < h->n; m++) {
			if (h->up[m] && h->wake[m] <= h->now) {
				ck_assert_int_eq(mon_core_tick(h->c[m], h->now, &h->out), 0);
				h_process(h, m);
			}
		}
	}
	h->now = until;
}

static void h_start_all(struct harness *h)
{
	for (int m = 0; m < h->n; m++)
		h_start(h, m);
}

static int h_leader(struct harness *h)
{
	int l = -1;

	for (int m = 0; m < h->n; m++) {
		if (h->up[m] && mon_core_is_leader(h->c[m])) {
			ck_assert_int_eq(l, -1);
			l = m;
		}
	}
	return l;
}

static void h_propose(struct harness *h, int m, const char *s)
{
	ck_assert_int_eq(mon_core_propose(h->c[m], h->now, s, strlen(s), &h->out), 0);
	h_process(h, m);
}

/* ---- elections ---- */

START_TEST(test_elect_lowest_rank)
{
	struct harness h;

	h_init(&h, 3, NULL);
	h_start_all(&h);
	h_run(&h, 2000);
	ck_assert_int_eq(h_leader(&h), 0);
	for (int m = 1; m < 3; m++)
		ck_assert_int_eq(mon_core_leader(h.c[m]), 0);
	ck_assert_uint_eq(mon_core_epoch(h.c[0]) % 2, 0);
	h_fini(&h);
}
END_TEST

START_TEST(test_elect_weighted)
{
	static const uint32_t w[5] = {1, 1, 5, 5, 1};
	struct harness h;

	h_init(&h, 5, w);
	h_start_all(&h);
	h_run(&h, 2000);
	ck_assert_int_eq(h_leader(&h), 2); /* highest weight, lowest rank among ties */
	h_fini(&h);
}
END_TEST

START_TEST(test_elect_failover_and_stickiness)
{
	struct harness h;
	uint64_t ep;

	h_init(&h, 3, NULL);
	h_start_all(&h);
	h_run(&h, 2000);
	ck_assert_int_eq(h_leader(&h), 0);
	h_crash(&h, 0);
	h_run(&h, 6000);
	ck_assert_int_eq(h_leader(&h), 1);
	/* Rank 0 returns: it outranks the leader, but must knock for
	 * stable_ms before it takes over. */
	h_start(&h, 0);
	h_run(&h, 6000 + h.cfg[0].stable_ms / 2);
	ck_assert_int_eq(h_leader(&h), 1);
	h_run(&h, 6000 + 2 * h.cfg[0].stable_ms + 2000);
	ck_assert_int_eq(h_leader(&h), 0);
	ep = mon_core_epoch(h.c[0]);
	ck_assert_uint_eq(ep, mon_core_epoch(h.c[1]));
	h_fini(&h);
}
END_TEST

START_TEST(test_elect_lower_rank_rejoins_at_once)
{
	struct harness h;

	h_init(&h, 3, NULL);
	h_start_all(&h);
	h_run(&h, 2000);
	h_crash(&h, 2);
	h_run(&h, 3000);
	ck_assert_int_eq(h_leader(&h), 0);
	h_start(&h, 2);
	h_run(&h, 4500); /* well under stable_ms */
	ck_assert_int_eq(h_leader(&h), 0);
	ck_assert_int_eq(mon_core_leader(h.c[2]), 0);
	h_fini(&h);
}
END_TEST

/* ---- Paxos ---- */

START_TEST(test_paxos_commit_everywhere)
{
	struct harness h;
	const struct mon_value *v;
	size_t pos = 0, len;
	const uint8_t *d;

	h_init(&h, 3, NULL);
	h_start_all(&h);
	h_run(&h, 2000);
	ck_assert(mon_core_is_active(h.c[0]));
	ck_assert_int_eq(mon_core_propose(h.c[1], h.now, "x", 1, &h.out), -EAGAIN);
	mon_out_clear(&h.out);
	h_propose(&h, 0, "hello");
	h_propose(&h, 0, "world");
	h_run(&h, 3000);
	for (int m = 0; m < 3; m++) {
		ck_assert_uint_ge(mon_core_last_committed(h.c[m]), 1);
		ck_assert_uint_eq(h.d[m].lc, mon_core_last_committed(h.c[m]));
	}
	/* The first value holds "hello" (maybe batched with "world"). */
	v = &h.d[2].log[1 - h.d[2].fc];
	ck_assert_int_eq(mon_batch_next(v->data, v->len, &pos, &d, &len), 1);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(d, "hello", 5);
	h_fini(&h);
}
END_TEST

START_TEST(test_paxos_restart_keeps_commits)
{
	struct harness h;

	h_init(&h, 3, NULL);
	h_start_all(&h);
	h_run(&h, 2000);
	h_propose(&h, 0, "a");
	h_run(&h, 2500);
	h_propose(&h, 0, "b");
	h_run(&h, 3000);
	ck_assert_uint_eq(mon_core_last_committed(h.c[1]), 2);
	for (int m = 0; m < 3; m++)
		h_crash(&h, m);
	h_start_all(&h);
	ck_assert_uint_eq(mon_core_last_committed(h.c[1]), 2);
	h_run(&h, 6000);
	ck_assert_int_eq(h_leader(&h), 0);
	h_propose(&h, 0, "c");
	h_run(&h, 8000);
	for (int m = 0; m < 3; m++)
		ck_assert_uint_eq(mon_core_last_committed(h.c[m]), 3);
	h_fini(&h);
}
END_TEST

/* An acceptor's ACCEPT leaves only after its accept record is durable. */
START_TEST(test_paxos_accept_gated_on_persist)
{
	struct mon_config cfg;
	struct mon_durable d;
	struct mon_out out;
	struct mon_core *c;
	struct mon_msg m = {0};
	uint64_t seq = 0;
	bool saw_accept_persist = false;

	mon_config_default(&cfg, 1, 3);
	mon_durable_init(&d);
	mon_out_init(&out);
	ck_assert_int_eq(mon_core_create(&cfg, &d, 0, &out, &c), 0);
	for (size_t i = 0; i < out.n_persists; i++)
		seq = out.persists[i].seq;
	mon_out_clear(&out);
	mon_core_persisted(c, 1, seq, &out);
	mon_out_clear(&out);
	/* Vote for 0 in epoch 3 and follow its victory. */
	m = (struct mon_msg){
	    .type = MON_MSG_ELECT_PROPOSE, .flags = MON_MSGF_CAND, .from = 0, .to = 1, .epoch = 3};
	mon_core_receive(c, 2, &m, &out);
	mon_out_clear(&out);
	mon_core_tick(c, 200, &out);
	for (size_t i = 0; i < out.n_persists; i++)
		seq = out.persists[i].seq;
	mon_out_clear(&out);
	mon_core_persisted(c, 201, seq, &out);
	mon_out_clear(&out);
	m = (struct mon_msg){
	    .type = MON_MSG_ELECT_VICTORY, .from = 0, .to = 1, .epoch = 4, .quorum = 7};
	mon_core_receive(c, 202, &m, &out);
	mon_out_clear(&out);
	ck_assert_int_eq(mon_core_leader(c), 0);
	m = (struct mon_msg){.type = MON_MSG_PAXOS_BEGIN,
			     .from = 0,
			     .to = 1,
			     .epoch = 4,
			     .quorum = 7,
			     .pn = 0x100,
			     .version = 1,
			     .value = (uint8_t *)"v",
			     .len = 1};
	mon_core_receive(c, 203, &m, &out);
	for (size_t i = 0; i < out.n_persists; i++) {
		if (out.persists[i].type == MON_PERSIST_ACCEPT)
			saw_accept_persist = true;
		seq = out.persists[i].seq;
	}
	ck_assert(saw_accept_persist);
	for (size_t i = 0; i < out.n_msgs; i++)
		ck_assert_uint_ne(out.msgs[i].type, MON_MSG_PAXOS_ACCEPT);
	mon_out_clear(&out);
	mon_core_persisted(c, 210, seq, &out);
	ck_assert_uint_eq(out.n_msgs, 1);
	ck_assert_uint_eq(out.msgs[0].type, MON_MSG_PAXOS_ACCEPT);
	ck_assert_uint_eq(out.msgs[0].pn, 0x100);
	mon_out_fini(&out);
	mon_core_destroy(c);
	mon_durable_fini(&d);
}
END_TEST

/* ---- leases ---- */

START_TEST(test_lease_expires)
{
	struct harness h;
	bool any = false;

	h_init(&h, 3, NULL);
	h_start_all(&h);
	h_run(&h, 2000);
	h_propose(&h, 0, "a");
	h_run(&h, 3000);
	for (int m = 0; m < 3; m++)
		any |= mon_core_is_readable(h.c[m], h.now);
	ck_assert(any);
	ck_assert(mon_core_is_readable(h.c[0], h.now));
	/* Cut the leader off: nobody may stay readable past lease_ms. */
	h.cut[0] = true;
	h_run(&h, 3000 + h.cfg[0].lease_ms + 10);
	for (int m = 0; m < 3; m++)
		ck_assert(!mon_core_is_readable(h.c[m], h.now));
	h_fini(&h);
}
END_TEST

/* ---- catch-up and sync ---- */

START_TEST(test_catchup_and_sync_request)
{
	struct harness h;
	char buf[16];

	h_init(&h, 3, NULL);
	h_start_all(&h);
	h_run(&h, 2000);
	h_crash(&h, 2);
	h_run(&h, 2100);
	for (int i = 0; i < 5; i++) {
		snprintf(buf, sizeof(buf), "a%d", i);
		h_propose(&h, 0, buf);
		h_run(&h, h.now + 50);
	}
	h_start(&h, 2);
	h_run(&h, h.now + 6000);
	/* Small gap: plain catch-up. */
	ck_assert_uint_eq(mon_core_last_committed(h.c[2]), mon_core_last_committed(h.c[0]));
	ck_assert_int_eq(h.sync_needed[2], 0);
	h_crash(&h, 2);
	for (int i = 0; i < 150; i++) {
		snprintf(buf, sizeof(buf), "b%d", i);
		h_propose(&h, 0, buf);
		h_run(&h, h.now + 20);
	}
	ck_assert_uint_gt(h.d[0].fc, h.d[2].lc + 1); /* the leader trimmed */
	h_start(&h, 2);
	h_run(&h, h.now + 6000);
	ck_assert_int_gt(h.sync_needed[2], 0);
	/* Play the store sync: copy the leader's image, report it. */
	mon_durable_install_sync(&h.d[2], h.d[0].lc);
	ck_assert_int_eq(mon_core_sync_installed(h.c[2], h.now, h.d[0].lc, &h.out), 0);
	h.lc_events[2] = h.d[0].lc;
	h_process(&h, 2);
	h_run(&h, h.now + 3000);
	ck_assert_uint_eq(mon_core_last_committed(h.c[2]), mon_core_last_committed(h.c[0]));
	h_fini(&h);
}
END_TEST

/* ---- API edges ---- */

START_TEST(test_api_errors)
{
	struct mon_config cfg;
	struct mon_durable d;
	struct mon_out out;
	struct mon_core *c = NULL;
	static const uint8_t bad[] = {1, 0, 0, 0, 9, 0, 0, 0, 'x'};
	size_t pos = 0, len;
	const uint8_t *p;

	mon_durable_init(&d);
	mon_out_init(&out);
	mon_config_default(&cfg, 3, 3);
	ck_assert_int_eq(mon_core_create(&cfg, &d, 0, &out, &c), -EINVAL);
	mon_config_default(&cfg, 0, MON_MAX_MONS + 1);
	ck_assert_int_eq(mon_core_create(&cfg, &d, 0, &out, &c), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(mon_batch_next(bad, sizeof(bad), &pos, &p, &len), -EINVAL);
	ck_assert_int_eq(mon_batch_next(bad, 2, &pos, &p, &len), -EINVAL);
	ck_assert_str_eq(mon_msg_type_name(MON_MSG_PAXOS_BEGIN), "begin");
	ck_assert_str_eq(mon_msg_type_name(999), "?");
	mon_core_destroy(NULL);
	mon_out_fini(&out);
	mon_durable_fini(&d);
}
END_TEST

static Suite *mon_core_suite(void)
{
	Suite *s = suite_create("mon_core");
	TCase *tc;

	tc = tcase_create("elect");
	tcase_add_test(tc, test_elect_lowest_rank);
	tcase_add_test(tc, test_elect_weighted);
	tcase_add_test(tc, test_elect_failover_and_stickiness);
	tcase_add_test(tc, test_elect_lower_rank_rejoins_at_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("paxos");
	tcase_add_test(tc, test_paxos_commit_everywhere);
	tcase_add_test(tc, test_paxos_restart_keeps_commits);
	tcase_add_test(tc, test_paxos_accept_gated_on_persist);
	suite_add_tcase(s, tc);
	tc = tcase_create("lease");
	tcase_add_test(tc, test_lease_expires);
	suite_add_tcase(s, tc);
	tc = tcase_create("catchup");
	tcase_add_test(tc, test_catchup_and_sync_request);
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_test(tc, test_api_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mon_core_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
