/*
 * Globs (see bi_glob.h): the gobwas/glob lexer, token for token (its error
 * offsets depend on how far it has read), feeding a translation into a
 * regex; and the glob-intersection walk of regex.globs_match.
 */
#include "rego/bi_glob.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"

/* ---- glob.match: the lexer ---- */

enum gtok {
    GT_EOF,
    GT_ERROR,
    GT_TEXT,
    GT_ANY,
    GT_SUPER,
    GT_SINGLE,
    GT_NOT,
    GT_SEP,
    GT_RANGE_OPEN,
    GT_RANGE_CLOSE,
    GT_RANGE_LO,
    GT_RANGE_HI,
    GT_RANGE_BETWEEN,
    GT_TERMS_OPEN,
    GT_TERMS_CLOSE,
};

#define G_EOF  (-1)
#define GQ_MAX 8 /* tokens one fetch may queue: a whole [!a-z] */

typedef struct gtoken {
    enum gtok type;
    int32_t r;         /* RANGE_LO, RANGE_HI */
    size_t text, tlen; /* TEXT: runes as UTF-8 in the lexer's text buffer */
} gtoken;

typedef struct glexer {
    const char *s;
    size_t n, pos;
    const char *err; /* the latest error (the Go lexer keeps the last one) */
    gtoken q[GQ_MAX];
    size_t qn;
    int terms;
    int32_t last;
    size_t last_w;
    bool has;
    ks_buf text;
} glexer;

static void g_errorf(glexer *l, const char *msg)
{
    l->err = msg;
}

static int32_t g_peek(glexer *l, size_t *w)
{
    if (l->pos == l->n) {
        *w = 0;
        return G_EOF;
    }
    uint32_t cp;
    size_t k = ks_utf8_decode((const unsigned char *)l->s + l->pos, l->n - l->pos, &cp);
    if (k == 0) {
        g_errorf(l, "invalid UTF-8 sequence");
        *w = 0;
        return G_EOF;
    }
    *w = k;
    return (int32_t)cp;
}

static int32_t g_read(glexer *l)
{
    if (l->has) {
        l->has = false;
        l->pos += l->last_w;
        return l->last;
    }
    size_t w;
    int32_t r = g_peek(l, &w);
    l->pos += w;
    l->last = r;
    l->last_w = w;
    return r;
}

static void g_unread(glexer *l)
{
    if (l->has) {
        g_errorf(l, "could not unread rune");
        return;
    }
    l->pos -= l->last_w;
    l->has = true;
}

static void g_push(glexer *l, enum gtok t, int32_t r)
{
    if (l->qn < GQ_MAX)
        l->q[l->qn++] = (gtoken){.type = t, .r = r};
}

static bool g_breaks(int32_t r, const char *breakers)
{
    return r > 0 && r < 0x80 && strchr(breakers, (char)r) != NULL;
}

static void g_fetch_text(glexer *l, const char *breakers)
{
    size_t start = l->text.len;
    bool escaped = false;
    for (;;) {
        int32_t r = g_read(l);
        if (r == G_EOF) {
            if (escaped)
                g_errorf(l, "trailing backslash");
            break;
        }
        if (!escaped) {
            if (r == '\\') {
                escaped = true;
                continue;
            }
            if (g_breaks(r, breakers)) {
                g_unread(l);
                break;
            }
        }
        escaped = false;
        char enc[4];
        ks_buf_append(&l->text, enc, ks_utf8_encode((uint32_t)r, enc));
    }
    if (l->text.len > start && l->qn < GQ_MAX) {
        l->q[l->qn++] = (gtoken){.type = GT_TEXT, .text = start, .tlen = l->text.len - start};
    }
}

