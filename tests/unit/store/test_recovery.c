/* Recovery at open: what a crash leaves behind (temporary files, bodies no
 * row names, rows without a body) is cleaned and the rest is intact. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/file.h"
#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

#define RES "sbomsyfts"

static kstore *open_store(const char *dir)
{
    kstore_opts o = {.dir = dir, .no_spares_ahead = true}; /* spare counts exact */
    kstore *s = NULL;
    ks_error err;
    if (kstore_open(&o, &s, &err))
        fail_msg("open %s: %s", dir, err.msg);
    return s;
}

static void create(kstore *s, ks_arena *a, const char *ns, const char *name, const char *spec)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b, "{\"kind\":\"SBOMSyft\",\"metadata\":{\"name\":\"%s\"},\"spec\":%s}", name,
                  spec);
    kv_value v = tu_json(a, ks_buf_cstr(&b));
    ks_buf_free(&b);
    ks_error err;
    kstore_result r;
    ks_buf m = KS_BUF_INIT;
    int rc = kstore_get_json(s, RES, ns, name, true, &m, NULL, &err);
    ks_buf_free(&m);
    if (rc == 0)
        rc = kstore_update(s, RES, ns, name, &v, 0, &r, &err);
    else
        rc = kstore_create(s, RES, ns, name, &v, &r, &err);
    if (rc)
        fail_msg("write %s: %s", name, err.msg);
}

static void put_file(const char *dir, const char *ns, const char *file, const char *text)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/objects/%s/%s", dir, RES, ns);
    mkdir(ks_buf_cstr(&p), 0755);
    ks_buf_printf(&p, "/%s", file);
    FILE *f = fopen(ks_buf_cstr(&p), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    ks_buf_free(&p);
}

static bool has_file(const char *dir, const char *ns, const char *file)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/objects/%s/%s/%s", dir, RES, ns, file);
    bool yes = access(ks_buf_cstr(&p), F_OK) == 0;
    ks_buf_free(&p);
    return yes;
}

static char *get(kstore *s, const char *ns, const char *name, uint64_t *rv)
{
    ks_buf b = KS_BUF_INIT;
    ks_error err;
    if (kstore_get_json(s, RES, ns, name, false, &b, rv, &err) != 0) {
        ks_buf_free(&b);
        return NULL;
    }
    return ks_buf_detach(&b, NULL);
}

static void test_leftovers_cleaned(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore *s = open_store(dir);
    create(s, &a, "ns", "keep", "{\"v\":1}");         /* rv 1 */
    create(s, &a, "ns", "keep", "{\"v\":2}");         /* rv 2 */
    create(s, &a, "ns", "lose", "{}");                /* rv 3 */
    create(s, &a, "", "cluster", "{}");               /* rv 4 */
    assert_false(has_file(dir, "ns", "keep.1.json")); /* superseded bodies go */
    assert_true(has_file(dir, "ns", "keep.2.json"));
    kstore_close(s);

    /* a crash mid-write: a temporary file; a body written but not committed
     * (a revision past the stored one); a superseded body not yet unlinked */
    put_file(dir, "ns", ".tmp-keep.5.json", "{\"half");
    put_file(dir, "ns", "keep.5.json", "{\"metadata\":{\"name\":\"keep\"}}");
    put_file(dir, "ns", "keep.1.json", "{\"metadata\":{\"name\":\"keep\"}}");
    put_file(dir, "other", "ghost.2.json", "{}");
    put_file(dir, "_cluster", "cluster.3.json", "{}");
    /* files the store never writes are left alone */
    put_file(dir, "ns", "README", "hello");
    put_file(dir, "ns", "Bad_Name.3.json", "{}");
    /* a row whose body is gone (a lost disk write or a removed file) */
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/objects/%s/ns/lose.3.json", dir, RES);
    assert_int_equal(unlink(ks_buf_cstr(&p)), 0);
    ks_buf_free(&p);

    s = open_store(dir);
    assert_false(has_file(dir, "ns", ".tmp-keep.5.json"));
    assert_false(has_file(dir, "ns", "keep.5.json"));
    assert_false(has_file(dir, "ns", "keep.1.json"));
    assert_false(has_file(dir, "other", "ghost.2.json"));
    assert_false(has_file(dir, "_cluster", "cluster.3.json"));
    assert_true(has_file(dir, "_cluster", "cluster.4.json"));
    assert_true(has_file(dir, "ns", "keep.2.json"));
    assert_true(has_file(dir, "ns", "README"));
    assert_true(has_file(dir, "ns", "Bad_Name.3.json"));
    assert_int_equal(kstore_revision(s), 4);
    uint64_t rv;
    char *t = get(s, "ns", "keep", &rv);
    assert_non_null(t);
    assert_int_equal(rv, 2);
    assert_non_null(strstr(t, "\"v\":2"));
    ks_xfree(t);
    assert_null(get(s, "ns", "lose", NULL));
    uint64_t n;
    ks_error err;
    assert_int_equal(kstore_count(s, RES, NULL, &n, &err), 0);
    assert_int_equal(n, 2); /* keep and cluster */
    /* the revision goes on past the lost write's */
    create(s, &a, "ns", "lose", "{}");
    assert_int_equal(kstore_revision(s), 5);
    assert_true(has_file(dir, "ns", "lose.5.json"));
    kstore_close(s);
    /* a second open finds nothing to do */
    s = open_store(dir);
    assert_int_equal(kstore_revision(s), 5);
    t = get(s, "ns", "lose", &rv);
    assert_non_null(t);
    ks_xfree(t);
    kstore_close(s);
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

static void test_long_names(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    char n1[254], n2[254];
    memset(n1, 'a', 253);
    n1[253] = '\0';
    memcpy(n2, n1, sizeof(n2));
    n2[252] = 'b'; /* same 150-character prefix */
    kstore *s = open_store(dir);
    create(s, &a, "ns", n1, "{\"who\":1}");
    create(s, &a, "ns", n2, "{\"who\":2}");
    create(s, &a, "ns", n2, "{\"who\":3}");
    kstore_close(s);
    s = open_store(dir); /* recovery must keep both long-named bodies */
    char *t = get(s, "ns", n1, NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "\"who\":1"));
    ks_xfree(t);
    t = get(s, "ns", n2, NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "\"who\":3"));
    ks_xfree(t);
    kstore_close(s);
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

