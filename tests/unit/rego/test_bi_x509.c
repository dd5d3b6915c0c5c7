/* Rego builtins: crypto.x509.* and crypto.parse_private_keys against
 * certificates, a request and keys generated for these tests (an EC CA and
 * a leaf it signed); expectations checked with OPA v1.22.3. */
#include <string.h>

#include "bitest.h"
#include "core/base64.h"

static const char CA_PEM[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBizCCATGgAwIBAgIUG5lCHEqihxGdkiltPtpPixSigBcwCgYIKoZIzj0EAwIw\n"
                             "EjEQMA4GA1UEAwwHVGVzdCBDQTAgFw0yNjExMjcwNTU4MzFaGA8yMTI2MTEwMzA1\n"
                             "NTgzMVowEjEQMA4GA1UEAwwHVGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
                             "A0IABOJhHP+GEv3aeSgdk74mRhVwzQEX2EkG4obYFgRBx6gy+Cul66/u6a5MCyFP\n"
                             "STjs2lM/TxEjx8regLO+xY48a1yjYzBhMB0GA1UdDgQWBBQ57yUBGR2bR07rV3oY\n"
                             "6DyJYiSS6zAfBgNVHSMEGDAWgBQ57yUBGR2bR07rV3oY6DyJYiSS6zAPBgNVHRMB\n"
                             "Af8EBTADAQH/MA4GA1UdDwEB/wQEAwICBDAKBggqhkjOPQQDAgNIADBFAiAibEZK\n"
                             "fCVM9tzEKbS8b6tizdCTv/ErLNQeoWfXseWqDwIhAOp+9+yFJxzG5lgOTzCyPLdr\n"
                             "rATPLRyJIizFXMCZhXGZ\n"
                             "-----END CERTIFICATE-----\n";

static const char LEAF_PEM[] = "-----BEGIN CERTIFICATE-----\n"
                               "MIIBpDCCAUugAwIBAgIUeZTFXFgwqV2TZFtBhiFD+/U2pQQwCgYIKoZIzj0EAwIw\n"
                               "EjEQMA4GA1UEAwwHVGVzdCBDQTAgFw0yNjExMjcwNTU4MzFaGA8yMTI2MTEwMzA1\n"
                               "NTgzMVowFDESMBAGA1UEAwwJbGVhZi50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
                               "AQcDQgAEBT1ojPYi+wKOxYBQLUgioBdiLqLRFfzGzf5pBO24BjIp8BCumqRQKGy5\n"
                               "w9sVV4BBmpIbX/subzYrYUENQvvrdaN7MHkwIgYDVR0RBBswGYIJbGVhZi50ZXN0\n"
                               "hgxzcGlmZmU6Ly90L3gwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0OBBYEFABs\n"
                               "WPtboSe0GVaDSvqKI0m2r09HMB8GA1UdIwQYMBaAFDnvJQEZHZtHTutXehjoPIli\n"
                               "JJLrMAoGCCqGSM49BAMCA0cAMEQCICwF/lgVdVODDuNM/an5dCIrW/UQAPw1d0Z9\n"
                               "PnOJmEayAiBYhZZzhqPISp5Gvc9zxU1sz6gp/OO0FXKWdwgJd+TF8w==\n"
                               "-----END CERTIFICATE-----\n";

static const char LEAF_KEY[] = "-----BEGIN EC PRIVATE KEY-----\n"
                               "MHcCAQEEIH8FxEOlkaS8RoiToYo0le1KUTIQbyFIX5qf1SXYzmqYoAoGCCqGSM49\n"
                               "AwEHoUQDQgAEBT1ojPYi+wKOxYBQLUgioBdiLqLRFfzGzf5pBO24BjIp8BCumqRQ\n"
                               "KGy5w9sVV4BBmpIbX/subzYrYUENQvvrdQ==\n"
                               "-----END EC PRIVATE KEY-----\n";

static const char CA_KEY[] = "-----BEGIN EC PRIVATE KEY-----\n"
                             "MHcCAQEEIPZsCf4vzYy1cHoCzRCUvbOjTwGUhaO6rMhNlT//EWkXoAoGCCqGSM49\n"
                             "AwEHoUQDQgAE4mEc/4YS/dp5KB2TviZGFXDNARfYSQbihtgWBEHHqDL4K6Xrr+7p\n"
                             "rkwLIU9JOOzaUz9PESPHyt6As77FjjxrXA==\n"
                             "-----END EC PRIVATE KEY-----\n";

static const char LEAF_CSR[] = "-----BEGIN CERTIFICATE REQUEST-----\n"
                               "MIHPMHYCAQAwFDESMBAGA1UEAwwJbGVhZi50ZXN0MFkwEwYHKoZIzj0CAQYIKoZI\n"
                               "zj0DAQcDQgAEBT1ojPYi+wKOxYBQLUgioBdiLqLRFfzGzf5pBO24BjIp8BCumqRQ\n"
                               "KGy5w9sVV4BBmpIbX/subzYrYUENQvvrdaAAMAoGCCqGSM49BAMCA0kAMEYCIQC6\n"
                               "EjQWNHR3vh0ajLqVoFut2TAIe+4YZeGcec/LAE82WwIhALjr2Acss4xx8toMFQLI\n"
                               "uNPSxKofMgtEpkKxRYkWA26h\n"
                               "-----END CERTIFICATE REQUEST-----\n";

/* 2030-01-01, inside the certificates' validity. */
#define NOW_2030 1893456000000000000LL

static kv_value str(const char *s)
{
    return kv_str_ref(s, strlen(s));
}

static kv_value chain(ks_arena *a)
{
    size_t n1 = strlen(CA_PEM), n2 = strlen(LEAF_PEM);
    char *s = ks_arena_alloc(a, n1 + n2 + 1);
    memcpy(s, CA_PEM, n1);
    memcpy(s + n1, LEAF_PEM, n2 + 1);
    return kv_str_ref(s, n1 + n2);
}

static void expect_str_at(const kv_value *v, const char *path, const char *want)
{
    const kv_value *got = kv_path(v, path);
    assert_non_null(got);
    assert_int_equal(got->kind, KV_STRING);
    assert_string_equal(got->u.s, want);
}

static void test_parse_certificates(void **state)
{
    ks_arena *a = *state;
    kv_value arg = chain(a);
    bt_result r = bt_run(a, "crypto.x509.parse_certificates", &arg, 1);
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.len, 2);
    expect_str_at(&r.out, "[0].Subject.CommonName", "Test CA");
    expect_str_at(&r.out, "[1].Subject.CommonName", "leaf.test");
    expect_str_at(&r.out, "[1].Issuer.CommonName", "Test CA");
    expect_str_at(&r.out, "[1].DNSNames[0]", "leaf.test");
    expect_str_at(&r.out, "[1].URIStrings[0]", "spiffe://t/x");
    expect_str_at(&r.out, "[1].URIs[0].Scheme", "spiffe");
    expect_str_at(&r.out, "[1].URIs[0].Host", "t");
    expect_str_at(&r.out, "[1].URIs[0].Path", "/x");
    expect_str_at(&r.out, "[1].NotAfter", "2126-11-03T05:58:31Z");
    /* The serial is a big integer, as Go's big.Int marshals. */
    char *json = NULL;
    kv_value leaf = str(LEAF_PEM);
    assert_int_equal(bt_call_values(a, "crypto.x509.parse_certificates", &leaf, 1, &json), RG_OK);
    assert_non_null(
            strstr(json, "\"SerialNumber\":694105586102598157171425738526915589556370056452"));
    assert_non_null(strstr(json, "\"ExtKeyUsage\":[2]"));
    assert_non_null(strstr(json, "\"MaxPathLen\":0"));
    assert_non_null(strstr(json, "\"PublicKeyAlgorithm\":3"));
    assert_non_null(strstr(json, "\"SignatureAlgorithm\":10"));
    assert_non_null(strstr(json, "\"Curve\":{}"));
    ks_xfree(json);
    /* Base64 of PEM reads the same; so does base64 of the DER. */
    bt_expect(a, "crypto.x509.parse_certificates", "[\"\"]", "[]");
}

