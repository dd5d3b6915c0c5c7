/*
 * Rego builtins: strings, sprintf, format_int, units and semver (see
 * builtin.h for the contract). Semantics are OPA v1.22.3's, which are Go's
 * strings package: positions and lengths of substring and indexof count
 * runes (invalid bytes count one each and read as U+FFFD), everything else
 * works on bytes.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "rego/bi_strings.h"

/* Largest string a builtin here builds (replace, sprintf, concat, ...). */
#define STR_OUT_MAX ((size_t)256 << 20)

static int result_too_large(rg_bctx *c)
{
    rg_bi_error(c, RG_ERR_BUILTIN, "result too large");
    return RG_EHALT;
}

/* The buffer as a string result; a full buffer is an error. */
static int buf_result(rg_bctx *c, ks_buf *b, kv_value *out)
{
    int rc;
    if (b->err)
        rc = result_too_large(c);
    else
        rc = rg_make_string_buf(c, b, out);
    ks_buf_free(b);
    return rc;
}

static void out_buf(ks_buf *b)
{
    ks_buf_init(b, STR_OUT_MAX);
}

static bool is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

static const char *find(const char *s, size_t n, const char *sub, size_t m)
{
    if (m == 0)
        return s;
    return memmem(s, n, sub, m);
}

/* Two string operands. */
static int two_strings(rg_bctx *c, const kv_value *args, const char **a, size_t *na, const char **b,
                       size_t *nb)
{
    int rc = rg_arg_string(c, args, 0, a, na);
    if (!rc)
        rc = rg_arg_string(c, args, 1, b, nb);
    return rc;
}

/* A growing list of strings, copied into the arena at the end as an array. */
typedef struct strlist {
    kv_value *items;
    size_t n, cap;
} strlist;

static int strlist_add(rg_bctx *c, strlist *l, const char *s, size_t n)
{
    l->items = ks_grow_array(l->items, &l->cap, l->n + 1, sizeof *l->items);
    if (kv_str_copy(c->arena, s, n, &l->items[l->n]) < 0)
        return RG_EHALT;
    l->n++;
    return 0;
}

static int strlist_result(rg_bctx *c, strlist *l, int rc, kv_value *out)
{
    if (rc == 0 && kv_array_new(c->arena, l->items, l->n, out) < 0)
        rc = RG_EHALT;
    ks_xfree(l->items);
    return rc;
}

/* ---- runes ---- */

/* Go's utf8.DecodeLastRuneInString: the rune ending s[0..n), U+FFFD of
 * width 1 unless the last bytes form a valid rune. */
