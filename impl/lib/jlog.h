#ifndef OSNET_JLOG_H
#define OSNET_JLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* JSON log lines: one object per line, built into a caller's buffer.
 *
 *     {"time":"2026-11-21T10:00:00.123Z","level":"info","method":"GET",...}
 *
 * A log shipper reads such a file line by line and parses each line on its
 * own, so a line must be one complete JSON text (RFC 8259) with no raw line
 * break inside: every string value is escaped here. Strings come from the
 * network (paths, request ids), so nothing is trusted: '"', '\' and control
 * characters are escaped, valid UTF-8 is kept as is, and a byte that is not
 * part of valid UTF-8 becomes U+FFFD (\ufffd) rather than making the whole
 * line invalid JSON. Nothing here allocates or touches a file. */

struct jlog_line {
    char *p;
    size_t len, cap;
    bool first;    /* no member written yet */
    bool overflow; /* something did not fit: the line is unusable */
};

/* Starts a line "{" in buf[0..cap). */
void jlog_begin(struct jlog_line *j, char *buf, size_t cap);

/* Adds "key":"<s[0..n) escaped>". key is written as given (the callers'
 * keys are constants that need no escaping). */
void jlog_str(struct jlog_line *j, const char *key, const char *s, size_t n);

/* Adds a NUL-terminated string, or null when s is NULL. */
void jlog_cstr(struct jlog_line *j, const char *key, const char *s);

/* Adds "key":null. */
void jlog_null(struct jlog_line *j, const char *key);

/* Adds "key":<v> (an integer). */
void jlog_int(struct jlog_line *j, const char *key, int64_t v);

/* Adds "key":<ns in milliseconds with three decimals> ("12.345"). */
void jlog_ms(struct jlog_line *j, const char *key, uint64_t ns);

/* Ends the line with "}\n" and returns its length, or 0 when something did
 * not fit in the buffer. */
size_t jlog_end(struct jlog_line *j);

/* The longest a string of n bytes becomes once escaped: 6 per byte
 * (\u001f, \ufffd). */
#define JLOG_ESCAPED_MAX(n) (6 * (n))

/* Writes the escaped form of s[0..n) (without quotes) into out, which holds
 * JLOG_ESCAPED_MAX(n) bytes. Returns the length written. */
size_t jlog_escape(const char *s, size_t n, char *out);

/* Returns the length of the valid UTF-8 sequence at s[0..n) (1..4), or 0
 * when the bytes there are not one (a stray continuation byte, an overlong
 * form, a surrogate, a code point past U+10FFFF, or a truncated sequence). */
size_t jlog_utf8_len(const unsigned char *s, size_t n);

/* Returns true when s[0..n) is valid UTF-8 throughout. */
bool jlog_utf8_valid(const char *s, size_t n);

/* Length of an RFC 3339 UTC timestamp with milliseconds, NUL excluded:
 * "2026-11-21T10:00:00.123Z". */
#define JLOG_TIME_LEN 24

/* Writes ts (CLOCK_REALTIME) as that timestamp and a NUL into out
 * (JLOG_TIME_LEN + 1 bytes). Returns JLOG_TIME_LEN, or 0 for a time gmtime
 * cannot represent. */
size_t jlog_time(const struct timespec *ts, char *out);

#endif
