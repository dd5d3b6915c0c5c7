/* Rego builtins: time.*. Expected values were checked against OPA v1.22.3
 * (zones from the system's tzdata). */
#include <stdio.h>
#include <string.h>

#include "rego/bcache.h"
#include "bitest.h"

#define NOW 1700000000123456789LL

static void test_now_ns(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "time.now_ns", "[]", "1700000000123456789");
    const rg_builtin_def *def = rg_builtin_lookup("time.now_ns", 11);
    assert_true(def->flags & RG_BI_NONDET);
}

static void test_parse_ns(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.parse_ns";
    bt_expect(a, f, "[\"2006-01-02T15:04:05Z07:00\", \"2017-06-02T19:00:00-07:00\"]",
              "1496455200000000000");
    bt_expect(a, f, "[\"01/02 03:04:05PM '06 -0700\", \"06/02 07:00:00PM '17 -0700\"]",
              "1496455200000000000");
    bt_expect(a, f, "[\"02 Jan 06 15:04 -0700\", \"02 Jun 17 19:00 -0700\"]",
              "1496455200000000000");
    /* Go's layout constants by name. */
    bt_expect(a, f, "[\"RFC822Z\", \"02 Jun 17 19:00 -0700\"]", "1496455200000000000");
    bt_expect(a, f, "[\"ANSIC\", \"Mon Jan  2 15:04:05 2006\"]", "1136214245000000000");
    bt_expect(a, f, "[\"UnixDate\", \"Mon Jan  2 15:04:05 PST 2006\"]", "1136214245000000000");
    /* The int64 nanosecond limits, 1677 and 2262. */
    bt_expect(a, f, "[\"2006-01-02T15:04:05Z07:00\", \"1677-09-21T00:12:43.145224192-00:00\"]",
              "-9223372036854775808");
    bt_expect(a, f, "[\"2006-01-02T15:04:05Z07:00\", \"2262-04-11T23:47:16.854775807-00:00\"]",
              "9223372036854775807");
    bt_expect_err(a, f, "[\"2006-01-02T15:04:05Z07:00\", \"1677-09-21T00:12:43.145224191-00:00\"]",
                  "time.parse_ns: time outside of valid range");
    bt_expect_err(a, f, "[\"2006-01-02T15:04:05Z07:00\", \"2262-04-11T23:47:16.854775808-00:00\"]",
                  "time.parse_ns: time outside of valid range");
    /* Missing fields are zero or one: year 0 is out of range. */
    bt_expect_err(a, f, "[\"3:04PM\", \"3:04PM\"]", "time.parse_ns: time outside of valid range");
    /* Leap days. */
    bt_expect(a, f, "[\"2006-01-02\", \"2020-02-29\"]", "1582934400000000000");
    bt_expect_err(a, f, "[\"2006-01-02\", \"2021-02-29\"]",
                  "time.parse_ns: parsing time \"2021-02-29\": day out of range");
    /* Before 1970. */
    bt_expect(a, f, "[\"2006-01-02 15:04\", \"1969-12-31 23:59\"]", "-60000000000");
    /* Offsets up to 24 hours are accepted when parsing. */
    bt_expect(a, f, "[\"RFC3339\", \"2020-06-01T00:00:00+24:00\"]", "1590883200000000000");
    /* Zone abbreviations the local zone does not know count as UTC. */
    bt_expect(a, f, "[\"RFC850\", \"Monday, 02-Jan-06 15:04:05 GMT+3\"]", "1136214245000000000");
}

