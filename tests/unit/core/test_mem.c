/* Unit tests for core/mem: accounts, heap helpers and their accounting. */
#include "testutil.h"

#include <pthread.h>
#include <string.h>

#include "core/mem.h"

static void test_account_charge_release_peak(void **state)
{
    (void)state;
    static KS_MEM_ACCOUNT(acct, "test-charge");
    assert_int_equal(ks_mem_current(&acct), 0);
    assert_int_equal(ks_mem_peak(&acct), 0);

    ks_mem_charge(&acct, 100);
    ks_mem_charge(&acct, 50);
    assert_int_equal(ks_mem_current(&acct), 150);
    assert_int_equal(ks_mem_peak(&acct), 150);

    ks_mem_release(&acct, 120);
    assert_int_equal(ks_mem_current(&acct), 30);
    assert_int_equal(ks_mem_peak(&acct), 150);

    /* A new high raises the peak; staying under it does not. */
    ks_mem_charge(&acct, 100);
    assert_int_equal(ks_mem_current(&acct), 130);
    assert_int_equal(ks_mem_peak(&acct), 150);
    ks_mem_charge(&acct, 100);
    assert_int_equal(ks_mem_peak(&acct), 230);

    ks_mem_release(&acct, 230);
    assert_int_equal(ks_mem_current(&acct), 0);
    assert_int_equal(ks_mem_peak(&acct), 230);
    assert_int_equal(atomic_load(&acct.total), 350);
}

static void test_null_account_is_heap(void **state)
{
    (void)state;
    size_t before = ks_mem_current(&ks_mem_heap);
    ks_mem_charge(NULL, 64);
    assert_int_equal(ks_mem_current(&ks_mem_heap), before + 64);
    ks_mem_release(NULL, 64);
    assert_int_equal(ks_mem_current(&ks_mem_heap), before);
}

struct seen {
    const ks_mem_account *want;
    int hits;
    int heap_hits;
};

static void count_account(const ks_mem_account *acct, void *ctx)
{
    struct seen *s = ctx;
    if (acct == s->want)
        s->hits++;
    if (acct == &ks_mem_heap)
        s->heap_hits++;
}

static void test_foreach_lists_charged_accounts_once(void **state)
{
    (void)state;
    static KS_MEM_ACCOUNT(acct, "test-foreach");
    struct seen s = {.want = &acct};
    ks_mem_foreach(count_account, &s);
    assert_int_equal(s.hits, 0); /* never charged: not listed */

    ks_mem_charge(&acct, 1);
    ks_mem_charge(&acct, 1);
    ks_mem_release(&acct, 2);
    s = (struct seen){.want = &acct};
    ks_mem_foreach(count_account, &s);
    assert_int_equal(s.hits, 1);
    assert_string_equal(acct.name, "test-foreach");

    /* Released to zero, it stays registered. */
    s = (struct seen){.want = &acct};
    ks_mem_foreach(count_account, &s);
    assert_int_equal(s.hits, 1);
}

static void test_xmalloc_accounting_returns_to_start(void **state)
{
    (void)state;
    size_t before = ks_mem_current(&ks_mem_heap);
    char *p = ks_xmalloc(1000);
    assert_non_null(p);
    memset(p, 'x', 1000);
    assert_true(ks_mem_current(&ks_mem_heap) >= before + 1000);
    assert_true(ks_mem_peak(&ks_mem_heap) >= before + 1000);

    p = ks_xrealloc(p, 100000);
    assert_true(ks_mem_current(&ks_mem_heap) >= before + 100000);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(p[i], 'x'); /* realloc keeps the content */

    p = ks_xrealloc(p, 10);
    assert_true(ks_mem_current(&ks_mem_heap) < before + 1000);
    ks_xfree(p);
    assert_int_equal(ks_mem_current(&ks_mem_heap), before);

    ks_xfree(NULL); /* allowed, changes nothing */
    assert_int_equal(ks_mem_current(&ks_mem_heap), before);
}

