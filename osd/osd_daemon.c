/*
 * osd_daemon.c - cairn-osd's start-up, message routing, map handling,
 * admin socket and periodic work.  See osd_int.h for the threading model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clk.h"
#include "crc32c.h"
#include "compiler.h"
#include "daemon.h"
#include "json.h"
#include "log.h"
#include "osd.h"
#include "osd_int.h"
#include "uuid.h"

#define TICK_NS (500 * CLK_NS_PER_MS)
#define META_CID ((struct os_cid){OS_META_POOL, 0})

static const struct os_cid meta_cid = {OS_META_POOL, 0};

uint64_t osd_now(struct osd_daemon *d)
{
	(void)d;
	return clk_mono_ns();
}

static struct os_oid meta_oid(const char *name)
{
	return (struct os_oid){OS_META_POOL, 0, OS_NOSNAP, "", name};
}

/* ---- peers ------------------------------------------------------------------------ */

static struct osd_peer_conn *peer_slot(struct osd_daemon *d, int32_t osd)
{
	if (osd < 0 || osd >= OSDMAP_MAX_OSD)
		return NULL;
	if ((size_t)osd >= d->n_peers_cap) {
		size_t n = (size_t)osd + 8;
		struct osd_peer_conn *p = realloc(d->peers, n * sizeof(*p));
		if (!p)
			return NULL;
		memset(p + d->n_peers_cap, 0, (n - d->n_peers_cap) * sizeof(*p));
		for (size_t i = d->n_peers_cap; i < n; i++)
			p[i].osd = (int32_t)i;
		d->peers = p;
		d->n_peers_cap = n;
	}
	return &d->peers[osd];
}

/* The lossless session to @osd at its address in our map (reconnects if it moved). */
struct msg_conn *osd_peer_conn(struct osd_daemon *d, int32_t osd)
{
	struct osd_peer_conn *p = peer_slot(d, osd);
	const struct osdmap_osd *o = d->map ? osdmap_osd(d->map, osd) : NULL;
	if (!p || !o || !o->exists || !o->up)
		return NULL;
	if (p->conn && (!addr_equal(&p->addr, &o->addr) || msg_conn_is_closed(p->conn))) {
		msg_conn_close(p->conn);
		msg_conn_put(p->conn);
		p->conn = NULL;
	}
	if (!p->conn) {
		if (msg_connect(d->ms, &o->addr, MSG_POLICY_LOSSLESS, &p->conn) != 0)
			return NULL;
		p->addr = o->addr;
	}
	return p->conn;
}

int osd_send_to_osd(struct osd_daemon *d, int32_t osd, struct msg *m)
{
	struct msg_conn *c = osd_peer_conn(d, osd);
	int rc = c ? msg_send(c, m) : -ENOTCONN;
	if (rc)
		msg_put(m);
	return rc;
}

/* ---- maps --------------------------------------------------------------------------- */

static void persist_done(void *arg, int status)
{
	(void)arg;
	if (status)
		log_err(LOG_OSD, "could not persist an osdmap: %s", strerror(-status));
}

/* Keep every epoch's full map (peering rebuilds past intervals from them). */
static void persist_map(struct osd_daemon *d)
{
	struct buf b = BUF_INIT;
	char name[32], ep[16];
	uint32_t e = osdmap_epoch(d->map);
	struct os_txn *t = os_txn_create();
	if (!t || osdmap_encode(d->map, &b) != 0) {
		os_txn_destroy(t);
		buf_fini(&b);
		return;
	}
	struct buflist bl;
	buflist_init(&bl);
	snprintf(name, sizeof(name), "osdmap.%u", e);
	struct os_oid oid = meta_oid(name);
	struct os_oid sb = meta_oid("osd_superblock");
	int len = snprintf(ep, sizeof(ep), "%u", e);
	int rc = buflist_append_copy(&bl, b.data, b.len);
	if (!rc)
		rc = os_txn_write(t, &meta_cid, &oid, 0, &bl);
	if (!rc)
		rc = os_txn_omap_set(t, &meta_cid, &sb, "newest_map", 10, ep, (size_t)len);
	buflist_fini(&bl);
	buf_fini(&b);
	if (rc) {
		os_txn_destroy(t);
		return;
	}
	os_queue_transaction(d->store, t, NULL, persist_done, d);
}

