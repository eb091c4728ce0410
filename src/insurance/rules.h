/*
 * rules.h — the business rules of 益鹭保 daily occupational-injury insurance,
 * free of HTTP and SQL so that every one of them is unit-tested on its own.
 *
 *   product versions   which figures are in force on a date, and their limits
 *   eligibility        age on the covered date (16–65 inclusive by default)
 *   cover window       a cover-day covers [max(day start, payment), day end)
 *   premium split      premium = subsidy share + payer share, exactly
 *   benefits           death, disability by grade, medical, hospital allowance
 *   caps               per incident and per person per calendar year
 *   claims             states, transitions, reject reasons, deadlines
 *   materials          the file types accepted, by their first bytes
 *
 * Money is integer fen. Every percentage is in basis points (10000 = 100 %)
 * and every product of an amount and a percentage is rounded down to the
 * fen (eg_money_share_bp), so that the insurer never pays a fraction of a
 * fen more than the schedule says.
 */
#ifndef EG_INSURANCE_RULES_H
#define EG_INSURANCE_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"
#include "core/time.h"

/* ---- product versions ------------------------------------------------- */

#define EG_INS_GRADES 10 /* disability grades 1 (worst) … 10 */

/*
 * One version of a product: every figure of the schedule. A version is in
 * force from effective_from until the day before the next version's
 * effective_from.
 */
struct eg_ins_version {
    int64_t id;                           /* row id, 0 before it is stored */
    int version;                          /* 1, 2, 3 … within the product */
    eg_day effective_from;                /* first day in force */
    int64_t daily_premium_fen;            /* premium of one cover-day (40) */
    int64_t subsidy_bp;                   /* public subsidy share (5000 = 50 %) */
    int min_age;                          /* youngest age covered on the day (16) */
    int max_age;                          /* oldest age covered on the day (65) */
    int64_t max_payout_fen;               /* sum insured; the cap per incident and per
                                             person per year (40,000,000 = 400,000 yuan) */
    int64_t death_bp;                     /* death benefit, share of the sum insured */
    int64_t disability_bp[EG_INS_GRADES]; /* grade g at index g − 1 (10000 … 1000) */
    int64_t medical_limit_fen;            /* most paid for medical costs per incident */
    int64_t medical_deductible_fen;       /* costs below this are not paid */
    int64_t medical_ratio_bp;             /* share of costs above the deductible paid */
    int64_t hospital_daily_fen;           /* allowance per day in hospital */
    int hospital_max_days;                /* most days paid per incident */
};

/*
 * The shipped defaults. The daily premium, the 50 % subsidy, ages 16–65 and
 * the 400,000-yuan maximum are the published figures; the per-item schedule
 * (death 100 %, disability 100 %…10 %, medical limit 50,000 yuan, deductible
 * 100 yuan, ratio 90 %, allowance 100 yuan a day up to 180 days) is an
 * ASSUMPTION — public sources give none — and every figure is editable.
 */
void eg_ins_version_defaults(struct eg_ins_version *v);

/*
 * Check that every figure is within its sane range (non-negative money not
 * above EG_MONEY_MAX_FEN, basis points within 0–10000, 0 <= min_age <=
 * max_age <= 120, 1 <= hospital_max_days <= 3660, premium >= 1 fen).
 * EG_OK, or EG_E_INVALID_FIELD with *field naming the JSON field at fault.
 */
enum eg_status eg_ins_version_check(const struct eg_ins_version *v, const char **field);

/*
 * The version in force on day: the one with the latest effective_from on or
 * before day. vs need not be sorted. NULL when none is in force yet.
 */
const struct eg_ins_version *eg_ins_version_in_force(const struct eg_ins_version *vs, size_t n,
                                                     eg_day day);

/* ---- eligibility ------------------------------------------------------ */

enum eg_ins_refusal {
    EG_INS_OK = 0,
    EG_INS_AGE,            /* younger than min_age or older than max_age on the day */
    EG_INS_PAST_DATE,      /* the day is over (before today) */
    EG_INS_TOO_FAR_AHEAD,  /* more than EG_INS_MAX_DAYS_AHEAD days ahead */
    EG_INS_BAD_DATE,       /* not a real YYYY-MM-DD date */
    EG_INS_BAD_ID_NUMBER,  /* not a valid resident ID number */
    EG_INS_UNKNOWN_PERSON, /* no such person (and not enough to create one) */
    EG_INS_NOT_ON_ROSTER,  /* a platform enrolling someone not on its roster */
    EG_INS_NO_PRODUCT      /* no product version in force on the day */
};

