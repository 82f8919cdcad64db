#ifndef OSNET_HTTP_RESPONSE_H
#define OSNET_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Response heads, written straight into the caller's memory with no
 * printf: a server formats one per request, and this is most of the work
 * of answering a small static file. */

enum resp_conn {
    RESP_CONN_NONE,       /* the default of the version: no Connection field */
    RESP_CONN_CLOSE,      /* "Connection: close": the server closes after it */
    RESP_CONN_KEEP_ALIVE, /* "Connection: keep-alive" (HTTP/1.0 clients that asked) */
};

struct resp_head {
    int status;
    const char *content_type; /* NULL for none */
    bool no_length;           /* 1xx, 204, 304: no Content-Length at all */
    uint64_t content_length;
    bool has_last_modified;
    time_t last_modified;
    bool accept_ranges; /* "Accept-Ranges: bytes" */
    bool content_range; /* "Content-Range: bytes first-last/size", or
                           "bytes * /size" (no space) when unsatisfiable */
    bool range_unsatisfiable;
    uint64_t range_first, range_len, range_size;
    const char *location; /* NULL for none */
    size_t location_len;
    const char *allow; /* NULL for none */
    const char *extra; /* more field lines, each ending in CRLF ("Retry-After: 2\r\n"), or NULL */
    size_t extra_len;
    enum resp_conn conn;
};

/* Returns the reason phrase of a status code ("Not Found"), "Unknown" for
 * codes this server never sends. */
const char *resp_reason(int status);

/* Returns an upper bound of the bytes resp_head_write() writes for h. */
size_t resp_head_size(const struct resp_head *h);

/* Writes the head: the status line "HTTP/1.1 <code> <reason>", Server,
 * Date (date is an IMF-fixdate, e.g. from httpdate_now()), the fields h
 * asks for, and the empty line. out holds resp_head_size(h) bytes. Returns
 * the length written. */
size_t resp_head_write(const struct resp_head *h, const char *date, char *out);

/* Writes the small text body of an error status ("404 Not Found\n") into
 * out (64 bytes are enough). Returns its length. */
size_t resp_error_body(int status, char *out);

#endif
