/*
 * cmd_doctor.c — `egret doctor [--json]`: is this deployment fit to serve?
 *
 * One line per check, "ok", "warn" or "fail", and exit 1 when any check
 * fails (warnings alone exit 0). Read-only: nothing is created or stored.
 * A malformed configuration never gets here: egret stops every command on
 * it with exit 2, naming the key. What to do for each check is in
 * docs/operations.md.
 */
#include "app/commands.h"

#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "app/job_runs.h"
#include "app/key_ring.h"
#include "auth/crypto.h"
#include "cases/cases.h"
#include "core/time.h"
#include "db/db.h"
#include "db/key_check.h"

enum verdict { OK, WARN, FAIL };
static const char *const verdict_names[] = {"ok", "warn", "fail"};

struct report {
    json_t *checks;
    enum verdict worst;
    int json;
};

static void check(struct report *r, const char *name, enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void check(struct report *r, const char *name, enum verdict v, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v > r->worst)
        r->worst = v;
    if (r->json)
        json_array_append_new(r->checks, json_pack("{s:s,s:s,s:s}", "name", name, "status",
                                                   verdict_names[v], "message", msg));
    else
        printf("%-4s %-24s %s\n", verdict_names[v], name, msg);
}

static void check_config(struct report *r, const struct eg_config *cfg)
{
    struct stat sb;
    if (strcmp(cfg->payment_secret, "demo-payment-secret") == 0)
        check(r, "config.payment_secret", WARN,
              "security.payment_secret is the public default; set a secret of your own");
    else
        check(r, "config.payment_secret", OK, "set");
    if (stat(cfg->pdf_font, &sb) != 0)
        check(r, "config.pdf_font", WARN, "%s is missing: agreement PDFs cannot be made",
              cfg->pdf_font);
    else
        check(r, "config.pdf_font", OK, "%s", cfg->pdf_font);
    if (stat(cfg->static_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        check(r, "config.static_dir", WARN, "%s is missing: the web app is not served",
              cfg->static_dir);
    else
        check(r, "config.static_dir", OK, "%s", cfg->static_dir);
}

/* The master key is present and is the one this database was written with. */
static void check_key(struct report *r, const struct eg_config *cfg, struct eg_db *db)
{
    struct eg_keys *keys = NULL;
    struct eg_db_key_state ks;
    char mine[65];
    enum eg_status st = eg_keys_load(cfg, &keys);
    if (st != EG_OK) {
        check(r, "master_key", FAIL, "%s: %s",
              cfg->master_key_hex[0] ? "security.master_key" : cfg->key_file,
              st == EG_E_NOT_FOUND ? "missing" : eg_status_message(st));
        return;
    }
    if (!db) {
        check(r, "master_key", WARN, "present; not compared (no database)");
    } else if (eg_db_key_state_read(db, &ks) != EG_OK) {
        check(r, "master_key", FAIL, "cannot read the key check value: %s", eg_db_errmsg(db));
    } else if (!ks.has_check) {
        check(r, "master_key", WARN, "present; the database has no key check value yet");
    } else {
        char problem[768];
        struct eg_keys *configured = keys;
        keys = NULL;
        if (eg_key_ring_for(cfg, &ks, configured, &keys, problem, sizeof problem) != EG_OK) {
            check(r, "master_key", FAIL, "%s", problem);
            return;
        }
        const struct eg_keys *named = keys;
        eg_keys_check_value(named, mine);
        if (!eg_secure_streq(mine, ks.check_value) && eg_keys_prev(keys)) {
            named = eg_keys_prev(keys);
            eg_keys_check_value(named, mine);
        }
        if (!eg_secure_streq(mine, ks.check_value))
            check(r, "master_key", FAIL, "does not match the database's key check value");
        else if (ks.rotation == 1)
            check(r, "master_key", WARN,
                  "a key rotation is running (at %s after id %lld): run 'egret key rotate' "
                  "until it finishes",
                  *ks.step ? ks.step : "the start", (long long)ks.after_id);
        else if (eg_keys_prev(keys))
            check(r, "master_key", WARN,
                  "the rotation finished but the key files were not swapped: run 'egret key "
                  "rotate'");
        else
            check(r, "master_key", OK, "present and matches the database");
    }
    eg_keys_free(keys);
}

static int64_t count_rows(struct eg_db *db, const char *sql, int *ok)
{
    int64_t n = 0;
    *ok = eg_db_one_i64(db, &n, sql, "") == EG_OK;
    return n;
}

static void check_reference(struct report *r, struct eg_db *db)
{
    static const struct {
        const char *name, *sql, *what;
    } tables[] = {
        {"reference.districts", "SELECT COUNT(*) FROM mon_districts", "districts"},
        {"reference.occupations", "SELECT COUNT(*) FROM mon_occupations", "occupations"},
        {"reference.routing", "SELECT COUNT(*) FROM case_routing_rules", "routing rules"},
        {"reference.products", "SELECT COUNT(*) FROM ins_products", "insurance products"},
    };
    int y, m, d, ok;
    eg_day_to_civil(eg_day_of(eg_now()), &y, &m, &d);
    for (int year = y; year <= y + 1; year++) {
        int64_t n = 0;
        char name[32];
        snprintf(name, sizeof name, "reference.calendar_%d", year);
        if (eg_cases_calendar_year_days(db, year, &n) != EG_OK)
            check(r, name, FAIL, "cannot read the holiday calendar: %s", eg_db_errmsg(db));
        else if (n == 0)
            /* Next year's arrangement is published late in the year: a warning until then. */
            check(r, name, year == y ? FAIL : WARN,
                  "no holiday calendar for %d: deadlines count holidays as working days", year);
        else
            check(r, name, OK, "%lld days", (long long)n);
    }
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        int64_t n = count_rows(db, tables[i].sql, &ok);
        if (!ok)
            check(r, tables[i].name, FAIL, "cannot read: %s", eg_db_errmsg(db));
        else if (n == 0)
            check(r, tables[i].name, FAIL, "no %s", tables[i].what);
        else
            check(r, tables[i].name, OK, "%lld %s", (long long)n, tables[i].what);
    }
}

/* A daily job: warn when it never ran, fail when its last success is over a day old. */
static void check_job(struct report *r, struct eg_db *db, const char *job, int64_t now)
{
    struct eg_job_run run;
    char name[48];
    snprintf(name, sizeof name, "job.%s", job);
    enum eg_status st = eg_job_run_read(db, job, &run);
    if (st == EG_E_NOT_FOUND) {
        check(r, name, WARN, "never ran (is its timer enabled?)");
    } else if (st != EG_OK) {
        check(r, name, FAIL, "cannot read job_runs: %s", eg_db_errmsg(db));
    } else if (run.last_ok_at == 0) {
        check(r, name, FAIL, "never succeeded; the last run (for %s) failed", run.last_day);
    } else if (now - run.last_ok_at > 26 * 3600) {
        check(r, name, FAIL, "last succeeded %lld h ago%s",
              (long long)(now - run.last_ok_at) / 3600,
              strcmp(run.last_status, "failed") == 0 ? "; the last run failed" : "");
    } else if (strcmp(run.last_status, "failed") == 0) {
        check(r, name, WARN, "the last run failed; the one before succeeded %lld h ago",
              (long long)(now - run.last_ok_at) / 3600);
    } else {
        check(r, name, OK, "last ran %lld min ago for %s", (long long)(now - run.last_ok_at) / 60,
              run.last_day);
    }
}

/* The folder of path (for an SQLite file) into out. */
static void parent_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, n, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
}

