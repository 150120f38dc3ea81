/*
 * msg_codec.c - message type registry and protobuf-c conversions.
 *
 * The only file that includes generated protobuf-c code.  Each entry of
 * the table below knows one type: its protobuf descriptor, the size of
 * its C body and three conversions.  to_pb fills a protobuf struct that
 * borrows the body's strings and arrays (nothing is copied for
 * encoding); from_pb copies out of the unpacked protobuf struct, checking
 * every range, so the unpacked struct can be freed at once.
 *
 * Thread safety: the table is constant; the allocation-failure hook is
 * thread-local.
 */
#include <assert.h>
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_cluster.pb-c.h"
#include "cairn_msg.pb-c.h"
#include "compiler.h"
#include "msg_codec.h"
#include "msg_codec_cluster.h"
#include "msg_codec_osd.h"
#include "msg_frame.h"
#include "msg_int.h"

/* ---- allocator -------------------------------------------------------- */

struct pb_alloc_state {
	bool failed;
};

static _Thread_local unsigned inject_nth;
static _Thread_local unsigned alloc_count;

void msg_codec_inject_alloc_failure(unsigned nth)
{
	inject_nth = nth;
	alloc_count = 0;
}

static void *pb_alloc(void *data, size_t size)
{
	struct pb_alloc_state *st = data;
	if (inject_nth && ++alloc_count == inject_nth) {
		st->failed = true;
		return NULL;
	}
	void *p = malloc(size);
	if (!p)
		st->failed = true;
	return p;
}

static void pb_free(void *data, void *p)
{
	free(p);
}

/* ---- result <-> errno ------------------------------------------------- */

static const struct {
	uint32_t result;
	int err;
} result_map[] = {
    {CMSG__RESULT__RESULT_EPERM, EPERM},
    {CMSG__RESULT__RESULT_ENOENT, ENOENT},
    {CMSG__RESULT__RESULT_EIO, EIO},
    {CMSG__RESULT__RESULT_EAGAIN, EAGAIN},
    {CMSG__RESULT__RESULT_ENOMEM, ENOMEM},
    {CMSG__RESULT__RESULT_EACCES, EACCES},
    {CMSG__RESULT__RESULT_EEXIST, EEXIST},
    {CMSG__RESULT__RESULT_EINVAL, EINVAL},
    {CMSG__RESULT__RESULT_ENOSPC, ENOSPC},
    {CMSG__RESULT__RESULT_ERANGE, ERANGE},
    {CMSG__RESULT__RESULT_ENOTSUP, ENOTSUP},
    {CMSG__RESULT__RESULT_EPROTO, EPROTO},
    {CMSG__RESULT__RESULT_ETIMEDOUT, ETIMEDOUT},
    {CMSG__RESULT__RESULT_ECANCELED, ECANCELED},
    {CMSG__RESULT__RESULT_ESTALE, ESTALE},
    {CMSG__RESULT__RESULT_EBUSY, EBUSY},
    {CMSG__RESULT__RESULT_EFBIG, EFBIG},
    {CMSG__RESULT__RESULT_EDQUOT, EDQUOT},
    {CMSG__RESULT__RESULT_ENOTEMPTY, ENOTEMPTY},
    {CMSG__RESULT__RESULT_EBADMSG, EBADMSG},
    {CMSG__RESULT__RESULT_ENAMETOOLONG, ENAMETOOLONG},
    {CMSG__RESULT__RESULT_E2BIG, E2BIG},
    {CMSG__RESULT__RESULT_ENODATA, ENODATA},
    {CMSG__RESULT__RESULT_EROFS, EROFS},
    {CMSG__RESULT__RESULT_EOVERFLOW, EOVERFLOW},
    {CMSG__RESULT__RESULT_EMSGSIZE, EMSGSIZE},
    {CMSG__RESULT__RESULT_ENOTCONN, ENOTCONN},
    {CMSG__RESULT__RESULT_EXDEV, EXDEV},
    {CMSG__RESULT__RESULT_ENXIO, ENXIO},
    {CMSG__RESULT__RESULT_EDOM, EDOM},
    {CMSG__RESULT__RESULT_ENOSYS, ENOSYS},
    {CMSG__RESULT__RESULT_ESHUTDOWN, ESHUTDOWN},
    {CMSG__RESULT__RESULT_EBADF, EBADF},
    {CMSG__RESULT__RESULT_EINPROGRESS, EINPROGRESS},
    {CMSG__RESULT__RESULT_EALREADY, EALREADY},
    {CMSG__RESULT__RESULT_ENOTDIR, ENOTDIR},
    {CMSG__RESULT__RESULT_EISDIR, EISDIR},
};

