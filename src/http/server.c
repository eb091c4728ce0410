/*
 * server.c — libmicrohttpd glue: the daemon, the life of one request, and
 * graceful shutdown.
 *
 * The life of a request, in libmicrohttpd's calls:
 *
 *   on_uri        the request line arrived: a context in a fresh arena,
 *                 the raw path (routing percent-decodes by itself), the
 *                 start time, the in-flight count.
 *   on_request #1 the headers are in: request id, route match (404/405 or
 *                 a web app file), the Content-Length cap (an over-limit
 *                 body is refused at once with 413, which also closes the
 *                 connection), and for streamed routes authentication and
 *                 begin(). Nothing else is queued on this call: a response
 *                 queued before the body is read makes libmicrohttpd 0.9.75
 *                 close the connection, which would halve keep-alive
 *                 throughput.
 *   on_request #n body pieces: buffered up to the cap (or handed to the
 *                 stream's chunk()); past the cap 413 and the rest is read
 *                 and dropped.
 *   on_request    the last call (no data): authentication, role gate,
 *                 content type, JSON parsing and the field check, then the
 *                 handler; its response is queued here and the database
 *                 connection goes back to the pool at once.
 *   (suspended)   a handler may park the request off the HTTP threads
 *                 (eg_req_suspend: slow work such as a password hash);
 *                 when resumed, the last call runs its second half with a
 *                 fresh database connection, and that replies.
 *   on_completed  the database connection goes back (if still held), one
 *                 access-log line, the arena is freed, the in-flight count
 *                 drops.
 *
 * An error found early (404, 405, 401 on a stream …) is built as soon as it
 * is known and parked until the body has been read.
 */
#include "http/server.h"

#include "http/internal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

/* Per-connection memory of libmicrohttpd: the request line and headers must
 * fit (larger ones are refused with 431/414). libmicrohttpd zeroes it for
 * every request, so it is kept no larger than headers need. */
#define CONNECTION_MEMORY ((size_t)16 * 1024)
/* After an early reply written to the socket, this much more of the body
 * is read and dropped (so that the client sees the reply, not a reset). */
#define EARLY_LINGER_MAX ((uint64_t)1024 * 1024)
/* A body that keeps coming after it was refused is cut off after this much. */
#define DISCARD_MAX ((uint64_t)16 * 1024 * 1024)
/* First buffer for a body of unknown length (chunked upload). */
#define BODY_FIRST_CHUNK   ((size_t)4096)
#define SHUTDOWN_TIMEOUT_S 10
#define MAX_TOKEN_LEN      512

static void decref_json(void *p)
{
    json_decref(p);
}

/* libmicrohttpd's own messages, as log lines (cut before any URL or query). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256];
    size_t i;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    for (i = 0; msg[i] != '\0'; i++) {
        if (msg[i] == '`' || msg[i] == '?' || msg[i] == '\n') {
            msg[i] = '\0';
            break;
        }
        if (msg[i] == '"')
            msg[i] = '\'';
    }
    eg_log(EG_LOG_WARN, "event=mhd msg=\"%s\"", msg);
}

/*
 * A new request context, when the request line has arrived. The path is
 * kept raw (without the query): the router decodes parameters itself, and
 * the access log must show what was asked, not a decoded form that may
 * hold control characters.
 */
static struct eg_rq *rq_new(struct eg_server *s, struct MHD_Connection *conn, const char *uri)
{
    struct eg_arena *a = eg_arena_new();
    struct eg_rq *rq;
    size_t plen;

    if (a == NULL)
        return NULL;
    rq = eg_arena_alloc(a, sizeof(*rq));
    plen = strcspn(uri, "?#");
    if (rq == NULL || (rq->req.path = eg_arena_strndup(a, uri, plen)) == NULL) {
        eg_arena_destroy(a);
        return NULL;
    }
    rq->req.arena = a;
    rq->req.server = s;
    rq->req.config = s->cfg;
    rq->req.conn = conn;
    rq->req.method = "-";
    rq->req.started_us = eg_now_us();
    rq->req.who.role = EG_ROLE_NONE;
    rq->phase = EG_RQ_NEW;
    rq->kind = EG_RQ_ERROR;
    rq->uri_raw = uri;
    rq->uri_len = strlen(uri);
    eg_conn_peer(conn, rq->req.peer_addr, sizeof(rq->req.peer_addr), &rq->peer_family, rq->peer_ip);
    memcpy(rq->req.client_addr, rq->req.peer_addr, sizeof(rq->req.client_addr));
    rq->ec = eg_conn_of(conn);
    if (rq->ec != NULL) {
        /* The rest of the headers within the header timeout, at the latest
         * (a kept-alive connection had the idle timeout to start). */
        int64_t d = rq->req.started_us + (int64_t)s->cfg->header_timeout_s * 1000000;
        int64_t cur = atomic_load_explicit(&rq->ec->deadline_us, memory_order_relaxed);

        if (cur == 0 || d < cur)
            eg_conn_set_deadline(rq->ec, EG_CONN_HEADERS, d);
    }
    atomic_fetch_add_explicit(&s->in_flight, 1, memory_order_relaxed);
    return rq;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    return rq_new(cls, conn, uri);
}