static void test_parse_certificates_errors(void **state)
{
    ks_arena *a = *state;
    bt_expect_err(a, "crypto.x509.parse_certificates", "[\"foobar\"]",
                  "crypto.x509.parse_certificates: illegal base64 data at input byte 4");
    bt_expect_err(a, "crypto.x509.parse_certificates", "[\"YmFkc3RyaW5n\"]",
                  "crypto.x509.parse_certificates: x509: malformed certificate");
    bt_expect_err(a, "crypto.x509.parse_certificates", "[1]",
                  "crypto.x509.parse_certificates: operand 1 must be string but got number");
    kv_value key = str(LEAF_KEY);
    bt_expect_err_values(a, "crypto.x509.parse_certificates", &key, 1, BT_ANY_CODE,
                         "crypto.x509.parse_certificates: PEM block type is 'EC PRIVATE KEY', "
                         "expected CERTIFICATE");
}

static void test_verify(void **state)
{
    ks_arena *a = *state;
    bt_now_ns = NOW_2030;
    kv_value args[2] = {chain(a), {0}};
    /* Without options the leaf must allow server authentication: it only
     * allows client authentication. */
    bt_expect_values(a, "crypto.x509.parse_and_verify_certificates", args, 1, "[false,[]]");
    args[1] = bt_value(a, "{\"KeyUsages\": [\"KeyUsageClientAuth\"], \"DNSName\": \"leaf.test\"}");
    bt_result r = bt_run(a, "crypto.x509.parse_and_verify_certificates_with_options", args, 2);
    assert_int_equal(r.rc, RG_OK);
    assert_true(kv_path(&r.out, "[0]")->u.b);
    expect_str_at(&r.out, "[1][0].Subject.CommonName", "leaf.test");
    expect_str_at(&r.out, "[1][1].Subject.CommonName", "Test CA");
    assert_null(kv_path(&r.out, "[1][0].URIStrings"));
    args[1] = bt_value(a, "{\"KeyUsages\": [\"KeyUsageAny\"], \"DNSName\": \"other.test\"}");
    bt_expect_values(a, "crypto.x509.parse_and_verify_certificates_with_options", args, 2,
                     "[false,[]]");
    args[1] = bt_value(a, "{\"KeyUsages\": [\"KeyUsageAny\"], \"CurrentTime\": 0}");
    bt_expect_values(a, "crypto.x509.parse_and_verify_certificates_with_options", args, 2,
                     "[false,[]]");
    args[1] = bt_value(a, "{\"KeyUsages\": [\"x\", \"KeyUsageAny\", \"y\"]}");
    bt_expect_err_values(a, "crypto.x509.parse_and_verify_certificates_with_options", args, 2,
                         BT_ANY_CODE,
                         "crypto.x509.parse_and_verify_certificates_with_options: invalid "
                         "entries for 'KeyUsages' found: [x y]");
    args[1] = bt_value(a, "{\"Foo\": 1}");
    bt_expect_err_values(a, "crypto.x509.parse_and_verify_certificates_with_options", args, 2,
                         BT_ANY_CODE,
                         "crypto.x509.parse_and_verify_certificates_with_options: invalid key "
                         "option");
    /* One certificate cannot be verified; neither can a leaf alone. */
    args[0] = str(CA_PEM);
    bt_expect_values(a, "crypto.x509.parse_and_verify_certificates", args, 1, "[false,[]]");
    bt_expect(a, "crypto.x509.parse_and_verify_certificates", "[\"foobar\"]", "[false,[]]");
    bt_now_ns = 0;
}

