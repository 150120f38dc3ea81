/*
 * osd_int.h - the OSD daemon's internals (cairn-osd).
 *
 * Threads.  One service loop (d->loop) owns every piece of state below:
 * the maps, the PGs, in-flight ops.  Messenger handlers and store
 * completions run elsewhere and hand their work to the loop with
 * ev_loop_call, so nothing here takes a lock.  Store reads run on the
 * loop (they block it; see doc/status.md).
 *
 * Files: osd_daemon.c (start-up, maps, admin socket, timers), osd_monc.c
 * (monitor session), osd_pg.c (PG life, persistence, peering),
 * osd_op.c (client ops and replication), osd_recovery.c (push/pull),
 * osd_hb.c (heartbeats and failure reports).
 */
#ifndef CAIRN_OSD_INT_H
#define CAIRN_OSD_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "asok.h"
#include "buf.h"
#include "cfg.h"
#include "ev.h"
#include "monmap.h"
#include "msg.h"
#include "os.h"
#include "osd_exec.h"
#include "osd_interval.h"
#include "osd_peering.h"
#include "osd_pglog.h"
#include "osdmap.h"
#include "osdop.h"
#include "perf.h"

/* Kinds of MSG_OSD_PG. */
enum osd_pgmsg_kind {
	OSD_PGMSG_QUERY = 1,	/* primary -> member: send your info (NOTIFY) */
	OSD_PGMSG_GETLOG = 2,	/* primary -> member: send info, log, missing (LOG) */
	OSD_PGMSG_NOTIFY = 3,	/* data: info */
	OSD_PGMSG_LOG = 4,	/* data: info, log, missing */
	OSD_PGMSG_ACTIVATE = 5, /* data: info, entries after common (a log), missing */
	OSD_PGMSG_PUSH = 6,	/* an object (data; keys/vals = xattrs then omap, see osd_recovery.c) */
	OSD_PGMSG_PUSH_REPLY = 7,
	OSD_PGMSG_PULL = 8, /* primary -> source: push me this object */
};

/* MSG_OSD_PG flags. */
#define OSD_PGMSG_F_DELETE 0x1 /* PUSH: the object must not exist */

struct osd_daemon;
struct osd_pg;

/* A client op waiting or in flight, holding the message and its session. */
struct osd_op {
	struct osd_op *next;
	struct msg *m;		/* MSG_OSD_OP (ref) */
	struct msg_conn *conn;	/* ref */
	struct osd_pg *pg;
	uint32_t hash;
	uint64_t start_ns;
	/* A write in flight: */
	struct osd_pglog_entry entry;
	struct osd_exec_write w;
	struct buflist out;	/* reply data */
	struct msg_osd_subop *rops; /* reply steps (rval, outdata_len) */
	uint32_t n_rops;
	uint64_t rep_tid;
	struct osd_ev trim;	/* log trim point shipped with the write */
	uint64_t bytes;		/* data bytes counted in d->inflight_bytes */
	uint32_t waiting_for;	/* replicas + local commit still to answer */
	bool in_flight;
};

/* A member the primary tracks in an active interval. */
struct osd_pg_peer {
	int32_t osd;
	struct osd_missing missing; /* objects it still needs */
	bool activated;
};

struct osd_pg {
	struct osd_daemon *d;
	struct osd_pg *next;
	struct osdmap_pg pgid;
	char name[24];
	struct os_cid cid;
	struct os_oid meta; /* the PG's metadata object in the meta collection */
	char meta_name[40];

	struct osd_pg_info info;
	struct osd_pglog log;
	struct osd_missing missing; /* objects this OSD lacks */
	struct osd_intervals intervals;
	struct osd_peer *peer; /* primary's peering state machine */
	struct osd_peer_out acts;

	/* The current interval. */
	int32_t up[OSDMAP_MAX_SIZE], acting[OSDMAP_MAX_SIZE];
	uint32_t up_n, acting_n;
	int32_t primary;
	uint32_t size, min_size;
	bool is_primary;
	bool active;	 /* primary: serving client ops */
	bool replica_active; /* replica: activated in this interval */
	uint32_t state;	 /* OSDOP_PGS_* */
	bool deleted;	 /* the pool is gone */

	struct osd_pg_peer peers[OSDMAP_MAX_SIZE];
	uint32_t n_peers;

