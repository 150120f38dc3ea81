/*
 * fake_cluster.h - an in-process stand-in for monitors and OSDs, so that
 * librados' objecter and API can be tested without daemons.
 *
 * One fake monitor (a messenger on 127.0.0.1, ephemeral port) answers map
 * subscriptions (monmap, full osdmaps, pushed again on every change) and a
 * few commands ("osd stat", "osd pool create", "osd pool delete", and "df"
 * in JSON: 3 GiB raw, per pool the data bytes and objects stored).  N fake
 * OSDs (one messenger each) share one in-memory object store and execute
 * MSG_OSD_OP steps with all-or-nothing semantics; an OSD that is not the
 * acting primary of the op's PG in the current map answers OSDOP_RF_RETRY,
 * as the real one does.  Knobs let a test hold ops without answering,
 * force RETRY answers, close sessions and change the map.
 *
 * Threads: the fake daemons run on their messengers' loop threads; every
 * function here may be called from the test thread.
 */
#ifndef CAIRN_TEST_FAKE_CLUSTER_H
#define CAIRN_TEST_FAKE_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

struct fake_cluster;

/* Start a monitor and @n_osds OSDs (all up and in), with pool "rbd" (id 1, @pg_num PGs, size 2). */
struct fake_cluster *fc_start(int n_osds, uint32_t pg_num);
void fc_stop(struct fake_cluster *fc);
/* "127.0.0.1:PORT" of the monitor (valid until fc_stop). */
const char *fc_mon_host(struct fake_cluster *fc);
uint32_t fc_epoch(struct fake_cluster *fc);

/* Map changes (each makes a new epoch and pushes it to subscribers). */
void fc_mark_down(struct fake_cluster *fc, int osd);
void fc_mark_up(struct fake_cluster *fc, int osd);
void fc_bump_epoch(struct fake_cluster *fc);
void fc_set_pause(struct fake_cluster *fc, bool paused);

/* OSD behaviour. */
void fc_hold(struct fake_cluster *fc, bool hold); /* keep ops unanswered */
int fc_held(struct fake_cluster *fc);		  /* ops held now */
void fc_release_held(struct fake_cluster *fc);	  /* execute and answer them */
void fc_close_held_sessions(
    struct fake_cluster *fc); /* close the connections they came on (drops them) */
void fc_retry_next(struct fake_cluster *fc, int n); /* answer the next n ops RETRY(epoch + 1) */

/* Observations. */
int fc_ops_seen(struct fake_cluster *fc);     /* MSG_OSD_OPs received */
int fc_resends_seen(struct fake_cluster *fc); /* of which attempt > 0 */
int fc_executed(struct fake_cluster *fc);     /* distinct (client, tid) executed */
int fc_primary_of(struct fake_cluster *fc, int64_t pool, const char *nspace, const char *name);
int fc_last_osd(struct fake_cluster *fc); /* the OSD that executed the last op */

#endif
