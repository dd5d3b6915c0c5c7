/* Identifiers, body files and the JSON the store writes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/file.h"
#include "core/mem.h"
#include "store/internal.h"

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* DNS-style identifier: [a-z0-9] plus the extra characters, starting and
 * ending alphanumeric, 1..max bytes. */
static int check_ident(const char *what, const char *v, size_t max, const char *extra,
                       ks_error *err)
{
    size_t n = strnlen(v, max + 1);
    if (n == 0)
        return ks_error_set(err, KS_EINVAL, "%s is empty", what);
    if (n > max)
        return ks_error_set(err, KS_EINVAL, "%s is longer than %zu characters", what, max);
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (is_alnum_lower(c))
            continue;
        if (strchr(extra, c) && c != '\0' && i > 0 && i + 1 < n)
            continue;
        return ks_error_at(err, KS_EINVAL, what, 1, (int)i + 1, i,
                           "%s %.64s: character %zu (0x%02x) is not allowed (lowercase letters, "
                           "digits%s%s; alphanumeric at both ends)",
                           what, v, i + 1, (unsigned char)c, *extra ? " and " : "", extra);
    }
    return 0;
}

int kstore_check_key(const char *res, const char *ns, const char *name, ks_error *err)
{
    if (!res || !ns || !name)
        return ks_error_set(err, KS_EINVAL, "resource, namespace and name must be given");
    int rc = check_ident("resource", res, 63, "-", err);
    if (rc == 0 && *ns)
        rc = check_ident("namespace", ns, 63, "-", err);
    if (rc == 0)
        rc = check_ident("name", name, KSTORE_MAX_NAME, ".-", err);
    return rc;
}

int kstore_check_name(const char *name, size_t n, ks_error *err)
{
    const char *nul = memchr(name, '\0', n);
    if (nul)
        return ks_error_at(err, KS_EINVAL, "name", 1, (int)(nul - name) + 1, (size_t)(nul - name),
                           "name: character %zu is a NUL byte", (size_t)(nul - name) + 1);
    if (n > KSTORE_MAX_NAME)
        return ks_error_set(err, KS_EINVAL, "name is longer than %d characters", KSTORE_MAX_NAME);
    char copy[KSTORE_MAX_NAME + 1];
    memcpy(copy, name, n);
    copy[n] = '\0';
    return check_ident("name", copy, KSTORE_MAX_NAME, ".-", err);
}

/* ---- schema-1 body files: <dir>/objects/<res>/<ns>/<stem>.<rv>.json ---- */

void kstore_body_dir(const kstore *s, const char *res, const char *ns, ks_buf *out)
{
    ks_buf_printf(out, "%s/objects/%s/%s", s->dir, res, *ns ? ns : "_cluster");
}

/* Longest name kept whole in a file name: "<name>.<rv>.json" and its
 * ".tmp-" twin must fit NAME_MAX (255). Longer names become their first
 * STEM_PREFIX characters, '~' (never in a name) and the SHA-256 of the
 * whole name. */
#define STEM_WHOLE  200
#define STEM_PREFIX 150

void kstore_body_stem(const char *name, char out[KSTORE_STEM_MAX])
{
    size_t n = strlen(name);
    if (n <= STEM_WHOLE) {
        memcpy(out, name, n + 1);
        return;
    }
    char hex[KS_SHA256_HEXLEN + 1];
    ks_sha256_hex(name, n, hex);
    snprintf(out, KSTORE_STEM_MAX, "%.*s~%s", STEM_PREFIX, name, hex);
}

void kstore_body_path(const kstore *s, const char *res, const char *ns, const char *name,
                      uint64_t fid, uint64_t rv, ks_buf *out)
{
    if (fid) {
        ks_buf_printf(out, "%s/bodies/%" PRIu64, s->dir, fid);
        return;
    }
    char stem[KSTORE_STEM_MAX];
    kstore_body_stem(name, stem);
    kstore_body_dir(s, res, ns, out);
    ks_buf_printf(out, "/%s.%" PRIu64 ".json", stem, rv);
}

