/*
 * providers.aws.sign_req: AWS Signature Version 4 of an HTTP request object,
 * with OPA v1.22.3's validation, messages and quirks:
 *   - the request is checked as http.send checks it (allowed and required
 *     keys), the config must hold four string keys, time_ns must be an
 *     integer written without an exponent;
 *   - the URL is read as Go's net/url reads it (host, escaped path, raw
 *     query), with its error messages;
 *   - headers with non-string keys or values count as "" (OPA's
 *     stringFromTerm); header names are lower-cased as Go's strings.ToLower
 *     for signing; authorization, user-agent and x-amzn-trace-id are not
 *     signed; the signed headers win over the request's own of the same
 *     lower-case name (where Go's map order would pick one at random, the
 *     last in key order wins here);
 *   - the payload hash is SHA-256 of raw_body, else of body as Go's
 *     json.Marshal writes it, else of "", or UNSIGNED-PAYLOAD when the
 *     config's disable_payload_signing is true.
 * HMAC-SHA256 and SHA-256 are Nettle's.
 */
#include "core/goquote.h"
#include "rego/bi_aws.h"

#include <arpa/inet.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "core/digest.h"
#include "core/time.h"
#include "rego/bi_strings.h"

/* ---- Go net/url, the parts signing reads ---- */

enum url_mode { M_PATH, M_HOST, M_ZONE, M_USER, M_FRAG };

static bool is_alnum(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Go's shouldEscape, negated, for the modes used here. */
static bool url_allowed(unsigned char ch, enum url_mode m)
{
    if (is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
        return true;
    switch (m) {
    case M_PATH: return ch != 0 && strchr("$&+,/:;=@", ch) != NULL;
    case M_HOST:
    case M_ZONE: return ch != 0 && strchr("!\"$&'()*+,:;<=>[]", ch) != NULL;
    case M_USER: return ch != 0 && strchr("$&+,;=", ch) != NULL;
    case M_FRAG: return ch != 0 && strchr("!$&()*+,/:;=?@", ch) != NULL;
    }
    return false;
}

static bool is_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static unsigned char unhex(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return (unsigned char)(ch - '0');
    return (unsigned char)((ch | 0x20) - 'a' + 10);
}

static int url_err_quoted(ks_buf *msg, const char *pre, const char *s, size_t n, const char *post)
{
    ks_buf_puts(msg, pre);
    ks_go_quote(msg, s, n, '"', false);
    ks_buf_puts(msg, post);
    return -1;
}

/* Go's unescape: appends the unescaped s to out (if not NULL); -1 with the
 * message in msg on a bad escape or host character. */
static int url_unescape(ks_buf *out, const char *s, size_t n, enum url_mode m, ks_buf *msg)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            if (i + 2 >= n || !is_hex((unsigned char)s[i + 1]) || !is_hex((unsigned char)s[i + 2]))
                return url_err_quoted(msg, "invalid URL escape ", s + i, n - i > 3 ? 3 : n - i, "");
            bool pct25 = s[i + 1] == '2' && s[i + 2] == '5';
            unsigned char v = (unsigned char)(unhex((unsigned char)s[i + 1]) << 4 |
                                              unhex((unsigned char)s[i + 2]));
            if (m == M_HOST && unhex((unsigned char)s[i + 1]) < 8 && !pct25)
                return url_err_quoted(msg, "invalid URL escape ", s + i, 3, "");
            if (m == M_ZONE && !pct25 && v != ' ' && !url_allowed(v, M_HOST))
                return url_err_quoted(msg, "invalid URL escape ", s + i, 3, "");
            if (out)
                ks_buf_putc(out, (char)v);
            i += 3;
            continue;
        }
        if ((m == M_HOST || m == M_ZONE) && ch < 0x80 && !url_allowed(ch, m))
            return url_err_quoted(msg, "invalid character ", s + i, 1, " in host name");
        if (out)
            ks_buf_putc(out, (char)ch);
        i++;
    }
    return 0;
}

static void url_escape_path(ks_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (url_allowed(ch, M_PATH)) {
            ks_buf_putc(b, (char)ch);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            ks_buf_append(b, e, 3);
        }
    }
}

/* Go's validEncoded for paths. */
static bool url_valid_encoded_path(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch != 0 && strchr("!$&'()*+,;=:@[]%", ch))
            continue;
        if (!url_allowed(ch, M_PATH))
            return false;
    }
    return true;
}

