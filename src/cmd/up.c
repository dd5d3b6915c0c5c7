/*
 * kso up / kso down: standalone mode on a developer machine. The storage
 * server on loopback with its store, certificates and a kubeconfig under
 * ./.kso/, and the built-in posture scan of the bundled examples stored in
 * it as WorkloadConfigurationScan and summary objects, for kubectl to read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/storage/storage.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/file.h"
#include "net/tls.h"

extern char **environ;

static const char up_usage[] =
        "Usage: kso up [--dir DIR] [--port PORT] [-d|--detach] [--no-scan] [PATH...]\n"
        "       kso down [--dir DIR]\n"
        "\n"
        "up    starts the storage API server on 127.0.0.1 with its store in DIR/data\n"
        "      (DIR defaults to ./.kso), a CA and certificates in DIR/pki and a kubeconfig\n"
        "      in DIR/kubeconfig; scans PATHs (default: ./examples) with the built-in\n"
        "      library (NSA and MITRE) and stores the results as WorkloadConfigurationScan\n"
        "      and WorkloadConfigurationScanSummary objects. It serves until interrupted,\n"
        "      or with --detach in the background (log in DIR/kso.log) until `kso down`.\n"
        "      --port defaults to a free port (written into the kubeconfig).\n"
        "down  stops a detached `kso up`.\n";

typedef struct up_paths {
    char dir[900];
    char pki[1000], data[1000], kubeconfig[1000], pid[1000], port[1000], ready[1000], log[1000];
} up_paths;

static void paths_init(up_paths *p, const char *dir)
{
    snprintf(p->dir, sizeof p->dir, "%s", dir);
    snprintf(p->pki, sizeof p->pki, "%s/pki", dir);
    snprintf(p->data, sizeof p->data, "%s/data", dir);
    snprintf(p->kubeconfig, sizeof p->kubeconfig, "%s/kubeconfig", dir);
    snprintf(p->pid, sizeof p->pid, "%s/kso.pid", dir);
    snprintf(p->port, sizeof p->port, "%s/port", dir);
    snprintf(p->ready, sizeof p->ready, "%s/ready", dir);
    snprintf(p->log, sizeof p->log, "%s/kso.log", dir);
}

static int read_file_str(const char *path, char **out, ks_error *err)
{
    size_t n;
    return ks_file_read(path, 1 << 20, out, &n, err);
}

static int write_file(const char *path, const char *s, unsigned mode, ks_error *err)
{
    return ks_file_write_atomic(path, s, strlen(s), mode, err);
}

/* A pair of PEM files, made by make() when missing (or always). */
static int pem_pair(const char *dir, const char *name, bool always, char **cert, char **key,
                    int (*make)(void *ctx, char **cert, char **key, ks_error *err), void *ctx,
                    ks_error *err)
{
    char cp[1100], kp[1100];
    snprintf(cp, sizeof cp, "%s/%s.crt", dir, name);
    snprintf(kp, sizeof kp, "%s/%s.key", dir, name);
    if (!always && access(cp, R_OK) == 0 && access(kp, R_OK) == 0) {
        int rc = read_file_str(cp, cert, err);
        if (rc == 0 && (rc = read_file_str(kp, key, err)) < 0) {
            ks_xfree(*cert);
            *cert = NULL;
        }
        return rc;
    }
    int rc = make(ctx, cert, key, err);
    if (rc < 0)
        return rc;
    if ((rc = write_file(kp, *key, 0600, err)) < 0 || (rc = write_file(cp, *cert, 0644, err)) < 0) {
        ks_xfree(*cert);
        ks_xfree(*key);
        *cert = *key = NULL;
    }
    return rc;
}

static int make_ca(void *ctx, char **cert, char **key, ks_error *err)
{
    (void)ctx;
    return net_tls_ca_create("kso-up-ca", 3650, cert, key, err);
}

typedef struct signer {
    const char *ca_cert, *ca_key;
    net_tls_cert_req req;
} signer;

static int make_signed(void *ctx, char **cert, char **key, ks_error *err)
{
    signer *s = ctx;
    return net_tls_sign(s->ca_cert, s->ca_key, &s->req, cert, key, err);
}

