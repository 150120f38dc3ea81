/*
 * monmap.h - the monitor map: which monitors exist, their ranks,
 * addresses and election weights.
 *
 * The initial map comes from the configuration (monmap_from_cfg):
 * `mon_host` lists the addresses in rank order; `[mon.X]` sections name
 * them (`mon_addr`) and weight them (`mon_weight`).  Monitors without a
 * section are named a, b, c... in rank order, skipping names in use.
 * With no mon_host, the [mon.X] sections that have a mon_addr make the
 * map, in file order.
 *
 * A small value type: it lives on the stack or inside other structs.
 */
#ifndef CAIRN_MONMAP_H
#define CAIRN_MONMAP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"

struct cfg;

#define MONMAP_MAX_MONS 16
/* The port a monitor address without one gets. */
#define MONMAP_DEFAULT_PORT 6789

struct monmap_mon {
	char name[ENT_ID_MAX + 1]; /* "a", the id of "mon.a" */
	struct net_addr addr;
	uint32_t weight;
};

struct monmap {
	uint8_t fsid[16];
	uint32_t epoch;
	uint64_t created;  /* ns since the Unix epoch */
	uint64_t modified; /* ns since the Unix epoch */
	uint32_t n;
	struct monmap_mon mons[MONMAP_MAX_MONS]; /* index = rank */
};

/*
 * Build the initial map (epoch 1) from @c.  -EINVAL with @err when there
 * are no monitors, too many, duplicate names or addresses, or a bad
 * mon_addr.
 */
int monmap_from_cfg(const struct cfg *c, const uint8_t fsid[16], struct monmap *out, char *err,
		    size_t errlen);
/* Rank of the monitor named @name, or -ENOENT. */
int monmap_rank_by_name(const struct monmap *m, const char *name);
/* Rank of the monitor at @addr, or -ENOENT. */
int monmap_rank_by_addr(const struct monmap *m, const struct net_addr *addr);

int monmap_encode(const struct monmap *m, struct buf *out);
int monmap_decode(const uint8_t *data, size_t len, struct monmap *out, char *err, size_t errlen);

#endif
