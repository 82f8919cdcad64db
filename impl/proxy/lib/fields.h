#ifndef OSNET_PROXY_FIELDS_H
#define OSNET_PROXY_FIELDS_H

#include <stddef.h>

#include "buf.h"
#include "http_parse.h"

/* What a proxy changes in the heads it forwards (RFC 9110 §7.6): it drops
 * the hop-by-hop fields, which describe one connection and not the message,
 * and adds the fields that say a proxy was on the way (Via,
 * X-Forwarded-For, X-Forwarded-Proto). Nothing here touches a socket: each
 * function writes into a buffer, so the unit tests read exactly what an
 * upstream or a client would get. */

/* Returns 1 when a field named name[0..n) is hop-by-hop whatever the
 * message says: Connection, Keep-Alive, TE, Trailer, Upgrade,
 * Proxy-Connection, Proxy-Authorization, Proxy-Authenticate and
 * Transfer-Encoding (the proxy frames the body itself). Case ignored. */
int fields_is_hop(const char *name, size_t n);

/* Returns 1 when name[0..n) is one of the options of a Connection field
 * among hs[0..nh) ("Connection: close, X-Foo" names X-Foo), else 0. */
int fields_named_by_connection(const struct http_header *hs, unsigned nh, const char *name,
                               size_t n);

/* Returns 1 when field hs[i] of a message is passed on, 0 when it is
 * dropped: hop-by-hop by name or because a Connection field names it.
 * Content-Length and Host are always passed on, even if Connection names
 * them: dropping the length of a body the proxy still forwards would let
 * the next hop read the body as the next request. */
int fields_forwardable(const struct http_header *hs, unsigned nh, unsigned i);

/* What fields_write_request() needs. */
struct fields_request {
    const struct http_request *req;
    const char *client_ip;      /* appended to X-Forwarded-For */
    const char *via_name;       /* "osnet-proxy" */
    const char *const *replace; /* NULL-terminated names the hooks write
                                   themselves (not passed on), or NULL */
    const char *default_host;   /* Host sent when the client sent none (an
                                   HTTP/1.0 request) */
};

/* Appends the request head for the upstream, without the empty line that
 * ends it (the caller may add fields first): the request line with the same
 * method, the target in origin-form and HTTP/1.1; the client's fields
 * except the dropped ones and those in replace; Host as sent (the authority
 * of an absolute-form target replaces it, RFC 9112 §3.2.2); one
 * X-Forwarded-For with the incoming list and then the client's address;
 * "X-Forwarded-Proto: http" (an incoming one is replaced); one Via with the
 * incoming list and then "1.<minor> <via_name>"; "Transfer-Encoding:
 * chunked" for a chunked body (it is re-encoded). Content-Length passes as
 * sent. Returns 0, or -ENOMEM / -ENOBUFS from out (then out holds a partial
 * head: the caller truncates it). */
int fields_write_request(struct buf *out, const struct fields_request *r);

/* How a response head ends the connection to the client. */
enum fields_conn {
    FIELDS_CONN_NONE,      /* the version's default */
    FIELDS_CONN_CLOSE,     /* "Connection: close" */
    FIELDS_CONN_KEEP_ALIVE /* "Connection: keep-alive" (HTTP/1.0 client) */
};

/* Appends the head of an upstream response for the client, without its
 * empty line: "HTTP/1.1 <status> <reason>", the upstream's fields except the
 * dropped ones and those in replace (NULL-terminated names the hooks write
 * themselves, or NULL), one Via with the incoming list and "1.<minor>
 * <via_name>", "Transfer-Encoding: chunked" when chunked is set, and the
 * Connection field conn asks for. Used for 1xx interim responses too.
 * Returns 0 or a negative errno from out. */
int fields_write_response(struct buf *out, const struct http_response *res, const char *via_name,
                          int chunked, enum fields_conn conn, const char *const *replace);

/* Returns the reason phrase of a status the engine sends itself or relays
 * with an empty one ("Bad Gateway"). */
const char *fields_reason(int status);

/* Appends the head of a response the engine makes itself (502, 503,
 * 504...), without its empty line: status line, Date (an IMF-fixdate),
 * Content-Type text/plain, Content-Length of the small body
 * fields_error_body() writes, and Connection: close when close is set.
 * Returns 0 or a negative errno from out. */
int fields_write_error(struct buf *out, int status, const char *date, int close);

/* Writes the small text body of an engine response ("502 Bad Gateway\n")
 * into out (80 bytes are enough). Returns its length. */
size_t fields_error_body(int status, char *out);

#endif
