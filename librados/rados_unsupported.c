/*
 * rados_unsupported.c - the parts of Ceph's C API that Cairn does not
 * provide yet: pool and self-managed snapshots, watch/notify, advisory
 * locks (the "lock" object class), cache tiering and checksums.  Each
 * entry point checks its handle and answers -EOPNOTSUPP, except where a
 * truthful answer exists without the feature: no snapshot ever exists
 * (list: none, look-ups: -ENOENT), reading at the head is the only read
 * context, and there are never watch callbacks to wait for.
 *
 * doc/librados.md lists these functions.
 */
#include <errno.h>
#include <stdlib.h>

#include <rados/librados.h>

#include "rados_int.h"

/* -EINVAL for a NULL handle, -ENOTCONN before connect, else -EOPNOTSUPP. */
static int io_unsupported(rados_ioctx_t io)
{
	struct rados__ioctx *x = io;
	if (!x)
		return -EINVAL;
	return x->c->connected ? -EOPNOTSUPP : -ENOTCONN;
}

/* ---- snapshots -------------------------------------------------------------------- */

int rados_ioctx_snap_create(rados_ioctx_t io, const char *snapname)
{
	return snapname ? io_unsupported(io) : -EINVAL;
}

int rados_ioctx_snap_remove(rados_ioctx_t io, const char *snapname)
{
	int rc = snapname ? io_unsupported(io) : -EINVAL;
	return rc == -EOPNOTSUPP ? -ENOENT : rc; /* no such snapshot */
}

