/*
 * Rego lexer and parser.
 *
 * Hand-written recursive descent over a one-token lexer that records
 * whether a newline preceded each token (Rego separates body expressions
 * and rules by newlines). Keywords are contextual: v1 modules always have
 * if/contains/in/every; v0 modules get them from future.keywords imports or
 * import rego.v1. Everything is allocated in the policy arena.
 */
#include "rego/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/vec.h"

enum tok_type {
    T_EOF,
    T_IDENT,
    T_STRING, /* "..." (text includes the quotes) */
    T_RAW,    /* `...` (text without the backquotes) */
    T_NUMBER,
    T_TEMPLATE, /* $"..." or $`...` (text includes $ and the quotes) */
    T_LBRACE,
    T_RBRACE,
    T_LBRACK,
    T_RBRACK,
    T_LPAREN,
    T_RPAREN,
    T_DOT,
    T_COMMA,
    T_SEMI,
    T_COLON,
    T_BAR,
    T_AMP,
    T_ASSIGN, /* := */
    T_UNIFY,  /* = */
    T_EQ,     /* == */
    T_NEQ,    /* != */
    T_LT,
    T_LTE,
    T_GT,
    T_GTE,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PERCENT,
    T_ERROR,
};

typedef struct tok {
    int type;
    const char *s;
    size_t n;
    uint32_t line, col;
    bool nl; /* a newline came before this token */
    bool ws; /* whitespace came before this token */
} tok;

typedef struct lexstate {
    size_t pos;
    size_t prev_end; /* end offset of the previous token */
    uint32_t line;
    size_t line_start;
    tok t;
} lexstate;

typedef struct parser {
    ks_arena *a;
    const char *src;
    size_t n;
    lexstate L;
    const char *file;
    uint32_t file_index;
    int version;
    bool kw_if, kw_contains, kw_in, kw_every;
    bool kw_and, kw_or, kw_notbody; /* experimental: future.keywords.and/or/not, rego.v2 */
    ks_error *err;
    int nest; /* inside () [] {}: newlines do not end expressions */
    int failed;
    int depth; /* of nested terms */
    /* the last "# METADATA" comment block, waiting for its rule or package */
    size_t meta_start, meta_end; /* byte range of the block in src; start 0: none */
    uint32_t meta_line;
} parser;

#define PARSE_MAX_DEPTH 1000
#define PARSE_MAX_BODY  10000 /* expressions per body: evaluation nests per expression */

/* ---- errors ---- */

__attribute__((format(printf, 2, 3))) static void perr(parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ks_error_at(p->err, KS_EPARSE, p->file, (int)p->L.t.line, (int)p->L.t.col, 0,
                "rego_parse_error: %s", msg);
}

static const char *tok_desc(const tok *t, char *buf, size_t n)
{
    switch (t->type) {
    case T_EOF: return "EOF";
    case T_STRING:
    case T_RAW: return "string";
    case T_NUMBER: return "number";
    case T_IDENT: snprintf(buf, n, "ident %.*s", (int)(t->n > 40 ? 40 : t->n), t->s); return buf;
    default: snprintf(buf, n, "%.*s", (int)(t->n > 40 ? 40 : t->n), t->s); return buf;
    }
}

static void perr_unexpected(parser *p)
{
    char b[64];
    perr(p, "unexpected %s token", tok_desc(&p->L.t, b, sizeof b));
}

/* ---- lexer ---- */

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Scans a template string starting at src[i] == '$'; returns the index just
 * past its closing quote, or 0 when it does not end. Expressions inside
 * {...} may hold strings and templates of their own. */
static size_t scan_template(const char *s, size_t n, size_t i, int depth);

static size_t scan_braces(const char *s, size_t n, size_t i, int depth)
{
    /* s[i] == '{'; returns the index after the matching '}' or 0 */
    int level = 0;
    while (i < n) {
        char c = s[i];
        if (c == '{') {
            level++;
            i++;
        } else if (c == '}') {
            i++;
            if (--level == 0)
                return i;
        } else if (c == '"') {
            i++;
            while (i < n && s[i] != '"' && s[i] != '\n') {
                if (s[i] == '\\')
                    i++;
                i++;
            }
            if (i >= n || s[i] != '"')
                return 0;
            i++;
        } else if (c == '`') {
            i++;
            while (i < n && s[i] != '`')
                i++;
            if (i >= n)
                return 0;
            i++;
        } else if (c == '$' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '`')) {
            i = scan_template(s, n, i, depth + 1);
            if (!i)
                return 0;
        } else {
            i++;
        }
    }
    return 0;
}

static size_t scan_template(const char *s, size_t n, size_t i, int depth)
{
    if (depth > 100)
        return 0;
    char q = s[i + 1];
    i += 2;
    while (i < n) {
        char c = s[i];
        if (c == q)
            return i + 1;
        if (q == '"' && c == '\n')
            return 0;
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '{') {
            i = scan_braces(s, n, i, depth);
            if (!i)
                return 0;
            continue;
        }
        i++;
    }
    return 0;
}

static void lex(parser *p)
{
    lexstate *L = &p->L;
    if (L->t.s)
        L->prev_end = (size_t)(L->t.s - p->src) + L->t.n + (L->t.type == T_RAW);
    const char *s = p->src;
    size_t n = p->n, i = L->pos;
    bool nl = false, ws = false;
    for (;;) {
        if (i >= n)
            break;
        char c = s[i];
        if (c == '\n') {
            nl = ws = true;
            i++;
            L->line++;
            L->line_start = i;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ws = true;
            i++;
        } else if (c == '#') {
            size_t start = i;
            while (i < n && s[i] != '\n')
                i++;
            /* "# METADATA" starts an annotation block: the comment lines
             * right after it, up to the first line that is not a comment */
            size_t len = i - start;
            const char *t = s + start + 1;
            while (len > 1 && (*t == ' ' || *t == '\t')) {
                t++;
                len--;
            }
            size_t tl = len - 1;
            while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\r'))
                tl--;
            if (tl == 8 && !memcmp(t, "METADATA", 8)) {
                size_t j = i;
                uint32_t line0 = L->line;
                while (j < n && s[j] == '\n' && j + 1 < n && s[j + 1] == '#') {
                    j++;
                    L->line++;
                    L->line_start = j;
                    while (j < n && s[j] != '\n')
                        j++;
                }
                p->meta_start = i + 1;
                p->meta_end = j;
                p->meta_line = line0;
                i = j;
            }
        } else {
            break;
        }
    }
    tok *t = &L->t;
    t->nl = nl;
    t->ws = ws;
    t->line = L->line;
    t->col = (uint32_t)(i - L->line_start + 1);
    t->s = s + i;
    t->n = 0;
    if (i >= n) {
        t->type = T_EOF;
        L->pos = i;
        return;
    }
    char c = s[i];
    size_t st = i;
    if (is_ident_start((unsigned char)c)) {
        while (i < n && (is_ident_start((unsigned char)s[i]) || is_digit((unsigned char)s[i])))
            i++;
        t->type = T_IDENT;
    } else if (is_digit((unsigned char)c) || (c == '.' && i + 1 < n && is_digit(s[i + 1]))) {
        while (i < n && is_digit((unsigned char)s[i]))
            i++;
        if (i < n && s[i] == '.' && i + 1 < n && is_digit((unsigned char)s[i + 1])) {
            i++;
            while (i < n && is_digit((unsigned char)s[i]))
                i++;
        }
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
            size_t j = i + 1;
            if (j < n && (s[j] == '+' || s[j] == '-'))
                j++;
            if (j < n && is_digit((unsigned char)s[j])) {
                i = j;
                while (i < n && is_digit((unsigned char)s[i]))
                    i++;
            }
        }
        t->type = T_NUMBER;
    } else if (c == '$' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '`')) {
        size_t end = scan_template(s, n, i, 0);
        if (!end) {
            t->type = T_ERROR;
            t->s = "non-terminated template string";
        } else {
            for (size_t j = i; j < end; j++)
                if (s[j] == '\n') {
                    L->line++;
                    L->line_start = j + 1;
                }
            t->type = T_TEMPLATE;
            i = end;
        }
    } else if (c == '"') {
        i++;
        t->type = T_STRING;
        for (;;) {
            if (i >= n || s[i] == '\n') {
                t->type = T_ERROR;
                t->s = "non-terminated string";
                break;
            }
            char d = s[i++];
            if (d == '"')
                break;
            if (d == '\\' && i < n)
                i++;
        }
    } else if (c == '`') {
        i++;
        size_t j = i;
        while (j < n && s[j] != '`') {
            if (s[j] == '\n') {
                L->line++;
                L->line_start = j + 1;
            }
            j++;
        }
        if (j >= n) {
            t->type = T_ERROR;
            t->s = "non-terminated string";
            i = j;
        } else {
            t->type = T_RAW;
            t->s = s + i;
            t->n = j - i;
            L->pos = j + 1;
            return;
        }
    } else {
        i++;
        char d = i < n ? s[i] : '\0';
        switch (c) {
        case '{': t->type = T_LBRACE; break;
        case '}': t->type = T_RBRACE; break;
        case '[': t->type = T_LBRACK; break;
        case ']': t->type = T_RBRACK; break;
        case '(': t->type = T_LPAREN; break;
        case ')': t->type = T_RPAREN; break;
        case '.': t->type = T_DOT; break;
        case ',': t->type = T_COMMA; break;
        case ';': t->type = T_SEMI; break;
        case '|': t->type = T_BAR; break;
        case '&': t->type = T_AMP; break;
        case '+': t->type = T_PLUS; break;
        case '-': t->type = T_MINUS; break;
        case '*': t->type = T_STAR; break;
        case '/': t->type = T_SLASH; break;
        case '%': t->type = T_PERCENT; break;
        case ':':
            if (d == '=') {
                i++;
                t->type = T_ASSIGN;
            } else {
                t->type = T_COLON;
            }
            break;
        case '=':
            if (d == '=') {
                i++;
                t->type = T_EQ;
            } else {
                t->type = T_UNIFY;
            }
            break;
        case '!':
            if (d == '=') {
                i++;
                t->type = T_NEQ;
            } else {
                t->type = T_ERROR;
                t->s = "illegal ! character";
            }
            break;
        case '<':
            if (d == '=') {
                i++;
                t->type = T_LTE;
            } else {
                t->type = T_LT;
            }
            break;
        case '>':
            if (d == '=') {
                i++;
                t->type = T_GTE;
            } else {
                t->type = T_GT;
            }
            break;
        default:
            t->type = T_ERROR;
            t->s = "illegal token";
            break;
        }
    }
    if (t->type != T_ERROR)
        t->n = i - st;
    L->pos = i;
}