/* Read a stored full map (NULL if absent or unreadable). */
struct osdmap *osd_load_map(struct osd_daemon *d, uint32_t epoch);
struct osdmap *osd_load_map(struct osd_daemon *d, uint32_t epoch)
{
	char name[32], err[128];
	snprintf(name, sizeof(name), "osdmap.%u", epoch);
	struct os_oid oid = meta_oid(name);
	struct buflist bl;
	buflist_init(&bl);
	struct osdmap *m = NULL;
	uint8_t *p = NULL;
	if (os_read(d->store, &meta_cid, &oid, 0, 0, &bl) == 0 && buflist_length(&bl) &&
	    buflist_contiguous(&bl, &p) == 0)
		if (osdmap_decode(p, buflist_length(&bl), &m, err, sizeof(err)) != 0)
			log_warn(LOG_OSD, "stored osdmap %u is unreadable: %s", epoch, err);
	buflist_fini(&bl);
	return m;
}

/* The first map tells a store made without a conf fsid which cluster it joined. */
static void adopt_fsid(struct osd_daemon *d, const uint8_t fs[16])
{
	struct os_txn *t = os_txn_create();
	struct os_oid sb = meta_oid("osd_superblock");
	if (!t || os_txn_omap_set(t, &meta_cid, &sb, "cluster_fsid", 12, fs, 16) != 0) {
		os_txn_destroy(t);
		return;
	}
	memcpy(d->fsid, fs, 16);
	d->have_fsid = true;
	os_queue_transaction(d->store, t, NULL, persist_done, d);
}

static void new_map(struct osd_daemon *d, struct osdmap *n)
{
	struct osdmap *prev = d->map;
	d->map = n;
	persist_map(d);
	osd_pgs_advance_map(d, prev);
	osdmap_destroy(prev);
}

void osd_monc_check_boot(struct osd_daemon *d);

void osd_handle_map_msg(struct osd_daemon *d, struct msg *m)
{
	const struct msg_osd_map *b = msg_body(m);
	uint8_t *data = NULL;
	size_t len = buflist_length(msg_data(m)), off = 0;
	char err[128];
	if (len && buflist_contiguous(msg_data(m), &data) != 0)
		return;
	uint32_t before = d->map ? osdmap_epoch(d->map) : 0;
	for (uint32_t i = 0; i < b->n; i++) {
		if (b->lens[i] > len - off)
			break;
		const uint8_t *p = data + off;
		off += b->lens[i];
		struct osdmap *n = NULL;
		if (b->full[i]) {
			if (d->map && osdmap_epoch(d->map) >= b->epochs[i])
				continue;
			if (osdmap_decode(p, b->lens[i], &n, err, sizeof(err)) != 0) {
				log_warn(LOG_OSD, "bad full osdmap %u: %s", b->epochs[i], err);
				break;
			}
			uint8_t fs[16];
			osdmap_fsid(n, fs);
			if (!d->have_fsid)
				adopt_fsid(d, fs);
			if (memcmp(fs, d->fsid, 16) != 0) {
				log_err(LOG_OSD, "osdmap of another cluster (fsid differs); ignored");
				osdmap_destroy(n);
				break;
			}
		} else {
			if (!d->map || b->epochs[i] != osdmap_epoch(d->map) + 1)
				continue;
			struct osdmap_inc inc;
			if (osdmap_inc_decode(p, b->lens[i], &inc, err, sizeof(err)) != 0) {
				log_warn(LOG_OSD, "bad incremental osdmap %u: %s", b->epochs[i], err);
				break;
			}
			int rc = osdmap_apply(d->map, &inc, &n, err, sizeof(err));
			osdmap_inc_fini(&inc);
			if (rc) {
				log_warn(LOG_OSD, "osdmap %u does not apply: %s", b->epochs[i], err);
				break;
			}
		}
		new_map(d, n);
	}
	if (b->newest > d->map_wanted)
		d->map_wanted = b->newest;
	if (d->map && osdmap_epoch(d->map) != before) {
		osd_monc_check_boot(d);
		osd_op_retry_waiting_map(d);
	}
	if (d->map && d->map_wanted > osdmap_epoch(d->map))
		osd_request_maps(d, d->map_wanted);
}

/* Someone has epoch @epoch: ask the monitors for what we lack. */
void osd_request_maps(struct osd_daemon *d, uint32_t epoch)
{
	if (epoch > d->map_wanted)
		d->map_wanted = epoch;
	if (!d->mon || (d->map && osdmap_epoch(d->map) >= epoch))
		return;
	struct msg *m = msg_create(MSG_MON_SUBSCRIBE);
	if (!m)
		return;
	struct msg_mon_subscribe *b = msg_body(m);
	*b = (struct msg_mon_subscribe){MSG_SUB_OSDMAP, d->map ? osdmap_epoch(d->map) + 1 : 0, 0};
	osd_monc_send(d, m);
}

