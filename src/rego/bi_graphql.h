/*
 * GraphQL for the graphql.* builtins: a lexer and parser for queries and
 * schema documents (SDL), the AST in the JSON shape OPA returns, schema
 * building and query validation, all following the semantics, messages and
 * positions of github.com/vektah/gqlparser/v2 v2.5.64, which OPA v1.22.3
 * uses.
 *
 * Everything is allocated in the arena given to the functions and lives as
 * long as it; nothing is freed on its own. Errors are collected as a list of
 * gqlparser-style errors (message, optional position, file) and rendered as
 * Go's error strings by rg_gql_errs_string.
 *
 * Bounds: callers cap the input size; the parser refuses nesting deeper than
 * gqlparser's 1000 levels; the AST decoder refuses values nested deeper than
 * RG_GQL_MAX_DEPTH; validation counts its work and stops with an error past
 * RG_GQL_MAX_WORK steps or RG_GQL_MAX_DEPTH levels of recursion.
 *
 * Thread-safety: no global mutable state; one arena per call.
 */
#ifndef KS_REGO_BI_GRAPHQL_H
#define KS_REGO_BI_GRAPHQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "rego/builtin.h"
#include "value/value.h"

/* gqlparser's parser.MaxNestingDepth. */
#define RG_GQL_MAX_NESTING 1000
/* Deepest recursion of the AST decoder and the validator. */
#define RG_GQL_MAX_DEPTH 2500
/* Steps of validation work (nodes visited, pairs of fields compared,
 * characters compared for suggestions) before validation gives up. */
#define RG_GQL_MAX_WORK 2000000

extern const rg_builtin_def rg_bi_graphql[];

/* ---- small containers ---- */

typedef struct rg_gql_str {
    const char *s;
    size_t n;
} rg_gql_str;

/* A list of pointers, grown in the arena. */
typedef struct rg_gql_list {
    void **v;
    size_t n, cap;
} rg_gql_list;

/* 0, or KS_ENOMEM when the arena is exhausted. */
int rg_gql_list_push(ks_arena *a, rg_gql_list *l, void *item);

static inline bool rg_gql_streq(rg_gql_str a, rg_gql_str b)
{
    return a.n == b.n && (a.n == 0 || __builtin_memcmp(a.s, b.s, a.n) == 0);
}

bool rg_gql_streq_c(rg_gql_str a, const char *b);
int rg_gql_strcmp(rg_gql_str a, rg_gql_str b);

#define RG_GQL_S(lit) ((rg_gql_str){lit, sizeof(lit) - 1})

/* A source position (gqlparser's *ast.Position; set is false for nil). */
typedef struct rg_gql_pos {
    bool set;
    int line, col;
    const char *file; /* source name; "" for the caller's input */
} rg_gql_pos;

/* A group of comments; each comment's text includes its '#'. */
typedef struct rg_gql_comments {
    rg_gql_str *list;
    size_t n;
} rg_gql_comments;

/* ---- the AST (gqlparser's ast package) ---- */

enum rg_gql_vkind {
    RG_GQL_VARIABLE = 0,
    RG_GQL_INT,
    RG_GQL_FLOAT,
    RG_GQL_STRING,
    RG_GQL_BLOCK,
    RG_GQL_BOOLEAN,
    RG_GQL_NULL,
    RG_GQL_ENUM,
    RG_GQL_LISTV,
    RG_GQL_OBJECTV,
};

struct rg_gql_def;
struct rg_gql_vardef;
struct rg_gql_fielddef;
struct rg_gql_fragdef;
struct rg_gql_dirdef;

typedef struct rg_gql_type {
    rg_gql_str named;
    struct rg_gql_type *elem;
    bool nonnull;
    rg_gql_pos pos;
} rg_gql_type;

typedef struct rg_gql_value {
    rg_gql_str raw;
    rg_gql_list children; /* rg_gql_child */
    int64_t kind;         /* enum rg_gql_vkind; anything from a decoded object */
    rg_gql_pos pos;
    rg_gql_comments *comment;
    /* set by validation */
    struct rg_gql_def *definition;
    struct rg_gql_vardef *vardef;
    const rg_gql_type *expected_type;
    bool expected_type_has_default;
} rg_gql_value;

typedef struct rg_gql_child {
    rg_gql_str name;
    rg_gql_value *value;
    rg_gql_pos pos;
    rg_gql_comments *comment;
} rg_gql_child;

typedef struct rg_gql_arg {
    rg_gql_str name;
    rg_gql_value *value;
    rg_gql_pos pos;
    rg_gql_comments *comment;
} rg_gql_arg;

typedef struct rg_gql_directive {
    rg_gql_str name;
    rg_gql_list args; /* rg_gql_arg */
    rg_gql_pos pos;
    /* set by validation */
    struct rg_gql_def *parent_def;
    struct rg_gql_dirdef *definition;
    rg_gql_str location;
} rg_gql_directive;

enum rg_gql_selkind { RG_GQL_FIELD, RG_GQL_SPREAD, RG_GQL_INLINE };

