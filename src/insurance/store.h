/*
 * store.h — the insurance module's storage: every SQL statement of the
 * module lives behind these functions (store.c for products, cover-days,
 * orders, the ledger and the daily job; store_claims.c for claims).
 *
 * The SQL is portable (SQLite and PostgreSQL). Functions that write must be
 * called inside eg_db_tx(); they do not write the audit trail themselves —
 * the caller appends one event per change it makes. Text results are
 * copied into the arena given (or into fixed arrays in the structs).
 */
#ifndef EG_INSURANCE_STORE_H
#define EG_INSURANCE_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/status.h"
#include "core/time.h"
#include "insurance/rules.h"

struct eg_db;

/* The product every enrollment uses unless another code is named. */
#define EG_INS_DEFAULT_PRODUCT "yilubao"

/* ---- products --------------------------------------------------------- */

struct eg_ins_product {
    int64_t id;
    char code[32];
    char name[64];
};

/* Extra facts about a version, for listing. */
struct eg_ins_version_meta {
    const char *note;
    const char *created_by;
    int64_t created_at;
};

/* A product by code: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_ins_product_find(struct eg_db *db, const char *code, struct eg_ins_product *out);

/* Every product, by code. */
enum eg_status eg_ins_products_list(struct eg_db *db, struct eg_arena *a,
                                    struct eg_ins_product **out, size_t *n);

/* Every version of a product, oldest first; metas (may be NULL) gets a parallel array. */
enum eg_status eg_ins_versions_load(struct eg_db *db, struct eg_arena *a, int64_t product_id,
                                    struct eg_ins_version **vs, struct eg_ins_version_meta **metas,
                                    size_t *n);

/* One version by id: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_ins_version_get(struct eg_db *db, int64_t version_id, struct eg_ins_version *v);

/* Store v as the product's next version (v->version is assigned here).
 * EG_E_DUPLICATE when a version with the same effective_from exists. */
enum eg_status eg_ins_version_insert(struct eg_db *db, int64_t product_id, struct eg_ins_version *v,
                                     const char *note, const char *by, int64_t now);

/* ---- people ----------------------------------------------------------- */

/* A person's birth date: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_ins_person_birth(struct eg_db *db, int64_t person_id, eg_day *birth);

/* Whether platforms' rosters can be checked (workforce.h answers installed). */
int eg_ins_checks_rosters(void);

/* Whether person_id is on platform org_id's roster (workforce.h); *on = 1
 * when no roster can be checked. EG_OK with *on set. */
enum eg_status eg_ins_on_roster(struct eg_db *db, int64_t org_id, int64_t person_id, int *on);

/* Whether an organisation exists and may pay (not archived). */
enum eg_status eg_ins_org_exists(struct eg_db *db, int64_t org_id, int *exists);

/* ---- cover-days ------------------------------------------------------- */

struct eg_ins_cover {
    int64_t id;
    int64_t person_id;
    eg_day day;
    int64_t product_id;
    int64_t version_id;
    int version; /* the version number */
    char product_code[32];
    char state[20];          /* awaiting_payment, active, expired, cancelled */
    char payer_kind[16];     /* person, organisation */
    int64_t payer_person_id; /* 0 when none */
    int64_t payer_org_id;    /* 0 when none */
    int64_t premium_fen, subsidy_fen, payer_fen;
    int64_t order_id; /* 0 when none */
    int64_t day_start_at;
    int64_t cover_start_at; /* 0 until paid */
    int64_t cover_end_at;
    char source[16];
    char enrolled_by[64];
    char cancel_reason[16];                         /* "" unless cancelled */
    int64_t created_at, activated_at, cancelled_at; /* 0 when not yet */
    const char *person_name;                        /* arena; lists and single reads */
    char id_masked[20];                             /* masked ID number */
};

struct eg_ins_cover_new {
    int64_t person_id;
    eg_day day;
    int64_t product_id;
    const struct eg_ins_version *v;
    const char *payer_kind; /* "person" or "organisation" */
    int64_t payer_person_id;
    int64_t payer_org_id;
    int64_t order_id;
    const char *source; /* self, platform, staff, auto_renew */
    const char *enrolled_by;
    int64_t now;
};

