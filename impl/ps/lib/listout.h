#ifndef OSNET_PS_LISTOUT_H
#define OSNET_PS_LISTOUT_H

#include <stdio.h>

/* The listing mps and mlsof print: written through a stdio stream's
 * buffer (one write(2) per buffer, not per line), and no more after the
 * first write that fails. A full disk or a closed pipe (with SIGPIPE
 * ignored) makes every later write fail too; the program stops listing,
 * and says so once, at the end, with the errno of the write that failed,
 * as procps and GNU tools do ("PROG: write error: No space left on
 * device"). */
struct listout {
    FILE *f;
    int error; /* the errno of the first failed write, 0 while none */
};

/* Starts a listing on f (stdout): no error yet. */
void listout_init(struct listout *o, FILE *f);

/* Writes n bytes, unless a write already failed (then does nothing). */
void listout_write(struct listout *o, const void *p, size_t n);

/* Flushes what the buffer holds. Returns 0, or 1 after printing
 * "PROG: write error: MESSAGE" on stderr for the first write that failed,
 * now or earlier: the exit status the listing's end requires. */
int listout_finish(struct listout *o, const char *prog);

#endif
