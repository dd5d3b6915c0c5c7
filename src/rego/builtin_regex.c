/*
 * Rego builtins: regex.*, re_match and glob.* (see builtin.h for the
 * contract), with the semantics of Go's regexp package that OPA uses: RE2
 * syntax, leftmost-first matches, FindAll / Split / ReplaceAllString as Go
 * defines them. The regexes themselves are in bi_re2.cc, globs in bi_glob.c.
 *
 * Compiled patterns are cached per evaluation (kind "re2", key the pattern).
 * Subjects that are not valid UTF-8 are matched as Go matches them: each
 * invalid byte reads as U+FFFD (see subject_init).
 */
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "rego/bi_glob.h"
#include "rego/bi_re2.h"
#include "rego/builtin.h"

/* Bounds on what one call may build. */
#define REGEX_MAX_OUT   ((size_t)256 << 20) /* bytes of a regex.replace result */
#define REGEX_MAX_ITEMS ((size_t)1 << 24)   /* strings in a find/split result */

/* ---- compiled patterns ---- */

/* A pattern for the length of one call: from the cache, or owned when the
 * cache could not keep it. */
typedef struct re_ref {
    rg_re *re;
    bool owned;
} re_ref;

static int compile_error(rg_bctx *c, const ks_buf *msg)
{
    int rc = rg_bi_error(c, RG_ERR_BUILTIN, "%s", "");
    if (c->err_msg)
        ks_buf_append(c->err_msg, msg->data ? msg->data : "", msg->len);
    return rc;
}

static int re_get(rg_bctx *c, const char *pat, size_t n, re_ref *out)
{
    out->owned = false;
    out->re = rg_bi_cache_get(c, "re2", pat, n);
    if (out->re)
        return 0;
    ks_buf err = KS_BUF_INIT;
    rg_re *re = rg_re_compile(pat, n, &err);
    if (!re) {
        int rc = compile_error(c, &err);
        ks_buf_free(&err);
        return rc;
    }
    ks_buf_free(&err);
    out->re = rg_bi_cache_put(c, "re2", pat, n, re, rg_re_free);
    if (out->re)
        return 0;
    /* Cache full or absent: compile again, for this call only. */
    out->re = rg_re_compile(pat, n, NULL);
    out->owned = true;
    return out->re ? 0 : rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
}

static void re_put(re_ref *r)
{
    if (r->owned)
        rg_re_free(r->re);
    r->re = NULL;
}

/* ---- subjects ---- */

/* The text a regex runs on: s itself when it is valid UTF-8, else a copy in
 * which each invalid byte is U+FFFD, with map[i] the offset in the original
 * of offset i of the copy (a character boundary). */
typedef struct subject {
    const char *orig;
    const char *s;
    size_t n;
    char *buf;
    uint32_t *map;
} subject;

static void subject_init(subject *sj, const char *s, size_t n)
{
    *sj = (subject){.orig = s, .s = s, .n = n};
    size_t bad = ks_utf8_check(s, n);
    if (bad == n)
        return;
    size_t cap = 3 * n + 1;
    sj->buf = ks_xmalloc(cap);
    sj->map = ks_xmalloc((cap + 1) * sizeof *sj->map);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t w = ks_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (w == 0) {
            static const char fffd[3] = {(char)0xef, (char)0xbf, (char)0xbd};
            for (size_t k = 0; k < 3; k++) {
                sj->map[o] = (uint32_t)i;
                sj->buf[o++] = fffd[k];
            }
            i++;
            continue;
        }
        for (size_t k = 0; k < w; k++) {
            sj->map[o] = (uint32_t)i;
            sj->buf[o++] = s[i++];
        }
    }
    sj->map[o] = (uint32_t)n;
    sj->buf[o] = '\0';
    sj->s = sj->buf;
    sj->n = o;
}

static void subject_free(subject *sj)
{
    ks_xfree(sj->buf);
    ks_xfree(sj->map);
}

static size_t orig_off(const subject *sj, int64_t off)
{
    return sj->map ? sj->map[off] : (size_t)off;
}

/* Width of the character at s[pos] (0 at the end), s valid UTF-8. */
static size_t char_width(const subject *sj, size_t pos)
{
    if (pos >= sj->n)
        return 0;
    size_t w = 1;
    while (pos + w < sj->n && ((unsigned char)sj->s[pos + w] & 0xc0) == 0x80)
        w++;
    return w;
}

