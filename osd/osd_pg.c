/*
 * osd_pg.c - PGs on this OSD: creation on new maps, persistence of their
 * info, log and missing set, past intervals, and peering over the
 * messenger (the pure state machine is osd/pg/osd_peering.c).
 *
 * Persistence.  A PG's objects live in the collection (pool, seed); its
 * metadata lives in the omap of the object "pg.<pgid>" of the OSD's meta
 * collection: "I" = info, 'L'+version = log entries, 'M'+oid = missing
 * items (osd_pglog.h).  Every write commits its log entry and info in the
 * same transaction as its data.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "log.h"
#include "osd_int.h"

static const struct os_cid meta_cid = {OS_META_POOL, 0};

struct osdmap *osd_load_map(struct osd_daemon *d, uint32_t epoch);

/* ---- persistence helpers -------------------------------------------------------- */

int osd_pg_persist_info(struct osd_pg *pg, struct os_txn *t)
{
	struct buf b = BUF_INIT;
	int rc = osd_pg_info_encode(&pg->info, &b);
	if (!rc)
		rc = os_txn_omap_set(t, &meta_cid, &pg->meta, OSD_PG_INFO_KEY, 1, b.data, b.len);
	buf_fini(&b);
	return rc;
}

int osd_pg_persist_entry(struct osd_pg *pg, struct os_txn *t, const struct osd_pglog_entry *e)
{
	uint8_t key[OSD_PGLOG_KEY_LEN];
	struct buf b = BUF_INIT;
	osd_pglog_key(e->version, key);
	int rc = osd_pglog_entry_encode(e, &b);
	if (!rc)
		rc = os_txn_omap_set(t, &meta_cid, &pg->meta, key, sizeof(key), b.data, b.len);
	buf_fini(&b);
	return rc;
}

static int persist_missing_item(struct osd_pg *pg, struct os_txn *t,
				const struct osd_missing_item *it)
{
	struct buf k = BUF_INIT, v = BUF_INIT;
	int rc = osd_missing_key(&it->oid, &k);
	if (!rc)
		rc = osd_missing_item_encode(it, &v);
	if (!rc)
		rc = os_txn_omap_set(t, &meta_cid, &pg->meta, k.data, k.len, v.data, v.len);
	buf_fini(&k);
	buf_fini(&v);
	return rc;
}

int osd_pg_persist_missing_rm(struct osd_pg *pg, struct os_txn *t, const struct osd_pg_oid *oid)
{
	struct buf k = BUF_INIT;
	int rc = osd_missing_key(oid, &k);
	if (!rc)
		rc = os_txn_omap_rm(t, &meta_cid, &pg->meta, k.data, k.len);
	buf_fini(&k);
	return rc;
}

/* Replace every persisted log entry and missing item with the in-memory ones. */
static int persist_all(struct osd_pg *pg, struct os_txn *t)
{
	static const uint8_t lo_l[1] = {'L'}, hi_l[1] = {'L' + 1};
	static const uint8_t lo_m[1] = {'M'}, hi_m[1] = {'M' + 1};
	int rc = os_txn_omap_rmrange(t, &meta_cid, &pg->meta, lo_l, 1, hi_l, 1);
	if (!rc)
		rc = os_txn_omap_rmrange(t, &meta_cid, &pg->meta, lo_m, 1, hi_m, 1);
	for (size_t i = 0; !rc && i < osd_pglog_count(&pg->log); i++)
		rc = osd_pg_persist_entry(pg, t, osd_pglog_at(&pg->log, i));
	for (size_t i = 0; !rc && i < pg->missing.n; i++)
		rc = persist_missing_item(pg, t, &pg->missing.items[i]);
	if (!rc)
		rc = osd_pg_persist_info(pg, t);
	return rc;
}

/* ---- the flush barrier ----------------------------------------------------------------- */

struct osd_flush_msg {
	struct osd_flush_msg *next;
	struct msg_conn *conn;
	struct msg *m;
};

void osd_pg_txn_queued(struct osd_pg *pg)
{
	pg->txn_queued++;
}

bool osd_pg_flushed(const struct osd_pg *pg)
{
	return pg->txn_done >= pg->flush_to;
}

/* Everything queued before the barrier is in the store now: do what waited for it. */
static void pg_flushed(struct osd_pg *pg)
{
	if (osd_ev_cmp(pg->flush_head, pg->committed_to) > 0)
		pg->committed_to = pg->flush_head;
	struct osd_flush_msg *l = pg->flush_msgs;
	pg->flush_msgs = NULL;
	while (l) {
		struct osd_flush_msg *x = l;
		l = x->next;
		osd_recovery_handle(pg->d, x->conn, x->m);
		msg_put(x->m);
		msg_conn_put(x->conn);
		free(x);
	}
	if (pg->flush_activate) {
		pg->flush_activate = false;
		pg->active = true;
		log_info(LOG_OSD, "pg %s: flushed, active", pg->name);
		osd_pg_update_state(pg);
		osd_op_kick(pg);
	}
	if (pg->flush_recover) {
		pg->flush_recover = false;
		osd_recovery_start(pg);
	}
}

struct osd_pg *osd_pg_of_txn(struct osd_daemon *d, const struct osdmap_pg *pgid)
{
	return d->stopping ? NULL : osd_pg_find(d, pgid);
}

void osd_pg_txn_done(struct osd_pg *pg)
{
	if (!pg || pg->txn_done >= pg->txn_queued)
		return; /* gone (or a PG of the same id made anew since) */
	bool was = osd_pg_flushed(pg);
	pg->txn_done++;
	if (!was && osd_pg_flushed(pg))
		pg_flushed(pg);
}

