/*
 * Posture exception policies (see exceptions.h): reading policies as Go's
 * encoding/json reads []PostureExceptionPolicy, compiling their patterns,
 * and matching them against failed rules as kubescape/opa-utils does.
 */
#include "posture/exceptions.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/time.h"
#include "core/utf8.h"
#include "core/vec.h"
#include "posture/internal.h"
#include "rego/bi_re2.h"

#define PATTERN_MAX   (64u << 10) /* bytes of one pattern; longer ones never match */
#define PATTERNS_MAX  100000      /* distinct compiled patterns per set */
#define WARNINGS_MAX  1000        /* kept; later ones are only counted */
#define OBJ_DEPTH_MAX 32          /* subject vectors inside subject vectors */

/* A string with its length (Go strings may hold NULs). */
typedef struct sv {
    const char *s;
    size_t n;
} sv;

static sv sv_of(const kv_value *v)
{
    return v && v->kind == KV_STRING ? (sv){v->u.s, v->len} : (sv){"", 0};
}

static sv sv_c(const char *s)
{
    return s ? (sv){s, strlen(s)} : (sv){"", 0};
}

static bool sv_eq(sv a, const char *b)
{
    size_t n = strlen(b);
    return a.n == n && memcmp(a.s, b, n) == 0;
}

static bool sv_has_prefix(sv a, const char *p)
{
    size_t n = strlen(p);
    return a.n >= n && memcmp(a.s, p, n) == 0;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool sv_ascii(sv a)
{
    for (size_t i = 0; i < a.n; i++)
        if ((unsigned char)a.s[i] >= 0x80)
            return false;
    return true;
}

static bool sv_ieq_ascii(sv a, sv b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (ascii_lower((unsigned char)a.s[i]) != ascii_lower((unsigned char)b.s[i]))
            return false;
    return true;
}

/* ---- compiled patterns ---- */

/* Posture-policy field: the text, `(?i)^TEXT$`, and, when case folding can
 * reach past ASCII, the quoted text under (?i) for Go's strings.EqualFold. */
typedef struct pfield {
    sv s;
    const rg_re *ci;
    const rg_re *fold;
} pfield;

enum { PF_CONTROL, PF_RULE, PF_N };

/* Designator fields that are not labels. */
enum { DF_CLUSTER, DF_NAMESPACE, DF_KIND, DF_NAME, DF_RESOURCE_ID, DF_PATH, DF_N };

/* A designator value: the regex "^" VALUE "$", or the value itself when it
 * has no regex syntax (ASCII without metacharacters), compared as bytes. */
typedef struct pat {
    const rg_re *re; /* NULL for literals and for patterns that do not compile */
    sv lit;
    bool literal;
} pat;

typedef struct dlabel {
    sv key;
    pat p;
} dlabel;

typedef struct designator {
    bool set[DF_N];
    pat p[DF_N];
    dlabel *labels; /* label and annotation keys, containerName excluded */
    size_t nlabels;
    bool has_container;
    pat container;
    bool empty;          /* nothing to compare: never matches a resource */
    bool needs_resource; /* kubescape's requiresResourceMatch */
} designator;

enum sel_op { SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_NOTEXISTS };

typedef struct sel_req {
    sv key;
    enum sel_op op;
    sv *values;
    size_t nvalues;
} sel_req;

typedef struct policy {
    kv_value doc; /* as Go writes the struct */
    pfield (*pps)[PF_N];
    size_t npp;
    bool *pp_all; /* entry with empty frameworkName, controlID and ruleName */
    designator *ds;
    size_t nds;
    sel_req *sel; /* objectSelector requirements, ANDed */
    size_t nsel;
    bool sel_bad; /* an objectSelector that does not convert: never matches */
} policy;

struct ps_exceptions {
    ks_arena arena;
    policy *pol;
    size_t npol, cappol;
    ks_map re_cs; /* "^P$" -> rg_re* or &re_invalid */
    ks_map re_ci; /* "(?i)^P$" */
    size_t npatterns;
    const char **warnings;
    size_t nwarnings, capwarnings, warnings_dropped;
};

static char re_invalid; /* cache value of a pattern that does not compile */

static void warn(ps_exceptions *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(ps_exceptions *ex, const char *fmt, ...)
{
    if (ex->nwarnings >= WARNINGS_MAX) {
        ex->warnings_dropped++;
        return;
    }
    ks_buf b = KS_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ks_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    const char *s = b.err ? NULL : ks_arena_strndup(&ex->arena, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    if (!s)
        return;
    ex->warnings =
            ks_grow_array(ex->warnings, &ex->capwarnings, ex->nwarnings + 1, sizeof *ex->warnings);
    ex->warnings[ex->nwarnings++] = s;
}

/* Compiles PREFIX "^" P "$" once per set. *re is NULL when the pattern does
 * not compile (why in *why, a static or arena string). */
static int compile(ps_exceptions *ex, bool icase, sv p, const rg_re **re, const char **why)
{
    *re = NULL;
    *why = NULL;
    if (p.n > PATTERN_MAX) {
        *why = "pattern longer than 65536 bytes";
        return 0;
    }
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, icase ? "(?i)^" : "^");
    ks_buf_append(&b, p.s, p.n);
    ks_buf_putc(&b, '$');
    if (b.err) {
        ks_buf_free(&b);
        return KS_ENOMEM;
    }
    ks_map *m = icase ? &ex->re_ci : &ex->re_cs;
    void *hit = ks_map_get(m, b.data, b.len);
    int rc = 0;
    if (hit) {
        *re = hit == &re_invalid ? NULL : hit;
        if (!*re)
            *why = "invalid regular expression";
        goto out;
    }
    if (ex->npatterns >= PATTERNS_MAX) {
        rc = KS_ELIMIT;
        goto out;
    }
    ks_buf msg = KS_BUF_INIT;
    rg_re *c = rg_re_compile(b.data, b.len, &msg);
    char *key = ks_arena_strndup(&ex->arena, b.data, b.len);
    if (!key) {
        rg_re_free(c);
        ks_buf_free(&msg);
        rc = KS_ENOMEM;
        goto out;
    }
    ks_map_put(m, key, b.len, c ? (void *)c : (void *)&re_invalid);
    ex->npatterns++;
    *re = c;
    if (!c)
        *why = ks_arena_strndup(&ex->arena, ks_buf_cstr(&msg), msg.len);
    ks_buf_free(&msg);
out:
    ks_buf_free(&b);
    return rc;
}

static bool is_literal(sv p)
{
    for (size_t i = 0; i < p.n; i++)
        if ((unsigned char)p.s[i] >= 0x80 || !p.s[i] || strchr("\\.+*?()|[]{}^$", p.s[i]))
            return false;
    return true;
}

/* The designator value P of field `path` (a warning when it never matches). */
static int compile_field(ps_exceptions *ex, sv p, const char *path, pat *out)
{
    *out = (pat){.lit = p, .literal = is_literal(p)};
    if (out->literal)
        return 0;
    const char *why;
    int rc = compile(ex, false, p, &out->re, &why);
    if (!rc && !out->re)
        warn(ex, "%s: %s; the pattern never matches", path, why ? why : "invalid pattern");
    return rc;
}

/* Go's regexp.QuoteMeta under (?i), for strings.EqualFold beyond ASCII. */
static int compile_fold(ps_exceptions *ex, sv s, const rg_re **re)
{
    ks_buf q = KS_BUF_INIT;
    for (size_t i = 0; i < s.n; i++) {
        if (strchr("\\.+*?()|[]{}^$", s.s[i]) && s.s[i])
            ks_buf_putc(&q, '\\');
        ks_buf_putc(&q, s.s[i]);
    }
    const char *why;
    int rc = q.err ? KS_ENOMEM : compile(ex, true, (sv){ks_buf_cstr(&q), q.len}, re, &why);
    ks_buf_free(&q);
    return rc;
}

/* Whether an ASCII-only string can equal-fold to non-ASCII text: only k
 * (KELVIN SIGN) and s (LATIN SMALL LETTER LONG S) can. */
static bool folds_past_ascii(sv s)
{
    if (!sv_ascii(s))
        return true;
    for (size_t i = 0; i < s.n; i++) {
        int c = ascii_lower((unsigned char)s.s[i]);
        if (c == 'k' || c == 's')
            return true;
    }
    return false;
}

/* ---- reading policies (Go encoding/json semantics) ---- */

typedef struct dctx {
    ps_exceptions *ex;
    ks_buf path;
    ks_error *err;
} dctx;

static const char *kind_word(const kv_value *v)
{
    switch (v->kind) {
    case KV_BOOL: return "a boolean";
    case KV_NUMBER: return "a number";
    case KV_STRING: return "a string";
    case KV_ARRAY:
    case KV_SET: return "an array";
    case KV_OBJECT: return "an object";
    default: return "null";
    }
}

static int type_error(dctx *c, const char *want, const kv_value *got)
{
    return ks_error_set(c->err, KS_ETYPE, "%s: expected %s, got %s", ks_buf_cstr(&c->path), want,
                        kind_word(got));
}

static size_t path_push_key(dctx *c, const char *k)
{
    size_t at = c->path.len;
    ks_buf_putc(&c->path, '.');
    ks_buf_puts(&c->path, k);
    return at;
}

static size_t path_push_sv(dctx *c, sv k)
{
    size_t at = c->path.len;
    ks_buf_putc(&c->path, '.');
    ks_buf_append(&c->path, k.s, k.n);
    return at;
}

static size_t path_push_index(dctx *c, size_t i)
{
    size_t at = c->path.len;
    ks_buf_printf(&c->path, "[%zu]", i);
    return at;
}

static void path_pop(dctx *c, size_t at)
{
    ks_buf_truncate(&c->path, at);
}

/* A struct field as encoding/json finds it: the exact key, else a key equal
 * to it ignoring case. */
static const kv_value *field(const kv_value *obj, const char *name)
{
    size_t n = strlen(name);
    const kv_value *v = kv_obj_get(obj, name, n);
    if (v)
        return v;
    for (size_t i = 0; i < obj->len; i++) {
        const kv_member *m = &obj->u.members[i];
        if (m->key.kind == KV_STRING && sv_ieq_ascii(sv_of(&m->key), (sv){name, n}))
            v = &m->val;
    }
    return v;
}

/* Reads a string field into *out (absent or null: "" and *present false). */
static int dec_string(dctx *c, const kv_value *obj, const char *name, sv *out, bool *present)
{
    const kv_value *v = field(obj, name);
    *out = (sv){"", 0};
    if (present)
        *present = false;
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_STRING) {
        size_t at = path_push_key(c, name);
        int rc = type_error(c, "a string", v);
        path_pop(c, at);
        return rc;
    }
    *out = sv_of(v);
    if (present)
        *present = true;
    return 0;
}

/* An array-or-null field: *arr NULL for absent or null. */
static int dec_array(dctx *c, const kv_value *obj, const char *name, const kv_value **arr)
{
    const kv_value *v = field(obj, name);
    *arr = NULL;
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_ARRAY && v->kind != KV_SET) {
        size_t at = path_push_key(c, name);
        int rc = type_error(c, "an array", v);
        path_pop(c, at);
        return rc;
    }
    *arr = v;
    return 0;
}

