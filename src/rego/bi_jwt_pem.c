/*
 * Go-compatible base64 and PEM decoding, and a reader with fastjson's
 * grammar, for the JWT and x509 builtins (see bi_jwt.h).
 */
#include <string.h>

#include "core/goquote.h"
#include "core/base64.h"
#include "core/utf8.h"
#include "rego/bi_jwt.h"
#include "rego/bi_util.h"

/* ---- base64 ---- */

int rg_jwt_b64_decode(ks_buf *out, const char *s, size_t n, unsigned variant, ks_buf *msg)
{
    bool url = variant & RG_JWT_B64_URL;
    long at = rg_go_b64_error(s, n, url, !(variant & RG_JWT_B64_NOPAD));
    if (at >= 0) {
        if (msg)
            ks_buf_printf(msg, "illegal base64 data at input byte %ld", at);
        return -1;
    }
    ks_buf clean = KS_BUF_INIT;
    size_t symbols = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n')
            continue;
        ks_buf_putc(&clean, s[i]);
        if (s[i] != '=')
            symbols++;
    }
    if (clean.err) {
        ks_buf_free(&clean);
        return -1;
    }
    /* Go ignores the unused low bits of a short last quantum; the core
     * decoder insists they are zero, so clear them first. */
    size_t rem = symbols % 4;
    if (rem >= 2) {
        size_t last = 0;
        bool found = false;
        for (size_t i = 0; i < clean.len; i++) {
            if (clean.data[i] != '=') {
                last = i;
                found = true;
            }
        }
        if (found)
            clean.data[last] = rg_b64_clear_unused(clean.data[last], rem, url);
    }
    unsigned kv =
            (url ? KS_B64_URL : KS_B64_STD) | ((variant & RG_JWT_B64_NOPAD) ? KS_B64_NOPAD : 0);
    size_t bad = 0;
    int rc = ks_base64_decode(out, ks_buf_cstr(&clean), clean.len, kv, &bad);
    ks_buf_free(&clean);
    if (rc) {
        if (msg)
            ks_buf_printf(msg, "illegal base64 data at input byte %zu", bad);
        return -1;
    }
    return 0;
}

int rg_jwt_b64_guess_decode(ks_buf *out, const char *s, size_t n, ks_buf *msg)
{
    bool raw = n == 0 || s[n - 1] != '=';
    bool url = !memchr(s, '+', n) && !memchr(s, '/', n);
    unsigned v = (url ? RG_JWT_B64_URL : 0) | (raw ? RG_JWT_B64_NOPAD : 0);
    ks_buf m = KS_BUF_INIT;
    int rc = rg_jwt_b64_decode(out, s, n, v, &m);
    if (rc && msg)
        ks_buf_printf(msg, "failed to decode source: %s", ks_buf_cstr(&m));
    ks_buf_free(&m);
    return rc;
}

/* ---- PEM: Go's encoding/pem Decode ---- */

/* getLine: the line at s (without its "\n" or "\r\n", trailing spaces and
 * tabs trimmed); *consumed is how far the next line starts. */
static size_t pem_line(const char *s, size_t n, size_t *consumed)
{
    const char *nl = memchr(s, '\n', n);
    size_t i, j;
    if (!nl) {
        i = j = n;
    } else {
        i = (size_t)(nl - s);
        j = i + 1;
        if (i > 0 && s[i - 1] == '\r')
            i--;
    }
    while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
        i--;
    *consumed = j;
    return i;
}

static const char *mem_find(const char *h, size_t hn, const char *needle, size_t nn)
{
    if (nn > hn)
        return NULL;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == needle[0] && memcmp(h + i, needle, nn) == 0)
            return h + i;
    return NULL;
}

static const char *mem_find_last(const char *h, size_t hn, const char *needle, size_t nn)
{
    if (nn > hn)
        return NULL;
    for (size_t i = hn - nn + 1; i-- > 0;)
        if (memcmp(h + i, needle, nn) == 0)
            return h + i;
    return NULL;
}

