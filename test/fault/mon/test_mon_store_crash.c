/*
 * test_mon_store_crash.c - SIGKILL the monitor store mid-write, repeatedly.
 *
 * A child process opens the store and applies batch after batch; batch b
 * commits Paxos version b and, in the same mon_store_apply() call, writes
 * service keys derived from it (an ack key, a "last" pointer, four keys
 * that replace the previous batch's four, a trim every 7th batch).  After
 * each call returns 0 the child writes b to a pipe.  The parent kills the
 * child with SIGKILL at a random moment (sometimes before it has even
 * finished opening the store), reopens the store and checks:
 *
 *   - every batch the child acknowledged is there (durability);
 *   - the consensus image and the service keys agree on one last batch L
 *     and hold exactly batches 1..L: nothing of L+1 is visible (atomicity);
 *   - the image is exactly what mon_durable_apply() gives for 1..L.
 *
 * Then the next child resumes from L + 1.  SIGKILL keeps the page cache,
 * so this tests atomicity and recovery, not power loss (see
 * doc/mon_store.md for why sync=1 covers that).
 *
 * Usage: test_mon_store_crash [rounds] [seed]; exits 0 on success.
 */
#include "mon_store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/enc.h"
#include "common/log.h"

#define MULTI 4
#define VMAX  2048

static const uint8_t FSID[16] = {0xc4, 0x1e, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The value of batch b: deterministic, 8..VMAX bytes, starting with b. */
static size_t value_of(uint64_t b, uint8_t *out)
{
	size_t len = 8 + (size_t)(mix(b) % (VMAX - 8));

	enc_put_le64(out, b);
	for (size_t i = 8; i < len; i++)
		out[i] = (uint8_t)mix(b * 7919 + i);
	return len;
}

static void multi_key(uint64_t b, int j, uint8_t out[8])
{
	mon_store_u64_key(b * MULTI + (uint64_t)j, out);
}

/* fc after batches 1..L: batch b (b % 7 == 0) trims below b - 20. */
static uint64_t expected_fc(uint64_t L)
{
	uint64_t fc = 1;

	for (uint64_t b = 1; b <= L; b++)
		if (b % 7 == 0 && b > 21)
			fc = b - 20;
	return fc;
}

/* ---- the child ---- */

static int build_batch(uint64_t b, struct mon_persist *p, size_t *n, struct mon_store_tx *tx,
		       uint8_t *v, uint8_t *v_next)
{
	size_t len = value_of(b, v), len_next = value_of(b + 1, v_next);
	uint8_t k[8];
	size_t i = 0;
	int rc = 0;

	p[i++] = (struct mon_persist){.type = MON_PERSIST_EPOCH, .epoch = b};
	p[i++] = (struct mon_persist){.type = MON_PERSIST_PROMISE, .pn = b << 8};
	p[i++] = (struct mon_persist){
	    .type = MON_PERSIST_ACCEPT, .pn = b << 8, .version = b, .value = v, .len = len};
	p[i++] =
	    (struct mon_persist){.type = MON_PERSIST_COMMIT, .version = b, .value = v, .len = len};
	if (b % 7 == 0 && b > 21)
		p[i++] = (struct mon_persist){.type = MON_PERSIST_TRIM, .version = b - 20};
	/* Left uncommitted: the next batch's COMMIT clears it. */
	p[i++] = (struct mon_persist){.type = MON_PERSIST_ACCEPT,
				      .pn = (b + 1) << 8,
				      .version = b + 1,
				      .value = v_next,
				      .len = len_next};
	for (size_t j = 0; j < i; j++)
		p[j].seq = b * 8 + j;
	*n = i;

	mon_store_tx_reset(tx);
	mon_store_u64_key(b, k);
	rc |= mon_store_tx_put(tx, "crash_ack", k, 8, v, len);
	rc |= mon_store_tx_put(tx, "crash", "last", 4, k, 8);
	multi_key(b, 0, k);
	rc |= mon_store_tx_trim(tx, "crash_multi", k, 8);
	for (int j = 0; j < MULTI; j++) {
		multi_key(b, j, k);
		rc |= mon_store_tx_put(tx, "crash_multi", k, 8, v, len / (size_t)(j + 1));
	}
	return rc ? -ENOMEM : 0;
}

static void child_main(const char *dir, int wfd)
{
	static uint8_t v[VMAX], v_next[VMAX];
	struct mon_store_tx *tx = mon_store_tx_create();
	struct mon_persist p[8];
	struct mon_store *s;
	size_t n;

	if (!tx || mon_store_open(dir, FSID, "a", &s))
		_exit(2);
	for (uint64_t b = mon_store_last_committed(s) + 1;; b++) {
		if (build_batch(b, p, &n, tx, v, v_next) || mon_store_apply(s, p, n, tx))
			_exit(3);
		if (write(wfd, &b, sizeof(b)) != sizeof(b))
			_exit(4);
	}
}

/* ---- the parent's checks ---- */

struct walk {
	uint64_t next;	/* ack keys: expected next batch */
	uint64_t count; /* multi keys seen */
	uint64_t L;
	int bad;
};

static int ack_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	static uint8_t want[VMAX];
	struct walk *w = arg;
	uint64_t b;

	if (mon_store_u64_key_parse(key, klen, &b) || b != w->next || vlen != value_of(b, want) ||
	    memcmp(val, want, vlen)) {
		w->bad = 1;
		return 1;
	}
	w->next++;
	return 0;
}

