/* BREAKS: CHAT-005 */
/* /who lists the nicks in the order the clients connected, not sorted.
 */
#include "common.h"

static void cmd_who_unsorted(struct chat_client *c)
{
	char line[64 * 1024];
	size_t len = 3;
	memcpy(line, "WHO", 3);
	/* BUG: no qsort: connection order */
	for (struct chat_client *p = chat_clients; p != NULL; p = p->next) {
		size_t k = strlen(p->nick);
		if (!p->joined || p->dead || len + k + 2 > sizeof line)
			continue;
		line[len++] = ' ';
		memcpy(line + len, p->nick, k);
		len += k;
	}
	line[len++] = '\n';
	chat.deliver(c, line, len);
}

int main(int argc, char **argv)
{
	chat.cmd_who = cmd_who_unsorted;
	return chat_main(argc, argv);
}
