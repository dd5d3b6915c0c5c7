/* Set algebra by merging sorted sets (see bi_sets.h). */
#include "rego/bi_sets.h"

enum { S_DIFF, S_AND, S_OR };

static int merge(ks_arena *a, const kv_value *x, const kv_value *y, int op, kv_value *out)
{
    size_t cap = op == S_OR ? (size_t)x->len + y->len : x->len;
    kv_value *items = NULL;
    if (cap) {
        items = ks_arena_alloc(a, cap * sizeof(kv_value));
        if (!items)
            return KS_ELIMIT;
    }
    size_t i = 0, j = 0, n = 0;
    while (i < x->len && j < y->len) {
        int c = kv_compare(&x->u.items[i], &y->u.items[j]);
        if (c < 0) {
            if (op != S_AND)
                items[n++] = x->u.items[i];
            i++;
        } else if (c > 0) {
            if (op == S_OR)
                items[n++] = y->u.items[j];
            j++;
        } else {
            if (op != S_DIFF)
                items[n++] = x->u.items[i];
            i++;
            j++;
        }
    }
    if (op != S_AND)
        for (; i < x->len; i++)
            items[n++] = x->u.items[i];
    if (op == S_OR)
        for (; j < y->len; j++)
            items[n++] = y->u.items[j];
    /* Merging sorted duplicate-free sets keeps them so. */
    *out = (kv_value){.kind = KV_SET, .len = (uint32_t)n, .u.items = items};
    return 0;
}

int rg_set_diff(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return merge(a, x, y, S_DIFF, out);
}

int rg_set_and(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return merge(a, x, y, S_AND, out);
}

int rg_set_or(ks_arena *a, const kv_value *x, const kv_value *y, kv_value *out)
{
    return merge(a, x, y, S_OR, out);
}
