/* String builtins: strings.*, sprintf, format_int, units, semver, and the
 * Rego text of values. Expected results were checked against OPA v1.22.3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitest.h"

#include "rego/bi_strings.h"

/* Calls builtin name on the items of the array value args. */
static bt_result call_args(ks_arena *a, const char *name, const kv_value *args)
{
    return bt_run(a, name, args->u.items, args->len);
}

static void expect_bytes(const bt_result *r, const char *want, size_t n)
{
    if (r->rc != RG_OK)
        fail_msg("want a result, got rc %d: %s", r->rc, r->msg);
    assert_int_equal(kv_kind_of(&r->out), KV_STRING);
    if (r->out.len != n || memcmp(r->out.u.s, want, n) != 0)
        fail_msg("want \"%.*s\" (%zu bytes), got \"%.*s\" (%u bytes)", (int)n, want, n,
                 (int)r->out.len, r->out.u.s, r->out.len);
}

static void expect_str(ks_arena *a, const char *name, const char *args, const char *want)
{
    bt_result r = bt_run_json(a, name, args);
    expect_bytes(&r, want, strlen(want));
}

/* ---- cases checked against opa eval --strict-builtin-errors ---- */

typedef struct bcase {
    const char *fn;
    const char *args; /* JSON array */
    const char *want; /* JSON of the result, or the error message */
    int err;          /* enum rg_errcode, or -1 for a result */
} bcase;