static void check_disk(struct report *r, const char *name, const char *dir)
{
    struct statvfs vs;
    if (statvfs(dir, &vs) != 0) {
        check(r, name, WARN, "%s does not exist yet", dir);
        return;
    }
    unsigned long long avail = (unsigned long long)vs.f_bavail * vs.f_frsize;
    unsigned long long total = (unsigned long long)vs.f_blocks * vs.f_frsize;
    unsigned long long pct = total ? avail * 100 / total : 0;
    enum verdict v = avail < 256ULL << 20 ? FAIL : pct < 10 ? WARN : OK;
    check(r, name, v, "%s: %llu MiB free (%llu%%)", dir, avail >> 20, pct);
}

static void check_backup(struct report *r, const struct eg_config *cfg, int64_t now)
{
    DIR *d = opendir(cfg->backup_dir);
    struct dirent *e;
    char newest[256] = "";
    if (d) {
        while ((e = readdir(d)) != NULL)
            if (strncmp(e->d_name, "egret-backup-", 13) == 0 && strcmp(e->d_name, newest) > 0)
                snprintf(newest, sizeof newest, "%s", e->d_name);
        closedir(d);
    }
    if (newest[0] == '\0') {
        check(r, "backup.age", WARN, "no backup in %s yet", cfg->backup_dir);
        return;
    }
    char path[1024];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%.255s/MANIFEST", cfg->backup_dir, newest);
    if (stat(path, &sb) != 0) {
        check(r, "backup.age", FAIL, "the newest backup %s has no MANIFEST", newest);
        return;
    }
    int64_t age_h = (now - (int64_t)sb.st_mtime) / 3600;
    check(r, "backup.age", age_h >= cfg->backup_max_age_h ? FAIL : OK, "newest %s, %lld h old",
          newest, (long long)age_h);
}

