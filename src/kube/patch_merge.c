/* JSON Merge Patch (RFC 7386), strategic merge patch and server-side apply.
 *
 * Objects keep their members sorted, so merging two objects is one linear
 * walk over both member arrays. Keyed lists are merged through a hash index
 * of their items' keys, so a list of n items patched with m items costs
 * O(n + m), not O(n * m). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kube/patch.h"
#include "kube/patch_int.h"

static const kv_value empty_object = {.kind = KV_OBJECT};

/* ---- RFC 7386 ---- */

/* A value taken from a merge patch as it is, with the null members of
 * objects inside it dropped (inside arrays too), as kube-apiserver's merge
 * patch (evanphx/json-patch) prunes them. */
static int prune_nulls(ks_arena *a, const kv_value *v, size_t depth, kv_value *out, ks_error *err)
{
    if (depth > KUBE_PATCH_MAX_DEPTH)
        return ks_error_set(err, KS_ELIMIT, "merge patch: nested deeper than %d levels",
                            KUBE_PATCH_MAX_DEPTH);
    if (v->kind == KV_ARRAY) {
        kv_value *items = ks_arena_alloc(a, (v->len ? v->len : 1) * sizeof *items);
        if (!items)
            return kp_nomem(err);
        for (size_t i = 0; i < v->len; i++) {
            int rc = prune_nulls(a, &v->u.items[i], depth + 1, &items[i], err);
            if (rc)
                return rc;
        }
        *out = kp_items(items, v->len);
        return 0;
    }
    if (v->kind == KV_OBJECT) {
        kv_member *m = ks_arena_alloc(a, (v->len ? v->len : 1) * sizeof *m);
        if (!m)
            return kp_nomem(err);
        size_t k = 0;
        for (size_t i = 0; i < v->len; i++) {
            if (v->u.members[i].val.kind == KV_NULL)
                continue;
            m[k].key = v->u.members[i].key;
            int rc = prune_nulls(a, &v->u.members[i].val, depth + 1, &m[k].val, err);
            if (rc)
                return rc;
            k++;
        }
        *out = kp_members(m, k);
        return 0;
    }
    *out = *v;
    return 0;
}

static int merge_rec(ks_arena *a, const kv_value *target, const kv_value *patch, size_t depth,
                     kv_value *out, ks_error *err)
{
    if (patch->kind != KV_OBJECT) {
        /* an array or scalar replaces; pruned unless it replaces a member
         * that is an object (the upstream library's exact rule) */
        if (depth == 0 || !target || target->kind != KV_OBJECT)
            return prune_nulls(a, patch, depth, out, err);
        *out = *patch;
        return 0;
    }
    if (depth > KUBE_PATCH_MAX_DEPTH)
        return ks_error_set(err, KS_ELIMIT, "merge patch: nested deeper than %d levels",
                            KUBE_PATCH_MAX_DEPTH);
    if (!target || target->kind != KV_OBJECT)
        target = &empty_object;
    size_t tn = target->len, pn = patch->len, i = 0, j = 0, k = 0;
    kv_member *m = ks_arena_alloc(a, (tn + pn ? tn + pn : 1) * sizeof *m);
    if (!m)
        return kp_nomem(err);
    const kv_member *t = target->u.members, *p = patch->u.members;
    while (i < tn || j < pn) {
        int c = i < tn && j < pn ? kv_compare(&t[i].key, &p[j].key) : (i < tn ? -1 : 1);
        if (c < 0) {
            m[k++] = t[i++];
            continue;
        }
        if (p[j].val.kind != KV_NULL) {
            m[k].key = p[j].key;
            int rc = merge_rec(a, c == 0 ? &t[i].val : NULL, &p[j].val, depth + 1, &m[k].val, err);
            if (rc)
                return rc;
            k++;
        }
        if (c == 0)
            i++;
        j++;
    }
    *out = kp_members(m, k);
    return 0;
}

int kube_patch_merge(ks_arena *a, const kv_value *doc, const kv_value *patch, kv_value *out,
                     ks_error *err)
{
    return merge_rec(a, doc, patch, 0, out, err);
}

/* ---- strategic merge and apply ---- */

typedef struct seg {
    const kv_value *name; /* field name */
    const struct seg *up;
    size_t depth;
} seg;