static int multi_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct walk *w = arg;
	uint64_t k;

	if (mon_store_u64_key_parse(key, klen, &k) || k / MULTI != w->L) {
		w->bad = 1;
		return 1;
	}
	w->count++;
	return 0;
}

/* Check the store after a kill; *out_L = the last complete batch. */
static int verify(const char *dir, const char *name, bool imported, uint64_t max_acked,
		  uint64_t *out_L)
{
	static uint8_t want[VMAX];
	struct mon_durable d;
	struct mon_store *s;
	struct walk w = {0};
	struct buf last = BUF_INIT;
	uint64_t L = 0;
	int rc;

	rc = mon_store_open(dir, FSID, name, &s);
	CHECK(rc == 0, "reopen after kill: %d", rc);
	rc = mon_store_get(s, "crash", "last", 4, &last);
	CHECK(rc == 0 || rc == -ENOENT, "get last: %d", rc);
	if (rc == 0) {
		CHECK(last.len == 8, "last pointer of %zu bytes", last.len);
		mon_store_u64_key_parse(last.data, 8, &L);
	}
	buf_fini(&last);
	CHECK(max_acked <= L, "batch %" PRIu64 " was acknowledged, store ends at %" PRIu64,
	      max_acked, L);

	rc = mon_store_load(s, &d);
	CHECK(rc == 0, "load: %d", rc);
	CHECK(d.lc == L, "consensus lc %" PRIu64 " but service data at batch %" PRIu64, d.lc, L);
	CHECK(d.fc == expected_fc(L), "fc %" PRIu64 ", expected %" PRIu64, d.fc, expected_fc(L));
	for (uint64_t v = d.fc; v <= d.lc; v++) {
		size_t len = value_of(v, want);

		CHECK(d.log[v - d.fc].len == len && !memcmp(d.log[v - d.fc].data, want, len),
		      "log value %" PRIu64 " differs", v);
	}
	if (imported) {
		/* Election state is the target's own; it never voted here. */
		CHECK(d.epoch == 0 && d.promised_pn == 0 && d.unc_version == 0,
		      "imported store kept its own election state");
	} else if (L) {
		size_t len = value_of(L + 1, want);

		CHECK(d.epoch == L && d.promised_pn == (L + 1) << 8, "epoch/promise of batch L");
		CHECK(d.unc_version == L + 1 && d.unc_pn == (L + 1) << 8 && d.unc.len == len &&
			  !memcmp(d.unc.data, want, len),
		      "uncommitted value of batch L");
	} else {
		CHECK(d.epoch == 0 && d.promised_pn == 0 && d.unc_version == 0, "fresh image");
	}
	mon_durable_fini(&d);

	w.next = 1;
	rc = mon_store_iterate(s, "crash_ack", NULL, 0, ack_cb, &w);
	CHECK(rc == 0 && !w.bad && w.next == L + 1,
	      "ack keys: rc %d, contiguous up to %" PRIu64 " of %" PRIu64, rc, w.next - 1, L);
	w.L = L;
	rc = mon_store_iterate(s, "crash_multi", NULL, 0, multi_cb, &w);
	CHECK(rc == 0 && !w.bad && w.count == (L ? MULTI : 0),
	      "multi keys: rc %d, %" PRIu64 " keys of batch %" PRIu64, rc, w.count, L);
	mon_store_close(s);
	*out_L = L;
	return 0;
}

