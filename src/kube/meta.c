/* meta.k8s.io objects: Status, Table, PartialObjectMetadata(List), and
 * Accept negotiation. Wording and fields follow k8s.io/apimachinery's
 * api/errors and the API server's default table convertor and response
 * transforms. */
#include "kube/meta.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/time.h"

/* ---- building objects ---- */

#define MB_MAX 12

typedef struct mb {
    ks_arena *a;
    kv_member m[MB_MAX];
    size_t n;
    int err;
} mb;

static void mb_val(mb *b, const char *key, kv_value v)
{
    if (b->n >= MB_MAX) {
        b->err = KS_ELIMIT;
        return;
    }
    b->m[b->n].key = kv_str_ref(key, strlen(key)); /* keys are literals */
    b->m[b->n++].val = v;
}

static void mb_str(mb *b, const char *key, const char *s)
{
    kv_value v;
    if (!s || !*s)
        return;
    if (kv_str_copy(b->a, s, strlen(s), &v)) {
        b->err = KS_ELIMIT;
        return;
    }
    mb_val(b, key, v);
}

static int mb_done(mb *b, kv_value *out)
{
    if (b->err)
        return b->err;
    return kv_object_new(b->a, b->m, b->n, KV_DUP_LAST_WINS, out, NULL) ? KS_ELIMIT : 0;
}

/* Appends "<resource>.<group>" (just the resource for the core group). */
static void qualified(ks_buf *b, const char *first, const char *group)
{
    ks_buf_puts(b, first ? first : "");
    if (group && *group) {
        ks_buf_putc(b, '.');
        ks_buf_puts(b, group);
    }
}

/* Appends s quoted as Go's %q does for the printable text names are. */
static void quoted(ks_buf *b, const char *s)
{
    ks_buf_putc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            ks_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            ks_buf_puts(b, "\\n");
        else if (c == '\t')
            ks_buf_puts(b, "\\t");
        else if (c < 0x20 || c == 0x7f)
            ks_buf_printf(b, "\\x%02x", c);
        else
            ks_buf_putc(b, (char)c);
    }
    ks_buf_putc(b, '"');
}

/* ---- Status ---- */

static int build_details(ks_arena *a, const kube_status_details *d, kv_value *out)
{
    mb b = {.a = a};
    mb_str(&b, "name", d->name);
    mb_str(&b, "group", d->group);
    mb_str(&b, "kind", d->kind);
    mb_str(&b, "uid", d->uid);
    if (d->retry_after_seconds)
        mb_val(&b, "retryAfterSeconds", kv_int(d->retry_after_seconds));
    if (d->ncauses) {
        kv_value *causes = ks_arena_alloc(a, d->ncauses * sizeof *causes);
        if (!causes)
            return KS_ELIMIT;
        for (size_t i = 0; i < d->ncauses; i++) {
            mb c = {.a = a};
            mb_str(&c, "reason", d->causes[i].reason);
            mb_str(&c, "message", d->causes[i].message);
            mb_str(&c, "field", d->causes[i].field);
            if (mb_done(&c, &causes[i]))
                return KS_ELIMIT;
        }
        kv_value arr;
        if (kv_array_new(a, causes, d->ncauses, &arr))
            return KS_ELIMIT;
        mb_val(&b, "causes", arr);
    }
    return mb_done(&b, out);
}

int kube_status(ks_arena *a, int code, const char *reason, const char *message,
                const kube_status_details *details, kv_value *out)
{
    mb b = {.a = a};
    mb_val(&b, "kind", kv_str_ref("Status", 6));
    mb_val(&b, "apiVersion", kv_str_ref("v1", 2));
    mb_val(&b, "metadata", (kv_value){.kind = KV_OBJECT});
    mb_val(&b, "status",
           code >= 200 && code < 300 ? kv_str_ref("Success", 7) : kv_str_ref("Failure", 7));
    mb_str(&b, "message", message);
    mb_str(&b, "reason", reason);
    if (code)
        mb_val(&b, "code", kv_int(code));
    if (details) {
        kv_value d;
        if (build_details(a, details, &d))
            return KS_ELIMIT;
        mb_val(&b, "details", d);
    }
    return mb_done(&b, out);
}

