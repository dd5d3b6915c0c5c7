/*
 * Rego builtins: arrays, sets, objects, types and casts, graphs (see
 * builtin.h for the contract). Collections are the value model's: arrays,
 * sorted sets and objects sorted by key, so set algebra merges and lookups
 * are binary searches.
 */
#include "rego/builtin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/mem.h"
#include "rego/bi_num.h"
#include "rego/bi_sets.h"

/* Deepest nesting object.union and object.subset recurse into. */
#define MERGE_DEPTH_MAX 1000
/* Work graph.reachable_paths may do (steps of the path search). */
#define PATHS_WORK_MAX (1u << 22)

static int no_memory(rg_bctx *c)
{
    rg_bi_error(c, RG_ERR_INTERNAL, "out of memory");
    return RG_EHALT;
}

static int built(rg_bctx *c, int rc)
{
    return rc < 0 ? no_memory(c) : RG_OK;
}

static kv_value make_array(kv_value *items, size_t n)
{
    return (kv_value){.kind = KV_ARRAY, .len = (uint32_t)n, .u.items = items};
}

static kv_value *alloc_items(rg_bctx *c, size_t n)
{
    return ks_arena_alloc(c->arena, (n ? n : 1) * sizeof(kv_value));
}

/* ---- sets ---- */

static int two_sets(rg_bctx *c, const kv_value *args)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_SET, "set");
    if (rc == 0)
        rc = rg_arg_kind(c, args, 1, RG_T_SET, "set");
    return rc;
}

static int bi_and(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = two_sets(c, args);
    return rc < 0 ? rc : built(c, rg_set_and(c->arena, &args[0], &args[1], out));
}

static int bi_or(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = two_sets(c, args);
    return rc < 0 ? rc : built(c, rg_set_or(c->arena, &args[0], &args[1], out));
}

static int bi_set_diff(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = two_sets(c, args);
    return rc < 0 ? rc : built(c, rg_set_diff(c->arena, &args[0], &args[1], out));
}

/* The operand of intersection and union: a set of sets (OPA names a bad
 * element "operand 1" too). */
static int set_of_sets(rg_bctx *c, const kv_value *args)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_SET, "set");
    for (size_t i = 0; rc == 0 && i < args[0].len; i++)
        if (kv_kind_of(&args[0].u.items[i]) != KV_SET)
            rc = rg_bi_type_error(c, 1, "set", &args[0].u.items[i]);
    return rc;
}

static int bi_intersection(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = set_of_sets(c, args);
    if (rc < 0)
        return rc;
    const kv_value *sets = args[0].u.items;
    if (args[0].len == 0) {
        *out = (kv_value){.kind = KV_SET};
        return RG_OK;
    }
    kv_value acc = sets[0];
    for (size_t i = 1; i < args[0].len && acc.len; i++)
        if (rg_set_and(c->arena, &acc, &sets[i], &acc) < 0)
            return no_memory(c);
    *out = acc;
    return RG_OK;
}

static int bi_union(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = set_of_sets(c, args);
    if (rc < 0)
        return rc;
    size_t total = 0;
    for (size_t i = 0; i < args[0].len; i++)
        total += args[0].u.items[i].len;
    kv_value *items = alloc_items(c, total);
    if (!items)
        return no_memory(c);
    size_t n = 0;
    for (size_t i = 0; i < args[0].len; i++) {
        const kv_value *s = &args[0].u.items[i];
        if (s->len)
            memcpy(items + n, s->u.items, s->len * sizeof(kv_value));
        n += s->len;
    }
    return built(c, kv_set_new(c->arena, items, n, out));
}

/* ---- arrays ---- */