typedef struct sm_ctx {
    ks_arena *a;
    ks_error *err;
    const kube_patch_schema *schema;
    bool apply; /* server-side apply: no directives, nulls keep the live value */
    const char *what;
    size_t depth; /* of the recursion, arrays included */
} sm_ctx;

/* v as compact JSON for a message (cut short), in the arena. */
static const char *snip(sm_ctx *c, const kv_value *v)
{
    ks_buf b = KS_BUF_INIT;
    kp_json_snip(&b, v, 200);
    const char *out = b.err ? NULL : ks_arena_strndup(c->a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    return out ? out : "<value>";
}

/* Fails with "<what>: at <path>: <message>". */
static int sm_fail(sm_ctx *c, int code, const seg *at, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int sm_fail(sm_ctx *c, int code, const seg *at, const char *fmt, ...)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "%s: ", c->what);
    /* the path, root first */
    const seg *chain[64];
    size_t n = 0;
    for (const seg *s = at; s && n < 64; s = s->up)
        chain[n++] = s;
    if (n) {
        ks_buf_puts(&b, "at ");
        if (at->depth >= 64)
            ks_buf_puts(&b, "...");
        while (n--) {
            const kv_value *nm = chain[n]->name;
            ks_buf_append(&b, nm->kind == KV_STRING ? nm->u.s : "?",
                          nm->kind == KV_STRING ? nm->len : 1);
            if (n)
                ks_buf_putc(&b, '.');
        }
        ks_buf_puts(&b, ": ");
    }
    va_list ap;
    va_start(ap, fmt);
    ks_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = ks_error_set(c->err, code, "%s", ks_buf_cstr(&b));
    ks_buf_free(&b);
    return rc;
}

static bool has_prefix(const kv_value *k, const char *p, size_t n)
{
    return k->kind == KV_STRING && k->len >= n && memcmp(k->u.s, p, n) == 0;
}

#define SEO_PREFIX "$setElementOrder/"
#define DFL_PREFIX "$deleteFromPrimitiveList/"
#define SEO_LEN    (sizeof SEO_PREFIX - 1)
#define DFL_LEN    (sizeof DFL_PREFIX - 1)

static bool is_directive_key(const kv_value *k)
{
    return kp_is_str(k, "$patch", 6) || kp_is_str(k, "$retainKeys", 11) ||
           has_prefix(k, SEO_PREFIX, SEO_LEN) || has_prefix(k, DFL_PREFIX, DFL_LEN);
}

/* The merge key declared for the list at path: 1 and *key (NULL for a set
 * of scalars) when declared, else 0. */
static int schema_lookup(const sm_ctx *c, const seg *path, const char **key)
{
    if (!c->schema)
        return 0;
    for (size_t e = 0; e < c->schema->n; e++) {
        const char *p = c->schema->keys[e].path;
        size_t plen = strlen(p);
        const seg *s = path;
        size_t end = plen;
        bool ok = true;
        /* compare segments from the last */
        while (ok) {
            size_t start = end;
            while (start > 0 && p[start - 1] != '.')
                start--;
            if (!s) {
                ok = false;
                break;
            }
            size_t n = end - start;
            bool star = n == 1 && p[start] == '*';
            if (!star && !kp_is_str(s->name, p + start, n))
                ok = false;
            s = s->up;
            if (start == 0)
                break;
            end = start - 1;
        }
        if (ok && !s) {
            *key = c->schema->keys[e].key;
            return 1;
        }
    }
    return 0;
}

static int sm_value(sm_ctx *c, const kv_value *orig, const kv_value *patch, const seg *path,
                    kv_value *out, bool *drop);
static int clean(sm_ctx *c, const kv_value *v, const seg *path, kv_value *out, bool *drop);

/* A value taken from the patch where nothing is merged into: nulls
 * dropped, directives removed; *drop when the value itself goes away. */
