/*
 * os_int.h - object store internals shared by the osd/store/ files.
 *
 * Key layout (RocksDB, one column family).  Every key starts with a
 * one-byte prefix; integers are big-endian so byte order is numeric order;
 * strings are escaped (0x00 -> 01 01, 0x01 -> 01 02) and end in 0x00, so
 * byte order is string order and a shorter string sorts first.
 *
 *   'S' "super"                     superblock (os_super)
 *   'N' "nid"                       last object nid handed out (le64)
 *   'C' pool^sign(8) seed(4)        collection: bits (le32)
 *   'O' cid(12) hash(4) esc(name) esc(nspace) pool^sign(8) snap(8)
 *                                   onode (encode_onode)
 *   'D' nid(8) lau(8)               inline data of one allocation unit:
 *                                   crc32c (le32) + the bytes (<= au)
 *   'M' nid(8) key                  omap entry
 *   'H' nid(8)                      omap header
 *   'B' chunk(8)                    allocator bitmap, OS_BITMAP_CHUNK units
 *
 * Signed pools are stored with the sign bit flipped so that -1 sorts first.
 */
#ifndef CAIRN_OS_INT_H
#define CAIRN_OS_INT_H

#include <pthread.h>
#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "os.h"
#include "os_bdev.h"

#define OS_FORMAT_VERSION 1
#define OS_SUPER_MAGIC "CAIRNOS1"
#define OS_LABEL_MAGIC "CAIRNBLK"
/* The block label occupies the first 4 KiB; data starts at the next unit. */
#define OS_LABEL_SIZE 4096
#define OS_BITMAP_CHUNK 1024 /* units per 'B' key: 128-byte values */

#define OS_PFX_SUPER 'S'
#define OS_PFX_NID 'N'
#define OS_PFX_COLL 'C'
#define OS_PFX_ONODE 'O'
#define OS_PFX_DATA 'D'
#define OS_PFX_OMAP 'M'
#define OS_PFX_OMAP_HDR 'H'
#define OS_PFX_BITMAP 'B'

#define OS_CID_KEYLEN 13 /* prefix + pool + seed */

/* ---- keys (os_key.c) ---------------------------------------------------- */

void os_key_cid(uint8_t out[OS_CID_KEYLEN], char pfx, const struct os_cid *cid);
/* 'O' key of @oid in @cid.  0 or -ENOMEM. */
int os_key_onode(struct buf *out, const struct os_cid *cid, const struct os_oid *oid);
/*
 * Parse an 'O' key into @out_cid and an owned oid (strings malloc'd into
 * out_oid->name / nspace).  0, -EINVAL (malformed), -ENOMEM.
 */
int os_key_onode_parse(const uint8_t *k, size_t klen, struct os_cid *out_cid,
		       struct os_oid *out_oid);
void os_oid_free(struct os_oid *oid);
int os_oid_dup(struct os_oid *dst, const struct os_oid *src);
/* 'D'/'M'/'H' prefix + nid (9 bytes), optionally followed by more. */
void os_key_nid(uint8_t out[9], char pfx, uint64_t nid);
void os_key_data(uint8_t out[17], uint64_t nid, uint64_t lau);

/* ---- onodes (os_onode.c) ------------------------------------------------ */

/* A run of allocation units: logical [lau, lau+n) at physical [pau, pau+n). */
struct os_run {
	uint64_t lau;
	uint64_t pau;
	uint32_t n;
	uint32_t *crcs; /* one crc32c per unit */
};

struct os_xattr {
	char *name;
	uint8_t *val;
	size_t vlen;
};

#define OS_ONODE_OMAP 0x1 /* omap entries or a header may exist */

struct os_onode {
	uint64_t nid;
	uint64_t size;
	uint64_t version;
	uint32_t flags;
	struct os_xattr *xa; /* sorted by name */
	size_t nxa;
	struct os_run *runs; /* sorted by lau, never overlapping */
	size_t nruns;
};

