/*
 * msg_types_cluster.h - message ids and bodies of the cluster protocol:
 * monitors among themselves, and clients/OSDs with monitors.
 *
 * Schemas: common/proto/cairn_cluster.proto; conversions:
 * msg_codec_cluster.c.  Included by msg_types.h.  Ids are never reused.
 */
#ifndef CAIRN_MSG_TYPES_CLUSTER_H
#define CAIRN_MSG_TYPES_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

enum msg_cluster_type {
	MSG_MON_PAXOS = 0x200,	       /* monitor <-> monitor: consensus */
	MSG_MON_COMMAND = 0x201,       /* anyone -> monitor: a JSON command, input in data */
	MSG_MON_COMMAND_REPLY = 0x202, /* monitor -> sender: result, status, output in data */
	MSG_MON_SUBSCRIBE = 0x203,     /* anyone -> monitor: send me maps from epoch E */
	MSG_MON_MAP = 0x204,	       /* monitor -> subscriber: the monmap in data */
	MSG_OSD_MAP = 0x205,	       /* monitor -> subscriber: osdmaps in data */
	MSG_MON_SYNC_REQ = 0x206,      /* monitor -> monitor: send me your whole store */
	MSG_MON_SYNC_CHUNK = 0x207,    /* monitor -> monitor: one export chunk in data */
	MSG_OSD_BOOT = 0x210,	       /* OSD -> monitor: I am up at this address */
	MSG_OSD_FAILURE = 0x211,       /* OSD -> monitor: that OSD looks dead */
};

/* MSG_MON_PAXOS: the consensus core's struct mon_msg; the value is the data. */
struct msg_mon_paxos {
	uint32_t op; /* enum mon_msg_type */
	uint32_t flags;
	int32_t from, to;
	uint64_t epoch;
	uint32_t quorum;
	uint64_t pn, version, unc_pn, lc, fc;
	int64_t lease_expiry, round;
};

/* MSG_MON_COMMAND: @cmd is a JSON object with a "prefix" (owned, malloc'd). */
struct msg_mon_command {
	uint64_t tid;
	char *cmd;
};

/* MSG_MON_COMMAND_REPLY: the output is the data. */
struct msg_mon_command_reply {
	uint64_t tid;
	int result;   /* 0 or -errno */
	char *status; /* owned, malloc'd; may be "" */
};

enum {
	MSG_SUB_OSDMAP = 1,
	MSG_SUB_MONMAP = 2,
};
#define MSG_SUB_ONETIME 0x1

/* MSG_MON_SUBSCRIBE: start 0 means "the current map, whole". */
struct msg_mon_subscribe {
	uint32_t what; /* MSG_SUB_* */
	uint32_t start;
	uint32_t flags; /* MSG_SUB_ONETIME */
};

/* MSG_MON_MAP: the encoded monmap (monmap_encode) is the data. */
struct msg_mon_map {
	uint32_t epoch;
};

/*
 * MSG_OSD_MAP: @n maps back to back in the data, in epoch order; map i is
 * @lens[i] bytes, a full map (osdmap_encode) if @full[i], else the
 * incremental (osdmap_inc_encode) producing @epochs[i].  Arrays owned.
 */
struct msg_osd_map {
	uint32_t newest; /* the sender's newest committed epoch */
	uint32_t n;
	uint32_t *epochs;
	uint32_t *lens;
	uint32_t *full; /* non-zero: a full map */
};

/* MSG_MON_SYNC_REQ: a lagging monitor asks a peer for a full store export. */
struct msg_mon_sync_req {
	uint64_t cookie; /* echoed in the chunks */
};

#define MSG_SYNC_LAST 0x1

/* MSG_MON_SYNC_CHUNK: chunk @seq of the export (mon_store_export_next output) is the data. */
struct msg_mon_sync_chunk {
	uint64_t cookie;
	uint32_t seq;
	uint32_t flags; /* MSG_SYNC_LAST on the final chunk */
	int result;	/* non-zero: the export failed; give up this attempt */
};

#define MSG_HOST_MAX 64

/* MSG_OSD_BOOT */
struct msg_osd_boot {
	int32_t osd;
	uint8_t uuid[16];
	char addr[64]; /* "ip:port" it serves on */
	char host[MSG_HOST_MAX];
	uint64_t capacity; /* bytes */
	uint32_t epoch;    /* the newest osdmap it has */
};

#define MSG_FAILURE_REFUSED 0x1

/* MSG_OSD_FAILURE */
struct msg_osd_failure {
	int32_t target;
	int32_t reporter;
	char host[MSG_HOST_MAX]; /* the reporter's host */
	uint32_t flags;		 /* MSG_FAILURE_* */
	uint32_t epoch;
};

#endif
