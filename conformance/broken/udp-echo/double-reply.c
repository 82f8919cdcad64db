/* BREAKS: UECHO-002, UECHO-009 */
/* "UDP is unreliable, so send every answer twice": each datagram gets two
 * identical answers.
 */
#include "common.h"

static void answer_twice(struct uecho_dgram *d)
{
	for (int copy = 0; copy < 2; copy++) /* BUG: one request, one answer */
		uecho_answer(d);
}

int main(int argc, char **argv)
{
	struct uecho_opts o;
	uecho_parse_args(argc, argv, &o);
	return uecho_serve(uecho_bind(o.host, o.port), answer_twice);
}
