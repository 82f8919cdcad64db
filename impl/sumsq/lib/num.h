#ifndef SUMSQ_NUM_H
#define SUMSQ_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Numbers as text for sumsq: parsing the command line's N and K, and
 * printing the 128-bit sum, which printf cannot do (it has no conversion
 * for unsigned __int128). */

/* Digits of the largest unsigned 128-bit number, 2^128 - 1
 * (340282366920938463463374607431768211455). */
#define NUM_U128_DIGITS 39

/* Writes v in decimal (no sign, no leading zeros, "0" for zero) and a NUL
 * into buf, which must hold NUM_U128_DIGITS + 1 bytes. Returns the number of
 * digits written. */
size_t num_format_u128(unsigned __int128 v, char *buf);

/* Parses s as a decimal number from 0 to max: one or more ASCII digits and
 * nothing else (no sign, no spaces, no 0x; leading zeros are fine). Returns 0
 * and stores it in *out, -EINVAL when s is not such a string, or -ERANGE when
 * it is one but its value is above max (however many digits it has). *out is
 * untouched on error. */
int num_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
