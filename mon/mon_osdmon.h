/*
 * mon_osdmon.h - the monitor's OSDMap service.
 *
 * Turns operator commands ("osd pool create", "osd out", "osd crush
 * move"...), OSD boots and failure reports into the next incremental, and
 * answers read commands ("osd dump", "osd tree", "osd map"...) from the
 * committed map.  It is pure logic: no sockets and no consensus; the only
 * clock it reads is the wall clock, for blocklist expiry (as Ceph's).  The daemon feeds it, proposes what it produces through
 * Paxos, and hands every committed value back.
 *
 * Life of a change:
 *   1. a command or event modifies the *pending* incremental (validated
 *      against the pending map: the committed map plus what is pending, so
 *      "create pool" then "set pool size" in one batch works);
 *   2. mon_osdmon_take_pending() encodes the batch as one Paxos value;
 *   3. when Paxos commits it, mon_osdmon_commit() applies it (on every
 *      monitor, leader or not) and write commands waiting for it are
 *      answered.
 * Only the leader calls 1 and 2.  Storms of reports between two proposals
 * become one epoch.
 *
 * Threading: single-owner, called from the monitor's service loop.
 */
#ifndef CAIRN_MON_OSDMON_H
#define CAIRN_MON_OSDMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/osdmap.h"

struct mon_osdmon;

struct mon_osdmon_opts {
	uint32_t min_down_reporters;  /* mon_osd_min_down_reporters */
	uint64_t down_out_interval_ns; /* mon_osd_down_out_interval; 0: never */
	bool auto_mark_new_in;	       /* mon_osd_auto_mark_new_in */
	uint32_t default_size;	       /* osd_pool_default_size */
	uint32_t default_min_size;     /* osd_pool_default_min_size (0: size - size/2) */
	uint32_t default_pg_num;       /* osd_pool_default_pg_num */
};

/* The answer to a command: Ceph's (return code, status string, output). */
struct mon_reply {
	int rc;
	struct buf status; /* one line for people ("pool 'rbd' created") */
	struct buf out;	   /* the payload: text, JSON, or a binary CRUSH map */
};

void mon_reply_init(struct mon_reply *r);
void mon_reply_fini(struct mon_reply *r);

enum mon_cmd_result {
	MON_CMD_DONE,	 /* the reply is final: send it */
	MON_CMD_PENDING, /* a change was queued: reply after the next commit */
};

/*
 * The epoch-0 map of a new cluster: CRUSH with Ceph's standard types (osd,
 * host, chassis, rack, row, pdu, pod, room, datacenter, zone, region,
 * root), an empty root "default" and "replicated_rule" placing one replica
 * per @failure_domain ("host"; "osd" for a single-machine cluster).
 * 0, -EINVAL (unknown failure domain) or -ENOMEM.
 */
int mon_osdmon_initial_map(const uint8_t fsid[16], const char *failure_domain,
			   struct osdmap **out);

/*
 * Create the service over @committed (takes ownership; a new cluster
 * passes the epoch-0 map).  0 or -ENOMEM.
 */
int mon_osdmon_create(const struct mon_osdmon_opts *opts, struct osdmap *committed,
		      struct mon_osdmon **out);
void mon_osdmon_destroy(struct mon_osdmon *s);

/* The committed map (borrowed; valid until the next commit). */
const struct osdmap *mon_osdmon_map(const struct mon_osdmon *s);
/* The map as it will be after the pending changes (borrowed). */
const struct osdmap *mon_osdmon_pending_map(const struct mon_osdmon *s);
bool mon_osdmon_has_pending(const struct mon_osdmon *s);

/*
 * Handle a command (the parsed JSON with its "prefix"; @in is the input
 * buffer, e.g. a CRUSH map for "osd setcrushmap").  Fills @r and says
 * whether the reply must wait for the next commit.  Never fails on bad
 * input: that is r->rc = -EINVAL (or the fitting errno) with a message.
 * @is_leader false makes write commands fail with -EAGAIN (peons forward
 * them instead).
 */
enum mon_cmd_result mon_osdmon_command(struct mon_osdmon *s, const struct json_val *cmd,
				       const uint8_t *in, size_t inlen, bool is_leader,
				       struct mon_reply *r);

/* Does this prefix belong to this service?  Does it change the map? */
bool mon_osdmon_handles(const char *prefix);
bool mon_osdmon_is_write(const char *prefix);

/*
 * An OSD booted: mark it up at @addr, record its uuid, place it in CRUSH
 * under host=@hostname (weight from @capacity_bytes, in TiB as Ceph does)
 * if it is not there, and mark it in if it is new and auto_mark_new_in.
 * -ENOENT if the OSD was never created, -EINVAL if its uuid differs,
 * -EPERM while the noup flag is set.  -EAGAIN when the map still has the
 * OSD up at another address (a restart nobody reported): it is marked down
 * first, so every PG it serves sees a new interval, and boots with its
 * next boot message.
 */
int mon_osdmon_boot(struct mon_osdmon *s, int32_t osd, const uint8_t uuid[16],
		    const struct net_addr *addr, const char *hostname, uint64_t capacity_bytes);

/*
 * @reporter says @target failed (@refused: its connection was refused,
 * which is proof enough).  The target is marked down once
 * min_down_reporters distinct OSDs on distinct hosts report it.  Returns 1
 * when it was marked down (pending), 0 when the report was recorded, or
 * a negative errno.
 */
int mon_osdmon_report_failure(struct mon_osdmon *s, int32_t target, int32_t reporter,
			      const char *reporter_host, bool refused, uint64_t now_ns);

/* Periodic work: mark out OSDs down longer than the interval (unless noout). */
void mon_osdmon_tick(struct mon_osdmon *s, uint64_t now_ns);

/*
 * Drop the pending batch and everything proposed but not committed: the
 * next batch builds on the committed map.  Called when leadership changes
 * (a lost leader's proposals may never commit).
 */
void mon_osdmon_reset(struct mon_osdmon *s);

/*
 * Bootstrap a new cluster: when the committed map is epoch 0, queue the
 * initial CRUSH map (see mon_osdmon_initial_map) as the first change.
 * 0, -EALREADY when the cluster already has a map, -EINVAL, -ENOMEM.
 */
int mon_osdmon_bootstrap(struct mon_osdmon *s, const char *failure_domain);

/* The epoch the pending batch will produce. */
uint32_t mon_osdmon_pending_epoch(const struct mon_osdmon *s);

/*
 * Encode the pending changes as the next Paxos value (stamped @now_real_ns)
 * and start a fresh batch.  -ENOENT when nothing is pending.
 */
int mon_osdmon_take_pending(struct mon_osdmon *s, uint64_t now_real_ns, struct buf *out);

/*
 * A committed value: apply it to the committed map.  Returns the new
 * epoch; -ESTALE for a change built on an epoch the map has passed (a
 * previous leader's proposal recovered after a newer one: skip it); or
 * -EINVAL if the value is undecodable or skips epochs (a corrupt store or
 * a bug: the caller stops).
 */
int mon_osdmon_commit(struct mon_osdmon *s, const uint8_t *value, size_t len);

#endif