static int bi_array_concat(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR, "array");
    if (rc == 0)
        rc = rg_arg_kind(c, args, 1, RG_T_ARR, "array");
    if (rc < 0)
        return rc;
    size_t n1 = args[0].len, n2 = args[1].len;
    if (n1 + n2 > KV_MAX_LEN)
        return no_memory(c);
    kv_value *items = alloc_items(c, n1 + n2);
    if (!items)
        return no_memory(c);
    if (n1)
        memcpy(items, args[0].u.items, n1 * sizeof(kv_value));
    if (n2)
        memcpy(items + n1, args[1].u.items, n2 * sizeof(kv_value));
    *out = make_array(items, n1 + n2);
    return RG_OK;
}

static int bi_array_flatten(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR, "array");
    if (rc < 0)
        return rc;
    const kv_value *arr = &args[0];
    size_t total = 0;
    for (size_t i = 0; i < arr->len; i++)
        total += kv_kind_of(&arr->u.items[i]) == KV_ARRAY ? arr->u.items[i].len : 1;
    if (total > KV_MAX_LEN)
        return no_memory(c);
    kv_value *items = alloc_items(c, total);
    if (!items)
        return no_memory(c);
    size_t n = 0;
    for (size_t i = 0; i < arr->len; i++) {
        const kv_value *x = &arr->u.items[i];
        if (kv_kind_of(x) == KV_ARRAY) {
            if (x->len)
                memcpy(items + n, x->u.items, x->len * sizeof(kv_value));
            n += x->len;
        } else {
            items[n++] = *x;
        }
    }
    *out = make_array(items, n);
    return RG_OK;
}

static int bi_array_slice(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int64_t start, stop;
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR, "array");
    if (rc == 0)
        rc = rg_arg_int(c, args, 1, &start);
    if (rc == 0)
        rc = rg_arg_int(c, args, 2, &stop);
    if (rc < 0)
        return rc;
    int64_t len = args[0].len;
    if (stop < 0)
        stop = 0;
    else if (stop > len)
        stop = len;
    if (start < 0)
        start = 0;
    else if (start > stop)
        start = stop;
    if (stop == start) {
        *out = make_array(NULL, 0);
        return RG_OK;
    }
    *out = make_array((kv_value *)args[0].u.items + start, (size_t)(stop - start));
    return RG_OK;
}

static int bi_array_reverse(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR, "array");
    if (rc < 0)
        return rc;
    size_t n = args[0].len;
    kv_value *items = alloc_items(c, n);
    if (!items)
        return no_memory(c);
    for (size_t i = 0; i < n; i++)
        items[i] = args[0].u.items[n - 1 - i];
    *out = make_array(items, n);
    return RG_OK;
}

/* ---- objects ---- */

/* OPA's Term.Get: an object's member, an array's element at an integer
 * index, a set's element equal to key; NULL otherwise. */
static const kv_value *term_get(const kv_value *v, const kv_value *key)
{
    int64_t i;
    switch (kv_kind_of(v)) {
    case KV_OBJECT: return kv_obj_get_value(v, key);
    case KV_ARRAY:
        if (kv_kind_of(key) == KV_NUMBER && kv_num_int64(key, &i) && i >= 0 && i < v->len)
            return &v->u.items[i];
        return NULL;
    case KV_SET: return kv_set_has(v, key) ? key : NULL;
    default: return NULL;
    }
}

static int bi_object_get(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    if (rc < 0)
        return rc;
    const kv_value *cur;
    if (kv_kind_of(&args[1]) != KV_ARRAY) {
        cur = kv_obj_get_value(&args[0], &args[1]);
    } else {
        cur = &args[0];
        for (size_t i = 0; cur && i < args[1].len; i++)
            cur = term_get(cur, &args[1].u.items[i]);
    }
    *out = cur ? *cur : args[2];
    return RG_OK;
}

static int bi_object_keys(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    if (rc < 0)
        return rc;
    size_t n = args[0].len;
    kv_value *items = alloc_items(c, n);
    if (!items)
        return no_memory(c);
    for (size_t i = 0; i < n; i++)
        items[i] = args[0].u.members[i].key;
    /* Object keys are sorted and distinct: already a set. */
    *out = (kv_value){.kind = KV_SET, .len = (uint32_t)n, .u.items = items};
    return RG_OK;
}

