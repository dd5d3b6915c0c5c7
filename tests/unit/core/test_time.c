/* Unit tests for core/time: RFC 3339 formatting and parsing, and the civil
 * calendar helpers. Expected values are from Go's time package and Python's
 * datetime (proleptic Gregorian calendar). No test depends on the clock's
 * speed. */
#include "testutil.h"

#include <string.h>

#include "core/mem.h"
#include "core/time.h"

static void check_format(int64_t ns, int frac, const char *want)
{
    char buf[KS_TIME_BUFSZ];
    memset(buf, '#', sizeof(buf));
    size_t n = ks_time_format(ns, frac, buf);
    if (strcmp(buf, want) != 0)
        fail_msg("format(%lld, %d) = %s, want %s", (long long)ns, frac, buf, want);
    assert_int_equal(n, strlen(want));
}

static int parse(const char *s, int64_t *ns)
{
    return ks_time_parse(s, strlen(s), ns);
}

static void check_parse(const char *s, int64_t want)
{
    int64_t ns = 0;
    int rc = parse(s, &ns);
    if (rc != 0)
        fail_msg("parse(%s) failed: %d", s, rc);
    if (ns != want)
        fail_msg("parse(%s) = %lld, want %lld", s, (long long)ns, (long long)want);
}

static void test_format_basic(void **state)
{
    (void)state;
    check_format(0, 0, "1970-01-01T00:00:00Z");
    check_format(0, 3, "1970-01-01T00:00:00.000Z");
    check_format(0, -1, "1970-01-01T00:00:00Z");
    check_format(1136214245LL * KS_NS_PER_SEC, 0, "2006-01-02T15:04:05Z");
    check_format(951782400LL * KS_NS_PER_SEC, 0, "2000-02-29T00:00:00Z");
    check_format(2147483648LL * KS_NS_PER_SEC, 0, "2038-01-19T03:14:08Z");
}

static void test_format_fractions(void **state)
{
    (void)state;
    const int64_t t = 1136214245123456789LL;
    check_format(t, -1, "2006-01-02T15:04:05.123456789Z");
    check_format(t, 0, "2006-01-02T15:04:05Z");
    check_format(t, 1, "2006-01-02T15:04:05.1Z");
    check_format(t, 3, "2006-01-02T15:04:05.123Z");
    check_format(t, 6, "2006-01-02T15:04:05.123456Z");
    check_format(t, 9, "2006-01-02T15:04:05.123456789Z");
    check_format(t, 12, "2006-01-02T15:04:05.123456789Z"); /* at most 9 */
    /* Fixed digits truncate, they do not round. */
    check_format(1136214245999999999LL, 3, "2006-01-02T15:04:05.999Z");
    /* RFC3339Nano drops trailing zeros, and the dot with them. */
    check_format(1136214245500000000LL, -1, "2006-01-02T15:04:05.5Z");
    check_format(1136214245000000100LL, -1, "2006-01-02T15:04:05.0000001Z");
    check_format(1136214245000000001LL, -1, "2006-01-02T15:04:05.000000001Z");
    check_format(1136214245120000000LL, -1, "2006-01-02T15:04:05.12Z");
    check_format(1136214245000000000LL, -1, "2006-01-02T15:04:05Z");
}

static void test_format_before_epoch_and_extremes(void **state)
{
    (void)state;
    check_format(-1, -1, "1969-12-31T23:59:59.999999999Z");
    check_format(-1, 0, "1969-12-31T23:59:59Z");
    check_format(-1, 3, "1969-12-31T23:59:59.999Z");
    check_format(-KS_NS_PER_SEC, -1, "1969-12-31T23:59:59Z");
    check_format(-KS_NS_PER_SEC / 2, -1, "1969-12-31T23:59:59.5Z");
    check_format(-86400LL * KS_NS_PER_SEC, 0, "1969-12-31T00:00:00Z");
    check_format(-86400LL * KS_NS_PER_SEC - 1, 0, "1969-12-30T23:59:59Z");
    check_format(-8520336000LL * KS_NS_PER_SEC, 0, "1700-01-01T00:00:00Z");
    check_format(INT64_MAX, -1, "2262-04-11T23:47:16.854775807Z");
    check_format(INT64_MIN, -1, "1677-09-21T00:12:43.145224192Z");
    check_format(INT64_MIN, 9, "1677-09-21T00:12:43.145224192Z");
}

