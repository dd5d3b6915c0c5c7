/*
 * gqlparser's rules on values (NoUndefinedVariables, UniqueInputFieldNames,
 * ValuesOfCorrectType, VariablesInAllowedPosition) and Value.String().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "rego/bi_graphql_val.h"

/* A string for "%.*s". */
#define S(x) (int)(x).n, (x).s

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

const char *rg_gql_val_value_str(rg_gql_val *v, const rg_gql_value *x)
{
    ks_buf b = KS_BUF_INIT;
    value_string_buf(&b, x);
    return rg_gql_val_keep(v, &b);
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
    const char *ts = rg_gql_val_type_str(v, x->expected_type);
    const char *vs = rg_gql_val_value_str(v, x);
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
    rg_gql_val_emit(v, &x->pos, &msg);
}

static rg_gql_str *enum_names(rg_gql_val *v, const rg_gql_def *d, size_t *n)
{
    *n = 0;
    if (!rg_gql_def_is(d, "ENUM"))
        return NULL;
    rg_gql_str *names = ks_arena_alloc(v->a, (d->enumvals.n + 1) * sizeof(rg_gql_str));
    if (!names) {
        rg_gql_val_oom(v);
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
            rg_gql_val_oom(v);
            return;
        }
        for (size_t i = 0; i < x->children.n; i++)
            rg_gql_set_add(v, names, ((rg_gql_child *)x->children.v[i])->name);
    }
    for (size_t i = 0; i < d->fields.n; i++) {
        const rg_gql_fielddef *f = d->fields.v[i];
        bool given = names ? rg_gql_set_has(names, f->name) : child_for_name(x, f->name) != NULL;
        if (f->type->nonnull && !given && !f->defval)
            rg_gql_val_error(v, &x->pos,
                             "Field \"%.*s.%.*s\" of required type \"%s\" was not "
                             "provided.",
                             S(d->name), S(f->name), rg_gql_val_type_str(v, f->type));
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
        rg_gql_str *fnames = rg_gql_val_field_names(v, &d->fields);
        if (fnames)
            rg_gql_val_suggest(v, &msg, "Did you mean", c->name, fnames, d->fields.n, true);
        rg_gql_val_emit(v, &c->pos, &msg);
    }
}

static void rule_values_of_correct_type(rg_gql_val *v, const rg_gql_value *x)
{
    const rg_gql_def *d = x->definition;
    if (!d || !x->expected_type)
        return;
    if (x->kind == RG_GQL_NULL && x->expected_type->nonnull)
        rg_gql_val_error(v, &x->pos, "Expected value of type \"%s\", found %s.",
                         rg_gql_val_type_str(v, x->expected_type), rg_gql_val_value_str(v, x));
    static const char *const builtin_scalars[] = {"Int", "Float", "String", "Boolean", "ID"};
    if (rg_gql_def_is(d, "SCALAR") && !rg_gql_def_named(d, builtin_scalars, 5))
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
        if (!rg_gql_def_named(d, int_ok, 3))
            unexpected_type(v, x);
        return;
    case RG_GQL_FLOAT:
        if (!rg_gql_def_named(d, float_ok, 1))
            unexpected_type(v, x);
        return;
    case RG_GQL_STRING:
    case RG_GQL_BLOCK:
        if (rg_gql_def_is(d, "ENUM")) {
            ks_buf msg = KS_BUF_INIT;
            ks_buf_printf(&msg, "Enum \"%s\" cannot represent non-enum value: %s.",
                          rg_gql_val_type_str(v, x->expected_type), rg_gql_val_value_str(v, x));
            rg_gql_val_suggest(v, &msg, "Did you mean the enum value", x->raw, enums, nenum, true);
            rg_gql_val_emit(v, &x->pos, &msg);
        } else if (!rg_gql_def_named(d, str_ok, 2)) {
            unexpected_type(v, x);
        }
        return;
    case RG_GQL_ENUM:
        if (!rg_gql_def_is(d, "ENUM")) {
            ks_buf msg = KS_BUF_INIT;
            unexpected_type_msg(v, x, &msg);
            rg_gql_val_suggest(v, &msg, "Did you mean the enum value", x->raw, enums, nenum, false);
            rg_gql_val_emit(v, &x->pos, &msg);
        } else {
            bool found = false;
            for (size_t i = 0; i < d->enumvals.n && !found; i++)
                found = rg_gql_streq(((rg_gql_enumval *)d->enumvals.v[i])->name, x->raw);
            if (!found) {
                ks_buf msg = KS_BUF_INIT;
                ks_buf_printf(&msg, "Value \"%s\" does not exist in \"%s\" enum.",
                              rg_gql_val_value_str(v, x), rg_gql_val_type_str(v, x->expected_type));
                rg_gql_val_suggest(v, &msg, "Did you mean the enum value", x->raw, enums, nenum,
                                   true);
                rg_gql_val_emit(v, &x->pos, &msg);
            }
        }
        return;
    case RG_GQL_BOOLEAN:
        if (!rg_gql_def_named(d, bool_ok, 1))
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
                             rg_gql_val_value_str(v, x), rg_gql_val_type_str(v, x->vardef->type),
                             rg_gql_val_type_str(v, x->expected_type));
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
                         rg_gql_val_value_str(v, fv), rg_gql_val_type_str(v, fv->vardef->type),
                         S(x->definition->name));
    }
}

void rg_gql_on_value(rg_gql_val *v, const rg_gql_value *x)
{
    /* NoUndefinedVariables */
    if (v->current_op && x->kind == RG_GQL_VARIABLE && !x->vardef) {
        if (v->current_op->name.n)
            rg_gql_val_error(v, &x->pos, "Variable \"%s\" is not defined by operation \"%.*s\".",
                             rg_gql_val_value_str(v, x), S(v->current_op->name));
        else
            rg_gql_val_error(v, &x->pos, "Variable \"%s\" is not defined.",
                             rg_gql_val_value_str(v, x));
    }
    /* UniqueInputFieldNames */
    if (x->kind == RG_GQL_OBJECTV && x->children.n > 1) {
        rg_gql_tmap *seen = rg_gql_tmap_new(v->a);
        if (!seen) {
            rg_gql_val_oom(v);
            return;
        }
        for (size_t i = 0; i < x->children.n; i++) {
            const rg_gql_child *c = x->children.v[i];
            if (rg_gql_set_has(seen, c->name))
                rg_gql_val_error(v, &c->pos, "There can be only one input field named \"%.*s\".",
                                 S(c->name));
            rg_gql_set_add(v, seen, c->name);
        }
    }
    rule_values_of_correct_type(v, x);
    rule_variables_in_allowed_position(v, x);
}
