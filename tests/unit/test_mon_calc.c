/*
 * test_mon_calc.c — the monitoring arithmetic on small hand-checked data:
 * what work records, penalties and deactivations add to a day's sums; the
 * hourly-income histogram and its median; every indicator; rule
 * comparisons and % change; the alert state machine (pending period,
 * firing, resolving, re-evaluating a date, old dates); scorecards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "monitoring/calc.h"

static const struct eg_mon_params P = {2100, 720};

static void add(struct eg_mon_agg *a, int64_t orders, int64_t online, int64_t order_min,
                int64_t income, int64_t pc, int64_t pf)
{
    struct eg_mon_work w = {orders, online, order_min, income, pc, pf};
    eg_mon_agg_add_work(a, &P, &w, 1);
}

static double ind(const struct eg_mon_agg *a, int i, int *defined)
{
    return eg_mon_indicator_value(i, a, &P, defined);
}

/* Three workers' days, sums and shares worked out by hand. */
static void test_work_sums(void **state)
{
    struct eg_mon_agg a;
    int d = 0;
    (void)state;
    eg_mon_agg_clear(&a);
    /* 10 h online, 300 yuan: 30 yuan/h (above 21) */
    add(&a, 25, 600, 420, 30000, 1, 2000);
    /* 13 h online, 260 yuan: 20 yuan/h (below 21), a fatigue day */
    add(&a, 30, 780, 500, 26000, 0, 0);
    /* 2 h online, 42 yuan: exactly 21 yuan/h: not below */
    add(&a, 4, 120, 100, 4200, 2, 1000);
    /* a record of zeros: counted as a record, not as a worker-day */
    add(&a, 0, 0, 0, 0, 0, 0);
    a.days = 1;
    assert_int_equal(a.records, 4);
    assert_int_equal(a.worker_days, 3);
    assert_int_equal(a.orders, 59);
    assert_int_equal(a.online_minutes, 1500);
    assert_int_equal(a.income_fen, 60200);
    assert_int_equal(a.penalty_count, 3);
    assert_int_equal(a.penalty_fen, 3000);
    assert_int_equal(a.fatigue_days, 1);
    assert_int_equal(a.paid_days, 3);
    assert_int_equal(a.low_pay_days, 1);

    assert_true(ind(&a, EG_MON_IND_ACTIVE_WORKERS, &d) == 3.0 && d);
    assert_true(ind(&a, EG_MON_IND_ONLINE_HOURS, &d) == 25.0 && d);
    assert_true(ind(&a, EG_MON_IND_ONLINE_HOURS_PER_WORKER, &d) == 25.0 / 3.0);
    assert_true(ind(&a, EG_MON_IND_FATIGUE_SHARE, &d) == 1.0 / 3.0);
    assert_true(ind(&a, EG_MON_IND_BELOW_MIN_WAGE_SHARE, &d) == 1.0 / 3.0);
    /* 60200 fen over 1500 minutes: 2408 fen per hour */
    assert_true(ind(&a, EG_MON_IND_HOURLY_INCOME_MEAN, &d) == 2408.0);
    assert_true(ind(&a, EG_MON_IND_PENALTIES_PER_100_ORDERS, &d) == 300.0 / 59.0);
    assert_true(ind(&a, EG_MON_IND_PENALTIES_PER_WORKER, &d) == 1.0);
    assert_true(ind(&a, EG_MON_IND_PENALTY_FEN_PER_WORKER, &d) == 1000.0);

    /* Taking a record away undoes exactly what adding it did. */
    struct eg_mon_work w = {30, 780, 500, 26000, 0, 0};
    eg_mon_agg_add_work(&a, &P, &w, -1);
    assert_int_equal(a.fatigue_days, 0);
    assert_int_equal(a.low_pay_days, 0);
    assert_int_equal(a.worker_days, 2);
    assert_int_equal(a.online_minutes, 720);
}

