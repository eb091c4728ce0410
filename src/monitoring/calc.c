/*
 * calc.c — the monitoring module's arithmetic (see calc.h). Pure functions:
 * no database, no HTTP, no clock.
 */
#include "monitoring/calc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eg_mon_agg_clear(struct eg_mon_agg *a)
{
    memset(a, 0, sizeof *a);
}

void eg_mon_agg_merge(struct eg_mon_agg *dst, const struct eg_mon_agg *src)
{
    dst->days += src->days;
    dst->records += src->records;
    dst->worker_days += src->worker_days;
    dst->orders += src->orders;
    dst->online_minutes += src->online_minutes;
    dst->order_minutes += src->order_minutes;
    dst->income_fen += src->income_fen;
    dst->penalty_count += src->penalty_count;
    dst->penalty_fen += src->penalty_fen;
    dst->fatigue_days += src->fatigue_days;
    dst->paid_days += src->paid_days;
    dst->low_pay_days += src->low_pay_days;
    dst->penalty_events += src->penalty_events;
    dst->penalty_events_fen += src->penalty_events_fen;
    dst->penalty_appealed += src->penalty_appealed;
    dst->deactivations += src->deactivations;
    dst->deactivations_with_channel += src->deactivations_with_channel;
    dst->cases += src->cases;
    dst->claims += src->claims;
    dst->covered_days += src->covered_days;
    dst->traffic_incidents += src->traffic_incidents;
    dst->traffic_injuries += src->traffic_injuries;
    dst->uncovered_injuries += src->uncovered_injuries;
    dst->social_days += src->social_days;
    for (int i = 0; i < EG_MON_HIST_BUCKETS; i++)
        dst->hist[i] += src->hist[i];
}

int64_t eg_mon_hourly_fen(int64_t income_fen, int64_t online_minutes)
{
    if (online_minutes <= 0)
        return 0;
    return income_fen * 60 / online_minutes;
}

int eg_mon_hist_bucket(int64_t income_fen, int64_t online_minutes)
{
    int64_t b = eg_mon_hourly_fen(income_fen, online_minutes) / EG_MON_HIST_STEP_FEN;
    if (b < 0)
        b = 0;
    if (b >= EG_MON_HIST_BUCKETS)
        b = EG_MON_HIST_BUCKETS - 1;
    return (int)b;
}

int eg_mon_below_min_wage(const struct eg_mon_params *p, int64_t income_fen, int64_t online_minutes)
{
    if (online_minutes <= 0)
        return 0;
    return income_fen * 60 < p->min_wage_hourly_fen * online_minutes;
}

/*
 * A record counts as an active worker-day when the worker took orders or was
 * online at all; a record of zeros (the platform listing everyone on its
 * roster) is kept as a record but does not dilute the shares.
 */
void eg_mon_agg_add_work(struct eg_mon_agg *a, const struct eg_mon_params *p,
                         const struct eg_mon_work *w, int sign)
{
    a->records += sign;
    a->orders += sign * w->orders;
    a->online_minutes += sign * w->online_minutes;
    a->order_minutes += sign * w->order_minutes;
    a->income_fen += sign * w->income_fen;
    a->penalty_count += sign * w->penalty_count;
    a->penalty_fen += sign * w->penalty_fen;
    if (w->orders > 0 || w->online_minutes > 0)
        a->worker_days += sign;
    if (w->online_minutes > p->fatigue_minutes)
        a->fatigue_days += sign;
    if (w->online_minutes > 0) {
        a->paid_days += sign;
        if (eg_mon_below_min_wage(p, w->income_fen, w->online_minutes))
            a->low_pay_days += sign;
        a->hist[eg_mon_hist_bucket(w->income_fen, w->online_minutes)] += sign;
    }
}

void eg_mon_agg_add_penalty(struct eg_mon_agg *a, int64_t amount_fen, int appealed, int sign)
{
    a->penalty_events += sign;
    a->penalty_events_fen += sign * amount_fen;
    if (appealed)
        a->penalty_appealed += sign;
}

void eg_mon_agg_add_deactivation(struct eg_mon_agg *a, int with_channel, int sign)
{
    a->deactivations += sign;
    if (with_channel)
        a->deactivations_with_channel += sign;
}

