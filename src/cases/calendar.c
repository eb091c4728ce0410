/*
 * calendar.c — the working-day calendar behind case deadlines: public
 * holidays and make-up working days (调休) in the calendar_days table of
 * migration 0001, loaded into a struct eg_calendar for
 * eg_add_working_days(), and managed by administrators through
 * GET/PUT /api/v1/calendar.
 *
 * Built-in data, loaded by `egret migrate` into every installation (and by
 * the demo), for any year that has no rows yet; an administrator replaces a
 * year with PUT /api/v1/calendar:
 *   2025 — the State Council's published arrangement (国务院办公厅关于2025年
 *          部分节假日安排的通知, 国办发明电〔2024〕12号, 2024-11-12).
 *   2026 — the State Council's published arrangement (国务院办公厅关于2026年
 *          部分节假日安排的通知, 2025-11-04), holidays and make-up days.
 *   2027 — provisional: only the statutory holidays of the 2025 revision of
 *          全国年节及纪念日放假办法 on their 2027 dates (元旦, 春节 four days
 *          from New Year's Eve, 清明, 劳动节 two days, 端午, 中秋, 国庆 three
 *          days), without bridging or make-up days, which the State Council
 *          publishes late in the year before. Replace it with PUT when it does.
 */
#include "cases/api.h"
#include "cases/cases.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

struct builtin_day {
    const char *day, *kind, *name;
};

/* An inclusive range of holidays. */
struct builtin_range {
    int year;
    const char *from, *to, *kind, *name;
};

static const struct builtin_range builtin[] = {
    /* 2025: published 2024-11-12. */
    {2025, "2025-01-01", "2025-01-01", "holiday", "元旦"},
    {2025, "2025-01-26", "2025-01-26", "workday", "春节调休上班"},
    {2025, "2025-01-28", "2025-02-04", "holiday", "春节"},
    {2025, "2025-02-08", "2025-02-08", "workday", "春节调休上班"},
    {2025, "2025-04-04", "2025-04-06", "holiday", "清明节"},
    {2025, "2025-04-27", "2025-04-27", "workday", "劳动节调休上班"},
    {2025, "2025-05-01", "2025-05-05", "holiday", "劳动节"},
    {2025, "2025-05-31", "2025-06-02", "holiday", "端午节"},
    {2025, "2025-09-28", "2025-09-28", "workday", "国庆节调休上班"},
    {2025, "2025-10-01", "2025-10-08", "holiday", "国庆节、中秋节"},
    {2025, "2025-10-11", "2025-10-11", "workday", "国庆节调休上班"},
    /* 2026: published 2025-11-04. */
    {2026, "2026-01-01", "2026-01-03", "holiday", "元旦"},
    {2026, "2026-01-04", "2026-01-04", "workday", "元旦调休上班"},
    {2026, "2026-02-14", "2026-02-14", "workday", "春节调休上班"},
    {2026, "2026-02-15", "2026-02-23", "holiday", "春节"},
    {2026, "2026-02-28", "2026-02-28", "workday", "春节调休上班"},
    {2026, "2026-04-04", "2026-04-06", "holiday", "清明节"},
    {2026, "2026-05-01", "2026-05-05", "holiday", "劳动节"},
    {2026, "2026-05-09", "2026-05-09", "workday", "劳动节调休上班"},
    {2026, "2026-06-19", "2026-06-21", "holiday", "端午节"},
    {2026, "2026-09-20", "2026-09-20", "workday", "国庆节调休上班"},
    {2026, "2026-09-25", "2026-09-27", "holiday", "中秋节"},
    {2026, "2026-10-01", "2026-10-07", "holiday", "国庆节"},
    {2026, "2026-10-10", "2026-10-10", "workday", "国庆节调休上班"},
    /* 2027: statutory days only (provisional, see above). */
    {2027, "2027-01-01", "2027-01-01", "holiday", "元旦"},
    {2027, "2027-02-05", "2027-02-08", "holiday", "春节"},
    {2027, "2027-04-05", "2027-04-05", "holiday", "清明节"},
    {2027, "2027-05-01", "2027-05-02", "holiday", "劳动节"},
    {2027, "2027-06-09", "2027-06-09", "holiday", "端午节"},
    {2027, "2027-09-15", "2027-09-15", "holiday", "中秋节"},
    {2027, "2027-10-01", "2027-10-03", "holiday", "国庆节"},
};

/* Grow an arena array of days (doubling). */
static eg_day *push_day(struct eg_arena *a, eg_day *arr, size_t *n, size_t *cap, eg_day d)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        eg_day *bigger = eg_arena_alloc(a, ncap * sizeof *bigger);

        if (bigger == NULL)
            return NULL;
        if (*n)
            memcpy(bigger, arr, *n * sizeof *bigger);
        arr = bigger;
        *cap = ncap;
    }
    arr[(*n)++] = d;
    return arr;
}

