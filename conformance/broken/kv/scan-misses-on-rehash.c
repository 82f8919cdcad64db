/* BREAKS: KV-030 */
/* The SCAN cursor is a plain slot index, counted up. While the table keeps
 * its size that visits every slot; but when it shrinks in the middle of an
 * iteration, the entries of the upper half move down into slots the cursor
 * has already passed, and are never returned.
 */
#include "common.h"

static unsigned long next_slot(unsigned long cursor, unsigned long mask)
{
	return (cursor + 1) & mask; /* BUG: not reverse-binary */
}

int main(int argc, char **argv)
{
	kv.scan_next = next_slot;
	return kv_main(argc, argv);
}
