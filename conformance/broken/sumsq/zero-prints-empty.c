/* BREAKS: SUMSQ-002 */
/* The 128-bit number printed with `while (v != 0)`: for a sum of 0 no
 * digit comes out, just the newline.
 */
#include "common.h"

static void print_while(u128 v)
{
	char text[48], *p = text + sizeof text;
	*--p = '\0';
	while (v != 0) { /* BUG: 0 has one digit too */
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	}
	printf("%s\n", p);
}

int main(int argc, char **argv)
{
	sq.print = print_while;
	return sq_main(argc, argv);
}
