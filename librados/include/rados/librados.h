/*
 * rados/librados.h - the librados C API, as provided by Cairn's librados.so.2.
 *
 * Cairn's client library is a drop-in replacement for Ceph's librados
 * (Debian's Pacific 16.2.x packages).  This header declares the same C API
 * as Ceph's <rados/librados.h>: identical function names and signatures,
 * `void *` handle typedefs, struct layouts and constant values, so programs
 * and bindings (python3-rados, fio, ...) built against Ceph's header run
 * unchanged on Cairn, and programs can be rebuilt against this header
 * without source changes.  The comments are Cairn's own description of the
 * contract.  doc/librados.md explains how the implementation is organised
 * and which functions are implemented first.
 *
 * ------------------------------------------------------------------------
 * Conventions that hold for every function unless its comment says
 * otherwise
 * ------------------------------------------------------------------------
 *
 * Errors.  Functions returning int return 0 on success or a negative errno
 * (-ENOENT, -EINVAL, ...) on failure; they never set errno and never return
 * a positive error code.  A few return a non-negative count or length on
 * success instead of 0; their comments say so.  Functions returning int64_t
 * or ssize_t follow the same rule.
 *
 * Not connected.  Calls that talk to the cluster (pools, io contexts,
 * objects, commands) made on a handle that has not completed
 * rados_connect() fail with -ENOTCONN.
 *
 * NULL handles.  Ceph's library dereferences handles without checking, so
 * portable programs must never pass NULL or a released handle.  Cairn
 * checks at the API boundary: an int-returning function given a NULL handle
 * returns -EINVAL, a void function does nothing.  (fio, for one, calls
 * rados_remove() with a NULL io context after a failed connect.)
 *
 * Strings.  Object names, pool names, xattr names, omap keys and the like are
 * NUL-terminated unless a length parameter accompanies them.  Data buffers
 * always come with an explicit length and may contain any bytes.
 *
 * Ownership.  Pointer arguments are borrowed for the duration of the call:
 * the library copies what it keeps.  The exceptions are named in each
 * comment: buffers an asynchronous operation reads from or writes into must
 * stay valid until the operation completes, and outputs allocated by the
 * library (command replies, notify replies, address strings) belong to the
 * caller, who releases them with rados_buffer_free().
 *
 * Buffer-size negotiation.  Functions that copy a string into a caller's
 * buffer fail when it does not fit rather than truncating.  The error says
 * "retry with a bigger buffer": -ERANGE for most, -ENAMETOOLONG for
 * rados_conf_get().  Functions that take the length by pointer
 * (size_t *len) store the length they need before returning -ERANGE.
 * Lists are returned as NUL-separated items, each item NUL-terminated.
 *
 * Threads.  A cluster handle (rados_t) and its io contexts may be used by
 * many threads at once: every call is thread-safe unless its comment says
 * otherwise.  The exceptions are configuration before rados_connect() and
 * the settings stored in an io context (namespace, locator key, snapshot to
 * read, write snapshot context, "full try"), which the caller must not
 * change while other threads use the same io context.  Synchronous calls
 * block the calling thread until the cluster answers or the configured
 * timeout (rados_osd_op_timeout, rados_mon_op_timeout; 0 = no timeout)
 * expires, in which case they return -ETIMEDOUT.
 *
 * Callbacks.  Completion, watch, watch-error and cluster-log callbacks run
 * on threads owned by the library, never on the thread that started the
 * operation.  The library holds none of its locks while a callback runs, so
 * a callback may call back into librados (for instance
 * rados_aio_get_return_value(), rados_aio_release() on its own completion,
 * or rados_notify_ack()), but it should return promptly: while it runs,
 * other callbacks of the same cluster handle may be delayed.  No callback
 * runs after rados_shutdown() has returned.
 *
 * Ordering.  Operations one client sends to one object are applied in the
 * order they were submitted, synchronous or asynchronous alike: an
 * rados_aio_write() followed at once by an rados_aio_append() to the same
 * object yields the written data followed by the appended data.
 *
 * Cairn status.  Snapshots, watch/notify, advisory locks, object classes
 * (exec), cache tiering and the cluster log may return -EOPNOTSUPP until
 * they are implemented; the section comments below say which.  See
 * doc/librados.md for the current table.
 */
#ifndef CEPH_LIBRADOS_H
#define CEPH_LIBRADOS_H

/*
 * Ceph's header pulls in these system headers; programs built against it
 * may rely on them transitively (struct timeval, time_t, size_t, ssize_t,
 * memcpy), so Cairn's does too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "rados_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Declared here so that prototypes using it are well-formed even in strict
 * ISO C modes where <time.h> does not define it.
 */
struct timespec;

/*
 * Marks every exported function.  Cairn builds its libraries with hidden
 * visibility by default (STYLE.md section 2); this attribute is what makes
 * the API visible from librados.so.2.  Harmless for callers.
 */
#ifndef CEPH_RADOS_API
#if defined(__GNUC__) || defined(__clang__)
#define CEPH_RADOS_API __attribute__((visibility("default")))
#else
#define CEPH_RADOS_API
#endif
#endif

/*
 * Marks functions Ceph's header marks deprecated: still exported and
 * working (or failing as documented), but new code should use the named
 * replacement.  Callers can silence the warning with
 * -Wno-deprecated-declarations.
 */
#if defined(__GNUC__) || defined(__clang__)
#define LIBRADOS_DEPRECATED_ __attribute__((deprecated))
#else
#define LIBRADOS_DEPRECATED_
#endif

/* ======================================================================
 * Constants
 * ====================================================================== */

/*
 * Opcode bytes of the legacy "tmap" object format (a sorted key/value map
 * stored in the object's data).  Kept for source compatibility only; the
 * guard lets a program that defines them first keep its own definitions.
 */
#ifndef CEPH_OSD_TMAP_SET
#define CEPH_OSD_TMAP_HDR    'h'
#define CEPH_OSD_TMAP_SET    's'
#define CEPH_OSD_TMAP_CREATE 'c'
#define CEPH_OSD_TMAP_RM     'r'
#endif

/*
 * Version of the C API (not of Cairn or Ceph).  rados_version() reports
 * the same three numbers at run time; a program can compare them to detect
 * that it runs with a different library than it was compiled with.
 * LIBRADOS_VERSION_CODE is 196608 (3.0.0).
 */
#define LIBRADOS_VER_MAJOR 3
#define LIBRADOS_VER_MINOR 0
#define LIBRADOS_VER_EXTRA 0

/* Packs a version triple into one comparable integer. */
#define LIBRADOS_VERSION(maj, min, extra) (((maj) << 16) + ((min) << 8) + (extra))

#define LIBRADOS_VERSION_CODE                                                                      \
	LIBRADOS_VERSION(LIBRADOS_VER_MAJOR, LIBRADOS_VER_MINOR, LIBRADOS_VER_EXTRA)

/*
 * Feature tests: defined when the corresponding group of functions exists,
 * so programs can #ifdef around them.
 */
#define LIBRADOS_SUPPORTS_WATCH	       1 /* watch/notify (rados_watch3() ...) */
#define LIBRADOS_SUPPORTS_SERVICES     1 /* rados_service_register() ... */
#define LIBRADOS_SUPPORTS_GETADDRS     1 /* rados_getaddrs() */
#define LIBRADOS_SUPPORTS_APP_METADATA 1 /* rados_application_metadata_*() */

/*
 * Flags for rados_lock_exclusive() / rados_lock_shared().
 * MAY_RENEW (alias RENEW): if the caller (same client and cookie) already
 * holds the lock, refresh its duration instead of failing with -EEXIST.
 * MUST_RENEW: only refresh an existing lock held by the caller; fail with
 * -ENOENT if it is not held.
 */
#define LIBRADOS_LOCK_FLAG_RENEW      (1u << 0)
#define LIBRADOS_LOCK_FLAG_MAY_RENEW  LIBRADOS_LOCK_FLAG_RENEW
#define LIBRADOS_LOCK_FLAG_MUST_RENEW (1u << 1)

/*
 * Values of the `exclusive` argument of rados_write_op_create():
 * EXCLUSIVE fails the whole operation with -EEXIST if the object exists;
 * IDEMPOTENT succeeds either way.
 */
#define LIBRADOS_CREATE_EXCLUSIVE  1
#define LIBRADOS_CREATE_IDEMPOTENT 0

/*
 * Per-action flags, applied with rados_write_op_set_flags() /
 * rados_read_op_set_flags() to the action added last.
 */
enum {
	/* Fail a create action if the object already exists. */
	LIBRADOS_OP_FLAG_EXCL = 0x1,
	/* Let the compound operation succeed even if this action fails; the
	 * action's own result still reaches its prval. */
	LIBRADOS_OP_FLAG_FAILOK = 0x2,
	/* Access-pattern hints for the OSD's cache and read-ahead; they never
	 * change results and may be ignored. */
	LIBRADOS_OP_FLAG_FADVISE_RANDOM = 0x4,
	LIBRADOS_OP_FLAG_FADVISE_SEQUENTIAL = 0x8,
	LIBRADOS_OP_FLAG_FADVISE_WILLNEED = 0x10,
	LIBRADOS_OP_FLAG_FADVISE_DONTNEED = 0x20,
	LIBRADOS_OP_FLAG_FADVISE_NOCACHE = 0x40,
	/* Ask for force-unit-access semantics on a write. */
	LIBRADOS_OP_FLAG_FADVISE_FUA = 0x80,
};

/*
 * Comparison operators for rados_*_op_cmpxattr() and rados_*_op_omap_cmp*().
 * The comparison is "stored value <op> given value", bytewise (memcmp order,
 * a proper prefix sorting first); when it does not hold, the operation fails
 * with -ECANCELED.
 */
enum {
	LIBRADOS_CMPXATTR_OP_EQ = 1,
	LIBRADOS_CMPXATTR_OP_NE = 2,
	LIBRADOS_CMPXATTR_OP_GT = 3,
	LIBRADOS_CMPXATTR_OP_GTE = 4,
	LIBRADOS_CMPXATTR_OP_LT = 5,
	LIBRADOS_CMPXATTR_OP_LTE = 6
};

/*
 * Whole-operation flags: the `flags` argument of rados_read_op_operate(),
 * rados_write_op_operate(), rados_write_op_operate2() and their aio forms.
 * Bitwise OR of these values.
 */
enum {
	LIBRADOS_OPERATION_NOFLAG = 0,
	/* A read may be served by any replica, not only the primary. */
	LIBRADOS_OPERATION_BALANCE_READS = 1,
	/* A read may be served by the replica closest to the client. */
	LIBRADOS_OPERATION_LOCALIZE_READS = 2,
	/* Order this read with respect to earlier writes to the object. */
	LIBRADOS_OPERATION_ORDER_READS_WRITES = 4,
	/* Bypass cache-tier logic (cache tiering). */
	LIBRADOS_OPERATION_IGNORE_CACHE = 8,
	/* Skip the cache tier's read/write object locks. */
	LIBRADOS_OPERATION_SKIPRWLOCKS = 16,
	/* Do not follow a pool overlay (cache tier) to another pool. */
	LIBRADOS_OPERATION_IGNORE_OVERLAY = 32,
	/* Send even when the pool or cluster is flagged full; the operation
	 * then succeeds (deletes) or fails with -ENOSPC / -EDQUOT instead of
	 * waiting for space. */
	LIBRADOS_OPERATION_FULL_TRY = 64,
	/* Like FULL_TRY, and apply even past the full ratio (deletes). */
	LIBRADOS_OPERATION_FULL_FORCE = 128,
	/* Do not follow an object redirect. */
	LIBRADOS_OPERATION_IGNORE_REDIRECT = 256,
	/* Refuse a write whose snapshot context is older than the one the
	 * object was last written with, instead of applying it. */
	LIBRADOS_OPERATION_ORDERSNAP = 512,
	/* Allow write operations to return positive results and data. */
	LIBRADOS_OPERATION_RETURNVEC = 1024,
};

/*
 * Expected-access hints for rados_set_alloc_hint2() and
 * rados_write_op_set_alloc_hint2() (bitwise OR).  Purely advisory.
 */
enum {
	LIBRADOS_ALLOC_HINT_FLAG_SEQUENTIAL_WRITE = 1,
	LIBRADOS_ALLOC_HINT_FLAG_RANDOM_WRITE = 2,
	LIBRADOS_ALLOC_HINT_FLAG_SEQUENTIAL_READ = 4,
	LIBRADOS_ALLOC_HINT_FLAG_RANDOM_READ = 8,
	LIBRADOS_ALLOC_HINT_FLAG_APPEND_ONLY = 16,
	LIBRADOS_ALLOC_HINT_FLAG_IMMUTABLE = 32,
	LIBRADOS_ALLOC_HINT_FLAG_SHORTLIVED = 64,
	LIBRADOS_ALLOC_HINT_FLAG_LONGLIVED = 128,
	LIBRADOS_ALLOC_HINT_FLAG_COMPRESSIBLE = 256,
	LIBRADOS_ALLOC_HINT_FLAG_INCOMPRESSIBLE = 512,
	LIBRADOS_ALLOC_HINT_FLAG_LOG = 1024,
};

/*
 * Checksum algorithms for rados_checksum() and rados_read_op_checksum().
 * The seed and each result are little-endian: 4 bytes for XXHASH32 and
 * CRC32C, 8 bytes for XXHASH64.
 */
typedef enum {
	LIBRADOS_CHECKSUM_TYPE_XXHASH32 = 0,
	LIBRADOS_CHECKSUM_TYPE_XXHASH64 = 1,
	LIBRADOS_CHECKSUM_TYPE_CRC32C = 2
} rados_checksum_type_t;

/*
 * Special snapshot ids.  SNAP_HEAD is "the live object, no snapshot": give
 * it to rados_ioctx_snap_set_read() to go back to reading current data.
 * SNAP_DIR names the per-object snapshot directory (internal use).
 */
#define LIBRADOS_SNAP_HEAD ((uint64_t)(-2))
#define LIBRADOS_SNAP_DIR  ((uint64_t)(-1))

/* ======================================================================
 * Handle and value types
 *
 * All handles are opaque `void *` typedefs, as in Ceph, so they convert to
 * one another silently: take care not to mix them up.  (Inside the library
 * each handle is converted once, at the API boundary, to its own typed
 * struct.)
 * ====================================================================== */

/*
 * A cluster handle: one client identity (entity name, keys), its
 * configuration and, once connected, its sessions with the monitors and
 * OSDs.  Created by rados_create() / rados_create2(), configured, connected
 * with rados_connect() and destroyed by rados_shutdown().  Talking to two
 * clusters, or to one cluster as two users, takes two handles.
 */
#ifndef VOIDPTR_RADOS_T
#define VOIDPTR_RADOS_T
typedef void *rados_t;
#endif

/*
 * The configuration context of a cluster handle (rados_cct()), which can be
 * shared with another handle through rados_create_with_context().  It is
 * not reference counted on its own: it is valid only while the handle it
 * came from exists.
 */
typedef void *rados_config_t;