void eg_mon_hist_encode(const int64_t hist[EG_MON_HIST_BUCKETS], char *out, size_t outsz)
{
    size_t len = 0;
    if (outsz == 0)
        return;
    out[0] = '\0';
    for (int i = 0; i < EG_MON_HIST_BUCKETS; i++) {
        if (hist[i] == 0)
            continue;
        int n =
            snprintf(out + len, outsz - len, "%s%d:%lld", len ? "," : "", i, (long long)hist[i]);
        if (n < 0 || (size_t)n >= outsz - len) {
            out[len] = '\0';
            return;
        }
        len += (size_t)n;
    }
}

/* A non-negative decimal at *p (advanced past it); -1 when there is none. */
static int64_t read_num(const char **p, int allow_minus)
{
    const char *s = *p;
    int neg = 0;
    int64_t v = 0;
    if (allow_minus && *s == '-') {
        neg = 1;
        s++;
    }
    if (*s < '0' || *s > '9')
        return INT64_MIN;
    while (*s >= '0' && *s <= '9') {
        if (v > (INT64_MAX - 9) / 10)
            return INT64_MIN;
        v = v * 10 + (*s - '0');
        s++;
    }
    *p = s;
    return neg ? -v : v;
}

enum eg_status eg_mon_hist_decode_add(const char *text, int64_t hist[EG_MON_HIST_BUCKETS], int sign)
{
    const char *p = text ? text : "";
    while (*p) {
        int64_t b = read_num(&p, 0);
        if (b == INT64_MIN || b >= EG_MON_HIST_BUCKETS || *p != ':')
            return EG_E_INVALID_FIELD;
        p++;
        int64_t c = read_num(&p, 1);
        if (c == INT64_MIN)
            return EG_E_INVALID_FIELD;
        hist[b] += sign * c;
        if (*p == ',')
            p++;
        else if (*p)
            return EG_E_INVALID_FIELD;
    }
    return EG_OK;
}

/*
 * The middle day is the ceil(n/2)-th smallest (the lower median for even
 * counts). Inside its bucket the days are taken as spread evenly, so the
 * value is bucket start + width × (rank within the bucket − ½) / count.
 */
int64_t eg_mon_hist_median(const int64_t hist[EG_MON_HIST_BUCKETS], int *defined)
{
    int64_t n = 0;
    for (int i = 0; i < EG_MON_HIST_BUCKETS; i++)
        n += hist[i] > 0 ? hist[i] : 0;
    *defined = n > 0;
    if (n == 0)
        return 0;
    int64_t target = (n + 1) / 2, seen = 0;
    for (int i = 0; i < EG_MON_HIST_BUCKETS; i++) {
        int64_t c = hist[i] > 0 ? hist[i] : 0;
        if (c == 0)
            continue;
        if (seen + c >= target) {
            int64_t rank = target - seen; /* 1 … c */
            if (i == EG_MON_HIST_BUCKETS - 1)
                return (int64_t)i * EG_MON_HIST_STEP_FEN;
            return (int64_t)i * EG_MON_HIST_STEP_FEN +
                   (EG_MON_HIST_STEP_FEN * (2 * rank - 1)) / (2 * c);
        }
        seen += c;
    }
    return 0;
}

/* ---------------------------------------------------------- indicators */

