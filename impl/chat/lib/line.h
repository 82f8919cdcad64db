#ifndef OSNET_CHAT_LINE_H
#define OSNET_CHAT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Line framing for the chat protocol: splits a byte stream into lines that
 * end with "\n" (a "\r" just before the "\n" is not part of the line) and
 * refuses lines longer than LINE_CONTENT_MAX bytes without ever buffering
 * them.
 *
 * The framer only stores the start of a line whose "\n" has not arrived yet,
 * in a bounded buffer (at most LINE_CONTENT_MAX + 1 bytes: the content and
 * a "\r" that may turn out to end it), allocated while such a partial line
 * exists and freed once it is complete. As soon as a line is known to be too
 * long the framer reports it once, drops what it held, and discards every
 * byte up to and including the line's "\n" as it arrives. It never touches
 * a socket. */

#define LINE_CONTENT_MAX 1000

enum line_event {
    LINE_NONE,     /* nothing to handle: the bytes were stored or discarded */
    LINE_READY,    /* a whole line is in *line, *len */
    LINE_TOO_LONG, /* a line went past LINE_CONTENT_MAX: reported once per line */
};

struct line_framer {
    struct buf partial; /* the start of the current line, no "\n" yet */
    bool discarding;    /* inside an over-long line: drop through its "\n" */
    bool release;       /* the last line returned lives in partial */
};

/* Initializes an empty framer. Allocates nothing. */
void line_init(struct line_framer *f);

/* Frees what the framer holds; it stays usable and empty. */
void line_free(struct line_framer *f);

/* Feeds the bytes data[0..n) up to and including the first event they
 * complete. Returns the number of bytes consumed (n when no line ends in
 * them; 0 only when n is 0), or -ENOMEM when a partial line could not be
 * stored (the framer is then unchanged). Stores the event in *ev; for
 * LINE_READY, *line and *len give the line without its "\r\n" or "\n",
 * valid until the next call and as long as data is (a line that arrived in
 * one piece points into data, without a copy). The caller feeds the rest,
 * data + consumed, again until everything is consumed. */
ssize_t line_feed(struct line_framer *f, const char *data, size_t n, enum line_event *ev,
                  const char **line, size_t *len);

/* Frees the copy of the last line returned, if it had to be copied (it
 * arrived in pieces); the framer's state is kept. Call it once done with
 * that line, so that a client between lines holds no memory. */
void line_done(struct line_framer *f);

/* Returns the number of bytes of an unfinished line the framer holds. */
size_t line_pending(const struct line_framer *f);

#endif
