/*
 * conn.c — what the server knows of a connection beyond one request: its
 * deadlines, the address of the client behind a trusted proxy, and the
 * framing checks that libmicrohttpd 0.9.75 does not make.
 *
 * Deadlines. libmicrohttpd's connection timeout is an idle timeout: a
 * client that sends one byte every few seconds never reaches it. Each
 * connection therefore carries a deadline for the phase it is in — the
 * request line and headers (server.header_timeout_s from the moment the
 * connection is accepted, or from the end of the previous reply plus the
 * idle timeout on a kept-alive connection), then the body (per route:
 * server.body_timeout_s plus one second per 64 KiB of its cap). A sweep
 * thread wakes twice a second and shuts down the socket of every
 * connection past its deadline; libmicrohttpd sees the end of the stream
 * on its own thread and closes the connection in the usual way. The
 * record is removed under the same lock before libmicrohttpd closes the
 * socket, so the sweep never touches a descriptor that was reused.
 */
#include "http/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"
#include "core/time.h"

#define SWEEP_INTERVAL_MS 500
#define XFF_MAX_HEADERS   8
#define XFF_MAX_HOPS      32

/* ---- deadlines ---------------------------------------------------------- */

void eg_conn_set_deadline(struct eg_conn *c, enum eg_conn_phase phase, int64_t deadline_us)
{
    if (c == NULL)
        return;
    atomic_store_explicit(&c->phase, (int)phase, memory_order_relaxed);
    atomic_store_explicit(&c->deadline_us, deadline_us, memory_order_release);
}

/* libmicrohttpd's connection notifications: a record per open connection. */
void eg_conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                    enum MHD_ConnectionNotificationCode code)
{
    struct eg_server *s = cls;
    struct eg_conn *c;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

        *socket_context = NULL;
        if (ci == NULL || (c = calloc(1, sizeof(*c))) == NULL)
            return;
        c->fd = ci->connect_fd;
        atomic_init(&c->phase, EG_CONN_HEADERS);
        atomic_init(&c->deadline_us, eg_now_us() + (int64_t)s->cfg->header_timeout_s * 1000000);
        atomic_init(&c->cut, 0);
        pthread_mutex_lock(&s->conns_lock);
        c->next = s->conns;
        if (s->conns != NULL)
            s->conns->prev = c;
        s->conns = c;
        pthread_mutex_unlock(&s->conns_lock);
        *socket_context = c;
        return;
    }
    c = *socket_context;
    if (c == NULL)
        return;
    *socket_context = NULL;
    pthread_mutex_lock(&s->conns_lock);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&s->conns_lock);
    free(c);
}

struct eg_conn *eg_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

/* Shut down every connection past its deadline. */
static void sweep(struct eg_server *s)
{
    int64_t now = eg_now_us();
    unsigned headers = 0, bodies = 0;
    struct eg_conn *c;

    pthread_mutex_lock(&s->conns_lock);
    for (c = s->conns; c != NULL; c = c->next) {
        int64_t d = atomic_load_explicit(&c->deadline_us, memory_order_acquire);

        if (d == 0 || now < d || atomic_load_explicit(&c->cut, memory_order_relaxed))
            continue;
        atomic_store_explicit(&c->cut, 1, memory_order_relaxed);
        shutdown(c->fd, SHUT_RDWR);
        if (atomic_load_explicit(&c->phase, memory_order_relaxed) == EG_CONN_BODY)
            bodies++;
        else
            headers++;
    }
    pthread_mutex_unlock(&s->conns_lock);
    if (headers + bodies > 0)
        eg_log(EG_LOG_WARN, "event=deadline_cut headers=%u bodies=%u", headers, bodies);
}

static void *sweeper_main(void *arg)
{
    struct eg_server *s = arg;
    struct timespec ts;

    pthread_mutex_lock(&s->sweep_lock);
    while (!s->sweep_stop) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)SWEEP_INTERVAL_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->sweep_cond, &s->sweep_lock, &ts);
        if (s->sweep_stop)
            break;
        pthread_mutex_unlock(&s->sweep_lock);
        sweep(s);
        pthread_mutex_lock(&s->sweep_lock);
    }
    pthread_mutex_unlock(&s->sweep_lock);
    return NULL;
}

