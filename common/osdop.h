/*
 * osdop.h - the vocabulary clients and OSDs share for object operations:
 * step codes, flags, comparison modes, PG state bits, and the encodings
 * of the data a step returns.
 *
 * A client op (MSG_OSD_OP) names one object and carries a list of steps
 * (struct msg_osd_subop), executed in order and atomically by the PG's
 * primary: either every write step applies or none does.  The same step
 * codes, restricted to the "physical" subset (OSDOP_IS_PHYSICAL), describe
 * what a primary ships to its replicas (MSG_OSD_REPOP): the primary turns
 * logical steps (append, write_full, create, guards) into physical ones
 * against the object as it is, so every replica applies byte-identical
 * changes.
 *
 * Step input bytes (write payloads, compared extents) travel in the
 * message's data segment, each step consuming its indata_len bytes in
 * step order; step output (read data, encoded lists) comes back the same
 * way, outdata_len bytes per step.  Keys and values of omap and xattr
 * steps travel in the step's keys/vals arrays.
 *
 * Pure data and encoders; no daemon code.
 */
#ifndef CAIRN_OSDOP_H
#define CAIRN_OSDOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* ---- step codes ------------------------------------------------------------ */

/* Reads are 0x01xx, writes 0x02xx.  Values are wire values: never reuse. */
enum osdop_code {
	/* reads */
	OSDOP_READ = 0x0101,	       /* off, len (0: to the end) -> bytes */
	OSDOP_STAT = 0x0102,	       /* -> osdop_stat encoding */
	OSDOP_GETXATTR = 0x0103,       /* name -> value */
	OSDOP_GETXATTRS = 0x0104,      /* -> kv list */
	OSDOP_CMPXATTR = 0x0105,       /* name, arg = OSDOP_CMP_*, flags CMP_U64, vals[0] */
	OSDOP_OMAP_GETVALS = 0x0106,   /* name = start_after, keys[0] = prefix, arg = max -> kv list */
	OSDOP_OMAP_GETKEYS = 0x0107,   /* name = start_after, arg = max -> kv list, no values */
	OSDOP_OMAP_GETVALSBYKEYS = 0x0108, /* keys -> kv list of those present */
	OSDOP_OMAP_GETHEADER = 0x0109, /* -> bytes */
	OSDOP_OMAP_CMP = 0x010a,       /* keys, vals, arg = OSDOP_CMP_* (per key: flags CMP_U64) */
	OSDOP_CMPEXT = 0x010b,	       /* off, indata -> rval OSDOP_CMPEXT_MISMATCH(i) */
	OSDOP_ASSERT_EXISTS = 0x010c,  /* -> -ENOENT */
	OSDOP_ASSERT_VERSION = 0x010d, /* arg = version -> -ERANGE (older) / -EOVERFLOW (newer) */
	OSDOP_PGLS = 0x010e,	       /* PG listing, see osdop_pgls_* */
	OSDOP_CHECKSUM = 0x010f,       /* reserved */

	/* writes */
	OSDOP_CREATE = 0x0201,	       /* flags EXCL -> -EEXIST */
	OSDOP_WRITE = 0x0202,	       /* off, indata */
	OSDOP_WRITEFULL = 0x0203,      /* indata replaces the whole object */
	OSDOP_APPEND = 0x0204,	       /* indata at the end */
	OSDOP_TRUNCATE = 0x0205,       /* off = new size */
	OSDOP_ZERO = 0x0206,	       /* off, len */
	OSDOP_DELETE = 0x0207,	       /* remove the object; -ENOENT if missing */
	OSDOP_SETXATTR = 0x0208,       /* name, vals[0] */
	OSDOP_RMXATTR = 0x0209,	       /* name */
	OSDOP_OMAP_SETVALS = 0x020a,   /* keys, vals */
	OSDOP_OMAP_RMKEYS = 0x020b,    /* keys */
	OSDOP_OMAP_RMRANGE = 0x020c,   /* keys[0] first (inclusive), keys[1] last (exclusive) */
	OSDOP_OMAP_CLEAR = 0x020d,
	OSDOP_OMAP_SETHEADER = 0x020e, /* vals[0] */
	OSDOP_WRITESAME = 0x020f,      /* off, len, indata repeated to fill len */
	OSDOP_SETALLOCHINT = 0x0210,   /* accepted, no effect */
	OSDOP_TOUCH = 0x0211,	       /* physical: create if missing, never fails */
	OSDOP_REMOVE = 0x0212,	       /* physical: remove if present, never fails */
};

#define OSDOP_IS_WRITE(code) (((code) & 0xff00) == 0x0200)
#define OSDOP_IS_READ(code) (((code) & 0xff00) == 0x0100)
/* Steps a REPOP may carry (exact, state-independent changes). */
bool osdop_is_physical(uint32_t code);
/* "read", "writefull", ...; "unknown" for anything else. */
const char *osdop_name(uint32_t code);

/* ---- flags ----------------------------------------------------------------- */

/* Step flags. */
#define OSDOP_F_EXCL 0x1    /* CREATE: fail with -EEXIST if it exists */
#define OSDOP_F_FAILOK 0x2  /* this step may fail without failing the op */
#define OSDOP_F_CMP_U64 0x4 /* CMPXATTR / OMAP_CMP: compare as u64 (decimal text) */

/* Op flags (struct msg_osd_op.flags). */
#define OSDOP_OPF_READ 0x1
#define OSDOP_OPF_WRITE 0x2
#define OSDOP_OPF_BALANCE_READS 0x4 /* reserved: reads may go to a replica */

/* Reply flags (struct msg_osd_op_reply.flags). */
#define OSDOP_RF_RETRY 0x1 /* not the primary in the OSD's newer map: resend after
			     * getting epoch >= reply.epoch */

