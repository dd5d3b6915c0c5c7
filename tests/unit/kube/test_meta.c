/* kube/meta.h: Status objects as kube-apiserver renders them (expected JSON
 * derived from apimachinery's api/errors), the default table convertor's
 * Table with includeObject, PartialObjectMetadata(List), and Accept
 * negotiation as kubectl and client-go send it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/meta.h"
#include "testutil.h"

#define G "spdx.softwarecomposition.kubescape.io"

static void expect_json(ks_arena *a, const kv_value *got, const char *want_text)
{
    kv_value want = tu_json(a, want_text);
    if (!kv_equal(got, &want)) {
        char *g = tu_to_json(got, 0);
        fail_msg("\n got: %s\nwant: %s", g, want_text);
    }
}

static void test_status(void **state)
{
    ks_arena *a = *state;
    kv_value s;
    assert_int_equal(kube_status_not_found(a, G, "applicationprofiles", "x", &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"applicationprofiles." G " \\\"x\\\" not found\",\"reason\":"
                "\"NotFound\",\"details\":{\"name\":\"x\",\"group\":\"" G
                "\",\"kind\":\"applicationprofiles\"},\"code\":404}");

    /* the core group has no group part and no details.group */
    assert_int_equal(kube_status_not_found(a, "", "pods", "web-0", &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"pods \\\"web-0\\\" not found\",\"reason\":\"NotFound\","
                "\"details\":{\"name\":\"web-0\",\"kind\":\"pods\"},\"code\":404}");

    assert_int_equal(kube_status_already_exists(a, G, "sbomsyfts", "s", &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"sbomsyfts." G " \\\"s\\\" already exists\",\"reason\":"
                "\"AlreadyExists\",\"details\":{\"name\":\"s\",\"group\":\"" G
                "\",\"kind\":\"sbomsyfts\"},\"code\":409}");

    assert_int_equal(kube_status_conflict(a, G, "knownservers", "k", NULL, &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"Operation cannot be fulfilled on knownservers." G
                " \\\"k\\\": the object has been modified; please apply your changes to the "
                "latest version and try again\",\"reason\":\"Conflict\",\"details\":{\"name\":"
                "\"k\",\"group\":\"" G "\",\"kind\":\"knownservers\"},\"code\":409}");

    kube_status_cause causes[] = {
            {"FieldValueRequired", "Required value", "metadata.resourceVersion"},
            {"FieldValueInvalid", "Invalid value: \"-x\": bad name", "metadata.name"},
    };
    assert_int_equal(kube_status_invalid(a, G, "ApplicationProfile", "ap", causes, 1, &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"ApplicationProfile." G " \\\"ap\\\" is invalid: "
                "metadata.resourceVersion: Required value\",\"reason\":\"Invalid\",\"details\":{"
                "\"name\":\"ap\",\"group\":\"" G "\",\"kind\":\"ApplicationProfile\",\"causes\":[{"
                "\"reason\":\"FieldValueRequired\",\"message\":\"Required value\",\"field\":"
                "\"metadata.resourceVersion\"}]},\"code\":422}");
    assert_int_equal(kube_status_invalid(a, G, "ApplicationProfile", "ap", causes, 2, &s), 0);
    const kv_value *msg = kv_path(&s, "message");
    assert_string_equal(msg->u.s, "ApplicationProfile." G " \"ap\" is invalid: "
                                  "[metadata.resourceVersion: Required value, metadata.name: "
                                  "Invalid value: \"-x\": bad name]");
    assert_int_equal(kube_status_invalid(a, "", "Pod", "p", NULL, 0, &s), 0);
    assert_string_equal(kv_path(&s, "message")->u.s, "Pod \"p\" is invalid");

    assert_int_equal(kube_status_bad_request(a, "found 'b', expected: ',' or 'end of string'", &s),
                     0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"found 'b', expected: ',' or 'end of string'\",\"reason\":"
                "\"BadRequest\",\"code\":400}");

    assert_int_equal(kube_status_method_not_allowed(a, G, "vulnerabilitysummaries", "create", &s),
                     0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"create is not supported on resources of kind "
                "\\\"vulnerabilitysummaries." G "\\\"\",\"reason\":\"MethodNotAllowed\","
                "\"details\":{\"group\":\"" G "\",\"kind\":\"vulnerabilitysummaries\"},"
                "\"code\":405}");

    assert_int_equal(kube_status_expired(a, "5", "9", &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"too old resource version: 5 (9)\",\"reason\":\"Expired\","
                "\"code\":410}");
    assert_int_equal(kube_status_gone(a, "gone", &s), 0);
    assert_string_equal(kv_path(&s, "reason")->u.s, "Gone");

    assert_int_equal(kube_status_too_large(a, "limit is 3145728", &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"Request entity too large: limit is 3145728\",\"reason\":"
                "\"RequestEntityTooLarge\",\"code\":413}");

    assert_int_equal(kube_status_too_many_requests(a, "Too Many Requests (queue full)", 1, &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"Too Many Requests (queue full)\",\"reason\":\"TooManyRequests\","
                "\"details\":{\"retryAfterSeconds\":1},\"code\":429}");
    /* details without anything in them are still there, as {} */
    assert_int_equal(kube_status_too_many_requests(a, "x", 0, &s), 0);
    expect_json(a, kv_path(&s, "details"), "{}");

    assert_int_equal(kube_status_unauthorized(a, NULL, &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"not authorized\",\"reason\":\"Unauthorized\",\"code\":401}");

    assert_int_equal(kube_status_forbidden(a, G, "sbomsyfts", "s", "no", &s), 0);
    assert_string_equal(kv_path(&s, "message")->u.s, "sbomsyfts." G " \"s\" is forbidden: no");
    assert_int_equal(kube_status_forbidden(a, G, "sbomsyfts", "", "no", &s), 0);
    assert_string_equal(kv_path(&s, "message")->u.s, "sbomsyfts." G " is forbidden: no");
    assert_int_equal(kube_status_forbidden(a, "", "", "", "no", &s), 0);
    assert_string_equal(kv_path(&s, "message")->u.s, "forbidden: no");
    assert_int_equal(kv_path(&s, "code")->u.i, 403);

    assert_int_equal(kube_status_unavailable(a,
                                             "the server is currently unable to handle the "
                                             "request",
                                             &s),
                     0);
    assert_int_equal(kv_path(&s, "code")->u.i, 503);
    assert_string_equal(kv_path(&s, "reason")->u.s, "ServiceUnavailable");

    assert_int_equal(kube_status_internal(a, "disk full", &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"Internal error occurred: disk full\",\"reason\":\"InternalError\","
                "\"details\":{\"causes\":[{\"message\":\"disk full\"}]},\"code\":500}");

    assert_int_equal(kube_status_server_timeout(a, G, "containerprofiles", "get", 1, &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                "\"message\":\"The get operation against containerprofiles." G
                " could not be completed at this time, please try again.\",\"reason\":"
                "\"ServerTimeout\",\"details\":{\"name\":\"get\",\"group\":\"" G
                "\",\"kind\":\"containerprofiles\",\"retryAfterSeconds\":1},\"code\":500}");

    assert_int_equal(kube_status_not_acceptable(a, "only ...", &s), 0);
    assert_int_equal(kv_path(&s, "code")->u.i, 406);
    assert_int_equal(kube_status_unsupported_media_type(a, "bad", &s), 0);
    assert_int_equal(kv_path(&s, "code")->u.i, 415);

    /* names with quotes are quoted as Go's %q quotes them */
    assert_int_equal(kube_status_not_found(a, "", "pods", "a\"b", &s), 0);
    assert_string_equal(kv_path(&s, "message")->u.s, "pods \"a\\\"b\" not found");

    /* a success status */
    assert_int_equal(kube_status(a, 200, NULL, NULL, NULL, &s), 0);
    expect_json(a, &s,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\","
                "\"code\":200}");

    /* an arena at its limit fails cleanly */
    ks_arena tiny;
    ks_arena_init(&tiny, NULL, 64);
    assert_int_equal(kube_status_not_found(&tiny, G, "applicationprofiles", "x", &s), KS_ELIMIT);
    ks_arena_free(&tiny);
}

#define NAME_DESC                                                                            \
    "Name must be unique within a namespace. Is required when creating resources, although " \
    "some resources may allow a client to request the generation of an appropriate name "    \
    "automatically. Name is primarily intended for creation idempotence and configuration "  \
    "definition. Cannot be updated. More info: "                                             \
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define CREATED_DESC                                                                           \
    "CreationTimestamp is a timestamp representing the server time when this object was "      \
    "created. It is not guaranteed to be set in happens-before order across separate "         \
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in " \
    "UTC.\\n\\nPopulated by the system. Read-only. Null for lists. More info: "                \
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"                        \
    "api-conventions.md#metadata"
#define COLUMNS                                                                            \
    "\"columnDefinitions\":[{\"name\":\"Name\",\"type\":\"string\",\"format\":\"name\","   \
    "\"description\":\"" NAME_DESC "\",\"priority\":0},{\"name\":\"Created At\",\"type\":" \
    "\"date\",\"format\":\"\",\"description\":\"" CREATED_DESC "\",\"priority\":0}]"

#define OBJ_A                                                                               \
    "{\"apiVersion\":\"" G "/v1beta1\",\"kind\":\"SBOMSyft\",\"metadata\":{\"name\":\"a\"," \
    "\"namespace\":\"ns\",\"resourceVersion\":\"3\",\"creationTimestamp\":"                 \
    "\"2024-01-02T03:04:05Z\",\"labels\":{\"x\":\"y\"}},\"spec\":{\"big\":[1,2,3]}}"
#define MD_A                                                                                \
    "{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"3\",\"creationTimestamp\":" \
    "\"2024-01-02T03:04:05Z\",\"labels\":{\"x\":\"y\"}}"
#define OBJ_B \
    "{\"metadata\":{\"name\":\"b\",\"creationTimestamp\":\"2024-01-02T03:04:05.9+02:00\"}}"

static void test_table(void **state)
{
    ks_arena *a = *state;
    kv_value objs[2] = {tu_json(a, OBJ_A), tu_json(a, OBJ_B)};
    kv_value t;
    kube_list_meta lm = {
            .resource_version = "", .cont = "17", .has_remaining = true, .remaining_item_count = 4};
    assert_int_equal(kube_table(a, objs, 2, "v1", KUBE_INCLUDE_METADATA, false, &lm, &t), 0);
    expect_json(a, &t,
                "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"continue\":"
                "\"17\",\"remainingItemCount\":4}," COLUMNS ",\"rows\":["
                "{\"cells\":[\"a\",\"2024-01-02T03:04:05Z\"],\"object\":{\"kind\":"
                "\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":" MD_A
                "}},"
                "{\"cells\":[\"b\",\"2024-01-02T01:04:05Z\"],\"object\":{\"kind\":"
                "\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{"
                "\"name\":\"b\",\"creationTimestamp\":\"2024-01-02T03:04:05.9+02:00\"}}}]}");

    /* the whole object, none, no headers, v1beta1 */
    assert_int_equal(kube_table(a, objs, 1, "v1beta1", KUBE_INCLUDE_OBJECT, true, NULL, &t), 0);
    expect_json(a, &t,
                "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1beta1\",\"metadata\":{"
                "\"resourceVersion\":\"3\"},\"columnDefinitions\":null,\"rows\":[{\"cells\":["
                "\"a\",\"2024-01-02T03:04:05Z\"],\"object\":" OBJ_A "}]}");
    assert_int_equal(kube_table(a, objs, 1, "v1", KUBE_INCLUDE_NONE, false, NULL, &t), 0);
    expect_json(a, kv_path(&t, "rows[0].object"), "null");

    /* an empty list: rows null, as Go renders a nil slice */
    assert_int_equal(kube_table(a, NULL, 0, "v1", KUBE_INCLUDE_METADATA, false, NULL, &t), 0);
    expect_json(a, &t,
                "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{}," COLUMNS
                ",\"rows\":null}");

    /* odd objects: no metadata, no name, a bad timestamp */
    kv_value odd[3] = {tu_json(a, "{}"), tu_json(a, "{\"metadata\":{\"name\":7}}"),
                       tu_json(a, "{\"metadata\":{\"name\":\"n\",\"creationTimestamp\":\"x\"}}")};
    assert_int_equal(kube_table(a, odd, 3, "v1", KUBE_INCLUDE_METADATA, false, NULL, &t), 0);
    expect_json(a, kv_path(&t, "rows[0].cells"), "[\"\",\"0001-01-01T00:00:00Z\"]");
    expect_json(a, kv_path(&t, "rows[0].object.metadata"), "{}");
    expect_json(a, kv_path(&t, "rows[1].cells"), "[\"\",\"0001-01-01T00:00:00Z\"]");
    expect_json(a, kv_path(&t, "rows[2].cells"), "[\"n\",\"x\"]");

    kube_include inc;
    ks_error err;
    assert_int_equal(kube_include_parse("", 0, &inc, &err), 0);
    assert_int_equal(inc, KUBE_INCLUDE_METADATA);
    assert_int_equal(kube_include_parse("Object", 6, &inc, &err), 0);
    assert_int_equal(inc, KUBE_INCLUDE_OBJECT);
    assert_int_equal(kube_include_parse("None", 4, &inc, &err), 0);
    assert_int_equal(inc, KUBE_INCLUDE_NONE);
    assert_int_equal(kube_include_parse("object", 6, &inc, &err), KS_EINVAL);
    assert_string_equal(err.msg, "unrecognized includeObject value: \"object\"");
}

static void test_pom(void **state)
{
    ks_arena *a = *state;
    kv_value objs[2] = {tu_json(a, OBJ_A), tu_json(a, OBJ_B)};
    kv_value p;
    assert_int_equal(kube_pom(a, &objs[0], "v1", &p), 0);
    expect_json(a, &p,
                "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","
                "\"metadata\":" MD_A "}");
    kube_list_meta lm = {.resource_version = "12"};
    assert_int_equal(kube_pom_list(a, objs, 2, "v1beta1", &lm, &p), 0);
    expect_json(
            a, &p,
            "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"meta.k8s.io/v1beta1\","
            "\"metadata\":{\"resourceVersion\":\"12\"},\"items\":[{\"kind\":"
            "\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1beta1\",\"metadata\":" MD_A
            "},{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1beta1\","
            "\"metadata\":{\"name\":\"b\",\"creationTimestamp\":"
            "\"2024-01-02T03:04:05.9+02:00\"}}]}");
    assert_int_equal(kube_pom_list(a, NULL, 0, "v1", NULL, &p), 0);
    expect_json(a, &p,
                "{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"meta.k8s.io/v1\","
                "\"metadata\":{},\"items\":null}");
}

static void test_accept(void **state)
{
    (void)state;
    const unsigned all = KUBE_MEDIA_JSON | KUBE_MEDIA_YAML | KUBE_MEDIA_PROTOBUF;
    const unsigned jy = KUBE_MEDIA_JSON | KUBE_MEDIA_YAML;
    static const struct {
        const char *h;
        unsigned supported;
        int rc;
        unsigned media;
        kube_target target;
        const char *version;
    } cases[] = {
            {"", all, 0, KUBE_MEDIA_JSON, KUBE_TARGET_OBJECT, NULL},
            {"", KUBE_MEDIA_YAML, 0, KUBE_MEDIA_YAML, KUBE_TARGET_OBJECT, NULL},
            /* kubectl get */
            {"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
             "g=meta.k8s.io,application/json",
             all, 0, KUBE_MEDIA_JSON, KUBE_TARGET_TABLE, "v1"},
            {"application/json;as=Table;v=v1beta1;g=meta.k8s.io", all, 0, KUBE_MEDIA_JSON,
             KUBE_TARGET_TABLE, "v1beta1"},
            {"application/yaml;as=Table;g=meta.k8s.io;v=v1", all, 0, KUBE_MEDIA_YAML,
             KUBE_TARGET_TABLE, "v1"},
            /* no Table as protobuf: the next clause */
            {"application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1,application/json",
             all, 0, KUBE_MEDIA_JSON, KUBE_TARGET_OBJECT, NULL},
            /* metadata clients (garbage collector, quota, namespace controllers) */
            {"application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
             "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
             jy, 0, KUBE_MEDIA_JSON, KUBE_TARGET_POM_LIST, "v1"},
            {"application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", all,
             0, KUBE_MEDIA_PROTOBUF, KUBE_TARGET_POM, "v1"},
            {"application/vnd.kubernetes.protobuf", all, 0, KUBE_MEDIA_PROTOBUF, KUBE_TARGET_OBJECT,
             NULL},
            /* q-values and wildcards */
            {"application/yaml;q=0.5,application/json;q=0.9", all, 0, KUBE_MEDIA_JSON,
             KUBE_TARGET_OBJECT, NULL},
            {"application/yaml, application/json;q=0.1", all, 0, KUBE_MEDIA_YAML,
             KUBE_TARGET_OBJECT, NULL},
            {"*/*;q=0.8,application/yaml", all, 0, KUBE_MEDIA_YAML, KUBE_TARGET_OBJECT, NULL},
            {"*/*,application/yaml", all, 0, KUBE_MEDIA_YAML, KUBE_TARGET_OBJECT, NULL},
            {"*/*", all, 0, KUBE_MEDIA_JSON, KUBE_TARGET_OBJECT, NULL},
            {"*", all, 0, KUBE_MEDIA_JSON, KUBE_TARGET_OBJECT, NULL},
            {"application/*", KUBE_MEDIA_YAML, 0, KUBE_MEDIA_YAML, KUBE_TARGET_OBJECT, NULL},
            {"application/json;q=x", all, 0, KUBE_MEDIA_JSON, KUBE_TARGET_OBJECT, NULL},
            /* goautoneg's order: a specific type goes before a wildcard
             * even at a lower q; a q written with spaces is q=0 */
            {"*/*;q=0.9,application/yaml;q=0.1", all, 0, KUBE_MEDIA_YAML, KUBE_TARGET_OBJECT, NULL},
            {"application/yaml; q = 0.3 ,application/json;q=0.1", all, 0, KUBE_MEDIA_JSON,
             KUBE_TARGET_OBJECT, NULL},
            /* sv names the meta.k8s.io version only */
            {"application/yaml;sv=v2,application/json;sv=v1", all, 0, KUBE_MEDIA_JSON,
             KUBE_TARGET_OBJECT, NULL},
            /* malformed clauses are skipped */
            {"application/json/x,application/yaml", all, 0, KUBE_MEDIA_YAML, KUBE_TARGET_OBJECT,
             NULL},
            {"text, application/yaml", all, 0, KUBE_MEDIA_YAML, KUBE_TARGET_OBJECT, NULL},
            /* nothing acceptable */
            {"text/html", jy, KS_EUNSUPPORTED, 0, 0, NULL},
            {"application/json/x", jy, KS_EUNSUPPORTED, 0, 0, NULL},
            {"application/json;as=Table;g=meta.k8s.io;v=v1", KUBE_MEDIA_YAML, KS_EUNSUPPORTED, 0, 0,
             NULL},
            {"application/json;as=Table;g=other.io;v=v1", all, KS_EUNSUPPORTED, 0, 0, NULL},
            {"application/json;as=Table;g=meta.k8s.io;v=v2", all, KS_EUNSUPPORTED, 0, 0, NULL},
            {"application/json;as=Frob;g=meta.k8s.io;v=v1", all, KS_EUNSUPPORTED, 0, 0, NULL},
            {"application/json;g=meta.k8s.io;v=v1", all, KS_EUNSUPPORTED, 0, 0, NULL},
            {"application/yaml;stream=watch", jy, KS_EUNSUPPORTED, 0, 0, NULL},
            {"application/json;stream=other", jy, KS_EUNSUPPORTED, 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kube_accept acc;
        ks_error err;
        int rc = kube_accept_parse(cases[i].h, strlen(cases[i].h), cases[i].supported, &acc, &err);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d", cases[i].h, rc, cases[i].rc);
        if (rc)
            continue;
        if (acc.media != cases[i].media || acc.target != cases[i].target)
            fail_msg("%s: got media %u target %d", cases[i].h, acc.media, acc.target);
        if (cases[i].version)
            assert_string_equal(acc.version, cases[i].version);
    }
    kube_accept acc;
    ks_error err;
    assert_int_equal(kube_accept_parse("text/html", 9, jy, &acc, &err), KS_EUNSUPPORTED);
    assert_string_equal(err.msg, "only the following media types are accepted: application/json, "
                                 "application/yaml");
    assert_int_equal(kube_accept_parse("x/y", 3, all, &acc, &err), KS_EUNSUPPORTED);
    assert_string_equal(err.msg, "only the following media types are accepted: application/json, "
                                 "application/yaml, application/vnd.kubernetes.protobuf");
    const char *h = "application/json;stream=watch;pretty=1";
    assert_int_equal(kube_accept_parse(h, strlen(h), all, &acc, &err), 0);
    assert_true(acc.stream_watch);
    assert_true(acc.pretty);
    assert_string_equal(kube_media_name(acc.media), "application/json");
    assert_string_equal(kube_media_name(KUBE_MEDIA_PROTOBUF),
                        "application/vnd.kubernetes.protobuf");

    /* a long header of junk: bounded, still answers */
    ks_buf b = KS_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        ks_buf_puts(&b, "x/y;q=0.5,");
    ks_buf_puts(&b, "application/json");
    assert_int_equal(kube_accept_parse(b.data, b.len, all, &acc, &err), KS_EUNSUPPORTED);
    ks_buf_free(&b);
}

/* Under every arena limit, a builder gives the same object or KS_ELIMIT. */
static void test_arena_limit_sweep(void **state)
{
    (void)state;
    ks_arena big;
    ks_arena_init(&big, NULL, 0);
    kv_value objs[2] = {tu_json(&big, OBJ_A), tu_json(&big, OBJ_B)}, full, out;
    size_t before = ks_arena_used(&big);
    kube_list_meta lm = {.resource_version = "5", .cont = "c"};
    assert_int_equal(kube_table(&big, objs, 2, "v1", KUBE_INCLUDE_METADATA, false, &lm, &full), 0);
    kube_status_cause causes[] = {{"FieldValueInvalid", "Invalid value", "metadata.name"}};
    kv_value sfull;
    assert_int_equal(kube_status_invalid(&big, G, "K", "n", causes, 1, &sfull), 0);
    size_t used = ks_arena_used(&big) - before;
    bool failed = false, succeeded = false;
    for (size_t limit = 64; limit < used * 3 + 8192; limit += limit / 8 + 64) {
        ks_arena a;
        ks_arena_init(&a, NULL, limit);
        int rc = kube_table(&a, objs, 2, "v1", KUBE_INCLUDE_METADATA, false, &lm, &out);
        if (rc == 0) {
            succeeded = true;
            assert_true(kv_equal(&out, &full));
        } else {
            failed = true;
            assert_int_equal(rc, KS_ELIMIT);
        }
        rc = kube_status_invalid(&a, G, "K", "n", causes, 1, &out);
        if (rc == 0)
            assert_true(kv_equal(&out, &sfull));
        else
            assert_int_equal(rc, KS_ELIMIT);
        rc = kube_pom_list(&a, objs, 2, "v1", &lm, &out);
        assert_true(rc == 0 || rc == KS_ELIMIT);
        ks_arena_free(&a);
    }
    assert_true(failed && succeeded);
    ks_arena_free(&big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_status),
            cmocka_unit_test(test_table),
            cmocka_unit_test(test_pom),
            cmocka_unit_test(test_accept),
            cmocka_unit_test(test_arena_limit_sweep),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