static void test_below_min_wage_exact(void **state)
{
    (void)state;
    /* 2100 fen/h: 60 minutes for 2100 fen is not below, 2099 is */
    assert_false(eg_mon_below_min_wage(&P, 2100, 60));
    assert_true(eg_mon_below_min_wage(&P, 2099, 60));
    /* 7 minutes: the minimum is 245 fen */
    assert_false(eg_mon_below_min_wage(&P, 245, 7));
    assert_true(eg_mon_below_min_wage(&P, 244, 7));
    assert_false(eg_mon_below_min_wage(&P, 0, 0)); /* no online time: not counted */
    assert_int_equal(eg_mon_hourly_fen(2100, 60), 2100);
    assert_int_equal(eg_mon_hourly_fen(100, 7), 857);
    assert_int_equal(eg_mon_hourly_fen(100, 0), 0);
}

static void test_events(void **state)
{
    struct eg_mon_agg a;
    int d = 0;
    (void)state;
    eg_mon_agg_clear(&a);
    eg_mon_agg_add_penalty(&a, 5000, 1, 1);
    eg_mon_agg_add_penalty(&a, 2000, 0, 1);
    eg_mon_agg_add_penalty(&a, 1000, 0, 1);
    eg_mon_agg_add_penalty(&a, 1000, 0, -1);
    eg_mon_agg_add_deactivation(&a, 1, 1);
    eg_mon_agg_add_deactivation(&a, 0, 1);
    assert_int_equal(a.penalty_events, 2);
    assert_int_equal(a.penalty_events_fen, 7000);
    assert_int_equal(a.penalty_appealed, 1);
    assert_true(ind(&a, EG_MON_IND_PENALTY_APPEAL_SHARE, &d) == 0.5 && d);
    assert_true(ind(&a, EG_MON_IND_DEACTIVATION_CHANNEL_SHARE, &d) == 0.5 && d);
    /* Per 1,000 workers: no workers, no rate. */
    ind(&a, EG_MON_IND_DEACTIVATIONS_PER_1000, &d);
    assert_false(d);
    ind(&a, EG_MON_IND_FATIGUE_SHARE, &d);
    assert_false(d);
}

/* Per-1,000 and per-million rates, weeks as means, external counts. */
static void test_rates_and_periods(void **state)
{
    struct eg_mon_agg a;
    int d = 0;
    (void)state;
    eg_mon_agg_clear(&a);
    a.days = 7;
    a.worker_days = 14000; /* 2,000 workers a day on average */
    a.orders = 500000;
    a.deactivations = 6;
    a.cases = 3;
    a.claims = 2;
    a.covered_days = 10500;
    assert_true(ind(&a, EG_MON_IND_ACTIVE_WORKERS, &d) == 2000.0);
    assert_true(ind(&a, EG_MON_IND_DEACTIVATIONS_PER_1000, &d) == 3.0);
    assert_true(ind(&a, EG_MON_IND_CASES_PER_1000, &d) == 1.5);
    assert_true(ind(&a, EG_MON_IND_INSURANCE_COVERAGE, &d) == 0.75);
    assert_true(ind(&a, EG_MON_IND_CLAIMS_PER_MILLION_ORDERS, &d) == 4.0);

    /* Sums of days equal the days' sums (the roll-up is exact). */
    struct eg_mon_agg d1, d2, sum;
    eg_mon_agg_clear(&d1);
    eg_mon_agg_clear(&d2);
    eg_mon_agg_clear(&sum);
    add(&d1, 10, 300, 200, 15000, 0, 0);
    add(&d2, 20, 800, 600, 20000, 1, 500);
    d1.days = d2.days = 1;
    eg_mon_agg_merge(&sum, &d1);
    eg_mon_agg_merge(&sum, &d2);
    assert_int_equal(sum.days, 2);
    assert_int_equal(sum.worker_days, 2);
    assert_int_equal(sum.fatigue_days, 1);
    assert_int_equal(sum.income_fen, 35000);
    assert_true(ind(&sum, EG_MON_IND_ACTIVE_WORKERS, &d) == 1.0);
}

