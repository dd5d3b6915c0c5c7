/*
 * gqlparser's default validation rules, as handlers of the walker's events
 * (see bi_graphql_validate.c); the value rules are in bi_graphql_values.c.
 * Each handler runs the rules listening to its event in gqlparser's order:
 * rules sorted by name, then in the order each rule registered.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "rego/bi_graphql_val.h"

#define S(x) (int)(x).n, (x).s

const char *rg_gql_val_keep(rg_gql_val *v, ks_buf *b)
{
    const char *r = b->err ? NULL : ks_arena_strndup(v->a, ks_buf_cstr(b), b->len);
    ks_buf_free(b);
    if (!r) {
        rg_gql_val_oom(v);
        return "";
    }
    return r;
}

/* Type.String(), in the arena. */
const char *rg_gql_val_type_str(rg_gql_val *v, const rg_gql_type *t)
{
    ks_buf b = KS_BUF_INIT;
    rg_gql_type_string(&b, t);
    return rg_gql_val_keep(v, &b);
}

void rg_gql_val_emit(rg_gql_val *v, const rg_gql_pos *pos, ks_buf *msg)
{
    if (msg->err)
        rg_gql_val_oom(v);
    else
        rg_gql_val_error(v, pos, "%s", ks_buf_cstr(msg));
    ks_buf_free(msg);
}

rg_gql_str *rg_gql_val_field_names(rg_gql_val *v, const rg_gql_list *fields)
{
    rg_gql_str *names = ks_arena_alloc(v->a, (fields->n + 1) * sizeof(rg_gql_str));
    if (!names) {
        rg_gql_val_oom(v);
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
        rg_gql_val_oom(v);
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
            const rg_gql_def *id = rg_gql_val_type(v, pi);
            if (!id || !rg_gql_val_spend(v, 1) || !rg_gql_val_fielddef(v, &id->fields, name))
                continue;
            uintptr_t at = (uintptr_t)rg_gql_tmap_get(index, pi);
            if (!at) {
                intfs[ni] = pi;
                at = ++ni;
                if (rg_gql_tmap_put(index, pi, (void *)at) < 0) {
                    rg_gql_val_oom(v);
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
        rg_gql_val_oom(v);
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
    rg_gql_or_list(msg, all, n, true);
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
        rg_gql_str *names = rg_gql_val_field_names(v, &f->objdef->fields);
        if (names)
            rg_gql_val_suggest(v, &msg, "Did you mean", f->name, names, f->objdef->fields.n, true);
    }
    rg_gql_val_emit(v, &f->pos, &msg);
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
        rg_gql_str *names = rg_gql_val_field_names(v, &f->definition->args);
        if (names)
            rg_gql_val_suggest(v, &msg, "Did you mean", arg->name, names, f->definition->args.n,
                               true);
        rg_gql_val_emit(v, &f->pos, &msg);
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
            rg_gql_val_oom(v);
            return false;
        }
    }
    if (memo[depth])
        return memo[depth] > 0;
    if (rg_gql_tmap_put(v->introspect_visit, s->name, (void *)(uintptr_t)(depth + 1)) < 0) {
        rg_gql_val_oom(v);
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
                rg_gql_val_oom(v);
                return;
            }
            for (size_t k = 0; k < args->n; k++)
                rg_gql_set_add(v, names, ((rg_gql_arg *)args->v[k])->name);
        }
        if (names)
            found = rg_gql_set_has(names, ad->name);
        for (size_t k = 0; !names && k < args->n && !found; k++)
            found = rg_gql_streq(((rg_gql_arg *)args->v[k])->name, ad->name);
        if (found)
            continue;
        rg_gql_val_error(v, pos,
                         "%s \"%s%.*s\" argument \"%.*s\" of type \"%s\" is required, but it was "
                         "not provided.",
                         what, !strcmp(what, "Directive") ? "@" : "", S(name), S(ad->name),
                         rg_gql_val_type_str(v, ad->type));
    }
}

static void rule_scalar_leafs(rg_gql_val *v, rg_gql_sel *f)
{
    if (!f->definition)
        return;
    const rg_gql_def *t = rg_gql_val_type(v, rg_gql_type_name(f->definition->type));
    if (!t)
        return;
    if (rg_gql_def_leaf(t) && f->selset.n > 0)
        rg_gql_val_error(v, &f->pos,
                         "Field \"%.*s\" must not have a selection since type \"%.*s\" has no "
                         "subfields.",
                         S(f->name), S(t->name));
    if (!rg_gql_def_leaf(t) && f->selset.n == 0)
        rg_gql_val_error(v, &f->pos,
                         "Field \"%.*s\" of type \"%s\" must have a selection of subfields. Did "
                         "you mean \"%.*s { ... }\"?",
                         S(f->name), rg_gql_val_type_str(v, f->definition->type), S(f->name));
}

