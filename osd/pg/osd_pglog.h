/*
 * osd_pglog.h - PG versions, the PG log, PG info and the missing set, with
 * their binary encodings.
 *
 * Pure data structures: no I/O, no clocks, no locks.  A PG is owned by one
 * shard loop (STYLE.md §7), so none of these are thread safe; a value may be
 * handed whole to another thread.
 *
 * Versions.  Every write a primary orders gets a version (epoch, version):
 * the epoch of the map the primary was acting in, and a per-PG counter that
 * keeps counting across primaries (a new primary continues from the head of
 * the authoritative log).  Versions compare epoch first, so of two
 * histories that forked, the one written by the later primary compares
 * greater.  A version names one log entry for the whole life of the PG:
 * two primaries never share an epoch (intervals begin at distinct epochs),
 * and one primary never reuses a counter value.
 *
 * The log.  Entries in strictly increasing version order, covering the
 * versions (tail, head].  tail is the version of the newest entry trimmed
 * away (zero when nothing was ever trimmed); head is the newest version
 * (== tail when the log is empty).  Because replicas only ever append what
 * their primary sends after adopting its log, every log is a prefix of some
 * primary's log: two logs that contain the same version agree on everything
 * before it (the "log matching" property doc/peering.md relies on).
 *
 * The missing set.  Objects this OSD does not hold at the version its log
 * says it should: object -> (need, have).  Kept sorted in the object store's
 * listing order (hash, name, nspace).
 *
 * Encodings (doc/peering.md has the byte layout).  Each value is
 *   u8 type, u8 struct_v, u8 compat_v, u32 payload length, payload,
 *   u32 crc32c of everything before it,
 * little-endian.  Decoders check every length against what is left, refuse
 * a compat version newer than they know (-EOPNOTSUPP), skip unknown trailing
 * payload from newer struct versions, and return -EINVAL for anything else
 * that does not parse: these bytes come from disk and from other OSDs.
 * Omap keys are big-endian so RocksDB's byte order is version order.
 */
#ifndef CAIRN_OSD_PGLOG_H
#define CAIRN_OSD_PGLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "osdmap.h"

/* ---- versions -------------------------------------------------------------- */

struct osd_ev {
	uint32_t epoch;
	uint64_t version;
};

#define OSD_EV_ZERO ((struct osd_ev){0, 0})
/* Longest "epoch'version" text, with the NUL. */
#define OSD_EV_STRLEN 32

/* <0, 0, >0 as a is older than, equal to, newer than b. */
static inline int osd_ev_cmp(struct osd_ev a, struct osd_ev b)
{
	if (a.epoch != b.epoch)
		return a.epoch < b.epoch ? -1 : 1;
	if (a.version != b.version)
		return a.version < b.version ? -1 : 1;
	return 0;
}

static inline bool osd_ev_eq(struct osd_ev a, struct osd_ev b)
{
	return a.epoch == b.epoch && a.version == b.version;
}

static inline bool osd_ev_is_zero(struct osd_ev a)
{
	return a.epoch == 0 && a.version == 0;
}

/* "5'12" (Ceph's notation) into @buf; returns @buf. */
const char *osd_ev_format(struct osd_ev v, char buf[OSD_EV_STRLEN]);

/* ---- objects and requests -------------------------------------------------- */

/* Object names and namespaces the PG layer accepts (Ceph's defaults). */
#define OSD_PG_NAME_MAX 2048
#define OSD_PG_NSPACE_MAX 256

/*
 * An object of the PG: the pool is the PG's and the snapshot is the head,
 * so the placement hash, namespace and name identify it.  Where a struct
 * below owns one, the strings were allocated by this module.
 */
struct osd_pg_oid {
	uint32_t hash;
	const char *nspace; /* "" for the default namespace; never NULL */
	const char *name;
};

/* The object store's listing order: hash, then name, then namespace. */
int osd_pg_oid_cmp(const struct osd_pg_oid *a, const struct osd_pg_oid *b);

/*
 * A client request: the client's global id and its op tid.  A client that
 * resends an op (its target changed, the connection dropped) sends the same
 * pair, so finding it in the log means the op already applied and only the
 * reply must be sent again.  client == 0: no client (recovery, internal).
 */
struct osd_reqid {
	uint64_t client;
	uint64_t tid;
};

static inline bool osd_reqid_eq(struct osd_reqid a, struct osd_reqid b)
{
	return a.client == b.client && a.tid == b.tid;
}

/* ---- log entries ----------------------------------------------------------- */

enum osd_pglog_op {
	OSD_PGLOG_MODIFY = 1, /* the object exists at this version afterwards */
	OSD_PGLOG_DELETE = 2, /* the object does not exist afterwards */
};

struct osd_pglog_entry {
	struct osd_ev version;
	/* The version of the previous entry on the same object (zero: the
	 * object had no earlier version this PG knows of).  Lets peering
	 * undo a divergent entry without the rest of the old history. */
	struct osd_ev prior;
	uint8_t op; /* enum osd_pglog_op */
	struct osd_pg_oid oid; /* owned */
	struct osd_reqid reqid;
};

