/*
 * mon_osdmon.c - the monitor's OSDMap service.  See mon_osdmon.h.
 *
 * State:
 *   committed  the last map Paxos committed;
 *   base       committed plus the values proposed but not yet committed
 *              (what the next incremental builds on);
 *   pending    the incremental being gathered, epoch base+1;
 *   pmap       base with pending applied: what commands validate against.
 * Every change edits `pending` and rebuilds `pmap`, so a rejected change
 * never leaves a half-applied incremental behind.
 *
 * Clocks: the service is fed its times, with one exception: blocklist
 * expiries are wall-clock stamps stored in the map, so `osd blocklist add`
 * and the expiry check in the tick read the real-time clock themselves,
 * as Ceph's OSDMonitor does (ceph_clock_now()).
 */
#include "mon_osdmon.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clk.h"
#include "common/compiler.h"
#include "common/log.h"
#include "common/poolapp.h"
#include "common/uuid.h"
#include "crush/crush.h"
#include "crush/crush_builder.h"
#include "crush/crush_codec.h"
#include "crush/crush_text.h"

/* Failure reports gathered against one OSD. */
struct failure {
	int32_t target;
	uint32_t n;
	int32_t reporters[16];
	char hosts[16][64];
};

struct down_timer {
	int32_t osd;
	uint64_t since_ns;
};

struct mon_osdmon {
	struct mon_osdmon_opts opts;
	struct osdmap *committed;
	struct osdmap *base;
	struct osdmap *pmap;
	struct osdmap_inc pending;
	bool dirty;
	struct failure *failures;
	size_t nfailures;
	struct down_timer *downs;
	size_t ndowns;
};

void mon_reply_init(struct mon_reply *r)
{
	r->rc = 0;
	buf_init(&r->status);
	buf_init(&r->out);
}

void mon_reply_fini(struct mon_reply *r)
{
	buf_fini(&r->status);
	buf_fini(&r->out);
}