static void test_parse_ns_errors(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.parse_ns";
    bt_expect_err(a, f, "[\"2006-01-02\", \"x\"]",
                  "time.parse_ns: parsing time \"x\" as \"2006-01-02\": cannot parse \"x\" as "
                  "\"2006\"");
    bt_expect_err(a, f, "[\"2006-01-02\", \"2017x01-02\"]",
                  "time.parse_ns: parsing time \"2017x01-02\" as \"2006-01-02\": cannot parse "
                  "\"x01-02\" as \"-\"");
    bt_expect_err(a, f, "[\"2006-01-02\", \"2017-13-02\"]",
                  "time.parse_ns: parsing time \"2017-13-02\": month out of range");
    bt_expect_err(a, f, "[\"2006-01-02\", \"2017-01-02 extra\"]",
                  "time.parse_ns: parsing time \"2017-01-02 extra\": extra text: \" extra\"");
    bt_expect_err(a, f, "[\"2006-01-02T15:04:05.000Z07:00\", \"2020-01-01T00:00:00.12Z\"]",
                  "time.parse_ns: parsing time \"2020-01-01T00:00:00.12Z\" as "
                  "\"2006-01-02T15:04:05.000Z07:00\": cannot parse \".12Z\" as \".000\"");
    /* A name OPA does not map is a literal layout. */
    bt_expect_err(a, f, "[\"Kitchen\", \"3:04PM\"]",
                  "time.parse_ns: parsing time \"3:04PM\" as \"Kitchen\": cannot parse \"3:04PM\" "
                  "as \"Kitchen\"");
    /* Non-ASCII bytes are quoted as \x escapes, as Go's time package does. */
    bt_expect_err(a, "time.parse_rfc3339_ns", "[\"2020-01-01T00:00:00\\u00e9\"]",
                  "time.parse_rfc3339_ns: parsing time \"2020-01-01T00:00:00\\xc3\\xa9\" as "
                  "\"2006-01-02T15:04:05Z07:00\": cannot parse \"\\xc3\\xa9\" as \"Z07:00\"");
    bt_expect_err(a, f, "[1, \"x\"]", "time.parse_ns: operand 1 must be string but got number");
    bt_expect_err(a, f, "[\"x\", null]", "time.parse_ns: operand 2 must be string but got null");
}

static void test_parse_rfc3339_ns(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.parse_rfc3339_ns";
    bt_expect(a, f, "[\"1970-01-01T00:00:00-00:00\"]", "0");
    bt_expect(a, f, "[\"2017-06-02T19:00:00-07:00\"]", "1496455200000000000");
    bt_expect(a, f, "[\"1677-09-21T00:12:43.145224192-00:00\"]", "-9223372036854775808");
    bt_expect(a, f, "[\"2262-04-11T23:47:16.854775807-00:00\"]", "9223372036854775807");
    /* Fractions beyond nanoseconds are truncated. */
    bt_expect(a, f, "[\"2020-01-01T00:00:00.123456789123Z\"]", "1577836800123456789");
    bt_expect_err(a, f, "[\"2262-04-11T23:47:16.854775808-00:00\"]",
                  "time.parse_rfc3339_ns: time outside of valid range");
    bt_expect_err(a, f, "[\"2020-01-01t00:00:00Z\"]",
                  "time.parse_rfc3339_ns: parsing time \"2020-01-01t00:00:00Z\" as "
                  "\"2006-01-02T15:04:05Z07:00\": cannot parse \"t00:00:00Z\" as \"T\"");
}

static void test_parse_duration_ns(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.parse_duration_ns";
    bt_expect(a, f, "[\"100ms\"]", "100000000");
    bt_expect(a, f, "[\"1h2m3.5s\"]", "3723500000000");
    bt_expect(a, f, "[\"-1.5h\"]", "-5400000000000");
    bt_expect(a, f, "[\"0\"]", "0");
    bt_expect(a, f, "[\"1\\u00b5s1ns\"]", "1001");
    bt_expect(a, f, "[\"1\\u03bcs\"]", "1000");
    bt_expect(a, f, "[\"2562047h47m16.854775807s\"]", "9223372036854775807");
    /* OPA's days, weeks and years. */
    bt_expect(a, f, "[\"1d\"]", "86400000000000");
    bt_expect(a, f, "[\"1.5d12h\"]", "172800000000000");
    bt_expect(a, f, "[\"0.1d\"]", "8640000000000");
    bt_expect(a, f, "[\"-1w2d3h\"]", "-788400000000000");
    bt_expect(a, f, "[\"1y\"]", "31536000000000000");
    bt_expect(a, f, "[\"106751d\"]", "9223286400000000000");
    bt_expect_err(a, f, "[\"\"]", "time.parse_duration_ns: time: invalid duration \"\"");
    bt_expect_err(a, f, "[\"1\"]", "time.parse_duration_ns: time: missing unit in duration \"1\"");
    bt_expect_err(a, f, "[\"1D\"]",
                  "time.parse_duration_ns: time: unknown unit \"D\" in duration \"1D\"");
    bt_expect_err(a, f, "[\"1h\\u00e9\"]",
                  "time.parse_duration_ns: time: unknown unit \"h\\xc3\\xa9\" in duration "
                  "\"1h\\xc3\\xa9\"");
    bt_expect_err(a, f, "[\"2562048h\"]",
                  "time.parse_duration_ns: time: invalid duration \"2562048h\"");
    bt_expect_err(a, f, "[\"1day\"]", "time.parse_duration_ns: time: invalid duration \"1day\"");
    bt_expect_err(a, f, "[\"1x1d\"]",
                  "time.parse_duration_ns: time: unknown unit \"x\" in duration \"1x1d\"");
    bt_expect_err(a, f, "[\"106752d\"]",
                  "time.parse_duration_ns: time: invalid duration \"106752d\"");
    /* The extended forms quote as fmt's %q: printable non-ASCII stays. */
    bt_expect_err(a, f, "[\"1d\\u00e9\"]",
                  "time.parse_duration_ns: time: invalid duration \"1d\xc3\xa9\"");
    bt_expect_err(a, f, "[1]", "time.parse_duration_ns: operand 1 must be string but got number");
}