static void next(parser *p)
{
    lex(p);
    if (p->L.t.type == T_ERROR)
        perr(p, "%s", p->L.t.s);
}

static bool is_ident(const tok *t, const char *w)
{
    size_t n = strlen(w);
    return t->type == T_IDENT && t->n == n && memcmp(t->s, w, n) == 0;
}

static bool followed_by_ref(const parser *p);

static bool at_kw(parser *p, const char *w)
{
    if (!is_ident(&p->L.t, w))
        return false;
    if (followed_by_ref(p))
        return false;
    if (!strcmp(w, "if"))
        return p->kw_if;
    if (!strcmp(w, "contains"))
        return p->kw_contains;
    if (!strcmp(w, "in"))
        return p->kw_in;
    if (!strcmp(w, "every"))
        return p->kw_every;
    if (!strcmp(w, "and"))
        return p->kw_and;
    if (!strcmp(w, "or"))
        return p->kw_or;
    return true;
}

/* A keyword directly followed by '.' or '[' is a name (as.foo, default.x). */
static bool followed_by_ref(const parser *p)
{
    return p->L.pos < p->n &&
           (p->src[p->L.pos] == '.' || p->src[p->L.pos] == '[' || p->src[p->L.pos] == '(');
}

static bool is_reserved(parser *p, const tok *t)
{
    if (t->s == p->L.t.s && followed_by_ref(p))
        return false;
    static const char *const always[] = {"package", "import", "as",   "default", "else", "not",
                                         "with",    "some",   "true", "false",   "null"};
    if (t->type != T_IDENT)
        return false;
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        if (is_ident(t, always[i]))
            return true;
    return (p->kw_if && is_ident(t, "if")) || (p->kw_contains && is_ident(t, "contains")) ||
           (p->kw_in && is_ident(t, "in")) || (p->kw_every && is_ident(t, "every")) ||
           (p->kw_and && is_ident(t, "and")) || (p->kw_or && is_ident(t, "or"));
}

static rg_loc here(parser *p)
{
    return (rg_loc){p->file_index, p->L.t.line, p->L.t.col};
}

static bool expect(parser *p, int type, const char *what)
{
    if (p->L.t.type != type) {
        char b[64];
        perr(p, "expected %s but got %s", what, tok_desc(&p->L.t, b, sizeof b));
        return false;
    }
    next(p);
    return true;
}

/* ---- term constructors ---- */

rg_term *rg_term_new(ks_arena *a, int type, rg_loc loc)
{
    rg_term *t = ks_arena_calloc(a, 1, sizeof *t);
    if (!t)
        return NULL;
    t->type = (uint8_t)type;
    t->loc = loc;
    return t;
}

rg_term *rg_term_var(ks_arena *a, const char *name, size_t len, rg_loc loc)
{
    rg_term *t = rg_term_new(a, RG_VAR, loc);
    if (!t)
        return NULL;
    t->u.var.name = ks_arena_strndup(a, name, len);
    t->u.var.len = (uint32_t)len;
    t->u.var.slot = -1;
    if (!t->u.var.name)
        return NULL;
    return t;
}

rg_term *rg_term_value(ks_arena *a, kv_value v, rg_loc loc)
{
    rg_term *t = rg_term_new(a, RG_VALUE, loc);
    if (!t)
        return NULL;
    t->u.v = v;
    t->ground = true;
    return t;
}

rg_term *rg_term_string(ks_arena *a, const char *s, size_t len, rg_loc loc)
{
    kv_value v;
    if (kv_str_copy(a, s, len, &v) < 0)
        return NULL;
    return rg_term_value(a, v, loc);
}

rg_term *rg_term_list(ks_arena *a, int type, rg_term **items, uint32_t n, rg_loc loc)
{
    rg_term *t = rg_term_new(a, type, loc);
    if (!t)
        return NULL;
    t->u.list.items = items;
    t->u.list.n = n;
    return t;
}

bool rg_term_is_ground(rg_term *t)
{
    switch (t->type) {
    case RG_VALUE: return t->ground = true;
    case RG_VAR:
    case RG_CALL:
    case RG_ACOMP:
    case RG_SCOMP:
    case RG_OCOMP: return t->ground = false;
    case RG_REF:
    case RG_ARRAY:
    case RG_SET: {
        bool g = t->type != RG_REF;
        for (uint32_t i = 0; i < t->u.list.n; i++)
            if (!rg_term_is_ground(t->u.list.items[i]))
                g = false;
        return t->ground = g;
    }
    case RG_OBJECT: {
        bool g = true;
        for (uint32_t i = 0; i < t->u.obj.n; i++) {
            if (!rg_term_is_ground(t->u.obj.keys[i]))
                g = false;
            if (!rg_term_is_ground(t->u.obj.vals[i]))
                g = false;
        }
        return t->ground = g;
    }
    }
    return false;
}

int rg_term_fold(ks_arena *a, rg_term *t)
{
    if (!rg_term_is_ground(t) || t->type == RG_VALUE)
        return 0;
    kv_value v;
    int rc = 0;
    switch (t->type) {
    case RG_ARRAY:
    case RG_SET: {
        uint32_t n = t->u.list.n;
        kv_value *items = n ? ks_arena_alloc(a, n * sizeof *items) : NULL;
        if (n && !items)
            return KS_ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = rg_term_fold(a, t->u.list.items[i])) < 0)
                return rc;
            items[i] = t->u.list.items[i]->u.v;
        }
        rc = t->type == RG_ARRAY ? kv_array_new(a, items, n, &v) : kv_set_new(a, items, n, &v);
        break;
    }
    case RG_OBJECT: {
        uint32_t n = t->u.obj.n;
        kv_member *m = n ? ks_arena_alloc(a, n * sizeof *m) : NULL;
        if (n && !m)
            return KS_ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = rg_term_fold(a, t->u.obj.keys[i])) < 0 ||
                (rc = rg_term_fold(a, t->u.obj.vals[i])) < 0)
                return rc;
            m[i].key = t->u.obj.keys[i]->u.v;
            m[i].val = t->u.obj.vals[i]->u.v;
        }
        rc = kv_object_new(a, m, n, KV_DUP_LAST_WINS, &v, NULL);
        break;
    }
    default: return 0;
    }
    if (rc < 0)
        return rc;
    t->type = RG_VALUE;
    t->u.v = v;
    t->ground = true;
    return 0;
}

/* ---- terms ---- */

typedef KS_VEC(rg_term *) termvec;

static rg_term **vec_finish(parser *p, termvec *v)
{
    rg_term **items = NULL;
    if (v->len) {
        items = ks_arena_memdup(p->a, v->v, v->len * sizeof *items);
        if (!items)
            perr(p, "out of memory");
    }
    ks_vec_free(v);
    return items;
}

static rg_term *parse_term(parser *p);
static rg_term *parse_infix(parser *p, int min_prec, bool no_bar);
static rg_body *parse_body_until(parser *p, int close);
static rg_expr *parse_literal(parser *p);

static rg_term *op_var(parser *p, const char *name, rg_loc loc)
{
    return rg_term_var(p->a, name, strlen(name), loc);
}

static rg_term *make_call(parser *p, const char *op, rg_loc loc, rg_term *x, rg_term *y)
{
    rg_term **items = ks_arena_alloc(p->a, 3 * sizeof *items);
    if (!items)
        return NULL;
    items[0] = op_var(p, op, loc);
    items[1] = x;
    items[2] = y;
    return rg_term_list(p->a, RG_CALL, items, 3, loc);
}

