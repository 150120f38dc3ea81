/*
 * test_mon_store.c - unit tests for the monitor store (mon/mon_store.c).
 *
 * Each test works in its own directory under a base temp dir that an
 * unchecked fixture (run in the parent, which survives a failing forked
 * test) creates and removes.  Nothing sleeps; the crash test lives in
 * test/fault/mon/.
 */
#include "mon_store.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/enc.h"
#include "common/log.h"
#include "common/uuid.h"
#include "test/unit/unit.h"

static char base_dir[256];
static unsigned dir_seq;
static const uint8_t FSID[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t FSID2[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void base_setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(base_dir, sizeof(base_dir), "%s/cairn-monstore-XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(base_dir))
		abort();
	/* Keep expected-error logs out of the test output. */
	log_set_level(LOG_MON, -2);
	log_set_level(LOG_ROCKSDB, -2);
}

static void base_teardown(void)
{
	nftw(base_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh path (not created) under the base dir. */
static void new_path(char *out, size_t len)
{
	int r = snprintf(out, len, "%s/t%u-%d", base_dir, dir_seq++, (int)getpid());

	ck_assert(r > 0 && (size_t)r < len);
}

static void make_monmap(struct monmap *m, const uint8_t fsid[16])
{
	memset(m, 0, sizeof(*m));
	memcpy(m->fsid, fsid, 16);
	m->epoch = 1;
	m->n = 3;
	for (int i = 0; i < 3; i++) {
		snprintf(m->mons[i].name, sizeof(m->mons[i].name), "%c", 'a' + i);
		ck_assert_int_eq(addr_parse("127.0.0.1", (uint16_t)(6789 + i), &m->mons[i].addr),
				 0);
	}
}

static void mkfs_at(const char *dir, const uint8_t fsid[16], const char *name)
{
	struct monmap m;

	make_monmap(&m, fsid);
	ck_assert_int_eq(mon_store_mkfs(dir, fsid, &m, name), 0);
}

static struct mon_store *open_ok(const char *dir)
{
	struct mon_store *s = NULL;

	ck_assert_int_eq(mon_store_open(dir, NULL, NULL, &s), 0);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* ---- durable image comparison ---- */

static void assert_same_image(const struct mon_durable *a, const struct mon_durable *b)
{
	ck_assert_uint_eq(a->epoch, b->epoch);
	ck_assert_uint_eq(a->voted_epoch, b->voted_epoch);
	ck_assert_int_eq(a->voted_for, b->voted_for);
	ck_assert_uint_eq(a->promised_pn, b->promised_pn);
	ck_assert_uint_eq(a->unc_pn, b->unc_pn);
	ck_assert_uint_eq(a->unc_version, b->unc_version);
	if (a->unc_version) {
		ck_assert_uint_eq(a->unc.len, b->unc.len);
		ck_assert(a->unc.len == 0 || !memcmp(a->unc.data, b->unc.data, a->unc.len));
	}
	ck_assert_uint_eq(a->fc, b->fc);
	ck_assert_uint_eq(a->lc, b->lc);
	for (uint64_t v = a->fc; v <= a->lc; v++) {
		const struct mon_value *x = &a->log[v - a->fc], *y = &b->log[v - b->fc];

		ck_assert_uint_eq(x->len, y->len);
		ck_assert(x->len == 0 || !memcmp(x->data, y->data, x->len));
	}
}

static void assert_store_image(struct mon_store *s, const struct mon_durable *ref)
{
	struct mon_durable d;

	ck_assert_int_eq(mon_store_load(s, &d), 0);
	assert_same_image(&d, ref);
	mon_durable_fini(&d);
}

/* ---- tiny deterministic RNG ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- mkfs / open ---- */

static int count_cb(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(*(unsigned *)arg)++;
	return 0;
}

START_TEST(test_mkfs_open_roundtrip)
{
	char dir[PATH_MAX], uu[UUID_STRLEN];
	struct mon_durable d, ref;
	struct monmap m, got;
	struct mon_store *s;
	struct buf b = BUF_INIT;
	uint8_t fsid[16];
	unsigned n = 0;

	new_path(dir, sizeof(dir));
	mkfs_at(dir, FSID, "b");
	s = open_ok(dir);
	mon_store_fsid(s, fsid);
	ck_assert_mem_eq(fsid, FSID, 16);
	ck_assert_str_eq(mon_store_name(s), "b");
	ck_assert_uint_eq(mon_store_last_committed(s), 0);
	ck_assert_uint_eq(mon_store_first_committed(s), 1);

	/* A fresh store loads as the initial image. */
	mon_durable_init(&ref);
	ck_assert_int_eq(mon_store_load(s, &d), 0);
	assert_same_image(&d, &ref);
	mon_durable_fini(&d);

	/* The initial monmap is there, and is the only service key. */
	ck_assert_int_eq(mon_store_get(s, "mkfs", "monmap", 6, &b), 0);
	make_monmap(&m, FSID);
	ck_assert_int_eq(monmap_decode(b.data, b.len, &got, NULL, 0), 0);
	ck_assert_uint_eq(got.n, 3);
	ck_assert_str_eq(got.mons[1].name, "b");
	ck_assert_int_eq(mon_store_iterate(s, "mkfs", NULL, 0, count_cb, &n), 0);
	ck_assert_uint_eq(n, 1);
	buf_fini(&b);
	mon_store_close(s);

	/* Identity checks at open. */
	ck_assert_int_eq(mon_store_open(dir, FSID, "b", &s), 0);
	mon_store_close(s);
	s = NULL;
	ck_assert_int_eq(mon_store_open(dir, FSID2, NULL, &s), -EINVAL);
	ck_assert_int_eq(mon_store_open(dir, NULL, "a", &s), -EINVAL);
	ck_assert_ptr_null(s);

	/* mkfs refuses an existing store and leaves it alone. */
	make_monmap(&m, FSID2);
	ck_assert_int_eq(mon_store_mkfs(dir, FSID2, &m, "a"), -EEXIST);
	ck_assert_int_eq(mon_store_open(dir, FSID, "b", &s), 0);
	mon_store_close(s);

	/* Bad arguments. */
	new_path(dir, sizeof(dir));
	ck_assert_int_eq(mon_store_mkfs(dir, FSID, &m, "zz"), -EINVAL); /* not in monmap */
	memset(fsid, 0, sizeof(fsid));
	ck_assert_int_eq(mon_store_mkfs(dir, fsid, &m, "a"), -EINVAL);
	ck_assert_int_eq(mon_store_mkfs(dir, FSID, &m, ""), -EINVAL);
	ck_assert_int_eq(mon_store_mkfs("/nonexistent-parent/x", FSID, &m, "a"), -ENOENT);
	uuid_format(FSID, uu);
	(void)uu;
}
END_TEST

/* ---- persist actions versus mon_durable_apply ---- */

struct actions {
	struct mon_persist p[16];
	uint8_t vals[16][64];
	size_t n;
	uint64_t seq;
};

/* A random action near the current image, stale ones included. */
static void random_action(struct actions *a, const struct mon_durable *d)
{
	struct mon_persist *p = &a->p[a->n];
	uint8_t *val = a->vals[a->n];
	int64_t dv = (int64_t)rnd_below(5) - 2; /* -2..2 */

	memset(p, 0, sizeof(*p));
	p->seq = ++a->seq;
	p->type = (uint32_t)rnd_below(6);
	switch (p->type) {
	case MON_PERSIST_EPOCH:
		p->epoch = d->epoch + (uint64_t)((int64_t)rnd_below(4) - 1);
		break;
	case MON_PERSIST_VOTE:
		p->epoch = d->epoch + rnd_below(3);
		p->voted_for = (int32_t)rnd_below(5) - 1;
		break;
	case MON_PERSIST_PROMISE:
		p->pn = d->promised_pn + (uint64_t)((int64_t)rnd_below(600) - 200);
		break;
	case MON_PERSIST_ACCEPT:
	case MON_PERSIST_COMMIT:
		/* Mostly lc + 1; sometimes stale or ahead. */
		p->version = rnd_below(3) ? d->lc + 1 : (uint64_t)((int64_t)d->lc + 1 + dv);
		p->pn = d->promised_pn + rnd_below(300);
		p->len = (size_t)rnd_below(64);
		for (size_t i = 0; i < p->len; i++)
			val[i] = (uint8_t)rnd();
		p->value = rnd_below(8) || p->len ? val : NULL;
		break;
	case MON_PERSIST_TRIM:
		p->version = d->fc + rnd_below(d->lc + 4 - d->fc) - (rnd_below(4) ? 0 : 1);
		break;
	}
	a->n++;
}

START_TEST(test_persist_matches_reference)
{
	char dir[PATH_MAX];
	struct mon_durable ref;
	struct mon_store *s;
	struct actions a = {0};

	rng_state = 0x5eed0000u + (uint64_t)_i;
	new_path(dir, sizeof(dir));
	mkfs_at(dir, FSID, "a");
	s = open_ok(dir);
	mon_durable_init(&ref);
	for (int batch = 0; batch < 120; batch++) {
		size_t n = 1 + (size_t)rnd_below(8);

		/* Each action is drawn against the reference as it stands, so
		 * later actions see earlier ones, as the core's numbered ones do. */
		a.n = 0;
		for (size_t i = 0; i < n; i++) {
			random_action(&a, &ref);
			ck_assert_int_eq(mon_durable_apply(&ref, &a.p[i]), 0);
		}
		ck_assert_int_eq(mon_store_apply(s, a.p, a.n, NULL), 0);
		ck_assert_uint_eq(mon_store_last_committed(s), ref.lc);
		ck_assert_uint_eq(mon_store_first_committed(s), ref.fc);
		if (batch % 3 == 0)
			assert_store_image(s, &ref);
		if (batch % 10 == 9) {
			mon_store_close(s);
			s = open_ok(dir);
			assert_store_image(s, &ref);
		}
	}
	ck_assert_uint_gt(ref.lc, 10);
	mon_store_close(s);
	s = open_ok(dir);
	assert_store_image(s, &ref);
	mon_store_close(s);
	mon_durable_fini(&ref);
}
END_TEST

/* Each action type on its own, with the edge each one ignores. */
START_TEST(test_persist_each_type)
{
	char dir[PATH_MAX];
	struct mon_durable ref;
	struct mon_store *s;
	uint8_t v1[] = "one", v2[] = "two", v3[] = "three";
	struct mon_persist ps[] = {
	    {.seq = 1, .type = MON_PERSIST_EPOCH, .epoch = 3},
	    {.seq = 2, .type = MON_PERSIST_EPOCH, .epoch = 2}, /* stale */
	    {.seq = 3, .type = MON_PERSIST_VOTE, .epoch = 5, .voted_for = 2},
	    {.seq = 4, .type = MON_PERSIST_PROMISE, .pn = 0x102},
	    {.seq = 5, .type = MON_PERSIST_PROMISE, .pn = 0x101}, /* stale */
	    {.seq = 6,
	     .type = MON_PERSIST_ACCEPT,
	     .pn = 0x202,
	     .version = 1,
	     .value = v1,
	     .len = 3},
	    {.seq = 7, .type = MON_PERSIST_COMMIT, .version = 1, .value = v1, .len = 3},
	    {.seq = 8,
	     .type = MON_PERSIST_ACCEPT,
	     .pn = 0x202,
	     .version = 1,
	     .value = v2,
	     .len = 3}, /* stale: at lc */
	    {.seq = 9, .type = MON_PERSIST_COMMIT, .version = 3, .value = v3, .len = 5}, /* gap */
	    {.seq = 10, .type = MON_PERSIST_COMMIT, .version = 2, .value = v2, .len = 3},
	    {.seq = 11,
	     .type = MON_PERSIST_ACCEPT,
	     .pn = 0x302,
	     .version = 3,
	     .value = v3,
	     .len = 5},
	    {.seq = 12, .type = MON_PERSIST_TRIM, .version = 2},
	    {.seq = 13, .type = MON_PERSIST_TRIM, .version = 1},  /* stale */
	    {.seq = 14, .type = MON_PERSIST_TRIM, .version = 99}, /* clamps to lc + 1 */
	    {.seq = 15, .type = MON_PERSIST_COMMIT, .version = 3, .value = NULL, .len = 0},
	};
	struct mon_persist bad = {.seq = 16, .type = 77};

	new_path(dir, sizeof(dir));
	mkfs_at(dir, FSID, "a");
	s = open_ok(dir);
	mon_durable_init(&ref);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		ck_assert_int_eq(mon_durable_apply(&ref, &ps[i]), 0);
		ck_assert_int_eq(mon_store_apply(s, &ps[i], 1, NULL), 0);
		assert_store_image(s, &ref);
	}
	ck_assert_uint_eq(ref.fc, 3);
	ck_assert_uint_eq(ref.lc, 3);
	ck_assert_uint_eq(ref.unc_version, 0);
	/* An unknown type fails the whole call, and nothing of it lands. */
	struct mon_persist two[] = {{.seq = 16, .type = MON_PERSIST_EPOCH, .epoch = 40}, bad};
	ck_assert_int_eq(mon_store_apply(s, two, 2, NULL), -EINVAL);
	assert_store_image(s, &ref);
	mon_store_close(s);
	s = open_ok(dir);
	assert_store_image(s, &ref);
	mon_store_close(s);
	mon_durable_fini(&ref);
}
END_TEST

/* ---- service data ---- */

struct collect {
	char keys[32][32];
	unsigned n;
};

static int collect_cb(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	struct collect *c = arg;

	ck_assert_uint_lt(kl, 31);
	memcpy(c->keys[c->n], k, kl);
	c->keys[c->n][kl] = '\0';
	c->n++;
	return c->n == 31 ? 1 : 0;
}

START_TEST(test_service_with_commit)
{
	char dir[PATH_MAX];
	struct mon_store *s;
	struct mon_store_tx *tx = mon_store_tx_create();
	struct buf b = BUF_INIT;
	uint8_t k[MON_STORE_U64_KEY_LEN], val[] = "incremental";
	struct mon_persist c = {
	    .seq = 1, .type = MON_PERSIST_COMMIT, .version = 1, .value = val, .len = sizeof(val)};
	struct mon_persist bad = {.seq = 2, .type = 99};
	struct collect col = {0};
	uint64_t e;

	ck_assert_ptr_nonnull(tx);
	new_path(dir, sizeof(dir));
	mkfs_at(dir, FSID, "a");
	s = open_ok(dir);

	for (uint64_t ep = 1; ep <= 5; ep++) {
		mon_store_u64_key(ep, k);
		ck_assert_int_eq(mon_store_tx_put(tx, "osdmap_full", k, sizeof(k), "F", 1), 0);
		ck_assert_int_eq(mon_store_tx_put(tx, "osdmap_inc", k, sizeof(k), "I", 1), 0);
	}
	ck_assert_int_eq(mon_store_tx_put(tx, "paxos", "last_applied", 12, "1", 1), 0);
	ck_assert_int_eq(mon_store_tx_put(tx, "", "x", 1, "x", 1), -EINVAL);
	ck_assert(!mon_store_tx_empty(tx));
	ck_assert_int_eq(mon_store_apply(s, &c, 1, tx), 0);
	mon_store_close(s);

	s = open_ok(dir);
	ck_assert_uint_eq(mon_store_last_committed(s), 1);
	ck_assert_int_eq(mon_store_get(s, "paxos", "last_applied", 12, &b), 0);
	ck_assert_uint_eq(b.len, 1);
	buf_reset(&b);
	ck_assert_int_eq(mon_store_get(s, "paxos", "nope", 4, &b), -ENOENT);
	ck_assert_int_eq(mon_store_first_key(s, "osdmap_full", &b), 0);
	ck_assert_int_eq(mon_store_u64_key_parse(b.data, b.len, &e), 0);
	ck_assert_uint_eq(e, 1);
	buf_reset(&b);
	ck_assert_int_eq(mon_store_last_key(s, "osdmap_full", &b), 0);
	ck_assert_int_eq(mon_store_u64_key_parse(b.data, b.len, &e), 0);
	ck_assert_uint_eq(e, 5);
	buf_reset(&b);
	ck_assert_int_eq(mon_store_last_key(s, "osdmap", &b), -ENOENT); /* prefix is exact */
	ck_assert_int_eq(mon_store_first_key(s, "zzz", &b), -ENOENT);

	/* A failing request rolls back its service writes too. */
	mon_store_tx_reset(tx);
	ck_assert(mon_store_tx_empty(tx));
	ck_assert_int_eq(mon_store_tx_put(tx, "paxos", "ghost", 5, "g", 1), 0);
	ck_assert_int_eq(mon_store_apply(s, &bad, 1, tx), -EINVAL);
	ck_assert_int_eq(mon_store_get(s, "paxos", "ghost", 5, &b), -ENOENT);

	/* Trim, delete and erase helpers. */
	mon_store_tx_reset(tx);
	mon_store_u64_key(3, k);
	ck_assert_int_eq(mon_store_tx_trim(tx, "osdmap_full", k, sizeof(k)), 0);
	mon_store_u64_key(5, k);
	ck_assert_int_eq(mon_store_tx_delete(tx, "osdmap_full", k, sizeof(k)), 0);
	ck_assert_int_eq(mon_store_tx_erase_prefix(tx, "osdmap_inc"), 0);
	ck_assert_int_eq(mon_store_apply(s, NULL, 0, tx), 0);
	ck_assert_int_eq(mon_store_first_key(s, "osdmap_full", &b), 0);
	ck_assert_int_eq(mon_store_u64_key_parse(b.data, b.len, &e), 0);
	ck_assert_uint_eq(e, 3);
	buf_reset(&b);
	ck_assert_int_eq(mon_store_last_key(s, "osdmap_full", &b), 0);
	ck_assert_int_eq(mon_store_u64_key_parse(b.data, b.len, &e), 0);
	ck_assert_uint_eq(e, 4);
	buf_reset(&b);
	ck_assert_int_eq(mon_store_first_key(s, "osdmap_inc", &b), -ENOENT);

	/* Iteration order and start key. */
	mon_store_tx_reset(tx);
	ck_assert_int_eq(mon_store_tx_put(tx, "names", "b", 1, "", 0), 0);
	ck_assert_int_eq(mon_store_tx_put(tx, "names", "a", 1, "", 0), 0);
	ck_assert_int_eq(mon_store_tx_put(tx, "names", "ab", 2, "", 0), 0);
	ck_assert_int_eq(mon_store_tx_put(tx, "names2", "a", 1, "", 0), 0);
	ck_assert_int_eq(mon_store_apply(s, NULL, 0, tx), 0);
	ck_assert_int_eq(mon_store_iterate(s, "names", NULL, 0, collect_cb, &col), 0);
	ck_assert_uint_eq(col.n, 3);
	ck_assert_str_eq(col.keys[0], "a");
	ck_assert_str_eq(col.keys[1], "ab");
	ck_assert_str_eq(col.keys[2], "b");
	col.n = 0;
	ck_assert_int_eq(mon_store_iterate(s, "names", "aa", 2, collect_cb, &col), 0);
	ck_assert_uint_eq(col.n, 2);
	ck_assert_str_eq(col.keys[0], "ab");

	buf_fini(&b);
	mon_store_tx_destroy(tx);
	mon_store_close(s);
}
END_TEST

/* ---- trim ---- */

static void commit_n(struct mon_store *s, struct mon_durable *ref, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		char v[32];
		struct mon_persist p = {
		    .seq = 1, .type = MON_PERSIST_COMMIT, .version = ref->lc + 1};

		p.len = (size_t)snprintf(v, sizeof(v), "value-%llu", (unsigned long long)p.version);
		p.value = (uint8_t *)v;
		ck_assert_int_eq(mon_durable_apply(ref, &p), 0);
		ck_assert_int_eq(mon_store_apply(s, &p, 1, NULL), 0);
	}
}

START_TEST(test_trim)
{
	char dir[PATH_MAX];
	struct mon_durable ref;
	struct mon_store *s;
	struct mon_persist t = {.seq = 1, .type = MON_PERSIST_TRIM};

	new_path(dir, sizeof(dir));
	mkfs_at(dir, FSID, "a");
	s = open_ok(dir);
	mon_durable_init(&ref);
	commit_n(s, &ref, 50);
	t.version = 41;
	ck_assert_int_eq(mon_durable_apply(&ref, &t), 0);
	ck_assert_int_eq(mon_store_apply(s, &t, 1, NULL), 0);
	ck_assert_uint_eq(mon_store_first_committed(s), 41);
	assert_store_image(s, &ref);
	commit_n(s, &ref, 5);
	mon_store_close(s);
	s = open_ok(dir);
	assert_store_image(s, &ref);
	/* Trim everything: an empty log with fc = lc + 1. */
	t.version = 1000;
	ck_assert_int_eq(mon_durable_apply(&ref, &t), 0);
	ck_assert_int_eq(mon_store_apply(s, &t, 1, NULL), 0);
	ck_assert_uint_eq(mon_store_first_committed(s), 56);
	mon_store_close(s);
	s = open_ok(dir);
	assert_store_image(s, &ref);
	commit_n(s, &ref, 1);
	assert_store_image(s, &ref);
	mon_store_close(s);
	mon_durable_fini(&ref);
}
END_TEST

/* ---- export / import ---- */

static void export_all(struct mon_store *s, size_t chunk, struct buf *chunks, size_t *n)
{
	struct mon_store_export *ex;
	int rc;

	*n = 0;
	ck_assert_int_eq(mon_store_export_begin(s, chunk, &ex), 0);
	while ((rc = mon_store_export_next(ex, &chunks[*n])) == 1) {
		(*n)++;
		ck_assert_uint_lt(*n, 256);
	}
	ck_assert_int_eq(rc, 0);
	mon_store_export_end(ex);
}

static int import_all(struct mon_store *s, struct buf *chunks, size_t n)
{
	struct mon_store_import *imp;
	int rc;

	ck_assert_int_eq(mon_store_import_begin(s, &imp), 0);
	for (size_t i = 0; i < n; i++) {
		rc = mon_store_import_chunk(imp, chunks[i].data, chunks[i].len);
		if (rc) {
			mon_store_import_abort(imp);
			return rc;
		}
	}
	return mon_store_import_finish(imp);
}

START_TEST(test_export_import)
{
	char src_dir[PATH_MAX], dst_dir[PATH_MAX], other_dir[PATH_MAX], cmd[PATH_MAX + 16];
	struct mon_store *src, *dst, *other;
	struct mon_store_tx *tx = mon_store_tx_create();
	struct mon_durable ref, mine, got;
	struct buf chunks[256], b = BUF_INIT;
	uint8_t k[8], big[3000];
	struct collect col = {0};
	size_t n;

	for (size_t i = 0; i < 256; i++)
		buf_init(&chunks[i]);
	memset(big, 0xab, sizeof(big));
	new_path(src_dir, sizeof(src_dir));
	new_path(dst_dir, sizeof(dst_dir));
	mkfs_at(src_dir, FSID, "a");
	mkfs_at(dst_dir, FSID, "b");
	src = open_ok(src_dir);
	mon_durable_init(&ref);
	commit_n(src, &ref, 30);
	struct mon_persist t = {.seq = 1, .type = MON_PERSIST_TRIM, .version = 11};
	ck_assert_int_eq(mon_durable_apply(&ref, &t), 0);
	ck_assert_int_eq(mon_store_apply(src, &t, 1, NULL), 0);
	for (uint64_t ep = 1; ep <= 40; ep++) {
		mon_store_u64_key(ep, k);
		ck_assert_int_eq(mon_store_tx_put(tx, "osdmap_full", k, 8, big, sizeof(big)), 0);
	}
	ck_assert_int_eq(mon_store_tx_put(tx, "paxos", "last_applied", 12, "30", 2), 0);
	ck_assert_int_eq(mon_store_apply(src, NULL, 0, tx), 0);

	/* The target: wiped, then mkfs'd again; it has voted meanwhile. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dst_dir);
	ck_assert_int_eq(system(cmd), 0);
	mkfs_at(dst_dir, FSID, "b");
	dst = open_ok(dst_dir);
	struct mon_persist vote[] = {
	    {.seq = 1, .type = MON_PERSIST_VOTE, .epoch = 7, .voted_for = 0},
	    {.seq = 2, .type = MON_PERSIST_PROMISE, .pn = 0x500},
	    {.seq = 3, .type = MON_PERSIST_ACCEPT, .pn = 0x500, .version = 1, .value = k, .len = 8},
	};
	ck_assert_int_eq(mon_store_apply(dst, vote, 3, NULL), 0);
	ck_assert_int_eq(mon_store_load(dst, &mine), 0);

	/* Small chunks: many of them, each bounded. */
	export_all(src, 16 << 10, chunks, &n);
	ck_assert_uint_gt(n, 5);
	for (size_t i = 0; i + 1 < n; i++)
		ck_assert_uint_le(chunks[i].len, (16 << 10) + 28 + 3100);

	/* Damaged streams are refused and change nothing. */
	chunks[2].data[40] ^= 1;
	ck_assert_int_eq(import_all(dst, chunks, n), -EINVAL);
	chunks[2].data[40] ^= 1;
	ck_assert_int_eq(import_all(dst, chunks, n - 1), -EINVAL); /* no end chunk */
	{
		/* Chunks swapped. */
		struct buf sw = chunks[1];

		chunks[1] = chunks[2];
		chunks[2] = sw;
		ck_assert_int_eq(import_all(dst, chunks, n), -EINVAL);
		chunks[2] = chunks[1];
		chunks[1] = sw;
	}
	assert_store_image(dst, &mine);

	/* Another cluster's stream. */
	new_path(other_dir, sizeof(other_dir));
	mkfs_at(other_dir, FSID2, "a");
	other = open_ok(other_dir);
	ck_assert_int_eq(import_all(other, chunks, n), -EINVAL);
	mon_store_close(other);

	/* The real thing. */
	ck_assert_int_eq(import_all(dst, chunks, n), 0);
	ck_assert_uint_eq(mon_store_last_committed(dst), 30);
	ck_assert_uint_eq(mon_store_first_committed(dst), 11);
	ck_assert_int_eq(mon_store_load(dst, &got), 0);
	/* Own election state kept; log and service data from the peer. */
	ck_assert_uint_eq(got.epoch, 7);
	ck_assert_uint_eq(got.voted_epoch, 7);
	ck_assert_int_eq(got.voted_for, 0);
	ck_assert_uint_eq(got.promised_pn, 0x500);
	ck_assert_uint_eq(got.unc_version, 0); /* covered by the imported lc */
	ref.epoch = got.epoch;
	ref.voted_epoch = got.voted_epoch;
	ref.voted_for = got.voted_for;
	ref.promised_pn = got.promised_pn;
	assert_same_image(&got, &ref);
	mon_durable_fini(&got);
	ck_assert_str_eq(mon_store_name(dst), "b");
	ck_assert_int_eq(mon_store_iterate(dst, "osdmap_full", NULL, 0, collect_cb, &col), 1);
	ck_assert_uint_eq(col.n, 31); /* stopped by the callback at 31 */
	ck_assert_int_eq(mon_store_get(dst, "paxos", "last_applied", 12, &b), 0);
	ck_assert_mem_eq(b.data, "30", 2);
	mon_store_close(dst);

	/* And it survives a reopen, verified. */
	dst = open_ok(dst_dir);
	ck_assert_int_eq(mon_store_load(dst, &got), 0);
	assert_same_image(&got, &ref);
	mon_durable_fini(&got);
	/* The source moved on: importing an older stream is refused. */
	commit_n(src, &ref, 1);
	ck_assert_int_eq(import_all(src, chunks, n), -ESTALE);
	mon_store_close(dst);
	mon_store_close(src);

	for (size_t i = 0; i < 256; i++)
		buf_fini(&chunks[i]);
	buf_fini(&b);
	mon_durable_fini(&mine);
	mon_durable_fini(&ref);
	mon_store_tx_destroy(tx);
}
END_TEST

/* ---- bad input at open ---- */

/* A digest of every file of a store except RocksDB's own LOG files. */
static uint32_t dir_digest(const char *dir)
{
	struct dirent **names;
	uint32_t crc = 0;
	int n;

	n = scandir(dir, &names, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX * 2], data[4096];
		ssize_t r;
		int fd;

		if (names[i]->d_name[0] == '.' || !strncmp(names[i]->d_name, "LOG", 3)) {
			free(names[i]);
			continue;
		}
		crc = crc32c(crc, names[i]->d_name, strlen(names[i]->d_name));
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			while ((r = read(fd, data, sizeof(data))) > 0)
				crc = crc32c(crc, data, (size_t)r);
			close(fd);
		}
		free(names[i]);
	}
	free(names);
	return crc;
}

static rocksdb_t *raw_open(const char *dir)
{
	char path[PATH_MAX + 16], *err = NULL;
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_t *db;

	snprintf(path, sizeof(path), "%s/store.db", dir);
	rocksdb_options_set_create_if_missing(o, 1);
	db = rocksdb_open(o, path, &err);
	rocksdb_options_destroy(o);
	ck_assert_msg(!err, "%s", err ? err : "");
	return db;
}

static void raw_put(rocksdb_t *db, const void *k, size_t kl, const void *v, size_t vl)
{
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	char *err = NULL;

	rocksdb_put(db, wo, k, kl, v, vl, &err);
	rocksdb_writeoptions_destroy(wo);
	ck_assert(!err);
}

/* Put a record with a valid CRC (so the check that fires is the one meant). */
static void raw_put_rec(rocksdb_t *db, const void *k, size_t kl, const void *pl, size_t pll)
{
	uint8_t v[256];

	ck_assert_uint_le(pll + 4, sizeof(v));
	enc_put_le32(v, crc32c(crc32c(0, k, kl), pl, pll));
	memcpy(v + 4, pl, pll);
	raw_put(db, k, kl, v, pll + 4);
}

static void raw_get(rocksdb_t *db, const void *k, size_t kl, uint8_t *out, size_t *len)
{
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	char *err = NULL, *v;
	size_t vl;

	v = rocksdb_get(db, ro, k, kl, &vl, &err);
	rocksdb_readoptions_destroy(ro);
	ck_assert(!err && v && vl <= *len);
	memcpy(out, v, vl);
	*len = vl;
	rocksdb_free(v);
}

/* Open must fail with @want and leave every data file untouched. */
static void expect_open_fails(const char *dir, int want)
{
	char db[PATH_MAX + 16];
	struct mon_store *s = NULL;
	uint32_t before, after;

	snprintf(db, sizeof(db), "%s/store.db", dir);
	before = dir_digest(db);
	ck_assert_int_eq(mon_store_open(dir, NULL, NULL, &s), want);
	ck_assert_ptr_null(s);
	after = dir_digest(db);
	ck_assert_uint_eq(before, after);
	/* And a second attempt says the same: nothing was "repaired". */
	ck_assert_int_eq(mon_store_open(dir, NULL, NULL, &s), want);
}

START_TEST(test_bad_open)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct mon_store *s = NULL;
	uint8_t sb[256], v[256];
	size_t sblen = sizeof(sb), vlen = sizeof(v);
	rocksdb_t *db;
	int fd;

	/* Missing, empty, not a directory. */
	new_path(dir, sizeof(dir));
	ck_assert_int_eq(mon_store_open(dir, NULL, NULL, &s), -ENOENT);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mon_store_open(dir, NULL, NULL, &s), -ENOENT);
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(mon_store_open(path, NULL, NULL, &s), -ENOTDIR);
	ck_assert_int_eq(mon_store_open(dir, NULL, NULL, &s), -ENOENT); /* no store.db */

	/* Garbage RocksDB: files with the right names, wrong contents. */
	new_path(dir, sizeof(dir));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/store.db/CURRENT", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_eq(write(fd, "MANIFEST-000001\n", 16), 16);
	close(fd);
	snprintf(path, sizeof(path), "%s/store.db/MANIFEST-000001", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_eq(write(fd, "this is not a manifest at all, no", 33), 33);
	close(fd);
	expect_open_fails(dir, -EIO);

	/* A RocksDB without a superblock (someone else's database). */
	new_path(dir, sizeof(dir));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	db = raw_open(dir);
	raw_put(db, "hello", 5, "world", 5);
	rocksdb_close(db);
	expect_open_fails(dir, -EINVAL);

	/* Wrong magic, wrong version (valid CRCs), corrupt superblock. */
	new_path(dir, sizeof(dir));
	mkfs_at(dir, FSID, "a");
	db = raw_open(dir);
	raw_get(db, "S", 1, sb, &sblen);
	memcpy(v, sb + 4, sblen - 4);
	v[0] = 'X';
	raw_put_rec(db, "S", 1, v, sblen - 4);
	rocksdb_close(db);
	expect_open_fails(dir, -EINVAL);
	db = raw_open(dir);
	memcpy(v, sb + 4, sblen - 4);
	enc_put_le32(v + 8, MON_STORE_FORMAT + 1);
	raw_put_rec(db, "S", 1, v, sblen - 4);
	rocksdb_close(db);
	expect_open_fails(dir, -ENOTSUP);
	db = raw_open(dir);
	memcpy(v, sb, sblen);
	v[sblen - 1] ^= 0x40; /* a bit flip in the name */
	raw_put(db, "S", 1, v, sblen);
	rocksdb_close(db);
	expect_open_fails(dir, -EIO);
	db = raw_open(dir);
	raw_put(db, "S", 1, sb, sblen);
	rocksdb_close(db);
	s = open_ok(dir); /* restored: fine again */
	mon_store_close(s);
	s = NULL;

	/* Corrupted records: a log value, a scalar, a service value. */
	{
		struct mon_durable ref;
		uint8_t lk[9] = {'L'};

		s = open_ok(dir);
		mon_durable_init(&ref);
		commit_n(s, &ref, 3);
		mon_durable_fini(&ref);
		mon_store_close(s);
		s = NULL;
		enc_put_be64(lk + 1, 2);
		db = raw_open(dir);
		vlen = sizeof(v);
		raw_get(db, lk, 9, v, &vlen);
		v[vlen - 1] ^= 1;
		raw_put(db, lk, 9, v, vlen);
		rocksdb_close(db);
		expect_open_fails(dir, -EIO);
		db = raw_open(dir);
		v[vlen - 1] ^= 1;
		raw_put(db, lk, 9, v, vlen);
		vlen = sizeof(v);
		raw_get(db, "Ppromise", 8, v, &vlen);
		v[5] ^= 0x10;
		raw_put(db, "Ppromise", 8, v, vlen);
		rocksdb_close(db);
		expect_open_fails(dir, -EIO);
		db = raw_open(dir);
		v[5] ^= 0x10;
		raw_put(db, "Ppromise", 8, v, vlen);
		vlen = sizeof(v);
		raw_get(db, "Vmkfs\0monmap", 12, v, &vlen);
		v[vlen / 2] ^= 0x80;
		raw_put(db, "Vmkfs\0monmap", 12, v, vlen);
		rocksdb_close(db);
		expect_open_fails(dir, -EIO);
		db = raw_open(dir);
		v[vlen / 2] ^= 0x80;
		raw_put(db, "Vmkfs\0monmap", 12, v, vlen);
		/* A log gap: version 2 missing, CRCs all fine. */
		vlen = sizeof(v);
		raw_get(db, lk, 9, v, &vlen);
		{
			rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
			char *err = NULL;

			rocksdb_delete(db, wo, (const char *)lk, 9, &err);
			rocksdb_writeoptions_destroy(wo);
			ck_assert(!err);
		}
		rocksdb_close(db);
		expect_open_fails(dir, -EIO);
		db = raw_open(dir);
		raw_put(db, lk, 9, v, vlen);
		/* An unknown key. */
		raw_put_rec(db, "Zzz", 3, "x", 1);
		rocksdb_close(db);
		expect_open_fails(dir, -EIO);
	}

	/* A bare RocksDB given as the data dir. */
	snprintf(path, sizeof(path), "%s/store.db", dir);
	ck_assert_int_eq(mon_store_open(path, NULL, NULL, &s), -EINVAL);
}
END_TEST

