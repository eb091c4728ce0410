/*
 * demo.c — the cases module's part of the demo city (see src/demo/demo.h):
 * the working-day calendar for this year and the next, then a few hundred
 * rights-protection cases (about forty at EGRET_DEMO_SCALE=small) in every
 * state, against the demo platforms (or two partner companies when no
 * platform exists), with their timelines, sessions, answers, agreements,
 * payments and ratings, and a set of consultations. The demo worker
 * accounts own a few cases each.
 *
 * Cases are built the way the endpoints build them — numbered from the
 * year's counter, routed by the rule table, deadlines from the calendar —
 * and every step is checked against the state machine of rules.c, with
 * backdated times so that deadlines, overdue cases and figures look real.
 */
#include "cases/demo.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "cases/cases.h"
#include "cases/rules.h"
#include "cases/store.h"
#include "core/log.h"
#include "db/db.h"

#define DAY_S 86400

/* What a case of each type is about, and what is claimed. */
static const struct {
    const char *matter, *facts;
    int cat1, cat2; /* claimed categories, -1 = none */
    int64_t lo, hi; /* claimed amount range in yuan */
} kinds[EG_CASE_TYPE_COUNT] = {
    [EG_CASE_T_UNPAID_PAY] = {"拖欠配送劳务报酬",
                              "申请人在被申请人平台从事配送工作，被申请人以结算周期调整为由拖欠"
                              "上月劳务报酬至今未支付，经多次催要无果。",
                              EG_CAT_PAY, -1, 800, 12000},
    [EG_CASE_T_PENALTY] = {"超时罚款申诉",
                           "申请人因暴雨天气及商家出餐延迟导致配送超时，被平台多次扣款，"
                           "线上申诉渠道未予处理。",
                           EG_CAT_FINE_REFUND, -1, 50, 1500},
    [EG_CASE_T_DEACTIVATION] = {"账号被封禁",
                                "申请人账号被平台以“异常接单”为由永久封禁，平台未出示证据，"
                                "申请人要求解封并退还押金。",
                                EG_CAT_DEPOSIT_REFUND, -1, 200, 1000},
    [EG_CASE_T_OCCUPATIONAL_INJURY] = {"配送途中受伤",
                                       "申请人在配送途中与机动车发生碰撞受伤住院，要求被申请人"
                                       "承担医疗费用并支付伤残补助。",
                                       EG_CAT_INJURY_MEDICAL, EG_CAT_DISABILITY_SUBSIDY, 3000,
                                       60000},
    [EG_CASE_T_LABOUR_RELATION] = {"用工关系争议",
                                   "申请人长期专送于被申请人站点，站点要求其注册个体工商户后"
                                   "解除合作，申请人要求支付经济补偿。",
                                   EG_CAT_PAY, -1, 2000, 20000},
    [EG_CASE_T_SOCIAL_INSURANCE] = {"未参加社会保险",
                                    "申请人全职从事配送工作两年，被申请人未为其办理职业伤害"
                                    "保障及社会保险。",
                                    EG_CAT_OTHER, -1, 1000, 8000},
    [EG_CASE_T_SAFETY] = {"配送时限过紧存在安全隐患",
                          "平台系统设定的配送时限过短，骑手被迫闯红灯、逆行，申请人要求平台"
                          "调整算法规则。",
                          -1, -1, 0, 0},
    [EG_CASE_T_OTHER] = {"装备押金未退还", "申请人离职后，配送站以装备损耗为由拒绝退还装备押金。",
                         EG_CAT_DEPOSIT_REFUND, -1, 100, 800},
};

/* How often each type occurs (weights). */
static const int type_weight[EG_CASE_TYPE_COUNT] = {30, 18, 12, 12, 10, 6, 4, 8};

static const char *const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹";
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇",
                                    "杰", "涛", "明", "超", "鹏", "华", "平", "刚", "辉", "龙"};

struct seed {
    struct eg_demo *d;
    struct eg_calendar cal;
    struct eg_arena *a;
    int64_t *orgs;
    char **sectors;
    size_t n_orgs;
    int64_t *people;
    size_t n_people;
    int64_t worker_person, worker2_person;
    int64_t mediator_user;
};

/* A case being built. */
struct demo_case {
    int64_t id;
    char number[40];
    enum eg_case_state state;
    int64_t t; /* time of the last step */
    int64_t dept;
    const char *dept_code;
    struct eg_case_amounts claims;
};

/* ---- small helpers ------------------------------------------------------------- */