/* An object-or-null field (a Go map or struct pointer). */
static int dec_object(dctx *c, const kv_value *obj, const char *name, const kv_value **out)
{
    const kv_value *v = field(obj, name);
    *out = NULL;
    if (!v || v->kind == KV_NULL)
        return 0;
    if (v->kind != KV_OBJECT) {
        size_t at = path_push_key(c, name);
        int rc = type_error(c, "an object", v);
        path_pop(c, at);
        return rc;
    }
    *out = v;
    return 0;
}

/* Builder of a JSON object in the set's arena. */
typedef struct obuild {
    kv_member m[20];
    size_t n;
} obuild;

static void ob_add(obuild *b, const char *k, kv_value v)
{
    b->m[b->n].key = kv_str_ref(k, strlen(k));
    b->m[b->n++].val = v;
}

static kv_value str_val(sv s)
{
    return kv_str_ref(s.s, s.n);
}

static int ob_finish(ps_exceptions *ex, obuild *b, kv_value *out)
{
    return kv_object_new(&ex->arena, b->m, b->n, KV_DUP_LAST_WINS, out, NULL) ? KS_ENOMEM : 0;
}

/* A map[string]string: object or null; values strings, null reads as "". */
static int dec_strmap(dctx *c, const kv_value *m, kv_value *norm)
{
    kv_member *mm = m->len ? ks_arena_alloc(&c->ex->arena, m->len * sizeof *mm) : NULL;
    if (m->len && !mm)
        return KS_ENOMEM;
    for (size_t i = 0; i < m->len; i++) {
        const kv_member *e = &m->u.members[i];
        if (e->key.kind != KV_STRING)
            return ks_error_set(c->err, KS_ETYPE, "%s: keys must be strings",
                                ks_buf_cstr(&c->path));
        if (e->val.kind != KV_STRING && e->val.kind != KV_NULL) {
            size_t at = path_push_sv(c, sv_of(&e->key));
            int rc = type_error(c, "a string", &e->val);
            path_pop(c, at);
            return rc;
        }
        mm[i].key = e->key;
        mm[i].val = e->val.kind == KV_NULL ? kv_str_ref("", 0) : e->val;
    }
    return kv_object_new(&c->ex->arena, mm, m->len, KV_DUP_LAST_WINS, norm, NULL) ? KS_ENOMEM : 0;
}

/* ---- RFC 3339 as Go's time.Time reads it ---- */

static int digits(const char *s, size_t n, int lo, int hi)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v < lo || v > hi ? -1 : v;
}

/* Parses "2006-01-02T15:04:05[.frac](Z|+07:00)" into seconds and nanoseconds
 * since the epoch, and writes Go's RFC3339Nano form of the same time (the
 * offset kept, fraction trimmed) to norm (KS_TIME_BUFSZ bytes). Years
 * 0000-9999, as Go. */
static bool parse_time(sv t, int64_t *sec, int32_t *nsec, char *norm, size_t *norm_len)
{
    const char *s = t.s;
    if (t.n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return false;
    int y = digits(s, 4, 0, 9999), mo = digits(s + 5, 2, 1, 12);
    if (y < 0 || mo < 0)
        return false;
    int d = digits(s + 8, 2, 1, (int)ks_days_in_month(y, (unsigned)mo));
    int h = digits(s + 11, 2, 0, 23), mi = digits(s + 14, 2, 0, 59), se = digits(s + 17, 2, 0, 59);
    if (d < 0 || h < 0 || mi < 0 || se < 0)
        return false;
    size_t i = 19, fd = 0;
    int32_t ns = 0;
    char frac[10] = {0};
    if (i + 1 < t.n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
        for (i++; i < t.n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (fd < 9)
                frac[fd++] = s[i];
        }
        for (size_t k = 0; k < 9; k++)
            ns = ns * 10 + (k < fd ? frac[k] - '0' : 0);
    }
    int off = 0;
    if (t.n - i == 1 && s[i] == 'Z') {
        off = 0;
    } else if (t.n - i == 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = digits(s + i + 1, 2, 0, 23), om = digits(s + i + 4, 2, 0, 59);
        if (oh < 0 || om < 0)
            return false;
        off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
    } else {
        return false;
    }
    *sec = ks_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nsec = ns;
    size_t n = 0;
    memcpy(norm, s, 19);
    n = 19;
    while (fd > 0 && frac[fd - 1] == '0')
        fd--;
    if (fd) {
        norm[n++] = '.';
        memcpy(norm + n, frac, fd);
        n += fd;
    }
    if (off == 0) {
        norm[n++] = 'Z';
    } else {
        memcpy(norm + n, s + i, 6);
        n += 6;
    }
    norm[n] = '\0';
    *norm_len = n;
    return true;
}

/* Whether a time is at or before now (Go: !t.After(now)). */
static bool time_passed(int64_t sec, int32_t nsec, int64_t now_ns)
{
    int64_t now_sec = now_ns / KS_NS_PER_SEC, now_nsec = now_ns % KS_NS_PER_SEC;
    if (now_nsec < 0) {
        now_nsec += KS_NS_PER_SEC;
        now_sec--;
    }
    return sec < now_sec || (sec == now_sec && nsec <= now_nsec);
}

/* ---- wlid designators (armosec/utils-k8s-go wlid) ---- */

/* wlid.K8SKindsList, space separated. */
static const char k8s_kinds[] =
        "ComponentStatus ConfigMap ControllerRevision CronJob CustomResourceDefinition "
        "DaemonSet Deployment Endpoints Event HorizontalPodAutoscaler Ingress Job Lease "
        "LimitRange LocalSubjectAccessReview MutatingWebhookConfiguration Namespace "
        "NetworkPolicy Node PersistentVolume PersistentVolumeClaim Pod "
        "PodDisruptionBudget PodSecurityPolicy PodTemplate PriorityClass ReplicaSet "
        "ReplicationController ResourceQuota Role RoleBinding Secret "
        "SelfSubjectAccessReview SelfSubjectRulesReview Service ServiceAccount "
        "StatefulSet StorageClass SubjectAccessReview TokenReview "
        "ValidatingWebhookConfiguration VolumeAttachment ";

/* GetK8SKindFronList: the canonical spelling of a known kind. */
static sv canonical_kind(sv k)
{
    for (const char *p = k8s_kinds; *p;) {
        const char *e = strchr(p, ' ');
        sv kind = {p, (size_t)(e - p)};
        if (sv_ieq_ascii(k, kind))
            return kind;
        p = e + 1;
    }
    return k;
}

/* RestoreMicroserviceIDs: cluster, namespace, kind and name of a wlid. */
static void wlid_parts(sv w, sv out[4])
{
    for (int i = 0; i < 4; i++)
        out[i] = (sv){"", 0};
    if (!w.n || memchr(w.s, ' ', w.n))
        return;
    if (sv_has_prefix(w, "wlid://"))
        w = (sv){w.s + 7, w.n - 7};
    else if (sv_has_prefix(w, "sid://"))
        w = (sv){w.s + 6, w.n - 6};
    sv parts[4];
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= w.n; i++) {
        if (i == w.n || w.s[i] == '/') {
            if (k < 4)
                parts[k] = (sv){w.s + start, i - start};
            k++;
            start = i + 1;
        }
    }
    if (k >= 1 && sv_has_prefix(parts[0], "cluster-"))
        parts[0] = (sv){parts[0].s + 8, parts[0].n - 8};
    if (k >= 2 && sv_has_prefix(parts[1], "namespace-"))
        parts[1] = (sv){parts[1].s + 10, parts[1].n - 10};
    sv appended = {NULL, 0};
    if (k >= 3) {
        const char *dash = memchr(parts[2].s, '-', parts[2].n);
        if (dash) {
            appended = (sv){dash + 1, parts[2].n - (size_t)(dash + 1 - parts[2].s)};
            parts[2].n = (size_t)(dash - parts[2].s);
        }
    }
    for (size_t i = 0; i < 3 && i < k; i++)
        out[i] = parts[i];
    if (k >= 4)
        out[3] = parts[3];
    else if (k == 3 && appended.s)
        out[3] = appended;
    out[2] = canonical_kind(out[2]);
    out[3] = canonical_kind(out[3]);
}