/*
 * Insert one cover-day awaiting payment. When the person already has a
 * cover-day for that date, nothing changes and *created is 0 (*id and
 * state give the existing one) — unless the existing one was cancelled, in
 * which case it is enrolled afresh (*created 1, same id).
 */
enum eg_status eg_ins_cover_insert(struct eg_db *db, const struct eg_ins_cover_new *c, int64_t *id,
                                   int *created, char state[20]);

/* One cover-day: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_ins_cover_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                struct eg_ins_cover *out);

struct eg_ins_cover_filter {
    int64_t person_id;    /* 0 = any */
    int64_t payer_org_id; /* 0 = any */
    int64_t order_id;     /* 0 = any */
    const char *state;    /* NULL = any */
    const char *from;     /* 'YYYY-MM-DD' or NULL */
    const char *to;       /* 'YYYY-MM-DD' or NULL */
    int64_t before_id;    /* cursor: ids below this; 0 = from the newest */
    int limit;
};

/* Cover-days matching f, newest first. */
enum eg_status eg_ins_cover_list(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_ins_cover_filter *f, struct eg_ins_cover **out,
                                 size_t *n);

/*
 * Cancel a cover-day that has not started (the caller checks the time).
 * Awaiting payment: it leaves its order, whose totals shrink (an emptied
 * order is cancelled). Active: a refund of its premium, subsidy and payer
 * shares is booked in the ledger and on the order. *refund_fen gets the
 * payer share refunded (0 when nothing was paid).
 */
enum eg_status eg_ins_cover_cancel(struct eg_db *db, const struct eg_ins_cover *c, int64_t now,
                                   int64_t *refund_fen);

/* The active or expired cover-day of person_id whose window contains t:
 * EG_OK with *cover filled, or EG_E_NOT_FOUND. */
enum eg_status eg_ins_cover_at(struct eg_db *db, struct eg_arena *a, int64_t person_id, int64_t t,
                               struct eg_ins_cover *cover);

/* ---- payment orders --------------------------------------------------- */

struct eg_ins_order {
    int64_t id;
    char order_no[48];
    char kind[16];
    char payer_kind[16];
    int64_t payer_person_id, payer_org_id;
    int64_t amount_fen, premium_fen, subsidy_fen;
    int64_t cover_days;
    eg_day first_day, last_day;
    char state[16]; /* pending, paid, expired, cancelled (as stored) */
    char created_by[64];
    int64_t created_at, expires_at, paid_at, confirmed_at, closed_at; /* 0 when not yet */
    char channel_ref[72];
    int64_t refunded_fen;
};

/* Most seconds an interactive order stays payable. */
#define EG_INS_ORDER_TTL_S 1800

/* Create an empty pending order; eg_ins_order_finish() sets its totals. */
enum eg_status eg_ins_order_create(struct eg_db *db, const char *kind, const char *payer_kind,
                                   int64_t payer_person_id, int64_t payer_org_id,
                                   const char *created_by, int64_t now, int64_t *id,
                                   char order_no[48]);

/*
 * Recompute an order's totals from its cover-days and set its expiry: for
 * an enrollment, the earlier of now + EG_INS_ORDER_TTL_S and the end of its
 * first covered day; for an auto-renewal, the end of the covered day. An
 * order left without cover-days is deleted (*count 0).
 */
enum eg_status eg_ins_order_finish(struct eg_db *db, int64_t order_id, int64_t now, int64_t *count);

/* An order by id (order_no NULL) or by number (id 0): EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_ins_order_get(struct eg_db *db, int64_t id, const char *order_no,
                                struct eg_ins_order *out);

/* The order that already used this channel reference: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_ins_order_by_ref(struct eg_db *db, const char *channel_ref, int64_t *order_id);

/*
 * Mark a pending order paid and activate its cover-days: each gets the
 * window [max(day start, paid_at), day end) and books its premium, subsidy
 * and payer shares in the ledger. *activated gets the number of cover-days.
 */
enum eg_status eg_ins_order_pay(struct eg_db *db, int64_t order_id, int64_t paid_at,
                                const char *channel_ref, int64_t now, int64_t *activated);

