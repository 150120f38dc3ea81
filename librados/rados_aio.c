/*
 * rados_aio.c - asynchronous I/O: completions and the rados_aio_* calls.
 *
 * A completion is reference counted: the application holds one from
 * create to rados_aio_release, the op holds one while it runs.  Finishing
 * stores the result and marks the completion complete (waking waiters)
 * before the callbacks run, and marks "callback done" after they return;
 * the op's reference is dropped last, so an application that releases the
 * completion inside its own callback (python3-rados does) is safe.
 *
 * The calls build the same step lists as the synchronous ones (rados_io.c)
 * and hand them to the objecter, whose thread delivers the outputs into the
 * application's buffers and then finishes the completion.
 *
 * Threads: completions may be waited on, polled and released from any
 * thread, including from inside their callback (but not waited on there).
 * Lock order: client lock, then completion lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rados/librados.h>

#include "rados_int.h"

static struct rados__completion *comp_of(rados_completion_t c)
{
	return (struct rados__completion *)c;
}

/* ---- completions ---------------------------------------------------------------------- */

static int completion_new(void *cb_arg, rados_callback_t cb_complete, rados_callback_t cb_safe,
			  rados_completion_t *pc)
{
	if (!pc)
		return -EINVAL;
	struct rados__completion *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	atomic_init(&c->refs, 1);
	c->cb_complete = cb_complete;
	c->cb_safe = cb_safe;
	c->cb_arg = cb_arg;
	*pc = c;
	return 0;
}

int rados_aio_create_completion(void *cb_arg, rados_callback_t cb_complete,
				rados_callback_t cb_safe, rados_completion_t *pc)
{
	return completion_new(cb_arg, cb_complete, cb_safe, pc);
}

int rados_aio_create_completion2(void *cb_arg, rados_callback_t cb_complete, rados_completion_t *pc)
{
	return completion_new(cb_arg, cb_complete, NULL, pc);
}

