/*
 * demo.c — the insurance module's part of the demo city (see demo/demo.h):
 * 90 days of cover-days for a few thousand people (a few hundred at the
 * small scale) paid by their platforms or by themselves through paid
 * orders, a few lapsed orders and a refunded cancellation, auto-renewal for
 * some workers, claims in every state with assessed items and materials, and
 * the demo worker 'worker' covered today with auto-renewal on.
 *
 * Everything goes through the store functions the API uses, in a handful of
 * transactions, each on the audit trail as the system.
 */
#include "insurance/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "auth/accounts.h"
#include "cases/lookup.h"
#include "core/log.h"
#include "db/db.h"
#include "insurance/insurance.h"
#include "insurance/store.h"
#include "insurance/workforce.h"

#define DEMO_DAYS 90

struct person {
    int64_t id;
    eg_day birth;
    int64_t platform; /* payer organisation, 0 = pays for themself */
    int work_pct;     /* chance of working (and so being covered) on a day */
    int auto_renew;
};

struct seed {
    struct eg_demo *d;
    struct eg_arena *a;
    struct eg_ins_product product;
    struct eg_ins_version *vs;
    size_t nvs;
    struct person *people;
    size_t n;
    int64_t *platforms;
    size_t nplat;
    int64_t worker; /* the demo worker's person id, 0 if absent */
    int64_t worker2;
    int64_t cover_days, orders;
};

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "林", "郑", "蔡", "许", "洪", "曾", "庄", "苏"};
static const char *const given[] = {"伟",   "芳",   "娜",   "敏",   "静",   "磊",  "强",
                                    "军",   "洋",   "勇",   "杰",   "涛",   "明",  "超",
                                    "秀英", "建华", "志强", "海燕", "晓东", "文斌"};

/* Add a person to the list unless they are on it already. */
static void add_person(struct seed *s, int64_t id, eg_day birth, int64_t platform)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->people[k].id == id)
            return;
    memset(&s->people[s->n], 0, sizeof s->people[s->n]);
    s->people[s->n].id = id;
    s->people[s->n].birth = birth;
    s->people[s->n].platform = platform;
    s->n++;
}

/* Read up to `want` people: the case applicants with injury cases first,
 * then those on platform rosters, then anyone; top up with new people. */
static enum eg_status load_people(struct seed *s, size_t want)
{
    const struct eg_ins_workforce *w = eg_ins_workforce();
    enum eg_status rc = EG_OK;
    size_t cap = want + 8, n = 0;
    eg_day birth;

