#ifndef OSNET_HTTP_DATE_H
#define OSNET_HTTP_DATE_H

#include <stddef.h>
#include <time.h>

/* HTTP dates (RFC 9110 §5.6.7) and the access log's timestamp. Everything is
 * UTC and locale-free: strftime() would follow LC_TIME, and a server must
 * send English day and month names whatever its locale. */

#define HTTPDATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define CLFDATE_LEN  26 /* "06/Nov/1994:08:49:37 +0000" */

/* Writes t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into out,
 * which holds HTTPDATE_LEN + 1 bytes; the result is NUL-terminated. */
void httpdate_format(time_t t, char *out);

/* Writes t as the Common Log Format timestamp ("06/Nov/1994:08:49:37 +0000",
 * always UTC) into out, which holds CLFDATE_LEN + 1 bytes. */
void httpdate_format_clf(time_t t, char *out);

/* Parses an HTTP date: the IMF-fixdate that senders must use, and the two
 * obsolete forms recipients must still accept (RFC 9110 §5.6.7): RFC 850
 * ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37
 * 1994"). The day name is checked for form, not against the date. Returns 0
 * and stores the time in *out, or -EINVAL. */
int httpdate_parse(const char *s, size_t n, time_t *out);

/* A per-thread cache of the current time, formatted both ways: a busy
 * server formats the Date header once a second, not once per response. */
struct httpdate_cache {
    time_t sec; /* the second imf and clf show; -1 before the first use */
    char imf[HTTPDATE_LEN + 1];
    char clf[CLFDATE_LEN + 1];
};

/* Initializes an empty cache. */
void httpdate_cache_init(struct httpdate_cache *c);

/* Brings the cache to the current second (time(), served by the vDSO
 * without a system call) and returns it. */
const struct httpdate_cache *httpdate_now(struct httpdate_cache *c);

#endif
