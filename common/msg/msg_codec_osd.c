/*
 * msg_codec_osd.c - protobuf conversions of the OSD messages (op, reply,
 * replicated op, peering/recovery, heartbeat, PG stats) and the helpers
 * that build their step lists.
 *
 * Unlike the simpler cluster messages, steps are nested protobuf
 * messages, so encoding allocates: *_to fills the protobuf struct with
 * borrowed strings and bytes plus malloc'd arrays of step structs, and
 * *_release frees those arrays after packing.  *_from copies everything
 * out with every length and count checked (the sender may be anyone).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_cluster.pb-c.h"
#include "msg.h"
#include "msg_codec_osd.h"
#include "osdop.h"

#define STEPS_MAX 1024	     /* steps in one op */
#define KEYS_MAX (1u << 20)  /* keys or values in one step */
#define STR_MAX 4096	     /* names, namespaces, locators */
#define STATS_MAX 65536	     /* PGs in one stats report */
#define CMPEXT_ERRNO_MIN (-(int64_t)OSDOP_MAX_ERRNO)

/* ---- steps ------------------------------------------------------------------- */

void msg_osd_subop_fini(struct msg_osd_subop *op)
{
	if (!op)
		return;
	free(op->name);
	for (uint32_t i = 0; i < op->n_keys; i++)
		free(op->keys[i].data);
	for (uint32_t i = 0; i < op->n_vals; i++)
		free(op->vals[i].data);
	free(op->keys);
	free(op->vals);
	memset(op, 0, sizeof(*op));
}

static int bytes_push(struct msg_bytes **arr, uint32_t *n, const void *data, size_t len)
{
	struct msg_bytes *a = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!a)
		return -ENOMEM;
	*arr = a;
	uint8_t *p = malloc(len ? len : 1);
	if (!p)
		return -ENOMEM;
	if (len)
		memcpy(p, data, len);
	a[*n] = (struct msg_bytes){p, len};
	(*n)++;
	return 0;
}

int msg_osd_subop_add_key(struct msg_osd_subop *op, const void *data, size_t len)
{
	return bytes_push(&op->keys, &op->n_keys, data, len);
}

int msg_osd_subop_add_val(struct msg_osd_subop *op, const void *data, size_t len)
{
	return bytes_push(&op->vals, &op->n_vals, data, len);
}

int msg_osd_subop_set_name(struct msg_osd_subop *op, const char *name)
{
	char *p = strdup(name ? name : "");
	if (!p)
		return -ENOMEM;
	free(op->name);
	op->name = p;
	return 0;
}

int msg_osd_subop_copy(struct msg_osd_subop *dst, const struct msg_osd_subop *src)
{
	*dst = *src;
	dst->name = NULL;
	dst->keys = dst->vals = NULL;
	dst->n_keys = dst->n_vals = 0;
	int rc = src->name ? msg_osd_subop_set_name(dst, src->name) : 0;
	for (uint32_t i = 0; i < src->n_keys && !rc; i++)
		rc = msg_osd_subop_add_key(dst, src->keys[i].data, src->keys[i].len);
	for (uint32_t i = 0; i < src->n_vals && !rc; i++)
		rc = msg_osd_subop_add_val(dst, src->vals[i].data, src->vals[i].len);
	if (rc)
		msg_osd_subop_fini(dst);
	return rc;
}

struct msg_osd_subop *msg_osd_op_add(struct msg_osd_subop **ops, uint32_t *n_ops)
{
	struct msg_osd_subop *a = realloc(*ops, (*n_ops + 1) * sizeof(**ops));
	if (!a)
		return NULL;
	*ops = a;
	memset(&a[*n_ops], 0, sizeof(a[0]));
	return &a[(*n_ops)++];
}

static void steps_free(struct msg_osd_subop *ops, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		msg_osd_subop_fini(&ops[i]);
	free(ops);
}

/*
 * An rval on the wire: a Result, plus the offset for cmpext mismatches or
 * the value of a positive result.
 */
