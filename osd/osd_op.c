/*
 * osd_op.c - client ops on the primary, and replicated writes.
 *
 * An op reaches the primary of its PG (others answer "retry with a newer
 * map").  It waits while the PG is not active, while its object is being
 * recovered anywhere in the acting set, and while an earlier write to the
 * same object is in flight (ops on one object run in arrival order).
 * Reads run at once.  A write is executed into physical steps
 * (osd_exec.h), given the next version, logged, applied locally and sent
 * to every other acting member; the client hears back only when every one
 * of them and the local store have committed it.
 *
 * When the interval changes, writes in flight are put back at the head of
 * the PG's queue and run again after peering; one that reached the log
 * before is found there by its request id and only answered.
 *
 * Ops from a client on the map's blocklist are refused with
 * -OSDMAP_EBLOCKLISTED whenever they are about to run (process()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "log.h"
#include "osd_int.h"

bool osd_defer_if_newer(struct osd_daemon *d, struct msg_conn *conn, struct msg *m,
			uint32_t epoch);
void osd_pg_retry_deferred(struct osd_daemon *d);

static struct osd_op *waiting_map; /* ops from clients with a newer map than ours */

void osd_op_free(struct osd_op *op)
{
	if (!op)
		return;
	msg_put(op->m);
	msg_conn_put(op->conn);
	osd_pglog_entry_fini(&op->entry);
	osd_exec_write_fini(&op->w);
	buflist_fini(&op->out);
	free(op);
}

static void list_append(struct osd_op **list, struct osd_op *op)
{
	op->next = NULL;
	while (*list)
		list = &(*list)->next;
	*list = op;
}

static void list_remove(struct osd_op **list, struct osd_op *op)
{
	for (; *list; list = &(*list)->next)
		if (*list == op) {
			*list = op->next;
			op->next = NULL;
			return;
		}
}

/* ---- replies ------------------------------------------------------------------------ */

static void reply(struct osd_daemon *d, struct osd_op *op, int64_t result, uint32_t flags,
		  struct osd_ev ver)
{
	struct msg *m = msg_create(MSG_OSD_OP_REPLY);
	struct msg_osd_op *req = msg_body(op->m);
	if (m) {
		struct msg_osd_op_reply *r = msg_body(m);
		r->tid = req->tid;
		r->attempt = req->attempt;
		r->result = result;
		r->epoch = d->map ? osdmap_epoch(d->map) : 0;
		r->flags = flags;
		r->ver_epoch = ver.epoch;
		r->version = ver.version;
		int rc = 0;
		if (!(flags & OSDOP_RF_RETRY) && req->n_ops) {
			r->ops = calloc(req->n_ops, sizeof(*r->ops));
			rc = r->ops ? 0 : -ENOMEM;
			if (!rc) {
				r->n_ops = req->n_ops;
				for (uint32_t i = 0; i < req->n_ops; i++) {
					r->ops[i].op = req->ops[i].op;
					r->ops[i].rval = req->ops[i].rval;
					r->ops[i].outdata_len = req->ops[i].outdata_len;
				}
			}
			if (!rc && buflist_length(&op->out))
				rc = buflist_claim(msg_data(m), &op->out);
		}
		if (rc || msg_send(op->conn, m) != 0)
			msg_put(m);
	}
	osd_op_free(op);
}

static void reply_error(struct osd_daemon *d, struct osd_op *op, int err)
{
	buflist_clear(&op->out);
	struct msg_osd_op *req = msg_body(op->m);
	for (uint32_t i = 0; i < req->n_ops; i++)
		req->ops[i].outdata_len = 0;
	reply(d, op, err, 0, OSD_EV_ZERO);
}

/* ---- arrival ------------------------------------------------------------------------- */

static bool is_write(const struct msg_osd_op *b)
{
	for (uint32_t i = 0; i < b->n_ops; i++)
		if (OSDOP_IS_WRITE(b->ops[i].op))
			return true;
	return false;
}

