/*
 * cmd_insurance.c — `egret insurance daily [--date YYYY-MM-DD]`: the
 * insurance module's daily job (see insurance/insurance.h). Safe to run
 * again: a date whose run finished is not run twice.
 */
#include "app/commands.h"
#include "app/job_runs.h"

#include <stdio.h>

#include "auth/crypto.h"
#include "core/time.h"
#include "db/db.h"
#include "insurance/insurance.h"

int eg_cmd_insurance_daily(struct eg_cli *cli)
{
    const char *date = eg_cli_take(cli, "date");
    struct eg_insurance_daily_report r;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    int64_t now = eg_now();
    eg_day day = eg_day_of(now);
    int version = 0;
    char d[11];
    enum eg_status st;
    int rc = eg_cli_no_more_options(cli, 0);

    if (rc)
        return rc;
    if (date != NULL && eg_date_parse(date, &day) != EG_OK) {
        fprintf(stderr, "egret insurance daily: --date must be a real YYYY-MM-DD date\n");
        return 2;
    }
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    int locked = eg_job_lock(db, "insurance.daily", cli->name);
    if (locked != 0) {
        rc = locked < 0;
        goto out;
    }
    st = eg_db_schema_version(db, &version);
    if (st == EG_OK && version < eg_db_migrations_latest()) {
        fprintf(stderr,
                "egret insurance daily: the database schema is behind; run egret migrate\n");
        rc = 1;
        goto out;
    }
    if (st == EG_OK)
        st = eg_insurance_daily(db, day, now, &r);
    eg_date_format(day, d);
    eg_job_run_record(db, "insurance.daily", now, st == EG_OK, d);
    if (st != EG_OK) {
        fprintf(stderr, "egret insurance daily: failed: %s (%s)\n", eg_status_message(st),
                eg_db_errmsg(db));
        rc = 1;
    } else if (r.already_done) {
        printf("insurance daily %s: already done\n", d);
    } else {
        printf("insurance daily %s: orders_expired=%lld days_unpaid=%lld days_closed=%lld "
               "renew_orders=%lld renew_days=%lld\n",
               d, (long long)r.orders_expired, (long long)r.days_unpaid, (long long)r.days_closed,
               (long long)r.renew_orders, (long long)r.renew_days);
    }
out:
    eg_db_close(db);
    eg_keys_free(keys);
    return rc;
}
