#ifndef GREP_LINES_H
#define GREP_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* The line splitter of grep: bytes are read into a bounded buffer, and
 * what comes out is blocks of whole lines, however the reads cut them.
 *
 *     lines_reserve -> read() into the tail -> lines_commit -> lines_take
 *
 * A block is every complete line the buffer holds (from the first byte up
 * to and including the last newline), handed out in one piece so the
 * matcher can scan it with memmem/memchr instead of line by line. What
 * follows the last newline (the start of a line still being read) stays
 * in the buffer and is moved to the front when the tail needs the room.
 * The buffer grows by doubling, so a line of 100 MB costs about 128 MiB,
 * up to the maximum given to lines_init: a line longer than that is an
 * error, not unbounded memory.
 *
 * Binary files, the GNU grep way: once a NUL byte has been read, the file
 * is binary, and every NUL from that read on counts as a line end (it is
 * replaced by '\n' in the buffer). GNU grep decides this per buffer it
 * reads, so lines before the buffer holding the first NUL are plain text.
 * The splitter does the same per commit. */

/* The least free room lines_reserve offers: the size of one read. */
#define LINES_READ_MIN (128u * 1024)

struct lines {
    struct buf b;
    size_t scanned; /* leading live bytes known to hold no newline */
    bool binary;    /* a NUL byte was committed since the last reset */
};

/* Initializes an empty splitter whose buffer will never exceed max bytes
 * (the longest line it can return is a little less: max minus one read).
 * Allocates nothing. */
void lines_init(struct lines *l, size_t max);

/* Releases the buffer; the splitter stays usable and empty. */
void lines_free(struct lines *l);

/* Forgets any partial line and the binary flag, keeping the storage: the
 * start of a new file. */
void lines_reset(struct lines *l);

/* Makes room for a read: on success *tail is where to read to and *avail
 * how much may be read there (LINES_READ_MIN or more), and 0 is returned.
 * Returns -ENOBUFS when the partial line already held is so long that one
 * more read would pass the maximum, or -ENOMEM. */
int lines_reserve(struct lines *l, char **tail, size_t *avail);

/* Adds n bytes read into the tail from lines_reserve (n <= avail). Sets
 * l->binary if they hold a NUL byte, and then turns NULs into newlines. */
void lines_commit(struct lines *l, size_t n);

/* Takes every complete line held: stores their start in *block and
 * returns their length (it ends with '\n'), or returns 0 when no line is
 * complete yet. The block stays valid until the next lines_reserve. */
size_t lines_take(struct lines *l, const char **block);

/* At end of file: takes the last line if it had no newline, with a
 * newline appended (a line "without newline" is still a line). Returns its
 * length including that newline, or 0 when nothing is left. Call it after
 * lines_take has returned 0. */
size_t lines_take_last(struct lines *l, const char **block);

#endif