/* A status whose message is built in buf. */
static int status_buf(ks_arena *a, int code, const char *reason, ks_buf *msg,
                      const kube_status_details *d, kv_value *out)
{
    int rc = msg->err ? KS_ELIMIT : kube_status(a, code, reason, ks_buf_cstr(msg), d, out);
    ks_buf_free(msg);
    return rc;
}

int kube_status_not_found(ks_arena *a, const char *group, const char *resource, const char *name,
                          kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    qualified(&m, resource, group);
    ks_buf_putc(&m, ' ');
    quoted(&m, name);
    ks_buf_puts(&m, " not found");
    kube_status_details d = {.name = name, .group = group, .kind = resource};
    return status_buf(a, 404, "NotFound", &m, &d, out);
}

int kube_status_already_exists(ks_arena *a, const char *group, const char *resource,
                               const char *name, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    qualified(&m, resource, group);
    ks_buf_putc(&m, ' ');
    quoted(&m, name);
    ks_buf_puts(&m, " already exists");
    kube_status_details d = {.name = name, .group = group, .kind = resource};
    return status_buf(a, 409, "AlreadyExists", &m, &d, out);
}

int kube_status_conflict(ks_arena *a, const char *group, const char *resource, const char *name,
                         const char *why, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    ks_buf_puts(&m, "Operation cannot be fulfilled on ");
    qualified(&m, resource, group);
    ks_buf_putc(&m, ' ');
    quoted(&m, name);
    ks_buf_puts(&m, ": ");
    ks_buf_puts(&m, why ? why
                        : "the object has been modified; please apply your changes to the latest "
                          "version and try again");
    kube_status_details d = {.name = name, .group = group, .kind = resource};
    return status_buf(a, 409, "Conflict", &m, &d, out);
}

int kube_status_invalid(ks_arena *a, const char *group, const char *kind, const char *name,
                        const kube_status_cause *causes, size_t ncauses, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    qualified(&m, kind, group);
    ks_buf_putc(&m, ' ');
    quoted(&m, name);
    ks_buf_puts(&m, " is invalid");
    if (ncauses) {
        ks_buf_puts(&m, ": ");
        if (ncauses > 1)
            ks_buf_putc(&m, '[');
        for (size_t i = 0; i < ncauses; i++) {
            if (i)
                ks_buf_puts(&m, ", ");
            ks_buf_puts(&m, causes[i].field ? causes[i].field : "");
            ks_buf_puts(&m, ": ");
            ks_buf_puts(&m, causes[i].message ? causes[i].message : "");
        }
        if (ncauses > 1)
            ks_buf_putc(&m, ']');
    }
    kube_status_details d = {
            .name = name, .group = group, .kind = kind, .causes = causes, .ncauses = ncauses};
    return status_buf(a, 422, "Invalid", &m, &d, out);
}

int kube_status_bad_request(ks_arena *a, const char *message, kv_value *out)
{
    return kube_status(a, 400, "BadRequest", message, NULL, out);
}

int kube_status_method_not_allowed(ks_arena *a, const char *group, const char *resource,
                                   const char *action, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    ks_buf_puts(&m, action ? action : "");
    ks_buf_puts(&m, " is not supported on resources of kind \"");
    qualified(&m, resource, group);
    ks_buf_putc(&m, '"');
    kube_status_details d = {.group = group, .kind = resource};
    return status_buf(a, 405, "MethodNotAllowed", &m, &d, out);
}

int kube_status_gone(ks_arena *a, const char *message, kv_value *out)
{
    return kube_status(a, 410, "Gone", message, NULL, out);
}

