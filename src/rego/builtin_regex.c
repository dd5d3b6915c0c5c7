/* Rego builtins: regex (see builtin.h for the contract). */
#include "rego/builtin.h"

const rg_builtin_def rg_bi_regex[] = {
        {0},
};