/* A string value of orig[a..b) for offsets a, b of the subject. */
static int sub_string(rg_bctx *c, const subject *sj, int64_t a, int64_t b, kv_value *out)
{
    size_t x = orig_off(sj, a), y = orig_off(sj, b);
    return rg_make_string(c, sj->orig + x, y - x, out);
}

/* ---- result lists ---- */

typedef struct vlist {
    kv_value *v;
    size_t n, cap;
} vlist;

static int vlist_push(rg_bctx *c, vlist *l, kv_value v)
{
    if (l->n >= REGEX_MAX_ITEMS)
        return rg_bi_error(c, RG_ERR_BUILTIN, "result too large");
    l->v = ks_grow_array(l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = v;
    return 0;
}

static int vlist_array(rg_bctx *c, vlist *l, kv_value *out)
{
    int rc = kv_array_new(c->arena, l->v, l->n, out) < 0 ? RG_EHALT : RG_OK;
    ks_xfree(l->v);
    *l = (vlist){0};
    return rc;
}

/* ---- Go's FindAll ---- */

typedef int (*match_fn)(rg_bctx *c, void *ctx, const subject *sj, const int64_t *caps);

/* Delivers the matches of re in the subject, at most limit (all when
 * negative), as Go's Regexp.allMatches does: an empty match right after the
 * previous match is skipped. caps holds 2*ncap offsets. */
static int find_all(rg_bctx *c, const rg_re *re, const subject *sj, int64_t limit, int ncap,
                    match_fn fn, void *ctx)
{
    if (limit < 0)
        limit = (int64_t)sj->n + 1;
    int64_t *caps = ks_xmalloc(2 * (size_t)ncap * sizeof *caps);
    int64_t prev_end = -1, count = 0;
    size_t pos = 0;
    int rc = 0;
    while (count < limit && pos <= sj->n) {
        int r = rg_re_find(re, sj->s, sj->n, pos, caps, ncap);
        if (r < 0) {
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
            break;
        }
        if (r == 0)
            break;
        bool accept = true;
        if (caps[1] == (int64_t)pos) {
            if (caps[0] == prev_end)
                accept = false;
            size_t w = char_width(sj, pos);
            pos = w ? pos + w : sj->n + 1;
        } else {
            pos = (size_t)caps[1];
        }
        prev_end = caps[1];
        if (accept) {
            rc = fn(c, ctx, sj, caps);
            if (rc)
                break;
            count++;
        }
    }
    ks_xfree(caps);
    return rc;
}

/* ---- regex.match, re_match, regex.is_valid ---- */

static int bi_regex_match(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *pat, *s;
    size_t pn, sn;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &pat, &pn)) || (rc = rg_arg_string(c, args, 1, &s, &sn)))
        return rc;
    re_ref r;
    if ((rc = re_get(c, pat, pn, &r)))
        return rc;
    subject sj;
    subject_init(&sj, s, sn);
    int64_t caps[2];
    int found = rg_re_find(r.re, sj.s, sj.n, 0, caps, 1);
    subject_free(&sj);
    re_put(&r);
    if (found < 0)
        return rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
    *out = kv_bool(found == 1);
    return RG_OK;
}

static int bi_regex_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    if (kv_kind_of(&args[0]) != KV_STRING) {
        *out = kv_bool(false);
        return RG_OK;
    }
    const char *pat = args[0].u.s;
    size_t n = args[0].len;
    bool ok = rg_bi_cache_get(c, "re2", pat, n) != NULL;
    if (!ok) {
        rg_re *re = rg_re_compile(pat, n, NULL);
        ok = re != NULL;
        if (re)
            rg_bi_cache_put(c, "re2", pat, n, re, rg_re_free);
    }
    *out = kv_bool(ok);
    return RG_OK;
}

/* ---- regex.split ---- */

typedef struct split_ctx {
    vlist parts;
    size_t beg, end;
} split_ctx;

static int split_one(rg_bctx *c, void *ctx, const subject *sj, const int64_t *caps)
{
    split_ctx *x = ctx;
    x->end = (size_t)caps[0];
    if (caps[1] != 0) {
        kv_value v;
        int rc = sub_string(c, sj, (int64_t)x->beg, (int64_t)x->end, &v);
        if (rc || (rc = vlist_push(c, &x->parts, v)))
            return rc;
    }
    x->beg = (size_t)caps[1];
    return 0;
}