static bool is_pgls(const struct msg_osd_op *b)
{
	return b->n_ops == 1 && b->ops[0].op == OSDOP_PGLS;
}

static void process(struct osd_pg *pg, struct osd_op *op);

/* Route an op to its PG, or answer it.  Returns false if it had to wait for a map. */
static void route(struct osd_daemon *d, struct osd_op *op)
{
	struct msg_osd_op *b = msg_body(op->m);
	if (!d->map || b->epoch > osdmap_epoch(d->map)) {
		list_append(&waiting_map, op);
		osd_request_maps(d, b->epoch);
		return;
	}
	const struct osdmap_pool *pool = osdmap_pool(d->map, b->pool);
	if (!pool) {
		reply_error(d, op, -ENOENT);
		return;
	}
	struct osdmap_pg pgid;
	if (is_pgls(b)) {
		if (b->seed >= pool->pg_num) {
			reply_error(d, op, -EINVAL);
			return;
		}
		pgid = (struct osdmap_pg){b->pool, b->seed};
	} else {
		size_t nl = strlen(b->name), nsl = strlen(b->nspace), ll = strlen(b->locator);
		if (nl == 0) {
			reply_error(d, op, -EINVAL);
			return;
		}
		if (nl > OSDOP_NAME_MAX || nsl > OSDOP_NSPACE_MAX || ll > OSDOP_LOCATOR_MAX) {
			reply_error(d, op, -ENAMETOOLONG);
			return;
		}
		if (osdmap_object_hash(b->nspace, b->name, b->locator, &op->hash) != 0 ||
		    osdmap_hash_to_pg(d->map, b->pool, op->hash, &pgid) != 0) {
			reply_error(d, op, -ENOMEM);
			return;
		}
	}
	struct osdmap_placement pl;
	struct osd_pg *pg = osd_pg_find(d, &pgid);
	if (osdmap_pg_to_osds(d->map, &pgid, &pl) != 0 || pl.acting_primary != d->whoami || !pg ||
	    !pg->is_primary) {
		/* Not ours in our map: the client must look again. */
		reply(d, op, -EAGAIN, OSDOP_RF_RETRY, OSD_EV_ZERO);
		return;
	}
	op->pg = pg;
	process(pg, op);
}

void osd_op_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	struct osd_op *op = calloc(1, sizeof(*op));
	if (!op) {
		msg_put(m);
		return;
	}
	op->m = m;
	op->conn = msg_conn_get(conn);
	op->start_ns = clk_mono_ns();
	buflist_init(&op->out);
	route(d, op);
}

void osd_op_free_waiting_map(void)
{
	while (waiting_map) {
		struct osd_op *op = waiting_map;
		waiting_map = op->next;
		osd_op_free(op);
	}
}

void osd_op_retry_waiting_map(struct osd_daemon *d)
{
	struct osd_op *list = waiting_map;
	waiting_map = NULL;
	while (list) {
		struct osd_op *op = list;
		list = op->next;
		op->next = NULL;
		route(d, op);
	}
	osd_pg_retry_deferred(d);
}

/* ---- execution ----------------------------------------------------------------------- */

bool osd_op_object_busy(struct osd_pg *pg, const struct osd_pg_oid *oid)
{
	for (struct osd_op *w = pg->inflight; w; w = w->next)
		if (w->entry.oid.hash == oid->hash && !strcmp(w->entry.oid.name, oid->name) &&
		    !strcmp(w->entry.oid.nspace, oid->nspace))
			return true;
	return false;
}

static void send_repops(struct osd_pg *pg, struct osd_op *op);
static void local_committed(void *arg, int status);

struct commit_ctx {
	struct osd_daemon *d;
	struct osdmap_pg pgid;
	uint64_t rep_tid;
	struct osd_ev version;
	int status;
};

/*
 * Trim the log to @to in memory and in @t (the range of entry keys up to
 * and including @to).
 */
