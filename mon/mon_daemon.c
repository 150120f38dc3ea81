/*
 * mon_daemon.c - cairn-mon: store, consensus core, peers, commits.
 * See mon_daemon.h for the threads; everything here runs on the service
 * loop unless it says "worker".
 *
 * The core's outputs are handled in one place, mon_drive():
 *   events    commits are applied to the services (their derived data
 *             joins the same store batch as the commit), role changes
 *             reset pending work;
 *   persists  go to the store worker as one synced batch; its completion
 *             feeds mon_core_persisted() back;
 *   msgs      go to peers at once (the core only emits messages whose
 *             prerequisites are already durable);
 *   wake_at   re-arms the core timer.
 */
#include "mon_daemon_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clk.h"
#include "common/enc.h"
#include "common/crc32c.h"
#include "common/log.h"
#include "common/uuid.h"

mon_time_t mon_now(void)
{
	return (mon_time_t)(clk_mono_ns() / CLK_NS_PER_MS);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- mkfs ------------------------------------------------------------------ */

static int read_fsid(struct cfg *c, uint8_t out[16], char *err, size_t errlen)
{
	char *fs = cfg_str(c, CFG_fsid);
	if (!fs)
		return -ENOMEM;
	int rc = uuid_parse(fs, out);
	if (rc)
		set_err(err, errlen, "option fsid '%s' is not a uuid (set it in [global])", fs);
	free(fs);
	return rc;
}

int mon_daemon_mkfs(struct cfg *c, char *err, size_t errlen)
{
	uint8_t fsid[16];
	struct monmap mm;
	struct ent_name name;
	int rc = read_fsid(c, fsid, err, errlen);
	if (rc)
		return rc;
	rc = monmap_from_cfg(c, fsid, &mm, err, errlen);
	if (rc)
		return rc;
	cfg_get_entity(c, &name);
	if (monmap_rank_by_name(&mm, name.id) < 0) {
		set_err(err, errlen, "mon.%s is not in the monmap (check mon_host / [mon.%s])",
			name.id, name.id);
		return -EINVAL;
	}
	mm.created = mm.modified = clk_real_ns();
	char *dir = cfg_str(c, CFG_mon_data);
	if (!dir)
		return -ENOMEM;
	rc = mon_store_mkfs(dir, fsid, &mm, name.id);
	if (rc == -EEXIST)
		set_err(err, errlen, "%s already holds a monitor store", dir);
	else if (rc)
		set_err(err, errlen, "cannot create the store in %s: %s", dir, strerror(-rc));
	free(dir);
	return rc;
}

/* ---- the store worker ------------------------------------------------------- */

struct store_job {
	struct mon_daemon *d;
	struct mon_persist *p;
	size_t n;
	struct mon_store_tx *tx;
	uint64_t max_seq;
	int rc;
};

static void store_job_free(struct store_job *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->p[i].value);
	free(j->p);
	mon_store_tx_destroy(j->tx);
	free(j);
}

/* Worker. */
static void store_job_work(void *arg)
{
	struct store_job *j = arg;
	uint64_t t0 = clk_mono_ns();
	j->rc = mon_store_apply(j->d->store, j->p, j->n, j->tx);
	perf_inc(j->d->perf, MON_PERF_STORE_WRITES, 1);
	perf_inc(j->d->perf, MON_PERF_STORE_US, (clk_mono_ns() - t0) / 1000);
}

static void store_job_done(void *arg, int status)
{
	struct store_job *j = arg;
	struct mon_daemon *d = j->d;
	d->io_inflight--;
	int rc = status ? status : j->rc;
	if (rc) {
		/* Whether the batch is on disk is unknown: only a restart can tell. */
		log_err(LOG_MON, "mon.%s: store write failed (%s); stopping", d->name.id,
			strerror(-rc));
		d->store_failed = true;
		mon_daemon_stop(d);
	} else if (j->n && d->core && !d->stopping) {
		mon_drive(d, mon_core_persisted(d->core, mon_now(), j->max_seq, &d->out));
	}
	store_job_free(j);
}

