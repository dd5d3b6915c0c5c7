/* Rego builtins: graphql.*. Expected values were checked against OPA
 * v1.22.3 (its gqlparser v2.5.64): ASTs, verdicts and error texts. */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "rego/bi_graphql.h"
#include "bitest.h"

/* graphql's builtins are called here on as many values as they take. */
static bt_result run(ks_arena *a, const char *name, const kv_value *args)
{
    return bt_run(a, name, args, bt_def(name)->nargs);
}

#define expect_json(a, name, args, want) bt_expect_values(a, name, args, bt_def(name)->nargs, want)
#define expect_error(a, name, args, want) \
    bt_expect_err_values(a, name, args, bt_def(name)->nargs, BT_ANY_CODE, want)

static kv_value str(const char *s)
{
    return kv_str_ref(s, strlen(s));
}

/* The result as compact JSON (heap), failing the test on an error. */
static char *ok_json(ks_arena *a, const char *name, const kv_value *args)
{
    bt_result r = run(a, name, args);
    if (r.rc != RG_OK)
        fail_msg("%s: rc %d: %s", name, r.rc, r.msg);
    return tu_to_json(&r.out, 0);
}

/* Parses a query and returns its AST. */
static kv_value query_ast(ks_arena *a, const char *q)
{
    kv_value arg = str(q);
    bt_result r = run(a, "graphql.parse_query", &arg);
    if (r.rc != RG_OK)
        fail_msg("parse_query(%s): %s", q, r.msg);
    return r.out;
}

static kv_value schema_ast(ks_arena *a, const char *s)
{
    kv_value arg = str(s);
    bt_result r = run(a, "graphql.parse_schema", &arg);
    if (r.rc != RG_OK)
        fail_msg("parse_schema(%s): %s", s, r.msg);
    return r.out;
}

/* The JSON of the value at path in v. */
static void expect_at(const kv_value *v, const char *path, const char *want)
{
    const kv_value *x = kv_path(v, path);
    if (!x) {
        if (want)
            fail_msg("%s: missing, want %s", path, want);
        return;
    }
    if (!want)
        fail_msg("%s: present, want it pruned", path);
    char *got = tu_to_json(x, 0);
    if (strcmp(got, want) != 0)
        fail_msg("%s:\nwant %s\ngot  %s", path, want, got);
    ks_xfree(got);
}

/* ---- parse_query ---- */

static const char kitchen[] =
        "# top\n"
        "query Q($a: [Int!] = [1] @d) @o {\n"
        "  # before f\n"
        "  al: f(x: 1.5, y: \"s\", z: \"\"\"b\"\"\", e: RED, b: false, n: null, l: [$a],"
        " o: {k: $a}) @skip(if: true) { g }\n"
        "  ... on T { h }\n"
        "  ...F\n"
        "}\n"
        "fragment F on T { i }";

static void test_parse_query_ast(void **state)
{
    ks_arena *a = *state;
    kv_value ast = query_ast(a, kitchen);
    expect_at(&ast, "Operations[0].Comment", "{\"List\":[{\"Value\":\"# top\"}]}");
    expect_at(&ast, "Operations[0].Name", "\"Q\"");
    expect_at(&ast, "Operations[0].Description", "\"\"");
    expect_at(&ast, "Operations[0].Directives", "[{\"Location\":\"\",\"Name\":\"o\"}]");
    expect_at(&ast, "Operations[0].VariableDefinitions[0].Type",
              "{\"Elem\":{\"NamedType\":\"Int\",\"NonNull\":true},\"NamedType\":\"\",\"NonNull\":"
              "false}");
    expect_at(&ast, "Operations[0].VariableDefinitions[0].Used", "false");
    expect_at(&ast, "Operations[0].VariableDefinitions[0].DefaultValue.Kind", "8");
    expect_at(&ast, "Operations[0].VariableDefinitions[0].DefaultValue.Children[0].Name", "\"\"");
    /* the comment before a field is the field's */
    expect_at(&ast, "Operations[0].SelectionSet[0].Comment.List[0].Value", "\"# before f\"");
    expect_at(&ast, "Operations[0].SelectionSet[0].Alias", "\"al\"");
    expect_at(&ast, "Operations[0].SelectionSet[0].Name", "\"f\"");
    /* value kinds: 0 variable ... 9 object */
    static const char *const kinds[] = {"2", "3", "4", "7", "5", "6", "8", "9"};
    for (int i = 0; i < 8; i++) {
        char path[96];
        snprintf(path, sizeof(path), "Operations[0].SelectionSet[0].Arguments[%d].Value.Kind", i);
        expect_at(&ast, path, kinds[i]);
    }
    expect_at(&ast, "Operations[0].SelectionSet[0].Arguments[2].Value.Raw", "\"b\"");
    expect_at(&ast, "Operations[0].SelectionSet[0].Arguments[6].Value.Children[0].Value",
              "{\"ExpectedTypeHasDefault\":false,\"Kind\":0,\"Raw\":\"a\"}");
    expect_at(&ast, "Operations[0].SelectionSet[0].Arguments[7].Value.Children[0].Name", "\"k\"");
    expect_at(&ast, "Operations[0].SelectionSet[0].Directives[0].Arguments[0].Value.Raw",
              "\"true\"");
    /* an inline fragment, then a spread: no Alias, no empty lists */
    expect_at(&ast, "Operations[0].SelectionSet[1]",
              "{\"SelectionSet\":[{\"Alias\":\"h\",\"Name\":\"h\"}],\"TypeCondition\":\"T\"}");
    expect_at(&ast, "Operations[0].SelectionSet[2]", "{\"Name\":\"F\"}");
    expect_at(&ast, "Fragments[0].TypeCondition", "\"T\"");
    expect_at(&ast, "Fragments[0].SelectionSet[0].Alias", "\"i\"");
    /* no positions anywhere, no null or empty members */
    char *all = tu_to_json(&ast, 0);
    assert_null(strstr(all, "Position"));
    assert_null(strstr(all, "null,"));
    assert_null(strstr(all, "[]"));
    assert_null(strstr(all, "{}"));
    ks_xfree(all);

    /* empty documents */
    kv_value empty = str("  # nothing\n");
    expect_json(a, "graphql.parse_query", &empty, "{}");
    /* keywords are names */
    kv_value kw = query_ast(a, "query on { ... on on { on: fragment } }");
    expect_at(&kw, "Operations[0].Name", "\"on\"");
    expect_at(&kw, "Operations[0].SelectionSet[0].TypeCondition", "\"on\"");
}

