/*
 * test_ins_rules.c — the insurance rules: eligibility by age, the cover
 * window, premium splits, benefit arithmetic, caps, claim states and
 * deadlines, figures and file sniffing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/money.h"
#include "core/time.h"
#include "insurance/rules.h"

static eg_day D(int y, int m, int d)
{
    return eg_day_from_civil(y, m, d);
}

/* The defaults are the published figures plus the documented assumptions. */
static void test_defaults(void **state)
{
    struct eg_ins_version v;
    const char *field = "x";

    eg_ins_version_defaults(&v);
    assert_int_equal(v.daily_premium_fen, 40);
    assert_int_equal(v.subsidy_bp, 5000);
    assert_int_equal(v.min_age, 16);
    assert_int_equal(v.max_age, 65);
    assert_int_equal(v.max_payout_fen, 40000000);
    assert_int_equal(v.death_bp, 10000);
    assert_int_equal(v.disability_bp[0], 10000);
    assert_int_equal(v.disability_bp[4], 6000);
    assert_int_equal(v.disability_bp[9], 1000);
    assert_int_equal(v.medical_limit_fen, 5000000);
    assert_int_equal(v.medical_deductible_fen, 10000);
    assert_int_equal(v.medical_ratio_bp, 9000);
    assert_int_equal(v.hospital_daily_fen, 10000);
    assert_int_equal(v.hospital_max_days, 180);
    assert_int_equal(eg_ins_version_check(&v, &field), EG_OK);
    assert_null(field);
}

/* Each figure out of range is refused and named. */
static void test_version_check(void **state)
{
    struct eg_ins_version v;
    const char *field = NULL;

    eg_ins_version_defaults(&v);
    v.daily_premium_fen = 0;
    assert_int_equal(eg_ins_version_check(&v, &field), EG_E_INVALID_FIELD);
    assert_string_equal(field, "daily_premium_fen");

    eg_ins_version_defaults(&v);
    v.subsidy_bp = 10001;
    assert_int_equal(eg_ins_version_check(&v, &field), EG_E_INVALID_FIELD);
    assert_string_equal(field, "subsidy_bp");

    eg_ins_version_defaults(&v);
    v.max_age = 15;
    assert_int_equal(eg_ins_version_check(&v, &field), EG_E_INVALID_FIELD);
    assert_string_equal(field, "max_age");

    eg_ins_version_defaults(&v);
    v.disability_bp[7] = -1;
    assert_int_equal(eg_ins_version_check(&v, &field), EG_E_INVALID_FIELD);
    assert_string_equal(field, "disability_bp");

    eg_ins_version_defaults(&v);
    v.medical_limit_fen = EG_MONEY_MAX_FEN + 1;
    assert_int_equal(eg_ins_version_check(&v, &field), EG_E_INVALID_FIELD);
    assert_string_equal(field, "medical_limit_fen");

    eg_ins_version_defaults(&v);
    v.hospital_max_days = 0;
    assert_int_equal(eg_ins_version_check(&v, &field), EG_E_INVALID_FIELD);
    assert_string_equal(field, "hospital_max_days");
}

/* The version in force is the latest effective on or before the day. */
static void test_version_in_force(void **state)
{
    struct eg_ins_version vs[3];

    eg_ins_version_defaults(&vs[0]);
    eg_ins_version_defaults(&vs[1]);
    eg_ins_version_defaults(&vs[2]);
    vs[0].version = 3, vs[0].effective_from = D(2026, 7, 1), vs[0].daily_premium_fen = 60;
    vs[1].version = 1, vs[1].effective_from = D(2024, 1, 1), vs[1].daily_premium_fen = 40;
    vs[2].version = 2, vs[2].effective_from = D(2026, 1, 1), vs[2].daily_premium_fen = 50;

    assert_null(eg_ins_version_in_force(vs, 3, D(2023, 12, 31)));
    assert_int_equal(eg_ins_version_in_force(vs, 3, D(2024, 1, 1))->version, 1);
    assert_int_equal(eg_ins_version_in_force(vs, 3, D(2025, 12, 31))->version, 1);
    assert_int_equal(eg_ins_version_in_force(vs, 3, D(2026, 1, 1))->version, 2);
    assert_int_equal(eg_ins_version_in_force(vs, 3, D(2026, 6, 30))->daily_premium_fen, 50);
    assert_int_equal(eg_ins_version_in_force(vs, 3, D(2026, 7, 1))->daily_premium_fen, 60);
    assert_int_equal(eg_ins_version_in_force(vs, 3, D(2099, 1, 1))->version, 3);
    assert_null(eg_ins_version_in_force(vs, 0, D(2026, 1, 1)));
}

