/*
 * osd_monc.c - the OSD's monitor session: hunting over mon_host, the
 * osdmap subscription, boot, failure reports and PG stats.
 *
 * One lossy session at a time to one monitor.  When it closes we move to
 * the next monitor and subscribe again from the epoch after our newest
 * map, so nothing is missed.  Everything runs on the OSD's loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clk.h"
#include "log.h"
#include "osd_int.h"

#define MON_RETRY_NS (500 * CLK_NS_PER_MS)
#define BOOT_RESEND_NS (5000 * CLK_NS_PER_MS)

static int send_subscribe(struct msg_conn *conn, uint32_t what, uint32_t start, uint32_t flags)
{
	struct msg *m = msg_create(MSG_MON_SUBSCRIBE);
	if (!m)
		return -ENOMEM;
	struct msg_mon_subscribe *b = msg_body(m);
	*b = (struct msg_mon_subscribe){what, start, flags};
	int rc = msg_send(conn, m);
	if (rc)
		msg_put(m);
	return rc;
}

static void drop_session(struct osd_daemon *d)
{
	if (d->mon) {
		msg_conn_close(d->mon);
		msg_conn_put(d->mon);
		d->mon = NULL;
	}
}

static int open_session(struct osd_daemon *d)
{
	drop_session(d);
	d->cur_mon = (d->cur_mon + 1) % (int)d->nmons;
	int rc = msg_connect(d->ms, &d->mons[d->cur_mon], MSG_POLICY_LOSSY, &d->mon);
	if (rc)
		return rc;
	uint32_t start = d->map ? osdmap_epoch(d->map) + 1 : 0;
	char a[NET_ADDR_STRLEN];
	addr_format(&d->mons[d->cur_mon], a, sizeof(a));
	log_info(LOG_OSD, "monitor session to %s; osdmaps from e%u", a, start);
	rc = send_subscribe(d->mon, MSG_SUB_OSDMAP, start, 0);
	if (!rc && d->map)
		osd_monc_send_boot(d);
	return rc;
}

static void mon_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct osd_daemon *d = (struct osd_daemon *)((char *)t - offsetof(struct osd_daemon, mon_timer));
	(void)loop;
	if (d->stopping)
		return;
	if (!d->mon || msg_conn_is_closed(d->mon)) {
		int rc = open_session(d);
		if (rc)
			log_warn(LOG_OSD, "cannot open a monitor session: %s", strerror(-rc));
	}
	ev_timer_start(d->loop, &d->mon_timer, MON_RETRY_NS, mon_timer_cb);
}

int osd_monc_start(struct osd_daemon *d)
{
	char err[256];
	int rc = monmap_from_cfg(d->cfg, d->fsid, &d->monmap, err, sizeof(err));
	if (rc) {
		log_err(LOG_OSD, "no monitors: %s", err);
		return rc;
	}
	d->nmons = d->monmap.n;
	d->mons = calloc(d->nmons, sizeof(*d->mons));
	if (!d->mons)
		return -ENOMEM;
	for (size_t i = 0; i < d->nmons; i++)
		d->mons[i] = d->monmap.mons[i].addr;
	d->cur_mon = (int)((uint32_t)getpid() % d->nmons) - 1;
	ev_timer_init(&d->mon_timer);
	rc = open_session(d);
	if (rc)
		return rc;
	return ev_timer_start(d->loop, &d->mon_timer, MON_RETRY_NS, mon_timer_cb);
}

void osd_monc_stop(struct osd_daemon *d)
{
	ev_timer_stop(d->loop, &d->mon_timer);
	drop_session(d);
	free(d->mons);
	d->mons = NULL;
}

void osd_monc_closed(struct osd_daemon *d, struct msg_conn *conn)
{
	if (conn != d->mon || d->stopping)
		return;
	log_info(LOG_OSD, "monitor session closed; hunting");
	int rc = open_session(d);
	if (rc)
		log_warn(LOG_OSD, "cannot open a monitor session: %s", strerror(-rc));
}

void osd_monc_handle(struct osd_daemon *d, struct msg_conn *conn, struct msg *m)
{
	(void)conn;
	switch (msg_type(m)) {
	case MSG_OSD_MAP:
		osd_handle_map_msg(d, m);
		break;
	case MSG_MON_COMMAND_REPLY:
	case MSG_MON_MAP:
	default:
		break;
	}
}

int osd_monc_send(struct osd_daemon *d, struct msg *m)
{
	if (!d->mon) {
		msg_put(m);
		return -ENOTCONN;
	}
	int rc = msg_send(d->mon, m);
	if (rc)
		msg_put(m);
	return rc;
}

void osd_monc_send_boot(struct osd_daemon *d)
{
	struct msg *m = msg_create(MSG_OSD_BOOT);
	if (!m)
		return;
	struct msg_osd_boot *b = msg_body(m);
	b->osd = d->whoami;
	memcpy(b->uuid, d->uuid, 16);
	addr_format(&d->addr, b->addr, sizeof(b->addr));
	snprintf(b->host, sizeof(b->host), "%s", d->host);
	struct os_statfs st;
	os_statfs(d->store, &st);
	b->capacity = st.total;
	b->epoch = d->map ? osdmap_epoch(d->map) : 0;
	d->boot_sent_ns = osd_now(d);
	d->boot_sent_epoch = b->epoch;
	log_info(LOG_OSD, "booting at %s (map epoch %u)", b->addr, b->epoch);
	osd_monc_send(d, m);
}

void osd_monc_report_failure(struct osd_daemon *d, int32_t target, bool refused)
{
	struct msg *m = msg_create(MSG_OSD_FAILURE);
	if (!m)
		return;
	struct msg_osd_failure *b = msg_body(m);
	b->target = target;
	b->reporter = d->whoami;
	snprintf(b->host, sizeof(b->host), "%s", d->host);
	b->flags = refused ? MSG_FAILURE_REFUSED : 0;
	b->epoch = d->map ? osdmap_epoch(d->map) : 0;
	log_info(LOG_OSD, "reporting osd.%d as failed%s", target, refused ? " (refused)" : "");
	osd_monc_send(d, m);
}

/* Re-send the boot while the map does not show us up at our address. */
void osd_monc_check_boot(struct osd_daemon *d);
void osd_monc_check_boot(struct osd_daemon *d)
{
	if (!d->map)
		return;
	const struct osdmap_osd *o = osdmap_osd(d->map, d->whoami);
	bool up = o && o->exists && o->up && addr_equal(&o->addr, &d->addr);
	if (up != d->booted)
		log_info(LOG_OSD, "%s in osdmap e%u", up ? "up" : "not up", osdmap_epoch(d->map));
	d->booted = up;
	/*
	 * Again after a while, or at once when a map newer than the last boot
	 * shows us down: the monitors marked an old instance down first.
	 */
	bool down_since = o && o->exists && !o->up && osdmap_epoch(d->map) > d->boot_sent_epoch;
	if (!up && (down_since || osd_now(d) - d->boot_sent_ns >= BOOT_RESEND_NS))
		osd_monc_send_boot(d);
}