static void rval_to(int64_t rval, Cmsg__Result *res, uint64_t *cmpext_off, uint64_t *positive)
{
	*positive = rval > 0 ? (uint64_t)rval : 0;
	if (rval > 0) {
		*res = CMSG__RESULT__RESULT_OK;
		*cmpext_off = 0;
	} else if (rval <= CMPEXT_ERRNO_MIN) {
		*res = CMSG__RESULT__RESULT_ECANCELED;
		*cmpext_off = (uint64_t)(CMPEXT_ERRNO_MIN - rval) + 1;
	} else {
		*res = (Cmsg__Result)msg_errno_to_result((int)rval);
		*cmpext_off = 0;
	}
}

static int64_t rval_from(Cmsg__Result res, uint64_t cmpext_off, uint64_t positive)
{
	if (res == CMSG__RESULT__RESULT_OK)
		return positive <= INT32_MAX ? (int64_t)positive : 0;
	if (res == CMSG__RESULT__RESULT_ECANCELED && cmpext_off > 0 &&
	    cmpext_off <= ((uint64_t)1 << 40))
		return OSDOP_CMPEXT_MISMATCH(cmpext_off - 1);
	return msg_result_to_errno((uint32_t)res);
}

static ProtobufCBinaryData bin(const struct msg_bytes *b)
{
	return (ProtobufCBinaryData){b->len, b->data};
}

/* Fill @pb (an array of @n) from @ops; key/value arrays malloc'd. */
static int steps_to(const struct msg_osd_subop *ops, uint32_t n, Cmsg__OsdSubOp ***out_arr,
		    size_t *out_n)
{
	*out_arr = NULL;
	*out_n = 0;
	if (n == 0)
		return 0;
	Cmsg__OsdSubOp *st = calloc(n, sizeof(*st));
	Cmsg__OsdSubOp **arr = calloc(n, sizeof(*arr));
	if (!st || !arr) {
		free(st);
		free(arr);
		return -ENOMEM;
	}
	*out_arr = arr;
	*out_n = n;
	for (uint32_t i = 0; i < n; i++) {
		const struct msg_osd_subop *o = &ops[i];
		Cmsg__OsdSubOp *p = &st[i];
		cmsg__osd_sub_op__init(p);
		arr[i] = p;
		p->op = o->op;
		p->flags = o->flags;
		p->off = o->off;
		p->len = o->len;
		p->arg = o->arg;
		p->name = o->name ? o->name : (char *)"";
		p->indata_len = o->indata_len;
		p->outdata_len = o->outdata_len;
		rval_to(o->rval, &p->result, &p->cmpext_off, &p->positive);
		if (o->n_keys) {
			p->keys = malloc(o->n_keys * sizeof(*p->keys));
			if (!p->keys)
				return -ENOMEM;
			p->n_keys = o->n_keys;
			for (uint32_t k = 0; k < o->n_keys; k++)
				p->keys[k] = bin(&o->keys[k]);
		}
		if (o->n_vals) {
			p->vals = malloc(o->n_vals * sizeof(*p->vals));
			if (!p->vals)
				return -ENOMEM;
			p->n_vals = o->n_vals;
			for (uint32_t k = 0; k < o->n_vals; k++)
				p->vals[k] = bin(&o->vals[k]);
		}
	}
	return 0;
}

static void steps_release(Cmsg__OsdSubOp **arr, size_t n)
{
	if (!arr)
		return;
	for (size_t i = 0; i < n && arr[i]; i++) {
		free(arr[i]->keys);
		free(arr[i]->vals);
	}
	free(arr[0]); /* the calloc'd block of structs */
	free(arr);
}

static int copy_bytes_arr(ProtobufCBinaryData *src, size_t n, struct msg_bytes **out,
			  uint32_t *out_n)
{
	if (n > KEYS_MAX)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		if (bytes_push(out, out_n, src[i].data, src[i].len))
			return -ENOMEM;
	return 0;
}

