/*
 * osd_peering.h - peering of a replicated PG: choosing the authoritative
 * history, planning what each member must do to reach it, deciding the PG's
 * state, and the primary's peering state machine.
 *
 * Everything here is pure: no sockets, threads, clocks or store calls.
 * Facts go in (map intervals, infos, logs and missing sets received from
 * peers); decisions and requested actions come out, as in mon/mon_core.h.
 * doc/peering.md explains the protocol and why it never loses an
 * acknowledged write.
 *
 * Two layers:
 *
 *  1. Decision functions (osd_peer_choose_auth, osd_peer_plan_member,
 *     osd_peer_decide): given what the primary has gathered, which log is
 *     authoritative, what each member must roll back and fetch, and whether
 *     the PG may go Active.
 *
 *  2. struct osd_peer, the primary's state machine that gathers those
 *     facts: which OSDs to query, whose log to fetch, when to wait for the
 *     monitors (up_thru, pg_temp), when to give up (Down, Incomplete).
 *
 * Threading: a struct osd_peer belongs to the PG's shard loop; no locks.
 */
#ifndef CAIRN_OSD_PEERING_H
#define CAIRN_OSD_PEERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osd_interval.h"
#include "osd_pglog.h"

/* ---- decision ------------------------------------------------------------- */

/* One OSD's copy of the PG as peering sees it.  All pointers borrowed. */
struct osd_peer_member {
	int32_t osd;
	const struct osd_pg_info *info;
	const struct osd_pglog *log;	   /* NULL: not fetched */
	const struct osd_missing *missing; /* NULL: nothing reported missing */
};

enum osd_peer_plan_kind {
	OSD_PEER_PLAN_NONE,	/* already holds exactly the authoritative history */
	OSD_PEER_PLAN_LOG,	/* log recovery: roll back, then fetch what is missing */
	OSD_PEER_PLAN_BACKFILL, /* no usable overlap with the authoritative log */
};

/* What one member must do.  Owns its divergent log and missing set. */
struct osd_peer_plan {
	int32_t osd;
	bool acting;
	uint8_t kind; /* enum osd_peer_plan_kind */
	/* Can serve objects to others: plan NONE or LOG and not a backfill
	 * target; objects in @missing excepted. */
	bool complete;
	/* Newest version its log shares with the authoritative log: the
	 * authoritative entries after it are sent in activation. */
	struct osd_ev common;
	/* Entries to roll back, oldest first: they are in this member's log
	 * but not in the authoritative history (written by a primary whose
	 * writes were never acknowledged).  divergent.tail == common. */
	struct osd_pglog divergent;
	/*
	 * Objects to recover once rolled back, with the version needed.
	 * Includes objects the member was already missing, objects touched by
	 * authoritative entries after @common, and objects its divergent
	 * entries touched (at their version before divergence; DELETE when the
	 * object did not exist then).  have is zero when the local copy is
	 * divergent or absent and cannot serve as a base.
	 */
	struct osd_missing missing;
};

enum osd_peer_outcome {
	OSD_PEER_OUT_ACTIVE,	 /* >= min_size acting members reach the history */
	OSD_PEER_OUT_PEERED,	 /* history known, too few members: recover, no client IO */
	OSD_PEER_OUT_INCOMPLETE, /* the primary cannot reach the history by log */
	OSD_PEER_OUT_DOWN,	 /* a past interval that may have written is all down */
	OSD_PEER_OUT__COUNT
};

enum osd_peer_reason {
	OSD_PEER_WHY_NONE,
	OSD_PEER_WHY_UNDERSIZED,	/* Peered: fewer than min_size can reach the history */
	OSD_PEER_WHY_PRIMARY_BACKFILL,	/* Incomplete: primary must be backfilled; see want */
	OSD_PEER_WHY_NO_COMPLETE_COPY,	/* Incomplete: no probed member can serve the history */
	OSD_PEER_WHY_PAST_INTERVAL_DOWN, /* Down: waiting for blocked OSDs */
	OSD_PEER_WHY__COUNT
};

const char *osd_peer_outcome_name(int outcome);
const char *osd_peer_reason_name(int reason);

struct osd_peer_result {
	uint8_t outcome; /* enum osd_peer_outcome */
	uint8_t reason;	 /* enum osd_peer_reason */
	int32_t auth_osd; /* -1 if none */
	struct osd_pg_info auth_info;
	struct osd_peer_plan *plans; /* one per input member, same order */
	size_t n_plans;
	/* Acting members that hold the authoritative history once their log
	 * recovery is done (plan NONE or LOG). */
	uint32_t ready;
	/* Objects some acting member needs that no probed complete member
	 * holds: recovery of these waits for more OSDs ("unfound"). */
	struct osd_missing unfound;
	/* Incomplete because the primary needs backfill: the acting set to ask
	 * the monitors for (pg_temp), led by a member that has the history. */
	int32_t want_acting[OSDMAP_MAX_SIZE];
	uint32_t want_n;
};