/* The request id: the client's X-Request-Id when it is 1–32 of [A-Za-z0-9-],
 * else the start-up prefix and a counter (32 hex digits). */
static void set_request_id(struct eg_server *s, struct eg_rq *rq)
{
    static const char hex[] = "0123456789abcdef";
    const char *h = MHD_lookup_connection_value(rq->req.conn, MHD_HEADER_KIND, "X-Request-Id");
    char *out = rq->req.request_id;
    uint64_t n;
    int i;

    if (h != NULL) {
        size_t len = strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");

        if (len > 0 && len <= 32 && h[len] == '\0') {
            memcpy(out, h, len + 1);
            return;
        }
    }
    n = atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed);
    memcpy(out, s->rid_prefix, 16);
    for (i = 15; i >= 0; i--) {
        out[16 + i] = hex[n & 0xf];
        n >>= 4;
    }
    out[32] = '\0';
}

/* A stable copy of the method: the usual ones point at constants. */
static const char *intern_method(struct eg_arena *a, const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    size_t i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return known[i];
    m = eg_arena_strndup(a, m, strnlen(m, 32));
    return m ? m : "-";
}

/* Take a database connection for the request (given back at completion
 * or right after the handler). */
static enum eg_status acquire_db(struct eg_server *s, struct eg_rq *rq)
{
    enum eg_status st;

    if (rq->db_held)
        return EG_OK;
    if (s->pool == NULL)
        return EG_E_UNAVAILABLE;
    st = eg_db_pool_acquire(s->pool, &rq->req.db);
    if (st != EG_OK) {
        rq->req.db = NULL;
        eg_log(EG_LOG_ERROR, "event=db_acquire_failed rid=%s code=%s", rq->req.request_id,
               eg_status_code(st));
        if (st != EG_E_BUSY)
            return EG_E_UNAVAILABLE;
        /* every connection stayed in use for the pool's whole wait bound */
        eg_reply_header(&rq->req, "Retry-After", "1");
        return EG_E_BUSY;
    }
    rq->db_held = 1;
    return EG_OK;
}

static void release_db(struct eg_server *s, struct eg_rq *rq)
{
    if (rq->db_held) {
        eg_db_pool_release(s->pool, rq->req.db);
        rq->db_held = 0;
        rq->req.db = NULL;
    }
}

/* The token of "Authorization: Bearer <token>", or NULL. */
static const char *bearer_token(struct eg_rq *rq)
{
    const char *h = MHD_lookup_connection_value(rq->req.conn, MHD_HEADER_KIND, "Authorization");
    size_t len;

    if (h == NULL)
        return NULL;
    h += strspn(h, " \t");
    if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
        return NULL;
    h += 6;
    h += strspn(h, " \t");
    len = strcspn(h, " \t");
    if (len == 0 || len > MAX_TOKEN_LEN || h[len + strspn(h + len, " \t")] != '\0')
        return NULL;
    if (h[len] != '\0')
        return eg_arena_strndup(rq->req.arena, h, len);
    return h;
}

/*
 * Who is calling and may they use this route, asked of the authentication
 * the server was started with. Public routes skip the token (optional-auth
 * ones use a valid token when there is one); others need a valid token
 * (401) and a role the route lists (403).
 */
static enum eg_status authenticate(const struct eg_server *s, struct eg_rq *rq)
{
    struct eg_req *req = &rq->req;
    const struct eg_route *r = req->route;
    const char *token = bearer_token(rq);
    enum eg_status st;

