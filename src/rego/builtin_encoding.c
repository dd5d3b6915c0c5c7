/*
 * Rego builtins: encoding (see builtin.h for the contract). JSON, YAML,
 * base64, hex and URL query encodings with OPA v1.22's results and error
 * texts, which are mostly Go's (encoding/json, go-yaml v3, encoding/base64,
 * encoding/hex, net/url). JSON patch, filter and remove live in
 * bi_json_patch.c; YAML in bi_json_yaml.c; uri.* and uuid.parse in
 * bi_json_uri.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/goquote.h"
#include "core/base64.h"
#include "core/utf8.h"
#include "rego/bi_json.h"
#include "rego/bi_util.h"
#include "rego/builtin.h"

/* Nesting below which values are inspected recursively (deeper values are
 * written as they are). */
#define WALK_DEPTH KV_DEFAULT_MAX_DEPTH

static int nomem(rg_bctx *c)
{
    return rg_bi_error(c, RG_ERR_INTERNAL, "out of memory");
}

/* ---- values as Go's encoding/json sees them ---- */

static bool has_nonstring_keys(const kv_value *v, size_t depth)
{
    if (depth > WALK_DEPTH)
        return false;
    if (v->kind == KV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++)
            if (v->u.members[i].key.kind != KV_STRING ||
                has_nonstring_keys(&v->u.members[i].val, depth + 1))
                return true;
    } else if (v->kind == KV_ARRAY || v->kind == KV_SET) {
        for (uint32_t i = 0; i < v->len; i++)
            if (has_nonstring_keys(&v->u.items[i], depth + 1))
                return true;
    }
    return false;
}

/* Objects with non-string keys get their keys' JSON text as keys, as
 * OPA's ast.JSON does; a key that then collides keeps the later value. */
int bi_json_go_keys(rg_bctx *c, const kv_value *v, kv_value *out, size_t depth)
{
    int rc;
    *out = *v;
    if (depth > WALK_DEPTH || !has_nonstring_keys(v, 0))
        return 0;
    if (v->kind == KV_ARRAY || v->kind == KV_SET) {
        kv_value *items = ks_arena_alloc(c->arena, v->len * sizeof *items);
        if (!items)
            return nomem(c);
        for (uint32_t i = 0; i < v->len; i++)
            if ((rc = bi_json_go_keys(c, &v->u.items[i], &items[i], depth + 1)))
                return rc;
        /* sets stay sets: the writer prints them as arrays, in order */
        if (v->kind == KV_SET) {
            out->u.items = items;
            return 0;
        }
        return kv_array_new(c->arena, items, v->len, out) ? nomem(c) : 0;
    }
    kv_member *m = ks_arena_alloc(c->arena, v->len * sizeof *m);
    if (!m)
        return nomem(c);
    ks_buf b = KS_BUF_INIT;
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_member *src = &v->u.members[i];
        if ((rc = bi_json_go_keys(c, &src->val, &m[i].val, depth + 1)))
            goto out;
        if (src->key.kind == KV_STRING) {
            m[i].key = src->key;
            continue;
        }
        kv_value k;
        ks_buf_reset(&b);
        if ((rc = bi_json_go_keys(c, &src->key, &k, depth + 1)))
            goto out;
        if (kv_json_write(&b, &k, KV_JSON_ESCAPE_HTML) ||
            kv_str_copy(c->arena, ks_buf_cstr(&b), b.len, &m[i].key)) {
            rc = nomem(c);
            goto out;
        }
    }
    rc = kv_object_new(c->arena, m, v->len, KV_DUP_LAST_WINS, out, NULL) ? nomem(c) : 0;
out:
    ks_buf_free(&b);
    return rc;
}

/* json.Marshal of v (HTML-escaped) appended to b. */
static int go_marshal(rg_bctx *c, const kv_value *v, ks_buf *b)
{
    kv_value g;
    int rc = bi_json_go_keys(c, v, &g, 0);
    if (rc)
        return rc;
    rc = kv_json_write(b, &g, KV_JSON_ESCAPE_HTML);
    if (rc == KS_ELIMIT)
        return rg_bi_error(c, RG_ERR_BUILTIN, "json: value nests too deeply or is too large");
    return rc ? nomem(c) : 0;
}

