/* BREAKS: KV-022 */
/* SET's expire time is checked for being negative only: EX 0 and PX 0 are
 * accepted (and the key is gone a moment later) instead of refused with
 * "invalid expire time".
 */
#include "common.h"

static int set_expire_zero_ok(struct kv_client *c, const struct kv_arg *a, long long unit, int relative,
			      int64_t *when)
{
	long long v, ms;
	if (kv_arg_ll(c, a, &v) < 0)
		return -1;
	if (v < 0 || __builtin_mul_overflow(v, unit, &ms) || /* BUG: should be v <= 0 */
	    (relative && __builtin_add_overflow(ms, kv_now_ms(), &ms))) {
		kv_reply_error(c, "ERR invalid expire time in 'set' command");
		return -1;
	}
	*when = ms;
	return 0;
}

int main(int argc, char **argv)
{
	kv.set_expire = set_expire_zero_ok;
	return kv_main(argc, argv);
}
