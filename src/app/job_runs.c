/* job_runs.c — the last run of each scheduled job (see job_runs.h). */
#include "app/job_runs.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

struct record {
    const char *job;
    int64_t started_at, now;
    int ok;
    const char *day;
};

static enum eg_status record_tx(struct eg_db *db, void *arg)
{
    const struct record *r = arg;
    /* last_ok_at keeps its value through a failed run. */
    static const char sql[] =
        "INSERT INTO job_runs (job, last_started_at, last_finished_at, last_ok_at, "
        "last_status, last_day) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (job) DO UPDATE SET last_started_at = excluded.last_started_at, "
        "last_finished_at = excluded.last_finished_at, "
        "last_ok_at = COALESCE(excluded.last_ok_at, job_runs.last_ok_at), "
        "last_status = excluded.last_status, last_day = excluded.last_day";
    const char *day = r->day ? r->day : "";
    if (r->ok)
        return eg_db_run(db, NULL, sql, "tiiitt", r->job, r->started_at, r->now, r->now, "ok", day);
    return eg_db_run(db, NULL, sql, "tiintt", r->job, r->started_at, r->now, "failed", day);
}

enum eg_status eg_job_run_record(struct eg_db *db, const char *job, int64_t started_at, int ok,
                                 const char *day)
{
    int version = 0;
    if (eg_db_schema_version(db, &version) != EG_OK || version < 80)
        return EG_OK;
    struct record r = {job, started_at, eg_now(), ok, day};
    enum eg_status st = eg_db_tx(db, record_tx, &r);
    if (st != EG_OK)
        eg_log(EG_LOG_ERROR, "event=job_run_not_recorded job=%s", job);
    return st;
}

enum eg_status eg_job_run_read(struct eg_db *db, const char *job, struct eg_job_run *out)
{
    struct eg_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT last_started_at, last_finished_at, last_ok_at, "
                                    "last_status, last_day FROM job_runs WHERE job = ?",
                                    "t", job);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        out->last_started_at = eg_stmt_i64(st, 0);
        out->last_finished_at = eg_stmt_i64(st, 1);
        out->last_ok_at = eg_stmt_is_null(st, 2) ? 0 : eg_stmt_i64(st, 2);
        eg_stmt_copy_text(st, 3, out->last_status, sizeof out->last_status);
        eg_stmt_copy_text(st, 4, out->last_day, sizeof out->last_day);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

int eg_job_lock(struct eg_db *db, const char *job, const char *cmd)
{
    char name[64];
    int got = 0;
    snprintf(name, sizeof name, "egret.job.%s", job);
    if (eg_db_try_lock(db, name, &got) != EG_OK) {
        fprintf(stderr, "egret %s: cannot take the job lock: %s\n", cmd, eg_db_errmsg(db));
        return -1;
    }
    if (!got) {
        eg_log(EG_LOG_INFO, "event=job_skipped job=%s reason=running_elsewhere", job);
        printf("%s: another server is running it now; nothing done here\n", job);
        return 1;
    }
    return 0;
}
