#include "core/mem.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ks_mem_account ks_mem_heap = {.name = "heap"};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static ks_mem_account *registry;

static void account_register(ks_mem_account *acct)
{
    if (atomic_load_explicit(&acct->registered, memory_order_acquire))
        return;
    pthread_mutex_lock(&registry_lock);
    if (!atomic_load_explicit(&acct->registered, memory_order_relaxed)) {
        acct->next = registry;
        registry = acct;
        atomic_store_explicit(&acct->registered, 1, memory_order_release);
    }
    pthread_mutex_unlock(&registry_lock);
}

void ks_mem_charge(ks_mem_account *acct, size_t n)
{
    if (!acct)
        acct = &ks_mem_heap;
    account_register(acct);
    size_t now = atomic_fetch_add_explicit(&acct->current, n, memory_order_relaxed) + n;
    atomic_fetch_add_explicit(&acct->total, n, memory_order_relaxed);
    size_t peak = atomic_load_explicit(&acct->peak, memory_order_relaxed);
    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&acct->peak, &peak, now, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

void ks_mem_release(ks_mem_account *acct, size_t n)
{
    if (!acct)
        acct = &ks_mem_heap;
    atomic_fetch_sub_explicit(&acct->current, n, memory_order_relaxed);
}

size_t ks_mem_current(const ks_mem_account *acct)
{
    return atomic_load_explicit(&acct->current, memory_order_relaxed);
}

size_t ks_mem_peak(const ks_mem_account *acct)
{
    return atomic_load_explicit(&acct->peak, memory_order_relaxed);
}

void ks_mem_foreach(void (*fn)(const ks_mem_account *acct, void *ctx), void *ctx)
{
    pthread_mutex_lock(&registry_lock);
    for (ks_mem_account *a = registry; a; a = a->next)
        fn(a, ctx);
    pthread_mutex_unlock(&registry_lock);
}

_Noreturn void ks_oom(size_t n)
{
    fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *ks_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        ks_oom(n);
    ks_mem_charge(&ks_mem_heap, malloc_usable_size(p));
    return p;
}

void *ks_xcalloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        ks_oom(SIZE_MAX);
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        ks_oom(count * size);
    ks_mem_charge(&ks_mem_heap, malloc_usable_size(p));
    return p;
}

void *ks_xrealloc(void *p, size_t n)
{
    size_t old = p ? malloc_usable_size(p) : 0;
    void *q = realloc(p, n ? n : 1);
    if (!q)
        ks_oom(n);
    ks_mem_release(&ks_mem_heap, old);
    ks_mem_charge(&ks_mem_heap, malloc_usable_size(q));
    return q;
}

void ks_xfree(void *p)
{
    if (!p)
        return;
    ks_mem_release(&ks_mem_heap, malloc_usable_size(p));
    free(p);
}

char *ks_xstrndup(const char *s, size_t n)
{
    char *p = ks_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *ks_grow_array(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            ks_oom(SIZE_MAX);
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem)
        ks_oom(SIZE_MAX);
    p = ks_xrealloc(p, ncap * elem);
    *cap = ncap;
    return p;
}
