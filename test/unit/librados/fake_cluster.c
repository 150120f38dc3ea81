/*
 * fake_cluster.c - in-process fake monitor and OSDs for librados tests
 * (see fake_cluster.h).  Everything is guarded by one lock; the fake
 * daemons' handlers run on their messengers' loop threads.
 */
#include "fake_cluster.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/clk.h"
#include "common/json.h"
#include "common/monmap.h"
#include "common/msg/msg.h"
#include "common/osdmap.h"
#include "common/osdop.h"
#include "crush/crush.h"
#include "crush/crush_builder.h"

/* Not Check's asserts: this file also runs outside a test (fake_cluster_main.c). */
#define FC_CHECK(x)                                                                                \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "%s:%d: fake cluster: %s failed\n", __FILE__, __LINE__,    \
				#x);                                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
#define FC_EQ(a, b) FC_CHECK((a) == (b))

#define FC_MAX_OSD   8
#define FC_MAX_SUBS  32
#define FC_RAW_BYTES (3ull << 30) /* the raw capacity `df` reports */

static const uint8_t fc_fsid[16] = {0xca, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7,
				    0x8,  0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf};

struct kv {
	uint8_t *k, *v;
	size_t kl, vl;
};

struct kvs {
	struct kv *a;
	size_t n;
};

struct fobj {
	struct fobj *next;
	int64_t pool;
	char *nspace, *name, *locator;
	uint32_t hash;
	bool exists;
	struct buf data;
	struct kvs xattrs, omap;
	struct buf omap_header;
	uint64_t version, mtime;
};

struct held {
	struct held *next;
	struct msg_conn *conn;
	struct msg *m;
	int osd;
};

struct done {
	struct done *next;
	uint64_t client, tid;
	int64_t result;
	uint64_t version;
};

struct fake_osd {
	struct fake_cluster *fc;
	int id;
	struct cfg *cfg;
	struct msg_messenger *ms;
	struct net_addr addr;
};

struct fake_cluster {
	pthread_mutex_t lock;
	struct cfg *cfg;
	struct msg_messenger *mon;
	char mon_host[NET_ADDR_STRLEN];
	struct monmap monmap;
	struct osdmap *map;
	struct msg_conn *subs[FC_MAX_SUBS];
	int n_subs;
	int n_osd;
	struct fake_osd osds[FC_MAX_OSD];
	struct fobj *objs;
	struct done *done;
	bool hold;
	struct held *held;
	int retry_next;
	int ops_seen, resends_seen, executed, last_osd;
};

/* ---- maps -------------------------------------------------------------------------- */

static struct crush_map *make_crush(int n)
{
	struct crush_map *c = crush_map_create();
	FC_CHECK(c != NULL);
	FC_EQ(crush_add_type(c, 0, "osd"), 0);
	FC_EQ(crush_add_type(c, 1, "host"), 0);
	FC_EQ(crush_add_type(c, 10, "root"), 0);
	int32_t root, host;
	FC_EQ(crush_add_bucket(c, 0, "default", 10, CRUSH_BUCKET_STRAW2, &root), 0);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "host%d", i);
		FC_EQ(crush_add_bucket(c, 0, name, 1, CRUSH_BUCKET_STRAW2, &host), 0);
		snprintf(name, sizeof(name), "osd.%d", i);
		FC_EQ(crush_add_device(c, i, name, NULL), 0);
		FC_EQ(crush_link(c, host, i, 0x10000), 0);
		FC_EQ(crush_link(c, root, host, 0), 0);
	}
	uint32_t rule;
	FC_EQ(crush_add_simple_rule(c, "replicated_rule", "default", "host", NULL,
				    CRUSH_RULE_TYPE_REPLICATED, &rule),
	      0);
	return c;
}

static struct osdmap_pool make_pool(int64_t id, const char *name, uint32_t pg_num)
{
	struct osdmap_pool p;
	memset(&p, 0, sizeof(p));
	p.id = id;
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.type = OSDMAP_POOL_REPLICATED;
	p.size = 2;
	p.min_size = 1;
	p.pg_num = pg_num;
	p.pgp_num = pg_num;
	return p;
}

/* Send the current full map to @conn.  Lock held. */
static void send_map(struct fake_cluster *fc, struct msg_conn *conn)
{
	struct buf enc = BUF_INIT;
	FC_EQ(osdmap_encode(fc->map, &enc), 0);
	struct msg *m = msg_create(MSG_OSD_MAP);
	struct msg_osd_map *b = msg_body(m);
	b->newest = osdmap_epoch(fc->map);
	b->n = 1;
	b->epochs = malloc(sizeof(uint32_t));
	b->lens = malloc(sizeof(uint32_t));
	b->full = malloc(sizeof(uint32_t));
	b->epochs[0] = osdmap_epoch(fc->map);
	b->lens[0] = (uint32_t)enc.len;
	b->full[0] = 1;
	FC_EQ(buflist_append_copy(msg_data(m), enc.data, enc.len), 0);
	if (msg_send(conn, m) != 0)
		msg_put(m);
	buf_fini(&enc);
}