static void test_xmalloc_zero_and_realloc_null(void **state)
{
    (void)state;
    size_t before = ks_mem_current(&ks_mem_heap);
    void *p = ks_xmalloc(0);
    assert_non_null(p);
    void *q = ks_xrealloc(NULL, 16);
    assert_non_null(q);
    memset(q, 0, 16);
    void *r = ks_xcalloc(0, 0);
    assert_non_null(r);
    ks_xfree(p);
    ks_xfree(q);
    ks_xfree(r);
    assert_int_equal(ks_mem_current(&ks_mem_heap), before);
}

static void test_xcalloc_zeroes(void **state)
{
    (void)state;
    size_t before = ks_mem_current(&ks_mem_heap);
    unsigned char *p = ks_xcalloc(333, 7);
    for (size_t i = 0; i < 333 * 7; i++)
        assert_int_equal(p[i], 0);
    assert_true(ks_mem_current(&ks_mem_heap) >= before + 333 * 7);
    ks_xfree(p);
    assert_int_equal(ks_mem_current(&ks_mem_heap), before);
}

static void test_xstrndup(void **state)
{
    (void)state;
    char *s = ks_xstrndup("hello world", 5);
    assert_string_equal(s, "hello");
    ks_xfree(s);

    s = ks_xstrndup("", 0);
    assert_string_equal(s, "");
    ks_xfree(s);

    /* Copies exactly n bytes, embedded NULs included. */
    s = ks_xstrndup("a\0b", 3);
    assert_memory_equal(s, "a\0b\0", 4);
    ks_xfree(s);
}

static void test_grow_array(void **state)
{
    (void)state;
    size_t before = ks_mem_current(&ks_mem_heap);
    size_t cap = 0;
    int *v = ks_grow_array(NULL, &cap, 1, sizeof(int));
    assert_non_null(v);
    assert_true(cap >= 1);
    size_t first = cap;

    /* Within capacity: same array, same capacity. */
    int *same = ks_grow_array(v, &cap, first, sizeof(int));
    assert_ptr_equal(same, v);
    assert_int_equal(cap, first);

    for (size_t i = 0; i < first; i++)
        v[i] = (int)i;
    v = ks_grow_array(v, &cap, 1000, sizeof(int));
    assert_true(cap >= 1000);
    for (size_t i = 0; i < first; i++)
        assert_int_equal(v[i], (int)i);
    v[999] = 999; /* the whole capacity is usable (ASan checks) */
    v[cap - 1] = 1;
    ks_xfree(v);
    assert_int_equal(ks_mem_current(&ks_mem_heap), before);
}

static KS_MEM_ACCOUNT(threads_acct, "test-threads");

static void *charge_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        ks_mem_charge(&threads_acct, 3);
        ks_mem_release(&threads_acct, 3);
    }
    ks_mem_charge(&threads_acct, 1);
    return NULL;
}

static void test_concurrent_charges_add_up(void **state)
{
    (void)state;
    enum { T = 4 };
    pthread_t th[T];
    for (int i = 0; i < T; i++)
        assert_int_equal(pthread_create(&th[i], NULL, charge_loop, NULL), 0);
    for (int i = 0; i < T; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    /* No update lost: counters are atomic. */
    assert_int_equal(ks_mem_current(&threads_acct), T);
    assert_int_equal(atomic_load(&threads_acct.total), (size_t)T * (100000 * 3 + 1));
    assert_true(ks_mem_peak(&threads_acct) >= T);
    assert_true(ks_mem_peak(&threads_acct) <= T * 3 + T);
    struct seen s = {.want = &threads_acct};
    ks_mem_foreach(count_account, &s);
    assert_int_equal(s.hits, 1); /* registered once despite the race */
    ks_mem_release(&threads_acct, T);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_account_charge_release_peak),
            cmocka_unit_test(test_null_account_is_heap),
            cmocka_unit_test(test_foreach_lists_charged_accounts_once),
            cmocka_unit_test(test_xmalloc_accounting_returns_to_start),
            cmocka_unit_test(test_xmalloc_zero_and_realloc_null),
            cmocka_unit_test(test_xcalloc_zeroes),
            cmocka_unit_test(test_xstrndup),
            cmocka_unit_test(test_grow_array),
            cmocka_unit_test(test_concurrent_charges_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