static const bcase cases[] = {
        /* clang-format off */
        {"sprintf", "[\"%v\", [1]]", "\"1\"", -1},
        {"sprintf", "[\"%d\", [-42]]", "\"-42\"", -1},
        {"sprintf", "[\"%s\", [\"foo\"]]", "\"foo\"", -1},
        {"sprintf", "[\"%d\", [\"foo\"]]", "\"%!d(string=foo)\"", -1},
        {"sprintf", "[\"%d %d\", [1]]", "\"1 %!d(MISSING)\"", -1},
        {"sprintf", "[\"%d\", [1, 2]]", "\"1%!(EXTRA int64=2)\"", -1},
        {"sprintf", "[\"%d\", [1, \"x\", [1]]]", "\"1%!(EXTRA string=x, string=[1])\"", -1},
        {"sprintf", "[\"%v\", [[1, \"a\"]]]", "\"[1, \\\"a\\\"]\"", -1},
        {"sprintf", "[\"%v\", [{\"b\": 1, \"a\": [2.5]}]]", "\"{\\\"a\\\": [2.5], \\\"b\\\": 1}\"", -1},
        {"sprintf", "[\"%s\", [true]]", "\"true\"", -1},
        {"sprintf", "[\"%t\", [true]]", "\"%!t(string=true)\"", -1},
        {"sprintf", "[\"%v\", [null]]", "\"null\"", -1},
        {"sprintf", "[\"%v\", [[]]]", "\"[]\"", -1},
        {"sprintf", "[\"%v\", [{}]]", "\"{}\"", -1},
        {"sprintf", "[\"%5d|%-5d|%05d\", [42, 42, 42]]", "\"   42|42   |00042\"", -1},
        {"sprintf", "[\"%+d % d\", [5, 5]]", "\"+5  5\"", -1},
        {"sprintf", "[\"%x %X %o %O %b\", [255, 255, 8, 8, 5]]", "\"ff FF 10 0o10 101\"", -1},
        {"sprintf", "[\"%#x %#o %#b\", [255, 8, 5]]", "\"0xff 010 0b101\"", -1},
        {"sprintf", "[\"%.2f\", [3.14159]]", "\"3.14\"", -1},
        {"sprintf", "[\"%8.3f|\", [-3.14159]]", "\"  -3.142|\"", -1},
        {"sprintf", "[\"%e\", [123456.789]]", "\"1.234568e+05\"", -1},
        {"sprintf", "[\"%E\", [0.000123]]", "\"1.230000E-04\"", -1},
        {"sprintf", "[\"%g %G\", [1e+21, 1e-07]]", "\"1e+21 1E-07\"", -1},
        {"sprintf", "[\"%v\", [1e+100]]", "\"1e+100\"", -1},
        {"sprintf", "[\"%v\", [0.1]]", "\"0.1\"", -1},
        {"sprintf", "[\"%v\", [1.5e-07]]", "\"1.5e-07\"", -1},
        {"sprintf", "[\"%v\", [123456.5]]", "\"123456.5\"", -1},
        {"sprintf", "[\"%v\", [1234567.5]]", "\"1.2345675e+06\"", -1},
        {"sprintf", "[\"%q\", [\"a\\\"b\\n\"]]", "\"\\\"a\\\\\\\"b\\\\n\\\"\"", -1},
        {"sprintf", "[\"%#q\", [\"ab\"]]", "\"`ab`\"", -1},
        {"sprintf", "[\"%+q\", [\"h\\u00e9llo\"]]", "\"\\\"h\\\\u00e9llo\\\"\"", -1},
        {"sprintf", "[\"%x\", [\"hi\"]]", "\"6869\"", -1},
        {"sprintf", "[\"% X\", [\"hi\"]]", "\"68 69\"", -1},
        {"sprintf", "[\"%c\", [65]]", "\"A\"", -1},
        {"sprintf", "[\"%U\", [128512]]", "\"U+1F600\"", -1},
        {"sprintf", "[\"%#U\", [128512]]", "\"U+1F600 '\\ud83d\\ude00'\"", -1},
        {"sprintf", "[\"%T %T %T %T\", [1, 1.5, \"s\", [1]]]", "\"int64 float64 string string\"", -1},
        {"sprintf", "[\"%%\", []]", "\"%\"", -1},
        {"sprintf", "[\"%!\", []]", "\"%!!(MISSING)\"", -1},
        {"sprintf", "[\"%z\", [1]]", "\"%!z(int64=1)\"", -1},
        {"sprintf", "[\"%[2]d %[1]d\", [1, 2]]", "\"2 1\"", -1},
        {"sprintf", "[\"%[3]d\", [1]]", "\"%!d(BADINDEX)\"", -1},
        {"sprintf", "[\"%*d|\", [5, 1]]", "\"    1|\"", -1},
        {"sprintf", "[\"%.*f\", [2, 3.14159]]", "\"3.14\"", -1},
        {"sprintf", "[\"%*d\", [1.5, 1]]", "\"%!(BADWIDTH)1\"", -1},
        {"sprintf", "[\"%-10s|\", [\"h\\u00e9llo\"]]", "\"h\\u00e9llo     |\"", -1},
        {"sprintf", "[\"%.2s\", [\"h\\u00e9llo\"]]", "\"h\\u00e9\"", -1},
        {"sprintf", "[\"%5.1s|\", [\"\\u65e5\\u672c\"]]", "\"    \\u65e5|\"", -1},
        {"sprintf", "[\"%d\", [[1.5]]]", "\"%!d(string=[1.5])\"", -1},
        {"sprintf", "[\"%.2f\", [1]]", "\"%!f(int64=01)\"", -1},
        {"sprintf", "[\"%d\", [0.5]]", "\"%!d(float64=0.5)\"", -1},
        {"sprintf", "[\"%v\", [1e-06]]", "\"1e-06\"", -1},
        {"sprintf", "[\"%v\", [1e-07]]", "\"1e-07\"", -1},
        {"sprintf", "[\"%x\", [3.14159]]", "\"0x1.921f9f01b866ep+01\"", -1},
        {"sprintf", "[\"%b\", [1.5]]", "\"6755399441055744p-52\"", -1},
        {"sprintf", "[\"%.0f %.0f\", [2.5, 3.5]]", "\"2 4\"", -1},
        {"sprintf", "[\"%.1f\", [-0.01]]", "\"-0.0\"", -1},
        {"sprintf", "[\"%w\", [\"x\"]]", "\"%!w(string=x)\"", -1},
        {"sprintf", "[\"%#v %+v\", [\"x\", 5]]", "\"\\\"x\\\" 5\"", -1},
        {"sprintf", "[\"%010.3f|%-010.3f|\", [-3.14159, 3.14159]]", "\"-00003.142|3.142     |\"", -1},
        {"sprintf", "[\"x%-\", [1]]", "\"x%!(NOVERB)%!(EXTRA int64=1)\"", -1},
        {"sprintf", "[\"%\\u00e9\", [1]]", "\"%!\\u00e9(int64=1)\"", -1},
        {"sprintf", "[\"%v\", [{\"k\\u00e9\\n\\u0000\\u2028\\u00ad\": \"\177\"}]]", "\"{\\\"k\\u00e9\\\\n\\\\x00\\\\u2028\\\\u00ad\\\": \\\"\\\\x7f\\\"}\"", -1},
        {"sprintf", "[\"%s\", [12345678901234567890123]]", "\"12345678901234567890123\"", -1},
        {"sprintf", "[\"%v\", [12345678901234567890123]]", "\"12345678901234567890123\"", -1},
        {"sprintf", "[\"%d\", [12345678901234567890123]]", "\"12345678901234567890123\"", -1},
        {"sprintf", "[\"%x\", [12345678901234567890123]]", "\"29d42b64e76714244cb\"", -1},
        {"sprintf", "[\"%X\", [12345678901234567890123]]", "\"29D42B64E76714244CB\"", -1},
        {"sprintf", "[\"%o\", [12345678901234567890123]]", "\"2472412662347316120442313\"", -1},
        {"sprintf", "[\"%b\", [12345678901234567890123]]", "\"10100111010100001010110110010011100111011001110001010000100100010011001011\"", -1},
        {"sprintf", "[\"%#x\", [12345678901234567890123]]", "\"0x29d42b64e76714244cb\"", -1},
        {"sprintf", "[\"%+d\", [12345678901234567890123]]", "\"+12345678901234567890123\"", -1},
        {"sprintf", "[\"%30d\", [12345678901234567890123]]", "\"       12345678901234567890123\"", -1},
        {"sprintf", "[\"%.30d\", [12345678901234567890123]]", "\"000000012345678901234567890123\"", -1},
        {"sprintf", "[\"%q\", [12345678901234567890123]]", "\"%!q(big.Int=12345678901234567890123)\"", -1},
        {"sprintf", "[\"%c\", [12345678901234567890123]]", "\"%!c(big.Int=12345678901234567890123)\"", -1},
        {"sprintf", "[\"%w\", [12345678901234567890123]]", "\"%!w(*big.Int=&{false [4807115922877859019 669]})\"", -1},
        {"sprintf", "[\"%e\", [12345678901234567890123]]", "\"%!e(big.Int=12345678901234567890123)\"", -1},
        {"sprintf", "[\"%T\", [12345678901234567890123]]", "\"*big.Int\"", -1},
        {"sprintf", "[\"%v %d\", [-18446744073709551616, 9223372036854775808]]", "\"-18446744073709551616 9223372036854775808\"", -1},
        {"sprintf", "[\"%v %d %s\", [1e400, 1e400, 1e400]]", "\"1e400 %!d(string=1e400) 1e400\"", -1},
        {"sprintf", "[1, [1]]", "sprintf: operand 1 must be string but got number", RG_ERR_TYPE},
        {"sprintf", "[\"%d\", 1]", "sprintf: operand 2 must be array but got number", RG_ERR_TYPE},
        {"lower", "[\"\"]", "\"\"", -1},
        {"upper", "[\"\"]", "\"\"", -1},
        {"lower", "[\"abc\"]", "\"abc\"", -1},
        {"upper", "[\"abc\"]", "\"ABC\"", -1},
        {"lower", "[\"h\\u00e9llo\"]", "\"h\\u00e9llo\"", -1},
        {"upper", "[\"h\\u00e9llo\"]", "\"H\\u00c9LLO\"", -1},
        {"lower", "[\"\\u01c5\\u01c6\\u01c4\"]", "\"\\u01c6\\u01c6\\u01c6\"", -1},
        {"upper", "[\"\\u01c5\\u01c6\\u01c4\"]", "\"\\u01c4\\u01c4\\u01c4\"", -1},
        {"lower", "[\"\\u03a3\\u0391\\u03a3\"]", "\"\\u03c3\\u03b1\\u03c3\"", -1},
        {"upper", "[\"\\u03a3\\u0391\\u03a3\"]", "\"\\u03a3\\u0391\\u03a3\"", -1},
        {"lower", "[\"\\u00df\"]", "\"\\u00df\"", -1},
        {"upper", "[\"\\u00df\"]", "\"\\u00df\"", -1},
        {"lower", "[\"\\u0130\\u0131\"]", "\"i\\u0131\"", -1},
        {"upper", "[\"\\u0130\\u0131\"]", "\"\\u0130I\"", -1},
        {"lower", "[\"\\u1f88\"]", "\"\\u1f80\"", -1},
        {"upper", "[\"\\u1f88\"]", "\"\\u1f88\"", -1},
        {"lower", "[\"\\ud801\\udc00\\ud801\\udc28\"]", "\"\\ud801\\udc28\\ud801\\udc28\"", -1},
        {"upper", "[\"\\ud801\\udc00\\ud801\\udc28\"]", "\"\\ud801\\udc00\\ud801\\udc00\"", -1},
        {"lower", "[\"\\u017fK\"]", "\"\\u017fk\"", -1},
        {"upper", "[\"\\u017fK\"]", "\"SK\"", -1},
        {"lower", "[\"\\u00b5\"]", "\"\\u00b5\"", -1},
        {"upper", "[\"\\u00b5\"]", "\"\\u039c\"", -1},
        {"trim_space", "[\"  \\t\\n x \\u00a0\\u2003\"]", "\"x\"", -1},
        {"trim_space", "[\"\\u0085x\\u0085\"]", "\"x\"", -1},
        {"trim_space", "[\"x\\u200b\"]", "\"x\\u200b\"", -1},
        {"trim_space", "[\"\"]", "\"\"", -1},
        {"trim_space", "[\"   \"]", "\"\"", -1},
        {"strings.reverse", "[\"\"]", "\"\"", -1},
        {"strings.reverse", "[\"abc\"]", "\"cba\"", -1},
        {"strings.reverse", "[\"h\\u00e9llo\"]", "\"oll\\u00e9h\"", -1},
        {"strings.reverse", "[\"\\u65e5\\u672c\\u8a9e\"]", "\"\\u8a9e\\u672c\\u65e5\"", -1},
        {"strings.reverse", "[\"a\\ud83d\\ude00b\"]", "\"b\\ud83d\\ude00a\"", -1},
        {"lower", "[1]", "lower: operand 1 must be string but got number", RG_ERR_TYPE},
        {"trim_space", "[1]", "trim_space: operand 1 must be string but got number", RG_ERR_TYPE},
        {"strings.reverse", "[1]", "strings.reverse: operand 1 must be string but got number", RG_ERR_TYPE},
        {"units.parse", "[1]", "units.parse: operand 1 must be string but got number", RG_ERR_TYPE},
        {"units.parse_bytes", "[1]", "units.parse_bytes: operand 1 must be string but got number", RG_ERR_TYPE},
        {"semver.is_valid", "[1]", "false", -1},
        {"semver.is_valid", "[null]", "false", -1},
        {"indexof", "[\"abcabc\", \"b\"]", "1", -1},
        {"indexof_n", "[\"abcabc\", \"b\"]", "[1, 4]", -1},
        {"strings.count", "[\"abcabc\", \"b\"]", "2", -1},
        {"split", "[\"abcabc\", \"b\"]", "[\"a\", \"ca\", \"c\"]", -1},
        {"indexof", "[\"abcabc\", \"\"]", "indexof: empty search character", RG_ERR_BUILTIN},
        {"indexof_n", "[\"abcabc\", \"\"]", "indexof_n: empty search character", RG_ERR_BUILTIN},
        {"strings.count", "[\"abcabc\", \"\"]", "7", -1},
        {"split", "[\"abcabc\", \"\"]", "[\"a\", \"b\", \"c\", \"a\", \"b\", \"c\"]", -1},
        {"indexof", "[\"\", \"\"]", "indexof: empty search character", RG_ERR_BUILTIN},
        {"indexof_n", "[\"\", \"\"]", "indexof_n: empty search character", RG_ERR_BUILTIN},
        {"strings.count", "[\"\", \"\"]", "1", -1},
        {"split", "[\"\", \"\"]", "[]", -1},
        {"indexof", "[\"h\\u00e9llo\", \"l\"]", "2", -1},
        {"indexof_n", "[\"h\\u00e9llo\", \"l\"]", "[2, 3]", -1},
        {"strings.count", "[\"h\\u00e9llo\", \"l\"]", "2", -1},
        {"split", "[\"h\\u00e9llo\", \"l\"]", "[\"h\\u00e9\", \"\", \"o\"]", -1},
        {"indexof", "[\"h\\u00e9llo\", \"\\u00e9\"]", "1", -1},
        {"indexof_n", "[\"h\\u00e9llo\", \"\\u00e9\"]", "[1]", -1},
        {"strings.count", "[\"h\\u00e9llo\", \"\\u00e9\"]", "1", -1},
        {"split", "[\"h\\u00e9llo\", \"\\u00e9\"]", "[\"h\", \"llo\"]", -1},
        {"indexof", "[\"\\u03bcx\", \"x\"]", "1", -1},
        {"indexof_n", "[\"\\u03bcx\", \"x\"]", "[1]", -1},
        {"strings.count", "[\"\\u03bcx\", \"x\"]", "1", -1},
        {"split", "[\"\\u03bcx\", \"x\"]", "[\"\\u03bc\", \"\"]", -1},
        {"indexof", "[\"\\u03bc\", \"\\u03bc\\u03bc\"]", "-1", -1},
        {"indexof_n", "[\"\\u03bc\", \"\\u03bc\\u03bc\"]", "[]", -1},
        {"strings.count", "[\"\\u03bc\", \"\\u03bc\\u03bc\"]", "0", -1},
        {"split", "[\"\\u03bc\", \"\\u03bc\\u03bc\"]", "[\"\\u03bc\"]", -1},
        {"indexof", "[\"sk\\u00f6n var v\\u00e5ren\", \"v\\u00e5r\"]", "9", -1},
        {"indexof_n", "[\"sk\\u00f6n var v\\u00e5ren\", \"v\\u00e5r\"]", "[9]", -1},
        {"strings.count", "[\"sk\\u00f6n var v\\u00e5ren\", \"v\\u00e5r\"]", "1", -1},
        {"split", "[\"sk\\u00f6n var v\\u00e5ren\", \"v\\u00e5r\"]", "[\"sk\\u00f6n var \", \"en\"]", -1},
        {"indexof", "[\"aaaa\", \"aa\"]", "0", -1},
        {"indexof_n", "[\"aaaa\", \"aa\"]", "[0, 1, 2]", -1},
        {"strings.count", "[\"aaaa\", \"aa\"]", "2", -1},
        {"split", "[\"aaaa\", \"aa\"]", "[\"\", \"\", \"\"]", -1},
        {"indexof", "[\"a\\u00e9a\\u00e9a\\u00e9\", \"a\\u00e9\"]", "0", -1},
        {"indexof_n", "[\"a\\u00e9a\\u00e9a\\u00e9\", \"a\\u00e9\"]", "[0, 2, 4]", -1},
        {"strings.count", "[\"a\\u00e9a\\u00e9a\\u00e9\", \"a\\u00e9\"]", "3", -1},
        {"split", "[\"a\\u00e9a\\u00e9a\\u00e9\", \"a\\u00e9\"]", "[\"\", \"\", \"\", \"\"]", -1},
        {"indexof", "[\"ab\", \"abc\"]", "-1", -1},
        {"indexof_n", "[\"ab\", \"abc\"]", "[]", -1},
        {"strings.count", "[\"ab\", \"abc\"]", "0", -1},
        {"split", "[\"ab\", \"abc\"]", "[\"ab\"]", -1},
        {"indexof", "[\"\\u65e5\\u672c\\u65e5\\u672c\", \"\\u672c\"]", "1", -1},
        {"indexof_n", "[\"\\u65e5\\u672c\\u65e5\\u672c\", \"\\u672c\"]", "[1, 3]", -1},
        {"strings.count", "[\"\\u65e5\\u672c\\u65e5\\u672c\", \"\\u672c\"]", "2", -1},
        {"split", "[\"\\u65e5\\u672c\\u65e5\\u672c\", \"\\u672c\"]", "[\"\\u65e5\", \"\\u65e5\", \"\"]", -1},
        {"contains", "[\"abcabc\", \"abc\"]", "true", -1},
        {"contains", "[\"abc\", \"\"]", "true", -1},
        {"contains", "[\"\", \"a\"]", "false", -1},
        {"contains", "[\"h\\u00e9llo\", \"\\u00e9\"]", "true", -1},
        {"contains", "[\"h\\u00e9llo\", \"o\"]", "true", -1},
        {"startswith", "[\"abcabc\", \"abc\"]", "true", -1},
        {"startswith", "[\"abc\", \"\"]", "true", -1},
        {"startswith", "[\"\", \"a\"]", "false", -1},
        {"startswith", "[\"h\\u00e9llo\", \"\\u00e9\"]", "false", -1},
        {"startswith", "[\"h\\u00e9llo\", \"o\"]", "false", -1},
        {"endswith", "[\"abcabc\", \"abc\"]", "true", -1},
        {"endswith", "[\"abc\", \"\"]", "true", -1},
        {"endswith", "[\"\", \"a\"]", "false", -1},
        {"endswith", "[\"h\\u00e9llo\", \"\\u00e9\"]", "false", -1},
        {"endswith", "[\"h\\u00e9llo\", \"o\"]", "true", -1},
        {"trim_prefix", "[\"abcabc\", \"abc\"]", "\"abc\"", -1},
        {"trim_prefix", "[\"abc\", \"\"]", "\"abc\"", -1},
        {"trim_prefix", "[\"\", \"a\"]", "\"\"", -1},
        {"trim_prefix", "[\"h\\u00e9llo\", \"\\u00e9\"]", "\"h\\u00e9llo\"", -1},
        {"trim_prefix", "[\"h\\u00e9llo\", \"o\"]", "\"h\\u00e9llo\"", -1},
        {"trim_suffix", "[\"abcabc\", \"abc\"]", "\"abc\"", -1},
        {"trim_suffix", "[\"abc\", \"\"]", "\"abc\"", -1},
        {"trim_suffix", "[\"\", \"a\"]", "\"\"", -1},
        {"trim_suffix", "[\"h\\u00e9llo\", \"\\u00e9\"]", "\"h\\u00e9llo\"", -1},
        {"trim_suffix", "[\"h\\u00e9llo\", \"o\"]", "\"h\\u00e9ll\"", -1},
        {"indexof", "[1, \"a\"]", "indexof: operand 1 must be string but got number", RG_ERR_TYPE},
        {"indexof", "[\"a\", [1]]", "indexof: operand 2 must be string but got array", RG_ERR_TYPE},
        {"contains", "[1, \"a\"]", "contains: operand 1 must be string but got number", RG_ERR_TYPE},
        {"contains", "[\"a\", [1]]", "contains: operand 2 must be string but got array", RG_ERR_TYPE},
        {"split", "[1, \"a\"]", "split: operand 1 must be string but got number", RG_ERR_TYPE},
        {"split", "[\"a\", [1]]", "split: operand 2 must be string but got array", RG_ERR_TYPE},
        {"trim", "[1, \"a\"]", "trim: operand 1 must be string but got number", RG_ERR_TYPE},
        {"trim", "[\"a\", [1]]", "trim: operand 2 must be string but got array", RG_ERR_TYPE},
        {"trim_prefix", "[1, \"a\"]", "trim_prefix: operand 1 must be string but got number", RG_ERR_TYPE},
        {"trim_prefix", "[\"a\", [1]]", "trim_prefix: operand 2 must be string but got array", RG_ERR_TYPE},
        {"substring", "[\"abcdef\", 1, 3]", "\"bcd\"", -1},
        {"substring", "[\"abcdef\", 2, -1]", "\"cdef\"", -1},
        {"substring", "[\"abcdef\", 0, 100]", "\"abcdef\"", -1},
        {"substring", "[\"abcdef\", 10, 1]", "\"\"", -1},
        {"substring", "[\"abcdef\", 0, 0]", "\"\"", -1},
        {"substring", "[\"h\\u00e9llo w\\u00f6rld\", 1, 4]", "\"\\u00e9llo\"", -1},
        {"substring", "[\"h\\u00e9llo w\\u00f6rld\", 7, -1]", "\"\\u00f6rld\"", -1},
        {"substring", "[\"h\\u00e9llo\", 0, 5]", "\"h\\u00e9llo\"", -1},
        {"substring", "[\"\", 0, 1]", "\"\"", -1},
        {"substring", "[\"abc\", 1, 9223372036854775807]", "\"bc\"", -1},
        {"substring", "[\"abc\", -1, 1]", "substring: negative offset", RG_ERR_BUILTIN},
        {"substring", "[\"abc\", 1.5, 1]", "substring: operand 2 must be integer number but got floating-point number", RG_ERR_TYPE},
        {"substring", "[\"abc\", 1, \"1\"]", "substring: operand 3 must be number but got string", RG_ERR_TYPE},
        {"strings.split_n", "[\"a.b.c.d\", \".\", 2]", "[\"a\", \"b\"]", -1},
        {"strings.split_n", "[\"a.b.c.d\", \".\", 0]", "[]", -1},
        {"strings.split_n", "[\"a.b.c.d\", \".\", -2]", "[\"c\", \"d\"]", -1},
        {"strings.split_n", "[\"a.b.c.d\", \".\", -10]", "[\"a\", \"b\", \"c\", \"d\"]", -1},
        {"strings.split_n", "[\"a.b.c.d\", \".\", 10]", "[\"a\", \"b\", \"c\", \"d\"]", -1},
        {"strings.split_n", "[\"abc\", \"\", 2]", "[\"a\", \"b\"]", -1},
        {"strings.split_n", "[\"abc\", \"\", -2]", "[\"b\", \"c\"]", -1},
        {"strings.split_n", "[\"\", \".\", 2]", "[\"\"]", -1},
        {"strings.split_n", "[\"a.b\", \".\", 9223372036854775807]", "[\"a\", \"b\"]", -1},
        {"strings.split_n", "[\"a\", \".\", 1.5]", "strings.split_n: operand 3 must be integer number but got floating-point number", RG_ERR_TYPE},
        {"replace", "[\"abcabc\", \"b\", \"X\"]", "\"aXcaXc\"", -1},
        {"replace", "[\"abcabc\", \"\", \"-\"]", "\"-a-b-c-a-b-c-\"", -1},
        {"replace", "[\"h\\u00e9llo\", \"\", \"-\"]", "\"-h-\\ufffd-\\ufffd-l-l-o-\"", -1},
        {"replace", "[\"aaa\", \"aa\", \"b\"]", "\"ba\"", -1},
        {"replace", "[\"abc\", \"abc\", \"\"]", "\"\"", -1},
        {"replace", "[\"\", \"\", \"x\"]", "\"x\"", -1},
        {"strings.replace_n", "[{\"a\": \"1\", \"b\": \"2\"}, \"abcab\"]", "\"12c12\"", -1},
        {"strings.replace_n", "[{\"\": \"X\", \"a\": \"1\"}, \"ab\"]", "\"X1XbX\"", -1},
        {"strings.replace_n", "[{\"ab\": \"X\", \"a\": \"Y\"}, \"aab\"]", "\"YYb\"", -1},
        {"strings.replace_n", "[{\"a\": \"b\", \"b\": \"a\"}, \"abab\"]", "\"baba\"", -1},
        {"strings.replace_n", "[{}, \"abc\"]", "\"abc\"", -1},
        {"strings.replace_n", "[{\"aa\": \"1\", \"a\": \"2\"}, \"aaa\"]", "\"222\"", -1},
        {"strings.replace_n", "[{\"a\": 1}, \"abc\"]", "strings.replace_n: operand 1 non-string value found in pattern object", RG_ERR_TYPE},
        {"strings.replace_n", "[[\"a\"], \"abc\"]", "strings.replace_n: operand 1 must be object but got array", RG_ERR_TYPE},
        {"trim", "[\"aabaa\", \"\"]", "\"aabaa\"", -1},
        {"trim_left", "[\"aabaa\", \"\"]", "\"aabaa\"", -1},
        {"trim_right", "[\"aabaa\", \"\"]", "\"aabaa\"", -1},
        {"trim", "[\"\\u00e9a\\u00e9x\\u00e9\", \"\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim_left", "[\"\\u00e9a\\u00e9x\\u00e9\", \"\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim_right", "[\"\\u00e9a\\u00e9x\\u00e9\", \"\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim", "[\"aabaa\", \"a\"]", "\"b\"", -1},
        {"trim_left", "[\"aabaa\", \"a\"]", "\"baa\"", -1},
        {"trim_right", "[\"aabaa\", \"a\"]", "\"aab\"", -1},
        {"trim", "[\"\\u00e9a\\u00e9x\\u00e9\", \"a\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim_left", "[\"\\u00e9a\\u00e9x\\u00e9\", \"a\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim_right", "[\"\\u00e9a\\u00e9x\\u00e9\", \"a\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim", "[\"aabaa\", \"ab\"]", "\"\"", -1},
        {"trim_left", "[\"aabaa\", \"ab\"]", "\"\"", -1},
        {"trim_right", "[\"aabaa\", \"ab\"]", "\"\"", -1},
        {"trim", "[\"\\u00e9a\\u00e9x\\u00e9\", \"ab\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim_left", "[\"\\u00e9a\\u00e9x\\u00e9\", \"ab\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim_right", "[\"\\u00e9a\\u00e9x\\u00e9\", \"ab\"]", "\"\\u00e9a\\u00e9x\\u00e9\"", -1},
        {"trim", "[\"aabaa\", \"\\u00e9\"]", "\"aabaa\"", -1},
        {"trim_left", "[\"aabaa\", \"\\u00e9\"]", "\"aabaa\"", -1},
        {"trim_right", "[\"aabaa\", \"\\u00e9\"]", "\"aabaa\"", -1},
        {"trim", "[\"\\u00e9a\\u00e9x\\u00e9\", \"\\u00e9\"]", "\"a\\u00e9x\"", -1},
        {"trim_left", "[\"\\u00e9a\\u00e9x\\u00e9\", \"\\u00e9\"]", "\"a\\u00e9x\\u00e9\"", -1},
        {"trim_right", "[\"\\u00e9a\\u00e9x\\u00e9\", \"\\u00e9\"]", "\"\\u00e9a\\u00e9x\"", -1},
        {"trim", "[\"aabaa\", \"a\\u00e9\"]", "\"b\"", -1},
        {"trim_left", "[\"aabaa\", \"a\\u00e9\"]", "\"baa\"", -1},
        {"trim_right", "[\"aabaa\", \"a\\u00e9\"]", "\"aab\"", -1},
        {"trim", "[\"\\u00e9a\\u00e9x\\u00e9\", \"a\\u00e9\"]", "\"x\"", -1},
        {"trim_left", "[\"\\u00e9a\\u00e9x\\u00e9\", \"a\\u00e9\"]", "\"x\\u00e9\"", -1},
        {"trim_right", "[\"\\u00e9a\\u00e9x\\u00e9\", \"a\\u00e9\"]", "\"\\u00e9a\\u00e9x\"", -1},
        {"concat", "[\",\", [\"a\", \"b\"]]", "\"a,b\"", -1},
        {"concat", "[\"\", [\"a\", \"b\"]]", "\"ab\"", -1},
        {"concat", "[\", \", []]", "\"\"", -1},
        {"concat", "[\"-\", [\"x\"]]", "\"x\"", -1},
        {"concat", "[\"-\", [1]]", "concat: operand 2 must be array of strings but got array containing number", RG_ERR_TYPE},
        {"concat", "[\"-\", [\"a\", 1]]", "concat: operand 2 must be array of strings but got array containing number", RG_ERR_TYPE},
        {"concat", "[1, [\"a\"]]", "concat: operand 1 must be string but got number", RG_ERR_TYPE},
        {"concat", "[\"-\", \"ab\"]", "concat: operand 2 must be one of {set, array} but got string", RG_ERR_TYPE},
        {"strings.any_prefix_match", "[\"abc\", \"a\"]", "true", -1},
        {"strings.any_suffix_match", "[\"abc\", \"a\"]", "false", -1},
        {"strings.any_prefix_match", "[\"abc\", [\"x\", \"a\"]]", "true", -1},
        {"strings.any_suffix_match", "[\"abc\", [\"x\", \"a\"]]", "false", -1},
        {"strings.any_prefix_match", "[[\"x\", \"ab\"], \"a\"]", "true", -1},
        {"strings.any_suffix_match", "[[\"x\", \"ab\"], \"a\"]", "false", -1},
        {"strings.any_prefix_match", "[[\"x\"], [\"y\", \"x\"]]", "true", -1},
        {"strings.any_suffix_match", "[[\"x\"], [\"y\", \"x\"]]", "true", -1},
        {"strings.any_prefix_match", "[[], [\"a\"]]", "false", -1},
        {"strings.any_suffix_match", "[[], [\"a\"]]", "false", -1},
        {"strings.any_prefix_match", "[\"abc\", \"\"]", "true", -1},
        {"strings.any_suffix_match", "[\"abc\", \"\"]", "true", -1},
        {"strings.any_prefix_match", "[[\"a\", 1], \"a\"]", "strings.any_prefix_match: operand 1 must be array of strings but got array containing number", RG_ERR_TYPE},
        {"strings.any_suffix_match", "[[\"a\", 1], \"a\"]", "strings.any_suffix_match: operand 1 must be array of strings but got array containing number", RG_ERR_TYPE},
        {"strings.any_prefix_match", "[\"a\", [\"a\", 1]]", "strings.any_prefix_match: operand 2 must be array of strings but got array containing number", RG_ERR_TYPE},
        {"strings.any_suffix_match", "[\"a\", [\"a\", 1]]", "strings.any_suffix_match: operand 2 must be array of strings but got array containing number", RG_ERR_TYPE},
        {"strings.any_prefix_match", "[1, \"a\"]", "strings.any_prefix_match: operand 1 must be one of {string, set, array} but got number", RG_ERR_TYPE},
        {"strings.any_suffix_match", "[1, \"a\"]", "strings.any_suffix_match: operand 1 must be one of {string, set, array} but got number", RG_ERR_TYPE},
        {"strings.any_prefix_match", "[\"a\", {\"a\": 1}]", "strings.any_prefix_match: operand 2 must be one of {string, set, array} but got object", RG_ERR_TYPE},
        {"strings.any_suffix_match", "[\"a\", {\"a\": 1}]", "strings.any_suffix_match: operand 2 must be one of {string, set, array} but got object", RG_ERR_TYPE},
        {"strings.any_prefix_match", "[\"h\\u00e9llo\", [\"o\", \"x\"]]", "false", -1},
        {"strings.any_suffix_match", "[\"h\\u00e9llo\", [\"o\", \"x\"]]", "true", -1},
        {"format_int", "[0, 2]", "\"0\"", -1},
        {"format_int", "[0, 8]", "\"0\"", -1},
        {"format_int", "[0, 10]", "\"0\"", -1},
        {"format_int", "[0, 16]", "\"0\"", -1},
        {"format_int", "[255, 2]", "\"11111111\"", -1},
        {"format_int", "[255, 8]", "\"377\"", -1},
        {"format_int", "[255, 10]", "\"255\"", -1},
        {"format_int", "[255, 16]", "\"ff\"", -1},
        {"format_int", "[-255, 2]", "\"-11111111\"", -1},
        {"format_int", "[-255, 8]", "\"-377\"", -1},
        {"format_int", "[-255, 10]", "\"-255\"", -1},
        {"format_int", "[-255, 16]", "\"-ff\"", -1},
        {"format_int", "[15.9, 2]", "\"1111\"", -1},
        {"format_int", "[15.9, 8]", "\"17\"", -1},
        {"format_int", "[15.9, 10]", "\"15\"", -1},
        {"format_int", "[15.9, 16]", "\"f\"", -1},
        {"format_int", "[-15.9, 2]", "\"-1111\"", -1},
        {"format_int", "[-15.9, 8]", "\"-17\"", -1},
        {"format_int", "[-15.9, 10]", "\"-15\"", -1},
        {"format_int", "[-15.9, 16]", "\"-f\"", -1},
        {"format_int", "[-0.5, 2]", "\"0\"", -1},
        {"format_int", "[-0.5, 8]", "\"0\"", -1},
        {"format_int", "[-0.5, 10]", "\"0\"", -1},
        {"format_int", "[-0.5, 16]", "\"0\"", -1},
        {"format_int", "[9223372036854775807, 2]", "\"111111111111111111111111111111111111111111111111111111111111111\"", -1},
        {"format_int", "[9223372036854775807, 8]", "\"777777777777777777777\"", -1},
        {"format_int", "[9223372036854775807, 10]", "\"9223372036854775807\"", -1},
        {"format_int", "[9223372036854775807, 16]", "\"7fffffffffffffff\"", -1},
        {"format_int", "[-9223372036854775808, 2]", "\"-1000000000000000000000000000000000000000000000000000000000000000\"", -1},
        {"format_int", "[-9223372036854775808, 8]", "\"-1000000000000000000000\"", -1},
        {"format_int", "[-9223372036854775808, 10]", "\"-9223372036854775808\"", -1},
        {"format_int", "[-9223372036854775808, 16]", "\"-8000000000000000\"", -1},
        {"format_int", "[1e+20, 2]", "\"1010110101111000111010111100010110101100011000100000000000000000000\"", -1},
        {"format_int", "[1e+20, 8]", "\"12657072742654304000000\"", -1},
        {"format_int", "[1e+20, 10]", "\"100000000000000000000\"", -1},
        {"format_int", "[1e+20, 16]", "\"56bc75e2d63100000\"", -1},
        {"format_int", "[1.5e+30, 2]", "\"10010111011101100001011101011001110000110100110101111011001001110000000000000000000000000000000000000\"", -1},
        {"format_int", "[1.5e+30, 8]", "\"2273541353160646573116000000000000\"", -1},
        {"format_int", "[1.5e+30, 10]", "\"1500000000000000000002684354560\"", -1},
        {"format_int", "[1.5e+30, 16]", "\"12eec2eb3869af64e000000000\"", -1},
        {"format_int", "[18446744073709551617, 16]", "\"10000000000000001\"", -1},
        {"format_int", "[-18446744073709551617, 2]", "\"-10000000000000000000000000000000000000000000000000000000000000001\"", -1},
        {"format_int", "[12345678901234567890123456789, 8]", "\"11762033144432766233055616300425\"", -1},
        {"format_int", "[1, 3]", "format_int: operand 2 must be one of {2, 8, 10, 16}", RG_ERR_TYPE},
        {"format_int", "[\"1\", 10]", "format_int: operand 1 must be number but got string", RG_ERR_TYPE},
        {"format_int", "[1, \"10\"]", "format_int: operand 2 must be number but got string", RG_ERR_TYPE},
        {"units.parse", "[\"1K\"]", "1000", -1},
        {"units.parse", "[\"1Ki\"]", "1024", -1},
        {"units.parse", "[\"1M\"]", "1000000", -1},
        {"units.parse", "[\"1m\"]", "0.0010000000", -1},
        {"units.parse", "[\"1Mi\"]", "1048576", -1},
        {"units.parse", "[\"1mi\"]", "1048576", -1},
        {"units.parse", "[\"500m\"]", "0.5000000000", -1},
        {"units.parse", "[\"1.5G\"]", "1500000000", -1},
        {"units.parse", "[\"2Gi\"]", "2147483648", -1},
        {"units.parse", "[\"1E\"]", "1000000000000000000", -1},
        {"units.parse", "[\"1Ei\"]", "1152921504606846976", -1},
        {"units.parse", "[\"1e3\"]", "1000", -1},
        {"units.parse", "[\"1e-3K\"]", "1", -1},
        {"units.parse", "[\"0.1m\"]", "0.0001000000", -1},
        {"units.parse", "[\"1.123456789012345m\"]", "0.0011234568", -1},
        {"units.parse", "[\"-1.5K\"]", "-1500", -1},
        {"units.parse", "[\"1.\"]", "1", -1},
        {"units.parse", "[\"+1\"]", "1", -1},
        {"units.parse", "[\"\"]", "units.parse: units.parse: no amount provided", RG_ERR_BUILTIN},
        {"units.parse", "[\".\"]", "units.parse: units.parse: could not parse amount to a number", RG_ERR_BUILTIN},
        {"units.parse", "[\"1 K\"]", "units.parse: units.parse: spaces not allowed in resource strings", RG_ERR_BUILTIN},
        {"units.parse", "[\"K\"]", "units.parse: units.parse: no amount provided", RG_ERR_BUILTIN},
        {"units.parse", "[\"1x\"]", "units.parse: units.parse: unit x not recognized", RG_ERR_BUILTIN},
        {"units.parse", "[\"\\\"1K\\\"\"]", "1000", -1},
        {"units.parse", "[\"1e1234567\"]", "units.parse: units.parse: exponent too large", RG_ERR_BUILTIN},
        {"units.parse", "[\"1e5e5\"]", "units.parse: units.parse: could not parse amount to a number", RG_ERR_BUILTIN},
        {"units.parse", "[\"12345678901234567890123\"]", "12345678901234567890123", -1},
        {"units.parse", "[\"0.00000000005\"]", "1E-10", -1},
        {"units.parse", "[\"9.99999999995\"]", "10.0000000000", -1},
        {"units.parse", "[\"1KI\"]", "1024", -1},
        {"units.parse", "[\"1e\"]", "1000000000000000000", -1},
        {"units.parse_bytes", "[\"1KB\"]", "1000", -1},
        {"units.parse_bytes", "[\"1kb\"]", "1000", -1},
        {"units.parse_bytes", "[\"1KiB\"]", "1024", -1},
        {"units.parse_bytes", "[\"1Ki\"]", "1024", -1},
        {"units.parse_bytes", "[\"1mb\"]", "1000000", -1},
        {"units.parse_bytes", "[\"1GiB\"]", "1073741824", -1},
        {"units.parse_bytes", "[\"1.1KiB\"]", "1126", -1},
        {"units.parse_bytes", "[\"1.1KB\"]", "1100", -1},
        {"units.parse_bytes", "[\".5KB\"]", "500", -1},
        {"units.parse_bytes", "[\"123456789012345678901\"]", "123456789012345678904", -1},
        {"units.parse_bytes", "[\"-1.5kb\"]", "-1500", -1},
        {"units.parse_bytes", "[\"\"]", "units.parse_bytes: units.parse_bytes: no byte amount provided", RG_ERR_BUILTIN},
        {"units.parse_bytes", "[\"GB\"]", "units.parse_bytes: units.parse_bytes: no byte amount provided", RG_ERR_BUILTIN},
        {"units.parse_bytes", "[\"0.0.0\"]", "units.parse_bytes: units.parse_bytes: could not parse byte amount to a number", RG_ERR_BUILTIN},
        {"units.parse_bytes", "[\"100 kb\"]", "units.parse_bytes: units.parse_bytes: spaces not allowed in resource strings", RG_ERR_BUILTIN},
        {"units.parse_bytes", "[\"10e10000000EiB\"]", "units.parse_bytes: units.parse_bytes: exponent too large", RG_ERR_BUILTIN},
        {"units.parse_bytes", "[\"\\\"100TIB\\\"\"]", "109951162777600", -1},
        {"units.parse_bytes", "[\"10e\"]", "10000000000000000000", -1},
        {"units.parse_bytes", "[\"1e-999\"]", "0", -1},
        {"units.parse_bytes", "[\"0.3kb\"]", "300", -1},
        {"units.parse_bytes", "[\"1x\"]", "units.parse_bytes: units.parse_bytes: byte unit x not recognized", RG_ERR_BUILTIN},
        {"semver.is_valid", "[\"1.0.0\"]", "true", -1},
        {"semver.is_valid", "[\"v1.0.0\"]", "true", -1},
        {"semver.is_valid", "[\"1.0\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0-alpha\"]", "true", -1},
        {"semver.is_valid", "[\"1.0.0-01\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0-0a\"]", "true", -1},
        {"semver.is_valid", "[\"01.0.0\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0+001\"]", "true", -1},
        {"semver.is_valid", "[\"1.0.0-\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0+\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0-a+b+c\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0-a-b\"]", "true", -1},
        {"semver.is_valid", "[\"vv1.0.0\"]", "false", -1},
        {"semver.is_valid", "[\"99999999999999999999.0.0\"]", "false", -1},
        {"semver.is_valid", "[\"1.2.3-\\u00e9\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0-a..b\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0.0\"]", "false", -1},
        {"semver.is_valid", "[\"1.0.0-alpha.1+build.5\"]", "true", -1},
        {"semver.compare", "[\"1.0.0\", \"1.0.1\"]", "-1", -1},
        {"semver.compare", "[\"1.0.0-alpha\", \"1.0.0-alpha.1\"]", "-1", -1},
        {"semver.compare", "[\"1.0.0-alpha.beta\", \"1.0.0-beta\"]", "-1", -1},
        {"semver.compare", "[\"1.0.0-2\", \"1.0.0-11\"]", "-1", -1},
        {"semver.compare", "[\"1.0.0+a\", \"1.0.0+b\"]", "0", -1},
        {"semver.compare", "[\"1.0.0\", \"1.0.0-rc1\"]", "1", -1},
        {"semver.compare", "[\"1.0.0-1\", \"1.0.0-a\"]", "-1", -1},
        {"semver.compare", "[\"2.0.0\", \"10.0.0\"]", "-1", -1},
        {"semver.compare", "[\"1.0.0\", \"1\"]", "semver.compare: operand 2: string \"1\" is not a valid SemVer", RG_ERR_BUILTIN},
        {"semver.compare", "[\"x\", \"1.0.0\"]", "semver.compare: operand 1: string \"x\" is not a valid SemVer", RG_ERR_BUILTIN},
        {"semver.compare", "[1, \"1.0.0\"]", "semver.compare: operand 1 must be string but got number", RG_ERR_TYPE},
        /* clang-format on */
};