static bool url_valid_port(const char *p, size_t n)
{
    if (n == 0)
        return true;
    if (p[0] != ':')
        return false;
    for (size_t i = 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static const char *mem_rchr(const char *s, size_t n, char ch)
{
    while (n > 0)
        if (s[--n] == ch)
            return s + n;
    return NULL;
}

/* netip.ParseAddr of a bracketed host, as far as accepting or rejecting it
 * goes: 1 for an IPv4 address, 0 for IPv6, -1 (message in msg) otherwise. */
static int url_parse_addr(const char *s, size_t n, ks_buf *msg)
{
    size_t k = 0;
    while (k < n && s[k] != '.' && s[k] != ':' && s[k] != '%')
        k++;
    const char *why = "unable to parse IP";
    char tmp[64];
    if (k < n && s[k] == '%') {
        why = "missing IPv6 address";
    } else if (k < n && n < sizeof(tmp)) {
        const char *pct = memchr(s, '%', n);
        size_t an = pct ? (size_t)(pct - s) : n;
        memcpy(tmp, s, an);
        tmp[an] = '\0';
        unsigned char addr[16];
        if (s[k] == '.') {
            if (!pct && inet_pton(AF_INET, tmp, addr) == 1)
                return 1;
        } else if (pct && pct + 1 == s + n) {
            why = "zone must be a non-empty string";
        } else if (inet_pton(AF_INET6, tmp, addr) == 1) {
            return 0;
        }
    }
    ks_buf_puts(msg, "invalid host: ParseAddr(");
    ks_go_quote(msg, s, n, '"', false);
    ks_buf_puts(msg, "): ");
    ks_buf_puts(msg, why);
    return -1;
}

/* Go's parseHost: the unescaped host[:port] into out. */
static int url_parse_host(bool web, const char *h, size_t n, ks_buf *out, ks_buf *msg)
{
    const char *ob = mem_rchr(h, n, '[');
    if (ob && ob > h) {
        ks_buf_puts(msg, "invalid IP-literal");
        return -1;
    }
    if (ob) {
        const char *cb = mem_rchr(h, n, ']');
        if (!cb) {
            ks_buf_puts(msg, "missing ']' in host");
            return -1;
        }
        const char *port = cb + 1;
        size_t nport = (size_t)(h + n - port);
        if (!url_valid_port(port, nport))
            return url_err_quoted(msg, "invalid port ", port, nport, " after host");
        const char *name = h + 1;
        size_t nname = (size_t)(cb - name);
        size_t zone = nname;
        for (size_t i = 0; i + 2 < nname; i++) {
            if (name[i] == '%' && name[i + 1] == '2' && name[i + 2] == '5') {
                zone = i;
                break;
            }
        }
        ks_buf_putc(out, '[');
        size_t start = out->len;
        if (url_unescape(out, name, zone, M_HOST, msg) < 0 ||
            url_unescape(out, name + zone, nname - zone, M_ZONE, msg) < 0)
            return -1;
        int v4 = url_parse_addr(out->data + start, out->len - start, msg);
        if (v4 < 0)
            return -1;
        if (v4 == 1) {
            ks_buf_puts(msg, "invalid IP-literal");
            return -1;
        }
        ks_buf_putc(out, ']');
        ks_buf_append(out, port, nport);
        return 0;
    }
    const char *colon = memchr(h, ':', n);
    if (colon) {
        const char *last = mem_rchr(h, n, ':');
        if (!web)
            colon = last;
        if (!url_valid_port(colon, (size_t)(h + n - colon)))
            return url_err_quoted(msg, "invalid port ", colon, (size_t)(h + n - colon),
                                  " after host");
    }
    return url_unescape(out, h, n, M_HOST, msg);
}

static bool valid_userinfo(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!is_alnum(ch) && !(ch != 0 && strchr("-._:~!$&'()*+,;=%@", ch)))
            return false;
    }
    return true;
}