/* Lapse pending orders whose expiry is at or before now and cancel their
 * cover-days (reason 'unpaid'). Counts into *orders and *days. */
enum eg_status eg_ins_orders_expire(struct eg_db *db, int64_t now, int64_t *orders, int64_t *days);

struct eg_ins_order_filter {
    int64_t payer_person_id; /* 0 = any */
    int64_t payer_org_id;    /* 0 = any */
    const char *state;       /* NULL = any */
    int64_t before_id;
    int limit;
};

enum eg_status eg_ins_order_list(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_ins_order_filter *f, struct eg_ins_order **out,
                                 size_t *n);

/* ---- auto-renewal ----------------------------------------------------- */

enum eg_status eg_ins_auto_renew_set(struct eg_db *db, int64_t person_id, int64_t product_id,
                                     int enabled, int64_t now);
/* *enabled 0 and *updated_at 0 when never set. */
enum eg_status eg_ins_auto_renew_get(struct eg_db *db, int64_t person_id, int *enabled,
                                     int64_t *updated_at);

/* ---- the daily job ---------------------------------------------------- */

/*
 * Start (or resume) the run of job for day. *done is 1 when that run has
 * already finished (then nothing else should happen).
 */
enum eg_status eg_ins_job_begin(struct eg_db *db, const char *job, eg_day day, int64_t now,
                                int *done);
/* Mark the run finished with a JSON summary. */
enum eg_status eg_ins_job_finish(struct eg_db *db, const char *job, eg_day day, int64_t now,
                                 const char *summary);

/* Active cover-days of dates before `before` become expired. */
enum eg_status eg_ins_close_days(struct eg_db *db, eg_day before, int64_t *n);

/* Cover-days still awaiting payment for dates before `before` are cancelled
 * (reason 'unpaid') and their pending orders lapse. */
enum eg_status eg_ins_cancel_unpaid(struct eg_db *db, eg_day before, int64_t now, int64_t *days,
                                    int64_t *orders);

/*
 * Enroll every auto-renewing person eligible on day (by age under v) who has
 * no cover-day for it yet: one pending order per person (kind auto_renew,
 * payable until the end of day) and its cover-day. Idempotent: a second run
 * finds the cover-days there and adds nothing. Counts into *orders, *days.
 */
enum eg_status eg_ins_renew(struct eg_db *db, eg_day day, int64_t product_id,
                            const struct eg_ins_version *v, int64_t now, int64_t *orders,
                            int64_t *days);

/* ---- ledger, settlement, figures -------------------------------------- */

struct eg_ins_settlement_row {
    const char *payer_kind;  /* "organisation", or "person" for all self-paying workers together */
    int64_t payer_org_id;    /* 0 for the workers' row */
    const char *payer_name;  /* organisation name, or "" */
    const char *credit_code; /* organisation credit code, or "" */
    int64_t person_days;     /* premiums booked less refunds */
    int64_t premium_fen, subsidy_fen, payer_fen;
};

/* The month's ledger per payer (organisations by name, then the workers'
 * row) for cover-days dated first..last. */
enum eg_status eg_ins_settlement(struct eg_db *db, struct eg_arena *a, const char *month,
                                 struct eg_ins_settlement_row **rows, size_t *n);

struct eg_ins_figures {
    int64_t person_days;    /* active or expired cover-days dated from..to */
    int64_t insured_people; /* distinct people among them */
    int64_t premiums_fen;   /* net premiums booked for those dates */
    int64_t subsidy_fen;
    int64_t covered_on;     /* distinct people with an active or expired cover-day on `on` */
    int64_t active_workers; /* people with work records on `on`; -1 when unknown */
    int64_t covered_active; /* of those, covered on `on`; -1 when unknown */
    int64_t claims_by_state[EG_CLAIM_STATE_COUNT]; /* claims with incidents from..to */
    int64_t claims_total;
    int64_t payouts_fen; /* paid claims with incidents from..to */
    int64_t paid_claims;
    int64_t *pay_seconds; /* reported → paid of each paid claim (arena) */
    size_t n_pay;
    int64_t open_claims, overdue_claims;
};

