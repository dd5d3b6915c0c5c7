/* Rego builtins: strings (see builtin.h for the contract). */
#include "rego/builtin.h"

const rg_builtin_def rg_bi_strings[] = {
        {0},
};