/*
 * An I/O context: the per-pool state every object operation uses.  It holds
 * the pool, the namespace (rados_ioctx_set_namespace()), the locator key
 * (rados_ioctx_locator_set_key()), the snapshot reads see
 * (rados_ioctx_snap_set_read()), the snapshot context writes carry
 * (rados_ioctx_selfmanaged_snap_set_write_ctx()) and the "full try" flag.
 * Operations may be issued from many threads at once; changing those
 * settings while other threads use the context is not safe.  Created by
 * rados_ioctx_create() / rados_ioctx_create2(), released by
 * rados_ioctx_destroy().
 */
typedef void *rados_ioctx_t;

/*
 * An object-listing iterator over one pool (and namespace, or all of them),
 * from rados_nobjects_list_open() to rados_nobjects_list_close().
 */
typedef void *rados_list_ctx_t;

/*
 * A position in a pool's object order, used by the rados_object_list*()
 * family and rados_nobjects_list_get_cursor()/_seek_cursor().  Released
 * with rados_object_list_cursor_free().
 */
typedef void *rados_object_list_cursor;

/*
 * One object returned by rados_object_list() (48 bytes on LP64).  The three
 * strings are allocated by the library, are not necessarily NUL-terminated
 * (use the lengths) and are released, for the whole array, by
 * rados_object_list_free().  nspace_length / locator_length are 0 when the
 * object is in the default namespace / has no locator key.
 */
typedef struct {
	size_t oid_length;
	char *oid;
	size_t nspace_length;
	char *nspace;
	size_t locator_length;
	char *locator;
} rados_object_list_item;

/* A snapshot id (pool or self-managed snapshot). */
typedef uint64_t rados_snap_t;

/*
 * Iterator over the extended attributes of one object, from
 * rados_getxattrs() / rados_aio_getxattrs() / rados_read_op_getxattrs() to
 * rados_getxattrs_end().
 */
typedef void *rados_xattrs_iter_t;

/*
 * Iterator over omap (key/value) entries returned by a read operation
 * (rados_read_op_omap_get_*()), walked with rados_omap_get_next() and
 * released with rados_omap_get_end().
 */
typedef void *rados_omap_iter_t;

/*
 * Usage statistics of one pool, filled by rados_ioctx_pool_stat()
 * (16 uint64_t, 128 bytes).  Counters the cluster does not track are 0.
 *
 * num_bytes / num_kb:             logical bytes stored (and the same in KiB,
 *                                 rounded up), counting one replica.
 * num_objects:                    objects in the pool (all namespaces).
 * num_object_clones:              snapshot clones among them.
 * num_object_copies:              num_objects times the replica count.
 * num_objects_missing_on_primary: objects the primary OSD lacks.
 * num_objects_unfound:            objects no OSD has a copy of.
 * num_objects_degraded:           objects with fewer copies than required
 *                                 but at least one.
 * num_rd / num_rd_kb:             read operations served, and KiB read.
 * num_wr / num_wr_kb:             write operations applied, and KiB written.
 * num_user_bytes:                 bytes as written by users, before any
 *                                 compression or allocation rounding.
 * compressed_bytes_orig:          bytes that were given to compression.
 * compressed_bytes:               what those bytes compressed to.
 * compressed_bytes_alloc:         space allocated on disk for them.
 */
struct rados_pool_stat_t {
	uint64_t num_bytes;
	uint64_t num_kb;
	uint64_t num_objects;
	uint64_t num_object_clones;
	uint64_t num_object_copies;
	uint64_t num_objects_missing_on_primary;
	uint64_t num_objects_unfound;
	uint64_t num_objects_degraded;
	uint64_t num_rd;
	uint64_t num_rd_kb;
	uint64_t num_wr;
	uint64_t num_wr_kb;
	uint64_t num_user_bytes;
	uint64_t compressed_bytes_orig;
	uint64_t compressed_bytes;
	uint64_t compressed_bytes_alloc;
};

/*
 * Cluster-wide usage, filled by rados_cluster_stat() (32 bytes): raw
 * capacity, used and available space of all OSDs in KiB, and the total
 * number of objects.  The values lag writes by a few seconds: OSDs report
 * usage periodically.
 */
struct rados_cluster_stat_t {
	uint64_t kb;
	uint64_t kb_used;
	uint64_t kb_avail;
	uint64_t num_objects;
};

/*
 * A compound write operation: a list of actions (create, write, setxattr,
 * omap_set, asserts, ...) applied to one object atomically - all of them or
 * none.  Built with the rados_write_op_*() functions, executed with
 * rados_write_op_operate() or rados_aio_write_op_operate(), freed with
 * rados_release_write_op().
 */
typedef void *rados_write_op_t;

/*
 * A compound read operation: a list of reads and checks (read, stat,
 * getxattrs, omap_get_*, cmpext, asserts, ...) executed on one object as
 * one request.  Built with the rados_read_op_*() functions, executed with
 * rados_read_op_operate() or rados_aio_read_op_operate(), freed with
 * rados_release_read_op().
 */
typedef void *rados_read_op_t;

/*
 * The state of one asynchronous operation: whether it has completed, its
 * result, and the callback to run when it does.  Created by
 * rados_aio_create_completion2() (or the older rados_aio_create_completion()),
 * passed to exactly one rados_aio_*() call, released by rados_aio_release().
 */
typedef void *rados_completion_t;

/* Tracing context of Ceph's C++ API (blkin); opaque, unused by the C API. */
struct blkin_trace_info;

/* ======================================================================
 * Library version
 * ====================================================================== */

/*
 * Report the version of the C API implemented by the loaded library:
 * 3.0.0, the same as LIBRADOS_VER_MAJOR/MINOR/EXTRA.  It describes the
 * interface, not the Cairn or Ceph release.
 *
 * major, minor, extra: [out] where to store the three numbers; each may be
 * NULL to skip it.
 * Thread-safe; needs no handle.
 */
CEPH_RADOS_API void rados_version(int *major, int *minor, int *extra);

/* ======================================================================
 * Cluster handle: creation, connection, shutdown
 *
 * Life cycle: rados_create*() -> rados_conf_*() (any number) ->
 * rados_connect() -> use -> rados_shutdown().  Configuration calls must
 * happen before rados_connect(); creating and configuring a handle does not
 * touch the network.
 * ====================================================================== */

/*
 * Create a cluster handle for the client "client.<id>" of the cluster named
 * "ceph".
 *
 * cluster: [out] the new handle, written only on success.
 * id:      the client id without the "client." prefix ("admin", not
 *          "client.admin"); NULL means "admin".
 * No configuration file is read yet: see rados_conf_read_file().
 * Returns 0, -EINVAL if the resulting name is not valid, or -ENOMEM.
 * Thread-safe.  The handle must eventually be passed to rados_shutdown(),
 * even if rados_connect() was never called or failed.
 */
CEPH_RADOS_API int rados_create(rados_t *cluster, const char *const id);

/*
 * Create a cluster handle with a full entity name and a cluster name.
 *
 * pcluster:    [out] the new handle, written only on success.
 * clustername: the cluster name, which selects the default configuration
 *              file (/etc/ceph/<clustername>.conf) and expands $cluster in
 *              option values; "" means "ceph" (so does NULL, in Cairn).
 * name:        the full entity name "type.id", for instance "client.admin"
 *              (Ceph's library does not accept NULL; Cairn returns -EINVAL).
 * flags:       reserved; pass 0.
 * Returns 0 or a negative errno:
 *   -EINVAL  name is not of the form "type.id" ("invalid") or names an
 *            unknown entity type ("bad.invalid");
 *   -ENOMEM  out of memory.
 * Thread-safe.  Release the handle with rados_shutdown().
 */
CEPH_RADOS_API int rados_create2(rados_t *pcluster, const char *const clustername,
				 const char *const name, uint64_t flags);

/*
 * Create a cluster handle that shares the configuration context of another
 * (see rados_cct()): it starts with the same options and identity.
 *
 * cluster: [out] the new handle, written only on success.
 * cct:     configuration context from rados_cct() / rados_ioctx_cct(); it
 *          must stay valid (its handle alive) for the new handle's life.
 * Returns 0, -EINVAL for a NULL context, or -ENOMEM.
 */
CEPH_RADOS_API int rados_create_with_context(rados_t *cluster, rados_config_t cct);

/*
 * Ask one monitor for its health/status summary without going through a
 * connected session (works before rados_connect()).
 *
 * cluster:   handle whose configuration locates the monitors.
 * mon_id:    name of the monitor to ping (the "a" of mon.a).
 * outstr:    [out] the reply (JSON text), allocated by the library, not
 *            NUL-terminated; free with rados_buffer_free().  May be NULL.
 * outstrlen: [out] length of *outstr.  May be NULL.
 * Returns 0 or a negative errno: -ENOENT no monitor of that name,
 * -ETIMEDOUT the monitor did not answer in time.
 * Blocks until the reply or the timeout.
 */
CEPH_RADOS_API int rados_ping_monitor(rados_t cluster, const char *mon_id, char **outstr,
				      size_t *outstrlen);

/*
 * Connect to the cluster: find the monitors (mon_host, or DNS SRV records
 * named by mon_dns_srv_name), authenticate, and fetch the current monitor
 * and OSD maps.  After success every function of the API may be used.
 *
 * Returns 0 or a negative errno:
 *   -EISCONN    already connected;
 *   -ENOENT     no monitor address is configured or resolvable;
 *   -ETIMEDOUT  no monitor answered within client_mount_timeout (300 s by
 *               default);
 *   -EACCES / -EPERM  authentication was refused;
 *   -EINVAL     the configuration is inconsistent (e.g. fsid mismatch).
 * Blocks until connected or failed.  Do not call concurrently with other
 * calls on the same handle.
 */
CEPH_RADOS_API int rados_connect(rados_t cluster);

/*
 * Close the sessions and destroy the handle.  Valid whether or not
 * rados_connect() was called or succeeded.
 *
 * Watches still registered are dropped (as if rados_watch_flush() were
 * called first), and pending asynchronous operations are abandoned: call
 * rados_aio_flush() on each io context first if their outcome matters.
 * No callback runs after this returns.  Io contexts, iterators and
 * configuration contexts obtained from the handle become invalid.
 *
 * cluster: the handle; invalid after the call.
 * Must not run concurrently with other calls on the same handle, and must
 * not be called from a librados callback.
 */
CEPH_RADOS_API void rados_shutdown(rados_t cluster);

/* ======================================================================
 * Configuration
 *
 * Options are Ceph's configuration options; names treat spaces, '_' and
 * '-' alike ("mon host" = "mon_host").  Values come, in increasing
 * precedence, from built-in defaults, the configuration file sections
 * [global], [client] and [<entity name>], $CEPH_ARGS / argv, and
 * rados_conf_set().  Options a client uses include mon_host, keyring /
 * key / keyfile, auth_client_required, client_mount_timeout,
 * rados_osd_op_timeout, rados_mon_op_timeout, log_file and debug_*.
 * Configure before rados_connect(); these calls must not run concurrently
 * with other calls on the same handle.
 * ====================================================================== */

/*
 * Read a ceph.conf-style configuration file.
 *
 * path: the file; or a comma-separated list of files, of which the first
 *       readable one is used; or NULL for the default search: $CEPH_CONF
 *       if set, else /etc/ceph/$cluster.conf, ~/.ceph/$cluster.conf and
 *       ./$cluster.conf, first found wins.
 * Values may use the metavariables $cluster, $name, $type, $id, $pid and
 * $host, expanded when read.
 * Returns 0 or a negative errno: -ENOENT no file found / readable,
 * -EINVAL a syntax error in the file.
 */
CEPH_RADOS_API int rados_conf_read_file(rados_t cluster, const char *path);

/*
 * Apply command-line style options: "--mon-host 10.0.0.1", "--mon_host=..",
 * "-m 10.0.0.1", "--id foo", "--name client.foo", "--keyring path",
 * "-c conffile" and "--<any option> <value>" (in an option name '-' and '_'
 * are interchangeable).
 *
 * argc, argv: the arguments; argv[0] is the program name and is skipped.
 * Arguments that are not recognised options are left alone (see
 * rados_conf_parse_argv_remainder() to get them back).
 * Returns 0, or -EINVAL for a value that does not parse (nothing after
 * that argument is applied).
 */
CEPH_RADOS_API int rados_conf_parse_argv(rados_t cluster, int argc, const char **argv);

/*
 * Like rados_conf_parse_argv(), and also hand back the arguments that were
 * not consumed.
 *
 * remargv: [out] array with room for argc pointers.  The arguments that
 *          were not consumed (argv[0] excluded) are stored at its start in
 *          their original order, pointing into argv; every remaining entry
 *          up to argc is set to NULL, so at least one NULL ends the list.
 * Returns 0 or a negative errno.
 */
CEPH_RADOS_API int rados_conf_parse_argv_remainder(rados_t cluster, int argc, const char **argv,
						   const char **remargv);

/*
 * Apply options from an environment variable whose value is parsed like a
 * command line (split on white space), for instance
 * CEPH_ARGS="--id foo --keyring /tmp/k".
 *
 * var: the variable's name; NULL means CEPH_ARGS.  An unset or empty
 *      variable is not an error.
 * Returns 0 or a negative errno (as rados_conf_parse_argv()).
 * Not thread-safe with respect to other threads changing the environment.
 */
CEPH_RADOS_API int rados_conf_parse_env(rados_t cluster, const char *var);

/*
 * Set one configuration option.
 *
 * option: the option's name.   value: its new value as text.
 * Returns 0 or a negative errno:
 *   -ENOENT  no such option;
 *   -EINVAL  the value does not parse for the option's type;
 *   -EPERM   the option cannot change at run time and the handle is
 *            already connected (e.g. mon_host).
 */
CEPH_RADOS_API int rados_conf_set(rados_t cluster, const char *option, const char *value);

/*
 * Read the current value of a configuration option, as text.
 *
 * option: the option's name.
 * buf:    [out] where the NUL-terminated value is copied.
 * len:    size of buf in bytes, including room for the NUL.
 * Returns 0 or a negative errno:
 *   -ENOENT        no such option;
 *   -ENAMETOOLONG  buf is too small (nothing useful is stored; retry with
 *                  a larger buffer - python3-rados doubles from 20 bytes).
 * Thread-safe.
 */
CEPH_RADOS_API int rados_conf_get(rados_t cluster, const char *option, char *buf, size_t len);

/* ======================================================================
 * Cluster information
 * ====================================================================== */

/*
 * Read cluster-wide space usage and object count.
 *
 * result: [out] filled on success (struct rados_cluster_stat_t).
 * Returns 0 or a negative errno (-ENOTCONN, -ETIMEDOUT).
 * Blocks for one monitor round trip.  Values are eventually consistent.
 */
CEPH_RADOS_API int rados_cluster_stat(rados_t cluster, struct rados_cluster_stat_t *result);

/*
 * Get the cluster's fsid (its UUID) as text, for instance
 * "9b5e7a5c-3f2d-4c8e-9a61-0c2f7d1e4b3a".
 *
 * buf: [out] where the NUL-terminated 36-character string is stored.
 * len: size of buf; at least 37.
 * Returns the string length (36) on success, or a negative errno:
 * -ERANGE if len is too small, -ENOTCONN.
 */
