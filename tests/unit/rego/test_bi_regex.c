/* regex.*, re_match and glob.* builtins: Go regexp semantics (flags, lazy
 * quantifiers, ASCII \d \w \b, anchors, empty matches, character
 * boundaries), Go's error messages for bad patterns, FindAll / Split /
 * ReplaceAllString details, gobwas/glob and glob-intersection behaviour,
 * invalid UTF-8, the per-evaluation cache and the size bounds. Expected
 * values were checked against OPA v1.22.3. */
#include <string.h>

#include "bitest.h"

#include "rego/bcache.h"

/* Calls in one arena with one builtin cache; the last call's outcome. */
typedef struct call {
    ks_arena *a;
    rg_bcache *cache;
    int rc;
    int code;
    kv_value out;
    const char *msg;
} call;

static int call_done(call *k, bt_result r)
{
    k->rc = r.rc;
    k->code = r.code;
    k->out = r.out;
    k->msg = r.msg;
    return k->rc;
}

/* Calls builtin name with args[0..n). */
static int call_v(call *k, const char *name, const kv_value *args, size_t n)
{
    return call_done(k, bt_run(k->a, name, args, n));
}

/* Calls name with the arguments of a JSON array. */
static int call_j(call *k, const char *name, const char *args_json)
{
    return call_done(k, bt_run_json(k->a, name, args_json));
}

static void call_init(call *k, ks_arena *a)
{
    *k = (call){.a = a, .cache = rg_bcache_new(), .msg = ""};
    bt_cache = k->cache;
}

static void call_fini(call *k)
{
    bt_cache = NULL;
    rg_bcache_free(k->cache);
}

static void expect_json(call *k, const char *want)
{
    if (k->rc != RG_OK)
        fail_msg("rc %d: %s", k->rc, k->msg);
    kv_value w = tu_json(k->a, want);
    if (!kv_equal(&w, &k->out)) {
        char *got = tu_to_json(&k->out, 0);
        fail_msg("got %s, want %s", got, want);
    }
}

static void expect_error(call *k, int code, const char *msg)
{
    if (k->rc == RG_OK) {
        char *got = tu_to_json(&k->out, 0);
        fail_msg("got %s, want error %s", got, msg);
    }
    assert_int_equal(k->rc, RG_EBUILTIN);
    assert_int_equal(k->code, code);
    assert_string_equal(k->msg, msg);
}

/* ---- table: (builtin, arguments, result or error), checked against opa ---- */

