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
	MSG_PG_STATS = 0x212,	       /* OSD -> monitors: state and usage of its primary PGs */
	MSG_OSD_OP = 0x220,	       /* client -> primary OSD: steps on one object */
	MSG_OSD_OP_REPLY = 0x221,      /* primary -> client */
	MSG_OSD_REPOP = 0x222,	       /* primary -> replica: one logged write */
	MSG_OSD_REPOP_REPLY = 0x223,   /* replica -> primary: committed */
	MSG_OSD_PG = 0x224,	       /* OSD <-> OSD: peering and recovery (kind) */
	MSG_OSD_PING = 0x225,	       /* OSD <-> OSD: heartbeats */
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

/* ---- OSD ops ---------------------------------------------------------------- */

/* A byte string owned by the message body (malloc'd). */
struct msg_bytes {
	uint8_t *data;
	size_t len;
};

/*
 * One step of an op (codes and semantics: common/osdop.h).  Strings and
 * arrays are owned by the body that holds the step.  In a reply only
 * rval and outdata_len are meaningful.
 */
struct msg_osd_subop {
	uint32_t op;
	uint32_t flags;
	uint64_t off, len, arg;
	char *name;		/* may be NULL (sent as "") */
	struct msg_bytes *keys; /* n_keys */
	struct msg_bytes *vals; /* n_vals */
	uint32_t n_keys, n_vals;
	uint32_t indata_len;
	int64_t rval;		/* 0, -errno, or OSDOP_CMPEXT_MISMATCH(i) */
	uint32_t outdata_len;
};

/* Free what a step owns; the step itself is the caller's. */
void msg_osd_subop_fini(struct msg_osd_subop *op);
/* Deep copy (the reply-side fields too).  0 or -ENOMEM (@dst zeroed). */
int msg_osd_subop_copy(struct msg_osd_subop *dst, const struct msg_osd_subop *src);
/* Set op->name / append one key or value (copied).  0 or -ENOMEM. */
int msg_osd_subop_set_name(struct msg_osd_subop *op, const char *name);
int msg_osd_subop_add_key(struct msg_osd_subop *op, const void *data, size_t len);
int msg_osd_subop_add_val(struct msg_osd_subop *op, const void *data, size_t len);

/* MSG_OSD_OP: input bytes of the steps in the data.  Strings owned (NULL = ""). */
struct msg_osd_op {
	uint64_t tid;
	uint64_t client; /* the client's global id (librados instance id) */
	uint32_t epoch;	 /* the client's osdmap epoch */
	uint32_t flags;	 /* OSDOP_OPF_* */
	int64_t pool;
	uint32_t seed; /* the PG the client computed */
	uint32_t hash; /* the object's placement hash */
	char *nspace, *name, *locator;
	uint32_t attempt; /* resends of this tid so far */
	struct msg_osd_subop *ops;
	uint32_t n_ops;
};

/* Append a zeroed step to @m->ops (returned; NULL on ENOMEM). */
struct msg_osd_subop *msg_osd_op_add(struct msg_osd_subop **ops, uint32_t *n_ops);

/* MSG_OSD_OP_REPLY: output bytes of the steps in the data. */
struct msg_osd_op_reply {
	uint64_t tid;
	int64_t result;	    /* 0, -errno, or OSDOP_CMPEXT_MISMATCH(i) */
	uint32_t epoch;	    /* the OSD's osdmap epoch */
	uint32_t flags;	    /* OSDOP_RF_* */
	uint32_t ver_epoch; /* the object's version after the op */
	uint64_t version;
	struct msg_osd_subop *ops; /* rval, outdata_len */
	uint32_t n_ops;
	uint32_t attempt; /* the request's attempt, echoed (the client counts only its latest) */
};

/*
 * MSG_OSD_REPOP: @entry is the encoded PG log entry; the steps are
 * physical (osdop_is_physical); write data in the data segment.
 */
struct msg_osd_repop {
	int64_t pool;
	uint32_t seed;
	uint32_t epoch;
	uint32_t interval;
	uint64_t tid;
	struct msg_bytes entry;
	uint32_t hash;
	char *nspace, *name;
	struct msg_osd_subop *ops;
	uint32_t n_ops;
	uint32_t trim_epoch;
	uint64_t trim_version;
};

/* MSG_OSD_REPOP_REPLY */
struct msg_osd_repop_reply {
	int64_t pool;
	uint32_t seed;
	uint32_t epoch;
	uint32_t interval;
	uint64_t tid;
	int result;
};

/*
 * MSG_OSD_PG: peering and recovery between OSDs.  What the data holds
 * depends on @kind (osd/osd_pgmsg.h defines the kinds).  keys/vals carry
 * an object's xattrs and omap in pushes.
 */
struct msg_osd_pg {
	uint32_t kind;
	int64_t pool;
	uint32_t seed;
	uint32_t epoch;	   /* the sender's osdmap epoch */
	uint32_t interval; /* same_interval_since the message belongs to */
	int32_t from;
	uint64_t tid;
	int result;
	uint32_t flags;
	uint32_t hash;
	char *nspace, *name; /* owned; NULL = "" */
	uint32_t ver_epoch;
	uint64_t version;
	uint64_t off, size;
	struct msg_bytes *keys, *vals;
	uint32_t n_keys, n_vals;
};

/* Append one key and one value (copied) to a MSG_OSD_PG body.  0 or -ENOMEM. */
int msg_osd_pg_add_kv(struct msg_osd_pg *b, const void *k, size_t klen, const void *v,
		      size_t vlen);

enum { MSG_PING_PING = 1, MSG_PING_REPLY = 2, MSG_PING_YOU_DIED = 3 };

/* MSG_OSD_PING */
struct msg_osd_ping {
	uint32_t op; /* MSG_PING_* */
	int32_t from;
	uint32_t epoch;
	uint64_t stamp; /* echoed in the reply */
};

/* MSG_PG_STATS: one entry per PG the OSD is primary for; arrays owned, n each. */
struct msg_pg_stats {
	int32_t osd;
	uint32_t epoch;
	uint32_t n;
	int64_t *pool;
	uint32_t *seed;
	uint32_t *state;    /* OSDOP_PGS_* bits */
	uint64_t *objects;
	uint64_t *bytes;
	uint32_t *interval; /* same_interval_since of the reported state */
	/* MSG_PG_STATS_IO per PG: reads, bytes read, writes, bytes written (since the OSD started) */
	uint64_t *io;
	uint64_t kb_total, kb_used; /* the OSD's store */
};
#define MSG_PG_STATS_IO 4

/* Allocate the arrays of @b for @n entries (zeroed).  0 or -ENOMEM. */
int msg_pg_stats_alloc(struct msg_pg_stats *b, uint32_t n);

#endif
