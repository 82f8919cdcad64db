#ifndef OSNET_RESP_H
#define OSNET_RESP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/* RESP2, the protocol redis speaks: an incremental parser of client
 * requests and the writers of the replies a server sends.
 *
 * A request is either a multibulk array of bulk strings
 *     *<count>\r\n$<len>\r\n<len bytes>\r\n ...
 * (what redis-cli and every client library send) or an inline command, one
 * line typed by hand into nc or telnet ("SET k v\r\n"). The parser reads
 * them the way redis's networking.c does, limits and error messages
 * included:
 *   - a request starting with '*' is multibulk, anything else inline;
 *   - numbers are redis's strict decimal (an optional '-', no '+', no
 *     leading zeros, no spaces); a count of 0 or less is an empty command;
 *   - like redis, the byte after a CR that ends a count or length line, and
 *     the two bytes after a bulk's data, are skipped without being checked
 *     to be LF / CRLF;
 *   - an inline line ends at LF, a CR before it is dropped; it is split
 *     into arguments as redis's sdssplitargs() does: whitespace (space,
 *     tab, CR, VT, FF) between arguments is skipped, an unquoted argument
 *     ends at a space, tab or CR; "..." quotes with the escapes \n \r \t
 *     \b \a \xHH and \<byte> (that byte), '...' quotes with \' as its only
 *     escape; quoted and unquoted parts of one argument join ("a"b is ab,
 *     `SET k "a b"` has three arguments); a closing quote followed by
 *     anything but whitespace or the end, or a quote never closed, is the
 *     error "Protocol error: unbalanced quotes in request". Unlike redis
 *     (whose C-string search for the LF never sees past a NUL), a NUL is an
 *     ordinary byte. An empty line, or one of spaces only, is an empty
 *     command, which redis ignores.
 *
 * It never touches a socket and copies nothing but quoted inline arguments:
 * the other arguments are spans of the caller's buffer. Only the argument
 * array (never more entries than the count limit) and, for a line with
 * quotes, one line's worth of unquoted bytes are allocated. */

/* Limits a server enforces on requests; going past one is a protocol error
 * (redis answers it and closes the connection). */
struct resp_limits {
    size_t max_bulk;   /* bytes of one bulk string (redis proto-max-bulk-len:
                          512 MiB) */
    size_t max_args;   /* arguments of one request, multibulk count (redis:
                          1024*1024) */
    size_t max_inline; /* bytes of an inline line before its LF, and of a
                          "*<count>" or "$<len>" line before its CR (redis
                          PROTO_INLINE_MAX_SIZE: 64 KiB) */
};

/* The limits redis has by default, which a NULL lim stands for. */
extern const struct resp_limits resp_default_limits;

/* One argument: n bytes at p, a span of the buffer given to resp_parse()
 * (not NUL-terminated; may hold any byte, NUL and CRLF included). off is
 * the same span as an offset from the start of that buffer, or
 * RESP_OFF_NONE for an inline argument that had quotes: its unquoted bytes
 * are the parser's own, valid until the next call. */
#define RESP_OFF_NONE SIZE_MAX

struct resp_arg {
    const char *p;
    size_t off;
    size_t n;
};

/* A connection's parser: the result of the last call and, between calls
 * that returned -2, how far the current request has been read. */
struct resp_parser {
    /* After a call that returned > 0. */
    struct resp_arg *argv; /* argc arguments (argc == 0: an empty command) */
    size_t argc;
    int is_inline;         /* the request was an inline command */

    /* After a call that returned -1: the message redis sends, to be written
     * as "-ERR <error>\r\n" before closing the connection. */
    const char *error;

    /* Work counter, for tests: bytes examined while searching for line ends,
     * over the parser's life. Each byte of a request is searched at most
     * once, plus at most one byte per call: that is what keeps a request
     * arriving in many pieces linear. */
    uint64_t scanned;

    /* Private. */
    const struct resp_limits *lim;
    int state;
    size_t pos;     /* next byte to examine, from the start of the request */
    size_t line;    /* start of the current count or length line */
    size_t nargs;   /* announced multibulk count */
    size_t bulklen; /* length of the bulk being read */
    size_t cap;     /* allocated entries of argv */
    char *ibuf;     /* unquoted inline arguments */
    size_t icap;    /* allocated bytes of ibuf */
    char errbuf[48];
};

