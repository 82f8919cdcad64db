#ifndef OSNET_PROXY_RELAY_H
#define OSNET_PROXY_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http_parse.h"

/* One direction of a message body on its way through the proxy: bytes are
 * taken from the input buffer of one connection, de-framed (Content-Length,
 * chunked, or "until the connection ends"), re-framed and appended to the
 * output buffer of the other connection, never more than the output's
 * high-water mark at once. That bound is the whole memory story: a 1 GiB
 * body costs one input and one output buffer, whatever its framing.
 *
 * Chunked bodies are decoded and encoded again rather than copied as they
 * came: the output is then well-formed whatever chunk sizes and extensions
 * the sender chose, trailers are dropped (the Trailer field that announces
 * them is hop-by-hop), and the same code turns a close-delimited response
 * into a chunked one for an HTTP/1.1 client or a chunked one into a plain
 * one for an HTTP/1.0 client. */

enum relay_in {
    RELAY_IN_NONE,    /* no body */
    RELAY_IN_LENGTH,  /* exactly `length` bytes */
    RELAY_IN_CHUNKED, /* chunked coding (RFC 9112 §7.1) */
    RELAY_IN_CLOSE    /* everything until the input connection ends */
};

enum relay_out {
    RELAY_OUT_RAW,     /* the body bytes as they are */
    RELAY_OUT_CHUNKED, /* one chunk per move, then the last chunk */
    RELAY_OUT_DISCARD  /* nowhere (a body nobody will read) */
};

struct relay {
    enum relay_in in;
    enum relay_out out;
    uint64_t left;           /* RELAY_IN_LENGTH: bytes still to come */
    struct http_chunked dec; /* RELAY_IN_CHUNKED */
    uint64_t moved;          /* body bytes taken so far (decoded) */
    int done;                /* the body ended (and the last chunk is out) */
};

/* Starts a body of the given framing (length: for RELAY_IN_LENGTH). */
void relay_init(struct relay *r, enum relay_in in, uint64_t length, enum relay_out out);

/* Moves what it can of the body from src to dst: stops when src is empty,
 * when dst holds high bytes or more, or at the end of the body (the bytes
 * after it, the next message, stay in src). eof: src's connection has
 * ended, so no byte will be added to src. dst may be NULL with
 * RELAY_OUT_DISCARD. scratch (scratch_len bytes, 4 KiB or more) is where
 * chunked input is decoded. Returns 1 once the body is complete, 0 when
 * more must come (or dst must drain first), -EPROTO for a malformed chunked
 * body, -EPIPE when eof came before the end of a Content-Length or chunked
 * body (truncated), or -ENOMEM / -ENOBUFS from dst. */
int relay_move(struct relay *r, struct buf *src, int eof, struct buf *dst, size_t high,
               char *scratch, size_t scratch_len);

#endif
