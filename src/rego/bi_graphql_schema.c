/*
 * GraphQL schemas: the prelude merged before the caller's document, then
 * gqlparser's ValidateSchemaDocument (type and directive tables, extensions,
 * root operation types, and its checks in its order, with its messages).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "rego/bi_graphql.h"

/* The types and directives the GraphQL specification declares implicitly,
 * as gqlparser's prelude declares them (descriptions left out: they never
 * show). */
static const char prelude_sdl[] =
        "scalar Int\n"
        "scalar Float\n"
        "scalar String\n"
        "scalar Boolean\n"
        "scalar ID\n"
        "directive @defer(if: Boolean = true, label: String)"
        " on FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
        "directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
        "directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
        "directive @deprecated(reason: String = \"No longer supported\") on FIELD_DEFINITION"
        " | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE | DIRECTIVE_DEFINITION\n"
        "directive @specifiedBy(url: String!) on SCALAR\n"
        "directive @oneOf on INPUT_OBJECT\n"
        "type __Schema { description: String types: [__Type!]! queryType: __Type!"
        " mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }\n"
        "type __Type { kind: __TypeKind! name: String description: String"
        " specifiedByURL: String fields(includeDeprecated: Boolean = false): [__Field!]"
        " interfaces: [__Type!] possibleTypes: [__Type!]"
        " enumValues(includeDeprecated: Boolean = false): [__EnumValue!]"
        " inputFields(includeDeprecated: Boolean = false): [__InputValue!]"
        " ofType: __Type isOneOf: Boolean }\n"
        "enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }\n"
        "type __Field { name: String! description: String"
        " args(includeDeprecated: Boolean = false): [__InputValue!]! type: __Type!"
        " isDeprecated: Boolean! deprecationReason: String }\n"
        "type __InputValue { name: String! description: String type: __Type!"
        " defaultValue: String isDeprecated: Boolean! deprecationReason: String }\n"
        "type __EnumValue { name: String! description: String isDeprecated: Boolean!"
        " deprecationReason: String }\n"
        "type __Directive { name: String! description: String isRepeatable: Boolean!"
        " locations: [__DirectiveLocation!]! args(includeDeprecated: Boolean = false):"
        " [__InputValue!]! }\n"
        "enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION"
        " FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT"
        " FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT"
        " INPUT_FIELD_DEFINITION DIRECTIVE_DEFINITION }\n";

typedef struct sb {
    ks_arena *a;
    rg_gql_schema *s;
    rg_gql_errs *err;
    size_t work;
    rg_gql_tmap *indexes; /* field lists -> name -> first field */
} sb;

#define FAIL_OOM(b) ((b)->err->oom = true, KS_ENOMEM)

static int spend(sb *b, size_t n)
{
    b->work += n;
    if (b->work > RG_GQL_MAX_WORK)
        return rg_gql_error_raw(b->err, KS_ELIMIT,
                                "graphql: schema too complex to validate (work limit reached)");
    return 0;
}

static rg_gql_list *tmap_list(sb *b, rg_gql_tmap *m, rg_gql_str key)
{
    rg_gql_list *l = rg_gql_tmap_get(m, key);
    if (l)
        return l;
    l = ks_arena_calloc(b->a, 1, sizeof(*l));
    if (!l || rg_gql_tmap_put(m, key, l) < 0)
        return NULL;
    return l;
}

static int list_add(sb *b, rg_gql_tmap *m, rg_gql_str key, void *item)
{
    rg_gql_list *l = tmap_list(b, m, key);
    if (!l || rg_gql_list_push(b->a, l, item) < 0)
        return FAIL_OOM(b);
    return 0;
}

static int append_all(sb *b, rg_gql_list *dst, const rg_gql_list *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (rg_gql_list_push(b->a, dst, src->v[i]) < 0)
            return FAIL_OOM(b);
    return 0;
}

/* s quoted as strconv.Quote, in the arena. */
static const char *quoted(sb *b, rg_gql_str s)
{
    ks_buf q = KS_BUF_INIT;
    rg_gql_quote(&q, s);
    const char *r = q.err ? NULL : ks_arena_strndup(b->a, ks_buf_cstr(&q), q.len);
    ks_buf_free(&q);
    return r ? r : "\"\"";
}

static bool valid_name(rg_gql_str s)
{
    return !(s.n >= 2 && s.s[0] == '_' && s.s[1] == '_');
}

static int validate_name(sb *b, const rg_gql_pos *pos, rg_gql_str name)
{
    if (valid_name(name))
        return 0;
    return rg_gql_errorposf(b->err, pos,
                            "Name \"%.*s\" must not begin with \"__\", which is reserved by "
                            "GraphQL introspection.",
                            (int)name.n, name.s);
}

static bool is_prelude_directive(rg_gql_str n)
{
    static const char *const names[] = {"defer", "deprecated", "include",
                                        "oneOf", "skip",       "specifiedBy"};
    for (size_t i = 0; i < 6; i++)
        if (rg_gql_streq_c(n, names[i]))
            return true;
    return false;
}

static bool is_input_type(const rg_gql_def *d)
{
    return rg_gql_def_is(d, "SCALAR") || rg_gql_def_is(d, "ENUM") ||
           rg_gql_def_is(d, "INPUT_OBJECT");
}

/* ---- input field names, directives, arguments ---- */

static int validate_input_field_names(sb *b, const rg_gql_value *v)
{
    if (!v)
        return 0;
    int rc = spend(b, v->children.n + 1);
    if (rc < 0)
        return rc;
    rg_gql_tmap *seen = NULL;
    if (v->kind == RG_GQL_OBJECTV && v->children.n > 1 && !(seen = rg_gql_tmap_new(b->a)))
        return FAIL_OOM(b);
    for (size_t i = 0; i < v->children.n; i++) {
        const rg_gql_child *c = v->children.v[i];
        if (seen) {
            if (rg_gql_tmap_get(seen, c->name))
                return rg_gql_errorposf(b->err, &c->pos,
                                        "There can be only one input field named \"%.*s\".",
                                        (int)c->name.n, c->name.s);
            if (rg_gql_tmap_put(seen, c->name, (void *)c) < 0)
                return FAIL_OOM(b);
        }
        if ((rc = validate_input_field_names(b, c->value)) < 0)
            return rc;
    }
    return 0;
}