/* Queue the persists of d->out plus @tx (taken) as one batch. */
static int submit_store_job(struct mon_daemon *d, struct mon_store_tx *tx)
{
	struct store_job *j = calloc(1, sizeof(*j));
	if (!j) {
		mon_store_tx_destroy(tx);
		return -ENOMEM;
	}
	j->d = d;
	j->tx = tx;
	j->n = d->out.n_persists;
	if (j->n) {
		j->p = calloc(j->n, sizeof(*j->p));
		if (!j->p)
			goto out_nomem;
	}
	for (size_t i = 0; i < j->n; i++) {
		j->p[i] = d->out.persists[i];
		j->p[i].value = NULL;
		if (d->out.persists[i].len) {
			j->p[i].value = malloc(d->out.persists[i].len);
			if (!j->p[i].value)
				goto out_nomem;
			memcpy(j->p[i].value, d->out.persists[i].value, d->out.persists[i].len);
		}
		if (j->p[i].seq > j->max_seq)
			j->max_seq = j->p[i].seq;
	}
	int rc = wq_submit(d->io, 0, store_job_work, store_job_done, j, d->loop);
	if (rc) {
		store_job_free(j);
		return rc;
	}
	d->io_inflight++;
	return 0;

out_nomem:
	store_job_free(j);
	return -ENOMEM;
}

/* ---- applying commits ----------------------------------------------------------- */

static int tx_put_u64(struct mon_store_tx *tx, const char *prefix, uint64_t k, const void *v,
		      size_t vlen)
{
	uint8_t key[MON_STORE_U64_KEY_LEN];
	mon_store_u64_key(k, key);
	return mon_store_tx_put(tx, prefix, key, sizeof(key), v, vlen);
}

/* One osdmap incremental committed: apply it and record the derived data. */
static int apply_osdmap_change(struct mon_daemon *d, const uint8_t *data, size_t len,
			       struct mon_store_tx *tx)
{
	int e = mon_osdmon_commit(d->osdmon, data, len);
	if (e == -ESTALE)
		return 0; /* superseded; nothing to record */
	if (e < 0)
		return e;
	/* Our own proposal for this epoch, or another leader's? */
	uint32_t slot = (uint32_t)e % ARRAY_SIZE(d->proposed);
	bool ours = d->proposed[slot].epoch == (uint32_t)e &&
		    d->proposed[slot].crc == crc32c(0, data, len);
	mon_commands_committed(d, (uint32_t)e, ours);
	int rc = tx_put_u64(tx, MON_KEY_OSDMAP_INC, (uint64_t)e, data, len);
	if (!rc && (e == 1 || e % MON_FULL_EVERY == 0)) {
		struct buf full = BUF_INIT;
		rc = osdmap_encode(mon_osdmon_map(d->osdmon), &full);
		if (!rc)
			rc = tx_put_u64(tx, MON_KEY_OSDMAP_FULL, (uint64_t)e, full.data, full.len);
		buf_fini(&full);
	}
	mon_cache_inc(d, (uint32_t)e, data, len);
	return rc;
}

/*
 * Apply the committed value of Paxos version @v (once: a version already
 * applied, e.g. replayed after a restart, is skipped).
 */
