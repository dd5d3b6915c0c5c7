/*
 * Go's net/url as OPA's uri.parse, uri.is_valid and the urlquery builtins
 * see it (url.Parse, QueryEscape, QueryUnescape, with their error texts),
 * uuid.parse as github.com/google/uuid parses, and strconv.Quote for the
 * messages that quote their input.
 */
#include <stdio.h>
#include <string.h>

#include "core/goquote.h"
#include "core/utf8.h"
#include "rego/bi_json.h"

/* ---- strconv.Quote ---- */

/* ---- net/url escaping ---- */

enum url_mode { M_PATH, M_HOST, M_ZONE, M_USERPASS, M_QUERY, M_FRAGMENT };

static bool should_escape(unsigned char c, enum url_mode m)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return false;
    if (m == M_HOST || m == M_ZONE) {
        if (c && strchr("!$&'()*+,;=:[]<>\"", c))
            return false;
    }
    if (c == '-' || c == '_' || c == '.' || c == '~')
        return false;
    if (c && strchr("$&+,/:;=?@", c)) {
        switch (m) {
        case M_PATH: return c == '?';
        case M_USERPASS: return c == '@' || c == '/' || c == '?' || c == ':';
        case M_QUERY: return true;
        case M_FRAGMENT: return false;
        default: break;
        }
    }
    if (m == M_FRAGMENT && (c == '!' || c == '(' || c == ')' || c == '*'))
        return false;
    return true;
}

static void url_escape(ks_buf *b, const char *str, size_t n, enum url_mode m)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c == ' ' && m == M_QUERY) {
            ks_buf_putc(b, '+');
        } else if (should_escape(c, m)) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            ks_buf_append(b, e, 3);
        } else {
            ks_buf_putc(b, (char)c);
        }
    }
}

void bi_url_query_escape(ks_buf *b, const char *s, size_t n)
{
    url_escape(b, s, n, M_QUERY);
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned unhex(unsigned char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

static int escape_error(ks_buf *msg, const char *s, size_t n)
{
    ks_buf_puts(msg, "invalid URL escape ");
    ks_go_quote(msg, s, n, '"', false);
    return -1;
}

/* Go's unescape: b gets the result; -1 with Go's message in msg. */
static int url_unescape(ks_buf *b, const char *str, size_t n, enum url_mode m, ks_buf *msg)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        if (s[i] == '%') {
            if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return escape_error(msg, str + i, n - i > 3 ? 3 : n - i);
            bool pct25 = s[i + 1] == '2' && s[i + 2] == '5';
            if (m == M_HOST && unhex(s[i + 1]) < 8 && !pct25)
                return escape_error(msg, str + i, 3);
            if (m == M_ZONE) {
                unsigned char v = (unsigned char)(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
                if (!pct25 && v != ' ' && should_escape(v, M_HOST))
                    return escape_error(msg, str + i, 3);
            }
            i += 3;
            continue;
        }
        if ((m == M_HOST || m == M_ZONE) && s[i] < 0x80 && should_escape(s[i], m)) {
            ks_buf_puts(msg, "invalid character ");
            ks_go_quote(msg, str + i, 1, '"', false);
            ks_buf_puts(msg, " in host name");
            return -1;
        }
        i++;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            ks_buf_putc(b, (char)(unhex(s[i + 1]) << 4 | unhex(s[i + 2])));
            i += 2;
        } else if (s[i] == '+' && m == M_QUERY) {
            ks_buf_putc(b, ' ');
        } else {
            ks_buf_putc(b, (char)s[i]);
        }
    }
    return 0;
}

int bi_url_query_unescape(ks_buf *b, const char *s, size_t n, ks_buf *msg)
{
    return url_unescape(b, s, n, M_QUERY, msg);
}

/* ---- url.Parse ---- */

typedef struct gourl {
    ks_buf scheme, host, path, rawpath, query, fragment;
    bool has_query;
} gourl;

static const char *memrchr_c(const char *s, size_t n, char c)
{
    while (n--)
        if (s[n] == c)
            return s + n;
    return NULL;
}

