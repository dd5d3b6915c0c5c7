/* The object store: CRUD, conflicts, no-op updates, names, pagination,
 * namespaces, metadata-only reads, batches and persistence. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

#define RES "vulnerabilitymanifests"

typedef struct fixture {
    char *dir;
    kstore *s;
    ks_arena a;
} fixture;

static kstore *open_store(const char *dir, size_t max_batch, size_t max_body)
{
    kstore_opts o = {.dir = dir, .max_batch = max_batch, .max_body = max_body};
    kstore *s = NULL;
    ks_error err;
    int rc = kstore_open(&o, &s, &err);
    if (rc)
        fail_msg("open %s: %s", dir, err.msg);
    return s;
}

static int setup(void **state)
{
    fixture *f = ks_xcalloc(1, sizeof(*f));
    f->dir = tu_tmpdir();
    f->s = open_store(f->dir, 0, 0);
    ks_arena_init(&f->a, NULL, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kstore_close(f->s);
    tu_rmtree(f->dir);
    ks_xfree(f->dir);
    ks_arena_free(&f->a);
    ks_xfree(f);
    return 0;
}

/* An object with the given spec (JSON text). */
static kv_value mk(ks_arena *a, const char *ns, const char *name, const char *spec)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b,
                  "{\"apiVersion\":\"spdx.softwarecomposition.kubescape.io/v1beta1\","
                  "\"kind\":\"VulnerabilityManifest\",\"metadata\":{\"name\":\"%s\",%s%s%s"
                  "\"uid\":\"uid-%s\",\"labels\":{\"l\":\"v\"}},\"spec\":%s}",
                  name, *ns ? "\"namespace\":\"" : "", ns, *ns ? "\"," : "", name, spec);
    kv_value v = tu_json(a, ks_buf_cstr(&b));
    ks_buf_free(&b);
    return v;
}

static char *get_text(kstore *s, const char *ns, const char *name, bool meta, uint64_t *rv)
{
    ks_buf b = KS_BUF_INIT;
    ks_error err;
    int rc = kstore_get_json(s, RES, ns, name, meta, &b, rv, &err);
    if (rc) {
        ks_buf_free(&b);
        return NULL;
    }
    return ks_buf_detach(&b, NULL);
}