CEPH_RADOS_API int rados_cluster_fsid(rados_t cluster, char *buf, size_t len);

/*
 * Wait until this client has the newest OSD map the monitors know of, so
 * that pool creations and deletions made by other clients are visible.
 *
 * Returns 0 or a negative errno (-ENOTCONN, -ETIMEDOUT).  Blocks.
 */
CEPH_RADOS_API int rados_wait_for_latest_osdmap(rados_t cluster);

/*
 * Get the configuration context of a cluster handle, for
 * rados_create_with_context().  Valid only as long as the handle.
 * Returns the context (NULL for a NULL handle).
 */
CEPH_RADOS_API rados_config_t rados_cct(rados_t cluster);

/*
 * Get this client's global id: the unique number the monitors assigned to
 * this session (the 4123 of client.4123 in the cluster's logs).  Watchers
 * see it as the notifier id.
 * Returns the id, or 0 if the handle is not connected.
 */
CEPH_RADOS_API uint64_t rados_get_instance_id(rados_t cluster);

/*
 * Get the oldest OSD release the current cluster features require.
 *
 * require_osd_release: [out] release number (e.g. 16 for Pacific), or -1 if
 * not set.
 * Returns 0 or a negative errno (-ENOTCONN).
 */
CEPH_RADOS_API int rados_get_min_compatible_osd(rados_t cluster, int8_t *require_osd_release);

/*
 * Get the oldest client release the cluster can serve.
 *
 * min_compat_client:         [out] oldest release compatible with the
 *                            features in use.
 * require_min_compat_client: [out] oldest release the administrator
 *                            requires.
 * Both are release numbers (e.g. 12 for Luminous), -1 if unknown.
 * Returns 0 or a negative errno (-ENOTCONN).
 */
CEPH_RADOS_API int rados_get_min_compatible_client(rados_t cluster, int8_t *min_compat_client,
						   int8_t *require_min_compat_client);

/* ======================================================================
 * Pools
 *
 * Pool management goes through the monitors; each call blocks for a
 * monitor round trip and waits until the resulting OSD map reached this
 * client, so a following rados_ioctx_create() sees the change.
 * ====================================================================== */

/*
 * List the pool names.
 *
 * buf: [out] receives the names, each followed by a NUL, then one more NUL
 *      ("rbd\0data\0\0").  As many whole names as fit are stored.  May be
 *      NULL when len is 0.
 * len: size of buf.
 * Returns the number of bytes the complete list needs (sum of name lengths
 * plus one per name plus one), or a negative errno (-ENOTCONN).  A result
 * larger than len means the list was cut short: retry with a buffer of
 * that size (pools may be created meanwhile, so check again).
 */
CEPH_RADOS_API int rados_pool_list(rados_t cluster, char *buf, size_t len);

/*
 * List the placement groups of a pool that scrubbing found inconsistent,
 * in the format of rados_pool_list() (PG ids as text, "3.1f").
 *
 * pool: pool id.   buf, len: as rados_pool_list().
 * Returns the bytes needed for the complete list, or a negative errno:
 * -ENOENT no such pool, -ENOTCONN.
 */
CEPH_RADOS_API int rados_inconsistent_pg_list(rados_t cluster, int64_t pool, char *buf, size_t len);

/*
 * Create a pool with the cluster's default settings (replication, PG
 * count and CRUSH rule from osd_pool_default_*).
 *
 * Returns 0 or a negative errno: -EEXIST a pool of that name exists,
 * -EINVAL bad name, -EPERM / -EACCES not allowed, -ENOTCONN.
 */
CEPH_RADOS_API int rados_pool_create(rados_t cluster, const char *pool_name);

/*
 * Deprecated (pool owners, "auids", no longer exist): create a pool.  auid
 * must be (uint64_t)-1, meaning "no owner"; other values fail with -EINVAL.
 * Otherwise as rados_pool_create().
 */
CEPH_RADOS_API int rados_pool_create_with_auid(rados_t cluster, const char *pool_name,
					       uint64_t auid) LIBRADOS_DEPRECATED_;

/*
 * Create a pool whose placement uses the given CRUSH rule.
 *
 * crush_rule_num: id of an existing CRUSH rule.
 * Returns 0 or a negative errno: -EEXIST, -ENOENT no such rule, -EINVAL,
 * -ENOTCONN.
 */
CEPH_RADOS_API int rados_pool_create_with_crush_rule(rados_t cluster, const char *pool_name,
						     uint8_t crush_rule_num);

/*
 * Deprecated: rados_pool_create_with_crush_rule() plus an auid, with the
 * same restriction on auid as rados_pool_create_with_auid().
 */
CEPH_RADOS_API int rados_pool_create_with_all(rados_t cluster, const char *pool_name, uint64_t auid,
					      uint8_t crush_rule_num) LIBRADOS_DEPRECATED_;

/*
 * Find the pool client I/O for `pool` is really sent to: its base tier when
 * `pool` is a cache tier, else `pool` itself.
 *
 * base_tier: [out] the base pool's id.
 * Returns 0 or a negative errno: -ENOENT no such pool, -ENOTCONN.
 */
CEPH_RADOS_API int rados_pool_get_base_tier(rados_t cluster, int64_t pool, int64_t *base_tier);

/*
 * Delete a pool and every object in it.  The pool disappears at once; its
 * space is reclaimed in the background.  Io contexts on it start failing
 * with -ENOENT.
 *
 * Returns 0 or a negative errno: -ENOENT no such pool, -EPERM deleting
 * pools is disabled (mon_allow_pool_delete), -ENOTCONN.
 */
CEPH_RADOS_API int rados_pool_delete(rados_t cluster, const char *pool_name);

/*
 * Look up a pool's id by name (from the client's current OSD map).
 * Returns the id (>= 0; ids of existing pools are > 0 in practice), or a
 * negative errno: -ENOENT no such pool, -ENOTCONN.
 */
CEPH_RADOS_API int64_t rados_pool_lookup(rados_t cluster, const char *pool_name);

/*
 * Look up a pool's name by id.
 *
 * buf:    [out] the NUL-terminated name.
 * maxlen: size of buf, including the NUL.
 * Returns the name's length (without the NUL), or a negative errno:
 * -ENOENT no such pool, -ERANGE buf too small, -ENOTCONN.
 */
CEPH_RADOS_API int rados_pool_reverse_lookup(rados_t cluster, int64_t id, char *buf, size_t maxlen);

/* ======================================================================
 * I/O contexts
 * ====================================================================== */

/*
 * Open an io context on a pool, by name.  The context starts in the default
 * namespace ("") with no locator key, reading the live objects
 * (LIBRADOS_SNAP_HEAD) and writing with the pool's snapshot context.
 *
 * ioctx: [out] the new context, written only on success.
 * Returns 0 or a negative errno: -ENOENT no such pool, -ENOTCONN, -ENOMEM.
 * Thread-safe.  Release with rados_ioctx_destroy().
 */
CEPH_RADOS_API int rados_ioctx_create(rados_t cluster, const char *pool_name, rados_ioctx_t *ioctx);

/* As rados_ioctx_create(), selecting the pool by id. */
CEPH_RADOS_API int rados_ioctx_create2(rados_t cluster, int64_t pool_id, rados_ioctx_t *ioctx);

/*
 * Release an io context.  Asynchronous operations still in flight on it
 * are not cancelled: they complete normally and the context is freed after
 * the last one; their completions stay valid until released.  This does
 * not wait for them - call rados_aio_flush() first for that.  Watches
 * registered through the context must be removed (rados_unwatch2()) and
 * rados_watch_flush() called before, or their callbacks may still receive
 * the released handle.
 *
 * io: the context; invalid after the call.
 */
CEPH_RADOS_API void rados_ioctx_destroy(rados_ioctx_t io);

/* The configuration context of the io context's cluster (see rados_cct()). */
CEPH_RADOS_API rados_config_t rados_ioctx_cct(rados_ioctx_t io);

/*
 * The cluster handle an io context belongs to.  A borrowed reference:
 * do not rados_shutdown() it on the io context's behalf.
 */
CEPH_RADOS_API rados_t rados_ioctx_get_cluster(rados_ioctx_t io);

/*
 * Read usage statistics of the io context's pool (all namespaces).
 *
 * stats: [out] the full 16-field, 128-byte struct rados_pool_stat_t
 *        (this is the LIBRADOS_14.2.0 version of the function).
 * Returns 0 or a negative errno: -ENOENT the pool was deleted, -ENOTCONN,
 * -ETIMEDOUT.  Blocks for a monitor (or manager) round trip.
 */
CEPH_RADOS_API int rados_ioctx_pool_stat(rados_ioctx_t io, struct rados_pool_stat_t *stats);

/* Deprecated (auids no longer exist): always fails with -EOPNOTSUPP. */
CEPH_RADOS_API int rados_ioctx_pool_set_auid(rados_ioctx_t io, uint64_t auid) LIBRADOS_DEPRECATED_;

/*
 * Deprecated (auids no longer exist): stores (uint64_t)-1 in *auid and
 * returns 0.
 */
CEPH_RADOS_API int rados_ioctx_pool_get_auid(rados_ioctx_t io, uint64_t *auid) LIBRADOS_DEPRECATED_;

/*
 * Deprecated, use rados_ioctx_pool_requires_alignment2(), which can report
 * errors.  Returns 1 if writes to the pool must be aligned, else 0 (also
 * 0 on error).
 */
CEPH_RADOS_API int rados_ioctx_pool_requires_alignment(rados_ioctx_t io) LIBRADOS_DEPRECATED_;

/*
 * Does the pool require appends to be multiples of an alignment (as
 * erasure-coded pools without overwrite support do)?
 *
 * req: [out] 1 if it does, 0 if not.
 * Returns 0 or a negative errno (-ENOENT pool deleted, -ENOTCONN).
 */
CEPH_RADOS_API int rados_ioctx_pool_requires_alignment2(rados_ioctx_t io, int *req);

/*
 * Deprecated, use rados_ioctx_pool_required_alignment2().  Returns the
 * alignment in bytes, 0 if none is required (also 0 on error).
 */
CEPH_RADOS_API uint64_t rados_ioctx_pool_required_alignment(rados_ioctx_t io) LIBRADOS_DEPRECATED_;

/*
 * Get the pool's required alignment.
 *
 * alignment: [out] bytes; 0 when the pool requires none.
 * Returns 0 or a negative errno (-ENOENT pool deleted, -ENOTCONN).
 */
CEPH_RADOS_API int rados_ioctx_pool_required_alignment2(rados_ioctx_t io, uint64_t *alignment);

/* The id of the io context's pool (never fails for a valid context). */
CEPH_RADOS_API int64_t rados_ioctx_get_id(rados_ioctx_t io);

/*
 * Get the name of the io context's pool.
 *
 * buf:    [out] the NUL-terminated name.
 * maxlen: size of buf, including the NUL.
 * Returns the name's length (> 0), or a negative errno: -ERANGE buf too
 * small, -ENOENT the pool was deleted.
 */
CEPH_RADOS_API int rados_ioctx_get_pool_name(rados_ioctx_t io, char *buf, unsigned maxlen);

/* ----------------------------------------------------------------------
 * Object locators and namespaces
 *
 * An object is identified by pool, namespace and name; its placement is
 * computed from the namespace and the locator key if one is set, else the
 * name.  These setters change the io context for all later operations and
 * are not thread-safe with respect to other users of the same context.
 * ---------------------------------------------------------------------- */

/*
 * Set the locator key: objects are placed by this key instead of their
 * name, so all objects accessed with the same key land in the same
 * placement group.
 *
 * key: the key (copied); NULL or "" clears it.
 */
CEPH_RADOS_API void rados_ioctx_locator_set_key(rados_ioctx_t io, const char *key);

/*
 * Set the namespace for later operations.  Namespaces partition a pool's
 * object names; the same name in two namespaces is two objects.
 *
 * nspace: the namespace (copied); NULL or "" selects the default
 *         namespace; LIBRADOS_ALL_NSPACES selects every namespace, which is
 *         meaningful only for rados_nobjects_list_open().
 */
CEPH_RADOS_API void rados_ioctx_set_namespace(rados_ioctx_t io, const char *nspace);

/*
 * Get the io context's namespace.
 *
 * buf:    [out] the NUL-terminated namespace ("" for the default one).
 * maxlen: size of buf, including the NUL.
 * Returns the namespace's length, or -ERANGE if buf is too small.
 */
CEPH_RADOS_API int rados_ioctx_get_namespace(rados_ioctx_t io, char *buf, unsigned maxlen);

/* ======================================================================
 * Listing objects
 *
 * Objects are listed in placement order (by PG hash), not by name.  A
 * listing is not a snapshot: objects created or removed meanwhile may or
 * may not appear, but an object that exists throughout appears exactly
 * once.  An iterator must be used by one thread at a time.
 * ====================================================================== */

/*
 * Start listing the objects of the io context's pool, in its current
 * namespace, or in all namespaces if it is LIBRADOS_ALL_NSPACES.
 *
 * ctx: [out] the iterator, written only on success; release it with
 *      rados_nobjects_list_close().
 * Returns 0 or a negative errno (-ENOTCONN, -ENOMEM).
 */
CEPH_RADOS_API int rados_nobjects_list_open(rados_ioctx_t io, rados_list_ctx_t *ctx);

/*
 * The iterator's position as a 32-bit PG hash value (rounded to the start
 * of the current placement group).
 */
CEPH_RADOS_API uint32_t rados_nobjects_list_get_pg_hash_position(rados_list_ctx_t ctx);

/*
 * Move the iterator to the placement group containing hash position pos.
 * Returns the position actually moved to (rounded down to a PG boundary).
 */
CEPH_RADOS_API uint32_t rados_nobjects_list_seek(rados_list_ctx_t ctx, uint32_t pos);

/*
 * Move the iterator to a cursor position (from rados_nobjects_list_get_cursor()
 * or the rados_object_list*() family).  Returns the new hash position.
 */
CEPH_RADOS_API uint32_t rados_nobjects_list_seek_cursor(rados_list_ctx_t ctx,
							rados_object_list_cursor cursor);

/*
 * Get a cursor for the iterator's current position.
 *
 * cursor: [out] a new cursor; release with rados_object_list_cursor_free().
 * Returns 0 or -ENOMEM.
 */
CEPH_RADOS_API int rados_nobjects_list_get_cursor(rados_list_ctx_t ctx,
						  rados_object_list_cursor *cursor);

/*
 * Advance to the next object.
 *
 * entry:  [out] the object's name (NUL-terminated).
 * key:    [out] its locator key, or NULL if it has none.  May be NULL.
 * nspace: [out] its namespace ("" for the default).  May be NULL.
 * The strings belong to the iterator and stay valid until the next call
 * on it (or its close).
 * Returns 0, -ENOENT when there are no more objects (the outputs are then
 * not written), or another negative errno (-ETIMEDOUT, -ENOTCONN).
 */
CEPH_RADOS_API int rados_nobjects_list_next(rados_list_ctx_t ctx, const char **entry,
					    const char **key, const char **nspace);