/* Ages 16–65 inclusive on the covered day: the day a worker turns 16 is the
 * first covered day; the last day at 65 is the last; the 66th birthday is not. */
static void test_age_edges(void **state)
{
    eg_day birth = D(1991, 1, 1); /* 360426199101010071 */

    assert_int_equal(eg_ins_check_age(D(2010, 1, 1), D(2025, 12, 31), 16, 65), EG_INS_AGE);
    assert_int_equal(eg_ins_check_age(D(2010, 1, 1), D(2026, 1, 1), 16, 65), EG_INS_OK);
    assert_int_equal(eg_ins_check_age(D(2010, 1, 1), D(2026, 1, 2), 16, 65), EG_INS_OK);
    assert_int_equal(eg_ins_check_age(D(1960, 6, 15), D(2026, 6, 14), 16, 65), EG_INS_OK);
    assert_int_equal(eg_ins_check_age(D(1960, 6, 15), D(2026, 6, 15), 16, 65), EG_INS_AGE);
    assert_int_equal(eg_ins_check_age(D(1960, 6, 15), D(2026, 6, 16), 16, 65), EG_INS_AGE);
    assert_int_equal(eg_ins_check_age(birth, D(2026, 11, 29), 16, 65), EG_INS_OK);
    /* A 29 February birthday: in a common year the birthday is 1 March. */
    assert_int_equal(eg_ins_check_age(D(2008, 2, 29), D(2024, 2, 28), 16, 65), EG_INS_AGE);
    assert_int_equal(eg_ins_check_age(D(2008, 2, 29), D(2024, 2, 29), 16, 65), EG_INS_OK);
    assert_int_equal(eg_ins_check_age(D(2012, 2, 29), D(2028, 2, 28), 16, 65), EG_INS_AGE);
    assert_int_equal(eg_ins_check_age(D(2012, 2, 29), D(2028, 2, 29), 16, 65), EG_INS_OK);
    assert_int_equal(eg_ins_check_age(D(2011, 2, 28), D(2027, 2, 28), 16, 65), EG_INS_OK);
    assert_int_equal(eg_ins_check_age(D(1960, 2, 29), D(2026, 2, 28), 16, 65), EG_INS_OK);
    assert_int_equal(eg_ins_check_age(D(1960, 2, 29), D(2026, 3, 1), 16, 65), EG_INS_AGE);
    /* Figures are configuration: a version for 18–60. */
    assert_int_equal(eg_ins_check_age(D(2008, 3, 1), D(2026, 2, 28), 18, 60), EG_INS_AGE);
    assert_int_equal(eg_ins_check_age(D(2008, 3, 1), D(2026, 3, 1), 18, 60), EG_INS_OK);
}

/* The birth-date bounds agree exactly with the age rule, leap days included. */
static void test_birth_bounds(void **state)
{
    static const int days[][3] = {{2026, 11, 29}, {2024, 2, 29}, {2025, 2, 28}, {2025, 3, 1},
                                  {2028, 2, 29},  {2026, 1, 1},  {2026, 12, 31}};

    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        eg_day on = D(days[i][0], days[i][1], days[i][2]);
        eg_day lo, hi;

        eg_ins_birth_bounds(on, 16, 65, &lo, &hi);
        assert_int_equal(eg_ins_check_age(lo, on, 16, 65), EG_INS_OK);
        assert_int_equal(eg_ins_check_age(lo - 1, on, 16, 65), EG_INS_AGE);
        assert_int_equal(eg_ins_check_age(hi, on, 16, 65), EG_INS_OK);
        assert_int_equal(eg_ins_check_age(hi + 1, on, 16, 65), EG_INS_AGE);
        /* and every day within 3 days of both edges */
        for (int k = -3; k <= 3; k++) {
            int in_lo = (lo + k >= lo && lo + k <= hi);
            int in_hi = (hi + k >= lo && hi + k <= hi);
            assert_int_equal(eg_ins_check_age(lo + k, on, 16, 65) == EG_INS_OK, in_lo);
            assert_int_equal(eg_ins_check_age(hi + k, on, 16, 65) == EG_INS_OK, in_hi);
        }
    }
    /* Concretely: on 2026-11-29 someone born 2010-11-29 is 16, 1960-11-30 still 65. */
    eg_day lo, hi;
    eg_ins_birth_bounds(D(2026, 11, 29), 16, 65, &lo, &hi);
    assert_int_equal(hi, D(2010, 11, 29));
    assert_int_equal(lo, D(1960, 11, 30));
}

