/* The per-evaluation builtin cache (internal; see builtin.h). */
#ifndef KS_REGO_BCACHE_H
#define KS_REGO_BCACHE_H

#include "rego/builtin.h"

typedef struct rg_bcache rg_bcache;

rg_bcache *rg_bcache_new(void);
void rg_bcache_free(rg_bcache *bc);

#endif
