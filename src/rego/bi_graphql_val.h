/* GraphQL query validation internals (gqlparser's validator/core walker
 * and rule state), shared by bi_graphql_validate.c and the overlapping
 * fields rule in bi_graphql_overlap.c. */
#ifndef KS_REGO_BI_GRAPHQL_VAL_H
#define KS_REGO_BI_GRAPHQL_VAL_H

#include "rego/bi_graphql.h"

typedef struct rg_gql_overlap rg_gql_overlap;

/* v->rc when validation stops at its first error (a verdict is all the
 * caller wants). */
#define RG_GQL_STOP 1
/* Most errors one validation reports; past it validation fails with a
 * limit error. */
#define RG_GQL_MAX_ERRORS 1000

typedef struct rg_gql_val {
    ks_arena *a;
    const rg_gql_schema *schema;
    rg_gql_querydoc *doc;
    rg_gql_errs *err;
    int rc; /* RG_GQL_STOP, KS_ELIMIT or KS_ENOMEM once validation must stop */
    bool first_error_only;
    size_t nerrors;
    size_t work;
    int depth;

    rg_gql_opdef *current_op;
    rg_gql_tmap *fragments;       /* first fragment of each name */
    rg_gql_tmap *validated;       /* fragment spreads walked in this pass */
    rg_gql_tmap *indexes;         /* field and argument lists -> name -> first */
    rg_gql_tmap *var_index;       /* variables of the current operation, or NULL */
    rg_gql_fielddef typename_def; /* __typename: String */
    rg_gql_type string_type;

    /* rule state */
    rg_gql_tmap *known_dirs_seen;  /* KnownDirectives */
    rg_gql_tmap *introspect_memo;  /* MaxIntrospectionDepth: name -> int[4] */
    rg_gql_tmap *introspect_visit; /* name -> entry depth + 1 */
    rg_gql_tmap *cycle_visited;    /* NoFragmentCycles */
    bool in_fragment_definition;   /* NoUnusedFragments */
    rg_gql_tmap *fragment_used;
    rg_gql_tmap *fragment_names;  /* UniqueFragmentNames */
    rg_gql_tmap *operation_names; /* UniqueOperationNames */
    rg_gql_overlap *overlap;
} rg_gql_val;

/* Counts n steps of work; false (and v->rc set) past the limit. */
bool rg_gql_val_spend(rg_gql_val *v, size_t n);
/* Enters one level of recursion; false (and v->rc set) past the limit.
 * Pair with v->depth-- on success. */
bool rg_gql_val_enter(rg_gql_val *v);
/* The first definition of name in a list of field or argument definitions
 * (FieldList.ForName), through an index for long lists. */
rg_gql_fielddef *rg_gql_val_fielddef(rg_gql_val *v, const rg_gql_list *l, rg_gql_str name);
/* Adds a validation error at pos (NULL or unset: no location); nothing
 * once validation is stopping. */
void rg_gql_val_error(rg_gql_val *v, const rg_gql_pos *pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static inline void rg_gql_val_oom(rg_gql_val *v)
{
    v->err->oom = true;
    v->rc = KS_ENOMEM;
}

static inline rg_gql_def *rg_gql_val_type(const rg_gql_val *v, rg_gql_str name)
{
    return rg_gql_schema_type(v->schema, name);
}

static inline bool rg_gql_set_has(rg_gql_tmap *m, rg_gql_str key)
{
    return rg_gql_tmap_get(m, key) != NULL;
}

static inline void rg_gql_set_add(rg_gql_val *v, rg_gql_tmap *m, rg_gql_str key)
{
    if (rg_gql_tmap_put(m, key, (void *)1) < 0)
        rg_gql_val_oom(v);
}

static inline bool rg_gql_def_leaf(const rg_gql_def *d)
{
    return rg_gql_def_is(d, "ENUM") || rg_gql_def_is(d, "SCALAR");
}

static inline bool rg_gql_def_composite(const rg_gql_def *d)
{
    return rg_gql_def_is(d, "OBJECT") || rg_gql_def_is(d, "INTERFACE") || rg_gql_def_is(d, "UNION");
}

static inline bool rg_gql_def_input(const rg_gql_def *d)
{
    return rg_gql_def_is(d, "SCALAR") || rg_gql_def_is(d, "ENUM") ||
           rg_gql_def_is(d, "INPUT_OBJECT");
}

/* Definition.OneOf: whether d is named one of names. */
static inline bool rg_gql_def_named(const rg_gql_def *d, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rg_gql_streq_c(d->name, names[i]))
            return true;
    return false;
}

/* The text of b in the arena (b is freed); "" when out of memory, which
 * marks v. */
const char *rg_gql_val_keep(rg_gql_val *v, ks_buf *b);
/* Type.String() and Value.String(), in the arena. */
const char *rg_gql_val_type_str(rg_gql_val *v, const rg_gql_type *t);
const char *rg_gql_val_value_str(rg_gql_val *v, const rg_gql_value *x);
/* Adds the error in msg (and frees msg). */
void rg_gql_val_emit(rg_gql_val *v, const rg_gql_pos *pos, ks_buf *msg);
/* The names of a list of field or argument definitions (arena). */
rg_gql_str *rg_gql_val_field_names(rg_gql_val *v, const rg_gql_list *fields);
/* Appends " PREFIX A, B, or C?" to msg when some options are near typed
 * (SuggestListQuoted or, without quote, SuggestListUnquoted). */
void rg_gql_val_suggest(rg_gql_val *v, ks_buf *msg, const char *prefix, rg_gql_str typed,
                        const rg_gql_str *options, size_t n, bool quote);
/* OrList (QuotedOrList with quote): at most five items. */
void rg_gql_or_list(ks_buf *b, const rg_gql_str *items, size_t n, bool quote);

/* The root type and directive location of an operation type ("" is a
 * query); NULL when the schema has none. */
const rg_gql_def *rg_gql_val_root(const rg_gql_val *v, rg_gql_str op, const char **loc);

/* The walker's events (bi_graphql_rules.c). */
void rg_gql_on_field(rg_gql_val *v, rg_gql_sel *f);
void rg_gql_on_inline_fragment(rg_gql_val *v, rg_gql_sel *s);
void rg_gql_on_fragment_spread(rg_gql_val *v, rg_gql_sel *s);
void rg_gql_on_fragment(rg_gql_val *v, rg_gql_fragdef *f);
void rg_gql_on_directive(rg_gql_val *v, rg_gql_directive *d);
void rg_gql_on_directive_list(rg_gql_val *v, const rg_gql_list *dirs);
void rg_gql_on_value(rg_gql_val *v, const rg_gql_value *x);
void rg_gql_on_operation(rg_gql_val *v, rg_gql_opdef *op);

/* OverlappingFieldsCanBeMerged (bi_graphql_overlap.c). */
int rg_gql_overlap_init(rg_gql_val *v);
void rg_gql_overlap_selset(rg_gql_val *v, const rg_gql_list *selset);

#endif