/* ---- commands from clients ("tell") ---------------------------------------------- */

/*
 * A client's MSG_MON_COMMAND sent to this OSD (rados_osd_command,
 * rados_pg_command, `ceph tell osd.N`): run it as an admin socket command
 * and answer with its result, message and output.
 */
static void handle_command(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_mon_command *b = msg_body(m);
	struct buf out = BUF_INIT, errs = BUF_INIT;
	int rc = -EOPNOTSUPP;
	if (d->asok)
		rc = asok_run(d->asok, b->cmd ? b->cmd : "", &out, &errs);
	else
		buf_append_str(&errs, "commands need the admin socket, which is disabled");
	struct msg *r = msg_create(MSG_MON_COMMAND_REPLY);
	if (r) {
		struct msg_mon_command_reply *rb = msg_body(r);
		rb->tid = b->tid;
		rb->result = rc;
		rb->status = strdup(errs.len ? buf_cstr(&errs) : "");
		if (!rb->status || (out.len && buflist_append_copy(msg_data(r), out.data, out.len)) ||
		    msg_send(conn, r) != 0)
			msg_put(r);
	}
	buf_fini(&out);
	buf_fini(&errs);
}

/* ---- message routing ---------------------------------------------------------------- */

struct posted {
	struct osd_daemon *d;
	struct msg_conn *conn;
	struct msg *m;
};

/* Handle @m (owned) from @conn on the service loop; NULL @m: @conn closed. */
static void route(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	struct posted pp = {d, conn, m}, *p = &pp;
	if (!d->stopping && p->m) {
		switch (msg_type(p->m)) {
		case MSG_OSD_MAP:
		case MSG_MON_MAP:
		case MSG_MON_COMMAND_REPLY:
			osd_monc_handle(d, p->conn, p->m);
			break;
		case MSG_OSD_OP:
			osd_op_handle(d, p->conn, p->m);
			p->m = NULL; /* kept by the op */
			break;
		case MSG_OSD_REPOP:
			osd_op_handle_repop(d, p->conn, p->m);
			break;
		case MSG_OSD_REPOP_REPLY:
			osd_op_handle_repop_reply(d, p->m);
			break;
		case MSG_OSD_PG:
			osd_pg_handle_msg(d, p->conn, p->m);
			break;
		case MSG_OSD_PING:
			osd_hb_handle(d, p->conn, p->m);
			break;
		case MSG_MON_COMMAND:
			handle_command(d, p->conn, p->m);
			break;
		default:
			break;
		}
	} else if (!d->stopping && !p->m) {
		osd_monc_closed(d, p->conn);
		osd_hb_closed(d, p->conn);
	}
	msg_put(p->m);
}

static void dispatch_posted(void *arg)
{
	struct posted *p = arg;
	route(p->d, p->conn, p->m);
	msg_conn_put(p->conn);
	free(p);
}

/*
 * Connections on the service loop (the messenger's first loop) are
 * handled right here; the others' messages are posted to it.
 */
static void post(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	if (ev_loop_in_thread(d->loop)) {
		route(d, conn, m);
		return;
	}
	struct posted *p = malloc(sizeof(*p));
	if (!p) {
		msg_put(m);
		return;
	}
	*p = (struct posted){d, msg_conn_get(conn), m};
	if (ev_loop_call(d->loop, dispatch_posted, p) != 0) {
		msg_conn_put(conn);
		msg_put(m);
		free(p);
	}
}

static void on_message(void *arg, struct msg_conn *conn, struct msg *m)
{
	post(arg, conn, m);
}

static void on_closed(void *arg, struct msg_conn *conn)
{
	post(arg, conn, NULL);
}