const struct eg_mon_indicator eg_mon_indicators[EG_MON_IND_COUNT] = {
    [EG_MON_IND_ACTIVE_WORKERS] = {"active_workers", "workers", "活跃劳动者",
                                   "Workers with orders or online time; over a period, the mean "
                                   "per day."},
    [EG_MON_IND_WORKER_DAYS] = {"worker_days", "worker_days", "活跃人天",
                                "Active worker-days (a worker on two platforms counts on each)."},
    [EG_MON_IND_ONLINE_HOURS] = {"online_hours", "hours", "在线时长", "Total online hours."},
    [EG_MON_IND_ONLINE_HOURS_PER_WORKER] = {"online_hours_per_worker", "hours", "人均在线时长",
                                            "Mean online hours per active worker-day."},
    [EG_MON_IND_FATIGUE_SHARE] = {"fatigue_share", "share", "超时劳动占比",
                                  "Share of active worker-days online longer than the fatigue "
                                  "limit ([city] fatigue_minutes, 12 h)."},
    [EG_MON_IND_BELOW_MIN_WAGE_SHARE] = {"below_min_wage_share", "share", "低于最低工资占比",
                                         "Share of worker-days with online time whose hourly "
                                         "income is below the hourly minimum wage."},
    [EG_MON_IND_HOURLY_INCOME_MEAN] = {"hourly_income_mean_fen", "fen_per_hour", "平均时薪",
                                       "All income divided by all online hours, fen per hour."},
    [EG_MON_IND_HOURLY_INCOME_MEDIAN] = {"hourly_income_median_fen", "fen_per_hour", "时薪中位数",
                                         "Median of the worker-days' hourly income, fen per "
                                         "hour (exact to 50 fen)."},
    [EG_MON_IND_MIN_WAGE_RATIO] = {"min_wage_ratio", "ratio", "时薪/最低工资",
                                   "Median hourly income divided by the hourly minimum wage."},
    [EG_MON_IND_ORDERS] = {"orders", "orders", "订单量", "Orders."},
    [EG_MON_IND_INCOME] = {"income_fen", "fen", "收入", "Income, fen."},
    [EG_MON_IND_PENALTIES_PER_100_ORDERS] = {"penalties_per_100_orders", "per_100_orders",
                                             "每百单处罚", "Penalties per 100 orders."},
    [EG_MON_IND_PENALTIES_PER_WORKER] = {"penalties_per_worker", "per_worker_day", "人均处罚",
                                         "Penalties per active worker-day."},
    [EG_MON_IND_PENALTY_FEN_PER_WORKER] = {"penalty_fen_per_worker", "fen_per_worker_day",
                                           "人均罚款",
                                           "Penalty amount per active worker-day, fen."},
    [EG_MON_IND_PENALTY_APPEAL_SHARE] = {"penalty_appeal_share", "share", "处罚申诉占比",
                                         "Share of penalty events the worker appealed."},
    [EG_MON_IND_DEACTIVATIONS] = {"deactivations", "deactivations", "封号数",
                                  "Account deactivations."},
    [EG_MON_IND_DEACTIVATIONS_PER_1000] = {"deactivations_per_1000_workers", "per_1000_workers",
                                           "千人封号数",
                                           "Deactivations per 1,000 active workers (mean per "
                                           "day over the period)."},
    [EG_MON_IND_DEACTIVATION_CHANNEL_SHARE] = {"deactivation_appeal_channel_share", "share",
                                               "封号申诉渠道占比",
                                               "Share of deactivations that name an appeal "
                                               "channel."},
    [EG_MON_IND_CASES] = {"cases", "cases", "维权案件数",
                          "Rights-protection cases submitted against the platform."},
    [EG_MON_IND_CASES_PER_1000] = {"cases_per_1000_workers", "per_1000_workers", "千人案件数",
                                   "Cases per 1,000 active workers (mean per day over the "
                                   "period)."},
    [EG_MON_IND_INSURANCE_COVERAGE] = {"insurance_coverage", "share", "保障覆盖率",
                                       "Share of active worker-days with a cover-day of the "
                                       "daily injury insurance."},
    [EG_MON_IND_CLAIMS] = {"claims", "claims", "理赔报案数",
                           "Injury claims (not rejected) of workers active that day."},
    [EG_MON_IND_CLAIMS_PER_MILLION_ORDERS] = {"claims_per_million_orders", "per_million_orders",
                                              "百万单报案数", "Claims per million orders."},
    [EG_MON_IND_TRAFFIC_INCIDENTS] = {"traffic_incidents", "incidents", "交通事故与违法",
                                      "Traffic incidents (collisions and violations) of the "
                                      "platform's workers, from the traffic police's and "
                                      "transport departments' feed; counted in the incident's "
                                      "district, on the platform the worker worked for that day "
                                      "(else the one whose roster holds the worker)."},
    [EG_MON_IND_TRAFFIC_INJURIES] = {"traffic_injuries", "incidents", "交通事故伤亡",
                                     "Traffic incidents in which someone was hurt (severity "
                                     "minor, serious or fatal)."},
    [EG_MON_IND_TRAFFIC_INJURIES_PER_MILLION_ORDERS] = {"traffic_injuries_per_million_orders",
                                                        "per_million_orders", "百万单交通伤亡",
                                                        "Traffic injuries per million orders."},
    [EG_MON_IND_UNCOVERED_INJURIES] = {"uncovered_injuries", "incidents", "伤亡未保未报",
                                       "Traffic injuries of a worker with no cover-day in force "
                                       "at the incident time and no injury claim within a day "
                                       "of it (listed at /api/v1/monitoring/uncovered-injuries)."},
    [EG_MON_IND_SOCIAL_INSURANCE_COVERAGE] = {"social_insurance_coverage", "share", "社保覆盖率",
                                              "Share of active worker-days whose worker has a "
                                              "social-insurance contribution (any scheme) paid "
                                              "for that month, from the departments' feed."},
};

