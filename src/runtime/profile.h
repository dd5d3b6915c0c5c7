/*
 * Runtime profiles: the logic node-agent and storage share over
 * ApplicationProfiles, ContainerProfiles and NetworkNeighborhoods
 * (spec/storage.md §3.8-§3.10, §5.1-§5.2, §5.4).
 *
 * - The dynamic path analyzer: a trie of path segments that folds a node's
 *   children into "⋯" (U+22EF, exactly one segment) once it has more
 *   distinct children than the threshold for its prefix; adjacent "⋯/⋯"
 *   become "*" (zero or more segments).
 * - Deflation ("pre-save processing"): deduplicating, sorting and collapsing
 *   the lists of a profile, counting its size and marking it too large.
 * - Validation of the address and DNS patterns of a NetworkNeighborhood.
 *
 * Ownership: every value and structure returned lives in the ks_arena the
 * caller passes; inputs are only read (kv values are immutable) and may share
 * members with the outputs, so keep the input's arena alive as long as the
 * output. Thread-safety: none needed beyond the arena's (one thread per
 * arena); there is no global state.
 *
 * Errors: functions return 0 or a negative KS_E* code and fill the optional
 * ks_error: KS_ETYPE when a field has the wrong JSON type (the message names
 * the field path), KS_ELIMIT when an input passes a bound below or the arena
 * is full, KS_EINVAL for invalid content (validation).
 */
#ifndef KS_RUNTIME_PROFILE_H
#define KS_RUNTIME_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"
#include "value/value.h"

/* "⋯": one path segment, one DNS label, one exec argument. */
#define RT_DYNAMIC "\xe2\x8b\xaf"
/* "*": zero or more path segments (opens and endpoints only). */
#define RT_WILDCARD "*"
/* "⋯⋯": zero or more whole exec arguments. */
#define RT_EXEC_ARGS_WILDCARD "\xe2\x8b\xaf\xe2\x8b\xaf"

#define RT_OPEN_THRESHOLD     50
#define RT_ENDPOINT_THRESHOLD 100

/* Bounds on hostile input. */
#define RT_MAX_PATH_LEN     8192    /* bytes of one path or URL */
#define RT_MAX_STACK_DEPTH  1024    /* frames of one call stack */
#define RT_MAX_LIST_LEN     1000000 /* entries of one list in a profile */
#define RT_MAX_CONFIGS      1024    /* per-prefix collapse overrides */
#define RT_MAX_PROBLEMS     100     /* validation problems reported */
#define RT_DEFAULT_MAX_SIZE 40000   /* maxApplicationProfileSize, maxNetworkNeighborhoodSize */

/* ---- collapse configuration (§3.15, §5.4) ---- */

typedef struct rt_collapse_prefix {
    const char *prefix; /* starts with '/'; a trailing '/' is ignored */
    size_t len;
    int64_t threshold; /* >= 1; 1 turns any new child into "*" at once */
} rt_collapse_prefix;

typedef struct rt_collapse_cfg {
    int64_t open_threshold;     /* <= 0: RT_OPEN_THRESHOLD */
    int64_t endpoint_threshold; /* <= 0: RT_ENDPOINT_THRESHOLD */
    const rt_collapse_prefix *prefixes;
    size_t nprefixes;
} rt_collapse_cfg;

/* The compiled-in settings: 50, 100 and /etc:100, /etc/apache2:50, /opt:50,
 * /var/run:50, /app:50. */
void rt_collapse_cfg_default(rt_collapse_cfg *cfg);

/* Settings from a CollapseConfiguration object (the whole object or its
 * spec): its collapseConfigs REPLACE the compiled-in prefixes (absent or []:
 * no overrides at all); absent, 0 or negative thresholds fall back to 50 and
 * 100. obj NULL: the compiled-in settings. KS_ETYPE for a field of the wrong
 * type, KS_ELIMIT past RT_MAX_CONFIGS entries. The prefixes point into obj. */
int rt_collapse_cfg_from_object(ks_arena *a, const kv_value *obj, rt_collapse_cfg *cfg,
                                ks_error *err);

/* ---- the dynamic path analyzer ---- */

typedef struct rt_path_analyzer rt_path_analyzer;

/* An analyzer with a default threshold (<= 0 means RT_OPEN_THRESHOLD) and
 * per-prefix overrides (copied; the longest prefix that ends at a '/'
 * boundary of the walked path wins, the first of equal ones). All its memory
 * is in a. NULL when the arena is full. */
rt_path_analyzer *rt_path_analyzer_new(ks_arena *a, int64_t threshold,
                                       const rt_collapse_prefix *prefixes, size_t nprefixes);

/* Walks path (cleaned as Go's path.Clean) into the trie under the root named
 * root (opens use one root; endpoints one per port), collapsing nodes that
 * pass their threshold, and returns in *out (arena string, may be NULL) the
 * path as the trie now sees it. KS_ELIMIT past RT_MAX_PATH_LEN or a full
 * arena. */
int rt_path_analyzer_add(rt_path_analyzer *pa, const char *root, size_t rootlen, const char *path,
                         size_t n, kv_value *out, ks_error *err);

/* Adds every path of the array paths (strings) under one root, then reads
 * each back: *out is the set (sorted, deduplicated array) of collapsed
 * paths. */
int rt_path_analyzer_collapse(rt_path_analyzer *pa, const kv_value *paths, kv_value *out,
                              ks_error *err);

/* Go's path.Clean into the arena ("" becomes "."). */
int rt_path_clean(ks_arena *a, const char *p, size_t n, kv_value *out);

