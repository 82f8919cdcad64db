#ifndef CAT_CATFMT_H
#define CAT_CATFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The formatting half of cat: -n, -b, -s, -E, -T, exactly as GNU cat 9.1
 * does them. Input arrives in pieces of any size (a read's worth, one
 * byte, one file after another); the state that spans pieces lives in
 * struct catfmt, so where the pieces are cut never changes the output:
 *
 *  - the line number goes on across files ("cat -n a b" numbers b's lines
 *    after a's);
 *  - a file that does not end with a newline leaves its last line open,
 *    and the next file's first bytes continue that line, unnumbered;
 *  - -s counts empty lines across pieces and files;
 *  - -E shows a CR that ends a line (CR LF) as "^M", even when the CR is
 *    the last byte of one piece (or file) and the LF the first of the
 *    next: such a CR is held back until the next byte is known.
 *
 * Output goes to a buffer of fixed size that is handed to a write
 * function when it fills (and by catfmt_flush). */

struct catfmt_opts {
    bool number;   /* -n: number every output line */
    bool nonblank; /* -b: number the non-empty lines only (overrides -n) */
    bool squeeze;  /* -s: never more than one empty line in a row */
    bool ends;     /* -E: "$" before each newline */
    bool tabs;     /* -T: a tab shows as "^I" */
};

/* Writes n bytes somewhere; returns 0 or a negative errno. */
typedef int catfmt_write_fn(void *ctx, const char *p, size_t n);

struct catfmt {
    struct catfmt_opts o;
    /* Where we are, GNU cat's way: -1 inside a line, 0 at the start of a
     * line, 1 or 2 after that many empty lines in a row (2 means "more
     * than one": -s drops the next ones). */
    int newlines;
    bool pending_cr; /* -E: a CR was the last byte seen; LF next makes it ^M */
    uintmax_t line;  /* the last line number printed */
    char *out;
    size_t len, cap;
    catfmt_write_fn *write;
    void *ctx;
};

/* The least output buffer catfmt_init accepts. */
#define CATFMT_MIN_CAP 64

/* Sets up a formatter with an output buffer of cap bytes (at least
 * CATFMT_MIN_CAP) emptied through write(ctx, ...). Options: -b implies
 * numbering, as in GNU cat. Returns 0, -EINVAL for a too small cap, or
 * -ENOMEM. */
int catfmt_init(struct catfmt *f, const struct catfmt_opts *o, size_t cap, catfmt_write_fn *write,
                void *ctx);

/* Releases the output buffer (what it holds is lost: flush first). */
void catfmt_free(struct catfmt *f);

/* Formats n input bytes. Returns 0, or the negative errno of a failed
 * write, after which the formatter must not be used again. */
int catfmt_feed(struct catfmt *f, const char *p, size_t n);

/* Writes what the output buffer holds. Returns 0 or a negative errno. */
int catfmt_flush(struct catfmt *f);

/* The end of all input: a CR held back by -E goes out as it is, then
 * everything is written. Returns 0 or a negative errno. */
int catfmt_finish(struct catfmt *f);

#endif
