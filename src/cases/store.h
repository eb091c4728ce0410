/*
 * store.h — the SQL of the cases module (tables of migration 0010).
 *
 * Every function takes a connection; the ones that write must run inside
 * eg_db_tx() (the endpoint's transaction, which also writes the audit
 * trail). Strings handed back live in the arena passed in. No business
 * rules here: those are in rules.h.
 */
#ifndef EG_CASES_STORE_H
#define EG_CASES_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "core/arena.h"
#include "core/status.h"
#include "core/time.h"
#include "core/principal.h"
#include "cases/rules.h"

struct eg_db;

/* ---- cases ------------------------------------------------------------------ */

/* A department as shown with a case. */
struct eg_case_dept {
    int64_t id;
    const char *code, *name, *path;
};

/* A case row with its handling department, respondent and applicant name. */
struct eg_case_rec {
    int64_t id;
    const char *number, *channel, *type, *state_name;
    enum eg_case_state state;
    int oral;
    int64_t applicant_person_id, respondent_org_id, referred_from_department_id;
    struct eg_case_dept dept;
    const char *respondent_name, *respondent_kind, *respondent_credit_code, *respondent_sector;
    const char *applicant_name;
    const char *matter, *facts, *reasons;
    const char *incident_on; /* NULL when unknown */
    int64_t claimed_total_fen, agreed_total_fen, paid_total_fen;
    int64_t submitted_at;
    const char *submitted_on, *accept_due_on;
    const char *mediation_due_on, *due_on; /* NULL when not set */
    int64_t accepted_at, closed_at;        /* 0 when not set */
    int extension_days;
    const char *reject_reason, *referral_note;
    const char *referral; /* NULL when not referred */
    int rated;
    int64_t created_at, updated_at;
    /* Co-handling departments (filled by eg_case_store_get only). */
    struct eg_case_dept *co;
    size_t n_co;
};

/* A case by id with its co-handling departments: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_case_store_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                 struct eg_case_rec *out);

/*
 * Take the case's row lock for the rest of the transaction (a no-op UPDATE),
 * so that concurrent changes to one case — two confirmations, two payments,
 * two uploads against the per-case cap — run one after the other (on
 * PostgreSQL the later one waits and is retried; SQLite's write lock already
 * serialises them). EG_OK also when there is no such case.
 */
enum eg_status eg_case_store_lock(struct eg_db *db, int64_t id);

/* The next sequence number of a year's case numbers (bumps the counter row;
 * inside the transaction that creates the case). */
enum eg_status eg_case_store_next_seq(struct eg_db *db, int year, int64_t *seq);

/* A new case as inserted. */
struct eg_case_new {
    const char *number, *channel, *type;
    int oral;
    int64_t applicant_person_id, respondent_org_id, department_id, referred_from_department_id;
    const char *matter, *facts, *reasons, *incident_on; /* incident_on may be NULL */
    struct eg_case_amounts claims;
    int64_t submitted_at;
    const char *submitted_on, *accept_due_on;
    int64_t created_by_user_id; /* 0 = none */
};

/* Insert a case (state submitted, due_on = accept_due_on) and its claims. */
enum eg_status eg_case_store_insert(struct eg_db *db, const struct eg_case_new *in, int64_t *id);

/* The claimed amounts of a case. */
enum eg_status eg_case_store_claims(struct eg_db *db, int64_t id, struct eg_case_amounts *out);

/*
 * A state change, applied only if the case is still in `from` (EG_E_CONFLICT
 * otherwise, e.g. when another request moved it first). Fields left at
 * their zero value are not changed, except due_on which is always written
 * (NULL clears it).
 */
struct eg_case_state_update {
    enum eg_case_state from, to;
    const char *due_on;           /* the deadline in force afterwards, or NULL */
    int64_t accepted_at;          /* set when nonzero */
    const char *mediation_due_on; /* set when non-NULL */
    const char *reject_reason;    /* set when non-NULL */
    const char *referral;         /* set when non-NULL */
    const char *referral_note;    /* set when non-NULL */
    int64_t agreed_total_fen;     /* set when >= 0 (pass -1 to keep) */
    int64_t closed_at;            /* set when nonzero */
    int64_t now;                  /* updated_at */
};
enum eg_status eg_case_store_set_state(struct eg_db *db, int64_t id,
                                       const struct eg_case_state_update *u);

