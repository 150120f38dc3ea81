/*
 * mon_store.c - the monitor's persistent store (see mon_store.h and
 * doc/mon_store.md for the key layout and the atomicity arguments).
 *
 * Role: maps the consensus core's persist actions and the daemon's service
 * writes onto one RocksDB database in <dir>/store.db, one synced
 * WriteBatch per group of writes; loads the durable image back; verifies
 * everything at open; streams the store out and in for full syncs.
 *
 * Threading: any thread.  db_lock (a writer-preferring rwlock) is held for
 * reading by every call that uses the RocksDB handle, and for writing by
 * the calls that replace or close it (import_finish).  lock (a mutex)
 * protects the commit queue and the cached consensus scalars.  Writers
 * queue in arrival order; the first one not yet served becomes the leader,
 * takes the whole queue, writes it as one synced batch without holding
 * lock, then wakes the others (group commit, as LevelDB's writer queue).
 * Lock order: db_lock, then lock.  Nothing blocks on disk while holding
 * lock.
 */
#include "mon_store.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
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

/* ---- key layout ----------------------------------------------------------
 *
 * One byte of namespace, then:
 *   'L' BE64(version)          committed value at version (fc..lc)
 *   'P' name                   consensus scalars: "epoch", "vote",
 *                              "promise", "log" (fc, lc), "unc" (optional)
 *   'S'                        the superblock (identity, format)
 *   'V' prefix '\0' key        service data
 * Every value is a record: LE32 crc32c(key || payload), then the payload.
 * Covering the key means a value that lands under the wrong key (a bug,
 * a misdirected write) fails its check like a flipped bit does.
 */
#define NS_LOG	   'L'
#define NS_PAXOS   'P'
#define NS_SUPER   'S'
#define NS_SERVICE 'V'

#define K_EPOCH	  "Pepoch"
#define K_VOTE	  "Pvote"
#define K_PROMISE "Ppromise"
#define K_LOGB	  "Plog"
#define K_UNC	  "Punc"
#define K_SUPER	  "S"

#define LOG_KEY_LEN 9
#define REC_HDR	    4

#define SB_MAGIC     "CAIRNMON"
#define SB_MAGIC_LEN 8

#define DB_NAME	     "store.db"
#define DB_MKFS_NAME "store.db.mkfs"
#define DB_SYNC_NAME "store.db.sync"

/* Export stream chunk: see doc/mon_store.md. */
#define CH_MAGIC    "CMSX"
#define CH_VERSION  1
#define CH_HDR	    24
#define CH_TRAILER  4
#define CH_F_HEADER 0x1
#define CH_F_END    0x2

/* The scalar part of struct mon_durable: what staleness checks need. */
struct pstate {
	uint64_t epoch;
	uint64_t voted_epoch;
	int32_t voted_for;
	uint64_t promised_pn;
	uint64_t unc_pn, unc_version;
	uint64_t fc, lc;
};

struct commit_req {
	const struct mon_persist *p;
	size_t n;
	const struct mon_store_tx *tx;
	int rc;
	bool done;
	struct commit_req *next;
};

struct mon_store {
	char *dir;
	char *db_path;
	uint8_t fsid[16];
	char name[MON_STORE_NAME_MAX + 1];

	pthread_rwlock_t db_lock; /* rd: using db; wr: replacing it */
	rocksdb_t *db;		  /* NULL after a failed import swap */
	rocksdb_options_t *opts;
	rocksdb_writeoptions_t *wsync; /* sync = 1, always */

	pthread_mutex_t lock; /* protects everything below */
	pthread_cond_t cond;
	struct commit_req *q_head, **q_tail;
	bool writing;	    /* a leader is writing a group */
	int failed;	    /* sticky -EIO once a write failed */
	unsigned n_exports; /* exports hold snapshots of db */
	struct pstate st;
};

/* Transaction ops, encoded in tx->ops as u8 op, LE32 len, bytes, LE32
 * len, bytes (second field empty for deletes). */
enum { TX_PUT = 1, TX_DEL = 2, TX_DEL_RANGE = 3 };

struct mon_store_tx {
	struct buf ops;
	size_t n_ops;
};

struct mon_store_export {
	struct mon_store *s;
	const rocksdb_snapshot_t *snap;
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	size_t chunk_size;
	uint32_t seq;
	uint64_t fc, lc;
	uint64_t n_entries;
	bool ended;
};

struct mon_store_import {
	struct mon_store *s;
	char *path;
	rocksdb_t *db;
	uint32_t seq;
	bool header_seen, ended;
	uint64_t fc, lc;
	uint64_t n_entries, n_log;
	struct buf last_key;
};

/* ---- small helpers ---- */

void mon_store_u64_key(uint64_t v, uint8_t out[MON_STORE_U64_KEY_LEN])
{
	enc_put_be64(out, v);
}

int mon_store_u64_key_parse(const uint8_t *key, size_t len, uint64_t *out_v)
{
	if (len != MON_STORE_U64_KEY_LEN)
		return -EINVAL;
	*out_v = enc_get_be64(key);
	return 0;
}

static char *path_join(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0)
		return NULL;
	return p;
}

static uint32_t rec_crc(const void *key, size_t klen, const void *payload, size_t plen)
{
	return crc32c(crc32c(0, key, klen), payload, plen);
}

/* Encode a record (crc + payload) for @key into @out (reset first). */
static int rec_encode(struct buf *out, const void *key, size_t klen, const void *payload,
		      size_t plen)
{
	uint8_t hdr[REC_HDR];
	int rc;

	buf_reset(out);
	enc_put_le32(hdr, rec_crc(key, klen, payload, plen));
	rc = buf_append(out, hdr, sizeof(hdr));
	if (!rc && plen)
		rc = buf_append(out, payload, plen);
	return rc;
}

/* Check a stored record; on success point at its payload. */
static bool rec_ok(const void *key, size_t klen, const void *val, size_t vlen,
		   const uint8_t **out_payload, size_t *out_plen)
{
	const uint8_t *v = val;

	if (vlen < REC_HDR || enc_get_le32(v) != rec_crc(key, klen, v + REC_HDR, vlen - REC_HDR))
		return false;
	*out_payload = v + REC_HDR;
	*out_plen = vlen - REC_HDR;
	return true;
}

static void log_key(uint64_t v, uint8_t out[LOG_KEY_LEN])
{
	out[0] = NS_LOG;
	enc_put_be64(out + 1, v);
}

static int prefix_check(const char *prefix)
{
	size_t n;

	if (!prefix)
		return -EINVAL;
	n = strlen(prefix);
	return n >= 1 && n <= MON_STORE_PREFIX_MAX ? 0 : -EINVAL;
}

/* 'V' prefix '\0' key into @out (reset first). */
static int svc_key(struct buf *out, const char *prefix, const void *key, size_t klen)
{
	int rc = prefix_check(prefix);

	if (rc)
		return rc;
	buf_reset(out);
	rc = buf_append_byte(out, NS_SERVICE);
	if (!rc)
		rc = buf_append(out, prefix, strlen(prefix) + 1);
	if (!rc && klen)
		rc = buf_append(out, key, klen);
	return rc;
}

/* Is @key a well-formed service key? */
static bool svc_key_valid(const uint8_t *key, size_t klen)
{
	const uint8_t *nul;
	size_t plen;

	if (klen < 3 || key[0] != NS_SERVICE)
		return false;
	nul = memchr(key + 1, '\0', klen - 1);
	if (!nul)
		return false;
	plen = (size_t)(nul - (key + 1));
	return plen >= 1 && plen <= MON_STORE_PREFIX_MAX;
}

/* Turn a RocksDB error string into -EIO, logging it once with context. */
static int rdb_fail(char *err, const char *what, const char *path)
{
	log_err(LOG_ROCKSDB, "%s %s: %s", what, path, err);
	rocksdb_free(err);
	return -EIO;
}

static rocksdb_options_t *db_options(bool create)
{
	rocksdb_options_t *o = rocksdb_options_create();

	rocksdb_options_set_create_if_missing(o, create);
	rocksdb_options_set_error_if_exists(o, create);
	rocksdb_options_set_paranoid_checks(o, 1);
	/* Point-in-time recovery: a torn WAL tail (a write that was never
	 * acknowledged) is dropped instead of refusing to open. */
	rocksdb_options_set_wal_recovery_mode(o, 2);
	rocksdb_options_set_keep_log_file_num(o, 4);
	return o;
}

/* fsync every file of a RocksDB directory (one level) and the directory. */
static int fsync_tree(const char *path)
{
	struct dirent *de;
	int dfd, fd, rc = 0;
	DIR *d;

	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dup(dfd));
	if (!d) {
		rc = -errno;
		goto out_close_dfd;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			break;
		}
		if (fsync(fd))
			rc = -errno;
		close(fd);
		if (rc)
			break;
	}
	closedir(d);
	if (!rc && fsync(dfd))
		rc = -errno;
