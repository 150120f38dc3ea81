/*
 * capi_stress.c - many threads on one cluster handle and one io context
 * while the OSD map changes under them.
 *
 * ST_THREADS threads share one rados_t and one rados_ioctx_t.  Each keeps
 * up to ST_DEPTH aio ops in flight (a semaphore of ST_DEPTH permits, given
 * back by the completion callback) over its own ST_OBJS objects, in
 * rounds: write_full + append (back to back, so per-object ordering is
 * exercised), then a read of each object checked against what the round
 * wrote.  Write completions are released inside their callback, as
 * python3-rados does; read completions by the thread.
 *
 * Meanwhile the main thread changes the OSD map through rados_mon_command:
 * osd.2 out and back in (PGs lose and regain a member, primaries move),
 * then the pool's size 3 -> 2 -> 3, each time waiting until the workers
 * made progress, so a stuck op shows up as a timeout here.
 *
 * Afterwards every op must have had exactly one callback, with the result
 * it should have (the complete flag set before the callback ran), and
 * every object reads back as its last round wrote it.  Failures are
 * reported by kind (enum st_failure): the first four are the library's
 * contract, the last (data) also needs the OSDs to keep acknowledged
 * writes, in order, across interval changes.
 *
 * Threads never call ck_assert (a failing assertion outside the test's own
 * thread is not safe with Check); they count failures and keep the first
 * message, and the main thread asserts.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capi.h"

#define ST_THREADS    8
#define ST_OBJS	      16
#define ST_DEPTH      6
#define ST_MIN_ROUNDS 3
#define ST_MAX_LEN    (4096 + 256)

enum st_kind { ST_WRITE_FULL, ST_APPEND, ST_READ };

struct st_thread;

/* One aio op; lives until the end of the test (callbacks may still touch it). */
struct st_op {
	struct st_thread *t;
	enum st_kind kind;
	int obj, round;
	int expect;	      /* the result it must complete with */
	rados_completion_t c; /* reads only (writes release theirs in the callback) */
	char *buf;	      /* reads: where the data goes */
	atomic_int calls;
	atomic_int rv;
	atomic_int complete_seen;
};

/* What can go wrong, by kind: the first four are the library's contract. */
enum st_failure {
	ST_F_SUBMIT,	   /* an aio call refused the op */
	ST_F_CALLBACKS,	   /* not exactly one callback */
	ST_F_NOT_COMPLETE, /* rados_aio_is_complete() was 0 inside the callback */
	ST_F_RESULT,	   /* a write completed with an error */
	ST_F_DATA,	   /* a read returned other bytes than the round acknowledged */
	ST_F__COUNT
};

static const char *const st_failure_names[ST_F__COUNT] = {
    "aio submissions refused",
    "ops without exactly one callback",
    "callbacks that saw rados_aio_is_complete() == 0",
    "writes completed with an error",
    "reads that returned other data than the acknowledged writes",
};

struct st_thread {
	int id;
	pthread_t th;
	sem_t slots;
	struct st_op **ops;
	size_t nops, cap;
	int rounds; /* completed */
	int failures;
	int fails[ST_F__COUNT];
	char first[ST_F__COUNT][160];
};

static rados_ioctx_t st_io;
static atomic_int st_stop;
static atomic_long st_callbacks, st_submitted;

__attribute__((format(printf, 3, 4))) static void st_fail(struct st_thread *t, enum st_failure kind,
							  const char *fmt, ...)
{
	t->failures++;
	if (t->fails[kind]++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(t->first[kind], sizeof(t->first[kind]), fmt, ap);
		va_end(ap);
	}
}

/* The data round @round writes to object @obj of thread @tid: part 0 written, part 1 appended. */
static size_t st_part(int tid, int obj, int round, int part, char *out)
{
	size_t len = part == 0 ? 64 + (size_t)((obj * 37 + round * 101 + tid * 13) % 4000)
			       : 1 + (size_t)((obj * 7 + round * 11 + tid) % 200);
	for (size_t i = 0; i < len; i++)
		out[i] = (char)((tid * 31 + obj * 7 + round * 3 + part * 89 + (int)i) & 0xff);
	return len;
}

static size_t st_content(int tid, int obj, int round, char *out)
{
	size_t a = st_part(tid, obj, round, 0, out);
	return a + st_part(tid, obj, round, 1, out + a);
}

static void st_callback(rados_completion_t c, void *arg)
{
	struct st_op *op = arg;
	atomic_store(&op->complete_seen, rados_aio_is_complete(c));
	atomic_store(&op->rv, rados_aio_get_return_value(c));
	atomic_fetch_add(&op->calls, 1);
	atomic_fetch_add(&st_callbacks, 1);
	struct st_thread *t = op->t;
	if (op->kind != ST_READ)
		rados_aio_release(c); /* python3-rados' way: inside the callback */
	sem_post(&t->slots);
}

