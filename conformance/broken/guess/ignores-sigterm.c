/* BREAKS: GUESS-010 */
/* Ignores SIGTERM "so that it does not die by accident": only SIGKILL ends
 * it.
 */
#include "common.h"

int main(int argc, char **argv)
{
	signal(SIGTERM, SIG_IGN); /* BUG */
	return guess_main(argc, argv, NULL);
}
