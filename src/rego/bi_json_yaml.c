/*
 * yaml.marshal, yaml.unmarshal and yaml.is_valid as OPA v1.22 does them on
 * go-yaml v3: YAML 1.2 scalars, timestamps kept as written, duplicate keys
 * last-wins, every document of a stream read but only the first returned,
 * numbers through float64 unless they are 64-bit integers, and go-yaml's
 * output layout, key order and quoting. Reading and the quoting of plain
 * scalars are the value layer's (kv_yaml_parse_stream, kv_yaml_write).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/goquote.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "rego/bi_json.h"

/* Nesting below which values are inspected recursively. */
#define WALK_DEPTH KV_DEFAULT_MAX_DEPTH

static int nomem(rg_bctx *c)
{
    return rg_bi_error(c, RG_ERR_INTERNAL, "out of memory");
}

/* ---- YAML ---- */

/* A non-negative integer that fits uint64, in decimal digits (21 bytes). */
static bool yaml_uint64_digits(const kv_value *v, char digits[24])
{
    kv_numdigits d;
    kv_num_digits(v, &d);
    if (d.neg || d.exp < (int64_t)d.ndigits || d.exp > 20)
        return false;
    size_t k = 0;
    for (; k < d.ndigits; k++)
        digits[k] = d.digits[k];
    for (; k < (size_t)d.exp; k++)
        digits[k] = '0';
    digits[k] = '\0';
    return k < 20 || strcmp(digits, "18446744073709551615") <= 0;
}

static bool yaml_uint64(const kv_value *v)
{
    char digits[24];
    return yaml_uint64_digits(v, digits);
}

/* A number the way go-yaml v3 writes the float64 it decoded from JSON:
 * integers that fit 64 bits exactly, anything else with %g's shortest form
 * ("1e+06", "0.000123", "1.2345678901234568e+29"). */
static void yaml_number(ks_buf *b, const kv_value *v)
{
    int64_t i;
    if (kv_num_int64(v, &i)) {
        ks_buf_printf(b, "%lld", (long long)i);
        return;
    }
    char digits[24];
    if (yaml_uint64_digits(v, digits)) {
        ks_buf_puts(b, digits);
        return;
    }
    double x = kv_num_double(v);
    if (isinf(x)) { /* go-yaml reads an out-of-range float as a string */
        kv_json_write(b, v, 0);
        return;
    }
    char buf[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    /* buf is d.ddde±XX: digits and decimal exponent */
    char dig[20] = {0};
    size_t nd = 0;
    const char *p = buf;
    bool neg = *p == '-';
    if (neg)
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            dig[nd++] = *p;
    int exp = (int)strtol(p + 1, NULL, 10);
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    if (neg)
        ks_buf_putc(b, '-');
    if (exp < -4 || exp >= 6) { /* %g with the shortest precision */
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
        for (int k = 0; k <= exp; k++)
            ks_buf_putc(b, (size_t)k < nd ? dig[k] : '0');
        if ((size_t)exp + 1 < nd) {
            ks_buf_putc(b, '.');
            ks_buf_append(b, dig + exp + 1, nd - (size_t)exp - 1);
        }
    }
}

/* go-yaml's is_printable for the character at s (valid UTF-8): a string
 * with anything else (tabs, controls, characters beyond the BMP, BOMs) is
 * written double-quoted with escapes. */
static bool yaml_printable(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], d = n > 1 ? s[1] : 0, e = n > 2 ? s[2] : 0;
    return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c == 0xC2 && d >= 0xA0) ||
           (c > 0xC2 && c < 0xED) || (c == 0xED && d < 0xA0) || c == 0xEE ||
           (c == 0xEF && !(d == 0xBB && e == 0xBF) && !(d == 0xBF && (e == 0xBE || e == 0xBF)));
}

static bool yaml_needs_escapes(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t w = ks_utf8_decode(s + i, n - i, &cp);
        if (!w || !yaml_printable(s + i, n - i))
            return true;
        i += w;
    }
    return false;
}

/* go-yaml's double-quoted style: breaks, quotes, backslashes and what is
 * not printable escaped, short forms where YAML has them. */
