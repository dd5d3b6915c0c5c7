/*
 * JSON syntax as Go's encoding/json scanner sees it, for json.is_valid and
 * for the error messages of json.unmarshal ("invalid character 'x' looking
 * for beginning of value", "unexpected EOF", ...). This only checks syntax
 * and finds the extent of values; the value layer's reader builds them.
 * Iterative: nesting costs a bit per level, up to Go's limit of 10000.
 */
#include <stdio.h>
#include <string.h>

#include "core/goquote.h"
#include "core/utf8.h"
#include "rego/bi_json.h"

enum { SC_OK = 0, SC_SYNTAX = -1, SC_EOF = -2 };

typedef struct gscan {
    const unsigned char *s;
    size_t n, i;
    ks_buf *msg; /* may be NULL: only the verdict is wanted */
    size_t depth;
    unsigned char kinds[(BI_JSON_GO_MAX_DEPTH + 8) / 8]; /* bit set: object */
} gscan;

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Go's quoteChar: the byte as a rune, quoted in single quotes. */
static void quote_char(ks_buf *b, unsigned char c)
{
    if (c == '\'') {
        ks_buf_puts(b, "'\\''");
        return;
    }
    if (c == '"') {
        ks_buf_puts(b, "'\"'");
        return;
    }
    ks_buf_putc(b, '\'');
    ks_buf q = KS_BUF_INIT;
    char u[2];
    size_t un = 1;
    if (c < 0x80) {
        u[0] = (char)c;
    } else { /* string(byte) in Go is the rune U+00XX */
        u[0] = (char)(0xC0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3F));
        un = 2;
    }
    ks_go_quote(&q, u, un, '"', false);
    if (q.len >= 2)
        ks_buf_append(b, q.data + 1, q.len - 2);
    ks_buf_free(&q);
    ks_buf_putc(b, '\'');
}

static int syntax(gscan *g, unsigned char c, const char *context)
{
    if (g->msg) {
        ks_buf_puts(g->msg, "invalid character ");
        quote_char(g->msg, c);
        ks_buf_putc(g->msg, ' ');
        ks_buf_puts(g->msg, context);
    }
    return SC_SYNTAX;
}

static void skip_space(gscan *g)
{
    while (g->i < g->n && is_space(g->s[g->i]))
        g->i++;
}

static int scan_string(gscan *g)
{
    g->i++; /* the opening quote */
    while (g->i < g->n) {
        unsigned char c = g->s[g->i++];
        if (c == '"')
            return SC_OK;
        if (c < 0x20)
            return syntax(g, c, "in string literal");
        if (c != '\\')
            continue;
        if (g->i >= g->n)
            return SC_EOF;
        c = g->s[g->i++];
        if (strchr("bfnrt\\/\"", c) && c) {
            continue;
        }
        if (c != 'u')
            return syntax(g, c, "in string escape code");
        for (int k = 0; k < 4; k++) {
            if (g->i >= g->n)
                return SC_EOF;
            c = g->s[g->i++];
            bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex)
                return syntax(g, c, "in \\u hexadecimal character escape");
        }
    }
    return SC_EOF;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A number ends at the first byte that cannot continue it; the context
 * then judges that byte. */
static int scan_number(gscan *g)
{
    const unsigned char *s = g->s;
    size_t n = g->n;
    if (s[g->i] == '-') {
        g->i++;
        if (g->i >= n)
            return SC_EOF;
        if (!is_digit(s[g->i]))
            return syntax(g, s[g->i], "in numeric literal");
    }
    if (s[g->i] == '0') {
        g->i++;
    } else {
        while (g->i < n && is_digit(s[g->i]))
            g->i++;
    }
    if (g->i < n && s[g->i] == '.') {
        g->i++;
        if (g->i >= n)
            return SC_EOF;
        if (!is_digit(s[g->i]))
            return syntax(g, s[g->i], "after decimal point in numeric literal");
        while (g->i < n && is_digit(s[g->i]))
            g->i++;
    }
    if (g->i < n && (s[g->i] == 'e' || s[g->i] == 'E')) {
        g->i++;
        if (g->i < n && (s[g->i] == '+' || s[g->i] == '-'))
            g->i++;
        if (g->i >= n)
            return SC_EOF;
        if (!is_digit(s[g->i]))
            return syntax(g, s[g->i], "in exponent of numeric literal");
        while (g->i < n && is_digit(s[g->i]))
            g->i++;
    }
    return SC_OK;
}