static const struct tcase {
    const char *name;
    const char *args;
    const char *want; /* JSON, or NULL for an error */
    int code;
    const char *msg;
} cases[] = {
        {"regex.match", "[\"(?i)héllo\", \"HÉLLO\"]", "true", 0, NULL},
        {"regex.match", "[\"^\\\\d+$\", \"١٢٣\"]", "false", 0, NULL},
        {"regex.match", "[\"^\\\\w$\", \"é\"]", "false", 0, NULL},
        {"regex.match", "[\"\\\\B\", \"aéa\"]", "false", 0, NULL},
        {"regex.match", "[\"^a.c$\", \"a日c\"]", "true", 0, NULL},
        {"regex.match", "[\"(?s)^a.c$\", \"a\\nc\"]", "true", 0, NULL},
        {"regex.match", "[\"^a.c$\", \"a\\nc\"]", "false", 0, NULL},
        {"regex.match", "[\"(?m)^b$\", \"a\\nb\\nc\"]", "true", 0, NULL},
        {"regex.match", "[\"^b$\", \"a\\nb\\nc\"]", "false", 0, NULL},
        {"regex.match", "[\"(a\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: missing closing ): `(a`"},
        {"regex.match", "[\"a)\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: unexpected ): `a)`"},
        {"regex.match", "[\"[z-a]\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid character class range: `z-a`"},
        {"regex.match", "[\"a**\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid nested repetition operator: `**`"},
        {"regex.match", "[\"\\\\C\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid escape sequence: `\\C`"},
        {"regex.match", "[\"\\\\Z\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid escape sequence: `\\Z`"},
        {"regex.match", "[\"x{1001}\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid repeat count: `{1001}`"},
        {"regex.match", "[\"(?P<n>x)(?P<n>y)\", \"xy\"]", "true", 0, NULL},
        {"regex.match", "[\"(?P<é>x)\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid named capture: `(?P<é>`"},
        {"regex.match", "[\"(?<n\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid named capture: `(?<n`"},
        {"regex.match", "[\"(?P=n)\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid or unsupported Perl syntax: `(?P`"},
        {"regex.match", "[\"a{2}{3}\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid nested repetition operator: `{2}{3}`"},
        {"regex.match", "[\"\\\\8\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid escape sequence: `\\8`"},
        {"regex.match", "[\"[[:foo:]]\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid character class range: `[:foo:]`"},
        {"regex.match", "[\"(a{100}){100}\", \"x\"]", NULL, RG_ERR_BUILTIN,
         "regex.match: error parsing regexp: invalid repeat count: `{100}`"},
        {"regex.match", "[1, \"x\"]", NULL, RG_ERR_TYPE,
         "regex.match: operand 1 must be string but got number"},
        {"regex.match", "[\"a\", 1]", NULL, RG_ERR_TYPE,
         "regex.match: operand 2 must be string but got number"},
        {"re_match", "[\"^a+$\", \"aaa\"]", "true", 0, NULL},
        {"regex.is_valid", "[\"(?<name>a)\"]", "true", 0, NULL},
        {"regex.is_valid", "[\"++\"]", "false", 0, NULL},
        {"regex.is_valid", "[7]", "false", 0, NULL},
        {"regex.is_valid", "[\"\\\\C\"]", "false", 0, NULL},
        {"regex.split", "[\"\", \"日本\"]", "[\"日\",\"本\"]", 0, NULL},
        {"regex.split", "[\"a\", \"banana\"]", "[\"b\",\"n\",\"n\",\"\"]", 0, NULL},
        {"regex.split", "[\"x*\", \"axbc\"]", "[\"a\",\"b\",\"c\"]", 0, NULL},
        {"regex.split", "[\"\", \"\"]", "[]", 0, NULL},
        {"regex.split", "[\"a\", \"\"]", "[\"\"]", 0, NULL},
        {"regex.split", "[\",\", \"a,,b,\"]", "[\"a\",\"\",\"b\",\"\"]", 0, NULL},
        {"regex.find_n", "[\"a+?\", \"aaa\", -1]", "[\"a\",\"a\",\"a\"]", 0, NULL},
        {"regex.find_n", "[\"x*\", \"abc\", -1]", "[\"\",\"\",\"\",\"\"]", 0, NULL},
        {"regex.find_n", "[\"a*\", \"baaac\", -1]", "[\"\",\"aaa\",\"\"]", 0, NULL},
        {"regex.find_n", "[\".\", \"日本語\", 2]", "[\"日\",\"本\"]", 0, NULL},
        {"regex.find_n", "[\"^a\", \"aaa\", -1]", "[\"a\"]", 0, NULL},
        {"regex.find_n", "[\"a\", \"aaa\", 0]", "[]", 0, NULL},
        {"regex.find_n", "[\"a\", \"aaa\", -7]", "[\"a\",\"a\",\"a\"]", 0, NULL},
        {"regex.find_n", "[\"a\", \"aaa\", 1.5]", NULL, RG_ERR_TYPE,
         "regex.find_n: operand 3 must be integer number but got floating-point number"},
        {"regex.find_n", "[\"a\", \"aaa\", \"1\"]", NULL, RG_ERR_TYPE,
         "regex.find_n: operand 3 must be number but got string"},
        {"regex.find_n", "[\"\\\\b\", \"ab cd\", -1]", "[\"\",\"\",\"\",\"\"]", 0, NULL},
        {"regex.find_all_string_submatch_n", "[\"<(.+?)>\", \"<a><bc>\", -1]",
         "[[\"<a>\",\"a\"],[\"<bc>\",\"bc\"]]", 0, NULL},
        {"regex.find_all_string_submatch_n", "[\"(a)|(b)\", \"ab\", -1]",
         "[[\"a\",\"a\",\"\"],[\"b\",\"\",\"b\"]]", 0, NULL},
        {"regex.find_all_string_submatch_n", "[\"(?P<k>\\\\w+)=(?<v>\\\\w*)\", \"a=1 b= c=3\", 2]",
         "[[\"a=1\",\"a\",\"1\"],[\"b=\",\"b\",\"\"]]", 0, NULL},
        {"regex.find_all_string_submatch_n", "[\"(x*)\", \"ab\", -1]",
         "[[\"\",\"\"],[\"\",\"\"],[\"\",\"\"]]", 0, NULL},
        {"regex.replace", "[\"abc\", \"x*\", \"-\"]", "\"-a-b-c-\"", 0, NULL},
        {"regex.replace", "[\"baaac\", \"a*\", \"-\"]", "\"-b-c-\"", 0, NULL},
        {"regex.replace", "[\"a=1,b=2\", \"(\\\\w)=(\\\\d)\", \"$2=$1\"]", "\"1=a,2=b\"", 0, NULL},
        {"regex.replace", "[\"a=1\", \"(\\\\w)=(\\\\d)\", \"$1x|${1}x|$$|$9|$\"]", "\"|ax|$||$\"",
         0, NULL},
        {"regex.replace", "[\"k=v\", \"(?P<key>\\\\w)=(?<val>\\\\w)\", \"${val}:${key}:$key\"]",
         "\"v:k:k\"", 0, NULL},
        {"regex.replace", "[\"abc\", \"\", \".\"]", "\".a.b.c.\"", 0, NULL},
        {"regex.replace", "[\"日本\", \"\", \"|\"]", "\"|日|本|\"", 0, NULL},
        {"regex.replace", "[\"abc\", \"(b)\", \"${1\"]", "\"a${1c\"", 0, NULL},
        {"regex.replace", "[\"abc\", \"(b)\", \"$01\"]", "\"ac\"", 0, NULL},
        {"regex.replace", "[\"abc\", \"(?i)B\", \"X\"]", "\"aXc\"", 0, NULL},
        {"regex.replace", "[\"abc\", \"[\", \"X\"]", NULL, RG_ERR_BUILTIN,
         "regex.replace: error parsing regexp: missing closing ]: `[`"},
        {"regex.template_match", "[\"urn:foo:{.*}\", \"urn:foo:bar:baz\", \"{\", \"}\"]", "true", 0,
         NULL},
        {"regex.template_match", "[\"urn:{[a-z]+}:{\\\\d+}\", \"urn:abc:42\", \"{\", \"}\"]",
         "true", 0, NULL},
        {"regex.template_match", "[\"urn:{[a-z]+}:{\\\\d+}\", \"urn:abc:4x\", \"{\", \"}\"]",
         "false", 0, NULL},
        {"regex.template_match", "[\"a.b<.*>\", \"axbc\", \"<\", \">\"]", "false", 0, NULL},
        {"regex.template_match", "[\"a{b\", \"x\", \"{\", \"}\"]", NULL, RG_ERR_BUILTIN,
         "regex.template_match: unbalanced braces in \"a{b\""},
        {"regex.template_match", "[\"a}b{\", \"x\", \"{\", \"}\"]", NULL, RG_ERR_BUILTIN,
         "regex.template_match: unbalanced braces in \"a}b{\""},
        {"regex.template_match", "[\"a{(}\", \"x\", \"{\", \"}\"]", NULL, RG_ERR_BUILTIN,
         "regex.template_match: error parsing regexp: missing closing ): `^($`"},
        {"regex.template_match", "[\"a\", \"x\", \"{{\", \"}\"]", NULL, RG_ERR_BUILTIN,
         "regex.template_match: start delimiter has to be exactly one character long but is 2 "
         "long"},
        {"regex.template_match", "[\"a\", \"x\", \"{\", \"}}\"]", NULL, RG_ERR_BUILTIN,
         "regex.template_match: end delimiter has to be exactly one character long but is 1 long"},
        {"regex.template_match", "[\"a\", \"x\", \"é\", \"}\"]", NULL, RG_ERR_BUILTIN,
         "regex.template_match: start delimiter has to be exactly one character long but is 2 "
         "long"},
        {"regex.template_match", "[\"{{a}}\", \"a\", \"{\", \"}\"]", "false", 0, NULL},
        {"regex.globs_match", "[\"a.a.[0-9]+z\", \".b.b2359825792*594823z\"]", "true", 0, NULL},
        {"regex.globs_match", "[\"[a-z]+\", \"[0-9]*\"]", "false", 0, NULL},
        {"regex.globs_match", "[\"pqrs]\", \"[a-b]+\"]", NULL, RG_ERR_BUILTIN,
         "regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input "
         "provided is invalid"},
        {"regex.globs_match", "[\"a*\", \"b\"]", "false", 0, NULL},
        {"regex.globs_match", "[\"a*b\", \"aaab\"]", "true", 0, NULL},
        {"regex.globs_match", "[\"[a-c]+\", \"[c-e]+\"]", "true", 0, NULL},
        {"regex.globs_match", "[\"\", \"\"]", "true", 0, NULL},
        {"regex.globs_match", "[\"[z-a]\", \"b\"]", NULL, RG_ERR_BUILTIN,
         "regex.globs_match: input:[z-a], pos:4, range is out of order: 'a' comes before 'z' in "
         "Unicode: the input provided is invalid"},
        {"regex.globs_match", "[\"*a\", \"b\"]", NULL, RG_ERR_BUILTIN,
         "regex.globs_match: input:*a, pos:1, flag '*' must be preceded by a non-flag: the input "
         "provided is invalid"},
        {"regex.globs_match", "[\"日+\", \"日日\"]", "true", 0, NULL},
        {"glob.match", "[\"*.github.com\", null, \"api.github.com\"]", "true", 0, NULL},
        {"glob.match", "[\"*.com\", [], \"api.github.com\"]", "false", 0, NULL},
        {"glob.match", "[\"*.com\", null, \"api.github.com\"]", "true", 0, NULL},
        {"glob.match", "[\"**.com\", [], \"api.github.com\"]", "true", 0, NULL},
        {"glob.match", "[\"?at\", [], \"日at\"]", "true", 0, NULL},
        {"glob.match", "[\"a?b\", [\"/\"], \"a/b\"]", "false", 0, NULL},
        {"glob.match", "[\"a[!/]b\", [\"/\"], \"a/b\"]", "false", 0, NULL},
        {"glob.match", "[\"[日-本]\", null, \"旦\"]", "true", 0, NULL},
        {"glob.match", "[\"{a,b*,}c\", [\".\"], \"bxxc\"]", "true", 0, NULL},
        {"glob.match", "[\"{a,b*,}c\", [\".\"], \"c\"]", "true", 0, NULL},
        {"glob.match", "[\"{a,b*,}c\", [\".\"], \"b.c\"]", "false", 0, NULL},
        {"glob.match", "[\"\\\\*x\", null, \"*x\"]", "true", 0, NULL},
        {"glob.match", "[\"*\", [\".\", \"/\"], \"a/b\"]", "false", 0, NULL},
        {"glob.match", "[\"*\", [\"日\"], \"a日b\"]", "false", 0, NULL},
        {"glob.match", "[\"[\", null, \"x\"]", NULL, RG_ERR_BUILTIN,
         "glob.match: glob: syntax error at 1: unexpected end of input"},
        {"glob.match", "[\"[!]\", null, \"x\"]", NULL, RG_ERR_BUILTIN,
         "glob.match: glob: syntax error at 3: could not parse range"},
        {"glob.match", "[\"[z-a]\", null, \"x\"]", NULL, RG_ERR_BUILTIN,
         "glob.match: glob: syntax error at 5: range hi character is less than lo"},
        {"glob.match", "[\"a{b\", null, \"x\"]", NULL, RG_ERR_BUILTIN,
         "glob.match: glob: syntax error at 3: unclosed `{`"},
        {"glob.match", "[\"a\\\\\", null, \"x\"]", NULL, RG_ERR_BUILTIN,
         "glob.match: glob: syntax error at 2: trailing backslash"},
        {"glob.match", "[\"[a-\", null, \"x\"]", NULL, RG_ERR_BUILTIN,
         "glob.match: glob: syntax error at 3: unexpected end of input"},
        {"glob.match", "[\"}a,\", null, \"}a,\"]", "true", 0, NULL},
        {"glob.match", "[\"*\", 1, \"x\"]", NULL, RG_ERR_TYPE,
         "glob.match: operand 2 must be one of {array, null} but got number"},
        {"glob.match", "[\"*\", [1], \"x\"]", NULL, RG_ERR_TYPE,
         "glob.match: operand 2 must be array of strings but got array containing number"},
        {"glob.match", "[\"*\", [\"ab\"], \"x\"]", NULL, RG_ERR_TYPE,
         "glob.match: operand 2 must be array of runes but got array containing string"},
        {"glob.match", "[\"*\", [], 1]", NULL, RG_ERR_TYPE,
         "glob.match: operand 3 must be string but got number"},
        {"glob.quote_meta", "[\"*.github.com\"]", "\"\\\\*.github.com\"", 0, NULL},
        {"glob.quote_meta", "[\"[a]{b,c}?\\\\x\"]", "\"\\\\[a\\\\]\\\\{b,c\\\\}\\\\?\\\\\\\\x\"", 0,
         NULL},
};