    s->people = eg_arena_alloc(s->a, cap * sizeof *s->people);
    int64_t *ids = eg_arena_alloc(s->a, want * sizeof *ids);
    int64_t *other = eg_arena_alloc(s->a, want * sizeof *other);
    if (s->people == NULL || ids == NULL || other == NULL)
        return EG_E_INTERNAL;
    /* the demo workers first */
    int64_t fixed[2] = {s->worker, s->worker2};
    for (int k = 0; k < 2; k++) {
        if (fixed[k] > 0 && eg_ins_person_birth(s->d->db, fixed[k], &birth) == EG_OK)
            add_person(s, fixed[k], birth, 0);
    }
    /* the applicants of injury cases (the cases module's records) */
    rc = eg_cases_injury_cases(s->d->db, want < 10 ? want : 10, other, ids, &n);
    for (size_t i = 0; rc == EG_OK && i < n && s->n < want; i++)
        if (eg_ins_person_birth(s->d->db, ids[i], &birth) == EG_OK)
            add_person(s, ids[i], birth, 0);
    if (rc != EG_OK)
        return rc;
    /* the platforms' workers (the workforce answers), else anyone */
    n = 0;
    if (w && w->roster_sample) {
        rc = w->roster_sample(s->d->db, want, ids, other, &n);
    } else {
        struct eg_stmt *st = NULL;
        rc = eg_db_query(s->d->db, &st, "SELECT id FROM people ORDER BY id LIMIT ?", "i",
                         (int64_t)want);
        while (eg_db_next(st, &rc)) {
            ids[n] = eg_stmt_i64(st, 0);
            other[n++] = 0;
        }
        eg_stmt_done(st);
    }
    for (size_t i = 0; rc == EG_OK && i < n && s->n < want; i++)
        if (eg_ins_person_birth(s->d->db, ids[i], &birth) == EG_OK)
            add_person(s, ids[i], birth, other[i]);
    if (rc != EG_OK)
        return rc;
    /* top up with new synthetic people */
    for (int k = 0; s->n < want && k < (int)want * 2; k++) {
        char idn[19], name[32];
        eg_day born = s->d->today - (eg_day)eg_demo_between(s->d, 19 * 365, 58 * 365);
        size_t ns = sizeof surnames / sizeof *surnames, ng = sizeof given / sizeof *given;
        struct eg_person_input in;
        int64_t id = 0;
        int created = 0;

        eg_demo_id_number("350206", born, 500 + k, idn);
        snprintf(name, sizeof name, "%s%s", surnames[eg_demo_between(s->d, 0, (int64_t)ns - 1)],
                 given[eg_demo_between(s->d, 0, (int64_t)ng - 1)]);
        in.name = name;
        in.id_number = idn;
        in.phone = NULL;
        rc = eg_person_upsert(s->d->db, &s->d->audit, &in, &id, &created);
        if (rc != EG_OK)
            return rc;
        if (eg_ins_person_birth(s->d->db, id, &birth) == EG_OK)
            add_person(s, id, birth, 0);
    }
    return EG_OK;
}

static enum eg_status load_platforms(struct seed *s)
{
    struct eg_stmt *st = NULL;
    size_t cap = 64;
    enum eg_status rc;

    s->platforms = eg_arena_alloc(s->a, cap * sizeof *s->platforms);
    if (s->platforms == NULL)
        return EG_E_INTERNAL;
    rc = eg_db_query(s->d->db, &st,
                     "SELECT id FROM organisations WHERE kind = 'platform' AND archived = 0 "
                     "ORDER BY id LIMIT 64",
                     "");
    while (eg_db_next(st, &rc)) {
        s->platforms[s->nplat++] = eg_stmt_i64(st, 0);
    }
    eg_stmt_done(st);
    return rc;
}

/* Who pays for whom, how often they work, who renews automatically. */
static void assign(struct seed *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct person *p = &s->people[i];
        int self = eg_demo_between(s->d, 1, 100) <= 30;

        if (s->nplat == 0 || self)
            p->platform = 0;
        else if (p->platform == 0)
            p->platform = s->platforms[eg_demo_between(s->d, 0, (int64_t)s->nplat - 1)];
        p->work_pct = (int)eg_demo_between(s->d, 45, 95);
        p->auto_renew = p->platform == 0 && eg_demo_between(s->d, 1, 100) <= 35;
        if (p->id == s->worker || p->id == s->worker2) {
            p->platform = 0;
            p->work_pct = 100;
            p->auto_renew = p->id == s->worker;
        }
    }
}

static int works_on(struct seed *s, const struct person *p, eg_day day)
{
    (void)day;
    return eg_demo_between(s->d, 1, 100) <= p->work_pct;
}

/*
 * One paid order: its cover-days for the (person, day) pairs given, created
 * at `created` and paid at `paid`. Days the person is not eligible for are
 * skipped.
 */