out_close_dfd:
	close(dfd);
	return rc;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) ? -1 : 0;
}

/* Remove a directory tree we own (a temporary store); missing is fine. */
static int rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS))
		return -errno;
	return 0;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- superblock ---- */

static int sb_encode(struct buf *out, const uint8_t fsid[16], const char *name)
{
	size_t nlen = strlen(name);
	uint8_t hdr[SB_MAGIC_LEN + 4 + 4 + 16 + 2];

	memcpy(hdr, SB_MAGIC, SB_MAGIC_LEN);
	enc_put_le32(hdr + 8, MON_STORE_FORMAT);
	enc_put_le32(hdr + 12, 0); /* flags: none defined */
	memcpy(hdr + 16, fsid, 16);
	enc_put_le16(hdr + 32, (uint16_t)nlen);
	buf_reset(out);
	if (buf_append(out, hdr, sizeof(hdr)) || buf_append(out, name, nlen))
		return -ENOMEM;
	return 0;
}

/*
 * Parse a stored superblock value.  Magic and version are checked before
 * the CRC on purpose: a store of another kind should be reported as "not
 * ours", not as "corrupt".
 */
static int sb_parse(const char *where, const uint8_t *val, size_t vlen, uint8_t out_fsid[16],
		    char out_name[MON_STORE_NAME_MAX + 1])
{
	const uint8_t *pl;
	struct enc_rd r;
	uint32_t format, flags;
	uint16_t nlen;
	size_t plen;

	if (vlen < REC_HDR + SB_MAGIC_LEN || memcmp(val + REC_HDR, SB_MAGIC, SB_MAGIC_LEN)) {
		log_err(LOG_MON, "%s: bad superblock magic: not a cairn monitor store", where);
		return -EINVAL;
	}
	enc_rd_init(&r, val + REC_HDR + SB_MAGIC_LEN, vlen - REC_HDR - SB_MAGIC_LEN);
	if (enc_rd_le32(&r, &format)) {
		log_err(LOG_MON, "%s: truncated superblock", where);
		return -EIO;
	}
	if (format != MON_STORE_FORMAT) {
		log_err(LOG_MON, "%s: store format version %u, this build knows only %u", where,
			format, MON_STORE_FORMAT);
		return -ENOTSUP;
	}
	if (!rec_ok(K_SUPER, 1, val, vlen, &pl, &plen)) {
		log_err(LOG_MON, "%s: superblock checksum mismatch", where);
		return -EIO;
	}
	if (enc_rd_le32(&r, &flags) || enc_rd_bytes(&r, out_fsid, 16) || enc_rd_le16(&r, &nlen) ||
	    nlen == 0 || nlen > MON_STORE_NAME_MAX || enc_rd_left(&r) != nlen) {
		log_err(LOG_MON, "%s: malformed superblock", where);
		return -EIO;
	}
	if (flags) {
		log_err(LOG_MON, "%s: superblock has unknown flags 0x%x", where, flags);
		return -ENOTSUP;
	}
	memcpy(out_name, r.p, nlen);
	out_name[nlen] = '\0';
	return 0;
}

/* ---- consensus scalars ---- */

static void put_rec(rocksdb_writebatch_t *b, struct buf *scratch, const char *key, size_t klen,
		    const void *payload, size_t plen, int *rc)
{
	if (*rc)
		return;
	*rc = rec_encode(scratch, key, klen, payload, plen);
	if (!*rc)
		rocksdb_writebatch_put(b, key, klen, (const char *)scratch->data, scratch->len);
}

static void put_epoch(rocksdb_writebatch_t *b, struct buf *sc, const struct pstate *st, int *rc)
{
	uint8_t v[8];

	enc_put_le64(v, st->epoch);
	put_rec(b, sc, K_EPOCH, strlen(K_EPOCH), v, sizeof(v), rc);
}

static void put_vote(rocksdb_writebatch_t *b, struct buf *sc, const struct pstate *st, int *rc)
{
	uint8_t v[12];

	enc_put_le64(v, st->voted_epoch);
	enc_put_le32(v + 8, (uint32_t)st->voted_for);
	put_rec(b, sc, K_VOTE, strlen(K_VOTE), v, sizeof(v), rc);
}

static void put_promise(rocksdb_writebatch_t *b, struct buf *sc, const struct pstate *st, int *rc)
{
	uint8_t v[8];

	enc_put_le64(v, st->promised_pn);
	put_rec(b, sc, K_PROMISE, strlen(K_PROMISE), v, sizeof(v), rc);
}

static void put_logb(rocksdb_writebatch_t *b, struct buf *sc, const struct pstate *st, int *rc)
{
	uint8_t v[16];

	enc_put_le64(v, st->fc);
	enc_put_le64(v + 8, st->lc);
	put_rec(b, sc, K_LOGB, strlen(K_LOGB), v, sizeof(v), rc);
}

/* The uncommitted value: LE64 pn, LE64 version, then the value bytes. */
static void put_unc(rocksdb_writebatch_t *b, struct buf *sc, const struct mon_persist *p, int *rc)
{
	uint8_t crc[REC_HDR], hdr[16];
	uint32_t c;

	if (*rc)
		return;
	enc_put_le64(hdr, p->pn);
	enc_put_le64(hdr + 8, p->version);
	c = crc32c(crc32c(0, K_UNC, strlen(K_UNC)), hdr, sizeof(hdr));
	if (p->len)
		c = crc32c(c, p->value, p->len);
	enc_put_le32(crc, c);
	buf_reset(sc);
	*rc = buf_append(sc, crc, sizeof(crc));
	if (!*rc)
		*rc = buf_append(sc, hdr, sizeof(hdr));
	if (!*rc && p->len)
		*rc = buf_append(sc, p->value, p->len);
	if (!*rc)
		rocksdb_writebatch_put(b, K_UNC, strlen(K_UNC), (const char *)sc->data, sc->len);
}

/* Fetch and check one record; -ENOENT if absent.  *out_raw: rocksdb_free. */
static int get_rec(rocksdb_t *db, const rocksdb_readoptions_t *ro, const char *key, size_t klen,
		   char **out_raw, const uint8_t **out_payload, size_t *out_plen)
{
	char *err = NULL, *v;
	size_t vlen;

	v = rocksdb_get(db, ro, key, klen, &vlen, &err);
	if (err)
		return rdb_fail(err, "get from", "store");
	if (!v)
		return -ENOENT;
	if (!rec_ok(key, klen, v, vlen, out_payload, out_plen)) {
		rocksdb_free(v);
		return -EIO;
	}
	*out_raw = v;
	return 0;
}

/* Read one fixed-size scalar record into @out (exactly @len bytes). */
static int get_fixed(rocksdb_t *db, const rocksdb_readoptions_t *ro, const char *key, uint8_t *out,
		     size_t len)
{
	const uint8_t *pl;
	char *raw;
	size_t plen;
	int rc;

	rc = get_rec(db, ro, key, strlen(key), &raw, &pl, &plen);
	if (rc) {
		log_err(LOG_MON, "consensus record %s: %s", key + 1,
			rc == -ENOENT ? "missing" : "corrupt");
		return rc == -ENOENT ? -EIO : rc;
	}
	if (plen != len) {
		log_err(LOG_MON, "consensus record %s: bad length %zu", key + 1, plen);
		rocksdb_free(raw);
		return -EIO;
	}
	memcpy(out, pl, len);
	rocksdb_free(raw);
	return 0;
}

/*
 * Read the scalars.  If @unc is not NULL it receives a copy of the
 * uncommitted value (left untouched when there is none).
 */
