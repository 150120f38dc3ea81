/*
 * log.h - leveled logging with per-subsystem debug levels.
 *
 * Every subsystem has a level, set from the `debug_<subsys>` option in the
 * Ceph form "N" or "N/M" (N is the level written to the log; M, the level
 * Ceph keeps in memory, is accepted and ignored).  A message at level L is
 * written when L <= N.  Errors are level -1 and warnings level 0, so they
 * are always written; info is 1; debug chatter uses 5, 10, 20.
 *
 * The macros test the level before evaluating their arguments, so a
 * disabled debug line costs one relaxed atomic load and a compare.
 *
 * Output goes to stderr unless log_open() names a file.  Each line is
 *   2026-11-22T10:11:12.123456+0000 <tid> <subsys> <level> <message>
 * and is written with a single write(2), so lines from threads and from
 * processes sharing the file never interleave.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "compiler.h"

/* X(UPPER, lower, default "N/M") - one line per subsystem. */
#define LOG_SUBSYS_LIST(X)                                                                         \
	X(NONE, none, "0/5")                                                                       \
	X(CONTEXT, context, "0/5")                                                                 \
	X(CFG, config, "0/5")                                                                      \
	X(EV, ev, "0/5")                                                                           \
	X(WQ, wq, "0/5")                                                                           \
	X(MS, ms, "0/5")                                                                           \
	X(AUTH, auth, "1/5")                                                                       \
	X(MON, mon, "1/5")                                                                         \
	X(PAXOS, paxos, "1/5")                                                                     \
	X(OSD, osd, "1/5")                                                                         \
	X(STORE, bluestore, "1/5")                                                                 \
	X(ROCKSDB, rocksdb, "1/5")                                                                 \
	X(CRUSH, crush, "1/5")                                                                     \
	X(RADOS, rados, "0/5")                                                                     \
	X(OBJECTER, objecter, "0/5")                                                               \
	X(ASOK, asok, "1/5")                                                                       \
	X(TOOL, tool, "1/5")

enum log_subsys {
#define LOG_X_ENUM(up, low, def) LOG_##up,
	LOG_SUBSYS_LIST(LOG_X_ENUM)
#undef LOG_X_ENUM
	LOG__SUBSYS_COUNT
};

enum {
	LOG_LVL_ERR = -1,
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO = 1,
};

extern _Atomic int log_levels[LOG__SUBSYS_COUNT];

static inline bool log_enabled(enum log_subsys sub, int level)
{
	return level <= atomic_load_explicit(&log_levels[sub], memory_order_relaxed);
}

/* Write one line unconditionally.  Use the macros below instead. */
void log_emit(enum log_subsys sub, int level, const char *fmt, ...) CAIRN_PRINTF(3, 4);
void log_emitv(enum log_subsys sub, int level, const char *fmt, va_list ap) CAIRN_PRINTF(3, 0);

#define log_at(sub, level, ...)                                                                    \
	do {                                                                                       \
		if (log_enabled((sub), (level)))                                                   \
			log_emit((sub), (level), __VA_ARGS__);                                     \
	} while (0)

#define log_err(sub, ...) log_at(sub, LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(sub, ...) log_at(sub, LOG_LVL_WARN, __VA_ARGS__)
#define log_info(sub, ...) log_at(sub, LOG_LVL_INFO, __VA_ARGS__)
#define log_dbg(sub, level, ...) log_at(sub, level, __VA_ARGS__)

/*
 * Rate limiting for hot-path errors: at most @burst lines per @interval_s
 * seconds per call site; the first line after a quiet period says how many
 * were suppressed.
 */
struct log_ratelimit {
	_Atomic unsigned long long window_start_ns;
	_Atomic unsigned count;
	_Atomic unsigned suppressed;
};
#define LOG_RATELIMIT_INIT {0, 0, 0}
bool log_ratelimit_pass(struct log_ratelimit *rl, unsigned burst, unsigned interval_s,
			unsigned *out_suppressed);

#define log_err_rl(sub, ...)                                                                       \
	do {                                                                                       \
		static struct log_ratelimit rl__ = LOG_RATELIMIT_INIT;                             \
		unsigned sup__;                                                                    \
		if (log_ratelimit_pass(&rl__, 10, 5, &sup__)) {                                    \
			if (sup__)                                                                 \
				log_err(sub, "(%u similar messages suppressed)", sup__);           \
			log_err(sub, __VA_ARGS__);                                                 \
		}                                                                                  \
	} while (0)

/* Subsystem names, as in the debug_<name> options. */
const char *log_subsys_name(enum log_subsys sub);
/* The subsystem called @name, or -ENOENT. */
int log_subsys_lookup(const char *name);

/*
 * Parse "N" or "N/M" (N, M in -1..99) and set @sub's level to N.
 * Returns 0 or -EINVAL (the level is unchanged).
 */
int log_set_level_str(enum log_subsys sub, const char *spec);
void log_set_level(enum log_subsys sub, int level);
int log_get_level(enum log_subsys sub);

/*
 * Send output to @path (appending, created 0644), or back to stderr when
 * @path is NULL or "".  Returns 0 or -errno (output is unchanged on error).
 * Calling it again with the same path reopens the file (log rotation).
 */
int log_open(const char *path);
/* Flush and close a log file; output returns to stderr. */
void log_close(void);

/* Also copy every line to stderr while a file is open (default off). */
void log_set_stderr_copy(bool on);

#endif
