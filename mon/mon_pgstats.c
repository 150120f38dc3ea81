/*
 * mon_pgstats.c - PG states and usage from the OSDs' reports, and the
 * commands that show them.  See mon_pgstats.h.
 *
 * Threading: single-owner (the monitor's service loop); pure logic.
 *
 * Data:
 *   reports[osd]   the newest MSG_PG_STATS of each OSD, with the time it
 *                  arrived here;
 *   the cache      for one osdmap epoch, every PG of every pool in a flat
 *                  array (pools in id order, seeds ascending) with its
 *                  acting primary, so answering `status` costs one pass
 *                  over the reports and none through CRUSH until the map
 *                  changes.
 * Every command builds the per-PG "views" (state, counts, who reported)
 * from the two, then prints what it needs.
 */
#include "mon_pgstats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "common/osdop.h"
#include "common/unitfmt.h"

struct entry {
	int64_t pool;
	uint32_t seed;
	uint32_t state;
	uint32_t interval;
	uint64_t objects, bytes;
	uint64_t io[MSG_PG_STATS_IO]; /* reads, bytes read, writes, bytes written */
};

struct report {
	uint32_t epoch;	  /* the OSD's map epoch when it reported */
	uint64_t recv_ns; /* when it arrived here (monotonic) */
	uint64_t kb_total, kb_used;
	uint32_t n;
	struct entry *e;
};

/* A pool's PGs in the cache: entries [first, first + pg_num). */
struct cache_pool {
	int64_t id;
	uint32_t pg_num;
	uint32_t first;
};

struct mon_pgstats {
	uint64_t stale_ns;
	struct report **reports; /* by OSD id; NULL: none */
	int32_t n_reports;	 /* slots in reports */

	bool cache_valid;
	uint32_t cache_epoch;
	uint64_t cache_stamp; /* osdmap_modified: tells maps of one epoch apart in tests */
	struct cache_pool *pools;
	size_t n_pools;
	uint32_t n_pgs;
	int32_t *primary; /* acting primary of each PG, -1 if none */
};

/* Where a PG's view came from. */
enum view_src {
	SRC_NONE,    /* no report: unknown */
	SRC_PRIMARY, /* its current acting primary's report */
	SRC_DOWN,    /* the report of an OSD that is down now: stale */
};

struct pg_view {
	uint32_t state;
	uint8_t src;
	int32_t reporter;
	uint32_t reported_epoch;
	uint32_t interval;
	uint64_t objects, bytes;
	uint64_t io[MSG_PG_STATS_IO];
};

/* ---- reports ------------------------------------------------------------------- */

int mon_pgstats_create(uint64_t stale_ns, struct mon_pgstats **out)
{
	struct mon_pgstats *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->stale_ns = stale_ns;
	*out = ps;
	return 0;
}

static void report_free(struct report *r)
{
	if (r)
		free(r->e);
	free(r);
}

static void cache_clear(struct mon_pgstats *ps)
{
	free(ps->pools);
	free(ps->primary);
	ps->pools = NULL;
	ps->primary = NULL;
	ps->n_pools = 0;
	ps->n_pgs = 0;
	ps->cache_valid = false;
}

void mon_pgstats_destroy(struct mon_pgstats *ps)
{
	if (!ps)
		return;
	for (int32_t i = 0; i < ps->n_reports; i++)
		report_free(ps->reports[i]);
	free(ps->reports);
	cache_clear(ps);
	free(ps);
}

static bool osd_up(const struct osdmap *m, int32_t osd)
{
	const struct osdmap_osd *o = osdmap_osd(m, osd);
	return o && o->exists && o->up;
}

static bool osd_exists(const struct osdmap *m, int32_t osd)
{
	const struct osdmap_osd *o = osdmap_osd(m, osd);
	return o && o->exists;
}

int mon_pgstats_report(struct mon_pgstats *ps, const struct osdmap *m, const struct msg_pg_stats *r,
		       uint64_t now_ns)
{
	if (r->osd < 0 || r->osd >= OSDMAP_MAX_OSD)
		return -EINVAL;
	if (!osd_up(m, r->osd))
		return -ESTALE;
	if (r->osd < ps->n_reports && ps->reports[r->osd] && ps->reports[r->osd]->epoch > r->epoch)
		return -ESTALE; /* a delayed report from before the one we hold */
	if (r->osd >= ps->n_reports) {
		int32_t n = r->osd + 1 > 2 * ps->n_reports ? r->osd + 1 : 2 * ps->n_reports;
		struct report **v = realloc(ps->reports, (size_t)n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memset(v + ps->n_reports, 0, (size_t)(n - ps->n_reports) * sizeof(*v));
		ps->reports = v;
		ps->n_reports = n;
	}
	struct report *nr = calloc(1, sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	if (r->n) {
		nr->e = calloc(r->n, sizeof(*nr->e));
		if (!nr->e) {
			free(nr);
			return -ENOMEM;
		}
	}
	for (uint32_t i = 0; i < r->n; i++) {
		nr->e[i] = (struct entry){.pool = r->pool[i],
					  .seed = r->seed[i],
					  .state = r->state[i],
					  .interval = r->interval[i],
					  .objects = r->objects[i],
					  .bytes = r->bytes[i]};
		if (r->io)
			memcpy(nr->e[i].io, &r->io[(size_t)i * MSG_PG_STATS_IO], sizeof(nr->e[i].io));
	}
	nr->n = r->n;
	nr->epoch = r->epoch;
	nr->recv_ns = now_ns;
	nr->kb_total = r->kb_total;
	nr->kb_used = r->kb_used;
	report_free(ps->reports[r->osd]);
	ps->reports[r->osd] = nr;
	return 0;
}

void mon_pgstats_prune(struct mon_pgstats *ps, const struct osdmap *m)
{
	for (int32_t i = 0; i < ps->n_reports; i++) {
		if (ps->reports[i] && !osd_exists(m, i)) {
			report_free(ps->reports[i]);
			ps->reports[i] = NULL;
		}
	}
}

/* ---- the placement cache ---------------------------------------------------------- */

static int cache_build(struct mon_pgstats *ps, const struct osdmap *m)
{
	if (ps->cache_valid && ps->cache_epoch == osdmap_epoch(m) &&
	    ps->cache_stamp == osdmap_modified(m))
		return 0;
	cache_clear(ps);
	size_t np = osdmap_pool_count(m);
	uint64_t total = 0;
	for (size_t i = 0; i < np; i++)
		total += osdmap_pool_at(m, i)->pg_num;
	ps->pools = calloc(np ? np : 1, sizeof(*ps->pools));
	ps->primary = calloc(total ? total : 1, sizeof(*ps->primary));
	if (!ps->pools || !ps->primary) {
		cache_clear(ps);
		return -ENOMEM;
	}
	uint32_t k = 0;
	for (size_t i = 0; i < np; i++) {
		const struct osdmap_pool *p = osdmap_pool_at(m, i);
		ps->pools[i] = (struct cache_pool){p->id, p->pg_num, k};
		for (uint32_t s = 0; s < p->pg_num; s++, k++) {
			struct osdmap_pg pg = {p->id, s};
			struct osdmap_placement pl;
			ps->primary[k] =
			    osdmap_pg_to_osds(m, &pg, &pl) == 0 ? pl.acting_primary : -1;
		}
	}
	ps->n_pools = np;
	ps->n_pgs = k;
	ps->cache_epoch = osdmap_epoch(m);
	ps->cache_stamp = osdmap_modified(m);
	ps->cache_valid = true;
	return 0;
}

/* The cache index of PG (pool, seed), or -1 if the map has no such PG. */
static int64_t cache_slot(const struct mon_pgstats *ps, int64_t pool, uint32_t seed)
{
	size_t lo = 0, hi = ps->n_pools;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ps->pools[mid].id < pool)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ps->n_pools || ps->pools[lo].id != pool || seed >= ps->pools[lo].pg_num)
		return -1;
	return (int64_t)ps->pools[lo].first + seed;
}

