/*
 * mon_core.c - glue of the consensus core: output buffers, the durable image,
 * persistence gating of outgoing messages, and routing of inputs to the
 * election and Paxos machines.
 *
 * Threading: single owner, see mon_core.h.
 *
 * Why gating lives here: every reply of an acceptor (a vote, a promise, an
 * accept) is only true once the state behind it is on disk.  Rather than
 * trusting each handler to remember which reply depends on which write, every
 * message waits until all persists issued before it are durable.  That costs
 * a little latency for the few messages that do not need it (lease acks) and
 * removes a whole class of bugs.  Messages to ourselves take the same path, so
 * the leader counts its own promise and accept only once they are durable.
 */
#include "mon_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const msg_names[MON_MSG__COUNT] = {
    [MON_MSG_ELECT_PROPOSE] = "propose", [MON_MSG_ELECT_ACK] = "ack",
    [MON_MSG_ELECT_VICTORY] = "victory", [MON_MSG_PAXOS_COLLECT] = "collect",
    [MON_MSG_PAXOS_LAST] = "last",	 [MON_MSG_PAXOS_BEGIN] = "begin",
    [MON_MSG_PAXOS_ACCEPT] = "accept",	 [MON_MSG_PAXOS_COMMIT] = "commit",
    [MON_MSG_PAXOS_LEASE] = "lease",	 [MON_MSG_PAXOS_LEASE_ACK] = "lease_ack",
    [MON_MSG_PAXOS_CATCHUP] = "catchup", [MON_MSG_PAXOS_TRIMMED] = "trimmed",
};

const char *mon_msg_type_name(uint32_t type)
{
	return type < MON_MSG__COUNT ? msg_names[type] : "?";
}

/* ---- values ---- */

int mon_value_set(struct mon_value *v, const void *data, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (!d)
		return -ENOMEM;
	if (len)
		memcpy(d, data, len);
	free(v->data);
	v->data = d;
	v->len = len;
	return 0;
}

void mon_value_free(struct mon_value *v)
{
	free(v->data);
	v->data = NULL;
	v->len = 0;
}

static uint8_t *dup_bytes(const void *val, size_t len)
{
	uint8_t *d;

	if (!val)
		return NULL;
	d = malloc(len ? len : 1);
	if (d && len)
		memcpy(d, val, len);
	return d;
}

/* Grow *arr (elements of size sz) to hold at least need; 0 or -ENOMEM. */
static int grow(void **arr, size_t *cap, size_t need, size_t sz)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * sz);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* ---- mon_out ---- */

void mon_out_init(struct mon_out *out)
{
	memset(out, 0, sizeof(*out));
	out->wake_at = MON_TIME_NEVER;
}

void mon_out_clear(struct mon_out *out)
{
	for (size_t i = 0; i < out->n_msgs; i++)
		free(out->msgs[i].value);
	for (size_t i = 0; i < out->n_persists; i++)
		free(out->persists[i].value);
	for (size_t i = 0; i < out->n_events; i++)
		free(out->events[i].value);
	out->n_msgs = out->n_persists = out->n_events = 0;
	out->wake_at = MON_TIME_NEVER;
}

void mon_out_fini(struct mon_out *out)
{
	mon_out_clear(out);
	free(out->msgs);
	free(out->persists);
	free(out->events);
	memset(out, 0, sizeof(*out));
}

/* ---- durable image ---- */

void mon_durable_init(struct mon_durable *d)
{
	memset(d, 0, sizeof(*d));
	d->voted_for = -1;
	d->fc = 1;
}

static void durable_drop_log(struct mon_durable *d)
{
	for (uint64_t v = d->fc; v <= d->lc; v++)
		mon_value_free(&d->log[v - d->fc]);
}

void mon_durable_fini(struct mon_durable *d)
{
	durable_drop_log(d);
	free(d->log);
	mon_value_free(&d->unc);
	mon_durable_init(d);
}

static int durable_commit(struct mon_durable *d, const struct mon_persist *p)
{
	struct mon_value nv = {0};

	if (p->version != d->lc + 1)
		return 0; /* already covered (e.g. by a sync image) */
	if (grow((void **)&d->log, &d->log_cap, d->lc + 2 - d->fc, sizeof(*d->log)) ||
	    mon_value_set(&nv, p->value, p->len))
		return -ENOMEM;
	d->log[d->lc + 1 - d->fc] = nv;
	d->lc++;
	if (d->unc_version && d->unc_version <= d->lc) {
		mon_value_free(&d->unc);
		d->unc_version = d->unc_pn = 0;
	}
	return 0;
}

