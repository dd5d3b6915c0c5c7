/* Unit tests for core/arena: bump allocation, limits, marks, accounting. */
#include "testutil.h"

#include <string.h>

#include "core/arena.h"

static bool aligned(const void *p)
{
    return ((uintptr_t)p % KS_ARENA_ALIGN) == 0;
}

static void test_alloc_aligned_and_disjoint(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    enum { N = 2000 };
    static unsigned char *ptrs[N];
    static size_t sizes[N];
    uint32_t seed = 12345;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 200;
        ptrs[i] = ks_arena_alloc(&a, n);
        assert_non_null(ptrs[i]);
        assert_true(aligned(ptrs[i]));
        sizes[i] = n;
        memset(ptrs[i], (int)(i & 0xff), n);
    }
    /* Nothing was overwritten by a later allocation. */
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    assert_false(a.failed);
    ks_arena_free(&a);
}

static void test_alloc_bytes_is_packed(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_arena_alloc(&a, 8); /* the first chunk */
    char *p = ks_arena_alloc_bytes(&a, 3);
    char *q = ks_arena_alloc_bytes(&a, 5);
    char *r = ks_arena_alloc_bytes(&a, 1);
    assert_ptr_equal(q, p + 3);
    assert_ptr_equal(r, q + 5);
    /* An aligned allocation after odd bytes is aligned again. */
    void *s = ks_arena_alloc(&a, 8);
    assert_true(aligned(s));
    assert_true((char *)s >= r + 1);
    ks_arena_free(&a);
}

static void test_zero_size_allocations(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    /* A zero-byte request is not a failure, even on a fresh arena. */
    assert_non_null(ks_arena_alloc(&a, 0));
    assert_false(a.failed);
    ks_arena_free(&a);

    ks_arena_init(&a, NULL, 0);
    assert_non_null(ks_arena_alloc_bytes(&a, 0));
    assert_non_null(ks_arena_memdup(&a, "", 0));
    assert_non_null(ks_arena_calloc(&a, 0, 16));
    assert_false(a.failed);
    ks_arena_free(&a);
}

static void test_accounting_and_free(void **state)
{
    (void)state;
    static KS_MEM_ACCOUNT(acct, "test-arena");
    size_t heap_before = ks_mem_current(&ks_mem_heap);
    ks_arena a;
    ks_arena_init(&a, &acct, 0);
    assert_int_equal(ks_mem_current(&acct), 0);

    for (int i = 0; i < 1000; i++)
        assert_non_null(ks_arena_alloc(&a, 100));
    assert_non_null(ks_arena_alloc(&a, 1 << 20)); /* a large one too */
    assert_true(ks_mem_current(&acct) >= 1000 * 100 + (1 << 20));
    assert_int_equal(ks_mem_current(&acct), a.reserved);
    assert_true(ks_arena_used(&a) >= 1000 * 100 + (1 << 20));
    assert_true(ks_arena_used(&a) <= a.reserved);
    size_t peak = ks_mem_peak(&acct);
    assert_true(peak >= a.reserved);

    ks_arena_free(&a);
    assert_int_equal(ks_mem_current(&acct), 0);
    assert_int_equal(ks_mem_peak(&acct), peak);
    assert_int_equal(a.reserved, 0);
    assert_int_equal(ks_arena_used(&a), 0);
    /* The account and limit survive a free; the arena is reusable. */
    assert_ptr_equal(a.account, &acct);
    assert_non_null(ks_arena_alloc(&a, 10));
    assert_true(ks_mem_current(&acct) > 0);
    ks_arena_free(&a);
    assert_int_equal(ks_mem_current(&acct), 0);
    /* The arena's chunks are not charged to the heap account. */
    assert_int_equal(ks_mem_current(&ks_mem_heap), heap_before);
}