void os_onode_fini(struct os_onode *o);
int os_onode_encode(const struct os_onode *o, struct buf *out);
/* Decode untrusted bytes.  0, -EIO (checksum or structure), -ENOMEM. */
int os_onode_decode(const uint8_t *p, size_t len, struct os_onode *out);
/* Index of the run holding @lau, or -1. */
long os_onode_find_run(const struct os_onode *o, uint64_t lau);
int os_onode_setattr(struct os_onode *o, const char *name, const void *val, size_t vlen);
bool os_onode_rmattr(struct os_onode *o, const char *name);
const struct os_xattr *os_onode_getattr(const struct os_onode *o, const char *name);
/* Insert a run (its range must be unmapped); takes ownership of crcs. */
int os_onode_add_run(struct os_onode *o, uint64_t lau, uint64_t pau, uint32_t n, uint32_t *crcs);
/*
 * Unmap [a, b).  For each physical range released, @cb(@arg, pau, n) is
 * called.  0 or -ENOMEM.
 */
typedef int (*os_release_fn)(void *arg, uint64_t pau, uint64_t n);
int os_onode_punch(struct os_onode *o, uint64_t a, uint64_t b, os_release_fn cb, void *arg);

/* ---- allocator (os_alloc.c) --------------------------------------------- */

struct os_alloc;

struct os_pext {
	uint64_t pau;
	uint64_t n;
};

/* Units [0, @reserved) are never handed out (the block label). */
int os_alloc_create(uint64_t nunits, uint64_t reserved, struct os_alloc **out);
void os_alloc_destroy(struct os_alloc *a);
/* Load one persisted 'B' chunk.  -EIO if malformed. */
int os_alloc_load_chunk(struct os_alloc *a, uint64_t chunk, const uint8_t *v, size_t vlen);
/*
 * Allocate @want units as few runs as possible (best fit, then next fit
 * from a cursor, then the largest runs first), at most @max runs.  Returns the number of runs
 * written to @out, or -ENOSPC (nothing allocated).
 */
int os_alloc_allocate(struct os_alloc *a, uint64_t want, struct os_pext *out, unsigned max);
/* Undo an allocation of a transaction that failed. */
void os_alloc_unallocate(struct os_alloc *a, uint64_t pau, uint64_t n);
/*
 * Reservations, for data written before its transaction is applied
 * (os_prewrite.c).  os_alloc_reserve() picks units as os_alloc_allocate()
 * does but only makes them busy: the persisted bitmap does not change,
 * so a commit that happens meanwhile records nothing about them.  The
 * commit thread then either claims them (they become used in the batch
 * that references them) or unreserves them (busy again cleared).  Any
 * thread; the allocator's mutex orders them with everything else.
 */
int os_alloc_reserve(struct os_alloc *a, uint64_t want, struct os_pext *out, unsigned max);
void os_alloc_claim(struct os_alloc *a, uint64_t pau, uint64_t n);
void os_alloc_unreserve(struct os_alloc *a, uint64_t pau, uint64_t n);
/*
 * Free units: the persisted bitmap says free from this commit on, but the
 * units stay unavailable until os_alloc_release_commit() (after the commit
 * is durable and no reader can still be using the old data).
 */
void os_alloc_release_prepare(struct os_alloc *a, uint64_t pau, uint64_t n);
void os_alloc_release_undo(struct os_alloc *a, uint64_t pau, uint64_t n);
void os_alloc_release_commit(struct os_alloc *a, uint64_t pau, uint64_t n);
/* Put every chunk changed since the last call into @wb as 'B' keys. */
void os_alloc_flush_dirty(struct os_alloc *a, rocksdb_writebatch_wi_t *wb);
bool os_alloc_is_used(const struct os_alloc *a, uint64_t pau);
/* With @runs, also count the free runs (a scan of the whole bitmap). */
void os_alloc_statfs(struct os_alloc *a, uint64_t au, bool runs, struct os_statfs *out);
uint64_t os_alloc_units(const struct os_alloc *a);

/* ---- transactions (os_txn.c) -------------------------------------------- */

