/* Unit tests for core/log: record formats (JSON lines and text), level
 * filtering, configuration from flags and environment. */
#include "testutil.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/time.h"

/* 2006-01-02T15:04:05.678999999Z */
#define TS 1136214245678999999LL

static char *record(enum ks_log_format format, enum ks_log_level level, int64_t ts,
                    const char *component, const char *msg, const ks_log_field *fields,
                    size_t nfields)
{
    ks_buf b = KS_BUF_INIT;
    ks_log_format_record(&b, format, level, ts, component, msg, fields, nfields);
    assert_int_equal(b.err, 0);
    return ks_buf_detach(&b, NULL);
}

static void assert_record(const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("\n   got: %s  want: %s", got, want);
}

/* A log file in a fresh temporary directory; the logger writes to it. */
struct logfile {
    char *dir;
    char *path;
    int fd;
};

static void logfile_open(struct logfile *lf)
{
    lf->dir = tu_tmpdir();
    ks_buf p = KS_BUF_INIT;
    ks_buf_printf(&p, "%s/log", lf->dir);
    lf->path = ks_buf_detach(&p, NULL);
    lf->fd = open(lf->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(lf->fd >= 0);
}

static char *logfile_read(const struct logfile *lf)
{
    char *data = NULL;
    size_t len = 0;
    ks_error err;
    assert_int_equal(ks_file_read(lf->path, 0, &data, &len, &err), 0);
    return data;
}

static void logfile_close(struct logfile *lf)
{
    /* Back to the defaults before the descriptor goes away. */
    ks_log_setup(KS_LOG_INFO, KS_LOG_TEXT, STDERR_FILENO);
    close(lf->fd);
    tu_rmtree(lf->dir);
    ks_xfree(lf->dir);
    ks_xfree(lf->path);
}

static void test_json_record_fields(void **state)
{
    (void)state;
    ks_error e;
    ks_error_at(&e, KS_EPARSE, "x.yaml", 3, 7, 0, "bad indent");
    const ks_log_field f[] = {
            KS_F_INT("port", 8443),
            KS_F_BOOL("tls", true),
            KS_F_BOOL("debug", false),
            KS_F_DOUBLE("ratio", 1.5),
            KS_F_STR("name", "a\"b\n"),
            KS_F_INT("neg", -42),
            KS_F_ERR(&e),
    };
    char *s = record(KS_LOG_JSON, KS_LOG_INFO, TS, "storage", "listening", f, 7);
    assert_record(s, "{\"level\":\"info\",\"ts\":\"2006-01-02T15:04:05.678Z\","
                     "\"msg\":\"listening\",\"component\":\"storage\",\"port\":8443,"
                     "\"tls\":true,\"debug\":false,\"ratio\":1.5,\"name\":\"a\\\"b\\n\","
                     "\"neg\":-42,\"error\":\"x.yaml:3:7: bad indent\"}\n");
    ks_xfree(s);
}

static void test_json_levels_and_no_component(void **state)
{
    (void)state;
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int l = KS_LOG_DEBUG; l <= KS_LOG_ERROR; l++) {
        char *s = record(KS_LOG_JSON, (enum ks_log_level)l, 0, NULL, "m", NULL, 0);
        char want[128];
        snprintf(want, sizeof(want),
                 "{\"level\":\"%s\",\"ts\":\"1970-01-01T00:00:00.000Z\",\"msg\":\"m\"}\n",
                 names[l]);
        assert_record(s, want);
        ks_xfree(s);
    }
}

static void test_json_escaping(void **state)
{
    (void)state;
    const ks_log_field f[] = {
            KS_F_STR("we\"ird", "<tab>\t\x01\xFF"),
            KS_F_STR("null", NULL),
            KS_F_STR("html", "<&>"),
    };
    char *s = record(KS_LOG_JSON, KS_LOG_WARN, TS, "c\"omp", "line\nbreak \xE2\x80\xA8", f, 3);
    assert_record(s, "{\"level\":\"warn\",\"ts\":\"2006-01-02T15:04:05.678Z\","
                     "\"msg\":\"line\\nbreak \\u2028\",\"component\":\"c\\\"omp\","
                     "\"we\\\"ird\":\"<tab>\\t\\u0001\\ufffd\",\"null\":\"\",\"html\":\"<&>\"}\n");
    ks_xfree(s);
}