    if (r->flags & (EG_ROUTE_PUBLIC | EG_ROUTE_OPTIONAL_AUTH)) {
        if ((r->flags & EG_ROUTE_OPTIONAL_AUTH) && token != NULL &&
            s->auth->authenticate(req->db, token, eg_now(), &req->who) != EG_OK) {
            memset(&req->who, 0, sizeof(req->who));
            req->who.role = EG_ROLE_NONE;
        }
        return EG_OK;
    }
    if (token == NULL)
        return EG_E_UNAUTHENTICATED;
    st = s->auth->authenticate(req->db, token, eg_now(), &req->who);
    if (st != EG_OK) {
        memset(&req->who, 0, sizeof(req->who));
        req->who.role = EG_ROLE_NONE;
        return st;
    }
    return s->auth->authorise(&req->who, r->roles);
}

/* Whether a Content-Type is JSON: application/json, optionally with
 * parameters, of which a charset must be UTF-8. */
static int is_json_type(const char *ct)
{
    const char *p;

    if (ct == NULL)
        return 0;
    ct += strspn(ct, " \t");
    if (strncasecmp(ct, "application/json", 16) != 0)
        return 0;
    p = ct + 16;
    p += strspn(p, " \t");
    while (*p == ';') {
        size_t nlen, vlen;
        const char *v;

        p++;
        p += strspn(p, " \t");
        nlen = strcspn(p, "=; \t");
        v = p + nlen;
        if (*v != '=')
            return 0;
        v++;
        if (*v == '"') {
            const char *end = strchr(v + 1, '"');

            if (end == NULL)
                return 0;
            vlen = (size_t)(end - v - 1);
            if (nlen == 7 && strncasecmp(p, "charset", 7) == 0 &&
                !(vlen == 5 && strncasecmp(v + 1, "utf-8", 5) == 0))
                return 0;
            p = end + 1;
        } else {
            vlen = strcspn(v, "; \t");
            if (nlen == 7 && strncasecmp(p, "charset", 7) == 0 &&
                !(vlen == 5 && strncasecmp(v, "utf-8", 5) == 0))
                return 0;
            p = v + vlen;
        }
        p += strspn(p, " \t");
    }
    return *p == '\0';
}

