/* Internal to the API server (apiserver*.c). */
#ifndef KS_KUBE_APISERVER_INTERNAL_H
#define KS_KUBE_APISERVER_INTERNAL_H

#include <pthread.h>

#include "core/buf.h"
#include "kube/apiserver.h"
#include "kube/meta.h"
#include "kube/selector.h"

/* A kind's request gate: at most workers at once, queue more waiting. */
typedef struct as_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint32_t running, waiting;
} as_gate;

struct kube_apiserver {
    kube_apiserver_opts o;
    kube_limits *limits; /* per resource */
    as_gate *gates;      /* per resource */
    kv_value *zero;      /* per resource: the kind's Go zero value */
    ks_arena arena;      /* zero values */
};

/* The representation a client asked for (Accept). */
typedef enum as_repr {
    AS_JSON,
    AS_YAML,
    AS_TABLE,
    AS_POM,     /* PartialObjectMetadata */
    AS_POMLIST, /* PartialObjectMetadataList */
} as_repr;

/* A request made from inside the process (kube_apiserver_put): the body and
 * where the answer goes. */
typedef struct as_inproc {
    const kv_value *body;
    int code;
    kv_value answer; /* the object, or the Status of a failure */
} as_inproc;

/* One request on its way through the server. */
typedef struct as_req {
    kube_apiserver *s;
    const net_request *nr;
    net_response *resp;
    ks_arena *a;
    const char *method;
    int ri; /* resource index, -1 for none */
    const kube_resource *r;
    const char *ns;   /* namespace of the path; NULL: cluster-scoped or all */
    const char *name; /* object name; NULL for collections */
    as_repr repr;
    kube_include include;
    const char *mversion; /* meta.k8s.io version of a Table or metadata view */
    const char *user;
    as_inproc *inproc;   /* set for requests from inside the process (nr, resp NULL) */
    bool gate_to_stream; /* the kind's gate is released by a stream's end, not the handler */
} as_req;

/* Releases a kind's gate (a streamed response holds it until it ends). */
void as_gate_leave(kube_apiserver *s, int ri);

/* The request's query parameter or header; NULL when absent (and always
 * for requests from inside the process). */
const char *as_query(const as_req *q, const char *name);
const char *as_header(const as_req *q, const char *name);
void as_resp_header(as_req *q, const char *name, const char *value);

/* Responses (apiserver.c). */
/* Writes v in the requested representation (JSON or YAML). */
void as_send_value(as_req *q, int code, const kv_value *v);
/* A Status error. name: the object (details.name), or NULL. */
void as_send_status(as_req *q, int code, const char *reason, const char *msg, const char *name);
void as_send_problem(as_req *q, const kube_problem *p, const char *name);
void as_not_found(as_req *q, const char *name);
void as_bad_request(as_req *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void as_internal(as_req *q, const ks_error *err);
/* "<resource>.<group>" as Status messages name a resource. */
const char *as_qualified(as_req *q);

/* Object views (apiserver.c). */
/* The metadata-only view of a kind: meta ({apiVersion, kind, metadata})
 * over the kind's zero value. */
int as_meta_view(as_req *q, const kv_value *meta, kv_value *out);
/* Parses stored JSON into the view the request wants (full or metadata). */
int as_parse_view(as_req *q, const char *json, size_t n, bool meta_only, kv_value *out,
                  ks_error *err);

/* Verbs (apiserver_rest.c, apiserver_list.c). */
void as_get(as_req *q);
void as_create(as_req *q);
void as_update(as_req *q);
void as_patch(as_req *q);
void as_delete(as_req *q);
void as_delete_collection(as_req *q);
void as_list(as_req *q);
void as_watch(as_req *q);

/* Selectors of a LIST, WATCH or DELETECOLLECTION (apiserver_list.c). */
typedef struct as_filter {
    kube_label_sel labels;
    kube_field_sel fields;
} as_filter;
/* 0, or -1 after answering 400. */
int as_filter_parse(as_req *q, as_filter *f);
bool as_filter_match(const as_filter *f, const kv_value *obj);

/* Whether the request asks for full objects (resourceVersion=fullSpec). */
bool as_full_spec(as_req *q);

#endif
