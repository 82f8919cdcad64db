/* BREAKS: HTTP-041 */
/* Treats every accept() failure as fatal. accept fails for reasons that
 * pass and are not the server's fault: EMFILE when descriptors run out,
 * ECONNABORTED when a client gave up before it was accepted, EINTR when a
 * signal arrived. Each of them kills the server and every client connected
 * to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void exit_on_accept_error(int err)
{
	fprintf(stderr, "http: accept: %s\n", strerror(err));
	exit(1); /* BUG: EMFILE, ECONNABORTED, EINTR are not fatal */
}

int main(int argc, char **argv)
{
	http.accept_failed = exit_on_accept_error;
	return http_main(argc, argv);
}
