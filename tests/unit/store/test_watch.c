/* The watch hub: order, filters, resume, expiry, slow watchers dropped while
 * writers go on, many watchers, cancel from another thread. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

#define RES "applicationprofiles"

typedef struct fixture {
    char *dir;
    kstore *s;
    ks_arena a;
} fixture;

static kstore *open_store(const char *dir, size_t events, size_t bytes)
{
    kstore_opts o = {.dir = dir, .watch_events = events, .watch_bytes = bytes};
    kstore *s = NULL;
    ks_error err;
    if (kstore_open(&o, &s, &err))
        fail_msg("open %s: %s", dir, err.msg);
    return s;
}

static fixture *fx_new(size_t events, size_t bytes)
{
    fixture *f = ks_xcalloc(1, sizeof(*f));
    f->dir = tu_tmpdir();
    f->s = open_store(f->dir, events, bytes);
    ks_arena_init(&f->a, NULL, 0);
    return f;
}

static void fx_free(fixture *f)
{
    kstore_close(f->s);
    tu_rmtree(f->dir);
    ks_xfree(f->dir);
    ks_arena_free(&f->a);
    ks_xfree(f);
}

static kv_value mk(ks_arena *a, const char *name, int gen)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b,
                  "{\"kind\":\"ApplicationProfile\",\"metadata\":{\"name\":\"%s\"},"
                  "\"spec\":{\"gen\":%d}}",
                  name, gen);
    kv_value v = tu_json(a, ks_buf_cstr(&b));
    ks_buf_free(&b);
    return v;
}

/* Creates or updates res/ns/name unconditionally; returns the new RV. */
static uint64_t put(fixture *f, const char *res, const char *ns, const char *name, int gen)
{
    ks_arena_reset(&f->a);
    kv_value v = mk(&f->a, name, gen);
    kstore_result r;
    ks_error err;
    int rc = kstore_create(f->s, res, ns, name, &v, &r, &err);
    if (rc == KS_EEXIST)
        rc = kstore_update(f->s, res, ns, name, &v, 0, &r, &err);
    if (rc)
        fail_msg("put %s: %s", name, err.msg);
    return r.rv;
}

static void expect(kstore_watch *w, kstore_event_type type, uint64_t rv, const char *name)
{
    kstore_event ev;
    int rc = kstore_watch_next(w, 2000, &ev);
    if (rc != KSTORE_WATCH_EVENT)
        fail_msg("expected an event for %s rv %llu, got %d", name, (unsigned long long)rv, rc);
    assert_int_equal(ev.type, type);
    assert_int_equal(ev.rv, rv);
    assert_string_equal(ev.name, name);
    char rvs[48];
    snprintf(rvs, sizeof(rvs), "\"resourceVersion\":\"%llu\"", (unsigned long long)rv);
    assert_non_null(strstr(ev.json, rvs));
    assert_non_null(strstr(ev.meta, rvs));
    assert_non_null(strstr(ev.json, "\"spec\""));
    assert_null(strstr(ev.meta, "\"spec\""));
    if (type == KSTORE_MODIFIED) { /* the replaced version's metadata, one write back */
        char prev[48];
        snprintf(prev, sizeof(prev), "\"resourceVersion\":\"%llu\"", (unsigned long long)rv);
        assert_non_null(ev.prev_meta);
        assert_null(strstr(ev.prev_meta, prev));
        assert_null(strstr(ev.prev_meta, "\"spec\""));
    } else {
        assert_null(ev.prev_meta);
    }
    kstore_event_release(&ev);
}

static void test_order_and_types(void **state)
{
    (void)state;
    fixture *f = fx_new(0, 0);
    kstore_watch *w;
    ks_error err;
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 0, &w, &err), 0);
    kstore_event ev;
    assert_int_equal(kstore_watch_next(w, 0, &ev), KSTORE_WATCH_TIMEOUT);
    assert_int_equal(kstore_watch_next(w, 20, &ev), KSTORE_WATCH_TIMEOUT);
    put(f, RES, "ns", "a", 1);
    put(f, RES, "ns", "a", 2);
    put(f, RES, "ns", "a", 2); /* no-op: no event */
    put(f, RES, "ns", "b", 1);
    assert_int_equal(kstore_delete(f->s, RES, "ns", "a", 0, NULL, &err), 0);
    expect(w, KSTORE_ADDED, 1, "a");
    expect(w, KSTORE_MODIFIED, 2, "a");
    expect(w, KSTORE_ADDED, 3, "b");
    /* DELETED carries the last state, with the deletion's RV */
    assert_int_equal(kstore_watch_next(w, 2000, &ev), KSTORE_WATCH_EVENT);
    assert_int_equal(ev.type, KSTORE_DELETED);
    assert_int_equal(ev.rv, 4);
    assert_non_null(strstr(ev.json, "\"gen\":2"));
    assert_non_null(strstr(ev.json, "\"resourceVersion\":\"4\""));
    assert_non_null(strstr(ev.meta, "\"resourceVersion\":\"4\""));
    kstore_event_release(&ev);
    assert_int_equal(kstore_watch_next(w, 0, &ev), KSTORE_WATCH_TIMEOUT);
    /* batched writes arrive at commit, in order */
    assert_int_equal(kstore_batch_begin(f->s, &err), 0);
    put(f, RES, "ns", "c", 1);
    put(f, RES, "ns", "d", 1);
    assert_int_equal(kstore_watch_next(w, 0, &ev), KSTORE_WATCH_TIMEOUT);
    assert_int_equal(kstore_batch_commit(f->s, &err), 0);
    expect(w, KSTORE_ADDED, 5, "c");
    expect(w, KSTORE_ADDED, 6, "d");
    /* an aborted batch publishes nothing */
    assert_int_equal(kstore_batch_begin(f->s, &err), 0);
    put(f, RES, "ns", "e", 1);
    kstore_batch_abort(f->s);
    assert_int_equal(kstore_watch_next(w, 0, &ev), KSTORE_WATCH_TIMEOUT);
    kstore_watch_stats st;
    kstore_watch_stats_get(f->s, &st);
    assert_int_equal(st.watchers, 1);
    assert_int_equal(st.published, 6);
    kstore_watch_close(w);
    kstore_watch_stats_get(f->s, &st);
    assert_int_equal(st.watchers, 0);
    fx_free(f);
}

