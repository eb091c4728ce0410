/*
 * store.c — the SQL of the cases module (see store.h).
 *
 * Statements are written once for SQLite and PostgreSQL. Lists, counts and
 * exports share one WHERE builder (struct qb): each optional filter adds
 * its clause and its parameter, so every combination is a plain indexed
 * query. The builder binds every parameter as text; integer parameters are
 * written CAST(? AS BIGINT) so both engines compare them as integers.
 */
#include "cases/store.h"

#include <stdio.h>
#include <string.h>

#include "cases/cases.h"
#include "core/buf.h"
#include "db/db.h"

/* ---- small helpers --------------------------------------------------------- */

/* An arena copy of a text column ("" for NULL). */
static const char *col(struct eg_arena *a, struct eg_stmt *st, int i)
{
    return eg_arena_strdup(a, eg_stmt_text(st, i));
}

/* An arena copy of a text column, or NULL for SQL NULL. */
static const char *col_or_null(struct eg_arena *a, struct eg_stmt *st, int i)
{
    return eg_stmt_is_null(st, i) ? NULL : col(a, st, i);
}

/* Finish a statement: EG_DONE (a single row read) and EG_OK (an eg_db_next loop) are success. */
static enum eg_status finish(struct eg_stmt *st, enum eg_status rc)
{
    eg_stmt_done(st);
    return rc == EG_DONE || rc == EG_OK ? EG_OK : (rc == EG_ROW ? EG_E_DB : rc);
}

const char *eg_case_actor_name(const struct eg_principal *who)
{
    if (who == NULL || who->role == EG_ROLE_NONE)
        return "system";
    return who->login[0] ? who->login : "unknown";
}

/* ---- the WHERE builder ---------------------------------------------------- */

#define QB_MAX 24

struct qb {
    struct eg_buf sql;
    const char *args[QB_MAX];
    char nums[QB_MAX][24];
    char types[QB_MAX + 1];
    int n;
    enum eg_status st;
};

static void qb_init(struct qb *q)
{
    memset(q, 0, sizeof *q);
    eg_buf_init(&q->sql, 16384);
}

static void qb_sql(struct qb *q, const char *s)
{
    if (q->st == EG_OK)
        q->st = eg_buf_puts(&q->sql, s);
}

/* Append s (with exactly one '?') and bind text v to it. */
static void qb_text(struct qb *q, const char *s, const char *v)
{
    if (q->st != EG_OK)
        return;
    if (q->n >= QB_MAX) {
        q->st = EG_E_INTERNAL;
        return;
    }
    q->args[q->n] = v;
    q->types[q->n++] = 't';
    qb_sql(q, s);
}

/* Append s (with exactly one CAST(? AS BIGINT)) and bind v to it. */
static void qb_int(struct qb *q, const char *s, int64_t v)
{
    if (q->st != EG_OK)
        return;
    if (q->n >= QB_MAX) {
        q->st = EG_E_INTERNAL;
        return;
    }
    snprintf(q->nums[q->n], sizeof q->nums[0], "%lld", (long long)v);
    q->args[q->n] = q->nums[q->n];
    q->types[q->n++] = 't';
    qb_sql(q, s);
}

static enum eg_status qb_query(struct qb *q, struct eg_db *db, struct eg_stmt **st)
{
    *st = NULL;
    if (q->st != EG_OK)
        return q->st;
#define A(i) q->args[i]
    return eg_db_query(db, st, q->sql.data, q->types, A(0), A(1), A(2), A(3), A(4), A(5), A(6),
                       A(7), A(8), A(9), A(10), A(11), A(12), A(13), A(14), A(15), A(16), A(17),
                       A(18), A(19), A(20), A(21), A(22), A(23));
#undef A
}

static void qb_free(struct qb *q)
{
    eg_buf_free(&q->sql);
}

void eg_case_scope_of(const struct eg_principal *who, struct eg_arena *a, struct eg_case_scope *out)
{
    memset(out, 0, sizeof *out);
    out->role = who->role;
    out->person_id = who->person_id;
    out->organisation_id = who->organisation_id;
    /* A mediator without a department sees nothing: '' matches no path. */
    if (who->role == EG_ROLE_MEDIATOR && who->department_path[0] != '/')
        out->dept_pattern = "";
    else if (who->role == EG_ROLE_MEDIATOR)
        out->dept_pattern = who->scope_below ? eg_arena_printf(a, "%s%%", who->department_path)
                                             : eg_arena_strdup(a, who->department_path);
}

/*
 * The scope clause of a case query on alias c (departments d joined):
 * what the caller may see, as in auth/authz.h.
 */
static void qb_case_scope(struct qb *q, const struct eg_case_scope *s)
{
    switch (s->role) {
    case EG_ROLE_ADMIN:
    case EG_ROLE_SUPERVISOR:
        break;
    case EG_ROLE_WORKER:
        qb_int(q, " AND c.applicant_person_id = CAST(? AS BIGINT)", s->person_id);
        break;
    case EG_ROLE_PLATFORM:
        qb_int(q, " AND c.respondent_org_id = CAST(? AS BIGINT)", s->organisation_id);
        break;
    case EG_ROLE_MEDIATOR:
        qb_text(q, " AND (d.path LIKE ?", s->dept_pattern ? s->dept_pattern : "");
        qb_text(q,
                " OR EXISTS (SELECT 1 FROM case_departments cd JOIN departments d2 ON d2.id = "
                "cd.department_id WHERE cd.case_id = c.id AND d2.path LIKE ?))",
                s->dept_pattern ? s->dept_pattern : "");
        break;
    default:
        qb_sql(q, " AND 1 = 0");
        break;
    }
}

/* The filter clauses (everything but the cursor). */
static void qb_case_filter(struct qb *q, const struct eg_case_filter *f)
{
    if (f->n_states > 0) {
        qb_sql(q, " AND c.state IN (");
        for (size_t i = 0; i < f->n_states; i++)
            qb_text(q, i ? ", ?" : "?", f->states[i]);
        qb_sql(q, ")");
    }
    if (f->type)
        qb_text(q, " AND c.case_type = ?", f->type);
    if (f->channel)
        qb_text(q, " AND c.channel = ?", f->channel);
    if (f->department_id)
        qb_int(q, " AND c.department_id = CAST(? AS BIGINT)", f->department_id);
    if (f->respondent_org_id)
        qb_int(q, " AND c.respondent_org_id = CAST(? AS BIGINT)", f->respondent_org_id);
    if (f->overdue == 1)
        qb_text(q, " AND c.due_on < ?", f->today ? f->today : "");
    else if (f->overdue == 0)
        qb_text(q, " AND (c.due_on IS NULL OR c.due_on >= ?)", f->today ? f->today : "");
    if (f->from)
        qb_text(q, " AND c.submitted_on >= ?", f->from);
    if (f->to)
        qb_text(q, " AND c.submitted_on <= ?", f->to);
}