static void yaml_double_quoted(ks_buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    ks_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        uint32_t v;
        size_t w = ks_utf8_decode(s + i, n - i, &v);
        if (!w) { /* not reached: strings are made valid first */
            v = s[i];
            w = 1;
        }
        bool brk = v == '\r' || v == '\n' || v == 0x85 || v == 0x2028 || v == 0x2029;
        if (yaml_printable(s + i, n - i) && !brk && v != 0xFEFF && v != '"' && v != '\\') {
            ks_buf_append(b, s + i, w);
            i += w;
            continue;
        }
        i += w;
        static const struct {
            uint32_t v;
            char e;
        } short_forms[] = {{0x00, '0'},  {0x07, 'a'}, {0x08, 'b'}, {0x09, 't'},   {0x0A, 'n'},
                           {0x0B, 'v'},  {0x0C, 'f'}, {0x0D, 'r'}, {0x1B, 'e'},   {0x22, '"'},
                           {0x5C, '\\'}, {0x85, 'N'}, {0xA0, '_'}, {0x2028, 'L'}, {0x2029, 'P'}};
        char e = 0;
        for (size_t k = 0; k < sizeof short_forms / sizeof short_forms[0]; k++)
            if (short_forms[k].v == v)
                e = short_forms[k].e;
        if (e)
            ks_buf_printf(b, "\\%c", e);
        else if (v <= 0xFF)
            ks_buf_printf(b, "\\x%02X", v);
        else if (v <= 0xFFFF)
            ks_buf_printf(b, "\\u%04X", v);
        else
            ks_buf_printf(b, "\\U%08X", v);
    }
    ks_buf_putc(b, '"');
}

/* A scalar as go-yaml writes it, through the value layer's writer (same
 * quoting); continuation lines of block scalars (two spaces in) are moved
 * right by indent. */
static int yaml_scalar(ks_buf *b, const kv_value *v, size_t indent);
static int yaml_key(ks_buf *b, const kv_value *k);

/* json.Marshal comes first in OPA: bad UTF-8 is U+FFFD by now. */
static int yaml_fixed_string(ks_buf *b, const kv_value *v, size_t indent, bool key)
{
    ks_buf t = KS_BUF_INIT;
    bi_json_sanitize_utf8(&t, v->u.s, v->len);
    kv_value s = kv_str_ref(ks_buf_cstr(&t), t.len);
    int rc = key ? yaml_key(b, &s) : yaml_scalar(b, &s, indent);
    ks_buf_free(&t);
    return rc;
}

static int yaml_scalar(ks_buf *b, const kv_value *v, size_t indent)
{
    if (v->kind == KV_STRING && !ks_utf8_valid(v->u.s, v->len))
        return yaml_fixed_string(b, v, indent, false);
    if (v->kind == KV_NUMBER) {
        yaml_number(b, v);
        return 0;
    }
    if (v->kind == KV_STRING && yaml_needs_escapes(v->u.s, v->len)) {
        yaml_double_quoted(b, v->u.s, v->len);
        return 0;
    }
    ks_buf t = KS_BUF_INIT;
    int rc = kv_yaml_write(&t, v, 0);
    if (!rc) {
        size_t n = t.len;
        if (n && t.data[n - 1] == '\n')
            n--;
        for (size_t i = 0; i < n; i++) {
            ks_buf_putc(b, t.data[i]);
            if (t.data[i] == '\n' && i + 1 < n && t.data[i + 1] != '\n')
                ks_buf_fill(b, ' ', indent);
        }
    }
    ks_buf_free(&t);
    return rc;
}

static int yaml_key(ks_buf *b, const kv_value *k)
{
    if (!ks_utf8_valid(k->u.s, k->len))
        return yaml_fixed_string(b, k, 0, true);
    if (yaml_needs_escapes(k->u.s, k->len)) {
        yaml_double_quoted(b, k->u.s, k->len);
        return 0;
    }
    /* The writer's key quoting: a one-member mapping, minus ": null". */
    kv_member m = {*k, kv_null()};
    kv_value obj = {.kind = KV_OBJECT, .len = 1, .u.members = &m};
    ks_buf t = KS_BUF_INIT;
    int rc = kv_yaml_write(&t, &obj, 0);
    if (!rc && t.len >= 7)
        ks_buf_append(b, t.data, t.len - 7);
    ks_buf_free(&t);
    return rc;
}

