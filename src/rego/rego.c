/*
 * The public API of the Rego engine: policies, queries, host builtins.
 */
#include "rego/rego.h"

#include <string.h>

#include "core/mem.h"
#include "rego/parse.h"
#include "rego/policy.h"

static KS_MEM_ACCOUNT(rego_policy_acct, "rego-policy");

#define POLICY_ARENA_MAX ((size_t)1 << 30)

rego_policy *rego_policy_new(void)
{
    rego_policy *pol = ks_xcalloc(1, sizeof *pol);
    ks_arena_init(&pol->arena, &rego_policy_acct, POLICY_ARENA_MAX);
    return pol;
}

void rego_policy_free(rego_policy *pol)
{
    if (!pol)
        return;
    for (size_t i = 0; i < pol->files.len; i++)
        ks_xfree(pol->files.v[i]);
    for (size_t i = 0; i < pol->host.len; i++)
        ks_xfree((char *)pol->host.v[i].name);
    ks_vec_free(&pol->files);
    ks_vec_free(&pol->modules);
    ks_vec_free(&pol->host);
    ks_vec_free(&pol->nodes);
    ks_arena_free(&pol->arena);
    ks_xfree(pol);
}

int rego_policy_add_module(rego_policy *pol, const char *file, const char *src, size_t n,
                           int version, ks_error *err)
{
    if (pol->compiled)
        return ks_error_set(err, KS_EINVAL, "policy already compiled");
    char *text = ks_arena_alloc(&pol->arena, n + 1);
    if (!text)
        return ks_error_set(err, KS_ENOMEM, "out of memory");
    memcpy(text, src, n);
    text[n] = '\0';
    uint32_t idx = (uint32_t)pol->files.len;
    ks_vec_push(&pol->files, ks_xstrndup(file, strlen(file)));
    rg_module *m;
    int rc = rg_parse_module(&pol->arena, pol->files.v[idx], idx, text, n, version, &m, err);
    if (rc < 0)
        return rc;
    ks_vec_push(&pol->modules, m);
    return 0;
}

int rego_policy_add_builtin(rego_policy *pol, const char *name, int nargs, rego_builtin_fn fn)
{
    if (nargs < 0 || nargs > 6)
        return KS_EINVAL;
    rg_builtin_def d = {0};
    d.name = ks_xstrndup(name, strlen(name));
    d.nargs = (uint8_t)nargs;
    d.fn = (rg_builtin_fn)fn;
    ks_vec_push(&pol->host, d);
    return 0;
}

const rg_builtin_def *rg_policy_builtin(const rego_policy *pol, const char *name, size_t n)
{
    for (size_t i = 0; i < pol->host.len; i++)
        if (strlen(pol->host.v[i].name) == n && !memcmp(pol->host.v[i].name, name, n))
            return &pol->host.v[i];
    return rg_builtin_lookup(name, n);
}

int rego_policy_compile(rego_policy *pol, ks_error *err)
{
    if (pol->compiled)
        return 0;
    int rc = rg_compile_policy(pol, err);
    if (rc < 0)
        return rc;
    pol->compiled = true;
    return 0;
}

int rego_query_new(const rego_policy *pol, const char *text, size_t n, rego_query **out,
                   ks_error *err)
{
    if (!pol->compiled)
        return ks_error_set(err, KS_EINVAL, "policy not compiled");
    rego_query *q = ks_xcalloc(1, sizeof *q);
    ks_arena_init(&q->arena, &rego_policy_acct, POLICY_ARENA_MAX);
    q->pol = pol;
    char *copy = ks_arena_strndup(&q->arena, text, n);
    q->text = copy;
    int rc = rg_parse_query(&q->arena, "", 0, copy, n, 1, &q->body, err);
    if (rc >= 0)
        rc = rg_compile_query(q, err);
    if (rc < 0) {
        rego_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

void rego_query_free(rego_query *q)
{
    if (!q)
        return;
    ks_vec_free(&q->vars);
    ks_arena_free(&q->arena);
    ks_xfree(q);
}

int rego_value_write(ks_buf *out, const kv_value *v)
{
    return rg_value_write_rego(out, v);
}

size_t rego_query_expr_count(const rego_query *q)
{
    return q->body->n;
}

const char *rego_query_expr_text(const rego_query *q, size_t i, size_t *len, int *line, int *col)
{
    const rg_expr *e = q->body->exprs[i];
    *len = e->src_len;
    *line = (int)e->loc.line;
    *col = (int)e->loc.col;
    return q->text + e->src_off;
}