static void b64(ks_buf *b, const char *s)
{
    ks_base64_encode(b, s, strlen(s), KS_B64_STD);
}

static int write_kubeconfig(const up_paths *p, uint16_t port, const char *ca, const char *cert,
                            const char *key, ks_error *err)
{
    ks_buf b = KS_BUF_INIT;
    ks_buf_printf(&b,
                  "apiVersion: v1\nkind: Config\nclusters:\n- name: kso\n  cluster:\n"
                  "    server: https://127.0.0.1:%u\n    certificate-authority-data: ",
                  port);
    b64(&b, ca);
    ks_buf_puts(&b, "\nusers:\n- name: kso-admin\n  user:\n    client-certificate-data: ");
    b64(&b, cert);
    ks_buf_puts(&b, "\n    client-key-data: ");
    b64(&b, key);
    ks_buf_puts(&b, "\ncontexts:\n- name: kso\n  context:\n    cluster: kso\n    user: kso-admin\n"
                    "current-context: kso\n");
    int rc = b.err ? b.err : write_file(p->kubeconfig, ks_buf_cstr(&b), 0600, err);
    ks_buf_free(&b);
    return rc;
}

static pid_t running_pid(const up_paths *p)
{
    char *s = NULL;
    ks_error err = {0};
    if (read_file_str(p->pid, &s, &err) < 0)
        return 0;
    long pid = strtol(s, NULL, 10);
    ks_xfree(s);
    return pid > 0 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

/* Scans the paths and stores the objects; counts what was stored. */
static int store_scan(spdx_server *sv, const char *const *paths, size_t n, size_t *scans,
                      size_t *summaries, ks_error *err)
{
    ks_arena a;
    ks_arena_init(&a, NULL, 0);
    static const char *const fw[] = {"NSA", "MITRE"};
    kv_value list;
    int rc = kso_scan_objects(paths, n, fw, 2, sv->cfg.default_namespace, &a, &list, err);
    const kv_value *items = rc == 0 ? kv_obj_get(&list, "items", 5) : NULL;
    for (uint32_t i = 0; rc == 0 && items && items->kind == KV_ARRAY && i < items->len; i++) {
        const kv_value *it = &items->u.items[i];
        const kv_value *kind = kv_obj_get(it, "kind", 4);
        const char *plural = kind && kind->kind == KV_STRING ? kso_scan_plural(kind->u.s) : NULL;
        if (!plural)
            continue;
        ks_arena tmp;
        ks_arena_init(&tmp, NULL, 0);
        rc = kube_apiserver_put(sv->api, plural, it, &tmp, err);
        ks_arena_free(&tmp);
        if (rc == 0)
            ++*(strstr(plural, "summaries") ? summaries : scans);
    }
    ks_arena_free(&a);
    return rc;
}

static int up_foreground(const up_paths *p, long port, bool scan, const char *const *paths,
                         size_t npaths)
{
    ks_error err = {0};
    char *ca = NULL, *ca_key = NULL, *srv = NULL, *srv_key = NULL, *adm = NULL, *adm_key = NULL;
    spdx_server *sv = NULL;
    int code = KSO_EXIT_FAILED;
    if (ks_mkdir_p(p->pki, 0700, &err) < 0 || ks_mkdir_p(p->data, 0700, &err) < 0)
        goto fail;
    pid_t other = running_pid(p);
    if (other && other != getpid()) {
        fprintf(stderr, "kso up: already running in %s (pid %d); `kso down` stops it\n", p->dir,
                (int)other);
        return KSO_EXIT_FAILED;
    }
    if (pem_pair(p->pki, "ca", false, &ca, &ca_key, make_ca, NULL, &err) < 0)
        goto fail;
    static const char *const dns[] = {"localhost"};
    static const char *const ips[] = {"127.0.0.1", "::1"};
    signer ss = {ca,
                 ca_key,
                 {.cn = "kso-storage",
                  .dns_names = dns,
                  .ndns = 1,
                  .ips = ips,
                  .nips = 2,
                  .days = 365,
                  .usage = NET_TLS_SERVER}};
    if (pem_pair(p->pki, "server", true, &srv, &srv_key, make_signed, &ss, &err) < 0)
        goto fail;
    static const char *const masters[] = {"system:masters"};
    signer as = {
            ca,
            ca_key,
            {.cn = "kso-admin", .orgs = masters, .norgs = 1, .days = 365, .usage = NET_TLS_CLIENT}};
    if (pem_pair(p->pki, "admin", false, &adm, &adm_key, make_signed, &as, &err) < 0)
        goto fail;

    spdx_config cfg;
    spdx_config_defaults(&cfg);
    net_ca_bundle cas[] = {{.name = "client-ca", .pem = ca}};
    spdx_server_opts so = {.cfg = &cfg,
                           .data_dir = p->data,
                           .bind = "127.0.0.1",
                           .port = (uint16_t)port,
                           .cert_pem = srv,
                           .key_pem = srv_key,
                           .cas = cas,
                           .ncas = 1,
                           .auth = {.client_bundle = "client-ca"}};
    if (spdx_server_start(&so, &sv, &err) < 0)
        goto fail;
    uint16_t bound = spdx_server_port(sv);
    char num[32];
    snprintf(num, sizeof num, "%d\n", (int)getpid());
    if (write_kubeconfig(p, bound, ca, adm, adm_key, &err) < 0 ||
        write_file(p->pid, num, 0644, &err) < 0)
        goto fail;
    snprintf(num, sizeof num, "%u\n", bound);
    if (write_file(p->port, num, 0644, &err) < 0)
        goto fail;
    printf("kso up: storage serving spdx.softwarecomposition.kubescape.io on https://127.0.0.1:%u"
           " (store in %s)\n",
           bound, p->data);
    if (scan) {
        static const char *const def[] = {"examples"};
        struct stat st;
        if (npaths == 0 && stat(def[0], &st) == 0 && S_ISDIR(st.st_mode)) {
            paths = def;
            npaths = 1;
        }
        if (npaths == 0) {
            printf("kso up: no ./examples here and no PATH given: nothing scanned\n");
        } else {
            size_t scans = 0, sums = 0;
            if (store_scan(sv, paths, npaths, &scans, &sums, &err) < 0)
                goto fail;
            printf("kso up: scanned %s%s against NSA and MITRE: stored %zu "
                   "WorkloadConfigurationScans and %zu summaries\n",
                   paths[0], npaths > 1 ? " and more" : "", scans, sums);
        }
    }
    printf("Next: kubectl --kubeconfig %s get workloadconfigurationscans -A\n", p->kubeconfig);
    fflush(stdout);
    if (write_file(p->ready, "ok\n", 0644, &err) < 0)
        goto fail;
    kso_wait_for_stop();
    code = KSO_EXIT_OK;
    goto out;
fail:
    code = kso_report("up", &err, KSO_EXIT_FAILED);
out:
    spdx_server_stop(sv);
    unlink(p->ready);
    unlink(p->port);
    if (running_pid(p) == getpid() || !running_pid(p))
        unlink(p->pid);
    ks_xfree(ca);
    ks_xfree(ca_key);
    ks_xfree(srv);
    ks_xfree(srv_key);
    ks_xfree(adm);
    ks_xfree(adm_key);
    return code;
}

/* Starts `kso up --foreground ...` in its own session, output to the log,
 * and waits until it is ready (or has failed). */
static int up_detach(const up_paths *p, int argc, char **argv)
{
    ks_error err = {0};
    if (ks_mkdir_p(p->dir, 0700, &err) < 0)
        return kso_report("up", &err, KSO_EXIT_FAILED);
    pid_t other = running_pid(p);
    if (other) {
        fprintf(stderr, "kso up: already running in %s (pid %d); `kso down` stops it\n", p->dir,
                (int)other);
        return KSO_EXIT_FAILED;
    }
    unlink(p->ready);
    char **av = ks_xcalloc((size_t)argc + 3, sizeof *av);
    int n = 0;
    av[n++] = argv[0];
    av[n++] = "--foreground";
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-d") != 0 && strcmp(argv[i], "--detach") != 0)
            av[n++] = argv[i];
    av[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, p->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
    /* argv[0] is "up" here; the binary is this process's own */
    char *full[64];
    full[0] = "kso";
    full[1] = "up";
    int k = 2;
    for (int i = 1; av[i] && k < 63; i++)
        full[k++] = av[i];
    full[k] = NULL;
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, &at, full, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    ks_xfree(av);
    if (rc != 0) {
        fprintf(stderr, "kso up: cannot start the server: %s\n", strerror(rc));
        return KSO_EXIT_FAILED;
    }
    for (int i = 0; i < 600; i++) { /* up to 60 s: the scan runs first */
        if (access(p->ready, F_OK) == 0)
            break;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "kso up: the server stopped; its log (%s):\n", p->log);
            char *log = NULL;
            if (read_file_str(p->log, &log, &err) == 0) {
                fputs(log, stderr);
                ks_xfree(log);
            }
            return KSO_EXIT_FAILED;
        }
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    if (access(p->ready, F_OK) != 0) {
        fprintf(stderr, "kso up: the server did not get ready in 60 s; see %s\n", p->log);
        return KSO_EXIT_FAILED;
    }
    char *log = NULL;
    if (read_file_str(p->log, &log, &err) == 0) {
        fputs(log, stdout);
        ks_xfree(log);
    }
    printf("kso up: running in the background (pid %d, log %s); `kso down` stops it\n", (int)pid,
           p->log);
    return KSO_EXIT_OK;
}

int cmd_up(int argc, char **argv)
{
    enum { O_DIR = 1000, O_PORT, O_NO_SCAN, O_FOREGROUND };
    static const struct option longopts[] = {
            {"dir", required_argument, NULL, O_DIR},
            {"port", required_argument, NULL, O_PORT},
            {"detach", no_argument, NULL, 'd'},
            {"no-scan", no_argument, NULL, O_NO_SCAN},
            {"foreground", no_argument, NULL, O_FOREGROUND},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *dir = ".kso";
    long port = 0;
    bool detach = false, scan = true;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":dh", longopts, NULL)) != -1) {
        switch (c) {
        case O_DIR: dir = optarg; break;
        case O_PORT:
            if (kso_parse_port(optarg, &port) < 0)
                return kso_usage_error("up", "--port: not a port: %s", optarg);
            break;
        case 'd': detach = true; break;
        case O_NO_SCAN: scan = false; break;
        case O_FOREGROUND: detach = false; break;
        case 'h': fputs(up_usage, stdout); return KSO_EXIT_OK;
        case ':': return kso_usage_error("up", "%s needs a value", argv[optind - 1]);
        default: return kso_usage_error("up", "unknown flag %s", argv[optind - 1]);
        }
    }
    up_paths p = {0};
    paths_init(&p, dir);
    if (detach)
        return up_detach(&p, argc, argv);
    return up_foreground(&p, port, scan, (const char *const *)argv + optind,
                         (size_t)(argc - optind));
}

int cmd_down(int argc, char **argv)
{
    const char *dir = ".kso";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strncmp(argv[i], "--dir=", 6) == 0)
            dir = argv[i] + 6;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(up_usage, stdout);
            return KSO_EXIT_OK;
        } else
            return kso_usage_error("down", "unexpected argument %s", argv[i]);
    }
    up_paths p = {0};
    paths_init(&p, dir);
    pid_t pid = running_pid(&p);
    if (!pid) {
        printf("kso down: nothing running in %s\n", dir);
        unlink(p.pid);
        return KSO_EXIT_OK;
    }
    kill(pid, SIGTERM);
    for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    if (kill(pid, 0) == 0) {
        fprintf(stderr, "kso down: pid %d did not stop in 10 s\n", (int)pid);
        return KSO_EXIT_FAILED;
    }
    printf("kso down: stopped (pid %d); the store stays in %s\n", (int)pid, p.data);
    return KSO_EXIT_OK;
}
