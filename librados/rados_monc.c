/*
 * rados_monc.c - librados' monitor client: finds a monitor in quorum,
 * keeps one session to it, runs commands and follows the maps.
 *
 * Hunting: the monitors of mon_host are tried in turn, starting at a
 * random one.  A session counts as ready once the monitor answered our
 * monmap subscription, which it only does while it is in quorum (it needs
 * a valid lease to serve reads), so a monitor cut off from the others is
 * skipped after MONC_HUNT_NS.  On a closed session or an -EAGAIN answer
 * ("not in quorum", "no leader") the next monitor is tried and commands
 * not yet answered are sent again: commands are idempotent or answered
 * with the result of the first application by the monitors.
 */
#include "rados_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/clk.h"
#include "common/json.h"
#include "common/log.h"

#define MONC_HUNT_NS (1000ULL * CLK_NS_PER_MS)

/* ---- waiting ---------------------------------------------------------------- */

/* Wait on c->cond until @deadline (0: forever).  -ETIMEDOUT when it passed.  Lock held. */
static int wait_until(struct rados__client *c, uint64_t deadline)
{
	if (deadline == 0) {
		pthread_cond_wait(&c->cond, &c->lock);
		return 0;
	}
	uint64_t now = clk_mono_ns();
	if (now >= deadline)
		return -ETIMEDOUT;
	/* The condvar uses CLOCK_MONOTONIC (see rados_client.c). */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t wake = (uint64_t)ts.tv_sec * CLK_NS_PER_SEC + (uint64_t)ts.tv_nsec +
			(deadline - now);
	ts.tv_sec = (time_t)(wake / CLK_NS_PER_SEC);
	ts.tv_nsec = (long)(wake % CLK_NS_PER_SEC);
	pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	return clk_mono_ns() >= deadline ? -ETIMEDOUT : 0;
}

/* ---- sessions --------------------------------------------------------------- */

static int send_subscribe(struct msg_conn *conn, uint32_t what, uint32_t start, uint32_t flags)
{
	struct msg *m = msg_create(MSG_MON_SUBSCRIBE);
	if (!m)
		return -ENOMEM;
	struct msg_mon_subscribe *b = msg_body(m);
	b->what = what;
	b->start = start;
	b->flags = flags;
	int rc = msg_send(conn, m);
	if (rc)
		msg_put(m);
	return rc;
}

/* Drop the current session (lock held). */
static void drop_session(struct rados__client *c)
{
	if (c->mon_conn) {
		msg_conn_close(c->mon_conn);
		msg_conn_put(c->mon_conn);
		c->mon_conn = NULL;
	}
	c->mon_ready = false;
	for (struct rados__mon_cmd *m = c->cmds; m; m = m->next)
		m->sent = false;
}

/* Open a session to the next monitor (lock held). */
static int open_session(struct rados__client *c)
{
	drop_session(c);
	c->cur_mon = (c->cur_mon + 1) % (int)c->nmons;
	struct msg_conn *conn;
	int rc = msg_connect(c->ms, &c->mons[c->cur_mon], MSG_POLICY_LOSSY, &conn);
	if (rc)
		return rc;
	c->mon_conn = conn;
	c->mon_conn_id = msg_conn_id(conn);
	uint32_t start = c->osdmap ? osdmap_epoch(c->osdmap) + 1 : 0;
	rc = send_subscribe(conn, MSG_SUB_MONMAP, 0, MSG_SUB_ONETIME);
	if (!rc)
		rc = send_subscribe(conn, MSG_SUB_OSDMAP, start, 0);
	return rc;
}

/*
 * Pause *@backoff (at most until @deadline, 0: none) before trying the next
 * monitor, then double it up to 1.6 s, so a client whose monitors all
 * refuse does not spin.  Lock held (released while waiting).
 */
static void hunt_pause(struct rados__client *c, uint64_t *backoff, uint64_t deadline)
{
	uint64_t pause = clk_mono_ns() + *backoff;
	if (deadline && deadline < pause)
		pause = deadline;
	while (!c->shutting_down && wait_until(c, pause) != -ETIMEDOUT)
		; /* woken for something else: keep pausing */
	if (*backoff < 1600 * CLK_NS_PER_MS)
		*backoff *= 2;
}

/*
 * Make sure a ready session exists, hunting if needed, until @deadline
 * (0: forever).  Lock held (released while waiting).
 */
