/* Recovery at open: what a crash leaves behind (temporary files, bodies no
 * row names, rows without a body) is cleaned and the rest is intact. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/digest.h"
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

/* A file under <dir>/<sub> ("bodies", or a schema-1 body directory). */
static void put_file(const char *dir, const char *sub, const char *file, const char *text)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/%s", dir, sub);
    ks_error err;
    assert_int_equal(ks_mkdir_p(ks_buf_cstr(&p), 0755, &err), 0);
    ks_buf_printf(&p, "/%s", file);
    FILE *f = fopen(ks_buf_cstr(&p), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    ks_buf_free(&p);
}

static bool has_file(const char *dir, const char *sub, const char *file)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/%s/%s", dir, sub, file);
    bool yes = access(ks_buf_cstr(&p), F_OK) == 0;
    ks_buf_free(&p);
    return yes;
}

/* The path of the body file the row of ns/name names (the store closed). */
static char *body_file(const char *dir, const char *ns, const char *name)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/metadata.sq3", dir);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(ks_buf_cstr(&p), &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT body FROM objects WHERE namespace=?1 AND name=?2",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long fid = sqlite3_column_int64(st, 0);
    assert_true(fid > 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    ks_buf_reset(&p);
    ks_buf_printf(&p, "%s/bodies/%lld", dir, fid);
    return ks_buf_detach(&p, NULL);
}

static size_t free_files(kstore *s)
{
    kstore_stats st;
    kstore_stats_get(s, &st);
    return st.spares;
}

static size_t files_in(const char *dir, const char *sub)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/%s", dir, sub);
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

/* Closes the store and removes its directory. */
static void finish(kstore *s, ks_arena *a, char *dir)
{
    kstore_close(s);
    ks_arena_free(a);
    tu_rmtree(dir);
    ks_xfree(dir);
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
    create(s, &a, "ns", "keep", "{\"v\":1}"); /* rv 1 */
    create(s, &a, "ns", "keep", "{\"v\":2}"); /* rv 2 */
    create(s, &a, "ns", "lose", "{}");        /* rv 3 */
    create(s, &a, "", "cluster", "{}");       /* rv 4 */
    assert_int_equal(free_files(s), 0);       /* keep's first body, rewritten for lose */
    assert_int_equal(files_in(dir, "bodies"), 3);
    kstore_close(s);

    /* a crash mid-write: a body written but never committed, under an id
     * past every other */
    put_file(dir, "bodies", "900", "{\"metadata\":{\"name\":\"keep\"}}");
    /* files the store never writes are left alone */
    put_file(dir, "bodies", "README", "hello");
    put_file(dir, "bodies", "0123", "{}");
    /* a row whose body is gone (a lost disk write or a removed file) */
    char *lost = body_file(dir, "ns", "lose");
    assert_int_equal(unlink(lost), 0);
    ks_xfree(lost);

    s = open_store(dir);
    assert_int_equal(free_files(s), 1); /* 900 */
    assert_true(has_file(dir, "bodies", "900"));
    assert_true(has_file(dir, "bodies", "README"));
    assert_true(has_file(dir, "bodies", "0123"));
    assert_int_equal(kstore_revision(s), 4);
    uint64_t rv;
    char *t = get(s, "ns", "keep", &rv);
    assert_non_null(t);
    assert_int_equal(rv, 2);
    assert_non_null(strstr(t, "\"v\":2"));
    assert_non_null(strstr(t, "\"resourceVersion\":\"2\""));
    ks_xfree(t);
    assert_null(get(s, "ns", "lose", NULL));
    uint64_t n;
    ks_error err;
    assert_int_equal(kstore_count(s, RES, NULL, &n, &err), 0);
    assert_int_equal(n, 2); /* keep and cluster */
    /* the revision goes on past the lost write's; the free files are
     * rewritten, then new ones made above every id seen */
    create(s, &a, "ns", "lose", "{\"n\":1}");
    assert_int_equal(free_files(s), 0);
    create(s, &a, "ns", "more", "{\"n\":2}");
    create(s, &a, "ns", "most", "{\"n\":3}");
    assert_int_equal(kstore_revision(s), 7);
    kstore_close(s);
    char *f = body_file(dir, "ns", "lose");
    assert_non_null(strstr(f, "/bodies/900"));
    ks_xfree(f);
    f = body_file(dir, "ns", "most");
    assert_non_null(strstr(f, "/bodies/902"));
    ks_xfree(f);
    /* a second open finds nothing to do */
    s = open_store(dir);
    assert_int_equal(kstore_revision(s), 7);
    assert_int_equal(free_files(s), 0);
    const char *names[] = {"keep", "lose", "more", "most"};
    for (size_t i = 0; i < 4; i++) {
        t = get(s, "ns", names[i], NULL);
        assert_non_null(t);
        ks_xfree(t);
    }
    finish(s, &a, dir);
}

