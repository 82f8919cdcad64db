/* BREAKS: ITEMS-074 */
/* A rate limit is on by default ("safe defaults": 100 requests per second
 * per client) where the spec says no --rate means no limit: a batch job
 * that never asked for one gets 429s.
 */
#include "common.h"

int main(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 5, sizeof *args);
	if (args == NULL)
		return 1;
	char *defaults[] = {argv[0], "--rate", "100", "--burst", "100"}; /* BUG */
	memcpy(args, defaults, sizeof defaults);
	memcpy(args + 5, argv + 1, (size_t)(argc - 1) * sizeof *args); /* later options win */
	int rc = items_main(argc + 4, args);
	free(args);
	return rc;
}
