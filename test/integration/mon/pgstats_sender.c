/*
 * pgstats_sender.c - a fake OSD for the monitor's PG stats tests.
 *
 *   pgstats_sender -c CONF -i ID --uuid UUID [--state STATE] [--objects N]
 *                  [--bytes N] [--kb-total N] [--kb-used N] [--interval-ms MS]
 *                  [--no-boot]
 *   pgstats_sender --hash NAME [NSPACE]
 *
 * The first form acts as osd.ID (created beforehand with `cairn osd
 * create UUID ID`): it binds a port, subscribes to the osdmap at one
 * monitor (moving to the next when the session closes), boots (sends
 * MSG_OSD_BOOT again each second until the map shows it up), and then
 * every MS milliseconds (default 500) sends MSG_PG_STATS to every monitor
 * (once the map shows it up, as an OSD does; at once with --no-boot)
 * for the PGs it is the acting primary of in its newest map, each with
 * STATE (default active+clean), N objects and N bytes, plus its store
 * size.  It prints "up eE" once the map shows it up, and runs until
 * killed.  --no-boot skips booting (to check that reports from an OSD
 * that is not up are dropped).
 *
 * The second form prints the placement hash of an object (8 hex digits),
 * for checking `osd map`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cfg.h"
#include "common/clk.h"
#include "common/msg/msg.h"
#include "common/osdmap.h"
#include "common/uuid.h"
#include "mon/mon_pgstats.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct osdmap *map;   /* newest map; under lock */
static struct msg_conn *cur; /* the subscription session; under lock */
static bool closed;

static struct {
	int32_t id;
	uint8_t uuid[16];
	uint32_t state;
	uint64_t objects, bytes, kb_total, kb_used;
	uint64_t interval_ms;
	bool boot;
} o = {.objects = 0, .kb_total = 10 << 20, .kb_used = 1 << 20, .interval_ms = 500, .boot = true};

/* Apply the maps of one MSG_OSD_MAP (full maps and incrementals in the data). */
static void on_map(void *arg, struct msg_conn *conn, struct msg *m)
{
	const struct msg_osd_map *b = msg_body(m);
	uint8_t *data = NULL;
	size_t len = buflist_length(msg_data(m)), off = 0;
	char err[128];
	if (len && buflist_contiguous(msg_data(m), &data) != 0)
		goto out;
	pthread_mutex_lock(&lock);
	for (uint32_t i = 0; i < b->n && b->lens[i] <= len - off; off += b->lens[i], i++) {
		const uint8_t *p = data + off;
		struct osdmap *n = NULL;
		uint32_t have = map ? osdmap_epoch(map) : 0;
		if (b->epochs[i] <= have)
			continue;
		if (b->full[i]) {
			if (osdmap_decode(p, b->lens[i], &n, err, sizeof(err)) != 0)
				fprintf(stderr, "bad full map %u: %s\n", b->epochs[i], err);
		} else if (map && b->epochs[i] == have + 1) {
			struct osdmap_inc inc;
			if (osdmap_inc_decode(p, b->lens[i], &inc, err, sizeof(err)) == 0) {
				if (osdmap_apply(map, &inc, &n, err, sizeof(err)) != 0)
					n = NULL;
				osdmap_inc_fini(&inc);
			}
			if (!n)
				fprintf(stderr, "incremental %u: %s\n", b->epochs[i], err);
		}
		if (n) {
			osdmap_destroy(map);
			map = n;
		}
	}
	pthread_mutex_unlock(&lock);
out:
	msg_put(m);
}

static void on_closed(void *arg, struct msg_conn *conn)
{
	pthread_mutex_lock(&lock);
	if (conn == cur)
		closed = true;
	pthread_mutex_unlock(&lock);
}

static void send_or_drop(struct msg_conn *c, struct msg *m)
{
	if (!c || msg_send(c, m) != 0)
		msg_put(m);
}