/* Content-Length as a number; 0 when absent, -1 when malformed. */
static int content_length(struct eg_rq *rq, uint64_t *out)
{
    const char *h =
        MHD_lookup_connection_value(rq->req.conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end;
    unsigned long long v;

    *out = 0;
    if (h == NULL)
        return 0;
    if (h[0] < '0' || h[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(h, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 1;
}

/*
 * A streamed route's start, on the first call: database, authentication,
 * role, begin(). Any failure is parked as the reply and the body dropped.
 * The pooled connection goes back when begin() returns: the body's client
 * decides how long the stream lasts, and a stream holding a pooled
 * connection across callbacks could starve every other request. chunk()
 * and finish() run with req->db NULL (a stream opens what it needs).
 */
static void stream_open(struct eg_server *s, struct eg_rq *rq)
{
    struct eg_req *req = &rq->req;
    enum eg_status st;

    st = acquire_db(s, rq);
    if (st == EG_OK)
        st = authenticate(s, rq);
    if (st == EG_OK && req->response == NULL)
        st = req->route->stream->begin(req);
    release_db(s, rq);
    if (st == EG_OK && req->response == NULL) {
        rq->stream_begun = 1;
        return;
    }
    if (req->response == NULL)
        eg_reply_error(req, st, NULL, NULL);
    rq->discard = 1;
}

/*
 * Queue the parked response. Called on the last call of a request, or on
 * the first one for an over-limit body (libmicrohttpd then closes the
 * connection after the reply, which is what a refused upload needs).
 */
static enum MHD_Result queue(struct eg_rq *rq)
{
    struct eg_req *req = &rq->req;
    enum MHD_Result ret;

    if (req->response == NULL)
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
    if (req->response == NULL)
        return MHD_NO;
    ret = MHD_queue_response(req->conn, (unsigned)req->status, req->response);
    MHD_destroy_response(req->response);
    req->response = NULL;
    rq->phase = EG_RQ_DONE;
    eg_conn_set_deadline(rq->ec, EG_CONN_REPLY, 0);
    return ret;
}

/* The first call: the headers are in. */
static enum MHD_Result first_call(struct eg_server *s, struct eg_rq *rq, const char *method,
                                  const char *version)
{
    struct eg_req *req = &rq->req;
    struct eg_route_match m;
    enum eg_status st;
    const char *why;
    uint64_t clen;
    int has_len;
    size_t i;

    rq->phase = EG_RQ_BODY;
    req->method = intern_method(req->arena, method);
    rq->is_head = strcmp(req->method, "HEAD") == 0;
    set_request_id(s, rq);
    st = eg_conn_check_framing(rq, version, &why);
    if (st != EG_OK) {
        /* The body cannot be framed safely: answer and close at once. */
        rq->close = 1;
        eg_reply_error(req, st, NULL, "%s", why);
        return queue(rq);
    }
    eg_conn_client_addr(s, req->conn, rq->peer_family, rq->peer_ip, req->client_addr,
                        sizeof(req->client_addr));

    st = eg_router_find(s->router, req->method, req->path, req->arena, &m);
    if (st == EG_OK) {
        rq->kind = EG_RQ_ROUTE;
        req->route = m.route;
        for (i = 0; i < m.n_params; i++) {
            req->param_names[i] = m.param_names[i];
            req->param_values[i] = m.param_values[i];
        }
        req->n_params = m.n_params;
        rq->limit = m.route->body_limit ? m.route->body_limit : s->cfg->body_limit;
    } else {
        rq->limit = s->cfg->body_limit;
        rq->discard = 1;
        if (st == EG_E_NOT_FOUND && (strcmp(req->method, "GET") == 0 || rq->is_head) &&
            !eg_http_is_api_path(req->path)) {
            rq->kind = EG_RQ_STATIC;
        } else {
            rq->kind = EG_RQ_ERROR;
            if (st == EG_E_METHOD_NOT_ALLOWED)
                eg_reply_header(req, "Allow", m.allow);
            eg_reply_error(req, st, NULL, NULL);
        }
    }

    eg_conn_set_deadline(rq->ec, EG_CONN_BODY, eg_conn_body_deadline_us(s, rq->limit));
    has_len = content_length(rq, &clen);
    if (has_len > 0 && clen > rq->limit) {
        if (req->response == NULL)
            eg_reply_error(req, EG_E_TOO_LARGE, NULL,
                           "The request body is larger than the limit of %zu bytes.", rq->limit);
        return queue(rq);
    }
    if (has_len > 0 && clen > 0 && !rq->discard && !(req->route && req->route->stream)) {
        rq->body = eg_arena_alloc(req->arena, (size_t)clen + 1);
        if (rq->body == NULL) {
            eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
            rq->discard = 1;
        } else {
            rq->body_cap = (size_t)clen + 1;
        }
    }
    if (rq->kind == EG_RQ_ROUTE && req->route != NULL && req->route->stream != NULL &&
        req->response == NULL)
        stream_open(s, rq);
    return MHD_YES;
}

/* Keep n more body bytes in the request's buffer (arena, grown by doubling). */
static int body_append(struct eg_rq *rq, const char *data, size_t n)
{
    size_t need = rq->body_len + n + 1;

    if (need > rq->body_cap) {
        size_t cap = rq->body_cap ? rq->body_cap : BODY_FIRST_CHUNK;
        char *p;

        while (cap < need)
            cap *= 2;
        if (cap > rq->limit + 1)
            cap = rq->limit + 1 > need ? rq->limit + 1 : need;
        p = eg_arena_alloc(rq->req.arena, cap);
        if (p == NULL)
            return -1;
        if (rq->body_len > 0)
            memcpy(p, rq->body, rq->body_len);
        rq->body = p;
        rq->body_cap = cap;
    }
    memcpy(rq->body + rq->body_len, data, n);
    rq->body_len += n;
    rq->body[rq->body_len] = '\0';
    return 0;
}

/* A piece of the body. */
static enum MHD_Result on_upload(struct eg_rq *rq, const char *data, size_t n)
{
    struct eg_req *req = &rq->req;
    enum eg_status st;

    rq->bytes_in += n;
    if (rq->early && rq->bytes_in > (uint64_t)rq->limit + EARLY_LINGER_MAX)
        return MHD_NO;
    if (rq->discard) {
        if (rq->bytes_in > (uint64_t)rq->limit + DISCARD_MAX) {
            eg_log(EG_LOG_WARN, "event=body_cut rid=%s bytes_in=%" PRIu64, req->request_id,
                   rq->bytes_in);
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (rq->bytes_in > rq->limit) {
        /* A chunked body past its cap: answer now, since it may never end. */
        char msg[96];

        snprintf(msg, sizeof(msg), "The request body is larger than the limit of %zu bytes.",
                 rq->limit);
        if (eg_conn_early_reply(rq, EG_E_TOO_LARGE, msg) != 0)
            return MHD_NO;
        rq->discard = 1;
        return MHD_YES;
    }
    if (req->route->stream != NULL) {
        st = req->route->stream->chunk(req, data, n);
        if (st != EG_OK || req->response != NULL) {
            if (req->response == NULL)
                eg_reply_error(req, st, NULL, NULL);
            rq->discard = 1;
        }
        return MHD_YES;
    }
    if (body_append(rq, data, n) != 0) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        rq->discard = 1;
    }
    return MHD_YES;
}

static int method_has_body(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

/*
 * Everything before the handler of a buffered route: database, token and
 * role, then the body — JSON content type, parsing, the field spec. The
 * first failure is the reply.
 *
 * The token check and the handler's reads share one read snapshot
 * (eg_db_read_begin), ended when the connection goes back to the pool or
 * earlier by the handler's first write transaction. Streamed routes do not
 * get one: an upload may last minutes, and a snapshot would pin the WAL.
 */
static enum eg_status prepare_route(struct eg_server *s, struct eg_rq *rq)
{
    struct eg_req *req = &rq->req;
    const struct eg_route *r = req->route;
    struct eg_field_error ferr;
    enum eg_status st;
    json_t *body;

    st = acquire_db(s, rq);
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return st;
    }
    if (eg_db_read_begin(req->db) != EG_OK)
        eg_log(EG_LOG_WARN, "event=db_read_begin_failed rid=%s", req->request_id);
    st = authenticate(s, rq);
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return st;
    }
    if (rq->body_len > 0) {
        req->raw_body = rq->body;
        req->raw_len = rq->body_len;
    }
    if (r->flags & EG_ROUTE_RAW_BODY)
        return EG_OK;
    if (rq->body_len == 0) {
        if (r->body_spec != NULL && method_has_body(req->method)) {
            eg_reply_error(req, EG_E_BAD_JSON, NULL, "This request needs a JSON body.");
            return EG_E_BAD_JSON;
        }
        return EG_OK;
    }
    if (!is_json_type(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_TYPE))) {
        eg_reply_error(req, EG_E_UNSUPPORTED_MEDIA_TYPE, NULL,
                       "The request body must be application/json.");
        return EG_E_UNSUPPORTED_MEDIA_TYPE;
    }
    st = eg_json_parse_body(rq->body, rq->body_len, &body, &ferr);
    if (st != EG_OK) {
        if (ferr.field[0] != '\0')
            eg_reply_error(req, st, ferr.field, "%s %s", ferr.field, ferr.message);
        else
            eg_reply_error(req, st, NULL, "%s", ferr.message);
        return st;
    }
    if (eg_arena_defer(req->arena, decref_json, body) != 0) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return EG_E_INTERNAL;
    }
    req->body = body;
    if (r->body_spec != NULL) {
        st = eg_fields_check(body, r->body_spec, &ferr);
        if (st != EG_OK) {
            if (ferr.field[0] != '\0')
                eg_reply_error(req, st, ferr.field, "%s %s", ferr.field, ferr.message);
            else
                eg_reply_error(req, st, NULL, "%s", ferr.message);
            return st;
        }
    }
    return EG_OK;
}

void eg_req_suspend(struct eg_req *req, eg_resume_fn resume, void *ctx)
{
    struct eg_rq *rq = eg_rq_of(req);

    assert(resume);
    rq->resume = resume;
    rq->resume_ctx = ctx;
    atomic_store(&rq->resumed, 0);
    MHD_suspend_connection(req->conn);
}

void eg_req_resume(struct eg_req *req)
{
    struct eg_rq *rq = eg_rq_of(req);
    struct MHD_Connection *conn = req->conn;

    atomic_store(&rq->resumed, 1);
    MHD_resume_connection(conn);
}

/* A suspended handler's second half, once resumed: with a database
 * connection again, it replies (or suspends once more). */
static void run_resumed(struct eg_server *s, struct eg_rq *rq)
{
    struct eg_req *req = &rq->req;
    eg_resume_fn fn = rq->resume;
    void *ctx = rq->resume_ctx;

    rq->resume = NULL;
    rq->resume_ctx = NULL;
    if (acquire_db(s, rq) == EG_OK)
        fn(req, ctx);
    else
        eg_reply_error(req, EG_E_UNAVAILABLE, NULL, NULL);
}

/* The last call: produce the reply (unless one is parked) and queue it. A
 * handler that suspended the connection (eg_req_suspend) is called again
 * here once resumed; until then nothing is queued. */
static enum MHD_Result final_call(struct eg_server *s, struct eg_rq *rq)
{
    struct eg_req *req = &rq->req;

    if (rq->resume != NULL) {
        if (!atomic_load(&rq->resumed))
            return MHD_YES;
        run_resumed(s, rq);
    } else if (req->response == NULL) {
        switch (rq->kind) {
        case EG_RQ_STATIC:
            eg_http_static_reply(req);
            break;
        case EG_RQ_ROUTE:
            if (req->route->stream != NULL) {
                if (rq->stream_begun)
                    req->route->stream->finish(req);
            } else if (prepare_route(s, rq) == EG_OK && req->route->handler != NULL) {
                req->route->handler(req);
            }
            if (req->response == NULL && rq->resume == NULL)
                eg_log(EG_LOG_ERROR, "event=no_reply rid=%s", req->request_id);
            break;
        case EG_RQ_ERROR:
            break;
        }
    }
    /* The handler is done with the database; free it for others now rather
     * than after the reply has crossed the network (or while suspended). */
    release_db(s, rq);
    if (rq->resume != NULL && req->response == NULL)
        return MHD_YES;
    rq->resume = NULL; /* replied after all: the suspension was taken back */
    return queue(rq);
}

/*
 * libmicrohttpd's access handler, called several times per request: once
 * when the headers are in, once per piece of body, and once at the end
 * with no data (see the top of this file). Returns MHD_NO only to drop the
 * connection (out of memory, a body that will not stop after refusal).
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct eg_server *s = cls;
    struct eg_rq *rq = *con_cls;
    size_t n;

    if (rq == NULL) {
        /* Only when the context could not be made at the request line. */
        rq = rq_new(s, conn, url);
        if (rq == NULL)
            return MHD_NO;
        *con_cls = rq;
    }
    if (rq->phase == EG_RQ_NEW)
        return first_call(s, rq, method, version);
    n = *upload_data_size;
    if (n != 0) {
        *upload_data_size = 0;
        if (rq->phase == EG_RQ_DONE)
            return MHD_YES;
        return on_upload(rq, upload_data, n);
    }
    if (rq->early)
        return MHD_NO; /* answered on the socket already: close */
    if (rq->phase == EG_RQ_DONE)
        return MHD_YES;
    /* The body is in: a slow handler (an export) is not a slow client. */
    eg_conn_set_deadline(rq->ec, EG_CONN_REPLY, 0);
    return final_call(s, rq);
}

