/* Label and field selectors: lexer, parser, validation, matching. The
 * grammar and the wording of every error follow k8s.io/apimachinery's
 * labels and fields packages, since the API server returns those messages
 * to the client verbatim. */
#include "core/goquote.h"
#include "kube/selector.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

/* ---- messages ---- */

/* Appends Go's validation.RegexError text. */
static void regex_error(ks_buf *b, const char *msg, const char *re, const char *const *examples,
                        size_t nex)
{
    ks_buf_puts(b, msg);
    ks_buf_puts(b, " (e.g. ");
    for (size_t i = 0; i < nex; i++) {
        if (i > 0)
            ks_buf_puts(b, " or ");
        ks_buf_printf(b, "'%s', ", examples[i]);
    }
    ks_buf_printf(b, "regex used for validation is '%s')", re);
}

#define LABEL_KEY_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define LABEL_KEY_MSG                                                                   \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end " \
    "with an alphanumeric character"
#define LABEL_VALUE_FMT "(" LABEL_KEY_FMT ")?"
#define LABEL_VALUE_MSG                                                                      \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' " \
    "or '.', and must start and end with an alphanumeric character"
#define DNS_LABEL_FMT     "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS_SUBDOMAIN_FMT DNS_LABEL_FMT "(\\." DNS_LABEL_FMT ")*"
#define DNS_SUBDOMAIN_MSG                                                                 \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, " \
    "'-' or '.', and must start and end with an alphanumeric character"
#define LABEL_NAME_MAX    63
#define DNS_SUBDOMAIN_MAX 253

static const char *const key_examples[] = {"MyName", "my.name", "123-abc"};
static const char *const value_examples[] = {"MyValue", "my_value", "12345"};
static const char *const dns_examples[] = {"example.com"};

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool label_name_ok(const char *s, size_t n)
{
    if (n == 0 || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return false;
    }
    return true;
}

static bool dns_subdomain_ok(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            unsigned char c = (unsigned char)s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
            continue;
        }
        /* one label s[start..i) */
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

/* Appends the reasons key is not a label key, joined by "; "; returns
 * whether there was any. */
static bool label_key_errors(ks_buf *b, const char *k, size_t n)
{
    size_t start = b->len;
    const char *slash = memchr(k, '/', n);
    const char *name = k;
    size_t nname = n;
    if (slash) {
        if (memchr(slash + 1, '/', n - (size_t)(slash + 1 - k))) {
            ks_buf_puts(b, "a valid label key ");
            regex_error(b, LABEL_KEY_MSG, LABEL_KEY_FMT, key_examples, 3);
            ks_buf_puts(b, " with an optional DNS subdomain prefix and '/' (e.g. "
                           "'example.com/MyName')");
            return true;
        }
        size_t nprefix = (size_t)(slash - k);
        name = slash + 1;
        nname = n - nprefix - 1;
        if (nprefix == 0) {
            ks_buf_puts(b, "prefix part must be non-empty");
        } else {
            if (nprefix > DNS_SUBDOMAIN_MAX)
                ks_buf_printf(b, "prefix part must be no more than %d bytes", DNS_SUBDOMAIN_MAX);
            if (!dns_subdomain_ok(k, nprefix)) {
                if (b->len > start)
                    ks_buf_puts(b, "; ");
                ks_buf_puts(b, "prefix part ");
                regex_error(b, DNS_SUBDOMAIN_MSG, DNS_SUBDOMAIN_FMT, dns_examples, 1);
            }
        }
    }
    if (nname == 0) {
        if (b->len > start)
            ks_buf_puts(b, "; ");
        ks_buf_puts(b, "name part must be non-empty");
    } else if (nname > LABEL_NAME_MAX) {
        if (b->len > start)
            ks_buf_puts(b, "; ");
        ks_buf_printf(b, "name part must be no more than %d bytes", LABEL_NAME_MAX);
    }
    if (!label_name_ok(name, nname)) {
        if (b->len > start)
            ks_buf_puts(b, "; ");
        ks_buf_puts(b, "name part ");
        regex_error(b, LABEL_KEY_MSG, LABEL_KEY_FMT, key_examples, 3);
    }
    return b->len > start;
}