/* ---- per-PG views ------------------------------------------------------------------- */

static void view_set(struct pg_view *v, enum view_src src, int32_t osd, const struct report *r,
		     const struct entry *e, bool stale)
{
	*v = (struct pg_view){
	    .state = e->state | (stale ? OSDOP_PGS_STALE : 0),
	    .src = (uint8_t)src,
	    .reporter = osd,
	    .reported_epoch = r->epoch,
	    .interval = e->interval,
	    .objects = e->objects,
	    .bytes = e->bytes,
	};
	memcpy(v->io, e->io, sizeof(v->io));
	if (!(v->state & ~OSDOP_PGS_STALE))
		v->state |= OSDOP_PGS_UNKNOWN; /* a report with no state bits */
}

/*
 * The state of every PG of @m (in cache order), from the reports: see the
 * rules in mon_pgstats.h.  Returns a new array of ps->n_pgs views, or NULL
 * on allocation failure.
 */
static struct pg_view *build_views(struct mon_pgstats *ps, const struct osdmap *m, uint64_t now)
{
	if (cache_build(ps, m) != 0)
		return NULL;
	struct pg_view *v = calloc(ps->n_pgs ? ps->n_pgs : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (int32_t osd = 0; osd < ps->n_reports; osd++) {
		const struct report *r = ps->reports[osd];
		if (!r || !osd_up(m, osd))
			continue;
		bool stale = now > r->recv_ns && now - r->recv_ns > ps->stale_ns;
		for (uint32_t i = 0; i < r->n; i++) {
			int64_t k = cache_slot(ps, r->e[i].pool, r->e[i].seed);
			if (k >= 0 && ps->primary[k] == osd)
				view_set(&v[k], SRC_PRIMARY, osd, r, &r->e[i], stale);
		}
	}
	/* The last word of primaries that died, where no live primary spoke yet. */
	for (int32_t osd = 0; osd < ps->n_reports; osd++) {
		const struct report *r = ps->reports[osd];
		if (!r || !osd_exists(m, osd) || osd_up(m, osd))
			continue;
		for (uint32_t i = 0; i < r->n; i++) {
			int64_t k = cache_slot(ps, r->e[i].pool, r->e[i].seed);
			if (k < 0 || v[k].src == SRC_PRIMARY ||
			    (v[k].src == SRC_DOWN && v[k].reported_epoch >= r->epoch))
				continue;
			view_set(&v[k], SRC_DOWN, osd, r, &r->e[i], true);
		}
	}
	for (uint32_t k = 0; k < ps->n_pgs; k++) {
		if (v[k].src == SRC_NONE) {
			v[k].state = OSDOP_PGS_UNKNOWN;
			v[k].reporter = -1;
		}
	}
	return v;
}

/* ---- number formatting -------------------------------------------------------------- */

/* Ceph's percentages: "0" below 0.01 %, else two decimals. */
static const char *fmt_percent(double frac, char *buf, size_t size)
{
	if (frac * 100 < 0.01)
		snprintf(buf, size, "0");
	else
		snprintf(buf, size, "%.2f", frac * 100);
	return buf;
}

static const char *state_name(uint32_t state, char *buf, size_t size)
{
	if (osdop_pg_state_format(state, buf, size) < 0)
		snprintf(buf, size, "0x%x", state);
	return buf;
}

uint32_t mon_pgstats_state_parse(const char *s)
{
	uint32_t bits = 0;
	while (*s) {
		size_t len = strcspn(s, "+");
		uint32_t bit = 0;
		for (uint32_t b = 1; b && !bit; b <<= 1) {
			char w[32];
			if (osdop_pg_state_format(b, w, sizeof(w)) > 0 && strlen(w) == len &&
			    strncmp(w, s, len) == 0)
				bit = b;
		}
		if (!bit)
			return 0;
		bits |= bit;
		s += len;
		if (*s == '+')
			s++;
	}
	return bits;
}

/* ---- the summary -------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_count_desc(const void *a, const void *b)
{
	const struct mon_pgstats_state_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->state < y->state ? -1 : x->state > y->state;
}

/* Group the PGs by state, most common first, into s->states. */
static int count_states(const struct pg_view *v, uint32_t n, struct mon_pgstats_summary *s)
{
	uint32_t *st = malloc((n ? n : 1) * sizeof(*st));
	s->states = calloc(n ? n : 1, sizeof(*s->states));
	if (!st || !s->states) {
		free(st);
		free(s->states);
		s->states = NULL;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		st[i] = v[i].state;
	qsort(st, n, sizeof(*st), cmp_u32);
	s->n_states = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (s->n_states && s->states[s->n_states - 1].state == st[i])
			s->states[s->n_states - 1].count++;
		else
			s->states[s->n_states++] = (struct mon_pgstats_state_count){st[i], 1};
	}
	qsort(s->states, s->n_states, sizeof(*s->states), cmp_count_desc);
	free(st);
	return 0;
}

static void sum_usage(const struct mon_pgstats *ps, const struct osdmap *m, uint64_t *used,
		      uint64_t *total)
{
	*used = *total = 0;
	for (int32_t osd = 0; osd < ps->n_reports; osd++) {
		const struct report *r = ps->reports[osd];
		if (!r || !osd_up(m, osd))
			continue;
		*used += r->kb_used * 1024;
		*total += r->kb_total * 1024;
	}
}

/* The summary of the views @v (ps->n_pgs of them) of map @m. */
static int summarize_views(const struct mon_pgstats *ps, const struct osdmap *m,
			   const struct pg_view *v, struct mon_pgstats_summary *out)
{
	const uint32_t unavailable = OSDOP_PGS_STALE | OSDOP_PGS_DOWN | OSDOP_PGS_PEERING |
				     OSDOP_PGS_INCOMPLETE | OSDOP_PGS_UNKNOWN;
	const uint32_t unredundant = OSDOP_PGS_DEGRADED | OSDOP_PGS_UNDERSIZED;
	struct mon_pgstats_summary s = {0};
	s.num_pools = (uint32_t)osdmap_pool_count(m);
	s.num_pgs = ps->n_pgs;
	if (count_states(v, ps->n_pgs, &s) != 0)
		return -ENOMEM;
	for (uint32_t k = 0; k < ps->n_pgs; k++) {
		uint32_t st = v[k].state;
		s.active += !!(st & OSDOP_PGS_ACTIVE);
		s.unknown += !!(st & OSDOP_PGS_UNKNOWN);
		s.stale += !!(st & OSDOP_PGS_STALE);
		s.down += !!(st & OSDOP_PGS_DOWN);
		s.peering += !!(st & OSDOP_PGS_PEERING);
		s.incomplete += !!(st & OSDOP_PGS_INCOMPLETE);
		s.degraded += !!(st & OSDOP_PGS_DEGRADED);
		s.undersized += !!(st & OSDOP_PGS_UNDERSIZED);
		s.remapped += !!(st & OSDOP_PGS_REMAPPED);
		s.active_clean += st == (OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN);
		bool avail = (st & OSDOP_PGS_ACTIVE) && !(st & unavailable);
		s.unavailable += !avail;
		s.unredundant += !!(st & unredundant);
		s.unclean +=
		    avail && !(st & unredundant) && st != (OSDOP_PGS_ACTIVE | OSDOP_PGS_CLEAN);
		s.num_objects += v[k].objects;
		s.data_bytes += v[k].bytes;
	}
	sum_usage(ps, m, &s.bytes_used, &s.bytes_total);
	*out = s;
	return 0;
}

int mon_pgstats_summarize(struct mon_pgstats *ps, const struct osdmap *m, uint64_t now_ns,
			  struct mon_pgstats_summary *out)
{
	struct pg_view *v = build_views(ps, m, now_ns);
	if (!v)
		return -ENOMEM;
	int rc = summarize_views(ps, m, v, out);
	free(v);
	return rc;
}

void mon_pgstats_summary_fini(struct mon_pgstats_summary *s)
{
	free(s->states);
	s->states = NULL;
	s->n_states = 0;
}

void mon_pgstats_summary_json(const struct mon_pgstats_summary *s, struct json_w *w)
{
	char name[160];
	json_w_key(w, "pgs_by_state");
	json_w_arr_begin(w);
	for (size_t i = 0; i < s->n_states; i++) {
		json_w_obj_begin(w);
		json_w_kv_str(w, "state_name", state_name(s->states[i].state, name, sizeof(name)));
		json_w_kv_uint(w, "count", s->states[i].count);
		json_w_obj_end(w);
	}
	json_w_arr_end(w);
	json_w_kv_uint(w, "num_pgs", s->num_pgs);
	json_w_kv_uint(w, "num_pools", s->num_pools);
	json_w_kv_uint(w, "num_objects", s->num_objects);
	json_w_kv_uint(w, "data_bytes", s->data_bytes);
	json_w_kv_uint(w, "bytes_used", s->bytes_used);
	json_w_kv_uint(w, "bytes_avail",
		       s->bytes_total > s->bytes_used ? s->bytes_total - s->bytes_used : 0);
	json_w_kv_uint(w, "bytes_total", s->bytes_total);
	uint32_t inactive = s->num_pgs - s->active - s->unknown;
	if (s->num_pgs && s->unknown)
		json_w_kv_double(w, "unknown_pgs_ratio", (double)s->unknown / s->num_pgs);
	if (s->num_pgs && inactive)
		json_w_kv_double(w, "inactive_pgs_ratio", (double)inactive / s->num_pgs);
}

/* "N state" lines of `status` and `pg stat`: N padded to the widest count. */
static int count_width(const struct mon_pgstats_summary *s)
{
	int w = 1;
	for (size_t i = 0; i < s->n_states; i++) {
		char tmp[16];
		int n = snprintf(tmp, sizeof(tmp), "%u", s->states[i].count);
		w = n > w ? n : w;
	}
	return w;
}

void mon_pgstats_summary_text(const struct mon_pgstats_summary *s, struct buf *out)
{
	char a[32], b[32], c[32];
	const char *pad = "             "; /* aligns with the text after "    pgs:     " */
	uint64_t avail = s->bytes_total > s->bytes_used ? s->bytes_total - s->bytes_used : 0;
	buf_printf(out, "  data:\n    pools:   %u pools, %u pgs\n", s->num_pools, s->num_pgs);
	buf_printf(out, "    objects: %s objects, %s\n",
		   unitfmt_count(s->num_objects, a, 32),
		   unitfmt_bytes(s->data_bytes, b, 32));
	buf_printf(out, "    usage:   %s used, %s / %s avail\n",
		   unitfmt_bytes(s->bytes_used, a, 32), unitfmt_bytes(avail, b, 32),
		   unitfmt_bytes(s->bytes_total, c, 32));
	buf_printf(out, "    pgs:     ");
	bool first = true;
	uint32_t inactive = s->num_pgs - s->active - s->unknown;
	if (s->num_pgs && s->unknown) {
		buf_printf(out, "%.3f%% pgs unknown\n", 100.0 * s->unknown / s->num_pgs);
		first = false;
	}
	if (s->num_pgs && inactive) {
		buf_printf(out, "%s%.3f%% pgs not active\n", first ? "" : pad,
			   100.0 * inactive / s->num_pgs);
		first = false;
	}
	int wd = count_width(s);
	for (size_t i = 0; i < s->n_states; i++) {
		char name[160];
		buf_printf(out, "%s%-*u %s\n", first ? "" : pad, wd, s->states[i].count,
			   state_name(s->states[i].state, name, sizeof(name)));
		first = false;
	}
	if (first)
		buf_printf(out, "\n");
}

/* ---- health ------------------------------------------------------------------------- */

static void add_part(char *buf, size_t size, uint32_t n, const char *what)
{
	if (!n)
		return;
	size_t len = strlen(buf);
	snprintf(buf + len, size - len, "%s%u pg%s %s", len ? ", " : "", n, n == 1 ? "" : "s",
		 what);
}

int mon_pgstats_check_add(struct mon_pgstats_check *out, int n, int max, const char *code,
			  uint64_t count, const char *fmt, ...)
{
	if (n >= max)
		return n;
	va_list ap;
	va_start(ap, fmt);
	snprintf(out[n].code, sizeof(out[n].code), "%s", code);
	vsnprintf(out[n].summary, sizeof(out[n].summary), fmt, ap);
	va_end(ap);
	out[n].count = count;
	return n + 1;
}

int mon_pgstats_health(const struct mon_pgstats_summary *s, struct mon_pgstats_check *out, int max)
{
	int n = 0;
	char parts[160] = "";
	add_part(parts, sizeof(parts), s->num_pgs - s->active, "inactive"); /* unknown too */
	add_part(parts, sizeof(parts), s->down, "down");
	add_part(parts, sizeof(parts), s->peering, "peering");
	add_part(parts, sizeof(parts), s->incomplete, "incomplete");
	add_part(parts, sizeof(parts), s->stale, "stale");
	if (*parts)
		n = mon_pgstats_check_add(out, n, max, "PG_AVAILABILITY", s->unavailable,
					  "Reduced data availability: %s", parts);
	parts[0] = '\0';
	add_part(parts, sizeof(parts), s->degraded, "degraded");
	add_part(parts, sizeof(parts), s->undersized, "undersized");
	if (*parts)
		n = mon_pgstats_check_add(out, n, max, "PG_DEGRADED", s->unredundant,
					  "Degraded data redundancy: %s", parts);
	/* Active and whole but not clean (recovering, backfilling, remapped...). */
	parts[0] = '\0';
	add_part(parts, sizeof(parts), s->unclean, "active but not clean");
	if (*parts)
		n = mon_pgstats_check_add(out, n, max, "PG_NOT_CLEAN", s->unclean, "%s", parts);
	return n;
}

/* ---- command helpers ---------------------------------------------------------------- */

static int reply_err(struct mon_reply *r, int rc, const char *fmt, ...) CAIRN_PRINTF(3, 4);
static int reply_err(struct mon_reply *r, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_reset(&r->status);
	char msg[256];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_append_str(&r->status, msg);
	r->rc = rc;
	return rc;
}

/* "json" / "json-pretty" -> true; *pretty for the latter. */
static bool want_json(const struct json_val *cmd, bool *pretty)
{
	const char *f;
	if (json_get_str(cmd, "format", &f) != 0)
		return *pretty = false;
	*pretty = strcmp(f, "json-pretty") == 0;
	return *pretty || strcmp(f, "json") == 0;
}

static void osds_json(struct json_w *w, const char *key, const int32_t *v, uint32_t n)
{
	json_w_key(w, key);
	json_w_arr_begin(w);
	for (uint32_t i = 0; i < n; i++)
		json_w_int(w, v[i] == OSDMAP_NONE ? -1 : v[i]);
	json_w_arr_end(w);
}

/* "[1,0,2]" (holes as NONE, as Ceph prints them). */
static const char *osds_text(const int32_t *v, uint32_t n, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "[");
	for (uint32_t i = 0; i < n && len < size; i++) {
		if (v[i] == OSDMAP_NONE)
			len += (size_t)snprintf(buf + len, size - len, "%sNONE", i ? "," : "");
		else
			len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", v[i]);
	}
	if (len < size)
		snprintf(buf + len, size - len, "]");
	return buf;
}

