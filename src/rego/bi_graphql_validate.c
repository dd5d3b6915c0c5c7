/*
 * GraphQL query validation: gqlparser's walker and its default rules.
 *
 * The walker visits operations, then fragments, annotating the AST with
 * what it resolves (field and fragment definitions, expected types) and
 * raising events; each event runs the rules that listen to it in the order
 * gqlparser runs them (rules sorted by name, then in the order each rule
 * registered). Errors keep the order in which they are raised.
 */
#include <stdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "rego/bi_graphql_val.h"

bool rg_gql_val_spend(rg_gql_val *v, size_t n)
{
    if (v->rc)
        return false;
    v->work += n;
    if (v->work > RG_GQL_MAX_WORK) {
        v->rc = rg_gql_error_raw(v->err, KS_ELIMIT,
                                 "graphql: query too complex to validate (work limit reached)");
        return false;
    }
    return true;
}

bool rg_gql_val_enter(rg_gql_val *v)
{
    if (v->rc)
        return false;
    if (v->depth >= RG_GQL_MAX_DEPTH) {
        v->rc = rg_gql_error_raw(v->err, KS_ELIMIT,
                                 "graphql: query too complex to validate (nesting limit reached)");
        return false;
    }
    v->depth++;
    return true;
}

void rg_gql_val_error(rg_gql_val *v, const rg_gql_pos *pos, const char *fmt, ...)
{
    if (v->rc)
        return;
    va_list ap;
    va_start(ap, fmt);
    ks_buf b = KS_BUF_INIT;
    ks_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.err || rg_gql_errorf(v->err, pos, "%s", ks_buf_cstr(&b)) == KS_ENOMEM) {
        v->err->oom = true;
        v->rc = KS_ENOMEM;
    } else if (v->first_error_only) {
        v->rc = RG_GQL_STOP;
    } else if (++v->nerrors > RG_GQL_MAX_ERRORS) {
        v->rc = rg_gql_error_raw(v->err, KS_ELIMIT,
                                 "graphql: query has too many validation errors (more than 1000)");
    }
    ks_buf_free(&b);
}

static void oom(rg_gql_val *v)
{
    v->err->oom = true;
    v->rc = KS_ENOMEM;
}

#define S(x) (int)(x).n, (x).s

static rg_gql_def *type_of(const rg_gql_val *v, rg_gql_str name)
{
    return rg_gql_schema_type(v->schema, name);
}

static bool is_leaf(const rg_gql_def *d)
{
    return rg_gql_def_is(d, "ENUM") || rg_gql_def_is(d, "SCALAR");
}

static bool is_composite(const rg_gql_def *d)
{
    return rg_gql_def_is(d, "OBJECT") || rg_gql_def_is(d, "INTERFACE") || rg_gql_def_is(d, "UNION");
}

static bool is_input(const rg_gql_def *d)
{
    return rg_gql_def_is(d, "SCALAR") || rg_gql_def_is(d, "ENUM") ||
           rg_gql_def_is(d, "INPUT_OBJECT");
}

static bool name_one_of(const rg_gql_def *d, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rg_gql_streq_c(d->name, names[i]))
            return true;
    return false;
}

static rg_gql_fielddef *fielddef_for_name(const rg_gql_list *l, rg_gql_str name)
{
    for (size_t i = 0; i < l->n; i++) {
        rg_gql_fielddef *f = l->v[i];
        if (rg_gql_streq(f->name, name))
            return f;
    }
    return NULL;
}

rg_gql_fielddef *rg_gql_val_fielddef(rg_gql_val *v, const rg_gql_list *l, rg_gql_str name)
{
    if (l->n <= 8)
        return fielddef_for_name(l, name);
    rg_gql_str key = {(const char *)&l, sizeof(l)};
    rg_gql_tmap *idx = rg_gql_tmap_get(v->indexes, key);
    if (!idx) {
        char *k = ks_arena_memdup(v->a, &l, sizeof(l));
        if (!k || !(idx = rg_gql_tmap_new(v->a)) ||
            rg_gql_tmap_put(v->indexes, (rg_gql_str){k, sizeof(l)}, idx) < 0) {
            v->err->oom = true;
            v->rc = KS_ENOMEM;
            return NULL;
        }
        for (size_t i = 0; i < l->n; i++) {
            rg_gql_fielddef *f = l->v[i];
            if (!rg_gql_tmap_get(idx, f->name) && rg_gql_tmap_put(idx, f->name, f) < 0) {
                v->err->oom = true;
                v->rc = KS_ENOMEM;
                return NULL;
            }
        }
    }
    return rg_gql_tmap_get(idx, name);
}

static bool set_has(rg_gql_tmap *m, rg_gql_str key)
{
    return rg_gql_tmap_get(m, key) != NULL;
}

static void set_add(rg_gql_val *v, rg_gql_tmap *m, rg_gql_str key)
{
    if (rg_gql_tmap_put(m, key, (void *)1) < 0)
        oom(v);
}

/* Type.String(), in the arena. */
static const char *type_str(rg_gql_val *v, const rg_gql_type *t)
{
    ks_buf b = KS_BUF_INIT;
    rg_gql_type_string(&b, t);
    const char *r = b.err ? NULL : ks_arena_strndup(v->a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    if (!r) {
        oom(v);
        return "";
    }
    return r;
}

/* ---- Value.String() ---- */

static void quote_gql_string(ks_buf *b, rg_gql_str s)
{
    static const char hex[] = "0123456789ABCDEF";
    ks_buf_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.s[i];
        switch (c) {
        case '"': ks_buf_puts(b, "\\\""); break;
        case '\\': ks_buf_puts(b, "\\\\"); break;
        case '\b': ks_buf_puts(b, "\\b"); break;
        case '\f': ks_buf_puts(b, "\\f"); break;
        case '\n': ks_buf_puts(b, "\\n"); break;
        case '\r': ks_buf_puts(b, "\\r"); break;
        case '\t': ks_buf_puts(b, "\\t"); break;
        default:
            if (c == 0xC2 && i + 1 < s.n && (unsigned char)s.s[i + 1] >= 0x80 &&
                (unsigned char)s.s[i + 1] <= 0x9f) {
                c = (unsigned char)s.s[++i];
                ks_buf_puts(b, "\\u00");
                ks_buf_putc(b, hex[c >> 4]);
                ks_buf_putc(b, hex[c & 0xf]);
            } else if (c < 0x20 || c == 0x7f) {
                ks_buf_puts(b, "\\u00");
                ks_buf_putc(b, hex[c >> 4]);
                ks_buf_putc(b, hex[c & 0xf]);
            } else {
                ks_buf_putc(b, (char)c);
            }
        }
    }
    ks_buf_putc(b, '"');
}

static void value_string_buf(ks_buf *b, const rg_gql_value *x)
{
    if (!x) {
        ks_buf_puts(b, "<nil>");
        return;
    }
    switch (x->kind) {
    case RG_GQL_VARIABLE:
        ks_buf_putc(b, '$');
        ks_buf_append(b, x->raw.s, x->raw.n);
        break;
    case RG_GQL_STRING:
    case RG_GQL_BLOCK: quote_gql_string(b, x->raw); break;
    case RG_GQL_LISTV:
    case RG_GQL_OBJECTV:
        ks_buf_putc(b, x->kind == RG_GQL_LISTV ? '[' : '{');
        for (size_t i = 0; i < x->children.n; i++) {
            const rg_gql_child *c = x->children.v[i];
            if (i)
                ks_buf_putc(b, ',');
            if (x->kind == RG_GQL_OBJECTV) {
                ks_buf_append(b, c->name.s, c->name.n);
                ks_buf_putc(b, ':');
            }
            value_string_buf(b, c->value);
        }
        ks_buf_putc(b, x->kind == RG_GQL_LISTV ? ']' : '}');
        break;
    default: ks_buf_append(b, x->raw.s, x->raw.n); break;
    }
}

static const char *value_str(rg_gql_val *v, const rg_gql_value *x)
{
    ks_buf b = KS_BUF_INIT;
    value_string_buf(&b, x);
    const char *r = b.err ? NULL : ks_arena_strndup(v->a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    if (!r) {
        oom(v);
        return "";
    }
    return r;
}

/* ---- suggestions (SuggestionList, QuotedOrList) ---- */

/* Code points of s; invalid bytes are U+FFFD each. */
static size_t runes_of(rg_gql_str s, uint32_t *out, bool lower)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n;) {
        uint32_t cp;
        size_t w = ks_utf8_decode((const unsigned char *)s.s + i, s.n - i, &cp);
        if (w == 0) {
            cp = 0xFFFD;
            w = 1;
        }
        if (lower && cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        out[k++] = cp;
        i += w;
    }
    return k;
}

