/* Body relaying between two buffers. See relay.h. */
#include "relay.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A chunk's framing: up to 16 hex digits and CRLF before the data, CRLF
 * after it. */
#define CHUNK_OVERHEAD 20
static const char last_chunk[] = "0\r\n\r\n";

void relay_init(struct relay *r, enum relay_in in, uint64_t length, enum relay_out out)
{
    r->in = in;
    r->out = out;
    r->left = in == RELAY_IN_LENGTH ? length : 0;
    r->moved = 0;
    r->done = 0;
    if (in == RELAY_IN_CHUNKED)
        http_chunked_init(&r->dec);
}

/* How many body bytes dst may take now, framing included. */
static size_t room(const struct relay *r, const struct buf *dst, size_t high)
{
    size_t len;

    if (r->out == RELAY_OUT_DISCARD || dst == NULL)
        return SIZE_MAX;
    len = buf_len(dst);
    if (len >= high)
        return 0;
    if (r->out == RELAY_OUT_CHUNKED)
        return high - len > CHUNK_OVERHEAD ? high - len - CHUNK_OVERHEAD : 0;
    return high - len;
}

/* Appends n body bytes to dst in the output framing. */
static int emit(const struct relay *r, struct buf *dst, const char *p, size_t n)
{
    char size[CHUNK_OVERHEAD];
    int rc;

    if (n == 0 || r->out == RELAY_OUT_DISCARD || dst == NULL)
        return 0;
    if (r->out == RELAY_OUT_RAW)
        return buf_append(dst, p, n);
    int len = snprintf(size, sizeof(size), "%zx\r\n", n);
    rc = buf_append(dst, size, (size_t)len);
    if (rc == 0)
        rc = buf_append(dst, p, n);
    if (rc == 0)
        rc = buf_append(dst, "\r\n", 2);
    return rc;
}

static size_t min3(size_t a, uint64_t b, size_t c)
{
    size_t m = a < c ? a : c;
    return b < m ? (size_t)b : m;
}

int relay_move(struct relay *r, struct buf *src, int eof, struct buf *dst, size_t high,
               char *scratch, size_t scratch_len)
{
    int rc;

    if (r->done)
        return 1;
    for (;;) {
        size_t have = buf_len(src), take, n;
        ssize_t rest;

        switch (r->in) {
        case RELAY_IN_NONE:
            goto finished;
        case RELAY_IN_LENGTH:
        case RELAY_IN_CLOSE:
            if (r->in == RELAY_IN_LENGTH && r->left == 0)
                goto finished;
            if (have == 0) {
                /* The connection's end is the end of a close-delimited
                 * body, and a short Content-Length one. */
                if (eof && r->in == RELAY_IN_CLOSE)
                    goto finished;
                return eof ? -EPIPE : 0;
            }
            take = min3(have, r->in == RELAY_IN_LENGTH ? r->left : UINT64_MAX, room(r, dst, high));
            if (take == 0)
                return 0;
            rc = emit(r, dst, buf_peek(src), take);
            if (rc < 0)
                return rc;
            buf_consume(src, take);
            if (r->in == RELAY_IN_LENGTH)
                r->left -= take;
            r->moved += take;
            break;
        case RELAY_IN_CHUNKED:
            if (have == 0)
                return eof ? -EPIPE : 0;
            /* Decoded in a copy: the decoder works in place, and the input
             * must keep the bytes after the body (the next message). */
            take = min3(have, scratch_len, room(r, dst, high));
            if (take == 0)
                return 0;
            memcpy(scratch, buf_peek(src), take);
            n = take;
            rest = http_chunked_decode(&r->dec, scratch, &n);
            if (rest == -1)
                return -EPROTO;
            rc = emit(r, dst, scratch, n);
            if (rc < 0)
                return rc;
            r->moved += n;
            if (rest < 0) {
                buf_consume(src, take);
                break;
            }
            buf_consume(src, take - (size_t)rest);
            goto finished;
        }
    }
finished:
    if (r->out == RELAY_OUT_CHUNKED && dst != NULL) {
        rc = buf_append(dst, last_chunk, sizeof(last_chunk) - 1);
        if (rc < 0)
            return rc;
    }
    r->done = 1;
    return 1;
}
