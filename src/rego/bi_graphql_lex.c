/*
 * GraphQL lexer with gqlparser's behaviour: positions count characters
 * (runes), a string token's column is one past its opening quote (a block
 * string's three past), and error tokens carry the message gqlparser's
 * lexer gives.
 */
#include "rego/bi_graphql_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ascii.h"
#include "core/utf8.h"

#define RUNE_ERROR 0xFFFDu

void rg_gql_lexer_init(rg_gql_lexer *l, ks_arena *a, const char *in, size_t n, const char *file)
{
    memset(l, 0, sizeof(*l));
    l->a = a;
    l->in = in;
    l->n = n;
    l->file = file ? file : "";
    l->line = 1;
}

static const char *const kind_names[] = {
        "<Invalid>", "<EOF>", "!",     "$",      "&",           "(",       ")", "...",
        ":",         "=",     "@",     "[",      "]",           "{",       "}", "|",
        "Name",      "Int",   "Float", "String", "BlockString", "Comment",
};

const char *rg_gql_tok_kind(int kind)
{
    if (kind < 0 || kind > RG_GQL_T_COMMENT)
        return "Unknown";
    return kind_names[kind];
}

void rg_gql_tok_string(ks_buf *b, const rg_gql_token *t)
{
    ks_buf_puts(b, rg_gql_tok_kind(t->kind));
    if (t->value.n) {
        ks_buf_putc(b, ' ');
        rg_gql_quote(b, t->value);
    }
}

/* Go's utf8.DecodeRuneInString: (U+FFFD, 1) for an invalid sequence. */
static uint32_t decode_rune(const char *s, size_t n, size_t *w)
{
    uint32_t cp;
    size_t k = ks_utf8_decode((const unsigned char *)s, n, &cp);
    if (k == 0) {
        *w = 1;
        return RUNE_ERROR;
    }
    *w = k;
    return cp;
}

/* Go's bytes.Buffer.WriteRune: invalid runes become U+FFFD. */
static void put_rune(ks_buf *b, int64_t r)
{
    char tmp[4];
    if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = RUNE_ERROR;
    size_t k = ks_utf8_encode((uint32_t)r, tmp);
    ks_buf_append(b, tmp, k);
}

/* Go's string(byte): the byte taken as a code point U+0000..U+00FF. */
static void put_byte_rune(ks_buf *b, unsigned char c)
{
    put_rune(b, c);
}

static rg_gql_str arena_str(rg_gql_lexer *l, const char *s, size_t n)
{
    char *p = ks_arena_strndup(l->a, s, n);
    if (!p) {
        l->oom = true;
        return (rg_gql_str){"", 0};
    }
    return (rg_gql_str){p, n};
}

static rg_gql_token make_value_token(rg_gql_lexer *l, int kind, rg_gql_str value)
{
    rg_gql_token t = {.kind = kind, .value = value, .line = l->line, .file = l->file};
    t.col = (int)(l->start_runes - l->line_start_runes + 1);
    return t;
}

static rg_gql_token make_token(rg_gql_lexer *l, int kind)
{
    return make_value_token(l, kind, (rg_gql_str){l->in + l->start, l->end - l->start});
}

static rg_gql_token make_error(rg_gql_lexer *l, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static rg_gql_token make_error(rg_gql_lexer *l, const char *fmt, ...)
{
    rg_gql_token t = {.kind = RG_GQL_T_INVALID, .line = l->line, .file = l->file};
    t.col = (int)(l->end_runes - l->line_start_runes + 1);
    ks_buf b = KS_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ks_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    t.errmsg = b.err ? NULL : ks_arena_strndup(l->a, ks_buf_cstr(&b), b.len);
    if (!t.errmsg) {
        l->oom = true;
        t.errmsg = "out of memory";
    }
    ks_buf_free(&b);
    return t;
}

/* Error whose message is prefix, then text as given, then suffix. */
static rg_gql_token make_error_text(rg_gql_lexer *l, const char *prefix, const char *text, size_t n,
                                    const char *suffix)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, prefix);
    ks_buf_append(&b, text, n);
    ks_buf_puts(&b, suffix);
    rg_gql_token t = make_error(l, "%s", ks_buf_cstr(&b));
    ks_buf_free(&b);
    return t;
}

