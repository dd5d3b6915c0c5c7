/*
 * Fuzz target for evaluation: fixed policies in the style of the Kubescape
 * control library (iteration, comprehensions, sprintf, object.get, regex,
 * functions with else, every, not) evaluated over arbitrary JSON input. Any
 * input must evaluate or fail cleanly; a policy result must serialise.
 */
#include <string.h>

#include "core/arena.h"
#include "fuzz.h"
#include "rego/rego.h"

static const char policy[] =
        "package armo_builtins\n"
        "import rego.v1\n"
        "deny contains msga if {\n"
        "  some obj in input\n"
        "  some i, c in object.get(obj, [\"spec\", \"containers\"], [])\n"
        "  c.securityContext.privileged == true\n"
        "  path := sprintf(\"spec.containers[%d].securityContext.privileged\", [i])\n"
        "  msga := {\"alertMessage\": sprintf(\"%v is privileged: %v\", [c.name, c]),\n"
        "           \"failedPaths\": [path], \"alertObject\": {\"k8sApiObjects\": [obj]}}\n"
        "}\n"
        "deny contains msga if {\n"
        "  some obj in input\n"
        "  vols := [v | some v in obj.spec.volumes; v.hostPath]\n"
        "  count(vols) > 0\n"
        "  not allowed(obj)\n"
        "  msga := {\"alertMessage\": concat(\",\", [v.name | some v in vols]), \"n\": "
        "count(vols)}\n"
        "}\n"
        "deny contains msga if {\n"
        "  some obj in input\n"
        "  every k, _ in object.get(obj, [\"metadata\", \"labels\"], {}) { regex.match(`^[a-z]`, "
        "k) }\n"
        "  img := obj.spec.containers[_].image\n"
        "  not endswith(img, \":latest\")\n"
        "  msga := {\"image\": img, \"kind\": kind(obj)}\n"
        "}\n"
        "allowed(obj) if obj.metadata.namespace == \"kube-system\"\n"
        "kind(obj) := lower(obj.kind) if is_string(obj.kind) else := \"unknown\"\n";

static rego_policy *pol;
static rego_query *query;

static int check(void *ctx, const rego_result *r)
{
    (void)ctx;
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < r->nexprs; i++)
        if (kv_json_write(&b, &r->exprs[i], 0) < 0)
            FUZZ_CHECK(false, "result must serialise");
    ks_buf_free(&b);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pol) {
        ks_error err = {0};
        pol = rego_policy_new();
        if (rego_policy_add_module(pol, "p.rego", policy, sizeof policy - 1, 1, &err) < 0 ||
            rego_policy_compile(pol, &err) < 0 ||
            rego_query_new(pol, "data.armo_builtins", 18, &query, &err) < 0)
            FUZZ_CHECK(false, "the fixed policy must compile");
    }
    ks_arena a;
    ks_arena_init(&a, NULL, 32u << 20);
    kv_value in;
    if (kv_json_parse(&a, (const char *)data, size, NULL, &in, NULL) == 0) {
        rego_eval_opts o = {.input = &in, .max_steps = 200000, .max_memory = 64u << 20};
        ks_error err = {0};
        rego_eval(query, &o, check, NULL, &err);
    }
    ks_arena_free(&a);
    return 0;
}