enum eg_status eg_conn_sweeper_start(struct eg_server *s)
{
    pthread_condattr_t ca;

    pthread_mutex_init(&s->conns_lock, NULL);
    pthread_mutex_init(&s->sweep_lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->sweep_cond, &ca);
    pthread_condattr_destroy(&ca);
    s->sweep_stop = 0;
    if (pthread_create(&s->sweeper, NULL, sweeper_main, s) != 0)
        return EG_E_INTERNAL;
    s->sweeper_started = 1;
    return EG_OK;
}

void eg_conn_sweeper_stop(struct eg_server *s)
{
    if (!s->sweeper_started)
        return;
    pthread_mutex_lock(&s->sweep_lock);
    s->sweep_stop = 1;
    pthread_cond_signal(&s->sweep_cond);
    pthread_mutex_unlock(&s->sweep_lock);
    pthread_join(s->sweeper, NULL);
    s->sweeper_started = 0;
}

int64_t eg_conn_body_deadline_us(const struct eg_server *s, size_t limit)
{
    int64_t secs = (int64_t)s->cfg->body_timeout_s + (int64_t)(limit / 65536);

    return eg_now_us() + secs * 1000000;
}

/* ---- trusted proxies and the client address ------------------------------- */

/* Parse "a.b.c.d", "a.b.c.d/n", "v6" or "v6/n" into *out. 0 on success. */
static int parse_net(const char *s, size_t len, struct eg_proxy_net *out)
{
    char buf[64];
    const char *slash;
    long bits = -1;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    slash = strchr(buf, '/');
    if (slash != NULL) {
        char *end;

        if (slash[1] < '0' || slash[1] > '9')
            return -1;
        bits = strtol(slash + 1, &end, 10);
        if (*end != '\0')
            return -1;
        buf[slash - buf] = '\0';
    }
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        out->bits = bits < 0 ? 32u : (unsigned)bits;
        return bits > 32 ? -1 : 0;
    }
    if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        out->bits = bits < 0 ? 128u : (unsigned)bits;
        return bits > 128 ? -1 : 0;
    }
    return -1;
}

/*
 * Parse a list of addresses and CIDRs separated by commas or spaces into
 * out (at most max entries; *n of them used). 0, or the 1-based place of
 * the first entry that is not one (or one too many).
 */
static size_t parse_nets(const char *list, struct eg_proxy_net *out, size_t max, size_t *n)
{
    const char *p = list;

    *n = 0;
    while (*p != '\0') {
        size_t len;

        p += strspn(p, ", \t");
        len = strcspn(p, ", \t");
        if (len == 0)
            break;
        if (*n == max || parse_net(p, len, &out[*n]) != 0)
            return *n + 1;
        (*n)++;
        p += len;
    }
    return 0;
}

enum eg_status eg_conn_proxies_parse(struct eg_server *s, const char *list)
{
    size_t bad = parse_nets(list, s->proxies, EG_MAX_TRUSTED_PROXIES, &s->n_proxies);

    if (bad != 0) {
        eg_log(EG_LOG_ERROR, "event=trusted_proxies_invalid entry=%zu", bad);
        return EG_E_INVALID_PARAMETER;
    }
    return EG_OK;
}

size_t eg_net_list_check(const char *list)
{
    struct eg_proxy_net nets[EG_MAX_TRUSTED_PROXIES];
    size_t n;

    return parse_nets(list, nets, EG_MAX_TRUSTED_PROXIES, &n);
}

/* Whether the address (family, 4 or 16 bytes) is in the network n. */
static int net_has(const struct eg_proxy_net *n, int family, const unsigned char *addr)
{
    unsigned full = n->bits / 8, rest = n->bits % 8;

    if (n->family != family || memcmp(n->addr, addr, full) != 0)
        return 0;
    if (rest != 0) {
        unsigned char mask = (unsigned char)(0xffu << (8 - rest));

        if ((n->addr[full] & mask) != (addr[full] & mask))
            return 0;
    }
    return 1;
}