static void test_parse_query_comments(void **state)
{
    ks_arena *a = *state;
    /* The query shorthand takes no comment; values and closing braces
     * neither; list and object values, arguments and variables do. */
    kv_value ast = query_ast(a, "# c0\n{ f(x:\n#c1\n$v, y:\n#c2\n1, o:\n#c3\n{a: 1}) \n#c4\n}");
    expect_at(&ast, "Operations[0].Comment", NULL);
    expect_at(&ast, "Operations[0].SelectionSet[0].Arguments[0].Value.Comment", NULL);
    expect_at(&ast, "Operations[0].SelectionSet[0].Arguments[1].Value.Comment", NULL);
    expect_at(&ast, "Operations[0].SelectionSet[0].Arguments[2].Value.Comment.List[0].Value",
              "\"#c3\"");
    kv_value q = query_ast(a, "query Q(\n#v\n$a: Int, \n#w\n$b: Int) { f(\n#arg\nx: 1) }");
    expect_at(&q, "Operations[0].VariableDefinitions[0].Comment.List[0].Value", "\"#v\"");
    expect_at(&q, "Operations[0].VariableDefinitions[1].Comment.List[0].Value", "\"#w\"");
    expect_at(&q, "Operations[0].SelectionSet[0].Arguments[0].Comment.List[0].Value", "\"#arg\"");
    /* consecutive comments form one group; text keeps the '#' */
    kv_value g = query_ast(a, "# a\n#b\nquery { f }");
    expect_at(&g, "Operations[0].Comment", "{\"List\":[{\"Value\":\"# a\"},{\"Value\":\"#b\"}]}");
}

static void test_parse_query_strings(void **state)
{
    ks_arena *a = *state;
    /* escapes: \u, surrogate pairs, a lone surrogate (U+FFFD), \u{...} */
    kv_value ast = query_ast(a, "{ f(a: \"\\u00e9\\ud83d\\ude00\\ud800\\u{1F600}\\t\\/\") }");
    expect_at(&ast, "Operations[0].SelectionSet[0].Arguments[0].Value.Raw",
              "\"\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd\xf0\x9f\x98\x80\\t/\"");
    /* block strings: common indentation and blank first/last lines go */
    kv_value blk = query_ast(a, "{ f(a: \"\"\"\n    first\n      second\n    \"\"\") }");
    expect_at(&blk, "Operations[0].SelectionSet[0].Arguments[0].Value.Raw", "\"first\\n  second\"");
    /* gqlparser counts the first line in the common indentation */
    kv_value blk2 = query_ast(a, "{ f(a: \"\"\"  a\n    b\n  \"\"\") }");
    expect_at(&blk2, "Operations[0].SelectionSet[0].Arguments[0].Value.Raw", "\"  a\\n  b\"");
    /* escaped triple quotes, extra quotes before the closing ones */
    kv_value blk3 = query_ast(a, "{ f(a: \"\"\"x \\\"\"\" y\"\"\"\"\") }");
    expect_at(&blk3, "Operations[0].SelectionSet[0].Arguments[0].Value.Raw",
              "\"x \\\"\\\"\\\" y\\\"\\\"\"");
    /* multibyte text passes through */
    kv_value mb = query_ast(a, "# \xe0\xa8\x8a\n{ f(a: \"\xe0\xa8\x8a \xf0\x9f\x98\x80\") }");
    expect_at(&mb, "Operations[0].SelectionSet[0].Arguments[0].Value.Raw",
              "\"\xe0\xa8\x8a \xf0\x9f\x98\x80\"");
}

