/*
 * GraphQL AST objects back into the AST, the way OPA does it: the value is
 * written as JSON and decoded by Go's encoding/json into gqlparser's
 * structs. Most structs take keys exactly or else ignoring case; gqlparser's
 * own UnmarshalJSON methods (operations, fragments, fields, inline
 * fragments) take keys exactly and decode each one with a fresh decoder; a
 * selection becomes a field if it decodes as one, else a fragment spread,
 * else an inline fragment, else it is dropped. Type errors read as Go's,
 * with the struct and field path Go reports.
 *
 * Fields only validation uses (Definition, ObjectDefinition and the like)
 * are not read. Where gqlparser would later dereference a nil pointer (a
 * null list element, an argument without a value, a type without a name),
 * decoding fails instead.
 */
#include <string.h>

#include "core/error.h"
#include "rego/bi_graphql.h"

typedef struct frame {
    size_t base;       /* first of this decoder's field names */
    const char *strct; /* struct whose field is being decoded, or NULL */
} frame;

typedef struct dec {
    ks_arena *a;
    rg_gql_list names;  /* const char *: field names, all frames */
    rg_gql_list frames; /* frame */
    int depth;
    const char *msg; /* the error */
} dec;

#define DEC_FAIL (-1)

enum fkind { F_STR, F_BOOL, F_INT, F_STRUCT, F_LIST, F_STRLIST, F_COMMENTS, F_SELSET, F_POS };

struct sdesc;

typedef struct fdesc {
    const char *name;
    int kind;
    size_t off;
    const char *gotype;      /* Go type in messages */
    const struct sdesc *sub; /* F_STRUCT, F_LIST */
} fdesc;

typedef struct sdesc {
    const char *name; /* Go struct name */
    bool custom;      /* gqlparser's UnmarshalJSON */
    size_t size;
    const fdesc *fields;
    size_t nfields;
    const char *(*check)(const void *x); /* refusal after decoding, or NULL */
} sdesc;

static int fail(dec *d, const char *msg)
{
    if (!d->msg)
        d->msg = msg;
    return DEC_FAIL;
}

static frame *top(dec *d)
{
    return d->frames.v[d->frames.n - 1];
}

static int push_frame(dec *d)
{
    frame *f = ks_arena_calloc(d->a, 1, sizeof(*f));
    if (!f || rg_gql_list_push(d->a, &d->frames, f) < 0)
        return fail(d, "out of memory");
    f->base = d->names.n;
    return 0;
}

static void pop_frame(dec *d)
{
    frame *f = top(d);
    d->names.n = f->base;
    d->frames.n--;
}

/* The field names of frame i, joined with dots. */
static void join_names(const dec *d, size_t i, ks_buf *b)
{
    const frame *f = d->frames.v[i];
    size_t end = i + 1 < d->frames.n ? ((frame *)d->frames.v[i + 1])->base : d->names.n;
    for (size_t k = f->base; k < end; k++) {
        if (k > f->base)
            ks_buf_putc(b, '.');
        ks_buf_puts(b, d->names.v[k]);
    }
}

