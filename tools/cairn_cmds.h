/*
 * cairn_cmds.h - the `cairn` CLI's command table: turns words typed by an
 * operator ("osd pool create rbd 64") into the JSON command the monitors
 * take ({"prefix": "osd pool create", "pool": "rbd", "pg_num": 64}),
 * following the same prefixes and argument names as Ceph's CLI so that
 * scripts and `rados_mon_command` callers see one vocabulary.
 */
#ifndef CAIRN_TOOLS_CMDS_H
#define CAIRN_TOOLS_CMDS_H

#include <stddef.h>

#include "common/buf.h"

/*
 * Match @words against the table and append the JSON command to @out.
 * Flags among the words: --yes-i-really-really-mean-it, --size N (pool
 * create), --format F is handled by the caller.  0, or -EINVAL with a
 * message in @err naming the problem (unknown command, missing or bad
 * argument) and the expected usage.
 */
int cairn_cmd_to_json(int nwords, char **words, const char *format, struct buf *out, char *err,
		      size_t errlen);

/* Print every command's usage line to @out (for --help). */
void cairn_cmd_usage(struct buf *out);

#endif