/* Past days are refused, today and up to a year ahead are fine. */
static void test_dates(void **state)
{
    eg_day today = D(2026, 11, 29);

    assert_int_equal(eg_ins_check_date(today - 1, today), EG_INS_PAST_DATE);
    assert_int_equal(eg_ins_check_date(today, today), EG_INS_OK);
    assert_int_equal(eg_ins_check_date(today + EG_INS_MAX_DAYS_AHEAD, today), EG_INS_OK);
    assert_int_equal(eg_ins_check_date(today + EG_INS_MAX_DAYS_AHEAD + 1, today),
                     EG_INS_TOO_FAR_AHEAD);
    assert_string_equal(eg_ins_refusal_code(EG_INS_PAST_DATE), "past_date");
    assert_string_equal(eg_ins_refusal_code(EG_INS_AGE), "age");
    assert_string_equal(eg_ins_refusal_code(EG_INS_BAD_DATE), "bad_date");
}

/* Cover runs from max(00:00 Shanghai, payment) to the next 00:00. */
static void test_cover_window(void **state)
{
    eg_day day = D(2026, 11, 29);
    int64_t midnight = eg_day_start(day); /* 2026-11-28T16:00:00Z */
    int64_t s, e;

    assert_int_equal(midnight, 1795881600);
    /* Paid the evening before: cover from midnight. */
    eg_ins_cover_window(day, midnight - 3600, &s, &e);
    assert_int_equal(s, midnight);
    assert_int_equal(e, midnight + 86400);
    /* Paid at 10:05:30 Shanghai: the cover starts then, not a second earlier. */
    int64_t paid = midnight + 10 * 3600 + 5 * 60 + 30;
    eg_ins_cover_window(day, paid, &s, &e);
    assert_int_equal(s, paid);
    assert_false(eg_ins_window_contains(s, e, paid - 1));
    assert_false(eg_ins_window_contains(s, e, midnight + 10 * 3600 + 5 * 60)); /* 10:05:00 */
    assert_true(eg_ins_window_contains(s, e, paid));
    assert_true(eg_ins_window_contains(s, e, midnight + 10 * 3600 + 6 * 60)); /* 10:06 */
    /* The last minute of the day is covered, the next day's first is not. */
    assert_true(eg_ins_window_contains(s, e, midnight + 86400 - 60));
    assert_true(eg_ins_window_contains(s, e, midnight + 86400 - 1));
    assert_false(eg_ins_window_contains(s, e, midnight + 86400));
    /* Paid after the day ended: an empty window. */
    eg_ins_cover_window(day, midnight + 90000, &s, &e);
    assert_int_equal(s, e);
    assert_false(eg_ins_window_contains(s, e, s));
}

/* Cancelling is possible only before the day starts. */
static void test_cancel(void **state)
{
    eg_day day = D(2026, 12, 1);
    int64_t start = eg_day_start(day);

    assert_true(eg_ins_can_cancel(day, start - 1));
    assert_false(eg_ins_can_cancel(day, start));
    assert_false(eg_ins_can_cancel(day, start + 3600));
}

/* Premium splits: shares sum exactly, an odd fen goes to the payer, and a
 * month of person-days sums to premium × days with no fen lost. */
