/*
 * mon_elect.c - monitor elections: weighted, lowest rank breaks ties,
 * one durable vote per epoch, leader stickiness.
 *
 * Threading: runs inside the owning mon_core call; see mon_core.h.
 *
 * Protocol (doc/consensus.md has the long form):
 *  - Epochs only grow.  Odd epochs are elections, even epochs are stable
 *    quorums: the winner of election e announces quorum e + 1.
 *  - Entering an election a monitor announces its candidacy unless it already
 *    heard of a candidate that outranks it, then gathers candidacies for
 *    gather_ms and votes for the best one it heard.  The vote is persisted
 *    before the ACK leaves (the core's gating does that), so a monitor that
 *    crashes and restarts cannot vote twice in one epoch, and two monitors can
 *    never both collect a majority in the same epoch.  That single-winner
 *    property is what the lease argument in mon_paxos.c builds on.
 *  - Stickiness: a peon that hears from its leader ignores election calls
 *    from monitors outside its quorum; only the leader reacts to them.  A
 *    knocking monitor that does not outrank the leader is let in at once (it
 *    will vote for the leader); one that does must keep knocking for
 *    stable_ms before the leader calls the election it will lose, so a
 *    flapping monitor never displaces a working leader.
 */
#include "mon_int.h"

#include <assert.h>

static const char *const state_names[MON_ELECT__COUNT] = {
    [MON_ELECT_GATHER] = "gather",
    [MON_ELECT_VOTED] = "voted",
    [MON_ELECT_LEADER] = "leader",
    [MON_ELECT_PEON] = "peon",
};

const char *mon_elect_state_name(enum mon_elect_state s)
{
	return s < MON_ELECT__COUNT ? state_names[s] : "?";
}

static int self(const struct mon_elect *e)
{
	return e->core->cfg.rank;
}

static mon_time_t now(const struct mon_elect *e)
{
	return e->core->now;
}

/* The one place the state changes; validates the edge. */
static void transition(struct mon_elect *e, enum mon_elect_state to)
{
	static const uint8_t ok[MON_ELECT__COUNT][MON_ELECT__COUNT] = {
	    [MON_ELECT_GATHER] = {[MON_ELECT_GATHER] = 1, [MON_ELECT_VOTED] = 1},
	    [MON_ELECT_VOTED] =
		{[MON_ELECT_GATHER] = 1, [MON_ELECT_LEADER] = 1, [MON_ELECT_PEON] = 1},
	    [MON_ELECT_LEADER] = {[MON_ELECT_GATHER] = 1},
	    [MON_ELECT_PEON] = {[MON_ELECT_GATHER] = 1},
	};

	assert(ok[e->state][to]);
	e->state = to;
}

void mon_elect_check(const struct mon_elect *e)
{
	int n = e->core->cfg.n_mons;

	assert(e->state < MON_ELECT__COUNT);
	assert(e->max_seen >= e->epoch);
	switch (e->state) {
	case MON_ELECT_GATHER:
		assert(e->epoch & 1);
		break;
	case MON_ELECT_VOTED:
		assert(e->epoch & 1);
		assert(e->voted_epoch == e->epoch && e->voted_for >= 0 && e->voted_for < n);
		break;
	case MON_ELECT_LEADER:
		assert(!(e->epoch & 1) && e->leader == self(e));
		assert(e->quorum & mon_bit(self(e)));
		assert(mon_popcount(e->quorum) >= mon_majority(e->core));
		break;
	case MON_ELECT_PEON:
		assert(!(e->epoch & 1) && e->leader != self(e));
		assert(e->quorum & mon_bit(self(e)) && e->quorum & mon_bit(e->leader));
		break;
	case MON_ELECT__COUNT:
		break;
	}
}

void mon_elect_init(struct mon_elect *e, struct mon_core *c, const struct mon_durable *d)
{
	*e = (struct mon_elect){.core = c};
	e->state = MON_ELECT_GATHER;
	e->epoch = d->epoch | 1;
	e->max_seen = e->epoch;
	e->voted_epoch = d->voted_epoch;
	e->voted_for = d->voted_for;
	e->leader = -1;
}

static void broadcast(struct mon_elect *e, struct mon_msg *m, uint32_t mask)
{
	for (int r = 0; r < e->core->cfg.n_mons; r++) {
		if (r == self(e) || !(mask & mon_bit(r)))
			continue;
		m->to = r;
		mon_send(e->core, m, NULL, 0);
	}
}

