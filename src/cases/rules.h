/*
 * rules.h — the business rules of rights-protection cases and
 * consultations, in one place: the state machine and who may move it,
 * deadlines in working days, the arbitration and limitation warnings,
 * routing, agreement effectiveness, the recovery arithmetic, ratings and the
 * evidence types accepted.
 *
 * Pure C: no HTTP, no SQL, no clock (callers pass "today"), so every rule
 * is unit-tested (tests/unit/test_case_rules.c).
 */
#ifndef EG_CASES_RULES_H
#define EG_CASES_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"
#include "core/time.h"
#include "core/principal.h"

/* ---- code lists ---------------------------------------------------------- */

enum eg_case_state {
    EG_CASE_SUBMITTED,
    EG_CASE_ACCEPTED,
    EG_CASE_REJECTED,
    EG_CASE_MEDIATING,
    EG_CASE_AGREED,
    EG_CASE_FULFILLED,
    EG_CASE_FAILED,
    EG_CASE_REFERRED,
    EG_CASE_CLOSED,
    EG_CASE_WITHDRAWN,
    EG_CASE_STATE_COUNT
};

enum eg_case_type {
    EG_CASE_T_UNPAID_PAY,
    EG_CASE_T_PENALTY,
    EG_CASE_T_DEACTIVATION,
    EG_CASE_T_OCCUPATIONAL_INJURY,
    EG_CASE_T_LABOUR_RELATION,
    EG_CASE_T_SOCIAL_INSURANCE,
    EG_CASE_T_SAFETY,
    EG_CASE_T_OTHER,
    EG_CASE_TYPE_COUNT
};

enum eg_case_channel {
    EG_CASE_CH_ONLINE,
    EG_CASE_CH_WINDOW,
    EG_CASE_CH_HOTLINE,
    EG_CASE_CH_QR,
    EG_CASE_CH_REFERRAL,
    EG_CASE_CHANNEL_COUNT
};

/* Money categories of claims, agreed terms and payments. */
enum eg_case_category {
    EG_CAT_PAY,
    EG_CAT_INJURY_MEDICAL,
    EG_CAT_DISABILITY_SUBSIDY,
    EG_CAT_FINE_REFUND,
    EG_CAT_DEPOSIT_REFUND,
    EG_CAT_OTHER,
    EG_CAT_COUNT
};

enum eg_case_referral { EG_REF_ARBITRATION, EG_REF_LITIGATION, EG_REF_LEGAL_AID, EG_REF_COUNT };

/* NULL-terminated name lists, in enum order (also usable as field enum_values). */
extern const char *const eg_case_state_names[];
extern const char *const eg_case_type_names[];
extern const char *const eg_case_channel_names[];
extern const char *const eg_case_category_names[];
extern const char *const eg_case_referral_names[];

/* Chinese labels in enum order, for documents and exports. */
extern const char *const eg_case_state_labels[];
extern const char *const eg_case_type_labels[];
extern const char *const eg_case_channel_labels[];
extern const char *const eg_case_category_labels[];
extern const char *const eg_case_referral_labels[];

/* The index of name in a NULL-terminated list, or -1. */
int eg_case_name_index(const char *const *names, const char *name);

/* Whether a state is open (submitted, accepted, mediating, agreed, failed):
 * the case can still be withdrawn, moved between departments and is counted
 * in backlogs. */
int eg_case_state_is_open(enum eg_case_state s);

/* Whether a state is terminal (rejected, closed, withdrawn): nothing follows
 * except the applicant's rating. */
int eg_case_state_is_terminal(enum eg_case_state s);

/* ---- the state machine --------------------------------------------------- */

/*
 * Who asks, relative to the case. The endpoint fills it after the row-scope
 * check (auth/authz.h), so a mediator here is always one whose department
 * handles or co-handles the case.
 */
struct eg_case_actor {
    enum eg_role role;
    int is_applicant;  /* a worker who is the case's applicant */
    int is_respondent; /* a platform account or key of the respondent organisation */
    int in_scope;      /* staff whose department (or below) handles or co-handles the case */
};

/*
 * What a transition needs besides the target: a reason (required when
 * rejecting, recommended otherwise), the referral kind (required when
 * referring), and facts the guard checks: whether the agreement is in
 * effect (to agreed) and whether the agreed amounts are all paid (to
 * fulfilled).
 */