static void test_limit_returns_null_and_sets_failed(void **state)
{
    (void)state;
    static KS_MEM_ACCOUNT(acct, "test-arena-limit");
    const size_t limit = 64 * 1024;
    ks_arena a;
    ks_arena_init(&a, &acct, limit);
    size_t got = 0;
    for (;;) {
        void *p = ks_arena_alloc(&a, 100);
        if (!p)
            break;
        got += 100;
        assert_true(got < 2 * limit); /* must stop */
    }
    assert_true(a.failed);
    assert_true(a.reserved <= limit);
    assert_int_equal(ks_mem_current(&acct), a.reserved);
    /* Most of the limit was usable, not just the first chunk. */
    assert_true(got >= limit / 2);

    /* Still failing for anything that does not fit; failed stays set. */
    assert_null(ks_arena_alloc(&a, 4096));
    assert_true(a.failed);
    ks_arena_free(&a);
    assert_false(a.failed);
    assert_int_equal(ks_mem_current(&acct), 0);
}

static void test_limit_single_large_allocation(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 10000);
    assert_null(ks_arena_alloc(&a, 20000));
    assert_true(a.failed);
    assert_int_equal(a.reserved, 0);
    ks_arena_free(&a);

    ks_arena_init(&a, NULL, 10000);
    assert_null(ks_arena_alloc(&a, SIZE_MAX)); /* no overflow */
    assert_null(ks_arena_alloc(&a, SIZE_MAX - 3));
    assert_null(ks_arena_alloc_bytes(&a, SIZE_MAX));
    assert_true(a.failed);
    /* A small allocation still fits after a large one failed. */
    assert_non_null(ks_arena_alloc(&a, 16));
    ks_arena_free(&a);

    ks_arena_init(&a, NULL, 0);
    assert_null(ks_arena_alloc(&a, SIZE_MAX - 3)); /* unlimited, still no wrap */
    assert_true(a.failed);
    ks_arena_free(&a);
}

static void test_limit_near_full_uses_smaller_chunk(void **state)
{
    (void)state;
    /* Room for the first 4 KiB chunk and a bit more, not for a second
     * regular (8 KiB) chunk: a small allocation must still succeed. */
    ks_arena a;
    ks_arena_init(&a, NULL, 4096 + 1024);
    for (int i = 0; i < 4000 / 8; i++)
        assert_non_null(ks_arena_alloc(&a, 8));
    size_t before = a.reserved;
    while (a.reserved == before)
        assert_non_null(ks_arena_alloc(&a, 8));
    assert_true(a.reserved <= 4096 + 1024);
    assert_false(a.failed);
    ks_arena_free(&a);
}

static void test_large_allocation_keeps_current_chunk(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    char *p = ks_arena_alloc(&a, 16);
    char *big = ks_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    assert_true(aligned(big));
    memset(big, 0xab, 1 << 20);
    char *q = ks_arena_alloc(&a, 16);
    /* The small allocation continues the chunk the big one did not use. */
    assert_ptr_equal(q, p + 16);
    assert_true(ks_arena_used(&a) >= (1 << 20) + 32);
    ks_arena_free(&a);
}

