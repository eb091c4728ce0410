/*
 * rules.c — the business rules of the daily injury insurance (see rules.h).
 * Pure functions: no I/O, no clock, no database.
 */
#include "insurance/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/money.h"

#define BP_FULL 10000

/* ---- product versions ------------------------------------------------- */

void eg_ins_version_defaults(struct eg_ins_version *v)
{
    memset(v, 0, sizeof *v);
    v->version = 1;
    v->effective_from = eg_day_from_civil(2024, 1, 1);
    v->daily_premium_fen = 40;
    v->subsidy_bp = 5000;
    v->min_age = 16;
    v->max_age = 65;
    v->max_payout_fen = INT64_C(40000000);
    v->death_bp = BP_FULL;
    for (int g = 1; g <= EG_INS_GRADES; g++)
        v->disability_bp[g - 1] = (int64_t)(110 - 10 * g) * 100; /* (110 − 10g) % */
    v->medical_limit_fen = INT64_C(5000000);
    v->medical_deductible_fen = 10000;
    v->medical_ratio_bp = 9000;
    v->hospital_daily_fen = 10000;
    v->hospital_max_days = 180;
}

static int money_ok(int64_t v)
{
    return v >= 0 && v <= EG_MONEY_MAX_FEN;
}

static int bp_ok(int64_t v)
{
    return v >= 0 && v <= BP_FULL;
}

/*
 * Range checks on a whole version. The order of the checks is the order of
 * the fields in the API, so that the first bad field is the one named.
 */
enum eg_status eg_ins_version_check(const struct eg_ins_version *v, const char **field)
{
    const char *bad = NULL;

    if (v->daily_premium_fen < 1 || v->daily_premium_fen > INT64_C(100000000))
        bad = "daily_premium_fen";
    else if (!bp_ok(v->subsidy_bp))
        bad = "subsidy_bp";
    else if (v->min_age < 0 || v->min_age > 120)
        bad = "min_age";
    else if (v->max_age < v->min_age || v->max_age > 120)
        bad = "max_age";
    else if (!money_ok(v->max_payout_fen))
        bad = "max_payout_fen";
    else if (!bp_ok(v->death_bp))
        bad = "death_bp";
    else if (!money_ok(v->medical_limit_fen))
        bad = "medical_limit_fen";
    else if (!money_ok(v->medical_deductible_fen))
        bad = "medical_deductible_fen";
    else if (!bp_ok(v->medical_ratio_bp))
        bad = "medical_ratio_bp";
    else if (!money_ok(v->hospital_daily_fen))
        bad = "hospital_daily_fen";
    else if (v->hospital_max_days < 1 || v->hospital_max_days > 3660)
        bad = "hospital_max_days";
    for (int g = 0; bad == NULL && g < EG_INS_GRADES; g++)
        if (!bp_ok(v->disability_bp[g]))
            bad = "disability_bp";
    if (field != NULL)
        *field = bad;
    return bad == NULL ? EG_OK : EG_E_INVALID_FIELD;
}

const struct eg_ins_version *eg_ins_version_in_force(const struct eg_ins_version *vs, size_t n,
                                                     eg_day day)
{
    const struct eg_ins_version *best = NULL;

    for (size_t i = 0; i < n; i++) {
        if (vs[i].effective_from > day)
            continue;
        if (best == NULL || vs[i].effective_from > best->effective_from ||
            (vs[i].effective_from == best->effective_from && vs[i].version > best->version))
            best = &vs[i];
    }
    return best;
}

/* ---- eligibility ------------------------------------------------------ */

const char *eg_ins_refusal_code(enum eg_ins_refusal r)
{
    switch (r) {
    case EG_INS_OK:
        return "ok";
    case EG_INS_AGE:
        return "age";
    case EG_INS_PAST_DATE:
        return "past_date";
    case EG_INS_TOO_FAR_AHEAD:
        return "too_far_ahead";
    case EG_INS_BAD_DATE:
        return "bad_date";
    case EG_INS_BAD_ID_NUMBER:
        return "bad_id_number";
    case EG_INS_UNKNOWN_PERSON:
        return "unknown_person";
    case EG_INS_NOT_ON_ROSTER:
        return "not_on_roster";
    case EG_INS_NO_PRODUCT:
        return "no_product";
    }
    return "refused";
}

