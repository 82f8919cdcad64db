/* BREAKS: CAT-003 */
/* Each chunk read is treated as a C string: NUL-terminated after the read,
 * and written up to strlen(). Text files come out right; from a NUL byte
 * on, the rest of the chunk is lost.
 */
#include "common.h"

static int copy_as_string(int fd, const char *name)
{
	static char buf[CAT_CHUNK + 1];
	int plain = !(cat_opt.number || cat_opt.squeeze || cat_opt.ends || cat_opt.tabs);
	(void)name;
	for (;;) {
		cat_flush();
		long r = cat_read(fd, buf, CAT_CHUNK);
		if (r <= 0)
			return (int)r;
		buf[r] = '\0';
		size_t n = strlen(buf); /* BUG: the data may hold NUL bytes */
		if (plain)
			cat_put(buf, n);
		else
			cat.process((const unsigned char *)buf, n);
	}
}

int main(int argc, char **argv)
{
	cat.copy = copy_as_string;
	return cat_main(argc, argv);
}
