/*
 * os.h - the object store: Cairn's RocksDB-backed block store.
 *
 * An OSD keeps its objects here.  Object data lives in a block file (a
 * preallocated regular file or a raw block device); everything else -
 * the superblock, collections, onodes (size, version, extent map with a
 * crc32c per allocation unit, xattrs), small object data, omap and the
 * allocator's free list - lives in RocksDB.  doc/store.md describes the
 * on-disk layout and argues crash safety.
 *
 * Model.  Objects are grouped in collections (one per PG, plus any the
 * OSD wants for its own metadata) and addressed by struct os_oid.  All
 * changes are made by transactions: build a struct os_txn with the
 * os_txn_* calls, then hand it to os_queue_transaction().  A transaction
 * is atomic: after a crash either all of it is visible or none of it.
 * Transactions are applied in the order they were queued.  PG log and PG
 * info are kept as omap entries of a per-PG metadata object, so the OSD
 * commits them in the same transaction as the data they describe.
 *
 * Threads.  The store runs one commit thread, and a small pool of writer
 * threads (os_opts.writer_threads) that write the data of large writes
 * to the block device as soon as they are queued, before the commit
 * thread applies them.  os_queue_transaction() never blocks on I/O and
 * may be called from any thread, including from a completion callback; the
 * callbacks run on the commit thread, must not block, and should hand
 * work to the caller's event loop (ev_loop_call).  Reads may be called
 * from any thread concurrently with each other and with commits; they
 * block on RocksDB and the block device, so an event loop should call
 * them through a wq pool.  A read sees every transaction whose on_applied
 * callback has run, and no part of one that has not committed.
 *
 * Ownership.  Arguments are borrowed unless stated otherwise.  Data to
 * write is passed as a buflist whose segments the transaction references
 * (no copy); read data comes back as a buflist the caller owns.
 *
 * Errors: functions return 0 or a negative errno, listed per function.
 */
#ifndef CAIRN_OS_H
#define CAIRN_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cfg;
struct os_store;
struct os_txn;
struct os_bdev;

/* ---- identifiers ------------------------------------------------------ */

/*
 * A collection id: a PG (pool, seed).  Pool -1 is for collections that do
 * not belong to a pool (OSD metadata).  Small value type.
 */
struct os_cid {
	int64_t pool;
	uint32_t seed;
};

/* Pool number of the OSD's own metadata collection. */
#define OS_META_POOL (-1)

/* The snap value of the head (writable) version of an object. */
#define OS_NOSNAP UINT64_MAX

/* Longest object name and namespace, in bytes. */
#define OS_NAME_MAX 4096

/*
 * An object id.  The strings are NUL-terminated and borrowed by calls
 * that take a const struct os_oid *.  @hash is the object's 32-bit
 * placement hash (the caller computes it; the store only orders by it and
 * splits collections by its low bits).  A collection lists its objects in
 * (hash, name, nspace, pool, snap) order.
 */
struct os_oid {
	int64_t pool;
	uint32_t hash;
	uint64_t snap;
	const char *nspace; /* "" for the default namespace; never NULL */
	const char *name;
};

/* ---- options ----------------------------------------------------------- */

/*
 * A hook that may wrap the block device after it is opened, used by tests
 * to simulate power loss (see os_bdev.h).  On success it takes ownership
 * of @inner and stores the device to use in @out.
 */
typedef int (*os_bdev_wrap_fn)(void *arg, struct os_bdev *inner, struct os_bdev **out);

struct os_opts {
	char path[1024];       /* data directory; RocksDB lives in <path>/db */
	char block_path[1024]; /* block file or raw device; "" = <path>/block */
	uint64_t block_size;   /* mkfs: size of a block file (ignored for a device) */
	uint32_t min_alloc_size; /* mkfs: allocation unit and checksum block */
	uint32_t inline_max;   /* writes shorter than this go into RocksDB */
	unsigned group_max;    /* most transactions one commit may carry */
	unsigned writer_threads; /* threads writing large-write data early; 0: none */
	char rocksdb_options[1024]; /* "name=value,..." applied over the built-in RocksDB options */
	bool prezero;          /* mkfs: write zeros over a new block file (see os_mkfs) */
	bool preallocate;      /* mkfs: fallocate a new block file (false: sparse) */
	int osd_id;            /* mkfs: recorded in the superblock */
	uint8_t fsid[16];      /* mkfs: zero means generate one */
	os_bdev_wrap_fn bdev_wrap; /* NULL normally */
	void *bdev_wrap_arg;
};