static int load_scalars(rocksdb_t *db, const rocksdb_readoptions_t *ro, struct pstate *st,
			struct mon_value *unc)
{
	uint8_t b[16];
	const uint8_t *pl;
	char *raw;
	size_t plen;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = get_fixed(db, ro, K_EPOCH, b, 8)))
		return rc;
	st->epoch = enc_get_le64(b);
	if ((rc = get_fixed(db, ro, K_VOTE, b, 12)))
		return rc;
	st->voted_epoch = enc_get_le64(b);
	st->voted_for = (int32_t)enc_get_le32(b + 8);
	if ((rc = get_fixed(db, ro, K_PROMISE, b, 8)))
		return rc;
	st->promised_pn = enc_get_le64(b);
	if ((rc = get_fixed(db, ro, K_LOGB, b, 16)))
		return rc;
	st->fc = enc_get_le64(b);
	st->lc = enc_get_le64(b + 8);
	if (st->fc < 1 || st->lc == UINT64_MAX || st->fc > st->lc + 1) {
		log_err(LOG_MON, "consensus record log: bad bounds fc %" PRIu64 " lc %" PRIu64,
			st->fc, st->lc);
		return -EIO;
	}

	rc = get_rec(db, ro, K_UNC, strlen(K_UNC), &raw, &pl, &plen);
	if (rc == -ENOENT)
		return 0;
	if (rc) {
		log_err(LOG_MON, "consensus record unc: corrupt");
		return rc;
	}
	if (plen < 16) {
		log_err(LOG_MON, "consensus record unc: truncated");
		rc = -EIO;
		goto out_free;
	}
	st->unc_pn = enc_get_le64(pl);
	st->unc_version = enc_get_le64(pl + 8);
	/* The store deletes the value as soon as a commit covers it. */
	if (st->unc_version <= st->lc) {
		log_err(LOG_MON, "consensus record unc: version %" PRIu64 " <= lc %" PRIu64,
			st->unc_version, st->lc);
		rc = -EIO;
		goto out_free;
	}
	if (unc) {
		uint8_t *d = malloc(plen - 16 ? plen - 16 : 1);

		if (!d) {
			rc = -ENOMEM;
			goto out_free;
		}
		memcpy(d, pl + 16, plen - 16);
		unc->data = d;
		unc->len = plen - 16;
	}
out_free:
	rocksdb_free(raw);
	return rc;
}

/*
 * Walk the log keys, checking they are exactly fc..lc with valid records.
 * With @log set, copy each value into log[v - fc].
 */
static int load_log(rocksdb_t *db, const rocksdb_readoptions_t *ro, const struct pstate *st,
		    struct mon_value *log)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
	uint64_t want = st->fc;
	char *err = NULL;
	uint8_t k0[LOG_KEY_LEN];
	int rc = 0;

	log_key(0, k0);
	for (rocksdb_iter_seek(it, (const char *)k0, 1); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t klen, vlen, plen;
		const char *k = rocksdb_iter_key(it, &klen);
		const char *v = rocksdb_iter_value(it, &vlen);
		const uint8_t *pl;
		uint64_t ver;

		if (klen < 1 || k[0] != NS_LOG)
			break;
		if (klen != LOG_KEY_LEN) {
			log_err(LOG_MON, "log: malformed key of %zu bytes", klen);
			rc = -EIO;
			goto out_iter;
		}
		ver = enc_get_be64(k + 1);
		if (ver != want || ver > st->lc) {
			log_err(LOG_MON,
				"log: found version %" PRIu64 ", expected %" PRIu64 " (fc %" PRIu64
				" lc %" PRIu64 ")",
				ver, want, st->fc, st->lc);
			rc = -EIO;
			goto out_iter;
		}
		if (!rec_ok(k, klen, v, vlen, &pl, &plen)) {
			log_err(LOG_MON, "log: version %" PRIu64 " fails its checksum", ver);
			rc = -EIO;
			goto out_iter;
		}
		if (log) {
			struct mon_value *mv = &log[ver - st->fc];

			mv->data = malloc(plen ? plen : 1);
			if (!mv->data) {
				rc = -ENOMEM;
				goto out_iter;
			}
			memcpy(mv->data, pl, plen);
			mv->len = plen;
		}
		want++;
	}
	rocksdb_iter_get_error(it, &err);
	if (err) {
		rc = rdb_fail(err, "iterate", "log");
		goto out_iter;
	}
	if (want != st->lc + 1) {
		log_err(LOG_MON, "log: version %" PRIu64 " missing (fc %" PRIu64 " lc %" PRIu64 ")",
			want, st->fc, st->lc);
		rc = -EIO;
	}
out_iter:
	rocksdb_iter_destroy(it);
	return rc;
}

/* Check the CRC and the shape of every key in the database. */
static int verify_all(rocksdb_t *db, const rocksdb_readoptions_t *ro, const char *where)
{
	rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
	char *err = NULL;
	uint64_t n = 0;
	int rc = 0;

	for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t klen, vlen, plen;
		const char *k = rocksdb_iter_key(it, &klen);
		const char *v = rocksdb_iter_value(it, &vlen);
		const uint8_t *pl;
		bool shape;

		switch (klen ? k[0] : 0) {
		case NS_LOG:
			shape = klen == LOG_KEY_LEN;
			break;
		case NS_PAXOS:
			shape = (klen == strlen(K_EPOCH) && !memcmp(k, K_EPOCH, klen)) ||
				(klen == strlen(K_VOTE) && !memcmp(k, K_VOTE, klen)) ||
				(klen == strlen(K_PROMISE) && !memcmp(k, K_PROMISE, klen)) ||
				(klen == strlen(K_LOGB) && !memcmp(k, K_LOGB, klen)) ||
				(klen == strlen(K_UNC) && !memcmp(k, K_UNC, klen));
			break;
		case NS_SUPER:
			shape = klen == 1;
			break;
		case NS_SERVICE:
			shape = svc_key_valid((const uint8_t *)k, klen);
			break;
		default:
			shape = false;
		}
		if (!shape) {
			log_err(LOG_MON, "%s: unknown key (%zu bytes, first 0x%02x)", where, klen,
				klen ? (unsigned)(uint8_t)k[0] : 0u);
			rc = -EIO;
			goto out_iter;
		}
		if (!rec_ok(k, klen, v, vlen, &pl, &plen)) {
			log_err(LOG_MON, "%s: record '%c' (key of %zu bytes) fails its checksum",
				where, k[0], klen);
			rc = -EIO;
			goto out_iter;
		}
		n++;
	}
	rocksdb_iter_get_error(it, &err);
	if (err)
		rc = rdb_fail(err, "verify", where);
	else
		log_dbg(LOG_MON, 5, "%s: %" PRIu64 " records verified", where, n);
out_iter:
	rocksdb_iter_destroy(it);
	return rc;
}

/* ---- mkfs ---- */

static int mkfs_write(rocksdb_t *db, const char *path, const uint8_t fsid[16], const char *name,
		      const struct monmap *monmap)
{
	rocksdb_writebatch_t *b = rocksdb_writebatch_create();
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	struct buf sc = BUF_INIT, key = BUF_INIT, mm = BUF_INIT;
	struct pstate st = {.voted_for = -1, .fc = 1};
	char *err = NULL;
	int rc;

	rc = sb_encode(&mm, fsid, name);
	put_rec(b, &sc, K_SUPER, 1, mm.data, mm.len, &rc);
	put_epoch(b, &sc, &st, &rc);
	put_vote(b, &sc, &st, &rc);
	put_promise(b, &sc, &st, &rc);
	put_logb(b, &sc, &st, &rc);
	if (!rc) {
		buf_reset(&mm);
		rc = monmap_encode(monmap, &mm);
	}
	if (!rc)
		rc = svc_key(&key, "mkfs", "monmap", 6);
	put_rec(b, &sc, (const char *)key.data, key.len, mm.data, mm.len, &rc);
	if (rc)
		goto out_free;
	rocksdb_writeoptions_set_sync(wo, 1);
	rocksdb_write(db, wo, b, &err);
	if (err)
		rc = rdb_fail(err, "mkfs write", path);
out_free:
	buf_fini(&sc);
	buf_fini(&key);
	buf_fini(&mm);
	rocksdb_writeoptions_destroy(wo);
	rocksdb_writebatch_destroy(b);
	return rc;
}

int mon_store_mkfs(const char *dir, const uint8_t fsid[16], const struct monmap *monmap,
		   const char *my_name)
{
	char *db_path = NULL, *tmp_path = NULL, *err = NULL;
	rocksdb_options_t *o = NULL;
	rocksdb_t *db;
	size_t nlen = my_name ? strlen(my_name) : 0;
	int rc;

	if (uuid_is_zero(fsid) || nlen == 0 || nlen > MON_STORE_NAME_MAX || !monmap) {
		log_err(LOG_MON, "mkfs %s: need a fsid and a monitor name", dir);
		return -EINVAL;
	}
	if (monmap_rank_by_name(monmap, my_name) < 0) {
		log_err(LOG_MON, "mkfs %s: mon.%s is not in the monmap", dir, my_name);
		return -EINVAL;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		rc = -errno;
		log_err(LOG_MON, "mkfs: cannot create %s: %s", dir, strerror(-rc));
		return rc;
	}
	db_path = path_join(dir, DB_NAME);
	tmp_path = path_join(dir, DB_MKFS_NAME);
	if (!db_path || !tmp_path) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (path_exists(db_path)) {
		log_err(LOG_MON, "mkfs: %s already holds a monitor store; not touching it", dir);
		rc = -EEXIST;
		goto out_free;
	}
	/* A leftover of a crashed mkfs was never a live store. */
	rc = rm_tree(tmp_path);
	if (rc)
		goto out_free;

	o = db_options(true);
	db = rocksdb_open(o, tmp_path, &err);
	if (err) {
		rc = rdb_fail(err, "mkfs: create", tmp_path);
		goto out_free;
	}
	rc = mkfs_write(db, tmp_path, fsid, my_name, monmap);
	rocksdb_close(db);
	if (!rc)
		rc = fsync_tree(tmp_path);
	/* NOREPLACE: if a store appeared meanwhile, keep it and fail. */
	if (!rc && renameat2(AT_FDCWD, tmp_path, AT_FDCWD, db_path, RENAME_NOREPLACE))
		rc = -errno;
	if (!rc)
		rc = fsync_dir(dir);
	if (rc) {
		log_err(LOG_MON, "mkfs %s: %s", dir, strerror(-rc));
		rm_tree(tmp_path);
		goto out_free;
	}
	log_info(LOG_MON, "mkfs: created the store of mon.%s in %s", my_name, dir);
out_free:
	if (o)
		rocksdb_options_destroy(o);
	free(tmp_path);
	free(db_path);
	return rc;
}