static void test_calloc_memdup_strndup(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    /* Dirty the arena, rewind, then calloc must still zero. */
    ks_arena_mark m = ks_arena_mark_get(&a);
    memset(ks_arena_alloc(&a, 256), 0xff, 256);
    ks_arena_rewind(&a, m);
    unsigned char *z = ks_arena_calloc(&a, 32, 8);
    for (int i = 0; i < 256; i++)
        assert_int_equal(z[i], 0);

    assert_null(ks_arena_calloc(&a, SIZE_MAX / 2, 4)); /* overflow */
    assert_true(a.failed);

    const char src[] = {'a', 0, 'b', 'c'};
    char *d = ks_arena_memdup(&a, src, sizeof(src));
    assert_memory_equal(d, src, sizeof(src));
    assert_ptr_not_equal(d, src);

    char *s = ks_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    s = ks_arena_strndup(&a, "", 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    s = ks_arena_strndup(&a, "x\0y", 3);
    assert_memory_equal(s, "x\0y\0", 4);
    ks_arena_free(&a);
}

static void test_mark_rewind_releases(void **state)
{
    (void)state;
    static KS_MEM_ACCOUNT(acct, "test-arena-mark");
    ks_arena a;
    ks_arena_init(&a, &acct, 0);
    char *keep = ks_arena_strndup(&a, "keep me", 7);
    size_t reserved0 = a.reserved;
    size_t used0 = ks_arena_used(&a);
    ks_arena_mark m = ks_arena_mark_get(&a);

    char *after = ks_arena_alloc(&a, 24);
    /* Many regular chunks and several large ones. */
    for (int i = 0; i < 5000; i++)
        assert_non_null(ks_arena_alloc(&a, 200));
    for (int i = 0; i < 5; i++)
        assert_non_null(ks_arena_alloc(&a, 300000));
    assert_true(a.reserved > reserved0 + 5 * 300000);
    assert_int_equal(ks_mem_current(&acct), a.reserved);

    ks_arena_rewind(&a, m);
    assert_int_equal(a.reserved, reserved0);
    assert_int_equal(ks_mem_current(&acct), reserved0);
    assert_int_equal(ks_arena_used(&a), used0);
    assert_string_equal(keep, "keep me");
    /* Allocation resumes where the mark was taken. */
    assert_ptr_equal(ks_arena_alloc(&a, 24), after);

    /* Rewinding twice to the same mark is fine. */
    for (int i = 0; i < 100; i++)
        assert_non_null(ks_arena_alloc(&a, 1000));
    ks_arena_rewind(&a, m);
    assert_int_equal(a.reserved, reserved0);
    assert_int_equal(ks_arena_used(&a), used0);
    ks_arena_free(&a);
    assert_int_equal(ks_mem_current(&acct), 0);
}

/* rewind_keep: the chunks taken since the mark stay reserved and are reused
 * by the next allocations, so a rewind loop does not grow or churn memory. */
static void test_rewind_keep_reuses_chunks(void **state)
{
    (void)state;
    static KS_MEM_ACCOUNT(acct, "test-arena-keep");
    ks_arena a;
    ks_arena_init(&a, &acct, 0);
    char *keep = ks_arena_strndup(&a, "keep me", 7);
    size_t used0 = ks_arena_used(&a);
    ks_arena_mark m = ks_arena_mark_get(&a);
    char *after = ks_arena_alloc(&a, 24);
    for (int i = 0; i < 2000; i++)
        assert_non_null(ks_arena_alloc(&a, 200));
    assert_non_null(ks_arena_alloc(&a, 300000)); /* a large one: released */
    ks_arena_rewind_keep(&a, m);
    size_t reserved1 = a.reserved;
    assert_int_equal(ks_arena_used(&a), used0);
    assert_string_equal(keep, "keep me");
    assert_ptr_equal(ks_arena_alloc(&a, 24), after);
    /* The same work again takes no new memory. */
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 2000; i++)
            assert_non_null(ks_arena_alloc(&a, 200));
        ks_arena_rewind_keep(&a, m);
        assert_true(a.reserved <= reserved1);
    }
    assert_true(a.reserved < reserved1 + 1); /* no large chunk kept */
    assert_int_equal(ks_mem_current(&acct), a.reserved);
    ks_arena_free(&a);
    assert_int_equal(ks_mem_current(&acct), 0);
}

static void test_nested_marks(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_arena_mark m0 = ks_arena_mark_get(&a); /* empty arena */
    for (int i = 0; i < 100; i++)
        ks_arena_alloc(&a, 100);
    size_t r1 = a.reserved;
    size_t u1 = ks_arena_used(&a);
    ks_arena_mark m1 = ks_arena_mark_get(&a);
    for (int i = 0; i < 1000; i++)
        ks_arena_alloc(&a, 100);
    ks_arena_mark m2 = ks_arena_mark_get(&a);
    ks_arena_alloc(&a, 100000);
    ks_arena_rewind(&a, m2);
    ks_arena_rewind(&a, m1);
    assert_int_equal(a.reserved, r1);
    assert_int_equal(ks_arena_used(&a), u1);
    ks_arena_rewind(&a, m0);
    assert_int_equal(a.reserved, 0);
    assert_int_equal(ks_arena_used(&a), 0);
    /* The arena works after rewinding to empty. */
    char *s = ks_arena_strndup(&a, "again", 5);
    assert_string_equal(s, "again");
    ks_arena_free(&a);
}

