/*
 * mon_daemon.h - cairn-mon: the monitor daemon.
 *
 * Wraps the consensus core (mon_core.h) in a process: RocksDB store
 * (mon_store.h), messenger, the OSDMap service (mon_osdmon.h),
 * subscriptions, commands and the admin socket.
 *
 * Threads:
 *   - the service loop (the thread that calls mon_daemon_run) owns all
 *     state below: the core, the services, subscribers, waiters;
 *   - messenger loop threads only receive and post messages to the
 *     service loop (ev_loop_call);
 *   - one store worker (wq pool of 1) runs every blocking store call in
 *     submission order and posts completions back.
 */
#ifndef CAIRN_MON_DAEMON_H
#define CAIRN_MON_DAEMON_H

#include "common/cfg.h"

struct mon_daemon;

/*
 * Create the store of monitor @c's entity in its mon_data directory: the
 * fsid (option fsid, required) and the initial monmap (mon_host and
 * [mon.X]).  0 or -errno, with a message in @err.
 */
int mon_daemon_mkfs(struct cfg *c, char *err, size_t errlen);

/*
 * Open the store, bind the monitor's address (its monmap entry) and start
 * the messenger.  @c is borrowed and must outlive the daemon.  0 or
 * -errno with a message in @err.
 */
int mon_daemon_init(struct cfg *c, struct mon_daemon **out, char *err, size_t errlen);
/* Run the service loop until SIGTERM/SIGINT or mon_daemon_stop.  Returns 0 or -errno. */
int mon_daemon_run(struct mon_daemon *d);
/* Any thread. */
void mon_daemon_stop(struct mon_daemon *d);
/* Stop the messenger, flush the store, free everything.  NULL is ok. */
void mon_daemon_fini(struct mon_daemon *d);

#endif