static int apply_commit(struct mon_daemon *d, uint64_t v, const uint8_t *value, size_t len,
			struct mon_store_tx *tx)
{
	if (v <= d->applied)
		return 0;
	if (v != d->applied + 1)
		log_warn(LOG_MON, "mon.%s: applying version %llu after %llu", d->name.id,
			 (unsigned long long)v, (unsigned long long)d->applied);
	uint32_t before = osdmap_epoch(mon_osdmon_map(d->osdmon));
	size_t pos = 0;
	const uint8_t *chg;
	size_t clen;
	int rc, more;
	while ((more = mon_batch_next(value, len, &pos, &chg, &clen)) == 1) {
		if (clen < 1)
			return -EINVAL;
		switch (chg[0]) {
		case MON_SVC_OSDMAP:
			rc = apply_osdmap_change(d, chg + 1, clen - 1, tx);
			break;
		default:
			log_err(LOG_MON, "mon.%s: version %llu has a change for unknown service %u",
				d->name.id, (unsigned long long)v, chg[0]);
			rc = -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (more < 0)
		return more;
	d->applied = v;
	perf_inc(d->perf, MON_PERF_COMMITS, 1);
	perf_set(d->perf, MON_PERF_OSDMAP_EPOCH, osdmap_epoch(mon_osdmon_map(d->osdmon)));
	uint8_t vb[8];
	enc_put_be64(vb, v);
	rc = mon_store_tx_put(tx, MON_KEY_SVC, "applied", 7, vb, 8);
	if (rc)
		return rc;
	uint32_t after = osdmap_epoch(mon_osdmon_map(d->osdmon));
	if (after != before) {
		log_dbg(LOG_MON, 5, "mon.%s: osdmap e%u committed", d->name.id, after);
		mon_subs_publish(d);
	}
	return 0;
}

/* ---- driving the core ----------------------------------------------------------- */

static void core_timer_cb(struct ev_loop *loop, struct ev_timer *t);

static void set_role(struct mon_daemon *d, const struct mon_event *ev)
{
	int old = d->leader;
	d->election_epoch = ev->epoch;
	perf_inc(d->perf, MON_PERF_ELECTIONS, 1);
	perf_set(d->perf, MON_PERF_IS_LEADER, ev->type == MON_EV_LEADER);
	if (ev->type == MON_EV_ELECTING) {
		d->leader = -1;
		d->quorum = 0;
	} else {
		d->leader = ev->type == MON_EV_LEADER ? d->rank : ev->peer;
		d->quorum = ev->quorum;
		log_info(LOG_MON, "mon.%s: %s in election epoch %llu, quorum 0x%x", d->name.id,
			 ev->type == MON_EV_LEADER ? "leader" : "peon",
			 (unsigned long long)ev->epoch, ev->quorum);
	}
	/* Commands forwarded to a previous leader may never be answered. */
	if (old != d->leader)
		mon_commands_fail_forwarded(d, -EAGAIN);
	/* Pending and proposed changes of a previous term may never commit. */
	if (old == d->rank || d->leader == d->rank) {
		mon_commands_fail_all(d, -EAGAIN);
		mon_osdmon_reset(d->osdmon);
	}
	if (d->leader == d->rank) {
		const char *dom =
			cfg_int(d->cfg, CFG_osd_crush_chooseleaf_type) == 0 ? "osd" : "host";
		mon_osdmon_bootstrap(d->osdmon, dom);
	}
}

void mon_drive(struct mon_daemon *d, int rc)
{
	if (rc)
		log_err(LOG_MON, "mon.%s: consensus core: %s", d->name.id, strerror(-rc));
	struct mon_store_tx *tx = mon_store_tx_create();
	if (!tx) {
		log_err(LOG_MON, "mon.%s: out of memory", d->name.id);
		mon_daemon_stop(d);
		return;
	}
	struct mon_out *o = &d->out;
	for (size_t i = 0; i < o->n_events; i++) {
		const struct mon_event *ev = &o->events[i];
		log_dbg(LOG_MON, 10, "mon.%s: core event %u (version %llu, peer %d)", d->name.id,
			ev->type, (unsigned long long)ev->version, ev->peer);
		switch (ev->type) {
		case MON_EV_COMMIT:
			rc = apply_commit(d, ev->version, ev->value, ev->len, tx);
			if (rc) {
				log_err(LOG_MON, "mon.%s: cannot apply committed version %llu: %s",
					d->name.id, (unsigned long long)ev->version, strerror(-rc));
				mon_daemon_stop(d);
			}
			break;
		case MON_EV_ELECTING:
		case MON_EV_LEADER:
		case MON_EV_PEON:
			set_role(d, ev);
			break;
		case MON_EV_SYNC_NEEDED:
			mon_sync_start(d, ev->peer);
			break;
		}
	}
	if (o->n_persists || !mon_store_tx_empty(tx)) {
		rc = submit_store_job(d, tx);
		tx = NULL;
		if (rc) {
			log_err(LOG_MON, "mon.%s: cannot queue a store write: %s", d->name.id,
				strerror(-rc));
			mon_daemon_stop(d);
		}
	}
	mon_store_tx_destroy(tx);
	for (size_t i = 0; i < o->n_msgs; i++) {
		const struct mon_msg *mm = &o->msgs[i];
		struct msg *m = msg_create(MSG_MON_PAXOS);
		if (!m)
			continue; /* lost: the core resends */
		struct msg_mon_paxos *b = msg_body(m);
		*b = (struct msg_mon_paxos){mm->type,	 mm->flags,   mm->from,	  mm->to,
					     mm->epoch,	 mm->quorum,  mm->pn,	  mm->version,
					     mm->unc_pn, mm->lc,      mm->fc,	  mm->lease_expiry,
					     mm->round};
		if (mm->len && buflist_append_copy(msg_data(m), mm->value, mm->len) != 0) {
			msg_put(m);
			continue;
		}
		if (mon_send_to_rank(d, mm->to, m) != 0)
			msg_put(m);
	}
	mon_time_t wake = o->wake_at;
	mon_out_clear(o);
	/*
	 * A peon may apply a commit while its lease has lapsed (it could not
	 * publish then) and get the lease back later: subscribers still owed
	 * epochs are served as soon as we are readable again.
	 */
	if (d->subs && !d->stopping)
		mon_subs_publish(d);
	if (wake != MON_TIME_NEVER && !d->stopping) {
		mon_time_t now = mon_now();
		uint64_t delay = wake > now ? (uint64_t)(wake - now) * CLK_NS_PER_MS : 0;
		ev_timer_start(d->loop, &d->core_timer, delay, core_timer_cb);
	}
}

static void core_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct mon_daemon *d = t->data;
	if (d->core && !d->stopping)
		mon_drive(d, mon_core_tick(d->core, mon_now(), &d->out));
}

/* ---- proposing ------------------------------------------------------------------ */

static void propose_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct mon_daemon *d = t->data;
	if (d->stopping || d->leader != d->rank || !mon_core_is_active(d->core) ||
	    !mon_osdmon_has_pending(d->osdmon)) {
		ev_timer_start(loop, t, d->propose_interval_ns, propose_timer_cb);
		return;
	}
	struct buf v = BUF_INIT;
	int rc = buf_append_byte(&v, MON_SVC_OSDMAP);
	uint32_t epoch = mon_osdmon_pending_epoch(d->osdmon);
	if (!rc)
		rc = mon_osdmon_take_pending(d->osdmon, clk_real_ns(), &v);
	if (!rc) {
		uint32_t slot = epoch % ARRAY_SIZE(d->proposed);
		d->proposed[slot].epoch = epoch;
		d->proposed[slot].crc = crc32c(0, v.data + 1, v.len - 1);
		rc = mon_core_propose(d->core, mon_now(), v.data, v.len, &d->out);
		if (rc) {
			/* Not proposed after all: forget it and let the callers retry. */
			mon_osdmon_reset(d->osdmon);
			mon_commands_fail_all(d, -EAGAIN);
		}
		mon_drive(d, 0);
	}
	buf_fini(&v);
	ev_timer_start(loop, t, d->propose_interval_ns, propose_timer_cb);
}

