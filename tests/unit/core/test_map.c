/* Unit tests for core/map: insert, lookup, deletion (backward shift), growth
 * and iteration, checked against a plain reference model. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/map.h"
#include "core/mem.h"

#define VAL(i) ((void *)(uintptr_t)((i) + 1))

static uint32_t rng_state;

static uint32_t rng(void)
{
    /* xorshift32, fixed seed per test: reproducible. */
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* Every occupied slot is reachable from its home slot without crossing an
 * empty one: the property backward-shift deletion must keep. */
static void check_probe_runs(const ks_map *m)
{
    size_t used = 0;
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->slots[j].hash)
            continue;
        used++;
        size_t mask = m->cap - 1;
        for (size_t k = m->slots[j].hash & mask; k != j; k = (k + 1) & mask)
            assert_true(m->slots[k].hash != 0);
    }
    assert_int_equal(used, m->count);
    if (m->cap)
        assert_true(m->count * 4 <= m->cap * 3);
}

static void test_empty_map(void **state)
{
    (void)state;
    ks_map m;
    ks_map_init(&m);
    assert_null(ks_map_get(&m, "a", 1));
    assert_null(ks_map_find(&m, "", 0));
    void *v = VAL(5);
    assert_false(ks_map_del(&m, "a", 1, &v));
    assert_ptr_equal(v, VAL(5)); /* untouched when absent */
    size_t it = 0;
    assert_null(ks_map_next(&m, &it));
    ks_map_free(&m);
    ks_map_free(&m); /* twice is fine: free leaves an empty map */
}

static void test_put_get_replace_del(void **state)
{
    (void)state;
    ks_map m;
    ks_map_init(&m);
    assert_null(ks_map_put(&m, "alpha", 5, VAL(1)));
    assert_null(ks_map_put(&m, "beta", 4, VAL(2)));
    assert_int_equal(m.count, 2);
    assert_ptr_equal(ks_map_get(&m, "alpha", 5), VAL(1));
    assert_ptr_equal(ks_map_get(&m, "beta", 4), VAL(2));
    assert_null(ks_map_get(&m, "alph", 4));
    assert_null(ks_map_get(&m, "alphax", 6));

    /* Replacing returns the old value and keeps the count. */
    assert_ptr_equal(ks_map_put(&m, "alpha", 5, VAL(10)), VAL(1));
    assert_int_equal(m.count, 2);
    assert_ptr_equal(ks_map_get(&m, "alpha", 5), VAL(10));

    /* The key is compared by bytes, not by pointer. */
    char other[] = "alpha";
    assert_ptr_equal(ks_map_get(&m, other, 5), VAL(10));

    void *old = NULL;
    assert_true(ks_map_del(&m, "alpha", 5, &old));
    assert_ptr_equal(old, VAL(10));
    assert_int_equal(m.count, 1);
    assert_null(ks_map_get(&m, "alpha", 5));
    assert_false(ks_map_del(&m, "alpha", 5, NULL));
    assert_true(ks_map_del(&m, "beta", 4, NULL));
    assert_int_equal(m.count, 0);
    ks_map_free(&m);
}

static void test_binary_and_empty_keys(void **state)
{
    (void)state;
    ks_map m;
    ks_map_init(&m);
    ks_map_put(&m, "", 0, VAL(0));
    ks_map_put(&m, "a", 1, VAL(1));
    ks_map_put(&m, "a\0", 2, VAL(2));
    ks_map_put(&m, "a\0b", 3, VAL(3));
    ks_map_put(&m, "\0", 1, VAL(4));
    assert_int_equal(m.count, 5);
    assert_ptr_equal(ks_map_get(&m, "", 0), VAL(0));
    assert_ptr_equal(ks_map_get(&m, "a", 1), VAL(1));
    assert_ptr_equal(ks_map_get(&m, "a\0", 2), VAL(2));
    assert_ptr_equal(ks_map_get(&m, "a\0b", 3), VAL(3));
    assert_ptr_equal(ks_map_get(&m, "\0", 1), VAL(4));
    assert_null(ks_map_get(&m, "a\0c", 3));
    /* NULL value is a value: get cannot tell, find can. */
    ks_map_put(&m, "nil", 3, NULL);
    assert_null(ks_map_get(&m, "nil", 3));
    assert_non_null(ks_map_find(&m, "nil", 3));
    ks_map_free(&m);
}

