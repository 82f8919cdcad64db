/* BREAKS: KV-010 */
/* Values are stored as C strings: a value is cut at its first NUL byte.
 */
#include "common.h"

static struct kv_entry *entry_cstr(const struct kv_arg *k, const char *v, size_t vlen, int64_t when)
{
	return kv_new_entry(k, v, strnlen(v, vlen), when); /* BUG: strndup() semantics */
}

int main(int argc, char **argv)
{
	kv.new_entry = entry_cstr;
	return kv_main(argc, argv);
}