enum eg_status eg_ins_figures_compute(struct eg_db *db, struct eg_arena *a, eg_day from, eg_day to,
                                      eg_day on, struct eg_ins_figures *out);

/* The number of distinct people with an active or expired cover-day on day. */
enum eg_status eg_ins_count_covered(struct eg_db *db, eg_day day, int64_t *n);

/* Public holidays and make-up working days from calendar_days within [from, to]. */
enum eg_status eg_ins_calendar_load(struct eg_db *db, struct eg_arena *a, eg_day from, eg_day to,
                                    struct eg_calendar *cal);

/* ---- claims (store_claims.c) ------------------------------------------ */

struct eg_ins_claim {
    int64_t id;
    char claim_no[48];
    int64_t person_id;
    int64_t cover_day_id;
    int64_t version_id;
    int64_t incident_at;
    eg_day incident_day;
    int incident_year;
    const char *place, *description, *hospital; /* arena */
    char injury_type[24];
    enum eg_claim_state state;
    char reject_reason[32];
    const char *reject_note; /* arena, "" if none */
    char reported_by[64];
    int64_t reported_at;
    eg_day materials_due;
    int64_t accepted_at;
    eg_day decision_due; /* 0 until accepted */
    int has_decision_due;
    int64_t assessed_at;
    int assessment_round;
    int64_t assessed_total_fen; /* -1 until assessed */
    int64_t payout_fen;         /* -1 until assessed */
    char capped_by[16];
    int64_t approved_at, paid_at, rejected_at;
    char payout_ref[72];
    int64_t case_id; /* 0 when not linked */
    int64_t updated_at;
    const char *person_name; /* arena */
    char id_masked[20];
    int64_t payer_org_id; /* of the cover-day, 0 if self-paid */
};

struct eg_ins_claim_new {
    int64_t person_id;
    int64_t cover_day_id;
    int64_t version_id;
    int64_t incident_at;
    const char *place, *description, *injury_type, *hospital;
    const char *reported_by;
    const char *prefix; /* claim number prefix, e.g. "XM" */
    int64_t now;
};

/* Insert a reported claim; *id and claim_no filled. */
enum eg_status eg_ins_claim_insert(struct eg_db *db, const struct eg_ins_claim_new *c, int64_t *id,
                                   char claim_no[48]);

/* An open or paid claim of the person at exactly that instant (a duplicate). */
enum eg_status eg_ins_claim_find_duplicate(struct eg_db *db, int64_t person_id, int64_t incident_at,
                                           int64_t *claim_id);

enum eg_status eg_ins_claim_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                struct eg_ins_claim *out);

struct eg_ins_claim_filter {
    int64_t person_id;     /* 0 = any */
    const char *state;     /* NULL = any */
    const char *from, *to; /* incident dates, or NULL */
    int overdue_only;      /* 1: only overdue claims (needs today) */
    eg_day today;
    int64_t case_id; /* 0 = any */
    int64_t before_id;
    int limit;
};

enum eg_status eg_ins_claim_list(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_ins_claim_filter *f, struct eg_ins_claim **out,
                                 size_t *n);

/*
 * Move a claim from its current state `from` to `to` (compare-and-set: EG_E_CONFLICT
 * when someone else moved it first), setting the state's timestamp and the
 * extra fields given: reject reason and note, the decision due date, the payout and
 * cap, the payout reference. Approved → accepted reopens the claim for a new
 * assessment: the approval is cleared and the decision due date set anew.
 */
struct eg_ins_claim_move {
    enum eg_claim_state from, to;
    int64_t now;
    const char *reject_reason, *reject_note;
    int has_decision_due;
    eg_day decision_due;
    int has_payout;
    int64_t payout_fen;
    const char *capped_by;
    const char *payout_ref;
};
enum eg_status eg_ins_claim_move(struct eg_db *db, int64_t id, const struct eg_ins_claim_move *m);

/* Payouts of the person's approved and paid claims with incidents in year, except claim `except`.
 */
enum eg_status eg_ins_claim_paid_in_year(struct eg_db *db, int64_t person_id, int year,
                                         int64_t except, int64_t *sum);