bool rg_jwt_pem_decode(const char *data, size_t n, rg_jwt_pem *blk, size_t *restp)
{
    static const char start[] = "\n-----BEGIN ", end[] = "\n-----END ", dashes[] = "-----";
    const size_t start_len = sizeof(start) - 1, end_len = sizeof(end) - 1;
    const char *rest = data;
    size_t rest_n = n;
    long trailer = 0; /* endTrailerIndex, relative to rest */
    memset(blk, 0, sizeof(*blk));
    for (;;) {
        if (trailer < 0 || (size_t)trailer > rest_n)
            return false;
        rest += trailer;
        rest_n -= (size_t)trailer;
        const char *e = mem_find(rest, rest_n, end, end_len);
        if (!e)
            return false;
        long end_idx = e - rest;
        trailer = end_idx + (long)end_len;
        const char *b = mem_find_last(rest, (size_t)end_idx, start + 1, start_len - 1);
        if (!b || (b > rest && b[-1] != '\n'))
            continue;
        long begin_idx = b - rest;
        long skip = begin_idx + (long)start_len - 1;
        rest += skip;
        rest_n -= (size_t)skip;
        end_idx -= skip;
        trailer -= skip;

        size_t consumed;
        size_t tl = pem_line(rest, rest_n, &consumed);
        const char *type_line = rest;
        rest += consumed;
        rest_n -= consumed;
        end_idx -= (long)consumed;
        trailer -= (long)consumed;
        if (tl < 5 || memcmp(type_line + tl - 5, dashes, 5) != 0)
            continue;
        size_t type_len = tl - 5;

        bool headers = false, truncated = false;
        for (;;) {
            if (rest_n == 0) {
                truncated = true;
                break;
            }
            size_t c;
            size_t ll = pem_line(rest, rest_n, &c);
            if (!memchr(rest, ':', ll))
                break;
            headers = true;
            rest += c;
            rest_n -= c;
            end_idx -= (long)c;
            trailer -= (long)c;
        }
        if (truncated)
            return false;
        if (headers && end_idx < 0)
            continue;
        if (trailer < 0 || (size_t)trailer > rest_n)
            continue;
        const char *et = rest + trailer;
        size_t et_n = rest_n - (size_t)trailer;
        size_t et_len = type_len + 5;
        if (et_n < et_len)
            continue;
        if (memcmp(et, type_line, type_len) != 0 || memcmp(et + type_len, dashes, 5) != 0)
            continue;
        size_t c2;
        if (pem_line(et + et_len, et_n - et_len, &c2) != 0)
            continue;

        ks_buf der = KS_BUF_INIT;
        if (end_idx > 0) {
            ks_buf b64 = KS_BUF_INIT;
            for (long i = 0; i < end_idx; i++)
                if (rest[i] != ' ' && rest[i] != '\t')
                    ks_buf_putc(&b64, rest[i]);
            int rc = b64.err ? -1 : rg_jwt_b64_decode(&der, ks_buf_cstr(&b64), b64.len, 0, NULL);
            ks_buf_free(&b64);
            if (rc) {
                ks_buf_free(&der);
                continue;
            }
        }
        /* The END line (its leading newline may be missing for an empty
         * block) and what follows it on its line. */
        const char *after = rest + end_idx + (long)end_len - 1;
        size_t after_n = rest_n - (size_t)(end_idx + (long)end_len - 1);
        pem_line(after, after_n, &c2);
        blk->type = type_line;
        blk->type_len = type_len;
        blk->has_headers = headers;
        blk->der = der;
        *restp = (size_t)(after + c2 - data);
        return true;
    }
}

/* ---- fastjson ---- */

#define FJ_MAX_DEPTH 300

typedef struct fj {
    ks_buf *msg;
    /* Raw keys of the top-level object and where their values start. */
    const char *key_want;
    const char *found; /* raw value of the member, first match */
    size_t found_n;
    rg_fj_type found_type;
    bool keys_escaped; /* a raw key had a backslash */
    const char *tail;  /* where the failing parse stopped */
} fj;

static bool fj_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static const char *fj_skip(const char *s, const char *e)
{
    while (s < e && fj_ws(*s))
        s++;
    return s;
}

/* Prepends a prefix to the message. */
static void fj_wrap(fj *p, const char *prefix)
{
    ks_buf t = KS_BUF_INIT;
    ks_buf_puts(&t, prefix);
    ks_buf_append(&t, p->msg->data ? p->msg->data : "", p->msg->len);
    ks_buf_reset(p->msg);
    ks_buf_append(p->msg, t.data ? t.data : "", t.len);
    ks_buf_free(&t);
}

/* parseRawString: the end of a string whose opening quote was consumed,
 * or NULL when it has no closing quote. */