/* ---- cases ------------------------------------------------------------------ */

#define CASE_COLUMNS                                                                               \
    "c.id, c.number, c.channel, c.oral, c.case_type, c.state, c.applicant_person_id, "             \
    "c.respondent_org_id, c.department_id, c.referred_from_department_id, c.matter, c.facts, "     \
    "c.reasons, c.incident_on, c.claimed_total_fen, c.agreed_total_fen, c.paid_total_fen, "        \
    "c.submitted_at, c.submitted_on, c.accept_due_on, c.accepted_at, c.mediation_due_on, "         \
    "c.extension_days, c.due_on, c.reject_reason, c.referral, c.referral_note, c.closed_at, "      \
    "c.created_at, c.updated_at, d.code, d.name, d.path, o.name, o.kind, o.credit_code, "          \
    "o.sector, p.name, r.case_id "                                                                 \
    "FROM cases c JOIN departments d ON d.id = c.department_id "                                   \
    "JOIN organisations o ON o.id = c.respondent_org_id "                                          \
    "JOIN people p ON p.id = c.applicant_person_id "                                               \
    "LEFT JOIN case_ratings r ON r.case_id = c.id "

/* Read a row selected with CASE_COLUMNS. */
static void read_case(struct eg_arena *a, struct eg_stmt *st, struct eg_case_rec *c)
{
    int s;

    memset(c, 0, sizeof *c);
    c->id = eg_stmt_i64(st, 0);
    c->number = col(a, st, 1);
    c->channel = col(a, st, 2);
    c->oral = eg_stmt_i64(st, 3) != 0;
    c->type = col(a, st, 4);
    c->state_name = col(a, st, 5);
    s = eg_case_name_index(eg_case_state_names, c->state_name);
    c->state = s < 0 ? EG_CASE_CLOSED : (enum eg_case_state)s;
    c->applicant_person_id = eg_stmt_i64(st, 6);
    c->respondent_org_id = eg_stmt_i64(st, 7);
    c->dept.id = eg_stmt_i64(st, 8);
    c->referred_from_department_id = eg_stmt_i64(st, 9);
    c->matter = col(a, st, 10);
    c->facts = col(a, st, 11);
    c->reasons = col(a, st, 12);
    c->incident_on = col_or_null(a, st, 13);
    c->claimed_total_fen = eg_stmt_i64(st, 14);
    c->agreed_total_fen = eg_stmt_i64(st, 15);
    c->paid_total_fen = eg_stmt_i64(st, 16);
    c->submitted_at = eg_stmt_i64(st, 17);
    c->submitted_on = col(a, st, 18);
    c->accept_due_on = col(a, st, 19);
    c->accepted_at = eg_stmt_i64(st, 20);
    c->mediation_due_on = col_or_null(a, st, 21);
    c->extension_days = (int)eg_stmt_i64(st, 22);
    c->due_on = col_or_null(a, st, 23);
    c->reject_reason = col(a, st, 24);
    c->referral = col_or_null(a, st, 25);
    c->referral_note = col(a, st, 26);
    c->closed_at = eg_stmt_i64(st, 27);
    c->created_at = eg_stmt_i64(st, 28);
    c->updated_at = eg_stmt_i64(st, 29);
    c->dept.code = col(a, st, 30);
    c->dept.name = col(a, st, 31);
    c->dept.path = col(a, st, 32);
    c->respondent_name = col(a, st, 33);
    c->respondent_kind = col(a, st, 34);
    c->respondent_credit_code = col(a, st, 35);
    c->respondent_sector = col(a, st, 36);
    c->applicant_name = col(a, st, 37);
    c->rated = !eg_stmt_is_null(st, 38);
}

