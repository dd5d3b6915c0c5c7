/*
 * Memory accounting and heap helpers.
 *
 * Every byte the system takes from the heap is charged to a named account, so
 * memory is a metric per component (Redis's zmalloc is the model). Arenas
 * charge the account they were created with; ks_xmalloc and friends charge the
 * global "heap" account.
 *
 * Policy: the heap helpers abort with a message when the C library itself is
 * out of memory, like git's xmalloc; that is not an input error. Limits that
 * input can reach (document size, arena limits, buffer maxima) are checked
 * before allocating and reported as KS_ELIMIT, never by aborting.
 *
 * Thread-safe: counters are atomic. Accounts are registered once, at start-up
 * or on first use, and live for the whole process.
 */
#ifndef KS_CORE_MEM_H
#define KS_CORE_MEM_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct ks_mem_account {
    const char *name;
    atomic_size_t current; /* bytes held now */
    atomic_size_t peak;    /* highest value of current */
    atomic_size_t total;   /* bytes ever charged */
    struct ks_mem_account *next;
    atomic_int registered;
} ks_mem_account;

/* A static account: `static KS_MEM_ACCOUNT(json_acct, "json");` */
#define KS_MEM_ACCOUNT(var, label) ks_mem_account var = {.name = (label)}

/* The account of ks_xmalloc and of arenas created without one. */
extern ks_mem_account ks_mem_heap;

void ks_mem_charge(ks_mem_account *acct, size_t n);
void ks_mem_release(ks_mem_account *acct, size_t n);

size_t ks_mem_current(const ks_mem_account *acct);
size_t ks_mem_peak(const ks_mem_account *acct);

/* Calls fn for every account that has been charged at least once. */
void ks_mem_foreach(void (*fn)(const ks_mem_account *acct, void *ctx), void *ctx);

/* Heap helpers charged to ks_mem_heap; abort on C-library OOM. */
void *ks_xmalloc(size_t n);
void *ks_xcalloc(size_t count, size_t size);
void *ks_xrealloc(void *p, size_t n);
void ks_xfree(void *p);
char *ks_xstrndup(const char *s, size_t n);

/* Grows an array to hold at least `need` elements of `elem` bytes; updates
 * *cap. Used by the KS_VEC macros; aborts on overflow or OOM. */
void *ks_grow_array(void *p, size_t *cap, size_t need, size_t elem);

/* Prints a message naming the failed size and aborts. */
_Noreturn void ks_oom(size_t n);

#endif
