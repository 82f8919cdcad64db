/* BREAKS: GREEN-017 */
/* With nothing runnable, the scheduler polls the clock until the first
 * sleeper is due instead of sleeping: correct, and a core at 100%.
 */
#define GREEN_IDLE(ns) ((void)(ns)) /* BUG: back round the loop at once */
#include "common.h"
