/*
 * kso scan: posture scanning of manifests against control frameworks, as
 * `kubescape scan` (spec configscan_rego.md §5.2, §6).
 *
 *   kso scan [framework NAMES | control IDS] [PATHS...] [flags]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/ascii.h"
#include "core/file.h"
#include "core/log.h"
#include "kube/client.h"
#include "posture/posture.h"
#include "posture/render.h"

static const char scan_usage[] =
        "Usage: kso scan [framework NAMES | control IDS] [PATHS...] [flags]\n"
        "\n"
        "Scans Kubernetes manifests (files, directories, '-' for standard input) or,\n"
        "without PATHS, the live cluster of the kubeconfig (or the in-cluster service\n"
        "account) against the controls of security frameworks. NAMES and IDS are\n"
        "comma-separated (framework nsa,mitre; control C-0017,C-0057); 'all' scans every\n"
        "framework. Without a framework or control: WorkloadScan and AllControls for\n"
        "manifests; AllControls, NSA and MITRE for a cluster.\n"
        "\n"
        "A cluster is read through its API, page by page. What cannot be read\n"
        "(a LIST refused by RBAC, an API that is down) is reported: the controls that\n"
        "need it are 'not evaluated', never passed, and the JSON report's scanCoverage\n"
        "lists it.\n"
        "\n"
        "Flags:\n"
        "  -f, --format FORMAT          pretty-printer (default), json, junit, sarif,\n"
        "                               prometheus, html or k8s-objects\n"
        "  -o, --output FILE            write the result to FILE instead of standard output\n"
        "      --format-version v2      report format version (only v2)\n"
        "      --include-namespaces NS  only these namespaces (comma list)\n"
        "  -e, --exclude-namespaces NS  skip these namespaces (comma list)\n"
        "      --exceptions FILE        exception policies (a JSON or YAML array)\n"
        "      --controls-config FILE   control inputs (JSON or YAML object of string lists)\n"
        "      --compliance-threshold N exit 1 when the compliance score is below N\n"
        "      --severity-threshold S   exit 1 when a control of severity S or above fails\n"
        "                               (low, medium, high, critical)\n"
        "      --use-from FILE          policies from a framework or control file (repeatable)\n"
        "      --use-artifacts-from DIR policies from a library directory (source layout or\n"
        "                               release artifacts)\n"
        "      --download-artifacts     download the control library release (frameworks,\n"
        "                               controls, rules, inputs, exceptions) into the cache\n"
        "                               (or into --use-artifacts-from DIR) and scan with it\n"
        "      --controls-version TAG   the release to download (default v2, the rolling\n"
        "                               release; 'latest' for GitHub's latest)\n"
        "      --artifacts-url URL      releases base URL (default\n"
        "                               https://github.com/kubescape/regolibrary/releases)\n"
        "      --proxy URL              HTTP(S) proxy for the download (default: environment)\n"
        "      --ca-file FILE           trusted CA certificates (PEM) for the download\n"
        "      --omit-raw-resources     leave the scanned objects out of the JSON report\n"
        "      --threads N              evaluation threads (default: one per core)\n"
        "      --submit-to-storage      also write the WorkloadConfigurationScan and summary\n"
        "                               objects to the cluster's storage API\n"
        "                               (spdx.softwarecomposition.kubescape.io), created or\n"
        "                               updated with server-side apply\n"
        "      --kubeconfig FILE        the cluster to scan and submit to (default:\n"
        "                               $KUBECONFIG, ~/.kube/config, then the in-cluster\n"
        "                               service account)\n"
        "      --kube-context NAME      the kubeconfig context (default: the current one);\n"
        "                               also --context\n"
        "      --cluster-name NAME      the cluster's name in the report and exceptions\n"
        "                               (default: the context's cluster)\n"
        "      --fail-coverage-below N  exit 1 when the scan coverage score (scanCoverage)\n"
        "                               is below N percent\n"
        "      --storage-namespace NS   namespace of cluster-scoped resources' objects\n"
        "                               (default kubescape)\n"
        "  -v, --verbose                list every resource (pretty-printer)\n"
        "  -h, --help                   show this help\n"
        "\n"
        "Without --download-artifacts or --use-from/--use-artifacts-from, the built-in\n"
        "library is used and nothing is downloaded.\n"
        "\n"
        "Environment:\n"
        "  KSO_DOWNLOAD_ARTIFACTS=true  as --download-artifacts\n"
        "  KSO_ARTIFACTS_URL=URL        releases base URL when --artifacts-url is not given\n"
        "  KSO_CACHE_DIR=DIR            cache directory (default ~/.kso); the library is\n"
        "                               downloaded into DIR/artifacts\n"
        "  HTTPS_PROXY, HTTP_PROXY, NO_PROXY, SSL_CERT_FILE  proxy and CAs of the download\n"
        "\n"
        "Exit codes: 0 done, 1 a threshold was crossed, 2 usage, 3 unreadable input or\n"
        "policies, a failed download or a failed submission.\n";

enum {
    OPT_FORMAT_VERSION = 256,
    OPT_INCLUDE_NS,
    OPT_EXCEPTIONS,
    OPT_CONTROLS_CONFIG,
    OPT_COMPLIANCE,
    OPT_SEVERITY,
    OPT_USE_FROM,
    OPT_USE_ARTIFACTS,
    OPT_OMIT_RAW,
    OPT_THREADS,
    OPT_SUBMIT,
    OPT_KUBECONFIG,
    OPT_CONTEXT,
    OPT_STORAGE_NS,
    OPT_DOWNLOAD,
    OPT_CONTROLS_VERSION,
    OPT_ARTIFACTS_URL,
    OPT_PROXY,
    OPT_CA_FILE,
    OPT_CLUSTER_NAME,
    OPT_COVERAGE,
};

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static void sl_push(strlist *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        char **p = realloc(l->v, l->cap * sizeof *p);
        if (!p)
            abort();
        l->v = p;
    }
    l->v[l->n] = strndup(s, n);
    if (!l->v[l->n])
        abort();
    l->n++;
}

/* Adds the comma-separated items of s. */
static void sl_split(strlist *l, const char *s)
{
    size_t n;
    for (const char *p = s, *it; ks_list_next(&p, &it, &n);)
        if (n)
            sl_push(l, it, n);
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Go's strconv.ParseBool, as upstream reads boolean settings: 1 if true, 0
 * if false, -1 if neither. */
static int parse_bool(const char *s)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcmp(s, yes[i]) == 0)
            return 1;
        if (strcmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* Where --download-artifacts puts the library: $KSO_CACHE_DIR/artifacts,
 * else ~/.kso/artifacts. */
static int artifacts_cache_dir(char *out, size_t size, ks_error *err)
{
    const char *cache = getenv("KSO_CACHE_DIR"), *home = getenv("HOME");
    int n;
    if (cache && *cache)
        n = snprintf(out, size, "%s/artifacts", cache);
    else if (home && *home)
        n = snprintf(out, size, "%s/.kso/artifacts", home);
    else
        return ks_error_set(err, KS_EINVAL,
                            "no cache directory for the downloaded library: set KSO_CACHE_DIR "
                            "or HOME, or give --use-artifacts-from DIR");
    if (n < 0 || (size_t)n >= size)
        return ks_error_set(err, KS_ELIMIT, "cache directory path too long");
    return 0;
}

static int write_output(const char *path, const ks_buf *b, ks_error *err)
{
    if (!path || strcmp(path, "-") == 0) {
        if (ks_fd_write_all(STDOUT_FILENO, b->data ? b->data : "", b->len) != 0)
            return ks_error_set(err, KS_EIO, "standard output: write failed");
        return 0;
    }
    return ks_file_write_atomic(path, b->data ? b->data : "", b->len, 0644, err);
}

/* The library's controls by ID, for the renderers. */
static int controls_by_id(const ps_library *lib, ks_arena *a, kv_value *out)
{
    size_t n = ps_library_control_count(lib);
    kv_member *m = ks_arena_alloc(a, (n + 1) * sizeof *m);
    if (!m)
        return KS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const kv_value *c = ps_library_control(lib, i);
        const kv_value *id = kv_obj_get(c, "controlID", 9);
        if (!id || id->kind != KV_STRING)
            continue;
        m[k].key = *id;
        m[k++].val = *c;
    }
    return kv_object_new(a, m, k, KV_DUP_LAST_WINS, out, NULL);
}