/* Copy s into out for a log line: printable ASCII only, at most size-1 bytes. */
static void log_safe(const char *s, char *out, size_t size)
{
    size_t i;

    if (s == NULL || s[0] == '\0')
        s = "-";
    for (i = 0; i + 1 < size && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];

        out[i] = (c <= 0x20 || c >= 0x7f || c == '"') ? '?' : (char)c;
    }
    out[i] = '\0';
}

static const char *end_reason(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return NULL;
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    }
    return "unknown";
}

/*
 * One access-log line. The path only, never the query; and even the path
 * may hold personal data (GET /people/<ID number>), so runs of digits that
 * could be an ID number or a phone are masked (eg_log_redact_digits), as is
 * the login. A matched route is named by its pattern as well.
 */
static void access_log(struct eg_rq *rq, enum MHD_RequestTerminationCode toe)
{
    const struct eg_req *req = &rq->req;
    char path[256], method[16], user[64], route[128];
    int64_t us = eg_now_us() - req->started_us;
    const char *end = end_reason(toe);

    if (us < 0)
        us = 0;
    if (rq->ec != NULL && atomic_load_explicit(&rq->ec->cut, memory_order_relaxed))
        end = "deadline";
    log_safe(req->path, path, sizeof(path));
    eg_log_redact_digits(path);
    log_safe(req->method, method, sizeof(method));
    log_safe(req->who.login, user, sizeof(user));
    eg_log_redact_digits(user);
    log_safe(req->route != NULL ? req->route->pattern : NULL, route, sizeof(route));
    eg_log(EG_LOG_INFO,
           "event=http rid=%s method=%s path=%s route=%s status=%d ms=%" PRId64
           ".%03d bytes_in=%" PRIu64 " user=%s addr=%s%s%s%s%s",
           req->request_id[0] ? req->request_id : "-", method, path, route,
           rq->phase == EG_RQ_DONE ? req->status : 0, us / 1000, (int)(us % 1000), rq->bytes_in,
           user, req->client_addr, strcmp(req->client_addr, req->peer_addr) != 0 ? " peer=" : "",
           strcmp(req->client_addr, req->peer_addr) != 0 ? req->peer_addr : "", end ? " end=" : "",
           end ? end : "");
}