int kube_status_expired(ks_arena *a, const char *requested, const char *current, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    ks_buf_printf(&m, "too old resource version: %s (%s)", requested ? requested : "",
                  current ? current : "");
    return status_buf(a, 410, "Expired", &m, NULL, out);
}

int kube_status_too_large(ks_arena *a, const char *message, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    ks_buf_printf(&m, "Request entity too large: %s", message ? message : "");
    return status_buf(a, 413, "RequestEntityTooLarge", &m, NULL, out);
}

int kube_status_too_many_requests(ks_arena *a, const char *message, int retry_after_seconds,
                                  kv_value *out)
{
    kube_status_details d = {.retry_after_seconds = retry_after_seconds};
    return kube_status(a, 429, "TooManyRequests", message, &d, out);
}

int kube_status_unauthorized(ks_arena *a, const char *message, kv_value *out)
{
    return kube_status(a, 401, "Unauthorized", message && *message ? message : "not authorized",
                       NULL, out);
}

int kube_status_forbidden(ks_arena *a, const char *group, const char *resource, const char *name,
                          const char *why, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    if (!resource || !*resource) {
        ks_buf_puts(&m, "forbidden: ");
    } else {
        qualified(&m, resource, group);
        if (name && *name) {
            ks_buf_putc(&m, ' ');
            quoted(&m, name);
        }
        ks_buf_puts(&m, " is forbidden: ");
    }
    ks_buf_puts(&m, why ? why : "");
    kube_status_details d = {.name = name, .group = group, .kind = resource};
    return status_buf(a, 403, "Forbidden", &m, &d, out);
}

int kube_status_unavailable(ks_arena *a, const char *message, kv_value *out)
{
    return kube_status(a, 503, "ServiceUnavailable", message, NULL, out);
}

int kube_status_internal(ks_arena *a, const char *message, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    ks_buf_printf(&m, "Internal error occurred: %s", message ? message : "");
    kube_status_cause c = {.message = message};
    kube_status_details d = {.causes = &c, .ncauses = 1};
    return status_buf(a, 500, "InternalError", &m, &d, out);
}

int kube_status_server_timeout(ks_arena *a, const char *group, const char *resource,
                               const char *operation, int retry_after_seconds, kv_value *out)
{
    ks_buf m = KS_BUF_INIT;
    ks_buf_printf(&m, "The %s operation against ", operation ? operation : "");
    qualified(&m, resource, group);
    ks_buf_puts(&m, " could not be completed at this time, please try again.");
    kube_status_details d = {.name = operation,
                             .group = group,
                             .kind = resource,
                             .retry_after_seconds = retry_after_seconds};
    return status_buf(a, 500, "ServerTimeout", &m, &d, out);
}

int kube_status_not_acceptable(ks_arena *a, const char *message, kv_value *out)
{
    return kube_status(a, 406, "NotAcceptable", message, NULL, out);
}

int kube_status_unsupported_media_type(ks_arena *a, const char *message, kv_value *out)
{
    return kube_status(a, 415, "UnsupportedMediaType", message, NULL, out);
}

/* ---- Table and PartialObjectMetadata ---- */

int kube_include_parse(const char *s, size_t n, kube_include *out, ks_error *err)
{
    if (n == 0 || (n == 8 && memcmp(s, "Metadata", 8) == 0)) {
        *out = KUBE_INCLUDE_METADATA;
    } else if (n == 6 && memcmp(s, "Object", 6) == 0) {
        *out = KUBE_INCLUDE_OBJECT;
    } else if (n == 4 && memcmp(s, "None", 4) == 0) {
        *out = KUBE_INCLUDE_NONE;
    } else {
        ks_buf m = KS_BUF_INIT;
        ks_buf_puts(&m, "unrecognized includeObject value: ");
        ks_buf_putc(&m, '"');
        ks_buf_append(&m, s, n > 200 ? 200 : n);
        ks_buf_putc(&m, '"');
        ks_error_set(err, KS_EINVAL, "%s", ks_buf_cstr(&m));
        ks_buf_free(&m);
        return KS_EINVAL;
    }
    return 0;
}