static void test_histogram_median(void **state)
{
    int64_t h[EG_MON_HIST_BUCKETS];
    char text[EG_MON_HIST_TEXT_MAX];
    int defined = 0;
    (void)state;
    memset(h, 0, sizeof h);
    assert_int_equal(eg_mon_hist_median(h, &defined), 0);
    assert_false(defined);
    /* one day at 2000 fen/h: bucket 40 = [2000, 2050); the median is its middle */
    h[eg_mon_hist_bucket(20000, 600)] += 1;
    assert_int_equal(eg_mon_hist_bucket(20000, 600), 40);
    assert_int_equal(eg_mon_hist_median(h, &defined), 2025);
    assert_true(defined);
    /* three more days: 3000 (bucket 60) ×2, 1000 (bucket 20): sorted 1000, 2000, 3000, 3000;
     * the lower median is the 2nd: 2000's bucket */
    h[60] += 2;
    h[20] += 1;
    assert_int_equal(eg_mon_hist_median(h, &defined), 2025);
    h[60] += 1; /* five days: the 3rd is in bucket 60 (its first of three) */
    assert_int_equal(eg_mon_hist_median(h, &defined), 3000 + 50 / 6);

    /* Text round trip, and adding texts adds histograms. */
    eg_mon_hist_encode(h, text, sizeof text);
    assert_string_equal(text, "20:1,40:1,60:3");
    int64_t back[EG_MON_HIST_BUCKETS];
    memset(back, 0, sizeof back);
    assert_int_equal(eg_mon_hist_decode_add(text, back, 1), EG_OK);
    assert_int_equal(eg_mon_hist_decode_add("60:-1", back, 1), EG_OK);
    assert_int_equal(back[60], 2);
    assert_int_equal(eg_mon_hist_decode_add(text, back, -1), EG_OK);
    assert_int_equal(back[60], -1);
    assert_int_equal(eg_mon_hist_decode_add("", back, 1), EG_OK);
    assert_int_not_equal(eg_mon_hist_decode_add("401:1", back, 1), EG_OK);
    assert_int_not_equal(eg_mon_hist_decode_add("x", back, 1), EG_OK);
    assert_int_not_equal(eg_mon_hist_decode_add("1:2;3", back, 1), EG_OK);
    /* Very high incomes all land in the last bucket. */
    assert_int_equal(eg_mon_hist_bucket(10000000, 60), EG_MON_HIST_BUCKETS - 1);
}

static void test_indicator_catalogue(void **state)
{
    (void)state;
    for (int i = 0; i < EG_MON_IND_COUNT; i++) {
        assert_non_null(eg_mon_indicators[i].name);
        assert_int_equal(eg_mon_indicator_find(eg_mon_indicators[i].name), i);
    }
    assert_int_equal(eg_mon_indicator_find("nope"), -1);
    assert_int_equal(eg_mon_indicator_find(NULL), -1);
    /* min wage ratio: median over the minimum */
    struct eg_mon_agg a;
    int d = 0;
    eg_mon_agg_clear(&a);
    a.hist[84] = 1; /* [4200, 4250): median 4225 */
    assert_true(ind(&a, EG_MON_IND_MIN_WAGE_RATIO, &d) == 4225.0 / 2100.0 && d);
    assert_int_equal(eg_mon_e4(0.15234), 1523);
    assert_int_equal(eg_mon_e4(-0.00005), -1);
    assert_int_equal(eg_mon_e4(2.5), 25000);
}