enum eg_status eg_cases_calendar_load(struct eg_db *db, struct eg_arena *a, struct eg_calendar *cal)
{
    struct eg_stmt *st = NULL;
    eg_day *hol = NULL, *work = NULL;
    size_t nh = 0, nw = 0, ch = 0, cw = 0;
    enum eg_status rc;

    memset(cal, 0, sizeof *cal);
    /* Ordered by day, so both arrays come out sorted as eg_calendar needs. */
    rc = eg_db_query(db, &st, "SELECT day, kind FROM calendar_days ORDER BY day", "");
    while (eg_db_next(st, &rc)) {
        eg_day d;

        if (eg_date_parse(eg_stmt_text(st, 0), &d) != EG_OK)
            continue;
        if (strcmp(eg_stmt_text(st, 1), "holiday") == 0)
            hol = push_day(a, hol, &nh, &ch, d);
        else
            work = push_day(a, work, &nw, &cw, d);
        if ((nh && hol == NULL) || (nw && work == NULL)) {
            rc = EG_E_INTERNAL;
            break;
        }
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    cal->holidays = hol;
    cal->n_holidays = nh;
    cal->workdays = work;
    cal->n_workdays = nw;
    return EG_OK;
}

/* How many calendar rows a year has. */
static enum eg_status year_count(struct eg_db *db, int year, int64_t *n)
{
    char from[11], to[11];

    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-12-31", year);
    return eg_db_one_i64(db, n, "SELECT COUNT(*) FROM calendar_days WHERE day >= ? AND day <= ?",
                         "tt", from, to);
}

enum eg_status eg_cases_calendar_seed_year(struct eg_db *db, const struct eg_audit_ctx *audit,
                                           int year, int *added)
{
    int64_t n = 0;
    int count = 0;
    char summary[96], id[8];
    enum eg_status rc;

    if (added)
        *added = 0;
    rc = year_count(db, year, &n);
    if (rc != EG_OK || n > 0)
        return rc;
    for (size_t i = 0; rc == EG_OK && i < sizeof builtin / sizeof builtin[0]; i++) {
        eg_day from, to;

        if (builtin[i].year != year)
            continue;
        if (eg_date_parse(builtin[i].from, &from) != EG_OK ||
            eg_date_parse(builtin[i].to, &to) != EG_OK)
            return EG_E_INTERNAL;
        for (eg_day d = from; rc == EG_OK && d <= to; d++) {
            char day[11];

            eg_date_format(d, day);
            rc = eg_db_run(db, NULL,
                           "INSERT INTO calendar_days (day, kind, name) VALUES (?, ?, ?) "
                           "ON CONFLICT (day) DO NOTHING",
                           "ttt", day, builtin[i].kind, builtin[i].name);
            count++;
        }
    }
    if (rc == EG_OK && count > 0) {
        snprintf(summary, sizeof summary, "{\"year\":%d,\"days\":%d,\"source\":\"built-in\"}", year,
                 count);
        snprintf(id, sizeof id, "%d", year);
        rc = eg_audit_append(db, audit, "calendar.seed", "calendar", id, summary);
    }
    if (rc == EG_OK && added)
        *added = count;
    return rc;
}

enum eg_status eg_cases_calendar_seed_builtin(struct eg_db *db, const struct eg_audit_ctx *audit,
                                              int *added)
{
    enum eg_status rc = EG_OK;
    int total = 0;

    for (size_t i = 0; rc == EG_OK && i < sizeof builtin / sizeof builtin[0]; i++) {
        int n = 0;

        if (i > 0 && builtin[i].year == builtin[i - 1].year)
            continue;
        rc = eg_cases_calendar_seed_year(db, audit, builtin[i].year, &n);
        total += n;
    }
    if (added)
        *added = rc == EG_OK ? total : 0;
    return rc;
}

enum eg_status eg_cases_calendar_year_days(struct eg_db *db, int year, int64_t *n)
{
    return year_count(db, year, n);
}

/* ---- GET /api/v1/calendar?year= ---------------------------------------------- */

/* Reply with a year's calendar rows. */
static void reply_year(struct eg_req *req, int year)
{
    struct eg_stmt *st = NULL;
    char from[11], to[11];
    enum eg_status rc;
    json_t *days;

    snprintf(from, sizeof from, "%04d-01-01", year);
    snprintf(to, sizeof to, "%04d-12-31", year);
    days = json_array();
    rc = eg_db_query(req->db, &st,
                     "SELECT day, kind, name FROM calendar_days WHERE day >= ? AND day <= ? "
                     "ORDER BY day",
                     "tt", from, to);
    while (eg_db_next(st, &rc))
        json_array_append_new(days, json_pack("{s:s, s:s, s:s}", "day", eg_stmt_text(st, 0), "kind",
                                              eg_stmt_text(st, 1), "name", eg_stmt_text(st, 2)));
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(days);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_reply_json(req, 200, json_pack("{s:i, s:o}", "year", year, "days", days));
}

/* GET /api/v1/calendar?year= (default the current year). */
void eg_cases_api_calendar_get(struct eg_req *req)
{
    int y, m, d;
    int64_t year;
    enum eg_status rc;

    eg_day_to_civil(eg_cases_today(), &y, &m, &d);
    rc = eg_req_query_int(req, "year", 1900, 2999, y, &year);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, "year", "year must be a year from 1900 to 2999.");
        return;
    }
    reply_year(req, (int)year);
}

