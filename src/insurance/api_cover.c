/*
 * api_cover.c — enrollment and cover-days.
 *
 *   POST /api/v1/cover-days                 enroll people × dates (one request, one transaction)
 *   GET  /api/v1/cover-days                 list (scoped: own / paid by the platform / all)
 *   GET  /api/v1/cover-days/{id}            one
 *   POST /api/v1/cover-days/{id}/cancel     cancel before the day starts (refund booked)
 *   GET  /api/v1/cover-days/auto-renew      a worker's auto-renewal
 *   PUT  /api/v1/cover-days/auto-renew      turn it on or off
 *
 * Enrollment: a worker enrolls themself and pays; a platform enrolls people
 * (by person id or ID number) and pays; the insurer or an administrator
 * enrolls people paid by a named organisation or by each person. Every
 * person-date is either created (awaiting payment on one order per payer),
 * reported as already covered (never doubled), or refused with a reason.
 */
#include "insurance/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "core/buf.h"
#include "core/ident.h"
#include "core/log.h"
#include "db/db.h"

static const struct eg_field person_fields[] = {
    EG_FIELD("id_number", EG_FT_STRING, .max_len = 32),
    EG_FIELD("person_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("name", EG_FT_STRING, .max_len = 64),
    EG_FIELD(NULL, 0),
};
static const struct eg_field person_item = EG_FIELD("", EG_FT_OBJECT, .sub = person_fields);
static const struct eg_field date_item = EG_FIELD("", EG_FT_STRING, .max_len = 32);

const struct eg_field eg_ins_enroll_spec[] = {
    EG_FIELD("people", EG_FT_ARRAY, .max_len = EG_INS_MAX_PEOPLE, .item = &person_item),
    EG_FIELD("dates", EG_FT_ARRAY, .max_len = EG_INS_MAX_DAYS_AHEAD + 1, .item = &date_item),
    EG_FIELD("from", EG_FT_DATE),
    EG_FIELD("to", EG_FT_DATE),
    EG_FIELD("payer_organisation_id", EG_FT_INT, .min = 1, .max = INT64_MAX),
    EG_FIELD("product", EG_FT_STRING, .max_len = 32),
    EG_FIELD(NULL, 0),
};

const struct eg_field eg_ins_auto_renew_spec[] = {
    EG_FIELD("enabled", EG_FT_BOOL, .flags = EG_F_REQUIRED),
    EG_FIELD(NULL, 0),
};

/* ---- enrollment ------------------------------------------------------- */

struct created_row {
    int64_t id, person_id;
    eg_day day;
};

struct already_row {
    int64_t id, person_id;
    eg_day day;
    char state[20];
};

struct refused_row {
    long index;            /* position in "people", -1 for a date refused for everyone */
    int64_t person_id;     /* 0 when unknown */
    eg_day day;            /* 0 when the refusal is about the person */
    const char *date_text; /* the date as sent, for bad dates */
    enum eg_ins_refusal reason;
};

struct order_row {
    struct eg_ins_order o;
};

/* A growable array of fixed-size rows (malloc'd; freed with the arena). */
struct rows {
    void *data;
    size_t n, cap, size;
};

static int rows_push(struct rows *r, const void *row)
{
    if (r->n == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        void *p = realloc(r->data, ncap * r->size);
        if (p == NULL)
            return -1;
        r->data = p;
        r->cap = ncap;
    }
    memcpy((char *)r->data + r->n * r->size, row, r->size);
    r->n++;
    return 0;
}

enum payer_mode { PAY_SELF, PAY_ORG, PAY_EACH };

struct enroll {
    struct eg_req *req;
    int64_t now;
    eg_day today;
    struct eg_ins_product product;
    struct eg_ins_version *vs;
    size_t nvs;
    enum payer_mode mode;
    int64_t payer_org; /* PAY_ORG */
    const char *source;
    int check_roster; /* a platform enrolling, and the roster table exists */
    json_t *people;   /* NULL for a worker enrolling themself */
    eg_day *days;     /* valid dates, ascending */
    size_t ndays;
    /* date-level refusals found before the transaction */
    struct rows date_refusals;
    /* results, reset at the start of every attempt */
    struct rows created, already, refused, orders;
    int64_t persons_created;
};

static void enroll_free(void *p)
{
    struct enroll *e = p;

    free(e->date_refusals.data);
    free(e->created.data);
    free(e->already.data);
    free(e->refused.data);
    free(e->orders.data);
}

static enum eg_status refuse(struct enroll *e, long index, int64_t person_id, eg_day day,
                             enum eg_ins_refusal why)
{
    struct refused_row r = {index, person_id, day, NULL, why};

    return rows_push(&e->refused, &r) == 0 ? EG_OK : EG_E_INTERNAL;
}

/*
 * Which person entry i names: its id and birth date, or a refusal. An ID
 * number that is valid but unknown creates the person when a name comes
 * with it (the person is then audited by the accounts module) — except for
 * a platform held to its roster, whose people must be known already.
 */
static enum eg_status resolve_person(struct enroll *e, struct eg_db *db, size_t i,
                                     int64_t *person_id, eg_day *birth, enum eg_ins_refusal *why)
{
    json_t *p = json_array_get(e->people, i);
    const char *idn = eg_json_str(p, "id_number", NULL);
    int64_t pid = eg_json_int(p, "person_id", 0);
    enum eg_status st;

    *why = EG_INS_OK;
    *person_id = 0;
    if (pid > 0) {
        st = eg_ins_person_birth(db, pid, birth);
        if (st == EG_E_NOT_FOUND) {
            *why = EG_INS_UNKNOWN_PERSON;
            return EG_OK;
        }
        *person_id = pid;
        return st;
    }
    struct eg_id_info info;
    if (idn == NULL || eg_id_number_check(idn, e->today, &info) != EG_OK) {
        *why = EG_INS_BAD_ID_NUMBER;
        return EG_OK;
    }
    *birth = info.birth;
    st = eg_person_find_by_id_number(db, info.normalized, &pid);
    if (st == EG_E_NOT_FOUND) {
        const char *name = eg_json_str(p, "name", NULL);
        struct eg_audit_ctx ctx;
        struct eg_person_input in = {name, info.normalized, NULL};
        int created = 0;

        /* a platform bound to its roster only ever names people already known */
        if (name == NULL || name[0] == '\0' || e->check_roster) {
            *why = EG_INS_UNKNOWN_PERSON;
            return EG_OK;
        }
        eg_ins_audit_ctx(e->req, &ctx);
        st = eg_person_upsert(db, &ctx, &in, &pid, &created);
        if (st == EG_E_INVALID_FIELD) {
            *why = EG_INS_BAD_ID_NUMBER;
            return EG_OK;
        }
        e->persons_created += created;
    }
    if (st == EG_OK)
        *person_id = pid;
    return st;
}

/* Create the payer's order on first use. */
static enum eg_status need_order(struct enroll *e, struct eg_db *db, int64_t payer_person,
                                 int64_t *order_id)
{
    char no[48];

    if (*order_id != 0)
        return EG_OK;
    if (payer_person > 0)
        return eg_ins_order_create(db, "enrollment", "person", payer_person, 0, e->req->who.login,
                                   e->now, order_id, no);
    return eg_ins_order_create(db, "enrollment", "organisation", 0, e->payer_org, e->req->who.login,
                               e->now, order_id, no);
}

/* Settle an order's totals and keep its reply row. */
static enum eg_status close_order(struct enroll *e, struct eg_db *db, int64_t order_id)
{
    int64_t count = 0;
    struct order_row r;
    enum eg_status st;

    if (order_id == 0)
        return EG_OK;
    st = eg_ins_order_finish(db, order_id, e->now, &count);
    if (st != EG_OK || count == 0)
        return st;
    st = eg_ins_order_get(db, order_id, NULL, &r.o);
    if (st == EG_OK && rows_push(&e->orders, &r) != 0)
        st = EG_E_INTERNAL;
    return st;
}

/* Enroll one person for every valid date. */
static enum eg_status enroll_person(struct enroll *e, struct eg_db *db, long index,
                                    int64_t person_id, eg_day birth, int64_t *order_id)
{
    enum eg_status st = EG_OK;

    for (size_t k = 0; k < e->ndays && st == EG_OK; k++) {
        eg_day d = e->days[k];
        const struct eg_ins_version *v = eg_ins_version_in_force(e->vs, e->nvs, d);
        struct eg_ins_cover_new c;
        int64_t id = 0;
        int created = 0;
        char state[20];

        if (v == NULL) {
            st = refuse(e, index, person_id, d, EG_INS_NO_PRODUCT);
            continue;
        }
        if (eg_ins_check_age(birth, d, v->min_age, v->max_age) != EG_INS_OK) {
            st = refuse(e, index, person_id, d, EG_INS_AGE);
            continue;
        }
        st = need_order(e, db, e->mode == PAY_ORG ? 0 : person_id, order_id);
        if (st != EG_OK)
            break;
        memset(&c, 0, sizeof c);
        c.person_id = person_id;
        c.day = d;
        c.product_id = e->product.id;
        c.v = v;
        c.payer_kind = e->mode == PAY_ORG ? "organisation" : "person";
        c.payer_person_id = e->mode == PAY_ORG ? 0 : person_id;
        c.payer_org_id = e->mode == PAY_ORG ? e->payer_org : 0;
        c.order_id = *order_id;
        c.source = e->source;
        c.enrolled_by = e->req->who.login;
        c.now = e->now;
        st = eg_ins_cover_insert(db, &c, &id, &created, state);
        if (st != EG_OK)
            break;
        if (created) {
            struct created_row r = {id, person_id, d};
            if (rows_push(&e->created, &r) != 0)
                st = EG_E_INTERNAL;
        } else {
            struct already_row r = {id, person_id, d, ""};
            memcpy(r.state, state, sizeof r.state);
            if (rows_push(&e->already, &r) != 0)
                st = EG_E_INTERNAL;
        }
    }
    return st;
}

static enum eg_status enroll_tx(struct eg_db *db, void *arg)
{
    struct enroll *e = arg;
    struct eg_audit_ctx ctx;
    int64_t org_order = 0, lapsed_orders = 0, lapsed_days = 0;
    char id[40], summary[200];
    enum eg_status st;

    e->created.n = e->already.n = e->refused.n = e->orders.n = 0;
    e->persons_created = 0;
    st = eg_ins_orders_expire(db, e->now, &lapsed_orders, &lapsed_days);
    if (st != EG_OK)
        return st;
    if (e->people == NULL) {
        eg_day birth;
        int64_t own = 0;

        st = eg_ins_person_birth(db, e->req->who.person_id, &birth);
        if (st == EG_OK)
            st = enroll_person(e, db, -1, e->req->who.person_id, birth, &own);
        if (st == EG_OK)
            st = close_order(e, db, own);
    } else {
        size_t n = json_array_size(e->people);

        for (size_t i = 0; i < n && st == EG_OK; i++) {
            int64_t pid = 0, own = 0;
            eg_day birth = 0;
            enum eg_ins_refusal why = EG_INS_OK;

            st = resolve_person(e, db, i, &pid, &birth, &why);
            if (st != EG_OK)
                break;
            if (why == EG_INS_OK && e->check_roster) {
                int on = 0;
                st = eg_ins_on_roster(db, e->payer_org, pid, &on);
                if (st != EG_OK)
                    break;
                if (!on)
                    why = EG_INS_NOT_ON_ROSTER;
            }
            if (why != EG_INS_OK) {
                st = refuse(e, (long)i, pid, 0, why);
                continue;
            }
            st = enroll_person(e, db, (long)i, pid, birth, e->mode == PAY_ORG ? &org_order : &own);
            if (st == EG_OK && e->mode == PAY_EACH)
                st = close_order(e, db, own);
        }
        if (st == EG_OK && e->mode == PAY_ORG)
            st = close_order(e, db, org_order);
    }
    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(e->req, &ctx);
    snprintf(id, sizeof id, "%s", e->req->request_id);
    snprintf(summary, sizeof summary,
             "{\"created\":%zu,\"already_covered\":%zu,\"refused\":%zu,\"orders\":%zu,"
             "\"people_created\":%lld,\"source\":\"%s\"}",
             e->created.n, e->already.n, e->refused.n + e->date_refusals.n, e->orders.n,
             (long long)e->persons_created, e->source);
    return eg_audit_append(db, &ctx, "insurance.enroll", "enrollment", id, summary);
}

static int cmp_day(const void *a, const void *b)
{
    eg_day x = *(const eg_day *)a, y = *(const eg_day *)b;

    return (x > y) - (x < y);
}

/*
 * Work out the dates: listed dates, a from–to range, or today. Malformed,
 * past and too distant dates become refusals for everyone; the rest are
 * sorted and deduplicated. Returns EG_OK or a 400 with *field set.
 */
static enum eg_status collect_days(struct enroll *e, json_t *b, const char **field,
                                   const char **msg)
{
    json_t *dates = json_object_get(b, "dates");
    const char *from_s = eg_json_str(b, "from", NULL), *to_s = eg_json_str(b, "to", NULL);
    size_t cap = 0, n = 0;
    eg_day *days = NULL;

    if (dates != NULL && !json_is_null(dates) && (from_s != NULL || to_s != NULL)) {
        *field = "dates";
        *msg = "Give either dates or a from-to range, not both.";
        return EG_E_INVALID_FIELD;
    }
    if ((from_s == NULL) != (to_s == NULL)) {
        *field = from_s == NULL ? "from" : "to";
        *msg = "A range needs both from and to.";
        return EG_E_MISSING_FIELD;
    }
    eg_day from = 0, to = -1;
    if (from_s != NULL) {
        (void)eg_date_parse(from_s, &from);
        (void)eg_date_parse(to_s, &to);
        if (to < from || to - from > EG_INS_MAX_DAYS_AHEAD) {
            *field = "to";
            *msg = "The range must run forwards and span at most 367 days.";
            return EG_E_INVALID_FIELD;
        }
    }
    size_t nd = (dates && json_is_array(dates)) ? json_array_size(dates) : 0;
    if (dates != NULL && json_is_array(dates) && nd == 0) {
        *field = "dates";
        *msg = "List at least one date, or leave dates out for today.";
        return EG_E_INVALID_FIELD;
    }
    cap = nd + (from_s ? (size_t)(to - from + 1) : 0) + 1;
    days = eg_arena_alloc(e->req->arena, cap * sizeof *days);
    if (days == NULL)
        return EG_E_INTERNAL;
    for (size_t i = 0; i < nd; i++) {
        const char *s = json_string_value(json_array_get(dates, i));
        eg_day d;
        if (s == NULL || eg_date_parse(s, &d) != EG_OK) {
            struct refused_row r = {-1, 0, 0, eg_arena_strdup(e->req->arena, s ? s : ""),
                                    EG_INS_BAD_DATE};
            if (rows_push(&e->date_refusals, &r) != 0)
                return EG_E_INTERNAL;
            continue;
        }
        days[n++] = d;
    }
    for (eg_day d = from; from_s != NULL && d <= to; d++)
        days[n++] = d;
    if (nd == 0 && from_s == NULL && (dates == NULL || json_is_null(dates)))
        days[n++] = e->today;
    qsort(days, n, sizeof *days, cmp_day);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        enum eg_ins_refusal why;
        if (i > 0 && days[i - 1] == days[i])
            continue;
        why = eg_ins_check_date(days[i], e->today);
        if (why != EG_INS_OK) {
            struct refused_row r = {-1, 0, days[i], NULL, why};
            if (rows_push(&e->date_refusals, &r) != 0)
                return EG_E_INTERNAL;
            continue;
        }
        days[w++] = days[i];
    }
    e->days = days;
    e->ndays = w;
    return EG_OK;
}

