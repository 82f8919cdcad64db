#ifndef GUESS_PROTO_H
#define GUESS_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The guess protocol (specs/guess.md): one ASCII line per datagram.
 *
 *     request:  GUESS <seq> <n>            (may end with "\n")
 *     replies:  HIGHER <seq> <tries>\n
 *               LOWER <seq> <tries>\n
 *               CORRECT <seq> <tries>\n
 *               ERR <seq> <reason>\n       reason: malformed | range | stale
 *
 * A datagram is a whole message, so unlike a stream parser these never ask
 * for more bytes: a datagram either is a well-formed message or it is not.
 * Nothing here touches a socket. */

/* The longest reply: "CORRECT 4294967295 4294967295\n" is 30 bytes. */
#define GUESS_REPLY_MAX 32

/* The largest <seq>. 0 is not a valid seq: ERR 0 means "seq unreadable". */
#define GUESS_SEQ_MAX UINT32_MAX

struct guess_req {
    uint32_t seq; /* 1..GUESS_SEQ_MAX, or 0 when it could not be read */
    uint64_t n;   /* the guess, unchecked against --max */
};

enum guess_kind {
    GUESS_HIGHER,
    GUESS_LOWER,
    GUESS_CORRECT,
    GUESS_ERR_MALFORMED,
    GUESS_ERR_RANGE,
    GUESS_ERR_STALE,
};

struct guess_reply {
    enum guess_kind kind;
    uint32_t seq;
    uint32_t tries; /* HIGHER, LOWER and CORRECT only */
};

/* Parses the request in the datagram p[0..len). Exactly "GUESS", one space,
 * a seq of 1..4294967295, one space, n, and an optional final "\n"; numbers
 * are plain decimal digits (no sign, no space, no "0x"). Returns len (every
 * byte consumed) for a well-formed request, or -1 when malformed. Either
 * way req->seq holds the request's seq when the datagram starts with
 * "GUESS <valid seq> ", else 0, so the error reply can name it. An n too
 * large for 64 bits is malformed; any other n is for the caller to check
 * against its range. */
int guess_parse_request(const char *p, size_t len, struct guess_req *req);

/* Parses a reply datagram p[0..len), which must end with "\n". Returns len
 * for a well-formed reply, or -1. Used by the client, and by the tests to
 * read what the server answered. */
int guess_parse_reply(const char *p, size_t len, struct guess_reply *rep);

/* Writes the reply r as one line ending with "\n" into out (no NUL is
 * added). Returns its length, or -ENOSPC when outlen is too small
 * (GUESS_REPLY_MAX is always enough), or -EINVAL for an unknown kind. */
int guess_format_reply(char *out, size_t outlen, const struct guess_reply *r);

/* Writes a request "GUESS <seq> <n>\n" into out (no NUL added). Returns its
 * length, or -ENOSPC when outlen is too small (48 is always enough). */
int guess_format_request(char *out, size_t outlen, uint32_t seq, uint64_t n);

/* Returns the word a reply kind starts with ("HIGHER", ..., "ERR"). */
const char *guess_kind_name(enum guess_kind kind);

#endif