static void test_comparisons(void **state)
{
    (void)state;
    assert_int_equal(eg_mon_op_parse("gt"), EG_MON_GT);
    assert_int_equal(eg_mon_op_parse("le"), EG_MON_LE);
    assert_int_equal(eg_mon_op_parse("eq"), -1);
    assert_true(eg_mon_compare(EG_MON_GT, 1501, 1500));
    assert_false(eg_mon_compare(EG_MON_GT, 1500, 1500));
    assert_true(eg_mon_compare(EG_MON_GE, 1500, 1500));
    assert_false(eg_mon_compare(EG_MON_GE, 1499, 1500));
    assert_true(eg_mon_compare(EG_MON_LT, 1499, 1500));
    assert_false(eg_mon_compare(EG_MON_LT, 1500, 1500));
    assert_true(eg_mon_compare(EG_MON_LE, 1500, 1500));
    assert_false(eg_mon_compare(EG_MON_LE, 1501, 1500));
    int d = 0;
    assert_int_equal(eg_mon_pct_change_e4(1.3, 1.0, &d), 300000);
    assert_true(d);
    assert_int_equal(eg_mon_pct_change_e4(0.5, 1.0, &d), -500000);
    assert_int_equal(eg_mon_pct_change_e4(-1.5, -1.0, &d), -500000);
    eg_mon_pct_change_e4(1.0, 0.0, &d);
    assert_false(d);
    assert_string_equal(eg_mon_op_symbol(EG_MON_GE), "≥");
}

/* The message of a firing and of a resolution: a resolution states the
 * negated comparison, so the text is true of the value it shows. */
static void test_alert_message(void **state)
{
    (void)state;
    char out[400];
    eg_day d = eg_day_from_civil(2026, 5, 1);
    struct eg_mon_alert_msg m = {.member = "全市 city",
                                 .indicator = "overdue_cases",
                                 .op = EG_MON_GE,
                                 .threshold_e4 = 30000,
                                 .window_days = 1,
                                 .value = 4,
                                 .cmp_e4 = 40000,
                                 .day = d,
                                 .met = 1};
    eg_mon_alert_message(&m, out, sizeof out);
    assert_string_equal(out, "全市 city: overdue_cases (overdue_cases) = 4 on 2026-05-01 (≥ 3)");
    m.value = 2;
    m.cmp_e4 = 20000;
    m.met = 0;
    eg_mon_alert_message(&m, out, sizeof out);
    assert_string_equal(out, "全市 city: overdue_cases (overdue_cases) = 2 on 2026-05-01 (< 3)");
    /* every operator's negation */
    const char *neg[4] = {"≤", "<", "≥", ">"};
    for (int op = EG_MON_GT; op <= EG_MON_LE; op++) {
        assert_string_equal(eg_mon_op_symbol(eg_mon_op_negate((enum eg_mon_op)op)), neg[op]);
        for (int64_t v = 1499; v <= 1501; v++)
            assert_int_equal(eg_mon_compare(eg_mon_op_negate((enum eg_mon_op)op), v, 1500),
                             !eg_mon_compare((enum eg_mon_op)op, v, 1500));
    }
    /* an indicator over a window, and a % change rule */
    m.indicator = "fatigue_share";
    m.op = EG_MON_GT;
    m.threshold_e4 = 3000;
    m.window_days = 7;
    m.value = 0.25;
    m.cmp_e4 = 2500;
    eg_mon_alert_message(&m, out, sizeof out);
    assert_string_equal(out, "全市 city: 超时劳动占比 (fatigue_share) = 0.25 over the 7 days to "
                             "2026-05-01 (≤ 0.3)");
    m.pct = 1;
    m.op = EG_MON_GT;
    m.threshold_e4 = 500000;
    m.cmp_e4 = 100000;
    eg_mon_alert_message(&m, out, sizeof out);
    assert_string_equal(out, "全市 city: 超时劳动占比 (fatigue_share) changed 10% over 7 days to "
                             "0.25 (≤ 50%) on 2026-05-01");
    m.met = 1;
    m.cmp_e4 = 600000;
    eg_mon_alert_message(&m, out, sizeof out);
    assert_non_null(strstr(out, "changed 60% over 7 days to 0.25 (> 50%)"));
}