/* A plain-text table with Ceph's look: columns two spaces apart. */
#define TABLE_MAX_COLS 12
struct table {
	size_t ncols;
	const char *heads[TABLE_MAX_COLS];
	bool right[TABLE_MAX_COLS]; /* right-aligned (numbers) */
	char **cells;		    /* row-major, after the header */
	size_t n, cap;
	int err;
};

/* Columns from "NAME NAME> ..." ('>' marks right alignment); names stay borrowed. */
static void table_init(struct table *t, const char *const *heads, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	for (size_t i = 0; i < t->ncols; i++) {
		size_t len = strlen(heads[i]);
		t->right[i] = len && heads[i][len - 1] == '>';
		t->heads[i] = heads[i];
	}
}

static void table_cell(struct table *t, const char *fmt, ...) CAIRN_PRINTF(2, 3);
static void table_cell(struct table *t, const char *fmt, ...)
{
	if (t->err)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		char **c = realloc(t->cells, cap * sizeof(*c));
		if (!c) {
			t->err = -ENOMEM;
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&t->cells[t->n], fmt, ap) < 0) {
		t->err = -ENOMEM;
		t->cells[t->n] = NULL;
	} else {
		t->n++;
	}
	va_end(ap);
}

static size_t head_len(const struct table *t, size_t c)
{
	size_t len = strlen(t->heads[c]);
	return t->right[c] ? len - 1 : len;
}