enum os_op_type {
	OS_OP_TOUCH,
	OS_OP_WRITE,
	OS_OP_ZERO,
	OS_OP_TRUNCATE,
	OS_OP_REMOVE,
	OS_OP_CLONE,
	OS_OP_SETATTR,
	OS_OP_RMATTR,
	OS_OP_OMAP_SET,
	OS_OP_OMAP_RM,
	OS_OP_OMAP_RMRANGE,
	OS_OP_OMAP_CLEAR,
	OS_OP_OMAP_SETHEADER,
	OS_OP_MKCOLL,
	OS_OP_RMCOLL,
	OS_OP_MOVE_RENAME,
	OS_OP_SPLIT,
};

struct os_pw;

struct os_op {
	enum os_op_type type;
	struct os_cid cid, cid2;
	struct os_oid oid, oid2; /* owned strings */
	uint64_t off, len;
	unsigned bits;
	struct buf a, b; /* names, keys, values */
	struct buflist data;
	struct os_pw *pw; /* a large write's early data write, or NULL (owned by the txn) */
};

struct os_txn {
	struct os_op *ops;
	unsigned n, cap;
	/* Set by os_queue_transaction. */
	os_done_fn on_applied, on_commit;
	void *arg;
	int status;
	struct os_txn *next;
	/* Physical units this transaction allocated / freed, for undo and commit. */
	struct os_pext *alloc, *freed;
	size_t nalloc, nfreed, capalloc, capfreed;
	/* Early data writes of its large writes, in op order (os_prewrite.c). */
	struct os_pw *pws;
	bool pw_fallback; /* counted in s->pw_fallbacks until the commit thread applied it */
};

/* ---- early data writes (os_prewrite.c) ----------------------------------- */

/* Most physical runs one large write may be split into. */
#define OS_MAX_EXTENTS 64

/*
 * The early write of one large write op.  Built by os_queue_transaction()
 * (reserving ext[] in queue order), filled by the writer pool, consumed
 * by the commit thread.  Units are numbered from lau0: the write covers
 * [lau0, lau0 + nau), of which [full0, full1) lie wholly inside the data
 * and are written (and checksummed) by the pool; partial head and tail
 * units are merged and written by the commit thread, into the same
 * reserved runs.
 */
struct os_pw_chunk;

struct os_pw {
	struct os_pw *next;
	struct os_op *op;
	uint64_t lau0, nau, full0, full1;
	struct os_pext ext[OS_MAX_EXTENTS];
	unsigned next_n; /* runs in ext */
	uint32_t *crcs;	 /* nau entries; [full0, full1) written by the pool */
	struct os_pw_chunk *chunks;
	unsigned nchunks;
	/* Guarded by s->pw_lock. */
	unsigned pending; /* chunks not yet written, +1 until submitted */
	int status;	  /* first write error */
	/* Commit thread only. */
	bool reserved; /* ext[] holds reserved units */
	bool claimed;  /* the units became the object's (t->alloc now owns them) */
};

/*
 * Queue side (os_queue_transaction, any thread): build @t's early writes
 * before taking qlock; reserve their units under it, in queue order
 * (false: no room, or an earlier transaction fell back, so @t falls back
 * to allocating at apply time); submit them to the writer pool after
 * dropping it.  Nothing here blocks on I/O.
 */
void os_pw_prepare(struct os_store *s, struct os_txn *t);
bool os_pw_reserve_locked(struct os_store *s, struct os_txn *t);
void os_pw_submit(struct os_store *s, struct os_txn *t);
/* Commit thread: wait until @pw's pool writes are done; their status. */
int os_pw_wait(struct os_store *s, struct os_pw *pw);
/* Commit thread, after @t was applied or failed: return unclaimed units. */
void os_pw_finish(struct os_store *s, struct os_txn *t);
/* Free @t's early-write records (their units must be claimed or returned). */
void os_pw_free(struct os_txn *t);
/*
 * Write @n units of content @c (from byte @coff) to the device at unit
 * @pau.  Any thread; the units must be ones no onode references.  0, -EIO.
 */
int os_write_units(struct os_store *s, const struct buflist *c, size_t coff, uint64_t pau,
		   uint64_t n);
/* crc32c of bytes [off, off+len) of @bl. */
uint32_t os_crc_range(const struct buflist *bl, size_t off, size_t len);

/* ---- the store ---------------------------------------------------------- */