/* Record a mediation extension: extension_days, the new mediation and current deadline. */
enum eg_status eg_case_store_extend(struct eg_db *db, int64_t id, int days,
                                    const char *mediation_due_on, int64_t now);

/* Move the case to another handling department. */
enum eg_status eg_case_store_set_department(struct eg_db *db, int64_t id, int64_t department_id,
                                            int64_t now);

/* Add a co-handling department (EG_E_DUPLICATE if already there) or remove
 * one (EG_E_NOT_FOUND if not there). */
enum eg_status eg_case_store_co_add(struct eg_db *db, int64_t id, int64_t department_id,
                                    const char *by, int64_t now);
enum eg_status eg_case_store_co_remove(struct eg_db *db, int64_t id, int64_t department_id);

/* The login that stands for who on the timeline and in records
 * ("system" when who is NULL). */
const char *eg_case_actor_name(const struct eg_principal *who);

/* Append a timeline event. from/to may be NULL; detail_json NULL means "{}". */
enum eg_status eg_case_store_event(struct eg_db *db, int64_t case_id,
                                   const struct eg_principal *who, int64_t at, const char *kind,
                                   const char *from, const char *to, const char *detail_json);

/* ---- lists ----------------------------------------------------------------- */

/* Filters of case lists, stats and exports; NULL / 0 = not filtered. */
struct eg_case_filter {
    const char *states[EG_CASE_STATE_COUNT]; /* any of these states */
    size_t n_states;
    const char *type, *channel;
    int64_t department_id;
    int64_t respondent_org_id;
    int overdue;           /* -1 any, 1 only overdue, 0 only not overdue */
    const char *today;     /* 'YYYY-MM-DD' for the overdue test */
    const char *from, *to; /* submission dates, inclusive */
    int64_t before_id;     /* keyset cursor: ids below this */
};

/* Limit the filter to what who may see (worker: own; platform: cases
 * against it; mediator: own department (and below) and co-handled;
 * supervisor and admin: everything). Other roles see nothing. */
struct eg_case_scope {
    enum eg_role role;
    int64_t person_id, organisation_id;
    const char *dept_pattern; /* LIKE pattern of the mediator's department paths */
};
void eg_case_scope_of(const struct eg_principal *who, struct eg_arena *a,
                      struct eg_case_scope *out);

/*
 * One page of cases, newest first: up to limit rows into *rows (arena),
 * *n rows, *more set when another page follows (its cursor is the last
 * row's id).
 */
enum eg_status eg_case_store_list(struct eg_db *db, struct eg_arena *a,
                                  const struct eg_case_scope *scope, const struct eg_case_filter *f,
                                  int limit, struct eg_case_rec **rows, size_t *n, int *more);

/* How many cases match. */
enum eg_status eg_case_store_count(struct eg_db *db, const struct eg_case_scope *scope,
                                   const struct eg_case_filter *f, int64_t *count);

/* Counts per state and per handling department (open and overdue). */
struct eg_case_dept_stats {
    int64_t department_id;
    const char *code, *name;
    int64_t total, open, overdue;
};
struct eg_case_stats {
    int64_t total, open, overdue;
    int64_t by_state[EG_CASE_STATE_COUNT];
    int64_t claimed_fen, agreed_fen, paid_fen;
    struct eg_case_dept_stats *depts;
    size_t n_depts;
};
enum eg_status eg_case_store_stats(struct eg_db *db, struct eg_arena *a,
                                   const struct eg_case_scope *scope,
                                   const struct eg_case_filter *f, struct eg_case_stats *out);

/* ---- evidence -------------------------------------------------------------- */

struct eg_case_evidence {
    int64_t id, case_id;
    const char *party, *filename, *content_type, *sha256, *storage_name, *uploaded_by;
    int64_t size_bytes, created_at;
};

/* Total bytes of a case's evidence so far. */
enum eg_status eg_case_store_evidence_bytes(struct eg_db *db, int64_t case_id, int64_t *bytes);

