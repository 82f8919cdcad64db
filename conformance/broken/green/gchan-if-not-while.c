/* BREAKS: GREEN-028 */
/* A parked task checks its condition with `if` instead of `while`: once
 * woken it assumes the channel still has a message (or room), but another
 * task that ran between the wakeup and its turn may have taken it. With
 * one receiver that never happens; with several, a receiver takes from an
 * empty ring - a stale message, a count that wraps around.
 */
#define GREEN_RECHECK if /* BUG */
#include "common.h"