static int render(const char *format, const ps_library *lib, const kv_value *report, bool controls,
                  const char *const *names, size_t nnames, bool verbose, const char *output,
                  ks_arena *a, ks_buf *out, ks_error *err)
{
    kv_value ctl;
    int rc = controls_by_id(lib, a, &ctl);
    if (rc)
        return rc;
    ks_buf target = KS_BUF_INIT;
    ks_buf_puts(&target, controls ? "control " : "framework ");
    for (size_t i = 0; i < nnames; i++)
        ks_buf_printf(&target, "%s%s", i ? "," : "", names[i]);
    const char *nc = getenv("NO_COLOR");
    ps_render_in in = {.report = report,
                       .controls = &ctl,
                       .target = ks_buf_cstr(&target),
                       .verbose = verbose,
                       .color = !output && isatty(STDOUT_FILENO) && !(nc && *nc)};
    if (strcmp(format, "pretty-printer") == 0)
        rc = ps_render_pretty(out, &in, err);
    else if (strcmp(format, "junit") == 0)
        rc = ps_render_junit(out, &in, err);
    else if (strcmp(format, "sarif") == 0)
        rc = ps_render_sarif(out, &in, err);
    else if (strcmp(format, "prometheus") == 0)
        rc = ps_render_prometheus(out, &in, err);
    else if (strcmp(format, "html") == 0)
        rc = ps_render_html(out, &in, err);
    else
        rc = ps_render_k8s_objects(out, &in, err);
    ks_buf_free(&target);
    return rc;
}