/* The keys operand of object.remove and object.filter, as a set. */
static int keys_param(rg_bctx *c, const kv_value *v, kv_value *keys)
{
    switch (kv_kind_of(v)) {
    case KV_SET: *keys = *v; return 0;
    case KV_ARRAY: return built(c, kv_set_new(c->arena, v->u.items, v->len, keys));
    case KV_OBJECT: {
        kv_value *items = alloc_items(c, v->len);
        if (!items)
            return no_memory(c);
        for (size_t i = 0; i < v->len; i++)
            items[i] = v->u.members[i].key;
        *keys = (kv_value){.kind = KV_SET, .len = v->len, .u.items = items};
        return 0;
    }
    default: return rg_bi_type_error(c, 2, "one of {object, set, array}", v);
    }
}

/* The members of obj whose key is (keep) or is not (!keep) in keys. */
static int filter_members(rg_bctx *c, const kv_value *args, bool keep, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    kv_value keys;
    if (rc == 0)
        rc = keys_param(c, &args[1], &keys);
    if (rc < 0)
        return rc;
    const kv_value *obj = &args[0];
    kv_member *m = ks_arena_alloc(c->arena, (obj->len ? obj->len : 1) * sizeof(kv_member));
    if (!m)
        return no_memory(c);
    size_t n = 0;
    for (size_t i = 0; i < obj->len; i++)
        if (kv_set_has(&keys, &obj->u.members[i].key) == keep)
            m[n++] = obj->u.members[i];
    /* A subsequence of sorted members stays sorted. */
    *out = (kv_value){.kind = KV_OBJECT, .len = (uint32_t)n, .u.members = m};
    return RG_OK;
}

static int bi_object_remove(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return filter_members(c, args, false, out);
}

static int bi_object_filter(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return filter_members(c, args, true, out);
}

/* A member of one of the objects being merged. */
typedef struct entry {
    const kv_member *m;
    size_t obj; /* position of its object */
} entry;

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = kv_compare(&x->m->key, &y->m->key);
    if (c)
        return c;
    return (x->obj > y->obj) - (x->obj < y->obj);
}

/* The union of objs[0..n) in order, later ones winning, objects under the
 * same key merged recursively; a non-object value ends the merge of what
 * came before it (OPA's object.union_n, and object.union for n = 2). */
static int merge_objects(rg_bctx *c, const kv_value *const *objs, size_t n, int depth,
                         kv_value *out)
{
    if (n == 1) {
        *out = *objs[0];
        return RG_OK;
    }
    if (depth > MERGE_DEPTH_MAX)
        return rg_bi_error(c, RG_ERR_BUILTIN, "objects nested too deeply");
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += objs[i]->len;
    entry *e = ks_xmalloc((total ? total : 1) * sizeof(entry));
    const kv_value **run = ks_xmalloc(n * sizeof(*run));
    kv_member *m = ks_arena_alloc(c->arena, (total ? total : 1) * sizeof(kv_member));
    int rc = m ? RG_OK : no_memory(c);
    size_t k = 0, nm = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < objs[i]->len; j++)
            e[k++] = (entry){&objs[i]->u.members[j], i};
    qsort(e, total, sizeof(entry), entry_cmp);
    for (size_t g = 0; g < total && rc == RG_OK;) {
        size_t end = g + 1;
        while (end < total && kv_compare(&e[end].m->key, &e[g].m->key) == 0)
            end++;
        /* The last value wins; if it is an object, it merges with the
         * objects right before it under this key. */
        size_t first = end - 1;
        while (first > g && kv_kind_of(&e[first].m->val) == KV_OBJECT &&
               kv_kind_of(&e[first - 1].m->val) == KV_OBJECT)
            first--;
        kv_value v = e[end - 1].m->val;
        if (end - first > 1) {
            for (size_t r = first; r < end; r++)
                run[r - first] = &e[r].m->val;
            rc = merge_objects(c, run, end - first, depth + 1, &v);
        }
        m[nm++] = (kv_member){e[g].m->key, v};
        g = end;
    }
    ks_xfree(e);
    ks_xfree(run);
    if (rc == RG_OK)
        *out = (kv_value){.kind = KV_OBJECT, .len = (uint32_t)nm, .u.members = m};
    return rc;
}

