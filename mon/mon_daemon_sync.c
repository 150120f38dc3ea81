/*
 * mon_daemon_sync.c - full store sync: a monitor that is too far behind
 * (the leader trimmed the versions it needs) copies a peer's store.
 *
 * Requester (this monitor, on MON_EV_SYNC_NEEDED from the core):
 *   SYNC_REQ(cookie) -> peer; every SYNC_CHUNK is imported in order on
 *   the store worker (mon_store_import_*), the last one finishes the
 *   import (an atomic directory exchange), then the services are rebuilt
 *   from the new store and the core is told (mon_core_sync_installed).
 *   Any error or a gap in the chunk sequence abandons the attempt; the
 *   core asks again (sync_retry_ms).
 * Provider (a peer): exports its store from one snapshot on a dedicated
 *   worker, sending chunks as the connection's throttle allows.
 */
#include "mon_daemon_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/clk.h"
#include "common/log.h"

#define SYNC_RETRY_MS 30000 /* a stuck attempt is abandoned after this */

/* ---- requester: jobs on the store worker ------------------------------------------ */

enum sync_op {
	SYNC_BEGIN,
	SYNC_CHUNK,
	SYNC_FINISH,
	SYNC_ABORT,
};

struct sync_job {
	struct mon_daemon *d;
	enum sync_op op;
	uint64_t cookie;
	struct buf data;
	int rc;
	struct mon_durable dur; /* SYNC_FINISH: the new image */
};

/* Worker: the store is only touched here while a sync runs. */
static void sync_work(void *arg)
{
	struct sync_job *j = arg;
	struct mon_daemon *d = j->d;
	/* Once a step of an attempt failed, its later steps must not run. */
	if (j->op != SYNC_ABORT && j->op != SYNC_BEGIN && j->cookie == d->sync.dead_cookie) {
		j->rc = -ECANCELED;
		return;
	}
	switch (j->op) {
	case SYNC_BEGIN:
		if (d->sync.imp)
			mon_store_import_abort(d->sync.imp);
		d->sync.imp = NULL;
		j->rc = mon_store_import_begin(d->store, &d->sync.imp);
		break;
	case SYNC_CHUNK:
		j->rc = d->sync.imp ? mon_store_import_chunk(d->sync.imp, j->data.data, j->data.len)
				    : -ECANCELED;
		break;
	case SYNC_FINISH:
		j->rc = d->sync.imp ? mon_store_import_finish(d->sync.imp) : -ECANCELED;
		d->sync.imp = NULL; /* finish frees it whatever it returns */
		if (!j->rc)
			j->rc = mon_store_load(d->store, &j->dur);
		break;
	case SYNC_ABORT:
		if (d->sync.imp)
			mon_store_import_abort(d->sync.imp);
		d->sync.imp = NULL;
		break;
	}
	if (j->rc && j->op != SYNC_ABORT) {
		d->sync.dead_cookie = j->cookie;
		if (d->sync.imp)
			mon_store_import_abort(d->sync.imp);
		d->sync.imp = NULL;
	}
}

static void sync_fail(struct mon_daemon *d, const char *why, int rc);

/* Loop: the new store is in place; rebuild everything derived from it. */
static void install(struct mon_daemon *d, struct sync_job *j)
{
	char err[256] = "";
	struct mon_osdmon *old = d->osdmon;
	d->osdmon = NULL;
	mon_cache_fini(d);
	memset(&d->incs, 0, sizeof(d->incs));
	int rc = mon_load_services(d, &j->dur, err, sizeof(err));
	if (rc) {
		/* The store is whole but our view of it is not: stop, a restart reloads it. */
		log_err(LOG_MON, "mon.%s: cannot load the synced store: %s", d->name.id, err);
		d->osdmon = old ? old : d->osdmon;
		mon_daemon_stop(d);
		return;
	}
	mon_osdmon_destroy(old);
	log_info(LOG_MON, "mon.%s: store synced from rank %d up to version %llu (osdmap e%u)",
		 d->name.id, d->sync.peer, (unsigned long long)j->dur.lc,
		 osdmap_epoch(mon_osdmon_map(d->osdmon)));
	d->sync.active = false;
	mon_drive(d, mon_core_sync_installed(d->core, mon_now(), j->dur.lc, &d->out));
	mon_subs_publish(d);
}

static void sync_done(void *arg, int status)
{
	struct sync_job *j = arg;
	struct mon_daemon *d = j->d;
	int rc = status ? status : j->rc;
	if (!d->stopping && j->op == SYNC_FINISH && !rc) {
		/* The store on disk was replaced: our state must follow, always. */
		d->sync.active = true;
		install(d, j);
	} else if (!d->stopping && d->sync.active && j->cookie == d->sync.cookie && rc &&
		   rc != -ECANCELED) {
		sync_fail(d, j->op == SYNC_FINISH ? "finish" : "import", rc);
	}
	if (j->op == SYNC_FINISH && !rc)
		mon_durable_fini(&j->dur);
	buf_fini(&j->data);
	free(j);
}

static int submit(struct mon_daemon *d, enum sync_op op, const struct buflist *data)
{
	struct sync_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->d = d;
	j->op = op;
	j->cookie = d->sync.cookie;
	mon_durable_init(&j->dur);
	size_t len = data ? buflist_length(data) : 0;
	if (len && (buf_reserve(&j->data, len) != 0 ||
		    buflist_copy_out(data, 0, len, j->data.data) != 0)) {
		buf_fini(&j->data);
		free(j);
		return -ENOMEM;
	}
	j->data.len = len;
	/* Same worker and shard as the persists: strictly ordered with them. */
	int rc = wq_submit(d->io, 0, sync_work, sync_done, j, d->loop);
	if (rc) {
		buf_fini(&j->data);
		free(j);
	}
	return rc;
}

