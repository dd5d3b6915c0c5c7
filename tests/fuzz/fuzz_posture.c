/*
 * Fuzz target for the posture scanner's input paths. The first byte picks
 * what the rest is:
 *   0  manifests (YAML or JSON stream): loaded as kso scan loads them, then
 *      every object's ID, envelope and redaction, and both aggregators;
 *   1  a rule result: decoded as Go's encoding/json decodes RuleResponse,
 *      in both decoding modes;
 *   2  manifests scanned with three controls of the built-in library (a
 *      workload rule, an RBAC rule with the subject aggregator and a
 *      cross-object network rule); the report must serialise.
 * Any input must be processed or refused cleanly.
 */
#include <string.h>

#include "fuzz.h"
#include "posture/internal.h"
#include "posture/scan.h"

static ps_library *lib;

static void manifests(const uint8_t *data, size_t size)
{
    ps_resources *rs = ps_resources_new();
    ks_error err = {0};
    if (ps_resources_add_text(rs, "fuzz", (const char *)data, size, &err) == 0) {
        ks_arena a;
        ks_arena_init(&a, NULL, 64u << 20);
        kv_value *objs = calloc(rs->n + 1, sizeof *objs);
        FUZZ_CHECK(objs, "allocation");
        for (size_t i = 0; i < rs->n; i++) {
            const char *id;
            enum ps_res_type t;
            kv_value red, env;
            (void)ps_object_id(&a, &rs->items[i].obj, &id, &t);
            (void)ps_redact(&a, &rs->items[i].obj, &red);
            (void)ps_object_envelope(&a, &rs->items[i].obj, &env);
            objs[i] = rs->items[i].obj;
        }
        kv_value *out;
        size_t n;
        (void)ps_aggregate(&a, PS_AGG_SUBJECTS, objs, rs->n, &out, &n);
        (void)ps_aggregate(&a, PS_AGG_APISERVER_POD, objs, rs->n, &out, &n);
        free(objs);
        ks_arena_free(&a);
    }
    ps_resources_free(rs);
}

static void response(const uint8_t *data, size_t size)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 64u << 20);
    kv_value v, out;
    ks_error err = {0};
    kv_json_opts jo = {.max_size = 1u << 20};
    if (kv_json_parse(&a, (const char *)data, size, &jo, &v, &err) == 0) {
        for (int ids = 0; ids < 2; ids++) {
            ks_error e2 = {0};
            if (ps_response_decode_mode(&a, &v, ids, &out, &e2) == 0) {
                ks_buf b = KS_BUF_INIT;
                FUZZ_CHECK(kv_json_write(&b, &out, 0) == 0, "decoded response serialises");
                ks_buf_free(&b);
            }
        }
    }
    ks_arena_free(&a);
}

static void scan(const uint8_t *data, size_t size)
{
    ks_error err = {0};
    if (!lib)
        FUZZ_CHECK(ps_library_builtin(&lib, &err) == 0, "built-in library loads");
    ps_resources *rs = ps_resources_new();
    if (ps_resources_add_text(rs, "fuzz", (const char *)data, size, &err) == 0) {
        static const char *const controls[] = {"C-0057", "C-0035", "C-0260"};
        ps_scan_opts o = {.controls = controls,
                          .ncontrols = 3,
                          .threads = 1,
                          .keep_resources = true,
                          .inline_exceptions = true,
                          .now_ns = 1,
                          .report_guid = "fuzz"};
        ks_arena a;
        ks_arena_init(&a, NULL, 0);
        kv_value report;
        ks_error e2 = {0};
        if (ps_scan(lib, rs, &o, &a, &report, &e2) == 0) {
            ks_buf b = KS_BUF_INIT;
            FUZZ_CHECK(kv_json_write(&b, &report, 0) == 0, "report serialises");
            ks_buf_free(&b);
        }
        ks_arena_free(&a);
    }
    ps_resources_free(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    switch (data[0] % 3) {
    case 0: manifests(data + 1, size - 1); break;
    case 1: response(data + 1, size - 1); break;
    default: scan(data + 1, size - 1); break;
    }
    return 0;
}