static void expect_query_error(ks_arena *a, const char *q, const char *msg)
{
    kv_value arg = str(q);
    ks_buf want = KS_BUF_INIT;
    ks_buf_printf(&want, "graphql.parse_query: %s", msg);
    expect_error(a, "graphql.parse_query", &arg, ks_buf_cstr(&want));
    ks_buf_free(&want);
}

static void test_parse_query_errors(void **state)
{
    ks_arena *a = *state;
    expect_query_error(a, "{", "Expected Name, found <EOF> in GraphQL string at location 1:2");
    expect_query_error(a, "{ ...on }", "Expected Name, found } in GraphQL string at location 1:9");
    expect_query_error(a, "fragment on on on { on }",
                       "Unexpected Name \"on\" in GraphQL string at location 1:10");
    expect_query_error(a, "query Q { }",
                       "expected at least one definition, found } in GraphQL string at location "
                       "1:11");
    expect_query_error(a, "query Q($x: Int = $y) { f }",
                       "Unexpected $ in GraphQL string at location 1:19");
    expect_query_error(a, "{ f }}", "Unexpected } in GraphQL string at location 1:6");
    /* a string token's column is one past its quote */
    expect_query_error(a, "\"desc\" { f }",
                       "Unexpected String \"desc\" in GraphQL string at location 1:2");
    expect_query_error(a, "\"\"\"abc\"\"\" { f }",
                       "Unexpected BlockString \"abc\" in GraphQL string at location 1:4");
    /* lexer errors mostly surface as an invalid token; columns count
     * characters, not bytes */
    expect_query_error(a, "{ f(a: \"\xe0\xa8\x8a\\q\") }",
                       "Unexpected <Invalid> in GraphQL string at location 1:11");
    expect_query_error(a, "\xe0\xa8\x8a { f }",
                       "Unexpected <Invalid> in GraphQL string at location 1:1");
    expect_query_error(a, "{ f(a: 007) }",
                       "Unexpected <Invalid> in GraphQL string at location 1:9");
    expect_query_error(a, "{\n\n  f(a: \"x\\z\")\n}",
                       "Unexpected <Invalid> in GraphQL string at location 3:11");
    expect_query_error(a, "query", "Expected {, found <EOF> in GraphQL string at location 1:6");
    expect_query_error(a, "{ a: b: c }",
                       "Expected Name, found : in GraphQL string at location 1:7");
    kv_value n = kv_int(1);
    expect_error(a, "graphql.parse_query", &n,
                 "graphql.parse_query: operand 1 must be string but got number");
}

static void test_parse_query_nesting(void **state)
{
    ks_arena *a = *state;
    ks_buf q = KS_BUF_INIT;
    /* 1000 nested selection sets parse; 1001 do not */
    ks_buf_puts(&q, "{a");
    for (int i = 0; i < 999; i++)
        ks_buf_puts(&q, "{a");
    ks_buf_fill(&q, '}', 1000);
    kv_value ok = str(ks_buf_cstr(&q));
    char *json = ok_json(a, "graphql.parse_query", &ok);
    ks_xfree(json);
    ks_buf_reset(&q);
    ks_buf_puts(&q, "{a");
    for (int i = 0; i < 1000; i++)
        ks_buf_puts(&q, "{a");
    ks_buf_fill(&q, '}', 1001);
    expect_query_error(a, ks_buf_cstr(&q),
                       "exceeded maximum nesting depth of 1000 in GraphQL string at location "
                       "1:2001");
    /* lists count too */
    ks_buf_reset(&q);
    ks_buf_puts(&q, "{ f(a: ");
    ks_buf_fill(&q, '[', 1000);
    ks_buf_fill(&q, ']', 1000);
    ks_buf_puts(&q, ") }");
    expect_query_error(a, ks_buf_cstr(&q),
                       "exceeded maximum nesting depth of 1000 in GraphQL string at location "
                       "1:1007");
    ks_buf_free(&q);
}

/* ---- parse_schema ---- */

