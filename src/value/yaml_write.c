/*
 * YAML writer: block style as kubectl -o yaml prints it (two-space
 * indentation, sequences at their key's indentation, literal blocks for
 * multi-line strings). Strings are quoted whenever a YAML 1.1 or 1.2 reader
 * could take them for something else, so the output reads back to the same
 * value under either.
 */
#include <string.h>

#include "core/base64.h"
#include "core/utf8.h"
#include "value/number.h"
#include "value/value.h"

typedef enum style { PLAIN, SINGLE, DOUBLE, LITERAL } style;

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Would a YAML reader resolve this plain text to a non-string? Covers YAML
 * 1.2 core, YAML 1.1 booleans and null, and anything number-shaped
 * (including base-60 and timestamps, which some readers still resolve). */
static bool looks_typed(const char *s, size_t n)
{
    static const char *const words[] = {
            "~",  "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
            "y",  "Y",    "yes",  "Yes",  "YES",  "n",    "N",    "no",    "No",    "NO",
            "on", "On",   "ON",   "off",  "Off",  "OFF",  "<<",   "=",     NULL};
    for (const char *const *w = words; *w; w++)
        if (strlen(*w) == n && memcmp(*w, s, n) == 0)
            return true;
    if (s[0] == '.' && n >= 4) {
        static const char *const dots[] = {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", NULL};
        for (const char *const *w = dots; *w; w++)
            if (strlen(*w) == n && memcmp(*w, s, n) == 0)
                return true;
    }
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-')
        i = 1;
    if (i < n && s[i] == '.' && n - i >= 4) {
        static const char *const inf[] = {".inf", ".Inf", ".INF", NULL};
        for (const char *const *w = inf; *w; w++)
            if (strlen(*w) == n - i && memcmp(*w, s + i, n - i) == 0)
                return true;
    }
    if (i >= n || !((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
        return false;
    /* Number-shaped: digits, hex letters, prefixes, separators, exponent
     * signs, colons (base 60) and the dashes and T/Z of timestamps. */
    for (; i < n; i++) {
        char c = s[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                  c == 'x' || c == 'X' || c == 'o' || c == 'O' || c == '_' || c == '.' ||
                  c == '+' || c == '-' || c == ':' || c == 'T' || c == 't' || c == 'Z' ||
                  c == 'z' || c == ' ';
        if (!ok)
            return false;
    }
    return true;
}

/* s is valid UTF-8: write_string writes other bytes as !!binary first. */
static style choose_style(const char *s, size_t n, bool key)
{
    if (n == 0 || looks_typed(s, n))
        return DOUBLE;
    bool newline = false, unprintable = false, trailing_ws = false;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            newline = true;
            if (i > 0 && is_space(s[i - 1]))
                trailing_ws = true;
            i++;
            continue;
        }
        if (c < 0x20 ? c != '\t' : c == 0x7f) {
            unprintable = true;
            i++;
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = ks_utf8_decode((const unsigned char *)s + i, n - i, &cp); /* s is UTF-8 */
        if (cp == 0x85 || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || (cp >= 0x80 && cp < 0xA0))
            unprintable = true;
        i += len;
    }
    if (unprintable)
        return DOUBLE;
    if (newline) {
        /* A literal block cannot start with spaces (they would be read as
         * indentation), keep trailing blanks reliably, nor hold only line
         * breaks (nothing would set its indentation). */
        size_t first = 0;
        while (first < n && s[first] == '\n')
            first++;
        if (key || trailing_ws || is_space(s[n - 1]) || first == n || s[first] == ' ')
            return DOUBLE;
        return LITERAL;
    }
    if (memchr(s, '\t', n))
        return DOUBLE;
    char c0 = s[0];
    bool special = is_space(c0) || is_space(s[n - 1]) || strchr("[]{},#&*!|>'\"%@`", c0) ||
                   ((c0 == '-' || c0 == '?' || c0 == ':') && (n == 1 || is_space(s[1]))) ||
                   s[n - 1] == ':' ||
                   /* document markers, when the string lands at column 0 */
                   (n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0));
    for (size_t i = 0; !special && i + 1 < n; i++)
        if ((s[i] == ':' && s[i + 1] == ' ') || (s[i] == ' ' && s[i + 1] == '#'))
            special = true;
    if (special)
        return SINGLE;
    return PLAIN;
}

static void write_double(ks_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    ks_buf_putc(out, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            ks_buf_putc(out, (char)c);
            i++;
            continue;
        }
        switch (c) {
        case '"':
            ks_buf_puts(out, "\\\"");
            i++;
            continue;
        case '\\':
            ks_buf_puts(out, "\\\\");
            i++;
            continue;
        case '\n':
            ks_buf_puts(out, "\\n");
            i++;
            continue;
        case '\t':
            ks_buf_puts(out, "\\t");
            i++;
            continue;
        case '\r':
            ks_buf_puts(out, "\\r");
            i++;
            continue;
        case '\0':
            ks_buf_puts(out, "\\0");
            i++;
            continue;
        default: break;
        }
        if (c < 0x80) {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            ks_buf_append(out, e, 4);
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = ks_utf8_decode((const unsigned char *)s + i, n - i, &cp); /* s is UTF-8 */
        if (cp == 0x85 || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF ||
            (cp >= 0x80 && cp < 0xA0)) {
            ks_buf_printf(out, "\\u%04X", (unsigned)cp);
            i += len;
        } else {
            ks_buf_append(out, s + i, len);
            i += len;
        }
    }
    ks_buf_putc(out, '"');
}

static void write_literal(ks_buf *out, const char *s, size_t n, unsigned indent)
{
    size_t trail = 0;
    while (trail < n && s[n - 1 - trail] == '\n')
        trail++;
    ks_buf_putc(out, '|');
    if (trail == 0)
        ks_buf_putc(out, '-');
    else if (trail > 1)
        ks_buf_putc(out, '+');
    ks_buf_putc(out, '\n');
    size_t body = trail ? n - trail : n;
    size_t i = 0;
    while (i < body) {
        const char *nl = memchr(s + i, '\n', body - i);
        size_t end = nl ? (size_t)(nl - s) : body;
        if (end > i) {
            ks_buf_fill(out, ' ', indent);
            ks_buf_append(out, s + i, end - i);
        }
        ks_buf_putc(out, '\n');
        i = end + 1;
    }
    /* Keep-chomping: the extra trailing line breaks. */
    for (size_t k = 1; k < trail; k++)
        ks_buf_putc(out, '\n');
}

/* A scalar's text. Literal blocks end with their own newline; the caller
 * adds one after anything else. Returns whether a newline was written. */
static bool write_string(ks_buf *out, const char *s, size_t n, unsigned indent, bool key)
{
    if (!ks_utf8_valid(s, n)) {
        /* Bytes that are not text: base64, as go-yaml writes them. */
        ks_buf_puts(out, "!!binary ");
        ks_base64_encode(out, s, n, KS_B64_STD);
        return false;
    }
    switch (choose_style(s, n, key)) {
    case PLAIN: ks_buf_append(out, s, n); return false;
    case SINGLE:
        ks_buf_putc(out, '\'');
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\'')
                ks_buf_putc(out, '\'');
            ks_buf_putc(out, s[i]);
        }
        ks_buf_putc(out, '\'');
        return false;
    case DOUBLE: write_double(out, s, n); return false;
    case LITERAL: write_literal(out, s, n, indent); return true;
    }
    return false;
}

static int write_scalar(ks_buf *out, const kv_value *v, unsigned indent, bool key)
{
    switch ((kv_kind)v->kind) {
    case KV_NULL: ks_buf_puts(out, "null"); break;
    case KV_BOOL: ks_buf_puts(out, v->u.b ? "true" : "false"); break;
    case KV_NUMBER: {
        int rc = kv__num_write(out, v, false);
        if (rc)
            return rc;
        break;
    }
    case KV_STRING:
        if (write_string(out, v->u.s, v->len, indent, key))
            return 1;
        break;
    case KV_ARRAY:
    case KV_SET: ks_buf_puts(out, "[]"); break;
    case KV_OBJECT: ks_buf_puts(out, "{}"); break;
    }
    return 0;
}

static bool is_block(const kv_value *v)
{
    return (v->kind == KV_OBJECT || v->kind == KV_ARRAY || v->kind == KV_SET) && v->len > 0;
}

static int emit_map(ks_buf *out, const kv_value *v, unsigned indent, bool inline_first);
static int emit_seq(ks_buf *out, const kv_value *v, unsigned indent, bool inline_first);

/* A scalar or empty container, then the end of its line. */
static int emit_scalar_line(ks_buf *out, const kv_value *v, unsigned indent)
{
    int rc = write_scalar(out, v, indent, false);
    if (rc < 0)
        return rc;
    if (rc == 0)
        ks_buf_putc(out, '\n');
    return 0;
}

static int emit_key(ks_buf *out, const kv_value *k)
{
    if (k->kind == KV_STRING) {
        write_string(out, k->u.s, k->len, 0, true);
        return out->err;
    }
    ks_buf tmp = KS_BUF_INIT;
    int rc = kv_json_write(&tmp, k, 0);
    if (rc == 0)
        write_string(out, ks_buf_cstr(&tmp), tmp.len, 0, true);
    ks_buf_free(&tmp);
    return rc ? rc : out->err;
}

/* Indentation grows with nesting and every line repeats it, so the output
 * of deep nesting grows quadratically; past this it is refused. */
#define MAX_INDENT 2000

static int emit_map(ks_buf *out, const kv_value *v, unsigned indent, bool inline_first)
{
    if (indent > MAX_INDENT)
        return KS_ELIMIT;
    for (uint32_t i = 0; i < v->len; i++) {
        if (!(inline_first && i == 0))
            ks_buf_fill(out, ' ', indent);
        int rc = emit_key(out, &v->u.members[i].key);
        if (rc)
            return rc;
        ks_buf_putc(out, ':');
        const kv_value *val = &v->u.members[i].val;
        if (!is_block(val)) {
            ks_buf_putc(out, ' ');
            rc = emit_scalar_line(out, val, indent + 2);
        } else if (val->kind == KV_OBJECT) {
            ks_buf_putc(out, '\n');
            rc = emit_map(out, val, indent + 2, false);
        } else {
            ks_buf_putc(out, '\n');
            rc = emit_seq(out, val, indent, false);
        }
        if (rc)
            return rc;
    }
    return out->err;
}

static int emit_seq(ks_buf *out, const kv_value *v, unsigned indent, bool inline_first)
{
    if (indent > MAX_INDENT)
        return KS_ELIMIT;
    for (uint32_t i = 0; i < v->len; i++) {
        if (!(inline_first && i == 0))
            ks_buf_fill(out, ' ', indent);
        ks_buf_puts(out, "- ");
        const kv_value *item = &v->u.items[i];
        int rc;
        if (!is_block(item))
            rc = emit_scalar_line(out, item, indent + 2);
        else if (item->kind == KV_OBJECT)
            rc = emit_map(out, item, indent + 2, true);
        else
            rc = emit_seq(out, item, indent + 2, true);
        if (rc)
            return rc;
    }
    return out->err;
}

int kv_yaml_write(ks_buf *out, const kv_value *v, unsigned flags)
{
    (void)flags;
    size_t start = out->len;
    int rc;
    if (!is_block(v))
        /* A literal block at the root is indented too: unindented content
         * could read as a document marker ("---", "..."). */
        rc = emit_scalar_line(out, v, 2);
    else if (v->kind == KV_OBJECT)
        rc = emit_map(out, v, 0, false);
    else
        rc = emit_seq(out, v, 0, false);
    if (rc == 0)
        rc = out->err;
    if (rc && out->err == 0)
        ks_buf_truncate(out, start);
    return rc;
}