/*
 * Defaults: 1 GiB block file (not zeroed), 4 KiB allocation unit, 64 KiB
 * inline limit, 128 transactions per commit, 4 writer threads.
 */
void os_opts_default(struct os_opts *o);
/*
 * Fill @o from the bluestore_* and osd_data options of @c (see
 * common/opts/store.def).  0, -ENAMETOOLONG, -ENOMEM, or -EINVAL when a
 * value is out of range (not a power of two, ...).
 */
int os_opts_from_cfg(struct os_opts *o, const struct cfg *c);

/* ---- lifetime ---------------------------------------------------------- */

/*
 * Create a new, empty store at @o->path: the RocksDB directory, the block
 * file (preallocated with fallocate) or the label of a raw device, and
 * the superblock.  Refuses to touch an existing store.  With @o->prezero
 * a new block file is also written with zeros once: fallocate's extents
 * are "unwritten", and the first write into one costs the filesystem a
 * journal commit at the next flush; after zeroing, flushes write only
 * data (about half the fdatasync time for 4 MiB writes on ext4), at the
 * price of writing the whole file at mkfs.
 * 0, -EEXIST (a store is already there), -EINVAL (bad options), -ENOSPC,
 * -errno from the filesystem, -EIO from RocksDB.  Blocks.
 */
int os_mkfs(const struct os_opts *o);

/*
 * Open the store at @o->path and start its commit thread and writer
 * threads.  Only the path, inline_max, group_max, writer_threads and
 * bdev_wrap fields are used; the rest comes from the superblock.  Every
 * inconsistency is logged with its reason and nothing is rewritten:
 *   -ENOENT   no store there (missing RocksDB or block file)
 *   -EINVAL   not a Cairn store, or a format version this build cannot read
 *   -EIO      a corrupt superblock or block label, a block file shorter
 *             than the superblock says (truncated), or a RocksDB error
 *   -EXDEV    the block file belongs to another store (fsid mismatch)
 *   -EBUSY    another process has the store open
 * Blocks.
 */
int os_mount(const struct os_opts *o, struct os_store **out);

/*
 * Wait for every queued transaction to commit (their callbacks run), stop
 * the commit thread and close the store.  NULL is ok.  Must not be called
 * from a callback.
 */
void os_umount(struct os_store *s);

/* The fsid and OSD id from the superblock. */
void os_get_fsid(const struct os_store *s, uint8_t out[16]);
int os_get_osd_id(const struct os_store *s);

/*
 * Check the store at @o->path, which must not be mounted: superblock,
 * collections, every onode and its extent map against the allocator's
 * free list (no leaked and no doubly used unit), inline data and omap
 * entries against their owners, and with @deep every data checksum.
 * Each problem is logged.  Returns the number of problems found (0: clean)
 * or a negative errno from mounting (see os_mount).
 */
int os_fsck(const struct os_opts *o, bool deep);

/* ---- transactions ------------------------------------------------------ */

/* A new, empty transaction; NULL on allocation failure. */
struct os_txn *os_txn_create(void);
/* Free a transaction that was not queued.  NULL is ok. */
void os_txn_destroy(struct os_txn *t);
/* Number of operations in @t. */
unsigned os_txn_ops(const struct os_txn *t);

