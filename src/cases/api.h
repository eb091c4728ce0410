/*
 * api.h — what the endpoint files of the cases module (api_*.c,
 * calendar.c) share: the handlers for the route table (routes.c), loading a
 * case with its row-scope check, the case's JSON, recording a change on the
 * timeline and the audit trail together, and the renderers (pdf.c, xlsx.c,
 * qr.c). Nothing outside src/cases includes it.
 */
#ifndef EG_CASES_API_H
#define EG_CASES_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/audit.h"
#include "auth/authz.h"
#include "cases/rules.h"
#include "cases/store.h"
#include "core/time.h"
#include "http/http.h"

/* Roles that see cases at all (insurers and analysts do not). */
#define EG_CASES_READERS                                                                           \
    (EG_ROLE_WORKER | EG_ROLE_PLATFORM | EG_ROLE_MEDIATOR | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)
/* Staff who handle cases. */
#define EG_CASES_HANDLERS (EG_ROLE_MEDIATOR | EG_ROLE_ADMIN)
/* Staff who read case lists, stats and exports. */
#define EG_CASES_STAFF (EG_ROLE_MEDIATOR | EG_ROLE_SUPERVISOR | EG_ROLE_ADMIN)

/* Per-file and per-case caps on evidence. */
#define EG_CASES_EVIDENCE_FILE_MAX ((size_t)10 * 1024 * 1024)
#define EG_CASES_EVIDENCE_CASE_MAX ((int64_t)50 * 1024 * 1024)

/* A failed operation: what to answer. */
struct eg_cases_err {
    enum eg_status st;
    const char *field;
    char msg[300];
};

