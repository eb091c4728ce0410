/*
 * agg_store.c — the daily aggregates (mon_daily): reading sums for any view,
 * adding a batch's deltas, re-deriving what comes from the cases and
 * insurance modules, and rebuilding a day from the stored records.
 *
 * Every view (a week, a sector, a district, the city) is a sum of daily
 * (day, platform, district) groups, so nothing is ever rescanned to answer
 * a dashboard: ninety days of a city is a few thousand small rows.
 */
#include "monitoring/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"
#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"
#include "insurance/insurance.h"

/* The summed columns of mon_daily, in the order read_sums() reads them. */
#define SUM_COLS                                                                                   \
    "records, worker_days, orders, online_minutes, order_minutes, income_fen, penalty_count, "     \
    "penalty_fen, fatigue_days, paid_days, low_pay_days, penalty_events, penalty_events_fen, "     \
    "penalty_appealed, deactivations, deactivations_with_channel, cases, claims, covered_days, "   \
    "traffic_incidents, traffic_injuries, uncovered_injuries, social_days"
#define N_SUM_COLS 23

/* The sums of a row starting at column off. */
static void read_sums(struct eg_stmt *st, int off, struct eg_mon_agg *a)
{
    int64_t *f[N_SUM_COLS] = {&a->records,
                              &a->worker_days,
                              &a->orders,
                              &a->online_minutes,
                              &a->order_minutes,
                              &a->income_fen,
                              &a->penalty_count,
                              &a->penalty_fen,
                              &a->fatigue_days,
                              &a->paid_days,
                              &a->low_pay_days,
                              &a->penalty_events,
                              &a->penalty_events_fen,
                              &a->penalty_appealed,
                              &a->deactivations,
                              &a->deactivations_with_channel,
                              &a->cases,
                              &a->claims,
                              &a->covered_days,
                              &a->traffic_incidents,
                              &a->traffic_injuries,
                              &a->uncovered_injuries,
                              &a->social_days};
    for (int i = 0; i < N_SUM_COLS; i++)
        *f[i] = eg_stmt_i64(st, off + i);
}

int eg_mon_indicator_needs_hist(int ind)
{
    return ind == EG_MON_IND_HOURLY_INCOME_MEDIAN || ind == EG_MON_IND_MIN_WAGE_RATIO;
}

/* ------------------------------------------------------------- groups */

struct group {
    int used;
    int64_t key;
    char district[8];
    struct eg_mon_agg *agg;
};

struct eg_mon_groups {
    struct group *slots;
    size_t cap, n;
};

struct eg_mon_groups *eg_mon_groups_new(void)
{
    struct eg_mon_groups *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->cap = 64;
    g->slots = calloc(g->cap, sizeof *g->slots);
    if (!g->slots) {
        free(g);
        return NULL;
    }
    return g;
}

void eg_mon_groups_clear(struct eg_mon_groups *g)
{
    for (size_t i = 0; i < g->cap; i++) {
        free(g->slots[i].agg);
        g->slots[i].agg = NULL;
        g->slots[i].used = 0;
    }
    g->n = 0;
}

void eg_mon_groups_free(struct eg_mon_groups *g)
{
    if (!g)
        return;
    eg_mon_groups_clear(g);
    free(g->slots);
    free(g);
}

size_t eg_mon_groups_count(const struct eg_mon_groups *g)
{
    return g->n;
}

static size_t group_hash(int64_t key, const char *district)
{
    uint64_t h = (uint64_t)key * UINT64_C(0x9E3779B97F4A7C15);
    for (const char *p = district; *p; p++)
        h = (h ^ (unsigned char)*p) * UINT64_C(1099511628211);
    return (size_t)(h ^ (h >> 29));
}

/* Double the table. */
static int groups_grow(struct eg_mon_groups *g)
{
    size_t ncap = g->cap * 2;
    struct group *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < g->cap; i++) {
        if (!g->slots[i].used)
            continue;
        size_t j = group_hash(g->slots[i].key, g->slots[i].district) & (ncap - 1);
        while (ns[j].used)
            j = (j + 1) & (ncap - 1);
        ns[j] = g->slots[i];
    }
    free(g->slots);
    g->slots = ns;
    g->cap = ncap;
    return 0;
}

