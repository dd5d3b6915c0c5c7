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

/* One line per combination of the arguments' values (OPA prints the cross
 * product); an argument without values prints as <undefined>. */
static void print_cross(rg_bctx *c, const kv_value *parts, uint32_t n, uint32_t i, ks_buf *line)
{
    if (i == n) {
        if (c->print)
            c->print(c->print_ctx, c->file, c->line, line->data ? line->data : "", line->len);
        return;
    }
    size_t mark = line->len;
    const kv_value *part = &parts[i];
    uint32_t count = part->kind == KV_SET ? part->len : 1;
    if (count == 0) {
        ks_buf_puts(line, i ? " <undefined>" : "<undefined>");
        print_cross(c, parts, n, i + 1, line);
        ks_buf_truncate(line, mark);
        return;
    }
    for (uint32_t k = 0; k < count; k++) {
        const kv_value *v = part->kind == KV_SET ? &part->u.items[k] : part;
        if (i)
            ks_buf_putc(line, ' ');
        if (v->kind == KV_STRING)
            ks_buf_append(line, v->u.s, v->len);
        else
            rg_value_write_rego(line, v);
        print_cross(c, parts, n, i + 1, line);
        ks_buf_truncate(line, mark);
    }
}

static int bi_print(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)out;
    ks_buf b = KS_BUF_INIT;
    print_cross(c, a[0].u.items, a[0].len, 0, &b);
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

/* Writes one template or print part: a set of the expression's values. */
static int part_text(rg_bctx *c, const kv_value *part, ks_buf *b)
{
    if (part->kind != KV_SET) {
        if (part->kind == KV_STRING)
            ks_buf_append(b, part->u.s, part->len);
        else
            rg_value_write_rego(b, part);
        return 0;
    }
    if (part->len == 0) {
        ks_buf_puts(b, "<undefined>");
        return 0;
    }
    if (part->len > 1)
        return rg_bi_error_raw(c, RG_ERR_CONFLICT,
                               "template-strings must not produce multiple outputs");
    const kv_value *v = &part->u.items[0];
    if (v->kind == KV_STRING)
        ks_buf_append(b, v->u.s, v->len);
    else
        rg_value_write_rego(b, v);
    return 0;
}

static int bi_template_string(rg_bctx *c, const kv_value *a, kv_value *out)
{
    if (a[0].kind != KV_ARRAY)
        return rg_bi_type_error(c, 1, "array", &a[0]);
    ks_buf b = KS_BUF_INIT;
    int rc = 0;
    for (uint32_t i = 0; i < a[0].len && rc == 0; i++)
        rc = part_text(c, &a[0].u.items[i], &b);
    if (rc == 0)
        rc = rg_make_string(c, b.data ? b.data : "", b.len, out);
    ks_buf_free(&b);
    return rc == RG_EBUILTIN ? RG_EHALT : rc;
}

static const char *const http_keys[] = {"method",
                                        "url",
                                        "body",
                                        "enable_redirect",
                                        "force_json_decode",
                                        "force_yaml_decode",
                                        "headers",
                                        "raw_body",
                                        "tls_use_system_certs",
                                        "tls_ca_cert",
                                        "tls_ca_cert_file",
                                        "tls_ca_cert_env_variable",
                                        "tls_client_cert",
                                        "tls_client_cert_file",
                                        "tls_client_cert_env_variable",
                                        "tls_client_key",
                                        "tls_client_key_file",
                                        "tls_client_key_env_variable",
                                        "tls_insecure_skip_verify",
                                        "tls_server_name",
                                        "timeout",
                                        "cache",
                                        "force_cache",
                                        "force_cache_duration_seconds",
                                        "raise_error",
                                        "caching_mode",
                                        "max_retry_attempts",
                                        "cache_ignored_headers",
                                        NULL};

/* Writes the keys of a (sorted) set of names as OPA prints a set: {"a", "b"}. */
static void key_set(ks_buf *b, const kv_value *keys, size_t n)
{
    kv_value set;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    if (kv_set_new(&a, keys, n, &set) == 0)
        rg_value_write_rego(b, &set);
    ks_arena_free(&a);
}

/* The request is validated as OPA does; then it fails: kso evaluates
 * policies offline and never sends requests. */
static int bi_http_send(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)out;
    if (a[0].kind != KV_OBJECT)
        return rg_bi_type_error(c, 1, "object", &a[0]);
    kv_value bad[64];
    size_t nbad = 0;
    bool has_method = false, has_url = false;
    for (uint32_t i = 0; i < a[0].len; i++) {
        const kv_value *k = &a[0].u.members[i].key;
        bool ok = false;
        for (const char *const *h = http_keys; *h && !ok; h++)
            ok = k->kind == KV_STRING && strlen(*h) == k->len && !memcmp(*h, k->u.s, k->len);
        if (!ok && nbad < 64)
            bad[nbad++] = *k;
        if (k->kind == KV_STRING && k->len == 6 && !memcmp(k->u.s, "method", 6))
            has_method = true;
        if (k->kind == KV_STRING && k->len == 3 && !memcmp(k->u.s, "url", 3))
            has_url = true;
    }
    ks_buf b = KS_BUF_INIT;
    int rc;
    if (nbad) {
        key_set(&b, bad, nbad);
        rc = rg_bi_error(c, RG_ERR_TYPE, "operand 1 invalid request parameters(s): %s", b.data);
    } else if (!has_method || !has_url) {
        kv_value miss[2];
        size_t nm = 0;
        if (!has_method)
            miss[nm++] = kv_str_ref("method", 6);
        if (!has_url)
            miss[nm++] = kv_str_ref("url", 3);
        key_set(&b, miss, nm);
        rc = rg_bi_error(c, RG_ERR_TYPE, "operand 1 missing required request parameters(s): %s",
                         b.data);
    } else {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "network access is disabled");
    }
    ks_buf_free(&b);
    return rc;
}

static int bi_metadata_rule(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)a;
    return c->metadata ? c->metadata(c, false, out) : RG_UNDEF;
}

static int bi_metadata_chain(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)a;
    return c->metadata ? c->metadata(c, true, out) : RG_UNDEF;
}

/* opa.runtime: kso has no OPA runtime configuration to report. */
static int bi_opa_runtime(rg_bctx *c, const kv_value *a, kv_value *out)
{
    (void)c;
    (void)a;
    *out = (kv_value){.kind = KV_OBJECT};
    return RG_OK;
}

const rg_builtin_def rg_bi_core[] = {
        {"http.send", 1, RG_BI_NONDET, {RG_T_OBJ}, RG_T_OBJ, bi_http_send},
        {"internal.template_string", 1, 0, {RG_T_ARR}, RG_T_STR, bi_template_string},
        {"rego.metadata.rule", 0, 0, {0}, RG_T_OBJ, bi_metadata_rule},
        {"rego.metadata.chain", 0, 0, {0}, RG_T_ARR, bi_metadata_chain},
        {"opa.runtime", 0, RG_BI_NONDET, {0}, RG_T_OBJ, bi_opa_runtime},
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