/* (Re)open the session to monitor @mon and subscribe from the epoch after ours. */
static void hunt(struct msg_messenger *ms, const struct net_addr *mon)
{
	struct msg_conn *c = NULL;
	if (msg_connect(ms, mon, MSG_POLICY_LOSSY, &c) != 0)
		return;
	pthread_mutex_lock(&lock);
	struct msg_conn *old = cur;
	cur = c;
	closed = false;
	uint32_t start = map ? osdmap_epoch(map) + 1 : 0; /* 0: the current map, whole */
	pthread_mutex_unlock(&lock);
	if (old) {
		msg_conn_close(old);
		msg_conn_put(old);
	}
	struct msg *m = msg_create(MSG_MON_SUBSCRIBE);
	if (!m)
		return;
	struct msg_mon_subscribe *b = msg_body(m);
	b->what = MSG_SUB_OSDMAP;
	b->start = start;
	send_or_drop(c, m);
}

static void send_boot(const struct net_addr *me)
{
	struct msg *m = msg_create(MSG_OSD_BOOT);
	if (!m)
		return;
	struct msg_osd_boot *b = msg_body(m);
	b->osd = o.id;
	memcpy(b->uuid, o.uuid, 16);
	addr_format(me, b->addr, sizeof(b->addr));
	snprintf(b->host, sizeof(b->host), "fakehost%d", o.id);
	b->capacity = o.kb_total << 10;
	pthread_mutex_lock(&lock);
	b->epoch = map ? osdmap_epoch(map) : 0;
	struct msg_conn *c = cur ? msg_conn_get(cur) : NULL;
	pthread_mutex_unlock(&lock);
	send_or_drop(c, m);
	msg_conn_put(c);
}

/* One report of the PGs we are the acting primary of, to each monitor. */
static void send_stats(struct msg_conn **mons, size_t n)
{
	pthread_mutex_lock(&lock);
	if (!map) {
		pthread_mutex_unlock(&lock);
		return;
	}
	struct msg_pg_stats st = {.osd = o.id, .epoch = osdmap_epoch(map)};
	uint32_t cnt = 0;
	for (int pass = 0; pass < 2; pass++) {
		uint32_t k = 0;
		for (size_t i = 0; i < osdmap_pool_count(map); i++) {
			const struct osdmap_pool *p = osdmap_pool_at(map, i);
			for (uint32_t s = 0; s < p->pg_num; s++) {
				struct osdmap_pg pg = {p->id, s};
				struct osdmap_placement pl;
				if (osdmap_pg_to_osds(map, &pg, &pl) != 0 ||
				    pl.acting_primary != o.id)
					continue;
				if (pass == 1) {
					st.pool[k] = p->id;
					st.seed[k] = s;
					st.state[k] = o.state;
					st.objects[k] = o.objects;
					st.bytes[k] = o.bytes;
					st.interval[k] = osdmap_epoch(map);
				}
				k++;
			}
		}
		if (pass == 0 && msg_pg_stats_alloc(&st, cnt = k) != 0) {
			pthread_mutex_unlock(&lock);
			return;
		}
	}
	pthread_mutex_unlock(&lock);
	st.kb_total = o.kb_total;
	st.kb_used = o.kb_used;
	for (size_t i = 0; i < n; i++) {
		struct msg *m = msg_create(MSG_PG_STATS);
		if (!m)
			break;
		struct msg_pg_stats *b = msg_body(m);
		*b = st;
		if (msg_pg_stats_alloc(b, cnt) != 0) {
			msg_put(m);
			break;
		}
		memcpy(b->pool, st.pool, cnt * sizeof(*b->pool));
		memcpy(b->seed, st.seed, cnt * sizeof(*b->seed));
		memcpy(b->state, st.state, cnt * sizeof(*b->state));
		memcpy(b->objects, st.objects, cnt * sizeof(*b->objects));
		memcpy(b->bytes, st.bytes, cnt * sizeof(*b->bytes));
		memcpy(b->interval, st.interval, cnt * sizeof(*b->interval));
		send_or_drop(mons[i], m);
	}
	free(st.pool);
	free(st.seed);
	free(st.state);
	free(st.objects);
	free(st.bytes);
	free(st.interval);
}

static bool am_up(void)
{
	pthread_mutex_lock(&lock);
	bool up =
	    map && osdmap_is_up(map, o.id) && memcmp(osdmap_osd(map, o.id)->uuid, o.uuid, 16) == 0;
	pthread_mutex_unlock(&lock);
	return up;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: pgstats_sender -c CONF -i ID --uuid UUID [--state STATE] "
			"[--objects N] [--bytes N] [--kb-total N] [--kb-used N] "
			"[--interval-ms MS] [--no-boot]\n"
			"       pgstats_sender --hash NAME [NSPACE]\n");
	return 2;
}