static size_t rune_decode_last(const char *s, size_t n, uint32_t *r)
{
    unsigned char last = (unsigned char)s[n - 1];
    if (last < 0x80) {
        *r = last;
        return 1;
    }
    size_t lim = n > 4 ? n - 4 : 0;
    size_t start = n - 1;
    while (start > lim && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    size_t w = rg_rune_decode(s + start, n - start, r);
    if (start + w != n) {
        *r = RG_RUNE_ERROR;
        return 1;
    }
    return w;
}

/* The runes of a cutset, sorted, for membership tests. */
typedef struct runeset {
    uint32_t *r;
    size_t n;
} runeset;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void runeset_init(runeset *set, const char *s, size_t n)
{
    set->r = ks_xmalloc((n ? n : 1) * sizeof *set->r);
    set->n = 0;
    for (size_t i = 0; i < n;)
        i += rg_rune_decode(s + i, n - i, &set->r[set->n++]);
    qsort(set->r, set->n, sizeof *set->r, cmp_u32);
}

static bool runeset_has(const runeset *set, uint32_t r)
{
    return bsearch(&r, set->r, set->n, sizeof *set->r, cmp_u32) != NULL;
}

/* strings.Trim / TrimLeft / TrimRight: the bounds of s after dropping the
 * runes of cutset from the chosen ends. */
static void trim_cutset(const char *s, size_t n, const char *cut, size_t ncut, bool left,
                        bool right, size_t *start, size_t *end)
{
    *start = 0;
    *end = n;
    if (n == 0 || ncut == 0)
        return;
    runeset set;
    runeset_init(&set, cut, ncut);
    if (right) {
        while (*end > 0) {
            uint32_t r;
            size_t w = rune_decode_last(s, *end, &r);
            if (!runeset_has(&set, r))
                break;
            *end -= w;
        }
    }
    if (left) {
        while (*start < *end) {
            uint32_t r;
            size_t w = rg_rune_decode(s + *start, *end - *start, &r);
            if (!runeset_has(&set, r))
                break;
            *start += w;
        }
    }
    ks_xfree(set.r);
}

/* ---- format_int ---- */

/* Appends |x| in base, x an int64. */
static void write_i64_base(ks_buf *b, int64_t x, int base)
{
    static const char digits[] = "0123456789abcdef";
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    char tmp[72];
    size_t n = 0;
    do {
        tmp[n++] = digits[u % (unsigned)base];
        u /= (unsigned)base;
    } while (u);
    if (x < 0)
        ks_buf_putc(b, '-');
    while (n > 0)
        ks_buf_putc(b, tmp[--n]);
}

/* A number with a fraction or an exponent, as OPA's big.Float reads it
 * (64-bit mantissa), truncated toward zero, written in base. */
static int write_float_trunc(rg_bctx *c, const kv_value *v, int base, ks_buf *b)
{
    ks_buf text = KS_BUF_INIT;
    if (v->sub == KV_NUM_DECIMAL) {
        ks_buf_append(&text, v->u.dec->text, v->u.dec->len);
    } else {
        kv_numdigits d;
        kv_num_digits(v, &d);
        ks_buf_printf(&text, "%s0.%.*se%lld", d.neg ? "-" : "", (int)d.ndigits, d.digits,
                      (long long)d.exp);
    }
    long double t = truncl(strtold(ks_buf_cstr(&text), NULL));
    ks_buf_free(&text);
    if (!isfinite(t))
        return rg_bi_error(c, RG_ERR_BUILTIN, "number too large");
    if (fabsl(t) < 9223372036854775808.0L) {
        write_i64_base(b, (int64_t)t, base);
        return 0;
    }
    int e;
    long double m = frexpl(fabsl(t), &e); /* t = m x 2^e, m in [0.5, 1) */
    uint64_t mant = (uint64_t)ldexpl(m, 64);
    rg_sbig x = {0};
    rg_sbig_from_u64(&x, mant);
    int rc = rg_sbig_shl(&x, (uint64_t)(e - 64));
    if (rc == 0) {
        if (t < 0)
            ks_buf_putc(b, '-');
        rg_sbig_write(b, &x, base);
    }
    rg_sbig_free(&x);
    return rc ? rg_bi_error(c, RG_ERR_BUILTIN, "number too large") : 0;
}

static int bi_format_int(rg_bctx *c, const kv_value *args, kv_value *out)
{
    int rc = rg_arg_number(c, args, 0);
    if (!rc)
        rc = rg_arg_number(c, args, 1);
    if (rc)
        return rc;
    int64_t base;
    if (!kv_num_int64(&args[1], &base) || (base != 2 && base != 8 && base != 10 && base != 16))
        return rg_bi_error(c, RG_ERR_TYPE, "operand 2 must be one of {2, 8, 10, 16}");
    const kv_value *v = &args[0];
    ks_buf b = KS_BUF_INIT;
    if (v->sub == KV_NUM_INT) {
        write_i64_base(&b, v->u.i, (int)base);
    } else {
        rg_sbig x = {0};
        bool neg = false;
        /* Integer text is exact; a fraction or exponent goes through a
         * 64-bit float. */
        bool int_text = v->sub == KV_NUM_DECIMAL && !memchr(v->u.dec->text, '.', v->u.dec->len) &&
                        !memchr(v->u.dec->text, 'e', v->u.dec->len) &&
                        !memchr(v->u.dec->text, 'E', v->u.dec->len);
        if (int_text) {
            rc = rg_sbig_from_number(&x, &neg, v);
            if (rc == 0) {
                if (neg)
                    ks_buf_putc(&b, '-');
                rg_sbig_write(&b, &x, (int)base);
            } else {
                rc = rg_bi_error(c, RG_ERR_BUILTIN, "number too large");
            }
        } else {
            rc = write_float_trunc(c, v, (int)base, &b);
        }
        rg_sbig_free(&x);
        if (rc) {
            ks_buf_free(&b);
            return rc;
        }
    }
    return buf_result(c, &b, out);
}

/* ---- concat ---- */

static int bi_concat(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *sep;
    size_t nsep;
    int rc = rg_arg_string(c, args, 0, &sep, &nsep);
    if (rc)
        return rc;
    const kv_value *coll = &args[1];
    if (kv_kind_of(coll) != KV_ARRAY && kv_kind_of(coll) != KV_SET)
        return rg_bi_error(c, RG_ERR_TYPE, "operand 2 must be one of {set, array} but got %s",
                           rg_kind_name(coll));
    const char *what = kv_kind_of(coll) == KV_ARRAY ? "array" : "set";
    for (size_t i = 0; i < coll->len; i++)
        if (kv_kind_of(&coll->u.items[i]) != KV_STRING)
            return rg_bi_error(c, RG_ERR_TYPE,
                               "operand 2 must be %s of strings but got %s containing %s", what,
                               what, rg_kind_name(&coll->u.items[i]));
    if (coll->len == 1) {
        *out = coll->u.items[0];
        return RG_OK;
    }
    ks_buf b;
    out_buf(&b);
    for (size_t i = 0; i < coll->len && !b.err; i++) {
        if (i > 0)
            ks_buf_append(&b, sep, nsep);
        ks_buf_append(&b, coll->u.items[i].u.s, coll->u.items[i].len);
    }
    return buf_result(c, &b, out);
}

/* ---- searching ---- */

/* s with each invalid byte replaced by U+FFFD's encoding, so that a byte
 * search finds exactly the rune matches. */
static void canonical_utf8(ks_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t r;
        size_t w = rg_rune_decode(s + i, n - i, &r);
        if (w == 1 && r == RG_RUNE_ERROR)
            ks_buf_append(b, "\xEF\xBF\xBD", 3);
        else
            ks_buf_append(b, s + i, w);
        i += w;
    }
}

