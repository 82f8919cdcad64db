/* BREAKS: GUESS-009 */
/* Parses with strtok() and trusts every field to be there: "GUESS 5" (no
 * number) hands NULL to strtoull() and the server dies with SIGSEGV.
 */
#include "common.h"

static int parse(const char *p, size_t len, uint32_t *seq, uint64_t *n)
{
	char line[128];
	*seq = 0;
	if (len >= sizeof line)
		return -1;
	memcpy(line, p, len);
	line[len] = '\0';
	char *word = strtok(line, " \n");
	if (word == NULL || strcmp(word, "GUESS") != 0)
		return -1;
	char *s = strtok(NULL, " \n");
	char *v = strtok(NULL, " \n");
	*seq = (uint32_t)strtoul(s, NULL, 10); /* BUG: s and v may be NULL */
	*n = strtoull(v, NULL, 10);
	return *seq ? 0 : -1;
}

int main(int argc, char **argv)
{
	return guess_main(argc, argv, &(struct guess_hooks){.parse = parse});
}