int eg_mon_indicator_find(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < EG_MON_IND_COUNT; i++)
        if (strcmp(eg_mon_indicators[i].name, name) == 0)
            return i;
    return -1;
}

/* num / den, or undefined when den is 0. */
static double ratio(double num, double den, int *defined)
{
    if (den == 0) {
        *defined = 0;
        return 0;
    }
    *defined = 1;
    return num / den;
}

double eg_mon_indicator_value(int ind, const struct eg_mon_agg *a, const struct eg_mon_params *p,
                              int *defined)
{
    double days = a->days > 0 ? (double)a->days : 1.0;
    double mean_workers = (double)a->worker_days / days;
    int64_t median;
    *defined = 1;
    switch (ind) {
    case EG_MON_IND_ACTIVE_WORKERS:
        return mean_workers;
    case EG_MON_IND_WORKER_DAYS:
        return (double)a->worker_days;
    case EG_MON_IND_ONLINE_HOURS:
        return (double)a->online_minutes / 60.0;
    case EG_MON_IND_ONLINE_HOURS_PER_WORKER:
        return ratio((double)a->online_minutes / 60.0, (double)a->worker_days, defined);
    case EG_MON_IND_FATIGUE_SHARE:
        return ratio((double)a->fatigue_days, (double)a->worker_days, defined);
    case EG_MON_IND_BELOW_MIN_WAGE_SHARE:
        return ratio((double)a->low_pay_days, (double)a->paid_days, defined);
    case EG_MON_IND_HOURLY_INCOME_MEAN:
        if (a->online_minutes <= 0) {
            *defined = 0;
            return 0;
        }
        return (double)eg_mon_hourly_fen(a->income_fen, a->online_minutes);
    case EG_MON_IND_HOURLY_INCOME_MEDIAN:
        return (double)eg_mon_hist_median(a->hist, defined);
    case EG_MON_IND_MIN_WAGE_RATIO:
        median = eg_mon_hist_median(a->hist, defined);
        if (!*defined || p->min_wage_hourly_fen <= 0) {
            *defined = 0;
            return 0;
        }
        return (double)median / (double)p->min_wage_hourly_fen;
    case EG_MON_IND_ORDERS:
        return (double)a->orders;
    case EG_MON_IND_INCOME:
        return (double)a->income_fen;
    case EG_MON_IND_PENALTIES_PER_100_ORDERS:
        return ratio(100.0 * (double)a->penalty_count, (double)a->orders, defined);
    case EG_MON_IND_PENALTIES_PER_WORKER:
        return ratio((double)a->penalty_count, (double)a->worker_days, defined);
    case EG_MON_IND_PENALTY_FEN_PER_WORKER:
        return ratio((double)a->penalty_fen, (double)a->worker_days, defined);
    case EG_MON_IND_PENALTY_APPEAL_SHARE:
        return ratio((double)a->penalty_appealed, (double)a->penalty_events, defined);
    case EG_MON_IND_DEACTIVATIONS:
        return (double)a->deactivations;
    case EG_MON_IND_DEACTIVATIONS_PER_1000:
        return ratio(1000.0 * (double)a->deactivations, mean_workers, defined);
    case EG_MON_IND_DEACTIVATION_CHANNEL_SHARE:
        return ratio((double)a->deactivations_with_channel, (double)a->deactivations, defined);
    case EG_MON_IND_CASES:
        return (double)a->cases;
    case EG_MON_IND_CASES_PER_1000:
        return ratio(1000.0 * (double)a->cases, mean_workers, defined);
    case EG_MON_IND_INSURANCE_COVERAGE:
        return ratio((double)a->covered_days, (double)a->worker_days, defined);
    case EG_MON_IND_CLAIMS:
        return (double)a->claims;
    case EG_MON_IND_CLAIMS_PER_MILLION_ORDERS:
        return ratio(1e6 * (double)a->claims, (double)a->orders, defined);
    case EG_MON_IND_TRAFFIC_INCIDENTS:
        return (double)a->traffic_incidents;
    case EG_MON_IND_TRAFFIC_INJURIES:
        return (double)a->traffic_injuries;
    case EG_MON_IND_TRAFFIC_INJURIES_PER_MILLION_ORDERS:
        return ratio(1e6 * (double)a->traffic_injuries, (double)a->orders, defined);
    case EG_MON_IND_UNCOVERED_INJURIES:
        return (double)a->uncovered_injuries;
    case EG_MON_IND_SOCIAL_INSURANCE_COVERAGE:
        return ratio((double)a->social_days, (double)a->worker_days, defined);
    default:
        *defined = 0;
        return 0;
    }
}

