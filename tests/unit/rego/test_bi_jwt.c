#include <stdio.h>
#include <string.h>

#include "rego/builtin.h"
#include "testutil.h"

extern const rg_builtin_def rg_bi_jwt[];

static void test_nothing(void **state)
{
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_nothing),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