static void test_upsert(void **state)
{
    (void)state;
    ks_map m;
    ks_map_init(&m);
    char tmp[] = "key";
    bool created = false;
    ks_map_entry *e = ks_map_upsert(&m, tmp, 3, &created);
    assert_true(created);
    assert_null(e->val);
    assert_int_equal(e->len, 3);
    assert_ptr_equal(e->key, tmp);
    /* The caller may point the entry at a durable copy. */
    static const char durable[] = "key";
    e->key = durable;
    e->val = VAL(7);
    memcpy(tmp, "zzz", 3);

    e = ks_map_upsert(&m, "key", 3, &created);
    assert_false(created);
    assert_ptr_equal(e->key, durable);
    assert_ptr_equal(e->val, VAL(7));
    assert_int_equal(m.count, 1);
    assert_non_null(ks_map_upsert(&m, "other", 5, NULL)); /* created may be NULL */
    assert_int_equal(m.count, 2);
    ks_map_free(&m);
}

static void test_growth_many_keys(void **state)
{
    (void)state;
    enum { N = 20000 };
    size_t heap0 = ks_mem_current(&ks_mem_heap);
    static char keys[N][12];
    ks_map m;
    ks_map_init(&m);
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        assert_null(ks_map_put(&m, keys[i], strlen(keys[i]), VAL(i)));
        assert_int_equal(m.count, (size_t)i + 1);
    }
    assert_true((m.cap & (m.cap - 1)) == 0);
    check_probe_runs(&m);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(ks_map_get(&m, keys[i], strlen(keys[i])), VAL(i));
    assert_null(ks_map_get(&m, "k20000", 6));
    assert_true(ks_mem_current(&ks_mem_heap) > heap0);
    ks_map_free(&m);
    assert_int_equal(ks_mem_current(&ks_mem_heap), heap0);
}

static void test_iteration_visits_each_once(void **state)
{
    (void)state;
    enum { N = 3000 };
    static char keys[N][12];
    static int seen[N];
    ks_map m;
    ks_map_init(&m);
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "%d", i);
        ks_map_put(&m, keys[i], strlen(keys[i]), VAL(i));
    }
    for (int i = 0; i < N; i += 3)
        assert_true(ks_map_del(&m, keys[i], strlen(keys[i]), NULL));
    memset(seen, 0, sizeof(seen));
    size_t visited = 0;
    ks_map_entry *e;
    for (size_t it = 0; (e = ks_map_next(&m, &it));) {
        int i = (int)((uintptr_t)e->val - 1);
        assert_in_range(i, 0, N - 1);
        assert_memory_equal(e->key, keys[i], e->len);
        seen[i]++;
        visited++;
    }
    assert_int_equal(visited, m.count);
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], i % 3 ? 1 : 0);
    ks_map_free(&m);
}

static void test_clear_keeps_capacity(void **state)
{
    (void)state;
    ks_map m;
    ks_map_init(&m);
    char keys[100][8];
    for (int i = 0; i < 100; i++) {
        snprintf(keys[i], sizeof(keys[i]), "c%d", i);
        ks_map_put(&m, keys[i], strlen(keys[i]), VAL(i));
    }
    size_t cap = m.cap;
    ks_map_clear(&m);
    assert_int_equal(m.count, 0);
    assert_int_equal(m.cap, cap);
    for (int i = 0; i < 100; i++)
        assert_null(ks_map_find(&m, keys[i], strlen(keys[i])));
    size_t it = 0;
    assert_null(ks_map_next(&m, &it));
    ks_map_put(&m, keys[5], strlen(keys[5]), VAL(5));
    assert_ptr_equal(ks_map_get(&m, keys[5], strlen(keys[5])), VAL(5));
    assert_null(ks_map_get(&m, keys[6], strlen(keys[6])));
    ks_map_free(&m);
}

/* Full small tables, emptied in random orders: dense clusters and runs that
 * wrap around the end of the slot array, where backward shift is subtle. */
