/*
 * The GraphQL AST as values: OPA converts gqlparser's structs to values
 * through Go's encoding/json (field names as in Go, json:"-" fields left
 * out) and then prunes nulls, empty arrays and objects, and "Position"
 * keys. Fields only validation fills in are nil when OPA converts, so they
 * never appear.
 */
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "rego/bi_graphql.h"

typedef struct enc {
    ks_arena *a;       /* results */
    ks_arena *scratch; /* members of objects being built */
    int rc;
} enc;

#define MAX_MEMBERS 12

/* An object being built; its members live in the scratch arena so that
 * deep ASTs recurse on small frames. */
typedef struct obj {
    kv_member *m;
    size_t n;
} obj;

static obj obj_start(enc *e)
{
    obj o = {0};
    o.m = ks_arena_alloc(e->scratch, MAX_MEMBERS * sizeof(kv_member));
    if (!o.m)
        e->rc = KS_ENOMEM;
    return o;
}

static kv_value str_value(enc *e, rg_gql_str s)
{
    kv_value v = kv_str_ref("", 0);
    if (e->rc)
        return v;
    const char *p = s.s ? s.s : "";
    if (ks_utf8_valid(p, s.n)) {
        if (kv_str_copy(e->a, p, s.n, &v) < 0)
            e->rc = KS_ENOMEM;
        return v;
    }
    /* encoding/json writes each invalid byte as U+FFFD. */
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < s.n;) {
        uint32_t cp;
        size_t k = ks_utf8_decode((const unsigned char *)p + i, s.n - i, &cp);
        if (k == 0) {
            ks_buf_append(&b, "\xef\xbf\xbd", 3);
            i++;
        } else {
            ks_buf_append(&b, p + i, k);
            i += k;
        }
    }
    if (b.err || kv_str_copy(e->a, ks_buf_cstr(&b), b.len, &v) < 0)
        e->rc = KS_ENOMEM;
    ks_buf_free(&b);
    return v;
}

static void put(obj *o, const char *key, kv_value v)
{
    if (!o->m)
        return;
    o->m[o->n].key = kv_str_ref(key, strlen(key));
    o->m[o->n].val = v;
    o->n++;
}

static void put_str(enc *e, obj *o, const char *key, rg_gql_str s)
{
    put(o, key, str_value(e, s));
}

/* Puts v unless it is an empty array or object (pruned). */
static void put_nonempty(obj *o, const char *key, kv_value v)
{
    if ((v.kind == KV_ARRAY || v.kind == KV_OBJECT) && v.len == 0)
        return;
    put(o, key, v);
}

static kv_value obj_value(enc *e, obj *o)
{
    kv_value v = {.kind = KV_OBJECT};
    if (e->rc || !o->m)
        return v;
    if (kv_object_new(e->a, o->m, o->n, KV_DUP_LAST_WINS, &v, NULL) < 0) {
        e->rc = KS_ENOMEM;
        v = (kv_value){.kind = KV_OBJECT};
    }
    return v;
}

typedef kv_value (*enc_fn)(enc *e, const void *item);

/* A list of items, pruned of empty objects. */
static kv_value list_value(enc *e, const rg_gql_list *l, enc_fn fn)
{
    kv_value v = {.kind = KV_ARRAY};
    if (e->rc || l->n == 0)
        return v;
    kv_value *items = ks_arena_alloc(e->a, l->n * sizeof(kv_value));
    if (!items) {
        e->rc = KS_ENOMEM;
        return v;
    }
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!l->v[i])
            continue;
        kv_value x = fn(e, l->v[i]);
        if ((x.kind == KV_ARRAY || x.kind == KV_OBJECT) && x.len == 0)
            continue;
        items[k++] = x;
    }
    if (!e->rc && kv_array_new(e->a, items, k, &v) < 0)
        e->rc = KS_ENOMEM;
    return v;
}

static kv_value enc_str(enc *e, const void *item)
{
    return str_value(e, *(const rg_gql_str *)item);
}

static kv_value comments_value(enc *e, const rg_gql_comments *c)
{
    obj o = obj_start(e);
    if (!c || c->n == 0)
        return obj_value(e, &o);
    kv_value *items = ks_arena_alloc(e->a, c->n * sizeof(kv_value));
    if (!items) {
        e->rc = KS_ENOMEM;
        return obj_value(e, &o);
    }
    for (size_t i = 0; i < c->n; i++) {
        obj co = obj_start(e);
        put_str(e, &co, "Value", c->list[i]);
        items[i] = obj_value(e, &co);
    }
    kv_value list = {.kind = KV_ARRAY};
    if (!e->rc && kv_array_new(e->a, items, c->n, &list) < 0)
        e->rc = KS_ENOMEM;
    put_nonempty(&o, "List", list);
    return obj_value(e, &o);
}