/* Append a timeline event and its audit record as the system. */
static enum eg_status record(struct eg_demo *d, const struct demo_case *c, int64_t at,
                             const char *kind, const char *from, const char *to, json_t *detail)
{
    char *text, action[64], id[24];
    enum eg_status rc;

    if (detail == NULL)
        detail = json_object();
    text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    rc = text ? eg_case_store_event(d->db, c->id, NULL, at, kind, from, to, text) : EG_E_INTERNAL;
    free(text);
    if (rc == EG_OK) {
        json_object_set_new(detail, "number", json_string(c->number));
        json_object_set_new(detail, "demo", json_true());
        text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(action, sizeof action, "case.%s", kind);
        snprintf(id, sizeof id, "%lld", (long long)c->id);
        rc = text ? eg_audit_append(d->db, &d->audit, action, "case", id, text) : EG_E_INTERNAL;
        free(text);
    }
    json_decref(detail);
    return rc;
}

/* One UTF-8 character (3 bytes) of a string of CJK characters. */
static void cjk_at(const char *s, size_t i, char out[4])
{
    memcpy(out, s + 3 * i, 3);
    out[3] = '\0';
}

/* A valid synthetic 统一社会信用代码 for the n-th demo company (GB 32100 check). */
static void credit_code(int n, char out[19])
{
    static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0, c;

    snprintf(out, 19, "91350200MA8D%05d", n % 100000);
    for (int i = 0; i < 17; i++) {
        const char *p = strchr(cs, out[i]);
        sum += (int)(p - cs) * w[i];
    }
    c = 31 - sum % 31;
    out[17] = cs[c == 31 ? 0 : c];
    out[18] = '\0';
}

/* Load platforms (or create two partner companies) and applicants. */
static enum eg_status load_parties(struct seed *s)
{
    struct eg_demo *d = s->d;
    struct eg_stmt *st = NULL;
    size_t cap = 0;
    enum eg_status rc;
    int want = d->scale ? 400 : 60;

