/* Recovery at open: what a crash can leave behind is made consistent.
 *
 * The write order (body file written and synced, then the row naming it
 * committed, then the superseded body freed) means a crash leaves at most
 * body files no row names (written but not committed, or superseded but not
 * yet freed) and, only if the disk lost synced data or someone removed
 * files, a row whose body is missing. The first become free files again (or
 * are removed past the free list's size); the last is dropped with a
 * warning, since an object without its body cannot be served.
 *
 * Stores of schema 1 kept bodies as objects/<res>/<ns>/<name>.<rv>.json and
 * spare files in spare/: their leftovers (temporary files, orphans, spares)
 * are removed; their rows' bodies stay where they are until superseded. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "store/internal.h"

typedef struct recover_stats {
    size_t temps, orphans, missing, free;
} recover_stats;

/* Whether a schema-1 row (body 0) has the body file <stem>.<rv>.json
 * (columns rv_col and body_col of st). */
static bool legacy_match(sqlite3_stmt *st, int rv_col, int body_col, uint64_t rv)
{
    return sqlite3_column_int64(st, body_col) == 0 &&
           (uint64_t)sqlite3_column_int64(st, rv_col) == rv;
}

static bool row_names(kstore *s, const char *res, const char *ns, const char *stem, uint64_t rv)
{
    const char *tilde = strchr(stem, '~');
    if (!tilde) {
        sqlite3_stmt *st = kstore_stmt(&s->w, ST_GET);
        sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, stem, -1, SQLITE_STATIC);
        bool yes = sqlite3_step(st) == SQLITE_ROW && legacy_match(st, 1, 6, rv);
        sqlite3_reset(st);
        return yes;
    }
    /* A long name: the rows whose names start with the stem's prefix ('~'
     * sorts after every character of a name). */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->w.db,
                           "SELECT name, rv, body FROM objects WHERE resource=?1 AND namespace=?2"
                           " AND name > ?3 AND name < ?3 || '~'",
                           -1, &st, NULL) != SQLITE_OK)
        return true; /* keep the file when in doubt */
    sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, stem, (int)(tilde - stem), SQLITE_STATIC);
    bool yes = false;
    char other[KSTORE_STEM_MAX];
    while (!yes && sqlite3_step(st) == SQLITE_ROW) {
        kstore_body_stem((const char *)sqlite3_column_text(st, 0), other);
        yes = strcmp(other, stem) == 0 && legacy_match(st, 1, 2, rv);
    }
    sqlite3_finalize(st);
    return yes;
}

static void remove_file(const char *dir, const char *f, const char *why)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/%s", dir, f);
    if (unlink(ks_buf_cstr(&p)) != 0 && errno != ENOENT)
        ks_log_warn("store", "cannot remove a file", KS_F_STR("path", ks_buf_cstr(&p)),
                    KS_F_STR("error", strerror(errno)));
    else
        ks_log_debug("store", why, KS_F_STR("path", ks_buf_cstr(&p)));
    ks_buf_free(&p);
}

static void scan_ns_dir(kstore *s, const char *res, const char *nsdir, const char *path,
                        recover_stats *rs)
{
    const char *ns = strcmp(nsdir, "_cluster") == 0 ? "" : nsdir;
    if (kstore_check_key(res, ns, "x", NULL) != 0) {
        ks_log_warn("store", "unexpected directory left alone", KS_F_STR("path", path));
        return;
    }
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    char stem[KSTORE_STEM_MAX];
    uint64_t rv;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strncmp(e->d_name, ".tmp-", 5) == 0) {
            remove_file(path, e->d_name, "temporary file removed");
            rs->temps++;
        } else if (kstore_parse_body_name(e->d_name, stem, &rv)) {
            if (!row_names(s, res, ns, stem, rv)) {
                remove_file(path, e->d_name, "orphan body removed");
                rs->orphans++;
            }
        } else {
            ks_log_warn("store", "unexpected file left alone", KS_F_STR("dir", path),
                        KS_F_STR("file", e->d_name));
        }
    }
    closedir(d);
}

