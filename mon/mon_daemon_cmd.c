/*
 * mon_daemon_cmd.c - cairn-mon: commands, OSD boots and failure reports,
 * forwarding from peons to the leader, waiters, the admin socket.
 * Service loop only.
 */
#include "mon_daemon_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clk.h"
#include "common/log.h"
#include "common/uuid.h"

bool mon_readable(struct mon_daemon *d)
{
	return d->core && mon_core_is_readable(d->core, mon_now());
}

/* Send a command reply (takes the reply's buffers' contents). */
static void send_reply(struct msg_conn *conn, uint64_t tid, struct mon_reply *r)
{
	struct msg *m = msg_create(MSG_MON_COMMAND_REPLY);
	if (!m)
		return;
	struct msg_mon_command_reply *b = msg_body(m);
	b->tid = tid;
	b->result = r->rc;
	b->status = strdup(buf_cstr(&r->status) ? buf_cstr(&r->status) : "");
	if (!b->status || (r->out.len && buflist_append_copy(msg_data(m), r->out.data, r->out.len))) {
		msg_put(m);
		return;
	}
	if (msg_send(conn, m) != 0)
		msg_put(m);
}

static void reply_now(struct msg_conn *conn, uint64_t tid, int rc, const char *status)
{
	struct mon_reply r;
	mon_reply_init(&r);
	r.rc = rc;
	buf_append_str(&r.status, status);
	send_reply(conn, tid, &r);
	mon_reply_fini(&r);
}

/* ---- waiters and forwards ---------------------------------------------------------- */

/*
 * Epoch @epoch committed.  Waiters for it succeed when the committed
 * change is the one we proposed (@ours); otherwise their change was
 * dropped with a previous term and they are told to retry.  Waiters for
 * older epochs can no longer be satisfied either.
 */
void mon_commands_committed(struct mon_daemon *d, uint32_t epoch, bool ours)
{
	struct mon_waiter **pp = &d->waiters;
	while (*pp) {
		struct mon_waiter *w = *pp;
		if (w->epoch > epoch) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		if (w->epoch == epoch && ours) {
			send_reply(w->conn, w->tid, &w->reply);
		} else {
			mon_reply_fini(&w->reply);
			mon_reply_init(&w->reply);
			w->reply.rc = -EAGAIN;
			buf_append_str(&w->reply.status, "the change was superseded; retry");
			send_reply(w->conn, w->tid, &w->reply);
		}
		mon_reply_fini(&w->reply);
		msg_conn_put(w->conn);
		free(w);
	}
}

void mon_commands_fail_forwarded(struct mon_daemon *d, int rc)
{
	while (d->fwds) {
		struct mon_fwd *f = d->fwds;
		d->fwds = f->next;
		reply_now(f->client, f->client_tid, rc, "the leader changed; retry");
		msg_conn_put(f->client);
		free(f);
	}
}

void mon_commands_fail_all(struct mon_daemon *d, int rc)
{
	while (d->waiters) {
		struct mon_waiter *w = d->waiters;
		d->waiters = w->next;
		reply_now(w->conn, w->tid, rc, "the leader changed before the change committed; retry");
		mon_reply_fini(&w->reply);
		msg_conn_put(w->conn);
		free(w);
	}
	mon_commands_fail_forwarded(d, rc);
}

static int add_waiter(struct mon_daemon *d, struct msg_conn *conn, uint64_t tid,
		      struct mon_reply *r)
{
	struct mon_waiter *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->epoch = mon_osdmon_pending_epoch(d->osdmon);
	w->conn = msg_conn_get(conn);
	w->tid = tid;
	w->reply = *r; /* takes the buffers */
	mon_reply_init(r);
	w->next = d->waiters;
	d->waiters = w;
	return 0;
}