/* ---- one policy ---- */

static const char *const df_keys[DF_N] = {"cluster", "namespace",  "kind",
                                          "name",    "resourceID", "path"};

static int dec_designator(dctx *c, const kv_value *v, designator *d, kv_value *norm)
{
    *d = (designator){0};
    ps_exceptions *ex = c->ex;
    obuild ob = {.n = 0};
    if (v->kind == KV_NULL) {
        ob_add(&ob, "designatorType", kv_str_ref("", 0));
        ob_add(&ob, "attributes", kv_null());
        d->empty = true;
        return ob_finish(ex, &ob, norm);
    }
    if (v->kind != KV_OBJECT)
        return type_error(c, "an object", v);
    sv type, wlid, wild, sid;
    const kv_value *attrs;
    int rc;
    if ((rc = dec_string(c, v, "designatorType", &type, NULL)) ||
        (rc = dec_string(c, v, "wlid", &wlid, NULL)) ||
        (rc = dec_string(c, v, "wildwlid", &wild, NULL)) ||
        (rc = dec_string(c, v, "sid", &sid, NULL)) || (rc = dec_object(c, v, "attributes", &attrs)))
        return rc;
    kv_value nattrs = kv_null();
    if (attrs) {
        size_t at = path_push_key(c, "attributes");
        rc = dec_strmap(c, attrs, &nattrs);
        path_pop(c, at);
        if (rc)
            return rc;
    }
    ob_add(&ob, "designatorType", str_val(type));
    if (wlid.n)
        ob_add(&ob, "wlid", str_val(wlid));
    if (wild.n)
        ob_add(&ob, "wildwlid", str_val(wild));
    if (sid.n)
        ob_add(&ob, "sid", str_val(sid));
    ob_add(&ob, "attributes", nattrs);
    if ((rc = ob_finish(ex, &ob, norm)))
        return rc;

    /* DigestPortalDesignator */
    sv val[DF_N] = {{"", 0}};
    size_t nlabels = 0;
    bool is_wlid = sv_eq(type, "wlid") || sv_eq(type, "wildwlid");
    if (sv_eq(type, "Attributes") || sv_eq(type, "Attribute")) {
        size_t n = nattrs.kind == KV_OBJECT ? nattrs.len : 0;
        d->labels = n ? ks_arena_calloc(&ex->arena, n, sizeof *d->labels) : NULL;
        if (n && !d->labels)
            return KS_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            sv k = sv_of(&nattrs.u.members[i].key), x = sv_of(&nattrs.u.members[i].val);
            int f = -1;
            for (int j = 0; j < DF_N; j++)
                if (sv_eq(k, df_keys[j]))
                    f = j;
            if (f >= 0) {
                val[f] = x;
                continue;
            }
            if (sv_eq(k, "k8sResourceHash"))
                continue;
            nlabels++;
            size_t at = path_push_key(c, "attributes");
            path_push_sv(c, k);
            pat px;
            rc = compile_field(ex, x, ks_buf_cstr(&c->path), &px);
            path_pop(c, at);
            if (rc)
                return rc;
            if (sv_eq(k, "containerName")) {
                d->has_container = true;
                d->container = px;
            } else {
                d->labels[d->nlabels++] = (dlabel){k, px};
            }
        }
    } else if (is_wlid) {
        sv p[4];
        wlid_parts(wlid, p);
        val[DF_CLUSTER] = p[0];
        val[DF_NAMESPACE] = p[1];
        val[DF_KIND] = p[2];
        val[DF_NAME] = p[3];
    }
    bool any = false;
    for (int j = 0; j < DF_N; j++) {
        if (!val[j].n)
            continue;
        any = true;
        d->set[j] = true;
        size_t at = path_push_key(c, is_wlid ? "wlid" : "attributes");
        if (!is_wlid)
            path_push_key(c, df_keys[j]);
        rc = compile_field(ex, val[j], ks_buf_cstr(&c->path), &d->p[j]);
        path_pop(c, at);
        if (rc)
            return rc;
    }
    d->empty = !any && nlabels == 0;
    d->needs_resource = wlid.n || wild.n || d->set[DF_NAMESPACE] || d->set[DF_NAME] ||
                        d->set[DF_KIND] || d->set[DF_PATH] || d->set[DF_RESOURCE_ID] || nlabels > 0;
    return 0;
}

static int dec_posture_policy(dctx *c, const kv_value *v, pfield *pf, bool *all, kv_value *norm)
{
    ps_exceptions *ex = c->ex;
    sv fw = {"", 0}, cname = {"", 0}, cid = {"", 0}, rule = {"", 0};
    int64_t score = 0;
    int rc;
    if (v->kind != KV_NULL) {
        if (v->kind != KV_OBJECT)
            return type_error(c, "an object", v);
        if ((rc = dec_string(c, v, "frameworkName", &fw, NULL)) ||
            (rc = dec_string(c, v, "controlName", &cname, NULL)) ||
            (rc = dec_string(c, v, "controlID", &cid, NULL)) ||
            (rc = dec_string(c, v, "ruleName", &rule, NULL)))
            return rc;
        const kv_value *sc = field(v, "severityScore");
        if (sc && sc->kind != KV_NULL) {
            size_t at = path_push_key(c, "severityScore");
            if (sc->kind != KV_NUMBER) {
                rc = type_error(c, "an integer", sc);
            } else if ((sc->flags & KV_NUMF_FLOAT) || !kv_num_int64(sc, &score)) {
                rc = ks_error_set(c->err, KS_ETYPE, "%s: expected an integer",
                                  ks_buf_cstr(&c->path));
            }
            path_pop(c, at);
            if (rc)
                return rc;
        }
    }
    obuild ob = {.n = 0};
    ob_add(&ob, "frameworkName", str_val(fw));
    if (cname.n)
        ob_add(&ob, "controlName", str_val(cname));
    if (cid.n)
        ob_add(&ob, "controlID", str_val(cid));
    if (rule.n)
        ob_add(&ob, "ruleName", str_val(rule));
    if (score)
        ob_add(&ob, "severityScore", kv_int(score));
    if ((rc = ob_finish(ex, &ob, norm)))
        return rc;
    *all = !fw.n && !cid.n && !rule.n;
    sv fs[PF_N] = {cid, rule};
    const char *names[PF_N] = {"controlID", "ruleName"};
    for (int i = 0; i < PF_N; i++) {
        pf[i] = (pfield){.s = fs[i]};
        if (!fs[i].n)
            continue;
        size_t at = path_push_key(c, names[i]);
        const char *why;
        rc = compile(ex, true, fs[i], &pf[i].ci, &why);
        if (!rc && !pf[i].ci)
            warn(ex, "%s: %s; only a string equal to it (ignoring case) matches",
                 ks_buf_cstr(&c->path), why ? why : "invalid pattern");
        path_pop(c, at);
        if (!rc && folds_past_ascii(fs[i]))
            rc = compile_fold(ex, fs[i], &pf[i].fold);
        if (rc)
            return rc;
    }
    return 0;
}