static int list_meta(ks_arena *a, const kube_list_meta *lm, kv_value *out)
{
    mb b = {.a = a};
    if (lm) {
        mb_str(&b, "resourceVersion", lm->resource_version);
        mb_str(&b, "continue", lm->cont);
        if (lm->has_remaining)
            mb_val(&b, "remainingItemCount", kv_int(lm->remaining_item_count));
    }
    return mb_done(&b, out);
}

static const kv_value *metadata_of(const kv_value *obj)
{
    const kv_value *md = obj->kind == KV_OBJECT ? kv_obj_get(obj, "metadata", 8) : NULL;
    return md && md->kind == KV_OBJECT ? md : NULL;
}

static const char *meta_api_version(const char *version)
{
    return version && strcmp(version, "v1beta1") == 0 ? "meta.k8s.io/v1beta1" : "meta.k8s.io/v1";
}

int kube_pom(ks_arena *a, const kv_value *obj, const char *version, kv_value *out)
{
    mb b = {.a = a};
    const kv_value *md = metadata_of(obj);
    const char *av = meta_api_version(version);
    mb_val(&b, "apiVersion", kv_str_ref(av, strlen(av)));
    mb_val(&b, "kind", kv_str_ref("PartialObjectMetadata", 21));
    mb_val(&b, "metadata", md ? *md : (kv_value){.kind = KV_OBJECT});
    return mb_done(&b, out);
}

int kube_pom_list(ks_arena *a, const kv_value *objs, size_t n, const char *version,
                  const kube_list_meta *lm, kv_value *out)
{
    mb b = {.a = a};
    const char *av = meta_api_version(version);
    mb_val(&b, "apiVersion", kv_str_ref(av, strlen(av)));
    mb_val(&b, "kind", kv_str_ref("PartialObjectMetadataList", 25));
    kv_value lmv, items = kv_null();
    if (list_meta(a, lm, &lmv))
        return KS_ELIMIT;
    mb_val(&b, "metadata", lmv);
    if (n) {
        kv_value *it = ks_arena_alloc(a, n * sizeof *it);
        if (!it)
            return KS_ELIMIT;
        for (size_t i = 0; i < n; i++)
            if (kube_pom(a, &objs[i], version, &it[i]))
                return KS_ELIMIT;
        items = (kv_value){.kind = KV_ARRAY, .len = (uint32_t)n, .u.items = it};
    }
    mb_val(&b, "items", items); /* Go renders an empty list's items as null */
    return mb_done(&b, out);
}

#define NAME_DESCRIPTION                                                                     \
    "Name must be unique within a namespace. Is required when creating resources, although " \
    "some resources may allow a client to request the generation of an appropriate name "    \
    "automatically. Name is primarily intended for creation idempotence and configuration "  \
    "definition. Cannot be updated. More info: "                                             \
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define CREATED_DESCRIPTION                                                                    \
    "CreationTimestamp is a timestamp representing the server time when this object was "      \
    "created. It is not guaranteed to be set in happens-before order across separate "         \
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in " \
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "                  \
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"                        \
    "api-conventions.md#metadata"

static int column(ks_arena *a, const char *name, const char *type, const char *format,
                  const char *desc, kv_value *out)
{
    mb b = {.a = a};
    mb_val(&b, "name", kv_str_ref(name, strlen(name)));
    mb_val(&b, "type", kv_str_ref(type, strlen(type)));
    mb_val(&b, "format", kv_str_ref(format, strlen(format)));
    mb_val(&b, "description", kv_str_ref(desc, strlen(desc)));
    mb_val(&b, "priority", kv_int(0));
    return mb_done(&b, out);
}

/* creationTimestamp as the convertor prints it: UTC, whole seconds; the
 * zero time when absent; as written when it does not parse. */
