/*
 * Growable vectors of any element type, as macros over a struct with v, len
 * and cap (kvec and git's ALLOC_GROW are the model):
 *
 *     KS_VEC(int) nums = {0};
 *     ks_vec_push(&nums, 42);
 *     ks_vec_free(&nums);
 *
 * Memory from the heap (ks_mem_heap); growth aborts only on C-library OOM, so
 * bound the length by input limits before pushing what input controls.
 * Not thread-safe.
 */
#ifndef KS_CORE_VEC_H
#define KS_CORE_VEC_H

#include <stddef.h>

#include "core/mem.h"

#define KS_VEC(T)   \
    struct {        \
        T *v;       \
        size_t len; \
        size_t cap; \
    }

#define ks_vec_reserve(vec, n)                                                                    \
    do {                                                                                          \
        if ((vec)->len + (n) > (vec)->cap)                                                        \
            (vec)->v = ks_grow_array((vec)->v, &(vec)->cap, (vec)->len + (n), sizeof(*(vec)->v)); \
    } while (0)

#define ks_vec_push(vec, x)           \
    do {                              \
        ks_vec_reserve((vec), 1);     \
        (vec)->v[(vec)->len++] = (x); \
    } while (0)

#define ks_vec_pop(vec)  ((vec)->v[--(vec)->len])
#define ks_vec_last(vec) ((vec)->v[(vec)->len - 1])

#define ks_vec_free(vec)             \
    do {                             \
        ks_xfree((vec)->v);          \
        (vec)->v = NULL;             \
        (vec)->len = (vec)->cap = 0; \
    } while (0)

#endif
