/*
 * big_alloc.h - allocation of share-vector blocks of megabytes (header only, so the nonlinear
 * protocols' clear-engine test build, which does not link the library, uses it too).
 *
 * A batch of 10^4 comparisons moves vectors of several MB per round. A fresh block costs one page
 * fault per 4 KiB on first touch, and on virtual machines a fault is expensive: they were a third
 * of a party's CPU time in that benchmark. Blocks of 2 MiB and more are therefore aligned to 2 MiB
 * and advised to be backed by transparent huge pages (one fault per 2 MiB where the kernel allows
 * it; plain pages otherwise). Free them with free().
 */
#ifndef STOFFEL_MPC_BIG_ALLOC_H
#define STOFFEL_MPC_BIG_ALLOC_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BIG_ALLOC_PAGE ((size_t)2 << 20)

static inline void *big_alloc(size_t size)
{
    if (size < BIG_ALLOC_PAGE)
        return malloc(size ? size : 1);
    size_t rounded = (size + BIG_ALLOC_PAGE - 1) & ~(BIG_ALLOC_PAGE - 1);
    if (rounded < size)
        return NULL; /* overflow */
    void *p = aligned_alloc(BIG_ALLOC_PAGE, rounded);
#ifdef MADV_HUGEPAGE
    if (p)
        (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: a refusal changes nothing */
#endif
    return p;
}

/* big_alloc of count * size bytes, zeroed; NULL on overflow or when out of memory. */
static inline void *big_calloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        return NULL;
    size_t bytes = count * size;
    if (bytes < BIG_ALLOC_PAGE)
        return calloc(count ? count : 1, size ? size : 1);
    void *p = big_alloc(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

#endif