enum eg_status eg_case_store_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                 struct eg_case_rec *out)
{
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    rc = eg_db_query(db, &st, "SELECT " CASE_COLUMNS "WHERE c.id = ?", "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW)
        read_case(a, st, out);
    eg_stmt_done(st);
    if (rc == EG_DONE)
        return EG_E_NOT_FOUND;
    if (rc != EG_ROW)
        return rc == EG_OK ? EG_E_DB : rc;

    rc = eg_db_query(db, &st,
                     "SELECT d.id, d.code, d.name, d.path FROM case_departments cd "
                     "JOIN departments d ON d.id = cd.department_id WHERE cd.case_id = ? "
                     "ORDER BY cd.added_at, d.id",
                     "i", id);
    while (eg_db_next(st, &rc)) {
        out->co = eg_arena_grow(a, out->co, out->n_co, &cap, sizeof *out->co);
        if (out->co == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        out->co[out->n_co].id = eg_stmt_i64(st, 0);
        out->co[out->n_co].code = col(a, st, 1);
        out->co[out->n_co].name = col(a, st, 2);
        out->co[out->n_co].path = col(a, st, 3);
        out->n_co++;
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_lock(struct eg_db *db, int64_t id)
{
    return eg_db_run(db, NULL, "UPDATE cases SET updated_at = updated_at WHERE id = ?", "i", id);
}

enum eg_status eg_case_store_next_seq(struct eg_db *db, int year, int64_t *seq)
{
    return eg_db_one_i64(db, seq,
                         "INSERT INTO case_counters (year, last_seq) VALUES (?, 1) "
                         "ON CONFLICT (year) DO UPDATE SET last_seq = case_counters.last_seq + 1 "
                         "RETURNING last_seq",
                         "i", (int64_t)year);
}

enum eg_status eg_case_store_insert(struct eg_db *db, const struct eg_case_new *in, int64_t *id)
{
    int64_t total = eg_case_amounts_total(&in->claims);
    enum eg_status rc;

    rc = eg_db_one_i64(
        db, id,
        "INSERT INTO cases (number, channel, oral, case_type, state, applicant_person_id, "
        "respondent_org_id, department_id, referred_from_department_id, matter, facts, reasons, "
        "incident_on, claimed_total_fen, submitted_at, submitted_on, accept_due_on, due_on, "
        "created_by_user_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, 'submitted', ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, "
        "NULLIF(CAST(? AS BIGINT), 0), ?, ?) RETURNING id",
        "ttitiiiittttiitttiii", in->number, in->channel, (int64_t)in->oral, in->type,
        in->applicant_person_id, in->respondent_org_id, in->department_id,
        in->referred_from_department_id, in->matter, in->facts ? in->facts : "",
        in->reasons ? in->reasons : "", in->incident_on, total, in->submitted_at, in->submitted_on,
        in->accept_due_on, in->accept_due_on, in->created_by_user_id, in->submitted_at,
        in->submitted_at);
    for (int i = 0; rc == EG_OK && i < EG_CAT_COUNT; i++)
        if (in->claims.fen[i] > 0)
            rc = eg_db_run(
                db, NULL,
                "INSERT INTO case_claims (case_id, category, amount_fen) VALUES (?, ?, ?)", "iti",
                *id, eg_case_category_names[i], in->claims.fen[i]);
    return rc;
}

/* Sum amounts per category from a (category, amount) query on one case. */
static enum eg_status amounts_query(struct eg_db *db, const char *sql, int64_t case_id,
                                    struct eg_case_amounts *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    memset(out, 0, sizeof *out);
    rc = eg_db_query(db, &st, sql, "i", case_id);
    while (eg_db_next(st, &rc)) {
        int cat = eg_case_name_index(eg_case_category_names, eg_stmt_text(st, 0));
        if (cat >= 0)
            out->fen[cat] += eg_stmt_i64(st, 1);
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_claims(struct eg_db *db, int64_t id, struct eg_case_amounts *out)
{
    return amounts_query(db, "SELECT category, amount_fen FROM case_claims WHERE case_id = ?", id,
                         out);
}

enum eg_status eg_case_store_set_state(struct eg_db *db, int64_t id,
                                       const struct eg_case_state_update *u)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(
        db, &changed,
        "UPDATE cases SET state = ?, due_on = ?, "
        "accepted_at = CASE WHEN CAST(? AS BIGINT) <> 0 THEN CAST(? AS BIGINT) ELSE accepted_at "
        "END, "
        "mediation_due_on = COALESCE(CAST(? AS TEXT), mediation_due_on), "
        "reject_reason = COALESCE(CAST(? AS TEXT), reject_reason), "
        "referral = COALESCE(CAST(? AS TEXT), referral), "
        "referral_note = COALESCE(CAST(? AS TEXT), referral_note), "
        "agreed_total_fen = CASE WHEN CAST(? AS BIGINT) >= 0 THEN CAST(? AS BIGINT) ELSE "
        "agreed_total_fen END, "
        "closed_at = CASE WHEN CAST(? AS BIGINT) <> 0 THEN CAST(? AS BIGINT) ELSE closed_at END, "
        "updated_at = ? WHERE id = ? AND state = ?",
        "ttiitttt"
        "iiiiiit",
        eg_case_state_names[u->to], u->due_on, u->accepted_at, u->accepted_at, u->mediation_due_on,
        u->reject_reason, u->referral, u->referral_note, u->agreed_total_fen, u->agreed_total_fen,
        u->closed_at, u->closed_at, u->now, id, eg_case_state_names[u->from]);
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    return rc;
}

enum eg_status eg_case_store_extend(struct eg_db *db, int64_t id, int days,
                                    const char *mediation_due_on, int64_t now)
{
    return eg_db_run(db, NULL,
                     "UPDATE cases SET extension_days = ?, mediation_due_on = ?, due_on = ?, "
                     "updated_at = ? WHERE id = ?",
                     "ittii", (int64_t)days, mediation_due_on, mediation_due_on, now, id);
}

enum eg_status eg_case_store_set_department(struct eg_db *db, int64_t id, int64_t department_id,
                                            int64_t now)
{
    enum eg_status rc;

    rc = eg_db_run(db, NULL, "UPDATE cases SET department_id = ?, updated_at = ? WHERE id = ?",
                   "iii", department_id, now, id);
    /* The new handling department is no longer a co-handler. */
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "DELETE FROM case_departments WHERE case_id = ? AND department_id = ?", "ii",
                       id, department_id);
    return rc;
}

enum eg_status eg_case_store_co_add(struct eg_db *db, int64_t id, int64_t department_id,
                                    const char *by, int64_t now)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "INSERT INTO case_departments (case_id, department_id, added_at, added_by) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (case_id, department_id) DO NOTHING",
                   "iiit", id, department_id, now, by);
    if (rc == EG_OK && changed == 0)
        rc = EG_E_DUPLICATE;
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "UPDATE cases SET updated_at = ? WHERE id = ?", "ii", now, id);
    return rc;
}

enum eg_status eg_case_store_co_remove(struct eg_db *db, int64_t id, int64_t department_id)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "DELETE FROM case_departments WHERE case_id = ? AND department_id = ?", "ii", id,
                   department_id);
    if (rc == EG_OK && changed == 0)
        rc = EG_E_NOT_FOUND;
    return rc;
}

enum eg_status eg_case_store_event(struct eg_db *db, int64_t case_id,
                                   const struct eg_principal *who, int64_t at, const char *kind,
                                   const char *from, const char *to, const char *detail_json)
{
    const char *role =
        (who == NULL || who->role == EG_ROLE_NONE) ? "system" : eg_role_name(who->role);

    return eg_db_run(db, NULL,
                     "INSERT INTO case_events (case_id, at, kind, from_state, to_state, actor, "
                     "actor_role, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     "iitttttt", case_id, at, kind, from, to, eg_case_actor_name(who), role,
                     detail_json ? detail_json : "{}");
}

/* ---- lists ----------------------------------------------------------------- */

enum eg_status eg_case_store_list(struct eg_db *db, struct eg_arena *a,
                                  const struct eg_case_scope *scope, const struct eg_case_filter *f,
                                  int limit, struct eg_case_rec **rows, size_t *n, int *more)
{
    struct qb q;
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    *more = 0;
    /* The page's ids first, from the indexes alone, then the rows of just
     * those: sorting the matches never reads the table rows of cases that
     * do not make the page. */
    qb_init(&q);
    qb_sql(&q, "SELECT " CASE_COLUMNS "WHERE c.id IN (SELECT c.id FROM cases c "
               "JOIN departments d ON d.id = c.department_id WHERE 1 = 1");
    qb_case_scope(&q, scope);
    qb_case_filter(&q, f);
    if (f->before_id > 0)
        qb_int(&q, " AND c.id < CAST(? AS BIGINT)", f->before_id);
    qb_int(&q, " ORDER BY c.id DESC LIMIT CAST(? AS BIGINT))", (int64_t)limit + 1);
    qb_sql(&q, " ORDER BY c.id DESC");
    rc = qb_query(&q, db, &st);
    while (eg_db_next(st, &rc)) {
        if (*n == (size_t)limit) {
            *more = 1;
            continue;
        }
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        read_case(a, st, &(*rows)[(*n)++]);
    }
    rc = finish(st, rc);
    qb_free(&q);
    return rc;
}

