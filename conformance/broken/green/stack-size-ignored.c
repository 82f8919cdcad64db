/* BREAKS: GREEN-020 */
/* Every task gets a 64 KiB stack, whatever size was asked for (the size is
 * checked, then forgotten).
 */
#define GREEN_STACK_BYTES(size) ((void)(size), (size_t)64 * 1024) /* BUG */
#include "common.h"
