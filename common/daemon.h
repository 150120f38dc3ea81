/*
 * daemon.h - what every Cairn daemon does at start-up and shutdown:
 * configuration from argv/CEPH_ARGS/the conf file, logging, a pid file
 * that a stale copy never blocks, signals delivered through the event
 * loop, and detaching from the terminal unless -f was given.
 *
 * A daemon's main() is:
 *   daemon_config(...)       cfg from every source, logging applied
 *   daemon_detach_begin()    unless foreground
 *   daemon_pidfile_open(...)
 *   daemon_signals_start(loop, ...)
 *   <daemon>_init / ev_loop_run / <daemon>_fini
 *   daemon_signals_stop, daemon_pidfile_close
 */
#ifndef CAIRN_DAEMON_H
#define CAIRN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "ev.h"

struct cfg;

/*
 * Build the configuration of a daemon of @type: options from argv
 * (-i/--id, -n/--name, -c/--conf, --cluster, --<option> value), CEPH_ARGS
 * and the conf file (the one named by -c must exist; the default
 * /etc/ceph/$cluster.conf may be absent).  Consumed arguments are removed
 * from @argv; what remains (the program's own flags) stays in order.
 * Logging options are applied.  0 or -errno with a message in @err.
 */
int daemon_config(enum ent_type type, int *argc, char **argv, struct cfg **out, char *err,
		  size_t errlen);

/*
 * Create and lock @path holding our pid.  A file left by a dead process
 * (unlocked) is taken over; one locked by a live daemon is -EEXIST.
 * Returns an fd to keep open (the lock lives with it) or -errno.
 */
int daemon_pidfile_open(const char *path);
/* Remove and unlock.  @fd < 0 is ignored. */
void daemon_pidfile_close(int fd, const char *path);

/*
 * Go to the background in two steps, so start-up errors still reach the
 * terminal and the exit code.  daemon_detach_begin() forks: the parent
 * waits and exits with the status the child reports (1 if the child dies
 * first); the child gets a descriptor to report on.  The child starts
 * up, then calls daemon_detach_done(fd, 0) (or a non-zero status before
 * giving up), which tells the parent, starts a new session and points
 * stdio at /dev/null.  Call begin before creating any thread.
 * begin returns the descriptor (child) or -errno.
 */
int daemon_detach_begin(void);
void daemon_detach_done(int fd, int status);

struct daemon_signals;
/*
 * Block SIGTERM, SIGINT, SIGHUP and SIGPIPE in this (and later-created)
 * threads and deliver the first three on @loop: SIGTERM and SIGINT call
 * @on_stop(@arg) (default: ev_loop_stop), SIGHUP reopens the log file
 * named by @cfg (borrowed; may be NULL).
 * Call before creating other threads.  0 or -errno.
 */
int daemon_signals_start(struct ev_loop *loop, struct cfg *cfg, void (*on_stop)(void *arg),
			 void *arg, struct daemon_signals **out);
/* Loop thread; NULL is ok. */
void daemon_signals_stop(struct daemon_signals *s);

#endif