static void test_crud(void **state)
{
    fixture *f = *state;
    kstore_result r;
    ks_error err;
    assert_int_equal(kstore_revision(f->s), 0);
    kv_value o = mk(&f->a, "ns1", "a", "{\"x\":1}");
    assert_int_equal(kstore_create(f->s, RES, "ns1", "a", &o, &r, &err), 0);
    assert_int_equal(r.rv, 1);
    assert_int_equal(kstore_revision(f->s), 1);
    uint64_t seq = r.seq;

    uint64_t rv = 0;
    char *t = get_text(f->s, "ns1", "a", false, &rv);
    assert_non_null(t);
    assert_int_equal(rv, 1);
    assert_non_null(strstr(t, "\"resourceVersion\":\"1\""));
    assert_non_null(strstr(t, "\"spec\":{\"x\":1}"));
    ks_xfree(t);
    t = get_text(f->s, "ns1", "a", true, &rv);
    assert_string_equal(t, "{\"apiVersion\":\"spdx.softwarecomposition.kubescape.io/v1beta1\","
                           "\"kind\":\"VulnerabilityManifest\",\"metadata\":{\"labels\":{\"l\":"
                           "\"v\"},\"name\":\"a\",\"namespace\":\"ns1\",\"resourceVersion\":\"1\","
                           "\"uid\":\"uid-a\"}}");
    ks_xfree(t);

    /* create again */
    assert_int_equal(kstore_create(f->s, RES, "ns1", "a", &o, &r, &err), KS_EEXIST);
    assert_non_null(strstr(err.msg, "already exists"));
    /* same name in another namespace is another object */
    assert_int_equal(kstore_create(f->s, RES, "ns2", "a", &o, &r, &err), KS_EINVAL);
    assert_non_null(strstr(err.msg, "")); /* metadata.namespace is not checked, name is */
    kv_value o2 = mk(&f->a, "ns2", "a", "{}");
    assert_int_equal(kstore_create(f->s, RES, "ns2", "a", &o2, &r, &err), 0);
    assert_int_equal(r.rv, 2);

    /* update with the right RV */
    kv_value u = mk(&f->a, "ns1", "a", "{\"x\":2}");
    assert_int_equal(kstore_update(f->s, RES, "ns1", "a", &u, 1, &r, &err), 0);
    assert_int_equal(r.rv, 3);
    assert_int_equal(r.seq, seq);
    assert_false(r.noop);
    /* stale RV */
    kv_value u2 = mk(&f->a, "ns1", "a", "{\"x\":3}");
    assert_int_equal(kstore_update(f->s, RES, "ns1", "a", &u2, 1, &r, &err), KS_EEXIST);
    assert_true(r.conflict);
    assert_int_equal(kstore_revision(f->s), 3);
    /* no-op update, even with a resourceVersion in the object */
    assert_int_equal(kstore_update(f->s, RES, "ns1", "a", &u, 3, &r, &err), 0);
    assert_true(r.noop);
    assert_int_equal(r.rv, 3);
    assert_int_equal(kstore_revision(f->s), 3);
    kv_value got;
    assert_int_equal(kstore_get(f->s, RES, "ns1", "a", false, &f->a, &got, &rv, &err), 0);
    assert_int_equal(kstore_update(f->s, RES, "ns1", "a", &got, 0, &r, &err), 0);
    assert_true(r.noop);
    assert_int_equal(kstore_revision(f->s), 3);
    /* unconditional update */
    assert_int_equal(kstore_update(f->s, RES, "ns1", "a", &u2, 0, &r, &err), 0);
    assert_int_equal(r.rv, 4);

    /* delete: wrong RV, then right */
    assert_int_equal(kstore_delete(f->s, RES, "ns1", "a", 3, &r, &err), KS_EEXIST);
    assert_true(r.conflict);
    assert_int_equal(kstore_delete(f->s, RES, "ns1", "a", 4, &r, &err), 0);
    assert_int_equal(r.rv, 5);
    assert_null(get_text(f->s, "ns1", "a", false, NULL));
    assert_int_equal(kstore_get_json(f->s, RES, "ns1", "a", true, &(ks_buf)KS_BUF_INIT, NULL, &err),
                     KS_ENOENT);
    assert_int_equal(kstore_update(f->s, RES, "ns1", "a", &u, 0, &r, &err), KS_ENOENT);
    assert_int_equal(kstore_delete(f->s, RES, "ns1", "a", 0, &r, &err), KS_ENOENT);
    assert_int_equal(kstore_revision(f->s), 5);
    /* re-create: a new seq, after the others */
    assert_int_equal(kstore_create(f->s, RES, "ns1", "a", &o, &r, &err), 0);
    assert_true(r.seq > seq);
    assert_int_equal(r.rv, 6);
}