/* Runes of a UTF-8 string (bad bytes as U+FFFD); *n their count. */
static uint32_t *runes(const kv_value *s, size_t *n)
{
    uint32_t *r = ks_xmalloc((s->len + 1) * sizeof *r);
    const unsigned char *p = (const unsigned char *)s->u.s;
    size_t k = 0;
    for (size_t i = 0; i < s->len;) {
        size_t w = ks_utf8_decode(p + i, s->len - i, &r[k]);
        if (!w) {
            r[k] = 0xFFFD;
            w = 1;
        }
        k++;
        i += w;
    }
    *n = k;
    return r;
}

/* unicode.IsLetter, approximated outside ASCII by excluding symbols,
 * punctuation and spaces of the common blocks. */
static bool rune_letter(uint32_t r)
{
    if (r < 0x80)
        return (r | 0x20) >= 'a' && (r | 0x20) <= 'z';
    if (r < 0xC0)
        return r == 0xAA || r == 0xB5 || r == 0xBA;
    if (r == 0xD7 || r == 0xF7)
        return false;
    return !(r >= 0x2000 && r <= 0x2BFF) && !(r >= 0x3000 && r <= 0x303F) &&
           !(r >= 0xE000 && r <= 0xF8FF) && !(r >= 0xFE00 && r <= 0xFE6F) &&
           !(r >= 0xFF00 && r <= 0xFF20) && r < 0x1F000;
}

static bool rune_digit(uint32_t r)
{
    return r >= '0' && r <= '9';
}

/* go-yaml's order of string keys: letters and digit runs compared
 * "naturally" (a2 < a10), as its keyList.Less does. */
static bool yaml_key_less(const uint32_t *ar, size_t an, const uint32_t *br, size_t bn)
{
    bool digits = false;
    for (size_t i = 0; i < an && i < bn; i++) {
        if (ar[i] == br[i]) {
            digits = rune_digit(ar[i]);
            continue;
        }
        bool al = rune_letter(ar[i]), bl = rune_letter(br[i]);
        if (al && bl)
            return ar[i] < br[i];
        if (al || bl)
            return digits ? al : bl;
        int64_t av = 0, bv = 0;
        size_t ai, bi;
        if (ar[i] == '0' || br[i] == '0') {
            for (size_t j = i; j-- > 0 && rune_digit(ar[j]);) {
                if (ar[j] != '0') {
                    av = bv = 1;
                    break;
                }
            }
        }
        for (ai = i; ai < an && rune_digit(ar[ai]); ai++)
            av = av * 10 + (int64_t)(ar[ai] - '0');
        for (bi = i; bi < bn && rune_digit(br[bi]); bi++)
            bv = bv * 10 + (int64_t)(br[bi] - '0');
        if (av != bv)
            return av < bv;
        if (ai != bi)
            return ai < bi;
        return ar[i] < br[i];
    }
    return an < bn;
}

static int yaml_key_cmp(const void *x, const void *y)
{
    const kv_member *a = *(const kv_member *const *)x, *b = *(const kv_member *const *)y;
    size_t an, bn;
    uint32_t *ar = runes(&a->key, &an), *br = runes(&b->key, &bn);
    int r = yaml_key_less(ar, an, br, bn) ? -1 : yaml_key_less(br, bn, ar, an) ? 1 : 0;
    ks_xfree(ar);
    ks_xfree(br);
    return r;
}

static bool yaml_empty_or_scalar(const kv_value *v)
{
    return !(v->kind == KV_OBJECT || v->kind == KV_ARRAY || v->kind == KV_SET) || v->len == 0;
}

/* Block YAML in go-yaml v3's layout with two-space indentation: unlike
 * kubectl, a sequence under a mapping key is indented. The first line is
 * already positioned (after "- " or at the start). */
