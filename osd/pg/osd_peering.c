/*
 * osd_peering.c - choosing the authoritative history of a PG, planning
 * each member's recovery, and the primary's peering state machine.
 *
 * Role: the pure core of PG peering (osd_peering.h); the OSD daemon feeds
 * it maps and peer replies and carries out the actions it asks for.
 * Threading: one PG, one shard loop; nothing here locks.
 *
 * The reasoning behind the rule in osd_peer_choose_auth() is in
 * doc/peering.md ("Why an acknowledged write is never lost"); the short
 * form is repeated above the function.
 */
#include "osd_peering.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ------------------------------------------------------------------ */

static const char *const outcome_names[OSD_PEER_OUT__COUNT] = {
	[OSD_PEER_OUT_ACTIVE] = "active",
	[OSD_PEER_OUT_PEERED] = "peered",
	[OSD_PEER_OUT_INCOMPLETE] = "incomplete",
	[OSD_PEER_OUT_DOWN] = "down",
};

static const char *const reason_names[OSD_PEER_WHY__COUNT] = {
	[OSD_PEER_WHY_NONE] = "none",
	[OSD_PEER_WHY_UNDERSIZED] = "fewer than min_size members hold the history",
	[OSD_PEER_WHY_PRIMARY_BACKFILL] = "primary needs backfill, want pg_temp",
	[OSD_PEER_WHY_NO_COMPLETE_COPY] = "no probed OSD holds a complete copy",
	[OSD_PEER_WHY_PAST_INTERVAL_DOWN] = "a past interval that may have written is down",
};

static const char *const state_names[OSD_PEER__COUNT] = {
	[OSD_PEER_INITIAL] = "initial",
	[OSD_PEER_REPLICA] = "replica",
	[OSD_PEER_GET_INFO] = "peering/get_info",
	[OSD_PEER_GET_LOG] = "peering/get_log",
	[OSD_PEER_GET_MISSING] = "peering/get_missing",
	[OSD_PEER_WAIT_UP_THRU] = "peering/wait_up_thru",
	[OSD_PEER_ACTIVE] = "active",
	[OSD_PEER_PEERED] = "peered",
	[OSD_PEER_INCOMPLETE] = "incomplete",
	[OSD_PEER_DOWN] = "down",
};

static const char *const act_names[OSD_PEER_ACT__COUNT] = {
	[OSD_PEER_ACT_QUERY] = "query",
	[OSD_PEER_ACT_GET_LOG] = "get_log",
	[OSD_PEER_ACT_UP_THRU] = "up_thru",
	[OSD_PEER_ACT_PG_TEMP] = "pg_temp",
	[OSD_PEER_ACT_ACTIVATE] = "activate",
	[OSD_PEER_ACT_BACKFILL] = "backfill",
	[OSD_PEER_ACT_RECOVER] = "recover",
	[OSD_PEER_ACT_STATE] = "state",
};

const char *osd_peer_outcome_name(int outcome)
{
	return outcome >= 0 && outcome < OSD_PEER_OUT__COUNT ? outcome_names[outcome] : "?";
}

const char *osd_peer_reason_name(int reason)
{
	return reason >= 0 && reason < OSD_PEER_WHY__COUNT ? reason_names[reason] : "?";
}

const char *osd_peer_state_name(int state)
{
	return state >= 0 && state < OSD_PEER__COUNT ? state_names[state] : "?";
}

const char *osd_peer_act_name(int type)
{
	return type >= 0 && type < OSD_PEER_ACT__COUNT ? act_names[type] : "?";
}

/* ---- choosing the authoritative history ------------------------------------ */

/*
 * Is member a a better authority than b?  See the header for the order.
 *
 * Why steps 1 and 2 keep every acknowledged write (doc/peering.md has the
 * long form).  A write is acknowledged only once every acting member of its
 * interval I logged it, and a replica only accepts writes after it was
 * activated in I, which sets its last_epoch_started (les) to I's first
 * epoch.  Let I* be the newest interval that activated; its members have
 * les = first(I*), nobody has more, and the prior set makes peering hear
 * from at least one of them (else the PG is Down).  By induction every
 * write acknowledged before I* is in the history I* activated with, hence
 * in the log of every member with les = first(I*).  Writes of I* itself
 * were appended in one order by I*'s primary, so those members' logs are
 * prefixes of one log, and an acknowledged write is in every one of them
 * (all of I*'s acting members logged it); the longest prefix, the highest
 * last_update, holds them all.  A member with a lower les may hold a
 * longer log, but what it has beyond that history was written by an older
 * primary and never acknowledged: it is divergent and rolled back.
 *
 * Completeness comes before last_update.  Every member with les =
 * first(I*) was an acting member of I* and logged every write I*
 * acknowledged, backfill target or not, so any of them is a safe authority;
 * what a longer log adds over a shorter one in that group was never
 * acknowledged.  A backfill target's objects cannot be trusted, though: if
 * its log were chosen for an unacknowledged entry only it logged, that
 * object would exist nowhere usable and stay unfound for good.  (The
 * randomized simulation in test_osd_peering.c found exactly that.)
 */
static bool better_auth(const struct osd_peer_member *a, const struct osd_peer_member *b,
			int32_t primary)
{
	const struct osd_pg_info *x = a->info, *y = b->info;
	int c;

	if (x->last_epoch_started != y->last_epoch_started)
		return x->last_epoch_started > y->last_epoch_started;
	if (x->needs_backfill != y->needs_backfill)
		return !x->needs_backfill;
	c = osd_ev_cmp(x->last_update, y->last_update);
	if (c)
		return c > 0;
	if ((a->osd == primary) != (b->osd == primary))
		return a->osd == primary;
	c = osd_ev_cmp(x->log_tail, y->log_tail);
	if (c)
		return c < 0;
	return a->osd < b->osd;
}