static int dec_selector(dctx *c, const kv_value *v, policy *p, kv_value *norm)
{
    ps_exceptions *ex = c->ex;
    const kv_value *ml, *mx;
    int rc;
    if ((rc = dec_object(c, v, "matchLabels", &ml)) ||
        (rc = dec_array(c, v, "matchExpressions", &mx)))
        return rc;
    obuild ob = {.n = 0};
    kv_value nml = kv_null();
    if (ml) {
        size_t at = path_push_key(c, "matchLabels");
        rc = dec_strmap(c, ml, &nml);
        path_pop(c, at);
        if (rc)
            return rc;
        if (nml.len)
            ob_add(&ob, "matchLabels", nml);
    }
    size_t nx = mx ? mx->len : 0, nreq = (ml ? nml.len : 0) + nx;
    p->sel = nreq ? ks_arena_calloc(&ex->arena, nreq, sizeof *p->sel) : NULL;
    kv_value *nitems = nx ? ks_arena_calloc(&ex->arena, nx, sizeof *nitems) : NULL;
    if ((nreq && !p->sel) || (nx && !nitems))
        return KS_ENOMEM;
    for (size_t i = 0; ml && i < nml.len; i++) {
        sv *one = ks_arena_alloc(&ex->arena, sizeof *one);
        if (!one)
            return KS_ENOMEM;
        *one = sv_of(&nml.u.members[i].val);
        p->sel[p->nsel++] = (sel_req){sv_of(&nml.u.members[i].key), SEL_IN, one, 1};
    }
    for (size_t i = 0; i < nx; i++) {
        const kv_value *e = &mx->u.items[i];
        size_t at = path_push_key(c, "matchExpressions");
        path_push_index(c, i);
        sv key = {"", 0}, op = {"", 0};
        const kv_value *vals = NULL;
        if (e->kind != KV_NULL && e->kind != KV_OBJECT)
            rc = type_error(c, "an object", e);
        else if (e->kind == KV_OBJECT && !(rc = dec_string(c, e, "key", &key, NULL)) &&
                 !(rc = dec_string(c, e, "operator", &op, NULL)))
            rc = dec_array(c, e, "values", &vals);
        sel_req *r = &p->sel[p->nsel++];
        r->key = key;
        size_t nv = vals ? vals->len : 0;
        kv_value *nvv = nv ? ks_arena_calloc(&ex->arena, nv, sizeof *nvv) : NULL;
        r->values = nv ? ks_arena_calloc(&ex->arena, nv, sizeof *r->values) : NULL;
        if (!rc && nv && (!nvv || !r->values))
            rc = KS_ENOMEM;
        for (size_t j = 0; !rc && j < nv; j++) {
            const kv_value *x = &vals->u.items[j];
            if (x->kind != KV_STRING && x->kind != KV_NULL) {
                size_t at2 = path_push_key(c, "values");
                path_push_index(c, j);
                rc = type_error(c, "a string", x);
                path_pop(c, at2);
            }
            nvv[j] = x->kind == KV_STRING ? *x : kv_str_ref("", 0);
            r->values[j] = sv_of(&nvv[j]);
        }
        r->nvalues = nv;
        path_pop(c, at);
        if (rc)
            return rc;
        /* LabelSelectorAsSelector's checks; a failed conversion never matches */
        if (sv_eq(op, "In") || sv_eq(op, "NotIn")) {
            r->op = sv_eq(op, "In") ? SEL_IN : SEL_NOTIN;
            p->sel_bad |= nv == 0;
        } else if (sv_eq(op, "Exists") || sv_eq(op, "DoesNotExist")) {
            r->op = sv_eq(op, "Exists") ? SEL_EXISTS : SEL_NOTEXISTS;
            p->sel_bad |= nv != 0;
        } else {
            p->sel_bad = true;
        }
        obuild rb = {.n = 0};
        ob_add(&rb, "key", str_val(key));
        ob_add(&rb, "operator", str_val(op));
        kv_value va;
        if (nv) {
            if (kv_array_new(&ex->arena, nvv, nv, &va))
                return KS_ENOMEM;
            ob_add(&rb, "values", va);
        }
        if ((rc = ob_finish(ex, &rb, &nitems[i])))
            return rc;
    }
    if (p->sel_bad)
        warn(ex,
             "%s: an operator or its values are not a valid label selector; the policy "
             "never matches",
             ks_buf_cstr(&c->path));
    if (nx) {
        kv_value arr;
        if (kv_array_new(&ex->arena, nitems, nx, &arr))
            return KS_ENOMEM;
        ob_add(&ob, "matchExpressions", arr);
    }
    return ob_finish(ex, &ob, norm);
}

/* Reads one policy; *keep false when it has expired. */
static int dec_policy(dctx *c, const kv_value *v, int64_t now_ns, policy *p, bool *keep)
{
    ps_exceptions *ex = c->ex;
    *p = (policy){0};
    *keep = true;
    static const kv_value null_obj = {.kind = KV_OBJECT};
    if (v->kind == KV_NULL)
        v = &null_obj;
    if (v->kind != KV_OBJECT)
        return type_error(c, "an object", v);
    sv guid, name, updated, ptype, ctime, reason, created, expiry;
    bool has_reason, has_expiry;
    const kv_value *attrs, *actions, *resources, *selector, *pps;
    int rc;
    if ((rc = dec_string(c, v, "guid", &guid, NULL)) ||
        (rc = dec_string(c, v, "name", &name, NULL)) ||
        (rc = dec_object(c, v, "attributes", &attrs)) ||
        (rc = dec_string(c, v, "updatedTime", &updated, NULL)) ||
        (rc = dec_string(c, v, "policyType", &ptype, NULL)) ||
        (rc = dec_string(c, v, "creationTime", &ctime, NULL)) ||
        (rc = dec_array(c, v, "actions", &actions)) ||
        (rc = dec_array(c, v, "resources", &resources)) ||
        (rc = dec_object(c, v, "objectSelector", &selector)) ||
        (rc = dec_array(c, v, "posturePolicies", &pps)) ||
        (rc = dec_string(c, v, "reason", &reason, &has_reason)) ||
        (rc = dec_string(c, v, "expirationDate", &expiry, &has_expiry)) ||
        (rc = dec_string(c, v, "createdBy", &created, NULL)))
        return rc;

    obuild ob = {.n = 0};
    ob_add(&ob, "guid", str_val(guid));
    ob_add(&ob, "name", str_val(name));
    if (attrs && attrs->len)
        ob_add(&ob, "attributes", *attrs);
    if (updated.n)
        ob_add(&ob, "updatedTime", str_val(updated));
    if (ptype.n)
        ob_add(&ob, "policyType", str_val(ptype));
    if (ctime.n)
        ob_add(&ob, "creationTime", str_val(ctime));
    if (has_reason)
        ob_add(&ob, "reason", str_val(reason));
    if (created.n)
        ob_add(&ob, "createdBy", str_val(created));

    if (has_expiry) {
        char norm[KS_TIME_BUFSZ];
        size_t nn;
        int64_t sec;
        int32_t nsec;
        size_t at = path_push_key(c, "expirationDate");
        if (!parse_time(expiry, &sec, &nsec, norm, &nn)) {
            rc = ks_error_set(c->err, KS_EPARSE, "%s: not an RFC 3339 time: \"%.*s\"",
                              ks_buf_cstr(&c->path), (int)(expiry.n > 64 ? 64 : expiry.n),
                              expiry.s);
            path_pop(c, at);
            return rc;
        }
        path_pop(c, at);
        /* still read the rest: Go rejects a malformed field of any policy */
        *keep = !time_passed(sec, nsec, now_ns);
        kv_value t;
        if (kv_str_copy(&ex->arena, norm, nn, &t))
            return KS_ENOMEM;
        ob_add(&ob, "expirationDate", t);
    }

    if (actions) {
        kv_value *items =
                actions->len ? ks_arena_calloc(&ex->arena, actions->len, sizeof *items) : NULL;
        if (actions->len && !items)
            return KS_ENOMEM;
        for (size_t i = 0; i < actions->len; i++) {
            const kv_value *a = &actions->u.items[i];
            if (a->kind != KV_STRING && a->kind != KV_NULL) {
                size_t at = path_push_key(c, "actions");
                path_push_index(c, i);
                rc = type_error(c, "a string", a);
                path_pop(c, at);
                return rc;
            }
            items[i] = a->kind == KV_STRING ? *a : kv_str_ref("", 0);
        }
        kv_value arr;
        if (actions->len) {
            if (kv_array_new(&ex->arena, items, actions->len, &arr))
                return KS_ENOMEM;
            ob_add(&ob, "actions", arr);
        }
    }

    size_t nd = resources ? resources->len : 0;
    p->ds = nd ? ks_arena_calloc(&ex->arena, nd, sizeof *p->ds) : NULL;
    kv_value *dn = nd ? ks_arena_calloc(&ex->arena, nd, sizeof *dn) : NULL;
    if (nd && (!p->ds || !dn))
        return KS_ENOMEM;
    for (size_t i = 0; i < nd; i++) {
        size_t at = path_push_key(c, "resources");
        path_push_index(c, i);
        rc = dec_designator(c, &resources->u.items[i], &p->ds[i], &dn[i]);
        path_pop(c, at);
        if (rc)
            return rc;
    }
    p->nds = nd;
    kv_value res = kv_null();
    if (resources && kv_array_new(&ex->arena, dn, nd, &res))
        return KS_ENOMEM;
    ob_add(&ob, "resources", res);

    if (selector) {
        kv_value ns;
        size_t at = path_push_key(c, "objectSelector");
        rc = dec_selector(c, selector, p, &ns);
        path_pop(c, at);
        if (rc)
            return rc;
        ob_add(&ob, "objectSelector", ns);
    }

    size_t np = pps ? pps->len : 0;
    p->pps = np ? ks_arena_calloc(&ex->arena, np, sizeof *p->pps) : NULL;
    p->pp_all = np ? ks_arena_calloc(&ex->arena, np, sizeof *p->pp_all) : NULL;
    kv_value *pn = np ? ks_arena_calloc(&ex->arena, np, sizeof *pn) : NULL;
    if (np && (!p->pps || !p->pp_all || !pn))
        return KS_ENOMEM;
    for (size_t i = 0; i < np; i++) {
        size_t at = path_push_key(c, "posturePolicies");
        path_push_index(c, i);
        rc = dec_posture_policy(c, &pps->u.items[i], p->pps[i], &p->pp_all[i], &pn[i]);
        path_pop(c, at);
        if (rc)
            return rc;
    }
    p->npp = np;
    if (np) {
        kv_value arr;
        if (kv_array_new(&ex->arena, pn, np, &arr))
            return KS_ENOMEM;
        ob_add(&ob, "posturePolicies", arr);
    }
    return ob_finish(ex, &ob, &p->doc);
}

