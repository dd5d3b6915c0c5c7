/*
 * A Kubernetes API server for one API group over the object store: the
 * REST conventions kubectl and cluster controllers rely on (discovery,
 * OpenAPI, get/list/watch/create/update/patch/delete/deletecollection,
 * label and field selectors, pagination, Table and PartialObjectMetadata
 * views, JSON and YAML, Status errors), authentication of the aggregator's
 * front-proxy client certificate and of client certificates, and per-kind
 * size and queue limits. A role plugs its kinds' behaviour in through hooks
 * (validation and processing before a save, computed "virtual" kinds).
 *
 * Stored objects are listed and watched in their metadata-only view (the
 * object's metadata with the rest of its kind's Go zero value, as upstream
 * storage answers) unless resourceVersion=fullSpec asks for full objects;
 * a GET returns the full object unless resourceVersion=metadata.
 *
 * Threading: kube_apiserver_handle runs in any number of server threads at
 * once; the server and its group, store and hooks must outlive them.
 * Errors: 0 or a negative KS_E* code with a message in the ks_error.
 */
#ifndef KS_KUBE_APISERVER_H
#define KS_KUBE_APISERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"
#include "kube/apigroup.h"
#include "net/server.h"
#include "store/store.h"
#include "value/value.h"

typedef struct kube_apiserver kube_apiserver;

/* A refusal a hook gives: the HTTP code, the Status reason
 * ("Invalid", "BadRequest", "MethodNotAllowed", ...) and the message. For
 * Invalid, field and cause detail the offending field. */
typedef struct kube_problem {
    int code;
    const char *reason;
    const char *message;
    const char *field; /* Invalid: the field path ("metadata.annotations") */
    const char *
            cause; /* Invalid: the cause type ("FieldValueNotSupported"); NULL: FieldValueInvalid */
} kube_problem;

typedef enum kube_write_op { KUBE_WRITE_CREATE, KUBE_WRITE_UPDATE } kube_write_op;

typedef struct kube_hooks {
    void *ctx;
    /* Before a create or an update is stored (after metadata defaults):
     * validate and transform *obj (old: the stored object on update, else
     * NULL). Return 0 to store *obj, 1 to keep the stored object unchanged
     * (the update is answered with it), or a negative code with *p set. */
    int (*prepare)(void *ctx, const kube_resource *r, kube_write_op op, const kv_value *old,
                   kv_value *obj, ks_arena *a, kube_problem *p);
    /* Computed kinds: true when r is one (it is then read-only). */
    bool (*is_virtual)(void *ctx, const kube_resource *r);
    /* GET of a computed object; KS_ENOENT for not found. full: the
     * request's resourceVersion=fullSpec (computed from full objects). */
    int (*virtual_get)(void *ctx, const kube_resource *r, const char *ns, const char *name,
                       bool full, ks_arena *a, kv_value *out, ks_error *err);
    /* LIST of computed objects: calls fn for each. */
    int (*virtual_list)(void *ctx, const kube_resource *r, const char *ns, bool full, ks_arena *a,
                        int (*fn)(void *fctx, const kv_value *obj), void *fctx, ks_error *err);
} kube_hooks;

/* Per-resource limits (index = the resource's index in the group). */
typedef struct kube_limits {
    uint64_t max_object_size; /* request bodies; 0: the server's max body */
    uint32_t workers;         /* requests of the kind running at once; 0: no limit */
    uint32_t queue;           /* requests waiting for a worker; beyond: 429 */
} kube_limits;

/* Who may call. */
typedef struct kube_auth_opts {
    /* Front-proxy (the aggregator): a client certificate verified by the
     * net server's bundle of this name, with a CN in allowed_names (empty:
     * any), carries the user in these headers. */
    const char *requestheader_bundle; /* NULL: front-proxy authentication off */
    const char *const *allowed_names;
    size_t nallowed_names;
    const char *const *username_headers; /* default {"X-Remote-User"} */
    size_t nusername_headers;
    const char *const *group_headers; /* default {"X-Remote-Group"} */
    size_t ngroup_headers;
    const char *const *extra_prefixes; /* default {"X-Remote-Extra-"} */
    size_t nextra_prefixes;
    /* Client certificates verified by this bundle authenticate CN as the
     * user and O as groups. NULL: off. */
    const char *client_bundle;
    /* Requests without credentials: refused (401) unless allowed. Health
     * (/livez, /readyz, /healthz) and /version are always open. */
    bool allow_anonymous;
} kube_auth_opts;

typedef struct kube_apiserver_opts {
    const kube_apigroup *group;
    kstore *store;
    kube_hooks hooks;
    const kube_limits *limits; /* group->nresources entries, or NULL */
    kube_auth_opts auth;
    int bookmark_interval_ms; /* watch BOOKMARK period when asked; 0: 30 s */
    int watch_timeout_s;      /* longest watch when the client gives none; 0: 30 min */
    const char *version_json; /* the /version document; NULL: a default */
} kube_apiserver_opts;

int kube_apiserver_new(const kube_apiserver_opts *o, kube_apiserver **out, ks_error *err);
void kube_apiserver_free(kube_apiserver *s);

/* The net server's handler and body-limit callbacks (ctx = the apiserver). */
void kube_apiserver_handle(void *ctx, const net_request *req, net_response *resp);
size_t kube_apiserver_body_limit(void *ctx, const net_request *req);
/* The net server's own errors (400, 413) as Status objects. */
void kube_apiserver_net_error(void *ctx, int status, const char *msg, net_response *resp);

/* Creates obj in resource plural, or replaces the stored object of its name
 * and namespace, from inside the process, with every rule a request would
 * meet (metadata, validation, the role's hooks). a holds the temporaries.
 * 0, or a negative code with the server's message in err. */
int kube_apiserver_put(kube_apiserver *s, const char *plural, const kv_value *obj, ks_arena *a,
                       ks_error *err);

#endif