static void test_format(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.format";
    bt_expect(a, f, "[1670006453141828752]", "\"2022-12-02T18:40:53.141828752Z\"");
    bt_expect(a, f, "[[1670006453141828752, \"Asia/Kolkata\"]]",
              "\"2022-12-03T00:10:53.141828752+05:30\"");
    bt_expect(a, f, "[[1670006453141828752, \"Asia/Kolkata\", \"Mon Jan 02 15:04:05 -0700 2006\"]]",
              "\"Sat Dec 03 00:10:53 +0530 2022\"");
    bt_expect(a, f, "[[1670006453141828752, \"Asia/Kolkata\", \"RFC1123Z\"]]",
              "\"Sat, 03 Dec 2022 00:10:53 +0530\"");
    bt_expect(a, f, "[[0, \"\", \"\"]]", "\"1970-01-01T00:00:00Z\"");
    bt_expect(a, f, "[[0, \"UTC\", \"MST\"]]", "\"UTC\"");
    /* The limits and negative timestamps. */
    bt_expect(a, f, "[-9223372036854775808]", "\"1677-09-21T00:12:43.145224192Z\"");
    bt_expect(a, f, "[9223372036854775807]", "\"2262-04-11T23:47:16.854775807Z\"");
    bt_expect(a, f, "[[-1, \"UTC\", \"2006-01-02T15:04:05.000000000 Z07:00\"]]",
              "\"1969-12-31T23:59:59.999999999 Z\"");
    /* Local mean time before 1883, with seconds in the offset. */
    bt_expect(a, f,
              "[[-3000000000000000000, \"America/New_York\", \"2006-01-02 15:04:05 -07:00:00 "
              "MST\"]]",
              "\"1874-12-07 13:43:58 -04:56:02 LMT\"");
    /* Daylight saving time, including Lord Howe's half hour. */
    bt_expect(a, f,
              "[[1690000000000000000, \"America/New_York\", \"Monday January _2 3:04:05.000 PM MST "
              "06 __2 002\"]]",
              "\"Saturday July 22 12:26:40.000 AM EDT 23 203 203\"");
    bt_expect(a, f,
              "[[1700000000000000000, \"America/New_York\", \"Mon Jan 2 15:04:05.999 Z0700 Z07 "
              "pm\"]]",
              "\"Tue Nov 14 17:13:20 -0500 -05 pm\"");
    bt_expect(a, f,
              "[[1700000000000000000, \"Australia/Lord_Howe\", \"2006-01-02 15:04 -0700 MST\"]]",
              "\"2023-11-15 09:13 +1100 +11\"");
    bt_expect(a, f,
              "[[1690000000000000000, \"Australia/Lord_Howe\", \"2006-01-02 15:04 -0700 MST\"]]",
              "\"2023-07-22 14:56 +1030 +1030\"");
    /* Past the zone file's transitions, the POSIX rule decides. */
    bt_expect(a, f, "[[4102444800000000000, \"America/New_York\"]]",
              "\"2099-12-31T19:00:00-05:00\"");
    bt_expect(a, f, "[[4118083200000000000, \"America/New_York\"]]",
              "\"2100-06-30T20:00:00-04:00\"");
    bt_expect(a, f, "[[1700000000000000000, \"Etc/GMT+5\", \"MST -07 Z07:00:00 pm\"]]",
              "\"-05 -05 -05:00:00 pm\"");
    /* 1.0 is the integer 1. */
    bt_expect(a, f, "[1.0]", "\"1970-01-01T00:00:00.000000001Z\"");
}

