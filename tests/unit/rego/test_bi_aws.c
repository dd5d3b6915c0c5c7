/* Rego builtin providers.aws.sign_req: AWS's published SigV4 vectors
 * (get-vanilla, get-vanilla-empty-query-key), and OPA v1.22.3's request
 * checks, header handling, payload hashing and messages (checked against the
 * opa binary). */
#include <stdio.h>
#include <string.h>

#include "bitest.h"

#define SR "providers.aws.sign_req"
#define CFG                                                                     \
    "{\"aws_service\": \"service\", \"aws_access_key\": \"AKIDEXAMPLE\", "      \
    "\"aws_secret_access_key\": \"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\", " \
    "\"aws_region\": \"us-east-1\""
#define T2015 "1440938160000000000" /* 2015-08-30T12:36:00Z */
#define CRED  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"

static void test_aws_vectors(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, SR,
              "[{\"method\": \"GET\", \"url\": \"https://example.amazonaws.com/\"}, " CFG
              "}, " T2015 "]",
              "{\"headers\":{\"Authorization\":\"" CRED
              "service/aws4_request,SignedHeaders=host;x-amz-date,Signature="
              "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\","
              "\"host\":\"example.amazonaws.com\",\"x-amz-date\":\"20150830T123600Z\"},"
              "\"method\":\"GET\",\"url\":\"https://example.amazonaws.com/\"}");
    bt_expect(a, SR,
              "[{\"method\": \"GET\", \"url\": "
              "\"https://example.amazonaws.com/?Param1=value1\"}, " CFG "}, " T2015 "]",
              "{\"headers\":{\"Authorization\":\"" CRED
              "service/aws4_request,SignedHeaders=host;x-amz-date,Signature="
              "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb\","
              "\"host\":\"example.amazonaws.com\",\"x-amz-date\":\"20150830T123600Z\"},"
              "\"method\":\"GET\",\"url\":\"https://example.amazonaws.com/?Param1=value1\"}");
}

static void test_headers(void **state)
{
    ks_arena *a = *state;
    /* ignored headers are kept but not signed; names are signed lower-cased
     * (Unicode too); a non-string value counts as ""; the session token is
     * signed and returned */
    bt_expect(a, SR,
              "[{\"method\": \"POST\", \"url\": \"https://example.amazonaws.com/a b/%2f\", "
              "\"headers\": {\"User-Agent\": \"x\", \"authorization\": \"old\", "
              "\"X-Amzn-Trace-Id\": \"t\", \"\\u00c4-Custom\": \"v\", \"n\": 1}, "
              "\"raw_body\": \"Param1=value1\"}, " CFG ", \"aws_session_token\": \"TOK\"}, " T2015
              "]",
              "{\"headers\":{\"Authorization\":\"" CRED
              "service/aws4_request,SignedHeaders=host;n;x-amz-date;x-amz-security-token;"
              "\xc3\xa4-custom,Signature="
              "1b4db64f46acb9205b4a21ebcc56ea2de812d5fc7d8768698d53371f3c56ca59\","
              "\"User-Agent\":\"x\",\"X-Amzn-Trace-Id\":\"t\",\"authorization\":\"old\","
              "\"host\":\"example.amazonaws.com\",\"n\":\"\",\"x-amz-date\":\"20150830T123600Z\","
              "\"x-amz-security-token\":\"TOK\",\"\xc3\x84-Custom\":\"v\"},"
              "\"method\":\"POST\",\"raw_body\":\"Param1=value1\","
              "\"url\":\"https://example.amazonaws.com/a b/%2f\"}");
    /* the request's Host and x-amz-date are what is signed, the AWS values
     * are what is returned; s3 signs the payload hash of body as Go's
     * json.Marshal writes it (HTML characters escaped, sets as arrays) */
    bt_expect(a, SR,
              "[{\"method\": \"PUT\", \"url\": \"https://b.s3.amazonaws.com/k?x=1\", "
              "\"headers\": {\"Host\": \"other\", \"x-amz-date\": \"mine\"}, "
              "\"body\": {\"k\": \"<&>\", \"s\": {\"$set\": [2, 1]}}}, " CFG
              ", \"aws_service\": \"s3\"}, " T2015 "]",
              "{\"body\":{\"k\":\"<&>\",\"s\":[1,2]},\"headers\":{\"Authorization\":\"" CRED
              "s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature="
              "8b9e75151b2f08ea6f366689eb1eafcce2ac1974b46b9732b900d79ddecc793d\","
              "\"Host\":\"other\",\"host\":\"b.s3.amazonaws.com\",\"x-amz-content-sha256\":"
              "\"b115dad9fb9bac671a23204efdbe623c681ec521f0ee3f6a6f3a4f6390414bc8\","
              "\"x-amz-date\":\"20150830T123600Z\"},\"method\":\"PUT\","
              "\"url\":\"https://b.s3.amazonaws.com/k?x=1\"}");
    /* glacier signs the content hash too; unsigned payload; before 1970 */
    bt_expect(a, SR,
              "[{\"method\": \"GET\", \"url\": \"https://b.s3.amazonaws.com/\"}, " CFG
              ", \"aws_service\": \"glacier\", \"disable_payload_signing\": true}, -1]",
              "{\"headers\":{\"Authorization\":\"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/19691231/"
              "us-east-1/glacier/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
              "Signature=6c24a1dd43298f2bf3bff7157134a000b95e0e776c4efbb20de94cd9ccf1c2da\","
              "\"host\":\"b.s3.amazonaws.com\",\"x-amz-content-sha256\":\"UNSIGNED-PAYLOAD\","
              "\"x-amz-date\":\"19691231T235959Z\"},\"method\":\"GET\","
              "\"url\":\"https://b.s3.amazonaws.com/\"}");
}