static void g_fetch_range(glexer *l)
{
    bool want_hi = false, want_close = false, seen_not = false;
    for (;;) {
        int32_t r = g_read(l);
        if (r == G_EOF) {
            g_errorf(l, "unexpected end of input");
            return;
        }
        if (want_close) {
            if (r != ']')
                g_errorf(l, "expected close range character");
            else
                g_push(l, GT_RANGE_CLOSE, r);
            return;
        }
        if (want_hi) {
            g_push(l, GT_RANGE_HI, r);
            want_close = true;
            continue;
        }
        if (!seen_not && r == '!') {
            g_push(l, GT_NOT, r);
            seen_not = true;
            continue;
        }
        size_t w;
        if (g_peek(l, &w) == '-') {
            l->pos += w;
            g_push(l, GT_RANGE_LO, r);
            g_push(l, GT_RANGE_BETWEEN, '-');
            want_hi = true;
            continue;
        }
        g_unread(l);
        g_fetch_text(l, "]");
        want_close = true;
    }
}

static void g_fetch_item(glexer *l)
{
    int32_t r = g_read(l);
    if (r == G_EOF) {
        g_push(l, GT_EOF, r);
    } else if (r == '{') {
        l->terms++;
        g_push(l, GT_TERMS_OPEN, r);
    } else if (r == ',' && l->terms > 0) {
        g_push(l, GT_SEP, r);
    } else if (r == '}' && l->terms > 0) {
        g_push(l, GT_TERMS_CLOSE, r);
        l->terms--;
    } else if (r == '[') {
        g_push(l, GT_RANGE_OPEN, r);
        g_fetch_range(l);
    } else if (r == '?') {
        g_push(l, GT_SINGLE, r);
    } else if (r == '*') {
        if (g_read(l) == '*') {
            g_push(l, GT_SUPER, r);
        } else {
            g_unread(l);
            g_push(l, GT_ANY, r);
        }
    } else {
        g_unread(l);
        g_fetch_text(l, l->terms > 0 ? "?*[{}," : "?*[{");
    }
}

static gtoken g_next(glexer *l)
{
    for (;;) {
        if (l->err)
            return (gtoken){.type = GT_ERROR};
        if (l->qn > 0) {
            gtoken t = l->q[0];
            memmove(l->q, l->q + 1, (l->qn - 1) * sizeof l->q[0]);
            l->qn--;
            return t;
        }
        g_fetch_item(l);
    }
}

/* ---- glob.match: the translation ---- */