/* ---- group commit ---- */

struct writer {
	struct mon_store *s;
	int id;
};

#define GC_THREADS 4
#define GC_WRITES  40

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct mon_store_tx *tx = mon_store_tx_create();

	for (int i = 0; i < GC_WRITES; i++) {
		uint8_t k[8];
		struct mon_persist p = {.seq = 1,
					.type = MON_PERSIST_EPOCH,
					.epoch = (uint64_t)(i * GC_THREADS + w->id)};

		mon_store_u64_key((uint64_t)(w->id * 1000 + i), k);
		mon_store_tx_reset(tx);
		if (mon_store_tx_put(tx, "gc", k, 8, &i, sizeof(i)) ||
		    mon_store_apply(w->s, &p, 1, tx)) {
			mon_store_tx_destroy(tx);
			return (void *)1;
		}
	}
	mon_store_tx_destroy(tx);
	return NULL;
}

START_TEST(test_group_commit)
{
	char dir[PATH_MAX];
	struct writer w[GC_THREADS];
	pthread_t th[GC_THREADS];
	struct mon_durable d;
	struct mon_store *s;
	unsigned n = 0;

	new_path(dir, sizeof(dir));
	mkfs_at(dir, FSID, "a");
	s = open_ok(dir);
	for (int i = 0; i < GC_THREADS; i++) {
		w[i].s = s;
		w[i].id = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < GC_THREADS; i++) {
		void *ret;

		ck_assert_int_eq(pthread_join(th[i], &ret), 0);
		ck_assert_ptr_null(ret);
	}
	mon_store_close(s);
	s = open_ok(dir);
	ck_assert_int_eq(mon_store_iterate(s, "gc", NULL, 0, count_cb, &n), 0);
	ck_assert_uint_eq(n, GC_THREADS * GC_WRITES);
	ck_assert_int_eq(mon_store_load(s, &d), 0);
	ck_assert_uint_eq(d.epoch, (GC_WRITES - 1) * GC_THREADS + GC_THREADS - 1);
	mon_durable_fini(&d);
	mon_store_close(s);
}
END_TEST

static Suite *mon_store_suite(void)
{
	Suite *su = suite_create("mon_store");
	struct {
		const char *name;
		const TTest *t;
		int loops;
	} cases[] = {
	    {"mkfs", test_mkfs_open_roundtrip, 1},
	    {"persist", test_persist_each_type, 1},
	    {"persist_random", test_persist_matches_reference, 4},
	    {"service", test_service_with_commit, 1},
	    {"trim", test_trim, 1},
	    {"sync", test_export_import, 1},
	    {"bad_open", test_bad_open, 1},
	    {"group_commit", test_group_commit, 1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
		tcase_add_loop_test(tc, cases[i].t, 0, cases[i].loops);
		tcase_set_timeout(tc, 60);
		suite_add_tcase(su, tc);
	}
	return su;
}

UNIT_MAIN(mon_store_suite)
