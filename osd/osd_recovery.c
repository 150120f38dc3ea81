/*
 * osd_recovery.c - log-based recovery: after peering, the primary copies
 * every object a member lacks (its missing set) from a copy that has it.
 *
 * The primary pulls what it lacks itself from a complete member (PULL ->
 * the member PUSHes to it), then pushes to each acting member what that
 * member lacks.  A push carries the whole object: data in the message's
 * data segment, xattrs, omap header and omap entries in keys/vals (keys
 * tagged 'x', 'h', 'o'), or a DELETE flag when the object must not exist.
 * The receiver replaces its copy in one transaction together with the
 * removal of the missing item, then answers.  Client ops on an object
 * that any acting member lacks wait until it is recovered (osd_op.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "osd_int.h"

#define RECOVERY_MAX_ACTIVE 8

bool osd_recovery_object_missing(struct osd_pg *pg, const struct osd_pg_oid *oid)
{
	if (osd_missing_find(&pg->missing, oid))
		return true;
	for (uint32_t i = 0; i < pg->n_peers; i++)
		if (osd_missing_find(&pg->peers[i].missing, oid))
			return true;
	return false;
}

/* ---- building pushes ---------------------------------------------------------------- */

static int add_tagged(struct msg_osd_pg *b, char tag, const void *k, size_t klen, const void *v,
		      size_t vlen)
{
	uint8_t *key = malloc(klen + 1);
	if (!key)
		return -ENOMEM;
	key[0] = (uint8_t)tag;
	if (klen)
		memcpy(key + 1, k, klen);
	int rc = msg_osd_pg_add_kv(b, key, klen + 1, v, vlen);
	free(key);
	return rc;
}

