/* Unit tests for core/digest: SHA-256 against the FIPS 180-2 examples and
 * hex encoding. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/digest.h"
#include "core/mem.h"

#define EMPTY_SHA  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MSG448     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG448_SHA "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define MSG896                                                                                \
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopq" \
    "rlmnopqrsmnopqrstnopqrstu"
#define MSG896_SHA    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
#define MILLION_A_SHA "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void check_hex(const void *data, size_t n, const char *want)
{
    char hex[KS_SHA256_HEXLEN + 1];
    memset(hex, '#', sizeof(hex));
    ks_sha256_hex(data, n, hex);
    assert_string_equal(hex, want);
}

static void test_fips_vectors_one_shot(void **state)
{
    (void)state;
    check_hex("", 0, EMPTY_SHA);
    check_hex(NULL, 0, EMPTY_SHA);
    check_hex("abc", 3, ABC_SHA);
    check_hex(MSG448, strlen(MSG448), MSG448_SHA);
    check_hex(MSG896, strlen(MSG896), MSG896_SHA);
    char *a = ks_xmalloc(1000000);
    memset(a, 'a', 1000000);
    check_hex(a, 1000000, MILLION_A_SHA);
    ks_xfree(a);
}

static void test_digest_bytes(void **state)
{
    (void)state;
    uint8_t d[KS_SHA256_LEN];
    ks_sha256_digest("abc", 3, d);
    static const uint8_t want[KS_SHA256_LEN] = {
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
            0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
            0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    assert_memory_equal(d, want, KS_SHA256_LEN);
}

static void test_incremental_matches(void **state)
{
    (void)state;
    /* One million 'a' in uneven pieces, crossing block boundaries. */
    static char chunk[4099];
    memset(chunk, 'a', sizeof(chunk));
    ks_sha256 ctx;
    ks_sha256_init(&ctx);
    size_t left = 1000000, step = 1;
    while (left) {
        size_t n = step < left ? step : left;
        ks_sha256_update(&ctx, chunk, n);
        left -= n;
        step = step * 3 % sizeof(chunk) + 1;
    }
    uint8_t d[KS_SHA256_LEN];
    ks_sha256_final(&ctx, d);
    char hex[KS_SHA256_HEXLEN + 1];
    ks_hex_encode(d, sizeof(d), hex);
    assert_string_equal(hex, MILLION_A_SHA);

    /* Byte by byte, and with empty updates in between. */
    ks_sha256_init(&ctx);
    for (const char *p = MSG448; *p; p++) {
        ks_sha256_update(&ctx, p, 1);
        ks_sha256_update(&ctx, p, 0);
    }
    ks_sha256_final(&ctx, d);
    ks_hex_encode(d, sizeof(d), hex);
    assert_string_equal(hex, MSG448_SHA);

    /* No update at all: the empty message. */
    ks_sha256_init(&ctx);
    ks_sha256_final(&ctx, d);
    ks_hex_encode(d, sizeof(d), hex);
    assert_string_equal(hex, EMPTY_SHA);
}

static void test_hex_encode(void **state)
{
    (void)state;
    char out[16];
    memset(out, '#', sizeof(out));
    ks_hex_encode(NULL, 0, out);
    assert_string_equal(out, "");
    static const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    ks_hex_encode(in, sizeof(in), out);
    assert_string_equal(out, "00017f80abff");

    /* Every byte value, at every position of the four-byte groups and in
     * the tail, against printf. */
    uint8_t all[259];
    for (size_t i = 0; i < sizeof(all); i++)
        all[i] = (uint8_t)(i * 7 + 3);
    char got[2 * sizeof(all) + 1], want[2 * sizeof(all) + 1];
    for (size_t n = 0; n <= sizeof(all); n += (n < 12 ? 1 : 61)) {
        for (size_t off = 0; off < 4 && off + n <= sizeof(all); off++) {
            memset(got, '#', sizeof(got));
            ks_hex_encode(all + off, n, got);
            for (size_t i = 0; i < n; i++)
                snprintf(want + 2 * i, 3, "%02x", all[off + i]);
            want[2 * n] = '\0';
            assert_string_equal(got, want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fips_vectors_one_shot),
            cmocka_unit_test(test_digest_bytes),
            cmocka_unit_test(test_incremental_matches),
            cmocka_unit_test(test_hex_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