enum eg_status eg_case_store_evidence_add(struct eg_db *db, const struct eg_case_evidence *ev,
                                          int64_t *id);

enum eg_status eg_case_store_evidence_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                           struct eg_case_evidence **rows, size_t *n);

/* One file of a case: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_case_store_evidence_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                          int64_t id, struct eg_case_evidence *out);

/* ---- sessions and responses ----------------------------------------------- */

struct eg_case_session {
    int64_t id, case_id, starts_at, place_id; /* place_id 0 = none */
    const char *mode, *place, *participants_json, *minutes, *created_by;
    int64_t created_at, updated_at;
};
enum eg_status eg_case_store_session_add(struct eg_db *db, const struct eg_case_session *s,
                                         int64_t *id);
/* Replace the minutes and/or participants (NULL keeps). EG_E_NOT_FOUND if no such session. */
enum eg_status eg_case_store_session_update(struct eg_db *db, int64_t case_id, int64_t id,
                                            const char *minutes, const char *participants_json,
                                            int64_t now);
enum eg_status eg_case_store_session_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                         int64_t id, struct eg_case_session *out);
enum eg_status eg_case_store_session_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                          struct eg_case_session **rows, size_t *n);

struct eg_case_response {
    int64_t id, case_id;
    const char *body, *author, *author_role;
    int64_t proposal_fen; /* -1 = none */
    int64_t created_at;
};
enum eg_status eg_case_store_response_add(struct eg_db *db, const struct eg_case_response *r,
                                          int64_t *id);
enum eg_status eg_case_store_response_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                           struct eg_case_response **rows, size_t *n);

/* ---- agreement, payments, rating ------------------------------------------ */

struct eg_case_agreement {
    int64_t case_id;
    int version;
    const char *pay_by, *pay_method, *other_terms, *respondent_position, *drafted_by;
    int64_t total_fen;
    struct eg_case_amounts terms;
    struct eg_case_confirmations confirmed;
    const char *confirmed_by[EG_PARTY_COUNT]; /* NULL when not confirmed */
    int64_t effective_at;                     /* 0 = not in effect */
    int64_t created_at, updated_at;
};

/* The case's agreement: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_case_store_agreement_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                           struct eg_case_agreement *out);

/* Write (or replace, clearing confirmations and bumping the version) the
 * agreement and its terms. */
enum eg_status eg_case_store_agreement_put(struct eg_db *db, const struct eg_case_agreement *ag,
                                           int64_t mediator_user_id, int64_t now);

/* Record one party's confirmation (only if not yet confirmed: EG_E_CONFLICT). */
enum eg_status eg_case_store_agreement_confirm(struct eg_db *db, int64_t case_id,
                                               enum eg_case_party party, const char *by,
                                               int64_t now);

/* Mark the agreement in effect. */
enum eg_status eg_case_store_agreement_effective(struct eg_db *db, int64_t case_id, int64_t now);

struct eg_case_payment {
    int64_t id, case_id;
    const char *category, *paid_on, *method, *reference, *recorded_by;
    const char *state;         /* eg_case_payment_state_names; NULL = "confirmed" */
    const char *decided_by;    /* who confirmed or disputed it; NULL when not decided */
    const char *decision_note; /* the dispute's reason or the confirmation's note */
    int64_t evidence_id;       /* evidence a mediator confirmed on, 0 = none */
    int64_t amount_fen, created_at, decided_at;
};
/* Insert a payment; a confirmed one is added to the case's paid_total_fen. */
enum eg_status eg_case_store_payment_add(struct eg_db *db, const struct eg_case_payment *p,
                                         int64_t *id);
enum eg_status eg_case_store_payment_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                          struct eg_case_payment **rows, size_t *n);
/* One payment of a case: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_case_store_payment_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                         int64_t id, struct eg_case_payment *out);
/*
 * Decide a recorded payment: state "confirmed" (added to paid_total_fen) or
 * "disputed", by whom, with a note and the evidence relied on (0 = none).
 * EG_E_CONFLICT when it is no longer recorded.
 */
