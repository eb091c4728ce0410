/*
 * test_case_rules.c — the rules of rights-protection cases (src/cases/rules.c):
 * every transition allowed and refused for every role, deadlines across
 * weekends, public holidays and make-up working days, agreement
 * effectiveness, recovery arithmetic in integer fen, routing, ratings,
 * evidence sniffing and consultations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <string.h>

#include "cases/rules.h"
#include "core/money.h"

/* The legal edges, written out independently of rules.c. */
static const char *const legal[][2] = {
    {"submitted", "accepted"}, {"submitted", "rejected"},  {"submitted", "withdrawn"},
    {"accepted", "mediating"}, {"accepted", "withdrawn"},  {"mediating", "agreed"},
    {"mediating", "failed"},   {"mediating", "withdrawn"}, {"agreed", "fulfilled"},
    {"agreed", "withdrawn"},   {"fulfilled", "closed"},    {"failed", "referred"},
    {"failed", "withdrawn"},   {"referred", "closed"},
};

static enum eg_case_state st(const char *name)
{
    int i = eg_case_name_index(eg_case_state_names, name);

    assert_true(i >= 0);
    return (enum eg_case_state)i;
}

static int is_legal(enum eg_case_state from, enum eg_case_state to)
{
    for (size_t i = 0; i < sizeof legal / sizeof legal[0]; i++)
        if (st(legal[i][0]) == from && st(legal[i][1]) == to)
            return 1;
    return 0;
}

/* A move that passes every guard, so only the graph and the role decide. */
static struct eg_case_move full_move(enum eg_case_state to)
{
    struct eg_case_move m;

    memset(&m, 0, sizeof m);
    m.to = to;
    m.reason = "because";
    m.referral = to == EG_CASE_REFERRED ? EG_REF_ARBITRATION : -1;
    m.agreement_effective = 1;
    m.amounts_paid = 1;
    return m;
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(eg_case_name_index(eg_case_state_names, "mediating"), EG_CASE_MEDIATING);
    assert_int_equal(eg_case_name_index(eg_case_state_names, "nope"), -1);
    assert_int_equal(eg_case_name_index(eg_case_state_names, NULL), -1);
    assert_int_equal(eg_case_name_index(eg_case_type_names, "occupational_injury"),
                     EG_CASE_T_OCCUPATIONAL_INJURY);
    assert_int_equal(eg_case_name_index(eg_case_category_names, "deposit_refund"),
                     EG_CAT_DEPOSIT_REFUND);
    assert_int_equal(eg_case_name_index(eg_case_channel_names, "qr"), EG_CASE_CH_QR);
    assert_int_equal(eg_case_name_index(eg_consult_kind_names, "safety_training"),
                     EG_CONSULT_SAFETY_TRAINING);
    for (int i = 0; i < EG_CASE_STATE_COUNT; i++)
        assert_non_null(eg_case_state_labels[i]);
    assert_null(eg_case_state_labels[EG_CASE_STATE_COUNT]);
    assert_null(eg_case_type_labels[EG_CASE_TYPE_COUNT]);
    assert_null(eg_case_category_labels[EG_CAT_COUNT]);
    assert_null(eg_consult_kind_labels[EG_CONSULT_KIND_COUNT]);
}

static void test_graph_matches_spec(void **state)
{
    (void)state;
    for (int f = 0; f < EG_CASE_STATE_COUNT; f++)
        for (int t = 0; t < EG_CASE_STATE_COUNT; t++)
            assert_int_equal(eg_case_edge((enum eg_case_state)f, (enum eg_case_state)t),
                             is_legal((enum eg_case_state)f, (enum eg_case_state)t));
    assert_false(eg_case_edge((enum eg_case_state)99, EG_CASE_ACCEPTED));
}

static void test_open_and_terminal(void **state)
{
    (void)state;
    /* Withdrawal is possible from exactly the open states. */
    for (int s = 0; s < EG_CASE_STATE_COUNT; s++) {
        assert_int_equal(eg_case_state_is_open((enum eg_case_state)s),
                         eg_case_edge((enum eg_case_state)s, EG_CASE_WITHDRAWN));
        enum eg_case_state t[EG_CASE_STATE_COUNT];
        assert_int_equal(eg_case_state_is_terminal((enum eg_case_state)s),
                         eg_case_targets((enum eg_case_state)s, t) == 0);
    }
}

static void test_targets_text(void **state)
{
    char buf[128];

    (void)state;
    eg_case_targets_text(EG_CASE_SUBMITTED, buf, sizeof buf);
    assert_string_equal(buf, "accepted, rejected, withdrawn");
    eg_case_targets_text(EG_CASE_CLOSED, buf, sizeof buf);
    assert_string_equal(buf, "none");
    eg_case_targets_text(EG_CASE_FAILED, buf, sizeof buf);
    assert_string_equal(buf, "referred, withdrawn");
}

