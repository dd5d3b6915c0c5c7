/* Unit tests for core/base64: RFC 4648 section 10 vectors, the URL alphabet,
 * padding variants and strict decoding (Go's encoding/base64 Strict()). */
#include "testutil.h"

#include <string.h>

#include "core/base64.h"
#include "core/error.h"

static const struct {
    const char *raw, *std, *nopad;
} rfc4648[] = {
        {"", "", ""},
        {"f", "Zg==", "Zg"},
        {"fo", "Zm8=", "Zm8"},
        {"foo", "Zm9v", "Zm9v"},
        {"foob", "Zm9vYg==", "Zm9vYg"},
        {"fooba", "Zm9vYmE=", "Zm9vYmE"},
        {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static char *enc(const void *data, size_t n, unsigned variant)
{
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(ks_base64_encode(&b, data, n, variant), 0);
    return ks_buf_detach(&b, NULL);
}

/* Decodes s; returns the code and the output in *out (heap, or NULL). */
static int dec(const char *s, unsigned variant, char **out, size_t *len, size_t *bad)
{
    ks_buf b = KS_BUF_INIT;
    int rc = ks_base64_decode(&b, s, strlen(s), variant, bad);
    *out = ks_buf_detach(&b, len);
    return rc;
}

static void check_decodes(const char *s, unsigned variant, const void *want, size_t wlen)
{
    char *out;
    size_t len;
    int rc = dec(s, variant, &out, &len, NULL);
    if (rc != 0)
        fail_msg("decode(\"%s\", %u) failed: %d", s, variant, rc);
    assert_int_equal(len, wlen);
    assert_memory_equal(out, want, wlen);
    assert_int_equal(out[len], '\0');
    ks_xfree(out);
}

static void check_rejects(const char *s, unsigned variant)
{
    char *out;
    size_t len, bad = (size_t)-1;
    int rc = dec(s, variant, &out, &len, &bad);
    if (rc != KS_EPARSE)
        fail_msg("decode(\"%s\", %u) = %d, want KS_EPARSE", s, variant, rc);
    assert_true(bad <= strlen(s));
    ks_xfree(out);
}

static size_t bad_offset(const char *s, unsigned variant)
{
    char *out;
    size_t len, bad = (size_t)-1;
    assert_int_equal(dec(s, variant, &out, &len, &bad), KS_EPARSE);
    ks_xfree(out);
    return bad;
}

static void test_rfc4648_encode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        const char *raw = rfc4648[i].raw;
        char *s = enc(raw, strlen(raw), KS_B64_STD);
        assert_string_equal(s, rfc4648[i].std);
        ks_xfree(s);
        s = enc(raw, strlen(raw), KS_B64_URL);
        assert_string_equal(s, rfc4648[i].std); /* same for these letters */
        ks_xfree(s);
        s = enc(raw, strlen(raw), KS_B64_STD | KS_B64_NOPAD);
        assert_string_equal(s, rfc4648[i].nopad);
        ks_xfree(s);
        s = enc(raw, strlen(raw), KS_B64_URL | KS_B64_NOPAD);
        assert_string_equal(s, rfc4648[i].nopad);
        ks_xfree(s);
    }
}

static void test_rfc4648_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        const char *raw = rfc4648[i].raw;
        check_decodes(rfc4648[i].std, KS_B64_STD, raw, strlen(raw));
        check_decodes(rfc4648[i].std, KS_B64_URL, raw, strlen(raw));
        check_decodes(rfc4648[i].nopad, KS_B64_STD | KS_B64_NOPAD, raw, strlen(raw));
        check_decodes(rfc4648[i].nopad, KS_B64_URL | KS_B64_NOPAD, raw, strlen(raw));
        /* Lenient: padding optional either way. */
        check_decodes(rfc4648[i].std, KS_B64_STD | KS_B64_LENIENT, raw, strlen(raw));
        check_decodes(rfc4648[i].nopad, KS_B64_STD | KS_B64_LENIENT, raw, strlen(raw));
    }
}