static int dup_str(const char *s, char **out)
{
	size_t n = s ? strlen(s) : 0;
	if (n > STR_MAX)
		return -EBADMSG;
	*out = malloc(n + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, s ? s : "", n + 1);
	return 0;
}

static int steps_from(Cmsg__OsdSubOp **arr, size_t n, struct msg_osd_subop **out,
		      uint32_t *out_n)
{
	if (n > STEPS_MAX)
		return -EBADMSG;
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*out_n = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		const Cmsg__OsdSubOp *p = arr[i];
		struct msg_osd_subop *o = &(*out)[i];
		o->op = p->op;
		o->flags = p->flags;
		o->off = p->off;
		o->len = p->len;
		o->arg = p->arg;
		o->indata_len = p->indata_len;
		o->outdata_len = p->outdata_len;
		o->rval = rval_from(p->result, p->cmpext_off, p->positive);
		int rc = dup_str(p->name, &o->name);
		if (!rc)
			rc = copy_bytes_arr(p->keys, p->n_keys, &o->keys, &o->n_keys);
		if (!rc)
			rc = copy_bytes_arr(p->vals, p->n_vals, &o->vals, &o->n_vals);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- MSG_OSD_OP ---------------------------------------------------------------- */

int msg_osd_op_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_op *b = body;
	Cmsg__OsdOp *pb = (Cmsg__OsdOp *)pbm;
	pb->tid = b->tid;
	pb->client = b->client;
	pb->epoch = b->epoch;
	pb->flags = b->flags;
	pb->pool = b->pool;
	pb->seed = b->seed;
	pb->hash = b->hash;
	pb->nspace = b->nspace ? b->nspace : (char *)"";
	pb->name = b->name ? b->name : (char *)"";
	pb->locator = b->locator ? b->locator : (char *)"";
	pb->attempt = b->attempt;
	return steps_to(b->ops, b->n_ops, &pb->ops, &pb->n_ops);
}

void msg_osd_op_release(ProtobufCMessage *pbm)
{
	Cmsg__OsdOp *pb = (Cmsg__OsdOp *)pbm;
	steps_release(pb->ops, pb->n_ops);
}

void msg_osd_op_fini(void *body)
{
	struct msg_osd_op *b = body;
	free(b->nspace);
	free(b->name);
	free(b->locator);
	steps_free(b->ops, b->n_ops);
	memset(b, 0, sizeof(*b));
}

int msg_osd_op_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdOp *pb = (const Cmsg__OsdOp *)pbm;
	struct msg_osd_op *b = body;
	b->tid = pb->tid;
	b->client = pb->client;
	b->epoch = pb->epoch;
	b->flags = pb->flags;
	b->pool = pb->pool;
	b->seed = pb->seed;
	b->hash = pb->hash;
	b->attempt = pb->attempt;
	int rc = dup_str(pb->nspace, &b->nspace);
	if (!rc)
		rc = dup_str(pb->name, &b->name);
	if (!rc)
		rc = dup_str(pb->locator, &b->locator);
	if (!rc)
		rc = steps_from(pb->ops, pb->n_ops, &b->ops, &b->n_ops);
	if (rc)
		msg_osd_op_fini(b);
	return rc;
}

/* ---- MSG_OSD_OP_REPLY ---------------------------------------------------------- */

int msg_osd_op_reply_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_op_reply *b = body;
	Cmsg__OsdOpReply *pb = (Cmsg__OsdOpReply *)pbm;
	pb->tid = b->tid;
	uint64_t positive;
	rval_to(b->result, &pb->result, &pb->cmpext_off, &positive);
	pb->epoch = b->epoch;
	pb->flags = b->flags;
	pb->ver_epoch = b->ver_epoch;
	pb->version = b->version;
	pb->attempt = b->attempt;
	return steps_to(b->ops, b->n_ops, &pb->ops, &pb->n_ops);
}

