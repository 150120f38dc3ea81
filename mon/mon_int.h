/*
 * mon_int.h - private definitions shared by mon_core.c, mon_elect.c and
 * mon_paxos.c.  Nothing outside mon/ includes this.
 */
#ifndef CAIRN_MON_INT_H
#define CAIRN_MON_INT_H

#include "mon_core.h"

#include <stdbool.h>
#include <stdint.h>

/* Compile-time mutations for the simulator's self-test (-DMON_MUTATION=n).
 * Each plants one known bug; see doc/consensus.md. */
#ifndef MON_MUTATION
#define MON_MUTATION 0
#endif
#define MON_MUT_ACCEPT_BEFORE_PERSIST 1
#define MON_MUT_SKIP_RECOVERY	      2
#define MON_MUT_TRUST_EXPIRED_LEASE   3
#define MON_MUT_DOUBLE_VOTE	      4

static inline uint32_t mon_bit(int r)
{
	return 1u << (unsigned)r;
}

static inline int mon_popcount(uint32_t m)
{
	return __builtin_popcount(m);
}

/*
 * Election states.
 *
 *        call/join (elect_enter)            gather timer (elect_vote)
 *   any ------------------------> GATHER ----------------------------> VOTED
 *                                   ^                                 |   |
 *                                   |      timeout (mon_elect_call)   |   | acks (elect_win)
 *                                   +---------------------------------+   v
 *   VOTED --VICTORY from whom we voted for (elect_follow)--> PEON      LEADER
 *
 * Invariants (mon_elect_check): GATHER/VOTED have an odd epoch, LEADER/PEON
 * an even one; VOTED has voted_for set for this epoch; LEADER holds a
 * majority quorum containing itself; PEON's quorum holds it and the leader.
 */
enum mon_elect_state {
	MON_ELECT_GATHER,
	MON_ELECT_VOTED,
	MON_ELECT_LEADER,
	MON_ELECT_PEON,
	MON_ELECT__COUNT
};

struct mon_elect {
	struct mon_core *core;
	enum mon_elect_state state;
	uint64_t epoch;	      /* in memory; persisted before it is relied on */
	uint64_t max_seen;    /* highest epoch heard of */
	uint64_t voted_epoch; /* durable vote */
	int voted_for;
	bool announced;	     /* we sent our candidacy in this epoch */
	uint32_t candidates; /* candidacies heard in this epoch */
	uint32_t acks;	     /* votes for us in this epoch */
	int ack_count;	     /* only used by the double-vote mutation */
	int leader;
	uint32_t quorum;
	mon_time_t deadline;   /* gather end / election timeout */
	mon_time_t victory_at; /* majority reached: declare by then */
	mon_time_t resend_at;
	mon_time_t leader_contact;	     /* peon: last message from the leader */
	mon_time_t join_first[MON_MAX_MONS]; /* leader: outranking knockers */
	mon_time_t join_last[MON_MAX_MONS];
};

/*
 * Paxos states.
 *
 *   IDLE --leader elected (mon_paxos_leader_start)--> RECOVERING
 *   RECOVERING --majority LAST, caught up (px_recovered)--> ACTIVE or UPDATING
 *   ACTIVE --propose (px_begin)--> UPDATING --commit (px_commit_leader)--> ACTIVE
 *   IDLE --peon elected (mon_paxos_peon_start)--> PEON
 *   any --election (mon_paxos_stop)--> IDLE
 *
 * Invariants (mon_paxos_check): fc <= lc + 1 and the log holds exactly
 * [fc, lc]; an uncommitted value, if any, is for a version > lc; UPDATING
 * has a proposal for lc + 1; a granted lease exists only outside RECOVERING
 * and never while a recovered value is pending; the leader's pn is at most
 * its promise.
 */
enum mon_paxos_state {
	MON_PAXOS_IDLE,
	MON_PAXOS_RECOVERING,
	MON_PAXOS_ACTIVE,
	MON_PAXOS_UPDATING,
	MON_PAXOS_PEON,
	MON_PAXOS__COUNT
};

#define MON_AHEAD 64

