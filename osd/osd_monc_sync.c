/*
 * osd_monc_sync.c - one blocking monitor command, for `cairn-osd --mkfs`
 * (before the daemon's loop exists).  Tries each monitor in turn until
 * one answers or the deadline passes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clk.h"
#include "monmap.h"
#include "osd_int.h"

#define TRY_NS (3000 * CLK_NS_PER_MS)
#define TOTAL_NS (30000 * CLK_NS_PER_MS)
#define RETRY_PAUSE_NS (200 * CLK_NS_PER_MS)

struct sync_cmd {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int result;
	struct buf *out;
	char status[256];
};

static void on_reply(void *arg, struct msg_conn *conn, struct msg *m)
{
	struct sync_cmd *s = arg;
	(void)conn;
	const struct msg_mon_command_reply *b = msg_body(m);
	pthread_mutex_lock(&s->lock);
	if (!s->done) {
		s->done = true;
		s->result = b->result;
		snprintf(s->status, sizeof(s->status), "%s", b->status ? b->status : "");
		uint8_t *p = NULL;
		size_t len = buflist_length(msg_data(m));
		if (len && buflist_contiguous(msg_data(m), &p) == 0)
			buf_append(s->out, p, len);
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	msg_put(m);
}

static bool wait_reply(struct sync_cmd *s, uint64_t until)
{
	pthread_mutex_lock(&s->lock);
	while (!s->done && clk_mono_ns() < until) {
		uint64_t left = until - clk_mono_ns();
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + (left < TRY_NS ? left : TRY_NS);
		ts.tv_sec += (time_t)(ns / CLK_NS_PER_SEC);
		ts.tv_nsec = (long)(ns % CLK_NS_PER_SEC);
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
	bool done = s->done;
	pthread_mutex_unlock(&s->lock);
	return done;
}

int osd_monc_command_sync(struct cfg *cfg, const char *cmd, struct buf *out, char *err,
			  size_t errlen)
{
	uint8_t fsid[16] = {0};
	struct monmap mm;
	int rc = monmap_from_cfg(cfg, fsid, &mm, err, errlen);
	if (rc)
		return rc;
	struct ent_name name;
	ent_name_make(ENT_TYPE_CLIENT, "osd-mkfs", &name);
	struct msg_messenger *ms;
	rc = msg_messenger_create(cfg, &name, &ms);
	if (rc) {
		snprintf(err, errlen, "cannot create a messenger: %s", strerror(-rc));
		return rc;
	}
	struct sync_cmd s = {.out = out};
	pthread_mutex_init(&s.lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s.cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = msg_register(ms, MSG_MON_COMMAND_REPLY, on_reply, &s, MSG_DISPATCH_LOOP);
	if (!rc)
		rc = msg_start(ms);
	uint64_t deadline = clk_mono_ns() + TOTAL_NS;
	for (uint32_t i = 0; !rc && !s.done && clk_mono_ns() < deadline; i++) {
		struct msg_conn *c;
		if (msg_connect(ms, &mm.mons[i % mm.n].addr, MSG_POLICY_LOSSY, &c) != 0)
			continue;
		struct msg *m = msg_create(MSG_MON_COMMAND);
		if (m) {
			struct msg_mon_command *b = msg_body(m);
			b->tid = i + 1;
			b->cmd = strdup(cmd);
			if (!b->cmd || msg_send(c, m) != 0)
				msg_put(m);
		}
		if (wait_reply(&s, clk_mono_ns() + TRY_NS) && s.result == -EAGAIN) {
			/* No quorum yet: ask again after a pause (nothing else will wake us). */
			s.done = false;
			buf_reset(out);
			wait_reply(&s, clk_mono_ns() + RETRY_PAUSE_NS);
		}
		msg_conn_close(c);
		msg_conn_put(c);
	}
	msg_stop(ms);
	msg_messenger_destroy(ms);
	if (!rc && !s.done) {
		snprintf(err, errlen, "no monitor answered within %llu s",
			 (unsigned long long)(TOTAL_NS / 1000000000ULL));
		rc = -ETIMEDOUT;
	} else if (!rc && s.result) {
		snprintf(err, errlen, "the monitors refused '%s': %s (%s)", cmd, s.status,
			 strerror(-s.result));
		rc = s.result;
	}
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.cond);
	return rc;
}