/* Fill a PUSH of @po from our store (or a DELETE if we do not hold it). */
static int build_push(struct osd_pg *pg, const struct osd_pg_oid *po, struct osd_ev ver,
		      uint32_t interval, struct msg **out)
{
	struct osd_daemon *d = pg->d;
	struct msg *m = msg_create(MSG_OSD_PG);
	if (!m)
		return -ENOMEM;
	struct msg_osd_pg *b = msg_body(m);
	b->kind = OSD_PGMSG_PUSH;
	b->pool = pg->pgid.pool;
	b->seed = pg->pgid.seed;
	b->epoch = osdmap_epoch(d->map);
	b->interval = interval;
	b->from = d->whoami;
	b->hash = po->hash;
	b->nspace = strdup(po->nspace);
	b->name = strdup(po->name);
	b->ver_epoch = ver.epoch;
	b->version = ver.version;
	int rc = b->nspace && b->name ? 0 : -ENOMEM;
	struct os_oid oid;
	osd_pg_make_oid(pg, po, &oid);
	if (!rc && !os_exists(d->store, &pg->cid, &oid)) {
		b->flags |= OSD_PGMSG_F_DELETE;
		*out = m;
		return 0;
	}
	struct os_kvlist kv = OS_KVLIST_INIT;
	if (!rc)
		rc = os_read(d->store, &pg->cid, &oid, 0, 0, msg_data(m));
	if (!rc)
		rc = os_getattrs(d->store, &pg->cid, &oid, &kv);
	for (size_t i = 0; !rc && i < kv.n; i++)
		rc = add_tagged(b, 'x', kv.v[i].key, kv.v[i].klen, kv.v[i].val, kv.v[i].vlen);
	os_kvlist_fini(&kv);
	struct buf h = BUF_INIT;
	if (!rc)
		rc = os_omap_get_header(d->store, &pg->cid, &oid, &h);
	if (!rc && h.len)
		rc = add_tagged(b, 'h', NULL, 0, h.data, h.len);
	buf_fini(&h);
	bool more = true;
	struct buf after = BUF_INIT;
	while (!rc && more) {
		struct os_kvlist o = OS_KVLIST_INIT;
		rc = os_omap_list(d->store, &pg->cid, &oid, after.len ? after.data : NULL, after.len,
				  1024, false, &o, &more);
		for (size_t i = 0; !rc && i < o.n; i++)
			rc = add_tagged(b, 'o', o.v[i].key, o.v[i].klen, o.v[i].val, o.v[i].vlen);
		if (!rc && o.n) {
			buf_reset(&after);
			rc = buf_append(&after, o.v[o.n - 1].key, o.v[o.n - 1].klen);
		}
		if (o.n == 0)
			more = false;
		os_kvlist_fini(&o);
	}
	buf_fini(&after);
	if (rc) {
		msg_put(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* ---- the primary's loop ------------------------------------------------------------- */

static void request_pull(struct osd_pg *pg, const struct osd_missing_item *it)
{
	const struct osd_peer_result *r = pg->peer ? osd_peer_result(pg->peer) : NULL;
	int32_t src[OSDMAP_MAX_SIZE];
	size_t n = r ? osd_peer_sources(r, &it->oid, src, OSDMAP_MAX_SIZE) : 0;
	for (size_t i = 0; i < n; i++) {
		if (src[i] == pg->d->whoami)
			continue;
		struct msg *m = msg_create(MSG_OSD_PG);
		if (!m)
			return;
		struct msg_osd_pg *b = msg_body(m);
		b->kind = OSD_PGMSG_PULL;
		b->pool = pg->pgid.pool;
		b->seed = pg->pgid.seed;
		b->epoch = osdmap_epoch(pg->d->map);
		b->interval = pg->info.same_interval_since;
		b->from = pg->d->whoami;
		b->hash = it->oid.hash;
		b->nspace = strdup(it->oid.nspace);
		b->name = strdup(it->oid.name);
		b->ver_epoch = it->need.epoch;
		b->version = it->need.version;
		if (!b->nspace || !b->name) {
			msg_put(m);
			return;
		}
		if (osd_send_to_osd(pg->d, src[i], m) == 0) {
			pg->recovering++;
			return;
		}
	}
	log_warn(LOG_OSD, "pg %s: no source for %s (unfound)", pg->name, it->oid.name);
}

/* Items already requested in this interval (so a kick does not resend them). */
struct inflight_item {
	struct inflight_item *next;
	struct osd_pg *pg;
	int32_t osd; /* target of the push, or our own id for a pull */
	uint32_t interval;
	struct osd_pg_oid oid; /* owned strings */
};
static struct inflight_item *inflight_items;

static bool item_pending(struct osd_pg *pg, int32_t osd, const struct osd_pg_oid *oid)
{
	for (struct inflight_item *x = inflight_items; x; x = x->next)
		if (x->pg == pg && x->osd == osd && x->interval == pg->info.same_interval_since &&
		    osd_pg_oid_cmp(&x->oid, oid) == 0)
			return true;
	return false;
}

static void item_add(struct osd_pg *pg, int32_t osd, const struct osd_pg_oid *oid)
{
	struct inflight_item *x = calloc(1, sizeof(*x));
	if (!x)
		return;
	x->pg = pg;
	x->osd = osd;
	x->interval = pg->info.same_interval_since;
	x->oid.hash = oid->hash;
	x->oid.nspace = strdup(oid->nspace);
	x->oid.name = strdup(oid->name);
	x->next = inflight_items;
	inflight_items = x;
}

static void item_remove(struct osd_pg *pg, int32_t osd, const struct osd_pg_oid *oid)
{
	for (struct inflight_item **pp = &inflight_items; *pp; pp = &(*pp)->next) {
		struct inflight_item *x = *pp;
		if (x->pg == pg && x->osd == osd && osd_pg_oid_cmp(&x->oid, oid) == 0) {
			*pp = x->next;
			free((char *)x->oid.nspace);
			free((char *)x->oid.name);
			free(x);
			return;
		}
	}
}

void osd_recovery_forget_pg(struct osd_pg *pg);
void osd_recovery_forget_pg(struct osd_pg *pg)
{
	for (struct inflight_item **pp = &inflight_items; *pp;) {
		struct inflight_item *x = *pp;
		if (x->pg == pg) {
			*pp = x->next;
			free((char *)x->oid.nspace);
			free((char *)x->oid.name);
			free(x);
		} else {
			pp = &x->next;
		}
	}
}

void osd_recovery_start(struct osd_pg *pg)
{
	struct osd_daemon *d = pg->d;
	if (!pg->is_primary || !pg->peer)
		return;
	int st = osd_peer_state(pg->peer);
	if (st != OSD_PEER_ACTIVE && st != OSD_PEER_PEERED)
		return;
	unsigned active = 0;
	for (struct inflight_item *x = inflight_items; x; x = x->next)
		if (x->pg == pg && x->interval == pg->info.same_interval_since)
			active++;
	/* What we lack ourselves first. */
	for (size_t i = 0; i < pg->missing.n && active < RECOVERY_MAX_ACTIVE; i++) {
		const struct osd_missing_item *it = &pg->missing.items[i];
		if (item_pending(pg, d->whoami, &it->oid))
			continue;
		item_add(pg, d->whoami, &it->oid);
		request_pull(pg, it);
		active++;
	}
	for (uint32_t p = 0; p < pg->n_peers; p++) {
		struct osd_pg_peer *pp = &pg->peers[p];
		for (size_t i = 0; i < pp->missing.n && active < RECOVERY_MAX_ACTIVE; i++) {
			const struct osd_missing_item *it = &pp->missing.items[i];
			if (osd_missing_find(&pg->missing, &it->oid) ||
			    item_pending(pg, pp->osd, &it->oid))
				continue;
			struct msg *m;
			if (build_push(pg, &it->oid, it->need, pg->info.same_interval_since, &m) != 0)
				continue;
			if (it->flags & OSD_MISSING_DELETE)
				((struct msg_osd_pg *)msg_body(m))->flags |= OSD_PGMSG_F_DELETE;
			item_add(pg, pp->osd, &it->oid);
			osd_send_to_osd(d, pp->osd, m);
			d->pushes++;
			perf_inc(d->perf, OSD_PERF_PUSH, 1);
			active++;
		}
	}
	pg->recovering = active;
	osd_pg_update_state(pg);
}

void osd_recovery_prioritize(struct osd_pg *pg, const struct osd_pg_oid *oid)
{
	(void)oid;
	osd_recovery_start(pg);
}

/* ---- receiving ----------------------------------------------------------------------- */

struct push_ctx {
	struct osd_daemon *d;
	struct osdmap_pg pgid;
	struct msg_conn *conn;
	struct msg *m;
	int status;
};

static void object_recovered(struct osd_pg *pg, const struct osd_pg_oid *oid)
{
	osd_missing_remove(&pg->missing, oid);
	if (pg->missing.n == 0)
		pg->info.last_complete = pg->info.last_update;
}

static void push_applied_loop(void *arg)
{
	struct push_ctx *pc = arg;
	struct osd_daemon *d = pc->d;
	const struct msg_osd_pg *b = msg_body(pc->m);
	struct osd_pg *pg = osd_pg_of_txn(d, &pc->pgid);
	struct osd_pg_oid po = {b->hash, b->nspace, b->name};
	if (pg && !pc->status) {
		object_recovered(pg, &po);
		if (pg->is_primary) {
			/* Our own pull finished: push it on, and let waiting ops run. */
			item_remove(pg, d->whoami, &po);
			osd_recovery_start(pg);
			osd_op_kick(pg);
		}
	}
	if (pg && !pg->is_primary && !d->stopping) {
		struct msg *r = msg_create(MSG_OSD_PG);
		if (r) {
			struct msg_osd_pg *rb = msg_body(r);
			rb->kind = OSD_PGMSG_PUSH_REPLY;
			rb->pool = b->pool;
			rb->seed = b->seed;
			rb->epoch = osdmap_epoch(d->map);
			rb->interval = b->interval;
			rb->from = d->whoami;
			rb->hash = b->hash;
			rb->nspace = strdup(b->nspace);
			rb->name = strdup(b->name);
			rb->result = pc->status;
			if (!rb->nspace || !rb->name || msg_send(pc->conn, r) != 0)
				msg_put(r);
		}
	}
	osd_pg_txn_done(pg); /* found above (NULL when stopping) */
	msg_put(pc->m);
	msg_conn_put(pc->conn);
	free(pc);
}

static void push_applied(void *arg, int status)
{
	struct push_ctx *pc = arg;
	pc->status = status;
	if (ev_loop_call(pc->d->loop, push_applied_loop, pc) != 0) {
		msg_put(pc->m);
		msg_conn_put(pc->conn);
		free(pc);
	}
}

static int push_txn(struct osd_pg *pg, const struct msg_osd_pg *b, struct msg *m,
		    struct os_txn *t)
{
	struct osd_pg_oid po = {b->hash, b->nspace, b->name};
	struct os_oid oid;
	osd_pg_make_oid(pg, &po, &oid);
	int rc = os_txn_remove(t, &pg->cid, &oid);
	if (!rc && !(b->flags & OSD_PGMSG_F_DELETE)) {
		rc = os_txn_touch(t, &pg->cid, &oid);
		if (!rc && buflist_length(msg_data(m)))
			rc = os_txn_write(t, &pg->cid, &oid, 0, msg_data(m));
		for (uint32_t i = 0; !rc && i < b->n_keys && i < b->n_vals; i++) {
			const struct msg_bytes *k = &b->keys[i], *v = &b->vals[i];
			if (k->len < 1)
				return -EINVAL;
			if (k->data[0] == 'x') {
				char *name = strndup((const char *)k->data + 1, k->len - 1);
				rc = name ? os_txn_setattr(t, &pg->cid, &oid, name, v->data, v->len)
					  : -ENOMEM;
				free(name);
			} else if (k->data[0] == 'o') {
				rc = os_txn_omap_set(t, &pg->cid, &oid, k->data + 1, k->len - 1,
						     v->data, v->len);
			} else if (k->data[0] == 'h') {
				rc = os_txn_omap_setheader(t, &pg->cid, &oid, v->data, v->len);
			} else {
				rc = -EINVAL;
			}
		}
	}
	if (!rc && osd_missing_find(&pg->missing, &po))
		rc = osd_pg_persist_missing_rm(pg, t, &po);
	if (!rc) {
		/* The info as it will be once the item is gone. */
		struct osd_pg_info save = pg->info;
		if (pg->missing.n == 1 && osd_missing_find(&pg->missing, &po))
			pg->info.last_complete = pg->info.last_update;
		rc = osd_pg_persist_info(pg, t);
		pg->info = save;
	}
	return rc;
}

static void handle_push(struct osd_daemon *d, struct osd_pg *pg, struct msg_conn *conn,
			struct msg *m)
{
	const struct msg_osd_pg *b = msg_body(m);
	if (b->interval != pg->info.same_interval_since) {
		log_info(LOG_OSD, "pg %s: push of %s from an old interval dropped", pg->name, b->name);
		return;
	}
	struct os_txn *t = os_txn_create();
	struct push_ctx *pc = calloc(1, sizeof(*pc));
	int rc = t && pc ? push_txn(pg, b, m, t) : -ENOMEM;
	if (rc) {
		log_err(LOG_OSD, "pg %s: cannot apply the push of %s: %s", pg->name, b->name,
			strerror(-rc));
		os_txn_destroy(t);
		free(pc);
		return;
	}
	*pc = (struct push_ctx){d, pg->pgid, msg_conn_get(conn), msg_get(m), 0};
	osd_pg_txn_queued(pg);
	os_queue_transaction(d->store, t, NULL, push_applied, pc);
}

static void handle_push_reply(struct osd_pg *pg, const struct msg_osd_pg *b)
{
	struct osd_pg_oid po = {b->hash, b->nspace, b->name};
	item_remove(pg, b->from, &po);
	if (b->interval != pg->info.same_interval_since || !pg->is_primary)
		return;
	struct osd_pg_peer *pp = osd_pg_peer_find(pg, b->from);
	if (pp && !b->result)
		osd_missing_remove(&pp->missing, &po);
	osd_recovery_start(pg);
	osd_pg_check_clean(pg);
	osd_op_kick(pg);
}

static void handle_pull(struct osd_daemon *d, struct osd_pg *pg, const struct msg_osd_pg *b)
{
	struct osd_pg_oid po = {b->hash, b->nspace, b->name};
	struct msg *m;
	if (build_push(pg, &po, (struct osd_ev){b->ver_epoch, b->version}, b->interval, &m) != 0)
		return;
	osd_send_to_osd(d, b->from, m);
}

void osd_recovery_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_osd_pg *b = msg_body(m);
	struct osdmap_pg pgid = {b->pool, b->seed};
	struct osd_pg *pg = osd_pg_find(d, &pgid);
	if (!pg)
		return;
	switch (b->kind) {
	case OSD_PGMSG_PUSH:
		handle_push(d, pg, conn, m);
		break;
	case OSD_PGMSG_PUSH_REPLY:
		handle_push_reply(pg, b);
		break;
	case OSD_PGMSG_PULL:
		/* Our store may not hold the object's newest write yet. */
		if (osd_pg_flushed(pg))
			handle_pull(d, pg, b);
		else
			osd_pg_wait_flush(pg, conn, m);
		break;
	default:
		break;
	}
}