static int url_parse_authority(bool web, const char *a, size_t n, ks_buf *host, ks_buf *msg)
{
    const char *at = mem_rchr(a, n, '@');
    const char *h = at ? at + 1 : a;
    if (url_parse_host(web, h, (size_t)(a + n - h), host, msg) < 0)
        return -1;
    if (!at)
        return 0;
    size_t nu = (size_t)(at - a);
    if (!valid_userinfo(a, nu)) {
        ks_buf_puts(msg, "net/url: invalid userinfo");
        return -1;
    }
    const char *colon = memchr(a, ':', nu);
    if (!colon)
        return url_unescape(NULL, a, nu, M_USER, msg);
    if (url_unescape(NULL, a, (size_t)(colon - a), M_USER, msg) < 0)
        return -1;
    return url_unescape(NULL, colon + 1, (size_t)(at - colon - 1), M_USER, msg);
}

typedef struct aws_url {
    ks_buf host; /* URL.Host */
    ks_buf path; /* URL.EscapedPath() */
    const char *query;
    size_t nquery; /* URL.RawQuery */
} aws_url;

/* Go's url.Parse without the fragment: -1 with the message in msg. */
static int url_parse_nofrag(aws_url *u, const char *raw, size_t n, ks_buf *msg)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)raw[i] < ' ' || raw[i] == 0x7f) {
            ks_buf_puts(msg, "net/url: invalid control character in URL");
            return -1;
        }
    }
    if (n == 1 && raw[0] == '*') {
        ks_buf_putc(&u->path, '*');
        return 0;
    }
    /* scheme */
    size_t nscheme = 0;
    const char *rest = raw;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)raw[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
            continue;
        if ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.') {
            if (i == 0)
                break;
            continue;
        }
        if (ch == ':') {
            if (i == 0) {
                ks_buf_puts(msg, "missing protocol scheme");
                return -1;
            }
            nscheme = i;
            rest = raw + i + 1;
        }
        break;
    }
    size_t nrest = (size_t)(raw + n - rest);
    bool web = (nscheme == 4 && strncasecmp(raw, "http", 4) == 0) ||
               (nscheme == 5 && strncasecmp(raw, "https", 5) == 0);
    /* query */
    const char *q = memchr(rest, '?', nrest);
    if (q) {
        u->query = q + 1;
        u->nquery = (size_t)(rest + nrest - q - 1);
        nrest = (size_t)(q - rest);
    }
    if (nrest == 0 || rest[0] != '/') {
        if (nscheme > 0)
            return 0; /* opaque: no host, no path */
        const char *slash = memchr(rest, '/', nrest);
        size_t seg = slash ? (size_t)(slash - rest) : nrest;
        if (memchr(rest, ':', seg)) {
            ks_buf_puts(msg, "first path segment in URL cannot contain colon");
            return -1;
        }
    }
    bool two = nrest >= 2 && rest[0] == '/' && rest[1] == '/';
    bool three = two && nrest >= 3 && rest[2] == '/';
    if (two && (nscheme > 0 || !three)) {
        const char *auth = rest + 2;
        const char *slash = memchr(auth, '/', nrest - 2);
        size_t nauth = slash ? (size_t)(slash - auth) : nrest - 2;
        if (url_parse_authority(web, auth, nauth, &u->host, msg) < 0)
            return -1;
        rest = auth + nauth;
        nrest = nrest - 2 - nauth;
    }
    /* setPath and EscapedPath */
    ks_buf path = KS_BUF_INIT;
    if (url_unescape(&path, rest, nrest, M_PATH, msg) < 0) {
        ks_buf_free(&path);
        return -1;
    }
    url_escape_path(&u->path, path.data ? path.data : "", path.len);
    bool same = u->path.len == nrest && memcmp(u->path.data ? u->path.data : "", rest, nrest) == 0;
    if (!same && url_valid_encoded_path(rest, nrest)) {
        ks_buf_reset(&u->path);
        ks_buf_append(&u->path, rest, nrest);
    }
    ks_buf_free(&path);
    return 0;
}

/* Go's url.Parse; on failure, the message as Go's url.Error writes it. */
static int url_parse(aws_url *u, const char *raw, size_t n, ks_buf *msg)
{
    const char *hash = memchr(raw, '#', n);
    size_t nu = hash ? (size_t)(hash - raw) : n;
    ks_buf why = KS_BUF_INIT;
    int rc = url_parse_nofrag(u, raw, nu, &why);
    if (rc == 0 && hash)
        rc = url_unescape(NULL, hash + 1, n - nu - 1, M_FRAG, &why);
    else if (rc < 0)
        n = nu; /* the error names the URL without its fragment */
    if (rc < 0) {
        ks_buf_puts(msg, "parse ");
        ks_go_quote(msg, raw, n, '"', false);
        ks_buf_puts(msg, ": ");
        ks_buf_append(msg, why.data ? why.data : "", why.len);
    }
    ks_buf_free(&why);
    return rc;
}

