/*
 * crc32c_bench - throughput of the CRC-32C implementations.
 *
 * Usage: crc32c_bench [seconds-per-run]   (default 0.2)
 *
 * For 4 KiB, 64 KiB and 4 MiB buffers (64-byte aligned, random bytes, hot
 * in cache after the first pass) it times crc32c_sw (slicing-by-8),
 * crc32c_hw (one SSE4.2 chain) and crc32c_hw_3way (three chains, what
 * crc32c() uses), three runs each, and prints the median in MiB/s plus the
 * speed-up of the three-chain path.  Also prints the cost of one
 * crc32c_combine() call for a few lengths.  Single-threaded; meant for
 * release builds.  Not a test: it checks nothing but agreement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc32c.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static volatile uint32_t sink;

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One run: call fn on buf until at least @secs have passed; MiB/s. */
static double run_once(crc_fn fn, const unsigned char *buf, size_t len, double secs)
{
	size_t batch = len >= ((size_t)1 << 20) ? 1 : ((size_t)1 << 20) / len;
	uint32_t crc = 0;
	size_t calls = 0;
	double start = now_sec(), el;

	do {
		for (size_t i = 0; i < batch; i++)
			crc = fn(crc, buf, len);
		calls += batch;
		el = now_sec() - start;
	} while (el < secs);
	sink = crc;
	return (double)calls * (double)len / el / (1024.0 * 1024.0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median3(crc_fn fn, const unsigned char *buf, size_t len, double secs)
{
	double r[3];

	fn(0, buf, len); /* warm caches and one-time tables */
	for (int i = 0; i < 3; i++)
		r[i] = run_once(fn, buf, len, secs);
	qsort(r, 3, sizeof(r[0]), cmp_double);
	return r[1];
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {4096, 65536, (size_t)4 << 20};
	double secs = argc > 1 ? atof(argv[1]) : 0.2;
	bool hw = crc32c_hw_available();
	size_t max = sizes[sizeof(sizes) / sizeof(sizes[0]) - 1];
	unsigned char *buf = aligned_alloc(64, max);

	if (buf == NULL || secs <= 0) {
		fprintf(stderr, "usage: %s [seconds-per-run > 0]\n", argv[0]);
		free(buf);
		return 1;
	}
	srand(1);
	for (size_t i = 0; i < max; i++)
		buf[i] = (unsigned char)(rand() >> 7);

	printf("crc32c() uses: %s; median of 3 runs of %.2fs each, MiB/s\n", crc32c_impl_name(),
	       secs);
	printf("%-8s %10s %12s %12s %10s %10s\n", "size", "sw", "hw-1chain", "hw-3way", "3way/1ch",
	       "3way/sw");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t len = sizes[s];
		char name[32];
		double sw = median3(crc32c_sw, buf, len, secs);
		double h1 = 0, h3 = 0;

		if (hw) {
			if (crc32c_hw(7, buf, len) != crc32c_sw(7, buf, len) ||
			    crc32c_hw_3way(7, buf, len) != crc32c_sw(7, buf, len)) {
				fprintf(stderr, "implementations disagree at %zu bytes\n", len);
				free(buf);
				return 1;
			}
			h1 = median3(crc32c_hw, buf, len, secs);
			h3 = median3(crc32c_hw_3way, buf, len, secs);
		}
		if (len >= ((size_t)1 << 20))
			snprintf(name, sizeof(name), "%zuMiB", len >> 20);
		else
			snprintf(name, sizeof(name), "%zuKiB", len >> 10);
		if (hw)
			printf("%-8s %10.0f %12.0f %12.0f %9.2fx %9.2fx\n", name, sw, h1, h3,
			       h3 / h1, h3 / sw);
		else
			printf("%-8s %10.0f %12s %12s\n", name, sw, "n/a", "n/a");
	}

	static const size_t clens[] = {4096, (size_t)4 << 20, (size_t)3 << 30};
	for (size_t i = 0; i < sizeof(clens) / sizeof(clens[0]); i++) {
		const int n = 200000;
		uint32_t c = 1;
		double start = now_sec();
		for (int k = 0; k < n; k++)
			c = crc32c_combine(c, (uint32_t)k, clens[i]);
		sink = c;
		printf("crc32c_combine(len_b=%zu): %.0f ns/call\n", clens[i],
		       (now_sec() - start) / n * 1e9);
	}
	free(buf);
	return 0;
}