/* Every (role, relation) × every (from, to): allowed exactly when the spec says. */
static void test_every_transition_every_role(void **state)
{
    static const struct {
        enum eg_role role;
        int applicant, respondent, in_scope;
        int all_edges;     /* may take every legal edge */
        int withdraw_only; /* may only withdraw */
    } actors[] = {
        {EG_ROLE_ADMIN, 0, 0, 0, 1, 0},      {EG_ROLE_MEDIATOR, 0, 0, 1, 1, 0},
        {EG_ROLE_MEDIATOR, 0, 0, 0, 0, 0}, /* another department's mediator */
        {EG_ROLE_WORKER, 1, 0, 0, 0, 1},   /* the applicant */
        {EG_ROLE_WORKER, 0, 0, 0, 0, 0},   /* another worker */
        {EG_ROLE_PLATFORM, 0, 1, 0, 0, 0}, /* the respondent */
        {EG_ROLE_SUPERVISOR, 0, 0, 1, 0, 0}, {EG_ROLE_INSURER, 0, 0, 0, 0, 0},
        {EG_ROLE_ANALYST, 0, 0, 0, 0, 0},    {EG_ROLE_DEPARTMENT, 0, 0, 1, 0, 0},
        {EG_ROLE_NONE, 0, 0, 0, 0, 0},
    };
    int checked = 0;

    (void)state;
    for (size_t a = 0; a < sizeof actors / sizeof actors[0]; a++) {
        struct eg_case_actor who = {actors[a].role, actors[a].applicant, actors[a].respondent,
                                    actors[a].in_scope};

        for (int f = 0; f < EG_CASE_STATE_COUNT; f++) {
            for (int t = 0; t < EG_CASE_STATE_COUNT; t++) {
                struct eg_case_move m = full_move((enum eg_case_state)t);
                const char *field = "x";
                char why[256];
                enum eg_status got =
                    eg_case_check_move(&who, (enum eg_case_state)f, &m, &field, why, sizeof why);
                int edge = is_legal((enum eg_case_state)f, (enum eg_case_state)t);
                int may = edge && (actors[a].all_edges ||
                                   (actors[a].withdraw_only && t == EG_CASE_WITHDRAWN));

                if (!edge) {
                    assert_int_equal(got, EG_E_ILLEGAL_TRANSITION);
                    assert_string_equal(field, "to");
                    assert_non_null(strstr(why, "allowed: "));
                } else if (!may) {
                    assert_int_equal(got, EG_E_FORBIDDEN);
                } else {
                    assert_int_equal(got, EG_OK);
                    assert_null(field);
                }
                assert_int_equal(eg_case_may(&who, (enum eg_case_state)f, (enum eg_case_state)t),
                                 may);
                checked++;
            }
        }
    }
    assert_int_equal(checked, 11 * EG_CASE_STATE_COUNT * EG_CASE_STATE_COUNT);
}

static void test_illegal_names_allowed(void **state)
{
    struct eg_case_actor admin = {EG_ROLE_ADMIN, 0, 0, 0};
    struct eg_case_move m = full_move(EG_CASE_CLOSED);
    char why[256];
    const char *field;

    (void)state;
    assert_int_equal(eg_case_check_move(&admin, EG_CASE_SUBMITTED, &m, &field, why, sizeof why),
                     EG_E_ILLEGAL_TRANSITION);
    assert_non_null(strstr(why, "allowed: accepted, rejected, withdrawn"));
    /* Nothing leaves a terminal state. */
    m = full_move(EG_CASE_SUBMITTED);
    assert_int_equal(eg_case_check_move(&admin, EG_CASE_WITHDRAWN, &m, &field, why, sizeof why),
                     EG_E_ILLEGAL_TRANSITION);
    assert_non_null(strstr(why, "allowed: none"));
    /* Out-of-range target. */
    m.to = (enum eg_case_state)42;
    assert_int_equal(eg_case_check_move(&admin, EG_CASE_SUBMITTED, &m, &field, why, sizeof why),
                     EG_E_ILLEGAL_TRANSITION);
}

