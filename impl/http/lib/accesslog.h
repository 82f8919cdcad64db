#ifndef OSNET_HTTP_ACCESSLOG_H
#define OSNET_HTTP_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The access log in the Combined Log Format, one line per request:
 *
 *   127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "GET /a.txt HTTP/1.1" 200 5 "-" "curl/7.88.1"
 *
 * Each worker thread has its own alog: lines collect in its buffer and go
 * to the file in one write() per batch (alog_flush), which the server calls
 * before it sends the responses the lines describe. The file is opened with
 * O_APPEND, so the writes of several workers land whole, one after the
 * other. Bytes a client sent that are not printable ASCII, '"' and '\' are
 * written as \xHH, so a request cannot forge a line or a field. */

#define ALOG_FIELD_MAX 2048 /* longer request lines and fields are cut */

struct alog {
    int fd;      /* -1: no access log */
    bool atomic; /* a regular file: any write is appended whole */
    char *buf;
    size_t len, cap;
};

/* One request's line. Spans need not be NUL-terminated; a NULL or empty
 * referer or user agent is logged as "-". */
struct alog_entry {
    const char *peer;    /* "127.0.0.1" */
    const char *time;    /* "21/Nov/2026:10:00:00 +0000" */
    const char *request; /* the request line as sent */
    size_t request_len;
    int status;
    uint64_t bytes; /* body bytes of the response */
    const char *referer;
    size_t referer_len;
    const char *agent;
    size_t agent_len;
};

/* Sets up a log writing to fd (-1 for none); fd stays the caller's. Returns
 * 0 or -ENOMEM. */
int alog_init(struct alog *l, int fd);

/* Frees the buffer (flush first). */
void alog_free(struct alog *l);

/* The longest line: three fields of ALOG_FIELD_MAX bytes, each byte
 * escaped to at most 4, plus the fixed parts. */
#define ALOG_LINE_MAX (4 * ALOG_FIELD_MAX * 3 + 256)

/* Formats one line into out (cap bytes, at least ALOG_LINE_MAX). Returns
 * its length, newline included, or 0 when cap is smaller. */
size_t alog_format(const struct alog_entry *e, char *out, size_t cap);

/* Adds a line to the buffer, flushing first if it is full. Does nothing
 * without a log. */
void alog_add(struct alog *l, const struct alog_entry *e);

/* Writes the buffered lines. On a pipe or terminal (stderr), where only
 * writes of up to PIPE_BUF bytes are atomic, they go in pieces that end at
 * line ends. A failed write drops the lines: a full disk must not stop the
 * server. */
void alog_flush(struct alog *l);

#endif