/* ---- open / close ---- */

static bool dir_is_empty(const char *path)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(path);

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

/* Why can't @dir be opened, before RocksDB sees it?  0 if it looks right. */
static int precheck_dir(const char *dir, const char *db_path)
{
	char *cur = NULL;
	struct stat st;
	int rc = 0;

	if (stat(dir, &st)) {
		rc = -errno;
		log_err(LOG_MON, "mon data %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err(LOG_MON, "mon data %s: not a directory", dir);
		return -ENOTDIR;
	}
	if (stat(db_path, &st)) {
		if (dir_is_empty(dir)) {
			log_err(LOG_MON, "mon data %s is empty: no monitor store (run mkfs)", dir);
			return -ENOENT;
		}
		cur = path_join(dir, "CURRENT");
		if (cur && path_exists(cur)) {
			log_err(LOG_MON, "%s is a bare RocksDB, not a monitor data directory", dir);
			rc = -EINVAL;
		} else {
			log_err(LOG_MON, "mon data %s has no %s: no monitor store (run mkfs)", dir,
				DB_NAME);
			rc = -ENOENT;
		}
		free(cur);
		return rc;
	}
	cur = path_join(db_path, "CURRENT");
	if (!cur)
		return -ENOMEM;
	if (!S_ISDIR(st.st_mode) || !path_exists(cur)) {
		log_err(LOG_MON, "%s is not a RocksDB database", db_path);
		rc = -EINVAL;
	}
	free(cur);
	return rc;
}

/*
 * Everything open checks, on a read-only handle, so that a store which
 * fails is not modified: superblock, identity, every record, consistency
 * of the consensus records.
 */
static int verify_readonly(const char *db_path, const uint8_t *expect_fsid, const char *expect_name,
			   uint8_t out_fsid[16], char out_name[MON_STORE_NAME_MAX + 1])
{
	rocksdb_options_t *o = db_options(false);
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	char *err = NULL, *sb;
	struct pstate st;
	size_t sblen;
	rocksdb_t *db;
	int rc;

	rocksdb_readoptions_set_verify_checksums(ro, 1);
	db = rocksdb_open_for_read_only(o, db_path, 0, &err);
	if (err) {
		rc = rdb_fail(err, "cannot open (corrupt or not a RocksDB?)", db_path);
		goto out_opts;
	}
	sb = rocksdb_get(db, ro, K_SUPER, 1, &sblen, &err);
	if (err) {
		rc = rdb_fail(err, "read superblock of", db_path);
		goto out_close;
	}
	if (!sb) {
		log_err(LOG_MON, "%s: no superblock: not a monitor store (or an interrupted mkfs)",
			db_path);
		rc = -EINVAL;
		goto out_close;
	}
	rc = sb_parse(db_path, (const uint8_t *)sb, sblen, out_fsid, out_name);
	rocksdb_free(sb);
	if (rc)
		goto out_close;
	if (expect_fsid && memcmp(expect_fsid, out_fsid, 16)) {
		char a[UUID_STRLEN], b[UUID_STRLEN];

		uuid_format(out_fsid, a);
		uuid_format(expect_fsid, b);
		log_err(LOG_MON, "%s belongs to cluster %s, not %s", db_path, a, b);
		rc = -EINVAL;
		goto out_close;
	}
	if (expect_name && strcmp(expect_name, out_name)) {
		log_err(LOG_MON, "%s is the store of mon.%s, not mon.%s", db_path, out_name,
			expect_name);
		rc = -EINVAL;
		goto out_close;
	}
	rc = verify_all(db, ro, db_path);
	if (!rc)
		rc = load_scalars(db, ro, &st, NULL);
	if (!rc)
		rc = load_log(db, ro, &st, NULL);
out_close:
	rocksdb_close(db);
out_opts:
	rocksdb_readoptions_destroy(ro);
	rocksdb_options_destroy(o);
	return rc;
}

int mon_store_open(const char *dir, const uint8_t *expect_fsid, const char *expect_name,
		   struct mon_store **out_store)
{
	pthread_rwlockattr_t rwa;
	rocksdb_readoptions_t *ro;
	struct mon_store *s;
	char *err = NULL, *sync_path;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir = strdup(dir);
	s->db_path = path_join(dir, DB_NAME);
	if (!s->dir || !s->db_path) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = precheck_dir(dir, s->db_path);
	if (rc)
		goto out_free;
	rc = verify_readonly(s->db_path, expect_fsid, expect_name, s->fsid, s->name);
	if (rc)
		goto out_free;

	sync_path = path_join(dir, DB_SYNC_NAME);
	if (sync_path && path_exists(sync_path))
		log_warn(LOG_MON, "%s: leftover of an interrupted sync (removed by the next one)",
			 sync_path);
	free(sync_path);

	s->opts = db_options(false);
	s->wsync = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(s->wsync, 1);
	s->db = rocksdb_open(s->opts, s->db_path, &err);
	if (err) {
		/* The only failure after a clean read-only pass worth its own
		 * errno: another cairn-mon holds RocksDB's LOCK. */
		rc = strstr(err, "lock") ? -EBUSY : -EIO;
		log_err(LOG_ROCKSDB, "open %s: %s", s->db_path, err);
		rocksdb_free(err);
		goto out_free;
	}
	ro = rocksdb_readoptions_create();
	rc = load_scalars(s->db, ro, &s->st, NULL);
	rocksdb_readoptions_destroy(ro);
	if (rc)
		goto out_close_db;

	pthread_rwlockattr_init(&rwa);
	/* Writer preference: import_finish must not starve behind readers. */
	pthread_rwlockattr_setkind_np(&rwa, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->db_lock, &rwa);
	pthread_rwlockattr_destroy(&rwa);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->q_tail = &s->q_head;
	log_info(LOG_MON,
		 "opened the store of mon.%s in %s: fc %" PRIu64 " lc %" PRIu64 " epoch %" PRIu64,
		 s->name, dir, s->st.fc, s->st.lc, s->st.epoch);
	*out_store = s;
	return 0;

out_close_db:
	rocksdb_close(s->db);
out_free:
	if (s->wsync)
		rocksdb_writeoptions_destroy(s->wsync);
	if (s->opts)
		rocksdb_options_destroy(s->opts);
	free(s->db_path);
	free(s->dir);
	free(s);
	return rc;
}

void mon_store_close(struct mon_store *s)
{
	if (!s)
		return;
	assert(!s->writing && !s->q_head && !s->n_exports);
	if (s->db)
		rocksdb_close(s->db);
	rocksdb_writeoptions_destroy(s->wsync);
	rocksdb_options_destroy(s->opts);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	pthread_rwlock_destroy(&s->db_lock);
	free(s->db_path);
	free(s->dir);
	free(s);
}

void mon_store_fsid(const struct mon_store *s, uint8_t out[16])
{
	memcpy(out, s->fsid, 16);
}

const char *mon_store_name(const struct mon_store *s)
{
	return s->name;
}

uint64_t mon_store_last_committed(struct mon_store *s)
{
	uint64_t lc;

	pthread_mutex_lock(&s->lock);
	lc = s->st.lc;
	pthread_mutex_unlock(&s->lock);
	return lc;
}

uint64_t mon_store_first_committed(struct mon_store *s)
{
	uint64_t fc;

	pthread_mutex_lock(&s->lock);
	fc = s->st.fc;
	pthread_mutex_unlock(&s->lock);
	return fc;
}

/* ---- loading the durable image ---- */

int mon_store_load(struct mon_store *s, struct mon_durable *out)
{
	const rocksdb_snapshot_t *snap;
	rocksdb_readoptions_t *ro;
	struct mon_durable d;
	struct pstate st;
	size_t n;
	int rc;

	mon_durable_init(&d);
	pthread_rwlock_rdlock(&s->db_lock);
	if (!s->db) {
		rc = -EIO;
		goto out_unlock;
	}
	/* One snapshot: a concurrent apply cannot tear scalars from log. */
	snap = rocksdb_create_snapshot(s->db);
	ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_snapshot(ro, snap);
	rocksdb_readoptions_set_verify_checksums(ro, 1);
	rc = load_scalars(s->db, ro, &st, &d.unc);
	if (rc)
		goto out_snap;
	n = (size_t)(st.lc + 1 - st.fc);
	if (n) {
		d.log = calloc(n, sizeof(*d.log));
		if (!d.log) {
			rc = -ENOMEM;
			goto out_snap;
		}
		d.log_cap = n;
	}
	/* fc/lc only once the log array is filled, so that fini frees the
	 * right entries whatever happens. */
	rc = load_log(s->db, ro, &st, d.log);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(d.log[i].data);
		goto out_snap;
	}
	d.epoch = st.epoch;
	d.voted_epoch = st.voted_epoch;
	d.voted_for = st.voted_for;
	d.promised_pn = st.promised_pn;
	d.unc_pn = st.unc_pn;
	d.unc_version = st.unc_version;
	d.fc = st.fc;
	d.lc = st.lc;
out_snap:
	rocksdb_readoptions_destroy(ro);
	rocksdb_release_snapshot(s->db, snap);
out_unlock:
	pthread_rwlock_unlock(&s->db_lock);
	if (rc) {
		mon_durable_fini(&d);
		return rc;
	}
	*out = d;
	return 0;
}

