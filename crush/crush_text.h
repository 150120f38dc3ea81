/*
 * crush_text.h - the crush map text format (what `crushtool -d` prints).
 *
 * The grammar is Ceph's: `tunable`, `device`, `type` lines, one block per
 * bucket (`host h1 { id -2  id -5 class ssd  alg straw2  hash 0
 * item osd.0 weight 1.000 }`), `rule` blocks with `step` lines and
 * `choose_args` blocks.  Comments run from `#` to the end of the line.
 * Weights are decimals converted exactly to 16.16 fixed point.
 *
 * Threading: pure functions of their arguments.
 */
#ifndef CRUSH_CRUSH_TEXT_H
#define CRUSH_CRUSH_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "crush.h"

/*
 * Compile `len` bytes of text into a new map (*out_map, caller destroys).
 * On a syntax or consistency error returns -EINVAL and writes
 * "line L, column C: <what was expected>" into errbuf (if not NULL).
 * Also -ENOMEM.  The text need not be NUL-terminated.
 */
int crush_text_compile(const char *text, size_t len, struct crush_map **out_map, char *errbuf,
		       size_t errlen);

/*
 * Print map as text.  Compiling the output yields an equal map
 * (crush_map_equal), and printing that again yields identical text.
 * Returns 0, or -EIO if the stream fails.
 */
int crush_text_decompile(const struct crush_map *map, FILE *out);

/* Format a 16.16 weight the way the text form does ("1.000"); buf >= 24. */
void crush_text_format_weight(uint32_t w, char *buf, size_t len);

#endif /* CRUSH_CRUSH_TEXT_H */
