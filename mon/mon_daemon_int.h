/*
 * mon_daemon_int.h - private to cairn-mon's mon_daemon*.c files.
 * Everything here belongs to the service loop thread.
 */
#ifndef CAIRN_MON_DAEMON_INT_H
#define CAIRN_MON_DAEMON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/asok.h"
#include "common/cfg.h"
#include "common/daemon.h"
#include "common/ev.h"
#include "common/json.h"
#include "common/monmap.h"
#include "common/perf.h"
#include "common/msg/msg.h"
#include "common/wq.h"
#include "mon_core.h"
#include "mon_daemon.h"
#include "mon_osdmon.h"
#include "mon_pgstats.h"
#include "mon_store.h"

/* Tags of the changes batched in a Paxos value: which service owns them. */
enum mon_service {
	MON_SVC_OSDMAP = 1,
};

/* Store keys of service data. */
#define MON_KEY_OSDMAP_FULL "osdmap_full" /* epoch -> full map, every MON_FULL_EVERY */
#define MON_KEY_OSDMAP_INC "osdmap_inc"	  /* epoch -> incremental */
#define MON_KEY_SVC "svc"		  /* "applied" -> last Paxos version applied */
#define MON_FULL_EVERY 16
/* Incrementals kept in memory for subscribers; older starts get a full map. */
#define MON_INC_CACHE 512

/* Performance counters (admin socket "perf dump", group "mon"). */
enum mon_perf {
	MON_PERF_COMMITS,	 /* Paxos versions applied */
	MON_PERF_OSDMAP_EPOCH,	 /* committed osdmap epoch */
	MON_PERF_ELECTIONS,	 /* role changes seen */
	MON_PERF_IS_LEADER,	 /* 1 while leader */
	MON_PERF_COMMANDS,	 /* commands handled here */
	MON_PERF_FORWARDED,	 /* write commands forwarded to the leader */
	MON_PERF_STORE_WRITES,	 /* synced store batches */
	MON_PERF_STORE_US,	 /* microseconds spent in synced store batches */
	MON_PERF_MAPS_SENT,	 /* osdmap messages sent to subscribers */
	MON_PERF__COUNT
};

/* A client command waiting for the commit of its change. */
struct mon_waiter {
	struct mon_waiter *next;
	uint32_t epoch; /* answer once this osdmap epoch is committed */
	struct msg_conn *conn;
	uint64_t tid;
	struct mon_reply reply;
};

/* A write command a peon forwarded to the leader. */
struct mon_fwd {
	struct mon_fwd *next;
	uint64_t fwd_tid;
	struct msg_conn *client;
	uint64_t client_tid;
	uint64_t sent_ms;
};

/* An osdmap/monmap subscriber. */
struct mon_sub {
	struct mon_sub *next;
	struct msg_conn *conn;
	uint32_t what;	     /* MSG_SUB_* */
	uint32_t next_epoch; /* the first epoch it has not been sent */
	bool onetime;
};

struct mon_inc_cache {
	uint32_t first; /* epoch of slots[0 .. n) */
	uint32_t n;
	struct buf slots[MON_INC_CACHE]; /* ring: epoch e at (e - first + head) % cap */
	uint32_t head;
};

/* A full store sync in progress (this monitor catching up from a peer). */
struct mon_sync {
	bool active;
	uint64_t cookie;
	int peer;
	uint32_t next_seq;
	uint64_t started_ms;
	struct mon_store_import *imp; /* used on the store worker only */
	uint64_t dead_cookie;	      /* store worker only: an attempt that failed there */
};

struct mon_daemon {
	struct cfg *cfg;
	struct ent_name name;
	char *data_dir;
	uint8_t fsid[16];
	struct monmap monmap;
	int rank;

	struct ev_loop *loop;
	struct daemon_signals *signals;
	struct asok *asok;
	struct msg_messenger *ms;
	struct msg_conn *peers[MONMAP_MAX_MONS];

	struct mon_store *store;
	struct wq_pool *io;
	unsigned io_inflight;
	bool store_failed;

	struct mon_core *core;
	struct mon_out out;
	struct ev_timer core_timer;
	uint64_t applied; /* last Paxos version applied to the services */

	struct mon_osdmon *osdmon;
	struct mon_pgstats *pgstats; /* the OSDs' PG reports: soft state, every monitor */
	struct mon_inc_cache incs;
	struct ev_timer propose_timer;
	struct ev_timer svc_timer;
	uint64_t propose_interval_ns;

	/* Role, from the core's events. */
	int leader; /* -1 while electing */
	uint64_t election_epoch;
	uint32_t quorum;

	struct mon_waiter *waiters;
	struct mon_fwd *fwds;
	uint64_t next_fwd_tid;
	struct mon_sub *subs;
	bool stopping;
	struct perf_group *perf;
	struct mon_sync sync;
	/* What this monitor proposed for each epoch (crc of the change), to tell
	 * whether a committed epoch is ours (answer its waiters) or another
	 * leader's (fail them). */
	struct {
		uint32_t epoch;
		uint32_t crc;
	} proposed[64];
	struct wq_pool *sync_pool; /* exports for peers that sync from us */
};

/* The monotonic clock the core runs on, in ms. */
mon_time_t mon_now(void);

/* mon_daemon.c */
void mon_drive(struct mon_daemon *d, int rc); /* handle d->out after a core call */
int mon_send_to_rank(struct mon_daemon *d, int rank, struct msg *m);

/* mon_daemon_cmd.c: commands from clients, OSDs and forwarding peons. */
void mon_handle_command(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_handle_command_reply(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_handle_osd_boot(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_handle_osd_failure(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_handle_pg_stats(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_commands_committed(struct mon_daemon *d, uint32_t epoch, bool ours);
void mon_commands_fail_all(struct mon_daemon *d, int rc);
void mon_commands_fail_forwarded(struct mon_daemon *d, int rc);
int mon_register_asok(struct mon_daemon *d);
bool mon_readable(struct mon_daemon *d);

/* mon_daemon.c, for the sync code. */
int mon_load_services(struct mon_daemon *d, const struct mon_durable *dur, char *err,
		      size_t errlen);

/* mon_daemon_sync.c: full store sync between monitors. */
void mon_sync_start(struct mon_daemon *d, int peer);
void mon_handle_sync_req(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_handle_sync_chunk(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_sync_fini(struct mon_daemon *d);

/* mon_daemon_sub.c: subscriptions and the map cache. */
void mon_handle_subscribe(struct mon_daemon *d, struct msg_conn *conn, struct msg *m);
void mon_subs_publish(struct mon_daemon *d);
void mon_subs_drop_conn(struct mon_daemon *d, struct msg_conn *conn);
void mon_subs_fini(struct mon_daemon *d);
void mon_cache_inc(struct mon_daemon *d, uint32_t epoch, const uint8_t *data, size_t len);
void mon_cache_fini(struct mon_daemon *d);

#endif
