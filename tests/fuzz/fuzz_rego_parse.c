/*
 * Fuzz target for the Rego parser and compiler: any bytes given as a module
 * (v1, then v0) and as a query must compile or fail with a positioned error,
 * within the parser's depth and size limits; a compiled module must then
 * evaluate its package document with bounded steps and memory without
 * crashing (errors are fine).
 */
#include <string.h>

#include "fuzz.h"
#include "rego/rego.h"

static int ignore(void *ctx, const rego_result *r)
{
    (void)ctx;
    (void)r;
    return 0;
}

static void try_module(const char *src, size_t n, int version)
{
    ks_error err = {0};
    rego_policy *pol = rego_policy_new();
    if (rego_policy_add_module(pol, "f.rego", src, n, version, &err) == 0 &&
        rego_policy_compile(pol, &err) == 0) {
        rego_query *q;
        if (rego_query_new(pol, "data", 4, &q, &err) == 0) {
            rego_eval_opts o = {.max_steps = 20000, .max_memory = 16u << 20, .max_depth = 64};
            rego_eval(q, &o, ignore, NULL, &err);
            rego_query_free(q);
        }
    } else if (err.code == 0) {
        FUZZ_CHECK(false, "a failure must say why");
    }
    rego_policy_free(pol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const char *src = (const char *)data;
    try_module(src, size, 1);
    try_module(src, size, 0);
    /* the same bytes as a query against an empty policy */
    ks_error err = {0};
    rego_policy *pol = rego_policy_new();
    if (rego_policy_compile(pol, &err) == 0) {
        rego_query *q;
        if (rego_query_new(pol, src, size, &q, &err) == 0) {
            rego_eval_opts o = {.max_steps = 20000, .max_memory = 16u << 20, .max_depth = 64};
            rego_eval(q, &o, ignore, NULL, &err);
            rego_query_free(q);
        }
    }
    rego_policy_free(pol);
    return 0;
}