/* A store of schema 1 (bodies named by name and rv, carrying their
 * resourceVersion; spare files) opens migrated: its objects are served as
 * they were and move to body files as they are rewritten. */
static void put_legacy(sqlite3 *db, const char *dir, const char *ns, const char *name, int rv,
                       int v)
{
    ks_buf body = KS_BUF_INIT, meta = KS_BUF_INIT, file = KS_BUF_INIT;
    ks_buf_printf(&meta,
                  "{\"kind\":\"SBOMSyft\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
                  "\"resourceVersion\":\"%d\"}}",
                  name, ns, rv);
    ks_buf_printf(&body,
                  "{\"kind\":\"SBOMSyft\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
                  "\"resourceVersion\":\"%d\"},\"spec\":{\"v\":%d}}",
                  name, ns, rv, v);
    ks_buf_printf(&file, "%s.%d.json", name, rv);
    ks_buf sub = KS_BUF_INIT;
    ks_buf_printf(&sub, "objects/%s/%s", RES, *ns ? ns : "_cluster");
    put_file(dir, ks_buf_cstr(&sub), ks_buf_cstr(&file), ks_buf_cstr(&body));
    uint8_t hash[KS_SHA256_LEN];
    ks_sha256_digest(body.data, body.len, hash);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO objects(resource, namespace, name, uid, rv, "
                                        "meta, body_size, body_hash) VALUES(?1, ?2, ?3, '', ?4, "
                                        "?5, ?6, ?7)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, RES, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, rv);
    sqlite3_bind_text(st, 5, meta.data, (int)meta.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)body.len);
    sqlite3_bind_blob(st, 7, hash, KS_SHA256_LEN, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    ks_buf_free(&body);
    ks_buf_free(&meta);
    ks_buf_free(&file);
    ks_buf_free(&sub);
}

static int count_item(void *ctx, const kstore_item *it)
{
    (void)it;
    (*(int *)ctx)++;
    return 0;
}

static void test_schema1_migrated(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/metadata.sq3", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(ks_buf_cstr(&p), &db), SQLITE_OK);
    assert_int_equal(
            sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL;"
                         "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                         "CREATE TABLE objects(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                         " resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,"
                         " uid TEXT NOT NULL, rv INTEGER NOT NULL, meta TEXT NOT NULL,"
                         " body_size INTEGER NOT NULL, body_hash BLOB NOT NULL,"
                         " UNIQUE(resource, namespace, name));"
                         "CREATE INDEX objects_res ON objects(resource, seq);"
                         "CREATE INDEX objects_res_ns ON objects(resource, namespace, seq);"
                         "INSERT INTO meta(key, value) VALUES('schema', 1), ('revision', 5);",
                         NULL, NULL, NULL),
            SQLITE_OK);
    put_legacy(db, dir, "ns", "a", 2, 1);
    put_legacy(db, dir, "ns", "b", 4, 2);
    put_legacy(db, dir, "", "c", 5, 3);
    sqlite3_close(db);
    /* schema 1's leftovers: spare files, a temporary file, an orphan body */
    put_file(dir, "spare", "7", "{}");
    put_file(dir, "spare", "8", "{}");
    ks_buf_reset(&p);
    ks_buf_printf(&p, "objects/%s/ns", RES);
    put_file(dir, ks_buf_cstr(&p), ".tmp-a.6.json", "{\"half");
    put_file(dir, ks_buf_cstr(&p), "a.1.json", "{}");

    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore *s = open_store(dir);
    assert_false(has_file(dir, "spare", "7"));
    assert_false(has_file(dir, ks_buf_cstr(&p), ".tmp-a.6.json"));
    assert_false(has_file(dir, ks_buf_cstr(&p), "a.1.json"));
    assert_true(has_file(dir, ks_buf_cstr(&p), "a.2.json"));
    assert_int_equal(kstore_revision(s), 5);
    uint64_t rv;
    char *t = get(s, "ns", "a", &rv);
    assert_non_null(t);
    assert_int_equal(rv, 2);
    assert_non_null(strstr(t, "\"resourceVersion\":\"2\""));
    assert_non_null(strstr(t, "\"v\":1"));
    ks_xfree(t);
    t = get(s, "", "c", &rv);
    assert_non_null(t);
    assert_int_equal(rv, 5);
    ks_xfree(t);
    int n = 0;
    ks_error err;
    assert_int_equal(kstore_list(s, RES, &(kstore_list_opts){0}, count_item, &n, NULL, &err), 0);
    assert_int_equal(n, 3);
    /* rewritten: the body moves to a body file, the old one goes */
    create(s, &a, "ns", "a", "{\"v\":9}");
    assert_false(has_file(dir, ks_buf_cstr(&p), "a.2.json"));
    t = get(s, "ns", "a", &rv);
    assert_int_equal(rv, 6);
    assert_non_null(strstr(t, "\"v\":9"));
    assert_non_null(strstr(t, "\"resourceVersion\":\"6\""));
    ks_xfree(t);
    /* deleted: its file goes */
    assert_int_equal(kstore_delete(s, RES, "ns", "b", 4, NULL, &err), 0);
    assert_false(has_file(dir, ks_buf_cstr(&p), "b.4.json"));
    kstore_close(s);
    s = open_store(dir); /* reopens as schema 2 */
    assert_int_equal(kstore_revision(s), 7);
    t = get(s, "", "c", &rv);
    assert_non_null(t);
    ks_xfree(t);
    kstore_close(s);
    ks_buf_free(&p);
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
    finish(s, &a, dir);
}

/* Open descriptors of this process on files under dir. */
static size_t fds_under(const char *dir)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    size_t n = 0, len = strlen(dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        char link[300], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k > 0) {
            target[k] = '\0';
            n += strncmp(target, dir, len) == 0;
        }
    }
    closedir(d);
    return n;
}