/* ---- PUT /api/v1/calendar ------------------------------------------------------ */

static const char *const day_kinds[] = {"holiday", "workday", NULL};

static const struct eg_field day_spec[] = {
    EG_FIELD("day", EG_FT_DATE, .flags = EG_F_REQUIRED),
    EG_FIELD("kind", EG_FT_ENUM, .flags = EG_F_REQUIRED, .enum_values = day_kinds),
    EG_FIELD("name", EG_FT_STRING, .max_len = 60),
    EG_FIELD(NULL, 0),
};
static const struct eg_field day_item = EG_FIELD("", EG_FT_OBJECT, .sub = day_spec);

const struct eg_field eg_cases_spec_calendar[] = {
    EG_FIELD("year", EG_FT_INT, .flags = EG_F_REQUIRED, .min = 1900, .max = 2999),
    EG_FIELD("days", EG_FT_ARRAY, .flags = EG_F_REQUIRED, .max_len = 120, .item = &day_item),
    EG_FIELD(NULL, 0),
};

struct cal_put {
    struct eg_req *req;
    int year;
    int n;
};

/* Replace the checked year's rows. */
static enum eg_status cal_put_tx(struct eg_db *db, void *p)
{
    struct cal_put *c = p;
    struct eg_audit_ctx ctx = eg_cases_audit(c->req);
    const json_t *days = json_object_get(c->req->body, "days");
    char from[11], to[11], summary[96], id[8];
    enum eg_status rc;
    size_t i;
    json_t *v;

    snprintf(from, sizeof from, "%04d-01-01", c->year);
    snprintf(to, sizeof to, "%04d-12-31", c->year);
    rc = eg_db_run(db, NULL, "DELETE FROM calendar_days WHERE day >= ? AND day <= ?", "tt", from,
                   to);
    json_array_foreach(days, i, v)
    {
        if (rc != EG_OK)
            break;
        rc = eg_db_run(db, NULL, "INSERT INTO calendar_days (day, kind, name) VALUES (?, ?, ?)",
                       "ttt", eg_json_str(v, "day", ""), eg_json_str(v, "kind", ""),
                       eg_json_str(v, "name", ""));
    }
    if (rc == EG_OK) {
        snprintf(summary, sizeof summary, "{\"year\":%d,\"days\":%d}", c->year, c->n);
        snprintf(id, sizeof id, "%d", c->year);
        rc = eg_audit_append(db, &ctx, "calendar.update", "calendar", id, summary);
    }
    return rc;
}

/*
 * PUT /api/v1/calendar: every day in the year, listed once, and make-up
 * working days on Saturdays or Sundays only; then the year is replaced.
 */
void eg_cases_api_calendar_put(struct eg_req *req)
{
    const json_t *days = json_object_get(req->body, "days");
    struct cal_put c = {req, (int)eg_json_int(req->body, "year", 0), 0};
    eg_day seen[120];
    enum eg_status rc;
    size_t i;
    json_t *v;

    json_array_foreach(days, i, v)
    {
        eg_day d;
        int y, m, dd;
        const char *kind = eg_json_str(v, "kind", "");
        char field[32];

        snprintf(field, sizeof field, "days[%zu].day", i);
        if (eg_date_parse(eg_json_str(v, "day", ""), &d) != EG_OK) {
            eg_reply_error(req, EG_E_INVALID_FIELD, field, "%s is not a date.", field);
            return;
        }
        eg_day_to_civil(d, &y, &m, &dd);
        if (y != c.year) {
            eg_reply_error(req, EG_E_INVALID_FIELD, field, "%s is not in %d.", field, c.year);
            return;
        }
        for (size_t k = 0; k < i; k++)
            if (seen[k] == d) {
                eg_reply_error(req, EG_E_INVALID_FIELD, field, "%s is listed twice.", field);
                return;
            }
        if (strcmp(kind, "workday") == 0 && eg_weekday(d) <= 5) {
            eg_reply_error(req, EG_E_INVALID_FIELD, field,
                           "A make-up working day falls on a Saturday or Sunday.");
            return;
        }
        seen[i] = d;
    }
    c.n = (int)json_array_size(days);
    rc = eg_db_tx(req->db, cal_put_tx, &c);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    reply_year(req, c.year);
}