static bool lower_equal(rg_gql_str a, rg_gql_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        unsigned char x = (unsigned char)a.s[i], y = (unsigned char)b.s[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* lexicalDistance: Levenshtein over lower-cased code points, a case change
 * alone counting one. SIZE_MAX when the work limit is reached. */
static size_t lexical_distance(rg_gql_val *v, rg_gql_str a, rg_gql_str b)
{
    if (rg_gql_streq(a, b))
        return 0;
    if (lower_equal(a, b))
        return 1;
    if (!rg_gql_val_spend(v, (a.n + 1) * (b.n + 1)))
        return SIZE_MAX;
    uint32_t *ra = malloc((a.n + 1) * sizeof(uint32_t));
    uint32_t *rb = malloc((b.n + 1) * sizeof(uint32_t));
    size_t *row = malloc((a.n + 2) * sizeof(size_t));
    size_t d = SIZE_MAX;
    if (!ra || !rb || !row) {
        oom(v);
        goto out;
    }
    size_t na = runes_of(a, ra, true), nb = runes_of(b, rb, true);
    if (na == 0) {
        d = nb;
        goto out;
    }
    if (nb == 0) {
        d = na;
        goto out;
    }
    for (size_t i = 0; i <= na; i++)
        row[i] = i;
    for (size_t j = 1; j <= nb; j++) {
        size_t prev = row[0];
        row[0] = j;
        for (size_t i = 1; i <= na; i++) {
            size_t cur = row[i];
            size_t best = prev + (ra[i - 1] == rb[j - 1] ? 0 : 1);
            if (row[i - 1] + 1 < best)
                best = row[i - 1] + 1;
            if (cur + 1 < best)
                best = cur + 1;
            row[i] = best;
            prev = cur;
        }
    }
    d = row[na];
out:
    free(ra);
    free(rb);
    free(row);
    return d;
}

typedef struct suggestions {
    rg_gql_str *v;
    size_t n;
} suggestions;

/* SuggestionList: the options within the typo threshold, nearest first. */
static suggestions suggestion_list(rg_gql_val *v, rg_gql_str input, const rg_gql_str *options,
                                   size_t n)
{
    suggestions s = {0};
    if (n == 0)
        return s;
    s.v = ks_arena_alloc(v->a, n * sizeof(rg_gql_str));
    size_t *dist = ks_arena_alloc(v->a, n * sizeof(size_t));
    if (!s.v || !dist) {
        oom(v);
        return (suggestions){0};
    }
    size_t threshold = (size_t)(input.n * 4 / 10) + 1;
    size_t in_runes = ks_utf8_count(input.s, input.n);
    for (size_t i = 0; i < n; i++) {
        /* The distance is at least the difference in length: options too
         * long or too short are out without computing it. */
        size_t o_runes = ks_utf8_count(options[i].s, options[i].n);
        size_t diff = in_runes > o_runes ? in_runes - o_runes : o_runes - in_runes;
        if (diff > threshold && !rg_gql_streq(input, options[i]))
            continue;
        size_t d = lexical_distance(v, input, options[i]);
        if (d == SIZE_MAX)
            return (suggestions){0};
        if (d <= threshold) {
            s.v[s.n] = options[i];
            dist[s.n++] = d;
        }
    }
    rg_gql_go_sort(s.v, dist, s.n);
    return s;
}

static void or_list(ks_buf *b, const rg_gql_str *items, size_t n, bool quote)
{
    if (n > 5)
        n = 5;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            if (n == 2)
                ks_buf_puts(b, " or ");
            else if (i == n - 1)
                ks_buf_puts(b, ", or ");
            else
                ks_buf_puts(b, ", ");
        }
        if (quote)
            ks_buf_putc(b, '"');
        ks_buf_append(b, items[i].s, items[i].n);
        if (quote)
            ks_buf_putc(b, '"');
    }
}

/* Appends " PREFIX LIST?" when there are suggestions. */
static void suggest(rg_gql_val *v, ks_buf *msg, const char *prefix, rg_gql_str typed,
                    const rg_gql_str *options, size_t n, bool quote)
{
    suggestions s = suggestion_list(v, typed, options, n);
    if (!s.n)
        return;
    ks_buf_printf(msg, " %s ", prefix);
    or_list(msg, s.v, s.n, quote);
    ks_buf_putc(msg, '?');
}

static void emit(rg_gql_val *v, const rg_gql_pos *pos, ks_buf *msg)
{
    if (msg->err)
        oom(v);
    else
        rg_gql_val_error(v, pos, "%s", ks_buf_cstr(msg));
    ks_buf_free(msg);
}

static rg_gql_str *field_names(rg_gql_val *v, const rg_gql_list *fields)
{
    rg_gql_str *names = ks_arena_alloc(v->a, (fields->n + 1) * sizeof(rg_gql_str));
    if (!names) {
        oom(v);
        return NULL;
    }
    for (size_t i = 0; i < fields->n; i++)
        names[i] = ((rg_gql_fielddef *)fields->v[i])->name;
    return names;
}

/* ---- rules: fields ---- */

static int cmp_type_suggestion(const rg_gql_str *a, const rg_gql_str *b, int ua, int ub)
{
    if (ua != ub)
        return ub - ua;
    return rg_gql_strcmp(*a, *b);
}

/* getSuggestedTypeNames: false when the parent is not abstract or nothing
 * was found. */
static bool suggested_types(rg_gql_val *v, const rg_gql_def *parent, rg_gql_str name, ks_buf *msg)
{
    if (!rg_gql_def_is(parent, "INTERFACE") && !rg_gql_def_is(parent, "UNION"))
        return false;
    const rg_gql_list *possible = rg_gql_tmap_get(v->schema->possible, parent->name);
    if (!possible || !possible->n)
        return false;
    size_t cap = 0;
    for (size_t i = 0; i < possible->n; i++) {
        const rg_gql_def *pt = possible->v[i];
        cap += 1 + (pt ? pt->interfaces.n : 0);
    }
    rg_gql_str *intfs = ks_arena_alloc(v->a, cap * sizeof(rg_gql_str));
    int *usage = ks_arena_calloc(v->a, cap, sizeof(int));
    rg_gql_str *objs = ks_arena_alloc(v->a, cap * sizeof(rg_gql_str));
    rg_gql_tmap *index = rg_gql_tmap_new(v->a);
    if (!intfs || !usage || !objs || !index) {
        oom(v);
        return false;
    }
    size_t ni = 0, no = 0;
    for (size_t i = 0; i < possible->n; i++) {
        const rg_gql_def *pt = possible->v[i];
        if (!pt || !rg_gql_val_spend(v, 1) || !rg_gql_val_fielddef(v, &pt->fields, name))
            continue;
        objs[no++] = pt->name;
        for (size_t k = 0; k < pt->interfaces.n; k++) {
            rg_gql_str pi = *(rg_gql_str *)pt->interfaces.v[k];
            const rg_gql_def *id = type_of(v, pi);
            if (!id || !rg_gql_val_spend(v, 1) || !rg_gql_val_fielddef(v, &id->fields, name))
                continue;
            uintptr_t at = (uintptr_t)rg_gql_tmap_get(index, pi);
            if (!at) {
                intfs[ni] = pi;
                at = ++ni;
                if (rg_gql_tmap_put(index, pi, (void *)at) < 0) {
                    oom(v);
                    return false;
                }
            }
            usage[at - 1]++;
        }
    }
    size_t n = ni + no;
    if (n == 0)
        return false;
    rg_gql_str *all = ks_arena_alloc(v->a, n * sizeof(rg_gql_str));
    int *u = ks_arena_alloc(v->a, n * sizeof(int));
    if (!all || !u) {
        oom(v);
        return false;
    }
    for (size_t i = 0; i < ni; i++) {
        all[i] = intfs[i];
        u[i] = usage[i];
    }
    for (size_t i = 0; i < no; i++) {
        /* an object type's usage is that of an interface of the same name */
        uintptr_t at = (uintptr_t)rg_gql_tmap_get(index, objs[i]);
        all[ni + i] = objs[i];
        u[ni + i] = at ? usage[at - 1] : 0;
    }
    /* stable insertion sort: most used first, then by name */
    for (size_t i = 1; i < n; i++) {
        rg_gql_str s = all[i];
        int us = u[i];
        size_t k = i;
        while (k > 0 && cmp_type_suggestion(&s, &all[k - 1], us, u[k - 1]) < 0) {
            all[k] = all[k - 1];
            u[k] = u[k - 1];
            k--;
        }
        all[k] = s;
        u[k] = us;
    }
    ks_buf_puts(msg, " Did you mean to use an inline fragment on ");
    or_list(msg, all, n, true);
    ks_buf_putc(msg, '?');
    return true;
}