static rg_term *parse_string_tok(parser *p)
{
    tok t = p->L.t;
    rg_loc loc = here(p);
    kv_value v;
    if (t.type == T_RAW) {
        if (kv_str_copy(p->a, t.s, t.n, &v) < 0) {
            perr(p, "out of memory");
            return NULL;
        }
    } else {
        ks_error e;
        if (kv_json_parse(p->a, t.s, t.n, NULL, &v, &e) < 0 || v.kind != KV_STRING) {
            perr(p, "illegal string literal: %s", e.msg);
            return NULL;
        }
    }
    next(p);
    return rg_term_value(p->a, v, loc);
}

static rg_term *parse_number_tok(parser *p, bool neg)
{
    tok t = p->L.t;
    rg_loc loc = here(p);
    ks_buf b = KS_BUF_INIT;
    const char *txt = t.s;
    size_t n = t.n;
    /* JSON needs a digit before '.' */
    if (neg || (n && txt[0] == '.')) {
        if (neg)
            ks_buf_putc(&b, '-');
        if (txt[0] == '.')
            ks_buf_putc(&b, '0');
        ks_buf_append(&b, txt, n);
        txt = b.data;
        n = b.len;
    }
    kv_value v;
    int rc = kv_number_parse(p->a, txt, n, &v);
    ks_buf_free(&b);
    if (rc < 0) {
        perr(p, "invalid number");
        return NULL;
    }
    next(p);
    return rg_term_value(p->a, v, loc);
}

static rg_term *parse_term(parser *p);

static rg_expr *expr_new(parser *p, int type, rg_loc loc);
static rg_term **terms3(parser *p, rg_term *a, rg_term *b, rg_term *c);

/* A term parsed from src[start, end) of the same source (template parts). */
static rg_term *parse_sub_term(parser *p, size_t start, size_t end)
{
    parser q = *p;
    q.n = end;
    q.L.pos = start;
    q.L.t.s = NULL;
    q.nest = 1;
    next(&q);
    rg_term *t = parse_term(&q);
    if (t && !q.failed && q.L.t.type != T_EOF)
        perr_unexpected(&q);
    if (q.failed) {
        p->failed = 1;
        return NULL;
    }
    return t;
}

/* {__tpl | __tpl = x}: the set of x's values, empty when x is undefined
 * (template strings and print arguments). */
static rg_term *values_set(parser *p, rg_term *x)
{
    rg_term *w = rg_term_var(p->a, "_", 1, x->loc);
    rg_expr *e = expr_new(p, RG_E_CALL, x->loc);
    rg_body *b = ks_arena_calloc(p->a, 1, sizeof *b);
    rg_term *comp = rg_term_new(p->a, RG_SCOMP, x->loc);
    rg_expr **ex = ks_arena_alloc(p->a, sizeof *ex);
    if (!w || !e || !b || !comp || !ex)
        return NULL;
    w->wildcard = true;
    w->u.var.name = "__tpl";
    w->u.var.len = 5;
    e->terms = terms3(p, op_var(p, "eq", x->loc), w, x);
    e->n = 3;
    ex[0] = e;
    b->exprs = ex;
    b->n = 1;
    b->loc = x->loc;
    comp->u.comp.val = w;
    comp->u.comp.body = b;
    return comp;
}

/* Appends the literal text s[0..n) of a template, decoding escapes. */
static bool template_text(parser *p, const char *s, size_t n, bool raw, ks_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '{') {
            ks_buf_putc(out, '{');
            i++;
            continue;
        }
        if (raw || s[i] != '\\') {
            ks_buf_putc(out, s[i]);
            continue;
        }
        /* a JSON escape: decode through the JSON reader */
        size_t len = s[i + 1] == 'u' ? 6 : 2;
        if (i + len > n) {
            perr(p, "illegal escape sequence");
            return false;
        }
        char tmp[16];
        tmp[0] = '"';
        memcpy(tmp + 1, s + i, len);
        tmp[len + 1] = '"';
        kv_value v;
        ks_arena a;
        ks_arena_init(&a, NULL, 0);
        int rc = kv_json_parse(&a, tmp, len + 2, NULL, &v, NULL);
        if (rc == 0)
            ks_buf_append(out, v.u.s, v.len);
        ks_arena_free(&a);
        if (rc < 0) {
            perr(p, "illegal escape sequence");
            return false;
        }
        i += len - 1;
    }
    return true;
}

static rg_term *lit_part(parser *p, ks_buf *b, rg_loc loc)
{
    rg_term *t = rg_term_string(p->a, b->data ? b->data : "", b->len, loc);
    ks_buf_reset(b);
    return t;
}

/* $"a {x} b": internal.template_string(["a ", {_ | _ = x}, " b"]); each
 * expression becomes a set of its values, so undefined and multiple
 * outputs can be told apart at run time. */
static rg_term *parse_template(parser *p)
{
    tok t = p->L.t;
    rg_loc loc = here(p);
    bool raw = t.s[1] == '`';
    size_t base = (size_t)(t.s - p->src);
    const char *s = t.s + 2;
    size_t n = t.n - 3;
    termvec parts = {0};
    ks_buf lit = KS_BUF_INIT;
    size_t seg = 0;
    rg_term *res = NULL;
    for (size_t i = 0; i < n;) {
        if (s[i] == '\\' && i + 1 < n) {
            i += 2;
            continue;
        }
        if (s[i] != '{') {
            i++;
            continue;
        }
        if (!template_text(p, s + seg, i - seg, raw, &lit))
            goto out;
        size_t end = scan_braces(p->src, base + 2 + n, base + 2 + i, 0);
        if (!end) {
            perr(p, "unterminated template expression");
            goto out;
        }
        if (lit.len)
            ks_vec_push(&parts, lit_part(p, &lit, loc));
        rg_term *x = parse_sub_term(p, base + 2 + i + 1, end - 1);
        if (!x)
            goto out;
        rg_term *comp = values_set(p, x);
        if (!comp)
            goto out;
        ks_vec_push(&parts, comp);
        i = end - base - 2;
        seg = i;
    }
    if (!template_text(p, s + seg, n - seg, raw, &lit))
        goto out;
    if (lit.len || parts.len == 0)
        ks_vec_push(&parts, lit_part(p, &lit, loc));
    {
        uint32_t np = (uint32_t)parts.len;
        rg_term *arr = rg_term_list(p->a, RG_ARRAY, vec_finish(p, &parts), np, loc);
        rg_term **items = ks_arena_alloc(p->a, 2 * sizeof *items);
        if (!arr || !items)
            goto out;
        items[0] = op_var(p, "internal.template_string", loc);
        items[1] = arr;
        res = rg_term_list(p->a, RG_CALL, items, 2, loc);
    }
    next(p);
out:
    ks_vec_free(&parts);
    ks_buf_free(&lit);
    return p->failed ? NULL : res;
}

/* Elements up to close, separated by commas. */
static bool parse_list(parser *p, int close, termvec *out)
{
    while (p->L.t.type != close) {
        rg_term *t = parse_term(p);
        if (!t)
            return false;
        ks_vec_push(out, t);
        if (p->L.t.type == T_COMMA) {
            next(p);
            continue;
        }
        if (p->L.t.type != close) {
            perr_unexpected(p);
            return false;
        }
    }
    next(p);
    return true;
}

static rg_term *parse_comprehension(parser *p, int type, rg_term *key, rg_term *val, rg_loc loc,
                                    int close)
{
    next(p); /* | */
    rg_body *body = parse_body_until(p, close);
    if (!body)
        return NULL;
    rg_term *t = rg_term_new(p->a, type, loc);
    if (!t)
        return NULL;
    t->u.comp.key = key;
    t->u.comp.val = val;
    t->u.comp.body = body;
    return t;
}

static rg_term *parse_array(parser *p)
{
    rg_loc loc = here(p);
    next(p);
    p->nest++;
    termvec v = {0};
    rg_term *res = NULL;
    if (p->L.t.type == T_RBRACK) {
        next(p);
        res = rg_term_list(p->a, RG_ARRAY, NULL, 0, loc);
        goto out;
    }
    rg_term *first = parse_infix(p, 0, true);
    if (!first)
        goto out;
    if (p->L.t.type == T_BAR) {
        res = parse_comprehension(p, RG_ACOMP, NULL, first, loc, T_RBRACK);
        goto out;
    }
    ks_vec_push(&v, first);
    if (p->L.t.type == T_COMMA)
        next(p);
    else if (p->L.t.type != T_RBRACK) {
        perr_unexpected(p);
        goto out;
    }
    if (!parse_list(p, T_RBRACK, &v))
        goto out;
    uint32_t n = (uint32_t)v.len;
    rg_term **items = vec_finish(p, &v);
    res = rg_term_list(p->a, RG_ARRAY, items, n, loc);
out:
    ks_vec_free(&v);
    p->nest--;
    return p->failed ? NULL : res;
}