int msg_result_to_errno(uint32_t result)
{
	if (result == CMSG__RESULT__RESULT_OK)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(result_map); i++)
		if (result_map[i].result == result)
			return -result_map[i].err;
	/* RESULT_UNKNOWN and values from a newer peer. */
	return -EIO;
}

uint32_t msg_errno_to_result(int err)
{
	if (err == 0)
		return CMSG__RESULT__RESULT_OK;
	int e = err < 0 ? -err : err;
	for (size_t i = 0; i < ARRAY_SIZE(result_map); i++)
		if (result_map[i].err == e)
			return result_map[i].result;
	return CMSG__RESULT__RESULT_UNKNOWN;
}

/* ---- helpers ---------------------------------------------------------- */

static int copy_str(const char *src, char *dst, size_t size)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size)
		return -EBADMSG;
	memcpy(dst, src ? src : "", n + 1);
	return 0;
}

static int dup_bytes(const ProtobufCBinaryData *b, size_t max, uint8_t **out, size_t *out_len)
{
	if (b->len > max)
		return -EBADMSG;
	*out = NULL;
	*out_len = 0;
	if (b->len == 0)
		return 0;
	uint8_t *p = malloc(b->len);
	if (!p)
		return -ENOMEM;
	memcpy(p, b->data, b->len);
	*out = p;
	*out_len = b->len;
	return 0;
}

static ProtobufCBinaryData bin(const uint8_t *p, size_t len)
{
	return (ProtobufCBinaryData){.len = len, .data = (uint8_t *)p};
}

/* ---- control frames --------------------------------------------------- */

static void hello_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_hello *b = body;
	Cmsg__Hello *pb = (Cmsg__Hello *)pbm;
	pb->entity_type = b->entity_type;
	pb->entity_id = (char *)b->entity_id;
	pb->fsid = (char *)b->fsid;
	pb->features_supported = b->features_supported;
	pb->features_required = b->features_required;
	pb->peer_addr = (char *)b->peer_addr;
}

static int hello_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__Hello *pb = (const Cmsg__Hello *)pbm;
	struct msg_hello *b = body;
	b->entity_type = pb->entity_type;
	b->features_supported = pb->features_supported;
	b->features_required = pb->features_required;
	if (copy_str(pb->entity_id, b->entity_id, sizeof(b->entity_id)) ||
	    copy_str(pb->fsid, b->fsid, sizeof(b->fsid)) ||
	    copy_str(pb->peer_addr, b->peer_addr, sizeof(b->peer_addr)))
		return -EBADMSG;
	return 0;
}

static void auth_request_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_auth_request *b = body;
	Cmsg__AuthRequest *pb = (Cmsg__AuthRequest *)pbm;
	pb->n_methods = b->n_methods;
	pb->methods = (uint32_t *)b->methods;
	pb->method = b->method;
	pb->payload = bin(b->payload, b->payload_len);
}

static int auth_request_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__AuthRequest *pb = (const Cmsg__AuthRequest *)pbm;
	struct msg_auth_request *b = body;
	if (pb->n_methods > MSG_AUTH_METHODS_MAX)
		return -EBADMSG;
	memcpy(b->methods, pb->methods, pb->n_methods * sizeof(uint32_t));
	b->n_methods = pb->n_methods;
	b->method = pb->method;
	return dup_bytes(&pb->payload, MSG_AUTH_PAYLOAD_MAX, &b->payload, &b->payload_len);
}

static void auth_request_fini(void *body)
{
	free(((struct msg_auth_request *)body)->payload);
}

static void auth_reply_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_auth_reply *b = body;
	Cmsg__AuthReply *pb = (Cmsg__AuthReply *)pbm;
	pb->method = b->method;
	pb->payload = bin(b->payload, b->payload_len);
}

static int auth_reply_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__AuthReply *pb = (const Cmsg__AuthReply *)pbm;
	struct msg_auth_reply *b = body;
	b->method = pb->method;
	return dup_bytes(&pb->payload, MSG_AUTH_PAYLOAD_MAX, &b->payload, &b->payload_len);
}

static void auth_reply_fini(void *body)
{
	free(((struct msg_auth_reply *)body)->payload);
}