static void test_parse_basic(void **state)
{
    (void)state;
    check_parse("1970-01-01T00:00:00Z", 0);
    check_parse("2006-01-02T15:04:05Z", 1136214245LL * KS_NS_PER_SEC);
    check_parse("2000-02-29T00:00:00Z", 951782400LL * KS_NS_PER_SEC);
    check_parse("1969-12-31T23:59:59Z", -KS_NS_PER_SEC);
    check_parse("1969-12-31T23:59:59.5Z", -KS_NS_PER_SEC / 2);
    check_parse("1969-12-31T23:59:59.999999999Z", -1);
    check_parse("1700-01-01T00:00:00Z", -8520336000LL * KS_NS_PER_SEC);
    check_parse("2262-04-11T23:47:15Z", 9223372035LL * KS_NS_PER_SEC);
}

static void test_parse_fractions(void **state)
{
    (void)state;
    const int64_t base = 1136214245LL * KS_NS_PER_SEC;
    check_parse("2006-01-02T15:04:05.1Z", base + 100000000);
    check_parse("2006-01-02T15:04:05.000000001Z", base + 1);
    check_parse("2006-01-02T15:04:05.123456789Z", base + 123456789);
    check_parse("2006-01-02T15:04:05.120Z", base + 120000000);
    /* Digits past nanoseconds are accepted and dropped, as Go does. */
    check_parse("2006-01-02T15:04:05.123456789123Z", base + 123456789);
    check_parse("2006-01-02T15:04:05.9999999999Z", base + 999999999);
}

static void test_parse_offsets_and_separators(void **state)
{
    (void)state;
    const int64_t base = 1136214245LL * KS_NS_PER_SEC;
    check_parse("2006-01-02T15:04:05+07:00", base - 7 * 3600 * KS_NS_PER_SEC);
    check_parse("2006-01-02T15:04:05-07:30", base + (7 * 3600 + 1800) * KS_NS_PER_SEC);
    check_parse("2006-01-02T15:04:05+00:00", base);
    check_parse("2006-01-02T15:04:05-00:00", base);
    check_parse("2006-01-02T15:04:05+23:59", base - (23 * 3600 + 59 * 60) * KS_NS_PER_SEC);
    check_parse("2006-01-02T15:04:05.5+01:00", base - 3600 * KS_NS_PER_SEC + 500000000);
    /* Crossing midnight and the year through the offset. */
    check_parse("2006-01-01T00:30:00+01:00", (1136073600LL - 1800) * KS_NS_PER_SEC);
    check_parse("2006-01-02t15:04:05z", base);
    check_parse("2006-01-02 15:04:05Z", base);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *bad[] = {
            "",
            "2006-01-02",
            "2006-01-02T15:04:05",
            "2006-01-02T15:04Z",
            "2006-01-02T15:04:05.Z",
            "2006-01-02T15:04:05,5Z",
            "2006-1-02T15:04:05Z",
            "2006-01-2T15:04:05Z",
            "06-01-02T15:04:05Z",
            "20060-01-02T15:04:05Z",
            "-2006-01-02T15:04:05Z",
            "2006/01/02T15:04:05Z",
            "2006-01-02X15:04:05Z",
            "2006-01-02T15:04:05ZZ",
            "2006-01-02T15:04:05Z ",
            " 2006-01-02T15:04:05Z",
            "2006-00-02T15:04:05Z",
            "2006-13-02T15:04:05Z",
            "2006-01-00T15:04:05Z",
            "2006-01-32T15:04:05Z",
            "2006-02-29T15:04:05Z", /* not a leap year */
            "2100-02-29T15:04:05Z", /* not a leap year */
            "2006-04-31T15:04:05Z",
            "2006-01-02T24:00:00Z",
            "2006-01-02T23:60:00Z",
            "2006-01-02T23:59:60Z", /* leap second: Go rejects it */
            "2006-01-02T15:04:05+0700",
            "2006-01-02T15:04:05+07",
            "2006-01-02T15:04:05+07:60",
            "2006-01-02T15:04:05+7:00",
            "2006-01-02T15:04:05 +07:00",
            "2006-01-02T15:04:05UTC",
            "2006-01-02T1a:04:05Z",
            "2006-01-02T15:04:05.12a3Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ns = 12345;
        int rc = parse(bad[i], &ns);
        if (rc != KS_EPARSE)
            fail_msg("parse(\"%s\") = %d, want KS_EPARSE", bad[i], rc);
    }
    assert_int_equal(parse("2004-02-29T00:00:00Z", &(int64_t){0}), 0);
    assert_int_equal(parse("2000-02-29T00:00:00Z", &(int64_t){0}), 0);
}