/*
 * Periodic service work: down OSDs become out after the interval (leader);
 * PG reports of removed OSDs are forgotten (every monitor).
 */
static void svc_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct mon_daemon *d = t->data;
	if (!d->stopping && d->leader == d->rank)
		mon_osdmon_tick(d->osdmon, clk_mono_ns());
	if (!d->stopping)
		mon_pgstats_prune(d->pgstats, mon_osdmon_map(d->osdmon));
	ev_timer_start(loop, t, cfg_dur_ns(d->cfg, CFG_mon_tick_interval), svc_timer_cb);
}

/* ---- messages ------------------------------------------------------------------ */

/*
 * Monitors talk over lossless sessions opened at start-up.  A session
 * that closed for good (it cannot with the lossless policy today, but the
 * messenger may expire one) is reopened on the next send.
 */
int mon_send_to_rank(struct mon_daemon *d, int rank, struct msg *m)
{
	if (rank < 0 || rank >= (int)d->monmap.n || rank == d->rank)
		return -EINVAL;
	if (!d->peers[rank] || msg_conn_is_closed(d->peers[rank])) {
		msg_conn_put(d->peers[rank]);
		d->peers[rank] = NULL;
		int rc = msg_connect(d->ms, &d->monmap.mons[rank].addr, MSG_POLICY_LOSSLESS,
				     &d->peers[rank]);
		if (rc)
			return rc;
	}
	return msg_send(d->peers[rank], m);
}

/* A message posted from a messenger thread to the service loop. */
struct posted {
	struct mon_daemon *d;
	struct msg_conn *conn;
	struct msg *m;
};