static int bi_regex_split(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *pat, *s;
    size_t pn, sn;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &pat, &pn)) || (rc = rg_arg_string(c, args, 1, &s, &sn)))
        return rc;
    re_ref r;
    if ((rc = re_get(c, pat, pn, &r)))
        return rc;
    split_ctx x = {0};
    if (pn > 0 && sn == 0) { /* Go: a non-empty pattern splits "" into [""] */
        rc = vlist_push(c, &x.parts, kv_str_ref("", 0));
        re_put(&r);
        return rc ? rc : vlist_array(c, &x.parts, out);
    }
    subject sj;
    subject_init(&sj, s, sn);
    rc = find_all(c, r.re, &sj, -1, 1, split_one, &x);
    if (!rc && x.end != sj.n) {
        kv_value v;
        rc = sub_string(c, &sj, (int64_t)x.beg, (int64_t)sj.n, &v);
        if (!rc)
            rc = vlist_push(c, &x.parts, v);
    }
    subject_free(&sj);
    re_put(&r);
    if (rc) {
        ks_xfree(x.parts.v);
        return rc;
    }
    return vlist_array(c, &x.parts, out);
}

/* ---- regex.find_n, regex.find_all_string_submatch_n ---- */

static int find_one(rg_bctx *c, void *ctx, const subject *sj, const int64_t *caps)
{
    kv_value v;
    int rc = sub_string(c, sj, caps[0], caps[1], &v);
    return rc ? rc : vlist_push(c, ctx, v);
}

typedef struct submatch_ctx {
    vlist outer;
    int ncap;
} submatch_ctx;

static int submatch_one(rg_bctx *c, void *ctx, const subject *sj, const int64_t *caps)
{
    submatch_ctx *x = ctx;
    if ((size_t)x->ncap > REGEX_MAX_ITEMS / (x->outer.n + 1))
        return rg_bi_error(c, RG_ERR_BUILTIN, "result too large");
    kv_value *items = ks_arena_alloc(c->arena, (size_t)x->ncap * sizeof *items);
    if (!items)
        return RG_EHALT;
    for (int i = 0; i < x->ncap; i++) {
        if (caps[2 * i] < 0) {
            items[i] = kv_str_ref("", 0);
            continue;
        }
        int rc = sub_string(c, sj, caps[2 * i], caps[2 * i + 1], &items[i]);
        if (rc)
            return rc;
    }
    kv_value arr = {.kind = KV_ARRAY, .len = (uint32_t)x->ncap, .u.items = items};
    return vlist_push(c, &x->outer, arr);
}

static int find_common(rg_bctx *c, const kv_value *args, kv_value *out, bool submatches)
{
    const char *pat, *s;
    size_t pn, sn;
    int64_t limit;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &pat, &pn)) || (rc = rg_arg_string(c, args, 1, &s, &sn)) ||
        (rc = rg_arg_int(c, args, 2, &limit)))
        return rc;
    re_ref r;
    if ((rc = re_get(c, pat, pn, &r)))
        return rc;
    subject sj;
    subject_init(&sj, s, sn);
    submatch_ctx x = {.ncap = submatches ? rg_re_ngroups(r.re) + 1 : 1};
    if (submatches)
        rc = find_all(c, r.re, &sj, limit, x.ncap, submatch_one, &x);
    else
        rc = find_all(c, r.re, &sj, limit, 1, find_one, &x.outer);
    subject_free(&sj);
    re_put(&r);
    if (rc) {
        ks_xfree(x.outer.v);
        return rc;
    }
    return vlist_array(c, &x.outer, out);
}

static int bi_regex_find_n(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return find_common(c, args, out, false);
}

static int bi_regex_find_all_submatch(rg_bctx *c, const kv_value *args, kv_value *out)
{
    return find_common(c, args, out, true);
}

/* ---- regex.replace ---- */

static bool is_name_rune_at(const char *t, size_t n, size_t *w)
{
    uint32_t cp;
    size_t k = ks_utf8_decode((const unsigned char *)t, n, &cp);
    if (k == 0) {
        *w = 1;
        return false; /* U+FFFD is neither a letter nor a digit */
    }
    *w = k;
    return rg_re_is_name_rune(cp) != 0;
}