/* A string as OPA's JSON output shows it: invalid bytes as U+FFFD. */
static kv_value as_opa_prints(ks_arena *a, const kv_value *s)
{
    ks_buf b = KS_BUF_INIT;
    for (size_t i = 0; i < s->len;) {
        uint32_t r;
        i += rg_rune_decode(s->u.s + i, s->len - i, &r);
        rg_rune_put(&b, r);
    }
    kv_value v;
    assert_int_equal(kv_str_copy(a, ks_buf_cstr(&b), b.len, &v), 0);
    ks_buf_free(&b);
    return v;
}

static void test_cases_match_opa(void **state)
{
    ks_arena *a = *state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bcase *t = &cases[i];
        bt_result r = bt_run_json(a, t->fn, t->args);
        if (t->err >= 0) {
            if (r.rc != RG_EBUILTIN || r.code != t->err || strcmp(r.msg, t->want) != 0) {
                print_error("%s(%s): want error %d \"%s\", got rc %d code %d \"%s\"\n", t->fn,
                            t->args, t->err, t->want, r.rc, r.code, r.msg);
                failures++;
            }
            continue;
        }
        if (r.rc != RG_OK) {
            print_error("%s(%s): want %s, got rc %d \"%s\"\n", t->fn, t->args, t->want, r.rc,
                        r.msg);
            failures++;
            continue;
        }
        /* Compared as JSON text, so that numbers compare by value and
         * invalid UTF-8 reads as U+FFFD on both sides, as in OPA's output. */
        kv_value want = tu_json(a, t->want);
        if (kv_kind_of(&r.out) == KV_STRING)
            r.out = as_opa_prints(a, &r.out);
        char *got_json = tu_to_json(&r.out, KV_JSON_CANONICAL);
        char *want_json = tu_to_json(&want, KV_JSON_CANONICAL);
        if (!kv_equal(&want, &r.out) && strcmp(got_json, want_json) != 0) {
            print_error("%s(%s): want %s, got %s\n", t->fn, t->args, want_json, got_json);
            failures++;
        }
        ks_xfree(got_json);
        ks_xfree(want_json);
    }
    assert_int_equal(failures, 0);
}

