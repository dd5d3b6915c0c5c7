/* The per-evaluation builtin cache (internal; see builtin.h). */
#ifndef KS_REGO_BCACHE_H
#define KS_REGO_BCACHE_H

#include "rego/builtin.h"

typedef struct rg_bcache rg_bcache;

rg_bcache *rg_bcache_new(void);
void rg_bcache_free(rg_bcache *bc);

/* Calls fn for every builtin of every table (for listings and checks). */
void rg_builtin_foreach(void (*fn)(const rg_builtin_def *d, void *ctx), void *ctx);

#endif
