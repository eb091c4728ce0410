/* Subcommands of the monitoring module: monitoring daily, monitoring
 * recompute. Changes are made as the "system" actor. */
#include "app/commands.h"
#include "app/job_runs.h"

#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "core/time.h"
#include "db/db.h"
#include "monitoring/monitoring.h"

/* A --date style option: absent gives def; 0 returned, -1 if malformed. */
static int date_option(const char *cmd, const char *name, const char *s, eg_day def, eg_day *out)
{
    *out = def;
    if (!s)
        return 0;
    if (eg_date_parse(s, out) != EG_OK) {
        fprintf(stderr, "egret %s: --%s wants a date YYYY-MM-DD\n", cmd, name);
        return -1;
    }
    return 0;
}

int eg_cmd_monitoring_daily(struct eg_cli *cli)
{
    eg_day day;
    const char *ds = eg_cli_take(cli, "date");
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    if (date_option(cli->name, "date", ds, eg_day_of(eg_now()) - 1, &day) != 0)
        return 2;
    if (day > eg_day_of(eg_now())) {
        fprintf(stderr, "egret %s: --date is in the future\n", cli->name);
        return 2;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    int locked = eg_job_lock(db, "monitoring.daily", cli->name);
    if (locked != 0) {
        eg_db_close(db);
        eg_keys_free(keys);
        return locked < 0;
    }
    struct eg_monitoring_daily_report rep;
    int64_t t0 = eg_now_us();
    enum eg_status st = eg_monitoring_daily(db, &cli->cfg, day, &rep);
    char day_text[11];
    eg_date_format(day, day_text);
    eg_job_run_record(db, "monitoring.daily", t0 / 1000000, st == EG_OK, day_text);
    if (st == EG_OK) {
        char d[11], f[11];
        eg_date_format(rep.day, d);
        eg_date_format(rep.refreshed_from, f);
        printf("monitoring daily for %s: figures refreshed from %s and %lld earlier day%s, %lld "
               "alert change%s, %lld scorecard%s (%lld ms)\n",
               d, f, (long long)rep.late_days, rep.late_days == 1 ? "" : "s",
               (long long)rep.alert_changes, rep.alert_changes == 1 ? "" : "s",
               (long long)rep.scorecards, rep.scorecards == 1 ? "" : "s",
               (long long)((eg_now_us() - t0) / 1000));
    } else {
        fprintf(stderr, "egret %s: %s\n", cli->name, eg_status_message(st));
    }
    eg_db_close(db);
    eg_keys_free(keys);
    return st == EG_OK ? 0 : 1;
}

int eg_cmd_monitoring_recompute(struct eg_cli *cli)
{
    eg_day from, to, today = eg_day_of(eg_now());
    const char *fs = eg_cli_take(cli, "from");
    const char *ts = eg_cli_take(cli, "to");
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    if (!fs) {
        fprintf(stderr, "egret %s: --from is required\n", cli->name);
        return 2;
    }
    if (date_option(cli->name, "from", fs, today, &from) != 0 ||
        date_option(cli->name, "to", ts, from, &to) != 0)
        return 2;
    if (from > to || to > today) {
        fprintf(stderr, "egret %s: --from must not be after --to, nor --to after today\n",
                cli->name);
        return 2;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    int64_t records = 0, t0 = eg_now_us();
    enum eg_status st = eg_monitoring_recompute(db, &cli->cfg, from, to, &records);
    int64_t us = eg_now_us() - t0;
    if (st == EG_OK)
        printf("recomputed %d day%s from %lld work records in %lld.%03lld s\n",
               (int)(to - from + 1), to == from ? "" : "s", (long long)records,
               (long long)(us / 1000000), (long long)(us / 1000 % 1000));
    else
        fprintf(stderr, "egret %s: %s\n", cli->name, eg_status_message(st));
    eg_db_close(db);
    eg_keys_free(keys);
    return st == EG_OK ? 0 : 1;
}