static enum eg_status paid_order(struct seed *s, int64_t payer_org, const int64_t *persons,
                                 const eg_day *birth, const eg_day *days, size_t n, int64_t created,
                                 int64_t paid, const char *source)
{
    int64_t order = 0, count = 0, activated = 0;
    char no[48], ref[40];
    int64_t payer_person = payer_org ? 0 : persons[0];
    enum eg_status st;

    st = eg_ins_order_create(s->d->db, "enrollment", payer_org ? "organisation" : "person",
                             payer_person, payer_org, "system", created, &order, no);
    for (size_t i = 0; st == EG_OK && i < n; i++) {
        const struct eg_ins_version *v = eg_ins_version_in_force(s->vs, s->nvs, days[i]);
        struct eg_ins_cover_new c;
        int64_t id = 0;
        int made = 0;
        char state[20];

        if (v == NULL || eg_ins_check_age(birth[i], days[i], v->min_age, v->max_age) != EG_INS_OK)
            continue;
        memset(&c, 0, sizeof c);
        c.person_id = persons[i];
        c.day = days[i];
        c.product_id = s->product.id;
        c.v = v;
        c.payer_kind = payer_org ? "organisation" : "person";
        c.payer_person_id = payer_org ? 0 : persons[i];
        c.payer_org_id = payer_org;
        c.order_id = order;
        c.source = source;
        c.enrolled_by = "system";
        c.now = created;
        st = eg_ins_cover_insert(s->d->db, &c, &id, &made, state);
    }
    if (st == EG_OK)
        st = eg_ins_order_finish(s->d->db, order, created, &count);
    if (st != EG_OK || count == 0)
        return st;
    snprintf(ref, sizeof ref, "DEMO-%lld", (long long)order);
    st = eg_ins_order_pay(s->d->db, order, paid, ref, paid, &activated);
    s->cover_days += activated;
    s->orders++;
    return st;
}

/* The cover-days of every day: platforms pay the day before for each day;
 * self-payers buy a week at a time. */
static enum eg_status seed_cover(struct eg_db *db, void *arg)
{
    struct seed *s = arg;
    eg_day first = s->d->today - (DEMO_DAYS - 1);
    int64_t *ids = eg_arena_alloc(s->a, (s->n + 8) * 8 * sizeof *ids);
    eg_day *births = eg_arena_alloc(s->a, (s->n + 8) * 8 * sizeof *births);
    eg_day *days = eg_arena_alloc(s->a, (s->n + 8) * 8 * sizeof *days);
    char summary[160];
    enum eg_status st = EG_OK;

    (void)db;
    s->cover_days = s->orders = 0;
    if (ids == NULL || births == NULL || days == NULL)
        return EG_E_INTERNAL;
    for (eg_day day = first; day <= s->d->today && st == EG_OK; day++) {
        int64_t start = eg_day_start(day);
        /* each platform: one order for the day, paid the evening before */
        for (size_t k = 0; k < s->nplat && st == EG_OK; k++) {
            size_t n = 0;
            for (size_t i = 0; i < s->n; i++) {
                const struct person *p = &s->people[i];
                if (p->platform != s->platforms[k] || !works_on(s, p, day))
                    continue;
                ids[n] = p->id, births[n] = p->birth, days[n] = day, n++;
            }
            int64_t created = start - eg_demo_between(s->d, 2 * 3600, 5 * 3600);
            if (n > 0)
                st = paid_order(s, s->platforms[k], ids, births, days, n, created,
                                created + eg_demo_between(s->d, 60, 1200), "platform");
        }
        /* self-payers: on every 7th day, a week's order each */
        if ((day - first) % 7 != 0)
            continue;
        for (size_t i = 0; i < s->n && st == EG_OK; i++) {
            const struct person *p = &s->people[i];
            size_t n = 0;
            if (p->platform != 0)
                continue;
            for (eg_day d = day; d < day + 7 && d <= s->d->today; d++)
                if (p->id == s->worker || p->id == s->worker2 || works_on(s, p, d))
                    ids[n] = p->id, births[n] = p->birth, days[n] = d, n++;
            if (n == 0)
                continue;
            int64_t created = start - eg_demo_between(s->d, 3600, 3 * 3600);
            int64_t paid = created + eg_demo_between(s->d, 30, 900);
            /* some pay only in the morning of the first day: cover starts then */
            if (eg_demo_between(s->d, 1, 100) <= 15) {
                created = start + eg_demo_between(s->d, 6 * 3600, 9 * 3600);
                paid = created + eg_demo_between(s->d, 30, 600);
                if (paid >= s->d->now)
                    created = start - 3600, paid = start - 3000;
            }
            st = paid_order(s, 0, ids, births, days, n, created, paid, "self");
        }
    }
    int64_t closed = 0;
    if (st == EG_OK)
        st = eg_ins_close_days(s->d->db, s->d->today, &closed);
    if (st != EG_OK)
        return st;
    snprintf(summary, sizeof summary, "{\"cover_days\":%lld,\"orders\":%lld,\"days\":%d}",
             (long long)s->cover_days, (long long)s->orders, DEMO_DAYS);
    return eg_audit_append(s->d->db, &s->d->audit, "insurance.demo.seed", "demo", "cover_days",
                           summary);
}