/* A selection: field, fragment spread or inline fragment. */
typedef struct rg_gql_sel {
    int kind;             /* enum rg_gql_selkind */
    rg_gql_str alias;     /* field */
    rg_gql_str name;      /* field, spread */
    rg_gql_str type_cond; /* inline fragment */
    rg_gql_list args;     /* field: rg_gql_arg */
    rg_gql_list dirs;     /* rg_gql_directive */
    rg_gql_list selset;   /* field, inline fragment: rg_gql_sel */
    rg_gql_pos pos;
    rg_gql_comments *comment;
    /* set by validation */
    struct rg_gql_fielddef *definition; /* field */
    struct rg_gql_def *objdef;
    struct rg_gql_fragdef *fragdef; /* spread */
} rg_gql_sel;

typedef struct rg_gql_vardef {
    rg_gql_str description;
    rg_gql_str variable;
    rg_gql_type *type;
    rg_gql_value *defval;
    rg_gql_list dirs;
    rg_gql_pos pos;
    rg_gql_comments *comment;
    /* set by validation */
    struct rg_gql_def *definition;
    bool used;
} rg_gql_vardef;

typedef struct rg_gql_opdef {
    rg_gql_str description;
    rg_gql_str operation; /* "query", "mutation", "subscription" */
    rg_gql_str name;
    rg_gql_list vardefs; /* rg_gql_vardef */
    rg_gql_list dirs;
    rg_gql_list selset;
    rg_gql_pos pos;
    rg_gql_comments *comment;
} rg_gql_opdef;

typedef struct rg_gql_fragdef {
    rg_gql_str description;
    rg_gql_str name;
    rg_gql_list vardefs; /* "VariableDefinition" */
    rg_gql_str type_cond;
    rg_gql_list dirs;
    rg_gql_list selset;
    rg_gql_pos pos;
    rg_gql_comments *comment;
    struct rg_gql_def *definition; /* set by validation */
} rg_gql_fragdef;

typedef struct rg_gql_querydoc {
    rg_gql_list ops;   /* rg_gql_opdef */
    rg_gql_list frags; /* rg_gql_fragdef */
    rg_gql_comments *comment;
} rg_gql_querydoc;

/* Field, argument and input value definitions share one shape (arguments
 * are only ever present on fields). */
typedef struct rg_gql_fielddef {
    rg_gql_str description;
    rg_gql_str name;
    rg_gql_list args; /* rg_gql_fielddef */
    rg_gql_value *defval;
    rg_gql_type *type;
    rg_gql_list dirs;
    rg_gql_pos pos;
    rg_gql_comments *before, *after;
} rg_gql_fielddef;

typedef struct rg_gql_enumval {
    rg_gql_str description;
    rg_gql_str name;
    rg_gql_list dirs;
    rg_gql_pos pos;
    rg_gql_comments *before, *after;
} rg_gql_enumval;

/* A type definition or extension. */
typedef struct rg_gql_def {
    rg_gql_str kind; /* "SCALAR", "OBJECT", ... */
    rg_gql_str description;
    rg_gql_str name;
    rg_gql_list dirs;
    rg_gql_list interfaces; /* rg_gql_str */
    rg_gql_list fields;     /* rg_gql_fielddef */
    rg_gql_list types;      /* rg_gql_str (union members) */
    rg_gql_list type_pos;   /* rg_gql_pos, parallel to types */
    rg_gql_list enumvals;   /* rg_gql_enumval */
    rg_gql_pos pos;
    bool builtin;
    rg_gql_comments *before, *after, *end;
} rg_gql_def;

typedef struct rg_gql_dirdef {
    rg_gql_str description;
    rg_gql_str name;
    rg_gql_list args; /* rg_gql_fielddef */
    rg_gql_list dirs;
    rg_gql_list locations; /* rg_gql_str */
    bool repeatable;
    rg_gql_pos pos;
    rg_gql_comments *before, *after;
} rg_gql_dirdef;

typedef struct rg_gql_optype {
    rg_gql_str operation;
    rg_gql_str type;
    rg_gql_pos pos;
    rg_gql_comments *comment;
} rg_gql_optype;

typedef struct rg_gql_schemadef {
    rg_gql_str description;
    rg_gql_list dirs;
    rg_gql_list optypes; /* rg_gql_optype */
    rg_gql_pos pos;
    rg_gql_comments *before, *after, *end;
} rg_gql_schemadef;

typedef struct rg_gql_schemadoc {
    rg_gql_list schema;     /* rg_gql_schemadef */
    rg_gql_list schema_ext; /* rg_gql_schemadef */
    rg_gql_list dirs;       /* rg_gql_dirdef */
    rg_gql_list dir_ext;    /* rg_gql_dirdef */
    rg_gql_list defs;       /* rg_gql_def */
    rg_gql_list exts;       /* rg_gql_def */
    rg_gql_comments *comment;
} rg_gql_schemadoc;

/* ---- errors (gqlerror.Error and gqlerror.List) ---- */

typedef struct rg_gql_err {
    rg_gql_str msg;
    const char *file; /* NULL or "": "input" */
    bool has_loc;
    int line, col;
} rg_gql_err;

