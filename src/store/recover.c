/* Recovery at open: what a crash can leave behind is made consistent.
 *
 * The write order (body synced, then under its final name, then the row
 * commit, then the old body recycled) means a crash leaves at most: a temporary
 * file, a body no row names (written but not committed, or superseded but
 * not yet recycled), and, only if the disk lost synced data or someone
 * removed files, a row whose body is missing. The first two become spare
 * files; the last is dropped with a warning, since an object without its
 * body cannot be served. Spare files of the last run are adopted. */
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
    size_t temps, orphans, missing;
} recover_stats;

/* The id of the body file a row names (column rv, then body). */
static uint64_t row_fid(sqlite3_stmt *st, int rv_col, int body_col)
{
    uint64_t fid = (uint64_t)sqlite3_column_int64(st, body_col);
    return fid ? fid : (uint64_t)sqlite3_column_int64(st, rv_col);
}

/* Whether a row has the body file <stem>.<fid>.json. */
static bool row_names(kstore *s, const char *res, const char *ns, const char *stem, uint64_t fid)
{
    const char *tilde = strchr(stem, '~');
    if (!tilde) {
        sqlite3_stmt *st = kstore_stmt(&s->w, ST_GET);
        sqlite3_bind_text(st, 1, res, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ns, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, stem, -1, SQLITE_STATIC);
        bool yes = sqlite3_step(st) == SQLITE_ROW && row_fid(st, 1, 6) == fid;
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
        yes = strcmp(other, stem) == 0 && row_fid(st, 1, 2) == fid;
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

/* A leftover body or temporary file becomes a spare file (or is removed). */
static void recycle_file(kstore *s, const char *dir, const char *f, const char *why)
{
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/%s", dir, f);
    ks_log_debug("store", why, KS_F_STR("path", ks_buf_cstr(&p)));
    kstore_body_recycle(s, ks_buf_cstr(&p));
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
            recycle_file(s, path, e->d_name, "temporary file recycled");
            rs->temps++;
        } else if (kstore_parse_body_name(e->d_name, stem, &rv)) {
            if (!row_names(s, res, ns, stem, rv)) {
                recycle_file(s, path, e->d_name, "orphan body recycled");
                rs->orphans++;
            }
        } else {
            ks_log_warn("store", "unexpected file left alone", KS_F_STR("dir", path),
                        KS_F_STR("file", e->d_name));
        }
    }
    closedir(d);
}

static int scan_files(kstore *s, recover_stats *rs)
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

/* Spare files of the last run become the pool again; names the store does
 * not write are left alone. */
static void adopt_spares(kstore *s)
{
    ks_buf top = KS_BUF_INIT;
    ks_buf_printf(&top, "%s/spare", s->dir);
    DIR *d = opendir(ks_buf_cstr(&top));
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char *end;
            errno = 0;
            unsigned long long id = strtoull(e->d_name, &end, 10);
            if (errno || *end || end == e->d_name || e->d_name[0] == '0') {
                ks_log_warn("store", "unexpected file left alone",
                            KS_F_STR("dir", ks_buf_cstr(&top)), KS_F_STR("file", e->d_name));
                continue;
            }
            if (s->nspare < KSTORE_SPARE_MAX)
                s->spare[s->nspare++] = id;
            else
                remove_file(ks_buf_cstr(&top), e->d_name, "spare file removed");
            if (id >= s->spare_next)
                s->spare_next = id + 1;
        }
        closedir(d);
    }
    if (s->spare_next == 0)
        s->spare_next = 1;
    atomic_store(&s->n_spares, s->nspare);
    ks_buf_free(&top);
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
        kstore_body_path(s, res, ns, name, row_fid(q, 4, 5), &path);
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
    adopt_spares(s);
    int rc = scan_files(s, &rs);
    if (rc == 0)
        rc = check_rows(s, &rs, err);
    if (rc == 0 && (rs.temps || rs.orphans || rs.missing))
        ks_log_info("store", "recovered", KS_F_STR("dir", s->dir), KS_F_INT("tempFiles", rs.temps),
                    KS_F_INT("orphanBodies", rs.orphans), KS_F_INT("rowsWithoutBody", rs.missing));
    return rc;
}
