/*
 * clk.h - clocks.  Monotonic time for timers and timeouts, wall time for
 * stamps that are shown to people or stored in maps.
 */
#ifndef CAIRN_CLK_H
#define CAIRN_CLK_H

#include <stdint.h>
#include <time.h>

#define CLK_NS_PER_US 1000ULL
#define CLK_NS_PER_MS 1000000ULL
#define CLK_NS_PER_SEC 1000000000ULL

/* Nanoseconds on CLOCK_MONOTONIC: never jumps, meaningless across boots. */
static inline uint64_t clk_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CLK_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Nanoseconds since the Unix epoch on CLOCK_REALTIME. */
static inline uint64_t clk_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * CLK_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif
