/*
 * mon_core.h - the monitor consensus core: elections and Multi-Paxos as one
 * pure state machine.
 *
 * The core never reads a clock, opens a socket, starts a thread or touches
 * RocksDB.  Everything arrives as an input call carrying the caller's notion
 * of "now" (milliseconds on a monotonic clock shared closely enough with the
 * peers; see doc/consensus.md for the clock assumption behind leases), and
 * everything the core wants done leaves through a struct mon_out:
 *
 *   - msgs:     messages to hand to the transport (lossy is fine);
 *   - persists: durable writes, numbered by a strictly increasing seq; the
 *               caller applies them in seq order, each atomically, and reports
 *               completion with mon_core_persisted();
 *   - events:   commits, role changes and full-sync requests;
 *   - wake_at:  the latest time by which mon_core_tick() must be called.
 *
 * Durability rule: every message the core emits depends only on state that
 * has already been persisted.  The core enforces this itself by holding each
 * message until every persist issued before it has been reported done, so
 * the caller may send whatever appears in out->msgs at once.
 *
 * Threading: a core is single-owner; all calls for one core must come from
 * one thread (the monitor's consensus loop).  No locks.
 */
#ifndef CAIRN_MON_CORE_H
#define CAIRN_MON_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many monitors; quorums are bitmasks of ranks. */
#define MON_MAX_MONS 9

typedef int64_t mon_time_t; /* milliseconds, caller's monotonic clock */
#define MON_TIME_NEVER INT64_MAX

/* ---- wire messages (native form; the messenger encodes them) ---- */

enum mon_msg_type {
	MON_MSG_ELECT_PROPOSE,	 /* candidacy (flag CAND) or epoch hint */
	MON_MSG_ELECT_ACK,	 /* durable vote for the receiver in epoch */
	MON_MSG_ELECT_VICTORY,	 /* epoch+1, quorum */
	MON_MSG_PAXOS_COLLECT,	 /* phase 1a: pn, leader lc */
	MON_MSG_PAXOS_LAST,	 /* phase 1b: promise + lc, fc, uncommitted */
	MON_MSG_PAXOS_BEGIN,	 /* phase 2a: pn, version, value */
	MON_MSG_PAXOS_ACCEPT,	 /* phase 2b: pn, version (after persist) */
	MON_MSG_PAXOS_COMMIT,	 /* version, value: a decided fact */
	MON_MSG_PAXOS_LEASE,	 /* lc, lease expiry, round */
	MON_MSG_PAXOS_LEASE_ACK, /* round */
	MON_MSG_PAXOS_CATCHUP,	 /* "I have lc, send me what follows" */
	MON_MSG_PAXOS_TRIMMED,	 /* "what you need is trimmed: sync" */
	MON_MSG__COUNT
};

/* Flags in mon_msg.flags. */
#define MON_MSGF_CAND	 0x1 /* PROPOSE: sender is a candidate */
#define MON_MSGF_NAK	 0x2 /* LAST: promise refused, pn is the higher one */
#define MON_MSGF_TRIMMED 0x4 /* LAST: sender lc > receiver's and trimmed */

struct mon_msg {
	uint32_t type; /* enum mon_msg_type */
	uint32_t flags;
	int32_t from, to;	 /* ranks */
	uint64_t epoch;		 /* sender's election epoch */
	uint32_t quorum;	 /* leader->peon messages: quorum bitmask */
	uint64_t pn;		 /* proposal number */
	uint64_t version;	 /* BEGIN/ACCEPT/COMMIT version; LAST: uncommitted version */
	uint64_t unc_pn;	 /* LAST: pn the uncommitted value was accepted with */
	uint64_t lc, fc;	 /* sender's last / first committed version */
	mon_time_t lease_expiry; /* LEASE: readable until (leader clock) */
	mon_time_t round;	 /* LEASE/LEASE_ACK: round id (leader send time) */
	uint8_t *value;		 /* owned by whoever holds the message */
	size_t len;
};

/* Name of a message type, for logs and traces; never NULL. */
const char *mon_msg_type_name(uint32_t type);

/* ---- durable writes ---- */

enum mon_persist_type {
	MON_PERSIST_EPOCH,   /* election epoch */
	MON_PERSIST_VOTE,    /* epoch + voted_for: at most one vote per epoch */
	MON_PERSIST_PROMISE, /* promised pn */
	MON_PERSIST_ACCEPT,  /* uncommitted (pn, version, value); implies promise >= pn */
	MON_PERSIST_COMMIT,  /* committed value at version == lc + 1 */
	MON_PERSIST_TRIM,    /* drop committed values below version */
};

struct mon_persist {
	uint64_t seq;
	uint32_t type; /* enum mon_persist_type */
	int32_t voted_for;
	uint64_t epoch, pn, version;
	uint8_t *value; /* owned by the mon_out */
	size_t len;
};

/* ---- events ---- */

enum mon_event_type {
	MON_EV_COMMIT,	    /* version, value: learned in memory (persist queued) */
	MON_EV_ELECTING,    /* epoch */
	MON_EV_LEADER,	    /* epoch, quorum */
	MON_EV_PEON,	    /* epoch, quorum, peer = leader */
	MON_EV_SYNC_NEEDED, /* peer: copy its store, then mon_core_sync_installed() */
};

struct mon_event {
	uint32_t type;
	int32_t peer;
	uint64_t epoch, version;
	uint32_t quorum;
	uint8_t *value; /* owned by the mon_out */
	size_t len;
};

/*
 * Output of every input call.  Embedded by the caller: mon_out_init() once,
 * consume, mon_out_clear() before the next call (it frees owned values),
 * mon_out_fini() at the end.  Calls append, so a caller may also batch
 * several inputs into one mon_out.
 */