static void test_parse_schema_ast(void **state)
{
    ks_arena *a = *state;
    kv_value ast =
            schema_ast(a, "# doc\n\"d\" type A implements & B & C @x { \"fd\" f(\"ad\" a: Int "
                          "= 1 @y): [A!]! # in\n }\nextend schema @s\nunion U = | A | B\n"
                          "enum E { X \"vd\" Y }\ninput I { a: Int = 2 }\n"
                          "directive @x(a: Int) repeatable on OBJECT | FIELD\nscalar S\n# end");
    expect_at(&ast, "Comment", "{\"List\":[{\"Value\":\"# end\"}]}");
    expect_at(&ast, "Definitions[0].BeforeDescriptionComment.List[0].Value", "\"# doc\"");
    expect_at(&ast, "Definitions[0].Description", "\"d\"");
    expect_at(&ast, "Definitions[0].Interfaces", "[\"B\",\"C\"]");
    expect_at(&ast, "Definitions[0].EndOfDefinitionComment.List[0].Value", "\"# in\"");
    expect_at(&ast, "Definitions[0].BuiltIn", "false");
    expect_at(&ast, "Definitions[0].Fields[0].Description", "\"fd\"");
    expect_at(&ast, "Definitions[0].Fields[0].Arguments[0]",
              "{\"DefaultValue\":{\"ExpectedTypeHasDefault\":false,\"Kind\":1,\"Raw\":\"1\"},"
              "\"Description\":\"ad\",\"Directives\":[{\"Location\":\"\",\"Name\":\"y\"}],\"Name\":"
              "\"a\",\"Type\":{\"NamedType\":\"Int\",\"NonNull\":false}}");
    expect_at(&ast, "Definitions[0].Fields[0].Type",
              "{\"Elem\":{\"NamedType\":\"A\",\"NonNull\":true},\"NamedType\":\"\",\"NonNull\":"
              "true}");
    expect_at(&ast, "Definitions[1].Types", "[\"A\",\"B\"]");
    expect_at(&ast, "Definitions[2].EnumValues",
              "[{\"Description\":\"\",\"Name\":\"X\"},{\"Description\":\"vd\",\"Name\":\"Y\"}]");
    expect_at(&ast, "Definitions[3].Kind", "\"INPUT_OBJECT\"");
    expect_at(&ast, "Definitions[4].Kind", "\"SCALAR\"");
    expect_at(&ast, "Directives[0].IsRepeatable", "true");
    expect_at(&ast, "Directives[0].Locations", "[\"OBJECT\",\"FIELD\"]");
    expect_at(&ast, "SchemaExtension",
              "[{\"Description\":\"\",\"Directives\":[{\"Location\":\"\",\"Name\":\"s\"}]}]");
    /* extensions */
    kv_value ext = schema_ast(a, "extend type Hello implements Greeting");
    expect_at(&ext, "Extensions",
              "[{\"BuiltIn\":false,\"Description\":\"\",\"Interfaces\":[\"Greeting\"],\"Kind\":"
              "\"OBJECT\",\"Name\":\"Hello\"}]");
    /* an operation type given as a string is taken by its value */
    kv_value sq = schema_ast(a, "schema { \"query\": Q }");
    expect_at(&sq, "Schema[0].OperationTypes[0]", "{\"Operation\":\"query\",\"Type\":\"Q\"}");
}

static void expect_schema_error(ks_arena *a, const char *s, const char *msg)
{
    kv_value arg = str(s);
    ks_buf want = KS_BUF_INIT;
    ks_buf_printf(&want, "graphql.parse_schema: %s", msg);
    expect_error(a, "graphql.parse_schema", &arg, ks_buf_cstr(&want));
    ks_buf_free(&want);
}

static void test_parse_schema_errors(void **state)
{
    ks_arena *a = *state;
    expect_schema_error(a, "type Hello {}",
                        "expected at least one definition, found } in GraphQL string at location "
                        "1:13");
    expect_schema_error(a, "extend type Hello",
                        "Unexpected <EOF> in GraphQL string at location 1:18");
    expect_schema_error(a, "\n  \"Description\"\n  extend type Hello { world: String }",
                        "Unexpected String \"Description\" in GraphQL string at location 2:4");
    expect_schema_error(a, "union Hello = Wo || Rld",
                        "Expected Name, found | in GraphQL string at location 1:19");
    expect_schema_error(a, "input Hello {\n  world(foo: Int): String\n}",
                        "Expected :, found ( in GraphQL string at location 2:8");
    expect_schema_error(
            a, "directive @foo on FIELD | INCORRECT_LOCATION",
            "Unexpected Name \"INCORRECT_LOCATION\" in GraphQL string at location 1:27");
    expect_schema_error(a, "\"\"\"\r", "Unexpected <Invalid> in GraphQL string at location 2:1");
    expect_schema_error(a, "type A { f(a: Int = $v): Int }",
                        "Unexpected $ in GraphQL string at location 1:21");
    /* where the parser takes a token without checking it, the lexer's own
     * message shows, period included */
    expect_schema_error(a, "schema { ~: Q }",
                        "Cannot parse the unexpected character \"~\". in GraphQL string at "
                        "location 1:10");
    expect_schema_error(a, "{ f }", "Unexpected { in GraphQL string at location 1:1");
}

/* ---- validation ---- */

static void expect_parse_error(ks_arena *a, const char *q, const char *s, const char *msg)
{
    kv_value args[2] = {str(q), str(s)};
    ks_buf want = KS_BUF_INIT;
    ks_buf_printf(&want, "graphql.parse: %s", msg);
    expect_error(a, "graphql.parse", args, ks_buf_cstr(&want));
    ks_buf_free(&want);
    /* the verdicts agree */
    expect_json(a, "graphql.is_valid", args, "false");
    expect_json(a, "graphql.parse_and_verify", args, "[false,{},{}]");
}

