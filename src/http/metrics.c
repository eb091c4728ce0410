/*
 * metrics.c — what the HTTP layer counts: requests by route pattern,
 * method and status, their latency, requests in flight.
 *
 * One record per route of the table, plus one for web app files and one
 * for requests that matched no route (404, 405, framing errors), so the
 * label set stays bounded whatever paths clients send. A record has a
 * counter per status code 100–599 (calloc'd: the pages of codes never
 * answered are never touched) and a latency histogram.
 */
#include "http/internal.h"
#include "http/server.h"

#include <stdlib.h>

#include "core/metrics.h"
#include "db/db.h"

#define STATUS_MIN   100
#define STATUS_SLOTS 500

struct route_stats {
    atomic_uint_fast64_t status[STATUS_SLOTS];
    atomic_uint_fast64_t aborted; /* the connection ended before a reply */
    struct eg_histogram latency;
};

struct eg_http_stats {
    size_t n_routes; /* records 0..n_routes-1 are routes, then static, then none */
    struct route_stats *r;
};

enum eg_status eg_http_stats_new(const struct eg_route_set *routes, struct eg_http_stats **out)
{
    struct eg_http_stats *st = calloc(1, sizeof *st);
    size_t t;

    *out = NULL;
    if (st == NULL)
        return EG_E_INTERNAL;
    for (t = 0; t < routes->n_tables; t++)
        for (const struct eg_route *r = routes->tables[t]; r->method != NULL; r++)
            st->n_routes++;
    st->r = calloc(st->n_routes + 2, sizeof *st->r);
    if (st->r == NULL) {
        free(st);
        return EG_E_INTERNAL;
    }
    *out = st;
    return EG_OK;
}

void eg_http_stats_free(struct eg_http_stats *st)
{
    if (st != NULL)
        free(st->r);
    free(st);
}

/* The record of a route: its place in the tables (a few pointer compares). */
static size_t route_index(const struct eg_route_set *routes, const struct eg_route *route)
{
    size_t base = 0, t;

    for (t = 0; t < routes->n_tables; t++) {
        const struct eg_route *first = routes->tables[t], *r = first;

        while (r->method != NULL)
            r++;
        if (route >= first && route < r)
            return base + (size_t)(route - first);
        base += (size_t)(r - first);
    }
    return (size_t)-1;
}

void eg_http_stats_observe(struct eg_server *s, const struct eg_rq *rq, int64_t us)
{
    struct eg_http_stats *st = s->stats;
    size_t i = st->n_routes + 1;
    struct route_stats *r;
    int status = rq->phase == EG_RQ_DONE ? rq->req.status : 0;

    if (rq->kind == EG_RQ_STATIC)
        i = st->n_routes;
    else if (rq->kind == EG_RQ_ROUTE && rq->req.route != NULL) {
        size_t k = route_index(s->routes, rq->req.route);
        if (k < st->n_routes)
            i = k;
    }
    r = &st->r[i];
    if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SLOTS)
        eg_counter_add(&r->status[status - STATUS_MIN], 1);
    else
        eg_counter_add(&r->aborted, 1);
    eg_histogram_observe_us(&r->latency, us);
}

/* The labels of record i: route pattern and method ("" for the two extras). */
static void labels_of(const struct eg_server *s, size_t i, char *lab, size_t size)
{
    size_t base = 0, t;

    lab[0] = '\0';
    if (i == s->stats->n_routes) {
        eg_metrics_label(lab, size, "route", "(static)");
        return;
    }
    if (i == s->stats->n_routes + 1) {
        eg_metrics_label(lab, size, "route", "(none)");
        return;
    }
    for (t = 0; t < s->routes->n_tables; t++) {
        const struct eg_route *r = s->routes->tables[t];
        size_t n = 0;

        while (r[n].method != NULL)
            n++;
        if (i < base + n) {
            eg_metrics_label(lab, size, "route", r[i - base].pattern);
            eg_metrics_label(lab, size, "method", r[i - base].method);
            return;
        }
        base += n;
    }
}

void eg_http_metrics_write(const struct eg_server *s, struct eg_buf *out)
{
    const struct eg_http_stats *st = s->stats;
    char lab[384], with[416], code[8];
    size_t i;
    int c;

    eg_metrics_family(out, "egret_http_requests_total", "counter",
                      "Requests answered, by route pattern, method and status.");
    for (i = 0; i < st->n_routes + 2; i++) {
        labels_of(s, i, lab, sizeof lab);
        for (c = 0; c < STATUS_SLOTS; c++) {
            uint64_t n = eg_counter_get(&st->r[i].status[c]);
            if (n == 0)
                continue;
            snprintf(with, sizeof with, "%s", lab);
            snprintf(code, sizeof code, "%d", c + STATUS_MIN);
            eg_metrics_label(with, sizeof with, "status", code);
            eg_metrics_sample(out, "egret_http_requests_total", with, (double)n);
        }
    }
    eg_metrics_family(out, "egret_http_requests_aborted_total", "counter",
                      "Requests whose connection ended before a reply, by route pattern.");
    for (i = 0; i < st->n_routes + 2; i++) {
        uint64_t n = eg_counter_get(&st->r[i].aborted);
        if (n == 0)
            continue;
        labels_of(s, i, lab, sizeof lab);
        eg_metrics_sample(out, "egret_http_requests_aborted_total", lab, (double)n);
    }
    eg_metrics_family(out, "egret_http_request_duration_seconds", "histogram",
                      "Time from the request line to the end of the reply, by route pattern.");
    for (i = 0; i < st->n_routes + 2; i++) {
        if (eg_counter_get(&st->r[i].latency.count) == 0)
            continue;
        labels_of(s, i, lab, sizeof lab);
        eg_metrics_histogram(out, "egret_http_request_duration_seconds", lab, &st->r[i].latency);
    }
    eg_metrics_family(out, "egret_http_requests_in_flight", "gauge",
                      "Requests begun and not yet completed (this scrape included).");
    eg_metrics_sample(out, "egret_http_requests_in_flight", NULL,
                      (double)atomic_load_explicit(&s->in_flight, memory_order_relaxed));
    eg_db_pool_metrics_write(s->pool, out);
}