/* Department-feed figures: traffic injuries and social-insurance coverage. */
static void test_department_indicators(void **state)
{
    (void)state;
    struct eg_mon_agg a, b;
    int d = 0;
    eg_mon_agg_clear(&a);
    eg_mon_agg_clear(&b);
    a.days = 1;
    a.orders = 500000;
    a.worker_days = 4;
    a.traffic_incidents = 3;
    a.traffic_injuries = 2;
    a.uncovered_injuries = 1;
    a.social_days = 1;
    b = a;
    eg_mon_agg_merge(&b, &a);
    assert_int_equal(b.traffic_incidents, 6);
    assert_int_equal(b.uncovered_injuries, 2);
    assert_int_equal(b.social_days, 2);
    assert_true(ind(&a, EG_MON_IND_TRAFFIC_INCIDENTS, &d) == 3 && d);
    assert_true(ind(&a, EG_MON_IND_TRAFFIC_INJURIES, &d) == 2 && d);
    assert_true(ind(&a, EG_MON_IND_TRAFFIC_INJURIES_PER_MILLION_ORDERS, &d) == 4 && d);
    assert_true(ind(&a, EG_MON_IND_UNCOVERED_INJURIES, &d) == 1 && d);
    assert_true(ind(&a, EG_MON_IND_SOCIAL_INSURANCE_COVERAGE, &d) == 0.25 && d);
    a.worker_days = 0;
    a.orders = 0;
    ind(&a, EG_MON_IND_SOCIAL_INSURANCE_COVERAGE, &d);
    assert_false(d);
    ind(&a, EG_MON_IND_TRAFFIC_INJURIES_PER_MILLION_ORDERS, &d);
    assert_false(d);
    assert_true(eg_mon_severity_injured("minor"));
    assert_true(eg_mon_severity_injured("fatal"));
    assert_false(eg_mon_severity_injured("none"));
    assert_false(eg_mon_severity_injured(""));
}

/* One evaluation of date day with hit; returns what changed. */
static enum eg_mon_alert_change step(struct eg_mon_alert_cur *cur, eg_day day, int hit, int pending)
{
    struct eg_mon_alert_cur next;
    enum eg_mon_alert_change ch = eg_mon_alert_step(cur, day, hit, pending, &next);
    *cur = next;
    return ch;
}

static void test_alert_pending_period(void **state)
{
    struct eg_mon_alert_cur c = {EG_MON_ALERT_NONE, 0, 0};
    (void)state;
    assert_int_equal(step(&c, 100, 0, 3), EG_MON_CHANGE_NONE);
    assert_int_equal(c.state, EG_MON_ALERT_NONE);
    assert_int_equal(step(&c, 101, 1, 3), EG_MON_CHANGE_OPENED);
    assert_int_equal(c.state, EG_MON_ALERT_PENDING);
    assert_int_equal(c.consecutive, 1);
    /* the same date again (a later batch for that day) does not count twice */
    assert_int_equal(step(&c, 101, 1, 3), EG_MON_CHANGE_UPDATED);
    assert_int_equal(c.consecutive, 1);
    assert_int_equal(step(&c, 102, 1, 3), EG_MON_CHANGE_UPDATED);
    assert_int_equal(c.state, EG_MON_ALERT_PENDING);
    assert_int_equal(step(&c, 103, 1, 3), EG_MON_CHANGE_FIRED);
    assert_int_equal(c.state, EG_MON_ALERT_FIRING);
    assert_int_equal(c.consecutive, 3);
    assert_int_equal(step(&c, 104, 1, 3), EG_MON_CHANGE_UPDATED);
    assert_int_equal(c.state, EG_MON_ALERT_FIRING);
    /* an older date than the alert has seen changes nothing */
    assert_int_equal(step(&c, 90, 0, 3), EG_MON_CHANGE_NONE);
    assert_int_equal(c.state, EG_MON_ALERT_FIRING);
    assert_int_equal(step(&c, 105, 0, 3), EG_MON_CHANGE_RESOLVED);
    assert_int_equal(c.state, EG_MON_ALERT_RESOLVED);
    /* resolved: dates up to the resolution open nothing, quiet days change
     * nothing; a new hit opens a new alert */
    assert_int_equal(step(&c, 105, 1, 3), EG_MON_CHANGE_NONE);
    assert_int_equal(step(&c, 101, 1, 3), EG_MON_CHANGE_NONE);
    assert_int_equal(c.state, EG_MON_ALERT_RESOLVED);
    assert_int_equal(step(&c, 106, 0, 3), EG_MON_CHANGE_NONE);
    assert_int_equal(step(&c, 107, 1, 3), EG_MON_CHANGE_OPENED);
    assert_int_equal(c.state, EG_MON_ALERT_PENDING);
}