struct mon_out {
	struct mon_msg *msgs;
	size_t n_msgs, cap_msgs;
	struct mon_persist *persists;
	size_t n_persists, cap_persists;
	struct mon_event *events;
	size_t n_events, cap_events;
	mon_time_t wake_at; /* call mon_core_tick() no later than this */
};

void mon_out_init(struct mon_out *out);
void mon_out_clear(struct mon_out *out);
void mon_out_fini(struct mon_out *out);

/* ---- durable state image ---- */

struct mon_value {
	uint8_t *data;
	size_t len;
};

/*
 * Everything a monitor keeps across a crash.  Loaded by the caller from its
 * store and handed to mon_core_create(); mon_durable_apply() is the reference
 * semantics of each persist action (the daemon maps the same semantics onto
 * RocksDB keys).  Versions start at 1; an empty log has fc == lc + 1.
 */
struct mon_durable {
	uint64_t epoch;
	uint64_t voted_epoch;
	int32_t voted_for; /* -1: none */
	uint64_t promised_pn;
	uint64_t unc_pn, unc_version; /* unc_version 0: none */
	struct mon_value unc;
	uint64_t fc, lc;
	struct mon_value *log; /* log[v - fc] for v in [fc, lc] */
	size_t log_cap;
};

void mon_durable_init(struct mon_durable *d);
void mon_durable_fini(struct mon_durable *d);
/* Returns 0 or -ENOMEM (d unchanged).  Stale actions are ignored. */
int mon_durable_apply(struct mon_durable *d, const struct mon_persist *p);
/* Install a full-sync image: committed up to lc, log emptied. */
void mon_durable_install_sync(struct mon_durable *d, uint64_t lc);

/* ---- configuration ---- */

struct mon_config {
	int rank;
	int n_mons;			/* 1..MON_MAX_MONS */
	uint32_t weight[MON_MAX_MONS];	/* election weights; all 0: rank order */
	mon_time_t lease_ms;		/* D: read lease length */
	mon_time_t lease_renew_ms;	/* R: lease round period */
	mon_time_t lease_timeout_ms;	/* leader steps down if no majority ack this long */
	mon_time_t peon_timeout_ms;	/* peon calls election after leader silence */
	mon_time_t gather_ms;		/* election: collect candidacies before voting */
	mon_time_t victory_wait_ms;	/* wait for stragglers once a majority voted */
	mon_time_t election_timeout_ms; /* base; each rank adds election_step_ms */
	mon_time_t election_step_ms;
	mon_time_t retry_ms;	     /* resend COLLECT/BEGIN/PROPOSE */
	mon_time_t phase_timeout_ms; /* collect or accept not done: re-elect */
	mon_time_t stable_ms;	     /* an outranking monitor must knock this long */
	mon_time_t sync_retry_ms;
	uint32_t max_batch;   /* pending changes per value */
	uint64_t trim_max;    /* trim when the log holds more than this */
	uint64_t trim_keep;   /* versions kept after trimming */
	uint64_t catchup_max; /* versions per catch-up reply */
};

/* Fill defaults for rank/n_mons (weights zero). */
void mon_config_default(struct mon_config *cfg, int rank, int n_mons);

/* ---- the core ---- */

struct mon_core;

/*
 * Create a core from its durable image (copied; d stays the caller's).  The
 * new core starts an election at once; its first actions go to out.
 * Returns 0, -EINVAL (bad config or image) or -ENOMEM.
 */
int mon_core_create(const struct mon_config *cfg, const struct mon_durable *d, mon_time_t now,
		    struct mon_out *out, struct mon_core **out_core);
void mon_core_destroy(struct mon_core *c);

/* A message addressed to this monitor.  Borrowed.  Returns 0 or -ENOMEM;
 * malformed or stale messages are dropped (0). */
int mon_core_receive(struct mon_core *c, mon_time_t now, const struct mon_msg *m,
		     struct mon_out *out);
/* Timer.  Safe to call at any time, early or late. */
int mon_core_tick(struct mon_core *c, mon_time_t now, struct mon_out *out);
/* Every persist with seq <= seq is durable. */
int mon_core_persisted(struct mon_core *c, mon_time_t now, uint64_t seq, struct mon_out *out);
/* The caller installed a full-sync image committed up to lc (durably). */
int mon_core_sync_installed(struct mon_core *c, mon_time_t now, uint64_t lc, struct mon_out *out);
/*
 * Queue a change (copied) for the next value.  Only the leader accepts:
 * -EAGAIN when this monitor is not an active leader (forward or retry),
 * -ENOMEM.  Changes are batched, see mon_batch_next().
 */
int mon_core_propose(struct mon_core *c, mon_time_t now, const void *data, size_t len,
		     struct mon_out *out);

/* May this monitor serve reads of its committed state at now?  True only
 * under an unexpired lease (leader: a majority-confirmed one). */
bool mon_core_is_readable(const struct mon_core *c, mon_time_t now);
uint64_t mon_core_last_committed(const struct mon_core *c);
uint64_t mon_core_epoch(const struct mon_core *c);
bool mon_core_is_leader(const struct mon_core *c);
/* Leader in phase 2 (or idle after phase 1): proposals are accepted. */
bool mon_core_is_active(const struct mon_core *c);
int mon_core_leader(const struct mon_core *c); /* -1 when electing */
const char *mon_core_state_name(const struct mon_core *c);

/*
 * Walk the changes batched in a committed value.  *pos starts at 0.
 * Returns 1 with out_data/out_len set, 0 at the end, -EINVAL if malformed.
 */
int mon_batch_next(const uint8_t *value, size_t len, size_t *pos, const uint8_t **out_data,
		   size_t *out_len);

#endif