/* Calls fn with the rune index of each (overlapping) occurrence of sub in
 * s, until fn returns false. */
static void each_index(const char *s, size_t n, const char *sub, size_t m,
                       bool (*fn)(void *ctx, int64_t idx), void *ctx)
{
    if (is_ascii(s, n) && is_ascii(sub, m)) {
        for (size_t off = 0;;) {
            const char *p = find(s + off, n - off, sub, m);
            if (!p || !fn(ctx, (int64_t)(p - s)))
                return;
            off = (size_t)(p - s) + 1;
        }
    }
    ks_buf cs = KS_BUF_INIT, cm = KS_BUF_INIT;
    canonical_utf8(&cs, s, n);
    canonical_utf8(&cm, sub, m);
    const char *base = ks_buf_cstr(&cs);
    size_t counted = 0;
    int64_t runes = 0;
    for (size_t off = 0; off <= cs.len;) {
        const char *p = find(base + off, cs.len - off, ks_buf_cstr(&cm), cm.len);
        if (!p)
            break;
        size_t at = (size_t)(p - base);
        runes += (int64_t)rg_rune_count(base + counted, at - counted);
        counted = at;
        if (!fn(ctx, runes))
            break;
        uint32_t r;
        off = at + rg_rune_decode(base + at, cs.len - at, &r);
    }
    ks_buf_free(&cs);
    ks_buf_free(&cm);
}

static bool first_index(void *ctx, int64_t idx)
{
    *(int64_t *)ctx = idx;
    return false;
}