static bool valid_optional_port(const char *p, size_t n)
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

static int port_error(ks_buf *msg, const char *p, size_t n)
{
    ks_buf_puts(msg, "invalid port ");
    ks_go_quote(msg, p, n, '"', false);
    ks_buf_puts(msg, " after host");
    return -1;
}

static int addr_error(ks_buf *msg, const char *in, size_t n, const char *what, const char *at,
                      size_t an)
{
    ks_buf_puts(msg, "invalid host: ParseAddr(");
    ks_go_quote(msg, in, n, '"', false);
    ks_buf_puts(msg, "): ");
    ks_buf_puts(msg, what);
    if (at && an) {
        ks_buf_puts(msg, " (at ");
        ks_go_quote(msg, at, an, '"', false);
        ks_buf_putc(msg, ')');
    }
    return -1;
}

/* netip.ParseAddr's IPv4 fields, from in[off..end). */
static int parse_ipv4(ks_buf *msg, const char *in, size_t inn, size_t off, size_t end)
{
    const char *s = in + off;
    size_t n = end - off;
    int val = 0, pos = 0, digs = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (digs == 1 && val == 0)
                return addr_error(msg, in, inn, "IPv4 field has octet with leading zero", NULL, 0);
            val = val * 10 + (s[i] - '0');
            digs++;
            if (val > 255)
                return addr_error(msg, in, inn, "IPv4 field has value >255", NULL, 0);
        } else if (s[i] == '.') {
            if (i == 0 || i == n - 1 || s[i - 1] == '.')
                return addr_error(msg, in, inn, "IPv4 field must have at least one digit", s + i,
                                  n - i);
            if (pos == 3)
                return addr_error(msg, in, inn, "IPv4 address too long", NULL, 0);
            pos++;
            val = 0;
            digs = 0;
        } else {
            return addr_error(msg, in, inn, "unexpected character", s + i, n - i);
        }
    }
    if (pos < 3)
        return addr_error(msg, in, inn, "IPv4 address too short", NULL, 0);
    return 0;
}

/* netip.ParseAddr: 0 (IPv6), 4 (IPv4) or -1 with the error. */
static int parse_addr(ks_buf *msg, const char *in, size_t inn)
{
    for (size_t i = 0; i < inn; i++) {
        if (in[i] == '.')
            return parse_ipv4(msg, in, inn, 0, inn) ? -1 : 4;
        if (in[i] == '%')
            return addr_error(msg, in, inn, "missing IPv6 address", NULL, 0);
        if (in[i] != ':')
            continue;
        /* IPv6 */
        const char *s = in;
        size_t n = inn, zone = 0;
        const char *pct = memchr(in, '%', inn);
        if (pct) {
            n = (size_t)(pct - in);
            zone = inn - n - 1;
            if (zone == 0)
                return addr_error(msg, in, inn, "zone must be a non-empty string", NULL, 0);
        }
        int ellipsis = -1, f = 0;
        if (n >= 2 && s[0] == ':' && s[1] == ':') {
            ellipsis = 0;
            s += 2;
            n -= 2;
            if (n == 0)
                return 0;
        }
        while (f < 16) {
            size_t off = 0;
            unsigned acc = 0;
            for (; off < n && is_hex((unsigned char)s[off]); off++) {
                acc = (acc << 4) + unhex((unsigned char)s[off]);
                if (off > 3)
                    return addr_error(msg, in, inn, "each group must have 4 or less digits", s, n);
                if (acc > 0xFFFF)
                    return addr_error(msg, in, inn, "IPv6 field has value >=2^16", s, n);
            }
            if (off == 0)
                return addr_error(msg, in, inn,
                                  "each colon-separated field must have at least one digit", s, n);
            if (off < n && s[off] == '.') {
                if (ellipsis < 0 && f != 12)
                    return addr_error(msg, in, inn,
                                      "embedded IPv4 address must replace the final 2 fields of "
                                      "the address",
                                      s, n);
                if (f + 4 > 16)
                    return addr_error(msg, in, inn,
                                      "too many hex fields to fit an embedded IPv4 at the end of "
                                      "the address",
                                      s, n);
                size_t end = inn - (zone ? zone + 1 : 0);
                if (parse_ipv4(msg, in, inn, end - n, end))
                    return -1;
                n = 0;
                f += 4;
                break;
            }
            f += 2;
            s += off;
            n -= off;
            if (n == 0)
                break;
            if (s[0] != ':')
                return addr_error(msg, in, inn, "unexpected character, want colon", s, n);
            if (n == 1)
                return addr_error(msg, in, inn, "colon must be followed by more characters", s, n);
            s++;
            n--;
            if (s[0] == ':') {
                if (ellipsis >= 0)
                    return addr_error(msg, in, inn, "multiple :: in address", s, n);
                ellipsis = f;
                s++;
                n--;
                if (n == 0)
                    break;
            }
        }
        if (n != 0)
            return addr_error(msg, in, inn, "trailing garbage after address", s, n);
        if (f < 16 && ellipsis < 0)
            return addr_error(msg, in, inn, "address string too short", NULL, 0);
        if (f >= 16 && ellipsis >= 0)
            return addr_error(msg, in, inn, "the :: must expand to at least one field of zeros",
                              NULL, 0);
        return 0;
    }
    return addr_error(msg, in, inn, "unable to parse IP", NULL, 0);
}

