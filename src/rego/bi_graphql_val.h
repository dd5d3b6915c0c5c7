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

int rg_gql_overlap_init(rg_gql_val *v);
void rg_gql_overlap_selset(rg_gql_val *v, const rg_gql_list *selset);

#endif