/* Auto-renewal, a refunded cancellation, lapsed orders, upcoming paid days. */
static enum eg_status seed_extras(struct eg_db *db, void *arg)
{
    struct seed *s = arg;
    int cancelled = 0, lapsed = 0;
    enum eg_status st = EG_OK;

    (void)db;
    for (size_t i = 0; i < s->n && st == EG_OK; i++) {
        struct person *p = &s->people[i];
        if (p->auto_renew)
            st = eg_ins_auto_renew_set(s->d->db, p->id, s->product.id, 1, s->d->now);
    }
    /* three self-payers bought the next two days; one of them cancels one day */
    for (size_t i = 0, done = 0; i < s->n && done < 3 && st == EG_OK; i++) {
        const struct person *p = &s->people[i];
        if (p->platform != 0 || p->auto_renew || p->id == s->worker || p->id == s->worker2)
            continue;
        int64_t ids[2] = {p->id, p->id};
        eg_day births[2] = {p->birth, p->birth};
        eg_day days[2] = {s->d->today + 2, s->d->today + 3};
        st = paid_order(s, 0, ids, births, days, 2, s->d->now - 7200, s->d->now - 7000, "self");
        done++;
        if (st == EG_OK && done == 1) {
            struct eg_stmt *q = NULL;
            struct eg_ins_cover c;
            int64_t cid = 0, refund = 0;
            char day[11];
            eg_date_format(s->d->today + 3, day);
            st = eg_db_one_i64(s->d->db, &cid,
                               "SELECT id FROM cover_days WHERE person_id = ? AND day = ?", "it",
                               p->id, day);
            if (st == EG_OK)
                st = eg_ins_cover_get(s->d->db, s->a, cid, &c);
            if (st == EG_OK)
                st = eg_ins_cover_cancel(s->d->db, &c, s->d->now - 3600, &refund);
            eg_stmt_done(q);
            cancelled++;
        }
    }
    /* two orders never paid: they lapse */
    for (size_t i = s->n, done = 0; i-- > 0 && done < 2 && st == EG_OK;) {
        const struct person *p = &s->people[i];
        struct eg_ins_cover_new c;
        int64_t order = 0, id = 0, count = 0;
        int made = 0;
        char no[48], state[20];
        const struct eg_ins_version *v = eg_ins_version_in_force(s->vs, s->nvs, s->d->today + 5);
        if (p->platform != 0 || v == NULL ||
            eg_ins_check_age(p->birth, s->d->today + 5, v->min_age, v->max_age) != EG_INS_OK)
            continue;
        st = eg_ins_order_create(s->d->db, "enrollment", "person", p->id, 0, "system",
                                 s->d->now - 4 * 3600, &order, no);
        memset(&c, 0, sizeof c);
        c.person_id = p->id;
        c.day = s->d->today + 5;
        c.product_id = s->product.id;
        c.v = v;
        c.payer_kind = "person";
        c.payer_person_id = p->id;
        c.order_id = order;
        c.source = "self";
        c.enrolled_by = "system";
        c.now = s->d->now - 4 * 3600;
        if (st == EG_OK)
            st = eg_ins_cover_insert(s->d->db, &c, &id, &made, state);
        if (st == EG_OK)
            st = eg_ins_order_finish(s->d->db, order, s->d->now - 4 * 3600, &count);
        done++;
        lapsed++;
    }
    int64_t o = 0, dd = 0;
    if (st == EG_OK)
        st = eg_ins_orders_expire(s->d->db, s->d->now, &o, &dd);
    if (st != EG_OK)
        return st;
    char summary[128];
    snprintf(summary, sizeof summary, "{\"cancelled\":%d,\"lapsed_orders\":%lld}", cancelled,
             (long long)o);
    (void)lapsed;
    return eg_audit_append(s->d->db, &s->d->audit, "insurance.demo.seed", "demo", "extras",
                           summary);
}

