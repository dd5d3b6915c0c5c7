/* Rego builtins: sets, arrays, objects, types, casts, to_number and graphs,
 * with OPA v1.22.3's results and messages (checked against the opa
 * binary), including its quirks. */
#include <stdio.h>
#include <string.h>

#include "bitest.h"

static void test_sets(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "and", "[{\"$set\": [1, 2, 3]}, {\"$set\": [2, 3, 4]}]", "[2,3]");
    bt_expect(a, "and", "[{\"$set\": []}, {\"$set\": [2]}]", "[]");
    bt_expect(a, "or", "[{\"$set\": [1, 2]}, {\"$set\": [2, 3, \"a\"]}]", "[1,2,3,\"a\"]");
    bt_expect(a, "or", "[{\"$set\": [1, 1.0]}, {\"$set\": [1e0]}]", "[1]");
    bt_expect(a, "set_diff", "[{\"$set\": [1, 2]}, {\"$set\": [2]}]", "[1]");
    bt_expect_err(a, "and", "[1, {\"$set\": [1]}]", "and: operand 1 must be set but got number");
    bt_expect_err(a, "or", "[{\"$set\": [1]}, 1]", "or: operand 2 must be set but got number");
    bt_expect_err(a, "set_diff", "[[1], {\"$set\": [2]}]",
                  "set_diff: operand 1 must be set but got array");
    bt_expect(a, "intersection",
              "[{\"$set\": [{\"$set\": [1, 2, 3]}, {\"$set\": [2, 3]}, {\"$set\": [3, 2, 9]}]}]",
              "[2,3]");
    bt_expect(a, "intersection", "[{\"$set\": []}]", "[]");
    bt_expect(a, "union",
              "[{\"$set\": [{\"$set\": [1, 2]}, {\"$set\": [3]}, {\"$set\": [\"a\"]}]}]",
              "[1,2,3,\"a\"]");
    bt_expect(a, "union", "[{\"$set\": []}]", "[]");
    bt_expect_err(a, "intersection", "[1]", "intersection: operand 1 must be set but got number");
    bt_expect_err(a, "union", "[{\"$set\": [[1]]}]", "union: operand 1 must be set but got array");
    bt_expect_err(a, "intersection", "[{\"$set\": [{\"$set\": [1]}, 2]}]",
                  "intersection: operand 1 must be set but got number");
}

static void test_arrays(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "array.concat", "[[1, 2], [3]]", "[1,2,3]");
    bt_expect(a, "array.concat", "[[], []]", "[]");
    bt_expect_err(a, "array.concat", "[[], 1]",
                  "array.concat: operand 2 must be array but got number");
    bt_expect_err(a, "array.concat", "[1, []]",
                  "array.concat: operand 1 must be array but got number");
    bt_expect(a, "array.flatten", "[[1, [2, [3]], [], 4]]", "[1,2,[3],4]");
    bt_expect(a, "array.flatten", "[[]]", "[]");
    bt_expect_err(a, "array.flatten", "[1]",
                  "array.flatten: operand 1 must be array but got number");
    bt_expect(a, "array.slice", "[[1, 2, 3, 4], 1, 3]", "[2,3]");
    bt_expect(a, "array.slice", "[[1, 2, 3, 4], -5, 10]", "[1,2,3,4]");
    bt_expect(a, "array.slice", "[[1, 2, 3, 4], 3, 1]", "[]");
    bt_expect(a, "array.slice", "[[1, 2, 3, 4], 4, 4]", "[]");
    bt_expect_err(a, "array.slice", "[[1, 2, 3, 4], 2, 1e30]",
                  "array.slice: operand 3 must be integer number but got floating-point number");
    bt_expect_err(a, "array.slice", "[[1, 2], 1.5, 3]",
                  "array.slice: operand 2 must be integer number but got floating-point number");
    bt_expect_err(a, "array.slice", "[[1, 2], \"a\", 3]",
                  "array.slice: operand 2 must be number but got string");
    bt_expect_err(a, "array.slice", "[1, 1, 3]",
                  "array.slice: operand 1 must be array but got number");
    bt_expect(a, "array.reverse", "[[1, 2, 3]]", "[3,2,1]");
    bt_expect(a, "array.reverse", "[[]]", "[]");
    bt_expect_err(a, "array.reverse", "[\"abc\"]",
                  "array.reverse: operand 1 must be array but got string");
}

