/* BREAKS: GREEN-003 */
/* The task's argument goes through makecontext, whose extra arguments are
 * ints: the pointer is cut to its low 32 bits, and fn gets a different
 * pointer than the one given to green_spawn.
 */
#define BROKEN_GREEN_SPAWN
#include "common.h"

static void green_trampoline_int(int arg)
{
    struct task *t = g.current;
    t->ret = t->fn((void *)(intptr_t)arg); /* BUG: the upper half is gone */
    t->state = T_DONE;
    g.live--;
    if (t->joiner)
        green_wake(t->joiner);
    green_switch_out();
}

int green_spawn(green_fn fn, void *arg, size_t stack_size)
{
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
    makecontext(&t->ctx, (void (*)(void))green_trampoline_int, 1, (int)(intptr_t)arg);
    t->fn = fn;
    t->arg = arg;
    t->id = g.next_id++;
    t->state = T_READY;
    t->all_next = g.all;
    g.all = t;
    g.live++;
    GREEN_SPAWN_PUSH(t);
    return t->id;
}
