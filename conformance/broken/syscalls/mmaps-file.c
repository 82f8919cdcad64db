/* BREAKS: SYSC-003 */
/* FILE mapped with mmap() and copied, "faster than read()": its bytes
 * never go through read(2).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include "common.h"

static int slurp_mmap(int fd, struct sc_buf *b)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	size_t n = (size_t)st.st_size;
	if (n > 0) {
		void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0); /* BUG: not read() */
		if (m == MAP_FAILED)
			return -errno;
		if (sc_buf_reserve(b, n) < 0)
			return -ENOMEM;
		memcpy(b->p, m, n);
		b->len = n;
		munmap(m, n);
	}
	char probe;
	return read(fd, &probe, sizeof probe) < 0 ? -errno : 0; /* "check we are at the end" */
}

int main(int argc, char **argv)
{
	sc.slurp = slurp_mmap;
	return sc_main(argc, argv);
}
