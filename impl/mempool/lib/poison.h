/* poison.h: mp_poison and mp_unpoison, which tell AddressSanitizer which
 * bytes of an allocator's memory belong to nobody (why: below). Private to
 * impl/mempool/lib. */
#ifndef MEMPOOL_POISON_H
#define MEMPOOL_POISON_H

/* AddressSanitizer sees the whole area of a pool as one live malloc'ed
 * object: on its own it cannot tell that a block was freed back to the
 * pool, and reports nothing when a program keeps using it. Built with
 * ASan, the allocators tell it: mp_poison marks bytes that belong to
 * nobody (a freed block, a block's padding, arena bytes released by a
 * reset or a rewind), so a read or write there is reported as a
 * use-after-poison with its stack, and mp_unpoison hands them back out.
 * Without ASan both do nothing and cost nothing.
 *
 * Only what was handed out is ever poisoned, never a whole new area at
 * create: that would write one shadow byte per 8 bytes of the area, 128
 * MiB for a 1 GiB arena, before it is even used. */

#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define MP_ASAN 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer)
#define MP_ASAN 1
#endif
#endif

#ifdef MP_ASAN
#include <sanitizer/asan_interface.h>
#define mp_poison(p, n)   __asan_poison_memory_region((p), (n))
#define mp_unpoison(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define mp_poison(p, n)   ((void)(p), (void)(n))
#define mp_unpoison(p, n) ((void)(p), (void)(n))
#endif

#endif
