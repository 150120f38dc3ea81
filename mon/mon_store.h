/*
 * mon_store.h - the monitor's persistent store, on RocksDB.
 *
 * One store per monitor data directory.  It keeps two kinds of data:
 *
 *   - the consensus state the core asks to persist (struct mon_durable:
 *     election epoch, vote, promise, the accepted-but-uncommitted value and
 *     the committed Paxos log), written only through persist actions with
 *     exactly the semantics of mon_durable_apply();
 *   - "service" data derived from committed values (full and incremental
 *     maps, the last applied version...), as (prefix, key) -> value pairs
 *     that the daemon writes in the same atomic batch as the COMMIT they
 *     derive from.
 *
 * Every write is one RocksDB WriteBatch with sync=1: when mon_store_apply()
 * returns 0, the whole batch survives a crash or power loss; when the
 * process dies earlier, none or all of it is there, never part.  Every
 * stored value carries a CRC-32C over its key and payload, verified at open
 * and on every read.  Layout, atomicity arguments and the sync stream
 * format: doc/mon_store.md.
 *
 * Threading: a store may be used from several threads.  Writers are
 * serialised in order of arrival and group-committed: concurrent
 * mon_store_apply() calls share one synced write (the first caller writes
 * for everyone queued behind it).  Reads run concurrently with writes.
 * mon_store_import_finish() and mon_store_close() need the store to
 * themselves (no call may be running on it).  All functions block on disk
 * I/O: call them from a worker thread, never from an event loop.
 *
 * Lock order (internal): db_lock (rwlock) before lock (mutex).
 */
#ifndef CAIRN_MON_STORE_H
#define CAIRN_MON_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/monmap.h"
#include "mon_core.h"

/* On-disk format version written by mkfs and accepted by open. */
#define MON_STORE_FORMAT 1
/* Longest monitor name the superblock holds (as monmap names). */
#define MON_STORE_NAME_MAX ENT_ID_MAX
/* Longest service prefix, without the NUL. */
#define MON_STORE_PREFIX_MAX 64
/* Service keys holding a number: 8 bytes big-endian, so order is numeric. */
#define MON_STORE_U64_KEY_LEN 8
/* Default and largest payload of one export chunk. */
#define MON_STORE_CHUNK_DEFAULT (1u << 20)
#define MON_STORE_CHUNK_MAX	(64u << 20)

struct mon_store;
struct mon_store_tx;
struct mon_store_export;
struct mon_store_import;

/* Encode @v as a service key whose byte order is numeric order. */
void mon_store_u64_key(uint64_t v, uint8_t out[MON_STORE_U64_KEY_LEN]);
/* Decode such a key; -EINVAL unless @len == MON_STORE_U64_KEY_LEN. */
int mon_store_u64_key_parse(const uint8_t *key, size_t len, uint64_t *out_v);

/* ---- creating and opening ---- */

/*
 * Create a store in @dir (created if missing; its parent must exist): a
 * superblock with the magic, MON_STORE_FORMAT, @fsid and @my_name, the
 * initial consensus state (epoch 0, no vote, no promise, empty log) and
 * @monmap under service key ("mkfs", "monmap").  The store appears
 * atomically: it is built in a temporary directory and renamed into place
 * once synced, so a crash during mkfs leaves no half store behind.
 *
 * Returns 0; -EEXIST if @dir already holds a store (nothing is touched);
 * -EINVAL for a zero fsid, an empty or too long name, or a name missing
 * from @monmap; -ENOENT if @dir's parent does not exist; -EIO or another
 * -errno from the file system or RocksDB.
 */
int mon_store_mkfs(const char *dir, const uint8_t fsid[16], const struct monmap *monmap,
		   const char *my_name);