static void auth_done_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_auth_done *b = body;
	Cmsg__AuthDone *pb = (Cmsg__AuthDone *)pbm;
	pb->method = b->method;
	pb->result = (Cmsg__Result)msg_errno_to_result(b->result);
	pb->payload = bin(b->payload, b->payload_len);
}

static int auth_done_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__AuthDone *pb = (const Cmsg__AuthDone *)pbm;
	struct msg_auth_done *b = body;
	b->method = pb->method;
	b->result = msg_result_to_errno((uint32_t)pb->result);
	return dup_bytes(&pb->payload, MSG_AUTH_PAYLOAD_MAX, &b->payload, &b->payload_len);
}

static void auth_done_fini(void *body)
{
	free(((struct msg_auth_done *)body)->payload);
}

static void session_request_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_session_request *b = body;
	Cmsg__SessionRequest *pb = (Cmsg__SessionRequest *)pbm;
	pb->cookie = b->cookie;
	pb->connect_seq = b->connect_seq;
	pb->in_seq = b->in_seq;
	pb->lossy = b->lossy;
	pb->resume = b->resume;
}

static int session_request_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__SessionRequest *pb = (const Cmsg__SessionRequest *)pbm;
	struct msg_session_request *b = body;
	if (pb->cookie == 0)
		return -EBADMSG;
	b->cookie = pb->cookie;
	b->connect_seq = pb->connect_seq;
	b->in_seq = pb->in_seq;
	b->lossy = pb->lossy;
	b->resume = pb->resume;
	return 0;
}

static void session_ready_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_session_ready *b = body;
	Cmsg__SessionReady *pb = (Cmsg__SessionReady *)pbm;
	pb->in_seq = b->in_seq;
	pb->reset = b->reset;
}

static int session_ready_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__SessionReady *pb = (const Cmsg__SessionReady *)pbm;
	struct msg_session_ready *b = body;
	b->in_seq = pb->in_seq;
	b->reset = pb->reset;
	return 0;
}

static void keepalive_to(const void *body, ProtobufCMessage *pbm)
{
	((Cmsg__Keepalive *)pbm)->stamp_ns = ((const struct msg_keepalive *)body)->stamp_ns;
}

static int keepalive_from(const ProtobufCMessage *pbm, void *body)
{
	((struct msg_keepalive *)body)->stamp_ns = ((const Cmsg__Keepalive *)pbm)->stamp_ns;
	return 0;
}

/* ---- messages --------------------------------------------------------- */

static void echo_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_echo *b = body;
	Cmsg__Echo *pb = (Cmsg__Echo *)pbm;
	pb->tid = b->tid;
	pb->stamp_ns = b->stamp_ns;
	pb->flags = b->flags;
}

static int echo_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__Echo *pb = (const Cmsg__Echo *)pbm;
	struct msg_echo *b = body;
	b->tid = pb->tid;
	b->stamp_ns = pb->stamp_ns;
	b->flags = pb->flags;
	return 0;
}

static void echo_reply_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_echo_reply *b = body;
	Cmsg__EchoReply *pb = (Cmsg__EchoReply *)pbm;
	pb->tid = b->tid;
	pb->stamp_ns = b->stamp_ns;
	pb->data_len = b->data_len;
	pb->result = (Cmsg__Result)msg_errno_to_result(b->result);
}

static int echo_reply_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__EchoReply *pb = (const Cmsg__EchoReply *)pbm;
	struct msg_echo_reply *b = body;
	b->tid = pb->tid;
	b->stamp_ns = pb->stamp_ns;
	b->data_len = pb->data_len;
	b->result = msg_result_to_errno((uint32_t)pb->result);
	return 0;
}

#define MSG_TEST_VALUES_MAX 65536
#define MSG_TEST_BLOB_MAX   65536
#define MSG_TEST_NAME_MAX   4096

static void test_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_test *b = body;
	Cmsg__Test *pb = (Cmsg__Test *)pbm;
	pb->name = b->name ? b->name : (char *)"";
	pb->n_values = b->n_values;
	pb->values = b->values;
	pb->blob = bin(b->blob, b->blob_len);
	pb->delta = b->delta;
	pb->result = (Cmsg__Result)msg_errno_to_result(b->result);
}