static void test_table(void **state)
{
    call k;
    call_init(&k, *state);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct tcase *t = &cases[i];
        call_j(&k, t->name, t->args);
        if (t->want) {
            if (k.rc != RG_OK)
                fail_msg("%s%s: rc %d: %s", t->name, t->args, k.rc, k.msg);
            kv_value w = tu_json(k.a, t->want);
            if (!kv_equal(&w, &k.out))
                fail_msg("%s%s: got %s, want %s", t->name, t->args, tu_to_json(&k.out, 0), t->want);
        } else {
            if (k.rc != RG_EBUILTIN)
                fail_msg("%s%s: rc %d, want an error", t->name, t->args, k.rc);
            if (k.code != t->code || strcmp(k.msg, t->msg) != 0)
                fail_msg("%s%s: error %d %s, want %d %s", t->name, t->args, k.code, k.msg, t->code,
                         t->msg);
        }
    }
    call_fini(&k);
}

/* ---- invalid UTF-8: subjects read as one U+FFFD per bad byte ---- */

static kv_value bytes(const char *s)
{
    return kv_str_ref(s, strlen(s));
}

static void expect_strings(call *k, const char *const *want, size_t n)
{
    assert_int_equal(k->rc, RG_OK);
    assert_int_equal(kv_kind_of(&k->out), KV_ARRAY);
    assert_int_equal(k->out.len, n);
    for (size_t i = 0; i < n; i++) {
        const kv_value *e = &k->out.u.items[i];
        assert_int_equal(e->len, strlen(want[i]));
        assert_memory_equal(e->u.s, want[i], e->len);
    }
}

