/* BREAKS: LSOF-002 */
/* The descriptors sorted by their names in /proc/PID/fd with strcmp():
 * 10 comes before 9, 100 before 99.
 */
#include "common.h"

static int name_cmp(const void *a, const void *b)
{
	char x[16], y[16];
	snprintf(x, sizeof x, "%d", *(const int *)a);
	snprintf(y, sizeof y, "%d", *(const int *)b);
	return strcmp(x, y); /* BUG: "10" < "9" */
}

static void sort_as_names(int *fds, size_t n)
{
	qsort(fds, n, sizeof *fds, name_cmp);
}

int main(int argc, char **argv)
{
	lsof.order_fds = sort_as_names;
	return lsof_main(argc, argv);
}
