#ifndef GREP_MATCH_H
#define GREP_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fixed-string matcher of grep: a set of patterns, each a byte string
 * matched literally, and the scan of a block of whole lines for the lines
 * it selects.
 *
 * The scan does not walk the block line by line. It asks memmem for the
 * next occurrence of a pattern anywhere in the rest of the block, and only
 * then looks for the newlines around that occurrence: the lines in between
 * are skipped at memmem's speed, a few bytes per cycle. With several
 * patterns each one remembers where its next occurrence is, so a pattern
 * that is not in the block is searched for once, not once per match of
 * the others. With -i the block is first copied folded to lower case (the
 * ASCII letters only: this is the C locale), and the search runs on the
 * copy. */

struct match_pat {
    char *s;     /* the pattern, folded with -i */
    size_t len;  /* never 0: empty patterns set match.all instead */
    size_t next; /* offset of its next occurrence in the block being
                    scanned; MATCH_NONE or MATCH_UNKNOWN */
};

struct match {
    struct match_pat *pat;
    size_t npat;
    bool icase;
    bool all;   /* an empty pattern: every line matches */
    char *fold; /* the block folded to lower case (-i) */
    size_t foldcap;
};

/* Called for each run of consecutive selected lines: p and len cover the
 * lines with their newlines, nlines is how many there are, first is the
 * line number of the first one (counted from 1 in the file; meaningful
 * only when match_block was asked to count lines). Returns 0 to go on,
 * or a non-zero value that ends the scan and is returned by match_block
 * (a positive "stop here", a negative errno). */
typedef int match_run_fn(void *ctx, const char *p, size_t len, uintmax_t nlines, uintmax_t first);

/* Builds the set from n pattern arguments, each split at its newlines
 * into several patterns (grep -e 'a<newline>b' is two patterns). With
 * icase, patterns and lines are compared with ASCII letters folded.
 * Returns 0, or -ENOMEM (nothing to free then). */
int match_init(struct match *m, const char *const *args, size_t n, bool icase);

/* Releases everything match_init and match_block allocated. */
void match_free(struct match *m);

/* Scans a block of whole lines (len > 0, ending with '\n') and calls fn
 * for each run of selected lines, in order: lines holding an occurrence
 * of some pattern, or with invert the lines holding none. When count_lines
 * is set, *lineno (the number of lines of the file before the block) is
 * advanced past the block so that line numbers are exact; otherwise it is
 * left approximate, which saves counting newlines. Returns 0 once the
 * block is done, fn's non-zero value if fn stopped the scan, or -ENOMEM. */
int match_block(struct match *m, bool invert, bool count_lines, const char *p, size_t len,
                uintmax_t *lineno, match_run_fn *fn, void *ctx);

/* Whether one line (its text, without the newline) is matched by the set:
 * the definition match_block implements fast, written plainly, for tests. */
bool match_line(const struct match *m, const char *p, size_t len);

#endif