    rc = eg_db_query(d->db, &st,
                     "SELECT id, sector FROM organisations WHERE kind = 'platform' AND "
                     "archived = 0 ORDER BY id LIMIT 50",
                     "");
    while (eg_db_next(st, &rc)) {
        if (s->n_orgs == cap) {
            int64_t *o;
            char **sec;

            cap = cap ? cap * 2 : 8;
            o = eg_arena_alloc(s->a, cap * sizeof *o);
            sec = eg_arena_alloc(s->a, cap * sizeof *sec);
            if (!o || !sec) {
                rc = EG_E_INTERNAL;
                break;
            }
            if (s->n_orgs) {
                memcpy(o, s->orgs, s->n_orgs * sizeof *o);
                memcpy(sec, s->sectors, s->n_orgs * sizeof *sec);
            }
            s->orgs = o;
            s->sectors = sec;
        }
        s->orgs[s->n_orgs] = eg_stmt_i64(st, 0);
        s->sectors[s->n_orgs] = eg_arena_strdup(s->a, eg_stmt_text(st, 1));
        s->n_orgs++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (s->n_orgs == 0) {
        static const struct {
            const char *name, *sector;
        } companies[] = {{"厦门鹭速配送服务有限公司", "food_delivery"},
                         {"厦门岛内即时物流有限公司", "instant_delivery"}};

        s->orgs = eg_arena_alloc(s->a, 2 * sizeof *s->orgs);
        s->sectors = eg_arena_alloc(s->a, 2 * sizeof *s->sectors);
        if (!s->orgs || !s->sectors)
            return EG_E_INTERNAL;
        for (int i = 0; i < 2; i++) {
            char code[19];
            int64_t id = 0;

            credit_code(i + 1, code);
            rc = eg_organisation_create(d->db, &d->audit, companies[i].name, code, "company",
                                        companies[i].sector, &id);
            if (rc == EG_E_DUPLICATE)
                rc = eg_db_one_i64(d->db, &id, "SELECT id FROM organisations WHERE credit_code = ?",
                                   "t", code);
            if (rc != EG_OK)
                return rc;
            s->orgs[i] = id;
            s->sectors[i] = (char *)companies[i].sector;
        }
        s->n_orgs = 2;
    }

    /* Applicants: people already in the demo, topped up with new ones. */
    s->people = eg_arena_alloc(s->a, (size_t)want * sizeof *s->people);
    if (s->people == NULL)
        return EG_E_INTERNAL;
    rc = eg_db_query(d->db, &st, "SELECT id FROM people ORDER BY id LIMIT ?", "i", (int64_t)want);
    while (eg_db_next(st, &rc))
        s->people[s->n_people++] = eg_stmt_i64(st, 0);
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    for (int n = 0; s->n_people < (size_t)want; n++) {
        char idn[19], name[16], c1[4], c2[4];
        struct eg_person_input p;
        int64_t id = 0;
        eg_day birth =
            eg_day_from_civil((int)eg_demo_between(d, 1968, 2004), (int)eg_demo_between(d, 1, 12),
                              (int)eg_demo_between(d, 1, 28));

        eg_demo_id_number("350206", birth, 500 + n, idn);
        cjk_at(surnames, (size_t)eg_demo_between(d, 0, 29), c1);
        snprintf(c2, sizeof c2, "%s", given[eg_demo_between(d, 0, 19)]);
        snprintf(name, sizeof name, "%s%s", c1, c2);
        p.name = name;
        p.id_number = idn;
        p.phone = NULL;
        rc = eg_person_upsert(d->db, &d->audit, &p, &id, NULL);
        if (rc != EG_OK)
            return rc;
        s->people[s->n_people++] = id;
    }
    rc = eg_db_one_i64(d->db, &s->worker_person,
                       "SELECT person_id FROM users WHERE login = 'worker'", "");
    if (rc == EG_E_NOT_FOUND)
        rc = EG_OK;
    if (rc == EG_OK)
        rc = eg_db_one_i64(d->db, &s->worker2_person,
                           "SELECT person_id FROM users WHERE login = 'worker2'", "");
    if (rc == EG_E_NOT_FOUND)
        rc = EG_OK;
    if (rc == EG_OK)
        rc = eg_db_one_i64(d->db, &s->mediator_user,
                           "SELECT id FROM users WHERE login = 'mediator.hrss'", "");
    if (rc == EG_E_NOT_FOUND)
        rc = EG_OK;
    return rc;
}

/* A case type drawn by type_weight. */
static int pick_type(struct eg_demo *d)
{
    int total = 0, r;

    for (int i = 0; i < EG_CASE_TYPE_COUNT; i++)
        total += type_weight[i];
    r = (int)eg_demo_between(d, 0, total - 1);
    for (int i = 0; i < EG_CASE_TYPE_COUNT; i++) {
        if (r < type_weight[i])
            return i;
        r -= type_weight[i];
    }
    return 0;
}

/* ---- one case ------------------------------------------------------------------- */

/* Move c to `to` at time t, checked by the state machine; deadlines as the endpoints set them. */
static enum eg_status step(struct seed *s, struct demo_case *c, enum eg_case_state to, int64_t t,
                           const char *reason, int referral)
{
    static const struct eg_case_actor admin = {EG_ROLE_ADMIN, 0, 0, 1};
    struct eg_demo *d = s->d;
    struct eg_case_move m;
    struct eg_case_state_update u;
    char why[256], med[11];
    enum eg_status rc;
    json_t *detail;

    if (t > d->now)
        t = d->now;
    memset(&m, 0, sizeof m);
    m.to = to;
    m.reason = reason;
    m.referral = referral;
    m.agreement_effective = 1;
    m.amounts_paid = 1;
    rc = eg_case_check_move(&admin, c->state, &m, NULL, why, sizeof why);
    if (rc != EG_OK) {
        eg_log(EG_LOG_ERROR, "event=demo_case_step_refused status=%s", eg_status_code(rc));
        return rc;
    }
    memset(&u, 0, sizeof u);
    u.from = c->state;
    u.to = to;
    u.agreed_total_fen = -1;
    u.now = t;
    switch (to) {
    case EG_CASE_ACCEPTED:
        u.accepted_at = t;
        eg_date_format(eg_case_mediation_due(eg_day_of(t), d->cfg->mediation_days, 0), med);
        u.mediation_due_on = med;
        u.due_on = med;
        break;
    case EG_CASE_MEDIATING: {
        struct eg_stmt *st = NULL;

        rc = eg_db_query(d->db, &st, "SELECT mediation_due_on FROM cases WHERE id = ?", "i", c->id);
        if (rc == EG_OK && eg_stmt_step(st) == EG_ROW)
            snprintf(med, sizeof med, "%s", eg_stmt_text(st, 0));
        eg_stmt_done(st);
        u.due_on = med;
        break;
    }
    case EG_CASE_REJECTED:
        u.reject_reason = reason;
        u.closed_at = t;
        break;
    case EG_CASE_AGREED:
        rc = eg_db_one_i64(d->db, &u.agreed_total_fen,
                           "SELECT total_fen FROM case_agreements WHERE case_id = ?", "i", c->id);
        if (rc != EG_OK)
            return rc;
        break;
    case EG_CASE_REFERRED:
        u.referral = eg_case_referral_names[referral];
        u.referral_note = reason ? reason : "";
        break;
    case EG_CASE_CLOSED:
    case EG_CASE_WITHDRAWN:
        u.closed_at = t;
        break;
    default:
        break;
    }
    rc = eg_case_store_set_state(d->db, c->id, &u);
    if (rc != EG_OK)
        return rc;
    detail = json_object();
    if (reason)
        json_object_set_new(detail, "reason", json_string(reason));
    if (to == EG_CASE_REFERRED)
        json_object_set_new(detail, "referral", json_string(eg_case_referral_names[referral]));
    rc = record(d, c, t, "transition", eg_case_state_names[c->state], eg_case_state_names[to],
                detail);
    c->state = to;
    c->t = t;
    return rc;
}

/* Mediation sessions and the respondent's answer. */
static enum eg_status mediate(struct seed *s, struct demo_case *c, int64_t from, int64_t to)
{
    struct eg_demo *d = s->d;
    int n = (int)eg_demo_between(d, 1, 2);
    enum eg_status rc = EG_OK;
    struct eg_case_response r;

