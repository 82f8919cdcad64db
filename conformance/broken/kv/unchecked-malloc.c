/* BREAKS: KV-081 */
/* The entry of a new value is allocated without a check: when memory runs
 * out, the first SET writes through a NULL pointer and the server dies.
 */
#include "common.h"

static struct kv_entry *entry_unchecked(const struct kv_arg *k, const char *v, size_t vlen, int64_t when)
{
	struct kv_entry *e = malloc(sizeof *e + k->n + vlen + 1); /* BUG: never NULL, it is assumed */
	e->next = NULL;
	e->hash = kv_hash(k->p, k->n);
	e->when = when;
	e->klen = k->n;
	e->vlen = vlen;
	memcpy(e->key, k->p, k->n);
	e->val = e->key + k->n;
	memcpy(e->val, v, vlen);
	e->val[vlen] = '\0';
	return e;
}

int main(int argc, char **argv)
{
	kv.new_entry = entry_unchecked;
	return kv_main(argc, argv);
}