/* ---- phase 2: SIGKILL during full-store imports ---- */

#define STREAMS	    8
#define STREAM_STEP 15

struct stream {
	struct buf chunks[64];
	size_t n;
	uint64_t lc;
};

static struct stream streams[STREAMS];

/* Build a source store and export it every STREAM_STEP batches. */
static int make_streams(const char *dir)
{
	static uint8_t v[VMAX], v_next[VMAX];
	struct mon_store_tx *tx = mon_store_tx_create();
	struct mon_store_export *ex;
	struct mon_persist p[8];
	struct mon_store *s;
	size_t n;
	int rc;

	if (!tx || mon_store_open(dir, FSID, "a", &s))
		return -1;
	for (int k = 0; k < STREAMS; k++) {
		for (int i = 0; i < STREAM_STEP; i++) {
			uint64_t b = mon_store_last_committed(s) + 1;

			if (build_batch(b, p, &n, tx, v, v_next) || mon_store_apply(s, p, n, tx))
				return -1;
		}
		streams[k].lc = mon_store_last_committed(s);
		if (mon_store_export_begin(s, 32 << 10, &ex))
			return -1;
		while ((rc = mon_store_export_next(ex, &streams[k].chunks[streams[k].n])) == 1)
			if (++streams[k].n == 64)
				return -1;
		mon_store_export_end(ex);
		if (rc)
			return -1;
	}
	mon_store_close(s);
	mon_store_tx_destroy(tx);
	return 0;
}

static void import_child(const char *dir, int wfd)
{
	struct mon_store_import *imp;
	struct mon_store *s;

	if (mon_store_open(dir, FSID, "b", &s))
		_exit(2);
	/* Imports never go back: start at the stream the store is at. */
	for (int k = 0;; k = k + 1 < STREAMS ? k + 1 : k) {
		if (streams[k].lc < mon_store_last_committed(s))
			continue;
		if (mon_store_import_begin(s, &imp))
			_exit(3);
		for (size_t i = 0; i < streams[k].n; i++)
			if (mon_store_import_chunk(imp, streams[k].chunks[i].data,
						   streams[k].chunks[i].len))
				_exit(4);
		if (mon_store_import_finish(imp))
			_exit(5);
		if (write(wfd, &streams[k].lc, sizeof(uint64_t)) != sizeof(uint64_t))
			_exit(6);
	}
}

