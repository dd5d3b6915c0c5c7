/*
 * kso storage: the aggregated API server of spdx.softwarecomposition.kubescape.io.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/storage/storage.h"
#include "core/file.h"

static const char storage_usage[] =
        "Usage: kso storage [flags]\n"
        "\n"
        "Serves the spdx.softwarecomposition.kubescape.io/v1beta1 API (workload\n"
        "configuration scans, vulnerability manifests, SBOMs, profiles, ...) over HTTPS,\n"
        "as an aggregated API server behind kube-apiserver or directly to kubectl.\n"
        "\n"
        "Configuration: $CONFIG_DIR/config.json (default /etc/config/config.json; keys as\n"
        "upstream's storage: serverBindAddress, serverBindPort, tlsServerCertFile,\n"
        "tlsServerKeyFile, tlsClientCaFile, disableVirtualCRDs,\n"
        "disableSeccompProfileEndpoint, queueManagerEnabled, kindQueues, ...), then flags:\n"
        "  --config-dir DIR        where config.json is (overrides $CONFIG_DIR)\n"
        "  --data-dir DIR          the object store (default /data)\n"
        "  --bind-address ADDR     listen address (default ::)\n"
        "  --secure-port PORT      listen port (default 8443; 0 picks one)\n"
        "  --tls-cert-file FILE    serving certificate (PEM); without one a self-signed\n"
        "  --tls-private-key-file FILE  certificate for localhost is made\n"
        "  --client-ca-file FILE   client certificates signed by these CAs authenticate\n"
        "                          as their CN (user) and O (groups)\n"
        "  --requestheader-client-ca-file FILE  the aggregator's front-proxy CA: its\n"
        "                          client certificates carry the user in X-Remote-User\n"
        "  --requestheader-allowed-names NAMES  comma-separated CNs allowed to do so\n"
        "                          (default: any the CA signed)\n"
        "  --requestheader-username-headers H, --requestheader-group-headers H,\n"
        "  --requestheader-extra-headers-prefix P   header names (comma-separated)\n"
        "  --allow-anonymous       serve requests without credentials (upstream does;\n"
        "                          off by default)\n"
        "  --port-file FILE        write the bound port there once listening\n"
        "  --watch-bookmark-interval SECONDS  how often watches that allow bookmarks get\n"
        "                          one (default 30)\n"
        "  --watch-cache-size SIZE recent events kept for watches to resume from\n"
        "                          (default 16Mi; an older resume gets 410 Gone)\n"
        "Health: /livez, /readyz and /healthz answer without credentials.\n";

/* A comma-separated flag value as a list (one heap block: the pointers,
 * then the text). */
static const char **split(const char *s, size_t *n)
{
    size_t cap = 1, len = strlen(s);
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    const char **v = ks_xmalloc((cap + 1) * sizeof *v + len + 1);
    char *copy = (char *)(v + cap + 1);
    memcpy(copy, s, len + 1);
    *n = 0;
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        v[(*n)++] = t;
    v[*n] = NULL;
    return v;
}

