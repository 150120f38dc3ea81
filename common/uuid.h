/*
 * uuid.h - 128-bit ids (cluster fsid, OSD uuids) in the usual
 * 8-4-4-4-12 hex text form.
 */
#ifndef CAIRN_UUID_H
#define CAIRN_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define UUID_STRLEN 37 /* 36 characters and a NUL */

/* Parse "01234567-89ab-cdef-0123-456789abcdef" (either case).  0 or -EINVAL. */
int uuid_parse(const char *s, uint8_t out[16]);
/* Lower-case text form into @out (UUID_STRLEN bytes). */
void uuid_format(const uint8_t u[16], char out[UUID_STRLEN]);
/* A random (version 4) uuid from the kernel's CSPRNG.  0 or -errno. */
int uuid_generate(uint8_t out[16]);
bool uuid_is_zero(const uint8_t u[16]);

#endif
