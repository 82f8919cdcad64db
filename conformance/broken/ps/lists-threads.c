/* BREAKS: PS-003 */
/* "Every task": each process's /proc/PID/task is listed too, so a process
 * with six threads gets seven lines, one per thread ID.
 */
#include "common.h"

static int list_tasks(int **pids, size_t *n)
{
	int *procs;
	size_t np;
	int rc = ps_list_pids(&procs, &np);
	if (rc < 0)
		return rc;
	size_t cap = 2 * np + 16;
	*pids = malloc(cap * sizeof **pids);
	*n = 0;
	if (*pids == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < np; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task", procs[i]);
		DIR *d = opendir(path);
		if (d == NULL)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) { /* BUG: threads listed as processes */
			if (!isdigit((unsigned char)e->d_name[0]))
				continue;
			if (*n == cap) {
				int *q = realloc(*pids, 2 * cap * sizeof *q);
				if (q == NULL)
					return -ENOMEM;
				*pids = q;
				cap *= 2;
			}
			(*pids)[(*n)++] = atoi(e->d_name);
		}
		closedir(d);
	}
	free(procs);
	return 0;
}

int main(int argc, char **argv)
{
	ps.list_pids = list_tasks;
	return ps_main(argc, argv);
}
