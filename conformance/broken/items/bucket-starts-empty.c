/* BREAKS: ITEMS-070 */
/* A new client's bucket starts with one token and fills up from there
 * ("no credit for strangers"): the burst the operator configured is
 * never available to a client that has just arrived.
 */
#include "common.h"

static double one_token(void)
{
	return 1; /* BUG: a bucket starts full */
}

int main(int argc, char **argv)
{
	items.initial_tokens = one_token;
	return items_main(argc, argv);
}
