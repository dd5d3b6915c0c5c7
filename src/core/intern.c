#include "core/intern.h"

void ks_intern_init(ks_intern *t, ks_mem_account *account)
{
    ks_map_init(&t->map);
    ks_arena_init(&t->arena, account, 0);
}

void ks_intern_free(ks_intern *t)
{
    ks_map_free(&t->map);
    ks_arena_free(&t->arena);
}

const char *ks_intern_get(ks_intern *t, const char *s, size_t n)
{
    bool created;
    ks_map_entry *e = ks_map_upsert(&t->map, s, n, &created);
    if (!created)
        return e->key;
    char *copy = ks_arena_strndup(&t->arena, s, n);
    if (!copy) {
        ks_map_del(&t->map, s, n, NULL);
        return NULL;
    }
    e->key = copy;
    return copy;
}

const char *ks_intern_find(const ks_intern *t, const char *s, size_t n)
{
    ks_map_entry *e = ks_map_find(&t->map, s, n);
    return e ? e->key : NULL;
}