static void st_submit(struct st_thread *t, enum st_kind kind, int obj, int round)
{
	char name[48], data[ST_MAX_LEN];
	snprintf(name, sizeof(name), "stress.%d.%d", t->id, obj);
	struct st_op *op = calloc(1, sizeof(*op));
	if (!op) {
		st_fail(t, ST_F_SUBMIT, "out of memory (obj %d round %d)", obj, round);
		return;
	}
	op->t = t;
	op->kind = kind;
	op->obj = obj;
	op->round = round;
	atomic_init(&op->rv, 1);
	if (t->nops == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->ops = realloc(t->ops, t->cap * sizeof(*t->ops));
	}
	t->ops[t->nops++] = op;

	sem_wait(&t->slots);
	rados_completion_t c;
	int rc = rados_aio_create_completion2(op, st_callback, &c);
	if (rc) {
		st_fail(t, ST_F_SUBMIT, "create_completion2: %d (obj %d round %d)", rc, obj, round);
		sem_post(&t->slots);
		return;
	}
	size_t a;
	switch (kind) {
	case ST_WRITE_FULL:
		a = st_part(t->id, obj, round, 0, data);
		rc = rados_aio_write_full(st_io, name, c, data, a);
		break;
	case ST_APPEND:
		a = st_part(t->id, obj, round, 1, data);
		rc = rados_aio_append(st_io, name, c, data, a);
		break;
	case ST_READ:
		op->expect = (int)st_content(t->id, obj, round, data);
		op->buf = malloc(ST_MAX_LEN);
		op->c = c;
		rc = op->buf ? rados_aio_read(st_io, name, c, op->buf, ST_MAX_LEN, 0) : -ENOMEM;
		break;
	}
	atomic_fetch_add(&st_submitted, 1);
	if (rc) {
		st_fail(t, ST_F_SUBMIT, "aio submit kind %d: %d (obj %d)", kind, rc, obj);
		/* No callback will come: count it as its own (so the totals still match). */
		atomic_fetch_add(&op->calls, 1);
		atomic_fetch_add(&st_callbacks, 1);
		atomic_store(&op->rv, op->expect);
		atomic_store(&op->complete_seen, 1);
		op->c = NULL;
		rados_aio_release(c);
		sem_post(&t->slots);
	}
}

/* Wait until every op submitted so far called back (all permits are home). */
static void st_drain(struct st_thread *t)
{
	for (int i = 0; i < ST_DEPTH; i++)
		sem_wait(&t->slots);
	for (int i = 0; i < ST_DEPTH; i++)
		sem_post(&t->slots);
}

/* Check the ops of the phase that starts at index @from. */
static void st_check(struct st_thread *t, size_t from)
{
	char want[ST_MAX_LEN];
	for (size_t i = from; i < t->nops; i++) {
		struct st_op *op = t->ops[i];
		if (op->c) {
			rados_aio_wait_for_complete_and_cb(op->c);
			rados_aio_release(op->c);
			op->c = NULL;
		}
		int rv = atomic_load(&op->rv);
		if (atomic_load(&op->calls) != 1)
			st_fail(t, ST_F_CALLBACKS, "stress.%d.%d round %d kind %d: %d callbacks",
				t->id, op->obj, op->round, op->kind, atomic_load(&op->calls));
		else if (!atomic_load(&op->complete_seen))
			st_fail(t, ST_F_NOT_COMPLETE, "stress.%d.%d round %d kind %d", t->id,
				op->obj, op->round, op->kind);
		else if (op->kind != ST_READ && rv != op->expect)
			st_fail(t, ST_F_RESULT, "stress.%d.%d round %d kind %d: result %d", t->id,
				op->obj, op->round, op->kind, rv);
		else if (op->kind == ST_READ &&
			 (rv != op->expect ||
			  st_content(t->id, op->obj, op->round, want) != (size_t)rv ||
			  memcmp(want, op->buf, (size_t)rv) != 0))
			st_fail(t, ST_F_DATA,
				"stress.%d.%d round %d: read %d bytes, wrote %d (or other bytes)",
				t->id, op->obj, op->round, rv, op->expect);
		free(op->buf);
		op->buf = NULL;
	}
}

static void *st_worker(void *arg)
{
	struct st_thread *t = arg;
	for (int round = 0; round < ST_MIN_ROUNDS || !atomic_load(&st_stop); round++) {
		size_t from = t->nops;
		for (int obj = 0; obj < ST_OBJS; obj++) {
			st_submit(t, ST_WRITE_FULL, obj, round);
			st_submit(t, ST_APPEND, obj, round);
		}
		st_drain(t);
		for (int obj = 0; obj < ST_OBJS; obj++)
			st_submit(t, ST_READ, obj, round);
		st_drain(t);
		st_check(t, from);
		t->rounds = round + 1;
		if (t->failures > 20)
			break;
	}
	return NULL;
}