/* ---- signing ---- */

/* A header as a (name, value) pair; seq orders duplicates. */
typedef struct aws_hdr {
    const char *k, *v;
    size_t nk, nv;
    size_t seq;
} aws_hdr;

static int hdr_cmp(const void *pa, const void *pb)
{
    const aws_hdr *a = pa, *b = pb;
    size_t n = a->nk < b->nk ? a->nk : b->nk;
    int r = memcmp(a->k, b->k, n);
    if (r != 0)
        return r;
    if (a->nk != b->nk)
        return a->nk < b->nk ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorts by name and keeps the last of each name; returns the new count. */
static size_t hdr_sort_unique(aws_hdr *h, size_t n)
{
    qsort(h, n, sizeof(*h), hdr_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && h[i].nk == h[i + 1].nk && memcmp(h[i].k, h[i + 1].k, h[i].nk) == 0)
            continue;
        h[w++] = h[i];
    }
    return w;
}

static void str_of(const kv_value *v, const char **s, size_t *n)
{
    if (v && kv_kind_of(v) == KV_STRING) {
        *s = v->u.s;
        *n = v->len;
    } else {
        *s = "";
        *n = 0;
    }
}

static void hmac256(const uint8_t *key, size_t nkey, const char *msg, size_t n,
                    uint8_t out[SHA256_DIGEST_SIZE])
{
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, nkey, key);
    hmac_sha256_update(&ctx, n, (const uint8_t *)msg);
    hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

static void sha256_hex(const char *s, size_t n, char hex[2 * SHA256_DIGEST_SIZE + 1])
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, n, (const uint8_t *)s);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, d);
    ks_hex_encode(d, SHA256_DIGEST_SIZE, hex);
}

static const char *const aws_required[] = {"aws_access_key", "aws_region", "aws_secret_access_key",
                                           "aws_service"};

static const char *const http_allowed[] = {
        "method",
        "url",
        "body",
        "enable_redirect",
        "force_json_decode",
        "force_yaml_decode",
        "headers",
        "raw_body",
        "tls_use_system_certs",
        "tls_ca_cert",
        "tls_ca_cert_file",
        "tls_ca_cert_env_variable",
        "tls_client_cert",
        "tls_client_cert_file",
        "tls_client_cert_env_variable",
        "tls_client_key",
        "tls_client_key_file",
        "tls_client_key_env_variable",
        "tls_insecure_skip_verify",
        "tls_server_name",
        "timeout",
        "cache",
        "force_cache",
        "force_cache_duration_seconds",
        "raise_error",
        "caching_mode",
        "max_retry_attempts",
        "cache_ignored_headers",
};

static bool http_key_allowed(const kv_value *k)
{
    if (kv_kind_of(k) != KV_STRING)
        return false;
    for (size_t i = 0; i < sizeof(http_allowed) / sizeof(http_allowed[0]); i++)
        if (strlen(http_allowed[i]) == k->len && memcmp(http_allowed[i], k->u.s, k->len) == 0)
            return true;
    return false;
}

/* "{"a", "b"}" from names flagged in bits (names in sorted order). */
static void name_set(ks_buf *b, const char *const *names, size_t n, unsigned bits)
{
    bool first = true;
    ks_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (!(bits & (1u << i)))
            continue;
        if (!first)
            ks_buf_puts(b, ", ");
        first = false;
        ks_buf_printf(b, "\"%s\"", names[i]);
    }
    ks_buf_putc(b, '}');
}

static int error_from_buf(rg_bctx *c, int code, ks_buf *b)
{
    int rc = b->err ? rg_bi_error(c, RG_ERR_INTERNAL, "out of memory")
                    : rg_bi_error(c, code, "%s", b->data ? b->data : "");
    ks_buf_free(b);
    return rc;
}

static int check_config(rg_bctx *c, const kv_value *cfg)
{
    const size_t n = sizeof(aws_required) / sizeof(aws_required[0]);
    unsigned missing = 0, invalid = 0;
    for (size_t i = 0; i < n; i++) {
        const kv_value *v = kv_obj_get(cfg, aws_required[i], strlen(aws_required[i]));
        if (!v)
            missing |= 1u << i;
        else if (kv_kind_of(v) != KV_STRING)
            invalid |= 1u << i;
    }
    if (!missing && !invalid)
        return 0;
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, missing ? "operand 2 missing required AWS config parameters(s): "
                            : "operand 2 invalid values for required AWS config parameters(s): ");
    name_set(&b, aws_required, n, missing ? missing : invalid);
    return error_from_buf(c, RG_ERR_TYPE, &b);
}