/* Go's UnmarshalTypeError, with the context each enclosing decoder adds. */
static int type_error(dec *d, const char *value, const char *gotype)
{
    if (d->msg)
        return DEC_FAIL;
    ks_buf field = KS_BUF_INIT;
    const char *strct = NULL;
    for (size_t i = d->frames.n; i-- > 0;) {
        const frame *f = d->frames.v[i];
        ks_buf mine = KS_BUF_INIT;
        join_names(d, i, &mine);
        if (f->strct || mine.len) {
            strct = f->strct ? f->strct : "";
            if (field.len) {
                if (mine.len)
                    ks_buf_putc(&mine, '.');
                ks_buf_append(&mine, field.data, field.len);
            }
            ks_buf_reset(&field);
            ks_buf_append(&field, ks_buf_cstr(&mine), mine.len);
        }
        ks_buf_free(&mine);
    }
    ks_buf b = KS_BUF_INIT;
    if (strct || field.len)
        ks_buf_printf(&b, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", value,
                      strct ? strct : "", ks_buf_cstr(&field), gotype);
    else
        ks_buf_printf(&b, "json: cannot unmarshal %s into Go value of type %s", value, gotype);
    char *m = b.err || field.err ? NULL : ks_arena_strndup(d->a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    ks_buf_free(&field);
    return fail(d, m ? m : "out of memory");
}

static const char *json_kind(const kv_value *v)
{
    switch (v->kind) {
    case KV_BOOL: return "bool";
    case KV_NUMBER: return "number";
    case KV_STRING: return "string";
    case KV_OBJECT: return "object";
    default: return "array";
    }
}

static bool is_array(const kv_value *v)
{
    return v->kind == KV_ARRAY || v->kind == KV_SET;
}

/* Object keys must be strings for OPA to write the value as JSON. */
static int check_object(dec *d, const kv_value *v)
{
    for (uint32_t i = 0; i < v->len; i++)
        if (v->u.members[i].key.kind != KV_STRING)
            return fail(d, "json: unsupported type: object with non-string keys");
    return 0;
}

static bool ascii_fold_eq(const kv_value *k, const char *name)
{
    size_t n = strlen(name);
    if (k->len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)k->u.s[i], b = (unsigned char)name[i];
        if (a >= 'A' && a <= 'Z')
            a = (unsigned char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (unsigned char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

static int field_index(const kv_value *key, const fdesc *fields, size_t n, bool exact)
{
    for (size_t i = 0; i < n; i++)
        if (key->len == strlen(fields[i].name) && !memcmp(key->u.s, fields[i].name, key->len))
            return (int)i;
    if (exact)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (ascii_fold_eq(key, fields[i].name))
            return (int)i;
    return -1;
}

static int dec_struct(dec *d, const kv_value *v, const sdesc *sd, void **out);
static int dec_selset(dec *d, const kv_value *v, rg_gql_list *out);

static int dec_number(dec *d, const kv_value *v, int64_t *out, const char *gotype)
{
    if (v->kind == KV_NUMBER && kv_num_int64(v, out))
        return 0;
    if (v->kind != KV_NUMBER)
        return type_error(d, json_kind(v), gotype);
    ks_buf b = KS_BUF_INIT;
    ks_buf_puts(&b, "number ");
    kv_json_write(&b, v, 0);
    const char *desc = b.err ? "number" : ks_arena_strndup(d->a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    return type_error(d, desc ? desc : "number", gotype);
}

static int dec_strlist(dec *d, const kv_value *v, rg_gql_list *out, const char *gotype)
{
    if (!is_array(v))
        return type_error(d, json_kind(v), gotype);
    const char *elem = strncmp(gotype, "[]", 2) == 0 ? gotype + 2 : gotype;
    rg_gql_list l = {0};
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_value *x = &v->u.items[i];
        rg_gql_str *s = ks_arena_calloc(d->a, 1, sizeof(*s));
        if (!s)
            return fail(d, "out of memory");
        *s = (rg_gql_str){"", 0};
        if (x->kind == KV_STRING)
            *s = (rg_gql_str){x->u.s, x->len};
        else if (x->kind != KV_NULL)
            return type_error(d, json_kind(x), elem);
        if (rg_gql_list_push(d->a, &l, s) < 0)
            return fail(d, "out of memory");
    }
    *out = l;
    return 0;
}

static const fdesc comment_fields[] = {{"Value", F_STR, 0, "string", NULL}};
static const fdesc group_fields[] = {{"List", F_LIST, 0, "[]*ast.Comment", NULL}};

/* A *CommentGroup (encoding/json: keys ignoring case). */
static int dec_comments(dec *d, const kv_value *v, rg_gql_comments **out)
{
    if (v->kind != KV_OBJECT)
        return type_error(d, json_kind(v), "ast.CommentGroup");
    if (check_object(d, v) < 0)
        return DEC_FAIL;
    rg_gql_comments *g = ks_arena_calloc(d->a, 1, sizeof(*g));
    if (!g)
        return fail(d, "out of memory");
    frame *f = top(d);
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_value *list = &v->u.members[i].val;
        if (field_index(&v->u.members[i].key, group_fields, 1, false) != 0)
            continue;
        const char *saved = f->strct;
        size_t mark = d->names.n;
        f->strct = "CommentGroup";
        if (rg_gql_list_push(d->a, &d->names, (void *)"List") < 0)
            return fail(d, "out of memory");
        g->n = 0;
        if (list->kind != KV_NULL) {
            if (!is_array(list))
                return type_error(d, json_kind(list), "[]*ast.Comment");
            g->list = ks_arena_calloc(d->a, list->len + 1, sizeof(rg_gql_str));
            if (!g->list)
                return fail(d, "out of memory");
            for (uint32_t k = 0; k < list->len; k++) {
                const kv_value *c = &list->u.items[k];
                if (c->kind == KV_NULL)
                    continue; /* a nil *Comment is dropped by the pruning */
                if (c->kind != KV_OBJECT)
                    return type_error(d, json_kind(c), "ast.Comment");
                if (check_object(d, c) < 0)
                    return DEC_FAIL;
                rg_gql_str text = {"", 0};
                for (uint32_t j = 0; j < c->len; j++) {
                    const kv_value *cv = &c->u.members[j].val;
                    if (field_index(&c->u.members[j].key, comment_fields, 1, false) != 0)
                        continue;
                    const char *s2 = f->strct;
                    f->strct = "Comment";
                    if (rg_gql_list_push(d->a, &d->names, (void *)"Value") < 0)
                        return fail(d, "out of memory");
                    if (cv->kind == KV_STRING)
                        text = (rg_gql_str){cv->u.s, cv->len};
                    else if (cv->kind != KV_NULL)
                        return type_error(d, json_kind(cv), "string");
                    d->names.n--;
                    f->strct = s2;
                }
                g->list[g->n++] = text;
            }
        }
        d->names.n = mark;
        f->strct = saved;
    }
    *out = g;
    return 0;
}

static const fdesc source_fields[] = {
        {"Name", F_STR, 0, "string", NULL},
        {"Input", F_STR, 0, "string", NULL},
        {"BuiltIn", F_BOOL, 0, "bool", NULL},
};
static const fdesc position_fields[] = {
        {"Start", F_INT, 0, "int", NULL},         {"End", F_INT, 0, "int", NULL},
        {"Line", F_INT, 0, "int", NULL},          {"Column", F_INT, 0, "int", NULL},
        {"Src", F_STRUCT, 0, "ast.Source", NULL},
};

/* A *Position (encoding/json). */
static int dec_pos(dec *d, const kv_value *v, rg_gql_pos *out)
{
    if (v->kind != KV_OBJECT)
        return type_error(d, json_kind(v), "ast.Position");
    if (check_object(d, v) < 0)
        return DEC_FAIL;
    rg_gql_pos p = {.set = true, .file = ""};
    frame *f = top(d);
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_value *x = &v->u.members[i].val;
        int idx = field_index(&v->u.members[i].key, position_fields, 5, false);
        if (idx < 0 || x->kind == KV_NULL)
            continue;
        const char *saved = f->strct;
        f->strct = "Position";
        if (rg_gql_list_push(d->a, &d->names, (void *)position_fields[idx].name) < 0)
            return fail(d, "out of memory");
        int64_t n = 0;
        if (idx < 4) {
            if (dec_number(d, x, &n, "int") < 0)
                return DEC_FAIL;
            if (idx == 2)
                p.line = (int)n;
            else if (idx == 3)
                p.col = (int)n;
        } else {
            if (x->kind != KV_OBJECT)
                return type_error(d, json_kind(x), "ast.Source");
            if (check_object(d, x) < 0)
                return DEC_FAIL;
            for (uint32_t k = 0; k < x->len; k++) {
                const kv_value *sv = &x->u.members[k].val;
                int si = field_index(&x->u.members[k].key, source_fields, 3, false);
                if (si < 0 || sv->kind == KV_NULL)
                    continue;
                const char *s2 = f->strct;
                f->strct = "Source";
                if (rg_gql_list_push(d->a, &d->names, (void *)source_fields[si].name) < 0)
                    return fail(d, "out of memory");
                if (si == 2 && sv->kind != KV_BOOL)
                    return type_error(d, json_kind(sv), "bool");
                if (si < 2 && sv->kind != KV_STRING)
                    return type_error(d, json_kind(sv), "string");
                if (si == 0) {
                    p.file = ks_arena_strndup(d->a, sv->u.s, sv->len);
                    if (!p.file)
                        return fail(d, "out of memory");
                }
                d->names.n--;
                f->strct = s2;
            }
        }
        d->names.n--;
        f->strct = saved;
    }
    *out = p;
    return 0;
}

/* One field's value into the struct at base. */
static int dec_field_value(dec *d, const kv_value *x, const fdesc *fd, char *base)
{
    void *at = base + fd->off;
    if (x->kind == KV_NULL && fd->kind != F_SELSET) {
        /* null leaves a value alone and sets a pointer or slice to nil */
        if (fd->kind == F_STRUCT)
            *(void **)at = NULL;
        else if (fd->kind == F_LIST || fd->kind == F_STRLIST)
            *(rg_gql_list *)at = (rg_gql_list){0};
        else if (fd->kind == F_COMMENTS)
            *(rg_gql_comments **)at = NULL;
        else if (fd->kind == F_POS)
            *(rg_gql_pos *)at = (rg_gql_pos){0};
        return 0;
    }
    switch (fd->kind) {
    case F_STR:
        if (x->kind != KV_STRING)
            return type_error(d, json_kind(x), fd->gotype);
        *(rg_gql_str *)at = (rg_gql_str){x->u.s, x->len};
        return 0;
    case F_BOOL:
        if (x->kind != KV_BOOL)
            return type_error(d, json_kind(x), fd->gotype);
        *(bool *)at = x->u.b;
        return 0;
    case F_INT: return dec_number(d, x, (int64_t *)at, fd->gotype);
    case F_STRUCT:
        if (x->kind != KV_OBJECT)
            return type_error(d, json_kind(x), fd->gotype);
        return dec_struct(d, x, fd->sub, (void **)at);
    case F_LIST: {
        if (!is_array(x))
            return type_error(d, json_kind(x), fd->gotype);
        rg_gql_list l = {0};
        for (uint32_t i = 0; i < x->len; i++) {
            const kv_value *e = &x->u.items[i];
            void *item = NULL;
            /* gqlparser would dereference a nil element */
            if (e->kind == KV_NULL)
                return fail(d, "graphql: null element in the AST");
            if (e->kind != KV_OBJECT) {
                if (fd->sub->custom) {
                    /* the element's UnmarshalJSON decodes it afresh */
                    if (push_frame(d) < 0)
                        return DEC_FAIL;
                    return type_error(d, json_kind(e), "map[string]json.RawMessage");
                }
                ks_buf t = KS_BUF_INIT;
                ks_buf_printf(&t, "ast.%s", fd->sub->name);
                const char *gt = t.err ? "" : ks_arena_strndup(d->a, ks_buf_cstr(&t), t.len);
                ks_buf_free(&t);
                return type_error(d, json_kind(e), gt ? gt : "");
            }
            if (dec_struct(d, e, fd->sub, &item) < 0)
                return DEC_FAIL;
            if (rg_gql_list_push(d->a, &l, item) < 0)
                return fail(d, "out of memory");
        }
        *(rg_gql_list *)at = l;
        return 0;
    }
    case F_STRLIST: return dec_strlist(d, x, (rg_gql_list *)at, fd->gotype);
    case F_COMMENTS: return dec_comments(d, x, (rg_gql_comments **)at);
    case F_SELSET: return dec_selset(d, x, (rg_gql_list *)at);
    case F_POS: return dec_pos(d, x, (rg_gql_pos *)at);
    default: return 0;
    }
}

/* A struct from an object (the caller checked it is one). */
static int dec_struct(dec *d, const kv_value *v, const sdesc *sd, void **out)
{
    if (check_object(d, v) < 0)
        return DEC_FAIL;
    if (d->depth >= RG_GQL_MAX_NESTING * 2 + 16)
        return fail(d, "graphql: AST object nested too deeply");
    d->depth++;
    char *x = ks_arena_calloc(d->a, 1, sd->size);
    if (!x)
        return fail(d, "out of memory");
    /* strings start as "" */
    for (size_t i = 0; i < sd->nfields; i++)
        if (sd->fields[i].kind == F_STR)
            *(rg_gql_str *)(x + sd->fields[i].off) = (rg_gql_str){"", 0};
    for (uint32_t i = 0; i < v->len; i++) {
        int idx = field_index(&v->u.members[i].key, sd->fields, sd->nfields, sd->custom);
        if (idx < 0)
            continue;
        const fdesc *fd = &sd->fields[idx];
        int rc;
        if (sd->custom) {
            /* UnmarshalJSON decodes each key with a fresh decoder */
            if (push_frame(d) < 0)
                return DEC_FAIL;
            rc = dec_field_value(d, &v->u.members[i].val, fd, x);
            if (rc < 0)
                return rc;
            pop_frame(d);
        } else {
            frame *f = top(d);
            const char *saved = f->strct;
            size_t mark = d->names.n;
            f->strct = sd->name;
            if (rg_gql_list_push(d->a, &d->names, (void *)fd->name) < 0)
                return fail(d, "out of memory");
            rc = dec_field_value(d, &v->u.members[i].val, fd, x);
            if (rc < 0)
                return rc;
            d->names.n = mark;
            f->strct = saved;
        }
    }
    d->depth--;
    if (sd->check) {
        const char *why = sd->check(x);
        if (why)
            return fail(d, why);
    }
    *out = x;
    return 0;
}

/* ---- the structs ---- */

#define FIELD(name, kind, T, member, gotype, sub)    \
    {                                                \
        name, kind, offsetof(T, member), gotype, sub \
    }

static const char *check_type(const void *x)
{
    const rg_gql_type *t = x;
    return t->named.n == 0 && !t->elem ? "graphql: type without a name in the AST" : NULL;
}

static const char *check_child(const void *x)
{
    return ((const rg_gql_child *)x)->value ? NULL : "graphql: value missing in the AST";
}

static const char *check_arg(const void *x)
{
    return ((const rg_gql_arg *)x)->value ? NULL : "graphql: argument value missing in the AST";
}

static const char *check_vardef(const void *x)
{
    return ((const rg_gql_vardef *)x)->type ? NULL : "graphql: variable type missing in the AST";
}

static const char *check_fielddef(const void *x)
{
    return ((const rg_gql_fielddef *)x)->type ? NULL : "graphql: field type missing in the AST";
}

static const sdesc type_desc, value_desc, child_desc, arg_desc, directive_desc;

static const fdesc type_fields[] = {
        FIELD("NamedType", F_STR, rg_gql_type, named, "string", NULL),
        FIELD("Elem", F_STRUCT, rg_gql_type, elem, "ast.Type", &type_desc),
        FIELD("NonNull", F_BOOL, rg_gql_type, nonnull, "bool", NULL),
};
static const sdesc type_desc = {"Type", false, sizeof(rg_gql_type), type_fields, 3, check_type};

static const fdesc child_fields[] = {
        FIELD("Name", F_STR, rg_gql_child, name, "string", NULL),
        FIELD("Value", F_STRUCT, rg_gql_child, value, "ast.Value", &value_desc),
        FIELD("Comment", F_COMMENTS, rg_gql_child, comment, "ast.CommentGroup", NULL),
};
static const sdesc child_desc = {"ChildValue", false, sizeof(rg_gql_child),
                                 child_fields, 3,     check_child};

static const fdesc value_fields[] = {
        FIELD("Raw", F_STR, rg_gql_value, raw, "string", NULL),
        FIELD("Children", F_LIST, rg_gql_value, children, "ast.ChildValueList", &child_desc),
        FIELD("Kind", F_INT, rg_gql_value, kind, "ast.ValueKind", NULL),
        FIELD("Comment", F_COMMENTS, rg_gql_value, comment, "ast.CommentGroup", NULL),
        FIELD("ExpectedTypeHasDefault", F_BOOL, rg_gql_value, expected_type_has_default, "bool",
              NULL),
};
static const sdesc value_desc = {"Value", false, sizeof(rg_gql_value), value_fields, 5, NULL};

static const fdesc arg_fields[] = {
        FIELD("Name", F_STR, rg_gql_arg, name, "string", NULL),
        FIELD("Value", F_STRUCT, rg_gql_arg, value, "ast.Value", &value_desc),
        FIELD("Comment", F_COMMENTS, rg_gql_arg, comment, "ast.CommentGroup", NULL),
};
static const sdesc arg_desc = {"Argument", false, sizeof(rg_gql_arg), arg_fields, 3, check_arg};

static const fdesc directive_fields[] = {
        FIELD("Name", F_STR, rg_gql_directive, name, "string", NULL),
        FIELD("Arguments", F_LIST, rg_gql_directive, args, "ast.ArgumentList", &arg_desc),
        FIELD("Location", F_STR, rg_gql_directive, location, "ast.DirectiveLocation", NULL),
};
static const sdesc directive_desc = {"Directive",      false, sizeof(rg_gql_directive),
                                     directive_fields, 3,     NULL};

static const fdesc vardef_fields[] = {
        FIELD("Description", F_STR, rg_gql_vardef, description, "string", NULL),
        FIELD("Variable", F_STR, rg_gql_vardef, variable, "string", NULL),
        FIELD("Type", F_STRUCT, rg_gql_vardef, type, "ast.Type", &type_desc),
        FIELD("DefaultValue", F_STRUCT, rg_gql_vardef, defval, "ast.Value", &value_desc),
        FIELD("Directives", F_LIST, rg_gql_vardef, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("Comment", F_COMMENTS, rg_gql_vardef, comment, "ast.CommentGroup", NULL),
        FIELD("Used", F_BOOL, rg_gql_vardef, used, "bool", NULL),
};
static const sdesc vardef_desc = {"VariableDefinition", false, sizeof(rg_gql_vardef),
                                  vardef_fields,        7,     check_vardef};

static const fdesc field_fields[] = {
        FIELD("Alias", F_STR, rg_gql_sel, alias, "string", NULL),
        FIELD("Name", F_STR, rg_gql_sel, name, "string", NULL),
        FIELD("Arguments", F_LIST, rg_gql_sel, args, "ast.ArgumentList", &arg_desc),
        FIELD("Directives", F_LIST, rg_gql_sel, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("SelectionSet", F_SELSET, rg_gql_sel, selset, "", NULL),
        FIELD("Position", F_POS, rg_gql_sel, pos, "ast.Position", NULL),
};
static const sdesc field_desc = {"Field", true, sizeof(rg_gql_sel), field_fields, 6, NULL};

static const fdesc spread_fields[] = {
        FIELD("Name", F_STR, rg_gql_sel, name, "string", NULL),
        FIELD("Directives", F_LIST, rg_gql_sel, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("Comment", F_COMMENTS, rg_gql_sel, comment, "ast.CommentGroup", NULL),
};
static const sdesc spread_desc = {"FragmentSpread", false, sizeof(rg_gql_sel),
                                  spread_fields,    3,     NULL};

static const fdesc inline_fields[] = {
        FIELD("TypeCondition", F_STR, rg_gql_sel, type_cond, "string", NULL),
        FIELD("Directives", F_LIST, rg_gql_sel, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("SelectionSet", F_SELSET, rg_gql_sel, selset, "", NULL),
        FIELD("Position", F_POS, rg_gql_sel, pos, "ast.Position", NULL),
};
static const sdesc inline_desc = {"InlineFragment", true, sizeof(rg_gql_sel),
                                  inline_fields,    4,    NULL};

static const fdesc opdef_fields[] = {
        FIELD("Operation", F_STR, rg_gql_opdef, operation, "ast.Operation", NULL),
        FIELD("Name", F_STR, rg_gql_opdef, name, "string", NULL),
        FIELD("VariableDefinitions", F_LIST, rg_gql_opdef, vardefs, "ast.VariableDefinitionList",
              &vardef_desc),
        FIELD("Directives", F_LIST, rg_gql_opdef, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("SelectionSet", F_SELSET, rg_gql_opdef, selset, "", NULL),
        FIELD("Position", F_POS, rg_gql_opdef, pos, "ast.Position", NULL),
};
static const sdesc opdef_desc = {"OperationDefinition", true, sizeof(rg_gql_opdef),
                                 opdef_fields,          6,    NULL};

static const fdesc fragdef_fields[] = {
        FIELD("Name", F_STR, rg_gql_fragdef, name, "string", NULL),
        FIELD("VariableDefinition", F_LIST, rg_gql_fragdef, vardefs, "ast.VariableDefinitionList",
              &vardef_desc),
        FIELD("TypeCondition", F_STR, rg_gql_fragdef, type_cond, "string", NULL),
        FIELD("Directives", F_LIST, rg_gql_fragdef, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("SelectionSet", F_SELSET, rg_gql_fragdef, selset, "", NULL),
        FIELD("Position", F_POS, rg_gql_fragdef, pos, "ast.Position", NULL),
};
static const sdesc fragdef_desc = {"FragmentDefinition", true, sizeof(rg_gql_fragdef),
                                   fragdef_fields,       6,    NULL};

static const fdesc querydoc_fields[] = {
        FIELD("Operations", F_LIST, rg_gql_querydoc, ops, "ast.OperationList", &opdef_desc),
        FIELD("Fragments", F_LIST, rg_gql_querydoc, frags, "ast.FragmentDefinitionList",
              &fragdef_desc),
        FIELD("Comment", F_COMMENTS, rg_gql_querydoc, comment, "ast.CommentGroup", NULL),
};
static const sdesc querydoc_desc = {"QueryDocument", false, sizeof(rg_gql_querydoc),
                                    querydoc_fields, 3,     NULL};

/* gqlparser's UnmarshalSelectionSet. */
static int dec_selset(dec *d, const kv_value *v, rg_gql_list *out)
{
    if (v->kind == KV_NULL) {
        *out = (rg_gql_list){0};
        return 0;
    }
    if (!is_array(v))
        return type_error(d, json_kind(v), "[]json.RawMessage");
    static const sdesc *const tries[] = {&field_desc, &spread_desc, &inline_desc};
    rg_gql_list l = {0};
    for (uint32_t i = 0; i < v->len; i++) {
        const kv_value *item = &v->u.items[i];
        for (size_t t = 0; t < 3; t++) {
            void *s = NULL;
            size_t frames = d->frames.n, names = d->names.n;
            int depth = d->depth;
            int rc;
            if (item->kind == KV_NULL) {
                /* UnmarshalJSON of null: an empty field */
                s = ks_arena_calloc(d->a, 1, sizeof(rg_gql_sel));
                rc = s ? 0 : fail(d, "out of memory");
            } else if (item->kind != KV_OBJECT) {
                rc = DEC_FAIL;
            } else if ((rc = push_frame(d)) == 0) {
                rc = dec_struct(d, item, tries[t], &s);
            }
            d->frames.n = frames;
            d->names.n = names;
            d->depth = depth;
            if (rc < 0) {
                /* Our refusals and running out of memory end decoding; a
                 * type mismatch tries the next kind of selection. */
                if (d->msg && strncmp(d->msg, "json:", 5) != 0)
                    return DEC_FAIL;
                d->msg = NULL;
                continue;
            }
            rg_gql_sel *sel = s;
            sel->kind = t == 0 ? RG_GQL_FIELD : t == 1 ? RG_GQL_SPREAD : RG_GQL_INLINE;
            if (!sel->alias.s)
                sel->alias = (rg_gql_str){"", 0};
            if (!sel->name.s)
                sel->name = (rg_gql_str){"", 0};
            if (!sel->type_cond.s)
                sel->type_cond = (rg_gql_str){"", 0};
            if (rg_gql_list_push(d->a, &l, sel) < 0)
                return fail(d, "out of memory");
            break;
        }
    }
    *out = l;
    return 0;
}

/* ---- schema structs ---- */

static const sdesc argdef_desc;

static const fdesc fielddef_fields[] = {
        FIELD("Description", F_STR, rg_gql_fielddef, description, "string", NULL),
        FIELD("Name", F_STR, rg_gql_fielddef, name, "string", NULL),
        FIELD("Arguments", F_LIST, rg_gql_fielddef, args, "ast.ArgumentDefinitionList",
              &argdef_desc),
        FIELD("DefaultValue", F_STRUCT, rg_gql_fielddef, defval, "ast.Value", &value_desc),
        FIELD("Type", F_STRUCT, rg_gql_fielddef, type, "ast.Type", &type_desc),
        FIELD("Directives", F_LIST, rg_gql_fielddef, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("BeforeDescriptionComment", F_COMMENTS, rg_gql_fielddef, before, "", NULL),
        FIELD("AfterDescriptionComment", F_COMMENTS, rg_gql_fielddef, after, "", NULL),
};
static const sdesc fielddef_desc = {"FieldDefinition", false, sizeof(rg_gql_fielddef),
                                    fielddef_fields,   8,     check_fielddef};

static const fdesc argdef_fields[] = {
        FIELD("Description", F_STR, rg_gql_fielddef, description, "string", NULL),
        FIELD("Name", F_STR, rg_gql_fielddef, name, "string", NULL),
        FIELD("DefaultValue", F_STRUCT, rg_gql_fielddef, defval, "ast.Value", &value_desc),
        FIELD("Type", F_STRUCT, rg_gql_fielddef, type, "ast.Type", &type_desc),
        FIELD("Directives", F_LIST, rg_gql_fielddef, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("BeforeDescriptionComment", F_COMMENTS, rg_gql_fielddef, before, "", NULL),
        FIELD("AfterDescriptionComment", F_COMMENTS, rg_gql_fielddef, after, "", NULL),
};
static const sdesc argdef_desc = {"ArgumentDefinition", false, sizeof(rg_gql_fielddef),
                                  argdef_fields,        7,     check_fielddef};

static const fdesc enumval_fields[] = {
        FIELD("Description", F_STR, rg_gql_enumval, description, "string", NULL),
        FIELD("Name", F_STR, rg_gql_enumval, name, "string", NULL),
        FIELD("Directives", F_LIST, rg_gql_enumval, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("BeforeDescriptionComment", F_COMMENTS, rg_gql_enumval, before, "", NULL),
        FIELD("AfterDescriptionComment", F_COMMENTS, rg_gql_enumval, after, "", NULL),
};
static const sdesc enumval_desc = {"EnumValueDefinition", false, sizeof(rg_gql_enumval),
                                   enumval_fields,        5,     NULL};

static const fdesc def_fields[] = {
        FIELD("Kind", F_STR, rg_gql_def, kind, "ast.DefinitionKind", NULL),
        FIELD("Description", F_STR, rg_gql_def, description, "string", NULL),
        FIELD("Name", F_STR, rg_gql_def, name, "string", NULL),
        FIELD("Directives", F_LIST, rg_gql_def, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("Interfaces", F_STRLIST, rg_gql_def, interfaces, "[]string", NULL),
        FIELD("Fields", F_LIST, rg_gql_def, fields, "ast.FieldList", &fielddef_desc),
        FIELD("Types", F_STRLIST, rg_gql_def, types, "[]string", NULL),
        FIELD("EnumValues", F_LIST, rg_gql_def, enumvals, "ast.EnumValueList", &enumval_desc),
        FIELD("BuiltIn", F_BOOL, rg_gql_def, builtin, "bool", NULL),
        FIELD("BeforeDescriptionComment", F_COMMENTS, rg_gql_def, before, "", NULL),
        FIELD("AfterDescriptionComment", F_COMMENTS, rg_gql_def, after, "", NULL),
        FIELD("EndOfDefinitionComment", F_COMMENTS, rg_gql_def, end, "", NULL),
};
static const sdesc def_desc = {"Definition", false, sizeof(rg_gql_def), def_fields, 12, NULL};

static const fdesc dirdef_fields[] = {
        FIELD("Description", F_STR, rg_gql_dirdef, description, "string", NULL),
        FIELD("Name", F_STR, rg_gql_dirdef, name, "string", NULL),
        FIELD("Arguments", F_LIST, rg_gql_dirdef, args, "ast.ArgumentDefinitionList", &argdef_desc),
        FIELD("Directives", F_LIST, rg_gql_dirdef, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("Locations", F_STRLIST, rg_gql_dirdef, locations, "[]ast.DirectiveLocation", NULL),
        FIELD("IsRepeatable", F_BOOL, rg_gql_dirdef, repeatable, "bool", NULL),
        FIELD("BeforeDescriptionComment", F_COMMENTS, rg_gql_dirdef, before, "", NULL),
        FIELD("AfterDescriptionComment", F_COMMENTS, rg_gql_dirdef, after, "", NULL),
};
static const sdesc dirdef_desc = {"DirectiveDefinition", false, sizeof(rg_gql_dirdef),
                                  dirdef_fields,         8,     NULL};

static const fdesc optype_fields[] = {
        FIELD("Operation", F_STR, rg_gql_optype, operation, "ast.Operation", NULL),
        FIELD("Type", F_STR, rg_gql_optype, type, "string", NULL),
        FIELD("Comment", F_COMMENTS, rg_gql_optype, comment, "ast.CommentGroup", NULL),
};
static const sdesc optype_desc = {
        "OperationTypeDefinition", false, sizeof(rg_gql_optype), optype_fields, 3, NULL};

static const fdesc schemadef_fields[] = {
        FIELD("Description", F_STR, rg_gql_schemadef, description, "string", NULL),
        FIELD("Directives", F_LIST, rg_gql_schemadef, dirs, "ast.DirectiveList", &directive_desc),
        FIELD("OperationTypes", F_LIST, rg_gql_schemadef, optypes,
              "ast.OperationTypeDefinitionList", &optype_desc),
        FIELD("BeforeDescriptionComment", F_COMMENTS, rg_gql_schemadef, before, "", NULL),
        FIELD("AfterDescriptionComment", F_COMMENTS, rg_gql_schemadef, after, "", NULL),
        FIELD("EndOfDefinitionComment", F_COMMENTS, rg_gql_schemadef, end, "", NULL),
};
static const sdesc schemadef_desc = {"SchemaDefinition", false, sizeof(rg_gql_schemadef),
                                     schemadef_fields,   6,     NULL};

static const fdesc schemadoc_fields[] = {
        FIELD("Schema", F_LIST, rg_gql_schemadoc, schema, "ast.SchemaDefinitionList",
              &schemadef_desc),
        FIELD("SchemaExtension", F_LIST, rg_gql_schemadoc, schema_ext, "ast.SchemaDefinitionList",
              &schemadef_desc),
        FIELD("Directives", F_LIST, rg_gql_schemadoc, dirs, "ast.DirectiveDefinitionList",
              &dirdef_desc),
        FIELD("DirectiveExtensions", F_LIST, rg_gql_schemadoc, dir_ext,
              "ast.DirectiveDefinitionList", &dirdef_desc),
        FIELD("Definitions", F_LIST, rg_gql_schemadoc, defs, "ast.DefinitionList", &def_desc),
        FIELD("Extensions", F_LIST, rg_gql_schemadoc, exts, "ast.DefinitionList", &def_desc),
        FIELD("Comment", F_COMMENTS, rg_gql_schemadoc, comment, "ast.CommentGroup", NULL),
};
static const sdesc schemadoc_desc = {"SchemaDocument", false, sizeof(rg_gql_schemadoc),
                                     schemadoc_fields, 7,     NULL};

static int decode(ks_arena *a, const kv_value *v, const sdesc *sd, void **out, rg_gql_errs *err)
{
    dec d = {.a = a};
    int rc = push_frame(&d);
    if (rc == 0) {
        if (v->kind == KV_OBJECT)
            rc = dec_struct(&d, v, sd, out);
        else if (v->kind == KV_NULL)
            rc = (*out = ks_arena_calloc(a, 1, sd->size)) ? 0 : fail(&d, "out of memory");
        else
            rc = type_error(&d, json_kind(v),
                            sd == &querydoc_desc ? "ast.QueryDocument" : "ast.SchemaDocument");
    }
    if (rc < 0) {
        if (d.msg && !strcmp(d.msg, "out of memory")) {
            err->oom = true;
            return KS_ENOMEM;
        }
        rg_gql_error_raw(err, KS_EPARSE, d.msg ? d.msg : "json: invalid AST");
        return KS_EPARSE;
    }
    return 0;
}

int rg_gql_query_from_value(ks_arena *a, const kv_value *v, rg_gql_querydoc **out, rg_gql_errs *err)
{
    void *doc = NULL;
    int rc = decode(a, v, &querydoc_desc, &doc, err);
    *out = doc;
    return rc;
}

int rg_gql_schema_from_value(ks_arena *a, const kv_value *v, rg_gql_schemadoc **out,
                             rg_gql_errs *err)
{
    void *doc = NULL;
    int rc = decode(a, v, &schemadoc_desc, &doc, err);
    *out = doc;
    return rc;
}