static void durable_trim(struct mon_durable *d, uint64_t fc)
{
	uint64_t drop;

	if (fc > d->lc + 1)
		fc = d->lc + 1;
	if (fc <= d->fc)
		return;
	drop = fc - d->fc;
	for (uint64_t i = 0; i < drop; i++)
		mon_value_free(&d->log[i]);
	if (d->lc + 1 > fc)
		memmove(d->log, d->log + drop, (d->lc + 1 - fc) * sizeof(*d->log));
	d->fc = fc;
}

int mon_durable_apply(struct mon_durable *d, const struct mon_persist *p)
{
	switch (p->type) {
	case MON_PERSIST_EPOCH:
		if (p->epoch > d->epoch)
			d->epoch = p->epoch;
		return 0;
	case MON_PERSIST_VOTE:
		if (p->epoch > d->epoch)
			d->epoch = p->epoch;
		d->voted_epoch = p->epoch;
		d->voted_for = p->voted_for;
		return 0;
	case MON_PERSIST_PROMISE:
		if (p->pn > d->promised_pn)
			d->promised_pn = p->pn;
		return 0;
	case MON_PERSIST_ACCEPT:
		if (p->version <= d->lc)
			return 0;
		if (mon_value_set(&d->unc, p->value, p->len))
			return -ENOMEM;
		d->unc_pn = p->pn;
		d->unc_version = p->version;
		if (p->pn > d->promised_pn)
			d->promised_pn = p->pn;
		return 0;
	case MON_PERSIST_COMMIT:
		return durable_commit(d, p);
	case MON_PERSIST_TRIM:
		durable_trim(d, p->version);
		return 0;
	}
	return -EINVAL;
}

void mon_durable_install_sync(struct mon_durable *d, uint64_t lc)
{
	if (lc <= d->lc)
		return;
	durable_drop_log(d);
	d->lc = lc;
	d->fc = lc + 1;
	if (d->unc_version && d->unc_version <= lc) {
		mon_value_free(&d->unc);
		d->unc_version = d->unc_pn = 0;
	}
}

/* ---- config ---- */

void mon_config_default(struct mon_config *cfg, int rank, int n_mons)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rank = rank;
	cfg->n_mons = n_mons;
	cfg->lease_ms = 1000;
	cfg->lease_renew_ms = 250;
	cfg->lease_timeout_ms = 2000;
	cfg->peon_timeout_ms = 1500;
	cfg->gather_ms = 60;
	cfg->victory_wait_ms = 60;
	cfg->election_timeout_ms = 600;
	cfg->election_step_ms = 150;
	cfg->retry_ms = 150;
	cfg->phase_timeout_ms = 2000;
	cfg->stable_ms = 3000;
	cfg->sync_retry_ms = 500;
	cfg->max_batch = 16;
	cfg->trim_max = 60;
	cfg->trim_keep = 30;
	cfg->catchup_max = 40;
}

static int config_valid(const struct mon_config *cfg)
{
	return cfg->n_mons >= 1 && cfg->n_mons <= MON_MAX_MONS && cfg->rank >= 0 &&
	       cfg->rank < cfg->n_mons && cfg->lease_ms > 0 && cfg->lease_renew_ms > 0 &&
	       cfg->lease_renew_ms < cfg->lease_ms && cfg->retry_ms > 0 && cfg->max_batch > 0 &&
	       cfg->trim_keep > 0 && cfg->trim_max > cfg->trim_keep && cfg->catchup_max > 0;
}

/* ---- emit helpers ---- */

int mon_majority(const struct mon_core *c)
{
	return c->cfg.n_mons / 2 + 1;
}

/* Higher weight wins; equal weights: lower rank wins. */
bool mon_outranks(const struct mon_core *c, int a, int b)
{
	if (c->cfg.weight[a] != c->cfg.weight[b])
		return c->cfg.weight[a] > c->cfg.weight[b];
	return a < b;
}

