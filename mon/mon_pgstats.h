/*
 * mon_pgstats.h - the monitor's view of PG states and usage (Ceph's
 * PGMap, kept by its mgr; here by every monitor).
 *
 * OSDs send MSG_PG_STATS to every monitor every few seconds: the state,
 * object count and bytes of each PG they are the primary of, and their
 * store's size and use.  Each monitor, leader or peon, keeps the newest
 * report of each OSD in memory.  Nothing goes through Paxos: the reports
 * are soft state that the next round rebuilds, so a restarted monitor
 * shows "unknown" for a few seconds and monitors may briefly disagree.
 *
 * A PG's state is read from the report of its *current* acting primary
 * (osdmap_pg_to_osds on the committed map):
 *   - the primary reported the PG: its state, "stale+" in front when the
 *     report is older than the stale threshold (the OSD stopped talking);
 *   - otherwise, if an OSD that is now down last reported the PG (it was
 *     the primary when it died, and the new primary has not reported
 *     yet): that state with "stale+";
 *   - otherwise "unknown".
 * Reports from OSDs that are down or do not exist are refused: a down
 * OSD's PGs belong to other primaries now.
 *
 * Output follows Ceph: `status` (the pgmap part), health checks
 * PG_AVAILABILITY and PG_DEGRADED, and the commands `pg stat`, `pg dump`,
 * `pg ls`, `pg ls-by-pool`, `pg ls-by-osd`, `pg ls-by-primary`, `pg map`
 * and `df`, plain or JSON.
 *
 * Pure logic: no sockets, no clock reads (callers pass a monotonic "now").
 * Threading: single-owner, the monitor's service loop.
 */
#ifndef CAIRN_MON_PGSTATS_H
#define CAIRN_MON_PGSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/compiler.h"
#include "common/json.h"
#include "common/msg/msg_types_cluster.h"
#include "common/osdmap.h"
#include "mon_osdmon.h" /* struct mon_reply */

struct mon_pgstats;

/*
 * A PG report older than @stale_ns (mon_pg_stats_stale_after) makes the
 * PGs it describes "stale".  0 or -ENOMEM.
 */
int mon_pgstats_create(uint64_t stale_ns, struct mon_pgstats **out);
/* NULL is ok. */
void mon_pgstats_destroy(struct mon_pgstats *ps);

/*
 * Keep @r (copied), the report of osd.<r->osd>, received at @now_ns
 * (monotonic), in place of that OSD's previous one.  Returns 0, -ESTALE
 * when the report is refused (the OSD does not exist or is down in @m, or
 * the report is from an older map epoch than the one kept), -EINVAL for
 * an impossible OSD id, -ENOMEM.
 */
int mon_pgstats_report(struct mon_pgstats *ps, const struct osdmap *m, const struct msg_pg_stats *r,
		       uint64_t now_ns);

/* Forget the reports of OSDs that no longer exist in @m. */
void mon_pgstats_prune(struct mon_pgstats *ps, const struct osdmap *m);

/* One state combination and how many PGs are in it. */
struct mon_pgstats_state_count {
	uint32_t state; /* OSDOP_PGS_* bits; unknown PGs have OSDOP_PGS_UNKNOWN */
	uint32_t count;
};

/* The cluster-wide numbers behind `status` and `health`. */
struct mon_pgstats_summary {
	uint32_t num_pools;
	uint32_t num_pgs;
	struct mon_pgstats_state_count *states; /* most PGs first; owned */
	size_t n_states;
	/* PGs (of num_pgs) with these state bits */
	uint32_t active, unknown, stale, down, peering, incomplete, degraded, undersized, remapped;
	uint32_t active_clean; /* exactly active+clean */
	uint32_t unavailable;  /* not active, or stale, down, peering, incomplete, unknown */
	uint32_t unredundant;  /* degraded or undersized */
	uint32_t unclean;      /* available and whole, yet not active+clean (recovering...) */
	uint64_t num_objects, data_bytes; /* sums over the PGs' reports */
	/* Raw space of the OSDs that are up and have reported. */
	uint64_t bytes_used, bytes_total;
};

/*
 * Compute the summary for map @m at @now_ns.  0 or -ENOMEM (then @out
 * holds nothing to free).
 */
int mon_pgstats_summarize(struct mon_pgstats *ps, const struct osdmap *m, uint64_t now_ns,
			  struct mon_pgstats_summary *out);
void mon_pgstats_summary_fini(struct mon_pgstats_summary *s);

/*
 * The members of `status`'s "pgmap" object (the caller opened it):
 * pgs_by_state, num_pgs, num_pools, num_objects, data_bytes, bytes_used,
 * bytes_avail, bytes_total, and unknown_pgs_ratio / inactive_pgs_ratio
 * when non-zero.
 */
void mon_pgstats_summary_json(const struct mon_pgstats_summary *s, struct json_w *w);
/* `ceph -s`'s "  data:" section (pools, objects, usage, pgs). */
void mon_pgstats_summary_text(const struct mon_pgstats_summary *s, struct buf *out);

/* One health check: Ceph's code ("PG_DEGRADED"), summary and count. */
struct mon_pgstats_check {
	char code[32];
	char summary[200];
	uint64_t count;
};

/*
 * Write a check (summary printf-style) at out[n] when n < max.  Returns
 * the new number of checks (n + 1, or n when full).
 */
int mon_pgstats_check_add(struct mon_pgstats_check *out, int n, int max, const char *code,
			  uint64_t count, const char *fmt, ...) CAIRN_PRINTF(6, 7);

/*
 * The PG health checks of @s, at most @max of them into @out; none when
 * every PG is active+clean.  PG_AVAILABILITY: inactive (unknown
 * included), down, peering, incomplete or stale PGs; PG_DEGRADED:
 * degraded or undersized PGs; PG_NOT_CLEAN (Cairn's: Ceph shows these
 * only as progress) for the rest, e.g. active+recovering.  Returns how
 * many were written.
 */
int mon_pgstats_health(const struct mon_pgstats_summary *s, struct mon_pgstats_check *out, int max);

/* Is @prefix one of this module's commands ("pg ...", "df")? */
bool mon_pgstats_handles(const char *prefix);

/*
 * Answer a read command (the parsed JSON with its "prefix"; "format" json
 * or json-pretty selects JSON) from map @m at @now_ns.  Bad input yields
 * r->rc = -EINVAL / -ENOENT with a message in r->status.
 */
void mon_pgstats_command(struct mon_pgstats *ps, const struct osdmap *m, const struct json_val *cmd,
			 uint64_t now_ns, struct mon_reply *r);

/*
 * "active+clean", "stale", "undersized+degraded" -> OSDOP_PGS_* bits (the
 * words of osdop_pg_state_format, in any order); 0 if a word is not one.
 */
uint32_t mon_pgstats_state_parse(const char *s);


#endif