enum eg_status eg_case_store_count(struct eg_db *db, const struct eg_case_scope *scope,
                                   const struct eg_case_filter *f, int64_t *count)
{
    struct qb q;
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    *count = 0;
    qb_init(&q);
    qb_sql(&q, "SELECT COUNT(*) FROM cases c JOIN departments d ON d.id = c.department_id "
               "WHERE 1 = 1");
    qb_case_scope(&q, scope);
    qb_case_filter(&q, f);
    rc = qb_query(&q, db, &st);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        *count = eg_stmt_i64(st, 0);
        rc = EG_DONE;
    }
    rc = finish(st, rc);
    qb_free(&q);
    return rc;
}

enum eg_status eg_case_store_stats(struct eg_db *db, struct eg_arena *a,
                                   const struct eg_case_scope *scope,
                                   const struct eg_case_filter *f, struct eg_case_stats *out)
{
    struct qb q;
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    memset(out, 0, sizeof *out);
    qb_init(&q);
    qb_text(&q,
            "SELECT c.state, c.department_id, d.code, d.name, COUNT(*), "
            "SUM(CASE WHEN c.due_on < ? THEN 1 ELSE 0 END), SUM(c.claimed_total_fen), "
            "SUM(c.agreed_total_fen), SUM(c.paid_total_fen) "
            "FROM cases c JOIN departments d ON d.id = c.department_id WHERE 1 = 1",
            f->today ? f->today : "");
    qb_case_scope(&q, scope);
    qb_case_filter(&q, f);
    qb_sql(&q, " GROUP BY c.state, c.department_id, d.code, d.name ORDER BY d.code");
    rc = qb_query(&q, db, &st);
    while (eg_db_next(st, &rc)) {
        int s = eg_case_name_index(eg_case_state_names, eg_stmt_text(st, 0));
        int64_t dept = eg_stmt_i64(st, 1), cnt = eg_stmt_i64(st, 4), late = eg_stmt_i64(st, 5);
        struct eg_case_dept_stats *ds = NULL;
        int open = s >= 0 && eg_case_state_is_open((enum eg_case_state)s);

        if (s < 0)
            continue;
        out->total += cnt;
        out->by_state[s] += cnt;
        out->overdue += late;
        if (open)
            out->open += cnt;
        out->claimed_fen += eg_stmt_i64(st, 6);
        out->agreed_fen += eg_stmt_i64(st, 7);
        out->paid_fen += eg_stmt_i64(st, 8);
        for (size_t i = 0; i < out->n_depts; i++)
            if (out->depts[i].department_id == dept)
                ds = &out->depts[i];
        if (ds == NULL) {
            out->depts = eg_arena_grow(a, out->depts, out->n_depts, &cap, sizeof *out->depts);
            if (out->depts == NULL) {
                rc = EG_E_INTERNAL;
                break;
            }
            ds = &out->depts[out->n_depts++];
            memset(ds, 0, sizeof *ds);
            ds->department_id = dept;
            ds->code = col(a, st, 2);
            ds->name = col(a, st, 3);
        }
        ds->total += cnt;
        ds->overdue += late;
        if (open)
            ds->open += cnt;
    }
    rc = finish(st, rc);
    qb_free(&q);
    return rc;
}

enum eg_status eg_cases_backlog(struct eg_db *db, struct eg_arena *a, eg_day today,
                                struct eg_case_backlog **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    char day[11];
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    eg_date_format(today, day);
    rc = eg_db_query(db, &st,
                     "SELECT department_id, respondent_org_id, COUNT(*), "
                     "SUM(CASE WHEN due_on < ? THEN 1 ELSE 0 END) FROM cases "
                     "WHERE state IN ('submitted', 'accepted', 'mediating', 'agreed', 'failed') "
                     "GROUP BY department_id, respondent_org_id "
                     "ORDER BY department_id, respondent_org_id",
                     "t", day);
    while (eg_db_next(st, &rc)) {
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        (*rows)[*n].department_id = eg_stmt_i64(st, 0);
        (*rows)[*n].organisation_id = eg_stmt_i64(st, 1);
        (*rows)[*n].open = eg_stmt_i64(st, 2);
        (*rows)[*n].overdue = eg_stmt_i64(st, 3);
        (*n)++;
    }
    return finish(st, rc);
}

enum eg_status eg_cases_count_by_respondent(struct eg_db *db, struct eg_arena *a, eg_day from,
                                            eg_day to, struct eg_case_count **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    char d1[11], d2[11];
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    eg_date_format(from, d1);
    eg_date_format(to, d2);
    rc = eg_db_query(db, &st,
                     "SELECT respondent_org_id, COUNT(*) FROM cases WHERE submitted_on >= ? AND "
                     "submitted_on <= ? GROUP BY respondent_org_id ORDER BY respondent_org_id",
                     "tt", d1, d2);
    while (eg_db_next(st, &rc)) {
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        (*rows)[*n].organisation_id = eg_stmt_i64(st, 0);
        (*rows)[*n].cases = eg_stmt_i64(st, 1);
        (*n)++;
    }
    return finish(st, rc);
}

/* ---- evidence -------------------------------------------------------------- */

enum eg_status eg_case_store_evidence_bytes(struct eg_db *db, int64_t case_id, int64_t *bytes)
{
    return eg_db_one_i64(db, bytes,
                         "SELECT COALESCE(SUM(size_bytes), 0) FROM case_evidence WHERE case_id = ?",
                         "i", case_id);
}

enum eg_status eg_case_store_evidence_add(struct eg_db *db, const struct eg_case_evidence *ev,
                                          int64_t *id)
{
    return eg_db_one_i64(db, id,
                         "INSERT INTO case_evidence (case_id, party, filename, content_type, "
                         "size_bytes, sha256, storage_name, uploaded_by, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                         "itttittti", ev->case_id, ev->party, ev->filename, ev->content_type,
                         ev->size_bytes, ev->sha256, ev->storage_name, ev->uploaded_by,
                         ev->created_at);
}

#define EVIDENCE_COLUMNS                                                                           \
    "SELECT id, case_id, party, filename, content_type, size_bytes, sha256, storage_name, "        \
    "uploaded_by, created_at FROM case_evidence "

static void read_evidence(struct eg_arena *a, struct eg_stmt *st, struct eg_case_evidence *e)
{
    e->id = eg_stmt_i64(st, 0);
    e->case_id = eg_stmt_i64(st, 1);
    e->party = col(a, st, 2);
    e->filename = col(a, st, 3);
    e->content_type = col(a, st, 4);
    e->size_bytes = eg_stmt_i64(st, 5);
    e->sha256 = col(a, st, 6);
    e->storage_name = col(a, st, 7);
    e->uploaded_by = col(a, st, 8);
    e->created_at = eg_stmt_i64(st, 9);
}

