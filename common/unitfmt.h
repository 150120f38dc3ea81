/*
 * unitfmt.h - numbers as Ceph's tools print them in tables: bytes with
 * binary units ("0 B", "4 KiB", "1.5 MiB"), counts with decimal ones
 * ("999", "1.2k").  Whole multiples of a unit get no decimals; otherwise the
 * most decimals (2, 1, 0) that keep the text within 7 characters.
 */
#ifndef CAIRN_UNITFMT_H
#define CAIRN_UNITFMT_H

#include <stddef.h>
#include <stdint.h>

/* Into @buf (@size bytes, 16 is enough); returns @buf. */
const char *unitfmt_bytes(uint64_t v, char *buf, size_t size);
const char *unitfmt_count(uint64_t v, char *buf, size_t size);

#endif