void osd_peer_result_init(struct osd_peer_result *r);
void osd_peer_result_fini(struct osd_peer_result *r);

/*
 * The authoritative member (the index into @members), or -ENOENT when
 * @n is 0.  The rule, in order:
 *   1. the highest last_epoch_started;
 *   2. a complete copy (not needs_backfill) before a backfill target;
 *   3. the highest last_update;
 *   4. the current @primary (no log transfer needed);
 *   5. the oldest log tail (the longest log lets more peers recover by log);
 *   6. the lowest OSD id.
 * Steps 1-3 decide what the history is; 4-6 only who serves it (members
 * with equal last_update hold the same history: log matching).  Why this
 * never loses an acknowledged write is in doc/peering.md.
 */
int osd_peer_choose_auth(const struct osd_peer_member *members, size_t n, int32_t primary);

/*
 * Does planning @m against the authoritative @auth need @m's log (and
 * missing set)?  Not when @m is in sync (same last_update, nothing missing)
 * or will be backfilled anyway.
 */
bool osd_peer_need_log(const struct osd_pg_info *auth, const struct osd_pg_info *m);

/*
 * Plan @m against the authoritative log @auth.  @m->log may be NULL only
 * when osd_peer_need_log() is false.  Fills @out (initialised here).
 * 0, -EINVAL (a log needed but absent, or inconsistent input), -ENOMEM.
 */
int osd_peer_plan_member(const struct osd_pglog *auth, const struct osd_peer_member *m,
			 bool acting, struct osd_peer_plan *out);

struct osd_peer_input {
	int32_t primary;
	const int32_t *acting;
	size_t acting_n;
	uint32_t min_size;
	/* Every probed OSD that answered, including the primary itself. */
	const struct osd_peer_member *members;
	size_t n_members;
};

/*
 * Choose the authoritative history, plan every member, and decide Active,
 * Peered or Incomplete (Down is the prior set's verdict, decided before;
 * see osd_intervals_prior_set).  The authoritative member's log and the
 * logs osd_peer_need_log() asks for must be present.
 * Fills @out (initialised by the caller, previous contents dropped).
 * 0, -EINVAL (missing logs, primary not among members), -ENOMEM.
 */
int osd_peer_decide(const struct osd_peer_input *in, struct osd_peer_result *out);

/*
 * Members that can serve @oid at the version the history needs: complete
 * plans not missing it.  Fills up to @max ids; returns how many there are.
 */
size_t osd_peer_sources(const struct osd_peer_result *r, const struct osd_pg_oid *oid,
			int32_t *out, size_t max);

/* ---- the primary's state machine ------------------------------------------ */

/*
 * States (the primary's view of one interval).
 *
 *   INITIAL --advance_map--> GET_INFO (primary) | REPLICA (not primary)
 *
 *   GET_INFO --all infos in, prior set not down--> GET_LOG | GET_MISSING | <decide>
 *            --all infos in, prior set down------> DOWN   (a past interval that may
 *              have written has no member up, or the interval that set the newest
 *              les answered only through backfill targets: osd_intervals_*)
 *   GET_LOG  --auth log received---------------> GET_MISSING | <decide>
 *   GET_MISSING --all needed logs received------> <decide>
 *   <decide> = ACTIVE | PEERED | INCOMPLETE | WAIT_UP_THRU | GET_INFO (unfound:
 *              probe every OSD of past intervals once more)
 *   WAIT_UP_THRU --map records up_thru >= interval start--> ACTIVE | PEERED
 *   any --new interval--> GET_INFO | REPLICA         (osd_peer_advance_map)
 *   GET_*, DOWN, INCOMPLETE --an OSD we wait for or on goes down/up--> GET_INFO
 *   ACTIVE, PEERED --an OSD comes up while objects are unfound--> GET_INFO
 *
 * Invariants (peer_check_invariants):
 *   REPLICA       this OSD is not the interval's primary;
 *   GET_*, WAIT_UP_THRU, ACTIVE, PEERED, INCOMPLETE, DOWN: it is, and
 *                 peers[0] is itself with info and log;
 *   GET_LOG       the chosen authoritative holder is another OSD whose log
 *                 has not arrived;
 *   WAIT_UP_THRU, ACTIVE, PEERED, INCOMPLETE: a result is held;
 *   ACTIVE        result.ready >= min_size;
 *   DOWN          the prior set is down and names the blocking OSDs.
 *
 * transition() checks every change against the diagram (assert) and
 * reports it as an OSD_PEER_ACT_STATE action: this module does not log,
 * the daemon logs the actions with the PG's name.
 */