static rg_term *parse_brace(parser *p)
{
    rg_loc loc = here(p);
    next(p);
    p->nest++;
    termvec keys = {0}, vals = {0};
    rg_term *res = NULL;
    if (p->L.t.type == T_RBRACE) {
        next(p);
        res = rg_term_new(p->a, RG_OBJECT, loc);
        goto out;
    }
    rg_term *first = parse_infix(p, 0, true);
    if (!first)
        goto out;
    if (p->L.t.type == T_COLON) {
        next(p);
        rg_term *v1 = parse_infix(p, 0, true);
        if (!v1)
            goto out;
        if (p->L.t.type == T_BAR) {
            res = parse_comprehension(p, RG_OCOMP, first, v1, loc, T_RBRACE);
            goto out;
        }
        ks_vec_push(&keys, first);
        ks_vec_push(&vals, v1);
        while (p->L.t.type == T_COMMA) {
            next(p);
            if (p->L.t.type == T_RBRACE)
                break;
            rg_term *k = parse_term(p);
            if (!k)
                goto out;
            if (!expect(p, T_COLON, ":"))
                goto out;
            rg_term *v = parse_term(p);
            if (!v)
                goto out;
            ks_vec_push(&keys, k);
            ks_vec_push(&vals, v);
        }
        if (!expect(p, T_RBRACE, "}"))
            goto out;
        res = rg_term_new(p->a, RG_OBJECT, loc);
        if (res) {
            res->u.obj.n = (uint32_t)keys.len;
            res->u.obj.keys = vec_finish(p, &keys);
            res->u.obj.vals = vec_finish(p, &vals);
        }
        goto out;
    }
    if (p->L.t.type == T_BAR) {
        res = parse_comprehension(p, RG_SCOMP, NULL, first, loc, T_RBRACE);
        goto out;
    }
    ks_vec_push(&keys, first);
    if (p->L.t.type == T_COMMA)
        next(p);
    else if (p->L.t.type != T_RBRACE) {
        perr_unexpected(p);
        goto out;
    }
    if (!parse_list(p, T_RBRACE, &keys))
        goto out;
    uint32_t n = (uint32_t)keys.len;
    rg_term **items = vec_finish(p, &keys);
    res = rg_term_list(p->a, RG_SET, items, n, loc);
out:
    ks_vec_free(&keys);
    ks_vec_free(&vals);
    p->nest--;
    return p->failed ? NULL : res;
}

/* A call's arguments after '('. op is the operator term. */
static rg_term *parse_call(parser *p, rg_term *op, rg_loc loc)
{
    next(p); /* ( */
    p->nest++;
    termvec v = {0};
    ks_vec_push(&v, op);
    bool ok = parse_list(p, T_RPAREN, &v);
    p->nest--;
    if (!ok) {
        ks_vec_free(&v);
        return NULL;
    }
    uint32_t n = (uint32_t)v.len;
    rg_term **items = vec_finish(p, &v);
    /* set() is the empty set */
    if (n == 1 && op->type == RG_VAR && op->u.var.len == 3 && !memcmp(op->u.var.name, "set", 3))
        return rg_term_new(p->a, RG_SET, loc);
    /* print(a, b): internal.print([{values of a}, {values of b}]), so an
     * undefined argument prints as <undefined> instead of skipping */
    if (op->type == RG_VAR && op->u.var.len == 5 && !memcmp(op->u.var.name, "print", 5)) {
        for (uint32_t i = 1; i < n; i++)
            if (!(items[i] = values_set(p, items[i])))
                return NULL;
        rg_term *arr = rg_term_list(p->a, RG_ARRAY, items + 1, n - 1, loc);
        rg_term **call = ks_arena_alloc(p->a, 2 * sizeof *call);
        if (!arr || !call)
            return NULL;
        call[0] = op_var(p, "internal.print", loc);
        call[1] = arr;
        return rg_term_list(p->a, RG_CALL, call, 2, loc);
    }
    return rg_term_list(p->a, RG_CALL, items, n, loc);
}

/* Continues a primary term with .name, [term] and (args). */
static rg_term *parse_postfix(parser *p, rg_term *t)
{
    /* true.foo, null.x: keywords as the first name of a ref */
    if (t->type == RG_VALUE && (t->u.v.kind == KV_BOOL || t->u.v.kind == KV_NULL) &&
        p->L.t.type == T_DOT && !p->L.t.ws) {
        const char *kw = t->u.v.kind == KV_NULL ? "null" : t->u.v.u.b ? "true" : "false";
        t = rg_term_var(p->a, kw, strlen(kw), t->loc);
        if (!t)
            return NULL;
    }
    termvec path = {0};
    bool is_ref = false;
    rg_loc loc = t->loc;
    for (;;) {
        tok c = p->L.t;
        if (c.type == T_DOT && !c.ws) {
            next(p);
            if (p->L.t.type != T_IDENT || p->L.t.ws) {
                perr_unexpected(p);
                goto fail;
            }
            if (!is_ref) {
                ks_vec_push(&path, t);
                is_ref = true;
            }
            rg_term *s = rg_term_string(p->a, p->L.t.s, p->L.t.n, here(p));
            ks_vec_push(&path, s);
            next(p);
        } else if (c.type == T_LBRACK && !c.ws) {
            next(p);
            p->nest++;
            rg_term *k = parse_term(p);
            p->nest--;
            if (!k || !expect(p, T_RBRACK, "]"))
                goto fail;
            k->bracket = true;
            if (!is_ref) {
                ks_vec_push(&path, t);
                is_ref = true;
            }
            ks_vec_push(&path, k);
        } else if (c.type == T_LPAREN && !c.ws) {
            rg_term *op = t;
            if (is_ref) {
                uint32_t n = (uint32_t)path.len;
                op = rg_term_list(p->a, RG_REF, vec_finish(p, &path), n, loc);
                is_ref = false;
            }
            if (op->type != RG_VAR && op->type != RG_REF) {
                perr_unexpected(p);
                goto fail;
            }
            t = parse_call(p, op, loc);
            if (!t)
                goto fail;
        } else {
            break;
        }
    }
    if (is_ref) {
        uint32_t n = (uint32_t)path.len;
        t = rg_term_list(p->a, RG_REF, vec_finish(p, &path), n, loc);
    }
    ks_vec_free(&path);
    return p->failed ? NULL : t;
fail:
    ks_vec_free(&path);
    return NULL;
}

static rg_term *parse_primary(parser *p)
{
    if (p->failed)
        return NULL;
    if (++p->depth > PARSE_MAX_DEPTH) {
        p->depth--;
        perr(p, "nesting too deep (more than %d levels)", PARSE_MAX_DEPTH);
        return NULL;
    }
    rg_term *t = NULL;
    rg_loc loc = here(p);
    tok c = p->L.t;
    switch (c.type) {
    case T_NUMBER: t = parse_number_tok(p, false); break;
    case T_MINUS:
        next(p);
        if (p->L.t.type == T_NUMBER && !p->L.t.ws) {
            t = parse_number_tok(p, true);
        } else {
            rg_term *x = parse_primary(p);
            if (x)
                t = make_call(p, "minus", loc, rg_term_value(p->a, kv_int(0), loc), x);
        }
        break;
    case T_STRING:
    case T_RAW: t = parse_string_tok(p); break;
    case T_TEMPLATE: t = parse_template(p); break;
    case T_LBRACK: t = parse_array(p); break;
    case T_LBRACE: t = parse_brace(p); break;
    case T_LPAREN: {
        next(p);
        p->nest++;
        t = parse_term(p);
        if (t && p->L.t.type == T_COMMA) {
            /* (k, v in xs) */
            next(p);
            rg_term *v = parse_infix(p, 1, false);
            if (v && at_kw(p, "in")) {
                next(p);
                rg_term *dom = parse_infix(p, 1, false);
                rg_term **items = dom ? ks_arena_alloc(p->a, 4 * sizeof *items) : NULL;
                if (items) {
                    items[0] = op_var(p, "internal.member_3", loc);
                    items[1] = t;
                    items[2] = v;
                    items[3] = dom;
                    t = rg_term_list(p->a, RG_CALL, items, 4, loc);
                } else {
                    t = NULL;
                }
            } else if (v) {
                perr_unexpected(p);
                t = NULL;
            }
        }
        p->nest--;
        if (t && !expect(p, T_RPAREN, ")"))
            t = NULL;
        break;
    }
    case T_IDENT:
        if (is_ident(&c, "true") || is_ident(&c, "false")) {
            t = rg_term_value(p->a, kv_bool(c.s[0] == 't'), loc);
            next(p);
        } else if (is_ident(&c, "null")) {
            t = rg_term_value(p->a, kv_null(), loc);
            next(p);
        } else if (is_reserved(p, &c)) {
            perr_unexpected(p);
        } else {
            t = rg_term_var(p->a, c.s, c.n, loc);
            if (t && c.n == 1 && c.s[0] == '_')
                t->wildcard = true;
            next(p);
        }
        break;
    default: perr_unexpected(p); break;
    }
    if (t && !p->failed)
        t = parse_postfix(p, t);
    p->depth--;
    return p->failed ? NULL : t;
}

