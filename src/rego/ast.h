/*
 * The Rego syntax tree (internal to src/rego).
 *
 * Parsed modules and queries are trees of terms, expressions, bodies and
 * rules, all allocated in the policy's arena and immutable once compiled.
 * The compiler resolves names in place (rule names and imports become data
 * references, locals get frame slots) and reorders bodies for safety; the
 * evaluator then walks the same tree.
 */
#ifndef KS_REGO_AST_H
#define KS_REGO_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "value/value.h"

typedef struct rg_loc {
    uint32_t file; /* index into the policy's file names */
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based, bytes */
} rg_loc;

enum rg_callee { RG_CALLEE_NONE, RG_CALLEE_BUILTIN, RG_CALLEE_FUNC, RG_CALLEE_HOST };

enum rg_term_type {
    RG_VALUE,  /* a ground constant: u.v */
    RG_VAR,    /* u.var */
    RG_REF,    /* u.list: items[0] the head (var, call or composite), then the path */
    RG_ARRAY,  /* u.list */
    RG_SET,    /* u.list */
    RG_OBJECT, /* u.obj */
    RG_CALL,   /* u.list: items[0] the operator (a ref of names), then the arguments */
    RG_ACOMP,  /* u.comp: [val | body] */
    RG_SCOMP,  /* u.comp: {val | body} */
    RG_OCOMP,  /* u.comp: {key: val | body} */
};

typedef struct rg_term rg_term;
typedef struct rg_expr rg_expr;
typedef struct rg_body rg_body;
typedef struct rg_rule rg_rule;

/* Where a variable lives once compiled. */
enum rg_var_kind {
    RG_VK_LOCAL = 0, /* a slot of the current frame */
    RG_VK_INPUT,     /* the input document */
    RG_VK_DATA,      /* the data document */
};

struct rg_term {
    uint8_t type;  /* enum rg_term_type */
    bool ground;   /* no variables, calls or comprehensions inside (VALUE is ground) */
    bool wildcard; /* a var written as _ */
    bool bracket;  /* a ref element written as [x] rather than .x */
    uint8_t vkind; /* enum rg_var_kind for VAR */
    rg_loc loc;
    /* RG_CALL: the callee once compiled (vkind says which: RG_CALLEE_*) */
    const void *callee;
    union {
        kv_value v;
        struct {
            const char *name;
            uint32_t len;
            int32_t slot; /* frame slot (RG_VK_LOCAL), -1 before compiling */
        } var;
        struct {
            rg_term **items;
            uint32_t n;
        } list;
        struct {
            rg_term **keys;
            rg_term **vals;
            uint32_t n;
        } obj;
        struct {
            rg_term *key; /* OCOMP only */
            rg_term *val;
            rg_body *body;
        } comp;
    } u;
};

enum rg_expr_type {
    RG_E_TERM,   /* terms[0]: defined and not false */
    RG_E_CALL,   /* terms[0] the operator ref, terms[1..n) operands (with the output last) */
    RG_E_SOME,   /* some x, y: declarations only (terms: the vars) */
    RG_E_SOMEIN, /* some [key,] val in domain: terms[0] key or NULL, [1] val, [2] domain */
    RG_E_EVERY,  /* every [key,] val in domain {body}: terms as SOMEIN, body */
    RG_E_GROUP,  /* { body } as an operand or after not: true once if body succeeds */
    RG_E_LOGIC,  /* body and/or body2 (nargs 0: and, 1: or); exports no bindings */
};

typedef struct rg_with {
    rg_term *target; /* input..., data..., or a function/builtin ref */
    rg_term *value;
} rg_with;

struct rg_expr {
    uint8_t type; /* enum rg_expr_type */
    bool negated;
    bool notbody; /* negated under future.keywords.not: `not` wraps a body */
    bool generated;
    rg_loc loc;
    uint32_t src_off, src_len; /* the expression's text in its source */
    rg_term **terms;
    uint32_t n;
    rg_with *with;
    uint32_t nwith;
    rg_body *body;  /* EVERY, GROUP, LOGIC */
    rg_body *body2; /* LOGIC: the right operand */
    /* CALL: resolved callee, set by the compiler */
    const struct rg_builtin_def *builtin;
    struct rg_node *func; /* a user function (data.pkg.f) */
    int nargs;            /* arity of the callee */
};

struct rg_body {
    rg_expr **exprs;
    uint32_t n;
    rg_loc loc;
};

enum rg_rule_kind {
    RG_RK_COMPLETE, /* p := v, p if {...}, p.q.r := v */
    RG_RK_SET,      /* p contains x, v0 p[x] {...} */
    RG_RK_OBJECT,   /* p[k] := v, p.q[k].r := v: a ref head with variables */
    RG_RK_FUNC,     /* f(x) := v */
};

struct rg_rule {
    uint8_t kind; /* enum rg_rule_kind */
    bool is_default;
    bool assign;  /* := (rather than =) */
    bool is_else; /* a member of an else chain (not the first) */
    rg_loc loc;
    rg_term *ref;   /* head reference as written, relative to the package (items[0] a var) */
    rg_term **args; /* functions */
    uint32_t nargs;
    rg_term *key;   /* SET: the element */
    rg_term *value; /* NULL: true */
    rg_body *body;  /* never NULL; empty: true */
    rg_rule *els;   /* next in the else chain */
    struct rg_module *module;
    const kv_value *meta; /* METADATA annotations before the rule, or NULL */
    /* compiled */
    uint32_t nslots;  /* frame size shared by the else chain */
    uint32_t prefix;  /* RG_RK_OBJECT: head ref terms that are ground (after items[0]) */
    bool const_value; /* value is ground and the body empty */
};

typedef struct rg_import {
    rg_term *path;     /* data.x.y or input.x, or future.keywords..., rego.v1 */
    const char *alias; /* NULL: the last path element */
    uint32_t alias_len;
    rg_loc loc;
} rg_import;

typedef struct rg_module {
    const char *file;
    uint32_t file_index;
    int version;              /* 0 or 1: syntax the module was parsed with */
    rg_term *package;         /* a ref data.a.b */
    const kv_value *pkg_meta; /* METADATA annotations of the package, or NULL */
    rg_import *imports;
    uint32_t nimports;
    rg_rule **rules;
    uint32_t nrules;
} rg_module;

/* Nodes of the rule tree: the data document's structure as far as rules
 * define it. */
typedef struct rg_node rg_node;
struct rg_node {
    kv_value key; /* a string value (the path element) */
    rg_node *parent;
    rg_node **children; /* sorted by key */
    uint32_t nchildren;
    rg_rule **rules; /* definitions at exactly this path, non-default */
    uint32_t nrules;
    rg_rule *dflt;
    int kind;     /* enum rg_rule_kind of the rules here, or -1 */
    uint32_t id;  /* index into the evaluation's caches */
    int nargs;    /* functions */
    bool has_dyn; /* RG_RK_OBJECT rules here */
    char *path;   /* "data.a.b" for messages */
};

#endif
