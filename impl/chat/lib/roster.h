#ifndef OSNET_CHAT_ROSTER_H
#define OSNET_CHAT_ROSTER_H

#include <stddef.h>

#include "proto.h"

/* The joined nicks, kept sorted by byte value so that a WHO line is a walk
 * of the list, with no allocation and no sort at the moment it is asked
 * for. Entries are embedded in the caller's own records (intrusive list);
 * joining and renaming cost one pass over the list, as does the check that
 * a nick is free (uniqueness ignores ASCII case, order does not). */

struct roster_entry {
    char nick[PROTO_NICK_MAX + 1]; /* NUL-terminated for logs */
    size_t len;
    struct roster_entry *prev, *next;
};

struct roster {
    struct roster_entry *head;
    size_t count;
};

/* Initializes an empty roster. */
void roster_init(struct roster *r);

/* Sets the nick of an entry that is not in a roster. The caller has checked
 * it with proto_nick_valid(), so it fits. */
void roster_set_nick(struct roster_entry *e, const char *nick, size_t len);

/* Returns the entry of r whose nick equals nick[0..len) ignoring ASCII case,
 * other than skip (NULL to skip none), or NULL when there is none. */
struct roster_entry *roster_find(const struct roster *r, const char *nick, size_t len,
                                 const struct roster_entry *skip);

/* Adds e, whose nick is set, in its place in byte order. */
void roster_insert(struct roster *r, struct roster_entry *e);

/* Takes e, which is in r, out of r. */
void roster_remove(struct roster *r, struct roster_entry *e);

/* Returns the length of the line "WHO <nick> <nick> ...\n" for r. */
size_t roster_who_len(const struct roster *r);

/* Writes that line into out, which has room for roster_who_len(r) bytes. */
void roster_who_write(const struct roster *r, char *out);

#endif