static int start_messenger(struct osd_daemon *d, char *err, size_t errlen)
{
	int rc = msg_messenger_create_on(d->cfg, &d->name, d->loop, &d->ms);
	if (rc) {
		snprintf(err, errlen, "cannot create the messenger: %s", strerror(-rc));
		return rc;
	}
	static const uint16_t types[] = {MSG_OSD_MAP,	      MSG_MON_MAP,	  MSG_MON_COMMAND_REPLY,
					 MSG_OSD_OP,	      MSG_OSD_REPOP,	  MSG_OSD_REPOP_REPLY,
					 MSG_OSD_PG,	      MSG_OSD_PING,	  MSG_MON_COMMAND};
	for (size_t i = 0; i < ARRAY_SIZE(types) && !rc; i++)
		rc = msg_register(d->ms, types[i], on_message, d, MSG_DISPATCH_LOOP);
	struct msg_conn_ops ops = {.closed = on_closed};
	msg_set_conn_ops(d->ms, &ops, d);

	char *ip = cfg_str(d->cfg, CFG_public_addr);
	if (!ip)
		return -ENOMEM;
	char a[NET_ADDR_STRLEN + 8];
	int pmin = (int)cfg_int(d->cfg, CFG_ms_bind_port_min);
	int pmax = (int)cfg_int(d->cfg, CFG_ms_bind_port_max);
	if (pmax < pmin)
		pmax = pmin;
	rc = -EADDRINUSE;
	for (int port = pmin; port <= pmax && rc == -EADDRINUSE; port++) {
		snprintf(a, sizeof(a), "%s:%d", *ip ? ip : "127.0.0.1", port);
		if (addr_parse(a, 0, &d->addr) != 0) {
			snprintf(err, errlen, "bad public_addr '%s'", ip);
			free(ip);
			return -EINVAL;
		}
		rc = msg_bind(d->ms, &d->addr);
	}
	free(ip);
	if (rc) {
		snprintf(err, errlen, "cannot bind %s: %s", a, strerror(-rc));
		return rc;
	}
	msg_bound_addr(d->ms, &d->addr);
	rc = msg_start(d->ms);
	if (rc)
		snprintf(err, errlen, "cannot start the messenger: %s", strerror(-rc));
	return rc;
}

/* ---- admin socket --------------------------------------------------------------------- */

static const char *daemon_state(const struct osd_daemon *d)
{
	if (!d->map)
		return "preboot";
	return d->booted ? "active" : "booting";
}

static int asok_status(void *arg, const struct json_val *cmd, struct json_w *w, struct buf *err)
{
	struct osd_daemon *d = arg;
	(void)cmd;
	(void)err;
	char fs[UUID_STRLEN], id[UUID_STRLEN];
	uuid_format(d->fsid, fs);
	uuid_format(d->uuid, id);
	json_w_obj_begin(w);
	json_w_kv_str(w, "cluster_fsid", fs);
	json_w_kv_str(w, "osd_fsid", id);
	json_w_kv_int(w, "whoami", d->whoami);
	json_w_kv_str(w, "state", daemon_state(d));
	json_w_kv_uint(w, "oldest_map", 0);
	json_w_kv_uint(w, "newest_map", d->map ? osdmap_epoch(d->map) : 0);
	json_w_kv_uint(w, "num_pgs", d->n_pgs);
	uint32_t counts[4] = {0};
	for (struct osd_pg *pg = d->pgs; pg; pg = pg->next) {
		if (!pg->is_primary)
			continue;
		counts[0]++;
		if (pg->state == (OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN))
			counts[1]++;
		else if (pg->state & OSDOP_PGS_ACTIVE)
			counts[2]++;
		else
			counts[3]++;
	}
	json_w_kv_uint(w, "num_primary_pgs", counts[0]);
	json_w_kv_uint(w, "num_active_clean", counts[1]);
	json_w_kv_uint(w, "num_active_other", counts[2]);
	json_w_kv_uint(w, "num_inactive", counts[3]);
	json_w_obj_end(w);
	return 0;
}

static void ids_json(struct json_w *w, const char *key, const int32_t *v, uint32_t n)
{
	json_w_key(w, key);
	json_w_arr_begin(w);
	for (uint32_t i = 0; i < n; i++)
		json_w_int(w, v[i]);
	json_w_arr_end(w);
}