static int bi_json_marshal(rg_bctx *c, const kv_value *args, kv_value *out)
{
    ks_buf b = KS_BUF_INIT;
    int rc = go_marshal(c, &args[0], &b);
    if (!rc)
        rc = rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

static int opt_key_error(rg_bctx *c, const kv_value *key, const char *what, size_t idx,
                         const kv_value *val)
{
    ks_buf q = KS_BUF_INIT;
    ks_go_quote(&q, key->u.s, key->len, '"', false);
    int rc;
    if (val)
        rc = rg_bi_error(
                c, RG_ERR_TYPE,
                "operand 2 key %s failed cast to %s: operand %zu must be string but got %s",
                ks_buf_cstr(&q), what, idx, rg_kind_name(val));
    else
        rc = rg_bi_error(c, RG_ERR_TYPE, "operand 2 key %s failed cast to %s", ks_buf_cstr(&q),
                         what);
    ks_buf_free(&q);
    return rc;
}

static int bi_json_marshal_with_options(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const kv_value *opts = &args[1];
    int rc = rg_arg_kind(c, args, 1, RG_T_OBJ, "object");
    if (rc)
        return rc;
    const char *prefix = "", *indent = "\t";
    size_t pn = 0, in = 1;
    bool implicit = false, explicit_set = false, pretty = false;
    for (uint32_t i = 0; i < opts->len; i++) {
        const kv_value *k = &opts->u.members[i].key, *v = &opts->u.members[i].val;
        if (k->kind != KV_STRING) {
            ks_buf t = KS_BUF_INIT;
            bi_json_write_rego(&t, k);
            rc = rg_bi_error(c, RG_ERR_TYPE,
                             "operand 2 failed to stringify key %s at index %u: operand %u must "
                             "be string but got %s",
                             ks_buf_cstr(&t), i, i, rg_kind_name(k));
            ks_buf_free(&t);
            return rc;
        }
        bool is_prefix = k->len == 6 && !memcmp(k->u.s, "prefix", 6);
        bool is_indent = k->len == 6 && !memcmp(k->u.s, "indent", 6);
        if (is_prefix || is_indent) {
            if (v->kind != KV_STRING)
                return opt_key_error(c, k, "string", i, v);
            if (is_prefix) {
                prefix = v->u.s;
                pn = v->len;
            } else {
                indent = v->u.s;
                in = v->len;
            }
            implicit = true;
        } else if (k->len == 6 && !memcmp(k->u.s, "pretty", 6)) {
            explicit_set = true;
            if (v->kind != KV_BOOL)
                return opt_key_error(c, k, "bool", i, NULL);
            pretty = v->u.b;
        } else {
            ks_buf q = KS_BUF_INIT;
            ks_go_quote(&q, k->u.s, k->len, '"', false);
            rc = rg_bi_error(c, RG_ERR_TYPE, "operand 2 object contained unknown key %s",
                             ks_buf_cstr(&q));
            ks_buf_free(&q);
            return rc;
        }
    }
    if (!explicit_set)
        pretty = implicit;
    ks_buf b = KS_BUF_INIT, p = KS_BUF_INIT;
    rc = go_marshal(c, &args[0], &b);
    if (!rc && pretty) {
        /* MarshalIndent leaves the first line unprefixed; OPA adds it. */
        ks_buf_append(&p, prefix, pn);
        if (bi_json_indent(&p, ks_buf_cstr(&b), b.len, prefix, pn, indent, in))
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "json: output too large");
    }
    if (!rc)
        rc = rg_make_string_buf(c, pretty ? &p : &b, out);
    ks_buf_free(&b);
    ks_buf_free(&p);
    return rc;
}

/* OPA refuses numbers whose binary exponent passes 100000 (its big.Float
 * arithmetic would be slow): "invalid number: number too big". */