static void test_rewind_within_limit_allows_reuse(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 32 * 1024);
    ks_arena_mark m = ks_arena_mark_get(&a);
    while (ks_arena_alloc(&a, 512))
        ;
    assert_true(a.failed);
    ks_arena_rewind(&a, m);
    /* Memory released by the rewind is available again. */
    for (int i = 0; i < 20; i++)
        assert_non_null(ks_arena_alloc(&a, 512));
    ks_arena_free(&a);
}

/* Reset keeps the regular chunks and hands the same memory out again;
 * large allocations go back to the heap; free releases the kept chunks. */
static void test_reset_reuses_chunks(void **state)
{
    (void)state;
    static KS_MEM_ACCOUNT(acct, "test-arena-reset");
    ks_arena a;
    ks_arena_init(&a, &acct, 0);
    char *first = ks_arena_alloc(&a, 64);
    assert_non_null(first);
    for (int i = 0; i < 5000; i++) /* several chunks' worth */
        assert_non_null(ks_arena_alloc(&a, 200));
    assert_non_null(ks_arena_alloc(&a, 4 << 20)); /* large: own chunk */
    size_t large_reserved = a.reserved;

    ks_arena_reset(&a);
    assert_int_equal(ks_arena_used(&a), 0);
    assert_false(a.failed);
    assert_null(a.large);
    assert_true(a.reserved < large_reserved); /* the large chunk went */
    size_t kept = a.reserved;
    assert_true(kept > 5000 * 200);
    assert_int_equal(ks_mem_current(&acct), kept);

    /* The same amount again needs no new memory. */
    for (int i = 0; i < 5000; i++) {
        char *p = ks_arena_alloc(&a, 200);
        assert_non_null(p);
        memset(p, 0xab, 200);
    }
    assert_int_equal(a.reserved, kept);
    /* More than the kept chunks hold takes new ones. */
    for (int i = 0; i < 20000; i++)
        assert_non_null(ks_arena_alloc(&a, 200));
    assert_true(a.reserved > kept);

    /* Reset twice in a row, and after a failure: the flag is cleared. */
    ks_arena_reset(&a);
    ks_arena_reset(&a);
    assert_int_equal(ks_arena_used(&a), 0);
    ks_arena_free(&a);
    assert_int_equal(ks_mem_current(&acct), 0);
    assert_int_equal(a.reserved, 0);
    (void)first;
}

/* Under a limit, kept chunks count as reserved, and a reset arena can
 * still be filled up to the limit and no further. */
static void test_reset_under_limit(void **state)
{
    (void)state;
    ks_arena a;
    ks_arena_init(&a, NULL, 256 << 10);
    size_t n = 0;
    while (ks_arena_alloc(&a, 100))
        n++;
    assert_true(a.failed);
    ks_arena_reset(&a);
    assert_false(a.failed);
    size_t m = 0;
    while (ks_arena_alloc(&a, 100))
        m++;
    assert_true(m + 64 >= n && m <= n + 64); /* about the same room again */
    assert_true(a.reserved <= a.limit);
    ks_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_alloc_aligned_and_disjoint),
            cmocka_unit_test(test_alloc_bytes_is_packed),
            cmocka_unit_test(test_zero_size_allocations),
            cmocka_unit_test(test_accounting_and_free),
            cmocka_unit_test(test_limit_returns_null_and_sets_failed),
            cmocka_unit_test(test_limit_single_large_allocation),
            cmocka_unit_test(test_limit_near_full_uses_smaller_chunk),
            cmocka_unit_test(test_large_allocation_keeps_current_chunk),
            cmocka_unit_test(test_calloc_memdup_strndup),
            cmocka_unit_test(test_mark_rewind_releases),
            cmocka_unit_test(test_rewind_keep_reuses_chunks),
            cmocka_unit_test(test_nested_marks),
            cmocka_unit_test(test_rewind_within_limit_allows_reuse),
            cmocka_unit_test(test_reset_reuses_chunks),
            cmocka_unit_test(test_reset_under_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
