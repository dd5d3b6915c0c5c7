/* Harness of the Rego builtin unit tests (tests/unit/rego/test_bi_*.c):
 * calls a builtin by name on arguments given as a JSON array or as values,
 * and checks its result or its error. A failed check ends the test through
 * cmocka, naming the line of the check. Values and bt_result messages live
 * in the caller's arena; strings returned through char ** are heap
 * (ks_xfree). The evaluation settings are globals: one test at a time. */
#ifndef KS_BITEST_H
#define KS_BITEST_H

#include "rego/builtin.h"
#include "testutil.h"

/* What each call's evaluation sees; zero unless a test sets them. */
extern int64_t bt_now_ns;
extern uint64_t bt_seed;
extern struct rg_bcache *bt_cache;

/* For the checks that take an error code: any code will do. */
#define BT_ANY_CODE (-2)

/* What one call gave. */
typedef struct bt_result {
    int rc;          /* RG_OK, RG_UNDEF or RG_EBUILTIN */
    int code;        /* enum rg_errcode of an error; -1 if the builtin set none */
    kv_value out;    /* the result when rc is RG_OK, else null */
    const char *msg; /* the error message, "" if none (arena) */
} bt_result;

/* The builtin called name; fails the test when there is none. */
const rg_builtin_def *bt_def(const char *name);

/* JSON text as a value, where an object {"$set": [...]} stands for a set. */
kv_value bt_value(ks_arena *a, const char *json);

/* Calls builtin name on args[0..n); n must be its number of arguments. */
bt_result bt_run(ks_arena *a, const char *name, const kv_value *args, size_t n);
/* As bt_run on the items of a JSON array (read by bt_value). */
bt_result bt_run_json(ks_arena *a, const char *name, const char *args_json);

/* As bt_run and bt_run_json, returning the code; *out gets the result as
 * compact JSON, the error message, or NULL when undefined (heap). */
int bt_call_values(ks_arena *a, const char *name, const kv_value *args, size_t n, char **out);
int bt_call(ks_arena *a, const char *name, const char *args_json, char **out);

/* The call gives the value of compact JSON want. */
#define bt_expect(a, name, args_json, want) bt_expect_at(__LINE__, a, name, args_json, want)
/* The call fails with message want ("NAME: " included). */
#define bt_expect_err(a, name, args_json, want) \
    bt_expect_err_at(__LINE__, a, name, args_json, BT_ANY_CODE, want)
/* The call fails with error code code (enum rg_errcode) and message want. */
#define bt_expect_err_code(a, name, args_json, code, want) \
    bt_expect_err_at(__LINE__, a, name, args_json, code, want)
/* The call is undefined. */
#define bt_expect_undef(a, name, args_json) bt_expect_undef_at(__LINE__, a, name, args_json)
/* As bt_expect and bt_expect_err_code with the arguments args[0..n). */
#define bt_expect_values(a, name, args, n, want) \
    bt_expect_values_at(__LINE__, a, name, args, n, want)
#define bt_expect_err_values(a, name, args, n, code, want) \
    bt_expect_err_values_at(__LINE__, a, name, args, n, code, want)

void bt_expect_at(int line, ks_arena *a, const char *name, const char *args_json, const char *want);
void bt_expect_err_at(int line, ks_arena *a, const char *name, const char *args_json, int code,
                      const char *want);
void bt_expect_undef_at(int line, ks_arena *a, const char *name, const char *args_json);
void bt_expect_values_at(int line, ks_arena *a, const char *name, const kv_value *args, size_t n,
                         const char *want);
void bt_expect_err_values_at(int line, ks_arena *a, const char *name, const kv_value *args,
                             size_t n, int code, const char *want);

#endif
