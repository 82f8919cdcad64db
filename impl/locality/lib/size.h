#ifndef LOCALITY_SIZE_H
#define LOCALITY_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* The numbers of locality's command line: working-set sizes with their
 * units (4K, 1MiB, 1g) and plain counts (strides, milliseconds). */

/* The smallest and largest working set: 1 KiB (128 elements of 8 bytes)
 * and 64 GiB, more than any machine this runs on will map. */
#define LOC_SIZE_MIN ((uint64_t)1 << 10)
#define LOC_SIZE_MAX ((uint64_t)1 << 36)

/* Room for the longest loc_format_size result ("68719476736" and a NUL). */
#define LOC_SIZE_TEXT 24

/* Parses s as a SIZE: one or more decimal digits, then optionally a
 * binary unit K, M or G (1024, 1024^2, 1024^3; either case), itself
 * optionally followed by "iB". Returns 0 with the bytes in *out; -EINVAL
 * when s is not written that way (a sign, a space, a fraction, another
 * unit, nothing at all); -ERANGE when it is, but the value is not a power
 * of two from LOC_SIZE_MIN to LOC_SIZE_MAX (however many digits it has:
 * no overflow). *out is untouched on error. */
int loc_parse_size(const char *s, uint64_t *out);

/* Parses s as a count from min to max: decimal digits only. Returns 0 with
 * the value in *out, -EINVAL when s is not digits, -ERANGE when it is out
 * of range. *out is untouched on error. */
int loc_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Writes bytes in its shortest exact form, for people to read: "4K",
 * "256M", "1G", or plain digits when no unit divides it. buf holds at
 * least LOC_SIZE_TEXT bytes. Returns buf. */
const char *loc_format_size(uint64_t bytes, char *buf);

#endif