static rg_gql_token make_error_byte(rg_gql_lexer *l, const char *prefix, unsigned char c,
                                    const char *suffix)
{
    ks_buf b = KS_BUF_INIT;
    put_byte_rune(&b, c);
    rg_gql_token t = make_error_text(l, prefix, ks_buf_cstr(&b), b.len, suffix);
    ks_buf_free(&b);
    return t;
}

static void ws(rg_gql_lexer *l)
{
    while (l->end < l->n) {
        unsigned char c = (unsigned char)l->in[l->end];
        switch (c) {
        case '\t':
        case ' ':
        case ',':
            l->end++;
            l->end_runes++;
            break;
        case '\n':
            l->end++;
            l->end_runes++;
            l->line++;
            l->line_start_runes = l->end_runes;
            break;
        case '\r':
            l->end++;
            l->end_runes++;
            l->line++;
            l->line_start_runes = l->end_runes;
            if (l->end < l->n && l->in[l->end] == '\n') {
                l->end++;
                l->end_runes++;
            }
            break;
        case 0xef:
            if (l->end + 2 < l->n && (unsigned char)l->in[l->end + 1] == 0xbb &&
                (unsigned char)l->in[l->end + 2] == 0xbf) {
                l->end += 3;
                l->end_runes++;
                break;
            }
            return;
        default: return;
        }
    }
}

static rg_gql_token read_comment(rg_gql_lexer *l)
{
    while (l->end < l->n) {
        size_t w;
        uint32_t r = decode_rune(l->in + l->end, l->n - l->end, &w);
        if (r > 0x1f || r == '\t') {
            l->end += w;
            l->end_runes++;
        } else {
            break;
        }
    }
    return make_token(l, RG_GQL_T_COMMENT);
}

static bool accept_byte(rg_gql_lexer *l, const char *set)
{
    if (l->end >= l->n)
        return false;
    if (l->in[l->end] && strchr(set, l->in[l->end])) {
        l->end++;
        l->end_runes++;
        return true;
    }
    return false;
}

static size_t accept_digits(rg_gql_lexer *l)
{
    size_t k = 0;
    while (l->end < l->n && l->in[l->end] >= '0' && l->in[l->end] <= '9') {
        l->end++;
        l->end_runes++;
        k++;
    }
    return k;
}

/* describeNext: the next byte quoted, or <EOF>. */
static rg_gql_token number_error(rg_gql_lexer *l, const char *prefix)
{
    if (l->end < l->n)
        return make_error_byte(l, prefix, (unsigned char)l->in[l->end], "\".");
    return make_error_text(l, prefix, "<EOF>", 5, ".");
}

static rg_gql_token read_number(rg_gql_lexer *l)
{
    bool is_float = false;
    l->end--;
    l->end_runes--;
    accept_byte(l, "-");
    if (accept_byte(l, "0")) {
        size_t k = accept_digits(l);
        if (k) {
            l->end -= k;
            l->end_runes -= (int64_t)k;
            return number_error(l, "Invalid number, unexpected digit after 0: \"");
        }
    } else if (!accept_digits(l)) {
        if (l->end < l->n)
            return number_error(l, "Invalid number, expected digit but got: \"");
        return number_error(l, "Invalid number, expected digit but got: ");
    }
    if (accept_byte(l, ".")) {
        is_float = true;
        if (!accept_digits(l)) {
            if (l->end < l->n)
                return number_error(l, "Invalid number, expected digit but got: \"");
            return number_error(l, "Invalid number, expected digit but got: ");
        }
    }
    if (accept_byte(l, "eE")) {
        is_float = true;
        accept_byte(l, "-+");
        if (!accept_digits(l)) {
            if (l->end < l->n)
                return number_error(l, "Invalid number, expected digit but got: \"");
            return number_error(l, "Invalid number, expected digit but got: ");
        }
    }
    return make_token(l, is_float ? RG_GQL_T_FLOAT : RG_GQL_T_INT);
}