static int yaml_emit(ks_buf *b, const kv_value *v, size_t indent, size_t depth)
{
    int rc;
    if (depth > 2 * KV_DEFAULT_MAX_DEPTH)
        return KS_ELIMIT;
    if (yaml_empty_or_scalar(v)) {
        if (v->kind == KV_OBJECT)
            ks_buf_puts(b, "{}");
        else if (v->kind == KV_ARRAY || v->kind == KV_SET)
            ks_buf_puts(b, "[]");
        else if ((rc = yaml_scalar(b, v, indent >= 2 ? indent - 2 : 0)))
            return rc;
        ks_buf_putc(b, '\n');
        return b->err;
    }
    const kv_member **order = NULL;
    if (v->kind == KV_OBJECT) {
        order = ks_xmalloc(v->len * sizeof *order);
        for (uint32_t i = 0; i < v->len; i++)
            order[i] = &v->u.members[i];
        qsort(order, v->len, sizeof *order, yaml_key_cmp);
    }
    rc = 0;
    for (uint32_t i = 0; i < v->len && !rc; i++) {
        if (i)
            ks_buf_fill(b, ' ', indent);
        if (v->kind == KV_OBJECT) {
            const kv_member *m = order[i];
            if ((rc = yaml_key(b, &m->key)))
                break;
            ks_buf_putc(b, ':');
            if (yaml_empty_or_scalar(&m->val)) {
                ks_buf_putc(b, ' ');
                rc = yaml_emit(b, &m->val, indent + 2, depth + 1);
            } else {
                ks_buf_putc(b, '\n');
                ks_buf_fill(b, ' ', indent + 2);
                rc = yaml_emit(b, &m->val, indent + 2, depth + 1);
            }
        } else {
            ks_buf_append(b, "- ", 2);
            rc = yaml_emit(b, &v->u.items[i], indent + 2, depth + 1);
        }
    }
    ks_xfree(order);
    return rc ? rc : b->err;
}

/* OPA's yaml.marshal reads its own JSON text back as YAML, which refuses
 * the characters JSON leaves raw but YAML does not allow (DEL, C1
 * controls but NEL, U+FFFE and U+FFFF). */
static bool yaml_bad_chars(const kv_value *v, size_t depth)
{
    if (depth > WALK_DEPTH)
        return false;
    if (v->kind == KV_STRING) {
        const unsigned char *p = (const unsigned char *)v->u.s;
        for (size_t i = 0; i < v->len;) {
            uint32_t cp;
            size_t w = ks_utf8_decode(p + i, v->len - i, &cp);
            if (!w) {
                i++;
                continue;
            }
            if (cp == 0x7F || (cp >= 0x80 && cp <= 0x9F && cp != 0x85) || cp == 0xFFFE ||
                cp == 0xFFFF)
                return true;
            i += w;
        }
        return false;
    }
    if (v->kind == KV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++)
            if (yaml_bad_chars(&v->u.members[i].key, depth + 1) ||
                yaml_bad_chars(&v->u.members[i].val, depth + 1))
                return true;
    } else if (v->kind == KV_ARRAY || v->kind == KV_SET) {
        for (uint32_t i = 0; i < v->len; i++)
            if (yaml_bad_chars(&v->u.items[i], depth + 1))
                return true;
    }
    return false;
}

int bi_yaml_marshal(rg_bctx *c, const kv_value *args, kv_value *out)
{
    kv_value v;
    int rc = bi_json_go_keys(c, &args[0], &v, 0);
    if (rc)
        return rc;
    if (yaml_bad_chars(&v, 0))
        return rg_bi_error(c, RG_ERR_BUILTIN, "yaml: control characters are not allowed");
    ks_buf b = KS_BUF_INIT;
    rc = yaml_emit(&b, &v, 0, 0);
    if (rc)
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "yaml: value nests too deeply or is too large");
    else
        rc = rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

/* go-yaml v3 turns timestamp-looking plain scalars into times and OPA turns
 * them back into the text as written; the value layer's v3 mode gives
 * RFC 3339 instead. Strings of that shape send us to a second reading. */
static bool looks_rfc3339(const kv_value *v)
{
    if (v->kind != KV_STRING || v->len < 20)
        return false;
    const char *s = v->u.s;
    const char *shape = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < 19; i++)
        if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
            return false;
    return s[v->len - 1] == 'Z' || s[v->len - 6] == '+' || s[v->len - 6] == '-';
}

typedef struct ycheck {
    bool timestamps, null_key;
} ycheck;

