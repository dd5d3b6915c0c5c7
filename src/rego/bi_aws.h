/*
 * Rego builtin providers.aws.sign_req: signs an HTTP request object (the
 * shape http.send takes) with AWS Signature Version 4, by the Authorization
 * header method, as OPA v1.22.3 does. Results live in the call's arena;
 * errors carry OPA's messages. Thread-safe (no global state).
 */
#ifndef KS_REGO_BI_AWS_H
#define KS_REGO_BI_AWS_H

#include "rego/builtin.h"

/* providers.aws.sign_req(request, aws_config, time_ns) */
int rg_aws_sign_req(rg_bctx *c, const kv_value *args, kv_value *out);

#endif