struct mon_paxos {
	struct mon_core *core;
	enum mon_paxos_state state;
	/* acceptor + learner state (mirrors the durable image) */
	uint64_t promised;
	uint64_t unc_pn, unc_version;
	struct mon_value unc;
	uint64_t fc, lc;
	struct mon_value *log;
	size_t log_cap;
	/* leader */
	uint64_t pn;
	uint32_t last_from;
	uint64_t peer_lc[MON_MAX_MONS];
	uint64_t peer_unc_pn[MON_MAX_MONS], peer_unc_version[MON_MAX_MONS];
	struct mon_value peer_unc[MON_MAX_MONS];
	uint64_t max_peer_lc;
	mon_time_t collect_sent;
	mon_time_t phase_deadline;
	mon_time_t resend_at;
	mon_time_t commit_not_before; /* lease safety across leaders */
	bool recovered_pending;	      /* no leases until it commits */
	uint64_t prop_version;
	struct mon_value prop;
	uint32_t accepted;
	mon_time_t lease_base;	/* send time of last majority-acked round */
	mon_time_t lease_next;	/* next round */
	mon_time_t lease_round; /* current round id */
	uint32_t lease_acks;
	uint32_t lease_live; /* acked the previous round */
	mon_time_t lease_grant[MON_MAX_MONS];
	struct mon_value *queue; /* pending changes */
	size_t queue_n, queue_cap;
	/* commits that arrived ahead of a gap (reordering), by v % MON_AHEAD */
	struct mon_value ahead[MON_AHEAD];
	uint64_t ahead_v[MON_AHEAD];
	/* peon */
	mon_time_t lease_expiry;
	uint64_t lease_lc;
	mon_time_t catchup_at;
	mon_time_t sync_at;
};

struct mon_gated {
	uint64_t gate; /* release once persisted >= gate */
	struct mon_msg msg;
};

struct mon_core {
	struct mon_config cfg;
	struct mon_elect el;
	struct mon_paxos px;
	uint64_t persist_issued;
	uint64_t persist_done;
	struct mon_gated *held; /* FIFO of messages waiting on persists */
	size_t held_n, held_cap;
	struct mon_msg *loop; /* released messages to ourselves */
	size_t loop_n, loop_cap;
	struct mon_out *out; /* valid during an input call */
	mon_time_t now;	     /* valid during an input call */
	int err;	     /* sticky -ENOMEM during an input call */
};

/* ---- emit helpers (mon_core.c) ---- */
void mon_send(struct mon_core *c, struct mon_msg *m, const void *val, size_t len);
void mon_send_ungated(struct mon_core *c, struct mon_msg *m, const void *val, size_t len);
void mon_persist(struct mon_core *c, struct mon_persist *p, const void *val, size_t len);
void mon_event(struct mon_core *c, struct mon_event *e, const void *val, size_t len);
int mon_majority(const struct mon_core *c);
bool mon_outranks(const struct mon_core *c, int a, int b);
int mon_value_set(struct mon_value *v, const void *data, size_t len);
void mon_value_free(struct mon_value *v);

/* ---- elections (mon_elect.c) ---- */
void mon_elect_init(struct mon_elect *e, struct mon_core *c, const struct mon_durable *d);
void mon_elect_call(struct mon_elect *e);
void mon_elect_receive(struct mon_elect *e, const struct mon_msg *m);
void mon_elect_tick(struct mon_elect *e);
bool mon_elect_observe(struct mon_elect *e, const struct mon_msg *m);
void mon_elect_check(const struct mon_elect *e);
mon_time_t mon_elect_next_wake(const struct mon_elect *e);
const char *mon_elect_state_name(enum mon_elect_state s);

/* ---- Paxos (mon_paxos.c) ---- */
int mon_paxos_init(struct mon_paxos *p, struct mon_core *c, const struct mon_durable *d);
void mon_paxos_fini(struct mon_paxos *p);
void mon_paxos_leader_start(struct mon_paxos *p);
void mon_paxos_peon_start(struct mon_paxos *p);
void mon_paxos_stop(struct mon_paxos *p);
void mon_paxos_receive(struct mon_paxos *p, const struct mon_msg *m);
void mon_paxos_tick(struct mon_paxos *p);
void mon_paxos_sync_installed(struct mon_paxos *p, uint64_t lc);
int mon_paxos_propose(struct mon_paxos *p, const void *data, size_t len);
bool mon_paxos_is_readable(const struct mon_paxos *p, mon_time_t now);
void mon_paxos_check(const struct mon_paxos *p);
mon_time_t mon_paxos_next_wake(const struct mon_paxos *p);
const char *mon_paxos_state_name(enum mon_paxos_state s);

#endif