/*
 * As rados_nobjects_list_next(), also returning the lengths, which allows
 * names containing NUL bytes.
 *
 * entry_size:  [out] length of *entry.
 * key_size:    [out] length of *key (0 if none).  May be NULL.
 * nspace_size: [out] length of *nspace.  May be NULL.
 */
CEPH_RADOS_API int rados_nobjects_list_next2(rados_list_ctx_t ctx, const char **entry,
					     const char **key, const char **nspace,
					     size_t *entry_size, size_t *key_size,
					     size_t *nspace_size);

/* Release a listing iterator and the strings it returned.  NULL is ignored. */
CEPH_RADOS_API void rados_nobjects_list_close(rados_list_ctx_t ctx);

/*
 * A cursor at the very beginning of the io context's pool.
 * Returns a new cursor (release with rados_object_list_cursor_free()), or
 * NULL if out of memory.
 */
CEPH_RADOS_API rados_object_list_cursor rados_object_list_begin(rados_ioctx_t io);

/* A cursor just past the end of the pool; as rados_object_list_begin(). */
CEPH_RADOS_API rados_object_list_cursor rados_object_list_end(rados_ioctx_t io);

/* Returns 1 if cur is at (or past) the end of the pool, else 0. */
CEPH_RADOS_API int rados_object_list_is_end(rados_ioctx_t io, rados_object_list_cursor cur);

/* Release a cursor.  NULL is ignored. */
CEPH_RADOS_API void rados_object_list_cursor_free(rados_ioctx_t io, rados_object_list_cursor cur);

/*
 * Compare two cursor positions.
 * Returns -1 if lhs is before rhs, 0 if they are equal, 1 if lhs is after.
 */
CEPH_RADOS_API int rados_object_list_cursor_cmp(rados_ioctx_t io, rados_object_list_cursor lhs,
						rados_object_list_cursor rhs);

/*
 * List a batch of objects in [start, finish), in the io context's namespace
 * (or all namespaces with LIBRADOS_ALL_NSPACES).  Stateless: a listing
 * can be split between workers with rados_object_list_slice().
 *
 * start, finish:  cursors bounding the range (borrowed).
 * result_size:    capacity of results, in items.
 * filter_buf, filter_buf_len: an optional server-side filter (Ceph's
 *                 encoded object filter); NULL / 0 for none.
 * results:        [out] up to result_size items; release their strings
 *                 with rados_object_list_free().
 * next:           [out] a new cursor where the next batch starts (equal to
 *                 finish when done); release with
 *                 rados_object_list_cursor_free().
 * Returns the number of items stored (0 when the range is exhausted), or
 * a negative errno (-ENOENT pool deleted, -EINVAL bad filter, -ETIMEDOUT).
 */
CEPH_RADOS_API int rados_object_list(rados_ioctx_t io, const rados_object_list_cursor start,
				     const rados_object_list_cursor finish,
				     const size_t result_size, const char *filter_buf,
				     const size_t filter_buf_len, rados_object_list_item *results,
				     rados_object_list_cursor *next);

/*
 * Release the strings of the first result_size items filled by
 * rados_object_list() (the array itself belongs to the caller).
 */
CEPH_RADOS_API void rados_object_list_free(const size_t result_size,
					   rados_object_list_item *results);

/*
 * Split [start, finish) into m nearly equal parts and return part n
 * (0 <= n < m) as [*split_start, *split_finish).  The two new cursors must
 * be released with rados_object_list_cursor_free().
 */
CEPH_RADOS_API void rados_object_list_slice(rados_ioctx_t io, const rados_object_list_cursor start,
					    const rados_object_list_cursor finish, const size_t n,
					    const size_t m, rados_object_list_cursor *split_start,
					    rados_object_list_cursor *split_finish);

/* ======================================================================
 * Snapshots
 *
 * Two mutually exclusive kinds per pool.  Pool snapshots are created by
 * name through the monitors and cover every object of the pool.
 * Self-managed snapshots are ids handed out by the monitors, and the
 * client itself attaches a snapshot context (sequence number plus list of
 * live snapshot ids) to its writes; an object is cloned on the first write
 * after a snapshot.  Reads see the snapshot selected with
 * rados_ioctx_snap_set_read().
 *
 * Cairn: not implemented yet; these return -EOPNOTSUPP (issue 9).
 * ====================================================================== */

/*
 * Create a pool snapshot.
 * Returns 0 or a negative errno: -EEXIST the name is taken, -EINVAL the
 * pool uses self-managed snapshots, -ENOTCONN.
 */
CEPH_RADOS_API int rados_ioctx_snap_create(rados_ioctx_t io, const char *snapname);

/*
 * Delete a pool snapshot (clones are trimmed in the background).
 * Returns 0 or a negative errno: -ENOENT no such snapshot.
 */
CEPH_RADOS_API int rados_ioctx_snap_remove(rados_ioctx_t io, const char *snapname);

/*
 * Restore one object to its content at a pool snapshot (a write to the
 * live object).
 * Returns 0 or a negative errno: -ENOENT no such snapshot or object.
 */
CEPH_RADOS_API int rados_ioctx_snap_rollback(rados_ioctx_t io, const char *oid,
					     const char *snapname);

/* Deprecated alias of rados_ioctx_snap_rollback(). */
CEPH_RADOS_API int rados_rollback(rados_ioctx_t io, const char *oid,
				  const char *snapname) LIBRADOS_DEPRECATED_;

/*
 * Select the snapshot later reads through this io context see;
 * LIBRADOS_SNAP_HEAD returns to the live objects.  Writes are refused
 * (-EROFS) while a snapshot is selected.  Not thread-safe with respect to
 * other users of the io context.
 */
CEPH_RADOS_API void rados_ioctx_snap_set_read(rados_ioctx_t io, rados_snap_t snap);

/*
 * Allocate a new self-managed snapshot id from the monitors.
 * snapid: [out] the id.
 * Returns 0 or a negative errno: -EINVAL the pool has pool snapshots.
 */
CEPH_RADOS_API int rados_ioctx_selfmanaged_snap_create(rados_ioctx_t io, rados_snap_t *snapid);

/*
 * Asynchronous rados_ioctx_selfmanaged_snap_create(): *snapid is written
 * before the completion completes; its return value is the result.
 * snapid must stay valid until then.
 */
CEPH_RADOS_API void rados_aio_ioctx_selfmanaged_snap_create(rados_ioctx_t io, rados_snap_t *snapid,
							    rados_completion_t completion);

/*
 * Release a self-managed snapshot id; its clones are trimmed lazily.
 * Returns 0 or a negative errno.
 */
CEPH_RADOS_API int rados_ioctx_selfmanaged_snap_remove(rados_ioctx_t io, rados_snap_t snapid);

/* Asynchronous rados_ioctx_selfmanaged_snap_remove(). */
CEPH_RADOS_API void rados_aio_ioctx_selfmanaged_snap_remove(rados_ioctx_t io, rados_snap_t snapid,
							    rados_completion_t completion);

/*
 * Restore one object to its content at a self-managed snapshot.
 * Returns 0 or a negative errno (-ENOENT).
 */
CEPH_RADOS_API int rados_ioctx_selfmanaged_snap_rollback(rados_ioctx_t io, const char *oid,
							 rados_snap_t snapid);

/*
 * Set the snapshot context later writes through this io context carry.
 *
 * seq:       the newest snapshot id (sequence number) the caller knows of.
 * snaps:     the live snapshot ids, in strictly descending order (copied).
 * num_snaps: number of entries in snaps.
 * Returns 0 or -EINVAL if snaps is not descending or seq is older than
 * its first entry.  Not thread-safe with respect to other users of the io
 * context.
 */
CEPH_RADOS_API int rados_ioctx_selfmanaged_snap_set_write_ctx(rados_ioctx_t io, rados_snap_t seq,
							      rados_snap_t *snaps, int num_snaps);

/*
 * List the ids of the pool's snapshots.
 *
 * snaps:  [out] array receiving the ids.
 * maxlen: capacity of snaps, in entries.
 * Returns the number of snapshots stored, or a negative errno: -ERANGE the
 * array is too small (retry with a larger one).
 */
CEPH_RADOS_API int rados_ioctx_snap_list(rados_ioctx_t io, rados_snap_t *snaps, int maxlen);

/*
 * Find a pool snapshot's id by name.
 * id: [out] the id.
 * Returns 0 or -ENOENT if there is no such snapshot.
 */
CEPH_RADOS_API int rados_ioctx_snap_lookup(rados_ioctx_t io, const char *name, rados_snap_t *id);

/*
 * Find a pool snapshot's name by id.
 * name:   [out] the NUL-terminated name.   maxlen: size of name.
 * Returns 0 or a negative errno: -ENOENT no such snapshot, -ERANGE name
 * is too small.
 */
CEPH_RADOS_API int rados_ioctx_snap_get_name(rados_ioctx_t io, rados_snap_t id, char *name,
					     int maxlen);

/*
 * Get the time a pool snapshot was taken.
 * t: [out] seconds since the epoch.
 * Returns 0 or -ENOENT if there is no such snapshot.
 */
CEPH_RADOS_API int rados_ioctx_snap_get_stamp(rados_ioctx_t io, rados_snap_t id, time_t *t);

/* ======================================================================
 * Synchronous object I/O
 *
 * Each call blocks until the operation has been applied (writes: durable
 * on every replica in the acting set) or has failed.  Objects are created
 * implicitly by the first write.  Lengths above UINT_MAX/2 are refused
 * with -E2BIG.  Writes fail with -EROFS while a snapshot is
 * selected for reading, and with -ENOSPC / -EDQUOT when the cluster or pool
 * is full (after waiting, unless "full try" is set).
 * ====================================================================== */

/*
 * The version of the last object read or written by a synchronous call
 * through this io context (0 before any).  Versions increase with every
 * modification of an object; feed one to rados_*_op_assert_version().
 * Meaningful only when the context is used by one thread at a time.
 */
CEPH_RADOS_API uint64_t rados_get_last_version(rados_ioctx_t io);

/*
 * Write len bytes of buf into the object at byte offset off, creating the
 * object and extending it (zero-filling any gap) as needed.  len may be 0,
 * which just creates the object.
 *
 * Returns 0 (never a positive value) or a negative errno.
 */
CEPH_RADOS_API int rados_write(rados_ioctx_t io, const char *oid, const char *buf, size_t len,
			       uint64_t off);

/*
 * Replace the object's whole content with len bytes of buf (atomically
 * truncating it first), creating it if needed.  Xattrs and omap are kept.
 *
 * Returns 0 (never a positive value) or a negative errno.
 */
CEPH_RADOS_API int rados_write_full(rados_ioctx_t io, const char *oid, const char *buf, size_t len);

/*
 * Write the data_len bytes of buf repeatedly to fill write_len bytes
 * starting at offset off.
 *
 * write_len must be a multiple of data_len, and data_len must not be 0.
 * Returns 0 or a negative errno: -EINVAL for inconsistent lengths.
 */
CEPH_RADOS_API int rados_writesame(rados_ioctx_t io, const char *oid, const char *buf,
				   size_t data_len, size_t write_len, uint64_t off);

/*
 * Append len bytes of buf at the object's current end, creating it if
 * needed.  Concurrent appends are serialised by the object's primary OSD.
 *
 * Returns 0 or a negative errno.
 */
CEPH_RADOS_API int rados_append(rados_ioctx_t io, const char *oid, const char *buf, size_t len);

/*
 * Read up to len bytes starting at byte offset off into buf.
 *
 * Reads the snapshot selected with rados_ioctx_snap_set_read(), if any.
 * Returns the number of bytes read (less than len at the end of the
 * object, 0 at or past it), or a negative errno: -ENOENT no such object.
 */
CEPH_RADOS_API int rados_read(rados_ioctx_t io, const char *oid, char *buf, size_t len,
			      uint64_t off);

/*
 * Checksum a range of an object on the OSD, without transferring it.
 *
 * type:           the algorithm.
 * init_value, init_value_len: the seed, little-endian, of the algorithm's
 *                 width (4 or 8 bytes).
 * len, off:       the range; len 0 means to the end of the object.
 * chunk_size:     0 for one checksum over the range, else the range is
 *                 split into chunks of this size (len must be a multiple)
 *                 and each is checksummed.
 * pchecksum:      [out] a little-endian 32-bit count followed by that many
 *                 checksums of the algorithm's width.
 * checksum_len:   size of pchecksum.
 * Returns 0 or a negative errno: -ENOENT no such object, -EINVAL
 * inconsistent arguments (seed length, chunk size, type), -ERANGE
 * pchecksum is too small.
 */
CEPH_RADOS_API int rados_checksum(rados_ioctx_t io, const char *oid, rados_checksum_type_t type,
				  const char *init_value, size_t init_value_len, size_t len,
				  uint64_t off, size_t chunk_size, char *pchecksum,
				  size_t checksum_len);

/*
 * Delete an object with its data, xattrs and omap (snapshots of it are
 * kept).
 * Returns 0 or a negative errno: -ENOENT no such object.
 */
CEPH_RADOS_API int rados_remove(rados_ioctx_t io, const char *oid);

/*
 * Set the object's size: shrinking discards the tail, growing adds zeros.
 * Creates the object if it does not exist.
 * Returns 0 or a negative errno.
 */
CEPH_RADOS_API int rados_trunc(rados_ioctx_t io, const char *oid, uint64_t size);

/*
 * Compare cmp_len bytes of the object starting at offset off with cmp_buf.
 * Bytes past the object's end compare as zeros.
 *
 * Returns 0 if equal; -(4095 + i) if they differ, where i is the index
 * within cmp_buf of the first differing byte (-4097 for a mismatch at byte
 * 2; 4095 is Ceph's MAX_ERRNO, so the result never collides with an errno);
 * or a negative errno: -ENOENT no such object.
 */
CEPH_RADOS_API int rados_cmpext(rados_ioctx_t io, const char *o, const char *cmp_buf,
				size_t cmp_len, uint64_t off);

/* ----------------------------------------------------------------------
 * Extended attributes (xattrs): small named byte strings attached to an
 * object, kept with its metadata.
 * ---------------------------------------------------------------------- */

/*
 * Read an xattr's value.
 *
 * name: the attribute's name.
 * buf:  [out] the value (not NUL-terminated).   len: size of buf.
 * Returns the value's length (possibly 0), or a negative errno: -ENOENT
 * no such object, -ENODATA no such attribute, -ERANGE buf is too small.
 */
CEPH_RADOS_API int rados_getxattr(rados_ioctx_t io, const char *o, const char *name, char *buf,
				  size_t len);

/*
 * Set an xattr (creating the object if needed), replacing any previous
 * value.
 *
 * buf, len: the value; len may be 0.
 * Returns 0 or a negative errno (-ENAMETOOLONG / -E2BIG over the OSD's
 * limits).
 */
CEPH_RADOS_API int rados_setxattr(rados_ioctx_t io, const char *o, const char *name,
				  const char *buf, size_t len);

/*
 * Remove an xattr.  Removing an attribute that does not exist succeeds.
 * Returns 0 or a negative errno: -ENOENT no such object.
 */
CEPH_RADOS_API int rados_rmxattr(rados_ioctx_t io, const char *o, const char *name);