static size_t spares(const char *dir)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/spare", dir);
    DIR *d = opendir(ks_buf_cstr(&p));
    ks_buf_free(&p);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Writers make empty spare files ahead of need, and writes use them. */
static void test_spares_ahead(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore_opts o = {.dir = dir};
    kstore *s = NULL;
    ks_error err;
    assert_int_equal(kstore_open(&o, &s, &err), 0);
    create(s, &a, "ns", "a", "{}");
    size_t n = spares(dir);
    assert_true(n > 0); /* made ahead by the first write */
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "o%d", i);
        create(s, &a, "ns", name, "{}");
    }
    assert_true(spares(dir) > 0);
    assert_true(spares(dir) <= 64);
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "o%d", i);
        char *t = get(s, "ns", name, NULL);
        assert_non_null(t);
        ks_xfree(t);
    }
    kstore_close(s);
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

/* Superseded bodies become spare files that later writes reuse, also
 * across a restart. */
static void test_spares(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore *s = open_store(dir);
    assert_int_equal(spares(dir), 0);
    create(s, &a, "ns", "x", "{\"v\":1}");
    create(s, &a, "ns", "y", "{}");
    create(s, &a, "ns", "x", "{\"v\":2}"); /* x.1 becomes a spare */
    assert_int_equal(spares(dir), 1);
    ks_error err;
    assert_int_equal(kstore_delete(s, RES, "ns", "y", 0, NULL, &err), 0);
    assert_int_equal(spares(dir), 2);
    create(s, &a, "ns", "z", "{}"); /* reuses one */
    assert_int_equal(spares(dir), 1);
    kstore_close(s);
    put_file(dir, "ns", ".tmp-q.9.json", "{");
    s = open_store(dir); /* the spare is adopted, the temporary file recycled */
    assert_int_equal(spares(dir), 2);
    assert_false(has_file(dir, "ns", ".tmp-q.9.json"));
    create(s, &a, "ns", "w", "{\"w\":1}");
    create(s, &a, "ns", "v", "{\"v\":1}");
    assert_int_equal(spares(dir), 0);
    create(s, &a, "ns", "u", "{}");
    assert_int_equal(spares(dir), 0);
    char *t = get(s, "ns", "w", NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "\"w\":1"));
    ks_xfree(t);
    t = get(s, "ns", "x", NULL);
    assert_non_null(strstr(t, "\"v\":2"));
    ks_xfree(t);
    kstore_close(s);
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

/* A body changed on disk behind the store's back is refused, not served. */
static void test_checksum(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore *s = open_store(dir);
    create(s, &a, "ns", "c", "{\"v\":1}");
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/objects/%s/ns/c.1.json", dir, RES);
    char *data;
    size_t len;
    ks_error err;
    assert_int_equal(ks_file_read(ks_buf_cstr(&p), 0, &data, &len, &err), 0);
    char *at = strstr(data, "\"v\":1");
    assert_non_null(at);
    at[4] = '7'; /* same length, other content */
    assert_int_equal(ks_file_write_atomic(ks_buf_cstr(&p), data, len, 0644, &err), 0);
    ks_xfree(data);
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(kstore_get_json(s, RES, "ns", "c", false, &b, NULL, &err), KS_EIO);
    assert_non_null(strstr(err.msg, "checksum"));
    assert_int_equal(kstore_get_json(s, RES, "ns", "c", true, &b, NULL, &err), 0);
    ks_buf_free(&b);
    assert_int_equal(kstore_list(s, RES, NULL, NULL, NULL, NULL, &err), KS_EIO);
    /* a rewrite through the store heals it */
    create(s, &a, "ns", "c", "{\"v\":3}");
    char *t = get(s, "ns", "c", NULL);
    assert_non_null(t);
    ks_xfree(t);
    ks_buf_free(&p);
    kstore_close(s);
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

static void test_bad_database(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/metadata.sq3", dir);
    FILE *f = fopen(ks_buf_cstr(&p), "w");
    assert_non_null(f);
    fputs("this is not a database, not at all, no header here............................", f);
    fclose(f);
    kstore *s = NULL;
    ks_error err;
    assert_int_equal(kstore_open(&(kstore_opts){.dir = dir}, &s, &err), KS_EIO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "sqlite"));
    /* a database of another schema version */
    unlink(ks_buf_cstr(&p));
    s = open_store(dir);
    kstore_close(s);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(ks_buf_cstr(&p), &db), SQLITE_OK);
    assert_int_equal(
            sqlite3_exec(db, "UPDATE meta SET value=99 WHERE key='schema'", NULL, NULL, NULL),
            SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(kstore_open(&(kstore_opts){.dir = dir}, &s, &err), KS_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "schema version 99"));
    ks_buf_free(&p);
    tu_rmtree(dir);
    ks_xfree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_leftovers_cleaned),
            cmocka_unit_test(test_long_names),
            cmocka_unit_test(test_spares),
            cmocka_unit_test(test_spares_ahead),
            cmocka_unit_test(test_checksum),
            cmocka_unit_test(test_bad_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
