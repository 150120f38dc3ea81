/*
 * rados_cmd.c - commands: to the monitors (any, or one by name), to the
 * "manager" (Cairn has none: the monitors serve what Ceph's manager
 * serves, such as `pg dump` and `df`), to one OSD and to a PG's primary
 * OSD; rados_ping_monitor; the cluster log and service registration.
 *
 * Every command function hands its output and status to the caller as
 * malloc'd buffers (rados_buffer_free) and always fills both lengths,
 * even on failure, as python3-rados reads them regardless.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rados/librados.h>

#include "common/clk.h"
#include "common/json.h"
#include "rados_int.h"

static struct rados__client *client_of(rados_t cluster)
{
	return (struct rados__client *)cluster;
}

/* How long a targeted monitor command is retried while that monitor says -EAGAIN. */
#define TARGET_EAGAIN_NS (3ULL * CLK_NS_PER_SEC)

/* Where a command goes. */
enum target_kind { TO_MONS, TO_MON_NAMED, TO_OSD, TO_PG };

struct target {
	enum target_kind kind;
	const char *name; /* TO_MON_NAMED: the monitor's id; TO_PG: the pgid */
	int osd;	  /* TO_OSD */
};

/* Hand a buffer to the caller as malloc'd memory (freed by rados_buffer_free). */
static void give(struct buf *b, char **out, size_t *outlen)
{
	if (outlen)
		*outlen = b->len;
	if (!out)
		return;
	*out = b->len ? (char *)buf_steal(b, NULL) : NULL;
}

/* The address of monitor @name (or rank, "1") from the monmap.  0 or -ENOENT.  Lock held. */
static int mon_addr_locked(struct rados__client *c, const char *name, struct net_addr *out)
{
	for (uint32_t i = 0; i < c->monmap.n; i++) {
		if (strcmp(c->monmap.mons[i].name, name) == 0) {
			*out = c->monmap.mons[i].addr;
			return 0;
		}
	}
	char *end;
	unsigned long rank = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && !*end && rank < c->monmap.n) {
		*out = c->monmap.mons[rank].addr;
		return 0;
	}
	return -ENOENT;
}

/* The address of OSD @osd: -ENOENT if it does not exist, -ENXIO if it is down.  Lock held. */
static int osd_addr_locked(struct rados__client *c, int osd, struct net_addr *out)
{
	if (!c->osdmap || osd < 0 || osd >= osdmap_max_osd(c->osdmap))
		return -ENOENT;
	const struct osdmap_osd *o = osdmap_osd(c->osdmap, osd);
	if (!o || !o->exists)
		return -ENOENT;
	if (!o->up)
		return -ENXIO;
	*out = o->addr;
	return 0;
}

/* The acting primary of PG @pgid ("1.2a").  -EINVAL, -ENOENT (no pool), -ENXIO.  Lock held. */
static int pg_primary_locked(struct rados__client *c, const char *pgid, int *osd)
{
	struct osdmap_pg pg;
	struct osdmap_placement pl;
	if (!pgid || osdmap_pg_parse(pgid, &pg) != 0)
		return -EINVAL;
	if (!c->osdmap || !osdmap_pool(c->osdmap, pg.pool))
		return -ENOENT;
	int rc = osdmap_pg_to_osds(c->osdmap, &pg, &pl);
	if (rc)
		return rc;
	*osd = pl.acting_primary;
	return pl.acting_primary < 0 ? -ENXIO : 0;
}

