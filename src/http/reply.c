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

#include <assert.h>
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
    if (rq->close ||
        (req->server != NULL && atomic_load_explicit(&req->server->stopping, memory_order_relaxed)))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    req->response = resp;
    req->status = http_status;
}

/* Nesting deeper than this is left to jansson (which also catches cycles). */
#define DUMP_MAX_DEPTH 256

/* A growing malloc'd buffer for a reply body. */
struct dump {
    char *data;
    size_t len, cap;
};

/* Make room for size more bytes, doubling the buffer as needed. */
static int dump_reserve(struct dump *d, size_t size)
{
    size_t cap = d->cap;
    char *p;

    if (size <= d->cap - d->len)
        return 0;
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
    return 0;
}

/* Append size bytes. */
static inline int put(struct dump *d, const void *buf, size_t size)
{
    if (size > d->cap - d->len && dump_reserve(d, size) != 0)
        return -1;
    memcpy(d->data + d->len, buf, size);
    d->len += size;
    return 0;
}

/* Append one byte. */
static inline int put_ch(struct dump *d, char c)
{
    if (d->len == d->cap && dump_reserve(d, 1) != 0)
        return -1;
    d->data[d->len++] = c;
    return 0;
}

/* json_dump_callback's sink. */
static int dump_cb(const char *buf, size_t size, void *data)
{
    return put(data, buf, size);
}

/*
 * The length of the UTF-8 sequence at p (at most avail bytes), or 0 when
 * it is not well-formed (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) — the same rule jansson applies.
 */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n, i;

    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        if (p[0] == 0xE0)
            lo = 0xA0;
        else if (p[0] == 0xED)
            hi = 0x9F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        if (p[0] == 0xF0)
            lo = 0x90;
        else if (p[0] == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/*
 * Bytes a JSON string copies as they are: printable ASCII other than the
 * quote and the backslash (0 = escape it, or check a UTF-8 sequence).
 */
/* clang-format off */
static const unsigned char plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x80-0xff: UTF-8, checked */
};
/* clang-format on */

/*
 * A JSON string, escaped as jansson escapes it without flags: backslash,
 * quote and control characters (\b \f \n \r \t, else \u00XX); everything
 * else, non-ASCII included, as it is. -1 on malformed UTF-8.
 */
static int dump_string(struct dump *d, const char *str, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)str, *end = p + len, *run = p;

    if (put_ch(d, '"') != 0)
        return -1;
    while (p < end) {
        char esc[6] = {'\\', 'u', '0', '0', 0, 0};
        size_t elen = 2;

        while (p < end && plain[*p])
            p++;
        if (p == end)
            break;
        if (*p >= 0x80) {
            size_t n = utf8_seq(p, (size_t)(end - p));

            if (n == 0)
                return -1;
            p += n;
            continue;
        }
        switch (*p) {
        case '"':
        case '\\':
            esc[1] = (char)*p;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 0xf];
            elen = 6;
            break;
        }
        if (put(d, run, (size_t)(p - run)) != 0 || put(d, esc, elen) != 0)
            return -1;
        run = ++p;
    }
    if (put(d, run, (size_t)(p - run)) != 0)
        return -1;
    return put_ch(d, '"');
}

/* A JSON integer in decimal. */
static int dump_integer(struct dump *d, json_int_t v)
{
    char buf[24], *p = buf + sizeof(buf);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    return put(d, p, (size_t)(buf + sizeof(buf) - p));
}

/*
 * Serialise v compactly, byte for byte as json_dump_callback(JSON_COMPACT |
 * JSON_ENCODE_ANY) would (objects in insertion order), but straight into
 * the buffer: jansson calls a callback for every token and enters every
 * object and array in a hash table to detect cycles, which made it the
 * largest single cost of a small reply. Reals are formatted by jansson
 * itself. -1 on what jansson would refuse (malformed UTF-8) or nesting
 * deeper than DUMP_MAX_DEPTH; the caller then lets jansson do it all.
 */
static int dump_value(struct dump *d, const json_t *v, int depth)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return put(d, "null", 4);
    case JSON_TRUE:
        return put(d, "true", 4);
    case JSON_FALSE:
        return put(d, "false", 5);
    case JSON_INTEGER:
        return dump_integer(d, json_integer_value(v));
    case JSON_REAL: {
        char buf[128];
        size_t n = json_dumpb(v, buf, sizeof(buf), JSON_COMPACT | JSON_ENCODE_ANY);

        return n == 0 || n > sizeof(buf) ? -1 : put(d, buf, n);
    }
    case JSON_STRING:
        return dump_string(d, json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        size_t i, n = json_array_size(v);

        if (depth >= DUMP_MAX_DEPTH || put_ch(d, '[') != 0)
            return -1;
        for (i = 0; i < n; i++)
            if ((i > 0 && put_ch(d, ',') != 0) ||
                dump_value(d, json_array_get(v, i), depth + 1) != 0)
                return -1;
        return put_ch(d, ']');
    }
    case JSON_OBJECT: {
        void *it = json_object_iter((json_t *)v);
        int first = 1;

        if (depth >= DUMP_MAX_DEPTH || put_ch(d, '{') != 0)
            return -1;
        for (; it != NULL; it = json_object_iter_next((json_t *)v, it), first = 0) {
            if ((!first && put_ch(d, ',') != 0) ||
                dump_string(d, json_object_iter_key(it), json_object_iter_key_len(it)) != 0 ||
                put_ch(d, ':') != 0 || dump_value(d, json_object_iter_value(it), depth + 1) != 0)
                return -1;
        }
        return put_ch(d, '}');
    }
    }
    return -1;
}

char *eg_reply_encode(const json_t *v, size_t *len)
{
    struct dump d = {NULL, 0, 256};

    assert(v && len);
    d.data = malloc(d.cap);
    if (d.data == NULL)
        return NULL;
    if (dump_value(&d, v, 0) != 0 || put_ch(&d, '\0') != 0) {
        free(d.data);
        return NULL;
    }
    *len = d.len - 1;
    return d.data;
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
 * What dump_value() declines, jansson serialises (and refuses the same way).
 */
void eg_reply_json(struct eg_req *req, int http_status, json_t *body)
{
    struct dump d = {NULL, 0, 1024};
    struct MHD_Response *r;

    assert(req);
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
    if (d.data != NULL && dump_value(&d, body, 0) != 0) {
        d.len = 0;
        if (json_dump_callback(body, dump_cb, &d, JSON_COMPACT | JSON_ENCODE_ANY) != 0) {
            free(d.data);
            d.data = NULL;
        }
    }
    if (d.data == NULL) {
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

    assert(req);
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

    assert(req && content_type && (data || len == 0));

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

    assert(req && content_type && (data || len == 0));

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

    assert(name && value);

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