/* Go's Regexp.expand: $1, ${1}, $name, ${name}, $$ in tpl[0..tn). */
static void expand(ks_buf *b, const char *tpl, size_t tn, const rg_re *re, const subject *sj,
                   const int64_t *caps, int ncap)
{
    size_t i = 0;
    while (i < tn) {
        const char *d = memchr(tpl + i, '$', tn - i);
        if (!d)
            break;
        size_t k = (size_t)(d - tpl);
        ks_buf_append(b, tpl + i, k - i);
        i = k + 1;
        if (i < tn && tpl[i] == '$') {
            ks_buf_putc(b, '$');
            i++;
            continue;
        }
        /* extract: a name or {name}, made of letters, digits and '_' */
        size_t j = i;
        bool brace = j < tn && tpl[j] == '{';
        if (brace)
            j++;
        size_t name = j, w;
        while (j < tn && is_name_rune_at(tpl + j, tn - j, &w))
            j += w;
        size_t nlen = j - name;
        if (nlen == 0 || (brace && (j >= tn || tpl[j] != '}'))) {
            ks_buf_putc(b, '$'); /* malformed: the $ is text */
            continue;
        }
        if (brace)
            j++;
        i = j;
        int64_t num = 0;
        for (size_t q = 0; q < nlen; q++) {
            char ch = tpl[name + q];
            if (ch < '0' || ch > '9' || num >= 100000000) {
                num = -1;
                break;
            }
            num = num * 10 + (ch - '0');
        }
        if (tpl[name] == '0' && nlen > 1)
            num = -1; /* leading zeros: a name */
        int g = -1;
        if (num >= 0) {
            if (num < ncap && caps[2 * num] >= 0)
                g = (int)num;
        } else {
            for (int q = 1; q < ncap; q++) {
                size_t gl;
                const char *gn = rg_re_group_name(re, q, &gl);
                if (gl == nlen && memcmp(gn, tpl + name, nlen) == 0 && caps[2 * q] >= 0) {
                    g = q;
                    break;
                }
            }
        }
        if (g >= 0) {
            size_t x = orig_off(sj, caps[2 * g]), y = orig_off(sj, caps[2 * g + 1]);
            ks_buf_append(b, sj->orig + x, y - x);
        }
    }
    ks_buf_append(b, tpl + i, tn - i);
}

static int bi_regex_replace(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s, *pat, *tpl;
    size_t sn, pn, tn;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &s, &sn)) || (rc = rg_arg_string(c, args, 1, &pat, &pn)) ||
        (rc = rg_arg_string(c, args, 2, &tpl, &tn)))
        return rc;
    re_ref r;
    if ((rc = re_get(c, pat, pn, &r)))
        return rc;
    int ncap = memchr(tpl, '$', tn) ? rg_re_ngroups(r.re) + 1 : 1;
    int64_t *caps = ks_xmalloc(2 * (size_t)ncap * sizeof *caps);
    subject sj;
    subject_init(&sj, s, sn);
    ks_buf b;
    ks_buf_init(&b, REGEX_MAX_OUT);
    size_t last_end = 0, pos = 0; /* offsets in the subject */
    while (pos <= sj.n) {
        int f = rg_re_find(r.re, sj.s, sj.n, pos, caps, ncap);
        if (f < 0) {
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
            break;
        }
        if (f == 0)
            break;
        size_t a0 = (size_t)caps[0], a1 = (size_t)caps[1];
        size_t x = orig_off(&sj, (int64_t)last_end), y = orig_off(&sj, (int64_t)a0);
        ks_buf_append(&b, sj.orig + x, y - x);
        /* no replacement for an empty match right after a match */
        if (a1 > last_end || a0 == 0)
            expand(&b, tpl, tn, r.re, &sj, caps, ncap);
        last_end = a1;
        size_t w = char_width(&sj, pos);
        if (pos + w > a1)
            pos += w;
        else if (pos + 1 > a1)
            pos++;
        else
            pos = a1;
        if (b.err) {
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "result too large");
            break;
        }
    }
    if (!rc) {
        size_t x = orig_off(&sj, (int64_t)last_end);
        ks_buf_append(&b, sj.orig + x, sn - x);
        if (b.err)
            rc = rg_bi_error(c, RG_ERR_BUILTIN, "result too large");
        else
            rc = rg_make_string_buf(c, &b, out);
    }
    ks_buf_free(&b);
    subject_free(&sj);
    ks_xfree(caps);
    re_put(&r);
    return rc;
}

/* ---- regex.template_match ---- */

static bool quote_special(char ch)
{
    return ch && strchr("\\.+*?()|[]{}^$", ch) != NULL;
}

/* Go's regexp.QuoteMeta. */
static void quote_meta(ks_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (quote_special(s[i]))
            ks_buf_putc(b, '\\');
        ks_buf_putc(b, s[i]);
    }
}