/* ---- claims ----------------------------------------------------------- */

/* A tiny valid PDF, standing in for a scanned medical record. */
static const char demo_pdf[] = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                               "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                               "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
                               "trailer<</Root 1 0 R>>\n%%EOF\n";

/* Store the demo file for a claim as the API would. */
static enum eg_status add_material(struct seed *s, int64_t claim_id, const char *kind, int64_t at)
{
    struct eg_ins_material m;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char dir[700], path[900], rel[128];
    int fd;

    memset(&m, 0, sizeof m);
    snprintf(rel, sizeof rel, "claims/%lld/demo-%s.pdf", (long long)claim_id, kind);
    snprintf(dir, sizeof dir, "%s", s->d->cfg->data_dir);
    (void)mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/claims", s->d->cfg->data_dir);
    (void)mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/claims/%lld", s->d->cfg->data_dir, (long long)claim_id);
    (void)mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/%s", s->d->cfg->data_dir, rel);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ssize_t w = write(fd, demo_pdf, sizeof demo_pdf - 1);
        close(fd);
        if (w != (ssize_t)(sizeof demo_pdf - 1))
            unlink(path);
    }
    crypto_hash_sha256(digest, (const unsigned char *)demo_pdf, sizeof demo_pdf - 1);
    sodium_bin2hex(m.sha256, sizeof m.sha256, digest, sizeof digest);
    m.claim_id = claim_id;
    snprintf(m.kind, sizeof m.kind, "%s", kind);
    snprintf(m.content_type, sizeof m.content_type, "application/pdf");
    m.size_bytes = (int64_t)(sizeof demo_pdf - 1);
    m.stored_name = rel;
    m.original_name = "medical-record.pdf";
    snprintf(m.uploaded_by, sizeof m.uploaded_by, "system");
    m.uploaded_at = at;
    enum eg_status st = eg_ins_material_insert(s->d->db, &m);
    if (st == EG_OK)
        st = eg_ins_claim_event(s->d->db, claim_id, at, "system", "system", "material", NULL, NULL,
                                NULL, kind);
    return st;
}

static const char *const places[] = {"思明区湖滨南路与建业路交叉口",
                                     "湖里区枋湖西路",
                                     "集美区杏林湾路",
                                     "海沧区沧林东路",
                                     "同安区环城南路",
                                     "翔安区新店镇"};
static const char *const injuries[] = {"fracture", "sprain_strain", "laceration",
                                       "burn",     "head_injury",   "multiple"};
static const char *const hospitals[] = {"厦门大学附属中山医院", "厦门市第一医院",
                                        "厦门大学附属第一医院", "厦门市中医院"};

/*
 * One claim for the cover-day `cover`, taken as far as `target` along
 * reported → accepted → assessed → approved → paid (or rejected).
 */
