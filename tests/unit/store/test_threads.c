/* Many threads at once: writers of their own objects, a batch writer,
 * writers contending on one object with optimistic concurrency, readers
 * listing and getting, and a watcher that must see every revision once, in
 * order. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

#define RES "networkneighborhoods"
#define NW  4  /* writers of their own objects */
#define NO  30 /* objects per writer */
#define NR  3  /* readers */

static kstore *S;
static atomic_ulong writes;    /* successful writes (each took a revision) */
static atomic_ulong conflicts; /* stale-RV updates refused */
static atomic_bool writers_done;

static kv_value mk(ks_arena *a, const char *ns, const char *name, long gen)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b,
                  "{\"kind\":\"NetworkNeighborhood\",\"metadata\":{\"name\":\"%s\","
                  "\"namespace\":\"%s\"},\"spec\":{\"gen\":%ld}}",
                  name, ns, gen);
    kv_value v = tu_json(a, ks_buf_cstr(&b));
    ks_buf_free(&b);
    return v;
}

static void *own_writer(void *arg)
{
    long t = (long)(intptr_t)arg;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    const char *ns = t % 2 ? "odd" : "even";
    uint64_t rvs[NO];
    char name[32];
    ks_error err;
    kstore_result r;
    for (int i = 0; i < NO; i++) {
        snprintf(name, sizeof(name), "w%ld-%d", t, i);
        kv_value v = mk(&a, ns, name, 0);
        assert_int_equal(kstore_create(S, RES, ns, name, &v, &r, &err), 0);
        rvs[i] = r.rv;
        atomic_fetch_add(&writes, 1);
    }
    for (int i = 0; i < NO; i++) {
        snprintf(name, sizeof(name), "w%ld-%d", t, i);
        kv_value v = mk(&a, ns, name, 1);
        assert_int_equal(kstore_update(S, RES, ns, name, &v, rvs[i], &r, &err), 0);
        assert_true(r.rv > rvs[i]);
        atomic_fetch_add(&writes, 1);
        if (i % 3 == 0) {
            assert_int_equal(kstore_delete(S, RES, ns, name, r.rv, &r, &err), 0);
            atomic_fetch_add(&writes, 1);
        }
        ks_arena_reset(&a);
    }
    ks_arena_free(&a);
    return NULL;
}

static void *batch_writer(void *arg)
{
    (void)arg;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    char name[32];
    ks_error err;
    for (int b = 0; b < 6; b++) {
        assert_int_equal(kstore_batch_begin(S, &err), 0);
        for (int i = 0; i < 10; i++) {
            snprintf(name, sizeof(name), "batch%d-%d", b, i);
            kv_value v = mk(&a, "batch", name, b);
            assert_int_equal(kstore_create(S, RES, "batch", name, &v, NULL, &err), 0);
        }
        assert_int_equal(kstore_batch_commit(S, &err), 0);
        atomic_fetch_add(&writes, 10);
        ks_arena_reset(&a);
    }
    ks_arena_free(&a);
    return NULL;
}

/* Read-modify-write of one shared object, retried on conflict. */
static void *contender(void *arg)
{
    (void)arg;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_error err;
    for (int done = 0; done < 20;) {
        kv_value cur;
        uint64_t rv;
        assert_int_equal(kstore_get(S, RES, "even", "shared", false, &a, &cur, &rv, &err), 0);
        int64_t gen;
        assert_true(kv_num_int64(kv_path(&cur, "spec.gen"), &gen));
        kv_value v = mk(&a, "even", "shared", (long)gen + 1);
        kstore_result r;
        int rc = kstore_update(S, RES, "even", "shared", &v, rv, &r, &err);
        if (rc == KS_EEXIST) {
            assert_true(r.conflict);
            atomic_fetch_add(&conflicts, 1);
        } else {
            assert_int_equal(rc, 0);
            atomic_fetch_add(&writes, 1);
            done++;
        }
        ks_arena_reset(&a);
    }
    ks_arena_free(&a);
    return NULL;
}

typedef struct list_check {
    char seen[NW * NO + 100][32];
    size_t n;
    uint64_t last_seq;
} list_check;

static int check_item(void *ctx, const kstore_item *it)
{
    list_check *c = ctx;
    assert_true(it->seq > c->last_seq);
    c->last_seq = it->seq;
    char rvs[48];
    snprintf(rvs, sizeof(rvs), "\"resourceVersion\":\"%llu\"", (unsigned long long)it->rv);
    assert_non_null(strstr(it->json, rvs));
    assert_true(c->n < sizeof(c->seen) / sizeof(c->seen[0]));
    snprintf(c->seen[c->n++], sizeof(c->seen[0]), "%s/%s", it->ns, it->name);
    return 0;
}

