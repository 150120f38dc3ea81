/*
 * mon_paxos.c - Multi-Paxos for the monitors: one phase 1 per leadership,
 * phase 2 per value, read leases, catch-up, trimming and full-sync requests.
 *
 * Threading: runs inside the owning mon_core call; see mon_core.h.
 *
 * Every monitor is an acceptor and a learner; the elected leader is the only
 * proposer of its epoch.  Proposal numbers are (counter << 8 | rank), so two
 * leaders never share one.  Durable acceptor state: the promised pn and one
 * uncommitted (pn, version, value), always for version lc + 1.  An acceptor
 * accepts version v only when it has committed v - 1: otherwise a later
 * leader could see a majority that forgot a value chosen at v - 1.
 *
 * Leases, the reasoning the code relies on (all times on the shared clock):
 *  - A lease round is sent at time s; peons ack it while still in our epoch.
 *    When a majority (us included) acked round s, lease_base = s.  Every
 *    lease we grant expires at lease_base + D, and we ourselves are readable
 *    until then.  The first base is the send time of the COLLECT that a
 *    majority promised to.
 *  - A monitor acks rounds only while in our epoch and, once it joins a newer
 *    election, never again (epochs only grow and are persisted before votes).
 *    A newer leader's electing majority shares a monitor with our acking
 *    majority, so our last base is earlier than the newer leader's election,
 *    and every lease of ours is dead D after that.
 *  - Hence a new leader commits nothing until D after its phase 1 finished
 *    (commit_not_before), and within a term the leader commits v only when
 *    every peon holding an unexpired grant has accepted v (accepting drops
 *    the lease).  While a recovered value is pending the old leader might
 *    still commit it, so no lease is granted until it is committed here.
 *  - A peon ignores leases for an lc below anything it has accepted, so a
 *    late LEASE overtaken by BEGIN cannot revive a dropped lease.
 * Together: a readable monitor is never behind any committed version.  The
 * simulator checks exactly that after every step.
 */
#include "mon_int.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[MON_PAXOS__COUNT] = {
    [MON_PAXOS_IDLE] = "idle",	   [MON_PAXOS_RECOVERING] = "recovering",
    [MON_PAXOS_ACTIVE] = "active", [MON_PAXOS_UPDATING] = "updating",
    [MON_PAXOS_PEON] = "peon",
};

const char *mon_paxos_state_name(enum mon_paxos_state s)
{
	return s < MON_PAXOS__COUNT ? state_names[s] : "?";
}

static int self(const struct mon_paxos *p)
{
	return p->core->cfg.rank;
}

static mon_time_t now(const struct mon_paxos *p)
{
	return p->core->now;
}

static const struct mon_config *cfg(const struct mon_paxos *p)
{
	return &p->core->cfg;
}

static uint32_t quorum(const struct mon_paxos *p)
{
	return p->core->el.quorum;
}

static bool is_leader(const struct mon_paxos *p)
{
	return p->state == MON_PAXOS_RECOVERING || p->state == MON_PAXOS_ACTIVE ||
	       p->state == MON_PAXOS_UPDATING;
}

static void transition(struct mon_paxos *p, enum mon_paxos_state to)
{
	static const uint8_t ok[MON_PAXOS__COUNT][MON_PAXOS__COUNT] = {
	    [MON_PAXOS_IDLE] =
		{[MON_PAXOS_IDLE] = 1, [MON_PAXOS_RECOVERING] = 1, [MON_PAXOS_PEON] = 1},
	    [MON_PAXOS_RECOVERING] =
		{[MON_PAXOS_IDLE] = 1, [MON_PAXOS_ACTIVE] = 1, [MON_PAXOS_UPDATING] = 1},
	    [MON_PAXOS_ACTIVE] = {[MON_PAXOS_IDLE] = 1, [MON_PAXOS_UPDATING] = 1},
	    [MON_PAXOS_UPDATING] = {[MON_PAXOS_IDLE] = 1, [MON_PAXOS_ACTIVE] = 1},
	    [MON_PAXOS_PEON] = {[MON_PAXOS_IDLE] = 1},
	};

	assert(ok[p->state][to]);
	p->state = to;
}