static int bi_object_union(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    if (rc == 0)
        rc = rg_arg_kind(c, args, 1, RG_T_OBJ, "object");
    if (rc < 0)
        return rc;
    const kv_value *objs[2] = {&args[0], &args[1]};
    return merge_objects(c, objs, 2, 0, out);
}

static int bi_object_union_n(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR, "array");
    if (rc < 0)
        return rc;
    const kv_value *arr = &args[0];
    for (size_t i = 0; i < arr->len; i++)
        if (kv_kind_of(&arr->u.items[i]) != KV_OBJECT)
            return rg_bi_error(c, RG_ERR_TYPE,
                               "operand 1 must be array of objects but got array containing %s",
                               rg_kind_name(&arr->u.items[i]));
    if (arr->len == 0) {
        *out = (kv_value){.kind = KV_OBJECT};
        return RG_OK;
    }
    const kv_value **objs = ks_xmalloc(arr->len * sizeof(*objs));
    for (size_t i = 0; i < arr->len; i++)
        objs[i] = &arr->u.items[i];
    rc = merge_objects(c, objs, arr->len, 0, out);
    ks_xfree(objs);
    return rc;
}

/* ---- object.subset ---- */

/* Whether sub occurs contiguously in sup (Knuth-Morris-Pratt on values). */
static bool array_subset(const kv_value *sup, const kv_value *sub)
{
    size_t m = sub->len;
    if (m == 0)
        return true;
    if (m > sup->len)
        return false;
    size_t *fail = ks_xmalloc(m * sizeof(size_t));
    fail[0] = 0;
    for (size_t i = 1, k = 0; i < m; i++) {
        while (k > 0 && !kv_equal(&sub->u.items[i], &sub->u.items[k]))
            k = fail[k - 1];
        if (kv_equal(&sub->u.items[i], &sub->u.items[k]))
            k++;
        fail[i] = k;
    }
    bool found = false;
    for (size_t i = 0, k = 0; i < sup->len && !found; i++) {
        while (k > 0 && !kv_equal(&sup->u.items[i], &sub->u.items[k]))
            k = fail[k - 1];
        if (kv_equal(&sup->u.items[i], &sub->u.items[k]))
            k++;
        if (k == m)
            found = true;
    }
    ks_xfree(fail);
    return found;
}

static bool set_subset(const kv_value *sup, const kv_value *sub)
{
    for (size_t i = 0; i < sub->len; i++)
        if (!kv_set_has(sup, &sub->u.items[i]))
            return false;
    return true;
}

/* OPA counts the array's elements found in the set, duplicates included,
 * and answers true as soon as the count reaches the set's size: an empty
 * set is a subset of any non-empty array but not of []. */
static bool array_set_subset(const kv_value *sup, const kv_value *sub)
{
    size_t unmatched = sub->len;
    for (size_t i = 0; i < sup->len; i++) {
        if (kv_set_has(sub, &sup->u.items[i]))
            unmatched--;
        if (unmatched == 0)
            return true;
    }
    return false;
}

/* 1 (subset), 0 (not) or an error. */
static int object_subset(rg_bctx *c, const kv_value *sup, const kv_value *sub, int depth)
{
    if (depth > MERGE_DEPTH_MAX)
        return rg_bi_error(c, RG_ERR_BUILTIN, "objects nested too deeply");
    for (size_t i = 0; i < sub->len; i++) {
        const kv_value *sv = &sub->u.members[i].val;
        const kv_value *pv = kv_obj_get_value(sup, &sub->u.members[i].key);
        if (!pv)
            return 0;
        if (kv_equal(sv, pv))
            continue;
        kv_kind ks = kv_kind_of(sv), kp = kv_kind_of(pv);
        int r;
        if (ks != kp)
            return 0;
        if (ks == KV_OBJECT)
            r = object_subset(c, pv, sv, depth + 1);
        else if (ks == KV_SET)
            r = set_subset(pv, sv);
        else if (ks == KV_ARRAY)
            r = array_subset(pv, sv);
        else
            r = 0;
        if (r <= 0)
            return r;
    }
    return 1;
}