static void test_bad_objects(void **state)
{
    fixture *f = *state;
    ks_error err;
    kstore_result r;
    kv_value v = tu_json(&f->a, "[1]");
    assert_int_equal(kstore_create(f->s, RES, "ns", "a", &v, &r, &err), KS_EINVAL);
    v = tu_json(&f->a, "{\"kind\":\"X\"}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "a", &v, &r, &err), KS_EINVAL);
    assert_non_null(strstr(err.msg, "metadata"));
    v = tu_json(&f->a, "{\"metadata\":{\"name\":\"b\"}}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "a", &v, &r, &err), KS_EINVAL);
    v = tu_json(&f->a, "{\"metadata\":{\"name\":7}}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "a", &v, &r, &err), KS_EINVAL);
    assert_int_equal(kstore_create(f->s, RES, "ns", "a", NULL, &r, &err), KS_EINVAL);
    /* no name in metadata: the key's name is used */
    v = tu_json(&f->a, "{\"metadata\":{}}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "a", &v, &r, &err), 0);
    assert_int_equal(kstore_revision(f->s), 1);
}

static void test_names(void **state)
{
    fixture *f = *state;
    ks_error err;
    char long_name[300];
    memset(long_name, 'a', sizeof(long_name));
    long_name[254] = '\0';
    static const char *const bad[] = {"",    "../x",  "..",          ".",   "a/b", "/a",
                                      "A",   "a_b",   "-a",          "a-",  ".a",  "a.",
                                      "a b", "a\x01", "caf\xc3\xa9", "a\\b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        kv_value o = mk(&f->a, "ns", "x", "{}");
        assert_int_equal(kstore_check_key(RES, "ns", bad[i], &err), KS_EINVAL);
        assert_int_equal(kstore_create(f->s, RES, "ns", bad[i], &o, NULL, &err), KS_EINVAL);
        assert_int_equal(kstore_delete(f->s, RES, "ns", bad[i], 0, NULL, &err), KS_EINVAL);
        ks_buf b = KS_BUF_INIT;
        assert_int_equal(kstore_get_json(f->s, RES, "ns", bad[i], false, &b, NULL, &err),
                         KS_EINVAL);
        assert_int_equal(kstore_check_key(RES, bad[i], "x", &err),
                         *bad[i] ? KS_EINVAL : 0); /* "" is cluster scope */
        assert_int_equal(kstore_check_key(bad[i], "ns", "x", &err), KS_EINVAL);
    }
    assert_int_equal(kstore_check_key(RES, "ns", long_name, &err), KS_EINVAL);
    assert_non_null(strstr(err.msg, "253"));
    long_name[253] = '\0';
    kv_value o = mk(&f->a, "ns", long_name, "{}");
    assert_int_equal(kstore_create(f->s, RES, "ns", long_name, &o, NULL, &err), 0);
    char *t = get_text(f->s, "ns", long_name, false, NULL);
    assert_non_null(t);
    ks_xfree(t);
    /* namespaces are DNS labels: no dots, at most 63 */
    assert_int_equal(kstore_check_key(RES, "a.b", "x", &err), KS_EINVAL);
    long_name[64] = '\0';
    assert_int_equal(kstore_check_key(RES, long_name, "x", &err), KS_EINVAL);
    assert_int_equal(kstore_check_key(RES, "kube-system", "a.b-c.1", &err), 0);
    assert_int_equal(kstore_check_key(NULL, "ns", "x", &err), KS_EINVAL);
    /* the message names the position */
    assert_int_equal(kstore_check_key(RES, "ns", "ab/c", &err), KS_EINVAL);
    assert_int_equal(err.col, 3);
    /* counted names: an embedded NUL is refused, not cut short */
    assert_int_equal(kstore_check_name("ab\0../x", 7, &err), KS_EINVAL);
    assert_int_equal(err.col, 3);
    assert_non_null(strstr(err.msg, "NUL"));
    assert_int_equal(kstore_check_name("ab", 2, &err), 0);
    assert_int_equal(kstore_check_name("ab", 0, &err), KS_EINVAL);
    assert_int_equal(kstore_check_name("a/b", 3, &err), KS_EINVAL);
    memset(long_name, 'a', sizeof(long_name));
    assert_int_equal(kstore_check_name(long_name, 254, &err), KS_EINVAL);
    assert_int_equal(kstore_check_name(long_name, 253, &err), 0);
}

typedef struct seen {
    char names[200][32];
    uint64_t seqs[200];
    size_t n;
    bool meta;
    int stop_after;
} seen;

static int collect(void *ctx, const kstore_item *it)
{
    seen *s = ctx;
    assert_true(s->n < 200);
    snprintf(s->names[s->n], sizeof(s->names[0]), "%s/%s", it->ns, it->name);
    s->seqs[s->n] = it->seq;
    s->n++;
    char rvs[40];
    snprintf(rvs, sizeof(rvs), "\"resourceVersion\":\"%llu\"", (unsigned long long)it->rv);
    assert_non_null(strstr(it->json, rvs));
    assert_int_equal(strlen(it->json), it->len);
    if (s->meta)
        assert_null(strstr(it->json, "\"spec\""));
    else
        assert_non_null(strstr(it->json, "\"spec\""));
    if (s->stop_after && (int)s->n == s->stop_after)
        return 1;
    return 0;
}

static size_t count_of(const seen *s, const char *key)
{
    size_t c = 0;
    for (size_t i = 0; i < s->n; i++)
        c += strcmp(s->names[i], key) == 0;
    return c;
}

static void test_pagination(void **state)
{
    fixture *f = *state;
    ks_error err;
    char name[32];
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof(name), "o%02d", i);
        const char *ns = i % 2 ? "odd" : "even";
        kv_value o = mk(&f->a, ns, name, "{\"v\":0}");
        assert_int_equal(kstore_create(f->s, RES, ns, name, &o, NULL, &err), 0);
    }
    seen all = {0};
    kstore_list_opts lo = {.limit = 7};
    kstore_list_info li;
    int page = 0;
    do {
        assert_int_equal(kstore_list(f->s, RES, &lo, collect, &all, &li, &err), 0);
        assert_true(li.count <= 7);
        lo.after_seq = li.last_seq;
        if (page == 0) {
            /* update one seen and one not yet seen, delete one ahead, add one */
            kv_value u = mk(&f->a, "even", "o00", "{\"v\":1}");
            assert_int_equal(kstore_update(f->s, RES, "even", "o00", &u, 0, NULL, &err), 0);
            u = mk(&f->a, "odd", "o21", "{\"v\":1}");
            assert_int_equal(kstore_update(f->s, RES, "odd", "o21", &u, 0, NULL, &err), 0);
            assert_int_equal(kstore_delete(f->s, RES, "even", "o22", 0, NULL, &err), 0);
            u = mk(&f->a, "odd", "new", "{}");
            assert_int_equal(kstore_create(f->s, RES, "odd", "new", &u, NULL, &err), 0);
        }
        page++;
    } while (li.more);
    assert_int_equal(page, 5); /* 30 - 1 + 1 = 30 items: 7,7,7,7,2 */
    assert_int_equal(all.n, 30);
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof(name), "%s/o%02d", i % 2 ? "odd" : "even", i);
        assert_int_equal(count_of(&all, name), i == 22 ? 0 : 1);
    }
    assert_int_equal(count_of(&all, "odd/new"), 1);
    for (size_t i = 1; i < all.n; i++)
        assert_true(all.seqs[i] > all.seqs[i - 1]);

    /* an exact last page says no more */
    seen s2 = {0};
    lo = (kstore_list_opts){.limit = 30};
    assert_int_equal(kstore_list(f->s, RES, &lo, collect, &s2, &li, &err), 0);
    assert_int_equal(li.revision, kstore_revision(f->s));
    assert_int_equal(li.revision, 34); /* 30 creates, 2 updates, a delete, a create */
    assert_int_equal(li.count, 30);
    assert_false(li.more);
    lo.limit = 29;
    assert_int_equal(kstore_list(f->s, RES, &lo, collect, &(seen){0}, &li, &err), 0);
    assert_true(li.more);
}