static enum eg_status seed_claim(struct seed *s, const struct eg_ins_cover *cover,
                                 enum eg_claim_state target, int64_t medical_costs,
                                 const char *reject_reason, int64_t *claim_id)
{
    struct eg_ins_claim_new n;
    struct eg_ins_claim c;
    struct eg_ins_version v;
    struct eg_ins_claim_move m;
    struct eg_ins_item items[2];
    const char *reasons[2] = {NULL, NULL};
    char no[48];
    int64_t span = cover->cover_end_at - cover->cover_start_at;
    int64_t incident = cover->cover_start_at + eg_demo_between(s->d, span / 4, span * 3 / 4);
    int64_t t = incident + eg_demo_between(s->d, 1800, 6 * 3600);
    enum eg_status st;

    if (t > s->d->now - 600)
        t = s->d->now - 600;
    if (incident >= t)
        incident = t - 600;
    memset(&n, 0, sizeof n);
    n.person_id = cover->person_id;
    n.cover_day_id = cover->id;
    n.version_id = cover->version_id;
    n.incident_at = incident;
    n.place = places[eg_demo_between(s->d, 0, 5)];
    n.description = "配送途中发生交通事故受伤 (injured in a traffic accident while delivering)";
    n.injury_type = injuries[eg_demo_between(s->d, 0, 5)];
    n.hospital = hospitals[eg_demo_between(s->d, 0, 3)];
    n.reported_by = "system";
    n.prefix = s->d->cfg->case_prefix[0] ? s->d->cfg->case_prefix : "EG";
    n.now = t;
    st = eg_ins_claim_insert(s->d->db, &n, claim_id, no);
    if (st == EG_OK)
        st = eg_ins_claim_event(s->d->db, *claim_id, t, "system", "system", "reported", NULL,
                                "reported", NULL, "");
    if (st != EG_OK || target == EG_CLAIM_REPORTED)
        return st;
    if (target == EG_CLAIM_REJECTED) {
        memset(&m, 0, sizeof m);
        m.from = EG_CLAIM_REPORTED;
        m.to = EG_CLAIM_REJECTED;
        m.now = t + 3 * 3600;
        m.reject_reason = reject_reason;
        m.reject_note = "demo";
        st = eg_ins_claim_move(s->d->db, *claim_id, &m);
        if (st == EG_OK)
            st = eg_ins_claim_event(s->d->db, *claim_id, m.now, "insurer", "insurer", "transition",
                                    "reported", "rejected", reject_reason, "");
        return st;
    }
    t += eg_demo_between(s->d, 600, 3 * 3600);
    if (t > s->d->now - 300)
        t = s->d->now - 300;
    st = add_material(s, *claim_id, "medical_record", t);
    memset(&m, 0, sizeof m);
    m.from = EG_CLAIM_REPORTED;
    m.to = EG_CLAIM_ACCEPTED;
    m.now = t;
    m.has_decision_due = 1;
    m.decision_due = eg_ins_decision_due(NULL, eg_day_of(t));
    if (st == EG_OK)
        st = eg_ins_claim_move(s->d->db, *claim_id, &m);
    if (st == EG_OK)
        st = eg_ins_claim_event(s->d->db, *claim_id, t, "insurer", "insurer", "transition",
                                "reported", "accepted", NULL, "");
    if (st != EG_OK || target == EG_CLAIM_ACCEPTED)
        return st;
    /* assessment: medical costs, and a few days in hospital for some */
    st = eg_ins_version_get(s->d->db, cover->version_id, &v);
    if (st == EG_OK)
        st = eg_ins_claim_get(s->d->db, s->a, *claim_id, &c);
    if (st != EG_OK)
        return st;
    memset(items, 0, sizeof items);
    items[0].kind = EG_INS_ITEM_MEDICAL;
    items[0].costs_fen = medical_costs;
    size_t ni = 1;
    if (medical_costs > 1000000) {
        items[1].kind = EG_INS_ITEM_HOSPITAL;
        items[1].days = eg_demo_between(s->d, 2, 12);
        ni = 2;
    }
    int64_t total = 0;
    for (size_t i = 0; i < ni && st == EG_OK; i++) {
        st = eg_ins_item_assess(&v, &items[i]);
        total += items[i].final_fen;
    }
    enum eg_ins_cap cap;
    int64_t payout = eg_ins_apply_caps(total, v.max_payout_fen, 0, &cap);
    t += eg_demo_between(s->d, 600, 4 * 3600);
    if (t > s->d->now - 200)
        t = s->d->now - 200;
    if (st == EG_OK) {
        struct eg_ins_round_new r = {.items = items,
                                     .override_reasons = reasons,
                                     .n = ni,
                                     .total_fen = total,
                                     .payout_fen = payout,
                                     .capped_by = eg_ins_cap_name(cap),
                                     .by = "insurer",
                                     .role = "insurer",
                                     .note = "",
                                     .now = t};
        st = eg_ins_claim_assess(s->d->db, &c, &r);
    }
    if (st != EG_OK || target == EG_CLAIM_ASSESSED)
        return st;
    t += eg_demo_between(s->d, 600, 3 * 3600);
    if (t > s->d->now - 100)
        t = s->d->now - 100;
    memset(&m, 0, sizeof m);
    m.from = EG_CLAIM_ASSESSED;
    m.to = EG_CLAIM_APPROVED;
    m.now = t;
    m.has_payout = 1;
    m.payout_fen = payout;
    m.capped_by = eg_ins_cap_name(cap);
    st = eg_ins_claim_move(s->d->db, *claim_id, &m);
    if (st == EG_OK)
        st = eg_ins_claim_event(s->d->db, *claim_id, t, "insurer", "insurer", "transition",
                                "assessed", "approved", NULL, "");
    if (st != EG_OK || target == EG_CLAIM_APPROVED)
        return st;
    t += eg_demo_between(s->d, 600, 4 * 3600);
    if (t > s->d->now - 50)
        t = s->d->now - 50;
    memset(&m, 0, sizeof m);
    m.from = EG_CLAIM_APPROVED;
    m.to = EG_CLAIM_PAID;
    m.now = t;
    m.payout_ref = "DEMO-PAYOUT";
    st = eg_ins_claim_move(s->d->db, *claim_id, &m);
    if (st == EG_OK)
        st = eg_ins_claim_event(s->d->db, *claim_id, t, "insurer", "insurer", "transition",
                                "approved", "paid", NULL, "");
    return st;
}

