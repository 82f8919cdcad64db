#ifndef OSNET_HTTP_STATIC_H
#define OSNET_HTTP_STATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "http_parse.h"

/* Static files under a document root: from a parsed request to what the
 * answer is (status, which file, which bytes, which headers), without
 * touching a socket. The server turns a static_reply into a response head
 * and sends the file's bytes itself (sendfile, or reads for TLS). */

/* What to answer. Fields other than status are meaningful as noted. */
struct static_reply {
    int status;           /* 200, 206, 301, 304, 400, 403, 404, 405 or 416 */
    int fd;               /* 200/206 to GET: the open file to send, else -1 */
    uint64_t size;        /* 200, 206, 304, 416: the file's size */
    uint64_t first, len;  /* 200/206: the body is bytes [first, first + len) */
    time_t mtime;         /* 200, 206, 304: Last-Modified */
    const char *mime;     /* 200, 206: the Content-Type */
    const char *location; /* 301: the Location value (in the caller's scratch) */
    size_t location_len;
};

/* Percent-decodes the request path p[0..n) and normalizes it into a path
 * relative to the root, written to out (at least n + 1 bytes; the result is
 * NUL-terminated, "" for the root itself): empty and "." segments go, ".."
 * removes the segment before it. *dir_form is set when the path names a
 * directory by its form (it ends in "/", "/." or "/.."). Returns the length
 * of the result, or -1 when the path is malformed (does not start with '/',
 * a bad %-escape, %00) or a ".." would climb above the root: both are 400s.
 * The result has no "..", no "." and no empty segment, and never starts with
 * '/'. */
ssize_t static_normalize(const char *p, size_t n, char *out, bool *dir_form);

/* Returns the media type for a file name by its extension (ASCII case
 * ignored), "application/octet-stream" for any other or none. */
const char *static_mime(const char *name, size_t n);

enum range_result {
    RANGE_IGNORE,        /* no usable single range: send the whole file (200) */
    RANGE_OK,            /* 206 with bytes [*first, *first + *len) */
    RANGE_UNSATISFIABLE, /* 416 */
};

/* Reads a Range field value s[0..n) against a representation of size bytes
 * (RFC 9110 §14.2): "bytes=a-b", "bytes=a-" and "bytes=-n" (the last n
 * bytes). A last position past the end is cut to the end. A first position
 * at or past the end, a first position after the last, and a zero-length
 * suffix are unsatisfiable. Anything else (another unit, several ranges,
 * bad syntax) is ignored. */
enum range_result static_range(const char *s, size_t n, uint64_t size, uint64_t *first,
                               uint64_t *len);

/* Opens path (as made by static_normalize; "" is the root) beneath root_fd
 * read-only and non-blocking (a FIFO must not block the server). With
 * openat2() (Linux 5.6) the kernel refuses any resolution that leaves the
 * root, through ".." or a symbolic link (RESOLVE_BENEATH), and /proc magic
 * links; without it, a path made by static_normalize holds no "..", but a
 * symbolic link inside the root can still lead out of it. Returns the fd or
 * a negative errno (-EXDEV when a link points outside the root). */
int static_open(int root_fd, const char *path);

/* Decides the answer to a request for a static file under root_fd: method
 * (GET and HEAD only, else 405), path (static_normalize: 400), directories
 * (index.html when the path ends in '/', else 301 to the slash form, its
 * Location made from the normalized path), If-Modified-Since (304), Range
 * and If-Range (206, 416). scratch holds at least 4 * req->target.n + 16
 * bytes and backs location. On 200 and 206 to GET, out->fd is an open file
 * the caller must close. Returns 0, or a negative errno for a failure that
 * is the server's, not the request's (out of descriptors or memory, an I/O
 * error: 500). */
int static_serve(int root_fd, const struct http_request *req, char *scratch,
                 struct static_reply *out);

#endif
