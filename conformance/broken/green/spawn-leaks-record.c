/* BREAKS: GREEN-022 */
/* When the stack cannot be mapped, green_spawn returns -ENOMEM without
 * freeing the task record it allocated just before.
 */
#define GREEN_SPAWN_UNDO(t) ((void)(t)) /* BUG: the record is leaked */
#include "common.h"