/* A random covered day (active or expired) of someone, at least `min_age_days` old. */
static enum eg_status pick_cover(struct seed *s, int64_t person, int min_age_days,
                                 struct eg_ins_cover *out)
{
    char before[11];
    int64_t id = 0;
    int64_t skip = eg_demo_between(s->d, 0, 40);
    enum eg_status st;

    eg_date_format(s->d->today - min_age_days, before);
    if (person > 0)
        st = eg_db_one_i64(s->d->db, &id,
                           "SELECT id FROM cover_days WHERE person_id = ? AND day <= ? AND "
                           "state IN ('active', 'expired') ORDER BY day DESC LIMIT 1",
                           "it", person, before);
    else
        st = eg_db_one_i64(s->d->db, &id,
                           "SELECT id FROM cover_days WHERE day <= ? AND state IN ('active', "
                           "'expired') AND id NOT IN (SELECT cover_day_id FROM claims) "
                           "ORDER BY id LIMIT 1 OFFSET ?",
                           "ti", before, skip * 37);
    if (st == EG_OK)
        st = eg_ins_cover_get(s->d->db, s->a, id, out);
    return st;
}

static enum eg_status seed_claims(struct eg_db *db, void *arg)
{
    static const enum eg_claim_state states[] = {EG_CLAIM_REPORTED, EG_CLAIM_ACCEPTED,
                                                 EG_CLAIM_ASSESSED, EG_CLAIM_APPROVED,
                                                 EG_CLAIM_PAID,     EG_CLAIM_REJECTED};
    static const char *const reasons[] = {"not_work_related", "duplicate", "age",
                                          "incomplete_after_deadline", "not_covered"};
    struct seed *s = arg;
    struct eg_ins_cover cover;
    int64_t id = 0, made = 0;
    int per_state = s->d->scale ? 10 : 2;
    char summary[96];
    enum eg_status st = EG_OK;