static void check_unique_args(rg_gql_val *v, const rg_gql_list *args)
{
    if (args->n < 2)
        return;
    rg_gql_tmap *count = rg_gql_tmap_new(v->a);
    if (!count) {
        rg_gql_val_oom(v);
        return;
    }
    for (size_t i = 0; i < args->n; i++) {
        const rg_gql_arg *arg = args->v[i];
        uintptr_t c = (uintptr_t)rg_gql_tmap_get(count, arg->name);
        if (c == 1)
            rg_gql_val_error(v, &arg->pos, "There can be only one argument named \"%.*s\".",
                             S(arg->name));
        if (rg_gql_tmap_put(count, arg->name, (void *)(c + 1)) < 0)
            rg_gql_val_oom(v);
    }
}

void rg_gql_on_field(rg_gql_val *v, rg_gql_sel *f)
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
    const rg_gql_def *ft = rg_gql_val_type(v, name);
    if (!ft || !rg_gql_def_composite(ft))
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

void rg_gql_on_inline_fragment(rg_gql_val *v, rg_gql_sel *s)
{
    /* FragmentsOnCompositeTypes */
    const rg_gql_def *ft = rg_gql_val_type(v, s->type_cond);
    if (ft && !rg_gql_def_composite(ft))
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

void rg_gql_on_fragment_spread(rg_gql_val *v, rg_gql_sel *s)
{
    if (!s->fragdef)
        rg_gql_val_error(v, &s->pos, "Unknown fragment \"%.*s\".", S(s->name));
    if (!v->in_fragment_definition)
        rg_gql_set_add(v, v->fragment_used, s->name);
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
        rg_gql_val_oom(v);
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
                rg_gql_val_oom(v);
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
    if (rg_gql_set_has(v->cycle_visited, frag->name))
        return;
    rg_gql_set_add(v, v->cycle_visited, frag->name);
    rg_gql_list spreads = {0};
    if (!fragment_spreads(v, &frag->selset, &spreads) || spreads.n == 0)
        return;
    if (!rg_gql_val_enter(v))
        return;
    if (rg_gql_tmap_put(index, frag->name, (void *)(uintptr_t)(path->n + 1)) < 0) {
        rg_gql_val_oom(v);
        goto out;
    }
    for (size_t i = 0; i < spreads.n && !v->rc; i++) {
        rg_gql_sel *sp = spreads.v[i];
        uintptr_t ci = (uintptr_t)rg_gql_tmap_get(index, sp->name);
        if (rg_gql_list_push(v->a, path, sp) < 0) {
            rg_gql_val_oom(v);
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
                rg_gql_val_oom(v);
            else
                rg_gql_val_error(v, &sp->pos, "Cannot spread fragment \"%.*s\" within itself%s.",
                                 S(sp->name), ks_buf_cstr(&via));
            ks_buf_free(&via);
        }
        path->n--;
    }
    if (rg_gql_tmap_put(index, frag->name, NULL) < 0)
        rg_gql_val_oom(v);
out:
    v->depth--;
}

void rg_gql_on_fragment(rg_gql_val *v, rg_gql_fragdef *f)
{
    /* FragmentsOnCompositeTypes */
    if (f->definition && f->type_cond.n && !rg_gql_def_composite(f->definition))
        rg_gql_val_error(v, &f->pos,
                         "Fragment \"%.*s\" cannot condition on non composite type \"%.*s\".",
                         S(f->name), S(f->type_cond));
    /* KnownTypeNames */
    if (!rg_gql_val_type(v, f->type_cond)) {
        ks_buf msg = KS_BUF_INIT;
        ks_buf_printf(&msg, "Unknown type \"%.*s\".", S(f->type_cond));
        const rg_gql_list *tn = &v->schema->type_names;
        rg_gql_str *names = ks_arena_alloc(v->a, (tn->n + 1) * sizeof(rg_gql_str));
        if (names) {
            for (size_t i = 0; i < tn->n; i++)
                names[i] = *(rg_gql_str *)tn->v[i];
            rg_gql_val_suggest(v, &msg, "Did you mean", f->type_cond, names, tn->n, true);
        } else {
            rg_gql_val_oom(v);
        }
        rg_gql_val_emit(v, &f->pos, &msg);
    }
    /* NoFragmentCycles */
    rg_gql_list path = {0};
    rg_gql_tmap *index = rg_gql_tmap_new(v->a);
    if (!index)
        rg_gql_val_oom(v);
    else
        cycles_from(v, f, &path, index);
    /* NoUnusedFragments */
    v->in_fragment_definition = true;
    if (!rg_gql_set_has(v->fragment_used, f->name))
        rg_gql_val_error(v, &f->pos, "Fragment \"%.*s\" is never used.", S(f->name));
    rg_gql_overlap_selset(v, &f->selset);
    /* UniqueFragmentNames */
    if (rg_gql_set_has(v->fragment_names, f->name))
        rg_gql_val_error(v, &f->pos, "There can be only one fragment named \"%.*s\".", S(f->name));
    rg_gql_set_add(v, v->fragment_names, f->name);
}

/* ---- rules: directives ---- */

void rg_gql_on_directive(rg_gql_val *v, rg_gql_directive *d)
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
        rg_gql_str *names = rg_gql_val_field_names(v, &def->args);
        if (names)
            rg_gql_val_suggest(v, &msg, "Did you mean", arg->name, names, def->args.n, true);
        rg_gql_val_emit(v, &d->pos, &msg);
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
                rg_gql_val_oom(v);
            } else if (!rg_gql_set_has(v->known_dirs_seen, kstr)) {
                rg_gql_val_error(v, &d->pos, "Directive \"@%.*s\" may not be used on %.*s.",
                                 S(d->name), S(d->location));
                rg_gql_set_add(v, v->known_dirs_seen, kstr);
            }
        }
    }
    /* ProvidedRequiredArguments */
    if (def)
        rule_provided_required_arguments(v, &def->args, &d->args, &d->pos, "Directive", def->name);
    /* UniqueArgumentNames */
    check_unique_args(v, &d->args);
}