static void test_guards(void **state)
{
    struct eg_case_actor med = {EG_ROLE_MEDIATOR, 0, 0, 1};
    struct eg_case_move m;
    const char *field;
    char why[256];

    (void)state;
    /* Reject and fail need a reason; blank counts as none. */
    m = full_move(EG_CASE_REJECTED);
    m.reason = NULL;
    assert_int_equal(eg_case_check_move(&med, EG_CASE_SUBMITTED, &m, &field, why, sizeof why),
                     EG_E_MISSING_FIELD);
    assert_string_equal(field, "reason");
    m.reason = "  \n";
    assert_int_equal(eg_case_check_move(&med, EG_CASE_SUBMITTED, &m, &field, why, sizeof why),
                     EG_E_MISSING_FIELD);
    m = full_move(EG_CASE_FAILED);
    m.reason = "";
    assert_int_equal(eg_case_check_move(&med, EG_CASE_MEDIATING, &m, &field, why, sizeof why),
                     EG_E_MISSING_FIELD);
    /* Accept needs none. */
    m = full_move(EG_CASE_ACCEPTED);
    m.reason = NULL;
    assert_int_equal(eg_case_check_move(&med, EG_CASE_SUBMITTED, &m, &field, why, sizeof why),
                     EG_OK);
    /* Referral: required for referred, refused elsewhere. */
    m = full_move(EG_CASE_REFERRED);
    m.referral = -1;
    assert_int_equal(eg_case_check_move(&med, EG_CASE_FAILED, &m, &field, why, sizeof why),
                     EG_E_MISSING_FIELD);
    assert_string_equal(field, "referral");
    for (int r = 0; r < EG_REF_COUNT; r++) {
        m.referral = r;
        assert_int_equal(eg_case_check_move(&med, EG_CASE_FAILED, &m, &field, why, sizeof why),
                         EG_OK);
    }
    m.referral = EG_REF_COUNT;
    assert_int_equal(eg_case_check_move(&med, EG_CASE_FAILED, &m, &field, why, sizeof why),
                     EG_E_MISSING_FIELD);
    m = full_move(EG_CASE_ACCEPTED);
    m.referral = EG_REF_LITIGATION;
    assert_int_equal(eg_case_check_move(&med, EG_CASE_SUBMITTED, &m, &field, why, sizeof why),
                     EG_E_INVALID_FIELD);
    assert_string_equal(field, "referral");
    /* To agreed only with the agreement in effect; to fulfilled only when paid. */
    m = full_move(EG_CASE_AGREED);
    m.agreement_effective = 0;
    assert_int_equal(eg_case_check_move(&med, EG_CASE_MEDIATING, &m, &field, why, sizeof why),
                     EG_E_UNPROCESSABLE);
    m = full_move(EG_CASE_FULFILLED);
    m.amounts_paid = 0;
    assert_int_equal(eg_case_check_move(&med, EG_CASE_AGREED, &m, &field, why, sizeof why),
                     EG_E_UNPROCESSABLE);
    /* The graph is checked before the role, the role before the guards. */
    struct eg_case_actor worker = {EG_ROLE_WORKER, 1, 0, 0};
    m = full_move(EG_CASE_REJECTED);
    m.reason = NULL;
    assert_int_equal(eg_case_check_move(&worker, EG_CASE_SUBMITTED, &m, &field, why, sizeof why),
                     EG_E_FORBIDDEN);
    /* The applicant withdraws without giving a reason. */
    m = full_move(EG_CASE_WITHDRAWN);
    m.reason = NULL;
    assert_int_equal(eg_case_check_move(&worker, EG_CASE_AGREED, &m, NULL, NULL, 0), EG_OK);
}

/* ---- deadlines ----------------------------------------------------------- */

static eg_day D(const char *s)
{
    eg_day d;

    assert_int_equal(eg_date_parse(s, &d), EG_OK);
    return d;
}

/* The 2026 calendar as published by the State Council (excerpt). */
static eg_day hol[40];
static eg_day work[8];
static struct eg_calendar cal2026;

static void fill_range(eg_day *a, size_t *n, const char *from, const char *to)
{
    for (eg_day d = D(from); d <= D(to); d++)
        a[(*n)++] = d;
}

static int setup_calendar(void **state)
{
    size_t nh = 0, nw = 0;

    (void)state;
    fill_range(hol, &nh, "2026-01-01", "2026-01-03");
    fill_range(hol, &nh, "2026-02-15", "2026-02-23");
    fill_range(hol, &nh, "2026-04-04", "2026-04-06");
    fill_range(hol, &nh, "2026-05-01", "2026-05-05");
    fill_range(hol, &nh, "2026-06-19", "2026-06-21");
    fill_range(hol, &nh, "2026-09-25", "2026-09-27");
    fill_range(hol, &nh, "2026-10-01", "2026-10-07");
    work[nw++] = D("2026-01-04");
    work[nw++] = D("2026-02-14");
    work[nw++] = D("2026-02-28");
    work[nw++] = D("2026-05-09");
    work[nw++] = D("2026-09-20");
    work[nw++] = D("2026-10-10");
    cal2026.holidays = hol;
    cal2026.n_holidays = nh;
    cal2026.workdays = work;
    cal2026.n_workdays = nw;
    return 0;
}

static void test_accept_due_weekdays_and_weekends(void **state)
{
    (void)state;
    /* Monday → Tuesday; Friday → Monday; Saturday and Sunday → Monday. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-03-02"), 1), D("2026-03-03"));
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-03-06"), 1), D("2026-03-09"));
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-03-07"), 1), D("2026-03-09"));
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-03-08"), 1), D("2026-03-09"));
    /* Two working days from a Friday: Tuesday. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-03-06"), 2), D("2026-03-10"));
    /* n below 1 counts as 1. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-03-02"), 0), D("2026-03-03"));
    /* Without a calendar only weekends rest. */
    assert_int_equal(eg_case_accept_due(NULL, D("2026-09-30"), 1), D("2026-10-01"));
}