static const char *fj_string_end(const char *s, const char *e)
{
    for (const char *q = s; q < e; q++) {
        if (*q != '"')
            continue;
        const char *b = q;
        while (b > s && b[-1] == '\\')
            b--;
        if ((size_t)(q - b) % 2 == 0)
            return q;
    }
    return NULL;
}

static const char *fj_value(fj *p, const char *s, const char *e, int depth, rg_fj_type *t,
                            bool top);

static const char *fj_object(fj *p, const char *s, const char *e, int depth, bool top)
{
    s = fj_skip(s, e);
    if (s == e) {
        p->tail = s;
        ks_buf_puts(p->msg, "missing '}'");
        return NULL;
    }
    if (*s == '}')
        return s + 1;
    for (;;) {
        s = fj_skip(s, e);
        if (s == e || *s != '"') {
            p->tail = s;
            ks_buf_puts(p->msg, "cannot find opening '\"\" for object key");
            return NULL;
        }
        const char *ks = s + 1;
        const char *ke = fj_string_end(ks, e);
        if (!ke) {
            p->tail = e;
            ks_buf_puts(p->msg, "cannot parse object key: missing closing '\"'");
            return NULL;
        }
        s = fj_skip(ke + 1, e);
        if (s == e || *s != ':') {
            p->tail = s;
            ks_buf_puts(p->msg, "missing ':' after object key");
            return NULL;
        }
        s = fj_skip(s + 1, e);
        rg_fj_type t;
        const char *vs = s;
        s = fj_value(p, s, e, depth, &t, false);
        if (!s) {
            fj_wrap(p, "cannot parse object value: ");
            return NULL;
        }
        if (top && p->key_want) {
            if (memchr(ks, '\\', (size_t)(ke - ks)))
                p->keys_escaped = true;
            if (!p->found && strlen(p->key_want) == (size_t)(ke - ks) &&
                memcmp(ks, p->key_want, (size_t)(ke - ks)) == 0) {
                p->found = vs;
                p->found_n = (size_t)(s - vs);
                p->found_type = t;
            }
        }
        s = fj_skip(s, e);
        if (s == e) {
            p->tail = s;
            ks_buf_puts(p->msg, "unexpected end of object");
            return NULL;
        }
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '}')
            return s + 1;
        p->tail = s;
        ks_buf_puts(p->msg, "missing ',' after object value");
        return NULL;
    }
}

static const char *fj_array(fj *p, const char *s, const char *e, int depth)
{
    s = fj_skip(s, e);
    if (s == e) {
        p->tail = s;
        ks_buf_puts(p->msg, "missing ']'");
        return NULL;
    }
    if (*s == ']')
        return s + 1;
    for (;;) {
        s = fj_skip(s, e);
        rg_fj_type t;
        s = fj_value(p, s, e, depth, &t, false);
        if (!s) {
            fj_wrap(p, "cannot parse array value: ");
            return NULL;
        }
        s = fj_skip(s, e);
        if (s == e) {
            p->tail = s;
            ks_buf_puts(p->msg, "unexpected end of array");
            return NULL;
        }
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == ']')
            return s + 1;
        p->tail = s;
        ks_buf_puts(p->msg, "missing ',' after array value");
        return NULL;
    }
}

static bool fj_prefix(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(e - s) >= n && memcmp(s, word, n) == 0;
}