static bool label_value_errors(ks_buf *b, const char *v, size_t n)
{
    size_t start = b->len;
    if (n > LABEL_NAME_MAX)
        ks_buf_printf(b, "must be no more than %d bytes", LABEL_NAME_MAX);
    if (n > 0 && !label_name_ok(v, n)) {
        if (b->len > start)
            ks_buf_puts(b, "; ");
        regex_error(b, LABEL_VALUE_MSG, LABEL_VALUE_FMT, value_examples, 3);
    }
    return b->len > start;
}

static const char *buf_to_arena(ks_arena *a, ks_buf *b, size_t *len)
{
    const char *s = ks_arena_strndup(a, ks_buf_cstr(b), b->len);
    if (len)
        *len = s ? b->len : 0;
    return s;
}

const char *kube_label_key_check(ks_arena *a, const char *k, size_t n)
{
    ks_buf b = KS_BUF_INIT;
    const char *msg = NULL;
    if (label_key_errors(&b, k, n))
        msg = b.err ? "invalid label key" : buf_to_arena(a, &b, NULL);
    ks_buf_free(&b);
    return msg;
}

const char *kube_label_value_check(ks_arena *a, const char *v, size_t n)
{
    ks_buf b = KS_BUF_INIT;
    const char *msg = NULL;
    if (label_value_errors(&b, v, n))
        msg = b.err ? "invalid label value" : buf_to_arena(a, &b, NULL);
    ks_buf_free(&b);
    return msg;
}

/* ---- lexer ---- */

enum tok {
    T_END,
    T_CLOSE,
    T_COMMA,
    T_NOT,
    T_DEQ,
    T_EQ,
    T_GT,
    T_ID,
    T_IN,
    T_LT,
    T_NEQ,
    T_NOTIN,
    T_OPEN,
};

typedef struct token {
    enum tok t;
    const char *s; /* literal */
    size_t n;
    size_t pos;
} token;

typedef struct lexer {
    const char *s;
    size_t n;
    size_t pos;
    token peeked;
    bool has_peeked;
} lexer;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static token lex_next(lexer *l)
{
    while (l->pos < l->n && is_space(l->s[l->pos]))
        l->pos++;
    token t = {.t = T_END, .s = "", .n = 0, .pos = l->pos};
    if (l->pos >= l->n)
        return t;
    const char *p = l->s + l->pos;
    size_t rest = l->n - l->pos;
    t.s = p;
    if (is_special(*p)) {
        /* longest operator: "==" and "!=" before the single characters */
        if (rest >= 2 && p[1] == '=' && (p[0] == '=' || p[0] == '!')) {
            t.t = p[0] == '=' ? T_DEQ : T_NEQ;
            t.n = 2;
        } else {
            t.n = 1;
            switch (*p) {
            case '=': t.t = T_EQ; break;
            case '!': t.t = T_NOT; break;
            case '(': t.t = T_OPEN; break;
            case ')': t.t = T_CLOSE; break;
            case ',': t.t = T_COMMA; break;
            case '>': t.t = T_GT; break;
            default: t.t = T_LT; break;
            }
        }
        l->pos += t.n;
        return t;
    }
    size_t i = 0;
    while (i < rest && !is_special(p[i]) && !is_space(p[i]))
        i++;
    t.n = i;
    l->pos += i;
    if (i == 2 && memcmp(p, "in", 2) == 0)
        t.t = T_IN;
    else if (i == 5 && memcmp(p, "notin", 5) == 0)
        t.t = T_NOTIN;
    else
        t.t = T_ID;
    return t;
}

/* In the values context "in" and "notin" are identifiers. */
static token values_ctx(token t)
{
    if (t.t == T_IN || t.t == T_NOTIN)
        t.t = T_ID;
    return t;
}

static token peek(lexer *l)
{
    if (!l->has_peeked) {
        l->peeked = lex_next(l);
        l->has_peeked = true;
    }
    return values_ctx(l->peeked);
}

static token consume_raw(lexer *l)
{
    if (l->has_peeked) {
        l->has_peeked = false;
        return l->peeked;
    }
    return lex_next(l);
}

static token consume(lexer *l)
{
    return values_ctx(consume_raw(l));
}

/* ---- parser ---- */

typedef struct parser {
    ks_arena *a;
    lexer lx;
    ks_buf msg;   /* the error message being built */
    size_t epos;  /* its offset */
    int ecode;    /* KS_EPARSE or KS_EINVAL */
    size_t nreqs; /* so far */
    size_t max_reqs;
    kube_sel_req *reqs;
    size_t cap;
} parser;

