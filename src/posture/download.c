/*
 * Downloading a control library from upstream's release artifacts (spec
 * configscan_rego.md §2.6), as kubescape's release getter does: each
 * artifact from <base>/download/<tag>/<name>, into a temporary directory
 * that replaces the target only once everything is there and loads.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/log.h"
#include "core/mem.h"
#include "net/http.h"
#include "posture/posture.h"
#include "value/value.h"

#define PATH_MAX_LEN 4096

enum shape { SHAPE_ARRAY, SHAPE_OBJECT };

/* The release assets kubescape reads (regolibrary's gitregostore); the
 * release strips their ".json" (create-release workflow), a plain mirror of
 * `kso library export` keeps it. */
static const struct artifact {
    const char *name;
    enum shape shape;
    bool optional; /* absent from releases older than v1.0.282-rc.0 */
} artifacts[] = {
        {"frameworks", SHAPE_ARRAY, false},
        {"security_frameworks", SHAPE_ARRAY, true},
        {"controls", SHAPE_ARRAY, false},
        {"rules", SHAPE_ARRAY, false},
        {"default_config_inputs", SHAPE_OBJECT, false},
        {"exceptions", SHAPE_ARRAY, false},
        {"attack_tracks", SHAPE_ARRAY, false},
};
#define NARTIFACTS (sizeof artifacts / sizeof *artifacts)

static bool is_artifact_file(const char *fname)
{
    for (size_t i = 0; i < NARTIFACTS; i++) {
        size_t n = strlen(artifacts[i].name);
        if (strncmp(fname, artifacts[i].name, n) == 0 && strcmp(fname + n, ".json") == 0)
            return true;
    }
    return false;
}

