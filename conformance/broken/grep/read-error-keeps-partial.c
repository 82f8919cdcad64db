/* BREAKS: GREP-030 */
/* A failed read is handled like the end of the file, then reported: the
 * unfinished line in the buffer is searched as a last line and, when it
 * matches, printed cut where the read failed.
 */
#include "common.h"

static void as_end_of_file(struct grep_file *f, int err)
{
	if (f->len > f->start) /* BUG: these bytes are not a whole line */
		grep.last_line(f, f->buf + f->start, f->len - f->start);
	grep_file_error(f->name, err);
}

int main(int argc, char **argv)
{
	grep.read_error = as_end_of_file;
	return grep_main(argc, argv);
}