void mon_paxos_check(const struct mon_paxos *p)
{
	assert(p->state < MON_PAXOS__COUNT);
	assert(p->fc >= 1 && p->fc <= p->lc + 1);
	assert(p->unc_version == 0 || p->unc_version > p->lc);
	assert(p->state != MON_PAXOS_UPDATING || p->prop_version == p->lc + 1);
	assert(p->state == MON_PAXOS_PEON || p->lease_expiry == 0);
	assert(!is_leader(p) || (p->pn && (int)(p->pn & 0xff) == self(p)));
	assert(p->state == MON_PAXOS_UPDATING || !p->recovered_pending);
}

/* ---- log ---- */

static const struct mon_value *log_at(const struct mon_paxos *p, uint64_t v)
{
	assert(v >= p->fc && v <= p->lc);
	return &p->log[v - p->fc];
}

static void drop_log(struct mon_paxos *p)
{
	for (uint64_t v = p->fc; v <= p->lc; v++)
		mon_value_free(&p->log[v - p->fc]);
}

int mon_paxos_init(struct mon_paxos *p, struct mon_core *c, const struct mon_durable *d)
{
	uint64_t n = d->lc + 1 - d->fc;

	memset(p, 0, sizeof(*p));
	p->core = c;
	p->state = MON_PAXOS_IDLE;
	p->promised = d->promised_pn > d->unc_pn ? d->promised_pn : d->unc_pn;
	p->fc = d->fc;
	p->lc = d->lc;
	p->log_cap = n ? n : 1;
	p->log = calloc(p->log_cap, sizeof(*p->log));
	if (!p->log)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		if (mon_value_set(&p->log[i], d->log[i].data, d->log[i].len)) {
			p->lc = p->fc - 1 + i;
			mon_paxos_fini(p);
			return -ENOMEM;
		}
	}
	if (d->unc_version > d->lc) {
		if (mon_value_set(&p->unc, d->unc.data, d->unc.len)) {
			mon_paxos_fini(p);
			return -ENOMEM;
		}
		p->unc_pn = d->unc_pn;
		p->unc_version = d->unc_version;
	}
	return 0;
}

static void free_leader(struct mon_paxos *p)
{
	for (int r = 0; r < MON_MAX_MONS; r++) {
		mon_value_free(&p->peer_unc[r]);
		p->peer_unc_version[r] = p->peer_unc_pn[r] = 0;
	}
	mon_value_free(&p->prop);
	for (size_t i = 0; i < p->queue_n; i++)
		mon_value_free(&p->queue[i]);
	p->queue_n = 0;
}

void mon_paxos_fini(struct mon_paxos *p)
{
	drop_log(p);
	free(p->log);
	p->log = NULL;
	mon_value_free(&p->unc);
	free_leader(p);
	for (int i = 0; i < MON_AHEAD; i++)
		mon_value_free(&p->ahead[i]);
	free(p->queue);
	p->queue = NULL;
}

static void send_to(struct mon_paxos *p, struct mon_msg *m, int to, const void *val, size_t len)
{
	m->to = to;
	m->epoch = p->core->el.epoch;
	m->quorum = quorum(p);
	m->lc = p->lc;
	m->fc = p->fc;
	mon_send(p->core, m, val, len);
}

static void maybe_trim(struct mon_paxos *p)
{
	struct mon_persist t = {.type = MON_PERSIST_TRIM};
	uint64_t nfc, drop;

	if (p->lc + 1 - p->fc <= cfg(p)->trim_max)
		return;
	nfc = p->lc + 1 - cfg(p)->trim_keep;
	drop = nfc - p->fc;
	for (uint64_t i = 0; i < drop; i++)
		mon_value_free(&p->log[i]);
	if (p->lc + 1 > nfc)
		memmove(p->log, p->log + drop, (p->lc + 1 - nfc) * sizeof(*p->log));
	p->fc = nfc;
	t.version = nfc;
	mon_persist(p->core, &t, NULL, 0);
}

