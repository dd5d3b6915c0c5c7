/* Unit tests for core/utf8: strict decoding per RFC 3629, encoding,
 * validation and counting. A small reference decoder written from the RFC's
 * table checks every 1-, 2- and 3-byte sequence exhaustively. */
#include "testutil.h"

#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"

/* Reference: decode by bit layout, then reject what RFC 3629 forbids
 * (overlong forms, surrogates, above U+10FFFF). Returns 0 when invalid. */
static size_t ref_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t v;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        len = 2;
        v = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3;
        v = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4;
        v = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

static size_t decode(const char *s, size_t n, uint32_t *cp)
{
    return ks_utf8_decode((const unsigned char *)s, n, cp);
}

static void test_decode_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
        uint32_t cp;
    } ok[] = {
            {"\x00", 1, 0x0},
            {"\x7F", 1, 0x7F},
            {"\xC2\x80", 2, 0x80},
            {"\xDF\xBF", 2, 0x7FF},
            {"\xE0\xA0\x80", 3, 0x800},
            {"\xED\x9F\xBF", 3, 0xD7FF},
            {"\xEE\x80\x80", 3, 0xE000},
            {"\xEF\xBF\xBD", 3, 0xFFFD},
            {"\xEF\xBF\xBF", 3, 0xFFFF},
            {"\xF0\x90\x80\x80", 4, 0x10000},
            {"\xF0\x9F\x98\x80", 4, 0x1F600},
            {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
            {"\xE2\x82\xAC", 3, 0x20AC},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint32_t cp = 0xFFFFFFFF;
        assert_int_equal(decode(ok[i].s, ok[i].n, &cp), ok[i].n);
        assert_int_equal(cp, ok[i].cp);
        /* Trailing bytes after the sequence do not matter. */
        char more[8] = {0};
        memcpy(more, ok[i].s, ok[i].n);
        more[ok[i].n] = '\xBF';
        assert_int_equal(decode(more, ok[i].n + 1, &cp), ok[i].n);
        assert_int_equal(cp, ok[i].cp);
    }
}

static void test_decode_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
            {"\x80", 1},                 /* lone continuation */
            {"\xBF", 1},                 /* lone continuation */
            {"\xC0\x80", 2},             /* overlong NUL */
            {"\xC1\xBF", 2},             /* overlong U+007F */
            {"\xE0\x80\x80", 3},         /* overlong */
            {"\xE0\x9F\xBF", 3},         /* overlong U+07FF */
            {"\xED\xA0\x80", 3},         /* U+D800, surrogate */
            {"\xED\xBF\xBF", 3},         /* U+DFFF, surrogate */
            {"\xF0\x80\x80\x80", 4},     /* overlong */
            {"\xF0\x8F\xBF\xBF", 4},     /* overlong U+FFFF */
            {"\xF4\x90\x80\x80", 4},     /* U+110000 */
            {"\xF5\x80\x80\x80", 4},     /* above U+10FFFF */
            {"\xF7\xBF\xBF\xBF", 4},     /* above U+10FFFF */
            {"\xF8\x88\x80\x80\x80", 5}, /* old 5-byte form */
            {"\xFC\x84\x80\x80\x80\x80", 6},
            {"\xFE", 1},
            {"\xFF", 1},
            {"\xC2", 1},             /* truncated */
            {"\xE2\x82", 2},         /* truncated */
            {"\xF0\x9F\x98", 3},     /* truncated */
            {"\xC2\x41", 2},         /* continuation missing */
            {"\xE2\x41\xAC", 3},     /* continuation missing */
            {"\xE2\x82\x41", 3},     /* continuation missing */
            {"\xF0\x9F\x98\x41", 4}, /* continuation missing */
            {"\xF0\x9F\xC0\x80", 4}, /* lead byte where continuation expected */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t cp;
        if (decode(bad[i].s, bad[i].n, &cp) != 0)
            fail_msg("case %zu accepted", i);
    }
}

