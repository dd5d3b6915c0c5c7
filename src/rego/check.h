/* Compile-time checks of a resolved policy (internal). */
#ifndef KS_REGO_CHECK_H
#define KS_REGO_CHECK_H

#include "rego/policy.h"

/* Reports the first cycle among rules and functions as OPA does:
 * "rego_recursion_error: rule data.p.a is recursive: data.p.a -> data.p.a". */
int rg_check_recursion(const rego_policy *pol, ks_error *err);

/* OPA's static kind errors that policies commonly hit: unification of terms
 * whose kinds cannot match ("rego_type_error: match error") and builtin
 * operands of the wrong kind ("rego_type_error: count: invalid argument(s)"). */
int rg_check_types(const rego_policy *pol, ks_error *err);
int rg_check_types_body(const rego_policy *pol, const rg_body *b, uint32_t nslots, ks_error *err);

#endif