int64_t eg_mon_e4(double v)
{
    double s = v * 10000.0;
    if (s >= 9.2e18)
        return INT64_MAX;
    if (s <= -9.2e18)
        return -INT64_MAX;
    return (int64_t)(s < 0 ? s - 0.5 : s + 0.5);
}

/* --------------------------------------------------------------- rules */

static const char *const op_names[] = {"gt", "ge", "lt", "le"};
static const char *const op_symbols[] = {">", "≥", "<", "≤"};

int eg_mon_op_parse(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, op_names[i]) == 0)
            return i;
    return -1;
}

const char *eg_mon_op_name(enum eg_mon_op op)
{
    return (unsigned)op < 4 ? op_names[op] : "?";
}

const char *eg_mon_op_symbol(enum eg_mon_op op)
{
    return (unsigned)op < 4 ? op_symbols[op] : "?";
}

enum eg_mon_op eg_mon_op_negate(enum eg_mon_op op)
{
    switch (op) {
    case EG_MON_GT:
        return EG_MON_LE;
    case EG_MON_GE:
        return EG_MON_LT;
    case EG_MON_LT:
        return EG_MON_GE;
    case EG_MON_LE:
        return EG_MON_GT;
    }
    return op;
}

int eg_mon_compare(enum eg_mon_op op, int64_t value_e4, int64_t threshold_e4)
{
    switch (op) {
    case EG_MON_GT:
        return value_e4 > threshold_e4;
    case EG_MON_GE:
        return value_e4 >= threshold_e4;
    case EG_MON_LT:
        return value_e4 < threshold_e4;
    case EG_MON_LE:
        return value_e4 <= threshold_e4;
    }
    return 0;
}

int64_t eg_mon_pct_change_e4(double cur, double prev, int *defined)
{
    if (prev == 0) {
        *defined = 0;
        return 0;
    }
    *defined = 1;
    return eg_mon_e4((cur - prev) / fabs(prev) * 100.0);
}

void eg_mon_e4_text(int64_t v, char *out, size_t n)
{
    int64_t a = v < 0 ? -v : v;
    int64_t whole = a / 10000, frac = a % 10000;
    if (frac == 0) {
        snprintf(out, n, "%s%lld", v < 0 ? "-" : "", (long long)whole);
        return;
    }
    char f[8];
    snprintf(f, sizeof f, "%04lld", (long long)frac);
    for (int i = 3; i > 0 && f[i] == '0'; i--)
        f[i] = '\0';
    snprintf(out, n, "%s%lld.%s", v < 0 ? "-" : "", (long long)whole, f);
}

void eg_mon_alert_message(const struct eg_mon_alert_msg *m, char *out, size_t n)
{
    char date[11], v[32], t[32], c[32];
    int ind = eg_mon_indicator_find(m->indicator);
    const char *label = ind >= 0 ? eg_mon_indicators[ind].label : m->indicator;
    const char *sym = eg_mon_op_symbol(m->met ? m->op : eg_mon_op_negate(m->op));
    eg_date_format(m->day, date);
    eg_mon_e4_text(eg_mon_e4(m->value), v, sizeof v);
    eg_mon_e4_text(m->threshold_e4, t, sizeof t);
    eg_mon_e4_text(m->cmp_e4, c, sizeof c);
    if (m->pct)
        snprintf(out, n, "%s: %s (%s) changed %s%% over %d days to %s (%s %s%%) on %s", m->member,
                 label, m->indicator, c, m->window_days, v, sym, t, date);
    else if (m->window_days > 1)
        snprintf(out, n, "%s: %s (%s) = %s over the %d days to %s (%s %s)", m->member, label,
                 m->indicator, v, m->window_days, date, sym, t);
    else
        snprintf(out, n, "%s: %s (%s) = %s on %s (%s %s)", m->member, label, m->indicator, v, date,
                 sym, t);
}