enum eg_status eg_case_store_evidence_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                           struct eg_case_evidence **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    rc = eg_db_query(db, &st, EVIDENCE_COLUMNS "WHERE case_id = ? ORDER BY id", "i", case_id);
    while (eg_db_next(st, &rc)) {
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        read_evidence(a, st, &(*rows)[(*n)++]);
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_evidence_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                          int64_t id, struct eg_case_evidence *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    rc = eg_db_query(db, &st, EVIDENCE_COLUMNS "WHERE case_id = ? AND id = ?", "ii", case_id, id);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        read_evidence(a, st, out);
        rc = EG_DONE;
    } else if (rc == EG_DONE) {
        eg_stmt_done(st);
        return EG_E_NOT_FOUND;
    }
    return finish(st, rc);
}

/* ---- sessions and responses ----------------------------------------------- */

enum eg_status eg_case_store_session_add(struct eg_db *db, const struct eg_case_session *s,
                                         int64_t *id)
{
    return eg_db_one_i64(
        db, id,
        "INSERT INTO case_sessions (case_id, starts_at, mode, place, place_id, "
        "participants, minutes, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?, ?, ?, ?) RETURNING id",
        "iittittt"
        "ii",
        s->case_id, s->starts_at, s->mode, s->place, s->place_id, s->participants_json, s->minutes,
        s->created_by, s->created_at, s->created_at);
}

enum eg_status eg_case_store_session_update(struct eg_db *db, int64_t case_id, int64_t id,
                                            const char *minutes, const char *participants_json,
                                            int64_t now)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "UPDATE case_sessions SET minutes = COALESCE(CAST(? AS TEXT), minutes), "
                   "participants = COALESCE(CAST(? AS TEXT), participants), updated_at = ? "
                   "WHERE case_id = ? AND id = ?",
                   "ttiii", minutes, participants_json, now, case_id, id);
    if (rc == EG_OK && changed == 0)
        rc = EG_E_NOT_FOUND;
    return rc;
}

#define SESSION_COLUMNS                                                                            \
    "SELECT id, case_id, starts_at, mode, place, place_id, participants, minutes, created_by, "    \
    "created_at, updated_at FROM case_sessions "

static void read_session(struct eg_arena *a, struct eg_stmt *st, struct eg_case_session *s)
{
    s->id = eg_stmt_i64(st, 0);
    s->case_id = eg_stmt_i64(st, 1);
    s->starts_at = eg_stmt_i64(st, 2);
    s->mode = col(a, st, 3);
    s->place = col(a, st, 4);
    s->place_id = eg_stmt_i64(st, 5);
    s->participants_json = col(a, st, 6);
    s->minutes = col(a, st, 7);
    s->created_by = col(a, st, 8);
    s->created_at = eg_stmt_i64(st, 9);
    s->updated_at = eg_stmt_i64(st, 10);
}

enum eg_status eg_case_store_session_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                         int64_t id, struct eg_case_session *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    rc = eg_db_query(db, &st, SESSION_COLUMNS "WHERE case_id = ? AND id = ?", "ii", case_id, id);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        read_session(a, st, out);
        rc = EG_DONE;
    } else if (rc == EG_DONE) {
        eg_stmt_done(st);
        return EG_E_NOT_FOUND;
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_session_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                          struct eg_case_session **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    rc = eg_db_query(db, &st, SESSION_COLUMNS "WHERE case_id = ? ORDER BY starts_at, id", "i",
                     case_id);
    while (eg_db_next(st, &rc)) {
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        read_session(a, st, &(*rows)[(*n)++]);
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_response_add(struct eg_db *db, const struct eg_case_response *r,
                                          int64_t *id)
{
    if (r->proposal_fen >= 0)
        return eg_db_one_i64(db, id,
                             "INSERT INTO case_responses (case_id, body, proposal_fen, author, "
                             "author_role, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                             "ititti", r->case_id, r->body, r->proposal_fen, r->author,
                             r->author_role, r->created_at);
    return eg_db_one_i64(db, id,
                         "INSERT INTO case_responses (case_id, body, proposal_fen, author, "
                         "author_role, created_at) VALUES (?, ?, NULL, ?, ?, ?) RETURNING id",
                         "ittti", r->case_id, r->body, r->author, r->author_role, r->created_at);
}

enum eg_status eg_case_store_response_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                           struct eg_case_response **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    rc = eg_db_query(db, &st,
                     "SELECT id, case_id, body, proposal_fen, author, author_role, created_at "
                     "FROM case_responses WHERE case_id = ? ORDER BY id",
                     "i", case_id);
    while (eg_db_next(st, &rc)) {
        struct eg_case_response *r;

        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        r = &(*rows)[(*n)++];
        r->id = eg_stmt_i64(st, 0);
        r->case_id = eg_stmt_i64(st, 1);
        r->body = col(a, st, 2);
        r->proposal_fen = eg_stmt_is_null(st, 3) ? -1 : eg_stmt_i64(st, 3);
        r->author = col(a, st, 4);
        r->author_role = col(a, st, 5);
        r->created_at = eg_stmt_i64(st, 6);
    }
    return finish(st, rc);
}

/* ---- agreement, payments, rating ------------------------------------------ */

enum eg_status eg_case_store_agreement_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                           struct eg_case_agreement *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    memset(out, 0, sizeof *out);
    rc = eg_db_query(db, &st,
                     "SELECT case_id, version, pay_by, pay_method, other_terms, "
                     "respondent_position, drafted_by, total_fen, applicant_confirmed_at, "
                     "applicant_confirmed_by, respondent_confirmed_at, respondent_confirmed_by, "
                     "mediator_confirmed_at, mediator_confirmed_by, effective_at, created_at, "
                     "updated_at FROM case_agreements WHERE case_id = ?",
                     "i", case_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        out->case_id = eg_stmt_i64(st, 0);
        out->version = (int)eg_stmt_i64(st, 1);
        out->pay_by = col(a, st, 2);
        out->pay_method = col(a, st, 3);
        out->other_terms = col(a, st, 4);
        out->respondent_position = col(a, st, 5);
        out->drafted_by = col(a, st, 6);
        out->total_fen = eg_stmt_i64(st, 7);
        for (int p = 0; p < EG_PARTY_COUNT; p++) {
            out->confirmed.at[p] = eg_stmt_i64(st, 8 + 2 * p);
            out->confirmed_by[p] = col_or_null(a, st, 9 + 2 * p);
        }
        out->effective_at = eg_stmt_i64(st, 14);
        out->created_at = eg_stmt_i64(st, 15);
        out->updated_at = eg_stmt_i64(st, 16);
    }
    eg_stmt_done(st);
    if (rc == EG_DONE)
        return EG_E_NOT_FOUND;
    if (rc != EG_ROW)
        return rc == EG_OK ? EG_E_DB : rc;
    return amounts_query(db,
                         "SELECT category, amount_fen FROM case_agreement_terms WHERE case_id = ?",
                         case_id, &out->terms);
}

