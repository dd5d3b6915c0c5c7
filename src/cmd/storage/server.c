/*
 * The storage server: the store, the API group, the API server and the
 * HTTPS listener wired together (used by `kso storage` and `kso up`).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/storage/storage.h"
#include "core/file.h"
#include "core/log.h"
#include "net/tls.h"

void spdx_apiserver_opts(spdx_server *sv, kube_apiserver_opts *ao)
{
    *ao = (kube_apiserver_opts){.group = &sv->group,
                                .store = sv->store,
                                .hooks = {.ctx = sv,
                                          .prepare = spdx_prepare,
                                          .is_virtual = spdx_is_virtual,
                                          .virtual_get = spdx_virtual_get,
                                          .virtual_list = spdx_virtual_list},
                                .limits = sv->limits};
}

int spdx_server_start(const spdx_server_opts *o, spdx_server **out, ks_error *err)
{
    *out = NULL;
    spdx_server *sv = ks_xcalloc(1, sizeof *sv);
    sv->cfg = *o->cfg;
    int rc;
    /* Request threads come and go; glibc gives threads arenas of their own
     * and keeps what they freed, which after an update burst held tens of
     * MB for nothing. Two arenas serve this server's concurrency. */
    mallopt(M_ARENA_MAX, 2);
    /* The watch ring keeps whole objects: bound it by bytes (a resume older
     * than what it holds gets 410 and the client relists). */
    kstore_opts so = {.dir = o->data_dir,
                      .watch_bytes =
                              o->watch_cache_bytes ? o->watch_cache_bytes : (size_t)16 << 20};
    if ((rc = kstore_open(&so, &sv->store, err)) < 0)
        goto fail;
    bool virt = !sv->cfg.disable_virtual_crds;
    bool seccomp = !sv->cfg.disable_seccomp_endpoint;
    if ((rc = spdx_apigroup(&sv->group, sv->res, virt, seccomp, err)) < 0)
        goto fail;
    sv->have_group = true;
    /* per-resource limits in the group's order */
    for (size_t i = 0; i < sv->group.nresources; i++) {
        const spdx_kind *k = spdx_kind_find(sv->group.resources[i].plural,
                                            strlen(sv->group.resources[i].plural));
        const spdx_kind_limits *l = &sv->cfg.limits[k - spdx_kinds];
        sv->limits[i] =
                (kube_limits){.max_object_size = l->max_object_size,
                              .workers = sv->cfg.queue_manager_enabled ? l->worker_count : 0,
                              .queue = l->queue_length};
    }
    kube_apiserver_opts ao;
    spdx_apiserver_opts(sv, &ao);
    ao.auth = o->auth;
    ao.bookmark_interval_ms = o->bookmark_interval_ms;
    if ((rc = kube_apiserver_new(&ao, &sv->api, err)) < 0)
        goto fail;
    /* TLS: the given certificate, else a self-signed one for loopback */
    char *cert = NULL, *key = NULL;
    if (!o->cert_file && !o->cert_pem) {
        static const char *const dns[] = {"localhost", NULL};
        static const char *const ips[] = {"127.0.0.1", "::1", NULL};
        if ((rc = net_tls_selfsigned(dns, ips, 365, &cert, &key, err)) < 0)
            goto fail;
    }
    net_server_opts no = {
            .bind = o->bind,
            .port = o->port,
            .cert_pem = o->cert_pem ? o->cert_pem : cert,
            .key_pem = o->key_pem ? o->key_pem : key,
            .cert_file = o->cert_file,
            .key_file = o->key_file,
            .client_cas = o->cas,
            .nclient_cas = o->ncas,
            .max_body = 128u << 20, /* per kind below (largest: SBOMs) */
            .handler = kube_apiserver_handle,
            .body_limit = kube_apiserver_body_limit,
            .error = kube_apiserver_net_error,
            .ctx = sv->api,
    };
    rc = net_server_start(&no, &sv->http, err);
    ks_xfree(cert);
    ks_xfree(key);
    if (rc < 0)
        goto fail;
    *out = sv;
    return 0;
fail:
    spdx_server_stop(sv);
    return rc;
}

uint16_t spdx_server_port(const spdx_server *sv)
{
    return net_server_port(sv->http);
}

void spdx_server_stop(spdx_server *sv)
{
    if (!sv)
        return;
    net_server_stop(sv->http);
    kube_apiserver_free(sv->api);
    if (sv->have_group)
        kube_apigroup_free(&sv->group);
    if (sv->store)
        kstore_close(sv->store);
    ks_xfree(sv);
}