/* Learn that version lc + 1 holds val: in memory now, persisted next. */
static void learn_commit(struct mon_paxos *p, const uint8_t *val, size_t len)
{
	struct mon_persist c = {.type = MON_PERSIST_COMMIT, .version = p->lc + 1};
	struct mon_event ev = {.type = MON_EV_COMMIT, .version = p->lc + 1};
	struct mon_value nv = {0};
	size_t need = p->lc + 2 - p->fc;

	if (need > p->log_cap) {
		struct mon_value *n = realloc(p->log, need * 2 * sizeof(*n));

		if (!n) {
			p->core->err = -ENOMEM;
			return;
		}
		p->log = n;
		p->log_cap = need * 2;
	}
	if (mon_value_set(&nv, val, len)) {
		p->core->err = -ENOMEM;
		return;
	}
	p->log[p->lc + 1 - p->fc] = nv;
	p->lc++;
	if (p->unc_version && p->unc_version <= p->lc) {
		mon_value_free(&p->unc);
		p->unc_version = p->unc_pn = 0;
	}
	mon_persist(p->core, &c, val, len);
	mon_event(p->core, &ev, val, len);
	if (p->state == MON_PAXOS_UPDATING && p->prop_version <= p->lc) {
		/* Someone else's commit decided our slot (same value, by Paxos). */
		mon_value_free(&p->prop);
		p->recovered_pending = false;
		transition(p, MON_PAXOS_ACTIVE);
	}
	maybe_trim(p);
}

static void send_catchup(struct mon_paxos *p, int to, uint64_t their_lc)
{
	struct mon_msg m = {0};
	uint64_t end;

	if (their_lc >= p->lc)
		return;
	if (their_lc + 1 < p->fc) {
		m.type = MON_MSG_PAXOS_TRIMMED;
		send_to(p, &m, to, NULL, 0);
		return;
	}
	end = their_lc + cfg(p)->catchup_max;
	if (end > p->lc)
		end = p->lc;
	for (uint64_t v = their_lc + 1; v <= end; v++) {
		const struct mon_value *val = log_at(p, v);

		m = (struct mon_msg){.type = MON_MSG_PAXOS_COMMIT, .version = v};
		send_to(p, &m, to, val->data, val->len);
	}
}

static void request_catchup(struct mon_paxos *p)
{
	struct mon_msg m = {.type = MON_MSG_PAXOS_CATCHUP};

	if (p->state != MON_PAXOS_PEON || now(p) < p->catchup_at)
		return;
	p->catchup_at = now(p) + cfg(p)->retry_ms;
	send_to(p, &m, p->core->el.leader, NULL, 0);
}

static void request_sync(struct mon_paxos *p, int peer)
{
	struct mon_event ev = {.type = MON_EV_SYNC_NEEDED, .peer = peer};

	if (now(p) < p->sync_at)
		return;
	p->sync_at = now(p) + cfg(p)->sync_retry_ms;
	mon_event(p->core, &ev, NULL, 0);
}

/* ---- leader: phase 1 ---- */

static uint64_t next_pn(const struct mon_paxos *p)
{
	uint64_t hi = p->promised > p->pn ? p->promised : p->pn;

	return (((hi >> 8) + 1) << 8) | (uint64_t)self(p);
}

static void send_collect(struct mon_paxos *p, uint32_t mask)
{
	for (int r = 0; r < cfg(p)->n_mons; r++) {
		struct mon_msg m = {.type = MON_MSG_PAXOS_COLLECT, .pn = p->pn};

		if (mask & mon_bit(r))
			send_to(p, &m, r, NULL, 0);
	}
	p->resend_at = now(p) + cfg(p)->retry_ms;
}

static void collect_start(struct mon_paxos *p)
{
	p->pn = next_pn(p);
	p->last_from = 0;
	p->max_peer_lc = 0;
	for (int r = 0; r < MON_MAX_MONS; r++) {
		mon_value_free(&p->peer_unc[r]);
		p->peer_unc_version[r] = p->peer_unc_pn[r] = 0;
	}
	p->collect_sent = now(p);
	send_collect(p, quorum(p));
}