static int reply_err(struct mon_reply *r, int rc, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static int reply_err(struct mon_reply *r, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_reset(&r->status);
	buf_append_str(&r->status, msg);
	r->rc = rc;
	return rc;
}

static void reply_status(struct mon_reply *r, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static void reply_status(struct mon_reply *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_reset(&r->status);
	buf_append_str(&r->status, msg);
	r->rc = 0;
}

/* ---- pending state -------------------------------------------------------- */

static int rebuild_pmap(struct mon_osdmon *s, char *err, size_t errlen)
{
	struct osdmap *n;
	int rc = osdmap_apply(s->base, &s->pending, &n, err, errlen);
	if (rc)
		return rc;
	osdmap_destroy(s->pmap);
	s->pmap = n;
	return 0;
}

static void reset_pending(struct mon_osdmon *s)
{
	uint8_t fsid[16];
	osdmap_fsid(s->base, fsid);
	osdmap_inc_fini(&s->pending);
	osdmap_inc_init(&s->pending, fsid, osdmap_epoch(s->base) + 1);
	s->dirty = false;
	char err[128];
	if (rebuild_pmap(s, err, sizeof(err)) != 0)
		log_err(LOG_MON, "osdmon: cannot rebuild the pending map: %s", err);
}

int mon_osdmon_initial_map(const uint8_t fsid[16], const char *failure_domain,
			   struct osdmap **out)
{
	static const char *const types[] = {"osd", "host", "chassis", "rack", "row", "pdu",
					    "pod", "room", "datacenter", "zone", "region", "root"};
	struct crush_map *c = crush_map_create();
	if (!c)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < ARRAY_SIZE(types) && !rc; i++)
		rc = crush_add_type(c, (int32_t)i, types[i]);
	int32_t root, dummy;
	if (!rc)
		rc = crush_add_bucket(c, 0, "default", 11, CRUSH_BUCKET_STRAW2, &root);
	uint32_t rule;
	if (!rc && crush_map_type_by_name(c, failure_domain, &dummy) != 0)
		rc = -EINVAL;
	if (!rc)
		rc = crush_add_simple_rule(c, "replicated_rule", "default", failure_domain, NULL,
					   CRUSH_RULE_TYPE_REPLICATED, &rule);
	if (rc) {
		crush_map_destroy(c);
		return rc;
	}
	struct osdmap *m = osdmap_create(fsid, c);
	if (!m) {
		crush_map_destroy(c);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int mon_osdmon_create(const struct mon_osdmon_opts *opts, struct osdmap *committed,
		      struct mon_osdmon **out)
{
	struct mon_osdmon *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->opts = *opts;
	s->committed = committed;
	s->base = osdmap_clone(committed);
	if (!s->base) {
		free(s);
		return -ENOMEM;
	}
	uint8_t fsid[16];
	osdmap_fsid(committed, fsid);
	osdmap_inc_init(&s->pending, fsid, osdmap_epoch(committed) + 1);
	char err[128];
	if (rebuild_pmap(s, err, sizeof(err)) != 0) {
		osdmap_destroy(s->base);
		osdmap_inc_fini(&s->pending);
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void mon_osdmon_destroy(struct mon_osdmon *s)
{
	if (!s)
		return;
	osdmap_destroy(s->committed);
	osdmap_destroy(s->base);
	osdmap_destroy(s->pmap);
	osdmap_inc_fini(&s->pending);
	free(s->failures);
	free(s->downs);
	free(s);
}

const struct osdmap *mon_osdmon_map(const struct mon_osdmon *s)
{
	return s->committed;
}

const struct osdmap *mon_osdmon_pending_map(const struct mon_osdmon *s)
{
	return s->pmap;
}

bool mon_osdmon_has_pending(const struct mon_osdmon *s)
{
	return s->dirty;
}

/*
 * Try a change: snapshot the pending incremental, let @edit modify it,
 * rebuild the pending map; on any failure restore the snapshot.  The
 * snapshot is an encoded copy, the simplest exact deep copy we have.
 */
typedef int (*edit_fn)(struct mon_osdmon *s, void *arg, struct mon_reply *r);

static int try_edit(struct mon_osdmon *s, edit_fn edit, void *arg, struct mon_reply *r)
{
	struct buf snap = BUF_INIT;
	int rc = osdmap_inc_encode(&s->pending, &snap);
	if (rc) {
		buf_fini(&snap);
		return reply_err(r, rc, "out of memory");
	}
	rc = edit(s, arg, r);
	char err[256] = "";
	if (!rc)
		rc = rebuild_pmap(s, err, sizeof(err));
	if (rc) {
		struct osdmap_inc back;
		osdmap_inc_fini(&s->pending);
		if (osdmap_inc_decode(snap.data, snap.len, &back, NULL, 0) == 0)
			s->pending = back;
		else
			reset_pending(s);
		rebuild_pmap(s, NULL, 0);
		if (r->rc == 0)
			reply_err(r, rc, "change rejected: %s", err[0] ? err : strerror(-rc));
	} else {
		s->dirty = true;
	}
	buf_fini(&snap);
	return rc;
}

/* ---- arguments ------------------------------------------------------------- */

static bool want_json(const struct json_val *cmd)
{
	const char *f;
	return json_get_str(cmd, "format", &f) == 0 &&
	       (strcmp(f, "json") == 0 || strcmp(f, "json-pretty") == 0);
}

static bool pretty(const struct json_val *cmd)
{
	const char *f;
	return json_get_str(cmd, "format", &f) == 0 && strcmp(f, "json-pretty") == 0;
}

static int need_str(const struct json_val *cmd, const char *key, const char **out,
		    struct mon_reply *r)
{
	int rc = json_get_str(cmd, key, out);
	if (rc == -ENOENT)
		return reply_err(r, -EINVAL, "missing argument '%s'", key);
	if (rc)
		return reply_err(r, -EINVAL, "argument '%s' must be a string", key);
	return 0;
}

static int need_int(const struct json_val *cmd, const char *key, int64_t lo, int64_t hi,
		    int64_t *out, struct mon_reply *r)
{
	int rc = json_get_int(cmd, key, out);
	if (rc == -ENOENT)
		return reply_err(r, -EINVAL, "missing argument '%s'", key);
	if (rc || *out < lo || *out > hi)
		return reply_err(r, -EINVAL, "argument '%s' must be an integer in [%" PRId64
					     ", %" PRId64 "]",
				 key, lo, hi);
	return 0;
}

/* "3", "osd.3" -> 3.  -EINVAL otherwise. */
static int parse_osd_id(const char *s, int32_t *out)
{
	if (strncmp(s, "osd.", 4) == 0)
		s += 4;
	if (!*s || strlen(s) > 9)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
	*out = (int32_t)atoi(s);
	return 0;
}

static const struct osdmap_pool *need_pool(struct mon_osdmon *s, const struct json_val *cmd,
					   const char *key, struct mon_reply *r)
{
	const char *name;
	if (need_str(cmd, key, &name, r))
		return NULL;
	const struct osdmap_pool *p = osdmap_pool_by_name(s->pmap, name);
	if (!p)
		reply_err(r, -ENOENT, "unrecognized pool '%s'", name);
	return p;
}

/* Ceph's rule for pool names: printable, no spaces or slashes, not empty. */
static bool pool_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > OSDMAP_POOL_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		/* Non-ASCII (UTF-8, already validated by the JSON parser) is fine, as in Ceph. */
		unsigned char c = (unsigned char)name[i];
		if (c <= ' ' || c == 0x7f || c == '/' || c == '\\' || c == '"' || c == '\'')
			return false;
	}
	return true;
}

/* ---- read commands ----------------------------------------------------------- */

static void addr_text(const struct net_addr *a, char *buf, size_t size)
{
	if (addr_family(a) == 0)
		snprintf(buf, size, "-");
	else
		addr_format(a, buf, size);
}

/* ---- pool applications ---------------------------------------------------------- */

struct apps_w {
	struct json_w *w;
	bool in_app; /* an application's object is open */
	bool one;    /* only one application's keys: no per-application objects */
};

static int apps_json_cb(void *arg, const char *app, size_t al, const char *key, size_t kl,
			const char *val, size_t vl)
{
	struct apps_w *a = arg;
	char k[POOLAPP_NAME_MAX + 1];
	if (!key) {
		if (a->one)
			return 0;
		if (a->in_app)
			json_w_obj_end(a->w);
		snprintf(k, sizeof(k), "%.*s", (int)al, app);
		json_w_key(a->w, k);
		json_w_obj_begin(a->w);
		a->in_app = true;
		return 0;
	}
	snprintf(k, sizeof(k), "%.*s", (int)kl, key);
	json_w_key(a->w, k);
	json_w_strn(a->w, val, vl);
	return 0;
}

/*
 * Ceph's application_metadata object: {"rbd": {"k": "v"}, ...}, or with
 * @app only that application's {"k": "v"}.
 */
static void apps_json(struct json_w *w, const char *apps, const char *app)
{
	struct apps_w a = {w, false, app != NULL};
	json_w_obj_begin(w);
	poolapp_each(apps, app, apps_json_cb, &a);
	if (a.in_app)
		json_w_obj_end(w);
	json_w_obj_end(w);
}

struct app_key_find {
	const char *key;
	const char *val;
	size_t vl;
};

/* poolapp_each callback: stops with 1 at the entry named f->key. */
static int app_key_find_cb(void *arg, const char *app, size_t al, const char *key, size_t kl,
			   const char *val, size_t vl)
{
	struct app_key_find *f = arg;
	(void)app, (void)al;
	if (!key || kl != strlen(f->key) || memcmp(key, f->key, kl) != 0)
		return 0;
	f->val = val;
	f->vl = vl;
	return 1;
}

static int app_names_cb(void *arg, const char *app, size_t al, const char *key, size_t kl,
			const char *val, size_t vl)
{
	struct buf *out = arg;
	(void)kl, (void)val, (void)vl;
	if (!key)
		buf_printf(out, "%s%.*s", out->len ? "," : "", (int)al, app);
	return 0;
}

static void dump_pool_json(struct json_w *w, const struct osdmap_pool *p)
{
	json_w_obj_begin(w);
	json_w_kv_int(w, "pool", p->id);
	json_w_kv_str(w, "pool_name", p->name);
	json_w_kv_int(w, "type", p->type);
	json_w_kv_uint(w, "size", p->size);
	json_w_kv_uint(w, "min_size", p->min_size);
	json_w_kv_uint(w, "crush_rule", p->crush_rule);
	json_w_kv_uint(w, "pg_num", p->pg_num);
	json_w_kv_uint(w, "pg_placement_num", p->pgp_num);
	json_w_kv_uint(w, "pgp_num", p->pgp_num);
	json_w_kv_uint(w, "last_change", p->last_change);
	json_w_kv_uint(w, "quota_max_bytes", p->quota_max_bytes);
	json_w_kv_uint(w, "quota_max_objects", p->quota_max_objects);
	json_w_key(w, "application_metadata");
	apps_json(w, p->apps, NULL);
	json_w_obj_end(w);
}

/* One pool as `osd dump` and `osd pool ls detail` print it. */
static void pool_line(struct buf *out, const struct osdmap_pool *p)
{
	buf_printf(out,
		   "pool %" PRId64 " '%s' %s size %u min_size %u crush_rule %u pg_num %u "
		   "pgp_num %u last_change %u",
		   p->id, p->name, p->type == OSDMAP_POOL_ERASURE ? "erasure" : "replicated",
		   p->size, p->min_size, p->crush_rule, p->pg_num, p->pgp_num, p->last_change);
	struct buf names = BUF_INIT;
	poolapp_each(p->apps, NULL, app_names_cb, &names);
	if (names.len)
		buf_printf(out, " application %s", buf_cstr(&names));
	buf_append_str(out, "\n");
	buf_fini(&names);
}

static void dump_osds_json(struct json_w *w, const struct osdmap *m)
{
	json_w_key(w, "osds");
	json_w_arr_begin(w);
	for (int32_t i = 0; i < osdmap_max_osd(m); i++) {
		const struct osdmap_osd *o = osdmap_osd(m, i);
		if (!o->exists)
			continue;
		char uuid[UUID_STRLEN], addr[NET_ADDR_STRLEN];
		uuid_format(o->uuid, uuid);
		addr_text(&o->addr, addr, sizeof(addr));
		json_w_obj_begin(w);
		json_w_kv_int(w, "osd", i);
		json_w_kv_str(w, "uuid", uuid);
		json_w_kv_int(w, "up", o->up);
		json_w_kv_int(w, "in", o->weight > 0);
		json_w_kv_double(w, "weight", o->weight / 65536.0);
		json_w_kv_uint(w, "up_from", o->up_from);
		json_w_kv_uint(w, "down_at", o->down_at);
		json_w_kv_str(w, "public_addr", addr);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

static void dump_pg_lists_json(struct json_w *w, const struct osdmap *m)
{
	struct osdmap_pg pg;
	size_t n;
	char name[32];
	json_w_key(w, "pg_upmap_items");
	json_w_arr_begin(w);
	for (size_t i = 0; i < osdmap_upmap_count(m); i++) {
		const struct osdmap_upmap_pair *pairs = osdmap_upmap_at(m, i, &pg, &n);
		osdmap_pg_format(&pg, name, sizeof(name));
		json_w_obj_begin(w);
		json_w_kv_str(w, "pgid", name);
		json_w_key(w, "mappings");
		json_w_arr_begin(w);
		for (size_t k = 0; k < n; k++) {
			json_w_obj_begin(w);
			json_w_kv_int(w, "from", pairs[k].from);
			json_w_kv_int(w, "to", pairs[k].to);
			json_w_obj_end(w);
		}
		json_w_arr_end(w);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
	json_w_key(w, "pg_temp");
	json_w_arr_begin(w);
	for (size_t i = 0; i < osdmap_pg_temp_count(m); i++) {
		const int32_t *osds = osdmap_pg_temp_at(m, i, &pg, &n);
		osdmap_pg_format(&pg, name, sizeof(name));
		json_w_obj_begin(w);
		json_w_kv_str(w, "pgid", name);
		json_w_key(w, "osds");
		json_w_arr_begin(w);
		for (size_t k = 0; k < n; k++)
			json_w_int(w, osds[k]);
		json_w_arr_end(w);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
}

/* Ceph's print of a time: "2026-12-07T17:00:00.000000+0000" (in UTC here). */
static void time_text(uint64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / CLK_NS_PER_SEC);
	struct tm tm;
	char day[40] = "?";
	if (gmtime_r(&sec, &tm))
		strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06u+0000", day, (unsigned)(ns % CLK_NS_PER_SEC / 1000));
}

/* A blocklist entry's address ("127.0.0.1:0/1234") and expiry, as Ceph prints them. */
static void bl_texts(const struct osdmap_blocklist_entry *e, char *addr, size_t addrlen,
		     char *until, size_t untillen)
{
	if (osdmap_blocklist_addr_format(&e->addr, e->nonce, addr, addrlen) < 0)
		snprintf(addr, addrlen, "?");
	time_text(e->expires, until, untillen);
}

/* `osd dump`'s "blocklist": {"ADDR": "UNTIL", ...}, as Ceph dumps it. */
static void dump_blocklist_json(struct json_w *w, const struct osdmap *m)
{
	json_w_key(w, "blocklist");
	json_w_obj_begin(w);
	for (size_t i = 0; i < osdmap_blocklist_count(m); i++) {
		char addr[OSDMAP_BLOCKLIST_ADDR_STRLEN], until[64];
		bl_texts(osdmap_blocklist_at(m, i), addr, sizeof(addr), until, sizeof(until));
		json_w_kv_str(w, addr, until);
	}
	json_w_obj_end(w);
}

static int cmd_osd_dump(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = s->committed;
	uint8_t fsid[16];
	char fs[UUID_STRLEN];
	osdmap_fsid(m, fsid);
	uuid_format(fsid, fs);
	struct buf flags = BUF_INIT;
	osdmap_flags_format(osdmap_flags(m), &flags);
	float full, bfull, nfull;
	osdmap_ratios(m, &full, &bfull, &nfull);
	if (want_json(cmd)) {
		struct json_w w;
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_obj_begin(&w);
		json_w_kv_uint(&w, "epoch", osdmap_epoch(m));
		json_w_kv_str(&w, "fsid", fs);
		json_w_kv_uint(&w, "created", osdmap_created(m) / 1000000000ULL);
		json_w_kv_uint(&w, "modified", osdmap_modified(m) / 1000000000ULL);
		json_w_kv_str(&w, "flags", flags.len ? buf_cstr(&flags) : "");
		json_w_kv_double(&w, "full_ratio", full);
		json_w_kv_double(&w, "backfillfull_ratio", bfull);
		json_w_kv_double(&w, "nearfull_ratio", nfull);
		json_w_kv_int(&w, "max_osd", osdmap_max_osd(m));
		json_w_key(&w, "pools");
		json_w_arr_begin(&w);
		for (size_t i = 0; i < osdmap_pool_count(m); i++)
			dump_pool_json(&w, osdmap_pool_at(m, i));
		json_w_arr_end(&w);
		dump_osds_json(&w, m);
		dump_pg_lists_json(&w, m);
		dump_blocklist_json(&w, m);
		json_w_obj_end(&w);
	} else {
		buf_printf(&r->out, "epoch %u\nfsid %s\nflags %s\n", osdmap_epoch(m), fs,
			   flags.len ? buf_cstr(&flags) : "");
		buf_printf(&r->out, "full_ratio %g\nbackfillfull_ratio %g\nnearfull_ratio %g\n",
			   full, bfull, nfull);
		for (size_t i = 0; i < osdmap_pool_count(m); i++)
			pool_line(&r->out, osdmap_pool_at(m, i));
		buf_printf(&r->out, "max_osd %d\n", osdmap_max_osd(m));
		for (int32_t i = 0; i < osdmap_max_osd(m); i++) {
			const struct osdmap_osd *o = osdmap_osd(m, i);
			if (!o->exists)
				continue;
			char addr[NET_ADDR_STRLEN];
			addr_text(&o->addr, addr, sizeof(addr));
			buf_printf(&r->out, "osd.%d %s %s weight %.5f up_from %u down_at %u %s\n", i,
				   o->up ? "up" : "down", o->weight ? "in" : "out",
				   o->weight / 65536.0, o->up_from, o->down_at, addr);
		}
		for (size_t i = 0; i < osdmap_blocklist_count(m); i++) {
			char addr[OSDMAP_BLOCKLIST_ADDR_STRLEN], until[64];
			bl_texts(osdmap_blocklist_at(m, i), addr, sizeof(addr), until, sizeof(until));
			buf_printf(&r->out, "blocklist %s expires %s\n", addr, until);
		}
	}
	buf_fini(&flags);
	return 0;
}

static int cmd_osd_stat(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = s->committed;
	int n = 0, up = 0, in = 0;
	for (int32_t i = 0; i < osdmap_max_osd(m); i++) {
		if (!osdmap_osd(m, i)->exists)
			continue;
		n++;
		up += osdmap_is_up(m, i);
		in += osdmap_is_in(m, i);
	}
	if (want_json(cmd)) {
		struct json_w w;
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_obj_begin(&w);
		json_w_kv_uint(&w, "epoch", osdmap_epoch(m));
		json_w_kv_int(&w, "num_osds", n);
		json_w_kv_int(&w, "num_up_osds", up);
		json_w_kv_int(&w, "num_in_osds", in);
		json_w_kv_int(&w, "num_remapped_pgs", 0);
		json_w_obj_end(&w);
	} else {
		buf_printf(&r->out, "%d osds: %d up, %d in; epoch: e%u\n", n, up, in,
			   osdmap_epoch(m));
	}
	return 0;
}

static int cmd_osd_ls(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = s->committed;
	struct json_w w;
	bool json = want_json(cmd);
	if (json) {
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_arr_begin(&w);
	}
	for (int32_t i = 0; i < osdmap_max_osd(m); i++) {
		if (!osdmap_osd(m, i)->exists)
			continue;
		if (json)
			json_w_int(&w, i);
		else
			buf_printf(&r->out, "%d\n", i);
	}
	if (json)
		json_w_arr_end(&w);
	return 0;
}

/* `osd blocklist ls`: "ADDR UNTIL" lines, or [{"addr", "until"}]; "listed N entries". */
static int cmd_blocklist_ls(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = s->committed;
	size_t n = osdmap_blocklist_count(m);
	bool json = want_json(cmd);
	struct json_w w;
	if (json) {
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_arr_begin(&w);
	}
	for (size_t i = 0; i < n; i++) {
		char addr[OSDMAP_BLOCKLIST_ADDR_STRLEN], until[64];
		bl_texts(osdmap_blocklist_at(m, i), addr, sizeof(addr), until, sizeof(until));
		if (json) {
			json_w_obj_begin(&w);
			json_w_kv_str(&w, "addr", addr);
			json_w_kv_str(&w, "until", until);
			json_w_obj_end(&w);
		} else {
			buf_printf(&r->out, "%s %s\n", addr, until);
		}
	}
	if (json)
		json_w_arr_end(&w);
	reply_status(r, "listed %zu entries", n);
	return 0;
}

/* osd tree: depth-first over the CRUSH hierarchy, Ceph's columns. */
struct tree_ctx {
	const struct osdmap *m;
	const struct crush_map *c;
	struct mon_reply *r;
	struct json_w *w; /* NULL: plain text */
	bool *seen;	  /* devices printed */
};

static void tree_line(struct tree_ctx *t, int32_t id, int depth)
{
	const struct crush_map *c = t->c;
	const char *name = crush_map_item_name(c, id);
	char nm[32];
	if (!name) {
		snprintf(nm, sizeof(nm), "%s%d", id >= 0 ? "osd." : "bucket", id);
		name = nm;
	}
	if (id < 0) {
		int32_t type;
		uint32_t alg, weight, size;
		crush_map_bucket_info(c, id, &type, &alg, &weight, &size);
		const char *tname = crush_map_type_name(c, type);
		if (t->w) {
			json_w_obj_begin(t->w);
			json_w_kv_int(t->w, "id", id);
			json_w_kv_str(t->w, "name", name);
			json_w_kv_str(t->w, "type", tname ? tname : "?");
			json_w_kv_int(t->w, "type_id", type);
			json_w_key(t->w, "children");
			json_w_arr_begin(t->w);
			for (uint32_t i = size; i-- > 0;) {
				int32_t item;
				uint32_t w;
				crush_map_bucket_item(c, id, i, &item, &w);
				json_w_int(t->w, item);
			}
			json_w_arr_end(t->w);
			json_w_obj_end(t->w);
		} else {
			buf_printf(&t->r->out, "%3d  %5s  %8.5f  %*s%s %s\n", id, "",
				   weight / 65536.0, depth * 4, "", tname ? tname : "?", name);
		}
		return;
	}
	const struct osdmap_osd *o = osdmap_osd(t->m, id);
	uint32_t cw = 0;
	crush_map_device_weight(c, id, &cw);
	int32_t cls;
	const char *cname = crush_map_device_class(c, id, &cls) == 0 ? crush_map_class_name(c, cls)
								      : "";
	bool up = o && o->exists && o->up;
	double rw = o ? o->weight / 65536.0 : 0;
	if (id < osdmap_max_osd(t->m))
		t->seen[id] = true;
	if (t->w) {
		json_w_obj_begin(t->w);
		json_w_kv_int(t->w, "id", id);
		json_w_kv_str(t->w, "device_class", cname ? cname : "");
		json_w_kv_str(t->w, "name", name);
		json_w_kv_str(t->w, "type", "osd");
		json_w_kv_int(t->w, "type_id", 0);
		json_w_kv_double(t->w, "crush_weight", cw / 65536.0);
		json_w_kv_int(t->w, "depth", depth);
		json_w_kv_str(t->w, "status", up ? "up" : "down");
		json_w_kv_double(t->w, "reweight", rw);
		json_w_kv_double(t->w, "primary_affinity", 1.0);
		json_w_obj_end(t->w);
	} else {
		buf_printf(&t->r->out, "%3d  %5s  %8.5f  %*sosd.%d  %6s  %8.5f  %7.5f\n", id,
			   cname ? cname : "", cw / 65536.0, depth * 4, "", id, up ? "up" : "down",
			   rw, 1.0);
	}
}

static void tree_walk(struct tree_ctx *t, int32_t id, int depth)
{
	if (depth > 32)
		return;
	tree_line(t, id, depth);
	if (id >= 0)
		return;
	int32_t type;
	uint32_t alg, weight, size;
	if (crush_map_bucket_info(t->c, id, &type, &alg, &weight, &size) != 0)
		return;
	for (uint32_t i = 0; i < size; i++) {
		int32_t item;
		uint32_t w;
		if (crush_map_bucket_item(t->c, id, i, &item, &w) == 0)
			tree_walk(t, item, depth + 1);
	}
}

static int cmd_osd_tree(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = s->committed;
	bool *seen = calloc((size_t)osdmap_max_osd(m) + 1, sizeof(bool));
	if (!seen)
		return reply_err(r, -ENOMEM, "out of memory");
	struct json_w w;
	struct tree_ctx t = {m, osdmap_crush(m), r, NULL, seen};
	if (want_json(cmd)) {
		json_w_init(&w, &r->out, pretty(cmd));
		t.w = &w;
		json_w_obj_begin(&w);
		json_w_key(&w, "nodes");
		json_w_arr_begin(&w);
	} else {
		buf_printf(&r->out, "ID   CLASS  WEIGHT    TYPE NAME  STATUS  REWEIGHT  PRI-AFF\n");
	}
	for (int32_t b = -1; b >= -crush_map_max_buckets(t.c); b--) {
		int32_t parent = 0;
		if (!crush_map_bucket_exists(t.c, b) || crush_map_bucket_is_shadow(t.c, b) ||
		    crush_map_item_parent(t.c, b, &parent) == 0)
			continue;
		tree_walk(&t, b, 0);
	}
	if (t.w) {
		json_w_arr_end(&w);
		json_w_key(&w, "stray");
		json_w_arr_begin(&w);
	}
	for (int32_t i = 0; i < osdmap_max_osd(m); i++) {
		int32_t parent = 0;
		if (seen[i] || !osdmap_osd(m, i)->exists ||
		    crush_map_item_parent(t.c, i, &parent) == 0)
			continue;
		tree_line(&t, i, 0);
	}
	if (t.w) {
		json_w_arr_end(&w);
		json_w_obj_end(&w);
	}
	free(seen);
	return 0;
}

static int cmd_pool_ls(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = s->committed;
	const char *detail = NULL;
	bool det = json_get_str(cmd, "detail", &detail) == 0 && strcmp(detail, "detail") == 0;
	struct json_w w;
	bool json = want_json(cmd);
	if (json) {
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_arr_begin(&w);
	}
	for (size_t i = 0; i < osdmap_pool_count(m); i++) {
		const struct osdmap_pool *p = osdmap_pool_at(m, i);
		if (json && det)
			dump_pool_json(&w, p);
		else if (json)
			json_w_str(&w, p->name);
		else if (det)
			pool_line(&r->out, p);
		else
			buf_printf(&r->out, "%s\n", p->name);
	}
	if (json)
		json_w_arr_end(&w);
	return 0;
}

/* The pool fields "osd pool get/set" know, in "all" order. */
static const char *const pool_vars[] = {"size",	    "min_size", "pg_num", "pgp_num",
					"crush_rule", NULL};

static uint64_t pool_var(const struct osdmap_pool *p, const char *var)
{
	if (strcmp(var, "size") == 0)
		return p->size;
	if (strcmp(var, "min_size") == 0)
		return p->min_size;
	if (strcmp(var, "pg_num") == 0)
		return p->pg_num;
	if (strcmp(var, "pgp_num") == 0)
		return p->pgp_num;
	return p->crush_rule;
}

static int cmd_pool_get(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const char *name, *var;
	if (need_str(cmd, "pool", &name, r) || need_str(cmd, "var", &var, r))
		return r->rc;
	const struct osdmap_pool *p = osdmap_pool_by_name(s->committed, name);
	if (!p)
		return reply_err(r, -ENOENT, "unrecognized pool '%s'", name);
	bool all = strcmp(var, "all") == 0, known = all;
	for (int i = 0; pool_vars[i] && !known; i++)
		known = strcmp(pool_vars[i], var) == 0;
	if (!known)
		return reply_err(r, -EINVAL, "unknown pool variable '%s'", var);
	struct json_w w;
	bool json = want_json(cmd);
	if (json) {
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_obj_begin(&w);
		json_w_kv_str(&w, "pool", p->name);
		json_w_kv_int(&w, "pool_id", p->id);
	}
	for (int i = 0; pool_vars[i]; i++) {
		if (!all && strcmp(pool_vars[i], var) != 0)
			continue;
		uint64_t v = pool_var(p, pool_vars[i]);
		if (json && strcmp(pool_vars[i], "crush_rule") == 0) {
			const char *rn = crush_map_rule_name(osdmap_crush(s->committed), (uint32_t)v);
			json_w_kv_str(&w, "crush_rule", rn ? rn : "");
		} else if (json) {
			json_w_kv_uint(&w, pool_vars[i], v);
		} else {
			buf_printf(&r->out, "%s: %" PRIu64 "\n", pool_vars[i], v);
		}
	}
	if (json)
		json_w_obj_end(&w);
	return 0;
}

static int cmd_osd_map(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct osdmap *m = s->committed;
	const char *pname, *obj, *ns = "";
	if (need_str(cmd, "pool", &pname, r) || need_str(cmd, "object", &obj, r))
		return r->rc;
	json_get_str(cmd, "nspace", &ns);
	const struct osdmap_pool *p = osdmap_pool_by_name(m, pname);
	if (!p)
		return reply_err(r, -ENOENT, "pool %s does not exist", pname);
	struct osdmap_pg pg;
	struct osdmap_placement pl;
	int rc = osdmap_object_to_pg(m, p->id, ns, obj, NULL, &pg);
	if (!rc)
		rc = osdmap_pg_to_osds(m, &pg, &pl);
	if (rc)
		return reply_err(r, rc, "cannot map object '%s': %s", obj, strerror(-rc));
	char pgid[32], raw[32];
	osdmap_pg_format(&pg, pgid, sizeof(pgid));
	struct osdmap_pg rawpg = {p->id, 0};
	if (osdmap_object_hash(ns, obj, NULL, &rawpg.seed) != 0)
		return reply_err(r, -ENOMEM, "out of memory");
	osdmap_pg_format(&rawpg, raw, sizeof(raw));
	if (want_json(cmd)) {
		struct json_w w;
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_obj_begin(&w);
		json_w_kv_uint(&w, "epoch", osdmap_epoch(m));
		json_w_kv_str(&w, "pool", p->name);
		json_w_kv_int(&w, "pool_id", p->id);
		json_w_kv_str(&w, "objname", obj);
		json_w_kv_str(&w, "raw_pgid", raw);
		json_w_kv_str(&w, "pgid", pgid);
		json_w_key(&w, "up");
		json_w_arr_begin(&w);
		for (uint32_t i = 0; i < pl.up_n; i++)
			json_w_int(&w, pl.up[i] == OSDMAP_NONE ? -1 : pl.up[i]);
		json_w_arr_end(&w);
		json_w_kv_int(&w, "up_primary", pl.up_primary);
		json_w_key(&w, "acting");
		json_w_arr_begin(&w);
		for (uint32_t i = 0; i < pl.acting_n; i++)
			json_w_int(&w, pl.acting[i] == OSDMAP_NONE ? -1 : pl.acting[i]);
		json_w_arr_end(&w);
		json_w_kv_int(&w, "acting_primary", pl.acting_primary);
		json_w_obj_end(&w);
		return 0;
	}
	buf_printf(&r->out, "osdmap e%u pool '%s' (%" PRId64 ") object '%s' -> pg %s (%s) -> up (",
		   osdmap_epoch(m), p->name, p->id, obj, raw, pgid);
	for (uint32_t i = 0; i < pl.up_n; i++)
		buf_printf(&r->out, "%s%d", i ? "," : "[", pl.up[i]);
	buf_printf(&r->out, "%s, p%d) acting (", pl.up_n ? "]" : "[]", pl.up_primary);
	for (uint32_t i = 0; i < pl.acting_n; i++)
		buf_printf(&r->out, "%s%d", i ? "," : "[", pl.acting[i]);
	buf_printf(&r->out, "%s, p%d)\n", pl.acting_n ? "]" : "[]", pl.acting_primary);
	return 0;
}

static int cmd_getcrushmap(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	uint8_t *data;
	size_t len;
	int rc = crush_encode(osdmap_crush(s->committed), &data, &len);
	if (rc)
		return reply_err(r, rc, "cannot encode the CRUSH map");
	buf_append(&r->out, data, len);
	free(data);
	reply_status(r, "got crush map from osdmap epoch %u", osdmap_epoch(s->committed));
	return 0;
}

static int cmd_rule_ls(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const struct crush_map *c = osdmap_crush(s->committed);
	struct json_w w;
	bool json = want_json(cmd);
	if (json) {
		json_w_init(&w, &r->out, pretty(cmd));
		json_w_arr_begin(&w);
	}
	for (uint32_t i = 0; i < crush_map_max_rules(c); i++) {
		const char *name = crush_map_rule_name(c, i);
		if (!crush_map_rule_exists(c, i) || !name)
			continue;
		if (json)
			json_w_str(&w, name);
		else
			buf_printf(&r->out, "%s\n", name);
	}
	if (json)
		json_w_arr_end(&w);
	return 0;
}

/* ---- write commands: OSDs ------------------------------------------------------ */

/* Collect OSD ids from "ids" (array of strings/ints) or "id"; "all"/"any" means all. */
static int parse_ids(struct mon_osdmon *s, const struct json_val *cmd, int32_t **out, size_t *n,
		     struct mon_reply *r)
{
	const struct json_val *ids = json_get(cmd, "ids");
	const struct json_val *one = json_get(cmd, "id");
	size_t cnt = ids && json_type(ids) == JSON_ARRAY ? json_len(ids) : (one ? 1 : 0);
	if (cnt == 0)
		return reply_err(r, -EINVAL, "no OSD ids given");
	int32_t *v = calloc((size_t)osdmap_max_osd(s->pmap) + cnt, sizeof(*v));
	if (!v)
		return reply_err(r, -ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < cnt; i++) {
		const struct json_val *e = ids && json_type(ids) == JSON_ARRAY ? json_at(ids, i) : one;
		int64_t num;
		const char *str = json_string(e, NULL);
		if (str && (strcmp(str, "all") == 0 || strcmp(str, "any") == 0)) {
			for (int32_t o = 0; o < osdmap_max_osd(s->pmap); o++)
				if (osdmap_osd(s->pmap, o)->exists)
					v[k++] = o;
			break;
		}
		int32_t id;
		if (str ? parse_osd_id(str, &id) != 0 : !json_int(e, &num) || num < 0 ||
							       num > INT32_MAX) {
			free(v);
			return reply_err(r, -EINVAL, "bad OSD id");
		}
		if (!str)
			id = (int32_t)num;
		const struct osdmap_osd *o = osdmap_osd(s->pmap, id);
		if (!o || !o->exists) {
			free(v);
			return reply_err(r, -ENOENT, "osd.%d does not exist", id);
		}
		v[k++] = id;
	}
	*out = v;
	*n = k;
	return 0;
}

struct osd_create_arg {
	int32_t id;
	uint8_t uuid[16];
	bool has_uuid;
};

static int edit_osd_create(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct osd_create_arg *a = argp;
	int rc = 0;
	if (a->id >= osdmap_max_osd(s->pmap)) {
		int32_t cur = s->pending.new_max_osd >= 0 ? s->pending.new_max_osd
							  : osdmap_max_osd(s->pmap);
		s->pending.new_max_osd = MAX(cur, a->id + 1);
	}
	rc = osdmap_inc_create_osd(&s->pending, a->id);
	if (!rc && a->has_uuid)
		rc = osdmap_inc_set_uuid(&s->pending, a->id, a->uuid);
	return rc;
}

static enum mon_cmd_result cmd_osd_create(struct mon_osdmon *s, const struct json_val *cmd,
					  struct mon_reply *r)
{
	struct osd_create_arg a = {.id = -1};
	const char *uuid;
	if (json_get_str(cmd, "uuid", &uuid) == 0) {
		if (uuid_parse(uuid, a.uuid) != 0)
			return reply_err(r, -EINVAL, "bad uuid '%s'", uuid), MON_CMD_DONE;
		a.has_uuid = true;
		for (int32_t i = 0; i < osdmap_max_osd(s->pmap); i++) {
			const struct osdmap_osd *o = osdmap_osd(s->pmap, i);
			if (o->exists && memcmp(o->uuid, a.uuid, 16) == 0) {
				buf_printf(&r->out, "%d\n", i); /* already created: same answer */
				return MON_CMD_DONE;
			}
		}
	}
	int64_t want;
	if (json_get_int(cmd, "id", &want) == 0) {
		if (want < 0 || want >= OSDMAP_MAX_OSD)
			return reply_err(r, -EINVAL, "bad id %" PRId64, want), MON_CMD_DONE;
		const struct osdmap_osd *o = osdmap_osd(s->pmap, (int32_t)want);
		if (o && o->exists)
			return reply_err(r, -EEXIST, "osd.%" PRId64 " already exists", want),
			       MON_CMD_DONE;
		a.id = (int32_t)want;
	} else {
		a.id = 0;
		while (a.id < osdmap_max_osd(s->pmap) && osdmap_osd(s->pmap, a.id)->exists)
			a.id++;
		if (a.id >= OSDMAP_MAX_OSD)
			return reply_err(r, -ENOSPC, "no free OSD id"), MON_CMD_DONE;
	}
	if (try_edit(s, edit_osd_create, &a, r))
		return MON_CMD_DONE;
	if (want_json(cmd))
		buf_printf(&r->out, "{\"osdid\":%d}", a.id);
	else
		buf_printf(&r->out, "%d\n", a.id);
	return MON_CMD_PENDING;
}

struct ids_arg {
	int32_t *ids;
	size_t n;
	const char *what; /* in, out, down, rm */
};

static int edit_osd_state(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct ids_arg *a = argp;
	int rc = 0;
	for (size_t i = 0; i < a->n && !rc; i++) {
		int32_t id = a->ids[i];
		if (strcmp(a->what, "in") == 0) {
			rc = osdmap_inc_set_weight(&s->pending, id, 0x10000);
		} else if (strcmp(a->what, "out") == 0) {
			rc = osdmap_inc_set_weight(&s->pending, id, 0);
		} else if (strcmp(a->what, "down") == 0) {
			if (osdmap_is_up(s->pmap, id))
				rc = osdmap_inc_mark_down(&s->pending, id);
		} else {
			if (osdmap_is_up(s->pmap, id))
				return reply_err(r, -EBUSY, "osd.%d is still up; mark it down first",
						 id);
			rc = osdmap_inc_remove_osd(&s->pending, id);
		}
	}
	return rc;
}

static enum mon_cmd_result cmd_osd_state(struct mon_osdmon *s, const struct json_val *cmd,
					 const char *what, struct mon_reply *r)
{
	struct ids_arg a = {NULL, 0, what};
	if (parse_ids(s, cmd, &a.ids, &a.n, r))
		return MON_CMD_DONE;
	int rc = try_edit(s, edit_osd_state, &a, r);
	if (!rc) {
		struct buf list = BUF_INIT;
		for (size_t i = 0; i < a.n; i++)
			buf_printf(&list, "%s%d", i ? "," : "", a.ids[i]);
		reply_status(r, "marked %s osd%s %s", strcmp(what, "rm") == 0 ? "removed" : what,
			     a.n > 1 ? "s" : "", buf_cstr(&list));
		buf_fini(&list);
	}
	free(a.ids);
	return rc ? MON_CMD_DONE : MON_CMD_PENDING;
}

struct flag_arg {
	uint32_t flags;
};

static int edit_flags(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct flag_arg *a = argp;
	s->pending.has_flags = true;
	s->pending.new_flags = a->flags;
	return 0;
}

static enum mon_cmd_result cmd_osd_flag(struct mon_osdmon *s, const struct json_val *cmd,
					bool set, struct mon_reply *r)
{
	const char *key;
	if (need_str(cmd, "key", &key, r))
		return MON_CMD_DONE;
	uint32_t bit = osdmap_flag_parse(key);
	if (!bit)
		return reply_err(r, -EINVAL, "unknown flag '%s'", key), MON_CMD_DONE;
	uint32_t cur = osdmap_flags(s->pmap);
	struct flag_arg a = {set ? cur | bit : cur & ~bit};
	if (a.flags == cur) {
		reply_status(r, "%s is already %s", key, set ? "set" : "unset");
		return MON_CMD_DONE;
	}
	if (try_edit(s, edit_flags, &a, r))
		return MON_CMD_DONE;
	reply_status(r, "%s is %s", key, set ? "set" : "unset");
	return MON_CMD_PENDING;
}

/* ---- write commands: pools ----------------------------------------------------- */

struct pool_arg {
	struct osdmap_pool pool;
	bool remove;
};

static int edit_pool(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct pool_arg *a = argp;
	if (a->remove)
		return osdmap_inc_remove_pool(&s->pending, a->pool.id);
	a->pool.last_change = s->pending.epoch;
	if (a->pool.id > osdmap_pool_max(s->pmap))
		s->pending.new_pool_max = a->pool.id;
	return osdmap_inc_add_pool(&s->pending, &a->pool);
}

static int rule_arg(struct mon_osdmon *s, const char *name, uint32_t *out, struct mon_reply *r)
{
	const struct crush_map *c = osdmap_crush(s->pmap);
	if (crush_map_rule_by_name(c, name, out) == 0)
		return 0;
	char *end;
	unsigned long id = strtoul(name, &end, 10);
	if (*name && !*end && crush_map_rule_exists(c, (uint32_t)id)) {
		*out = (uint32_t)id;
		return 0;
	}
	return reply_err(r, -ENOENT, "crush rule '%s' does not exist", name);
}

static enum mon_cmd_result cmd_pool_create(struct mon_osdmon *s, const struct json_val *cmd,
					   struct mon_reply *r)
{
	const char *name, *type = "replicated", *rule = NULL;
	if (need_str(cmd, "pool", &name, r))
		return MON_CMD_DONE;
	if (!pool_name_ok(name))
		return reply_err(r, -EINVAL, "bad pool name '%s'", name), MON_CMD_DONE;
	if (osdmap_pool_by_name(s->pmap, name)) {
		reply_status(r, "pool '%s' already exists", name);
		return MON_CMD_DONE;
	}
	json_get_str(cmd, "pool_type", &type);
	if (strcmp(type, "replicated") != 0)
		return reply_err(r, strcmp(type, "erasure") ? -EINVAL : -EOPNOTSUPP,
				 "pool type '%s' is not supported (only replicated)", type),
		       MON_CMD_DONE;
	struct pool_arg a = {.remove = false};
	struct osdmap_pool *p = &a.pool;
	int64_t v = s->opts.default_pg_num;
	if (json_get(cmd, "pg_num") && need_int(cmd, "pg_num", 1, OSDMAP_MAX_PG_NUM, &v, r))
		return MON_CMD_DONE;
	p->pg_num = (uint32_t)v;
	if (json_get(cmd, "pgp_num") && need_int(cmd, "pgp_num", 1, p->pg_num, &v, r))
		return MON_CMD_DONE;
	p->pgp_num = (uint32_t)v;
	v = s->opts.default_size;
	if (json_get(cmd, "size") && need_int(cmd, "size", 1, OSDMAP_MAX_SIZE, &v, r))
		return MON_CMD_DONE;
	p->size = (uint32_t)v;
	p->min_size = s->opts.default_min_size ? MIN(s->opts.default_min_size, p->size)
					       : p->size - p->size / 2;
	json_get_str(cmd, "rule", &rule);
	if (rule_arg(s, rule ? rule : "replicated_rule", &p->crush_rule, r))
		return MON_CMD_DONE;
	p->id = osdmap_pool_max(s->pmap) + 1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->type = OSDMAP_POOL_REPLICATED;
	if (try_edit(s, edit_pool, &a, r))
		return MON_CMD_DONE;
	reply_status(r, "pool '%s' created", name);
	return MON_CMD_PENDING;
}

static bool sure(const struct json_val *cmd)
{
	bool b;
	const char *str;
	if (json_get_bool(cmd, "yes_i_really_really_mean_it", &b) == 0 && b)
		return true;
	return json_get_str(cmd, "sure", &str) == 0 &&
	       strcmp(str, "--yes-i-really-really-mean-it") == 0;
}

static enum mon_cmd_result cmd_pool_delete(struct mon_osdmon *s, const struct json_val *cmd,
					   struct mon_reply *r)
{
	const char *name, *name2 = NULL;
	if (need_str(cmd, "pool", &name, r))
		return MON_CMD_DONE;
	const struct osdmap_pool *p = osdmap_pool_by_name(s->pmap, name);
	if (!p) {
		reply_status(r, "pool '%s' does not exist", name);
		return MON_CMD_DONE;
	}
	json_get_str(cmd, "pool2", &name2);
	if (!name2 || strcmp(name, name2) != 0 || !sure(cmd))
		return reply_err(r, -EPERM,
				 "WARNING: this will *PERMANENTLY DESTROY* all data stored in pool "
				 "%s.  If you are *ABSOLUTELY CERTAIN* that is what you want, pass "
				 "the pool name *twice*, followed by --yes-i-really-really-mean-it.",
				 name),
		       MON_CMD_DONE;
	struct pool_arg a = {.pool = *p, .remove = true};
	if (try_edit(s, edit_pool, &a, r))
		return MON_CMD_DONE;
	reply_status(r, "pool '%s' removed", name);
	return MON_CMD_PENDING;
}

/* Apply "var = val" to a copy of the pool; the checks of "osd pool set". */
static int pool_set_var(struct mon_osdmon *s, struct osdmap_pool *p, const char *var,
			const char *val, struct mon_reply *r)
{
	char *end;
	long long n = strtoll(val, &end, 10);
	bool num = *val && !*end;
	if (strcmp(var, "crush_rule") == 0)
		return rule_arg(s, val, &p->crush_rule, r);
	if (!num)
		return reply_err(r, -EINVAL, "value '%s' for %s is not an integer", val, var);
	if (strcmp(var, "size") == 0) {
		if (n < 1 || n > OSDMAP_MAX_SIZE)
			return reply_err(r, -EINVAL, "pool size must be between 1 and %d",
					 OSDMAP_MAX_SIZE);
		p->size = (uint32_t)n;
		p->min_size = MIN(p->min_size, p->size);
		if (p->min_size == 0)
			p->min_size = p->size - p->size / 2;
	} else if (strcmp(var, "min_size") == 0) {
		if (n < 1 || n > p->size)
			return reply_err(r, -EINVAL, "pool min_size must be between 1 and size %u",
					 p->size);
		p->min_size = (uint32_t)n;
	} else if (strcmp(var, "pg_num") == 0) {
		if (n < p->pg_num)
			return reply_err(r, -EOPNOTSUPP, "decreasing pg_num is not supported");
		if (n > OSDMAP_MAX_PG_NUM)
			return reply_err(r, -EINVAL, "pg_num %lld is out of range", n);
		p->pg_num = (uint32_t)n;
	} else if (strcmp(var, "pgp_num") == 0) {
		if (n < 1 || n > p->pg_num)
			return reply_err(r, -EINVAL, "pgp_num must be between 1 and pg_num %u",
					 p->pg_num);
		p->pgp_num = (uint32_t)n;
	} else {
		return reply_err(r, -EINVAL, "unknown pool variable '%s'", var);
	}
	return 0;
}

static enum mon_cmd_result cmd_pool_set(struct mon_osdmon *s, const struct json_val *cmd,
					struct mon_reply *r)
{
	const char *var, *val;
	const struct osdmap_pool *p = need_pool(s, cmd, "pool", r);
	if (!p || need_str(cmd, "var", &var, r))
		return MON_CMD_DONE;
	int64_t ival;
	char tmp[32];
	if (json_get_str(cmd, "val", &val) != 0) {
		if (json_get_int(cmd, "val", &ival) != 0)
			return reply_err(r, -EINVAL, "missing argument 'val'"), MON_CMD_DONE;
		snprintf(tmp, sizeof(tmp), "%" PRId64, ival);
		val = tmp;
	}
	/* try_edit rebuilds the pending map: @p is dead after it. */
	struct pool_arg a = {.pool = *p, .remove = false};
	if (pool_set_var(s, &a.pool, var, val, r) || try_edit(s, edit_pool, &a, r))
		return MON_CMD_DONE;
	reply_status(r, "set pool %" PRId64 " %s to %s", a.pool.id, var, val);
	return MON_CMD_PENDING;
}

/* Ceph's character rule for application names and keys (values may also hold '='). */
static bool app_word_ok(const char *w, bool is_value)
{
	size_t n = strlen(w);
	if ((n == 0 && !is_value) || n > POOLAPP_NAME_MAX)
		return false;
	for (; *w; w++)
		if (!isalnum((unsigned char)*w) && !strchr(is_value ? "-_.=" : "-_.", *w))
			return false;
	return true;
}

/*
 * Check the arguments of an application edit; 0 or an error reply.  The
 * key and value are fetched only for "set" / "rm".
 */
static int app_args(const struct json_val *cmd, const char *what, const char **app,
		    const char **key, const char **val, struct mon_reply *r)
{
	bool set = strcmp(what, "set") == 0, rm = strcmp(what, "rm") == 0;
	if (need_str(cmd, "app", app, r) || ((set || rm) && need_str(cmd, "key", key, r)) ||
	    (set && need_str(cmd, "value", val, r)))
		return r->rc;
	if (!app_word_ok(*app, false) || ((set || rm) && !app_word_ok(*key, false)) ||
	    (set && !app_word_ok(*val, true)))
		return reply_err(r, -EINVAL,
				 "application names and keys may hold only [A-Za-z0-9-_.] "
				 "(values also '=')");
	return 0;
}

/* "osd pool application enable | disable | set | rm". */
static enum mon_cmd_result cmd_pool_app(struct mon_osdmon *s, const struct json_val *cmd,
					const char *prefix, struct mon_reply *r)
{
	const struct osdmap_pool *p = need_pool(s, cmd, "pool", r);
	const char *what = prefix + strlen("osd pool application "), *app, *key = NULL, *val = NULL;
	if (!p || app_args(cmd, what, &app, &key, &val, r))
		return MON_CMD_DONE;
	bool force = false;
	json_get_bool(cmd, "yes_i_really_mean_it", &force);
	struct pool_arg a = {.pool = *p, .remove = false};
	bool has = poolapp_has(p->apps, app);
	int rc = 0;
	if (strcmp(what, "enable") == 0) {
		reply_status(r, "enabled application '%s' on pool '%s'", app, p->name);
		if (has)
			return MON_CMD_DONE;
		if (poolapp_count(p->apps) > 0 && !force)
			return reply_err(r, -EPERM,
					 "Are you SURE? Pool '%s' already has an enabled application; "
					 "pass --yes-i-really-mean-it to proceed anyway",
					 p->name),
			       MON_CMD_DONE;
		rc = poolapp_enable(a.pool.apps, sizeof(a.pool.apps), app);
	} else if (strcmp(what, "disable") == 0) {
		if (!force)
			return reply_err(r, -EPERM,
					 "Are you SURE? Disabling an application within a pool might "
					 "result in loss of application functionality; pass "
					 "--yes-i-really-mean-it to proceed anyway"),
			       MON_CMD_DONE;
		if (!has)
			return reply_status(r, "application '%s' is not enabled on pool '%s'", app,
					    p->name),
			       MON_CMD_DONE;
		reply_status(r, "disable application '%s' on pool '%s'", app, p->name);
		rc = poolapp_disable(a.pool.apps, sizeof(a.pool.apps), app);
	} else if (!has) {
		return reply_err(r, -ENOENT, "application '%s' is not enabled on pool '%s'", app,
				 p->name),
		       MON_CMD_DONE;
	} else if (strcmp(what, "set") == 0) {
		reply_status(r, "set application '%s' key '%s' to '%s' on pool '%s'", app, key, val,
			     p->name);
		rc = poolapp_set(a.pool.apps, sizeof(a.pool.apps), app, key, val);
	} else {
		rc = poolapp_rm(a.pool.apps, sizeof(a.pool.apps), app, key);
		if (rc == -ENOENT)
			return reply_status(r, "application '%s' on pool '%s' does not have key '%s'",
					    app, p->name, key),
			       MON_CMD_DONE;
		reply_status(r, "removed application '%s' key '%s' on pool '%s'", app, key,
			     p->name);
	}
	if (rc)
		return reply_err(r, rc, "cannot change the applications of pool '%s': %s", p->name,
				 rc == -ENOSPC ? "no room left for metadata" : strerror(-rc)),
		       MON_CMD_DONE;
	return try_edit(s, edit_pool, &a, r) ? MON_CMD_DONE : MON_CMD_PENDING;
}

/* "osd pool application get [pool] [app] [key]". */
static int cmd_pool_app_get(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r)
{
	const char *name = NULL, *app = NULL, *key = NULL;
	json_get_str(cmd, "pool", &name);
	json_get_str(cmd, "app", &app);
	json_get_str(cmd, "key", &key);
	struct json_w w;
	json_w_init(&w, &r->out, pretty(cmd));
	if (!name) {
		json_w_obj_begin(&w);
		for (size_t i = 0; i < osdmap_pool_count(s->committed); i++) {
			const struct osdmap_pool *p = osdmap_pool_at(s->committed, i);
			json_w_key(&w, p->name);
			apps_json(&w, p->apps, NULL);
		}
		json_w_obj_end(&w);
		return 0;
	}
	const struct osdmap_pool *p = osdmap_pool_by_name(s->committed, name);
	if (!p)
		return reply_err(r, -ENOENT, "unrecognized pool '%s'", name);
	if (app && !poolapp_has(p->apps, app))
		return reply_err(r, -ENOENT, "pool '%s' does not have application '%s'", name, app);
	if (!app || !key) {
		apps_json(&w, p->apps, app);
		return 0;
	}
	struct app_key_find f = {key, NULL, 0};
	if (poolapp_each(p->apps, app, app_key_find_cb, &f) != 1)
		return reply_err(r, -ENOENT, "application '%s' on pool '%s' does not have key '%s'",
				 app, name, key);
	buf_append(&r->out, f.val, f.vl);
	buf_append_str(&r->out, "\n");
	return 0;
}

static enum mon_cmd_result cmd_pool_misc(struct mon_osdmon *s, const struct json_val *cmd,
					 const char *prefix, struct mon_reply *r)
{
	const struct osdmap_pool *p = need_pool(s, cmd, strcmp(prefix, "osd pool rename") == 0
								  ? "srcpool"
								  : "pool",
						r);
	if (!p)
		return MON_CMD_DONE;
	struct pool_arg a = {.pool = *p, .remove = false};
	const char *s1, *field;
	int64_t n;
	if (strcmp(prefix, "osd pool rename") == 0) {
		if (need_str(cmd, "destpool", &s1, r))
			return MON_CMD_DONE;
		if (!pool_name_ok(s1) || osdmap_pool_by_name(s->pmap, s1))
			return reply_err(r, -EEXIST, "pool '%s' exists or is not a valid name", s1),
			       MON_CMD_DONE;
		snprintf(a.pool.name, sizeof(a.pool.name), "%s", s1);
		reply_status(r, "pool '%s' renamed to '%s'", p->name, s1);
	} else {
		if (need_str(cmd, "field", &field, r) || need_int(cmd, "val", 0, INT64_MAX, &n, r))
			return MON_CMD_DONE;
		if (strcmp(field, "max_objects") == 0)
			a.pool.quota_max_objects = (uint64_t)n;
		else if (strcmp(field, "max_bytes") == 0)
			a.pool.quota_max_bytes = (uint64_t)n;
		else
			return reply_err(r, -EINVAL, "field must be max_objects or max_bytes"),
			       MON_CMD_DONE;
		reply_status(r, "set-quota %s = %" PRId64 " for pool %s", field, n, p->name);
	}
	/* try_edit keeps the status on success and replaces it on failure. */
	return try_edit(s, edit_pool, &a, r) ? MON_CMD_DONE : MON_CMD_PENDING;
}

/* ---- write commands: CRUSH ----------------------------------------------------- */

/*
 * Every CRUSH edit works on a copy of the pending CRUSH map and installs
 * the whole map in the incremental; the map is small and this keeps one
 * code path for operator edits, boots and setcrushmap.
 */
typedef int (*crush_edit_fn)(struct crush_map *c, const struct json_val *cmd, void *arg,
			     struct mon_reply *r);

struct crush_arg {
	crush_edit_fn fn;
	const struct json_val *cmd;
	void *arg;
	struct crush_map *replacement; /* setcrushmap: use this map */
};

static int check_pools_rules(const struct osdmap *m, const struct crush_map *c,
			     struct mon_reply *r)
{
	for (size_t i = 0; i < osdmap_pool_count(m); i++) {
		const struct osdmap_pool *p = osdmap_pool_at(m, i);
		if (!crush_map_rule_exists(c, p->crush_rule))
			return reply_err(r, -EINVAL, "pool '%s' uses crush rule %u, which the new map lacks",
					 p->name, p->crush_rule);
	}
	return 0;
}

static int edit_crush(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct crush_arg *a = argp;
	struct crush_map *c = a->replacement ? a->replacement : crush_map_clone(osdmap_crush(s->pmap));
	if (!c)
		return reply_err(r, -ENOMEM, "out of memory");
	int rc = a->fn ? a->fn(c, a->cmd, a->arg, r) : 0;
	char err[256];
	if (!rc && crush_map_validate(c, err, sizeof(err)) != 0)
		rc = reply_err(r, -EINVAL, "the resulting CRUSH map is invalid: %s", err);
	if (!rc)
		rc = check_pools_rules(s->pmap, c, r);
	if (!rc)
		rc = osdmap_inc_set_crush(&s->pending, c);
	if (c != a->replacement)
		crush_map_destroy(c);
	return rc;
}

static int item_arg(const struct crush_map *c, const struct json_val *cmd, const char *key,
		    int32_t *out, struct mon_reply *r)
{
	const char *name;
	if (need_str(cmd, key, &name, r))
		return r->rc;
	if (crush_map_item_by_name(c, name, out) != 0)
		return reply_err(r, -ENOENT, "no item named '%s' in the CRUSH map", name);
	return 0;
}

static int ce_add_bucket(struct crush_map *c, const struct json_val *cmd, void *arg,
			 struct mon_reply *r)
{
	const char *name, *type;
	int32_t tid, id, dummy;
	if (need_str(cmd, "name", &name, r) || need_str(cmd, "type", &type, r))
		return r->rc;
	if (crush_map_item_by_name(c, name, &dummy) == 0)
		return reply_err(r, -EEXIST, "item '%s' already exists", name);
	if (crush_map_type_by_name(c, type, &tid) != 0 || tid == 0)
		return reply_err(r, -EINVAL, "unknown bucket type '%s'", type);
	int rc = crush_add_bucket(c, 0, name, tid, CRUSH_BUCKET_STRAW2, &id);
	if (rc)
		return reply_err(r, rc, "cannot add bucket '%s': %s", name, strerror(-rc));
	reply_status(r, "added bucket %s type %s to crush map", name, type);
	return 0;
}

/* args ["root=default", "rack=r1", "host=h1"]: the innermost existing location. */
static int location_arg(const struct crush_map *c, const struct json_val *cmd, int32_t *out,
			struct mon_reply *r)
{
	const struct json_val *args = json_get(cmd, "args");
	if (!args || json_type(args) != JSON_ARRAY || json_len(args) == 0)
		return reply_err(r, -EINVAL, "missing location (e.g. root=default host=h1)");
	int best_rank = -1;
	for (size_t i = 0; i < json_len(args); i++) {
		const char *kv = json_string(json_at(args, i), NULL);
		const char *eq = kv ? strchr(kv, '=') : NULL;
		if (!eq)
			return reply_err(r, -EINVAL, "bad location '%s' (want type=name)",
					 kv ? kv : "?");
		int32_t id, type, btype;
		uint32_t alg, w, sz;
		char tname[64];
		snprintf(tname, sizeof(tname), "%.*s", (int)(eq - kv), kv);
		if (crush_map_type_by_name(c, tname, &type) != 0)
			return reply_err(r, -EINVAL, "unknown type '%s'", tname);
		if (crush_map_item_by_name(c, eq + 1, &id) != 0 ||
		    crush_map_bucket_info(c, id, &btype, &alg, &w, &sz) != 0)
			continue; /* a missing level: use the others */
		if (btype != type)
			return reply_err(r, -EINVAL, "'%s' is a bucket of another type", eq + 1);
		/* The lowest type (closest to the leaves) is where the item goes. */
		if (best_rank < 0 || type < best_rank) {
			best_rank = type;
			*out = id;
		}
	}
	if (best_rank < 0)
		return reply_err(r, -ENOENT, "none of the location's buckets exist");
	return 0;
}

static int ce_move(struct crush_map *c, const struct json_val *cmd, void *arg,
		   struct mon_reply *r)
{
	int32_t item = 0, parent = 0;
	if (item_arg(c, cmd, "name", &item, r) || location_arg(c, cmd, &parent, r))
		return r->rc;
	int rc = crush_move(c, item, parent);
	if (rc)
		return reply_err(r, rc, "cannot move: %s", strerror(-rc));
	reply_status(r, "moved item id %d name '%s' to location", item,
		     crush_map_item_name(c, item));
	return 0;
}

static int ce_rm(struct crush_map *c, const struct json_val *cmd, void *arg, struct mon_reply *r)
{
	int32_t item;
	if (item_arg(c, cmd, "name", &item, r))
		return r->rc;
	int rc = crush_remove_item(c, item);
	if (rc == -ENOTEMPTY)
		return reply_err(r, rc, "bucket is not empty");
	if (rc == -EBUSY)
		return reply_err(r, rc, "a rule uses this item");
	if (rc)
		return reply_err(r, rc, "cannot remove: %s", strerror(-rc));
	reply_status(r, "removed item id %d from crush map", item);
	return 0;
}

static int ce_reweight(struct crush_map *c, const struct json_val *cmd, void *arg,
		       struct mon_reply *r)
{
	int32_t item;
	if (item_arg(c, cmd, "name", &item, r))
		return r->rc;
	const struct json_val *wv = json_get(cmd, "weight");
	double w = -1;
	const char *ws;
	if (wv && json_type(wv) == JSON_NUMBER)
		w = json_number(wv);
	else if (json_get_str(cmd, "weight", &ws) == 0)
		w = strtod(ws, NULL);
	if (!(w >= 0 && w <= 65535) || item < 0)
		return reply_err(r, -EINVAL, "need a device and a weight in [0, 65535]");
	int rc = crush_reweight_device(c, item, (uint32_t)llround(w * 65536.0));
	if (rc)
		return reply_err(r, rc, "cannot reweight: %s", strerror(-rc));
	reply_status(r, "reweighted item id %d name '%s' to %g in crush map", item,
		     crush_map_item_name(c, item), w);
	return 0;
}

static int ce_rule_create(struct crush_map *c, const struct json_val *cmd, void *arg,
			  struct mon_reply *r)
{
	const char *name, *root, *type, *cls = NULL;
	uint32_t id;
	if (need_str(cmd, "name", &name, r) || need_str(cmd, "root", &root, r) ||
	    need_str(cmd, "type", &type, r))
		return r->rc;
	json_get_str(cmd, "class", &cls);
	if (crush_map_rule_by_name(c, name, &id) == 0) {
		reply_status(r, "rule %s already exists", name);
		return 0;
	}
	int rc = crush_add_simple_rule(c, name, root, type, cls && *cls ? cls : NULL,
				       CRUSH_RULE_TYPE_REPLICATED, &id);
	if (rc)
		return reply_err(r, rc, "cannot create rule '%s': %s", name, strerror(-rc));
	return 0;
}

static int ce_rule_rm(struct crush_map *c, const struct json_val *cmd, void *arg,
		      struct mon_reply *r)
{
	const char *name;
	uint32_t id;
	if (need_str(cmd, "name", &name, r))
		return r->rc;
	if (crush_map_rule_by_name(c, name, &id) != 0)
		return reply_err(r, -ENOENT, "rule %s does not exist", name);
	return crush_remove_rule(c, id);
}

static int ce_device_class(struct crush_map *c, const struct json_val *cmd, void *arg,
			   struct mon_reply *r)
{
	const char *cls;
	struct ids_arg *ids = arg;
	if (need_str(cmd, "class", &cls, r))
		return r->rc;
	for (size_t i = 0; i < ids->n; i++) {
		if (!crush_map_device_exists(c, ids->ids[i]))
			return reply_err(r, -ENOENT, "osd.%d is not in the CRUSH map", ids->ids[i]);
		int rc = crush_set_device_class(c, ids->ids[i], cls);
		if (rc)
			return reply_err(r, rc, "cannot set class: %s", strerror(-rc));
	}
	reply_status(r, "set %zu osd(s) to class '%s'", ids->n, cls);
	return 0;
}

static int ce_tunables(struct crush_map *c, const struct json_val *cmd, void *arg,
		       struct mon_reply *r)
{
	const char *profile;
	if (need_str(cmd, "profile", &profile, r))
		return r->rc;
	if (crush_set_tunables_profile(c, profile) != 0)
		return reply_err(r, -EINVAL, "unknown tunables profile '%s'", profile);
	reply_status(r, "adjusted tunables profile to %s", profile);
	return 0;
}

static const struct {
	const char *prefix;
	crush_edit_fn fn;
} crush_cmds[] = {
	{"osd crush add-bucket", ce_add_bucket},
	{"osd crush move", ce_move},
	{"osd crush rm", ce_rm},
	{"osd crush remove", ce_rm},
	{"osd crush reweight", ce_reweight},
	{"osd crush rule create-replicated", ce_rule_create},
	{"osd crush rule rm", ce_rule_rm},
	{"osd crush set-device-class", ce_device_class},
	{"osd crush tunables", ce_tunables},
};

static enum mon_cmd_result cmd_crush(struct mon_osdmon *s, const struct json_val *cmd,
				     crush_edit_fn fn, struct mon_reply *r)
{
	struct ids_arg ids = {NULL, 0, NULL};
	struct crush_arg a = {fn, cmd, NULL, NULL};
	if (fn == ce_device_class) {
		if (parse_ids(s, cmd, &ids.ids, &ids.n, r))
			return MON_CMD_DONE;
		a.arg = &ids;
	}
	int rc = try_edit(s, edit_crush, &a, r);
	free(ids.ids);
	return rc ? MON_CMD_DONE : MON_CMD_PENDING;
}

static enum mon_cmd_result cmd_setcrushmap(struct mon_osdmon *s, const uint8_t *in, size_t inlen,
					   struct mon_reply *r)
{
	struct crush_map *c = NULL;
	char err[256];
	int rc = crush_codec_is_binary(in, inlen)
			 ? crush_decode(in, inlen, &c, err, sizeof(err))
			 : crush_text_compile((const char *)in, inlen, &c, err, sizeof(err));
	if (rc)
		return reply_err(r, -EINVAL, "cannot decode the CRUSH map: %s", err), MON_CMD_DONE;
	struct crush_arg a = {NULL, NULL, NULL, c};
	rc = try_edit(s, edit_crush, &a, r);
	crush_map_destroy(c);
	if (rc)
		return MON_CMD_DONE;
	reply_status(r, "set crush map");
	return MON_CMD_PENDING;
}

/* ---- write commands: placement exceptions ------------------------------------ */

struct upmap_arg {
	struct osdmap_pg pg;
	struct osdmap_upmap_pair pairs[OSDMAP_MAX_SIZE];
	size_t n;
};

static int edit_upmap(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct upmap_arg *a = argp;
	return osdmap_inc_set_upmap(&s->pending, &a->pg, a->pairs, a->n);
}

static enum mon_cmd_result cmd_upmap(struct mon_osdmon *s, const struct json_val *cmd, bool rm,
				     struct mon_reply *r)
{
	const char *pgid;
	struct upmap_arg a = {.n = 0};
	if (need_str(cmd, "pgid", &pgid, r))
		return MON_CMD_DONE;
	const struct osdmap_pool *p;
	if (osdmap_pg_parse(pgid, &a.pg) != 0 || !(p = osdmap_pool(s->pmap, a.pg.pool)) ||
	    a.pg.seed >= p->pg_num)
		return reply_err(r, -ENOENT, "pg '%s' does not exist", pgid), MON_CMD_DONE;
	if (!rm) {
		const struct json_val *ids = json_get(cmd, "id");
		size_t n = ids && json_type(ids) == JSON_ARRAY ? json_len(ids) : 0;
		if (n == 0 || n % 2 || n / 2 > OSDMAP_MAX_SIZE)
			return reply_err(r, -EINVAL, "need pairs of OSD ids: from to [from to...]"),
			       MON_CMD_DONE;
		for (size_t i = 0; i < n; i++) {
			int64_t v;
			const char *str = json_string(json_at(ids, i), NULL);
			int32_t id;
			if (str ? parse_osd_id(str, &id) : !json_int(json_at(ids, i), &v))
				return reply_err(r, -EINVAL, "bad OSD id"), MON_CMD_DONE;
			if (!str)
				id = (int32_t)v;
			if (!osdmap_osd(s->pmap, id) || !osdmap_osd(s->pmap, id)->exists)
				return reply_err(r, -ENOENT, "osd.%d does not exist", id),
				       MON_CMD_DONE;
			if (i % 2 == 0)
				a.pairs[i / 2].from = id;
			else
				a.pairs[i / 2].to = id;
		}
		a.n = n / 2;
	}
	if (try_edit(s, edit_upmap, &a, r))
		return MON_CMD_DONE;
	reply_status(r, "%s pg_upmap_items mapping for %s", rm ? "no" : "set", pgid);
	return MON_CMD_PENDING;
}

/* ---- write commands: the blocklist ------------------------------------------------ */

/* Ceph's mon_osd_blocklist_default_expire: an hour. */
#define BLOCKLIST_DEFAULT_EXPIRE_S 3600.0

struct bl_arg {
	enum { BL_ADD, BL_RM, BL_CLEAR, BL_EXPIRE } what;
	struct net_addr addr;
	uint64_t nonce;
	uint64_t expires; /* BL_ADD: the stamp; BL_EXPIRE: now */
};

/*
 * One blocklist change.  Additions cancel a pending removal of the entry
 * and removals a pending addition (osdmap_inc_blocklist_*), so the last
 * word of a batch wins, as with Ceph's pending_inc.
 */
static int edit_blocklist(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct bl_arg *a = argp;
	(void)r;
	if (a->what == BL_ADD)
		return osdmap_inc_blocklist_add(&s->pending, &a->addr, a->nonce, a->expires);
	if (a->what == BL_RM)
		return osdmap_inc_blocklist_rm(&s->pending, &a->addr, a->nonce);
	/* Clear or expire: every (expired) entry of the pending map; pmap holds still. */
	int rc = 0;
	for (size_t i = 0; !rc && i < osdmap_blocklist_count(s->pmap); i++) {
		const struct osdmap_blocklist_entry *e = osdmap_blocklist_at(s->pmap, i);
		if (a->what == BL_CLEAR || e->expires <= a->expires)
			rc = osdmap_inc_blocklist_rm(&s->pending, &e->addr, e->nonce);
	}
	return rc;
}

static bool addr_is_any(const struct net_addr *a)
{
	if (addr_family(a) == AF_INET)
		return a->u.in.sin_addr.s_addr == 0;
	return addr_family(a) == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a->u.in6.sin6_addr);
}

/* "expire": seconds from now (a number, or a number as a string); 0 or -EINVAL. */
static int expire_arg(const struct json_val *cmd, double *out, struct mon_reply *r)
{
	const struct json_val *v = json_get(cmd, "expire");
	*out = BLOCKLIST_DEFAULT_EXPIRE_S;
	if (!v)
		return 0;
	double d = NAN;
	if (json_type(v) == JSON_NUMBER) {
		d = json_number(v);
	} else if (json_type(v) == JSON_STRING) {
		const char *str = json_string(v, NULL);
		char *end;
		d = strtod(str, &end);
		if (end == str || *end)
			d = NAN;
	}
	if (!isfinite(d) || d < 0)
		return reply_err(r, -EINVAL, "argument 'expire' must be a number of seconds >= 0");
	*out = d;
	return 0;
}

/*
 * `osd blocklist add|rm ADDR [EXPIRE]` (and Ceph's older `osd blacklist`,
 * whose op key is "blacklistop").  Status strings are Ceph's.
 */
static enum mon_cmd_result cmd_blocklist(struct mon_osdmon *s, const struct json_val *cmd,
					 struct mon_reply *r)
{
	const char *op, *addrstr, *range;
	struct bl_arg a = {.what = BL_ADD};
	if (json_get_str(cmd, "blocklistop", &op) != 0 &&
	    json_get_str(cmd, "blacklistop", &op) != 0)
		return reply_err(r, -EINVAL, "missing argument 'blocklistop' (add or rm)"),
		       MON_CMD_DONE;
	if (strcmp(op, "add") != 0 && strcmp(op, "rm") != 0)
		return reply_err(r, -EINVAL, "blocklistop must be add or rm, not '%s'", op),
		       MON_CMD_DONE;
	if (json_get_str(cmd, "range", &range) == 0)
		return reply_err(r, -EOPNOTSUPP, "range (CIDR) blocklisting is not supported"),
		       MON_CMD_DONE;
	if (need_str(cmd, "addr", &addrstr, r))
		return MON_CMD_DONE;
	if (osdmap_blocklist_addr_parse(addrstr, &a.addr, &a.nonce) != 0)
		return reply_err(r, -EINVAL, "unable to parse address %s", addrstr), MON_CMD_DONE;
	char name[OSDMAP_BLOCKLIST_ADDR_STRLEN];
	osdmap_blocklist_addr_format(&a.addr, a.nonce, name, sizeof(name));
	if (strcmp(op, "rm") == 0) {
		if (!osdmap_blocklist_find(s->pmap, &a.addr, a.nonce)) {
			reply_status(r, "%s isn't blocklisted", name);
			return MON_CMD_DONE;
		}
		a.what = BL_RM;
		if (try_edit(s, edit_blocklist, &a, r))
			return MON_CMD_DONE;
		reply_status(r, "un-blocklisting %s", name);
		return MON_CMD_PENDING;
	}
	/* Ceph would match nothing here; with "any IP, any client" it would fence everyone. */
	if (a.nonce == 0 && addr_is_any(&a.addr))
		return reply_err(r, -EINVAL, "%s would fence every client: give an IP or a nonce",
				 name),
		       MON_CMD_DONE;
	double secs;
	if (expire_arg(cmd, &secs, r))
		return MON_CMD_DONE;
	uint64_t now = clk_real_ns();
	double ns = secs * 1e9;
	a.expires = ns >= (double)(UINT64_MAX - now) ? UINT64_MAX : now + (uint64_t)ns;
	if (try_edit(s, edit_blocklist, &a, r))
		return MON_CMD_DONE;
	char until[64];
	time_text(a.expires, until, sizeof(until));
	reply_status(r, "blocklisting %s until %s (%g sec)", name, until, secs);
	return MON_CMD_PENDING;
}

static enum mon_cmd_result cmd_blocklist_clear(struct mon_osdmon *s, struct mon_reply *r)
{
	struct bl_arg a = {.what = BL_CLEAR};
	if (osdmap_blocklist_count(s->pmap) == 0) {
		reply_status(r, "removed all blocklist entries");
		return MON_CMD_DONE;
	}
	if (try_edit(s, edit_blocklist, &a, r))
		return MON_CMD_DONE;
	reply_status(r, "removed all blocklist entries");
	return MON_CMD_PENDING;
}

/* ---- dispatch ---------------------------------------------------------------- */

typedef int (*read_fn)(struct mon_osdmon *s, const struct json_val *cmd, struct mon_reply *r);

static const struct {
	const char *prefix;
	read_fn fn;
} read_cmds[] = {
	{"osd dump", cmd_osd_dump},
	{"osd stat", cmd_osd_stat},
	{"osd ls", cmd_osd_ls},
	{"osd tree", cmd_osd_tree},
	{"osd pool ls", cmd_pool_ls},
	{"osd lspools", cmd_pool_ls},
	{"osd pool get", cmd_pool_get},
	{"osd pool application get", cmd_pool_app_get},
	{"osd map", cmd_osd_map},
	{"osd getcrushmap", cmd_getcrushmap},
	{"osd crush rule ls", cmd_rule_ls},
	{"osd crush rule list", cmd_rule_ls},
	{"osd blocklist ls", cmd_blocklist_ls},
	{"osd blacklist ls", cmd_blocklist_ls},
};

static const char *const write_prefixes[] = {
	"osd create", "osd rm", "osd in", "osd out", "osd down", "osd set", "osd unset",
	"osd pool create", "osd pool delete", "osd pool rm", "osd pool set", "osd pool rename",
	"osd pool application enable", "osd pool application disable",
	"osd pool application set", "osd pool application rm", "osd pool set-quota",
	"osd setcrushmap",
	"osd pg-upmap-items", "osd rm-pg-upmap-items",
	"osd blocklist", "osd blacklist", "osd blocklist clear", "osd blacklist clear",
};

bool mon_osdmon_handles(const char *prefix)
{
	for (size_t i = 0; i < ARRAY_SIZE(read_cmds); i++)
		if (strcmp(read_cmds[i].prefix, prefix) == 0)
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(write_prefixes); i++)
		if (strcmp(write_prefixes[i], prefix) == 0)
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(crush_cmds); i++)
		if (strcmp(crush_cmds[i].prefix, prefix) == 0)
			return true;
	return false;
}

bool mon_osdmon_is_write(const char *prefix)
{
	for (size_t i = 0; i < ARRAY_SIZE(read_cmds); i++)
		if (strcmp(read_cmds[i].prefix, prefix) == 0)
			return false;
	return mon_osdmon_handles(prefix);
}

static enum mon_cmd_result dispatch_write(struct mon_osdmon *s, const char *prefix,
					  const struct json_val *cmd, const uint8_t *in,
					  size_t inlen, struct mon_reply *r)
{
	static const char *const states[] = {"in", "out", "down", "rm"};
	for (size_t i = 0; i < ARRAY_SIZE(states); i++) {
		char p[32];
		snprintf(p, sizeof(p), "osd %s", states[i]);
		if (strcmp(prefix, p) == 0)
			return cmd_osd_state(s, cmd, states[i], r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(crush_cmds); i++)
		if (strcmp(crush_cmds[i].prefix, prefix) == 0)
			return cmd_crush(s, cmd, crush_cmds[i].fn, r);
	if (strcmp(prefix, "osd create") == 0)
		return cmd_osd_create(s, cmd, r);
	if (strcmp(prefix, "osd set") == 0 || strcmp(prefix, "osd unset") == 0)
		return cmd_osd_flag(s, cmd, prefix[4] == 's', r);
	if (strcmp(prefix, "osd pool create") == 0)
		return cmd_pool_create(s, cmd, r);
	if (strcmp(prefix, "osd pool delete") == 0 || strcmp(prefix, "osd pool rm") == 0)
		return cmd_pool_delete(s, cmd, r);
	if (strcmp(prefix, "osd pool set") == 0)
		return cmd_pool_set(s, cmd, r);
	if (strcmp(prefix, "osd setcrushmap") == 0)
		return cmd_setcrushmap(s, in, inlen, r);
	if (strcmp(prefix, "osd pg-upmap-items") == 0 || strcmp(prefix, "osd rm-pg-upmap-items") == 0)
		return cmd_upmap(s, cmd, prefix[4] == 'r', r);
	if (strncmp(prefix, "osd pool application ", 21) == 0)
		return cmd_pool_app(s, cmd, prefix, r);
	if (strcmp(prefix, "osd blocklist") == 0 || strcmp(prefix, "osd blacklist") == 0)
		return cmd_blocklist(s, cmd, r);
	if (strcmp(prefix, "osd blocklist clear") == 0 || strcmp(prefix, "osd blacklist clear") == 0)
		return cmd_blocklist_clear(s, r);
	return cmd_pool_misc(s, cmd, prefix, r);
}

enum mon_cmd_result mon_osdmon_command(struct mon_osdmon *s, const struct json_val *cmd,
				       const uint8_t *in, size_t inlen, bool is_leader,
				       struct mon_reply *r)
{
	const char *prefix;
	r->rc = 0;
	if (json_get_str(cmd, "prefix", &prefix) != 0) {
		reply_err(r, -EINVAL, "command has no prefix");
		return MON_CMD_DONE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(read_cmds); i++) {
		if (strcmp(read_cmds[i].prefix, prefix) == 0) {
			read_cmds[i].fn(s, cmd, r);
			return MON_CMD_DONE;
		}
	}
	if (!mon_osdmon_handles(prefix)) {
		reply_err(r, -EINVAL, "unknown command '%s'", prefix);
		return MON_CMD_DONE;
	}
	if (!is_leader) {
		reply_err(r, -EAGAIN, "not the leader");
		return MON_CMD_DONE;
	}
	return dispatch_write(s, prefix, cmd, in, inlen, r);
}

/* ---- OSD boot and failures -------------------------------------------------- */

struct boot_arg {
	int32_t osd;
	uint8_t uuid[16];
	struct net_addr addr;
	const char *host;
	uint64_t capacity;
};

/* Put a new device under host=<name> below the first root, creating the host. */
static int place_device(struct crush_map *c, const struct boot_arg *a)
{
	char name[32];
	int32_t host, root = 0, host_type, root_type, parent = 0;
	snprintf(name, sizeof(name), "osd.%d", a->osd);
	if (crush_map_type_by_name(c, "host", &host_type) != 0 ||
	    crush_map_type_by_name(c, "root", &root_type) != 0)
		return -EINVAL;
	for (int32_t b = -1; b >= -crush_map_max_buckets(c) && !root; b--) {
		int32_t t;
		uint32_t alg, w, sz;
		if (crush_map_bucket_exists(c, b) && !crush_map_bucket_is_shadow(c, b) &&
		    crush_map_bucket_info(c, b, &t, &alg, &w, &sz) == 0 && t == root_type &&
		    crush_map_item_parent(c, b, &parent) != 0)
			root = b;
	}
	if (!root)
		return -ENOENT;
	int rc = crush_add_device(c, a->osd, name, NULL);
	if (rc)
		return rc;
	const char *hname = a->host && *a->host ? a->host : "localhost";
	if (crush_map_item_by_name(c, hname, &host) != 0) {
		rc = crush_add_bucket(c, 0, hname, host_type, CRUSH_BUCKET_STRAW2, &host);
		if (!rc)
			rc = crush_link(c, root, host, 0);
		if (rc)
			return rc;
	}
	/* Weight in TiB as 16.16, as Ceph sizes OSDs; tiny test disks still count. */
	uint32_t w = a->capacity ? (uint32_t)MIN(a->capacity >> 24, 0xffffffffULL) : 0x10000;
	return crush_link(c, host, a->osd, w ? w : 1);
}

static int edit_boot(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	struct boot_arg *a = argp;
	const struct osdmap_osd *o = osdmap_osd(s->pmap, a->osd);
	bool is_new = o->up_from == 0 && o->down_at == 0;
	int rc = 0;
	if (uuid_is_zero(o->uuid))
		rc = osdmap_inc_set_uuid(&s->pending, a->osd, a->uuid);
	if (!rc)
		rc = osdmap_inc_mark_up(&s->pending, a->osd, &a->addr);
	if (!rc && is_new && o->weight == 0 && s->opts.auto_mark_new_in &&
	    !(osdmap_flags(s->pmap) & OSDMAP_FLAG_NOIN))
		rc = osdmap_inc_set_weight(&s->pending, a->osd, 0x10000);
	if (rc || crush_map_device_exists(osdmap_crush(s->pmap), a->osd))
		return rc;
	struct crush_map *c = crush_map_clone(osdmap_crush(s->pmap));
	if (!c)
		return -ENOMEM;
	rc = place_device(c, a);
	if (!rc)
		rc = osdmap_inc_set_crush(&s->pending, c);
	else
		log_warn(LOG_MON, "osd.%d booted but could not be placed in CRUSH: %s", a->osd,
			 strerror(-rc));
	crush_map_destroy(c);
	return rc == -ENOENT || rc == -EINVAL ? 0 : rc; /* no root: stays a stray */
}

static void forget_failures(struct mon_osdmon *s, int32_t target)
{
	for (size_t i = 0; i < s->nfailures; i++) {
		if (s->failures[i].target == target) {
			s->failures[i] = s->failures[--s->nfailures];
			return;
		}
	}
}

static int mark_down(struct mon_osdmon *s, int32_t target);

int mon_osdmon_boot(struct mon_osdmon *s, int32_t osd, const uint8_t uuid[16],
		    const struct net_addr *addr, const char *hostname, uint64_t capacity_bytes)
{
	const struct osdmap_osd *o = osdmap_osd(s->pmap, osd);
	if (!o || !o->exists)
		return -ENOENT;
	if (osdmap_flags(s->pmap) & OSDMAP_FLAG_NOUP)
		return -EPERM;
	if (!uuid_is_zero(o->uuid) && memcmp(o->uuid, uuid, 16) != 0)
		return -EINVAL;
	if (o->up && addr_equal(&o->addr, addr))
		return 0; /* a repeated boot message */
	if (o->up) {
		/*
		 * Up at another address: a new instance of the OSD.  Going from
		 * one instance to the next without a down epoch would leave its
		 * PGs in the same interval, waiting on what the old one had.
		 */
		int rc = mark_down(s, osd);
		return rc < 0 ? rc : -EAGAIN;
	}
	/* Down only in the pending map: up again in the same epoch would hide the down. */
	const struct osdmap_osd *was = osdmap_osd(s->base, osd);
	if (was && was->up)
		return -EAGAIN;
	struct boot_arg a = {osd, {0}, *addr, hostname, capacity_bytes};
	memcpy(a.uuid, uuid, 16);
	struct mon_reply r;
	mon_reply_init(&r);
	int rc = try_edit(s, edit_boot, &a, &r);
	mon_reply_fini(&r);
	if (!rc)
		forget_failures(s, osd);
	return rc;
}

static int edit_down(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	return osdmap_inc_mark_down(&s->pending, *(int32_t *)argp);
}

static int mark_down(struct mon_osdmon *s, int32_t target)
{
	struct mon_reply r;
	mon_reply_init(&r);
	int rc = try_edit(s, edit_down, &target, &r);
	mon_reply_fini(&r);
	if (!rc)
		forget_failures(s, target);
	return rc ? rc : 1;
}

/* Count reporters on distinct hosts (a reporter with no host counts alone). */
static uint32_t distinct_reports(const struct failure *f)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < f->n; i++) {
		bool dup = false;
		for (uint32_t k = 0; k < i && !dup; k++)
			dup = f->hosts[i][0] && strcmp(f->hosts[i], f->hosts[k]) == 0;
		n += !dup;
	}
	return n;
}

int mon_osdmon_report_failure(struct mon_osdmon *s, int32_t target, int32_t reporter,
			      const char *reporter_host, bool refused, uint64_t now_ns)
{
	(void)now_ns;
	if (!osdmap_is_up(s->pmap, target))
		return 0;
	if (reporter == target || !osdmap_is_up(s->pmap, reporter))
		return -EINVAL;
	if (osdmap_flags(s->pmap) & OSDMAP_FLAG_NODOWN)
		return 0;
	if (refused)
		return mark_down(s, target);
	struct failure *f = NULL;
	for (size_t i = 0; i < s->nfailures && !f; i++)
		if (s->failures[i].target == target)
			f = &s->failures[i];
	if (!f) {
		struct failure *nf = realloc(s->failures, (s->nfailures + 1) * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		s->failures = nf;
		f = &s->failures[s->nfailures++];
		memset(f, 0, sizeof(*f));
		f->target = target;
	}
	bool known = false;
	for (uint32_t i = 0; i < f->n && !known; i++)
		known = f->reporters[i] == reporter;
	if (!known && f->n < ARRAY_SIZE(f->reporters)) {
		f->reporters[f->n] = reporter;
		snprintf(f->hosts[f->n], sizeof(f->hosts[0]), "%s", reporter_host ? reporter_host : "");
		f->n++;
	}
	if (distinct_reports(f) >= MAX(s->opts.min_down_reporters, 1u))
		return mark_down(s, target);
	return 0;
}

static int edit_out(struct mon_osdmon *s, void *argp, struct mon_reply *r)
{
	return osdmap_inc_set_weight(&s->pending, *(int32_t *)argp, 0);
}

/*
 * Drop blocklist entries that have expired (they already match nothing:
 * this only keeps the map small), as Ceph's OSDMonitor::tick does.
 */
static void expire_blocklist(struct mon_osdmon *s)
{
	struct bl_arg a = {.what = BL_EXPIRE, .expires = clk_real_ns()};
	size_t n = 0;
	for (size_t i = 0; i < osdmap_blocklist_count(s->pmap); i++)
		n += osdmap_blocklist_at(s->pmap, i)->expires <= a.expires;
	if (n == 0)
		return;
	struct mon_reply r;
	mon_reply_init(&r);
	if (try_edit(s, edit_blocklist, &a, &r) == 0)
		log_info(LOG_MON, "osdmon: %zu blocklist entr%s expired", n, n == 1 ? "y" : "ies");
	mon_reply_fini(&r);
}

void mon_osdmon_tick(struct mon_osdmon *s, uint64_t now_ns)
{
	expire_blocklist(s);
	const struct osdmap *m = s->pmap;
	/* Forget timers of OSDs that came back or went away. */
	for (size_t i = 0; i < s->ndowns;) {
		int32_t id = s->downs[i].osd;
		if (osdmap_is_up(m, id) || !osdmap_is_in(m, id))
			s->downs[i] = s->downs[--s->ndowns];
		else
			i++;
	}
	for (int32_t id = 0; id < osdmap_max_osd(m); id++) {
		if (!osdmap_osd(m, id)->exists || osdmap_is_up(m, id) || !osdmap_is_in(m, id) ||
		    osdmap_osd(m, id)->down_at == 0)
			continue;
		size_t k = 0;
		while (k < s->ndowns && s->downs[k].osd != id)
			k++;
		if (k == s->ndowns) {
			struct down_timer *d = realloc(s->downs, (s->ndowns + 1) * sizeof(*d));
			if (!d)
				return;
			s->downs = d;
			s->downs[s->ndowns++] = (struct down_timer){id, now_ns};
			continue;
		}
		if (!s->opts.down_out_interval_ns || (osdmap_flags(m) & OSDMAP_FLAG_NOOUT) ||
		    now_ns - s->downs[k].since_ns < s->opts.down_out_interval_ns)
			continue;
		struct mon_reply r;
		mon_reply_init(&r);
		if (try_edit(s, edit_out, &id, &r) == 0)
			log_info(LOG_MON, "osd.%d has been down too long: marking it out", id);
		mon_reply_fini(&r);
		s->downs[k] = s->downs[--s->ndowns];
		m = s->pmap;
	}
}

/* ---- proposals and commits ------------------------------------------------------ */

void mon_osdmon_reset(struct mon_osdmon *s)
{
	struct osdmap *b = osdmap_clone(s->committed);
	if (!b) {
		log_err(LOG_MON, "osdmon: out of memory resetting the pending map");
		return;
	}
	osdmap_destroy(s->base);
	s->base = b;
	reset_pending(s);
}

uint32_t mon_osdmon_pending_epoch(const struct mon_osdmon *s)
{
	return s->pending.epoch;
}

int mon_osdmon_bootstrap(struct mon_osdmon *s, const char *failure_domain)
{
	if (osdmap_epoch(s->committed) != 0 || osdmap_epoch(s->base) != 0)
		return -EALREADY;
	uint8_t fsid[16];
	osdmap_fsid(s->committed, fsid);
	struct osdmap *init;
	int rc = mon_osdmon_initial_map(fsid, failure_domain, &init);
	if (rc)
		return rc;
	struct crush_arg a = {NULL, NULL, NULL, (struct crush_map *)osdmap_crush(init)};
	struct mon_reply r;
	mon_reply_init(&r);
	rc = try_edit(s, edit_crush, &a, &r);
	mon_reply_fini(&r);
	osdmap_destroy(init);
	return rc;
}

int mon_osdmon_take_pending(struct mon_osdmon *s, uint64_t now_real_ns, struct buf *out)
{
	if (!s->dirty)
		return -ENOENT;
	s->pending.modified = now_real_ns;
	char err[256];
	int rc = rebuild_pmap(s, err, sizeof(err));
	if (!rc)
		rc = osdmap_inc_encode(&s->pending, out);
	if (rc)
		return rc;
	/* The proposed map is the base of the next batch. */
	osdmap_destroy(s->base);
	s->base = s->pmap;
	s->pmap = NULL;
	reset_pending(s);
	return 0;
}

int mon_osdmon_commit(struct mon_osdmon *s, const uint8_t *value, size_t len)
{
	struct osdmap_inc inc;
	char err[256];
	int rc = osdmap_inc_decode(value, len, &inc, err, sizeof(err));
	if (rc) {
		log_err(LOG_MON, "osdmon: undecodable committed incremental: %s", err);
		return -EINVAL;
	}
	if (inc.epoch <= osdmap_epoch(s->committed)) {
		/*
		 * Built on a map that another value already advanced (a lost
		 * leader's proposal recovered by its successor).  Every monitor sees
		 * the same sequence of values, so all skip it alike.
		 */
		uint32_t e = inc.epoch;
		osdmap_inc_fini(&inc);
		log_warn(LOG_MON, "osdmon: skipping a stale change for epoch %u (map is at %u)", e,
			 osdmap_epoch(s->committed));
		return -ESTALE;
	}
	struct osdmap *n;
	rc = osdmap_apply(s->committed, &inc, &n, err, sizeof(err));
	osdmap_inc_fini(&inc);
	if (rc) {
		log_err(LOG_MON, "osdmon: committed incremental does not apply: %s", err);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	osdmap_destroy(s->committed);
	s->committed = n;
	uint32_t e = osdmap_epoch(n);
	if (osdmap_epoch(s->base) < e ||
	    (osdmap_epoch(s->base) == e && !osdmap_equal(s->base, n))) {
		/* Someone else's value, or ours lost: rebuild from what is committed. */
		struct osdmap *b = osdmap_clone(n);
		if (!b)
			return -ENOMEM;
		osdmap_destroy(s->base);
		s->base = b;
		reset_pending(s);
	}
	return (int)e;
}