static void handle_paxos(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_mon_paxos *b = msg_body(m);
	struct ent_name peer;
	/* Only a monitor of our map may speak for its rank. */
	if (b->from < 0 || b->from >= (int)d->monmap.n || b->to != d->rank ||
	    !msg_conn_peer_name(conn, &peer) || peer.type != ENT_TYPE_MON ||
	    strcmp(peer.id, d->monmap.mons[b->from].name) != 0) {
		log_warn(LOG_MON, "mon.%s: dropping a paxos message with bad sender/recipient",
			 d->name.id);
		return;
	}
	log_dbg(LOG_MON, 20, "mon.%s: paxos %s from %d (lc %llu fc %llu version %llu)", d->name.id,
		mon_msg_type_name(b->op), b->from, (unsigned long long)b->lc,
		(unsigned long long)b->fc, (unsigned long long)b->version);
	struct buflist *data = msg_data(m);
	uint8_t *value = NULL;
	if (buflist_length(data) && buflist_contiguous(data, &value) != 0)
		return;
	struct mon_msg mm = {b->op,	  b->flags, b->from, b->to, b->epoch, b->quorum,
			     b->pn,	  b->version, b->unc_pn, b->lc, b->fc,
			     b->lease_expiry, b->round, value, buflist_length(data)};
	mon_drive(d, mon_core_receive(d->core, mon_now(), &mm, &d->out));
}

static void dispatch_posted(void *arg)
{
	struct posted *p = arg;
	struct mon_daemon *d = p->d;
	if (!d->stopping) {
		switch (msg_type(p->m)) {
		case MSG_MON_PAXOS:
			handle_paxos(d, p->conn, p->m);
			break;
		case MSG_MON_COMMAND:
			mon_handle_command(d, p->conn, p->m);
			break;
		case MSG_MON_COMMAND_REPLY:
			mon_handle_command_reply(d, p->conn, p->m);
			break;
		case MSG_MON_SUBSCRIBE:
			mon_handle_subscribe(d, p->conn, p->m);
			break;
		case MSG_OSD_BOOT:
			mon_handle_osd_boot(d, p->conn, p->m);
			break;
		case MSG_OSD_FAILURE:
			mon_handle_osd_failure(d, p->conn, p->m);
			break;
		case MSG_PG_STATS:
			mon_handle_pg_stats(d, p->conn, p->m);
			break;
		case MSG_MON_SYNC_REQ:
			mon_handle_sync_req(d, p->conn, p->m);
			break;
		case MSG_MON_SYNC_CHUNK:
			mon_handle_sync_chunk(d, p->conn, p->m);
			break;
		default:
			break;
		}
	}
	msg_put(p->m);
	msg_conn_put(p->conn);
	free(p);
}

/* Messenger thread: hand the message to the service loop. */
static void on_message(void *arg, struct msg_conn *conn, struct msg *m)
{
	struct mon_daemon *d = arg;
	struct posted *p = malloc(sizeof(*p));
	if (!p) {
		msg_put(m);
		return;
	}
	p->d = d;
	p->conn = msg_conn_get(conn);
	p->m = m;
	if (ev_loop_call(d->loop, dispatch_posted, p) != 0) {
		msg_conn_put(conn);
		msg_put(m);
		free(p);
	}
}

static void conn_closed_posted(void *arg)
{
	struct posted *p = arg;
	mon_subs_drop_conn(p->d, p->conn);
	msg_conn_put(p->conn);
	free(p);
}

static void on_closed(void *arg, struct msg_conn *conn)
{
	struct mon_daemon *d = arg;
	struct posted *p = malloc(sizeof(*p));
	if (!p)
		return;
	*p = (struct posted){d, msg_conn_get(conn), NULL};
	if (ev_loop_call(d->loop, conn_closed_posted, p) != 0) {
		msg_conn_put(conn);
		free(p);
	}
}

static int start_messenger(struct mon_daemon *d, char *err, size_t errlen)
{
	int rc = msg_messenger_create(d->cfg, &d->name, &d->ms);
	if (rc) {
		set_err(err, errlen, "cannot create the messenger: %s", strerror(-rc));
		return rc;
	}
	static const uint16_t types[] = {MSG_MON_PAXOS,	    MSG_MON_COMMAND,  MSG_MON_COMMAND_REPLY,
					 MSG_MON_SUBSCRIBE, MSG_OSD_BOOT,     MSG_OSD_FAILURE,
					 MSG_MON_SYNC_REQ,  MSG_MON_SYNC_CHUNK, MSG_PG_STATS};
	for (size_t i = 0; i < ARRAY_SIZE(types) && !rc; i++)
		rc = msg_register(d->ms, types[i], on_message, d, MSG_DISPATCH_LOOP);
	struct msg_conn_ops ops = {.closed = on_closed};
	msg_set_conn_ops(d->ms, &ops, d);
	if (!rc)
		rc = msg_bind(d->ms, &d->monmap.mons[d->rank].addr);
	if (rc) {
		char a[NET_ADDR_STRLEN];
		addr_format(&d->monmap.mons[d->rank].addr, a, sizeof(a));
		set_err(err, errlen, "cannot listen on %s: %s", a, strerror(-rc));
		return rc;
	}
	rc = msg_start(d->ms);
	if (rc) {
		set_err(err, errlen, "cannot start the messenger: %s", strerror(-rc));
		return rc;
	}
	for (uint32_t r = 0; r < d->monmap.n && !rc; r++)
		if ((int)r != d->rank)
			rc = msg_connect(d->ms, &d->monmap.mons[r].addr, MSG_POLICY_LOSSLESS,
					 &d->peers[r]);
	if (rc)
		set_err(err, errlen, "cannot connect to peers: %s", strerror(-rc));
	return rc;
}