void osd_pg_wait_flush(struct osd_pg *pg, struct msg_conn *conn, struct msg *m)
{
	struct osd_flush_msg *x = malloc(sizeof(*x)), **tail = &pg->flush_msgs;
	if (!x)
		return; /* the puller asks again on its next interval */
	*x = (struct osd_flush_msg){NULL, msg_conn_get(conn), msg_get(m)};
	while (*tail)
		tail = &(*tail)->next;
	*tail = x;
}

/* Set the barrier at what is queued now; committed_to becomes @head once it is passed. */
static void set_flush(struct osd_pg *pg, struct osd_ev head)
{
	pg->flush_to = pg->txn_queued;
	pg->flush_head = head;
	if (osd_pg_flushed(pg))
		pg_flushed(pg);
}

static void flush_msgs_free(struct osd_pg *pg)
{
	while (pg->flush_msgs) {
		struct osd_flush_msg *x = pg->flush_msgs;
		pg->flush_msgs = x->next;
		msg_put(x->m);
		msg_conn_put(x->conn);
		free(x);
	}
}

struct meta_ctx {
	struct osd_daemon *d;
	struct osdmap_pg pgid;
	int status;
};

static void meta_committed_loop(void *arg)
{
	struct meta_ctx *mc = arg;
	if (mc->status)
		log_err(LOG_OSD, "a PG metadata transaction failed: %s", strerror(-mc->status));
	osd_pg_txn_done(osd_pg_of_txn(mc->d, &mc->pgid));
	free(mc);
}

static void meta_committed(void *arg, int status)
{
	struct meta_ctx *mc = arg;
	mc->status = status;
	if (ev_loop_call(mc->d->loop, meta_committed_loop, mc) != 0)
		free(mc);
}

static void queue_meta_txn(struct osd_pg *pg, struct os_txn *t, int rc)
{
	struct meta_ctx *mc = rc ? NULL : malloc(sizeof(*mc));
	if (!rc && !mc)
		rc = -ENOMEM;
	if (rc) {
		log_err(LOG_OSD, "pg %s: cannot build a metadata transaction: %s", pg->name,
			strerror(-rc));
		os_txn_destroy(t);
		return;
	}
	*mc = (struct meta_ctx){pg->d, pg->pgid, 0};
	osd_pg_txn_queued(pg);
	os_queue_transaction(pg->d->store, t, NULL, meta_committed, mc);
}

void osd_pg_make_oid(const struct osd_pg *pg, const struct osd_pg_oid *po, struct os_oid *out)
{
	*out = (struct os_oid){pg->pgid.pool, po->hash, OS_NOSNAP, po->nspace, po->name};
}

/* ---- PG objects ------------------------------------------------------------------- */

static struct osd_pg *pg_new(struct osd_daemon *d, const struct osdmap_pg *pgid)
{
	struct osd_pg *pg = calloc(1, sizeof(*pg));
	if (!pg)
		return NULL;
	pg->d = d;
	pg->pgid = *pgid;
	osdmap_pg_format(pgid, pg->name, sizeof(pg->name));
	pg->cid = (struct os_cid){pgid->pool, pgid->seed};
	snprintf(pg->meta_name, sizeof(pg->meta_name), "pg.%s", pg->name);
	pg->meta = (struct os_oid){OS_META_POOL, 0, OS_NOSNAP, "", pg->meta_name};
	pg->info.pgid = *pgid;
	osd_pglog_init(&pg->log);
	osd_missing_init(&pg->missing);
	osd_intervals_init(&pg->intervals);
	osd_peer_out_init(&pg->acts);
	pg->primary = -1;
	pg->state = OSDOP_PGS_UNKNOWN;
	for (size_t i = 0; i < OSDMAP_MAX_SIZE; i++)
		osd_missing_init(&pg->peers[i].missing);
	pg->next = d->pgs;
	d->pgs = pg;
	d->n_pgs++;
	return pg;
}

static void pg_free(struct osd_pg *pg)
{
	flush_msgs_free(pg);
	osd_recovery_forget_pg(pg);
	osd_op_requeue(pg, &pg->inflight);
	osd_op_requeue(pg, &pg->blocked);
	for (struct osd_op *op = pg->waiting, *n; op; op = n) {
		n = op->next;
		osd_op_free(op);
	}
	osd_pglog_fini(&pg->log);
	osd_missing_fini(&pg->missing);
	osd_intervals_fini(&pg->intervals);
	osd_peer_destroy(pg->peer);
	osd_peer_out_fini(&pg->acts);
	for (size_t i = 0; i < OSDMAP_MAX_SIZE; i++)
		osd_missing_fini(&pg->peers[i].missing);
	free(pg);
}

void osd_pg_free_all(struct osd_daemon *d)
{
	while (d->pgs) {
		struct osd_pg *pg = d->pgs;
		d->pgs = pg->next;
		pg_free(pg);
	}
	d->n_pgs = 0;
}

struct osd_pg *osd_pg_find(struct osd_daemon *d, const struct osdmap_pg *pgid)
{
	for (struct osd_pg *pg = d->pgs; pg; pg = pg->next)
		if (pg->pgid.pool == pgid->pool && pg->pgid.seed == pgid->seed)
			return pg;
	return NULL;
}

struct osd_pg_peer *osd_pg_peer_find(struct osd_pg *pg, int32_t osd)
{
	for (uint32_t i = 0; i < pg->n_peers; i++)
		if (pg->peers[i].osd == osd)
			return &pg->peers[i];
	return NULL;
}