static int clean_in(sm_ctx *c, const kv_value *v, const seg *path, kv_value *out, bool *drop)
{
    if (v->kind == KV_OBJECT) {
        if (!c->apply) {
            const kv_value *d = kv_obj_get(v, "$patch", 6);
            if (d && kp_is_str(d, "delete", 6)) {
                *drop = true;
                return 0;
            }
            if (d && !kp_is_str(d, "replace", 7) && !kp_is_str(d, "merge", 5))
                return sm_fail(c, KS_EINVAL, path, "unknown patch type: %s in map", snip(c, d));
        }
        kv_member *m = ks_arena_alloc(c->a, (v->len ? v->len : 1) * sizeof *m);
        if (!m)
            return kp_nomem(c->err);
        size_t k = 0;
        for (size_t i = 0; i < v->len; i++) {
            const kv_member *mi = &v->u.members[i];
            if (mi->val.kind == KV_NULL || (!c->apply && is_directive_key(&mi->key)))
                continue;
            seg s = {&mi->key, path, path ? path->depth + 1 : 1};
            bool d;
            int rc = clean(c, &mi->val, &s, &m[k].val, &d);
            if (rc)
                return rc;
            if (!d)
                m[k++].key = mi->key;
        }
        *out = kp_members(m, k);
        return 0;
    }
    if (v->kind == KV_ARRAY) {
        kv_value *items = ks_arena_alloc(c->a, (v->len ? v->len : 1) * sizeof *items);
        if (!items)
            return kp_nomem(c->err);
        size_t k = 0;
        for (size_t i = 0; i < v->len; i++) {
            const kv_value *it = &v->u.items[i];
            if (!c->apply && it->kind == KV_OBJECT && kv_obj_get(it, "$patch", 6))
                continue; /* directive items have no place in a new list */
            bool d;
            int rc = clean(c, it, path, &items[k], &d);
            if (rc)
                return rc;
            if (!d)
                k++;
        }
        *out = kp_items(items, k);
        return 0;
    }
    *out = *v;
    return 0;
}

static int too_deep(sm_ctx *c)
{
    return ks_error_set(c->err, KS_ELIMIT, "%s: nested deeper than %d levels", c->what,
                        KUBE_PATCH_MAX_DEPTH);
}

static int clean(sm_ctx *c, const kv_value *v, const seg *path, kv_value *out, bool *drop)
{
    *drop = false;
    if (c->depth >= KUBE_PATCH_MAX_DEPTH)
        return too_deep(c);
    c->depth++;
    int rc = clean_in(c, v, path, out, drop);
    c->depth--;
    return rc;
}

/* ---- lists ---- */

static bool all_kind(const kv_value *arr, bool objects)
{
    for (size_t i = 0; i < arr->len; i++)
        if ((arr->u.items[i].kind == KV_OBJECT) != objects)
            return false;
    return true;
}

/* Union of two lists of scalars, first occurrences in order. */
static int merge_scalars(sm_ctx *c, const kv_value *orig, const kv_value *patch, kv_value *out)
{
    size_t n = (size_t)orig->len + patch->len;
    kp_index ix;
    kv_value *items = ks_arena_alloc(c->a, (n ? n : 1) * sizeof *items);
    if (!items || kp_index_init(c->a, &ix, n))
        return kp_nomem(c->err);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const kv_value *v = i < orig->len ? &orig->u.items[i] : &patch->u.items[i - orig->len];
        if (kp_index_get(&ix, v) != SIZE_MAX)
            continue;
        kp_index_put(&ix, v, k);
        items[k++] = *v;
    }
    *out = kp_items(items, k);
    return 0;
}

static int no_merge_key(sm_ctx *c, const seg *path, const kv_value *item, const char *key)
{
    return sm_fail(c, KS_EINVAL, path, "map: %s does not contain declared merge key: %s",
                   snip(c, item), key);
}