/* Prepares p for a new connection. lim (NULL: resp_default_limits) must
 * stay valid while p is used. Allocates nothing; p must not hold memory from
 * an earlier use (call resp_parser_free first). */
void resp_parser_init(struct resp_parser *p, const struct resp_limits *lim);

/* Releases the argument array and the unquoted bytes. p may be initialized
 * again afterwards. */
void resp_parser_free(struct resp_parser *p);

/* Parses one request at buf[0..len), where buf[0] is the first byte of the
 * request (the bytes of earlier requests already dropped).
 *
 * Returns:
 *   n > 0     the request is the first n bytes; its arguments are in
 *             p->argv[0..p->argc), pointing into buf, valid until the
 *             caller drops or moves those bytes. argc == 0 is an empty
 *             command ("\r\n", a blank line, "*0\r\n", "*-1\r\n"): drop the
 *             bytes and run nothing. The parser is then ready for the next
 *             request, which starts at buf[n]: the caller drops the n bytes
 *             (or passes buf + n) and calls again; pipelined requests come
 *             out one per call.
 *   -2        incomplete and nothing wrong so far. p remembers how far it
 *             got: the caller appends what arrives next and calls again with
 *             the same request at buf[0] and all the bytes it passed before
 *             at the same offsets (the memory may have moved: p keeps
 *             offsets, not pointers). Bytes already examined are not
 *             examined again, so a 100 MB bulk or 100,000 arguments arriving
 *             a few bytes at a time cost linear time overall.
 *   -1        malformed or past a limit; p->error holds redis's message:
 *               "Protocol error: invalid multibulk length"  bad count, or
 *                   more than lim->max_args
 *               "Protocol error: invalid bulk length"  bad or negative length,
 *                   or more than lim->max_bulk
 *               "Protocol error: expected '$', got 'x'"  an argument that is
 *                   not a bulk string (a CR or LF byte shows as a space)
 *               "Protocol error: too big mbulk count string",
 *               "Protocol error: too big bulk count string"  a count or length
 *                   line longer than lim->max_inline with no CR
 *               "Protocol error: too big inline request"  an inline line
 *                   longer than lim->max_inline, or with more than
 *                   lim->max_args arguments
 *               "Protocol error: unbalanced quotes in request"  an inline
 *                   line whose quotes do not pair up
 *             Every later call returns -1 until resp_parser_init().
 *   -ENOMEM   the argument array could not grow; nothing was lost, a later
 *             call retries.
 * The answer never depends on how the bytes were split across calls. */
ssize_t resp_parse(struct resp_parser *p, const char *buf, size_t len);

/* Parses s[0..n) as redis's string2ll() does, the one number syntax of
 * both the protocol (count and length lines) and the commands (INCRBY,
 * EX, SCAN cursors...): an optional '-', then "0" or a digit 1-9 and more
 * digits, nothing else (no '+', no spaces, no leading zeros), within long
 * long. Returns 1 and the value in *v, or 0. */
int resp_parse_ll(const char *s, size_t n, long long *v);

/* Reply writers. Each appends one whole reply to b or nothing at all, and
 * returns 0, -ENOBUFS when b would pass its maximum (the client's output
 * buffer limit), or -ENOMEM. */

/* "+<s>\r\n", a status such as OK or PONG. A CR or LF in s is written as a
 * space: a reply line must not end early. */
int resp_write_simple(struct buf *b, const char *s);

/* "-<msg>\r\n"; msg starts with the error code ("ERR unknown command",
 * "WRONGTYPE ..."). CR and LF in msg become spaces, as redis does. */
int resp_write_error(struct buf *b, const char *msg);

/* ":<v>\r\n". */
int resp_write_int(struct buf *b, long long v);

/* "$<n>\r\n<n bytes>\r\n": binary-safe. */
int resp_write_bulk(struct buf *b, const void *data, size_t n);

/* "$-1\r\n", the null bulk string (GET of a missing key). */
int resp_write_null(struct buf *b);

/* "*<n>\r\n", the header of an array whose n elements the caller writes
 * next. */
int resp_write_array(struct buf *b, size_t n);

/* "*-1\r\n", the null array. */
int resp_write_null_array(struct buf *b);

#endif
