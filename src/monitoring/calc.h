/*
 * calc.h — the monitoring module's arithmetic, free of HTTP and SQL so that
 * it can be checked by hand in unit tests:
 *
 *   - daily aggregates: what one work record, penalty event or
 *     deactivation adds to the sums of its (day, platform, district) group,
 *     and how groups add up (weeks, sectors, districts and the city are
 *     sums of daily groups, so every view rolls up exactly);
 *   - the hourly-income histogram behind the median;
 *   - the indicator catalogue and each indicator's value from summed
 *     aggregates;
 *   - alert rules: comparisons, % change over a window, and the alert state
 *     machine (pending → firing → resolved);
 *   - Fairwork-style scorecards from data and evidence.
 *
 * Money stays integer fen. Indicator values that are ratios or averages are
 * doubles for output only; alert thresholds and stored values are integers
 * scaled by 10^4 (`*_e4`).
 */
#ifndef EG_MONITORING_CALC_H
#define EG_MONITORING_CALC_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"
#include "core/time.h"

/* Hourly-income histogram: buckets of 50 fen per hour from 0 up to
 * 200 yuan per hour; the last bucket holds everything above. */
#define EG_MON_HIST_STEP_FEN 50
#define EG_MON_HIST_BUCKETS  401
/* Longest text form of a histogram ("b:c," per non-empty bucket). */
#define EG_MON_HIST_TEXT_MAX (EG_MON_HIST_BUCKETS * 26 + 1)

/* The city's rules the sums depend on (from [city] in the configuration). */
struct eg_mon_params {
    int64_t min_wage_hourly_fen; /* hourly minimum wage, e.g. 2100 */
    int fatigue_minutes;         /* online longer than this is a fatigue day, e.g. 720 */
};

/* One worker's day on one platform, as fed. */
struct eg_mon_work {
    int64_t orders;
    int64_t online_minutes;
    int64_t order_minutes;
    int64_t income_fen;
    int64_t penalty_count;
    int64_t penalty_fen;
};

/*
 * The sums of one group (or of many groups added together). Every field is
 * a plain sum, so adding two aggregates is adding field by field.
 */
struct eg_mon_agg {
    int64_t days;        /* calendar days covered (set by whoever sums a period) */
    int64_t records;     /* work records */
    int64_t worker_days; /* records with any orders or online time (active worker-days) */
    int64_t orders;
    int64_t online_minutes;
    int64_t order_minutes;
    int64_t income_fen;
    int64_t penalty_count; /* penalties reported in the daily records */
    int64_t penalty_fen;
    int64_t fatigue_days;   /* worker-days online longer than fatigue_minutes */
    int64_t paid_days;      /* worker-days with online time (hourly income defined) */
    int64_t low_pay_days;   /* of paid_days, those with hourly income below the minimum */
    int64_t penalty_events; /* penalty events fed one by one */
    int64_t penalty_events_fen;
    int64_t penalty_appealed;
    int64_t deactivations;
    int64_t deactivations_with_channel; /* deactivations that name an appeal channel */
    int64_t cases;                      /* cases submitted against the platform (cases module) */
    int64_t claims;             /* injury claims of its workers that day (insurance module) */
    int64_t covered_days;       /* active worker-days with a cover-day (insurance module) */
    int64_t traffic_incidents;  /* traffic incidents of its workers (departments' feed) */
    int64_t traffic_injuries;   /* of those, with someone hurt (severity other than none) */
    int64_t uncovered_injuries; /* injured with no cover in force and no claim (findings) */
    int64_t social_days;        /* active worker-days with social insurance paid that month */
    int64_t hist[EG_MON_HIST_BUCKETS]; /* paid_days by hourly income bucket */
};

/* Empty an aggregate. */
void eg_mon_agg_clear(struct eg_mon_agg *a);

/* dst += src, field by field (days included). */
void eg_mon_agg_merge(struct eg_mon_agg *dst, const struct eg_mon_agg *src);

/* The hourly income of a day in fen per hour, rounded down; 0 when no online time. */
int64_t eg_mon_hourly_fen(int64_t income_fen, int64_t online_minutes);

