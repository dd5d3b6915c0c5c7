/*
 * Where a Kubernetes client connects and how it authenticates: a kubeconfig
 * resolved the way client-go's clientcmd resolves one, or the in-cluster
 * service account.
 *
 * Loading order (kube_config_load):
 *   1. opts->path, when given: that file alone, which must exist;
 *   2. else $KUBECONFIG, a ':'-separated list; files that do not exist are
 *      skipped; the files are merged as clientcmd merges them: for clusters,
 *      users and contexts the first file that names an entry wins it, and the
 *      first non-empty current-context wins;
 *   3. else $HOME/.kube/config, when it exists;
 *   4. else, when $KUBERNETES_SERVICE_HOST and _PORT are set, the in-cluster
 *      service account (token, CA and namespace files);
 *   5. else an error saying all of this.
 * The context is opts->context or the current-context. Relative file paths
 * in an entry are resolved against the directory of the file that defined
 * the entry. *-data fields are base64 (Go's standard encoding). Files named
 * by the configuration (CA, client certificate and key, token file) are read
 * at load time, bounded; the token file's path is kept too, because
 * projected service-account tokens are rotated and must be read again.
 *
 * Not supported, with an error that names the user entry: exec credential
 * plugins and auth-provider plugins (kso runs no helper programs).
 * Rejected as clientcmd rejects them: a CA together with
 * insecure-skip-tls-verify, a client certificate without its key (or the
 * reverse), a bearer token together with a username and password.
 *
 * Errors: KS_ENOENT (no configuration, unknown context, cluster or user),
 * KS_EPARSE (bad YAML or base64, with the file and position), KS_EINVAL
 * (contradictory or missing fields), KS_EUNSUPPORTED (plugins), KS_EIO and
 * KS_ELIMIT from files. The message names the file and the entry.
 */
#ifndef KS_KUBE_KUBECONFIG_H
#define KS_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/error.h"

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

typedef struct kube_load_opts {
    const char *path;    /* --kubeconfig; NULL: $KUBECONFIG, then ~/.kube/config */
    const char *context; /* --context; NULL: the current-context */
    /* The environment and the service-account directory, for tests: NULL
     * means getenv and KUBE_SA_DIR. */
    const char *(*getenv)(const char *name);
    const char *sa_dir;
    bool no_in_cluster; /* never fall back to the in-cluster configuration */
} kube_load_opts;

/* A resolved client configuration; every string is NUL-terminated and
 * lives in the struct's arena (NULL when unset). PEM blocks hold their bytes
 * with a length (they are also NUL-terminated). */
typedef struct kube_client_config {
    ks_arena arena;
    char *source;  /* the file(s) read, or "in-cluster" */
    char *context; /* the context used (NULL in-cluster) */
    char *cluster, *user;
    char *server;          /* scheme://host[:port][/path], no trailing '/' */
    char *tls_server_name; /* overrides the name checked in the certificate */
    char *proxy_url;       /* the cluster's proxy-url; NULL: the environment's */
    bool insecure;         /* insecure-skip-tls-verify */
    char *ca_pem;          /* trusted CAs (from a file or -data); NULL: the system's */
    size_t ca_len;
    char *cert_pem, *key_pem; /* client certificate and key */
    size_t cert_len, key_len;
    /* The files the three came from (absolute or relative to the working
     * directory), NULL for -data fields. */
    char *ca_file, *cert_file, *key_file;
    char *token;      /* bearer token, read at load time */
    char *token_file; /* where it came from, to read again when it rotates */
    char *username, *password;
    char *impersonate_user;    /* as: Impersonate-User */
    char **impersonate_groups; /* as-groups: Impersonate-Group */
    size_t nimpersonate_groups;
    char *namespace; /* the context's namespace, or "default" */
    bool in_cluster;
} kube_client_config;

int kube_config_load(const kube_load_opts *opts, kube_client_config *out, ks_error *err);

/* The in-cluster configuration alone (step 4 above). */
int kube_config_in_cluster(const kube_load_opts *opts, kube_client_config *out, ks_error *err);

void kube_client_config_free(kube_client_config *c);

#endif
