/*
 * osd_interval.c - past intervals and the prior set (see osd_interval.h).
 *
 * Threading: none; the PG's loop owns these.
 */
#include "osd_interval.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- id sets ---------------------------------------------------------------- */

void osd_idset_init(struct osd_idset *s)
{
	memset(s, 0, sizeof(*s));
}

void osd_idset_fini(struct osd_idset *s)
{
	if (!s)
		return;
	free(s->v);
	osd_idset_init(s);
}

static size_t idset_search(const struct osd_idset *s, int32_t id, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] == id) {
			*found = true;
			return mid;
		}
		if (s->v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int osd_idset_add(struct osd_idset *s, int32_t id)
{
	bool found;
	size_t at = idset_search(s, id, &found);

	if (found)
		return 0;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		int32_t *v = realloc(s->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = ncap;
	}
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(*s->v));
	s->v[at] = id;
	s->n++;
	return 1;
}

bool osd_idset_has(const struct osd_idset *s, int32_t id)
{
	bool found;

	idset_search(s, id, &found);
	return found;
}

int osd_idset_copy(struct osd_idset *dst, const struct osd_idset *src)
{
	int32_t *v = NULL;

	if (src->n) {
		v = malloc(src->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, src->v, src->n * sizeof(*v));
	}
	free(dst->v);
	dst->v = v;
	dst->n = dst->cap = src->n;
	return 0;
}

/* ---- epochs and intervals --------------------------------------------------- */

int osd_interval_epoch_from_map(const struct osdmap *m, const struct osdmap_pg *pg,
				struct osd_interval_epoch *out)
{
	struct osdmap_placement pl;
	const struct osdmap_pool *pool = osdmap_pool(m, pg->pool);
	int rc;

	if (!pool)
		return -ENOENT;
	rc = osdmap_pg_to_osds(m, pg, &pl);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->epoch = osdmap_epoch(m);
	memcpy(out->up, pl.up, sizeof(out->up));
	memcpy(out->acting, pl.acting, sizeof(out->acting));
	out->up_n = pl.up_n;
	out->acting_n = pl.acting_n;
	out->up_primary = pl.up_primary;
	out->primary = pl.acting_primary;
	out->size = pool->size;
	out->min_size = pool->min_size;
	out->primary_up_thru = OSD_UP_THRU_UNKNOWN;
	return 0;
}

static bool same_set(const int32_t *a, uint32_t an, const int32_t *b, uint32_t bn)
{
	return an == bn && !memcmp(a, b, an * sizeof(*a));
}

bool osd_interval_changed(const struct osd_interval_epoch *prev,
			  const struct osd_interval_epoch *cur)
{
	/* Positions matter (erasure-coded sets keep them), so compare as
	 * sequences, not as sets. */
	return !same_set(prev->up, prev->up_n, cur->up, cur->up_n) ||
	       !same_set(prev->acting, prev->acting_n, cur->acting, cur->acting_n) ||
	       prev->up_primary != cur->up_primary || prev->primary != cur->primary ||
	       prev->size != cur->size || prev->min_size != cur->min_size;
}

void osd_intervals_init(struct osd_intervals *pi)
{
	memset(pi, 0, sizeof(*pi));
}

void osd_intervals_fini(struct osd_intervals *pi)
{
	if (!pi)
		return;
	free(pi->v);
	osd_intervals_init(pi);
}

int osd_intervals_copy(struct osd_intervals *dst, const struct osd_intervals *src)
{
	struct osd_interval *v = NULL;

	if (src->n) {
		v = malloc(src->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, src->v, src->n * sizeof(*v));
	}
	free(dst->v);
	dst->v = v;
	dst->n = dst->cap = src->n;
	return 0;
}

static uint32_t real_members(const int32_t *osds, uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		k += osds[i] != OSDMAP_NONE && osds[i] >= 0;
	return k;
}

/*
 * Could @iv have served writes?  Only with a primary and min_size acting
 * members; and when up_thru is tracked, only if the primary got it
 * recorded for this interval (it must before activating).
 */