static void table_print(struct table *t, struct buf *out)
{
	size_t wd[TABLE_MAX_COLS];
	for (size_t c = 0; c < t->ncols; c++)
		wd[c] = head_len(t, c);
	for (size_t i = 0; i < t->n; i++) {
		size_t len = strlen(t->cells[i]);
		if (len > wd[i % t->ncols])
			wd[i % t->ncols] = len;
	}
	for (size_t i = 0; i < t->n + t->ncols; i++) {
		size_t c = i % t->ncols;
		const char *s = i < t->ncols ? t->heads[c] : t->cells[i - t->ncols];
		int len = (int)(i < t->ncols ? head_len(t, c) : strlen(s));
		bool last = c + 1 == t->ncols;
		if (t->right[c])
			buf_printf(out, "%*s%.*s", (int)wd[c] - len, "", len, s);
		else
			buf_printf(out, "%.*s%*s", len, s, last ? 0 : (int)wd[c] - len, "");
		buf_printf(out, last ? "\n" : "  ");
	}
}

static void table_fini(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* Print @t to @out unless building it failed, and free it.  0 or -ENOMEM. */
static int table_done(struct table *t, struct buf *out)
{
	int rc = t->err;
	if (!rc)
		table_print(t, out);
	table_fini(t);
	return rc;
}

/* Ceph's "stat_sum" object of a PG, a pool or the total. */
static void stat_sum_json(struct json_w *w, uint64_t bytes, uint64_t objects)
{
	json_w_key(w, "stat_sum");
	json_w_obj_begin(w);
	json_w_kv_uint(w, "num_bytes", bytes);
	json_w_kv_uint(w, "num_objects", objects);
	json_w_obj_end(w);
}

/* ---- pg dump / pg ls ---------------------------------------------------------------- */

/* Which PGs a listing shows. */
struct pg_filter {
	int64_t pool;	 /* -1: all */
	int32_t osd;	 /* -1: all; else in up or acting */
	int32_t primary; /* -1: all; else the acting primary */
	uint32_t states; /* 0: all; else any of these bits */
};

static bool in_set(const int32_t *v, uint32_t n, int32_t x)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool filter_match(const struct pg_filter *f, const struct osdmap_pg *pg,
			 const struct osdmap_placement *pl, const struct pg_view *v)
{
	if (f->pool >= 0 && pg->pool != f->pool)
		return false;
	if (f->primary >= 0 && pl->acting_primary != f->primary)
		return false;
	if (f->osd >= 0 && !in_set(pl->up, pl->up_n, f->osd) &&
	    !in_set(pl->acting, pl->acting_n, f->osd))
		return false;
	return !f->states || (v->state & f->states);
}

static void pg_json(struct json_w *w, const struct osdmap_pg *pg, const struct osdmap_placement *pl,
		    const struct pg_view *v, bool brief)
{
	char id[32], st[160];
	osdmap_pg_format(pg, id, sizeof(id));
	json_w_obj_begin(w);
	json_w_kv_str(w, "pgid", id);
	json_w_kv_str(w, "state", state_name(v->state, st, sizeof(st)));
	if (!brief) {
		json_w_kv_uint(w, "reported_epoch", v->reported_epoch);
		json_w_kv_uint(w, "same_interval_since", v->interval);
		stat_sum_json(w, v->bytes, v->objects);
	}
	osds_json(w, "up", pl->up, pl->up_n);
	json_w_kv_int(w, "up_primary", pl->up_primary);
	osds_json(w, "acting", pl->acting, pl->acting_n);
	json_w_kv_int(w, "acting_primary", pl->acting_primary);
	json_w_obj_end(w);
}

enum {
	DUMP_SUM = 1 << 0,
	DUMP_PGS = 1 << 1,
	DUMP_BRIEF = 1 << 2,
	DUMP_POOLS = 1 << 3,
	DUMP_OSDS = 1 << 4,
	DUMP_ALL = DUMP_SUM | DUMP_PGS | DUMP_POOLS | DUMP_OSDS,
};

/* Everything a dump or listing prints, computed once. */
struct pg_ctx {
	struct mon_pgstats *ps;
	const struct osdmap *m;
	struct pg_view *v;
	bool json, pretty;
	bool brief; /* pg dump pgs_brief: ids, states and sets only */
	struct json_w w;
	struct mon_reply *r;
};

/* Walk the PGs passing @f; per PG, JSON or a table row. */
static int list_pgs(struct pg_ctx *c, const struct pg_filter *f, bool brief, bool dump_cols)
{
	static const char *const dump_heads[] = {"PG_STAT",	"OBJECTS>",  "BYTES>",
						 "STATE",	"REPORTED>", "UP",
						 "UP_PRIMARY>", "ACTING",    "ACTING_PRIMARY>"};
	static const char *const ls_heads[] = {"PG",	    "OBJECTS>", "BYTES>", "STATE",
					       "REPORTED>", "UP",	"ACTING"};
	struct table t;
	if (!c->json) {
		if (dump_cols)
			table_init(&t, dump_heads, ARRAY_SIZE(dump_heads));
		else
			table_init(&t, ls_heads, ARRAY_SIZE(ls_heads));
	}
	uint32_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < c->ps->n_pools; i++) {
		const struct cache_pool *cp = &c->ps->pools[i];
		for (uint32_t s = 0; s < cp->pg_num; s++, k++) {
			struct osdmap_pg pg = {cp->id, s};
			struct osdmap_placement pl;
			if (osdmap_pg_to_osds(c->m, &pg, &pl) != 0)
				continue;
			if (!filter_match(f, &pg, &pl, &c->v[k]))
				continue;
			if (c->json) {
				pg_json(&c->w, &pg, &pl, &c->v[k], brief);
				continue;
			}
			char id[32], st[160], up[128], act[128];
			osdmap_pg_format(&pg, id, sizeof(id));
			table_cell(&t, "%s", id);
			table_cell(&t, "%" PRIu64, c->v[k].objects);
			table_cell(&t, "%" PRIu64, c->v[k].bytes);
			table_cell(&t, "%s", state_name(c->v[k].state, st, sizeof(st)));
			table_cell(&t, "%u", c->v[k].reported_epoch);
			osds_text(pl.up, pl.up_n, up, sizeof(up));
			osds_text(pl.acting, pl.acting_n, act, sizeof(act));
			if (dump_cols) {
				table_cell(&t, "%s", up);
				table_cell(&t, "%d", pl.up_primary);
				table_cell(&t, "%s", act);
				table_cell(&t, "%d", pl.acting_primary);
			} else {
				table_cell(&t, "%sp%d", up, pl.up_primary);
				table_cell(&t, "%sp%d", act, pl.acting_primary);
			}
		}
	}
	if (!c->json)
		rc = table_done(&t, &c->r->out);
	return rc;
}