static uint32_t all_mask(const struct mon_elect *e)
{
	return (uint32_t)((1ull << e->core->cfg.n_mons) - 1);
}

static void announce(struct mon_elect *e, uint32_t mask)
{
	struct mon_msg m = {
	    .type = MON_MSG_ELECT_PROPOSE, .flags = MON_MSGF_CAND, .epoch = e->epoch};

	e->announced = true;
	e->candidates |= mon_bit(self(e));
	broadcast(e, &m, mask);
	e->resend_at = now(e) + e->core->cfg.retry_ms;
}

/* Enter election epoch ep (odd): leave any quorum, gather candidacies. */
static void elect_enter(struct mon_elect *e, uint64_t ep, bool as_candidate)
{
	struct mon_persist p = {.type = MON_PERSIST_EPOCH, .epoch = ep};
	struct mon_event ev = {.type = MON_EV_ELECTING, .epoch = ep};
	bool was_stable = e->state == MON_ELECT_LEADER || e->state == MON_ELECT_PEON;

	assert(ep & 1);
	assert(ep > e->epoch || (ep == e->epoch && e->state == MON_ELECT_GATHER && !e->announced));
	if (was_stable)
		mon_paxos_stop(&e->core->px);
	if (e->state != MON_ELECT_GATHER)
		transition(e, MON_ELECT_GATHER);
	if (ep > e->epoch) {
		e->epoch = ep;
		mon_persist(e->core, &p, NULL, 0);
		mon_event(e->core, &ev, NULL, 0);
		e->candidates = 0;
		e->announced = false;
	}
	if (ep > e->max_seen)
		e->max_seen = ep;
	e->acks = 0;
	e->ack_count = 0;
	e->leader = -1;
	e->quorum = 0;
	e->victory_at = MON_TIME_NEVER;
	e->deadline = now(e) + e->core->cfg.gather_ms;
	if (as_candidate)
		announce(e, all_mask(e));
}

void mon_elect_call(struct mon_elect *e)
{
	uint64_t ep = (e->max_seen > e->epoch ? e->max_seen : e->epoch) + 1;

	if (!(ep & 1))
		ep++;
	elect_enter(e, ep, true);
}

static int best_candidate(const struct mon_elect *e)
{
	int best = -1;

	for (int r = 0; r < e->core->cfg.n_mons; r++)
		if ((e->candidates & mon_bit(r)) && (best < 0 || mon_outranks(e->core, r, best)))
			best = r;
	return best;
}

static void send_ack(struct mon_elect *e)
{
	struct mon_msg m = {.type = MON_MSG_ELECT_ACK, .epoch = e->epoch, .to = e->voted_for};

	mon_send(e->core, &m, NULL, 0);
}

/* Gather over: vote, durably, for the best candidacy heard. */
static void elect_vote(struct mon_elect *e)
{
	int best = best_candidate(e);
	struct mon_persist p = {.type = MON_PERSIST_VOTE, .epoch = e->epoch};

	if (e->voted_epoch == e->epoch) {
		best = e->voted_for; /* voted before a restart: bound by it */
	} else {
		if (best < 0)
			best = self(e);
		p.voted_for = best;
		mon_persist(e->core, &p, NULL, 0);
		e->voted_epoch = e->epoch;
		e->voted_for = best;
	}
	transition(e, MON_ELECT_VOTED);
	e->deadline =
	    now(e) + e->core->cfg.election_timeout_ms + e->core->cfg.election_step_ms * self(e);
	send_ack(e); /* to ourselves too: counted once the vote is durable */
}

static void elect_win(struct mon_elect *e)
{
	struct mon_msg m = {.type = MON_MSG_ELECT_VICTORY};
	struct mon_persist p = {.type = MON_PERSIST_EPOCH};
	struct mon_event ev = {.type = MON_EV_LEADER};

	e->epoch++;
	e->max_seen = e->max_seen > e->epoch ? e->max_seen : e->epoch;
	e->quorum = e->acks;
	e->leader = self(e);
	transition(e, MON_ELECT_LEADER);
	p.epoch = e->epoch;
	mon_persist(e->core, &p, NULL, 0);
	m.epoch = e->epoch;
	m.quorum = e->quorum;
	broadcast(e, &m, e->quorum);
	ev.epoch = e->epoch;
	ev.quorum = e->quorum;
	mon_event(e->core, &ev, NULL, 0);
	for (int r = 0; r < MON_MAX_MONS; r++)
		e->join_first[r] = e->join_last[r] = 0;
	mon_paxos_leader_start(&e->core->px);
}