static int trim_log(struct osd_pg *pg, struct os_txn *t, struct osd_ev to)
{
	if (osd_ev_cmp(to, pg->log.tail) <= 0)
		return 0;
	uint8_t lo[1] = {'L'}, hi[OSD_PGLOG_KEY_LEN];
	struct osd_ev next = to;
	next.version++; /* keys are ordered by (epoch, version): just past @to */
	osd_pglog_key(next, hi);
	static const struct os_cid meta_cid = {OS_META_POOL, 0};
	int rc = os_txn_omap_rmrange(t, &meta_cid, &pg->meta, lo, 1, hi, sizeof(hi));
	if (!rc) {
		osd_pglog_trim(&pg->log, to);
		pg->info.log_tail = pg->log.tail;
	}
	return rc;
}

/*
 * How far the primary trims with this write: only while nothing is
 * missing anywhere (every member then has every entry), keeping at least
 * osd_min_pg_log_entries; once the log is twice that long.
 */
static struct osd_ev trim_point(struct osd_pg *pg)
{
	size_t min = (size_t)cfg_int(pg->d->cfg, CFG_osd_min_pg_log_entries);
	size_t max = (size_t)cfg_int(pg->d->cfg, CFG_osd_max_pg_log_entries);
	if (osd_pglog_count(&pg->log) < 2 * min)
		return pg->log.tail;
	if (pg->missing.n)
		return pg->log.tail;
	for (uint32_t i = 0; i < pg->n_peers; i++)
		if (pg->peers[i].missing.n || !pg->peers[i].activated)
			return pg->log.tail;
	return osd_pglog_trim_bound(&pg->log, pg->log.head, min, max);
}

static int start_write(struct osd_pg *pg, struct osd_op *op, const struct os_oid *oid,
		       const struct osd_pg_oid *po, uint64_t old_size, bool existed)
{
	struct osd_daemon *d = pg->d;
	struct msg_osd_op *b = msg_body(op->m);
	struct osd_ev ver = {osdmap_epoch(d->map), pg->log.head.version + 1};
	if (osd_ev_cmp(ver, pg->log.head) <= 0)
		ver.epoch = pg->log.head.epoch;
	const struct osd_pglog_entry *last = osd_pglog_latest(&pg->log, po);
	struct osd_ev prior = last ? last->version : OSD_EV_ZERO;
	int rc = osd_pglog_entry_init(&op->entry, op->w.deletes ? OSD_PGLOG_DELETE : OSD_PGLOG_MODIFY,
				      ver, prior, po, (struct osd_reqid){b->client, b->tid});
	struct osd_exec_oi oi = {ver.epoch, ver.version, clk_real_ns()};
	if (!rc)
		rc = osd_exec_set_oi(&op->w, &oi);
	if (!rc)
		rc = osd_exec_set_locator(&op->w, b->locator);
	struct os_txn *t = rc ? NULL : os_txn_create();
	if (!rc && !t)
		rc = -ENOMEM;
	if (!rc)
		rc = osd_exec_apply(t, &pg->cid, oid, op->w.ops, op->w.n_ops, &op->w.data);
	if (!rc)
		rc = osd_pglog_append(&pg->log, &op->entry);
	if (rc) {
		os_txn_destroy(t);
		return rc;
	}
	pg->info.last_update = ver;
	if (pg->missing.n == 0)
		pg->info.last_complete = ver;
	rc = osd_pg_persist_entry(pg, t, &op->entry);
	op->trim = trim_point(pg);
	if (!rc)
		rc = trim_log(pg, t, op->trim);
	if (!rc)
		rc = osd_pg_persist_info(pg, t);
	if (rc) {
		/* The log already has the entry: this OSD cannot go on consistently. */
		log_err(LOG_OSD, "pg %s: cannot log a write: %s", pg->name, strerror(-rc));
		os_txn_destroy(t);
		abort();
	}
	if (op->w.deletes) {
		if (existed) {
			pg->num_objects--;
			pg->num_bytes -= old_size;
		}
	} else {
		if (!existed)
			pg->num_objects++;
		pg->num_bytes += op->w.size - (existed ? old_size : 0);
	}
	op->bytes = buflist_length(&op->w.data);
	d->inflight_bytes += op->bytes;
	op->rep_tid = ++d->next_rep_tid;
	op->waiting_for = 1 + pg->n_peers;
	op->in_flight = true;
	list_append(&pg->inflight, op);
	send_repops(pg, op);
	struct commit_ctx *cc = malloc(sizeof(*cc));
	if (!cc)
		abort(); /* nothing sane is left: the write is logged */
	*cc = (struct commit_ctx){d, pg->pgid, op->rep_tid, ver, 0};
	osd_pg_txn_queued(pg);
	os_queue_transaction(d->store, t, NULL, local_committed, cc);
	d->ops_write++;
	pg->io[2]++;
	pg->io[3] += op->bytes;
	perf_inc(d->perf, OSD_PERF_OP_W, 1);
	perf_inc(d->perf, OSD_PERF_OP_W_BYTES, op->bytes);
	return 0;
}