static void test_validation_errors(void **state)
{
    ks_arena *a = *state;
    /* several errors: all but the first keep their "input:L:C: " prefix;
     * a message ending in "?" keeps its newline */
    expect_parse_error(a, "{ a b(x: \"s\") c { d } }",
                       "type Query { a: Int b(x: Int!): Int c: Int }",
                       "Int cannot represent non-integer value: \"s\"\ninput:1:19: Cannot query "
                       "field \"d\" on type \"Int\".\ninput:1:15: Field \"c\" must not have a "
                       "selection since type \"Int\" has no subfields in GraphQL string at "
                       "location 1:11");
    expect_parse_error(a, "{ b }", "type Query { a: Int }",
                       "Cannot query field \"b\" on type \"Query\". Did you mean \"a\"?\n in "
                       "GraphQL string at location 1:3");
    expect_parse_error(
            a, "query Q($v: Int) { a(x: $w) }", "type Query { a(x: Int): Int }",
            "Variable \"$w\" is not defined by operation \"Q\".\ninput:1:9: Variable "
            "\"$v\" is never used in operation \"Q\" in GraphQL string at location 1:25");
    expect_parse_error(a, "{ x: a x: b }", "type Query { a: Int b: Int }",
                       "Fields \"x\" conflict because \"a\" and \"b\" are different fields. Use "
                       "different aliases on the fields to fetch both if this was intentional in "
                       "GraphQL string at location 1:8");
    expect_parse_error(a, "subscription { a b }",
                       "type Query { a: Int } type Subscription { a: Int b: Int }",
                       "Anonymous Subscription must select only one top level field in GraphQL "
                       "string at location 1:18");
    expect_parse_error(a, "{ a(e: PURPLE) }", "type Query { a(e: E): Int } enum E { RED PURPLE_ }",
                       "Value \"PURPLE\" does not exist in \"E\" enum. Did you mean the enum "
                       "value \"PURPLE_\"?\n in GraphQL string at location 1:8");
    expect_parse_error(a, "{ a(x: 1, x: 2) @skip(if: true) @skip(if: false) }",
                       "type Query { a(x: Int): Int }",
                       "The directive \"@skip\" can only be used once at this location.\n"
                       "input:1:11: There can be only one argument named \"x\" in GraphQL string "
                       "at location 1:34");
    expect_parse_error(a,
                       "{ __type(name: \"A\") { fields { type { fields { type { fields { name } } "
                       "} } } } }",
                       "type Query { a: Int }",
                       "Maximum introspection depth exceeded\n in GraphQL string at location 1:3");
    expect_parse_error(a, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
                       "type Query { a: Int }",
                       "Cannot spread fragment \"A\" within itself via \"B\" in GraphQL string at "
                       "location 1:64");
    expect_parse_error(a, "query { a } query { a }", "type Query { a: Int }",
                       "This anonymous operation must be the only defined operation.\ninput:1:13: "
                       "This anonymous operation must be the only defined operation.\ninput:1:13: "
                       "There can be only one operation named \"\" in GraphQL string at location "
                       "1:1");
    expect_parse_error(a, "{ a(o: {x: 1, y: 2}) }",
                       "input O @oneOf { x: Int y: Int } type Query { a(o: O): Int }",
                       "OneOf Input Object \"O\" must specify exactly one key in GraphQL string at "
                       "location 1:8");
    expect_parse_error(a, "{ a(i: 2147483648, f: 1e400) }",
                       "type Query { a(i: Int, f: Float): Int }",
                       "Float cannot represent non numeric value: 1e400\n in GraphQL string at "
                       "location 1:23");
    expect_parse_error(a, "mutation { a }", "type Query { a: Int }",
                       "Schema does not support operation type \"mutation\"\n in GraphQL string "
                       "at location 1:1");
    /* suggestions come in the order of Go's (unstable) sort.Slice */
    ks_buf fields = KS_BUF_INIT;
    ks_buf_puts(&fields, "type Query {");
    for (int i = 0; i < 30; i++)
        ks_buf_printf(&fields, " a%d: Int", i);
    ks_buf_puts(&fields, " }");
    expect_parse_error(a, "{ a1x }", ks_buf_cstr(&fields),
                       "Cannot query field \"a1x\" on type \"Query\". Did you mean \"a11\", "
                       "\"a1\", \"a19\", \"a18\", or \"a17\"?\n in GraphQL string at location "
                       "1:3");
    ks_buf_free(&fields);
    /* valid: a verdict and both ASTs */
    kv_value ok[2] = {str("{ a }"), str("type Query { a: Int }")};
    expect_json(a, "graphql.is_valid", ok, "true");
    expect_json(
            a, "graphql.parse_and_verify", ok,
            "[true,{\"Operations\":[{\"Description\":\"\",\"Name\":\"\",\"Operation\":\"query\","
            "\"SelectionSet\":[{\"Alias\":\"a\",\"Name\":\"a\"}]}]},{\"Definitions\":[{"
            "\"BuiltIn\":false,\"Description\":\"\",\"Fields\":[{\"Description\":\"\",\"Name\":"
            "\"a\",\"Type\":{\"NamedType\":\"Int\",\"NonNull\":false}}],\"Kind\":\"OBJECT\","
            "\"Name\":\"Query\"}]}]");
    /* extensions of types never defined are allowed */
    kv_value ext[2] = {str("{ entity { ... on User { id } } }"),
                       str("extend type User { id: ID! } extend type Product { upc: String! } "
                           "union _Entity = Product | User extend type Query { entity: _Entity }")};
    expect_json(a, "graphql.is_valid", ext, "true");
}