static void re_rune(ks_buf *re, uint32_t r)
{
    if ((r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r >= 0x80) {
        char enc[4];
        ks_buf_append(re, enc, ks_utf8_encode(r, enc));
    } else {
        ks_buf_printf(re, "\\x{%x}", (unsigned)r);
    }
}

/* One character that is not a separator. */
static void re_single(ks_buf *re, const uint32_t *sep, size_t nsep)
{
    if (nsep == 0) {
        ks_buf_puts(re, "(?s:.)");
        return;
    }
    ks_buf_puts(re, "[^");
    for (size_t i = 0; i < nsep; i++)
        re_rune(re, sep[i]);
    ks_buf_putc(re, ']');
}

static int g_syntax_error(glexer *l, ks_buf *err, const char *reason)
{
    if (err)
        ks_buf_printf(err, "glob: syntax error at %zu: %s", l->pos, reason);
    return -1;
}

/* After '[': the class up to its ']'. */
static int g_class(glexer *l, ks_buf *re, ks_buf *err)
{
    bool neg = false;
    int32_t lo = -1, hi = -1;
    bool chars = false;
    size_t text = 0, tlen = 0;
    for (;;) {
        gtoken t = g_next(l);
        switch (t.type) {
        case GT_EOF: return g_syntax_error(l, err, "unclosed `[`");
        case GT_ERROR: return g_syntax_error(l, err, l->err);
        case GT_NOT: neg = true; break;
        case GT_RANGE_LO: lo = t.r; break;
        case GT_RANGE_HI:
            hi = t.r;
            if (hi < lo)
                return g_syntax_error(l, err, "range hi character is less than lo");
            break;
        case GT_TEXT:
            chars = true;
            text = t.text;
            tlen = t.tlen;
            break;
        case GT_RANGE_CLOSE: {
            bool range = lo >= 0 && hi >= 0;
            if (chars == range)
                return g_syntax_error(l, err, "could not parse range");
            ks_buf_puts(re, neg ? "[^" : "[");
            if (range) {
                re_rune(re, (uint32_t)lo);
                ks_buf_putc(re, '-');
                re_rune(re, (uint32_t)hi);
            } else {
                for (size_t i = 0; i < tlen;) {
                    uint32_t cp;
                    size_t w = ks_utf8_decode((const unsigned char *)l->text.data + text + i,
                                              tlen - i, &cp);
                    re_rune(re, cp);
                    i += w ? w : 1;
                }
            }
            ks_buf_putc(re, ']');
            return 0;
        }
        default: break;
        }
    }
}

int rg_glob_to_regex(const char *pat, size_t n, const uint32_t *sep, size_t nsep, ks_buf *re,
                     ks_buf *err)
{
    glexer l = {.s = pat, .n = n};
    ks_buf_init(&l.text, 0);
    int depth = 0, rc = 0;
    ks_buf_puts(re, "\\A(?:");
    for (bool done = false; !done && rc == 0;) {
        gtoken t = g_next(&l);
        switch (t.type) {
        case GT_EOF:
            if (depth > 0)
                rc = g_syntax_error(&l, err, "unclosed `{`");
            done = true;
            break;
        case GT_ERROR: rc = g_syntax_error(&l, err, l.err); break;
        case GT_TEXT:
            for (size_t i = 0; i < t.tlen;) {
                uint32_t cp;
                size_t w = ks_utf8_decode((const unsigned char *)l.text.data + t.text + i,
                                          t.tlen - i, &cp);
                re_rune(re, cp);
                i += w ? w : 1;
            }
            break;
        case GT_SINGLE: re_single(re, sep, nsep); break;
        case GT_ANY:
            if (nsep == 0) {
                ks_buf_puts(re, "(?s:.*)");
            } else {
                re_single(re, sep, nsep);
                ks_buf_putc(re, '*');
            }
            break;
        case GT_SUPER: ks_buf_puts(re, "(?s:.*)"); break;
        case GT_RANGE_OPEN: rc = g_class(&l, re, err); break;
        case GT_TERMS_OPEN:
            depth++;
            ks_buf_puts(re, "(?:");
            break;
        case GT_SEP: ks_buf_putc(re, '|'); break;
        case GT_TERMS_CLOSE:
            depth--;
            ks_buf_putc(re, ')');
            break;
        default: rc = g_syntax_error(&l, err, "unexpected token"); break;
        }
    }
    ks_buf_puts(re, ")\\z");
    ks_buf_free(&l.text);
    return rc;
}

void rg_glob_quote_meta(ks_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] && strchr("*?\\[]{}", s[i]))
            ks_buf_putc(out, '\\');
        ks_buf_putc(out, s[i]);
    }
}

/* ---- regex.globs_match: glob intersection ---- */

enum { GI_CHAR, GI_DOT, GI_SET };
enum { GI_NONE, GI_PLUS, GI_STAR };

typedef struct gi_range {
    int32_t lo, hi;
} gi_range;

typedef struct gi_token {
    int type, flag;
    int32_t r;
    gi_range *set; /* sorted, merged ranges */
    size_t nset;
} gi_token;

typedef struct gi_glob {
    gi_token *t;
    size_t n, cap;
} gi_glob;

/* The walk's budget: the Go library has none; a hostile pair can make it
 * exponential, and its recursion is as deep as a glob is long. */
#define GI_MAX_STEPS 10000000L
#define GI_MAX_DEPTH 10000

typedef struct gi_ctx {
    long steps;
    int depth;
    bool over;
} gi_ctx;

static void gi_glob_free(gi_glob *g)
{
    for (size_t i = 0; i < g->n; i++)
        ks_xfree(g->t[i].set);
    ks_xfree(g->t);
}

static int range_cmp(const void *a, const void *b)
{
    const gi_range *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}