static int found(parser *p, const token *t, const char *expected)
{
    ks_buf_puts(&p->msg, "found '");
    ks_buf_append(&p->msg, t->s, t->n);
    ks_buf_printf(&p->msg, "'%s", expected);
    p->epos = t->pos;
    p->ecode = KS_EPARSE;
    return KS_EPARSE;
}

static int cmp_str(const kube_str *x, const kube_str *y)
{
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

static int cmp_str_q(const void *x, const void *y)
{
    return cmp_str(x, y);
}

/* Sorted, deduplicated copy of vals[0..n) in the arena. */
static int make_values(parser *p, kube_str *vals, size_t n, kube_sel_req *r)
{
    qsort(vals, n, sizeof *vals, cmp_str_q);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || cmp_str(&vals[k - 1], &vals[i]) != 0)
            vals[k++] = vals[i];
    kube_str *out = ks_arena_alloc(p->a, (k ? k : 1) * sizeof *out);
    if (!out)
        return KS_ELIMIT;
    for (size_t i = 0; i < k; i++) {
        out[i].s = ks_arena_strndup(p->a, vals[i].s, vals[i].n);
        out[i].n = vals[i].n;
        if (!out[i].s)
            return KS_ELIMIT;
    }
    r->values = out;
    r->nvalues = k;
    return 0;
}

/* strconv.ParseInt(s, 10, 64) */
static bool parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    uint64_t v = 0;
    uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* NewRequirement's validation of the values: each error as
 * "values[i][key]: Invalid value: ...", aggregated as Go aggregates them
 * (one error alone, several as "[e1, e2]"). */
static int check_values(parser *p, const kube_sel_req *r, size_t at)
{
    size_t start = p->msg.len, count = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->nvalues; i++) {
            const kube_str *v = &r->values[i];
            ks_buf why = KS_BUF_INIT;
            if (pass == 0) {
                int64_t dummy;
                if ((r->op != KUBE_SEL_GT && r->op != KUBE_SEL_LT) ||
                    parse_int64(v->s, v->n, &dummy)) {
                    continue;
                }
                ks_buf_puts(&why, "for 'Gt', 'Lt' operators, the value must be an integer");
            } else if (!label_value_errors(&why, v->s, v->n)) {
                ks_buf_free(&why);
                continue;
            }
            ks_buf_puts(&p->msg, count ? ", " : "");
            ks_buf_printf(&p->msg, "values[%zu]", i);
            if (pass == 1) {
                ks_buf_putc(&p->msg, '[');
                ks_buf_append(&p->msg, r->key.s, r->key.n);
                ks_buf_putc(&p->msg, ']');
            }
            ks_buf_puts(&p->msg, ": Invalid value: ");
            ks_go_quote(&p->msg, v->s, v->n, '"', false);
            ks_buf_puts(&p->msg, ": ");
            ks_buf_append(&p->msg, ks_buf_cstr(&why), why.len);
            ks_buf_free(&why);
            count++;
        }
    }
    if (count == 0)
        return 0;
    if (count > 1) {
        ks_buf_putc(&p->msg, ']');
        /* the opening bracket goes before the first error */
        ks_buf_reserve(&p->msg, 1);
        if (!p->msg.err) {
            memmove(p->msg.data + start + 1, p->msg.data + start, p->msg.len - start);
            p->msg.data[start] = '[';
            p->msg.len++;
            p->msg.data[p->msg.len] = '\0';
        }
    }
    p->epos = at;
    p->ecode = KS_EINVAL;
    return KS_EINVAL;
}

static int push_req(parser *p, const kube_sel_req *r)
{
    if (p->nreqs >= p->max_reqs) {
        ks_buf_printf(&p->msg, "label selector has more than %zu requirements", p->max_reqs);
        p->ecode = KS_ELIMIT;
        return KS_ELIMIT;
    }
    if (p->nreqs == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        kube_sel_req *n = ks_arena_alloc(p->a, cap * sizeof *n);
        if (!n)
            return KS_ELIMIT;
        if (p->nreqs)
            memcpy(n, p->reqs, p->nreqs * sizeof *n);
        p->reqs = n;
        p->cap = cap;
    }
    p->reqs[p->nreqs++] = *r;
    return 0;
}

