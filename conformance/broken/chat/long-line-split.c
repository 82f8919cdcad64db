/* BREAKS: CHAT-010 */
/* The line buffer holds 1000 bytes; when it is full, what it holds is
 * handled as a line and the rest of the line starts a new one. An over-long
 * line is broadcast in pieces instead of refused.
 */
#include "common.h"

static void on_data_split(struct chat_client *c, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && !c->dead; i++) {
		if (buf[i] == '\n' || c->inlen == CHAT_MAX_LINE) { /* BUG: full = a line */
			size_t len = c->inlen;
			if (len > 0 && c->in[len - 1] == '\r')
				len--;
			c->inlen = 0;
			c->in[len] = '\0';
			chat.line(c, c->in, len);
			if (buf[i] == '\n')
				continue;
		}
		c->in[c->inlen++] = buf[i];
	}
}

int main(int argc, char **argv)
{
	chat.on_data = on_data_split;
	return chat_main(argc, argv);
}