static void set_normalize(gi_token *t)
{
    if (t->nset == 0)
        return;
    qsort(t->set, t->nset, sizeof *t->set, range_cmp);
    size_t k = 0;
    for (size_t i = 1; i < t->nset; i++) {
        if ((int64_t)t->set[i].lo <= (int64_t)t->set[k].hi + 1) {
            if (t->set[i].hi > t->set[k].hi)
                t->set[k].hi = t->set[i].hi;
        } else {
            t->set[++k] = t->set[i];
        }
    }
    t->nset = k + 1;
}

/* "input:IN, pos:P, MSG: the input provided is invalid", as the Go library
 * words it (IN as runes, P a rune index). */
static int gi_error(ks_buf *err, const int32_t *in, size_t n, size_t pos, const char *fmt,
                    int32_t a, int32_t b)
{
    if (!err)
        return -1;
    ks_buf_puts(err, "input:");
    char enc[4];
    for (size_t i = 0; i < n; i++)
        ks_buf_append(err, enc, ks_utf8_encode((uint32_t)in[i], enc));
    ks_buf_printf(err, ", pos:%zu, ", pos);
    for (const char *f = fmt; *f; f++) {
        if (*f == '%' && (f[1] == 'a' || f[1] == 'b')) {
            ks_buf_append(err, enc, ks_utf8_encode((uint32_t)(f[1] == 'a' ? a : b), enc));
            f++;
        } else {
            ks_buf_putc(err, *f);
        }
    }
    ks_buf_puts(err, ": the input provided is invalid");
    return -1;
}

/* nextRune: 0, 1 at the end of the input, -1 on error. */
static int gi_next_rune(const int32_t *in, size_t n, size_t i, size_t *ni, int32_t *r,
                        bool *escaped, ks_buf *err)
{
    if (i >= n) {
        *ni = i;
        return 1;
    }
    if (in[i] == '\\') {
        if (i < n - 1) {
            *ni = i + 2;
            *r = in[i + 1];
            *escaped = true;
            return 0;
        }
        return gi_error(err, in, n, i, "input ends with a \\ (escape) character", 0, 0);
    }
    *ni = i + 1;
    *r = in[i];
    *escaped = false;
    return 0;
}

static int gi_set(const int32_t *in, size_t n, size_t i, size_t *ni, gi_token *t, ks_buf *err)
{
    int32_t r = 0, prev = 0;
    bool escaped = false, complete = false, prev_ok = false;
    size_t cap = 0;
    int rc;
    for (rc = gi_next_rune(in, n, i, &i, &r, &escaped, err); rc == 0;
         rc = gi_next_rune(in, n, i, &i, &r, &escaped, err)) {
        gi_range add = {r, r};
        if (!escaped && r == '-') {
            if (!prev_ok)
                return gi_error(err, in, n, i,
                                "range character '-' must be preceded by a Unicode character", 0,
                                0);
            if (i >= n - 1)
                return gi_error(err, in, n, i,
                                "range character '-' must be followed by a Unicode character", 0,
                                0);
            rc = gi_next_rune(in, n, i, &i, &r, &escaped, err);
            if (rc < 0)
                return rc;
            if (!escaped && (r == ']' || r == '-'))
                return gi_error(err, in, n, i,
                                "range character '-' cannot be followed by a special symbol", 0, 0);
            if (r < prev)
                return gi_error(err, in, n, i,
                                "range is out of order: '%a' comes before '%b' in Unicode", r,
                                prev);
            add = (gi_range){prev, r};
            prev_ok = false;
        } else if (!escaped && r == ']') {
            complete = true;
            break;
        } else {
            prev = r;
            prev_ok = true;
        }
        t->set = ks_grow_array(t->set, &cap, t->nset + 1, sizeof *t->set);
        t->set[t->nset++] = add;
    }
    if (rc < 0)
        return rc;
    if (!complete)
        return gi_error(err, in, n, i, "found [ without matching ]", 0, 0);
    *ni = i;
    set_normalize(t);
    return 0;
}