/* "(" values ")" after in / notin, into vals (capacity: the input length
 * bounds the count). */
static int parse_value_set(parser *p, kube_str *vals, size_t *nvals)
{
    token t = consume(&p->lx);
    if (t.t != T_OPEN)
        return found(p, &t, " expected: '('");
    t = peek(&p->lx);
    if (t.t == T_CLOSE) {
        consume(&p->lx);
        vals[(*nvals)++] = (kube_str){"", 0};
        return 0;
    }
    if (t.t != T_ID && t.t != T_COMMA)
        return found(p, &t, ", expected: ',', ')' or identifier");
    for (;;) {
        t = consume(&p->lx);
        if (t.t == T_ID) {
            vals[(*nvals)++] = (kube_str){t.s, t.n};
            token t2 = peek(&p->lx);
            if (t2.t == T_COMMA)
                continue;
            if (t2.t == T_CLOSE)
                break;
            return found(p, &t2, ", expected: ',' or ')'");
        } else if (t.t == T_COMMA) {
            if (*nvals == 0)
                vals[(*nvals)++] = (kube_str){"", 0};
            token t2 = peek(&p->lx);
            if (t2.t == T_CLOSE) {
                vals[(*nvals)++] = (kube_str){"", 0};
                break;
            }
            if (t2.t == T_COMMA)
                vals[(*nvals)++] = (kube_str){"", 0};
        } else {
            return found(p, &t, ", expected: ',', or identifier");
        }
    }
    consume(&p->lx); /* the ')' */
    return 0;
}

static int parse_requirement(parser *p, kube_str *vals)
{
    kube_sel_req r = {.op = KUBE_SEL_EXISTS};
    token t = consume(&p->lx);
    size_t at = t.pos;
    bool negate = false;
    if (t.t == T_NOT) {
        negate = true;
        t = consume(&p->lx);
    }
    if (t.t != T_ID)
        return found(p, &t, ", expected: identifier");
    ks_buf why = KS_BUF_INIT;
    if (label_key_errors(&why, t.s, t.n)) {
        ks_buf_puts(&p->msg, "<nil>: Invalid value: ");
        ks_go_quote(&p->msg, t.s, t.n, '"', false);
        ks_buf_puts(&p->msg, ": ");
        ks_buf_append(&p->msg, ks_buf_cstr(&why), why.len);
        ks_buf_free(&why);
        p->epos = t.pos;
        p->ecode = KS_EINVAL;
        return KS_EINVAL;
    }
    ks_buf_free(&why);
    r.key.s = ks_arena_strndup(p->a, t.s, t.n);
    r.key.n = t.n;
    if (!r.key.s)
        return KS_ELIMIT;
    token next = peek(&p->lx);
    if (negate || next.t == T_END || next.t == T_COMMA) {
        r.op = negate ? KUBE_SEL_NOT_EXISTS : KUBE_SEL_EXISTS;
        return push_req(p, &r);
    }
    t = consume_raw(&p->lx);
    size_t nvals = 0;
    int rc = 0;
    switch (t.t) {
    case T_IN:
    case T_NOTIN:
        r.op = t.t == T_IN ? KUBE_SEL_IN : KUBE_SEL_NOTIN;
        rc = parse_value_set(p, vals, &nvals);
        break;
    case T_EQ:
    case T_DEQ:
    case T_NEQ:
    case T_GT:
    case T_LT:
        r.op = t.t == T_EQ    ? KUBE_SEL_EQ
               : t.t == T_DEQ ? KUBE_SEL_DEQ
               : t.t == T_NEQ ? KUBE_SEL_NEQ
               : t.t == T_GT  ? KUBE_SEL_GT
                              : KUBE_SEL_LT;
        next = peek(&p->lx);
        if (next.t == T_END || next.t == T_COMMA) {
            vals[nvals++] = (kube_str){"", 0};
        } else {
            token v = consume(&p->lx);
            if (v.t != T_ID)
                return found(p, &v, ", expected: identifier");
            vals[nvals++] = (kube_str){v.s, v.n};
        }
        break;
    default: return found(p, &t, ", expected: in, notin, =, ==, !=, gt, lt");
    }
    if (rc)
        return rc;
    if ((rc = make_values(p, vals, nvals, &r)))
        return rc;
    if ((rc = check_values(p, &r, at)))
        return rc;
    return push_req(p, &r);
}