/*
 * Writes are refused with -ENOSPC once the store would pass the map's
 * full ratio (the failsafe: the store itself must never run out, or
 * committed work could not be applied).  Deletes are refused too while
 * full; Ceph lets them through with a flag, which is not built yet.
 */
static bool osd_is_full(struct osd_daemon *d, const struct buflist *data)
{
	float full = 0.95f, backfill, nearfull;
	osdmap_ratios(d->map, &full, &backfill, &nearfull);
	if (full <= 0 || full > 1)
		full = 0.95f;
	struct os_statfs st;
	os_usage(d->store, &st);
	uint64_t after = st.allocated + d->inflight_bytes + buflist_length(data);
	return st.total && (double)after > (double)st.total * full;
}

static void process(struct osd_pg *pg, struct osd_op *op)
{
	struct osd_daemon *d = pg->d;
	struct msg_osd_op *b = msg_body(op->m);
	if (!pg->active) {
		list_append(&pg->waiting, op);
		return;
	}
	/*
	 * A fenced client (`osd blocklist`) gets nothing done, reads included:
	 * checked here, against the map of the moment, so ops that waited
	 * (inactive PG, busy object) before the entry arrived are refused too.
	 * As in Ceph this comes before the dup check: a fenced client is not
	 * even told that an earlier attempt of a write was applied.
	 */
	if (osdmap_is_blocklisted(d->map, msg_conn_peer_addr(op->conn), b->client, clk_real_ns())) {
		char who[NET_ADDR_STRLEN];
		addr_format(msg_conn_peer_addr(op->conn), who, sizeof(who));
		log_dbg(LOG_OSD, 10, "pg %s: client %" PRIu64 " at %s is blocklisted (e%u)", pg->name,
			b->client, who, osdmap_epoch(d->map));
		reply_error(d, op, -OSDMAP_EBLOCKLISTED);
		return;
	}
	if (is_pgls(b)) {
		struct buf out = BUF_INIT;
		int rc = osd_exec_pgls(d->store, &pg->cid, &b->ops[0], &out);
		b->ops[0].rval = rc;
		b->ops[0].outdata_len = rc ? 0 : (uint32_t)out.len;
		if (!rc)
			rc = buflist_append_copy(&op->out, out.data, out.len);
		buf_fini(&out);
		d->ops_read++;
		reply(d, op, rc, 0, pg->info.last_update);
		return;
	}
	struct osd_pg_oid po = {op->hash, b->nspace, b->name};
	if (osd_recovery_object_missing(pg, &po)) {
		osd_recovery_prioritize(pg, &po);
		list_append(&pg->blocked, op);
		return;
	}
	if (osd_op_object_busy(pg, &po)) {
		list_append(&pg->blocked, op);
		return;
	}
	bool write = is_write(b);
	if (write && osd_is_full(d, msg_data(op->m))) {
		reply_error(d, op, -ENOSPC);
		return;
	}
	/*
	 * Every write is looked up, not only resends: a resent copy can reach
	 * the new primary and be applied before the first copy, queued here
	 * since an earlier interval, is processed.
	 */
	if (write) {
		const struct osd_pglog_entry *e =
			osd_pglog_find_reqid(&pg->log, (struct osd_reqid){b->client, b->tid});
		if (e && osd_ev_cmp(e->version, pg->committed_to) > 0) {
			/* Logged but not yet durable here: answer once it is. */
			list_append(&pg->blocked, op);
			return;
		}
		if (e) {
			reply(d, op, 0, 0, e->version);
			return;
		}
	}
	op->in_flight = false;
	struct os_oid oid;
	osd_pg_make_oid(pg, &po, &oid);
	struct os_stat st;
	bool existed = os_stat(d->store, &pg->cid, &oid, &st) == 0;
	osd_exec_write_fini(&op->w);
	memset(&op->w, 0, sizeof(op->w));
	buflist_init(&op->w.data);
	buflist_clear(&op->out);
	int64_t r = osd_exec_op(d->store, &pg->cid, &oid, b->ops, b->n_ops, msg_data(op->m),
				&d->lim, &op->out, write ? &op->w : NULL);
	if (!write || r != 0) {
		struct osd_exec_oi oi = {0};
		osd_exec_get_oi(d->store, &pg->cid, &oid, &oi);
		if (r != 0)
			buflist_clear(&op->out);
		if (!write) {
			d->ops_read++;
			perf_inc(d->perf, OSD_PERF_OP_R, 1);
			pg->io[0]++;
			pg->io[1] += buflist_length(&op->out);
		}
		if (r != 0)
			for (uint32_t i = 0; i < b->n_ops; i++)
				if (b->ops[i].rval >= 0)
					b->ops[i].outdata_len = 0;
		reply(d, op, r, 0, (struct osd_ev){oi.ver_epoch, oi.version});
		return;
	}
	int rc = start_write(pg, op, &oid, &po, existed ? st.size : 0, existed);
	if (rc)
		reply_error(d, op, rc);
}

