#ifndef OSNET_HTTP_PARSE_H
#define OSNET_HTTP_PARSE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An incremental HTTP/1.1 request parser (RFC 9112), and its twin for
 * response heads (http_parse_response, what a proxy reads from its
 * upstream). It takes a buffer, never a socket, and keeps pointers into that
 * buffer: nothing is copied and nothing is allocated. The caller appends
 * what arrived and calls again.
 *
 * Returns follow picohttpparser: bytes consumed (> 0), -2 "need more", -1
 * malformed. On -1 the request's `status` says which answer the server owes
 * (400, 414, 431, 501 or 505), so the parser, not the server, decides what a
 * protocol error is. */

#define HTTP_MAX_HEADERS 100 /* hard upper bound of http_limits.max_headers */

/* Limits a server enforces on a request head. Going past one is a protocol
 * error with its own status: a request line too long is 414 (RFC 9112 §3),
 * a field line, the whole head or the field count too large is 431 (RFC 6585
 * §5). */
struct http_limits {
    size_t max_request_line; /* bytes, CRLF excluded (reference: 8192) */
    size_t max_field_line;   /* bytes of one "name: value" line (reference: 8192) */
    size_t max_head;         /* bytes of request line + fields + CRLFs (reference: 65536) */
    unsigned max_headers;    /* field lines, at most HTTP_MAX_HEADERS (reference: 100) */
};

/* The reference limits above, which the servers built on the parser use
 * and a NULL lim stands for. */
extern const struct http_limits http_reference_limits;

/* A span of the caller's buffer (not NUL-terminated). */
struct http_str {
    const char *p;
    size_t n;
};

struct http_header {
    struct http_str name;  /* as sent; compare ignoring ASCII case */
    struct http_str value; /* leading and trailing spaces/tabs removed */
};

enum http_method {
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_DELETE,
    HTTP_PATCH,
    HTTP_OPTIONS,
    HTTP_TRACE,
    HTTP_CONNECT,
    HTTP_OTHER /* a well-formed token we do not know: the server answers 501 */
};

enum http_body {
    HTTP_BODY_NONE,    /* no Content-Length, no Transfer-Encoding (or CL: 0) */
    HTTP_BODY_LENGTH,  /* content_length bytes follow the head */
    HTTP_BODY_CHUNKED, /* Transfer-Encoding: chunked; decode with http_chunked */
    HTTP_BODY_CLOSE    /* responses only: the body ends when the connection
                          does (RFC 9112 §6.3 item 8) */
};

struct http_request {
    enum http_method method;
    struct http_str method_str;
    struct http_str target; /* the request-target as sent */
    struct http_str path;   /* its path: origin-form as is; absolute-form's
                               path part ("/" when empty: then p points to a
                               static "/", not into the buffer); "*" for
                               OPTIONS *; empty for CONNECT; still
                               percent-encoded */
    struct http_str query;  /* after the first '?', without it; n == 0 when none */
    int minor;              /* HTTP/1.<minor>: 0 or 1 */
    struct http_header headers[HTTP_MAX_HEADERS];
    unsigned nheaders;

    /* Derived from the fields, so every caller reads them the same way. */
    struct http_str host;     /* the Host value (n == 0 when absent); for an
                                 absolute-form target its authority, which
                                 RFC 9112 §3.2.2 says replaces Host */
    int keep_alive;           /* 1.1 unless "Connection: close"; 1.0 only with
                                 "Connection: keep-alive" */
    enum http_body body;
    uint64_t content_length;  /* when body == HTTP_BODY_LENGTH */
    int expect_continue;      /* "Expect: 100-continue" (HTTP/1.1 only:
                                 RFC 9110 §10.1.1 ignores it in 1.0) */
    int if_modified_since;    /* 1 when the field is present */
    struct http_str ims;      /* its value */
    struct http_str range;    /* Range value (n == 0 when absent) */

    int status; /* on -1: 400, 414, 431, 501 or 505 */
};

/* Parses the request head at buf[0..len). prev_len is how many of these bytes
 * an earlier call that returned -2 has already seen (0 the first time): the
 * search for the end of the head resumes there, so a head that arrives a byte
 * at a time costs linear, not quadratic, time.
 *
 * Returns the length of the head (request line, fields and the empty line,
 * plus any empty lines skipped before the request line), -2 when the head
 * is incomplete and nothing seen so far is wrong, or -1 with req->status
 * set:
 *   400 malformed request line or field, bare CR, space before a colon,
 *       obs-fold, missing Host in 1.1, more than one Host or an invalid
 *       one, a target form the method does not allow (RFC 9112 §3.2),
 *       a Content-Length that is not one decimal number (a list, a second
 *       field, a sign, > 2^63-1), Content-Length together with chunked,
 *       chunked twice, Transfer-Encoding in an HTTP/1.0 request (§6.1)
 *   414 request line longer than lim->max_request_line
 *   431 a field line, the head or the field count past its limit
 *   501 a transfer coding other than chunked
 *   505 a well-formed version other than HTTP/1.0 and HTTP/1.1
 * A method token we do not know is not an error here: it parses as
 * HTTP_OTHER. Lines may end in CRLF or a bare LF (RFC 9112 §2.2); up to 32
 * bytes of empty lines before the request line are skipped.
 *
 * Errors are found as early as the bytes make them certain: a request line
 * past its limit or malformed, or a field section past a limit, is refused
 * before the head ends (so an endless line costs one limit, not a timeout).
 * The answer never depends on how the bytes were split across calls.
 * lim may be NULL: the reference limits (8192, 8192, 65536, 100). */
