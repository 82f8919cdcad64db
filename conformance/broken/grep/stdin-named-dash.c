/* BREAKS: GREP-016 */
/* Standard input is named by its operand, `-`, in prefixes, counts, -l
 * and messages, where grep says "(standard input)".
 */
#include "common.h"

int main(int argc, char **argv)
{
	grep.stdin_name = "-"; /* BUG */
	return grep_main(argc, argv);
}