static int scan_literal(gscan *g, const char *word)
{
    size_t wn = strlen(word);
    g->i++;
    for (size_t k = 1; k < wn; k++) {
        if (g->i >= g->n)
            return SC_EOF;
        unsigned char c = g->s[g->i];
        if (c != (unsigned char)word[k]) {
            char ctx[48];
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word, word[k]);
            return syntax(g, c, ctx);
        }
        g->i++;
    }
    return SC_OK;
}

static int push(gscan *g, bool object)
{
    unsigned char c = g->s[g->i];
    if (g->depth >= BI_JSON_GO_MAX_DEPTH)
        return syntax(g, c, "exceeded max depth");
    if (object)
        g->kinds[g->depth / 8] |= (unsigned char)(1u << (g->depth % 8));
    else
        g->kinds[g->depth / 8] &= (unsigned char)~(1u << (g->depth % 8));
    g->depth++;
    g->i++;
    return SC_OK;
}

static bool top_is_object(const gscan *g)
{
    size_t d = g->depth - 1;
    return (g->kinds[d / 8] >> (d % 8)) & 1;
}

enum { ST_VALUE, ST_KEY, ST_COLON, ST_AFTER };

/* Scans one value from g->i (leading whitespace skipped) and leaves g->i
 * just after it. */
static int scan_value(gscan *g)
{
    int st = ST_VALUE, rc;
    bool may_close = false; /* right after '[' or '{' */
    g->depth = 0;
    for (;;) {
        if (st == ST_AFTER && g->depth == 0)
            return SC_OK;
        skip_space(g);
        if (g->i >= g->n)
            return SC_EOF;
        unsigned char c = g->s[g->i];
        switch (st) {
        case ST_VALUE:
            if (c == ']' && may_close) {
                g->depth--;
                g->i++;
                st = ST_AFTER;
                break;
            }
            may_close = false;
            if (c == '{' || c == '[') {
                if ((rc = push(g, c == '{')))
                    return rc;
                st = c == '{' ? ST_KEY : ST_VALUE;
                may_close = true;
                break;
            }
            if (c == '"')
                rc = scan_string(g);
            else if (c == '-' || is_digit(c))
                rc = scan_number(g);
            else if (c == 't')
                rc = scan_literal(g, "true");
            else if (c == 'f')
                rc = scan_literal(g, "false");
            else if (c == 'n')
                rc = scan_literal(g, "null");
            else
                return syntax(g, c, "looking for beginning of value");
            if (rc)
                return rc;
            st = ST_AFTER;
            break;
        case ST_KEY:
            if (c == '}' && may_close) {
                g->depth--;
                g->i++;
                st = ST_AFTER;
                break;
            }
            may_close = false;
            if (c != '"')
                return syntax(g, c, "looking for beginning of object key string");
            if ((rc = scan_string(g)))
                return rc;
            st = ST_COLON;
            break;
        case ST_COLON:
            if (c != ':')
                return syntax(g, c, "after object key");
            g->i++;
            st = ST_VALUE;
            break;
        default: /* ST_AFTER inside a container */
            if (top_is_object(g)) {
                if (c == ',') {
                    st = ST_KEY;
                } else if (c == '}') {
                    g->depth--;
                } else {
                    return syntax(g, c, "after object key:value pair");
                }
            } else {
                if (c == ',') {
                    st = ST_VALUE;
                } else if (c == ']') {
                    g->depth--;
                } else {
                    return syntax(g, c, "after array element");
                }
            }
            g->i++;
            break;
        }
    }
}

bool bi_json_valid(const char *s, size_t n)
{
    gscan g = {.s = (const unsigned char *)s, .n = n};
    if (scan_value(&g) != SC_OK)
        return false;
    skip_space(&g);
    return g.i == n;
}

/* Go's json.Decoder error for input that ended inside a value. */
static void eof_error(ks_buf *msg, bool seen_content)
{
    ks_buf_puts(msg, seen_content ? "unexpected EOF" : "EOF");
}