/* VOTED for leader: its victory (or any message of its quorum) makes us peon. */
static void elect_follow(struct mon_elect *e, int leader, uint64_t ep, uint32_t quorum)
{
	struct mon_persist p = {.type = MON_PERSIST_EPOCH, .epoch = ep};
	struct mon_event ev = {.type = MON_EV_PEON, .epoch = ep, .quorum = quorum, .peer = leader};

	e->epoch = ep;
	if (ep > e->max_seen)
		e->max_seen = ep;
	e->leader = leader;
	e->quorum = quorum;
	e->leader_contact = now(e);
	transition(e, MON_ELECT_PEON);
	mon_persist(e->core, &p, NULL, 0);
	mon_event(e->core, &ev, NULL, 0);
	mon_paxos_peon_start(&e->core->px);
}

static bool can_follow(const struct mon_elect *e, int from, uint64_t ep, uint32_t quorum)
{
	return e->state == MON_ELECT_VOTED && ep == e->epoch + 1 && e->voted_epoch == e->epoch &&
	       e->voted_for == from && from != self(e) && (quorum & mon_bit(self(e))) &&
	       (quorum & mon_bit(from));
}

static void maybe_win(struct mon_elect *e)
{
	int votes = mon_popcount(e->acks);

	if (MON_MUTATION == MON_MUT_DOUBLE_VOTE)
		votes = e->ack_count;
	/* Our own vote counts (and we lead) only once it is durable. */
	if (!(e->acks & mon_bit(self(e))) || votes < mon_majority(e->core))
		return;
	if (votes >= e->core->cfg.n_mons || now(e) >= e->victory_at) {
		elect_win(e);
		return;
	}
	if (e->victory_at == MON_TIME_NEVER)
		e->victory_at = now(e) + e->core->cfg.victory_wait_ms;
}

/* The leader hears a monitor outside its quorum asking for an election. */
static void leader_knock(struct mon_elect *e, int r)
{
	mon_time_t t = now(e);

	if (!mon_outranks(e->core, r, self(e))) {
		mon_elect_call(e);
		return;
	}
	if (!e->join_first[r] || t - e->join_last[r] > 2 * e->core->cfg.election_timeout_ms)
		e->join_first[r] = t;
	e->join_last[r] = t;
	if (t - e->join_first[r] >= e->core->cfg.stable_ms)
		mon_elect_call(e);
}

static bool leader_fresh(const struct mon_elect *e)
{
	return now(e) - e->leader_contact < e->core->cfg.lease_ms;
}

static void on_propose_stable(struct mon_elect *e, const struct mon_msg *m, bool cand)
{
	bool in_quorum = e->quorum & mon_bit(m->from);

	if (in_quorum && m->epoch > e->epoch) {
		elect_enter(e, m->epoch | 1, !(cand && mon_outranks(e->core, m->from, self(e))));
		if (cand)
			e->candidates |= mon_bit(m->from);
		return;
	}
	if (in_quorum)
		return; /* stale */
	if (e->state == MON_ELECT_LEADER)
		leader_knock(e, m->from);
	else if (!leader_fresh(e) && m->epoch > e->epoch)
		elect_enter(e, m->epoch | 1, !(cand && mon_outranks(e->core, m->from, self(e))));
}

static void on_propose(struct mon_elect *e, const struct mon_msg *m)
{
	bool cand = m->flags & MON_MSGF_CAND;

	if (m->epoch > e->max_seen)
		e->max_seen = m->epoch;
	if (e->state == MON_ELECT_LEADER || e->state == MON_ELECT_PEON) {
		on_propose_stable(e, m, cand);
		return;
	}
	if (m->epoch > e->epoch) {
		bool outranked = cand && mon_outranks(e->core, m->from, self(e));

		elect_enter(e, m->epoch | 1, false);
		if (cand)
			e->candidates |= mon_bit(m->from);
		if (!outranked)
			announce(e, all_mask(e));
		return;
	}
	if (m->epoch < e->epoch) {
		/* Tell the straggler where we are. */
		struct mon_msg h = {.type = MON_MSG_ELECT_PROPOSE,
				    .epoch = e->epoch,
				    .to = m->from,
				    .flags = e->announced ? MON_MSGF_CAND : 0};

		mon_send(e->core, &h, NULL, 0);
		return;
	}
	if (cand)
		e->candidates |= mon_bit(m->from);
	if (e->state == MON_ELECT_GATHER && !e->announced && cand &&
	    !mon_outranks(e->core, m->from, self(e)) && best_candidate(e) == self(e))
		announce(e, all_mask(e));
	if (e->state == MON_ELECT_VOTED && e->voted_for == m->from)
		send_ack(e); /* our ACK may have been lost */
}