/* A pool's totals; @io (MSG_PG_STATS_IO counters) may be NULL. */
static void pool_sums(const struct pg_ctx *c, size_t pool_index, uint64_t *objects, uint64_t *bytes,
		      uint64_t *io)
{
	const struct cache_pool *cp = &c->ps->pools[pool_index];
	*objects = *bytes = 0;
	if (io)
		memset(io, 0, MSG_PG_STATS_IO * sizeof(*io));
	for (uint32_t s = 0; s < cp->pg_num; s++) {
		const struct pg_view *v = &c->v[cp->first + s];
		*objects += v->objects;
		*bytes += v->bytes;
		for (int k = 0; io && k < MSG_PG_STATS_IO; k++)
			io[k] += v->io[k];
	}
}

static void dump_pools(struct pg_ctx *c)
{
	struct table t;
	static const char *const heads[] = {"POOLID", "OBJECTS>", "BYTES>", "PGS>"};
	if (!c->json)
		table_init(&t, heads, ARRAY_SIZE(heads));
	for (size_t i = 0; i < c->ps->n_pools; i++) {
		uint64_t o, b;
		pool_sums(c, i, &o, &b, NULL);
		if (!c->json) {
			table_cell(&t, "%" PRId64, c->ps->pools[i].id);
			table_cell(&t, "%" PRIu64, o);
			table_cell(&t, "%" PRIu64, b);
			table_cell(&t, "%u", c->ps->pools[i].pg_num);
			continue;
		}
		json_w_obj_begin(&c->w);
		json_w_kv_int(&c->w, "poolid", c->ps->pools[i].id);
		json_w_kv_uint(&c->w, "num_pg", c->ps->pools[i].pg_num);
		stat_sum_json(&c->w, b, o);
		json_w_obj_end(&c->w);
	}
	if (!c->json)
		table_done(&t, &c->r->out);
}

static void dump_osds(struct pg_ctx *c)
{
	struct table t;
	static const char *const heads[] = {"OSD_STAT", "USED>", "AVAIL>", "TOTAL>",
					    "PRIMARY_PG_SUM>"};
	if (!c->json)
		table_init(&t, heads, ARRAY_SIZE(heads));
	for (int32_t osd = 0; osd < c->ps->n_reports; osd++) {
		const struct report *r = c->ps->reports[osd];
		if (!r || !osd_exists(c->m, osd))
			continue;
		uint64_t avail = r->kb_total > r->kb_used ? r->kb_total - r->kb_used : 0;
		if (!c->json) {
			char a[32], b[32], d[32];
			table_cell(&t, "%d", osd);
			table_cell(&t, "%s", unitfmt_bytes(r->kb_used * 1024, a, 32));
			table_cell(&t, "%s", unitfmt_bytes(avail * 1024, b, 32));
			table_cell(&t, "%s", unitfmt_bytes(r->kb_total * 1024, d, 32));
			table_cell(&t, "%u", r->n);
			continue;
		}
		json_w_obj_begin(&c->w);
		json_w_kv_int(&c->w, "osd", osd);
		json_w_kv_uint(&c->w, "up_from", osdmap_osd(c->m, osd)->up_from);
		json_w_kv_uint(&c->w, "num_pgs", r->n);
		json_w_kv_uint(&c->w, "kb", r->kb_total);
		json_w_kv_uint(&c->w, "kb_used", r->kb_used);
		json_w_kv_uint(&c->w, "kb_avail", avail);
		json_w_obj_end(&c->w);
	}
	if (!c->json)
		table_done(&t, &c->r->out);
}