static int ensure_session(struct rados__client *c, uint64_t deadline)
{
	uint64_t backoff = 50 * CLK_NS_PER_MS;
	while (!c->mon_ready) {
		if (c->shutting_down)
			return -ESHUTDOWN;
		int rc = open_session(c);
		if (rc == -ENOMEM || rc == -ESHUTDOWN)
			return rc;
		if (rc) {
			/* That monitor is gone already (refused, closed): the next one. */
			drop_session(c);
			if (deadline && clk_mono_ns() >= deadline)
				return -ETIMEDOUT;
			hunt_pause(c, &backoff, deadline);
			continue;
		}
		uint64_t give_up = clk_mono_ns() + MONC_HUNT_NS;
		if (deadline && deadline < give_up)
			give_up = deadline;
		uint64_t id = c->mon_conn_id;
		while (!c->mon_ready && c->mon_conn && c->mon_conn_id == id && !c->shutting_down) {
			if (wait_until(c, give_up) == -ETIMEDOUT)
				break;
		}
		if (!c->mon_ready && deadline && clk_mono_ns() >= deadline)
			return -ETIMEDOUT;
		/* Closed before it was ready (refused: the monitor is not there). */
		if (!c->mon_ready && !c->shutting_down && clk_mono_ns() < give_up)
			hunt_pause(c, &backoff, deadline);
	}
	return 0;
}

/* ---- messenger callbacks (loop threads) -------------------------------------- */

