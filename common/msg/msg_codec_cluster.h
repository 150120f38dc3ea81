/*
 * msg_codec_cluster.h - protobuf conversions of the cluster messages
 * (msg_types_cluster.h), for the registry in msg_codec.c.  Private to
 * common/msg.
 */
#ifndef CAIRN_MSG_CODEC_CLUSTER_H
#define CAIRN_MSG_CODEC_CLUSTER_H

#include <protobuf-c/protobuf-c.h>

#define CLUSTER_CODEC(n)                                                                           \
	void msg_cl_##n##_to(const void *body, ProtobufCMessage *pb);                              \
	int msg_cl_##n##_from(const ProtobufCMessage *pb, void *body);                             \
	void msg_cl_##n##_fini(void *body);

CLUSTER_CODEC(mon_paxos)
CLUSTER_CODEC(mon_command)
CLUSTER_CODEC(mon_command_reply)
CLUSTER_CODEC(mon_subscribe)
CLUSTER_CODEC(mon_map)
CLUSTER_CODEC(osd_map)
CLUSTER_CODEC(osd_boot)
CLUSTER_CODEC(osd_failure)
CLUSTER_CODEC(mon_sync_req)
CLUSTER_CODEC(mon_sync_chunk)

#undef CLUSTER_CODEC

#endif
