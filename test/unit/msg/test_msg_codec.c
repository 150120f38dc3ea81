/*
 * test_msg_codec.c - frame header, banner, registry and codec round trips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit.h"
#include "crc32c.h"
#include "enc.h"
#include "msg_codec.h"
#include "msg_frame.h"
#include "msg_int.h"

#define MAXF (64u << 20)

/* Fill a body of @type with recognisable values. */
static void fill(struct msg *m, unsigned salt)
{
	void *b = msg_body(m);
	switch (msg_type(m)) {
	case MSG_T_HELLO: {
		struct msg_hello *h = b;
		h->entity_type = ENT_TYPE_OSD;
		snprintf(h->entity_id, sizeof(h->entity_id), "%u", salt);
		snprintf(h->fsid, sizeof(h->fsid), "fsid-%u", salt);
		h->features_supported = 0xf0f0 + salt;
		h->features_required = 1;
		snprintf(h->peer_addr, sizeof(h->peer_addr), "127.0.0.1:%u", 1000 + salt);
		break;
	}
	case MSG_T_AUTH_REQUEST: {
		struct msg_auth_request *r = b;
		r->n_methods = 2;
		r->methods[0] = 2;
		r->methods[1] = 1;
		r->method = 1;
		r->payload = malloc(5);
		memcpy(r->payload, "hello", 5);
		r->payload_len = 5;
		break;
	}
	case MSG_T_AUTH_REPLY: {
		struct msg_auth_reply *r = b;
		r->method = 2;
		r->payload = malloc(3);
		memcpy(r->payload, "abc", 3);
		r->payload_len = 3;
		break;
	}
	case MSG_T_AUTH_DONE: {
		struct msg_auth_done *d = b;
		d->method = 1;
		d->result = -EACCES;
		break;
	}
	case MSG_T_SESSION_REQUEST: {
		struct msg_session_request *r = b;
		r->cookie = 0x1234567890abcdefULL + salt;
		r->connect_seq = 7;
		r->in_seq = 99;
		r->lossy = true;
		r->resume = true;
		break;
	}
	case MSG_T_SESSION_READY: {
		struct msg_session_ready *r = b;
		r->in_seq = 1ULL << 40;
		r->reset = true;
		break;
	}
	case MSG_T_KEEPALIVE:
	case MSG_T_KEEPALIVE_ACK:
		((struct msg_keepalive *)b)->stamp_ns = 123456789 + salt;
		break;
	case MSG_ECHO: {
		struct msg_echo *e = b;
		e->tid = salt;
		e->stamp_ns = 42;
		e->flags = MSG_ECHO_F_RETURN_DATA;
		break;
	}
	case MSG_ECHO_REPLY: {
		struct msg_echo_reply *e = b;
		e->tid = salt;
		e->stamp_ns = 43;
		e->data_len = 4096;
		e->result = -ENOENT;
		break;
	}
	case MSG_TEST: {
		struct msg_test *t = b;
		t->name = strdup("a name");
		t->n_values = 3;
		t->values = malloc(3 * sizeof(uint64_t));
		t->values[0] = 0;
		t->values[1] = UINT64_MAX;
		t->values[2] = salt;
		t->blob = malloc(4);
		memcpy(t->blob, "\0\1\2\3", 4);
		t->blob_len = 4;
		t->delta = -5;
		t->result = -EEXIST;
		break;
	}
	case MSG_MON_PAXOS: {
		struct msg_mon_paxos *x = b;
		*x = (struct msg_mon_paxos){7, 3, 1, 2, 1ULL << 33, 0x7, 99 + salt, 5, 4, 3, 2, -1, 123};
		break;
	}
	case MSG_MON_COMMAND: {
		struct msg_mon_command *x = b;
		x->tid = salt;
		x->cmd = strdup("{\"prefix\": \"osd dump\"}");
		break;
	}
	case MSG_MON_COMMAND_REPLY: {
		struct msg_mon_command_reply *x = b;
		x->tid = salt;
		x->result = -ENOENT;
		x->status = strdup("unrecognized pool 'x'");
		break;
	}
	case MSG_MON_SUBSCRIBE: {
		struct msg_mon_subscribe *x = b;
		x->what = MSG_SUB_OSDMAP;
		x->start = 17;
		x->flags = MSG_SUB_ONETIME;
		break;
	}
	case MSG_MON_MAP:
		((struct msg_mon_map *)b)->epoch = 3;
		break;
	case MSG_OSD_MAP: {
		struct msg_osd_map *x = b;
		x->newest = 9;
		x->n = 2;
		x->epochs = malloc(2 * sizeof(uint32_t));
		x->lens = malloc(2 * sizeof(uint32_t));
		x->full = malloc(2 * sizeof(uint32_t));
		x->epochs[0] = 8;
		x->epochs[1] = 9;
		x->lens[0] = 2500;
		x->lens[1] = 2500;
		x->full[0] = 1;
		x->full[1] = 0;
		break;
	}
	case MSG_OSD_BOOT: {
		struct msg_osd_boot *x = b;
		x->osd = 3;
		memset(x->uuid, 0xab, 16);
		strcpy(x->addr, "127.0.0.1:6800");
		strcpy(x->host, "node1");
		x->capacity = 1ULL << 40;
		x->epoch = salt;
		break;
	}
	case MSG_MON_SYNC_REQ:
		((struct msg_mon_sync_req *)b)->cookie = 0xfeedULL + salt;
		break;
	case MSG_MON_SYNC_CHUNK: {
		struct msg_mon_sync_chunk *x = b;
		x->cookie = 77;
		x->seq = salt;
		x->flags = MSG_SYNC_LAST;
		x->result = -EIO;
		break;
	}
	case MSG_OSD_FAILURE: {
		struct msg_osd_failure *x = b;
		x->target = 4;
		x->reporter = 1;
		strcpy(x->host, "node2");
		x->flags = MSG_FAILURE_REFUSED;
		x->epoch = 12;
		break;
	}
	default:
		break;
	}
}

