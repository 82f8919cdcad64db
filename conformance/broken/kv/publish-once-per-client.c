/* BREAKS: KV-062 */
/* PUBLISH delivers a message at most once to each client: a client that
 * subscribes to the channel and to a pattern matching it (or to two
 * matching patterns) gets one copy, and is counted once.
 */
#include "common.h"

static void publish_once(struct kv_client *c)
{
	const struct kv_arg *ch = &c->argv[1], *msg = &c->argv[2];
	long long n = 0;
	for (struct kv_client *to = kv_srv.clients; to != NULL; to = to->next) {
		for (size_t i = 0; i < kv_subs.n; i++) {
			struct kv_sub *s = &kv_subs.v[i];
			if (s->c != to)
				continue;
			if (!s->pattern && s->n == ch->n && memcmp(s->name, ch->p, ch->n) == 0)
				kv.deliver(to, NULL, ch, msg);
			else if (s->pattern && kv.match(s->name, s->n, ch->p, ch->n))
				kv.deliver(to, &(struct kv_arg){s->name, s->n}, ch, msg);
			else
				continue;
			n++;
			break; /* BUG: this client has its copy; its other subscriptions are skipped */
		}
	}
	kv.reply_int(c, n);
}

int main(int argc, char **argv)
{
	kv_cmd_find("publish")->proc = publish_once;
	return kv_main(argc, argv);
}