enum eg_status eg_case_store_agreement_put(struct eg_db *db, const struct eg_case_agreement *ag,
                                           int64_t mediator_user_id, int64_t now)
{
    enum eg_status rc;

    rc = eg_db_run(
        db, NULL,
        "INSERT INTO case_agreements (case_id, version, pay_by, pay_method, other_terms, "
        "respondent_position, total_fen, drafted_by, mediator_user_id, created_at, updated_at) "
        "VALUES (?, 1, ?, ?, ?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, ?) "
        "ON CONFLICT (case_id) DO UPDATE SET version = case_agreements.version + 1, "
        "pay_by = excluded.pay_by, pay_method = excluded.pay_method, "
        "other_terms = excluded.other_terms, respondent_position = excluded.respondent_position, "
        "total_fen = excluded.total_fen, drafted_by = excluded.drafted_by, "
        "mediator_user_id = excluded.mediator_user_id, applicant_confirmed_at = NULL, "
        "applicant_confirmed_by = NULL, respondent_confirmed_at = NULL, "
        "respondent_confirmed_by = NULL, mediator_confirmed_at = NULL, "
        "mediator_confirmed_by = NULL, effective_at = NULL, updated_at = excluded.updated_at",
        "ittttitiii", ag->case_id, ag->pay_by, ag->pay_method, ag->other_terms,
        ag->respondent_position, eg_case_amounts_total(&ag->terms), ag->drafted_by,
        mediator_user_id, now, now);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL, "DELETE FROM case_agreement_terms WHERE case_id = ?", "i",
                       ag->case_id);
    for (int i = 0; rc == EG_OK && i < EG_CAT_COUNT; i++)
        if (ag->terms.fen[i] > 0)
            rc = eg_db_run(db, NULL,
                           "INSERT INTO case_agreement_terms (case_id, category, amount_fen) "
                           "VALUES (?, ?, ?)",
                           "iti", ag->case_id, eg_case_category_names[i], ag->terms.fen[i]);
    return rc;
}

enum eg_status eg_case_store_agreement_confirm(struct eg_db *db, int64_t case_id,
                                               enum eg_case_party party, const char *by,
                                               int64_t now)
{
    static const char *const sql[EG_PARTY_COUNT] = {
        "UPDATE case_agreements SET applicant_confirmed_at = ?, applicant_confirmed_by = ?, "
        "updated_at = ? WHERE case_id = ? AND applicant_confirmed_at IS NULL",
        "UPDATE case_agreements SET respondent_confirmed_at = ?, respondent_confirmed_by = ?, "
        "updated_at = ? WHERE case_id = ? AND respondent_confirmed_at IS NULL",
        "UPDATE case_agreements SET mediator_confirmed_at = ?, mediator_confirmed_by = ?, "
        "updated_at = ? WHERE case_id = ? AND mediator_confirmed_at IS NULL",
    };
    int64_t changed = 0;
    enum eg_status rc;

    if ((unsigned)party >= EG_PARTY_COUNT)
        return EG_E_INTERNAL;
    rc = eg_db_run(db, &changed, sql[party], "itii", now, by, now, case_id);
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    return rc;
}

enum eg_status eg_case_store_agreement_effective(struct eg_db *db, int64_t case_id, int64_t now)
{
    return eg_db_run(
        db, NULL, "UPDATE case_agreements SET effective_at = ?, updated_at = ? WHERE case_id = ?",
        "iii", now, now, case_id);
}

enum eg_status eg_case_store_payment_add(struct eg_db *db, const struct eg_case_payment *p,
                                         int64_t *id)
{
    const char *state = p->state ? p->state : "confirmed";
    enum eg_status rc;

    rc = eg_db_one_i64(db, id,
                       "INSERT INTO case_payments (case_id, category, amount_fen, paid_on, method, "
                       "reference, recorded_by, created_at, state) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "itittttit", p->case_id, p->category, p->amount_fen, p->paid_on, p->method,
                       p->reference, p->recorded_by, p->created_at, state);
    if (rc == EG_OK && strcmp(state, "confirmed") == 0)
        rc = eg_db_run(db, NULL,
                       "UPDATE cases SET paid_total_fen = paid_total_fen + ?, updated_at = ? "
                       "WHERE id = ?",
                       "iii", p->amount_fen, p->created_at, p->case_id);
    return rc;
}

#define PAYMENT_COLS                                                                               \
    "SELECT id, case_id, category, amount_fen, paid_on, method, reference, recorded_by, "          \
    "created_at, state, decided_by, decided_at, decision_note, evidence_id FROM case_payments "

/* One payment row from a PAYMENT_COLS query. */
static void payment_row(struct eg_arena *a, struct eg_stmt *st, struct eg_case_payment *p)
{
    p->id = eg_stmt_i64(st, 0);
    p->case_id = eg_stmt_i64(st, 1);
    p->category = col(a, st, 2);
    p->amount_fen = eg_stmt_i64(st, 3);
    p->paid_on = col(a, st, 4);
    p->method = col(a, st, 5);
    p->reference = col(a, st, 6);
    p->recorded_by = col(a, st, 7);
    p->created_at = eg_stmt_i64(st, 8);
    p->state = col(a, st, 9);
    p->decided_by = col_or_null(a, st, 10);
    p->decided_at = eg_stmt_i64(st, 11);
    p->decision_note = col(a, st, 12);
    p->evidence_id = eg_stmt_i64(st, 13);
}

enum eg_status eg_case_store_payment_list(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                          struct eg_case_payment **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    rc = eg_db_query(db, &st, PAYMENT_COLS "WHERE case_id = ? ORDER BY id", "i", case_id);
    while (eg_db_next(st, &rc)) {
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        payment_row(a, st, &(*rows)[(*n)++]);
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_payment_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                         int64_t id, struct eg_case_payment *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    memset(out, 0, sizeof *out);
    rc = eg_db_query(db, &st, PAYMENT_COLS "WHERE case_id = ? AND id = ?", "ii", case_id, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW)
        payment_row(a, st, out);
    eg_stmt_done(st);
    if (rc == EG_DONE)
        return EG_E_NOT_FOUND;
    return rc == EG_ROW ? EG_OK : (rc == EG_OK ? EG_E_DB : rc);
}

enum eg_status eg_case_store_payment_decide(struct eg_db *db, int64_t case_id, int64_t id,
                                            const char *state, const char *by, const char *note,
                                            int64_t evidence_id, int64_t now)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "UPDATE case_payments SET state = ?, decided_by = ?, decided_at = ?, "
                   "decision_note = ?, evidence_id = NULLIF(CAST(? AS BIGINT), 0) "
                   "WHERE case_id = ? AND id = ? AND state = 'recorded'",
                   "ttitiii", state, by, now, note, evidence_id, case_id, id);
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    if (rc == EG_OK && strcmp(state, "confirmed") == 0)
        rc = eg_db_run(db, NULL,
                       "UPDATE cases SET paid_total_fen = paid_total_fen + (SELECT amount_fen "
                       "FROM case_payments WHERE id = ?), updated_at = ? WHERE id = ?",
                       "iii", id, now, case_id);
    return rc;
}

