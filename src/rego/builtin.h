/*
 * Rego builtins: the contract between the evaluator and the functions of
 * OPA's standard library (internal to src/rego; host programs register their
 * own builtins through rego.h, which wraps this).
 *
 * A builtin receives its arguments as ground values (kv_value, never
 * variables) and either
 *   - returns RG_OK with *out set (the call is defined),
 *   - returns RG_UNDEF (the call is undefined, as OPA's builtins that "return
 *     nothing": no error, simply no result), or
 *   - returns a negative code after describing the error with rg_bi_error /
 *     rg_bi_type_error (OPA: the call is undefined unless strict builtin
 *     errors are on, in which case the query fails with that error), or
 *     RG_EHALT for errors that always stop the query (OPA's topdown.Halt).
 *
 * Memory: results are built in c->arena, the evaluation's arena, which lives
 * until the evaluation ends; arguments live at least as long. Builtins must
 * not keep pointers between calls. Heap memory (RE2 programs and the like)
 * goes through the evaluation's cache (rg_bi_cache_get/put) or is freed
 * before returning.
 *
 * Threading: a builtin may run on any thread, concurrently with itself on
 * other evaluations; it must not use mutable global state.
 */
#ifndef KS_REGO_BUILTIN_H
#define KS_REGO_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "value/value.h"

enum {
    RG_OK = 0,
    RG_UNDEF = 1,       /* defined-ness: no result, no error */
    RG_EBUILTIN = -100, /* error described in the context; undefined unless strict */
    RG_EHALT = -101,    /* error described in the context; always stops the query */
};

/* OPA error codes (topdown.Error.Code), as they appear in messages. */
enum rg_errcode {
    RG_ERR_BUILTIN = 0, /* eval_builtin_error */
    RG_ERR_TYPE,        /* eval_type_error */
    RG_ERR_CONFLICT,    /* eval_conflict_error */
    RG_ERR_INTERNAL,    /* eval_internal_error */
    RG_ERR_CANCEL,      /* eval_cancel_error */
};

/* Kinds an operand or result may have, for declarations (bit i = kv_kind i). */
enum {
    RG_T_NULL = 1u << KV_NULL,
    RG_T_BOOL = 1u << KV_BOOL,
    RG_T_NUM = 1u << KV_NUMBER,
    RG_T_STR = 1u << KV_STRING,
    RG_T_ARR = 1u << KV_ARRAY,
    RG_T_OBJ = 1u << KV_OBJECT,
    RG_T_SET = 1u << KV_SET,
    RG_T_ANY = 0x7f,
};

typedef struct rg_bctx rg_bctx;

/* The builtin's view of the evaluation. */
struct rg_bctx {
    ks_arena *arena;  /* results go here */
    const char *name; /* the builtin being called, e.g. "strings.replace_n" */
    bool strict;      /* strict builtin errors (informational) */
    int64_t now_ns;   /* time.now_ns of this evaluation (one value per query) */
    uint64_t seed;    /* seed for rand.intn / uuid; fixed per evaluation */
    void *host;       /* host data given to the evaluation (host builtins) */
    /* print(): where output lines go; NULL: dropped. */
    void (*print)(void *print_ctx, const char *file, int line, const char *msg, size_t n);
    void *print_ctx;
    const char *file; /* location of the call, for print and errors */
    int line;
    int col;
    /* Relational builtins (RG_BI_RELATION) report each result through emit;
     * a non-zero return from emit must be returned by the builtin at once. */
    int (*emit)(rg_bctx *c, const kv_value *v);
    void *emit_ctx;
    /* Error details filled by rg_bi_error and friends. */
    int err_code; /* enum rg_errcode */
    ks_buf *err_msg;
    void *eval; /* the evaluator (opaque) */
    /* rego.metadata.rule() (chain false) and rego.metadata.chain() of the
     * rule being evaluated, provided by the evaluator */
    int (*metadata)(rg_bctx *c, bool chain, kv_value *out);
    struct rg_bcache *cache; /* rg_bi_cache_*; may be NULL (nothing is cached) */
};

typedef int (*rg_builtin_fn)(rg_bctx *c, const kv_value *args, kv_value *out);

enum {
    RG_BI_VOID = 1u << 0,     /* no result (print); the call is a statement */
    RG_BI_RELATION = 1u << 1, /* may produce several results through emit (walk) */
    RG_BI_NONDET = 1u << 2,   /* non-deterministic (time.now_ns, rand.intn, http.send) */
    RG_BI_VARIADIC = 1u << 3, /* any number of arguments (print); nargs unchecked */
};

