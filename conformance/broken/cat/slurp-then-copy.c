/* BREAKS: CAT-020 */
/* Each file is read whole into memory, then written: simple, and right
 * while reads succeed. When one fails, the buffer is freed with the error,
 * so nothing of that file is written, not even what was read before the
 * failure.
 */
#include "common.h"

static int copy_slurped(int fd, const char *name)
{
	size_t len = 0, cap = CAT_CHUNK;
	unsigned char *all = malloc(cap);
	(void)name;
	if (all == NULL)
		return -ENOMEM;
	for (;;) {
		if (cap - len < CAT_CHUNK) {
			unsigned char *p = realloc(all, cap *= 2);
			if (p == NULL) {
				free(all);
				return -ENOMEM;
			}
			all = p;
		}
		long r = cat_read(fd, all + len, cap - len);
		if (r < 0) {
			free(all); /* BUG: the bytes read so far belong in the output */
			return (int)r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	cat.process(all, len);
	free(all);
	return 0;
}

int main(int argc, char **argv)
{
	cat.copy = copy_slurped;
	return cat_main(argc, argv);
}
