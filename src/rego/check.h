/* Compile-time checks of a resolved policy (internal). */
#ifndef KS_REGO_CHECK_H
#define KS_REGO_CHECK_H

#include "rego/policy.h"

/* Reports the first cycle among rules and functions as OPA does:
 * "rego_recursion_error: rule data.p.a is recursive: data.p.a -> data.p.a". */
int rg_check_recursion(const rego_policy *pol, ks_error *err);

#endif