/* Wait until the workers completed @n more ops; fails if they stall for 30 s. */
static void st_wait_progress(long n)
{
	long target = atomic_load(&st_callbacks) + n;
	uint64_t until = capi_now_ms() + 30000;
	long last = -1;
	while (atomic_load(&st_callbacks) < target) {
		long now = atomic_load(&st_callbacks);
		if (now != last) {
			last = now;
			until = capi_now_ms() + 30000;
		}
		ck_assert_msg(capi_now_ms() < until,
			      "no aio op completed for 30 s (%ld of %ld submitted done)", now,
			      atomic_load(&st_submitted));
		usleep(2000);
	}
}

static void st_mon(rados_t c, const char *json)
{
	char *outs;
	int rc = capi_mon_cmd(c, json, &outs);
	ck_assert_msg(rc == 0, "%s: %d (%s)", json, rc, outs);
	free(outs);
}

START_TEST(test_stress_map_change)
{
	rados_t cl = capi_connect();
	ck_assert_int_eq(rados_ioctx_create(cl, CAPI_POOL, &st_io), 0);
	atomic_store(&st_stop, 0);
	atomic_store(&st_callbacks, 0);
	atomic_store(&st_submitted, 0);
	static struct st_thread th[ST_THREADS];
	for (int i = 0; i < ST_THREADS; i++) {
		memset(&th[i], 0, sizeof(th[i]));
		th[i].id = i;
		ck_assert_int_eq(sem_init(&th[i].slots, 0, ST_DEPTH), 0);
		ck_assert_int_eq(pthread_create(&th[i].th, NULL, st_worker, &th[i]), 0);
	}

	/* The map changes, each under load. */
	const long step = ST_THREADS * ST_OBJS;
	st_wait_progress(step);
	st_mon(cl, "{\"prefix\": \"osd out\", \"ids\": [\"2\"]}");
	st_wait_progress(2 * step);
	st_mon(cl, "{\"prefix\": \"osd in\", \"ids\": [\"2\"]}");
	st_wait_progress(2 * step);
	st_mon(cl, "{\"prefix\": \"osd pool set\", \"pool\": \"rbd\", \"var\": \"size\", "
		   "\"val\": \"2\"}");
	st_wait_progress(2 * step);
	st_mon(cl, "{\"prefix\": \"osd pool set\", \"pool\": \"rbd\", \"var\": \"size\", "
		   "\"val\": \"3\"}");
	st_wait_progress(2 * step);
	ck_assert_int_eq(rados_wait_for_latest_osdmap(cl), 0);
	atomic_store(&st_stop, 1);

	long ops = 0;
	for (int i = 0; i < ST_THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i].th, NULL), 0);
		ops += (long)th[i].nops;
	}
	/* Every op called back exactly once (checked per op by the workers, and in total). */
	ck_assert_int_eq(atomic_load(&st_submitted), ops);
	ck_assert_int_eq(atomic_load(&st_callbacks), ops);
	/* The library's contract first, then the data. */
	for (int k = 0; k < ST_F__COUNT; k++) {
		int n = 0;
		const char *first = NULL;
		for (int i = 0; i < ST_THREADS; i++) {
			n += th[i].fails[k];
			if (!first && th[i].fails[k])
				first = th[i].first[k];
		}
		ck_assert_msg(n == 0, "%d %s (of %ld ops); first: %s", n, st_failure_names[k], ops,
			      first);
	}

	/* Every object holds what its last round wrote. */
	char want[ST_MAX_LEN], name[48];
	for (int i = 0; i < ST_THREADS; i++) {
		ck_assert_int_ge(th[i].rounds, ST_MIN_ROUNDS);
		for (int obj = 0; obj < ST_OBJS; obj++) {
			size_t n = st_content(i, obj, th[i].rounds - 1, want);
			snprintf(name, sizeof(name), "stress.%d.%d", i, obj);
			capi_assert_content(st_io, name, want, n);
		}
	}
	rados_ioctx_destroy(st_io);
	rados_shutdown(cl);

	/* No callback after shutdown either: the totals did not move. */
	ck_assert_int_eq(atomic_load(&st_callbacks), ops);
	for (int i = 0; i < ST_THREADS; i++) {
		for (size_t k = 0; k < th[i].nops; k++) {
			ck_assert_int_eq(atomic_load(&th[i].ops[k]->calls), 1);
			free(th[i].ops[k]);
		}
		free(th[i].ops);
		sem_destroy(&th[i].slots);
	}
}
END_TEST

void capi_add_stress_tcases(Suite *s)
{
	TCase *tc = tcase_create("stress");
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, test_stress_map_change);
	suite_add_tcase(s, tc);
}