    memset(&r, 0, sizeof r);
    r.case_id = c->id;
    r.body = "平台已核实申请人反映的情况，同意在调解组织主持下协商解决，并提供结算记录作为证据。";
    r.proposal_fen = eg_case_amounts_total(&c->claims) / 2;
    r.author = "platform";
    r.author_role = "platform";
    r.created_at = from + (to - from) / 4;
    if (eg_case_amounts_total(&c->claims) == 0)
        r.proposal_fen = -1;
    rc = eg_case_store_response_add(d->db, &r, &r.id);
    if (rc == EG_OK)
        rc = record(d, c, r.created_at, "response", NULL, NULL,
                    json_pack("{s:I}", "response_id", (json_int_t)r.id));
    for (int i = 0; rc == EG_OK && i < n; i++) {
        struct eg_case_session ss;
        int64_t sid = 0;

        memset(&ss, 0, sizeof ss);
        ss.case_id = c->id;
        ss.starts_at = from + (to - from) * (i + 1) / (n + 1);
        ss.mode = eg_demo_between(d, 0, 3) == 0 ? "online" : "in_person";
        ss.place = strcmp(ss.mode, "online") == 0 ? "线上视频调解" : "调解室二";
        ss.participants_json = "[\"申请人\",\"被申请人代表\",\"调解员\"]";
        ss.minutes = i == n - 1 ? "双方陈述事实并出示证据，调解员释明相关规定，双方同意继续协商。"
                                : "首次调解：核对结算记录，双方对金额存在分歧。";
        ss.created_by = "mediator";
        ss.created_at = ss.starts_at;
        rc = eg_case_store_session_add(d->db, &ss, &sid);
        if (rc == EG_OK)
            rc = record(d, c, ss.starts_at, "session", NULL, NULL,
                        json_pack("{s:I, s:s}", "session_id", (json_int_t)sid, "mode", ss.mode));
    }
    return rc;
}

/* Draft and confirm the agreement (all three parties), effective at t. */
static enum eg_status agree(struct seed *s, struct demo_case *c, int64_t t)
{
    struct eg_demo *d = s->d;
    struct eg_case_agreement ag;
    char pay_by[11];
    enum eg_status rc;

    memset(&ag, 0, sizeof ag);
    ag.case_id = c->id;
    for (int i = 0; i < EG_CAT_COUNT; i++)
        if (c->claims.fen[i] > 0)
            ag.terms.fen[i] = c->claims.fen[i] * eg_demo_between(d, 60, 100) / 100 / 100 * 100;
    eg_date_format(eg_day_of(t) + 15, pay_by);
    ag.pay_by = pay_by;
    ag.pay_method = "银行转账";
    ag.other_terms = eg_case_amounts_total(&ag.terms) == 0
                         ? "被申请人于三个工作日内调整相关规则并书面告知申请人。"
                         : "";
    ag.respondent_position = "同意按协议金额支付，双方再无其他争议。";
    ag.drafted_by = "mediator.hrss";
    rc = eg_case_store_agreement_put(d->db, &ag, s->mediator_user, t - 7200);
    if (rc == EG_OK)
        rc = record(d, c, t - 7200, "agreement", NULL, NULL,
                    json_pack("{s:I}", "total_fen", (json_int_t)eg_case_amounts_total(&ag.terms)));
    for (int p = 0; rc == EG_OK && p < EG_PARTY_COUNT; p++) {
        rc = eg_case_store_agreement_confirm(
            d->db, c->id, (enum eg_case_party)p,
            p == EG_PARTY_MEDIATOR ? "mediator.hrss" : eg_case_party_names[p], t - 3600 + p * 600);
        if (rc == EG_OK)
            rc = record(d, c, t - 3600 + p * 600, "agreement_confirmed", NULL, NULL,
                        json_pack("{s:s}", "party", eg_case_party_names[p]));
    }
    if (rc == EG_OK)
        rc = eg_case_store_agreement_effective(d->db, c->id, t);
    if (rc == EG_OK)
        rc = record(d, c, t, "agreement_effective", NULL, NULL, NULL);
    return rc;
}

/* Pay the agreed amounts: all of them (in one or two instalments), or part. */
static enum eg_status pay(struct seed *s, struct demo_case *c, int64_t t, int all)
{
    struct eg_demo *d = s->d;
    struct eg_case_agreement ag;
    enum eg_status rc;