/* Peon: send a write command to the leader and remember whom to answer. */
static int forward(struct mon_daemon *d, struct msg_conn *client, struct msg *m)
{
	if (d->leader < 0 || d->leader == d->rank)
		return -EAGAIN;
	const struct msg_mon_command *b = msg_body(m);
	struct msg *f = msg_create(MSG_MON_COMMAND);
	struct mon_fwd *fw = calloc(1, sizeof(*fw));
	if (!f || !fw) {
		msg_put(f);
		free(fw);
		return -ENOMEM;
	}
	struct msg_mon_command *fb = msg_body(f);
	uint64_t tid = ++d->next_fwd_tid;
	fb->tid = tid;
	fb->cmd = strdup(b->cmd ? b->cmd : "");
	/* Once sent, @f belongs to the messenger: nothing of it is read after. */
	if (!fb->cmd || buflist_append_list(msg_data(f), msg_data(m)) != 0 ||
	    mon_send_to_rank(d, d->leader, f) != 0) {
		msg_put(f);
		free(fw);
		return -EAGAIN;
	}
	perf_inc(d->perf, MON_PERF_FORWARDED, 1);
	fw->fwd_tid = tid;
	fw->client = msg_conn_get(client);
	fw->client_tid = b->tid;
	fw->sent_ms = (uint64_t)mon_now();
	fw->next = d->fwds;
	d->fwds = fw;
	return 0;
}

void mon_handle_command_reply(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_mon_command_reply *b = msg_body(m);
	for (struct mon_fwd **pp = &d->fwds; *pp; pp = &(*pp)->next) {
		struct mon_fwd *f = *pp;
		if (f->fwd_tid != b->tid)
			continue;
		*pp = f->next;
		struct msg *r = msg_create(MSG_MON_COMMAND_REPLY);
		if (r) {
			struct msg_mon_command_reply *rb = msg_body(r);
			rb->tid = f->client_tid;
			rb->result = b->result;
			rb->status = strdup(b->status ? b->status : "");
			if (!rb->status || buflist_append_list(msg_data(r), msg_data(m)) != 0 ||
			    msg_send(f->client, r) != 0)
				msg_put(r);
		}
		msg_conn_put(f->client);
		free(f);
		return;
	}
}

/* ---- monitor commands ------------------------------------------------------------- */

static bool want_json(const struct json_val *cmd, bool *pretty)
{
	const char *f;
	bool json = json_get_str(cmd, "format", &f) == 0 &&
		    (strcmp(f, "json") == 0 || strcmp(f, "json-pretty") == 0);
	*pretty = json && strcmp(f, "json-pretty") == 0;
	return json;
}

static void quorum_names(struct mon_daemon *d, struct buf *out, const char *sep)
{
	bool first = true;
	for (uint32_t r = 0; r < d->monmap.n; r++) {
		if (!(d->quorum & (1u << r)))
			continue;
		buf_printf(out, "%s%s", first ? "" : sep, d->monmap.mons[r].name);
		first = false;
	}
}