static bool number_too_big(const kv_value *v)
{
    if (v->kind != KV_NUMBER || v->sub != KV_NUM_DECIMAL)
        return false;
    kv_numdigits d;
    kv_num_digits(v, &d);
    if (d.ndigits == 0)
        return false;
    /* value = 0.DIGITS x 10^exp; log2 = (exp + log10(0.DIGITS)) x log2(10) */
    double lead = 0;
    for (size_t i = 0; i < d.ndigits && i < 17; i++)
        lead = lead * 10 + (d.digits[i] - '0');
    if (lead <= 0)
        return false;
    double l10 = (double)d.exp + log10(lead) - (double)(d.ndigits < 17 ? d.ndigits : 17);
    double bexp = floor(l10 * 3.321928094887362) + 1; /* big.Float's exponent */
    return bexp > 100000 || bexp < -100000;
}

static int check_numbers(rg_bctx *c, const kv_value *v, size_t depth)
{
    if (number_too_big(v))
        return rg_bi_error(c, RG_ERR_BUILTIN, "invalid number: number too big");
    if (depth > WALK_DEPTH)
        return 0;
    if (v->kind == KV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++) {
            int rc = check_numbers(c, &v->u.members[i].val, depth + 1);
            if (rc)
                return rc;
        }
    } else if (v->kind == KV_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++) {
            int rc = check_numbers(c, &v->u.items[i], depth + 1);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int bi_json_unmarshal(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n, start, end;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf msg = KS_BUF_INIT, clean = KS_BUF_INIT;
    if (bi_json_decode_span(c->arena, s, n, &start, &end, &msg)) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
        goto out;
    }
    const char *src = s + start;
    size_t sn = end - start;
    if (!ks_utf8_valid(src, sn)) { /* Go decodes bad UTF-8 as U+FFFD */
        bi_json_sanitize_utf8(&clean, src, sn);
        src = ks_buf_cstr(&clean);
        sn = clean.len;
    }
    ks_error err;
    ks_error_clear(&err);
    rc = kv_json_parse(c->arena, src, sn, NULL, out, &err);
    if (rc == KS_ERANGE)
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "invalid number: number too big");
    else if (rc == KS_ELIMIT && strstr(err.msg, "nest"))
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "exceeded max depth");
    else if (rc)
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", err.msg);
    else
        rc = check_numbers(c, out, 0);
out:
    ks_buf_free(&msg);
    ks_buf_free(&clean);
    return rc;
}

static int bi_json_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    *out = kv_bool(args[0].kind == KV_STRING && bi_json_valid(args[0].u.s, args[0].len));
    return RG_OK;
}

static int bi_json_filter_fn(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    return rc ? rc : bi_json_filter(c, &args[0], &args[1], out);
}

static int bi_json_remove_fn(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    return rc ? rc : bi_json_remove(c, &args[0], &args[1], out);
}

static int bi_json_patch_fn(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 1, RG_T_ARR, "array");
    return rc ? rc : bi_json_patch(c, &args[0], &args[1], out);
}

/* ---- base64 and hex ---- */

static int b64_encode(rg_bctx *c, const kv_value *args, kv_value *out, unsigned variant)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf b = KS_BUF_INIT;
    if (ks_base64_encode(&b, s, n, variant))
        rc = nomem(c);
    else
        rc = rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

static int bi_base64_encode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return b64_encode(c, args, out, KS_B64_STD);
}

static int bi_base64url_encode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return b64_encode(c, args, out, KS_B64_URL);
}

static int bi_base64url_encode_no_pad(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return b64_encode(c, args, out, KS_B64_URL | KS_B64_NOPAD);
}

/* Decodes what rg_go_b64_error accepted: Nettle on the symbols, with the
 * unused low bits of a short last quantum cleared (Go ignores them). */
static int go_b64_decode(ks_buf *out, const char *s, size_t n, bool url)
{
    ks_buf clean = KS_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\n' && s[i] != '\r' && s[i] != '=')
            ks_buf_putc(&clean, s[i]);
    size_t rem = clean.len % 4;
    if (rem)
        clean.data[clean.len - 1] = rg_b64_clear_unused(clean.data[clean.len - 1], rem, url);
    size_t bad;
    int rc = clean.err ? clean.err
                       : ks_base64_decode(out, ks_buf_cstr(&clean), clean.len,
                                          (url ? KS_B64_URL : KS_B64_STD) | KS_B64_LENIENT, &bad);
    ks_buf_free(&clean);
    return rc;
}