    rc = eg_case_store_agreement_get(d->db, s->a, c->id, &ag);
    for (int i = 0; rc == EG_OK && i < EG_CAT_COUNT; i++) {
        int64_t left = ag.terms.fen[i];
        int parts = all ? (int)eg_demo_between(d, 1, 2) : 1;

        for (int k = 0; rc == EG_OK && k < parts && left > 0; k++) {
            struct eg_case_payment p;
            char on[11];

            memset(&p, 0, sizeof p);
            p.case_id = c->id;
            p.category = eg_case_category_names[i];
            p.amount_fen = (all && k == parts - 1) ? left : left / 2;
            if (p.amount_fen <= 0)
                break;
            eg_date_format(eg_day_of(t), on);
            p.paid_on = on;
            p.method = "银行转账";
            p.reference = "DEMO";
            p.recorded_by = "mediator.hrss";
            p.created_at = t;
            rc = eg_case_store_payment_add(d->db, &p, &p.id);
            if (rc == EG_OK)
                rc = record(d, c, t, "payment", NULL, NULL,
                            json_pack("{s:s, s:I}", "category", p.category, "amount_fen",
                                      (json_int_t)p.amount_fen));
            left -= p.amount_fen;
        }
        if (!all)
            break;
    }
    return rc;
}

struct one {
    struct seed *s;
    int n;             /* the case's index */
    int64_t applicant; /* person */
    enum eg_case_state target;
    int age_days;
    int closed_via_failure; /* closed after referral rather than fulfilment */
    int rate;               /* rate it when finished */
};

/* Create one case and walk it to its target state, in one transaction. */
static enum eg_status one_case_tx(struct eg_db *db, void *p)
{
    struct one *o = p;
    struct seed *s = o->s;
    struct eg_demo *d = s->d;
    struct demo_case c;
    struct eg_case_new in;
    struct eg_case_routing_rule *rules = NULL;
    size_t n_rules = 0, oi = (size_t)eg_demo_between(d, 0, (int64_t)s->n_orgs - 1);
    int type = pick_type(d), y, m, dd;
    char sub_on[11], due[11], inc[11], path[128];
    int64_t seq = 0, start, span;
    enum eg_status rc;
    const char *code;

    (void)db;
    memset(&c, 0, sizeof c);
    memset(&in, 0, sizeof in);
    start = d->now - (int64_t)o->age_days * DAY_S - eg_demo_between(d, 0, 8 * 3600);
    in.submitted_at = start;
    eg_date_format(eg_day_of(start), sub_on);
    eg_date_format(eg_case_accept_due(&s->cal, eg_day_of(start), d->cfg->accept_working_days), due);
    /* One in fifteen incidents is more than a year before the complaint. */
    eg_date_format(eg_day_of(start) - (eg_demo_between(d, 0, 14) == 0
                                           ? (int)eg_demo_between(d, 370, 500)
                                           : (int)eg_demo_between(d, 1, 120)),
                   inc);
    if (kinds[type].cat1 >= 0)
        c.claims.fen[kinds[type].cat1] = eg_demo_between(d, kinds[type].lo, kinds[type].hi) * 100;
    if (kinds[type].cat2 >= 0)
        c.claims.fen[kinds[type].cat2] =
            eg_demo_between(d, kinds[type].lo / 4, kinds[type].hi / 2) * 100;

    rc = eg_case_store_rules(d->db, s->a, &rules, &n_rules);
    if (rc != EG_OK)
        return rc;
    code = eg_case_route(rules, n_rules, eg_case_type_names[type],
                         s->sectors[oi][0] ? s->sectors[oi] : "-", "centre");
    /* Some cases go to the Siming district sub-centre, as walk-ins there. */
    if (o->n % 9 == 4)
        code = "siming";
    rc = eg_department_by_code(d->db, code, &c.dept, path);
    if (rc == EG_E_NOT_FOUND) {
        code = "centre";
        rc = eg_department_by_code(d->db, code, &c.dept, path);
    }
    if (rc != EG_OK)
        return rc;
    c.dept_code = code;
    eg_day_to_civil(eg_day_of(start), &y, &m, &dd);
    rc = eg_case_store_next_seq(d->db, y, &seq);
    if (rc != EG_OK)
        return rc;
    eg_case_number_format(d->cfg->case_prefix, y, seq, c.number, sizeof c.number);

