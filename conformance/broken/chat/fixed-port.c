/* BREAKS: CHAT-001 */
/* The port is hard-coded: --port is parsed and then ignored, so the server
 * always listens on 41017. A harness that picks the port never finds it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	chat.fixed_port = "41017"; /* BUG: the port used while developing */
	return chat_main(argc, argv);
}