	struct osd_op *waiting;	  /* ops waiting for activation / map */
	struct osd_op *inflight;  /* writes in flight (one per object) */
	struct osd_op *blocked;	  /* ops behind an in-flight write or a recovery */
	unsigned recovering;	  /* pushes/pulls outstanding */
	struct osd_ev committed_to; /* newest of our writes durable in the local store */

	/*
	 * The flush barrier.  Store transactions for this PG (writes, replicated
	 * writes, pushes, metadata) are counted as queued and as completed; the
	 * store completes them in queue order.  A new interval, and adopting a
	 * peering result, set flush_to to the count queued so far: until that
	 * many have completed, the store does not yet show everything the PG's
	 * log says, so the primary does not activate or recover, a replica
	 * does not answer pulls, and committed_to stays where it is.
	 */
	uint64_t txn_queued, txn_done, flush_to;
	struct osd_ev flush_head;	 /* committed_to once flushed (the adopted log head) */
	bool flush_activate, flush_recover; /* what waits for the flush (primary) */
	struct osd_flush_msg *flush_msgs;    /* pulls waiting for the flush (replica) */

	uint64_t num_objects, num_bytes;
	/* client I/O as primary since this OSD started: reads, bytes read, writes, bytes written */
	uint64_t io[MSG_PG_STATS_IO];
};

/* A lossless session to another OSD, by id. */
struct osd_peer_conn {
	int32_t osd;
	struct net_addr addr;
	struct msg_conn *conn;
	/* heartbeats (lossy) */
	struct msg_conn *hb;
	uint64_t hb_last_rx;  /* ns, last reply */
	uint64_t hb_conn_ns;  /* ns, when hb was connected */
	bool hb_got_reply;    /* on the current hb connection */
	uint64_t hb_first_tx; /* ns, first unanswered ping */
	bool reported;
};

struct osd_daemon {
	struct cfg *cfg;
	struct ent_name name;
	int32_t whoami;
	uint8_t fsid[16];
	bool have_fsid; /* learnt at mkfs from the conf or from the first map */
	uint8_t uuid[16];
	char host[64];
	struct ev_loop *loop;
	struct os_store *store;
	struct msg_messenger *ms;
	struct asok *asok;
	struct daemon_signals *signals;
	struct net_addr addr;
	bool stopping;
	int pidfd;

	/* monitors */
	struct monmap monmap;
	struct net_addr *mons;
	size_t nmons;
	int cur_mon;
	struct msg_conn *mon;
	struct ev_timer mon_timer;
	uint64_t mon_tid;
	bool booted;	     /* up in the map with our address */
	uint64_t boot_sent_ns;
	uint32_t boot_sent_epoch; /* map epoch the last boot message carried */

	/* maps */
	struct osdmap *map;
	uint32_t map_wanted; /* newest epoch someone told us exists */

	struct osd_pg *pgs;
	size_t n_pgs;

	struct osd_peer_conn *peers; /* by OSD id, n_peers_cap */
	size_t n_peers_cap;

	struct msg_conn *stat_conns[MONMAP_MAX_MONS]; /* PG stats go to every monitor */
	struct ev_timer tick;
	uint64_t last_hb_ns;
	uint64_t last_stats_ns;
	uint64_t next_rep_tid;
	uint64_t inflight_bytes; /* data of writes not yet committed everywhere */

	struct osd_exec_limits lim;
	uint64_t hb_interval_ns, hb_grace_ns;

	struct perf_group *perf; /* "osd" in perf dump: OSD_PERF_* */
	/* counters */
	uint64_t ops_read, ops_write, ops_in_flight, pushes;
	struct osd_op *all_ops; /* for dump_ops_in_flight: not kept; see osd_op.c */
};

enum {
	OSD_PERF_OP_R,	     /* read-only client ops answered */
	OSD_PERF_OP_W,	     /* client writes started */
	OSD_PERF_OP_W_BYTES, /* their data bytes */
	OSD_PERF_SUBOP,	     /* replicated writes applied for a primary */
	OSD_PERF_PUSH,	     /* objects pushed in recovery */
	OSD_PERF_NUMPG,	     /* PGs held */
	OSD_PERF_MAP_EPOCH,
	OSD_PERF__COUNT
};

/* osd_daemon.c */
void osd_handle_map_msg(struct osd_daemon *d, struct msg *m);
void osd_request_maps(struct osd_daemon *d, uint32_t epoch);
struct msg_conn *osd_peer_conn(struct osd_daemon *d, int32_t osd);
int osd_send_to_osd(struct osd_daemon *d, int32_t osd, struct msg *m);
uint64_t osd_now(struct osd_daemon *d);