/*
 * Open the store in @dir and verify it before anything can write to it:
 * the database is first opened read-only, the superblock and the CRC of
 * every record are checked and the consensus state is validated; only then
 * is it reopened for writing.  A store that fails a check is never
 * modified (RocksDB may still rotate its own LOG file).  Pass @expect_fsid
 * and/or @expect_name to also check the identity (NULL: any).
 *
 * Errors (each logged once with the reason):
 *   -ENOENT   @dir does not exist, or holds no store (empty: run mkfs);
 *   -ENOTDIR  @dir is not a directory;
 *   -EINVAL   not a monitor store: no superblock, wrong magic, a bare
 *             RocksDB directory, or another cluster's / monitor's store;
 *   -ENOTSUP  format version this build does not know;
 *   -EIO      RocksDB refuses to open it (corrupt files), a record fails
 *             its CRC, or the consensus records are inconsistent;
 *   -EBUSY    another process has the store open;
 *   -ENOMEM.
 */
int mon_store_open(const char *dir, const uint8_t *expect_fsid, const char *expect_name,
		   struct mon_store **out_store);
/* Close (NULL is fine).  Waits for nothing: no call may be in progress. */
void mon_store_close(struct mon_store *s);

/* Identity from the superblock. */
void mon_store_fsid(const struct mon_store *s, uint8_t out[16]);
const char *mon_store_name(const struct mon_store *s); /* valid until close */
/* Last committed version as of the last successful write. */
uint64_t mon_store_last_committed(struct mon_store *s);
/* First committed version still kept (lc + 1 when the log is empty). */
uint64_t mon_store_first_committed(struct mon_store *s);

/* ---- consensus state ---- */

/*
 * Build the durable image from the store, from one consistent snapshot:
 * the same image mon_durable_apply() produces from every persist action
 * applied so far (and mon_durable_install_sync() for imports).  @out is
 * overwritten (not freed first) only on success; release it with
 * mon_durable_fini().  Returns 0, -EIO (corrupt record) or -ENOMEM.
 */
int mon_store_load(struct mon_store *s, struct mon_durable *out);

/* ---- transactions: service writes ---- */

/*
 * A transaction collects service writes to commit together with persist
 * actions.  Builders copy their arguments.  A prefix is 1..
 * MON_STORE_PREFIX_MAX characters without NUL ("osdmap_full", "monmap");
 * keys are arbitrary bytes (use mon_store_u64_key() for numbers).  Within
 * a batch, operations take effect in the order added; persist actions are
 * applied before the transaction's service writes (they cannot touch the
 * same keys).
 */
struct mon_store_tx *mon_store_tx_create(void);
void mon_store_tx_destroy(struct mon_store_tx *tx);
/* Forget every operation, keep the memory. */
void mon_store_tx_reset(struct mon_store_tx *tx);
bool mon_store_tx_empty(const struct mon_store_tx *tx);
/* 0, -EINVAL (bad prefix) or -ENOMEM. */
int mon_store_tx_put(struct mon_store_tx *tx, const char *prefix, const void *key, size_t klen,
		     const void *val, size_t vlen);
int mon_store_tx_delete(struct mon_store_tx *tx, const char *prefix, const void *key, size_t klen);
/* Delete every key of @prefix that sorts below @bound (trimming helper). */
int mon_store_tx_trim(struct mon_store_tx *tx, const char *prefix, const void *bound, size_t blen);
/* Delete every key of @prefix. */
int mon_store_tx_erase_prefix(struct mon_store_tx *tx, const char *prefix);

/* ---- writing ---- */

/*
 * Apply @n persist actions (in order, each with mon_durable_apply()'s
 * semantics: stale ones are ignored the same way) and the service writes
 * of @tx (NULL: none) in one synced RocksDB write.  Returns only once the
 * batch is durable; then report the last action's seq to the core with
 * mon_core_persisted().  Borrowed arguments.  Other threads' concurrent
 * calls may share the same sync; each call stays atomic on its own.
 *
 * Returns 0; -EINVAL (unknown action type: nothing of this call is
 * applied); -ENOMEM; -EIO when RocksDB failed to write or sync.  After
 * -EIO the store refuses every later write with -EIO: whether the batch
 * reached the disk is unknown, and only a restart (reopen and reload) can
 * tell.  The daemon should exit.
 */
int mon_store_apply(struct mon_store *s, const struct mon_persist *p, size_t n,
		    const struct mon_store_tx *tx);

/* ---- reading service data ---- */