static void test_invalid_utf8(void **state)
{
    call k;
    call_init(&k, *state);
    kv_value args[3];
    static const char *const abc[] = {"a", "\xff", "b"};

    args[0] = bytes(".");
    args[1] = bytes("a\xff"
                    "b");
    args[2] = kv_int(-1);
    call_v(&k, "regex.find_n", args, 3);
    expect_strings(&k, abc, 3);

    args[0] = bytes("");
    call_v(&k, "regex.split", args, 2);
    expect_strings(&k, abc, 3);

    args[0] = bytes("a\xff"
                    "b");
    args[1] = bytes("[^a]");
    args[2] = bytes("<$0>");
    call_v(&k, "regex.replace", args, 3);
    assert_int_equal(k.rc, RG_OK);
    assert_int_equal(k.out.len, 7);
    assert_memory_equal(k.out.u.s, "a<\xff><b>", 7);

    args[0] = bytes("^a\\x{FFFD}b$");
    args[1] = bytes("a\xff"
                    "b");
    call_v(&k, "regex.match", args, 2);
    expect_json(&k, "true");

    args[0] = bytes("a?b");
    args[1] = kv_null();
    args[2] = bytes("a\xff"
                    "b");
    call_v(&k, "glob.match", args, 3);
    expect_json(&k, "true");

    /* in patterns they are errors */
    args[0] = bytes("a\xff"
                    "b");
    args[1] = bytes("a");
    call_v(&k, "regex.match", args, 2);
    expect_error(&k, RG_ERR_BUILTIN,
                 "regex.match: error parsing regexp: invalid UTF-8: `\xff"
                 "b`");
    call_v(&k, "regex.is_valid", args, 1);
    expect_json(&k, "false");
    args[1] = kv_null();
    args[2] = bytes("a");
    call_v(&k, "glob.match", args, 3);
    expect_error(&k, RG_ERR_BUILTIN, "glob.match: glob: syntax error at 1: invalid UTF-8 sequence");
    call_fini(&k);
}