static int merge_keyed(sm_ctx *c, const kv_value *orig, const kv_value *patch, const seg *path,
                       const char *key, kv_value *out)
{
    size_t klen = strlen(key);
    bool replace = false;
    bool *deleted = NULL;
    /* directives in list items */
    for (size_t j = 0; !c->apply && j < patch->len; j++) {
        const kv_value *p = &patch->u.items[j];
        const kv_value *d = kv_obj_get(p, "$patch", 6);
        if (!d)
            continue;
        if (kp_is_str(d, "replace", 7)) {
            replace = true;
        } else if (kp_is_str(d, "delete", 6)) {
            const kv_value *kv = kv_obj_get(p, key, klen);
            if (!kv)
                return no_merge_key(c, path, p, key);
            if (!deleted && !(deleted = ks_arena_calloc(c->a, orig->len + 1, sizeof *deleted)))
                return kp_nomem(c->err);
            for (size_t i = 0; i < orig->len; i++) {
                const kv_value *oi = &orig->u.items[i];
                const kv_value *ok = oi->kind == KV_OBJECT ? kv_obj_get(oi, key, klen) : NULL;
                if (ok && kv_equal(ok, kv))
                    deleted[i] = true;
            }
        } else if (kp_is_str(d, "merge", 5)) {
            return sm_fail(c, KS_EINVAL, path,
                           "merging lists cannot yet be specified in the patch");
        } else {
            return sm_fail(c, KS_EINVAL, path, "unknown patch type: %s in map", snip(c, d));
        }
    }
    if (replace) {
        bool d;
        return clean(c, patch, path, out, &d);
    }
    size_t cap = (size_t)orig->len + patch->len;
    kv_value *items = ks_arena_alloc(c->a, (cap ? cap : 1) * sizeof *items);
    kp_index ix;
    if (!items || kp_index_init(c->a, &ix, cap))
        return kp_nomem(c->err);
    size_t k = 0;
    for (size_t i = 0; i < orig->len; i++) {
        if (deleted && deleted[i])
            continue;
        const kv_value *oi = &orig->u.items[i];
        const kv_value *ok = oi->kind == KV_OBJECT ? kv_obj_get(oi, key, klen) : NULL;
        if (ok)
            kp_index_put(&ix, ok, k);
        items[k++] = *oi;
    }
    for (size_t j = 0; j < patch->len; j++) {
        const kv_value *p = &patch->u.items[j];
        if (!c->apply && kv_obj_get(p, "$patch", 6))
            continue;
        const kv_value *pk = kv_obj_get(p, key, klen);
        if (!pk)
            return no_merge_key(c, path, p, key);
        size_t at = kp_index_get(&ix, pk);
        bool drop;
        kv_value nv;
        int rc = at == SIZE_MAX ? clean(c, p, path, &nv, &drop)
                                : sm_value(c, &items[at], p, path, &nv, &drop);
        if (rc)
            return rc;
        if (drop)
            continue;
        if (at != SIZE_MAX) {
            items[at] = nv;
        } else {
            items[k] = nv;
            const kv_value *nk = kv_obj_get(&items[k], key, klen);
            if (nk)
                kp_index_put(&ix, nk, k);
            k++;
        }
    }
    *out = kp_items(items, k);
    return 0;
}

static int merge_list(sm_ctx *c, const kv_value *orig, const kv_value *patch, const seg *path,
                      kv_value *out)
{
    const char *key = NULL;
    bool d;
    if (!schema_lookup(c, path, &key))
        return clean(c, patch, path, out, &d);
    if (orig->len == 0 && patch->len == 0) {
        *out = *orig;
        return 0;
    }
    bool scalars = all_kind(orig, false) && all_kind(patch, false);
    bool objects = all_kind(orig, true) && all_kind(patch, true);
    if (scalars)
        return merge_scalars(c, orig, patch, out);
    if (!objects || !key) {
        if (c->apply)
            return clean(c, patch, path, out, &d);
        return sm_fail(c, KS_EINVAL, path, "%s",
                       objects ? "cannot merge lists without merge key"
                               : "list element types are not identical");
    }
    return merge_keyed(c, orig, patch, path, key, out);
}

/* ---- $setElementOrder ---- */

typedef struct ranked {
    size_t pos; /* in the order list, or in the live list */
    size_t idx; /* in the list being ordered */
} ranked;