static void check_clock(struct report *r, struct eg_db *db)
{
    int64_t theirs = 0;
    if (eg_db_engine_of(db) != EG_DB_POSTGRES) {
        check(r, "clock", OK, "SQLite: the database has no clock of its own");
        return;
    }
    int64_t mine = eg_now();
    if (eg_db_one_i64(db, &theirs, "SELECT CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)", "") !=
        EG_OK) {
        check(r, "clock", FAIL, "cannot ask the database: %s", eg_db_errmsg(db));
        return;
    }
    int64_t skew = llabs(theirs - mine);
    check(r, "clock",
          skew > 60  ? FAIL
          : skew > 5 ? WARN
                     : OK,
          "%lld s from the database server's clock", (long long)skew);
}

int eg_cmd_doctor(struct eg_cli *cli)
{
    struct report r = {.json = eg_cli_flag(cli, "json")};
    struct eg_db *db = NULL;
    const struct eg_config *cfg = &cli->cfg;
    int is_pg =
        strncmp(cfg->db, "postgres://", 11) == 0 || strncmp(cfg->db, "postgresql://", 13) == 0;
    char dbdir[1024];
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    r.checks = json_array();
    int64_t now = eg_now();

    check_config(&r, cfg);
    struct stat sb;
    if (!is_pg && stat(cfg->db, &sb) != 0) /* opening would create an empty file */
        check(&r, "database", FAIL, "%s does not exist (run egret migrate)", cfg->db);
    else if (eg_db_open(cfg->db, &db) != EG_OK || eg_db_driver_of(db)->ping(db) != EG_OK)
        check(&r, "database", FAIL, "cannot reach %s", is_pg ? "the PostgreSQL database" : cfg->db);
    else
        check(&r, "database", OK, "%s reachable", eg_db_driver_of(db)->name);
    if (r.worst == FAIL && db) {
        eg_db_close(db);
        db = NULL;
    }
    check_key(&r, cfg, db);
    int version = 0, schema_ok = 0;
    if (db) {
        if (eg_db_schema_version(db, &version) != EG_OK || version < eg_db_migrations_latest())
            check(&r, "schema", FAIL, "at version %d of %d: run egret migrate", version,
                  eg_db_migrations_latest());
        else if (version > eg_db_migrations_latest())
            check(&r, "schema", FAIL, "at version %d, newer than this egret (%d)", version,
                  eg_db_migrations_latest());
        else {
            check(&r, "schema", OK, "at version %d", version);
            schema_ok = 1;
        }
    }
    if (schema_ok) {
        check_reference(&r, db);
        check_job(&r, db, "insurance.daily", now);
        check_job(&r, db, "monitoring.daily", now);
        /* Anchoring is optional: checked once it has run. */
        struct eg_job_run anchor_run;
        if (eg_job_run_read(db, "audit.anchor", &anchor_run) == EG_OK)
            check_job(&r, db, "audit.anchor", now);
    }
    if (!is_pg) {
        parent_of(cfg->db, dbdir, sizeof dbdir);
        check_disk(&r, "disk.database", dbdir);
    }
    check_disk(&r, "disk.files", cfg->data_dir);
    check_backup(&r, cfg, now);
    if (db)
        check_clock(&r, db);

    if (r.json) {
        json_t *out = json_pack("{s:s,s:o}", "status", verdict_names[r.worst], "checks", r.checks);
        char *text = json_dumps(out, JSON_INDENT(2));
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(out);
    } else {
        printf("%s\n", r.worst == FAIL   ? "doctor: FAILED"
                       : r.worst == WARN ? "doctor: ok, with warnings"
                                         : "doctor: ok");
        json_decref(r.checks);
    }
    eg_db_close(db);
    return r.worst == FAIL ? 1 : 0;
}