/*
 * Fill @e with copies of @oid's strings.  0, -EINVAL (bad op, NULL or
 * oversize strings, prior not older than version), -ENOMEM.
 */
int osd_pglog_entry_init(struct osd_pglog_entry *e, uint8_t op, struct osd_ev version,
			 struct osd_ev prior, const struct osd_pg_oid *oid, struct osd_reqid reqid);
/* Deep copy.  0 or -ENOMEM (@dst untouched). */
int osd_pglog_entry_copy(struct osd_pglog_entry *dst, const struct osd_pglog_entry *src);
/* Free the strings; accepts a zeroed entry. */
void osd_pglog_entry_fini(struct osd_pglog_entry *e);
bool osd_pglog_entry_equal(const struct osd_pglog_entry *a, const struct osd_pglog_entry *b);

/* ---- the log --------------------------------------------------------------- */

struct osd_pglog {
	struct osd_pglog_entry *slots; /* entries live in slots[start, start + n) */
	size_t start, n, cap;
	struct osd_ev tail; /* exclusive: the newest trimmed version */
	struct osd_ev head; /* newest version; == tail when empty */
};

void osd_pglog_init(struct osd_pglog *log);
void osd_pglog_fini(struct osd_pglog *log);
/* Drop every entry; the log becomes empty at @at (tail = head = @at). */
void osd_pglog_reset(struct osd_pglog *log, struct osd_ev at);
/* Deep copy into @dst (initialised, previous contents dropped).  0 or -ENOMEM
 * (@dst then unchanged). */
int osd_pglog_copy(struct osd_pglog *dst, const struct osd_pglog *src);

static inline size_t osd_pglog_count(const struct osd_pglog *log)
{
	return log->n;
}

/* The i-th entry, oldest first; i < count. */
static inline const struct osd_pglog_entry *osd_pglog_at(const struct osd_pglog *log, size_t i)
{
	return &log->slots[log->start + i];
}

/*
 * Append a copy of @e.  Its version must be newer than the head: -EINVAL
 * otherwise (a primary never reorders; a replica receiving an older one has
 * a bug or a stale message).  -ENOMEM.
 */
int osd_pglog_append(struct osd_pglog *log, const struct osd_pglog_entry *e);

/* Index of the entry with version @v, or -ENOENT.  O(log n). */
long osd_pglog_find(const struct osd_pglog *log, struct osd_ev v);

/*
 * Does this log's history contain version @v?  True when @v is an entry or
 * the tail (the newest trimmed entry; zero for a log never trimmed).  Older
 * trimmed versions are unknown and answer false.
 */
bool osd_pglog_has(const struct osd_pglog *log, struct osd_ev v);

/*
 * Drop entries with version <= @to; the tail becomes the newest dropped
 * version.  @to beyond the head trims everything (tail = head).  Entries
 * are only ever trimmed from the old end.
 */
void osd_pglog_trim(struct osd_pglog *log, struct osd_ev to);

/*
 * Drop entries newer than @to (divergent entries being rolled back); the
 * head becomes @to.  -EINVAL if @to is older than the tail (that history is
 * gone: the caller must backfill instead) or is not in the log's history.
 */
int osd_pglog_rollback(struct osd_pglog *log, struct osd_ev to);

/*
 * How far the primary may trim.  A peer that missed only the entries still
 * in the log can catch up from it (log recovery); one that missed more must
 * be backfilled, which copies every object.  So the bound keeps:
 *   - every entry newer than @min_last_complete (the oldest last_complete
 *     of the acting members: they still recover from those entries), and
 *   - at least the newest @min_entries (a replica that restarts briefly
 *     finds its head still in the log);
 * but never more than @max_entries, whatever the first rule says (a peer
 * that stays behind for long is backfilled rather than growing the log
 * without bound).  Returns the version to pass to osd_pglog_trim(); the
 * current tail when nothing may go.
 */
struct osd_ev osd_pglog_trim_bound(const struct osd_pglog *log, struct osd_ev min_last_complete,
				   size_t min_entries, size_t max_entries);

/*
 * The entry of a client request, or NULL.  Scans newest first (a resent op
 * is almost always recent); O(n) in the worst case.
 */
const struct osd_pglog_entry *osd_pglog_find_reqid(const struct osd_pglog *log,
						   struct osd_reqid reqid);

/* Newest entry on @oid, or NULL.  O(n). */
const struct osd_pglog_entry *osd_pglog_latest(const struct osd_pglog *log,
					       const struct osd_pg_oid *oid);

/* Structural checks (order, tail < first, last == head); for assertions
 * and for logs decoded from outside.  0 or -EINVAL. */
int osd_pglog_validate(const struct osd_pglog *log);

/* ---- PG info --------------------------------------------------------------- */

