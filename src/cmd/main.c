/* kso: one multi-call binary. The role is the first argument or the name the
 * binary is called by (a symlink named after the role). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/file.h"
#include "core/log.h"

static const kso_command commands[] = {
        {"convert", cmd_convert, "convert YAML to JSON and JSON to YAML"},
        {"rego", cmd_rego, "evaluate, check and test Rego policies"},
        {"scan", cmd_scan, "scan manifests against security frameworks (NSA, MITRE, ...)"},
        {"library", cmd_library, "export, download, list and test control libraries"},
        {"up", cmd_up, "run storage locally with the examples scanned into it (kubectl-ready)"},
        {"down", cmd_down, "stop a detached `kso up`"},
        {"storage", cmd_storage,
         "serve the spdx.softwarecomposition.kubescape.io API (results store)"},
        {"help", cmd_help, "show help for kso or a command"},
        {"version", cmd_version, "print the version"},
};

const kso_command *kso_commands(size_t *n)
{
    *n = sizeof(commands) / sizeof(commands[0]);
    return commands;
}

const kso_command *kso_find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int kso_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kso%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "\nRun 'kso %s --help' for usage.\n", cmd);
    else
        fprintf(stderr, "\nRun 'kso help' for usage.\n");
    return KSO_EXIT_USAGE;
}

int kso_report(const char *cmd, const ks_error *err, int exit_code)
{
    ks_buf b = KS_BUF_INIT;
    ks_error_format(err, &b);
    fprintf(stderr, "kso %s: %s\n", cmd, ks_buf_cstr(&b));
    ks_buf_free(&b);
    return exit_code;
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

int kso_wait_for_stop(void)
{
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stop_signal)
        pause();
    return (int)stop_signal;
}

int kso_parse_port(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 65535)
        return -1;
    *out = v;
    return 0;
}

int kso_parse_size(const char *s, size_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return KS_EINVAL;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return KS_EINVAL;
    static const struct {
        const char *suffix;
        unsigned long long mult;
    } units[] = {{"", 1},
                 {"k", 1000ULL},
                 {"K", 1000ULL},
                 {"M", 1000000ULL},
                 {"G", 1000000000ULL},
                 {"Ki", 1ULL << 10},
                 {"Mi", 1ULL << 20},
                 {"Gi", 1ULL << 30}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > SIZE_MAX / units[i].mult)
                return KS_ERANGE;
            *out = (size_t)(v * units[i].mult);
            return 0;
        }
    }
    return KS_EINVAL;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Takes the global logging flags out of argv, wherever they are (before a
 * "--"), as upstream's persistent flags: --logger LEVEL (alias --log-level)
 * and --logger-name json|zap|text|pretty. They override KS_LOGGER_LEVEL and
 * KS_LOGGER_NAME. Returns the new argc, or -1 after a usage error. */
static int take_log_flags(int argc, char **argv, int *level, int *format)
{
    int w = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[w++] = argv[i++];
            break;
        }
        bool is_level = false, is_name = false;
        const char *val = NULL;
        static const char *const level_flags[] = {"--logger", "--log-level"};
        for (size_t k = 0; k < 2; k++) {
            size_t n = strlen(level_flags[k]);
            if (strncmp(a, level_flags[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                is_level = true;
                val = a[n] == '=' ? a + n + 1 : NULL;
            }
        }
        if (strncmp(a, "--logger-name", 13) == 0 && (a[13] == '\0' || a[13] == '=')) {
            is_name = true;
            val = a[13] == '=' ? a + 14 : NULL;
        }
        if (!is_level && !is_name) {
            argv[w++] = argv[i];
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                kso_usage_error(NULL, "flag '%s' needs a value", a);
                return -1;
            }
            val = argv[++i];
        }
        if (is_level) {
            enum ks_log_level l;
            if (ks_log_level_parse(val, &l) != 0) {
                kso_usage_error(NULL, "unknown log level '%s' (debug, info, warn, error, off)",
                                val);
                return -1;
            }
            *level = (int)l;
        } else {
            enum ks_log_format f;
            if (ks_log_format_parse(val, &f) != 0) {
                kso_usage_error(NULL, "unknown logger name '%s' (pretty, zap)", val);
                return -1;
            }
            *format = (int)f;
        }
    }
    argv[w] = NULL;
    return w;
}

int main(int argc, char **argv)
{
    int level = -1, format = -1;
    argc = take_log_flags(argc, argv, &level, &format);
    if (argc < 0) {
        ks_log_setup(-1, -1, -1);
        return KSO_EXIT_USAGE;
    }
    /* CLI commands write their results to stdout, so their logs go to
     * stderr in both formats; service roles set stdout for JSON lines. */
    ks_log_setup(level, format, STDERR_FILENO);

    /* Called through a symlink named after a role: that is the command. */
    const char *self = base_name(argc > 0 ? argv[0] : "kso");
    const kso_command *c = kso_find_command(self);
    if (c && strcmp(self, "kso") != 0)
        return c->fn(argc, argv);

    if (argc < 2)
        return cmd_help(1, (char *[]){"help", NULL});
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0)
        return cmd_help(1, (char *[]){"help", NULL});
    if (strcmp(name, "--version") == 0)
        return cmd_version(1, (char *[]){"version", NULL});
    if (name[0] == '-')
        return kso_usage_error(NULL, "unknown flag '%s' (flags follow the command)", name);
    c = kso_find_command(name);
    if (!c)
        return kso_usage_error(NULL, "unknown command '%s'", name);
    return c->fn(argc - 1, argv + 1);
}

static bool name_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int kso_read_doc(ks_arena *a, const char *path, size_t max, kv_value *out, ks_error *err)
{
    char *data;
    size_t len;
    int rc = ks_file_read(path, max, &data, &len, err);
    if (rc < 0)
        return rc;
    kv_yaml_opts yo = {.source = path, .flags = KV_YAML_DUP_LAST_WINS};
    if (name_ends(path, ".yaml") || name_ends(path, ".yml")) {
        rc = kv_yaml_parse(a, data, len, &yo, out, err);
    } else {
        kv_json_opts jo = {.source = path};
        rc = kv_json_parse(a, data, len, &jo, out, err);
        if (rc < 0 && !name_ends(path, ".json")) {
            ks_error_clear(err);
            rc = kv_yaml_parse(a, data, len, &yo, out, err);
        }
    }
    free(data);
    return rc;
}

int kso_names_load(const char *path, kso_names *x)
{
    memset(x, 0, sizeof *x);
    ks_map_init(&x->set);
    if (!path)
        return 0;
    char *data;
    size_t len;
    if (ks_file_read(path, 16u << 20, &data, &len, NULL) < 0)
        return -1;
    size_t cap = 0;
    for (char *p = data, *end = data + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        char *hash = memchr(p, '#', (size_t)(stop - p));
        char *e = hash ? hash : stop;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (e > p) {
            if (x->n == cap) {
                cap = cap ? cap * 2 : 64;
                char **v = realloc(x->v, cap * sizeof *v);
                if (!v)
                    abort();
                x->v = v;
            }
            char *name = strndup(p, (size_t)(e - p));
            if (!name)
                abort();
            x->v[x->n++] = name;
            ks_map_put(&x->set, name, strlen(name), name);
        }
        p = stop + 1;
    }
    free(data);
    return 0;
}

bool kso_names_has(const kso_names *x, const char *s, size_t n)
{
    return ks_map_get(&x->set, s, n) != NULL;
}

void kso_names_free(kso_names *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->v[i]);
    free(x->v);
    ks_map_free(&x->set);
    memset(x, 0, sizeof *x);
}
