/*
 * job.c — the daily job and the counts other modules read (see insurance.h).
 *
 * Each step runs in its own transaction with its own audit event, so a
 * crash between steps leaves every finished step done and the run marked
 * "running"; the next run for the same date redoes the steps, whose
 * statements only touch rows still in the state they change, and so
 * change nothing twice.
 */
#include "insurance/insurance.h"

#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "core/log.h"
#include "db/db.h"
#include "insurance/store.h"

#define JOB_NAME "insurance.daily"

struct step_ctx {
    eg_day day;
    int64_t now;
    struct eg_insurance_daily_report *r;
    struct eg_arena *arena;
    int done; /* begin: the run had finished */
};

static const struct eg_audit_ctx system_ctx = {NULL, "", ""};

static enum eg_status audit_step(struct eg_db *db, const char *step, eg_day day, const char *json)
{
    char id[48], d[11];

    eg_date_format(day, d);
    snprintf(id, sizeof id, "%s:%s", d, step);
    return eg_audit_append(db, &system_ctx, "insurance.daily_job", "job_run", id, json);
}

static enum eg_status step_begin(struct eg_db *db, void *arg)
{
    struct step_ctx *c = arg;

    return eg_ins_job_begin(db, JOB_NAME, c->day, c->now, &c->done);
}

/* Steps 1 and 2: lapse unpaid orders and cancel unpaid days gone by. */
static enum eg_status step_unpaid(struct eg_db *db, void *arg)
{
    struct step_ctx *c = arg;
    int64_t orders = 0, days = 0, days2 = 0, orders2 = 0;
    char json[160];
    enum eg_status st = eg_ins_orders_expire(db, c->now, &orders, &days);

    if (st == EG_OK)
        st = eg_ins_cancel_unpaid(db, c->day, c->now, &days2, &orders2);
    if (st != EG_OK)
        return st;
    c->r->orders_expired = orders + orders2;
    c->r->days_unpaid = days + days2;
    if (c->r->orders_expired == 0 && c->r->days_unpaid == 0)
        return EG_OK;
    snprintf(json, sizeof json,
             "{\"step\":\"unpaid\",\"orders_expired\":%lld,\"days_cancelled\":%lld}",
             (long long)c->r->orders_expired, (long long)c->r->days_unpaid);
    return audit_step(db, "unpaid", c->day, json);
}

/* Step 3: close finished days. */
static enum eg_status step_close(struct eg_db *db, void *arg)
{
    struct step_ctx *c = arg;
    char json[96];
    enum eg_status st = eg_ins_close_days(db, c->day, &c->r->days_closed);

    if (st != EG_OK || c->r->days_closed == 0)
        return st;
    snprintf(json, sizeof json, "{\"step\":\"close\",\"days_expired\":%lld}",
             (long long)c->r->days_closed);
    return audit_step(db, "close", c->day, json);
}

/* Step 4: roll auto-renewals into the next day under the version in force then. */
static enum eg_status step_renew(struct eg_db *db, void *arg)
{
    struct step_ctx *c = arg;
    struct eg_ins_product p;
    struct eg_ins_version *vs = NULL;
    size_t n = 0;
    const struct eg_ins_version *v;
    char json[128];
    enum eg_status st = eg_ins_product_find(db, EG_INS_DEFAULT_PRODUCT, &p);

    c->r->renew_orders = 0;
    c->r->renew_days = 0;
    if (st == EG_OK)
        st = eg_ins_versions_load(db, c->arena, p.id, &vs, NULL, &n);
    if (st != EG_OK)
        return st;
    v = eg_ins_version_in_force(vs, n, c->day + 1);
    if (v == NULL)
        return EG_OK;
    st = eg_ins_renew(db, c->day + 1, p.id, v, c->now, &c->r->renew_orders, &c->r->renew_days);
    if (st != EG_OK || c->r->renew_days == 0)
        return st;
    snprintf(json, sizeof json, "{\"step\":\"renew\",\"orders\":%lld,\"cover_days\":%lld}",
             (long long)c->r->renew_orders, (long long)c->r->renew_days);
    return audit_step(db, "renew", c->day, json);
}

static enum eg_status step_finish(struct eg_db *db, void *arg)
{
    struct step_ctx *c = arg;
    char json[256];

    snprintf(json, sizeof json,
             "{\"orders_expired\":%lld,\"days_unpaid\":%lld,\"days_closed\":%lld,"
             "\"renew_orders\":%lld,\"renew_days\":%lld}",
             (long long)c->r->orders_expired, (long long)c->r->days_unpaid,
             (long long)c->r->days_closed, (long long)c->r->renew_orders,
             (long long)c->r->renew_days);
    enum eg_status st = eg_ins_job_finish(db, JOB_NAME, c->day, c->now, json);
    if (st == EG_OK)
        st = audit_step(db, "done", c->day, json);
    return st;
}

enum eg_status eg_insurance_daily(struct eg_db *db, eg_day day, int64_t now,
                                  struct eg_insurance_daily_report *out)
{
    static const struct {
        const char *name;
        eg_tx_fn fn;
    } steps[] = {
        {"unpaid", step_unpaid},
        {"close", step_close},
        {"renew", step_renew},
        {"finish", step_finish},
    };
    struct step_ctx c;
    enum eg_status st;

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    out->day = day;
    c.day = day;
    c.now = now;
    c.r = out;
    c.arena = eg_arena_new();
    if (c.arena == NULL)
        return EG_E_INTERNAL;
    st = eg_db_tx(db, step_begin, &c);
    if (st == EG_OK && c.done) {
        out->already_done = 1;
        goto out;
    }
    for (size_t i = 0; st == EG_OK && i < sizeof steps / sizeof steps[0]; i++) {
        int64_t t0 = eg_now_us();
        st = eg_db_tx(db, steps[i].fn, &c);
        eg_log(EG_LOG_INFO, "event=insurance_daily_step step=%s status=%s ms=%lld", steps[i].name,
               eg_status_code(st), (long long)((eg_now_us() - t0) / 1000));
    }
out:
    eg_arena_destroy(c.arena);
    return st;
}

enum eg_status eg_insurance_daily_tick(struct eg_db *db, int64_t now,
                                       struct eg_insurance_daily_report *out)
{
    return eg_insurance_daily(db, eg_day_of(now), now, out);
}

enum eg_status eg_insurance_claim_backlog(struct eg_db *db, eg_day today,
                                          struct eg_insurance_backlog *out)
{
    int64_t by[EG_CLAIM_STATE_COUNT];
    enum eg_status st;

    memset(out, 0, sizeof *out);
    st = eg_ins_claim_counts(db, NULL, today, by, &out->overdue_materials, &out->overdue_decision);
    if (st != EG_OK)
        return st;
    out->reported = by[EG_CLAIM_REPORTED];
    out->accepted = by[EG_CLAIM_ACCEPTED];
    out->assessed = by[EG_CLAIM_ASSESSED];
    out->approved = by[EG_CLAIM_APPROVED];
    out->open = out->reported + out->accepted + out->assessed + out->approved;
    out->overdue = out->overdue_materials + out->overdue_decision;
    return EG_OK;
}

enum eg_status eg_insurance_covered_people(struct eg_db *db, eg_day day, int64_t *n)
{
    return eg_ins_count_covered(db, day, n);
}