static bool unhex4(const char *s, int64_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int d = ks_hexval((unsigned char)s[i]);
        if (d < 0)
            return false;
        *v = *v << 4 | d;
    }
    return true;
}

/* \u{...}: up to eight hex digits and the brace; *k bytes read (on failure,
 * the bytes worth quoting). */
static bool unhex_braced(const char *s, size_t n, int64_t *v, size_t *k)
{
    size_t i = 0;
    uint32_t acc = 0;
    while (i < n && i <= 8) {
        if (s[i] == '}') {
            i++;
            *k = i;
            int32_t r = (int32_t)acc; /* eight digits may set the sign bit */
            if (i == 1 || r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
                return false;
            *v = r;
            return true;
        }
        int d = ks_hexval((unsigned char)s[i]);
        if (d < 0) {
            *k = i;
            return false;
        }
        acc = acc << 4 | (uint32_t)d;
        i++;
    }
    *k = i;
    return false;
}

static rg_gql_token read_string(rg_gql_lexer *l)
{
    ks_buf buf = KS_BUF_INIT;
    bool have_buf = false;
    rg_gql_token t;
    l->start++;
    l->start_runes++;
    while (l->end < l->n) {
        unsigned char r = (unsigned char)l->in[l->end];
        if (r == '\n' || r == '\r')
            break;
        if (r < 0x20 && r != '\t') {
            t = make_error(l, "Invalid character within String: \"\\u%04x\".", r);
            goto out;
        }
        if (r == '"') {
            if (have_buf) {
                t = make_value_token(l, RG_GQL_T_STRING, arena_str(l, ks_buf_cstr(&buf), buf.len));
                if (buf.err)
                    l->oom = true;
            } else {
                t = make_token(l, RG_GQL_T_STRING);
            }
            l->end++;
            l->end_runes++;
            goto out;
        }
        if (r != '\\') {
            uint32_t ch = r;
            size_t w = 1;
            if (r >= 127)
                ch = decode_rune(l->in + l->end, l->n - l->end, &w);
            l->end += w;
            l->end_runes++;
            if (have_buf)
                put_rune(&buf, ch);
            continue;
        }
        if (l->end + 1 >= l->n) {
            l->end++;
            l->end_runes++;
            t = make_error(l, "Invalid character escape sequence.");
            goto out;
        }
        if (!have_buf) {
            ks_buf_append(&buf, l->in + l->start, l->end - l->start);
            have_buf = true;
        }
        unsigned char esc = (unsigned char)l->in[l->end + 1];
        if (esc == 'u') {
            if (l->end + 2 < l->n && l->in[l->end + 2] == '{') {
                int64_t v;
                size_t k;
                if (!unhex_braced(l->in + l->end + 3, l->n - (l->end + 3), &v, &k)) {
                    l->end++;
                    l->end_runes++;
                    t = make_error_text(l, "Invalid character escape sequence: \\", l->in + l->end,
                                        2 + k, ".");
                    goto out;
                }
                l->end += 3 + k;
                l->end_runes += (int64_t)(3 + k);
                put_rune(&buf, v);
                continue;
            }
            if (l->end + 6 >= l->n) {
                l->end++;
                l->end_runes++;
                t = make_error_text(l, "Invalid character escape sequence: \\", l->in + l->end,
                                    l->n - l->end, ".");
                goto out;
            }
            int64_t v;
            if (!unhex4(l->in + l->end + 2, &v)) {
                l->end++;
                l->end_runes++;
                t = make_error_text(l, "Invalid character escape sequence: \\", l->in + l->end, 5,
                                    ".");
                goto out;
            }
            l->end += 6;
            l->end_runes += 6;
            if (v >= 0xD800 && v < 0xDC00 && l->end + 6 < l->n) {
                const char *next = l->in + l->end;
                int64_t v2;
                if (next[0] == '\\' && next[1] == 'u' && unhex4(next + 2, &v2) && v2 >= 0xDC00 &&
                    v2 <= 0xDFFF) {
                    v = 0x10000 + ((v - 0xD800) << 10) + (v2 - 0xDC00);
                    l->end += 6;
                    l->end_runes += 6;
                }
            }
            put_rune(&buf, v);
            continue;
        }
        switch (esc) {
        case '"':
        case '/':
        case '\\': ks_buf_putc(&buf, (char)esc); break;
        case 'b': ks_buf_putc(&buf, '\b'); break;
        case 'f': ks_buf_putc(&buf, '\f'); break;
        case 'n': ks_buf_putc(&buf, '\n'); break;
        case 'r': ks_buf_putc(&buf, '\r'); break;
        case 't': ks_buf_putc(&buf, '\t'); break;
        default:
            l->end++;
            l->end_runes++;
            t = make_error_byte(l, "Invalid character escape sequence: \\", esc, ".");
            goto out;
        }
        l->end += 2;
        l->end_runes += 2;
    }
    t = make_error(l, "Unterminated string.");
out:
    ks_buf_free(&buf);
    return t;
}

static size_t leading_ws(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return i;
    return SIZE_MAX;
}

rg_gql_str rg_gql_block_value(ks_arena *a, const char *raw, size_t n)
{
    /* Lines as [start, end) offsets; the first line takes part in the
     * common indentation, as in gqlparser. */
    size_t nlines = 1;
    for (size_t i = 0; i < n; i++)
        nlines += raw[i] == '\n';
    size_t *ls = ks_arena_alloc(a, nlines * sizeof(size_t));
    size_t *le = ks_arena_alloc(a, nlines * sizeof(size_t));
    if (!ls || !le)
        return (rg_gql_str){NULL, 0};
    size_t k = 0, st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || raw[i] == '\n') {
            ls[k] = st;
            le[k] = i;
            k++;
            st = i + 1;
        }
    }
    size_t common = SIZE_MAX;
    for (size_t i = 0; i < nlines; i++) {
        size_t ind = leading_ws(raw + ls[i], le[i] - ls[i]);
        if (ind != SIZE_MAX && ind < le[i] - ls[i] && ind < common) {
            common = ind;
            if (common == 0)
                break;
        }
    }
    if (common != SIZE_MAX) {
        for (size_t i = 1; i < nlines; i++) {
            if (le[i] - ls[i] < common)
                ls[i] = le[i];
            else
                ls[i] += common;
        }
    }
    size_t first = 0, last = nlines;
    while (first < last && leading_ws(raw + ls[first], le[first] - ls[first]) == SIZE_MAX)
        first++;
    while (first < last && leading_ws(raw + ls[last - 1], le[last - 1] - ls[last - 1]) == SIZE_MAX)
        last--;
    size_t total = 0;
    for (size_t i = first; i < last; i++)
        total += le[i] - ls[i] + (i + 1 < last);
    char *out = ks_arena_alloc_bytes(a, total + 1);
    if (!out)
        return (rg_gql_str){NULL, 0};
    size_t o = 0;
    for (size_t i = first; i < last; i++) {
        memcpy(out + o, raw + ls[i], le[i] - ls[i]);
        o += le[i] - ls[i];
        if (i + 1 < last)
            out[o++] = '\n';
    }
    out[o] = '\0';
    return (rg_gql_str){out, o};
}