static const rg_gql_fielddef *arg_for_name(const rg_gql_list *args, rg_gql_str name)
{
    for (size_t i = 0; i < args->n; i++) {
        const rg_gql_fielddef *a = args->v[i];
        if (rg_gql_streq(a->name, name))
            return a;
    }
    return NULL;
}

/* FieldList.ForName, through an index for long lists. NULL also when
 * memory runs out (b->err->oom is set). */
static const rg_gql_fielddef *field_for_name(sb *b, const rg_gql_list *fields, rg_gql_str name)
{
    if (fields->n <= 8)
        return arg_for_name(fields, name);
    rg_gql_str key = {(const char *)&fields, sizeof(fields)};
    rg_gql_tmap *idx = rg_gql_tmap_get(b->indexes, key);
    if (!idx) {
        char *k = ks_arena_memdup(b->a, &fields, sizeof(fields));
        if (!k || !(idx = rg_gql_tmap_new(b->a)) ||
            rg_gql_tmap_put(b->indexes, (rg_gql_str){k, sizeof(fields)}, idx) < 0) {
            b->err->oom = true;
            return NULL;
        }
        for (size_t i = 0; i < fields->n; i++) {
            rg_gql_fielddef *f = fields->v[i];
            if (!rg_gql_tmap_get(idx, f->name) && rg_gql_tmap_put(idx, f->name, f) < 0) {
                b->err->oom = true;
                return NULL;
            }
        }
    }
    return rg_gql_tmap_get(idx, name);
}

static int validate_directives(sb *b, const rg_gql_list *dirs, const char *location,
                               const rg_gql_dirdef *current, bool single_location)
{
    rg_gql_tmap *seen = rg_gql_tmap_new(b->a);
    if (!seen)
        return FAIL_OOM(b);
    for (size_t i = 0; i < dirs->n; i++) {
        rg_gql_directive *dir = dirs->v[i];
        int rc = validate_name(b, &dir->pos, dir->name);
        if (rc < 0)
            return rc;
        if (current && rg_gql_streq(dir->name, current->name))
            return rg_gql_errorposf(b->err, &dir->pos, "Directive %.*s cannot refer to itself.",
                                    (int)current->name.n, current->name.s);
        rg_gql_dirdef *def = rg_gql_tmap_get(b->s->directives, dir->name);
        if (!def)
            return rg_gql_errorposf(b->err, &dir->pos, "Undefined directive %.*s.",
                                    (int)dir->name.n, dir->name.s);
        if (single_location) {
            if (rg_gql_tmap_get(seen, dir->name) && !def->repeatable)
                return rg_gql_errorposf(b->err, &dir->pos,
                                        "The directive %.*s can only be used once at this "
                                        "location.",
                                        (int)dir->name.n, dir->name.s);
            if (rg_gql_tmap_put(seen, dir->name, dir) < 0)
                return FAIL_OOM(b);
        }
        bool valid_kind = false;
        for (size_t k = 0; k < def->locations.n && !valid_kind; k++)
            valid_kind = rg_gql_streq_c(*(rg_gql_str *)def->locations.v[k], location);
        if (!valid_kind)
            return rg_gql_errorposf(b->err, &dir->pos, "Directive %.*s is not applicable on %s.",
                                    (int)dir->name.n, dir->name.s, location);
        rg_gql_tmap *args_seen = rg_gql_tmap_new(b->a);
        if (!args_seen)
            return FAIL_OOM(b);
        if ((rc = spend(b, dir->args.n + def->args.n + 1)) < 0)
            return rc;
        for (size_t k = 0; k < dir->args.n; k++) {
            const rg_gql_arg *arg = dir->args.v[k];
            const rg_gql_fielddef *ad = field_for_name(b, &def->args, arg->name);
            if (b->err->oom)
                return KS_ENOMEM;
            if (!ad)
                return rg_gql_errorposf(
                        b->err, &arg->pos, "Undefined argument %.*s for directive %.*s.",
                        (int)arg->name.n, arg->name.s, (int)dir->name.n, dir->name.s);
            if (rg_gql_tmap_get(args_seen, arg->name))
                return rg_gql_errorposf(b->err, &arg->pos,
                                        "There can be only one argument named %.*s.",
                                        (int)arg->name.n, arg->name.s);
            if (rg_gql_tmap_put(args_seen, arg->name, (void *)arg) < 0)
                return FAIL_OOM(b);
        }
        for (size_t k = 0; k < def->args.n; k++) {
            const rg_gql_fielddef *sa = def->args.v[k];
            if (!sa->type->nonnull || sa->defval)
                continue;
            /* the arguments' names are unique by now */
            const rg_gql_arg *arg = rg_gql_tmap_get(args_seen, sa->name);
            if (!arg || arg->value->kind == RG_GQL_NULL)
                return rg_gql_errorposf(b->err, &dir->pos,
                                        "Argument %.*s for directive %.*s cannot be null.",
                                        (int)sa->name.n, sa->name.s, (int)dir->name.n, dir->name.s);
        }
        for (size_t k = 0; k < dir->args.n; k++)
            if ((rc = validate_input_field_names(b, ((rg_gql_arg *)dir->args.v[k])->value)) < 0)
                return rc;
        dir->definition = def;
    }
    return 0;
}