static int bi_object_subset(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const kv_value *sup = &args[0], *sub = &args[1];
    kv_kind kp = kv_kind_of(sup), ks = kv_kind_of(sub);
    int r;
    if (kp == KV_OBJECT && ks == KV_OBJECT)
        r = object_subset(c, sup, sub, 0);
    else if (kp == KV_SET && ks == KV_SET)
        r = set_subset(sup, sub);
    else if (kp == KV_ARRAY && ks == KV_ARRAY)
        r = array_subset(sup, sub);
    else if (kp == KV_ARRAY && ks == KV_SET)
        r = array_set_subset(sup, sub);
    else
        return rg_bi_error(
                c, RG_ERR_TYPE,
                "both arguments object.subset must be of the same type or array and set");
    if (r < 0)
        return r;
    *out = kv_bool(r == 1);
    return RG_OK;
}

/* ---- types ---- */

static int is_kind(const kv_value *args, kv_value *out, kv_kind k)
{
    *out = kv_bool(kv_kind_of(&args[0]) == k);
    return RG_OK;
}

static int bi_is_number(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    return is_kind(args, out, KV_NUMBER);
}

static int bi_is_string(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    return is_kind(args, out, KV_STRING);
}

static int bi_is_boolean(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    return is_kind(args, out, KV_BOOL);
}

static int bi_is_array(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    return is_kind(args, out, KV_ARRAY);
}

static int bi_is_set(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    return is_kind(args, out, KV_SET);
}

static int bi_is_object(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    return is_kind(args, out, KV_OBJECT);
}

static int bi_is_null(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    return is_kind(args, out, KV_NULL);
}

static int bi_type_name(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    const char *name = rg_kind_name(&args[0]);
    *out = kv_str_ref(name, strlen(name));
    return RG_OK;
}

/* ---- casts ---- */

static int bi_cast_array(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR | RG_T_SET, "one of {array, set}");
    if (rc < 0)
        return rc;
    *out = make_array((kv_value *)args[0].u.items, args[0].len);
    return RG_OK;
}

static int bi_cast_set(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_ARR | RG_T_SET, "one of {array, set}");
    if (rc < 0)
        return rc;
    if (kv_kind_of(&args[0]) == KV_SET) {
        *out = args[0];
        return RG_OK;
    }
    return built(c, kv_set_new(c->arena, args[0].u.items, args[0].len, out));
}

static int cast_same(rg_bctx *c, const kv_value *args, kv_value *out, unsigned kind,
                     const char *want)
{
    int rc = rg_arg_kind(c, args, 0, kind, want);
    if (rc < 0)
        return rc;
    *out = args[0];
    return RG_OK;
}

static int bi_cast_string(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return cast_same(c, args, out, RG_T_STR, "string");
}

static int bi_cast_boolean(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return cast_same(c, args, out, RG_T_BOOL, "boolean");
}

static int bi_cast_null(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return cast_same(c, args, out, RG_T_NULL, "null");
}

static int bi_cast_object(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return cast_same(c, args, out, RG_T_OBJ, "object");
}

/* ---- to_number ---- */

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool is_special(const char *s, size_t n)
{
    while (n && (*s == '+' || *s == '-')) {
        s++;
        n--;
    }
    static const char *const names[] = {"inf", "infinity", "nan"};
    for (size_t k = 0; k < 3; k++) {
        size_t ln = strlen(names[k]);
        bool eq = ln == n;
        for (size_t i = 0; eq && i < n; i++)
            eq = lower(s[i]) == names[k][i];
        if (eq)
            return true;
    }
    return false;
}

