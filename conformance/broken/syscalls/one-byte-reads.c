/* BREAKS: SYSC-005 */
/* FILE read one byte per read() ("simpler: no partial chunks to think
 * about"): one system call per byte, 100001 of them for 100000 bytes.
 */
#include "common.h"

static int slurp_bytewise(int fd, struct sc_buf *b)
{
	for (;;) {
		char c;
		ssize_t got = read(fd, &c, 1); /* BUG: a 1-byte buffer */
		if (got < 0)
			return -errno;
		if (got == 0)
			return 0;
		if (sc_buf_reserve(b, 1) < 0)
			return -ENOMEM;
		b->p[b->len++] = c;
	}
}

int main(int argc, char **argv)
{
	sc.slurp = slurp_bytewise;
	return sc_main(argc, argv);
}