/* osd_monc.c */
int osd_monc_start(struct osd_daemon *d);
void osd_monc_stop(struct osd_daemon *d);
void osd_monc_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m);
void osd_monc_closed(struct osd_daemon *d, struct msg_conn *conn);
int osd_monc_send(struct osd_daemon *d, struct msg *m);
void osd_monc_send_boot(struct osd_daemon *d);
void osd_monc_report_failure(struct osd_daemon *d, int32_t target, bool refused);
void osd_monc_send_stats(struct osd_daemon *d);
/* Blocking, before the loop runs (mkfs): a command, its reply status. */
int osd_monc_command_sync(struct cfg *cfg, const char *cmd, struct buf *out, char *err,
			  size_t errlen);

/* osd_pg.c */
int osd_pgs_load(struct osd_daemon *d);
void osd_pgs_advance_map(struct osd_daemon *d, const struct osdmap *prev);
struct osd_pg *osd_pg_find(struct osd_daemon *d, const struct osdmap_pg *pgid);

/* The flush barrier (see struct osd_pg).  Loop thread. */
void osd_pg_txn_queued(struct osd_pg *pg);
/* A transaction of @pg completed; NULL (the PG is gone, or we are stopping) is ignored. */
void osd_pg_txn_done(struct osd_pg *pg);
/* The PG of a completed transaction: NULL when it is gone or the daemon is stopping. */
struct osd_pg *osd_pg_of_txn(struct osd_daemon *d, const struct osdmap_pg *pgid);
bool osd_pg_flushed(const struct osd_pg *pg);
/* Keep @m (a pull) until @pg is flushed, then hand it to osd_recovery_handle again. */
void osd_pg_wait_flush(struct osd_pg *pg, struct msg_conn *conn, struct msg *m);
void osd_pg_handle_msg(struct osd_daemon *d, struct msg_conn *conn, struct msg *m);
void osd_pg_note_down(struct osd_daemon *d, int32_t osd);
void osd_pg_free_all(struct osd_daemon *d);
int osd_pg_persist_entry(struct osd_pg *pg, struct os_txn *t, const struct osd_pglog_entry *e);
int osd_pg_persist_info(struct osd_pg *pg, struct os_txn *t);
int osd_pg_persist_missing_rm(struct osd_pg *pg, struct os_txn *t, const struct osd_pg_oid *oid);
void osd_pg_update_state(struct osd_pg *pg);
void osd_pg_check_clean(struct osd_pg *pg);
struct osd_pg_peer *osd_pg_peer_find(struct osd_pg *pg, int32_t osd);
void osd_pg_make_oid(const struct osd_pg *pg, const struct osd_pg_oid *po, struct os_oid *out);
void osd_pg_retry_deferred(struct osd_daemon *d);
void osd_pg_free_deferred(void);
bool osd_defer_if_newer(struct osd_daemon *d, struct msg_conn *conn, struct msg *m,
			uint32_t epoch);
struct osdmap *osd_load_map(struct osd_daemon *d, uint32_t epoch);
void osd_monc_check_boot(struct osd_daemon *d);

/* osd_op.c */
void osd_op_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m);
void osd_op_requeue(struct osd_pg *pg, struct osd_op **list);
void osd_op_kick(struct osd_pg *pg);
void osd_op_interval_change(struct osd_pg *pg);
void osd_op_handle_repop(struct osd_daemon *d, struct msg_conn *conn, struct msg *m);
void osd_op_handle_repop_reply(struct osd_daemon *d, struct msg *m);
void osd_op_free(struct osd_op *op);
void osd_op_retry_waiting_map(struct osd_daemon *d);
void osd_op_free_waiting_map(void);
bool osd_op_object_busy(struct osd_pg *pg, const struct osd_pg_oid *oid);

/* osd_recovery.c */
void osd_recovery_start(struct osd_pg *pg);
void osd_recovery_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m);
bool osd_recovery_object_missing(struct osd_pg *pg, const struct osd_pg_oid *oid);
void osd_recovery_prioritize(struct osd_pg *pg, const struct osd_pg_oid *oid);
void osd_recovery_forget_pg(struct osd_pg *pg);

/* osd_hb.c */
void osd_hb_tick(struct osd_daemon *d);
void osd_hb_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m);
void osd_hb_closed(struct osd_daemon *d, struct msg_conn *conn);

#endif