static int parse_host(gourl *u, const char *h, size_t n, ks_buf *msg)
{
    const char *ob = memrchr_c(h, n, '[');
    if (ob && ob > h) {
        ks_buf_puts(msg, "invalid IP-literal");
        return -1;
    }
    if (ob == h && n) {
        const char *cb = memrchr_c(h, n, ']');
        if (!cb) {
            ks_buf_puts(msg, "missing ']' in host");
            return -1;
        }
        const char *cp = cb + 1;
        size_t cpn = n - (size_t)(cp - h);
        if (!valid_optional_port(cp, cpn))
            return port_error(msg, cp, cpn);
        const char *name = h + 1;
        size_t nn = (size_t)(cb - name);
        ks_buf un = KS_BUF_INIT;
        int rc = 0;
        const char *zone = NULL;
        for (size_t i = 0; i + 2 < nn; i++)
            if (name[i] == '%' && name[i + 1] == '2' && name[i + 2] == '5') {
                zone = name + i;
                break;
            }
        if (zone) {
            rc = url_unescape(&un, name, (size_t)(zone - name), M_HOST, msg);
            if (!rc)
                rc = url_unescape(&un, zone, nn - (size_t)(zone - name), M_ZONE, msg);
        } else {
            rc = url_unescape(&un, name, nn, M_HOST, msg);
        }
        if (!rc) {
            int kind = parse_addr(msg, ks_buf_cstr(&un), un.len);
            if (kind == 4) {
                ks_buf_puts(msg, "invalid IP-literal");
                rc = -1;
            } else if (kind < 0) {
                rc = -1;
            }
        }
        if (!rc) {
            ks_buf_putc(&u->host, '[');
            ks_buf_append(&u->host, un.data ? un.data : "", un.len);
            ks_buf_putc(&u->host, ']');
            ks_buf_append(&u->host, cp, cpn);
        }
        ks_buf_free(&un);
        return rc;
    }
    const char *colon = memchr(h, ':', n);
    if (colon) {
        const char *last = memrchr_c(h, n, ':');
        const char *scheme = ks_buf_cstr(&u->scheme);
        /* Go 1.26 is strict about extra colons for http and https only. */
        if (last != colon && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
            colon = last;
        size_t cpn = n - (size_t)(colon - h);
        if (!valid_optional_port(colon, cpn))
            return port_error(msg, colon, cpn);
    }
    return url_unescape(&u->host, h, n, M_HOST, msg);
}

static bool valid_userinfo(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            continue;
        if (!c || !strchr("-._:~!$&'()*+,;=%@", c))
            return false;
    }
    return true;
}