/* Whether the pattern (segments "⋯": exactly one; "*": zero or more in the
 * middle, one or more at the end) matches the literal path. Empty inputs
 * match nothing; trailing slashes are ignored. */
bool rt_path_match(const char *pattern, size_t plen, const char *path, size_t n);

/* ---- list analysis (one container's lists) ---- */

/* Opens [{path, flags}]: paths collapsed by an analyzer with the given
 * threshold and prefixes, entries that collapse to one path merged with
 * their flags unioned (sorted), literals covered by a surviving pattern
 * folded into the most specific pattern (longest, then first in byte
 * order). Sorted by path. (Upstream keeps paths listed in the image's SBOM
 * literal; that exception is not done here.) */
int rt_analyze_opens(ks_arena *a, const kv_value *opens, int64_t threshold,
                     const rt_collapse_prefix *prefixes, size_t nprefixes, kv_value *out,
                     ks_error *err);

/* Endpoints [{endpoint, methods, internal, direction, headers}]: each URL
 * path collapsed under its port (one trie per port), keys ":<port><path>";
 * entries with the same (endpoint, direction, internal) merged (methods
 * appended in order without repeats, header values unioned); entries on a
 * specific port folded into a ":0" entry of the same path, direction and
 * internal. Entries whose URL cannot be parsed are dropped, as upstream. */
int rt_analyze_endpoints(ks_arena *a, const kv_value *endpoints, int64_t threshold,
                         const rt_collapse_prefix *prefixes, size_t nprefixes, kv_value *out,
                         ks_error *err);

/* Neighbors [{identifier, dnsNames, ports, ...}] merged by identifier: the
 * first entry of an identifier is kept, later ones add their dnsNames and
 * ports; merged entries get dnsNames sorted and deduplicated and ports
 * deduplicated by name (first kept). */
int rt_merge_neighbors(ks_arena *a, const kv_value *neighbors, kv_value *out, ks_error *err);

/* identifiedCallStacks [{callID, callStack: {root}}] unified per callID:
 * the union of root-to-leaf frame paths rebuilt as one tree (frames equal
 * when fileID and lineno are; frameType is not kept, as upstream), children
 * ordered longest path first, then by frames. Sorted by callID. */
int rt_unify_call_stacks(ks_arena *a, const kv_value *stacks, kv_value *out, ks_error *err);

/* ---- deflation (§5.2) ---- */

/* Deflates an ApplicationProfile: per container of containers,
 * initContainers and ephemeralContainers: capabilities and syscalls sorted
 * and deduplicated, execs deduplicated by (path, args, envs), opens and
 * endpoints analyzed as above, rulePolicies' processAllowed sorted and
 * deduplicated, call stacks unified; spec.architectures sorted and
 * deduplicated. size = sum of the lengths of execs, opens, syscalls,
 * capabilities, endpoints and identifiedCallStacks. When size > max_size
 * (<= 0: RT_DEFAULT_MAX_SIZE) the spec becomes {} and annotation
 * kubescape.io/status is "too-large"; otherwise annotation
 * kubescape.io/resource-size is the size. cfg NULL: compiled-in settings.
 * *size_out (may be NULL) gets the size. */
int rt_deflate_application_profile(ks_arena *a, const kv_value *ap, const rt_collapse_cfg *cfg,
                                   int64_t max_size, kv_value *out, int64_t *size_out,
                                   ks_error *err);

/* Deflates a NetworkNeighborhood: neighbors merged per container; size = sum
 * of len(ingress) + len(egress); the same too-large rule. */
int rt_deflate_network_neighborhood(ks_arena *a, const kv_value *nn, int64_t max_size,
                                    kv_value *out, int64_t *size_out, ks_error *err);

/* Deflates a ContainerProfile as one AP container plus architectures,
 * neighbor merges and matchExpressions deduplicated; size also counts
 * ingress and egress. Over the limit the status annotation is "too-large"
 * but the spec is kept; resource-size is always set. */
int rt_deflate_container_profile(ks_arena *a, const kv_value *cp, const rt_collapse_cfg *cfg,
                                 int64_t max_size, kv_value *out, int64_t *size_out, ks_error *err);

/* ---- validation (§3.10, §5.1) ---- */

typedef struct rt_problem {
    const char *field; /* "spec.containers[0].egress[1].dnsNames[2]" (arena) */
    const char *value; /* the offending value as given (arena; "" if not a string) */
    const char *msg;   /* why (arena) */
} rt_problem;

typedef struct rt_problems {
    rt_problem *items;
    size_t n;
    bool truncated; /* more than RT_MAX_PROBLEMS were found */
} rt_problems;

/* One ipAddresses entry: a literal IP, a CIDR, or "*". NULL when valid, else
 * a static message. */
const char *rt_validate_ip_entry(const char *s, size_t n);
/* One dnsNames entry: literal (trailing dot optional), "*" as first or last
 * label, "⋯" as any label; no empty labels, no "**" label, no lone "*". */
const char *rt_validate_dns_entry(const char *s, size_t n);

/* Validates every neighbor of a NetworkNeighborhood (whole object or spec):
 * ipAddresses, ipAddress, dnsNames and dns. 0 when valid; KS_EINVAL with the
 * problems in *out (arena) and the first one in err otherwise. Values of the
 * wrong type are problems too. */
int rt_validate_network_neighborhood(ks_arena *a, const kv_value *nn, rt_problems *out,
                                     ks_error *err);

#endif