/* The fields `pg dump` and `query` show for one PG (inside an open object). */
static void pg_fields(struct json_w *w, const struct osd_pg *pg)
{
	char st[128], v[OSD_EV_STRLEN];
	osdop_pg_state_format(pg->state, st, sizeof(st));
	json_w_kv_str(w, "pgid", pg->name);
	json_w_kv_str(w, "state", pg->is_primary ? st : (pg->replica_active ? "replica" : "stray"));
	json_w_kv_str(w, "last_update", osd_ev_format(pg->info.last_update, v));
	json_w_kv_str(w, "last_complete", osd_ev_format(pg->info.last_complete, v));
	json_w_kv_uint(w, "last_epoch_started", pg->info.last_epoch_started);
	json_w_kv_uint(w, "same_interval_since", pg->info.same_interval_since);
	json_w_kv_uint(w, "log_size", osd_pglog_count(&pg->log));
	json_w_kv_uint(w, "missing", pg->missing.n);
	json_w_kv_uint(w, "num_objects", pg->num_objects);
	json_w_kv_uint(w, "num_bytes", pg->num_bytes);
	ids_json(w, "up", pg->up, pg->up_n);
	ids_json(w, "acting", pg->acting, pg->acting_n);
	json_w_kv_int(w, "acting_primary", pg->primary);
	if (pg->peer) {
		struct buf b = BUF_INIT;
		if (osd_peer_describe(pg->peer, &b) == 0)
			json_w_kv_str(w, "peering", buf_cstr(&b));
		buf_fini(&b);
	}
}

static int asok_pg_dump(void *arg, const struct json_val *cmd, struct json_w *w, struct buf *err)
{
	struct osd_daemon *d = arg;
	(void)cmd;
	(void)err;
	json_w_obj_begin(w);
	json_w_key(w, "pg_stats");
	json_w_arr_begin(w);
	for (struct osd_pg *pg = d->pgs; pg; pg = pg->next) {
		json_w_obj_begin(w);
		pg_fields(w, pg);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
	json_w_obj_end(w);
	return 0;
}

/* `query` (what `ceph pg PGID query` and rados_pg_command send): one PG. */
static int asok_pg_query(void *arg, const struct json_val *cmd, struct json_w *w, struct buf *err)
{
	struct osd_daemon *d = arg;
	const char *s;
	struct osdmap_pg want;
	if (json_get_str(cmd, "pgid", &s) != 0 || osdmap_pg_parse(s, &want) != 0) {
		buf_append_str(err, "query needs a valid \"pgid\" (POOL.SEED)");
		return -EINVAL;
	}
	struct osd_pg *pg = osd_pg_find(d, &want);
	if (pg) {
		char st[128];
		osdop_pg_state_format(pg->state, st, sizeof(st));
		json_w_obj_begin(w);
		json_w_kv_str(w, "state", st);
		json_w_kv_uint(w, "epoch", d->map ? osdmap_epoch(d->map) : 0);
		ids_json(w, "up", pg->up, pg->up_n);
		ids_json(w, "acting", pg->acting, pg->acting_n);
		json_w_kv_int(w, "acting_primary", pg->primary);
		json_w_key(w, "info");
		json_w_obj_begin(w);
		pg_fields(w, pg);
		json_w_obj_end(w);
		json_w_obj_end(w);
		return 0;
	}
	buf_printf(err, "i don't have pgid %s", s);
	return -ENOENT;
}

static int asok_ops(void *arg, const struct json_val *cmd, struct json_w *w, struct buf *err)
{
	struct osd_daemon *d = arg;
	(void)cmd;
	(void)err;
	uint64_t now = osd_now(d);
	json_w_obj_begin(w);
	json_w_key(w, "ops");
	json_w_arr_begin(w);
	size_t n = 0;
	for (struct osd_pg *pg = d->pgs; pg; pg = pg->next) {
		struct osd_op *lists[3] = {pg->inflight, pg->waiting, pg->blocked};
		static const char *const what[3] = {"in flight", "waiting for peering",
						     "waiting for the object"};
		for (int l = 0; l < 3; l++)
			for (struct osd_op *op = lists[l]; op; op = op->next, n++) {
				const struct msg_osd_op *b = msg_body(op->m);
				char desc[256];
				snprintf(desc, sizeof(desc), "osd_op(client.%" PRIu64 " tid %" PRIu64
							     " %s %s)",
					 b->client, b->tid, pg->name, b->name);
				json_w_obj_begin(w);
				json_w_kv_str(w, "description", desc);
				json_w_kv_double(w, "age", (double)(now - op->start_ns) / 1e9);
				json_w_kv_str(w, "flag_point", what[l]);
				json_w_obj_end(w);
			}
	}
	json_w_arr_end(w);
	json_w_kv_uint(w, "num_ops", n);
	json_w_obj_end(w);
	return 0;
}

/*
 * object_digest pool=<id> name=<obj> [nspace=<ns>]: what this OSD's store
 * holds for an object (size, crc32c of the data, version), so tests can
 * compare replicas without going through the primary.
 */
static int asok_digest(void *arg, const struct json_val *cmd, struct json_w *w, struct buf *err)
{
	struct osd_daemon *d = arg;
	int64_t pool;
	const char *name, *ns = "";
	if (json_get_int(cmd, "pool", &pool) != 0 || json_get_str(cmd, "name", &name) != 0) {
		buf_append_str(err, "usage: object_digest pool=<id> name=<object> [nspace=<ns>]");
		return -EINVAL;
	}
	json_get_str(cmd, "nspace", &ns);
	uint32_t hash;
	struct osdmap_pg pgid;
	if (!d->map || osdmap_object_hash(ns, name, "", &hash) != 0 ||
	    osdmap_hash_to_pg(d->map, pool, hash, &pgid) != 0) {
		buf_append_str(err, "no such pool");
		return -ENOENT;
	}
	struct os_cid cid = {pool, pgid.seed};
	struct os_oid oid = {pool, hash, OS_NOSNAP, ns, name};
	struct buflist bl;
	buflist_init(&bl);
	int rc = os_read(d->store, &cid, &oid, 0, 0, &bl);
	json_w_obj_begin(w);
	json_w_kv_bool(w, "exists", rc == 0);
	if (rc == 0) {
		uint8_t *p = NULL;
		size_t len = buflist_length(&bl);
		uint32_t crc = len && buflist_contiguous(&bl, &p) == 0 ? crc32c(0, p, len) : 0;
		struct osd_exec_oi oi = {0};
		osd_exec_get_oi(d->store, &cid, &oid, &oi);
		json_w_kv_uint(w, "size", len);
		json_w_kv_uint(w, "crc32c", crc);
		json_w_kv_uint(w, "version", oi.version);
	} else if (rc != -ENOENT) {
		json_w_kv_str(w, "error", strerror(-rc));
	}
	json_w_obj_end(w);
	buflist_fini(&bl);
	return 0;
}

static int register_asok(struct osd_daemon *d)
{
	char *path = cfg_str(d->cfg, CFG_admin_socket);
	if (!path)
		return -ENOMEM;
	int rc = *path ? asok_create(d->loop, path, &d->asok) : 0;
	free(path);
	if (rc || !d->asok)
		return rc;
	if ((rc = asok_register_config(d->asok, d->cfg)) != 0 ||
	    (rc = asok_register(d->asok, "status", "OSD state", asok_status, d)) != 0 ||
	    (rc = asok_register(d->asok, "pg dump", "this OSD's PGs", asok_pg_dump, d)) != 0 ||
	    (rc = asok_register(d->asok, "query", "one PG in detail (pgid)", asok_pg_query, d)) !=
		    0 ||
	    (rc = asok_register(d->asok, "dump_ops_in_flight", "client ops in progress", asok_ops,
				d)) != 0 ||
	    (rc = asok_register(d->asok, "object_digest", "size and crc32c of a local object",
				asok_digest, d)) != 0)
		return rc;
	return 0;
}

/* ---- periodic work ---------------------------------------------------------------------- */

static void tick_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct osd_daemon *d = t->data;
	(void)loop;
	if (d->stopping)
		return;
	osd_monc_check_boot(d);
	osd_hb_tick(d);
	perf_set(d->perf, OSD_PERF_NUMPG, d->n_pgs);
	perf_set(d->perf, OSD_PERF_MAP_EPOCH, d->map ? osdmap_epoch(d->map) : 0);
	uint64_t now = osd_now(d);
	if (now - d->last_stats_ns >= cfg_dur_ns(d->cfg, CFG_osd_pg_stats_interval)) {
		d->last_stats_ns = now;
		osd_monc_send_stats(d);
	}
	ev_timer_start(d->loop, &d->tick, TICK_NS, tick_cb);
}

