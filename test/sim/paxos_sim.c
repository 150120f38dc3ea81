/*
 * paxos_sim.c - deterministic, seeded simulator for the monitor consensus
 * core (mon/mon_core.h).
 *
 * One process, one thread, one virtual clock.  N monitors exchange messages
 * through a network that drops, duplicates, delays (and so reorders) them and
 * can be partitioned; monitors crash, losing every persist that had not
 * completed, and restart from their durable image.  A client keeps proposing
 * changes to whichever monitor is an active leader.  Everything random comes
 * from one seeded generator, so a seed replays exactly.
 *
 * After every step the simulator checks:
 *   - agreement: every commit (in memory or on disk) of version v carries the
 *     same value on every monitor, forever;
 *   - order: each monitor learns versions in order (a full sync may jump);
 *   - durability: a durable image always matches the global history (a
 *     running digest covers trimmed versions), including after restarts;
 *   - election: at most one leader per election epoch;
 *   - leases: a monitor that reports itself readable is not behind any
 *     committed version;
 * and at the end of every seed, liveness: heal the network, restart everyone,
 * stop faults, and require a fresh proposal to commit and every monitor to
 * catch up within a bounded simulated time.
 *
 * A failing seed prints a one-line command that replays it (add --trace).
 */
#include "mon_core.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef MON_MUTATION
#define MON_MUTATION 0
#endif

/* ---- parameters ---- */

struct params {
	uint64_t seeds, start;
	int n;
	double loss, dup;
	mon_time_t run_ms, heal_ms;
	mon_time_t max_delay, max_persist;
	mon_time_t crash_mean;	   /* 0: no crashes */
	mon_time_t partition_mean; /* 0: no partitions */
	mon_time_t client_interval;
	bool trace, bench, expect_fail, quiet;
};

static struct params P = {
    .seeds = 100,
    .start = 1,
    .n = 3,
    .loss = 0.05,
    .dup = 0.02,
    .run_ms = 6000,
    .heal_ms = 15000,
    .max_delay = 20,
    .max_persist = 8,
    .crash_mean = 1500,
    .partition_mean = 1200,
    .client_interval = 15,
};

static const char *prog;

/* ---- rng (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rnd01(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static mon_time_t rnd_range(mon_time_t lo, mon_time_t hi)
{
	return lo + (mon_time_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static mon_time_t rnd_exp(mon_time_t mean)
{
	double u = rnd01();

	return 1 + (mon_time_t)(-(double)mean * __builtin_log(1.0 - u + 1e-12));
}

/* ---- events ---- */

enum ev_kind { EV_DELIVER, EV_TICK, EV_PERSIST, EV_CRASH, EV_RESTART, EV_NET, EV_CLIENT, EV_SYNC };

struct event {
	mon_time_t t;
	uint64_t seq;
	int kind, mon, peer;
	uint32_t inc;
	uint64_t a;
	struct mon_msg msg;
};

static struct event *heap;
static size_t heap_n, heap_cap;
static uint64_t ev_seq;

