#ifndef OSNET_CHAT_PROTO_H
#define OSNET_CHAT_PROTO_H

#include <stdbool.h>
#include <stddef.h>

/* The chat protocol's words: what a valid nick is, how nicks compare, and
 * what a line from a joined client asks for. Lines are bytes with a length
 * (they may hold NUL); nothing here allocates. */

#define PROTO_NICK_MAX 16

/* Returns true when s[0..n) is a valid nick: 1 to PROTO_NICK_MAX bytes, an
 * ASCII letter first, then only ASCII letters, digits, '_' and '-'. */
bool proto_nick_valid(const char *s, size_t n);

/* Returns true when the two byte strings are equal ignoring ASCII case
 * ("Alice" and "aLICE" are; bytes above 0x7F compare exactly). */
bool proto_nick_same(const char *a, size_t an, const char *b, size_t bn);

/* Compares two nicks by byte value, the order of a WHO line: returns a
 * negative number, 0 or a positive number as a sorts before, equal to or
 * after b (a prefix sorts first). */
int proto_nick_order(const char *a, size_t an, const char *b, size_t bn);

enum proto_cmd {
    PROTO_EMPTY,   /* an empty line: ignored */
    PROTO_MSG,     /* a message: the whole line is its text */
    PROTO_NICK,    /* "/nick NEW": *arg is NEW (maybe empty or invalid) */
    PROTO_WHO,     /* "/who" */
    PROTO_QUIT,    /* "/quit" */
    PROTO_UNKNOWN, /* any other line starting with '/' */
};

/* Classifies a line from a joined client. For PROTO_NICK stores the bytes
 * after "/nick " in *arg, *arglen ("/nick" alone gives an empty one, which
 * is no valid nick). Commands are exact and case-sensitive: "/who x" and
 * "/WHO" are unknown commands. */
enum proto_cmd proto_parse(const char *line, size_t n, const char **arg, size_t *arglen);

#endif