enum eg_ins_refusal eg_ins_check_age(eg_day birth, eg_day day, int min_age, int max_age)
{
    int age = eg_age_on(birth, day);

    return (age >= min_age && age <= max_age) ? EG_INS_OK : EG_INS_AGE;
}

/* The same month and day `years` years before day (29 February may land on 1 March). */
static eg_day years_before(eg_day day, int years)
{
    int y, m, d;

    eg_day_to_civil(day, &y, &m, &d);
    if (m == 2 && d == 29)
        d = 28;
    return eg_day_from_civil(y - years, m, d);
}

/*
 * Start from the calendar guess and walk to the exact edge with eg_age_on
 * itself, so that the bounds can never disagree with the age rule (leap
 * days included). Each walk takes at most a couple of steps.
 */
void eg_ins_birth_bounds(eg_day day, int min_age, int max_age, eg_day *earliest, eg_day *latest)
{
    eg_day hi = years_before(day, min_age);
    eg_day lo = years_before(day, max_age + 1);

    /* latest: the last birth date whose age on day is still >= min_age */
    while (eg_age_on(hi, day) < min_age)
        hi--;
    while (eg_age_on(hi + 1, day) >= min_age)
        hi++;
    /* earliest: the first birth date whose age on day is <= max_age */
    while (eg_age_on(lo, day) > max_age)
        lo++;
    while (eg_age_on(lo - 1, day) <= max_age)
        lo--;
    *earliest = lo;
    *latest = hi;
}

enum eg_ins_refusal eg_ins_check_date(eg_day day, eg_day today)
{
    if (day < today)
        return EG_INS_PAST_DATE;
    if (day > today + EG_INS_MAX_DAYS_AHEAD)
        return EG_INS_TOO_FAR_AHEAD;
    return EG_INS_OK;
}

/* ---- cover window ----------------------------------------------------- */

void eg_ins_cover_window(eg_day day, int64_t paid_at, int64_t *start, int64_t *end)
{
    int64_t s = eg_day_start(day);
    int64_t e = eg_day_start(day + 1);

    if (paid_at > s)
        s = paid_at;
    if (s > e)
        s = e;
    *start = s;
    *end = e;
}

int eg_ins_window_contains(int64_t start, int64_t end, int64_t t)
{
    return t >= start && t < end;
}

int eg_ins_can_cancel(eg_day day, int64_t now)
{
    return now < eg_day_start(day);
}

/* ---- premium ---------------------------------------------------------- */

void eg_ins_premium_of(const struct eg_ins_version *v, struct eg_ins_premium *out)
{
    out->premium_fen = v->daily_premium_fen;
    eg_money_split(v->daily_premium_fen, v->subsidy_bp, &out->subsidy_fen, &out->payer_fen);
}

/* ---- benefits --------------------------------------------------------- */

static const char *const item_names[EG_INS_ITEM_COUNT] = {"death", "disability", "medical",
                                                          "hospital"};

const char *eg_ins_item_name(enum eg_ins_item_kind k)
{
    return (unsigned)k < EG_INS_ITEM_COUNT ? item_names[k] : "unknown";
}

enum eg_ins_item_kind eg_ins_item_parse(const char *s)
{
    for (int i = 0; s != NULL && i < EG_INS_ITEM_COUNT; i++)
        if (strcmp(s, item_names[i]) == 0)
            return (enum eg_ins_item_kind)i;
    return EG_INS_ITEM_COUNT;
}

int64_t eg_ins_benefit_death(const struct eg_ins_version *v)
{
    return eg_money_share_bp(v->max_payout_fen, v->death_bp);
}

enum eg_status eg_ins_benefit_disability(const struct eg_ins_version *v, int grade, int64_t *out)
{
    if (grade < 1 || grade > EG_INS_GRADES)
        return EG_E_INVALID_FIELD;
    *out = eg_money_share_bp(v->max_payout_fen, v->disability_bp[grade - 1]);
    return EG_OK;
}