static void expect_conversion_error(ks_arena *a, const char *s, const char *msg)
{
    kv_value args[2] = {str("{ a }"), str(s)};
    ks_buf want = KS_BUF_INIT;
    ks_buf_printf(&want,
                  "graphql.parse: Error in gqlparser SchemaDocument to Schema conversion: %s", msg);
    expect_error(a, "graphql.parse", args, ks_buf_cstr(&want));
    ks_buf_free(&want);
    expect_json(a, "graphql.schema_is_valid", &args[1], "false");
    expect_json(a, "graphql.is_valid", args, "false");
}

static void test_schema_errors(void **state)
{
    ks_arena *a = *state;
    expect_conversion_error(a, "type Query { a: Undefined }",
                            "input:1:17: Undefined type Undefined.");
    expect_conversion_error(a, "type Query { a: Int } interface Query { b: Int }",
                            "input:1:33: Cannot redeclare type Query.");
    expect_conversion_error(a, "schema { query: Nope }",
                            "input:1:10: Schema root query refers to a type Nope that does not "
                            "exist.");
    expect_conversion_error(a, "type Query { a: Int } extend type Query { a: Int }",
                            "input:1:43: Field Query.a can only be defined once.");
    expect_conversion_error(a, "input I { i: I! } type Query { a(i: I): Int }",
                            "input:1:11: Cannot reference Input Object \"I\" within itself "
                            "through a series of non-null fields: \"i\".");
    expect_conversion_error(a, "interface I { f: Int } type Query implements I { g: Int }",
                            "input:1:29: For Query to implement I it must have a field called f.");
    expect_conversion_error(a, "type Query { f: Int } enum E { true }",
                            "input:1:32: ENUM E: non-enum value true.");
    expect_conversion_error(
            a, "type Query { __f: Int }",
            "input:1:14: Name \"__f\" must not begin with \"__\", which is reserved "
            "by GraphQL introspection.");
    expect_conversion_error(a, "type Query { f: Int @unknown }",
                            "input:1:22: Undefined directive unknown.");
    /* the prelude's directives may be declared again */
    kv_value redecl = str("directive @skip(if: Boolean!) on FIELD type Query { f: Int }");
    expect_json(a, "graphql.schema_is_valid", &redecl, "true");
    static const char *const invalid[] = {
            "type Hello {}",
            "extend type Hello implements Greeting",
            "schema { query: Query }",
            "type Hello implements World { field: String }",
            "interface IA { id: ID! } interface IIA implements IA { id: ID! } "
            "type A implements IIA { id: ID! }",
            "union Hello = World",
            "type Mutation { c(p: PI!): P } type Query { p: P } type P { f: [P!]! } "
            "input PI { f: [P] } schema { query: Query mutation: Mutation }",
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        kv_value s = str(invalid[i]);
        expect_json(a, "graphql.schema_is_valid", &s, "false");
    }
    static const char *const valid[] = {
            "scalar Hello",
            "enum Hello { WO, RLD }",
            "directive @foo repeatable on FIELD",
            "type Query { x: Int } directive @d(a: String = \"b\") on SCHEMA extend schema @d",
            "type DeprecatedType { deprecatedField: String @deprecated }",
    };
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        kv_value s = str(valid[i]);
        expect_json(a, "graphql.schema_is_valid", &s, "true");
    }
}

/* ---- AST objects and operand types ---- */