/* A release tag as it appears in a URL path segment. */
static int check_version(const char *v, ks_error *err)
{
    size_t n = strlen(v);
    bool ok = n > 0 && n <= 128 && strcmp(v, ".") != 0 && strcmp(v, "..") != 0;
    for (size_t i = 0; ok && i < n; i++) {
        char c = v[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '-' || c == '_' || c == '+';
    }
    if (!ok)
        return ks_error_set(err, KS_EINVAL,
                            "invalid release version '%s': a regolibrary release tag (letters, "
                            "digits, '.', '-', '_', '+'), e.g. v2.0.301",
                            v);
    return 0;
}

static int path_join(char *out, const char *dir, const char *name, ks_error *err)
{
    int n = snprintf(out, PATH_MAX_LEN, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX_LEN)
        return ks_error_set(err, KS_ELIMIT, "%s/%s: path too long", dir, name);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct fetcher {
    const ps_download_opts *o;
    net_http_opts http;
    ks_buf prefix; /* <base>/download/<tag>/ */
    const char *tmp;
    ks_error *err;
} fetcher;

static int validate(fetcher *F, const struct artifact *a, const char *url,
                    const net_http_response *r)
{
    ks_arena ar;
    ks_arena_init(&ar, NULL, 0);
    kv_value v;
    ks_error perr = {0};
    kv_json_opts jo = {.source = url};
    int rc = kv_json_parse(&ar, r->body, r->len, &jo, &v, &perr);
    if (rc) {
        ks_buf m = KS_BUF_INIT;
        ks_error_format(&perr, &m);
        rc = ks_error_set(F->err, KS_EPARSE, "%s.json is not valid JSON: %s", a->name,
                          ks_buf_cstr(&m));
        ks_buf_free(&m);
    } else if (a->shape == SHAPE_ARRAY && v.kind != KV_ARRAY) {
        rc = ks_error_set(F->err, KS_EPARSE, "%s: %s.json must be a JSON array", url, a->name);
    } else if (a->shape == SHAPE_OBJECT && v.kind != KV_OBJECT) {
        rc = ks_error_set(F->err, KS_EPARSE, "%s: %s.json must be a JSON object", url, a->name);
    }
    ks_arena_free(&ar);
    return rc;
}

/* GETs one artifact, as the release names it and then with ".json".
 * Returns 1 when an optional artifact is absent under both names. */
static int fetch_one(fetcher *F, const struct artifact *a)
{
    static const char *const suffixes[] = {"", ".json"};
    ks_buf url = KS_BUF_INIT;
    net_http_response r = {0};
    char first[1024] = "";
    int rc = 0;
    for (size_t s = 0; s < 2; s++) {
        ks_buf_reset(&url);
        ks_buf_printf(&url, "%s%s%s", ks_buf_cstr(&F->prefix), a->name, suffixes[s]);
        if (url.err) {
            rc = ks_error_set(F->err, KS_ENOMEM, "building the URL of %s", a->name);
            goto out;
        }
        net_http_response_free(&r);
        rc = net_http_get(ks_buf_cstr(&url), &F->http, &r, F->err);
        if (rc == 0 || r.status != 404)
            break;
        if (s == 0)
            net_http_redact_url(ks_buf_cstr(&url), first, sizeof first);
    }
    if (rc && r.status == 404) {
        if (a->optional) {
            ks_log_debug("posture", "optional release artifact not found",
                         KS_F_STR("artifact", a->name), KS_F_STR("url", ks_buf_cstr(&url)));
            ks_error_clear(F->err);
            rc = 1;
            goto out;
        }
        char shown[1024];
        net_http_redact_url(ks_buf_cstr(&url), shown, sizeof shown);
        rc = ks_error_set(F->err, KS_EIO,
                          "release artifact %s not found (HTTP 404 for %s and for %s): is the "
                          "release URL or version right?",
                          a->name, first, shown);
        goto out;
    }
    if (rc)
        goto out;
    char shown[1024];
    net_http_redact_url(ks_buf_cstr(&url), shown, sizeof shown);
    if ((rc = validate(F, a, shown, &r)))
        goto out;
    char fname[128], path[PATH_MAX_LEN];
    snprintf(fname, sizeof fname, "%s.json", a->name);
    if ((rc = path_join(path, F->tmp, fname, F->err)))
        goto out;
    rc = ks_file_write_atomic(path, r.body, r.len, 0644, F->err);
    if (!rc)
        ks_log_debug("posture", "downloaded release artifact", KS_F_STR("url", shown),
                     KS_F_INT("bytes", r.len));
out:
    net_http_response_free(&r);
    ks_buf_free(&url);
    return rc;
}

/* Moves the files of `kubescape download artifacts` (per-framework files,
 * controls-inputs.json, attack-tracks.json) from an export of the loaded
 * library into tmp, beside the downloaded artifacts. */
static int add_kubescape_files(const ps_library *lib, const char *tmp, ks_error *err)
{
    char xdir[PATH_MAX_LEN];
    int rc = path_join(xdir, tmp, ".kso-export", err);
    if (rc)
        return rc;
    if ((rc = ps_library_export(lib, xdir, NULL, err)))
        goto out;
    DIR *d = opendir(xdir);
    if (!d) {
        rc = ks_error_set(err, KS_EIO, "%s: %s", xdir, strerror(errno));
        goto out;
    }
    for (struct dirent *e; !rc && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0 || is_artifact_file(e->d_name))
            continue;
        char from[PATH_MAX_LEN], to[PATH_MAX_LEN];
        struct stat st;
        if ((rc = path_join(from, xdir, e->d_name, err)) ||
            (rc = path_join(to, tmp, e->d_name, err)))
            break;
        if (lstat(to, &st) == 0)
            continue; /* a downloaded file of that name wins */
        if (rename(from, to) != 0)
            rc = ks_error_set(err, KS_EIO, "%s: %s", to, strerror(errno));
    }
    closedir(d);
out:
    rm_tree(xdir);
    return rc;
}

/* An existing target may be replaced only if it is empty or holds release
 * artifacts: never a user's unrelated directory. */
static int check_replaceable(const char *dir, ks_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ks_error_set(err, KS_EIO, "%s: %s", dir, strerror(errno));
    bool empty = true, artifacts_here = false;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        empty = false;
        if (strcmp(e->d_name, "controls.json") == 0 || strcmp(e->d_name, "rules.json") == 0 ||
            strcmp(e->d_name, "frameworks.json") == 0)
            artifacts_here = true;
    }
    closedir(d);
    if (empty || artifacts_here)
        return 0;
    return ks_error_set(err, KS_EEXIST,
                        "%s exists and does not hold control library release artifacts "
                        "(controls.json, rules.json, frameworks.json); refusing to replace it",
                        dir);
}

/* Puts tmp in dir's place in one step; tmp then holds the old content, if
 * any, and is removed. */
static int replace_dir(const char *tmp, const char *dir, ks_error *err)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        if (errno != ENOENT)
            return ks_error_set(err, KS_EIO, "%s: %s", dir, strerror(errno));
        if (rename(tmp, dir) != 0)
            return ks_error_set(err, KS_EIO, "renaming %s to %s: %s", tmp, dir, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode))
        return ks_error_set(err, KS_EEXIST, "%s exists and is not a directory%s", dir,
                            S_ISLNK(st.st_mode) ? " (a symbolic link: give its target)" : "");
    int rc = check_replaceable(dir, err);
    if (rc)
        return rc;
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
        rm_tree(tmp); /* the old library */
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS)
        return ks_error_set(err, KS_EIO, "replacing %s: %s", dir, strerror(errno));
    /* no atomic exchange on this file system: move the old one aside first */
    char old[PATH_MAX_LEN];
    int n = snprintf(old, sizeof old, "%s.old", tmp);
    if (n < 0 || (size_t)n >= sizeof old)
        return ks_error_set(err, KS_ELIMIT, "%s: path too long", tmp);
    if (rename(dir, old) != 0)
        return ks_error_set(err, KS_EIO, "moving %s aside: %s", dir, strerror(errno));
    if (rename(tmp, dir) != 0) {
        int e = errno;
        if (rename(old, dir) != 0)
            return ks_error_set(err, KS_EIO,
                                "replacing %s failed (%s) and the old library is left at %s", dir,
                                strerror(e), old);
        return ks_error_set(err, KS_EIO, "replacing %s: %s", dir, strerror(e));
    }
    rm_tree(old);
    return 0;
}

