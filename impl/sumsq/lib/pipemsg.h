#ifndef SUMSQ_PIPEMSG_H
#define SUMSQ_PIPEMSG_H

#include <stddef.h>

/* A fixed-size message read from a pipe however the kernel hands it over.
 * read() may return fewer bytes than asked (a short read) even when the
 * writer wrote them all at once, and the rest comes later: a reader that
 * takes one read for the whole message is wrong some of the time. */

/* Reads once from fd (again if a signal interrupts it) into the rest of a
 * len-byte message, buf[*got .. len), and adds the bytes read to *got, so
 * that a caller driven by poll() collects the message over as many calls as
 * it takes. Once the message is complete (*got == len) it reads into a byte
 * of its own, to learn whether the sender stopped there. Returns 1 when
 * bytes arrived, 0 at end of file, -EMSGSIZE when a byte came beyond len, or
 * a negative errno from read(). */
int pipemsg_read(int fd, void *buf, size_t len, size_t *got);

#endif