static void check_same(struct msg *a, struct msg *b)
{
	ck_assert_uint_eq(msg_type(a), msg_type(b));
	void *x = msg_body(a), *y = msg_body(b);
	switch (msg_type(a)) {
	case MSG_T_AUTH_REQUEST: {
		struct msg_auth_request *p = x, *q = y;
		ck_assert_uint_eq(p->n_methods, q->n_methods);
		ck_assert_mem_eq(p->methods, q->methods, p->n_methods * sizeof(uint32_t));
		ck_assert_uint_eq(p->payload_len, q->payload_len);
		ck_assert_mem_eq(p->payload, q->payload, p->payload_len);
		break;
	}
	case MSG_T_AUTH_REPLY: {
		struct msg_auth_reply *p = x, *q = y;
		ck_assert_uint_eq(p->method, q->method);
		ck_assert_mem_eq(p->payload, q->payload, p->payload_len);
		break;
	}
	case MSG_T_AUTH_DONE: {
		struct msg_auth_done *p = x, *q = y;
		ck_assert_uint_eq(p->method, q->method);
		ck_assert_int_eq(p->result, q->result);
		ck_assert_uint_eq(q->payload_len, 0);
		break;
	}
	case MSG_TEST: {
		struct msg_test *p = x, *q = y;
		ck_assert_str_eq(p->name, q->name);
		ck_assert_uint_eq(p->n_values, q->n_values);
		ck_assert_mem_eq(p->values, q->values, p->n_values * sizeof(uint64_t));
		ck_assert_uint_eq(p->blob_len, q->blob_len);
		ck_assert_mem_eq(p->blob, q->blob, p->blob_len);
		ck_assert_int_eq(p->delta, q->delta);
		ck_assert_int_eq(p->result, q->result);
		break;
	}
	case MSG_MON_COMMAND: {
		struct msg_mon_command *p = x, *q = y;
		ck_assert_uint_eq(p->tid, q->tid);
		ck_assert_str_eq(p->cmd, q->cmd);
		break;
	}
	case MSG_MON_COMMAND_REPLY: {
		struct msg_mon_command_reply *p = x, *q = y;
		ck_assert_uint_eq(p->tid, q->tid);
		ck_assert_int_eq(p->result, q->result);
		ck_assert_str_eq(p->status, q->status);
		break;
	}
	case MSG_OSD_MAP: {
		struct msg_osd_map *p = x, *q = y;
		ck_assert_uint_eq(p->newest, q->newest);
		ck_assert_uint_eq(p->n, q->n);
		ck_assert_mem_eq(p->epochs, q->epochs, p->n * sizeof(uint32_t));
		ck_assert_mem_eq(p->lens, q->lens, p->n * sizeof(uint32_t));
		ck_assert_mem_eq(p->full, q->full, p->n * sizeof(uint32_t));
		break;
	}
	default:
		/* Bodies without pointers compare bytewise. */
		ck_assert_mem_eq(x, y, msg_codec_body_size(msg_type(a)));
		break;
	}
	ck_assert(buflist_equal(msg_data(a), msg_data(b)));
}