void mon_paxos_leader_start(struct mon_paxos *p)
{
	transition(p, MON_PAXOS_RECOVERING);
	p->phase_deadline = now(p) + cfg(p)->phase_timeout_ms;
	p->recovered_pending = false;
	for (int r = 0; r < MON_MAX_MONS; r++)
		p->lease_grant[r] = 0;
	collect_start(p);
}

void mon_paxos_peon_start(struct mon_paxos *p)
{
	transition(p, MON_PAXOS_PEON);
	p->lease_expiry = 0;
	p->catchup_at = 0;
}

void mon_paxos_stop(struct mon_paxos *p)
{
	free_leader(p);
	p->recovered_pending = false;
	p->lease_expiry = 0;
	p->accepted = 0;
	transition(p, MON_PAXOS_IDLE);
}

static void send_begin(struct mon_paxos *p, uint32_t mask)
{
	for (int r = 0; r < cfg(p)->n_mons; r++) {
		struct mon_msg m = {
		    .type = MON_MSG_PAXOS_BEGIN, .pn = p->pn, .version = p->prop_version};

		if (mask & mon_bit(r))
			send_to(p, &m, r, p->prop.data, p->prop.len);
	}
	p->resend_at = now(p) + cfg(p)->retry_ms;
}

/* Phase 2a for version lc + 1.  Caller has moved to UPDATING. */
static void px_begin(struct mon_paxos *p, const uint8_t *val, size_t len)
{
	if (mon_value_set(&p->prop, val, len)) {
		p->core->err = -ENOMEM;
		return;
	}
	p->prop_version = p->lc + 1;
	p->accepted = 0;
	p->phase_deadline = now(p) + cfg(p)->phase_timeout_ms;
	send_begin(p, quorum(p));
}

static void put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

/* ACTIVE with pending changes: batch them into one value and begin. */
static void maybe_propose(struct mon_paxos *p)
{
	size_t n = p->queue_n < cfg(p)->max_batch ? p->queue_n : cfg(p)->max_batch;
	size_t len = 4, off = 4;
	uint8_t *b;

	if (p->state != MON_PAXOS_ACTIVE || !n)
		return;
	for (size_t i = 0; i < n; i++)
		len += 4 + p->queue[i].len;
	b = malloc(len);
	if (!b) {
		p->core->err = -ENOMEM;
		return;
	}
	put_le32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		put_le32(b + off, (uint32_t)p->queue[i].len);
		memcpy(b + off + 4, p->queue[i].data, p->queue[i].len);
		off += 4 + p->queue[i].len;
		mon_value_free(&p->queue[i]);
	}
	if (p->queue_n > n)
		memmove(p->queue, p->queue + n, (p->queue_n - n) * sizeof(*p->queue));
	p->queue_n -= n;
	transition(p, MON_PAXOS_UPDATING);
	px_begin(p, b, len);
	free(b);
}

/* Phase 1 done: re-propose the highest-pn value accepted at lc + 1, if any. */
static void px_recovered(struct mon_paxos *p)
{
	int best = -1;

	for (int r = 0; r < cfg(p)->n_mons; r++) {
		if (!(p->last_from & mon_bit(r)) || p->peer_unc_version[r] != p->lc + 1)
			continue;
		if (best < 0 || p->peer_unc_pn[r] > p->peer_unc_pn[best])
			best = r;
	}
	if (MON_MUTATION == MON_MUT_SKIP_RECOVERY)
		best = -1;
	p->lease_base = p->collect_sent;
	p->commit_not_before = now(p) + cfg(p)->lease_ms;
	p->lease_next = now(p);
	p->lease_round = 0;
	p->lease_acks = 0;
	if (best >= 0) {
		struct mon_value v = p->peer_unc[best];

		p->peer_unc[best] = (struct mon_value){0};
		transition(p, MON_PAXOS_UPDATING);
		p->recovered_pending = true;
		px_begin(p, v.data, v.len);
		mon_value_free(&v);
		return;
	}
	transition(p, MON_PAXOS_ACTIVE);
	maybe_propose(p);
}