static void put_comments(enc *e, obj *o, const char *key, const rg_gql_comments *c)
{
    if (c)
        put_nonempty(o, key, comments_value(e, c));
}

static kv_value type_value(enc *e, const rg_gql_type *t)
{
    obj o = obj_start(e);
    put_str(e, &o, "NamedType", t->named);
    if (t->elem)
        put_nonempty(&o, "Elem", type_value(e, t->elem));
    put(&o, "NonNull", kv_bool(t->nonnull));
    return obj_value(e, &o);
}

static kv_value value_value(enc *e, const rg_gql_value *v);

static kv_value enc_child(enc *e, const void *item)
{
    const rg_gql_child *c = item;
    obj o = obj_start(e);
    put_str(e, &o, "Name", c->name);
    if (c->value)
        put_nonempty(&o, "Value", value_value(e, c->value));
    put_comments(e, &o, "Comment", c->comment);
    return obj_value(e, &o);
}

static kv_value value_value(enc *e, const rg_gql_value *v)
{
    obj o = obj_start(e);
    put_str(e, &o, "Raw", v->raw);
    put_nonempty(&o, "Children", list_value(e, &v->children, enc_child));
    put(&o, "Kind", kv_int(v->kind));
    put_comments(e, &o, "Comment", v->comment);
    put(&o, "ExpectedTypeHasDefault", kv_bool(v->expected_type_has_default));
    return obj_value(e, &o);
}

static kv_value enc_arg(enc *e, const void *item)
{
    const rg_gql_arg *a = item;
    obj o = obj_start(e);
    put_str(e, &o, "Name", a->name);
    if (a->value)
        put_nonempty(&o, "Value", value_value(e, a->value));
    put_comments(e, &o, "Comment", a->comment);
    return obj_value(e, &o);
}

static kv_value enc_directive(enc *e, const void *item)
{
    const rg_gql_directive *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Name", d->name);
    put_nonempty(&o, "Arguments", list_value(e, &d->args, enc_arg));
    put_str(e, &o, "Location", d->location);
    return obj_value(e, &o);
}

static kv_value enc_sel(enc *e, const void *item)
{
    const rg_gql_sel *s = item;
    obj o = obj_start(e);
    switch (s->kind) {
    case RG_GQL_FIELD:
        put_str(e, &o, "Alias", s->alias);
        put_str(e, &o, "Name", s->name);
        put_nonempty(&o, "Arguments", list_value(e, &s->args, enc_arg));
        break;
    case RG_GQL_SPREAD: put_str(e, &o, "Name", s->name); break;
    default: put_str(e, &o, "TypeCondition", s->type_cond); break;
    }
    put_nonempty(&o, "Directives", list_value(e, &s->dirs, enc_directive));
    if (s->kind != RG_GQL_SPREAD)
        put_nonempty(&o, "SelectionSet", list_value(e, &s->selset, enc_sel));
    put_comments(e, &o, "Comment", s->comment);
    return obj_value(e, &o);
}

static kv_value enc_vardef(enc *e, const void *item)
{
    const rg_gql_vardef *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Description", d->description);
    put_str(e, &o, "Variable", d->variable);
    if (d->type)
        put_nonempty(&o, "Type", type_value(e, d->type));
    if (d->defval)
        put_nonempty(&o, "DefaultValue", value_value(e, d->defval));
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_comments(e, &o, "Comment", d->comment);
    put(&o, "Used", kv_bool(d->used));
    return obj_value(e, &o);
}

static kv_value enc_opdef(enc *e, const void *item)
{
    const rg_gql_opdef *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Description", d->description);
    put_str(e, &o, "Operation", d->operation);
    put_str(e, &o, "Name", d->name);
    put_nonempty(&o, "VariableDefinitions", list_value(e, &d->vardefs, enc_vardef));
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_nonempty(&o, "SelectionSet", list_value(e, &d->selset, enc_sel));
    put_comments(e, &o, "Comment", d->comment);
    return obj_value(e, &o);
}

static kv_value enc_fragdef(enc *e, const void *item)
{
    const rg_gql_fragdef *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Description", d->description);
    put_str(e, &o, "Name", d->name);
    put_nonempty(&o, "VariableDefinition", list_value(e, &d->vardefs, enc_vardef));
    put_str(e, &o, "TypeCondition", d->type_cond);
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_nonempty(&o, "SelectionSet", list_value(e, &d->selset, enc_sel));
    put_comments(e, &o, "Comment", d->comment);
    return obj_value(e, &o);
}