static int validate_type_ref(sb *b, const rg_gql_type *t)
{
    rg_gql_str name = rg_gql_type_name(t);
    if (!rg_gql_schema_type(b->s, name))
        return rg_gql_errorposf(b->err, &t->pos, "Undefined type %.*s.", (int)name.n, name.s);
    return 0;
}

/* The first argument whose name repeats an earlier one (Go's pairwise scan
 * reports the later of the pair whose first member comes first). */
static const rg_gql_fielddef *duplicate_name(sb *b, const rg_gql_list *l, size_t name_off)
{
    rg_gql_tmap *first = rg_gql_tmap_new(b->a);
    if (!first)
        return NULL;
    size_t best_first = SIZE_MAX;
    const void *best = NULL;
    for (size_t i = 0; i < l->n; i++) {
        rg_gql_str name = *(const rg_gql_str *)((const char *)l->v[i] + name_off);
        void *f = rg_gql_tmap_get(first, name);
        if (!f) {
            rg_gql_tmap_put(first, name, (void *)(uintptr_t)(i + 1));
            continue;
        }
        size_t fi = (size_t)(uintptr_t)f - 1;
        /* the earliest later duplicate of the earliest duplicated name */
        if (fi < best_first) {
            best_first = fi;
            best = l->v[i];
        }
    }
    return best;
}

static int validate_args(sb *b, const rg_gql_list *args, const rg_gql_dirdef *current)
{
    for (size_t i = 0; i < args->n; i++) {
        const rg_gql_fielddef *arg = args->v[i];
        int rc;
        if ((rc = validate_name(b, &arg->pos, arg->name)) < 0 ||
            (rc = validate_type_ref(b, arg->type)) < 0 ||
            (rc = validate_input_field_names(b, arg->defval)) < 0)
            return rc;
        const rg_gql_def *def = rg_gql_schema_type(b->s, rg_gql_type_name(arg->type));
        if (!is_input_type(def)) {
            ks_buf t = KS_BUF_INIT;
            rg_gql_type_string(&t, arg->type);
            rc = rg_gql_errorposf(b->err, &arg->pos,
                                  "cannot use %s as argument %.*s because %.*s is not a valid "
                                  "input type",
                                  ks_buf_cstr(&t), (int)arg->name.n, arg->name.s, (int)def->kind.n,
                                  def->kind.s);
            ks_buf_free(&t);
            return rc;
        }
        if ((rc = validate_directives(b, &arg->dirs, "ARGUMENT_DEFINITION", current, true)) < 0)
            return rc;
    }
    return 0;
}

/* ---- implementations ---- */

static bool is_covariant(sb *b, const rg_gql_type *req, const rg_gql_type *act)
{
    while (req && act) {
        if (req->nonnull && !act->nonnull)
            return false;
        if (req->named.n) {
            if (rg_gql_streq(req->named, act->named))
                return true;
            const rg_gql_list *pt = rg_gql_tmap_get(b->s->possible, req->named);
            for (size_t i = 0; pt && i < pt->n; i++) {
                const rg_gql_def *d = pt->v[i];
                if (d && rg_gql_streq(d->name, act->named))
                    return true;
            }
            return false;
        }
        if (req->elem && !act->elem)
            return false;
        req = req->elem;
        act = act->elem;
    }
    return false;
}

static bool contains_str(const rg_gql_list *l, rg_gql_str s)
{
    for (size_t i = 0; i < l->n; i++)
        if (rg_gql_streq(*(rg_gql_str *)l->v[i], s))
            return true;
    return false;
}

static int validate_ancestors(sb *b, const rg_gql_def *def, rg_gql_str intf_name)
{
    const rg_gql_def *intf = rg_gql_schema_type(b->s, intf_name);
    if (!intf)
        return rg_gql_errorposf(b->err, &def->pos, "Undefined type %s.", quoted(b, intf_name));
    int rc = spend(b, intf->interfaces.n * (def->interfaces.n + 1));
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < intf->interfaces.n; i++) {
        rg_gql_str tr = *(rg_gql_str *)intf->interfaces.v[i];
        if (contains_str(&def->interfaces, tr))
            continue;
        if (rg_gql_streq(tr, def->name))
            return rg_gql_errorposf(b->err, &def->pos,
                                    "Type %.*s cannot implement %.*s because it would create a "
                                    "circular reference.",
                                    (int)def->name.n, def->name.s, (int)intf_name.n, intf_name.s);
        return rg_gql_errorposf(b->err, &def->pos,
                                "Type %.*s must implement %.*s because it is implemented by "
                                "%.*s.",
                                (int)def->name.n, def->name.s, (int)tr.n, tr.s, (int)intf_name.n,
                                intf_name.s);
    }
    return 0;
}