/* The stable reason code of a refusal ("age", "past_date" …). */
const char *eg_ins_refusal_code(enum eg_ins_refusal r);

/* How far ahead a cover-day may be bought (days after today). */
#define EG_INS_MAX_DAYS_AHEAD 366

/*
 * Whether a person born on birth may be covered on day: min_age <= age on
 * that day <= max_age, both inclusive. So a worker is covered from their
 * 16th birthday and up to the day before their 66th birthday.
 * EG_INS_OK or EG_INS_AGE.
 */
enum eg_ins_refusal eg_ins_check_age(eg_day birth, eg_day day, int min_age, int max_age);

/*
 * The birth dates covered on day: exactly those b with earliest <= b <=
 * latest satisfy eg_ins_check_age(b, day, min_age, max_age) == EG_INS_OK.
 * Lets a query select eligible people by comparing 'YYYY-MM-DD' text.
 */
void eg_ins_birth_bounds(eg_day day, int min_age, int max_age, eg_day *earliest, eg_day *latest);

/* Whether day may be enrolled on today: EG_INS_OK, EG_INS_PAST_DATE or EG_INS_TOO_FAR_AHEAD. */
enum eg_ins_refusal eg_ins_check_date(eg_day day, eg_day today);

/* ---- cover window ----------------------------------------------------- */

/*
 * The cover window of a cover-day paid at paid_at: from max(00:00 of day,
 * paid_at) up to (not including) 00:00 of the next day, Asia/Shanghai.
 * When paid_at is at or after the end of the day the window is empty
 * (*start == *end).
 */
void eg_ins_cover_window(eg_day day, int64_t paid_at, int64_t *start, int64_t *end);

/* Whether instant t lies in the window [start, end). */
int eg_ins_window_contains(int64_t start, int64_t end, int64_t t);

/* Whether a cover-day for day may still be cancelled at now: only before the day starts. */
int eg_ins_can_cancel(eg_day day, int64_t now);

/* ---- premium ---------------------------------------------------------- */

struct eg_ins_premium {
    int64_t premium_fen; /* the whole premium */
    int64_t subsidy_fen; /* the public subsidy share: floor(premium × subsidy_bp / 10000) */
    int64_t payer_fen;   /* the payer's share: premium − subsidy (an odd fen goes here) */
};

/* The premium of one cover-day under v, split exactly. */
void eg_ins_premium_of(const struct eg_ins_version *v, struct eg_ins_premium *out);

/* ---- benefits --------------------------------------------------------- */

enum eg_ins_item_kind {
    EG_INS_ITEM_DEATH,
    EG_INS_ITEM_DISABILITY,
    EG_INS_ITEM_MEDICAL,
    EG_INS_ITEM_HOSPITAL,
    EG_INS_ITEM_COUNT
};

/* "death", "disability", "medical", "hospital". */
const char *eg_ins_item_name(enum eg_ins_item_kind k);
/* The kind of a name; EG_INS_ITEM_COUNT when unknown. */
enum eg_ins_item_kind eg_ins_item_parse(const char *s);

/* Death: the sum insured × death_bp, rounded down. */
int64_t eg_ins_benefit_death(const struct eg_ins_version *v);

/* Disability of grade 1–10: the sum insured × disability_bp[grade − 1],
 * rounded down. EG_E_INVALID_FIELD for a grade outside 1–10. */
enum eg_status eg_ins_benefit_disability(const struct eg_ins_version *v, int grade, int64_t *out);

/* Medical costs: min(limit, floor(max(0, costs − deductible) × ratio)).
 * EG_E_INVALID_FIELD for negative or absurd costs. */
enum eg_status eg_ins_benefit_medical(const struct eg_ins_version *v, int64_t costs_fen,
                                      int64_t *out);

/* Hospital allowance: per-day × min(days, max days). EG_E_INVALID_FIELD for days < 0. */
enum eg_status eg_ins_benefit_hospital(const struct eg_ins_version *v, int64_t days, int64_t *out);

/* One assessed item: the inputs and what the schedule gives. */
struct eg_ins_item {
    enum eg_ins_item_kind kind;
    int grade;            /* disability */
    int64_t costs_fen;    /* medical: costs presented */
    int64_t days;         /* hospital: days in hospital */
    int64_t computed_fen; /* by the schedule */
    int has_override;     /* an adjuster set the amount */
    int64_t override_fen; /* the adjuster's amount (needs a reason) */
    int64_t final_fen;    /* override if any, else computed */
};