static void *reader(void *arg)
{
    long t = (long)(intptr_t)arg;
    list_check *c = ks_xmalloc(sizeof(*c));
    ks_error err;
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    unsigned rounds = 0;
    while (!atomic_load(&writers_done) || rounds < 3) {
        c->n = 0;
        c->last_seq = 0;
        kstore_list_opts lo = {.meta_only = (rounds + (unsigned)t) % 2 == 0,
                               .ns = t == 2 ? "odd" : NULL};
        assert_int_equal(kstore_list(S, RES, &lo, check_item, c, NULL, &err), 0);
        for (size_t i = 1; i < c->n; i++) /* no object twice in one walk */
            for (size_t j = 0; j < i; j++)
                assert_string_not_equal(c->seen[i], c->seen[j]);
        char name[32];
        snprintf(name, sizeof(name), "w%u-%u", rounds % NW, rounds % NO);
        kv_value v;
        uint64_t rv;
        int rc = kstore_get(S, RES, rounds % 2 ? "odd" : "even", name, rounds % 3 == 0, &a, &v, &rv,
                            &err);
        assert_true(rc == 0 || rc == KS_ENOENT);
        ks_arena_reset(&a);
        rounds++;
    }
    ks_arena_free(&a);
    ks_xfree(c);
    return NULL;
}

typedef struct watcher {
    kstore_watch *w;
    atomic_ullong until_atomic;
    uint64_t seen;
    bool contiguous;
} watcher;

static void *watch_all(void *arg)
{
    watcher *wt = arg;
    uint64_t last = 0;
    wt->contiguous = true;
    for (;;) {
        kstore_event ev;
        int rc = kstore_watch_next(wt->w, 50, &ev);
        if (rc == KSTORE_WATCH_TIMEOUT) {
            uint64_t until = atomic_load(&wt->until_atomic);
            if (until && last >= until)
                break;
            continue;
        }
        assert_int_equal(rc, KSTORE_WATCH_EVENT);
        if (ev.rv != last + 1)
            wt->contiguous = false;
        last = ev.rv;
        wt->seen++;
        kstore_event_release(&ev);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_error err;
    assert_int_equal(kstore_open(&(kstore_opts){.dir = dir, .max_readers = 2}, &S, &err), 0);
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    watcher wt = {0};
    assert_int_equal(kstore_watch_open(S, RES, NULL, 0, &wt.w, &err), 0);
    kv_value v = mk(&a, "even", "shared", 0);
    assert_int_equal(kstore_create(S, RES, "even", "shared", &v, NULL, &err), 0);
    atomic_store(&writes, 1);

    pthread_t th[NW + 1 + 3 + NR + 1];
    size_t n = 0;
    for (long t = 0; t < NW; t++)
        assert_int_equal(pthread_create(&th[n++], NULL, own_writer, (void *)(intptr_t)t), 0);
    assert_int_equal(pthread_create(&th[n++], NULL, batch_writer, NULL), 0);
    for (int t = 0; t < 3; t++)
        assert_int_equal(pthread_create(&th[n++], NULL, contender, NULL), 0);
    size_t nwriters = n;
    pthread_t rd[NR], wth;
    for (long t = 0; t < NR; t++)
        assert_int_equal(pthread_create(&rd[t], NULL, reader, (void *)(intptr_t)t), 0);
    assert_int_equal(pthread_create(&wth, NULL, watch_all, &wt), 0);
    for (size_t i = 0; i < nwriters; i++)
        pthread_join(th[i], NULL);
    atomic_store(&writers_done, true);
    for (int t = 0; t < NR; t++)
        pthread_join(rd[t], NULL);
    uint64_t total = atomic_load(&writes);
    assert_int_equal(kstore_revision(S), total);
    kstore_stats st;
    kstore_stats_get(S, &st);
    assert_int_equal(st.writes, total);
    assert_true(st.commits >= 6 && st.commits <= total);
    assert_true(st.readers >= 1 && st.readers <= 2);
    atomic_store(&wt.until_atomic, total);
    pthread_join(wth, NULL);
    assert_int_equal(wt.seen, total);
    assert_true(wt.contiguous);
    kstore_watch_close(wt.w);

    /* the final state */
    uint64_t cnt;
    assert_int_equal(kstore_count(S, RES, NULL, &cnt, &err), 0);
    assert_int_equal(cnt, NW * (NO - (NO + 2) / 3) + 60 + 1);
    kv_value cur;
    assert_int_equal(kstore_get(S, RES, "even", "shared", false, &a, &cur, NULL, &err), 0);
    int64_t gen;
    assert_true(kv_num_int64(kv_path(&cur, "spec.gen"), &gen));
    assert_int_equal(gen, 60); /* 3 contenders x 20, none lost */
    kstore_close(S);
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