/* ast.Number.Int64: an integer in int64 range, written without an exponent. */
static bool time_ns_int64(const kv_value *v, int64_t *out)
{
    if (v->sub != KV_NUM_INT || (v->flags & KV_NUMF_FLOAT))
        return false;
    *out = v->u.i;
    return true;
}

/* http.send's request check: unknown keys, then missing method/url. */
static int check_request(rg_bctx *c, const kv_value *req)
{
    size_t nbad = 0;
    for (uint32_t i = 0; i < req->len; i++)
        if (!http_key_allowed(&req->u.members[i].key))
            nbad++;
    if (nbad > 0) {
        kv_value *bad = ks_arena_alloc(c->arena, nbad * sizeof(*bad));
        kv_value set;
        if (!bad)
            return rg_bi_error(c, RG_ERR_INTERNAL, "out of memory");
        nbad = 0;
        for (uint32_t i = 0; i < req->len; i++)
            if (!http_key_allowed(&req->u.members[i].key))
                bad[nbad++] = req->u.members[i].key;
        if (kv_set_new(c->arena, bad, nbad, &set) < 0)
            return rg_bi_error(c, RG_ERR_INTERNAL, "out of memory");
        ks_buf b = KS_BUF_INIT;
        ks_buf_puts(&b, "operand 1 invalid request parameters(s): ");
        rg_value_write_rego(&b, &set);
        return error_from_buf(c, RG_ERR_TYPE, &b);
    }
    static const char *const req_names[] = {"method", "url"};
    unsigned missing = 0;
    for (size_t i = 0; i < 2; i++)
        if (!kv_obj_get(req, req_names[i], strlen(req_names[i])))
            missing |= 1u << i;
    if (missing) {
        ks_buf b = KS_BUF_INIT;
        ks_buf_puts(&b, "operand 1 missing required request parameters(s): ");
        name_set(&b, req_names, 2, missing);
        return error_from_buf(c, RG_ERR_TYPE, &b);
    }
    return 0;
}

static bool sigv4_ignored(const char *k, size_t n)
{
    static const char *const ign[] = {"authorization", "user-agent", "x-amzn-trace-id"};
    for (size_t i = 0; i < 3; i++)
        if (strlen(ign[i]) == n && memcmp(ign[i], k, n) == 0)
            return true;
    return false;
}

typedef struct aws_sign {
    const char *method, *service, *access, *secret, *region, *token;
    size_t nmethod, nservice, naccess, nsecret, nregion, ntoken;
    const char *payload_hash; /* 64 hex digits or UNSIGNED-PAYLOAD */
    char date[9];             /* 20060102 */
    char stamp[17];           /* 20060102T150405Z */
} aws_sign;

/* The canonical request of the signed headers sh[0..n) (sorted, unique). */
static void canonical_request(ks_buf *b, const aws_sign *s, const aws_url *u, const aws_hdr *sh,
                              size_t n)
{
    ks_buf_append(b, s->method, s->nmethod);
    ks_buf_putc(b, '\n');
    ks_buf_append(b, u->path.data ? u->path.data : "", u->path.len);
    ks_buf_putc(b, '\n');
    ks_buf_append(b, u->query ? u->query : "", u->nquery);
    ks_buf_putc(b, '\n');
    for (size_t i = 0; i < n; i++) {
        ks_buf_append(b, sh[i].k, sh[i].nk);
        ks_buf_putc(b, ':');
        ks_buf_append(b, sh[i].v, sh[i].nv);
        ks_buf_putc(b, '\n');
    }
    ks_buf_putc(b, '\n');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ks_buf_putc(b, ';');
        ks_buf_append(b, sh[i].k, sh[i].nk);
    }
    ks_buf_putc(b, '\n');
    ks_buf_puts(b, s->payload_hash);
}

