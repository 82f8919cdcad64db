/* BREAKS: HTTP-024 */
/* Iterative: each connection is served to its end in the accepting thread
 * before the next accept(). A keep-alive client, or one that dribbles its
 * head, holds every other client in the backlog until it goes away or
 * times out.
 */
#include "common.h"

static int spawn_inline(struct http_conn *c)
{
	http_conn_main(c); /* BUG: no thread: the server waits for this client */
	return 0;
}

int main(int argc, char **argv)
{
	http.spawn = spawn_inline;
	return http_main(argc, argv);
}
