/*
 * msg_codec_cluster.c - protobuf conversions of the cluster messages.
 *
 * As in msg_codec.c: *_to fills a protobuf struct that borrows the
 * body's memory; *_from copies out of the unpacked struct with every
 * length and range checked (the sender may be anyone), so the unpacked
 * struct can be freed at once; *_fini frees what a body owns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_cluster.pb-c.h"
#include "msg.h"
#include "msg_codec_cluster.h"

#define CMD_MAX (1u << 20)    /* a JSON command */
#define STATUS_MAX (64u << 10) /* a status line */
#define MAPS_MAX 4096	      /* maps in one MSG_OSD_MAP */

static char *dup_str(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n > max)
		return NULL;
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s ? s : "", n + 1);
	return p;
}

static int copy_fixed(const char *s, char *out, size_t size)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= size)
		return -EBADMSG;
	memcpy(out, s ? s : "", n + 1);
	return 0;
}

void msg_cl_mon_paxos_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_mon_paxos *b = body;
	Cmsg__MonPaxos *pb = (Cmsg__MonPaxos *)pbm;
	pb->op = b->op;
	pb->flags = b->flags;
	pb->from = b->from;
	pb->to = b->to;
	pb->epoch = b->epoch;
	pb->quorum = b->quorum;
	pb->pn = b->pn;
	pb->version = b->version;
	pb->unc_pn = b->unc_pn;
	pb->lc = b->lc;
	pb->fc = b->fc;
	pb->lease_expiry = b->lease_expiry;
	pb->round = b->round;
}

int msg_cl_mon_paxos_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__MonPaxos *pb = (const Cmsg__MonPaxos *)pbm;
	struct msg_mon_paxos *b = body;
	*b = (struct msg_mon_paxos){pb->op,	     pb->flags, pb->from,   pb->to,	pb->epoch,
				    pb->quorum,	     pb->pn,	pb->version, pb->unc_pn, pb->lc,
				    pb->fc,	     pb->lease_expiry, pb->round};
	return 0;
}

void msg_cl_mon_paxos_fini(void *body)
{
	(void)body;
}

void msg_cl_mon_command_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_mon_command *b = body;
	Cmsg__MonCommand *pb = (Cmsg__MonCommand *)pbm;
	pb->tid = b->tid;
	pb->cmd = b->cmd ? b->cmd : (char *)"";
}

int msg_cl_mon_command_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__MonCommand *pb = (const Cmsg__MonCommand *)pbm;
	struct msg_mon_command *b = body;
	b->tid = pb->tid;
	if (strlen(pb->cmd) > CMD_MAX)
		return -EBADMSG;
	b->cmd = dup_str(pb->cmd, CMD_MAX);
	return b->cmd ? 0 : -ENOMEM;
}

void msg_cl_mon_command_fini(void *body)
{
	free(((struct msg_mon_command *)body)->cmd);
}

void msg_cl_mon_command_reply_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_mon_command_reply *b = body;
	Cmsg__MonCommandReply *pb = (Cmsg__MonCommandReply *)pbm;
	pb->tid = b->tid;
	pb->result = (Cmsg__Result)msg_errno_to_result(b->result);
	pb->status = b->status ? b->status : (char *)"";
}

int msg_cl_mon_command_reply_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__MonCommandReply *pb = (const Cmsg__MonCommandReply *)pbm;
	struct msg_mon_command_reply *b = body;
	b->tid = pb->tid;
	b->result = msg_result_to_errno((uint32_t)pb->result);
	if (strlen(pb->status) > STATUS_MAX)
		return -EBADMSG;
	b->status = dup_str(pb->status, STATUS_MAX);
	return b->status ? 0 : -ENOMEM;
}

void msg_cl_mon_command_reply_fini(void *body)
{
	free(((struct msg_mon_command_reply *)body)->status);
}

void msg_cl_mon_subscribe_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_mon_subscribe *b = body;
	Cmsg__MonSubscribe *pb = (Cmsg__MonSubscribe *)pbm;
	pb->what = b->what;
	pb->start = b->start;
	pb->flags = b->flags;
}

int msg_cl_mon_subscribe_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__MonSubscribe *pb = (const Cmsg__MonSubscribe *)pbm;
	struct msg_mon_subscribe *b = body;
	b->what = pb->what;
	b->start = pb->start;
	b->flags = pb->flags;
	return 0;
}

void msg_cl_mon_subscribe_fini(void *body)
{
	(void)body;
}

void msg_cl_mon_map_to(const void *body, ProtobufCMessage *pbm)
{
	((Cmsg__MonMap *)pbm)->epoch = ((const struct msg_mon_map *)body)->epoch;
}

int msg_cl_mon_map_from(const ProtobufCMessage *pbm, void *body)
{
	((struct msg_mon_map *)body)->epoch = ((const Cmsg__MonMap *)pbm)->epoch;
	return 0;
}

void msg_cl_mon_map_fini(void *body)
{
	(void)body;
}

