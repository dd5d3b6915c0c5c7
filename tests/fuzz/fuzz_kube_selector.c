/*
 * Fuzz target for label and field selectors (kube/selector.h). For any
 * input:
 * - kube_sel_parse returns a selector or an error with a message (whole in
 *   the selector, a prefix in the ks_error) and an offset inside the input;
 * - an accepted selector's canonical text parses back to the same text and
 *   matches the same label sets;
 * - kube_fsel_parse likewise returns terms or a message, and matching never
 *   fails on any object;
 * - the other request-parameter readers (Accept, includeObject, patch
 *   Content-Type) answer within their contracts.
 */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "fuzz.h"
#include "kube/meta.h"
#include "kube/patch.h"
#include "kube/selector.h"
#include "value/value.h"

#define ARENA_LIMIT (64u << 20)

static const char *const label_sets[] = {
        "{}",
        "{\"a\":\"b\"}",
        "{\"a\":\"\",\"x\":\"5\",\"in\":\"notin\"}",
        "{\"app\":\"web\",\"tier\":\"-3\",\"example.com/k\":\"v\",\"n\":\"12\"}",
};

static void check_error(const char *src, size_t size, const char *emsg, size_t elen,
                        const ks_error *err, int rc)
{
    FUZZ_CHECK(rc < 0, "error code is not negative");
    FUZZ_CHECK(emsg && elen > 0 && strlen(emsg) == elen, "no whole error message");
    FUZZ_CHECK(err->msg[0] != '\0', "error without a message");
    FUZZ_CHECK(strncmp(err->msg, emsg, strlen(err->msg)) == 0, "ks_error is not a prefix");
    FUZZ_CHECK(err->offset <= size, "error offset past the input");
    (void)src;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data;
    ks_arena a;
    ks_arena_init(&a, NULL, ARENA_LIMIT);
    kv_value sets[sizeof label_sets / sizeof *label_sets];
    for (size_t i = 0; i < sizeof label_sets / sizeof *label_sets; i++)
        FUZZ_CHECK(kv_json_parse(&a, label_sets[i], strlen(label_sets[i]), NULL, &sets[i], NULL) ==
                           0,
                   "fixture");

    kube_label_sel sel;
    ks_error err;
    int rc = kube_sel_parse(&a, src, size, NULL, &sel, &err);
    if (rc == 0) {
        ks_buf text = KS_BUF_INIT;
        FUZZ_CHECK(kube_sel_write(&sel, &text) == 0, "write failed");
        kube_label_sel again;
        rc = kube_sel_parse(&a, ks_buf_cstr(&text), text.len, NULL, &again, &err);
        FUZZ_CHECK(rc == 0, "canonical text does not parse");
        ks_buf text2 = KS_BUF_INIT;
        FUZZ_CHECK(kube_sel_write(&again, &text2) == 0, "write failed");
        FUZZ_CHECK(text.len == text2.len &&
                           (text.len == 0 || memcmp(text.data, text2.data, text.len) == 0),
                   "canonical text is not stable");
        for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
            FUZZ_CHECK(kube_sel_match_labels(&sel, &sets[i]) ==
                               kube_sel_match_labels(&again, &sets[i]),
                       "canonical selector matches differently");
        ks_buf_free(&text);
        ks_buf_free(&text2);
    } else {
        check_error(src, size, sel.error, sel.error_len, &err, rc);
    }

    static const char *const fields[] = {"metadata.name", "metadata.namespace"};
    kube_field_sel fsel;
    rc = kube_fsel_parse(&a, src, size, fields, 2, NULL, &fsel, &err);
    if (rc == 0) {
        kv_value obj;
        const char *o = "{\"metadata\":{\"name\":\"a\",\"namespace\":\"b\"}}";
        FUZZ_CHECK(kv_json_parse(&a, o, strlen(o), NULL, &obj, NULL) == 0, "fixture");
        (void)kube_fsel_match(&fsel, &obj, NULL, NULL);
        (void)kube_fsel_match(&fsel, &sets[0], NULL, NULL);
        for (size_t i = 0; i < fsel.n; i++)
            FUZZ_CHECK(fsel.terms[i].field.n == strlen("metadata.name") ||
                               fsel.terms[i].field.n == strlen("metadata.namespace"),
                       "unsupported field accepted");
    } else {
        check_error(src, size, fsel.error, fsel.error_len, &err, rc);
    }

    unsigned supported = size ? (data[0] & 7u) : 7u;
    kube_accept acc;
    rc = kube_accept_parse(src, size, supported, &acc, &err);
    if (rc == 0) {
        FUZZ_CHECK((acc.media & supported) == acc.media && acc.media != 0, "unsupported media");
        FUZZ_CHECK(acc.target == KUBE_TARGET_OBJECT || acc.version != NULL,
                   "a conversion without a version");
        FUZZ_CHECK(acc.target != KUBE_TARGET_TABLE || acc.media != KUBE_MEDIA_PROTOBUF,
                   "a Table as protobuf");
    } else {
        FUZZ_CHECK(rc == KS_EUNSUPPORTED && err.msg[0], "Accept failed otherwise");
    }
    kube_include inc;
    rc = kube_include_parse(src, size, &inc, &err);
    FUZZ_CHECK(rc == 0 || (rc == KS_EINVAL && err.msg[0]), "includeObject");
    kube_patch_type pt;
    rc = kube_patch_type_parse(src, size, &pt);
    FUZZ_CHECK(rc == 0 || rc == KS_EUNSUPPORTED, "patch type");
    ks_arena_free(&a);
    return 0;
}
