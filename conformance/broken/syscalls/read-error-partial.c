/* BREAKS: SYSC-011 */
/* On a read error, "print what we have, then complain": the bytes read
 * before the error reach stdout, then the message and exit status 1.
 */
#include "common.h"

static int print_then_fail(int err, struct sc_buf *b)
{
	sc.emit(b->p, b->len); /* BUG: part of FILE printed after an error */
	return err;
}

int main(int argc, char **argv)
{
	sc.read_failed = print_then_fail;
	return sc_main(argc, argv);
}
