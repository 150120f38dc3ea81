/*
 * rados_poolmeta.c - what librados tells about pools beyond their names:
 * usage (rados_ioctx_pool_stat, rados_cluster_stat), applications and
 * their metadata, inconsistent PGs, and the full-try flag.
 *
 * Usage comes from the monitors' `df` (JSON), which sums the PG stats the
 * OSDs report every few seconds, so it lags writes a little, as Ceph's
 * does.  Application metadata lives in the OSD map's pools: reads use the
 * client's map; edits are monitor commands after which the call waits for
 * the newest map, so a read right after an edit sees it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>

#include "common/json.h"
#include "common/poolapp.h"
#include "rados_int.h"

static struct rados__ioctx *ioctx_of(rados_ioctx_t io)
{
	return (struct rados__ioctx *)io;
}

/* 0 if @io can reach the cluster. */
static int io_usable(const struct rados__ioctx *x)
{
	if (!x)
		return -EINVAL;
	return x->c->connected ? 0 : -ENOTCONN;
}

/* ---- usage ------------------------------------------------------------------------ */

/* The monitors' `df` as a parsed tree (json_free it).  0 or -errno. */
static int get_df(struct rados__client *c, struct json_val **out)
{
	struct buf o = BUF_INIT, s = BUF_INIT;
	int rc = rados__monc_command(c, "{\"prefix\":\"df\",\"format\":\"json\"}", NULL, 0, &o, &s,
				     cfg_dur_ns(c->cfg, CFG_rados_mon_op_timeout));
	char err[64];
	if (!rc && json_parse(o.data ? (char *)o.data : "", o.len, out, err, sizeof(err)) != 0)
		rc = -EBADMSG;
	buf_fini(&o);
	buf_fini(&s);
	return rc;
}

static uint64_t num(const struct json_val *obj, const char *key)
{
	int64_t v = 0;
	return json_get_int(obj, key, &v) == 0 && v > 0 ? (uint64_t)v : 0;
}

int rados_cluster_stat(rados_t cluster, struct rados_cluster_stat_t *result)
{
	struct rados__client *c = cluster;
	if (!c || !result)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	struct json_val *df;
	int rc = get_df(c, &df);
	if (rc)
		return rc;
	const struct json_val *st = json_get(df, "stats"), *pools = json_get(df, "pools");
	memset(result, 0, sizeof(*result));
	result->kb = num(st, "total_bytes") / 1024;
	result->kb_used = num(st, "total_used_bytes") / 1024;
	result->kb_avail = num(st, "total_avail_bytes") / 1024;
	for (size_t i = 0; pools && i < json_len(pools); i++)
		result->num_objects += num(json_get(json_at(pools, i), "stats"), "objects");
	json_free(df);
	return 0;
}

int rados_ioctx_pool_stat(rados_ioctx_t io, struct rados_pool_stat_t *stats)
{
	struct rados__ioctx *x = ioctx_of(io);
	int rc = io_usable(x);
	if (rc)
		return rc;
	if (!stats)
		return -EINVAL;
	uint32_t size = 0;
	pthread_mutex_lock(&x->c->lock);
	const struct osdmap_pool *p = x->c->osdmap ? osdmap_pool(x->c->osdmap, x->pool) : NULL;
	if (p)
		size = p->size;
	pthread_mutex_unlock(&x->c->lock);
	if (!p)
		return -ENOENT;
	struct json_val *df;
	if ((rc = get_df(x->c, &df)) != 0)
		return rc;
	memset(stats, 0, sizeof(*stats));
	const struct json_val *pools = json_get(df, "pools");
	for (size_t i = 0; pools && i < json_len(pools); i++) {
		const struct json_val *e = json_at(pools, i);
		int64_t id;
		if (json_get_int(e, "id", &id) != 0 || id != x->pool)
			continue;
		const struct json_val *st = json_get(e, "stats");
		/* Logical bytes and objects; no snapshots (clones) or compression here. */
		stats->num_bytes = stats->num_user_bytes = num(st, "stored");
		stats->num_kb = (stats->num_bytes + 1023) / 1024;
		stats->num_objects = num(st, "objects");
		stats->num_object_copies = stats->num_objects * size;
		/* Client I/O counted by the PGs' primaries since each OSD started. */
		stats->num_rd = num(st, "rd");
		stats->num_rd_kb = (num(st, "rd_bytes") + 1023) / 1024;
		stats->num_wr = num(st, "wr");
		stats->num_wr_kb = (num(st, "wr_bytes") + 1023) / 1024;
	}
	json_free(df);
	return 0;
}

