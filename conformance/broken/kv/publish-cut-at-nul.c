/* BREAKS: KV-061 */
/* PUBLISH hands the message on as a C string: a message is cut at its
 * first NUL byte.
 */
#include "common.h"

static void publish_cstr(struct kv_client *c)
{
	const struct kv_arg *ch = &c->argv[1];
	struct kv_arg msg = {c->argv[2].p, strnlen(c->argv[2].p, c->argv[2].n)}; /* BUG */
	long long n = 0;
	for (size_t i = 0; i < kv_subs.n; i++) {
		struct kv_sub *s = &kv_subs.v[i];
		if (!s->pattern && s->n == ch->n && memcmp(s->name, ch->p, ch->n) == 0) {
			kv.deliver(s->c, NULL, ch, &msg);
			n++;
		}
	}
	for (size_t i = 0; i < kv_subs.n; i++) {
		struct kv_sub *s = &kv_subs.v[i];
		if (s->pattern && kv.match(s->name, s->n, ch->p, ch->n)) {
			kv.deliver(s->c, &(struct kv_arg){s->name, s->n}, ch, &msg);
			n++;
		}
	}
	kv.reply_int(c, n);
}

int main(int argc, char **argv)
{
	kv_cmd_find("publish")->proc = publish_cstr;
	return kv_main(argc, argv);
}
