/* BREAKS: PS-009 */
/* UTF-8 checked, but control characters printed as they are: a tab, an
 * escape sequence, a newline in an argument reach the terminal (the
 * newline splits the process's line in two).
 */
#include "common.h"

static void show_controls(struct ps_buf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = ps_utf8_len(s + i, n - i);
		if (len == 0) {
			ps_buf_addc(out, '?');
			i++;
		} else {
			ps_buf_add(out, s + i, len); /* BUG: controls included */
			i += len;
		}
	}
}

int main(int argc, char **argv)
{
	ps.show = show_controls;
	return ps_main(argc, argv);
}