static bool ev_less(const struct event *x, const struct event *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void push(struct event ev)
{
	size_t i;

	if (heap_n == heap_cap) {
		heap_cap = heap_cap ? heap_cap * 2 : 1024;
		heap = realloc(heap, heap_cap * sizeof(*heap));
		if (!heap)
			abort();
	}
	ev.seq = ev_seq++;
	i = heap_n++;
	while (i && ev_less(&ev, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = ev;
}

static struct event pop(void)
{
	struct event top = heap[0], last = heap[--heap_n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= heap_n)
			break;
		if (c + 1 < heap_n && ev_less(&heap[c + 1], &heap[c]))
			c++;
		if (!ev_less(&heap[c], &last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (heap_n)
		heap[i] = last;
	return top;
}

/* ---- world ---- */

struct pend {
	struct mon_persist p;
};

struct simmon {
	struct mon_core *core;
	bool up;
	uint32_t inc;
	struct mon_durable dur;
	uint64_t dur_digest;
	struct pend *pend;
	size_t pend_n, pend_cap;
	mon_time_t persist_free; /* the disk is busy until then */
	uint64_t notified;	 /* last version learned in memory */
	mon_time_t tick_at;
};

static struct simmon M[MON_MAX_MONS];
static bool conn[MON_MAX_MONS][MON_MAX_MONS];
static mon_time_t now_t;
static uint64_t cur_seed;
static bool healing, failed;
static struct mon_out out;

/* Global history: G_val[v], G_dig[v] for v in 1..G_max. */
static struct mon_value *G_val;
static uint64_t *G_dig;
static uint64_t G_max, G_cap;
static uint64_t items_committed, items_main, bench_items, bench_versions, heal_tag_from,
    heal_committed;
static uint64_t client_k;
static int *leader_of;
static uint64_t leader_cap;

/* stats */
static uint64_t st_steps, st_msgs;

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!P.trace)
		return;
	va_start(ap, fmt);
	printf("%8" PRId64 " ", now_t);
	vprintf(fmt, ap);
	va_end(ap);
}

static char replay_line[512];

static void print_replay(void)
{
	snprintf(replay_line, sizeof(replay_line),
		 "REPLAY: %s --seeds 1 --start %" PRIu64 " --monitors %d --loss %g --dup %g "
		 "--run-ms %" PRId64 " --heal-ms %" PRId64 " --crash-mean %" PRId64
		 " --partition-mean %" PRId64 " --client-interval %" PRId64 " --max-delay %" PRId64
		 " --max-persist %" PRId64 " --trace\n",
		 prog, cur_seed, P.n, P.loss, P.dup, P.run_ms, P.heal_ms, P.crash_mean,
		 P.partition_mean, P.client_interval, P.max_delay, P.max_persist);
}

static void on_abort(int sig)
{
	ssize_t rc;

	(void)sig;
	if (P.expect_fail) {
		/* An invariant assertion inside the core caught the mutant. */
		static const char msg[] = "mutation caught by a core assertion\n";

		rc = write(1, msg, sizeof(msg) - 1);
		(void)rc;
		_exit(0);
	}
	rc = write(2, replay_line, strlen(replay_line));
	(void)rc;
	signal(SIGABRT, SIG_DFL);
	abort();
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (failed)
		return;
	failed = true;
	if (P.quiet && P.expect_fail)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL seed %" PRIu64 " t=%" PRId64 ": ", cur_seed, now_t);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", replay_line);
}

static uint64_t digest(uint64_t d, const uint8_t *v, size_t len)
{
	d ^= 0xcbf29ce484222325ull + len;
	for (size_t i = 0; i < len; i++)
		d = (d ^ v[i]) * 0x100000001b3ull;
	return d * 0x9e3779b97f4a7c15ull + 1;
}

static bool same(const struct mon_value *a, const uint8_t *v, size_t len)
{
	return a->len == len && (len == 0 || memcmp(a->data, v, len) == 0);
}

/* ---- global history ---- */

static void count_items(const uint8_t *v, size_t len)
{
	size_t pos = 0, l;
	const uint8_t *d;

	while (mon_batch_next(v, len, &pos, &d, &l) == 1) {
		items_committed++;
		if (!healing)
			items_main++;
		if (healing && l > 1 && d[0] == 'h' &&
		    strtoull((const char *)d + 1, NULL, 10) >= heal_tag_from)
			heal_committed++;
	}
}

static void g_record(int m, uint64_t v, const uint8_t *val, size_t len)
{
	if (v <= G_max) {
		if (!same(&G_val[v], val, len))
			fail("agreement: mon.%d committed a different value at version %" PRIu64, m,
			     v);
		return;
	}
	if (v != G_max + 1) {
		fail("mon.%d committed version %" PRIu64 " beyond history %" PRIu64, m, v, G_max);
		return;
	}
	if (v + 1 >= G_cap) {
		G_cap = G_cap ? G_cap * 2 : 1024;
		G_val = realloc(G_val, G_cap * sizeof(*G_val));
		G_dig = realloc(G_dig, G_cap * sizeof(*G_dig));
		if (!G_val || !G_dig)
			abort();
	}
	G_val[v].data = malloc(len ? len : 1);
	if (!G_val[v].data)
		abort();
	memcpy(G_val[v].data, val, len);
	G_val[v].len = len;
	G_dig[v] = digest(G_dig[v - 1], val, len);
	G_max = v;
	count_items(val, len);
}

static void check_durable(int m, const char *when)
{
	struct mon_durable *d = &M[m].dur;

	if (d->lc > G_max) {
		fail("mon.%d durable lc %" PRIu64 " beyond history (%s)", m, d->lc, when);
		return;
	}
	if (M[m].dur_digest != G_dig[d->lc])
		fail("mon.%d durable digest differs at lc %" PRIu64 " (%s)", m, d->lc, when);
	for (uint64_t v = d->fc; v <= d->lc; v++)
		if (!same(&G_val[v], d->log[v - d->fc].data, d->log[v - d->fc].len))
			fail("mon.%d durable value differs at %" PRIu64 " (%s)", m, v, when);
}

/* ---- applying a core's output ---- */

static void schedule_tick(int m, mon_time_t at)
{
	struct simmon *s = &M[m];

	if (at == MON_TIME_NEVER)
		return;
	if (at <= now_t)
		at = now_t + 1;
	if (s->tick_at > now_t && s->tick_at <= at)
		return;
	s->tick_at = at;
	push((struct event){.t = at, .kind = EV_TICK, .mon = m, .inc = s->inc});
}

static void send_msg(const struct mon_msg *msg)
{
	int copies = 1;

	st_msgs++;
	if (!conn[msg->from][msg->to] || rnd01() < P.loss) {
		trace("drop %s %d->%d\n", mon_msg_type_name(msg->type), msg->from, msg->to);
		free(msg->value);
		return;
	}
	if (rnd01() < P.dup)
		copies = 2;
	for (int i = 0; i < copies; i++) {
		struct event ev = {.kind = EV_DELIVER, .mon = msg->to, .msg = *msg};

		ev.t = now_t + rnd_range(1, P.max_delay);
		if (i) {
			ev.msg.value = malloc(msg->len ? msg->len : 1);
			if (!ev.msg.value)
				abort();
			if (msg->len)
				memcpy(ev.msg.value, msg->value, msg->len);
		}
		push(ev);
	}
}

static void handle_events(int m)
{
	for (size_t i = 0; i < out.n_events; i++) {
		struct mon_event *e = &out.events[i];

		switch (e->type) {
		case MON_EV_COMMIT:
			if (e->version != M[m].notified + 1)
				fail("order: mon.%d learned %" PRIu64 " after %" PRIu64, m,
				     e->version, M[m].notified);
			M[m].notified = e->version;
			g_record(m, e->version, e->value, e->len);
			break;
		case MON_EV_LEADER:
			trace("mon.%d leader epoch %" PRIu64 " quorum %x\n", m, e->epoch,
			      e->quorum);
			if (e->epoch >= leader_cap) {
				uint64_t nc = (e->epoch + 1) * 2;

				leader_of = realloc(leader_of, nc * sizeof(*leader_of));
				if (!leader_of)
					abort();
				for (uint64_t k = leader_cap; k < nc; k++)
					leader_of[k] = -1;
				leader_cap = nc;
			}
			if (leader_of[e->epoch] >= 0 && leader_of[e->epoch] != m)
				fail("two leaders in epoch %" PRIu64 ": mon.%d and mon.%d",
				     e->epoch, leader_of[e->epoch], m);
			leader_of[e->epoch] = m;
			break;
		case MON_EV_PEON:
			trace("mon.%d peon of %d epoch %" PRIu64 "\n", m, e->peer, e->epoch);
			break;
		case MON_EV_ELECTING:
			trace("mon.%d electing epoch %" PRIu64 "\n", m, e->epoch);
			break;
		case MON_EV_SYNC_NEEDED:
			trace("mon.%d sync from %d\n", m, e->peer);
			push((struct event){.t = now_t + rnd_range(5, 50),
					    .kind = EV_SYNC,
					    .mon = m,
					    .peer = e->peer,
					    .inc = M[m].inc});
			break;
		default:
			break;
		}
	}
}

static void handle_persists(int m)
{
	struct simmon *s = &M[m];

	/* One output is one write batch (group commit): it completes at once,
	 * after everything queued before it. */
	if (out.n_persists) {
		if (s->persist_free < now_t)
			s->persist_free = now_t;
		s->persist_free += rnd_range(1, P.max_persist);
	}
	for (size_t i = 0; i < out.n_persists; i++) {
		struct mon_persist *p = &out.persists[i];

		if (s->pend_n == s->pend_cap) {
			s->pend_cap = s->pend_cap ? s->pend_cap * 2 : 64;
			s->pend = realloc(s->pend, s->pend_cap * sizeof(*s->pend));
			if (!s->pend)
				abort();
		}
		s->pend[s->pend_n++].p = *p;
		p->value = NULL; /* moved */
		if (i + 1 < out.n_persists)
			continue;
		push((struct event){.t = s->persist_free,
				    .kind = EV_PERSIST,
				    .mon = m,
				    .inc = s->inc,
				    .a = p->seq});
	}
}

static void apply_out(int m)
{
	handle_events(m);
	handle_persists(m);
	for (size_t i = 0; i < out.n_msgs; i++) {
		trace("send %s %d->%d e%" PRIu64 " pn%" PRIx64 " v%" PRIu64 " lc%" PRIu64 "\n",
		      mon_msg_type_name(out.msgs[i].type), out.msgs[i].from, out.msgs[i].to,
		      out.msgs[i].epoch, out.msgs[i].pn, out.msgs[i].version, out.msgs[i].lc);
		send_msg(&out.msgs[i]);
		out.msgs[i].value = NULL; /* moved */
	}
	schedule_tick(m, out.wake_at);
	mon_out_clear(&out);
}

static void check_rc(int m, int rc)
{
	if (rc)
		fail("mon.%d core returned %d", m, rc);
}

/* ---- monitor lifecycle ---- */

static void mon_config_for(struct mon_config *c, int m)
{
	mon_config_default(c, m, P.n);
}

static void start_mon(int m)
{
	struct mon_config c;
	struct simmon *s = &M[m];

	mon_config_for(&c, m);
	s->up = true;
	s->inc++;
	s->notified = s->dur.lc;
	s->tick_at = MON_TIME_NEVER;
	s->persist_free = now_t;
	check_durable(m, "restart");
	check_rc(m, mon_core_create(&c, &s->dur, now_t, &out, &s->core));
	trace("mon.%d start (durable lc %" PRIu64 " epoch %" PRIu64 ")\n", m, s->dur.lc,
	      s->dur.epoch);
	apply_out(m);
}

static void drop_pending(struct simmon *s)
{
	for (size_t i = 0; i < s->pend_n; i++)
		free(s->pend[i].p.value);
	s->pend_n = 0;
}

static void crash_mon(int m)
{
	struct simmon *s = &M[m];

	trace("mon.%d CRASH (lost %zu pending persists)\n", m, s->pend_n);
	mon_core_destroy(s->core);
	s->core = NULL;
	s->up = false;
	s->inc++;
	drop_pending(s);
}

static void on_persist(int m, uint64_t seq)
{
	struct simmon *s = &M[m];
	size_t i = 0;

	while (i < s->pend_n && s->pend[i].p.seq <= seq) {
		struct mon_persist *p = &s->pend[i].p;

		if (p->type == MON_PERSIST_COMMIT && p->version == s->dur.lc + 1)
			s->dur_digest = digest(s->dur_digest, p->value, p->len);
		if (mon_durable_apply(&s->dur, p))
			abort();
		free(p->value);
		i++;
	}
	memmove(s->pend, s->pend + i, (s->pend_n - i) * sizeof(*s->pend));
	s->pend_n -= i;
	check_durable(m, "persist");
	check_rc(m, mon_core_persisted(s->core, now_t, seq, &out));
	apply_out(m);
}

static void on_sync(int m, int src)
{
	struct simmon *s = &M[m], *from = &M[src];
	uint64_t lc = from->dur.lc;

	if (!from->up || !conn[m][src] || lc <= s->dur.lc)
		return;
	trace("mon.%d installs sync from %d at lc %" PRIu64 "\n", m, src, lc);
	mon_durable_install_sync(&s->dur, lc);
	s->dur_digest = from->dur_digest;
	check_durable(m, "sync");
	if (lc > s->notified)
		s->notified = lc;
	check_rc(m, mon_core_sync_installed(s->core, now_t, lc, &out));
	apply_out(m);
	if (mon_core_last_committed(s->core) > s->notified)
		s->notified = mon_core_last_committed(s->core);
}

/* ---- faults and client ---- */

static void heal_all(void)
{
	for (int a = 0; a < P.n; a++)
		for (int b = 0; b < P.n; b++)
			conn[a][b] = true;
}

static void on_net(void)
{
	int side[MON_MAX_MONS];

	if (healing)
		return;
	if (rnd01() < 0.4) {
		heal_all();
		trace("net: healed\n");
	} else {
		for (int a = 0; a < P.n; a++)
			side[a] = (int)(rnd() % 2);
		for (int a = 0; a < P.n; a++)
			for (int b = 0; b < P.n; b++)
				conn[a][b] = side[a] == side[b];
		trace("net: partition\n");
	}
	push((struct event){.t = now_t + rnd_exp(P.partition_mean), .kind = EV_NET});
}

static void on_client(void)
{
	int cand[MON_MAX_MONS], nc = 0, m;
	char buf[48];
	int len;

	for (int i = 0; i < P.n; i++)
		if (M[i].up && mon_core_is_active(M[i].core))
			cand[nc++] = i;
	push((struct event){.t = now_t + P.client_interval, .kind = EV_CLIENT});
	if (!nc)
		return;
	m = cand[rnd() % (uint64_t)nc];
	len = snprintf(buf, sizeof(buf), "%c%" PRIu64, healing ? 'h' : 'c', client_k++);
	if (mon_core_propose(M[m].core, now_t, buf, (size_t)len, &out) == 0)
		trace("client -> mon.%d %s\n", m, buf);
	apply_out(m);
}

static void schedule_crash(int m)
{
	if (P.crash_mean)
		push((struct event){
		    .t = now_t + rnd_exp(P.crash_mean * P.n), .kind = EV_CRASH, .mon = m});
}

/* ---- the step loop ---- */

static void check_reads(void)
{
	for (int m = 0; m < P.n; m++) {
		if (!M[m].up || !mon_core_is_readable(M[m].core, now_t))
			continue;
		if (mon_core_last_committed(M[m].core) < G_max)
			fail("lease: mon.%d readable at lc %" PRIu64 " but %" PRIu64
			     " is committed",
			     m, mon_core_last_committed(M[m].core), G_max);
	}
}

static void step(struct event *ev)
{
	int m = ev->mon;

	st_steps++;
	switch (ev->kind) {
	case EV_DELIVER:
		if (M[m].up && conn[ev->msg.from][m]) {
			trace("recv %s %d->%d\n", mon_msg_type_name(ev->msg.type), ev->msg.from, m);
			check_rc(m, mon_core_receive(M[m].core, now_t, &ev->msg, &out));
			apply_out(m);
		}
		free(ev->msg.value);
		break;
	case EV_TICK:
		if (M[m].up && ev->inc == M[m].inc && ev->t == M[m].tick_at) {
			M[m].tick_at = MON_TIME_NEVER;
			check_rc(m, mon_core_tick(M[m].core, now_t, &out));
			apply_out(m);
		}
		break;
	case EV_PERSIST:
		if (M[m].up && ev->inc == M[m].inc)
			on_persist(m, ev->a);
		break;
	case EV_CRASH:
		if (healing || !M[m].up)
			break;
		crash_mon(m);
		push(
		    (struct event){.t = now_t + rnd_range(20, 1500), .kind = EV_RESTART, .mon = m});
		break;
	case EV_RESTART:
		if (!M[m].up) {
			start_mon(m);
			schedule_crash(m);
		}
		break;
	case EV_NET:
		on_net();
		break;
	case EV_CLIENT:
		on_client();
		break;
	case EV_SYNC:
		if (M[m].up && ev->inc == M[m].inc)
			on_sync(m, ev->peer);
		break;
	}
	check_reads();
}

static void start_heal(void)
{
	bench_versions += G_max;
	healing = true;
	heal_all();
	P.loss = 0;
	P.dup = 0;
	heal_tag_from = client_k;
	for (int m = 0; m < P.n; m++)
		if (!M[m].up)
			start_mon(m);
	trace("HEAL\n");
}

static bool healed(void)
{
	if (!heal_committed)
		return false;
	for (int m = 0; m < P.n; m++)
		if (mon_core_last_committed(M[m].core) < G_max)
			return false;
	return true;
}

static void reset_world(void)
{
	while (heap_n) {
		struct event ev = pop();

		if (ev.kind == EV_DELIVER)
			free(ev.msg.value);
	}
	for (int m = 0; m < P.n; m++) {
		mon_core_destroy(M[m].core);
		drop_pending(&M[m]);
		free(M[m].pend);
		mon_durable_fini(&M[m].dur);
		memset(&M[m], 0, sizeof(M[m]));
	}
	for (uint64_t v = 1; v <= G_max; v++)
		free(G_val[v].data);
	G_max = 0;
	for (uint64_t k = 0; k < leader_cap; k++)
		leader_of[k] = -1;
}

/* Run one seed; returns true if every check held. */
static bool run_seed(uint64_t seed, const struct params *base)
{
	struct params saved = *base;
	mon_time_t end;

	P = *base;
	cur_seed = seed;
	rng_state = seed * 0x2545f4914f6cdd1dull + 1;
	failed = healing = false;
	now_t = 0;
	client_k = items_main = heal_committed = 0;
	print_replay();
	if (!G_cap) {
		G_cap = 1024;
		G_val = calloc(G_cap, sizeof(*G_val));
		G_dig = calloc(G_cap, sizeof(*G_dig));
	}
	G_dig[0] = 0;
	heal_all();
	for (int m = 0; m < P.n; m++) {
		mon_durable_init(&M[m].dur);
		start_mon(m);
		schedule_crash(m);
	}
	if (P.partition_mean)
		push((struct event){.t = rnd_exp(P.partition_mean), .kind = EV_NET});
	push((struct event){.t = 1, .kind = EV_CLIENT});
	end = P.run_ms + P.heal_ms;
	while (heap_n && !failed) {
		struct event ev = pop();

		if (!healing && ev.t >= P.run_ms) {
			now_t = P.run_ms;
			start_heal();
		}
		now_t = ev.t;
		if (now_t > end) {
			fail("liveness: no progress %" PRId64 " ms after healing (G_max %" PRIu64
			     ", heal commits %" PRIu64 ")",
			     P.heal_ms, G_max, heal_committed);
			for (int m = 0; m < P.n; m++)
				fprintf(stderr, "  mon.%d %s epoch %" PRIu64 " lc %" PRIu64 "\n", m,
					mon_core_state_name(M[m].core), mon_core_epoch(M[m].core),
					mon_core_last_committed(M[m].core));
			if (ev.kind == EV_DELIVER)
				free(ev.msg.value);
			break;
		}
		step(&ev);
		if (healing && healed())
			break;
	}
	if (P.trace)
		printf("seed %" PRIu64 " done: %" PRIu64 " versions, %" PRIu64 " changes\n", seed,
		       G_max, items_committed);
	bench_items += items_main;
	reset_world();
	P = saved;
	return !failed;
}

/* ---- main ---- */

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--seeds N] [--start S] [--monitors 3|5] [--loss P] [--dup P]\n"
		"  [--run-ms T] [--heal-ms T] [--crash-mean T|0] [--partition-mean T|0]\n"
		"  [--client-interval T] [--max-delay T] [--max-persist T]\n"
		"  [--trace] [--bench] [--expect-fail]\n",
		prog);
	exit(2);
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--trace")) {
			P.trace = true;
			continue;
		}
		if (!strcmp(a, "--bench")) {
			P.bench = true;
			continue;
		}
		if (!strcmp(a, "--expect-fail")) {
			P.expect_fail = true;
			P.quiet = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--seeds"))
			P.seeds = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--start"))
			P.start = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--monitors"))
			P.n = atoi(v);
		else if (!strcmp(a, "--loss"))
			P.loss = atof(v);
		else if (!strcmp(a, "--dup"))
			P.dup = atof(v);
		else if (!strcmp(a, "--run-ms"))
			P.run_ms = atoll(v);
		else if (!strcmp(a, "--heal-ms"))
			P.heal_ms = atoll(v);
		else if (!strcmp(a, "--crash-mean"))
			P.crash_mean = atoll(v);
		else if (!strcmp(a, "--partition-mean"))
			P.partition_mean = atoll(v);
		else if (!strcmp(a, "--client-interval"))
			P.client_interval = atoll(v);
		else if (!strcmp(a, "--max-delay"))
			P.max_delay = atoll(v);
		else if (!strcmp(a, "--max-persist"))
			P.max_persist = atoll(v);
		else
			usage();
	}
	if (P.n < 1 || P.n > MON_MAX_MONS || P.client_interval < 1 || P.run_ms < 1 ||
	    P.max_delay < 1 || P.max_persist < 1)
		usage();
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	uint64_t failures = 0, s;
	double wall;

	prog = argv[0];
	parse(argc, argv);
	signal(SIGABRT, on_abort);
	mon_out_init(&out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (s = P.start; s < P.start + P.seeds; s++) {
		if (!run_seed(s, &P)) {
			failures++;
			if (P.expect_fail) {
				s++;
				break;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s (mutation %d): %" PRIu64 " seeds, %" PRIu64 " failed, %.2fs, %.0f seeds/s, "
	       "%" PRIu64 " steps, %" PRIu64 " msgs\n",
	       prog, MON_MUTATION, s - P.start, failures, wall, (double)(s - P.start) / wall,
	       st_steps, st_msgs);
	if (P.bench)
		printf("bench: monitors %d loss %g: %.1f values (Paxos proposals) and %.1f changes "
		       "committed per simulated second (%" PRIu64 " values, %" PRIu64
		       " changes over %" PRIu64 " x %.1f s)\n",
		       P.n, P.loss,
		       (double)bench_versions / ((double)(s - P.start) * (double)P.run_ms / 1e3),
		       (double)bench_items / ((double)(s - P.start) * (double)P.run_ms / 1e3),
		       bench_versions, bench_items, s - P.start, (double)P.run_ms / 1e3);
	mon_out_fini(&out);
	if (P.expect_fail) {
		if (failures) {
			printf("mutation %d caught at seed %" PRIu64 "\n", MON_MUTATION, s - 1);
			return 0;
		}
		printf("mutation %d SURVIVED %" PRIu64 " seeds\n", MON_MUTATION, P.seeds);
		return 1;
	}
	return failures ? 1 : 0;
}
