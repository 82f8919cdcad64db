/* BREAKS: PS-008 */
/* "Printable" taken as isprint() in the C sense: every byte from 0x80 up is
 * a '?', so `é` becomes `??` and `日本` six of them.
 */
#include "common.h"

static void show_ascii(struct ps_buf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ps_buf_addc(out, s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?'); /* BUG: no UTF-8 at all */
}

int main(int argc, char **argv)
{
	ps.show = show_ascii;
	return ps_main(argc, argv);
}
