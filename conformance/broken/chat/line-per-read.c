/* BREAKS: CHAT-007 */
/* Each recv() is taken to be one line ("the client sends a line at a time"):
 * a line split across segments becomes several messages, and several lines
 * in one segment become one message with newlines inside.
 */
#include "common.h"

static void on_data_per_read(struct chat_client *c, const char *buf, size_t n)
{
	char line[sizeof c->in];
	/* BUG: no framing: whatever one recv() returned is the line */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > CHAT_MAX_LINE) {
		chat_sayf(c, NULL, "ERR line-too-long\n");
		return;
	}
	memcpy(line, buf, n);
	line[n] = '\0';
	chat.line(c, line, n);
}

int main(int argc, char **argv)
{
	chat.on_data = on_data_per_read;
	return chat_main(argc, argv);
}
