/* Rego builtins: core (see builtin.h for the contract). */
#include "rego/builtin.h"

const rg_builtin_def rg_bi_core[] = {
        {0},
};
