#ifndef OSNET_SIG_H
#define OSNET_SIG_H

#include <signal.h>

/* Signals that ask a server to stop gracefully: SIGTERM and SIGINT.
 *
 * They are never handled by an asynchronous handler. An event loop reads them
 * from a signalfd; a threaded server blocks them in every thread and one
 * thread waits for them with sigwait(). Either way the signals must be blocked
 * before any thread is created, since threads inherit the mask of their
 * creator and a signal sent to the process goes to any thread that does not
 * block it. */

/* Stores {SIGTERM, SIGINT} in *set. */
void sig_stop_set(sigset_t *set);

/* Blocks SIGTERM and SIGINT in the calling thread (and so in threads it
 * creates afterwards) and resets them to their default action. The reset
 * matters because a shell starts background jobs with SIGINT ignored, and
 * POSIX leaves it unspecified whether an ignored signal is kept pending for
 * sigwait() or a signalfd even while blocked (Linux keeps it; others may
 * drop it). Returns 0 or a negative errno. */
int sig_block_stop(void);

/* Waits until SIGTERM or SIGINT is pending and takes it. The signals must be
 * blocked in every thread (sig_block_stop). Returns the signal number or a
 * negative errno. */
int sig_wait_stop(void);

/* Blocks SIGTERM and SIGINT (as sig_block_stop) and returns a non-blocking,
 * close-on-exec signalfd that becomes readable when one of them is pending,
 * or a negative errno. */
int sig_open_stopfd(void);

struct loop;

/* Opens a stop signalfd (sig_open_stopfd) and watches it on loop: when
 * SIGTERM or SIGINT arrives it logs "SIGTERM: stopping" (or "SIGINT: ...")
 * and calls loop_stop(), so loop_run() returns 0 and main() can close
 * everything and exit 0. Returns 0 and stores the signalfd in *fd_out (the
 * caller closes it after loop_destroy()), or a negative errno, in which case
 * nothing is left open or watched. */
int sig_watch_stop(struct loop *loop, int *fd_out);

/* Takes one pending signal from a signalfd. Returns its number, 0 when none
 * is pending, or a negative errno. */
int sig_read_stopfd(int fd);

/* Ignores SIGPIPE, so writing to a connection the peer has closed fails with
 * EPIPE instead of killing the process. Returns 0 or a negative errno. */
int sig_ignore_pipe(void);

#endif