static void rule_fields_on_correct_type(rg_gql_val *v, rg_gql_sel *f)
{
    if (!f->objdef || f->definition)
        return;
    ks_buf msg = KS_BUF_INIT;
    ks_buf_printf(&msg, "Cannot query field \"%.*s\" on type \"%.*s\".", S(f->name),
                  S(f->objdef->name));
    if (!suggested_types(v, f->objdef, f->name, &msg) &&
        (rg_gql_def_is(f->objdef, "OBJECT") || rg_gql_def_is(f->objdef, "INTERFACE"))) {
        rg_gql_str *names = field_names(v, &f->objdef->fields);
        if (names)
            suggest(v, &msg, "Did you mean", f->name, names, f->objdef->fields.n, true);
    }
    emit(v, &f->pos, &msg);
}

static void rule_known_argument_names_field(rg_gql_val *v, rg_gql_sel *f)
{
    if (!f->definition || !f->objdef)
        return;
    for (size_t i = 0; i < f->args.n; i++) {
        const rg_gql_arg *arg = f->args.v[i];
        if (!rg_gql_val_spend(v, 1))
            return;
        if (rg_gql_val_fielddef(v, &f->definition->args, arg->name))
            continue;
        ks_buf msg = KS_BUF_INIT;
        ks_buf_printf(&msg, "Unknown argument \"%.*s\" on field \"%.*s.%.*s\".", S(arg->name),
                      S(f->objdef->name), S(f->name));
        rg_gql_str *names = field_names(v, &f->definition->args);
        if (names)
            suggest(v, &msg, "Did you mean", arg->name, names, f->definition->args.n, true);
        emit(v, &f->pos, &msg);
    }
}

/* MaxIntrospectionDepth */

static bool depth_selset(rg_gql_val *v, const rg_gql_list *ss, int depth);

static bool depth_field(rg_gql_val *v, const rg_gql_sel *f, int depth)
{
    if (rg_gql_streq_c(f->name, "fields") || rg_gql_streq_c(f->name, "interfaces") ||
        rg_gql_streq_c(f->name, "possibleTypes") || rg_gql_streq_c(f->name, "inputFields")) {
        if (++depth >= 3)
            return true;
    }
    return depth_selset(v, &f->selset, depth);
}

static bool depth_spread(rg_gql_val *v, const rg_gql_sel *s, int depth)
{
    uintptr_t entry = (uintptr_t)rg_gql_tmap_get(v->introspect_visit, s->name);
    if (entry)
        return depth > (int)entry - 1;
    if (!s->fragdef)
        return false;
    int8_t *memo = rg_gql_tmap_get(v->introspect_memo, s->name);
    if (!memo) {
        memo = ks_arena_calloc(v->a, 4, 1);
        if (!memo || rg_gql_tmap_put(v->introspect_memo, s->name, memo) < 0) {
            oom(v);
            return false;
        }
    }
    if (memo[depth])
        return memo[depth] > 0;
    if (rg_gql_tmap_put(v->introspect_visit, s->name, (void *)(uintptr_t)(depth + 1)) < 0) {
        oom(v);
        return false;
    }
    bool exceeded = depth_selset(v, &s->fragdef->selset, depth);
    rg_gql_tmap_put(v->introspect_visit, s->name, NULL);
    memo[depth] = exceeded ? 1 : -1;
    return exceeded;
}

static bool depth_selset(rg_gql_val *v, const rg_gql_list *ss, int depth)
{
    if (!rg_gql_val_enter(v))
        return false;
    bool r = false;
    for (size_t i = 0; i < ss->n && !r && !v->rc; i++) {
        const rg_gql_sel *s = ss->v[i];
        if (!rg_gql_val_spend(v, 1))
            break;
        if (s->kind == RG_GQL_FIELD)
            r = depth_field(v, s, depth);
        else if (s->kind == RG_GQL_SPREAD)
            r = depth_spread(v, s, depth);
        else
            r = depth_selset(v, &s->selset, depth);
    }
    v->depth--;
    return r;
}

static void rule_max_introspection_depth(rg_gql_val *v, rg_gql_sel *f)
{
    if (!rg_gql_streq_c(f->name, "__schema") && !rg_gql_streq_c(f->name, "__type"))
        return;
    if (depth_field(v, f, 0) && !v->rc)
        rg_gql_val_error(v, &f->pos, "Maximum introspection depth exceeded");
}

static void rule_provided_required_arguments(rg_gql_val *v, const rg_gql_list *defs,
                                             const rg_gql_list *args, const rg_gql_pos *pos,
                                             const char *what, rg_gql_str name)
{
    rg_gql_tmap *names = NULL;
    for (size_t i = 0; i < defs->n; i++) {
        const rg_gql_fielddef *ad = defs->v[i];
        if (!ad->type->nonnull || ad->defval)
            continue;
        if (!rg_gql_val_spend(v, 1))
            return;
        bool found = false;
        if (args->n > 8 && !names) {
            if (!(names = rg_gql_tmap_new(v->a))) {
                oom(v);
                return;
            }
            for (size_t k = 0; k < args->n; k++)
                set_add(v, names, ((rg_gql_arg *)args->v[k])->name);
        }
        if (names)
            found = set_has(names, ad->name);
        for (size_t k = 0; !names && k < args->n && !found; k++)
            found = rg_gql_streq(((rg_gql_arg *)args->v[k])->name, ad->name);
        if (found)
            continue;
        rg_gql_val_error(v, pos,
                         "%s \"%s%.*s\" argument \"%.*s\" of type \"%s\" is required, but it was "
                         "not provided.",
                         what, !strcmp(what, "Directive") ? "@" : "", S(name), S(ad->name),
                         type_str(v, ad->type));
    }
}

static void rule_scalar_leafs(rg_gql_val *v, rg_gql_sel *f)
{
    if (!f->definition)
        return;
    const rg_gql_def *t = type_of(v, rg_gql_type_name(f->definition->type));
    if (!t)
        return;
    if (is_leaf(t) && f->selset.n > 0)
        rg_gql_val_error(v, &f->pos,
                         "Field \"%.*s\" must not have a selection since type \"%.*s\" has no "
                         "subfields.",
                         S(f->name), S(t->name));
    if (!is_leaf(t) && f->selset.n == 0)
        rg_gql_val_error(v, &f->pos,
                         "Field \"%.*s\" of type \"%s\" must have a selection of subfields. Did "
                         "you mean \"%.*s { ... }\"?",
                         S(f->name), type_str(v, f->definition->type), S(f->name));
}

static void check_unique_args(rg_gql_val *v, const rg_gql_list *args)
{
    if (args->n < 2)
        return;
    rg_gql_tmap *count = rg_gql_tmap_new(v->a);
    if (!count) {
        oom(v);
        return;
    }
    for (size_t i = 0; i < args->n; i++) {
        const rg_gql_arg *arg = args->v[i];
        uintptr_t c = (uintptr_t)rg_gql_tmap_get(count, arg->name);
        if (c == 1)
            rg_gql_val_error(v, &arg->pos, "There can be only one argument named \"%.*s\".",
                             S(arg->name));
        if (rg_gql_tmap_put(count, arg->name, (void *)(c + 1)) < 0)
            oom(v);
    }
}

static void on_field(rg_gql_val *v, rg_gql_sel *f)
{
    rule_fields_on_correct_type(v, f);
    rule_known_argument_names_field(v, f);
    rule_max_introspection_depth(v, f);
    if (v->current_op)
        rg_gql_overlap_selset(v, &f->selset);
    if (f->definition)
        rule_provided_required_arguments(v, &f->definition->args, &f->args, &f->pos, "Field",
                                         f->name);
    rule_scalar_leafs(v, f);
    check_unique_args(v, &f->args);
}

/* ---- rules: fragments ---- */