/*
 * Read one service value into @out (appended).  Returns 0, -ENOENT,
 * -EINVAL (bad prefix), -EIO (CRC mismatch or RocksDB error), -ENOMEM.
 */
int mon_store_get(struct mon_store *s, const char *prefix, const void *key, size_t klen,
		  struct buf *out);

/*
 * Called for each key of a prefix in key order; the pointers are valid
 * during the call only.  Return 0 to go on, > 0 to stop (the walk returns
 * that value), < 0 to abort with that error.
 */
typedef int (*mon_store_iter_fn)(void *arg, const uint8_t *key, size_t klen, const uint8_t *val,
				 size_t vlen);
/*
 * Walk the keys of @prefix from @start (inclusive; NULL: from the first)
 * from one consistent snapshot.  Returns 0 when done, the callback's
 * positive or negative value if it stopped, -EINVAL, -EIO or -ENOMEM.
 */
int mon_store_iterate(struct mon_store *s, const char *prefix, const void *start, size_t slen,
		      mon_store_iter_fn fn, void *arg);
/* The first / last key of @prefix into @out_key (appended): 0, -ENOENT, -EIO... */
int mon_store_first_key(struct mon_store *s, const char *prefix, struct buf *out_key);
int mon_store_last_key(struct mon_store *s, const char *prefix, struct buf *out_key);

/* ---- full store sync ---- */

/*
 * Export everything but the superblock's identity and this monitor's own
 * election state (epoch, vote, promise, uncommitted value are per monitor:
 * copying a peer's promise could break Paxos): the committed log [fc, lc]
 * and all service data, from one snapshot taken at _begin.  The stream is
 * a sequence of self-describing chunks with a sequence number and a
 * CRC-32C each, about @chunk_size bytes of payload (0: default; a single
 * record larger than that travels alone).  Format: doc/mon_store.md.
 *
 * _next appends one chunk to @out and returns 1, or returns 0 once the
 * final chunk was produced; after an error the export cannot go on (end
 * it and start again).  Errors: -EIO, -ENOMEM, -EINVAL (chunk size
 * above MON_STORE_CHUNK_MAX).  An export holds a RocksDB snapshot: end it
 * before mon_store_close(); mon_store_import_finish() refuses to run
 * (-EBUSY) while one is open.
 */
int mon_store_export_begin(struct mon_store *s, size_t chunk_size,
			   struct mon_store_export **out_ex);
int mon_store_export_next(struct mon_store_export *ex, struct buf *out);
void mon_store_export_end(struct mon_store_export *ex);

/*
 * Replace the log and all service data of @s with a peer's export.  The
 * chunks are written to a fresh store in "<dir>/store.db.sync" (any
 * leftover of an interrupted import is removed first); _finish copies this
 * monitor's superblock and election state (epoch, vote, promise, and the
 * uncommitted value if it is above the imported lc, as
 * mon_durable_install_sync() keeps it) into it, syncs it, and atomically
 * exchanges the directories with renameat2(RENAME_EXCHANGE).  A crash at
 * any point leaves either the old or the new store, both complete.
 *
 * _chunk: 0, or -EINVAL (bad magic/version/CRC, out-of-order chunk, a
 * record that fails its CRC, another cluster's fsid, data after the last
 * chunk), -EIO, -ENOMEM.  After an error the import is dead: abort it.
 * _finish: 0; -EINVAL if the stream was incomplete; -ESTALE if it is
 * behind this store's lc (nothing changed); -EBUSY while an export of @s
 * is open; -ENOTSUP if the file system cannot exchange directories; -EIO
 * (if the store could not be reopened it then fails every call with
 * -EIO).  It frees @imp whatever it returns; it waits for other calls on
 * the store to finish and blocks new ones until it is done.  After 0, mon_store_load() returns the
 * new image: hand its lc to mon_core_sync_installed().
 * _abort frees an unfinished import and removes its directory.
 */
int mon_store_import_begin(struct mon_store *s, struct mon_store_import **out_imp);
int mon_store_import_chunk(struct mon_store_import *imp, const void *data, size_t len);
int mon_store_import_finish(struct mon_store_import *imp);
void mon_store_import_abort(struct mon_store_import *imp);

#endif