/* Stable sort by key (requirements with one key keep their input order);
 * insertion sort, as there are at most max_reqs of them. */
static void sort_reqs(kube_sel_req *r, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        kube_sel_req x = r[i];
        size_t j = i;
        for (; j > 0 && cmp_str(&r[j - 1].key, &x.key) > 0; j--)
            r[j] = r[j - 1];
        r[j] = x;
    }
}

static size_t lim_or(size_t v, size_t def)
{
    return v ? v : def;
}

static int fail(ks_arena *a, ks_buf *msg, int code, size_t pos, const char *source,
                const char **emsg, size_t *elen, ks_error *err)
{
    if (msg->err) {
        ks_buf_reset(msg);
        ks_buf_puts(msg, "selector error message too long");
    }
    *emsg = buf_to_arena(a, msg, elen);
    if (!*emsg) {
        /* no room even for the message: say so instead */
        static const char nomem[] = "selector: memory limit reached";
        code = KS_ELIMIT;
        *emsg = nomem;
        *elen = sizeof nomem - 1;
        ks_buf_reset(msg);
        ks_buf_puts(msg, nomem);
    }
    ks_error_at(err, code, source, 1, (int)pos + 1, pos, "%s", ks_buf_cstr(msg));
    ks_buf_free(msg);
    return code;
}

int kube_sel_parse(ks_arena *a, const char *s, size_t n, const kube_sel_limits *lim,
                   kube_label_sel *out, ks_error *err)
{
    *out = (kube_label_sel){0};
    size_t max_len = lim_or(lim ? lim->max_len : 0, KUBE_SEL_DEFAULT_MAX_LEN);
    parser p = {.a = a, .lx = {.s = s, .n = n}, .ecode = KS_EPARSE};
    p.max_reqs = lim_or(lim ? lim->max_reqs : 0, KUBE_SEL_DEFAULT_MAX_REQS);
    ks_buf_init(&p.msg, 64 * 1024);
    if (n > max_len) {
        ks_buf_printf(&p.msg, "label selector is longer than %zu bytes", max_len);
        return fail(a, &p.msg, KS_ELIMIT, max_len, "labelSelector", &out->error, &out->error_len,
                    err);
    }
    const char *nul = memchr(s, '\0', n);
    if (nul) {
        ks_buf_puts(&p.msg, "label selector contains a NUL byte");
        return fail(a, &p.msg, KS_EPARSE, (size_t)(nul - s), "labelSelector", &out->error,
                    &out->error_len, err);
    }
    /* scratch for one requirement's values: never more than the bytes + 2 */
    kube_str *vals = ks_arena_alloc(a, (n + 2) * sizeof *vals);
    if (!vals) {
        ks_buf_puts(&p.msg, "label selector: memory limit reached");
        return fail(a, &p.msg, KS_ELIMIT, 0, "labelSelector", &out->error, &out->error_len, err);
    }
    int rc = 0;
    for (;;) {
        token t = peek(&p.lx);
        if (t.t == T_END)
            break;
        if (t.t != T_ID && t.t != T_NOT) {
            rc = found(&p, &t, ", expected: !, identifier, or 'end of string'");
            break;
        }
        rc = parse_requirement(&p, vals);
        if ((rc == KS_EPARSE || rc == KS_EINVAL) && p.msg.len > 0) {
            /* as upstream: "unable to parse requirement: <cause>" */
            ks_buf cause = KS_BUF_INIT;
            ks_buf_append(&cause, ks_buf_cstr(&p.msg), p.msg.len);
            ks_buf_reset(&p.msg);
            ks_buf_puts(&p.msg, "unable to parse requirement: ");
            ks_buf_append(&p.msg, ks_buf_cstr(&cause), cause.len);
            ks_buf_free(&cause);
        }
        if (rc)
            break;
        t = consume(&p.lx);
        if (t.t == T_END)
            break;
        if (t.t != T_COMMA) {
            rc = found(&p, &t, ", expected: ',' or 'end of string'");
            break;
        }
        token t2 = peek(&p.lx);
        if (t2.t != T_ID && t2.t != T_NOT) {
            rc = found(&p, &t2, ", expected: identifier after ','");
            break;
        }
    }
    if (rc) {
        if (p.msg.len == 0)
            ks_buf_puts(&p.msg, "label selector: memory limit reached");
        return fail(a, &p.msg, rc == KS_ELIMIT ? KS_ELIMIT : p.ecode, p.epos, "labelSelector",
                    &out->error, &out->error_len, err);
    }
    ks_buf_free(&p.msg);
    sort_reqs(p.reqs, p.nreqs);
    out->reqs = p.reqs;
    out->n = p.nreqs;
    return 0;
}