static void test_alphabets(void **state)
{
    (void)state;
    static const unsigned char bin[] = {0xfb, 0xff, 0xbf, 0xfe};
    char *s = enc(bin, 2, KS_B64_STD);
    assert_string_equal(s, "+/8=");
    ks_xfree(s);
    s = enc(bin, 2, KS_B64_URL);
    assert_string_equal(s, "-_8=");
    ks_xfree(s);
    s = enc(bin, 4, KS_B64_URL | KS_B64_NOPAD);
    assert_string_equal(s, "-_-__g");
    ks_xfree(s);
    check_decodes("+/8=", KS_B64_STD, bin, 2);
    check_decodes("-_8=", KS_B64_URL, bin, 2);
    check_decodes("-_-__g", KS_B64_URL | KS_B64_NOPAD, bin, 4);
    /* Each alphabet rejects the other's two symbols. */
    assert_int_equal(bad_offset("-_8=", KS_B64_STD), 0);
    assert_int_equal(bad_offset("A+8=", KS_B64_URL), 1);
    assert_int_equal(bad_offset("AA/=", KS_B64_URL), 2);
}

static void test_rejects_foreign_characters(void **state)
{
    (void)state;
    assert_int_equal(bad_offset("Zm9v!", KS_B64_STD), 4);
    assert_int_equal(bad_offset("Zm9v YmFy", KS_B64_STD), 4);
    assert_int_equal(bad_offset("Zm9v\tYmFy", KS_B64_STD), 4);
    assert_int_equal(bad_offset("Zm.v", KS_B64_STD), 2);
    assert_int_equal(bad_offset("\xC3\xA9m9v", KS_B64_STD), 0);
    /* Embedded NUL: the length counts, not the C string. */
    ks_buf b = KS_BUF_INIT;
    size_t bad = 99;
    assert_int_equal(ks_base64_decode(&b, "Zm\0v", 4, KS_B64_STD, &bad), KS_EPARSE);
    assert_int_equal(bad, 2);
    /* A NULL bad_offset is allowed. */
    assert_int_equal(ks_base64_decode(&b, "Zm9v!", 5, KS_B64_STD, NULL), KS_EPARSE);
    ks_buf_free(&b);
}

static void test_rejects_bad_padding(void **state)
{
    (void)state;
    check_rejects("Zg", KS_B64_STD);       /* padding required */
    check_rejects("Zm8", KS_B64_URL);      /* padding required */
    check_rejects("Zg=", KS_B64_STD);      /* too little */
    check_rejects("Zg===", KS_B64_STD);    /* too much */
    check_rejects("Zm9v=", KS_B64_STD);    /* none needed */
    check_rejects("Zm9v====", KS_B64_STD); /* none needed */
    check_rejects("=", KS_B64_STD);
    check_rejects("==", KS_B64_STD);
    check_rejects("Z===", KS_B64_STD);
    check_rejects("Zg==Zg==", KS_B64_STD); /* data after padding */
    assert_int_equal(bad_offset("Zg==Zg==", KS_B64_STD), 2);
    check_rejects("Zg=a", KS_B64_STD);
    check_rejects("Z", KS_B64_STD); /* one symbol holds no byte */
    check_rejects("Z", KS_B64_STD | KS_B64_NOPAD);
    check_rejects("Zm9vY", KS_B64_STD | KS_B64_LENIENT);
    /* No padding accepted without padding. */
    assert_int_equal(bad_offset("Zg==", KS_B64_STD | KS_B64_NOPAD), 2);
    assert_int_equal(bad_offset("Zm8=", KS_B64_URL | KS_B64_NOPAD), 3);
}