/* ---- transactions ---- */

struct mon_store_tx *mon_store_tx_create(void)
{
	return calloc(1, sizeof(struct mon_store_tx));
}

void mon_store_tx_destroy(struct mon_store_tx *tx)
{
	if (!tx)
		return;
	buf_fini(&tx->ops);
	free(tx);
}

void mon_store_tx_reset(struct mon_store_tx *tx)
{
	buf_reset(&tx->ops);
	tx->n_ops = 0;
}

bool mon_store_tx_empty(const struct mon_store_tx *tx)
{
	return tx->n_ops == 0;
}

static int tx_add(struct mon_store_tx *tx, uint8_t op, const struct buf *a, const struct buf *b)
{
	size_t old = tx->ops.len;
	uint8_t len[4];
	int rc;

	rc = buf_append_byte(&tx->ops, op);
	enc_put_le32(len, (uint32_t)a->len);
	if (!rc)
		rc = buf_append(&tx->ops, len, 4);
	if (!rc && a->len)
		rc = buf_append(&tx->ops, a->data, a->len);
	enc_put_le32(len, b ? (uint32_t)b->len : 0);
	if (!rc)
		rc = buf_append(&tx->ops, len, 4);
	if (!rc && b && b->len)
		rc = buf_append(&tx->ops, b->data, b->len);
	if (rc) {
		tx->ops.len = old;
		return rc;
	}
	tx->n_ops++;
	return 0;
}

int mon_store_tx_put(struct mon_store_tx *tx, const char *prefix, const void *key, size_t klen,
		     const void *val, size_t vlen)
{
	struct buf k = BUF_INIT, v = BUF_INIT;
	int rc;

	if (klen > UINT32_MAX / 2 || vlen > UINT32_MAX / 2)
		return -EINVAL;
	rc = svc_key(&k, prefix, key, klen);
	if (!rc)
		rc = rec_encode(&v, k.data, k.len, val, vlen);
	if (!rc)
		rc = tx_add(tx, TX_PUT, &k, &v);
	buf_fini(&k);
	buf_fini(&v);
	return rc;
}

int mon_store_tx_delete(struct mon_store_tx *tx, const char *prefix, const void *key, size_t klen)
{
	struct buf k = BUF_INIT;
	int rc;

	rc = svc_key(&k, prefix, key, klen);
	if (!rc)
		rc = tx_add(tx, TX_DEL, &k, NULL);
	buf_fini(&k);
	return rc;
}

int mon_store_tx_trim(struct mon_store_tx *tx, const char *prefix, const void *bound, size_t blen)
{
	struct buf lo = BUF_INIT, hi = BUF_INIT;
	int rc;

	rc = svc_key(&lo, prefix, NULL, 0);
	if (!rc)
		rc = svc_key(&hi, prefix, bound, blen);
	if (!rc)
		rc = tx_add(tx, TX_DEL_RANGE, &lo, &hi);
	buf_fini(&lo);
	buf_fini(&hi);
	return rc;
}

int mon_store_tx_erase_prefix(struct mon_store_tx *tx, const char *prefix)
{
	struct buf lo = BUF_INIT, hi = BUF_INIT;
	int rc;

	rc = svc_key(&lo, prefix, NULL, 0);
	if (!rc)
		rc = svc_key(&hi, prefix, NULL, 0);
	/* 'V' prefix '\1' sorts after every 'V' prefix '\0' key. */
	if (!rc)
		hi.data[hi.len - 1] = 1;
	if (!rc)
		rc = tx_add(tx, TX_DEL_RANGE, &lo, &hi);
	buf_fini(&lo);
	buf_fini(&hi);
	return rc;
}

/* Replay a transaction's ops into a batch (they were validated when added). */
static void tx_replay(const struct mon_store_tx *tx, rocksdb_writebatch_t *b)
{
	struct enc_rd r;

	enc_rd_init(&r, tx->ops.data, tx->ops.len);
	for (size_t i = 0; i < tx->n_ops; i++) {
		const uint8_t *a, *v;
		uint32_t alen, vlen;
		uint8_t op;

		if (enc_rd_u8(&r, &op) || enc_rd_le32(&r, &alen) || enc_rd_ref(&r, alen, &a) ||
		    enc_rd_le32(&r, &vlen) || enc_rd_ref(&r, vlen, &v))
			assert(!"corrupt transaction encoding");
		switch (op) {
		case TX_PUT:
			rocksdb_writebatch_put(b, (const char *)a, alen, (const char *)v, vlen);
			break;
		case TX_DEL:
			rocksdb_writebatch_delete(b, (const char *)a, alen);
			break;
		case TX_DEL_RANGE:
			rocksdb_writebatch_delete_range(b, (const char *)a, alen, (const char *)v,
							vlen);
			break;
		default:
			assert(!"bad transaction op");
		}
	}
}

/* ---- applying persist actions ---- */

static bool persist_valid(const struct mon_persist *p)
{
	if (p->type > MON_PERSIST_TRIM)
		return false;
	if ((p->type == MON_PERSIST_ACCEPT || p->type == MON_PERSIST_COMMIT) && p->len && !p->value)
		return false;
	return true;
}

/*
 * Add one action to the batch and advance @st, mirroring
 * mon_durable_apply() case by case (including what it ignores).
 */
static int add_persist(rocksdb_writebatch_t *b, struct buf *sc, struct pstate *st,
		       const struct mon_persist *p)
{
	uint8_t k[LOG_KEY_LEN], k2[LOG_KEY_LEN];
	uint64_t fc;
	int rc = 0;

	switch (p->type) {
	case MON_PERSIST_EPOCH:
		if (p->epoch > st->epoch) {
			st->epoch = p->epoch;
			put_epoch(b, sc, st, &rc);
		}
		break;
	case MON_PERSIST_VOTE:
		if (p->epoch > st->epoch) {
			st->epoch = p->epoch;
			put_epoch(b, sc, st, &rc);
		}
		st->voted_epoch = p->epoch;
		st->voted_for = p->voted_for;
		put_vote(b, sc, st, &rc);
		break;
	case MON_PERSIST_PROMISE:
		if (p->pn > st->promised_pn) {
			st->promised_pn = p->pn;
			put_promise(b, sc, st, &rc);
		}
		break;
	case MON_PERSIST_ACCEPT:
		if (p->version <= st->lc)
			break;
		/* Always for lc + 1 in the core; the invariant unc > lc (which
		 * load checks) only needs version > lc. */
		put_unc(b, sc, p, &rc);
		st->unc_pn = p->pn;
		st->unc_version = p->version;
		if (p->pn > st->promised_pn) {
			st->promised_pn = p->pn;
			put_promise(b, sc, st, &rc);
		}
		break;
	case MON_PERSIST_COMMIT:
		if (p->version != st->lc + 1)
			break;
		log_key(p->version, k);
		put_rec(b, sc, (const char *)k, sizeof(k), p->value, p->len, &rc);
		st->lc++;
		put_logb(b, sc, st, &rc);
		if (st->unc_version && st->unc_version <= st->lc) {
			rocksdb_writebatch_delete(b, K_UNC, strlen(K_UNC));
			st->unc_version = st->unc_pn = 0;
		}
		break;
	case MON_PERSIST_TRIM:
		fc = p->version > st->lc + 1 ? st->lc + 1 : p->version;
		if (fc <= st->fc)
			break;
		log_key(st->fc, k);
		log_key(fc, k2);
		rocksdb_writebatch_delete_range(b, (const char *)k, sizeof(k), (const char *)k2,
						sizeof(k2));
		st->fc = fc;
		put_logb(b, sc, st, &rc);
		break;
	}
	return rc;
}