/* The histogram bucket of a day with online time. */
int eg_mon_hist_bucket(int64_t income_fen, int64_t online_minutes);

/* Whether a day with online time paid below the hourly minimum
 * (income × 60 < minimum × minutes, exactly, in integers). */
int eg_mon_below_min_wage(const struct eg_mon_params *p, int64_t income_fen,
                          int64_t online_minutes);

/* Add (sign = +1) or take away (sign = -1) one work record's share. */
void eg_mon_agg_add_work(struct eg_mon_agg *a, const struct eg_mon_params *p,
                         const struct eg_mon_work *w, int sign);

/* Add or take away one penalty event / one deactivation. */
void eg_mon_agg_add_penalty(struct eg_mon_agg *a, int64_t amount_fen, int appealed, int sign);
void eg_mon_agg_add_deactivation(struct eg_mon_agg *a, int with_channel, int sign);

/*
 * The histogram as text, "bucket:count" pairs for non-empty buckets joined by
 * commas ("" when empty), into out of at least EG_MON_HIST_TEXT_MAX bytes.
 */
void eg_mon_hist_encode(const int64_t hist[EG_MON_HIST_BUCKETS], char *out, size_t outsz);

/* Add (sign +1 / -1) a histogram text to hist. EG_E_INVALID_FIELD if malformed. */
enum eg_status eg_mon_hist_decode_add(const char *text, int64_t hist[EG_MON_HIST_BUCKETS],
                                      int sign);

/*
 * The median hourly income in fen from the histogram, interpolated linearly
 * inside the bucket that holds the middle day (exact to the bucket width).
 * Returns 0 with *defined = 0 when the histogram is empty.
 */
int64_t eg_mon_hist_median(const int64_t hist[EG_MON_HIST_BUCKETS], int *defined);

/* ---------------------------------------------------------- indicators */

enum eg_mon_ind {
    EG_MON_IND_ACTIVE_WORKERS,          /* active workers (a period: mean per day) */
    EG_MON_IND_WORKER_DAYS,             /* active worker-days */
    EG_MON_IND_ONLINE_HOURS,            /* total online hours */
    EG_MON_IND_ONLINE_HOURS_PER_WORKER, /* mean online hours per active worker-day */
    EG_MON_IND_FATIGUE_SHARE,           /* share of worker-days online over the fatigue limit */
    EG_MON_IND_BELOW_MIN_WAGE_SHARE,    /* share of worker-days paid below the hourly minimum */
    EG_MON_IND_HOURLY_INCOME_MEAN,      /* fen per online hour, all income over all hours */
    EG_MON_IND_HOURLY_INCOME_MEDIAN,    /* median of the worker-days' hourly income, fen */
    EG_MON_IND_MIN_WAGE_RATIO,          /* median hourly income / hourly minimum */
    EG_MON_IND_ORDERS,                  /* orders */
    EG_MON_IND_INCOME,                  /* income, fen */
    EG_MON_IND_PENALTIES_PER_100_ORDERS,
    EG_MON_IND_PENALTIES_PER_WORKER,   /* penalties per active worker-day */
    EG_MON_IND_PENALTY_FEN_PER_WORKER, /* penalty amount per active worker-day, fen */
    EG_MON_IND_PENALTY_APPEAL_SHARE,   /* share of penalty events appealed */
    EG_MON_IND_DEACTIVATIONS,
    EG_MON_IND_DEACTIVATIONS_PER_1000,     /* per 1,000 active workers */
    EG_MON_IND_DEACTIVATION_CHANNEL_SHARE, /* share of deactivations naming an appeal channel */
    EG_MON_IND_CASES,
    EG_MON_IND_CASES_PER_1000,     /* per 1,000 active workers */
    EG_MON_IND_INSURANCE_COVERAGE, /* share of active worker-days insured */
    EG_MON_IND_CLAIMS,
    EG_MON_IND_CLAIMS_PER_MILLION_ORDERS,
    EG_MON_IND_TRAFFIC_INCIDENTS, /* traffic incidents (departments' feed) */
    EG_MON_IND_TRAFFIC_INJURIES,  /* of those, with someone hurt */
    EG_MON_IND_TRAFFIC_INJURIES_PER_MILLION_ORDERS,
    EG_MON_IND_UNCOVERED_INJURIES,        /* injured, no cover in force, no claim */
    EG_MON_IND_SOCIAL_INSURANCE_COVERAGE, /* share of active worker-days with social insurance paid
                                           */
    EG_MON_IND_COUNT
};