static bool fj_prefix_fold(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(e - s) < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

static const char *fj_unexpected(fj *p, const char *s, const char *e)
{
    p->tail = s;
    ks_buf_puts(p->msg, "unexpected value found: ");
    ks_go_quote(p->msg, s, (size_t)(e - s), '"', false);
    return NULL;
}

static const char *fj_value(fj *p, const char *s, const char *e, int depth, rg_fj_type *t, bool top)
{
    if (s == e) {
        p->tail = s;
        ks_buf_puts(p->msg, "cannot parse empty string");
        return NULL;
    }
    if (++depth > FJ_MAX_DEPTH) {
        p->tail = s;
        ks_buf_printf(p->msg, "too big depth for the nested JSON; it exceeds %d", FJ_MAX_DEPTH);
        return NULL;
    }
    switch (*s) {
    case '{':
        *t = RG_FJ_OBJECT;
        s = fj_object(p, s + 1, e, depth, top);
        if (!s)
            fj_wrap(p, "cannot parse object: ");
        return s;
    case '[':
        *t = RG_FJ_ARRAY;
        s = fj_array(p, s + 1, e, depth);
        if (!s)
            fj_wrap(p, "cannot parse array: ");
        return s;
    case '"': {
        *t = RG_FJ_STRING;
        const char *q = fj_string_end(s + 1, e);
        if (!q) {
            p->tail = e;
            ks_buf_puts(p->msg, "cannot parse string: missing closing '\"'");
            return NULL;
        }
        return q + 1;
    }
    case 't': *t = RG_FJ_TRUE; return fj_prefix(s, e, "true") ? s + 4 : fj_unexpected(p, s, e);
    case 'f': *t = RG_FJ_FALSE; return fj_prefix(s, e, "false") ? s + 5 : fj_unexpected(p, s, e);
    case 'n':
        if (fj_prefix(s, e, "null")) {
            *t = RG_FJ_NULL;
            return s + 4;
        }
        *t = RG_FJ_NUMBER;
        return fj_prefix_fold(s, e, "nan") ? s + 3 : fj_unexpected(p, s, e);
    default: break;
    }
    *t = RG_FJ_NUMBER;
    for (const char *q = s; q < e; q++) {
        char ch = *q;
        if ((ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == 'e' || ch == 'E' ||
            ch == '+')
            continue;
        size_t i = (size_t)(q - s);
        if (i == 0 || (i == 1 && (s[0] == '-' || s[0] == '+'))) {
            if (fj_prefix_fold(q, e, "inf") || fj_prefix_fold(q, e, "nan"))
                return q + 3;
            p->tail = s;
            ks_buf_puts(p->msg, "cannot parse number: unexpected char: ");
            ks_go_quote(p->msg, s, 1, '"', false);
            return NULL;
        }
        return q;
    }
    return e;
}

/* %q of fastjson's startEndString: long tails keep 40 bytes each end. */
static void fj_quote_tail(ks_buf *b, const char *s, const char *e)
{
    size_t n = (size_t)(e - s);
    if (n <= 80) {
        ks_go_quote(b, s, n, '"', false);
        return;
    }
    ks_buf t = KS_BUF_INIT;
    ks_buf_append(&t, s, 40);
    ks_buf_puts(&t, "...");
    ks_buf_append(&t, e - 40, 40);
    ks_go_quote(b, ks_buf_cstr(&t), t.len, '"', false);
    ks_buf_free(&t);
}

/* Parser.Parse: the top-level value, or -1 with the message. */
static int fj_parse(fj *p, const char *s, size_t n, rg_fj_type *t)
{
    const char *e = s + n;
    if (n > 0 && (unsigned char)s[0] <= 0x20)
        s = fj_skip(s, e);
    const char *tail = fj_value(p, s, e, 0, t, true);
    if (!tail) {
        fj_wrap(p, "cannot parse JSON: ");
        ks_buf_puts(p->msg, "; unparsed tail: ");
        fj_quote_tail(p->msg, p->tail ? p->tail : e, e);
        return -1;
    }
    tail = fj_skip(tail, e);
    if (tail < e) {
        ks_buf_puts(p->msg, "unexpected tail: ");
        fj_quote_tail(p->msg, tail, e);
        return -1;
    }
    return 0;
}

/* unescapeStringBestEffort. */
static void fj_unescape(ks_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\' || i + 1 >= n) {
            if (s[i] == '\\') { /* a lone trailing backslash */
                ks_buf_putc(b, '\\');
                i++;
                continue;
            }
            ks_buf_putc(b, s[i++]);
            continue;
        }
        char ch = s[i + 1];
        i += 2;
        switch (ch) {
        case '"': ks_buf_putc(b, '"'); break;
        case '\\': ks_buf_putc(b, '\\'); break;
        case '/': ks_buf_putc(b, '/'); break;
        case 'b': ks_buf_putc(b, '\b'); break;
        case 'f': ks_buf_putc(b, '\f'); break;
        case 'n': ks_buf_putc(b, '\n'); break;
        case 'r': ks_buf_putc(b, '\r'); break;
        case 't': ks_buf_putc(b, '\t'); break;
        case 'u': {
            unsigned x = 0;
            bool ok = i + 4 <= n;
            for (size_t k = 0; ok && k < 4; k++) {
                char h = s[i + k];
                int d = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
                if (d < 0)
                    ok = false;
                else
                    x = x * 16 + (unsigned)d;
            }
            if (!ok) {
                ks_buf_puts(b, "\\u");
                break;
            }
            const char *xs = s + i;
            i += 4;
            if (x < 0xD800 || x > 0xDFFF) {
                char u[4];
                size_t un = ks_utf8_encode(x, u);
                ks_buf_append(b, u, un);
                break;
            }
            unsigned y = 0;
            ok = i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u';
            for (size_t k = 0; ok && k < 4; k++) {
                char h = s[i + 2 + k];
                int d = h >= '0' && h <= '9'   ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                               : -1;
                if (d < 0)
                    ok = false;
                else
                    y = y * 16 + (unsigned)d;
            }
            if (!ok) {
                ks_buf_puts(b, "\\u");
                ks_buf_append(b, xs, 4);
                break;
            }
            unsigned r = 0xFFFD;
            if (x < 0xDC00 && y >= 0xDC00 && y <= 0xDFFF)
                r = 0x10000 + ((x - 0xD800) << 10) + (y - 0xDC00);
            char u[4];
            size_t un = ks_utf8_encode(r, u);
            ks_buf_append(b, u, un);
            i += 6;
            break;
        }
        default: ks_buf_putc(b, '\\'); ks_buf_putc(b, ch);
        }
    }
}