/* Set *e (message printf-style; NULL = the registry's default) and return st. */
enum eg_status eg_cases_fail(struct eg_cases_err *e, enum eg_status st, const char *field,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reply with e (or with st's default when e holds nothing). */
void eg_cases_reply_err(struct eg_req *req, enum eg_status st, const struct eg_cases_err *e);

/* The audit context of a request. */
struct eg_audit_ctx eg_cases_audit(const struct eg_req *req);

/* Today's business date in Asia/Shanghai. */
eg_day eg_cases_today(void);

/* The row scope of a case for eg_authz_row(). Paths live in arena a. */
void eg_cases_row_scope(const struct eg_case_rec *rec, struct eg_arena *a,
                        struct eg_row_scope *out);

/*
 * Load case id and check that the caller may see it (the route's roles;
 * EG_E_NOT_FOUND out of scope, EG_E_FORBIDDEN for a role not allowed) and
 * fill *actor (the caller's relation to the case). Works inside or outside
 * a transaction, on db; inside one it first takes the case's row lock
 * (eg_case_store_lock), so that changes to one case never interleave.
 */
enum eg_status eg_cases_load(struct eg_req *req, struct eg_db *db, int64_t id,
                             struct eg_case_rec *rec, struct eg_case_actor *actor);

/* The case's id from the path ({id}); EG_E_NOT_FOUND when malformed. */
enum eg_status eg_cases_path_id(struct eg_req *req, int64_t *id);

/*
 * A case as JSON for the caller: detail = 1 adds the claims, co-handling
 * departments and evidence count (rec from eg_case_store_get). today
 * decides overdue. New reference.
 */
json_t *eg_cases_case_json(struct eg_req *req, struct eg_db *db, const struct eg_case_rec *rec,
                           const struct eg_case_actor *actor, eg_day today, int detail);

/* RFC 3339 text of an instant, or JSON null when 0. New reference. */
json_t *eg_cases_instant(int64_t t);

/* A string or JSON null when s is NULL. New reference. */
json_t *eg_cases_str_or_null(const char *s);

/*
 * Record a change on the case's timeline and on the audit trail, in the
 * caller's transaction: timeline kind with from/to states (may be NULL), and
 * audit action "case.<kind>" with the same detail plus the case number.
 * detail is stolen (NULL = {}).
 */
enum eg_status eg_cases_record(struct eg_db *db, struct eg_req *req, const struct eg_case_rec *rec,
                               const char *kind, const char *from, const char *to, json_t *detail);

/*
 * Apply a state change checked by the rules (rules.h) inside the caller's
 * transaction: update the row (deadlines, reasons, referral, closing time),
 * the timeline and the audit trail. automatic = 1 for moves that follow from
 * another action (the third confirmation, the last payment): the graph and
 * guards are checked but not the caller's role. rec->state is updated.
 */
enum eg_status eg_cases_move(struct eg_db *db, struct eg_req *req, struct eg_case_rec *rec,
                             const struct eg_case_actor *actor, const struct eg_case_move *move,
                             const char *note, int automatic, struct eg_cases_err *err);

/* Parse the ?cursor= and ?limit= of a list. On error the reply is sent. */
int eg_cases_page_params(struct eg_req *req, int64_t *cursor, int *limit);

/* A JSON array of a NULL-terminated name list. New reference. */
json_t *eg_cases_names_json(const char *const *names);

/* ---- renderers --------------------------------------------------------------- */

/* Everything the agreement document shows. */
struct eg_cases_agreement_doc {
    const char *city, *centre, *number, *type_label;
    const char *applicant_name, *applicant_id_masked;
    const char *respondent_name, *respondent_credit_code;
    const char *department_name;
    const char *matter, *facts, *reasons, *respondent_position;
    struct eg_case_amounts claims, terms;
    const char *pay_by, *pay_method, *other_terms;
    const char *mediator;
    int64_t confirmed[EG_PARTY_COUNT]; /* instants, 0 = not yet */
    int64_t effective_at;
    int version;
    const char *font_path; /* the CJK TrueType font to embed (files.pdf_font) */
};

/* Render the agreement as PDF into malloc'd memory (*out, *len; the caller
 * frees), with the font at doc->font_path embedded. EG_E_UNAVAILABLE when
 * the font file cannot be read, EG_E_INTERNAL when libharu fails. */
enum eg_status eg_cases_pdf_agreement(const struct eg_cases_agreement_doc *doc, void **out,
                                      size_t *len);

/*
 * The case list as an .xlsx workbook, written page by page in constant
 * memory: open it (tmp_dir is where the workbook and libxlsxwriter's
 * temporary files go; today decides "overdue"), add each page of rows in
 * list order, then finish it into malloc'd memory (*out, *len; the caller
 * frees) or abort it. finish and abort free x and remove its files.
 */
struct eg_cases_xlsx;
enum eg_status eg_cases_xlsx_open(const char *tmp_dir, eg_day today, struct eg_cases_xlsx **x);
enum eg_status eg_cases_xlsx_add(struct eg_cases_xlsx *x, const struct eg_case_rec *rows, size_t n);
enum eg_status eg_cases_xlsx_finish(struct eg_cases_xlsx *x, void **out, size_t *len);
void eg_cases_xlsx_abort(struct eg_cases_xlsx *x);

/* A QR code of text as SVG (module size in user units; 4-module quiet zone)
 * or PNG (scale pixels per module), malloc'd. EG_E_INVALID_PARAMETER when the
 * text cannot be encoded. */
enum eg_status eg_cases_qr_svg(const char *text, void **out, size_t *len);
enum eg_status eg_cases_qr_png(const char *text, int scale, void **out, size_t *len);

/* ---- handlers (routes.c) --------------------------------------------------- */

void eg_cases_api_create(struct eg_req *req);
void eg_cases_api_list(struct eg_req *req);
void eg_cases_api_get(struct eg_req *req);
void eg_cases_api_stats(struct eg_req *req);
void eg_cases_api_export(struct eg_req *req);
void eg_cases_api_events(struct eg_req *req);
void eg_cases_api_transition(struct eg_req *req);
void eg_cases_api_extension(struct eg_req *req);
void eg_cases_api_assign(struct eg_req *req);
void eg_cases_api_co_add(struct eg_req *req);
void eg_cases_api_co_remove(struct eg_req *req);
void eg_cases_api_evidence_upload(struct eg_req *req);
void eg_cases_api_evidence_list(struct eg_req *req);
void eg_cases_api_evidence_get(struct eg_req *req);
void eg_cases_api_sessions_list(struct eg_req *req);
void eg_cases_api_sessions_create(struct eg_req *req);
void eg_cases_api_sessions_update(struct eg_req *req);
void eg_cases_api_responses_list(struct eg_req *req);
void eg_cases_api_responses_create(struct eg_req *req);
void eg_cases_api_agreement_put(struct eg_req *req);
void eg_cases_api_agreement_get(struct eg_req *req);
void eg_cases_api_agreement_confirm(struct eg_req *req);
void eg_cases_api_agreement_pdf(struct eg_req *req);
void eg_cases_api_payments_list(struct eg_req *req);
void eg_cases_api_payments_create(struct eg_req *req);
void eg_cases_api_payment_confirm(struct eg_req *req);
void eg_cases_api_payment_dispute(struct eg_req *req);
void eg_cases_api_rating_create(struct eg_req *req);
void eg_cases_api_rating_get(struct eg_req *req);
void eg_cases_api_ratings_departments(struct eg_req *req);
void eg_cases_api_routing_get(struct eg_req *req);
void eg_cases_api_routing_put(struct eg_req *req);
void eg_cases_api_figures(struct eg_req *req);
void eg_cases_api_qr_intake_svg(struct eg_req *req);
void eg_cases_api_qr_intake_png(struct eg_req *req);
void eg_cases_api_qr_place(struct eg_req *req);
void eg_cases_api_calendar_get(struct eg_req *req);
void eg_cases_api_calendar_put(struct eg_req *req);
void eg_cases_api_consult_create(struct eg_req *req);
void eg_cases_api_consult_list(struct eg_req *req);
void eg_cases_api_consult_get(struct eg_req *req);
void eg_cases_api_consult_transition(struct eg_req *req);
void eg_cases_api_consult_rate(struct eg_req *req);

/* Field specs shared by the route table and the handlers. */
extern const struct eg_field eg_cases_spec_create[];
extern const struct eg_field eg_cases_spec_transition[];
extern const struct eg_field eg_cases_spec_extension[];
extern const struct eg_field eg_cases_spec_assign[];
extern const struct eg_field eg_cases_spec_co_add[];
extern const struct eg_field eg_cases_spec_session[];
extern const struct eg_field eg_cases_spec_session_update[];
extern const struct eg_field eg_cases_spec_response[];
extern const struct eg_field eg_cases_spec_agreement[];
extern const struct eg_field eg_cases_spec_confirm[];
extern const struct eg_field eg_cases_spec_payment[];
extern const struct eg_field eg_cases_spec_payment_confirm[];
extern const struct eg_field eg_cases_spec_payment_dispute[];
extern const struct eg_field eg_cases_spec_rating[];
extern const struct eg_field eg_cases_spec_routing[];
extern const struct eg_field eg_cases_spec_calendar[];
extern const struct eg_field eg_cases_spec_consult[];
extern const struct eg_field eg_cases_spec_consult_transition[];
extern const struct eg_field eg_cases_spec_consult_rate[];

#endif