/* dir without trailing slashes, split into parent and base name. */
static int split_dir(const char *dir, char *clean, char *parent, char *base, ks_error *err)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 0 || n >= PATH_MAX_LEN)
        return ks_error_set(err, KS_EINVAL, "invalid download directory '%s'", dir);
    memcpy(clean, dir, n);
    clean[n] = '\0';
    const char *slash = strrchr(clean, '/');
    const char *b = slash ? slash + 1 : clean;
    if (!*b || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
        return ks_error_set(err, KS_EINVAL,
                            "invalid download directory '%s': name a directory to create or "
                            "replace, not '.', '..' or '/'",
                            dir);
    snprintf(base, PATH_MAX_LEN, "%s", b);
    if (!slash)
        snprintf(parent, PATH_MAX_LEN, ".");
    else if (slash == clean)
        snprintf(parent, PATH_MAX_LEN, "/");
    else
        snprintf(parent, PATH_MAX_LEN, "%.*s", (int)(slash - clean), clean);
    return 0;
}

int ps_library_download(const ps_download_opts *opts, const char *dir, ks_error *err)
{
    static const ps_download_opts none = {0};
    const ps_download_opts *o = opts ? opts : &none;
    ks_error local;
    if (!err)
        err = &local;
    const char *version = o->version ? o->version : PS_DOWNLOAD_DEFAULT_VERSION;
    const char *base = o->url && *o->url ? o->url : PS_DOWNLOAD_DEFAULT_URL;
    int rc = check_version(version, err);
    if (rc)
        return rc;
    char clean[PATH_MAX_LEN], parent[PATH_MAX_LEN], name[PATH_MAX_LEN], tmp[PATH_MAX_LEN];
    if ((rc = split_dir(dir, clean, parent, name, err)))
        return rc;

    fetcher F = {.o = o,
                 .http = {.max_body = o->max_file_size,
                          .timeout_ms = o->timeout_ms,
                          .connect_timeout_ms = o->connect_timeout_ms,
                          .proxy = o->proxy,
                          .ca_file = o->ca_file,
                          .insecure = o->insecure},
                 .tmp = tmp,
                 .err = err};
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    ks_buf_init(&F.prefix, 0);
    if (strcmp(version, "latest") == 0)
        ks_buf_printf(&F.prefix, "%.*s/latest/download/", (int)blen, base);
    else
        ks_buf_printf(&F.prefix, "%.*s/download/%s/", (int)blen, base, version);

    if ((rc = ks_mkdir_p(parent, 0755, err)))
        goto out_buf;
    int n = snprintf(tmp, sizeof tmp, "%s/.%s.download-XXXXXX", parent, name);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        rc = ks_error_set(err, KS_ELIMIT, "%s: path too long", dir);
        goto out_buf;
    }
    if (!mkdtemp(tmp)) {
        rc = ks_error_set(err, KS_EIO, "creating a temporary directory in %s: %s", parent,
                          strerror(errno));
        goto out_buf;
    }
    for (size_t i = 0; i < NARTIFACTS; i++) {
        rc = fetch_one(&F, &artifacts[i]);
        if (rc < 0)
            goto out_tmp;
    }
    rc = 0;
    ps_library *lib = NULL;
    if ((rc = ps_library_load_dir(tmp, &lib, err))) {
        ks_buf m = KS_BUF_INIT;
        ks_error_format(err, &m);
        rc = ks_error_set(err, rc, "the library downloaded from %s does not load: %s",
                          ks_buf_cstr(&F.prefix), ks_buf_cstr(&m));
        ks_buf_free(&m);
        goto out_tmp;
    }
    if (ps_library_control_count(lib) == 0) {
        rc = ks_error_set(err, KS_EPARSE, "the library downloaded from %s has no controls",
                          ks_buf_cstr(&F.prefix));
    }
    if (!rc)
        rc = add_kubescape_files(lib, tmp, err);
    ps_library_free(lib);
    if (rc)
        goto out_tmp;
    if (chmod(tmp, 0755) != 0) {
        rc = ks_error_set(err, KS_EIO, "%s: %s", tmp, strerror(errno));
        goto out_tmp;
    }
    if ((rc = replace_dir(tmp, clean, err)))
        goto out_tmp;
    ks_buf_free(&F.prefix);
    return 0;
out_tmp:
    rm_tree(tmp);
out_buf:
    ks_buf_free(&F.prefix);
    return rc;
}
