/*
 * osd_exec.h - executing the steps of a client op against one object.
 *
 * The primary of a PG runs every op it accepts through osd_exec_op():
 * read steps run against the object store at once; write steps are
 * checked and turned into *physical* steps (common/osdop.h:
 * osdop_is_physical) computed against the object as it is now, e.g. an
 * append becomes a write at the current size, a writefull a truncate to 0
 * plus a write, a create with EXCL a failure or a touch.  The PG layer
 * then adds the object-info step (osd_exec_set_oi), logs the op, and
 * applies the same physical steps locally and on every replica with
 * osd_exec_apply(), so all copies change byte for byte identically.
 *
 * Semantics of a compound op (Ceph's): steps run in order; the first
 * failing step (rval < 0 without OSDOP_F_FAILOK) ends the op, its rval is
 * the op's result, and no write step of the op applies.  Guards and reads
 * inside a write op see the object as it was before the op, except that
 * the executor tracks existence and size across the op's own write steps
 * (so create + write + append + stat compose as expected), and that an
 * object the op creates, or removes and re-creates, reads as empty (no
 * data, xattrs or omap).
 *
 * Choices where Ceph is unusual or Cairn differs (details in osd_exec.c):
 *  - Read steps on a missing object give -ENOENT (Ceph fails such read
 *    ops up front), so do DELETE, RMXATTR and the omap removals.  TRUNCATE
 *    and ZERO on a missing object do nothing.
 *  - CMPXATTR compares "operand <mode> stored" (a missing attribute is
 *    empty); OMAP_CMP compares "stored <mode> operand" (a missing key
 *    fails).  False is -ECANCELED.  True is rval 0, where Ceph's OSD gives
 *    1 for CMPXATTR: rvals here are 0 or negative (they travel as errno).
 *    OSDOP_F_CMP_U64 reads both sides as decimal text (empty = 0); other
 *    text is -EINVAL.
 *  - RMXATTR of a missing attribute succeeds (Ceph's OSD and BlueStore).
 *  - ZERO is cut at the object's size: it never grows the object.
 *  - A zero-length WRITE/APPEND creates the object and, past the end,
 *    extends it (a TRUNCATE up), as Ceph does.
 *  - OMAP_GETVALS / OMAP_GETKEYS with an empty start_after list from the
 *    first key (so an empty key is listed; Ceph skips it); keys[0], if
 *    given, is a filter prefix for both; arg 0 and values above 131072
 *    entries (or 64 MiB of output) are capped there, with more = 1.
 *
 * Object metadata: user xattrs are stored under OSD_EXEC_XATTR_PREFIX +
 * name; the object info (version, mtime) is the xattr OSD_EXEC_OI_ATTR.
 * Neither prefix is visible to clients.
 *
 * Threads: no state; callable from any thread.  Reads block on the store.
 */
#ifndef CAIRN_OSD_EXEC_H
#define CAIRN_OSD_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "msg.h"
#include "os.h"
#include "osdop.h"

#define OSD_EXEC_XATTR_PREFIX "_"
#define OSD_EXEC_OI_ATTR "@oi"
/* The object's locator key, when it was written with one (listings return it). */
#define OSD_EXEC_LOC_ATTR "@loc"

/* The object info attribute: le32 ver_epoch, le64 version, le64 mtime_ns. */
#define OSD_EXEC_OI_LEN 20
struct osd_exec_oi {
	uint32_t ver_epoch;
	uint64_t version;
	uint64_t mtime_ns;
};
void osd_exec_oi_encode(const struct osd_exec_oi *oi, uint8_t out[OSD_EXEC_OI_LEN]);
/* 0, or -EBADMSG when @len is not OSD_EXEC_OI_LEN. */
int osd_exec_oi_decode(const void *data, size_t len, struct osd_exec_oi *out);
/* Read an object's info.  0, -ENOENT (no object), -EIO (missing or bad attr). */
int osd_exec_get_oi(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		    struct osd_exec_oi *out);

/*
 * Limits (0: none).  max_write_size applies to one step's data, a
 * WRITESAME's expanded length included; every step's data also has to fit
 * a u32 (-E2BIG).
 */
