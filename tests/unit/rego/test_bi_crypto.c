/* Rego builtins: crypto digests and HMACs, against published test vectors
 * (RFC 1321, FIPS 180, RFC 2202, RFC 4231) and OPA's operand errors. */
#include <stdio.h>
#include <string.h>

#include "bitest.h"

static void test_digests(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "crypto.md5", "[\"\"]", "\"d41d8cd98f00b204e9800998ecf8427e\"");
    bt_expect(a, "crypto.md5", "[\"abc\"]", "\"900150983cd24fb0d6963f7d28e17f72\"");
    bt_expect(a, "crypto.md5", "[\"message digest\"]", "\"f96b697d7cb7938d525a2f31aaf161d0\"");
    bt_expect(a, "crypto.sha1", "[\"abc\"]", "\"a9993e364706816aba3e25717850c26c9cd0d89d\"");
    bt_expect(a, "crypto.sha1", "[\"\"]", "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"");
    bt_expect(a, "crypto.sha256", "[\"abc\"]",
              "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"");
    bt_expect(a, "crypto.sha256", "[\"\"]",
              "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"");
    /* The digest is of the UTF-8 bytes; embedded NULs count. */
    bt_expect(a, "crypto.md5", "[\"\\u00e9\"]", "\"66ddcd97cfdeabb2f6fb8a999b4bc76f\"");
    bt_expect(a, "crypto.sha256", "[\"\\u00e9\"]",
              "\"4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c\"");
    bt_expect(a, "crypto.sha1", "[\"a\\u0000b\"]", "\"4a3dec2d1f8245280855c42db0ee4239f917fdb8\"");
}

static void test_hmac(void **state)
{
    ks_arena *a = *state;
    /* RFC 2104 / RFC 2202 test case 2: key "Jefe". */
    bt_expect(a, "crypto.hmac.md5", "[\"what do ya want for nothing?\", \"Jefe\"]",
              "\"750c783e6ab0b503eaa86e310a5db738\"");
    bt_expect(a, "crypto.hmac.sha1", "[\"what do ya want for nothing?\", \"Jefe\"]",
              "\"effcdf6ae5eb2fa2d27416d5f184df9c259a7c79\"");
    /* RFC 4231 test case 2. */
    bt_expect(a, "crypto.hmac.sha256", "[\"what do ya want for nothing?\", \"Jefe\"]",
              "\"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\"");
    bt_expect(a, "crypto.hmac.sha512", "[\"what do ya want for nothing?\", \"Jefe\"]",
              "\"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
              "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737\"");
    /* RFC 4231 test case 1: key of twenty 0x0b bytes. */
    bt_expect(a, "crypto.hmac.sha512",
              "[\"Hi There\", \"\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b"
              "\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b\\u000b"
              "\\u000b\\u000b\"]",
              "\"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
              "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854\"");
    /* Empty message and empty key are allowed. */
    bt_expect(a, "crypto.hmac.sha256", "[\"\", \"\"]",
              "\"b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad\"");
}

static void test_hmac_long_key(void **state)
{
    ks_arena *a = *state;
    /* A 200-byte key, longer than SHA-256's 64-byte block, is hashed first
     * (value from openssl dgst -hmac). */
    char json[512];
    char key[201];
    memset(key, 'k', 200);
    key[200] = '\0';
    snprintf(json, sizeof json, "[\"msg\", \"%s\"]", key);
    bt_expect(a, "crypto.hmac.sha256", json,
              "\"e2adadca233bc31c6e6126c865132c3e945f9dedd44797a1e5acc3c037bc21fc\"");
}

static void test_hmac_equal(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "crypto.hmac.equal", "[\"abc\", \"abc\"]", "true");
    bt_expect(a, "crypto.hmac.equal", "[\"abc\", \"abd\"]", "false");
    bt_expect(a, "crypto.hmac.equal", "[\"abc\", \"ab\"]", "false");
    bt_expect(a, "crypto.hmac.equal", "[\"\", \"\"]", "true");
    bt_expect(a, "crypto.hmac.equal", "[\"\", \"a\"]", "false");
    bt_expect(a, "crypto.hmac.equal", "[\"a\\u0000b\", \"a\\u0000c\"]", "false");
}

static void test_operand_errors(void **state)
{
    ks_arena *a = *state;
    bt_expect_err(a, "crypto.md5", "[1]", "crypto.md5: operand 1 must be string but got number");
    bt_expect_err(a, "crypto.sha1", "[null]", "crypto.sha1: operand 1 must be string but got null");
    bt_expect_err(a, "crypto.sha256", "[[\"a\"]]",
                  "crypto.sha256: operand 1 must be string but got array");
    bt_expect_err(a, "crypto.hmac.sha256", "[{}, \"k\"]",
                  "crypto.hmac.sha256: operand 1 must be string but got object");
    bt_expect_err(a, "crypto.hmac.md5", "[\"m\", true]",
                  "crypto.hmac.md5: operand 2 must be string but got boolean");
    bt_expect_err(a, "crypto.hmac.equal", "[\"m\", 1.5]",
                  "crypto.hmac.equal: operand 2 must be string but got number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_digests),        cmocka_unit_test(test_hmac),
            cmocka_unit_test(test_hmac_long_key),  cmocka_unit_test(test_hmac_equal),
            cmocka_unit_test(test_operand_errors),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