/* ---- the Rego text of values ---- */

static char *rego_text(const kv_value *v)
{
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(rg_value_write_rego(&b, v), 0);
    return ks_buf_detach(&b, NULL);
}

static void expect_rego(const kv_value *v, const char *want)
{
    char *got = rego_text(v);
    if (strcmp(got, want) != 0)
        fail_msg("want %s, got %s", want, got);
    ks_xfree(got);
}

static kv_value num(ks_arena *a, const char *text)
{
    kv_value v;
    assert_int_equal(kv_number_parse(a, text, strlen(text), &v), 0);
    return v;
}

static void test_rego_text_scalars(void **state)
{
    ks_arena *a = *state;
    expect_rego(&(kv_value){.kind = KV_NULL}, "null");
    kv_value t = kv_bool(true), f = kv_bool(false);
    expect_rego(&t, "true");
    expect_rego(&f, "false");
    /* ints as digits; doubles as Go's shortest 'g'; decimals as written */
    static const struct {
        const char *text, *want;
    } nums[] = {
            {"0", "0"},
            {"-42", "-42"},
            {"10000000", "10000000"},
            {"9223372036854775807", "9223372036854775807"},
            {"0.1", "0.1"},
            {"0.00000015", "1.5e-07"},
            {"123456.5", "123456.5"},
            {"1234567.5", "1.2345675e+06"},
            {"1e21", "1e+21"},
            {"-2.5e100", "-2.5e+100"},
            {"12345678901234567890", "12345678901234567890"},
            {"1e400", "1e400"},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        kv_value v = num(a, nums[i].text);
        expect_rego(&v, nums[i].want);
    }
    /* strings as strconv.Quote */
    static const char raw[] = "a\"\\\a\b\f\n\r\t\v\x01\x7f\xc2\x80\xc2\xad\xef\xbb\xbf\xe2\x80\xa8"
                              "\xff\xc3\xa9\xf0\x9f\x98\x80";
    kv_value s = kv_str_ref(raw, sizeof raw - 1);
    expect_rego(&s, "\"a\\\"\\\\\\a\\b\\f\\n\\r\\t\\v\\x01\\x7f\\u0080\\u00ad\\ufeff\\u2028"
                    "\\xff\xc3\xa9\xf0\x9f\x98\x80\"");
    kv_value e = kv_str_ref("", 0);
    expect_rego(&e, "\"\"");
}