/*
 * Fetch all xattrs of an object for iteration.
 *
 * iter: [out] the iterator, written only on success; walk it with
 *       rados_getxattrs_next() and release it with rados_getxattrs_end().
 * Returns 0 or a negative errno: -ENOENT no such object.
 */
CEPH_RADOS_API int rados_getxattrs(rados_ioctx_t io, const char *oid, rados_xattrs_iter_t *iter);

/*
 * Next xattr of the iterator, in name order.
 *
 * name: [out] the attribute's NUL-terminated name; NULL at the end.
 * val:  [out] its value (not NUL-terminated); NULL at the end.
 * len:  [out] the value's length; 0 at the end.
 * The strings belong to the iterator and live until rados_getxattrs_end().
 * Returns 0 (also at the end: test *name == NULL) or a negative errno.
 */
CEPH_RADOS_API int rados_getxattrs_next(rados_xattrs_iter_t iter, const char **name,
					const char **val, size_t *len);

/* Release an xattr iterator and all strings it returned.  NULL is ignored. */
CEPH_RADOS_API void rados_getxattrs_end(rados_xattrs_iter_t iter);

/* ----------------------------------------------------------------------
 * Omap iterators
 *
 * The omap is a per-object sorted key/value store.  It is read through read
 * operations (rados_read_op_omap_get_*()), which hand back one of these
 * iterators, filled once the operation has completed successfully.
 * ---------------------------------------------------------------------- */

/*
 * Next omap entry, in key order.
 *
 * key: [out] the NUL-terminated key; NULL at the end.
 * val: [out] the value (not NUL-terminated); NULL at the end, for
 *      keys-only listings (rados_read_op_omap_get_keys2()), and for a
 *      zero-length value.  May be NULL.
 * len: [out] the value's length; 0 in those cases.  May be NULL.
 * The strings belong to the iterator and live until rados_omap_get_end().
 * Returns 0 (also at the end: test *key == NULL) or a negative errno.
 */
CEPH_RADOS_API int rados_omap_get_next(rados_omap_iter_t iter, char **key, char **val, size_t *len);

/*
 * As rados_omap_get_next(), also returning the key's length, for keys that
 * contain NUL bytes.  Calls of both kinds may be mixed on one iterator.
 *
 * key_len: [out] the key's length; 0 at the end.
 * val_len: [out] the value's length; 0 at the end.
 */
CEPH_RADOS_API int rados_omap_get_next2(rados_omap_iter_t iter, char **key, char **val,
					size_t *key_len, size_t *val_len);

/* The number of entries the iterator holds in total (consumed or not). */
CEPH_RADOS_API unsigned int rados_omap_iter_size(rados_omap_iter_t iter);

/* Release an omap iterator and all strings it returned.  NULL is ignored. */
CEPH_RADOS_API void rados_omap_get_end(rados_omap_iter_t iter);

/* ----------------------------------------------------------------------
 * Object metadata and object classes
 * ---------------------------------------------------------------------- */

/*
 * Get an object's size and last modification time.
 *
 * psize:  [out] size in bytes.  May be NULL.
 * pmtime: [out] modification time, seconds since the epoch.  May be NULL.
 * Returns 0 or a negative errno: -ENOENT no such object.
 */
CEPH_RADOS_API int rados_stat(rados_ioctx_t io, const char *o, uint64_t *psize, time_t *pmtime);

/*
 * Run a method of an object class (a plugin loaded by the OSD, "cls") on an
 * object, atomically with respect to other operations on it.
 *
 * cls, method:     the class and method names ("lock", "lock").
 * in_buf, in_len:  the method's input, in the class's own format.
 * buf, out_len:    [out] buffer for the method's output, and its size.
 * Returns the output's length (>= 0), or a negative errno: -EOPNOTSUPP no
 * such class or method, -ERANGE the output does not fit in buf, or any
 * error the method itself returns.
 * Cairn: object classes are not implemented yet; returns -EOPNOTSUPP.
 */
CEPH_RADOS_API int rados_exec(rados_ioctx_t io, const char *oid, const char *cls,
			      const char *method, const char *in_buf, size_t in_len, char *buf,
			      size_t out_len);

/* ======================================================================
 * Asynchronous I/O: completions
 *
 * An rados_aio_*() call queues the operation and returns at once; 0 means
 * "queued", and the operation's own result arrives later in its completion.
 * A completion serves exactly one operation.  When the operation finishes
 * the library, in this order, stores the result, marks the completion
 * complete (rados_aio_is_complete() becomes 1 and waiters wake up), then
 * runs the callback, if any, on a library thread.  The completion stays
 * valid until the caller releases it with rados_aio_release(), which may
 * happen at any time - before the operation finished, or from inside the
 * completion's own callback: the library keeps its own reference while it
 * needs one.
 *
 * Cairn has one notion of "done": an operation is complete when it has been
 * applied on all replicas, so "complete" and the older "safe" are the same
 * event.
 * ====================================================================== */

/*
 * Completion callback.
 *
 * cb:  the completion that finished (the same handle the operation got).
 * arg: the cb_arg given when the completion was created.
 * Runs on a library thread after the completion was marked complete, so it
 * may call rados_aio_get_return_value(), rados_aio_is_complete() and
 * rados_aio_release() on cb.  It must not wait for another operation of the
 * same cluster handle to complete.  (python3-rados declares its callbacks
 * as returning int; the value is ignored.)
 */
typedef void (*rados_callback_t)(rados_completion_t cb, void *arg);

/*
 * Create a completion with the older two-callback interface.
 *
 * cb_arg:      passed to the callbacks.
 * cb_complete: run when the operation completes; may be NULL.
 * cb_safe:     run, after cb_complete, for the same event (Cairn does not
 *              distinguish "safe"); may be NULL, as fio passes it.
 * pc:          [out] the new completion; release with rados_aio_release().
 * Returns 0, or -ENOMEM.
 */
CEPH_RADOS_API int rados_aio_create_completion(void *cb_arg, rados_callback_t cb_complete,
					       rados_callback_t cb_safe, rados_completion_t *pc);

/*
 * Create a completion.
 *
 * cb_arg:      passed to the callback.
 * cb_complete: run when the operation completes; may be NULL to poll or
 *              wait instead.
 * pc:          [out] the new completion; release with rados_aio_release().
 * Returns 0, or -ENOMEM.
 */
CEPH_RADOS_API int rados_aio_create_completion2(void *cb_arg, rados_callback_t cb_complete,
						rados_completion_t *pc);

/*
 * Block until the operation is complete.  The callback may still be running
 * (or about to run) when this returns; see
 * rados_aio_wait_for_complete_and_cb().
 * Returns 0.  Must not be called from the completion's own callback.
 */
CEPH_RADOS_API int rados_aio_wait_for_complete(rados_completion_t c);

/* Deprecated: the same as rados_aio_wait_for_complete(). */
CEPH_RADOS_API int rados_aio_wait_for_safe(rados_completion_t c) LIBRADOS_DEPRECATED_;

/*
 * Returns 1 if the operation is complete (its result is available), else
 * 0.  Does not say whether the callback has run.  Never blocks.
 */
CEPH_RADOS_API int rados_aio_is_complete(rados_completion_t c);

/* The same as rados_aio_is_complete(). */
CEPH_RADOS_API int rados_aio_is_safe(rados_completion_t c);

/*
 * Block until the operation is complete and its callback (if any) has
 * returned.  Returns 0.  Must not be called from the completion's own
 * callback.
 */
CEPH_RADOS_API int rados_aio_wait_for_complete_and_cb(rados_completion_t c);

/* Deprecated: the same as rados_aio_wait_for_complete_and_cb(). */
CEPH_RADOS_API int rados_aio_wait_for_safe_and_cb(rados_completion_t c) LIBRADOS_DEPRECATED_;

/*
 * Returns 1 if the operation is complete and its callback (if any) has
 * returned, else 0.  Never blocks.
 */
CEPH_RADOS_API int rados_aio_is_complete_and_cb(rados_completion_t c);

/* The same as rados_aio_is_complete_and_cb(). */
CEPH_RADOS_API int rados_aio_is_safe_and_cb(rados_completion_t c);

/*
 * The operation's result: what the synchronous form of the call would have
 * returned (0, a byte count for reads and exec, -(4095 + i) for a cmpext
 * mismatch, or a negative errno).  Only meaningful once the completion is
 * complete; before that it returns 0.
 */
CEPH_RADOS_API int rados_aio_get_return_value(rados_completion_t c);

/*
 * The version of the object after (or as read by) the operation, once the
 * completion is complete; see rados_get_last_version().
 */
CEPH_RADOS_API uint64_t rados_aio_get_version(rados_completion_t c);

/*
 * Drop the caller's reference to a completion.  If the operation is still
 * in flight it goes on, its callback still runs, and the completion is
 * freed afterwards.  Safe to call from the completion's own callback.
 * The handle must not be used by the caller afterwards.
 */
CEPH_RADOS_API void rados_aio_release(rados_completion_t c);

/* ======================================================================
 * Asynchronous I/O: object operations
 *
 * Each queues one operation (with the io context's namespace, locator key
 * and snapshot settings captured at the time of the call) and returns 0,
 * or a negative errno if it could not be queued (-EINVAL bad arguments or
 * a completion already in use, -ENOTCONN, -EROFS writing while a snapshot
 * is selected for reading, -E2BIG over-long buffer).  The operation's
 * result is then read with rados_aio_get_return_value(); it is what the
 * synchronous function of the same name would return.  Data buffers are
 * borrowed until the completion is complete: buffers to be written must
 * not change, buffers to be read into must not be freed before then.
 * ====================================================================== */

/*
 * Queue rados_write(io, oid, buf, len, off).
 * Result: 0 or a negative errno.
 */
CEPH_RADOS_API int rados_aio_write(rados_ioctx_t io, const char *oid, rados_completion_t completion,
				   const char *buf, size_t len, uint64_t off);

/*
 * Queue rados_append(io, oid, buf, len).
 * Result: 0 or a negative errno.
 */
CEPH_RADOS_API int rados_aio_append(rados_ioctx_t io, const char *oid,
				    rados_completion_t completion, const char *buf, size_t len);

/*
 * Queue rados_write_full(io, oid, buf, len).
 * Result: 0 or a negative errno.
 */
CEPH_RADOS_API int rados_aio_write_full(rados_ioctx_t io, const char *oid,
					rados_completion_t completion, const char *buf, size_t len);

/*
 * Queue rados_writesame(io, oid, buf, data_len, write_len, off).
 * Result: 0 or a negative errno (-EINVAL inconsistent lengths).
 */
CEPH_RADOS_API int rados_aio_writesame(rados_ioctx_t io, const char *oid,
				       rados_completion_t completion, const char *buf,
				       size_t data_len, size_t write_len, uint64_t off);

/*
 * Queue rados_remove(io, oid).
 * Result: 0 or a negative errno (-ENOENT no such object).
 */
CEPH_RADOS_API int rados_aio_remove(rados_ioctx_t io, const char *oid,
				    rados_completion_t completion);

/*
 * Queue rados_read(io, oid, buf, len, off); buf is filled before the
 * completion completes.
 * Result: bytes read (0 past the end), or a negative errno (-ENOENT).
 */
CEPH_RADOS_API int rados_aio_read(rados_ioctx_t io, const char *oid, rados_completion_t completion,
				  char *buf, size_t len, uint64_t off);

/*
 * Block until every asynchronous write queued on this io context before
 * the call has completed and its callback has returned.  Writes queued by
 * other threads meanwhile are not waited for.
 * Returns 0.  Must not be called from a completion callback.
 */
CEPH_RADOS_API int rados_aio_flush(rados_ioctx_t io);

/*
 * Non-blocking rados_aio_flush(): completion completes (result 0) once
 * every asynchronous write queued on io before this call has completed.
 * Returns 0 or a negative errno.
 */
CEPH_RADOS_API int rados_aio_flush_async(rados_ioctx_t io, rados_completion_t completion);

/*
 * Queue rados_stat(io, o, psize, pmtime); the outputs (each may be NULL)
 * are written before the completion completes and must stay valid until
 * then.
 * Result: 0 or a negative errno (-ENOENT).
 */
CEPH_RADOS_API int rados_aio_stat(rados_ioctx_t io, const char *o, rados_completion_t completion,
				  uint64_t *psize, time_t *pmtime);

/*
 * Queue rados_cmpext(io, o, cmp_buf, cmp_len, off).
 * Result: 0 if equal, -(4095 + i) on a mismatch at index i, or a negative
 * errno (-ENOENT).
 */
CEPH_RADOS_API int rados_aio_cmpext(rados_ioctx_t io, const char *o, rados_completion_t completion,
				    const char *cmp_buf, size_t cmp_len, uint64_t off);

/*
 * Try to cancel a queued operation.  If it had not been sent yet, it
 * completes with -ECANCELED; otherwise it finishes normally.
 * Returns 0, or -ENOENT if the operation is no longer pending.
 */
CEPH_RADOS_API int rados_aio_cancel(rados_ioctx_t io, rados_completion_t completion);

/*
 * Queue rados_exec(io, o, cls, method, in_buf, in_len, buf, out_len); buf is
 * filled before the completion completes.
 * Result: output length, or a negative errno (-EOPNOTSUPP, -ERANGE, ...).
 * Cairn: object classes are not implemented yet; the result is
 * -EOPNOTSUPP.
 */
CEPH_RADOS_API int rados_aio_exec(rados_ioctx_t io, const char *o, rados_completion_t completion,
				  const char *cls, const char *method, const char *in_buf,
				  size_t in_len, char *buf, size_t out_len);

/* ----------------------------------------------------------------------
 * Asynchronous xattrs (same rules as above)
 * ---------------------------------------------------------------------- */

/*
 * Queue rados_getxattr(io, o, name, buf, len).
 * Result: the value's length, or -ENOENT / -ENODATA / -ERANGE.
 */
CEPH_RADOS_API int rados_aio_getxattr(rados_ioctx_t io, const char *o,
				      rados_completion_t completion, const char *name, char *buf,
				      size_t len);

/*
 * Queue rados_setxattr(io, o, name, buf, len).
 * Result: 0 or a negative errno.
 */
CEPH_RADOS_API int rados_aio_setxattr(rados_ioctx_t io, const char *o,
				      rados_completion_t completion, const char *name,
				      const char *buf, size_t len);

/*
 * Queue rados_rmxattr(io, o, name).
 * Result: 0 or a negative errno (-ENOENT no such object).
 */
CEPH_RADOS_API int rados_aio_rmxattr(rados_ioctx_t io, const char *o, rados_completion_t completion,
				     const char *name);

/*
 * Queue rados_getxattrs(io, oid, iter): *iter is set before the completion
 * completes successfully (and must then be released with
 * rados_getxattrs_end()); iter must stay valid until then.
 * Result: 0 or a negative errno (-ENOENT).
 */
CEPH_RADOS_API int rados_aio_getxattrs(rados_ioctx_t io, const char *oid,
				       rados_completion_t completion, rados_xattrs_iter_t *iter);