enum osd_peer_state {
	OSD_PEER_INITIAL,
	OSD_PEER_REPLICA,
	OSD_PEER_GET_INFO,
	OSD_PEER_GET_LOG,
	OSD_PEER_GET_MISSING,
	OSD_PEER_WAIT_UP_THRU,
	OSD_PEER_ACTIVE,
	OSD_PEER_PEERED,
	OSD_PEER_INCOMPLETE,
	OSD_PEER_DOWN,
	OSD_PEER__COUNT
};

const char *osd_peer_state_name(int state);

enum osd_peer_act_type {
	OSD_PEER_ACT_QUERY,    /* send osd a query for its info (tagged with epoch) */
	OSD_PEER_ACT_GET_LOG,  /* ask osd for its info, log and missing set */
	OSD_PEER_ACT_UP_THRU,  /* ask the monitors to record up_thru >= epoch */
	OSD_PEER_ACT_PG_TEMP,  /* ask the monitors for pg_temp = result.want_acting */
	OSD_PEER_ACT_ACTIVATE, /* send osd its plan (auth entries after common, rollback, missing) */
	OSD_PEER_ACT_BACKFILL, /* start backfilling osd */
	OSD_PEER_ACT_RECOVER,  /* start log-based recovery (the result's missing sets) */
	OSD_PEER_ACT_STATE,    /* the state changed (epoch = interval); for logs and status */
	OSD_PEER_ACT__COUNT
};

const char *osd_peer_act_name(int type);

struct osd_peer_act {
	uint8_t type;
	int32_t osd;	/* target OSD, -1 if none */
	uint32_t epoch; /* the interval's first epoch (same_interval_since) */
};

/* Appended to by every input call; the caller drains and clears it. */
struct osd_peer_out {
	struct osd_peer_act *acts;
	size_t n, cap;
};

void osd_peer_out_init(struct osd_peer_out *out);
void osd_peer_out_clear(struct osd_peer_out *out);
void osd_peer_out_fini(struct osd_peer_out *out);

struct osd_peer_cfg {
	int32_t whoami;
	struct osdmap_pg pgid;
	/* Require the monitors to have recorded up_thru >= the interval start
	 * before activating (WAIT_UP_THRU), which lets later peering skip
	 * intervals that never activated. */
	bool need_up_thru;
};

/* The caller's view of one map epoch.  Borrowed for the call. */
struct osd_peer_map {
	uint32_t epoch;
	const struct osd_intervals *intervals; /* since last clean; current last */
	const int32_t *up_osds;		       /* every OSD up in this map */
	size_t n_up;
	uint32_t up_thru; /* this OSD's recorded up_thru, or OSD_UP_THRU_UNKNOWN */
};

struct osd_peer;

/* NULL on allocation failure. */
struct osd_peer *osd_peer_create(const struct osd_peer_cfg *cfg);
void osd_peer_destroy(struct osd_peer *pm);

/*
 * A new map epoch.  @self is this OSD's own copy of the PG (copied).  A new
 * interval restarts peering; the same interval re-evaluates (up_thru
 * recorded, an awaited OSD went down or came up).
 * 0, -EINVAL (no intervals, map older than the last), -ENOMEM.
 */
int osd_peer_advance_map(struct osd_peer *pm, const struct osd_peer_map *map,
			 const struct osd_peer_member *self, struct osd_peer_out *out);

/*
 * Replies from peers, tagged with the interval (same_interval_since) of the
 * query they answer.  Stale, unexpected or duplicate replies are dropped
 * (0).  Copied.  0 or -ENOMEM.
 */
int osd_peer_recv_info(struct osd_peer *pm, int32_t from, uint32_t query_epoch,
		       const struct osd_pg_info *info, struct osd_peer_out *out);
int osd_peer_recv_log(struct osd_peer *pm, int32_t from, uint32_t query_epoch,
		      const struct osd_pg_info *info, const struct osd_pglog *log,
		      const struct osd_missing *missing, struct osd_peer_out *out);

/*
 * @osd stopped answering (connection refused) before the map says so:
 * treated as down until the next map.  0 or -ENOMEM.
 */
int osd_peer_note_down(struct osd_peer *pm, int32_t osd, struct osd_peer_out *out);

int osd_peer_state(const struct osd_peer *pm);
/* First epoch of the interval being peered (0 before the first map). */
uint32_t osd_peer_interval(const struct osd_peer *pm);
/* The decision, or NULL before one was made in this interval.  Valid until
 * the next input call. */
const struct osd_peer_result *osd_peer_result(const struct osd_peer *pm);
/* The authoritative log (NULL without a result).  Same lifetime. */
const struct osd_pglog *osd_peer_auth_log(const struct osd_peer *pm);
/* The OSDs a Down PG waits for (empty otherwise). */
const struct osd_idset *osd_peer_blocked_by(const struct osd_peer *pm);
/* One line for `pg query` / status: "down (waiting for osd.3, osd.5)". */
int osd_peer_describe(const struct osd_peer *pm, struct buf *out);

#endif
