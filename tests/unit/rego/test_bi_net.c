/* Rego builtins: net.cidr_*, uuid.rfc4122 and net.lookup_ip_addr. Expected
 * values were checked against OPA v1.22.3. */
#include <stdio.h>
#include <string.h>

#include "bitest.h"

#define CONTAINS(a, b, want) bt_expect(st, "net.cidr_contains", "[\"" a "\", \"" b "\"]", want)

static void test_cidr_contains(void **state)
{
    ks_arena *st = *state;
    CONTAINS("10.0.0.0/8", "10.1.0.0/24", "true");
    CONTAINS("172.17.0.0/24", "172.17.0.0/16", "false");
    CONTAINS("10.0.0.0/8", "192.168.1.0/24", "false");
    CONTAINS("10.0.0.0/8", "10.1.2.3", "true");
    CONTAINS("10.0.0.0/8", "11.0.0.0", "false");
    CONTAINS("1.2.3.0/24", "1.2.3.4/24", "true"); /* host bits are masked */
    CONTAINS("1.2.3.0/24", "1.2.3.128/25", "true");
    CONTAINS("1.2.3.0/24", "1.2.3.0/23", "false");
    /* IPv4-mapped IPv6 is IPv4 for Contains. */
    CONTAINS("::ffff:0:0/96", "1.2.3.4", "true");
    CONTAINS("1.2.3.0/24", "::ffff:1.2.3.4", "true");
    CONTAINS("0.0.0.0/0", "::ffff:1.2.3.0/120", "true");
    CONTAINS("::ffff:1.2.3.0/120", "1.2.3.128/25", "true");
    CONTAINS("::/0", "::ffff:1.2.3.4", "false");
    CONTAINS("::/0", "1.2.3.4", "false");
    CONTAINS("::/0", "1.2.3.0/24", "false");
    CONTAINS("0.0.0.0/0", "::/80", "false");
    /* IPv6 networks compare by prefix, even where the last address looks
     * IPv4-mapped. */
    CONTAINS("::/80", "::/80", "true");
    CONTAINS("::8000:0:0/81", "::8000:0:0/81", "true");
    CONTAINS("::/95", "::/95", "true");
    CONTAINS("::/96", "::/96", "true");
    CONTAINS("::/0", "::/80", "true");
    CONTAINS("::/79", "::/80", "true");
    CONTAINS("::/80", "::/79", "false");
    CONTAINS("0:0:0:1::/80", "::/80", "false");
    CONTAINS("2001:db8::/32", "2001:db8:1::/48", "true");
    CONTAINS("2001:db8::/32", "2001:db9::/48", "false");
    CONTAINS("2001:db8:1::/48", "2001:db8::/32", "false");
    CONTAINS("2001:4860:4860::8888/32", "2001:4860:4860:1234:5678:1234:5678:8888/128", "true");
    CONTAINS("2001:db8::/32", "2001:DB8::1", "true");
    CONTAINS("2001:db8::1/128", "2001:db8::1/128", "true");
    /* The deprecated alias. */
    bt_expect(st, "net.cidr_overlap", "[\"10.0.0.0/8\", \"10.9.9.9\"]", "true");
}

static void test_cidr_contains_errors(void **state)
{
    ks_arena *st = *state;
    bt_expect_err(st, "net.cidr_contains", "[\"not-a-cidr\", \"1.2.3.4\"]",
                  "net.cidr_contains: invalid CIDR address: not-a-cidr");
    bt_expect_err(st, "net.cidr_contains", "[\"1.2.3.0/24\", \"x\"]",
                  "net.cidr_contains: not a valid textual representation of an IP address or "
                  "CIDR: x");
    /* Leading zeros, empty prefix lengths and zones are refused. */
    bt_expect_err(st, "net.cidr_contains", "[\"1.2.3.0/24\", \"01.2.3.4\"]",
                  "net.cidr_contains: not a valid textual representation of an IP address or "
                  "CIDR: 01.2.3.4");
    bt_expect_err(st, "net.cidr_contains", "[\"1.2.3.0/24\", \"1.2.3.4/\"]",
                  "net.cidr_contains: not a valid textual representation of an IP address or "
                  "CIDR: 1.2.3.4/");
    bt_expect_err(st, "net.cidr_contains", "[\"fe80::1%eth0/64\", \"fe80::2\"]",
                  "net.cidr_contains: invalid CIDR address: fe80::1%eth0/64");
    bt_expect_err(st, "net.cidr_contains", "[\"fe80::/64\", \"fe80::2%eth0\"]",
                  "net.cidr_contains: not a valid textual representation of an IP address or "
                  "CIDR: fe80::2%eth0");
    /* Both operands' type errors say "operand 1", as OPA's do. */
    bt_expect_err(st, "net.cidr_contains", "[1, \"1.2.3.4\"]",
                  "net.cidr_contains: operand 1 must be string but got number");
    bt_expect_err(st, "net.cidr_contains", "[\"1.2.3.0/24\", null]",
                  "net.cidr_contains: operand 1 must be string but got null");
}