static void test_object_get_keys(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "object.get", "[{\"a\": {\"b\": 1}}, \"a\", 0]", "{\"b\":1}");
    bt_expect(a, "object.get", "[{\"a\": {\"b\": 1}}, \"z\", 0]", "0");
    bt_expect(a, "object.get", "[{\"a\": {\"b\": 1}}, [\"a\", \"b\"], 0]", "1");
    bt_expect(a, "object.get", "[{\"a\": [1, {\"b\": 2}]}, [\"a\", 1, \"b\"], 0]", "2");
    /* array steps want numbers: "1" is no index */
    bt_expect(a, "object.get", "[{\"a\": [1, {\"b\": 2}]}, [\"a\", \"1\", \"b\"], 0]", "0");
    bt_expect(a, "object.get", "[{\"a\": [1, 2]}, [\"a\", -1], \"d\"]", "\"d\"");
    /* the empty path is the object itself */
    bt_expect(a, "object.get", "[{\"a\": 1}, [], 0]", "{\"a\":1}");
    bt_expect(a, "object.get", "[{\"a\": \"xyz\"}, [\"a\", 0], 0]", "0");
    /* a set step finds the element itself */
    bt_expect(a, "object.get", "[{\"a\": {\"$set\": [1, 2]}}, [\"a\", 2], 0]", "2");
    /* a null value is a value, not a miss */
    bt_expect(a, "object.get", "[{\"a\": {\"b\": null}}, [\"a\", \"b\"], 0]", "null");
    bt_expect_err(a, "object.get", "[[1], \"a\", 0]",
                  "object.get: operand 1 must be object but got array");
    bt_expect(a, "object.keys", "[{\"b\": 1, \"a\": 2}]", "[\"a\",\"b\"]");
    bt_expect(a, "object.keys", "[{}]", "[]");
    bt_expect_err(a, "object.keys", "[1]", "object.keys: operand 1 must be object but got number");
}

static void test_object_remove_filter(void **state)
{
    ks_arena *a = *state;
    const char *obj = "{\"a\": 1, \"b\": 2, \"c\": 3}";
    char args[128];
    snprintf(args, sizeof args, "[%s, [\"a\", \"x\"]]", obj);
    bt_expect(a, "object.remove", args, "{\"b\":2,\"c\":3}");
    bt_expect(a, "object.filter", args, "{\"a\":1}");
    snprintf(args, sizeof args, "[%s, {\"$set\": [\"b\"]}]", obj);
    bt_expect(a, "object.remove", args, "{\"a\":1,\"c\":3}");
    bt_expect(a, "object.filter", args, "{\"b\":2}");
    snprintf(args, sizeof args, "[%s, {\"c\": 0, \"a\": 1}]", obj);
    bt_expect(a, "object.remove", args, "{\"b\":2}");
    bt_expect(a, "object.filter", args, "{\"a\":1,\"c\":3}");
    bt_expect(a, "object.filter", "[{\"a\": 1}, []]", "{}");
    bt_expect_err(a, "object.remove", "[{\"a\": 1}, \"a\"]",
                  "object.remove: operand 2 must be one of {object, set, array} but got string");
    bt_expect_err(a, "object.remove", "[1, [\"a\"]]",
                  "object.remove: operand 1 must be object but got number");
    bt_expect_err(a, "object.filter", "[\"a\", 5]",
                  "object.filter: operand 1 must be object but got string");
    /* non-string keys */
    ks_arena *t = a;
    kv_member m[] = {{kv_int(1), kv_str_ref("one", 3)}, {kv_str_ref("1", 1), kv_str_ref("s", 1)}};
    kv_value args2[2], keys = kv_int(1);
    assert_int_equal(kv_object_new(t, m, 2, KV_DUP_ERROR, &args2[0], NULL), 0);
    assert_int_equal(kv_array_new(t, &keys, 1, &args2[1]), 0);
    char *got = NULL;
    assert_int_equal(bt_call_values(t, "object.remove", args2, 2, &got), RG_OK);
    assert_string_equal(got, "{\"1\":\"s\"}");
    ks_xfree(got);
    assert_int_equal(bt_call_values(t, "object.filter", args2, 2, &got), RG_OK);
    assert_string_equal(got, "{\"1\":\"one\"}");
    ks_xfree(got);
}

