/* BREAKS: ITEMS-133 */
/* A log line that cannot be written is fatal ("if we cannot log, we must
 * not serve"): a full disk or a dead log collector stops the service.
 */
#include "common.h"

static void log_write_or_die(const char *line, size_t n)
{
	char *copy = malloc(n + 1);
	if (copy == NULL)
		return;
	memcpy(copy, line, n);
	copy[n] = '\n';
	ssize_t rc = write(2, copy, n + 1);
	free(copy);
	if (rc != (ssize_t)(n + 1))
		_exit(1); /* BUG: a lost log line kills the service */
}

int main(int argc, char **argv)
{
	items.log_write = log_write_or_die;
	return items_main(argc, argv);
}