/* Count objects and bytes (at load). */
static void pg_count(struct osd_pg *pg)
{
	struct os_oidlist from = OS_OIDLIST_INIT, next = OS_OIDLIST_INIT;
	pg->num_objects = pg->num_bytes = 0;
	for (;;) {
		struct os_oidlist l = OS_OIDLIST_INIT;
		int rc = os_list(pg->d->store, &pg->cid, from.n ? &from.v[0] : NULL, NULL, 1024, &l,
				 &next);
		for (size_t i = 0; !rc && i < l.n; i++) {
			struct os_stat st;
			pg->num_objects++;
			if (os_stat(pg->d->store, &pg->cid, &l.v[i], &st) == 0)
				pg->num_bytes += st.size;
		}
		os_oidlist_fini(&l);
		os_oidlist_fini(&from);
		from = next;
		next = (struct os_oidlist)OS_OIDLIST_INIT;
		if (rc || from.n == 0)
			break;
	}
	os_oidlist_fini(&from);
}

/* Load one PG's metadata from its meta object. */
static int pg_load(struct osd_pg *pg)
{
	struct osd_daemon *d = pg->d;
	struct buf b = BUF_INIT;
	int rc = os_omap_get(d->store, &meta_cid, &pg->meta, OSD_PG_INFO_KEY, 1, &b);
	if (rc == 0)
		rc = osd_pg_info_decode(b.data, b.len, &pg->info);
	buf_fini(&b);
	if (rc) {
		log_err(LOG_OSD, "pg %s: unreadable info: %s", pg->name, strerror(-rc));
		return rc;
	}
	bool first = true;
	struct os_kvlist kv = OS_KVLIST_INIT;
	uint8_t after[OSD_PGLOG_KEY_LEN + 64];
	size_t alen = 0;
	for (bool more = true; more;) {
		os_kvlist_fini(&kv);
		kv = (struct os_kvlist)OS_KVLIST_INIT;
		rc = os_omap_list(d->store, &meta_cid, &pg->meta, alen ? after : NULL, alen, 512,
				  false, &kv, &more);
		if (rc)
			break;
		for (size_t i = 0; i < kv.n && !rc; i++) {
			const struct os_kv *e = &kv.v[i];
			if (e->klen && e->key[0] == 'L') {
				struct osd_pglog_entry ent;
				rc = osd_pglog_entry_decode(e->val, e->vlen, &ent);
				if (!rc && first) {
					osd_pglog_reset(&pg->log, pg->info.log_tail);
					first = false;
				}
				if (!rc)
					rc = osd_pglog_append(&pg->log, &ent);
				osd_pglog_entry_fini(&ent);
			} else if (e->klen && e->key[0] == 'M') {
				struct osd_missing_item it;
				rc = osd_missing_item_decode(e->val, e->vlen, &it);
				if (!rc) {
					rc = osd_missing_add(&pg->missing, &it.oid, it.need, it.have,
							     it.flags);
					free((char *)it.oid.name);
					free((char *)it.oid.nspace);
				}
			}
		}
		if (kv.n) {
			alen = kv.v[kv.n - 1].klen < sizeof(after) ? kv.v[kv.n - 1].klen : 0;
			memcpy(after, kv.v[kv.n - 1].key, alen);
			if (!alen)
				break;
		}
	}
	os_kvlist_fini(&kv);
	if (first)
		osd_pglog_reset(&pg->log, pg->info.last_update);
	if (rc) {
		log_err(LOG_OSD, "pg %s: unreadable log or missing set: %s", pg->name,
			strerror(-rc));
		return rc;
	}
	pg_count(pg);
	pg->committed_to = pg->log.head;
	return 0;
}

int osd_pgs_load(struct osd_daemon *d)
{
	struct os_cid *cids = NULL;
	size_t n = 0;
	int rc = os_list_collections(d->store, &cids, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		if (cids[i].pool == OS_META_POOL)
			continue;
		struct osdmap_pg pgid = {cids[i].pool, cids[i].seed};
		struct osd_pg *pg = pg_new(d, &pgid);
		rc = pg ? pg_load(pg) : -ENOMEM;
	}
	free(cids);
	if (!rc && d->map) {
		log_info(LOG_OSD, "loaded %zu PGs; resuming from osdmap e%u", d->n_pgs,
			 osdmap_epoch(d->map));
		osd_pgs_advance_map(d, NULL);
	}
	return rc;
}

/* ---- intervals ---------------------------------------------------------------------- */

static int feed_epoch(struct osd_pg *pg, const struct osdmap *m)
{
	struct osd_interval_epoch e;
	int rc = osd_interval_epoch_from_map(m, &pg->pgid, &e);
	if (rc)
		return rc;
	const struct osd_interval *cur = osd_intervals_current(&pg->intervals);
	if (cur && e.epoch <= cur->last)
		return 0;
	return osd_intervals_add(&pg->intervals, &e);
}

/* After a restart: rebuild past intervals from the stored maps. */
static void rebuild_intervals(struct osd_pg *pg, uint32_t upto)
{
	uint32_t from = pg->info.last_epoch_started;
	if (pg->info.same_interval_since && (!from || pg->info.same_interval_since < from))
		from = pg->info.same_interval_since;
	if (!from || from >= upto)
		return;
	for (uint32_t e = from; e < upto; e++) {
		struct osdmap *m = osd_load_map(pg->d, e);
		if (!m)
			continue;
		feed_epoch(pg, m);
		osdmap_destroy(m);
	}
}

/* ---- peering glue ---------------------------------------------------------------------- */