/* Fill it->computed_fen and it->final_fen from v. EG_E_INVALID_FIELD for bad inputs. */
enum eg_status eg_ins_item_assess(const struct eg_ins_version *v, struct eg_ins_item *it);

enum eg_ins_cap { EG_INS_CAP_NONE = 0, EG_INS_CAP_INCIDENT, EG_INS_CAP_YEAR };

/* "none", "incident", "year". */
const char *eg_ins_cap_name(enum eg_ins_cap c);

/*
 * The payable amount of an incident: the items' total, capped first at the
 * maximum payout per incident and then at what is left of the same maximum
 * for the person in the incident's calendar year after paid_in_year (the
 * payouts of the person's other approved or paid claims of that year).
 * *capped says which cap bit, if any.
 */
int64_t eg_ins_apply_caps(int64_t total_fen, int64_t max_payout_fen, int64_t paid_in_year_fen,
                          enum eg_ins_cap *capped);

/* ---- claims ----------------------------------------------------------- */

enum eg_claim_state {
    EG_CLAIM_REPORTED,
    EG_CLAIM_ACCEPTED, /* materials complete */
    EG_CLAIM_ASSESSED,
    EG_CLAIM_APPROVED,
    EG_CLAIM_PAID,
    EG_CLAIM_REJECTED,
    EG_CLAIM_STATE_COUNT
};

const char *eg_claim_state_name(enum eg_claim_state s);
/* EG_CLAIM_STATE_COUNT when unknown. */
enum eg_claim_state eg_claim_state_parse(const char *s);

/*
 * Whether a claim may move from one state to another by a transition:
 * reported → accepted | rejected; accepted → rejected; assessed → approved |
 * rejected; approved → paid | rejected | accepted (reopened: until it is
 * paid, an approval can be withdrawn). (accepted → assessed happens by an
 * assessment, which may be repeated while the claim is assessed.)
 */
int eg_claim_can_move(enum eg_claim_state from, enum eg_claim_state to);

/* The states reachable by a transition from `from`, comma-separated into out. */
void eg_claim_allowed(enum eg_claim_state from, char *out, size_t n);

/* Whether a claim in this state is still open (not paid or rejected). */
int eg_claim_is_open(enum eg_claim_state s);

/* Whether s is a reject reason code: not_covered, age, not_work_related,
 * duplicate, incomplete_after_deadline, fraud (found late, even after approval). */
int eg_claim_reason_valid(const char *s);

/* Days after the report within which materials are due (ASSUMPTION). */
#define EG_INS_MATERIALS_DAYS 30
/* Working days after materials are complete within which a decision is due (ASSUMPTION). */
#define EG_INS_DECISION_WORKING_DAYS 10

/* The last day for complete materials of a claim reported on reported. */
eg_day eg_ins_materials_due(eg_day reported);

/* The last day for the decision on a claim whose materials were complete on complete. */
eg_day eg_ins_decision_due(const struct eg_calendar *cal, eg_day complete);

/*
 * Whether a claim is overdue on today: reported and past its materials
 * deadline, or accepted/assessed and past its decision deadline (the day
 * after the due day is the first overdue day). Approved, paid and rejected
 * claims never are: the decision has been taken.
 */
int eg_claim_is_overdue(enum eg_claim_state s, eg_day materials_due, eg_day decision_due,
                        eg_day today);

/* ---- figures ---------------------------------------------------------- */

/* Payouts over premiums in basis points, rounded down; -1 when premiums are 0. */
int64_t eg_ins_loss_ratio_bp(int64_t payouts_fen, int64_t premiums_fen);

/* The median of v[0..n) (sorted in place); the lower of the two middle values'
 * mean rounded down for an even n. 0 for n == 0. */
int64_t eg_ins_median(int64_t *v, size_t n);

/* Parse "YYYY-MM" into the first and last day of that month. EG_E_INVALID_PARAMETER otherwise. */
enum eg_status eg_ins_month_parse(const char *s, eg_day *first, eg_day *last);

/* ---- materials -------------------------------------------------------- */

/* Most bytes in one material file, and most files per claim. */
#define EG_INS_MATERIAL_MAX_BYTES  ((size_t)10 * 1024 * 1024)
#define EG_INS_MATERIALS_PER_CLAIM 50

/*
 * The content type of a material by its first bytes: "application/pdf",
 * "image/png", "image/jpeg" or "image/webp"; NULL for anything else (what a
 * client says the type is does not count).
 */
const char *eg_ins_sniff(const void *data, size_t len);

/* The file name extension for a sniffed type ("pdf", "png", "jpg", "webp"). */
const char *eg_ins_sniff_ext(const char *content_type);

#endif