int osd_peer_choose_auth(const struct osd_peer_member *members, size_t n, int32_t primary)
{
	size_t best = 0;

	if (!n)
		return -ENOENT;
	for (size_t i = 1; i < n; i++)
		if (better_auth(&members[i], &members[best], primary))
			best = i;
	return (int)best;
}

bool osd_peer_need_log(const struct osd_pg_info *auth, const struct osd_pg_info *m)
{
	if (m->needs_backfill || osd_ev_cmp(m->last_update, auth->log_tail) < 0)
		return false;
	return !osd_ev_eq(m->last_update, auth->last_update) ||
	       !osd_ev_eq(m->last_complete, m->last_update);
}

/* ---- planning one member ---------------------------------------------------- */

static void plan_init(struct osd_peer_plan *p, int32_t osd, bool acting)
{
	memset(p, 0, sizeof(*p));
	p->osd = osd;
	p->acting = acting;
	osd_pglog_init(&p->divergent);
	osd_missing_init(&p->missing);
}

static void plan_fini(struct osd_peer_plan *p)
{
	osd_pglog_fini(&p->divergent);
	osd_missing_fini(&p->missing);
}

/*
 * Newest version of @m that the authoritative log also has, walking back
 * from @m's head.  Log matching makes the first hit the fork point: logs
 * sharing a version share everything before it.  -ENOENT when the fork is
 * older than the authoritative tail (or unknowable: an entry of @m older
 * than that tail may or may not be in the trimmed history), which leaves
 * only backfill.
 */
static int find_common(const struct osd_pglog *auth, const struct osd_pglog *m,
		       struct osd_ev *out)
{
	for (size_t i = osd_pglog_count(m); i-- > 0;) {
		struct osd_ev v = osd_pglog_at(m, i)->version;

		if (osd_pglog_has(auth, v)) {
			*out = v;
			return 0;
		}
		if (osd_ev_cmp(v, auth->tail) < 0)
			return -ENOENT;
	}
	if (osd_pglog_has(auth, m->tail)) {
		*out = m->tail;
		return 0;
	}
	return -ENOENT;
}

/*
 * Objects touched by @m's divergent entries go back to their state at the
 * fork: the prior version of the oldest divergent entry on each, which is
 * on the shared history.  Nothing before it: the object did not exist and
 * must go.  A prior that the authoritative log records as a delete: same.
 * The local copy is the divergent one, so have is zero.
 */
