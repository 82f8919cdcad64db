/* BREAKS: KV-001 */
/* --pubsub-limit takes digits only: 32m and 1k are usage errors.
 */
#include "common.h"

static int digits_only(const char *s, unsigned long long *out)
{
	long long v;
	if (kv_str2ll(s, strlen(s), &v) < 0 || v < 0) /* BUG: no k, m or g suffix */
		return -1;
	*out = (unsigned long long)v;
	return 0;
}

int main(int argc, char **argv)
{
	kv.parse_size = digits_only;
	return kv_main(argc, argv);
}