static int parse_authority(gourl *u, const char *a, size_t n, ks_buf *msg)
{
    const char *at = memrchr_c(a, n, '@');
    const char *h = at ? at + 1 : a;
    if (parse_host(u, h, n - (size_t)(h - a), msg))
        return -1;
    if (!at)
        return 0;
    size_t un = (size_t)(at - a);
    if (!valid_userinfo(a, un)) {
        ks_buf_puts(msg, "net/url: invalid userinfo");
        return -1;
    }
    /* The user and password are checked, then dropped: OPA does not
     * return them. */
    ks_buf tmp = KS_BUF_INIT;
    const char *colon = memchr(a, ':', un);
    int rc;
    if (!colon) {
        rc = url_unescape(&tmp, a, un, M_USERPASS, msg);
    } else {
        rc = url_unescape(&tmp, a, (size_t)(colon - a), M_USERPASS, msg);
        if (!rc)
            rc = url_unescape(&tmp, colon + 1, un - (size_t)(colon - a) - 1, M_USERPASS, msg);
    }
    ks_buf_free(&tmp);
    return rc;
}

static int set_path(gourl *u, const char *p, size_t n, ks_buf *msg)
{
    if (url_unescape(&u->path, p, n, M_PATH, msg))
        return -1;
    ks_buf esc = KS_BUF_INIT;
    url_escape(&esc, ks_buf_cstr(&u->path), u->path.len, M_PATH);
    if (esc.len != n || memcmp(ks_buf_cstr(&esc), p, n) != 0)
        ks_buf_append(&u->rawpath, p, n);
    ks_buf_free(&esc);
    return 0;
}

/* url.parse (not via a request): 0 or -1 with the message. */
static int url_parse_nofrag(gourl *u, const char *raw, size_t n, ks_buf *msg)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)raw[i] < ' ' || raw[i] == 0x7f) {
            ks_buf_puts(msg, "net/url: invalid control character in URL");
            return -1;
        }
    if (n == 1 && raw[0] == '*') {
        ks_buf_putc(&u->path, '*');
        return 0;
    }
    /* getScheme */
    const char *rest = raw;
    size_t rn = n;
    for (size_t i = 0; i < n; i++) {
        char c = raw[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0)
                break;
            continue;
        }
        if (c == ':') {
            if (i == 0) {
                ks_buf_puts(msg, "missing protocol scheme");
                return -1;
            }
            for (size_t k = 0; k < i; k++) {
                char sc = raw[k];
                ks_buf_putc(&u->scheme, sc >= 'A' && sc <= 'Z' ? (char)(sc + 32) : sc);
            }
            rest = raw + i + 1;
            rn = n - i - 1;
        }
        break;
    }
    const char *q = memchr(rest, '?', rn);
    if (q && q == rest + rn - 1) {
        rn--; /* ForceQuery: an empty query */
    } else if (q) {
        ks_buf_append(&u->query, q + 1, rn - (size_t)(q - rest) - 1);
        rn = (size_t)(q - rest);
    }
    bool has_scheme = u->scheme.len > 0;
    if (rn == 0 || rest[0] != '/') {
        if (has_scheme)
            return 0; /* opaque: OPA reports none of it */
        const char *slash = memchr(rest, '/', rn);
        size_t seg = slash ? (size_t)(slash - rest) : rn;
        if (memchr(rest, ':', seg)) {
            ks_buf_puts(msg, "first path segment in URL cannot contain colon");
            return -1;
        }
    }
    bool two = rn >= 2 && rest[0] == '/' && rest[1] == '/';
    bool three = rn >= 3 && two && rest[2] == '/';
    if ((has_scheme || !three) && two) {
        const char *auth = rest + 2;
        size_t an = rn - 2;
        const char *slash = memchr(auth, '/', an);
        size_t alen = slash ? (size_t)(slash - auth) : an;
        if (parse_authority(u, auth, alen, msg))
            return -1;
        rest = auth + alen;
        rn = an - alen;
    }
    return set_path(u, rest, rn, msg);
}