/* Apply @inc (epoch set here) and push the new map.  Lock held. */
static void commit_locked(struct fake_cluster *fc, struct osdmap_inc *inc)
{
	char err[128];
	struct osdmap *n;
	inc->epoch = osdmap_epoch(fc->map) + 1;
	inc->modified = clk_real_ns();
	if (osdmap_apply(fc->map, inc, &n, err, sizeof(err)) != 0) {
		fprintf(stderr, "fake cluster: %s\n", err);
		abort();
	}
	osdmap_inc_fini(inc);
	osdmap_destroy(fc->map);
	fc->map = n;
	for (int i = 0; i < fc->n_subs; i++)
		send_map(fc, fc->subs[i]);
}

static void new_inc(struct fake_cluster *fc, struct osdmap_inc *inc)
{
	osdmap_inc_init(inc, fc_fsid, osdmap_epoch(fc->map) + 1);
}

void fc_mark_down(struct fake_cluster *fc, int osd)
{
	struct osdmap_inc inc;
	pthread_mutex_lock(&fc->lock);
	new_inc(fc, &inc);
	FC_EQ(osdmap_inc_mark_down(&inc, osd), 0);
	commit_locked(fc, &inc);
	pthread_mutex_unlock(&fc->lock);
}

void fc_mark_up(struct fake_cluster *fc, int osd)
{
	struct osdmap_inc inc;
	pthread_mutex_lock(&fc->lock);
	new_inc(fc, &inc);
	FC_EQ(osdmap_inc_mark_up(&inc, osd, &fc->osds[osd].addr), 0);
	commit_locked(fc, &inc);
	pthread_mutex_unlock(&fc->lock);
}

static void bump_locked(struct fake_cluster *fc)
{
	struct osdmap_inc inc;
	new_inc(fc, &inc);
	commit_locked(fc, &inc);
}

void fc_bump_epoch(struct fake_cluster *fc)
{
	pthread_mutex_lock(&fc->lock);
	bump_locked(fc);
	pthread_mutex_unlock(&fc->lock);
}

void fc_set_pause(struct fake_cluster *fc, bool paused)
{
	struct osdmap_inc inc;
	pthread_mutex_lock(&fc->lock);
	new_inc(fc, &inc);
	inc.has_flags = true;
	inc.new_flags = paused ? OSDMAP_FLAG_PAUSERD | OSDMAP_FLAG_PAUSEWR : 0;
	commit_locked(fc, &inc);
	pthread_mutex_unlock(&fc->lock);
}

uint32_t fc_epoch(struct fake_cluster *fc)
{
	pthread_mutex_lock(&fc->lock);
	uint32_t e = osdmap_epoch(fc->map);
	pthread_mutex_unlock(&fc->lock);
	return e;
}

/* ---- the monitor --------------------------------------------------------------------- */

static void mon_reply(struct msg_conn *conn, uint64_t tid, int result, const char *status,
		      const char *out)
{
	struct msg *m = msg_create(MSG_MON_COMMAND_REPLY);
	struct msg_mon_command_reply *b = msg_body(m);
	b->tid = tid;
	b->result = result;
	b->status = strdup(status);
	if (out)
		FC_EQ(buflist_append_copy(msg_data(m), out, strlen(out)), 0);
	if (msg_send(conn, m) != 0)
		msg_put(m);
}

/*
 * The monitors' `df` as JSON, with the fields librados reads: raw totals
 * (FC_RAW_BYTES, used = every replica of every object's data) and per pool
 * the bytes and objects stored.  Lock held.
 */
static void df_json_locked(struct fake_cluster *fc, struct buf *out)
{
	struct json_w w;
	uint64_t used = 0;
	json_w_init(&w, out, false);
	json_w_obj_begin(&w);
	json_w_key(&w, "pools");
	json_w_arr_begin(&w);
	for (int64_t id = 0; id <= osdmap_pool_max(fc->map); id++) {
		const struct osdmap_pool *p = osdmap_pool(fc->map, id);
		uint64_t stored = 0, objects = 0;
		for (struct fobj *o = fc->objs; p && o; o = o->next) {
			if (o->pool == id && o->exists) {
				stored += o->data.len;
				objects++;
			}
		}
		if (!p)
			continue;
		used += stored * p->size;
		json_w_obj_begin(&w);
		json_w_kv_str(&w, "name", p->name);
		json_w_kv_int(&w, "id", id);
		json_w_key(&w, "stats");
		json_w_obj_begin(&w);
		json_w_kv_uint(&w, "stored", stored);
		json_w_kv_uint(&w, "objects", objects);
		json_w_obj_end(&w);
		json_w_obj_end(&w);
	}
	json_w_arr_end(&w);
	json_w_key(&w, "stats");
	json_w_obj_begin(&w);
	json_w_kv_uint(&w, "total_bytes", FC_RAW_BYTES);
	json_w_kv_uint(&w, "total_used_bytes", used);
	json_w_kv_uint(&w, "total_avail_bytes", FC_RAW_BYTES - used);
	json_w_obj_end(&w);
	json_w_obj_end(&w);
	FC_EQ(json_w_error(&w), 0);
}