/* Comparison modes, Ceph's LIBRADOS_CMPXATTR_OP_* values. */
enum osdop_cmp {
	OSDOP_CMP_EQ = 1,
	OSDOP_CMP_NE = 2,
	OSDOP_CMP_GT = 3,
	OSDOP_CMP_GTE = 4,
	OSDOP_CMP_LT = 5,
	OSDOP_CMP_LTE = 6,
};

/*
 * Ceph's cmpext convention: a mismatch at byte i returns -MAX_ERRNO - i
 * (MAX_ERRNO is 4095).  Steps carry it as an ordinary rval.
 */
#define OSDOP_MAX_ERRNO 4095
#define OSDOP_CMPEXT_MISMATCH(i) (-(int64_t)OSDOP_MAX_ERRNO - (int64_t)(i))

/* Longest names the OSD accepts (Ceph's osd_max_object_name_len, ...). */
#define OSDOP_NAME_MAX 2048
#define OSDOP_NSPACE_MAX 256
#define OSDOP_LOCATOR_MAX 256
#define OSDOP_XATTR_NAME_MAX 255
#define OSDOP_XATTR_VALUE_MAX 65536
#define OSDOP_OMAP_KEY_MAX 4096

/* ---- output encodings ------------------------------------------------------ */
/*
 * Little-endian throughout.  Decoders check every length (the bytes come
 * from the network) and return -EBADMSG on anything malformed.
 */

/* OSDOP_STAT: u64 size, u64 mtime (ns since the Unix epoch). */
#define OSDOP_STAT_LEN 16
void osdop_stat_encode(uint64_t size, uint64_t mtime_ns, uint8_t out[OSDOP_STAT_LEN]);
int osdop_stat_decode(const void *data, size_t len, uint64_t *out_size, uint64_t *out_mtime_ns);

/*
 * Key/value lists (GETXATTRS, OMAP_GET*): u32 count, then per entry
 * u32 klen, key, u32 vlen, value; then u8 more (1: entries remain after
 * the last one).  Built with _begin / _add / _end.
 */
struct osdop_kv_writer {
	struct buf *out;
	size_t count_at;
	uint32_t count;
};
int osdop_kv_begin(struct osdop_kv_writer *w, struct buf *out);
int osdop_kv_add(struct osdop_kv_writer *w, const void *key, size_t klen, const void *val,
		 size_t vlen);
int osdop_kv_end(struct osdop_kv_writer *w, bool more);

/* A decoded entry; pointers into the encoded bytes. */
struct osdop_kv {
	const uint8_t *key;
	size_t klen;
	const uint8_t *val;
	size_t vlen;
};
/*
 * Iterate: osdop_kv_iter_init checks the whole encoding first (-EBADMSG),
 * then osdop_kv_next returns 1 per entry and 0 at the end.
 */
struct osdop_kv_iter {
	const uint8_t *p, *end;
	uint32_t left;
	uint32_t count;
	bool more;
};
int osdop_kv_iter_init(struct osdop_kv_iter *it, const void *data, size_t len);
int osdop_kv_next(struct osdop_kv_iter *it, struct osdop_kv *out);

/*
 * PG listing (OSDOP_PGLS, sent to the PG's primary with the op's seed
 * naming the PG and no object name).  Input, in the step: name = the
 * namespace to list (only with flags OSDOP_PGLS_F_NSPACE; otherwise all),
 * arg = max entries, keys[0] = the cursor to start at (empty: the start).
 * Output: a kv list whose keys are object names and whose values are
 * "nspace\0locator" (more = 1 if the PG has objects after them), then
 * u32 cursor length and the cursor to continue from (length 0 when the
 * PG is done).
 *
 * A cursor (osdop_cursor_encode) is u32 hash, u32 nslen, nspace, u32
 * namelen, name: opaque to clients, except that an empty cursor is the
 * PG's start.
 */
#define OSDOP_PGLS_F_NSPACE 0x100
int osdop_cursor_encode(uint32_t hash, const char *nspace, const char *name, struct buf *out);
/* Pointers into @data; the strings are NOT NUL-terminated: lengths given. */
struct osdop_cursor {
	uint32_t hash;
	const char *nspace;
	size_t nslen;
	const char *name;
	size_t namelen;
};
int osdop_cursor_decode(const void *data, size_t len, struct osdop_cursor *out);

/* ---- PG states ------------------------------------------------------------- */

/* Bits of a PG's state, as reported to the monitors (Ceph's names). */
enum osdop_pg_state {
	OSDOP_PGS_CREATING = 1u << 0,
	OSDOP_PGS_ACTIVE = 1u << 1,
	OSDOP_PGS_CLEAN = 1u << 2,
	OSDOP_PGS_DOWN = 1u << 3,
	OSDOP_PGS_PEERING = 1u << 4,
	OSDOP_PGS_PEERED = 1u << 5,
	OSDOP_PGS_INCOMPLETE = 1u << 6,
	OSDOP_PGS_DEGRADED = 1u << 7,
	OSDOP_PGS_UNDERSIZED = 1u << 8,
	OSDOP_PGS_RECOVERING = 1u << 9,
	OSDOP_PGS_RECOVERY_WAIT = 1u << 10,
	OSDOP_PGS_BACKFILLING = 1u << 11,
	OSDOP_PGS_REMAPPED = 1u << 12,
	OSDOP_PGS_STALE = 1u << 13,
	OSDOP_PGS_UNKNOWN = 1u << 14,
};
/*
 * "active+clean", "peering", "active+undersized+degraded", in Ceph's
 * order of the words.  Returns the length or -ERANGE; 0 bits give "unknown".
 */
int osdop_pg_state_format(uint32_t state, char *out, size_t size);

#endif