/* ---- matching and writing ---- */

static bool has_value(const kube_sel_req *r, const kv_value *v)
{
    if (!v || v->kind != KV_STRING)
        return false;
    kube_str key = {v->u.s, v->len};
    return bsearch(&key, r->values, r->nvalues, sizeof *r->values, cmp_str_q) != NULL;
}

static bool req_match(const kube_sel_req *r, const kv_value *labels)
{
    const kv_value *v = labels ? kv_obj_get(labels, r->key.s, r->key.n) : NULL;
    switch (r->op) {
    case KUBE_SEL_EQ:
    case KUBE_SEL_DEQ:
    case KUBE_SEL_IN: return v && has_value(r, v);
    case KUBE_SEL_NEQ:
    case KUBE_SEL_NOTIN: return !v || !has_value(r, v);
    case KUBE_SEL_EXISTS: return v != NULL;
    case KUBE_SEL_NOT_EXISTS: return v == NULL;
    case KUBE_SEL_GT:
    case KUBE_SEL_LT: {
        int64_t have, want;
        if (!v || v->kind != KV_STRING || r->nvalues != 1 || !parse_int64(v->u.s, v->len, &have) ||
            !parse_int64(r->values[0].s, r->values[0].n, &want))
            return false;
        return r->op == KUBE_SEL_GT ? have > want : have < want;
    }
    }
    return false;
}

bool kube_sel_match_labels(const kube_label_sel *sel, const kv_value *labels)
{
    if (labels && labels->kind != KV_OBJECT)
        labels = NULL;
    for (size_t i = 0; i < sel->n; i++)
        if (!req_match(&sel->reqs[i], labels))
            return false;
    return true;
}

bool kube_sel_match(const kube_label_sel *sel, const kv_value *obj)
{
    const kv_value *md = obj && obj->kind == KV_OBJECT ? kv_obj_get(obj, "metadata", 8) : NULL;
    const kv_value *labels = md && md->kind == KV_OBJECT ? kv_obj_get(md, "labels", 6) : NULL;
    return kube_sel_match_labels(sel, labels);
}

int kube_sel_write(const kube_label_sel *sel, ks_buf *out)
{
    static const char *const ops[] = {
            [KUBE_SEL_EQ] = "=",        [KUBE_SEL_DEQ] = "==",        [KUBE_SEL_NEQ] = "!=",
            [KUBE_SEL_IN] = " in ",     [KUBE_SEL_NOTIN] = " notin ", [KUBE_SEL_EXISTS] = "",
            [KUBE_SEL_NOT_EXISTS] = "", [KUBE_SEL_GT] = ">",          [KUBE_SEL_LT] = "<",
    };
    for (size_t i = 0; i < sel->n; i++) {
        const kube_sel_req *r = &sel->reqs[i];
        if (i)
            ks_buf_putc(out, ',');
        if (r->op == KUBE_SEL_NOT_EXISTS)
            ks_buf_putc(out, '!');
        ks_buf_append(out, r->key.s, r->key.n);
        ks_buf_puts(out, ops[r->op]);
        bool set = r->op == KUBE_SEL_IN || r->op == KUBE_SEL_NOTIN;
        if (set)
            ks_buf_putc(out, '(');
        for (size_t j = 0; j < r->nvalues; j++) {
            if (j)
                ks_buf_putc(out, ',');
            ks_buf_append(out, r->values[j].s, r->values[j].n);
        }
        if (set)
            ks_buf_putc(out, ')');
    }
    return out->err;
}

/* ---- field selectors ---- */

typedef struct raw_term {
    kube_str text;
} raw_term;