int eg_mon_severity_injured(const char *severity)
{
    return severity && severity[0] && strcmp(severity, "none") != 0;
}

static const char *const state_names[] = {"none", "pending", "firing", "resolved"};

const char *eg_mon_alert_state_name(enum eg_mon_alert_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "none";
}

enum eg_mon_alert_state eg_mon_alert_state_parse(const char *s)
{
    for (int i = 1; s && i < 4; i++)
        if (strcmp(s, state_names[i]) == 0)
            return (enum eg_mon_alert_state)i;
    return EG_MON_ALERT_NONE;
}

enum eg_mon_alert_change eg_mon_alert_step(const struct eg_mon_alert_cur *cur, eg_day day, int hit,
                                           int pending_periods, struct eg_mon_alert_cur *next)
{
    int open = cur->state == EG_MON_ALERT_PENDING || cur->state == EG_MON_ALERT_FIRING;
    if (pending_periods < 1)
        pending_periods = 1;
    *next = *cur;
    if (open && cur->last_period > 0 && day < cur->last_period)
        return EG_MON_CHANGE_NONE; /* an older date than the alert already saw */
    if (cur->state == EG_MON_ALERT_RESOLVED && cur->last_period > 0 && day <= cur->last_period)
        return EG_MON_CHANGE_NONE; /* dates up to the resolution open nothing new */
    if (cur->state == EG_MON_ALERT_RESOLVED)
        next->state = EG_MON_ALERT_NONE;

    if (!open) {
        if (!hit)
            return EG_MON_CHANGE_NONE;
        next->consecutive = 1;
        next->last_period = day;
        next->state = pending_periods <= 1 ? EG_MON_ALERT_FIRING : EG_MON_ALERT_PENDING;
        return EG_MON_CHANGE_OPENED;
    }
    if (!hit) {
        next->state = EG_MON_ALERT_RESOLVED;
        next->consecutive = 0;
        next->last_period = day > cur->last_period ? day : cur->last_period;
        return EG_MON_CHANGE_RESOLVED;
    }
    if (day > cur->last_period) {
        next->consecutive = cur->consecutive + 1;
        next->last_period = day;
    }
    if (cur->state == EG_MON_ALERT_PENDING && next->consecutive >= pending_periods) {
        next->state = EG_MON_ALERT_FIRING;
        return EG_MON_CHANGE_FIRED;
    }
    return EG_MON_CHANGE_UPDATED;
}

/* ----------------------------------------------------------- scorecards */

const char *const eg_mon_principle_names[EG_MON_PRINCIPLES] = {"pay", "conditions", "contracts",
                                                               "management", "representation"};

int eg_mon_principle_parse(const char *s)
{
    for (int i = 0; s && i < EG_MON_PRINCIPLES; i++)
        if (strcmp(s, eg_mon_principle_names[i]) == 0)
            return i;
    return -1;
}

/* Decide a point from evidence alone. */
static void from_evidence(struct eg_mon_point *pt, enum eg_mon_evidence ev, const char *why)
{
    if (ev == EG_MON_EV_NONE) {
        pt->met = 0;
        pt->basis = EG_MON_BASIS_NONE;
        snprintf(pt->detail, sizeof pt->detail, "%sno evidence recorded", why ? why : "");
        return;
    }
    pt->met = ev == EG_MON_EV_MET;
    pt->basis = EG_MON_BASIS_EVIDENCE;
    snprintf(pt->detail, sizeof pt->detail, "%sevidence: %s", why ? why : "",
             pt->met ? "met" : "not met");
}

/* A decision made by data; fmt takes the two numbers a and b. */
__attribute__((format(printf, 3, 0))) static void from_data(struct eg_mon_point *pt, int met,
                                                            const char *fmt, double a, double b)
{
    pt->met = met;
    pt->basis = EG_MON_BASIS_DATA;
    snprintf(pt->detail, sizeof pt->detail, fmt, a, b);
}