static void test_alert_pending_clears(void **state)
{
    struct eg_mon_alert_cur c = {EG_MON_ALERT_NONE, 0, 0};
    (void)state;
    assert_int_equal(step(&c, 10, 1, 2), EG_MON_CHANGE_OPENED);
    /* a pending alert whose condition clears before it fires resolves */
    assert_int_equal(step(&c, 11, 0, 2), EG_MON_CHANGE_RESOLVED);
    assert_int_equal(c.consecutive, 0);
    /* pending period 1 (or less): fires at once */
    struct eg_mon_alert_cur f = {EG_MON_ALERT_NONE, 0, 0};
    assert_int_equal(step(&f, 10, 1, 1), EG_MON_CHANGE_OPENED);
    assert_int_equal(f.state, EG_MON_ALERT_FIRING);
    struct eg_mon_alert_cur z = {EG_MON_ALERT_NONE, 0, 0};
    assert_int_equal(step(&z, 10, 1, 0), EG_MON_CHANGE_OPENED);
    assert_int_equal(z.state, EG_MON_ALERT_FIRING);
    /* a re-check of the same date that no longer holds resolves it */
    assert_int_equal(step(&f, 10, 0, 1), EG_MON_CHANGE_RESOLVED);
    assert_string_equal(eg_mon_alert_state_name(EG_MON_ALERT_FIRING), "firing");
    assert_int_equal(eg_mon_alert_state_parse("pending"), EG_MON_ALERT_PENDING);
    assert_int_equal(eg_mon_alert_state_parse("bogus"), EG_MON_ALERT_NONE);
}

/* A platform's month: 100 worker-days, enough data to decide. */
static void month(struct eg_mon_agg *a, int low_pay, int fatigue, int covered, int hist_bucket)
{
    eg_mon_agg_clear(a);
    a->days = 30;
    a->worker_days = 100;
    a->paid_days = 100;
    a->low_pay_days = low_pay;
    a->fatigue_days = fatigue;
    a->covered_days = covered;
    a->hist[hist_bucket] = 100;
}

