/* BREAKS: PS-005 */
/* The state taken from /proc/PID/status, `State:\tT (stopped)`, as the
 * first letter of the word in parentheses, upper-cased: right for
 * running, sleeping, disk sleep, zombie, idle... but a stopped process
 * (T, "stopped") is shown S.
 */
#include "common.h"

static int row_with_status_state(int pid, struct ps_row *r, char *path, size_t pathsz)
{
	int rc = ps_read_row(pid, r, path, pathsz);
	if (rc < 0)
		return rc;
	struct ps_buf st = {0};
	char status[64];
	snprintf(status, sizeof status, "/proc/%d/status", pid);
	if (ps.read_file(status, &st) == 0) {
		ps_buf_addc(&st, '\0');
		const char *line = strstr(st.p, "\nState:");
		char word;
		if (line && sscanf(line, "\nState: %*c (%c", &word) == 1)
			r->state = (char)toupper((unsigned char)word); /* BUG: "stopped" -> S */
	}
	free(st.p);
	return 0;
}

int main(int argc, char **argv)
{
	ps.read_row = row_with_status_state;
	return ps_main(argc, argv);
}