/*
 * The request is over (answered, or the connection died): give back what
 * it held, write its access-log line and free its arena. The in-flight
 * count drops last, so eg_server_stop() waits for all of this.
 */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct eg_server *s = cls;
    struct eg_rq *rq = *con_cls;

    (void)conn;
    if (rq == NULL)
        return;
    *con_cls = NULL;
    if (rq->phase != EG_RQ_DONE && rq->req.response != NULL)
        MHD_destroy_response(rq->req.response);
    rq->req.response = NULL;
    release_db(s, rq);
    eg_http_stats_observe(s, rq, eg_now_us() - rq->req.started_us);
    if (s->cfg->access_log)
        access_log(rq, toe);
    /* A kept-alive connection may idle, then has the header timeout. */
    eg_conn_set_deadline(
        rq->ec, EG_CONN_HEADERS,
        eg_now_us() +
            ((int64_t)s->cfg->connection_timeout_s + (int64_t)s->cfg->header_timeout_s) * 1000000);
    eg_arena_destroy(rq->req.arena);
    atomic_fetch_sub_explicit(&s->in_flight, 1, memory_order_release);
}

/*
 * Parse "host:port", "[v6]:port" or ":port" into a socket address.
 * An empty host or "*" is every IPv4 address.
 */
static enum eg_status parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128], port[8];
    const char *colon;
    struct addrinfo hints, *res = NULL;
    size_t hlen;
    char *end;
    long p;
    int rc;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');

        if (close == NULL || close[1] != ':')
            return EG_E_INVALID_PARAMETER;
        hlen = (size_t)(close - listen - 1);
        if (hlen >= sizeof(host))
            return EG_E_INVALID_PARAMETER;
        memcpy(host, listen + 1, hlen);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL)
            return EG_E_INVALID_PARAMETER;
        hlen = (size_t)(colon - listen);
        if (hlen >= sizeof(host))
            return EG_E_INVALID_PARAMETER;
        memcpy(host, listen, hlen);
    }
    host[hlen] = '\0';
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || p < 0 || p > 65535)
        return EG_E_INVALID_PARAMETER;
    snprintf(port, sizeof(port), "%ld", p);
    if (host[0] == '\0' || strcmp(host, "*") == 0)
        snprintf(host, sizeof(host), "0.0.0.0");
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(*ss)) {
        if (res != NULL)
            freeaddrinfo(res);
        return EG_E_INVALID_PARAMETER;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return EG_OK;
}