/*
 * One assessment round as it is stored: the items (override_reasons[i]
 * with each overridden item), the items' total before caps, the payout
 * after caps and which cap applied, who assessed it (login and role) and
 * the note.
 */
struct eg_ins_round_new {
    const struct eg_ins_item *items;
    const char *const *override_reasons;
    size_t n;
    int64_t total_fen, payout_fen;
    const char *capped_by;
    const char *by, *role, *note;
    int64_t now;
};

/*
 * Store an assessment round of claim c (accepted or assessed, compare-and-set
 * on its round: EG_E_CONFLICT when someone assessed it first): the claim
 * becomes assessed with round c->assessment_round + 1; the items and the
 * round's totals are kept beside the earlier rounds; the timeline gets an
 * 'assessment' event with the round, total and payout, and an 'override'
 * event per overridden item with its computed and overriding amounts and
 * the reason. Runs inside the caller's transaction.
 */
enum eg_status eg_ins_claim_assess(struct eg_db *db, const struct eg_ins_claim *c,
                                   const struct eg_ins_round_new *r);

struct eg_ins_claim_item_row {
    int round;
    struct eg_ins_item item;
    const char *override_reason; /* arena, NULL if none */
    const char *assessed_by;
    int64_t assessed_at;
};
/* The items of the claim's round `round`, or of every round (round 0), by round then id. */
enum eg_status eg_ins_claim_items(struct eg_db *db, struct eg_arena *a, int64_t claim_id, int round,
                                  struct eg_ins_claim_item_row **out, size_t *n);

struct eg_ins_claim_round_row {
    int round;
    int64_t version_id;
    int64_t total_fen;
    int64_t payout_fen; /* -1 when not known (rounds assessed before rounds were kept) */
    char capped_by[16]; /* "" when not known */
    int overrides;
    const char *note, *assessed_by; /* arena */
    int64_t assessed_at;
};
/* Every assessment round of the claim, oldest first (arena). */
enum eg_status eg_ins_claim_rounds(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                   struct eg_ins_claim_round_row **out, size_t *n);

/* Append to the claim's timeline. */
enum eg_status eg_ins_claim_event(struct eg_db *db, int64_t claim_id, int64_t now,
                                  const char *actor, const char *role, const char *action,
                                  const char *from_state, const char *to_state, const char *reason,
                                  const char *note);

struct eg_ins_claim_event_row {
    int64_t id, at;
    const char *actor, *actor_role, *action, *from_state, *to_state, *reason, *note;
    int round;            /* 0 when the event belongs to no assessment round */
    const char *item;     /* "" unless an override */
    int has_item_amounts; /* override: computed_fen and override_fen */
    int64_t computed_fen, override_fen;
    int has_totals; /* assessment: total_fen and payout_fen */
    int64_t total_fen, payout_fen;
};
enum eg_status eg_ins_claim_events(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                   struct eg_ins_claim_event_row **out, size_t *n);

/* Link (case_id > 0) or unlink (0) a dispute case. */
enum eg_status eg_ins_claim_set_case(struct eg_db *db, int64_t claim_id, int64_t case_id,
                                     int64_t now);

struct eg_ins_material {
    int64_t id, claim_id;
    char kind[24];
    char content_type[32];
    int64_t size_bytes;
    char sha256[65];
    const char *stored_name;   /* arena; relative to the data directory */
    const char *original_name; /* arena */
    char uploaded_by[64];
    int64_t uploaded_at;
};

enum eg_status eg_ins_material_insert(struct eg_db *db, struct eg_ins_material *m);
enum eg_status eg_ins_material_count(struct eg_db *db, int64_t claim_id, int64_t *n);
enum eg_status eg_ins_material_list(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                    struct eg_ins_material **out, size_t *n);
enum eg_status eg_ins_material_get(struct eg_db *db, struct eg_arena *a, int64_t claim_id,
                                   int64_t material_id, struct eg_ins_material *out);

/* Counts of claims by state, and of overdue ones, for today. */
enum eg_status eg_ins_claim_counts(struct eg_db *db, struct eg_arena *a, eg_day today,
                                   int64_t by_state[EG_CLAIM_STATE_COUNT],
                                   int64_t *overdue_materials, int64_t *overdue_decision);

#endif