static void test_rego_text_composites(void **state)
{
    ks_arena *a = *state;
    kv_value v = tu_json(a, "[1, \"a\", [], {}, {\"b\": [null, true], \"a\": 0.5}]");
    expect_rego(&v, "[1, \"a\", [], {}, {\"a\": 0.5, \"b\": [null, true]}]");

    /* sets: sorted by kind, then value; the empty set is set() */
    kv_value empty;
    assert_int_equal(kv_set_new(a, NULL, 0, &empty), 0);
    expect_rego(&empty, "set()");
    kv_value two;
    kv_value two_items[] = {kv_int(2)};
    assert_int_equal(kv_set_new(a, two_items, 1, &two), 0);
    kv_value inner_obj;
    kv_member m = {kv_str_ref("x", 1), two};
    assert_int_equal(kv_object_new(a, &m, 1, KV_DUP_ERROR, &inner_obj, NULL), 0);
    kv_value items[] = {kv_str_ref("a", 1), empty, tu_json(a, "[null, true]"), inner_obj,
                        kv_int(1)};
    kv_value set;
    assert_int_equal(kv_set_new(a, items, 5, &set), 0);
    expect_rego(&set, "{1, \"a\", [null, true], {\"x\": {2}}, set()}");

    /* objects with keys of any kind, in Rego's order */
    kv_value ks;
    kv_value ks_items[] = {kv_int(3), kv_int(1)};
    assert_int_equal(kv_set_new(a, ks_items, 2, &ks), 0);
    kv_member ms[] = {
            {tu_json(a, "{\"b\": 1}"), kv_int(2)},
            {kv_int(1), kv_str_ref("x", 1)},
            {kv_str_ref("z", 1), ks},
    };
    kv_value obj;
    assert_int_equal(kv_object_new(a, ms, 3, KV_DUP_ERROR, &obj, NULL), 0);
    expect_rego(&obj, "{1: \"x\", \"z\": {1, 3}, {\"b\": 1}: 2}");

    /* and so sprintf shows them */
    kv_value args[2] = {kv_str_ref("%v|%s", 5), {0}};
    kv_value sargs[] = {set, obj};
    assert_int_equal(kv_array_new(a, sargs, 2, &args[1]), 0);
    kv_value arr;
    assert_int_equal(kv_array_new(a, args, 2, &arr), 0);
    bt_result r = call_args(a, "sprintf", &arr);
    const char *want = "{1, \"a\", [null, true], {\"x\": {2}}, set()}|{1: \"x\", \"z\": {1, 3}, "
                       "{\"b\": 1}: 2}";
    expect_bytes(&r, want, strlen(want));
}