/* Re-run ops that waited on something that may have changed, in their order. */
static void rerun(struct osd_pg *pg, struct osd_op **list)
{
	struct osd_op *l = *list;
	*list = NULL;
	while (l) {
		struct osd_op *op = l;
		l = op->next;
		op->next = NULL;
		process(pg, op);
	}
}

void osd_op_kick(struct osd_pg *pg)
{
	if (!pg->active)
		return;
	/* Blocked ops are older than waiting ones. */
	struct osd_op *w = pg->waiting;
	pg->waiting = NULL;
	rerun(pg, &pg->blocked);
	while (w) {
		struct osd_op *op = w;
		w = op->next;
		op->next = NULL;
		process(pg, op);
	}
}

void osd_op_requeue(struct osd_pg *pg, struct osd_op **list)
{
	/* In order, ahead of what already waits. */
	struct osd_op *l = *list, *tail = NULL;
	*list = NULL;
	if (!l)
		return;
	for (struct osd_op *op = l; op; op = op->next) {
		osd_pglog_entry_fini(&op->entry);
		memset(&op->entry, 0, sizeof(op->entry));
		pg->d->inflight_bytes -= op->bytes;
		op->bytes = 0;
		tail = op;
	}
	tail->next = pg->waiting;
	pg->waiting = l;
}

void osd_op_interval_change(struct osd_pg *pg)
{
	osd_op_requeue(pg, &pg->blocked);
	osd_op_requeue(pg, &pg->inflight);
}

/* ---- completion ------------------------------------------------------------------------ */

static struct osd_op *find_inflight(struct osd_pg *pg, uint64_t rep_tid)
{
	for (struct osd_op *op = pg->inflight; op; op = op->next)
		if (op->rep_tid == rep_tid)
			return op;
	return NULL;
}