static void test_certificate_request(void **state)
{
    ks_arena *a = *state;
    kv_value csr = str(LEAF_CSR);
    bt_result r = bt_run(a, "crypto.x509.parse_certificate_request", &csr, 1);
    assert_int_equal(r.rc, RG_OK);
    expect_str_at(&r.out, "Subject.CommonName", "leaf.test");
    /* Text that does not start with the request's PEM header is base64. */
    kv_value cert = str(LEAF_PEM);
    bt_expect_err_values(a, "crypto.x509.parse_certificate_request", &cert, 1, BT_ANY_CODE,
                         "crypto.x509.parse_certificate_request: illegal base64 data at input "
                         "byte 0");
    ks_buf b64 = KS_BUF_INIT;
    ks_base64_encode(&b64, LEAF_PEM, strlen(LEAF_PEM), 0);
    cert = kv_str_ref(b64.data, b64.len);
    bt_expect_err_values(a, "crypto.x509.parse_certificate_request", &cert, 1, BT_ANY_CODE,
                         "crypto.x509.parse_certificate_request: invalid PEM-encoded "
                         "certificate signing request");
    ks_buf_free(&b64);
    bt_expect_err(a, "crypto.x509.parse_certificate_request", "[\"foobar\"]",
                  "crypto.x509.parse_certificate_request: illegal base64 data at input byte 4");
}