/* ---- applications --------------------------------------------------------------------- */

/* Send an "osd pool application ..." command for @x's pool, then wait for the newest map. */
static int app_command(struct rados__ioctx *x, const char *what, const char *app, const char *key,
		       const char *value, bool force)
{
	char pool[OSDMAP_POOL_NAME_MAX + 1];
	int rc = rados_ioctx_get_pool_name(x, pool, sizeof(pool));
	if (rc < 0)
		return rc;
	struct buf cmd = BUF_INIT;
	struct json_w w;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "osd pool application %s", what);
	json_w_init(&w, &cmd, false);
	json_w_obj_begin(&w);
	json_w_kv_str(&w, "prefix", prefix);
	json_w_kv_str(&w, "pool", pool);
	json_w_kv_str(&w, "app", app);
	if (key)
		json_w_kv_str(&w, "key", key);
	if (value)
		json_w_kv_str(&w, "value", value);
	if (force)
		json_w_kv_bool(&w, "yes_i_really_mean_it", true);
	rc = rados__monc_json(x->c, &w, &cmd, NULL);
	return rc ? rc : rados_wait_for_latest_osdmap(x->c);
}

int rados_application_enable(rados_ioctx_t io, const char *app_name, int force)
{
	struct rados__ioctx *x = ioctx_of(io);
	int rc = io_usable(x);
	if (rc)
		return rc;
	return app_name ? app_command(x, "enable", app_name, NULL, NULL, force != 0) : -EINVAL;
}

int rados_application_metadata_set(rados_ioctx_t io, const char *app_name, const char *key,
				   const char *value)
{
	struct rados__ioctx *x = ioctx_of(io);
	int rc = io_usable(x);
	if (rc)
		return rc;
	if (!app_name || !key || !value)
		return -EINVAL;
	return app_command(x, "set", app_name, key, value, false);
}

int rados_application_metadata_remove(rados_ioctx_t io, const char *app_name, const char *key)
{
	struct rados__ioctx *x = ioctx_of(io);
	int rc = io_usable(x);
	if (rc)
		return rc;
	return app_name && key ? app_command(x, "rm", app_name, key, NULL, false) : -EINVAL;
}

/* What a walk over a pool's applications collects. */
enum nul_what { NUL_APPS, NUL_VALUE_OF, NUL_KEYS, NUL_VALUES };

/* NUL-terminated strings written into a caller's buffer, counting the size needed. */
struct nul_list {
	enum nul_what what;
	char *buf;
	size_t cap, need;
	const char *key; /* NUL_VALUE_OF: whose value */
	bool found;
};

static void nul_put(struct nul_list *l, const char *s, size_t len)
{
	if (l->buf && l->need + len + 1 <= l->cap) {
		memcpy(l->buf + l->need, s, len);
		l->buf[l->need + len] = '\0';
	}
	l->need += len + 1;
}

static int nul_cb(void *arg, const char *app, size_t al, const char *key, size_t kl,
		  const char *val, size_t vl)
{
	struct nul_list *l = arg;
	if (!key) {
		if (l->what == NUL_APPS)
			nul_put(l, app, al);
	} else if (l->what == NUL_KEYS) {
		nul_put(l, key, kl);
	} else if (l->what == NUL_VALUES) {
		nul_put(l, val, vl);
	} else if (l->what == NUL_VALUE_OF && kl == strlen(l->key) &&
		   memcmp(key, l->key, kl) == 0) {
		nul_put(l, val, vl);
		l->found = true;
	}
	return 0;
}

/*
 * Fill @l from the applications of @x's pool (only @app's entries if not
 * NULL).  0, -ENOENT (pool gone, or @app not enabled), -ENOTCONN.
 */
static int app_walk(struct rados__ioctx *x, const char *app, struct nul_list *l)
{
	int rc = io_usable(x);
	if (rc)
		return rc;
	pthread_mutex_lock(&x->c->lock);
	const struct osdmap_pool *p = x->c->osdmap ? osdmap_pool(x->c->osdmap, x->pool) : NULL;
	if (!p || (app && !poolapp_has(p->apps, app)))
		rc = -ENOENT;
	else
		rc = poolapp_each(p->apps, app, nul_cb, l);
	pthread_mutex_unlock(&x->c->lock);
	return rc;
}