static void handle_monmap(struct rados__client *c, struct msg_conn *conn, struct msg *m)
{
	struct monmap mm;
	uint8_t *data = NULL;
	char err[128];
	if (buflist_contiguous(msg_data(m), &data) != 0 || !data ||
	    monmap_decode(data, buflist_length(msg_data(m)), &mm, err, sizeof(err)) != 0) {
		log_warn(LOG_RADOS, "monc: undecodable monmap");
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->have_fsid && memcmp(c->fsid, mm.fsid, 16) != 0) {
		log_err(LOG_RADOS, "monc: monitor belongs to another cluster (fsid differs)");
	} else if (conn == c->mon_conn) {
		c->monmap = mm;
		memcpy(c->fsid, mm.fsid, 16);
		c->have_fsid = true;
		c->mon_ready = true;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

/* Apply the maps of one MSG_OSD_MAP (lock held). */
static void apply_osdmaps(struct rados__client *c, const struct msg_osd_map *b, const uint8_t *data,
			  size_t len)
{
	size_t off = 0;
	char err[128];
	for (uint32_t i = 0; i < b->n; i++) {
		if (b->lens[i] > len - off)
			return;
		const uint8_t *p = data + off;
		off += b->lens[i];
		struct osdmap *n = NULL;
		if (b->full[i]) {
			if (c->osdmap && osdmap_epoch(c->osdmap) >= b->epochs[i])
				continue;
			if (osdmap_decode(p, b->lens[i], &n, err, sizeof(err)) != 0) {
				log_warn(LOG_RADOS, "monc: bad full osdmap: %s", err);
				return;
			}
		} else {
			if (!c->osdmap || b->epochs[i] != osdmap_epoch(c->osdmap) + 1)
				continue;
			struct osdmap_inc inc;
			if (osdmap_inc_decode(p, b->lens[i], &inc, err, sizeof(err)) != 0)
				return;
			int rc = osdmap_apply(c->osdmap, &inc, &n, err, sizeof(err));
			osdmap_inc_fini(&inc);
			if (rc) {
				log_warn(LOG_RADOS, "monc: osdmap %u does not apply: %s", b->epochs[i],
					 err);
				return;
			}
		}
		osdmap_destroy(c->osdmap);
		c->osdmap = n;
	}
}

static void handle_osdmap(struct rados__client *c, struct msg *m)
{
	const struct msg_osd_map *b = msg_body(m);
	uint8_t *data = NULL;
	if (buflist_length(msg_data(m)) && buflist_contiguous(msg_data(m), &data) != 0)
		return;
	pthread_mutex_lock(&c->lock);
	apply_osdmaps(c, b, data, buflist_length(msg_data(m)));
	rados__objecter_map_changed_locked(c);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void handle_command_reply(struct rados__client *c, struct msg_conn *conn, struct msg *m)
{
	const struct msg_mon_command_reply *b = msg_body(m);
	pthread_mutex_lock(&c->lock);
	for (struct rados__mon_cmd *cmd = c->cmds; cmd; cmd = cmd->next) {
		if (cmd->tid != b->tid || cmd->done)
			continue;
		if (b->result == -EAGAIN && conn == c->mon_conn) {
			/* This monitor cannot serve it now: try another one. */
			drop_session(c);
			break;
		}
		cmd->rc = b->result;
		buf_reset(&cmd->outs);
		buf_append_str(&cmd->outs, b->status ? b->status : "");
		buf_reset(&cmd->outbl);
		size_t len = buflist_length(msg_data(m));
		if (len && buf_reserve(&cmd->outbl, len) == 0) {
			buflist_copy_out(msg_data(m), 0, len, cmd->outbl.data);
			cmd->outbl.len = len;
		}
		cmd->done = true;
		break;
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void on_message(void *arg, struct msg_conn *conn, struct msg *m)
{
	struct rados__client *c = arg;
	switch (msg_type(m)) {
	case MSG_MON_MAP:
		handle_monmap(c, conn, m);
		break;
	case MSG_OSD_MAP:
		handle_osdmap(c, m);
		break;
	case MSG_MON_COMMAND_REPLY:
		handle_command_reply(c, conn, m);
		break;
	default:
		break;
	}
	msg_put(m);
}

static void on_closed(void *arg, struct msg_conn *conn)
{
	struct rados__client *c = arg;
	pthread_mutex_lock(&c->lock);
	if (conn == c->mon_conn) {
		msg_conn_put(c->mon_conn);
		c->mon_conn = NULL;
		c->mon_ready = false;
		for (struct rados__mon_cmd *m = c->cmds; m; m = m->next)
			m->sent = false;
	} else {
		for (struct rados__mon_cmd *m = c->cmds; m; m = m->next)
			if (m->conn == conn)
				m->conn_closed = true;
		rados__objecter_conn_closed_locked(c, conn);
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* ---- API for rados_client.c --------------------------------------------------- */

int rados__monc_register(struct rados__client *c)
{
	static const uint16_t types[] = {MSG_MON_MAP, MSG_OSD_MAP, MSG_MON_COMMAND_REPLY};
	int rc = 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && !rc; i++)
		rc = msg_register(c->ms, types[i], on_message, c, MSG_DISPATCH_LOOP);
	struct msg_conn_ops ops = {.closed = on_closed};
	msg_set_conn_ops(c->ms, &ops, c);
	return rc;
}

int rados__monc_start(struct rados__client *c)
{
	int rc = cfg_addrs(c->cfg, CFG_mon_host, &c->mons, &c->nmons);
	if (rc)
		return rc;
	if (c->nmons == 0)
		return -ENOENT; /* "unable to get monitor info" */
	for (size_t i = 0; i < c->nmons; i++)
		if (addr_port(&c->mons[i]) == 0)
			addr_set_port(&c->mons[i], MONMAP_DEFAULT_PORT);
	unsigned r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned)clk_mono_ns();
	c->cur_mon = (int)(r % c->nmons) - 1; /* open_session advances first */
	uint64_t timeout = cfg_dur_ns(c->cfg, CFG_client_mount_timeout);
	uint64_t deadline = timeout ? clk_mono_ns() + timeout : 0;
	pthread_mutex_lock(&c->lock);
	rc = ensure_session(c, deadline);
	/* Wait for the first osdmap too, as a connected client can map objects at once. */
	while (!rc && !c->osdmap && !c->shutting_down) {
		rc = wait_until(c, deadline);
		if (!c->mon_ready && !rc)
			rc = ensure_session(c, deadline);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void rados__monc_stop(struct rados__client *c)
{
	pthread_mutex_lock(&c->lock);
	c->shutting_down = true;
	drop_session(c);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static struct rados__mon_cmd *cmd_new(struct rados__client *c, const char *cmd, const char *in,
				       size_t inlen)
{
	struct rados__mon_cmd *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cmd = strdup(cmd);
	if (!m->cmd || (inlen && buf_append(&m->in, in, inlen) != 0)) {
		free(m->cmd);
		buf_fini(&m->in);
		free(m);
		return NULL;
	}
	m->tid = ++c->next_tid;
	m->next = c->cmds;
	c->cmds = m;
	return m;
}

static void cmd_free(struct rados__client *c, struct rados__mon_cmd *m)
{
	for (struct rados__mon_cmd **pp = &c->cmds; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	free(m->cmd);
	buf_fini(&m->in);
	buf_fini(&m->outs);
	buf_fini(&m->outbl);
	free(m);
}

/* Hand over a command's answer (if it came) and free it; returns its result or @rc.  Unlocks. */
static int cmd_finish(struct rados__client *c, struct rados__mon_cmd *m, int rc, struct buf *outbl,
		      struct buf *outs)
{
	if (m && m->done) {
		rc = m->rc;
		buf_append(outbl, m->outbl.data, m->outbl.len);
		buf_append(outs, m->outs.data, m->outs.len);
	}
	if (m)
		cmd_free(c, m);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int cmd_send(struct msg_conn *conn, struct rados__mon_cmd *cmd)
{
	struct msg *m = msg_create(MSG_MON_COMMAND);
	if (!m)
		return -ENOMEM;
	struct msg_mon_command *b = msg_body(m);
	b->tid = cmd->tid;
	b->cmd = strdup(cmd->cmd);
	int rc = b->cmd ? 0 : -ENOMEM;
	if (!rc && cmd->in.len)
		rc = buflist_append_copy(msg_data(m), cmd->in.data, cmd->in.len);
	if (!rc)
		rc = msg_send(conn, m);
	if (rc)
		msg_put(m);
	return rc;
}

int rados__monc_command(struct rados__client *c, const char *cmd, const char *in, size_t inlen,
			 struct buf *outbl, struct buf *outs, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? clk_mono_ns() + timeout_ns : 0;
	pthread_mutex_lock(&c->lock);
	struct rados__mon_cmd *m = cmd_new(c, cmd, in, inlen);
	int rc = m ? 0 : -ENOMEM;
	while (!rc && !m->done) {
		rc = ensure_session(c, deadline);
		if (rc)
			break;
		if (!m->sent) {
			rc = cmd_send(c->mon_conn, m);
			if (rc == -EAGAIN || rc == -ENOTCONN) {
				drop_session(c);
				rc = 0;
				continue;
			}
			m->sent = true;
		}
		if (!m->done)
			rc = wait_until(c, deadline);
	}
	return cmd_finish(c, m, rc, outbl, outs);
}

int rados__monc_command_to(struct rados__client *c, const struct net_addr *addr, const char *cmd,
			   const char *in, size_t inlen, struct buf *outbl, struct buf *outs,
			   uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? clk_mono_ns() + timeout_ns : 0;
	pthread_mutex_lock(&c->lock);
	struct rados__mon_cmd *m = cmd_new(c, cmd, in, inlen);
	int rc = m ? 0 : -ENOMEM;
	if (!rc && c->shutting_down)
		rc = -ESHUTDOWN;
	if (!rc)
		rc = msg_connect(c->ms, addr, MSG_POLICY_LOSSY, &m->conn);
	if (!rc)
		rc = cmd_send(m->conn, m);
	while (!rc && !m->done) {
		if (m->conn_closed)
			rc = -ENOTCONN;
		else if (c->shutting_down)
			rc = -ESHUTDOWN;
		else
			rc = wait_until(c, deadline);
	}
	if (m && m->conn) {
		msg_conn_close(m->conn);
		msg_conn_put(m->conn);
		m->conn = NULL;
	}
	return cmd_finish(c, m, rc, outbl, outs);
}

int rados__monc_json(struct rados__client *c, struct json_w *w, struct buf *cmd,
		     struct buf *status)
{
	struct buf out = BUF_INIT, st = BUF_INIT;
	json_w_obj_end(w);
	int rc = json_w_error(w);
	if (!rc && !buf_cstr(cmd))
		rc = -ENOMEM;
	if (!rc)
		rc = rados__monc_command(c, buf_cstr(cmd), NULL, 0, &out, status ? status : &st,
					 cfg_dur_ns(c->cfg, CFG_rados_mon_op_timeout));
	buf_fini(cmd);
	buf_fini(&out);
	buf_fini(&st);
	return rc;
}

int rados__monc_wait_osdmap(struct rados__client *c, uint32_t epoch, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns ? clk_mono_ns() + timeout_ns : 0;
	int rc = 0;
	while (!rc && (!c->osdmap || osdmap_epoch(c->osdmap) < epoch)) {
		rc = ensure_session(c, deadline);
		if (!rc)
			rc = wait_until(c, deadline);
	}
	return rc;
}