static void try_recovered(struct mon_paxos *p)
{
	if (p->state == MON_PAXOS_RECOVERING &&
	    mon_popcount(p->last_from) >= mon_majority(p->core) && p->lc >= p->max_peer_lc)
		px_recovered(p);
}

static void on_last(struct mon_paxos *p, const struct mon_msg *m)
{
	int r = m->from;

	if (p->state != MON_PAXOS_RECOVERING)
		return;
	if (m->flags & MON_MSGF_NAK) {
		if (m->pn > p->promised)
			p->promised = m->pn; /* hint only: our next pn goes above it */
		if (m->pn >= p->pn)
			collect_start(p);
		return;
	}
	if (m->pn != p->pn)
		return;
	p->last_from |= mon_bit(r);
	p->peer_lc[r] = m->lc;
	if (m->lc > p->max_peer_lc)
		p->max_peer_lc = m->lc;
	mon_value_free(&p->peer_unc[r]);
	p->peer_unc_version[r] = p->peer_unc_pn[r] = 0;
	if (m->version && mon_value_set(&p->peer_unc[r], m->value, m->len) == 0) {
		p->peer_unc_version[r] = m->version;
		p->peer_unc_pn[r] = m->unc_pn;
	}
	if (r != self(p))
		send_catchup(p, r, m->lc);
	if ((m->flags & MON_MSGF_TRIMMED) && m->lc > p->lc)
		request_sync(p, r);
	try_recovered(p);
}

/* ---- leader: phase 2 and leases ---- */

static void send_lease(struct mon_paxos *p, int r)
{
	struct mon_msg m = {.type = MON_MSG_PAXOS_LEASE, .round = p->lease_round};

	/*
	 * Only a peon known to be at our lc, that acked the previous round, gets
	 * a real lease: a lagging or silent one cannot accept our next value,
	 * and a grant it holds would stall every commit until it expires (and
	 * renewing it forever would stall them for good).
	 */
	if (!p->recovered_pending && p->peer_lc[r] == p->lc && (p->lease_live & mon_bit(r)))
		m.lease_expiry = p->lease_base + cfg(p)->lease_ms;
	if (m.lease_expiry > p->lease_grant[r])
		p->lease_grant[r] = m.lease_expiry;
	send_to(p, &m, r, NULL, 0);
}

static void send_leases(struct mon_paxos *p)
{
	for (int r = 0; r < cfg(p)->n_mons; r++)
		if (r != self(p) && (quorum(p) & mon_bit(r)))
			send_lease(p, r);
}

static bool grants_block(const struct mon_paxos *p)
{
	for (int r = 0; r < cfg(p)->n_mons; r++) {
		if (r == self(p) || !(quorum(p) & mon_bit(r)) || (p->accepted & mon_bit(r)))
			continue;
		if (p->lease_grant[r] > now(p))
			return true;
	}
	return false;
}

static void commit_leader(struct mon_paxos *p)
{
	struct mon_value v = p->prop;

	p->prop = (struct mon_value){0};
	p->recovered_pending = false;
	transition(p, MON_PAXOS_ACTIVE);
	learn_commit(p, v.data, v.len);
	for (int r = 0; r < cfg(p)->n_mons; r++) {
		struct mon_msg m = {.type = MON_MSG_PAXOS_COMMIT, .version = p->lc};

		if (r != self(p) && (quorum(p) & mon_bit(r)))
			send_to(p, &m, r, v.data, v.len);
	}
	mon_value_free(&v);
	if (p->lease_round)
		send_leases(p); /* peons that accepted regain their lease now */
	maybe_propose(p);
}

static void try_commit(struct mon_paxos *p)
{
	if (p->state != MON_PAXOS_UPDATING || mon_popcount(p->accepted) < mon_majority(p->core))
		return;
	if (now(p) < p->commit_not_before || grants_block(p))
		return;
	commit_leader(p);
}

static void on_accept(struct mon_paxos *p, const struct mon_msg *m)
{
	if (p->state != MON_PAXOS_UPDATING || m->pn != p->pn || m->version != p->prop_version)
		return;
	p->accepted |= mon_bit(m->from);
	p->peer_lc[m->from] = m->version; /* will be, once COMMIT arrives */
	try_commit(p);
}