static int parse_error(rg_bctx *c, const kv_value *str, const char *what)
{
    ks_buf q = KS_BUF_INIT;
    rg_value_write_rego(&q, str);
    int rc = rg_bi_error(c, RG_ERR_BUILTIN, "strconv.ParseFloat: parsing %s: %s", ks_buf_cstr(&q),
                         what);
    ks_buf_free(&q);
    return rc;
}

static int string_to_number(rg_bctx *c, const kv_value *str, kv_value *out)
{
    if (is_special(str->u.s, str->len))
        return rg_bi_type_error(c, 1, "valid number string", str);
    int rc = rg_num_parse_go(c->arena, str->u.s, str->len, out);
    switch (rc) {
    case RG_NUM_OK: return RG_OK;
    case RG_NUM_ESYNTAX:
    case RG_NUM_EFLOAT64: return parse_error(c, str, rg_num_strerror(rc));
    case RG_NUM_ETOOBIG: return rg_bi_error(c, RG_ERR_BUILTIN, "%s", rg_num_strerror(rc));
    default: return no_memory(c);
    }
}

static int bi_to_number(rg_bctx *c, const kv_value *args, kv_value *out)
{
    switch (kv_kind_of(&args[0])) {
    case KV_NULL: *out = kv_int(0); return RG_OK;
    case KV_BOOL: *out = kv_int(args[0].u.b ? 1 : 0); return RG_OK;
    case KV_NUMBER: *out = args[0]; return RG_OK;
    case KV_STRING: return string_to_number(c, &args[0], out);
    default: return rg_bi_type_error(c, 1, "one of {null, boolean, number, string}", &args[0]);
    }
}

/* ---- graphs ---- */

/* A set of values by hash (open addressing), for the graph searches. */
typedef struct vset {
    const kv_value **slot;
    size_t cap, n;
} vset;

static bool vset_add(vset *s, const kv_value *v)
{
    if ((s->n + 1) * 2 > s->cap) {
        vset old = *s;
        s->cap = old.cap ? old.cap * 2 : 64;
        s->slot = ks_xcalloc(s->cap, sizeof(*s->slot));
        s->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slot[i])
                vset_add(s, old.slot[i]);
        ks_xfree(old.slot);
    }
    size_t i = (size_t)kv_hash(v) & (s->cap - 1);
    while (s->slot[i]) {
        if (kv_equal(s->slot[i], v))
            return false;
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = v;
    s->n++;
    return true;
}

static bool vset_has(const vset *s, const kv_value *v)
{
    if (!s->cap)
        return false;
    size_t i = (size_t)kv_hash(v) & (s->cap - 1);
    for (; s->slot[i]; i = (i + 1) & (s->cap - 1))
        if (kv_equal(s->slot[i], v))
            return true;
    return false;
}

/* Neighbours of a node: the items of an array or set, none otherwise. */
static size_t edge_count(const kv_value *edges)
{
    kv_kind k = kv_kind_of(edges);
    return k == KV_ARRAY || k == KV_SET ? edges->len : 0;
}

static int graph_args(rg_bctx *c, const kv_value *args)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    if (rc == 0)
        rc = rg_arg_kind(c, args, 1, RG_T_ARR | RG_T_SET, "{array, set}");
    return rc;
}