/* Whether the address (family, 4 or 16 bytes) is one of the trusted proxies. */
static int is_trusted(const struct eg_server *s, int family, const unsigned char *addr)
{
    size_t i;

    for (i = 0; i < s->n_proxies; i++)
        if (net_has(&s->proxies[i], family, addr))
            return 1;
    return 0;
}

int eg_req_peer_in(struct eg_req *req, const char *list)
{
    const struct eg_rq *rq = eg_rq_of(req);
    struct eg_proxy_net nets[EG_MAX_TRUSTED_PROXIES];
    size_t n, i;

    if (parse_nets(list, nets, EG_MAX_TRUSTED_PROXIES, &n) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (net_has(&nets[i], rq->peer_family, rq->peer_ip))
            return 1;
    return 0;
}

/* An IPv4-mapped IPv6 address as the IPv4 address it is. */
static int unmap(int family, const unsigned char *a16, unsigned char *a4)
{
    static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (family == AF_INET6 && memcmp(a16, prefix, 12) == 0) {
        memcpy(a4, a16 + 12, 4);
        return AF_INET;
    }
    return family;
}

/* Parse one address of X-Forwarded-For into family and bytes. 0 on success. */
static int parse_hop(const char *s, size_t len, int *family, unsigned char addr[16])
{
    char buf[64];

    while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
        s++, len -= 2;
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = unmap(AF_INET6, addr, addr);
        if (*family == AF_INET)
            memset(addr + 4, 0, 12);
        return 0;
    }
    return -1;
}

struct xff {
    const char *values[XFF_MAX_HEADERS];
    size_t n;
};

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct xff *x = cls;

    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") == 0 && value != NULL && x->n < XFF_MAX_HEADERS)
        x->values[x->n++] = value;
    return MHD_YES;
}

void eg_conn_peer(struct MHD_Connection *conn, char *out, size_t size, int *family,
                  unsigned char addr[16])
{
    const union MHD_ConnectionInfo *ci;
    const struct sockaddr *sa;

    snprintf(out, size, "-");
    *family = 0;
    memset(addr, 0, 16);
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL)
        return;
    sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        *family = AF_INET;
    } else if (sa->sa_family == AF_INET6) {
        memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        *family = unmap(AF_INET6, addr, addr);
    } else {
        return;
    }
    inet_ntop(*family, addr, out, (socklen_t)size);
}

/*
 * The client of a request whose peer is a trusted proxy: X-Forwarded-For
 * read from the right (the hop the proxy added last), skipping hops that
 * are themselves trusted proxies; the first other address is the client.
 * A hop that is not an address stops the walk at the last good one.
 */
void eg_conn_client_addr(const struct eg_server *s, struct MHD_Connection *conn, int family,
                         const unsigned char *peer, char *out, size_t size)
{
    struct xff x = {.n = 0};
    const char *hops[XFF_MAX_HOPS];
    size_t hop_len[XFF_MAX_HOPS], n_hops = 0, i;
    unsigned char addr[16], best[16];
    int fam, best_fam = 0;

    if (family == 0 || s->n_proxies == 0 || !is_trusted(s, family, peer))
        return;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_xff, &x);
    for (i = 0; i < x.n; i++) {
        const char *p = x.values[i];

        for (;;) {
            size_t len = strcspn(p, ",");

            if (n_hops == XFF_MAX_HOPS) {
                memmove(hops, hops + 1, sizeof(hops[0]) * (XFF_MAX_HOPS - 1));
                memmove(hop_len, hop_len + 1, sizeof(hop_len[0]) * (XFF_MAX_HOPS - 1));
                n_hops--;
            }
            hops[n_hops] = p;
            hop_len[n_hops++] = len;
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
    }
    for (i = n_hops; i-- > 0;) {
        if (parse_hop(hops[i], hop_len[i], &fam, addr) != 0)
            break;
        best_fam = fam;
        memcpy(best, addr, 16);
        if (!is_trusted(s, fam, addr))
            break;
    }
    if (best_fam != 0)
        inet_ntop(best_fam, best, out, (socklen_t)size);
}