/* ======================================================================
 * Watch / notify
 *
 * A client "watches" an object to be told when another client "notifies"
 * it.  The notifier sends a payload and blocks until every watcher has
 * acknowledged (rados_notify_ack()) or the timeout passed; the watchers'
 * acknowledgement payloads come back to it.  The OSD keeps watches across
 * map changes; the library re-registers them when the object moves or a
 * connection drops, and reports a lost watch through the watch-error
 * callback.
 *
 * Cairn: not implemented yet; these return -EOPNOTSUPP (issue 9), except
 * rados_decode_notify_response() and rados_free_notify_response(), which
 * need no cluster.
 * ====================================================================== */

/*
 * Old-style watch callback (rados_watch() only).
 * opcode: notify opcode (internal, meaningless to callers).
 * ver:    unused.
 * arg:    the arg given to rados_watch().
 */
typedef void (*rados_watchcb_t)(uint8_t opcode, uint64_t ver, void *arg);

/*
 * Notify callback.
 *
 * arg:         the arg given when the watch was registered.
 * notify_id:   identifies this notify; pass it to rados_notify_ack().
 * handle:      the watch's cookie (as returned by rados_watch3()).
 * notifier_id: global id of the notifying client.
 * data, data_len: the notify's payload, valid only during the call.
 * Runs on a library thread.  The notifier waits until rados_notify_ack() is
 * called for (notify_id, handle) - from the callback or later.
 */
typedef void (*rados_watchcb2_t)(void *arg, uint64_t notify_id, uint64_t handle,
				 uint64_t notifier_id, void *data, size_t data_len);

/*
 * Watch-error callback: the watch identified by cookie is broken (err is a
 * negative errno: -ENOTCONN when the object was deleted or the session
 * lost, -ETIMEDOUT when it could not be re-established in time) and notifies
 * may have been missed.  The watch stays registered but dead; remove it with
 * rados_unwatch2() and watch again if still interested.
 *
 * pre: the arg given when the watch was registered.
 * Runs on a library thread.
 */
typedef void (*rados_watcherrcb_t)(void *pre, uint64_t cookie, int err);

/*
 * Deprecated, use rados_watch3().  Register a watch with the old callback;
 * ver must be 0.
 * cookie: [out] the watch handle.
 * Returns 0 or a negative errno (-ENOENT no such object).
 */
CEPH_RADOS_API int rados_watch(rados_ioctx_t io, const char *o, uint64_t ver, uint64_t *cookie,
			       rados_watchcb_t watchcb, void *arg) LIBRADOS_DEPRECATED_;

/*
 * rados_watch3() with the OSD's default watch timeout
 * (osd_client_watch_timeout, 30 s).
 */
CEPH_RADOS_API int rados_watch2(rados_ioctx_t io, const char *o, uint64_t *cookie,
				rados_watchcb2_t watchcb, rados_watcherrcb_t watcherrcb, void *arg);

/*
 * Watch an object.  Blocks until the OSD registered the watch.
 *
 * o:          the object; it must exist.
 * cookie:     [out] the watch handle, for rados_unwatch2(),
 *             rados_watch_check() and rados_notify_ack().
 * watchcb:    called for each notify (required).
 * watcherrcb: called if the watch breaks; may be NULL.
 * timeout:    seconds the OSD keeps the watch after losing contact with
 *             this client; 0 selects the OSD's default.
 * arg:        passed to both callbacks.
 * Returns 0 or a negative errno: -ENOENT no such object, -ENOTCONN.
 */
CEPH_RADOS_API int rados_watch3(rados_ioctx_t io, const char *o, uint64_t *cookie,
				rados_watchcb2_t watchcb, rados_watcherrcb_t watcherrcb,
				uint32_t timeout, void *arg);

/*
 * Asynchronous rados_watch2(): *handle is written, and must stay valid,
 * until the completion completes; the completion's result is the watch's.
 */
CEPH_RADOS_API int rados_aio_watch(rados_ioctx_t io, const char *o, rados_completion_t completion,
				   uint64_t *handle, rados_watchcb2_t watchcb,
				   rados_watcherrcb_t watcherrcb, void *arg);

/* Asynchronous rados_watch3(), as rados_aio_watch(). */
CEPH_RADOS_API int rados_aio_watch2(rados_ioctx_t io, const char *o, rados_completion_t completion,
				    uint64_t *handle, rados_watchcb2_t watchcb,
				    rados_watcherrcb_t watcherrcb, uint32_t timeout, void *arg);

/*
 * Check that a watch is alive.
 * Returns the milliseconds since the OSD last confirmed it (>= 0), or the
 * negative errno that broke it (-ENOTCONN after the object was deleted or
 * the session lost).  Ceph's library crashes on an unknown cookie; Cairn
 * returns -ENOENT.
 */
CEPH_RADOS_API int rados_watch_check(rados_ioctx_t io, uint64_t cookie);

/* Deprecated, use rados_unwatch2(); o is ignored. */
CEPH_RADOS_API int rados_unwatch(rados_ioctx_t io, const char *o,
				 uint64_t cookie) LIBRADOS_DEPRECATED_;

/*
 * Remove a watch.  After it returns no new notify is delivered for it, but
 * a callback already running may still be finishing: call
 * rados_watch_flush() before freeing what the callback uses.
 * Returns 0 or a negative errno (-ENOENT unknown cookie in Cairn).
 */
CEPH_RADOS_API int rados_unwatch2(rados_ioctx_t io, uint64_t cookie);

/* Asynchronous rados_unwatch2(). */
CEPH_RADOS_API int rados_aio_unwatch(rados_ioctx_t io, uint64_t cookie,
				     rados_completion_t completion);

/*
 * Deprecated, use rados_notify2().  Notify watchers with the default
 * timeout and discard their replies; ver is ignored.
 * Returns 0 or a negative errno (-ENOENT, -ETIMEDOUT).
 */
CEPH_RADOS_API int rados_notify(rados_ioctx_t io, const char *o, uint64_t ver, const char *buf,
				int buf_len) LIBRADOS_DEPRECATED_;

/*
 * Asynchronous rados_notify2(): the completion completes when every watcher
 * acknowledged or the timeout expired; *reply_buffer / *reply_buffer_len
 * (which must stay valid until then, or be NULL) are set before that.
 */
CEPH_RADOS_API int rados_aio_notify(rados_ioctx_t io, const char *o, rados_completion_t completion,
				    const char *buf, int buf_len, uint64_t timeout_ms,
				    char **reply_buffer, size_t *reply_buffer_len);

/*
 * Notify every watcher of an object and wait for their acknowledgements.
 *
 * buf, buf_len:     the payload delivered to each watch callback.
 * timeout_ms:       how long to wait; 0 selects the default
 *                   (client_notify_timeout, 10 s).
 * reply_buffer:     [out] allocated by the library, free it with
 *                   rados_buffer_free(); decode it with
 *                   rados_decode_notify_response().  Encoding (little-
 *                   endian): u32 number of acks, then per ack u64 notifier
 *                   id, u64 cookie, u32 payload length and the payload;
 *                   then u32 number of timeouts, then per timeout u64
 *                   notifier id and u64 cookie.  With no watchers it is the
 *                   8 bytes of two zero counts.  Set even when the call
 *                   fails with -ETIMEDOUT.  May be NULL.
 * reply_buffer_len: [out] its length.  May be NULL.
 * Returns 0 when every watcher acknowledged (also with no watchers), or a
 * negative errno: -ENOENT no such object, -ETIMEDOUT some watcher did not
 * answer in time.
 * Blocks until all callbacks ran and acknowledged, or the timeout.
 */
CEPH_RADOS_API int rados_notify2(rados_ioctx_t io, const char *o, const char *buf, int buf_len,
				 uint64_t timeout_ms, char **reply_buffer,
				 size_t *reply_buffer_len);

/*
 * Decode a notify reply buffer (from rados_notify2() / rados_aio_notify())
 * into arrays.
 *
 * acks:        [out] array of *nr_acks acknowledgements.
 * timeouts:    [out] array of *nr_timeouts silent watchers.
 * Both arrays (and the ack payloads) are allocated by the library and
 * released together with rados_free_notify_response(); the reply buffer
 * itself is not consumed.
 * Returns 0, -EINVAL if the buffer is malformed, or -ENOMEM.
 * Works without a cluster handle.
 */
CEPH_RADOS_API int rados_decode_notify_response(char *reply_buffer, size_t reply_buffer_len,
						struct notify_ack_t **acks, size_t *nr_acks,
						struct notify_timeout_t **timeouts,
						size_t *nr_timeouts);

/*
 * Release what rados_decode_notify_response() allocated: the acks array
 * with its nr_acks payloads, and the timeouts array.  NULLs are ignored.
 */
CEPH_RADOS_API void rados_free_notify_response(struct notify_ack_t *acks, size_t nr_acks,
					       struct notify_timeout_t *timeouts);

/*
 * Acknowledge a notify received by a watch callback.
 *
 * notify_id, cookie: the notify_id and handle the callback received.
 * buf, buf_len:      optional reply payload for the notifier (NULL / 0).
 * Returns 0 or a negative errno (-ENOTCONN).  May be called from the
 * watch callback.
 */
CEPH_RADOS_API int rados_notify_ack(rados_ioctx_t io, const char *o, uint64_t notify_id,
				    uint64_t cookie, const char *buf, int buf_len);

/*
 * Wait until every watch callback already queued for this cluster handle
 * has run.  Call it after removing watches and before destroying their io
 * context or the state the callbacks use.
 * Returns 0.  Must not be called from a watch callback.
 */
CEPH_RADOS_API int rados_watch_flush(rados_t cluster);

/* Non-blocking rados_watch_flush(): completion completes when it would return. */
CEPH_RADOS_API int rados_aio_watch_flush(rados_t cluster, rados_completion_t completion);

/* ======================================================================
 * Cache tiering
 *
 * Cairn: cache tiering is not implemented; these return -EOPNOTSUPP.
 * ====================================================================== */

/*
 * Pin an object in a cache-tier pool so that the tiering agent never
 * flushes or evicts it.
 * Returns 0 or a negative errno (-ENOENT, -EINVAL the pool is not a cache
 * tier).
 */
CEPH_RADOS_API int rados_cache_pin(rados_ioctx_t io, const char *o);

/* Undo rados_cache_pin(); returns as rados_cache_pin(). */
CEPH_RADOS_API int rados_cache_unpin(rados_ioctx_t io, const char *o);

/* ======================================================================
 * Allocation hints
 * ====================================================================== */

/*
 * Tell the OSDs how large the object is expected to become and how large
 * its writes will be, so the store can lay it out well.  Advisory: it
 * never fails because the hint is ignored.
 * Returns 0 or a negative errno (only for errors such as -ENOTCONN).
 */
CEPH_RADOS_API int rados_set_alloc_hint(rados_ioctx_t io, const char *o,
					uint64_t expected_object_size,
					uint64_t expected_write_size);

/* As rados_set_alloc_hint(), with LIBRADOS_ALLOC_HINT_FLAG_* access hints. */
CEPH_RADOS_API int rados_set_alloc_hint2(rados_ioctx_t io, const char *o,
					 uint64_t expected_object_size,
					 uint64_t expected_write_size, uint32_t flags);

/* ======================================================================
 * Compound write operations
 *
 * A write operation collects actions that are applied to one object
 * atomically, in the order added: all take effect or none does.  Adding an
 * action never fails (it is a void function) and does not touch the
 * network; problems are reported when the operation is performed.
 * Performing it (rados_write_op_operate*() / rados_aio_write_op_operate())
 * consumes the actions collected so far: the op may then be reused, and a
 * later perform sends only the actions added after the previous one.
 * Actions taking `int *prval` store their own result there when the
 * operation has been performed (NULL: not wanted); the perform call
 * returns 0 if every action succeeded, else the first failing action's
 * error, and in that case nothing was applied.
 * Buffers given to actions are copied when the action is added.
 * One op must be used by one thread at a time.
 * ====================================================================== */

/*
 * Create an empty write operation.
 * Returns the new operation (release with rados_release_write_op()), or
 * NULL if out of memory.
 */
CEPH_RADOS_API rados_write_op_t rados_create_write_op(void);

/*
 * Free a write operation and any actions not performed.  NULL is ignored.
 * May be called while an asynchronous perform of it is in flight: the
 * request keeps what it needs (fio releases ops from its reaping thread).
 */
CEPH_RADOS_API void rados_release_write_op(rados_write_op_t write_op);

/*
 * Set LIBRADOS_OP_FLAG_* flags on the action added last (e.g. FAILOK so
 * its failure does not abort the others).  Ignored if no action was added.
 */
CEPH_RADOS_API void rados_write_op_set_flags(rados_write_op_t write_op, int flags);

/* Action: fail with -ENOENT unless the object exists. */
CEPH_RADOS_API void rados_write_op_assert_exists(rados_write_op_t write_op);

/*
 * Action: fail unless the object's version equals ver (see
 * rados_get_last_version()): -ERANGE if the object is newer, -EOVERFLOW if
 * it is older.
 */
CEPH_RADOS_API void rados_write_op_assert_version(rados_write_op_t write_op, uint64_t ver);

/*
 * Action: compare cmp_len bytes at offset off with cmp_buf, as
 * rados_cmpext().  On a mismatch at index i both *prval and the perform
 * call's result are -(4095 + i), and no action is applied.
 * prval: [out] the comparison's result; may be NULL.
 */
CEPH_RADOS_API void rados_write_op_cmpext(rados_write_op_t write_op, const char *cmp_buf,
					  size_t cmp_len, uint64_t off, int *prval);

/*
 * Action: compare the xattr name with value, as "stored <op> value" using
 * a LIBRADOS_CMPXATTR_OP_* operator; fail with -ECANCELED if false (a
 * missing attribute compares as an empty value).
 */
CEPH_RADOS_API void rados_write_op_cmpxattr(rados_write_op_t write_op, const char *name,
					    uint8_t comparison_operator, const char *value,
					    size_t value_len);

/*
 * Action: compare the omap value of key with val, as "stored <op> val",
 * bytewise, with a LIBRADOS_CMPXATTR_OP_* operator.  Fails with -ECANCELED
 * if the comparison is false or the key does not exist.
 * prval: [out] this action's result (0 or -ECANCELED); may be NULL.
 */
CEPH_RADOS_API void rados_write_op_omap_cmp(rados_write_op_t write_op, const char *key,
					    uint8_t comparison_operator, const char *val,
					    size_t val_len, int *prval);

/* As rados_write_op_omap_cmp(), with an explicit key length (key_len). */
CEPH_RADOS_API void rados_write_op_omap_cmp2(rados_write_op_t write_op, const char *key,
					     uint8_t comparison_operator, const char *val,
					     size_t key_len, size_t val_len, int *prval);

/* Action: set the xattr name to value_len bytes of value. */
CEPH_RADOS_API void rados_write_op_setxattr(rados_write_op_t write_op, const char *name,
					    const char *value, size_t value_len);

/* Action: remove the xattr name (succeeds if it does not exist). */
CEPH_RADOS_API void rados_write_op_rmxattr(rados_write_op_t write_op, const char *name);

