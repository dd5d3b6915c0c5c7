/*
 * Fuzz target for the YAML reader and writer. For any input:
 * - kv_yaml_parse_stream returns cleanly (documents or a positioned error)
 *   within its depth, size, alias-expansion and arena limits;
 * - every document written as JSON parses back equal (the value layer never
 *   builds something JSON cannot carry);
 * - every document written as YAML reads back equal.
 */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/utf8.h"
#include "fuzz.h"
#include "value/value.h"

#define ARENA_LIMIT (64u << 20)

/* Whether every string (and key) is UTF-8: only then is JSON output
 * lossless (other bytes are written as U+FFFD, as Go does). */
static bool all_text(const kv_value *v)
{
    switch ((kv_kind)v->kind) {
    case KV_STRING: return ks_utf8_valid(v->u.s, v->len);
    case KV_ARRAY:
    case KV_SET:
        for (uint32_t i = 0; i < v->len; i++)
            if (!all_text(&v->u.items[i]))
                return false;
        return true;
    case KV_OBJECT:
        for (uint32_t i = 0; i < v->len; i++)
            if (!all_text(&v->u.members[i].key) || !all_text(&v->u.members[i].val))
                return false;
        return true;
    default: return true;
    }
}

static int check_doc(void *ctx, const kv_value *doc, const kv_yaml_doc *info)
{
    (void)ctx;
    FUZZ_CHECK(info->line >= 1, "document without a line");
    FUZZ_CHECK(!info->empty || doc->kind == KV_NULL, "empty document is not null");

    ks_buf out = KS_BUF_INIT;
    FUZZ_CHECK(kv_json_write(&out, doc, 0) == 0, "kv_json_write failed");
    ks_arena a;
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_value back;
    ks_error err;
    FUZZ_CHECK(kv_json_parse(&a, out.data, out.len, NULL, &back, &err) == 0,
               "JSON of a YAML document does not parse");
    FUZZ_CHECK(!all_text(doc) || kv_equal(doc, &back), "YAML -> JSON -> value changed the value");

    ks_buf_reset(&out);
    FUZZ_CHECK(kv_yaml_write(&out, doc, 0) == 0, "kv_yaml_write failed");
    kv_yaml_opts opts = {.source = "written"};
    if (kv_yaml_parse(&a, out.data, out.len, &opts, &back, &err) != 0) {
        fprintf(stderr, "written YAML:\n%.*s\nerror %d:%d: %s\n", (int)out.len, out.data, err.line,
                err.col, err.msg);
        FUZZ_CHECK(0, "written YAML does not parse back");
    }
    if (!kv_equal(doc, &back)) {
        fprintf(stderr, "written YAML:\n%.*s\n", (int)out.len, out.data);
        FUZZ_CHECK(0, "YAML write -> read changed the value");
    }
    ks_arena_free(&a);
    ks_buf_free(&out);
    return KV_YAML_RELEASE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ks_arena a;
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_yaml_opts opts = {
            .max_depth = 200, .max_size = 1u << 20, .max_alias_nodes = 100000, .source = "fuzz"};
    ks_error err;
    int rc = kv_yaml_parse_stream(&a, (const char *)data, size, &opts, check_doc, NULL, &err);
    if (rc != 0) {
        FUZZ_CHECK(rc < 0, "error code is not negative");
        FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
    }
    ks_arena_free(&a);
    return 0;
}