/* ---- early replies --------------------------------------------------------- */

int eg_conn_early_reply(struct eg_rq *rq, enum eg_status st, const char *message)
{
    struct eg_req *req = &rq->req;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    char body[512], out[1024];
    int blen, n;
    ssize_t w;

    if (req->response != NULL) {
        MHD_destroy_response(req->response);
        req->response = NULL;
    }
    rq->phase = EG_RQ_DONE;
    req->status = eg_status_http(st);
    rq->early = 1;
    if (ci == NULL)
        return -1;
    blen = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                    eg_status_code(st), message);
    if (blen < 0 || (size_t)blen >= sizeof(body))
        return -1;
    n = snprintf(out, sizeof(out),
                 "HTTP/1.1 %d %s\r\nConnection: close\r\n"
                 "Content-Type: application/json; charset=utf-8\r\n"
                 "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
                 "X-Request-Id: %s\r\nContent-Length: %d\r\n\r\n%s",
                 req->status, MHD_get_reason_phrase_for((unsigned)req->status), req->request_id,
                 blen, body);
    if (n < 0 || (size_t)n >= sizeof(out))
        return -1;
    do {
        w = send(ci->connect_fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (w < 0 && errno == EINTR);
    eg_log(EG_LOG_WARN, "event=error_reply rid=%s status=%d code=%s early=1", req->request_id,
           req->status, eg_status_code(st));
    if (w != (ssize_t)n)
        return -1;
    shutdown(ci->connect_fd, SHUT_WR);
    eg_conn_set_deadline(rq->ec, EG_CONN_BODY,
                         eg_now_us() + (int64_t)rq->req.server->cfg->header_timeout_s * 1000000);
    return 0;
}

/* ---- framing ------------------------------------------------------------- */

struct framing {
    unsigned hosts, lengths, encodings;
    const char *length;
    int lengths_differ;
    const char *encoding;
};

static enum MHD_Result collect_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    struct framing *f = cls;

    (void)kind;
    if (value == NULL)
        value = "";
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        f->hosts++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->lengths++ > 0 && strcmp(f->length, value) != 0)
            f->lengths_differ = 1;
        f->length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->encodings++;
        f->encoding = value;
    }
    return MHD_YES;
}

enum eg_status eg_conn_check_framing(struct eg_rq *rq, const char *version, const char **why)
{
    struct framing f = {0};
    const char *te;
    size_t n;

    *why = NULL;
    /* The version follows the target in libmicrohttpd's buffer; a gap
     * means the target held a NUL that cut it short. */
    if (rq->uri_raw != NULL && version != NULL && version > rq->uri_raw &&
        version != rq->uri_raw + rq->uri_len + 1) {
        *why = "The request line is malformed (a NUL or stray space in the target).";
        return EG_E_BAD_REQUEST;
    }
    MHD_get_connection_values(rq->req.conn, MHD_HEADER_KIND, collect_framing, &f);
    if (version != NULL && strcmp(version, MHD_HTTP_VERSION_1_1) == 0 && f.hosts == 0) {
        *why = "An HTTP/1.1 request needs a Host header.";
        return EG_E_BAD_REQUEST;
    }
    if (f.hosts > 1) {
        *why = "The request has more than one Host header.";
        return EG_E_BAD_REQUEST;
    }
    if (f.lengths_differ) {
        *why = "The request has Content-Length headers that disagree.";
        return EG_E_BAD_REQUEST;
    }
    if (f.encodings > 0 && f.lengths > 0) {
        *why = "The request has both Content-Length and Transfer-Encoding.";
        return EG_E_BAD_REQUEST;
    }
    if (f.encodings > 0) {
        te = f.encoding + strspn(f.encoding, " \t");
        n = strcspn(te, " \t");
        if (f.encodings > 1 || n != 7 || strncasecmp(te, "chunked", 7) != 0 ||
            te[n + strspn(te + n, " \t")] != '\0') {
            *why = "Only the chunked transfer coding is supported.";
            return EG_E_NOT_IMPLEMENTED;
        }
    }
    return EG_OK;
}