static void test_filters(void **state)
{
    (void)state;
    fixture *f = fx_new(0, 0);
    kstore_watch *all, *ns1, *cl, *other;
    ks_error err;
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 0, &all, &err), 0);
    assert_int_equal(kstore_watch_open(f->s, RES, "ns1", 0, &ns1, &err), 0);
    assert_int_equal(kstore_watch_open(f->s, "knownservers", "", 0, &cl, &err), 0);
    assert_int_equal(kstore_watch_open(f->s, "sbomsyfts", NULL, 0, &other, &err), 0);
    kstore_watch *bad = all;
    assert_int_equal(kstore_watch_open(f->s, "a/b", NULL, 0, &bad, &err), KS_EINVAL);
    assert_null(bad);
    assert_int_equal(kstore_watch_open(f->s, RES, "N S", 0, &bad, &err), KS_EINVAL);
    put(f, RES, "ns1", "x", 1);
    put(f, RES, "ns2", "y", 1);
    put(f, "knownservers", "", "k", 1);
    put(f, RES, "ns1", "z", 1);
    expect(all, KSTORE_ADDED, 1, "x");
    expect(all, KSTORE_ADDED, 2, "y");
    expect(all, KSTORE_ADDED, 4, "z");
    expect(ns1, KSTORE_ADDED, 1, "x");
    expect(ns1, KSTORE_ADDED, 4, "z");
    expect(cl, KSTORE_ADDED, 3, "k");
    kstore_event ev;
    assert_int_equal(kstore_watch_next(other, 0, &ev), KSTORE_WATCH_TIMEOUT);
    assert_int_equal(kstore_watch_next(ns1, 0, &ev), KSTORE_WATCH_TIMEOUT);
    kstore_watch_close(all);
    kstore_watch_close(ns1);
    kstore_watch_close(cl);
    kstore_watch_close(other);
    fx_free(f);
}

static void test_resume_and_expiry(void **state)
{
    (void)state;
    fixture *f = fx_new(5, 0);
    ks_error err;
    for (int i = 1; i <= 4; i++)
        put(f, RES, "ns", "r", i); /* rv 1..4 */
    kstore_watch *w;
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 2, &w, &err), 0);
    expect(w, KSTORE_MODIFIED, 3, "r");
    expect(w, KSTORE_MODIFIED, 4, "r");
    kstore_watch_close(w);
    /* resuming at the current revision: only what comes next */
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 4, &w, &err), 0);
    put(f, RES, "ns", "r", 5);
    expect(w, KSTORE_MODIFIED, 5, "r");
    kstore_watch_close(w);
    /* a revision from the future: events after it only */
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 7, &w, &err), 0);
    put(f, RES, "ns", "r", 6); /* rv 6 */
    put(f, RES, "ns", "r", 7); /* rv 7 */
    put(f, RES, "ns", "r", 8); /* rv 8 */
    expect(w, KSTORE_MODIFIED, 8, "r");
    kstore_watch_close(w);
    /* the ring holds rv 4..8: from 3 is fine, from 2 is too old */
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 3, &w, &err), 0);
    expect(w, KSTORE_MODIFIED, 4, "r");
    kstore_watch_close(w);
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 2, &w, &err), KS_ERANGE);
    assert_non_null(strstr(err.msg, "too old resource version"));
    /* after a restart nothing before the open revision can be replayed */
    kstore_close(f->s);
    f->s = open_store(f->dir, 5, 0);
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 7, &w, &err), KS_ERANGE);
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 8, &w, &err), 0);
    put(f, RES, "ns", "r", 9);
    expect(w, KSTORE_MODIFIED, 9, "r");
    kstore_watch_close(w);
    fx_free(f);
}

