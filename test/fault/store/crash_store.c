/*
 * crash_store.c - the object store's crash tests.
 *
 *   crash_store run [--powerloss] [--rounds N] [--seed S]
 *
 * Each round starts a writer process (this binary, "writer" mode) that
 * mounts the store and runs random transactions - writes of mixed sizes
 * (inline and block-file), overwrites, zeroes, truncates, removes,
 * clones, xattr and omap changes - keeping several queued at once.  When
 * a transaction's on_commit callback runs, the writer appends its index
 * to a log file.  The driver kills the writer with SIGKILL at a random
 * moment, then runs fsck (must be clean), mounts the store and compares
 * every object with a model: the store must equal the model after
 * transactions 0..j for some j at or after the last logged commit (a
 * transaction may commit without the writer living to log it) and
 * before anything the writer could have queued.  Every committed
 * transaction is then fully visible and none is partly visible.  The next
 * round continues from j + 1 on the same store.
 *
 * Transactions are a pure function of (seed, index, model state), so the
 * driver and each writer rebuild the same model by replaying indices.
 *
 * SIGKILL alone never loses data the page cache holds.  --powerloss puts
 * the store's block device behind os_bdev_powerloss (see os_bdev.h): the
 * writer's block writes stay in its memory until the store flushes them,
 * so killing it drops every write not yet made durable - what a power cut
 * does to the block file.  (RocksDB's own synced commits are trusted.)
 *
 * Rounds: $CAIRN_STORE_CRASH_ROUNDS when set (so a long run needs no
 * edit of meson.build), else --rounds, else 20.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "os.h"
#include "os_bdev.h"

#define NOBJ 8
#define MAXSZ (384 * 1024)
#define NATTR 4
#define NKEY 12
#define INFLIGHT 8
#define MAXOPS 4

static const struct os_cid CID = {1, 0};

struct mobj {
	bool exists;
	uint64_t size;
	uint8_t data[MAXSZ]; /* zero past size */
	int attr[NATTR];     /* -1 absent, else value id */
	int omap[NKEY];
	int header;          /* -1 none */
};

struct model {
	struct mobj o[NOBJ];
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return n ? rng_next(s) % n : 0;
}

static char names[NOBJ][16];

static struct os_oid oid_n(int i)
{
	return (struct os_oid){1, crc32c(0, names[i], strlen(names[i])), OS_NOSNAP, "", names[i]};
}

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < NOBJ; i++) {
		memset(m->o[i].attr, 0xff, sizeof(m->o[i].attr));
		memset(m->o[i].omap, 0xff, sizeof(m->o[i].omap));
		m->o[i].header = -1;
	}
}

static void mobj_clear(struct mobj *o)
{
	o->exists = false;
	memset(o->data, 0, o->size);
	o->size = 0;
	memset(o->attr, 0xff, sizeof(o->attr));
	memset(o->omap, 0xff, sizeof(o->omap));
	o->header = -1;
}