static void test_ast_objects(void **state)
{
    ks_arena *a = *state;
    const char *schema = "type Employee { id: String! salary: Int! } schema { query: Query } "
                         "type Query { employeeByID(id: String): Employee }";
    kv_value args[2] = {query_ast(a, "query { employeeByID(id: \"alice\") { salary }}"),
                        schema_ast(a, schema)};
    /* the ASTs come back as they went in */
    bt_result r = run(a, "graphql.parse", args);
    assert_int_equal(r.rc, RG_OK);
    kv_value res = r.out;
    assert_true(kv_equal(&res.u.items[0], &args[0]));
    assert_true(kv_equal(&res.u.items[1], &args[1]));
    expect_json(a, "graphql.is_valid", args, "true");
    expect_json(a, "graphql.schema_is_valid", &args[1], "true");

    /* Every selection object decodes as a field first, so fragments given
     * as objects are fields; positions are gone, so no locations. */
    kv_value sel[2] = {tu_json(a, "{\"Operations\":[{\"Operation\":\"query\",\"SelectionSet\":["
                                  "{\"Name\":\"F\"},{\"TypeCondition\":\"Query\",\"SelectionSet\":"
                                  "[{\"Alias\":\"a\",\"Name\":\"a\"}]}]}]}"),
                       str("type Query { a: Int }")};
    expect_error(a, "graphql.parse", sel,
                 "graphql.parse: GraphQL parse error: input: Cannot query field \"F\" on type "
                 "\"Query\". Did you mean \"a\"?\ninput: Cannot query field \"\" on type "
                 "\"Query\". Did you mean \"a\"?\n");
    /* gqlparser's own decoders match keys exactly, encoding/json ignores
     * case */
    kv_value keys[2] = {tu_json(a, "{\"operations\":[{\"Operation\":\"query\",\"selectionset\":"
                                   "[{\"Name\":\"a\"}],\"SelectionSet\":[{\"Name\":\"b\",\"Alias\":"
                                   "\"b\"}]}]}"),
                        tu_json(a, "{\"definitions\":[{\"kind\":\"OBJECT\",\"name\":\"Query\","
                                   "\"fields\":[{\"name\":\"b\",\"type\":{\"namedtype\":"
                                   "\"Int\"}}]}]}")};
    expect_json(a, "graphql.is_valid", keys, "true");
    /* a field whose value will not decode is tried as a fragment spread */
    kv_value spread[2] = {tu_json(a, "{\"Operations\":[{\"Operation\":\"query\",\"SelectionSet\":"
                                     "[{\"Alias\":\"a\",\"Name\":\"a\",\"Arguments\":[{\"Name\":"
                                     "\"x\",\"Value\":{\"Kind\":1.5,\"Raw\":\"1\"}}]}]}]}"),
                          str("type Query { a(x: Int): Int }")};
    expect_error(a, "graphql.parse", spread,
                 "graphql.parse: GraphQL parse error: input: Unknown fragment \"a\".\n");
    /* positions given in objects are used */
    kv_value pos[2] = {tu_json(a, "{\"Operations\":[{\"Operation\":\"query\",\"SelectionSet\":"
                                  "[{\"Alias\":\"b\",\"Name\":\"b\",\"Position\":{\"Line\":4,"
                                  "\"Column\":2,\"Src\":{\"Name\":\"\"}}}]}]}"),
                       str("type Query { a: Int }")};
    expect_error(a, "graphql.parse", pos,
                 "graphql.parse: Cannot query field \"b\" on type \"Query\". Did you mean "
                 "\"a\"?\n in GraphQL string at location 4:2");
    /* Go's decoding errors, with the struct and field path Go reports */
    kv_value bad[2] = {tu_json(a, "{\"Operations\":[{\"Operation\":\"query\",\"Name\":5}]}"),
                       str("type Query { a: Int }")};
    expect_error(a, "graphql.parse", bad,
                 "graphql.parse: json: cannot unmarshal number into Go struct field "
                 "QueryDocument.Operations of type string");
    expect_json(a, "graphql.is_valid", bad, "false");
    kv_value bad2[2] = {str("{ a }"),
                        tu_json(a, "{\"Definitions\":[{\"Kind\":\"OBJECT\",\"Name\":\"Query\","
                                   "\"Fields\":[{\"Name\":\"a\",\"Type\":{\"NamedType\":\"Int\","
                                   "\"NonNull\":\"yes\"}}]}]}")};
    expect_error(a, "graphql.parse", bad2,
                 "graphql.parse: json: cannot unmarshal string into Go struct field "
                 "Type.Definitions.Fields.Type.NonNull of type bool");
    kv_value undef[2] = {str("{ a }"),
                         tu_json(a, "{\"Definitions\":[{\"Kind\":\"OBJECT\",\"Name\":\"Query\","
                                    "\"Fields\":[{\"Name\":\"a\",\"Type\":{\"NamedType\":"
                                    "\"Nope\"}}]}]}")};
    expect_error(a, "graphql.parse", undef,
                 "graphql.parse: Error in gqlparser SchemaDocument to Schema conversion: "
                 "input:-1:-1: Undefined type Nope.");
    /* where gqlparser would dereference nil, an error */
    kv_value nil[2] = {tu_json(a, "{\"Operations\":[null]}"), str("type Query { a: Int }")};
    expect_error(a, "graphql.is_valid", nil, "graphql.is_valid: graphql: null element in the AST");
    /* an empty object is an empty document */
    kv_value empty[2] = {tu_json(a, "{}"), str("type Query { a: Int }")};
    expect_json(a, "graphql.is_valid", empty, "true");
}