static void test_tz_operand_errors(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.format";
    bt_expect_err(a, f, "[1.5]", "time.format: timestamp too big");
    bt_expect_err(a, f, "[1e19]", "time.format: timestamp too big");
    bt_expect_err(a, f, "[100000000000000000000]", "time.format: timestamp too big");
    bt_expect_err(a, f, "[[]]",
                  "time.format: operand 1 must be either number (ns) or [number (ns), string (tz)] "
                  "but got array");
    bt_expect_err(a, f, "[\"x\"]",
                  "time.format: operand 1 must be either number (ns) or [number (ns), string (tz)] "
                  "but got string");
    bt_expect_err(a, f, "[[\"x\"]]", "time.format: operand 1 must be number but got string");
    bt_expect_err(a, f, "[[0, 1]]", "time.format: operand 1 must be string but got number");
    bt_expect_err(a, f, "[[0, \"UTC\", 1]]",
                  "time.format: operand 1 must be string but got number");
    /* Zones: loaded before the timestamp is checked. */
    bt_expect_err(a, f, "[[1.5, \"Nowhere/Zone\"]]", "time.format: unknown time zone Nowhere/Zone");
    bt_expect_err(a, f, "[[0, \"utc\"]]", "time.format: unknown time zone utc");
    bt_expect_err(a, f, "[[0, \"../etc/passwd\"]]", "time.format: time: invalid location name");
    bt_expect_err(a, f, "[[0, \"/etc/localtime\"]]", "time.format: time: invalid location name");
    bt_expect_err(a, f, "[[0, \"America\"]]", "time.format: is a directory");
    bt_expect_err(a, f, "[[0, \"zone.tab\"]]", "time.format: malformed time zone information");
    bt_expect_err(a, "time.date", "[[0, \"Nope\"]]", "time.date: unknown time zone Nope");
    bt_expect_err(a, "time.diff", "[0, \"x\"]",
                  "time.diff: operand 1 must be either number (ns) or [number (ns), string (tz)] "
                  "but got string");
}

static void test_date_clock_weekday(void **state)
{
    ks_arena *a = *state;
    bt_expect(a, "time.date", "[1517814000000000000]", "[2018,2,5]");
    bt_expect(a, "time.date", "[[1517814000000000000, \"America/Los_Angeles\"]]", "[2018,2,4]");
    bt_expect(a, "time.date", "[[1517832000000000000, \"\"]]", "[2018,2,5]");
    bt_expect(a, "time.date", "[1582977600000000000]", "[2020,2,29]");
    bt_expect(a, "time.date", "[-1]", "[1969,12,31]");
    bt_expect(a, "time.date", "[[0, \"Pacific/Kiritimati\"]]", "[1969,12,31]");
    bt_expect(a, "time.date", "[[9223372036854775807, \"Pacific/Kiritimati\"]]", "[2262,4,12]");
    bt_expect(a, "time.clock", "[1517832000000000000]", "[12,0,0]");
    bt_expect(a, "time.clock", "[[1517832000000000000, \"America/New_York\"]]", "[7,0,0]");
    bt_expect(a, "time.clock", "[-1]", "[23,59,59]");
    /* 2024-03-10 in New York: 01:00 EST, then 03:00 EDT an hour later. */
    bt_expect(a, "time.clock", "[[1710050400000000000, \"America/New_York\"]]", "[1,0,0]");
    bt_expect(a, "time.clock", "[[1710054000000000000, \"America/New_York\"]]", "[3,0,0]");
    static const char *const days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
    for (int i = 0; i < 7; i++) {
        char args[64], want[32];
        snprintf(args, sizeof args, "[%lld]", 1517832000000000000LL + i * 86400000000000LL);
        snprintf(want, sizeof want, "\"%s\"", days[i]);
        bt_expect(a, "time.weekday", args, want);
    }
    bt_expect(a, "time.weekday", "[-1]", "\"Wednesday\"");
    bt_expect(a, "time.weekday", "[[-9223372036854775808, \"America/New_York\"]]", "\"Monday\"");
    bt_expect_err(a, "time.weekday", "[1582977600000000000000]", "time.weekday: timestamp too big");
}

static void test_add_date(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.add_date";
    bt_expect(a, f, "[1585852421593912000, 3, 9, 12]", "1705257221593912000");
    bt_expect(a, f, "[1585852421593912000, -1, -1, -1]", "1551465221593912000");
    /* Normalisation: 2020-01-31 plus a month is March 2nd (a leap year);
     * 2020-02-29 plus a year is 2021-03-01. */
    bt_expect(a, f, "[1580428800000000000, 0, 1, 0]", "1583107200000000000");
    bt_expect(a, f, "[1582934400000000000, 1, 0, 0]", "1614556800000000000");
    /* In a zone, across the start of daylight saving time: a calendar day
     * of 23 hours. */
    bt_expect(a, f, "[[1710000000000000000, \"America/New_York\"], 0, 0, 1]",
              "1710082800000000000");
    bt_expect(a, f, "[[1699160400000000000, \"America/New_York\"], 0, 0, 0]",
              "1699160400000000000");
    bt_expect(a, f, "[0, 0, 0, 106000]", "9158400000000000000");
    bt_expect_err(a, f, "[0, 0, 0, 107000]", "time.add_date: time outside of valid range");
    bt_expect_err(a, f, "[0, 2262, 1, 1]", "time.add_date: time outside of valid range");
    bt_expect_err(a, f, "[-9223372036854775808, 0, 0, -1]",
                  "time.add_date: time outside of valid range");
    bt_expect_err(a, f, "[0, 1.5, 0, 0]",
                  "time.add_date: operand 2 must be integer number but got floating-point number");
    bt_expect_err(a, f, "[0, 0, \"1\", 0]",
                  "time.add_date: operand 3 must be number but got string");
    bt_expect_err(a, f, "[[0, \"Nope\"], 1, 0, 0]", "time.add_date: unknown time zone Nope");
}