    in.number = c.number;
    in.channel = eg_case_channel_names[o->n % 7 < 3    ? EG_CASE_CH_ONLINE
                                       : o->n % 7 == 3 ? EG_CASE_CH_QR
                                       : o->n % 7 == 4 ? EG_CASE_CH_HOTLINE
                                                       : EG_CASE_CH_WINDOW];
    in.oral = strcmp(in.channel, "window") == 0 && o->n % 2 == 0;
    in.type = eg_case_type_names[type];
    in.applicant_person_id = o->applicant;
    in.respondent_org_id = s->orgs[oi];
    in.department_id = c.dept;
    in.matter = kinds[type].matter;
    in.facts = kinds[type].facts;
    in.reasons = in.oral ? "申请人口头陈述：要求依法维护自身合法权益。" : "";
    in.incident_on = inc;
    in.claims = c.claims;
    in.submitted_on = sub_on;
    in.accept_due_on = due;
    rc = eg_case_store_insert(d->db, &in, &c.id);
    if (rc != EG_OK)
        return rc;
    c.state = EG_CASE_SUBMITTED;
    c.t = start;
    rc = record(
        d, &c, start, "submitted", NULL, "submitted",
        json_pack("{s:s, s:s, s:s}", "channel", in.channel, "type", in.type, "department", code));
    if (rc == EG_OK)
        rc = record(d, &c, start, "routed", NULL, NULL, json_pack("{s:s}", "department", code));
    /* Injury cases are co-handled with the federation of trade unions. */
    if (rc == EG_OK && type == EG_CASE_T_OCCUPATIONAL_INJURY) {
        int64_t u = 0;

        if (eg_department_by_code(d->db, "union", &u, path) == EG_OK && u != c.dept) {
            rc = eg_case_store_co_add(d->db, c.id, u, "system", start + 600);
            if (rc == EG_OK)
                rc = record(d, &c, start + 600, "co_handling", NULL, NULL,
                            json_pack("{s:s, s:s}", "action", "add", "department", "union"));
        }
    }
    if (rc != EG_OK || o->target == EG_CASE_SUBMITTED)
        return rc;

    /* The steps take place between intake and now. */
    span = d->now - start;
    if (o->target == EG_CASE_WITHDRAWN && o->n % 2 == 0)
        return step(s, &c, EG_CASE_WITHDRAWN, start + span / 3, "已与平台自行协商解决", -1);
    if (o->target == EG_CASE_REJECTED)
        return step(s, &c, EG_CASE_REJECTED, start + span / 5,
                    "不属于本中心受理范围，已告知申请人向有管辖权的机构申请", -1);
    rc = step(s, &c, EG_CASE_ACCEPTED, start + span / 20 + 600, NULL, -1);
    if (rc != EG_OK || o->target == EG_CASE_ACCEPTED)
        return rc;
    if (o->target == EG_CASE_WITHDRAWN)
        return step(s, &c, EG_CASE_WITHDRAWN, start + span / 4, "申请人撤回申请", -1);
    rc = step(s, &c, EG_CASE_MEDIATING, start + span / 10 + 1200, NULL, -1);
    if (rc == EG_OK)
        rc = mediate(s, &c, start + span / 10 + 1800, start + span / 2);
    if (rc != EG_OK || o->target == EG_CASE_MEDIATING)
        return rc;
    if (o->target == EG_CASE_FAILED || o->target == EG_CASE_REFERRED ||
        (o->target == EG_CASE_CLOSED && o->closed_via_failure)) {
        rc = step(s, &c, EG_CASE_FAILED, start + span / 2 + 600, "双方对赔偿金额分歧较大，调解不成",
                  -1);
        if (rc != EG_OK || o->target == EG_CASE_FAILED)
            return rc;
        rc = step(s, &c, EG_CASE_REFERRED, start + span * 3 / 5,
                  "已引导申请人向劳动人事争议仲裁委员会申请仲裁",
                  o->n % 3 == 0 ? EG_REF_LEGAL_AID : EG_REF_ARBITRATION);
        if (rc != EG_OK || o->target == EG_CASE_REFERRED)
            return rc;
        return step(s, &c, EG_CASE_CLOSED, start + span * 2 / 3, NULL, -1);
    }
    rc = agree(s, &c, start + span / 2 + 600);
    if (rc == EG_OK)
        rc = step(s, &c, EG_CASE_AGREED, start + span / 2 + 600, NULL, -1);
    if (rc != EG_OK)
        return rc;
    if (o->target == EG_CASE_AGREED)
        return o->n % 2 ? pay(s, &c, start + span * 3 / 4, 0) : EG_OK;
    rc = pay(s, &c, start + span * 3 / 4, 1);
    if (rc == EG_OK)
        rc = step(s, &c, EG_CASE_FULFILLED, start + span * 3 / 4, NULL, -1);
    if (rc != EG_OK || o->target == EG_CASE_FULFILLED)
        return rc;
    rc = step(s, &c, EG_CASE_CLOSED, start + span * 4 / 5, NULL, -1);
    if (rc == EG_OK && o->rate) {
        struct eg_case_rating r;

        r.case_id = c.id;
        r.department_id = c.dept;
        r.speed = (int)eg_demo_between(d, 3, 5);
        r.attitude = (int)eg_demo_between(d, 4, 5);
        r.result = (int)eg_demo_between(d, 2, 5);
        r.comment = r.result >= 4 ? "调解员很专业，问题解决得很快。" : "结果基本满意。";
        r.created_at = start + span * 9 / 10;
        rc = eg_case_store_rating_add(d->db, &r);
        if (rc == EG_OK)
            rc = record(d, &c, r.created_at, "rating", NULL, NULL,
                        json_pack("{s:i, s:i, s:i}", "speed", r.speed, "attitude", r.attitude,
                                  "result", r.result));
    }
    return rc;
}

/* The target state of the n-th case given its age: young cases are early in
 * the pipeline; a share of older ones are still open (and overdue). */
static enum eg_case_state target_for(struct eg_demo *d, int age_days)
{
    int r = (int)eg_demo_between(d, 0, 99);