static void one_done(struct osd_pg *pg, struct osd_op *op)
{
	if (--op->waiting_for > 0)
		return;
	list_remove(&pg->inflight, op);
	pg->d->inflight_bytes -= op->bytes;
	op->bytes = 0;
	struct osd_ev v = op->entry.version;
	reply(pg->d, op, 0, 0, v);
	rerun(pg, &pg->blocked);
}

static void local_committed_loop(void *arg)
{
	struct commit_ctx *cc = arg;
	struct osd_pg *pg = osd_pg_of_txn(cc->d, &cc->pgid);
	if (cc->status)
		log_err(LOG_OSD, "a write transaction failed: %s", strerror(-cc->status));
	if (pg && !cc->status && osd_ev_cmp(cc->version, pg->committed_to) > 0)
		pg->committed_to = cc->version;
	struct osd_op *op = pg ? find_inflight(pg, cc->rep_tid) : NULL;
	if (op && !cc->status)
		one_done(pg, op);
	else if (pg && pg->blocked)
		rerun(pg, &pg->blocked);
	osd_pg_txn_done(pg); /* found above */
	free(cc);
}

static void local_committed(void *arg, int status)
{
	struct commit_ctx *cc = arg;
	cc->status = status;
	if (ev_loop_call(cc->d->loop, local_committed_loop, cc) != 0)
		free(cc);
}

void osd_op_handle_repop_reply(struct osd_daemon *d, struct msg *m)
{
	const struct msg_osd_repop_reply *b = msg_body(m);
	struct osdmap_pg pgid = {b->pool, b->seed};
	struct osd_pg *pg = osd_pg_find(d, &pgid);
	if (!pg || b->interval != pg->info.same_interval_since)
		return;
	struct osd_op *op = find_inflight(pg, b->tid);
	if (!op)
		return;
	if (b->result) {
		log_err(LOG_OSD, "pg %s: a replica failed write %" PRIu64 ": %s", pg->name, b->tid,
			strerror(-b->result));
		return; /* the op waits; the replica will be marked down or re-peered */
	}
	one_done(pg, op);
}

/* ---- replication ------------------------------------------------------------------------- */

static void send_repops(struct osd_pg *pg, struct osd_op *op)
{
	struct osd_daemon *d = pg->d;
	for (uint32_t i = 0; i < pg->n_peers; i++) {
		struct msg *m = msg_create(MSG_OSD_REPOP);
		if (!m)
			abort();
		struct msg_osd_repop *b = msg_body(m);
		struct buf e = BUF_INIT;
		int rc = osd_pglog_entry_encode(&op->entry, &e);
		b->pool = pg->pgid.pool;
		b->seed = pg->pgid.seed;
		b->epoch = osdmap_epoch(d->map);
		b->interval = pg->info.same_interval_since;
		b->tid = op->rep_tid;
		b->entry.len = e.len;
		b->entry.data = buf_steal(&e, &b->entry.len);
		b->trim_epoch = op->trim.epoch;
		b->trim_version = op->trim.version;
		b->hash = op->entry.oid.hash;
		b->nspace = strdup(op->entry.oid.nspace);
		b->name = strdup(op->entry.oid.name);
		if (!rc && (!b->nspace || !b->name))
			rc = -ENOMEM;
		if (!rc && op->w.n_ops) {
			b->ops = calloc(op->w.n_ops, sizeof(*b->ops));
			rc = b->ops ? 0 : -ENOMEM;
			for (uint32_t k = 0; !rc && k < op->w.n_ops; k++) {
				rc = msg_osd_subop_copy(&b->ops[k], &op->w.ops[k]);
				if (!rc)
					b->n_ops = k + 1;
			}
		}
		if (!rc)
			rc = buflist_append_list(msg_data(m), &op->w.data);
		buf_fini(&e);
		if (rc) {
			log_err(LOG_OSD, "pg %s: cannot build a replicated write: %s", pg->name,
				strerror(-rc));
			abort();
		}
		if (osd_send_to_osd(d, pg->peers[i].osd, m) != 0)
			log_warn(LOG_OSD, "pg %s: cannot send a write to osd.%d", pg->name,
				 pg->peers[i].osd);
	}
}