/* The Authorization header for the canonical request creq. */
static void authorization(ks_buf *auth, const aws_sign *s, const char *creq, size_t ncreq,
                          const aws_hdr *sh, size_t n)
{
    char creq_hex[2 * SHA256_DIGEST_SIZE + 1];
    sha256_hex(creq, ncreq, creq_hex);
    ks_buf sts = KS_BUF_INIT;
    ks_buf_puts(&sts, "AWS4-HMAC-SHA256\n");
    ks_buf_puts(&sts, s->stamp);
    ks_buf_putc(&sts, '\n');
    ks_buf_puts(&sts, s->date);
    ks_buf_putc(&sts, '/');
    ks_buf_append(&sts, s->region, s->nregion);
    ks_buf_putc(&sts, '/');
    ks_buf_append(&sts, s->service, s->nservice);
    ks_buf_puts(&sts, "/aws4_request\n");
    ks_buf_puts(&sts, creq_hex);

    ks_buf k0 = KS_BUF_INIT;
    ks_buf_puts(&k0, "AWS4");
    ks_buf_append(&k0, s->secret, s->nsecret);
    uint8_t k[SHA256_DIGEST_SIZE], sig[SHA256_DIGEST_SIZE];
    hmac256((const uint8_t *)(k0.data ? k0.data : ""), k0.len, s->date, 8, k);
    hmac256(k, sizeof(k), s->region, s->nregion, k);
    hmac256(k, sizeof(k), s->service, s->nservice, k);
    hmac256(k, sizeof(k), "aws4_request", 12, k);
    hmac256(k, sizeof(k), sts.data ? sts.data : "", sts.len, sig);
    if (k0.err || sts.err)
        auth->err = k0.err ? k0.err : sts.err;
    ks_buf_free(&k0);
    ks_buf_free(&sts);

    char sig_hex[2 * SHA256_DIGEST_SIZE + 1];
    ks_hex_encode(sig, sizeof(sig), sig_hex);
    ks_buf_puts(auth, "AWS4-HMAC-SHA256 Credential=");
    ks_buf_append(auth, s->access, s->naccess);
    ks_buf_putc(auth, '/');
    ks_buf_puts(auth, s->date);
    ks_buf_putc(auth, '/');
    ks_buf_append(auth, s->region, s->nregion);
    ks_buf_putc(auth, '/');
    ks_buf_append(auth, s->service, s->nservice);
    ks_buf_puts(auth, "/aws4_request,SignedHeaders=");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ks_buf_putc(auth, ';');
        ks_buf_append(auth, sh[i].k, sh[i].nk);
    }
    ks_buf_puts(auth, ",Signature=");
    ks_buf_puts(auth, sig_hex);
}

/* The request's body bytes: raw_body, else body as JSON, else "". */
static int body_bytes(rg_bctx *c, const kv_value *req, ks_buf *b)
{
    const kv_value *raw = kv_obj_get(req, "raw_body", 8);
    const kv_value *body = kv_obj_get(req, "body", 4);
    if (raw) {
        const char *s;
        size_t n;
        str_of(raw, &s, &n);
        ks_buf_append(b, s, n);
    } else if (body) {
        if (kv_json_write(b, body, KV_JSON_ESCAPE_HTML) < 0)
            return rg_bi_error(c, RG_ERR_BUILTIN, "json: unsupported value");
    }
    return 0;
}

/* Everything that follows the argument checks, with the heap buffers of
 * one call. */
typedef struct aws_call {
    aws_url url;
    ks_buf body, lower, creq, auth;
    aws_hdr *hdrs;    /* request headers, then unique */
    aws_hdr *signed_; /* headers to sign */
} aws_call;

static void aws_call_free(aws_call *k)
{
    ks_buf_free(&k->url.host);
    ks_buf_free(&k->url.path);
    ks_buf_free(&k->body);
    ks_buf_free(&k->lower);
    ks_buf_free(&k->creq);
    ks_buf_free(&k->auth);
    free(k->hdrs);
    free(k->signed_);
}

static int oom(rg_bctx *c)
{
    return rg_bi_error(c, RG_ERR_INTERNAL, "out of memory");
}