/* ---- start-up and shutdown ------------------------------------------------------------- */

static int open_store(struct osd_daemon *d, char *err, size_t errlen)
{
	struct os_opts o;
	int rc = os_opts_from_cfg(&o, d->cfg);
	if (rc) {
		snprintf(err, errlen, "bad store options: %s", strerror(-rc));
		return rc;
	}
	rc = os_mount(&o, &d->store);
	if (rc) {
		snprintf(err, errlen, "cannot mount the object store at %s: %s", o.path,
			 rc == -ENOENT ? "no store there (run cairn-osd --mkfs first)"
				       : strerror(-rc));
		return rc;
	}
	int id = os_get_osd_id(d->store);
	if (id != d->whoami) {
		snprintf(err, errlen, "the store at %s belongs to osd.%d, not osd.%d", o.path, id,
			 d->whoami);
		return -EINVAL;
	}
	os_get_fsid(d->store, d->uuid);
	/* The cluster fsid and our uuid, written at mkfs. */
	struct os_oid sb = meta_oid("osd_superblock");
	struct buf b = BUF_INIT;
	if (!os_exists(d->store, &meta_cid, &sb)) {
		snprintf(err, errlen, "the store at %s was not made by cairn-osd --mkfs "
				      "(no OSD superblock)", o.path);
		return -EINVAL;
	}
	rc = os_omap_get(d->store, &meta_cid, &sb, "cluster_fsid", 12, &b);
	if (rc == 0 && b.len == 16) {
		memcpy(d->fsid, b.data, 16);
		d->have_fsid = true;
	}
	buf_reset(&b);
	if (os_omap_get(d->store, &meta_cid, &sb, "newest_map", 10, &b) == 0) {
		char ep[16] = "";
		memcpy(ep, b.data, b.len < 15 ? b.len : 15);
		uint32_t e = (uint32_t)strtoul(ep, NULL, 10);
		d->map = e ? osd_load_map(d, e) : NULL;
	}
	buf_fini(&b);
	return 0;
}