/* url.Parse: 0, or -1 with Go's full error ("parse \"...\": ...") in msg. */
static int url_parse(gourl *u, const char *raw, size_t n, ks_buf *msg)
{
    const char *hash = memchr(raw, '#', n);
    size_t un = hash ? (size_t)(hash - raw) : n, quoted = un;
    ks_buf why = KS_BUF_INIT;
    int rc = url_parse_nofrag(u, raw, un, &why);
    if (!rc && hash && un + 1 < n) {
        rc = url_unescape(&u->fragment, hash + 1, n - un - 1, M_FRAGMENT, &why);
        quoted = n; /* a bad fragment quotes the whole input */
    }
    if (rc) {
        ks_buf_puts(msg, "parse ");
        ks_go_quote(msg, raw, quoted, '"', false);
        ks_buf_puts(msg, ": ");
        ks_buf_append(msg, ks_buf_cstr(&why), why.len);
    }
    ks_buf_free(&why);
    return rc;
}

static void gourl_free(gourl *u)
{
    ks_buf_free(&u->scheme);
    ks_buf_free(&u->host);
    ks_buf_free(&u->path);
    ks_buf_free(&u->rawpath);
    ks_buf_free(&u->query);
    ks_buf_free(&u->fragment);
}

int bi_uri_parse(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    gourl u = {0};
    ks_buf msg = KS_BUF_INIT;
    if (url_parse(&u, s, n, &msg)) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
        goto out;
    }
    kv_member m[7];
    size_t k = 0;
    const char *h = ks_buf_cstr(&u.host);
    size_t hn = u.host.len, pn = 0;
    const char *port = NULL;
    /* Hostname and Port split at the last colon when a port follows. */
    const char *colon = memrchr_c(h, hn, ':');
    if (colon && valid_optional_port(colon, hn - (size_t)(colon - h))) {
        port = colon + 1;
        pn = hn - (size_t)(colon - h) - 1;
        hn = (size_t)(colon - h);
    }
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    struct {
        const char *key, *v;
        size_t n;
    } parts[] = {
            {"scheme", ks_buf_cstr(&u.scheme), u.scheme.len},
            {"hostname", h, hn},
            {"port", port, pn},
            {"path", ks_buf_cstr(&u.path), u.path.len},
            {"raw_path", u.rawpath.len ? ks_buf_cstr(&u.rawpath) : ks_buf_cstr(&u.path),
             u.rawpath.len ? u.rawpath.len : u.path.len},
            {"raw_query", ks_buf_cstr(&u.query), u.query.len},
            {"fragment", ks_buf_cstr(&u.fragment), u.fragment.len},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].n)
            continue;
        m[k].key = kv_str_ref(parts[i].key, strlen(parts[i].key));
        if ((rc = rg_make_string(c, parts[i].v, parts[i].n, &m[k].val)))
            goto out;
        k++;
    }
    rc = kv_object_new(c->arena, m, k, KV_DUP_LAST_WINS, out, NULL) ? RG_EHALT : RG_OK;
out:
    ks_buf_free(&msg);
    gourl_free(&u);
    return rc;
}

int bi_uri_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    if (args[0].kind != KV_STRING || args[0].len == 0) {
        *out = kv_bool(false);
        return RG_OK;
    }
    gourl u = {0};
    ks_buf msg = KS_BUF_INIT;
    *out = kv_bool(url_parse(&u, args[0].u.s, args[0].len, &msg) == 0);
    ks_buf_free(&msg);
    gourl_free(&u);
    return RG_OK;
}

/* ---- uuid.parse ---- */

static bool xtob(unsigned char a, unsigned char b, unsigned char *out)
{
    if (!is_hex(a) || !is_hex(b))
        return false;
    *out = (unsigned char)(unhex(a) << 4 | unhex(b));
    return true;
}