START_TEST(test_roundtrip_every_type)
{
	size_t n;
	const uint16_t *types = msg_codec_types(&n);
	ck_assert_uint_ge(n, 12);
	for (size_t i = 0; i < n; i++) {
		struct msg *m = msg_alloc(types[i]);
		ck_assert_ptr_nonnull(m);
		ck_assert_ptr_nonnull(msg_type_name(types[i]));
		fill(m, (unsigned)i);
		bool user = types[i] >= MSG_TYPE_USER_MIN;
		if (user) {
			char data[5000];
			for (size_t k = 0; k < sizeof(data); k++)
				data[k] = (char)(k * 7 + i);
			ck_assert_int_eq(buflist_append_copy(msg_data(m), data, 3000), 0);
			ck_assert_int_eq(buflist_append_copy(msg_data(m), data + 3000, 2000), 0);
		}
		struct buf out = BUF_INIT;
		ck_assert_int_eq(msg_frame_encode(m, 1, user ? 5 + i : 0, 3, &out), 0);
		struct msg *d = NULL;
		struct msg_frame_hdr h;
		size_t used = 0;
		const char *why = NULL;
		int rc = msg_frame_decode(out.data, out.len, 1, MAXF, &d, &h, &used, &why);
		ck_assert_msg(rc == 0, "type %s: %d %s", msg_type_name(types[i]), rc, why);
		ck_assert_uint_eq(used, out.len);
		ck_assert_uint_eq(h.ack, 3);
		ck_assert_uint_eq(h.seq, user ? 5 + i : 0);
		/* OSD bodies hold strings and step arrays: test_msg_osd.c compares them field by field. */
		if (types[i] != MSG_PG_STATS && (types[i] < MSG_OSD_OP || types[i] > MSG_OSD_PING))
			check_same(m, d);
		if (user)
			ck_assert_uint_eq((uintptr_t)bufraw_data(msg_data(d)->segs[0].raw) % 4096,
					  0);
		/* Every truncation is "need more", never an error or a crash. */
		for (size_t cut = 0; cut < out.len; cut += 97) {
			struct msg *t = NULL;
			ck_assert_int_eq(
			    msg_frame_decode(out.data, cut, 1, MAXF, &t, &h, &used, &why), -EAGAIN);
		}
		msg_put(d);
		msg_put(m);
		buf_fini(&out);
	}
}
END_TEST