/* ---- start-up ------------------------------------------------------------------- */

static int load_monmap(struct mon_daemon *d, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	int rc = mon_store_get(d->store, "mkfs", "monmap", 6, &b);
	if (!rc) {
		char why[128];
		rc = monmap_decode(b.data, b.len, &d->monmap, why, sizeof(why));
		if (rc)
			set_err(err, errlen, "the store's monmap is corrupt: %s", why);
	} else {
		set_err(err, errlen, "the store has no monmap: %s", strerror(-rc));
	}
	buf_fini(&b);
	if (rc)
		return rc;
	d->rank = monmap_rank_by_name(&d->monmap, d->name.id);
	if (d->rank < 0) {
		set_err(err, errlen, "mon.%s is not in the store's monmap", d->name.id);
		return -EINVAL;
	}
	return 0;
}

struct inc_replay {
	struct osdmap *m;
	uint32_t last;
	int rc;
};

static int replay_inc(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct inc_replay *r = arg;
	uint64_t e;
	struct osdmap_inc inc;
	struct osdmap *n;
	char err[128];
	if (mon_store_u64_key_parse(key, klen, &e) != 0 || e != osdmap_epoch(r->m) + 1)
		return 1; /* a gap: stop at what is contiguous */
	r->rc = osdmap_inc_decode(val, vlen, &inc, err, sizeof(err));
	if (!r->rc) {
		r->rc = osdmap_apply(r->m, &inc, &n, err, sizeof(err));
		osdmap_inc_fini(&inc);
	}
	if (r->rc) {
		log_err(LOG_MON, "stored osdmap incremental %llu is unusable: %s",
			(unsigned long long)e, err);
		return -EIO;
	}
	osdmap_destroy(r->m);
	r->m = n;
	return 0;
}

/* The committed osdmap from the store: the newest full map plus the incrementals after it. */
static int load_osdmap(struct mon_daemon *d, struct osdmap **out, char *err, size_t errlen)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	struct osdmap *m = NULL;
	int rc = mon_store_last_key(d->store, MON_KEY_OSDMAP_FULL, &key);
	if (rc == -ENOENT) {
		m = osdmap_create(d->fsid, NULL);
		rc = m ? 0 : -ENOMEM;
	} else if (!rc) {
		rc = mon_store_get(d->store, MON_KEY_OSDMAP_FULL, key.data, key.len, &val);
		char why[128] = "";
		if (!rc)
			rc = osdmap_decode(val.data, val.len, &m, why, sizeof(why));
		if (rc)
			set_err(err, errlen, "stored full osdmap unusable: %s %s", strerror(-rc), why);
	}
	if (!rc) {
		struct inc_replay r = {m, 0, 0};
		uint8_t start[MON_STORE_U64_KEY_LEN];
		mon_store_u64_key(osdmap_epoch(m) + 1, start);
		rc = mon_store_iterate(d->store, MON_KEY_OSDMAP_INC, start, sizeof(start), replay_inc,
				       &r);
		m = r.m;
		if (rc > 0)
			rc = 0;
		if (rc)
			set_err(err, errlen, "cannot replay osdmap incrementals: %s", strerror(-rc));
	}
	buf_fini(&key);
	buf_fini(&val);
	if (rc) {
		osdmap_destroy(m);
		return rc;
	}
	*out = m;
	return 0;
}