/*
 * What an OSD knows about its copy of a PG; what peering exchanges first.
 *   last_update        head of its log
 *   last_complete      every object is present up to this version (equal
 *                      to last_update when the missing set is empty)
 *   log_tail           tail of its log
 *   last_epoch_started the first epoch of the newest interval in which this
 *                      copy was activated (peered and brought to that
 *                      interval's authoritative log)
 *   same_interval_since first epoch of the interval the info was sent in
 *   last_epoch_clean   newest epoch at which the PG was known clean: past
 *                      intervals older than that need no probing
 *   needs_backfill     the copy's objects are not to be trusted (a backfill
 *                      was started and has not finished); its log is
 */
struct osd_pg_info {
	struct osdmap_pg pgid;
	struct osd_ev last_update;
	struct osd_ev last_complete;
	struct osd_ev log_tail;
	uint32_t last_epoch_started;
	uint32_t same_interval_since;
	uint32_t last_epoch_clean;
	bool needs_backfill;
};

/* ---- missing set ----------------------------------------------------------- */

#define OSD_MISSING_DELETE 0x1 /* the object must be removed, not fetched */

struct osd_missing_item {
	struct osd_pg_oid oid; /* owned */
	struct osd_ev need;    /* the version to obtain (the delete's version for DELETE) */
	struct osd_ev have;    /* the usable older copy held, zero if none */
	uint8_t flags;
};

struct osd_missing {
	struct osd_missing_item *items; /* sorted by osd_pg_oid_cmp, no duplicates */
	size_t n, cap;
};

void osd_missing_init(struct osd_missing *m);
void osd_missing_fini(struct osd_missing *m);
void osd_missing_clear(struct osd_missing *m);
int osd_missing_copy(struct osd_missing *dst, const struct osd_missing *src);

/*
 * Record that @oid is needed at @need.  If it is already missing, the need
 * and flags are revised and the recorded have is kept (the copy on disk did
 * not change); otherwise it is added with @have.  0, -EINVAL (bad oid),
 * -ENOMEM.
 */
int osd_missing_add(struct osd_missing *m, const struct osd_pg_oid *oid, struct osd_ev need,
		    struct osd_ev have, uint8_t flags);
/* The object was recovered.  0 or -ENOENT. */
int osd_missing_remove(struct osd_missing *m, const struct osd_pg_oid *oid);
const struct osd_missing_item *osd_missing_find(const struct osd_missing *m,
						const struct osd_pg_oid *oid);
bool osd_missing_equal(const struct osd_missing *a, const struct osd_missing *b);

/* ---- encodings ------------------------------------------------------------- */

/* Value types (the first byte): a value of one type never decodes as another. */
enum {
	OSD_ENC_ENTRY = 0x45,	     /* 'E' */
	OSD_ENC_INFO = 0x49,	     /* 'I' */
	OSD_ENC_MISSING = 0x4d,	     /* 'M' */
	OSD_ENC_MISSING_ITEM = 0x6d, /* 'm' */
	OSD_ENC_LOG = 0x4c,	     /* 'L' */
};

/* Append the encoding to @out.  0 or -ENOMEM (@out may have grown). */
int osd_pglog_entry_encode(const struct osd_pglog_entry *e, struct buf *out);
int osd_pg_info_encode(const struct osd_pg_info *info, struct buf *out);
int osd_missing_encode(const struct osd_missing *m, struct buf *out);
int osd_missing_item_encode(const struct osd_missing_item *it, struct buf *out);
/* A whole log (tail, head and entries): what a primary sends in GetLog. */
int osd_pglog_encode(const struct osd_pglog *log, struct buf *out);

/*
 * Decode exactly @len bytes.  0; -EINVAL (truncated, bad checksum, bad
 * field, trailing bytes); -EOPNOTSUPP (compat version newer than this
 * code); -ENOMEM.  @out is written only on success; free with the
 * matching _fini.  osd_pglog_decode and osd_missing_decode initialise
 * @out themselves.
 */
int osd_pglog_entry_decode(const void *data, size_t len, struct osd_pglog_entry *out);
int osd_pg_info_decode(const void *data, size_t len, struct osd_pg_info *out);
int osd_missing_decode(const void *data, size_t len, struct osd_missing *out);
int osd_missing_item_decode(const void *data, size_t len, struct osd_missing_item *out);
int osd_pglog_decode(const void *data, size_t len, struct osd_pglog *out);

/* ---- omap keys of the per-PG metadata object ------------------------------- */

/*
 * Keys: 'L' + be32 epoch + be64 version for log entries (byte order is
 * version order, so trimming is a range delete and replay a forward scan),
 * 'M' + be32 hash + name + '\0' + nspace for missing items (listing order),
 * and the single key "I" for the info.  The prefixes keep the three kinds
 * in separate ranges.
 */
#define OSD_PGLOG_KEY_LEN 13
#define OSD_PG_INFO_KEY "I"

void osd_pglog_key(struct osd_ev v, uint8_t out[OSD_PGLOG_KEY_LEN]);
/* 0 or -EINVAL if @key is not a log-entry key. */
int osd_pglog_key_parse(const void *key, size_t len, struct osd_ev *out);
/* Append the missing-item key of @oid to @out.  0 or -ENOMEM. */
int osd_missing_key(const struct osd_pg_oid *oid, struct buf *out);

#endif