static void test_rego_text_deep(void **state)
{
    ks_arena *a = *state;
    /* 100,000 nested arrays: the writer keeps its own stack */
    enum { DEPTH = 100000 };
    kv_value v = kv_int(7);
    for (int i = 0; i < DEPTH; i++) {
        kv_value next;
        assert_int_equal(kv_array_new(a, &v, 1, &next), 0);
        v = next;
    }
    char *text = rego_text(&v);
    assert_int_equal(strlen(text), 2 * DEPTH + 1);
    assert_int_equal(text[DEPTH], '7');
    assert_int_equal(text[0], '[');
    assert_int_equal(text[2 * DEPTH], ']');
    ks_xfree(text);
}

/* ---- Go float formatting ---- */

static void test_go_ftoa(void **state)
{
    (void)state;
    /* from Go's strconv.FormatFloat */
    static const struct {
        double v;
        char fmt;
        int prec;
        const char *want;
    } t[] = {
            {1e21, 'g', -1, "1e+21"},
            {1e20, 'g', -1, "1e+20"},
            {100000, 'g', -1, "100000"},
            {1e6, 'g', -1, "1e+06"},
            {0.0001, 'g', -1, "0.0001"},
            {0.00001, 'g', -1, "1e-05"},
            {1234.5678, 'e', 3, "1.235e+03"},
            {0.1, 'f', -1, "0.1"},
            {1, 'x', -1, "0x1p+00"},
            {1, 'b', -1, "4503599627370496p-52"},
            {5e-324, 'g', -1, "5e-324"},
            {5e-324, 'x', -1, "0x1p-1074"},
            {-2.5, 'x', 0, "-0x1p+01"},
            {0.1, 'e', -1, "1e-01"},
            {123456789, 'f', -1, "123456789"},
            {1e23, 'g', -1, "1e+23"},
            {1e23, 'f', 0, "99999999999999991611392"},
            {0.3, 'g', 20, "0.2999999999999999889"},
            {1.5, 'G', 0, "2"},
            {255.5, 'X', 3, "0X1.FF0P+07"},
            {0, 'e', 2, "0.00e+00"},
            {0, 'g', -1, "0"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ks_buf b = KS_BUF_INIT;
        assert_int_equal(rg_go_ftoa(&b, t[i].v, t[i].fmt, t[i].prec), 0);
        if (strcmp(ks_buf_cstr(&b), t[i].want) != 0)
            fail_msg("%.17g %c %d: want %s, got %s", t[i].v, t[i].fmt, t[i].prec, t[i].want,
                     ks_buf_cstr(&b));
        ks_buf_free(&b);
    }
    ks_buf b = KS_BUF_INIT;
    assert_int_equal(rg_go_ftoa(&b, INFINITY, 'g', -1), KS_EINVAL);
    ks_buf_free(&b);
}

/* ---- runes: invalid UTF-8 behaves as in Go ---- */

static bt_result call_raw(ks_arena *a, const char *name, const char *s, size_t n, const char *rest)
{
    /* arguments: the raw string s, then the JSON values of rest (an array) */
    kv_value more = tu_json(a, rest);
    kv_value items[4];
    items[0] = kv_str_ref(s, n);
    for (size_t i = 0; i < more.len; i++)
        items[i + 1] = more.u.items[i];
    kv_value args;
    assert_int_equal(kv_array_new(a, items, more.len + 1, &args), 0);
    return call_args(a, name, &args);
}

#define BYTES(lit) lit, sizeof(lit) - 1

static void test_invalid_utf8(void **state)
{
    ks_arena *a = *state;
    bt_result r;
    /* case mapping turns invalid bytes into U+FFFD unless all is ASCII */
    r = call_raw(a, "lower", BYTES("A\xff\xc3\x89"), "[]");
    expect_bytes(&r, BYTES("a\xef\xbf\xbd\xc3\xa9"));
    r = call_raw(a, "upper", BYTES("a\xffz"), "[]");
    expect_bytes(&r, BYTES("A\xef\xbf\xbdZ"));
    /* reverse keeps invalid bytes as they are */
    r = call_raw(a, "strings.reverse", BYTES("a\xff\xc3\xa9"), "[]");
    expect_bytes(&r, BYTES("\xc3\xa9\xff"
                           "a"));
    /* substring: rune positions; a cut string comes back through []rune */
    r = call_raw(a, "substring",
                 BYTES("\xc3\xa9\xff"
                       "abc"),
                 "[1, 2]");
    expect_bytes(&r, BYTES("\xef\xbf\xbd"
                           "a"));
    r = call_raw(a, "substring", BYTES("\xc3\xa9\xff"), "[0, 5]");
    expect_bytes(&r, BYTES("\xc3\xa9\xff"));
    /* indexof: an invalid byte is U+FFFD */
    r = call_raw(a, "indexof", BYTES("a\xff"), "[\"\\ufffd\"]");
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.u.i, 1);
    r = call_raw(a, "indexof_n", BYTES("\xff\xc3\xa9x\xc3\xa9"), "[\"\\u00e9\"]");
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.len, 2);
    assert_int_equal(r.out.u.items[0].u.i, 1);
    assert_int_equal(r.out.u.items[1].u.i, 3);
    /* replace with an empty old string inserts at every byte */
    r = call_raw(a, "replace", BYTES("\xc3\xa9"), "[\"\", \"-\"]");
    expect_bytes(&r, BYTES("-\xc3-\xa9-"));
    /* a cutset with an invalid byte trims invalid bytes */
    kv_value cut = kv_str_ref(BYTES("\xfe"));
    kv_value items[] = {kv_str_ref(BYTES("\xff"
                                         "a\xff")),
                        cut};
    kv_value args;
    assert_int_equal(kv_array_new(a, items, 2, &args), 0);
    r = call_args(a, "trim", &args);
    expect_bytes(&r, BYTES("a"));
    /* split on "" gives each invalid byte alone */
    r = call_raw(a, "split", BYTES("a\xff\xc3\xa9"), "[\"\"]");
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.len, 3);
    assert_int_equal(r.out.u.items[1].len, 1);
    assert_int_equal(r.out.u.items[2].len, 2);
    r = call_raw(a, "strings.count", BYTES("\xc3\xa9\xff"), "[\"\"]");
    assert_int_equal(r.out.u.i, 3);
    /* sprintf: %q escapes, widths count runes */
    kv_value sitems[] = {kv_str_ref(BYTES("%q|%5s|%x")), {0}};
    kv_value vals[] = {kv_str_ref(BYTES("\xff")), kv_str_ref(BYTES("\xc3\xa9")),
                       kv_str_ref(BYTES("\xc3\xa9"))};
    assert_int_equal(kv_array_new(a, vals, 3, &sitems[1]), 0);
    assert_int_equal(kv_array_new(a, sitems, 2, &args), 0);
    r = call_args(a, "sprintf", &args);
    expect_bytes(&r, BYTES("\"\\xff\"|    \xc3\xa9|c3a9"));
    /* units.parse keeps the unit's first byte and lowers the rest */
    r = call_raw(a, "units.parse", BYTES("1\xc3\xa4"), "[]");
    assert_int_equal(r.rc, RG_EBUILTIN);
    assert_string_equal(r.msg, "units.parse: units.parse: unit \303\357\277\275 not recognized");
}

