/* BREAKS: CAT-010 */
/* -E decides whether a CR ends a line by looking at the next byte in the
 * buffer. Right inside a chunk; but a CR that is the last byte of a read,
 * or of a file whose successor starts with a newline, is written as a
 * plain CR, where cat waits for the next byte and writes `^M$`.
 */
#include "common.h"

static void process_lookahead(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (++cat_st.nl > 0) {
				if (cat_st.nl >= 2) {
					cat_st.nl = 2;
					if (cat_opt.squeeze)
						continue;
				}
				cat.blank_line();
			}
			if (cat_opt.ends)
				cat_put("$", 1);
			cat_put("\n", 1);
		} else {
			if (cat_st.nl >= 0 && cat_opt.number)
				cat.put_number();
			cat_st.nl = -1;
			if (p[i] == '\t' && cat_opt.tabs)
				cat_put("^I", 2);
			else if (p[i] == '\r' && cat_opt.ends && i + 1 < n && p[i + 1] == '\n')
				cat_put("^M", 2); /* BUG: the newline may be in the next read */
			else
				cat_put(&p[i], 1);
		}
	}
}

int main(int argc, char **argv)
{
	cat.process = process_lookahead;
	return cat_main(argc, argv);
}