int mon_load_services(struct mon_daemon *d, const struct mon_durable *dur, char *err,
		      size_t errlen)
{
	struct buf b = BUF_INIT;
	int rc = mon_store_get(d->store, MON_KEY_SVC, "applied", 7, &b);
	d->applied = rc == 0 && b.len == 8 ? enc_get_be64(b.data) : 0;
	buf_fini(&b);
	struct osdmap *m;
	rc = load_osdmap(d, &m, err, errlen);
	if (rc)
		return rc;
	struct mon_osdmon_opts o = {
		.min_down_reporters = (uint32_t)cfg_int(d->cfg, CFG_mon_osd_min_down_reporters),
		.down_out_interval_ns = cfg_dur_ns(d->cfg, CFG_mon_osd_down_out_interval),
		.auto_mark_new_in = cfg_bool(d->cfg, CFG_mon_osd_auto_mark_new_in),
		.default_size = (uint32_t)cfg_int(d->cfg, CFG_osd_pool_default_size),
		.default_min_size = (uint32_t)cfg_int(d->cfg, CFG_osd_pool_default_min_size),
		.default_pg_num = (uint32_t)cfg_int(d->cfg, CFG_osd_pool_default_pg_num),
	};
	rc = mon_osdmon_create(&o, m, &d->osdmon);
	if (rc) {
		osdmap_destroy(m);
		return rc;
	}
	/* Committed versions whose effects were not stored yet (see apply_commit). */
	if (dur->lc > d->applied && d->applied + 1 < dur->fc) {
		set_err(err, errlen, "the store applied version %llu but keeps only %llu..%llu",
			(unsigned long long)d->applied, (unsigned long long)dur->fc,
			(unsigned long long)dur->lc);
		return -EIO;
	}
	struct mon_store_tx *tx = mon_store_tx_create();
	if (!tx)
		return -ENOMEM;
	for (uint64_t v = d->applied + 1; v <= dur->lc && !rc; v++) {
		const struct mon_value *val = &dur->log[v - dur->fc];
		rc = apply_commit(d, v, val->data, val->len, tx);
	}
	if (!rc && !mon_store_tx_empty(tx))
		rc = mon_store_apply(d->store, NULL, 0, tx);
	mon_store_tx_destroy(tx);
	if (rc)
		set_err(err, errlen, "cannot replay committed versions: %s", strerror(-rc));
	return rc;
}

static int start_core(struct mon_daemon *d, char *err, size_t errlen)
{
	struct mon_durable dur;
	mon_durable_init(&dur);
	int rc = mon_store_load(d->store, &dur);
	if (rc) {
		set_err(err, errlen, "cannot load the consensus state: %s", strerror(-rc));
		return rc;
	}
	rc = mon_load_services(d, &dur, err, errlen);
	if (!rc) {
		struct mon_config mc;
		mon_config_default(&mc, d->rank, (int)d->monmap.n);
		mc.trim_max = (uint64_t)cfg_int(d->cfg, CFG_paxos_max_log);
		mc.trim_keep = (uint64_t)cfg_int(d->cfg, CFG_paxos_min);
		if (mc.trim_keep >= mc.trim_max)
			mc.trim_keep = mc.trim_max / 2;
		for (uint32_t r = 0; r < d->monmap.n; r++)
			mc.weight[r] = d->monmap.mons[r].weight;
		rc = mon_core_create(&mc, &dur, mon_now(), &d->out, &d->core);
		if (rc)
			set_err(err, errlen, "cannot start the consensus core: %s", strerror(-rc));
	}
	mon_durable_fini(&dur);
	return rc;
}

static void on_signal_stop(void *arg)
{
	mon_daemon_stop(arg);
}

static int open_store(struct mon_daemon *d, char *err, size_t errlen)
{
	uint8_t want[16];
	char *fs = cfg_str(d->cfg, CFG_fsid);
	bool have_fsid = fs && *fs && uuid_parse(fs, want) == 0;
	free(fs);
	int rc = mon_store_open(d->data_dir, have_fsid ? want : NULL, d->name.id, &d->store);
	if (rc) {
		set_err(err, errlen, "cannot open the monitor store in %s: %s", d->data_dir,
			rc == -ENOENT ? "no store there (run cairn-mon --mkfs first)" : strerror(-rc));
		return rc;
	}
	mon_store_fsid(d->store, d->fsid);
	return 0;
}