int rg_gql_query_to_value(ks_arena *a, ks_arena *scratch, const rg_gql_querydoc *d, kv_value *out)
{
    enc e = {.a = a, .scratch = scratch};
    obj o = obj_start(&e);
    put_nonempty(&o, "Operations", list_value(&e, &d->ops, enc_opdef));
    put_nonempty(&o, "Fragments", list_value(&e, &d->frags, enc_fragdef));
    put_comments(&e, &o, "Comment", d->comment);
    *out = obj_value(&e, &o);
    return e.rc;
}

static kv_value enc_fielddef(enc *e, const void *item)
{
    const rg_gql_fielddef *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Description", d->description);
    put_str(e, &o, "Name", d->name);
    put_nonempty(&o, "Arguments", list_value(e, &d->args, enc_fielddef));
    if (d->defval)
        put_nonempty(&o, "DefaultValue", value_value(e, d->defval));
    if (d->type)
        put_nonempty(&o, "Type", type_value(e, d->type));
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_comments(e, &o, "BeforeDescriptionComment", d->before);
    put_comments(e, &o, "AfterDescriptionComment", d->after);
    return obj_value(e, &o);
}

static kv_value enc_enumval(enc *e, const void *item)
{
    const rg_gql_enumval *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Description", d->description);
    put_str(e, &o, "Name", d->name);
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_comments(e, &o, "BeforeDescriptionComment", d->before);
    put_comments(e, &o, "AfterDescriptionComment", d->after);
    return obj_value(e, &o);
}

static kv_value enc_def(enc *e, const void *item)
{
    const rg_gql_def *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Kind", d->kind);
    put_str(e, &o, "Description", d->description);
    put_str(e, &o, "Name", d->name);
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_nonempty(&o, "Interfaces", list_value(e, &d->interfaces, enc_str));
    put_nonempty(&o, "Fields", list_value(e, &d->fields, enc_fielddef));
    put_nonempty(&o, "Types", list_value(e, &d->types, enc_str));
    put_nonempty(&o, "EnumValues", list_value(e, &d->enumvals, enc_enumval));
    put(&o, "BuiltIn", kv_bool(d->builtin));
    put_comments(e, &o, "BeforeDescriptionComment", d->before);
    put_comments(e, &o, "AfterDescriptionComment", d->after);
    put_comments(e, &o, "EndOfDefinitionComment", d->end);
    return obj_value(e, &o);
}

static kv_value enc_dirdef(enc *e, const void *item)
{
    const rg_gql_dirdef *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Description", d->description);
    put_str(e, &o, "Name", d->name);
    put_nonempty(&o, "Arguments", list_value(e, &d->args, enc_fielddef));
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_nonempty(&o, "Locations", list_value(e, &d->locations, enc_str));
    put(&o, "IsRepeatable", kv_bool(d->repeatable));
    put_comments(e, &o, "BeforeDescriptionComment", d->before);
    put_comments(e, &o, "AfterDescriptionComment", d->after);
    return obj_value(e, &o);
}

static kv_value enc_optype(enc *e, const void *item)
{
    const rg_gql_optype *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Operation", d->operation);
    put_str(e, &o, "Type", d->type);
    put_comments(e, &o, "Comment", d->comment);
    return obj_value(e, &o);
}

static kv_value enc_schemadef(enc *e, const void *item)
{
    const rg_gql_schemadef *d = item;
    obj o = obj_start(e);
    put_str(e, &o, "Description", d->description);
    put_nonempty(&o, "Directives", list_value(e, &d->dirs, enc_directive));
    put_nonempty(&o, "OperationTypes", list_value(e, &d->optypes, enc_optype));
    put_comments(e, &o, "BeforeDescriptionComment", d->before);
    put_comments(e, &o, "AfterDescriptionComment", d->after);
    put_comments(e, &o, "EndOfDefinitionComment", d->end);
    return obj_value(e, &o);
}

int rg_gql_schema_to_value(ks_arena *a, ks_arena *scratch, const rg_gql_schemadoc *d, kv_value *out)
{
    enc e = {.a = a, .scratch = scratch};
    obj o = obj_start(&e);
    put_nonempty(&o, "Schema", list_value(&e, &d->schema, enc_schemadef));
    put_nonempty(&o, "SchemaExtension", list_value(&e, &d->schema_ext, enc_schemadef));
    put_nonempty(&o, "Directives", list_value(&e, &d->dirs, enc_dirdef));
    put_nonempty(&o, "DirectiveExtensions", list_value(&e, &d->dir_ext, enc_dirdef));
    put_nonempty(&o, "Definitions", list_value(&e, &d->defs, enc_def));
    put_nonempty(&o, "Extensions", list_value(&e, &d->exts, enc_def));
    put_comments(&e, &o, "Comment", d->comment);
    *out = obj_value(&e, &o);
    return e.rc;
}