enum eg_status eg_ins_benefit_medical(const struct eg_ins_version *v, int64_t costs_fen,
                                      int64_t *out)
{
    int64_t over, paid;

    if (costs_fen < 0 || costs_fen > EG_MONEY_MAX_FEN)
        return EG_E_INVALID_FIELD;
    over = costs_fen - v->medical_deductible_fen;
    if (over < 0)
        over = 0;
    paid = eg_money_share_bp(over, v->medical_ratio_bp);
    *out = paid < v->medical_limit_fen ? paid : v->medical_limit_fen;
    return EG_OK;
}

enum eg_status eg_ins_benefit_hospital(const struct eg_ins_version *v, int64_t days, int64_t *out)
{
    if (days < 0 || days > 100000)
        return EG_E_INVALID_FIELD;
    if (days > v->hospital_max_days)
        days = v->hospital_max_days;
    return eg_money_mul(v->hospital_daily_fen, days, out);
}

enum eg_status eg_ins_item_assess(const struct eg_ins_version *v, struct eg_ins_item *it)
{
    enum eg_status st = EG_OK;

    switch (it->kind) {
    case EG_INS_ITEM_DEATH:
        it->computed_fen = eg_ins_benefit_death(v);
        break;
    case EG_INS_ITEM_DISABILITY:
        st = eg_ins_benefit_disability(v, it->grade, &it->computed_fen);
        break;
    case EG_INS_ITEM_MEDICAL:
        st = eg_ins_benefit_medical(v, it->costs_fen, &it->computed_fen);
        break;
    case EG_INS_ITEM_HOSPITAL:
        st = eg_ins_benefit_hospital(v, it->days, &it->computed_fen);
        break;
    default:
        st = EG_E_INVALID_FIELD;
        break;
    }
    if (st != EG_OK)
        return st;
    if (it->has_override && (it->override_fen < 0 || it->override_fen > EG_MONEY_MAX_FEN))
        return EG_E_INVALID_FIELD;
    it->final_fen = it->has_override ? it->override_fen : it->computed_fen;
    return EG_OK;
}

const char *eg_ins_cap_name(enum eg_ins_cap c)
{
    switch (c) {
    case EG_INS_CAP_INCIDENT:
        return "incident";
    case EG_INS_CAP_YEAR:
        return "year";
    default:
        return "none";
    }
}

int64_t eg_ins_apply_caps(int64_t total_fen, int64_t max_payout_fen, int64_t paid_in_year_fen,
                          enum eg_ins_cap *capped)
{
    int64_t left = max_payout_fen - paid_in_year_fen;
    int64_t pay = total_fen < 0 ? 0 : total_fen;

    *capped = EG_INS_CAP_NONE;
    if (left < 0)
        left = 0;
    if (pay > max_payout_fen) {
        pay = max_payout_fen;
        *capped = EG_INS_CAP_INCIDENT;
    }
    if (pay > left) {
        pay = left;
        *capped = EG_INS_CAP_YEAR;
    }
    return pay;
}

/* ---- claims ----------------------------------------------------------- */

static const char *const state_names[EG_CLAIM_STATE_COUNT] = {"reported", "accepted", "assessed",
                                                              "approved", "paid",     "rejected"};

const char *eg_claim_state_name(enum eg_claim_state s)
{
    return (unsigned)s < EG_CLAIM_STATE_COUNT ? state_names[s] : "unknown";
}

enum eg_claim_state eg_claim_state_parse(const char *s)
{
    for (int i = 0; s != NULL && i < EG_CLAIM_STATE_COUNT; i++)
        if (strcmp(s, state_names[i]) == 0)
            return (enum eg_claim_state)i;
    return EG_CLAIM_STATE_COUNT;
}

int eg_claim_can_move(enum eg_claim_state from, enum eg_claim_state to)
{
    switch (from) {
    case EG_CLAIM_REPORTED:
        return to == EG_CLAIM_ACCEPTED || to == EG_CLAIM_REJECTED;
    case EG_CLAIM_ACCEPTED:
        return to == EG_CLAIM_REJECTED;
    case EG_CLAIM_ASSESSED:
        return to == EG_CLAIM_APPROVED || to == EG_CLAIM_REJECTED;
    case EG_CLAIM_APPROVED:
        /* until it is paid, an approval can be withdrawn: rejected (fraud found
         * late) or reopened for a new assessment */
        return to == EG_CLAIM_PAID || to == EG_CLAIM_REJECTED || to == EG_CLAIM_ACCEPTED;
    default:
        return 0;
    }
}