struct eg_mon_indicator {
    const char *name;        /* API name, e.g. "fatigue_share" */
    const char *unit;        /* "workers", "share", "fen", "hours", "per_100_orders" … */
    const char *label;       /* Chinese label for exports and the dashboard */
    const char *description; /* English definition */
};

/* The catalogue, indexed by enum eg_mon_ind. */
extern const struct eg_mon_indicator eg_mon_indicators[EG_MON_IND_COUNT];

/* The indicator of a name, or -1. */
int eg_mon_indicator_find(const char *name);

/*
 * The value of indicator ind over the summed aggregate a (a->days days).
 * *defined is 0 when the value has no meaning (a share of nothing), and the
 * value is then 0.
 */
double eg_mon_indicator_value(int ind, const struct eg_mon_agg *a, const struct eg_mon_params *p,
                              int *defined);

/* A value scaled by 10^4 and rounded half away from zero (for storing and comparing). */
int64_t eg_mon_e4(double v);

/* --------------------------------------------------------------- rules */

enum eg_mon_op { EG_MON_GT, EG_MON_GE, EG_MON_LT, EG_MON_LE };

/* "gt" → EG_MON_GT …; -1 if unknown. */
int eg_mon_op_parse(const char *s);
const char *eg_mon_op_name(enum eg_mon_op op);
const char *eg_mon_op_symbol(enum eg_mon_op op); /* ">" "≥" "<" "≤" */

/* The comparison that holds exactly when op does not: gt → le, ge → lt … */
enum eg_mon_op eg_mon_op_negate(enum eg_mon_op op);

/* Whether value op threshold (both scaled by 10^4). */
int eg_mon_compare(enum eg_mon_op op, int64_t value_e4, int64_t threshold_e4);

/*
 * The % change from prev to cur, scaled by 10^4 (+25 % is 250000).
 * *defined is 0 when prev is 0 (no baseline).
 */
int64_t eg_mon_pct_change_e4(double cur, double prev, int *defined);

/* A number scaled by 10^4 as text without trailing zeros ("0.1523", "12", "-3.5"). */
void eg_mon_e4_text(int64_t v, char *out, size_t n);

/* What an alert's message says. */
struct eg_mon_alert_msg {
    const char *member;    /* the scope member's name, e.g. "全市 city" */
    const char *indicator; /* the rule's indicator name (its label is looked up) */
    int pct;               /* 1: a % change rule */
    enum eg_mon_op op;
    int64_t threshold_e4;
    int window_days;
    double value;   /* the indicator's value */
    int64_t cmp_e4; /* what was compared: the value, or the % change */
    eg_day day;     /* the evaluated date */
    int met;        /* 1: the condition holds (opened, updated, fired); 0: it no longer does */
};

/*
 * The message of an alert evaluation into out (n bytes): who, what, the
 * value, the comparison and the date, e.g. "全市 city: … = 3 on 2026-05-01
 * (> 0)". When the condition is not met (a resolution) the comparison
 * shown is the negated one, so the text states what is true of the value
 * ("= 2 … (< 3)" for a rule "≥ 3").
 */
void eg_mon_alert_message(const struct eg_mon_alert_msg *m, char *out, size_t n);

/* Whether a traffic incident's severity means someone was hurt (anything but "none"). */
int eg_mon_severity_injured(const char *severity);

enum eg_mon_alert_state {
    EG_MON_ALERT_NONE = 0, /* no open alert (none yet, or the last one resolved) */
    EG_MON_ALERT_PENDING,
    EG_MON_ALERT_FIRING,
    EG_MON_ALERT_RESOLVED
};

const char *eg_mon_alert_state_name(enum eg_mon_alert_state s);
enum eg_mon_alert_state eg_mon_alert_state_parse(const char *s); /* NONE if unknown */