static void on_ack(struct mon_elect *e, const struct mon_msg *m)
{
	if (e->state != MON_ELECT_VOTED || m->epoch != e->epoch || e->voted_for != self(e))
		return;
	e->acks |= mon_bit(m->from);
	e->ack_count++;
	maybe_win(e);
}

static void on_victory(struct mon_elect *e, const struct mon_msg *m)
{
	if (m->epoch > e->max_seen)
		e->max_seen = m->epoch;
	if (can_follow(e, m->from, m->epoch, m->quorum))
		elect_follow(e, m->from, m->epoch, m->quorum);
}

void mon_elect_receive(struct mon_elect *e, const struct mon_msg *m)
{
	switch (m->type) {
	case MON_MSG_ELECT_PROPOSE:
		on_propose(e, m);
		break;
	case MON_MSG_ELECT_ACK:
		on_ack(e, m);
		break;
	case MON_MSG_ELECT_VICTORY:
		on_victory(e, m);
		break;
	default:
		break;
	}
}

/*
 * A Paxos message: decide whether Paxos may see it.  Messages from the
 * leader of our epoch refresh leader contact; a leader message one epoch
 * ahead from the monitor we voted for stands in for a lost VICTORY.
 * Committed values (COMMIT) are facts and pass in any state.
 */
bool mon_elect_observe(struct mon_elect *e, const struct mon_msg *m)
{
	bool from_leader_side = m->type == MON_MSG_PAXOS_COLLECT ||
				m->type == MON_MSG_PAXOS_BEGIN || m->type == MON_MSG_PAXOS_LEASE;

	if (m->epoch > e->max_seen)
		e->max_seen = m->epoch;
	if (from_leader_side && can_follow(e, m->from, m->epoch, m->quorum))
		elect_follow(e, m->from, m->epoch, m->quorum);
	if (m->type == MON_MSG_PAXOS_COMMIT || m->type == MON_MSG_PAXOS_TRIMMED)
		return true;
	if (m->epoch != e->epoch)
		return false;
	if (e->state == MON_ELECT_PEON && m->from == e->leader) {
		e->leader_contact = now(e);
		return true;
	}
	return e->state == MON_ELECT_LEADER && (e->quorum & mon_bit(m->from));
}

void mon_elect_tick(struct mon_elect *e)
{
	mon_time_t t = now(e);

	switch (e->state) {
	case MON_ELECT_GATHER:
		if (t >= e->deadline)
			elect_vote(e);
		else if (e->announced && t >= e->resend_at)
			announce(e, all_mask(e));
		break;
	case MON_ELECT_VOTED:
		if (t >= e->deadline) {
			mon_elect_call(e);
		} else if (e->voted_for == self(e)) {
			maybe_win(e);
			if (e->state == MON_ELECT_VOTED && t >= e->resend_at)
				announce(e, all_mask(e) & ~e->acks);
		}
		break;
	case MON_ELECT_PEON:
		if (t - e->leader_contact >= e->core->cfg.peon_timeout_ms)
			mon_elect_call(e);
		break;
	case MON_ELECT_LEADER:
	case MON_ELECT__COUNT:
		break;
	}
}

mon_time_t mon_elect_next_wake(const struct mon_elect *e)
{
	mon_time_t w = MON_TIME_NEVER;

	switch (e->state) {
	case MON_ELECT_GATHER:
		w = e->deadline;
		if (e->announced && e->resend_at < w)
			w = e->resend_at;
		break;
	case MON_ELECT_VOTED:
		w = e->deadline;
		if (e->voted_for == self(e)) {
			if (e->victory_at < w)
				w = e->victory_at;
			if (e->resend_at < w)
				w = e->resend_at;
		}
		break;
	case MON_ELECT_PEON:
		w = e->leader_contact + e->core->cfg.peon_timeout_ms;
		break;
	case MON_ELECT_LEADER:
	case MON_ELECT__COUNT:
		break;
	}
	return w;
}
