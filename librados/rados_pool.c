/*
 * rados_pool.c - pools (create, delete, look up, list) and io contexts.
 *
 * Pools are made and removed through monitor commands ("osd pool create",
 * "osd pool delete"); the call then waits until the client's own OSD map
 * shows the change, so the next call (rados_ioctx_create, a listing) sees
 * it.  Look-ups read the client's newest map; a name or id it does not know
 * is looked up once more after fetching the cluster's newest map, as Ceph's
 * client does, since another client may have made the pool a moment ago.
 *
 * Threads: any application thread.  The map is read under c->lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>

#include "common/clk.h"
#include "common/json.h"
#include "rados_int.h"

static struct rados__client *client_of(rados_t cluster)
{
	return (struct rados__client *)cluster;
}

/* 0 if @c can talk to the cluster. */
static int usable(const struct rados__client *c)
{
	if (!c)
		return -EINVAL;
	return c->connected ? 0 : -ENOTCONN;
}

/* ---- reading the map ---------------------------------------------------------------- */

/* The id of pool @name in the current map, or -ENOENT.  Lock held. */
static int64_t lookup_locked(struct rados__client *c, const char *name)
{
	const struct osdmap_pool *p = c->osdmap ? osdmap_pool_by_name(c->osdmap, name) : NULL;
	return p ? p->id : -ENOENT;
}

/* Copy pool @id's name into @buf (@size bytes).  Length, -ENOENT or -ERANGE.  Lock held. */
static int name_locked(struct rados__client *c, int64_t id, char *buf, size_t size)
{
	const struct osdmap_pool *p = c->osdmap ? osdmap_pool(c->osdmap, id) : NULL;
	if (!p)
		return -ENOENT;
	size_t n = strlen(p->name);
	if (!buf || n + 1 > size)
		return -ERANGE;
	memcpy(buf, p->name, n + 1);
	return (int)n;
}

static int64_t lookup(struct rados__client *c, const char *name, bool refresh)
{
	pthread_mutex_lock(&c->lock);
	int64_t id = lookup_locked(c, name);
	pthread_mutex_unlock(&c->lock);
	if (id == -ENOENT && refresh && rados_wait_for_latest_osdmap(c) == 0) {
		pthread_mutex_lock(&c->lock);
		id = lookup_locked(c, name);
		pthread_mutex_unlock(&c->lock);
	}
	return id;
}

static int reverse_lookup(struct rados__client *c, int64_t id, char *buf, size_t size)
{
	pthread_mutex_lock(&c->lock);
	int rc = name_locked(c, id, buf, size);
	pthread_mutex_unlock(&c->lock);
	if (rc == -ENOENT && rados_wait_for_latest_osdmap(c) == 0) {
		pthread_mutex_lock(&c->lock);
		rc = name_locked(c, id, buf, size);
		pthread_mutex_unlock(&c->lock);
	}
	return rc;
}

int64_t rados_pool_lookup(rados_t cluster, const char *pool_name)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	if (rc)
		return rc;
	if (!pool_name)
		return -EINVAL;
	return lookup(c, pool_name, true);
}

int rados_pool_reverse_lookup(rados_t cluster, int64_t id, char *buf, size_t maxlen)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	return rc ? rc : reverse_lookup(c, id, buf, maxlen);
}

int rados_pool_list(rados_t cluster, char *buf, size_t len)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	if (rc)
		return rc;
	if (!buf && len)
		return -EINVAL;
	/* Ceph's layout: "a\0b\0\0"; whole names only; the needed size is returned. */
	size_t need = 1, used = 0;
	bool full = false;
	if (len)
		memset(buf, 0, len);
	pthread_mutex_lock(&c->lock);
	size_t n = c->osdmap ? osdmap_pool_count(c->osdmap) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = osdmap_pool_at(c->osdmap, i)->name;
		size_t l = strlen(name) + 1;
		/* A prefix of whole names, always followed by the final NUL. */
		full |= used + l + 1 > len;
		if (!full) {
			memcpy(buf + used, name, l);
			used += l;
		}
		need += l;
	}
	pthread_mutex_unlock(&c->lock);
	return need > INT32_MAX ? -E2BIG : (int)need;
}

int rados_pool_get_base_tier(rados_t cluster, int64_t pool, int64_t *base_tier)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	if (rc)
		return rc;
	if (!base_tier)
		return -EINVAL;
	/* Cairn has no cache tiers: every pool is its own base. */
	char name[OSDMAP_POOL_NAME_MAX + 1];
	rc = reverse_lookup(c, pool, name, sizeof(name));
	if (rc < 0)
		return rc;
	*base_tier = pool;
	return 0;
}

/* ---- creating and deleting ----------------------------------------------------------- */