static int push_policy(ps_exceptions *ex, const policy *p)
{
    ex->pol = ks_grow_array(ex->pol, &ex->cappol, ex->npol + 1, sizeof *ex->pol);
    ex->pol[ex->npol++] = *p;
    return 0;
}

int ps_exceptions_add(ps_exceptions *ex, const kv_value *policies, const char *name, int64_t now_ns,
                      ks_error *err)
{
    if (!policies || policies->kind == KV_NULL)
        return 0;
    if (!name)
        name = "exceptions";
    if (policies->kind != KV_ARRAY && policies->kind != KV_SET)
        return ks_error_set(err, KS_ETYPE, "%s: expected an array of exception policies, got %s",
                            name, kind_word(policies));
    size_t npol = ex->npol, nwarnings = ex->nwarnings;
    kv_value copy;
    if (kv_clone(&ex->arena, policies, &copy))
        return ks_error_set(err, KS_ENOMEM, "%s: out of memory", name);
    dctx c = {.ex = ex, .err = err};
    ks_buf_puts(&c.path, name);
    int rc = 0;
    for (size_t i = 0; i < copy.len && !rc; i++) {
        size_t at = path_push_index(&c, i);
        policy p;
        bool keep;
        rc = dec_policy(&c, &copy.u.items[i], now_ns, &p, &keep);
        if (!rc && keep)
            rc = push_policy(ex, &p);
        if (rc == KS_ENOMEM || rc == KS_ELIMIT)
            ks_error_set(err, rc, "%s: %s", ks_buf_cstr(&c.path),
                         rc == KS_ELIMIT ? "too many distinct patterns" : "out of memory");
        path_pop(&c, at);
    }
    ks_buf_free(&c.path);
    if (rc) {
        /* the memory stays in the arena (the pattern cache points into it) */
        ex->npol = npol;
        ex->nwarnings = nwarnings;
    }
    return rc;
}

static ps_exceptions *exceptions_alloc(void)
{
    ps_exceptions *ex = ks_xcalloc(1, sizeof *ex);
    ks_arena_init(&ex->arena, NULL, 0);
    ks_map_init(&ex->re_cs);
    ks_map_init(&ex->re_ci);
    return ex;
}

int ps_exceptions_new(const kv_value *policies, int64_t now_ns, ps_exceptions **out, ks_error *err)
{
    *out = NULL;
    ps_exceptions *ex = exceptions_alloc();
    int rc = ps_exceptions_add(ex, policies, NULL, now_ns, err);
    if (rc) {
        ps_exceptions_free(ex);
        return rc;
    }
    *out = ex;
    return 0;
}

static void free_map(ks_map *m)
{
    ks_map_entry *e;
    for (size_t i = 0; (e = ks_map_next(m, &i));)
        if (e->val != &re_invalid)
            rg_re_free(e->val);
    ks_map_free(m);
}

void ps_exceptions_free(ps_exceptions *ex)
{
    if (!ex)
        return;
    free_map(&ex->re_cs);
    free_map(&ex->re_ci);
    ks_xfree(ex->pol);
    ks_xfree(ex->warnings);
    ks_arena_free(&ex->arena);
    ks_xfree(ex);
}

size_t ps_exceptions_count(const ps_exceptions *ex)
{
    return ex ? ex->npol : 0;
}

size_t ps_exceptions_warning_count(const ps_exceptions *ex)
{
    return ex ? ex->nwarnings : 0;
}

const char *ps_exceptions_warning(const ps_exceptions *ex, size_t i)
{
    return ex && i < ex->nwarnings ? ex->warnings[i] : NULL;
}

/* ---- the objects a designator is compared with ---- */

enum otype { OT_K8S, OT_HOST, OT_CLOUD, OT_VECTOR, OT_UNKNOWN };

/* A resource as upstream's IMetadata sees it. */
typedef struct oview {
    const kv_value *o;
    enum otype type;
    sv kind, name, ns, id, path;
    bool has_path;
} oview;

static const kv_value *member(const kv_value *o, const char *k)
{
    return ps_get(o, k);
}

static sv str_at(const kv_value *o, const char *k)
{
    return sv_of(member(o, k));
}

/* objectsenvelopes.GetObjectType, for the kinds of objects a scan holds. */
static enum otype type_of(const kv_value *o)
{
    if (!o || o->kind != KV_OBJECT)
        return OT_UNKNOWN;
    if (member(o, "kind") && member(o, "name") && member(o, "relatedObjects"))
        return OT_VECTOR;
    const kv_value *av = member(o, "apiVersion");
    if (av && av->kind == KV_STRING) {
        sv a = sv_of(av);
        const char *sl = memchr(a.s, '/', a.n);
        sv group = {a.s, sl ? (size_t)(sl - a.s) : a.n};
        if (sv_eq(group, "hostdata.kubescape.cloud"))
            return OT_HOST;
        sv kind = str_at(o, "kind");
        if (sl && !memchr(sl + 1, '/', a.n - group.n - 1) &&
            (sv_eq(group, "container.googleapis.com") || sv_eq(group, "eks.amazonaws.com") ||
             sv_eq(group, "management.azure.com")) &&
            (sv_eq(kind, "ClusterDescribe") || sv_eq(kind, "Describe")))
            return OT_CLOUD;
    }
    const kv_value *k = member(o, "kind");
    if (member(o, "sourcePath") || (av && k && !(av->kind == KV_STRING && av->len == 0) &&
                                    !(k->kind == KV_STRING && k->len == 0)))
        return OT_K8S;
    return OT_UNKNOWN;
}