static void test_delete_in_dense_tables(void **state)
{
    (void)state;
    rng_state = 0x12345678u;
    char keys[12][24];
    for (int round = 0; round < 2000; round++) {
        ks_map m;
        ks_map_init(&m);
        int n = 12; /* 3/4 of 16 slots */
        for (int i = 0; i < n; i++) {
            snprintf(keys[i], sizeof(keys[i]), "%d.%d.%u", round, i, rng() % 1000);
            assert_null(ks_map_put(&m, keys[i], strlen(keys[i]), VAL(i)));
        }
        assert_int_equal(m.cap, 16);
        check_probe_runs(&m);
        int order[12];
        for (int i = 0; i < n; i++)
            order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int)(rng() % (uint32_t)(i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < n; k++) {
            const char *key = keys[order[k]];
            void *v = NULL;
            assert_true(ks_map_del(&m, key, strlen(key), &v));
            assert_ptr_equal(v, VAL(order[k]));
            assert_null(ks_map_find(&m, key, strlen(key)));
            check_probe_runs(&m);
            /* Every key not yet deleted is still found. */
            for (int r = k + 1; r < n; r++) {
                const char *live = keys[order[r]];
                assert_non_null(ks_map_find(&m, live, strlen(live)));
            }
        }
        assert_int_equal(m.count, 0);
        ks_map_free(&m);
    }
}

static void test_random_ops_against_reference(void **state)
{
    (void)state;
    enum { KEYS = 700, OPS = 60000 };
    static char keys[KEYS][16];
    static bool present[KEYS];
    static uintptr_t value[KEYS];
    memset(present, 0, sizeof(present));
    rng_state = 0xC0FFEEu;
    for (int i = 0; i < KEYS; i++)
        snprintf(keys[i], sizeof(keys[i]), "key/%d", i * 7919);
    ks_map m;
    ks_map_init(&m);
    size_t live = 0;
    for (int op = 0; op < OPS; op++) {
        /* Phases bias towards inserting or deleting so the load swings
         * from empty to full and back. */
        bool insert_phase = (op / 5000) % 2 == 0;
        uint32_t r = rng();
        int k = (int)(r % KEYS);
        uint32_t what = (r >> 16) % 10;
        const char *key = keys[k];
        size_t len = strlen(key);
        if (what < (insert_phase ? 6u : 2u)) {
            uintptr_t v = ((uintptr_t)op << 1) | 1;
            void *old = ks_map_put(&m, key, len, (void *)v);
            assert_ptr_equal(old, present[k] ? (void *)value[k] : NULL);
            if (!present[k])
                live++;
            present[k] = true;
            value[k] = v;
        } else if (what < 8) {
            void *old = NULL;
            bool had = ks_map_del(&m, key, len, &old);
            assert_int_equal(had, present[k]);
            if (had) {
                assert_ptr_equal(old, (void *)value[k]);
                live--;
            }
            present[k] = false;
        } else {
            void *got = ks_map_get(&m, key, len);
            assert_ptr_equal(got, present[k] ? (void *)value[k] : NULL);
        }
        assert_int_equal(m.count, live);
        if (op % 1000 == 999) {
            check_probe_runs(&m);
            for (int i = 0; i < KEYS; i++) {
                ks_map_entry *e = ks_map_find(&m, keys[i], strlen(keys[i]));
                if (present[i]) {
                    assert_non_null(e);
                    assert_ptr_equal(e->val, (void *)value[i]);
                    assert_ptr_equal(e->key, keys[i]);
                } else {
                    assert_null(e);
                }
            }
            size_t visited = 0;
            ks_map_entry *e;
            for (size_t it = 0; (e = ks_map_next(&m, &it));)
                visited++;
            assert_int_equal(visited, live);
        }
    }
    ks_map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_empty_map),
            cmocka_unit_test(test_put_get_replace_del),
            cmocka_unit_test(test_binary_and_empty_keys),
            cmocka_unit_test(test_upsert),
            cmocka_unit_test(test_growth_many_keys),
            cmocka_unit_test(test_iteration_visits_each_once),
            cmocka_unit_test(test_clear_keeps_capacity),
            cmocka_unit_test(test_delete_in_dense_tables),
            cmocka_unit_test(test_random_ops_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