static void test_accept_due_holidays_and_makeup_days(void **state)
{
    (void)state;
    /* New Year: 31 Dec (Wed) → 1–3 Jan off → Sunday 4 Jan is a make-up working day. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2025-12-31"), 1), D("2026-01-04"));
    /* Saturday 14 Feb is a make-up day: Friday's case is due then. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-02-13"), 1), D("2026-02-14"));
    /* A case taken on that Saturday: 15–23 Feb off, due Tuesday 24 Feb. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-02-14"), 1), D("2026-02-24"));
    /* Submitted during the holiday itself. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-02-17"), 1), D("2026-02-24"));
    /* National Day: 30 Sep → 1–7 Oct off → Thursday 8 Oct. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-09-30"), 1), D("2026-10-08"));
    /* Friday 9 Oct → Saturday 10 Oct is a make-up working day. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-10-09"), 1), D("2026-10-10"));
    /* Friday 18 Sep → Sunday 20 Sep (make-up day). */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-09-18"), 1), D("2026-09-20"));
    /* Qingming: Friday 3 Apr → 4–6 Apr off → Tuesday 7 Apr. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-04-03"), 1), D("2026-04-07"));
    /* Labour Day: 30 Apr → 1–5 May off → Wednesday 6 May; two days → Thursday 7 May. */
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-04-30"), 1), D("2026-05-06"));
    assert_int_equal(eg_case_accept_due(&cal2026, D("2026-04-30"), 2), D("2026-05-07"));
}

static void test_mediation_due_and_extension(void **state)
{
    const char *field;

    (void)state;
    assert_int_equal(eg_case_mediation_due(D("2026-03-02"), 15, 0), D("2026-03-17"));
    assert_int_equal(eg_case_mediation_due(D("2026-03-02"), 15, 15), D("2026-04-01"));
    assert_int_equal(eg_case_mediation_due(D("2026-12-20"), 15, 0), D("2027-01-04"));
    /* Calendar days: holidays do not stop the clock. */
    assert_int_equal(eg_case_mediation_due(D("2026-09-28"), 15, 0), D("2026-10-13"));

    assert_int_equal(eg_case_check_extension(EG_CASE_MEDIATING, 0, 15, 1, 1, &field), EG_OK);
    assert_int_equal(eg_case_check_extension(EG_CASE_ACCEPTED, 0, 1, 1, 1, &field), EG_OK);
    assert_int_equal(eg_case_check_extension(EG_CASE_MEDIATING, 1, 5, 1, 1, &field), EG_E_CONFLICT);
    assert_int_equal(eg_case_check_extension(EG_CASE_SUBMITTED, 0, 5, 1, 1, &field), EG_E_CONFLICT);
    assert_int_equal(eg_case_check_extension(EG_CASE_AGREED, 0, 5, 1, 1, &field), EG_E_CONFLICT);
    assert_int_equal(eg_case_check_extension(EG_CASE_MEDIATING, 0, 16, 1, 1, &field),
                     EG_E_INVALID_FIELD);
    assert_string_equal(field, "days");
    assert_int_equal(eg_case_check_extension(EG_CASE_MEDIATING, 0, 0, 1, 1, &field),
                     EG_E_INVALID_FIELD);
    assert_int_equal(eg_case_check_extension(EG_CASE_MEDIATING, 0, 5, 0, 1, &field),
                     EG_E_UNPROCESSABLE);
    assert_string_equal(field, "applicant_consent");
    assert_int_equal(eg_case_check_extension(EG_CASE_MEDIATING, 0, 5, 1, 0, &field),
                     EG_E_UNPROCESSABLE);
    assert_string_equal(field, "respondent_consent");
}

