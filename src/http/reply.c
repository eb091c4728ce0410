/*
 * reply.c — building responses: JSON, errors, bytes, and the headers every
 * reply carries.
 *
 * A reply function builds the libmicrohttpd response and parks it in the
 * request (req->response, req->status); the server queues it when
 * libmicrohttpd allows (after the whole body has been read). So a handler
 * may reply at any point, and only the first reply counts.
 */
#include "http/http.h"

#include "http/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define CSP_HTML  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'"

static const char *cache_value(enum eg_cache cache)
{
    switch (cache) {
    case EG_CACHE_NO_STORE:
        return "no-store";
    case EG_CACHE_NO_CACHE:
        return "no-cache";
    case EG_CACHE_IMMUTABLE:
        return "public, max-age=31536000, immutable";
    case EG_CACHE_SHORT:
        return "public, max-age=300";
    }
    return "no-store";
}

void eg_http_reply_set(struct eg_req *req, int http_status, struct MHD_Response *resp,
                       const char *content_type, enum eg_cache cache, int is_html)
{
    struct eg_rq *rq = eg_rq_of(req);
    size_t i;

    if (resp == NULL) {
        eg_log(EG_LOG_ERROR, "event=reply_failed rid=%s reason=out_of_memory", req->request_id);
        return;
    }
    if (req->response != NULL) {
        eg_log(EG_LOG_WARN, "event=double_reply rid=%s first=%d second=%d", req->request_id,
               req->status, http_status);
        MHD_destroy_response(resp);
        return;
    }
    if (content_type != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (is_html)
        MHD_add_response_header(resp, "Content-Security-Policy", CSP_HTML);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache_value(cache));
    if (req->request_id[0] != '\0')
        MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    for (i = 0; i < rq->n_hdrs; i++)
        MHD_add_response_header(resp, rq->hdr_names[i], rq->hdr_values[i]);
    if (req->server != NULL && atomic_load_explicit(&req->server->stopping, memory_order_relaxed))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    req->response = resp;
    req->status = http_status;
}

/* A growing malloc'd buffer for json_dump_callback. */
struct dump {
    char *data;
    size_t len, cap;
};

/* json_dump_callback's sink: append, doubling the buffer as needed. */
static int dump_cb(const char *buf, size_t size, void *data)
{
    struct dump *d = data;

    if (size > d->cap - d->len) {
        size_t cap = d->cap;
        char *p;

        while (size > cap - d->len) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        p = realloc(d->data, cap);
        if (p == NULL)
            return -1;
        d->data = p;
        d->cap = cap;
    }
    memcpy(d->data + d->len, buf, size);
    d->len += size;
    return 0;
}

/* The last resort when even an error reply cannot be built. */
static void reply_oom(struct eg_req *req)
{
    static const char body[] =
        "{\"error\":{\"code\":\"internal\",\"message\":\"An internal error occurred.\"}}";
    struct MHD_Response *r;

    r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    eg_http_reply_set(req, 500, r, JSON_TYPE, EG_CACHE_NO_STORE, 0);
}

/*
 * Serialise into one malloc'd buffer that libmicrohttpd frees after
 * sending (one allocation for the usual small reply; no second pass).
 */
