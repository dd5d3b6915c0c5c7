/*
 * Interned strings: one canonical, NUL-terminated copy of each distinct byte
 * string, so equal strings share memory and compare equal by pointer within
 * one table. Object keys of parsed documents and identifiers of compiled
 * policies are interned.
 *
 * The copies live in the table's arena and stay valid until ks_intern_free.
 * Not thread-safe: give each thread or document its own table, or guard a
 * shared one.
 */
#ifndef KS_CORE_INTERN_H
#define KS_CORE_INTERN_H

#include <stddef.h>

#include "core/arena.h"
#include "core/map.h"

typedef struct ks_intern {
    ks_map map;
    ks_arena arena;
} ks_intern;

void ks_intern_init(ks_intern *t, ks_mem_account *account);
void ks_intern_free(ks_intern *t);

/* The canonical copy of s[0..n), added if new; NULL only on OOM. */
const char *ks_intern_get(ks_intern *t, const char *s, size_t n);
/* The canonical copy if s is already interned, else NULL. */
const char *ks_intern_find(const ks_intern *t, const char *s, size_t n);

static inline size_t ks_intern_count(const ks_intern *t)
{
    return t->map.count;
}

#endif