enum eg_status eg_case_store_paid(struct eg_db *db, int64_t case_id, int with_pending,
                                  struct eg_case_amounts *out)
{
    return amounts_query(
        db,
        with_pending ? "SELECT category, SUM(amount_fen) FROM case_payments WHERE "
                       "case_id = ? AND state IN ('confirmed', 'recorded') GROUP BY category"
                     : "SELECT category, SUM(amount_fen) FROM case_payments WHERE "
                       "case_id = ? AND state = 'confirmed' GROUP BY category",
        case_id, out);
}

enum eg_status eg_case_store_rating_add(struct eg_db *db, const struct eg_case_rating *r)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "INSERT INTO case_ratings (case_id, department_id, speed, attitude, result, "
                   "comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (case_id) DO NOTHING",
                   "iiiiiti", r->case_id, r->department_id, (int64_t)r->speed, (int64_t)r->attitude,
                   (int64_t)r->result, r->comment, r->created_at);
    if (rc == EG_OK && changed == 0)
        rc = EG_E_DUPLICATE;
    return rc;
}

enum eg_status eg_case_store_rating_get(struct eg_db *db, struct eg_arena *a, int64_t case_id,
                                        struct eg_case_rating *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    rc = eg_db_query(db, &st,
                     "SELECT case_id, department_id, speed, attitude, result, comment, created_at "
                     "FROM case_ratings WHERE case_id = ?",
                     "i", case_id);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        out->case_id = eg_stmt_i64(st, 0);
        out->department_id = eg_stmt_i64(st, 1);
        out->speed = (int)eg_stmt_i64(st, 2);
        out->attitude = (int)eg_stmt_i64(st, 3);
        out->result = (int)eg_stmt_i64(st, 4);
        out->comment = col(a, st, 5);
        out->created_at = eg_stmt_i64(st, 6);
        rc = EG_DONE;
    } else if (rc == EG_DONE) {
        eg_stmt_done(st);
        return EG_E_NOT_FOUND;
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_rating_rollup(struct eg_db *db, struct eg_arena *a,
                                           struct eg_case_rating_rollup **rows, size_t *n)
{
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    rc = eg_db_query(db, &st,
                     "SELECT r.department_id, d.code, d.name, COUNT(*), SUM(r.speed), "
                     "SUM(r.attitude), SUM(r.result) FROM case_ratings r "
                     "JOIN departments d ON d.id = r.department_id "
                     "GROUP BY r.department_id, d.code, d.name ORDER BY d.code",
                     "");
    while (eg_db_next(st, &rc)) {
        struct eg_case_rating_rollup *r;

        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        r = &(*rows)[(*n)++];
        r->department_id = eg_stmt_i64(st, 0);
        r->code = col(a, st, 1);
        r->name = col(a, st, 2);
        r->count = eg_stmt_i64(st, 3);
        r->speed_sum = eg_stmt_i64(st, 4);
        r->attitude_sum = eg_stmt_i64(st, 5);
        r->result_sum = eg_stmt_i64(st, 6);
    }
    return finish(st, rc);
}

/* ---- routing rules -------------------------------------------------------- */

enum eg_status eg_case_store_rules(struct eg_db *db, struct eg_arena *a,
                                   struct eg_case_routing_rule **rules, size_t *n)
{
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rules = NULL;
    *n = 0;
    rc = eg_db_query(db, &st,
                     "SELECT case_type, sector, department_code FROM case_routing_rules "
                     "ORDER BY case_type, sector",
                     "");
    while (eg_db_next(st, &rc)) {
        struct eg_case_routing_rule *r;

        *rules = eg_arena_grow(a, *rules, *n, &cap, sizeof **rules);
        if (*rules == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        r = &(*rules)[(*n)++];
        r->case_type = col(a, st, 0);
        r->sector = col(a, st, 1);
        r->department_code = col(a, st, 2);
    }
    return finish(st, rc);
}

enum eg_status eg_case_store_rules_replace(struct eg_db *db,
                                           const struct eg_case_routing_rule *rules, size_t n,
                                           int64_t now)
{
    enum eg_status rc = eg_db_run(db, NULL, "DELETE FROM case_routing_rules", "");

    for (size_t i = 0; rc == EG_OK && i < n; i++)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO case_routing_rules (case_type, sector, department_code, "
                       "updated_at) VALUES (?, ?, ?, ?)",
                       "ttti", rules[i].case_type, rules[i].sector, rules[i].department_code, now);
    return rc;
}

/* ---- public figures ------------------------------------------------------- */

enum eg_status eg_case_store_figures(struct eg_db *db, struct eg_case_figures *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    memset(out, 0, sizeof *out);
    rc = eg_db_query(
        db, &st,
        "SELECT COUNT(*), "
        "SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN state IN ('agreed', 'fulfilled') OR (state = 'closed' AND "
        "referral IS NULL) THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN state IN ('submitted', 'accepted', 'mediating', 'agreed', 'failed') "
        "THEN 1 ELSE 0 END), COALESCE(SUM(paid_total_fen), 0) FROM cases",
        "");
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        out->received = eg_stmt_i64(st, 0);
        out->handled = eg_stmt_i64(st, 1);
        out->resolved = eg_stmt_i64(st, 2);
        out->in_progress = eg_stmt_i64(st, 3);
        out->recovered_fen = eg_stmt_i64(st, 4);
        rc = EG_DONE;
    }
    rc = finish(st, rc);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_query(db, &st,
                     "SELECT COUNT(*), SUM(CASE WHEN speed >= 4 AND attitude >= 4 AND result >= 4 "
                     "THEN 1 ELSE 0 END) FROM case_ratings",
                     "");
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        out->rated = eg_stmt_i64(st, 0);
        out->satisfied = eg_stmt_i64(st, 1);
        rc = EG_DONE;
    }
    return finish(st, rc);
}

/* ---- consultations -------------------------------------------------------- */

enum eg_status eg_consult_store_insert(struct eg_db *db, const struct eg_consult_new *in,
                                       int64_t *id)
{
    return eg_db_one_i64(
        db, id,
        "INSERT INTO consultations (kind, state, person_id, organisation_id, "
        "department_id, topic, details, preferred_on, requested_by, "
        "requested_at, updated_at) VALUES (?, 'requested', NULLIF(CAST(? AS BIGINT), 0), "
        "NULLIF(CAST(? AS BIGINT), 0), ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        "tiiitttt"
        "ii",
        in->kind, in->person_id, in->organisation_id, in->department_id, in->topic,
        in->details ? in->details : "", in->preferred_on, in->requested_by, in->now, in->now);
}