static void lease_round(struct mon_paxos *p)
{
	if (now(p) - p->lease_base > cfg(p)->lease_timeout_ms) {
		/* No majority has confirmed us for too long: step down. */
		mon_elect_call(&p->core->el);
		return;
	}
	p->lease_live = p->lease_round ? p->lease_acks : p->last_from;
	p->lease_round = now(p);
	p->lease_acks = mon_bit(self(p));
	/* Our own ack may already be a majority (a single monitor). */
	if (mon_popcount(p->lease_acks) >= mon_majority(p->core))
		p->lease_base = p->lease_round;
	p->lease_next = now(p) + cfg(p)->lease_renew_ms;
	send_leases(p);
}

static void on_lease_ack(struct mon_paxos *p, const struct mon_msg *m)
{
	if (!is_leader(p) || m->round != p->lease_round || !p->lease_round)
		return;
	p->peer_lc[m->from] = m->lc;
	p->lease_acks |= mon_bit(m->from);
	if (mon_popcount(p->lease_acks) >= mon_majority(p->core) && p->lease_round > p->lease_base)
		p->lease_base = p->lease_round;
}

/* ---- acceptor / peon ---- */

static void on_collect(struct mon_paxos *p, const struct mon_msg *m)
{
	struct mon_msg r = {.type = MON_MSG_PAXOS_LAST, .pn = m->pn};
	struct mon_persist pr = {.type = MON_PERSIST_PROMISE, .pn = m->pn};

	if (m->pn < p->promised) {
		r.flags = MON_MSGF_NAK;
		r.pn = p->promised;
		send_to(p, &r, m->from, NULL, 0);
		return;
	}
	if (m->pn > p->promised) {
		p->promised = m->pn;
		mon_persist(p->core, &pr, NULL, 0);
	}
	p->lease_expiry = 0;
	if (m->from != self(p) && p->lc > m->lc) {
		if (p->fc > m->lc + 1)
			r.flags |= MON_MSGF_TRIMMED;
		else
			send_catchup(p, m->from, m->lc);
	}
	if (p->unc_version) {
		r.version = p->unc_version;
		r.unc_pn = p->unc_pn;
		send_to(p, &r, m->from, p->unc.data, p->unc.len);
		return;
	}
	send_to(p, &r, m->from, NULL, 0);
}

static void on_begin(struct mon_paxos *p, const struct mon_msg *m)
{
	struct mon_msg r = {.type = MON_MSG_PAXOS_ACCEPT, .pn = m->pn, .version = m->version};
	struct mon_persist a = {.type = MON_PERSIST_ACCEPT, .pn = m->pn, .version = m->version};

	p->lease_expiry = 0; /* we may accept something newer: stop serving */
	if (m->pn < p->promised)
		return;
	/*
	 * The leader only begins v after committing v - 1, and proposes one
	 * value per (pn, version): if we accepted v - 1 under this very pn, that
	 * value is the committed one.  Saves a round trip when BEGIN overtakes
	 * the COMMIT before it.
	 */
	if (m->version == p->lc + 2 && p->unc_version == p->lc + 1 && p->unc_pn == m->pn &&
	    m->lc == p->lc + 1) {
		struct mon_value v = p->unc;

		p->unc = (struct mon_value){0};
		p->unc_version = p->unc_pn = 0;
		learn_commit(p, v.data, v.len);
		mon_value_free(&v);
	}
	if (m->version != p->lc + 1) {
		if (m->version > p->lc + 1)
			request_catchup(p);
		return;
	}
	if (p->unc_version != m->version || p->unc_pn != m->pn) {
		if (mon_value_set(&p->unc, m->value, m->len)) {
			p->core->err = -ENOMEM;
			return;
		}
		p->unc_pn = m->pn;
		p->unc_version = m->version;
		p->promised = m->pn;
		mon_persist(p->core, &a, m->value, m->len);
	}
	if (MON_MUTATION == MON_MUT_ACCEPT_BEFORE_PERSIST) {
		r.to = m->from;
		r.epoch = p->core->el.epoch;
		mon_send_ungated(p->core, &r, NULL, 0);
		return;
	}
	send_to(p, &r, m->from, NULL, 0);
}