/* Writers make empty free files ahead of need (kept open, a bounded number),
 * and writes use them. */
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
    assert_true(free_files(s) > 0); /* made ahead by the first write */
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "o%d", i);
        create(s, &a, "ns", name, "{}");
    }
    assert_true(free_files(s) > 0);
    assert_true(free_files(s) <= 64);
    assert_int_equal(files_in(dir, "bodies"), 101 + free_files(s));
    size_t open_fds = fds_under(dir);
    assert_true(open_fds > 0 && open_fds <= 48 + 8);
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "o%d", i);
        char *t = get(s, "ns", name, NULL);
        assert_non_null(t);
        ks_xfree(t);
    }
    kstore_close(s);
    assert_int_equal(fds_under(dir), 0); /* closed with the store */
    ks_arena_free(&a);
    tu_rmtree(dir);
    ks_xfree(dir);
}

/* Superseded and deleted bodies become free files that later writes
 * rewrite, also across a restart. */
static void test_spares(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore *s = open_store(dir);
    assert_int_equal(free_files(s), 0);
    create(s, &a, "ns", "x", "{\"v\":1,\"pad\":\"a longer first body than the next\"}");
    create(s, &a, "ns", "y", "{}");
    create(s, &a, "ns", "x", "{\"v\":2}"); /* x's first body becomes free */
    assert_int_equal(free_files(s), 1);
    ks_error err;
    assert_int_equal(kstore_delete(s, RES, "ns", "y", 0, NULL, &err), 0);
    assert_int_equal(free_files(s), 2);
    create(s, &a, "ns", "z", "{}"); /* rewrites one */
    assert_int_equal(free_files(s), 1);
    assert_int_equal(files_in(dir, "bodies"), 3);
    kstore_close(s);
    s = open_store(dir); /* the free file is found again */
    assert_int_equal(free_files(s), 1);
    create(s, &a, "ns", "w", "{\"w\":1}");
    assert_int_equal(free_files(s), 0);
    create(s, &a, "ns", "u", "{}"); /* a new file */
    assert_int_equal(free_files(s), 0);
    assert_int_equal(files_in(dir, "bodies"), 4);
    char *t = get(s, "ns", "w", NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "\"w\":1"));
    assert_null(strstr(t, "longer")); /* rewritten in place, then cut to size */
    ks_xfree(t);
    t = get(s, "ns", "x", NULL);
    assert_non_null(strstr(t, "\"v\":2"));
    ks_xfree(t);
    finish(s, &a, dir);
}

