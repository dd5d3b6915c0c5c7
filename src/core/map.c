#include "core/map.h"

#include <string.h>

#include "core/hash.h"
#include "core/mem.h"

#define MAP_SEED 0x6a09e667f3bcc908ULL

static inline uint64_t key_hash(const char *key, size_t len)
{
    return ks_hash_bytes(key, len, MAP_SEED) | 1; /* never 0: 0 is empty */
}

void ks_map_init(ks_map *m)
{
    memset(m, 0, sizeof(*m));
}

void ks_map_free(ks_map *m)
{
    ks_xfree(m->slots);
    ks_map_init(m);
}

void ks_map_clear(ks_map *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof(*m->slots));
    m->count = 0;
}

static ks_map_entry *probe(const ks_map *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        ks_map_entry *e = &m->slots[i];
        if (e->hash == 0)
            return e;
        if (e->hash == h && e->len == len && (len == 0 || memcmp(e->key, key, len) == 0))
            return e;
    }
}

ks_map_entry *ks_map_find(const ks_map *m, const char *key, size_t len)
{
    if (m->count == 0)
        return NULL;
    ks_map_entry *e = probe(m, key, len, key_hash(key, len));
    return e->hash ? e : NULL;
}

void *ks_map_get(const ks_map *m, const char *key, size_t len)
{
    ks_map_entry *e = ks_map_find(m, key, len);
    return e ? e->val : NULL;
}

static void grow(ks_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    ks_map_entry *old = m->slots;
    size_t ocap = m->cap;
    m->slots = ks_xcalloc(ncap, sizeof(*m->slots));
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].hash) {
            size_t mask = ncap - 1;
            size_t j = old[i].hash & mask;
            while (m->slots[j].hash)
                j = (j + 1) & mask;
            m->slots[j] = old[i];
        }
    }
    ks_xfree(old);
}

ks_map_entry *ks_map_upsert(ks_map *m, const char *key, size_t len, bool *created)
{
    /* Keep the load factor under 3/4. */
    if ((m->count + 1) * 4 > m->cap * 3)
        grow(m);
    uint64_t h = key_hash(key, len);
    ks_map_entry *e = probe(m, key, len, h);
    if (e->hash) {
        if (created)
            *created = false;
        return e;
    }
    e->hash = h;
    e->key = key;
    e->len = len;
    e->val = NULL;
    m->count++;
    if (created)
        *created = true;
    return e;
}

void *ks_map_put(ks_map *m, const char *key, size_t len, void *val)
{
    ks_map_entry *e = ks_map_upsert(m, key, len, NULL);
    void *old = e->val;
    e->val = val;
    return old;
}

bool ks_map_del(ks_map *m, const char *key, size_t len, void **val)
{
    ks_map_entry *e = ks_map_find(m, key, len);
    if (!e)
        return false;
    if (val)
        *val = e->val;
    size_t mask = m->cap - 1;
    size_t i = (size_t)(e - m->slots);
    /* Backward shift: move later members of the probe run into the hole
     * when their home slot does not lie between the hole and them. */
    for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
        ks_map_entry *n = &m->slots[j];
        if (n->hash == 0)
            break;
        size_t home = n->hash & mask;
        bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m->slots[i] = *n;
            i = j;
        }
    }
    memset(&m->slots[i], 0, sizeof(m->slots[i]));
    m->count--;
    return true;
}

ks_map_entry *ks_map_next(const ks_map *m, size_t *iter)
{
    for (size_t i = *iter; i < m->cap; i++) {
        if (m->slots[i].hash) {
            *iter = i + 1;
            return &m->slots[i];
        }
    }
    *iter = m->cap;
    return NULL;
}