static int run_imports(const char *src_dir, const char *dir, int rounds, uint64_t seed)
{
	uint64_t L = 0, total = 0;

	if (make_streams(src_dir))
		return -1;
	for (int r = 0; r < rounds; r++) {
		uint64_t rnd = mix((seed ^ 0x1234) + (uint64_t)r), max_acked = 0, b, n_acked = 0;
		struct timespec ts = {0, (long)((rnd >> 8) % 60000000)};
		int fds[2], status;
		pid_t pid;

		fflush(stdout);
		if (pipe(fds))
			return -1;
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			close(fds[0]);
			import_child(dir, fds[1]);
		}
		close(fds[1]);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			return -1;
		if (!WIFSIGNALED(status)) {
			fprintf(stderr, "FAIL: import child exited with %d before the kill\n",
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return -1;
		}
		while (read(fds[0], &b, sizeof(b)) == sizeof(b)) {
			max_acked = b > max_acked ? b : max_acked;
			n_acked++;
		}
		close(fds[0]);
		if (verify(dir, "b", true, max_acked, &L))
			return -1;
		if (L % STREAM_STEP) {
			fprintf(stderr, "FAIL: store at batch %" PRIu64 ", not a stream's end\n",
				L);
			return -1;
		}
		total += n_acked;
		printf("import round %d: killed after %ld us, %" PRIu64
		       " imports acked (max lc %" PRIu64 "), store at lc %" PRIu64 "\n",
		       r, ts.tv_nsec / 1000, n_acked, max_acked, L);
	}
	printf("%d import rounds, %" PRIu64 " imports acknowledged\n", rounds, total);
	for (int k = 0; k < STREAMS; k++)
		for (size_t i = 0; i < streams[k].n; i++)
			buf_fini(&streams[k].chunks[i]);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int run(const char *dir, int rounds, uint64_t seed)
{
	uint64_t L = 0, total_acked = 0;

	for (int r = 0; r < rounds; r++) {
		uint64_t rnd = mix(seed + (uint64_t)r), max_acked = 0, b, n_acked = 0;
		struct timespec ts;
		int fds[2], status;
		pid_t pid;
		ssize_t got;

		fflush(stdout);
		if (pipe(fds))
			return -1;
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			close(fds[0]);
			child_main(dir, fds[1]);
		}
		close(fds[1]);
		/* Kill moments: at once (inside open/recovery), or after the
		 * first ack plus a random delay up to 80 ms.  Waiting for that
		 * ack (not a fixed time) keeps the rounds meaningful on a
		 * loaded machine, where opening the store alone can take
		 * longer than 80 ms. */
		switch (rnd % 4) {
		case 0:
			ts = (struct timespec){0, (long)(rnd >> 8) % 2000000};
			break;
		default:
			ts = (struct timespec){0, (long)((rnd >> 8) % 80000000)};
			if (read(fds[0], &b, sizeof(b)) == sizeof(b)) {
				max_acked = b;
				n_acked++;
			}
			break;
		}
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			return -1;
		if (!WIFSIGNALED(status)) {
			fprintf(stderr, "FAIL: child exited with %d before the kill\n",
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return -1;
		}
		/* Whatever reached the pipe was acknowledged. */
		while ((got = read(fds[0], &b, sizeof(b))) == sizeof(b)) {
			max_acked = b > max_acked ? b : max_acked;
			n_acked++;
		}
		close(fds[0]);
		if (verify(dir, "a", false, max_acked, &L))
			return -1;
		total_acked += n_acked;
		printf("round %d: killed after %ld us, %" PRIu64 " acks (max %" PRIu64
		       "), store at batch %" PRIu64 "\n",
		       r, ts.tv_nsec / 1000, n_acked, max_acked, L);
	}
	printf("%d rounds, %" PRIu64 " batches acknowledged, all present and whole\n", rounds,
	       total_acked);
	return L > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	char base[256], dir[300], dir_b[300];
	const char *t = getenv("TMPDIR");
	int rounds = argc > 1 ? atoi(argv[1]) : 12;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	struct monmap m;
	int rc;

	log_set_level(LOG_ROCKSDB, 0);
	log_set_level(LOG_MON, -1);
	snprintf(base, sizeof(base), "%s/cairn-monstore-crash-XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(base))
		return 1;
	snprintf(dir, sizeof(dir), "%s/mon", base);
	snprintf(dir_b, sizeof(dir_b), "%s/mon-b", base);
	printf("seed %" PRIu64 " (replay: %s %d %" PRIu64 ")\n", seed, argv[0], rounds, seed);

	memset(&m, 0, sizeof(m));
	memcpy(m.fsid, FSID, 16);
	m.epoch = 1;
	m.n = 2;
	strcpy(m.mons[0].name, "a");
	strcpy(m.mons[1].name, "b");
	rc = addr_parse("127.0.0.1", 6789, &m.mons[0].addr);
	if (!rc)
		rc = addr_parse("127.0.0.1", 6790, &m.mons[1].addr);
	if (!rc)
		rc = mon_store_mkfs(dir, FSID, &m, "a");
	if (!rc)
		rc = run(dir, rounds, seed);
	/* Phase 2: a fresh source store feeds imports into mon.b. */
	if (!rc) {
		char src[300];

		snprintf(src, sizeof(src), "%s/src", base);
		rc = mon_store_mkfs(src, FSID, &m, "a");
		if (!rc)
			rc = mon_store_mkfs(dir_b, FSID, &m, "b");
		if (!rc)
			rc = run_imports(src, dir_b, rounds, seed);
	}
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	printf("%s\n", rc ? "FAILED" : "ok");
	return rc ? 1 : 0;
}
