/* RESP2 reply writers: see resp.h. Each reply is sized first and written
 * with one buf_reserve(), so a full output buffer leaves no half reply
 * behind for the client to choke on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "resp.h"

/* Appends "<type><text>\r\n" with CR and LF in text turned into spaces. */
static int write_line(struct buf *b, char type, const char *text)
{
    size_t n = strlen(text);
    char *t;
    size_t avail;
    int rc = buf_reserve(b, n + 3, &t, &avail);

    if (rc < 0)
        return rc;
    t[0] = type;
    for (size_t i = 0; i < n; i++)
        t[1 + i] = text[i] == '\r' || text[i] == '\n' ? ' ' : text[i];
    memcpy(t + 1 + n, "\r\n", 2);
    buf_commit(b, n + 3);
    return 0;
}

/* Appends "<type><v>\r\n" and then, when data is not NULL, n bytes of data
 * and "\r\n": the framing of integers, lengths and bulk strings. */
static int write_num(struct buf *b, char type, long long v, const void *data, size_t n)
{
    char head[32];
    int h = snprintf(head, sizeof(head), "%c%lld\r\n", type, v);
    size_t total = (size_t)h + (data ? n + 2 : 0);
    char *t;
    size_t avail;
    int rc = buf_reserve(b, total, &t, &avail);

    if (rc < 0)
        return rc;
    memcpy(t, head, (size_t)h);
    if (data) {
        if (n)
            memcpy(t + h, data, n);
        memcpy(t + h + n, "\r\n", 2);
    }
    buf_commit(b, total);
    return 0;
}

int resp_write_simple(struct buf *b, const char *s)
{
    return write_line(b, '+', s);
}

int resp_write_error(struct buf *b, const char *msg)
{
    return write_line(b, '-', msg);
}

int resp_write_int(struct buf *b, long long v)
{
    return write_num(b, ':', v, NULL, 0);
}

int resp_write_bulk(struct buf *b, const void *data, size_t n)
{
    /* A NULL data with n == 0 is still the empty string, not the null. */
    return write_num(b, '$', (long long)n, data ? data : "", n);
}

int resp_write_null(struct buf *b)
{
    return write_num(b, '$', -1, NULL, 0);
}

int resp_write_array(struct buf *b, size_t n)
{
    return write_num(b, '*', (long long)n, NULL, 0);
}

int resp_write_null_array(struct buf *b)
{
    return write_num(b, '*', -1, NULL, 0);
}