static int bi_indexof(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *sub;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &sub, &m);
    if (rc)
        return rc;
    if (m == 0)
        return rg_bi_error(c, RG_ERR_BUILTIN, "empty search character");
    int64_t idx = -1;
    each_index(s, n, sub, m, first_index, &idx);
    *out = kv_int(idx);
    return RG_OK;
}

typedef struct idxlist {
    kv_value *items;
    size_t n, cap;
} idxlist;

static bool add_index(void *ctx, int64_t idx)
{
    idxlist *l = ctx;
    l->items = ks_grow_array(l->items, &l->cap, l->n + 1, sizeof *l->items);
    l->items[l->n++] = kv_int(idx);
    return true;
}

static int bi_indexof_n(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *sub;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &sub, &m);
    if (rc)
        return rc;
    if (m == 0)
        return rg_bi_error(c, RG_ERR_BUILTIN, "empty search character");
    idxlist l = {0};
    each_index(s, n, sub, m, add_index, &l);
    rc = kv_array_new(c->arena, l.items, l.n, out) < 0 ? RG_EHALT : RG_OK;
    ks_xfree(l.items);
    return rc;
}

static int bi_substring(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int64_t start, length;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (!rc)
        rc = rg_arg_int(c, args, 1, &start);
    if (!rc)
        rc = rg_arg_int(c, args, 2, &length);
    if (rc)
        return rc;
    if (start < 0)
        return rg_bi_error(c, RG_ERR_BUILTIN, "negative offset");
    if (n == 0)
        return rg_make_string(c, "", 0, out);
    if (is_ascii(s, n)) {
        if ((uint64_t)start >= n)
            return rg_make_string(c, "", 0, out);
        size_t rest = n - (size_t)start;
        if (length >= 0 && (uint64_t)length < rest)
            rest = (size_t)length;
        if (start == 0 && rest == n) {
            *out = args[0];
            return RG_OK;
        }
        return rg_make_string(c, s + start, rest, out);
    }
    size_t nrunes = rg_rune_count(s, n);
    if (start == 0 && length >= 0 && (uint64_t)length >= nrunes) {
        *out = args[0];
        return RG_OK;
    }
    if ((uint64_t)start >= nrunes)
        return rg_make_string(c, "", 0, out);
    size_t take = nrunes - (size_t)start;
    if (length >= 0 && (uint64_t)length < take)
        take = (size_t)length;
    /* []rune then string(): invalid bytes come back as U+FFFD */
    ks_buf b = KS_BUF_INIT;
    size_t i = 0, k = 0;
    while (i < n && k < (size_t)start + take) {
        uint32_t r;
        i += rg_rune_decode(s + i, n - i, &r);
        if (k >= (size_t)start)
            rg_rune_put(&b, r);
        k++;
    }
    return buf_result(c, &b, out);
}

static int bi_contains(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *sub;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &sub, &m);
    if (rc)
        return rc;
    *out = kv_bool(find(s, n, sub, m) != NULL);
    return RG_OK;
}

static int bi_strings_count(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *sub;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &sub, &m);
    if (rc)
        return rc;
    int64_t count = 0;
    if (m == 0) {
        count = (int64_t)rg_rune_count(s, n) + 1;
    } else {
        for (size_t off = 0;;) {
            const char *p = find(s + off, n - off, sub, m);
            if (!p)
                break;
            count++;
            off = (size_t)(p - s) + m;
        }
    }
    *out = kv_int(count);
    return RG_OK;
}

static int bi_startswith(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *pre;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &pre, &m);
    if (rc)
        return rc;
    *out = kv_bool(m <= n && memcmp(s, pre, m) == 0);
    return RG_OK;
}

static int bi_endswith(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *suf;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &suf, &m);
    if (rc)
        return rc;
    *out = kv_bool(m <= n && memcmp(s + n - m, suf, m) == 0);
    return RG_OK;
}

static int bi_lower(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf b;
    out_buf(&b);
    rg_str_lower(&b, s, n);
    return buf_result(c, &b, out);
}

