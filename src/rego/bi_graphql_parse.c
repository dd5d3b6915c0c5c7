/*
 * GraphQL parser for query documents and schema documents, following
 * gqlparser's parser step by step: the first error wins and parsing
 * continues without effect after it; comments attach to nodes exactly where
 * gqlparser attaches them (a node takes the comments read while peeking at
 * its first token, and next() forgets them).
 */
#include <stdarg.h>
#include <string.h>

#include "core/error.h"
#include "rego/bi_graphql_lex.h"

typedef struct parser {
    ks_arena *a;
    rg_gql_lexer lex;
    bool failed;
    rg_gql_err err;
    bool peeked;
    rg_gql_token peek_tok;
    rg_gql_token prev;
    rg_gql_comments *comment;
    bool comment_consuming;
    int depth;
    bool oom;
} parser;

typedef struct desc {
    rg_gql_str text;
    rg_gql_comments *comment;
    bool present;
} desc;

static const rg_gql_str empty_str = {"", 0};

static void fail_oom(parser *p)
{
    p->oom = true;
    if (!p->failed) {
        p->failed = true;
        p->err.msg = RG_GQL_S("out of memory");
    }
}

static void *new_node(parser *p, size_t size)
{
    void *x = ks_arena_calloc(p->a, 1, size);
    if (!x)
        fail_oom(p);
    return x;
}

#define NEW(p, T) ((T *)new_node((p), sizeof(T)))

static void push(parser *p, rg_gql_list *l, void *item)
{
    if (rg_gql_list_push(p->a, l, item) < 0)
        fail_oom(p);
}

