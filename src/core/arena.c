#include "core/arena.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct ks_arena_chunk {
    ks_arena_chunk *next;
    size_t size; /* bytes of the chunk, header included */
    size_t used; /* bytes handed out from it (valid once it is not current) */
    alignas(KS_ARENA_ALIGN) char data[];
};

enum {
    FIRST_CHUNK = 4096,
    MAX_REGULAR_CHUNK = 8 << 20, /* chunks double up to this, then stay */
    HUGE_PAGE = 2 << 20,         /* chunks this big are backed by huge pages */
};

void ks_arena_init(ks_arena *a, ks_mem_account *account, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->account = account ? account : &ks_mem_heap;
    a->limit = limit;
    a->next_size = FIRST_CHUNK;
}

static void chunk_release(ks_arena *a, ks_arena_chunk *c)
{
    a->reserved -= c->size;
    ks_mem_release(a->account, c->size);
    free(c);
}

static void chunks_release(ks_arena *a, ks_arena_chunk *c, const ks_arena_chunk *stop)
{
    while (c != stop) {
        ks_arena_chunk *next = c->next;
        chunk_release(a, c);
        c = next;
    }
}

void ks_arena_free(ks_arena *a)
{
    chunks_release(a, a->chunks, NULL);
    chunks_release(a, a->large, NULL);
    chunks_release(a, a->spare, NULL);
    ks_mem_account *acct = a->account;
    size_t limit = a->limit;
    ks_arena_init(a, acct, limit);
}

/* Big arenas (a LIST of thousands of objects) touch tens of megabytes of
 * fresh memory, and faulting it in 4 KiB at a time costs as much as the
 * parse itself. Chunks of 2 MiB and more are therefore 2 MiB-aligned and
 * offered to transparent huge pages (the common "madvise" THP mode). */
static void *chunk_alloc(size_t size)
{
    if (size < HUGE_PAGE)
        return malloc(size);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, size) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, size & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return p;
}

void ks_arena_reset(ks_arena *a)
{
    chunks_release(a, a->large, NULL);
    a->large = NULL;
    while (a->chunks) {
        ks_arena_chunk *c = a->chunks;
        a->chunks = c->next;
        c->next = a->spare;
        a->spare = c;
    }
    a->ptr = a->end = NULL;
    a->failed = false;
}

/* A kept chunk with room for size bytes, taken off the spare list. */
static ks_arena_chunk *spare_take(ks_arena *a, size_t size, size_t *payload)
{
    for (ks_arena_chunk **pp = &a->spare; *pp; pp = &(*pp)->next) {
        ks_arena_chunk *c = *pp;
        if (c->size - sizeof(ks_arena_chunk) >= size) {
            *pp = c->next;
            c->used = 0;
            *payload = c->size - sizeof(ks_arena_chunk);
            return c;
        }
    }
    return NULL;
}

static ks_arena_chunk *chunk_new(ks_arena *a, size_t payload)
{
    size_t size = sizeof(ks_arena_chunk) + payload;
    if (size < payload)
        return NULL;
    if (a->limit && (size > a->limit || a->reserved > a->limit - size))
        return NULL;
    ks_arena_chunk *c = chunk_alloc(size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    a->reserved += size;
    ks_mem_charge(a->account, size);
    return c;
}

void *ks_arena_alloc_slow(ks_arena *a, size_t size)
{
    size_t rounded = (size + (KS_ARENA_ALIGN - 1)) & ~(size_t)(KS_ARENA_ALIGN - 1);
    if (rounded < size)
        goto fail;

    /* A large request gets a chunk of its own, so the space left in the
     * current chunk stays usable. */
    if (rounded > a->next_size / 4) {
        ks_arena_chunk *c = chunk_new(a, rounded);
        if (!c)
            goto fail;
        c->used = rounded;
        c->next = a->large;
        a->large = c;
        return c->data;
    }

    size_t payload;
    ks_arena_chunk *c = spare_take(a, rounded, &payload);
    if (c)
        goto got;
    payload = a->next_size;
    while (payload < rounded)
        payload *= 2;
    /* Huge-page chunks: header and payload fill whole huge pages. */
    if (payload >= HUGE_PAGE && payload - sizeof(ks_arena_chunk) >= rounded)
        payload -= sizeof(ks_arena_chunk);
    c = chunk_new(a, payload);
    if (!c) {
        /* Near the limit a smaller chunk may still fit. */
        c = chunk_new(a, rounded);
        if (!c)
            goto fail;
        payload = rounded;
    }
    if (a->next_size < MAX_REGULAR_CHUNK)
        a->next_size *= 2;
got:
    if (a->chunks)
        a->chunks->used = (size_t)(a->ptr - a->chunks->data);
    c->next = a->chunks;
    a->chunks = c;
    a->ptr = c->data + rounded;
    a->end = c->data + payload;
    return c->data;

fail:
    a->failed = true;
    return NULL;
}

void *ks_arena_calloc(ks_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        a->failed = true;
        return NULL;
    }
    void *p = ks_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *ks_arena_memdup(ks_arena *a, const void *src, size_t n)
{
    void *p = ks_arena_alloc(a, n);
    if (p && n)
        memcpy(p, src, n);
    return p;
}

char *ks_arena_strndup(ks_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = ks_arena_alloc_bytes(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

ks_arena_mark ks_arena_mark_get(const ks_arena *a)
{
    return (ks_arena_mark){.chunk = a->chunks, .large = a->large, .ptr = a->ptr, .end = a->end};
}

void ks_arena_rewind(ks_arena *a, ks_arena_mark m)
{
    /* Chunks newer than the marked ones go back to the heap. */
    chunks_release(a, a->chunks, m.chunk);
    a->chunks = m.chunk;
    chunks_release(a, a->large, m.large);
    a->large = m.large;
    a->ptr = m.ptr;
    a->end = m.end;
}

void ks_arena_rewind_keep(ks_arena *a, ks_arena_mark m)
{
    while (a->chunks != m.chunk) {
        ks_arena_chunk *c = a->chunks;
        a->chunks = c->next;
        c->next = a->spare;
        a->spare = c;
    }
    chunks_release(a, a->large, m.large);
    a->large = m.large;
    a->ptr = m.ptr;
    a->end = m.end;
}

size_t ks_arena_used(const ks_arena *a)
{
    size_t used = 0;
    for (ks_arena_chunk *c = a->chunks; c; c = c->next)
        used += (c == a->chunks) ? (size_t)(a->ptr - c->data) : c->used;
    for (ks_arena_chunk *c = a->large; c; c = c->next)
        used += c->used;
    return used;
}