static void test_object_union(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "object.union",
              "[{\"a\": 1, \"b\": 2, \"c\": {\"d\": 3}}, {\"a\": 7, \"c\": {\"d\": 4, \"e\": 5}}]",
              "{\"a\":7,\"b\":2,\"c\":{\"d\":4,\"e\":5}}");
    bt_expect(a, "object.union", "[{\"a\": {\"b\": 1}}, {\"a\": 2}]", "{\"a\":2}");
    bt_expect(a, "object.union", "[{\"a\": 2}, {\"a\": {\"b\": 1}}]", "{\"a\":{\"b\":1}}");
    bt_expect(a, "object.union", "[{}, {}]", "{}");
    bt_expect_err(a, "object.union", "[1, {}]",
                  "object.union: operand 1 must be object but got number");
    bt_expect_err(a, "object.union", "[{}, []]",
                  "object.union: operand 2 must be object but got array");
    bt_expect(a, "object.union_n", "[[{\"a\": 1}, {\"b\": 2}, {\"a\": 3}]]", "{\"a\":3,\"b\":2}");
    /* a non-object value cuts the merge of what came before it */
    bt_expect(a, "object.union_n", "[[{\"a\": {\"b\": 2}}, {\"a\": 4}, {\"a\": {\"c\": 3}}]]",
              "{\"a\":{\"c\":3}}");
    bt_expect(a, "object.union_n",
              "[[{\"a\": {\"x\": {\"p\": 1}}}, {\"a\": {\"x\": 5}}, {\"a\": {\"x\": {\"q\": 2}}}]]",
              "{\"a\":{\"x\":{\"q\":2}}}");
    bt_expect(a, "object.union_n",
              "[[{\"a\": {\"x\": 1, \"y\": {\"z\": 1}}}, {\"a\": {\"y\": {\"w\": 2}}}, {\"b\": 1}, "
              "{\"a\": {\"y\": {\"z\": 3}}}]]",
              "{\"a\":{\"x\":1,\"y\":{\"w\":2,\"z\":3}},\"b\":1}");
    bt_expect(a, "object.union_n", "[[]]", "{}");
    bt_expect(a, "object.union_n", "[[{\"a\": 1}]]", "{\"a\":1}");
    bt_expect_err(
            a, "object.union_n", "[[{}, 1]]",
            "object.union_n: operand 1 must be array of objects but got array containing number");
    bt_expect_err(a, "object.union_n", "[{}]",
                  "object.union_n: operand 1 must be array but got object");
}