void rg_gql_on_directive_list(rg_gql_val *v, const rg_gql_list *dirs)
{
    if (dirs->n < 2)
        return;
    rg_gql_tmap *seen = rg_gql_tmap_new(v->a);
    if (!seen) {
        rg_gql_val_oom(v);
        return;
    }
    for (size_t i = 0; i < dirs->n; i++) {
        const rg_gql_directive *d = dirs->v[i];
        if ((!d->definition || !d->definition->repeatable) && rg_gql_set_has(seen, d->name))
            rg_gql_val_error(v, &d->pos,
                             "The directive \"@%.*s\" can only be used once at this location.",
                             S(d->name));
        rg_gql_set_add(v, seen, d->name);
    }
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
                rg_gql_val_oom(v);
                break;
            }
        } else if (s->kind == RG_GQL_INLINE) {
            if (!top_fields(v, &s->selset, out, in_frag))
                break;
        } else {
            if (!s->fragdef)
                break; /* gqlparser stops this selection set here */
            if (!rg_gql_set_has(in_frag, s->fragdef->name)) {
                rg_gql_set_add(v, in_frag, s->fragdef->name);
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
        rg_gql_val_oom(v);
        return;
    }
    top_fields(v, &op->selset, &all, in_frag);
    if (v->rc)
        return;
    rg_gql_list uniq = {0};
    for (size_t i = 0; i < all.n; i++) {
        const rg_gql_sel *f = all.v[i];
        if (!rg_gql_set_has(seen, f->name) && rg_gql_list_push(v->a, &uniq, (void *)f) < 0) {
            rg_gql_val_oom(v);
            return;
        }
        rg_gql_set_add(v, seen, f->name);
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

const rg_gql_def *rg_gql_val_root(const rg_gql_val *v, rg_gql_str op, const char **loc)
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

void rg_gql_on_operation(rg_gql_val *v, rg_gql_opdef *op)
{
    const char *loc;
    /* KnownRootType */
    if (!rg_gql_val_root(v, op->operation, &loc))
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
    if (rg_gql_set_has(v->operation_names, op->name))
        rg_gql_val_error(v, &op->pos, "There can be only one operation named \"%.*s\".",
                         S(op->name));
    rg_gql_set_add(v, v->operation_names, op->name);
    /* UniqueVariableNames */
    rg_gql_tmap *count = rg_gql_tmap_new(v->a);
    if (!count) {
        rg_gql_val_oom(v);
        return;
    }
    for (size_t i = 0; i < op->vardefs.n; i++) {
        const rg_gql_vardef *d = op->vardefs.v[i];
        uintptr_t c = (uintptr_t)rg_gql_tmap_get(count, d->variable);
        if (c == 1)
            rg_gql_val_error(v, &d->pos, "There can be only one variable named \"$%.*s\".",
                             S(d->variable));
        if (rg_gql_tmap_put(count, d->variable, (void *)(c + 1)) < 0)
            rg_gql_val_oom(v);
    }
    /* VariablesAreInputTypes */
    for (size_t i = 0; i < op->vardefs.n; i++) {
        const rg_gql_vardef *d = op->vardefs.v[i];
        if (d->definition && !rg_gql_def_input(d->definition))
            rg_gql_val_error(v, &d->pos, "Variable \"$%.*s\" cannot be non-input type \"%s\".",
                             S(d->variable), rg_gql_val_type_str(v, d->type));
    }
}