static int b64_decode(rg_bctx *c, const char *s, size_t n, bool url, kv_value *out)
{
    long at = rg_go_b64_error(s, n, url, true);
    if (at >= 0)
        return rg_bi_error(c, RG_ERR_BUILTIN, "illegal base64 data at input byte %ld", at);
    ks_buf b = KS_BUF_INIT;
    int rc = go_b64_decode(&b, s, n, url) ? nomem(c) : rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

static int bi_base64_decode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    return rc ? rc : b64_decode(c, s, n, false, out);
}

static int bi_base64_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    *out = kv_bool(args[0].kind == KV_STRING &&
                   rg_go_b64_error(args[0].u.s, args[0].len, false, true) < 0);
    return RG_OK;
}

static int bi_base64url_decode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    /* Unpadded input gets its padding back (RFC 7515 appendix C). */
    if (n == 0 || s[n - 1] != '=') {
        size_t pad = n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0;
        if (n % 4 == 1) {
            ks_buf m = KS_BUF_INIT;
            ks_buf_append(&m, s, n);
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "illegal base64url string: %s", ks_buf_cstr(&m));
            ks_buf_free(&m);
            return rc;
        }
        if (pad) {
            ks_buf p = KS_BUF_INIT;
            ks_buf_append(&p, s, n);
            ks_buf_fill(&p, '=', pad);
            rc = b64_decode(c, ks_buf_cstr(&p), p.len, true, out);
            ks_buf_free(&p);
            return rc;
        }
    }
    return b64_decode(c, s, n, true, out);
}

static int bi_hex_encode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    static const char hex[] = "0123456789abcdef";
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    char *p = ks_arena_alloc_bytes(c->arena, 2 * n + 1);
    if (!p)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        p[2 * i] = hex[(unsigned char)s[i] >> 4];
        p[2 * i + 1] = hex[(unsigned char)s[i] & 15];
    }
    p[2 * n] = '\0';
    *out = kv_str_ref(p, 2 * n);
    return RG_OK;
}

static int hex_digit(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
        return (ch | 0x20) - 'a' + 10;
    return -1;
}

/* Go's InvalidByteError: the byte as a rune, %#U. */
static int hex_byte_error(rg_bctx *c, unsigned char b)
{
    bool print = (b >= 0x20 && b < 0x7f) || (b >= 0xA1 && b != 0xAD);
    if (!print)
        return rg_bi_error(c, RG_ERR_BUILTIN, "encoding/hex: invalid byte: U+%04X", b);
    char u[3] = {(char)b, 0, 0};
    if (b >= 0x80) {
        u[0] = (char)(0xC0 | (b >> 6));
        u[1] = (char)(0x80 | (b & 0x3F));
    }
    return rg_bi_error(c, RG_ERR_BUILTIN, "encoding/hex: invalid byte: U+%04X '%s'", b, u);
}

static int bi_hex_decode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    const unsigned char *u = (const unsigned char *)s;
    char *p = ks_arena_alloc_bytes(c->arena, n / 2 + 1);
    if (!p)
        return nomem(c);
    size_t i = 1;
    for (; i < n; i += 2) {
        int hi = hex_digit(u[i - 1]), lo = hex_digit(u[i]);
        if (hi < 0)
            return hex_byte_error(c, u[i - 1]);
        if (lo < 0)
            return hex_byte_error(c, u[i]);
        p[i / 2] = (char)(hi << 4 | lo);
    }
    if (n % 2) {
        if (hex_digit(u[n - 1]) < 0)
            return hex_byte_error(c, u[n - 1]);
        return rg_bi_error(c, RG_ERR_BUILTIN, "encoding/hex: odd length hex string");
    }
    p[n / 2] = '\0';
    *out = kv_str_ref(p, n / 2);
    return RG_OK;
}