static int scan_legacy(kstore *s, recover_stats *rs)
{
    ks_buf top = KS_BUF_INIT, sub = KS_BUF_INIT, nsp = KS_BUF_INIT;
    ks_buf_printf(&top, "%s/objects", s->dir);
    DIR *d = opendir(ks_buf_cstr(&top));
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            ks_buf_reset(&sub);
            ks_buf_printf(&sub, "%s/%s", ks_buf_cstr(&top), e->d_name);
            DIR *rd = opendir(ks_buf_cstr(&sub));
            if (!rd)
                continue;
            struct dirent *ne;
            while ((ne = readdir(rd)) != NULL) {
                if (ne->d_name[0] == '.')
                    continue;
                ks_buf_reset(&nsp);
                ks_buf_printf(&nsp, "%s/%s", ks_buf_cstr(&sub), ne->d_name);
                struct stat st;
                if (stat(ks_buf_cstr(&nsp), &st) == 0 && S_ISDIR(st.st_mode))
                    scan_ns_dir(s, e->d_name, ne->d_name, ks_buf_cstr(&nsp), rs);
            }
            closedir(rd);
        }
        closedir(d);
    }
    ks_buf_free(&top);
    ks_buf_free(&sub);
    ks_buf_free(&nsp);
    return 0;
}

/* Schema 1's spare files are removed, and their directory. */
static void drop_legacy_spares(kstore *s)
{
    ks_buf top = KS_BUF_INIT;
    ks_buf_printf(&top, "%s/spare", s->dir);
    DIR *d = opendir(ks_buf_cstr(&top));
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                remove_file(ks_buf_cstr(&top), e->d_name, "schema-1 spare file removed");
        closedir(d);
        rmdir(ks_buf_cstr(&top));
    }
    ks_buf_free(&top);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The ids of the body files rows name, sorted, into *out (heap). */
static int named_fids(kstore *s, uint64_t **out, size_t *n, ks_error *err)
{
    sqlite3_stmt *st;
    int sr = sqlite3_prepare_v2(s->w.db, "SELECT body FROM objects WHERE body != 0", -1, &st, NULL);
    if (sr != SQLITE_OK)
        return kstore_sqlite_err(&s->w, sr, "read body ids", err);
    uint64_t *v = NULL;
    size_t len = 0, cap = 0;
    while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
        v = ks_grow_array(v, &cap, len + 1, sizeof(*v));
        v[len++] = (uint64_t)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (sr != SQLITE_DONE) {
        ks_xfree(v);
        return kstore_sqlite_err(&s->w, sr, "read body ids", err);
    }
    if (len > 1)
        qsort(v, len, sizeof(*v), cmp_u64);
    *out = v;
    *n = len;
    return 0;
}

/* Body files no row names become free (or are removed past the free
 * list's size); file ids continue above every file and row. */
static int scan_bodies(kstore *s, recover_stats *rs, ks_error *err)
{
    uint64_t *named = NULL, top = 0;
    size_t nnamed = 0;
    int rc = named_fids(s, &named, &nnamed, err);
    if (rc)
        return rc;
    if (nnamed)
        top = named[nnamed - 1];
    ks_buf dir = KS_BUF_INIT;
    ks_buf_printf(&dir, "%s/bodies", s->dir);
    DIR *d = opendir(ks_buf_cstr(&dir));
    if (!d) {
        rc = ks_error_set(err, KS_EIO, "%s: %s", ks_buf_cstr(&dir), strerror(errno));
        goto out;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *end;
        errno = 0;
        unsigned long long id = strtoull(e->d_name, &end, 10);
        if (errno || *end || end == e->d_name || e->d_name[0] == '0') {
            ks_log_warn("store", "unexpected file left alone", KS_F_STR("dir", ks_buf_cstr(&dir)),
                        KS_F_STR("file", e->d_name));
            continue;
        }
        if (id > top)
            top = id;
        uint64_t key = id;
        if (nnamed && bsearch(&key, named, nnamed, sizeof(*named), cmp_u64))
            continue;
        if (s->nspare < KSTORE_SPARE_MAX) {
            s->spare_fd[s->nspare] = -1;
            s->spare[s->nspare++] = id;
        } else {
            remove_file(ks_buf_cstr(&dir), e->d_name, "free body file removed");
        }
        rs->free++;
    }
    closedir(d);
    atomic_store(&s->n_spares, s->nspare);
    atomic_store(&s->file_next, top + 1);
out:
    ks_buf_free(&dir);
    ks_xfree(named);
    return rc;
}