int cmd_storage(int argc, char **argv)
{
    enum {
        O_CONFIG = 1000,
        O_DATA,
        O_BIND,
        O_PORT,
        O_CERT,
        O_KEY,
        O_CLIENT_CA,
        O_RH_CA,
        O_RH_NAMES,
        O_RH_USER,
        O_RH_GROUP,
        O_RH_EXTRA,
        O_ANON,
        O_PORT_FILE,
        O_BOOKMARK,
        O_WATCH_CACHE,
    };
    static const struct option longopts[] = {
            {"config-dir", required_argument, NULL, O_CONFIG},
            {"data-dir", required_argument, NULL, O_DATA},
            {"bind-address", required_argument, NULL, O_BIND},
            {"secure-port", required_argument, NULL, O_PORT},
            {"tls-cert-file", required_argument, NULL, O_CERT},
            {"tls-private-key-file", required_argument, NULL, O_KEY},
            {"client-ca-file", required_argument, NULL, O_CLIENT_CA},
            {"requestheader-client-ca-file", required_argument, NULL, O_RH_CA},
            {"requestheader-allowed-names", required_argument, NULL, O_RH_NAMES},
            {"requestheader-username-headers", required_argument, NULL, O_RH_USER},
            {"requestheader-group-headers", required_argument, NULL, O_RH_GROUP},
            {"requestheader-extra-headers-prefix", required_argument, NULL, O_RH_EXTRA},
            {"allow-anonymous", no_argument, NULL, O_ANON},
            {"port-file", required_argument, NULL, O_PORT_FILE},
            {"watch-bookmark-interval", required_argument, NULL, O_BOOKMARK},
            {"watch-cache-size", required_argument, NULL, O_WATCH_CACHE},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
    };
    const char *config_dir = getenv("CONFIG_DIR"), *data_dir = "/data";
    const char *bind = NULL, *cert = NULL, *key = NULL, *client_ca = NULL, *rh_ca = NULL;
    const char *rh_names = NULL, *rh_user = NULL, *rh_group = NULL, *rh_extra = NULL;
    const char *port_file = NULL;
    long port = -1, bookmark_s = 0;
    size_t watch_cache = 0;
    bool anonymous = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case O_CONFIG: config_dir = optarg; break;
        case O_DATA: data_dir = optarg; break;
        case O_BIND: bind = optarg; break;
        case O_PORT:
            if (kso_parse_port(optarg, &port) < 0)
                return kso_usage_error("storage", "--secure-port: not a port: %s", optarg);
            break;
        case O_CERT: cert = optarg; break;
        case O_KEY: key = optarg; break;
        case O_CLIENT_CA: client_ca = optarg; break;
        case O_RH_CA: rh_ca = optarg; break;
        case O_RH_NAMES: rh_names = optarg; break;
        case O_RH_USER: rh_user = optarg; break;
        case O_RH_GROUP: rh_group = optarg; break;
        case O_RH_EXTRA: rh_extra = optarg; break;
        case O_ANON: anonymous = true; break;
        case O_PORT_FILE: port_file = optarg; break;
        case O_WATCH_CACHE:
            if (kso_parse_size(optarg, &watch_cache) < 0 || watch_cache < (64u << 10))
                return kso_usage_error(
                        "storage", "--watch-cache-size: a size of at least 64Ki, not %s", optarg);
            break;
        case O_BOOKMARK: {
            char *end;
            bookmark_s = strtol(optarg, &end, 10);
            if (*end || bookmark_s < 1 || bookmark_s > 3600)
                return kso_usage_error(
                        "storage", "--watch-bookmark-interval: 1 to 3600 seconds, not %s", optarg);
            break;
        }
        case 'h': fputs(storage_usage, stdout); return KSO_EXIT_OK;
        case ':': return kso_usage_error("storage", "%s needs a value", argv[optind - 1]);
        default: return kso_usage_error("storage", "unknown flag %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return kso_usage_error("storage", "unexpected argument %s", argv[optind]);
    if (!cert != !key)
        return kso_usage_error("storage", "--tls-cert-file and --tls-private-key-file go together");

    ks_error err = {0};
    spdx_config cfg;
    spdx_config_defaults(&cfg);
    char path[1024];
    snprintf(path, sizeof path, "%s/config.json", config_dir ? config_dir : "/etc/config");
    if (spdx_config_load(&cfg, path, !config_dir, &err) < 0)
        return kso_report("storage", &err, KSO_EXIT_INPUT);
    if (!cert && cfg.tls_server_cert_file[0]) {
        cert = cfg.tls_server_cert_file;
        key = cfg.tls_server_key_file;
    }
    if (!client_ca && cfg.tls_client_ca_file[0])
        client_ca = cfg.tls_client_ca_file;

    net_ca_bundle cas[2];
    size_t ncas = 0;
    if (rh_ca)
        cas[ncas++] = (net_ca_bundle){.name = "requestheader-client-ca", .file = rh_ca};
    if (client_ca)
        cas[ncas++] = (net_ca_bundle){.name = "client-ca", .file = client_ca};
    spdx_server_opts so = {.cfg = &cfg,
                           .data_dir = data_dir,
                           .bind = bind ? bind : cfg.bind_address,
                           .port = (uint16_t)(port >= 0 ? port : cfg.bind_port),
                           .cert_file = cert,
                           .key_file = key,
                           .cas = cas,
                           .ncas = ncas,
                           .bookmark_interval_ms = (int)bookmark_s * 1000,
                           .watch_cache_bytes = watch_cache};
    const char **names = NULL, **uh = NULL, **gh = NULL, **eh = NULL;
    so.auth.requestheader_bundle = rh_ca ? "requestheader-client-ca" : NULL;
    so.auth.client_bundle = client_ca ? "client-ca" : NULL;
    so.auth.allow_anonymous = anonymous;
    if (rh_names)
        so.auth.allowed_names = names = split(rh_names, &so.auth.nallowed_names);
    if (rh_user)
        so.auth.username_headers = uh = split(rh_user, &so.auth.nusername_headers);
    if (rh_group)
        so.auth.group_headers = gh = split(rh_group, &so.auth.ngroup_headers);
    if (rh_extra)
        so.auth.extra_prefixes = eh = split(rh_extra, &so.auth.nextra_prefixes);

    spdx_server *sv;
    int rc = spdx_server_start(&so, &sv, &err);
    if (rc < 0) {
        rc = kso_report("storage", &err, KSO_EXIT_FAILED);
        goto out;
    }
    fprintf(stderr, "kso storage: serving %s/%s on %s port %u, data in %s\n", SPDX_GROUP,
            SPDX_VERSION, so.bind, spdx_server_port(sv), data_dir);
    if (port_file) {
        char p[16];
        int n = snprintf(p, sizeof p, "%u\n", spdx_server_port(sv));
        if (ks_file_write_atomic(port_file, p, (size_t)n, 0644, &err) < 0)
            kso_report("storage", &err, 0);
    }
    int sig = kso_wait_for_stop();
    fprintf(stderr, "kso storage: stopping (signal %d)\n", sig);
    spdx_server_stop(sv);
    rc = KSO_EXIT_OK;
out:
    ks_xfree(names);
    ks_xfree(uh);
    ks_xfree(gh);
    ks_xfree(eh);
    return rc;
}
