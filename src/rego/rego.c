/* Placeholder until the language core lands. */
#include "rego/builtin.h"
