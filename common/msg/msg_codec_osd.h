/*
 * msg_codec_osd.h - protobuf conversions of the OSD messages, for the
 * registry in msg_codec.c.  Private to common/msg.
 */
#ifndef CAIRN_MSG_CODEC_OSD_H
#define CAIRN_MSG_CODEC_OSD_H

#include <protobuf-c/protobuf-c.h>

/* _to may allocate (0 or -ENOMEM); _release frees it after packing. */
#define OSD_CODEC(n)                                                                               \
	int msg_##n##_to(const void *body, ProtobufCMessage *pb);                                  \
	int msg_##n##_from(const ProtobufCMessage *pb, void *body);

OSD_CODEC(osd_op)
OSD_CODEC(osd_op_reply)
OSD_CODEC(osd_repop)
OSD_CODEC(osd_repop_reply)
OSD_CODEC(osd_pg)
OSD_CODEC(osd_ping)
OSD_CODEC(pg_stats)

#undef OSD_CODEC

void msg_osd_op_release(ProtobufCMessage *pb);
void msg_osd_op_reply_release(ProtobufCMessage *pb);
void msg_osd_repop_release(ProtobufCMessage *pb);
void msg_osd_pg_release(ProtobufCMessage *pb);
void msg_osd_op_fini(void *body);
void msg_osd_op_reply_fini(void *body);
void msg_osd_repop_fini(void *body);
void msg_osd_pg_fini(void *body);
void msg_pg_stats_fini(void *body);

#endif