/* "osd create" with our uuid (and id when given); the id the monitors chose. */
static int register_osd(struct cfg *c, const uint8_t uuid[16], int whoami, int *out_id, char *err,
			size_t errlen)
{
	char cmd[256], u[UUID_STRLEN];
	uuid_format(uuid, u);
	if (whoami >= 0)
		snprintf(cmd, sizeof(cmd),
			 "{\"prefix\": \"osd create\", \"uuid\": \"%s\", \"id\": %d}", u, whoami);
	else
		snprintf(cmd, sizeof(cmd), "{\"prefix\": \"osd create\", \"uuid\": \"%s\"}", u);
	struct buf out = BUF_INIT;
	int rc = osd_monc_command_sync(c, cmd, &out, err, errlen);
	if (!rc) {
		char *end;
		long id = strtol(buf_cstr(&out), &end, 10);
		if (end == buf_cstr(&out) || id < 0 || (whoami >= 0 && id != whoami)) {
			snprintf(err, errlen, "the monitors answered 'osd create' with '%s'",
				 buf_cstr(&out));
			rc = -EPROTO;
		} else {
			*out_id = (int)id;
		}
	}
	buf_fini(&out);
	return rc;
}

/*
 * mkfs: create the store for osd.@whoami.  With @whoami < 0 the monitors
 * allocate the id first ("osd create <uuid>"); with an id the OSD is
 * registered too when monitors are configured (idempotent), so it can
 * boot.  The cluster fsid comes from the conf, or from the first map.
 */
int osd_mkfs(struct cfg *c, int whoami, int *out_id, char *err, size_t errlen)
{
	struct os_opts o;
	int rc = os_opts_from_cfg(&o, c);
	if (rc) {
		snprintf(err, errlen, "bad store options: %s", strerror(-rc));
		return rc;
	}
	uint8_t fsid[16] = {0};
	char *fs = cfg_str(c, CFG_fsid);
	if (!fs)
		return -ENOMEM;
	struct net_addr *mons = NULL;
	size_t nmons = 0;
	cfg_addrs(c, CFG_mon_host, &mons, &nmons);
	free(mons);
	bool have_fsid = *fs != 0, have_mons = nmons > 0;
	if (have_fsid && uuid_parse(fs, fsid) != 0) {
		snprintf(err, errlen, "bad fsid '%s' in the configuration", fs);
		rc = -EINVAL;
	}
	free(fs);
	if (rc)
		return rc;
	uuid_generate(o.fsid);
	if (whoami < 0 || have_mons) {
		rc = register_osd(c, o.fsid, whoami, &whoami, err, errlen);
		if (rc)
			return rc;
	}
	o.osd_id = whoami;
	rc = os_mkfs(&o);
	if (rc) {
		snprintf(err, errlen, "mkfs of %s failed: %s", o.path,
			 rc == -EEXIST ? "a store is already there" : strerror(-rc));
		return rc;
	}
	struct os_store *s;
	rc = os_mount(&o, &s);
	if (rc) {
		snprintf(err, errlen, "cannot mount the new store: %s", strerror(-rc));
		return rc;
	}
	struct os_txn *t = os_txn_create();
	struct os_oid sb = meta_oid("osd_superblock");
	rc = t ? os_txn_create_collection(t, &meta_cid, 0) : -ENOMEM;
	if (!rc && have_fsid)
		rc = os_txn_omap_set(t, &meta_cid, &sb, "cluster_fsid", 12, fsid, 16);
	rc = rc ? (os_txn_destroy(t), rc) : os_apply_transaction(s, t);
	os_umount(s);
	if (rc)
		snprintf(err, errlen, "cannot write the superblock: %s", strerror(-rc));
	else
		*out_id = whoami;
	return rc;
}