static int unescape(ks_arena *a, kube_str in, kube_str *out, ks_buf *msg)
{
    if (!memchr(in.s, '\\', in.n) && !memchr(in.s, ',', in.n) && !memchr(in.s, '=', in.n)) {
        out->s = ks_arena_strndup(a, in.s, in.n);
        out->n = in.n;
        return out->s ? 0 : KS_ELIMIT;
    }
    char *d = ks_arena_alloc_bytes(a, in.n + 1);
    if (!d)
        return KS_ELIMIT;
    size_t k = 0;
    for (size_t i = 0; i < in.n; i++) {
        char c = in.s[i];
        if (c == '\\') {
            if (i + 1 == in.n) {
                ks_buf_puts(msg, "invalid field selector: invalid escape sequence: \\");
                return KS_EPARSE;
            }
            char e = in.s[i + 1];
            if (e != '\\' && e != ',' && e != '=') {
                ks_buf_puts(msg, "invalid field selector: invalid escape sequence: \\");
                uint32_t cp;
                size_t len = ks_utf8_decode((const unsigned char *)in.s + i + 1, in.n - i - 1, &cp);
                if (len)
                    ks_buf_append(msg, in.s + i + 1, len);
                else
                    ks_buf_puts(msg, "\xef\xbf\xbd");
                return KS_EPARSE;
            }
            d[k++] = e;
            i++;
        } else if (c == ',' || c == '=') {
            ks_buf_printf(msg, "invalid field selector: unescaped character in value: %d", c);
            return KS_EPARSE;
        } else {
            d[k++] = c;
        }
    }
    d[k] = '\0';
    out->s = d;
    out->n = k;
    return 0;
}

static int cmp_fterm_q(const void *x, const void *y)
{
    return cmp_str(&((const raw_term *)x)->text, &((const raw_term *)y)->text);
}

int kube_fsel_parse(ks_arena *a, const char *s, size_t n, const char *const *supported,
                    size_t nsupported, const kube_sel_limits *lim, kube_field_sel *out,
                    ks_error *err)
{
    *out = (kube_field_sel){0};
    size_t max_len = lim_or(lim ? lim->max_len : 0, KUBE_SEL_DEFAULT_MAX_LEN);
    size_t max_reqs = lim_or(lim ? lim->max_reqs : 0, KUBE_SEL_DEFAULT_MAX_REQS);
    ks_buf msg;
    ks_buf_init(&msg, 64 * 1024);
    if (n > max_len) {
        ks_buf_printf(&msg, "field selector is longer than %zu bytes", max_len);
        return fail(a, &msg, KS_ELIMIT, max_len, "fieldSelector", &out->error, &out->error_len,
                    err);
    }
    const char *nul = memchr(s, '\0', n);
    if (nul) {
        ks_buf_puts(&msg, "field selector contains a NUL byte");
        return fail(a, &msg, KS_EPARSE, (size_t)(nul - s), "fieldSelector", &out->error,
                    &out->error_len, err);
    }
    /* split on commas not escaped by a backslash */
    size_t nterms = 0;
    raw_term *terms = NULL;
    if (n > 0) {
        size_t count = 1;
        bool in_slash = false;
        for (size_t i = 0; i < n; i++) {
            if (in_slash)
                in_slash = false;
            else if (s[i] == '\\')
                in_slash = true;
            else if (s[i] == ',')
                count++;
        }
        terms = ks_arena_alloc(a, count * sizeof *terms);
        if (!terms) {
            ks_buf_puts(&msg, "field selector: memory limit reached");
            return fail(a, &msg, KS_ELIMIT, 0, "fieldSelector", &out->error, &out->error_len, err);
        }
        size_t start = 0;
        in_slash = false;
        for (size_t i = 0; i <= n; i++) {
            if (i < n && in_slash) {
                in_slash = false;
            } else if (i < n && s[i] == '\\') {
                in_slash = true;
            } else if (i == n || s[i] == ',') {
                if (i > start)
                    terms[nterms++].text = (kube_str){s + start, i - start};
                start = i + 1;
            }
        }
    }
    if (nterms > max_reqs) {
        ks_buf_printf(&msg, "field selector has more than %zu terms", max_reqs);
        return fail(a, &msg, KS_ELIMIT, 0, "fieldSelector", &out->error, &out->error_len, err);
    }
    if (nterms > 1)
        qsort(terms, nterms, sizeof *terms, cmp_fterm_q);
    kube_fsel_term *ft = ks_arena_alloc(a, (nterms ? nterms : 1) * sizeof *ft);
    if (!ft) {
        ks_buf_puts(&msg, "field selector: memory limit reached");
        return fail(a, &msg, KS_ELIMIT, 0, "fieldSelector", &out->error, &out->error_len, err);
    }
    size_t kept = 0;
    for (size_t i = 0; i < nterms; i++) {
        kube_str t = terms[i].text;
        size_t pos = (size_t)(t.s - s);
        size_t op = t.n, oplen = 0;
        for (size_t j = 0; j < t.n && oplen == 0; j++) {
            if (j + 1 < t.n && (t.s[j] == '!' || t.s[j] == '=') && t.s[j + 1] == '=')
                op = j, oplen = 2;
            else if (t.s[j] == '=')
                op = j, oplen = 1;
        }
        if (oplen == 0) {
            ks_buf_puts(&msg, "invalid selector: '");
            ks_buf_append(&msg, s, n);
            ks_buf_puts(&msg, "'; can't understand '");
            ks_buf_append(&msg, t.s, t.n);
            ks_buf_putc(&msg, '\'');
            return fail(a, &msg, KS_EPARSE, pos, "fieldSelector", &out->error, &out->error_len,
                        err);
        }
        ft[kept].neq = t.s[op] == '!';
        ft[kept].field.s = ks_arena_strndup(a, t.s, op);
        ft[kept].field.n = op;
        kube_str rhs = {t.s + op + oplen, t.n - op - oplen};
        int rc = ft[kept].field.s ? unescape(a, rhs, &ft[kept].value, &msg) : KS_ELIMIT;
        if (rc) {
            if (msg.len == 0)
                ks_buf_puts(&msg, "field selector: memory limit reached");
            return fail(a, &msg, rc, pos, "fieldSelector", &out->error, &out->error_len, err);
        }
        /* as upstream's parse, a term with neither field nor value selects
         * everything and is dropped */
        if (ft[kept].field.n == 0 && ft[kept].value.n == 0)
            continue;
        terms[kept++] = terms[i];
    }
    nterms = kept;
    for (size_t i = 0; i < nterms; i++) {
        bool ok = false;
        for (size_t j = 0; j < nsupported && !ok; j++)
            ok = strlen(supported[j]) == ft[i].field.n &&
                 memcmp(supported[j], ft[i].field.s, ft[i].field.n) == 0;
        if (!ok) {
            ks_buf_puts(&msg, "field label not supported: ");
            ks_buf_append(&msg, ft[i].field.s, ft[i].field.n);
            return fail(a, &msg, KS_EINVAL, (size_t)(terms[i].text.s - s), "fieldSelector",
                        &out->error, &out->error_len, err);
        }
    }
    ks_buf_free(&msg);
    out->terms = ft;
    out->n = nterms;
    return 0;
}