static void monmap_json(struct mon_daemon *d, struct json_w *w)
{
	char fs[UUID_STRLEN];
	uuid_format(d->fsid, fs);
	json_w_obj_begin(w);
	json_w_kv_uint(w, "epoch", d->monmap.epoch);
	json_w_kv_str(w, "fsid", fs);
	json_w_key(w, "mons");
	json_w_arr_begin(w);
	for (uint32_t r = 0; r < d->monmap.n; r++) {
		char a[NET_ADDR_STRLEN];
		addr_format(&d->monmap.mons[r].addr, a, sizeof(a));
		json_w_obj_begin(w);
		json_w_kv_uint(w, "rank", r);
		json_w_kv_str(w, "name", d->monmap.mons[r].name);
		json_w_kv_str(w, "addr", a);
		json_w_kv_str(w, "public_addr", a);
		json_w_kv_uint(w, "weight", d->monmap.mons[r].weight);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
	json_w_obj_end(w);
}

static void quorum_json(struct mon_daemon *d, struct json_w *w)
{
	json_w_kv_uint(w, "election_epoch", d->election_epoch);
	json_w_key(w, "quorum");
	json_w_arr_begin(w);
	for (uint32_t r = 0; r < d->monmap.n; r++)
		if (d->quorum & (1u << r))
			json_w_int(w, r);
	json_w_arr_end(w);
	json_w_key(w, "quorum_names");
	json_w_arr_begin(w);
	for (uint32_t r = 0; r < d->monmap.n; r++)
		if (d->quorum & (1u << r))
			json_w_str(w, d->monmap.mons[r].name);
	json_w_arr_end(w);
	json_w_kv_str(w, "quorum_leader_name",
		      d->leader >= 0 ? d->monmap.mons[d->leader].name : "");
}

/* ---- health and status -------------------------------------------------------------- */

#define MAX_CHECKS 12

/*
 * Health checks (Ceph's codes and summaries) into @c, MAX_CHECKS at most:
 * monitors out of quorum, OSDs down or out, cluster flags, and the PG
 * checks of @pgs.  No check is HEALTH_OK.
 */
static int health(struct mon_daemon *d, const struct mon_pgstats_summary *pgs,
		  struct mon_pgstats_check *c)
{
	int n = 0;
	const struct osdmap *m = mon_osdmon_map(d->osdmon);
	int down_mons = (int)d->monmap.n - __builtin_popcount(d->quorum);
	if (down_mons > 0)
		n = mon_pgstats_check_add(c, n, MAX_CHECKS, "MON_DOWN", (uint64_t)down_mons,
					  "%d/%u mons down", down_mons, d->monmap.n);
	int down = 0, out = 0, total = 0;
	for (int32_t i = 0; i < osdmap_max_osd(m); i++) {
		if (!osdmap_osd(m, i)->exists)
			continue;
		total++;
		down += !osdmap_is_up(m, i);
		out += osdmap_is_up(m, i) && !osdmap_is_in(m, i);
	}
	if (down)
		n = mon_pgstats_check_add(c, n, MAX_CHECKS, "OSD_DOWN", (uint64_t)down,
					  "%d osds down", down);
	if (out)
		n = mon_pgstats_check_add(c, n, MAX_CHECKS, "OSD_OUT", (uint64_t)out,
					  "%d osds up but out", out);
	uint32_t flags = osdmap_flags(m);
	if (flags) {
		struct buf f = BUF_INIT;
		osdmap_flags_format(flags, &f);
		n = mon_pgstats_check_add(c, n, MAX_CHECKS, "OSDMAP_FLAGS", 1, "%s flag(s) set",
					  buf_cstr(&f));
		buf_fini(&f);
	}
	if (total == 0)
		n = mon_pgstats_check_add(c, n, MAX_CHECKS, "OSD_NONE", 0, "no osds");
	return n + mon_pgstats_health(pgs, c + n, MAX_CHECKS - n);
}

/* Ceph's "checks" object: {"CODE": {"severity", "summary": {"message", "count"}, "muted"}}. */
static void checks_json(struct json_w *w, const struct mon_pgstats_check *c, int n)
{
	json_w_key(w, "checks");
	json_w_obj_begin(w);
	for (int i = 0; i < n; i++) {
		json_w_key(w, c[i].code);
		json_w_obj_begin(w);
		json_w_kv_str(w, "severity", "HEALTH_WARN");
		json_w_key(w, "summary");
		json_w_obj_begin(w);
		json_w_kv_str(w, "message", c[i].summary);
		json_w_kv_uint(w, "count", c[i].count);
		json_w_obj_end(w);
		json_w_kv_bool(w, "muted", false);
		json_w_obj_end(w);
	}
	json_w_obj_end(w);
	json_w_key(w, "mutes");
	json_w_arr_begin(w);
	json_w_arr_end(w);
}

static int summarize(struct mon_daemon *d, struct mon_pgstats_summary *s, struct mon_reply *r)
{
	int rc = mon_pgstats_summarize(d->pgstats, mon_osdmon_map(d->osdmon), clk_mono_ns(), s);
	if (rc) {
		r->rc = rc;
		buf_printf(&r->status, "cannot summarize the PG states: %s", strerror(-rc));
	}
	return rc;
}

static void cmd_health(struct mon_daemon *d, const struct json_val *cmd, struct mon_reply *r)
{
	struct mon_pgstats_summary pgs;
	struct mon_pgstats_check c[MAX_CHECKS];
	if (summarize(d, &pgs, r))
		return;
	int n = health(d, &pgs, c);
	mon_pgstats_summary_fini(&pgs);
	const char *st = n == 0 ? "HEALTH_OK" : "HEALTH_WARN";
	bool pretty;
	if (want_json(cmd, &pretty)) {
		struct json_w w;
		json_w_init(&w, &r->out, pretty);
		json_w_obj_begin(&w);
		json_w_kv_str(&w, "status", st);
		checks_json(&w, c, n);
		json_w_obj_end(&w);
		return;
	}
	buf_printf(&r->out, "%s", st);
	for (int i = 0; i < n; i++)
		buf_printf(&r->out, "%s%s", i ? "; " : " ", c[i].summary);
	buf_printf(&r->out, "\n");
}

static void cmd_status(struct mon_daemon *d, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = mon_osdmon_map(d->osdmon);
	int n = 0, up = 0, in = 0;
	for (int32_t i = 0; i < osdmap_max_osd(m); i++) {
		if (!osdmap_osd(m, i)->exists)
			continue;
		n++;
		up += osdmap_is_up(m, i);
		in += osdmap_is_in(m, i);
	}
	struct mon_pgstats_summary pgs;
	struct mon_pgstats_check c[MAX_CHECKS];
	char fs[UUID_STRLEN];
	if (summarize(d, &pgs, r))
		return;
	int nh = health(d, &pgs, c);
	uuid_format(d->fsid, fs);
	bool pretty;
	if (want_json(cmd, &pretty)) {
		struct json_w w;
		json_w_init(&w, &r->out, pretty);
		json_w_obj_begin(&w);
		json_w_kv_str(&w, "fsid", fs);
		json_w_key(&w, "health");
		json_w_obj_begin(&w);
		json_w_kv_str(&w, "status", nh ? "HEALTH_WARN" : "HEALTH_OK");
		checks_json(&w, c, nh);
		json_w_obj_end(&w);
		quorum_json(d, &w);
		json_w_key(&w, "monmap");
		monmap_json(d, &w);
		json_w_key(&w, "osdmap");
		json_w_obj_begin(&w);
		json_w_kv_uint(&w, "epoch", osdmap_epoch(m));
		json_w_kv_int(&w, "num_osds", n);
		json_w_kv_int(&w, "num_up_osds", up);
		json_w_kv_int(&w, "num_in_osds", in);
		json_w_kv_uint(&w, "num_remapped_pgs", pgs.remapped);
		json_w_obj_end(&w);
		json_w_key(&w, "pgmap");
		json_w_obj_begin(&w);
		mon_pgstats_summary_json(&pgs, &w);
		json_w_obj_end(&w);
		json_w_obj_end(&w);
		mon_pgstats_summary_fini(&pgs);
		return;
	}
	struct buf q = BUF_INIT;
	quorum_names(d, &q, ",");
	buf_printf(&r->out, "  cluster:\n    id:     %s\n    health: %s\n", fs,
		   nh ? "HEALTH_WARN" : "HEALTH_OK");
	for (int i = 0; i < nh; i++)
		buf_printf(&r->out, "            %s\n", c[i].summary);
	buf_printf(&r->out, "\n  services:\n    mon: %u daemons, quorum %s (leader %s)\n", d->monmap.n,
		   q.len ? buf_cstr(&q) : "-",
		   d->leader >= 0 ? d->monmap.mons[d->leader].name : "-");
	buf_printf(&r->out, "    osd: %d osds: %d up, %d in; epoch e%u\n\n", n, up, in,
		   osdmap_epoch(m));
	mon_pgstats_summary_text(&pgs, &r->out);
	mon_pgstats_summary_fini(&pgs);
	buf_fini(&q);
}

static void cmd_mon(struct mon_daemon *d, const char *prefix, const struct json_val *cmd,
		    struct mon_reply *r)
{
	bool pretty;
	bool json = want_json(cmd, &pretty);
	struct json_w w;
	if (strcmp(prefix, "mon dump") == 0) {
		buf_printf(&r->status, "dumped monmap epoch %u", d->monmap.epoch);
		if (json) {
			json_w_init(&w, &r->out, pretty);
			monmap_json(d, &w);
			return;
		}
		char fs[UUID_STRLEN];
		uuid_format(d->fsid, fs);
		buf_printf(&r->out, "epoch %u\nfsid %s\n", d->monmap.epoch, fs);
		for (uint32_t i = 0; i < d->monmap.n; i++) {
			char a[NET_ADDR_STRLEN];
			addr_format(&d->monmap.mons[i].addr, a, sizeof(a));
			buf_printf(&r->out, "%u: %s mon.%s\n", i, a, d->monmap.mons[i].name);
		}
		return;
	}
	if (strcmp(prefix, "quorum_status") == 0 || json) {
		json_w_init(&w, &r->out, pretty);
		json_w_obj_begin(&w);
		quorum_json(d, &w);
		json_w_key(&w, "monmap");
		monmap_json(d, &w);
		json_w_obj_end(&w);
		return;
	}
	/* mon stat */
	struct buf q = BUF_INIT;
	buf_printf(&r->out, "e%u: %u mons at {", d->monmap.epoch, d->monmap.n);
	for (uint32_t i = 0; i < d->monmap.n; i++) {
		char a[NET_ADDR_STRLEN];
		addr_format(&d->monmap.mons[i].addr, a, sizeof(a));
		buf_printf(&r->out, "%s%s=%s", i ? "," : "", d->monmap.mons[i].name, a);
	}
	quorum_names(d, &q, ",");
	buf_printf(&r->out, "}, election epoch %" PRIu64 ", leader %d %s, quorum %s\n",
		   d->election_epoch, d->leader,
		   d->leader >= 0 ? d->monmap.mons[d->leader].name : "-", buf_cstr(&q) ? buf_cstr(&q) : "");
	buf_fini(&q);
}

static const char *const mon_prefixes[] = {"status", "health", "mon stat", "mon dump",
					   "quorum_status"};

static bool is_mon_prefix(const char *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(mon_prefixes); i++)
		if (strcmp(mon_prefixes[i], p) == 0)
			return true;
	return false;
}