static int test_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__Test *pb = (const Cmsg__Test *)pbm;
	struct msg_test *b = body;
	size_t nlen = strlen(pb->name);
	if (nlen > MSG_TEST_NAME_MAX || pb->n_values > MSG_TEST_VALUES_MAX)
		return -EBADMSG;
	if (pb->blob.len > MSG_TEST_BLOB_MAX)
		return -EBADMSG;
	b->delta = pb->delta;
	b->result = msg_result_to_errno((uint32_t)pb->result);
	b->name = malloc(nlen + 1);
	if (!b->name)
		return -ENOMEM;
	int rc = -ENOMEM;
	memcpy(b->name, pb->name, nlen + 1);
	if (pb->n_values) {
		b->values = malloc(pb->n_values * sizeof(uint64_t));
		if (!b->values)
			goto out_free_name;
		memcpy(b->values, pb->values, pb->n_values * sizeof(uint64_t));
		b->n_values = pb->n_values;
	}
	rc = dup_bytes(&pb->blob, MSG_TEST_BLOB_MAX, &b->blob, &b->blob_len);
	if (rc)
		goto out_free_values;
	return 0;

out_free_values:
	free(b->values);
	b->values = NULL;
	b->n_values = 0;
out_free_name:
	free(b->name);
	b->name = NULL;
	return rc;
}

static void test_fini(void *body)
{
	struct msg_test *b = body;
	free(b->name);
	free(b->values);
	free(b->blob);
}

/* ---- the registry ----------------------------------------------------- */

struct codec_entry {
	uint16_t type;
	const char *name;
	const ProtobufCMessageDescriptor *desc; /* NULL: no metadata (ack) */
	size_t body_size;
	void (*to_pb)(const void *body, ProtobufCMessage *pb);
	int (*from_pb)(const ProtobufCMessage *pb, void *body);
	void (*fini)(void *body);
	/* Instead of to_pb, for bodies whose encoding allocates: */
	int (*to_pb_alloc)(const void *body, ProtobufCMessage *pb);
	void (*pb_release)(ProtobufCMessage *pb); /* after packing; may be NULL */
};

#define ENTRY(t, n, d, s, to, from, fini)                                                          \
	{                                                                                          \
		t, n, d, sizeof(s), to, from, fini, NULL, NULL                                     \
	}

