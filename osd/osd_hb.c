/*
 * osd_hb.c - heartbeats between OSDs, failure reports, and PG stats.
 *
 * Every osd_heartbeat_interval each OSD pings every other OSD that is up
 * in its map, over a lossy session of its own.  A peer that has not
 * answered for osd_heartbeat_grace since the first unanswered ping is
 * reported to the monitors.  A heartbeat session that closes before the
 * peer ever answered on it, within moments of connecting, means the peer
 * refused the connection (its process is gone): that is reported at once
 * with the "refused" flag, which the monitors act on without waiting for
 * more reporters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "log.h"
#include "osd_int.h"

#define REFUSED_WINDOW_NS (2000 * CLK_NS_PER_MS)

static struct osd_peer_conn *slot(struct osd_daemon *d, int32_t osd)
{
	if (osd < 0 || (size_t)osd >= d->n_peers_cap)
		return NULL;
	return &d->peers[osd];
}

static void send_ping(struct osd_daemon *d, struct msg_conn *c, uint32_t op, uint64_t stamp)
{
	struct msg *m = msg_create(MSG_OSD_PING);
	if (!m)
		return;
	struct msg_osd_ping *b = msg_body(m);
	*b = (struct msg_osd_ping){op, d->whoami, d->map ? osdmap_epoch(d->map) : 0, stamp};
	if (msg_send(c, m) != 0)
		msg_put(m);
}

static void report(struct osd_daemon *d, struct osd_peer_conn *p, bool refused)
{
	if (p->reported || !d->map || !osdmap_is_up(d->map, p->osd))
		return;
	p->reported = true;
	osd_monc_report_failure(d, p->osd, refused);
	osd_pg_note_down(d, p->osd);
}

void osd_hb_tick(struct osd_daemon *d)
{
	if (!d->map || !d->booted)
		return;
	uint64_t now = osd_now(d);
	bool ping = now - d->last_hb_ns >= d->hb_interval_ns;
	if (ping)
		d->last_hb_ns = now;
	for (int32_t i = 0; i < osdmap_max_osd(d->map); i++) {
		if (i == d->whoami)
			continue;
		if (!osdmap_is_up(d->map, i)) {
			struct osd_peer_conn *p = slot(d, i);
			if (p) {
				p->reported = false;
				p->hb_first_tx = 0;
			}
			continue;
		}
		struct msg_conn *c = osd_peer_conn(d, i); /* makes the slot */
		(void)c;
		struct osd_peer_conn *p = slot(d, i);
		if (!p)
			continue;
		if (p->hb && msg_conn_is_closed(p->hb)) {
			msg_conn_put(p->hb);
			p->hb = NULL;
		}
		if (!p->hb) {
			const struct osdmap_osd *o = osdmap_osd(d->map, i);
			if (msg_connect(d->ms, &o->addr, MSG_POLICY_LOSSY, &p->hb) != 0) {
				p->hb = NULL;
				continue;
			}
			p->hb_conn_ns = now;
			p->hb_got_reply = false;
			ping = true;
		}
		if (ping) {
			if (!p->hb_first_tx)
				p->hb_first_tx = now;
			send_ping(d, p->hb, MSG_PING_PING, now);
		}
		if (p->hb_first_tx && now - p->hb_first_tx > d->hb_grace_ns)
			report(d, p, false);
	}
}

void osd_hb_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	const struct msg_osd_ping *b = msg_body(m);
	if (b->epoch > (d->map ? osdmap_epoch(d->map) : 0))
		osd_request_maps(d, b->epoch);
	if (b->op == MSG_PING_PING) {
		send_ping(d, conn, MSG_PING_REPLY, b->stamp);
		return;
	}
	struct osd_peer_conn *p = slot(d, b->from);
	if (b->op != MSG_PING_REPLY || !p || p->hb != conn)
		return;
	p->hb_last_rx = osd_now(d);
	p->hb_first_tx = 0;
	p->hb_got_reply = true;
	p->reported = false;
}

void osd_hb_closed(struct osd_daemon *d, struct msg_conn *conn)
{
	for (size_t i = 0; i < d->n_peers_cap; i++) {
		struct osd_peer_conn *p = &d->peers[i];
		if (p->hb != conn)
			continue;
		uint64_t now = osd_now(d);
		bool refused = !p->hb_got_reply && now - p->hb_conn_ns < REFUSED_WINDOW_NS;
		msg_conn_put(p->hb);
		p->hb = NULL;
		if (refused) {
			report(d, p, true);
		} else if (d->map && osdmap_is_up(d->map, p->osd)) {
			/* Try again at once: a refusal now tells us the peer is gone. */
			const struct osdmap_osd *o = osdmap_osd(d->map, p->osd);
			if (msg_connect(d->ms, &o->addr, MSG_POLICY_LOSSY, &p->hb) == 0) {
				p->hb_conn_ns = now;
				p->hb_got_reply = false;
				if (!p->hb_first_tx)
					p->hb_first_tx = now;
				send_ping(d, p->hb, MSG_PING_PING, now);
			} else {
				p->hb = NULL;
			}
		}
		return;
	}
}

/* ---- PG stats ------------------------------------------------------------------------- */

void osd_monc_send_stats(struct osd_daemon *d)
{
	if (!d->map || !d->booted)
		return;
	uint32_t n = 0;
	for (struct osd_pg *pg = d->pgs; pg; pg = pg->next)
		n += pg->is_primary;
	for (size_t i = 0; i < d->nmons && i < MONMAP_MAX_MONS; i++) {
		struct msg *m = msg_create(MSG_PG_STATS);
		if (!m)
			return;
		struct msg_pg_stats *b = msg_body(m);
		if (msg_pg_stats_alloc(b, n) != 0) {
			msg_put(m);
			return;
		}
		b->osd = d->whoami;
		b->epoch = osdmap_epoch(d->map);
		uint32_t k = 0;
		for (struct osd_pg *pg = d->pgs; pg; pg = pg->next) {
			if (!pg->is_primary)
				continue;
			b->pool[k] = pg->pgid.pool;
			b->seed[k] = pg->pgid.seed;
			b->state[k] = pg->state;
			b->objects[k] = pg->num_objects;
			b->bytes[k] = pg->num_bytes;
			b->interval[k] = pg->info.same_interval_since;
			memcpy(&b->io[(size_t)k * MSG_PG_STATS_IO], pg->io, sizeof(pg->io));
			k++;
		}
		struct os_statfs st;
		os_statfs(d->store, &st);
		b->kb_total = st.total >> 10;
		b->kb_used = st.allocated >> 10;
		if (d->stat_conns[i] && msg_conn_is_closed(d->stat_conns[i])) {
			msg_conn_put(d->stat_conns[i]);
			d->stat_conns[i] = NULL;
		}
		if (!d->stat_conns[i] &&
		    msg_connect(d->ms, &d->mons[i], MSG_POLICY_LOSSY, &d->stat_conns[i]) != 0)
			d->stat_conns[i] = NULL;
		if (!d->stat_conns[i] || msg_send(d->stat_conns[i], m) != 0)
			msg_put(m);
	}
}