static int send_pgmsg(struct osd_pg *pg, int32_t to, uint32_t kind, uint32_t interval,
		      struct buf *payload)
{
	struct osd_daemon *d = pg->d;
	if (to == d->whoami)
		return 0;
	struct msg *m = msg_create(MSG_OSD_PG);
	if (!m)
		return -ENOMEM;
	struct msg_osd_pg *b = msg_body(m);
	b->kind = kind;
	b->pool = pg->pgid.pool;
	b->seed = pg->pgid.seed;
	b->epoch = osdmap_epoch(d->map);
	b->interval = interval;
	b->from = d->whoami;
	if (payload && payload->len) {
		int rc = buflist_append_copy(msg_data(m), payload->data, payload->len);
		if (rc) {
			msg_put(m);
			return rc;
		}
	}
	return osd_send_to_osd(d, to, m);
}

/* Length-prefixed parts in a payload. */
static int put_part(struct buf *b, int (*enc)(const void *, struct buf *), const void *v)
{
	size_t at = b->len;
	uint8_t z[4] = {0};
	int rc = buf_append(b, z, 4);
	if (!rc)
		rc = enc(v, b);
	if (!rc)
		enc_put_le32(b->data + at, (uint32_t)(b->len - at - 4));
	return rc;
}

static int enc_info(const void *v, struct buf *b)
{
	return osd_pg_info_encode(v, b);
}
static int enc_log(const void *v, struct buf *b)
{
	return osd_pglog_encode(v, b);
}
static int enc_missing(const void *v, struct buf *b)
{
	return osd_missing_encode(v, b);
}

static int get_part(struct enc_rd *r, const uint8_t **p, size_t *len)
{
	uint32_t n;
	if (enc_rd_le32(r, &n) || enc_rd_ref(r, n, p))
		return -EINVAL;
	*len = n;
	return 0;
}

static void up_osds(const struct osdmap *m, int32_t **out, size_t *out_n)
{
	int32_t max = osdmap_max_osd(m);
	int32_t *v = calloc((size_t)max + 1, sizeof(*v));
	size_t n = 0;
	for (int32_t i = 0; v && i < max; i++)
		if (osdmap_is_up(m, i))
			v[n++] = i;
	*out = v;
	*out_n = v ? n : 0;
}

static void pg_apply_own_plan(struct osd_pg *pg);
static void run_acts(struct osd_pg *pg);

static void peer_advance(struct osd_pg *pg)
{
	struct osd_daemon *d = pg->d;
	int32_t *ups;
	size_t nup;
	up_osds(d->map, &ups, &nup);
	struct osd_peer_map pm = {osdmap_epoch(d->map), &pg->intervals, ups, nup,
				  OSD_UP_THRU_UNKNOWN};
	struct osd_peer_member self = {d->whoami, &pg->info, &pg->log,
				       pg->missing.n ? &pg->missing : NULL};
	int rc = osd_peer_advance_map(pg->peer, &pm, &self, &pg->acts);
	free(ups);
	if (rc)
		log_err(LOG_OSD, "pg %s: peering refused map e%u: %s", pg->name,
			osdmap_epoch(d->map), strerror(-rc));
	run_acts(pg);
}

static void start_interval(struct osd_pg *pg, const struct osd_interval *cur)
{
	struct osd_daemon *d = pg->d;
	memcpy(pg->up, cur->up, sizeof(pg->up));
	memcpy(pg->acting, cur->acting, sizeof(pg->acting));
	pg->up_n = cur->up_n;
	pg->acting_n = cur->acting_n;
	pg->primary = cur->primary;
	pg->size = cur->size;
	pg->min_size = cur->min_size;
	pg->is_primary = cur->primary == d->whoami;
	pg->active = false;
	pg->replica_active = false;
	pg->n_peers = 0;
	pg->info.same_interval_since = cur->first;
	pg->flush_activate = pg->flush_recover = false;
	flush_msgs_free(pg); /* pulls of the old interval */
	osd_recovery_forget_pg(pg);
	osd_op_interval_change(pg);
	/* The old interval's writes may still be queued in the store. */
	set_flush(pg, pg->committed_to);
	if (pg->is_primary && !pg->peer) {
		struct osd_peer_cfg c = {d->whoami, pg->pgid, false};
		pg->peer = osd_peer_create(&c);
		if (!pg->peer)
			log_err(LOG_OSD, "pg %s: out of memory for peering", pg->name);
	} else if (!pg->is_primary && pg->peer) {
		osd_peer_destroy(pg->peer);
		pg->peer = NULL;
	}
	pg->state = pg->is_primary ? OSDOP_PGS_PEERING : 0;
	log_info(LOG_OSD, "pg %s: new interval at e%u, acting %u osds, primary osd.%d%s", pg->name,
		 cur->first, cur->acting_n, cur->primary, pg->is_primary ? " (us)" : "");
}

static bool in_set(const int32_t *v, uint32_t n, int32_t x)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Create the collection and metadata of a PG we hold nothing of yet. */
static int pg_create_on_disk(struct osd_pg *pg, const struct osdmap_pool *pool)
{
	struct os_txn *t = os_txn_create();
	if (!t)
		return -ENOMEM;
	unsigned bits = 0;
	while ((1u << bits) < pool->pg_num)
		bits++;
	int rc = os_txn_create_collection(t, &pg->cid, bits);
	if (!rc)
		rc = os_txn_touch(t, &meta_cid, &pg->meta);
	if (!rc)
		rc = osd_pg_persist_info(pg, t);
	if (rc) {
		os_txn_destroy(t);
		return rc;
	}
	return os_apply_transaction(pg->d->store, t);
}