void msg_osd_op_reply_release(ProtobufCMessage *pbm)
{
	Cmsg__OsdOpReply *pb = (Cmsg__OsdOpReply *)pbm;
	steps_release(pb->ops, pb->n_ops);
}

void msg_osd_op_reply_fini(void *body)
{
	struct msg_osd_op_reply *b = body;
	steps_free(b->ops, b->n_ops);
	memset(b, 0, sizeof(*b));
}

int msg_osd_op_reply_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdOpReply *pb = (const Cmsg__OsdOpReply *)pbm;
	struct msg_osd_op_reply *b = body;
	b->tid = pb->tid;
	b->result = rval_from(pb->result, pb->cmpext_off, 0);
	b->epoch = pb->epoch;
	b->flags = pb->flags;
	b->ver_epoch = pb->ver_epoch;
	b->version = pb->version;
	b->attempt = pb->attempt;
	int rc = steps_from(pb->ops, pb->n_ops, &b->ops, &b->n_ops);
	if (rc)
		msg_osd_op_reply_fini(b);
	return rc;
}

/* ---- MSG_OSD_REPOP ------------------------------------------------------------- */

int msg_osd_repop_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_repop *b = body;
	Cmsg__OsdRepOp *pb = (Cmsg__OsdRepOp *)pbm;
	pb->pool = b->pool;
	pb->seed = b->seed;
	pb->epoch = b->epoch;
	pb->interval = b->interval;
	pb->tid = b->tid;
	pb->entry = bin(&b->entry);
	pb->hash = b->hash;
	pb->nspace = b->nspace ? b->nspace : (char *)"";
	pb->name = b->name ? b->name : (char *)"";
	pb->trim_epoch = b->trim_epoch;
	pb->trim_version = b->trim_version;
	return steps_to(b->ops, b->n_ops, &pb->ops, &pb->n_ops);
}

void msg_osd_repop_release(ProtobufCMessage *pbm)
{
	Cmsg__OsdRepOp *pb = (Cmsg__OsdRepOp *)pbm;
	steps_release(pb->ops, pb->n_ops);
}

void msg_osd_repop_fini(void *body)
{
	struct msg_osd_repop *b = body;
	free(b->entry.data);
	free(b->nspace);
	free(b->name);
	steps_free(b->ops, b->n_ops);
	memset(b, 0, sizeof(*b));
}

int msg_osd_repop_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdRepOp *pb = (const Cmsg__OsdRepOp *)pbm;
	struct msg_osd_repop *b = body;
	b->pool = pb->pool;
	b->seed = pb->seed;
	b->epoch = pb->epoch;
	b->interval = pb->interval;
	b->tid = pb->tid;
	b->hash = pb->hash;
	b->trim_epoch = pb->trim_epoch;
	b->trim_version = pb->trim_version;
	int rc = 0;
	if (pb->entry.len > (1u << 16))
		rc = -EBADMSG;
	if (!rc) {
		b->entry.data = malloc(pb->entry.len ? pb->entry.len : 1);
		if (!b->entry.data)
			rc = -ENOMEM;
		else if (pb->entry.len)
			memcpy(b->entry.data, pb->entry.data, pb->entry.len);
		b->entry.len = pb->entry.len;
	}
	if (!rc)
		rc = dup_str(pb->nspace, &b->nspace);
	if (!rc)
		rc = dup_str(pb->name, &b->name);
	if (!rc)
		rc = steps_from(pb->ops, pb->n_ops, &b->ops, &b->n_ops);
	if (rc)
		msg_osd_repop_fini(b);
	return rc;
}

/* ---- MSG_OSD_REPOP_REPLY ------------------------------------------------------- */

int msg_osd_repop_reply_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_repop_reply *b = body;
	Cmsg__OsdRepOpReply *pb = (Cmsg__OsdRepOpReply *)pbm;
	pb->pool = b->pool;
	pb->seed = b->seed;
	pb->epoch = b->epoch;
	pb->interval = b->interval;
	pb->tid = b->tid;
	pb->result = (Cmsg__Result)msg_errno_to_result(b->result);
	return 0;
}