int mon_daemon_init(struct cfg *c, struct mon_daemon **out, char *err, size_t errlen)
{
	struct mon_daemon *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = c;
	d->leader = -1;
	cfg_get_entity(c, &d->name);
	mon_out_init(&d->out);
	ev_timer_init(&d->core_timer);
	ev_timer_init(&d->propose_timer);
	ev_timer_init(&d->svc_timer);
	d->core_timer.data = d->propose_timer.data = d->svc_timer.data = d;
	d->propose_interval_ns = cfg_dur_ns(c, CFG_paxos_propose_interval);
	static const char *const perf_names[MON_PERF__COUNT] = {
		"commits",  "osdmap_epoch", "elections",    "is_leader", "commands",
		"forwarded", "store_writes", "store_write_us", "maps_sent"};
	d->perf = perf_group_create("mon", perf_names, MON_PERF__COUNT);
	int rc = -ENOMEM;
	d->data_dir = cfg_str(c, CFG_mon_data);
	if (!d->data_dir)
		goto out_fini;
	rc = ev_loop_create(&d->loop);
	if (!rc)
		rc = daemon_signals_start(d->loop, c, on_signal_stop, d, &d->signals);
	if (rc) {
		set_err(err, errlen, "cannot set up the event loop: %s", strerror(-rc));
		goto out_fini;
	}
	if ((rc = open_store(d, err, errlen)) || (rc = load_monmap(d, err, errlen)))
		goto out_fini;
	rc = wq_pool_create("mon-store", 1, &d->io);
	if (!rc)
		rc = wq_pool_create("mon-sync", 1, &d->sync_pool);
	if (rc) {
		set_err(err, errlen, "cannot start the store worker: %s", strerror(-rc));
		goto out_fini;
	}
	rc = mon_pgstats_create(cfg_dur_ns(c, CFG_mon_pg_stats_stale_after), &d->pgstats);
	if (rc) {
		set_err(err, errlen, "out of memory");
		goto out_fini;
	}
	if ((rc = start_core(d, err, errlen)) || (rc = start_messenger(d, err, errlen)))
		goto out_fini;
	rc = mon_register_asok(d);
	if (rc) {
		set_err(err, errlen, "cannot open the admin socket: %s", strerror(-rc));
		goto out_fini;
	}
	*out = d;
	return 0;

out_fini:
	mon_daemon_fini(d);
	return rc;
}

int mon_daemon_run(struct mon_daemon *d)
{
	char a[NET_ADDR_STRLEN];
	addr_format(&d->monmap.mons[d->rank].addr, a, sizeof(a));
	log_info(LOG_MON, "mon.%s (rank %d of %u) serving on %s", d->name.id, d->rank,
		 d->monmap.n, a);
	mon_drive(d, 0); /* the core's first election messages */
	ev_timer_start(d->loop, &d->propose_timer, d->propose_interval_ns, propose_timer_cb);
	ev_timer_start(d->loop, &d->svc_timer, cfg_dur_ns(d->cfg, CFG_mon_tick_interval),
		       svc_timer_cb);
	int rc = ev_loop_run(d->loop);
	return d->store_failed ? -EIO : rc;
}

static void stop_cb(void *arg)
{
	struct mon_daemon *d = arg;
	d->stopping = true;
	ev_loop_stop(d->loop);
}

void mon_daemon_stop(struct mon_daemon *d)
{
	ev_loop_call(d->loop, stop_cb, d);
}

void mon_daemon_fini(struct mon_daemon *d)
{
	if (!d)
		return;
	d->stopping = true;
	if (d->ms)
		msg_stop(d->ms);
	/* Writes already queued finish (their completions run at loop destroy). */
	wq_pool_destroy(d->sync_pool, WQ_CANCEL);
	wq_pool_destroy(d->io, WQ_DRAIN);
	mon_sync_fini(d);
	if (d->loop) {
		ev_timer_stop(d->loop, &d->core_timer);
		ev_timer_stop(d->loop, &d->propose_timer);
		ev_timer_stop(d->loop, &d->svc_timer);
	}
	mon_commands_fail_all(d, -ESHUTDOWN);
	mon_subs_fini(d);
	for (uint32_t r = 0; r < MONMAP_MAX_MONS; r++)
		msg_conn_put(d->peers[r]);
	asok_destroy(d->asok);
	daemon_signals_stop(d->signals);
	ev_loop_destroy(d->loop);
	msg_messenger_destroy(d->ms);
	mon_core_destroy(d->core);
	mon_out_fini(&d->out);
	mon_osdmon_destroy(d->osdmon);
	mon_pgstats_destroy(d->pgstats);
	mon_cache_fini(d);
	mon_store_close(d->store);
	perf_group_destroy(d->perf);
	free(d->data_dir);
	free(d);
}