static int cmp_ranked(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The identity of a list item: its merge key's value, or itself. */
static const kv_value *item_id(const kv_value *it, const char *key, size_t klen)
{
    if (!key)
        return it;
    return it->kind == KV_OBJECT ? kv_obj_get(it, key, klen) : NULL;
}

/* Orders list as upstream does for $setElementOrder: the items the order
 * names, in its order; the others ("server-only") in their order in the
 * live list; then the two merged, a server-only item going first when the
 * live list has it before the named item it is compared with. */
static int set_order(sm_ctx *c, const kv_value *list, const kv_value *live, const kv_value *order,
                     const char *key, const seg *path, kv_value *out)
{
    size_t klen = key ? strlen(key) : 0;
    size_t n = list->len;
    size_t nlive = live ? live->len : 0;
    kp_index ox, lx;
    if (kp_index_init(c->a, &ox, order->len) || kp_index_init(c->a, &lx, nlive))
        return kp_nomem(c->err);
    for (size_t i = 0; i < order->len; i++) {
        const kv_value *id = item_id(&order->u.items[i], key, klen);
        if (!id)
            return sm_fail(c, KS_EPARSE, path, "invalid patch format of setElementOrder list");
        kp_index_put(&ox, id, i);
    }
    for (size_t i = 0; i < nlive; i++) {
        const kv_value *id = item_id(&live->u.items[i], key, klen);
        if (id)
            kp_index_put(&lx, id, i);
    }
    ranked *named = ks_arena_alloc(c->a, (n ? n : 1) * sizeof *named);
    ranked *rest = ks_arena_alloc(c->a, (n ? n : 1) * sizeof *rest);
    size_t *live_pos = ks_arena_alloc(c->a, (n ? n : 1) * sizeof *live_pos);
    kv_value *items = ks_arena_alloc(c->a, (n ? n : 1) * sizeof *items);
    if (!named || !rest || !live_pos || !items)
        return kp_nomem(c->err);
    size_t nn = 0, nr = 0;
    for (size_t i = 0; i < n; i++) {
        const kv_value *id = item_id(&list->u.items[i], key, klen);
        size_t pos = id ? kp_index_get(&ox, id) : SIZE_MAX;
        live_pos[i] = id ? kp_index_get(&lx, id) : SIZE_MAX;
        if (pos != SIZE_MAX)
            named[nn++] = (ranked){pos, i};
        else /* items the live list lacks keep their place after it */
            rest[nr++] = (ranked){live_pos[i], i};
    }
    qsort(named, nn, sizeof *named, cmp_ranked);
    qsort(rest, nr, sizeof *rest, cmp_ranked);
    size_t i = 0, j = 0, k = 0;
    while (i < nr || j < nn) {
        bool left;
        if (i >= nr)
            left = false;
        else if (j >= nn)
            left = true;
        else {
            size_t lp = live_pos[rest[i].idx], rp = live_pos[named[j].idx];
            left = lp != SIZE_MAX && rp != SIZE_MAX && lp < rp;
        }
        items[k++] = list->u.items[left ? rest[i++].idx : named[j++].idx];
    }
    *out = kp_items(items, k);
    return 0;
}

/* ---- maps ---- */

static int retain_keys(sm_ctx *c, const kv_value *base, const kv_value *patch, const seg *path,
                       kv_value *out)
{
    const kv_value *rk = kv_obj_get(patch, "$retainKeys", 11);
    *out = *base;
    if (!rk)
        return 0;
    if (rk->kind != KV_ARRAY)
        return sm_fail(c, KS_EPARSE, path, "invalid patch format of retainKeys");
    kp_index ix;
    if (kp_index_init(c->a, &ix, rk->len))
        return kp_nomem(c->err);
    for (size_t i = 0; i < rk->len; i++) {
        if (rk->u.items[i].kind != KV_STRING)
            return sm_fail(c, KS_EPARSE, path, "invalid patch format of retainKeys");
        kp_index_put(&ix, &rk->u.items[i], i);
    }
    for (size_t i = 0; i < patch->len; i++) {
        const kv_member *m = &patch->u.members[i];
        if (m->val.kind == KV_NULL || is_directive_key(&m->key))
            continue;
        if (kp_index_get(&ix, &m->key) == SIZE_MAX)
            return sm_fail(c, KS_EPARSE, path, "invalid patch format of retainKeys");
    }
    kv_member *keep = ks_arena_alloc(c->a, (base->len ? base->len : 1) * sizeof *keep);
    if (!keep)
        return kp_nomem(c->err);
    size_t k = 0;
    for (size_t i = 0; i < base->len; i++)
        if (kp_index_get(&ix, &base->u.members[i].key) != SIZE_MAX)
            keep[k++] = base->u.members[i];
    *out = kp_members(keep, k);
    return 0;
}

static int delete_from_list(sm_ctx *c, const kv_value *list, const kv_value *del, kv_value *out)
{
    kp_index ix;
    kv_value *items = ks_arena_alloc(c->a, (list->len ? list->len : 1) * sizeof *items);
    if (!items || kp_index_init(c->a, &ix, del->len))
        return kp_nomem(c->err);
    for (size_t i = 0; i < del->len; i++)
        kp_index_put(&ix, &del->u.items[i], i);
    size_t k = 0;
    for (size_t i = 0; i < list->len; i++)
        if (kp_index_get(&ix, &list->u.items[i]) == SIZE_MAX)
            items[k++] = list->u.items[i];
    *out = kp_items(items, k);
    return 0;
}

/* A map's own $patch directive: 1 when it decided the result. */
static int map_directive(sm_ctx *c, const kv_value *patch, const seg *path, kv_value *out)
{
    const kv_value *d = kv_obj_get(patch, "$patch", 6);
    if (!d || kp_is_str(d, "merge", 5))
        return 0;
    if (kp_is_str(d, "delete", 6)) {
        *out = empty_object;
        return 1;
    }
    if (!kp_is_str(d, "replace", 7))
        return sm_fail(c, KS_EINVAL, path, "unknown patch type: %s in map", snip(c, d));
    bool drop;
    kv_value marker = kv_str_ref("$patch", 6), bare;
    if (kv_obj_set(c->a, patch, &marker, NULL, &bare))
        return kp_nomem(c->err);
    int rc = clean(c, &bare, path, out, &drop);
    return rc ? rc : 1;
}

/* The members of base merged with the patch's fields (directive keys
 * skipped), into a fresh sorted member array. */
static int merge_members(sm_ctx *c, const kv_value *base, const kv_value *patch, const seg *path,
                         kv_member **res_out, size_t *n_out)
{
    size_t bn = base->len, pn = patch->len, nadd = 0;
    kv_member *w = ks_arena_alloc(c->a, (bn ? bn : 1) * sizeof *w);
    bool *gone = ks_arena_calloc(c->a, bn + 1, sizeof *gone);
    kv_member *add = ks_arena_alloc(c->a, (pn ? pn : 1) * sizeof *add);
    if (!w || !gone || !add)
        return kp_nomem(c->err);
    if (bn)
        memcpy(w, base->u.members, bn * sizeof *w);
    for (size_t j = 0; j < pn; j++) {
        const kv_member *pm = &patch->u.members[j];
        if (!c->apply && is_directive_key(&pm->key)) {
            if (has_prefix(&pm->key, DFL_PREFIX, DFL_LEN) && pm->val.kind != KV_ARRAY)
                return sm_fail(c, KS_EPARSE, path, "invalid patch format of primitive list");
            continue;
        }
        bool found;
        size_t at = kp_obj_find(base, &pm->key, &found);
        if (pm->val.kind == KV_NULL) {
            if (found && !c->apply)
                gone[at] = true;
            continue;
        }
        seg s = {&pm->key, path, path ? path->depth + 1 : 1};
        bool drop;
        kv_value nv;
        int rc = found ? sm_value(c, &w[at].val, &pm->val, &s, &nv, &drop)
                       : clean(c, &pm->val, &s, &nv, &drop);
        if (rc)
            return rc;
        if (found) {
            gone[at] = drop;
            w[at].val = drop ? w[at].val : nv;
        } else if (!drop) {
            add[nadd].key = pm->key;
            add[nadd++].val = nv;
        }
    }
    /* the survivors and the additions, both sorted, merged */
    kv_member *res = ks_arena_alloc(c->a, (bn + nadd ? bn + nadd : 1) * sizeof *res);
    if (!res)
        return kp_nomem(c->err);
    size_t i = 0, j = 0, k = 0;
    while (i < bn || j < nadd) {
        if (i < bn && gone[i]) {
            i++;
            continue;
        }
        if (j >= nadd || (i < bn && kv_compare(&w[i].key, &add[j].key) < 0))
            res[k++] = w[i++];
        else
            res[k++] = add[j++];
    }
    *res_out = res;
    *n_out = k;
    return 0;
}

/* $deleteFromPrimitiveList/<field> (after the additions of the same patch:
 * deletions win) and then $setElementOrder/<field>, on the merged members
 * res (sorted, n of them); base is the map before the patch. */
static int list_directives(sm_ctx *c, const kv_value *base, const kv_value *patch, const seg *path,
                           kv_member *res, size_t n)
{
    kv_value result = kp_members(res, n);
    int rc;
    for (size_t q = 0; q < patch->len; q++) {
        const kv_member *pm = &patch->u.members[q];
        if (!has_prefix(&pm->key, DFL_PREFIX, DFL_LEN))
            continue;
        kv_value field = kv_str_ref(pm->key.u.s + DFL_LEN, pm->key.len - DFL_LEN);
        bool found;
        size_t at = kp_obj_find(&result, &field, &found);
        if (found && res[at].val.kind == KV_ARRAY &&
            (rc = delete_from_list(c, &res[at].val, &pm->val, &res[at].val)))
            return rc;
    }
    for (size_t q = 0; q < patch->len; q++) {
        const kv_member *pm = &patch->u.members[q];
        if (!has_prefix(&pm->key, SEO_PREFIX, SEO_LEN))
            continue;
        if (pm->val.kind != KV_ARRAY)
            return sm_fail(c, KS_EPARSE, path, "invalid patch format of setElementOrder list");
        kv_value field = kv_str_ref(pm->key.u.s + SEO_LEN, pm->key.len - SEO_LEN);
        bool found, had;
        size_t at = kp_obj_find(&result, &field, &found);
        if (!found || res[at].val.kind != KV_ARRAY)
            continue;
        seg s = {&res[at].key, path, path ? path->depth + 1 : 1};
        const char *key = NULL;
        schema_lookup(c, &s, &key);
        size_t lat = kp_obj_find(base, &field, &had);
        const kv_value *live =
                had && base->u.members[lat].val.kind == KV_ARRAY ? &base->u.members[lat].val : NULL;
        if ((rc = set_order(c, &res[at].val, live, &pm->val, key, &s, &res[at].val)))
            return rc;
    }
    return 0;
}

static int merge_map(sm_ctx *c, const kv_value *orig, const kv_value *patch, const seg *path,
                     kv_value *out)
{
    int rc;
    if (!c->apply && (rc = map_directive(c, patch, path, out)) != 0)
        return rc < 0 ? rc : 0;
    kv_value base = *orig;
    if (!c->apply && (rc = retain_keys(c, orig, patch, path, &base)))
        return rc;
    kv_member *res = NULL;
    size_t n = 0;
    if ((rc = merge_members(c, &base, patch, path, &res, &n)))
        return rc;
    if (!c->apply && (rc = list_directives(c, &base, patch, path, res, n)))
        return rc;
    *out = kp_members(res, n);
    return 0;
}

/* orig and patch both present: merge by their kinds. */
static int sm_value(sm_ctx *c, const kv_value *orig, const kv_value *patch, const seg *path,
                    kv_value *out, bool *drop)
{
    *drop = false;
    if (c->depth >= KUBE_PATCH_MAX_DEPTH)
        return too_deep(c);
    c->depth++;
    int rc;
    if (orig->kind == KV_OBJECT && patch->kind == KV_OBJECT)
        rc = merge_map(c, orig, patch, path, out);
    else if (orig->kind == KV_ARRAY && patch->kind == KV_ARRAY)
        rc = merge_list(c, orig, patch, path, out);
    else
        rc = clean(c, patch, path, out, drop);
    c->depth--;
    return rc;
}

int kube_patch_strategic(ks_arena *a, const kv_value *doc, const kv_value *patch,
                         const kube_patch_schema *schema, kv_value *out, ks_error *err)
{
    sm_ctx c = {.a = a, .err = err, .schema = schema, .what = "strategic merge patch"};
    if (patch->kind != KV_OBJECT)
        return ks_error_set(err, KS_EPARSE,
                            "strategic merge patch: the patch must be an object, "
                            "not a %s",
                            kv_kind_name(kv_kind_of(patch)));
    if (doc->kind != KV_OBJECT)
        return ks_error_set(err, KS_EINVAL, "strategic merge patch: the document is a %s",
                            kv_kind_name(kv_kind_of(doc)));
    return merge_map(&c, doc, patch, NULL, out);
}

int kube_apply(ks_arena *a, const kv_value *live, const kv_value *applied,
               const kube_patch_schema *schema, kv_value *out, ks_error *err)
{
    sm_ctx c = {.a = a, .err = err, .schema = schema, .apply = true, .what = "apply"};
    if (applied->kind != KV_OBJECT)
        return ks_error_set(err, KS_EPARSE, "apply: the configuration must be an object, not a %s",
                            kv_kind_name(kv_kind_of(applied)));
    if (!live || live->kind != KV_OBJECT) {
        bool drop;
        return clean(&c, applied, NULL, out, &drop);
    }
    return merge_map(&c, live, applied, NULL, out);
}