static void test_json_doubles(void **state)
{
    (void)state;
    const ks_log_field f[] = {
            KS_F_DOUBLE("half", 0.5),     KS_F_DOUBLE("big", 1e300),      KS_F_DOUBLE("int", 3.0),
            KS_F_DOUBLE("inf", INFINITY), KS_F_DOUBLE("ninf", -INFINITY), KS_F_DOUBLE("nan", NAN),
            KS_F_DOUBLE("tenth", 0.1),
    };
    char *s = record(KS_LOG_JSON, KS_LOG_INFO, 0, NULL, "d", f, 7);
    assert_non_null(strstr(s, ",\"half\":0.5,"));
    assert_non_null(strstr(s, ",\"big\":1.0000000000000001e+300,"));
    assert_non_null(strstr(s, ",\"int\":3,"));
    /* JSON has no infinities or NaN: they are written as strings. */
    assert_non_null(strstr(s, ",\"inf\":\"inf\","));
    assert_non_null(strstr(s, ",\"ninf\":\"-inf\","));
    const char *nan = strstr(s, ",\"nan\":\"");
    assert_non_null(nan);
    /* 0.1 is written so that it reads back as the same double. */
    const char *tenth = strstr(s, ",\"tenth\":");
    assert_non_null(tenth);
    assert_true(strtod(tenth + 9, NULL) == 0.1);
    ks_xfree(s);
}

static void test_json_ts_is_rfc3339_utc(void **state)
{
    (void)state;
    const int64_t times[] = {0, -1, TS, 1700000000123456789LL, -86400LL * KS_NS_PER_SEC * 365};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char *s = record(KS_LOG_JSON, KS_LOG_INFO, times[i], NULL, "t", NULL, 0);
        const char *ts = strstr(s, "\"ts\":\"");
        assert_non_null(ts);
        ts += 6;
        const char *end = strchr(ts, '"');
        assert_non_null(end);
        assert_int_equal(end - ts, 24); /* 2006-01-02T15:04:05.000Z */
        assert_int_equal(end[-1], 'Z');
        int64_t back;
        assert_int_equal(ks_time_parse(ts, (size_t)(end - ts), &back), 0);
        /* Milliseconds, truncated towards the past. */
        int64_t ms = 1000000;
        int64_t want = times[i] - ((times[i] % ms) + ms) % ms;
        assert_true(back == want);
        ks_xfree(s);
    }
}

static void test_text_record(void **state)
{
    (void)state;
    ks_log_setup(KS_LOG_INFO, KS_LOG_TEXT, STDERR_FILENO);
    ks_error e;
    ks_error_at(&e, KS_ENOENT, "in.json", 0, 0, 0, "cannot open");
    const ks_log_field f[] = {
            KS_F_INT("port", 8443), KS_F_STR("name", "a b"), KS_F_STR("empty", ""),
            KS_F_STR("eq", "k=v"),  KS_F_BOOL("ok", true),   KS_F_STR("plain", "x/y:z"),
            KS_F_ERR(&e),
    };
    char *s = record(KS_LOG_TEXT, KS_LOG_INFO, TS, "storage", "listening", f, 7);
    assert_record(s, "info: [storage] listening port=8443 name=\"a b\" empty=\"\" eq=\"k=v\" "
                     "ok=true plain=x/y:z error=\"in.json: cannot open\"\n");
    ks_xfree(s);

    /* The CLI's own component and a missing one are not shown. */
    s = record(KS_LOG_TEXT, KS_LOG_WARN, TS, "cli", "careful", NULL, 0);
    assert_record(s, "warn: careful\n");
    ks_xfree(s);
    s = record(KS_LOG_TEXT, KS_LOG_ERROR, TS, NULL, "boom", NULL, 0);
    assert_record(s, "error: boom\n");
    ks_xfree(s);
    const ks_log_field q[] = {KS_F_STR("v", "tab\there \"q\"")};
    s = record(KS_LOG_TEXT, KS_LOG_DEBUG, TS, "x", "m", q, 1);
    assert_record(s, "debug: [x] m v=\"tab\\there \\\"q\\\"\"\n");
    ks_xfree(s);
}