static void yaml_inspect(const kv_value *v, ycheck *yc, size_t depth)
{
    if (depth > WALK_DEPTH)
        return;
    if (looks_rfc3339(v))
        yc->timestamps = true;
    if (v->kind == KV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++) {
            const kv_value *k = &v->u.members[i].key;
            if (k->len == 4 && !memcmp(k->u.s, "null", 4))
                yc->null_key = true;
            if (looks_rfc3339(k))
                yc->timestamps = true;
            yaml_inspect(&v->u.members[i].val, yc, depth + 1);
        }
    } else if (v->kind == KV_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++)
            yaml_inspect(&v->u.items[i], yc, depth + 1);
    }
}

/* The value as OPA ends up with it: numbers through float64 unless they
 * are 64-bit integers, bad UTF-8 replaced, timestamps as written (from
 * the YAML 1.1 reading b, when given). */
static int yaml_fix(rg_bctx *c, const kv_value *a, const kv_value *b, kv_value *out, size_t depth)
{
    int rc;
    *out = *a;
    if (depth > WALK_DEPTH)
        return 0;
    switch (kv_kind_of(a)) {
    case KV_NUMBER:
        /* go-yaml keeps 64-bit integers; anything else becomes a float64,
         * and a float out of float64's range stays the text written. */
        if (a->sub == KV_NUM_DECIMAL && !yaml_uint64(a)) {
            double x = kv_num_double(a);
            if (isinf(x))
                return kv_str_copy(c->arena, a->u.dec->text, a->u.dec->len, out) ? nomem(c) : 0;
            *out = kv_double(x);
        }
        return 0;
    case KV_STRING:
        if (b && b->kind == KV_STRING && !kv_equal(a, b) && looks_rfc3339(a))
            *out = *b;
        if (!ks_utf8_valid(out->u.s, out->len)) {
            ks_buf t = KS_BUF_INIT;
            bi_json_sanitize_utf8(&t, out->u.s, out->len);
            rc = kv_str_copy(c->arena, ks_buf_cstr(&t), t.len, out);
            ks_buf_free(&t);
            return rc ? nomem(c) : 0;
        }
        return 0;
    case KV_ARRAY: {
        kv_value *items = ks_arena_alloc(c->arena, (a->len ? a->len : 1) * sizeof *items);
        if (!items)
            return nomem(c);
        bool same = b && b->kind == KV_ARRAY && b->len == a->len;
        for (uint32_t i = 0; i < a->len; i++)
            if ((rc = yaml_fix(c, &a->u.items[i], same ? &b->u.items[i] : NULL, &items[i],
                               depth + 1)))
                return rc;
        return kv_array_new(c->arena, items, a->len, out) ? nomem(c) : 0;
    }
    case KV_OBJECT: {
        kv_member *m = ks_arena_alloc(c->arena, (a->len ? a->len : 1) * sizeof *m);
        if (!m)
            return nomem(c);
        bool pair = b && b->kind == KV_OBJECT;
        uint32_t bnext = 0; /* B's keys missing from A, in order */
        for (uint32_t i = 0; i < a->len; i++) {
            const kv_value *key = &a->u.members[i].key;
            const kv_value *bv = pair ? kv_obj_get_value(b, key) : NULL;
            kv_value k = *key;
            if (pair && !bv && looks_rfc3339(key)) {
                /* a timestamp key: B has it as written, under another name */
                while (bnext < b->len && kv_obj_get_value(a, &b->u.members[bnext].key))
                    bnext++;
                if (bnext < b->len) {
                    k = b->u.members[bnext].key;
                    bv = &b->u.members[bnext++].val;
                }
            }
            if ((rc = yaml_fix(c, &k, NULL, &m[i].key, depth + 1)) ||
                (rc = yaml_fix(c, &a->u.members[i].val, bv, &m[i].val, depth + 1)))
                return rc;
        }
        return kv_object_new(c->arena, m, a->len, KV_DUP_LAST_WINS, out, NULL) ? nomem(c) : 0;
    }
    default: return 0;
    }
}