/*
 * Builders.  Each appends one operation and returns 0 or -ENOMEM (then @t
 * is unchanged) or -EINVAL (a name longer than OS_NAME_MAX).  Strings and
 * byte arrays are copied.  Semantics when the transaction is applied:
 *
 * touch      create the object if missing.
 * write      write @data at @off, extending the size; creates the object.
 *            Takes references to @data's segments (no copy).
 * zero       make [off, off+len) read as zeros, extending the size;
 *            whole allocation units become holes.  Creates the object.
 * truncate   set the size; bytes past it are dropped, a gap reads as zeros.
 * remove     delete the object with its data, xattrs and omap; no-op if missing.
 * clone      make @dst a copy of @src (data, xattrs, omap and header),
 *            replacing @dst.  The transaction fails with -ENOENT if @src is missing.
 * setattr    set xattr @name (creates the object); rmattr removes it.
 * omap_*     set one key, remove one key, remove keys in [first, last),
 *            remove every key and the header, or set the header.  Set ops
 *            create the object; removals on a missing object are no-ops.
 * create_collection  with @bits: objects belong to it when the low @bits
 *            of their hash equal the seed.  Fails with -EEXIST if present.
 * remove_collection  fails with -ENOTEMPTY unless empty, -ENOENT if missing.
 * move_rename move @oid from @cid to @ncid under the name @noid (which is
 *            replaced if present).  -ENOENT if @oid is missing.
 * split_collection  move every object of @cid whose hash's low @bits equal
 *            @dest.seed into @dest (which must exist) and set both
 *            collections' bits to @bits (pg_num growth).
 *
 * Ops on a collection that does not exist fail the transaction with
 * -ENOENT.  A failing transaction changes nothing (its callbacks see the
 * error); an OSD is expected never to queue one.
 */
int os_txn_touch(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid);
int os_txn_write(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		 uint64_t off, const struct buflist *data);
int os_txn_zero(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		uint64_t off, uint64_t len);
int os_txn_truncate(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		    uint64_t size);
int os_txn_remove(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid);
int os_txn_clone(struct os_txn *t, const struct os_cid *cid, const struct os_oid *src,
		 const struct os_oid *dst);
int os_txn_setattr(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		   const char *name, const void *val, size_t len);
int os_txn_rmattr(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		  const char *name);
int os_txn_omap_set(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		    const void *key, size_t klen, const void *val, size_t vlen);
int os_txn_omap_rm(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		   const void *key, size_t klen);
int os_txn_omap_rmrange(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
			const void *first, size_t flen, const void *last, size_t llen);
int os_txn_omap_clear(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid);
int os_txn_omap_setheader(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
			  const void *val, size_t len);
int os_txn_create_collection(struct os_txn *t, const struct os_cid *cid, unsigned bits);
int os_txn_remove_collection(struct os_txn *t, const struct os_cid *cid);
int os_txn_move_rename(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		       const struct os_cid *ncid, const struct os_oid *noid);
int os_txn_split_collection(struct os_txn *t, const struct os_cid *cid, unsigned bits,
			    const struct os_cid *dest);

/*
 * Completion callback.  @status is 0, or the negative errno that failed
 * the transaction (-ENOENT, -EEXIST, -ENOTEMPTY, -ENOSPC, -EIO).
 */
typedef void (*os_done_fn)(void *arg, int status);

/*
 * Queue @t (takes ownership, also on error).  @on_applied runs when the
 * transaction's effects are visible to reads; @on_commit when they are
 * durable.  In this store both happen at the synced RocksDB commit, so
 * they run back to back, applied first, on the commit thread; either may
 * be NULL.  Transactions queued while a commit is in progress share the
 * next sync (group commit).  The data of large writes (see os_txn_write
 * and bluestore_inline_max_size) is handed to the writer threads at once,
 * into newly reserved units of the block device that nothing references
 * yet; that is invisible: transactions are still applied in queue order
 * and atomically, and reserved units a transaction does not use (it
 * failed) are returned.  Does not block on I/O.
 * 0, or -ESHUTDOWN once umount began (then no callback runs).
 */
int os_queue_transaction(struct os_store *s, struct os_txn *t, os_done_fn on_applied,
			 os_done_fn on_commit, void *arg);

/*
 * Queue @t (takes ownership) and wait until it commits.  Returns the
 * transaction's status.  Must not be called from a callback.
 */
int os_apply_transaction(struct os_store *s, struct os_txn *t);

/* ---- reads -------------------------------------------------------------- */

struct os_stat {
	uint64_t size;
	uint64_t version;     /* bumped by every operation that changes the object */
	uint64_t alloc_bytes; /* bytes of block file the object references */
};

/* Where a piece of an object lives in the block file. */
struct os_extent {
	uint64_t loff; /* offset in the object */
	uint64_t poff; /* offset in the block file */
	uint64_t len;
};

/*
 * The block-file extents of an object (data kept in RocksDB is not
 * listed), in object order, as a malloc'd array.  For tests and tools.
 * 0, -ENOENT, -ENOMEM.
 */
int os_extents(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	       struct os_extent **out, size_t *out_n);