struct eg_case_move {
    enum eg_case_state to;
    const char *reason;      /* may be NULL or "" */
    int referral;            /* enum eg_case_referral, -1 when absent */
    int agreement_effective; /* 1 when all three parties confirmed */
    int amounts_paid;        /* 1 when every agreed amount is paid */
};

/* Whether the graph has an edge from → to (whoever asks). */
int eg_case_edge(enum eg_case_state from, enum eg_case_state to);

/*
 * The targets the graph allows from a state, in enum order, into out
 * (room for EG_CASE_STATE_COUNT); returns how many.
 */
size_t eg_case_targets(enum eg_case_state from, enum eg_case_state *out);

/* The allowed targets as "accepted, rejected, withdrawn" ("none" when
 * terminal), for the 409 message. */
void eg_case_targets_text(enum eg_case_state from, char *out, size_t n);

/* Whether actor's role may perform from → to at all (the edge exists and the
 * role is one that may take it): mediators in scope and admins take every
 * edge; the applicant worker only withdraws; nobody else moves a case. */
int eg_case_may(const struct eg_case_actor *actor, enum eg_case_state from, enum eg_case_state to);

/*
 * Check a transition, in this order:
 *   EG_E_ILLEGAL_TRANSITION  no such edge (why names the allowed targets)
 *   EG_E_FORBIDDEN           the actor's role may not take this edge
 *   EG_E_MISSING_FIELD       reject without a reason (*field = "reason"),
 *                            refer without a referral (*field = "referral")
 *   EG_E_INVALID_FIELD       a referral given for another target
 *   EG_E_UNPROCESSABLE       to agreed without an agreement in effect, to
 *                            fulfilled with amounts unpaid
 * EG_OK otherwise. why (may be NULL) gets an English explanation and *field
 * (may be NULL) the offending field name or NULL.
 */
enum eg_status eg_case_check_move(const struct eg_case_actor *actor, enum eg_case_state from,
                                  const struct eg_case_move *move, const char **field, char *why,
                                  size_t why_len);

/* ---- deadlines ----------------------------------------------------------- */

/* The last day to accept a case submitted on `submitted`: the n-th working
 * day after it (n = cfg->accept_working_days, at least 1). */
eg_day eg_case_accept_due(const struct eg_calendar *cal, eg_day submitted, int n);

/* The last day of mediation: accepted + days + extension_days (calendar days). */
eg_day eg_case_mediation_due(eg_day accepted, int days, int extension_days);

/* Most days one extension may add. */
#define EG_CASE_EXTENSION_MAX_DAYS 15

/*
 * Check an extension of the mediation period: only while accepted or
 * mediating, only once, 1–15 days, and only with both parties' consent.
 * EG_E_CONFLICT (wrong state or already extended), EG_E_INVALID_FIELD (days;
 * *field = "days"), EG_E_UNPROCESSABLE (a consent missing; *field names it).
 */
enum eg_status eg_case_check_extension(enum eg_case_state state, int already_extended, int days,
                                       int applicant_consent, int respondent_consent,
                                       const char **field);

/* A case's deadline situation on a given day. */
struct eg_case_timing {
    int has_due;          /* a deadline applies in this state */
    eg_day due;           /* the deadline (valid when has_due) */
    int overdue;          /* today is past the deadline */
    int days_overdue;     /* whole days past it (0 when not overdue) */
    int arbitration_open; /* the worker may apply for arbitration now */
};

/*
 * The deadline that applies: acceptance while submitted, mediation while
 * accepted or mediating, none otherwise. Overdue when today > due. The
 * worker is told arbitration is open when a deadline has passed (劳动争议
 * 调解仲裁法 art. 14: no agreement within the mediation period) or when
 * mediation failed.
 */
void eg_case_timing(enum eg_case_state state, eg_day accept_due, eg_day mediation_due, eg_day today,
                    struct eg_case_timing *out);

/* Whether an incident on `incident` is more than a year before `on` (the
 * one-year limitation for arbitration, art. 27, may have run): on is after
 * the incident's first anniversary. */
int eg_case_incident_old(eg_day incident, eg_day on);

/* The same day one year later (29 February → 1 March). */
eg_day eg_case_one_year_after(eg_day d);

