/* Unit tests for core/hash: determinism, seeding, length sensitivity and
 * mixing quality on fixed inputs (deterministic, so never flaky). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/mem.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_deterministic_and_seeded(void **state)
{
    (void)state;
    const char *s = "the quick brown fox jumps over the lazy dog";
    size_t n = strlen(s);
    assert_true(ks_hash_bytes(s, n, 1) == ks_hash_bytes(s, n, 1));
    assert_true(ks_hash_bytes(s, n, 1) != ks_hash_bytes(s, n, 2));
    assert_true(ks_hash_bytes("", 0, 0) != ks_hash_bytes("", 0, 1));
    /* The bytes matter, not where they are stored. */
    char copy[64];
    memcpy(copy + 3, s, n);
    assert_true(ks_hash_bytes(copy + 3, n, 7) == ks_hash_bytes(s, n, 7));
    /* NULL is fine for an empty input. */
    assert_true(ks_hash_bytes(NULL, 0, 9) == ks_hash_bytes("x", 0, 9));
}

static void test_length_sensitive(void **state)
{
    (void)state;
    /* Every prefix of a string of zero bytes hashes differently: the tail
     * loader must not confuse lengths. */
    static const unsigned char zeros[80];
    uint64_t h[81];
    for (size_t n = 0; n <= 80; n++)
        h[n] = ks_hash_bytes(zeros, n, 0);
    qsort(h, 81, sizeof(h[0]), cmp_u64);
    for (size_t i = 1; i <= 80; i++)
        assert_true(h[i] != h[i - 1]);

    assert_true(ks_hash_bytes("a", 1, 0) != ks_hash_bytes("a\0", 2, 0));
    assert_true(ks_hash_bytes("ab", 2, 0) != ks_hash_bytes("ba", 2, 0));
    assert_true(ks_hash_bytes("abc", 3, 0) != ks_hash_bytes("acb", 3, 0));
}

static void test_reads_only_its_bytes(void **state)
{
    (void)state;
    /* Exactly-sized heap copies: ASan reports any read past the end. */
    const char *text = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP";
    for (size_t n = 0; n <= strlen(text); n++) {
        char *p = ks_xmalloc(n ? n : 1);
        memcpy(p, text, n);
        uint64_t a = ks_hash_bytes(p, n, 42);
        /* Bytes after the input do not change the hash. */
        char big[64];
        memcpy(big, text, n);
        memset(big + n, 'Z', sizeof(big) - n);
        assert_true(a == ks_hash_bytes(big, n, 42));
        ks_xfree(p);
    }
}

static void test_every_byte_matters(void **state)
{
    (void)state;
    unsigned char buf[40];
    for (size_t n = 1; n <= sizeof(buf); n++) {
        memset(buf, 0x11, sizeof(buf));
        uint64_t base = ks_hash_bytes(buf, n, 0);
        for (size_t i = 0; i < n; i++) {
            buf[i] ^= 0x01;
            assert_true(ks_hash_bytes(buf, n, 0) != base);
            buf[i] ^= 0x01;
        }
    }
}

static void test_no_collisions_on_similar_keys(void **state)
{
    (void)state;
    enum { N = 50000 };
    uint64_t *h = ks_xmalloc(N * sizeof(*h));
    char key[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "key-%d", i);
        h[i] = ks_hash_bytes(key, (size_t)n, 0);
    }
    qsort(h, N, sizeof(h[0]), cmp_u64);
    for (int i = 1; i < N; i++)
        assert_true(h[i] != h[i - 1]);
    ks_xfree(h);
}

static void test_low_bits_spread(void **state)
{
    (void)state;
    /* Hash tables use the low bits: sequential keys must fill 1024 buckets
     * evenly (expected 64 each; allow a wide margin). */
    enum { BUCKETS = 1024, N = 64 * BUCKETS };
    static unsigned count[BUCKETS];
    memset(count, 0, sizeof(count));
    for (uint32_t i = 0; i < N; i++)
        count[ks_hash_bytes(&i, sizeof(i), 0) & (BUCKETS - 1)]++;
    for (int b = 0; b < BUCKETS; b++)
        assert_in_range(count[b], 20, 120);

    memset(count, 0, sizeof(count));
    for (uint64_t i = 0; i < N; i++)
        count[ks_hash_u64(i) & (BUCKETS - 1)]++;
    for (int b = 0; b < BUCKETS; b++)
        assert_in_range(count[b], 20, 120);
}

static void test_avalanche(void **state)
{
    (void)state;
    /* Flipping one input bit flips about half of the output bits. */
    unsigned char buf[24];
    uint64_t total = 0, samples = 0;
    for (int round = 0; round < 64; round++) {
        for (size_t i = 0; i < sizeof(buf); i++)
            buf[i] = (unsigned char)(round * 31 + i * 7);
        for (size_t len = 1; len <= sizeof(buf); len += 5) {
            uint64_t base = ks_hash_bytes(buf, len, 0);
            for (size_t bit = 0; bit < len * 8; bit++) {
                buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
                uint64_t d = base ^ ks_hash_bytes(buf, len, 0);
                buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
                int flipped = __builtin_popcountll(d);
                assert_true(flipped >= 4); /* never a near miss */
                total += (uint64_t)flipped;
                samples++;
            }
        }
    }
    double mean = (double)total / (double)samples;
    assert_true(mean > 30.0 && mean < 34.0);
}

static void test_combine_and_u64(void **state)
{
    (void)state;
    uint64_t a = ks_hash_bytes("a", 1, 0), b = ks_hash_bytes("b", 1, 0);
    assert_true(ks_hash_combine(a, b) != ks_hash_combine(b, a)); /* order matters */
    assert_true(ks_hash_combine(a, b) == ks_hash_combine(a, b));
    assert_true(ks_hash_combine(a, a) != ks_hash_combine(b, b));
    assert_true(ks_hash_u64(0) != ks_hash_u64(1));
    uint64_t h[1000];
    for (uint64_t i = 0; i < 1000; i++)
        h[i] = ks_hash_u64(i);
    qsort(h, 1000, sizeof(h[0]), cmp_u64);
    for (int i = 1; i < 1000; i++)
        assert_true(h[i] != h[i - 1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_deterministic_and_seeded),
            cmocka_unit_test(test_length_sensitive),
            cmocka_unit_test(test_reads_only_its_bytes),
            cmocka_unit_test(test_every_byte_matters),
            cmocka_unit_test(test_no_collisions_on_similar_keys),
            cmocka_unit_test(test_low_bits_spread),
            cmocka_unit_test(test_avalanche),
            cmocka_unit_test(test_combine_and_u64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