static void fill_data(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rng_next(&s);
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

/*
 * Generate transaction @idx against @m, apply it to @m, and (when @t is
 * not NULL) build it into @t.
 */
static void gen_txn(uint64_t seed, uint64_t idx, struct model *m, struct os_txn *t)
{
	uint64_t s = seed ^ (idx * 0xd1b54a32d192ed03ULL);
	int nops = 1 + (int)rnd(&s, MAXOPS);
	static uint8_t buf[MAXSZ];
	char k[16], v[32];

	for (int op = 0; op < nops; op++) {
		int i = (int)rnd(&s, NOBJ);
		struct mobj *o = &m->o[i];
		struct os_oid oid = oid_n(i);
		uint64_t kind = rnd(&s, 100), off, len;

		if (kind < 40) { /* write: small, medium or large */
			uint64_t c = rnd(&s, 3);
			len = c == 0 ? 1 + rnd(&s, 8192) : c == 1 ? 8192 + rnd(&s, 56000)
							     : 65536 + rnd(&s, 200000);
			off = rnd(&s, MAXSZ - len);
			if (rnd(&s, 2))
				off &= ~4095ULL;
			fill_data(buf, len, rng_next(&s));
			memcpy(o->data + off, buf, len);
			if (off + len > o->size)
				o->size = off + len;
			o->exists = true;
			if (t) {
				struct buflist bl = BUFLIST_INIT;
				buflist_append_copy(&bl, buf, len);
				os_txn_write(t, &CID, &oid, off, &bl);
				buflist_fini(&bl);
			}
		} else if (kind < 47) {
			len = rnd(&s, 100000);
			off = rnd(&s, MAXSZ - len);
			memset(o->data + off, 0, len);
			if (len && off + len > o->size)
				o->size = off + len;
			o->exists = true;
			if (t)
				os_txn_zero(t, &CID, &oid, off, len);
		} else if (kind < 55) {
			uint64_t ns = rnd(&s, MAXSZ);
			if (ns < o->size)
				memset(o->data + ns, 0, o->size - ns);
			o->size = ns;
			o->exists = true;
			if (t)
				os_txn_truncate(t, &CID, &oid, ns);
		} else if (kind < 60) {
			mobj_clear(o);
			if (t)
				os_txn_remove(t, &CID, &oid);
		} else if (kind < 64) {
			int d = (int)rnd(&s, NOBJ);
			if (!o->exists || d == i)
				continue;
			struct os_oid doid = oid_n(d);
			struct mobj *dst = &m->o[d];
			memset(dst->data, 0, dst->size);
			memcpy(dst, o, sizeof(*o));
			if (t)
				os_txn_clone(t, &CID, &oid, &doid);
		} else if (kind < 72) {
			int a = (int)rnd(&s, NATTR), val = (int)rnd(&s, 1000);
			o->attr[a] = val;
			o->exists = true;
			snprintf(k, sizeof(k), "_a%d", a);
			snprintf(v, sizeof(v), "val%d", val);
			if (t)
				os_txn_setattr(t, &CID, &oid, k, v, strlen(v));
		} else if (kind < 76) {
			int a = (int)rnd(&s, NATTR);
			if (o->exists)
				o->attr[a] = -1;
			snprintf(k, sizeof(k), "_a%d", a);
			if (t)
				os_txn_rmattr(t, &CID, &oid, k);
		} else if (kind < 86) {
			int key = (int)rnd(&s, NKEY), val = (int)rnd(&s, 1000);
			o->omap[key] = val;
			o->exists = true;
			snprintf(k, sizeof(k), "k%02d", key);
			snprintf(v, sizeof(v), "ov%d", val);
			if (t)
				os_txn_omap_set(t, &CID, &oid, k, strlen(k), v, strlen(v));
		} else if (kind < 89) {
			int key = (int)rnd(&s, NKEY);
			if (o->exists)
				o->omap[key] = -1;
			snprintf(k, sizeof(k), "k%02d", key);
			if (t)
				os_txn_omap_rm(t, &CID, &oid, k, strlen(k));
		} else if (kind < 92) {
			int a = (int)rnd(&s, NKEY), b = a + (int)rnd(&s, 5);
			char k2[16];
			if (o->exists)
				for (int j = a; j < b && j < NKEY; j++)
					o->omap[j] = -1;
			snprintf(k, sizeof(k), "k%02d", a);
			snprintf(k2, sizeof(k2), "k%02d", b);
			if (t)
				os_txn_omap_rmrange(t, &CID, &oid, k, strlen(k), k2, strlen(k2));
		} else if (kind < 94) {
			if (o->exists) {
				memset(o->omap, 0xff, sizeof(o->omap));
				o->header = -1;
			}
			if (t)
				os_txn_omap_clear(t, &CID, &oid);
		} else if (kind < 97) {
			int val = (int)rnd(&s, 1000);
			o->header = val;
			o->exists = true;
			snprintf(v, sizeof(v), "hdr%d", val);
			if (t)
				os_txn_omap_setheader(t, &CID, &oid, v, strlen(v));
		} else {
			o->exists = true;
			if (t)
				os_txn_touch(t, &CID, &oid);
		}
	}
}

/* ---- writer ----------------------------------------------------------------------- */

struct wstate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int inflight;
	int logfd;
};

static void on_commit(void *arg, int status)
{
	struct wstate *w = arg;

	if (status) {
		fprintf(stderr, "writer: transaction failed: %d\n", status);
		abort();
	}
	pthread_mutex_lock(&w->lock);
	w->inflight--;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

struct wtx {
	struct wstate *w;
	uint64_t idx;
};

static void on_commit_idx(void *arg, int status)
{
	struct wtx *x = arg;
	char line[32];
	int n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)x->idx);

	/* One write(2) per line: a kill leaves whole lines or none. */
	if (status == 0 && write(x->w->logfd, line, (size_t)n) != n)
		abort();
	on_commit(x->w, status);
	free(x);
}

static int pl_wrap(void *arg, struct os_bdev *inner, struct os_bdev **out)
{
	return os_bdev_powerloss_wrap(inner, *(uint64_t *)arg, 30, out);
}