/* ---- routing ------------------------------------------------------------- */

/* A routing rule: case type ("*" = any) and respondent sector ("*" = any)
 * → handling department code. */
struct eg_case_routing_rule {
    const char *case_type;
    const char *sector;
    const char *department_code;
};

/*
 * The department for a case: the most specific matching rule wins (type and
 * sector, then type with any sector, then any type with the sector, then the
 * catch-all); fallback when none matches. Ties go to the earlier rule.
 */
const char *eg_case_route(const struct eg_case_routing_rule *rules, size_t n, const char *case_type,
                          const char *sector, const char *fallback);

/* Whether s is a sector name a rule may use: "*" or 1–32 of [a-z0-9_]. */
int eg_case_sector_valid(const char *s);

/* ---- money: claims, agreement, recovery ---------------------------------- */

/* Amounts in fen per category. */
struct eg_case_amounts {
    int64_t fen[EG_CAT_COUNT];
};

/*
 * Add amount to category cat of a (claims or terms being built): amount must
 * be 0 < amount <= EG_MONEY_MAX_FEN, each category at most once (dup says
 * whether it was already set), the total may not overflow. EG_OK or
 * EG_E_INVALID_FIELD.
 */
enum eg_status eg_case_amounts_add(struct eg_case_amounts *a, int cat, int64_t amount, int *dup);

/* The sum over categories (the inputs are already bounded; no overflow). */
int64_t eg_case_amounts_total(const struct eg_case_amounts *a);

/* Which party confirms an agreement. */
enum eg_case_party { EG_PARTY_APPLICANT, EG_PARTY_RESPONDENT, EG_PARTY_MEDIATOR, EG_PARTY_COUNT };
extern const char *const eg_case_party_names[];

/* Confirmation instants (0 = not yet) of the three parties. */
struct eg_case_confirmations {
    int64_t at[EG_PARTY_COUNT];
};

/* An agreement takes effect only when all three parties have confirmed. */
int eg_case_agreement_effective(const struct eg_case_confirmations *c);

/*
 * Which party the actor confirms as. A worker can only be the applicant and
 * a platform only the respondent (requested = -1 or their own party); staff
 * in scope confirm as the mediator by default, or record a party's signed
 * paper confirmation (requested = applicant or respondent). EG_E_FORBIDDEN
 * for anyone else or a party not theirs.
 */
enum eg_status eg_case_confirm_party(const struct eg_case_actor *actor, int requested,
                                     enum eg_case_party *party);

/*
 * Check a payment of amount in category cat against the agreed terms and
 * what is already paid: the amount must be positive (EG_E_INVALID_FIELD),
 * the category must be agreed and the payment must not exceed what is
 * still owed in it (EG_E_UNPROCESSABLE). Integer fen throughout.
 */
enum eg_status eg_case_check_payment(const struct eg_case_amounts *agreed,
                                     const struct eg_case_amounts *paid, int cat, int64_t amount);

/* Whether every agreed amount is paid in full (fulfilment). With no
 * money agreed at all it is vacuously true. */
int eg_case_amounts_paid(const struct eg_case_amounts *agreed, const struct eg_case_amounts *paid);

/* What is still owed per category (agreed − paid, never negative), and its total. */
int64_t eg_case_amounts_owed(const struct eg_case_amounts *agreed,
                             const struct eg_case_amounts *paid, struct eg_case_amounts *owed);

/*
 * Payment states: a payment the respondent records waits (recorded) for the
 * worker's confirmation, or the mediator's on evidence, and the worker may
 * dispute it; one the worker (the applicant) or staff record is confirmed at
 * once. Only confirmed payments count toward the agreed amounts; recorded
 * ones also count against what may still be recorded (no overpayment);
 * disputed ones count for nothing.
 */
enum eg_case_payment_state {
    EG_PAY_RECORDED,
    EG_PAY_CONFIRMED,
    EG_PAY_DISPUTED,
    EG_PAY_STATE_COUNT
};
extern const char *const eg_case_payment_state_names[];

/*
 * Who may record a payment and in which state it starts: the respondent →
 * recorded; the applicant, or staff in scope (and admins) → confirmed.
 * EG_E_FORBIDDEN for anyone else.
 */