/* ---- numbers past 64 bits and exact units ---- */

static void test_big_numbers(void **state)
{
    ks_arena *a = *state;
    expect_str(a, "sprintf",
               "[\"%x|%X|%o|%b\", [1267650600228229401496703205376, "
               "1267650600228229401496703205376, 1267650600228229401496703205376, "
               "1267650600228229401496703205376]]",
               "10000000000000000000000000|10000000000000000000000000|"
               "2000000000000000000000000000000000|1"
               "0000000000000000000000000000000000000000000000000000000000000000000000000000"
               "000000000000000000000000");
    /* through a 64-bit float, as OPA's big.Float */
    expect_str(a, "format_int", "[1e30, 16]", "c9f2c9cd04674edf000000000");
    expect_str(a, "format_int", "[1e30, 10]", "1000000000000000000024696061952");
    /* integer text stays exact */
    expect_str(a, "format_int", "[1000000000000000000000000000001, 10]",
               "1000000000000000000000000000001");
    /* units.parse multiplies by the float64 0.001 exactly */
    bt_result r = bt_run_json(a, "units.parse", "[\"1000000000000000000000m\"]");
    assert_int_equal(r.rc, RG_OK);
    kv_value want = num(a, "1000000000000000020.8166817117");
    assert_true(kv_equal(&r.out, &want));
    r = bt_run_json(a, "units.parse", "[\"1e999999\"]");
    assert_int_equal(r.rc, RG_OK);
    kv_numdigits d;
    kv_num_digits(&r.out, &d);
    assert_int_equal(d.exp, 1000000);
    /* integers are converted up to RG_BIG_MAX_DIGITS digits */
    ks_buf big = KS_BUF_INIT;
    ks_buf_puts(&big, "[\"%x\", [1");
    ks_buf_fill(&big, '0', RG_BIG_MAX_DIGITS);
    ks_buf_puts(&big, "]]");
    bt_expect_err_code(a, "sprintf", ks_buf_cstr(&big), RG_ERR_BUILTIN,
                       "sprintf: number too large");
    ks_buf_free(&big);
    /* an exponent of more than six digits is refused */
    bt_expect_err_code(a, "units.parse", "[\"1e9999999m\"]", RG_ERR_BUILTIN,
                       "units.parse: units.parse: exponent too large");
}