/* Remove a PG whose pool is gone: its objects, collection and metadata. */
static void pg_remove(struct osd_pg *pg)
{
	struct osd_daemon *d = pg->d;
	struct os_oidlist l = OS_OIDLIST_INIT;
	struct os_txn *t = os_txn_create();
	int rc = t ? os_list(d->store, &pg->cid, NULL, NULL, 0, &l, NULL) : -ENOMEM;
	for (size_t i = 0; !rc && i < l.n; i++)
		rc = os_txn_remove(t, &pg->cid, &l.v[i]);
	if (!rc)
		rc = os_txn_remove_collection(t, &pg->cid);
	if (!rc)
		rc = os_txn_remove(t, &meta_cid, &pg->meta);
	os_oidlist_fini(&l);
	if (!rc)
		rc = os_apply_transaction(d->store, t);
	else
		os_txn_destroy(t);
	if (rc)
		log_err(LOG_OSD, "pg %s: cannot remove: %s", pg->name, strerror(-rc));
	for (struct osd_pg **pp = &d->pgs; *pp; pp = &(*pp)->next)
		if (*pp == pg) {
			*pp = pg->next;
			break;
		}
	d->n_pgs--;
	log_info(LOG_OSD, "pg %s: removed (pool deleted)", pg->name);
	pg_free(pg);
}

static void advance_pg(struct osd_pg *pg, bool rebuilt)
{
	struct osd_daemon *d = pg->d;
	const struct osd_interval *before = osd_intervals_current(&pg->intervals);
	uint32_t before_first = before ? before->first : 0;
	int rc = feed_epoch(pg, d->map);
	if (rc < 0) {
		log_err(LOG_OSD, "pg %s: bad map e%u for intervals: %s", pg->name,
			osdmap_epoch(d->map), strerror(-rc));
		return;
	}
	const struct osd_interval *cur = osd_intervals_current(&pg->intervals);
	if (!cur)
		return;
	if (cur->first != before_first || rebuilt)
		start_interval(pg, cur);
	if (pg->peer)
		peer_advance(pg);
	osd_pg_update_state(pg);
}

void osd_pgs_advance_map(struct osd_daemon *d, const struct osdmap *prev)
{
	const struct osdmap *m = d->map;
	/* PGs of deleted pools go. */
	for (struct osd_pg *pg = d->pgs, *n; pg; pg = n) {
		n = pg->next;
		if (!osdmap_pool(m, pg->pgid.pool))
			pg_remove(pg);
	}
	/* Existing PGs see the epoch; loaded ones first rebuild their past. */
	for (struct osd_pg *pg = d->pgs; pg; pg = pg->next) {
		bool rebuilt = false;
		if (!osd_intervals_current(&pg->intervals)) {
			rebuild_intervals(pg, osdmap_epoch(m));
			rebuilt = true;
		}
		advance_pg(pg, rebuilt);
	}
	/* New PGs we are a member of. */
	for (size_t i = 0; i < osdmap_pool_count(m); i++) {
		const struct osdmap_pool *pool = osdmap_pool_at(m, i);
		for (uint32_t s = 0; s < pool->pg_num; s++) {
			struct osdmap_pg pgid = {pool->id, s};
			if (osd_pg_find(d, &pgid))
				continue;
			struct osdmap_placement pl;
			if (osdmap_pg_to_osds(m, &pgid, &pl) != 0)
				continue;
			if (!in_set(pl.up, pl.up_n, d->whoami) &&
			    !in_set(pl.acting, pl.acting_n, d->whoami))
				continue;
			struct osd_pg *pg = pg_new(d, &pgid);
			if (!pg || pg_create_on_disk(pg, pool) != 0) {
				log_err(LOG_OSD, "cannot create pg %u.%x", (unsigned)pool->id, s);
				continue;
			}
			advance_pg(pg, true);
		}
	}
	(void)prev;
}

/* ---- applying a peering decision ------------------------------------------------------- */

static const struct osd_peer_plan *plan_for(const struct osd_peer_result *r, int32_t osd)
{
	for (size_t i = 0; i < r->n_plans; i++)
		if (r->plans[i].osd == osd)
			return &r->plans[i];
	return NULL;
}

