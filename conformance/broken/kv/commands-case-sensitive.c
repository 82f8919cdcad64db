/* BREAKS: KV-018 */
/* Command names are compared with strcmp() against upper-case names: GET
 * works, get and GeT are unknown commands.
 */
#include "common.h"

static struct kv_cmd *lookup_upper(const char *name, size_t n)
{
	for (struct kv_cmd *cmd = kv_commands; cmd->name != NULL; cmd++) {
		char upper[32];
		size_t len = strlen(cmd->name);
		for (size_t i = 0; i <= len; i++)
			upper[i] = (char)toupper((unsigned char)cmd->name[i]);
		if (len == n && memcmp(upper, name, n) == 0) /* BUG: case-sensitive */
			return cmd;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	kv.lookup = lookup_upper;
	return kv_main(argc, argv);
}