static void encode_echo(struct buf *out)
{
	struct msg *m = msg_create(MSG_ECHO);
	ck_assert_ptr_nonnull(m);
	fill(m, 1);
	ck_assert_int_eq(buflist_append_copy(msg_data(m), "payload", 7), 0);
	ck_assert_int_eq(msg_frame_encode(m, 1, 1, 0, out), 0);
	msg_put(m);
}

static int decode_err(struct buf *b, uint64_t maxf, const char **why)
{
	struct msg *m = NULL;
	struct msg_frame_hdr h;
	size_t used;
	int rc = msg_frame_decode(b->data, b->len, 1, maxf, &m, &h, &used, why);
	msg_put(m);
	return rc;
}

static void reseal(struct buf *b)
{
	enc_put_le32(b->data + 44, crc32c(0, b->data, 44));
}

START_TEST(test_header_validation)
{
	struct buf b = BUF_INIT;
	const char *why;
	encode_echo(&b);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), 0);

	b.data[0] ^= 1; /* magic */
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad frame magic");
	b.data[0] ^= 1;

	b.data[20] ^= 1; /* seq without resealing */
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad header crc");
	b.data[20] ^= 1;

	enc_put_le32(b.data + 8, 0x80); /* unknown flag */
	reseal(&b);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "unknown frame flags");
	enc_put_le32(b.data + 8, 0);

	enc_put_le16(b.data + 6, 0x7777); /* unknown type */
	reseal(&b);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "unknown message type");
	enc_put_le16(b.data + 6, MSG_ECHO);

	enc_put_le32(b.data + 32, 0xfffffff0u); /* oversize data */
	reseal(&b);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "frame larger than ms_max_frame_size");
	enc_put_le32(b.data + 32, 7);
	reseal(&b);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), 0);

	enc_put_le16(b.data + 4, 9); /* version */
	reseal(&b);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	enc_put_le16(b.data + 4, 1);
	reseal(&b);

	b.data[b.len - 1] ^= 0xff; /* data crc */
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad data crc");
	b.data[b.len - 1] ^= 0xff;

	b.data[MSG_FRAME_HDR_LEN] ^= 0xff; /* meta crc */
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "bad metadata crc");
	b.data[MSG_FRAME_HDR_LEN] ^= 0xff;

	/* Garbage metadata with a matching crc: undecodable, not a crash. */
	uint32_t ml = enc_get_le32(b.data + 12);
	memset(b.data + MSG_FRAME_HDR_LEN, 0xff, ml);
	enc_put_le32(b.data + 36, crc32c(0, b.data + MSG_FRAME_HDR_LEN, ml));
	reseal(&b);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	ck_assert_str_eq(why, "undecodable metadata");
	buf_fini(&b);
}
END_TEST

START_TEST(test_control_rules)
{
	struct msg *m = msg_alloc(MSG_T_KEEPALIVE);
	struct buf b = BUF_INIT;
	const char *why;
	ck_assert_int_eq(msg_frame_encode(m, 1, 5, 0, &b), 0); /* control with a seq */
	ck_assert_int_eq(decode_err(&b, MAXF, &why), -EBADMSG);
	buf_reset(&b);
	ck_assert_int_eq(msg_frame_encode(m, 1, 0, 0, &b), 0);
	ck_assert_int_eq(decode_err(&b, MAXF, &why), 0);
	msg_put(m);
	buf_fini(&b);

	/* A message without a seq is as wrong as a control frame with one. */
	struct buf e = BUF_INIT;
	m = msg_create(MSG_ECHO);
	ck_assert_int_eq(msg_frame_encode(m, 1, 0, 0, &e), 0);
	ck_assert_int_eq(decode_err(&e, MAXF, &why), -EBADMSG);
	msg_put(m);
	buf_fini(&e);
}
END_TEST

