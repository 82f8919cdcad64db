/* BREAKS: CHAT-015 */
/* `perror("accept"); exit(1);` on any accept error: EMFILE, ECONNABORTED
 * and EINTR all end the server.
 */
#include "common.h"

static void accept_error_exit(int err)
{
	errno = err;
	perror("accept");
	exit(1); /* BUG: a transient error ends the server */
}

int main(int argc, char **argv)
{
	chat.accept_error = accept_error_exit;
	return chat_main(argc, argv);
}
