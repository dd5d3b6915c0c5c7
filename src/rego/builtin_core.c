/*
 * Rego builtins: comparison operators, membership, walk, print.
 */
#include <string.h>

#include "core/buf.h"
#include "rego/builtin.h"

static int bi_equal(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    *out = kv_bool(kv_equal(&a[0], &a[1]));
    return RG_OK;
}

static int bi_neq(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    *out = kv_bool(!kv_equal(&a[0], &a[1]));
    return RG_OK;
}

static int bi_lt(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    *out = kv_bool(kv_compare(&a[0], &a[1]) < 0);
    return RG_OK;
}

static int bi_lte(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    *out = kv_bool(kv_compare(&a[0], &a[1]) <= 0);
    return RG_OK;
}

static int bi_gt(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    *out = kv_bool(kv_compare(&a[0], &a[1]) > 0);
    return RG_OK;
}

static int bi_gte(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    *out = kv_bool(kv_compare(&a[0], &a[1]) >= 0);
    return RG_OK;
}

/* x in xs: values of arrays, objects and sets. */
static int bi_member2(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    const kv_value *coll = &a[1];
    bool found = false;
    switch (coll->kind) {
    case KV_ARRAY:
    case KV_SET:
        if (coll->kind == KV_SET) {
            found = kv_set_has(coll, &a[0]);
            break;
        }
        for (uint32_t i = 0; i < coll->len && !found; i++)
            found = kv_equal(&coll->u.items[i], &a[0]);
        break;
    case KV_OBJECT:
        for (uint32_t i = 0; i < coll->len && !found; i++)
            found = kv_equal(&coll->u.members[i].val, &a[0]);
        break;
    default: break;
    }
    *out = kv_bool(found);
    return RG_OK;
}

/* k, v in xs */
static int bi_member3(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    const kv_value *coll = &a[2];
    bool found = false;
    switch (coll->kind) {
    case KV_ARRAY: {
        int64_t i;
        if (a[0].kind == KV_NUMBER && kv_num_int64(&a[0], &i) && i >= 0 && (uint64_t)i < coll->len)
            found = kv_equal(&coll->u.items[i], &a[1]);
        break;
    }
    case KV_OBJECT: {
        const kv_value *v = kv_obj_get_value(coll, &a[0]);
        found = v && kv_equal(v, &a[1]);
        break;
    }
    case KV_SET: found = kv_equal(&a[0], &a[1]) && kv_set_has(coll, &a[0]); break;
    default: break;
    }
    *out = kv_bool(found);
    return RG_OK;
}

/* walk(x): every [path, value] pair, pre-order. Relational: emits each. */
static int walk_rec(rg_bctx *c, const kv_value *v, kv_value *path, uint32_t depth)
{
    kv_value pv, pair[2], out;
    if (kv_array_new(c->arena, path, depth, &pv) < 0)
        return RG_EHALT;
    pair[0] = pv;
    pair[1] = *v;
    if (kv_array_new(c->arena, pair, 2, &out) < 0)
        return RG_EHALT;
    int rc = c->emit(c, &out);
    if (rc)
        return rc;
    if (depth >= 10000)
        return 0;
    switch (v->kind) {
    case KV_ARRAY:
        for (uint32_t i = 0; i < v->len; i++) {
            path[depth] = kv_int(i);
            if ((rc = walk_rec(c, &v->u.items[i], path, depth + 1)))
                return rc;
        }
        break;
    case KV_OBJECT:
        for (uint32_t i = 0; i < v->len; i++) {
            path[depth] = v->u.members[i].key;
            if ((rc = walk_rec(c, &v->u.members[i].val, path, depth + 1)))
                return rc;
        }
        break;
    case KV_SET:
        for (uint32_t i = 0; i < v->len; i++) {
            path[depth] = v->u.items[i];
            if ((rc = walk_rec(c, &v->u.items[i], path, depth + 1)))
                return rc;
        }
        break;
    default: break;
    }
    return 0;
}

static int bi_walk(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)out;
    kv_value *path = ks_arena_alloc(c->arena, 10001 * sizeof *path);
    if (!path)
        return RG_EHALT;
    int rc = walk_rec(c, &a[0], path, 0);
    return rc ? rc : RG_UNDEF;
}

static int bi_print(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)out;
    ks_buf b = KS_BUF_INIT;
    const kv_value *arr = &a[0];
    for (uint32_t i = 0; i < arr->len; i++) {
        if (i)
            ks_buf_putc(&b, ' ');
        const kv_value *v = &arr->u.items[i];
        if (v->kind == KV_STRING)
            ks_buf_append(&b, v->u.s, v->len);
        else
            rg_value_write_rego(&b, v);
    }
    if (c->print)
        c->print(c->print_ctx, c->file, c->line, b.data ? b.data : "", b.len);
    ks_buf_free(&b);
    return RG_OK;
}

static int bi_trace(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    (void)a;
    *out = kv_bool(true);
    return RG_OK;
}

/* No network from policies: kso evaluates offline. */
static int bi_http_send(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)out;
    if (a[0].kind != KV_OBJECT)
        return rg_bi_type_error(c, 1, "object", &a[0]);
    return rg_bi_error(c, RG_ERR_BUILTIN, "network access is disabled");
}

const rg_builtin_def rg_bi_core[] = {
        {"http.send", 1, RG_BI_NONDET, {RG_T_OBJ}, RG_T_OBJ, bi_http_send},
        {"equal", 2, 0, {0}, RG_T_BOOL, bi_equal},
        {"neq", 2, 0, {0}, RG_T_BOOL, bi_neq},
        {"lt", 2, 0, {0}, RG_T_BOOL, bi_lt},
        {"lte", 2, 0, {0}, RG_T_BOOL, bi_lte},
        {"gt", 2, 0, {0}, RG_T_BOOL, bi_gt},
        {"gte", 2, 0, {0}, RG_T_BOOL, bi_gte},
        {"internal.member_2", 2, 0, {0}, RG_T_BOOL, bi_member2},
        {"internal.member_3", 3, 0, {0}, RG_T_BOOL, bi_member3},
        {"walk", 1, RG_BI_RELATION, {0}, RG_T_ARR, bi_walk},
        {"internal.print", 1, RG_BI_VOID, {RG_T_ARR}, 0, bi_print},
        {"trace", 1, 0, {RG_T_STR}, RG_T_BOOL, bi_trace},
        {0},
};