static int bi_upper(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    ks_buf b;
    out_buf(&b);
    rg_str_upper(&b, s, n);
    return buf_result(c, &b, out);
}

/* ---- split ---- */

/* Go's strings.SplitN(s, sep, limit) (limit < 0: no limit), handing each
 * part to the list; stops after max parts (SIZE_MAX: all). */
static int split_parts(rg_bctx *c, strlist *l, const char *s, size_t n, const char *sep,
                       size_t nsep, int64_t limit)
{
    int rc = 0;
    if (limit == 0)
        return 0;
    if (nsep == 0) {
        /* one part per rune (each invalid byte alone), the last taking
         * the rest */
        size_t nr = rg_rune_count(s, n);
        size_t parts = limit < 0 || (uint64_t)limit > nr ? nr : (size_t)limit;
        size_t i = 0;
        for (size_t k = 0; k < parts && !rc; k++) {
            uint32_t r;
            size_t w = k + 1 == parts ? n - i : rg_rune_decode(s + i, n - i, &r);
            rc = strlist_add(c, l, s + i, w);
            i += w;
        }
        return rc;
    }
    int64_t k = 1;
    size_t off = 0;
    while (!rc && (limit < 0 || k < limit)) {
        const char *p = find(s + off, n - off, sep, nsep);
        if (!p)
            break;
        rc = strlist_add(c, l, s + off, (size_t)(p - (s + off)));
        off = (size_t)(p - s) + nsep;
        k++;
    }
    if (!rc)
        rc = strlist_add(c, l, s + off, n - off);
    return rc;
}

static int bi_split(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *sep;
    size_t n, nsep;
    int rc = two_strings(c, args, &s, &n, &sep, &nsep);
    if (rc)
        return rc;
    strlist l = {0};
    if (!find(s, n, sep, nsep))
        rc = strlist_add(c, &l, s, n);
    else
        rc = split_parts(c, &l, s, n, sep, nsep, -1);
    return strlist_result(c, &l, rc, out);
}

static int bi_split_n(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *sep;
    size_t n, nsep;
    int64_t count;
    int rc = two_strings(c, args, &s, &n, &sep, &nsep);
    if (!rc)
        rc = rg_arg_int(c, args, 2, &count);
    if (rc)
        return rc;
    strlist l = {0};
    if (count >= 0) {
        /* SplitN with count+1 parts, keeping the first count */
        int64_t limit = count == INT64_MAX ? -1 : count + 1;
        rc = split_parts(c, &l, s, n, sep, nsep, limit);
        if ((uint64_t)l.n > (uint64_t)count)
            l.n = (size_t)count;
    } else {
        rc = split_parts(c, &l, s, n, sep, nsep, -1);
        uint64_t keep = (uint64_t)0 - (uint64_t)count;
        if (!rc && keep < l.n) {
            size_t drop = l.n - (size_t)keep;
            memmove(l.items, l.items + drop, (size_t)keep * sizeof *l.items);
            l.n = (size_t)keep;
        }
    }
    return strlist_result(c, &l, rc, out);
}

/* ---- replace ---- */

typedef struct pair {
    const char *old, *new;
    size_t nold, nnew;
} pair;

/* Go's strings.Replacer over pairs in priority order: at each position the
 * first pair whose old string starts there wins; an empty old string
 * matches everywhere except right after its own match. */