void rados__completion_put(struct rados__completion *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int rados__completion_claim(struct rados__completion *c)
{
	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	int rc = c->in_use ? -EINVAL : 0;
	if (!rc) {
		c->in_use = true;
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void rados__completion_finish(struct rados__completion *c, int rv, uint64_t version)
{
	pthread_mutex_lock(&c->lock);
	c->rv = rv;
	c->version = version;
	c->complete = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	/* No lock held: the callbacks may call back into librados. */
	if (c->cb_complete)
		c->cb_complete(c, c->cb_arg);
	if (c->cb_safe)
		c->cb_safe(c, c->cb_arg);
	pthread_mutex_lock(&c->lock);
	c->cb_done = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	rados__completion_put(c); /* the op's reference */
}

/* Wait until @c is complete (and, with @cb, its callbacks returned). */
static int wait_for(rados_completion_t comp, bool cb)
{
	struct rados__completion *c = comp_of(comp);
	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	while (!(cb ? c->cb_done : c->complete))
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static int is_done(rados_completion_t comp, bool cb)
{
	struct rados__completion *c = comp_of(comp);
	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	int r = cb ? c->cb_done : c->complete;
	pthread_mutex_unlock(&c->lock);
	return r;
}

int rados_aio_wait_for_complete(rados_completion_t c)
{
	return wait_for(c, false);
}

int rados_aio_wait_for_safe(rados_completion_t c)
{
	return wait_for(c, false);
}

int rados_aio_wait_for_complete_and_cb(rados_completion_t c)
{
	return wait_for(c, true);
}

int rados_aio_wait_for_safe_and_cb(rados_completion_t c)
{
	return wait_for(c, true);
}

int rados_aio_is_complete(rados_completion_t c)
{
	return is_done(c, false);
}

int rados_aio_is_safe(rados_completion_t c)
{
	return is_done(c, false);
}

int rados_aio_is_complete_and_cb(rados_completion_t c)
{
	return is_done(c, true);
}

int rados_aio_is_safe_and_cb(rados_completion_t c)
{
	return is_done(c, true);
}

int rados_aio_get_return_value(rados_completion_t comp)
{
	struct rados__completion *c = comp_of(comp);
	if (!c)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	int rv = c->complete ? c->rv : 0;
	pthread_mutex_unlock(&c->lock);
	return rv;
}

uint64_t rados_aio_get_version(rados_completion_t comp)
{
	struct rados__completion *c = comp_of(comp);
	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	uint64_t v = c->complete ? c->version : 0;
	pthread_mutex_unlock(&c->lock);
	return v;
}

void rados_aio_release(rados_completion_t c)
{
	rados__completion_put(comp_of(c));
}

/* ---- queuing ops ------------------------------------------------------------------------- */

/* Queue the steps of @l on @oid, completing @comp; result from step @ret_step if >= 0. */
static int run_aio(rados_ioctx_t ioctx, const char *oid, rados_completion_t comp,
		   struct rados__oplist *l, int ret_step)
{
	struct rados__ioctx *io = ioctx;
	if (!comp) {
		rados__oplist_fini(l);
		return -EINVAL;
	}
	bool one_if_ok = rados__oplist_ends_in_cmpxattr(l);
	struct rados__op *op;
	int rc = rados__op_prepare(io, oid, l, &op);
	if (rc)
		return rc;
	op->ret_step = ret_step;
	op->one_if_ok = one_if_ok;
	rc = rados__op_submit_aio(io->c, op, comp_of(comp));
	if (rc)
		rados__op_free(op);
	return rc;
}

int rados_aio_write(rados_ioctx_t io, const char *oid, rados_completion_t completion,
		    const char *buf, size_t len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_write(&l, buf, len, off);
	return run_aio(io, oid, completion, &l, -1);
}

int rados_aio_append(rados_ioctx_t io, const char *oid, rados_completion_t completion,
		     const char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_append(&l, buf, len);
	return run_aio(io, oid, completion, &l, -1);
}

int rados_aio_write_full(rados_ioctx_t io, const char *oid, rados_completion_t completion,
			 const char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_write_full(&l, buf, len);
	return run_aio(io, oid, completion, &l, -1);
}

int rados_aio_writesame(rados_ioctx_t io, const char *oid, rados_completion_t completion,
			const char *buf, size_t data_len, size_t write_len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_writesame(&l, buf, data_len, write_len, off);
	return run_aio(io, oid, completion, &l, -1);
}

int rados_aio_remove(rados_ioctx_t io, const char *oid, rados_completion_t completion)
{
	struct rados__oplist l = {0};
	rados__b_remove(&l);
	return run_aio(io, oid, completion, &l, -1);
}

int rados_aio_read(rados_ioctx_t io, const char *oid, rados_completion_t completion, char *buf,
		   size_t len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_read(&l, buf, len, off, NULL, NULL);
	return run_aio(io, oid, completion, &l, 0);
}

int rados_aio_stat(rados_ioctx_t io, const char *o, rados_completion_t completion, uint64_t *psize,
		   time_t *pmtime)
{
	struct rados__oplist l = {0};
	rados__b_stat(&l, psize, pmtime, NULL, NULL);
	return run_aio(io, o, completion, &l, -1);
}

int rados_aio_cmpext(rados_ioctx_t io, const char *o, rados_completion_t completion,
		     const char *cmp_buf, size_t cmp_len, uint64_t off)
{
	struct rados__oplist l = {0};
	rados__b_cmpext(&l, cmp_buf, cmp_len, off, NULL);
	return run_aio(io, o, completion, &l, -1);
}

int rados_aio_getxattr(rados_ioctx_t io, const char *o, rados_completion_t completion,
		       const char *name, char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_getxattr(&l, name, buf, len, NULL);
	return run_aio(io, o, completion, &l, 0);
}

int rados_aio_setxattr(rados_ioctx_t io, const char *o, rados_completion_t completion,
		       const char *name, const char *buf, size_t len)
{
	struct rados__oplist l = {0};
	rados__b_setxattr(&l, name, buf, len);
	return run_aio(io, o, completion, &l, -1);
}

int rados_aio_rmxattr(rados_ioctx_t io, const char *o, rados_completion_t completion,
		      const char *name)
{
	struct rados__oplist l = {0};
	rados__b_rmxattr(&l, name);
	return run_aio(io, o, completion, &l, -1);
}

int rados_aio_getxattrs(rados_ioctx_t io, const char *oid, rados_completion_t completion,
			rados_xattrs_iter_t *iter)
{
	if (!iter)
		return -EINVAL;
	struct rados__oplist l = {0};
	*iter = NULL;
	rados__b_getxattrs(&l, iter, NULL);
	int rc = run_aio(io, oid, completion, &l, -1);
	if (rc < 0) {
		rados__kv_iter_free(*iter); /* not submitted: no iterator */
		*iter = NULL;
	}
	return rc;
}

int rados_aio_exec(rados_ioctx_t io, const char *o, rados_completion_t completion, const char *cls,
		   const char *method, const char *in_buf, size_t in_len, char *buf, size_t out_len)
{
	(void)cls, (void)method, (void)in_buf, (void)in_len, (void)buf, (void)out_len;
	if (!io || !o || !completion)
		return -EINVAL;
	/* Object classes are not implemented: the op's result is -EOPNOTSUPP. */
	return rados__objecter_aio_local(io, comp_of(completion), -EOPNOTSUPP, false);
}

int rados_aio_write_op_operate(rados_write_op_t write_op, rados_ioctx_t io,
			       rados_completion_t completion, const char *oid, time_t *mtime,
			       int flags)
{
	(void)mtime, (void)flags; /* as rados_write_op_operate */
	struct rados__oplist *h = write_op;
	if (!h)
		return -EINVAL;
	struct rados__oplist l;
	rados__oplist_move(&l, h);
	return run_aio(io, oid, completion, &l, -1);
}

int rados_aio_read_op_operate(rados_read_op_t read_op, rados_ioctx_t io,
			      rados_completion_t completion, const char *oid, int flags)
{
	(void)flags;
	struct rados__oplist *h = read_op;
	if (!h)
		return -EINVAL;
	struct rados__oplist l;
	rados__oplist_move(&l, h);
	return run_aio(io, oid, completion, &l, -1);
}

/* ---- flushing and cancelling --------------------------------------------------------------- */

int rados_aio_flush(rados_ioctx_t ioctx)
{
	struct rados__ioctx *io = ioctx;
	if (!io)
		return -EINVAL;
	struct rados__client *c = io->c;
	pthread_mutex_lock(&c->lock);
	uint64_t last = io->aio_seq;
	/* The list is in submission order: wait until its oldest entry is younger than us. */
	while (io->aio_head && io->aio_head->aio_seq <= last)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int rados_aio_flush_async(rados_ioctx_t io, rados_completion_t completion)
{
	if (!io || !completion)
		return -EINVAL;
	return rados__objecter_aio_local(io, comp_of(completion), 0, true);
}

int rados_aio_cancel(rados_ioctx_t ioctx, rados_completion_t completion)
{
	struct rados__ioctx *io = ioctx;
	if (!io || !completion)
		return -EINVAL;
	return rados__objecter_cancel(io->c, comp_of(completion));
}
