#ifndef OSNET_PS_ESCAPE_H
#define OSNET_PS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* Making process names and command lines safe to print.
 *
 * A command line is whatever bytes a program was given (or wrote over its
 * own argv): escape sequences that would repaint the terminal, newlines
 * that would forge extra lines of output, bytes that are not text at all.
 * ps never prints them raw, and the exact replacement matters because the
 * conformance suite compares mps with procps-ng's ps byte for byte. What
 * procps-ng 4.0.2 does was measured (see README.md); it escapes in two
 * passes, one in its library (libproc2) and one in ps itself, and every
 * function here is one of those passes, in place (the text never grows).
 *
 * In a UTF-8 locale (LC_ALL=C.UTF-8):
 *
 * 1. esc_ps_bytes(): a walk by UTF-8 sequence lengths, judged by the lead
 *    byte alone. A lead byte that starts no sequence (0x80-0xC1, 0xF5-0xFF)
 *    or a sequence cut by the end of the text switches to the byte rule
 *    for everything that follows (esc_ps_bytes() in a non-UTF-8 locale:
 *    control bytes become '.', bytes >= 0x80 '?'). Before that point, an
 *    ASCII control byte that starts a sequence becomes '?'; the other bytes
 *    of a sequence are skipped unchecked.
 * 2. esc_ps_chars(): a walk by characters with the C library's mbrtowc():
 *    each byte that is not part of a valid character becomes '?'; a
 *    control character or any other that iswprint() rejects (C1 controls,
 *    U+2028, noncharacters, unassigned code points) becomes one '?'
 *    however many bytes it had; printable characters stay as they are.
 *
 * So "a\tb" prints "a?b", "caf\xc3\xa9" stays "café", "\xef\xbf\xbf" (U+FFFF)
 * prints "?", and "\xff\tb\xc3\xa9" prints "?.b??": after the stray 0xFF the
 * tab is a '.' and even the valid é becomes "??". That last rule is
 * procps's, not a choice anyone would make today, but it is what ps shows.
 *
 * In any other locale (LC_ALL=C), only the byte rule applies. */

/* True when the current LC_CTYPE locale (set with setlocale()) encodes
 * text in UTF-8. */
bool esc_locale_is_utf8(void);

/* Pass 1 (procps's library) over s[0..len): see above. Returns len: this
 * pass never changes the length. */
size_t esc_ps_bytes(char *s, size_t len, bool utf8);

/* Pass 2 (ps's own) over s[0..len), which must not contain NUL: see above.
 * Uses the current locale's mbrtowc() and iswprint(); does nothing unless
 * utf8. Returns the new length (at most len). */
size_t esc_ps_chars(char *s, size_t len, bool utf8);

/* Both passes, as ps applies them to a joined command line. Returns the
 * new length. */
size_t esc_ps(char *s, size_t len, bool utf8);

/* lsof's rule for names: each control byte (0x00-0x1F, 0x7F) becomes '?';
 * every other byte is kept. Returns len. */
size_t esc_controls(char *s, size_t len);

#endif