typedef struct rg_gql_errs {
    ks_arena *arena;
    rg_gql_list list; /* rg_gql_err */
    bool is_list;     /* a validation list (each error ends in "\n") */
    bool oom;
    /* Not a gqlparser error: a limit of ours or a decoding error, rendered
     * as is. */
    const char *raw;
} rg_gql_errs;

/* Adds an error; fmt is printf-style. pos may be NULL or unset (no
 * location). Returns KS_EPARSE (or KS_ENOMEM). */
int rg_gql_errorf(rg_gql_errs *e, const rg_gql_pos *pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* As rg_gql_errorf, with line and column -1 when pos is nil
 * (gqlerror.ErrorPosf). */
int rg_gql_errorposf(rg_gql_errs *e, const rg_gql_pos *pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Sets a raw error message (limits, decoding); returns code. */
int rg_gql_error_raw(rg_gql_errs *e, int code, const char *msg);
/* Go's err.Error() of what was collected. */
int rg_gql_errs_string(const rg_gql_errs *e, ks_buf *out);

/* Orders items by keys, ascending, exactly as Go's sort.Slice orders them
 * (it is not stable: equal keys end up in its order). */
void rg_gql_go_sort(rg_gql_str *items, size_t *keys, size_t n);

/* Appends s quoted as Go's strconv.Quote. */
void rg_gql_quote(ks_buf *b, rg_gql_str s);

/* ---- parsing ---- */

/* file: source name for positions ("" for the caller's input). */
int rg_gql_parse_query(ks_arena *a, const char *src, size_t n, rg_gql_querydoc **out,
                       rg_gql_errs *err);
int rg_gql_parse_schema(ks_arena *a, const char *src, size_t n, const char *file, bool builtin,
                        rg_gql_schemadoc **out, rg_gql_errs *err);

/* ---- AST <-> values (bi_graphql_json.c) ---- */

/* The AST as OPA returns it: Go's JSON of the structs with nulls, empty
 * arrays and objects, and positions pruned. The value is built in a;
 * scratch holds what is needed only while building it. */
int rg_gql_query_to_value(ks_arena *a, ks_arena *scratch, const rg_gql_querydoc *d, kv_value *out);
int rg_gql_schema_to_value(ks_arena *a, ks_arena *scratch, const rg_gql_schemadoc *d,
                           kv_value *out);
/* An AST object decoded the way Go's encoding/json and gqlparser's
 * UnmarshalJSON methods decode it. Errors are raw (json: ...). */
int rg_gql_query_from_value(ks_arena *a, const kv_value *v, rg_gql_querydoc **out,
                            rg_gql_errs *err);
int rg_gql_schema_from_value(ks_arena *a, const kv_value *v, rg_gql_schemadoc **out,
                             rg_gql_errs *err);

/* ---- schemas and validation ---- */

typedef struct rg_gql_tmap rg_gql_tmap;

typedef struct rg_gql_schema {
    rg_gql_def *query, *mutation, *subscription;
    rg_gql_tmap *types;      /* name -> rg_gql_def */
    rg_gql_tmap *directives; /* name -> rg_gql_dirdef */
    rg_gql_tmap *possible;   /* name -> rg_gql_list of rg_gql_def */
    rg_gql_tmap *implements; /* name -> rg_gql_list of rg_gql_def */
    rg_gql_list type_names;  /* rg_gql_str, in definition order */
} rg_gql_schema;

/* A small string map in the arena. */
rg_gql_tmap *rg_gql_tmap_new(ks_arena *a);
void *rg_gql_tmap_get(const rg_gql_tmap *m, rg_gql_str key);
int rg_gql_tmap_put(rg_gql_tmap *m, rg_gql_str key, void *val);

static inline rg_gql_def *rg_gql_schema_type(const rg_gql_schema *s, rg_gql_str name)
{
    return (rg_gql_def *)rg_gql_tmap_get(s->types, name);
}

/* The name at the bottom of a type (Type.Name()). */
rg_gql_str rg_gql_type_name(const rg_gql_type *t);
/* Type.String(): "[Int!]!". */
void rg_gql_type_string(ks_buf *b, const rg_gql_type *t);
bool rg_gql_def_is(const rg_gql_def *d, const char *kind);
/* Type.IsCompatible. */
bool rg_gql_type_compatible(const rg_gql_type *t, const rg_gql_type *other);

/* Builds the schema of doc merged after gqlparser's prelude
 * (validator.ValidateSchemaDocument). doc's definitions may be modified. */
int rg_gql_schema_build(ks_arena *a, rg_gql_schemadoc *doc, rg_gql_schema **out, rg_gql_errs *err);

/* Validates doc against schema with gqlparser's default rules. 0 when
 * valid; KS_EPARSE with the errors in err (only the first when
 * first_error_only); KS_ELIMIT past the work limits. */
int rg_gql_validate(ks_arena *a, const rg_gql_schema *schema, rg_gql_querydoc *doc,
                    bool first_error_only, rg_gql_errs *err);

#endif
