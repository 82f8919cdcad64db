/* BREAKS: KV-017 */
/* GET writes its bulk header into char[11] with snprintf() and sends the
 * whole buffer when snprintf() says the header did not fit: "$" + 8
 * digits + CRLF is 11 bytes, and one more is needed for the NUL, so for a
 * value of 10,000,000 bytes or more the header goes out as
 * "$33554432\r\0": its LF is lost and the reply cannot be parsed.
 * Shorter values are fine.
 */
#include "common.h"

static void get_small_header(struct kv_client *c)
{
	struct kv_entry *e = kv_lookup(&c->argv[1]);
	if (e == NULL) {
		kv_reply_nil(c);
		return;
	}
	char hdr[11]; /* BUG: one byte short for an 8-digit length */
	int n = snprintf(hdr, sizeof hdr, "$%zu\r\n", e->vlen);
	kv.out_add(c, hdr, (size_t)n < sizeof hdr ? (size_t)n : sizeof hdr); /* the NUL for the LF */
	kv.out_add(c, e->val, e->vlen);
	kv.out_add(c, "\r\n", 2);
}

int main(int argc, char **argv)
{
	kv_cmd_find("get")->proc = get_small_header;
	return kv_main(argc, argv);
}