static void hold(struct mon_core *c, struct mon_msg *m, const void *val, size_t len, uint64_t gate)
{
	struct mon_gated *g;

	if (grow((void **)&c->held, &c->held_cap, c->held_n + 1, sizeof(*c->held))) {
		c->err = -ENOMEM;
		return;
	}
	g = &c->held[c->held_n];
	g->gate = gate;
	g->msg = *m;
	g->msg.from = c->cfg.rank;
	g->msg.len = val ? len : 0;
	g->msg.value = dup_bytes(val, len);
	if (val && !g->msg.value) {
		c->err = -ENOMEM;
		return;
	}
	c->held_n++;
}

void mon_send(struct mon_core *c, struct mon_msg *m, const void *val, size_t len)
{
	hold(c, m, val, len, c->persist_issued);
}

void mon_send_ungated(struct mon_core *c, struct mon_msg *m, const void *val, size_t len)
{
	hold(c, m, val, len, 0);
}

void mon_persist(struct mon_core *c, struct mon_persist *p, const void *val, size_t len)
{
	struct mon_out *o = c->out;
	struct mon_persist *d;

	if (grow((void **)&o->persists, &o->cap_persists, o->n_persists + 1, sizeof(*d))) {
		c->err = -ENOMEM;
		return;
	}
	d = &o->persists[o->n_persists];
	*d = *p;
	d->len = val ? len : 0;
	d->value = dup_bytes(val, len);
	if (val && !d->value) {
		c->err = -ENOMEM;
		return;
	}
	d->seq = ++c->persist_issued;
	o->n_persists++;
}

void mon_event(struct mon_core *c, struct mon_event *e, const void *val, size_t len)
{
	struct mon_out *o = c->out;
	struct mon_event *d;

	if (grow((void **)&o->events, &o->cap_events, o->n_events + 1, sizeof(*d))) {
		c->err = -ENOMEM;
		return;
	}
	d = &o->events[o->n_events];
	*d = *e;
	d->len = val ? len : 0;
	d->value = dup_bytes(val, len);
	if (val && !d->value) {
		c->err = -ENOMEM;
		return;
	}
	o->n_events++;
}

/* ---- routing ---- */

static bool msg_valid(const struct mon_core *c, const struct mon_msg *m)
{
	return m->type < MON_MSG__COUNT && m->from >= 0 && m->from < c->cfg.n_mons &&
	       m->to == c->cfg.rank && (m->len == 0 || m->value);
}

static void dispatch(struct mon_core *c, const struct mon_msg *m)
{
	if (m->type <= MON_MSG_ELECT_VICTORY) {
		mon_elect_receive(&c->el, m);
		return;
	}
	if (mon_elect_observe(&c->el, m))
		mon_paxos_receive(&c->px, m);
}

/* Move released messages out (or into the loopback queue), oldest first. */
static void release(struct mon_core *c)
{
	size_t i = 0, keep;
	struct mon_out *o = c->out;

	while (i < c->held_n && c->held[i].gate <= c->persist_done) {
		struct mon_msg *m = &c->held[i].msg;

		if (m->to == c->cfg.rank) {
			if (grow((void **)&c->loop, &c->loop_cap, c->loop_n + 1, sizeof(*m)))
				break;
			c->loop[c->loop_n++] = *m;
		} else {
			if (grow((void **)&o->msgs, &o->cap_msgs, o->n_msgs + 1, sizeof(*m)))
				break;
			o->msgs[o->n_msgs++] = *m;
		}
		i++;
	}
	keep = c->held_n - i;
	if (keep && i)
		memmove(c->held, c->held + i, keep * sizeof(*c->held));
	c->held_n = keep;
}

/* Common tail of every input: deliver our own messages, check invariants,
 * compute the next wake-up. */
static int finish(struct mon_core *c)
{
	mon_time_t w1, w2;
	int err;

	for (int rounds = 0; rounds < 64; rounds++) {
		release(c);
		if (!c->loop_n)
			break;
		for (size_t i = 0; i < c->loop_n; i++) {
			dispatch(c, &c->loop[i]);
			free(c->loop[i].value);
		}
		c->loop_n = 0;
	}
	mon_elect_check(&c->el);
	mon_paxos_check(&c->px);
	w1 = mon_elect_next_wake(&c->el);
	w2 = mon_paxos_next_wake(&c->px);
	if (w2 < w1)
		w1 = w2;
	if (w1 < c->out->wake_at)
		c->out->wake_at = w1;
	err = c->err;
	c->err = 0;
	c->out = NULL;
	return err;
}