/* Fills v for object o; id is computed in arena a when given as NULL. */
static int oview_of(ks_arena *a, const kv_value *o, const char *id, oview *v)
{
    *v = (oview){.o = o, .type = type_of(o)};
    const kv_value *md = member(o, "metadata");
    v->kind = str_at(o, "kind");
    switch (v->type) {
    case OT_VECTOR:
        v->name = str_at(o, "name");
        v->ns = str_at(o, "namespace");
        break;
    case OT_HOST: v->name = str_at(md, "name"); break;
    case OT_CLOUD:
        v->name = str_at(md, "name");
        v->ns = str_at(md, "provider");
        break;
    default:
        v->name = str_at(md, "name");
        v->ns = str_at(md, "namespace");
        break;
    }
    if (v->type != OT_HOST && v->type != OT_CLOUD) {
        const kv_value *p = member(o, "sourcePath");
        v->has_path = p && p->kind == KV_STRING;
        v->path = sv_of(p);
    }
    if (!id && o && o->kind == KV_OBJECT) {
        enum ps_res_type t;
        int rc = ps_object_id(a, o, &id, &t);
        if (rc)
            return rc;
    }
    v->id = sv_c(id);
    return 0;
}

/* Per-call state of a match. */
typedef struct mctx {
    ks_arena scratch;
    int err;
    oview top;
    oview *rel; /* related objects of a subject vector */
    size_t nrel;
    sv *failing; /* container names from the failed paths; NULL: none named */
    size_t nfailing;
} mctx;

/* Go's regexp on text that is not UTF-8 reads each bad byte as U+FFFD. */
static bool re_match(mctx *m, const rg_re *re, sv s)
{
    if (!re)
        return false;
    int64_t caps[2];
    ks_buf b = KS_BUF_INIT;
    size_t bad = ks_utf8_check(s.s, s.n);
    if (bad != s.n) {
        for (size_t i = 0; i < s.n;) {
            uint32_t cp;
            size_t w = ks_utf8_decode((const unsigned char *)s.s + i, s.n - i, &cp);
            if (w) {
                ks_buf_append(&b, s.s + i, w);
                i += w;
            } else {
                ks_buf_puts(&b, "\xef\xbf\xbd");
                i++;
            }
        }
        if (b.err) {
            m->err = KS_ENOMEM;
            ks_buf_free(&b);
            return false;
        }
        s = (sv){ks_buf_cstr(&b), b.len};
    }
    int r = rg_re_find(re, s.s, s.n, 0, caps, 1);
    ks_buf_free(&b);
    if (r < 0)
        m->err = KS_ENOMEM;
    return r == 1;
}

static bool pat_match(mctx *m, const pat *p, sv s)
{
    if (p->literal)
        return s.n == p->lit.n && memcmp(s.s, p->lit.s, s.n) == 0;
    return re_match(m, p->re, s);
}

/* ---- containers ---- */

/* workloadinterface PodSpec(kind) / GetContainers: the container list of a
 * workload. *bad when Go's decoding of the list would fail (the names it
 * could read are still given, as Go's partial result). */
static const kv_value *container_list(const kv_value *o, const char *which, bool *bad)
{
    *bad = false;
    sv kind = str_at(o, "kind");
    const char *path = sv_eq(kind, "Pod") || sv_eq(kind, "Namespace") ? "spec"
                       : sv_eq(kind, "CronJob") ? "spec.jobTemplate.spec.template.spec"
                                                : "spec.template.spec";
    const kv_value *spec = kv_path(o, path);
    const kv_value *l = ps_get(spec, which);
    if (!l || l->kind == KV_NULL)
        return NULL;
    if (l->kind != KV_ARRAY) {
        *bad = true;
        return NULL;
    }
    for (size_t i = 0; i < l->len; i++) {
        const kv_value *c = &l->u.items[i];
        const kv_value *n = ps_get(c, "name");
        if ((c->kind != KV_OBJECT && c->kind != KV_NULL) ||
            (n && n->kind != KV_STRING && n->kind != KV_NULL))
            *bad = true;
    }
    return l;
}

static sv container_name(const kv_value *list, size_t i)
{
    return sv_of(ps_get(&list->u.items[i], "name"));
}

static void add_failing(mctx *m, sv name, size_t *cap)
{
    for (size_t i = 0; i < m->nfailing; i++)
        if (m->failing[i].n == name.n && memcmp(m->failing[i].s, name.s, name.n) == 0)
            return;
    if (m->nfailing == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        sv *n = ks_arena_alloc(&m->scratch, nc * sizeof *n);
        if (!n) {
            m->err = KS_ENOMEM;
            return;
        }
        if (m->nfailing)
            memcpy(n, m->failing, m->nfailing * sizeof *n);
        m->failing = n;
        *cap = nc;
    }
    m->failing[m->nfailing++] = name;
}

/* Finds "(initC|c)ontainers\[(\d+)\]" matches in p, leftmost first, and
 * records the names of the containers they index. */
static void scan_path(mctx *m, sv p, const kv_value *cs, const kv_value *ics, size_t *cap)
{
    for (size_t i = 0; i < p.n;) {
        bool init = false;
        size_t j;
        if (p.n - i >= 15 && memcmp(p.s + i, "initContainers[", 15) == 0) {
            init = true;
            j = i + 15;
        } else if (p.n - i >= 11 && memcmp(p.s + i, "containers[", 11) == 0) {
            j = i + 11;
        } else {
            i++;
            continue;
        }
        size_t d0 = j;
        uint64_t idx = 0;
        bool overflow = false;
        while (j < p.n && p.s[j] >= '0' && p.s[j] <= '9') {
            if (idx > (uint64_t)INT64_MAX / 10)
                overflow = true;
            idx = idx * 10 + (uint64_t)(p.s[j] - '0');
            if (idx > (uint64_t)INT64_MAX)
                overflow = true;
            j++;
        }
        if (j == d0 || j >= p.n || p.s[j] != ']') {
            i++;
            continue;
        }
        const kv_value *l = init ? ics : cs;
        if (!overflow && l && idx < l->len)
            add_failing(m, container_name(l, (size_t)idx), cap);
        i = j + 1;
    }
}

/* extractFailingContainerNames. */
static void extract_failing(mctx *m, const kv_value *paths, const kv_value *o, int depth,
                            size_t *cap)
{
    if (depth > OBJ_DEPTH_MAX)
        return;
    if (type_of(o) == OT_VECTOR) {
        const kv_value *rel = member(o, "relatedObjects");
        for (size_t i = 0; rel && (rel->kind == KV_ARRAY || rel->kind == KV_SET) && i < rel->len;
             i++)
            if (type_of(&rel->u.items[i]) != OT_UNKNOWN)
                extract_failing(m, paths, &rel->u.items[i], depth + 1, cap);
        return;
    }
    bool bad;
    const kv_value *cs = container_list(o, "containers", &bad);
    const kv_value *ics = container_list(o, "initContainers", &bad);
    if ((cs ? cs->len : 0) + (ics ? ics->len : 0) == 0)
        return;
    for (size_t i = 0; i < paths->len; i++)
        if (paths->u.items[i].kind == KV_STRING)
            scan_path(m, sv_of(&paths->u.items[i]), cs, ics, cap);
}

/* compareContainerName. */
static bool container_matches(mctx *m, const oview *w, const pat *p)
{
    if (m->nfailing) {
        for (size_t i = 0; i < m->nfailing; i++)
            if (pat_match(m, p, m->failing[i]))
                return true;
        return false;
    }
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t k = 0; k < 2; k++) {
        bool bad;
        const kv_value *l = container_list(w->o, lists[k], &bad);
        for (size_t i = 0; l && !bad && i < l->len; i++)
            if (pat_match(m, p, container_name(l, i)))
                return true;
    }
    return false;
}

/* ---- labels and annotations ---- */

/* Go's %v of a float64: the shortest digits, in exponent form below 1e-4
 * and from 1e6 on (strconv's 'g' with precision -1). */
static void go_float(ks_buf *b, double d)
{
    char s[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*e", prec - 1, d);
        if (strtod(s, NULL) == d)
            break;
    }
    /* s is "[-]D[.DDD]e[+-]XX" with the shortest digits */
    const char *e = strchr(s, 'e');
    int exp = (int)strtol(e + 1, NULL, 10);
    char dig[24];
    size_t nd = 0;
    bool neg = s[0] == '-';
    for (const char *q = s + neg; q < e; q++)
        if (*q >= '0' && *q <= '9')
            dig[nd++] = *q;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    if (neg)
        ks_buf_putc(b, '-');
    if (exp < -4 || exp >= 6) {
        ks_buf_putc(b, dig[0]);
        if (nd > 1) {
            ks_buf_putc(b, '.');
            ks_buf_append(b, dig + 1, nd - 1);
        }
        ks_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        ks_buf_puts(b, "0.");
        ks_buf_fill(b, '0', (size_t)(-exp - 1));
        ks_buf_append(b, dig, nd);
    } else {
        for (int i = 0; i <= exp || (size_t)i < nd; i++) {
            if (i == exp + 1)
                ks_buf_putc(b, '.');
            ks_buf_putc(b, (size_t)i < nd ? dig[i] : '0');
        }
    }
}