static void test_scorecard(void **state)
{
    struct eg_mon_agg a;
    struct eg_mon_scorecard_in in;
    struct eg_mon_scorecard sc;
    (void)state;
    memset(&in, 0, sizeof in);
    in.agg = &a;
    in.params = &P;
    in.appeal_channel_declared = 1;

    /* Good data, no evidence: pay basic+advanced (median 3225 ≥ 3150),
     * conditions basic, management basic; nothing else. */
    month(&a, 5, 2, 90, 64);
    eg_mon_scorecard_compute(&in, &sc);
    assert_true(sc.points[EG_MON_PAY][0].met);
    assert_int_equal(sc.points[EG_MON_PAY][0].basis, EG_MON_BASIS_DATA);
    assert_true(sc.points[EG_MON_PAY][1].met);
    assert_true(sc.points[EG_MON_CONDITIONS][0].met);
    assert_false(sc.points[EG_MON_CONDITIONS][1].met);
    assert_int_equal(sc.points[EG_MON_CONDITIONS][1].basis, EG_MON_BASIS_NONE);
    assert_false(sc.points[EG_MON_CONTRACTS][0].met);
    assert_true(sc.points[EG_MON_MANAGEMENT][0].met);
    assert_int_equal(sc.score, 4);

    /* 11 % of days below the minimum: pay basic fails, and advanced with it. */
    month(&a, 11, 2, 90, 64);
    eg_mon_scorecard_compute(&in, &sc);
    assert_false(sc.points[EG_MON_PAY][0].met);
    assert_false(sc.points[EG_MON_PAY][1].met);
    /* 10 % below: exactly 90 % at or above passes */
    month(&a, 10, 2, 90, 64);
    eg_mon_scorecard_compute(&in, &sc);
    assert_true(sc.points[EG_MON_PAY][0].met);

    /* Fatigue 5 % is not under 5 %; coverage 79 % is not 80 %. */
    month(&a, 0, 5, 90, 64);
    eg_mon_scorecard_compute(&in, &sc);
    assert_false(sc.points[EG_MON_CONDITIONS][0].met);
    month(&a, 0, 0, 79, 64);
    eg_mon_scorecard_compute(&in, &sc);
    assert_false(sc.points[EG_MON_CONDITIONS][0].met);

    /* Deactivations without a channel; no declared channel. */
    month(&a, 0, 0, 90, 64);
    a.deactivations = 20;
    a.deactivations_with_channel = 18;
    eg_mon_scorecard_compute(&in, &sc);
    assert_false(sc.points[EG_MON_MANAGEMENT][0].met);
    a.deactivations_with_channel = 19;
    eg_mon_scorecard_compute(&in, &sc);
    assert_true(sc.points[EG_MON_MANAGEMENT][0].met);
    in.appeal_channel_declared = 0;
    eg_mon_scorecard_compute(&in, &sc);
    assert_false(sc.points[EG_MON_MANAGEMENT][0].met);
    in.appeal_channel_declared = 1;

    /* Evidence decides contracts and representation; an advanced point
     * needs its basic one. */
    in.evidence[EG_MON_CONTRACTS][0] = EG_MON_EV_MET;
    in.evidence[EG_MON_CONTRACTS][1] = EG_MON_EV_MET;
    in.evidence[EG_MON_REPRESENTATION][0] = EG_MON_EV_NOT_MET;
    in.evidence[EG_MON_REPRESENTATION][1] = EG_MON_EV_MET;
    eg_mon_scorecard_compute(&in, &sc);
    assert_true(sc.points[EG_MON_CONTRACTS][0].met);
    assert_int_equal(sc.points[EG_MON_CONTRACTS][0].basis, EG_MON_BASIS_EVIDENCE);
    assert_true(sc.points[EG_MON_CONTRACTS][1].met);
    assert_false(sc.points[EG_MON_REPRESENTATION][0].met);
    assert_false(sc.points[EG_MON_REPRESENTATION][1].met);

    /* Too little data: evidence decides pay and conditions too. */
    month(&a, 50, 50, 0, 10);
    a.worker_days = a.paid_days = 29;
    in.evidence[EG_MON_PAY][0] = EG_MON_EV_MET;
    eg_mon_scorecard_compute(&in, &sc);
    assert_true(sc.points[EG_MON_PAY][0].met);
    assert_int_equal(sc.points[EG_MON_PAY][0].basis, EG_MON_BASIS_EVIDENCE);
    assert_false(sc.points[EG_MON_CONDITIONS][0].met);
    assert_int_equal(sc.points[EG_MON_CONDITIONS][0].basis, EG_MON_BASIS_NONE);
    assert_int_equal(eg_mon_principle_parse("management"), EG_MON_MANAGEMENT);
    assert_int_equal(eg_mon_principle_parse("x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_work_sums),
        cmocka_unit_test(test_below_min_wage_exact),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_rates_and_periods),
        cmocka_unit_test(test_histogram_median),
        cmocka_unit_test(test_indicator_catalogue),
        cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_alert_message),
        cmocka_unit_test(test_department_indicators),
        cmocka_unit_test(test_alert_pending_period),
        cmocka_unit_test(test_alert_pending_clears),
        cmocka_unit_test(test_scorecard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