/* ---- patterns: named groups, embedded NUL, huge and deep patterns ---- */

static void test_patterns(void **state)
{
    call k;
    call_init(&k, *state);
    /* (?<name>) and a repeated name: the first group that took part wins */
    call_j(&k, "regex.replace", "[\"b\", \"(?P<x>a)|(?<x>b)\", \"[$x]\"]");
    expect_json(&k, "\"[b]\"");
    /* a group right before a lazy "?" */
    call_j(&k, "regex.find_all_string_submatch_n", "[\"(?P<n>a)??b\", \"ab\", -1]");
    expect_json(&k, "[[\"ab\", \"a\"]]");
    /* a NUL in the pattern and the subject */
    kv_value args[2] = {kv_str_ref("a\0b", 3), kv_str_ref("xa\0b", 4)};
    call_v(&k, "regex.match", args, 2);
    expect_json(&k, "true");

    /* nesting: 999 capturing groups are fine, 1000 are too deep for Go */
    ks_buf p = KS_BUF_INIT;
    ks_buf_fill(&p, '(', 999);
    ks_buf_putc(&p, 'a');
    ks_buf_fill(&p, ')', 999);
    args[0] = kv_str_ref(p.data, p.len);
    args[1] = bytes("a");
    call_v(&k, "regex.match", args, 2);
    expect_json(&k, "true");
    ks_buf_reset(&p);
    ks_buf_fill(&p, '(', 1000);
    ks_buf_fill(&p, ')', 1000);
    args[0] = kv_str_ref(p.data, p.len);
    call_v(&k, "regex.match", args, 2);
    assert_int_equal(k.rc, RG_EBUILTIN);
    assert_non_null(strstr(k.msg, "expression nests too deeply: `((("));
    /* non-capturing groups leave no node behind */
    ks_buf_reset(&p);
    for (int i = 0; i < 1500; i++)
        ks_buf_puts(&p, "(?:");
    ks_buf_putc(&p, 'a');
    ks_buf_fill(&p, ')', 1500);
    args[0] = kv_str_ref(p.data, p.len);
    call_v(&k, "regex.match", args, 2);
    expect_json(&k, "true");

    /* size: RE2's budget refuses what would need too much memory */
    ks_buf_reset(&p);
    for (int i = 0; i < 5; i++)
        ks_buf_puts(&p, "\\pL{1000}");
    args[0] = kv_str_ref(p.data, p.len);
    call_v(&k, "regex.match", args, 2);
    assert_int_equal(k.rc, RG_EBUILTIN);
    assert_non_null(strstr(k.msg, "error parsing regexp: expression too large: `\\pL{1000}"));
    ks_buf_free(&p);
    call_fini(&k);
}