bool kube_fsel_get_path(void *ctx, const kv_value *obj, kube_str field, kube_str *value)
{
    (void)ctx;
    const kv_value *v = obj;
    size_t i = 0;
    while (v && i <= field.n) {
        const char *dot = memchr(field.s + i, '.', field.n - i);
        size_t end = dot ? (size_t)(dot - field.s) : field.n;
        if (v->kind != KV_OBJECT)
            return false;
        v = kv_obj_get(v, field.s + i, end - i);
        i = end + 1;
        if (!dot)
            break;
    }
    if (!v || v->kind != KV_STRING)
        return false;
    value->s = v->u.s;
    value->n = v->len;
    return true;
}

bool kube_fsel_match(const kube_field_sel *sel, const kv_value *obj, kube_fsel_get_fn get,
                     void *ctx)
{
    if (!get)
        get = kube_fsel_get_path;
    for (size_t i = 0; i < sel->n; i++) {
        const kube_fsel_term *t = &sel->terms[i];
        kube_str have = {"", 0};
        if (!get(ctx, obj, t->field, &have))
            have = (kube_str){"", 0};
        bool eq = cmp_str(&have, &t->value) == 0;
        if (eq == t->neq)
            return false;
    }
    return true;
}

bool kube_fsel_exact(const kube_field_sel *sel, const char *field, kube_str *value)
{
    size_t n = strlen(field);
    for (size_t i = 0; i < sel->n; i++) {
        const kube_fsel_term *t = &sel->terms[i];
        if (!t->neq && t->field.n == n && memcmp(t->field.s, field, n) == 0) {
            *value = t->value;
            return true;
        }
    }
    return false;
}
