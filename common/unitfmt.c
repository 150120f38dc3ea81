/*
 * unitfmt.c - Ceph's byte_u_t / si_u_t style of printing numbers.
 */
#include "unitfmt.h"

#include <inttypes.h>
#include <stdio.h>

#include "compiler.h"

static const char *fmt_units(uint64_t v, uint64_t base, const char *const *units, size_t nu,
			     char *buf, size_t size)
{
	size_t i = 0;
	uint64_t mult = 1;
	while (i + 1 < nu && v / mult >= base) {
		mult *= base;
		i++;
	}
	if (i == 0 || v % mult == 0) {
		snprintf(buf, size, "%" PRIu64 "%s", v / mult, units[i]);
		return buf;
	}
	for (int prec = 2; prec >= 0; prec--)
		if (snprintf(buf, size, "%.*f%s", prec, (double)v / (double)mult, units[i]) <= 7)
			break;
	return buf;
}

const char *unitfmt_bytes(uint64_t v, char *buf, size_t size)
{
	static const char *const u[] = {" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"};
	return fmt_units(v, 1024, u, ARRAY_SIZE(u), buf, size);
}

const char *unitfmt_count(uint64_t v, char *buf, size_t size)
{
	static const char *const u[] = {"", "k", "M", "G", "T", "P", "E"};
	return fmt_units(v, 1000, u, ARRAY_SIZE(u), buf, size);
}