static rg_gql_token read_block_string(rg_gql_lexer *l)
{
    ks_buf buf = KS_BUF_INIT;
    rg_gql_token t;
    l->start += 3;
    l->start_runes += 3;
    l->end += 2;
    l->end_runes += 2;
    while (l->end < l->n) {
        unsigned char r = (unsigned char)l->in[l->end];
        if (r == '"') {
            size_t q = 1, i = l->end + 1;
            while (i < l->n && l->in[i] == '"') {
                q++;
                i++;
            }
            if (q >= 3) {
                ks_buf_fill(&buf, '"', q - 3);
                if (buf.err) {
                    l->oom = true;
                    t = make_value_token(l, RG_GQL_T_BLOCKSTRING, (rg_gql_str){"", 0});
                } else {
                    rg_gql_str v = rg_gql_block_value(l->a, ks_buf_cstr(&buf), buf.len);
                    if (!v.s) {
                        l->oom = true;
                        v = (rg_gql_str){"", 0};
                    }
                    t = make_value_token(l, RG_GQL_T_BLOCKSTRING, v);
                }
                l->end += q;
                l->end_runes += (int64_t)q;
                goto out;
            }
        }
        if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
            t = make_error(l, "Invalid character within String: \"\\u%04x\".", r);
            goto out;
        }
        if (r == '\\' && l->end + 4 <= l->n && memcmp(l->in + l->end, "\\\"\"\"", 4) == 0) {
            ks_buf_puts(&buf, "\"\"\"");
            l->end += 4;
            l->end_runes += 4;
        } else if (r == '\r') {
            if (l->end + 1 < l->n && l->in[l->end + 1] == '\n') {
                l->end++;
                l->end_runes++;
            }
            ks_buf_putc(&buf, '\n');
            l->end++;
            l->end_runes++;
            l->line++;
            l->line_start_runes = l->end_runes;
        } else {
            uint32_t ch = r;
            size_t w = 1;
            if (r >= 127)
                ch = decode_rune(l->in + l->end, l->n - l->end, &w);
            l->end += w;
            l->end_runes++;
            put_rune(&buf, ch);
            if (r == '\n') {
                l->line++;
                l->line_start_runes = l->end_runes;
            }
        }
    }
    t = make_error(l, "Unterminated string.");
