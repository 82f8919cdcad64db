/* BREAKS: PS-010 */
/* Control bytes replaced, but every byte from 0x80 up passed on "because
 * it is UTF-8": a lone 0xff, a truncated or overlong sequence, Latin-1
 * text go out raw and the line is not valid UTF-8.
 */
#include "common.h"

static void show_high_raw(struct ps_buf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ps_buf_addc(out, s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i]); /* BUG: >= 0x80 unchecked */
}

int main(int argc, char **argv)
{
	ps.show = show_high_raw;
	return ps_main(argc, argv);
}
