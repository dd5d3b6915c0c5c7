/*
 * Arena allocator: memory for things whose lifetimes end together (a parsed
 * document, a request, an evaluation), like nginx's pools.
 *
 * Allocation is a pointer bump inside chunks taken from the heap; nothing is
 * freed on its own; ks_arena_free releases every chunk at once, and
 * ks_arena_reset empties the arena while keeping its chunks for reuse. A mark
 * taken with ks_arena_mark_get can be rewound to, releasing everything
 * allocated since.
 *
 * Accounting and limits: chunk memory is charged to the arena's account (see
 * mem.h). An arena may carry a limit on the bytes it reserves; an allocation
 * that would pass it returns NULL (callers report KS_ELIMIT), so a hostile
 * input cannot take the process's memory.
 *
 * Not thread-safe: an arena belongs to one thread at a time.
 */
#ifndef KS_CORE_ARENA_H
#define KS_CORE_ARENA_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

typedef struct ks_arena_chunk ks_arena_chunk;

typedef struct ks_arena {
    char *ptr;               /* next free byte of the current chunk */
    char *end;               /* end of the current chunk */
    ks_arena_chunk *chunks;  /* regular chunks, newest first */
    ks_arena_chunk *large;   /* chunks of one large allocation each */
    ks_arena_chunk *spare;   /* regular chunks kept by ks_arena_reset for reuse */
    size_t reserved;         /* bytes held in chunks, headers included */
    size_t limit;            /* maximum of reserved; 0 for none */
    size_t next_size;        /* size of the next regular chunk */
    ks_mem_account *account; /* charged for reserved bytes */
    bool failed;             /* an allocation has failed since init */
} ks_arena;

typedef struct ks_arena_mark {
    ks_arena_chunk *chunk;
    ks_arena_chunk *large;
    char *ptr;
    char *end;
} ks_arena_mark;

#define KS_ARENA_ALIGN 8

/* account may be NULL (charged to ks_mem_heap); limit 0 means none. */
void ks_arena_init(ks_arena *a, ks_mem_account *account, size_t limit);
void ks_arena_free(ks_arena *a);
/* Empties the arena but keeps its regular chunks (still reserved and
 * charged) for the next allocations: for a worker that parses one document
 * after another, this saves taking and faulting in fresh memory each time.
 * Large single allocations are released. */
void ks_arena_reset(ks_arena *a);

/* Slow path of ks_arena_alloc; use the inline functions below. */
void *ks_arena_alloc_slow(ks_arena *a, size_t size);

/* size bytes aligned to KS_ARENA_ALIGN, or NULL at the limit or on OOM.
 * Byte allocations may have left the bump pointer unaligned, so it is
 * aligned up here first. */
static inline void *ks_arena_alloc(ks_arena *a, size_t size)
{
    uintptr_t p = ((uintptr_t)a->ptr + (KS_ARENA_ALIGN - 1)) & ~(uintptr_t)(KS_ARENA_ALIGN - 1);
    if (a->ptr && p <= (uintptr_t)a->end && size <= (uintptr_t)a->end - p) {
        a->ptr = (char *)(p + size);
        return (void *)p;
    }
    return ks_arena_alloc_slow(a, size);
}

/* Byte allocation without alignment (strings). */
static inline char *ks_arena_alloc_bytes(ks_arena *a, size_t size)
{
    if (a->ptr && (size_t)((uintptr_t)a->end - (uintptr_t)a->ptr) >= size) {
        char *p = a->ptr;
        a->ptr += size;
        return p;
    }
    return ks_arena_alloc_slow(a, size);
}

void *ks_arena_calloc(ks_arena *a, size_t count, size_t size);
void *ks_arena_memdup(ks_arena *a, const void *p, size_t n);
/* Copies n bytes and a terminating NUL. */
char *ks_arena_strndup(ks_arena *a, const char *s, size_t n);

ks_arena_mark ks_arena_mark_get(const ks_arena *a);
/* Releases everything allocated after the mark was taken. */
void ks_arena_rewind(ks_arena *a, ks_arena_mark m);
/* As ks_arena_rewind, but regular chunks taken since the mark are kept (still
 * reserved) for the next allocations, as ks_arena_reset does: for a loop that
 * rewinds after every step, so a step that crosses a chunk boundary does not
 * take and fault in a fresh chunk each time. */
void ks_arena_rewind_keep(ks_arena *a, ks_arena_mark m);

/* Bytes handed out (approximately: includes alignment padding). */
size_t ks_arena_used(const ks_arena *a);

#endif