static void test_object_subset(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "object.subset",
              "[{\"a\": 1, \"b\": {\"c\": {\"x\": [1, 2, 3]}}}, {\"b\": {\"c\": {\"x\": [2, 3]}}}]",
              "true");
    bt_expect(a, "object.subset", "[{\"a\": 1}, {\"a\": 2}]", "false");
    bt_expect(a, "object.subset", "[{\"a\": 1}, {\"b\": 1}]", "false");
    bt_expect(a, "object.subset", "[{\"a\": [1, 2, 3]}, {\"a\": [1, 3]}]", "false");
    bt_expect(a, "object.subset", "[{\"a\": {\"$set\": [1, 2]}}, {\"a\": {\"$set\": [1]}}]",
              "true");
    bt_expect(a, "object.subset", "[{}, {}]", "true");
    /* arrays: contiguous, in order */
    bt_expect(a, "object.subset", "[[1, 2, 3, 1, 2, 4], [1, 2, 4]]", "true");
    bt_expect(a, "object.subset", "[[1, 1, 1, 2], [1, 1, 2]]", "true");
    bt_expect(a, "object.subset", "[[1, 2, 3], [1, 3]]", "false");
    bt_expect(a, "object.subset", "[[], []]", "true");
    bt_expect(a, "object.subset", "[[1], []]", "true");
    bt_expect(a, "object.subset", "[[1], [1, 1]]", "false");
    bt_expect(a, "object.subset", "[{\"$set\": [1, 2]}, {\"$set\": [1]}]", "true");
    bt_expect(a, "object.subset", "[{\"$set\": [1, 2]}, {\"$set\": [3]}]", "false");
    /* array and set: OPA counts matches, duplicates included */
    bt_expect(a, "object.subset", "[[1, 2], {\"$set\": [2, 1]}]", "true");
    bt_expect(a, "object.subset", "[[1, 1], {\"$set\": [1, 2]}]", "true");
    bt_expect(a, "object.subset", "[[1], {\"$set\": []}]", "true");
    bt_expect(a, "object.subset", "[[], {\"$set\": []}]", "false");
    bt_expect_err(
            a, "object.subset", "[{}, []]",
            "object.subset: both arguments object.subset must be of the same type or array and "
            "set");
    bt_expect_err(
            a, "object.subset", "[{\"$set\": []}, []]",
            "object.subset: both arguments object.subset must be of the same type or array and "
            "set");
}

static void test_types(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "is_number", "[1.5]", "true");
    bt_expect(a, "is_number", "[\"1\"]", "false");
    bt_expect(a, "is_string", "[1]", "false");
    bt_expect(a, "is_string", "[\"\"]", "true");
    bt_expect(a, "is_boolean", "[false]", "true");
    bt_expect(a, "is_boolean", "[null]", "false");
    bt_expect(a, "is_array", "[[1]]", "true");
    bt_expect(a, "is_array", "[{\"$set\": []}]", "false");
    bt_expect(a, "is_set", "[{\"$set\": []}]", "true");
    bt_expect(a, "is_object", "[{}]", "true");
    bt_expect(a, "is_null", "[null]", "true");
    bt_expect(a, "is_null", "[0]", "false");
    const char *kinds[][2] = {{"null", "\"null\""},         {"true", "\"boolean\""},
                              {"1e400", "\"number\""},      {"\"x\"", "\"string\""},
                              {"[]", "\"array\""},          {"{}", "\"object\""},
                              {"{\"$set\": []}", "\"set\""}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char args[64];
        snprintf(args, sizeof args, "[%s]", kinds[i][0]);
        bt_expect(a, "type_name", args, kinds[i][1]);
    }
}

static void test_casts(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "cast_array", "[{\"$set\": [2, 1]}]", "[1,2]");
    bt_expect(a, "cast_array", "[[2, 1]]", "[2,1]");
    bt_expect(a, "cast_set", "[[2, 1, 2]]", "[1,2]");
    bt_expect(a, "cast_string", "[\"x\"]", "\"x\"");
    bt_expect(a, "cast_boolean", "[true]", "true");
    bt_expect(a, "cast_null", "[null]", "null");
    bt_expect(a, "cast_object", "[{\"a\": 1}]", "{\"a\":1}");
    bt_expect_err(a, "cast_array", "[1]",
                  "cast_array: operand 1 must be one of {array, set} but got number");
    bt_expect_err(a, "cast_set", "[\"a\"]",
                  "cast_set: operand 1 must be one of {array, set} but got string");
    bt_expect_err(a, "cast_string", "[1]", "cast_string: operand 1 must be string but got number");
    bt_expect_err(a, "cast_boolean", "[1]",
                  "cast_boolean: operand 1 must be boolean but got number");
    bt_expect_err(a, "cast_null", "[1]", "cast_null: operand 1 must be null but got number");
    bt_expect_err(a, "cast_object", "[[]]", "cast_object: operand 1 must be object but got array");
}