    if (age_days <= 1)
        return r < 70 ? EG_CASE_SUBMITTED : EG_CASE_ACCEPTED;
    if (age_days <= 15) {
        if (r < 8)
            return EG_CASE_SUBMITTED;
        if (r < 25)
            return EG_CASE_ACCEPTED;
        if (r < 60)
            return EG_CASE_MEDIATING;
        if (r < 70)
            return EG_CASE_AGREED;
        if (r < 78)
            return EG_CASE_REJECTED;
        if (r < 85)
            return EG_CASE_WITHDRAWN;
        return EG_CASE_FAILED;
    }
    if (r < 3)
        return EG_CASE_SUBMITTED; /* acceptance overdue */
    if (r < 6)
        return EG_CASE_ACCEPTED;
    if (r < 14)
        return EG_CASE_MEDIATING; /* many overdue */
    if (r < 22)
        return EG_CASE_AGREED;
    if (r < 32)
        return EG_CASE_FULFILLED;
    if (r < 40)
        return EG_CASE_FAILED;
    if (r < 48)
        return EG_CASE_REFERRED;
    if (r < 55)
        return EG_CASE_REJECTED;
    if (r < 62)
        return EG_CASE_WITHDRAWN;
    return EG_CASE_CLOSED;
}

/* ---- consultations --------------------------------------------------------------- */

static const char *const consult_topics[EG_CONSULT_KIND_COUNT] = {
    "咨询拖欠报酬如何申请法律援助", "想了解灵活就业创业补贴政策",
    "站点用工模式合规诊断",         "骑手计件单价与薪酬分配指导",
    "站点骑手议事会如何组建",       "与平台开展集体协商的程序",
    "企业社会责任报告编制指导",     "长期夜间配送压力大想做心理疏导",
    "报名电动自行车维修技能培训",   "报名交通安全培训"};

struct consult_ctx {
    struct seed *s;
    int n;
};

/* One demo consultation, taken some way along requested → assigned → done. */
static enum eg_status consult_tx(struct eg_db *db, void *p)
{
    struct consult_ctx *c = p;
    struct eg_demo *d = c->s->d;
    struct eg_consult_new in;
    enum eg_consult_kind kind = (enum eg_consult_kind)(c->n % EG_CONSULT_KIND_COUNT);
    int company = kind == EG_CONSULT_EMPLOYMENT_DIAGNOSIS || kind == EG_CONSULT_PAY_DISTRIBUTION ||
                  kind == EG_CONSULT_DEMOCRATIC_MANAGEMENT ||
                  kind == EG_CONSULT_CULTURE_RESPONSIBILITY;
    int64_t id = 0, dept = 0, at = d->now - eg_demo_between(d, 1, 60) * DAY_S;
    char path[128], idtext[24];
    const char *code = eg_consult_department(kind);
    int state = c->n % 4 == 0 ? 0 : c->n % 4 == 1 ? 1 : 2;
    enum eg_status rc;

    (void)db;
    rc = eg_department_by_code(d->db, code, &dept, path);
    if (rc == EG_E_NOT_FOUND)
        rc = eg_department_by_code(d->db, "centre", &dept, path);
    if (rc != EG_OK)
        return rc;
    memset(&in, 0, sizeof in);
    in.kind = eg_consult_kind_names[kind];
    in.topic = consult_topics[kind];
    in.details = "希望工作人员尽快联系。";
    if (company)
        in.organisation_id = c->s->orgs[c->n % c->s->n_orgs];
    else
        in.person_id = (c->n < 3 && c->s->worker_person) ? c->s->worker_person
                                                         : c->s->people[c->n % c->s->n_people];
    in.department_id = dept;
    in.requested_by = "demo";
    in.now = at;
    rc = eg_consult_store_insert(d->db, &in, &id);
    if (rc == EG_OK && state >= 1 && c->s->mediator_user)
        rc = eg_consult_store_assign(d->db, id, c->s->mediator_user, dept, at + 3600);
    if (rc == EG_OK && state >= 2 && c->s->mediator_user)
        rc = eg_consult_store_done(d->db, id, "已电话联系并提供指导意见。", at + 2 * DAY_S);
    if (rc == EG_OK && state >= 2 && c->s->mediator_user && c->n % 3 == 0)
        rc = eg_consult_store_rate(d->db, id, (int)eg_demo_between(d, 3, 5), "很有帮助",
                                   at + 3 * DAY_S);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    if (rc == EG_OK)
        rc = eg_audit_append(d->db, &d->audit, "consultation.create", "consultation", idtext,
                             "{\"demo\":true}");
    return rc;
}

/* ---- the seeder ------------------------------------------------------------------ */

static enum eg_status calendar_tx(struct eg_db *db, void *p)
{
    struct eg_demo *d = p;
    int y, m, dd;
    enum eg_status rc;

