/* BREAKS: GREEN-021 */
/* Stacks come from malloc, with no guard page and no SIGSEGV handler: a
 * task that overflows its stack writes over whatever lies below it in the
 * heap, and the program dies later (or not at all) with no word about
 * which task did it.
 */
#define GREEN_GUARD ((size_t)0)
#define BROKEN_STACK_ALLOC
#define BROKEN_STACK_FREE
#include "common.h"

static inline int stack_alloc(struct task *t, size_t size)
{
    t->map = malloc(size); /* BUG: no guard page below it */
    t->map_len = size;
    return t->map ? 0 : -ENOMEM;
}

static inline void stack_free(struct task *t)
{
    free(t->map);
    t->map = NULL;
}