static int bi_graph_reachable(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = graph_args(c, args);
    if (rc < 0)
        return rc;
    const kv_value *graph = &args[0];
    const kv_value **queue = NULL;
    size_t qn = 0, qcap = 0;
    vset reached = {0};
    for (size_t i = 0; i < args[1].len; i++) {
        queue = ks_grow_array(queue, &qcap, qn + 1, sizeof(*queue));
        queue[qn++] = &args[1].u.items[i];
    }
    for (size_t h = 0; h < qn; h++) {
        const kv_value *node = queue[h];
        const kv_value *edges = kv_obj_get_value(graph, node);
        if (!edges || !vset_add(&reached, node))
            continue;
        for (size_t j = 0; j < edge_count(edges); j++) {
            if (vset_has(&reached, &edges->u.items[j]))
                continue;
            queue = ks_grow_array(queue, &qcap, qn + 1, sizeof(*queue));
            queue[qn++] = &edges->u.items[j];
        }
    }
    kv_value *items = alloc_items(c, reached.n);
    rc = items ? RG_OK : no_memory(c);
    size_t n = 0;
    for (size_t i = 0; items && i < reached.cap; i++)
        if (reached.slot[i])
            items[n++] = *reached.slot[i];
    ks_xfree(queue);
    ks_xfree(reached.slot);
    if (rc == RG_OK)
        rc = built(c, kv_set_new(c->arena, items, n, out));
    return rc;
}

typedef struct paths {
    rg_bctx *c;
    const kv_value *graph;
    kv_value *found; /* paths found (arrays in the arena) */
    size_t nfound, capfound;
    const kv_value **path;
    size_t depth, cappath;
    size_t work;
} paths;

static int paths_add(paths *p, const kv_value *extra)
{
    size_t len = p->depth + (extra != NULL);
    p->work += len + 1;
    if (p->work > PATHS_WORK_MAX)
        return rg_bi_error(p->c, RG_ERR_BUILTIN, "too many paths");
    kv_value *items = alloc_items(p->c, len);
    if (!items)
        return no_memory(p->c);
    for (size_t i = 0; i < p->depth; i++)
        items[i] = *p->path[i];
    if (extra)
        items[p->depth] = *extra;
    p->found = ks_grow_array(p->found, &p->capfound, p->nfound + 1, sizeof(*p->found));
    p->found[p->nfound++] = make_array(items, len);
    return RG_OK;
}

static bool on_path(paths *p, const kv_value *v)
{
    p->work += p->depth;
    for (size_t i = 0; i < p->depth; i++)
        if (kv_equal(p->path[i], v))
            return true;
    return false;
}

/* OPA's pathBuilder from one start node, with an explicit stack: each
 * path ends where a node has no entry in the graph (the path without it),
 * no edges (with it) or an edge back onto the path (without the edge). */
static int paths_from(paths *p, const kv_value *start, const kv_value *edges)
{
    typedef struct frame {
        const kv_value *edges;
        size_t next;
    } frame;
    frame *stack = NULL;
    size_t cap = 0, top = 0;
    int rc = RG_OK;
    p->path = ks_grow_array(p->path, &p->cappath, 1, sizeof(*p->path));
    p->path[0] = start;
    p->depth = 1;
    stack = ks_grow_array(stack, &cap, 1, sizeof(*stack));
    stack[top++] = (frame){edges, 0};
    while (top && rc == RG_OK) {
        frame *f = &stack[top - 1];
        if (f->next >= edge_count(f->edges)) {
            top--;
            p->depth--;
            continue;
        }
        const kv_value *nb = &f->edges->u.items[f->next++];
        if (++p->work > PATHS_WORK_MAX) {
            rc = rg_bi_error(p->c, RG_ERR_BUILTIN, "too many paths");
            break;
        }
        /* The start node's own edges are followed without the check. */
        if (top > 1 && on_path(p, nb)) {
            rc = paths_add(p, NULL);
            continue;
        }
        const kv_value *e = kv_obj_get_value(p->graph, nb);
        if (!e) {
            rc = paths_add(p, NULL);
        } else if (edge_count(e) == 0) {
            rc = paths_add(p, nb);
        } else {
            p->path = ks_grow_array(p->path, &p->cappath, p->depth + 1, sizeof(*p->path));
            p->path[p->depth++] = nb;
            stack = ks_grow_array(stack, &cap, top + 1, sizeof(*stack));
            stack[top++] = (frame){e, 0};
        }
    }
    ks_xfree(stack);
    return rc;
}

