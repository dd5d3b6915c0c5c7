/* Compiled policies and queries (internal to src/rego). */
#ifndef KS_REGO_POLICY_H
#define KS_REGO_POLICY_H

#include "core/error.h"
#include "core/vec.h"
#include "rego/ast.h"
#include "rego/builtin.h"
#include "rego/rego.h"

typedef struct rg_qvar {
    const char *name;
    uint32_t len;
    int32_t slot;
} rg_qvar;

struct rego_policy {
    ks_arena arena;
    KS_VEC(rg_module *) modules;
    KS_VEC(char *) files; /* heap copies, index = rg_loc.file */
    KS_VEC(rg_builtin_def) host;
    rg_node *root; /* the data document */
    KS_VEC(rg_node *) nodes;
    bool compiled;
};

struct rego_query {
    const rego_policy *pol;
    ks_arena arena;
    rg_body *body;
    uint32_t nslots;
    KS_VEC(rg_qvar) vars; /* variables the user wrote, for bindings */
    const char *text;
};

/* Compiles the policy's modules: rule tree, name resolution, safety. */
int rg_compile_policy(rego_policy *pol, ks_error *err);
/* Compiles a parsed query against a compiled policy. */
int rg_compile_query(rego_query *q, ks_error *err);

/* Finds the rule-tree node for a data path (steps are strings), or NULL. */
rg_node *rg_node_child(const rg_node *n, const char *key, size_t len);

/* Looks up a builtin: host builtins first, then the standard library. */
const rg_builtin_def *rg_policy_builtin(const rego_policy *pol, const char *name, size_t n);

#endif