static int asok_status(void *arg, const struct json_val *cmd, struct json_w *w, struct buf *err);

void mon_handle_command(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_mon_command *b = msg_body(m);
	struct json_val *cmd = NULL;
	char err[160];
	const char *prefix = NULL;
	struct mon_reply r;
	mon_reply_init(&r);
	const char *text = b->cmd ? b->cmd : "";
	perf_inc(d->perf, MON_PERF_COMMANDS, 1);
	if (json_parse(text, strlen(text), &cmd, err, sizeof(err)) != 0 ||
	    json_type(cmd) != JSON_OBJECT || json_get_str(cmd, "prefix", &prefix) != 0) {
		r.rc = -EINVAL;
		buf_printf(&r.status, "bad command: %s", cmd ? "no \"prefix\"" : err);
		goto out_reply;
	}
	if (strcmp(prefix, "mon_status") == 0) {
		/* About this monitor itself: answered in or out of quorum (rados_ping_monitor). */
		struct json_w w;
		json_w_init(&w, &r.out, false);
		asok_status(d, cmd, &w, &r.status);
		goto out_reply;
	}
	bool is_write = mon_osdmon_is_write(prefix);
	if (!is_write && !mon_readable(d)) {
		/* No valid lease: our copy may be stale.  The client tries another monitor. */
		r.rc = -EAGAIN;
		buf_printf(&r.status, "mon.%s is not in quorum", d->name.id);
		goto out_reply;
	}
	if (mon_pgstats_handles(prefix)) {
		mon_pgstats_command(d->pgstats, mon_osdmon_map(d->osdmon), cmd, clk_mono_ns(), &r);
		goto out_reply;
	}
	if ((strcmp(prefix, "osd pool delete") == 0 || strcmp(prefix, "osd pool rm") == 0) &&
	    !cfg_bool(d->cfg, CFG_mon_allow_pool_delete)) {
		r.rc = -EPERM;
		buf_printf(&r.status, "pool deletion is disabled; you must first set the "
				      "mon_allow_pool_delete config option to true before you can "
				      "destroy a pool");
		goto out_reply;
	}
	if (is_mon_prefix(prefix)) {
		if (strcmp(prefix, "status") == 0)
			cmd_status(d, cmd, &r);
		else if (strcmp(prefix, "health") == 0)
			cmd_health(d, cmd, &r);
		else
			cmd_mon(d, prefix, cmd, &r);
		goto out_reply;
	}
	if (!mon_osdmon_handles(prefix)) {
		r.rc = -EINVAL;
		buf_printf(&r.status, "command not known"); /* Ceph's exact words */
		goto out_reply;
	}
	if (is_write && d->leader != d->rank) {
		int rc = forward(d, conn, m);
		if (rc == 0)
			goto out_free; /* the leader answers through us */
		r.rc = rc;
		buf_printf(&r.status, "no leader to take the change; retry");
		goto out_reply;
	}
	const uint8_t *in = NULL;
	uint8_t *flat = NULL;
	if (buflist_length(msg_data(m)) && buflist_contiguous(msg_data(m), &flat) == 0)
		in = flat;
	enum mon_cmd_result res =
		mon_osdmon_command(d->osdmon, cmd, in, buflist_length(msg_data(m)), true, &r);
	if (res == MON_CMD_PENDING && add_waiter(d, conn, b->tid, &r) == 0)
		goto out_free;
out_reply:
	send_reply(conn, b->tid, &r);
out_free:
	mon_reply_fini(&r);
	json_free(cmd);
}