static int template_error_unbalanced(rg_bctx *c, const kv_value *tplv)
{
    ks_buf q = KS_BUF_INIT;
    rg_value_write_rego(&q, tplv);
    int rc = rg_bi_error(c, RG_ERR_BUILTIN, "unbalanced braces in %s", ks_buf_cstr(&q));
    ks_buf_free(&q);
    return rc;
}

/* The regex of a template: "^" + each literal quoted + each "(re)" + "$",
 * every embedded re compiled alone (as "^re$") first, for its errors. */
static int template_regex(rg_bctx *c, const kv_value *tplv, char ds, char de, ks_buf *pat)
{
    const char *t = tplv->u.s;
    size_t n = tplv->len;
    /* check the balance first, as a whole */
    long level = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == ds) {
            level++;
        } else if (t[i] == de) {
            if (--level < 0)
                return template_error_unbalanced(c, tplv);
        }
    }
    if (level != 0)
        return template_error_unbalanced(c, tplv);
    ks_buf_putc(pat, '^');
    size_t end = 0, open = 0;
    level = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == ds) {
            if (++level == 1)
                open = i;
        } else if (t[i] == de) {
            if (--level != 0)
                continue;
            const char *re = t + open + 1;
            size_t rn = i - open - 1;
            quote_meta(pat, t + end, open - end);
            ks_buf_putc(pat, '(');
            ks_buf_append(pat, re, rn);
            ks_buf_putc(pat, ')');
            end = i + 1;
            ks_buf one = KS_BUF_INIT;
            ks_buf_putc(&one, '^');
            ks_buf_append(&one, re, rn);
            ks_buf_putc(&one, '$');
            re_ref r;
            int rc = re_get(c, one.data, one.len, &r);
            ks_buf_free(&one);
            if (rc)
                return rc;
            re_put(&r);
        }
    }
    quote_meta(pat, t + end, n - end);
    ks_buf_putc(pat, '$');
    return pat->err ? rg_bi_error(c, RG_ERR_BUILTIN, "pattern too large") : 0;
}

static int bi_regex_template_match(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *tpl, *s, *ds, *de;
    size_t tn, sn, dsn, den;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &tpl, &tn)) || (rc = rg_arg_string(c, args, 1, &s, &sn)) ||
        (rc = rg_arg_string(c, args, 2, &ds, &dsn)) || (rc = rg_arg_string(c, args, 3, &de, &den)))
        return rc;
    if (dsn != 1)
        return rg_bi_error(c, RG_ERR_BUILTIN,
                           "start delimiter has to be exactly one character long but is %zu long",
                           dsn);
    if (den != 1) /* OPA reports the start delimiter's length here */
        return rg_bi_error(c, RG_ERR_BUILTIN,
                           "end delimiter has to be exactly one character long but is %zu long",
                           dsn);
    ks_buf pat = KS_BUF_INIT;
    rc = template_regex(c, &args[0], ds[0], de[0], &pat);
    re_ref r = {0};
    if (!rc)
        rc = re_get(c, ks_buf_cstr(&pat), pat.len, &r);
    ks_buf_free(&pat);
    if (rc)
        return rc;
    subject sj;
    subject_init(&sj, s, sn);
    int64_t caps[2];
    int found = rg_re_find(r.re, sj.s, sj.n, 0, caps, 1);
    subject_free(&sj);
    re_put(&r);
    if (found < 0)
        return rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
    *out = kv_bool(found == 1);
    return RG_OK;
}

/* ---- regex.globs_match ---- */

static int bi_regex_globs_match(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *a, *b;
    size_t an, bn;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &a, &an)) || (rc = rg_arg_string(c, args, 1, &b, &bn)))
        return rc;
    ks_buf err = KS_BUF_INIT;
    bool res;
    rc = rg_globs_intersect(a, an, b, bn, &res, &err);
    if (rc < 0) {
        rc = compile_error(c, &err);
        ks_buf_free(&err);
        return rc;
    }
    ks_buf_free(&err);
    *out = kv_bool(res);
    return RG_OK;
}

/* ---- glob.match, glob.quote_meta ---- */