static void test_namespaces_and_scope(void **state)
{
    fixture *f = *state;
    ks_error err;
    const char *nss[] = {"a", "b", "a", "c", "a"};
    char name[16];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        kv_value o = mk(&f->a, nss[i], name, "{}");
        assert_int_equal(kstore_create(f->s, RES, nss[i], name, &o, NULL, &err), 0);
    }
    kv_value c = mk(&f->a, "", "cluster-one", "[]");
    assert_int_equal(kstore_create(f->s, "knownservers", "", "cluster-one", &c, NULL, &err), 0);
    /* the same name cluster-scoped and namespaced are different objects */
    kv_value c2 = mk(&f->a, "a", "cluster-one", "[]");
    assert_int_equal(kstore_create(f->s, "knownservers", "a", "cluster-one", &c2, NULL, &err), 0);

    seen s = {0};
    kstore_list_opts lo = {.ns = "a"};
    assert_int_equal(kstore_list(f->s, RES, &lo, collect, &s, NULL, &err), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.names[0], "a/n0");
    assert_string_equal(s.names[2], "a/n4");
    uint64_t n;
    assert_int_equal(kstore_count(f->s, RES, "a", &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(kstore_count(f->s, RES, NULL, &n, &err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(kstore_count(f->s, RES, "zz", &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(kstore_count(f->s, "knownservers", "", &n, &err), 0);
    assert_int_equal(n, 1);
    seen k = {0};
    assert_int_equal(kstore_list(f->s, "knownservers", NULL, collect, &k, NULL, &err), 0);
    assert_int_equal(k.n, 2);
    assert_string_equal(k.names[0], "/cluster-one");
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(
            kstore_get_json(f->s, "knownservers", "", "cluster-one", false, &b, NULL, &err), 0);
    assert_non_null(strstr(ks_buf_cstr(&b), "\"spec\":[]"));
    assert_null(strstr(ks_buf_cstr(&b), "namespace"));
    ks_buf_free(&b);
    /* other resources do not mix in */
    assert_int_equal(kstore_count(f->s, "sbomsyfts", NULL, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(kstore_list(f->s, "../x", NULL, collect, &k, NULL, &err), KS_EINVAL);
}

static int fail_cb(void *ctx, const kstore_item *it)
{
    (void)it;
    (*(int *)ctx)++;
    return KS_EIO;
}

static void test_meta_only_and_stop(void **state)
{
    fixture *f = *state;
    ks_error err;
    char name[16];
    for (int i = 0; i < 100; i++) { /* more than one chunk */
        snprintf(name, sizeof(name), "m%d", i);
        kv_value o = mk(&f->a, "ns", name, "{\"big\":\"xxxxxxxxxxxxxxxxxxxxxxxxx\"}");
        assert_int_equal(kstore_create(f->s, RES, "ns", name, &o, NULL, &err), 0);
    }
    seen s = {.meta = true};
    kstore_list_opts lo = {.meta_only = true};
    kstore_list_info li;
    assert_int_equal(kstore_list(f->s, RES, &lo, collect, &s, &li, &err), 0);
    assert_int_equal(s.n, 100);
    assert_false(li.more);
    seen full = {.stop_after = 70};
    lo.meta_only = false;
    assert_int_equal(kstore_list(f->s, RES, &lo, collect, &full, &li, &err), 0);
    assert_int_equal(full.n, 70);
    assert_int_equal(li.count, 70);
    assert_true(li.more);
    seen last = {.stop_after = 100};
    lo.after_seq = li.last_seq;
    assert_int_equal(kstore_list(f->s, RES, &lo, collect, &last, &li, &err), 0);
    assert_int_equal(last.n, 30);
    assert_false(li.more);
    int calls = 0;
    assert_int_equal(kstore_list(f->s, RES, NULL, fail_cb, &calls, &li, &err), KS_EIO);
    assert_int_equal(calls, 1);
}

static size_t files_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
    closedir(d);
    return n;
}

/* Body files that rows (committed or staged) name: the files in bodies/
 * less the free ones. */
static size_t named_files(kstore *s, const char *bodies)
{
    kstore_stats st;
    kstore_stats_get(s, &st);
    return files_in(bodies) - st.spares;
}

static void test_batch(void **state)
{
    fixture *f = *state;
    ks_error err;
    kstore_result r;
    assert_int_equal(kstore_batch_commit(f->s, &err), KS_EINVAL);
    assert_int_equal(kstore_batch_begin(f->s, &err), 0);
    assert_int_equal(kstore_batch_begin(f->s, &err), KS_EINVAL);
    kv_value o = mk(&f->a, "ns", "b1", "{\"v\":1}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "b1", &o, &r, &err), 0);
    assert_int_equal(r.rv, 1);
    /* later writes of the batch see it; readers do not yet */
    assert_int_equal(kstore_create(f->s, RES, "ns", "b1", &o, &r, &err), KS_EEXIST);
    kv_value o2 = mk(&f->a, "ns", "b1", "{\"v\":2}");
    assert_int_equal(kstore_update(f->s, RES, "ns", "b1", &o2, 1, &r, &err), 0);
    assert_int_equal(r.rv, 2);
    kv_value o3 = mk(&f->a, "ns", "b2", "{}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "b2", &o3, &r, &err), 0);
    assert_null(get_text(f->s, "ns", "b1", false, NULL));
    assert_int_equal(kstore_revision(f->s), 0);
    assert_int_equal(kstore_batch_commit(f->s, &err), 0);
    assert_int_equal(kstore_revision(f->s), 3);
    kstore_stats st;
    kstore_stats_get(f->s, &st);
    assert_int_equal(st.writes, 3);
    assert_int_equal(st.commits, 1);
    assert_int_equal(st.revision, 3);
    assert_int_equal(st.spares, 1); /* b1's first body */
    uint64_t rv;
    char *t = get_text(f->s, "ns", "b1", false, &rv);
    assert_non_null(strstr(t, "\"v\":2"));
    assert_int_equal(rv, 2);
    ks_xfree(t);
    ks_buf d = KS_BUF_INIT;
    ks_buf_printf(&d, "%s/bodies", f->dir);
    assert_int_equal(named_files(f->s, ks_buf_cstr(&d)), 2); /* b1 at 2, b2 */

    /* abort: nothing stays, files included */
    assert_int_equal(kstore_batch_begin(f->s, &err), 0);
    kv_value o4 = mk(&f->a, "ns", "b3", "{}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "b3", &o4, &r, &err), 0);
    assert_int_equal(kstore_delete(f->s, RES, "ns", "b1", 0, &r, &err), 0);
    assert_int_equal(named_files(f->s, ks_buf_cstr(&d)), 3);
    kstore_batch_abort(f->s);
    assert_int_equal(named_files(f->s, ks_buf_cstr(&d)), 2);
    assert_int_equal(kstore_revision(f->s), 3);
    assert_null(get_text(f->s, "ns", "b3", false, NULL));
    t = get_text(f->s, "ns", "b1", false, NULL);
    assert_non_null(t);
    ks_xfree(t);
    /* the next write continues from the committed revision */
    assert_int_equal(kstore_create(f->s, RES, "ns", "b3", &o4, &r, &err), 0);
    assert_int_equal(r.rv, 4);
    /* a failing write inside a batch leaves the batch going */
    assert_int_equal(kstore_batch_begin(f->s, &err), 0);
    assert_int_equal(kstore_create(f->s, RES, "ns", "b3", &o4, &r, &err), KS_EEXIST);
    assert_int_equal(kstore_delete(f->s, RES, "ns", "b3", 0, &r, &err), 0);
    assert_int_equal(kstore_batch_commit(f->s, &err), 0);
    assert_int_equal(kstore_revision(f->s), 5);
    assert_int_equal(named_files(f->s, ks_buf_cstr(&d)), 2);
    ks_buf_free(&d);
    /* an empty batch */
    assert_int_equal(kstore_batch_begin(f->s, &err), 0);
    assert_int_equal(kstore_batch_commit(f->s, &err), 0);
    assert_int_equal(kstore_revision(f->s), 5);
}

static void test_limits(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    kstore *s = open_store(dir, 2, 200);
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    ks_error err;
    kv_value o = mk(&a, "ns", "x", "{}");
    assert_int_equal(kstore_batch_begin(s, &err), 0);
    assert_int_equal(kstore_create(s, RES, "ns", "x", &o, NULL, &err), 0);
    assert_int_equal(kstore_update(s, RES, "ns", "x", &(kv_value){0}, 0, NULL, &err), KS_EINVAL);
    kv_value y = mk(&a, "ns", "y", "{}");
    assert_int_equal(kstore_create(s, RES, "ns", "y", &y, NULL, &err), 0);
    kv_value z = mk(&a, "ns", "z", "{}");
    assert_int_equal(kstore_create(s, RES, "ns", "z", &z, NULL, &err), KS_ELIMIT);
    assert_int_equal(kstore_batch_commit(s, &err), 0);
    assert_int_equal(kstore_revision(s), 2);
    /* bodies over max_body */
    char spec[300];
    memset(spec, 'q', sizeof(spec));
    spec[0] = '"';
    spec[298] = '"';
    spec[299] = '\0';
    kv_value big = mk(&a, "ns", "big", spec);
    assert_int_equal(kstore_create(s, RES, "ns", "big", &big, NULL, &err), KS_ELIMIT);
    assert_int_equal(kstore_revision(s), 2);
    kstore_close(s);
    /* no directory */
    kstore_opts bad = {0};
    assert_int_equal(kstore_open(&bad, &s, &err), KS_EINVAL);
    assert_int_equal(kstore_open(&(kstore_opts){.dir = "/proc/nope/x"}, &s, &err), KS_EIO);
    assert_null(s);
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

static void test_persistence(void **state)
{
    fixture *f = *state;
    ks_error err;
    kstore_result r;
    kv_value o = mk(&f->a, "ns", "p1", "{\"k\":[1,2,3]}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "p1", &o, &r, &err), 0);
    kv_value o2 = mk(&f->a, "", "p2", "{}");
    assert_int_equal(kstore_create(f->s, "knownservers", "", "p2", &o2, &r, &err), 0);
    assert_int_equal(kstore_delete(f->s, "knownservers", "", "p2", 0, &r, &err), 0);
    uint64_t seq1 = 0;
    kv_value o3 = mk(&f->a, "ns", "p3", "{}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "p3", &o3, &r, &err), 0);
    seq1 = r.seq;
    assert_int_equal(kstore_revision(f->s), 4);
    char *before = get_text(f->s, "ns", "p1", false, NULL);
    /* one store per directory */
    kstore *second = NULL;
    assert_int_equal(kstore_open(&(kstore_opts){.dir = f->dir}, &second, &err), KS_EEXIST);
    assert_non_null(strstr(err.msg, "in use"));
    assert_null(second);
    kstore_close(f->s);
    f->s = open_store(f->dir, 0, 0);
    assert_int_equal(kstore_revision(f->s), 4);
    char *after = get_text(f->s, "ns", "p1", false, NULL);
    assert_string_equal(before, after);
    ks_xfree(before);
    ks_xfree(after);
    assert_null(get_text(f->s, "", "p2", false, NULL));
    kv_value o4 = mk(&f->a, "ns", "p4", "{}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "p4", &o4, &r, &err), 0);
    assert_int_equal(r.rv, 5);
    assert_true(r.seq > seq1);
    /* deleting the newest row does not let its seq be reused */
    assert_int_equal(kstore_delete(f->s, RES, "ns", "p4", 0, NULL, &err), 0);
    uint64_t seq4 = r.seq;
    kstore_close(f->s);
    f->s = open_store(f->dir, 0, 0);
    assert_int_equal(kstore_create(f->s, RES, "ns", "p5", &o4, &r, &err), KS_EINVAL);
    kv_value o5 = mk(&f->a, "ns", "p5", "{}");
    assert_int_equal(kstore_create(f->s, RES, "ns", "p5", &o5, &r, &err), 0);
    assert_true(r.seq > seq4);
    assert_int_equal(r.rv, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_crud, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_objects, setup, teardown),
            cmocka_unit_test_setup_teardown(test_names, setup, teardown),
            cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
            cmocka_unit_test_setup_teardown(test_namespaces_and_scope, setup, teardown),
            cmocka_unit_test_setup_teardown(test_meta_only_and_stop, setup, teardown),
            cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
            cmocka_unit_test(test_limits),
            cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