void eg_reply_json(struct eg_req *req, int http_status, json_t *body)
{
    struct dump d = {NULL, 0, 1024};
    struct MHD_Response *r;

    if (req->response != NULL) {
        eg_log(EG_LOG_WARN, "event=double_reply rid=%s first=%d second=%d", req->request_id,
               req->status, http_status);
        json_decref(body);
        return;
    }
    if (body == NULL) {
        eg_log(EG_LOG_ERROR, "event=reply_failed rid=%s reason=null_body", req->request_id);
        reply_oom(req);
        return;
    }
    d.data = malloc(d.cap);
    if (d.data == NULL ||
        json_dump_callback(body, dump_cb, &d, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
        free(d.data);
        json_decref(body);
        eg_log(EG_LOG_ERROR, "event=reply_failed rid=%s reason=serialise", req->request_id);
        reply_oom(req);
        return;
    }
    json_decref(body);
    r = MHD_create_response_from_buffer_with_free_callback(d.len, d.data, &free);
    if (r == NULL) {
        free(d.data);
        reply_oom(req);
        return;
    }
    eg_http_reply_set(req, http_status, r, JSON_TYPE, EG_CACHE_NO_STORE, 0);
}

void eg_reply_error(struct eg_req *req, enum eg_status st, const char *field, const char *message,
                    ...)
{
    char msg[512];
    json_t *root, *err, *m = NULL, *f = NULL;
    int http, rc;

    if (req->response != NULL) {
        eg_log(EG_LOG_WARN, "event=double_reply rid=%s first=%d code=%s", req->request_id,
               req->status, eg_status_code(st));
        return;
    }
    if (st == EG_OK || st == EG_ROW || st == EG_DONE || (unsigned)st >= EG_STATUS_COUNT)
        st = EG_E_INTERNAL;
    http = eg_status_http(st);
    if (message != NULL) {
        va_list ap;

        va_start(ap, message);
        vsnprintf(msg, sizeof(msg), message, ap);
        va_end(ap);
        m = json_string(msg); /* NULL when the text is not UTF-8 (e.g. cut mid-character) */
    }
    if (m == NULL)
        m = json_string(eg_status_message(st));
    if (field != NULL) {
        f = json_string(field);
        if (f == NULL)
            f = json_string("?");
    }
    err = json_object();
    root = json_object();
    if (err == NULL || root == NULL || m == NULL)
        goto oom;
    if (json_object_set_new(err, "code", json_string(eg_status_code(st))) != 0)
        goto oom;
    rc = json_object_set_new(err, "message", m); /* steals m, also on failure */
    m = NULL;
    if (rc != 0)
        goto oom;
    if (f != NULL) {
        rc = json_object_set_new(err, "field", f);
        f = NULL;
        if (rc != 0)
            goto oom;
    }
    rc = json_object_set_new(root, "error", err);
    err = NULL;
    if (rc != 0)
        goto oom;
    if (http == 401)
        eg_reply_header(req, "WWW-Authenticate", "Bearer");
    if (http >= 500)
        eg_log(EG_LOG_WARN, "event=error_reply rid=%s status=%d code=%s", req->request_id, http,
               eg_status_code(st));
    eg_reply_json(req, http, root);
    return;
oom:
    json_decref(m);
    json_decref(f);
    json_decref(err);
    json_decref(root);
    reply_oom(req);
}

static int is_html_type(const char *content_type)
{
    return content_type != NULL && strncasecmp(content_type, "text/html", 9) == 0;
}

void eg_reply_bytes(struct eg_req *req, int http_status, const char *content_type, const void *data,
                    size_t len)
{
    struct MHD_Response *r;

    if (req->response != NULL) {
        eg_log(EG_LOG_WARN, "event=double_reply rid=%s first=%d second=%d", req->request_id,
               req->status, http_status);
        return;
    }
    r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        reply_oom(req);
        return;
    }
    eg_http_reply_set(req, http_status, r, content_type, EG_CACHE_NO_STORE,
                      is_html_type(content_type));
}

void eg_reply_take(struct eg_req *req, int http_status, const char *content_type, void *data,
                   size_t len)
{
    struct MHD_Response *r;

    if (req->response != NULL) {
        eg_log(EG_LOG_WARN, "event=double_reply rid=%s first=%d second=%d", req->request_id,
               req->status, http_status);
        free(data);
        return;
    }
    r = MHD_create_response_from_buffer_with_free_callback(len, data, &free);
    if (r == NULL) {
        free(data);
        reply_oom(req);
        return;
    }
    eg_http_reply_set(req, http_status, r, content_type, EG_CACHE_NO_STORE,
                      is_html_type(content_type));
}

void eg_reply_header(struct eg_req *req, const char *name, const char *value)
{
    struct eg_rq *rq = eg_rq_of(req);
    const char *n, *v;

    if (rq->n_hdrs >= EG_RQ_MAX_HEADERS) {
        eg_log(EG_LOG_WARN, "event=reply_header_dropped rid=%s", req->request_id);
        return;
    }
    n = eg_arena_strdup(req->arena, name);
    v = eg_arena_strdup(req->arena, value);
    if (n == NULL || v == NULL)
        return;
    rq->hdr_names[rq->n_hdrs] = n;
    rq->hdr_values[rq->n_hdrs] = v;
    rq->n_hdrs++;
}

void eg_reply_empty(struct eg_req *req)
{
    struct MHD_Response *r;

    if (req->response != NULL) {
        eg_log(EG_LOG_WARN, "event=double_reply rid=%s first=%d second=204", req->request_id,
               req->status);
        return;
    }
    r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        reply_oom(req);
        return;
    }
    eg_http_reply_set(req, 204, r, NULL, EG_CACHE_NO_STORE, 0);
}