static void sync_fail(struct mon_daemon *d, const char *why, int rc)
{
	log_warn(LOG_MON, "mon.%s: store sync from rank %d failed (%s: %s); will retry",
		 d->name.id, d->sync.peer, why, strerror(-rc));
	d->sync.active = false;
	submit(d, SYNC_ABORT, NULL);
}

void mon_sync_start(struct mon_daemon *d, int peer)
{
	uint64_t now = (uint64_t)mon_now();
	if (d->sync.active && now - d->sync.started_ms < SYNC_RETRY_MS)
		return; /* one attempt at a time */
	if (peer < 0 || peer >= (int)d->monmap.n || peer == d->rank)
		return;
	uint64_t cookie;
	if (getrandom(&cookie, sizeof(cookie), 0) != sizeof(cookie))
		cookie = clk_mono_ns();
	/* (sync.imp belongs to the store worker: not touched here.) */
	d->sync.active = true;
	d->sync.cookie = cookie | 1;
	d->sync.peer = peer;
	d->sync.next_seq = 0;
	d->sync.started_ms = now;
	log_info(LOG_MON, "mon.%s: too far behind; syncing the store from mon.%s", d->name.id,
		 d->monmap.mons[peer].name);
	struct msg *m = msg_create(MSG_MON_SYNC_REQ);
	if (!m || submit(d, SYNC_BEGIN, NULL) != 0) {
		msg_put(m);
		d->sync.active = false;
		return;
	}
	((struct msg_mon_sync_req *)msg_body(m))->cookie = d->sync.cookie;
	if (mon_send_to_rank(d, peer, m) != 0) {
		msg_put(m);
		sync_fail(d, "request", -ENOTCONN);
	}
}

void mon_handle_sync_chunk(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_mon_sync_chunk *b = msg_body(m);
	if (!d->sync.active || b->cookie != d->sync.cookie)
		return; /* an old attempt's chunk */
	if (b->result) {
		sync_fail(d, "peer export", b->result);
		return;
	}
	if (b->seq != d->sync.next_seq) {
		sync_fail(d, "chunk sequence", -EPROTO);
		return;
	}
	d->sync.next_seq++;
	/* The final chunk may be empty: it only marks the end. */
	int rc = buflist_length(msg_data(m)) ? submit(d, SYNC_CHUNK, msg_data(m)) : 0;
	if (!rc && (b->flags & MSG_SYNC_LAST))
		rc = submit(d, SYNC_FINISH, NULL);
	if (rc)
		sync_fail(d, "queue", rc);
}

void mon_sync_fini(struct mon_daemon *d)
{
	/* After the store worker stopped: no job can race with this. */
	if (d->sync.imp)
		mon_store_import_abort(d->sync.imp);
	d->sync.imp = NULL;
}

/* ---- provider --------------------------------------------------------------------- */

struct export_job {
	struct mon_daemon *d;
	struct msg_conn *conn;
	uint64_t cookie;
};

static int send_chunk(struct export_job *j, uint32_t seq, uint32_t flags, int result,
		      struct buf *data)
{
	struct msg *m = msg_create(MSG_MON_SYNC_CHUNK);
	if (!m)
		return -ENOMEM;
	struct msg_mon_sync_chunk *b = msg_body(m);
	*b = (struct msg_mon_sync_chunk){j->cookie, seq, flags, result};
	int rc = data && data->len ? buflist_append_copy(msg_data(m), data->data, data->len) : 0;
	/* The export runs on its own thread: waiting for throttle room is fine here. */
	for (int tries = 0; !rc; tries++) {
		rc = msg_send(j->conn, m);
		if (rc != -EAGAIN || tries > 3000)
			break;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
		rc = 0;
	}
	if (rc)
		msg_put(m);
	return rc;
}

/* Sync worker: export the whole store to the requester. */
static void export_work(void *arg)
{
	struct export_job *j = arg;
	struct mon_store_export *ex = NULL;
	struct buf chunk = BUF_INIT;
	uint32_t seq = 0;
	int rc = mon_store_export_begin(j->d->store, 0, &ex);
	bool began = rc == 0;
	while (!rc) {
		buf_reset(&chunk);
		int more = mon_store_export_next(ex, &chunk);
		if (more < 0) {
			rc = more;
			break;
		}
		rc = send_chunk(j, seq++, more ? 0 : MSG_SYNC_LAST, 0, &chunk);
		if (!more)
			break;
	}
	if (rc && rc != -ENOTCONN)
		send_chunk(j, seq, MSG_SYNC_LAST, rc, NULL); /* tell the requester to give up */
	if (began)
		mon_store_export_end(ex);
	buf_fini(&chunk);
	log_info(LOG_MON, "exported the store in %u chunks: %s", seq, rc ? strerror(-rc) : "ok");
}

static void export_done(void *arg, int status)
{
	struct export_job *j = arg;
	msg_conn_put(j->conn);
	free(j);
}

void mon_handle_sync_req(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	struct ent_name peer;
	if (!msg_conn_peer_name(conn, &peer) || peer.type != ENT_TYPE_MON ||
	    monmap_rank_by_name(&d->monmap, peer.id) < 0)
		return; /* only monitors of our map get our store */
	struct export_job *j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->d = d;
	j->conn = msg_conn_get(conn);
	j->cookie = ((const struct msg_mon_sync_req *)msg_body(m))->cookie;
	log_info(LOG_MON, "mon.%s: mon.%s asks for a store sync", d->name.id, peer.id);
	if (wq_submit(d->sync_pool, WQ_ANY_SHARD, export_work, export_done, j, d->loop) != 0) {
		msg_conn_put(j->conn);
		free(j);
	}
}
