/*
 * Fuzz target for the JSON reader and writer. For any input:
 * - kv_json_parse must return cleanly (value or positioned error) within
 *   its depth, size and arena limits;
 * - an accepted value written compact, pretty and canonical must parse back
 *   equal, and the canonical form must be byte-stable;
 * - the stream reader must agree with the single-text reader on a single
 *   text.
 */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "fuzz.h"
#include "value/value.h"

#define ARENA_LIMIT (64u << 20)

static void check_write(const kv_value *v, unsigned flags, ks_buf *canon)
{
    ks_buf out = KS_BUF_INIT;
    FUZZ_CHECK(kv_json_write(&out, v, flags) == 0, "kv_json_write failed");
    ks_arena a;
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_value back;
    ks_error err;
    FUZZ_CHECK(kv_json_parse(&a, out.data, out.len, NULL, &back, &err) == 0,
               "written JSON does not parse back");
    FUZZ_CHECK(kv_equal(v, &back), "JSON round trip changed the value");
    FUZZ_CHECK(kv_hash(v) == kv_hash(&back), "equal values hash differently");
    if (canon) {
        ks_buf again = KS_BUF_INIT;
        FUZZ_CHECK(kv_json_write(&again, &back, flags) == 0, "kv_json_write failed");
        FUZZ_CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0,
                   "canonical JSON is not byte-stable");
        ks_buf_free(&again);
        ks_buf_append(canon, out.data, out.len);
    }
    ks_arena_free(&a);
    ks_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    ks_arena a;
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_json_opts opts = {.max_depth = 200, .max_size = 1u << 20, .source = "fuzz"};
    kv_value v;
    ks_error err;
    int rc = kv_json_parse(&a, src, size, &opts, &v, &err);
    if (rc == 0) {
        check_write(&v, 0, NULL);
        check_write(&v, KV_JSON_PRETTY, NULL);
        check_write(&v, KV_JSON_ESCAPE_HTML, NULL);
        ks_buf canon = KS_BUF_INIT;
        check_write(&v, KV_JSON_CANONICAL, &canon);
        ks_buf_free(&canon);
        FUZZ_CHECK(kv_compare(&v, &v) == 0, "a value differs from itself");
    } else {
        FUZZ_CHECK(rc < 0, "error code is not negative");
        FUZZ_CHECK(err.msg[0] != '\0', "error without a message");
        FUZZ_CHECK(err.offset <= size, "error offset past the input");
    }

    /* Duplicate keys as errors: accepted input has none; a duplicate-key
     * error points at a key (a quote) inside the input. */
    ks_arena_free(&a);
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_json_opts strict = opts;
    strict.dup = KV_DUP_ERROR;
    int rc2 = kv_json_parse(&a, src, size, &strict, &v, &err);
    if (rc == 0 && rc2 != 0)
        FUZZ_CHECK(strstr(err.msg, "duplicate key") != NULL, "strict parse failed otherwise");
    if (rc2 != 0 && strstr(err.msg, "duplicate key"))
        FUZZ_CHECK(err.offset < size && src[err.offset] == '"', "duplicate not at a key");
    if (rc != 0)
        FUZZ_CHECK(rc2 != 0, "strict parse accepted what the default refused");

    /* The stream reader: every text it returns must also be a valid single
     * text, and it must make progress or stop. */
    ks_arena_free(&a);
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    size_t pos = 0;
    for (int i = 0; i < 64; i++) {
        size_t before = pos;
        kv_value item;
        rc = kv_json_parse_next(&a, src, size, &pos, &opts, &item, &err);
        if (rc != 0)
            break;
        FUZZ_CHECK(pos > before && pos <= size, "stream reader made no progress");
    }
    ks_arena_free(&a);
    return 0;
}