static void test_operand_types(void **state)
{
    ks_arena *a = *state;
    kv_value args[2] = {kv_int(5), str("type Query { a: Int }")};
    expect_error(a, "graphql.parse", args,
                 "graphql.parse: operand 0 must be one of {string, object} but got number");
    expect_json(a, "graphql.is_valid", args, "false");
    expect_json(a, "graphql.parse_and_verify", args, "[false,{},{}]");
    kv_value args2[2] = {str("{ a }"), kv_null()};
    expect_error(a, "graphql.parse", args2,
                 "graphql.parse: operand 1 must be one of {string, object} but got null");
    expect_json(a, "graphql.schema_is_valid", &args2[1], "false");
    kv_value arr = tu_json(a, "[1]");
    expect_json(a, "graphql.schema_is_valid", &arr, "false");
    expect_error(a, "graphql.parse_schema", &arr,
                 "graphql.parse_schema: operand 1 must be string but got array");
}

/* ---- bounds ---- */

static void test_bounds(void **state)
{
    ks_arena *a = *state;
    /* documents past 1 MiB are refused, by every builtin */
    size_t n = (1u << 20) + 1;
    char *big = ks_xmalloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "{a}", 3);
    big[n] = '\0';
    kv_value arg = kv_str_ref(big, n);
    expect_error(a, "graphql.parse_query", &arg,
                 "graphql.parse_query: graphql: document larger than 1048576 bytes");
    kv_value args[2] = {arg, str("type Query { a: Int }")};
    expect_error(a, "graphql.is_valid", args,
                 "graphql.is_valid: graphql: document larger than 1048576 bytes");
    ks_xfree(big);

    /* quadratic comparisons stop at the work limit */
    ks_buf q = KS_BUF_INIT;
    ks_buf_putc(&q, '{');
    for (int i = 0; i < 3000; i++)
        ks_buf_puts(&q, " a");
    ks_buf_putc(&q, '}');
    kv_value work[2] = {str(ks_buf_cstr(&q)), str("type Query { a: Int }")};
    expect_error(a, "graphql.parse", work,
                 "graphql.parse: graphql: query too complex to validate (work limit reached)");
    /* a verdict stops at the first error: 3000 differing fields are
     * quickly invalid */
    ks_buf_reset(&q);
    ks_buf_putc(&q, '{');
    for (int i = 0; i < 3000; i++)
        ks_buf_printf(&q, " b(x: %d)", i);
    ks_buf_putc(&q, '}');
    kv_value differ[2] = {str(ks_buf_cstr(&q)), str("type Query { b(x: Int): Int }")};
    expect_json(a, "graphql.is_valid", differ, "false");
    /* more than 1000 errors are not listed */
    ks_buf_reset(&q);
    ks_buf_putc(&q, '{');
    for (int i = 0; i < 1100; i++)
        ks_buf_printf(&q, " f%d", i);
    ks_buf_putc(&q, '}');
    kv_value many[2] = {str(ks_buf_cstr(&q)), str("type Query { a: Int }")};
    expect_error(a, "graphql.parse", many,
                 "graphql.parse: graphql: query has too many validation errors (more than 1000)");
    expect_json(a, "graphql.is_valid", many, "false");
    /* fragment chains are compared in quadratic time: bounded too */
    ks_buf_reset(&q);
    ks_buf_puts(&q, "{ ...F0 }");
    for (int i = 0; i < 1500; i++)
        ks_buf_printf(&q, " fragment F%d on Query { a ...F%d }", i, i + 1);
    ks_buf_puts(&q, " fragment F1500 on Query { a }");
    kv_value chain[2] = {str(ks_buf_cstr(&q)), str("type Query { a: Int }")};
    expect_error(a, "graphql.is_valid", chain,
                 "graphql.is_valid: graphql: query too complex to validate (work limit reached)");
    /* selections nested through fragments are bounded in depth */
    ks_buf_reset(&q);
    ks_buf_puts(&q, "{ ...F0 }");
    for (int i = 0; i < 3000; i++)
        ks_buf_printf(&q, " fragment F%d on Query { q { ...F%d } }", i, i + 1);
    ks_buf_puts(&q, " fragment F3000 on Query { a }");
    kv_value deep[2] = {str(ks_buf_cstr(&q)), str("type Query { a: Int q: Query }")};
    expect_error(a, "graphql.is_valid", deep,
                 "graphql.is_valid: graphql: query too complex to validate (nesting limit "
                 "reached)");
    ks_buf_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_query_ast),     cmocka_unit_test(test_parse_query_comments),
            cmocka_unit_test(test_parse_query_strings), cmocka_unit_test(test_parse_query_errors),
            cmocka_unit_test(test_parse_query_nesting), cmocka_unit_test(test_parse_schema_ast),
            cmocka_unit_test(test_parse_schema_errors), cmocka_unit_test(test_validation_errors),
            cmocka_unit_test(test_schema_errors),       cmocka_unit_test(test_ast_objects),
            cmocka_unit_test(test_operand_types),       cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
