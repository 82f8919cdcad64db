#ifndef OSNET_DEADLINE_H
#define OSNET_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Per-connection deadlines as lists ordered by start time.
 *
 * A server has a few kinds of deadline (idle, header, I/O, linger...), each
 * with one timeout shared by every connection. A connection waits on one
 * kind at a time; appending it to that kind's list at the current time keeps
 * the list sorted by start time, so a periodic tick finds every expired
 * connection at the list's head and stops at the first that is not, and
 * changing a connection's deadline costs O(1) — no heap, no timer per
 * connection.
 *
 * The node lives inside the connection (an intrusive list); DL_OWNER gets
 * the connection back from it. Times are in milliseconds, on whatever
 * monotonic clock the caller reads. */

struct dl_list;

struct dl_node {
    struct dl_node *prev, *next;
    struct dl_list *list; /* the list it is on, or NULL */
    uint64_t since;       /* when its deadline started */
};

struct dl_list {
    struct dl_node *head, *tail; /* oldest first */
};

/* The struct of type that holds node n as its member. */
#define DL_OWNER(n, type, member) ((type *)(void *)((char *)(n)-offsetof(type, member)))

/* Takes n off its list; nothing when it is on none. A zeroed node is on
 * none. */
void dl_remove(struct dl_node *n);

/* Puts n at the tail of l with its deadline starting at now. n already on
 * l keeps its place and start time unless restart is set: a header
 * deadline, say, counts from the head's first byte however many reads it
 * takes. */
void dl_set(struct dl_list *l, struct dl_node *n, uint64_t now, bool restart);

/* The oldest node of l if it has waited timeout_ms or more at now, else
 * NULL. A tick calls it in a loop; whatever it does with the node must
 * take it off l or give it a new start (dl_set with restart), or the loop
 * meets it again. */
struct dl_node *dl_expired(const struct dl_list *l, uint64_t now, uint64_t timeout_ms);

#endif