static bool uuid_bytes(const char *s, size_t n, unsigned char u[16])
{
    if (n == 32) {
        for (int i = 0; i < 16; i++)
            if (!xtob((unsigned char)s[2 * i], (unsigned char)s[2 * i + 1], &u[i]))
                return false;
        return true;
    }
    if (n == 36 + 9) {
        static const char urn[] = "urn:uuid:";
        for (int i = 0; i < 9; i++) {
            char ch = s[i];
            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch + 32);
            if (ch != urn[i])
                return false;
        }
        s += 9;
    } else if (n == 36 + 2) {
        s += 1; /* braces or anything: only the middle 36 bytes count */
    } else if (n != 36) {
        return false;
    }
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return false;
    static const int pos[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
    for (int i = 0; i < 16; i++)
        if (!xtob((unsigned char)s[pos[i]], (unsigned char)s[pos[i] + 1], &u[i]))
            return false;
    return true;
}

int bi_uuid_parse(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    unsigned char u[16];
    if (!uuid_bytes(s, n, u))
        return RG_UNDEF;
    int version = u[6] >> 4;
    const char *variant = (u[8] & 0xc0) == 0x80   ? "RFC4122"
                          : (u[8] & 0xe0) == 0xc0 ? "Microsoft"
                          : (u[8] & 0xe0) == 0xe0 ? "Future"
                                                  : "Reserved";
    kv_member m[8];
    size_t k = 0;
    m[k++] = (kv_member){kv_str_ref("version", 7), kv_int(version)};
    m[k++] = (kv_member){kv_str_ref("variant", 7), kv_str_ref(variant, strlen(variant))};
    if (version == 1 || version == 2) {
        /* 100ns intervals since 1582-10-15, as Unix nanoseconds (Go's
         * int64 arithmetic, wrapping included). */
        int64_t t =
                (int64_t)((uint64_t)u[0] << 24 | (uint64_t)u[1] << 16 | (uint64_t)u[2] << 8 | u[3]);
        t |= (int64_t)((uint64_t)u[4] << 8 | u[5]) << 32;
        t |= (int64_t)(((uint64_t)u[6] << 8 | u[7]) & 0xfff) << 48;
        int64_t sec = t - 122192928000000000LL;
        int64_t nsec = (sec % 10000000) * 100;
        sec /= 10000000;
        int64_t ns = (int64_t)((uint64_t)sec * 1000000000u + (uint64_t)nsec);
        char node[18];
        snprintf(node, sizeof node, "%02x-%02x-%02x-%02x-%02x-%02x", u[10], u[11], u[12], u[13],
                 u[14], u[15]);
        const char *mac = (u[10] & 3) == 3   ? "local:multicast"
                          : (u[10] & 1) == 1 ? "global:multicast"
                          : (u[10] & 2) == 2 ? "local:unicast"
                                             : "global:unicast";
        m[k++] = (kv_member){kv_str_ref("time", 4), kv_int(ns)};
        m[k].key = kv_str_ref("nodeid", 6);
        if ((rc = rg_make_string(c, node, 17, &m[k++].val)))
            return rc;
        m[k++] = (kv_member){kv_str_ref("macvariables", 12), kv_str_ref(mac, strlen(mac))};
        m[k++] =
                (kv_member){kv_str_ref("clocksequence", 13), kv_int(((u[8] << 8) | u[9]) & 0x3fff)};
        if (version == 2) {
            uint32_t id = (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
            char dom[24];
            const char *d = u[9] == 0 ? "Person" : u[9] == 1 ? "Group" : u[9] == 2 ? "Org" : NULL;
            if (!d) {
                snprintf(dom, sizeof dom, "Domain%d", u[9]);
                d = dom;
            }
            m[k++] = (kv_member){kv_str_ref("id", 2), kv_int(id)};
            m[k].key = kv_str_ref("domain", 6);
            if ((rc = rg_make_string(c, d, strlen(d), &m[k++].val)))
                return rc;
        }
    }
    return kv_object_new(c->arena, m, k, KV_DUP_LAST_WINS, out, NULL) ? RG_EHALT : RG_OK;
}