/* Wait until pool @name is (@present) or is not in our map.  Lock held. */
static int wait_pool_locked(struct rados__client *c, const char *name, bool present)
{
	uint64_t timeout = cfg_dur_ns(c->cfg, CFG_rados_mon_op_timeout);
	uint64_t deadline = timeout ? clk_mono_ns() + timeout : 0;
	while ((lookup_locked(c, name) >= 0) != present) {
		if (c->shutting_down)
			return -ESHUTDOWN;
		if (deadline && clk_mono_ns() >= deadline)
			return -ETIMEDOUT;
		/* Maps arrive by subscription; wake at least every second to check the clock. */
		uint64_t wake = clk_mono_ns() + CLK_NS_PER_SEC;
		if (deadline && deadline < wake)
			wake = deadline;
		struct timespec ts = {.tv_sec = (time_t)(wake / CLK_NS_PER_SEC),
				      .tv_nsec = (long)(wake % CLK_NS_PER_SEC)};
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	}
	return 0;
}

/*
 * Run "osd pool create" / "osd pool delete" for @name and wait until our
 * map shows the change.  The monitor answers 0 for a pool that already
 * exists / does not exist (as Ceph's does); the status tells, and the API
 * says -EEXIST / -ENOENT.
 */
static int pool_change(struct rados__client *c, const char *name, const char *rule, bool deleting)
{
	struct buf cmd = BUF_INIT, status = BUF_INIT;
	struct json_w w;
	json_w_init(&w, &cmd, false);
	json_w_obj_begin(&w);
	json_w_kv_str(&w, "prefix", deleting ? "osd pool delete" : "osd pool create");
	json_w_kv_str(&w, "pool", name);
	if (rule)
		json_w_kv_str(&w, "rule", rule);
	if (deleting) {
		json_w_kv_str(&w, "pool2", name);
		json_w_kv_bool(&w, "yes_i_really_really_mean_it", true);
	}
	int rc = rados__monc_json(c, &w, &cmd, &status);
	const char *st = buf_cstr(&status);
	if (!rc && st && strstr(st, deleting ? "does not exist" : "already exists"))
		rc = deleting ? -ENOENT : -EEXIST;
	buf_fini(&status);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->lock);
	rc = wait_pool_locked(c, name, !deleting);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

static int pool_create(rados_t cluster, const char *name, const char *rule)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	if (rc)
		return rc;
	if (!name || !*name || strlen(name) > OSDMAP_POOL_NAME_MAX)
		return -EINVAL;
	if (lookup(c, name, false) >= 0)
		return -EEXIST;
	return pool_change(c, name, rule, false);
}

int rados_pool_create(rados_t cluster, const char *pool_name)
{
	return pool_create(cluster, pool_name, NULL);
}

int rados_pool_create_with_auid(rados_t cluster, const char *pool_name, uint64_t auid)
{
	if (auid != (uint64_t)-1)
		return -EINVAL; /* owners ("auids") do not exist any more */
	return pool_create(cluster, pool_name, NULL);
}

int rados_pool_create_with_crush_rule(rados_t cluster, const char *pool_name,
				      uint8_t crush_rule_num)
{
	char rule[8];
	snprintf(rule, sizeof(rule), "%u", (unsigned)crush_rule_num);
	return pool_create(cluster, pool_name, rule);
}

int rados_pool_create_with_all(rados_t cluster, const char *pool_name, uint64_t auid,
			       uint8_t crush_rule_num)
{
	if (auid != (uint64_t)-1)
		return -EINVAL;
	return rados_pool_create_with_crush_rule(cluster, pool_name, crush_rule_num);
}

int rados_pool_delete(rados_t cluster, const char *pool_name)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	if (rc)
		return rc;
	if (!pool_name)
		return -EINVAL;
	if (lookup(c, pool_name, true) < 0)
		return -ENOENT;
	return pool_change(c, pool_name, NULL, true);
}

/* ---- io contexts ------------------------------------------------------------------------ */

static struct rados__ioctx *ioctx_of(rados_ioctx_t io)
{
	return (struct rados__ioctx *)io;
}

struct rados__ioctx *rados__ioctx_get(struct rados__ioctx *io)
{
	atomic_fetch_add_explicit(&io->refs, 1, memory_order_relaxed);
	return io;
}

