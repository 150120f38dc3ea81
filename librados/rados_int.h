/*
 * rados_int.h - librados internals.  Never installed, never exported.
 *
 * The public API (include/rados/librados.h) uses void * handles; every
 * entry point converts its handle once to the typed structs below.
 *
 * Threads: API calls come from any number of application threads.  The
 * messenger's loop threads deliver replies and maps.  Shared state of a
 * client is guarded by its `lock`; API calls block on `cond` with a
 * deadline.  Callbacks into the application never run with `lock` held.
 */
#ifndef CAIRN_RADOS_INT_H
#define CAIRN_RADOS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/monmap.h"
#include "common/msg/msg.h"
#include "common/osdmap.h"

/* A monitor command in flight. */
struct rados__mon_cmd {
	struct rados__mon_cmd *next;
	uint64_t tid;
	char *cmd;	 /* JSON */
	struct buf in;	 /* input data */
	bool sent;	 /* on the current session */
	bool done;
	int rc;
	struct buf outs; /* status */
	struct buf outbl;
};

struct rados__client {
	struct cfg *cfg;
	struct ent_name name;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	bool connected;
	bool shutting_down;
	struct msg_messenger *ms;

	/* monitor session */
	struct net_addr *mons;
	size_t nmons;
	int cur_mon;		  /* index into mons, -1: none */
	struct msg_conn *mon_conn; /* the session in use */
	bool mon_ready;		  /* it answered (we have its monmap) */
	uint64_t mon_conn_id;
	struct monmap monmap;
	uint8_t fsid[16];
	bool have_fsid;
	uint64_t next_tid;
	struct rados__mon_cmd *cmds;

	/* osdmap */
	struct osdmap *osdmap; /* newest we have, NULL until the first */
	uint32_t osdmap_wanted;
	uint64_t instance_id;
};

/* Monitor client (rados_monc.c).  Call with c->lock held unless noted. */
int rados__monc_register(struct rados__client *c); /* before msg_start; unlocked */
int rados__monc_start(struct rados__client *c);	   /* after the messenger starts; unlocked */
void rados__monc_stop(struct rados__client *c);	   /* unlocked */
int rados__monc_command(struct rados__client *c, const char *cmd, const char *in, size_t inlen,
			 struct buf *outbl, struct buf *outs, uint64_t timeout_ns); /* unlocked */
int rados__monc_wait_osdmap(struct rados__client *c, uint32_t epoch, uint64_t timeout_ns);

#endif