struct eg_mon_agg *eg_mon_groups_get(struct eg_mon_groups *g, int64_t key, const char *district)
{
    if (!district)
        district = "";
    size_t i = group_hash(key, district) & (g->cap - 1);
    while (g->slots[i].used) {
        if (g->slots[i].key == key && strcmp(g->slots[i].district, district) == 0)
            return g->slots[i].agg;
        i = (i + 1) & (g->cap - 1);
    }
    if ((g->n + 1) * 2 > g->cap) {
        if (groups_grow(g) != 0)
            return NULL;
        return eg_mon_groups_get(g, key, district);
    }
    struct eg_mon_agg *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    g->slots[i].used = 1;
    g->slots[i].key = key;
    snprintf(g->slots[i].district, sizeof g->slots[i].district, "%s", district);
    g->slots[i].agg = a;
    g->n++;
    return a;
}

int eg_mon_groups_next(struct eg_mon_groups *g, size_t *it, int64_t *key, const char **district,
                       struct eg_mon_agg **agg)
{
    while (*it < g->cap) {
        struct group *s = &g->slots[(*it)++];
        if (s->used) {
            *key = s->key;
            *district = s->district;
            *agg = s->agg;
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ sectors */

enum eg_status eg_mon_sectors_load(struct eg_db *db, struct eg_arena *a, struct eg_mon_sectors *s)
{
    struct eg_stmt *st = NULL;
    int64_t n = 0;
    memset(s, 0, sizeof *s);
    enum eg_status rc =
        eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM organisations WHERE kind = 'platform'", "");
    if (rc != EG_OK)
        return rc;
    s->ids = eg_arena_alloc(a, sizeof *s->ids * (size_t)(n + 1));
    s->sectors = eg_arena_alloc(a, sizeof *s->sectors * (size_t)(n + 1));
    if (!s->ids || !s->sectors)
        return EG_E_INTERNAL;
    rc = eg_db_query(
        db, &st, "SELECT id, sector FROM organisations WHERE kind = 'platform' ORDER BY id", "");
    while (eg_db_next(st, &rc)) {
        if (s->n >= (size_t)n)
            continue;
        s->ids[s->n] = eg_stmt_i64(st, 0);
        snprintf(s->sectors[s->n], 33, "%s", eg_stmt_text(st, 1));
        s->n++;
    }
    eg_stmt_done(st);
    return rc;
}

const char *eg_mon_sectors_find(const struct eg_mon_sectors *s, int64_t id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->ids[mid] == id)
            return s->sectors[mid];
        if (s->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* --------------------------------------------------------------- read */

enum eg_status eg_mon_daily_scan(struct eg_db *db, const struct eg_mon_filter *f, eg_day from,
                                 eg_day to, int want_hist, eg_mon_group_fn fn, void *ctx)
{
    static const char *const where[4] = {"", " AND platform_id = ?", " AND sector = ?",
                                         " AND district = ?"};
    char sql[1024], dfrom[11], dto[11];
    struct eg_stmt *st = NULL;
    struct eg_mon_agg *a = calloc(1, sizeof *a);
    enum eg_status rc;
    if (!a)
        return EG_E_INTERNAL;
    eg_date_format(from, dfrom);
    eg_date_format(to, dto);
    snprintf(sql, sizeof sql,
             "SELECT day, platform_id, district, sector, " SUM_COLS
             ", %s FROM mon_daily WHERE day >= ? AND day <= ?%s ORDER BY day",
             want_hist ? "income_hist" : "''", where[f->scope]);
    switch (f->scope) {
    case EG_MON_SCOPE_PLATFORM:
        rc = eg_db_query(db, &st, sql, "tti", dfrom, dto, f->platform_id);
        break;
    case EG_MON_SCOPE_SECTOR:
    case EG_MON_SCOPE_DISTRICT:
        rc = eg_db_query(db, &st, sql, "ttt", dfrom, dto, f->key);
        break;
    default:
        rc = eg_db_query(db, &st, sql, "tt", dfrom, dto);
        break;
    }
    while (eg_db_next(st, &rc)) {
        struct eg_mon_group_row row;
        eg_day day = 0;
        memset(a, 0, sizeof *a);
        if (eg_date_parse(eg_stmt_text(st, 0), &day) != EG_OK) {
            rc = EG_E_DB;
            break;
        }
        read_sums(st, 4, a);
        if (want_hist &&
            eg_mon_hist_decode_add(eg_stmt_text(st, 4 + N_SUM_COLS), a->hist, 1) != EG_OK)
            eg_log(EG_LOG_WARN, "event=mon_bad_histogram day=%s", eg_stmt_text(st, 0));
        row.day = day;
        row.platform_id = eg_stmt_i64(st, 1);
        row.district = eg_stmt_text(st, 2);
        row.sector = eg_stmt_text(st, 3);
        row.agg = a;
        rc = fn(ctx, &row);
        if (rc != EG_OK)
            break;
    }
    eg_stmt_done(st);
    free(a);
    return rc;
}

static enum eg_status sum_cb(void *ctx, const struct eg_mon_group_row *row)
{
    eg_mon_agg_merge(ctx, row->agg);
    return EG_OK;
}

enum eg_status eg_mon_daily_sum(struct eg_db *db, const struct eg_mon_filter *f, eg_day from,
                                eg_day to, int want_hist, struct eg_mon_agg *a)
{
    eg_mon_agg_clear(a);
    enum eg_status rc = eg_mon_daily_scan(db, f, from, to, want_hist, sum_cb, a);
    a->days = to >= from ? to - from + 1 : 0;
    return rc;
}

enum eg_status eg_mon_latest_day(struct eg_db *db, eg_day *out)
{
    struct eg_stmt *st = NULL;
    *out = 0;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT MAX(day) FROM mon_daily WHERE records > 0", "");
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        if (!eg_stmt_is_null(st, 0))
            eg_date_parse(eg_stmt_text(st, 0), out);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

/* -------------------------------------------------------------- write */

enum eg_status eg_mon_daily_add(struct eg_db *db, eg_day day, int64_t platform_id,
                                const char *district, const char *sector,
                                const struct eg_mon_agg *d)
{
    char dtext[11];
    struct eg_stmt *st = NULL;
    int64_t *hist = calloc(EG_MON_HIST_BUCKETS, sizeof *hist);
    char *text = malloc(EG_MON_HIST_TEXT_MAX);
    enum eg_status rc = EG_OK;
    if (!hist || !text) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    eg_date_format(day, dtext);
    rc = eg_db_query(db, &st,
                     "SELECT income_hist FROM mon_daily WHERE day = ? AND platform_id = ? AND "
                     "district = ?",
                     "tit", dtext, platform_id, district);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        if (eg_mon_hist_decode_add(eg_stmt_text(st, 0), hist, 1) != EG_OK)
            eg_log(EG_LOG_WARN, "event=mon_bad_histogram day=%s", dtext);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        goto out;
    for (int i = 0; i < EG_MON_HIST_BUCKETS; i++)
        hist[i] += d->hist[i];
    eg_mon_hist_encode(hist, text, EG_MON_HIST_TEXT_MAX);
    rc = eg_db_run(
        db, NULL,
        "INSERT INTO mon_daily (day, platform_id, district, sector, " SUM_COLS
        ", income_hist, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, platform_id, district) DO UPDATE SET "
        "sector = excluded.sector, records = mon_daily.records + excluded.records, "
        "worker_days = mon_daily.worker_days + excluded.worker_days, "
        "orders = mon_daily.orders + excluded.orders, "
        "online_minutes = mon_daily.online_minutes + excluded.online_minutes, "
        "order_minutes = mon_daily.order_minutes + excluded.order_minutes, "
        "income_fen = mon_daily.income_fen + excluded.income_fen, "
        "penalty_count = mon_daily.penalty_count + excluded.penalty_count, "
        "penalty_fen = mon_daily.penalty_fen + excluded.penalty_fen, "
        "fatigue_days = mon_daily.fatigue_days + excluded.fatigue_days, "
        "paid_days = mon_daily.paid_days + excluded.paid_days, "
        "low_pay_days = mon_daily.low_pay_days + excluded.low_pay_days, "
        "penalty_events = mon_daily.penalty_events + excluded.penalty_events, "
        "penalty_events_fen = mon_daily.penalty_events_fen + excluded.penalty_events_fen, "
        "penalty_appealed = mon_daily.penalty_appealed + excluded.penalty_appealed, "
        "deactivations = mon_daily.deactivations + excluded.deactivations, "
        "deactivations_with_channel = mon_daily.deactivations_with_channel + "
        "excluded.deactivations_with_channel, cases = mon_daily.cases + excluded.cases, "
        "claims = mon_daily.claims + excluded.claims, "
        "covered_days = mon_daily.covered_days + excluded.covered_days, "
        "traffic_incidents = mon_daily.traffic_incidents + excluded.traffic_incidents, "
        "traffic_injuries = mon_daily.traffic_injuries + excluded.traffic_injuries, "
        "uncovered_injuries = mon_daily.uncovered_injuries + excluded.uncovered_injuries, "
        "social_days = mon_daily.social_days + excluded.social_days, "
        "income_hist = excluded.income_hist, updated_at = excluded.updated_at",
        "titt"
        "iiiiiiiiii"
        "iiiiiiiii"
        "iiii"
        "ti",
        dtext, platform_id, district, sector ? sector : "", d->records, d->worker_days, d->orders,
        d->online_minutes, d->order_minutes, d->income_fen, d->penalty_count, d->penalty_fen,
        d->fatigue_days, d->paid_days, d->low_pay_days, d->penalty_events, d->penalty_events_fen,
        d->penalty_appealed, d->deactivations, d->deactivations_with_channel, d->cases, d->claims,
        d->covered_days, d->traffic_incidents, d->traffic_injuries, d->uncovered_injuries,
        d->social_days, text, eg_now());
out:
    free(hist);
    free(text);
    return rc;
}

/* Write every group of g for the fixed day (keys are platform ids). */
static enum eg_status write_platform_groups(struct eg_db *db, const struct eg_mon_sectors *sec,
                                            eg_day day, struct eg_mon_groups *g)
{
    size_t it = 0;
    int64_t key;
    const char *district;
    struct eg_mon_agg *agg;
    while (eg_mon_groups_next(g, &it, &key, &district, &agg)) {
        const char *sector = eg_mon_sectors_find(sec, key);
        if (!sector)
            continue; /* not a platform */
        enum eg_status rc = eg_mon_daily_add(db, day, key, district, sector, agg);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

/* ---------------------------------------------------------- external */

/* The claims of person in the ascending list rows[0..n) (0 when absent). */
static int64_t person_claims(const struct eg_insurance_person_count *rows, size_t n, int64_t person)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows[mid].person_id == person)
            return rows[mid].claims;
        if (rows[mid].person_id < person)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/*
 * Cases come through the cases module's eg_cases_count_by_respondent() (a
 * case names a respondent but no district, so it is counted under district
 * ''). Claims and coverage are per worker-day and need the worker's day on
 * the platform: the insurance module gives the people covered on the date
 * and the people whose injury claims fell on it (insurance.h), matched here
 * with the day's work records. A covered day is a cover-day active on the
 * date (or expired since, which is what an active day becomes once it is
 * over), counted on a record with orders or online time. The departments' traffic incidents and
 * social-insurance records are added by eg_mon_department_day() (store_department.c).
 */
enum eg_status eg_mon_refresh_external_day(struct eg_db *db, const struct eg_mon_sectors *sec,
                                           eg_day day)
{
    char d[11];
    struct eg_stmt *st = NULL;
    struct eg_mon_groups *g = eg_mon_groups_new();
    struct eg_arena *a = eg_arena_new();
    enum eg_status rc = EG_OK;
    if (!g || !a) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    eg_date_format(day, d);
    rc = eg_db_run(db, NULL,
                   "UPDATE mon_daily SET cases = 0, claims = 0, covered_days = 0, "
                   "traffic_incidents = 0, traffic_injuries = 0, uncovered_injuries = 0, "
                   "social_days = 0 WHERE day = ?",
                   "t", d);
    if (rc != EG_OK)
        goto out;

    int64_t *covered = NULL;
    size_t ncovered = 0, nclaims = 0;
    struct eg_insurance_person_count *claims = NULL;
    rc = eg_insurance_covered_ids(db, a, day, &covered, &ncovered);
    if (rc == EG_OK)
        rc = eg_insurance_claims_on(db, a, day, &claims, &nclaims);
    if (rc != EG_OK)
        goto out;
    /* The day's records are keyed day key + roster id: one key range. */
    int64_t lo = eg_mon_work_key(day, 0), hi = eg_mon_work_key(day + 1, 0);
    if (ncovered > 0 || nclaims > 0)
        rc = eg_db_query(db, &st,
                         "SELECT w.platform_id, w.district, r.person_id, "
                         "CASE WHEN w.orders > 0 OR w.online_minutes > 0 THEN 1 ELSE 0 END "
                         "FROM mon_work_records w JOIN mon_roster r ON r.id = w.worker_id "
                         "WHERE w.id >= ? AND w.id < ?",
                         "ii", lo, hi);
    while (st && eg_db_next(st, &rc)) {
        int64_t person = eg_stmt_i64(st, 2);
        int64_t day_covered =
            eg_stmt_i64(st, 3) && eg_insurance_id_in(covered, ncovered, person) ? 1 : 0;
        int64_t day_claims = person_claims(claims, nclaims, person);
        if (day_covered == 0 && day_claims == 0)
            continue;
        struct eg_mon_agg *agg = eg_mon_groups_get(g, eg_stmt_i64(st, 0), eg_stmt_text(st, 1));
        if (!agg) {
            rc = EG_E_INTERNAL;
            break;
        }
        agg->covered_days += day_covered;
        agg->claims += day_claims;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;

    struct eg_case_count *cases = NULL;
    size_t ncases = 0;
    rc = eg_cases_count_by_respondent(db, a, day, day, &cases, &ncases);
    if (rc != EG_OK)
        goto out;
    for (size_t i = 0; i < ncases; i++) {
        struct eg_mon_agg *agg = eg_mon_groups_get(g, cases[i].organisation_id, "");
        if (!agg) {
            rc = EG_E_INTERNAL;
            goto out;
        }
        agg->cases += cases[i].cases;
    }
    rc = eg_mon_department_day(db, day, g);
    if (rc == EG_OK)
        rc = write_platform_groups(db, sec, day, g);
out:
    eg_stmt_done(st);
    eg_mon_groups_free(g);
    eg_arena_destroy(a);
    return rc;
}

/* --------------------------------------------------------- recompute */

enum eg_status eg_mon_recompute_day(struct eg_db *db, const struct eg_mon_params *p,
                                    const struct eg_mon_sectors *sec, eg_day day, int64_t *records)
{
    char d[11];
    struct eg_stmt *st = NULL;
    struct eg_mon_groups *g = eg_mon_groups_new();
    enum eg_status rc = EG_OK;
    int64_t n = 0;
    if (!g)
        return EG_E_INTERNAL;
    eg_date_format(day, d);
    rc = eg_db_run(db, NULL, "DELETE FROM mon_daily WHERE day = ?", "t", d);
    if (rc != EG_OK)
        goto out;

    rc = eg_db_query(db, &st,
                     "SELECT platform_id, district, orders, online_minutes, order_minutes, "
                     "income_fen, penalty_count, penalty_fen FROM mon_work_records WHERE id >= ? "
                     "AND id < ?",
                     "ii", eg_mon_work_key(day, 0), eg_mon_work_key(day + 1, 0));
    /* Consecutive rows mostly share a group: keep the last one at hand. */
    int64_t last_key = -1;
    char last_district[8] = "";
    struct eg_mon_agg *agg = NULL;
    while (eg_db_next(st, &rc)) {
        int64_t key = eg_stmt_i64(st, 0);
        const char *district = eg_stmt_text(st, 1);
        if (!agg || key != last_key || strcmp(district, last_district) != 0) {
            agg = eg_mon_groups_get(g, key, district);
            if (!agg) {
                rc = EG_E_INTERNAL;
                break;
            }
            last_key = key;
            snprintf(last_district, sizeof last_district, "%s", district);
        }
        struct eg_mon_work w = {eg_stmt_i64(st, 2), eg_stmt_i64(st, 3), eg_stmt_i64(st, 4),
                                eg_stmt_i64(st, 5), eg_stmt_i64(st, 6), eg_stmt_i64(st, 7)};
        eg_mon_agg_add_work(agg, p, &w, 1);
        n++;
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;

    rc = eg_db_query(db, &st,
                     "SELECT platform_id, district, amount_fen, appealed FROM mon_penalties "
                     "WHERE day = ?",
                     "t", d);
    while (eg_db_next(st, &rc)) {
        struct eg_mon_agg *pa = eg_mon_groups_get(g, eg_stmt_i64(st, 0), eg_stmt_text(st, 1));
        if (!pa) {
            rc = EG_E_INTERNAL;
            break;
        }
        eg_mon_agg_add_penalty(pa, eg_stmt_i64(st, 2), eg_stmt_i64(st, 3) != 0, 1);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;

    rc = eg_db_query(db, &st,
                     "SELECT platform_id, district, appeal_channel FROM mon_deactivations "
                     "WHERE day = ?",
                     "t", d);
    while (eg_db_next(st, &rc)) {
        struct eg_mon_agg *da = eg_mon_groups_get(g, eg_stmt_i64(st, 0), eg_stmt_text(st, 1));
        if (!da) {
            rc = EG_E_INTERNAL;
            break;
        }
        eg_mon_agg_add_deactivation(da, eg_stmt_text(st, 2)[0] != '\0', 1);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    st = NULL;
    if (rc != EG_OK)
        goto out;

    rc = write_platform_groups(db, sec, day, g);
    if (rc == EG_OK)
        rc = eg_mon_refresh_external_day(db, sec, day);
out:
    eg_stmt_done(st);
    eg_mon_groups_free(g);
    if (records)
        *records = n;
    return rc;
}

/* ---------------------------------------------------- other modules */

enum eg_status eg_monitoring_active_people(struct eg_db *db, eg_day day, int64_t *active,
                                           int64_t *covered)
{
    int64_t lo = eg_mon_work_key(day, 0), hi = eg_mon_work_key(day + 1, 0);
    enum eg_status rc;

    *active = 0;
    if (covered)
        *covered = 0;
    rc = eg_db_one_i64(db, active,
                       "SELECT COUNT(DISTINCT r.person_id) FROM mon_work_records w "
                       "JOIN mon_roster r ON r.id = w.worker_id "
                       "WHERE w.id >= ? AND w.id < ? AND (w.orders > 0 OR w.online_minutes > 0)",
                       "ii", lo, hi);
    if (rc != EG_OK || !covered || *active == 0)
        return rc;
    /* Of them, those the insurance module had covered that day. */
    struct eg_arena *a = eg_arena_new();
    int64_t *ids = NULL;
    size_t n = 0;
    struct eg_stmt *st = NULL;
    if (!a)
        return EG_E_INTERNAL;
    rc = eg_insurance_covered_ids(db, a, day, &ids, &n);
    if (rc == EG_OK && n > 0)
        rc = eg_db_query(db, &st,
                         "SELECT DISTINCT r.person_id FROM mon_work_records w "
                         "JOIN mon_roster r ON r.id = w.worker_id "
                         "WHERE w.id >= ? AND w.id < ? AND (w.orders > 0 OR w.online_minutes > 0)",
                         "ii", lo, hi);
    while (st && eg_db_next(st, &rc))
        *covered += eg_insurance_id_in(ids, n, eg_stmt_i64(st, 0));
    eg_stmt_done(st);
    eg_arena_destroy(a);
    return rc;
}