    (void)db;
    /* the demo worker's own claim: 7,037 yuan for medical costs, paid within a day */
    if (s->worker > 0 && pick_cover(s, s->worker, 20, &cover) == EG_OK) {
        st = seed_claim(s, &cover, EG_CLAIM_PAID, 791889, NULL, &id);
        made++;
    }
    for (int k = 0; k < per_state && st == EG_OK; k++) {
        for (size_t i = 0; i < sizeof states / sizeof states[0] && st == EG_OK; i++) {
            /* reported claims: some old enough to be past the materials deadline */
            int age = states[i] == EG_CLAIM_REPORTED && k % 2 == 1 ? 40 : (int)(1 + i * 3 + k);
            if (pick_cover(s, 0, age, &cover) != EG_OK)
                continue;
            int64_t costs = eg_demo_between(s->d, 20000, 1500000);
            st = seed_claim(s, &cover, states[i], costs, reasons[k % 5], &id);
            made++;
        }
    }
    /* link an injury dispute case to a claim of its applicant when there is one */
    if (st == EG_OK) {
        int64_t case_id = 0, person = 0;
        size_t found = 0;
        st = eg_cases_injury_cases(s->d->db, 1, &case_id, &person, &found);
        if (st == EG_OK && found == 1 && pick_cover(s, person, 3, &cover) == EG_OK) {
            st = seed_claim(s, &cover, EG_CLAIM_ASSESSED, 260000, NULL, &id);
            if (st == EG_OK)
                st = eg_ins_claim_set_case(s->d->db, id, case_id, s->d->now - 60);
            made++;
        }
    }
    if (st != EG_OK)
        return st;
    snprintf(summary, sizeof summary, "{\"claims\":%lld}", (long long)made);
    return eg_audit_append(s->d->db, &s->d->audit, "insurance.demo.seed", "demo", "claims",
                           summary);
}

static enum eg_status person_of_login(struct eg_db *db, const char *login, int64_t *person)
{
    enum eg_status st = eg_db_one_i64(
        db, person, "SELECT COALESCE(person_id, 0) FROM users WHERE login = ?", "t", login);

    if (st == EG_E_NOT_FOUND) {
        *person = 0;
        st = EG_OK;
    }
    return st;
}

struct people_tx {
    struct seed *s;
    size_t want;
};

static enum eg_status people_tx_run(struct eg_db *db, void *arg)
{
    struct people_tx *t = arg;

    (void)db;
    t->s->n = 0;
    return load_people(t->s, t->want);
}

enum eg_status eg_insurance_seed_demo(struct eg_demo *d)
{
    struct seed s;
    struct people_tx pt;
    struct eg_insurance_daily_report r;
    enum eg_status st;

    memset(&s, 0, sizeof s);
    s.d = d;
    s.a = eg_arena_new();
    if (s.a == NULL)
        return EG_E_INTERNAL;
    st = eg_ins_product_find(d->db, EG_INS_DEFAULT_PRODUCT, &s.product);
    if (st == EG_OK)
        st = eg_ins_versions_load(d->db, s.a, s.product.id, &s.vs, NULL, &s.nvs);
    if (st == EG_OK)
        st = person_of_login(d->db, "worker", &s.worker);
    if (st == EG_OK)
        st = person_of_login(d->db, "worker2", &s.worker2);
    if (st == EG_OK)
        st = load_platforms(&s);
    pt.s = &s;
    pt.want = d->scale ? 3000 : 300;
    if (st == EG_OK)
        st = eg_db_tx(d->db, people_tx_run, &pt);
    if (st == EG_OK) {
        assign(&s);
        st = eg_db_tx(d->db, seed_cover, &s);
    }
    if (st == EG_OK)
        st = eg_db_tx(d->db, seed_extras, &s);
    if (st == EG_OK)
        st = eg_db_tx(d->db, seed_claims, &s);
    /* the daily job of today: tomorrow's auto-renewals await payment */
    if (st == EG_OK)
        st = eg_insurance_daily(d->db, d->today, d->now, &r);
    if (st == EG_OK)
        eg_log(EG_LOG_INFO,
               "event=insurance_demo people=%zu platforms=%zu cover_days=%lld orders=%lld "
               "renewals=%lld",
               s.n, s.nplat, (long long)s.cover_days, (long long)s.orders, (long long)r.renew_days);
    eg_arena_destroy(s.a);
    return st;
}