static void mon_command(struct fake_cluster *fc, struct msg_conn *conn,
			const struct msg_mon_command *b)
{
	struct json_val *cmd = NULL;
	const char *prefix = "", *pool = "";
	char status[256];
	struct buf out = BUF_INIT;
	int rc = 0;
	json_parse(b->cmd, strlen(b->cmd), &cmd, NULL, 0);
	if (cmd) {
		json_get_str(cmd, "prefix", &prefix);
		json_get_str(cmd, "pool", &pool);
	}
	pthread_mutex_lock(&fc->lock);
	const struct osdmap_pool *p = osdmap_pool_by_name(fc->map, pool);
	bool has_out = false;
	status[0] = '\0';
	if (strcmp(prefix, "osd stat") == 0) {
		buf_printf(&out, "{\"epoch\":%u}", osdmap_epoch(fc->map));
		has_out = true;
	} else if (strcmp(prefix, "df") == 0) {
		df_json_locked(fc, &out);
		has_out = true;
	} else if (strcmp(prefix, "osd pool create") == 0) {
		if (p) {
			snprintf(status, sizeof(status), "pool '%s' already exists", pool);
		} else {
			struct osdmap_inc inc;
			new_inc(fc, &inc);
			int64_t id = osdmap_pool_max(fc->map) + 1;
			struct osdmap_pool np = make_pool(id, pool, 8);
			FC_EQ(osdmap_inc_add_pool(&inc, &np), 0);
			inc.new_pool_max = id;
			commit_locked(fc, &inc);
			snprintf(status, sizeof(status), "pool '%s' created", pool);
		}
	} else if (strcmp(prefix, "osd pool delete") == 0) {
		const char *pool2 = "";
		bool sure = false;
		json_get_str(cmd, "pool2", &pool2);
		json_get_bool(cmd, "yes_i_really_really_mean_it", &sure);
		if (!p) {
			snprintf(status, sizeof(status), "pool '%s' does not exist", pool);
		} else if (strcmp(pool, pool2) != 0 || !sure) {
			rc = -EPERM;
			snprintf(status, sizeof(status), "%s", "not sure");
		} else {
			struct osdmap_inc inc;
			new_inc(fc, &inc);
			FC_EQ(osdmap_inc_remove_pool(&inc, p->id), 0);
			commit_locked(fc, &inc);
			snprintf(status, sizeof(status), "pool '%s' removed", pool);
		}
	} else {
		rc = -EINVAL;
		snprintf(status, sizeof(status), "%s", "command not known");
	}
	pthread_mutex_unlock(&fc->lock);
	mon_reply(conn, b->tid, rc, status, has_out ? buf_cstr(&out) : NULL);
	buf_fini(&out);
	json_free(cmd);
}

/*
 * Forget subscribers whose connection closed, so that clients which come
 * and go (one per CLI run) do not use up the FC_MAX_SUBS slots.  Lock held.
 */
static void prune_subs_locked(struct fake_cluster *fc)
{
	int n = 0;
	for (int i = 0; i < fc->n_subs; i++) {
		if (msg_conn_is_closed(fc->subs[i]))
			msg_conn_put(fc->subs[i]);
		else
			fc->subs[n++] = fc->subs[i];
	}
	fc->n_subs = n;
}

static void mon_handler(void *arg, struct msg_conn *conn, struct msg *m)
{
	struct fake_cluster *fc = arg;
	if (msg_type(m) == MSG_MON_COMMAND) {
		mon_command(fc, conn, msg_body(m));
	} else if (msg_type(m) == MSG_MON_SUBSCRIBE) {
		const struct msg_mon_subscribe *b = msg_body(m);
		pthread_mutex_lock(&fc->lock);
		if (b->what == MSG_SUB_MONMAP) {
			struct msg *r = msg_create(MSG_MON_MAP);
			struct buf enc = BUF_INIT;
			FC_EQ(monmap_encode(&fc->monmap, &enc), 0);
			((struct msg_mon_map *)msg_body(r))->epoch = fc->monmap.epoch;
			FC_EQ(buflist_append_copy(msg_data(r), enc.data, enc.len), 0);
			if (msg_send(conn, r) != 0)
				msg_put(r);
			buf_fini(&enc);
		} else if (b->what == MSG_SUB_OSDMAP) {
			bool known = false;
			prune_subs_locked(fc);
			for (int i = 0; i < fc->n_subs; i++)
				known |= fc->subs[i] == conn;
			if (!known && fc->n_subs < FC_MAX_SUBS)
				fc->subs[fc->n_subs++] = msg_conn_get(conn);
			send_map(fc, conn);
		}
		pthread_mutex_unlock(&fc->lock);
	}
	msg_put(m);
}

/* ---- key/value sets ------------------------------------------------------------------ */

static int kv_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static struct kv *kv_find(struct kvs *s, const void *k, size_t kl)
{
	for (size_t i = 0; i < s->n; i++)
		if (kv_cmp(s->a[i].k, s->a[i].kl, k, kl) == 0)
			return &s->a[i];
	return NULL;
}

static uint8_t *dup(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (n)
		memcpy(d, p, n);
	return d;
}

static void kv_set(struct kvs *s, const void *k, size_t kl, const void *v, size_t vl)
{
	struct kv *e = kv_find(s, k, kl);
	if (e) {
		free(e->v);
		e->v = dup(v, vl);
		e->vl = vl;
		return;
	}
	size_t i = 0;
	while (i < s->n && kv_cmp(s->a[i].k, s->a[i].kl, k, kl) < 0)
		i++;
	s->a = realloc(s->a, (s->n + 1) * sizeof(*s->a));
	memmove(&s->a[i + 1], &s->a[i], (s->n - i) * sizeof(*s->a));
	s->a[i] = (struct kv){dup(k, kl), dup(v, vl), kl, vl};
	s->n++;
}