static void test_cidr_parsing(void **state)
{
    ks_arena *st = *state;
    static const struct {
        const char *cidr;
        const char *valid;
    } cases[] = {
            {"192.168.1.0/24", "true"},
            {"2002::1234:abcd:ffff:c0a8:101/64", "true"},
            {"1.2.3.4/08", "true"}, /* prefix digits may have leading zeros */
            {"1.2.3.4/32", "true"},
            {"1.2.3.4/0", "true"},
            {"::/0", "true"},
            {"::/128", "true"},
            {"::ffff:1.2.3.4/128", "true"},
            {"1:2:3:4:5:6:1.2.3.4/96", "true"},
            {"1::2:3:4:5:6:7/64", "true"},
            {"", "false"},
            {"there goes a string", "false"},
            {"192.168.1.2", "false"},
            {"1.2.3.4/33", "false"},
            {"::/129", "false"},
            {"01.2.3.4/8", "false"},
            {"1.2.3.256/8", "false"},
            {"1.2.3/8", "false"},
            {"1.2.3.4.5/8", "false"},
            {"1..3.4/8", "false"},
            {"1.2.3.4./8", "false"},
            {"1.2.3.4/", "false"},
            {"1.2.3.4/+8", "false"},
            {"1.2.3.4/8/8", "false"},
            {"1.2.3.4/ 8", "false"},
            {"fe80::1%eth0/64", "false"},
            {"1:2:3:4:5:6:7:8:9/64", "false"},
            {"1:2:3:4:5:6:7::8/64", "false"}, /* "::" standing for no group */
            {"1::2::3/64", "false"},
            {"12345::/64", "false"},
            {"1:2:3:4:5:1.2.3.4/64", "false"}, /* IPv4 part in the wrong place */
            {":1::/64", "false"},
            {"1:/64", "false"},
            {"g::/64", "false"},
            {"/8", "false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[128];
        snprintf(args, sizeof args, "[\"%s\"]", cases[i].cidr);
        bt_expect(st, "net.cidr_is_valid", args, cases[i].valid);
    }
    /* Non-strings are simply not valid. */
    bt_expect(st, "net.cidr_is_valid", "[1]", "false");
    bt_expect(st, "net.cidr_is_valid", "[[\"1.2.3.0/24\"]]", "false");
}

static void test_cidr_intersects(void **state)
{
    ks_arena *st = *state;
    bt_expect(st, "net.cidr_intersects", "[\"192.168.1.0/25\", \"192.168.1.64/25\"]", "true");
    bt_expect(st, "net.cidr_intersects", "[\"192.168.1.0/24\", \"192.168.2.0/24\"]", "false");
    bt_expect(st, "net.cidr_intersects",
              "[\"fd1e:5bfe:8af3:9ddc::/64\", \"fd1e:5bfe:8af3:9ddc:1111::/72\"]", "true");
    bt_expect(st, "net.cidr_intersects",
              "[\"fd1e:5bfe:8af3:9ddc::/64\", \"2001:4860:4860::8888/32\"]", "false");
    bt_expect(st, "net.cidr_intersects", "[\"::ffff:0:0/96\", \"10.0.0.0/8\"]", "true");
    bt_expect_err(st, "net.cidr_intersects", "[\"not-a-cidr\", \"192.168.1.0/24\"]",
                  "net.cidr_intersects: invalid CIDR address: not-a-cidr");
    bt_expect_err(st, "net.cidr_intersects", "[\"192.168.1.0/28\", \"1.2.3.4\"]",
                  "net.cidr_intersects: invalid CIDR address: 1.2.3.4");
    bt_expect_err(st, "net.cidr_intersects", "[\"1.2.3.0/24\", 1]",
                  "net.cidr_intersects: operand 1 must be string but got number");
}

static void test_cidr_contains_matches(void **state)
{
    ks_arena *st = *state;
    const char *f = "net.cidr_contains_matches";
    bt_expect(st, f, "[\"1.1.1.0/24\", \"1.1.1.1\"]", "[[\"1.1.1.0/24\",\"1.1.1.1\"]]");
    bt_expect(st, f, "[[\"1.1.2.0/24\", \"1.1.1.0/24\"], [\"1.1.1.1\", \"1.1.2.1\"]]",
              "[[0,1],[1,0]]");
    bt_expect(st, f, "[[[\"1.1.2.0/24\", 1], \"1.1.1.0/24\"], [\"1.1.1.1\", \"1.1.2.1\"]]",
              "[[0,1],[1,0]]");
    bt_expect(st, f, "[{\"k1\": \"1.1.1.1/24\", \"k2\": [\"1.1.1.2/24\", 1]}, \"1.1.1.128\"]",
              "[[\"k1\",\"1.1.1.128\"],[\"k2\",\"1.1.1.128\"]]");
    /* No matches, and operands of other kinds, give the empty set. */
    bt_expect(st, f, "[\"1.1.1.0/24\", \"2.2.2.2\"]", "[]");
    bt_expect(st, f, "[1, \"1.2.3.4\"]", "[]");
    bt_expect(st, f, "[\"1.2.3.0/24\", null]", "[]");
    bt_expect(st, f, "[[], 5]", "[]");
    bt_expect_err(st, f, "[[\"1.1.2.0/24\"], [\"1.1.1.1\", 1]]",
                  "net.cidr_contains_matches: operand 2: element must be string or non-empty "
                  "array");
    bt_expect_err(st, f, "[[\"1.1.2.0/24\"], [[]]]",
                  "net.cidr_contains_matches: operand 2: element must be string or non-empty "
                  "array");
    bt_expect_err(st, f, "[{\"a\": 1}, \"1.2.3.4\"]",
                  "net.cidr_contains_matches: operand 1: element must be string or non-empty "
                  "array");
    /* A bad CIDR in the first pair is reported before a bad shape later in
     * the second operand, as OPA iterates. */
    bt_expect_err(st, f, "[[\"x\"], [\"1.2.3.4\", 5]]",
                  "net.cidr_contains_matches: invalid CIDR address: x");
    bt_expect_err(st, f, "[[[1]], \"1.2.3.4\"]",
                  "net.cidr_contains_matches: operand 1 must be string but got number");
    bt_expect_err(st, f, "[[\"1.2.3.0/24\"], [[1]]]",
                  "net.cidr_contains_matches: operand 1 must be string but got number");
}

static void test_cidr_contains_matches_sets(void **state)
{
    ks_arena *st = *state;
    const char *f = "net.cidr_contains_matches";
    /* Sets come from JSON arrays here only through the value layer; build
     * them as set values. */
    const rg_builtin_def *def = rg_builtin_lookup(f, strlen(f));
    kv_value a_items[2], b_items[2], args[2], res;
    a_items[0] = tu_json(st, "[\"1.1.1.0/24\", \"bar\"]");
    a_items[1] = tu_json(st, "[\"1.1.2.0/24\", \"foo\"]");
    b_items[0] = tu_json(st, "[\"1.1.1.1\", \"baz\"]");
    b_items[1] = tu_json(st, "[\"1.1.2.1\", \"qux\"]");
    assert_int_equal(kv_set_new(st, a_items, 2, &args[0]), 0);
    assert_int_equal(kv_set_new(st, b_items, 2, &args[1]), 0);
    ks_buf err = KS_BUF_INIT;
    rg_bctx c = {.arena = st, .name = f, .err_msg = &err};
    assert_int_equal(def->fn(&c, args, &res), RG_OK);
    char *got = tu_to_json(&res, 0);
    assert_string_equal(got, "[[[\"1.1.1.0/24\",\"bar\"],[\"1.1.1.1\",\"baz\"]],"
                             "[[\"1.1.2.0/24\",\"foo\"],[\"1.1.2.1\",\"qux\"]]]");
    ks_xfree(got);
    ks_buf_free(&err);
}

static void test_cidr_expand(void **state)
{
    ks_arena *st = *state;
    bt_expect(st, "net.cidr_expand", "[\"192.168.1.1/30\"]",
              "[\"192.168.1.0\",\"192.168.1.1\",\"192.168.1.2\",\"192.168.1.3\"]");
    bt_expect(st, "net.cidr_expand", "[\"172.16.100.255/30\"]",
              "[\"172.16.100.252\",\"172.16.100.253\",\"172.16.100.254\",\"172.16.100.255\"]");
    bt_expect(st, "net.cidr_expand", "[\"192.168.1.1/32\"]", "[\"192.168.1.1\"]");
    bt_expect(st, "net.cidr_expand", "[\"255.255.255.254/31\"]",
              "[\"255.255.255.254\",\"255.255.255.255\"]");
    bt_expect(st, "net.cidr_expand", "[\"2001:db8::/126\"]",
              "[\"2001:db8::\",\"2001:db8::1\",\"2001:db8::2\",\"2001:db8::3\"]");
    bt_expect(st, "net.cidr_expand", "[\"::ffff:255.255.255.254/127\"]",
              "[\"255.255.255.254\",\"255.255.255.255\"]");
    /* The set is sorted as strings. */
    bt_expect(st, "net.cidr_expand", "[\"10.0.0.8/29\"]",
              "[\"10.0.0.10\",\"10.0.0.11\",\"10.0.0.12\",\"10.0.0.13\",\"10.0.0.14\","
              "\"10.0.0.15\",\"10.0.0.8\",\"10.0.0.9\"]");
    char *got = NULL;
    assert_int_equal(bt_call(st, "net.cidr_expand", "[\"10.1.0.0/16\"]", &got), RG_OK);
    ks_xfree(got);
    bt_expect_err(st, "net.cidr_expand", "[\"192.168.1.1/33\"]",
                  "net.cidr_expand: invalid CIDR address: 192.168.1.1/33");
    bt_expect_err(st, "net.cidr_expand", "[1]",
                  "net.cidr_expand: operand 1 must be string but got number");
    /* Bounded: a /8 or an IPv6 /64 is refused, not expanded. */
    bt_expect_err(st, "net.cidr_expand", "[\"10.0.0.0/15\"]",
                  "net.cidr_expand: 10.0.0.0/15 has 2^17 addresses, more than the limit of 65536");
    bt_expect_err(st, "net.cidr_expand", "[\"::/0\"]",
                  "net.cidr_expand: ::/0 has 2^128 addresses, more than the limit of 65536");
}

static void test_cidr_merge(void **state)
{
    ks_arena *st = *state;
    const char *f = "net.cidr_merge";
    bt_expect(st, f, "[[\"192.0.128.0/24\"]]", "[\"192.0.128.0/24\"]");
    bt_expect(st, f, "[[\"192.0.128.0/24\", \"192.0.128.0/24\"]]", "[\"192.0.128.0/24\"]");
    bt_expect(st, f, "[[\"192.0.128.0/24\", \"0.0.0.0/0\"]]", "[\"0.0.0.0/0\"]");
    bt_expect(st, f, "[[\"192.0.128.0/24\", \"192.0.129.0/24\"]]", "[\"192.0.128.0/23\"]");
    bt_expect(st, f, "[[\"192.0.2.112/30\", \"192.0.2.116/31\", \"192.0.2.118/31\"]]",
              "[\"192.0.2.112/29\"]");
    bt_expect(st, f, "[[\"192.0.129.0/24\", \"192.0.130.0/24\"]]",
              "[\"192.0.129.0/24\",\"192.0.130.0/24\"]");
    bt_expect(st, f, "[[\"192.0.2.112/31\", \"192.0.2.116/31\", \"192.0.2.118/31\"]]",
              "[\"192.0.2.112/31\",\"192.0.2.116/30\"]");
    bt_expect(st, f, "[[\"1.2.3.4/32\", \"1.2.3.5/32\", \"1.2.3.6/32\"]]",
              "[\"1.2.3.4/31\",\"1.2.3.6/32\"]");
    bt_expect(st, f, "[[\"1.2.3.0/24\", \"1.2.3.0/25\", \"1.2.2.255/32\"]]",
              "[\"1.2.2.255/32\",\"1.2.3.0/24\"]");
    bt_expect(st, f, "[[\"1.0.0.0/8\", \"2.0.0.0/8\", \"4.0.0.0/8\"]]",
              "[\"1.0.0.0/8\",\"2.0.0.0/8\",\"4.0.0.0/8\"]");
    bt_expect(st, f, "[[\"0.0.0.0/1\", \"128.0.0.0/1\"]]", "[\"0.0.0.0/0\"]");
    bt_expect(st, f,
              "[[\"192.0.1.254/31\", \"192.0.2.0/28\", \"192.0.2.16/28\", \"192.0.2.32/28\", "
              "\"192.0.2.48/28\", \"192.0.2.64/28\", \"192.0.2.80/28\", \"192.0.2.96/28\", "
              "\"192.0.2.112/28\", \"192.0.2.128/28\", \"192.0.2.144/28\", \"192.0.2.160/28\", "
              "\"192.0.2.176/28\", \"192.0.2.192/28\", \"192.0.2.208/28\", \"192.0.2.224/28\", "
              "\"192.0.2.240/28\", \"192.0.3.0/28\"]]",
              "[\"192.0.1.254/31\",\"192.0.2.0/24\",\"192.0.3.0/28\"]");
    /* Bare IPv4 addresses stand for their classful network, unmasked while
     * not merged. */
    bt_expect(st, f, "[[\"10.1.2.3\"]]", "[\"10.1.2.3/8\"]");
    bt_expect(st, f, "[[\"10.1.2.3\", \"10.1.2.3\"]]", "[\"10.0.0.0/8\"]");
    bt_expect(st, f, "[[\"150.1.2.3\", \"150.1.2.3/16\"]]", "[\"150.1.0.0/16\"]");
    bt_expect(st, f, "[[\"192.0.2.112\", \"192.0.2.116/31\", \"192.0.2.118/31\"]]",
              "[\"192.0.2.0/24\"]");
    bt_expect(st, f, "[[\"192.0.128.0\", \"192.0.129.0\"]]", "[\"192.0.128.0/23\"]");
    /* IPv6. */
    bt_expect(st, f, "[[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128\"]]",
              "[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128\"]");
    bt_expect(st, f,
              "[[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64\", "
              "\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128\"]]",
              "[\"2601:600:8a80:207e::/64\"]");
    bt_expect(st, f, "[[\"2001:db8::/33\", \"2001:db8:8000::/33\"]]", "[\"2001:db8::/32\"]");
    bt_expect(st, f, "[[\"2001:db8::1/128\", \"2001:db8::2/128\", \"2001:db8::3/128\"]]",
              "[\"2001:db8::1/128\",\"2001:db8::2/127\"]");
    bt_expect(st, f, "[[\"8000::/1\", \"::/1\"]]", "[\"::/0\"]");
    bt_expect(st, f, "[[\"::/0\", \"fe80::1/128\"]]", "[\"::/0\"]");
    bt_expect(st, f, "[[\"::/0\", \"::192.0.2.0/124\", \"ff00::101/128\"]]", "[\"::/0\"]");
    bt_expect(st, f,
              "[[\"fe80::/120\", \"192.0.2.0/24\", \"192.0.3.0/24\", \"192.0.4.0/25\", "
              "\"192.0.4.128/25\"]]",
              "[\"192.0.2.0/23\",\"192.0.4.0/24\",\"fe80::/120\"]");
    /* IPv4-mapped IPv6 networks print, and merge, as IPv4. */
    bt_expect(st, f, "[[\"::ffff:1.2.3.0/120\"]]", "[\"1.2.3.0/24\"]");
    bt_expect(st, f, "[[\"::ffff:1.2.3.0/120\", \"1.2.3.0/24\"]]", "[\"1.2.3.0/24\"]");
    bt_expect(st, f, "[[\"::ffff:1.2.3.4/64\"]]", "[\"::/64\"]");
    bt_expect(st, f, "[[]]", "[]");
}

static void test_cidr_merge_errors(void **state)
{
    ks_arena *st = *state;
    const char *f = "net.cidr_merge";
    bt_expect_err(st, f, "[[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3\"]]",
                  "net.cidr_merge: IPv6 invalid: needs prefix length");
    bt_expect_err(st, f, "[[\"foo\"]]", "net.cidr_merge: invalid CIDR address: foo");
    bt_expect_err(st, f, "[[\"1.2.3.0/24\", \"x\"]]", "net.cidr_merge: invalid CIDR address: x");
    bt_expect_err(st, f, "[[1]]", "net.cidr_merge: element must be string");
    bt_expect_err(st, f, "[1]", "net.cidr_merge: operand must be an array");
    bt_expect_err(st, f, "[{\"a\": \"1.2.3.0/24\"}]", "net.cidr_merge: operand must be an array");
}

static void test_uuid_rfc4122(void **state)
{
    ks_arena *st = *state;
    char *u1 = NULL, *u2 = NULL, *u3 = NULL, *u4 = NULL;
    bt_seed = 42;
    assert_int_equal(bt_call(st, "uuid.rfc4122", "[\"key\"]", &u1), RG_OK);
    assert_int_equal(bt_call(st, "uuid.rfc4122", "[\"key\"]", &u2), RG_OK);
    assert_int_equal(bt_call(st, "uuid.rfc4122", "[\"other\"]", &u3), RG_OK);
    bt_seed = 43;
    assert_int_equal(bt_call(st, "uuid.rfc4122", "[\"key\"]", &u4), RG_OK);
    bt_seed = 0;
    /* Same key and seed: same UUID; anything else differs. */
    assert_string_equal(u1, u2);
    assert_string_not_equal(u1, u3);
    assert_string_not_equal(u1, u4);
    /* "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx", quoted. */
    assert_int_equal(strlen(u1), 38);
    assert_true(u1[9] == '-' && u1[14] == '-' && u1[19] == '-' && u1[24] == '-');
    assert_true(u1[15] == '4');
    assert_non_null(strchr("89ab", u1[20]));
    for (int i = 1; i < 37; i++)
        assert_non_null(strchr("0123456789abcdef-", u1[i]));
    ks_xfree(u1);
    ks_xfree(u2);
    ks_xfree(u3);
    ks_xfree(u4);
    /* Any key is accepted at run time. */
    char *u5 = NULL;
    assert_int_equal(bt_call(st, "uuid.rfc4122", "[1]", &u5), RG_OK);
    ks_xfree(u5);
    const rg_builtin_def *def = rg_builtin_lookup("uuid.rfc4122", 12);
    assert_true(def->flags & RG_BI_NONDET);
}

static void test_lookup_ip_addr(void **state)
{
    ks_arena *st = *state;
    bt_expect_err(st, "net.lookup_ip_addr", "[\"example.com\"]",
                  "net.lookup_ip_addr: DNS lookups are not supported");
    bt_expect_err(st, "net.lookup_ip_addr", "[1]",
                  "net.lookup_ip_addr: operand 1 must be string but got number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_cidr_contains),
            cmocka_unit_test(test_cidr_contains_errors),
            cmocka_unit_test(test_cidr_parsing),
            cmocka_unit_test(test_cidr_intersects),
            cmocka_unit_test(test_cidr_contains_matches),
            cmocka_unit_test(test_cidr_contains_matches_sets),
            cmocka_unit_test(test_cidr_expand),
            cmocka_unit_test(test_cidr_merge),
            cmocka_unit_test(test_cidr_merge_errors),
            cmocka_unit_test(test_uuid_rfc4122),
            cmocka_unit_test(test_lookup_ip_addr),
    };
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