/* Find the daemon @t names.  0 with *@any set for "any monitor", else the address. */
static int resolve(struct rados__client *c, const struct target *t, struct net_addr *addr,
		   bool *any)
{
	*any = t->kind == TO_MONS;
	if (*any)
		return 0;
	pthread_mutex_lock(&c->lock);
	int rc, osd = t->osd;
	if (t->kind == TO_MON_NAMED) {
		rc = t->name ? mon_addr_locked(c, t->name, addr) : -EINVAL;
	} else {
		rc = t->kind == TO_PG ? pg_primary_locked(c, t->name, &osd) : 0;
		if (!rc)
			rc = osd_addr_locked(c, osd, addr);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int command(rados_t cluster, const struct target *t, const char **cmd, size_t cmdlen,
		   const char *inbuf, size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs,
		   size_t *outslen)
{
	struct rados__client *c = client_of(cluster);
	struct buf json = BUF_INIT, out = BUF_INIT, status = BUF_INIT;
	struct net_addr addr;
	bool any = false;
	int rc = 0;
	if (!c || (cmdlen && !cmd) || (inbuflen && !inbuf))
		rc = -EINVAL;
	else if (!c->connected)
		rc = -ENOTCONN;
	/* The pieces of cmd form one JSON document. */
	for (size_t i = 0; !rc && i < cmdlen; i++)
		rc = buf_append_str(&json, cmd[i] ? cmd[i] : "");
	if (!rc && !buf_cstr(&json))
		rc = -ENOMEM;
	if (!rc)
		rc = resolve(c, t, &addr, &any);
	uint64_t timeout = rc ? 0
			      : cfg_dur_ns(c->cfg, t->kind == TO_OSD || t->kind == TO_PG
							   ? CFG_rados_osd_op_timeout
							   : CFG_rados_mon_op_timeout);
	if (!rc && any)
		rc = rados__monc_command(c, buf_cstr(&json), inbuf, inbuflen, &out, &status,
					 timeout);
	/*
	 * A monitor between leases answers -EAGAIN; an untargeted command goes
	 * to another monitor, a targeted one asks the same monitor again for a
	 * little while (Ceph's monitor would hold it until readable).
	 */
	uint64_t retry_until = clk_mono_ns() + TARGET_EAGAIN_NS;
	for (bool again = !rc && !any; again;) {
		buf_reset(&out);
		buf_reset(&status);
		rc = rados__monc_command_to(c, &addr, buf_cstr(&json), inbuf, inbuflen, &out,
					    &status, timeout);
		again = rc == -EAGAIN && t->kind == TO_MON_NAMED && clk_mono_ns() < retry_until;
		if (again) {
			struct timespec pause = {0, 50 * 1000 * 1000};
			nanosleep(&pause, NULL);
		}
	}
	give(&out, outbuf, outbuflen);
	give(&status, outs, outslen);
	buf_fini(&json);
	buf_fini(&out);
	buf_fini(&status);
	return rc;
}

int rados_mon_command(rados_t cluster, const char **cmd, size_t cmdlen, const char *inbuf,
		      size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs,
		      size_t *outslen)
{
	struct target t = {TO_MONS, NULL, -1};
	return command(cluster, &t, cmd, cmdlen, inbuf, inbuflen, outbuf, outbuflen, outs, outslen);
}

int rados_mon_command_target(rados_t cluster, const char *name, const char **cmd, size_t cmdlen,
			     const char *inbuf, size_t inbuflen, char **outbuf, size_t *outbuflen,
			     char **outs, size_t *outslen)
{
	struct target t = {TO_MON_NAMED, name, -1};
	return command(cluster, &t, cmd, cmdlen, inbuf, inbuflen, outbuf, outbuflen, outs, outslen);
}

/* Cairn has no manager daemon: the monitors answer the manager's commands. */
int rados_mgr_command(rados_t cluster, const char **cmd, size_t cmdlen, const char *inbuf,
		      size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs,
		      size_t *outslen)
{
	return rados_mon_command(cluster, cmd, cmdlen, inbuf, inbuflen, outbuf, outbuflen, outs,
				 outslen);
}

int rados_mgr_command_target(rados_t cluster, const char *name, const char **cmd, size_t cmdlen,
			     const char *inbuf, size_t inbuflen, char **outbuf, size_t *outbuflen,
			     char **outs, size_t *outslen)
{
	(void)cmd, (void)cmdlen, (void)inbuf, (void)inbuflen;
	struct rados__client *c = client_of(cluster);
	struct buf none = BUF_INIT, status = BUF_INIT;
	int rc = !c || !name ? -EINVAL : !c->connected ? -ENOTCONN : -ENOENT;
	if (rc == -ENOENT)
		buf_printf(&status, "no manager daemon '%s' (Cairn's monitors serve the manager's "
				    "commands: use rados_mgr_command)", name);
	give(&none, outbuf, outbuflen);
	give(&status, outs, outslen);
	buf_fini(&status);
	return rc;
}

int rados_osd_command(rados_t cluster, int osdid, const char **cmd, size_t cmdlen,
		      const char *inbuf, size_t inbuflen, char **outbuf, size_t *outbuflen,
		      char **outs, size_t *outslen)
{
	struct target t = {TO_OSD, NULL, osdid};
	return command(cluster, &t, cmd, cmdlen, inbuf, inbuflen, outbuf, outbuflen, outs, outslen);
}

int rados_pg_command(rados_t cluster, const char *pgstr, const char **cmd, size_t cmdlen,
		     const char *inbuf, size_t inbuflen, char **outbuf, size_t *outbuflen,
		     char **outs, size_t *outslen)
{
	struct target t = {TO_PG, pgstr, -1};
	return command(cluster, &t, cmd, cmdlen, inbuf, inbuflen, outbuf, outbuflen, outs, outslen);
}

/*
 * Ask monitor @mon_id how it is: {"health": ..., "mon_status": ...}, as
 * `ceph ping mon.ID` prints.  Needs a connected handle (for the monmap).
 */
int rados_ping_monitor(rados_t cluster, const char *mon_id, char **outstr, size_t *outstrlen)
{
	static const char *const ask[] = {"{\"prefix\":\"health\",\"format\":\"json\"}",
					  "{\"prefix\":\"mon_status\"}"};
	static const char *const keys[] = {"health", "mon_status"};
	struct target t = {TO_MON_NAMED, mon_id, -1};
	struct buf all = BUF_INIT;
	int rc = mon_id && outstr && outstrlen ? 0 : -EINVAL;
	buf_append_str(&all, "{");
	for (size_t i = 0; i < 2 && !rc; i++) {
		char *out = NULL;
		size_t outlen = 0;
		const char *one = ask[i];
		rc = command(cluster, &t, &one, 1, NULL, 0, &out, &outlen, NULL, NULL);
		if (rc == -EAGAIN && i == 0) {
			/* Out of quorum: it has no health to tell, but it answers. */
			rc = 0;
			out = strdup("{\"status\":\"HEALTH_UNKNOWN\"}");
			outlen = out ? strlen(out) : 0;
		}
		if (!rc)
			buf_printf(&all, "%s\"%s\":%.*s", i ? "," : "", keys[i], (int)outlen,
				   out ? out : "null");
		free(out);
	}
	buf_append_str(&all, "}");
	if (!rc && !buf_cstr(&all))
		rc = -ENOMEM;
	if (!rc)
		give(&all, outstr, outstrlen);
	buf_fini(&all);
	return rc;
}

void rados_buffer_free(char *buf)
{
	free(buf);
}

/* ---- not provided ------------------------------------------------------------ */

/*
 * The cluster log (`ceph -w`) is not built: Cairn's monitors keep no
 * cluster log to follow.
 */
int rados_monitor_log(rados_t cluster, const char *level, rados_log_callback_t cb, void *arg)
{
	(void)cluster, (void)level, (void)cb, (void)arg;
	return -EOPNOTSUPP;
}

int rados_monitor_log2(rados_t cluster, const char *level, rados_log_callback2_t cb, void *arg)
{
	(void)cluster, (void)level, (void)cb, (void)arg;
	return -EOPNOTSUPP;
}

/*
 * Service registration feeds Ceph's manager (`ceph service dump`); Cairn
 * has no manager, so a registration is accepted and checked but goes
 * nowhere.
 */
int rados_service_register(rados_t cluster, const char *service, const char *daemon,
			   const char *metadata_dict)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !service || !*service || !daemon || !*daemon || !metadata_dict)
		return -EINVAL;
	return c->connected ? -EOPNOTSUPP : -ENOTCONN;
}