static int bi_graph_reachable_paths(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = graph_args(c, args);
    if (rc < 0)
        return rc;
    paths p = {.c = c, .graph = &args[0]};
    for (size_t i = 0; i < args[1].len && rc == RG_OK; i++) {
        const kv_value *node = &args[1].u.items[i];
        const kv_value *edges = kv_obj_get_value(&args[0], node);
        if (!edges)
            continue;
        if (edge_count(edges) == 0) {
            p.depth = 0;
            rc = paths_add(&p, node);
        } else {
            rc = paths_from(&p, node, edges);
        }
    }
    if (rc == RG_OK)
        rc = built(c, kv_set_new(c->arena, p.found, p.nfound, out));
    ks_xfree(p.found);
    ks_xfree(p.path);
    return rc;
}

#define A   RG_T_ANY
#define S   RG_T_SET
#define ARR RG_T_ARR
#define OBJ RG_T_OBJ

const rg_builtin_def rg_bi_colls[] = {
        {"and", 2, 0, {S, S}, S, bi_and},
        {"or", 2, 0, {S, S}, S, bi_or},
        {"set_diff", 2, 0, {S, S}, S, bi_set_diff},
        {"intersection", 1, 0, {S}, S, bi_intersection},
        {"union", 1, 0, {S}, S, bi_union},
        {"array.concat", 2, 0, {ARR, ARR}, ARR, bi_array_concat},
        {"array.flatten", 1, 0, {ARR}, ARR, bi_array_flatten},
        {"array.slice", 3, 0, {ARR, RG_T_NUM, RG_T_NUM}, ARR, bi_array_slice},
        {"array.reverse", 1, 0, {ARR}, ARR, bi_array_reverse},
        {"object.get", 3, 0, {OBJ, A, A}, A, bi_object_get},
        {"object.keys", 1, 0, {OBJ}, S, bi_object_keys},
        {"object.remove", 2, 0, {OBJ, ARR | S | OBJ}, OBJ, bi_object_remove},
        {"object.filter", 2, 0, {OBJ, ARR | S | OBJ}, OBJ, bi_object_filter},
        {"object.union", 2, 0, {OBJ, OBJ}, OBJ, bi_object_union},
        {"object.union_n", 1, 0, {ARR}, OBJ, bi_object_union_n},
        {"object.subset", 2, 0, {OBJ | S | ARR, OBJ | S | ARR}, RG_T_BOOL, bi_object_subset},
        {"is_number", 1, 0, {A}, RG_T_BOOL, bi_is_number},
        {"is_string", 1, 0, {A}, RG_T_BOOL, bi_is_string},
        {"is_boolean", 1, 0, {A}, RG_T_BOOL, bi_is_boolean},
        {"is_array", 1, 0, {A}, RG_T_BOOL, bi_is_array},
        {"is_set", 1, 0, {A}, RG_T_BOOL, bi_is_set},
        {"is_object", 1, 0, {A}, RG_T_BOOL, bi_is_object},
        {"is_null", 1, 0, {A}, RG_T_BOOL, bi_is_null},
        {"type_name", 1, 0, {A}, RG_T_STR, bi_type_name},
        {"cast_array", 1, 0, {A}, ARR, bi_cast_array},
        {"cast_set", 1, 0, {A}, S, bi_cast_set},
        {"cast_string", 1, 0, {A}, RG_T_STR, bi_cast_string},
        {"cast_boolean", 1, 0, {A}, RG_T_BOOL, bi_cast_boolean},
        {"cast_null", 1, 0, {A}, RG_T_NULL, bi_cast_null},
        {"cast_object", 1, 0, {A}, OBJ, bi_cast_object},
        {"to_number", 1, 0, {RG_T_NUM | RG_T_STR | RG_T_BOOL | RG_T_NULL}, RG_T_NUM, bi_to_number},
        {"graph.reachable", 2, 0, {OBJ, ARR | S}, S, bi_graph_reachable},
        {"graph.reachable_paths", 2, 0, {OBJ, ARR | S}, S, bi_graph_reachable_paths},
        {0},
};