/* Body files carry "resourceVersion":"" and reads splice the row's in,
 * whatever else in the object looks like a resourceVersion. */
static void test_rv_spliced(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kstore *s = open_store(dir);
    const char *spec = "{\"a\":{\"resourceVersion\":\"\"},\"b\":{\"resourceVersion\":\"7\"}}";
    create(s, &a, "ns", "r", spec);
    create(s, &a, "ns", "r", "{\"a\":{\"resourceVersion\":\"\"}}");
    uint64_t rv;
    char *t = get(s, "ns", "r", &rv);
    assert_int_equal(rv, 2);
    kv_value v = tu_json(&a, t);
    const kv_value *md = kv_obj_get(&v, "metadata", 8);
    const kv_value *got = kv_obj_get(md, "resourceVersion", 15);
    assert_non_null(got);
    assert_string_equal(got->u.s, "2");
    const kv_value *sa = kv_obj_get(kv_obj_get(&v, "spec", 4), "a", 1);
    assert_string_equal(kv_obj_get(sa, "resourceVersion", 15)->u.s, "");
    ks_xfree(t);
    kstore_close(s);
    char *file = body_file(dir, "ns", "r");
    char *data;
    size_t len;
    ks_error err;
    assert_int_equal(ks_file_read(file, 0, &data, &len, &err), 0);
    assert_null(strstr(data, "\"resourceVersion\":\"2\""));
    assert_non_null(strstr(data, "{\"name\":\"r\",\"resourceVersion\":\"\"}"));
    ks_xfree(data);
    ks_xfree(file);
    s = open_store(dir);
    t = get(s, "ns", "r", &rv);
    assert_non_null(strstr(t, "\"resourceVersion\":\"2\""));
    ks_xfree(t);
    finish(s, &a, dir);
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
    kstore_close(s);
    ks_buf p = KS_BUF_INIT;
    char *file = body_file(dir, "ns", "c");
    ks_buf_puts(&p, file);
    ks_xfree(file);
    s = open_store(dir);
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
    finish(s, &a, dir);
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
            cmocka_unit_test(test_schema1_migrated),
            cmocka_unit_test(test_rv_spliced),
            cmocka_unit_test(test_long_names),
            cmocka_unit_test(test_spares),
            cmocka_unit_test(test_spares_ahead),
            cmocka_unit_test(test_checksum),
            cmocka_unit_test(test_bad_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