static void dump_sums(struct pg_ctx *c)
{
	uint64_t objects = 0, bytes = 0, used, total;
	for (uint32_t k = 0; k < c->ps->n_pgs; k++) {
		objects += c->v[k].objects;
		bytes += c->v[k].bytes;
	}
	sum_usage(c->ps, c->m, &used, &total);
	uint64_t avail = total > used ? total - used : 0;
	if (!c->json) {
		char a[32], b[32], d[32];
		buf_printf(&c->r->out,
			   "sum  %" PRIu64 " objects, %" PRIu64 " bytes; %s used, %s / %s avail\n",
			   objects, bytes, unitfmt_bytes(used, a, 32),
			   unitfmt_bytes(avail, b, 32),
			   unitfmt_bytes(total, d, 32));
		return;
	}
	json_w_key(&c->w, "pg_stats_sum");
	json_w_obj_begin(&c->w);
	stat_sum_json(&c->w, bytes, objects);
	json_w_obj_end(&c->w);
	json_w_key(&c->w, "osd_stats_sum");
	json_w_obj_begin(&c->w);
	json_w_kv_uint(&c->w, "kb", total / 1024);
	json_w_kv_uint(&c->w, "kb_used", used / 1024);
	json_w_kv_uint(&c->w, "kb_avail", avail / 1024);
	json_w_obj_end(&c->w);
}

static void dump_pgs(struct pg_ctx *c)
{
	struct pg_filter all = {-1, -1, -1, 0};
	int rc = list_pgs(c, &all, c->brief, true);
	if (rc)
		reply_err(c->r, rc, "out of memory");
}

static int dump_what(const struct json_val *cmd, unsigned *out, struct mon_reply *r)
{
	static const struct {
		const char *name;
		unsigned bits;
	} words[] = {{"all", DUMP_ALL},	  {"summary", DUMP_SUM},    {"sum", DUMP_SUM},
		     {"delta", DUMP_SUM}, {"pools", DUMP_POOLS},    {"osds", DUMP_OSDS},
		     {"pgs", DUMP_PGS},	  {"pgs_brief", DUMP_BRIEF}};
	const struct json_val *dc = json_get(cmd, "dumpcontents");
	*out = 0;
	for (size_t i = 0; dc && i < (json_type(dc) == JSON_ARRAY ? json_len(dc) : 1); i++) {
		const char *s = json_type(dc) == JSON_ARRAY ? json_string(json_at(dc, i), NULL)
							    : json_string(dc, NULL);
		size_t k = 0;
		while (s && k < ARRAY_SIZE(words) && strcmp(words[k].name, s) != 0)
			k++;
		if (!s || k == ARRAY_SIZE(words))
			return reply_err(r, -EINVAL,
					 "dumpcontents must be among all, summary, sum, "
					 "delta, pools, osds, pgs, pgs_brief");
		*out |= words[k].bits;
	}
	if (!*out)
		*out = DUMP_ALL;
	return 0;
}

static void cmd_pg_dump(struct pg_ctx *c, const struct json_val *cmd)
{
	unsigned what;
	if (dump_what(cmd, &what, c->r))
		return;
	bool wrap = what == DUMP_ALL;
	if (c->json) {
		json_w_obj_begin(&c->w);
		json_w_kv_bool(&c->w, "pg_ready", true);
		if (wrap) {
			json_w_key(&c->w, "pg_map");
			json_w_obj_begin(&c->w);
			json_w_kv_uint(&c->w, "last_osdmap_epoch", osdmap_epoch(c->m));
		}
	}
	/* JSON puts the sums first, as Ceph does; text last, under the tables. */
	if ((what & DUMP_SUM) && c->json)
		dump_sums(c);
	static const struct {
		unsigned bits;
		const char *key;
		void (*fn)(struct pg_ctx *c);
	} sections[] = {
	    {DUMP_PGS | DUMP_BRIEF, "pg_stats", dump_pgs},
	    {DUMP_POOLS, "pool_stats", dump_pools},
	    {DUMP_OSDS, "osd_stats", dump_osds},
	};
	c->brief = !(what & DUMP_PGS);
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		if (!(what & sections[i].bits))
			continue;
		if (c->json) {
			json_w_key(&c->w, sections[i].key);
			json_w_arr_begin(&c->w);
		}
		sections[i].fn(c);
		if (c->json)
			json_w_arr_end(&c->w);
		else
			buf_printf(&c->r->out, "\n");
	}
	if ((what & DUMP_SUM) && !c->json)
		dump_sums(c);
	if (c->json) {
		if (wrap)
			json_w_obj_end(&c->w);
		json_w_obj_end(&c->w);
	}
	if (!c->r->rc)
		buf_printf(&c->r->status, "dumped %s", wrap ? "all" : "selected");
}

/* A pool named by id (number) or name; -1 with the reply's error set if none. */
static int64_t pool_arg(const struct osdmap *m, const struct json_val *v, struct mon_reply *r)
{
	int64_t id;
	if (json_int(v, &id)) {
		if (!osdmap_pool(m, id))
			return reply_err(r, -ENOENT, "pool %" PRId64 " does not exist", id), -1;
		return id;
	}
	const char *s = json_string(v, NULL);
	if (!s)
		return reply_err(r, -EINVAL, "pool must be a name or an id"), -1;
	const struct osdmap_pool *p = osdmap_pool_by_name(m, s);
	char *end;
	if (!p && *s && (id = strtoll(s, &end, 10), *end == '\0'))
		p = osdmap_pool(m, id);
	if (!p)
		return reply_err(r, -ENOENT, "pool '%s' does not exist", s), -1;
	return p->id;
}

/* "states": a list of state words ("active", "stale", "undersized+degraded"). */
static int states_arg(const struct json_val *v, uint32_t *out, struct mon_reply *r)
{
	*out = 0;
	for (size_t i = 0; v && i < (json_type(v) == JSON_ARRAY ? json_len(v) : 1); i++) {
		const char *s = json_type(v) == JSON_ARRAY ? json_string(json_at(v, i), NULL)
							   : json_string(v, NULL);
		uint32_t b = s ? mon_pgstats_state_parse(s) : 0;
		if (!b)
			return reply_err(r, -EINVAL, "'%s' is not a PG state", s ? s : "?");
		*out |= b;
	}
	return 0;
}

static int osd_arg(const struct osdmap *m, const struct json_val *cmd, int32_t *out,
		   struct mon_reply *r)
{
	const struct json_val *v = json_get(cmd, "osd");
	int64_t id;
	const char *s;
	if (!v)
		return reply_err(r, -EINVAL, "missing argument 'osd'");
	if (!json_int(v, &id)) {
		char *end;
		if (!(s = json_string(v, NULL)))
			return reply_err(r, -EINVAL, "osd must be an id");
		if (strncmp(s, "osd.", 4) == 0)
			s += 4;
		id = strtoll(s, &end, 10);
		if (!*s || *end)
			return reply_err(r, -EINVAL, "'%s' is not an osd id", s);
	}
	if (id < 0 || id >= osdmap_max_osd(m) || !osd_exists(m, (int32_t)id))
		return reply_err(r, -ENOENT, "osd.%" PRId64 " does not exist", id);
	*out = (int32_t)id;
	return 0;
}