/* Go's %+#v of the value go-yaml decoded (for error messages). */
static void go_sharp_v(ks_buf *b, const kv_value *v, bool nested)
{
    switch (kv_kind_of(v)) {
    case KV_NULL: ks_buf_puts(b, nested ? "interface {}(nil)" : "<nil>"); return;
    case KV_BOOL: ks_buf_puts(b, v->u.b ? "true" : "false"); return;
    case KV_NUMBER: yaml_number(b, v); return;
    case KV_STRING: ks_go_quote(b, v->u.s, v->len, '"', false); return;
    case KV_OBJECT:
        ks_buf_puts(b, "map[string]interface {}{");
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                ks_buf_append(b, ", ", 2);
            go_sharp_v(b, &v->u.members[i].key, true);
            ks_buf_putc(b, ':');
            go_sharp_v(b, &v->u.members[i].val, true);
        }
        ks_buf_putc(b, '}');
        return;
    default:
        ks_buf_puts(b, "[]interface {}{");
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                ks_buf_append(b, ", ", 2);
            go_sharp_v(b, &v->u.items[i], true);
        }
        ks_buf_putc(b, '}');
        return;
    }
}

/* The tag go-yaml resolves a plain scalar to. */
static const char *yaml_tag_of(ks_arena *a, const char *s, size_t n)
{
    kv_value v;
    ks_error err;
    if (kv_yaml_parse(a, s, n, NULL, &v, &err) != 0)
        return "str";
    switch (kv_kind_of(&v)) {
    case KV_NULL: return "null";
    case KV_BOOL: return "bool";
    case KV_NUMBER:
        for (size_t i = 0; i < n; i++)
            if (s[i] == '.' || ((s[i] == 'e' || s[i] == 'E') && !(n > 1 && s[1] == 'x')))
                return "float";
        return "int";
    default: return "str";
    }
}

/* go-yaml's words for the errors the value layer's reader reports. */
static void yaml_error_text(ks_arena *a, ks_buf *m, const ks_error *err)
{
    static const struct {
        const char *ours, *go;
        char kind; /* 'P' parser (line of the mark before), 'S' scanner, 'N' no line */
    } map[] = {
            {"flow sequence without a closing bracket", "did not find expected ',' or ']'", 'P'},
            {"missing comma in flow sequence", "did not find expected ',' or ']'", 'P'},
            {"flow mapping without a closing brace", "did not find expected ',' or '}'", 'P'},
            {"missing comma in flow mapping", "did not find expected ',' or '}'", 'P'},
            {"invalid nested block mapping", "mapping values are not allowed in this context", 'S'},
            {"invalid tab", "found character that cannot start any token", 'S'},
            {"cannot start with", "found character that cannot start any token", 'S'},
            {"without closing quote", "found unexpected end of stream", 'S'},
            {"invalid scalar at the end of block sequence", "did not find expected '-' indicator",
             'P'},
            {"invalid value after mapping", "could not find expected ':'", 'S'},
            {"invalid indentation in mapping", "did not find expected key", 'P'},
    };
    const char *msg = err->msg;
    ks_buf_puts(m, "yaml: ");
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!strstr(msg, map[i].ours))
            continue;
        int line = map[i].kind == 'P' ? err->line - 1 : map[i].kind == 'S' ? err->line : 0;
        if (map[i].kind == 'S' && line == 1)
            line = 0;
        if (line > 0)
            ks_buf_printf(m, "line %d: ", line);
        ks_buf_puts(m, map[i].go);
        return;
    }
    const char *cr = strstr(msg, "cannot read \"");
    const char *as = cr ? strstr(cr, "\" as !!") : NULL;
    if (cr && as) {
        const char *x = cr + 13;
        ks_buf_printf(m, "cannot decode !!%s `%.*s` as a !!%s", yaml_tag_of(a, x, (size_t)(as - x)),
                      (int)(as - x), x, as + 7);
        return;
    }
    const char *alias = strstr(msg, "alias *");
    const char *noanchor = strstr(msg, " refers to no anchor");
    if (alias && noanchor && noanchor > alias) {
        ks_buf_puts(m, "unknown anchor '");
        ks_buf_append(m, alias + 7, (size_t)(noanchor - alias - 7));
        ks_buf_puts(m, "' referenced");
        return;
    }
    const char *inj = strstr(msg, " cannot be represented in JSON");
    if (inj) {
        size_t sn = (size_t)(inj - msg);
        ks_buf_reset(m);
        ks_buf_printf(m, "json: unsupported value: %s",
                      memchr(msg, 'n', sn) && (memchr(msg, 'a', sn) || memchr(msg, 'A', sn)) &&
                                      !memchr(msg, 'i', sn) && !memchr(msg, 'I', sn)
                              ? "NaN"
                      : msg[0] == '-' ? "-Inf"
                                      : "+Inf");
        return;
    }
    if (err->line > 0)
        ks_buf_printf(m, "line %d: ", err->line);
    ks_buf_puts(m, msg);
}