static void test_diff(void **state)
{
    ks_arena *a = *state;
    const char *f = "time.diff";
    bt_expect(a, f, "[61000000000, 0]", "[0,0,0,0,1,1]");
    bt_expect(a, f, "[[3660000000000, \"UTC\"], [0, \"Asia/Shanghai\"]]", "[0,0,0,1,1,0]");
    /* 2020-02-02 to 2020-03-01 (leap), 2021 likewise, 2004-02-29 to
     * 2005-03-01. */
    bt_expect(a, f, "[1580601600000000000, 1583020800000000000]", "[0,0,28,0,0,0]");
    bt_expect(a, f, "[1612224000000000000, 1614556800000000000]", "[0,0,27,0,0,0]");
    bt_expect(a, f, "[1078012800000000000, 1109635200000000000]", "[1,0,1,0,0,0]");
    bt_expect(a, f, "[1580428800000000000, 1582934400000000000]", "[0,0,29,0,0,0]");
    bt_expect(a, f, "[[0, \"Asia/Shanghai\"], [1700000000000000000, \"America/New_York\"]]",
              "[53,10,13,22,13,20]");
    /* Across a DST change, on the first operand's calendar. */
    bt_expect(a, f,
              "[[1709964000000000000, \"America/New_York\"], [1710050400000000000, "
              "\"America/New_York\"]]",
              "[0,0,1,0,0,0]");
    bt_expect_err(a, f, "[\"x\", 0]",
                  "time.diff: operand 1 must be either number (ns) or [number (ns), string (tz)] "
                  "but got string");
}

/* With an evaluation cache, a zone is loaded once and shared by later calls
 * and by both operands of time.diff; the cache frees it (ASan checks). */
static void test_zone_cache(void **state)
{
    ks_arena *a = *state;
    rg_bcache *cache = rg_bcache_new();
    ks_buf err = KS_BUF_INIT;
    rg_bctx c = {.arena = a, .err_msg = &err, .cache = cache};
    static const struct {
        const char *name, *args, *want;
    } calls[] = {
            {"time.date", "[[1517814000000000000, \"America/Los_Angeles\"]]", "[2018,2,4]"},
            {"time.clock", "[[1517814000000000000, \"America/Los_Angeles\"]]", "[23,0,0]"},
            {"time.diff",
             "[[0, \"America/Los_Angeles\"], [86400000000000, \"America/Los_Angeles\"]]",
             "[0,0,1,0,0,0]"},
            {"time.diff", "[[0, \"Europe/Paris\"], [86400000000000, \"Europe/Paris\"]]",
             "[0,0,1,0,0,0]"},
            {"time.parse_ns", "[\"2006-01-02 MST\", \"2020-01-01 XYZ\"]", "1577836800000000000"},
            {"time.date", "[[-1, \"Local\"]]", NULL},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        const rg_builtin_def *def = rg_builtin_lookup(calls[i].name, strlen(calls[i].name));
        kv_value args = tu_json(a, calls[i].args), res;
        c.name = def->name;
        assert_int_equal(def->fn(&c, args.u.items, &res), RG_OK);
        if (calls[i].want) {
            char *got = tu_to_json(&res, 0);
            assert_string_equal(got, calls[i].want);
            ks_xfree(got);
        }
    }
    ks_buf_free(&err);
    rg_bcache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_now_ns),
            cmocka_unit_test(test_parse_ns),
            cmocka_unit_test(test_parse_ns_errors),
            cmocka_unit_test(test_parse_rfc3339_ns),
            cmocka_unit_test(test_parse_duration_ns),
            cmocka_unit_test(test_format),
            cmocka_unit_test(test_tz_operand_errors),
            cmocka_unit_test(test_date_clock_weekday),
            cmocka_unit_test(test_add_date),
            cmocka_unit_test(test_diff),
            cmocka_unit_test(test_zone_cache),
    };
    bt_now_ns = NOW;
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