/* Where an alert of one rule and one scope member stands (its latest episode). */
struct eg_mon_alert_cur {
    enum eg_mon_alert_state state; /* NONE (never), PENDING, FIRING or RESOLVED */
    int consecutive;               /* evaluations in a row that met the condition */
    eg_day last_period;            /* the last date evaluated (0 = never) */
};

/* What one evaluation did. */
enum eg_mon_alert_change {
    EG_MON_CHANGE_NONE,    /* nothing to record (still quiet, or an old date) */
    EG_MON_CHANGE_OPENED,  /* a new alert began (pending, or firing at once) */
    EG_MON_CHANGE_UPDATED, /* same state, new value or count */
    EG_MON_CHANGE_FIRED,   /* pending → firing */
    EG_MON_CHANGE_RESOLVED /* pending or firing → resolved */
};

/*
 * One evaluation of a rule for one scope member on date `day`: hit says
 * whether the condition held. An evaluation of a date later than
 * last_period counts a new period; the same date again re-checks it (a
 * batch may change that day's data) without counting twice; an older date
 * is ignored, and after a resolution only later dates may open a new
 * alert. An alert fires after pending_periods consecutive periods (1 = at
 * once) and resolves on the first period that does not hold.
 * *next gets the new position; the return says what changed.
 */
enum eg_mon_alert_change eg_mon_alert_step(const struct eg_mon_alert_cur *cur, eg_day day, int hit,
                                           int pending_periods, struct eg_mon_alert_cur *next);

/* ----------------------------------------------------------- scorecards */

enum eg_mon_principle {
    EG_MON_PAY,
    EG_MON_CONDITIONS,
    EG_MON_CONTRACTS,
    EG_MON_MANAGEMENT,
    EG_MON_REPRESENTATION,
    EG_MON_PRINCIPLES
};

extern const char *const eg_mon_principle_names[EG_MON_PRINCIPLES];
int eg_mon_principle_parse(const char *s); /* -1 if unknown */

/* Evidence entered by staff for one point: none, met or not met. */
enum eg_mon_evidence { EG_MON_EV_NONE = 0, EG_MON_EV_MET, EG_MON_EV_NOT_MET };

/* Where a point's verdict came from. */
enum eg_mon_basis { EG_MON_BASIS_NONE, EG_MON_BASIS_DATA, EG_MON_BASIS_EVIDENCE };

struct eg_mon_point {
    int met; /* 1 awarded, 0 not */
    enum eg_mon_basis basis;
    char detail[160]; /* why, in English */
};

/* Thresholds of the data-decided points (documented in the scorecard API). */
#define EG_MON_SC_MIN_WORKER_DAYS  30   /* fewer active worker-days: data cannot decide */
#define EG_MON_SC_PAY_BASIC_BP     9000 /* ≥ 90 % of paid days at or above the minimum */
#define EG_MON_SC_PAY_ADVANCED_PCT 150  /* median hourly income ≥ 150 % of the minimum */
#define EG_MON_SC_FATIGUE_MAX_BP   500  /* fatigue share under 5 % */
#define EG_MON_SC_COVERAGE_MIN_BP  8000 /* insurance coverage ≥ 80 % */
#define EG_MON_SC_CHANNEL_MIN_BP   9500 /* ≥ 95 % of deactivations name an appeal channel */

struct eg_mon_scorecard_in {
    const struct eg_mon_agg *agg; /* the period's sums for the platform */
    const struct eg_mon_params *params;
    int appeal_channel_declared; /* the platform names an appeal channel in its record */
    enum eg_mon_evidence evidence[EG_MON_PRINCIPLES][2]; /* [principle][0 basic, 1 advanced] */
};

struct eg_mon_scorecard {
    struct eg_mon_point points[EG_MON_PRINCIPLES][2];
    int score; /* 0–10 */
};

/*
 * Score a platform: data decides pay (basic and advanced), conditions
 * (basic) and management (basic) when there is enough of it; every other
 * point, and any of those without enough data, is decided by evidence. An
 * advanced point is only awarded with the basic one (as Fairwork does).
 */
void eg_mon_scorecard_compute(const struct eg_mon_scorecard_in *in, struct eg_mon_scorecard *out);

#endif