static void kv_del(struct kvs *s, struct kv *e)
{
	size_t i = (size_t)(e - s->a);
	free(e->k);
	free(e->v);
	memmove(&s->a[i], &s->a[i + 1], (s->n - i - 1) * sizeof(*s->a));
	s->n--;
}

static void kv_clear(struct kvs *s)
{
	while (s->n)
		kv_del(s, &s->a[s->n - 1]);
	free(s->a);
	s->a = NULL;
}

static void kv_copy(struct kvs *d, const struct kvs *s)
{
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < s->n; i++)
		kv_set(d, s->a[i].k, s->a[i].kl, s->a[i].v, s->a[i].vl);
}

/* ---- objects ------------------------------------------------------------------------- */

static void obj_clear(struct fobj *o)
{
	buf_fini(&o->data);
	buf_fini(&o->omap_header);
	kv_clear(&o->xattrs);
	kv_clear(&o->omap);
}

static void obj_free(struct fobj *o)
{
	obj_clear(o);
	free(o->nspace);
	free(o->name);
	free(o->locator);
	free(o);
}

static struct fobj *obj_find(struct fake_cluster *fc, int64_t pool, const char *ns,
			     const char *name)
{
	for (struct fobj *o = fc->objs; o; o = o->next)
		if (o->pool == pool && !strcmp(o->nspace, ns) && !strcmp(o->name, name))
			return o;
	return NULL;
}

/* Copy the user-visible state of @s into the empty working copy @d. */
static void obj_copy_state(struct fobj *d, const struct fobj *s)
{
	d->exists = s->exists;
	buf_init(&d->data);
	buf_append(&d->data, s->data.data, s->data.len);
	buf_init(&d->omap_header);
	buf_append(&d->omap_header, s->omap_header.data, s->omap_header.len);
	kv_copy(&d->xattrs, &s->xattrs);
	kv_copy(&d->omap, &s->omap);
	d->version = s->version;
	d->mtime = s->mtime;
}

static void obj_resize(struct fobj *o, size_t n)
{
	if (n > o->data.len) {
		buf_reserve(&o->data, n - o->data.len);
		memset(o->data.data + o->data.len, 0, n - o->data.len);
	}
	o->data.len = n;
}

static int kv_out(const struct kvs *s, struct buf *out, bool keys_only, const char *after,
		  const struct msg_bytes *prefix, uint64_t max)
{
	struct osdop_kv_writer w;
	osdop_kv_begin(&w, out);
	uint64_t n = 0;
	bool more = false;
	for (size_t i = 0; i < s->n; i++) {
		const struct kv *e = &s->a[i];
		if (after && *after &&
		    kv_cmp(e->k, e->kl, (const uint8_t *)after, strlen(after)) <= 0)
			continue;
		if (prefix && (e->kl < prefix->len || memcmp(e->k, prefix->data, prefix->len)))
			continue;
		if (max && n == max) {
			more = true;
			break;
		}
		osdop_kv_add(&w, e->k, e->kl, keys_only ? NULL : e->v, keys_only ? 0 : e->vl);
		n++;
	}
	return osdop_kv_end(&w, more);
}

static bool cmp_holds(int mode, int c)
{
	switch (mode) {
	case OSDOP_CMP_EQ:
		return c == 0;
	case OSDOP_CMP_NE:
		return c != 0;
	case OSDOP_CMP_GT:
		return c > 0;
	case OSDOP_CMP_GTE:
		return c >= 0;
	case OSDOP_CMP_LT:
		return c < 0;
	case OSDOP_CMP_LTE:
		return c <= 0;
	default:
		return false;
	}
}