static int created_cell(ks_arena *a, const kv_value *md, kv_value *out)
{
    const kv_value *ts = md ? kv_obj_get(md, "creationTimestamp", 17) : NULL;
    char buf[KS_TIME_BUFSZ];
    if (!ts || ts->kind != KV_STRING) {
        *out = kv_str_ref("0001-01-01T00:00:00Z", 20);
        return 0;
    }
    int64_t ns;
    if (ks_time_parse(ts->u.s, ts->len, &ns) != 0) {
        *out = *ts;
        return 0;
    }
    /* whole seconds, rounding toward the past as Go's Format truncates */
    int64_t sec = ns / 1000000000;
    if (ns % 1000000000 < 0)
        sec--;
    size_t len = ks_time_format(sec * 1000000000, 0, buf);
    return kv_str_copy(a, buf, len, out) ? KS_ELIMIT : 0;
}

static int row(ks_arena *a, const kv_value *obj, const char *version, kube_include include,
               kv_value *out)
{
    const kv_value *md = metadata_of(obj);
    const kv_value *name = md ? kv_obj_get(md, "name", 4) : NULL;
    kv_value cells[2];
    cells[0] = name && name->kind == KV_STRING ? *name : kv_str_ref("", 0);
    if (created_cell(a, md, &cells[1]))
        return KS_ELIMIT;
    mb b = {.a = a};
    kv_value arr, object = kv_null();
    if (kv_array_new(a, cells, 2, &arr))
        return KS_ELIMIT;
    mb_val(&b, "cells", arr);
    if (include == KUBE_INCLUDE_OBJECT)
        object = *obj;
    else if (include == KUBE_INCLUDE_METADATA && kube_pom(a, obj, version, &object))
        return KS_ELIMIT;
    mb_val(&b, "object", object);
    return mb_done(&b, out);
}

int kube_table(ks_arena *a, const kv_value *objs, size_t n, const char *version,
               kube_include include, bool no_headers, const kube_list_meta *lm, kv_value *out)
{
    mb b = {.a = a};
    const char *av = meta_api_version(version);
    mb_val(&b, "apiVersion", kv_str_ref(av, strlen(av)));
    mb_val(&b, "kind", kv_str_ref("Table", 5));
    kube_list_meta one = {0};
    if (!lm && n == 1 && objs) {
        const kv_value *md = metadata_of(&objs[0]);
        const kv_value *rv = md ? kv_obj_get(md, "resourceVersion", 15) : NULL;
        if (rv && rv->kind == KV_STRING)
            one.resource_version = rv->u.s;
        lm = &one;
    }
    kv_value lmv;
    if (list_meta(a, lm, &lmv))
        return KS_ELIMIT;
    mb_val(&b, "metadata", lmv);
    kv_value cols = kv_null(), rows = kv_null();
    if (!no_headers) {
        kv_value c[2];
        if (column(a, "Name", "string", "name", NAME_DESCRIPTION, &c[0]) ||
            column(a, "Created At", "date", "", CREATED_DESCRIPTION, &c[1]) ||
            kv_array_new(a, c, 2, &cols))
            return KS_ELIMIT;
    }
    mb_val(&b, "columnDefinitions", cols);
    if (n) {
        kv_value *r = ks_arena_alloc(a, n * sizeof *r);
        if (!r)
            return KS_ELIMIT;
        for (size_t i = 0; i < n; i++)
            if (row(a, &objs[i], version, include, &r[i]))
                return KS_ELIMIT;
        rows = (kv_value){.kind = KV_ARRAY, .len = (uint32_t)n, .u.items = r};
    }
    mb_val(&b, "rows", rows); /* no rows: null, as Go renders a nil slice */
    return mb_done(&b, out);
}

/* ---- Accept ---- */