static int sign(rg_bctx *c, aws_call *k, aws_sign *s, const kv_value *req, const kv_value *headers,
                kv_value *out)
{
    /* the request's headers as Go's map of OPA's objectToMap */
    size_t nh = headers ? headers->len : 0;
    k->hdrs = calloc(nh + 1, sizeof(*k->hdrs));
    k->signed_ = calloc(nh + 5, sizeof(*k->signed_));
    if (!k->hdrs || !k->signed_)
        return oom(c);
    for (size_t i = 0; i < nh; i++) {
        str_of(&headers->u.members[i].key, &k->hdrs[i].k, &k->hdrs[i].nk);
        str_of(&headers->u.members[i].val, &k->hdrs[i].v, &k->hdrs[i].nv);
        k->hdrs[i].seq = i;
    }
    nh = hdr_sort_unique(k->hdrs, nh);

    /* the AWS headers */
    aws_hdr aws[4];
    size_t na = 0;
    aws[na++] = (aws_hdr){"host", k->url.host.data ? k->url.host.data : "", 4, k->url.host.len, 0};
    aws[na++] = (aws_hdr){"x-amz-date", s->stamp, 10, 16, 0};
    if ((s->nservice == 2 && memcmp(s->service, "s3", 2) == 0) ||
        (s->nservice == 7 && memcmp(s->service, "glacier", 7) == 0))
        aws[na++] =
                (aws_hdr){"x-amz-content-sha256", s->payload_hash, 20, strlen(s->payload_hash), 0};
    if (s->ntoken > 0)
        aws[na++] = (aws_hdr){"x-amz-security-token", s->token, 20, s->ntoken, 0};

    /* headers to sign: the AWS ones, then the request's lower-cased */
    size_t ns = 0;
    for (size_t i = 0; i < na; i++) {
        k->signed_[ns] = aws[i];
        k->signed_[ns].seq = ns;
        ns++;
    }
    size_t *off = calloc(nh + 1, sizeof(*off));
    if (!off)
        return oom(c);
    for (size_t i = 0; i < nh; i++) {
        off[i] = k->lower.len;
        rg_str_lower(&k->lower, k->hdrs[i].k, k->hdrs[i].nk);
    }
    if (k->lower.err) {
        free(off);
        return oom(c);
    }
    for (size_t i = 0; i < nh; i++) {
        size_t end = i + 1 < nh ? off[i + 1] : k->lower.len;
        const char *lk = k->lower.data ? k->lower.data + off[i] : "";
        if (sigv4_ignored(lk, end - off[i]))
            continue;
        k->signed_[ns] = (aws_hdr){lk, k->hdrs[i].v, end - off[i], k->hdrs[i].nv, ns};
        ns++;
    }
    free(off);
    ns = hdr_sort_unique(k->signed_, ns);

    canonical_request(&k->creq, s, &k->url, k->signed_, ns);
    if (k->creq.err)
        return oom(c);
    authorization(&k->auth, s, k->creq.data, k->creq.len, k->signed_, ns);
    if (k->auth.err)
        return oom(c);

    /* the signed headers object: the request's, Authorization, the AWS ones */
    kv_member *hm = ks_arena_alloc(c->arena, (nh + 1 + na) * sizeof(*hm));
    if (!hm)
        return oom(c);
    size_t nm = 0;
    for (size_t i = 0; i < nh; i++, nm++)
        if (kv_str_copy(c->arena, k->hdrs[i].k, k->hdrs[i].nk, &hm[nm].key) < 0 ||
            kv_str_copy(c->arena, k->hdrs[i].v, k->hdrs[i].nv, &hm[nm].val) < 0)
            return oom(c);
    hm[nm].key = kv_str_ref("Authorization", 13);
    if (kv_str_copy(c->arena, k->auth.data, k->auth.len, &hm[nm].val) < 0)
        return oom(c);
    nm++;
    for (size_t i = 0; i < na; i++, nm++)
        if (kv_str_copy(c->arena, aws[i].k, aws[i].nk, &hm[nm].key) < 0 ||
            kv_str_copy(c->arena, aws[i].v, aws[i].nv, &hm[nm].val) < 0)
            return oom(c);
    kv_value hobj;
    if (kv_object_new(c->arena, hm, nm, KV_DUP_LAST_WINS, &hobj, NULL) < 0)
        return oom(c);

    /* the request with its headers replaced */
    kv_member *rm = ks_arena_alloc(c->arena, (req->len + 1) * sizeof(*rm));
    if (!rm)
        return oom(c);
    size_t nr = 0;
    for (uint32_t i = 0; i < req->len; i++) {
        const kv_value *key = &req->u.members[i].key;
        if (kv_kind_of(key) == KV_STRING && key->len == 7 && memcmp(key->u.s, "headers", 7) == 0)
            continue;
        rm[nr++] = req->u.members[i];
    }
    rm[nr].key = kv_str_ref("headers", 7);
    rm[nr++].val = hobj;
    if (kv_object_new(c->arena, rm, nr, KV_DUP_LAST_WINS, out, NULL) < 0)
        return oom(c);
    return RG_OK;
}

