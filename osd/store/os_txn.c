/*
 * os_txn.c - the transaction builder.  A transaction is a list of
 * operations that own copies of their names and keys and references to
 * their write data.  Single owner; any thread until queued.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os_int.h"

struct os_txn *os_txn_create(void)
{
	return calloc(1, sizeof(struct os_txn));
}

static void op_fini(struct os_op *op)
{
	os_oid_free(&op->oid);
	os_oid_free(&op->oid2);
	buf_fini(&op->a);
	buf_fini(&op->b);
	buflist_fini(&op->data);
}

void os_txn_destroy(struct os_txn *t)
{
	if (!t)
		return;
	os_pw_free(t);
	for (unsigned i = 0; i < t->n; i++)
		op_fini(&t->ops[i]);
	free(t->ops);
	free(t->alloc);
	free(t->freed);
	free(t);
}

unsigned os_txn_ops(const struct os_txn *t)
{
	return t->n;
}

static bool oid_ok(const struct os_oid *oid)
{
	return oid && oid->name && oid->nspace && strlen(oid->name) <= OS_NAME_MAX &&
	       strlen(oid->nspace) <= OS_NAME_MAX;
}

/*
 * Start a new op; it becomes part of @t only when the caller calls
 * op_commit(), so a failed builder leaves @t unchanged.
 */
static int op_start(struct os_txn *t, enum os_op_type type, const struct os_cid *cid,
		    const struct os_oid *oid, struct os_op **out)
{
	struct os_op *op;

	if (oid && !oid_ok(oid))
		return -EINVAL;
	if (t->n == t->cap) {
		unsigned nc = t->cap ? t->cap * 2 : 8;
		struct os_op *no = realloc(t->ops, nc * sizeof(*no));
		if (!no)
			return -ENOMEM;
		t->ops = no;
		t->cap = nc;
	}
	op = &t->ops[t->n];
	memset(op, 0, sizeof(*op));
	op->type = type;
	if (cid)
		op->cid = *cid;
	if (oid && os_oid_dup(&op->oid, oid))
		return -ENOMEM;
	*out = op;
	return 0;
}

static int op_commit(struct os_txn *t, struct os_op *op, int r)
{
	if (r) {
		op_fini(op);
		return r;
	}
	t->n++;
	return 0;
}

int os_txn_touch(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid)
{
	struct os_op *op;
	int r = op_start(t, OS_OP_TOUCH, cid, oid, &op);

	return r ? r : op_commit(t, op, 0);
}

int os_txn_write(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		 uint64_t off, const struct buflist *data)
{
	struct os_op *op;
	int r = op_start(t, OS_OP_WRITE, cid, oid, &op);

	if (r)
		return r;
	op->off = off;
	op->len = buflist_length(data);
	return op_commit(t, op, buflist_append_list(&op->data, data));
}

int os_txn_zero(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		uint64_t off, uint64_t len)
{
	struct os_op *op;
	int r = op_start(t, OS_OP_ZERO, cid, oid, &op);

	if (r)
		return r;
	op->off = off;
	op->len = len;
	return op_commit(t, op, 0);
}

int os_txn_truncate(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		    uint64_t size)
{
	struct os_op *op;
	int r = op_start(t, OS_OP_TRUNCATE, cid, oid, &op);

	if (r)
		return r;
	op->off = size;
	return op_commit(t, op, 0);
}

int os_txn_remove(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid)
{
	struct os_op *op;
	int r = op_start(t, OS_OP_REMOVE, cid, oid, &op);

	return r ? r : op_commit(t, op, 0);
}

int os_txn_clone(struct os_txn *t, const struct os_cid *cid, const struct os_oid *src,
		 const struct os_oid *dst)
{
	struct os_op *op;
	int r;

	if (!oid_ok(dst))
		return -EINVAL;
	if ((r = op_start(t, OS_OP_CLONE, cid, src, &op)))
		return r;
	return op_commit(t, op, os_oid_dup(&op->oid2, dst));
}