    eg_day_to_civil(d->today, &y, &m, &dd);
    rc = eg_cases_calendar_seed_year(db, &d->audit, y, NULL);
    if (rc == EG_OK)
        rc = eg_cases_calendar_seed_year(db, &d->audit, y + 1, NULL);
    return rc;
}

/* Load (or create) the demo's respondents and applicants. */
static enum eg_status parties_tx(struct eg_db *db, void *p)
{
    struct seed *s = p;

    (void)db;
    s->n_orgs = 0;
    s->n_people = 0;
    return load_parties(s);
}

/* Oldest first, so that case numbers grow with the submission date. */
static int by_age_desc(const void *a, const void *b)
{
    const struct one *x = a, *y = b;

    if (x->age_days != y->age_days)
        return x->age_days > y->age_days ? -1 : 1;
    return x->n - y->n;
}

enum eg_status eg_cases_seed_demo(struct eg_demo *d)
{
    struct seed s;
    struct one *plan = NULL;
    int total = d->scale ? 300 : 40;
    enum eg_status rc;
    int64_t existing = 0;

    memset(&s, 0, sizeof s);
    s.d = d;
    s.a = eg_arena_new();
    if (s.a == NULL)
        return EG_E_INTERNAL;
    rc = eg_db_tx(d->db, calendar_tx, d);
    if (rc == EG_OK)
        rc = eg_db_one_i64(d->db, &existing, "SELECT COUNT(*) FROM cases", "");
    if (rc != EG_OK || existing > 0)
        goto out;
    rc = eg_cases_calendar_load(d->db, s.a, &s.cal);
    if (rc == EG_OK)
        rc = eg_db_tx(d->db, parties_tx, &s);
    if (rc == EG_OK && (plan = eg_arena_alloc(s.a, (size_t)total * sizeof *plan)) == NULL)
        rc = EG_E_INTERNAL;
    for (int n = 0; rc == EG_OK && n < total; n++) {
        struct one *o = &plan[n];

        o->s = &s;
        o->n = n;
        o->age_days = (int)eg_demo_between(d, 0, 150);
        o->target = target_for(d, o->age_days);
        o->applicant = s.people[(size_t)n % s.n_people];
        o->closed_via_failure = eg_demo_between(d, 0, 3) == 0;
        o->rate = eg_demo_between(d, 0, 9) < 6;
        /* The demo workers own a few cases in different states. */
        if (n < 5 && s.worker_person) {
            static const enum eg_case_state mine[5] = {EG_CASE_SUBMITTED, EG_CASE_MEDIATING,
                                                       EG_CASE_AGREED, EG_CASE_CLOSED,
                                                       EG_CASE_CLOSED};
            static const int ages[5] = {0, 6, 20, 40, 60};

            o->applicant = s.worker_person;
            o->target = mine[n];
            o->age_days = ages[n];
            o->closed_via_failure = 0;
            o->rate = n == 4; /* one closed case left for the demo worker to rate */
        } else if (n < 8 && s.worker2_person) {
            static const enum eg_case_state theirs[3] = {EG_CASE_ACCEPTED, EG_CASE_FULFILLED,
                                                         EG_CASE_WITHDRAWN};

            o->applicant = s.worker2_person;
            o->target = theirs[n - 5];
            o->age_days = 5 + 10 * (n - 5);
        }
    }
    if (rc == EG_OK)
        qsort(plan, (size_t)total, sizeof *plan, by_age_desc);
    for (int n = 0; rc == EG_OK && n < total; n++)
        rc = eg_db_tx(d->db, one_case_tx, &plan[n]);
    for (int n = 0; rc == EG_OK && n < (d->scale ? 40 : 10); n++) {
        struct consult_ctx c = {&s, n};

        rc = eg_db_tx(d->db, consult_tx, &c);
    }
out:
    eg_arena_destroy(s.a);
    return rc;
}