/* Sorted by type id. */
static const struct codec_entry registry[] = {
    ENTRY(MSG_T_HELLO, "hello", &cmsg__hello__descriptor, struct msg_hello, hello_to, hello_from,
	  NULL),
    ENTRY(MSG_T_AUTH_REQUEST, "auth_request", &cmsg__auth_request__descriptor,
	  struct msg_auth_request, auth_request_to, auth_request_from, auth_request_fini),
    ENTRY(MSG_T_AUTH_REPLY, "auth_reply", &cmsg__auth_reply__descriptor, struct msg_auth_reply,
	  auth_reply_to, auth_reply_from, auth_reply_fini),
    ENTRY(MSG_T_AUTH_DONE, "auth_done", &cmsg__auth_done__descriptor, struct msg_auth_done,
	  auth_done_to, auth_done_from, auth_done_fini),
    ENTRY(MSG_T_SESSION_REQUEST, "session_request", &cmsg__session_request__descriptor,
	  struct msg_session_request, session_request_to, session_request_from, NULL),
    ENTRY(MSG_T_SESSION_READY, "session_ready", &cmsg__session_ready__descriptor,
	  struct msg_session_ready, session_ready_to, session_ready_from, NULL),
    {MSG_T_ACK, "ack", NULL, 0, NULL, NULL, NULL, NULL, NULL},
    ENTRY(MSG_T_KEEPALIVE, "keepalive", &cmsg__keepalive__descriptor, struct msg_keepalive,
	  keepalive_to, keepalive_from, NULL),
    ENTRY(MSG_T_KEEPALIVE_ACK, "keepalive_ack", &cmsg__keepalive__descriptor, struct msg_keepalive,
	  keepalive_to, keepalive_from, NULL),
    ENTRY(MSG_ECHO, "echo", &cmsg__echo__descriptor, struct msg_echo, echo_to, echo_from, NULL),
    ENTRY(MSG_ECHO_REPLY, "echo_reply", &cmsg__echo_reply__descriptor, struct msg_echo_reply,
	  echo_reply_to, echo_reply_from, NULL),
    ENTRY(MSG_TEST, "test", &cmsg__test__descriptor, struct msg_test, test_to, test_from,
	  test_fini),
#define CL(t, n, d, s) ENTRY(t, #n, d, s, msg_cl_##n##_to, msg_cl_##n##_from, msg_cl_##n##_fini)
    CL(MSG_MON_PAXOS, mon_paxos, &cmsg__mon_paxos__descriptor, struct msg_mon_paxos),
    CL(MSG_MON_COMMAND, mon_command, &cmsg__mon_command__descriptor, struct msg_mon_command),
    CL(MSG_MON_COMMAND_REPLY, mon_command_reply, &cmsg__mon_command_reply__descriptor,
       struct msg_mon_command_reply),
    CL(MSG_MON_SUBSCRIBE, mon_subscribe, &cmsg__mon_subscribe__descriptor,
       struct msg_mon_subscribe),
    CL(MSG_MON_MAP, mon_map, &cmsg__mon_map__descriptor, struct msg_mon_map),
    CL(MSG_OSD_MAP, osd_map, &cmsg__osd_map__descriptor, struct msg_osd_map),
    CL(MSG_MON_SYNC_REQ, mon_sync_req, &cmsg__mon_sync_req__descriptor, struct msg_mon_sync_req),
    CL(MSG_MON_SYNC_CHUNK, mon_sync_chunk, &cmsg__mon_sync_chunk__descriptor,
       struct msg_mon_sync_chunk),
    CL(MSG_OSD_BOOT, osd_boot, &cmsg__osd_boot__descriptor, struct msg_osd_boot),
    CL(MSG_OSD_FAILURE, osd_failure, &cmsg__osd_failure__descriptor, struct msg_osd_failure),
#undef CL
#define OSDE(t, n, d, s, fini, rel)                                                                \
	{                                                                                          \
		t, #n, d, sizeof(s), NULL, msg_##n##_from, fini, msg_##n##_to, rel                 \
	}
    OSDE(MSG_PG_STATS, pg_stats, &cmsg__pg_stats__descriptor, struct msg_pg_stats,
	 msg_pg_stats_fini, NULL),
    OSDE(MSG_OSD_OP, osd_op, &cmsg__osd_op__descriptor, struct msg_osd_op, msg_osd_op_fini,
	 msg_osd_op_release),
    OSDE(MSG_OSD_OP_REPLY, osd_op_reply, &cmsg__osd_op_reply__descriptor,
	 struct msg_osd_op_reply, msg_osd_op_reply_fini, msg_osd_op_reply_release),
    OSDE(MSG_OSD_REPOP, osd_repop, &cmsg__osd_rep_op__descriptor, struct msg_osd_repop,
	 msg_osd_repop_fini, msg_osd_repop_release),
    OSDE(MSG_OSD_REPOP_REPLY, osd_repop_reply, &cmsg__osd_rep_op_reply__descriptor,
	 struct msg_osd_repop_reply, NULL, NULL),
    OSDE(MSG_OSD_PG, osd_pg, &cmsg__osd_pg__descriptor, struct msg_osd_pg, msg_osd_pg_fini,
	 msg_osd_pg_release),
    OSDE(MSG_OSD_PING, osd_ping, &cmsg__osd_ping__descriptor, struct msg_osd_ping, NULL, NULL),
#undef OSDE
};

static const uint16_t registry_types[] = {
    MSG_T_HELLO,     MSG_T_AUTH_REQUEST,    MSG_T_AUTH_REPLY,
    MSG_T_AUTH_DONE, MSG_T_SESSION_REQUEST, MSG_T_SESSION_READY,
    MSG_T_ACK,	     MSG_T_KEEPALIVE,	    MSG_T_KEEPALIVE_ACK,
    MSG_ECHO,	     MSG_ECHO_REPLY,	    MSG_TEST,
    MSG_MON_PAXOS,   MSG_MON_COMMAND,	    MSG_MON_COMMAND_REPLY,
    MSG_MON_SUBSCRIBE, MSG_MON_MAP,	    MSG_OSD_MAP,
    MSG_MON_SYNC_REQ, MSG_MON_SYNC_CHUNK,
    MSG_OSD_BOOT,    MSG_OSD_FAILURE,	    MSG_PG_STATS,
    MSG_OSD_OP,	     MSG_OSD_OP_REPLY,	    MSG_OSD_REPOP,
    MSG_OSD_REPOP_REPLY, MSG_OSD_PG,	    MSG_OSD_PING,
};

_Static_assert(ARRAY_SIZE(registry) == ARRAY_SIZE(registry_types), "registry tables disagree");