static void test_slow_watcher_dropped(void **state)
{
    (void)state;
    fixture *f = fx_new(8, 0);
    kstore_watch *slow, *fast;
    ks_error err;
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 0, &slow, &err), 0);
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 0, &fast, &err), 0);
    put(f, RES, "ns", "s", 0);
    expect(slow, KSTORE_ADDED, 1, "s");
    /* the slow watcher holds an event the ring will evict */
    put(f, RES, "ns", "s", 1);
    kstore_event held;
    assert_int_equal(kstore_watch_next(slow, 0, &held), KSTORE_WATCH_EVENT);
    for (int i = 2; i < 40; i++) { /* writers never wait for the slow one */
        put(f, RES, "ns", "s", i);
        kstore_event ev;
        assert_int_equal(kstore_watch_next(fast, 1000, &ev), KSTORE_WATCH_EVENT);
        kstore_event_release(&ev);
    }
    assert_non_null(strstr(held.json, "\"gen\":1")); /* still valid */
    kstore_event_release(&held);
    kstore_event ev;
    assert_int_equal(kstore_watch_next(slow, 0, &ev), KSTORE_WATCH_DROPPED);
    assert_int_equal(kstore_watch_next(slow, 100, &ev), KSTORE_WATCH_DROPPED);
    assert_int_equal(kstore_watch_next(fast, 1000, &ev), KSTORE_WATCH_EVENT);
    kstore_event_release(&ev);
    kstore_watch_stats st;
    kstore_watch_stats_get(f->s, &st);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.events, 8);
    kstore_watch_close(slow);
    kstore_watch_close(fast);
    fx_free(f);
}

static void test_byte_bound(void **state)
{
    (void)state;
    fixture *f = fx_new(1000, 2000);
    for (int i = 0; i < 50; i++)
        put(f, RES, "ns", "b", i);
    kstore_watch_stats st;
    kstore_watch_stats_get(f->s, &st);
    assert_true(st.bytes <= 2000);
    assert_true(st.events < 50);
    assert_true(st.events > 0);
    kstore_watch *w;
    ks_error err;
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 1, &w, &err), KS_ERANGE);
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 49, &w, &err), 0);
    expect(w, KSTORE_MODIFIED, 50, "b");
    kstore_watch_close(w);
    fx_free(f);
}

typedef struct reader {
    kstore_watch *w;
    int want;
    int got;
    bool in_order;
    int last_rc;
} reader;

static void *read_events(void *arg)
{
    reader *r = arg;
    uint64_t last = 0;
    r->in_order = true;
    while (r->got < r->want) {
        kstore_event ev;
        int rc = kstore_watch_next(r->w, 10000, &ev);
        r->last_rc = rc;
        if (rc != KSTORE_WATCH_EVENT)
            break;
        if (ev.rv <= last)
            r->in_order = false;
        last = ev.rv;
        r->got++;
        kstore_event_release(&ev);
    }
    return NULL;
}

static void test_many_watchers(void **state)
{
    (void)state;
    enum { NW = 60, NE = 200 };
    fixture *f = fx_new(NE + 10, 0);
    reader rs[NW];
    pthread_t th[NW];
    ks_error err;
    for (int i = 0; i < NW; i++) {
        rs[i] = (reader){.want = NE};
        assert_int_equal(kstore_watch_open(f->s, RES, NULL, 0, &rs[i].w, &err), 0);
        assert_int_equal(pthread_create(&th[i], NULL, read_events, &rs[i]), 0);
    }
    char name[16];
    for (int i = 0; i < NE; i++) {
        snprintf(name, sizeof(name), "m%d", i % 17);
        put(f, RES, "ns", name, i);
    }
    for (int i = 0; i < NW; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].got, NE);
        assert_true(rs[i].in_order);
        kstore_watch_close(rs[i].w);
    }
    fx_free(f);
}

static void test_cancel_from_other_thread(void **state)
{
    (void)state;
    fixture *f = fx_new(0, 0);
    reader r = {.want = 1000};
    ks_error err;
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 0, &r.w, &err), 0);
    /* the reader waits with no timeout; a timed wait of another watcher
     * proves time passes while it is blocked */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, read_events, &r), 0);
    put(f, RES, "ns", "c", 1);
    kstore_watch *w2;
    assert_int_equal(kstore_watch_open(f->s, RES, NULL, 0, &w2, &err), 0);
    kstore_event ev;
    assert_int_equal(kstore_watch_next(w2, 50, &ev), KSTORE_WATCH_TIMEOUT);
    kstore_watch_cancel(r.w);
    pthread_join(th, NULL);
    assert_int_equal(r.last_rc, KSTORE_WATCH_CLOSED);
    assert_true(r.got <= 1);
    assert_int_equal(kstore_watch_next(r.w, 0, &ev), KSTORE_WATCH_CLOSED);
    kstore_watch_close(r.w);
    kstore_watch_close(w2);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_order_and_types),
            cmocka_unit_test(test_filters),
            cmocka_unit_test(test_resume_and_expiry),
            cmocka_unit_test(test_slow_watcher_dropped),
            cmocka_unit_test(test_byte_bound),
            cmocka_unit_test(test_many_watchers),
            cmocka_unit_test(test_cancel_from_other_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