static void test_rejects_nonzero_trailing_bits(void **state)
{
    (void)state;
    /* "Zg==" is 'f'; "Zh==" has the same byte plus a stray bit. */
    check_rejects("Zh==", KS_B64_STD);
    check_rejects("Zv==", KS_B64_STD);
    check_rejects("Zm9=", KS_B64_STD);
    check_rejects("Zm/=", KS_B64_STD);
    check_rejects("Zh", KS_B64_STD | KS_B64_NOPAD);
    check_rejects("Zm9", KS_B64_URL | KS_B64_NOPAD);
    check_rejects("-_9", KS_B64_URL | KS_B64_NOPAD);
    check_decodes("Zm8=", KS_B64_STD, "fo", 2);
    /* Every last symbol of a 2-symbol group: only the 4 with zero low bits
     * decode. */
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int ok = 0;
    for (int i = 0; i < 64; i++) {
        char s[5] = {'Q', alpha[i], '=', '=', 0};
        ks_buf b = KS_BUF_INIT;
        int rc = ks_base64_decode(&b, s, 4, KS_B64_STD, NULL);
        assert_int_equal(rc, (i & 15) ? KS_EPARSE : 0);
        ok += rc == 0;
        ks_buf_free(&b);
    }
    assert_int_equal(ok, 4);
}

static void test_line_breaks_skipped(void **state)
{
    (void)state;
    check_decodes("Zm9v\r\nYmFy", KS_B64_STD, "foobar", 6);
    check_decodes("Zm9v\nYmE=\n", KS_B64_STD, "fooba", 5);
    check_decodes("Z\ng\r=\n=", KS_B64_STD, "f", 1);
    check_decodes("\r\n", KS_B64_STD, "", 0);
}

static void test_appends_to_buffer(void **state)
{
    (void)state;
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "data:");
    assert_int_equal(ks_base64_encode(&b, "foo", 3, KS_B64_STD), 0);
    assert_string_equal(b.data, "data:Zm9v");
    ks_buf_puts(&b, "|");
    assert_int_equal(ks_base64_decode(&b, "YmFy", 4, KS_B64_STD, NULL), 0);
    assert_string_equal(b.data, "data:Zm9v|bar");
    /* A failed decode leaves the buffer as it was. */
    assert_int_equal(ks_base64_decode(&b, "Y!Fy", 4, KS_B64_STD, NULL), KS_EPARSE);
    assert_string_equal(b.data, "data:Zm9v|bar");
    ks_buf_free(&b);
}

static void test_buffer_limit(void **state)
{
    (void)state;
    ks_buf b;
    ks_buf_init(&b, 7);
    assert_int_equal(ks_base64_encode(&b, "foobar", 6, KS_B64_STD), KS_ELIMIT);
    ks_buf_free(&b);
    ks_buf_init(&b, 4);
    assert_int_equal(ks_base64_decode(&b, "Zm9vYmFy", 8, KS_B64_STD, NULL), KS_ELIMIT);
    ks_buf_free(&b);
}

static void test_round_trip_random(void **state)
{
    (void)state;
    static const unsigned variants[] = {KS_B64_STD, KS_B64_URL, KS_B64_STD | KS_B64_NOPAD,
                                        KS_B64_URL | KS_B64_NOPAD};
    static unsigned char data[1200];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof(data); i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (unsigned char)x;
    }
    for (size_t n = 0; n < sizeof(data); n += (n < 70 ? 1 : 37)) {
        for (size_t v = 0; v < 4; v++) {
            ks_buf e = KS_BUF_INIT, d = KS_BUF_INIT;
            assert_int_equal(ks_base64_encode(&e, data + 3, n, variants[v]), 0);
            size_t want = (variants[v] & KS_B64_NOPAD) ? (n * 8 + 5) / 6 : (n + 2) / 3 * 4;
            assert_int_equal(e.len, want);
            assert_int_equal(ks_base64_decode(&d, ks_buf_cstr(&e), e.len, variants[v], NULL), 0);
            assert_int_equal(d.len, n);
            if (n)
                assert_memory_equal(d.data, data + 3, n);
            ks_buf_free(&e);
            ks_buf_free(&d);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rfc4648_encode),
            cmocka_unit_test(test_rfc4648_decode),
            cmocka_unit_test(test_alphabets),
            cmocka_unit_test(test_rejects_foreign_characters),
            cmocka_unit_test(test_rejects_bad_padding),
            cmocka_unit_test(test_rejects_nonzero_trailing_bits),
            cmocka_unit_test(test_line_breaks_skipped),
            cmocka_unit_test(test_appends_to_buffer),
            cmocka_unit_test(test_buffer_limit),
            cmocka_unit_test(test_round_trip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