/* Apply buffered commits that became contiguous. */
static void drain_ahead(struct mon_paxos *p)
{
	for (;;) {
		size_t i = (p->lc + 1) % MON_AHEAD;
		struct mon_value v = p->ahead[i];

		if (p->ahead_v[i] != p->lc + 1)
			return;
		p->ahead[i] = (struct mon_value){0};
		p->ahead_v[i] = 0;
		learn_commit(p, v.data, v.len);
		mon_value_free(&v);
	}
}

static void stash_ahead(struct mon_paxos *p, const struct mon_msg *m)
{
	size_t i = m->version % MON_AHEAD;

	if (m->version >= p->lc + MON_AHEAD || p->ahead_v[i] == m->version)
		return;
	if (mon_value_set(&p->ahead[i], m->value, m->len) == 0)
		p->ahead_v[i] = m->version;
}

static void on_commit(struct mon_paxos *p, const struct mon_msg *m)
{
	if (m->version > p->lc + 1)
		stash_ahead(p, m);
	if (m->version == p->lc + 1) {
		learn_commit(p, m->value, m->len);
		drain_ahead(p);
		try_recovered(p);
	} else if (m->version > p->lc + 1 && p->state == MON_PAXOS_PEON &&
		   m->from == p->core->el.leader) {
		request_catchup(p);
	}
}

static void on_lease(struct mon_paxos *p, const struct mon_msg *m)
{
	struct mon_msg r = {.type = MON_MSG_PAXOS_LEASE_ACK, .round = m->round};

	if (p->state != MON_PAXOS_PEON)
		return;
	if (m->lc == p->lc && p->unc_version <= m->lc) {
		if (p->lease_lc != p->lc || m->lease_expiry > p->lease_expiry)
			p->lease_expiry = m->lease_expiry;
		p->lease_lc = p->lc;
	} else if (m->lc > p->lc) {
		request_catchup(p);
	}
	send_to(p, &r, m->from, NULL, 0);
}

void mon_paxos_receive(struct mon_paxos *p, const struct mon_msg *m)
{
	bool peon_side = p->state == MON_PAXOS_PEON || (is_leader(p) && m->from == self(p));

	switch (m->type) {
	case MON_MSG_PAXOS_COLLECT:
		if (peon_side)
			on_collect(p, m);
		break;
	case MON_MSG_PAXOS_BEGIN:
		if (peon_side)
			on_begin(p, m);
		break;
	case MON_MSG_PAXOS_LAST:
		on_last(p, m);
		break;
	case MON_MSG_PAXOS_ACCEPT:
		on_accept(p, m);
		break;
	case MON_MSG_PAXOS_COMMIT:
		on_commit(p, m);
		break;
	case MON_MSG_PAXOS_LEASE:
		on_lease(p, m);
		break;
	case MON_MSG_PAXOS_LEASE_ACK:
		on_lease_ack(p, m);
		break;
	case MON_MSG_PAXOS_CATCHUP:
		send_catchup(p, m->from, m->lc); /* committed values are facts */
		break;
	case MON_MSG_PAXOS_TRIMMED:
		if (m->lc > p->lc)
			request_sync(p, m->from);
		break;
	default:
		break;
	}
}

/* Recovering behind a peer: ask the most advanced one for what we miss
 * (its COMMITs may have been lost or reordered). */
static void leader_catchup(struct mon_paxos *p)
{
	struct mon_msg m = {.type = MON_MSG_PAXOS_CATCHUP};
	int best = -1;

	if (p->lc >= p->max_peer_lc)
		return;
	for (int r = 0; r < cfg(p)->n_mons; r++)
		if (r != self(p) && (p->last_from & mon_bit(r)) &&
		    (best < 0 || p->peer_lc[r] > p->peer_lc[best]))
			best = r;
	if (best >= 0)
		send_to(p, &m, best, NULL, 0);
}