/* Boots and failure reports go to the leader, which owns the pending map. */
static bool forward_raw(struct mon_daemon *d, struct msg *m)
{
	if (d->leader == d->rank)
		return false;
	if (d->leader < 0)
		return true;
	/* A fresh message with the same body: a received one is not resent as is. */
	struct msg *f = msg_create(msg_type(m));
	if (!f)
		return true;
	if (msg_type(m) == MSG_OSD_BOOT)
		*(struct msg_osd_boot *)msg_body(f) = *(const struct msg_osd_boot *)msg_body(m);
	else
		*(struct msg_osd_failure *)msg_body(f) = *(const struct msg_osd_failure *)msg_body(m);
	if (mon_send_to_rank(d, d->leader, f) != 0)
		msg_put(f);
	return true;
}

void mon_handle_osd_boot(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	if (forward_raw(d, m))
		return;
	const struct msg_osd_boot *b = msg_body(m);
	struct net_addr a;
	if (addr_parse(b->addr, 0, &a) != 0) {
		log_warn(LOG_MON, "osd.%d booted with a bad address '%s'", b->osd, b->addr);
		return;
	}
	int rc = mon_osdmon_boot(d->osdmon, b->osd, b->uuid, &a, b->host, b->capacity);
	if (rc == -EAGAIN)
		log_info(LOG_MON, "osd.%d booted at %s while still up: it is up again after "
			 "the epoch that marks it down", b->osd, b->addr);
	else if (rc)
		log_warn(LOG_MON, "boot of osd.%d refused: %s", b->osd, strerror(-rc));
	else
		log_info(LOG_MON, "osd.%d booted at %s (host %s)", b->osd, b->addr, b->host);
}