static int replace_all(ks_buf *b, const char *s, size_t n, const pair *pairs, size_t np)
{
    /* pairs by first byte, in priority order */
    size_t head[257];
    size_t *next = ks_xmalloc((np ? np : 1) * sizeof *next);
    for (size_t k = 0; k < 257; k++)
        head[k] = SIZE_MAX;
    size_t empty = SIZE_MAX;
    for (size_t k = np; k-- > 0;) {
        if (pairs[k].nold == 0) {
            empty = k;
            continue;
        }
        unsigned char fb = (unsigned char)pairs[k].old[0];
        next[k] = head[fb];
        head[fb] = k;
    }
    size_t last = 0;
    bool prev_empty = false;
    for (size_t i = 0; i <= n && !b->err;) {
        size_t best = SIZE_MAX;
        if (i < n)
            for (size_t k = head[(unsigned char)s[i]]; k != SIZE_MAX; k = next[k])
                if (pairs[k].nold <= n - i && memcmp(s + i, pairs[k].old, pairs[k].nold) == 0) {
                    best = k;
                    break;
                }
        if (empty != SIZE_MAX && !prev_empty && empty < best)
            best = empty;
        prev_empty = best != SIZE_MAX && pairs[best].nold == 0;
        if (best == SIZE_MAX) {
            i++;
            continue;
        }
        ks_buf_append(b, s + last, i - last);
        ks_buf_append(b, pairs[best].new, pairs[best].nnew);
        i += pairs[best].nold;
        last = i;
    }
    if (last < n)
        ks_buf_append(b, s + last, n - last);
    ks_xfree(next);
    return b->err;
}

static int bi_replace(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *old, *new;
    size_t n, nold, nnew;
    int rc = two_strings(c, args, &s, &n, &old, &nold);
    if (!rc)
        rc = rg_arg_string(c, args, 2, &new, &nnew);
    if (rc)
        return rc;
    pair p = {old, new, nold, nnew};
    ks_buf b;
    out_buf(&b);
    replace_all(&b, s, n, &p, 1);
    return buf_result(c, &b, out);
}

static int bi_replace_n(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_kind(c, args, 0, RG_T_OBJ, "object");
    if (!rc)
        rc = rg_arg_string(c, args, 1, &s, &n);
    if (rc)
        return rc;
    const kv_value *obj = &args[0];
    pair *pairs = ks_xcalloc(obj->len ? obj->len : 1, sizeof *pairs);
    for (size_t k = 0; k < obj->len; k++) {
        const kv_member *m = &obj->u.members[k];
        if (kv_kind_of(&m->key) != KV_STRING) {
            ks_xfree(pairs);
            return rg_bi_error(c, RG_ERR_TYPE, "operand 1 non-string key found in pattern object");
        }
        if (kv_kind_of(&m->val) != KV_STRING) {
            ks_xfree(pairs);
            return rg_bi_error(c, RG_ERR_TYPE,
                               "operand 1 non-string value found in pattern object");
        }
        pairs[k] = (pair){m->key.u.s, m->val.u.s, m->key.len, m->val.len};
    }
    ks_buf b;
    out_buf(&b);
    replace_all(&b, s, n, pairs, obj->len);
    ks_xfree(pairs);
    return buf_result(c, &b, out);
}

/* ---- trim ---- */

static int trim_result(rg_bctx *c, const kv_value *args, size_t start, size_t end, kv_value *out)
{
    if (start == 0 && end == args[0].len) {
        *out = args[0];
        return RG_OK;
    }
    return rg_make_string(c, args[0].u.s + start, end - start, out);
}

static int trim_common(rg_bctx *c, const kv_value *args, kv_value *out, bool left, bool right)
{
    const char *s, *cut;
    size_t n, ncut, start, end;
    int rc = two_strings(c, args, &s, &n, &cut, &ncut);
    if (rc)
        return rc;
    trim_cutset(s, n, cut, ncut, left, right, &start, &end);
    return trim_result(c, args, start, end, out);
}

static int bi_trim(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return trim_common(c, args, out, true, true);
}

static int bi_trim_left(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return trim_common(c, args, out, true, false);
}

static int bi_trim_right(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return trim_common(c, args, out, false, true);
}

static int bi_trim_prefix(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *pre;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &pre, &m);
    if (rc)
        return rc;
    bool has = m <= n && memcmp(s, pre, m) == 0;
    return trim_result(c, args, has ? m : 0, n, out);
}

static int bi_trim_suffix(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *suf;
    size_t n, m;
    int rc = two_strings(c, args, &s, &n, &suf, &m);
    if (rc)
        return rc;
    bool has = m <= n && memcmp(s + n - m, suf, m) == 0;
    return trim_result(c, args, 0, has ? n - m : n, out);
}