struct binop {
    int tok;
    int prec;
    const char *name;
};

static const struct binop binops[] = {
        {T_EQ, 1, "equal"},    {T_NEQ, 1, "neq"},     {T_LT, 1, "lt"},    {T_LTE, 1, "lte"},
        {T_GT, 1, "gt"},       {T_GTE, 1, "gte"},     {T_BAR, 2, "or"},   {T_AMP, 3, "and"},
        {T_PLUS, 4, "plus"},   {T_MINUS, 4, "minus"}, {T_STAR, 5, "mul"}, {T_SLASH, 5, "div"},
        {T_PERCENT, 5, "rem"},
};

static const struct binop *peek_binop(parser *p, bool no_bar)
{
    /* as OPA's parser, an infix operator on the next line continues the
     * expression (`x := 1\n-3` is x := 1 - 3) */
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
        if (binops[i].tok == p->L.t.type) {
            if (no_bar && binops[i].tok == T_BAR)
                return NULL;
            return &binops[i];
        }
    return NULL;
}

/* Precedence climbing; level 0 is `in`. */
static rg_term *parse_infix(parser *p, int min_prec, bool no_bar)
{
    rg_term *lhs = parse_primary(p);
    if (!lhs)
        return NULL;
    for (;;) {
        if (min_prec == 0 && at_kw(p, "in") && !(p->nest == 0 && p->L.t.nl)) {
            rg_loc loc = here(p);
            next(p);
            rg_term *rhs = parse_infix(p, 1, no_bar);
            if (!rhs)
                return NULL;
            lhs = make_call(p, "internal.member_2", loc, lhs, rhs);
            continue;
        }
        const struct binop *op = peek_binop(p, no_bar);
        if (!op || op->prec < min_prec || (min_prec == 0 && op->prec < 1))
            break;
        rg_loc loc = here(p);
        next(p);
        rg_term *rhs = parse_infix(p, op->prec + 1, no_bar);
        if (!rhs)
            return NULL;
        lhs = make_call(p, op->name, loc, lhs, rhs);
        if (!lhs)
            return NULL;
    }
    return lhs;
}

static rg_term *parse_term(parser *p)
{
    return parse_infix(p, 0, false);
}

/* ---- expressions ---- */

static rg_expr *expr_new(parser *p, int type, rg_loc loc)
{
    rg_expr *e = ks_arena_calloc(p->a, 1, sizeof *e);
    if (!e) {
        perr(p, "out of memory");
        return NULL;
    }
    e->type = (uint8_t)type;
    e->loc = loc;
    return e;
}

static rg_term **terms3(parser *p, rg_term *a, rg_term *b, rg_term *c)
{
    rg_term **t = ks_arena_alloc(p->a, 3 * sizeof *t);
    if (t) {
        t[0] = a;
        t[1] = b;
        t[2] = c;
    }
    return t;
}

static rg_expr *parse_some(parser *p, rg_loc loc)
{
    next(p); /* some */
    termvec v = {0};
    rg_expr *e = NULL;
    rg_term *first = parse_infix(p, 1, false);
    if (!first)
        goto out;
    rg_term *second = NULL;
    if (p->L.t.type == T_COMMA) {
        next(p);
        second = parse_infix(p, 1, false);
        if (!second)
            goto out;
    }
    /* `some x in xs` arrives either with `in` next or, when the term parser
     * took `x in xs` as a membership test, as internal.member_2(x, xs) */
    if (at_kw(p, "in") || (first->type == RG_CALL && first->u.list.items[0]->type == RG_VAR &&
                           !strcmp(first->u.list.items[0]->u.var.name, "internal.member_2"))) {
        rg_term *domain;
        rg_term *key = NULL, *val;
        if (at_kw(p, "in")) {
            next(p);
            domain = parse_infix(p, 1, false);
            if (!domain)
                goto out;
            if (second) {
                key = first;
                val = second;
            } else {
                val = first;
            }
        } else {
            val = first->u.list.items[1];
            domain = first->u.list.items[2];
            if (second) {
                perr(p, "unexpected , in some declaration");
                goto out;
            }
        }
        e = expr_new(p, RG_E_SOMEIN, loc);
        if (e) {
            e->terms = terms3(p, key, val, domain);
            e->n = 3;
        }
        goto out;
    }
    /* some x, y, z */
    ks_vec_push(&v, first);
    if (second)
        ks_vec_push(&v, second);
    while (p->L.t.type == T_COMMA) {
        next(p);
        rg_term *t = parse_primary(p);
        if (!t)
            goto out;
        ks_vec_push(&v, t);
    }
    for (size_t i = 0; i < v.len; i++) {
        if (v.v[i]->type != RG_VAR) {
            perr(p, "expected var in some declaration");
            goto out;
        }
    }
    e = expr_new(p, RG_E_SOME, loc);
    if (e) {
        e->n = (uint32_t)v.len;
        e->terms = vec_finish(p, &v);
    }
out:
    ks_vec_free(&v);
    return p->failed ? NULL : e;
}

static rg_expr *parse_every(parser *p, rg_loc loc)
{
    next(p); /* every */
    rg_term *first = parse_primary(p), *second = NULL;
    if (!first)
        return NULL;
    if (p->L.t.type == T_COMMA) {
        next(p);
        second = parse_primary(p);
        if (!second)
            return NULL;
    }
    if (!at_kw(p, "in")) {
        perr(p, "expected 'in' in every");
        return NULL;
    }
    next(p);
    rg_term *domain = parse_infix(p, 1, false);
    if (!domain)
        return NULL;
    if (p->L.t.type != T_LBRACE) {
        perr_unexpected(p);
        return NULL;
    }
    next(p);
    rg_body *body = parse_body_until(p, T_RBRACE);
    if (!body)
        return NULL;
    rg_expr *e = expr_new(p, RG_E_EVERY, loc);
    if (!e)
        return NULL;
    e->terms = second ? terms3(p, first, second, domain) : terms3(p, NULL, first, domain);
    e->n = 3;
    e->body = body;
    return e;
}

static bool parse_with(parser *p, rg_expr *e)
{
    typedef KS_VEC(rg_with) withvec;
    withvec w = {0};
    while (at_kw(p, "with")) {
        next(p);
        rg_term *target = parse_primary(p);
        if (!target)
            goto fail;
        if (!is_ident(&p->L.t, "as")) {
            perr(p, "expected as");
            goto fail;
        }
        next(p);
        rg_term *value = parse_term(p);
        if (!value)
            goto fail;
        ks_vec_push(&w, ((rg_with){target, value}));
    }
    if (w.len) {
        e->with = ks_arena_memdup(p->a, w.v, w.len * sizeof *w.v);
        e->nwith = (uint32_t)w.len;
    }
    ks_vec_free(&w);
    return true;
fail:
    ks_vec_free(&w);
    return false;
}

static rg_expr *parse_literal_inner(parser *p);
static rg_expr *parse_logic_or(parser *p);

static rg_expr *parse_literal(parser *p)
{
    size_t start = (size_t)(p->L.t.s - p->src);
    rg_expr *e =
            (p->kw_and || p->kw_or || p->kw_notbody) ? parse_logic_or(p) : parse_literal_inner(p);
    if (e && e->type == RG_E_LOGIC) {
        /* `a or b with x` applies x to the whole expression */
        rg_expr *last = e;
        while (last->type == RG_E_LOGIC)
            last = last->body2->exprs[0];
        if (last->nwith && last->type != RG_E_GROUP) {
            e->with = last->with;
            e->nwith = last->nwith;
            last->with = NULL;
            last->nwith = 0;
        }
    }
    if (e) {
        e->src_off = (uint32_t)start;
        size_t end = p->L.prev_end > start ? p->L.prev_end : start;
        e->src_len = (uint32_t)(end - start);
    }
    return e;
}