void mon_handle_osd_failure(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	if (forward_raw(d, m))
		return;
	const struct msg_osd_failure *b = msg_body(m);
	int rc = mon_osdmon_report_failure(d->osdmon, b->target, b->reporter, b->host,
					   (b->flags & MSG_FAILURE_REFUSED) != 0, clk_mono_ns());
	if (rc > 0)
		log_info(LOG_MON, "osd.%d marked down (reported by osd.%d)", b->target, b->reporter);
}

/*
 * An OSD's PG report: kept by every monitor (no forwarding, no Paxos).
 * Only osd.N may report for osd.N.
 */
void mon_handle_pg_stats(struct mon_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_pg_stats *b = msg_body(m);
	struct ent_name peer;
	char id[16];
	snprintf(id, sizeof(id), "%d", b->osd);
	if (!msg_conn_peer_name(conn, &peer) || peer.type != ENT_TYPE_OSD ||
	    strcmp(peer.id, id) != 0) {
		log_warn(LOG_MON, "mon.%s: dropping PG stats for osd.%d from another entity",
			 d->name.id, b->osd);
		return;
	}
	int rc = mon_pgstats_report(d->pgstats, mon_osdmon_map(d->osdmon), b, clk_mono_ns());
	if (rc)
		log_dbg(LOG_MON, 10, "mon.%s: PG stats of osd.%d (e%u, %u PGs) dropped: %s",
			d->name.id, b->osd, b->epoch, b->n,
			rc == -ESTALE ? "the OSD is not up, or the report is older than the last"
				      : strerror(-rc));
	else
		log_dbg(LOG_MON, 20, "mon.%s: PG stats of osd.%d (e%u, %u PGs)", d->name.id,
			b->osd, b->epoch, b->n);
}