/* The k8s-objects List of a report. */
static int render_objects(const ps_library *lib, const kv_value *report, const char *ns,
                          ks_arena *a, ks_buf *out, ks_error *err)
{
    kv_value ctl;
    int rc = controls_by_id(lib, a, &ctl);
    if (rc)
        return rc;
    ps_render_in in = {.report = report, .controls = &ctl, .k8s_namespace = ns};
    return ps_render_k8s_objects(out, &in, err);
}

/* Collects the objects of the kubeconfig's cluster a scan with so needs;
 * sets so->cluster_name (in name). Says on standard error what was
 * collected and what could not be. */
static int collect_cluster(ps_resources *rs, const ps_library *lib, ps_scan_opts *so,
                           const char *kubeconfig, const char *context, const char *cluster_name,
                           char *name, size_t cap, ks_error *err)
{
    kube_client *c = NULL;
    int rc = kso_kube_connect(kubeconfig, context, &c, name, cap, err);
    if (rc)
        return rc;
    if (cluster_name)
        snprintf(name, cap, "%s", cluster_name);
    so->cluster_name = name;
    ks_log_info("scan", "scanning the cluster", KS_F_STR("server", kube_client_server(c)));
    ps_cluster_stats st;
    rc = ps_resources_add_cluster(rs, c, lib, so, &st, err);
    kube_client_free(c);
    if (rc)
        return rc;
    fprintf(stderr,
            "kso scan: collected %zu objects of %zu resource types in %zu namespaces "
            "(%zu list pages)\n",
            st.objects, st.types, st.namespaces, st.lists);
    if (st.failures)
        fprintf(stderr,
                "kso scan: warning: %zu collection failure(s): the controls that need what "
                "is missing are reported not evaluated (the JSON report's scanCoverage lists "
                "them)\n",
                st.failures);
    return 0;
}