struct repop_ctx {
	struct osd_daemon *d;
	struct msg_conn *conn;
	struct msg_osd_repop_reply r;
};

static void repop_committed_loop(void *arg)
{
	struct repop_ctx *rc = arg;
	struct osdmap_pg pgid = {rc->r.pool, rc->r.seed};
	osd_pg_txn_done(osd_pg_of_txn(rc->d, &pgid));
	struct msg *m = rc->d->stopping ? NULL : msg_create(MSG_OSD_REPOP_REPLY);
	if (m) {
		*(struct msg_osd_repop_reply *)msg_body(m) = rc->r;
		if (msg_send(rc->conn, m) != 0)
			msg_put(m);
	}
	msg_conn_put(rc->conn);
	free(rc);
}

static void repop_committed(void *arg, int status)
{
	struct repop_ctx *rc = arg;
	rc->r.result = status;
	if (ev_loop_call(rc->d->loop, repop_committed_loop, rc) != 0) {
		msg_conn_put(rc->conn);
		free(rc);
	}
}

void osd_op_handle_repop(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_osd_repop *b = msg_body(m);
	if (osd_defer_if_newer(d, conn, m, b->epoch))
		return;
	struct osdmap_pg pgid = {b->pool, b->seed};
	struct osd_pg *pg = osd_pg_find(d, &pgid);
	if (!pg || b->interval != pg->info.same_interval_since || !pg->replica_active) {
		log_info(LOG_OSD, "pg %u.%x: write %" PRIu64 " from interval %u dropped",
			 (unsigned)b->pool, b->seed, b->tid, b->interval);
		return;
	}
	struct osd_pglog_entry e;
	if (osd_pglog_entry_decode(b->entry.data, b->entry.len, &e) != 0) {
		log_warn(LOG_OSD, "pg %s: undecodable replicated write", pg->name);
		return;
	}
	struct repop_ctx *rc = calloc(1, sizeof(*rc));
	struct os_txn *t = os_txn_create();
	int r = rc && t ? 0 : -ENOMEM;
	if (!r && osd_ev_cmp(e.version, pg->log.head) > 0) {
		struct os_oid oid;
		struct osd_pg_oid po = {b->hash, b->nspace, b->name};
		osd_pg_make_oid(pg, &po, &oid);
		r = osd_exec_apply(t, &pg->cid, &oid, b->ops, b->n_ops, msg_data(m));
		if (!r)
			r = osd_pglog_append(&pg->log, &e);
		if (!r) {
			pg->info.last_update = e.version;
			if (pg->missing.n == 0)
				pg->info.last_complete = e.version;
			r = osd_pg_persist_entry(pg, t, &e);
		}
		struct osd_ev trim = {b->trim_epoch, b->trim_version};
		if (!r && pg->missing.n == 0 && osd_ev_cmp(trim, pg->log.head) < 0)
			r = trim_log(pg, t, trim);
		if (!r)
			r = osd_pg_persist_info(pg, t);
	}
	osd_pglog_entry_fini(&e);
	if (r) {
		log_err(LOG_OSD, "pg %s: cannot apply a replicated write: %s", pg->name,
			strerror(-r));
		os_txn_destroy(t);
		free(rc);
		return;
	}
	perf_inc(d->perf, OSD_PERF_SUBOP, 1);
	rc->d = d;
	rc->conn = msg_conn_get(conn);
	rc->r = (struct msg_osd_repop_reply){b->pool, b->seed, osdmap_epoch(d->map), b->interval,
					     b->tid, 0};
	osd_pg_txn_queued(pg);
	os_queue_transaction(d->store, t, NULL, repop_committed, rc);
}
