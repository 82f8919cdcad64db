#ifndef CAT_QUOTE_H
#define CAT_QUOTE_H

#include <stddef.h>

/* File names in cat's messages, quoted the way GNU cat 9.1 quotes them
 * (gnulib's "shell-escape" style, plus ':' since the name is followed by
 * one), in the C locale. A name a shell would take as it is stays bare:
 *
 *     cat: notes.txt: No such file or directory
 *     cat: 'my notes.txt': No such file or directory
 *     cat: "it's.txt": No such file or directory
 *     cat: 'tab'$'\t''name': No such file or directory
 *
 * so the message can be pasted back into a shell. Bytes that are not
 * printable ASCII (controls, 0x7F, 0x80-0xFF: the C locale has no other
 * characters) are written as $'\ooo' escapes, or $'\n' and the like. */

/* Writes the quoted form of name to dst, snprintf-style: at most cap - 1
 * bytes and a NUL (nothing when cap is 0). Returns the length of the full
 * quoted form, so a return value >= cap means it was cut. */
size_t quote_name(const char *name, char *dst, size_t cap);

#endif