static int validate_implements(sb *b, const rg_gql_def *def, rg_gql_str intf_name)
{
    const rg_gql_def *intf = rg_gql_schema_type(b->s, intf_name);
    if (!intf)
        return rg_gql_errorposf(b->err, &def->pos, "Undefined type %s.", quoted(b, intf_name));
    if (!rg_gql_def_is(intf, "INTERFACE")) {
        ks_buf q = KS_BUF_INIT;
        rg_gql_quote(&q, intf_name);
        int rc = rg_gql_errorposf(b->err, &def->pos, "%s is a non interface type %.*s.",
                                  ks_buf_cstr(&q), (int)intf->kind.n, intf->kind.s);
        ks_buf_free(&q);
        return rc;
    }
    if (rg_gql_streq(intf->name, def->name))
        return rg_gql_errorposf(b->err, &def->pos,
                                "Type %.*s cannot implement itself because it would create a "
                                "circular reference.",
                                (int)def->name.n, def->name.s);
    int rc = spend(b, intf->fields.n + 1);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < intf->fields.n; i++) {
        const rg_gql_fielddef *req = intf->fields.v[i];
        const rg_gql_fielddef *found = field_for_name(b, &def->fields, req->name);
        if (b->err->oom)
            return KS_ENOMEM;
        if (!found)
            return rg_gql_errorposf(b->err, &def->pos,
                                    "For %.*s to implement %.*s it must have a field called "
                                    "%.*s.",
                                    (int)def->name.n, def->name.s, (int)intf->name.n, intf->name.s,
                                    (int)req->name.n, req->name.s);
        if (!is_covariant(b, req->type, found->type)) {
            ks_buf t = KS_BUF_INIT;
            rg_gql_type_string(&t, req->type);
            rc = rg_gql_errorposf(b->err, &found->pos,
                                  "For %.*s to implement %.*s the field %.*s must have type %s.",
                                  (int)def->name.n, def->name.s, (int)intf->name.n, intf->name.s,
                                  (int)req->name.n, req->name.s, ks_buf_cstr(&t));
            ks_buf_free(&t);
            return rc;
        }
        if ((rc = spend(b, req->args.n + found->args.n + 1)) < 0)
            return rc;
        for (size_t k = 0; k < req->args.n; k++) {
            const rg_gql_fielddef *ra = req->args.v[k];
            const rg_gql_fielddef *fa = field_for_name(b, &found->args, ra->name);
            if (b->err->oom)
                return KS_ENOMEM;
            if (!fa)
                return rg_gql_errorposf(b->err, &found->pos,
                                        "For %.*s to implement %.*s the field %.*s must have the "
                                        "same arguments but it is missing %.*s.",
                                        (int)def->name.n, def->name.s, (int)intf->name.n,
                                        intf->name.s, (int)req->name.n, req->name.s,
                                        (int)ra->name.n, ra->name.s);
            if (!rg_gql_type_compatible(ra->type, fa->type))
                return rg_gql_errorposf(b->err, &fa->pos,
                                        "For %.*s to implement %.*s the field %.*s must have the "
                                        "same arguments but %.*s has the wrong type.",
                                        (int)def->name.n, def->name.s, (int)intf->name.n,
                                        intf->name.s, (int)req->name.n, req->name.s,
                                        (int)ra->name.n, ra->name.s);
        }
        for (size_t k = 0; k < found->args.n; k++) {
            const rg_gql_fielddef *fa = found->args.v[k];
            const rg_gql_fielddef *ra = field_for_name(b, &req->args, fa->name);
            if (b->err->oom)
                return KS_ENOMEM;
            if (!ra && fa->type->nonnull && !fa->defval)
                return rg_gql_errorposf(b->err, &fa->pos,
                                        "For %.*s to implement %.*s any additional arguments on "
                                        "%.*s must be optional or have a default value but %.*s "
                                        "is required.",
                                        (int)def->name.n, def->name.s, (int)intf->name.n,
                                        intf->name.s, (int)found->name.n, found->name.s,
                                        (int)fa->name.n, fa->name.s);
        }
    }
    return validate_ancestors(b, def, intf_name);
}

/* ---- definitions ---- */

static int empty_definition(sb *b, const rg_gql_def *def)
{
    const char *what = "fields";
    if (rg_gql_def_is(def, "INPUT_OBJECT"))
        what = "input fields";
    else if (rg_gql_def_is(def, "ENUM"))
        what = "unique enum values";
    else if (rg_gql_def_is(def, "UNION"))
        what = "member types";
    return rg_gql_errorposf(b->err, &def->pos, "%.*s %.*s: must define one or more %s.",
                            (int)def->kind.n, def->kind.s, (int)def->name.n, def->name.s, what);
}

static bool kind_in(const rg_gql_def *d, const char *const *kinds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rg_gql_def_is(d, kinds[i]))
            return true;
    return false;
}