/* fmt's %v of a decoded JSON value (annotations are read with it). */
static void go_value(ks_buf *b, const kv_value *v, int depth)
{
    if (depth > OBJ_DEPTH_MAX)
        return;
    switch (v->kind) {
    case KV_STRING: ks_buf_append(b, v->u.s, v->len); break;
    case KV_BOOL: ks_buf_puts(b, v->u.b ? "true" : "false"); break;
    case KV_NUMBER: go_float(b, kv_num_double(v)); break;
    case KV_ARRAY:
    case KV_SET:
        ks_buf_putc(b, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                ks_buf_putc(b, ' ');
            go_value(b, &v->u.items[i], depth + 1);
        }
        ks_buf_putc(b, ']');
        break;
    case KV_OBJECT:
        ks_buf_puts(b, "map[");
        for (size_t i = 0; i < v->len; i++) {
            if (i)
                ks_buf_putc(b, ' ');
            go_value(b, &v->u.members[i].key, depth + 1);
            ks_buf_putc(b, ':');
            go_value(b, &v->u.members[i].val, depth + 1);
        }
        ks_buf_putc(b, ']');
        break;
    default: ks_buf_puts(b, "<nil>"); break;
    }
}

/* compareLabels / compareAnnotations: every label key of d present in the
 * map with a matching value. Labels keep string values only (Go skips
 * nulls); annotations read any value as fmt's %v. */
static bool map_matches(mctx *m, const kv_value *map, const designator *d, bool annotations)
{
    if (!map || map->kind != KV_OBJECT)
        return false;
    size_t usable = 0;
    for (size_t i = 0; i < map->len; i++)
        if (annotations || map->u.members[i].val.kind == KV_STRING)
            usable++;
    if (!usable)
        return false;
    for (size_t i = 0; i < d->nlabels; i++) {
        const kv_value *v = kv_obj_get(map, d->labels[i].key.s, d->labels[i].key.n);
        if (!v || (!annotations && v->kind != KV_STRING))
            return false;
        if (v->kind == KV_STRING) {
            if (!pat_match(m, &d->labels[i].p, sv_of(v)))
                return false;
            continue;
        }
        ks_buf b = KS_BUF_INIT;
        go_value(&b, v, 0);
        bool ok = !b.err && pat_match(m, &d->labels[i].p, (sv){ks_buf_cstr(&b), b.len});
        ks_buf_free(&b);
        if (!ok)
            return false;
    }
    return true;
}

/* objectSelector with labels.Selector semantics on metadata.labels. */
static bool selector_matches(const policy *p, const kv_value *obj)
{
    if (p->sel_bad)
        return false;
    const kv_value *labels = ps_get(ps_get(obj, "metadata"), "labels");
    for (size_t i = 0; i < p->nsel; i++) {
        const sel_req *r = &p->sel[i];
        const kv_value *v =
                labels && labels->kind == KV_OBJECT ? kv_obj_get(labels, r->key.s, r->key.n) : NULL;
        if (v && v->kind != KV_STRING)
            v = NULL;
        bool in = false;
        for (size_t j = 0; v && j < r->nvalues; j++)
            in |= r->values[j].n == v->len && memcmp(r->values[j].s, v->u.s, v->len) == 0;
        bool ok = r->op == SEL_IN       ? in
                  : r->op == SEL_NOTIN  ? !in
                  : r->op == SEL_EXISTS ? v != NULL
                                        : v == NULL;
        if (!ok)
            return false;
    }
    return true;
}

/* metadataHasException (with the objectSelector ANDed). */
static bool metadata_matches(mctx *m, const policy *p, const designator *d, const oview *w)
{
    if (d->set[DF_NAMESPACE] &&
        !pat_match(m, &d->p[DF_NAMESPACE], sv_eq(w->kind, "Namespace") ? w->name : w->ns))
        return false;
    if (d->set[DF_KIND] && !pat_match(m, &d->p[DF_KIND], w->kind))
        return false;
    if (d->set[DF_NAME] && !pat_match(m, &d->p[DF_NAME], w->name))
        return false;
    if (d->set[DF_RESOURCE_ID] && !pat_match(m, &d->p[DF_RESOURCE_ID], w->id))
        return false;
    if (d->set[DF_PATH] && (!w->has_path || !pat_match(m, &d->p[DF_PATH], w->path)))
        return false;
    if (w->type == OT_K8S) {
        const kv_value *md = member(w->o, "metadata");
        if (d->nlabels && !map_matches(m, member(md, "labels"), d, false) &&
            !map_matches(m, member(md, "annotations"), d, true))
            return false;
        if (d->has_container && !container_matches(m, w, &d->container))
            return false;
    }
    if ((p->nsel || p->sel_bad) && !selector_matches(p, w->o))
        return false;
    return true;
}

/* hasException. */
static bool designator_matches(mctx *m, const policy *p, const designator *d, sv cluster)
{
    if (d->empty)
        return false;
    if (d->set[DF_CLUSTER] && !pat_match(m, &d->p[DF_CLUSTER], cluster))
        return false;
    if (m->top.type == OT_VECTOR) {
        for (size_t i = 0; i < m->nrel; i++)
            if (metadata_matches(m, p, d, &m->rel[i]))
                return true;
        if (d->has_container)
            return false;
    }
    return metadata_matches(m, p, d, &m->top);
}

/* ---- posture policies ---- */

static bool pfield_matches(mctx *m, const pfield *f, sv target)
{
    if (sv_ascii(f->s) && sv_ascii(target)) {
        if (sv_ieq_ascii(f->s, target))
            return true;
    } else if (f->fold && re_match(m, f->fold, target)) {
        return true;
    }
    return re_match(m, f->ci, target);
}

/* ruleHasExceptions with an empty framework name and either the control
 * ID or the rule name (the other one empty). */
static bool rule_has(mctx *m, const policy *p, int which, sv target)
{
    if (!p->npp)
        return true;
    for (size_t i = 0; i < p->npp; i++) {
        if (p->pp_all[i])
            return true;
        const pfield *f = &p->pps[i][which];
        if (f->s.n && target.n && !pfield_matches(m, f, target))
            continue;
        return true;
    }
    return false;
}

/* ---- results ---- */

typedef KS_VEC(size_t) hitlist; /* policy indexes */

/* The docs of the hits as an array in a; one copy per distinct policy. */
static int hits_array(const ps_exceptions *ex, const hitlist *h, ks_arena *a, kv_value *out)
{
    kv_value *items = h->len ? ks_arena_alloc(a, h->len * sizeof *items) : NULL;
    if (h->len && !items)
        return KS_ENOMEM;
    for (size_t i = 0; i < h->len; i++) {
        if (i && h->v[i] == h->v[i - 1]) {
            items[i] = items[i - 1];
            continue;
        }
        if (kv_clone(a, &ex->pol[h->v[i]].doc, &items[i]))
            return KS_ENOMEM;
    }
    return kv_array_new(a, items, h->len, out) ? KS_ENOMEM : 0;
}

static int match_hits(const ps_exceptions *ex, const ps_exc_target *t, hitlist *hits)
{
    if (!ex || !ex->npol || !t->object)
        return 0;
    mctx m = {.err = 0};
    ks_arena_init(&m.scratch, NULL, 0);
    int rc = oview_of(&m.scratch, t->object, t->resource_id, &m.top);
    if (!rc && t->source_path) {
        m.top.has_path = true;
        m.top.path = sv_c(t->source_path);
    }
    if (!rc && m.top.type == OT_VECTOR) {
        const kv_value *rel = member(t->object, "relatedObjects");
        size_t n = rel && (rel->kind == KV_ARRAY || rel->kind == KV_SET) ? rel->len : 0;
        m.rel = n ? ks_arena_calloc(&m.scratch, n, sizeof *m.rel) : NULL;
        if (n && !m.rel)
            rc = KS_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++)
            if (type_of(&rel->u.items[i]) != OT_UNKNOWN)
                rc = oview_of(&m.scratch, &rel->u.items[i], NULL, &m.rel[m.nrel++]);
    }
    const kv_value *fp = t->failed_paths;
    if (!rc && fp && (fp->kind == KV_ARRAY || fp->kind == KV_SET) && fp->len) {
        size_t cap = 0;
        extract_failing(&m, fp, t->object, 0, &cap);
    }
    sv control = sv_c(t->control_id), rule = sv_c(t->rule_name), cluster = sv_c(t->cluster);
    for (size_t i = 0; !rc && !m.err && i < ex->npol; i++) {
        const policy *p = &ex->pol[i];
        if (!rule_has(&m, p, PF_CONTROL, control) || !rule_has(&m, p, PF_RULE, rule))
            continue;
        for (size_t j = 0; j < p->nds; j++)
            if (designator_matches(&m, p, &p->ds[j], cluster))
                ks_vec_push(hits, i);
    }
    ks_arena_free(&m.scratch);
    return rc ? rc : m.err;
}