static int plan_divergent(const struct osd_pglog *auth, struct osd_peer_plan *p)
{
	const struct osd_pglog *d = &p->divergent;

	for (size_t i = 0; i < osd_pglog_count(d); i++) {
		const struct osd_pglog_entry *e = osd_pglog_at(d, i);
		struct osd_ev need = e->prior;
		uint8_t flags = 0;
		int rc;

		/* Only the oldest divergent entry per object counts. */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = osd_pg_oid_cmp(&osd_pglog_at(d, j)->oid, &e->oid) == 0;
		if (seen)
			continue;
		if (osd_ev_is_zero(need)) {
			flags = OSD_MISSING_DELETE;
		} else {
			long k = osd_pglog_find(auth, need);

			if (k >= 0 && osd_pglog_at(auth, (size_t)k)->op == OSD_PGLOG_DELETE)
				flags = OSD_MISSING_DELETE;
		}
		rc = osd_missing_add(&p->missing, &e->oid, need, OSD_EV_ZERO, flags);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Authoritative entries after the fork: the member needs each object at
 * its newest authoritative version.  What it holds is the object's version
 * at the fork, the prior of the first such entry (unless it was already
 * missing the object: osd_missing_add keeps that older have).
 */
static int plan_auth_entries(const struct osd_pglog *auth, struct osd_peer_plan *p)
{
	long k = osd_ev_eq(p->common, auth->tail) ? 0 : osd_pglog_find(auth, p->common) + 1;

	assert(k > 0 || osd_ev_eq(p->common, auth->tail));
	for (size_t i = (size_t)k; i < osd_pglog_count(auth); i++) {
		const struct osd_pglog_entry *e = osd_pglog_at(auth, i);
		uint8_t flags = e->op == OSD_PGLOG_DELETE ? OSD_MISSING_DELETE : 0;
		int rc = osd_missing_add(&p->missing, &e->oid, e->version, e->prior, flags);

		if (rc)
			return rc;
	}
	return 0;
}

/* Drop what is not really missing, and haves that are not on the history. */
static void plan_tidy_missing(struct osd_peer_plan *p)
{
	struct osd_missing *m = &p->missing;

	for (size_t i = 0; i < m->n;) {
		struct osd_missing_item *it = &m->items[i];

		/* A version newer than the fork is divergent: useless as a base. */
		if (osd_ev_cmp(it->have, p->common) > 0)
			it->have = OSD_EV_ZERO;
		if (!(it->flags & OSD_MISSING_DELETE) && osd_ev_eq(it->need, it->have)) {
			struct osd_pg_oid oid = it->oid;

			/* remove frees oid's strings after finding it */
			int rc = osd_missing_remove(m, &oid);

			assert(rc == 0);
			(void)rc;
			continue;
		}
		i++;
	}
}

int osd_peer_plan_member(const struct osd_pglog *auth, const struct osd_peer_member *m,
			 bool acting, struct osd_peer_plan *out)
{
	struct osd_peer_plan p;
	const struct osd_pg_info *info = m->info;
	int rc;

	plan_init(&p, m->osd, acting);
	if (info->needs_backfill || osd_ev_cmp(info->last_update, auth->tail) < 0)
		goto backfill;
	if (!osd_peer_need_log(&(struct osd_pg_info){.last_update = auth->head,
						     .log_tail = auth->tail},
			       info)) {
		/* In sync: same head means the same history. */
		p.kind = OSD_PEER_PLAN_NONE;
		p.complete = true;
		p.common = auth->head;
		osd_pglog_reset(&p.divergent, auth->head);
		if (m->missing) {
			rc = osd_missing_copy(&p.missing, m->missing);
			if (rc)
				goto out_fini_plan;
		}
		*out = p;
		return 0;
	}
	rc = -EINVAL;
	if (!m->log || !osd_ev_eq(m->log->head, info->last_update))
		goto out_fini_plan;
	if (find_common(auth, m->log, &p.common))
		goto backfill;

	/* The divergent tail of the member's log. */
	osd_pglog_reset(&p.divergent, p.common);
	long k = osd_ev_eq(p.common, m->log->tail) ? 0 : osd_pglog_find(m->log, p.common) + 1;
	for (size_t i = (size_t)k; i < osd_pglog_count(m->log); i++) {
		rc = osd_pglog_append(&p.divergent, osd_pglog_at(m->log, i));
		if (rc)
			goto out_fini_plan;
	}
	if (m->missing) {
		rc = osd_missing_copy(&p.missing, m->missing);
		if (rc)
			goto out_fini_plan;
	}
	rc = plan_divergent(auth, &p);
	if (!rc)
		rc = plan_auth_entries(auth, &p);
	if (rc)
		goto out_fini_plan;
	plan_tidy_missing(&p);
	p.complete = true;
	p.kind = osd_pglog_count(&p.divergent) || p.missing.n || !osd_ev_eq(p.common, auth->head)
			 ? OSD_PEER_PLAN_LOG
			 : OSD_PEER_PLAN_NONE;
	*out = p;
	return 0;

backfill:
	p.kind = OSD_PEER_PLAN_BACKFILL;
	p.complete = false;
	p.common = OSD_EV_ZERO;
	*out = p;
	return 0;

out_fini_plan:
	plan_fini(&p);
	return rc;
}

/* ---- the decision ------------------------------------------------------------ */

void osd_peer_result_init(struct osd_peer_result *r)
{
	memset(r, 0, sizeof(*r));
	r->auth_osd = -1;
	osd_missing_init(&r->unfound);
}

void osd_peer_result_fini(struct osd_peer_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_plans; i++)
		plan_fini(&r->plans[i]);
	free(r->plans);
	osd_missing_fini(&r->unfound);
	osd_peer_result_init(r);
}

static bool in_list(const int32_t *v, size_t n, int32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

size_t osd_peer_sources(const struct osd_peer_result *r, const struct osd_pg_oid *oid,
			int32_t *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n_plans; i++) {
		const struct osd_peer_plan *p = &r->plans[i];

		if (!p->complete || osd_missing_find(&p->missing, oid))
			continue;
		if (k < max)
			out[k] = p->osd;
		k++;
	}
	return k;
}

/* Objects acting members need that no complete plan can provide. */
static int find_unfound(struct osd_peer_result *r)
{
	for (size_t i = 0; i < r->n_plans; i++) {
		const struct osd_peer_plan *p = &r->plans[i];

		if (!p->acting)
			continue;
		for (size_t j = 0; j < p->missing.n; j++) {
			const struct osd_missing_item *it = &p->missing.items[j];
			int rc;

			if ((it->flags & OSD_MISSING_DELETE) || osd_peer_sources(r, &it->oid, NULL, 0))
				continue;
			rc = osd_missing_add(&r->unfound, &it->oid, it->need, OSD_EV_ZERO, 0);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * The primary cannot take the history by log: propose an acting set led by
 * a member that can (the authority first), keeping the rest so the old
 * primary is backfilled as a replica.  Ceph does the same with pg_temp.
 */
static void want_acting(const struct osd_peer_input *in, struct osd_peer_result *r,
			size_t auth)
{
	int32_t lead = -1;

	if (r->plans[auth].complete && r->plans[auth].kind != OSD_PEER_PLAN_BACKFILL)
		lead = r->plans[auth].osd;
	for (size_t i = 0; lead < 0 && i < r->n_plans; i++)
		if (r->plans[i].complete)
			lead = r->plans[i].osd;
	if (lead < 0) {
		r->reason = OSD_PEER_WHY_NO_COMPLETE_COPY;
		return;
	}
	r->want_acting[r->want_n++] = lead;
	for (size_t i = 0; i < in->acting_n && r->want_n < OSDMAP_MAX_SIZE; i++)
		if (in->acting[i] != lead && in->acting[i] >= 0 && in->acting[i] != OSDMAP_NONE)
			r->want_acting[r->want_n++] = in->acting[i];
}

int osd_peer_decide(const struct osd_peer_input *in, struct osd_peer_result *out)
{
	struct osd_peer_result r;
	const struct osd_pglog *auth_log;
	size_t self = SIZE_MAX;
	int auth, rc;

	osd_peer_result_init(&r);
	for (size_t i = 0; i < in->n_members; i++)
		if (in->members[i].osd == in->primary)
			self = i;
	if (self == SIZE_MAX)
		return -EINVAL;
	auth = osd_peer_choose_auth(in->members, in->n_members, in->primary);
	assert(auth >= 0);
	auth_log = in->members[auth].log;
	if (!auth_log || !osd_ev_eq(auth_log->head, in->members[auth].info->last_update))
		return -EINVAL;
	r.auth_osd = in->members[auth].osd;
	r.auth_info = *in->members[auth].info;

	r.plans = calloc(in->n_members, sizeof(*r.plans));
	if (!r.plans)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_members; i++) {
		bool acting = in_list(in->acting, in->acting_n, in->members[i].osd);

		rc = osd_peer_plan_member(auth_log, &in->members[i], acting, &r.plans[i]);
		if (rc)
			goto out_fini_result;
		r.n_plans++;
		if (acting && r.plans[i].kind != OSD_PEER_PLAN_BACKFILL)
			r.ready++;
	}
	rc = find_unfound(&r);
	if (rc)
		goto out_fini_result;

	if (r.plans[self].kind == OSD_PEER_PLAN_BACKFILL) {
		r.outcome = OSD_PEER_OUT_INCOMPLETE;
		r.reason = OSD_PEER_WHY_PRIMARY_BACKFILL;
		want_acting(in, &r, (size_t)auth);
	} else if (r.ready >= in->min_size) {
		r.outcome = OSD_PEER_OUT_ACTIVE;
		r.reason = OSD_PEER_WHY_NONE;
	} else {
		r.outcome = OSD_PEER_OUT_PEERED;
		r.reason = OSD_PEER_WHY_UNDERSIZED;
	}
	osd_peer_result_fini(out);
	*out = r;
	return 0;

out_fini_result:
	osd_peer_result_fini(&r);
	return rc;
}

/* ---- the state machine ------------------------------------------------------- */

/* What the primary holds about one probed OSD. */
struct peer {
	int32_t osd;
	bool queried, have_info;
	bool log_requested, have_log;
	struct osd_pg_info info;
	struct osd_pglog log;
	struct osd_missing missing;
};

struct osd_peer {
	struct osd_peer_cfg cfg;
	enum osd_peer_state state;
	uint32_t epoch; /* newest map seen */
	uint32_t sis;	/* first epoch of the current interval */
	struct osd_intervals intervals;
	int32_t *up_osds;
	size_t n_up;
	uint32_t up_thru;
	int32_t primary;
	int32_t acting[OSDMAP_MAX_SIZE];
	uint32_t acting_n, min_size;

	struct osd_prior_set prior;
	bool probe_all; /* objects were unfound: every past member probed */
	struct peer *peers; /* peers[0] is this OSD while primary */
	size_t n_peers, cap_peers;
	int auth; /* index into peers, -1 none */
	bool have_result;
	struct osd_peer_result result;
};

/*
 * The legal transitions.  Reset to GET_INFO or REPLICA is legal from
 * everywhere (a new interval); the rest follows the diagram in the header.
 */
static bool transition_ok(enum osd_peer_state from, enum osd_peer_state to)
{
	if (to == OSD_PEER_GET_INFO || to == OSD_PEER_REPLICA)
		return true;
	switch (from) {
	case OSD_PEER_GET_INFO:
		return to == OSD_PEER_GET_LOG || to == OSD_PEER_GET_MISSING ||
		       to == OSD_PEER_DOWN || to == OSD_PEER_WAIT_UP_THRU ||
		       to == OSD_PEER_ACTIVE || to == OSD_PEER_PEERED || to == OSD_PEER_INCOMPLETE;
	case OSD_PEER_GET_LOG:
		return to == OSD_PEER_GET_MISSING || to == OSD_PEER_WAIT_UP_THRU ||
		       to == OSD_PEER_ACTIVE || to == OSD_PEER_PEERED || to == OSD_PEER_INCOMPLETE;
	case OSD_PEER_GET_MISSING:
		return to == OSD_PEER_WAIT_UP_THRU || to == OSD_PEER_ACTIVE ||
		       to == OSD_PEER_PEERED || to == OSD_PEER_INCOMPLETE;
	case OSD_PEER_WAIT_UP_THRU:
		return to == OSD_PEER_ACTIVE || to == OSD_PEER_PEERED;
	default:
		return false;
	}
}

static void peer_check_invariants(const struct osd_peer *pm)
{
	assert(pm->state < OSD_PEER__COUNT);
	if (pm->state == OSD_PEER_INITIAL)
		return;
	if (pm->state == OSD_PEER_REPLICA) {
		assert(pm->primary != pm->cfg.whoami);
		return;
	}
	assert(pm->primary == pm->cfg.whoami);
	assert(pm->n_peers >= 1 && pm->peers[0].osd == pm->cfg.whoami);
	assert(pm->peers[0].have_info && pm->peers[0].have_log);
	if (pm->state == OSD_PEER_GET_LOG)
		assert(pm->auth > 0 && !pm->peers[pm->auth].have_log);
	if (pm->state == OSD_PEER_WAIT_UP_THRU || pm->state == OSD_PEER_ACTIVE ||
	    pm->state == OSD_PEER_PEERED || pm->state == OSD_PEER_INCOMPLETE)
		assert(pm->have_result);
	if (pm->state == OSD_PEER_ACTIVE)
		assert(pm->result.ready >= pm->min_size);
	if (pm->state == OSD_PEER_DOWN)
		assert(pm->prior.pg_down && pm->prior.blocked.n > 0);
}

static int emit(struct osd_peer_out *out, uint8_t type, int32_t osd, uint32_t epoch)
{
	if (out->n == out->cap) {
		size_t ncap = out->cap ? out->cap * 2 : 16;
		struct osd_peer_act *v = realloc(out->acts, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->acts = v;
		out->cap = ncap;
	}
	out->acts[out->n++] = (struct osd_peer_act){.type = type, .osd = osd, .epoch = epoch};
	return 0;
}

static int transition(struct osd_peer *pm, enum osd_peer_state to, struct osd_peer_out *out)
{
	assert(transition_ok(pm->state, to));
	pm->state = to;
	return emit(out, OSD_PEER_ACT_STATE, -1, pm->sis);
}

void osd_peer_out_init(struct osd_peer_out *out)
{
	memset(out, 0, sizeof(*out));
}

void osd_peer_out_clear(struct osd_peer_out *out)
{
	out->n = 0;
}

void osd_peer_out_fini(struct osd_peer_out *out)
{
	if (!out)
		return;
	free(out->acts);
	osd_peer_out_init(out);
}

struct osd_peer *osd_peer_create(const struct osd_peer_cfg *cfg)
{
	struct osd_peer *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return NULL;
	pm->cfg = *cfg;
	pm->state = OSD_PEER_INITIAL;
	pm->primary = -1;
	pm->auth = -1;
	osd_intervals_init(&pm->intervals);
	osd_prior_set_init(&pm->prior);
	osd_peer_result_init(&pm->result);
	return pm;
}

static void peers_clear(struct osd_peer *pm)
{
	for (size_t i = 0; i < pm->n_peers; i++) {
		osd_pglog_fini(&pm->peers[i].log);
		osd_missing_fini(&pm->peers[i].missing);
	}
	pm->n_peers = 0;
	pm->auth = -1;
	pm->have_result = false;
	osd_peer_result_fini(&pm->result);
}

void osd_peer_destroy(struct osd_peer *pm)
{
	if (!pm)
		return;
	peers_clear(pm);
	free(pm->peers);
	free(pm->up_osds);
	osd_intervals_fini(&pm->intervals);
	osd_prior_set_fini(&pm->prior);
	osd_peer_result_fini(&pm->result);
	free(pm);
}

static struct peer *peer_find(struct osd_peer *pm, int32_t osd)
{
	for (size_t i = 0; i < pm->n_peers; i++)
		if (pm->peers[i].osd == osd)
			return &pm->peers[i];
	return NULL;
}

static struct peer *peer_add(struct osd_peer *pm, int32_t osd)
{
	struct peer *p = peer_find(pm, osd);

	if (p)
		return p;
	if (pm->n_peers == pm->cap_peers) {
		size_t ncap = pm->cap_peers ? pm->cap_peers * 2 : 8;
		struct peer *v = realloc(pm->peers, ncap * sizeof(*v));

		if (!v)
			return NULL;
		pm->peers = v;
		pm->cap_peers = ncap;
	}
	p = &pm->peers[pm->n_peers++];
	memset(p, 0, sizeof(*p));
	p->osd = osd;
	osd_pglog_init(&p->log);
	osd_missing_init(&p->missing);
	return p;
}

static bool osd_is_up(const struct osd_peer *pm, int32_t osd)
{
	return in_list(pm->up_osds, pm->n_up, osd);
}

static uint32_t max_les(const struct osd_peer *pm)
{
	uint32_t les = 0;

	for (size_t i = 0; i < pm->n_peers; i++)
		if (pm->peers[i].have_info && pm->peers[i].info.last_epoch_started > les)
			les = pm->peers[i].info.last_epoch_started;
	return les;
}

static bool all_infos_in(const struct osd_peer *pm)
{
	for (size_t i = 0; i < pm->n_peers; i++)
		if (pm->peers[i].queried && !pm->peers[i].have_info)
			return false;
	return true;
}

static bool all_logs_in(const struct osd_peer *pm)
{
	for (size_t i = 0; i < pm->n_peers; i++)
		if (pm->peers[i].log_requested && !pm->peers[i].have_log)
			return false;
	return true;
}

/* Query every OSD in @ids we have not heard from yet. */
static int query_new(struct osd_peer *pm, const struct osd_idset *ids, struct osd_peer_out *out)
{
	for (size_t i = 0; i < ids->n; i++) {
		struct peer *p;
		int rc;

		if (peer_find(pm, ids->v[i]))
			continue;
		p = peer_add(pm, ids->v[i]);
		if (!p)
			return -ENOMEM;
		p->queried = true;
		rc = emit(out, OSD_PEER_ACT_QUERY, p->osd, pm->sis);
		if (rc)
			return rc;
	}
	return 0;
}

static int info_done(struct osd_peer *pm, struct osd_peer_out *out);
static int logs_done(struct osd_peer *pm, struct osd_peer_out *out);

/*
 * Begin (or begin again) peering the current interval from the prior set.
 * Our own copy stays; everything heard from others is forgotten, because
 * what made us restart (an OSD down or up) may have changed it.
 */
static int start_peering(struct osd_peer *pm, struct osd_peer_out *out)
{
	struct peer self = pm->peers[0];
	int rc;

	/* Keep peers[0] (ourselves) across the reset. */
	pm->peers[0].log = (struct osd_pglog){0};
	pm->peers[0].missing = (struct osd_missing){0};
	peers_clear(pm);
	pm->peers[0] = self;
	pm->n_peers = 1;
	pm->probe_all = false;

	rc = osd_intervals_prior_set(&pm->intervals, self.info.last_epoch_started, pm->up_osds,
				     pm->n_up, &pm->prior);
	if (rc)
		return rc;
	rc = transition(pm, OSD_PEER_GET_INFO, out);
	if (!rc)
		rc = query_new(pm, &pm->prior.probe, out);
	if (rc)
		return rc;
	return all_infos_in(pm) ? info_done(pm, out) : 0;
}

static int build_members(const struct osd_peer *pm, bool with_logs,
			 struct osd_peer_member **out, size_t *out_n)
{
	struct osd_peer_member *v = calloc(pm->n_peers, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < pm->n_peers; i++) {
		const struct peer *p = &pm->peers[i];

		if (!p->have_info)
			continue;
		v[n].osd = p->osd;
		v[n].info = &p->info;
		v[n].log = with_logs && p->have_log ? &p->log : NULL;
		v[n].missing = with_logs && p->have_log ? &p->missing : NULL;
		n++;
	}
	*out = v;
	*out_n = n;
	return 0;
}

static int index_of(const struct osd_peer *pm, int32_t osd)
{
	for (size_t i = 0; i < pm->n_peers; i++)
		if (pm->peers[i].osd == osd)
			return (int)i;
	return -1;
}

/* Every probe answered: is the PG down, and whose log is authoritative? */
static int info_done(struct osd_peer *pm, struct osd_peer_out *out)
{
	struct osd_peer_member *mem;
	size_t n;
	int rc, a;

	/* The newest last_epoch_started any answer reported prunes the past
	 * intervals that still matter; it can only shrink the prior set. */
	rc = osd_intervals_prior_set(&pm->intervals, max_les(pm), pm->up_osds, pm->n_up,
				     &pm->prior);
	if (rc)
		return rc;
	if (!pm->prior.pg_down) {
		/* The interval that set the newest les must be heard from
		 * through a complete copy (osd_intervals_check_complete). */
		struct osd_idset complete;

		osd_idset_init(&complete);
		for (size_t i = 0; !rc && i < pm->n_peers; i++)
			if (pm->peers[i].have_info && !pm->peers[i].info.needs_backfill &&
			    osd_idset_add(&complete, pm->peers[i].osd) < 0)
				rc = -ENOMEM;
		if (!rc)
			rc = osd_intervals_check_complete(&pm->intervals, max_les(pm), &complete,
							  pm->up_osds, pm->n_up, &pm->prior);
		osd_idset_fini(&complete);
		if (rc)
			return rc;
	}
	if (pm->prior.pg_down)
		return transition(pm, OSD_PEER_DOWN, out);

	rc = build_members(pm, false, &mem, &n);
	if (rc)
		return rc;
	a = osd_peer_choose_auth(mem, n, pm->cfg.whoami);
	assert(a >= 0);
	pm->auth = index_of(pm, mem[a].osd);
	free(mem);
	if (!pm->peers[pm->auth].have_log) {
		pm->peers[pm->auth].log_requested = true;
		rc = transition(pm, OSD_PEER_GET_LOG, out);
		if (!rc)
			rc = emit(out, OSD_PEER_ACT_GET_LOG, pm->peers[pm->auth].osd, pm->sis);
		return rc;
	}
	return logs_done(pm, out);
}

/* Ask for the logs needed to plan every member that is not in sync. */
static int request_logs(struct osd_peer *pm, struct osd_peer_out *out)
{
	const struct osd_pg_info *ai = &pm->peers[pm->auth].info;
	bool asked = false;
	int rc;

	for (size_t i = 0; i < pm->n_peers; i++) {
		struct peer *p = &pm->peers[i];

		if (!p->have_info || p->have_log || p->log_requested ||
		    !osd_peer_need_log(ai, &p->info))
			continue;
		p->log_requested = true;
		asked = true;
		rc = emit(out, OSD_PEER_ACT_GET_LOG, p->osd, pm->sis);
		if (rc)
			return rc;
	}
	if (asked && pm->state != OSD_PEER_GET_MISSING)
		return transition(pm, OSD_PEER_GET_MISSING, out);
	return 0;
}

static int activate(struct osd_peer *pm, struct osd_peer_out *out)
{
	const struct osd_peer_result *r = &pm->result;
	bool recover = false;
	int rc;

	rc = transition(pm, r->outcome == OSD_PEER_OUT_ACTIVE ? OSD_PEER_ACTIVE : OSD_PEER_PEERED,
			out);
	for (size_t i = 0; !rc && i < r->n_plans; i++) {
		const struct osd_peer_plan *p = &r->plans[i];

		if (!p->acting)
			continue;
		recover |= p->missing.n > 0;
		if (p->osd == pm->cfg.whoami)
			continue;
		/* Peered backfills too: with one complete copy and min_size 2
		 * nothing else ever makes a second one.  A member planned for
		 * backfill is behind the authoritative tail, so it is not one
		 * of the members that last activated: nothing it holds matters. */
		rc = emit(out,
			  p->kind == OSD_PEER_PLAN_BACKFILL ? OSD_PEER_ACT_BACKFILL
							    : OSD_PEER_ACT_ACTIVATE,
			  p->osd, pm->sis);
	}
	if (!rc && recover)
		rc = emit(out, OSD_PEER_ACT_RECOVER, -1, pm->sis);
	return rc;
}

/* Every needed log is in: decide. */
static int decide(struct osd_peer *pm, struct osd_peer_out *out)
{
	struct osd_peer_member *mem;
	struct osd_peer_input in;
	size_t n;
	int rc;

	rc = build_members(pm, true, &mem, &n);
	if (rc)
		return rc;
	in = (struct osd_peer_input){
		.primary = pm->cfg.whoami,
		.acting = pm->acting,
		.acting_n = pm->acting_n,
		.min_size = pm->min_size,
		.members = mem,
		.n_members = n,
	};
	rc = osd_peer_decide(&in, &pm->result);
	free(mem);
	if (rc)
		return rc;
	pm->have_result = true;

	/* Objects nobody probed holds: look once at every OSD of every past
	 * interval before settling ("might have unfound"). */
	if (pm->result.unfound.n && !pm->probe_all) {
		struct osd_idset all;
		size_t before = pm->n_peers;

		osd_idset_init(&all);
		pm->probe_all = true;
		rc = osd_intervals_all_up_members(&pm->intervals, pm->up_osds, pm->n_up, &all);
		if (!rc)
			rc = query_new(pm, &all, out);
		osd_idset_fini(&all);
		if (rc)
			return rc;
		if (pm->n_peers > before) {
			pm->have_result = false;
			osd_peer_result_fini(&pm->result);
			return transition(pm, OSD_PEER_GET_INFO, out);
		}
	}

	if (pm->result.outcome == OSD_PEER_OUT_INCOMPLETE) {
		rc = transition(pm, OSD_PEER_INCOMPLETE, out);
		if (!rc && pm->result.want_n)
			rc = emit(out, OSD_PEER_ACT_PG_TEMP, -1, pm->sis);
		return rc;
	}
	if (pm->cfg.need_up_thru &&
	    (pm->up_thru == OSD_UP_THRU_UNKNOWN || pm->up_thru < pm->sis)) {
		rc = transition(pm, OSD_PEER_WAIT_UP_THRU, out);
		if (!rc)
			rc = emit(out, OSD_PEER_ACT_UP_THRU, -1, pm->sis);
		return rc;
	}
	return activate(pm, out);
}

static int logs_done(struct osd_peer *pm, struct osd_peer_out *out)
{
	int rc = request_logs(pm, out);

	if (rc)
		return rc;
	return all_logs_in(pm) ? decide(pm, out) : 0;
}

/* Did this round ask @osd anything, or is it waiting for @osd? */
static bool relevant(const struct osd_peer *pm, int32_t osd)
{
	if (osd_idset_has(&pm->prior.blocked, osd))
		return true;
	for (size_t i = 0; i < pm->n_peers; i++)
		if (pm->peers[i].osd == osd)
			return true;
	return false;
}

/*
 * Same interval, new facts about who is up.  Restart the round when its
 * answer may depend on them:
 *   - gathering, Down or Incomplete: someone we asked or wait for went
 *     down, or anyone came up (they may be the OSD a past interval needs);
 *   - Active or Peered with unfound objects: anyone came up (they may hold
 *     them);
 *   - WaitUpThru: the map recorded our up_thru: activate.
 * Active members going down is not handled here: that changes the acting
 * set, hence the interval.
 */
static int reevaluate(struct osd_peer *pm, const int32_t *old_up, size_t n_old,
		      struct osd_peer_out *out)
{
	bool went_down = false, came_up = false;

	for (size_t i = 0; i < n_old; i++)
		went_down |= !osd_is_up(pm, old_up[i]) && relevant(pm, old_up[i]);
	for (size_t i = 0; i < pm->n_up; i++)
		came_up |= !in_list(old_up, n_old, pm->up_osds[i]);

	switch (pm->state) {
	case OSD_PEER_WAIT_UP_THRU:
		if (pm->up_thru != OSD_UP_THRU_UNKNOWN && pm->up_thru >= pm->sis)
			return activate(pm, out);
		return 0;
	case OSD_PEER_ACTIVE:
	case OSD_PEER_PEERED:
		return came_up && pm->result.unfound.n ? start_peering(pm, out) : 0;
	case OSD_PEER_GET_INFO:
	case OSD_PEER_GET_LOG:
	case OSD_PEER_GET_MISSING:
	case OSD_PEER_DOWN:
	case OSD_PEER_INCOMPLETE:
		return went_down || came_up ? start_peering(pm, out) : 0;
	default:
		return 0;
	}
}

static int set_self(struct osd_peer *pm, const struct osd_peer_member *self)
{
	struct peer *p;
	int rc;

	if (!pm->n_peers) {
		p = peer_add(pm, pm->cfg.whoami);
		if (!p)
			return -ENOMEM;
	}
	p = &pm->peers[0];
	assert(p->osd == pm->cfg.whoami);
	if (!self->log || !osd_ev_eq(self->log->head, self->info->last_update))
		return -EINVAL;
	rc = osd_pglog_copy(&p->log, self->log);
	if (rc)
		return rc;
	osd_missing_clear(&p->missing);
	if (self->missing) {
		rc = osd_missing_copy(&p->missing, self->missing);
		if (rc)
			return rc;
	}
	p->info = *self->info;
	p->have_info = p->have_log = true;
	return 0;
}

int osd_peer_advance_map(struct osd_peer *pm, const struct osd_peer_map *map,
			 const struct osd_peer_member *self, struct osd_peer_out *out)
{
	const struct osd_interval *cur = osd_intervals_current(map->intervals);
	int32_t *old_up = pm->up_osds, *up = NULL;
	size_t n_old = pm->n_up;
	bool new_interval;
	int rc;

	if (!cur || map->epoch < pm->epoch || self->osd != pm->cfg.whoami)
		return -EINVAL;
	if (map->n_up) {
		up = malloc(map->n_up * sizeof(*up));
		if (!up)
			return -ENOMEM;
		memcpy(up, map->up_osds, map->n_up * sizeof(*up));
	}
	rc = osd_intervals_copy(&pm->intervals, map->intervals);
	if (rc) {
		free(up);
		return rc;
	}
	pm->up_osds = up;
	pm->n_up = map->n_up;
	pm->epoch = map->epoch;
	pm->up_thru = map->up_thru;

	new_interval = pm->state == OSD_PEER_INITIAL || cur->first != pm->sis;
	if (new_interval) {
		pm->sis = cur->first;
		pm->primary = cur->primary;
		pm->acting_n = cur->acting_n;
		memcpy(pm->acting, cur->acting, sizeof(pm->acting));
		pm->min_size = cur->min_size;
		peers_clear(pm);
		osd_prior_set_fini(&pm->prior);
		if (pm->primary != pm->cfg.whoami) {
			rc = transition(pm, OSD_PEER_REPLICA, out);
			goto out_free_old;
		}
		rc = set_self(pm, self);
		if (!rc)
			rc = start_peering(pm, out);
	} else if (pm->state != OSD_PEER_REPLICA) {
		/* Our own copy moved on since the round began (activation,
		 * recovery, writes): a restart must plan from the present. */
		rc = set_self(pm, self);
		if (!rc)
			rc = reevaluate(pm, old_up, n_old, out);
	}
out_free_old:
	free(old_up);
	if (!rc)
		peer_check_invariants(pm);
	return rc;
}

int osd_peer_recv_info(struct osd_peer *pm, int32_t from, uint32_t query_epoch,
		       const struct osd_pg_info *info, struct osd_peer_out *out)
{
	struct peer *p;
	int rc;

	if (pm->state != OSD_PEER_GET_INFO || query_epoch != pm->sis)
		return 0;
	p = peer_find(pm, from);
	if (!p || !p->queried || p->have_info)
		return 0;
	p->info = *info;
	p->have_info = true;
	rc = all_infos_in(pm) ? info_done(pm, out) : 0;
	if (!rc)
		peer_check_invariants(pm);
	return rc;
}

int osd_peer_recv_log(struct osd_peer *pm, int32_t from, uint32_t query_epoch,
		      const struct osd_pg_info *info, const struct osd_pglog *log,
		      const struct osd_missing *missing, struct osd_peer_out *out)
{
	struct peer *p;
	int rc;

	if ((pm->state != OSD_PEER_GET_LOG && pm->state != OSD_PEER_GET_MISSING) ||
	    query_epoch != pm->sis)
		return 0;
	p = peer_find(pm, from);
	if (!p || !p->log_requested || p->have_log)
		return 0;
	/* A log that does not match its own info is garbage: ignore it (the
	 * round then waits for a map change rather than trusting it). */
	if (!osd_ev_eq(log->head, info->last_update) || osd_pglog_validate(log))
		return 0;
	rc = osd_pglog_copy(&p->log, log);
	if (!rc && missing)
		rc = osd_missing_copy(&p->missing, missing);
	if (rc)
		return rc;
	/* The info may have moved since the query (it cannot within one
	 * interval, but taking the one that matches the log is safe). */
	p->info = *info;
	p->have_log = true;
	if (pm->state == OSD_PEER_GET_LOG) {
		if (index_of(pm, from) != pm->auth)
			return 0;
		rc = logs_done(pm, out);
	} else if (all_logs_in(pm)) {
		rc = decide(pm, out);
	}
	if (!rc)
		peer_check_invariants(pm);
	return rc;
}

int osd_peer_note_down(struct osd_peer *pm, int32_t osd, struct osd_peer_out *out)
{
	int32_t *old_up;
	size_t n_old = pm->n_up, k = 0;
	int rc;

	if (!osd_is_up(pm, osd) || pm->state == OSD_PEER_INITIAL || pm->state == OSD_PEER_REPLICA)
		return 0;
	old_up = malloc(n_old * sizeof(*old_up));
	if (!old_up)
		return -ENOMEM;
	memcpy(old_up, pm->up_osds, n_old * sizeof(*old_up));
	for (size_t i = 0; i < pm->n_up; i++)
		if (pm->up_osds[i] != osd)
			pm->up_osds[k++] = pm->up_osds[i];
	pm->n_up = k;
	rc = reevaluate(pm, old_up, n_old, out);
	free(old_up);
	if (!rc)
		peer_check_invariants(pm);
	return rc;
}

int osd_peer_state(const struct osd_peer *pm)
{
	return pm->state;
}

uint32_t osd_peer_interval(const struct osd_peer *pm)
{
	return pm->sis;
}

const struct osd_peer_result *osd_peer_result(const struct osd_peer *pm)
{
	return pm->have_result ? &pm->result : NULL;
}

const struct osd_pglog *osd_peer_auth_log(const struct osd_peer *pm)
{
	if (!pm->have_result || pm->auth < 0)
		return NULL;
	return &pm->peers[pm->auth].log;
}

const struct osd_idset *osd_peer_blocked_by(const struct osd_peer *pm)
{
	return &pm->prior.blocked;
}

int osd_peer_describe(const struct osd_peer *pm, struct buf *out)
{
	int rc = buf_printf(out, "%s", osd_peer_state_name(pm->state));

	if (!rc && pm->state == OSD_PEER_DOWN) {
		rc = buf_printf(out, " (waiting for");
		for (size_t i = 0; !rc && i < pm->prior.blocked.n; i++)
			rc = buf_printf(out, "%s osd.%d", i ? "," : "", pm->prior.blocked.v[i]);
		if (!rc)
			rc = buf_printf(out, ")");
	} else if (!rc && pm->have_result && pm->result.reason != OSD_PEER_WHY_NONE) {
		rc = buf_printf(out, " (%s)", osd_peer_reason_name(pm->result.reason));
	}
	if (!rc && pm->have_result && pm->result.unfound.n)
		rc = buf_printf(out, " (%zu unfound)", pm->result.unfound.n);
	return rc;
}