static void test_timing_overdue(void **state)
{
    struct eg_case_timing t;
    eg_day acc = D("2026-03-03"), med = D("2026-03-18");

    (void)state;
    /* Submitted: the acceptance deadline; due day itself is not overdue. */
    eg_case_timing(EG_CASE_SUBMITTED, acc, med, D("2026-03-03"), &t);
    assert_true(t.has_due);
    assert_int_equal(t.due, acc);
    assert_false(t.overdue);
    assert_false(t.arbitration_open);
    eg_case_timing(EG_CASE_SUBMITTED, acc, med, D("2026-03-05"), &t);
    assert_true(t.overdue);
    assert_int_equal(t.days_overdue, 2);
    assert_true(t.arbitration_open);
    /* Mediating: the mediation deadline. */
    eg_case_timing(EG_CASE_MEDIATING, acc, med, D("2026-03-18"), &t);
    assert_int_equal(t.due, med);
    assert_false(t.overdue);
    eg_case_timing(EG_CASE_ACCEPTED, acc, med, D("2026-03-19"), &t);
    assert_true(t.overdue);
    assert_int_equal(t.days_overdue, 1);
    assert_true(t.arbitration_open);
    /* No deadline once agreed or closed; failed mediation opens arbitration. */
    eg_case_timing(EG_CASE_AGREED, acc, med, D("2027-01-01"), &t);
    assert_false(t.has_due);
    assert_false(t.overdue);
    assert_false(t.arbitration_open);
    eg_case_timing(EG_CASE_FAILED, acc, med, D("2026-03-10"), &t);
    assert_false(t.overdue);
    assert_true(t.arbitration_open);
    eg_case_timing(EG_CASE_CLOSED, acc, med, D("2027-01-01"), &t);
    assert_false(t.has_due);
}

static void test_incident_over_a_year(void **state)
{
    (void)state;
    assert_false(eg_case_incident_old(D("2025-03-10"), D("2026-03-10")));
    assert_true(eg_case_incident_old(D("2025-03-10"), D("2026-03-11")));
    assert_false(eg_case_incident_old(D("2026-01-01"), D("2026-03-11")));
    /* 29 February: the anniversary is 1 March. */
    assert_int_equal(eg_case_one_year_after(D("2024-02-29")), D("2025-03-01"));
    assert_false(eg_case_incident_old(D("2024-02-29"), D("2025-03-01")));
    assert_true(eg_case_incident_old(D("2024-02-29"), D("2025-03-02")));
    assert_int_equal(eg_case_one_year_after(D("2025-12-31")), D("2026-12-31"));
    assert_false(eg_case_incident_old(INT32_MIN, D("2026-03-11")));
}

/* ---- routing ------------------------------------------------------------- */

static void test_routing(void **state)
{
    static const struct eg_case_routing_rule rules[] = {
        {"unpaid_pay", "*", "hrss"},
        {"penalty", "food_delivery", "market"},
        {"penalty", "ride_hailing", "transport"},
        {"penalty", "*", "market"},
        {"*", "ride_hailing", "transport"},
        {"safety", "*", "traffic_police"},
        {"*", "*", "centre"},
    };
    size_t n = sizeof rules / sizeof rules[0];

    (void)state;
    assert_string_equal(eg_case_route(rules, n, "unpaid_pay", "food_delivery", "x"), "hrss");
    assert_string_equal(eg_case_route(rules, n, "penalty", "ride_hailing", "x"), "transport");
    assert_string_equal(eg_case_route(rules, n, "penalty", "food_delivery", "x"), "market");
    assert_string_equal(eg_case_route(rules, n, "penalty", "courier", "x"), "market");
    /* Type with any sector beats any type with the sector. */
    assert_string_equal(eg_case_route(rules, n, "unpaid_pay", "ride_hailing", "x"), "hrss");
    assert_string_equal(eg_case_route(rules, n, "other", "ride_hailing", "x"), "transport");
    assert_string_equal(eg_case_route(rules, n, "other", "courier", "x"), "centre");
    assert_string_equal(eg_case_route(rules, n, "other", NULL, "x"), "centre");
    /* No catch-all: the fallback. */
    assert_string_equal(eg_case_route(rules, n - 1, "other", "courier", "fallback"), "fallback");
    assert_string_equal(eg_case_route(rules, 0, "penalty", "courier", "centre"), "centre");

    assert_true(eg_case_sector_valid("*"));
    assert_true(eg_case_sector_valid("food_delivery"));
    assert_false(eg_case_sector_valid(""));
    assert_false(eg_case_sector_valid("Food"));
    assert_false(eg_case_sector_valid("a b"));
    assert_false(eg_case_sector_valid("abcdefghijklmnopqrstuvwxyz0123456"));
    assert_false(eg_case_sector_valid(NULL));
}

/* ---- money ----------------------------------------------------------------- */

static void test_amounts(void **state)
{
    struct eg_case_amounts a;
    int dup;

    (void)state;
    memset(&a, 0, sizeof a);
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_PAY, 350000, &dup), EG_OK);
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_FINE_REFUND, 5001, &dup), EG_OK);
    assert_int_equal(eg_case_amounts_total(&a), 355001);
    /* Each category once. */
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_PAY, 1, &dup), EG_E_INVALID_FIELD);
    assert_true(dup);
    /* Zero, negative, too large, unknown category. */
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_OTHER, 0, &dup), EG_E_INVALID_FIELD);
    assert_false(dup);
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_OTHER, -5, &dup), EG_E_INVALID_FIELD);
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_OTHER, EG_MONEY_MAX_FEN + 1, &dup),
                     EG_E_INVALID_FIELD);
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_COUNT, 5, &dup), EG_E_INVALID_FIELD);
    assert_int_equal(eg_case_amounts_add(&a, -1, 5, &dup), EG_E_INVALID_FIELD);
    /* The total may not pass the money limit. */
    memset(&a, 0, sizeof a);
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_PAY, EG_MONEY_MAX_FEN, &dup), EG_OK);
    assert_int_equal(eg_case_amounts_add(&a, EG_CAT_OTHER, 1, &dup), EG_E_INVALID_FIELD);
    assert_int_equal(a.fen[EG_CAT_OTHER], 0);
}