enum eg_status eg_case_store_payment_decide(struct eg_db *db, int64_t case_id, int64_t id,
                                            const char *state, const char *by, const char *note,
                                            int64_t evidence_id, int64_t now);
/* Sums per category of the confirmed payments (with_pending = 0), or of the
 * confirmed and still recorded ones (with_pending = 1: what may no longer be
 * recorded). Disputed payments never count. */
enum eg_status eg_case_store_paid(struct eg_db *db, int64_t case_id, int with_pending,
                                  struct eg_case_amounts *out);

struct eg_case_rating {
    int64_t case_id, department_id;
    int speed, attitude, result;
    const char *comment;
    int64_t created_at;
};
/* Insert the rating (EG_E_DUPLICATE when the case is rated already). */
enum eg_status eg_case_store_rating_add(struct eg_db *db, const struct eg_case_rating *r);
enum eg_status eg_case_store_rating_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                        struct eg_case_rating *out);

/* Per-department rating sums. */
struct eg_case_rating_rollup {
    int64_t department_id;
    const char *code, *name;
    int64_t count, speed_sum, attitude_sum, result_sum;
};
enum eg_status eg_case_store_rating_rollup(struct eg_db *db, struct eg_arena *a,
                                           struct eg_case_rating_rollup **rows, size_t *n);

/* ---- routing rules -------------------------------------------------------- */

enum eg_status eg_case_store_rules(struct eg_db *db, struct eg_arena *a,
                                   struct eg_case_routing_rule **rules, size_t *n);
/* Replace every rule. */
enum eg_status eg_case_store_rules_replace(struct eg_db *db,
                                           const struct eg_case_routing_rule *rules, size_t n,
                                           int64_t now);

/* ---- public figures ------------------------------------------------------- */

struct eg_case_figures {
    int64_t received; /* cases taken in */
    int64_t handled;  /* accepted at some point */
    int64_t resolved; /* agreement reached (agreed, fulfilled, or closed after fulfilment) */
    int64_t in_progress;
    int64_t recovered_fen;
    int64_t rated, satisfied; /* ratings, and those with every score >= 4 */
};
enum eg_status eg_case_store_figures(struct eg_db *db, struct eg_case_figures *out);

/* ---- consultations -------------------------------------------------------- */

struct eg_consult_rec {
    int64_t id;
    const char *kind, *state_name;
    enum eg_consult_state state;
    int64_t person_id, organisation_id; /* 0 = none */
    struct eg_case_dept dept;
    int64_t assignee_user_id;
    const char *assignee_login; /* NULL when unassigned */
    const char *topic, *details, *preferred_on, *outcome, *requested_by;
    const char *requester_name; /* the person's or organisation's name */
    int64_t requested_at, assigned_at, done_at;
    int rating; /* 0 = not rated */
    const char *rating_comment;
    int64_t rated_at, updated_at;
};

struct eg_consult_new {
    const char *kind, *topic, *details, *preferred_on;
    int64_t person_id, organisation_id, department_id;
    const char *requested_by;
    int64_t now;
};
enum eg_status eg_consult_store_insert(struct eg_db *db, const struct eg_consult_new *in,
                                       int64_t *id);
enum eg_status eg_consult_store_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                    struct eg_consult_rec *out);

struct eg_consult_filter {
    const char *state, *kind;
    int64_t before_id;
};
enum eg_status eg_consult_store_list(struct eg_db *db, struct eg_arena *a,
                                     const struct eg_case_scope *scope,
                                     const struct eg_consult_filter *f, int limit,
                                     struct eg_consult_rec **rows, size_t *n, int *more);

/* Move requested → assigned (assignee) or assigned → done (outcome), only
 * from the given state (EG_E_CONFLICT otherwise). */
enum eg_status eg_consult_store_assign(struct eg_db *db, int64_t id, int64_t assignee_user_id,
                                       int64_t department_id, int64_t now);
enum eg_status eg_consult_store_done(struct eg_db *db, int64_t id, const char *outcome,
                                     int64_t now);
/* Rate once (EG_E_CONFLICT when rated already). */
enum eg_status eg_consult_store_rate(struct eg_db *db, int64_t id, int rating, const char *comment,
                                     int64_t now);

#endif
