/*
 * GraphQL query validation: gqlparser's walker. It visits operations, then
 * fragments, annotating the AST with what it resolves (field and fragment
 * definitions, expected types) and raising events, which run the rules
 * (bi_graphql_rules.c). Errors keep the order in which they are raised.
 */
#include <stdarg.h>
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
                    c->value->definition = rg_gql_val_type(v, rg_gql_type_name(fd->type));
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
        rg_gql_on_value(v, x);
    v->depth--;
}

static void walk_argument(rg_gql_val *v, const rg_gql_fielddef *ad, rg_gql_arg *arg)
{
    if (ad) {
        arg->value->expected_type = ad->type;
        arg->value->expected_type_has_default = ad->defval && ad->defval->kind != RG_GQL_NULL;
        arg->value->definition = rg_gql_val_type(v, rg_gql_type_name(ad->type));
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
            rg_gql_on_directive(v, d);
    }
    if (!v->rc)
        rg_gql_on_directive_list(v, dirs);
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
        rg_gql_def *next = def ? rg_gql_val_type(v, rg_gql_type_name(def->type)) : NULL;
        for (size_t i = 0; i < s->args.n && !v->rc; i++) {
            rg_gql_arg *arg = s->args.v[i];
            walk_argument(v, def ? rg_gql_val_fielddef(v, &def->args, arg->name) : NULL, arg);
        }
        walk_directives(v, next, &s->dirs, "FIELD");
        walk_selset(v, next, &s->selset);
        if (!v->rc)
            rg_gql_on_field(v, s);
    } else if (s->kind == RG_GQL_INLINE) {
        s->objdef = parent;
        rg_gql_def *next = parent;
        if (s->type_cond.n)
            next = rg_gql_val_type(v, s->type_cond);
        walk_directives(v, next, &s->dirs, "INLINE_FRAGMENT");
        walk_selset(v, next, &s->selset);
        if (!v->rc)
            rg_gql_on_inline_fragment(v, s);
    } else {
        rg_gql_fragdef *def = rg_gql_tmap_get(v->fragments, s->name);
        s->fragdef = def;
        s->objdef = parent;
        rg_gql_def *next = def ? rg_gql_val_type(v, def->type_cond) : NULL;
        walk_directives(v, next, &s->dirs, "FRAGMENT_SPREAD");
        if (def && !rg_gql_set_has(v->validated, def->name)) {
            rg_gql_set_add(v, v->validated, def->name);
            walk_directives(v, next, &def->dirs, "FRAGMENT_DEFINITION");
            walk_selset(v, next, &def->selset);
        }
        if (!v->rc)
            rg_gql_on_fragment_spread(v, s);
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
            rg_gql_val_oom(v);
            return;
        }
        for (size_t i = 0; i < op->vardefs.n; i++) {
            rg_gql_vardef *d = op->vardefs.v[i];
            if (!rg_gql_tmap_get(v->var_index, d->variable) &&
                rg_gql_tmap_put(v->var_index, d->variable, d) < 0) {
                rg_gql_val_oom(v);
                return;
            }
        }
    }
    for (size_t i = 0; i < op->vardefs.n && !v->rc; i++) {
        rg_gql_vardef *d = op->vardefs.v[i];
        d->definition = rg_gql_val_type(v, rg_gql_type_name(d->type));
        /* KnownTypeNames */
        if (!d->definition) {
            rg_gql_str tn = rg_gql_type_name(d->type);
            rg_gql_val_error(v, &d->pos, "Unknown type \"%.*s\".", (int)tn.n, tn.s);
        }
        if (d->defval) {
            d->defval->expected_type = d->type;
            d->defval->definition = d->definition;
        }
    }
    const char *loc;
    rg_gql_def *def = (rg_gql_def *)rg_gql_val_root(v, op->operation, &loc);
    for (size_t i = 0; i < op->vardefs.n && !v->rc; i++) {
        rg_gql_vardef *d = op->vardefs.v[i];
        if (d->defval)
            walk_value(v, d->defval);
        walk_directives(v, d->definition, &d->dirs, "VARIABLE_DEFINITION");
    }
    walk_directives(v, def, &op->dirs, loc);
    walk_selset(v, def, &op->selset);
    if (!v->rc)
        rg_gql_on_operation(v, op);
    v->current_op = NULL;
    v->var_index = NULL;
}

static void walk_fragment(rg_gql_val *v, rg_gql_fragdef *f)
{
    rg_gql_def *def = rg_gql_val_type(v, f->type_cond);
    f->definition = def;
    walk_directives(v, def, &f->dirs, "FRAGMENT_DEFINITION");
    walk_selset(v, def, &f->selset);
    if (!v->rc)
        rg_gql_on_fragment(v, f);
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
            rg_gql_val_oom(&v);
    }
    for (size_t i = 0; i < doc->ops.n && !v.rc; i++) {
        if (!(v.validated = rg_gql_tmap_new(a)))
            rg_gql_val_oom(&v);
        else
            walk_operation(&v, doc->ops.v[i]);
    }
    for (size_t i = 0; i < doc->frags.n && !v.rc; i++) {
        if (!(v.validated = rg_gql_tmap_new(a)))
            rg_gql_val_oom(&v);
        else
            walk_fragment(&v, doc->frags.v[i]);
    }
    if (v.rc && v.rc != RG_GQL_STOP)
        return err->oom ? KS_ENOMEM : v.rc;
    return err->list.n ? KS_EPARSE : 0;
}
