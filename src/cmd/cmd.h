/*
 * The roles and commands of the kso binary. Each command is a function
 * taking its own argv (argv[0] is the command name) and returning the
 * process exit code. Commands are thin: they parse flags, call the domain
 * modules and print.
 *
 * Exit codes (stable, documented in `kso help`):
 */
#ifndef KS_CMD_CMD_H
#define KS_CMD_CMD_H

#include <stdio.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/map.h"
#include "value/value.h"

enum {
    KSO_EXIT_OK = 0,
    KSO_EXIT_FAILED = 1, /* the command ran and reports failure (e.g. a scan over threshold) */
    KSO_EXIT_USAGE = 2,  /* unknown command or flag, bad flag value */
    KSO_EXIT_INPUT = 3,  /* an input could not be read or parsed */
};

typedef int (*kso_cmd_fn)(int argc, char **argv);

typedef struct kso_command {
    const char *name;
    kso_cmd_fn fn;
    const char *summary;
} kso_command;

const kso_command *kso_commands(size_t *n);
const kso_command *kso_find_command(const char *name);

int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_rego(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_library(int argc, char **argv);
int cmd_storage(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);

/* Prints "kso CMD: message" and a hint to run `kso CMD --help`; returns
 * KSO_EXIT_USAGE. */
int kso_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "kso CMD: source:line:col: message"; returns the exit code. */
int kso_report(const char *cmd, const ks_error *err, int exit_code);

/* Reads one JSON or YAML document (by the name's extension; a name with
 * neither is tried as JSON, then YAML) of at most max bytes. */
int kso_read_doc(ks_arena *a, const char *path, size_t max, kv_value *out, ks_error *err);

/* A list of names, one per line (expected-failure files): blank lines and
 * text after '#' are ignored, names are trimmed. */
typedef struct kso_names {
    ks_map set;
    char **v;
    size_t n;
} kso_names;
/* Loads path (NULL: an empty list). 0, or -1 when the file cannot be read. */
int kso_names_load(const char *path, kso_names *x);
bool kso_names_has(const kso_names *x, const char *s, size_t n);
void kso_names_free(kso_names *x);

/* Scans paths with the built-in library against frameworks and gives the
 * WorkloadConfigurationScan and summary objects (`--format k8s-objects`,
 * a `kind: List`), cluster-scoped resources' objects in ns. */
int kso_scan_objects(const char *const *paths, size_t npaths, const char *const *frameworks,
                     size_t nframeworks, const char *ns, ks_arena *a, kv_value *list,
                     ks_error *err);

/* kso scan --submit-to-storage: the items of a k8s-objects List applied
 * (server-side apply, field manager "kso") through the Kubernetes API of
 * the kubeconfig (or in-cluster configuration). Stops at the first failure,
 * whose message names the object and the server's answer. */
typedef struct kso_submit_opts {
    const char *kubeconfig; /* NULL: $KUBECONFIG, ~/.kube/config, in-cluster */
    const char *context;
} kso_submit_opts;
typedef struct kso_submit_stats {
    size_t created, updated;
} kso_submit_stats;
/* The resource (plural) of a k8s-objects kind, NULL for another kind. */
const char *kso_scan_plural(const char *kind);
/* A client for the cluster of kubeconfig (NULL: $KUBECONFIG, ~/.kube/config,
 * in-cluster) and context (NULL: the current one); with cluster, the
 * context's cluster name ("in-cluster" in a pod) is written there. */
typedef struct kube_client kube_client;
int kso_kube_connect(const char *kubeconfig, const char *context, kube_client **c, char *cluster,
                     size_t cap, ks_error *err);
int kso_submit_objects(const kv_value *list, const kso_submit_opts *o, kso_submit_stats *st,
                       ks_error *err);

/* Blocks until SIGINT or SIGTERM arrives (SIGPIPE is ignored from then on);
 * returns that signal. For the commands that serve until stopped. */
int kso_wait_for_stop(void);

/* Parses a TCP port (0..65535). */
int kso_parse_port(const char *s, long *out);

/* Parses a size such as 512, 64Ki, 256Mi, 1G (binary and decimal units). */
int kso_parse_size(const char *s, size_t *out);

extern const char kso_version[];
extern const char kso_git_commit[];

#endif