/* ---- traps ---- */

static void test_semver_equal_past_int64(void **state)
{
    ks_arena *a = *state;
    /* Go's comparison saturates both identifiers and never ends; we stop. */
    bt_result r = bt_run_json(a, "semver.compare",
                              "[\"1.0.0-99999999999999999999\", \"1.0.0-99999999999999999998\"]");
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.u.i, 0);
}

static void test_large_outputs_are_bounded(void **state)
{
    ks_arena *a = *state;
    /* fmt reads widths and precisions while they stay near a million;
     * a longer number is an error */
    bt_result r = bt_run_json(a, "sprintf", "[\"%1000001d\", [1]]");
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.len, 1000001);
    r = bt_run_json(a, "sprintf", "[\"%.1000001f\", [1.5]]");
    assert_int_equal(r.rc, RG_OK);
    assert_int_equal(r.out.len, 1000003);
    expect_str(a, "sprintf", "[\"%100000000d\", [1]]", "%!(NOVERB)%!(EXTRA int64=1)");
    /* a width from an argument past the limit */
    expect_str(a, "sprintf", "[\"%*d\", [1000001, 1]]", "%!(BADWIDTH)1");
}

static void test_table_is_complete(void **state)
{
    (void)state;
    static const char *const names[] = {
            "format_int",
            "concat",
            "indexof",
            "indexof_n",
            "substring",
            "contains",
            "strings.count",
            "startswith",
            "endswith",
            "lower",
            "upper",
            "split",
            "strings.split_n",
            "replace",
            "strings.replace_n",
            "trim",
            "trim_left",
            "trim_prefix",
            "trim_right",
            "trim_suffix",
            "trim_space",
            "sprintf",
            "strings.reverse",
            "strings.any_prefix_match",
            "strings.any_suffix_match",
            "units.parse",
            "units.parse_bytes",
            "semver.is_valid",
            "semver.compare",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const rg_builtin_def *d = rg_builtin_lookup(names[i], strlen(names[i]));
        if (!d)
            fail_msg("missing builtin %s", names[i]);
        else
            assert_non_null(d->fn);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_cases_match_opa, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_rego_text_scalars, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_rego_text_composites, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_rego_text_deep, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test(test_go_ftoa),
            cmocka_unit_test_setup_teardown(test_invalid_utf8, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_big_numbers, tu_arena_setup, tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_semver_equal_past_int64, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test_setup_teardown(test_large_outputs_are_bounded, tu_arena_setup,
                                            tu_arena_teardown),
            cmocka_unit_test(test_table_is_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