static void test_decode_truncated_reads_no_further(void **state)
{
    (void)state;
    /* A truncated sequence at the very end of a heap block: ASan would
     * report a read of the missing bytes. */
    static const char *seqs[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    for (size_t i = 0; i < 3; i++) {
        size_t full = strlen(seqs[i]);
        for (size_t n = 1; n < full; n++) {
            unsigned char *p = ks_xmalloc(n);
            memcpy(p, seqs[i], n);
            uint32_t cp;
            assert_int_equal(ks_utf8_decode(p, n, &cp), 0);
            ks_xfree(p);
        }
        unsigned char *p = ks_xmalloc(full);
        memcpy(p, seqs[i], full);
        uint32_t cp;
        assert_int_equal(ks_utf8_decode(p, full, &cp), full);
        ks_xfree(p);
    }
}

static void test_decode_exhaustive_short(void **state)
{
    (void)state;
    unsigned char s[4];
    uint32_t cp, rcp;
    /* Every 1- and 2-byte input. */
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        size_t want = ref_decode(s, 1, &rcp);
        size_t got = ks_utf8_decode(s, 1, &cp);
        assert_int_equal(got, want);
        if (want)
            assert_int_equal(cp, rcp);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            want = ref_decode(s, 2, &rcp);
            got = ks_utf8_decode(s, 2, &cp);
            assert_int_equal(got, want);
            if (want)
                assert_int_equal(cp, rcp);
        }
    }
    /* Every 3-byte input with a 3-byte lead. */
    for (unsigned a = 0xE0; a < 0xF0; a++)
        for (unsigned b = 0; b < 256; b++)
            for (unsigned c = 0; c < 256; c++) {
                s[0] = (unsigned char)a;
                s[1] = (unsigned char)b;
                s[2] = (unsigned char)c;
                size_t want = ref_decode(s, 3, &rcp);
                size_t got = ks_utf8_decode(s, 3, &cp);
                if (got != want || (want && cp != rcp))
                    fail_msg("%02x %02x %02x: got %zu want %zu", a, b, c, got, want);
            }
    /* 4-byte leads with every second byte and a few continuations. */
    static const unsigned char tails[] = {0x00, 0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    for (unsigned a = 0xF0; a < 0x100; a++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t c = 0; c < sizeof(tails); c++)
                for (size_t d = 0; d < sizeof(tails); d++) {
                    s[0] = (unsigned char)a;
                    s[1] = (unsigned char)b;
                    s[2] = tails[c];
                    s[3] = tails[d];
                    size_t want = ref_decode(s, 4, &rcp);
                    size_t got = ks_utf8_decode(s, 4, &cp);
                    if (got != want || (want && cp != rcp))
                        fail_msg("%02x %02x %02x %02x: got %zu want %zu", a, b, tails[c], tails[d],
                                 got, want);
                }
}

static void test_encode_round_trip_all_scalars(void **state)
{
    (void)state;
    char out[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        size_t n = ks_utf8_encode(cp, out);
        size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (n != want)
            fail_msg("U+%04X encoded in %zu bytes", cp, n);
        uint32_t back;
        if (decode(out, n, &back) != n || back != cp)
            fail_msg("U+%04X does not round-trip", cp);
    }
    assert_int_equal(ks_utf8_encode(0x20AC, out), 3);
    assert_memory_equal(out, "\xE2\x82\xAC", 3);
    assert_int_equal(ks_utf8_encode(0x10FFFF, out), 4);
    assert_memory_equal(out, "\xF4\x8F\xBF\xBF", 4);
    assert_int_equal(ks_utf8_encode(0, out), 1);
    assert_int_equal(out[0], 0);
}

static void test_check_offsets(void **state)
{
    (void)state;
    assert_int_equal(ks_utf8_check("", 0), 0);
    assert_true(ks_utf8_valid("", 0));
    const char *good = "plain ascii, caf\xC3\xA9, \xE2\x82\xAC and \xF0\x9F\x98\x80!";
    assert_true(ks_utf8_valid(good, strlen(good)));
    /* Embedded NUL is valid UTF-8. */
    assert_true(ks_utf8_valid("a\0b", 3));

    /* An invalid byte at every position of a long ASCII run is found at
     * its exact offset (the word-at-a-time scan must not skip it). */
    char buf[40];
    for (size_t pos = 0; pos < sizeof(buf); pos++) {
        memset(buf, 'a', sizeof(buf));
        buf[pos] = '\xFF';
        assert_int_equal(ks_utf8_check(buf, sizeof(buf)), pos);
        buf[pos] = '\x80';
        assert_int_equal(ks_utf8_check(buf, sizeof(buf)), pos);
        assert_false(ks_utf8_valid(buf, sizeof(buf)));
    }
    /* The offset is the start of the bad sequence. */
    assert_int_equal(ks_utf8_check("ab\xE2\x82", 4), 2);
    assert_int_equal(ks_utf8_check("ab\xED\xA0\x80z", 6), 2);
    assert_int_equal(ks_utf8_check("\xC3\xA9\xC0\x80", 4), 2);
    /* A valid sequence cut off by n. */
    assert_int_equal(ks_utf8_check("x\xE2\x82\xAC", 3), 1);
    assert_int_equal(ks_utf8_check("x\xE2\x82\xAC", 4), 4);
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(ks_utf8_count("", 0), 0);
    assert_int_equal(ks_utf8_count("abc", 3), 3);
    assert_int_equal(ks_utf8_count("caf\xC3\xA9", 5), 4);
    assert_int_equal(ks_utf8_count("\xE2\x82\xAC\xF0\x9F\x98\x80", 7), 2);
    /* Each invalid byte counts as one. */
    assert_int_equal(ks_utf8_count("\xFF\xFE", 2), 2);
    assert_int_equal(ks_utf8_count("\xE2\x82", 2), 2);
    assert_int_equal(ks_utf8_count("a\xED\xA0\x80z", 5), 5);
    assert_int_equal(ks_utf8_count("\xC0\x80", 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_decode_boundaries),
            cmocka_unit_test(test_decode_rejects),
            cmocka_unit_test(test_decode_truncated_reads_no_further),
            cmocka_unit_test(test_decode_exhaustive_short),
            cmocka_unit_test(test_encode_round_trip_all_scalars),
            cmocka_unit_test(test_check_offsets),
            cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