/* Run one step on the working copy @w.  Returns its rval; output appended to @out. */
static int64_t exec_step(struct fobj *w, struct msg_osd_subop *s, const uint8_t *in,
			 struct buf *out)
{
	size_t size = w->data.len;
	switch (s->op) {
	case OSDOP_READ: {
		if (!w->exists)
			return -ENOENT;
		uint64_t end = s->len ? s->off + s->len : size;
		if (end > size)
			end = size;
		if (s->off < end)
			buf_append(out, w->data.data + s->off, end - s->off);
		return 0;
	}
	case OSDOP_STAT: {
		if (!w->exists)
			return -ENOENT;
		uint8_t st[OSDOP_STAT_LEN];
		osdop_stat_encode(size, w->mtime, st);
		buf_append(out, st, sizeof(st));
		return 0;
	}
	case OSDOP_WRITE:
		w->exists = true;
		if (s->off + s->indata_len > size)
			obj_resize(w, s->off + s->indata_len);
		if (s->indata_len)
			memcpy(w->data.data + s->off, in, s->indata_len);
		return 0;
	case OSDOP_WRITEFULL:
		w->exists = true;
		buf_reset(&w->data);
		buf_append(&w->data, in, s->indata_len);
		return 0;
	case OSDOP_APPEND:
		w->exists = true;
		buf_append(&w->data, in, s->indata_len);
		return 0;
	case OSDOP_WRITESAME:
		w->exists = true;
		if (s->off + s->len > size)
			obj_resize(w, s->off + s->len);
		for (uint64_t i = 0; i < s->len; i++)
			w->data.data[s->off + i] = in[i % s->indata_len];
		return 0;
	case OSDOP_TRUNCATE:
		w->exists = true;
		obj_resize(w, s->off);
		return 0;
	case OSDOP_ZERO:
		if (!w->exists)
			return -ENOENT;
		for (uint64_t i = s->off; i < s->off + s->len && i < size; i++)
			w->data.data[i] = 0;
		return 0;
	case OSDOP_DELETE:
		if (!w->exists)
			return -ENOENT;
		obj_clear(w);
		w->exists = false;
		return 0;
	case OSDOP_CREATE:
		if (w->exists && (s->flags & OSDOP_F_EXCL))
			return -EEXIST;
		w->exists = true;
		return 0;
	case OSDOP_ASSERT_EXISTS:
		return w->exists ? 0 : -ENOENT;
	case OSDOP_SETXATTR:
		w->exists = true;
		kv_set(&w->xattrs, s->name, strlen(s->name), s->vals[0].data, s->vals[0].len);
		return 0;
	case OSDOP_GETXATTR: {
		if (!w->exists)
			return -ENOENT;
		struct kv *e = kv_find(&w->xattrs, s->name, strlen(s->name));
		if (!e)
			return -ENODATA;
		buf_append(out, e->v, e->vl);
		return 0;
	}
	case OSDOP_RMXATTR: {
		if (!w->exists)
			return -ENOENT;
		struct kv *e = kv_find(&w->xattrs, s->name, strlen(s->name));
		if (e)
			kv_del(&w->xattrs, e);
		return 0;
	}
	case OSDOP_GETXATTRS:
		if (!w->exists)
			return -ENOENT;
		return kv_out(&w->xattrs, out, false, NULL, NULL, 0);
	case OSDOP_CMPXATTR: {
		if (!w->exists)
			return -ENOENT;
		struct kv *e = kv_find(&w->xattrs, s->name, strlen(s->name));
		int c = kv_cmp(e ? e->v : (const uint8_t *)"", e ? e->vl : 0, s->vals[0].data,
			       s->vals[0].len);
		return cmp_holds((int)s->arg, c) ? 0 : -ECANCELED;
	}
	case OSDOP_CMPEXT:
		if (!w->exists)
			return -ENOENT;
		for (uint32_t i = 0; i < s->indata_len; i++) {
			uint8_t have = s->off + i < size ? w->data.data[s->off + i] : 0;
			if (have != in[i])
				return OSDOP_CMPEXT_MISMATCH(i);
		}
		return 0;
	case OSDOP_OMAP_SETVALS:
		w->exists = true;
		for (uint32_t i = 0; i < s->n_keys; i++)
			kv_set(&w->omap, s->keys[i].data, s->keys[i].len, s->vals[i].data,
			       s->vals[i].len);
		return 0;
	case OSDOP_OMAP_RMKEYS:
		if (!w->exists)
			return -ENOENT;
		for (uint32_t i = 0; i < s->n_keys; i++) {
			struct kv *e = kv_find(&w->omap, s->keys[i].data, s->keys[i].len);
			if (e)
				kv_del(&w->omap, e);
		}
		return 0;
	case OSDOP_OMAP_CLEAR:
		if (!w->exists)
			return -ENOENT;
		kv_clear(&w->omap);
		return 0;
	case OSDOP_OMAP_GETVALS:
	case OSDOP_OMAP_GETKEYS:
		if (!w->exists)
			return -ENOENT;
		return kv_out(&w->omap, out, s->op == OSDOP_OMAP_GETKEYS, s->name,
			      s->n_keys && s->keys[0].len ? &s->keys[0] : NULL, s->arg);
	case OSDOP_OMAP_GETVALSBYKEYS: {
		if (!w->exists)
			return -ENOENT;
		struct osdop_kv_writer kw;
		osdop_kv_begin(&kw, out);
		for (uint32_t i = 0; i < s->n_keys; i++) {
			struct kv *e = kv_find(&w->omap, s->keys[i].data, s->keys[i].len);
			if (e)
				osdop_kv_add(&kw, e->k, e->kl, e->v, e->vl);
		}
		return osdop_kv_end(&kw, false);
	}
	case OSDOP_OMAP_CMP: {
		if (!w->exists)
			return -ENOENT;
		struct kv *e = kv_find(&w->omap, s->keys[0].data, s->keys[0].len);
		if (!e)
			return -ECANCELED;
		int c = kv_cmp(e->v, e->vl, s->vals[0].data, s->vals[0].len);
		return cmp_holds((int)s->arg, c) ? 0 : -ECANCELED;
	}
	case OSDOP_SETALLOCHINT:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* ---- the OSDs ------------------------------------------------------------------------- */

static void reply(struct msg_conn *conn, const struct msg_osd_op *req, int64_t result,
		  uint32_t epoch, uint32_t flags, uint64_t version, const struct msg_osd_subop *rops,
		  uint32_t n, const struct buf *out)
{
	struct msg *m = msg_create(MSG_OSD_OP_REPLY);
	struct msg_osd_op_reply *b = msg_body(m);
	b->tid = req->tid;
	b->attempt = req->attempt;
	b->result = result;
	b->epoch = epoch;
	b->flags = flags;
	b->version = version;
	if (n) {
		b->ops = calloc(n, sizeof(*b->ops));
		b->n_ops = n;
		for (uint32_t i = 0; i < n; i++) {
			b->ops[i].rval = rops[i].rval;
			b->ops[i].outdata_len = rops[i].outdata_len;
		}
	}
	if (out && out->len)
		FC_EQ(buflist_append_copy(msg_data(m), out->data, out->len), 0);
	if (msg_send(conn, m) != 0)
		msg_put(m);
}

static int pgls(struct fake_cluster *fc, const struct msg_osd_op *b, struct buf *out)
{
	const struct msg_osd_subop *s = &b->ops[0];
	const char *ns = (s->flags & OSDOP_PGLS_F_NSPACE) ? s->name : NULL;
	struct osdop_cursor cur = {0};
	if (s->n_keys && s->keys[0].len &&
	    osdop_cursor_decode(s->keys[0].data, s->keys[0].len, &cur) != 0)
		return -EINVAL;
	/* Order by (nspace, name); the cursor is the last entry returned. */
	struct fobj *sel[4096];
	size_t n = 0;
	for (struct fobj *o = fc->objs; o && n < 4096; o = o->next) {
		struct osdmap_pg pg;
		if (o->pool != b->pool || !o->exists || (ns && strcmp(o->nspace, ns)))
			continue;
		if (osdmap_hash_to_pg(fc->map, o->pool, o->hash, &pg) || pg.seed != b->seed)
			continue;
		if (cur.nspace) {
			int c = kv_cmp((const uint8_t *)o->nspace, strlen(o->nspace),
				       (const uint8_t *)cur.nspace, cur.nslen);
			if (!c)
				c = kv_cmp((const uint8_t *)o->name, strlen(o->name),
					   (const uint8_t *)cur.name, cur.namelen);
			if (c <= 0)
				continue;
		}
		size_t i = n++;
		while (i > 0 && (strcmp(sel[i - 1]->nspace, o->nspace) > 0 ||
				 (!strcmp(sel[i - 1]->nspace, o->nspace) &&
				  strcmp(sel[i - 1]->name, o->name) > 0))) {
			sel[i] = sel[i - 1];
			i--;
		}
		sel[i] = o;
	}
	struct osdop_kv_writer w;
	osdop_kv_begin(&w, out);
	size_t take = s->arg && n > s->arg ? s->arg : n;
	for (size_t i = 0; i < take; i++) {
		struct buf v = BUF_INIT;
		buf_append(&v, sel[i]->nspace, strlen(sel[i]->nspace) + 1);
		buf_append_str(&v, sel[i]->locator);
		osdop_kv_add(&w, sel[i]->name, strlen(sel[i]->name), v.data, v.len);
		buf_fini(&v);
	}
	osdop_kv_end(&w, take < n);
	struct buf c = BUF_INIT;
	if (take < n || (take && take == s->arg))
		osdop_cursor_encode(0, sel[take - 1]->nspace, sel[take - 1]->name, &c);
	uint8_t l[4] = {(uint8_t)c.len, (uint8_t)(c.len >> 8), (uint8_t)(c.len >> 16),
			(uint8_t)(c.len >> 24)};
	buf_append(out, l, 4);
	buf_append(out, c.data, c.len);
	buf_fini(&c);
	return 0;
}

static struct done *done_find(struct fake_cluster *fc, uint64_t client, uint64_t tid)
{
	for (struct done *d = fc->done; d; d = d->next)
		if (d->client == client && d->tid == tid)
			return d;
	return NULL;
}

/* Execute an op on the shared store and answer it.  Lock held. */
static void execute_locked(struct fake_cluster *fc, int osd, struct msg_conn *conn, struct msg *m)
{
	struct msg_osd_op *b = msg_body(m);
	uint32_t epoch = osdmap_epoch(fc->map);
	struct buf out = BUF_INIT;
	struct done *d = done_find(fc, b->client, b->tid);
	if (d && (b->flags & OSDOP_OPF_WRITE)) {
		/* A resend of a write we applied: the same answer, not a second write. */
		reply(conn, b, d->result, epoch, 0, d->version, NULL, 0, NULL);
		return;
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		d->client = b->client;
		d->tid = b->tid;
		d->next = fc->done;
		fc->done = d;
		fc->executed++;
	}
	fc->last_osd = osd;
	if (b->n_ops == 1 && b->ops[0].op == OSDOP_PGLS) {
		int64_t r = pgls(fc, b, &out);
		b->ops[0].rval = r;
		b->ops[0].outdata_len = (uint32_t)out.len;
		reply(conn, b, r, epoch, 0, 0, b->ops, 1, &out);
		buf_fini(&out);
		return;
	}
	struct fobj *o = obj_find(fc, b->pool, b->nspace, b->name);
	struct fobj w = {0};
	if (o)
		obj_copy_state(&w, o);
	uint8_t *in = NULL;
	buflist_contiguous(msg_data(m), &in);
	size_t inoff = 0;
	int64_t result = 0;
	for (uint32_t i = 0; i < b->n_ops; i++) {
		struct msg_osd_subop *s = &b->ops[i];
		size_t before = out.len;
		int64_t r = exec_step(&w, s, in ? in + inoff : NULL, &out);
		inoff += s->indata_len;
		s->rval = r;
		s->outdata_len = (uint32_t)(out.len - before);
		if (r < 0 && !(s->flags & OSDOP_F_FAILOK)) {
			result = r;
			break;
		}
	}
	bool writes = (b->flags & OSDOP_OPF_WRITE) != 0;
	if (result == 0 && writes) {
		if (!o) {
			o = calloc(1, sizeof(*o));
			o->pool = b->pool;
			o->nspace = strdup(b->nspace);
			o->name = strdup(b->name);
			o->locator = strdup(b->locator);
			o->hash = b->hash;
			o->next = fc->objs;
			fc->objs = o;
		}
		obj_clear(o);
		o->exists = w.exists;
		o->data = w.data;
		o->omap_header = w.omap_header;
		o->xattrs = w.xattrs;
		o->omap = w.omap;
		o->version = w.version + 1;
		o->mtime = clk_real_ns();
		memset(&w, 0, sizeof(w));
	}
	obj_clear(&w);
	d->result = result;
	d->version = o ? o->version : 0;
	if (result < 0)
		buf_reset(&out); /* a failed op returns no data, only rvals */
	for (uint32_t i = 0; result < 0 && i < b->n_ops; i++)
		b->ops[i].outdata_len = 0;
	reply(conn, b, result, epoch, 0, d->version, b->ops, b->n_ops, &out);
	buf_fini(&out);
}

static void osd_handler(void *arg, struct msg_conn *conn, struct msg *m)
{
	struct fake_osd *osd = arg;
	struct fake_cluster *fc = osd->fc;
	const struct msg_osd_op *b = msg_body(m);
	pthread_mutex_lock(&fc->lock);
	fc->ops_seen++;
	if (b->attempt)
		fc->resends_seen++;
	uint32_t epoch = osdmap_epoch(fc->map);
	struct osdmap_pg pg = {b->pool, b->seed};
	struct osdmap_placement pl;
	bool pg_op = b->n_ops == 1 && b->ops[0].op == OSDOP_PGLS;
	int rc = pg_op ? 0 : osdmap_hash_to_pg(fc->map, b->pool, b->hash, &pg);
	if (!rc)
		rc = osdmap_pg_to_osds(fc->map, &pg, &pl);
	if (rc == -ENOENT) {
		reply(conn, b, -ENOENT, epoch, 0, 0, NULL, 0, NULL);
	} else if (fc->retry_next > 0) {
		fc->retry_next--;
		bump_locked(fc);
		reply(conn, b, 0, epoch + 1, OSDOP_RF_RETRY, 0, NULL, 0, NULL);
	} else if (rc || pl.acting_primary != osd->id || pg.seed != b->seed) {
		reply(conn, b, 0, epoch, OSDOP_RF_RETRY, 0, NULL, 0, NULL);
	} else if (fc->hold) {
		struct held *h = calloc(1, sizeof(*h));
		h->conn = msg_conn_get(conn);
		h->m = m;
		h->osd = osd->id;
		h->next = fc->held;
		fc->held = h;
		m = NULL;
	} else {
		execute_locked(fc, osd->id, conn, m);
	}
	pthread_mutex_unlock(&fc->lock);
	msg_put(m);
}

void fc_hold(struct fake_cluster *fc, bool hold)
{
	pthread_mutex_lock(&fc->lock);
	fc->hold = hold;
	pthread_mutex_unlock(&fc->lock);
}

int fc_held(struct fake_cluster *fc)
{
	pthread_mutex_lock(&fc->lock);
	int n = 0;
	for (struct held *h = fc->held; h; h = h->next)
		n++;
	pthread_mutex_unlock(&fc->lock);
	return n;
}

/* Take the held list in arrival order.  Lock held. */
static struct held *take_held(struct fake_cluster *fc)
{
	struct held *rev = NULL, *h = fc->held;
	while (h) {
		struct held *n = h->next;
		h->next = rev;
		rev = h;
		h = n;
	}
	fc->held = NULL;
	return rev;
}

void fc_release_held(struct fake_cluster *fc)
{
	pthread_mutex_lock(&fc->lock);
	for (struct held *h = take_held(fc), *n; h; h = n) {
		n = h->next;
		execute_locked(fc, h->osd, h->conn, h->m);
		msg_put(h->m);
		msg_conn_put(h->conn);
		free(h);
	}
	pthread_mutex_unlock(&fc->lock);
}

void fc_close_held_sessions(struct fake_cluster *fc)
{
	pthread_mutex_lock(&fc->lock);
	for (struct held *h = take_held(fc), *n; h; h = n) {
		n = h->next;
		msg_conn_close(h->conn);
		msg_put(h->m);
		msg_conn_put(h->conn);
		free(h);
	}
	pthread_mutex_unlock(&fc->lock);
}

void fc_retry_next(struct fake_cluster *fc, int n)
{
	pthread_mutex_lock(&fc->lock);
	fc->retry_next = n;
	pthread_mutex_unlock(&fc->lock);
}

#define FC_GETTER(field)                                                                           \
	int fc_##field(struct fake_cluster *fc)                                                    \
	{                                                                                          \
		pthread_mutex_lock(&fc->lock);                                                     \
		int v = fc->field;                                                                 \
		pthread_mutex_unlock(&fc->lock);                                                   \
		return v;                                                                          \
	}
FC_GETTER(ops_seen)
FC_GETTER(resends_seen)
FC_GETTER(executed)
FC_GETTER(last_osd)

int fc_primary_of(struct fake_cluster *fc, int64_t pool, const char *nspace, const char *name)
{
	uint32_t hash;
	struct osdmap_pg pg;
	struct osdmap_placement pl;
	FC_EQ(osdmap_object_hash(nspace, name, "", &hash), 0);
	pthread_mutex_lock(&fc->lock);
	FC_EQ(osdmap_hash_to_pg(fc->map, pool, hash, &pg), 0);
	FC_EQ(osdmap_pg_to_osds(fc->map, &pg, &pl), 0);
	pthread_mutex_unlock(&fc->lock);
	return pl.acting_primary;
}

/* ---- start / stop --------------------------------------------------------------------- */

static struct msg_messenger *start_daemon(const struct ent_name *name, struct cfg **out_cfg,
					  msg_handler_fn fn, void *arg, const uint16_t *types,
					  size_t n_types, struct net_addr *out_addr)
{
	struct cfg *cfg = cfg_create(name);
	FC_CHECK(cfg != NULL);
	struct msg_messenger *ms;
	FC_EQ(msg_messenger_create(cfg, name, &ms), 0);
	for (size_t i = 0; i < n_types; i++)
		FC_EQ(msg_register(ms, types[i], fn, arg, MSG_DISPATCH_LOOP), 0);
	struct net_addr any;
	FC_EQ(addr_parse("127.0.0.1:0", 0, &any), 0);
	FC_EQ(msg_bind(ms, &any), 0);
	FC_EQ(msg_bound_addr(ms, out_addr), 0);
	FC_EQ(msg_start(ms), 0);
	*out_cfg = cfg;
	return ms;
}

struct fake_cluster *fc_start(int n_osds, uint32_t pg_num)
{
	FC_CHECK(n_osds <= FC_MAX_OSD);
	struct fake_cluster *fc = calloc(1, sizeof(*fc));
	pthread_mutex_init(&fc->lock, NULL);
	fc->n_osd = n_osds;
	fc->last_osd = -1;
	struct ent_name name;
	struct net_addr mon_addr;
	static const uint16_t mon_types[] = {MSG_MON_COMMAND, MSG_MON_SUBSCRIBE};
	static const uint16_t osd_types[] = {MSG_OSD_OP};
	FC_EQ(ent_name_parse("mon.a", &name), 0);
	fc->mon = start_daemon(&name, &fc->cfg, mon_handler, fc, mon_types, 2, &mon_addr);
	addr_format(&mon_addr, fc->mon_host, sizeof(fc->mon_host));
	memcpy(fc->monmap.fsid, fc_fsid, 16);
	fc->monmap.epoch = 1;
	fc->monmap.n = 1;
	snprintf(fc->monmap.mons[0].name, sizeof(fc->monmap.mons[0].name), "a");
	fc->monmap.mons[0].addr = mon_addr;
	for (int i = 0; i < n_osds; i++) {
		struct fake_osd *o = &fc->osds[i];
		char id[16];
		snprintf(id, sizeof(id), "osd.%d", i);
		FC_EQ(ent_name_parse(id, &name), 0);
		o->fc = fc;
		o->id = i;
		o->ms = start_daemon(&name, &o->cfg, osd_handler, o, osd_types, 1, &o->addr);
	}
	/* Epoch 1: the OSDs up and in, pool "rbd". */
	struct osdmap *m0 = osdmap_create(fc_fsid, make_crush(n_osds));
	FC_CHECK(m0 != NULL);
	struct osdmap_inc inc;
	osdmap_inc_init(&inc, fc_fsid, 1);
	inc.new_max_osd = n_osds;
	for (int i = 0; i < n_osds; i++) {
		FC_EQ(osdmap_inc_create_osd(&inc, i), 0);
		FC_EQ(osdmap_inc_mark_up(&inc, i, &fc->osds[i].addr), 0);
		FC_EQ(osdmap_inc_set_weight(&inc, i, 0x10000), 0);
	}
	struct osdmap_pool p = make_pool(1, "rbd", pg_num);
	FC_EQ(osdmap_inc_add_pool(&inc, &p), 0);
	inc.new_pool_max = 1;
	fc->map = m0;
	pthread_mutex_lock(&fc->lock);
	commit_locked(fc, &inc);
	pthread_mutex_unlock(&fc->lock);
	return fc;
}

const char *fc_mon_host(struct fake_cluster *fc)
{
	return fc->mon_host;
}

void fc_stop(struct fake_cluster *fc)
{
	fc_close_held_sessions(fc);
	pthread_mutex_lock(&fc->lock);
	for (int i = 0; i < fc->n_subs; i++)
		msg_conn_put(fc->subs[i]);
	fc->n_subs = 0;
	pthread_mutex_unlock(&fc->lock);
	msg_stop(fc->mon);
	for (int i = 0; i < fc->n_osd; i++)
		msg_stop(fc->osds[i].ms);
	fc_close_held_sessions(fc); /* anything that arrived while stopping */
	msg_messenger_destroy(fc->mon);
	cfg_destroy(fc->cfg);
	for (int i = 0; i < fc->n_osd; i++) {
		msg_messenger_destroy(fc->osds[i].ms);
		cfg_destroy(fc->osds[i].cfg);
	}
	for (struct fobj *o = fc->objs, *n; o; o = n) {
		n = o->next;
		obj_free(o);
	}
	for (struct done *d = fc->done, *n; d; d = n) {
		n = d->next;
		free(d);
	}
	osdmap_destroy(fc->map);
	pthread_mutex_destroy(&fc->lock);
	free(fc);
}
