/*
 * kso library: control libraries (the built-in one, upstream's).
 *
 *   kso library export [--version TAG] [SRC] OUTDIR
 *   kso library download [--url BASE] [--version TAG] [--proxy URL] [--ca-file FILE]
 *                        [--insecure] [--max-file-size SIZE] DIR
 *   kso library list [SRC]
 *   kso library test [--rule NAME]... [--expected-failures FILE] [--write-failures FILE] [-v]
 * LIBDIR
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "posture/posture.h"

static const char library_usage[] =
        "Usage: kso library export [--version TAG] [SRC] OUTDIR\n"
        "       kso library download [--url BASE] [--version TAG] [--proxy URL]\n"
        "                            [--ca-file FILE] [--insecure] [--max-file-size SIZE]\n"
        "                            DIR\n"
        "       kso library list [SRC]\n"
        "       kso library test [--rule NAME]... [--expected-failures FILE]\n"
        "                        [--write-failures FILE] [-v] LIBDIR\n"
        "\n"
        "export  writes the release artifacts of a control library (frameworks.json,\n"
        "        controls.json, rules.json, default_config_inputs.json, exceptions.json,\n"
        "        attack_tracks.json, one <framework>.json each, the CSV tables, and the\n"
        "        controls-inputs.json / attack-tracks.json names that\n"
        "        `kubescape scan --use-artifacts-from` reads)\n"
        "download fetches the release artifacts of the upstream control library from\n"
        "        BASE/download/TAG/ (BASE/latest/download/ for --version latest) into DIR:\n"
        "        frameworks, security_frameworks, controls, rules, default_config_inputs,\n"
        "        exceptions and attack_tracks, each checked, plus the files `kubescape\n"
        "        download artifacts` writes; DIR is replaced only once all of it is there\n"
        "        and loads, and an existing DIR must hold release artifacts or be empty.\n"
        "        BASE defaults to $KSO_ARTIFACTS_URL, else\n"
        "        https://github.com/kubescape/regolibrary/releases; TAG to v2 (the rolling\n"
        "        release kubescape reads). --proxy defaults to the environment (HTTPS_PROXY,\n"
        "        HTTP_PROXY, NO_PROXY), --ca-file to $SSL_CERT_FILE or the system's CAs;\n"
        "        --insecure skips TLS verification; --max-file-size bounds each artifact\n"
        "        (default 64Mi). Exit 3 when the download fails.\n"
        "list    prints the frameworks and controls of a library\n"
        "test    runs the rule test cases of a source-layout library (rules/RULE/test/CASE/:\n"
        "        input/, expected.json, data.json, expected-filter.json) through the engine\n"
        "        as the upstream library's runner does; exit 1 on a failure not listed in\n"
        "        --expected-failures or on a listed case that now passes\n"
        "\n"
        "SRC is a library directory in the upstream source layout (rules/, controls/,\n"
        "frameworks/, ...) or in release-artifact form; without SRC, the built-in library.\n";

static int load(const char *src, ps_library **lib, ks_error *err)
{
    return src ? ps_library_load_dir(src, lib, err) : ps_library_builtin(lib, err);
}

static int library_export(int argc, char **argv)
{
    const char *version = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "--version") == 0 && i + 1 < argc)
            version = argv[++i];
        else if (strncmp(argv[i], "--version=", 10) == 0)
            version = argv[i] + 10;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(library_usage, stdout);
            return KSO_EXIT_OK;
        } else
            return kso_usage_error("library export", "unknown flag %s", argv[i]);
    }
    int left = argc - i;
    if (left < 1 || left > 2)
        return kso_usage_error("library export", "expected [SRC] OUTDIR");
    const char *src = left == 2 ? argv[i] : NULL, *out = argv[argc - 1];
    ks_error err = {0};
    ps_library *lib = NULL;
    if (load(src, &lib, &err))
        return kso_report("library export", &err, KSO_EXIT_INPUT);
    int rc = ps_library_export(lib, out, version, &err);
    if (!rc)
        fprintf(stderr, "kso library export: %zu frameworks, %zu controls written to %s\n",
                ps_library_framework_count(lib), ps_library_control_count(lib), out);
    ps_library_free(lib);
    return rc ? kso_report("library export", &err, KSO_EXIT_INPUT) : KSO_EXIT_OK;
}

static int library_download(int argc, char **argv)
{
    const char *env_url = getenv("KSO_ARTIFACTS_URL");
    ps_download_opts o = {.url = env_url && *env_url ? env_url : NULL};
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        size_t flen = eq && a[0] == '-' ? (size_t)(eq - a) : strlen(a);
        const char *val = eq && a[0] == '-' ? eq + 1 : NULL;
        static const char *const valued[] = {"--url", "--version", "--proxy", "--ca-file",
                                             "--max-file-size"};
        size_t k = 0;
        for (; k < sizeof valued / sizeof *valued; k++)
            if (strlen(valued[k]) == flen && strncmp(a, valued[k], flen) == 0)
                break;
        if (k < sizeof valued / sizeof *valued) {
            if (!val) {
                if (i + 1 >= argc)
                    return kso_usage_error("library download", "flag %s needs a value", valued[k]);
                val = argv[++i];
            }
            if (k == 0)
                o.url = val;
            else if (k == 1)
                o.version = val;
            else if (k == 2)
                o.proxy = val;
            else if (k == 3)
                o.ca_file = val;
            else if (kso_parse_size(val, &o.max_file_size) != 0 || o.max_file_size == 0)
                return kso_usage_error("library download",
                                       "--max-file-size %s is not a size (e.g. 64Mi)", val);
        } else if (strcmp(a, "--insecure") == 0) {
            o.insecure = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(library_usage, stdout);
            return KSO_EXIT_OK;
        } else if (a[0] == '-' && a[1]) {
            return kso_usage_error("library download", "unknown flag %s", a);
        } else if (!dir) {
            dir = a;
        } else {
            return kso_usage_error("library download", "expected one DIR");
        }
    }
    if (!dir)
        return kso_usage_error("library download", "expected DIR");
    ks_error err = {0};
    if (ps_library_download(&o, dir, &err))
        return kso_report("library download", &err, KSO_EXIT_INPUT);
    ps_library *lib = NULL;
    if (ps_library_load_dir(dir, &lib, &err))
        return kso_report("library download", &err, KSO_EXIT_INPUT);
    fprintf(stderr, "kso library download: %zu frameworks, %zu controls written to %s\n",
            ps_library_framework_count(lib), ps_library_control_count(lib), dir);
    ps_library_free(lib);
    return KSO_EXIT_OK;
}

static int library_list(int argc, char **argv)
{
    if (argc > 2)
        return kso_usage_error("library list", "expected [SRC]");
    ks_error err = {0};
    ps_library *lib = NULL;
    if (load(argc == 2 ? argv[1] : NULL, &lib, &err))
        return kso_report("library list", &err, KSO_EXIT_INPUT);
    printf("Frameworks:\n");
    for (size_t f = 0; f < ps_library_framework_count(lib); f++)
        printf("  %s\n", ps_library_framework_name(lib, f));
    printf("Controls:\n");
    for (size_t k = 0; k < ps_library_control_count(lib); k++) {
        const kv_value *c = ps_library_control(lib, k);
        const kv_value *id = kv_obj_get(c, "controlID", 9), *name = kv_obj_get(c, "name", 4);
        printf("  %-8s %s\n", id && id->kind == KV_STRING ? id->u.s : "?",
               name && name->kind == KV_STRING ? name->u.s : "");
    }
    ps_library_free(lib);
    return KSO_EXIT_OK;
}

typedef struct tstate {
    kso_names expected;
    bool verbose;
    size_t unexpected, fixed;
    FILE *write;
} tstate;

static void on_case(void *ctx, const char *name, bool pass, const char *detail)
{
    tstate *t = ctx;
    bool xf = kso_names_has(&t->expected, name, strlen(name));
    if (!pass && t->write)
        fprintf(t->write, "%s\n", name);
    if (pass && xf) {
        t->fixed++;
        printf("FIXED %s (remove it from the expected failures)\n", name);
    } else if (!pass && !xf) {
        t->unexpected++;
        printf("FAIL  %s: %s\n", name, detail);
    } else if (t->verbose) {
        printf("%s %s%s%s\n", pass ? "PASS " : "XFAIL", name, pass ? "" : ": ", pass ? "" : detail);
    }
}

static int library_test(int argc, char **argv)
{
    tstate t = {0};
    kso_names_load(NULL, &t.expected);
    const char **rules = calloc((size_t)argc + 1, sizeof *rules);
    size_t nrules = 0;
    const char *dir = NULL, *write_path = NULL;
    int code = KSO_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--rule") == 0 && i + 1 < argc)
            rules[nrules++] = argv[++i];
        else if (strcmp(a, "--expected-failures") == 0 && i + 1 < argc) {
            kso_names_free(&t.expected);
            if (kso_names_load(argv[++i], &t.expected) != 0) {
                code = kso_usage_error("library test", "cannot read %s", argv[i]);
                goto out;
            }
        } else if (strcmp(a, "--write-failures") == 0 && i + 1 < argc)
            write_path = argv[++i];
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
            t.verbose = true;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(library_usage, stdout);
            goto out;
        } else if (a[0] == '-') {
            code = kso_usage_error("library test", "unknown flag %s", a);
            goto out;
        } else if (!dir)
            dir = a;
        else {
            code = kso_usage_error("library test", "expected one LIBDIR");
            goto out;
        }
    }
    if (!dir) {
        code = kso_usage_error("library test", "expected LIBDIR");
        goto out;
    }
    if (write_path && !(t.write = fopen(write_path, "w"))) {
        code = kso_usage_error("library test", "cannot write %s", write_path);
        goto out;
    }
    ps_ruletest_opts o = {.rules = rules, .nrules = nrules, .report = on_case, .report_ctx = &t};
    ps_ruletest_stats st;
    ks_error err = {0};
    if (ps_ruletest_run(dir, &o, &st, &err) != 0) {
        code = kso_report("library test", &err, KSO_EXIT_INPUT);
        goto out;
    }
    printf("rule tests: %zu/%zu cases pass (%.1f%%); %zu expected failures listed, %zu unexpected "
           "failures, %zu fixed\n",
           st.passed, st.cases, st.cases ? 100.0 * (double)st.passed / (double)st.cases : 0.0,
           t.expected.n, t.unexpected, t.fixed);
    if (st.cases == 0) {
        fprintf(stderr, "kso library test: %s: no test cases found\n", dir);
        code = KSO_EXIT_FAILED;
    } else if (t.unexpected || t.fixed)
        code = KSO_EXIT_FAILED;
out:
    if (t.write)
        fclose(t.write);
    kso_names_free(&t.expected);
    free(rules);
    return code;
}

int cmd_library(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(library_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? KSO_EXIT_USAGE : KSO_EXIT_OK;
    }
    if (strcmp(argv[1], "export") == 0)
        return library_export(argc - 1, argv + 1);
    if (strcmp(argv[1], "download") == 0)
        return library_download(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return library_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") == 0)
        return library_test(argc - 1, argv + 1);
    return kso_usage_error("library", "unknown subcommand %s", argv[1]);
}
