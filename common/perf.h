/*
 * perf.h - performance counters, dumped by the admin socket's
 * "perf dump" as {"<group>": {"<counter>": value, ...}, ...}.
 *
 * A group is a fixed array of named 64-bit counters created once by a
 * module.  Updates are relaxed atomics: cheap on any thread.  Groups
 * register in a process-wide list (a mutex guards the list, not the
 * counters).
 */
#ifndef CAIRN_PERF_H
#define CAIRN_PERF_H

#include <stdatomic.h>
#include <stdint.h>

#include "json.h"

struct perf_group;

/*
 * A group @name with @n counters named @names (borrowed: string
 * literals).  Registered until perf_group_destroy.  NULL on OOM.
 */
struct perf_group *perf_group_create(const char *name, const char *const *names, unsigned n);
void perf_group_destroy(struct perf_group *g);

void perf_inc(struct perf_group *g, unsigned idx, uint64_t by);
void perf_set(struct perf_group *g, unsigned idx, uint64_t v);
uint64_t perf_get(const struct perf_group *g, unsigned idx);

/* Write every registered group as one JSON object onto @w. */
void perf_dump(struct json_w *w);

#endif