void eg_mon_scorecard_compute(const struct eg_mon_scorecard_in *in, struct eg_mon_scorecard *out)
{
    const struct eg_mon_agg *a = in->agg;
    int enough = a->worker_days >= EG_MON_SC_MIN_WORKER_DAYS && a->paid_days > 0;
    const char *thin = "too little data to decide; ";
    memset(out, 0, sizeof *out);

    /* Pay. */
    struct eg_mon_point *pb = &out->points[EG_MON_PAY][0], *pa = &out->points[EG_MON_PAY][1];
    if (enough) {
        int64_t ok_bp = (a->paid_days - a->low_pay_days) * 10000 / a->paid_days;
        from_data(pb, ok_bp >= EG_MON_SC_PAY_BASIC_BP,
                  "%.1f%% of paid days at or above the hourly minimum (needs %.0f%%)",
                  (double)ok_bp / 100.0, EG_MON_SC_PAY_BASIC_BP / 100.0);
        int defined = 0;
        int64_t median = eg_mon_hist_median(a->hist, &defined);
        int64_t need = in->params->min_wage_hourly_fen * EG_MON_SC_PAY_ADVANCED_PCT / 100;
        from_data(pa, defined && median >= need,
                  "median hourly income %.2f yuan (needs %.2f yuan, 150%% of the minimum)",
                  (double)median / 100.0, (double)need / 100.0);
    } else {
        from_evidence(pb, in->evidence[EG_MON_PAY][0], thin);
        from_evidence(pa, in->evidence[EG_MON_PAY][1], thin);
    }

    /* Conditions: basic from fatigue and insurance; advanced from evidence. */
    struct eg_mon_point *cb = &out->points[EG_MON_CONDITIONS][0];
    if (a->worker_days >= EG_MON_SC_MIN_WORKER_DAYS) {
        int64_t fat_bp = a->fatigue_days * 10000 / a->worker_days;
        int64_t cov_bp = a->covered_days * 10000 / a->worker_days;
        from_data(cb, fat_bp < EG_MON_SC_FATIGUE_MAX_BP && cov_bp >= EG_MON_SC_COVERAGE_MIN_BP,
                  "fatigue share %.1f%% (under 5%% needed), insurance coverage %.1f%% (80%% "
                  "needed)",
                  (double)fat_bp / 100.0, (double)cov_bp / 100.0);
    } else {
        from_evidence(cb, in->evidence[EG_MON_CONDITIONS][0], thin);
    }
    from_evidence(&out->points[EG_MON_CONDITIONS][1], in->evidence[EG_MON_CONDITIONS][1], NULL);

    /* Contracts: evidence only. */
    from_evidence(&out->points[EG_MON_CONTRACTS][0], in->evidence[EG_MON_CONTRACTS][0], NULL);
    from_evidence(&out->points[EG_MON_CONTRACTS][1], in->evidence[EG_MON_CONTRACTS][1], NULL);

    /* Management: basic from the appeal channel (declared, and named on deactivations). */
    struct eg_mon_point *mb = &out->points[EG_MON_MANAGEMENT][0];
    if (!in->appeal_channel_declared) {
        mb->met = 0;
        mb->basis = EG_MON_BASIS_DATA;
        snprintf(mb->detail, sizeof mb->detail, "the platform names no appeal channel");
    } else if (a->deactivations > 0) {
        int64_t ch_bp = a->deactivations_with_channel * 10000 / a->deactivations;
        from_data(mb, ch_bp >= EG_MON_SC_CHANNEL_MIN_BP,
                  "%.1f%% of deactivations name an appeal channel (needs %.0f%%)",
                  (double)ch_bp / 100.0, EG_MON_SC_CHANNEL_MIN_BP / 100.0);
    } else {
        mb->met = 1;
        mb->basis = EG_MON_BASIS_DATA;
        snprintf(mb->detail, sizeof mb->detail,
                 "an appeal channel is declared and no deactivations were reported");
    }
    from_evidence(&out->points[EG_MON_MANAGEMENT][1], in->evidence[EG_MON_MANAGEMENT][1], NULL);

    /* Representation: evidence only. */
    from_evidence(&out->points[EG_MON_REPRESENTATION][0], in->evidence[EG_MON_REPRESENTATION][0],
                  NULL);
    from_evidence(&out->points[EG_MON_REPRESENTATION][1], in->evidence[EG_MON_REPRESENTATION][1],
                  NULL);

    /* An advanced point needs its basic point. */
    for (int i = 0; i < EG_MON_PRINCIPLES; i++) {
        struct eg_mon_point *adv = &out->points[i][1];
        if (adv->met && !out->points[i][0].met) {
            adv->met = 0;
            snprintf(adv->detail, sizeof adv->detail, "not awarded without the basic point");
        }
        out->score += out->points[i][0].met + adv->met;
    }
}