/* One caller's part of a group: all or nothing within the batch. */
static int add_request(rocksdb_writebatch_t *b, struct buf *sc, struct pstate *st,
		       const struct commit_req *r)
{
	struct pstate saved = *st;
	char *err = NULL;
	int rc = 0;

	for (size_t i = 0; i < r->n; i++)
		if (!persist_valid(&r->p[i])) {
			log_err(LOG_MON, "store: persist seq %" PRIu64 " has bad type %u",
				r->p[i].seq, r->p[i].type);
			return -EINVAL;
		}
	rocksdb_writebatch_set_save_point(b);
	for (size_t i = 0; i < r->n && !rc; i++)
		rc = add_persist(b, sc, st, &r->p[i]);
	if (rc) {
		*st = saved;
		rocksdb_writebatch_rollback_to_save_point(b, &err);
	} else {
		rocksdb_writebatch_pop_save_point(b, &err);
		if (r->tx)
			tx_replay(r->tx, b);
	}
	assert(!err); /* a save point was just set */
	return rc;
}

/* Leader: build and write one group.  Sets each request's rc. */
static int write_group(struct mon_store *s, struct commit_req *group, struct pstate *st)
{
	rocksdb_writebatch_t *b = rocksdb_writebatch_create();
	struct buf sc = BUF_INIT;
	unsigned n_req = 0;
	char *err = NULL;
	int rc = 0;

	for (struct commit_req *r = group; r; r = r->next, n_req++)
		r->rc = add_request(b, &sc, st, r);
	if (rocksdb_writebatch_count(b) > 0) {
		rocksdb_write(s->db, s->wsync, b, &err);
		if (err)
			rc = rdb_fail(err, "synced write to", s->db_path);
	}
	log_dbg(LOG_MON, 20, "store: group of %u requests, %d ops, lc %" PRIu64 ": %d", n_req,
		rocksdb_writebatch_count(b), st->lc, rc);
	rocksdb_writebatch_destroy(b);
	buf_fini(&sc);
	return rc;
}

int mon_store_apply(struct mon_store *s, const struct mon_persist *p, size_t n,
		    const struct mon_store_tx *tx)
{
	struct commit_req req = {.p = p, .n = n, .tx = tx};
	struct commit_req *group, *r, *next;
	struct pstate st;
	int rc;

	pthread_rwlock_rdlock(&s->db_lock);
	pthread_mutex_lock(&s->lock);
	*s->q_tail = &req;
	s->q_tail = &req.next;
	while (!req.done && s->writing)
		pthread_cond_wait(&s->cond, &s->lock);
	if (req.done)
		goto out_unlock;

	/* Leader: take everything queued, ours included. */
	group = s->q_head;
	s->q_head = NULL;
	s->q_tail = &s->q_head;
	s->writing = true;
	st = s->st;
	rc = s->failed ? s->failed : (s->db ? 0 : -EIO);
	pthread_mutex_unlock(&s->lock);

	if (!rc)
		rc = write_group(s, group, &st);

	pthread_mutex_lock(&s->lock);
	if (!rc)
		s->st = st;
	else
		s->failed = -EIO;
	for (r = group; r; r = next) {
		next = r->next; /* r may vanish once done is set */
		if (rc)
			r->rc = rc;
		r->done = true;
	}
	s->writing = false;
	pthread_cond_broadcast(&s->cond);
out_unlock:
	pthread_mutex_unlock(&s->lock);
	pthread_rwlock_unlock(&s->db_lock);
	return req.rc;
}

/* ---- reading service data ---- */

int mon_store_get(struct mon_store *s, const char *prefix, const void *key, size_t klen,
		  struct buf *out)
{
	rocksdb_readoptions_t *ro;
	struct buf k = BUF_INIT;
	const uint8_t *pl;
	char *raw = NULL;
	size_t plen;
	int rc;

	rc = svc_key(&k, prefix, key, klen);
	if (rc)
		return rc;
	pthread_rwlock_rdlock(&s->db_lock);
	if (!s->db) {
		rc = -EIO;
		goto out_unlock;
	}
	ro = rocksdb_readoptions_create();
	rc = get_rec(s->db, ro, (const char *)k.data, k.len, &raw, &pl, &plen);
	rocksdb_readoptions_destroy(ro);
	if (rc == -EIO)
		log_err(LOG_MON, "store: service record %s/(%zu bytes) is corrupt", prefix, klen);
	if (!rc)
		rc = buf_append(out, pl, plen);
	rocksdb_free(raw);
out_unlock:
	pthread_rwlock_unlock(&s->db_lock);
	buf_fini(&k);
	return rc;
}

int mon_store_iterate(struct mon_store *s, const char *prefix, const void *start, size_t slen,
		      mon_store_iter_fn fn, void *arg)
{
	const rocksdb_snapshot_t *snap;
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	struct buf lo = BUF_INIT, seek = BUF_INIT;
	char *err = NULL;
	int rc;

	rc = svc_key(&lo, prefix, NULL, 0);
	if (!rc)
		rc = svc_key(&seek, prefix, start, start ? slen : 0);
	if (rc)
		goto out_free;
	pthread_rwlock_rdlock(&s->db_lock);
	if (!s->db) {
		rc = -EIO;
		goto out_unlock;
	}
	snap = rocksdb_create_snapshot(s->db);
	ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_snapshot(ro, snap);
	it = rocksdb_create_iterator(s->db, ro);
	for (rocksdb_iter_seek(it, (const char *)seek.data, seek.len); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t klen, vlen, plen;
		const char *k = rocksdb_iter_key(it, &klen);
		const char *v = rocksdb_iter_value(it, &vlen);
		const uint8_t *pl;

		if (klen < lo.len || memcmp(k, lo.data, lo.len))
			break;
		if (!rec_ok(k, klen, v, vlen, &pl, &plen)) {
			log_err(LOG_MON, "store: service record under %s is corrupt", prefix);
			rc = -EIO;
			break;
		}
		rc = fn(arg, (const uint8_t *)k + lo.len, klen - lo.len, pl, plen);
		if (rc)
			break;
	}
	if (!rc) {
		rocksdb_iter_get_error(it, &err);
		if (err)
			rc = rdb_fail(err, "iterate", s->db_path);
	}
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	rocksdb_release_snapshot(s->db, snap);
out_unlock:
	pthread_rwlock_unlock(&s->db_lock);
out_free:
	buf_fini(&lo);
	buf_fini(&seek);
	return rc;
}

static int edge_key(struct mon_store *s, const char *prefix, bool last, struct buf *out_key)
{
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	struct buf lo = BUF_INIT, hi = BUF_INIT;
	char *err = NULL;
	int rc;

	rc = svc_key(&lo, prefix, NULL, 0);
	if (!rc)
		rc = svc_key(&hi, prefix, NULL, 0);
	if (rc)
		goto out_free;
	hi.data[hi.len - 1] = 1;
	pthread_rwlock_rdlock(&s->db_lock);
	if (!s->db) {
		rc = -EIO;
		goto out_unlock;
	}
	ro = rocksdb_readoptions_create();
	it = rocksdb_create_iterator(s->db, ro);
	if (last)
		rocksdb_iter_seek_for_prev(it, (const char *)hi.data, hi.len);
	else
		rocksdb_iter_seek(it, (const char *)lo.data, lo.len);
	rc = -ENOENT;
	if (rocksdb_iter_valid(it)) {
		size_t klen;
		const char *k = rocksdb_iter_key(it, &klen);

		if (klen >= lo.len && !memcmp(k, lo.data, lo.len))
			rc = buf_append(out_key, k + lo.len, klen - lo.len);
	} else {
		rocksdb_iter_get_error(it, &err);
		if (err)
			rc = rdb_fail(err, "seek", s->db_path);
	}
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
out_unlock:
	pthread_rwlock_unlock(&s->db_lock);
out_free:
	buf_fini(&lo);
	buf_fini(&hi);
	return rc;
}

int mon_store_first_key(struct mon_store *s, const char *prefix, struct buf *out_key)
{
	return edge_key(s, prefix, false, out_key);
}

int mon_store_last_key(struct mon_store *s, const char *prefix, struct buf *out_key)
{
	return edge_key(s, prefix, true, out_key);
}

/* ---- export ---- */

/*
 * Chunk: "CMSX" | LE32 version | LE32 seq | LE32 flags | LE32 n_entries |
 * LE32 payload_len | payload | LE32 crc32c(all before).  Entries: LE32
 * klen | key | LE32 vlen | stored value (the record, with its own CRC).
 */
