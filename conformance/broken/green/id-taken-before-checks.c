/* BREAKS: GREEN-001 */
/* green_spawn takes the next id before it knows the spawn will succeed: a
 * refused or failed spawn uses up an id, so ids have holes.
 */
#define BROKEN_GREEN_SPAWN
#include "common.h"

int green_spawn(green_fn fn, void *arg, size_t stack_size)
{
    int id = g.next_id++; /* BUG: taken even when the spawn fails */
    if (fn == NULL || GREEN_BAD_STACK(stack_size))
        return -EINVAL;
    if (stack_size == 0)
        stack_size = GREEN_STACK_DEFAULT;
    struct task *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    if (stack_alloc(t, GREEN_STACK_BYTES(stack_size)) != 0) {
        free(t);
        return -ENOMEM;
    }
    getcontext(&t->ctx);
    t->ctx.uc_stack.ss_sp = t->map + GREEN_GUARD;
    t->ctx.uc_stack.ss_size = t->map_len - GREEN_GUARD;
    t->ctx.uc_link = NULL;
    makecontext(&t->ctx, green_trampoline, 0);
    t->fn = fn;
    t->arg = arg;
    t->id = id;
    t->state = T_READY;
    t->all_next = g.all;
    g.all = t;
    g.live++;
    GREEN_SPAWN_PUSH(t);
    return t->id;
}
