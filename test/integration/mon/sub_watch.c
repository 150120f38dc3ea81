/*
 * sub_watch.c - a minimal osdmap subscriber for the integration tests.
 *
 *   sub_watch CONF TARGET_EPOCH TIMEOUT_S
 *
 * Subscribes to the osdmap from epoch 1 at one monitor of CONF's mon_host
 * (moving to the next one, from where it stopped, when a session closes),
 * and prints each epoch it receives, one per line, until it holds
 * TARGET_EPOCH.  Exits 1 on a gap, a repeat, a decode failure or the
 * timeout.  The test checks the printed list.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/clk.h"
#include "common/msg/msg.h"
#include "common/osdmap.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static uint32_t have;	     /* last epoch received */
static bool closed, failed;
static struct msg_conn *cur;

static void on_msg(void *arg, struct msg_conn *conn, struct msg *m)
{
	const struct msg_osd_map *b = msg_body(m);
	pthread_mutex_lock(&lock);
	/* Only the current session counts; an old one may still deliver. */
	for (uint32_t i = 0; conn == cur && i < b->n && !failed; i++) {
		uint32_t e = b->epochs[i];
		if (b->full[i] && e > have + 1) {
			fprintf(stderr, "full map %u skips epochs after %u\n", e, have);
			failed = true;
		} else if (e <= have) {
			fprintf(stderr, "epoch %u received again (have %u)\n", e, have);
			failed = true;
		} else if (e != have + 1) {
			fprintf(stderr, "gap: epoch %u after %u\n", e, have);
			failed = true;
		} else {
			printf("%u\n", e);
			fflush(stdout);
			have = e;
		}
	}
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	msg_put(m);
}

static void on_closed(void *arg, struct msg_conn *conn)
{
	pthread_mutex_lock(&lock);
	if (conn == cur)
		closed = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static int subscribe(struct msg_messenger *ms, const struct net_addr *a, uint32_t start)
{
	struct msg_conn *c;
	int rc = msg_connect(ms, a, MSG_POLICY_LOSSY, &c);
	if (rc)
		return rc;
	/* Make it current before asking: the answer may come at once. */
	pthread_mutex_lock(&lock);
	struct msg_conn *old = cur;
	cur = c;
	closed = false;
	pthread_mutex_unlock(&lock);
	if (old) {
		msg_conn_close(old);
		msg_conn_put(old);
	}
	struct msg *m = msg_create(MSG_MON_SUBSCRIBE);
	struct msg_mon_subscribe *b = msg_body(m);
	b->what = MSG_SUB_OSDMAP;
	b->start = start;
	rc = msg_send(c, m);
	if (rc)
		msg_put(m);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: sub_watch CONF TARGET_EPOCH TIMEOUT_S\n");
		return 2;
	}
	uint32_t target = (uint32_t)atoi(argv[2]);
	uint64_t deadline = clk_mono_ns() + (uint64_t)atoi(argv[3]) * CLK_NS_PER_SEC;
	struct ent_name name;
	ent_name_make(ENT_TYPE_CLIENT, "watch", &name);
	struct cfg *c = cfg_create(&name);
	char err[256];
	if (cfg_parse_file(c, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	struct net_addr *mons;
	size_t n;
	struct msg_messenger *ms;
	if (cfg_addrs(c, CFG_mon_host, &mons, &n) != 0 || n == 0 ||
	    msg_messenger_create(c, &name, &ms) != 0)
		return 2;
	msg_register(ms, MSG_OSD_MAP, on_msg, NULL, MSG_DISPATCH_LOOP);
	struct msg_conn_ops ops = {.closed = on_closed};
	msg_set_conn_ops(ms, &ops, NULL);
	msg_start(ms);
	size_t mon = 0;
	subscribe(ms, &mons[mon], 1);
	int rc = 0;
	pthread_mutex_lock(&lock);
	uint64_t last_change = clk_mono_ns();
	uint32_t last_have = 0;
	while (have < target && !failed) {
		if (clk_mono_ns() >= deadline) {
			fprintf(stderr, "timed out at epoch %u\n", have);
			rc = 1;
			break;
		}
		if (have != last_have) {
			last_have = have;
			last_change = clk_mono_ns();
		}
		/* A closed session, or one silent for 2 s (its monitor lost quorum): next monitor. */
		if (closed || clk_mono_ns() - last_change > 2 * CLK_NS_PER_SEC) {
			mon = (mon + 1) % n;
			uint32_t start = have + 1;
			last_change = clk_mono_ns();
			pthread_mutex_unlock(&lock);
			subscribe(ms, &mons[mon], start);
			pthread_mutex_lock(&lock);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&cond, &lock, &ts);
	}
	if (failed)
		rc = 1;
	if (cur)
		msg_conn_put(cur);
	cur = NULL;
	pthread_mutex_unlock(&lock);
	msg_stop(ms);
	msg_messenger_destroy(ms);
	free(mons);
	cfg_destroy(c);
	return rc;
}