int osd_daemon_init(struct cfg *c, struct osd_daemon **out, char *err, size_t errlen);
static void on_signal_stop(void *arg);

int osd_daemon_init(struct cfg *c, struct osd_daemon **out, char *err, size_t errlen)
{
	struct osd_daemon *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = c;
	cfg_get_entity(c, &d->name);
	d->whoami = (int32_t)strtol(d->name.id, NULL, 10);
	if (gethostname(d->host, sizeof(d->host) - 1) != 0)
		snprintf(d->host, sizeof(d->host), "localhost");
	d->lim.max_object_size = cfg_size(c, CFG_osd_max_object_size);
	d->lim.max_write_size = (uint64_t)cfg_int(c, CFG_osd_max_write_size) << 20;
	d->hb_interval_ns = cfg_dur_ns(c, CFG_osd_heartbeat_interval);
	d->hb_grace_ns = cfg_dur_ns(c, CFG_osd_heartbeat_grace);
	ev_timer_init(&d->tick);
	d->tick.data = d;
	static const char *const perf_names[OSD_PERF__COUNT] = {
		"op_r", "op_w", "op_w_in_bytes", "subop_w", "push", "numpg", "map_epoch"};
	d->perf = perf_group_create("osd", perf_names, OSD_PERF__COUNT);
	/* Signals are blocked before any thread starts, so every thread inherits the mask. */
	int rc = ev_loop_create(&d->loop);
	if (!rc)
		rc = daemon_signals_start(d->loop, c, on_signal_stop, d, &d->signals);
	if (rc) {
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = open_store(d, err, errlen)) != 0)
		goto fail;
	if ((rc = start_messenger(d, err, errlen)) != 0)
		goto fail;
	if ((rc = register_asok(d)) != 0) {
		snprintf(err, errlen, "cannot open the admin socket: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = osd_pgs_load(d)) != 0) {
		snprintf(err, errlen, "cannot load the PGs: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = osd_monc_start(d)) != 0) {
		snprintf(err, errlen, "cannot reach the monitors: %s", strerror(-rc));
		goto fail;
	}
	*out = d;
	return 0;
fail:
	osd_daemon_fini(d);
	return rc;
}

static void stop_cb(void *arg)
{
	struct osd_daemon *d = arg;
	d->stopping = true;
	ev_loop_stop(d->loop);
}

static void on_signal_stop(void *arg)
{
	stop_cb(arg);
}

int osd_daemon_run(struct osd_daemon *d)
{
	char a[NET_ADDR_STRLEN];
	addr_format(&d->addr, a, sizeof(a));
	log_info(LOG_OSD, "osd.%d serving on %s", d->whoami, a);
	ev_timer_start(d->loop, &d->tick, TICK_NS, tick_cb);
	return ev_loop_run(d->loop);
}

void osd_daemon_fini(struct osd_daemon *d)
{
	if (!d)
		return;
	d->stopping = true;
	if (d->ms)
		msg_stop(d->ms);
	if (d->loop) {
		ev_timer_stop(d->loop, &d->tick);
		osd_monc_stop(d);
	}
	asok_destroy(d->asok);
	daemon_signals_stop(d->signals);
	/* Store completions still to come see d->stopping and only free themselves. */
	os_umount(d->store);
	d->store = NULL;
	if (d->loop)
		ev_loop_run_calls(d->loop); /* what the store posted */
	osd_pg_free_all(d);
	osd_pg_free_deferred();
	osd_op_free_waiting_map();
	for (size_t i = 0; i < MONMAP_MAX_MONS; i++)
		msg_conn_put(d->stat_conns[i]);
	for (size_t i = 0; i < d->n_peers_cap; i++) {
		msg_conn_put(d->peers[i].conn);
		msg_conn_put(d->peers[i].hb);
	}
	free(d->peers);
	/* The messenger runs what is still queued on the loop, its first loop. */
	msg_messenger_destroy(d->ms);
	ev_loop_destroy(d->loop);
	osdmap_destroy(d->map);
	perf_group_destroy(d->perf);
	free(d);
}