int http_parse_request(const char *buf, size_t len, size_t prev_len,
                       const struct http_limits *lim, struct http_request *req);

/* Returns the first field named `name` (ASCII case ignored), or NULL. */
const struct http_header *http_find_header(const struct http_request *req, const char *name);

/* A response head, as a client (a proxy reading its upstream) sees it. */
struct http_response {
    int minor;              /* HTTP/1.<minor> (any digit; 0 means 1.0 rules) */
    int status;             /* 100..599 */
    struct http_str reason; /* the reason phrase (may be empty) */
    struct http_header headers[HTTP_MAX_HEADERS];
    unsigned nheaders;

    /* Derived from the fields and the status (RFC 9112 §6.3). */
    int keep_alive;          /* the server may keep the connection open after
                                this response: 1.1 unless "Connection: close",
                                1.0 only with "Connection: keep-alive", and
                                never for a close-delimited body */
    enum http_body body;     /* how the body is framed; HTTP_BODY_NONE for 1xx,
                                204, 304 and responses to HEAD (flag below)
                                whatever the fields say */
    int has_content_length;  /* a valid Content-Length field was sent */
    uint64_t content_length; /* its value (also when body is NONE: HEAD, 304) */
    int chunked;             /* "Transfer-Encoding: chunked" was sent (also
                                when no body follows) */

    const char *error; /* on -1: what was wrong, for logs ("obs-fold"...) */
};

/* Flag of http_parse_response(): the response answers a HEAD request, so
 * no body follows it whatever its fields say (RFC 9110 §9.3.2). */
#define HTTP_RESP_TO_HEAD 0x1

/* Parses the response head at buf[0..len), in the style of
 * http_parse_request(): prev_len is how many of these bytes an earlier call
 * that returned -2 has seen. Returns the length of the head (status line,
 * fields, empty line), -2 when it is incomplete and nothing seen so far is
 * wrong, or -1 (res->error says why; a proxy answers 502) for:
 *   a status line that is not "HTTP/1.x SP 3DIGIT [SP reason]" (a missing
 *       reason, and a missing space before it, are accepted), a status
 *       outside 100..599, a version other than HTTP/1.x;
 *   the field syntax errors of requests: bare CR, obs-fold, space before a
 *       colon, a control character in a value;
 *   a Content-Length that is not one decimal number (a list, a second
 *       field), Content-Length together with Transfer-Encoding, a transfer
 *       coding other than a single "chunked" (a proxy could neither decode
 *       nor pass it on honestly), Transfer-Encoding in an HTTP/1.0
 *       response (RFC 9112 §6.1: faulty framing);
 *   the limits of lim (status line: max_request_line; field lines, head,
 *       count), or lim NULL for the reference limits.
 * Empty lines before the status line are not skipped: a server that sends
 * them has miscounted its previous body. As for requests, the answer never
 * depends on how the bytes were split. flags: HTTP_RESP_TO_HEAD or 0. */
int http_parse_response(const char *buf, size_t len, size_t prev_len,
                        const struct http_limits *lim, unsigned flags, struct http_response *res);

/* Returns the first field of a response named `name` (ASCII case ignored),
 * or NULL. */
const struct http_header *http_find_response_header(const struct http_response *res,
                                                    const char *name);

/* Returns the first of the n fields hs named `name` (ASCII case ignored),
 * or NULL: http_find_header() for any field array. */
const struct http_header *http_find_field(const struct http_header *hs, unsigned n,
                                          const char *name);

/* Incremental decoder of a chunked body (RFC 9112 §7.1): chunk sizes,
 * extensions (ignored), data, and the trailer section (skipped). */
struct http_chunked {
    int state;          /* private */
    uint64_t remaining; /* private: bytes left in the current chunk */
    size_t line;        /* private: bytes of the current size/trailer line */
    uint64_t framing;   /* private: bytes that were not data */
    uint64_t total;     /* data bytes decoded so far */
};

/* Starts decoding a new body. */
void http_chunked_init(struct http_chunked *c);

/* Decodes buf[0..*len) in place. On return the decoded data is
 * buf[0..*len'), where *len' is the new value of *len. Returns:
 *   -2  every input byte was used and the body is not finished yet;
 *   -1  malformed (bad size, size overflow, missing CRLF after data, a size
 *       or trailer line longer than 4096 bytes, or more framing in all than
 *       64 KiB plus 8 bytes per data byte: endless trailers, huge extensions);
 *   n>=0 the body ended; the n bytes after it (the start of the next
 *       request) now sit at buf[*len'..*len'+n).
 * The caller enforces its own limit on c->total (413). */
ssize_t http_chunked_decode(struct http_chunked *c, char *buf, size_t *len);

/* Decodes %XX escapes of src[0..n) into dst (at least n bytes; dst may equal
 * src). plus_is_space: '+' becomes ' ' (query strings, not paths). Returns the
 * decoded length, or -1 on a malformed escape or, when !allow_nul, on %00
 * (or a raw NUL byte). */
ssize_t http_percent_decode(const char *src, size_t n, char *dst, int plus_is_space, int allow_nul);

#endif