/* The value under the first "null" key (where a null key went). */
static const kv_value *yaml_null_key_value(const kv_value *v, size_t depth)
{
    if (depth > WALK_DEPTH)
        return NULL;
    if (v->kind == KV_OBJECT) {
        const kv_value *x = kv_obj_get(v, "null", 4);
        if (x)
            return x;
        for (uint32_t i = 0; i < v->len; i++)
            if ((x = yaml_null_key_value(&v->u.members[i].val, depth + 1)))
                return x;
    } else if (v->kind == KV_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++) {
            const kv_value *x = yaml_null_key_value(&v->u.items[i], depth + 1);
            if (x)
                return x;
        }
    }
    return NULL;
}

typedef struct ydocs {
    kv_value first;
    size_t count;
} ydocs;

static int yaml_doc(void *ctx, const kv_value *doc, const kv_yaml_doc *info)
{
    ydocs *d = ctx;
    (void)info;
    if (d->count++ == 0) {
        d->first = *doc;
        return 0;
    }
    return KV_YAML_RELEASE; /* later documents must read, but are dropped */
}

/* Errors about what a scalar means (not about YAML syntax) only count in
 * the first document: OPA reads the others as nodes, unresolved. */
static bool resolution_error(const char *msg)
{
    return strstr(msg, "cannot be represented in JSON") || strstr(msg, "cannot read \"") ||
           strstr(msg, "is not valid on a scalar") || strstr(msg, "!!binary value") ||
           strstr(msg, "mapping key must be a scalar") || strstr(msg, "null mapping key");
}

/* yaml.unmarshal: 0, or -1 with the message in msg. */
static int yaml_read(rg_bctx *c, const char *s, size_t n, kv_value *out, ks_buf *msg)
{
    kv_yaml_opts o = {.flags = KV_YAML_DUP_LAST_WINS};
    ydocs d = {.first = kv_null()};
    ks_error err;
    ks_error_clear(&err);
    int rc = kv_yaml_parse_stream(c->arena, s, n, &o, yaml_doc, &d, &err);
    if (rc && !(d.count >= 1 && rc == KS_EPARSE && resolution_error(err.msg))) {
        yaml_error_text(c->arena, msg, &err);
        return -1;
    }
    ycheck yc = {0};
    yaml_inspect(&d.first, &yc, 0);
    kv_value b, *bp = NULL;
    if (yc.timestamps || yc.null_key) {
        kv_yaml_opts o11 = {.flags = KV_YAML_BOOL11 | KV_YAML_DUP_LAST_WINS};
        ks_error e2;
        ks_error_clear(&e2);
        if (kv_yaml_parse(c->arena, s, n, &o11, &b, &e2) == 0) {
            bp = &b;
        } else if (strstr(e2.msg, "null mapping key")) {
            ks_buf_puts(msg, "unsupported map key of type: %!s(<nil>), key: <nil>, value: ");
            const kv_value *v = yaml_null_key_value(&d.first, 0);
            go_sharp_v(msg, v ? v : &(kv_value){.kind = KV_NULL}, false);
            return -1;
        }
    }
    return yaml_fix(c, &d.first, bp, out, 0) ? -2 : 0;
}

int bi_yaml_unmarshal(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf msg = KS_BUF_INIT;
    rc = yaml_read(c, s, n, out, &msg);
    if (rc == -1)
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
    else if (rc)
        rc = RG_EBUILTIN; /* described by yaml_fix */
    ks_buf_free(&msg);
    return rc;
}

int bi_yaml_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    if (args[0].kind != KV_STRING) {
        *out = kv_bool(false);
        return RG_OK;
    }
    ks_buf msg = KS_BUF_INIT;
    kv_value v;
    ks_arena_mark mark = ks_arena_mark_get(c->arena);
    int rc = yaml_read(c, args[0].u.s, args[0].len, &v, &msg);
    ks_arena_rewind(c->arena, mark);
    ks_buf_free(&msg);
    *out = kv_bool(rc == 0);
    return RG_OK;
}