static void test_parse_every_prefix_fails(void **state)
{
    (void)state;
    const char *full = "2006-01-02T15:04:05.123+07:00";
    int64_t ns;
    for (size_t n = 0; n < strlen(full); n++) {
        /* An exact-size heap copy without NUL: nothing past n is read. */
        char *p = ks_xmalloc(n ? n : 1);
        memcpy(p, full, n);
        if (ks_time_parse(p, n, &ns) == 0)
            fail_msg("prefix of %zu bytes accepted", n);
        ks_xfree(p);
    }
    assert_int_equal(ks_time_parse(full, strlen(full), &ns), 0);
}

static void test_parse_out_of_range(void **state)
{
    (void)state;
    /* Valid RFC 3339 outside what int64 nanoseconds hold (1677..2262). */
    int64_t ns;
    assert_int_equal(parse("2300-01-01T00:00:00Z", &ns), KS_ERANGE);
    assert_int_equal(parse("9999-12-31T23:59:59Z", &ns), KS_ERANGE);
    assert_int_equal(parse("0000-01-01T00:00:00Z", &ns), KS_ERANGE);
    assert_int_equal(parse("1600-01-01T00:00:00Z", &ns), KS_ERANGE);
    assert_int_equal(parse("1700-01-01T00:00:00Z", &ns), 0);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
    /* splitmix64 with a fixed start: reproducible. */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_round_trips(void **state)
{
    (void)state;
    char buf[KS_TIME_BUFSZ];
    for (int i = 0; i < 200000; i++) {
        /* Whole int64 range but the outermost seconds, and a dense band
         * near the epoch; with fractions of every length. */
        const uint64_t half = 9000000000000000000ULL;
        uint64_t r = rng() % (2 * half);
        int64_t ns = r >= half ? (int64_t)(r - half) : -(int64_t)(half - r);
        if (i % 4 == 0)
            ns /= 1000000000;
        if (i % 8 == 1)
            ns -= ns % 1000;
        int64_t back;
        size_t n = ks_time_format(ns, -1, buf);
        if (ks_time_parse(buf, n, &back) != 0 || back != ns)
            fail_msg("%lld -> %s does not round-trip", (long long)ns, buf);
        n = ks_time_format(ns, 9, buf);
        if (ks_time_parse(buf, n, &back) != 0 || back != ns)
            fail_msg("%lld -> %s does not round-trip", (long long)ns, buf);
        n = ks_time_format(ns, 3, buf);
        int64_t ms = ns - (((ns % 1000000) + 1000000) % 1000000);
        if (ks_time_parse(buf, n, &back) != 0 || back != ms)
            fail_msg("%lld -> %s is not the millisecond", (long long)ns, buf);
    }
}

static void test_days_from_civil_known(void **state)
{
    (void)state;
    static const struct {
        int64_t y;
        unsigned m, d;
        int64_t days;
    } known[] = {
            {1970, 1, 1, 0},         {1969, 12, 31, -1},   {2000, 2, 29, 11016},
            {2000, 3, 1, 11017},     {1900, 3, 1, -25508}, {2100, 3, 1, 47541},
            {1600, 1, 1, -135140},   {2038, 1, 19, 24855}, {2024, 12, 31, 20088},
            {1583, 10, 15, -141062}, {1, 1, 1, -719162},   {9999, 12, 31, 2932896},
            {0, 1, 1, -719528},      {0, 3, 1, -719468},   {-1, 12, 31, -719529},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        int64_t days = ks_days_from_civil(known[i].y, known[i].m, known[i].d);
        if (days != known[i].days)
            fail_msg("%lld-%02u-%02u: %lld, want %lld", (long long)known[i].y, known[i].m,
                     known[i].d, (long long)days, (long long)known[i].days);
        int64_t y;
        unsigned m, d;
        ks_civil_from_days(known[i].days, &y, &m, &d);
        assert_true(y == known[i].y);
        assert_int_equal(m, known[i].m);
        assert_int_equal(d, known[i].d);
    }
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void test_civil_walk_day_by_day(void **state)
{
    (void)state;
    /* From 2000 BC to AD 4000, each day is the calendar successor of the
     * one before, by an independent month-length rule. */
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t start = ks_days_from_civil(-2000, 1, 1);
    int64_t end = ks_days_from_civil(4000, 1, 1);
    int64_t y = -2000;
    unsigned m = 1, d = 1;
    for (int64_t z = start; z <= end; z++) {
        int64_t gy;
        unsigned gm, gd;
        ks_civil_from_days(z, &gy, &gm, &gd);
        if (gy != y || gm != m || gd != d)
            fail_msg("day %lld: %lld-%u-%u, want %lld-%u-%u", (long long)z, (long long)gy, gm, gd,
                     (long long)y, m, d);
        if (ks_days_from_civil(y, m, d) != z)
            fail_msg("days_from_civil(%lld-%u-%u) != %lld", (long long)y, m, d, (long long)z);
        unsigned dim = mdays[m - 1] + (m == 2 && is_leap(y));
        if (++d > dim) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_true(y == 4000 && m == 1 && d == 2);
}

static void test_civil_far_dates(void **state)
{
    (void)state;
    const int64_t days[] = {-1000000000LL, -146097LL * 1000, 146097LL * 1000, 1000000000LL};
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
        int64_t y;
        unsigned m, d;
        ks_civil_from_days(days[i], &y, &m, &d);
        assert_in_range(m, 1, 12);
        assert_in_range(d, 1, 31);
        assert_true(ks_days_from_civil(y, m, d) == days[i]);
    }
    /* The calendar repeats every 400 years (146097 days). */
    assert_true(ks_days_from_civil(2400, 1, 1) - ks_days_from_civil(2000, 1, 1) == 146097);
    assert_true(ks_days_from_civil(-400, 1, 1) - ks_days_from_civil(-800, 1, 1) == 146097);
}

static void test_clocks(void **state)
{
    (void)state;
    /* Sanity only: after 2020, and the monotonic clock never goes back. */
    assert_true(ks_time_now() > 1577836800LL * KS_NS_PER_SEC);
    int64_t a = ks_time_mono();
    int64_t b = ks_time_mono();
    assert_true(b >= a);
}

static void test_days_in_month(void **state)
{
    (void)state;
    static const unsigned y2023[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned m = 1; m <= 12; m++)
        assert_int_equal(ks_days_in_month(2023, m), y2023[m - 1]);
    assert_int_equal(ks_days_in_month(2024, 2), 29);
    assert_int_equal(ks_days_in_month(1900, 2), 28);
    assert_int_equal(ks_days_in_month(2000, 2), 29);
    assert_int_equal(ks_days_in_month(-4, 2), 29);
    assert_int_equal(ks_days_in_month(2024, 0), 0);
    assert_int_equal(ks_days_in_month(2024, 13), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_days_in_month),
            cmocka_unit_test(test_format_basic),
            cmocka_unit_test(test_format_fractions),
            cmocka_unit_test(test_format_before_epoch_and_extremes),
            cmocka_unit_test(test_parse_basic),
            cmocka_unit_test(test_parse_fractions),
            cmocka_unit_test(test_parse_offsets_and_separators),
            cmocka_unit_test(test_parse_rejects),
            cmocka_unit_test(test_parse_every_prefix_fails),
            cmocka_unit_test(test_parse_out_of_range),
            cmocka_unit_test(test_round_trips),
            cmocka_unit_test(test_days_from_civil_known),
            cmocka_unit_test(test_civil_walk_day_by_day),
            cmocka_unit_test(test_civil_far_dates),
            cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