static void test_agreement_effective(void **state)
{
    struct eg_case_confirmations c;

    (void)state;
    memset(&c, 0, sizeof c);
    assert_false(eg_case_agreement_effective(&c));
    c.at[EG_PARTY_APPLICANT] = 1000;
    assert_false(eg_case_agreement_effective(&c));
    c.at[EG_PARTY_MEDIATOR] = 1001;
    assert_false(eg_case_agreement_effective(&c));
    c.at[EG_PARTY_RESPONDENT] = 1002;
    assert_true(eg_case_agreement_effective(&c));
    /* Any two of three are not enough. */
    for (int missing = 0; missing < EG_PARTY_COUNT; missing++) {
        struct eg_case_confirmations d = c;
        d.at[missing] = 0;
        assert_false(eg_case_agreement_effective(&d));
    }
}

static void test_confirm_party(void **state)
{
    enum eg_case_party p;
    struct eg_case_actor applicant = {EG_ROLE_WORKER, 1, 0, 0};
    struct eg_case_actor other_worker = {EG_ROLE_WORKER, 0, 0, 0};
    struct eg_case_actor respondent = {EG_ROLE_PLATFORM, 0, 1, 0};
    struct eg_case_actor other_platform = {EG_ROLE_PLATFORM, 0, 0, 0};
    struct eg_case_actor med = {EG_ROLE_MEDIATOR, 0, 0, 1};
    struct eg_case_actor med_out = {EG_ROLE_MEDIATOR, 0, 0, 0};
    struct eg_case_actor admin = {EG_ROLE_ADMIN, 0, 0, 0};
    struct eg_case_actor sup = {EG_ROLE_SUPERVISOR, 0, 0, 1};

    (void)state;
    assert_int_equal(eg_case_confirm_party(&applicant, -1, &p), EG_OK);
    assert_int_equal(p, EG_PARTY_APPLICANT);
    assert_int_equal(eg_case_confirm_party(&applicant, EG_PARTY_MEDIATOR, &p), EG_E_FORBIDDEN);
    assert_int_equal(eg_case_confirm_party(&other_worker, -1, &p), EG_E_FORBIDDEN);
    assert_int_equal(eg_case_confirm_party(&respondent, -1, &p), EG_OK);
    assert_int_equal(p, EG_PARTY_RESPONDENT);
    assert_int_equal(eg_case_confirm_party(&respondent, EG_PARTY_APPLICANT, &p), EG_E_FORBIDDEN);
    assert_int_equal(eg_case_confirm_party(&other_platform, -1, &p), EG_E_FORBIDDEN);
    assert_int_equal(eg_case_confirm_party(&med, -1, &p), EG_OK);
    assert_int_equal(p, EG_PARTY_MEDIATOR);
    assert_int_equal(eg_case_confirm_party(&med, EG_PARTY_RESPONDENT, &p), EG_OK);
    assert_int_equal(p, EG_PARTY_RESPONDENT);
    assert_int_equal(eg_case_confirm_party(&med_out, -1, &p), EG_E_FORBIDDEN);
    assert_int_equal(eg_case_confirm_party(&admin, EG_PARTY_APPLICANT, &p), EG_OK);
    assert_int_equal(p, EG_PARTY_APPLICANT);
    assert_int_equal(eg_case_confirm_party(&sup, -1, &p), EG_E_FORBIDDEN);
}