/* ---- urlquery ---- */

static int bi_urlquery_encode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf b = KS_BUF_INIT;
    bi_url_query_escape(&b, s, n);
    rc = rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

static int bi_urlquery_decode(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf b = KS_BUF_INIT, msg = KS_BUF_INIT;
    if (bi_url_query_unescape(&b, s, n, &msg))
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", ks_buf_cstr(&msg));
    else
        rc = rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    ks_buf_free(&msg);
    return rc;
}

static int bi_urlquery_encode_object(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    if (rc)
        return rc;
    kv_value obj;
    if ((rc = bi_json_go_keys(c, &args[0], &obj, 0)))
        return rc;
    for (uint32_t i = 0; i < obj.len; i++) {
        const kv_value *v = &obj.u.members[i].val;
        bool ok = v->kind == KV_STRING;
        if (v->kind == KV_ARRAY || v->kind == KV_SET) {
            ok = true;
            for (uint32_t j = 0; j < v->len; j++)
                ok = ok && v->u.items[j].kind == KV_STRING;
        }
        if (!ok)
            return rg_bi_error(c, RG_ERR_TYPE,
                               "operand 1 values must be string, array[string], or set[string]");
    }
    /* Keys are sorted by their bytes, as url.Values.Encode sorts them. */
    ks_buf b = KS_BUF_INIT;
    for (uint32_t i = 0; i < obj.len; i++) {
        const kv_value *k = &obj.u.members[i].key, *v = &obj.u.members[i].val;
        const kv_value *vals = v->kind == KV_STRING ? v : v->u.items;
        uint32_t nv = v->kind == KV_STRING ? 1 : v->len;
        for (uint32_t j = 0; j < nv; j++) {
            if (b.len)
                ks_buf_putc(&b, '&');
            bi_url_query_escape(&b, k->u.s, k->len);
            ks_buf_putc(&b, '=');
            bi_url_query_escape(&b, vals[j].u.s, vals[j].len);
        }
    }
    rc = b.err ? nomem(c) : rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

static int bi_urlquery_decode_object(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    size_t params = 1;
    for (size_t i = 0; i < n; i++)
        params += s[i] == '&';
    if (params > 10000)
        return rg_bi_error(c, RG_ERR_BUILTIN, "number of URL query parameters exceeded limit");
    /* Pairs in order; equal keys are grouped afterwards. */
    kv_member *pairs = ks_arena_alloc(c->arena, params * sizeof *pairs);
    if (!pairs)
        return nomem(c);
    size_t np = 0;
    bool semicolon = false;
    ks_buf k = KS_BUF_INIT, v = KS_BUF_INIT, msg = KS_BUF_INIT;
    for (size_t i = 0; i <= n && !rc;) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t e = amp ? (size_t)(amp - s) : n;
        const char *seg = s + i;
        size_t sn = e - i;
        i = e + 1;
        if (memchr(seg, ';', sn)) {
            semicolon = true;
            continue;
        }
        if (sn == 0)
            continue;
        const char *eq = memchr(seg, '=', sn);
        size_t kn = eq ? (size_t)(eq - seg) : sn;
        ks_buf_reset(&k);
        ks_buf_reset(&v);
        bool had_err = msg.len > 0;
        ks_buf *m = had_err ? &v : &msg; /* only the first escape error counts */
        if (bi_url_query_unescape(&k, seg, kn, had_err ? &k : m) ||
            (eq && bi_url_query_unescape(&v, eq + 1, sn - kn - 1, had_err ? &k : m)))
            continue;
        if (kv_str_copy(c->arena, ks_buf_cstr(&k), k.len, &pairs[np].key) ||
            kv_str_copy(c->arena, ks_buf_cstr(&v), v.len, &pairs[np].val))
            rc = nomem(c);
        np++;
        if (!amp)
            break;
    }
    if (!rc && (semicolon || msg.len))
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s",
                         semicolon ? "invalid semicolon separator in query" : ks_buf_cstr(&msg));
    ks_buf_free(&k);
    ks_buf_free(&v);
    ks_buf_free(&msg);
    if (rc)
        return rc;
    /* Group: stable sort of pairs by key keeps each key's values in order. */
    kv_member *m = ks_arena_alloc(c->arena, (np ? np : 1) * sizeof *m);
    kv_value *vals = ks_arena_alloc(c->arena, (np ? np : 1) * sizeof *vals);
    bool *used = ks_arena_alloc(c->arena, np ? np : 1);
    if (!m || !vals || !used)
        return nomem(c);
    memset(used, 0, np ? np : 1);
    kv_value seen;
    if (kv_object_new(c->arena, pairs, np, KV_DUP_FIRST_WINS, &seen, NULL))
        return nomem(c);
    size_t nm = 0;
    for (uint32_t u = 0; u < seen.len; u++) {
        const kv_value *key = &seen.u.members[u].key;
        size_t nv = 0;
        for (size_t i = 0; i < np; i++)
            if (!used[i] && kv_equal(&pairs[i].key, key)) {
                used[i] = true;
                vals[nv++] = pairs[i].val;
            }
        m[nm].key = *key;
        if (kv_array_new(c->arena, vals, nv, &m[nm].val))
            return nomem(c);
        nm++;
    }
    return kv_object_new(c->arena, m, nm, KV_DUP_LAST_WINS, out, NULL) ? nomem(c) : RG_OK;
}