/* pg ls [pool] [states...], pg ls-by-pool POOL, pg ls-by-osd OSD, pg ls-by-primary OSD. */
static void cmd_pg_ls(struct pg_ctx *c, const char *prefix, const struct json_val *cmd)
{
	struct pg_filter f = {-1, -1, -1, 0};
	const struct json_val *pool =
	    json_get(cmd, strcmp(prefix, "pg ls-by-pool") == 0 ? "poolstr" : "pool");
	if (strcmp(prefix, "pg ls-by-pool") == 0 && !pool) {
		reply_err(c->r, -EINVAL, "missing argument 'poolstr'");
		return;
	}
	if (states_arg(json_get(cmd, "states"), &f.states, c->r))
		return;
	if (pool) {
		/* `pg ls active`: a state where the optional pool would be. */
		const char *s = json_string(pool, NULL);
		uint32_t st = s && !json_get(cmd, "states") && !osdmap_pool_by_name(c->m, s)
				  ? mon_pgstats_state_parse(s)
				  : 0;
		if (st)
			f.states = st;
		else if ((f.pool = pool_arg(c->m, pool, c->r)) < 0)
			return;
	}
	if (strcmp(prefix, "pg ls-by-osd") == 0 && osd_arg(c->m, cmd, &f.osd, c->r))
		return;
	if (strcmp(prefix, "pg ls-by-primary") == 0 && osd_arg(c->m, cmd, &f.primary, c->r))
		return;
	if (c->json) {
		json_w_obj_begin(&c->w);
		json_w_kv_bool(&c->w, "pg_ready", true);
		json_w_key(&c->w, "pg_stats");
		json_w_arr_begin(&c->w);
	}
	int rc = list_pgs(c, &f, false, false);
	if (rc)
		reply_err(c->r, rc, "out of memory");
	if (c->json) {
		json_w_arr_end(&c->w);
		json_w_obj_end(&c->w);
	}
}

/* ---- pg stat / pg map / df ---------------------------------------------------------- */

static void cmd_pg_stat(struct pg_ctx *c, const struct mon_pgstats_summary *s)
{
	char name[160], a[32], b[32], d[32];
	uint64_t avail = s->bytes_total > s->bytes_used ? s->bytes_total - s->bytes_used : 0;
	if (c->json) {
		json_w_obj_begin(&c->w);
		json_w_kv_bool(&c->w, "pg_ready", true);
		json_w_key(&c->w, "pg_summary");
		json_w_obj_begin(&c->w);
		json_w_key(&c->w, "num_pg_by_state");
		json_w_arr_begin(&c->w);
		for (size_t i = 0; i < s->n_states; i++) {
			json_w_obj_begin(&c->w);
			json_w_kv_str(&c->w, "name",
				      state_name(s->states[i].state, name, sizeof(name)));
			json_w_kv_uint(&c->w, "num", s->states[i].count);
			json_w_obj_end(&c->w);
		}
		json_w_arr_end(&c->w);
		json_w_kv_uint(&c->w, "num_pgs", s->num_pgs);
		json_w_kv_uint(&c->w, "num_bytes", s->data_bytes);
		json_w_kv_uint(&c->w, "num_objects", s->num_objects);
		json_w_kv_uint(&c->w, "total_bytes", s->bytes_total);
		json_w_kv_uint(&c->w, "total_avail_bytes", avail);
		json_w_kv_uint(&c->w, "total_used_bytes", s->bytes_used);
		json_w_kv_uint(&c->w, "total_used_raw_bytes", s->bytes_used);
		json_w_obj_end(&c->w);
		json_w_obj_end(&c->w);
		return;
	}
	buf_printf(&c->r->out, "%u pgs: ", s->num_pgs);
	for (size_t i = 0; i < s->n_states; i++)
		buf_printf(&c->r->out, "%s%u %s", i ? ", " : "", s->states[i].count,
			   state_name(s->states[i].state, name, sizeof(name)));
	char e[32];
	buf_printf(&c->r->out, "; %s data, %s used, %s / %s avail\n",
		   unitfmt_bytes(s->data_bytes, a, 32),
		   unitfmt_bytes(s->bytes_used, b, 32), unitfmt_bytes(avail, d, 32),
		   unitfmt_bytes(s->bytes_total, e, 32));
}

static void cmd_pg_map(struct pg_ctx *c, const struct json_val *cmd)
{
	const char *s;
	struct osdmap_pg raw, pg;
	if (json_get_str(cmd, "pgid", &s) != 0) {
		reply_err(c->r, -EINVAL, "missing argument 'pgid'");
		return;
	}
	if (osdmap_pg_parse(s, &raw) != 0) {
		reply_err(c->r, -EINVAL, "invalid pgid '%s'", s);
		return;
	}
	const struct osdmap_pool *p = osdmap_pool(c->m, raw.pool);
	if (!p) {
		reply_err(c->r, -ENOENT, "pg '%s' does not exist", s);
		return;
	}
	pg = (struct osdmap_pg){raw.pool,
				osdmap_stable_mod(raw.seed, p->pg_num, osdmap_pg_mask(p->pg_num))};
	struct osdmap_placement pl;
	int rc = osdmap_pg_to_osds(c->m, &pg, &pl);
	if (rc) {
		reply_err(c->r, rc, "cannot map pg '%s': %s", s, strerror(-rc));
		return;
	}
	char rid[32], id[32], up[128], act[128];
	osdmap_pg_format(&raw, rid, sizeof(rid));
	osdmap_pg_format(&pg, id, sizeof(id));
	if (c->json) {
		json_w_obj_begin(&c->w);
		json_w_kv_uint(&c->w, "epoch", osdmap_epoch(c->m));
		json_w_kv_str(&c->w, "raw_pgid", rid);
		json_w_kv_str(&c->w, "pgid", id);
		osds_json(&c->w, "up", pl.up, pl.up_n);
		osds_json(&c->w, "acting", pl.acting, pl.acting_n);
		json_w_obj_end(&c->w);
		return;
	}
	buf_printf(&c->r->out, "osdmap e%u pg %s (%s) -> up %s acting %s\n", osdmap_epoch(c->m),
		   rid, id, osds_text(pl.up, pl.up_n, up, sizeof(up)),
		   osds_text(pl.acting, pl.acting_n, act, sizeof(act)));
}

/*
 * df: raw space, and per pool what is stored.  A pool's MAX AVAIL is the
 * raw space the up OSDs have left below the full ratio, divided by the
 * pool's size (Ceph weighs it by the pool's CRUSH rule and the fullest
 * OSD; this is the even-fill estimate).
 */