static void test_request_errors(void **state)
{
    ks_arena *a = *state;
    bt_expect_err_code(a, SR, "[1, " CFG "}, 1]", RG_ERR_TYPE,
                       SR ": operand 1 must be object but got number");
    bt_expect_err_code(a, SR, "[{}, \"x\", 1]", RG_ERR_TYPE,
                       SR ": operand 1 must be object but got string");
    bt_expect_err_code(a, SR, "[{}, {\"aws_region\": 1}, 1]", RG_ERR_TYPE,
                       SR ": operand 2 missing required AWS config parameters(s): "
                          "{\"aws_access_key\", \"aws_secret_access_key\", \"aws_service\"}");
    bt_expect_err_code(a, SR, "[{}, " CFG ", \"aws_region\": 1, \"aws_service\": null}, 1]",
                       RG_ERR_TYPE,
                       SR ": operand 2 invalid values for required AWS config parameters(s): "
                          "{\"aws_region\", \"aws_service\"}");
    bt_expect_err_code(a, SR, "[{}, " CFG "}, \"1\"]", RG_ERR_TYPE,
                       SR ": operand 1 must be number but got string");
    bt_expect_err_code(a, SR, "[{}, " CFG "}, 1.5]", RG_ERR_TYPE,
                       SR ": operand 3 could not convert time_ns value into a unix timestamp");
    bt_expect_err(a, SR, "[{}, " CFG "}, 1e3]",
                  SR ": operand 3 could not convert time_ns value into a unix timestamp");
    bt_expect_err(a, SR, "[{}, " CFG "}, 9223372036854775808]",
                  SR ": operand 3 could not convert time_ns value into a unix timestamp");
    bt_expect_err_code(a, SR, "[{\"zz\": 1, \"timeout\": 2, \"a\": 3}, " CFG "}, 1]", RG_ERR_TYPE,
                       SR ": operand 1 invalid request parameters(s): {\"a\", \"zz\"}");
    bt_expect_err(a, SR, "[{\"url\": 1}, " CFG "}, 1]",
                  SR ": operand 1 missing required request parameters(s): {\"method\"}");
    bt_expect_err(a, SR, "[{\"url\": 1, \"method\": \"GET\", \"headers\": []}, " CFG "}, 1]",
                  SR ": operand 0 must be object but got array");
    bt_expect_err(a, SR, "[{\"url\": 1, \"method\": \"GET\"}, " CFG "}, 1]",
                  SR ": operand 1 invalid values for required request parameters(s): {\"url\"}");
    bt_expect_err_code(a, SR,
                       "[{\"url\": \"http://x\", \"method\": \"GET\"}, " CFG
                       ", \"disable_payload_signing\": \"true\"}, 1]",
                       RG_ERR_TYPE,
                       SR ": operand 2 invalid value for 'disable_payload_signing' in AWS config");
}