START_TEST(test_banner)
{
	uint8_t b[MSG_BANNER_LEN];
	uint16_t v;
	const char *why;
	msg_banner_encode(b);
	ck_assert_int_eq(msg_banner_decode(b, &v, &why), 0);
	ck_assert_uint_eq(v, MSG_PROTO_VERSION_MAX);
	b[0] = 'X';
	ck_assert_int_eq(msg_banner_decode(b, &v, &why), -EPROTO);
	msg_banner_encode(b);
	enc_put_le16(b + 8, 5); /* a peer that only speaks 5..1: nonsense range */
	ck_assert_int_eq(msg_banner_decode(b, &v, &why), -EPROTO);
	enc_put_le16(b + 8, 2);
	enc_put_le16(b + 10, 3); /* only newer versions */
	ck_assert_int_eq(msg_banner_decode(b, &v, &why), -EPROTO);
}
END_TEST

START_TEST(test_result_errno)
{
	/* Every wire value maps to an errno and back to itself. */
	for (uint32_t r = 0; r <= 38; r++) {
		int e = msg_result_to_errno(r);
		if (r == 1) {
			ck_assert_int_eq(e, -EIO);
			continue;
		}
		ck_assert_uint_eq(msg_errno_to_result(e), r);
	}
	ck_assert_int_eq(msg_result_to_errno(9999), -EIO);
	ck_assert_uint_eq(msg_errno_to_result(-ECHILD), 1);
	ck_assert_uint_eq(msg_errno_to_result(0), 0);
	ck_assert_uint_eq(msg_errno_to_result(ENOENT), msg_errno_to_result(-ENOENT));
}
END_TEST

START_TEST(test_alloc_failure)
{
	struct msg *m = msg_create(MSG_TEST);
	fill(m, 3);
	struct buf b = BUF_INIT;
	ck_assert_int_eq(msg_frame_encode(m, 1, 1, 0, &b), 0);
	const uint8_t *meta = b.data + MSG_FRAME_HDR_LEN;
	uint32_t ml = enc_get_le32(b.data + 12);
	/* Fail each protobuf allocation in turn: -ENOMEM, no leak (ASan checks). */
	bool saw_enomem = false;
	for (unsigned nth = 1; nth < 10; nth++) {
		struct msg_test body;
		memset(&body, 0, sizeof(body));
		msg_codec_inject_alloc_failure(nth);
		int rc = msg_codec_decode(MSG_TEST, meta, ml, &body);
		msg_codec_inject_alloc_failure(0);
		ck_assert(rc == 0 || rc == -ENOMEM);
		saw_enomem |= rc == -ENOMEM;
		if (rc == 0)
			msg_codec_fini(MSG_TEST, &body);
	}
	ck_assert(saw_enomem);
	msg_put(m);
	buf_fini(&b);
}
END_TEST

START_TEST(test_range_checks)
{
	/* A HELLO whose entity id does not fit our struct is refused. */
	struct msg *m = msg_alloc(MSG_T_AUTH_REQUEST);
	struct msg_auth_request *r = msg_body(m);
	r->n_methods = MSG_AUTH_METHODS_MAX;
	struct buf b = BUF_INIT;
	ck_assert_int_eq(msg_frame_encode(m, 1, 0, 0, &b), 0);
	const char *why;
	ck_assert_int_eq(decode_err(&b, MAXF, &why), 0);
	msg_put(m);
	buf_fini(&b);
	ck_assert_ptr_null(msg_type_name(0x7777));
	ck_assert(!msg_codec_known(0));
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("msg_codec");
	TCase *tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_roundtrip_every_type);
	tcase_add_test(tc, test_alloc_failure);
	tcase_add_test(tc, test_range_checks);
	suite_add_tcase(s, tc);
	tc = tcase_create("validation");
	tcase_add_test(tc, test_header_validation);
	tcase_add_test(tc, test_control_rules);
	tcase_add_test(tc, test_banner);
	suite_add_tcase(s, tc);
	tc = tcase_create("results");
	tcase_add_test(tc, test_result_errno);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(codec_suite)