int ps_exceptions_match(const ps_exceptions *ex, const ps_exc_target *t, ks_arena *a,
                        kv_value *matched)
{
    *matched = (kv_value){.kind = KV_ARRAY};
    hitlist hits = {0};
    int rc = match_hits(ex, t, &hits);
    if (!rc)
        rc = hits_array(ex, &hits, a, matched);
    ks_vec_free(&hits);
    return rc;
}

int ps_exceptions_match_index(const ps_exceptions *ex, const ps_exc_target *t, ks_arena *a,
                              const size_t **idx, size_t *n)
{
    *idx = NULL;
    *n = 0;
    hitlist hits = {0};
    int rc = match_hits(ex, t, &hits);
    if (!rc && hits.len) {
        size_t *out = ks_arena_memdup(a, hits.v, hits.len * sizeof *hits.v);
        if (out) {
            *idx = out;
            *n = hits.len;
        } else {
            rc = KS_ENOMEM;
        }
    }
    ks_vec_free(&hits);
    return rc;
}

const kv_value *ps_exceptions_policy(const ps_exceptions *ex, size_t i)
{
    return ex && i < ex->npol ? &ex->pol[i].doc : NULL;
}

int ps_exceptions_match_control(const ps_exceptions *ex, const char *control_id,
                                const char *cluster, ks_arena *a, kv_value *matched)
{
    *matched = (kv_value){.kind = KV_ARRAY};
    if (!ex || !ex->npol)
        return 0;
    mctx m = {.err = 0};
    hitlist hits = {0};
    sv id = sv_c(control_id), cl = sv_c(cluster);
    for (size_t i = 0; !m.err && i < ex->npol; i++) {
        const policy *p = &ex->pol[i];
        bool hit = false;
        for (size_t k = 0; !hit && k < p->npp; k++) {
            const pfield *f = &p->pps[k][PF_CONTROL];
            if (f->s.n ? !re_match(&m, f->ci, id) : id.n != 0)
                continue;
            hit = p->nds == 0;
            for (size_t j = 0; !hit && j < p->nds; j++) {
                const designator *d = &p->ds[j];
                hit = !d->needs_resource &&
                      (!d->set[DF_CLUSTER] || pat_match(&m, &d->p[DF_CLUSTER], cl));
            }
        }
        if (hit)
            ks_vec_push(&hits, i);
    }
    int rc = m.err ? m.err : hits_array(ex, &hits, a, matched);
    ks_vec_free(&hits);
    return rc;
}

/* ---- inline exceptions (kubescape.io/skip-* annotations) ---- */

/* Go's strings.TrimSpace: Unicode White_Space at both ends. */
static bool is_space_at(sv s, size_t i, size_t *w)
{
    uint32_t cp;
    *w = ks_utf8_decode((const unsigned char *)s.s + i, s.n - i, &cp);
    if (!*w)
        return false;
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

static sv trim_space(sv s)
{
    size_t w;
    while (s.n && is_space_at(s, 0, &w)) {
        s.s += w;
        s.n -= w;
    }
    for (;;) {
        size_t k = s.n, back = 0;
        /* find the start of the last code point */
        while (k > 0 && back < 4) {
            k--;
            back++;
            if (((unsigned char)s.s[k] & 0xc0) != 0x80)
                break;
        }
        if (!s.n || !is_space_at(s, k, &w) || k + w != s.n)
            return s;
        s.n = k;
    }
}

static kv_value kstr(const char *k)
{
    return kv_str_ref(k, strlen(k));
}

int ps_exceptions_add_inline(ps_exceptions *ex, const kv_value *object, const char *resource_id,
                             int64_t now_ns, ks_error *err)
{
    const kv_value *ann = ps_get(ps_get(object, "metadata"), "annotations");
    sv raw = trim_space(str_at(ann, "kubescape.io/skip-controls"));
    if (!raw.n)
        return 0;
    ks_arena *a = &ex->arena;
    oview w;
    if (oview_of(a, object, resource_id, &w))
        return ks_error_set(err, KS_ENOMEM, "inline exception: out of memory");
    sv reason = str_at(ann, "kubescape.io/skip-reason");
    sv expiry = str_at(ann, "kubescape.io/skip-expiry");
    if (expiry.n) {
        char norm[KS_TIME_BUFSZ];
        size_t nn;
        int64_t sec;
        int32_t nsec;
        if (!parse_time(expiry, &sec, &nsec, norm, &nn)) {
            warn(ex,
                 "%.*s: kubescape.io/skip-expiry \"%.*s\" is not an RFC 3339 time; no inline "
                 "exception",
                 (int)w.id.n, w.id.s, (int)(expiry.n > 64 ? 64 : expiry.n), expiry.s);
            return 0;
        }
    }
    /* the controls, trimmed, empty ones dropped */
    size_t ncap = 1;
    for (size_t i = 0; i < raw.n; i++)
        ncap += raw.s[i] == ',';
    kv_value *pps = ks_arena_calloc(a, ncap, sizeof *pps);
    if (!pps)
        return ks_error_set(err, KS_ENOMEM, "inline exception: out of memory");
    size_t npp = 0, start = 0;
    int rc = 0;
    for (size_t i = 0; i <= raw.n && !rc; i++) {
        if (i < raw.n && raw.s[i] != ',')
            continue;
        sv c = trim_space((sv){raw.s + start, i - start});
        start = i + 1;
        if (!c.n)
            continue;
        kv_member mm = {kstr("controlID"), str_val(c)};
        rc = kv_object_new(a, &mm, 1, KV_DUP_LAST_WINS, &pps[npp++], NULL);
    }
    if (!npp)
        return 0;
    /* the policy as kubescape writes it, read back like any other */
    kv_member attrs[4];
    size_t na = 0;
    if (w.name.n)
        attrs[na++] = (kv_member){kstr("name"), str_val(w.name)};
    if (w.kind.n)
        attrs[na++] = (kv_member){kstr("kind"), str_val(w.kind)};
    if (w.ns.n)
        attrs[na++] = (kv_member){kstr("namespace"), str_val(w.ns)};
    if (w.id.n)
        attrs[na++] = (kv_member){kstr("resourceID"), str_val(w.id)};
    ks_buf name = KS_BUF_INIT;
    ks_buf_puts(&name, "inline-");
    ks_buf_append(&name, w.id.s, w.id.n);
    kv_value av = kv_null(), dv, resv = kv_null(), ppv = kv_null(), actv = kv_null(),
             namev = kv_null(), pol;
    kv_value disable = kstr("disable");
    rc = rc ? rc : name.err;
    if (!rc)
        rc = kv_str_copy(a, ks_buf_cstr(&name), name.len, &namev);
    ks_buf_free(&name);
    if (!rc)
        rc = kv_object_new(a, attrs, na, KV_DUP_LAST_WINS, &av, NULL);
    kv_member dm[2] = {{kstr("designatorType"), kstr("Attributes")}, {kstr("attributes"), av}};
    if (!rc)
        rc = kv_object_new(a, dm, 2, KV_DUP_LAST_WINS, &dv, NULL);
    if (!rc)
        rc = kv_array_new(a, &dv, 1, &resv);
    if (!rc)
        rc = kv_array_new(a, pps, npp, &ppv);
    if (!rc)
        rc = kv_array_new(a, &disable, 1, &actv);
    obuild ob = {.n = 0};
    ob_add(&ob, "name", namev);
    ob_add(&ob, "policyType", kstr("postureExceptionPolicy"));
    ob_add(&ob, "posturePolicies", ppv);
    ob_add(&ob, "resources", resv);
    ob_add(&ob, "actions", actv);
    if (reason.n)
        ob_add(&ob, "reason", str_val(reason));
    if (expiry.n)
        ob_add(&ob, "expirationDate", str_val(expiry));
    if (!rc)
        rc = kv_object_new(a, ob.m, ob.n, KV_DUP_LAST_WINS, &pol, NULL);
    if (rc)
        return ks_error_set(err, KS_ENOMEM, "inline exception: out of memory");
    dctx c = {.ex = ex, .err = err};
    ks_buf_puts(&c.path, "inline exception of ");
    ks_buf_append(&c.path, w.id.s, w.id.n);
    policy p;
    bool keep;
    rc = dec_policy(&c, &pol, now_ns, &p, &keep);
    ks_buf_free(&c.path);
    if (!rc && keep)
        rc = push_policy(ex, &p);
    return rc;
}