static struct nul_list nul_list(enum nul_what what, char *buf, const size_t *len)
{
	return (struct nul_list){what, buf, buf ? *len : 0, 0, NULL, false};
}

int rados_application_list(rados_ioctx_t io, char *values, size_t *values_len)
{
	if (!values_len)
		return -EINVAL;
	struct nul_list l = nul_list(NUL_APPS, values, values_len);
	int rc = app_walk(ioctx_of(io), NULL, &l);
	if (rc)
		return rc;
	/* Ceph's in/out length: the size needed is stored; -ERANGE if it did not fit. */
	rc = l.need <= *values_len ? 0 : -ERANGE;
	*values_len = l.need;
	return rc;
}

int rados_application_metadata_get(rados_ioctx_t io, const char *app_name, const char *key,
				   char *value, size_t *value_len)
{
	if (!app_name || !key || !value_len)
		return -EINVAL;
	struct nul_list l = nul_list(NUL_VALUE_OF, value, value_len);
	l.key = key;
	int rc = app_walk(ioctx_of(io), app_name, &l);
	if (!rc && !l.found)
		rc = -ENOENT;
	if (rc)
		return rc;
	rc = l.need <= *value_len ? 0 : -ERANGE;
	*value_len = l.need;
	return rc;
}

int rados_application_metadata_list(rados_ioctx_t io, const char *app_name, char *keys,
				    size_t *key_len, char *values, size_t *vals_len)
{
	if (!app_name || !key_len || !vals_len)
		return -EINVAL;
	/* Two walks of the same map copy could race a map change: take both under one lock. */
	struct rados__ioctx *x = ioctx_of(io);
	struct nul_list lk = nul_list(NUL_KEYS, keys, key_len);
	struct nul_list lv = nul_list(NUL_VALUES, values, vals_len);
	int rc = io_usable(x);
	if (rc)
		return rc;
	pthread_mutex_lock(&x->c->lock);
	const struct osdmap_pool *p = x->c->osdmap ? osdmap_pool(x->c->osdmap, x->pool) : NULL;
	if (!p || !poolapp_has(p->apps, app_name))
		rc = -ENOENT;
	if (!rc)
		rc = poolapp_each(p->apps, app_name, nul_cb, &lk);
	if (!rc)
		rc = poolapp_each(p->apps, app_name, nul_cb, &lv);
	pthread_mutex_unlock(&x->c->lock);
	if (rc)
		return rc;
	rc = lk.need <= *key_len && lv.need <= *vals_len ? 0 : -ERANGE;
	*key_len = lk.need;
	*vals_len = lv.need;
	return rc;
}

/* ---- the rest ------------------------------------------------------------------------- */

/*
 * No scrubbing yet, so no PG is ever known to be inconsistent: the list is
 * empty (just its final NUL), for an existing pool.
 */
int rados_inconsistent_pg_list(rados_t cluster, int64_t pool, char *buf, size_t len)
{
	struct rados__client *c = cluster;
	if (!c || (!buf && len))
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	char name[OSDMAP_POOL_NAME_MAX + 1];
	int rc = rados_pool_reverse_lookup(cluster, pool, name, sizeof(name));
	if (rc < 0)
		return rc;
	if (len)
		buf[0] = '\0';
	return 1;
}

/*
 * Cairn never pauses writes to a full pool: they fail at once with
 * -ENOSPC, which is what FULL_TRY asks for.  The flag is kept for ops.
 */
void rados_set_pool_full_try(rados_ioctx_t io)
{
	struct rados__ioctx *x = ioctx_of(io);
	if (x)
		x->full_try = true;
}

void rados_unset_pool_full_try(rados_ioctx_t io)
{
	struct rados__ioctx *x = ioctx_of(io);
	if (x)
		x->full_try = false;
}

void rados_set_osdmap_full_try(rados_ioctx_t io)
{
	rados_set_pool_full_try(io);
}

void rados_unset_osdmap_full_try(rados_ioctx_t io)
{
	rados_unset_pool_full_try(io);
}