static rg_expr *parse_literal_inner(parser *p)
{
    rg_loc loc = here(p);
    bool negated = false;
    if (is_ident(&p->L.t, "not") && !followed_by_ref(p)) {
        negated = true;
        next(p);
    }
    rg_expr *e = NULL;
    if (is_ident(&p->L.t, "some") && !followed_by_ref(p)) {
        if (negated) {
            perr_unexpected(p);
            return NULL;
        }
        e = parse_some(p, loc);
    } else if (at_kw(p, "every") && !followed_by_ref(p)) {
        if (negated) {
            perr(p, "unexpected every keyword: illegal negation of 'every'");
            return NULL;
        }
        e = parse_every(p, loc);
    } else {
        rg_term *lhs = parse_term(p);
        if (!lhs)
            return NULL;
        /* k, v in xs */
        if (p->L.t.type == T_COMMA && p->nest >= 0) {
            lexstate save = p->L;
            next(p);
            rg_term *second = parse_infix(p, 1, false);
            if (second && at_kw(p, "in")) {
                next(p);
                rg_term *dom = parse_infix(p, 1, false);
                if (!dom)
                    return NULL;
                rg_term **items = ks_arena_alloc(p->a, 4 * sizeof *items);
                items[0] = op_var(p, "internal.member_3", loc);
                items[1] = lhs;
                items[2] = second;
                items[3] = dom;
                lhs = rg_term_list(p->a, RG_CALL, items, 4, loc);
                /* (k, v in xs) in ys */
                while (lhs && at_kw(p, "in") && !(p->nest == 0 && p->L.t.nl)) {
                    rg_loc l2 = here(p);
                    next(p);
                    rg_term *rhs = parse_infix(p, 1, false);
                    if (!rhs)
                        return NULL;
                    lhs = make_call(p, "internal.member_2", l2, lhs, rhs);
                }
            } else {
                p->failed = 0;
                p->L = save;
            }
        }
        if (p->L.t.type == T_ASSIGN || p->L.t.type == T_UNIFY) {
            const char *op = p->L.t.type == T_ASSIGN ? "assign" : "eq";
            if (p->nest == 0 && p->L.t.nl)
                goto single;
            next(p);
            rg_term *rhs = parse_term(p);
            if (!rhs)
                return NULL;
            if (p->L.t.type == T_COMMA) {
                /* x := k, v in xs */
                next(p);
                rg_term *v = parse_infix(p, 1, false);
                if (!v || !at_kw(p, "in")) {
                    if (v)
                        perr_unexpected(p);
                    return NULL;
                }
                next(p);
                rg_term *dom = parse_infix(p, 1, false);
                rg_term **items = dom ? ks_arena_alloc(p->a, 4 * sizeof *items) : NULL;
                if (!items)
                    return NULL;
                items[0] = op_var(p, "internal.member_3", loc);
                items[1] = rhs;
                items[2] = v;
                items[3] = dom;
                rhs = rg_term_list(p->a, RG_CALL, items, 4, loc);
            }
            e = expr_new(p, RG_E_CALL, loc);
            if (!e)
                return NULL;
            e->terms = terms3(p, op_var(p, op, loc), lhs, rhs);
            e->n = 3;
        } else {
        single:
            if (lhs->type == RG_CALL) {
                e = expr_new(p, RG_E_CALL, loc);
                if (!e)
                    return NULL;
                e->terms = lhs->u.list.items;
                e->n = lhs->u.list.n;
            } else {
                e = expr_new(p, RG_E_TERM, loc);
                if (!e)
                    return NULL;
                e->terms = ks_arena_alloc(p->a, sizeof *e->terms);
                e->terms[0] = lhs;
                e->n = 1;
            }
        }
    }
    if (!e)
        return NULL;
    e->negated = negated;
    e->notbody = negated && p->kw_notbody;
    if (!parse_with(p, e))
        return NULL;
    return e;
}

typedef KS_VEC(rg_expr *) exprvec;

static rg_body *body_of(parser *p, rg_expr *e)
{
    rg_body *b = ks_arena_calloc(p->a, 1, sizeof *b);
    rg_expr **x = ks_arena_alloc(p->a, sizeof *x);
    if (!b || !x) {
        perr(p, "out of memory");
        return NULL;
    }
    x[0] = e;
    b->exprs = x;
    b->n = 1;
    b->loc = e->loc;
    return b;
}

/* An operand of and/or: `{ body }` when followed by and/or, `not { body }`,
 * or an ordinary literal. */
static rg_expr *parse_logic_operand(parser *p)
{
    rg_loc loc = here(p);
    bool negated = false;
    lexstate save = p->L;
    if (p->kw_notbody && is_ident(&p->L.t, "not") && !followed_by_ref(p)) {
        next(p);
        negated = true;
    }
    if (p->L.t.type == T_LPAREN) {
        /* ( a or b ): a parenthesized logic expression; otherwise a term */
        lexstate save2 = p->L;
        int nest = p->nest;
        next(p);
        p->nest++;
        rg_expr *inner = parse_logic_or(p);
        p->nest = nest;
        if (inner && !p->failed && p->L.t.type == T_RPAREN &&
            (inner->type == RG_E_LOGIC || inner->type == RG_E_GROUP || inner->nwith)) {
            next(p);
            if (!peek_binop(p, false) && !at_kw(p, "in")) {
                rg_expr *e = expr_new(p, RG_E_GROUP, loc);
                if (!e)
                    return NULL;
                e->body = body_of(p, inner);
                e->negated = negated;
                if (!parse_with(p, e))
                    return NULL;
                return e;
            }
        }
        p->failed = 0;
        p->L = negated ? save : save2;
        if (negated)
            return parse_literal_inner(p);
        return parse_literal_inner(p);
    }
    if (p->L.t.type == T_LBRACE) {
        lexstate save2 = p->L;
        int nest = p->nest;
        next(p);
        rg_body *b = parse_body_until(p, T_RBRACE);
        if (b && !p->failed &&
            (negated || at_kw(p, "and") || at_kw(p, "or") || p->L.t.nl || p->L.t.type == T_RBRACE ||
             p->L.t.type == T_SEMI || p->L.t.type == T_EOF || p->L.t.type == T_RBRACK)) {
            rg_expr *e = expr_new(p, RG_E_GROUP, loc);
            if (!e)
                return NULL;
            e->body = b;
            e->negated = negated;
            return e;
        }
        /* not a body: a set or object term */
        p->failed = 0;
        p->nest = nest;
        p->L = negated ? save : save2;
        if (negated)
            return parse_literal_inner(p);
    } else if (negated) {
        p->L = save;
    }
    return parse_literal_inner(p);
}

static rg_expr *logic_new(parser *p, rg_expr *l, rg_expr *r, int op, rg_loc loc)
{
    rg_expr *e = expr_new(p, RG_E_LOGIC, loc);
    if (!e)
        return NULL;
    e->body = body_of(p, l);
    e->body2 = body_of(p, r);
    e->nargs = op;
    return e->body && e->body2 ? e : NULL;
}

static rg_expr *parse_logic_and(parser *p)
{
    rg_loc loc = here(p);
    rg_expr *l = parse_logic_operand(p);
    while (l && p->kw_and && at_kw(p, "and") && !(p->nest == 0 && p->L.t.nl)) {
        next(p);
        rg_expr *r = parse_logic_operand(p);
        if (!r)
            return NULL;
        l = logic_new(p, l, r, 0, loc);
    }
    return l;
}

static rg_expr *parse_logic_or(parser *p)
{
    rg_loc loc = here(p);
    rg_expr *l = parse_logic_and(p);
    while (l && p->kw_or && at_kw(p, "or") && !(p->nest == 0 && p->L.t.nl)) {
        next(p);
        rg_expr *r = parse_logic_and(p);
        if (!r)
            return NULL;
        l = logic_new(p, l, r, 1, loc);
    }
    return l;
}

/* Expressions separated by newlines or ';' until the close token (consumed),
 * or until EOF when close is T_EOF. */
static rg_body *parse_body_until(parser *p, int close)
{
    rg_body *b = ks_arena_calloc(p->a, 1, sizeof *b);
    if (!b)
        return NULL;
    b->loc = here(p);
    exprvec v = {0};
    int saved_nest = p->nest;
    p->nest = 0;
    while (!p->failed) {
        while (p->L.t.type == T_SEMI)
            next(p);
        if (p->L.t.type == close)
            break;
        if (p->L.t.type == T_EOF) {
            perr_unexpected(p);
            break;
        }
        rg_expr *e = parse_literal(p);
        if (!e)
            break;
        if (v.len >= PARSE_MAX_BODY) {
            perr(p, "body too long (more than %d expressions)", PARSE_MAX_BODY);
            break;
        }
        ks_vec_push(&v, e);
        if (p->L.t.type == T_SEMI || p->L.t.type == close || p->L.t.nl)
            continue;
        perr_unexpected(p);
    }
    p->nest = saved_nest;
    if (p->failed) {
        ks_vec_free(&v);
        return NULL;
    }
    if (close != T_EOF)
        next(p);
    if (v.len == 0 && close != T_EOF) {
        perr(p, "found empty body");
        ks_vec_free(&v);
        return NULL;
    }
    b->n = (uint32_t)v.len;
    b->exprs = ks_arena_memdup(p->a, v.v, v.len * sizeof *v.v);
    ks_vec_free(&v);
    return b;
}

/* ---- rules ---- */

static rg_body *true_body(parser *p, rg_loc loc)
{
    rg_body *b = ks_arena_calloc(p->a, 1, sizeof *b);
    if (b)
        b->loc = loc;
    return b;
}

