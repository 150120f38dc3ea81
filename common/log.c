/*
 * log.c - leveled logging.  See log.h.
 *
 * The only shared state is the array of levels (relaxed atomics: a level
 * change may take a moment to be seen, which is fine) and the output fd,
 * swapped atomically so a concurrent writer uses either the old or the new
 * file.  An old fd is closed only at log_close(), or after a reopen; a line
 * racing with a reopen may be lost, never written into a reused fd number,
 * because closing happens after the swap and writers load the fd once.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clk.h"

#define LOG_LINE_MAX 4096

_Atomic int log_levels[LOG__SUBSYS_COUNT];

static _Atomic int log_fd = -1; /* -1: stderr */
static _Atomic bool log_stderr_copy;

static const char *const subsys_names[LOG__SUBSYS_COUNT] = {
#define LOG_X_NAME(up, low, def) [LOG_##up] = #low,
	LOG_SUBSYS_LIST(LOG_X_NAME)
#undef LOG_X_NAME
};

static const char *const subsys_defaults[LOG__SUBSYS_COUNT] = {
#define LOG_X_DEF(up, low, def) [LOG_##up] = def,
	LOG_SUBSYS_LIST(LOG_X_DEF)
#undef LOG_X_DEF
};

/* Levels start at their defaults before main() runs. */
__attribute__((constructor)) static void log_init_levels(void)
{
	for (int i = 0; i < LOG__SUBSYS_COUNT; i++)
		log_set_level_str((enum log_subsys)i, subsys_defaults[i]);
}

const char *log_subsys_name(enum log_subsys sub)
{
	if ((int)sub < 0 || sub >= LOG__SUBSYS_COUNT)
		return "?";
	return subsys_names[sub];
}

int log_subsys_lookup(const char *name)
{
	for (int i = 0; i < LOG__SUBSYS_COUNT; i++)
		if (strcmp(subsys_names[i], name) == 0)
			return i;
	return -ENOENT;
}

static int parse_level(const char *s, const char **out_end, int *out_level)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno != 0 || v < -1 || v > 99)
		return -EINVAL;
	*out_end = end;
	*out_level = (int)v;
	return 0;
}

int log_set_level_str(enum log_subsys sub, const char *spec)
{
	const char *p = spec, *end;
	int level, mem_level;

	while (*p == ' ' || *p == '\t')
		p++;
	if (parse_level(p, &end, &level) != 0)
		return -EINVAL;
	if (*end == '/') {
		if (parse_level(end + 1, &end, &mem_level) != 0)
			return -EINVAL;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return -EINVAL;
	log_set_level(sub, level);
	return 0;
}

void log_set_level(enum log_subsys sub, int level)
{
	atomic_store_explicit(&log_levels[sub], level, memory_order_relaxed);
}

int log_get_level(enum log_subsys sub)
{
	return atomic_load_explicit(&log_levels[sub], memory_order_relaxed);
}

int log_open(const char *path)
{
	int fd = -1;

	if (path && *path) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
	}
	int old = atomic_exchange(&log_fd, fd);
	if (old >= 0)
		close(old);
	return 0;
}

void log_close(void)
{
	log_open(NULL);
}

void log_set_stderr_copy(bool on)
{
	atomic_store(&log_stderr_copy, on);
}

static const char *level_tag(int level)
{
	switch (level) {
	case LOG_LVL_ERR:
		return "ERR";
	case LOG_LVL_WARN:
		return "WRN";
	case LOG_LVL_INFO:
		return "INF";
	default:
		return NULL;
	}
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report it */
		}
		p += n;
		len -= (size_t)n;
	}
}

void log_emitv(enum log_subsys sub, int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	uint64_t now = clk_real_ns();
	time_t secs = (time_t)(now / CLK_NS_PER_SEC);
	struct tm tm;
	size_t n = 0;

	gmtime_r(&secs, &tm);
	n += strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	const char *tag = level_tag(level);
	int w;
	if (tag)
		w = snprintf(line + n, sizeof(line) - n, ".%06u+0000 %ld %s %s ",
			     (unsigned)(now % CLK_NS_PER_SEC / 1000), (long)syscall(SYS_gettid),
			     log_subsys_name(sub), tag);
	else
		w = snprintf(line + n, sizeof(line) - n, ".%06u+0000 %ld %s %d ",
			     (unsigned)(now % CLK_NS_PER_SEC / 1000), (long)syscall(SYS_gettid),
			     log_subsys_name(sub), level);
	if (w > 0)
		n += MIN((size_t)w, sizeof(line) - n - 1);
	w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (w > 0)
		n += MIN((size_t)w, sizeof(line) - n - 1);
	/* Keep one line one line, even for messages that embed newlines. */
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';

	int fd = atomic_load(&log_fd);
	write_all(fd >= 0 ? fd : STDERR_FILENO, line, n);
	if (fd >= 0 && atomic_load(&log_stderr_copy))
		write_all(STDERR_FILENO, line, n);
}

void log_emit(enum log_subsys sub, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_emitv(sub, level, fmt, ap);
	va_end(ap);
}

bool log_ratelimit_pass(struct log_ratelimit *rl, unsigned burst, unsigned interval_s,
			unsigned *out_suppressed)
{
	unsigned long long now = clk_mono_ns();
	unsigned long long start = atomic_load(&rl->window_start_ns);

	*out_suppressed = 0;
	if (now - start >= (unsigned long long)interval_s * CLK_NS_PER_SEC) {
		if (atomic_compare_exchange_strong(&rl->window_start_ns, &start, now)) {
			atomic_store(&rl->count, 0);
			*out_suppressed = atomic_exchange(&rl->suppressed, 0);
		}
	}
	if (atomic_fetch_add(&rl->count, 1) < burst)
		return true;
	atomic_fetch_add(&rl->suppressed, 1);
	return false;
}