enum eg_status eg_case_payment_initial(const struct eg_case_actor *actor,
                                       enum eg_case_payment_state *state);

/*
 * Check a decision (to = confirmed or disputed) on a payment in state from:
 * only a recorded payment is decided (EG_E_CONFLICT otherwise); the
 * applicant decides either way; staff in scope (and admins) confirm only on
 * evidence (has_evidence = 1, else EG_E_MISSING_FIELD) and may dispute; the
 * respondent and anyone else may not (EG_E_FORBIDDEN).
 */
enum eg_status eg_case_payment_check_decision(const struct eg_case_actor *actor,
                                              enum eg_case_payment_state from,
                                              enum eg_case_payment_state to, int has_evidence);

/*
 * Check the date of a payment: not before the day the agreement took effect
 * (agreed_on) and not after today (EG_E_INVALID_FIELD).
 */
enum eg_status eg_case_check_paid_on(eg_day paid_on, eg_day agreed_on, eg_day today);

/* ---- ratings ------------------------------------------------------------- */

/*
 * Check a rating: only the applicant (EG_E_FORBIDDEN), only once the case is
 * terminal (EG_E_CONFLICT), once (EG_E_CONFLICT when already rated), each
 * score 1–5 (EG_E_INVALID_FIELD with *field naming it).
 */
enum eg_status eg_case_check_rating(const struct eg_case_actor *actor, enum eg_case_state state,
                                    int already_rated, int speed, int attitude, int result,
                                    const char **field);

/* ---- case numbers -------------------------------------------------------- */

/* "<prefix>-<year>-<seq, at least 6 digits>", e.g. "XM-2026-000123". */
void eg_case_number_format(const char *prefix, int year, int64_t seq, char *out, size_t n);

/* ---- evidence ------------------------------------------------------------ */

/*
 * The type of an evidence file from its first bytes (magic numbers): JPEG,
 * PNG, PDF or WebP; NULL for anything else, whatever the client claims.
 * *ext gets the file name extension to store it under (".jpg" …).
 */
const char *eg_case_sniff(const unsigned char *p, size_t n, const char **ext);

/*
 * A safe display name for an uploaded file: the last path component of
 * name, control characters, quotes and backslashes replaced with '_', at
 * most n − 1 bytes cut at a UTF-8 boundary; "file" when nothing is left.
 */
void eg_case_clean_filename(const char *name, char *out, size_t n);

/* ---- consultations ------------------------------------------------------- */

enum eg_consult_kind {
    EG_CONSULT_LEGAL_AID,
    EG_CONSULT_EMPLOYMENT_STARTUP,
    EG_CONSULT_EMPLOYMENT_DIAGNOSIS,
    EG_CONSULT_PAY_DISTRIBUTION,
    EG_CONSULT_DEMOCRATIC_MANAGEMENT,
    EG_CONSULT_COLLECTIVE_CONSULTATION,
    EG_CONSULT_CULTURE_RESPONSIBILITY,
    EG_CONSULT_PSYCHOLOGICAL,
    EG_CONSULT_SKILLS_TRAINING,
    EG_CONSULT_SAFETY_TRAINING,
    EG_CONSULT_KIND_COUNT
};

enum eg_consult_state {
    EG_CONSULT_REQUESTED,
    EG_CONSULT_ASSIGNED,
    EG_CONSULT_DONE,
    EG_CONSULT_STATE_COUNT
};

extern const char *const eg_consult_kind_names[];
extern const char *const eg_consult_kind_labels[];
extern const char *const eg_consult_state_names[];

/* The department code that handles a kind of consultation by default. */
const char *eg_consult_department(enum eg_consult_kind k);

/*
 * 1 when a kind of consultation serves companies only (employment-management
 * diagnosis and pay-distribution guidance): workers may not request it.
 */
int eg_consult_kind_for_companies(enum eg_consult_kind k);

/*
 * Check a consultation transition: requested → assigned → done, by staff in
 * scope (mediator) or admin. EG_E_ILLEGAL_TRANSITION (why names what is
 * allowed) or EG_E_FORBIDDEN.
 */
enum eg_status eg_consult_check_move(const struct eg_case_actor *actor, enum eg_consult_state from,
                                     enum eg_consult_state to, char *why, size_t why_len);

#endif
