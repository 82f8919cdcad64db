/* BREAKS: SYSC-011 */
/* `while ((n = read(fd, buf, size)) > 0)`: a read error (-1) ends the loop
 * like end of file; what was read is printed and the exit status is 0.
 */
#include "common.h"

static int error_is_eof(int err, struct sc_buf *b)
{
	(void)err;
	(void)b;
	return 0; /* BUG: -1 taken for the end of the file */
}

int main(int argc, char **argv)
{
	sc.read_failed = error_is_eof;
	return sc_main(argc, argv);
}
