/* BREAKS: KV-026 */
/* INCR adds without an overflow check: 9223372036854775807 + 1 wraps to
 * -9223372036854775808 instead of being refused.
 */
#include "common.h"

static int add_wrapping(long long a, long long b, long long *out)
{
	*out = (long long)((unsigned long long)a + (unsigned long long)b); /* BUG: wraps around */
	return 0;
}

int main(int argc, char **argv)
{
	kv.add = add_wrapping;
	return kv_main(argc, argv);
}