/* PossibleFragmentSpreads: whether objects of parent can be of type name. */
static bool possible_spread(rg_gql_val *v, const rg_gql_def *parent, rg_gql_str name)
{
    if (!parent)
        return true;
    const rg_gql_list *parents = NULL;
    rg_gql_list single = {0};
    void *one[1] = {(void *)parent};
    if (rg_gql_def_is(parent, "OBJECT")) {
        single = (rg_gql_list){one, 1, 1};
        parents = &single;
    } else if (rg_gql_def_is(parent, "INTERFACE") || rg_gql_def_is(parent, "UNION")) {
        parents = rg_gql_tmap_get(v->schema->possible, parent->name);
    } else {
        return true;
    }
    const rg_gql_def *ft = type_of(v, name);
    if (!ft || !is_composite(ft))
        return true;
    const rg_gql_list *frags = rg_gql_tmap_get(v->schema->possible, ft->name);
    if (!frags || !parents)
        return false;
    if (!rg_gql_val_spend(v, frags->n * parents->n + 1))
        return true;
    for (size_t i = 0; i < frags->n; i++) {
        const rg_gql_def *fd = frags->v[i];
        for (size_t k = 0; fd && k < parents->n; k++) {
            const rg_gql_def *pd = parents->v[k];
            if (pd && rg_gql_streq(pd->name, fd->name))
                return true;
        }
    }
    return false;
}

static void on_inline_fragment(rg_gql_val *v, rg_gql_sel *s)
{
    /* FragmentsOnCompositeTypes */
    const rg_gql_def *ft = type_of(v, s->type_cond);
    if (ft && !is_composite(ft))
        rg_gql_val_error(v, &s->pos, "Fragment cannot condition on non composite type \"%.*s\".",
                         S(s->type_cond));
    /* KnownTypeNames */
    if (s->type_cond.n && !ft)
        rg_gql_val_error(v, &s->pos, "Unknown type \"%.*s\".", S(s->type_cond));
    rg_gql_overlap_selset(v, &s->selset);
    /* PossibleFragmentSpreads */
    if (!possible_spread(v, s->objdef, s->type_cond))
        rg_gql_val_error(v, &s->pos,
                         "Fragment cannot be spread here as objects of type \"%.*s\" can never "
                         "be of type \"%.*s\".",
                         S(s->objdef->name), S(s->type_cond));
}

static void on_fragment_spread(rg_gql_val *v, rg_gql_sel *s)
{
    if (!s->fragdef)
        rg_gql_val_error(v, &s->pos, "Unknown fragment \"%.*s\".", S(s->name));
    if (!v->in_fragment_definition)
        set_add(v, v->fragment_used, s->name);
    if (s->fragdef && !possible_spread(v, s->objdef, s->fragdef->type_cond))
        rg_gql_val_error(v, &s->pos,
                         "Fragment \"%.*s\" cannot be spread here as objects of type \"%.*s\" "
                         "can never be of type \"%.*s\".",
                         S(s->name), S(s->objdef->name), S(s->fragdef->type_cond));
}

/* NoFragmentCycles: the spreads of a selection set, in gqlparser's order
 * (the selection sets of fields and inline fragments are visited last in,
 * first out). */
static bool fragment_spreads(rg_gql_val *v, const rg_gql_list *ss, rg_gql_list *out)
{
    rg_gql_list stack = {0};
    if (rg_gql_list_push(v->a, &stack, (void *)ss) < 0) {
        oom(v);
        return false;
    }
    while (stack.n) {
        const rg_gql_list *set = stack.v[--stack.n];
        if (!rg_gql_val_spend(v, set->n + 1))
            return false;
        for (size_t i = 0; i < set->n; i++) {
            rg_gql_sel *s = set->v[i];
            int rc = s->kind == RG_GQL_SPREAD ? rg_gql_list_push(v->a, out, s)
                                              : rg_gql_list_push(v->a, &stack, &s->selset);
            if (rc < 0) {
                oom(v);
                return false;
            }
        }
    }
    return true;
}

static rg_gql_fragdef *first_fragment(rg_gql_val *v, rg_gql_str name)
{
    return rg_gql_tmap_get(v->fragments, name);
}

static void cycles_from(rg_gql_val *v, rg_gql_fragdef *frag, rg_gql_list *path, rg_gql_tmap *index)
{
    if (set_has(v->cycle_visited, frag->name))
        return;
    set_add(v, v->cycle_visited, frag->name);
    rg_gql_list spreads = {0};
    if (!fragment_spreads(v, &frag->selset, &spreads) || spreads.n == 0)
        return;
    if (!rg_gql_val_enter(v))
        return;
    if (rg_gql_tmap_put(index, frag->name, (void *)(uintptr_t)(path->n + 1)) < 0) {
        oom(v);
        goto out;
    }
    for (size_t i = 0; i < spreads.n && !v->rc; i++) {
        rg_gql_sel *sp = spreads.v[i];
        uintptr_t ci = (uintptr_t)rg_gql_tmap_get(index, sp->name);
        if (rg_gql_list_push(v->a, path, sp) < 0) {
            oom(v);
            goto out;
        }
        if (!ci) {
            rg_gql_fragdef *f = first_fragment(v, sp->name);
            if (f)
                cycles_from(v, f, path, index);
        } else {
            ks_buf via = KS_BUF_INIT;
            for (size_t k = ci - 1; k + 1 < path->n; k++) {
                const rg_gql_sel *ps = path->v[k];
                ks_buf_puts(&via, k == ci - 1 ? " via \"" : ", \"");
                ks_buf_append(&via, ps->name.s, ps->name.n);
                ks_buf_putc(&via, '"');
            }
            if (via.err)
                oom(v);
            else
                rg_gql_val_error(v, &sp->pos, "Cannot spread fragment \"%.*s\" within itself%s.",
                                 S(sp->name), ks_buf_cstr(&via));
            ks_buf_free(&via);
        }
        path->n--;
    }
    if (rg_gql_tmap_put(index, frag->name, NULL) < 0)
        oom(v);
out:
    v->depth--;
}

static void on_fragment(rg_gql_val *v, rg_gql_fragdef *f)
{
    /* FragmentsOnCompositeTypes */
    if (f->definition && f->type_cond.n && !is_composite(f->definition))
        rg_gql_val_error(v, &f->pos,
                         "Fragment \"%.*s\" cannot condition on non composite type \"%.*s\".",
                         S(f->name), S(f->type_cond));
    /* KnownTypeNames */
    if (!type_of(v, f->type_cond)) {
        ks_buf msg = KS_BUF_INIT;
        ks_buf_printf(&msg, "Unknown type \"%.*s\".", S(f->type_cond));
        const rg_gql_list *tn = &v->schema->type_names;
        rg_gql_str *names = ks_arena_alloc(v->a, (tn->n + 1) * sizeof(rg_gql_str));
        if (names) {
            for (size_t i = 0; i < tn->n; i++)
                names[i] = *(rg_gql_str *)tn->v[i];
            suggest(v, &msg, "Did you mean", f->type_cond, names, tn->n, true);
        } else {
            oom(v);
        }
        emit(v, &f->pos, &msg);
    }
    /* NoFragmentCycles */
    rg_gql_list path = {0};
    rg_gql_tmap *index = rg_gql_tmap_new(v->a);
    if (!index)
        oom(v);
    else
        cycles_from(v, f, &path, index);
    /* NoUnusedFragments */
    v->in_fragment_definition = true;
    if (!set_has(v->fragment_used, f->name))
        rg_gql_val_error(v, &f->pos, "Fragment \"%.*s\" is never used.", S(f->name));
    rg_gql_overlap_selset(v, &f->selset);
    /* UniqueFragmentNames */
    if (set_has(v->fragment_names, f->name))
        rg_gql_val_error(v, &f->pos, "There can be only one fragment named \"%.*s\".", S(f->name));
    set_add(v, v->fragment_names, f->name);
}

/* ---- rules: directives ---- */