static int chunk_begin(struct buf *out, size_t *out_start)
{
	uint8_t hdr[CH_HDR] = {0};

	*out_start = out->len;
	return buf_append(out, hdr, sizeof(hdr));
}

static int chunk_end(struct buf *out, size_t start, uint32_t seq, uint32_t flags, uint32_t n)
{
	uint8_t *h = out->data + start, crc[CH_TRAILER];
	size_t plen = out->len - start - CH_HDR;

	memcpy(h, CH_MAGIC, 4);
	enc_put_le32(h + 4, CH_VERSION);
	enc_put_le32(h + 8, seq);
	enc_put_le32(h + 12, flags);
	enc_put_le32(h + 16, n);
	enc_put_le32(h + 20, (uint32_t)plen);
	enc_put_le32(crc, crc32c(0, h, CH_HDR + plen));
	return buf_append(out, crc, sizeof(crc));
}

int mon_store_export_begin(struct mon_store *s, size_t chunk_size, struct mon_store_export **out_ex)
{
	struct mon_store_export *ex;
	struct pstate st;
	int rc;

	if (chunk_size > MON_STORE_CHUNK_MAX)
		return -EINVAL;
	ex = calloc(1, sizeof(*ex));
	if (!ex)
		return -ENOMEM;
	ex->s = s;
	ex->chunk_size = chunk_size ? chunk_size : MON_STORE_CHUNK_DEFAULT;
	pthread_rwlock_rdlock(&s->db_lock);
	if (!s->db) {
		rc = -EIO;
		goto out_unlock;
	}
	ex->snap = rocksdb_create_snapshot(s->db);
	ex->ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_snapshot(ex->ro, ex->snap);
	rocksdb_readoptions_set_verify_checksums(ex->ro, 1);
	rc = load_scalars(s->db, ex->ro, &st, NULL);
	if (rc) {
		rocksdb_readoptions_destroy(ex->ro);
		rocksdb_release_snapshot(s->db, ex->snap);
		goto out_unlock;
	}
	ex->fc = st.fc;
	ex->lc = st.lc;
	ex->it = rocksdb_create_iterator(s->db, ex->ro);
	rocksdb_iter_seek_to_first(ex->it);
	/* The snapshot pins this db handle: import_finish refuses to swap
	 * it (-EBUSY) and close asserts while an export is open. */
	pthread_mutex_lock(&s->lock);
	s->n_exports++;
	pthread_mutex_unlock(&s->lock);
	pthread_rwlock_unlock(&s->db_lock);
	*out_ex = ex;
	return 0;
out_unlock:
	pthread_rwlock_unlock(&s->db_lock);
	free(ex);
	return rc;
}

/* Chunk 0: the stream header (no entries). */
static int export_header(struct mon_store_export *ex, struct buf *out)
{
	size_t start, before = out->len;
	uint8_t hdr[32];
	int rc;

	memcpy(hdr, ex->s->fsid, 16);
	enc_put_le64(hdr + 16, ex->fc);
	enc_put_le64(hdr + 24, ex->lc);
	rc = chunk_begin(out, &start);
	if (!rc)
		rc = buf_append(out, hdr, sizeof(hdr));
	if (!rc)
		rc = chunk_end(out, start, 0, CH_F_HEADER, 0);
	if (rc) {
		out->len = before;
		return rc;
	}
	ex->seq = 1;
	return 1;
}

int mon_store_export_next(struct mon_store_export *ex, struct buf *out)
{
	size_t start, before = out->len;
	uint32_t n = 0, flags = 0;
	uint8_t l4[4], total[8];
	char *err = NULL;
	int rc;

	if (ex->ended)
		return 0;
	if (ex->seq == 0)
		return export_header(ex, out);
	rc = chunk_begin(out, &start);
	if (rc)
		return rc;
	pthread_rwlock_rdlock(&ex->s->db_lock);
	for (; rocksdb_iter_valid(ex->it); rocksdb_iter_next(ex->it)) {
		size_t klen, vlen;
		const char *k = rocksdb_iter_key(ex->it, &klen);
		const char *v = rocksdb_iter_value(ex->it, &vlen);

		/* Identity and election state stay with each monitor. */
		if (klen && (k[0] == NS_SUPER || k[0] == NS_PAXOS))
			continue;
		if (n && out->len - start - CH_HDR + 8 + klen + vlen > ex->chunk_size)
			break;
		enc_put_le32(l4, (uint32_t)klen);
		rc = buf_append(out, l4, 4);
		if (!rc)
			rc = buf_append(out, k, klen);
		enc_put_le32(l4, (uint32_t)vlen);
		if (!rc)
			rc = buf_append(out, l4, 4);
		if (!rc)
			rc = buf_append(out, v, vlen);
		if (rc)
			goto out_undo;
		n++;
	}
	rocksdb_iter_get_error(ex->it, &err);
	if (err) {
		rc = rdb_fail(err, "export", ex->s->db_path);
		goto out_undo;
	}
	if (!rocksdb_iter_valid(ex->it)) {
		/* The end chunk carries the total, as a cross-check. */
		flags = CH_F_END;
		enc_put_le64(total, ex->n_entries + n);
		rc = buf_append(out, total, sizeof(total));
	}
	if (!rc)
		rc = chunk_end(out, start, ex->seq, flags, n);
	if (rc)
		goto out_undo;
	pthread_rwlock_unlock(&ex->s->db_lock);
	ex->n_entries += n;
	ex->seq++;
	if (flags & CH_F_END)
		ex->ended = true;
	return 1;
out_undo:
	/* The iterator moved on: a failed export cannot be resumed. */
	pthread_rwlock_unlock(&ex->s->db_lock);
	out->len = before;
	return rc;
}

void mon_store_export_end(struct mon_store_export *ex)
{
	if (!ex)
		return;
	pthread_rwlock_rdlock(&ex->s->db_lock);
	rocksdb_iter_destroy(ex->it);
	rocksdb_readoptions_destroy(ex->ro);
	rocksdb_release_snapshot(ex->s->db, ex->snap);
	pthread_rwlock_unlock(&ex->s->db_lock);
	pthread_mutex_lock(&ex->s->lock);
	ex->s->n_exports--;
	pthread_mutex_unlock(&ex->s->lock);
	free(ex);
}

/* ---- import ---- */

int mon_store_import_begin(struct mon_store *s, struct mon_store_import **out_imp)
{
	struct mon_store_import *imp;
	rocksdb_options_t *o;
	char *err = NULL;
	int rc;

	imp = calloc(1, sizeof(*imp));
	if (!imp)
		return -ENOMEM;
	imp->s = s;
	imp->path = path_join(s->dir, DB_SYNC_NAME);
	if (!imp->path) {
		rc = -ENOMEM;
		goto out_free;
	}
	/* Only this process's previous, interrupted import could be here. */
	rc = rm_tree(imp->path);
	if (rc) {
		log_err(LOG_MON, "import: cannot remove %s: %s", imp->path, strerror(-rc));
		goto out_free;
	}
	o = db_options(true);
	imp->db = rocksdb_open(o, imp->path, &err);
	rocksdb_options_destroy(o);
	if (err) {
		rc = rdb_fail(err, "import: create", imp->path);
		goto out_free;
	}
	*out_imp = imp;
	return 0;
out_free:
	free(imp->path);
	free(imp);
	return rc;
}

static int import_header(struct mon_store_import *imp, struct enc_rd *r)
{
	uint8_t fsid[16];

	if (enc_rd_bytes(r, fsid, 16) || enc_rd_le64(r, &imp->fc) || enc_rd_le64(r, &imp->lc) ||
	    enc_rd_left(r))
		return -EINVAL;
	if (memcmp(fsid, imp->s->fsid, 16)) {
		log_err(LOG_MON, "import: stream is from another cluster");
		return -EINVAL;
	}
	if (imp->fc < 1 || imp->lc == UINT64_MAX || imp->fc > imp->lc + 1)
		return -EINVAL;
	imp->header_seen = true;
	return 0;
}

/* Validate one entry: shape, order, CRC; log keys within [fc, lc]. */
static int import_entry(struct mon_store_import *imp, const uint8_t *k, uint32_t klen,
			const uint8_t *v, uint32_t vlen)
{
	const uint8_t *pl;
	size_t plen;
	int c;

	if (klen == 0)
		return -EINVAL;
	if (imp->last_key.len) {
		c = memcmp(imp->last_key.data, k, MIN(imp->last_key.len, klen));
		if (c > 0 || (c == 0 && imp->last_key.len >= klen))
			return -EINVAL; /* out of order or duplicate */
	}
	if (k[0] == NS_LOG) {
		uint64_t ver;

		if (klen != LOG_KEY_LEN)
			return -EINVAL;
		ver = enc_get_be64(k + 1);
		if (ver < imp->fc || ver > imp->lc)
			return -EINVAL;
		imp->n_log++;
	} else if (!svc_key_valid(k, klen)) {
		return -EINVAL;
	}
	if (!rec_ok(k, klen, v, vlen, &pl, &plen))
		return -EINVAL;
	buf_reset(&imp->last_key);
	return buf_append(&imp->last_key, k, klen);
}

