/*
 * msg_types.h - message type ids and the plain C bodies of messages.
 *
 * Every message on the wire has a 16-bit type id.  Ids below
 * MSG_TYPE_USER_MIN are the messenger's own control frames (handshake,
 * acks, keepalives) and never reach handlers.  Ids from MSG_TYPE_USER_MIN
 * up are sequenced messages dispatched to registered handlers.
 *
 * Each message type has a body struct below; the codec (msg_codec.c)
 * converts it to and from its protobuf schema in common/proto/, so no
 * other module sees protobuf.  Bulk data is not part of a body: it is the
 * message's data buflist (msg_data()), sent as the frame's raw data
 * segment.
 *
 * Adding a message type: a `message` in common/proto/cairn_msg.proto, an
 * id and a body struct here, a codec entry in msg_codec.c (to_pb,
 * from_pb, fini).  Ids are never reused.
 */
#ifndef CAIRN_MSG_TYPES_H
#define CAIRN_MSG_TYPES_H

#include <stddef.h>
#include <stdint.h>

enum msg_type {
	/* Control frames: handled inside the messenger. */
	MSG_T_HELLO = 0x01,
	MSG_T_AUTH_REQUEST = 0x02,
	MSG_T_AUTH_REPLY = 0x03,
	MSG_T_AUTH_DONE = 0x04,
	MSG_T_SESSION_REQUEST = 0x05,
	MSG_T_SESSION_READY = 0x06,
	MSG_T_ACK = 0x07, /* no body: the header's ack field is the payload */
	MSG_T_KEEPALIVE = 0x08,
	MSG_T_KEEPALIVE_ACK = 0x09,

	MSG_TYPE_USER_MIN = 0x100,
	/* Messages. */
	MSG_ECHO = 0x100,
	MSG_ECHO_REPLY = 0x101,
	MSG_TEST = 0x102,

	MSG_TYPE_MAX = 0xffff,
};

/* MSG_ECHO: a request to be answered with MSG_ECHO_REPLY. */
struct msg_echo {
	uint64_t tid;
	uint64_t stamp_ns;
	uint32_t flags; /* MSG_ECHO_F_* */
};

enum {
	MSG_ECHO_F_RETURN_DATA = 0x1, /* the reply carries the request's data */
};

/* MSG_ECHO_REPLY */
struct msg_echo_reply {
	uint64_t tid;
	uint64_t stamp_ns;
	uint64_t data_len; /* bytes of data the request carried */
	int result;	   /* 0 or -errno */
};

/*
 * MSG_TEST: exercises every field kind of the codec.  Strings and arrays
 * are owned by the message (malloc'd; freed with it).  Set them with
 * msg_test_set_*() or by assigning malloc'd memory.
 */
struct msg_test {
	char *name;	  /* NUL-terminated, may be NULL (sent as "") */
	uint64_t *values; /* n_values entries */
	size_t n_values;
	uint8_t *blob; /* small bytes, not bulk data */
	size_t blob_len;
	int64_t delta;
	int result; /* 0 or -errno */
};

/* The cluster protocol: monitors, OSDs, clients. */
#include "msg_types_cluster.h"

#endif