void eg_claim_allowed(enum eg_claim_state from, char *out, size_t n)
{
    size_t used = 0;

    if (n == 0)
        return;
    out[0] = '\0';
    for (int to = 0; to < EG_CLAIM_STATE_COUNT; to++) {
        if (!eg_claim_can_move(from, (enum eg_claim_state)to))
            continue;
        int w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", state_names[to]);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
}

int eg_claim_is_open(enum eg_claim_state s)
{
    return s != EG_CLAIM_PAID && s != EG_CLAIM_REJECTED && s < EG_CLAIM_STATE_COUNT;
}

int eg_claim_reason_valid(const char *s)
{
    static const char *const reasons[] = {
        "not_covered", "age", "not_work_related", "duplicate", "incomplete_after_deadline",
        "fraud"};

    for (size_t i = 0; s != NULL && i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(s, reasons[i]) == 0)
            return 1;
    return 0;
}

eg_day eg_ins_materials_due(eg_day reported)
{
    return reported + EG_INS_MATERIALS_DAYS;
}

eg_day eg_ins_decision_due(const struct eg_calendar *cal, eg_day complete)
{
    return eg_add_working_days(cal, complete, EG_INS_DECISION_WORKING_DAYS);
}

int eg_claim_is_overdue(enum eg_claim_state s, eg_day materials_due, eg_day decision_due,
                        eg_day today)
{
    switch (s) {
    case EG_CLAIM_REPORTED:
        return today > materials_due;
    case EG_CLAIM_ACCEPTED:
    case EG_CLAIM_ASSESSED:
        return today > decision_due;
    default:
        return 0;
    }
}

/* ---- figures ---------------------------------------------------------- */

int64_t eg_ins_loss_ratio_bp(int64_t payouts_fen, int64_t premiums_fen)
{
    if (premiums_fen <= 0)
        return -1;
    if (payouts_fen < 0)
        payouts_fen = 0;
    /* payouts are at most EG_MONEY_MAX_FEN (1e14), so × 10000 stays below 2^63 */
    if (payouts_fen > EG_MONEY_MAX_FEN)
        payouts_fen = EG_MONEY_MAX_FEN;
    return payouts_fen * BP_FULL / premiums_fen;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

int64_t eg_ins_median(int64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof v[0], cmp_i64);
    if (n % 2 == 1)
        return v[n / 2];
    /* mean of the two middle values without overflow, rounded down */
    int64_t a = v[n / 2 - 1], b = v[n / 2];
    return a + (b - a) / 2;
}

enum eg_status eg_ins_month_parse(const char *s, eg_day *first, eg_day *last)
{
    char buf[11];
    int y, m, d;

    if (s == NULL || strnlen(s, 8) != 7)
        return EG_E_INVALID_PARAMETER;
    memcpy(buf, s, 7);
    memcpy(buf + 7, "-01", 4);
    if (eg_date_parse(buf, first) != EG_OK)
        return EG_E_INVALID_PARAMETER;
    eg_day_to_civil(*first, &y, &m, &d);
    if (m == 12)
        *last = eg_day_from_civil(y + 1, 1, 1) - 1;
    else
        *last = eg_day_from_civil(y, m + 1, 1) - 1;
    return EG_OK;
}

/* ---- materials -------------------------------------------------------- */

const char *eg_ins_sniff(const void *data, size_t len)
{
    const unsigned char *p = data;

    if (p == NULL)
        return NULL;
    if (len >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return "application/pdf";
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    return NULL;
}

const char *eg_ins_sniff_ext(const char *content_type)
{
    if (content_type == NULL)
        return "bin";
    if (strcmp(content_type, "application/pdf") == 0)
        return "pdf";
    if (strcmp(content_type, "image/png") == 0)
        return "png";
    if (strcmp(content_type, "image/jpeg") == 0)
        return "jpg";
    if (strcmp(content_type, "image/webp") == 0)
        return "webp";
    return "bin";
}