bool kstore_parse_body_name(const char *f, char stem[KSTORE_STEM_MAX], uint64_t *rv)
{
    size_t n = strlen(f);
    if (n < 8 || strcmp(f + n - 5, ".json") != 0)
        return false;
    size_t end = n - 5, dot = end;
    while (dot > 0 && f[dot - 1] >= '0' && f[dot - 1] <= '9')
        dot--;
    if (dot == end || end - dot > 20 || dot < 2 || f[dot - 1] != '.')
        return false;
    uint64_t v = 0;
    for (size_t i = dot; i < end; i++) {
        uint64_t d = (uint64_t)(f[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    size_t slen = dot - 1;
    if (slen >= KSTORE_STEM_MAX || v == 0)
        return false;
    memcpy(stem, f, slen);
    stem[slen] = '\0';
    char *tilde = strchr(stem, '~');
    if (tilde) {
        if (tilde - stem != STEM_PREFIX || strlen(tilde + 1) != KS_SHA256_HEXLEN)
            return false;
        *tilde = '\0';
    }
    bool ok = check_ident("name", stem, KSTORE_MAX_NAME, ".-", NULL) == 0;
    if (tilde)
        *tilde = '~';
    if (!ok)
        return false;
    *rv = v;
    return true;
}

int kstore_fsync_dir(const char *path, ks_error *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ks_error_set(err, KS_EIO, "%s: %s", path, strerror(errno));
    int rc = 0;
    if (fsync(fd) != 0)
        rc = ks_error_set(err, KS_EIO, "fsync %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

/* ---- body files: <dir>/bodies/<fid> ----
 *
 * A body file is written in place: a free file (one no row names) is
 * rewritten, fdatasynced, and then named by the row the write commits. No
 * file is created, renamed or unlinked on the write path, and no directory
 * synced: free files are made ahead, their directory synced once per batch,
 * and superseded bodies become free again. A reader that looked a row up
 * before its body was superseded and rewritten sees a body that does not
 * match the row's hash and looks the row up again. */

/* Takes a free file: its id (0 when there is none) and *fd, its open
 * descriptor when it is an empty file made ahead, else -1. */
static uint64_t free_take(kstore *s, int *fd)
{
    pthread_mutex_lock(&s->smu);
    uint64_t fid = 0;
    *fd = -1;
    if (s->nspare) {
        fid = s->spare[--s->nspare];
        *fd = s->spare_fd[s->nspare];
        if (*fd >= 0)
            s->nspare_fds--;
    }
    atomic_store(&s->n_spares, s->nspare);
    pthread_mutex_unlock(&s->smu);
    return fid;
}

/* Puts fid (with fd, or -1) on the free list; false when it is full. */
static bool free_put(kstore *s, uint64_t fid, int fd)
{
    pthread_mutex_lock(&s->smu);
    bool ok = s->nspare < KSTORE_SPARE_MAX;
    if (ok) {
        if (fd >= 0 && s->nspare_fds >= KSTORE_SPARE_FDS) {
            close(fd);
            fd = -1;
        }
        s->spare[s->nspare] = fid;
        s->spare_fd[s->nspare++] = fd;
        s->nspare_fds += fd >= 0;
        atomic_store(&s->n_spares, s->nspare);
    }
    pthread_mutex_unlock(&s->smu);
    return ok;
}

void kstore_body_release(kstore *s, uint64_t fid)
{
    if (!fid || free_put(s, fid, -1))
        return;
    ks_buf p = KS_BUF_INIT;
    kstore_body_path(s, "", "", "", fid, 0, &p);
    if (!p.err)
        unlink(ks_buf_cstr(&p));
    ks_buf_free(&p);
}

void kstore_spare_close(kstore *s)
{
    for (size_t i = 0; i < s->nspare; i++)
        if (s->spare_fd[i] >= 0)
            close(s->spare_fd[i]);
    s->nspare = s->nspare_fds = 0;
}

/* Makes n empty files with new ids into fids, their descriptors open in
 * fds; how many it made. */
static size_t make_files(kstore *s, uint64_t *fids, int *fds, size_t n)
{
    ks_buf p = KS_BUF_INIT;
    size_t made = 0;
    for (; made < n; made++) {
        uint64_t fid = atomic_fetch_add(&s->file_next, 1);
        ks_buf_reset(&p);
        kstore_body_path(s, "", "", "", fid, 0, &p);
        int fd = p.err ? -1 : open(ks_buf_cstr(&p), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            break;
        fids[made] = fid;
        fds[made] = fd;
    }
    ks_buf_free(&p);
    return made;
}

/* Makes n free files, durable before any row can name them. */
static size_t make_free_files(kstore *s, uint64_t *fids, int *fds, size_t n, ks_error *err)
{
    size_t made = make_files(s, fids, fds, n);
    ks_buf d = KS_BUF_INIT;
    ks_buf_printf(&d, "%s/bodies", s->dir);
    if (made && kstore_fsync_dir(ks_buf_cstr(&d), err) != 0) {
        for (size_t i = 0; i < made; i++) {
            ks_buf p = KS_BUF_INIT;
            kstore_body_path(s, "", "", "", fids[i], 0, &p);
            unlink(ks_buf_cstr(&p));
            ks_buf_free(&p);
            close(fds[i]);
        }
        made = 0;
    } else if (made == 0) {
        ks_error_set(err, KS_EIO, "cannot create a body file in %s: %s", ks_buf_cstr(&d),
                     strerror(errno));
    }
    ks_buf_free(&d);
    return made;
}

void kstore_spare_refill(kstore *s)
{
    if (s->o.no_spares_ahead || atomic_load(&s->n_spares) >= KSTORE_SPARE_LOW)
        return;
    uint64_t fids[KSTORE_SPARE_BATCH];
    int fds[KSTORE_SPARE_BATCH];
    size_t n = make_free_files(s, fids, fds, KSTORE_SPARE_BATCH, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!free_put(s, fids[i], fds[i])) {
            close(fds[i]);
            kstore_body_release(s, fids[i]); /* unlinked: the list is full */
        }
    }
}

int kstore_body_write(kstore *s, kstore_prepared *p, ks_error *err)
{
    ks_buf path = KS_BUF_INIT;
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        int fd;
        uint64_t fid = free_take(s, &fd);
        bool empty = fd >= 0; /* made ahead, still open: nothing to cut */
        if (!fid) {
            if (make_free_files(s, &fid, &fd, 1, err) == 0)
                return KS_EIO;
            empty = true;
        }
        ks_buf_reset(&path);
        kstore_body_path(s, "", "", "", fid, 0, &path);
        if (fd < 0)
            fd = path.err ? -1 : open(ks_buf_cstr(&path), O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            /* gone from under the store: forget it, take another */
            if (attempt < 4)
                continue;
            rc = ks_error_set(err, KS_EIO, "%s: %s", ks_buf_cstr(&path), strerror(errno));
            break;
        }
        const char *what = "write";
        if (ks_fd_write_all(fd, p->body.data, p->body.len) != 0 ||
            (what = "truncate", !empty && ftruncate(fd, (off_t)p->body.len) != 0) ||
            (what = "fdatasync", fdatasync(fd) != 0) || (what = "close", close(fd) != 0)) {
            rc = ks_error_set(err, KS_EIO, "%s %s: %s", what, ks_buf_cstr(&path), strerror(errno));
            if (strcmp(what, "close") != 0)
                close(fd);
            kstore_body_release(s, fid); /* not named by any row: free again */
            break;
        }
        p->fid = fid;
        break;
    }
    ks_buf_free(&path);
    return rc;
}

void kstore_prepared_free(kstore *s, kstore_prepared *p)
{
    kstore_body_release(s, p->fid);
    p->fid = 0;
    ks_buf_free(&p->body);
    ks_buf_free(&p->meta);
}

int kstore_splice(const char *json, size_t len, int64_t rv_at, uint64_t rv, ks_buf *out)
{
    if (rv_at < 0 || (size_t)rv_at > len)
        return ks_buf_append(out, json, len);
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRIu64, rv);
    ks_buf_reserve(out, len + (size_t)n);
    ks_buf_append(out, json, (size_t)rv_at);
    ks_buf_append(out, num, (size_t)n);
    return ks_buf_append(out, json + rv_at, len - (size_t)rv_at);
}

/* ---- JSON ---- */

static int set_member(ks_arena *a, const kv_value *obj, const char *key, kv_value val,
                      kv_value *out)
{
    kv_member *m = ks_arena_alloc(a, ((size_t)obj->len + 1) * sizeof(*m));
    if (!m)
        return KS_ENOMEM;
    size_t n = 0;
    for (uint32_t i = 0; i < obj->len; i++) {
        const kv_member *src = &obj->u.members[i];
        if (src->key.kind == KV_STRING && strcmp(src->key.u.s, key) == 0)
            continue;
        m[n++] = *src;
    }
    m[n++] = (kv_member){kv_str_ref(key, strlen(key)), val};
    return kv_object_new(a, m, n, KV_DUP_LAST_WINS, out, NULL);
}

/* obj with metadata.resourceVersion = the string v; *meta_out gets the new
 * metadata. */
static int with_rv(ks_arena *a, const kv_value *obj, const char *v, size_t n, kv_value *out,
                   const kv_value **meta_out, ks_error *err)
{
    if (obj->kind != KV_OBJECT)
        return ks_error_set(err, KS_EINVAL, "object is a %s, not an object",
                            kv_kind_name(kv_kind_of(obj)));
    const kv_value *md = kv_obj_get(obj, "metadata", 8);
    if (!md || md->kind != KV_OBJECT)
        return ks_error_set(err, KS_EINVAL, "object has no metadata object");
    kv_value rvs, md2;
    if (kv_str_copy(a, v, n, &rvs) != 0 || set_member(a, md, "resourceVersion", rvs, &md2) != 0 ||
        set_member(a, obj, "metadata", md2, out) != 0)
        return ks_error_set(err, KS_ENOMEM, "out of memory setting resourceVersion");
    if (meta_out)
        *meta_out = kv_obj_get(out, "metadata", 8);
    return 0;
}

static int write_meta_only(ks_arena *a, const kv_value *obj, ks_buf *meta)
{
    kv_member m[3];
    size_t n = 0;
    static const char *const keys[] = {"apiVersion", "kind", "metadata"};
    for (size_t i = 0; i < 3; i++) {
        const kv_value *v = kv_obj_get(obj, keys[i], strlen(keys[i]));
        if (v)
            m[n++] = (kv_member){kv_str_ref(keys[i], strlen(keys[i])), *v};
    }
    kv_value mo;
    int rc = kv_object_new(a, m, n, KV_DUP_LAST_WINS, &mo, NULL);
    return rc ? rc : kv_json_write(meta, &mo, 0);
}

static bool str_is(const kv_value *v, const char *s)
{
    return v->kind == KV_STRING && strlen(v->u.s) == v->len && strcmp(v->u.s, s) == 0;
}

/* Removes the nonce, the placeholder value of metadata.resourceVersion, from
 * JSON text b; *at gets where it was. */
static int take_nonce(const kstore *s, ks_buf *b, size_t *at, ks_error *err)
{
    static const char member[] = "\"resourceVersion\":\"";
    const size_t ml = sizeof(member) - 1, nl = sizeof(s->rv_nonce) - 1;
    const char *hit = b->len >= nl ? memmem(b->data, b->len, s->rv_nonce, nl) : NULL;
    if (!hit || (size_t)(hit - b->data) < ml || memcmp(hit - ml, member, ml) != 0)
        return ks_error_set(err, KS_EINVAL, "rendered object has no resourceVersion");
    *at = (size_t)(hit - b->data);
    memmove(b->data + *at, b->data + *at + nl, b->len - *at - nl);
    b->len -= nl;
    b->data[b->len] = '\0';
    return 0;
}

int kstore_prepare(kstore *s, ks_arena *a, const kv_value *obj, const char *ns, const char *name,
                   kstore_prepared *p, ks_error *err)
{
    memset(p, 0, sizeof(*p));
    /* room for the placeholder, which is longer than a revision */
    ks_buf_init(&p->body, s->o.max_body + sizeof(s->rv_nonce));
    ks_buf_init(&p->meta, s->o.max_body + sizeof(s->rv_nonce));
    kv_value o;
    const kv_value *md;
    int rc = with_rv(a, obj, s->rv_nonce, sizeof(s->rv_nonce) - 1, &o, &md, err);
    if (rc)
        return rc;
    if (name) {
        const kv_value *nm = kv_obj_get(md, "name", 4);
        if (nm && !str_is(nm, name))
            return ks_error_set(err, KS_EINVAL, "metadata.name does not match the name %s", name);
        const kv_value *nv = kv_obj_get(md, "namespace", 9);
        if (nv && !str_is(nv, ns))
            return ks_error_set(err, KS_EINVAL,
                                "metadata.namespace does not match the namespace \"%s\"", ns);
    }
    const kv_value *u = kv_obj_get(md, "uid", 3);
    p->uid = u && u->kind == KV_STRING ? ks_arena_strndup(a, u->u.s, u->len) : "";
    if (!p->uid)
        return ks_error_set(err, KS_ENOMEM, "out of memory");
    if ((rc = kv_json_write(&p->body, &o, 0)) != 0 || p->body.err)
        return ks_error_set(err, KS_ELIMIT, "object does not serialise in %zu bytes: %s",
                            s->o.max_body, ks_strerror(rc ? rc : p->body.err));
    if ((rc = write_meta_only(a, &o, &p->meta)) != 0 || p->meta.err)
        return ks_error_set(err, KS_ELIMIT, "metadata does not serialise: %s",
                            ks_strerror(rc ? rc : p->meta.err));
    if ((rc = take_nonce(s, &p->body, &p->rv_at, err)) != 0 ||
        (rc = take_nonce(s, &p->meta, &p->meta_rv_at, err)) != 0)
        return rc;
    if (p->body.len > s->o.max_body) /* the limit is on the body, its revision aside */
        return ks_error_set(err, KS_ELIMIT, "object larger than %zu bytes", s->o.max_body);
    ks_sha256_digest(p->body.data, p->body.len, p->hash);
    return 0;
}

int kstore_rerender(const char *json, size_t len, uint64_t rv, ks_buf *out, ks_error *err)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    kv_value v, o;
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRIu64, rv);
    int rc = kv_json_parse(&a, json, len, NULL, &v, err);
    if (rc == 0 && (rc = with_rv(&a, &v, num, (size_t)n, &o, NULL, err)) == 0 &&
        (rc = kv_json_write(out, &o, 0)) != 0)
        rc = ks_error_set(err, rc, "object does not serialise");
    ks_arena_free(&a);
    return rc;
}