static void test_url_errors(void **state)
{
    ks_arena *a = *state;
    static const struct {
        const char *url, *msg;
    } cases[] = {
            {"http://a:1:2/x",
             "parse \\\"http://a:1:2/x\\\": invalid port \\\":1:2\\\" after host"},
            {"https://example.com/a%zz", "parse \\\"https://example.com/a%zz\\\": invalid URL "
                                         "escape \\\"%zz\\\""},
            {"https://ex ample.com/", "parse \\\"https://ex ample.com/\\\": invalid character "
                                      "\\\" \\\" in host name"},
            {"https://u^:p@example.com/", "parse \\\"https://u^:p@example.com/\\\": net/url: "
                                          "invalid userinfo"},
            {"://x", "parse \\\"://x\\\": missing protocol scheme"},
            {"1a:b/c", "parse \\\"1a:b/c\\\": first path segment in URL cannot contain colon"},
            {"http://x/\\u0001#y", "parse \\\"http://x/\\\\x01\\\": net/url: invalid control "
                                   "character in URL"},
            {"http://x/#%zz", "parse \\\"http://x/#%zz\\\": invalid URL escape \\\"%zz\\\""},
            {"http://[1.2.3.4]/", "parse \\\"http://[1.2.3.4]/\\\": invalid IP-literal"},
            {"http://[::1/", "parse \\\"http://[::1/\\\": missing ']' in host"},
            {"http://[fe80::1%25]/", "parse \\\"http://[fe80::1%25]/\\\": invalid host: "
                                     "ParseAddr(\\\"fe80::1%\\\"): zone must be a non-empty "
                                     "string"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char args[512], want[512];
        snprintf(args, sizeof(args), "[{\"method\": \"GET\", \"url\": \"%s\"}, " CFG "}, 1]",
                 cases[i].url);
        /* the messages above are JSON-escaped; read them back as JSON */
        snprintf(want, sizeof(want), "\"" SR ": %s\"", cases[i].msg);
        kv_value w = bt_value(a, want);
        bt_result r = bt_run_json(a, SR, args);
        assert_int_equal(r.rc, RG_EBUILTIN);
        assert_int_equal(r.code, RG_ERR_BUILTIN);
        assert_string_equal(r.msg, w.u.s);
    }
}

/* URL forms that parse: the escaped path, host and raw query signed. */
static void test_url_forms(void **state)
{
    ks_arena *a = *state;
    static const char *const ok[] = {
            "*",
            "mailto:x@y?q",
            "//host/p",
            "///host/p",
            "http://[::1%25e]:1/x",
            "http://x/a%2Fb(c)!",
            "http://x??",
            "foo://a:1:2/x",
            "",
            "rel/path?a=b",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char args[512];
        snprintf(args, sizeof(args), "[{\"method\": \"GET\", \"url\": \"%s\"}, " CFG "}, 1]",
                 ok[i]);
        bt_result r = bt_run_json(a, SR, args);
        assert_int_equal(r.rc, RG_OK);
    }
    /* host of an IPv6 literal with a zone, unescaped */
    bt_result r = bt_run_json(
            a, SR, "[{\"method\": \"GET\", \"url\": \"http://[::1%25e]:1/x\"}, " CFG "}, 0]");
    assert_int_equal(r.rc, RG_OK);
    const kv_value *h = kv_obj_get(kv_obj_get(&r.out, "headers", 7), "host", 4);
    assert_non_null(h);
    assert_string_equal(h->u.s, "[::1%e]:1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_aws_vectors),    cmocka_unit_test(test_headers),
            cmocka_unit_test(test_request_errors), cmocka_unit_test(test_url_errors),
            cmocka_unit_test(test_url_forms),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