static void test_premium_split(void **state)
{
    struct eg_ins_version v;
    struct eg_ins_premium p;

    eg_ins_version_defaults(&v);
    eg_ins_premium_of(&v, &p);
    assert_int_equal(p.premium_fen, 40);
    assert_int_equal(p.subsidy_fen, 20);
    assert_int_equal(p.payer_fen, 20);

    v.daily_premium_fen = 41;
    eg_ins_premium_of(&v, &p);
    assert_int_equal(p.subsidy_fen, 20);
    assert_int_equal(p.payer_fen, 21);

    v.daily_premium_fen = 45;
    v.subsidy_bp = 3333;
    eg_ins_premium_of(&v, &p);
    assert_int_equal(p.subsidy_fen, 14); /* floor(45 × 0.3333) = floor(14.9985) */
    assert_int_equal(p.payer_fen, 31);

    /* A month: 31 days for 1,000 people at a few premiums and subsidies. */
    static const int64_t premiums[] = {40, 41, 1, 99, 12345};
    static const int64_t bps[] = {5000, 0, 10000, 3333, 6667};
    for (size_t i = 0; i < 5; i++) {
        int64_t sum_p = 0, sum_s = 0, sum_y = 0;
        v.daily_premium_fen = premiums[i];
        v.subsidy_bp = bps[i];
        for (int day = 0; day < 31; day++) {
            for (int person = 0; person < 1000; person++) {
                eg_ins_premium_of(&v, &p);
                assert_true(p.subsidy_fen >= 0 && p.payer_fen >= 0);
                assert_true(p.payer_fen >= p.premium_fen - p.subsidy_fen);
                sum_p += p.premium_fen;
                sum_s += p.subsidy_fen;
                sum_y += p.payer_fen;
            }
        }
        assert_int_equal(sum_p, premiums[i] * 31 * 1000);
        assert_int_equal(sum_s + sum_y, sum_p);
        assert_int_equal(sum_s, eg_money_share_bp(premiums[i], bps[i]) * 31 * 1000);
    }
}

/* Each benefit item by the schedule. */
static void test_benefits(void **state)
{
    struct eg_ins_version v;
    int64_t out = -1;

    eg_ins_version_defaults(&v);
    assert_int_equal(eg_ins_benefit_death(&v), 40000000);
    for (int g = 1; g <= 10; g++) {
        assert_int_equal(eg_ins_benefit_disability(&v, g, &out), EG_OK);
        assert_int_equal(out, 40000000LL * (110 - 10 * g) / 100);
    }
    assert_int_equal(eg_ins_benefit_disability(&v, 1, &out), EG_OK);
    assert_int_equal(out, 40000000);
    assert_int_equal(eg_ins_benefit_disability(&v, 10, &out), EG_OK);
    assert_int_equal(out, 4000000);
    assert_int_equal(eg_ins_benefit_disability(&v, 0, &out), EG_E_INVALID_FIELD);
    assert_int_equal(eg_ins_benefit_disability(&v, 11, &out), EG_E_INVALID_FIELD);

    /* medical: below the deductible nothing, then 90 %, up to the limit */
    assert_int_equal(eg_ins_benefit_medical(&v, 0, &out), EG_OK);
    assert_int_equal(out, 0);
    assert_int_equal(eg_ins_benefit_medical(&v, 9999, &out), EG_OK);
    assert_int_equal(out, 0);
    assert_int_equal(eg_ins_benefit_medical(&v, 10000, &out), EG_OK);
    assert_int_equal(out, 0);
    assert_int_equal(eg_ins_benefit_medical(&v, 10001, &out), EG_OK);
    assert_int_equal(out, 0); /* 0.9 fen rounds down */
    assert_int_equal(eg_ins_benefit_medical(&v, 10011, &out), EG_OK);
    assert_int_equal(out, 9); /* 9.9 fen rounds down */
    assert_int_equal(eg_ins_benefit_medical(&v, 713700, &out), EG_OK);
    assert_int_equal(out, 633330); /* (7137 − 100) × 90 % = 6333.30 yuan */
    assert_int_equal(eg_ins_benefit_medical(&v, 5565555, &out), EG_OK);
    assert_int_equal(out, 4999999);
    assert_int_equal(eg_ins_benefit_medical(&v, 5565557, &out), EG_OK);
    assert_int_equal(out, 5000000); /* the limit */
    assert_int_equal(eg_ins_benefit_medical(&v, 90000000, &out), EG_OK);
    assert_int_equal(out, 5000000);
    assert_int_equal(eg_ins_benefit_medical(&v, -1, &out), EG_E_INVALID_FIELD);

    /* hospital allowance: per day, at most 180 days */
    assert_int_equal(eg_ins_benefit_hospital(&v, 0, &out), EG_OK);
    assert_int_equal(out, 0);
    assert_int_equal(eg_ins_benefit_hospital(&v, 7, &out), EG_OK);
    assert_int_equal(out, 70000);
    assert_int_equal(eg_ins_benefit_hospital(&v, 180, &out), EG_OK);
    assert_int_equal(out, 1800000);
    assert_int_equal(eg_ins_benefit_hospital(&v, 181, &out), EG_OK);
    assert_int_equal(out, 1800000);
    assert_int_equal(eg_ins_benefit_hospital(&v, -1, &out), EG_E_INVALID_FIELD);

    /* A rounding case for disability: an odd sum insured. */
    v.max_payout_fen = 33333;
    assert_int_equal(eg_ins_benefit_disability(&v, 2, &out), EG_OK);
    assert_int_equal(out, 29999); /* 33333 × 90 % = 29999.7 */
}