#define S RG_T_STR
#define A RG_T_ANY

const rg_builtin_def rg_bi_encoding[] = {
        {"json.marshal", 1, 0, {A}, S, bi_json_marshal},
        {"json.marshal_with_options", 2, 0, {A, RG_T_OBJ}, S, bi_json_marshal_with_options},
        {"json.unmarshal", 1, 0, {S}, A, bi_json_unmarshal},
        {"json.is_valid", 1, 0, {A}, RG_T_BOOL, bi_json_is_valid},
        {"json.filter", 2, 0, {RG_T_OBJ, RG_T_ARR | RG_T_SET}, RG_T_OBJ, bi_json_filter_fn},
        {"json.remove", 2, 0, {RG_T_OBJ, RG_T_ARR | RG_T_SET}, RG_T_OBJ, bi_json_remove_fn},
        {"json.patch", 2, 0, {A, RG_T_ARR}, A, bi_json_patch_fn},
        {"base64.encode", 1, 0, {S}, S, bi_base64_encode},
        {"base64.decode", 1, 0, {S}, S, bi_base64_decode},
        {"base64.is_valid", 1, 0, {A}, RG_T_BOOL, bi_base64_is_valid},
        {"base64url.encode", 1, 0, {S}, S, bi_base64url_encode},
        {"base64url.encode_no_pad", 1, 0, {S}, S, bi_base64url_encode_no_pad},
        {"base64url.decode", 1, 0, {S}, S, bi_base64url_decode},
        {"hex.encode", 1, 0, {S}, S, bi_hex_encode},
        {"hex.decode", 1, 0, {S}, S, bi_hex_decode},
        {"urlquery.encode", 1, 0, {S}, S, bi_urlquery_encode},
        {"urlquery.decode", 1, 0, {S}, S, bi_urlquery_decode},
        {"urlquery.encode_object", 1, 0, {RG_T_OBJ}, S, bi_urlquery_encode_object},
        {"urlquery.decode_object", 1, 0, {S}, RG_T_OBJ, bi_urlquery_decode_object},
        {"yaml.marshal", 1, 0, {A}, S, bi_yaml_marshal},
        {"yaml.unmarshal", 1, 0, {S}, A, bi_yaml_unmarshal},
        {"yaml.is_valid", 1, 0, {A}, RG_T_BOOL, bi_yaml_is_valid},
        {"uri.parse", 1, 0, {S}, RG_T_OBJ, bi_uri_parse},
        {"uri.is_valid", 1, 0, {A}, RG_T_BOOL, bi_uri_is_valid},
        {"uuid.parse", 1, 0, {S}, RG_T_OBJ, bi_uuid_parse},
        {0},
};