static void test_to_number(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "to_number", "[\"-42.0\"]", "-42");
    bt_expect(a, "to_number", "[false]", "0");
    bt_expect(a, "to_number", "[true]", "1");
    bt_expect(a, "to_number", "[null]", "0");
    bt_expect(a, "to_number", "[100.1]", "100.1");
    bt_expect(a, "to_number", "[\"1e3\"]", "1000");
    /* the text's exact value, not the nearest float64 */
    bt_expect(a, "to_number", "[\"0.1\"]", "0.1");
    bt_expect(a, "to_number", "[\"12345678901234567890123\"]", "12345678901234567890123");
    bt_expect(a, "to_number", "[\"0.10000000000000000001\"]", "0.10000000000000000001");
    bt_expect(a, "to_number", "[\"1e-400\"]", "1e-400");
    /* Go's ParseFloat syntax beyond JSON's */
    bt_expect(a, "to_number", "[\"+5\"]", "5");
    bt_expect(a, "to_number", "[\".5\"]", "0.5");
    bt_expect(a, "to_number", "[\"5.\"]", "5");
    bt_expect(a, "to_number", "[\"007\"]", "7");
    bt_expect(a, "to_number", "[\"1_000\"]", "1000");
    bt_expect(a, "to_number", "[\"1e1_0\"]", "10000000000");
    bt_expect(a, "to_number", "[\"0x1.8p1\"]", "3");
    bt_expect(a, "to_number", "[\"-0\"]", "0");
    bt_expect_err(a, "to_number", "[\"broken\"]",
                  "to_number: strconv.ParseFloat: parsing \"broken\": invalid syntax");
    bt_expect_err(a, "to_number", "[\"0x10\"]",
                  "to_number: strconv.ParseFloat: parsing \"0x10\": invalid syntax");
    bt_expect_err(a, "to_number", "[\" 1\"]",
                  "to_number: strconv.ParseFloat: parsing \" 1\": invalid syntax");
    bt_expect_err(a, "to_number", "[\"1__0\"]",
                  "to_number: strconv.ParseFloat: parsing \"1__0\": invalid syntax");
    bt_expect_err(a, "to_number", "[\"_1\"]",
                  "to_number: strconv.ParseFloat: parsing \"_1\": invalid syntax");
    bt_expect_err(a, "to_number", "[\"1e\"]",
                  "to_number: strconv.ParseFloat: parsing \"1e\": invalid syntax");
    bt_expect_err(a, "to_number", "[\"\"]",
                  "to_number: strconv.ParseFloat: parsing \"\": invalid syntax");
    /* the text is quoted as Go's strconv.Quote does */
    bt_expect_err(a, "to_number", "[\"a\\u0000\\n\\u00e9\"]",
                  "to_number: strconv.ParseFloat: parsing \"a\\x00\\n\xc3\xa9\": invalid syntax");
    bt_expect_err(a, "to_number", "[\"1e400\"]",
                  "to_number: strconv.ParseFloat: parsing \"1e400\": value out of range");
    bt_expect_err(a, "to_number", "[\"1e-99999\"]", "to_number: invalid number: number too big");
    bt_expect(a, "to_number", "[\"1e-30000\"]", "1e-30000");
    const char *specials[] = {"nan", "-NaN",     "inf",       "-inf",
                              "iNf", "Infinity", "-Infinity", "+-inf"};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        char args[32];
        snprintf(args, sizeof args, "[\"%s\"]", specials[i]);
        bt_expect_err(a, "to_number", args,
                      "to_number: operand 1 must be valid number string but got string");
    }
    bt_expect_err(
            a, "to_number", "[[]]",
            "to_number: operand 1 must be one of {null, boolean, number, string} but got array");
}