static int writer(const char *dir, uint64_t seed, uint64_t start, const char *log, bool pl)
{
	static struct model m;
	struct wstate w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, -1};
	struct os_store *s;
	struct os_opts o;
	uint64_t plseed = seed ^ start;

	model_init(&m);
	for (uint64_t i = 0; i < start; i++)
		gen_txn(seed, i, &m, NULL);
	w.logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	if (w.logfd < 0)
		return 2;
	os_opts_default(&o);
	snprintf(o.path, sizeof(o.path), "%s", dir);
	if (pl) {
		o.bdev_wrap = pl_wrap;
		o.bdev_wrap_arg = &plseed;
	}
	if (os_mount(&o, &s))
		return 2;
	for (uint64_t idx = start;; idx++) {
		struct os_txn *t = os_txn_create();
		struct wtx *x = malloc(sizeof(*x));
		if (!t || !x)
			abort();
		gen_txn(seed, idx, &m, t);
		*x = (struct wtx){&w, idx};
		pthread_mutex_lock(&w.lock);
		while (w.inflight >= INFLIGHT)
			pthread_cond_wait(&w.cond, &w.lock);
		w.inflight++;
		pthread_mutex_unlock(&w.lock);
		if (os_queue_transaction(s, t, NULL, on_commit_idx, x))
			abort();
	}
	return 0;
}

/* ---- driver ------------------------------------------------------------------------ */

static int compare(struct os_store *s, const struct model *m, bool verbose)
{
	static uint8_t got[MAXSZ + 1];
	char k[16], v[32];
	int bad = 0, nexist = 0;

	for (int i = 0; i < NOBJ; i++) {
		const struct mobj *o = &m->o[i];
		struct os_oid oid = oid_n(i);
		struct os_stat st;
		int r = os_stat(s, &CID, &oid, &st);
		if (!o->exists) {
			if (r != -ENOENT) {
				if (verbose)
					fprintf(stderr, "  %s: exists, model says not\n", names[i]);
				bad++;
			}
			continue;
		}
		nexist++;
		if (r) {
			if (verbose)
				fprintf(stderr, "  %s: missing (%d)\n", names[i], r);
			bad++;
			continue;
		}
		struct buflist bl = BUFLIST_INIT;
		r = os_read(s, &CID, &oid, 0, 0, &bl);
		if (r || st.size != o->size || bl.len != o->size) {
			if (verbose)
				fprintf(stderr, "  %s: read %d, size %llu, model %llu\n", names[i], r,
					(unsigned long long)st.size, (unsigned long long)o->size);
			bad++;
		} else {
			buflist_copy_out(&bl, 0, bl.len, got);
			if (memcmp(got, o->data, o->size)) {
				if (verbose)
					fprintf(stderr, "  %s: data differs\n", names[i]);
				bad++;
			}
		}
		buflist_fini(&bl);
		for (int a = 0; a < NATTR; a++) {
			struct buf b = BUF_INIT;
			snprintf(k, sizeof(k), "_a%d", a);
			r = os_getattr(s, &CID, &oid, k, &b);
			snprintf(v, sizeof(v), "val%d", o->attr[a]);
			if (o->attr[a] < 0 ? r != -ENOENT
					   : (r || b.len != strlen(v) || memcmp(b.data, v, b.len))) {
				if (verbose)
					fprintf(stderr, "  %s: xattr %d differs\n", names[i], a);
				bad++;
			}
			buf_fini(&b);
		}
		for (int j = 0; j < NKEY; j++) {
			struct buf b = BUF_INIT;
			snprintf(k, sizeof(k), "k%02d", j);
			r = os_omap_get(s, &CID, &oid, k, strlen(k), &b);
			snprintf(v, sizeof(v), "ov%d", o->omap[j]);
			if (o->omap[j] < 0 ? r != -ENOENT
					   : (r || b.len != strlen(v) || memcmp(b.data, v, b.len))) {
				if (verbose)
					fprintf(stderr, "  %s: omap %s differs\n", names[i], k);
				bad++;
			}
			buf_fini(&b);
		}
		struct buf h = BUF_INIT;
		r = os_omap_get_header(s, &CID, &oid, &h);
		snprintf(v, sizeof(v), "hdr%d", o->header);
		if (r || (o->header < 0 ? h.len != 0 : (h.len != strlen(v) || memcmp(h.data, v, h.len)))) {
			if (verbose)
				fprintf(stderr, "  %s: omap header differs\n", names[i]);
			bad++;
		}
		buf_fini(&h);
	}
	struct os_oidlist l = OS_OIDLIST_INIT;
	if (os_list(s, &CID, NULL, NULL, 0, &l, NULL) || (int)l.n != nexist) {
		if (verbose)
			fprintf(stderr, "  listing has %zu objects, model %d\n", l.n, nexist);
		bad++;
	}
	os_oidlist_fini(&l);
	return bad;
}

static long last_logged(const char *log, long *out_count)
{
	FILE *f = fopen(log, "r");
	long last = -1, n = 0, v, prev = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%ld", &v) == 1) {
		if (v != prev + 1 && prev >= 0) {
			fprintf(stderr, "commit log out of order: %ld after %ld\n", v, prev);
			exit(1);
		}
		prev = v;
		last = v;
		n++;
	}
	fclose(f);
	*out_count = n;
	return last;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static char top[512];