/*
 * Action: create the object.
 * exclusive: LIBRADOS_CREATE_EXCLUSIVE to fail with -EEXIST if it exists,
 *            LIBRADOS_CREATE_IDEMPOTENT to succeed either way.
 * category:  obsolete and ignored; may be NULL.
 */
CEPH_RADOS_API void rados_write_op_create(rados_write_op_t write_op, int exclusive,
					  const char *category);

/* Action: write len bytes of buffer at offset, as rados_write(). */
CEPH_RADOS_API void rados_write_op_write(rados_write_op_t write_op, const char *buffer, size_t len,
					 uint64_t offset);

/* Action: replace the object's data with len bytes of buffer, as rados_write_full(). */
CEPH_RADOS_API void rados_write_op_write_full(rados_write_op_t write_op, const char *buffer,
					      size_t len);

/*
 * Action: repeat data_len bytes of buffer over write_len bytes at offset, as
 * rados_writesame() (write_len must be a multiple of data_len, else the
 * perform fails with -EINVAL).
 */
CEPH_RADOS_API void rados_write_op_writesame(rados_write_op_t write_op, const char *buffer,
					     size_t data_len, size_t write_len, uint64_t offset);

/* Action: append len bytes of buffer, as rados_append(). */
CEPH_RADOS_API void rados_write_op_append(rados_write_op_t write_op, const char *buffer,
					  size_t len);

/* Action: delete the object (-ENOENT if it does not exist). */
CEPH_RADOS_API void rados_write_op_remove(rados_write_op_t write_op);

/* Action: set the object's size to offset, as rados_trunc(). */
CEPH_RADOS_API void rados_write_op_truncate(rados_write_op_t write_op, uint64_t offset);

/*
 * Action: zero len bytes at offset.  Zeroing a range past the end does not
 * extend the object; the store may deallocate the range.
 */
CEPH_RADOS_API void rados_write_op_zero(rados_write_op_t write_op, uint64_t offset, uint64_t len);

/*
 * Action: run an object class method, as rados_exec() (its output is
 * discarded).
 * prval: [out] the method's result; may be NULL.
 * Cairn: object classes are not implemented yet; the action fails with
 * -EOPNOTSUPP.
 */
CEPH_RADOS_API void rados_write_op_exec(rados_write_op_t write_op, const char *cls,
					const char *method, const char *in_buf, size_t in_len,
					int *prval);

/*
 * Action: set num omap entries; entry i has the NUL-terminated key keys[i]
 * and the value vals[i] of lens[i] bytes.  Existing keys are overwritten.
 */
CEPH_RADOS_API void rados_write_op_omap_set(rados_write_op_t write_op, char const *const *keys,
					    char const *const *vals, const size_t *lens,
					    size_t num);

/* As rados_write_op_omap_set(), with explicit key lengths (key_lens). */
CEPH_RADOS_API void rados_write_op_omap_set2(rados_write_op_t write_op, char const *const *keys,
					     char const *const *vals, const size_t *key_lens,
					     const size_t *val_lens, size_t num);

/*
 * Action: remove the keys_len NUL-terminated omap keys in keys (absent keys
 * are ignored).
 */
CEPH_RADOS_API void rados_write_op_omap_rm_keys(rados_write_op_t write_op, char const *const *keys,
						size_t keys_len);

/* As rados_write_op_omap_rm_keys(), with explicit key lengths. */
CEPH_RADOS_API void rados_write_op_omap_rm_keys2(rados_write_op_t write_op, char const *const *keys,
						 const size_t *key_lens, size_t keys_len);

/*
 * Action: remove every omap key k with key_begin <= k < key_end (bytewise);
 * the bounds are given with explicit lengths.
 */
CEPH_RADOS_API void rados_write_op_omap_rm_range2(rados_write_op_t write_op, const char *key_begin,
						  size_t key_begin_len, const char *key_end,
						  size_t key_end_len);

/* Action: remove all omap entries (and the omap header). */
CEPH_RADOS_API void rados_write_op_omap_clear(rados_write_op_t write_op);

/* Action: allocation hint, as rados_set_alloc_hint(); never fails. */
CEPH_RADOS_API void rados_write_op_set_alloc_hint(rados_write_op_t write_op,
						  uint64_t expected_object_size,
						  uint64_t expected_write_size);

/* Action: allocation hint with flags, as rados_set_alloc_hint2(). */
CEPH_RADOS_API void rados_write_op_set_alloc_hint2(rados_write_op_t write_op,
						   uint64_t expected_object_size,
						   uint64_t expected_write_size, uint32_t flags);

/*
 * Perform the collected actions on object oid and wait for the result.
 *
 * io:    the io context (namespace, locator key, snapshot context).
 * mtime: [in] the modification time to record, seconds since the epoch;
 *        NULL, or a pointer to 0, means now.
 * flags: LIBRADOS_OPERATION_* flags.
 * Returns 0 if all actions succeeded, else the first failing action's
 * negative errno (then nothing was applied, unless the failing action was
 * flagged LIBRADOS_OP_FLAG_FAILOK): e.g. -EEXIST from an exclusive
 * create, -ECANCELED from omap_cmp/cmpxattr, -(4095 + i) from cmpext,
 * -ENOENT from assert_exists/remove.  Performing an op with no actions
 * returns 0.
 */
CEPH_RADOS_API int rados_write_op_operate(rados_write_op_t write_op, rados_ioctx_t io,
					  const char *oid, time_t *mtime, int flags);

/* As rados_write_op_operate(), with a nanosecond-resolution mtime (NULL = now). */
CEPH_RADOS_API int rados_write_op_operate2(rados_write_op_t write_op, rados_ioctx_t io,
					   const char *oid, struct timespec *mtime, int flags);

/*
 * Asynchronous rados_write_op_operate(): the actions are taken (and *mtime
 * read) at the call, so write_op may be reused or released at once.
 * Returns 0 if queued, or a negative errno; the completion's result is what
 * rados_write_op_operate() would return, and prvals are written before the
 * completion completes.
 */
CEPH_RADOS_API int rados_aio_write_op_operate(rados_write_op_t write_op, rados_ioctx_t io,
					      rados_completion_t completion, const char *oid,
					      time_t *mtime, int flags);

/* ======================================================================
 * Compound read operations
 *
 * Same model as write operations: actions are collected, performed on one
 * object as one request, and the perform consumes them.  Outputs (buffers,
 * sizes, iterators, prvals) are written when the perform completes, so they
 * must stay valid until then.  Iterators handed back are set only if the
 * operation succeeded, and must then be released.
 * ====================================================================== */

/*
 * Create an empty read operation.
 * Returns it (release with rados_release_read_op()), or NULL if out of
 * memory.
 */
CEPH_RADOS_API rados_read_op_t rados_create_read_op(void);

/* Free a read operation and any actions not performed.  NULL is ignored. */
CEPH_RADOS_API void rados_release_read_op(rados_read_op_t read_op);

/* Set LIBRADOS_OP_FLAG_* flags on the action added last. */
CEPH_RADOS_API void rados_read_op_set_flags(rados_read_op_t read_op, int flags);

/* Action: fail with -ENOENT unless the object exists. */
CEPH_RADOS_API void rados_read_op_assert_exists(rados_read_op_t read_op);

/* Action: as rados_write_op_assert_version() (-ERANGE / -EOVERFLOW). */
CEPH_RADOS_API void rados_read_op_assert_version(rados_read_op_t read_op, uint64_t ver);

/*
 * Action: compare a range with cmp_buf, as rados_write_op_cmpext():
 * *prval and the perform's result are -(4095 + i) on a mismatch at index i.
 */
CEPH_RADOS_API void rados_read_op_cmpext(rados_read_op_t read_op, const char *cmp_buf,
					 size_t cmp_len, uint64_t off, int *prval);

/* Action: compare an xattr, as rados_write_op_cmpxattr() (-ECANCELED if false). */
CEPH_RADOS_API void rados_read_op_cmpxattr(rados_read_op_t read_op, const char *name,
					   uint8_t comparison_operator, const char *value,
					   size_t value_len);

/*
 * Action: fetch all xattrs.
 * iter:  [out] set on success; walk with rados_getxattrs_next(), release
 *        with rados_getxattrs_end().
 * prval: [out] this action's result; may be NULL.
 */
CEPH_RADOS_API void rados_read_op_getxattrs(rados_read_op_t read_op, rados_xattrs_iter_t *iter,
					    int *prval);

/* Action: compare an omap value, as rados_write_op_omap_cmp() (-ECANCELED). */
CEPH_RADOS_API void rados_read_op_omap_cmp(rados_read_op_t read_op, const char *key,
					   uint8_t comparison_operator, const char *val,
					   size_t val_len, int *prval);

/* As rados_read_op_omap_cmp(), with an explicit key length. */
CEPH_RADOS_API void rados_read_op_omap_cmp2(rados_read_op_t read_op, const char *key,
					    uint8_t comparison_operator, const char *val,
					    size_t key_len, size_t val_len, int *prval);

/*
 * Action: get the object's size and mtime, as rados_stat().
 * psize, pmtime, prval: [out] each may be NULL.
 */
CEPH_RADOS_API void rados_read_op_stat(rados_read_op_t read_op, uint64_t *psize, time_t *pmtime,
				       int *prval);

/*
 * Action: read up to len bytes at offset into buffer.
 * bytes_read: [out] bytes actually read (short only at the end of the
 *             object); may be NULL.
 * prval:      [out] this action's result; may be NULL.
 */
CEPH_RADOS_API void rados_read_op_read(rados_read_op_t read_op, uint64_t offset, size_t len,
				       char *buffer, size_t *bytes_read, int *prval);

/* Action: checksum a range, with the arguments of rados_checksum(). */
CEPH_RADOS_API void rados_read_op_checksum(rados_read_op_t read_op, rados_checksum_type_t type,
					   const char *init_value, size_t init_value_len,
					   uint64_t offset, size_t len, size_t chunk_size,
					   char *pchecksum, size_t checksum_len, int *prval);

/*
 * Action: run a read-only object class method.
 * out_buf: [out] the output, allocated by the library; free it with
 *          rados_buffer_free().  May be NULL.
 * out_len: [out] its length.  May be NULL.
 * prval:   [out] the method's result; may be NULL.
 * Cairn: object classes are not implemented yet (-EOPNOTSUPP).
 */
CEPH_RADOS_API void rados_read_op_exec(rados_read_op_t read_op, const char *cls, const char *method,
				       const char *in_buf, size_t in_len, char **out_buf,
				       size_t *out_len, int *prval);

/*
 * As rados_read_op_exec(), with a caller-supplied output buffer of out_len
 * bytes; *used_len receives the output's length.  If the output does not
 * fit, *prval is -ERANGE and *used_len 0.
 */
CEPH_RADOS_API void rados_read_op_exec_user_buf(rados_read_op_t read_op, const char *cls,
						const char *method, const char *in_buf,
						size_t in_len, char *out_buf, size_t out_len,
						size_t *used_len, int *prval);

/*
 * Deprecated, use rados_read_op_omap_get_vals2() (which reports whether
 * the listing was cut short).
 */
CEPH_RADOS_API void rados_read_op_omap_get_vals(rados_read_op_t read_op, const char *start_after,
						const char *filter_prefix, uint64_t max_return,
						rados_omap_iter_t *iter,
						int *prval) LIBRADOS_DEPRECATED_;

/*
 * Action: list omap entries in key order.
 *
 * start_after:   list keys strictly greater than this; NULL or "" starts at
 *                the beginning.
 * filter_prefix: list only keys beginning with this; NULL or "" for all.
 * max_return:    at most this many entries (the OSD may cap it further).
 * iter:          [out] set on success; walk with rados_omap_get_next(),
 *                release with rados_omap_get_end().
 * pmore:         [out] 1 if entries remain beyond those returned, else 0;
 *                continue with start_after = the last key.  May be NULL.
 * prval:         [out] this action's result; may be NULL.
 */
CEPH_RADOS_API void rados_read_op_omap_get_vals2(rados_read_op_t read_op, const char *start_after,
						 const char *filter_prefix, uint64_t max_return,
						 rados_omap_iter_t *iter, unsigned char *pmore,
						 int *prval);

/* Deprecated, use rados_read_op_omap_get_keys2(). */
CEPH_RADOS_API void rados_read_op_omap_get_keys(rados_read_op_t read_op, const char *start_after,
						uint64_t max_return, rados_omap_iter_t *iter,
						int *prval) LIBRADOS_DEPRECATED_;

/*
 * Action: list omap keys only, as rados_read_op_omap_get_vals2() without a
 * prefix filter; the iterator yields NULL values of length 0.
 */
CEPH_RADOS_API void rados_read_op_omap_get_keys2(rados_read_op_t read_op, const char *start_after,
						 uint64_t max_return, rados_omap_iter_t *iter,
						 unsigned char *pmore, int *prval);

/*
 * Action: fetch the entries of the given keys_len NUL-terminated keys;
 * keys that do not exist are simply absent from the iterator.
 * iter:  [out] set on success; release with rados_omap_get_end().
 * prval: [out] this action's result; may be NULL.
 */
CEPH_RADOS_API void rados_read_op_omap_get_vals_by_keys(rados_read_op_t read_op,
							char const *const *keys, size_t keys_len,
							rados_omap_iter_t *iter, int *prval);

/* As rados_read_op_omap_get_vals_by_keys(), with explicit key lengths. */
CEPH_RADOS_API void rados_read_op_omap_get_vals_by_keys2(rados_read_op_t read_op,
							 char const *const *keys, size_t num_keys,
							 const size_t *key_lens,
							 rados_omap_iter_t *iter, int *prval);

/*
 * Perform the collected actions on object oid and wait for the result.
 *
 * flags: LIBRADOS_OPERATION_* flags.
 * Returns 0 if all actions succeeded, else the first failing action's
 * negative errno: -ENOENT if the object does not exist (for actions that
 * need it), -ECANCELED from a failed comparison, -(4095 + i) from cmpext.
 * The outputs of each action are written as it completed.
 */
CEPH_RADOS_API int rados_read_op_operate(rados_read_op_t read_op, rados_ioctx_t io, const char *oid,
					 int flags);

/*
 * Asynchronous rados_read_op_operate(): returns 0 if queued, or a negative
 * errno; outputs and prvals are written, and the completion's result
 * stored, before the completion completes.  read_op may be released at
 * once; the output buffers must stay valid until completion.
 */
CEPH_RADOS_API int rados_aio_read_op_operate(rados_read_op_t read_op, rados_ioctx_t io,
					     rados_completion_t completion, const char *oid,
					     int flags);

/* ======================================================================
 * Advisory locks (the OSD's "lock" object class)
 *
 * Named locks on an object, held by a (client, cookie) pair: exclusive, or
 * shared among holders with the same tag.  They are advisory: I/O is not
 * blocked.
 *
 * Cairn: not implemented yet; these return -EOPNOTSUPP (issue 9).
 * ====================================================================== */

/*
 * Take an exclusive lock.
 *
 * oid:      the object (created if needed).
 * name:     the lock's name.
 * cookie:   distinguishes holders within one client.
 * desc:     free-form description shown to lockers listing.
 * duration: how long the lock lasts; NULL for no expiry.  Only tv_sec is
 *           honoured (python3-rados leaves tv_usec uninitialised).
 * flags:    LIBRADOS_LOCK_FLAG_* (renew an existing lock).
 * Returns 0 or a negative errno: -EEXIST this (client, cookie) already
 * holds it, -EBUSY someone else does.
 */