int mon_store_import_chunk(struct mon_store_import *imp, const void *data, size_t len)
{
	const uint8_t *c = data;
	rocksdb_writebatch_t *b;
	rocksdb_writeoptions_t *wo;
	uint32_t seq, flags, n, plen;
	struct enc_rd r;
	char *err = NULL;
	int rc = 0;

	if (len < CH_HDR + CH_TRAILER || len > CH_HDR + CH_TRAILER + (size_t)MON_STORE_CHUNK_MAX ||
	    memcmp(c, CH_MAGIC, 4) || enc_get_le32(c + 4) != CH_VERSION) {
		log_err(LOG_MON, "import: not a store sync chunk (%zu bytes)", len);
		return -EINVAL;
	}
	seq = enc_get_le32(c + 8);
	flags = enc_get_le32(c + 12);
	n = enc_get_le32(c + 16);
	plen = enc_get_le32(c + 20);
	if (plen != len - CH_HDR - CH_TRAILER ||
	    enc_get_le32(c + len - CH_TRAILER) != crc32c(0, c, len - CH_TRAILER)) {
		log_err(LOG_MON, "import: chunk %u: bad length or checksum", seq);
		return -EINVAL;
	}
	if (imp->ended || seq != imp->seq || !!(flags & CH_F_HEADER) != (seq == 0) ||
	    (flags & ~(uint32_t)(CH_F_HEADER | CH_F_END))) {
		log_err(LOG_MON, "import: chunk %u out of sequence (expected %u%s)", seq, imp->seq,
			imp->ended ? ", after the end" : "");
		return -EINVAL;
	}
	enc_rd_init(&r, c + CH_HDR, plen);
	if (flags & CH_F_HEADER) {
		rc = import_header(imp, &r);
		if (rc)
			log_err(LOG_MON, "import: bad stream header");
		else
			imp->seq++;
		return rc;
	}

	b = rocksdb_writebatch_create();
	for (uint32_t i = 0; i < n && !rc; i++) {
		const uint8_t *k = NULL, *v = NULL;
		uint32_t klen = 0, vlen = 0;

		if (enc_rd_le32(&r, &klen) || enc_rd_ref(&r, klen, &k) || enc_rd_le32(&r, &vlen) ||
		    enc_rd_ref(&r, vlen, &v))
			rc = -EINVAL;
		if (!rc)
			rc = import_entry(imp, k, klen, v, vlen);
		if (!rc)
			rocksdb_writebatch_put(b, (const char *)k, klen, (const char *)v, vlen);
	}
	if (!rc && (flags & CH_F_END)) {
		uint64_t total;

		if (enc_rd_le64(&r, &total) || total != imp->n_entries + n ||
		    imp->n_log != imp->lc + 1 - imp->fc)
			rc = -EINVAL;
	}
	if (!rc && enc_rd_left(&r))
		rc = -EINVAL;
	if (rc) {
		log_err(LOG_MON, "import: chunk %u: malformed, out-of-order or corrupt entries",
			seq);
		goto out_batch;
	}
	/* Synced like every write, so that _finish has nothing left to
	 * flush but its own batch. */
	wo = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(wo, 1);
	rocksdb_write(imp->db, wo, b, &err);
	rocksdb_writeoptions_destroy(wo);
	if (err) {
		rc = rdb_fail(err, "import: write", imp->path);
		goto out_batch;
	}
	imp->n_entries += n;
	imp->seq++;
	if (flags & CH_F_END)
		imp->ended = true;
out_batch:
	rocksdb_writebatch_destroy(b);
	return rc;
}

void mon_store_import_abort(struct mon_store_import *imp)
{
	if (!imp)
		return;
	if (imp->db)
		rocksdb_close(imp->db);
	rm_tree(imp->path);
	buf_fini(&imp->last_key);
	free(imp->path);
	free(imp);
}

/* Copy one raw record (superblock, uncommitted value) from the live store. */
static int copy_raw(rocksdb_t *from, rocksdb_writebatch_t *b, const char *key)
{
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	char *err = NULL, *v;
	size_t vlen;

	v = rocksdb_get(from, ro, key, strlen(key), &vlen, &err);
	rocksdb_readoptions_destroy(ro);
	if (err)
		return rdb_fail(err, "import: read", key);
	if (!v)
		return -EIO;
	rocksdb_writebatch_put(b, key, strlen(key), v, vlen);
	rocksdb_free(v);
	return 0;
}

/* Write this monitor's own records into the new store, then seal it. */
static int import_seal(struct mon_store_import *imp, struct pstate *nst)
{
	struct mon_store *s = imp->s;
	rocksdb_writebatch_t *b = rocksdb_writebatch_create();
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	struct buf sc = BUF_INIT;
	char *err = NULL;
	int rc;

	rc = copy_raw(s->db, b, K_SUPER);
	put_epoch(b, &sc, nst, &rc);
	put_vote(b, &sc, nst, &rc);
	put_promise(b, &sc, nst, &rc);
	put_logb(b, &sc, nst, &rc);
	if (!rc && nst->unc_version)
		rc = copy_raw(s->db, b, K_UNC);
	if (rc)
		goto out_free;
	rocksdb_writeoptions_set_sync(wo, 1);
	rocksdb_write(imp->db, wo, b, &err);
	if (err) {
		rc = rdb_fail(err, "import: seal", imp->path);
		goto out_free;
	}
	rocksdb_close(imp->db);
	imp->db = NULL;
	/* Belt and braces: the synced WAL already holds everything, but the
	 * new directory's entries must be durable before the exchange. */
	rc = fsync_tree(imp->path);
out_free:
	buf_fini(&sc);
	rocksdb_writeoptions_destroy(wo);
	rocksdb_writebatch_destroy(b);
	return rc;
}

int mon_store_import_finish(struct mon_store_import *imp)
{
	struct mon_store *s = imp->s;
	struct pstate nst;
	char *err = NULL;
	int rc;

	if (!imp->ended) {
		log_err(LOG_MON, "import: stream ended early (after chunk %u)", imp->seq);
		rc = -EINVAL;
		goto out_abort;
	}
	/* Exclusive: no apply, read or export runs while the handle changes. */
	pthread_rwlock_wrlock(&s->db_lock);
	if (!s->db || s->failed) {
		rc = -EIO;
		goto out_unlock;
	}
	if (s->n_exports) {
		log_err(LOG_MON, "import: %u exports still open", s->n_exports);
		rc = -EBUSY;
		goto out_unlock;
	}
	nst = s->st;
	if (imp->lc < nst.lc) {
		log_err(LOG_MON, "import: stream lc %" PRIu64 " is behind ours %" PRIu64, imp->lc,
			nst.lc);
		rc = -ESTALE;
		goto out_unlock;
	}
	/* As mon_durable_install_sync(), but keeping the peer's log. */
	nst.fc = imp->fc;
	nst.lc = imp->lc;
	if (nst.unc_version && nst.unc_version <= nst.lc)
		nst.unc_version = nst.unc_pn = 0;
	rc = import_seal(imp, &nst);
	if (rc)
		goto out_unlock;

	rocksdb_close(s->db);
	s->db = NULL;
	if (renameat2(AT_FDCWD, imp->path, AT_FDCWD, s->db_path, RENAME_EXCHANGE)) {
		rc = errno == EINVAL ? -ENOTSUP : -errno;
		log_err(LOG_MON, "import: cannot exchange %s and %s: %s", imp->path, s->db_path,
			strerror(errno));
	} else {
		/* Crash from here on: the new store (the rename is atomic; the
		 * fsync only makes it survive power loss). */
		fsync_dir(s->dir);
	}
	s->db = rocksdb_open(s->opts, s->db_path, &err);
	if (err) {
		rc = rdb_fail(err, "import: reopen", s->db_path);
		s->db = NULL;
		s->failed = -EIO;
		goto out_unlock;
	}
	if (!rc) {
		pthread_mutex_lock(&s->lock);
		s->st = nst;
		pthread_mutex_unlock(&s->lock);
		log_info(LOG_MON, "import: installed a synced store, fc %" PRIu64 " lc %" PRIu64,
			 nst.fc, nst.lc);
	}
out_unlock:
	pthread_rwlock_unlock(&s->db_lock);
out_abort:
	/* After a successful exchange, imp->path holds the old store. */
	mon_store_import_abort(imp);
	return rc;
}