int os_txn_setattr(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		   const char *name, const void *val, size_t len)
{
	struct os_op *op;
	int r;

	if (strlen(name) > 65535)
		return -EINVAL;
	if ((r = op_start(t, OS_OP_SETATTR, cid, oid, &op)))
		return r;
	if (!(r = buf_append_str(&op->a, name)) && !(r = buf_append(&op->b, val, len)))
		r = buf_cstr(&op->a) ? 0 : -ENOMEM;
	return op_commit(t, op, r);
}

int os_txn_rmattr(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		  const char *name)
{
	struct os_op *op;
	int r = op_start(t, OS_OP_RMATTR, cid, oid, &op);

	if (r)
		return r;
	if (!(r = buf_append_str(&op->a, name)))
		r = buf_cstr(&op->a) ? 0 : -ENOMEM;
	return op_commit(t, op, r);
}

static int kv_op(struct os_txn *t, enum os_op_type type, const struct os_cid *cid,
		 const struct os_oid *oid, const void *a, size_t alen, const void *b, size_t blen)
{
	struct os_op *op;
	int r = op_start(t, type, cid, oid, &op);

	if (r)
		return r;
	r = buf_append(&op->a, a, alen);
	if (!r)
		r = buf_append(&op->b, b, blen);
	return op_commit(t, op, r);
}

int os_txn_omap_set(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		    const void *key, size_t klen, const void *val, size_t vlen)
{
	return kv_op(t, OS_OP_OMAP_SET, cid, oid, key, klen, val, vlen);
}

int os_txn_omap_rm(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		   const void *key, size_t klen)
{
	return kv_op(t, OS_OP_OMAP_RM, cid, oid, key, klen, NULL, 0);
}

int os_txn_omap_rmrange(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
			const void *first, size_t flen, const void *last, size_t llen)
{
	return kv_op(t, OS_OP_OMAP_RMRANGE, cid, oid, first, flen, last, llen);
}

int os_txn_omap_clear(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid)
{
	return kv_op(t, OS_OP_OMAP_CLEAR, cid, oid, NULL, 0, NULL, 0);
}

int os_txn_omap_setheader(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
			  const void *val, size_t len)
{
	return kv_op(t, OS_OP_OMAP_SETHEADER, cid, oid, NULL, 0, val, len);
}

int os_txn_create_collection(struct os_txn *t, const struct os_cid *cid, unsigned bits)
{
	struct os_op *op;
	int r;

	if (bits > 32)
		return -EINVAL;
	if ((r = op_start(t, OS_OP_MKCOLL, cid, NULL, &op)))
		return r;
	op->bits = bits;
	return op_commit(t, op, 0);
}

int os_txn_remove_collection(struct os_txn *t, const struct os_cid *cid)
{
	struct os_op *op;
	int r = op_start(t, OS_OP_RMCOLL, cid, NULL, &op);

	return r ? r : op_commit(t, op, 0);
}

int os_txn_move_rename(struct os_txn *t, const struct os_cid *cid, const struct os_oid *oid,
		       const struct os_cid *ncid, const struct os_oid *noid)
{
	struct os_op *op;
	int r;

	if (!oid_ok(noid))
		return -EINVAL;
	if ((r = op_start(t, OS_OP_MOVE_RENAME, cid, oid, &op)))
		return r;
	op->cid2 = *ncid;
	return op_commit(t, op, os_oid_dup(&op->oid2, noid));
}

int os_txn_split_collection(struct os_txn *t, const struct os_cid *cid, unsigned bits,
			    const struct os_cid *dest)
{
	struct os_op *op;
	int r;

	if (bits > 32)
		return -EINVAL;
	if ((r = op_start(t, OS_OP_SPLIT, cid, NULL, &op)))
		return r;
	op->bits = bits;
	op->cid2 = *dest;
	return op_commit(t, op, 0);
}