static void test_payments_and_fulfilment(void **state)
{
    struct eg_case_amounts agreed, paid, owed;

    (void)state;
    memset(&agreed, 0, sizeof agreed);
    memset(&paid, 0, sizeof paid);
    agreed.fen[EG_CAT_PAY] = 300001; /* 3,000.01 yuan */
    agreed.fen[EG_CAT_DEPOSIT_REFUND] = 50000;
    assert_false(eg_case_amounts_paid(&agreed, &paid));
    assert_int_equal(eg_case_amounts_owed(&agreed, &paid, &owed), 350001);

    /* A category not agreed, zero and negative payments, an overpayment. */
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_OTHER, 100), EG_E_UNPROCESSABLE);
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, 0), EG_E_INVALID_FIELD);
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, -1), EG_E_INVALID_FIELD);
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, 300002), EG_E_UNPROCESSABLE);
    assert_int_equal(eg_case_check_payment(&agreed, &paid, 99, 1), EG_E_INVALID_FIELD);

    /* Pay in instalments, to the fen. */
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, 100000), EG_OK);
    paid.fen[EG_CAT_PAY] += 100000;
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, 200000), EG_OK);
    paid.fen[EG_CAT_PAY] += 200000;
    assert_false(eg_case_amounts_paid(&agreed, &paid));
    assert_int_equal(eg_case_amounts_owed(&agreed, &paid, &owed), 50001);
    assert_int_equal(owed.fen[EG_CAT_PAY], 1);
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, 2), EG_E_UNPROCESSABLE);
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, 1), EG_OK);
    paid.fen[EG_CAT_PAY] += 1;
    assert_false(eg_case_amounts_paid(&agreed, &paid)); /* deposit still owed */
    assert_int_equal(eg_case_check_payment(&agreed, &paid, EG_CAT_PAY, 1), EG_E_UNPROCESSABLE);
    paid.fen[EG_CAT_DEPOSIT_REFUND] = 50000;
    assert_true(eg_case_amounts_paid(&agreed, &paid));
    assert_int_equal(eg_case_amounts_owed(&agreed, &paid, &owed), 0);

    /* An agreement without money is fulfilled by its other terms alone. */
    memset(&agreed, 0, sizeof agreed);
    memset(&paid, 0, sizeof paid);
    assert_true(eg_case_amounts_paid(&agreed, &paid));
}

static void test_ratings(void **state)
{
    struct eg_case_actor applicant = {EG_ROLE_WORKER, 1, 0, 0};
    struct eg_case_actor other = {EG_ROLE_WORKER, 0, 0, 0};
    struct eg_case_actor med = {EG_ROLE_MEDIATOR, 0, 0, 1};
    const char *field;

    (void)state;
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_CLOSED, 0, 5, 4, 3, &field), EG_OK);
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_WITHDRAWN, 0, 1, 1, 1, &field),
                     EG_OK);
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_CLOSED, 1, 5, 4, 3, &field),
                     EG_E_CONFLICT);
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_MEDIATING, 0, 5, 4, 3, &field),
                     EG_E_CONFLICT);
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_FULFILLED, 0, 5, 4, 3, &field),
                     EG_E_CONFLICT);
    assert_int_equal(eg_case_check_rating(&other, EG_CASE_CLOSED, 0, 5, 4, 3, &field),
                     EG_E_FORBIDDEN);
    assert_int_equal(eg_case_check_rating(&med, EG_CASE_CLOSED, 0, 5, 4, 3, &field),
                     EG_E_FORBIDDEN);
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_CLOSED, 0, 0, 4, 3, &field),
                     EG_E_INVALID_FIELD);
    assert_string_equal(field, "speed");
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_CLOSED, 0, 5, 6, 3, &field),
                     EG_E_INVALID_FIELD);
    assert_string_equal(field, "attitude");
    assert_int_equal(eg_case_check_rating(&applicant, EG_CASE_CLOSED, 0, 5, 4, -3, &field),
                     EG_E_INVALID_FIELD);
    assert_string_equal(field, "result");
}

static void test_case_number(void **state)
{
    char buf[32];

    (void)state;
    eg_case_number_format("XM", 2026, 123, buf, sizeof buf);
    assert_string_equal(buf, "XM-2026-000123");
    eg_case_number_format("XM", 2027, 1, buf, sizeof buf);
    assert_string_equal(buf, "XM-2027-000001");
    eg_case_number_format("QZ", 2026, 1234567, buf, sizeof buf);
    assert_string_equal(buf, "QZ-2026-1234567");
}

static void test_sniff(void **state)
{
    static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0};
    static const unsigned char webp[] = {'R', 'I', 'F', 'F', 1, 2, 3, 4, 'W', 'E', 'B', 'P', 'V'};
    static const unsigned char wav[] = {'R', 'I', 'F', 'F', 1, 2, 3, 4, 'W', 'A', 'V', 'E', 'f'};
    static const unsigned char gif[] = {'G', 'I', 'F', '8', '9', 'a'};
    const char *ext;

    (void)state;
    assert_string_equal(eg_case_sniff(jpeg, sizeof jpeg, &ext), "image/jpeg");
    assert_string_equal(ext, ".jpg");
    assert_string_equal(eg_case_sniff(png, sizeof png, &ext), "image/png");
    assert_string_equal(eg_case_sniff((const unsigned char *)"%PDF-1.7\n", 9, &ext),
                        "application/pdf");
    assert_string_equal(ext, ".pdf");
    assert_string_equal(eg_case_sniff(webp, sizeof webp, &ext), "image/webp");
    assert_null(eg_case_sniff(wav, sizeof wav, &ext));
    assert_null(eg_case_sniff(gif, sizeof gif, &ext));
    assert_null(eg_case_sniff((const unsigned char *)"<html>", 6, &ext));
    assert_null(eg_case_sniff((const unsigned char *)"MZ\x90", 3, &ext));
    assert_null(eg_case_sniff(png, 4, &ext)); /* truncated magic */
    assert_null(eg_case_sniff(jpeg, 0, &ext));
}