static void cleanup(void)
{
	if (top[0])
		nftw(top, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int run(bool pl, int rounds, uint64_t seed)
{
	static struct model m;
	char dir[600], log[600], self[PATH_MAX];
	struct os_opts o;
	struct os_store *s;
	uint64_t start = 0, rng = seed;
	long total_committed = 0;

	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl < 0)
		return 1;
	self[sl] = 0;
	const char *tmp = getenv("TMPDIR");
	snprintf(top, sizeof(top), "%s/cairn-crash.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(top))
		return 1;
	atexit(cleanup);
	snprintf(dir, sizeof(dir), "%s/osd", top);
	snprintf(log, sizeof(log), "%s/commits", top);
	os_opts_default(&o);
	snprintf(o.path, sizeof(o.path), "%s", dir);
	o.block_size = 256ULL << 20;
	if (os_mkfs(&o) || os_mount(&o, &s))
		return 1;
	struct os_txn *t = os_txn_create();
	os_txn_create_collection(t, &CID, 0);
	if (os_apply_transaction(s, t))
		return 1;
	os_umount(s);
	model_init(&m);
	printf("crash test (%s), seed %llu, %d rounds\n", pl ? "power loss" : "SIGKILL",
	       (unsigned long long)seed, rounds);

	for (int round = 0; round < rounds; round++) {
		char a_seed[32], a_start[32];
		long count = 0;
		snprintf(a_seed, sizeof(a_seed), "%llu", (unsigned long long)seed);
		snprintf(a_start, sizeof(a_start), "%llu", (unsigned long long)start);
		unlink(log);
		pid_t pid = fork();
		if (pid == 0) {
			execl(self, self, "writer", dir, a_seed, a_start, log, pl ? "1" : "0",
			      (char *)NULL);
			_exit(127);
		}
		/* Let it get going (first commit logged), then kill at a random moment. */
		for (int i = 0; i < 2000; i++) {
			struct stat st;
			if (stat(log, &st) == 0 && st.st_size > 0)
				break;
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				fprintf(stderr, "round %d: writer died early\n", round);
				return 1;
			}
			sleep_ms(5);
		}
		sleep_ms((long)rnd(&rng, 400));
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			fprintf(stderr, "round %d: writer exited by itself (%d)\n", round, status);
			return 1;
		}
		long k = last_logged(log, &count);
		int fr = os_fsck(&o, false);
		if (fr != 0) {
			fprintf(stderr, "round %d: fsck found %d problem(s)\n", round, fr);
			return 1;
		}
		if (os_mount(&o, &s)) {
			fprintf(stderr, "round %d: mount failed\n", round);
			return 1;
		}
		/* Bring the model to the last logged commit, then look for the match. */
		uint64_t j = start;
		for (; (long)j <= k; j++)
			gen_txn(seed, j, &m, NULL);
		int found = -1;
		for (int extra = 0; extra <= INFLIGHT + 1; extra++) {
			if (compare(s, &m, false) == 0) {
				found = extra;
				break;
			}
			gen_txn(seed, j++, &m, NULL);
		}
		if (found < 0) {
			fprintf(stderr, "round %d: store matches no state at or after commit %ld\n",
				round, k);
			/* Show the differences against the last acknowledged state. */
			model_init(&m);
			for (uint64_t i = 0; (long)i <= k; i++)
				gen_txn(seed, i, &m, NULL);
			compare(s, &m, true);
			os_umount(s);
			return 1;
		}
		os_umount(s);
		total_committed += count;
		printf("round %d: %ld commits logged (last %ld), store at %llu (+%d unlogged)\n",
		       round, count, k, (unsigned long long)(j - 1), found);
		start = j;
	}
	if (os_fsck(&o, true) != 0) {
		fprintf(stderr, "final deep fsck failed\n");
		return 1;
	}
	printf("ok: %d rounds, %ld acknowledged transactions verified\n", rounds, total_committed);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 0; i < NOBJ; i++)
		snprintf(names[i], sizeof(names[i]), "obj%d", i);
	if (argc == 7 && !strcmp(argv[1], "writer"))
		return writer(argv[2], strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0),
			      argv[5], argv[6][0] == '1');
	if (argc < 2 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: %s run [--powerloss] [--rounds N] [--seed S]\n", argv[0]);
		return 2;
	}
	bool pl = false;
	const char *env = getenv("CAIRN_STORE_CRASH_ROUNDS");
	int rounds = 20;
	uint64_t seed = (uint64_t)time(NULL);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--powerloss"))
			pl = true;
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
	}
	if (env && *env)
		rounds = atoi(env);
	if (rounds <= 0)
		rounds = 1;
	return run(pl, rounds, seed);
}