int rg_aws_sign_req(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const kv_value *req = &args[0], *cfg = &args[1];
    if (kv_kind_of(req) != KV_OBJECT)
        return rg_bi_type_error(c, 1, "object", req);
    if (kv_kind_of(cfg) != KV_OBJECT)
        return rg_bi_type_error(c, 1, "object", cfg);
    int rc = check_config(c, cfg);
    if (rc < 0)
        return rc;
    aws_sign s = {0};
    str_of(kv_obj_get(cfg, "aws_service", 11), &s.service, &s.nservice);
    str_of(kv_obj_get(cfg, "aws_access_key", 14), &s.access, &s.naccess);
    str_of(kv_obj_get(cfg, "aws_secret_access_key", 21), &s.secret, &s.nsecret);
    str_of(kv_obj_get(cfg, "aws_region", 10), &s.region, &s.nregion);
    str_of(kv_obj_get(cfg, "aws_session_token", 17), &s.token, &s.ntoken);

    if (kv_kind_of(&args[2]) != KV_NUMBER)
        return rg_bi_type_error(c, 1, "number", &args[2]);
    int64_t ts;
    if (!time_ns_int64(&args[2], &ts))
        return rg_bi_error(c, RG_ERR_TYPE,
                           "operand 3 could not convert time_ns value into a unix timestamp");
    rc = check_request(c, req);
    if (rc < 0)
        return rc;

    const kv_value *headers = kv_obj_get(req, "headers", 7);
    if (headers && kv_kind_of(headers) != KV_OBJECT)
        return rg_bi_type_error(c, 0, "object", headers);
    const kv_value *url = kv_obj_get(req, "url", 3);
    const kv_value *method = kv_obj_get(req, "method", 6);
    unsigned bad =
            (kv_kind_of(method) != KV_STRING ? 1u : 0u) | (kv_kind_of(url) != KV_STRING ? 2u : 0u);
    if (bad) {
        static const char *const names[] = {"method", "url"};
        ks_buf b = KS_BUF_INIT;
        ks_buf_puts(&b, "operand 1 invalid values for required request parameters(s): ");
        name_set(&b, names, 2, bad);
        return error_from_buf(c, RG_ERR_TYPE, &b);
    }
    s.method = method->u.s;
    s.nmethod = method->len;

    aws_call k = {0};
    ks_buf msg = KS_BUF_INIT;
    if (url_parse(&k.url, url->u.s, url->len, &msg) < 0) {
        aws_call_free(&k);
        return error_from_buf(c, RG_ERR_BUILTIN, &msg);
    }
    ks_buf_free(&msg);
    rc = body_bytes(c, req, &k.body);
    if (rc < 0)
        goto out;

    const kv_value *dps = kv_obj_get(cfg, "disable_payload_signing", 23);
    if (dps && kv_kind_of(dps) != KV_BOOL) {
        rc = rg_bi_error(c, RG_ERR_TYPE,
                         "operand 2 invalid value for 'disable_payload_signing' in AWS config");
        goto out;
    }
    char body_hex[2 * SHA256_DIGEST_SIZE + 1];
    if (dps && dps->u.b) {
        s.payload_hash = "UNSIGNED-PAYLOAD";
    } else {
        sha256_hex(k.body.data ? k.body.data : "", k.body.len, body_hex);
        s.payload_hash = body_hex;
    }

    char t[KS_TIME_BUFSZ]; /* 2006-01-02T15:04:05Z */
    ks_time_format(ts, 0, t);
    const char *d = t + strlen(t) - 20;
    memcpy(s.date, d, 4);
    memcpy(s.date + 4, d + 5, 2);
    memcpy(s.date + 6, d + 8, 2);
    memcpy(s.stamp, s.date, 8);
    s.stamp[8] = 'T';
    memcpy(s.stamp + 9, d + 11, 2);
    memcpy(s.stamp + 11, d + 14, 2);
    memcpy(s.stamp + 13, d + 17, 2);
    s.stamp[15] = 'Z';

    rc = sign(c, &k, &s, req, headers, out);
out:
    aws_call_free(&k);
    return rc;
}