static void test_clean_filename(void **state)
{
    char out[16];

    (void)state;
    eg_case_clean_filename("../../etc/passwd", out, sizeof out);
    assert_string_equal(out, "passwd");
    eg_case_clean_filename("C:\\tmp\\a\"b.jpg", out, sizeof out);
    assert_string_equal(out, "a_b.jpg");
    eg_case_clean_filename("..", out, sizeof out);
    assert_string_equal(out, "file");
    eg_case_clean_filename("", out, sizeof out);
    assert_string_equal(out, "file");
    eg_case_clean_filename(NULL, out, sizeof out);
    assert_string_equal(out, "file");
    eg_case_clean_filename("a\x01\nb", out, sizeof out);
    assert_string_equal(out, "a__b");
    eg_case_clean_filename("\xff\xfe.jpg", out, sizeof out);
    assert_string_equal(out, "file");
    /* Cut on a UTF-8 boundary: 工资单照片.jpg is 19 bytes; 15 fit, so 5 characters. */
    eg_case_clean_filename("工资单照片.jpg", out, sizeof out);
    assert_string_equal(out, "工资单照片");
}

static void test_consultations(void **state)
{
    struct eg_case_actor med = {EG_ROLE_MEDIATOR, 0, 0, 1};
    struct eg_case_actor med_out = {EG_ROLE_MEDIATOR, 0, 0, 0};
    struct eg_case_actor admin = {EG_ROLE_ADMIN, 0, 0, 0};
    struct eg_case_actor worker = {EG_ROLE_WORKER, 1, 0, 0};
    char why[160];

    (void)state;
    assert_int_equal(
        eg_consult_check_move(&med, EG_CONSULT_REQUESTED, EG_CONSULT_ASSIGNED, why, sizeof why),
        EG_OK);
    assert_int_equal(
        eg_consult_check_move(&admin, EG_CONSULT_ASSIGNED, EG_CONSULT_DONE, why, sizeof why),
        EG_OK);
    assert_int_equal(
        eg_consult_check_move(&med, EG_CONSULT_REQUESTED, EG_CONSULT_DONE, why, sizeof why),
        EG_E_ILLEGAL_TRANSITION);
    assert_non_null(strstr(why, "allowed: assigned"));
    assert_int_equal(
        eg_consult_check_move(&med, EG_CONSULT_DONE, EG_CONSULT_ASSIGNED, why, sizeof why),
        EG_E_ILLEGAL_TRANSITION);
    assert_non_null(strstr(why, "allowed: none"));
    assert_int_equal(
        eg_consult_check_move(&med_out, EG_CONSULT_REQUESTED, EG_CONSULT_ASSIGNED, why, sizeof why),
        EG_E_FORBIDDEN);
    assert_int_equal(
        eg_consult_check_move(&worker, EG_CONSULT_ASSIGNED, EG_CONSULT_DONE, why, sizeof why),
        EG_E_FORBIDDEN);
    for (int k = 0; k < EG_CONSULT_KIND_COUNT; k++)
        assert_non_null(eg_consult_department((enum eg_consult_kind)k));
    assert_string_equal(eg_consult_department(EG_CONSULT_LEGAL_AID), "justice");
    assert_true(eg_consult_kind_for_companies(EG_CONSULT_PAY_DISTRIBUTION));
    assert_true(eg_consult_kind_for_companies(EG_CONSULT_EMPLOYMENT_DIAGNOSIS));
    assert_false(eg_consult_kind_for_companies(EG_CONSULT_LEGAL_AID));
    assert_false(eg_consult_kind_for_companies(EG_CONSULT_PSYCHOLOGICAL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_graph_matches_spec),
        cmocka_unit_test(test_open_and_terminal),
        cmocka_unit_test(test_targets_text),
        cmocka_unit_test(test_every_transition_every_role),
        cmocka_unit_test(test_illegal_names_allowed),
        cmocka_unit_test(test_guards),
        cmocka_unit_test(test_accept_due_weekdays_and_weekends),
        cmocka_unit_test(test_accept_due_holidays_and_makeup_days),
        cmocka_unit_test(test_mediation_due_and_extension),
        cmocka_unit_test(test_timing_overdue),
        cmocka_unit_test(test_incident_over_a_year),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_agreement_effective),
        cmocka_unit_test(test_confirm_party),
        cmocka_unit_test(test_payments_and_fulfilment),
        cmocka_unit_test(test_ratings),
        cmocka_unit_test(test_case_number),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_clean_filename),
        cmocka_unit_test(test_consultations),
    };

    return cmocka_run_group_tests(tests, setup_calendar, NULL);
}