/* Items: computed by the schedule, overridden when an adjuster says so. */
static void test_items(void **state)
{
    struct eg_ins_version v;
    struct eg_ins_item it;

    eg_ins_version_defaults(&v);
    memset(&it, 0, sizeof it);
    it.kind = EG_INS_ITEM_MEDICAL;
    it.costs_fen = 713700;
    assert_int_equal(eg_ins_item_assess(&v, &it), EG_OK);
    assert_int_equal(it.computed_fen, 633330);
    assert_int_equal(it.final_fen, 633330);
    it.has_override = 1;
    it.override_fen = 600000;
    assert_int_equal(eg_ins_item_assess(&v, &it), EG_OK);
    assert_int_equal(it.computed_fen, 633330);
    assert_int_equal(it.final_fen, 600000);
    it.override_fen = -5;
    assert_int_equal(eg_ins_item_assess(&v, &it), EG_E_INVALID_FIELD);

    memset(&it, 0, sizeof it);
    it.kind = EG_INS_ITEM_DISABILITY;
    it.grade = 12;
    assert_int_equal(eg_ins_item_assess(&v, &it), EG_E_INVALID_FIELD);
    it.kind = EG_INS_ITEM_COUNT;
    assert_int_equal(eg_ins_item_assess(&v, &it), EG_E_INVALID_FIELD);

    assert_int_equal(eg_ins_item_parse("hospital"), EG_INS_ITEM_HOSPITAL);
    assert_int_equal(eg_ins_item_parse("Death"), EG_INS_ITEM_COUNT);
    assert_int_equal(eg_ins_item_parse(NULL), EG_INS_ITEM_COUNT);
    assert_string_equal(eg_ins_item_name(EG_INS_ITEM_DISABILITY), "disability");
}

/* Caps per incident and per person per year at the maximum payout. */
static void test_caps(void **state)
{
    enum eg_ins_cap c;

    assert_int_equal(eg_ins_apply_caps(1000, 40000000, 0, &c), 1000);
    assert_int_equal(c, EG_INS_CAP_NONE);
    assert_int_equal(eg_ins_apply_caps(40000000, 40000000, 0, &c), 40000000);
    assert_int_equal(c, EG_INS_CAP_NONE);
    /* death plus a grade-1 disability for one incident: capped at 400,000 yuan */
    assert_int_equal(eg_ins_apply_caps(80000000, 40000000, 0, &c), 40000000);
    assert_int_equal(c, EG_INS_CAP_INCIDENT);
    /* the year: 390,000 yuan already paid leaves 10,000 yuan */
    assert_int_equal(eg_ins_apply_caps(5000000, 40000000, 39000000, &c), 1000000);
    assert_int_equal(c, EG_INS_CAP_YEAR);
    assert_int_equal(eg_ins_apply_caps(1000000, 40000000, 39000000, &c), 1000000);
    assert_int_equal(c, EG_INS_CAP_NONE);
    assert_int_equal(eg_ins_apply_caps(1000001, 40000000, 39000000, &c), 1000000);
    assert_int_equal(c, EG_INS_CAP_YEAR);
    /* nothing left at all */
    assert_int_equal(eg_ins_apply_caps(1, 40000000, 40000000, &c), 0);
    assert_int_equal(c, EG_INS_CAP_YEAR);
    assert_int_equal(eg_ins_apply_caps(0, 40000000, 45000000, &c), 0);
    assert_int_equal(c, EG_INS_CAP_NONE);
    assert_string_equal(eg_ins_cap_name(EG_INS_CAP_YEAR), "year");
}

