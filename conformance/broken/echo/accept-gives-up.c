/* BREAKS: ECHO-015, ECHO-013, ECHO-014 */
/* A non-blocking epoll server that, when accept() fails with anything but
 * EAGAIN, logs it and removes the listening socket from epoll "until things
 * calm down", and then never adds it back: after one EMFILE it keeps serving
 * the clients it has but never accepts a new one. Pausing is right; the
 * missing resume is the bug.
 */
#include "common.h"

/* Replaces echo_epoll_accept_all, which pauses too but sets lp->paused so
 * that the loop resumes. */
static void accept_all(struct echo_epoll *lp)
{
	for (;;) {
		int fd = accept4(lp->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			perror("accept, pausing accepts");
			epoll_ctl(lp->ep, EPOLL_CTL_DEL, lp->lfd, NULL); /* BUG: never re-added */
			return;
		}
		echo_conn_open(lp, fd, ECHO_OUT_CAP, echo_conn_read);
	}
}

int main(int argc, char **argv)
{
	struct echo_epoll lp = {.listener_event = accept_all, .conn_event = echo_conn_event};
	return echo_epoll_main(&lp, argc, argv);
}