static void test_graph_reachable(void **state)
{
    ks_arena *a = *state;
    const char *g = "{\"a\": [\"b\"], \"b\": [\"c\"], \"c\": [\"a\"], \"d\": [\"e\"]}";
    char args[160];
    snprintf(args, sizeof args, "[%s, [\"a\"]]", g);
    bt_expect(a, "graph.reachable", args, "[\"a\",\"b\",\"c\"]");
    bt_expect(a, "graph.reachable_paths", args, "[[\"a\",\"b\",\"c\"]]");
    snprintf(args, sizeof args, "[%s, {\"$set\": [\"d\", \"q\"]}]", g);
    bt_expect(a, "graph.reachable", args, "[\"d\"]");
    bt_expect(a, "graph.reachable_paths", args, "[[\"d\"]]");
    /* edges as sets; a node without an entry is not reached */
    bt_expect(a, "graph.reachable", "[{\"a\": {\"$set\": [\"b\", \"x\"]}, \"b\": null}, [\"a\"]]",
              "[\"a\",\"b\"]");
    bt_expect(a, "graph.reachable", "[{}, []]", "[]");
    bt_expect_err(a, "graph.reachable", "[{}, 1]",
                  "graph.reachable: operand 2 must be {array, set} but got number");
    bt_expect_err(a, "graph.reachable", "[1, []]",
                  "graph.reachable: operand 1 must be object but got number");
    /* paths: a self-loop of the start node is followed once */
    bt_expect(a, "graph.reachable_paths", "[{\"a\": [\"a\", \"b\"], \"b\": []}, [\"a\"]]",
              "[[\"a\",\"a\"],[\"a\",\"a\",\"b\"],[\"a\",\"b\"]]");
    bt_expect(
            a, "graph.reachable_paths",
            "[{\"a\": [\"b\", \"c\"], \"b\": [\"d\"], \"c\": [\"d\"], \"d\": []}, [\"a\", \"d\"]]",
            "[[\"a\",\"b\",\"d\"],[\"a\",\"c\",\"d\"],[\"d\"]]");
    bt_expect(a, "graph.reachable_paths", "[{\"a\": [\"x\"]}, [\"a\", \"q\"]]", "[[\"a\"]]");
    bt_expect(a, "graph.reachable_paths", "[{\"a\": [\"b\"], \"b\": [\"a\"]}, [\"a\", \"b\"]]",
              "[[\"a\",\"b\"],[\"b\",\"a\"]]");
    bt_expect(a, "graph.reachable_paths", "[{\"a\": \"str\", \"b\": [\"a\"]}, [\"b\"]]",
              "[[\"b\",\"a\"]]");
    bt_expect_err(a, "graph.reachable_paths", "[{}, \"a\"]",
                  "graph.reachable_paths: operand 2 must be {array, set} but got string");
}

/* A complete graph has factorially many simple paths: the search is
 * bounded and fails with an error instead of running for ever. */
static void test_graph_paths_bounded(void **state)
{
    ks_arena *a = *state;
    enum { N = 14 };
    kv_member m[N];
    kv_value names[N];
    for (int i = 0; i < N; i++)
        names[i] = kv_int(i);
    for (int i = 0; i < N; i++) {
        m[i].key = names[i];
        assert_int_equal(kv_array_new(a, names, N, &m[i].val), 0);
    }
    kv_value args[2];
    assert_int_equal(kv_object_new(a, m, N, KV_DUP_ERROR, &args[0], NULL), 0);
    assert_int_equal(kv_array_new(a, names, 1, &args[1]), 0);
    char *got = NULL;
    assert_int_equal(bt_call_values(a, "graph.reachable_paths", args, 2, &got), RG_EBUILTIN);
    assert_string_equal(got, "graph.reachable_paths: too many paths");
    ks_xfree(got);
    /* reachability of the same graph is linear */
    assert_int_equal(bt_call_values(a, "graph.reachable", args, 2, &got), RG_OK);
    assert_string_equal(got, "[0,1,2,3,4,5,6,7,8,9,10,11,12,13]");
    ks_xfree(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sets),
            cmocka_unit_test(test_arrays),
            cmocka_unit_test(test_object_get_keys),
            cmocka_unit_test(test_object_remove_filter),
            cmocka_unit_test(test_object_union),
            cmocka_unit_test(test_object_subset),
            cmocka_unit_test(test_types),
            cmocka_unit_test(test_casts),
            cmocka_unit_test(test_to_number),
            cmocka_unit_test(test_graph_reachable),
            cmocka_unit_test(test_graph_paths_bounded),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