/* ---- admin socket ---------------------------------------------------------------- */

static int asok_status(void *arg, const struct json_val *cmd, struct json_w *w, struct buf *err)
{
	struct mon_daemon *d = arg;
	json_w_obj_begin(w);
	json_w_kv_str(w, "name", d->name.id);
	json_w_kv_int(w, "rank", d->rank);
	json_w_kv_str(w, "state", d->leader < 0		  ? "electing"
				  : d->leader == d->rank ? "leader"
							 : "peon");
	quorum_json(d, w);
	json_w_kv_bool(w, "readable", mon_readable(d));
	json_w_kv_uint(w, "last_committed", mon_core_last_committed(d->core));
	json_w_kv_uint(w, "first_committed", mon_store_first_committed(d->store));
	json_w_kv_uint(w, "osdmap_epoch", osdmap_epoch(mon_osdmon_map(d->osdmon)));
	json_w_kv_str(w, "core_state", mon_core_state_name(d->core));
	json_w_obj_end(w);
	return 0;
}

int mon_register_asok(struct mon_daemon *d)
{
	char *path = cfg_str(d->cfg, CFG_admin_socket);
	if (!path)
		return -ENOMEM;
	int rc = 0;
	if (*path)
		rc = asok_create(d->loop, path, &d->asok);
	free(path);
	if (rc || !d->asok)
		return rc;
	if ((rc = asok_register_config(d->asok, d->cfg)) != 0 ||
	    (rc = asok_register(d->asok, "status", "monitor state", asok_status, d)) != 0 ||
	    (rc = asok_register(d->asok, "mon_status", "monitor state", asok_status, d)) != 0)
		return rc;
	return 0;
}