static void leader_tick(struct mon_paxos *p)
{
	if (p->state != MON_PAXOS_ACTIVE && now(p) >= p->phase_deadline) {
		mon_elect_call(&p->core->el); /* phase stuck: re-elect */
		return;
	}
	if (p->state == MON_PAXOS_RECOVERING) {
		if (now(p) >= p->resend_at) {
			send_collect(p, quorum(p) & ~p->last_from);
			leader_catchup(p);
		}
		return;
	}
	if (now(p) >= p->lease_next) {
		lease_round(p);
		if (!is_leader(p))
			return;
	}
	if (p->state == MON_PAXOS_UPDATING) {
		try_commit(p);
		if (p->state == MON_PAXOS_UPDATING && now(p) >= p->resend_at)
			send_begin(p, quorum(p) & ~p->accepted);
	}
}

void mon_paxos_tick(struct mon_paxos *p)
{
	if (is_leader(p))
		leader_tick(p);
}

static mon_time_t min_t(mon_time_t a, mon_time_t b)
{
	return a < b ? a : b;
}

mon_time_t mon_paxos_next_wake(const struct mon_paxos *p)
{
	mon_time_t w = MON_TIME_NEVER;

	if (!is_leader(p))
		return w;
	if (p->state != MON_PAXOS_ACTIVE)
		w = min_t(p->phase_deadline, p->resend_at);
	if (p->state == MON_PAXOS_RECOVERING)
		return w;
	w = min_t(w, p->lease_next);
	if (p->state == MON_PAXOS_UPDATING && mon_popcount(p->accepted) >= mon_majority(p->core)) {
		if (p->commit_not_before > now(p))
			w = min_t(w, p->commit_not_before);
		for (int r = 0; r < cfg(p)->n_mons; r++)
			if (p->lease_grant[r] > now(p))
				w = min_t(w, p->lease_grant[r]);
	}
	if (w <= now(p))
		w = now(p) + 1;
	return w;
}

void mon_paxos_sync_installed(struct mon_paxos *p, uint64_t lc)
{
	if (lc <= p->lc)
		return;
	drop_log(p);
	p->lc = lc;
	p->fc = lc + 1;
	if (p->unc_version && p->unc_version <= lc) {
		mon_value_free(&p->unc);
		p->unc_version = p->unc_pn = 0;
	}
	if (p->state == MON_PAXOS_UPDATING && p->prop_version <= lc) {
		mon_value_free(&p->prop);
		p->recovered_pending = false;
		transition(p, MON_PAXOS_ACTIVE);
	}
	p->sync_at = 0;
	drain_ahead(p);
	request_catchup(p);
	try_recovered(p);
}

int mon_paxos_propose(struct mon_paxos *p, const void *data, size_t len)
{
	if (p->state != MON_PAXOS_ACTIVE && p->state != MON_PAXOS_UPDATING)
		return -EAGAIN;
	if (p->queue_n >= 4096)
		return -EBUSY;
	if (p->queue_n == p->queue_cap) {
		size_t ncap = p->queue_cap ? p->queue_cap * 2 : 16;
		struct mon_value *q = realloc(p->queue, ncap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		p->queue = q;
		p->queue_cap = ncap;
	}
	p->queue[p->queue_n] = (struct mon_value){0};
	if (mon_value_set(&p->queue[p->queue_n], data, len))
		return -ENOMEM;
	p->queue_n++;
	maybe_propose(p);
	return 0;
}

bool mon_paxos_is_readable(const struct mon_paxos *p, mon_time_t t)
{
	if (p->state == MON_PAXOS_PEON) {
		if (p->lease_lc != p->lc || !p->lease_expiry)
			return false;
		if (MON_MUTATION == MON_MUT_TRUST_EXPIRED_LEASE)
			return true;
		return t < p->lease_expiry;
	}
	if (p->state != MON_PAXOS_ACTIVE && p->state != MON_PAXOS_UPDATING)
		return false;
	return !p->recovered_pending && p->lease_round && t < p->lease_base + cfg(p)->lease_ms;
}
