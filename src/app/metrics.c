/*
 * metrics.c — GET /metrics: every module's figures in the Prometheus text
 * exposition format (version 0.0.4), for the monitoring system to scrape.
 *
 * Open to the peers in [metrics] allow (the socket's other end, never
 * X-Forwarded-For: a client cannot claim to be the proxy) or to a bearer
 * token equal to [metrics] token. The figures are this server's since it
 * started (counters restart at 0 with the process, as Prometheus expects),
 * plus what the database holds for every server: the last run of each
 * daily job (label task, since Prometheus keeps job for the scrape job)
 * and the length of the audit chain.
 */
#include "app/routes.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "app/job_runs.h"
#include "auth/audit_anchor.h"
#include "core/buf.h"
#include "core/metrics.h"
#include "core/time.h"
#include "db/db.h"
#include "http/server.h"
#include "monitoring/monitoring.h"

#define METRICS_MAX_BYTES (8u << 20)

static const char *const jobs[] = {"insurance.daily", "monitoring.daily", "audit.anchor"};

static int64_t started_at; /* this process's start, for process_start_time_seconds */

void eg_app_metrics_started(void)
{
    started_at = eg_now();
}

/* Whether the caller may scrape: the token, else the peer's address. */
static int may_scrape(struct eg_req *req)
{
    const char *token = req->config->metrics_token;
    const char *auth = eg_req_header(req, "Authorization");

    if (token[0] != '\0' && auth != NULL && strncmp(auth, "Bearer ", 7) == 0) {
        size_t n = strlen(token);
        if (strlen(auth + 7) == n && sodium_memcmp(auth + 7, token, n) == 0)
            return 1;
    }
    return eg_req_peer_in(req, req->config->metrics_allow) == 1;
}

/* The gauges of the daily jobs' last runs, one family per row. */
enum job_figure { FINISHED_AT, LAST_OK_AT, DURATION, LAST_OK };

static const struct {
    enum job_figure what;
    const char *name, *help;
} job_families[] = {
    {FINISHED_AT, "egret_job_last_run_timestamp_seconds",
     "When the last run of each daily job (on any server) finished."},
    {LAST_OK_AT, "egret_job_last_success_timestamp_seconds",
     "When each daily job last succeeded (0: never)."},
    {DURATION, "egret_job_last_run_duration_seconds",
     "How long the last run of each daily job took."},
    {LAST_OK, "egret_job_last_run_ok",
     "1 when the last run of each daily job succeeded, 0 when it failed."},
};

static double job_figure(const struct eg_job_run *run, enum job_figure what)
{
    switch (what) {
    case FINISHED_AT:
        return (double)run->last_finished_at;
    case LAST_OK_AT:
        return (double)run->last_ok_at;
    case DURATION:
        return (double)(run->last_finished_at - run->last_started_at);
    case LAST_OK:
        return strcmp(run->last_status, "ok") == 0 ? 1 : 0;
    }
    return 0;
}

static void write_jobs(struct eg_db *db, struct eg_buf *out)
{
    struct eg_job_run run[sizeof jobs / sizeof jobs[0]];
    int have[sizeof jobs / sizeof jobs[0]];
    char lab[64];
    size_t i, f;

    for (i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        have[i] = db != NULL && eg_job_run_read(db, jobs[i], &run[i]) == EG_OK;
    for (f = 0; f < sizeof job_families / sizeof job_families[0]; f++) {
        eg_metrics_family(out, job_families[f].name, "gauge", job_families[f].help);
        for (i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
            if (!have[i])
                continue;
            lab[0] = '\0';
            eg_metrics_label(lab, sizeof lab, "task", jobs[i]);
            eg_metrics_sample(out, job_families[f].name, lab,
                              job_figure(&run[i], job_families[f].what));
        }
    }
}

static void metrics(struct eg_req *req)
{
    struct eg_audit_anchor head;
    struct eg_buf out;
    char *text;
    size_t len;

    if (!may_scrape(req)) {
        eg_reply_error(req, EG_E_FORBIDDEN, NULL,
                       "Metrics are open to the addresses in [metrics] allow or to its token.");
        return;
    }
    eg_buf_init(&out, METRICS_MAX_BYTES);
    eg_metrics_family(&out, "egret_build_info", "gauge", "The running version (always 1).");
    eg_buf_printf(&out, "egret_build_info{version=\"%s\",schema=\"%d\"} 1\n", EGRET_VERSION,
                  eg_db_migrations_latest());
    eg_metrics_family(&out, "egret_process_start_time_seconds", "gauge",
                      "When this server started, Unix seconds.");
    eg_metrics_sample(&out, "egret_process_start_time_seconds", NULL, (double)started_at);
    eg_http_metrics_write(req->server, &out);
    eg_db_metrics_write(&out);
    eg_mon_metrics_write(&out);
    write_jobs(req->db, &out);
    if (req->db != NULL && eg_audit_anchor_head(req->db, eg_now(), &head) == EG_OK) {
        eg_metrics_family(&out, "egret_audit_chain_length", "gauge",
                          "Events on the audit trail (the chain head's sequence number).");
        eg_metrics_sample(&out, "egret_audit_chain_length", NULL, (double)head.seq);
    }
    eg_metrics_family(&out, "egret_up", "gauge", "1: the whole page was written.");
    eg_metrics_sample(&out, "egret_up", NULL, 1);
    text = eg_buf_take(&out, &len);
    if (text == NULL) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    eg_reply_header(req, "Cache-Control", "no-store");
    eg_reply_take(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

const struct eg_route eg_app_metrics_routes[] = {
    EG_ROUTE("GET", "/metrics", metrics, .flags = EG_ROUTE_PUBLIC,
             .summary = "Prometheus metrics (to [metrics] allow or its token)"),
    {0},
};