static void on_directive(rg_gql_val *v, rg_gql_directive *d)
{
    const rg_gql_dirdef *def = d->definition;
    /* KnownArgumentNames */
    for (size_t i = 0; def && i < d->args.n; i++) {
        const rg_gql_arg *arg = d->args.v[i];
        if (!rg_gql_val_spend(v, 1))
            return;
        if (rg_gql_val_fielddef(v, &def->args, arg->name))
            continue;
        ks_buf msg = KS_BUF_INIT;
        ks_buf_printf(&msg, "Unknown argument \"%.*s\" on directive \"@%.*s\".", S(arg->name),
                      S(d->name));
        rg_gql_str *names = field_names(v, &def->args);
        if (names)
            suggest(v, &msg, "Did you mean", arg->name, names, def->args.n, true);
        emit(v, &d->pos, &msg);
    }
    /* KnownDirectives */
    if (!def) {
        rg_gql_val_error(v, &d->pos, "Unknown directive \"@%.*s\".", S(d->name));
    } else {
        bool ok = false;
        for (size_t i = 0; i < def->locations.n && !ok; i++)
            ok = rg_gql_streq(*(rg_gql_str *)def->locations.v[i], d->location);
        if (!ok) {
            char key[64];
            int kn = snprintf(key, sizeof(key), "%d:%d:", d->pos.line, d->pos.col);
            ks_buf k = KS_BUF_INIT;
            ks_buf_append(&k, key, (size_t)kn);
            ks_buf_append(&k, d->name.s, d->name.n);
            char *ks = k.err ? NULL : ks_arena_strndup(v->a, ks_buf_cstr(&k), k.len);
            rg_gql_str kstr = {ks, k.len};
            ks_buf_free(&k);
            if (!ks) {
                oom(v);
            } else if (!set_has(v->known_dirs_seen, kstr)) {
                rg_gql_val_error(v, &d->pos, "Directive \"@%.*s\" may not be used on %.*s.",
                                 S(d->name), S(d->location));
                set_add(v, v->known_dirs_seen, kstr);
            }
        }
    }
    /* ProvidedRequiredArguments */
    if (def)
        rule_provided_required_arguments(v, &def->args, &d->args, &d->pos, "Directive", def->name);
    /* UniqueArgumentNames */
    check_unique_args(v, &d->args);
}

static void on_directive_list(rg_gql_val *v, const rg_gql_list *dirs)
{
    if (dirs->n < 2)
        return;
    rg_gql_tmap *seen = rg_gql_tmap_new(v->a);
    if (!seen) {
        oom(v);
        return;
    }
    for (size_t i = 0; i < dirs->n; i++) {
        const rg_gql_directive *d = dirs->v[i];
        if ((!d->definition || !d->definition->repeatable) && set_has(seen, d->name))
            rg_gql_val_error(v, &d->pos,
                             "The directive \"@%.*s\" can only be used once at this location.",
                             S(d->name));
        set_add(v, seen, d->name);
    }
}

/* ---- rules: values ---- */

static bool parse_int64(rg_gql_str s, int64_t *out, bool *range)
{
    *range = false;
    size_t i = 0;
    bool neg = false;
    if (i < s.n && (s.s[i] == '+' || s.s[i] == '-'))
        neg = s.s[i++] == '-';
    if (i == s.n)
        return false;
    uint64_t acc = 0;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.n; i++) {
        if (s.s[i] < '0' || s.s[i] > '9')
            return false;
        unsigned d = (unsigned)(s.s[i] - '0');
        if (!*range && (acc > (limit - d) / 10))
            *range = true;
        if (!*range)
            acc = acc * 10 + d;
    }
    if (*range)
        return false;
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return true;
}

/* strconv.ParseFloat(s, 64) succeeds: decimal syntax (or inf/nan) and no
 * overflow. */
static bool parse_float_ok(rg_gql_str s)
{
    size_t i = 0;
    if (i < s.n && (s.s[i] == '+' || s.s[i] == '-'))
        i++;
    rg_gql_str rest = {s.s + i, s.n - i};
    static const char *const special[] = {"inf", "infinity", "nan"};
    for (size_t k = 0; k < 3; k++) {
        if (rest.n == strlen(special[k])) {
            bool eq = true;
            for (size_t j = 0; j < rest.n && eq; j++) {
                char c = rest.s[j];
                if (c >= 'A' && c <= 'Z')
                    c = (char)(c - 'A' + 'a');
                eq = c == special[k][j];
            }
            if (eq && (k != 2 || i == 0))
                return true;
        }
    }
    size_t digits = 0, j = i;
    while (j < s.n && s.s[j] >= '0' && s.s[j] <= '9')
        j++, digits++;
    if (j < s.n && s.s[j] == '.') {
        j++;
        while (j < s.n && s.s[j] >= '0' && s.s[j] <= '9')
            j++, digits++;
    }
    if (!digits)
        return false;
    if (j < s.n && (s.s[j] == 'e' || s.s[j] == 'E')) {
        j++;
        if (j < s.n && (s.s[j] == '+' || s.s[j] == '-'))
            j++;
        size_t ed = 0;
        while (j < s.n && s.s[j] >= '0' && s.s[j] <= '9')
            j++, ed++;
        if (!ed)
            return false;
    }
    if (j != s.n)
        return false;
    /* Overflow: strtod gives HUGE_VAL where Go's ParseFloat gives ErrRange. */
    ks_buf b = KS_BUF_INIT;
    ks_buf_append(&b, s.s, s.n);
    double d = b.err ? 0 : strtod(ks_buf_cstr(&b), NULL);
    ks_buf_free(&b);
    return isfinite(d);
}