/* A rule body after the head: `if { ... }`, `if expr`, `{ ... }` (v0), or none. */
static rg_body *parse_rule_body(parser *p, bool *had_body)
{
    *had_body = false;
    if (at_kw(p, "if")) {
        next(p);
        *had_body = true;
        if (p->L.t.type == T_LBRACE) {
            /* `if {` could also start an object/set term: `if {1,2}[_]`; treat as body. */
            next(p);
            return parse_body_until(p, T_RBRACE);
        }
        rg_expr *e = parse_literal(p);
        if (!e)
            return NULL;
        rg_body *b = true_body(p, e->loc);
        if (!b)
            return NULL;
        b->exprs = ks_arena_alloc(p->a, sizeof *b->exprs);
        b->exprs[0] = e;
        b->n = 1;
        return b;
    }
    if (p->L.t.type == T_LBRACE && !p->L.t.nl) {
        if (p->version >= 1) {
            perr(p, "`if` keyword is required before rule body");
            return NULL;
        }
        *had_body = true;
        next(p);
        return parse_body_until(p, T_RBRACE);
    }
    return true_body(p, here(p));
}

static rg_rule *rule_new(parser *p, rg_loc loc)
{
    rg_rule *r = ks_arena_calloc(p->a, 1, sizeof *r);
    if (!r)
        perr(p, "out of memory");
    else
        r->loc = loc;
    return r;
}

typedef KS_VEC(rg_rule *) rulevec;

static bool valid_head_ref(rg_term *t)
{
    if (t->type == RG_VAR)
        return !t->wildcard;
    if (t->type != RG_REF || t->u.list.items[0]->type != RG_VAR)
        return false;
    return true;
}

static rg_term *as_ref(parser *p, rg_term *t)
{
    if (t->type == RG_REF)
        return t;
    rg_term **items = ks_arena_alloc(p->a, sizeof *items);
    items[0] = t;
    return rg_term_list(p->a, RG_REF, items, 1, t->loc);
}

static bool parse_else_chain(parser *p, rg_rule *first)
{
    rg_rule *prev = first;
    while (is_ident(&p->L.t, "else") && !followed_by_ref(p)) {
        rg_loc loc = here(p);
        next(p);
        rg_rule *r = rule_new(p, loc);
        if (!r)
            return false;
        *r = *first;
        r->loc = loc;
        r->is_else = true;
        r->els = NULL;
        r->value = NULL;
        if (p->L.t.type == T_ASSIGN || p->L.t.type == T_UNIFY) {
            r->assign = p->L.t.type == T_ASSIGN;
            next(p);
            r->value = parse_term(p);
            if (!r->value)
                return false;
        }
        bool had;
        r->body = parse_rule_body(p, &had);
        if (!r->body)
            return false;
        prev->els = r;
        prev = r;
    }
    return true;
}

static const kv_value *take_meta(parser *p, const char *dflt_scope);

static bool parse_rule(parser *p, rg_module *m, rulevec *out)
{
    const kv_value *meta = take_meta(p, "rule");
    if (p->failed)
        return false;
    rg_loc loc = here(p);
    bool is_default = false;
    if (is_ident(&p->L.t, "default") && !followed_by_ref(p)) {
        is_default = true;
        next(p);
    }
    rg_term *head = parse_primary(p);
    if (!head)
        return false;
    rg_rule *r = rule_new(p, loc);
    if (!r)
        return false;
    r->module = m;
    r->meta = meta;
    r->is_default = is_default;
    if (head->type == RG_CALL) {
        r->kind = RG_RK_FUNC;
        rg_term *op = head->u.list.items[0];
        if (!valid_head_ref(op)) {
            perr(p, "invalid rule head");
            return false;
        }
        r->ref = as_ref(p, op);
        r->nargs = head->u.list.n - 1;
        r->args = head->u.list.items + 1;
    } else if (valid_head_ref(head)) {
        r->ref = as_ref(p, head);
        r->kind = RG_RK_COMPLETE;
    } else {
        perr(p, "invalid rule head");
        return false;
    }
    if (at_kw(p, "contains")) {
        if (r->kind == RG_RK_FUNC || is_default) {
            perr_unexpected(p);
            return false;
        }
        next(p);
        r->kind = RG_RK_SET;
        r->key = parse_term(p);
        if (!r->key)
            return false;
    } else if (p->L.t.type == T_ASSIGN || p->L.t.type == T_UNIFY) {
        r->assign = p->L.t.type == T_ASSIGN;
        next(p);
        r->value = parse_term(p);
        if (!r->value)
            return false;
    } else if (r->kind != RG_RK_FUNC && r->ref->u.list.n == 2 && p->version == 0 &&
               !at_kw(p, "if") && !is_default && r->ref->u.list.items[1]->bracket) {
        /* v0 partial set: p[x] { ... } (a.b { ... } and p[q][r] { ... } are
         * rules with the value true, as in OPA) */
        rg_term *ref = r->ref;
        r->kind = RG_RK_SET;
        r->key = ref->u.list.items[ref->u.list.n - 1];
        if (ref->u.list.n == 2) {
            r->ref = as_ref(p, ref->u.list.items[0]);
        } else {
            r->ref = rg_term_list(p->a, RG_REF, ref->u.list.items, ref->u.list.n - 1, ref->loc);
        }
    }
    if (is_default) {
        if (!r->value) {
            perr(p, "default rule value cannot be empty");
            return false;
        }
        r->body = true_body(p, loc);
        ks_vec_push(out, r);
        return true;
    }
    bool had_body;
    r->body = parse_rule_body(p, &had_body);
    if (!r->body)
        return false;
    if (!parse_else_chain(p, r))
        return false;
    ks_vec_push(out, r);
    /* v0: additional bodies `p { a } { b }` */
    while (p->version == 0 && p->L.t.type == T_LBRACE && !p->L.t.nl) {
        next(p);
        rg_rule *r2 = rule_new(p, here(p));
        if (!r2)
            return false;
        *r2 = *r;
        r2->els = NULL;
        r2->body = parse_body_until(p, T_RBRACE);
        if (!r2->body)
            return false;
        ks_vec_push(out, r2);
    }
    return !p->failed;
}

/* ---- imports and modules ---- */

static bool import_keywords(parser *p, rg_term *path)
{
    /* future.keywords[.kw], rego.v1 */
    if (path->type != RG_REF)
        return false;
    rg_term *h = path->u.list.items[0];
    if (h->type != RG_VAR)
        return false;
    if (h->u.var.len == 4 && !memcmp(h->u.var.name, "rego", 4)) {
        if (path->u.list.n == 2 && path->u.list.items[1]->type == RG_VALUE &&
            path->u.list.items[1]->u.v.len == 2 &&
            (!memcmp(path->u.list.items[1]->u.v.u.s, "v1", 2) ||
             !memcmp(path->u.list.items[1]->u.v.u.s, "v2", 2))) {
            p->kw_if = p->kw_contains = p->kw_in = p->kw_every = true;
            if (path->u.list.items[1]->u.v.u.s[1] == '2')
                p->kw_and = p->kw_or = p->kw_notbody = true;
            return true;
        }
        perr(p, "invalid import, must be `rego.v1`");
        return true;
    }
    if (!(h->u.var.len == 6 && !memcmp(h->u.var.name, "future", 6)))
        return false;
    if (path->u.list.n < 2 || path->u.list.items[1]->type != RG_VALUE ||
        strcmp(path->u.list.items[1]->u.v.u.s, "keywords")) {
        perr(p, "invalid import, must be `future.keywords`");
        return true;
    }
    if (path->u.list.n == 2) {
        p->kw_if = p->kw_contains = p->kw_in = p->kw_every = true;
        p->kw_and = p->kw_or = p->kw_notbody = true;
        return true;
    }
    const char *kw = path->u.list.items[2]->type == RG_VALUE ? path->u.list.items[2]->u.v.u.s : "";
    if (!strcmp(kw, "if"))
        p->kw_if = true;
    else if (!strcmp(kw, "contains"))
        p->kw_contains = true;
    else if (!strcmp(kw, "in"))
        p->kw_in = true;
    else if (!strcmp(kw, "every"))
        p->kw_every = p->kw_in = true;
    else if (!strcmp(kw, "and"))
        p->kw_and = true;
    else if (!strcmp(kw, "or"))
        p->kw_or = true;
    else if (!strcmp(kw, "not"))
        p->kw_notbody = true;
    else
        perr(p, "unexpected keyword, must be one of [contains every if in]");
    return true;
}

/* The pending METADATA block as a value (YAML with the comment marks
 * removed), with OPA's normalisation: authors as {name, email}, scope set.
 * NULL when there is none; a malformed block is a parse error. */