typedef struct rg_builtin_def {
    const char *name; /* dotted name as written in policies */
    uint8_t nargs;    /* operands, not counting the result */
    uint8_t flags;    /* RG_BI_* */
    /* Allowed kinds per operand and of the result, for compile-time type
     * checks of literal operands (0 = any). Runtime checks are the builtin's
     * own, with OPA's messages. */
    uint8_t arg_types[6];
    uint8_t result_type;
    rg_builtin_fn fn;
} rg_builtin_def;

/* ---- errors ---- */

/* "NAME: msg" with the given code; returns RG_EBUILTIN. */
int rg_bi_error(rg_bctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* As rg_bi_error but the message is taken as is, without the "NAME: " prefix. */
int rg_bi_error_raw(rg_bctx *c, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* OPA's operand type error:
 *   "NAME: operand N must be WANT but got KIND" (eval_type_error),
 * N 1-based, KIND the kind name of got ("string", "number", "boolean",
 * "null", "array", "object", "set"). Returns RG_EBUILTIN. */
int rg_bi_type_error(rg_bctx *c, int n, const char *want, const kv_value *got);
/* Name of a value's kind as OPA's messages spell it. */
const char *rg_kind_name(const kv_value *v);

/* ---- argument helpers: return 0, or the type error (RG_EBUILTIN) ---- */

int rg_arg_string(rg_bctx *c, const kv_value *args, int i, const char **s, size_t *n);
int rg_arg_number(rg_bctx *c, const kv_value *args, int i);
/* An integer number operand (OPA: "operand N must be integer number but got
 * floating-point number" when it has a fraction). */
int rg_arg_int(rg_bctx *c, const kv_value *args, int i, int64_t *out);
int rg_arg_kind(rg_bctx *c, const kv_value *args, int i, unsigned kinds, const char *want);

/* ---- results ---- */

/* Copies n bytes into the arena as a string value. RG_OK or a negative code. */
int rg_make_string(rg_bctx *c, const char *s, size_t n, kv_value *out);
/* Takes the contents of a buffer as a string value (the buffer is reset). */
int rg_make_string_buf(rg_bctx *c, ks_buf *b, kv_value *out);

/* Writes v in Rego syntax, as OPA's Value.String() does (sprintf's %v of a
 * composite, print, error messages): strings quoted as Go's strconv.Quote,
 * sets as {1, 2} and the empty set as set(), objects as {"k": 1}. */
int rg_value_write_rego(ks_buf *out, const kv_value *v);

/* ---- per-evaluation cache for expensive derived objects (compiled regexes,
 * parsed certificates); freed with the evaluation ---- */

/* Returns the cached object for (kind, key) or NULL. */
void *rg_bi_cache_get(rg_bctx *c, const char *kind, const char *key, size_t n);
/* Caches obj; free_fn(obj) runs when the evaluation ends. Returns obj, or
 * NULL (and calls free_fn) when the cache is full or memory runs out. */
void *rg_bi_cache_put(rg_bctx *c, const char *kind, const char *key, size_t n, void *obj,
                      void (*free_fn)(void *));

/* ---- the tables: one per group file, each ending with a {NULL} entry ---- */

extern const rg_builtin_def rg_bi_core[]; /* builtin_core.c: comparison, walk, print, ... */
extern const rg_builtin_def
        rg_bi_strings[];                   /* builtin_strings.c: strings, sprintf, units, semver */
extern const rg_builtin_def rg_bi_regex[]; /* builtin_regex.c: regex.*, glob.* */
extern const rg_builtin_def rg_bi_numbers[]; /* builtin_numbers.c: arithmetic, aggregates, bits */
extern const rg_builtin_def rg_bi_colls[];   /* builtin_colls.c: arrays, sets, objects, types */
extern const rg_builtin_def
        rg_bi_encoding[]; /* builtin_encoding.c: json, yaml, base64, hex, urlquery */
extern const rg_builtin_def rg_bi_time[];    /* builtin_time.c: time.* */
extern const rg_builtin_def rg_bi_net[];     /* builtin_net.c: net.cidr*, uuid, uri */
extern const rg_builtin_def rg_bi_crypto[];  /* builtin_crypto.c: crypto.* hashes and hmac */
extern const rg_builtin_def rg_bi_jwt[];     /* builtin_jwt.c: io.jwt.* */
extern const rg_builtin_def rg_bi_graphql[]; /* builtin_graphql.c: graphql.* */
extern const rg_builtin_def rg_bi_x509[];    /* builtin_x509.c: crypto.x509.*, keys */

/* Looks a builtin up by name among all tables; NULL when unknown. */
const rg_builtin_def *rg_builtin_lookup(const char *name, size_t n);

#endif