void rados__ioctx_put(struct rados__ioctx *io)
{
	if (!io || atomic_fetch_sub_explicit(&io->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(io->nspace);
	free(io->locator);
	free(io);
}

bool rados__ioctx_all_nspaces(const struct rados__ioctx *io)
{
	return strcmp(io->nspace, LIBRADOS_ALL_NSPACES) == 0;
}

static int ioctx_new(struct rados__client *c, int64_t pool, rados_ioctx_t *out)
{
	struct rados__ioctx *io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->c = c;
	atomic_init(&io->refs, 1);
	io->pool = pool;
	io->nspace = strdup("");
	io->locator = strdup("");
	if (!io->nspace || !io->locator) {
		rados__ioctx_put(io);
		return -ENOMEM;
	}
	*out = io;
	return 0;
}

int rados_ioctx_create(rados_t cluster, const char *pool_name, rados_ioctx_t *ioctx)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	if (rc)
		return rc;
	if (!pool_name || !ioctx)
		return -EINVAL;
	int64_t id = lookup(c, pool_name, true);
	return id < 0 ? (int)id : ioctx_new(c, id, ioctx);
}

int rados_ioctx_create2(rados_t cluster, int64_t pool_id, rados_ioctx_t *ioctx)
{
	struct rados__client *c = client_of(cluster);
	int rc = usable(c);
	if (rc)
		return rc;
	if (!ioctx)
		return -EINVAL;
	char name[OSDMAP_POOL_NAME_MAX + 1];
	rc = reverse_lookup(c, pool_id, name, sizeof(name));
	return rc < 0 ? rc : ioctx_new(c, pool_id, ioctx);
}

void rados_ioctx_destroy(rados_ioctx_t io)
{
	/* Ops in flight keep their own references. */
	rados__ioctx_put(ioctx_of(io));
}

rados_config_t rados_ioctx_cct(rados_ioctx_t io)
{
	struct rados__ioctx *x = ioctx_of(io);
	return x ? x->c->cfg : NULL;
}

rados_t rados_ioctx_get_cluster(rados_ioctx_t io)
{
	struct rados__ioctx *x = ioctx_of(io);
	return x ? x->c : NULL;
}

int64_t rados_ioctx_get_id(rados_ioctx_t io)
{
	struct rados__ioctx *x = ioctx_of(io);
	return x ? x->pool : -EINVAL;
}

int rados_ioctx_get_pool_name(rados_ioctx_t io, char *buf, unsigned maxlen)
{
	struct rados__ioctx *x = ioctx_of(io);
	if (!x)
		return -EINVAL;
	return reverse_lookup(x->c, x->pool, buf, maxlen);
}

/* Replace *@slot with a copy of @s (NULL: ""); on ENOMEM keep the old value. */
static void set_str(char **slot, const char *s)
{
	char *n = strdup(s ? s : "");
	if (!n)
		return; /* void API: nothing to report; the old value stays */
	free(*slot);
	*slot = n;
}

void rados_ioctx_locator_set_key(rados_ioctx_t io, const char *key)
{
	struct rados__ioctx *x = ioctx_of(io);
	if (x)
		set_str(&x->locator, key);
}

void rados_ioctx_set_namespace(rados_ioctx_t io, const char *nspace)
{
	struct rados__ioctx *x = ioctx_of(io);
	if (x)
		set_str(&x->nspace, nspace);
}

int rados_ioctx_get_namespace(rados_ioctx_t io, char *buf, unsigned maxlen)
{
	struct rados__ioctx *x = ioctx_of(io);
	if (!x)
		return -EINVAL;
	size_t n = strlen(x->nspace);
	if (!buf || n + 1 > maxlen)
		return -ERANGE;
	memcpy(buf, x->nspace, n + 1);
	return (int)n;
}

/* ---- pool properties ------------------------------------------------------------------ */

/* 0 if @io is valid, @out non-NULL, and the io context's pool still exists. */
static int pool_check(rados_ioctx_t io, const void *out)
{
	struct rados__ioctx *x = ioctx_of(io);
	if (!x || !out)
		return -EINVAL;
	char name[OSDMAP_POOL_NAME_MAX + 1];
	int rc = reverse_lookup(x->c, x->pool, name, sizeof(name));
	return rc < 0 ? rc : 0;
}

/* Only replicated pools exist: nothing needs aligned appends. */
int rados_ioctx_pool_requires_alignment2(rados_ioctx_t io, int *req)
{
	int rc = pool_check(io, req);
	if (!rc)
		*req = 0;
	return rc;
}

int rados_ioctx_pool_requires_alignment(rados_ioctx_t io)
{
	int req = 0;
	return rados_ioctx_pool_requires_alignment2(io, &req) < 0 ? 0 : req;
}

int rados_ioctx_pool_required_alignment2(rados_ioctx_t io, uint64_t *alignment)
{
	int rc = pool_check(io, alignment);
	if (!rc)
		*alignment = 0;
	return rc;
}

uint64_t rados_ioctx_pool_required_alignment(rados_ioctx_t io)
{
	uint64_t a = 0;
	return rados_ioctx_pool_required_alignment2(io, &a) < 0 ? 0 : a;
}

int rados_ioctx_pool_set_auid(rados_ioctx_t io, uint64_t auid)
{
	(void)io;
	(void)auid;
	return -EOPNOTSUPP;
}

int rados_ioctx_pool_get_auid(rados_ioctx_t io, uint64_t *auid)
{
	if (!io || !auid)
		return -EINVAL;
	*auid = (uint64_t)-1;
	return 0;
}