static const struct media {
    unsigned bit;
    const char *type, *sub, *name;
    bool stream; /* has a streaming serializer */
} medias[] = {
        {KUBE_MEDIA_JSON, "application", "json", "application/json", true},
        {KUBE_MEDIA_YAML, "application", "yaml", "application/yaml", false},
        {KUBE_MEDIA_PROTOBUF, "application", "vnd.kubernetes.protobuf",
         "application/vnd.kubernetes.protobuf", true},
};

const char *kube_media_name(unsigned media)
{
    for (size_t i = 0; i < sizeof medias / sizeof *medias; i++)
        if (medias[i].bit == media)
            return medias[i].name;
    return "";
}

typedef struct span {
    const char *s;
    size_t n;
} span;

typedef struct clause {
    span type, sub;
    double q;
    span as, g, v, stream, sv;
    bool has_convert, pretty;
    size_t order;
} clause;

#define ACCEPT_MAX_CLAUSES 64

static span trim(const char *s, size_t n)
{
    while (n && *s == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    return (span){s, n};
}

static bool span_is(span x, const char *lit)
{
    return x.n == strlen(lit) && memcmp(x.s, lit, x.n) == 0;
}

/* One "type/sub;k=v;..." clause, as goautoneg reads it; false to skip. */
static bool parse_clause(const char *s, size_t n, clause *c)
{
    memset(c, 0, sizeof *c);
    c->q = 1.0;
    span part = trim(s, n);
    const char *semi = memchr(part.s, ';', part.n);
    size_t tl = semi ? (size_t)(semi - part.s) : part.n;
    const char *slash = memchr(part.s, '/', tl);
    if (!slash) {
        span t = trim(part.s, tl);
        if (!span_is(t, "*"))
            return false;
        c->type = c->sub = (span){"*", 1};
    } else {
        if (memchr(slash + 1, '/', tl - (size_t)(slash + 1 - part.s)))
            return false;
        c->type = trim(part.s, (size_t)(slash - part.s));
        c->sub = trim(slash + 1, tl - (size_t)(slash + 1 - part.s));
    }
    const char *p = semi ? semi + 1 : NULL;
    const char *end = part.s + part.n;
    while (p && p < end) {
        const char *next = memchr(p, ';', (size_t)(end - p));
        size_t len = next ? (size_t)(next - p) : (size_t)(end - p);
        const char *eq = memchr(p, '=', len);
        if (eq && !memchr(eq + 1, '=', len - (size_t)(eq + 1 - p))) {
            span k = trim(p, (size_t)(eq - p));
            span v = trim(eq + 1, len - (size_t)(eq + 1 - p));
            if (span_is(k, "q")) {
                /* the value as written, spaces included, as goautoneg
                 * parses it: anything but a plain number is q=0 */
                span raw = {eq + 1, len - (size_t)(eq + 1 - p)};
                char num[32];
                c->q = 0;
                if (raw.n && raw.n < sizeof num && (unsigned char)raw.s[0] > ' ') {
                    memcpy(num, raw.s, raw.n);
                    num[raw.n] = '\0';
                    char *stop;
                    double q = strtod(num, &stop);
                    c->q = *stop ? 0 : q;
                }
            } else if (span_is(k, "as")) {
                c->as = v, c->has_convert = true;
            } else if (span_is(k, "g")) {
                c->g = v, c->has_convert = true;
            } else if (span_is(k, "v")) {
                c->v = v, c->has_convert = true;
            } else if (span_is(k, "stream")) {
                c->stream = v;
            } else if (span_is(k, "sv")) {
                c->sv = v;
            } else if (span_is(k, "pretty")) {
                c->pretty = span_is(v, "1");
            }
        }
        p = next ? next + 1 : NULL;
    }
    return true;
}

/* The order goautoneg sorts clauses in, comparator quirks included: a
 * clause with a specific type or subtype goes before a wildcard one even
 * at a lower q. */
static bool clause_less(const clause *a, const clause *b)
{
    if (a->q > b->q)
        return true;
    if (!span_is(a->type, "*") && span_is(b->type, "*"))
        return true;
    if (!span_is(a->sub, "*") && span_is(b->sub, "*"))
        return true;
    return false;
}

/* Go's sort.Sort on so few elements is an insertion sort; the same here,
 * so the quirky comparator orders exactly as it does there. */
static void sort_clauses(clause *cl, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && clause_less(&cl[j], &cl[j - 1]); j--) {
            clause t = cl[j];
            cl[j] = cl[j - 1];
            cl[j - 1] = t;
        }
}