/* The claim state machine. */
static void test_claim_states(void **state)
{
    char buf[64];

    assert_true(eg_claim_can_move(EG_CLAIM_REPORTED, EG_CLAIM_ACCEPTED));
    assert_true(eg_claim_can_move(EG_CLAIM_REPORTED, EG_CLAIM_REJECTED));
    assert_false(eg_claim_can_move(EG_CLAIM_REPORTED, EG_CLAIM_ASSESSED));
    assert_false(eg_claim_can_move(EG_CLAIM_REPORTED, EG_CLAIM_PAID));
    assert_false(eg_claim_can_move(EG_CLAIM_ACCEPTED, EG_CLAIM_APPROVED));
    assert_true(eg_claim_can_move(EG_CLAIM_ASSESSED, EG_CLAIM_APPROVED));
    assert_true(eg_claim_can_move(EG_CLAIM_APPROVED, EG_CLAIM_PAID));
    assert_true(eg_claim_can_move(EG_CLAIM_APPROVED, EG_CLAIM_REJECTED)); /* fraud found late */
    assert_true(eg_claim_can_move(EG_CLAIM_APPROVED, EG_CLAIM_ACCEPTED)); /* reopened */
    assert_false(eg_claim_can_move(EG_CLAIM_APPROVED, EG_CLAIM_ASSESSED));
    assert_false(eg_claim_can_move(EG_CLAIM_PAID, EG_CLAIM_ACCEPTED));
    assert_false(eg_claim_can_move(EG_CLAIM_PAID, EG_CLAIM_REJECTED));
    assert_false(eg_claim_can_move(EG_CLAIM_REJECTED, EG_CLAIM_ACCEPTED));
    eg_claim_allowed(EG_CLAIM_REPORTED, buf, sizeof buf);
    assert_string_equal(buf, "accepted, rejected");
    eg_claim_allowed(EG_CLAIM_PAID, buf, sizeof buf);
    assert_string_equal(buf, "");
    eg_claim_allowed(EG_CLAIM_ASSESSED, buf, 5);
    assert_true(strlen(buf) < 5);
    assert_int_equal(eg_claim_state_parse("assessed"), EG_CLAIM_ASSESSED);
    assert_int_equal(eg_claim_state_parse("closed"), EG_CLAIM_STATE_COUNT);
    assert_true(eg_claim_is_open(EG_CLAIM_APPROVED));
    assert_false(eg_claim_is_open(EG_CLAIM_PAID));
    assert_false(eg_claim_is_open(EG_CLAIM_REJECTED));
    assert_true(eg_claim_reason_valid("not_covered"));
    assert_true(eg_claim_reason_valid("incomplete_after_deadline"));
    assert_true(eg_claim_reason_valid("fraud"));
    assert_false(eg_claim_reason_valid("because"));
    assert_false(eg_claim_reason_valid(NULL));
}