static int bi_trim_space(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    size_t start = 0, end = n;
    while (start < end) {
        uint32_t r;
        size_t w = rg_rune_decode(s + start, end - start, &r);
        if (!rg_uni_is_space(r))
            break;
        start += w;
    }
    while (end > start) {
        uint32_t r;
        size_t w = rune_decode_last(s + start, end - start, &r);
        if (!rg_uni_is_space(r))
            break;
        end -= w;
    }
    return trim_result(c, args, start, end, out);
}

/* ---- sprintf, reverse ---- */

static int bi_sprintf(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *f;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &f, &n);
    if (!rc)
        rc = rg_arg_kind(c, args, 1, RG_T_ARR, "array");
    if (rc)
        return rc;
    ks_buf b;
    out_buf(&b);
    rc = rg_go_sprintf(&b, f, n, args[1].u.items, args[1].len);
    if (rc && !b.err) { /* an integer too long to convert */
        ks_buf_free(&b);
        return rg_bi_error(c, RG_ERR_BUILTIN, "number too large");
    }
    return buf_result(c, &b, out);
}

static int bi_reverse(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (rc)
        return rc;
    char *r = ks_arena_alloc_bytes(c->arena, n + 1);
    if (!r)
        return RG_EHALT;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t w = rg_rune_decode(s + i, n - i, &cp);
        if (cp == RG_RUNE_ERROR && w == 1)
            r[n - i - 1] = s[i];
        else
            memcpy(r + n - i - w, s + i, w);
        i += w;
    }
    r[n] = '\0';
    *out = kv_str_ref(r, n);
    return RG_OK;
}

/* ---- any_prefix_match, any_suffix_match ---- */

/* A string, or an array or set of strings, as a list of values. */
static int affix_operand(rg_bctx *c, const kv_value *args, int i, const kv_value **items, size_t *n)
{
    const kv_value *v = &args[i];
    if (kv_kind_of(v) == KV_STRING) {
        *items = v;
        *n = 1;
        return 0;
    }
    if (kv_kind_of(v) != KV_ARRAY && kv_kind_of(v) != KV_SET)
        return rg_bi_error(c, RG_ERR_TYPE,
                           "operand %d must be one of {string, set, array} but got %s", i + 1,
                           rg_kind_name(v));
    const char *what = rg_kind_name(v);
    for (size_t k = 0; k < v->len; k++)
        if (kv_kind_of(&v->u.items[k]) != KV_STRING)
            return rg_bi_error(c, RG_ERR_TYPE,
                               "operand %d must be %s of strings but got %s containing %s", i + 1,
                               what, what, rg_kind_name(&v->u.items[k]));
    *items = v->u.items;
    *n = v->len;
    return 0;
}

typedef struct bstr {
    const char *s;
    size_t n;
} bstr;

