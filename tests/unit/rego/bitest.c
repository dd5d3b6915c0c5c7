#include "bitest.h"

#include <string.h>

#include "core/mem.h"

int64_t bt_now_ns;
uint64_t bt_seed;
struct rg_bcache *bt_cache;

const rg_builtin_def *bt_def(const char *name)
{
    const rg_builtin_def *def = rg_builtin_lookup(name, strlen(name));
    if (!def)
        fail_msg("no builtin %s", name);
    return def;
}

static kv_value rego_value(ks_arena *a, kv_value v)
{
    kv_value out;
    if (v.kind == KV_ARRAY) {
        kv_value *items = ks_arena_alloc(a, (v.len + 1) * sizeof(kv_value));
        for (size_t i = 0; i < v.len; i++)
            items[i] = rego_value(a, v.u.items[i]);
        assert_int_equal(kv_array_new(a, items, v.len, &out), 0);
        return out;
    }
    if (v.kind != KV_OBJECT)
        return v;
    const kv_value *s = kv_obj_get(&v, "$set", 4);
    if (s && v.len == 1) {
        kv_value arr = rego_value(a, *s);
        assert_int_equal(kv_set_new(a, arr.u.items, arr.len, &out), 0);
        return out;
    }
    kv_member *m = ks_arena_alloc(a, (v.len + 1) * sizeof(kv_member));
    for (size_t i = 0; i < v.len; i++)
        m[i] = (kv_member){rego_value(a, v.u.members[i].key), rego_value(a, v.u.members[i].val)};
    assert_int_equal(kv_object_new(a, m, v.len, KV_DUP_LAST_WINS, &out, NULL), 0);
    return out;
}

kv_value bt_value(ks_arena *a, const char *json)
{
    return rego_value(a, tu_json(a, json));
}

bt_result bt_run(ks_arena *a, const char *name, const kv_value *args, size_t n)
{
    const rg_builtin_def *def = bt_def(name);
    if (!(def->flags & RG_BI_VARIADIC))
        assert_int_equal(n, def->nargs);
    ks_buf msg = KS_BUF_INIT;
    rg_bctx c = {.arena = a,
                 .name = def->name,
                 .now_ns = bt_now_ns,
                 .seed = bt_seed,
                 .err_code = -1,
                 .err_msg = &msg,
                 .cache = bt_cache};
    bt_result r = {.out = kv_null()};
    r.rc = def->fn(&c, args, &r.out);
    r.code = c.err_code;
    r.msg = ks_arena_strndup(a, ks_buf_cstr(&msg), msg.len);
    ks_buf_free(&msg);
    return r;
}

bt_result bt_run_json(ks_arena *a, const char *name, const char *args_json)
{
    kv_value args = bt_value(a, args_json);
    assert_int_equal(args.kind, KV_ARRAY);
    return bt_run(a, name, args.u.items, args.len);
}

static int text_of(const bt_result *r, char **out)
{
    *out = NULL;
    if (r->rc == RG_OK)
        *out = tu_to_json(&r->out, 0);
    else if (r->rc != RG_UNDEF)
        *out = ks_xstrndup(r->msg, strlen(r->msg));
    return r->rc;
}

int bt_call_values(ks_arena *a, const char *name, const kv_value *args, size_t n, char **out)
{
    bt_result r = bt_run(a, name, args, n);
    return text_of(&r, out);
}

int bt_call(ks_arena *a, const char *name, const char *args_json, char **out)
{
    bt_result r = bt_run_json(a, name, args_json);
    return text_of(&r, out);
}

/* Fails unless r is want_rc with compact JSON or message want (and, for an
 * error, the code unless BT_ANY_CODE). args is the call's JSON or NULL. */
static void check(int line, const char *name, const char *args, const bt_result *r, int want_rc,
                  int code, const char *want)
{
    char *got = NULL;
    text_of(r, &got);
    bool ok = r->rc == want_rc && strcmp(got ? got : "", want ? want : "") == 0;
    if (want_rc == RG_EBUILTIN && code != BT_ANY_CODE && r->code != code)
        ok = false;
    if (!ok)
        fail_msg("line %d: %s(%s)\nwant %s%s\ngot  rc %d code %d: %s", line, name,
                 args ? args : "...", want_rc == RG_EBUILTIN ? "error " : "",
                 want ? want : "(undefined)", r->rc, r->code, got ? got : "(undefined)");
    ks_xfree(got);
}

void bt_expect_at(int line, ks_arena *a, const char *name, const char *args_json, const char *want)
{
    bt_result r = bt_run_json(a, name, args_json);
    check(line, name, args_json, &r, RG_OK, BT_ANY_CODE, want);
}

void bt_expect_err_at(int line, ks_arena *a, const char *name, const char *args_json, int code,
                      const char *want)
{
    bt_result r = bt_run_json(a, name, args_json);
    check(line, name, args_json, &r, RG_EBUILTIN, code, want);
}

void bt_expect_undef_at(int line, ks_arena *a, const char *name, const char *args_json)
{
    bt_result r = bt_run_json(a, name, args_json);
    check(line, name, args_json, &r, RG_UNDEF, BT_ANY_CODE, NULL);
}

void bt_expect_values_at(int line, ks_arena *a, const char *name, const kv_value *args, size_t n,
                         const char *want)
{
    bt_result r = bt_run(a, name, args, n);
    check(line, name, NULL, &r, RG_OK, BT_ANY_CODE, want);
}

void bt_expect_err_values_at(int line, ks_arena *a, const char *name, const kv_value *args,
                             size_t n, int code, const char *want)
{
    bt_result r = bt_run(a, name, args, n);
    check(line, name, NULL, &r, RG_EBUILTIN, code, want);
}
