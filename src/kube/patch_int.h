/* Internal to the patch code: building changed copies of immutable values,
 * a small hash index over values, and message helpers. */
#ifndef KS_KUBE_PATCH_INT_H
#define KS_KUBE_PATCH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "value/value.h"

/* Position of key in obj's sorted members: the index when *found, else
 * where it would be inserted. */
size_t kp_obj_find(const kv_value *obj, const kv_value *key, bool *found);
/* (Changed copies of objects: kv_obj_set in value/value.h.) */

static inline kv_value kp_members(const kv_member *m, size_t n)
{
    return (kv_value){.kind = KV_OBJECT, .len = (uint32_t)n, .u.members = m};
}

static inline kv_value kp_items(const kv_value *v, size_t n)
{
    return (kv_value){.kind = KV_ARRAY, .len = (uint32_t)n, .u.items = v};
}

static inline bool kp_is_str(const kv_value *v, const char *s, size_t n)
{
    return v->kind == KV_STRING && v->len == n && __builtin_memcmp(v->u.s, s, n) == 0;
}

/* A hash index from values (compared with kv_equal) to positions. */
typedef struct kp_index {
    struct kp_slot {
        const kv_value *key;
        size_t pos;
    } * slots;
    size_t mask;
} kp_index;

int kp_index_init(ks_arena *a, kp_index *ix, size_t count);
/* Adds key -> pos unless key is there already (the first position wins). */
void kp_index_put(kp_index *ix, const kv_value *key, size_t pos);
/* The position of key, or SIZE_MAX. */
size_t kp_index_get(const kp_index *ix, const kv_value *key);

/* Appends v as compact JSON, cut to about max bytes (for messages). */
void kp_json_snip(ks_buf *b, const kv_value *v, size_t max);

/* Sets err for an arena allocation failure. */
int kp_nomem(ks_error *err);

#endif
