/*
 * rados/rados_types.h - plain value types shared by the librados C API.
 *
 * Cairn's librados.so.2 is a drop-in replacement for Ceph's (Pacific, 16.2.x)
 * and this header mirrors Ceph's <rados/rados_types.h>: the same type names,
 * field order and sizes, so that programs and language bindings compiled
 * against Ceph's headers exchange these structs with Cairn's library without
 * recompiling.  <rados/librados.h> includes this file; C programs normally
 * include only librados.h.
 *
 * Every struct here is allocated or read by the *caller*, which is why its
 * layout is part of the ABI and must never change.  The sizes below are for
 * LP64 (x86-64) and are pinned by test/unit/librados/test_librados_abi.c.
 *
 * The header compiles on its own, as C99 or later and as C++.
 */
#ifndef CEPH_RADOS_TYPES_H
#define CEPH_RADOS_TYPES_H

#include <stdint.h>

/*
 * One watcher of an object, as reported by a watcher listing (280 bytes on
 * LP64: 256 + 8 + 8 + 4, then 4 bytes of tail padding).
 *
 * addr:            the watcher's network address as a NUL-terminated string,
 *                  for instance "127.0.0.1:0/3623541394"; truncated to fit.
 * watcher_id:      the numeric part of the watching client's entity name
 *                  (client.4123 -> 4123), also called its global id.
 * cookie:          the handle the watcher got back when it registered the
 *                  watch (see rados_watch3()); one client may hold several.
 * timeout_seconds: how long the OSD keeps the watch after losing contact
 *                  with the watcher before dropping it.
 */
struct obj_watch_t {
	char addr[256];
	int64_t watcher_id;
	uint64_t cookie;
	uint32_t timeout_seconds;
};

/*
 * One acknowledgement of a notify, as decoded by
 * rados_decode_notify_response() (32 bytes on LP64).
 *
 * notifier_id: global id of the client that acknowledged (the watcher).
 * cookie:      the watch handle on which it acknowledged.
 * payload:     the reply bytes the watcher passed to rados_notify_ack(), or
 *              NULL when it sent none; not NUL-terminated.  Owned by the
 *              array returned by rados_decode_notify_response() and released
 *              by rados_free_notify_response().
 * payload_len: number of bytes at payload (0 when payload is NULL).
 */
struct notify_ack_t {
	uint64_t notifier_id;
	uint64_t cookie;
	char *payload;
	uint64_t payload_len;
};

/*
 * One watcher that did not acknowledge a notify before its timeout, as
 * decoded by rados_decode_notify_response() (16 bytes).
 *
 * notifier_id: global id of the silent watcher's client.
 * cookie:      the watch handle that did not answer.
 */
struct notify_timeout_t {
	uint64_t notifier_id;
	uint64_t cookie;
};

/*
 * Namespace wildcard.  Give this string to rados_ioctx_set_namespace()
 * before rados_nobjects_list_open() to list the objects of every namespace
 * of the pool instead of only the io context's current namespace.  It is a
 * one-byte string holding the byte 0x01, which cannot be a real namespace
 * name; single-object operations with this namespace set are invalid.
 */
#define LIBRADOS_ALL_NSPACES "\001"

#endif /* CEPH_RADOS_TYPES_H */