static bool parse_bool_ok(rg_gql_str s)
{
    static const char *const ok[] = {"1", "t", "T", "TRUE",  "true",  "True",
                                     "0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 12; i++)
        if (rg_gql_streq_c(s, ok[i]))
            return true;
    return false;
}

/* Whether Value.Value(nil) fails. */
static bool value_fails(rg_gql_val *v, const rg_gql_value *x)
{
    if (!x || !rg_gql_val_enter(v))
        return false;
    bool bad = false;
    int64_t i;
    bool range;
    switch (x->kind) {
    case RG_GQL_VARIABLE:
        if (x->vardef && x->vardef->defval)
            bad = value_fails(v, x->vardef->defval);
        break;
    case RG_GQL_INT: bad = !parse_int64(x->raw, &i, &range); break;
    case RG_GQL_FLOAT: bad = !parse_float_ok(x->raw); break;
    case RG_GQL_BOOLEAN: bad = !parse_bool_ok(x->raw); break;
    case RG_GQL_LISTV:
    case RG_GQL_OBJECTV:
        for (size_t k = 0; k < x->children.n && !bad; k++) {
            const rg_gql_value *c = ((rg_gql_child *)x->children.v[k])->value;
            if (x->kind == RG_GQL_OBJECTV && c && c->kind == RG_GQL_VARIABLE &&
                (!c->vardef || !c->vardef->defval))
                continue; /* an unset variable is left out */
            bad = value_fails(v, c);
        }
        break;
    default: break;
    }
    v->depth--;
    return bad;
}

static void unexpected_type_msg(rg_gql_val *v, const rg_gql_value *x, ks_buf *msg)
{
    const char *ts = type_str(v, x->expected_type);
    const char *vs = value_str(v, x);
    if (!strcmp(ts, "Int") || !strcmp(ts, "Int!")) {
        int64_t i;
        bool range;
        bool fits = parse_int64(x->raw, &i, &range) && i >= INT32_MIN && i <= INT32_MAX;
        bool int32_range = !fits && (range || (parse_int64(x->raw, &i, &range)));
        if (int32_range)
            ks_buf_printf(msg, "Int cannot represent non 32-bit signed integer value: %s", vs);
        else
            ks_buf_printf(msg, "Int cannot represent non-integer value: %s", vs);
    } else if (!strcmp(ts, "String") || !strcmp(ts, "String!") || !strcmp(ts, "[String]")) {
        ks_buf_printf(msg, "String cannot represent a non string value: %s", vs);
    } else if (!strcmp(ts, "Boolean") || !strcmp(ts, "Boolean!")) {
        ks_buf_printf(msg, "Boolean cannot represent a non boolean value: %s", vs);
    } else if (!strcmp(ts, "Float") || !strcmp(ts, "Float!")) {
        ks_buf_printf(msg, "Float cannot represent non numeric value: %s", vs);
    } else if (!strcmp(ts, "ID") || !strcmp(ts, "ID!")) {
        ks_buf_printf(msg, "ID cannot represent a non-string and non-integer value: %s", vs);
    } else if (rg_gql_def_is(x->definition, "ENUM")) {
        ks_buf_printf(msg, "Enum \"%s\" cannot represent non-enum value: %s.", ts, vs);
    } else {
        ks_buf_printf(msg, "Expected value of type \"%s\", found %s.", ts, vs);
    }
}

static void unexpected_type(rg_gql_val *v, const rg_gql_value *x)
{
    ks_buf msg = KS_BUF_INIT;
    unexpected_type_msg(v, x, &msg);
    emit(v, &x->pos, &msg);
}

static rg_gql_str *enum_names(rg_gql_val *v, const rg_gql_def *d, size_t *n)
{
    *n = 0;
    if (!rg_gql_def_is(d, "ENUM"))
        return NULL;
    rg_gql_str *names = ks_arena_alloc(v->a, (d->enumvals.n + 1) * sizeof(rg_gql_str));
    if (!names) {
        oom(v);
        return NULL;
    }
    for (size_t i = 0; i < d->enumvals.n; i++)
        names[i] = ((rg_gql_enumval *)d->enumvals.v[i])->name;
    *n = d->enumvals.n;
    return names;
}

static const rg_gql_value *child_for_name(const rg_gql_value *x, rg_gql_str name)
{
    for (size_t i = 0; i < x->children.n; i++) {
        const rg_gql_child *c = x->children.v[i];
        if (rg_gql_streq(c->name, name))
            return c->value;
    }
    return NULL;
}

static void values_of_correct_type_object(rg_gql_val *v, const rg_gql_value *x)
{
    const rg_gql_def *d = x->definition;
    if (!rg_gql_val_spend(v, d->fields.n + x->children.n + 1))
        return;
    rg_gql_tmap *names = NULL;
    if (x->children.n > 8) {
        if (!(names = rg_gql_tmap_new(v->a))) {
            oom(v);
            return;
        }
        for (size_t i = 0; i < x->children.n; i++)
            set_add(v, names, ((rg_gql_child *)x->children.v[i])->name);
    }
    for (size_t i = 0; i < d->fields.n; i++) {
        const rg_gql_fielddef *f = d->fields.v[i];
        bool given = names ? set_has(names, f->name) : child_for_name(x, f->name) != NULL;
        if (f->type->nonnull && !given && !f->defval)
            rg_gql_val_error(v, &x->pos,
                             "Field \"%.*s.%.*s\" of required type \"%s\" was not "
                             "provided.",
                             S(d->name), S(f->name), type_str(v, f->type));
    }
    for (size_t i = 0; i < d->dirs.n; i++) {
        const rg_gql_directive *dir = d->dirs.v[i];
        if (!rg_gql_streq_c(dir->name, "oneOf"))
            continue;
        if (x->children.n != 1) {
            rg_gql_val_error(v, &x->pos,
                             "OneOf Input Object \"%.*s\" must specify exactly one key.",
                             S(d->name));
            continue;
        }
        const rg_gql_value *fv = ((rg_gql_child *)x->children.v[0])->value;
        if (!fv || fv->kind == RG_GQL_NULL) {
            rg_gql_str f0 =
                    d->fields.n ? ((rg_gql_fielddef *)d->fields.v[0])->name : (rg_gql_str){"", 0};
            rg_gql_val_error(v, fv ? &fv->pos : NULL, "Field \"%.*s.%.*s\" must be non-null.",
                             S(d->name), S(f0));
        }
    }
    for (size_t i = 0; i < x->children.n; i++) {
        const rg_gql_child *c = x->children.v[i];
        if (rg_gql_val_fielddef(v, &d->fields, c->name))
            continue;
        ks_buf msg = KS_BUF_INIT;
        ks_buf_printf(&msg, "Field \"%.*s\" is not defined by type \"%.*s\".", S(c->name),
                      S(d->name));
        rg_gql_str *fnames = field_names(v, &d->fields);
        if (fnames)
            suggest(v, &msg, "Did you mean", c->name, fnames, d->fields.n, true);
        emit(v, &c->pos, &msg);
    }
}

static void rule_values_of_correct_type(rg_gql_val *v, const rg_gql_value *x)
{
    const rg_gql_def *d = x->definition;
    if (!d || !x->expected_type)
        return;
    if (x->kind == RG_GQL_NULL && x->expected_type->nonnull)
        rg_gql_val_error(v, &x->pos, "Expected value of type \"%s\", found %s.",
                         type_str(v, x->expected_type), value_str(v, x));
    static const char *const builtin_scalars[] = {"Int", "Float", "String", "Boolean", "ID"};
    if (rg_gql_def_is(d, "SCALAR") && !name_one_of(d, builtin_scalars, 5))
        return;
    size_t nenum = 0;
    rg_gql_str *enums = enum_names(v, d, &nenum);
    if (value_fails(v, x))
        unexpected_type(v, x);
    static const char *const int_ok[] = {"Int", "Float", "ID"};
    static const char *const float_ok[] = {"Float"};
    static const char *const str_ok[] = {"String", "ID"};
    static const char *const bool_ok[] = {"Boolean"};
    switch (x->kind) {
    case RG_GQL_NULL:
    case RG_GQL_VARIABLE: return;
    case RG_GQL_LISTV:
        if (!x->expected_type->elem)
            unexpected_type(v, x);
        return;
    case RG_GQL_INT:
        if (!name_one_of(d, int_ok, 3))
            unexpected_type(v, x);
        return;
    case RG_GQL_FLOAT:
        if (!name_one_of(d, float_ok, 1))
            unexpected_type(v, x);
        return;
    case RG_GQL_STRING:
    case RG_GQL_BLOCK:
        if (rg_gql_def_is(d, "ENUM")) {
            ks_buf msg = KS_BUF_INIT;
            ks_buf_printf(&msg, "Enum \"%s\" cannot represent non-enum value: %s.",
                          type_str(v, x->expected_type), value_str(v, x));
            suggest(v, &msg, "Did you mean the enum value", x->raw, enums, nenum, true);
            emit(v, &x->pos, &msg);
        } else if (!name_one_of(d, str_ok, 2)) {
            unexpected_type(v, x);
        }
        return;
    case RG_GQL_ENUM:
        if (!rg_gql_def_is(d, "ENUM")) {
            ks_buf msg = KS_BUF_INIT;
            unexpected_type_msg(v, x, &msg);
            suggest(v, &msg, "Did you mean the enum value", x->raw, enums, nenum, false);
            emit(v, &x->pos, &msg);
        } else {
            bool found = false;
            for (size_t i = 0; i < d->enumvals.n && !found; i++)
                found = rg_gql_streq(((rg_gql_enumval *)d->enumvals.v[i])->name, x->raw);
            if (!found) {
                ks_buf msg = KS_BUF_INIT;
                ks_buf_printf(&msg, "Value \"%s\" does not exist in \"%s\" enum.", value_str(v, x),
                              type_str(v, x->expected_type));
                suggest(v, &msg, "Did you mean the enum value", x->raw, enums, nenum, true);
                emit(v, &x->pos, &msg);
            }
        }
        return;
    case RG_GQL_BOOLEAN:
        if (!name_one_of(d, bool_ok, 1))
            unexpected_type(v, x);
        return;
    case RG_GQL_OBJECTV: values_of_correct_type_object(v, x); return;
    default: return;
    }
}

static void rule_variables_in_allowed_position(rg_gql_val *v, const rg_gql_value *x)
{
    if (x->kind == RG_GQL_VARIABLE && x->expected_type && x->vardef && v->current_op) {
        rg_gql_type tmp = *x->expected_type;
        if (x->vardef->defval && x->vardef->defval->kind != RG_GQL_NULL &&
            x->expected_type->nonnull)
            tmp.nonnull = false;
        if (x->expected_type_has_default)
            tmp.nonnull = false;
        if (!rg_gql_type_compatible(x->vardef->type, &tmp))
            rg_gql_val_error(v, &x->pos,
                             "Variable \"%s\" of type \"%s\" used in position expecting type "
                             "\"%s\".",
                             value_str(v, x), type_str(v, x->vardef->type),
                             type_str(v, x->expected_type));
    }
    if (x->kind != RG_GQL_OBJECTV || !x->definition)
        return;
    bool one_of = false;
    for (size_t i = 0; i < x->definition->dirs.n && !one_of; i++)
        one_of = rg_gql_streq_c(((rg_gql_directive *)x->definition->dirs.v[i])->name, "oneOf");
    if (!one_of)
        return;
    for (size_t i = 0; i < x->children.n; i++) {
        const rg_gql_value *fv = ((rg_gql_child *)x->children.v[i])->value;
        if (!fv || fv->kind != RG_GQL_VARIABLE || !fv->vardef || fv->vardef->type->nonnull)
            continue;
        const rg_gql_pos *pos = fv->vardef->pos.set ? &fv->vardef->pos : &fv->pos;
        rg_gql_val_error(v, pos,
                         "Variable \"%s\" is of type \"%s\" but must be non-nullable to be used "
                         "for OneOf Input Object \"%.*s\".",
                         value_str(v, fv), type_str(v, fv->vardef->type), S(x->definition->name));
    }
}

static void on_value(rg_gql_val *v, const rg_gql_value *x)
{
    /* NoUndefinedVariables */
    if (v->current_op && x->kind == RG_GQL_VARIABLE && !x->vardef) {
        if (v->current_op->name.n)
            rg_gql_val_error(v, &x->pos, "Variable \"%s\" is not defined by operation \"%.*s\".",
                             value_str(v, x), S(v->current_op->name));
        else
            rg_gql_val_error(v, &x->pos, "Variable \"%s\" is not defined.", value_str(v, x));
    }
    /* UniqueInputFieldNames */
    if (x->kind == RG_GQL_OBJECTV && x->children.n > 1) {
        rg_gql_tmap *seen = rg_gql_tmap_new(v->a);
        if (!seen) {
            oom(v);
            return;
        }
        for (size_t i = 0; i < x->children.n; i++) {
            const rg_gql_child *c = x->children.v[i];
            if (set_has(seen, c->name))
                rg_gql_val_error(v, &c->pos, "There can be only one input field named \"%.*s\".",
                                 S(c->name));
            set_add(v, seen, c->name);
        }
    }
    rule_values_of_correct_type(v, x);
    rule_variables_in_allowed_position(v, x);
}

/* ---- rules: operations ---- */

typedef struct top_field {
    rg_gql_str name;
    const rg_gql_pos *pos;
} top_field;

static bool top_fields(rg_gql_val *v, const rg_gql_list *ss, rg_gql_list *out, rg_gql_tmap *in_frag)
{
    if (!rg_gql_val_enter(v))
        return false;
    for (size_t i = 0; i < ss->n; i++) {
        const rg_gql_sel *s = ss->v[i];
        if (!rg_gql_val_spend(v, 1))
            break;
        if (s->kind == RG_GQL_FIELD) {
            if (rg_gql_list_push(v->a, out, (void *)s) < 0) {
                oom(v);
                break;
            }
        } else if (s->kind == RG_GQL_INLINE) {
            if (!top_fields(v, &s->selset, out, in_frag))
                break;
        } else {
            if (!s->fragdef)
                break; /* gqlparser stops this selection set here */
            if (!set_has(in_frag, s->fragdef->name)) {
                set_add(v, in_frag, s->fragdef->name);
                if (!top_fields(v, &s->fragdef->selset, out, in_frag))
                    break;
            }
        }
    }
    v->depth--;
    return !v->rc;
}

static void rule_single_field_subscriptions(rg_gql_val *v, const rg_gql_opdef *op)
{
    if (!v->schema->subscription || !rg_gql_streq_c(op->operation, "subscription"))
        return;
    rg_gql_list all = {0};
    rg_gql_tmap *in_frag = rg_gql_tmap_new(v->a), *seen = rg_gql_tmap_new(v->a);
    if (!in_frag || !seen) {
        oom(v);
        return;
    }
    top_fields(v, &op->selset, &all, in_frag);
    if (v->rc)
        return;
    rg_gql_list uniq = {0};
    for (size_t i = 0; i < all.n; i++) {
        const rg_gql_sel *f = all.v[i];
        if (!set_has(seen, f->name) && rg_gql_list_push(v->a, &uniq, (void *)f) < 0) {
            oom(v);
            return;
        }
        set_add(v, seen, f->name);
    }
    ks_buf name = KS_BUF_INIT;
    if (op->name.n) {
        ks_buf_puts(&name, "Subscription ");
        rg_gql_quote(&name, op->name);
    } else {
        ks_buf_puts(&name, "Anonymous Subscription");
    }
    if (uniq.n > 1)
        rg_gql_val_error(v, &((rg_gql_sel *)uniq.v[1])->pos,
                         "%s must select only one top level field.", ks_buf_cstr(&name));
    for (size_t i = 0; i < uniq.n; i++) {
        const rg_gql_sel *f = uniq.v[i];
        if (f->name.n >= 2 && f->name.s[0] == '_' && f->name.s[1] == '_')
            rg_gql_val_error(v, &f->pos, "%s must not select an introspection top level field.",
                             ks_buf_cstr(&name));
    }
    ks_buf_free(&name);
}

static const rg_gql_def *root_of(const rg_gql_val *v, rg_gql_str op, const char **loc)
{
    if (op.n == 0 || rg_gql_streq_c(op, "query")) {
        *loc = "QUERY";
        return v->schema->query;
    }
    if (rg_gql_streq_c(op, "mutation")) {
        *loc = "MUTATION";
        return v->schema->mutation;
    }
    if (rg_gql_streq_c(op, "subscription")) {
        *loc = "SUBSCRIPTION";
        return v->schema->subscription;
    }
    *loc = "";
    return NULL;
}

static void on_operation(rg_gql_val *v, rg_gql_opdef *op)
{
    const char *loc;
    /* KnownRootType */
    if (!root_of(v, op->operation, &loc))
        rg_gql_val_error(v, &op->pos, "Schema does not support operation type \"%.*s\"",
                         S(op->operation));
    /* LoneAnonymousOperation */
    if (op->name.n == 0 && v->doc->ops.n > 1)
        rg_gql_val_error(v, &op->pos,
                         "This anonymous operation must be the only defined operation.");
    /* NoUnusedVariables */
    for (size_t i = 0; i < op->vardefs.n; i++) {
        const rg_gql_vardef *d = op->vardefs.v[i];
        if (d->used)
            continue;
        if (op->name.n)
            rg_gql_val_error(v, &d->pos, "Variable \"$%.*s\" is never used in operation \"%.*s\".",
                             S(d->variable), S(op->name));
        else
            rg_gql_val_error(v, &d->pos, "Variable \"$%.*s\" is never used.", S(d->variable));
    }
    rg_gql_overlap_selset(v, &op->selset);
    rule_single_field_subscriptions(v, op);
    /* UniqueOperationNames */
    if (set_has(v->operation_names, op->name))
        rg_gql_val_error(v, &op->pos, "There can be only one operation named \"%.*s\".",
                         S(op->name));
    set_add(v, v->operation_names, op->name);
    /* UniqueVariableNames */
    rg_gql_tmap *count = rg_gql_tmap_new(v->a);
    if (!count) {
        oom(v);
        return;
    }
    for (size_t i = 0; i < op->vardefs.n; i++) {
        const rg_gql_vardef *d = op->vardefs.v[i];
        uintptr_t c = (uintptr_t)rg_gql_tmap_get(count, d->variable);
        if (c == 1)
            rg_gql_val_error(v, &d->pos, "There can be only one variable named \"$%.*s\".",
                             S(d->variable));
        if (rg_gql_tmap_put(count, d->variable, (void *)(c + 1)) < 0)
            oom(v);
    }
    /* VariablesAreInputTypes */
    for (size_t i = 0; i < op->vardefs.n; i++) {
        const rg_gql_vardef *d = op->vardefs.v[i];
        if (d->definition && !is_input(d->definition))
            rg_gql_val_error(v, &d->pos, "Variable \"$%.*s\" cannot be non-input type \"%s\".",
                             S(d->variable), type_str(v, d->type));
    }
}

/* ---- the walker ---- */

static void walk_value(rg_gql_val *v, rg_gql_value *x)
{
    if (v->rc || !rg_gql_val_spend(v, 1) || !rg_gql_val_enter(v))
        return;
    if (x->kind == RG_GQL_VARIABLE && v->current_op) {
        x->vardef = NULL;
        if (v->var_index) {
            x->vardef = rg_gql_tmap_get(v->var_index, x->raw);
        } else {
            for (size_t i = 0; i < v->current_op->vardefs.n; i++) {
                rg_gql_vardef *d = v->current_op->vardefs.v[i];
                if (rg_gql_streq(d->variable, x->raw)) {
                    x->vardef = d;
                    break;
                }
            }
        }
        if (x->vardef)
            x->vardef->used = true;
    }
    if (x->kind == RG_GQL_OBJECTV) {
        for (size_t i = 0; i < x->children.n && !v->rc; i++) {
            rg_gql_child *c = x->children.v[i];
            if (x->definition) {
                rg_gql_fielddef *fd = rg_gql_val_fielddef(v, &x->definition->fields, c->name);
                if (fd) {
                    c->value->expected_type = fd->type;
                    c->value->expected_type_has_default =
                            fd->defval && fd->defval->kind != RG_GQL_NULL;
                    c->value->definition = type_of(v, rg_gql_type_name(fd->type));
                }
            }
            walk_value(v, c->value);
        }
    }
    if (x->kind == RG_GQL_LISTV) {
        for (size_t i = 0; i < x->children.n && !v->rc; i++) {
            rg_gql_child *c = x->children.v[i];
            if (x->expected_type && x->expected_type->elem) {
                c->value->expected_type = x->expected_type->elem;
                c->value->definition = x->definition;
            }
            walk_value(v, c->value);
        }
    }
    if (!v->rc)
        on_value(v, x);
    v->depth--;
}

static void walk_argument(rg_gql_val *v, const rg_gql_fielddef *ad, rg_gql_arg *arg)
{
    if (ad) {
        arg->value->expected_type = ad->type;
        arg->value->expected_type_has_default = ad->defval && ad->defval->kind != RG_GQL_NULL;
        arg->value->definition = type_of(v, rg_gql_type_name(ad->type));
    }
    walk_value(v, arg->value);
}

static void walk_directives(rg_gql_val *v, rg_gql_def *parent, rg_gql_list *dirs,
                            const char *location)
{
    for (size_t i = 0; i < dirs->n && !v->rc; i++) {
        rg_gql_directive *d = dirs->v[i];
        rg_gql_dirdef *def = rg_gql_tmap_get(v->schema->directives, d->name);
        d->definition = def;
        d->parent_def = parent;
        d->location = (rg_gql_str){location, strlen(location)};
        for (size_t k = 0; k < d->args.n && !v->rc; k++) {
            rg_gql_arg *arg = d->args.v[k];
            walk_argument(v, def ? rg_gql_val_fielddef(v, &def->args, arg->name) : NULL, arg);
        }
        if (!v->rc)
            on_directive(v, d);
    }
    if (!v->rc)
        on_directive_list(v, dirs);
}

static void walk_selset(rg_gql_val *v, rg_gql_def *parent, rg_gql_list *ss);

static void walk_selection(rg_gql_val *v, rg_gql_def *parent, rg_gql_sel *s)
{
    if (s->kind == RG_GQL_FIELD) {
        rg_gql_fielddef *def = NULL;
        if (rg_gql_streq_c(s->name, "__typename")) {
            def = &v->typename_def;
        } else if (parent) {
            def = rg_gql_val_fielddef(v, &parent->fields, s->name);
        }
        s->definition = def;
        s->objdef = parent;
        rg_gql_def *next = def ? type_of(v, rg_gql_type_name(def->type)) : NULL;
        for (size_t i = 0; i < s->args.n && !v->rc; i++) {
            rg_gql_arg *arg = s->args.v[i];
            walk_argument(v, def ? rg_gql_val_fielddef(v, &def->args, arg->name) : NULL, arg);
        }
        walk_directives(v, next, &s->dirs, "FIELD");
        walk_selset(v, next, &s->selset);
        if (!v->rc)
            on_field(v, s);
    } else if (s->kind == RG_GQL_INLINE) {
        s->objdef = parent;
        rg_gql_def *next = parent;
        if (s->type_cond.n)
            next = type_of(v, s->type_cond);
        walk_directives(v, next, &s->dirs, "INLINE_FRAGMENT");
        walk_selset(v, next, &s->selset);
        if (!v->rc)
            on_inline_fragment(v, s);
    } else {
        rg_gql_fragdef *def = rg_gql_tmap_get(v->fragments, s->name);
        s->fragdef = def;
        s->objdef = parent;
        rg_gql_def *next = def ? type_of(v, def->type_cond) : NULL;
        walk_directives(v, next, &s->dirs, "FRAGMENT_SPREAD");
        if (def && !set_has(v->validated, def->name)) {
            set_add(v, v->validated, def->name);
            walk_directives(v, next, &def->dirs, "FRAGMENT_DEFINITION");
            walk_selset(v, next, &def->selset);
        }
        if (!v->rc)
            on_fragment_spread(v, s);
    }
}

static void walk_selset(rg_gql_val *v, rg_gql_def *parent, rg_gql_list *ss)
{
    if (!rg_gql_val_enter(v))
        return;
    for (size_t i = 0; i < ss->n && !v->rc; i++) {
        if (!rg_gql_val_spend(v, 1))
            break;
        walk_selection(v, parent, ss->v[i]);
    }
    v->depth--;
}

static void walk_operation(rg_gql_val *v, rg_gql_opdef *op)
{
    v->current_op = op;
    v->var_index = NULL;
    if (op->vardefs.n > 8) {
        if (!(v->var_index = rg_gql_tmap_new(v->a))) {
            oom(v);
            return;
        }
        for (size_t i = 0; i < op->vardefs.n; i++) {
            rg_gql_vardef *d = op->vardefs.v[i];
            if (!rg_gql_tmap_get(v->var_index, d->variable) &&
                rg_gql_tmap_put(v->var_index, d->variable, d) < 0) {
                oom(v);
                return;
            }
        }
    }
    for (size_t i = 0; i < op->vardefs.n && !v->rc; i++) {
        rg_gql_vardef *d = op->vardefs.v[i];
        d->definition = type_of(v, rg_gql_type_name(d->type));
        /* KnownTypeNames */
        if (!d->definition) {
            rg_gql_str tn = rg_gql_type_name(d->type);
            rg_gql_val_error(v, &d->pos, "Unknown type \"%.*s\".", S(tn));
        }
        if (d->defval) {
            d->defval->expected_type = d->type;
            d->defval->definition = d->definition;
        }
    }
    const char *loc;
    rg_gql_def *def = (rg_gql_def *)root_of(v, op->operation, &loc);
    for (size_t i = 0; i < op->vardefs.n && !v->rc; i++) {
        rg_gql_vardef *d = op->vardefs.v[i];
        if (d->defval)
            walk_value(v, d->defval);
        walk_directives(v, d->definition, &d->dirs, "VARIABLE_DEFINITION");
    }
    walk_directives(v, def, &op->dirs, loc);
    walk_selset(v, def, &op->selset);
    if (!v->rc)
        on_operation(v, op);
    v->current_op = NULL;
    v->var_index = NULL;
}

static void walk_fragment(rg_gql_val *v, rg_gql_fragdef *f)
{
    rg_gql_def *def = type_of(v, f->type_cond);
    f->definition = def;
    walk_directives(v, def, &f->dirs, "FRAGMENT_DEFINITION");
    walk_selset(v, def, &f->selset);
    if (!v->rc)
        on_fragment(v, f);
}

int rg_gql_validate(ks_arena *a, const rg_gql_schema *schema, rg_gql_querydoc *doc,
                    bool first_error_only, rg_gql_errs *err)
{
    rg_gql_val v = {
            .a = a, .schema = schema, .doc = doc, .err = err, .first_error_only = first_error_only};
    err->is_list = true;
    v.string_type = (rg_gql_type){.named = RG_GQL_S("String")};
    v.typename_def = (rg_gql_fielddef){
            .name = RG_GQL_S("__typename"), .description = RG_GQL_S(""), .type = &v.string_type};
    v.fragments = rg_gql_tmap_new(a);
    v.indexes = rg_gql_tmap_new(a);
    v.known_dirs_seen = rg_gql_tmap_new(a);
    v.introspect_memo = rg_gql_tmap_new(a);
    v.introspect_visit = rg_gql_tmap_new(a);
    v.cycle_visited = rg_gql_tmap_new(a);
    v.fragment_used = rg_gql_tmap_new(a);
    v.fragment_names = rg_gql_tmap_new(a);
    v.operation_names = rg_gql_tmap_new(a);
    if (!v.fragments || !v.indexes || !v.known_dirs_seen || !v.introspect_memo ||
        !v.introspect_visit || !v.cycle_visited || !v.fragment_used || !v.fragment_names ||
        !v.operation_names || rg_gql_overlap_init(&v) < 0) {
        err->oom = true;
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < doc->frags.n; i++) {
        rg_gql_fragdef *f = doc->frags.v[i];
        if (!rg_gql_tmap_get(v.fragments, f->name) && rg_gql_tmap_put(v.fragments, f->name, f) < 0)
            oom(&v);
    }
    for (size_t i = 0; i < doc->ops.n && !v.rc; i++) {
        if (!(v.validated = rg_gql_tmap_new(a)))
            oom(&v);
        else
            walk_operation(&v, doc->ops.v[i]);
    }
    for (size_t i = 0; i < doc->frags.n && !v.rc; i++) {
        if (!(v.validated = rg_gql_tmap_new(a)))
            oom(&v);
        else
            walk_fragment(&v, doc->frags.v[i]);
    }
    if (v.rc && v.rc != RG_GQL_STOP)
        return err->oom ? KS_ENOMEM : v.rc;
    return err->list.n ? KS_EPARSE : 0;
}
