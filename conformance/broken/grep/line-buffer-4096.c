/* BREAKS: GREP-025 */
/* Lines are gathered in a fixed `char line[4096]`; when it is full, its
 * contents are searched as a line and the rest of the line starts a new
 * one. Short lines are fine; a long line becomes several, cut every 4096
 * bytes, and a match across a cut is lost.
 */
#include "common.h"

static void search_fixed_line(int fd, const char *name)
{
	struct grep_file f = {.fd = fd, .name = name};
	char buf[4096], line[4096];
	size_t len = 0;
	long n;
	grep.file_start(&f);
	while ((n = grep.fill(&f, buf, sizeof buf)) > 0) {
		if (grep.is_binary(buf, (size_t)n))
			f.binary = 1;
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\n' || len == sizeof line) { /* BUG: a full buffer is no line end */
				if (grep.line(&f, line, len))
					goto done;
				len = 0;
				if (buf[i] == '\n')
					continue;
			}
			line[len++] = buf[i];
		}
	}
	if (n < 0)
		grep.read_error(&f, (int)-n);
	else if (len > 0)
		grep.last_line(&f, line, len);
done:
	grep.file_end(&f);
}

int main(int argc, char **argv)
{
	grep.search = search_fixed_line;
	return grep_main(argc, argv);
}