int msg_osd_repop_reply_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdRepOpReply *pb = (const Cmsg__OsdRepOpReply *)pbm;
	struct msg_osd_repop_reply *b = body;
	*b = (struct msg_osd_repop_reply){pb->pool,	pb->seed, pb->epoch, pb->interval,
					  pb->tid,	msg_result_to_errno((uint32_t)pb->result)};
	return 0;
}

/* ---- MSG_OSD_PG ---------------------------------------------------------------- */

static int bytes_arr_to(const struct msg_bytes *src, uint32_t n, ProtobufCBinaryData **out,
			size_t *out_n)
{
	*out = NULL;
	*out_n = 0;
	if (!n)
		return 0;
	*out = malloc(n * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		(*out)[i] = bin(&src[i]);
	*out_n = n;
	return 0;
}

int msg_osd_pg_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_pg *b = body;
	Cmsg__OsdPg *pb = (Cmsg__OsdPg *)pbm;
	pb->kind = b->kind;
	pb->pool = b->pool;
	pb->seed = b->seed;
	pb->epoch = b->epoch;
	pb->interval = b->interval;
	pb->from = b->from;
	pb->tid = b->tid;
	pb->result = (Cmsg__Result)msg_errno_to_result(b->result);
	pb->flags = b->flags;
	pb->hash = b->hash;
	pb->nspace = b->nspace ? b->nspace : (char *)"";
	pb->name = b->name ? b->name : (char *)"";
	pb->ver_epoch = b->ver_epoch;
	pb->version = b->version;
	pb->off = b->off;
	pb->size = b->size;
	int rc = bytes_arr_to(b->keys, b->n_keys, &pb->keys, &pb->n_keys);
	if (!rc)
		rc = bytes_arr_to(b->vals, b->n_vals, &pb->vals, &pb->n_vals);
	return rc;
}

void msg_osd_pg_release(ProtobufCMessage *pbm)
{
	Cmsg__OsdPg *pb = (Cmsg__OsdPg *)pbm;
	free(pb->keys);
	free(pb->vals);
}

void msg_osd_pg_fini(void *body)
{
	struct msg_osd_pg *b = body;
	free(b->nspace);
	free(b->name);
	for (uint32_t i = 0; i < b->n_keys; i++)
		free(b->keys[i].data);
	for (uint32_t i = 0; i < b->n_vals; i++)
		free(b->vals[i].data);
	free(b->keys);
	free(b->vals);
	memset(b, 0, sizeof(*b));
}

int msg_osd_pg_add_kv(struct msg_osd_pg *b, const void *k, size_t klen, const void *v,
		      size_t vlen)
{
	int rc = bytes_push(&b->keys, &b->n_keys, k, klen);
	return rc ? rc : bytes_push(&b->vals, &b->n_vals, v, vlen);
}

int msg_osd_pg_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdPg *pb = (const Cmsg__OsdPg *)pbm;
	struct msg_osd_pg *b = body;
	b->kind = pb->kind;
	b->pool = pb->pool;
	b->seed = pb->seed;
	b->epoch = pb->epoch;
	b->interval = pb->interval;
	b->from = pb->from;
	b->tid = pb->tid;
	b->result = msg_result_to_errno((uint32_t)pb->result);
	b->flags = pb->flags;
	b->hash = pb->hash;
	b->ver_epoch = pb->ver_epoch;
	b->version = pb->version;
	b->off = pb->off;
	b->size = pb->size;
	int rc = dup_str(pb->nspace, &b->nspace);
	if (!rc)
		rc = dup_str(pb->name, &b->name);
	if (!rc)
		rc = copy_bytes_arr(pb->keys, pb->n_keys, &b->keys, &b->n_keys);
	if (!rc)
		rc = copy_bytes_arr(pb->vals, pb->n_vals, &b->vals, &b->n_vals);
	if (rc)
		msg_osd_pg_fini(b);
	return rc;
}