/* ---- long subjects: linear work, one compilation per pattern ---- */

static void test_long_subject(void **state)
{
    call k;
    call_init(&k, *state);
    size_t n = 200000;
    char *s = ks_arena_alloc_bytes(k.a, n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = "ab"[i % 2];
    s[n] = '\0';
    kv_value args[3] = {bytes("b"), kv_str_ref(s, n), kv_int(-1)};
    call_v(&k, "regex.find_n", args, 3);
    assert_int_equal(k.rc, RG_OK);
    assert_int_equal(k.out.len, n / 2);
    args[2] = kv_int(3);
    call_v(&k, "regex.find_n", args, 3);
    assert_int_equal(k.out.len, 3);
    /* a pathological pattern for backtracking engines stays linear */
    args[0] = bytes("^(a|ab|b)*c$");
    call_v(&k, "regex.match", args, 2);
    expect_json(&k, "false");
    /* the pattern was compiled once and cached */
    rg_bctx c = {.arena = k.a, .cache = k.cache};
    assert_non_null(rg_bi_cache_get(&c, "re2", "b", 1));
    assert_null(rg_bi_cache_get(&c, "re2", "c", 1));
    call_fini(&k);
}

/* ---- without a cache, patterns are compiled for the call ---- */

static void test_no_cache(void **state)
{
    ks_arena *a = *state;
    ks_buf msg = KS_BUF_INIT;
    rg_bctx c = {.arena = a, .name = "regex.replace", .err_msg = &msg};
    kv_value args[3] = {bytes("aXbX"), bytes("X"), bytes("-")};
    kv_value out;
    assert_int_equal(rg_builtin_lookup("regex.replace", 13)->fn(&c, args, &out), RG_OK);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.u.s, "a-b-", 4);
    args[0] = bytes("*.x");
    args[1] = kv_null();
    args[2] = bytes("a.x");
    c.name = "glob.match";
    assert_int_equal(rg_builtin_lookup("glob.match", 10)->fn(&c, args, &out), RG_OK);
    assert_true(out.u.b);
    ks_buf_free(&msg);
}

/* ---- globs_match: a search with a step budget ---- */

static void test_globs_budget(void **state)
{
    call k;
    call_init(&k, *state);
    ks_buf a = KS_BUF_INIT, b = KS_BUF_INIT;
    for (int i = 0; i < 40; i++)
        ks_buf_puts(&a, "a*.*");
    ks_buf_putc(&a, 'c');
    ks_buf_fill(&b, 'a', 60);
    ks_buf_putc(&b, 'b');
    kv_value args[2] = {kv_str_ref(a.data, a.len), kv_str_ref(b.data, b.len)};
    call_v(&k, "regex.globs_match", args, 2);
    /* either decided or refused with an error, never unbounded */
    assert_true(k.rc == RG_OK || k.rc == RG_EBUILTIN);
    ks_buf_free(&a);
    ks_buf_free(&b);
    call_fini(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_table),    cmocka_unit_test(test_invalid_utf8),
            cmocka_unit_test(test_patterns), cmocka_unit_test(test_long_subject),
            cmocka_unit_test(test_no_cache), cmocka_unit_test(test_globs_budget),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