static const kv_value *take_meta(parser *p, const char *dflt_scope)
{
    if (!p->meta_start)
        return NULL;
    ks_buf y = KS_BUF_INIT;
    const char *s = p->src;
    for (size_t i = p->meta_start; i < p->meta_end;) {
        size_t e = i;
        while (e < p->meta_end && s[e] != '\n')
            e++;
        size_t k = i;
        if (k < e && s[k] == '#')
            k++;
        if (k < e && s[k] == ' ')
            k++;
        ks_buf_append(&y, s + k, e - k);
        ks_buf_putc(&y, '\n');
        i = e + 1;
    }
    p->meta_start = 0;
    kv_value doc;
    ks_error e;
    kv_yaml_opts yo = {.source = p->file};
    int rc = kv_yaml_parse(p->a, y.data ? y.data : "", y.len, &yo, &doc, &e);
    ks_buf_free(&y);
    if (rc < 0 || (doc.kind != KV_OBJECT && doc.kind != KV_NULL)) {
        perr(p, "invalid METADATA block (line %u): %s", p->meta_line,
             rc < 0 ? e.msg : "not a mapping");
        return NULL;
    }
    typedef KS_VEC(kv_member) memvec;
    memvec m = {0};
    bool has_scope = false;
    for (uint32_t i = 0; doc.kind == KV_OBJECT && i < doc.len; i++) {
        kv_member mm = doc.u.members[i];
        if (mm.key.kind == KV_STRING && mm.key.len == 5 && !memcmp(mm.key.u.s, "scope", 5))
            has_scope = true;
        if (mm.key.kind == KV_STRING && mm.key.len == 7 && !memcmp(mm.key.u.s, "authors", 7) &&
            mm.val.kind == KV_ARRAY) {
            /* "Name <email>" strings become {"name", "email"} objects */
            kv_value *items = ks_arena_alloc(p->a, (mm.val.len + 1) * sizeof *items);
            for (uint32_t j = 0; items && j < mm.val.len; j++) {
                const kv_value *a = &mm.val.u.items[j];
                items[j] = *a;
                if (a->kind != KV_STRING)
                    continue;
                const char *lt = memchr(a->u.s, '<', a->len);
                kv_member am[2];
                size_t na = 0;
                size_t nl = lt ? (size_t)(lt - a->u.s) : a->len;
                while (nl && a->u.s[nl - 1] == ' ')
                    nl--;
                kv_value nv, ev;
                if (nl && kv_str_copy(p->a, a->u.s, nl, &nv) == 0)
                    am[na++] = (kv_member){kv_str_ref("name", 4), nv};
                if (lt) {
                    const char *gt = memchr(lt, '>', a->len - (size_t)(lt - a->u.s));
                    if (gt && kv_str_copy(p->a, lt + 1, (size_t)(gt - lt - 1), &ev) == 0)
                        am[na++] = (kv_member){kv_str_ref("email", 5), ev};
                }
                kv_object_new(p->a, am, na, KV_DUP_LAST_WINS, &items[j], NULL);
            }
            if (items)
                kv_array_new(p->a, items, mm.val.len, &mm.val);
        }
        ks_vec_push(&m, mm);
    }
    if (!has_scope)
        ks_vec_push(&m, ((kv_member){kv_str_ref("scope", 5),
                                     kv_str_ref(dflt_scope, strlen(dflt_scope))}));
    kv_value *out = ks_arena_alloc(p->a, sizeof *out);
    if (!out || kv_object_new(p->a, m.v, m.len, KV_DUP_LAST_WINS, out, NULL) < 0) {
        ks_vec_free(&m);
        perr(p, "out of memory");
        return NULL;
    }
    ks_vec_free(&m);
    return out;
}

static void parser_init(parser *p, ks_arena *a, const char *file, uint32_t file_index,
                        const char *src, size_t n, int version, ks_error *err)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->src = src;
    p->n = n;
    p->file = file;
    p->file_index = file_index;
    p->version = version;
    p->err = err;
    p->L.line = 1;
    if (version >= 1)
        p->kw_if = p->kw_contains = p->kw_in = p->kw_every = true;
    next(p);
}

int rg_parse_module(ks_arena *a, const char *file, uint32_t file_index, const char *src, size_t n,
                    int version, rg_module **out, ks_error *err)
{
    parser P, *p = &P;
    parser_init(p, a, file, file_index, src, n, version, err);
    rg_module *m = ks_arena_calloc(a, 1, sizeof *m);
    if (!m)
        return ks_error_set(err, KS_ENOMEM, "out of memory");
    m->file = file;
    m->file_index = file_index;
    m->version = version;
    m->pkg_meta = take_meta(p, "package");
    if (p->failed)
        return KS_EPARSE;
    if (!is_ident(&p->L.t, "package")) {
        if (!p->failed)
            perr(p, "package expected");
        return KS_EPARSE;
    }
    next(p);
    rg_term *pkg = parse_primary(p);
    if (!pkg)
        return KS_EPARSE;
    if (pkg->type == RG_VAR)
        pkg = as_ref(p, pkg);
    if (pkg->type != RG_REF || pkg->u.list.items[0]->type != RG_VAR) {
        perr(p, "package expected");
        return KS_EPARSE;
    }
    for (uint32_t i = 1; i < pkg->u.list.n; i++)
        if (pkg->u.list.items[i]->type != RG_VALUE || pkg->u.list.items[i]->u.v.kind != KV_STRING) {
            perr(p, "invalid package path");
            return KS_EPARSE;
        }
    /* prefix with data */
    {
        rg_term **items = ks_arena_alloc(a, (pkg->u.list.n + 1) * sizeof *items);
        items[0] = rg_term_var(a, "data", 4, pkg->loc);
        rg_term *h = pkg->u.list.items[0];
        items[1] = rg_term_string(a, h->u.var.name, h->u.var.len, h->loc);
        for (uint32_t i = 1; i < pkg->u.list.n; i++)
            items[i + 1] = pkg->u.list.items[i];
        m->package = rg_term_list(a, RG_REF, items, pkg->u.list.n + 1, pkg->loc);
    }
    typedef KS_VEC(rg_import) impvec;
    impvec imps = {0};
    rulevec rules = {0};
    while (!p->failed && is_ident(&p->L.t, "import") && !followed_by_ref(p)) {
        rg_loc loc = here(p);
        next(p);
        rg_term *path = parse_primary(p);
        if (!path)
            break;
        if (import_keywords(p, path))
            continue;
        if (path->type == RG_VAR)
            path = as_ref(p, path);
        if (path->type != RG_REF) {
            perr(p, "invalid import path: must begin with input or data");
            break;
        }
        rg_term *h = path->u.list.items[0];
        if (h->type != RG_VAR || !((h->u.var.len == 4 && !memcmp(h->u.var.name, "data", 4)) ||
                                   (h->u.var.len == 5 && !memcmp(h->u.var.name, "input", 5)))) {
            perr(p, "invalid import path: must begin with input or data");
            break;
        }
        rg_import im = {.path = path, .loc = loc};
        if (is_ident(&p->L.t, "as")) {
            next(p);
            if (p->L.t.type != T_IDENT) {
                perr_unexpected(p);
                break;
            }
            im.alias = ks_arena_strndup(a, p->L.t.s, p->L.t.n);
            im.alias_len = (uint32_t)p->L.t.n;
            next(p);
        }
        ks_vec_push(&imps, im);
    }
    while (!p->failed && p->L.t.type != T_EOF) {
        if (is_ident(&p->L.t, "import") && !followed_by_ref(p)) {
            perr(p, "imports must appear before rules");
            break;
        }
        if (is_ident(&p->L.t, "package") && !followed_by_ref(p)) {
            perr(p, "unexpected package keyword");
            break;
        }
        if (!parse_rule(p, m, &rules))
            break;
        if (!p->failed && p->L.t.type != T_EOF && !p->L.t.nl) {
            perr_unexpected(p);
            break;
        }
    }
    if (p->failed) {
        ks_vec_free(&imps);
        ks_vec_free(&rules);
        return KS_EPARSE;
    }
    m->nimports = (uint32_t)imps.len;
    m->imports = imps.len ? ks_arena_memdup(a, imps.v, imps.len * sizeof *imps.v) : NULL;
    m->nrules = (uint32_t)rules.len;
    m->rules = rules.len ? ks_arena_memdup(a, rules.v, rules.len * sizeof *rules.v) : NULL;
    /* keyword flags used by the module are remembered in version for v0 */
    ks_vec_free(&imps);
    ks_vec_free(&rules);
    *out = m;
    return 0;
}

int rg_parse_query(ks_arena *a, const char *file, uint32_t file_index, const char *src, size_t n,
                   int version, rg_body **out, ks_error *err)
{
    parser P, *p = &P;
    parser_init(p, a, file, file_index, src, n, version, err);
    /* queries always understand the future keywords */
    p->kw_if = p->kw_contains = p->kw_in = p->kw_every = true;
    rg_body *b = parse_body_until(p, T_EOF);
    if (!b || p->failed)
        return KS_EPARSE;
    if (b->n == 0) {
        perr(p, "empty query");
        return KS_EPARSE;
    }
    *out = b;
    return 0;
}

int rg_parse_term(ks_arena *a, const char *src, size_t n, rg_term **out, ks_error *err)
{
    parser P, *p = &P;
    parser_init(p, a, "<term>", 0, src, n, 1, err);
    rg_term *t = parse_term(p);
    if (!t || p->failed)
        return KS_EPARSE;
    if (p->L.t.type != T_EOF) {
        perr_unexpected(p);
        return KS_EPARSE;
    }
    *out = t;
    return 0;
}