static int gi_tokenize(const int32_t *in, size_t n, gi_glob *g, ks_buf *err)
{
    size_t i = 0;
    for (;;) {
        int32_t r;
        bool escaped;
        int rc = gi_next_rune(in, n, i, &i, &r, &escaped, err);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return 0;
        gi_token t = {.type = GI_CHAR, .r = r};
        if (!escaped && r == '.') {
            t.type = GI_DOT;
        } else if (!escaped && r == ']') {
            return gi_error(err, in, n, i, "set-close ']' with no preceding '['", 0, 0);
        } else if (!escaped && r == '[') {
            t.type = GI_SET;
            rc = gi_set(in, n, i, &i, &t, err);
            if (rc < 0) {
                ks_xfree(t.set);
                return rc;
            }
        } else if (!escaped && (r == '+' || r == '*')) {
            return gi_error(err, in, n, i, "flag '%a' must be preceded by a non-flag", r, 0);
        }
        /* the flag after the token, if any */
        size_t fi;
        int32_t f;
        bool fesc;
        rc = gi_next_rune(in, n, i, &fi, &f, &fesc, err);
        if (rc < 0) {
            ks_xfree(t.set);
            return rc;
        }
        if (rc == 0 && !fesc && (f == '+' || f == '*')) {
            t.flag = f == '+' ? GI_PLUS : GI_STAR;
            i = fi;
        }
        g->t = ks_grow_array(g->t, &g->cap, g->n + 1, sizeof *g->t);
        g->t[g->n++] = t;
    }
}

static bool gi_equal(const gi_token *a, const gi_token *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == GI_CHAR)
        return a->r == b->r;
    if (a->type == GI_DOT)
        return true;
    return a->nset == b->nset && memcmp(a->set, b->set, a->nset * sizeof *a->set) == 0;
}

static void gi_simplify(gi_glob *g)
{
    if (g->n == 0)
        return;
    size_t k = 0; /* the last kept token, "latest" */
    for (size_t i = 1; i < g->n; i++) {
        gi_token *t = &g->t[i], *latest = &g->t[k];
        if (t->flag != GI_NONE && latest->flag != GI_NONE && gi_equal(t, latest)) {
            latest->flag = (t->flag == GI_PLUS || latest->flag == GI_PLUS) ? GI_PLUS : GI_STAR;
            ks_xfree(t->set);
            t->set = NULL;
            continue;
        }
        g->t[++k] = *t;
        if (k != i)
            g->t[i] = (gi_token){0};
    }
    g->n = k + 1;
}

static bool set_has(const gi_token *s, int32_t r)
{
    size_t lo = 0, hi = s->nset;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->set[mid].hi < r)
            lo = mid + 1;
        else if (s->set[mid].lo > r)
            hi = mid;
        else
            return true;
    }
    return false;
}

static bool gi_match(gi_ctx *x, const gi_token *a, const gi_token *b)
{
    x->steps++;
    if (a->type > b->type) {
        const gi_token *t = a;
        a = b;
        b = t;
    }
    if (a->type == GI_DOT || b->type == GI_DOT)
        return true;
    if (a->type == GI_CHAR)
        return b->type == GI_CHAR ? a->r == b->r : set_has(b, a->r);
    /* two sets: a common rune */
    size_t i = 0, j = 0;
    while (i < a->nset && j < b->nset) {
        if (a->set[i].hi < b->set[j].lo)
            i++;
        else if (b->set[j].hi < a->set[i].lo)
            j++;
        else
            return true;
    }
    return false;
}

typedef struct gi_span {
    const gi_token *t;
    size_t n;
} gi_span;

static gi_span span_from(gi_span s, size_t i)
{
    return (gi_span){s.t + i, s.n - i};
}

static bool gi_normal(gi_ctx *x, gi_span g1, gi_span g2);

static bool gi_star(gi_ctx *x, gi_span starred, gi_span other)
{
    const gi_token *star = &starred.t[0];
    const gi_token *next = starred.n > 1 ? &starred.t[1] : NULL;
    for (size_t i = 0; i < other.n; i++) {
        if (x->over)
            return false;
        const gi_token *t = &other.t[i];
        if (next && gi_match(x, t, next)) {
            if (gi_normal(x, span_from(starred, 1), span_from(other, i)))
                return true;
            if (!gi_match(x, t, star))
                return false;
        } else if (!gi_match(x, t, star)) {
            return false;
        }
    }
    return next == NULL;
}