static void cmd_df(struct pg_ctx *c, const struct mon_pgstats_summary *s)
{
	float full, bfull, nfull;
	osdmap_ratios(c->m, &full, &bfull, &nfull);
	uint64_t raw_avail = 0;
	int num_osds = 0;
	for (int32_t osd = 0; osd < c->ps->n_reports; osd++) {
		const struct report *r = c->ps->reports[osd];
		if (!r || !osd_up(c->m, osd))
			continue;
		num_osds++;
		double cap = (double)r->kb_total * 1024 * (full > 0 ? full : 1);
		if (cap > (double)r->kb_used * 1024)
			raw_avail += (uint64_t)(cap - (double)r->kb_used * 1024);
	}
	uint64_t avail = s->bytes_total > s->bytes_used ? s->bytes_total - s->bytes_used : 0;
	double ratio = s->bytes_total ? (double)s->bytes_used / (double)s->bytes_total : 0;
	char a[32], b[32], d[32], e[32];
	struct table t;
	if (c->json) {
		json_w_obj_begin(&c->w);
		json_w_key(&c->w, "stats");
		json_w_obj_begin(&c->w);
		json_w_kv_uint(&c->w, "total_bytes", s->bytes_total);
		json_w_kv_uint(&c->w, "total_avail_bytes", avail);
		json_w_kv_uint(&c->w, "total_used_bytes", s->bytes_used);
		json_w_kv_uint(&c->w, "total_used_raw_bytes", s->bytes_used);
		json_w_kv_double(&c->w, "total_used_raw_ratio", ratio);
		json_w_kv_int(&c->w, "num_osds", num_osds);
		json_w_obj_end(&c->w);
		json_w_key(&c->w, "pools");
		json_w_arr_begin(&c->w);
	} else {
		static const char *const raw_heads[] = {"CLASS", "SIZE>",     "AVAIL>",
							"USED>", "RAW USED>", "%RAW USED>"};
		table_init(&t, raw_heads, ARRAY_SIZE(raw_heads));
		table_cell(&t, "TOTAL");
		table_cell(&t, "%s", unitfmt_bytes(s->bytes_total, a, 32));
		table_cell(&t, "%s", unitfmt_bytes(avail, b, 32));
		table_cell(&t, "%s", unitfmt_bytes(s->bytes_used, d, 32));
		table_cell(&t, "%s", unitfmt_bytes(s->bytes_used, e, 32));
		table_cell(&t, "%s", fmt_percent(ratio, a, 32));
		buf_printf(&c->r->out, "--- RAW STORAGE ---\n");
		table_done(&t, &c->r->out);
		static const char *const pool_heads[] = {
		    "POOL", "ID>", "PGS>", "STORED>", "OBJECTS>", "USED>", "%USED>", "MAX AVAIL>"};
		table_init(&t, pool_heads, ARRAY_SIZE(pool_heads));
	}
	for (size_t i = 0; i < c->ps->n_pools; i++) {
		const struct osdmap_pool *p = osdmap_pool(c->m, c->ps->pools[i].id);
		uint64_t objects, stored;
		uint64_t io[MSG_PG_STATS_IO];
		pool_sums(c, i, &objects, &stored, io);
		uint32_t size = p->size ? p->size : 1;
		uint64_t used = stored * size, max_avail = raw_avail / size;
		double pct = stored + max_avail ? (double)stored / (double)(stored + max_avail) : 0;
		if (!c->json) {
			table_cell(&t, "%s", p->name);
			table_cell(&t, "%" PRId64, p->id);
			table_cell(&t, "%u", p->pg_num);
			table_cell(&t, "%s", unitfmt_bytes(stored, a, 32));
			table_cell(&t, "%s", unitfmt_count(objects, b, 32));
			table_cell(&t, "%s", unitfmt_bytes(used, d, 32));
			table_cell(&t, "%s", fmt_percent(pct, e, 32));
			table_cell(&t, "%s", unitfmt_bytes(max_avail, a, 32));
			continue;
		}
		json_w_obj_begin(&c->w);
		json_w_kv_str(&c->w, "name", p->name);
		json_w_kv_int(&c->w, "id", p->id);
		json_w_key(&c->w, "stats");
		json_w_obj_begin(&c->w);
		json_w_kv_uint(&c->w, "stored", stored);
		json_w_kv_uint(&c->w, "objects", objects);
		json_w_kv_uint(&c->w, "kb_used", (used + 1023) / 1024);
		json_w_kv_uint(&c->w, "bytes_used", used);
		json_w_kv_double(&c->w, "percent_used", pct);
		json_w_kv_uint(&c->w, "max_avail", max_avail);
		/* Client I/O as the primaries count it (since each OSD started), as `df detail`. */
		json_w_kv_uint(&c->w, "rd", io[0]);
		json_w_kv_uint(&c->w, "rd_bytes", io[1]);
		json_w_kv_uint(&c->w, "wr", io[2]);
		json_w_kv_uint(&c->w, "wr_bytes", io[3]);
		json_w_obj_end(&c->w);
		json_w_obj_end(&c->w);
	}
	if (c->json) {
		json_w_arr_end(&c->w);
		json_w_obj_end(&c->w);
		return;
	}
	buf_printf(&c->r->out, "\n--- POOLS ---\n");
	table_done(&t, &c->r->out);
}

/* ---- dispatch ----------------------------------------------------------------------- */

static const char *const prefixes[] = {
    "pg stat",	    "pg dump",		"pg ls",  "pg ls-by-pool",
    "pg ls-by-osd", "pg ls-by-primary", "pg map", "df"};

bool mon_pgstats_handles(const char *prefix)
{
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strcmp(prefixes[i], prefix) == 0)
			return true;
	return false;
}

void mon_pgstats_command(struct mon_pgstats *ps, const struct osdmap *m, const struct json_val *cmd,
			 uint64_t now_ns, struct mon_reply *r)
{
	const char *prefix = "";
	r->rc = 0;
	json_get_str(cmd, "prefix", &prefix);
	if (!mon_pgstats_handles(prefix)) {
		reply_err(r, -EINVAL, "unknown command '%s'", prefix);
		return;
	}
	struct pg_ctx c = {.ps = ps, .m = m, .r = r};
	c.json = want_json(cmd, &c.pretty);
	if (c.json)
		json_w_init(&c.w, &r->out, c.pretty);
	if (strcmp(prefix, "pg map") == 0) {
		cmd_pg_map(&c, cmd);
		return;
	}
	struct mon_pgstats_summary s;
	c.v = build_views(ps, m, now_ns);
	if (!c.v || summarize_views(ps, m, c.v, &s) != 0) {
		free(c.v);
		reply_err(r, -ENOMEM, "out of memory");
		return;
	}
	if (strcmp(prefix, "pg stat") == 0)
		cmd_pg_stat(&c, &s);
	else if (strcmp(prefix, "pg dump") == 0)
		cmd_pg_dump(&c, cmd);
	else if (strcmp(prefix, "df") == 0)
		cmd_df(&c, &s);
	else
		cmd_pg_ls(&c, prefix, cmd);
	if (r->rc)
		buf_reset(&r->out); /* half an answer is no answer */
	free(c.v);
	mon_pgstats_summary_fini(&s);
}