static int parse_args(int argc, char **argv, const char **conf)
{
	const char *state = "active+clean";
	bool have_id = false, have_uuid = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-boot")) {
			o.boot = false;
			continue;
		}
		if (!v)
			return -EINVAL;
		i++;
		if (!strcmp(a, "-c"))
			*conf = v;
		else if (!strcmp(a, "-i"))
			o.id = atoi(v), have_id = true;
		else if (!strcmp(a, "--uuid"))
			have_uuid = uuid_parse(v, o.uuid) == 0;
		else if (!strcmp(a, "--state"))
			state = v;
		else if (!strcmp(a, "--objects"))
			o.objects = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--bytes"))
			o.bytes = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--kb-total"))
			o.kb_total = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--kb-used"))
			o.kb_used = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--interval-ms"))
			o.interval_ms = strtoull(v, NULL, 10);
		else
			return -EINVAL;
	}
	o.state = mon_pgstats_state_parse(state);
	return *conf && have_id && have_uuid && o.state && o.interval_ms ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--hash")) {
		uint32_t h;
		if (osdmap_object_hash(argc > 3 ? argv[3] : "", argv[2], NULL, &h) != 0)
			return 1;
		printf("%08x\n", h);
		return 0;
	}
	const char *conf = NULL;
	if (parse_args(argc, argv, &conf) != 0)
		return usage();
	char id[16], err[256];
	snprintf(id, sizeof(id), "%d", o.id);
	struct ent_name name;
	ent_name_make(ENT_TYPE_OSD, id, &name);
	struct cfg *c = cfg_create(&name);
	if (!c || cfg_parse_file(c, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", c ? err : "out of memory");
		return 2;
	}
	struct net_addr *mons, me;
	size_t n;
	struct msg_messenger *ms;
	if (cfg_addrs(c, CFG_mon_host, &mons, &n) != 0 || n == 0 ||
	    msg_messenger_create(c, &name, &ms) != 0)
		return 2;
	addr_parse("127.0.0.1:0", 0, &me);
	msg_register(ms, MSG_OSD_MAP, on_map, NULL, MSG_DISPATCH_LOOP);
	struct msg_conn_ops ops = {.closed = on_closed};
	msg_set_conn_ops(ms, &ops, NULL);
	if (msg_bind(ms, &me) != 0 || msg_bound_addr(ms, &me) != 0 || msg_start(ms) != 0) {
		fprintf(stderr, "cannot start the messenger\n");
		return 2;
	}
	struct msg_conn **stat_conns = calloc(n, sizeof(*stat_conns));
	if (!stat_conns)
		return 2;
	size_t mon = 0;
	hunt(ms, &mons[mon]);
	bool said_up = false;
	uint64_t last_boot = 0, last_stats = 0;
	for (;;) {
		uint64_t now = clk_mono_ns() / CLK_NS_PER_MS;
		pthread_mutex_lock(&lock);
		bool lost = closed;
		pthread_mutex_unlock(&lock);
		if (lost) {
			mon = (mon + 1) % n;
			hunt(ms, &mons[mon]);
		}
		bool up = am_up();
		if (o.boot && !up && now - last_boot >= 1000) {
			send_boot(&me);
			last_boot = now;
		}
		if (up && !said_up) {
			pthread_mutex_lock(&lock);
			printf("up e%u\n", osdmap_epoch(map));
			pthread_mutex_unlock(&lock);
			fflush(stdout);
			said_up = true;
		}
		/* As a real OSD, report once booted; --no-boot reports regardless. */
		if ((up || !o.boot) && now - last_stats >= o.interval_ms) {
			for (size_t i = 0; i < n; i++) {
				if (stat_conns[i] && msg_conn_is_closed(stat_conns[i])) {
					msg_conn_put(stat_conns[i]);
					stat_conns[i] = NULL;
				}
				if (!stat_conns[i] && msg_connect(ms, &mons[i], MSG_POLICY_LOSSY,
								  &stat_conns[i]) != 0)
					stat_conns[i] = NULL;
			}
			send_stats(stat_conns, n);
			last_stats = now;
		}
		sleep_ms(50);
	}
}