int bi_json_decode_span(ks_arena *a, const char *s, size_t n, size_t *start, size_t *end,
                        ks_buf *msg)
{
    gscan g = {.s = (const unsigned char *)s, .n = n, .msg = msg};
    skip_space(&g);
    *start = g.i;
    int rc = scan_value(&g);
    if (rc == SC_EOF)
        eof_error(msg, *start < n);
    if (rc)
        return -1;
    *end = g.i;

    /* OPA then asks the decoder for one more token: the end of the input
     * and null are fine, anything else is an error. */
    skip_space(&g);
    if (g.i >= n)
        return 0;
    unsigned char c = g.s[g.i];
    if (c == '[' || c == '{') {
        ks_buf_printf(msg, "error: invalid character '%c' after top-level value", c);
        return -1;
    }
    if (c == ']' || c == '}' || c == ':' || c == ',')
        return syntax(&g, c, "looking for beginning of value"), -1;
    size_t tok = g.i;
    rc = scan_value(&g);
    if (rc == SC_EOF)
        eof_error(msg, true);
    if (rc)
        return -1;
    const char *t = s + tok;
    size_t tn = g.i - tok;
    if (c == 'n')
        return 0; /* a null token is no token */
    ks_buf_puts(msg, "error: invalid character '");
    if (c == 't' || c == 'f') {
        ks_buf_printf(msg, "%%!s(bool=%s)", c == 't' ? "true" : "false");
    } else if (c == '"') {
        /* The string as decoded: escapes resolved, bad UTF-8 replaced. */
        ks_buf clean = KS_BUF_INIT;
        bi_json_sanitize_utf8(&clean, t, tn);
        kv_value v;
        ks_error err;
        if (kv_json_parse(a, ks_buf_cstr(&clean), clean.len, NULL, &v, &err) == 0 &&
            v.kind == KV_STRING)
            ks_buf_append(msg, v.u.s, v.len);
        ks_buf_free(&clean);
    } else {
        ks_buf_append(msg, t, tn);
    }
    ks_buf_puts(msg, "' after top-level value");
    return -1;
}

void bi_json_sanitize_utf8(ks_buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t ok = ks_utf8_check(s + i, n - i);
        ks_buf_append(out, s + i, ok);
        i += ok;
        if (i < n) {
            uint32_t cp;
            size_t k = ks_utf8_decode(p + i, n - i, &cp);
            if (k) { /* not reached: check stopped here */
                ks_buf_append(out, s + i, k);
                i += k;
                continue;
            }
            ks_buf_append(out, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
}

static void indent_line(ks_buf *out, const char *prefix, size_t pn, const char *indent, size_t in,
                        size_t depth)
{
    ks_buf_putc(out, '\n');
    ks_buf_append(out, prefix, pn);
    for (size_t d = 0; d < depth; d++)
        ks_buf_append(out, indent, in);
}

int bi_json_indent(ks_buf *out, const char *src, size_t n, const char *prefix, size_t pn,
                   const char *indent, size_t in)
{
    bool need_indent = false, in_string = false;
    size_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (in_string) {
            ks_buf_putc(out, c);
            if (c == '\\' && i + 1 < n)
                ks_buf_putc(out, src[++i]);
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (need_indent && c != '}' && c != ']') {
            need_indent = false;
            depth++;
            indent_line(out, prefix, pn, indent, in, depth);
        }
        switch (c) {
        case '"':
            in_string = true;
            ks_buf_putc(out, c);
            break;
        case '{':
        case '[':
            need_indent = true;
            ks_buf_putc(out, c);
            break;
        case ',':
            ks_buf_putc(out, c);
            indent_line(out, prefix, pn, indent, in, depth);
            break;
        case ':': ks_buf_append(out, ": ", 2); break;
        case '}':
        case ']':
            if (need_indent) {
                need_indent = false; /* empty: stays "{}" */
            } else {
                depth--;
                indent_line(out, prefix, pn, indent, in, depth);
            }
            ks_buf_putc(out, c);
            break;
        default: ks_buf_putc(out, c); break;
        }
    }
    return out->err;
}