/* Whether serializer m can serve clause c; fills out. */
static bool accepts(const clause *c, const struct media *m, kube_accept *out)
{
    bool match = (span_is(c->type, m->type) && (span_is(c->sub, m->sub) || span_is(c->sub, "*"))) ||
                 (span_is(c->type, "*") && span_is(c->sub, "*"));
    if (!match)
        return false;
    if (c->stream.n && (!m->stream || !span_is(c->stream, "watch")))
        return false;
    if (c->sv.n && !span_is(c->sv, "v1")) /* only the meta.k8s.io version */
        return false;
    *out = (kube_accept){.media = m->bit,
                         .target = KUBE_TARGET_OBJECT,
                         .pretty = c->pretty,
                         .stream_watch = c->stream.n > 0};
    if (!c->has_convert)
        return true;
    if (!span_is(c->g, "meta.k8s.io"))
        return false;
    if (span_is(c->v, "v1"))
        out->version = "v1";
    else if (span_is(c->v, "v1beta1"))
        out->version = "v1beta1";
    else
        return false;
    if (span_is(c->as, "Table")) {
        if (m->bit != KUBE_MEDIA_JSON && m->bit != KUBE_MEDIA_YAML)
            return false;
        out->target = KUBE_TARGET_TABLE;
    } else if (span_is(c->as, "PartialObjectMetadata")) {
        out->target = KUBE_TARGET_POM;
    } else if (span_is(c->as, "PartialObjectMetadataList")) {
        out->target = KUBE_TARGET_POM_LIST;
    } else {
        return false;
    }
    return true;
}

static int not_acceptable(unsigned supported, ks_error *err)
{
    ks_buf m = KS_BUF_INIT;
    ks_buf_puts(&m, "only the following media types are accepted: ");
    bool first = true;
    for (size_t i = 0; i < sizeof medias / sizeof *medias; i++) {
        if (!(supported & medias[i].bit))
            continue;
        ks_buf_puts(&m, first ? "" : ", ");
        ks_buf_puts(&m, medias[i].name);
        first = false;
    }
    ks_error_set(err, KS_EUNSUPPORTED, "%s", ks_buf_cstr(&m));
    ks_buf_free(&m);
    return KS_EUNSUPPORTED;
}

int kube_accept_parse(const char *h, size_t n, unsigned supported, kube_accept *out, ks_error *err)
{
    while (n && (*h == ' ' || *h == '\t'))
        h++, n--;
    if (n == 0) {
        for (size_t i = 0; i < sizeof medias / sizeof *medias; i++) {
            if (supported & medias[i].bit) {
                *out = (kube_accept){.media = medias[i].bit, .target = KUBE_TARGET_OBJECT};
                return 0;
            }
        }
        return not_acceptable(supported, err);
    }
    clause cl[ACCEPT_MAX_CLAUSES];
    memset(cl, 0, sizeof cl);
    size_t nc = 0;
    const char *p = h, *end = h + n;
    while (p < end && nc < ACCEPT_MAX_CLAUSES) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);
        if (parse_clause(p, len, &cl[nc])) {
            cl[nc].order = nc;
            nc++;
        }
        p = comma ? comma + 1 : end;
    }
    sort_clauses(cl, nc);
    for (size_t i = 0; i < nc; i++)
        for (size_t j = 0; j < sizeof medias / sizeof *medias; j++)
            if ((supported & medias[j].bit) && accepts(&cl[i], &medias[j], out))
                return 0;
    return not_acceptable(supported, err);
}