int rados_service_update_status(rados_t cluster, const char *status_dict)
{
	struct rados__client *c = client_of(cluster);
	if (!c || !status_dict)
		return -EINVAL;
	return c->connected ? -EOPNOTSUPP : -ENOTCONN;
}

/*
 * Fence a client: `osd blocklist add ADDR [EXPIRE]` on the monitors, then
 * wait until this handle holds the map that has the entry, as Ceph's
 * RadosClient::blocklist_add does.  The address is what the client's
 * rados_getaddrs printed ("v2:0.0.0.0:0/NONCE"), or any form
 * osdmap_blocklist_addr_parse takes; it is checked here (-EINVAL) and
 * sent as given.  @expire_seconds 0 leaves the expiry to the monitors (an
 * hour).  Ceph's librados retries with the pre-Pacific "osd blacklist"
 * command on -EINVAL; Cairn's monitors have always known both names.
 * 0, -EINVAL, -ENOTCONN, or the command's error.
 */
int rados_blocklist_add(rados_t cluster, char *client_address, uint32_t expire_seconds)
{
	struct rados__client *c = client_of(cluster);
	struct net_addr addr;
	uint64_t nonce;
	if (!c || !client_address ||
	    osdmap_blocklist_addr_parse(client_address, &addr, &nonce) != 0)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	struct buf cmd = BUF_INIT;
	struct json_w w;
	json_w_init(&w, &cmd, false);
	json_w_obj_begin(&w);
	json_w_kv_str(&w, "prefix", "osd blocklist");
	json_w_kv_str(&w, "blocklistop", "add");
	json_w_kv_str(&w, "addr", client_address);
	if (expire_seconds)
		json_w_kv_double(&w, "expire", expire_seconds);
	int rc = rados__monc_json(c, &w, &cmd, NULL);
	if (rc)
		return rc;
	return rados_wait_for_latest_osdmap(cluster);
}

int rados_blacklist_add(rados_t cluster, char *client_address, uint32_t expire_seconds)
{
	return rados_blocklist_add(cluster, client_address, expire_seconds);
}