static void test_private_keys(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "crypto.parse_private_keys", "[\"\"]", "null");
    bt_expect(a, "crypto.parse_private_keys", "[\"nope\"]", "[]");
    kv_value key = str(LEAF_KEY);
    bt_result r = bt_run(a, "crypto.parse_private_keys", &key, 1);
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.len, 1);
    assert_non_null(kv_path(&r.out, "[0].Curve"));
    assert_int_equal(kv_path(&r.out, "[0].D")->kind, KV_NUMBER);
    /* An EC key under the PKCS #1 label, as Go tells it. */
    kv_value bad = str("-----BEGIN RSA PRIVATE KEY-----\n"
                       "MHcCAQEEIH8FxEOlkaS8RoiToYo0le1KUTIQbyFIX5qf1SXYzmqYoAoGCCqGSM49\n"
                       "AwEHoUQDQgAEBT1ojPYi+wKOxYBQLUgioBdiLqLRFfzGzf5pBO24BjIp8BCumqRQ\n"
                       "KGy5w9sVV4BBmpIbX/subzYrYUENQvvrdQ==\n"
                       "-----END RSA PRIVATE KEY-----\n");
    bt_expect_err_values(a, "crypto.parse_private_keys", &bad, 1, BT_ANY_CODE,
                         "crypto.parse_private_keys: x509: failed to parse private key (use "
                         "ParseECPrivateKey instead for this key format)");
}

static void test_keypair(void **state)
{
    ks_arena *a = *state;
    kv_value args[2] = {str(LEAF_PEM), str(LEAF_KEY)};
    bt_result r = bt_run(a, "crypto.x509.parse_keypair", args, 2);
    assert_int_equal(r.rc, RG_OK);
    expect_str_at(&r.out, "Leaf.Subject.CommonName", "leaf.test");
    assert_int_equal(kv_path(&r.out, "Certificate")->len, 1);
    assert_non_null(kv_path(&r.out, "PrivateKey.X"));
    args[1] = str(CA_KEY);
    bt_expect_err_values(a, "crypto.x509.parse_keypair", args, 2, BT_ANY_CODE,
                         "crypto.x509.parse_keypair: tls: private key does not match public key");
    args[0] = str(LEAF_KEY);
    args[1] = str(LEAF_PEM);
    bt_expect_err_values(a, "crypto.x509.parse_keypair", args, 2, BT_ANY_CODE,
                         "crypto.x509.parse_keypair: tls: failed to find certificate PEM data in "
                         "certificate input, but did find a private key; PEM inputs may have "
                         "been switched");
    bt_expect_err(a, "crypto.x509.parse_keypair", "[\"\", \"\"]",
                  "crypto.x509.parse_keypair: x509: malformed certificate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_certificates),
            cmocka_unit_test(test_parse_certificates_errors),
            cmocka_unit_test(test_verify),
            cmocka_unit_test(test_certificate_request),
            cmocka_unit_test(test_private_keys),
            cmocka_unit_test(test_keypair),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