static int validate_definition(sb *b, rg_gql_def *def)
{
    int rc;
    bool input = rg_gql_def_is(def, "INPUT_OBJECT");
    for (size_t i = 0; i < def->fields.n; i++) {
        rg_gql_fielddef *f = def->fields.v[i];
        if ((rc = validate_name(b, &f->pos, f->name)) < 0 ||
            (rc = validate_type_ref(b, f->type)) < 0 ||
            (rc = validate_input_field_names(b, f->defval)) < 0)
            return rc;
        const rg_gql_fielddef *dup = duplicate_name(b, &f->args, offsetof(rg_gql_fielddef, name));
        if (dup)
            return rg_gql_errorposf(b->err, &dup->pos,
                                    "Argument %.*s.%.*s(%.*s:) can only be defined once.",
                                    (int)def->name.n, def->name.s, (int)f->name.n, f->name.s,
                                    (int)dup->name.n, dup->name.s);
        if ((rc = validate_args(b, &f->args, NULL)) < 0 ||
            (rc = validate_directives(b, &f->dirs,
                                      input ? "INPUT_FIELD_DEFINITION" : "FIELD_DEFINITION", NULL,
                                      true)) < 0)
            return rc;
    }
    for (size_t i = 0; i < def->types.n; i++) {
        rg_gql_str t = *(rg_gql_str *)def->types.v[i];
        const rg_gql_def *td = rg_gql_schema_type(b->s, t);
        if (!td)
            return rg_gql_errorposf(b->err, &def->pos, "Undefined type %s.", quoted(b, t));
        if (!rg_gql_def_is(td, "OBJECT")) {
            ks_buf q = KS_BUF_INIT;
            rg_gql_quote(&q, t);
            rc = rg_gql_errorposf(b->err, &def->pos, "%.*s type %s must be OBJECT.",
                                  (int)def->kind.n, def->kind.s, ks_buf_cstr(&q));
            ks_buf_free(&q);
            return rc;
        }
    }
    rg_gql_tmap *seen_intf = rg_gql_tmap_new(b->a);
    if (!seen_intf)
        return FAIL_OOM(b);
    for (size_t i = 0; i < def->interfaces.n; i++) {
        rg_gql_str intf = *(rg_gql_str *)def->interfaces.v[i];
        if (rg_gql_tmap_get(seen_intf, intf))
            return rg_gql_errorposf(b->err, &def->pos, "Type %.*s can only implement %.*s once.",
                                    (int)def->name.n, def->name.s, (int)intf.n, intf.s);
        if (rg_gql_tmap_put(seen_intf, intf, def) < 0)
            return FAIL_OOM(b);
        if ((rc = validate_implements(b, def, intf)) < 0)
            return rc;
    }
    static const char *const out_kinds[] = {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM"};
    static const char *const in_kinds[] = {"SCALAR", "ENUM", "INPUT_OBJECT"};
    if (rg_gql_def_is(def, "OBJECT") || rg_gql_def_is(def, "INTERFACE")) {
        if (def->fields.n == 0)
            return empty_definition(b, def);
        for (size_t i = 0; i < def->fields.n; i++) {
            const rg_gql_fielddef *f = def->fields.v[i];
            const rg_gql_def *t = rg_gql_schema_type(b->s, rg_gql_type_name(f->type));
            if (t && !kind_in(t, out_kinds, 5))
                return rg_gql_errorposf(b->err, &f->pos,
                                        "%.*s %.*s: field must be one of SCALAR, OBJECT, "
                                        "INTERFACE, UNION, ENUM.",
                                        (int)def->kind.n, def->kind.s, (int)def->name.n,
                                        def->name.s);
        }
    } else if (rg_gql_def_is(def, "ENUM")) {
        if (def->enumvals.n == 0)
            return empty_definition(b, def);
        for (size_t i = 0; i < def->enumvals.n; i++) {
            const rg_gql_enumval *v = def->enumvals.v[i];
            if ((rc = validate_name(b, &v->pos, v->name)) < 0)
                return rc;
            if (rg_gql_streq_c(v->name, "true") || rg_gql_streq_c(v->name, "false") ||
                rg_gql_streq_c(v->name, "null"))
                return rg_gql_errorposf(b->err, &v->pos, "%.*s %.*s: non-enum value %.*s.",
                                        (int)def->kind.n, def->kind.s, (int)def->name.n,
                                        def->name.s, (int)v->name.n, v->name.s);
            if ((rc = validate_directives(b, &v->dirs, "ENUM_VALUE", NULL, true)) < 0)
                return rc;
        }
    } else if (input) {
        if (def->fields.n == 0)
            return empty_definition(b, def);
        for (size_t i = 0; i < def->fields.n; i++) {
            const rg_gql_fielddef *f = def->fields.v[i];
            const rg_gql_def *t = rg_gql_schema_type(b->s, rg_gql_type_name(f->type));
            if (t && !kind_in(t, in_kinds, 3))
                return rg_gql_errorposf(b->err, &f->pos,
                                        "%.*s %.*s: field must be one of SCALAR, ENUM, "
                                        "INPUT_OBJECT.",
                                        (int)t->kind.n, t->kind.s, (int)f->name.n, f->name.s);
        }
    } else if (rg_gql_def_is(def, "UNION")) {
        if (def->types.n == 0)
            return empty_definition(b, def);
    }
    const rg_gql_fielddef *df = duplicate_name(b, &def->fields, offsetof(rg_gql_fielddef, name));
    if (df)
        return rg_gql_errorposf(b->err, &df->pos, "Field %.*s.%.*s can only be defined once.",
                                (int)def->name.n, def->name.s, (int)df->name.n, df->name.s);
    const rg_gql_enumval *dv = (const rg_gql_enumval *)duplicate_name(
            b, &def->enumvals, offsetof(rg_gql_enumval, name));
    if (dv)
        return rg_gql_errorposf(b->err, &dv->pos, "Enum value %.*s.%.*s can only be defined once.",
                                (int)def->name.n, def->name.s, (int)dv->name.n, dv->name.s);
    /* Union members: the later of the first duplicated pair. */
    rg_gql_tmap *first = rg_gql_tmap_new(b->a);
    if (!first)
        return FAIL_OOM(b);
    size_t best_first = SIZE_MAX, best = 0;
    for (size_t j = 0; j < def->types.n; j++) {
        rg_gql_str t = *(rg_gql_str *)def->types.v[j];
        void *f = rg_gql_tmap_get(first, t);
        if (!f) {
            if (rg_gql_tmap_put(first, t, (void *)(uintptr_t)(j + 1)) < 0)
                return FAIL_OOM(b);
        } else if ((size_t)(uintptr_t)f - 1 < best_first) {
            best_first = (size_t)(uintptr_t)f - 1;
            best = j;
        }
    }
    if (best_first != SIZE_MAX) {
        const rg_gql_pos *pos = &def->pos;
        if (def->type_pos.n == def->types.n && def->type_pos.v[best])
            pos = def->type_pos.v[best];
        rg_gql_str t = *(rg_gql_str *)def->types.v[best];
        return rg_gql_errorposf(b->err, pos, "Union type %.*s can only include type %.*s once.",
                                (int)def->name.n, def->name.s, (int)t.n, t.s);
    }
    if (!def->builtin && (rc = validate_name(b, &def->pos, def->name)) < 0)
        return rc;
    char loc[64];
    size_t kn = def->kind.n < sizeof(loc) - 1 ? def->kind.n : sizeof(loc) - 1;
    if (kn)
        memcpy(loc, def->kind.s, kn);
    loc[kn] = '\0';
    return validate_directives(b, &def->dirs, loc, NULL, false);
}

static int cmp_str(const void *x, const void *y)
{
    return rg_gql_strcmp(**(rg_gql_str *const *)x, **(rg_gql_str *const *)y);
}

/* Input objects must not contain themselves through non-null fields. */
static int detect_cycle(sb *b, rg_gql_def *def, rg_gql_tmap *visited, rg_gql_tmap *index,
                        rg_gql_list *path, int depth)
{
    if (rg_gql_tmap_get(visited, def->name))
        return 0;
    if (depth > RG_GQL_MAX_DEPTH)
        return rg_gql_error_raw(b->err, KS_ELIMIT,
                                "graphql: schema too complex to validate (nesting limit reached)");
    if (rg_gql_tmap_put(visited, def->name, def) < 0 ||
        rg_gql_tmap_put(index, def->name, (void *)(uintptr_t)(path->n + 1)) < 0)
        return FAIL_OOM(b);
    for (size_t i = 0; i < def->fields.n; i++) {
        rg_gql_fielddef *f = def->fields.v[i];
        if (!f->type->nonnull || f->type->named.n == 0)
            continue;
        rg_gql_def *ft = rg_gql_schema_type(b->s, f->type->named);
        if (!ft || !rg_gql_def_is(ft, "INPUT_OBJECT"))
            continue;
        if (rg_gql_list_push(b->a, path, f) < 0)
            return FAIL_OOM(b);
        uintptr_t ci = (uintptr_t)rg_gql_tmap_get(index, ft->name);
        if (ci) {
            ks_buf names = KS_BUF_INIT, q1 = KS_BUF_INIT, q2 = KS_BUF_INIT;
            for (size_t k = ci - 1; k < path->n; k++) {
                const rg_gql_fielddef *pf = path->v[k];
                if (k > ci - 1)
                    ks_buf_putc(&names, '.');
                ks_buf_append(&names, pf->name.s, pf->name.n);
            }
            rg_gql_quote(&q1, ft->name);
            rg_gql_quote(&q2, (rg_gql_str){ks_buf_cstr(&names), names.len});
            const rg_gql_fielddef *first = path->v[ci - 1];
            int rc = rg_gql_errorposf(b->err, &first->pos,
                                      "Cannot reference Input Object %s within itself through a "
                                      "series of non-null fields: %s.",
                                      ks_buf_cstr(&q1), ks_buf_cstr(&q2));
            ks_buf_free(&names);
            ks_buf_free(&q1);
            ks_buf_free(&q2);
            return rc;
        }
        int rc = detect_cycle(b, ft, visited, index, path, depth + 1);
        if (rc < 0)
            return rc;
        path->n--;
    }
    return rg_gql_tmap_put(index, def->name, NULL) < 0 ? FAIL_OOM(b) : 0;
}

static const rg_gql_str **sorted_names(sb *b, const rg_gql_list *names)
{
    const rg_gql_str **v = ks_arena_alloc(b->a, (names->n + 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < names->n; i++)
        v[i] = names->v[i];
    if (names->n > 1)
        qsort(v, names->n, sizeof(*v), cmp_str);
    return v;
}

static int validate_directive_def(sb *b, rg_gql_dirdef *def)
{
    int rc = validate_name(b, &def->pos, def->name);
    if (rc < 0)
        return rc;
    const rg_gql_fielddef *dup = duplicate_name(b, &def->args, offsetof(rg_gql_fielddef, name));
    if (dup)
        return rg_gql_errorposf(b->err, &dup->pos,
                                "Argument @%.*s(%.*s:) can only be defined once.", (int)def->name.n,
                                def->name.s, (int)dup->name.n, dup->name.s);
    if ((rc = validate_directives(b, &def->dirs, "DIRECTIVE_DEFINITION", def, true)) < 0)
        return rc;
    return validate_args(b, &def->args, def);
}

static int set_root(rg_gql_schema *s, rg_gql_str op, rg_gql_def *def)
{
    if (rg_gql_streq_c(op, "query"))
        s->query = def;
    else if (rg_gql_streq_c(op, "mutation"))
        s->mutation = def;
    else if (rg_gql_streq_c(op, "subscription"))
        s->subscription = def;
    return 0;
}

typedef struct roots {
    rg_gql_str op[16];
    const rg_gql_pos *pos[16];
    size_t n;
} roots;

static const rg_gql_pos **root_pos(roots *r, rg_gql_str op)
{
    for (size_t i = 0; i < r->n; i++)
        if (rg_gql_streq(r->op[i], op))
            return &r->pos[i];
    return NULL;
}

static int add_roots(sb *b, const rg_gql_schemadef *sd, roots *r)
{
    for (size_t i = 0; i < sd->optypes.n; i++) {
        const rg_gql_optype *ep = sd->optypes.v[i];
        if (root_pos(r, ep->operation))
            return rg_gql_errorposf(b->err, &ep->pos, "There can be only one %.*s type in schema.",
                                    (int)ep->operation.n, ep->operation.s);
        if (r->n == 16)
            return rg_gql_error_raw(b->err, KS_ELIMIT, "graphql: too many root operation types");
        r->op[r->n] = ep->operation;
        r->pos[r->n] = &ep->pos;
        r->n++;
        rg_gql_def *def = rg_gql_schema_type(b->s, ep->type);
        if (!def)
            return rg_gql_errorposf(
                    b->err, &ep->pos, "Schema root %.*s refers to a type %.*s that does not exist.",
                    (int)ep->operation.n, ep->operation.s, (int)ep->type.n, ep->type.s);
        set_root(b->s, ep->operation, def);
    }
    return validate_directives(b, &sd->dirs, "SCHEMA", NULL, true);
}

static int validate_root_types(sb *b, roots *r)
{
    const rg_gql_def *defs[] = {b->s->query, b->s->mutation, b->s->subscription};
    static const char *const ops[] = {"query", "mutation", "subscription"};
    for (size_t i = 0; i < 3; i++) {
        const rg_gql_def *d = defs[i];
        if (!d || rg_gql_def_is(d, "OBJECT"))
            continue;
        const rg_gql_pos **p = root_pos(r, (rg_gql_str){ops[i], strlen(ops[i])});
        const rg_gql_pos *pos = p ? *p : &d->pos;
        if (i == 0)
            return rg_gql_errorposf(b->err, pos,
                                    "Query root type must be Object type, it cannot be %.*s.",
                                    (int)d->name.n, d->name.s);
        return rg_gql_errorposf(b->err, pos,
                                "%s root type must be Object type if provided, it cannot be %.*s.",
                                i == 1 ? "Mutation" : "Subscription", (int)d->name.n, d->name.s);
    }
    return 0;
}

static int add_introspection_fields(sb *b, rg_gql_def *q)
{
    rg_gql_fielddef *fs = ks_arena_calloc(b->a, 3, sizeof(*fs));
    rg_gql_type *ts = ks_arena_calloc(b->a, 3, sizeof(*ts));
    if (!fs || !ts)
        return FAIL_OOM(b);
    ts[0] = (rg_gql_type){.named = RG_GQL_S("__Schema"), .nonnull = true};
    ts[1] = (rg_gql_type){.named = RG_GQL_S("__Type")};
    ts[2] = (rg_gql_type){.named = RG_GQL_S("String"), .nonnull = true};
    fs[0] = (rg_gql_fielddef){
            .name = RG_GQL_S("__schema"), .description = RG_GQL_S(""), .type = &ts[0]};
    fs[1] = (rg_gql_fielddef){
            .name = RG_GQL_S("__type"), .description = RG_GQL_S(""), .type = &ts[1]};
    fs[2] = (rg_gql_fielddef){
            .name = RG_GQL_S("name"), .description = RG_GQL_S(""), .type = &ts[2]};
    if (rg_gql_list_push(b->a, &fs[1].args, &fs[2]) < 0 ||
        rg_gql_list_push(b->a, &q->fields, &fs[0]) < 0 ||
        rg_gql_list_push(b->a, &q->fields, &fs[1]) < 0)
        return FAIL_OOM(b);
    return 0;
}

static int build(sb *b, rg_gql_schemadoc *sd)
{
    rg_gql_schema *s = b->s;
    int rc;
    rg_gql_list defs = {0}, dir_names = {0};
    for (size_t i = 0; i < sd->defs.n; i++) {
        rg_gql_def *def = sd->defs.v[i];
        if (rg_gql_schema_type(s, def->name))
            return rg_gql_errorposf(b->err, &def->pos, "Cannot redeclare type %.*s.",
                                    (int)def->name.n, def->name.s);
        if (rg_gql_tmap_put(s->types, def->name, def) < 0 ||
            rg_gql_list_push(b->a, &s->type_names, &def->name) < 0 ||
            rg_gql_list_push(b->a, &defs, def) < 0)
            return FAIL_OOM(b);
    }
    for (size_t i = 0; i < sd->exts.n; i++) {
        rg_gql_def *ext = sd->exts.v[i];
        rg_gql_def *def = rg_gql_schema_type(s, ext->name);
        if (!def) {
            def = ks_arena_calloc(b->a, 1, sizeof(*def));
            if (!def)
                return FAIL_OOM(b);
            def->kind = ext->kind;
            def->name = ext->name;
            def->description = RG_GQL_S("");
            def->pos = ext->pos;
            if (rg_gql_tmap_put(s->types, ext->name, def) < 0 ||
                rg_gql_list_push(b->a, &s->type_names, &def->name) < 0 ||
                rg_gql_list_push(b->a, &defs, def) < 0)
                return FAIL_OOM(b);
        }
        if (!rg_gql_streq(def->kind, ext->kind))
            return rg_gql_errorposf(b->err, &ext->pos,
                                    "Cannot extend type %.*s because the base type is a %.*s, "
                                    "not %.*s.",
                                    (int)ext->name.n, ext->name.s, (int)def->kind.n, def->kind.s,
                                    (int)ext->kind.n, ext->kind.s);
        if ((rc = append_all(b, &def->dirs, &ext->dirs)) < 0 ||
            (rc = append_all(b, &def->interfaces, &ext->interfaces)) < 0 ||
            (rc = append_all(b, &def->fields, &ext->fields)) < 0 ||
            (rc = append_all(b, &def->types, &ext->types)) < 0 ||
            (rc = append_all(b, &def->type_pos, &ext->type_pos)) < 0 ||
            (rc = append_all(b, &def->enumvals, &ext->enumvals)) < 0)
            return rc;
    }
    for (size_t i = 0; i < defs.n; i++) {
        rg_gql_def *def = defs.v[i];
        if ((rc = spend(b, def->types.n + def->interfaces.n + 1)) < 0)
            return rc;
        if (rg_gql_def_is(def, "UNION")) {
            for (size_t k = 0; k < def->types.n; k++) {
                rg_gql_str t = *(rg_gql_str *)def->types.v[k];
                if ((rc = list_add(b, s->possible, def->name, rg_gql_schema_type(s, t))) < 0 ||
                    (rc = list_add(b, s->implements, t, def)) < 0)
                    return rc;
            }
        } else if (rg_gql_def_is(def, "INPUT_OBJECT") || rg_gql_def_is(def, "OBJECT") ||
                   rg_gql_def_is(def, "INTERFACE")) {
            for (size_t k = 0; k < def->interfaces.n; k++) {
                rg_gql_str intf = *(rg_gql_str *)def->interfaces.v[k];
                if ((rc = list_add(b, s->possible, intf, def)) < 0 ||
                    (rc = list_add(b, s->implements, def->name, rg_gql_schema_type(s, intf))) < 0)
                    return rc;
            }
            if (!rg_gql_def_is(def, "INTERFACE") &&
                (rc = list_add(b, s->possible, def->name, def)) < 0)
                return rc;
        }
    }
    for (size_t i = 0; i < sd->dirs.n; i++) {
        rg_gql_dirdef *dir = sd->dirs.v[i];
        if (rg_gql_tmap_get(s->directives, dir->name)) {
            if (!is_prelude_directive(dir->name))
                return rg_gql_errorposf(b->err, &dir->pos, "Cannot redeclare directive %.*s.",
                                        (int)dir->name.n, dir->name.s);
        } else if (rg_gql_list_push(b->a, &dir_names, &dir->name) < 0) {
            return FAIL_OOM(b);
        }
        if (rg_gql_tmap_put(s->directives, dir->name, dir) < 0)
            return FAIL_OOM(b);
    }
    for (size_t i = 0; i < sd->dir_ext.n; i++) {
        rg_gql_dirdef *ext = sd->dir_ext.v[i];
        rg_gql_dirdef *def = rg_gql_tmap_get(s->directives, ext->name);
        if (!def)
            return rg_gql_errorposf(b->err, &ext->pos,
                                    "Cannot extend directive @%.*s because it is not defined.",
                                    (int)ext->name.n, ext->name.s);
        if ((rc = append_all(b, &def->dirs, &ext->dirs)) < 0)
            return rc;
    }
    if (sd->schema.n > 1)
        return rg_gql_errorposf(b->err, &((rg_gql_schemadef *)sd->schema.v[1])->pos,
                                "Cannot have multiple schema entry points, consider schema "
                                "extensions instead.");
    roots r = {0};
    if (sd->schema.n == 1 && (rc = add_roots(b, sd->schema.v[0], &r)) < 0)
        return rc;
    for (size_t i = 0; i < sd->schema_ext.n; i++)
        if ((rc = add_roots(b, sd->schema_ext.v[i], &r)) < 0)
            return rc;
    const rg_gql_str **names = sorted_names(b, &s->type_names);
    if (!names)
        return FAIL_OOM(b);
    for (size_t i = 0; i < s->type_names.n; i++) {
        if ((rc = spend(b, 1)) < 0 ||
            (rc = validate_definition(b, rg_gql_schema_type(s, *names[i]))) < 0)
            return rc;
    }
    rg_gql_tmap *visited = rg_gql_tmap_new(b->a), *index = rg_gql_tmap_new(b->a);
    if (!visited || !index)
        return FAIL_OOM(b);
    for (size_t i = 0; i < s->type_names.n; i++) {
        rg_gql_def *def = rg_gql_schema_type(s, *names[i]);
        rg_gql_list path = {0};
        if (rg_gql_def_is(def, "INPUT_OBJECT") &&
            (rc = detect_cycle(b, def, visited, index, &path, 0)) < 0)
            return rc;
    }
    const rg_gql_str **dnames = sorted_names(b, &dir_names);
    if (!dnames)
        return FAIL_OOM(b);
    for (size_t i = 0; i < dir_names.n; i++)
        if ((rc = validate_directive_def(b, rg_gql_tmap_get(s->directives, *dnames[i]))) < 0)
            return rc;
    if (sd->schema.n == 0) {
        if (!s->query)
            s->query = rg_gql_schema_type(s, RG_GQL_S("Query"));
        if (!s->mutation)
            s->mutation = rg_gql_schema_type(s, RG_GQL_S("Mutation"));
        if (!s->subscription)
            s->subscription = rg_gql_schema_type(s, RG_GQL_S("Subscription"));
    }
    if ((rc = validate_root_types(b, &r)) < 0)
        return rc;
    if (s->query && (rc = add_introspection_fields(b, s->query)) < 0)
        return rc;
    return 0;
}

int rg_gql_schema_build(ks_arena *a, rg_gql_schemadoc *doc, rg_gql_schema **out, rg_gql_errs *err)
{
    rg_gql_schemadoc *prelude = NULL;
    rg_gql_errs perr = {.arena = a};
    int rc = rg_gql_parse_schema(a, prelude_sdl, sizeof(prelude_sdl) - 1, "prelude.graphql", true,
                                 &prelude, &perr);
    if (rc < 0) {
        err->oom = true; /* the prelude always parses: only memory can fail */
        return KS_ENOMEM;
    }
    /* SchemaDocument.Merge(prelude) then Merge(doc) */
    rg_gql_schemadoc *m = ks_arena_calloc(a, 1, sizeof(*m));
    rg_gql_schema *s = ks_arena_calloc(a, 1, sizeof(*s));
    if (!m || !s)
        goto oom;
    sb b = {.a = a, .s = s, .err = err, .indexes = rg_gql_tmap_new(a)};
    if (!b.indexes)
        goto oom;
    struct {
        rg_gql_list *dst;
        size_t off;
    } parts[] = {
            {&m->schema, offsetof(rg_gql_schemadoc, schema)},
            {&m->schema_ext, offsetof(rg_gql_schemadoc, schema_ext)},
            {&m->dirs, offsetof(rg_gql_schemadoc, dirs)},
            {&m->dir_ext, offsetof(rg_gql_schemadoc, dir_ext)},
            {&m->defs, offsetof(rg_gql_schemadoc, defs)},
            {&m->exts, offsetof(rg_gql_schemadoc, exts)},
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (append_all(&b, parts[i].dst, (rg_gql_list *)((char *)prelude + parts[i].off)) < 0 ||
            append_all(&b, parts[i].dst, (rg_gql_list *)((char *)doc + parts[i].off)) < 0)
            goto oom;
    }
    s->types = rg_gql_tmap_new(a);
    s->directives = rg_gql_tmap_new(a);
    s->possible = rg_gql_tmap_new(a);
    s->implements = rg_gql_tmap_new(a);
    if (!s->types || !s->directives || !s->possible || !s->implements)
        goto oom;
    rc = build(&b, m);
    if (rc < 0)
        return err->oom ? KS_ENOMEM : rc;
    *out = s;
    return 0;
oom:
    err->oom = true;
    return KS_ENOMEM;
}