static bool gi_plus(gi_ctx *x, gi_span plussed, gi_span other)
{
    if (!gi_match(x, &plussed.t[0], &other.t[0]))
        return false;
    if (gi_star(x, plussed, span_from(other, 1)))
        return true;
    return other.t[0].flag != GI_NONE && gi_normal(x, span_from(plussed, 1), other);
}

static bool gi_special(gi_ctx *x, gi_span g1, gi_span g2)
{
    if (g1.t[0].flag != GI_NONE)
        return g1.t[0].flag == GI_PLUS ? gi_plus(x, g1, g2) : gi_star(x, g1, g2);
    return g2.t[0].flag == GI_PLUS ? gi_plus(x, g2, g1) : gi_star(x, g2, g1);
}

static bool gi_normal(gi_ctx *x, gi_span g1, gi_span g2)
{
    if (++x->depth > GI_MAX_DEPTH || x->steps > GI_MAX_STEPS) {
        x->over = true;
        x->depth--;
        return false;
    }
    bool res = false;
    size_t i = 0, j = 0;
    for (; i < g1.n && j < g2.n; i++, j++) {
        if (g1.t[i].flag == GI_NONE && g2.t[j].flag == GI_NONE) {
            if (!gi_match(x, &g1.t[i], &g2.t[j]))
                goto out;
        } else {
            res = gi_special(x, span_from(g1, i), span_from(g2, j));
            goto out;
        }
    }
    res = i == g1.n && j == g2.n;
out:
    x->depth--;
    return res;
}

static int gi_parse(const char *s, size_t n, gi_glob *g, ks_buf *err)
{
    int32_t *runes = ks_xmalloc((n + 1) * sizeof *runes);
    size_t rn = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t w = ks_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        runes[rn++] = w ? (int32_t)cp : 0xfffd;
        i += w ? w : 1;
    }
    int rc = gi_tokenize(runes, rn, g, err);
    ks_xfree(runes);
    if (rc == 0)
        gi_simplify(g);
    return rc;
}

int rg_globs_intersect(const char *a, size_t an, const char *b, size_t bn, bool *res, ks_buf *err)
{
    gi_glob g1 = {0}, g2 = {0};
    int rc = gi_parse(a, an, &g1, err);
    if (rc == 0)
        rc = gi_parse(b, bn, &g2, err);
    if (rc < 0)
        goto out;
    gi_ctx x = {0};
    /* trim the common prefix and suffix of unflagged tokens, keeping one */
    size_t l = 0;
    for (; l < g1.n && l < g2.n && g1.t[l].flag == GI_NONE && g2.t[l].flag == GI_NONE; l++) {
        if (!gi_match(&x, &g1.t[l], &g2.t[l])) {
            *res = false;
            goto out;
        }
    }
    if (l > 0)
        l--;
    long r1 = (long)g1.n - 1, r2 = (long)g2.n - 1;
    for (; r1 >= 0 && r1 >= (long)l && r2 >= 0 && r2 >= (long)l && g1.t[r1].flag == GI_NONE &&
           g2.t[r2].flag == GI_NONE;
         r1--, r2--) {
        if (!gi_match(&x, &g1.t[r1], &g2.t[r2])) {
            *res = false;
            goto out;
        }
    }
    if (r1 < (long)g1.n - 1) {
        r1++;
        r2++;
    }
    gi_span s1 = {g1.t ? g1.t + l : NULL, (size_t)(r1 + 1) > l ? (size_t)(r1 + 1) - l : 0};
    gi_span s2 = {g2.t ? g2.t + l : NULL, (size_t)(r2 + 1) > l ? (size_t)(r2 + 1) - l : 0};
    *res = gi_normal(&x, s1, s2);
    if (x.over) {
        if (err)
            ks_buf_puts(err, "globs too complex to intersect");
        rc = -1;
    }
out:
    gi_glob_free(&g1);
    gi_glob_free(&g2);
    return rc;
}