/* Drops rows whose body file is missing. */
static int check_rows(kstore *s, recover_stats *rs, ks_error *err)
{
    sqlite3_stmt *q = NULL, *del = NULL;
    ks_buf path = KS_BUF_INIT;
    int rc = 0, sr;
    if ((sr = sqlite3_exec(s->w.db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
        return kstore_sqlite_err(&s->w, sr, "begin recovery", err);
    if ((sr = sqlite3_prepare_v2(s->w.db,
                                 "SELECT seq, resource, namespace, name, rv, body FROM objects", -1,
                                 &q, NULL)) != SQLITE_OK ||
        (sr = sqlite3_prepare_v2(s->w.db, "DELETE FROM objects WHERE seq=?1", -1, &del, NULL)) !=
                SQLITE_OK) {
        rc = kstore_sqlite_err(&s->w, sr, "prepare recovery", err);
        goto out;
    }
    while ((sr = sqlite3_step(q)) == SQLITE_ROW) {
        const char *res = (const char *)sqlite3_column_text(q, 1);
        const char *ns = (const char *)sqlite3_column_text(q, 2);
        const char *name = (const char *)sqlite3_column_text(q, 3);
        uint64_t rv = (uint64_t)sqlite3_column_int64(q, 4);
        ks_buf_reset(&path);
        kstore_body_path(s, res, ns, name, (uint64_t)sqlite3_column_int64(q, 5), rv, &path);
        struct stat st;
        if (stat(ks_buf_cstr(&path), &st) == 0 && S_ISREG(st.st_mode))
            continue;
        ks_log_warn("store", "object dropped: its body file is missing", KS_F_STR("resource", res),
                    KS_F_STR("namespace", ns), KS_F_STR("name", name), KS_F_INT("rv", rv));
        sqlite3_reset(del);
        sqlite3_bind_int64(del, 1, sqlite3_column_int64(q, 0));
        if ((sr = sqlite3_step(del)) != SQLITE_DONE) {
            rc = kstore_sqlite_err(&s->w, sr, "drop a row", err);
            goto out;
        }
        rs->missing++;
    }
    if (sr != SQLITE_DONE)
        rc = kstore_sqlite_err(&s->w, sr, "scan rows", err);
out:
    sqlite3_finalize(q);
    sqlite3_finalize(del);
    ks_buf_free(&path);
    sr = sqlite3_exec(s->w.db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    if (rc == 0 && sr != SQLITE_OK)
        rc = kstore_sqlite_err(&s->w, sr, "commit recovery", err);
    return rc;
}

int kstore_recover(kstore *s, ks_error *err)
{
    recover_stats rs = {0};
    drop_legacy_spares(s);
    int rc = scan_legacy(s, &rs);
    if (rc == 0)
        rc = check_rows(s, &rs, err);
    if (rc == 0)
        rc = scan_bodies(s, &rs, err);
    if (rc == 0 && (rs.temps || rs.orphans || rs.missing))
        ks_log_info("store", "recovered", KS_F_STR("dir", s->dir), KS_F_INT("tempFiles", rs.temps),
                    KS_F_INT("orphanBodies", rs.orphans), KS_F_INT("rowsWithoutBody", rs.missing),
                    KS_F_INT("freeBodies", rs.free));
    return rc;
}