struct os_store {
	struct os_opts opts;
	rocksdb_t *db;
	rocksdb_options_t *dbopts;
	rocksdb_writeoptions_t *wsync;
	rocksdb_readoptions_t *ropts;
	struct os_bdev *bdev;
	struct os_alloc *alloc;
	uint32_t au;
	uint64_t nunits;
	uint8_t fsid[16];
	int osd_id;
	uint64_t next_nid; /* commit thread only */

	/* Early data writes (os_prewrite.c). */
	struct wq_pool *writers; /* NULL when not mounted (fsck) */
	pthread_mutex_t pw_lock; /* guards os_pw.pending and .status; leaf lock */
	pthread_cond_t pw_cond;
	atomic_uint pw_fallbacks; /* queued txns allocating at apply time */

	/* Commit pipeline. */
	pthread_t kv_thread;
	bool kv_started;
	pthread_mutex_t qlock; /* guards the queue and stopping */
	pthread_cond_t qcond;
	struct os_txn *qhead, *qtail;
	bool stopping;
	bool failed; /* a commit failed: every later transaction gets -EIO */
	rocksdb_writebatch_wi_t *wb; /* commit thread only */
	bool wrote_data; /* commit thread: the group wrote to the block device */

	/*
	 * Readers hold it shared from looking up an onode until they have
	 * read its extents; the commit thread takes it exclusive to return
	 * freed units to the allocator, so a unit is never reused while a
	 * reader may still read the old data in it.
	 */
	pthread_rwlock_t extent_lock;

	atomic_uint_fast64_t n_txns, n_commits, n_flushes, n_csum_errors, n_prewrites,
	    n_pw_fallbacks;
};

/* Data reads shared by the public read path and the commit thread (os_read.c). */

/*
 * Get @key through @wb (when not NULL, then it sees pending writes) or
 * from @ro's view of the DB.  *@out is rocksdb-malloc'd (rocksdb_free).
 * 0, -ENOENT, -EIO.
 */
int os_kv_get(struct os_store *s, rocksdb_writebatch_wi_t *wb, const rocksdb_readoptions_t *ro,
	      const void *key, size_t klen, char **out, size_t *out_len);
rocksdb_iterator_t *os_kv_iter(struct os_store *s, rocksdb_writebatch_wi_t *wb,
			       const rocksdb_readoptions_t *ro);
int os_load_onode(struct os_store *s, rocksdb_writebatch_wi_t *wb,
		  const rocksdb_readoptions_t *ro, const struct os_cid *cid,
		  const struct os_oid *oid, struct os_onode *out);
int os_coll_get(struct os_store *s, rocksdb_writebatch_wi_t *wb, const rocksdb_readoptions_t *ro,
		const struct os_cid *cid, unsigned *out_bits);
/*
 * Fill @buf (au bytes) with logical unit @lau of @o, verifying its
 * checksum: a device run, inline data or a hole (zeros).  0, -EIO.
 */
int os_read_unit(struct os_store *s, rocksdb_writebatch_wi_t *wb,
		 const rocksdb_readoptions_t *ro, const struct os_onode *o, uint64_t lau,
		 uint8_t *buf);
/* Read [off, off+len) of @o into @buf (already cut at size). */
int os_read_range(struct os_store *s, rocksdb_writebatch_wi_t *wb,
		  const rocksdb_readoptions_t *ro, const struct os_onode *o, uint64_t off,
		  uint64_t len, uint8_t *buf);

/* Whether a write of @len bytes goes to the block device (else inline). */
static inline bool os_write_is_big(const struct os_store *s, uint64_t len)
{
	return len >= s->opts.inline_max && len >= s->au;
}

/* Commit thread (os_apply.c): apply one transaction into s->wb. */
int os_apply_txn(struct os_store *s, struct os_txn *t);

/* Superblock (os_store.c). */
struct os_super {
	uint32_t version;
	uint8_t fsid[16];
	int32_t osd_id;
	uint32_t min_alloc_size;
	uint64_t block_size;
};

int os_super_decode(const uint8_t *p, size_t len, struct os_super *out);
/* Open RocksDB, check the superblock and the block label; used by mount and fsck. */
int os_open(const struct os_opts *o, struct os_store **out);
void os_close(struct os_store *s);

#endif
