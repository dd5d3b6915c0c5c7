/* Rego builtins: graphql.*. Expected values were checked against OPA
 * v1.22.3. */
#include <stdio.h>
#include <string.h>

#include "rego/bi_graphql.h"
#include "rego/builtin.h"
#include "testutil.h"

static const rg_builtin_def *find(const char *name)
{
    for (const rg_builtin_def *d = rg_bi_graphql; d->name; d++)
        if (!strcmp(d->name, name))
            return d;
    fail_msg("no builtin %s", name);
    return NULL;
}

/* Calls builtin name with arguments given as a JSON array; *out gets the
 * result as compact JSON or the error message (heap). */
static int call(ks_arena *a, const char *name, const char *args_json, char **out)
{
    const rg_builtin_def *def = find(name);
    kv_value args = tu_json(a, args_json);
    assert_int_equal(args.kind, KV_ARRAY);
    assert_int_equal(args.len, def->nargs);
    ks_buf err = KS_BUF_INIT;
    rg_bctx c = {.arena = a, .name = def->name, .err_msg = &err};
    kv_value res;
    int rc = def->fn(&c, args.u.items, &res);
    if (rc == RG_OK)
        *out = tu_to_json(&res, 0);
    else
        *out = ks_buf_detach(&err, NULL);
    ks_buf_free(&err);
    return rc;
}

static void expect(ks_arena *a, const char *name, const char *args, const char *want)
{
    char *got = NULL;
    int rc = call(a, name, args, &got);
    if (rc != RG_OK || strcmp(got, want) != 0)
        fail_msg("%s(%s): rc %d\nwant %s\ngot  %s", name, args, rc, want, got ? got : "(null)");
    ks_xfree(got);
}

static void expect_err(ks_arena *a, const char *name, const char *args, const char *want)
{
    char *got = NULL;
    int rc = call(a, name, args, &got);
    if (rc != RG_EBUILTIN || strcmp(got ? got : "", want) != 0)
        fail_msg("%s(%s): rc %d\nwant error %s\ngot        %s", name, args, rc, want,
                 got ? got : "(null)");
    ks_xfree(got);
}

static void test_parse_query_basic(void **state)
{
    ks_arena *st = *state;
    expect(st, "graphql.parse_query", "[\"{hero {name}}\"]",
           "{\"Operations\":[{\"Description\":\"\",\"Name\":\"\",\"Operation\":\"query\","
           "\"SelectionSet\":[{\"Alias\":\"hero\",\"Name\":\"hero\",\"SelectionSet\":[{\"Alias\":"
           "\"name\",\"Name\":\"name\"}]}]}]}");
    expect_err(st, "graphql.parse_query", "[\"{\"]",
               "graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location "
               "1:2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_query_basic),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