static void fail_at(parser *p, const rg_gql_token *tok, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void fail_at(parser *p, const rg_gql_token *tok, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    ks_buf b = KS_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ks_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *m = b.err ? NULL : ks_arena_strndup(p->a, ks_buf_cstr(&b), b.len);
    p->err.msg = m ? (rg_gql_str){m, b.len} : RG_GQL_S("out of memory");
    if (!m)
        p->oom = true;
    ks_buf_free(&b);
    p->err.has_loc = true;
    p->err.line = tok->line;
    p->err.col = tok->col;
    p->err.file = tok->file;
}

/* The lexer's error carried by an invalid token becomes the parse error. */
static void take_lex_error(parser *p, const rg_gql_token *tok)
{
    if (tok->errmsg && !p->failed)
        fail_at(p, tok, "%s", tok->errmsg);
}

static void consume_comment_group(parser *p);

static rg_gql_token peek(parser *p)
{
    if (p->failed)
        return p->prev;
    if (!p->peeked) {
        p->peek_tok = rg_gql_lex(&p->lex);
        p->peeked = true;
        if (p->peek_tok.kind == RG_GQL_T_COMMENT)
            consume_comment_group(p);
    }
    return p->peek_tok;
}

static rg_gql_token next(parser *p)
{
    if (p->failed)
        return p->prev;
    if (p->peeked) {
        p->peeked = false;
        p->comment = NULL;
        p->prev = p->peek_tok;
        take_lex_error(p, &p->prev);
    } else {
        p->prev = rg_gql_lex(&p->lex);
        take_lex_error(p, &p->prev);
        if (p->prev.kind == RG_GQL_T_COMMENT)
            consume_comment_group(p);
    }
    return p->prev;
}

static void consume_comment_group(parser *p)
{
    if (p->failed || p->comment_consuming)
        return;
    p->comment_consuming = true;
    rg_gql_list items = {0};
    for (;;) {
        if (p->failed)
            break;
        rg_gql_token tok = peek(p);
        if (tok.kind != RG_GQL_T_COMMENT)
            break;
        next(p);
        rg_gql_str *s = NEW(p, rg_gql_str);
        if (!s)
            break;
        *s = tok.value;
        push(p, &items, s);
    }
    rg_gql_comments *g = NEW(p, rg_gql_comments);
    if (g && items.n) {
        g->list = ks_arena_alloc(p->a, items.n * sizeof(rg_gql_str));
        if (!g->list) {
            fail_oom(p);
        } else {
            for (size_t i = 0; i < items.n; i++)
                g->list[i] = *(rg_gql_str *)items.v[i];
            g->n = items.n;
        }
    }
    p->comment = g;
    p->comment_consuming = false;
}

static rg_gql_pos tok_pos(const rg_gql_token *t)
{
    return (rg_gql_pos){.set = true, .line = t->line, .col = t->col, .file = t->file};
}

static rg_gql_pos peek_pos(parser *p)
{
    if (p->failed)
        return (rg_gql_pos){0};
    rg_gql_token t = peek(p);
    return tok_pos(&t);
}

static rg_gql_token expect_keyword(parser *p, const char *value, rg_gql_comments **comment)
{
    rg_gql_token tok = peek(p);
    if (comment)
        *comment = p->comment;
    if (tok.kind == RG_GQL_T_NAME && rg_gql_streq_c(tok.value, value))
        return next(p);
    ks_buf b = KS_BUF_INIT;
    rg_gql_quote(&b, (rg_gql_str){value, strlen(value)});
    ks_buf_puts(&b, ", found ");
    rg_gql_tok_string(&b, &tok);
    fail_at(p, &tok, "Expected %s", ks_buf_cstr(&b));
    ks_buf_free(&b);
    return tok;
}

static rg_gql_token expect(parser *p, int kind, rg_gql_comments **comment)
{
    rg_gql_token tok = peek(p);
    if (comment)
        *comment = p->comment;
    if (tok.kind == kind)
        return next(p);
    fail_at(p, &tok, "Expected %s, found %s", rg_gql_tok_kind(kind), rg_gql_tok_kind(tok.kind));
    return tok;
}

static bool skip(parser *p, int kind)
{
    if (p->failed)
        return false;
    rg_gql_token tok = peek(p);
    if (tok.kind != kind)
        return false;
    next(p);
    return true;
}

static void unexpected_token(parser *p, const rg_gql_token *tok)
{
    ks_buf b = KS_BUF_INIT;
    rg_gql_tok_string(&b, tok);
    fail_at(p, tok, "Unexpected %s", ks_buf_cstr(&b));
    ks_buf_free(&b);
}

static void unexpected_error(parser *p)
{
    rg_gql_token tok = peek(p);
    unexpected_token(p, &tok);
}

/* The end of some(): at least one item must have been read. Returns the
 * comments before the closing token. */
static rg_gql_comments *some_end(parser *p, bool called)
{
    if (!called) {
        rg_gql_token tok = peek(p);
        fail_at(p, &tok, "expected at least one definition, found %s", rg_gql_tok_kind(tok.kind));
        return NULL;
    }
    rg_gql_comments *c = p->comment;
    next(p);
    return c;
}

#define SOME_LOOP(p, end, called) for (; peek(p).kind != (end) && !(p)->failed; (called) = true)

static bool enter_nested(parser *p)
{
    if (p->depth >= RG_GQL_MAX_NESTING) {
        rg_gql_token tok = peek(p);
        fail_at(p, &tok, "exceeded maximum nesting depth of %d", RG_GQL_MAX_NESTING);
        return false;
    }
    p->depth++;
    return true;
}

static rg_gql_comments *join_comments(parser *p, rg_gql_comments *before, rg_gql_comments *after)
{
    if (!before)
        return after;
    if (!after)
        return before;
    rg_gql_comments *g = NEW(p, rg_gql_comments);
    if (!g)
        return NULL;
    g->n = before->n + after->n;
    if (g->n) {
        g->list = ks_arena_alloc(p->a, g->n * sizeof(rg_gql_str));
        if (!g->list) {
            fail_oom(p);
            return NULL;
        }
        if (before->n)
            memcpy(g->list, before->list, before->n * sizeof(rg_gql_str));
        if (after->n)
            memcpy(g->list + before->n, after->list, after->n * sizeof(rg_gql_str));
    }
    return g;
}

static rg_gql_str parse_name(parser *p)
{
    rg_gql_token t = expect(p, RG_GQL_T_NAME, NULL);
    return t.value;
}

static desc parse_description(parser *p)
{
    desc d = {0};
    rg_gql_token tok = peek(p);
    if (tok.kind != RG_GQL_T_BLOCKSTRING && tok.kind != RG_GQL_T_STRING)
        return d;
    d.present = true;
    d.comment = p->comment;
    d.text = next(p).value;
    return d;
}

/* ---- values, types, directives ---- */

static rg_gql_value *parse_value_literal(parser *p, bool is_const);

static rg_gql_str parse_variable(parser *p)
{
    expect(p, RG_GQL_T_DOLLAR, NULL);
    return parse_name(p);
}

static rg_gql_value *parse_list(parser *p, bool is_const)
{
    if (!enter_nested(p))
        return NULL;
    rg_gql_value *v = NEW(p, rg_gql_value);
    if (!v)
        goto out;
    v->kind = RG_GQL_LISTV;
    v->pos = peek_pos(p);
    v->comment = p->comment;
    if (skip(p, RG_GQL_T_BRACKETL)) {
        while (peek(p).kind != RG_GQL_T_BRACKETR && !p->failed) {
            rg_gql_child *c = NEW(p, rg_gql_child);
            if (!c)
                break;
            c->name = empty_str;
            c->value = parse_value_literal(p, is_const);
            push(p, &v->children, c);
        }
        next(p);
    }
out:
    p->depth--;
    return v;
}

static rg_gql_value *parse_object(parser *p, bool is_const)
{
    if (!enter_nested(p))
        return NULL;
    rg_gql_value *v = NEW(p, rg_gql_value);
    if (!v)
        goto out;
    v->kind = RG_GQL_OBJECTV;
    v->pos = peek_pos(p);
    v->comment = p->comment;
    if (skip(p, RG_GQL_T_BRACEL)) {
        while (peek(p).kind != RG_GQL_T_BRACER && !p->failed) {
            rg_gql_child *c = NEW(p, rg_gql_child);
            if (!c)
                break;
            c->pos = peek_pos(p);
            c->comment = p->comment;
            c->name = parse_name(p);
            expect(p, RG_GQL_T_COLON, NULL);
            c->value = parse_value_literal(p, is_const);
            push(p, &v->children, c);
        }
        next(p);
    }
out:
    p->depth--;
    return v;
}

static rg_gql_value *parse_value_literal(parser *p, bool is_const)
{
    rg_gql_token tok = peek(p);
    int kind;
    switch (tok.kind) {
    case RG_GQL_T_BRACKETL: return parse_list(p, is_const);
    case RG_GQL_T_BRACEL: return parse_object(p, is_const);
    case RG_GQL_T_DOLLAR: {
        if (is_const) {
            unexpected_error(p);
            return NULL;
        }
        rg_gql_value *v = NEW(p, rg_gql_value);
        if (!v)
            return NULL;
        v->pos = tok_pos(&tok);
        v->raw = parse_variable(p);
        v->kind = RG_GQL_VARIABLE;
        return v;
    }
    case RG_GQL_T_INT: kind = RG_GQL_INT; break;
    case RG_GQL_T_FLOAT: kind = RG_GQL_FLOAT; break;
    case RG_GQL_T_STRING: kind = RG_GQL_STRING; break;
    case RG_GQL_T_BLOCKSTRING: kind = RG_GQL_BLOCK; break;
    case RG_GQL_T_NAME:
        if (rg_gql_streq_c(tok.value, "true") || rg_gql_streq_c(tok.value, "false"))
            kind = RG_GQL_BOOLEAN;
        else if (rg_gql_streq_c(tok.value, "null"))
            kind = RG_GQL_NULL;
        else
            kind = RG_GQL_ENUM;
        break;
    default: unexpected_error(p); return NULL;
    }
    next(p);
    rg_gql_value *v = NEW(p, rg_gql_value);
    if (!v)
        return NULL;
    v->pos = tok_pos(&tok);
    v->raw = tok.value;
    v->kind = kind;
    return v;
}

static rg_gql_list parse_arguments(parser *p, bool is_const)
{
    rg_gql_list args = {0};
    bool called = false;
    if (!skip(p, RG_GQL_T_PARENL))
        return args;
    SOME_LOOP(p, RG_GQL_T_PARENR, called)
    {
        rg_gql_arg *arg = NEW(p, rg_gql_arg);
        if (!arg)
            break;
        arg->pos = peek_pos(p);
        arg->comment = p->comment;
        arg->name = parse_name(p);
        expect(p, RG_GQL_T_COLON, NULL);
        arg->value = parse_value_literal(p, is_const);
        push(p, &args, arg);
    }
    some_end(p, called);
    return args;
}

static rg_gql_list parse_directives(parser *p, bool is_const)
{
    rg_gql_list dirs = {0};
    while (peek(p).kind == RG_GQL_T_AT) {
        if (p->failed)
            break;
        expect(p, RG_GQL_T_AT, NULL);
        rg_gql_directive *d = NEW(p, rg_gql_directive);
        if (!d)
            break;
        d->pos = peek_pos(p);
        d->name = parse_name(p);
        d->args = parse_arguments(p, is_const);
        push(p, &dirs, d);
    }
    return dirs;
}

static rg_gql_type *parse_type_ref(parser *p)
{
    rg_gql_type *t = NEW(p, rg_gql_type);
    if (!t)
        return NULL;
    bool nested = false;
    if (skip(p, RG_GQL_T_BRACKETL)) {
        if (!enter_nested(p))
            return NULL;
        nested = true;
        t->pos = peek_pos(p);
        t->elem = parse_type_ref(p);
        expect(p, RG_GQL_T_BRACKETR, NULL);
    } else {
        t->pos = peek_pos(p);
        t->named = parse_name(p);
    }
    if (skip(p, RG_GQL_T_BANG))
        t->nonnull = true;
    if (nested)
        p->depth--;
    return t;
}

/* ---- query documents ---- */

static rg_gql_list parse_optional_selset(parser *p);

static rg_gql_list parse_required_selset(parser *p)
{
    rg_gql_token tok = peek(p);
    if (tok.kind != RG_GQL_T_BRACEL) {
        fail_at(p, &tok, "Expected %s, found %s", rg_gql_tok_kind(RG_GQL_T_BRACEL),
                rg_gql_tok_kind(tok.kind));
        return (rg_gql_list){0};
    }
    return parse_optional_selset(p);
}

static rg_gql_str parse_fragment_name(parser *p)
{
    if (rg_gql_streq_c(peek(p).value, "on")) {
        unexpected_error(p);
        return empty_str;
    }
    return parse_name(p);
}

static rg_gql_sel *parse_fragment(parser *p)
{
    rg_gql_comments *comment;
    expect(p, RG_GQL_T_SPREAD, &comment);
    rg_gql_sel *s = NEW(p, rg_gql_sel);
    if (!s)
        return NULL;
    rg_gql_token pk = peek(p);
    if (pk.kind == RG_GQL_T_NAME && !rg_gql_streq_c(pk.value, "on")) {
        s->kind = RG_GQL_SPREAD;
        s->pos = peek_pos(p);
        s->comment = comment;
        s->name = parse_fragment_name(p);
        s->dirs = parse_directives(p, false);
        return s;
    }
    s->kind = RG_GQL_INLINE;
    s->pos = peek_pos(p);
    s->comment = comment;
    s->type_cond = empty_str;
    if (rg_gql_streq_c(peek(p).value, "on")) {
        next(p);
        s->type_cond = parse_name(p);
    }
    s->dirs = parse_directives(p, false);
    s->selset = parse_required_selset(p);
    return s;
}

static rg_gql_sel *parse_field(parser *p)
{
    rg_gql_sel *f = NEW(p, rg_gql_sel);
    if (!f)
        return NULL;
    f->kind = RG_GQL_FIELD;
    f->pos = peek_pos(p);
    f->comment = p->comment;
    f->alias = parse_name(p);
    if (skip(p, RG_GQL_T_COLON))
        f->name = parse_name(p);
    else
        f->name = f->alias;
    f->args = parse_arguments(p, false);
    f->dirs = parse_directives(p, false);
    if (peek(p).kind == RG_GQL_T_BRACEL)
        f->selset = parse_optional_selset(p);
    return f;
}

static rg_gql_list parse_optional_selset(parser *p)
{
    rg_gql_list sels = {0};
    if (!enter_nested(p))
        return sels;
    bool called = false;
    if (skip(p, RG_GQL_T_BRACEL)) {
        SOME_LOOP(p, RG_GQL_T_BRACER, called)
        {
            rg_gql_sel *s = peek(p).kind == RG_GQL_T_SPREAD ? parse_fragment(p) : parse_field(p);
            if (!s)
                break;
            push(p, &sels, s);
        }
        some_end(p, called);
    }
    p->depth--;
    return sels;
}

static rg_gql_vardef *parse_vardef(parser *p)
{
    rg_gql_vardef *d = NEW(p, rg_gql_vardef);
    if (!d)
        return NULL;
    desc ds = parse_description(p);
    d->description = ds.text;
    d->pos = peek_pos(p);
    d->comment = join_comments(p, ds.comment, p->comment);
    d->variable = parse_variable(p);
    expect(p, RG_GQL_T_COLON, NULL);
    d->type = parse_type_ref(p);
    if (skip(p, RG_GQL_T_EQUALS))
        d->defval = parse_value_literal(p, true);
    d->dirs = parse_directives(p, false);
    return d;
}

static rg_gql_list parse_vardefs(parser *p)
{
    rg_gql_list defs = {0};
    bool called = false;
    if (!skip(p, RG_GQL_T_PARENL))
        return defs;
    SOME_LOOP(p, RG_GQL_T_PARENR, called)
    {
        rg_gql_vardef *d = parse_vardef(p);
        if (!d)
            break;
        push(p, &defs, d);
    }
    some_end(p, called);
    return defs;
}

static rg_gql_str parse_operation_type(parser *p)
{
    rg_gql_token tok = next(p);
    static const char *const ops[] = {"query", "mutation", "subscription"};
    for (size_t i = 0; i < 3; i++)
        if (rg_gql_streq_c(tok.value, ops[i]))
            return (rg_gql_str){ops[i], strlen(ops[i])};
    unexpected_token(p, &tok);
    return empty_str;
}

static rg_gql_opdef *parse_opdef(parser *p, desc ds)
{
    rg_gql_opdef *op = NEW(p, rg_gql_opdef);
    if (!op)
        return NULL;
    op->description = empty_str;
    op->name = empty_str;
    if (peek(p).kind == RG_GQL_T_BRACEL) {
        if (ds.present)
            unexpected_token(p, &p->prev);
        op->pos = peek_pos(p);
        op->operation = RG_GQL_S("query");
        op->selset = parse_required_selset(p);
        /* gqlparser reads the pending comments after the selection set,
         * when there are none. */
        op->comment = p->comment;
        return op;
    }
    op->description = ds.text;
    op->pos = peek_pos(p);
    op->comment = join_comments(p, ds.comment, p->comment);
    op->operation = parse_operation_type(p);
    if (peek(p).kind == RG_GQL_T_NAME)
        op->name = next(p).value;
    op->vardefs = parse_vardefs(p);
    op->dirs = parse_directives(p, false);
    op->selset = parse_required_selset(p);
    return op;
}

static rg_gql_fragdef *parse_fragdef(parser *p, desc ds)
{
    rg_gql_fragdef *d = NEW(p, rg_gql_fragdef);
    if (!d)
        return NULL;
    d->description = ds.text;
    d->pos = peek_pos(p);
    d->comment = join_comments(p, ds.comment, p->comment);
    expect_keyword(p, "fragment", NULL);
    d->name = parse_fragment_name(p);
    d->vardefs = parse_vardefs(p);
    expect_keyword(p, "on", NULL);
    d->type_cond = parse_name(p);
    d->dirs = parse_directives(p, false);
    d->selset = parse_required_selset(p);
    return d;
}

static void parser_init(parser *p, ks_arena *a, const char *src, size_t n, const char *file)
{
    memset(p, 0, sizeof(*p));
    p->a = a;
    rg_gql_lexer_init(&p->lex, a, src, n, file);
}

static int parser_finish(parser *p, rg_gql_errs *err)
{
    if (p->oom || p->lex.oom) {
        err->oom = true;
        return KS_ENOMEM;
    }
    if (!p->failed)
        return 0;
    rg_gql_err *e = ks_arena_calloc(p->a, 1, sizeof(*e));
    if (!e || rg_gql_list_push(p->a, &err->list, e) < 0) {
        err->oom = true;
        return KS_ENOMEM;
    }
    *e = p->err;
    return KS_EPARSE;
}

int rg_gql_parse_query(ks_arena *a, const char *src, size_t n, rg_gql_querydoc **out,
                       rg_gql_errs *err)
{
    parser p;
    parser_init(&p, a, src, n, "");
    rg_gql_querydoc *doc = NEW(&p, rg_gql_querydoc);
    while (doc && peek(&p).kind != RG_GQL_T_EOF) {
        if (p.failed)
            break;
        desc ds = parse_description(&p);
        rg_gql_token tok = peek(&p);
        if (tok.kind == RG_GQL_T_NAME) {
            if (rg_gql_streq_c(tok.value, "query") || rg_gql_streq_c(tok.value, "mutation") ||
                rg_gql_streq_c(tok.value, "subscription"))
                push(&p, &doc->ops, parse_opdef(&p, ds));
            else if (rg_gql_streq_c(tok.value, "fragment"))
                push(&p, &doc->frags, parse_fragdef(&p, ds));
            else
                unexpected_error(&p);
        } else if (tok.kind == RG_GQL_T_BRACEL) {
            push(&p, &doc->ops, parse_opdef(&p, ds));
        } else {
            unexpected_error(&p);
        }
    }
    *out = doc;
    return parser_finish(&p, err);
}

/* ---- schema documents ---- */

static rg_gql_fielddef *parse_input_value(parser *p, bool is_field)
{
    rg_gql_fielddef *d = NEW(p, rg_gql_fielddef);
    if (!d)
        return NULL;
    d->description = empty_str;
    desc ds = parse_description(p);
    if (ds.text.n) {
        d->before = ds.comment;
        d->description = ds.text;
    }
    peek(p);
    d->after = p->comment;
    d->pos = peek_pos(p);
    d->name = parse_name(p);
    if (is_field) {
        bool called = false;
        if (skip(p, RG_GQL_T_PARENL)) {
            SOME_LOOP(p, RG_GQL_T_PARENR, called)
            {
                rg_gql_fielddef *a = parse_input_value(p, false);
                if (!a)
                    break;
                push(p, &d->args, a);
            }
            some_end(p, called);
        }
    }
    expect(p, RG_GQL_T_COLON, NULL);
    d->type = parse_type_ref(p);
    if (!is_field && skip(p, RG_GQL_T_EQUALS))
        d->defval = parse_value_literal(p, true);
    d->dirs = parse_directives(p, true);
    return d;
}

static rg_gql_list parse_argdefs(parser *p)
{
    rg_gql_list args = {0};
    bool called = false;
    if (!skip(p, RG_GQL_T_PARENL))
        return args;
    SOME_LOOP(p, RG_GQL_T_PARENR, called)
    {
        rg_gql_fielddef *a = parse_input_value(p, false);
        if (!a)
            break;
        push(p, &args, a);
    }
    some_end(p, called);
    return args;
}

/* Fields of an object or interface (is_field) or of an input object. */
static rg_gql_list parse_fields(parser *p, bool is_field, rg_gql_comments **end)
{
    rg_gql_list fields = {0};
    bool called = false;
    *end = NULL;
    if (!skip(p, RG_GQL_T_BRACEL))
        return fields;
    SOME_LOOP(p, RG_GQL_T_BRACER, called)
    {
        rg_gql_fielddef *f = parse_input_value(p, is_field);
        if (!f)
            break;
        push(p, &fields, f);
    }
    *end = some_end(p, called);
    return fields;
}

static void parse_implements(parser *p, rg_gql_def *d)
{
    if (!rg_gql_streq_c(peek(p).value, "implements"))
        return;
    next(p);
    skip(p, RG_GQL_T_AMP);
    do {
        rg_gql_str *s = NEW(p, rg_gql_str);
        if (!s)
            return;
        *s = parse_name(p);
        push(p, &d->interfaces, s);
    } while (skip(p, RG_GQL_T_AMP) && !p->failed);
}

static void parse_union_members(parser *p, rg_gql_def *d)
{
    if (!skip(p, RG_GQL_T_EQUALS))
        return;
    skip(p, RG_GQL_T_PIPE);
    do {
        rg_gql_pos *pos = NEW(p, rg_gql_pos);
        rg_gql_str *s = NEW(p, rg_gql_str);
        if (!pos || !s)
            return;
        *pos = peek_pos(p);
        push(p, &d->type_pos, pos);
        *s = parse_name(p);
        push(p, &d->types, s);
    } while (skip(p, RG_GQL_T_PIPE) && !p->failed);
}

static rg_gql_list parse_enum_values(parser *p, rg_gql_comments **end)
{
    rg_gql_list vals = {0};
    bool called = false;
    *end = NULL;
    if (!skip(p, RG_GQL_T_BRACEL))
        return vals;
    SOME_LOOP(p, RG_GQL_T_BRACER, called)
    {
        rg_gql_enumval *v = NEW(p, rg_gql_enumval);
        if (!v)
            break;
        v->description = empty_str;
        desc ds = parse_description(p);
        if (ds.text.n) {
            v->before = ds.comment;
            v->description = ds.text;
        }
        peek(p);
        v->after = p->comment;
        v->pos = peek_pos(p);
        v->name = parse_name(p);
        v->dirs = parse_directives(p, true);
        push(p, &vals, v);
    }
    *end = some_end(p, called);
    return vals;
}

static const struct {
    const char *keyword, *kind;
} type_keywords[] = {
        {"scalar", "SCALAR"}, {"type", "OBJECT"}, {"interface", "INTERFACE"},
        {"union", "UNION"},   {"enum", "ENUM"},   {"input", "INPUT_OBJECT"},
};

static int type_keyword(rg_gql_str v)
{
    for (int i = 0; i < 6; i++)
        if (rg_gql_streq_c(v, type_keywords[i].keyword))
            return i;
    return -1;
}

/* A type definition (ext false) or extension of kind type_keywords[k]. */
static rg_gql_def *parse_type_def(parser *p, int k, desc ds, bool ext, rg_gql_comments *ext_comment)
{
    rg_gql_def *d = NEW(p, rg_gql_def);
    if (!d)
        return NULL;
    rg_gql_comments *comment = NULL;
    expect_keyword(p, type_keywords[k].keyword, &comment);
    d->pos = peek_pos(p);
    d->kind = (rg_gql_str){type_keywords[k].kind, strlen(type_keywords[k].kind)};
    d->description = empty_str;
    if (ext) {
        d->after = ext_comment;
    } else {
        d->before = ds.comment;
        d->description = ds.text;
        d->after = comment;
    }
    d->name = parse_name(p);
    const char *kw = type_keywords[k].keyword;
    bool is_obj = !strcmp(kw, "type") || !strcmp(kw, "interface");
    if (is_obj)
        parse_implements(p, d);
    /* An input object extension's directives may take variables. */
    d->dirs = parse_directives(p, !(ext && !strcmp(kw, "input")));
    if (is_obj || !strcmp(kw, "input"))
        d->fields = parse_fields(p, is_obj, &d->end);
    else if (!strcmp(kw, "union"))
        parse_union_members(p, d);
    else if (!strcmp(kw, "enum"))
        d->enumvals = parse_enum_values(p, &d->end);
    if (ext) {
        bool empty = d->dirs.n == 0;
        if (is_obj)
            empty = empty && d->interfaces.n == 0 && d->fields.n == 0;
        else if (!strcmp(kw, "union"))
            empty = empty && d->types.n == 0;
        else if (!strcmp(kw, "enum"))
            empty = empty && d->enumvals.n == 0;
        else if (!strcmp(kw, "input"))
            empty = empty && d->fields.n == 0;
        if (empty)
            unexpected_error(p);
    }
    return d;
}

static rg_gql_list parse_optypes(parser *p, rg_gql_comments **end)
{
    rg_gql_list ops = {0};
    bool called = false;
    *end = NULL;
    if (!skip(p, RG_GQL_T_BRACEL))
        return ops;
    SOME_LOOP(p, RG_GQL_T_BRACER, called)
    {
        rg_gql_optype *o = NEW(p, rg_gql_optype);
        if (!o)
            break;
        o->pos = peek_pos(p);
        o->comment = p->comment;
        o->operation = parse_operation_type(p);
        expect(p, RG_GQL_T_COLON, NULL);
        o->type = parse_name(p);
        push(p, &ops, o);
    }
    *end = some_end(p, called);
    return ops;
}

static rg_gql_schemadef *parse_schemadef(parser *p, desc ds, bool ext, rg_gql_comments *ext_comment)
{
    rg_gql_schemadef *d = NEW(p, rg_gql_schemadef);
    if (!d)
        return NULL;
    rg_gql_comments *comment = NULL;
    expect_keyword(p, "schema", &comment);
    d->pos = peek_pos(p);
    d->description = empty_str;
    if (ext) {
        d->after = ext_comment;
    } else {
        d->before = ds.comment;
        d->description = ds.text;
        d->after = comment;
    }
    d->dirs = parse_directives(p, true);
    d->optypes = parse_optypes(p, &d->end);
    if (ext && d->dirs.n == 0 && d->optypes.n == 0)
        unexpected_error(p);
    return d;
}

static const char *const dir_locations[] = {
        "QUERY",
        "MUTATION",
        "SUBSCRIPTION",
        "FIELD",
        "FRAGMENT_DEFINITION",
        "FRAGMENT_SPREAD",
        "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION",
        "SCHEMA",
        "SCALAR",
        "OBJECT",
        "FIELD_DEFINITION",
        "ARGUMENT_DEFINITION",
        "INTERFACE",
        "UNION",
        "ENUM",
        "ENUM_VALUE",
        "INPUT_OBJECT",
        "INPUT_FIELD_DEFINITION",
        "DIRECTIVE_DEFINITION",
};

static void parse_dir_location(parser *p, rg_gql_dirdef *d)
{
    rg_gql_token t = expect(p, RG_GQL_T_NAME, NULL);
    rg_gql_str *s = NEW(p, rg_gql_str);
    if (!s)
        return;
    *s = empty_str;
    size_t i;
    for (i = 0; i < sizeof(dir_locations) / sizeof(dir_locations[0]); i++) {
        if (rg_gql_streq_c(t.value, dir_locations[i])) {
            *s = (rg_gql_str){dir_locations[i], strlen(dir_locations[i])};
            break;
        }
    }
    if (i == sizeof(dir_locations) / sizeof(dir_locations[0]))
        unexpected_token(p, &t);
    push(p, &d->locations, s);
}

static rg_gql_dirdef *parse_dirdef(parser *p, desc ds, bool ext, rg_gql_comments *ext_comment)
{
    rg_gql_dirdef *d = NEW(p, rg_gql_dirdef);
    if (!d)
        return NULL;
    rg_gql_comments *comment = NULL;
    expect_keyword(p, "directive", &comment);
    expect(p, RG_GQL_T_AT, NULL);
    d->pos = peek_pos(p);
    d->description = empty_str;
    if (ext) {
        d->after = ext_comment;
        d->name = parse_name(p);
        d->dirs = parse_directives(p, true);
        if (d->dirs.n == 0)
            unexpected_error(p);
        return d;
    }
    d->before = ds.comment;
    d->description = ds.text;
    d->after = comment;
    d->name = parse_name(p);
    d->args = parse_argdefs(p);
    d->dirs = parse_directives(p, true);
    rg_gql_token pk = peek(p);
    if (pk.kind == RG_GQL_T_NAME && rg_gql_streq_c(pk.value, "repeatable")) {
        d->repeatable = true;
        skip(p, RG_GQL_T_NAME);
    }
    expect_keyword(p, "on", NULL);
    skip(p, RG_GQL_T_PIPE);
    do
        parse_dir_location(p, d);
    while (skip(p, RG_GQL_T_PIPE) && !p->failed);
    return d;
}

static void parse_extension(parser *p, rg_gql_schemadoc *doc)
{
    rg_gql_comments *comment = NULL;
    expect_keyword(p, "extend", &comment);
    rg_gql_str v = peek(p).value;
    desc none = {0};
    int k = type_keyword(v);
    if (rg_gql_streq_c(v, "schema"))
        push(p, &doc->schema_ext, parse_schemadef(p, none, true, comment));
    else if (k >= 0)
        push(p, &doc->exts, parse_type_def(p, k, none, true, comment));
    else if (rg_gql_streq_c(v, "directive"))
        push(p, &doc->dir_ext, parse_dirdef(p, none, true, comment));
    else
        unexpected_error(p);
}

int rg_gql_parse_schema(ks_arena *a, const char *src, size_t n, const char *file, bool builtin,
                        rg_gql_schemadoc **out, rg_gql_errs *err)
{
    parser p;
    parser_init(&p, a, src, n, file);
    rg_gql_schemadoc *doc = NEW(&p, rg_gql_schemadoc);
    peek_pos(&p);
    while (doc && peek(&p).kind != RG_GQL_T_EOF) {
        if (p.failed)
            break;
        desc ds = {.text = empty_str};
        rg_gql_token pk = peek(&p);
        if (pk.kind == RG_GQL_T_BLOCKSTRING || pk.kind == RG_GQL_T_STRING)
            ds = parse_description(&p);
        pk = peek(&p);
        if (pk.kind != RG_GQL_T_NAME) {
            unexpected_error(&p);
            break;
        }
        int k = type_keyword(pk.value);
        if (k >= 0) {
            push(&p, &doc->defs, parse_type_def(&p, k, ds, false, NULL));
        } else if (rg_gql_streq_c(pk.value, "schema")) {
            push(&p, &doc->schema, parse_schemadef(&p, ds, false, NULL));
        } else if (rg_gql_streq_c(pk.value, "directive")) {
            push(&p, &doc->dirs, parse_dirdef(&p, ds, false, NULL));
        } else if (rg_gql_streq_c(pk.value, "extend")) {
            if (ds.text.n)
                unexpected_token(&p, &p.prev);
            parse_extension(&p, doc);
        } else {
            unexpected_error(&p);
            break;
        }
    }
    if (doc)
        doc->comment = p.comment;
    int rc = parser_finish(&p, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < doc->defs.n; i++)
        ((rg_gql_def *)doc->defs.v[i])->builtin = builtin;
    for (size_t i = 0; i < doc->exts.n; i++)
        ((rg_gql_def *)doc->exts.v[i])->builtin = builtin;
    *out = doc;
    return 0;
}