static bool maybe_went_rw(const struct osd_interval *iv)
{
	if (iv->primary < 0 || real_members(iv->acting, iv->acting_n) < iv->min_size)
		return false;
	return iv->primary_up_thru == OSD_UP_THRU_UNKNOWN || iv->primary_up_thru >= iv->first;
}

static bool epoch_valid(const struct osd_interval_epoch *e)
{
	return e->up_n <= OSDMAP_MAX_SIZE && e->acting_n <= OSDMAP_MAX_SIZE &&
	       e->min_size >= 1 && e->min_size <= OSDMAP_MAX_SIZE;
}

int osd_intervals_add(struct osd_intervals *pi, const struct osd_interval_epoch *e)
{
	struct osd_interval *cur = pi->n ? &pi->v[pi->n - 1] : NULL;

	if (!epoch_valid(e) || (cur && e->epoch <= cur->last))
		return -EINVAL;
	if (cur) {
		struct osd_interval_epoch prev = {
			.up_n = cur->up_n,
			.acting_n = cur->acting_n,
			.up_primary = cur->up_primary,
			.primary = cur->primary,
			.size = cur->size,
			.min_size = cur->min_size,
		};

		memcpy(prev.up, cur->up, sizeof(prev.up));
		memcpy(prev.acting, cur->acting, sizeof(prev.acting));
		if (!osd_interval_changed(&prev, e)) {
			cur->last = e->epoch;
			cur->primary_up_thru = e->primary_up_thru;
			cur->maybe_went_rw = maybe_went_rw(cur);
			return 0;
		}
		/* The closing interval ran until just before this epoch. */
		cur->last = e->epoch - 1;
	}
	if (pi->n == pi->cap) {
		size_t ncap = pi->cap ? pi->cap * 2 : 8;
		struct osd_interval *v = realloc(pi->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		pi->v = v;
		pi->cap = ncap;
	}
	cur = &pi->v[pi->n++];
	memset(cur, 0, sizeof(*cur));
	cur->first = cur->last = e->epoch;
	memcpy(cur->up, e->up, sizeof(cur->up));
	memcpy(cur->acting, e->acting, sizeof(cur->acting));
	cur->up_n = e->up_n;
	cur->acting_n = e->acting_n;
	cur->up_primary = e->up_primary;
	cur->primary = e->primary;
	cur->size = e->size;
	cur->min_size = e->min_size;
	cur->primary_up_thru = e->primary_up_thru;
	cur->maybe_went_rw = maybe_went_rw(cur);
	return 1;
}

int osd_intervals_build(const struct osd_interval_epoch *epochs, size_t n,
			struct osd_intervals *out)
{
	struct osd_intervals pi;

	osd_intervals_init(&pi);
	for (size_t i = 0; i < n; i++) {
		int rc = osd_intervals_add(&pi, &epochs[i]);

		if (rc < 0) {
			osd_intervals_fini(&pi);
			return rc;
		}
	}
	osd_intervals_fini(out);
	*out = pi;
	return 0;
}

void osd_intervals_trim(struct osd_intervals *pi, uint32_t epoch)
{
	size_t k = 0;

	/* The current interval is never trimmed: it is the PG's present. */
	while (k + 1 < pi->n && pi->v[k].last < epoch)
		k++;
	memmove(pi->v, pi->v + k, (pi->n - k) * sizeof(*pi->v));
	pi->n -= k;
}

/* ---- prior set -------------------------------------------------------------- */

void osd_prior_set_init(struct osd_prior_set *ps)
{
	osd_idset_init(&ps->probe);
	osd_idset_init(&ps->blocked);
	ps->pg_down = false;
}

void osd_prior_set_fini(struct osd_prior_set *ps)
{
	if (!ps)
		return;
	osd_idset_fini(&ps->probe);
	osd_idset_fini(&ps->blocked);
	ps->pg_down = false;
}

static bool is_up(const int32_t *up_osds, size_t n_up, int32_t id)
{
	for (size_t i = 0; i < n_up; i++)
		if (up_osds[i] == id)
			return true;
	return false;
}

static int add_members(struct osd_idset *s, const int32_t *osds, uint32_t n, const int32_t *up,
		       size_t n_up, bool only_up)
{
	for (uint32_t i = 0; i < n; i++) {
		if (osds[i] < 0 || osds[i] == OSDMAP_NONE)
			continue;
		if (only_up && !is_up(up, n_up, osds[i]))
			continue;
		if (osd_idset_add(s, osds[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

int osd_intervals_prior_set(const struct osd_intervals *pi, uint32_t les, const int32_t *up_osds,
			    size_t n_up, struct osd_prior_set *out)
{
	struct osd_prior_set ps;
	const struct osd_interval *cur = osd_intervals_current(pi);
	int rc = 0;

	osd_prior_set_init(&ps);
	if (cur) {
		/* The present sets: everyone up in them answers or is
		 * replaced by the next map. */
		rc = add_members(&ps.probe, cur->up, cur->up_n, up_osds, n_up, true);
		if (!rc)
			rc = add_members(&ps.probe, cur->acting, cur->acting_n, up_osds, n_up, true);
	}
	for (size_t i = 0; !rc && i + 1 < pi->n; i++) {
		const struct osd_interval *iv = &pi->v[i];
		bool any_up = false;

		if (!iv->maybe_went_rw || iv->last < les)
			continue;
		for (uint32_t j = 0; j < iv->acting_n; j++)
			any_up |= iv->acting[j] >= 0 && iv->acting[j] != OSDMAP_NONE &&
				  is_up(up_osds, n_up, iv->acting[j]);
		if (any_up) {
			rc = add_members(&ps.probe, iv->acting, iv->acting_n, up_osds, n_up, true);
		} else {
			/* Whatever this interval acknowledged lives only on
			 * these OSDs: wait for any one of them. */
			ps.pg_down = true;
			rc = add_members(&ps.blocked, iv->acting, iv->acting_n, up_osds, n_up,
					 false);
		}
	}
	if (rc) {
		osd_prior_set_fini(&ps);
		return rc;
	}
	osd_prior_set_fini(out);
	*out = ps;
	return 0;
}

int osd_intervals_check_complete(const struct osd_intervals *pi, uint32_t les,
				 const struct osd_idset *complete, const int32_t *up_osds,
				 size_t n_up, struct osd_prior_set *ps)
{
	for (size_t i = 0; i + 1 < pi->n; i++) {
		const struct osd_interval *iv = &pi->v[i];
		bool covered = false, any_down = false;

		if (iv->first != les || !iv->maybe_went_rw)
			continue;
		for (uint32_t j = 0; j < iv->acting_n; j++) {
			int32_t id = iv->acting[j];

			if (id < 0 || id == OSDMAP_NONE)
				continue;
			covered |= osd_idset_has(complete, id);
			any_down |= !is_up(up_osds, n_up, id);
		}
		if (covered || !any_down)
			return 0;
		ps->pg_down = true;
		for (uint32_t j = 0; j < iv->acting_n; j++) {
			int32_t id = iv->acting[j];

			if (id >= 0 && id != OSDMAP_NONE && !is_up(up_osds, n_up, id) &&
			    osd_idset_add(&ps->blocked, id) < 0)
				return -ENOMEM;
		}
		return 0;
	}
	return 0;
}

int osd_intervals_all_up_members(const struct osd_intervals *pi, const int32_t *up_osds,
				 size_t n_up, struct osd_idset *out)
{
	struct osd_idset s;
	int rc = 0;

	osd_idset_init(&s);
	for (size_t i = 0; !rc && i < pi->n; i++) {
		rc = add_members(&s, pi->v[i].up, pi->v[i].up_n, up_osds, n_up, true);
		if (!rc)
			rc = add_members(&s, pi->v[i].acting, pi->v[i].acting_n, up_osds, n_up,
					 true);
	}
	if (rc) {
		osd_idset_fini(&s);
		return rc;
	}
	osd_idset_fini(out);
	*out = s;
	return 0;
}