/*
 * Resolve the address, compile the route tables, find the web app
 * directory, choose the request-id prefix, and start libmicrohttpd: its
 * own epoll thread pool (threads from the configuration), keep-alive,
 * connection limits (total, per address, memory per connection for the
 * request line and headers) and the idle timeout.
 */
enum eg_status eg_server_start(const struct eg_config *cfg, const struct eg_route_set *routes,
                               const struct eg_http_auth *auth, struct eg_db_pool *pool,
                               struct eg_server **out)
{
    static const char hex[] = "0123456789abcdef";
    struct eg_server *s = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    unsigned char rnd[8];
    unsigned int flags;
    unsigned threads;
    const union MHD_DaemonInfo *di;
    sigset_t block, old;
    struct sigaction sa;
    enum eg_status rc;
    size_t i;

    *out = NULL;
    rc = parse_listen(cfg->listen, &ss, &sslen);
    if (rc != EG_OK) {
        eg_log(EG_LOG_ERROR, "event=listen_invalid listen=%s", cfg->listen);
        goto out;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    s->cfg = cfg;
    s->routes = routes;
    s->auth = auth;
    s->pool = pool;
    rc = eg_router_compile(routes, &s->router);
    if (rc != EG_OK) {
        eg_log(EG_LOG_ERROR, "event=routes_compile_failed code=%s", eg_status_code(rc));
        goto out;
    }
    rc = eg_http_stats_new(routes, &s->stats);
    if (rc != EG_OK)
        goto out;
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->stopping, 0);
    atomic_init(&s->seq, 1);
    if (sodium_init() < 0) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    randombytes_buf(rnd, sizeof(rnd));
    for (i = 0; i < sizeof(rnd); i++) {
        s->rid_prefix[2 * i] = hex[rnd[i] >> 4];
        s->rid_prefix[2 * i + 1] = hex[rnd[i] & 0xf];
    }
    s->rid_prefix[16] = '\0';
    eg_http_static_init(s);
    rc = eg_conn_proxies_parse(s, cfg->trusted_proxies);
    if (rc != EG_OK)
        goto out;
    rc = eg_conn_sweeper_start(s);
    if (rc != EG_OK)
        goto out;