/*
 * Append bytes [off, off+len) of the object to @out, cut at its size
 * (len 0 means to the end).  Every byte is checked against its crc32c.
 * 0, -ENOENT (no such object or collection), -EIO (checksum mismatch or
 * device error; logged and counted), -ENOMEM.
 */
int os_read(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	    uint64_t off, uint64_t len, struct buflist *out);
int os_stat(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	    struct os_stat *out);
bool os_exists(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid);

/* A key/value pair and a growable list of them, all malloc'd. */
struct os_kv {
	uint8_t *key;
	size_t klen;
	uint8_t *val;
	size_t vlen;
};

struct os_kvlist {
	struct os_kv *v;
	size_t n;
	size_t cap;
};

#define OS_KVLIST_INIT {NULL, 0, 0}
void os_kvlist_fini(struct os_kvlist *l);

/* Value of xattr @name into @out (appended).  -ENOENT if missing. */
int os_getattr(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
	       const char *name, struct buf *out);
/* Every xattr (keys without the NUL), appended to @out in name order. */
int os_getattrs(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		struct os_kvlist *out);
/* The omap header (appended; empty if none was set). */
int os_omap_get_header(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		       struct buf *out);
/*
 * Omap entries with keys strictly after @start_after (NULL: from the
 * first), at most @max (0: no limit), in key order, appended to @out.
 * With @keys_only the values are left empty.  *@out_more says whether
 * entries remain.  -ENOENT if the object is missing.
 */
int os_omap_list(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		 const void *start_after, size_t salen, unsigned max, bool keys_only,
		 struct os_kvlist *out, bool *out_more);
/* One omap value, appended to @out.  -ENOENT if the key or object is missing. */
int os_omap_get(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		const void *key, size_t klen, struct buf *out);

/* A list of object ids whose strings are owned by the list. */
struct os_oidlist {
	struct os_oid *v;
	size_t n;
	size_t cap;
};

#define OS_OIDLIST_INIT {NULL, 0, 0}
void os_oidlist_fini(struct os_oidlist *l);

/*
 * Objects of @cid from @start (inclusive; NULL: the first) to @end
 * (exclusive; NULL: the last), at most @max (0: no limit), appended to
 * @out in (hash, name, nspace, pool, snap) order.  When objects before
 * @end remain, the first of them is appended to @out_next (may be NULL):
 * pass it as @start to continue.  -ENOENT if the collection is missing.
 */
int os_list(struct os_store *s, const struct os_cid *cid, const struct os_oid *start,
	    const struct os_oid *end, unsigned max, struct os_oidlist *out,
	    struct os_oidlist *out_next);
/* Collections, appended to @out (malloc'd, caller frees) in (pool, seed) order. */
int os_list_collections(struct os_store *s, struct os_cid **out, size_t *out_n);
/* The bits of @cid into @out_bits.  -ENOENT if missing. */
int os_collection_bits(struct os_store *s, const struct os_cid *cid, unsigned *out_bits);
/* Order of two ids as listing uses it: <0, 0, >0. */
int os_oid_cmp(const struct os_oid *a, const struct os_oid *b);

/* Space, as the full ratios use it. */
struct os_statfs {
	uint64_t total;     /* bytes of block file available to data */
	uint64_t allocated; /* bytes of block file in use */
	uint64_t available; /* total - allocated */
	uint64_t free_extents; /* number of free runs: fragmentation */
	uint64_t largest_free; /* bytes in the largest free run */
};
void os_statfs(struct os_store *s, struct os_statfs *out);
/*
 * Only total, allocated and available (free_extents and largest_free are
 * 0): no scan of the allocation bitmap, so cheap enough for every write.
 */
void os_usage(struct os_store *s, struct os_statfs *out);

/* Counters, for the admin socket and tests. */
struct os_perf {
	uint64_t txns;      /* transactions committed */
	uint64_t commits;   /* synced RocksDB writes (groups) */
	uint64_t bdev_flushes; /* block device fdatasyncs */
	uint64_t csum_errors; /* reads that failed a checksum */
	uint64_t early_writes; /* large writes whose data was written before apply */
	uint64_t early_fallbacks; /* transactions that could not reserve when queued */
};
void os_perf(struct os_store *s, struct os_perf *out);

#endif