int rados_ioctx_snap_rollback(rados_ioctx_t io, const char *oid, const char *snapname)
{
	int rc = oid && snapname ? io_unsupported(io) : -EINVAL;
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

int rados_rollback(rados_ioctx_t io, const char *oid, const char *snapname)
{
	return rados_ioctx_snap_rollback(io, oid, snapname);
}

int rados_ioctx_snap_list(rados_ioctx_t io, rados_snap_t *snaps, int maxlen)
{
	int rc = io_unsupported(io);
	(void)snaps, (void)maxlen;
	return rc == -EOPNOTSUPP ? 0 : rc; /* none */
}

int rados_ioctx_snap_lookup(rados_ioctx_t io, const char *name, rados_snap_t *id)
{
	int rc = name && id ? io_unsupported(io) : -EINVAL;
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

int rados_ioctx_snap_get_name(rados_ioctx_t io, rados_snap_t id, char *name, int maxlen)
{
	int rc = name ? io_unsupported(io) : -EINVAL;
	(void)id, (void)maxlen;
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

int rados_ioctx_snap_get_stamp(rados_ioctx_t io, rados_snap_t id, time_t *t)
{
	int rc = t ? io_unsupported(io) : -EINVAL;
	(void)id;
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

/* Only the head can be read: any other snapshot id is simply not there. */
void rados_ioctx_snap_set_read(rados_ioctx_t io, rados_snap_t snap)
{
	(void)io, (void)snap;
}

int rados_ioctx_selfmanaged_snap_create(rados_ioctx_t io, rados_snap_t *snapid)
{
	return snapid ? io_unsupported(io) : -EINVAL;
}

int rados_ioctx_selfmanaged_snap_remove(rados_ioctx_t io, rados_snap_t snapid)
{
	(void)snapid;
	return io_unsupported(io);
}

int rados_ioctx_selfmanaged_snap_rollback(rados_ioctx_t io, const char *oid, rados_snap_t snapid)
{
	(void)snapid;
	return oid ? io_unsupported(io) : -EINVAL;
}

/* The empty snapshot context (seq 0, no snaps) is the only one there is. */
int rados_ioctx_selfmanaged_snap_set_write_ctx(rados_ioctx_t io, rados_snap_t seq,
					       rados_snap_t *snaps, int num_snaps)
{
	if (!io || num_snaps < 0 || (num_snaps && !snaps))
		return -EINVAL;
	return seq == 0 && num_snaps == 0 ? 0 : -EOPNOTSUPP;
}

void rados_aio_ioctx_selfmanaged_snap_create(rados_ioctx_t io, rados_snap_t *snapid,
					     rados_completion_t completion)
{
	(void)snapid;
	if (io && completion)
		rados__objecter_aio_local(io, completion, -EOPNOTSUPP, false);
}

void rados_aio_ioctx_selfmanaged_snap_remove(rados_ioctx_t io, rados_snap_t snapid,
					     rados_completion_t completion)
{
	(void)snapid;
	if (io && completion)
		rados__objecter_aio_local(io, completion, -EOPNOTSUPP, false);
}

/* ---- watch / notify ------------------------------------------------------------------ */

int rados_watch(rados_ioctx_t io, const char *o, uint64_t ver, uint64_t *cookie,
		rados_watchcb_t watchcb, void *arg)
{
	(void)ver, (void)watchcb, (void)arg;
	return o && cookie ? io_unsupported(io) : -EINVAL;
}

int rados_watch2(rados_ioctx_t io, const char *o, uint64_t *cookie, rados_watchcb2_t watchcb,
		 rados_watcherrcb_t watcherrcb, void *arg)
{
	(void)watchcb, (void)watcherrcb, (void)arg;
	return o && cookie ? io_unsupported(io) : -EINVAL;
}

int rados_watch3(rados_ioctx_t io, const char *o, uint64_t *cookie, rados_watchcb2_t watchcb,
		 rados_watcherrcb_t watcherrcb, uint32_t timeout, void *arg)
{
	(void)timeout;
	return rados_watch2(io, o, cookie, watchcb, watcherrcb, arg);
}

int rados_aio_watch(rados_ioctx_t io, const char *o, rados_completion_t completion,
		    uint64_t *handle, rados_watchcb2_t watchcb, rados_watcherrcb_t watcherrcb,
		    void *arg)
{
	(void)watchcb, (void)watcherrcb, (void)arg;
	return o && completion && handle ? io_unsupported(io) : -EINVAL;
}

int rados_aio_watch2(rados_ioctx_t io, const char *o, rados_completion_t completion,
		     uint64_t *handle, rados_watchcb2_t watchcb, rados_watcherrcb_t watcherrcb,
		     uint32_t timeout, void *arg)
{
	(void)timeout;
	return rados_aio_watch(io, o, completion, handle, watchcb, watcherrcb, arg);
}

/* No watch can exist, so every cookie is unknown (the header's -ENOENT). */
int rados_watch_check(rados_ioctx_t io, uint64_t cookie)
{
	int rc = io_unsupported(io);
	(void)cookie;
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

int rados_unwatch(rados_ioctx_t io, const char *o, uint64_t cookie)
{
	(void)cookie;
	int rc = o ? io_unsupported(io) : -EINVAL;
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

int rados_unwatch2(rados_ioctx_t io, uint64_t cookie)
{
	(void)cookie;
	int rc = io_unsupported(io);
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

int rados_aio_unwatch(rados_ioctx_t io, uint64_t cookie, rados_completion_t completion)
{
	(void)cookie;
	int rc = completion ? io_unsupported(io) : -EINVAL;
	return rc == -EOPNOTSUPP ? -ENOENT : rc;
}

/* No watch callbacks ever run, so none are in flight. */
int rados_watch_flush(rados_t cluster)
{
	return cluster ? 0 : -EINVAL;
}

int rados_aio_watch_flush(rados_t cluster, rados_completion_t completion)
{
	struct rados__client *c = cluster;
	if (!c || !completion)
		return -EINVAL;
	if (!c->connected)
		return -ENOTCONN;
	/* Completing needs an io context's objecter; none is involved here. */
	return -EOPNOTSUPP;
}

int rados_notify(rados_ioctx_t io, const char *o, uint64_t ver, const char *buf, int buf_len)
{
	(void)ver, (void)buf, (void)buf_len;
	return o ? io_unsupported(io) : -EINVAL;
}

int rados_notify2(rados_ioctx_t io, const char *o, const char *buf, int buf_len,
		  uint64_t timeout_ms, char **reply_buffer, size_t *reply_buffer_len)
{
	(void)buf, (void)buf_len, (void)timeout_ms;
	if (reply_buffer)
		*reply_buffer = NULL;
	if (reply_buffer_len)
		*reply_buffer_len = 0;
	return o ? io_unsupported(io) : -EINVAL;
}

int rados_aio_notify(rados_ioctx_t io, const char *o, rados_completion_t completion,
		     const char *buf, int buf_len, uint64_t timeout_ms, char **reply_buffer,
		     size_t *reply_buffer_len)
{
	(void)completion;
	return rados_notify2(io, o, buf, buf_len, timeout_ms, reply_buffer, reply_buffer_len);
}

int rados_notify_ack(rados_ioctx_t io, const char *o, uint64_t notify_id, uint64_t cookie,
		     const char *buf, int buf_len)
{
	(void)notify_id, (void)cookie, (void)buf, (void)buf_len;
	return o ? io_unsupported(io) : -EINVAL;
}

/* No notify reply is ever produced, so there is nothing to decode. */
int rados_decode_notify_response(char *reply_buffer, size_t reply_buffer_len,
				 struct notify_ack_t **acks, size_t *nr_acks,
				 struct notify_timeout_t **timeouts, size_t *nr_timeouts)
{
	(void)reply_buffer, (void)reply_buffer_len;
	if (!acks || !nr_acks || !timeouts || !nr_timeouts)
		return -EINVAL;
	*acks = NULL;
	*timeouts = NULL;
	*nr_acks = *nr_timeouts = 0;
	return -EOPNOTSUPP;
}

void rados_free_notify_response(struct notify_ack_t *acks, size_t nr_acks,
				struct notify_timeout_t *timeouts)
{
	(void)nr_acks;
	free(acks);
	free(timeouts);
}

/* ---- advisory locks ------------------------------------------------------------------- */

int rados_lock_exclusive(rados_ioctx_t io, const char *oid, const char *name, const char *cookie,
			 const char *desc, struct timeval *duration, uint8_t flags)
{
	(void)desc, (void)duration, (void)flags;
	return oid && name && cookie ? io_unsupported(io) : -EINVAL;
}

int rados_lock_shared(rados_ioctx_t io, const char *o, const char *name, const char *cookie,
		      const char *tag, const char *desc, struct timeval *duration, uint8_t flags)
{
	(void)tag, (void)desc, (void)duration, (void)flags;
	return o && name && cookie ? io_unsupported(io) : -EINVAL;
}

int rados_unlock(rados_ioctx_t io, const char *o, const char *name, const char *cookie)
{
	return o && name && cookie ? io_unsupported(io) : -EINVAL;
}

int rados_aio_unlock(rados_ioctx_t io, const char *o, const char *name, const char *cookie,
		     rados_completion_t completion)
{
	return completion ? rados_unlock(io, o, name, cookie) : -EINVAL;
}

ssize_t rados_list_lockers(rados_ioctx_t io, const char *o, const char *name, int *exclusive,
			   char *tag, size_t *tag_len, char *clients, size_t *clients_len,
			   char *cookies, size_t *cookies_len, char *addrs, size_t *addrs_len)
{
	(void)exclusive, (void)tag, (void)clients, (void)cookies, (void)addrs;
	if (!o || !name || !tag_len || !clients_len || !cookies_len || !addrs_len)
		return -EINVAL;
	return io_unsupported(io);
}

int rados_break_lock(rados_ioctx_t io, const char *o, const char *name, const char *client,
		     const char *cookie)
{
	return o && name && client && cookie ? io_unsupported(io) : -EINVAL;
}

/* ---- cache tiering, checksums -------------------------------------------------------- */

int rados_cache_pin(rados_ioctx_t io, const char *o)
{
	return o ? io_unsupported(io) : -EINVAL;
}

int rados_cache_unpin(rados_ioctx_t io, const char *o)
{
	return o ? io_unsupported(io) : -EINVAL;
}

int rados_checksum(rados_ioctx_t io, const char *oid, rados_checksum_type_t type,
		   const char *init_value, size_t init_value_len, size_t len, uint64_t off,
		   size_t chunk_size, char *pchecksum, size_t checksum_len)
{
	(void)type, (void)init_value, (void)init_value_len, (void)len, (void)off;
	(void)chunk_size, (void)checksum_len;
	return oid && pchecksum ? io_unsupported(io) : -EINVAL;
}
