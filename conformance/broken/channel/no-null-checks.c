/* BREAKS: CHAN-017 */
/* No argument is checked: a NULL channel or out-pointer is dereferenced
 * and the program crashes instead of getting -EINVAL.
 */
#define CHAN_CHECK(cond) ((void)0) /* BUG */
#include "common.h"