static int bi_glob_match(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *pat, *s;
    size_t pn, sn;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &pat, &pn)))
        return rc;
    /* Separators: null for none, [] for the default ".". */
    uint32_t seps[64];
    uint32_t *sep = seps;
    size_t nsep = 0;
    const kv_value *d = &args[1];
    if (kv_kind_of(d) == KV_ARRAY) {
        if (d->len > sizeof seps / sizeof seps[0])
            sep = ks_xmalloc(d->len * sizeof *sep);
        for (uint32_t i = 0; i < d->len; i++) {
            const kv_value *e = &d->u.items[i];
            uint32_t cp = 0;
            if (kv_kind_of(e) != KV_STRING)
                rc = rg_bi_error(c, RG_ERR_TYPE,
                                 "operand 2 must be array of strings but got array containing %s",
                                 rg_kind_name(e));
            else if (ks_utf8_count(e->u.s, e->len) != 1)
                rc = rg_bi_error(
                        c, RG_ERR_TYPE,
                        "operand 2 must be array of runes but got array containing string");
            else if (ks_utf8_decode((const unsigned char *)e->u.s, e->len, &cp) == 0)
                cp = 0xfffd; /* Go reads a lone invalid byte as U+FFFD */
            if (rc)
                goto out;
            sep[nsep++] = cp;
        }
        if (nsep == 0)
            sep[nsep++] = '.';
    } else if (kv_kind_of(d) != KV_NULL) {
        rc = rg_bi_error(c, RG_ERR_TYPE, "operand 2 must be one of {array, null} but got %s",
                         rg_kind_name(d));
        goto out;
    }
    if ((rc = rg_arg_string(c, args, 2, &s, &sn)))
        goto out;

    /* cache key: pattern, NUL, the separators */
    ks_buf key = KS_BUF_INIT;
    ks_buf_append(&key, pat, pn);
    ks_buf_putc(&key, '\0');
    ks_buf_append(&key, sep, nsep * sizeof *sep);
    re_ref r = {.re = rg_bi_cache_get(c, "glob", ks_buf_cstr(&key), key.len)};
    if (!r.re) {
        ks_buf re = KS_BUF_INIT, err = KS_BUF_INIT;
        if (rg_glob_to_regex(pat, pn, sep, nsep, &re, &err) < 0) {
            rc = compile_error(c, &err);
        } else {
            r.re = rg_re_compile(ks_buf_cstr(&re), re.len, &err);
            if (!r.re)
                rc = compile_error(c, &err);
            else if (!(r.re = rg_bi_cache_put(c, "glob", ks_buf_cstr(&key), key.len, r.re,
                                              rg_re_free)))
                r = (re_ref){rg_re_compile(ks_buf_cstr(&re), re.len, NULL), true};
            if (!rc && !r.re)
                rc = rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
        }
        ks_buf_free(&re);
        ks_buf_free(&err);
    }
    ks_buf_free(&key);
    if (rc)
        goto out;
    subject sj;
    subject_init(&sj, s, sn);
    int64_t caps[2];
    int m = rg_re_find(r.re, sj.s, sj.n, 0, caps, 1);
    subject_free(&sj);
    re_put(&r);
    if (m < 0)
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "out of memory");
    else
        *out = kv_bool(m == 1);
out:
    if (sep != seps)
        ks_xfree(sep);
    return rc;
}

static int bi_glob_quote_meta(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc;
    if ((rc = rg_arg_string(c, args, 0, &s, &n)))
        return rc;
    ks_buf b = KS_BUF_INIT;
    rg_glob_quote_meta(&b, s, n);
    rc = rg_make_string_buf(c, &b, out);
    ks_buf_free(&b);
    return rc;
}

#define S RG_T_STR
#define B RG_T_BOOL
#define N RG_T_NUM
#define A RG_T_ARR

const rg_builtin_def rg_bi_regex[] = {
        {"regex.match", 2, 0, {S, S}, B, bi_regex_match},
        {"re_match", 2, 0, {S, S}, B, bi_regex_match},
        {"regex.is_valid", 1, 0, {S}, B, bi_regex_is_valid},
        {"regex.split", 2, 0, {S, S}, A, bi_regex_split},
        {"regex.find_n", 3, 0, {S, S, N}, A, bi_regex_find_n},
        {"regex.find_all_string_submatch_n", 3, 0, {S, S, N}, A, bi_regex_find_all_submatch},
        {"regex.replace", 3, 0, {S, S, S}, S, bi_regex_replace},
        {"regex.template_match", 4, 0, {S, S, S, S}, B, bi_regex_template_match},
        {"regex.globs_match", 2, 0, {S, S}, B, bi_regex_globs_match},
        {"glob.match", 3, 0, {S, A | RG_T_NULL, S}, B, bi_glob_match},
        {"glob.quote_meta", 1, 0, {S}, S, bi_glob_quote_meta},
        {0},
};