    /* A client that goes away must not kill the process. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    /* The server's threads inherit this mask, so SIGTERM, SIGINT and SIGHUP
     * always reach the thread that waits for them in eg_server_run_until_signal();
     * until then they stay pending rather than killing the process. */
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    threads = cfg->threads > 0 ? (unsigned)cfg->threads : 1u;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, &on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(cfg->connection_limit > 0 ? cfg->connection_limit : 1024),
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(cfg->connection_timeout_s > 0 ? cfg->connection_timeout_s : 30),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(cfg->connections_per_address > 0 ? cfg->connections_per_address : 128),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
        s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        eg_conn_notify, s, MHD_OPTION_END);
    if (s->daemon == NULL) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        eg_log(EG_LOG_ERROR, "event=listen_failed listen=%s", cfg->listen);
        rc = EG_E_UNAVAILABLE;
        goto out;
    }
    di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di != NULL ? di->port : 0;
    eg_log(EG_LOG_INFO, "event=listen listen=%s port=%d threads=%u", cfg->listen, s->port, threads);
    *out = s;
    s = NULL;
    rc = EG_OK;
out:
    if (s != NULL) {
        eg_conn_sweeper_stop(s);
        eg_router_free(s->router);
        eg_http_stats_free(s->stats);
    }
    free(s);
    return rc;
}

int eg_server_port(const struct eg_server *s)
{
    return s ? s->port : 0;
}

/*
 * Tell clients on kept-alive connections to close after their next reply,
 * wait for the requests in flight, then stop the threads. The server is
 * freed. (MHD_quiesce_daemon is not used: with an epoll thread pool,
 * libmicrohttpd 0.9.75 can abort while taking the listening socket out of
 * its epoll sets during a quiesce, so the socket closes with the daemon.)
 */
void eg_server_stop(struct eg_server *s, int timeout_s)
{
    int64_t deadline;
    int left;

    if (s == NULL)
        return;
    atomic_store(&s->stopping, 1);
    deadline = eg_now_us() + (int64_t)(timeout_s > 0 ? timeout_s : 0) * 1000000;
    while ((left = atomic_load_explicit(&s->in_flight, memory_order_acquire)) > 0 &&
           eg_now_us() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};

        nanosleep(&ts, NULL);
    }
    eg_conn_sweeper_stop(s);
    MHD_stop_daemon(s->daemon);
    eg_log(EG_LOG_INFO, "event=stopped unfinished=%d", left);
    eg_router_free(s->router);
    eg_http_stats_free(s->stats);
    free(s);
}

enum eg_status eg_server_run_until_signal(struct eg_server *s)
{
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* SIGHUP: logrotate moved the log file; open it again and go on. */
    while (sigwait(&set, &sig) != 0 || sig == SIGHUP) {
        if (sig != SIGHUP)
            continue;
        sig = 0;
        if (eg_log_reopen() == 0)
            eg_log(EG_LOG_INFO, "event=log_reopened");
        else
            eg_log(EG_LOG_ERROR, "event=log_reopen_failed errno=%d", errno);
    }
    eg_log(EG_LOG_INFO, "event=shutdown signal=%s in_flight=%d", sig == SIGTERM ? "TERM" : "INT",
           atomic_load(&s->in_flight));
    eg_server_stop(s, SHUTDOWN_TIMEOUT_S);
    return EG_OK;
}
