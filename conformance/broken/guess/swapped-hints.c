/* BREAKS: GUESS-002 */
/* HIGHER and LOWER are swapped ("the guess is higher" instead of "the
 * secret is higher"): a binary search walks away from the secret.
 */
#include "common.h"

static const char *hint(uint64_t secret, uint64_t n)
{
	return secret > n ? "LOWER" : secret < n ? "HIGHER" : "CORRECT"; /* BUG: swapped */
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.hint = hint});
}