static void test_level_and_format_parse(void **state)
{
    (void)state;
    enum ks_log_level l;
    static const struct {
        const char *s;
        enum ks_log_level l;
    } levels[] = {{"debug", KS_LOG_DEBUG},  {"INFO", KS_LOG_INFO},   {"warn", KS_LOG_WARN},
                  {"Warning", KS_LOG_WARN}, {"error", KS_LOG_ERROR}, {"off", KS_LOG_OFF},
                  {"none", KS_LOG_OFF}};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        l = KS_LOG_ERROR;
        assert_int_equal(ks_log_level_parse(levels[i].s, &l), 0);
        assert_int_equal(l, levels[i].l);
    }
    l = KS_LOG_WARN;
    assert_int_equal(ks_log_level_parse("verbose", &l), KS_EINVAL);
    assert_int_equal(ks_log_level_parse("", &l), KS_EINVAL);
    assert_int_equal(ks_log_level_parse("info ", &l), KS_EINVAL);
    assert_int_equal(l, KS_LOG_WARN); /* untouched on error */

    enum ks_log_format f;
    assert_int_equal(ks_log_format_parse("json", &f), 0);
    assert_int_equal(f, KS_LOG_JSON);
    assert_int_equal(ks_log_format_parse("zap", &f), 0);
    assert_int_equal(f, KS_LOG_JSON);
    assert_int_equal(ks_log_format_parse("TEXT", &f), 0);
    assert_int_equal(f, KS_LOG_TEXT);
    assert_int_equal(ks_log_format_parse("pretty", &f), 0);
    assert_int_equal(f, KS_LOG_TEXT);
    assert_int_equal(ks_log_format_parse("xml", &f), KS_EINVAL);
}

static void test_level_filtering_in_writes(void **state)
{
    (void)state;
    struct logfile lf;
    logfile_open(&lf);
    ks_log_setup(KS_LOG_WARN, KS_LOG_TEXT, lf.fd);
    assert_int_equal(ks_log_level_get(), KS_LOG_WARN);
    assert_false(ks_log_enabled(KS_LOG_DEBUG));
    assert_false(ks_log_enabled(KS_LOG_INFO));
    assert_true(ks_log_enabled(KS_LOG_WARN));
    assert_true(ks_log_enabled(KS_LOG_ERROR));
    assert_false(ks_log_enabled(KS_LOG_OFF));

    ks_log_debug("t", "dropped debug");
    ks_log_info("t", "dropped info", KS_F_INT("n", 1));
    ks_log_warn("t", "kept warn", KS_F_INT("n", 2));
    ks_log_error("t", "kept error");
    ks_log_write(KS_LOG_INFO, "t", "dropped direct", NULL, 0);
    char *out = logfile_read(&lf);
    assert_string_equal(out, "warn: [t] kept warn n=2\nerror: [t] kept error\n");
    ks_xfree(out);

    /* off: nothing at all, not even errors. */
    ks_log_setup(KS_LOG_OFF, KS_LOG_TEXT, lf.fd);
    assert_false(ks_log_enabled(KS_LOG_ERROR));
    ks_log_error("t", "silenced");
    out = logfile_read(&lf);
    assert_null(strstr(out, "silenced"));
    ks_xfree(out);

    /* debug: everything. */
    ks_log_setup(KS_LOG_DEBUG, KS_LOG_TEXT, lf.fd);
    ks_log_debug("t", "now visible");
    out = logfile_read(&lf);
    assert_non_null(strstr(out, "debug: [t] now visible\n"));
    ks_xfree(out);
    logfile_close(&lf);
}