static int cmp_bstr(const void *pa, const void *pb)
{
    const bstr *a = pa, *b = pb;
    int c = memcmp(a->s, b->s, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* The strings of items, reversed byte by byte when suffix (so that suffixes
 * become prefixes); reversed copies are allocated in one heap block. */
static bstr *affix_strings(const kv_value *items, size_t n, bool suffix, char **mem)
{
    bstr *v = ks_xmalloc((n ? n : 1) * sizeof *v);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += items[i].len;
    *mem = suffix ? ks_xmalloc(total ? total : 1) : NULL;
    char *p = *mem;
    for (size_t i = 0; i < n; i++) {
        v[i] = (bstr){items[i].u.s, items[i].len};
        if (suffix) {
            for (size_t k = 0; k < items[i].len; k++)
                p[k] = items[i].u.s[items[i].len - 1 - k];
            v[i].s = p;
            p += items[i].len;
        }
    }
    return v;
}

/* Whether any of strs starts with any of affixes: with strs sorted, only the
 * first string at or after an affix can start with it. */
static int any_affix(rg_bctx *c, const kv_value *args, kv_value *out, bool suffix)
{
    const kv_value *strs, *affixes;
    size_t ns, na;
    int rc = affix_operand(c, args, 0, &strs, &ns);
    if (!rc)
        rc = affix_operand(c, args, 1, &affixes, &na);
    if (rc)
        return rc;
    char *smem, *amem;
    bstr *sv = affix_strings(strs, ns, suffix, &smem);
    bstr *av = affix_strings(affixes, na, suffix, &amem);
    qsort(sv, ns, sizeof *sv, cmp_bstr);
    bool found = false;
    for (size_t k = 0; k < na && !found; k++) {
        size_t lo = 0, hi = ns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_bstr(&sv[mid], &av[k]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        found = lo < ns && sv[lo].n >= av[k].n && memcmp(sv[lo].s, av[k].s, av[k].n) == 0;
    }
    ks_xfree(sv);
    ks_xfree(av);
    ks_xfree(smem);
    ks_xfree(amem);
    *out = kv_bool(found);
    return RG_OK;
}

static int bi_any_prefix_match(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return any_affix(c, args, out, false);
}

static int bi_any_suffix_match(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return any_affix(c, args, out, true);
}

/* ---- the table ---- */

#define S   RG_T_STR
#define N   RG_T_NUM
#define SAS (RG_T_STR | RG_T_ARR | RG_T_SET)

const rg_builtin_def rg_bi_strings[] = {
        {"format_int", 2, 0, {N, N}, S, bi_format_int},
        {"concat", 2, 0, {S, RG_T_ARR | RG_T_SET}, S, bi_concat},
        {"indexof", 2, 0, {S, S}, N, bi_indexof},
        {"indexof_n", 2, 0, {S, S}, RG_T_ARR, bi_indexof_n},
        {"substring", 3, 0, {S, N, N}, S, bi_substring},
        {"contains", 2, 0, {S, S}, RG_T_BOOL, bi_contains},
        {"strings.count", 2, 0, {S, S}, N, bi_strings_count},
        {"startswith", 2, 0, {S, S}, RG_T_BOOL, bi_startswith},
        {"endswith", 2, 0, {S, S}, RG_T_BOOL, bi_endswith},
        {"lower", 1, 0, {S}, S, bi_lower},
        {"upper", 1, 0, {S}, S, bi_upper},
        {"split", 2, 0, {S, S}, RG_T_ARR, bi_split},
        {"strings.split_n", 3, 0, {S, S, N}, RG_T_ARR, bi_split_n},
        {"replace", 3, 0, {S, S, S}, S, bi_replace},
        {"strings.replace_n", 2, 0, {RG_T_OBJ, S}, S, bi_replace_n},
        {"trim", 2, 0, {S, S}, S, bi_trim},
        {"trim_left", 2, 0, {S, S}, S, bi_trim_left},
        {"trim_prefix", 2, 0, {S, S}, S, bi_trim_prefix},
        {"trim_right", 2, 0, {S, S}, S, bi_trim_right},
        {"trim_suffix", 2, 0, {S, S}, S, bi_trim_suffix},
        {"trim_space", 1, 0, {S}, S, bi_trim_space},
        {"sprintf", 2, 0, {S, RG_T_ARR}, S, bi_sprintf},
        {"strings.reverse", 1, 0, {S}, S, bi_reverse},
        {"strings.any_prefix_match", 2, 0, {SAS, SAS}, RG_T_BOOL, bi_any_prefix_match},
        {"strings.any_suffix_match", 2, 0, {SAS, SAS}, RG_T_BOOL, bi_any_suffix_match},
        {"units.parse", 1, 0, {S}, N, rg_bi_units_parse},
        {"units.parse_bytes", 1, 0, {S}, N, rg_bi_units_parse_bytes},
        {"semver.is_valid", 1, 0, {RG_T_ANY}, RG_T_BOOL, rg_bi_semver_is_valid},
        {"semver.compare", 2, 0, {S, S}, N, rg_bi_semver_compare},
        {0},
};