/* ---- MSG_OSD_PING -------------------------------------------------------------- */

int msg_osd_ping_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_ping *b = body;
	Cmsg__OsdPing *pb = (Cmsg__OsdPing *)pbm;
	pb->op = b->op;
	pb->from = b->from;
	pb->epoch = b->epoch;
	pb->stamp = b->stamp;
	return 0;
}

int msg_osd_ping_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdPing *pb = (const Cmsg__OsdPing *)pbm;
	*(struct msg_osd_ping *)body = (struct msg_osd_ping){pb->op, pb->from, pb->epoch, pb->stamp};
	return 0;
}

/* ---- MSG_PG_STATS -------------------------------------------------------------- */

int msg_pg_stats_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_pg_stats *b = body;
	Cmsg__PgStats *pb = (Cmsg__PgStats *)pbm;
	pb->osd = b->osd;
	pb->epoch = b->epoch;
	pb->n_pool = pb->n_seed = pb->n_state = pb->n_objects = pb->n_bytes = pb->n_interval = b->n;
	pb->pool = b->pool;
	pb->seed = b->seed;
	pb->state = b->state;
	pb->objects = b->objects;
	pb->bytes = b->bytes;
	pb->interval = b->interval;
	pb->n_io = (size_t)b->n * MSG_PG_STATS_IO;
	pb->io = b->io;
	pb->kb_total = b->kb_total;
	pb->kb_used = b->kb_used;
	return 0;
}

void msg_pg_stats_fini(void *body)
{
	struct msg_pg_stats *b = body;
	free(b->pool);
	free(b->seed);
	free(b->state);
	free(b->objects);
	free(b->bytes);
	free(b->interval);
	free(b->io);
	memset(b, 0, sizeof(*b));
}

int msg_pg_stats_alloc(struct msg_pg_stats *b, uint32_t n)
{
	size_t k = n ? n : 1;
	b->pool = calloc(k, sizeof(*b->pool));
	b->seed = calloc(k, sizeof(*b->seed));
	b->state = calloc(k, sizeof(*b->state));
	b->objects = calloc(k, sizeof(*b->objects));
	b->bytes = calloc(k, sizeof(*b->bytes));
	b->interval = calloc(k, sizeof(*b->interval));
	b->io = calloc(k * MSG_PG_STATS_IO, sizeof(*b->io));
	if (!b->pool || !b->seed || !b->state || !b->objects || !b->bytes || !b->interval ||
	    !b->io) {
		msg_pg_stats_fini(b);
		return -ENOMEM;
	}
	b->n = n;
	return 0;
}

int msg_pg_stats_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__PgStats *pb = (const Cmsg__PgStats *)pbm;
	struct msg_pg_stats *b = body;
	size_t n = pb->n_pool;
	if (n > STATS_MAX || pb->n_seed != n || pb->n_state != n || pb->n_objects != n ||
	    pb->n_bytes != n || pb->n_interval != n ||
	    (pb->n_io != 0 && pb->n_io != n * MSG_PG_STATS_IO))
		return -EBADMSG;
	b->osd = pb->osd;
	b->epoch = pb->epoch;
	b->kb_total = pb->kb_total;
	b->kb_used = pb->kb_used;
	if (msg_pg_stats_alloc(b, (uint32_t)n))
		return -ENOMEM;
	if (n) {
		memcpy(b->pool, pb->pool, n * sizeof(*b->pool));
		memcpy(b->seed, pb->seed, n * sizeof(*b->seed));
		memcpy(b->state, pb->state, n * sizeof(*b->state));
		memcpy(b->objects, pb->objects, n * sizeof(*b->objects));
		memcpy(b->bytes, pb->bytes, n * sizeof(*b->bytes));
		memcpy(b->interval, pb->interval, n * sizeof(*b->interval));
		if (pb->n_io)
			memcpy(b->io, pb->io, pb->n_io * sizeof(*b->io));
	}
	return 0;
}