static void test_json_write_uses_now(void **state)
{
    (void)state;
    struct logfile lf;
    logfile_open(&lf);
    ks_log_setup(KS_LOG_INFO, KS_LOG_JSON, lf.fd);
    int64_t before = ks_time_now();
    ks_log_info("storage", "listening", KS_F_INT("port", 8443));
    int64_t after = ks_time_now();
    char *out = logfile_read(&lf);
    assert_memory_equal(out, "{\"level\":\"info\",\"ts\":\"", 22);
    const char *ts = out + 22;
    int64_t t;
    assert_int_equal(ks_time_parse(ts, 24, &t), 0);
    assert_true(t >= before - 1000000 && t <= after);
    assert_string_equal(ts + 24, "\",\"msg\":\"listening\",\"component\":\"storage\","
                                 "\"port\":8443}\n");
    ks_xfree(out);
    logfile_close(&lf);
}

static void test_setup_from_environment(void **state)
{
    (void)state;
    struct logfile lf;
    logfile_open(&lf);
    setenv("KS_LOGGER_LEVEL", "debug", 1);
    setenv("KS_LOGGER_NAME", "zap", 1);
    ks_log_setup(-1, -1, lf.fd);
    assert_int_equal(ks_log_level_get(), KS_LOG_DEBUG);
    ks_log_debug("env", "from env");
    char *out = logfile_read(&lf);
    assert_memory_equal(out, "{\"level\":\"debug\"", 16);
    ks_xfree(out);

    /* Explicit settings win over the environment. */
    ks_log_setup(KS_LOG_ERROR, KS_LOG_TEXT, lf.fd);
    assert_int_equal(ks_log_level_get(), KS_LOG_ERROR);

    /* Unknown values fall back to info and text. */
    setenv("KS_LOGGER_LEVEL", "chatty", 1);
    setenv("KS_LOGGER_NAME", "xml", 1);
    ks_log_setup(-1, -1, lf.fd);
    assert_int_equal(ks_log_level_get(), KS_LOG_INFO);
    assert_true(ftruncate(lf.fd, 0) == 0);
    assert_true(lseek(lf.fd, 0, SEEK_SET) == 0);
    ks_log_info("env", "fallback");
    out = logfile_read(&lf);
    assert_string_equal(out, "info: [env] fallback\n");
    ks_xfree(out);

    unsetenv("KS_LOGGER_LEVEL");
    unsetenv("KS_LOGGER_NAME");
    ks_log_setup(-1, -1, lf.fd);
    assert_int_equal(ks_log_level_get(), KS_LOG_INFO);
    logfile_close(&lf);
}

static void test_oversized_record_replaced(void **state)
{
    (void)state;
    struct logfile lf;
    logfile_open(&lf);
    ks_log_setup(KS_LOG_INFO, KS_LOG_JSON, lf.fd);
    size_t n = 2u << 20;
    char *big = ks_xmalloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    ks_log_info("c", "big field", KS_F_STR("data", big));
    ks_xfree(big);
    char *out = logfile_read(&lf);
    assert_true(strlen(out) < 1000);
    assert_non_null(strstr(out, "\"msg\":\"log record too large, dropped\""));
    assert_non_null(strstr(out, "\"level\":\"info\""));
    ks_xfree(out);
    logfile_close(&lf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_json_record_fields),
            cmocka_unit_test(test_json_levels_and_no_component),
            cmocka_unit_test(test_json_escaping),
            cmocka_unit_test(test_json_doubles),
            cmocka_unit_test(test_json_ts_is_rfc3339_utc),
            cmocka_unit_test(test_text_record),
            cmocka_unit_test(test_level_and_format_parse),
            cmocka_unit_test(test_level_filtering_in_writes),
            cmocka_unit_test(test_json_write_uses_now),
            cmocka_unit_test(test_setup_from_environment),
            cmocka_unit_test(test_oversized_record_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