CEPH_RADOS_API int rados_lock_exclusive(rados_ioctx_t io, const char *oid, const char *name,
					const char *cookie, const char *desc,
					struct timeval *duration, uint8_t flags);

/*
 * Take a shared lock; holders must agree on tag.  Arguments as
 * rados_lock_exclusive().
 * Returns 0 or a negative errno: -EEXIST already held by this (client,
 * cookie), -EBUSY held exclusively or with another tag.
 */
CEPH_RADOS_API int rados_lock_shared(rados_ioctx_t io, const char *o, const char *name,
				     const char *cookie, const char *tag, const char *desc,
				     struct timeval *duration, uint8_t flags);

/*
 * Release a lock held by this client with this cookie.
 * Returns 0 or -ENOENT if it is not held by that (client, cookie).
 */
CEPH_RADOS_API int rados_unlock(rados_ioctx_t io, const char *o, const char *name,
				const char *cookie);

/* Asynchronous rados_unlock(). */
CEPH_RADOS_API int rados_aio_unlock(rados_ioctx_t io, const char *o, const char *name,
				    const char *cookie, rados_completion_t completion);

/*
 * List the holders of a lock.
 *
 * exclusive: [out] 1 if exclusive, 0 if shared.
 * tag:       [out] the lock's tag (NUL-terminated); *tag_len in: size of
 *            tag, out: bytes needed.
 * clients, cookies, addrs: [out] one NUL-terminated entry per holder (entity
 *            name, cookie, address), concatenated; each *_len in/out as
 *            tag_len.
 * Returns the number of holders, or a negative errno: -ERANGE a buffer is
 * too small (every *_len then holds the size needed), -ENOENT no such
 * object.
 */
CEPH_RADOS_API ssize_t rados_list_lockers(rados_ioctx_t io, const char *o, const char *name,
					  int *exclusive, char *tag, size_t *tag_len, char *clients,
					  size_t *clients_len, char *cookies, size_t *cookies_len,
					  char *addrs, size_t *addrs_len);

/*
 * Release a lock on behalf of another holder.
 * client: the holder's entity name ("client.4123").
 * Returns 0 or a negative errno: -ENOENT not held by that (client,
 * cookie), -EINVAL client does not parse.
 */
CEPH_RADOS_API int rados_break_lock(rados_ioctx_t io, const char *o, const char *name,
				    const char *client, const char *cookie);

/* ======================================================================
 * Client fencing and fullness
 * ====================================================================== */

/*
 * Add a client address to the OSD map's blocklist: the OSDs then refuse
 * its requests until the entry expires.
 *
 * client_address: address as printed by rados_getaddrs() ("ip:port/nonce").
 * expire_seconds: lifetime of the entry; 0 for the monitors' default.
 * Returns 0 or a negative errno: -EINVAL unparsable address, -EPERM /
 * -EACCES not allowed, -ENOTCONN.
 * Blocks until the new OSD map reached this client.
 */
CEPH_RADOS_API int rados_blocklist_add(rados_t cluster, char *client_address,
				       uint32_t expire_seconds);

/* Deprecated spelling of rados_blocklist_add(). */
CEPH_RADOS_API int rados_blacklist_add(rados_t cluster, char *client_address,
				       uint32_t expire_seconds) LIBRADOS_DEPRECATED_;

/*
 * Get this client's addresses, in the form rados_blocklist_add() accepts
 * (an address vector such as "[v2:127.0.0.1:0/1234,v1:127.0.0.1:0/1234]").
 *
 * addrs: [out] a NUL-terminated string allocated with malloc(); free it
 *        with rados_buffer_free() or free() (python3-rados uses free()).
 * Returns 0 or a negative errno (-ENOTCONN, -ENOMEM).
 */
CEPH_RADOS_API int rados_getaddrs(rados_t cluster, char **addrs);

/* Deprecated alias of rados_set_pool_full_try(). */
CEPH_RADOS_API void rados_set_osdmap_full_try(rados_ioctx_t io) LIBRADOS_DEPRECATED_;

/* Deprecated alias of rados_unset_pool_full_try(). */
CEPH_RADOS_API void rados_unset_osdmap_full_try(rados_ioctx_t io) LIBRADOS_DEPRECATED_;

/*
 * Make operations through this io context behave as if
 * LIBRADOS_OPERATION_FULL_TRY were always given: when the pool or cluster
 * is full they fail with -ENOSPC / -EDQUOT (or succeed, for deletes)
 * instead of waiting for space.  Not thread-safe with respect to other
 * users of the io context.
 */
CEPH_RADOS_API void rados_set_pool_full_try(rados_ioctx_t io);

/* Undo rados_set_pool_full_try(). */
CEPH_RADOS_API void rados_unset_pool_full_try(rados_ioctx_t io);

/* ======================================================================
 * Pool applications
 *
 * A pool records which applications ("rbd", "rgw", "cephfs", or any name)
 * use it, each with a key/value metadata map.
 * ====================================================================== */

/*
 * Tag the io context's pool with an application.
 * force: non-zero to add it even if the pool already has a different
 *        application (otherwise -EPERM).
 * Returns 0 (also if already enabled) or a negative errno (-EPERM,
 * -EINVAL bad name, -ENOTCONN).
 */
CEPH_RADOS_API int rados_application_enable(rados_ioctx_t io, const char *app_name, int force);

/*
 * List the pool's applications.
 *
 * values:     [out] the names, each NUL-terminated, concatenated.
 * values_len: [in] size of values; [out] bytes used, or needed.
 * Returns 0 or a negative errno: -ERANGE values is too small (*values_len
 * then holds the size needed).
 */
CEPH_RADOS_API int rados_application_list(rados_ioctx_t io, char *values, size_t *values_len);

/*
 * Read one metadata value of an application.
 *
 * value:     [out] the NUL-terminated value.
 * value_len: [in] size of value; [out] bytes used or needed (with NUL).
 * Returns 0 or a negative errno: -ENOENT no such application or key,
 * -ERANGE value is too small.
 */
CEPH_RADOS_API int rados_application_metadata_get(rados_ioctx_t io, const char *app_name,
						  const char *key, char *value, size_t *value_len);

/*
 * Set one metadata key of an application (which must be enabled).
 * Returns 0 or a negative errno: -ENOENT application not enabled.
 */
CEPH_RADOS_API int rados_application_metadata_set(rados_ioctx_t io, const char *app_name,
						  const char *key, const char *value);

/*
 * Remove one metadata key of an application.
 * Returns 0 or a negative errno: -ENOENT application not enabled.
 */
CEPH_RADOS_API int rados_application_metadata_remove(rados_ioctx_t io, const char *app_name,
						     const char *key);

/*
 * List all metadata of an application: keys and values are stored in two
 * buffers, each entry NUL-terminated, the i-th value belonging to the i-th
 * key.
 *
 * key_len, vals_len: [in] buffer sizes; [out] bytes used, or needed.
 * Returns 0 or a negative errno: -ENOENT application not enabled, -ERANGE
 * a buffer is too small (both lengths then hold the sizes needed).
 */
CEPH_RADOS_API int rados_application_metadata_list(rados_ioctx_t io, const char *app_name,
						   char *keys, size_t *key_len, char *values,
						   size_t *vals_len);

/* ======================================================================
 * Administrative commands (monitors, managers, OSDs, PGs)
 *
 * A command is an array of strings, normally a single JSON object such as
 * {"prefix": "osd pool ls", "format": "json"}; the strings are
 * concatenated.  inbuf carries bulk input (a CRUSH map, for instance).
 * outbuf receives the command's data output, outs its status text; both
 * are allocated by the library (not NUL-terminated) and freed by the caller
 * with rados_buffer_free() - both pointers are always set, with length 0
 * and possibly NULL when empty.  The lengths are set even when the call
 * fails.  Each pointer may be NULL if unwanted.  The return value is the
 * command's own result: 0 or a negative errno (-EINVAL for an unknown
 * command, with outs "command not known"; -ENOTCONN; -ETIMEDOUT).
 * Blocks until the reply arrives.
 * ====================================================================== */

/* Send a command to the monitors (to whichever the session uses). */
CEPH_RADOS_API int rados_mon_command(rados_t cluster, const char **cmd, size_t cmdlen,
				     const char *inbuf, size_t inbuflen, char **outbuf,
				     size_t *outbuflen, char **outs, size_t *outslen);

/*
 * Send a command to the active manager daemon.
 * Cairn has no manager yet: returns -EOPNOTSUPP unless the command is one
 * Cairn's monitors can answer themselves.
 */
CEPH_RADOS_API int rados_mgr_command(rados_t cluster, const char **cmd, size_t cmdlen,
				     const char *inbuf, size_t inbuflen, char **outbuf,
				     size_t *outbuflen, char **outs, size_t *outslen);

/* Send a command to the manager daemon named name; as rados_mgr_command(). */
CEPH_RADOS_API int rados_mgr_command_target(rados_t cluster, const char *name, const char **cmd,
					    size_t cmdlen, const char *inbuf, size_t inbuflen,
					    char **outbuf, size_t *outbuflen, char **outs,
					    size_t *outslen);

/*
 * Send a command to one monitor, by name (the "a" of mon.a).  -ENOENT if
 * there is no such monitor.
 */
CEPH_RADOS_API int rados_mon_command_target(rados_t cluster, const char *name, const char **cmd,
					    size_t cmdlen, const char *inbuf, size_t inbuflen,
					    char **outbuf, size_t *outbuflen, char **outs,
					    size_t *outslen);

/*
 * Free a buffer the library allocated and handed to the caller (command
 * output, rados_ping_monitor() reply, notify reply, rados_read_op_exec()
 * output, rados_getaddrs() string).  NULL is ignored.  Such buffers are
 * allocated with malloc(), so this is equivalent to free().
 */
CEPH_RADOS_API void rados_buffer_free(char *buf);

/*
 * Send a command to OSD osdid (its "tell" interface).  -ENXIO / -ENOENT if
 * that OSD does not exist or is down.
 */
CEPH_RADOS_API int rados_osd_command(rados_t cluster, int osdid, const char **cmd, size_t cmdlen,
				     const char *inbuf, size_t inbuflen, char **outbuf,
				     size_t *outbuflen, char **outs, size_t *outslen);

/*
 * Send a command to the primary OSD of a placement group.
 * pgstr: the PG id as text ("3.1f"); -EINVAL if it does not parse, -ENOENT
 * if the pool does not exist.
 */
CEPH_RADOS_API int rados_pg_command(rados_t cluster, const char *pgstr, const char **cmd,
				    size_t cmdlen, const char *inbuf, size_t inbuflen,
				    char **outbuf, size_t *outbuflen, char **outs, size_t *outslen);

/* ======================================================================
 * Cluster log
 *
 * The monitors keep a cluster-wide log of notable events.  A client can
 * subscribe to it; each entry is delivered to a callback on a library
 * thread, both preformatted (line) and field by field.  The callback must
 * not block and must not call librados.
 *
 * Cairn: not implemented yet; these return -EOPNOTSUPP (issue 9).
 * ====================================================================== */

/*
 * Cluster-log callback.
 * arg:     the arg given at registration.
 * line:    the entry formatted as one line.
 * who:     the reporting entity with its address.
 * sec, nsec: the entry's timestamp.
 * seq:     the entry's sequence number.
 * level:   its severity ("[DBG]", "[INF]", "[WRN]", "[ERR]", "[SEC]").
 * msg:     the message text.
 * All strings are valid only during the call.
 */
typedef void (*rados_log_callback_t)(void *arg, const char *line, const char *who, uint64_t sec,
				     uint64_t nsec, uint64_t seq, const char *level,
				     const char *msg);

/*
 * Cluster-log callback with more fields: channel is the log channel
 * ("cluster", "audit"), name the reporting entity's name; the others as
 * rados_log_callback_t.
 */
typedef void (*rados_log_callback2_t)(void *arg, const char *line, const char *channel,
				      const char *who, const char *name, uint64_t sec,
				      uint64_t nsec, uint64_t seq, const char *level,
				      const char *msg);

/*
 * Subscribe to the cluster log.
 * level: the minimum severity: "debug", "info", "warn" (or "warning"),
 *        "err" (or "error"), "sec".
 * cb:    the callback; NULL unsubscribes.   arg: passed to cb.
 * Returns 0 or a negative errno: -EINVAL unknown level, -ENOTCONN.
 * Registering again replaces the previous callback.
 */
CEPH_RADOS_API int rados_monitor_log(rados_t cluster, const char *level, rados_log_callback_t cb,
				     void *arg);

/* As rados_monitor_log(), with the richer callback. */
CEPH_RADOS_API int rados_monitor_log2(rados_t cluster, const char *level, rados_log_callback2_t cb,
				      void *arg);

/* ======================================================================
 * Service map
 *
 * Daemons built on librados (gateways and the like) can announce
 * themselves in the cluster's service map.  Dicts are encoded as
 * NUL-terminated strings alternating key and value, ended by an empty key:
 * "version\0001.0\0zone\0a\0\0".
 * ====================================================================== */

/*
 * Register this client as instance `daemon` of service `service` (e.g.
 * "rgw", "gw1") with static metadata; the library then sends periodic
 * beacons for as long as the handle is connected.
 * Returns 0 or a negative errno: -EINVAL bad names or dict, -EEXIST
 * already registered.
 */
CEPH_RADOS_API int rados_service_register(rados_t cluster, const char *service, const char *daemon,
					  const char *metadata_dict);

/*
 * Replace the registered service instance's status dict (sent with the
 * next beacon).  Returns 0 or a negative errno (also when
 * rados_service_register() was not called first).
 */
CEPH_RADOS_API int rados_service_update_status(rados_t cluster, const char *status_dict);

/* ======================================================================
 * Removed object-listing API
 *
 * The pre-namespace listing functions, kept only so that old binaries load.
 * rados_objects_list_open() and rados_objects_list_next() return
 * -EOPNOTSUPP; the position functions return 0; close does nothing.  Use
 * rados_nobjects_list_*().
 * ====================================================================== */

CEPH_RADOS_API int rados_objects_list_open(rados_ioctx_t io,
					   rados_list_ctx_t *ctx) LIBRADOS_DEPRECATED_;
CEPH_RADOS_API uint32_t rados_objects_list_get_pg_hash_position(rados_list_ctx_t ctx)
    LIBRADOS_DEPRECATED_;
CEPH_RADOS_API uint32_t rados_objects_list_seek(rados_list_ctx_t ctx,
						uint32_t pos) LIBRADOS_DEPRECATED_;
CEPH_RADOS_API int rados_objects_list_next(rados_list_ctx_t ctx, const char **entry,
					   const char **key) LIBRADOS_DEPRECATED_;
CEPH_RADOS_API void rados_objects_list_close(rados_list_ctx_t ctx) LIBRADOS_DEPRECATED_;

#ifdef __cplusplus
}
#endif

#endif /* CEPH_LIBRADOS_H */