#define CONSULT_COLUMNS                                                                            \
    "SELECT k.id, k.kind, k.state, k.person_id, k.organisation_id, k.department_id, d.code, "      \
    "d.name, d.path, k.assignee_user_id, u.login, k.topic, k.details, k.preferred_on, "            \
    "k.outcome, k.requested_by, COALESCE(p.name, o.name), k.requested_at, k.assigned_at, "         \
    "k.done_at, k.rating, k.rating_comment, k.rated_at, k.updated_at "                             \
    "FROM consultations k JOIN departments d ON d.id = k.department_id "                           \
    "LEFT JOIN users u ON u.id = k.assignee_user_id "                                              \
    "LEFT JOIN people p ON p.id = k.person_id "                                                    \
    "LEFT JOIN organisations o ON o.id = k.organisation_id "

static void read_consult(struct eg_arena *a, struct eg_stmt *st, struct eg_consult_rec *k)
{
    int s;

    memset(k, 0, sizeof *k);
    k->id = eg_stmt_i64(st, 0);
    k->kind = col(a, st, 1);
    k->state_name = col(a, st, 2);
    s = eg_case_name_index(eg_consult_state_names, k->state_name);
    k->state = s < 0 ? EG_CONSULT_DONE : (enum eg_consult_state)s;
    k->person_id = eg_stmt_i64(st, 3);
    k->organisation_id = eg_stmt_i64(st, 4);
    k->dept.id = eg_stmt_i64(st, 5);
    k->dept.code = col(a, st, 6);
    k->dept.name = col(a, st, 7);
    k->dept.path = col(a, st, 8);
    k->assignee_user_id = eg_stmt_i64(st, 9);
    k->assignee_login = col_or_null(a, st, 10);
    k->topic = col(a, st, 11);
    k->details = col(a, st, 12);
    k->preferred_on = col_or_null(a, st, 13);
    k->outcome = col(a, st, 14);
    k->requested_by = col(a, st, 15);
    k->requester_name = col(a, st, 16);
    k->requested_at = eg_stmt_i64(st, 17);
    k->assigned_at = eg_stmt_i64(st, 18);
    k->done_at = eg_stmt_i64(st, 19);
    k->rating = (int)eg_stmt_i64(st, 20);
    k->rating_comment = col(a, st, 21);
    k->rated_at = eg_stmt_i64(st, 22);
    k->updated_at = eg_stmt_i64(st, 23);
}

enum eg_status eg_consult_store_get(struct eg_db *db, struct eg_arena *a, int64_t id,
                                    struct eg_consult_rec *out)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc;

    rc = eg_db_query(db, &st, CONSULT_COLUMNS "WHERE k.id = ?", "i", id);
    if (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        read_consult(a, st, out);
        rc = EG_DONE;
    } else if (rc == EG_DONE) {
        eg_stmt_done(st);
        return EG_E_NOT_FOUND;
    }
    return finish(st, rc);
}

enum eg_status eg_consult_store_list(struct eg_db *db, struct eg_arena *a,
                                     const struct eg_case_scope *scope,
                                     const struct eg_consult_filter *f, int limit,
                                     struct eg_consult_rec **rows, size_t *n, int *more)
{
    struct qb q;
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;

    *rows = NULL;
    *n = 0;
    *more = 0;
    qb_init(&q);
    qb_sql(&q, CONSULT_COLUMNS "WHERE 1 = 1");
    switch (scope->role) {
    case EG_ROLE_ADMIN:
    case EG_ROLE_SUPERVISOR:
        break;
    case EG_ROLE_WORKER:
        qb_int(&q, " AND k.person_id = CAST(? AS BIGINT)", scope->person_id);
        break;
    case EG_ROLE_PLATFORM:
        qb_int(&q, " AND k.organisation_id = CAST(? AS BIGINT)", scope->organisation_id);
        break;
    case EG_ROLE_MEDIATOR:
        qb_text(&q, " AND d.path LIKE ?", scope->dept_pattern ? scope->dept_pattern : "");
        break;
    default:
        qb_sql(&q, " AND 1 = 0");
        break;
    }
    if (f->state)
        qb_text(&q, " AND k.state = ?", f->state);
    if (f->kind)
        qb_text(&q, " AND k.kind = ?", f->kind);
    if (f->before_id > 0)
        qb_int(&q, " AND k.id < CAST(? AS BIGINT)", f->before_id);
    qb_int(&q, " ORDER BY k.id DESC LIMIT CAST(? AS BIGINT)", (int64_t)limit + 1);
    rc = qb_query(&q, db, &st);
    while (eg_db_next(st, &rc)) {
        if (*n == (size_t)limit) {
            *more = 1;
            continue;
        }
        *rows = eg_arena_grow(a, *rows, *n, &cap, sizeof **rows);
        if (*rows == NULL) {
            rc = EG_E_INTERNAL;
            break;
        }
        read_consult(a, st, &(*rows)[(*n)++]);
    }
    rc = finish(st, rc);
    qb_free(&q);
    return rc;
}

enum eg_status eg_consult_store_assign(struct eg_db *db, int64_t id, int64_t assignee_user_id,
                                       int64_t department_id, int64_t now)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "UPDATE consultations SET state = 'assigned', assignee_user_id = ?, "
                   "department_id = ?, assigned_at = ?, updated_at = ? "
                   "WHERE id = ? AND state = 'requested'",
                   "iiiii", assignee_user_id, department_id, now, now, id);
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    return rc;
}

enum eg_status eg_consult_store_done(struct eg_db *db, int64_t id, const char *outcome, int64_t now)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "UPDATE consultations SET state = 'done', outcome = ?, done_at = ?, "
                   "updated_at = ? WHERE id = ? AND state = 'assigned'",
                   "tiii", outcome, now, now, id);
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    return rc;
}

enum eg_status eg_consult_store_rate(struct eg_db *db, int64_t id, int rating, const char *comment,
                                     int64_t now)
{
    int64_t changed = 0;
    enum eg_status rc;

    rc = eg_db_run(db, &changed,
                   "UPDATE consultations SET rating = ?, rating_comment = ?, rated_at = ?, "
                   "updated_at = ? WHERE id = ? AND state = 'done' AND rating IS NULL",
                   "itiii", (int64_t)rating, comment, now, now, id);
    if (rc == EG_OK && changed != 1)
        rc = EG_E_CONFLICT;
    return rc;
}
