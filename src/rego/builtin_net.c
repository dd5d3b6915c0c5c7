/* Rego builtins: net (see builtin.h for the contract). */
#include "rego/builtin.h"

const rg_builtin_def rg_bi_net[] = {
        {0},
};
