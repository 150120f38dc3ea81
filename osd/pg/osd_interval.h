/*
 * osd_interval.h - past intervals of a PG, and the OSDs peering must hear
 * from before it may trust its view of the PG's history.
 *
 * An interval is a maximal run of map epochs during which a PG's up set,
 * acting set, primaries, size and min_size stay the same.  Every change
 * starts a new one, and with it a new round of peering: writes are only
 * ever served inside one interval, by the primary that peered in it.
 *
 * An interval "may have gone read-write" (maybe_went_rw) when its acting
 * set had at least min_size members (a primary never activates with fewer)
 * and, when the maps track it, the primary's up_thru reached the interval's
 * first epoch (Ceph's rule: a primary must have the monitors record that it
 * was alive in the interval before activating, so an interval where up_thru
 * never got there provably served nothing).  Such an interval may have
 * acknowledged writes, and every acknowledged write is on *every* acting
 * member of its interval, so hearing from any one of them is enough to
 * learn those writes.  If every member of such an interval is down, the
 * PG must stay Down: any write it acknowledged may exist nowhere else.
 *
 * Intervals that ended before the newest known last_epoch_started need no
 * probing: the interval that started at that epoch went active, so its
 * peering already gathered their writes into the history it activated.
 *
 * Pure: no I/O, no clocks.  Not thread safe (one PG, one loop).
 */
#ifndef CAIRN_OSD_INTERVAL_H
#define CAIRN_OSD_INTERVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "osdmap.h"

/* A map that does not record up_thru: assume any interval may have served. */
#define OSD_UP_THRU_UNKNOWN UINT32_MAX

/* What one map epoch says about one PG. */
struct osd_interval_epoch {
	uint32_t epoch;
	int32_t up[OSDMAP_MAX_SIZE];
	int32_t acting[OSDMAP_MAX_SIZE];
	uint32_t up_n, acting_n;
	int32_t up_primary; /* -1: none */
	int32_t primary;    /* acting primary, -1: none */
	uint32_t size, min_size;
	uint32_t primary_up_thru; /* the acting primary's up_thru, or OSD_UP_THRU_UNKNOWN */
};

/*
 * Fill @out from a map (osdmap_pg_to_osds and the pool's size/min_size).
 * The OSDMap does not carry up_thru yet, so it is OSD_UP_THRU_UNKNOWN.
 * 0, -ENOENT (no such pool or PG), -EINVAL, -ENOMEM.
 */
int osd_interval_epoch_from_map(const struct osdmap *m, const struct osdmap_pg *pg,
				struct osd_interval_epoch *out);

/* Does going from @prev to @cur start a new interval? */
bool osd_interval_changed(const struct osd_interval_epoch *prev,
			  const struct osd_interval_epoch *cur);

struct osd_interval {
	uint32_t first, last; /* epochs, inclusive */
	int32_t up[OSDMAP_MAX_SIZE];
	int32_t acting[OSDMAP_MAX_SIZE];
	uint32_t up_n, acting_n;
	int32_t up_primary, primary;
	uint32_t size, min_size;
	uint32_t primary_up_thru; /* as of the interval's last epoch */
	bool maybe_went_rw;
};

/* The intervals of one PG, oldest first; the last one is the current. */
struct osd_intervals {
	struct osd_interval *v;
	size_t n, cap;
};

void osd_intervals_init(struct osd_intervals *pi);
void osd_intervals_fini(struct osd_intervals *pi);
/* Deep copy into @dst (initialised).  0 or -ENOMEM (@dst unchanged). */
int osd_intervals_copy(struct osd_intervals *dst, const struct osd_intervals *src);

/*
 * Feed the next map epoch.  Epochs must increase (gaps are allowed: the
 * caller may skip epochs that did not touch the pool).  Returns 1 when
 * this epoch started a new interval, 0 when it extended the current one,
 * -EINVAL (epoch not newer, bad sizes), -ENOMEM.
 */
int osd_intervals_add(struct osd_intervals *pi, const struct osd_interval_epoch *e);

/* Build from a run of epochs (oldest first) into @out (initialised). */
int osd_intervals_build(const struct osd_interval_epoch *epochs, size_t n,
			struct osd_intervals *out);

/* Forget intervals that ended before @epoch (once the PG was clean there). */
void osd_intervals_trim(struct osd_intervals *pi, uint32_t epoch);

static inline const struct osd_interval *osd_intervals_current(const struct osd_intervals *pi)
{
	return pi->n ? &pi->v[pi->n - 1] : NULL;
}

/* A small set of OSD ids, sorted, no duplicates. */
struct osd_idset {
	int32_t *v;
	size_t n, cap;
};

void osd_idset_init(struct osd_idset *s);
void osd_idset_fini(struct osd_idset *s);
/* 1 added, 0 already present, -ENOMEM. */
int osd_idset_add(struct osd_idset *s, int32_t id);
bool osd_idset_has(const struct osd_idset *s, int32_t id);
int osd_idset_copy(struct osd_idset *dst, const struct osd_idset *src);

/*
 * Who peering must hear from (Ceph's "prior set").
 *   probe    OSDs to query: the current up and acting sets, and the up
 *            members of every past maybe_went_rw interval that ended at or
 *            after @les (the newest last_epoch_started known);
 *   blocked  down OSDs the PG waits for: the members of each such
 *            interval none of whose members is up;
 *   pg_down  blocked is not empty.
 * @up_osds lists the OSDs up in the current map (any order).
 */
struct osd_prior_set {
	struct osd_idset probe;
	struct osd_idset blocked;
	bool pg_down;
};

void osd_prior_set_init(struct osd_prior_set *ps);
void osd_prior_set_fini(struct osd_prior_set *ps);
/* Computes into @out (initialised; previous contents dropped).  0 or -ENOMEM. */
int osd_intervals_prior_set(const struct osd_intervals *pi, uint32_t les, const int32_t *up_osds,
			    size_t n_up, struct osd_prior_set *out);

/*
 * The second half of the prior-set rule, once the probes answered and the
 * newest last_epoch_started (@les) is known.  The interval that began at
 * @les is the newest one that went active: its writes are the history
 * peering must adopt.  Every acting member of it logged every write it
 * acknowledged, but a backfill target's objects cannot be trusted, so if
 * it was a past interval and no OSD in @complete (the probed OSDs whose
 * info does not say needs_backfill) was in its acting set, the PG waits
 * (ps->pg_down, its down members in ps->blocked) for one that is.  Were it
 * to go on with a backfill target's log, an entry only that target logged
 * could name an object that exists nowhere usable.  When none of its
 * members is down there is nobody to wait for, and nothing changes.
 * (Later maybe_went_rw intervals did not activate: the answer from any of
 * their members proves it, complete or not.)  0 or -ENOMEM.
 */
int osd_intervals_check_complete(const struct osd_intervals *pi, uint32_t les,
				 const struct osd_idset *complete, const int32_t *up_osds,
				 size_t n_up, struct osd_prior_set *ps);

/*
 * Every up OSD that was in the up or acting set of any interval (not only
 * the maybe_went_rw ones since les): where to look for objects no probed
 * member holds ("might have unfound").  Into @out (initialised; previous
 * contents dropped).  0 or -ENOMEM.
 */
int osd_intervals_all_up_members(const struct osd_intervals *pi, const int32_t *up_osds,
				 size_t n_up, struct osd_idset *out);

#endif