static const struct codec_entry *lookup(uint16_t type)
{
	size_t lo = 0, hi = ARRAY_SIZE(registry);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (registry[mid].type == type)
			return &registry[mid];
		if (registry[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool msg_codec_known(uint16_t type)
{
	return lookup(type) != NULL;
}

size_t msg_codec_body_size(uint16_t type)
{
	const struct codec_entry *e = lookup(type);
	return e ? e->body_size : 0;
}

const char *msg_codec_name(uint16_t type)
{
	const struct codec_entry *e = lookup(type);
	return e ? e->name : NULL;
}

const char *msg_type_name(uint16_t type)
{
	return msg_codec_name(type);
}

const uint16_t *msg_codec_types(size_t *out_n)
{
	*out_n = ARRAY_SIZE(registry_types);
	return registry_types;
}

/* Room for any generated message struct; checked per use. */
union pb_storage {
	ProtobufCMessage base;
	Cmsg__Hello hello;
	Cmsg__AuthRequest auth_request;
	Cmsg__AuthReply auth_reply;
	Cmsg__AuthDone auth_done;
	Cmsg__SessionRequest session_request;
	Cmsg__SessionReady session_ready;
	Cmsg__Keepalive keepalive;
	Cmsg__Echo echo;
	Cmsg__EchoReply echo_reply;
	Cmsg__Test test;
	Cmsg__MonPaxos mon_paxos;
	Cmsg__MonCommand mon_command;
	Cmsg__MonCommandReply mon_command_reply;
	Cmsg__MonSubscribe mon_subscribe;
	Cmsg__MonMap mon_map;
	Cmsg__OsdMap osd_map;
	Cmsg__OsdBoot osd_boot;
	Cmsg__OsdFailure osd_failure;
	Cmsg__MonSyncReq mon_sync_req;
	Cmsg__MonSyncChunk mon_sync_chunk;
	Cmsg__OsdOp osd_op;
	Cmsg__OsdOpReply osd_op_reply;
	Cmsg__OsdRepOp osd_rep_op;
	Cmsg__OsdRepOpReply osd_rep_op_reply;
	Cmsg__OsdPg osd_pg;
	Cmsg__OsdPing osd_ping;
	Cmsg__PgStats pg_stats;
};

int msg_codec_encode(uint16_t type, const void *body, uint8_t **out, uint32_t *out_len)
{
	const struct codec_entry *e = lookup(type);
	assert(e);
	*out = NULL;
	*out_len = 0;
	if (!e->desc)
		return 0;
	union pb_storage st;
	assert(e->desc->sizeof_message <= sizeof(st));
	e->desc->message_init(&st.base);
	if (e->to_pb_alloc) {
		int rc = e->to_pb_alloc(body, &st.base);
		if (rc) {
			if (e->pb_release)
				e->pb_release(&st.base);
			return rc;
		}
	} else {
		e->to_pb(body, &st.base);
	}
	size_t len = protobuf_c_message_get_packed_size(&st.base);
	uint8_t *p = len && len <= MSG_META_MAX ? malloc(len) : NULL;
	size_t n = p ? protobuf_c_message_pack(&st.base, p) : 0;
	if (e->pb_release)
		e->pb_release(&st.base);
	if (len > MSG_META_MAX)
		return -EMSGSIZE;
	if (len == 0)
		return 0;
	if (!p)
		return -ENOMEM;
	assert(n == len);
	*out = p;
	*out_len = (uint32_t)len;
	return 0;
}

int msg_codec_decode(uint16_t type, const uint8_t *data, size_t len, void *body)
{
	const struct codec_entry *e = lookup(type);
	if (!e)
		return -EBADMSG;
	if (!e->desc)
		return len == 0 ? 0 : -EBADMSG;
	struct pb_alloc_state st = {false};
	ProtobufCAllocator alloc = {.alloc = pb_alloc, .free = pb_free, .allocator_data = &st};
	ProtobufCMessage *pb = protobuf_c_message_unpack(e->desc, &alloc, len, data);
	if (!pb)
		return st.failed ? -ENOMEM : -EBADMSG;
	int rc = e->from_pb(pb, body);
	protobuf_c_message_free_unpacked(pb, &alloc);
	return rc;
}

void msg_codec_fini(uint16_t type, void *body)
{
	const struct codec_entry *e = lookup(type);
	if (e && e->fini)
		e->fini(body);
}