int kso_scan_objects(const char *const *paths, size_t npaths, const char *const *frameworks,
                     size_t nframeworks, const char *ns, ks_arena *a, kv_value *list, ks_error *err)
{
    ps_library *lib = NULL;
    ps_resources *rs = NULL;
    ks_buf out = KS_BUF_INIT;
    int rc = ps_library_builtin(&lib, err);
    if (rc < 0)
        return rc;
    rs = ps_resources_new();
    for (size_t i = 0; i < npaths && rc == 0; i++)
        rc = ps_resources_add_path(rs, paths[i], NULL, err);
    kv_value report;
    ps_scan_opts so = {.frameworks = frameworks,
                       .nframeworks = nframeworks,
                       .keep_resources = true,
                       .inline_exceptions = true,
                       .stream_fd = -1};
    if (rc == 0)
        rc = ps_scan(lib, rs, &so, a, &report, err);
    if (rc == 0)
        rc = render_objects(lib, &report, ns, a, &out, err);
    if (rc == 0) {
        kv_json_opts jo = {.source = "(scan objects)"};
        rc = kv_json_parse(a, out.data, out.len, &jo, list, err);
    }
    ks_buf_free(&out);
    ps_resources_free(rs);
    ps_library_free(lib);
    return rc;
}

int cmd_scan(int argc, char **argv)
{
    static const struct option longopts[] = {
            {"format", required_argument, NULL, 'f'},
            {"output", required_argument, NULL, 'o'},
            {"format-version", required_argument, NULL, OPT_FORMAT_VERSION},
            {"include-namespaces", required_argument, NULL, OPT_INCLUDE_NS},
            {"exclude-namespaces", required_argument, NULL, 'e'},
            {"exceptions", required_argument, NULL, OPT_EXCEPTIONS},
            {"controls-config", required_argument, NULL, OPT_CONTROLS_CONFIG},
            {"compliance-threshold", required_argument, NULL, OPT_COMPLIANCE},
            {"severity-threshold", required_argument, NULL, OPT_SEVERITY},
            {"use-from", required_argument, NULL, OPT_USE_FROM},
            {"use-artifacts-from", required_argument, NULL, OPT_USE_ARTIFACTS},
            {"omit-raw-resources", no_argument, NULL, OPT_OMIT_RAW},
            {"threads", required_argument, NULL, OPT_THREADS},
            {"submit-to-storage", no_argument, NULL, OPT_SUBMIT},
            {"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},
            {"context", required_argument, NULL, OPT_CONTEXT},
            {"kube-context", required_argument, NULL, OPT_CONTEXT},
            {"cluster-name", required_argument, NULL, OPT_CLUSTER_NAME},
            {"fail-coverage-below", required_argument, NULL, OPT_COVERAGE},
            {"storage-namespace", required_argument, NULL, OPT_STORAGE_NS},
            {"download-artifacts", no_argument, NULL, OPT_DOWNLOAD},
            {"controls-version", required_argument, NULL, OPT_CONTROLS_VERSION},
            {"artifacts-url", required_argument, NULL, OPT_ARTIFACTS_URL},
            {"proxy", required_argument, NULL, OPT_PROXY},
            {"ca-file", required_argument, NULL, OPT_CA_FILE},
            {"verbose", no_argument, NULL, 'v'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *format = "pretty-printer", *output = NULL, *include_ns = NULL, *exclude_ns = NULL;
    const char *exceptions = NULL, *controls_config = NULL, *severity = NULL, *artifacts = NULL;
    double compliance = -1, coverage = -1;
    const char *cluster_name = NULL;
    bool omit_raw = false, verbose = false, download = false, submit = false;
    const char *kubeconfig = NULL, *context = NULL, *storage_ns = NULL;
    const char *dl_version = NULL, *dl_url = NULL, *dl_proxy = NULL, *dl_ca = NULL;
    int threads = 0, code = KSO_EXIT_OK;
    strlist use_from = {0}, names = {0}, paths = {0};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":f:o:e:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case OPT_FORMAT_VERSION:
            if (strcmp(optarg, "v2") != 0) {
                code = kso_usage_error("scan", "--format-version %s is not supported (v2 only)",
                                       optarg);
                goto out;
            }
            break;
        case OPT_INCLUDE_NS: include_ns = optarg; break;
        case 'e': exclude_ns = optarg; break;
        case OPT_EXCEPTIONS: exceptions = optarg; break;
        case OPT_CONTROLS_CONFIG: controls_config = optarg; break;
        case OPT_COMPLIANCE: {
            char *end;
            compliance = strtod(optarg, &end);
            if (*end || !*optarg || compliance < 0 || compliance > 100) {
                code = kso_usage_error("scan",
                                       "--compliance-threshold must be a number from 0 to 100");
                goto out;
            }
            break;
        }
        case OPT_COVERAGE: {
            char *end;
            coverage = strtod(optarg, &end);
            if (*end || !*optarg || coverage < 0 || coverage > 100) {
                code = kso_usage_error("scan",
                                       "--fail-coverage-below must be a number from 0 to 100");
                goto out;
            }
            break;
        }
        case OPT_CLUSTER_NAME: cluster_name = optarg; break;
        case OPT_SEVERITY: severity = optarg; break;
        case OPT_USE_FROM: sl_split(&use_from, optarg); break;
        case OPT_USE_ARTIFACTS: artifacts = optarg; break;
        case OPT_OMIT_RAW: omit_raw = true; break;
        case OPT_THREADS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256) {
                code = kso_usage_error("scan", "--threads must be a number from 1 to 256");
                goto out;
            }
            threads = (int)n;
            break;
        }
        case OPT_DOWNLOAD: download = true; break;
        case OPT_SUBMIT: submit = true; break;
        case OPT_KUBECONFIG: kubeconfig = optarg; break;
        case OPT_CONTEXT: context = optarg; break;
        case OPT_STORAGE_NS: storage_ns = optarg; break;
        case OPT_CONTROLS_VERSION: dl_version = optarg; break;
        case OPT_ARTIFACTS_URL: dl_url = optarg; break;
        case OPT_PROXY: dl_proxy = optarg; break;
        case OPT_CA_FILE: dl_ca = optarg; break;
        case 'v': verbose = true; break;
        case 'h': fputs(scan_usage, stdout); goto out;
        case ':':
            code = kso_usage_error("scan", "flag %s needs a value", argv[optind - 1]);
            goto out;
        default: code = kso_usage_error("scan", "unknown flag %s", argv[optind - 1]); goto out;
        }
    }
    static const char *const formats[] = {"pretty-printer", "json", "junit",      "sarif",
                                          "prometheus",     "html", "k8s-objects"};
    bool known = false;
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++)
        known |= strcmp(format, formats[f]) == 0;
    if (!known) {
        code = kso_usage_error("scan",
                               "--format %s is not supported (pretty-printer, json, junit, sarif, "
                               "prometheus, html, k8s-objects)",
                               format);
        goto out;
    }
    const char *env_dl = getenv("KSO_DOWNLOAD_ARTIFACTS");
    if (!download && env_dl && *env_dl) {
        int b = parse_bool(env_dl);
        if (b < 0) {
            code = kso_usage_error(
                    "scan", "KSO_DOWNLOAD_ARTIFACTS=%s is not a boolean (true, false)", env_dl);
            goto out;
        }
        download = b == 1;
    }
    if (!download && (dl_version || dl_url || dl_proxy || dl_ca)) {
        code = kso_usage_error("scan", "--%s needs --download-artifacts",
                               dl_version ? "controls-version"
                               : dl_url   ? "artifacts-url"
                               : dl_proxy ? "proxy"
                                          : "ca-file");
        goto out;
    }
    if (!submit && storage_ns) {
        code = kso_usage_error("scan", "--storage-namespace needs --submit-to-storage");
        goto out;
    }
    if (download && use_from.n) {
        code = kso_usage_error("scan", "--download-artifacts and --use-from exclude each other");
        goto out;
    }
    if (severity && ps_report_failed_at_severity(NULL, severity) < 0) {
        code = kso_usage_error("scan",
                               "--severity-threshold must be low, medium, high or critical");
        goto out;
    }
    /* positional: [framework NAMES | control IDS] PATHS... */
    int i = optind;
    bool controls = false;
    if (i < argc && (strcmp(argv[i], "framework") == 0 || strcmp(argv[i], "control") == 0)) {
        controls = strcmp(argv[i], "control") == 0;
        if (i + 1 >= argc) {
            code = kso_usage_error("scan", "%s needs %s", argv[i],
                                   controls ? "control IDs" : "framework names");
            goto out;
        }
        sl_split(&names, argv[i + 1]);
        i += 2;
    }
    for (; i < argc; i++)
        sl_push(&paths, argv[i], strlen(argv[i]));
    bool live = paths.n == 0;
    if (!live && !submit && (kubeconfig || context)) {
        code = kso_usage_error("scan",
                               "--%s is for a cluster: scan without PATHS, or submit with "
                               "--submit-to-storage",
                               kubeconfig ? "kubeconfig" : "kube-context");
        goto out;
    }
    if (!live && cluster_name) {
        code = kso_usage_error("scan", "--cluster-name is for a cluster: scan without PATHS");
        goto out;
    }

    ks_error err = {0};
    ps_library *lib = NULL;
    ps_resources *rs = NULL;
    ks_arena arena;
    ks_arena_init(&arena, NULL, 0);
    int rc;
    char cache[4096], cluster[256] = "";
    if (download) {
        const char *env_url = getenv("KSO_ARTIFACTS_URL");
        ps_download_opts dl = {.url = dl_url ? dl_url : (env_url && *env_url ? env_url : NULL),
                               .version = dl_version,
                               .proxy = dl_proxy,
                               .ca_file = dl_ca};
        rc = artifacts ? 0 : artifacts_cache_dir(cache, sizeof cache, &err);
        if (!rc)
            rc = ps_library_download(&dl, artifacts ? artifacts : cache, &err);
        if (rc) {
            code = kso_report("scan", &err, KSO_EXIT_INPUT);
            goto done;
        }
        if (!artifacts)
            artifacts = cache;
        ks_log_info("scan", "downloaded the control library", KS_F_STR("path", artifacts));
    }
    if (artifacts)
        rc = ps_library_load_dir(artifacts, &lib, &err);
    else if (use_from.n)
        rc = ps_library_load_files((const char *const *)use_from.v, use_from.n, &lib, &err);
    else
        rc = ps_library_builtin(&lib, &err);
    if (rc) {
        code = kso_report("scan", &err, KSO_EXIT_INPUT);
        goto done;
    }
    kv_value inputs, exc;
    ps_scan_opts so = {.include_ns = include_ns,
                       .exclude_ns = exclude_ns,
                       .threads = threads,
                       .keep_resources = !omit_raw || submit,
                       /* kubescape.io/skip-controls annotations: manifests only, as upstream */
                       .inline_exceptions = !live,
                       .scope = live ? "cluster" : "file",
                       .stream_fd = -1};
    if (controls_config) {
        if ((rc = kso_read_doc(&arena, controls_config, 256u << 20, &inputs, &err))) {
            code = kso_report("scan", &err, KSO_EXIT_INPUT);
            goto done;
        }
        if (inputs.kind != KV_OBJECT) {
            fprintf(stderr, "kso scan: %s: control inputs must be a JSON object\n",
                    controls_config);
            code = KSO_EXIT_INPUT;
            goto done;
        }
        so.inputs = &inputs;
    }
    if (exceptions) {
        if ((rc = kso_read_doc(&arena, exceptions, 256u << 20, &exc, &err))) {
            code = kso_report("scan", &err, KSO_EXIT_INPUT);
            goto done;
        }
        if (exc.kind != KV_ARRAY) {
            fprintf(stderr, "kso scan: %s: exceptions must be a JSON array of exception policies\n",
                    exceptions);
            code = KSO_EXIT_INPUT;
            goto done;
        }
        so.exceptions = &exc;
    }
    const char *defaults[] = {"WorkloadScan", "AllControls", NULL};
    size_t ndefaults = 2;
    if (live) { /* upstream's native frameworks */
        defaults[0] = "AllControls";
        defaults[1] = "NSA";
        defaults[2] = "MITRE";
        ndefaults = 3;
    }
    if (controls) {
        so.controls = (const char *const *)names.v;
        so.ncontrols = names.n;
    } else if (names.n) {
        so.frameworks = (const char *const *)names.v;
        so.nframeworks = names.n;
    } else {
        /* upstream's default for manifests; frameworks the library lacks are left out */
        size_t k = 0;
        for (size_t d = 0; d < ndefaults; d++)
            for (size_t f = 0; f < ps_library_framework_count(lib); f++)
                if (strcasecmp(ps_library_framework_name(lib, f), defaults[d]) == 0)
                    defaults[k++] = ps_library_framework_name(lib, f);
        so.frameworks = defaults;
        so.nframeworks = k;
    }
    rs = ps_resources_new();
    if (live)
        rc = collect_cluster(rs, lib, &so, kubeconfig, context, cluster_name, cluster,
                             sizeof cluster, &err);
    for (size_t k = 0; k < paths.n && !rc; k++) {
        if (strcmp(paths.v[k], "-") == 0) {
            char *data;
            size_t len;
            rc = ks_fd_read_all(STDIN_FILENO, "standard input", 256u << 20, &data, &len, &err);
            if (!rc) {
                rc = ps_resources_add_text(rs, "stdin", data, len, &err);
                free(data);
            }
        } else {
            rc = ps_resources_add_path(rs, paths.v[k], NULL, &err);
        }
    }
    if (rc) {
        code = kso_report("scan", &err, KSO_EXIT_INPUT);
        goto done;
    }
    /* JSON is streamed to its destination as it is built (a temporary
     * file renamed into place once complete); the pretty-printer needs
     * only the summary unless --verbose */
    bool json = strcmp(format, "json") == 0;
    /* the objects to submit are made from the whole report in memory: then
     * the JSON is written from it, not streamed */
    bool stream = json && !submit;
    char tmp[4096] = "";
    int special_fd = -1;
    if (stream && output && strcmp(output, "-") != 0 && ks_path_is_special(output)) {
        /* /dev/null, a FIFO: streamed into, never replaced */
        special_fd = open(output, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (special_fd < 0) {
            fprintf(stderr, "kso scan: %s: cannot open: %s\n", output, strerror(errno));
            code = KSO_EXIT_INPUT;
            goto done;
        }
        so.stream_fd = special_fd;
    } else if (stream && output && strcmp(output, "-") != 0) {
        int n = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", output);
        so.stream_fd = n > 0 && (size_t)n < sizeof tmp ? mkstemp(tmp) : -1;
        if (so.stream_fd >= 0 && fchmod(so.stream_fd, 0644) != 0) {
            close(so.stream_fd);
            unlink(tmp);
            so.stream_fd = -1;
        }
        if (so.stream_fd < 0) {
            fprintf(stderr, "kso scan: %s: cannot create the output file: %s\n", output,
                    strerror(errno));
            code = KSO_EXIT_INPUT;
            goto done;
        }
    } else if (stream) {
        so.stream_fd = STDOUT_FILENO;
    }
    so.summary_only = strcmp(format, "pretty-printer") == 0 && !verbose && !submit;
    kv_value report;
    rc = ps_scan(lib, rs, &so, &arena, &report, &err);
    if (special_fd >= 0 && close(special_fd) != 0 && !rc)
        rc = ks_error_set(&err, KS_EIO, "%s: %s", output, strerror(errno));
    if (*tmp) {
        if (!rc && (fsync(so.stream_fd) != 0 || close(so.stream_fd) != 0)) {
            rc = ks_error_set(&err, KS_EIO, "%s: %s", output, strerror(errno));
            so.stream_fd = -1;
        } else if (!rc) {
            so.stream_fd = -1;
            if (rename(tmp, output) != 0)
                rc = ks_error_set(&err, KS_EIO, "%s: %s", output, strerror(errno));
        }
        if (so.stream_fd >= 0)
            close(so.stream_fd);
        if (rc)
            unlink(tmp);
    }
    if (rc) {
        code = kso_report("scan", &err, rc == KS_ENOENT ? KSO_EXIT_USAGE : KSO_EXIT_INPUT);
        goto done;
    }
    ks_buf out = KS_BUF_INIT;
    if (stream) {
        /* already written */
    } else if (json) {
        kv_json_write(&out, &report, 0);
        rc = out.err;
    } else {
        rc = render(format, lib, &report, controls, controls ? so.controls : so.frameworks,
                    controls ? so.ncontrols : so.nframeworks, verbose, output, &arena, &out, &err);
    }
    if (!rc && !stream)
        rc = write_output(output, &out, &err);
    ks_buf_free(&out);
    if (rc) {
        if (!err.msg[0])
            ks_error_set(&err, rc, "writing the report: %s", ks_strerror(rc));
        code = kso_report("scan", &err, KSO_EXIT_INPUT);
        goto done;
    }
    if (submit) {
        kso_submit_stats st;
        kso_submit_opts sub = {.kubeconfig = kubeconfig, .context = context};
        ks_buf objs = KS_BUF_INIT;
        kv_value list;
        rc = render_objects(lib, &report, storage_ns, &arena, &objs, &err);
        if (!rc) {
            kv_json_opts jo = {.source = "(scan objects)"};
            rc = kv_json_parse(&arena, objs.data, objs.len, &jo, &list, &err);
        }
        ks_buf_free(&objs);
        if (!rc)
            rc = kso_submit_objects(&list, &sub, &st, &err);
        if (rc) {
            code = kso_report("scan", &err, KSO_EXIT_INPUT);
            goto done;
        }
        fprintf(stderr, "kso scan: submitted %zu objects to storage (%zu created, %zu updated)\n",
                st.created + st.updated, st.created, st.updated);
    }
    if (compliance >= 0 && ps_report_compliance(&report) < compliance) {
        fprintf(stderr, "kso scan: compliance score %.2f%% is below the threshold of %.2f%%\n",
                ps_report_compliance(&report), compliance);
        code = KSO_EXIT_FAILED;
    }
    size_t not_evaluated;
    double cov = ps_report_coverage(&report, &not_evaluated);
    if (not_evaluated)
        fprintf(stderr,
                "kso scan: %zu control(s) not evaluated: resources they need could not be "
                "collected (scan coverage %.2f%%)\n",
                not_evaluated, cov);
    if (coverage >= 0 && cov < coverage) {
        fprintf(stderr, "kso scan: scan coverage %.2f%% is below the threshold of %.2f%%\n", cov,
                coverage);
        code = KSO_EXIT_FAILED;
    }
    if (severity && ps_report_failed_at_severity(&report, severity) > 0) {
        fprintf(stderr, "kso scan: %d failed control(s) at or above severity %s\n",
                ps_report_failed_at_severity(&report, severity), severity);
        code = KSO_EXIT_FAILED;
    }
done:
    ps_resources_free(rs);
    ps_library_free(lib);
    ks_arena_free(&arena);
out:
    sl_free(&use_from);
    sl_free(&names);
    sl_free(&paths);
    return code;
}