/* The authoritative entries after @common, as a log with tail @common. */
static int entries_after(const struct osd_pglog *auth, struct osd_ev common, struct osd_pglog *out)
{
	osd_pglog_reset(out, common);
	for (size_t i = 0; i < osd_pglog_count(auth); i++) {
		const struct osd_pglog_entry *e = osd_pglog_at(auth, i);
		if (osd_ev_cmp(e->version, common) <= 0)
			continue;
		int rc = osd_pglog_append(out, e);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Adopt a plan: roll back to @common, append @after, take @missing as what
 * we lack, and the authoritative @info's history fields.  Persists.
 */
static int adopt_history(struct osd_pg *pg, struct osd_ev common, const struct osd_pglog *after,
			 const struct osd_missing *missing, const struct osd_pg_info *auth,
			 uint32_t interval)
{
	int rc = 0;
	if (osd_ev_cmp(pg->log.head, common) > 0) {
		rc = osd_pglog_rollback(&pg->log, common);
		if (rc) /* our log does not reach back to common: take theirs whole */
			osd_pglog_reset(&pg->log, common);
	}
	if (osd_pglog_count(&pg->log) == 0 && osd_ev_cmp(pg->log.head, common) < 0)
		osd_pglog_reset(&pg->log, common);
	for (size_t i = 0; i < osd_pglog_count(after) && !rc; i++) {
		const struct osd_pglog_entry *e = osd_pglog_at(after, i);
		if (osd_ev_cmp(e->version, pg->log.head) > 0)
			rc = osd_pglog_append(&pg->log, e);
	}
	if (rc)
		return rc;
	if (missing) {
		for (size_t i = 0; i < missing->n && !rc; i++) {
			const struct osd_missing_item *it = &missing->items[i];
			rc = osd_missing_add(&pg->missing, &it->oid, it->need, it->have, it->flags);
		}
	}
	if (rc)
		return rc;
	pg->info.last_update = pg->log.head;
	pg->info.log_tail = pg->log.tail;
	pg->info.last_complete = pg->missing.n ? common : pg->log.head;
	pg->info.last_epoch_started = interval;
	pg->info.same_interval_since = interval;
	if (auth && auth->last_epoch_clean > pg->info.last_epoch_clean)
		pg->info.last_epoch_clean = auth->last_epoch_clean;
	struct os_txn *t = os_txn_create();
	rc = t ? persist_all(pg, t) : -ENOMEM;
	queue_meta_txn(pg, t, rc);
	/*
	 * Entries adopted from the authoritative log are durable on the members
	 * that sent them, and ours are once our queued transactions are in the
	 * store: committed_to moves to the head when the barrier is passed.
	 */
	set_flush(pg, pg->log.head);
	return 0;
}

static void send_activate(struct osd_pg *pg, const struct osd_peer_plan *p, uint32_t interval)
{
	const struct osd_pglog *auth = osd_peer_auth_log(pg->peer);
	struct osd_pglog after;
	struct buf b = BUF_INIT;
	osd_pglog_init(&after);
	int rc = entries_after(auth, p->common, &after);
	if (!rc)
		rc = put_part(&b, enc_info, &pg->info);
	if (!rc)
		rc = put_part(&b, enc_log, &after);
	if (!rc)
		rc = put_part(&b, enc_missing, &p->missing);
	if (!rc)
		rc = send_pgmsg(pg, p->osd, OSD_PGMSG_ACTIVATE, interval, &b);
	if (rc)
		log_warn(LOG_OSD, "pg %s: cannot send activation to osd.%d: %s", pg->name, p->osd,
			 strerror(-rc));
	osd_pglog_fini(&after);
	buf_fini(&b);
}

/* The primary went Active/Peered: adopt our own plan and track the members. */
static void pg_apply_own_plan(struct osd_pg *pg)
{
	const struct osd_peer_result *r = osd_peer_result(pg->peer);
	if (!r)
		return;
	const struct osd_peer_plan *mine = plan_for(r, pg->d->whoami);
	const struct osd_pglog *auth = osd_peer_auth_log(pg->peer);
	uint32_t interval = osd_peer_interval(pg->peer);
	if (mine && auth) {
		struct osd_pglog after;
		osd_pglog_init(&after);
		if (entries_after(auth, mine->common, &after) == 0)
			adopt_history(pg, mine->common, &after, &mine->missing, &r->auth_info,
				      interval);
		osd_pglog_fini(&after);
	}
	pg->n_peers = 0;
	for (size_t i = 0; i < r->n_plans; i++) {
		const struct osd_peer_plan *p = &r->plans[i];
		if (!p->acting || p->osd == pg->d->whoami || pg->n_peers >= OSDMAP_MAX_SIZE)
			continue;
		struct osd_pg_peer *pp = &pg->peers[pg->n_peers++];
		pp->osd = p->osd;
		osd_missing_clear(&pp->missing);
		osd_missing_copy(&pp->missing, &p->missing);
		pp->activated = p->kind != OSD_PEER_PLAN_BACKFILL;
	}
}

static void run_acts(struct osd_pg *pg)
{
	for (size_t i = 0; i < pg->acts.n; i++) {
		const struct osd_peer_act *a = &pg->acts.acts[i];
		switch (a->type) {
		case OSD_PEER_ACT_QUERY:
			send_pgmsg(pg, a->osd, OSD_PGMSG_QUERY, a->epoch, NULL);
			break;
		case OSD_PEER_ACT_GET_LOG:
			send_pgmsg(pg, a->osd, OSD_PGMSG_GETLOG, a->epoch, NULL);
			break;
		case OSD_PEER_ACT_STATE: {
			int st = osd_peer_state(pg->peer);
			log_info(LOG_OSD, "pg %s: %s", pg->name, osd_peer_state_name(st));
			pg->active = pg->flush_activate = false;
			if (st == OSD_PEER_ACTIVE || st == OSD_PEER_PEERED) {
				pg_apply_own_plan(pg);
				/* Serve clients only once the store shows all the log says. */
				if (st == OSD_PEER_ACTIVE && osd_pg_flushed(pg))
					pg->active = true;
				else if (st == OSD_PEER_ACTIVE)
					pg->flush_activate = true;
			}
			break;
		}
		case OSD_PEER_ACT_ACTIVATE: {
			const struct osd_peer_result *r = osd_peer_result(pg->peer);
			const struct osd_peer_plan *p = r ? plan_for(r, a->osd) : NULL;
			if (p)
				send_activate(pg, p, a->epoch);
			break;
		}
		case OSD_PEER_ACT_RECOVER:
			/* Pushes read our store: not before it holds every logged write. */
			if (osd_pg_flushed(pg))
				osd_recovery_start(pg);
			else
				pg->flush_recover = true;
			break;
		case OSD_PEER_ACT_BACKFILL:
			log_warn(LOG_OSD, "pg %s: osd.%d needs backfill, which is not implemented yet",
				 pg->name, a->osd);
			break;
		case OSD_PEER_ACT_UP_THRU:
		case OSD_PEER_ACT_PG_TEMP:
		default:
			log_warn(LOG_OSD, "pg %s: peering asks for %s, which is not implemented yet",
				 pg->name, osd_peer_act_name(a->type));
			break;
		}
	}
	osd_peer_out_clear(&pg->acts);
	osd_pg_update_state(pg);
	if (pg->active)
		osd_op_kick(pg);
}

/* ---- state ---------------------------------------------------------------------------- */

void osd_pg_update_state(struct osd_pg *pg)
{
	if (!pg->is_primary) {
		pg->state = 0;
		return;
	}
	uint32_t s = 0;
	int ps = pg->peer ? osd_peer_state(pg->peer) : OSD_PEER_INITIAL;
	bool missing = pg->missing.n > 0;
	for (uint32_t i = 0; i < pg->n_peers; i++)
		missing |= pg->peers[i].missing.n > 0 || !pg->peers[i].activated;
	switch (ps) {
	case OSD_PEER_ACTIVE:
		s = OSDOP_PGS_ACTIVE;
		if (pg->acting_n < pg->size)
			s |= OSDOP_PGS_UNDERSIZED | OSDOP_PGS_DEGRADED;
		if (missing)
			s |= OSDOP_PGS_DEGRADED | (pg->recovering ? OSDOP_PGS_RECOVERING
								 : OSDOP_PGS_RECOVERY_WAIT);
		if (!(s & (OSDOP_PGS_UNDERSIZED | OSDOP_PGS_DEGRADED)))
			s |= OSDOP_PGS_CLEAN;
		break;
	case OSD_PEER_PEERED:
		s = OSDOP_PGS_PEERED | OSDOP_PGS_UNDERSIZED | OSDOP_PGS_DEGRADED;
		break;
	case OSD_PEER_INCOMPLETE:
		s = OSDOP_PGS_INCOMPLETE;
		break;
	case OSD_PEER_DOWN:
		s = OSDOP_PGS_DOWN;
		break;
	default:
		s = OSDOP_PGS_PEERING;
		break;
	}
	if (s != pg->state) {
		char a[96], b[96];
		osdop_pg_state_format(pg->state, a, sizeof(a));
		osdop_pg_state_format(s, b, sizeof(b));
		log_info(LOG_OSD, "pg %s: %s -> %s", pg->name, a, b);
		pg->state = s;
		pg->d->last_stats_ns = 0; /* report soon */
	}
}

void osd_pg_check_clean(struct osd_pg *pg)
{
	osd_pg_update_state(pg);
	if ((pg->state & OSDOP_PGS_CLEAN) && pg->info.last_epoch_clean < pg->info.same_interval_since) {
		pg->info.last_epoch_clean = osdmap_epoch(pg->d->map);
		struct os_txn *t = os_txn_create();
		queue_meta_txn(pg, t, t ? osd_pg_persist_info(pg, t) : -ENOMEM);
	}
}

void osd_pg_note_down(struct osd_daemon *d, int32_t osd)
{
	for (struct osd_pg *pg = d->pgs; pg; pg = pg->next) {
		if (!pg->peer)
			continue;
		if (osd_peer_note_down(pg->peer, osd, &pg->acts) == 0)
			run_acts(pg);
	}
}

/* ---- peering messages ------------------------------------------------------------------ */

static void reply_info(struct osd_pg *pg, struct osd_daemon *d, const struct msg_osd_pg *q,
		       bool with_log)
{
	struct buf b = BUF_INIT;
	struct osd_pg_info empty = {0};
	const struct osd_pg_info *info = pg ? &pg->info : &empty;
	if (!pg)
		empty.pgid = (struct osdmap_pg){q->pool, q->seed};
	struct osd_pglog elog;
	struct osd_missing emiss;
	osd_pglog_init(&elog);
	osd_missing_init(&emiss);
	int rc = put_part(&b, enc_info, info);
	if (!rc && with_log)
		rc = put_part(&b, enc_log, pg ? &pg->log : &elog);
	if (!rc && with_log)
		rc = put_part(&b, enc_missing, pg ? &pg->missing : &emiss);
	struct msg *m = rc ? NULL : msg_create(MSG_OSD_PG);
	if (m) {
		struct msg_osd_pg *r = msg_body(m);
		r->kind = with_log ? OSD_PGMSG_LOG : OSD_PGMSG_NOTIFY;
		r->pool = q->pool;
		r->seed = q->seed;
		r->epoch = osdmap_epoch(d->map);
		r->interval = q->interval;
		r->from = d->whoami;
		if (buflist_append_copy(msg_data(m), b.data, b.len) == 0)
			osd_send_to_osd(d, q->from, m);
		else
			msg_put(m);
	}
	osd_pglog_fini(&elog);
	osd_missing_fini(&emiss);
	buf_fini(&b);
}

static int decode_parts(struct msg *m, struct osd_pg_info *info, struct osd_pglog *log,
			struct osd_missing *miss)
{
	uint8_t *data = NULL;
	size_t len = buflist_length(msg_data(m));
	if (!len || buflist_contiguous(msg_data(m), &data) != 0)
		return -EINVAL;
	struct enc_rd r;
	enc_rd_init(&r, data, len);
	const uint8_t *p;
	size_t n;
	int rc = get_part(&r, &p, &n);
	if (!rc)
		rc = osd_pg_info_decode(p, n, info);
	if (!rc && log) {
		rc = get_part(&r, &p, &n);
		if (!rc)
			rc = osd_pglog_decode(p, n, log);
	}
	if (!rc && miss) {
		rc = get_part(&r, &p, &n);
		if (!rc)
			rc = osd_missing_decode(p, n, miss);
		if (rc && log)
			osd_pglog_fini(log);
	}
	return rc;
}

static void handle_activate(struct osd_pg *pg, const struct msg_osd_pg *b, struct msg *m)
{
	struct osd_pg_info info;
	struct osd_pglog after;
	struct osd_missing miss;
	int rc = decode_parts(m, &info, &after, &miss);
	if (rc) {
		log_warn(LOG_OSD, "pg %s: undecodable activation from osd.%d", pg->name, b->from);
		return;
	}
	if (b->interval != pg->info.same_interval_since) {
		log_info(LOG_OSD, "pg %s: activation for interval %u, ours is %u: ignored", pg->name,
			 b->interval, pg->info.same_interval_since);
	} else {
		osd_missing_clear(&pg->missing);
		adopt_history(pg, after.tail, &after, &miss, &info, b->interval);
		pg->replica_active = true;
		log_info(LOG_OSD, "pg %s: activated by osd.%d (%zu missing)", pg->name, b->from,
			 pg->missing.n);
	}
	osd_pglog_fini(&after);
	osd_missing_fini(&miss);
}

/* A peering message from a newer epoch waits until we have that map. */
struct deferred {
	struct deferred *next;
	struct msg_conn *conn;
	struct msg *m;
	uint32_t epoch;
};
static struct deferred *deferred_head;

static void defer(struct osd_daemon *d, struct msg_conn *conn, struct msg *m, uint32_t epoch)
{
	struct deferred *x = malloc(sizeof(*x));
	if (!x)
		return;
	*x = (struct deferred){deferred_head, msg_conn_get(conn), msg_get(m), epoch};
	deferred_head = x;
	osd_request_maps(d, epoch);
}

void osd_pg_retry_deferred(struct osd_daemon *d);
void osd_pg_retry_deferred(struct osd_daemon *d)
{
	struct deferred *list = deferred_head, *keep = NULL;
	deferred_head = NULL;
	/* Oldest first: the list was built newest first. */
	struct deferred *rev = NULL;
	while (list) {
		struct deferred *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	for (struct deferred *x = rev, *n; x; x = n) {
		n = x->next;
		if (!d->stopping && d->map && osdmap_epoch(d->map) >= x->epoch) {
			if (msg_type(x->m) == MSG_OSD_PG)
				osd_pg_handle_msg(d, x->conn, x->m);
			else
				osd_op_handle_repop(d, x->conn, x->m);
			msg_put(x->m);
			msg_conn_put(x->conn);
			free(x);
		} else {
			x->next = keep;
			keep = x;
		}
	}
	/* Anything that arrived while we replayed stays too. */
	while (keep) {
		struct deferred *n = keep->next;
		keep->next = deferred_head;
		deferred_head = keep;
		keep = n;
	}
}

bool osd_defer_if_newer(struct osd_daemon *d, struct msg_conn *conn, struct msg *m,
			uint32_t epoch);
bool osd_defer_if_newer(struct osd_daemon *d, struct msg_conn *conn, struct msg *m, uint32_t epoch)
{
	if (d->map && osdmap_epoch(d->map) >= epoch)
		return false;
	defer(d, conn, m, epoch);
	return true;
}

void osd_pg_free_deferred(void);
void osd_pg_free_deferred(void)
{
	while (deferred_head) {
		struct deferred *x = deferred_head;
		deferred_head = x->next;
		msg_put(x->m);
		msg_conn_put(x->conn);
		free(x);
	}
}

void osd_pg_handle_msg(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_osd_pg *b = msg_body(m);
	if (b->kind == OSD_PGMSG_PUSH || b->kind == OSD_PGMSG_PUSH_REPLY ||
	    b->kind == OSD_PGMSG_PULL) {
		osd_recovery_handle(d, conn, m);
		return;
	}
	if (osd_defer_if_newer(d, conn, m, b->epoch))
		return;
	struct osdmap_pg pgid = {b->pool, b->seed};
	struct osd_pg *pg = osd_pg_find(d, &pgid);
	switch (b->kind) {
	case OSD_PGMSG_QUERY:
	case OSD_PGMSG_GETLOG:
		reply_info(pg, d, b, b->kind == OSD_PGMSG_GETLOG);
		break;
	case OSD_PGMSG_NOTIFY:
	case OSD_PGMSG_LOG: {
		if (!pg || !pg->peer)
			break;
		struct osd_pg_info info;
		struct osd_pglog log;
		struct osd_missing miss;
		bool with_log = b->kind == OSD_PGMSG_LOG;
		if (decode_parts(m, &info, with_log ? &log : NULL, with_log ? &miss : NULL) != 0) {
			log_warn(LOG_OSD, "pg %s: undecodable peering reply from osd.%d", pg->name,
				 b->from);
			break;
		}
		if (with_log) {
			osd_peer_recv_log(pg->peer, b->from, b->interval, &info, &log, &miss,
					  &pg->acts);
			osd_pglog_fini(&log);
			osd_missing_fini(&miss);
		} else {
			osd_peer_recv_info(pg->peer, b->from, b->interval, &info, &pg->acts);
		}
		run_acts(pg);
		break;
	}
	case OSD_PGMSG_ACTIVATE:
		if (pg)
			handle_activate(pg, b, m);
		break;
	default:
		log_warn(LOG_OSD, "unknown PG message kind %u from osd.%d", b->kind, b->from);
		break;
	}
}