/* Materials due in 30 days; a decision in 10 working days; overdue after. */
static void test_deadlines(void **state)
{
    eg_day reported = D(2026, 11, 2); /* a Monday */
    eg_day holidays[] = {D(2026, 11, 11)};
    struct eg_calendar cal = {holidays, 1, NULL, 0};

    assert_int_equal(eg_ins_materials_due(reported), D(2026, 12, 2));
    /* Monday 2 Nov + 10 working days = Monday 16 Nov; with a holiday on the
     * 11th, Tuesday 17 Nov. */
    assert_int_equal(eg_ins_decision_due(NULL, reported), D(2026, 11, 16));
    assert_int_equal(eg_ins_decision_due(&cal, reported), D(2026, 11, 17));

    eg_day md = D(2026, 12, 2), dd = D(2026, 11, 16);
    assert_false(eg_claim_is_overdue(EG_CLAIM_REPORTED, md, dd, md));
    assert_true(eg_claim_is_overdue(EG_CLAIM_REPORTED, md, dd, md + 1));
    assert_false(eg_claim_is_overdue(EG_CLAIM_ACCEPTED, md, dd, dd));
    assert_true(eg_claim_is_overdue(EG_CLAIM_ACCEPTED, md, dd, dd + 1));
    assert_true(eg_claim_is_overdue(EG_CLAIM_ASSESSED, md, dd, dd + 1));
    assert_false(eg_claim_is_overdue(EG_CLAIM_APPROVED, md, dd, dd + 100));
    assert_false(eg_claim_is_overdue(EG_CLAIM_PAID, md, dd, dd + 100));
    assert_false(eg_claim_is_overdue(EG_CLAIM_REJECTED, md, dd, md + 100));
}

static void test_figures(void **state)
{
    int64_t v[] = {30, 10, 20};
    int64_t w[] = {40, 10, 30, 20};
    int64_t one[] = {7};
    eg_day first, last;

    assert_int_equal(eg_ins_loss_ratio_bp(0, 0), -1);
    assert_int_equal(eg_ins_loss_ratio_bp(703700, 0), -1);
    assert_int_equal(eg_ins_loss_ratio_bp(50, 100), 5000);
    assert_int_equal(eg_ins_loss_ratio_bp(1, 3), 3333);
    assert_int_equal(eg_ins_loss_ratio_bp(300, 100), 30000);
    assert_int_equal(eg_ins_loss_ratio_bp(EG_MONEY_MAX_FEN, 1), EG_MONEY_MAX_FEN * 10000);

    assert_int_equal(eg_ins_median(v, 3), 20);
    assert_int_equal(eg_ins_median(w, 4), 25);
    assert_int_equal(eg_ins_median(one, 1), 7);
    assert_int_equal(eg_ins_median(NULL, 0), 0);

    assert_int_equal(eg_ins_month_parse("2026-02", &first, &last), EG_OK);
    assert_int_equal(first, D(2026, 2, 1));
    assert_int_equal(last, D(2026, 2, 28));
    assert_int_equal(eg_ins_month_parse("2024-02", &first, &last), EG_OK);
    assert_int_equal(last, D(2024, 2, 29));
    assert_int_equal(eg_ins_month_parse("2026-12", &first, &last), EG_OK);
    assert_int_equal(last, D(2026, 12, 31));
    assert_int_equal(eg_ins_month_parse("2026-13", &first, &last), EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_ins_month_parse("2026-1", &first, &last), EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_ins_month_parse("2026-011", &first, &last), EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_ins_month_parse("", &first, &last), EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_ins_month_parse(NULL, &first, &last), EG_E_INVALID_PARAMETER);
}

/* File types by their first bytes, never by what the client claims. */
static void test_sniff(void **state)
{
    assert_string_equal(eg_ins_sniff("%PDF-1.7\n", 9), "application/pdf");
    assert_string_equal(eg_ins_sniff("\x89PNG\r\n\x1a\n\0\0", 10), "image/png");
    assert_string_equal(eg_ins_sniff("\xFF\xD8\xFF\xE0", 4), "image/jpeg");
    assert_string_equal(eg_ins_sniff("RIFF\0\0\0\0WEBPVP8 ", 16), "image/webp");
    assert_null(eg_ins_sniff("<html><script>", 14));
    assert_null(eg_ins_sniff("%PDF", 4));
    assert_null(eg_ins_sniff("MZ\x90\0", 4));
    assert_null(eg_ins_sniff("", 0));
    assert_null(eg_ins_sniff(NULL, 10));
    assert_string_equal(eg_ins_sniff_ext("image/jpeg"), "jpg");
    assert_string_equal(eg_ins_sniff_ext("text/html"), "bin");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_version_check),
        cmocka_unit_test(test_version_in_force),
        cmocka_unit_test(test_age_edges),
        cmocka_unit_test(test_birth_bounds),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_cover_window),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_premium_split),
        cmocka_unit_test(test_benefits),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_claim_states),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_sniff),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