void msg_cl_osd_map_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_map *b = body;
	Cmsg__OsdMap *pb = (Cmsg__OsdMap *)pbm;
	pb->newest = b->newest;
	pb->n_epochs = pb->n_lens = pb->n_full = b->n;
	pb->epochs = b->epochs;
	pb->lens = b->lens;
	pb->full = b->full;
}

void msg_cl_osd_map_fini(void *body);

int msg_cl_osd_map_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdMap *pb = (const Cmsg__OsdMap *)pbm;
	struct msg_osd_map *b = body;
	if (pb->n_epochs != pb->n_lens || pb->n_epochs != pb->n_full || pb->n_epochs > MAPS_MAX)
		return -EBADMSG;
	b->newest = pb->newest;
	b->n = (uint32_t)pb->n_epochs;
	if (b->n == 0)
		return 0;
	b->epochs = malloc(b->n * sizeof(uint32_t));
	b->lens = malloc(b->n * sizeof(uint32_t));
	b->full = malloc(b->n * sizeof(uint32_t));
	if (!b->epochs || !b->lens || !b->full) {
		msg_cl_osd_map_fini(b); /* the contract: nothing left to free on error */
		memset(b, 0, sizeof(*b));
		return -ENOMEM;
	}
	memcpy(b->epochs, pb->epochs, b->n * sizeof(uint32_t));
	memcpy(b->lens, pb->lens, b->n * sizeof(uint32_t));
	memcpy(b->full, pb->full, b->n * sizeof(uint32_t));
	return 0;
}

void msg_cl_osd_map_fini(void *body)
{
	struct msg_osd_map *b = body;
	free(b->epochs);
	free(b->lens);
	free(b->full);
}

void msg_cl_osd_boot_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_boot *b = body;
	Cmsg__OsdBoot *pb = (Cmsg__OsdBoot *)pbm;
	pb->osd = b->osd;
	pb->uuid.len = 16;
	pb->uuid.data = (uint8_t *)b->uuid;
	pb->addr = (char *)b->addr;
	pb->host = (char *)b->host;
	pb->capacity = b->capacity;
	pb->epoch = b->epoch;
}

int msg_cl_osd_boot_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdBoot *pb = (const Cmsg__OsdBoot *)pbm;
	struct msg_osd_boot *b = body;
	if (pb->uuid.len != 16 || pb->osd < 0)
		return -EBADMSG;
	b->osd = pb->osd;
	memcpy(b->uuid, pb->uuid.data, 16);
	b->capacity = pb->capacity;
	b->epoch = pb->epoch;
	if (copy_fixed(pb->addr, b->addr, sizeof(b->addr)) ||
	    copy_fixed(pb->host, b->host, sizeof(b->host)))
		return -EBADMSG;
	return 0;
}

void msg_cl_osd_boot_fini(void *body)
{
	(void)body;
}

void msg_cl_osd_failure_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_osd_failure *b = body;
	Cmsg__OsdFailure *pb = (Cmsg__OsdFailure *)pbm;
	pb->target = b->target;
	pb->reporter = b->reporter;
	pb->host = (char *)b->host;
	pb->flags = b->flags;
	pb->epoch = b->epoch;
}

int msg_cl_osd_failure_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__OsdFailure *pb = (const Cmsg__OsdFailure *)pbm;
	struct msg_osd_failure *b = body;
	if (pb->target < 0 || pb->reporter < 0)
		return -EBADMSG;
	b->target = pb->target;
	b->reporter = pb->reporter;
	b->flags = pb->flags;
	b->epoch = pb->epoch;
	return copy_fixed(pb->host, b->host, sizeof(b->host));
}

void msg_cl_osd_failure_fini(void *body)
{
	(void)body;
}

void msg_cl_mon_sync_req_to(const void *body, ProtobufCMessage *pbm)
{
	((Cmsg__MonSyncReq *)pbm)->cookie = ((const struct msg_mon_sync_req *)body)->cookie;
}

int msg_cl_mon_sync_req_from(const ProtobufCMessage *pbm, void *body)
{
	((struct msg_mon_sync_req *)body)->cookie = ((const Cmsg__MonSyncReq *)pbm)->cookie;
	return 0;
}

void msg_cl_mon_sync_req_fini(void *body)
{
	(void)body;
}

void msg_cl_mon_sync_chunk_to(const void *body, ProtobufCMessage *pbm)
{
	const struct msg_mon_sync_chunk *b = body;
	Cmsg__MonSyncChunk *pb = (Cmsg__MonSyncChunk *)pbm;
	pb->cookie = b->cookie;
	pb->seq = b->seq;
	pb->flags = b->flags;
	pb->result = (Cmsg__Result)msg_errno_to_result(b->result);
}

int msg_cl_mon_sync_chunk_from(const ProtobufCMessage *pbm, void *body)
{
	const Cmsg__MonSyncChunk *pb = (const Cmsg__MonSyncChunk *)pbm;
	struct msg_mon_sync_chunk *b = body;
	b->cookie = pb->cookie;
	b->seq = pb->seq;
	b->flags = pb->flags;
	b->result = msg_result_to_errno((uint32_t)pb->result);
	return 0;
}

void msg_cl_mon_sync_chunk_fini(void *body)
{
	(void)body;
}