static const char *fj_type_name(rg_fj_type t)
{
    switch (t) {
    case RG_FJ_OBJECT: return "object";
    case RG_FJ_ARRAY: return "array";
    case RG_FJ_STRING: return "string";
    case RG_FJ_NUMBER: return "number";
    case RG_FJ_TRUE: return "true";
    case RG_FJ_FALSE: return "false";
    case RG_FJ_NULL: return "null";
    default: return "unknown";
    }
}

/* Finds key among the top-level members after unescaping keys (fastjson's
 * slow path, when no raw key matched and some key had escapes). */
static bool fj_find_unescaped(fj *p, const char *s, size_t n)
{
    const char *e = s + n;
    s = fj_skip(s, e);
    if (s == e || *s != '{')
        return false;
    s = fj_skip(s + 1, e);
    while (s < e && *s == '"') {
        const char *ks = s + 1;
        const char *ke = fj_string_end(ks, e);
        s = fj_skip(ke + 1, e) + 1; /* ':' */
        s = fj_skip(s, e);
        rg_fj_type t;
        ks_buf dummy = KS_BUF_INIT;
        fj sub = {.msg = &dummy};
        const char *ve = fj_value(&sub, s, e, 1, &t, false);
        ks_buf_free(&dummy);
        ks_buf k = KS_BUF_INIT;
        fj_unescape(&k, ks, (size_t)(ke - ks));
        bool match =
                k.len == strlen(p->key_want) && memcmp(ks_buf_cstr(&k), p->key_want, k.len) == 0;
        ks_buf_free(&k);
        if (match) {
            p->found = s;
            p->found_n = (size_t)(ve - s);
            p->found_type = t;
            return true;
        }
        s = fj_skip(ve, e);
        if (s < e && *s == ',')
            s = fj_skip(s + 1, e);
        else
            break;
    }
    return false;
}

static int fj_get(const char *s, size_t n, const char *key, fj *p, ks_buf *msg)
{
    memset(p, 0, sizeof(*p));
    p->msg = msg;
    p->key_want = key;
    rg_fj_type t;
    if (fj_parse(p, s, n, &t))
        return -1;
    if (t != RG_FJ_OBJECT)
        p->found = NULL;
    else if (!p->found && p->keys_escaped)
        fj_find_unescaped(p, s, n);
    return 0;
}

int rg_jwt_fastjson_get_string(const char *s, size_t n, const char *key, ks_buf *val, ks_buf *msg)
{
    fj p;
    if (fj_get(s, n, key, &p, msg))
        return -1;
    if (!p.found) {
        ks_buf_printf(msg, "jwsbb: header \"%s\" not found", key);
        return -1;
    }
    if (p.found_type != RG_FJ_STRING) {
        ks_buf_printf(msg, "value doesn't contain string; it contains %s",
                      fj_type_name(p.found_type));
        return -1;
    }
    fj_unescape(val, p.found + 1, p.found_n - 2);
    return 0;
}

bool rg_jwt_fastjson_has(const char *s, size_t n, const char *key)
{
    ks_buf msg = KS_BUF_INIT;
    fj p;
    int rc = fj_get(s, n, key, &p, &msg);
    ks_buf_free(&msg);
    return rc == 0 && p.found;
}