static void begin(struct mon_core *c, mon_time_t now, struct mon_out *out)
{
	c->out = out;
	if (now > c->now)
		c->now = now;
	c->err = 0;
}

int mon_core_create(const struct mon_config *cfg, const struct mon_durable *d, mon_time_t now,
		    struct mon_out *out, struct mon_core **out_core)
{
	struct mon_core *c;
	int rc;

	if (!config_valid(cfg) || d->fc > d->lc + 1 || d->fc == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->now = now;
	rc = mon_paxos_init(&c->px, c, d);
	if (rc)
		goto out_free_core;
	mon_elect_init(&c->el, c, d);
	begin(c, now, out);
	mon_elect_call(&c->el);
	rc = finish(c);
	if (rc)
		goto out_fini_paxos;
	*out_core = c;
	return 0;

out_fini_paxos:
	mon_paxos_fini(&c->px);
	free(c->held);
out_free_core:
	free(c);
	return rc;
}

void mon_core_destroy(struct mon_core *c)
{
	if (!c)
		return;
	mon_paxos_fini(&c->px);
	for (size_t i = 0; i < c->held_n; i++)
		free(c->held[i].msg.value);
	free(c->held);
	free(c->loop);
	free(c);
}

int mon_core_receive(struct mon_core *c, mon_time_t now, const struct mon_msg *m,
		     struct mon_out *out)
{
	begin(c, now, out);
	if (msg_valid(c, m) && m->from != c->cfg.rank)
		dispatch(c, m);
	return finish(c);
}

int mon_core_tick(struct mon_core *c, mon_time_t now, struct mon_out *out)
{
	begin(c, now, out);
	mon_elect_tick(&c->el);
	mon_paxos_tick(&c->px);
	return finish(c);
}

int mon_core_persisted(struct mon_core *c, mon_time_t now, uint64_t seq, struct mon_out *out)
{
	begin(c, now, out);
	if (seq > c->persist_issued)
		seq = c->persist_issued;
	if (seq > c->persist_done)
		c->persist_done = seq;
	return finish(c);
}

int mon_core_sync_installed(struct mon_core *c, mon_time_t now, uint64_t lc, struct mon_out *out)
{
	begin(c, now, out);
	mon_paxos_sync_installed(&c->px, lc);
	return finish(c);
}

int mon_core_propose(struct mon_core *c, mon_time_t now, const void *data, size_t len,
		     struct mon_out *out)
{
	int rc;

	begin(c, now, out);
	rc = mon_paxos_propose(&c->px, data, len);
	if (rc) {
		finish(c);
		return rc;
	}
	return finish(c);
}

bool mon_core_is_readable(const struct mon_core *c, mon_time_t now)
{
	return mon_paxos_is_readable(&c->px, now);
}

uint64_t mon_core_last_committed(const struct mon_core *c)
{
	return c->px.lc;
}

uint64_t mon_core_epoch(const struct mon_core *c)
{
	return c->el.epoch;
}

bool mon_core_is_leader(const struct mon_core *c)
{
	return c->el.state == MON_ELECT_LEADER;
}

bool mon_core_is_active(const struct mon_core *c)
{
	return c->px.state == MON_PAXOS_ACTIVE || c->px.state == MON_PAXOS_UPDATING;
}

int mon_core_leader(const struct mon_core *c)
{
	if (c->el.state == MON_ELECT_LEADER || c->el.state == MON_ELECT_PEON)
		return c->el.leader;
	return -1;
}

const char *mon_core_state_name(const struct mon_core *c)
{
	if (c->el.state == MON_ELECT_LEADER || c->el.state == MON_ELECT_PEON)
		return mon_paxos_state_name(c->px.state);
	return mon_elect_state_name(c->el.state);
}

/* ---- batches: u32 count, then per change u32 length + bytes (LE) ---- */

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int mon_batch_next(const uint8_t *value, size_t len, size_t *pos, const uint8_t **out_data,
		   size_t *out_len)
{
	size_t p = *pos;
	uint32_t n;

	if (p == 0) {
		if (len < 4)
			return -EINVAL;
		p = 4;
	}
	if (p == len)
		return 0;
	if (len - p < 4)
		return -EINVAL;
	n = get_le32(value + p);
	if (len - p - 4 < n)
		return -EINVAL;
	*out_data = value + p + 4;
	*out_len = n;
	*pos = p + 4 + n;
	return 1;
}