/* Append one refusal object to the reply. */
static enum eg_status put_refusal(struct eg_buf *o, const struct refused_row *r, int first)
{
    char day[11];
    enum eg_status st = eg_buf_puts(o, first ? "{" : ",{");

    if (st == EG_OK && r->index >= 0)
        st = eg_buf_printf(o, "\"index\":%ld,", r->index);
    if (st == EG_OK && r->person_id > 0)
        st = eg_buf_printf(o, "\"person_id\":%lld,", (long long)r->person_id);
    if (st == EG_OK && r->day != 0) {
        eg_date_format(r->day, day);
        st = eg_buf_printf(o, "\"date\":\"%s\",", day);
    } else if (st == EG_OK && r->date_text != NULL) {
        json_t *s = json_string(r->date_text);
        char *enc = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
        st = eg_buf_printf(o, "\"date\":%s,", enc ? enc : "null");
        free(enc);
        json_decref(s);
    }
    if (st == EG_OK)
        st = eg_buf_printf(o, "\"reason\":\"%s\"}", eg_ins_refusal_code(r->reason));
    return st;
}

/*
 * The reply can list a hundred thousand rows, so it is written straight
 * into a buffer rather than built as a JSON tree.
 */
static void enroll_reply(struct enroll *e)
{
    struct eg_buf o;
    char day[11], ts[21];
    enum eg_status st;
    size_t len = 0;

    eg_buf_init(&o, (size_t)256 * 1024 * 1024);
    st = eg_buf_printf(&o,
                       "{\"created_count\":%zu,\"already_covered_count\":%zu,"
                       "\"refused_count\":%zu,\"created\":[",
                       e->created.n, e->already.n, e->refused.n + e->date_refusals.n);
    for (size_t i = 0; st == EG_OK && i < e->created.n; i++) {
        const struct created_row *r = (const struct created_row *)e->created.data + i;
        eg_date_format(r->day, day);
        st = eg_buf_printf(&o, "%s{\"id\":%lld,\"person_id\":%lld,\"date\":\"%s\"}", i ? "," : "",
                           (long long)r->id, (long long)r->person_id, day);
    }
    if (st == EG_OK)
        st = eg_buf_puts(&o, "],\"already_covered\":[");
    for (size_t i = 0; st == EG_OK && i < e->already.n; i++) {
        const struct already_row *r = (const struct already_row *)e->already.data + i;
        eg_date_format(r->day, day);
        st =
            eg_buf_printf(&o, "%s{\"id\":%lld,\"person_id\":%lld,\"date\":\"%s\",\"state\":\"%s\"}",
                          i ? "," : "", (long long)r->id, (long long)r->person_id, day, r->state);
    }
    if (st == EG_OK)
        st = eg_buf_puts(&o, "],\"refused\":[");
    size_t k = 0;
    for (size_t i = 0; st == EG_OK && i < e->date_refusals.n; i++, k++)
        st = put_refusal(&o, (const struct refused_row *)e->date_refusals.data + i, k == 0);
    for (size_t i = 0; st == EG_OK && i < e->refused.n; i++, k++)
        st = put_refusal(&o, (const struct refused_row *)e->refused.data + i, k == 0);
    if (st == EG_OK)
        st = eg_buf_puts(&o, "],\"orders\":[");
    for (size_t i = 0; st == EG_OK && i < e->orders.n; i++) {
        const struct eg_ins_order *r = &((const struct order_row *)e->orders.data + i)->o;
        eg_instant_format(r->expires_at, ts);
        st = eg_buf_printf(&o,
                           "%s{\"id\":%lld,\"order_no\":\"%s\",\"state\":\"%s\","
                           "\"amount_fen\":%lld,\"premium_fen\":%lld,\"subsidy_fen\":%lld,"
                           "\"cover_days\":%lld,\"expires_at\":\"%s\"}",
                           i ? "," : "", (long long)r->id, r->order_no, r->state,
                           (long long)r->amount_fen, (long long)r->premium_fen,
                           (long long)r->subsidy_fen, (long long)r->cover_days, ts);
    }
    if (st == EG_OK)
        st = eg_buf_puts(&o, "]}");
    if (st != EG_OK) {
        eg_buf_free(&o);
        eg_reply_error(e->req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    char *data = eg_buf_take(&o, &len);
    eg_reply_take(e->req, e->created.n > 0 ? 201 : 200, "application/json", data, len);
}

void eg_ins_api_enroll(struct eg_req *req)
{
    struct enroll *e = eg_arena_alloc(req->arena, sizeof *e);
    json_t *b = req->body;
    const char *field = NULL, *msg = NULL;
    const char *code = eg_json_str(b, "product", EG_INS_DEFAULT_PRODUCT);
    int64_t payer = eg_json_int(b, "payer_organisation_id", 0);
    enum eg_status st;

    if (e == NULL) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    e->req = req;
    e->now = eg_now();
    e->today = eg_day_of(e->now);
    e->date_refusals.size = e->refused.size = sizeof(struct refused_row);
    e->created.size = sizeof(struct created_row);
    e->already.size = sizeof(struct already_row);
    e->orders.size = sizeof(struct order_row);
    if (eg_arena_defer(req->arena, enroll_free, e) != 0) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    e->people = json_object_get(b, "people");
    if (e->people != NULL && json_is_null(e->people))
        e->people = NULL;

    switch (req->who.role) {
    case EG_ROLE_WORKER:
        if (req->who.person_id <= 0) {
            eg_reply_error(req, EG_E_FORBIDDEN, NULL, "This account is not linked to a person.");
            return;
        }
        if (e->people != NULL) {
            eg_reply_error(req, EG_E_FORBIDDEN, "people", "A worker enrolls only themself.");
            return;
        }
        if (payer != 0) {
            eg_reply_error(req, EG_E_FORBIDDEN, "payer_organisation_id",
                           "A worker pays for their own cover.");
            return;
        }
        e->mode = PAY_SELF;
        e->source = "self";
        break;
    case EG_ROLE_PLATFORM:
        if (req->who.organisation_id <= 0) {
            eg_reply_error(req, EG_E_FORBIDDEN, NULL, "This account has no organisation.");
            return;
        }
        if (payer != 0 && payer != req->who.organisation_id) {
            eg_reply_error(req, EG_E_FORBIDDEN, "payer_organisation_id",
                           "A platform pays only for itself.");
            return;
        }
        e->mode = PAY_ORG;
        e->payer_org = req->who.organisation_id;
        e->source = "platform";
        break;
    default: /* insurer, admin */
        e->mode = payer ? PAY_ORG : PAY_EACH;
        e->payer_org = payer;
        e->source = "staff";
        break;
    }
    if (e->mode != PAY_SELF && e->people == NULL) {
        eg_reply_error(req, EG_E_MISSING_FIELD, "people", "List the people to enroll.");
        return;
    }
    if (e->people != NULL) {
        size_t n = json_array_size(e->people);
        for (size_t i = 0; i < n; i++) {
            json_t *p = json_array_get(e->people, i);
            int has_idn = json_object_get(p, "id_number") != NULL &&
                          !json_is_null(json_object_get(p, "id_number"));
            int has_pid = json_object_get(p, "person_id") != NULL &&
                          !json_is_null(json_object_get(p, "person_id"));
            if (has_idn == has_pid) {
                char path[40];
                snprintf(path, sizeof path, "people[%zu]", i);
                eg_reply_error(req, EG_E_INVALID_FIELD, path,
                               "Give either id_number or person_id for each person.");
                return;
            }
        }
    }
    st = collect_days(e, b, &field, &msg);
    if (st != EG_OK) {
        eg_reply_error(req, st, field, "%s", msg ? msg : eg_status_message(st));
        return;
    }
    size_t npeople = e->people ? json_array_size(e->people) : 1;
    if (npeople * e->ndays > EG_INS_MAX_PERSON_DAYS) {
        eg_reply_error(req, EG_E_TOO_LARGE, "people",
                       "At most %d person-days may be enrolled in one request.",
                       EG_INS_MAX_PERSON_DAYS);
        return;
    }
    st = eg_ins_product_find(req->db, code, &e->product);
    if (st == EG_E_NOT_FOUND) {
        eg_reply_error(req, EG_E_INVALID_FIELD, "product", "No such product.");
        return;
    }
    if (st == EG_OK)
        st = eg_ins_versions_load(req->db, req->arena, e->product.id, &e->vs, NULL, &e->nvs);
    if (st == EG_OK && e->mode == PAY_ORG && req->who.role != EG_ROLE_PLATFORM) {
        int exists = 0;
        st = eg_ins_org_exists(req->db, e->payer_org, &exists);
        if (st == EG_OK && !exists) {
            eg_reply_error(req, EG_E_INVALID_FIELD, "payer_organisation_id",
                           "No such organisation.");
            return;
        }
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    e->check_roster = req->who.role == EG_ROLE_PLATFORM && eg_ins_checks_rosters();
    st = eg_db_tx(req->db, enroll_tx, e);
    if (st != EG_OK) {
        eg_log(EG_LOG_WARN, "event=insurance_enroll_failed rid=%s status=%s", req->request_id,
               eg_status_code(st));
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_log(EG_LOG_INFO, "event=insurance_enrolled rid=%s created=%zu already=%zu refused=%zu",
           req->request_id, e->created.n, e->already.n, e->refused.n + e->date_refusals.n);
    enroll_reply(e);
}

/* ---- listing and reading ---------------------------------------------- */

static const char *const cover_states[] = {"awaiting_payment", "active", "expired", "cancelled",
                                           NULL};

static int in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

void eg_ins_api_cover_list(struct eg_req *req)
{
    struct eg_ins_cover_filter f;
    struct eg_ins_cover *rows = NULL;
    size_t n = 0;
    const char *field = NULL;
    eg_day d;
    int set = 0;
    int64_t pid = 0, org = 0;
    json_t *items;
    enum eg_status st;

    memset(&f, 0, sizeof f);
    st = eg_ins_page(req, &f.before_id, &f.limit, &field);
    if (st == EG_OK && eg_req_query_int(req, "person_id", 1, INT64_MAX, 0, &pid) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "person_id";
    if (st == EG_OK &&
        eg_req_query_int(req, "payer_organisation_id", 1, INT64_MAX, 0, &org) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "payer_organisation_id";
    if (st == EG_OK && eg_req_query_int(req, "order_id", 1, INT64_MAX, 0, &f.order_id) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "order_id";
    f.state = eg_req_query(req, "state");
    if (st == EG_OK && f.state != NULL && !in_list(f.state, cover_states))
        st = EG_E_INVALID_PARAMETER, field = "state";
    f.from = eg_req_query(req, "from");
    if (st == EG_OK && eg_ins_query_date(req, "from", &d, &set) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "from";
    f.to = eg_req_query(req, "to");
    if (st == EG_OK && eg_ins_query_date(req, "to", &d, &set) != EG_OK)
        st = EG_E_INVALID_PARAMETER, field = "to";
    if (st == EG_OK && eg_req_query(req, "date") != NULL) {
        if (eg_ins_query_date(req, "date", &d, &set) != EG_OK)
            st = EG_E_INVALID_PARAMETER, field = "date";
        else
            f.from = f.to = eg_req_query(req, "date");
    }
    if (st != EG_OK) {
        eg_reply_error(req, st, field, NULL);
        return;
    }
    f.person_id = pid;
    f.payer_org_id = org;
    if (req->who.role == EG_ROLE_WORKER) {
        /* a worker's list is their own; asking for someone else finds nothing */
        if (pid != 0 && pid != req->who.person_id)
            f.limit = 0;
        f.person_id = req->who.person_id;
    } else if (req->who.role == EG_ROLE_PLATFORM) {
        if (org != 0 && org != req->who.organisation_id)
            f.limit = 0;
        f.payer_org_id = req->who.organisation_id;
    }
    if (f.limit > 0 && (f.person_id > 0 || req->who.role != EG_ROLE_WORKER))
        st = eg_ins_cover_list(req->db, req->arena, &f, &rows, &n);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, eg_ins_cover_json(&rows[i]));
    eg_reply_json(req, 200, eg_ins_page_reply(items, n, f.limit, n ? rows[n - 1].id : 0));
}

/* Load a cover-day and check the caller may see it (404 otherwise). */
static enum eg_status load_visible(struct eg_req *req, unsigned roles, struct eg_ins_cover *c)
{
    struct eg_row_scope scope;
    int64_t id = 0;
    enum eg_status st = eg_req_param_id(req, "id", &id);

    if (st == EG_OK)
        st = eg_ins_cover_get(req->db, req->arena, id, c);
    if (st != EG_OK)
        return st;
    eg_ins_cover_scope(c, &scope);
    return eg_authz_row(&req->who, roles, &scope);
}

void eg_ins_api_cover_get(struct eg_req *req)
{
    struct eg_ins_cover c;
    enum eg_status st = load_visible(req, EG_INS_READERS, &c);

    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, 200, eg_ins_cover_json(&c));
}

/* ---- cancelling ------------------------------------------------------- */

struct cancel_tx {
    struct eg_req *req;
    int64_t id;
    int64_t now;
    struct eg_ins_cover c;
    int64_t refund;
    int too_late;
};

static enum eg_status cancel_tx_run(struct eg_db *db, void *arg)
{
    struct cancel_tx *t = arg;
    struct eg_audit_ctx ctx;
    char id[24], summary[160], day[11];
    enum eg_status st;

    t->refund = 0;
    t->too_late = 0;
    st = eg_ins_cover_get(db, t->req->arena, t->id, &t->c);
    if (st != EG_OK)
        return st;
    if (!eg_ins_can_cancel(t->c.day, t->now)) {
        t->too_late = 1;
        return EG_E_CONFLICT;
    }
    st = eg_ins_cover_cancel(db, &t->c, t->now, &t->refund);
    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->c.id);
    eg_date_format(t->c.day, day);
    snprintf(summary, sizeof summary,
             "{\"date\":\"%s\",\"from\":\"%s\",\"refund_fen\":%lld,\"order_id\":%lld}", day,
             t->c.state, (long long)t->refund, (long long)t->c.order_id);
    st = eg_audit_append(db, &ctx, "insurance.cover_day.cancel", "cover_day", id, summary);
    if (st == EG_OK)
        st = eg_ins_cover_get(db, t->req->arena, t->id, &t->c);
    return st;
}

void eg_ins_api_cover_cancel(struct eg_req *req)
{
    struct cancel_tx t;
    enum eg_status st;

    memset(&t, 0, sizeof t);
    t.req = req;
    t.now = eg_now();
    st = load_visible(req, EG_INS_ENROLLERS, &t.c);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    /* a worker sees every cover-day of theirs, but cancels (and is refunded)
     * only those they paid for themself; the paying company cancels its own */
    if (req->who.role == EG_ROLE_WORKER && t.c.payer_person_id != req->who.person_id) {
        eg_reply_error(req, EG_E_FORBIDDEN, NULL,
                       "Only the payer may cancel this cover-day: it was paid for by a company.");
        return;
    }
    if (!eg_ins_can_cancel(t.c.day, t.now)) {
        eg_reply_error(req, EG_E_CONFLICT, NULL,
                       "The day has started: a cover-day can only be cancelled before 00:00 of "
                       "its date (Asia/Shanghai).");
        return;
    }
    if (strcmp(t.c.state, "awaiting_payment") != 0 && strcmp(t.c.state, "active") != 0) {
        eg_reply_error(req, EG_E_CONFLICT, NULL, "The cover-day is %s and cannot be cancelled.",
                       t.c.state);
        return;
    }
    t.id = t.c.id;
    st = eg_db_tx(req->db, cancel_tx_run, &t);
    if (st == EG_E_CONFLICT) {
        eg_reply_error(req, EG_E_CONFLICT, NULL,
                       t.too_late ? "The day has started: it can no longer be cancelled."
                                  : "The cover-day changed meanwhile and cannot be cancelled.");
        return;
    }
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    json_t *j = eg_ins_cover_json(&t.c);
    json_object_set_new(j, "refund_fen", json_integer(t.refund));
    eg_reply_json(req, 200, j);
}

/* ---- auto-renewal ----------------------------------------------------- */

static json_t *auto_renew_json(int enabled, int64_t updated_at, eg_day today)
{
    return json_pack("{s:b, s:o, s:o}", "enabled", enabled, "updated_at",
                     eg_ins_instant(updated_at), "next_renewal_date",
                     enabled ? eg_ins_date(today + 1) : json_null());
}

void eg_ins_api_auto_renew_get(struct eg_req *req)
{
    int enabled = 0;
    int64_t at = 0;
    enum eg_status st;

    if (req->who.person_id <= 0) {
        eg_reply_error(req, EG_E_FORBIDDEN, NULL, "This account is not linked to a person.");
        return;
    }
    st = eg_ins_auto_renew_get(req->db, req->who.person_id, &enabled, &at);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, 200, auto_renew_json(enabled, at, eg_day_of(eg_now())));
}

struct renew_tx {
    struct eg_req *req;
    int64_t product_id;
    int enabled;
    int64_t now;
};

static enum eg_status renew_tx_run(struct eg_db *db, void *arg)
{
    struct renew_tx *t = arg;
    struct eg_audit_ctx ctx;
    char id[24];
    enum eg_status st =
        eg_ins_auto_renew_set(db, t->req->who.person_id, t->product_id, t->enabled, t->now);

    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->req->who.person_id);
    return eg_audit_append(db, &ctx, "insurance.auto_renew.set", "person", id,
                           t->enabled ? "{\"enabled\":true}" : "{\"enabled\":false}");
}

void eg_ins_api_auto_renew_put(struct eg_req *req)
{
    struct renew_tx t;
    struct eg_ins_product p;
    enum eg_status st;

    if (req->who.person_id <= 0) {
        eg_reply_error(req, EG_E_FORBIDDEN, NULL, "This account is not linked to a person.");
        return;
    }
    st = eg_ins_product_find(req->db, EG_INS_DEFAULT_PRODUCT, &p);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    t.req = req;
    t.product_id = p.id;
    t.enabled = eg_json_bool(req->body, "enabled", 0);
    t.now = eg_now();
    st = eg_db_tx(req->db, renew_tx_run, &t);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, 200, auto_renew_json(t.enabled, t.now, eg_day_of(t.now)));
}