struct osd_exec_limits {
	uint64_t max_object_size; /* osd_max_object_size: -EFBIG beyond it */
	uint64_t max_write_size;  /* osd_max_write_size in bytes: -E2BIG beyond it */
};

/* What a write op does, as physical steps.  Zero-initialise; fini frees. */
struct osd_exec_write {
	struct msg_osd_subop *ops; /* physical steps (owned) */
	uint32_t n_ops;
	struct buflist data; /* their input bytes, indata_len each, in step order */
	bool existed;	     /* the object existed before the op */
	bool deletes;	     /* it does not exist afterwards (also when it never
			      * existed and the op did not create it: then
			      * there are no steps and nothing changed) */
	uint64_t size;	     /* its size afterwards */
};
void osd_exec_write_fini(struct osd_exec_write *w);

/*
 * Run @ops (n_ops steps, their input bytes concatenated in @indata) on
 * @oid in @cid.  Fills every executed step's rval and outdata_len and
 * appends their output to @outdata.  For a op with write steps fills
 * @out_w (may be NULL for read-only ops; then write steps give -EINVAL).
 * Returns the op's result: 0, or the failing step's rval (a -errno, or
 * OSDOP_CMPEXT_MISMATCH(i) from cmpext).  Bad arguments in a step (an
 * indata_len running past @indata, a missing name/key/value) give -EINVAL
 * for that step, an unknown code (PGLS included: osd_exec_pgls) or a
 * reserved one -EOPNOTSUPP, oversize xattr names and omap keys
 * -ENAMETOOLONG, oversize xattr values -E2BIG.  A write op that changes
 * nothing (only guards) still yields a write.  -EIO from the store fails
 * a step like any error; -ENOMEM ends the op even under FAILOK.
 * @indata may be NULL (no input); @out_w must be empty (zeroed) on entry
 * and is empty again when the op fails.  @outdata keeps the output of the
 * steps that ran before a failure (the caller may drop it).
 * Every step's rval and outdata_len are reset first (0 for steps that did
 * not run).
 */
int64_t osd_exec_op(struct os_store *s, const struct os_cid *cid, const struct os_oid *oid,
		    struct msg_osd_subop *ops, uint32_t n_ops, const struct buflist *indata,
		    const struct osd_exec_limits *lim, struct buflist *outdata,
		    struct osd_exec_write *out_w);

/*
 * Append the object-info step (SETXATTR OSD_EXEC_OI_ATTR) to @w unless the
 * op deletes the object.  0 or -ENOMEM.
 */
int osd_exec_set_oi(struct osd_exec_write *w, const struct osd_exec_oi *oi);
/* Append SETXATTR OSD_EXEC_LOC_ATTR = @locator unless it is empty or the op deletes. */
int osd_exec_set_locator(struct osd_exec_write *w, const char *locator);

/*
 * Add physical steps to a store transaction (primary and replicas alike).
 * -EINVAL for a step that is not physical, whose indata_len runs past
 * @data (may be NULL: no data), or that lacks what it needs (a name for
 * SETXATTR/RMXATTR, vals[0] for SETXATTR/OMAP_SETHEADER, as many vals as
 * keys for OMAP_SETVALS, two keys for OMAP_RMRANGE); -ENOMEM.  On error
 * @t may hold some of the steps: discard it.
 */
int osd_exec_apply(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		   const struct msg_osd_subop *ops, uint32_t n_ops, const struct buflist *data);

/*
 * OSDOP_PGLS on collection @cid (see osdop.h for input and output).  Lists
 * only the objects of the PG's pool (every object in the collection), head
 * versions only (snap OS_NOSNAP).  arg 0 means 1024 entries, more than
 * 4096 means 4096.  With a namespace filter one call looks at no more
 * than 65536 objects, so a page may be short while more = 1.  Output is
 * appended to @out (left as it was on error).
 * 0, -EINVAL (bad cursor), -ENOENT (no collection), -ENOMEM.
 */
int osd_exec_pgls(struct os_store *s, const struct os_cid *cid, const struct msg_osd_subop *step,
		  struct buf *out);

#endif
