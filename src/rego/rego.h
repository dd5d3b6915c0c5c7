/*
 * Rego, the policy language of Open Policy Agent, as a C library.
 *
 * Lifetime: a rego_policy collects modules (rego_policy_add_module), is
 * compiled once (rego_policy_compile) and is immutable afterwards. Queries
 * are compiled against a compiled policy (rego_query_new) and are immutable
 * too. Both may then be evaluated any number of times, from any number of
 * threads at once (rego_eval): each evaluation has its own arena, caches and
 * limits, and results are handed to a callback while that arena is alive.
 *
 * Semantics follow OPA v1: undefined vs false vs error, conflicts, iteration
 * order (arrays by index, objects by sorted key, sets in canonical order).
 * Builtin errors make a call undefined unless strict builtin errors are on.
 *
 * Errors: functions return 0 or a negative KS_E* code and fill a ks_error.
 * Policy errors carry file:line:col and OPA's error code at the start of the
 * message ("rego_parse_error: ...", "rego_unsafe_var_error: ...",
 * "eval_conflict_error: ...").
 */
#ifndef KS_REGO_REGO_H
#define KS_REGO_REGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"
#include "value/value.h"

typedef struct rego_policy rego_policy;
typedef struct rego_query rego_query;

rego_policy *rego_policy_new(void);
void rego_policy_free(rego_policy *pol);

/* Adds a module. version 1 parses Rego v1 syntax; 0 parses v0 syntax (where
 * `import rego.v1` and `import future.keywords` turn the keywords on). The
 * source is copied. Parse errors are returned at once. */
int rego_policy_add_module(rego_policy *pol, const char *file, const char *src, size_t n,
                           int version, ks_error *err);

/* A host-provided builtin (Kubescape's image.parse_normalized_name,
 * cosign.*): same contract as the standard library's (src/rego/builtin.h:
 * fn(rg_bctx *, const kv_value *args, kv_value *out)). Register before
 * compiling. */
struct rg_bctx;
typedef int (*rego_builtin_fn)(struct rg_bctx *c, const kv_value *args, kv_value *out);
int rego_policy_add_builtin(rego_policy *pol, const char *name, int nargs, rego_builtin_fn fn);

int rego_policy_compile(rego_policy *pol, ks_error *err);

/* Compiles a query ("data.test.p = x", "x := input.a; x > 1"). */
int rego_query_new(const rego_policy *pol, const char *text, size_t n, rego_query **out,
                   ks_error *err);
void rego_query_free(rego_query *q);

/* The query's expressions (after compilation, in evaluation order): their
 * source text and position, for output in OPA's result shape. */
size_t rego_query_expr_count(const rego_query *q);
const char *rego_query_expr_text(const rego_query *q, size_t i, size_t *len, int *line, int *col);

typedef struct rego_eval_opts {
    const kv_value *input; /* NULL: no input (refs to input are undefined) */
    const kv_value *data;  /* base documents; NULL: empty */
    bool strict_builtin_errors;
    size_t max_memory;  /* bytes of the evaluation arena; 0: 1 GiB */
    uint64_t max_steps; /* expression evaluations; 0: no limit */
    int max_depth;      /* nested rule/function evaluations; 0: 1000 */
    int64_t now_ns;     /* time.now_ns; 0: the clock at the start */
    uint64_t seed;      /* for rand.intn and uuid.rfc4122 */
    void *host;         /* passed to host builtins */
    /* print() output; NULL: written to stderr as "file:line msg" */
    void (*print)(void *ctx, const char *file, int line, const char *msg, size_t n);
    void *print_ctx;
} rego_eval_opts;

/* One solution of a query. */
typedef struct rego_result {
    /* Values of the query's expressions, in order: the value of a term
     * expression, true for the others. */
    const kv_value *exprs;
    size_t nexprs;
    /* Variables written in the query (not generated ones), by name. */
    const char *const *names;
    const kv_value *values;
    size_t nvars;
} rego_result;

/* Called for each solution; values live until the evaluation ends (copy
 * them with kv_clone to keep them). Return 0 to go on, non-zero to stop. */
typedef int (*rego_result_fn)(void *ctx, const rego_result *r);

/* Evaluates the query. Returns 0 (even with no solutions) or an error with
 * the location of the failing expression in err. */
int rego_eval(const rego_query *q, const rego_eval_opts *opts, rego_result_fn fn, void *ctx,
              ks_error *err);

/* Parses a module and writes its syntax tree as JSON (the shape of
 * `opa parse --format json`) to out. Parse errors as rego_policy_add_module. */
int rego_parse_json(const char *file, const char *src, size_t n, int version, struct ks_buf *out,
                    ks_error *err);

/* Writes v in Rego syntax (sets as {1, 2}, set()). */
int rego_value_write(struct ks_buf *out, const kv_value *v);

#endif
