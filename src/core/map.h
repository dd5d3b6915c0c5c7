/*
 * Hash map from byte-string keys to pointers: open addressing with linear
 * probing and backward-shift deletion (no tombstones), power-of-two sizes.
 *
 * Keys are not copied: the caller keeps the bytes alive while the entry
 * exists (an arena or an interned string is the usual owner). After
 * ks_map_upsert creates an entry, the caller may point entry->key at a
 * durable copy of the same bytes. Entry pointers are valid until the next
 * insertion or deletion.
 *
 * Memory from the heap (ks_mem_heap). Not thread-safe.
 */
#ifndef KS_CORE_MAP_H
#define KS_CORE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ks_map_entry {
    const char *key;
    size_t len;
    uint64_t hash; /* 0 marks an empty slot */
    void *val;
} ks_map_entry;

typedef struct ks_map {
    ks_map_entry *slots;
    size_t cap; /* 0 or a power of two */
    size_t count;
} ks_map;

void ks_map_init(ks_map *m);
void ks_map_free(ks_map *m);
void ks_map_clear(ks_map *m);

ks_map_entry *ks_map_find(const ks_map *m, const char *key, size_t len);
/* The value stored for key, or NULL. */
void *ks_map_get(const ks_map *m, const char *key, size_t len);
/* The entry for key, created (with val NULL and *created set) if absent. */
ks_map_entry *ks_map_upsert(ks_map *m, const char *key, size_t len, bool *created);
/* Sets key to val; returns the previous value or NULL. */
void *ks_map_put(ks_map *m, const char *key, size_t len, void *val);
/* Removes key; returns whether it was there, and its value in *val. */
bool ks_map_del(ks_map *m, const char *key, size_t len, void **val);

/* Iteration in slot order: for (size_t i = 0; (e = ks_map_next(m, &i));) */
ks_map_entry *ks_map_next(const ks_map *m, size_t *iter);

#endif
