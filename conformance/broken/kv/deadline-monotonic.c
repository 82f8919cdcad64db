/* BREAKS: KV-041 */
/* SET EX/PX computes the deadline from CLOCK_MONOTONIC (the clock the
 * timers use), but keys are checked against CLOCK_REALTIME (which EXPIRE
 * and the AOF's absolute times need): a monotonic deadline is decades in
 * the past, so every key SET with a time to live is expired at once.
 */
#include "common.h"

static int set_expire_mono(struct kv_client *c, const struct kv_arg *a, long long unit, int relative,
			   int64_t *when)
{
	long long v, ms;
	if (kv_arg_ll(c, a, &v) < 0)
		return -1;
	if (v <= 0 || __builtin_mul_overflow(v, unit, &ms) ||
	    (relative && __builtin_add_overflow(ms, kv_mono_ms(), &ms))) { /* BUG: the wrong clock */
		kv_reply_error(c, "ERR invalid expire time in 'set' command");
		return -1;
	}
	*when = ms;
	return 0;
}

int main(int argc, char **argv)
{
	kv.set_expire = set_expire_mono;
	return kv_main(argc, argv);
}