out:
    if (buf.err)
        l->oom = true;
    ks_buf_free(&buf);
    return t;
}

static bool name_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static rg_gql_token read_name(rg_gql_lexer *l)
{
    while (l->end < l->n && name_char((unsigned char)l->in[l->end])) {
        l->end++;
        l->end_runes++;
    }
    return make_token(l, RG_GQL_T_NAME);
}

rg_gql_token rg_gql_lex(rg_gql_lexer *l)
{
    ws(l);
    l->start = l->end;
    l->start_runes = l->end_runes;
    if (l->end >= l->n)
        return make_token(l, RG_GQL_T_EOF);
    unsigned char r = (unsigned char)l->in[l->start];
    l->end++;
    l->end_runes++;
    static const rg_gql_str empty = {"", 0};
    switch (r) {
    case '!': return make_value_token(l, RG_GQL_T_BANG, empty);
    case '$': return make_value_token(l, RG_GQL_T_DOLLAR, empty);
    case '&': return make_value_token(l, RG_GQL_T_AMP, empty);
    case '(': return make_value_token(l, RG_GQL_T_PARENL, empty);
    case ')': return make_value_token(l, RG_GQL_T_PARENR, empty);
    case '.':
        if (l->n > l->start + 2 && memcmp(l->in + l->start, "...", 3) == 0) {
            l->end += 2;
            l->end_runes += 2;
            return make_value_token(l, RG_GQL_T_SPREAD, empty);
        }
        break;
    case ':': return make_value_token(l, RG_GQL_T_COLON, empty);
    case '=': return make_value_token(l, RG_GQL_T_EQUALS, empty);
    case '@': return make_value_token(l, RG_GQL_T_AT, empty);
    case '[': return make_value_token(l, RG_GQL_T_BRACKETL, empty);
    case ']': return make_value_token(l, RG_GQL_T_BRACKETR, empty);
    case '{': return make_value_token(l, RG_GQL_T_BRACEL, empty);
    case '}': return make_value_token(l, RG_GQL_T_BRACER, empty);
    case '|': return make_value_token(l, RG_GQL_T_PIPE, empty);
    case '#': return read_comment(l);
    case '"':
        if (l->n > l->start + 2 && memcmp(l->in + l->start, "\"\"\"", 3) == 0)
            return read_block_string(l);
        return read_string(l);
    default:
        if (r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
            return read_name(l);
        if (r == '-' || (r >= '0' && r <= '9'))
            return read_number(l);
        break;
    }
    l->end--;
    l->end_runes--;
    if (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
        return make_error(l, "Cannot contain the invalid character \"\\u%04x\"", r);
    if (r == '\'')
        return make_error(
                l,
                "Unexpected single quote character ('), did you mean to use a double quote (\")?");
    return make_error_byte(l, "Cannot parse the unexpected character \"", r, "\".");
}
