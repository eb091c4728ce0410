/*
 * rules.c — the business rules of cases and consultations (see rules.h).
 *
 * The state machine is the table `edges` below and nothing else: the
 * transition endpoint, the automatic moves (agreement in effect, amounts
 * paid), the demo and the tests all ask eg_case_check_move().
 */
#include "cases/rules.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/ident.h"
#include "core/money.h"

const char *const eg_case_state_names[] = {
    "submitted", "accepted", "rejected", "mediating", "agreed", "fulfilled",
    "failed",    "referred", "closed",   "withdrawn", NULL,
};
const char *const eg_case_state_labels[] = {
    "已提交",   "已受理", "不予受理", "调解中", "已达成协议", "已履行",
    "调解失败", "已转办", "已结案",   "已撤回", NULL,
};

const char *const eg_case_type_names[] = {
    "unpaid_pay",
    "penalty",
    "deactivation",
    "occupational_injury",
    "labour_relation",
    "social_insurance",
    "safety",
    "other",
    NULL,
};
const char *const eg_case_type_labels[] = {
    "劳动报酬", "罚款处罚", "封号", "职业伤害", "劳动关系", "社会保险", "安全", "其他", NULL,
};

const char *const eg_case_channel_names[] = {"online", "window", "hotline", "qr", "referral", NULL};
const char *const eg_case_channel_labels[] = {"网上申请", "窗口",     "热线",
                                              "扫码申请", "部门转办", NULL};

const char *const eg_case_category_names[] = {
    "pay", "injury_medical", "disability_subsidy", "fine_refund", "deposit_refund", "other", NULL,
};
const char *const eg_case_category_labels[] = {
    "劳动报酬", "医疗费用", "伤残补助", "罚款退还", "押金退还", "其他", NULL,
};

const char *const eg_case_referral_names[] = {"arbitration", "litigation", "legal_aid", NULL};
const char *const eg_case_referral_labels[] = {"劳动仲裁", "诉讼", "法律援助", NULL};

const char *const eg_case_party_names[] = {"applicant", "respondent", "mediator", NULL};

const char *const eg_consult_kind_names[] = {
    "legal_aid",
    "employment_startup",
    "employment_diagnosis",
    "pay_distribution",
    "democratic_management",
    "collective_consultation",
    "culture_responsibility",
    "psychological",
    "skills_training",
    "safety_training",
    NULL,
};
const char *const eg_consult_kind_labels[] = {
    "法律援助咨询", "就业创业",           "用工指导诊断", "薪酬分配指导", "民主管理指导",
    "集体协商指导", "企业文化与社会责任", "心理疏导",     "技能培训报名", "安全培训报名",
    NULL,
};
const char *const eg_consult_state_names[] = {"requested", "assigned", "done", NULL};

int eg_case_name_index(const char *const *names, const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int eg_case_state_is_open(enum eg_case_state s)
{
    return s == EG_CASE_SUBMITTED || s == EG_CASE_ACCEPTED || s == EG_CASE_MEDIATING ||
           s == EG_CASE_AGREED || s == EG_CASE_FAILED;
}

int eg_case_state_is_terminal(enum eg_case_state s)
{
    return s == EG_CASE_REJECTED || s == EG_CASE_CLOSED || s == EG_CASE_WITHDRAWN;
}

/* The state machine: edges[from] is the set of targets as bits. */
#define BIT(s) (1u << (s))
static const unsigned edges[EG_CASE_STATE_COUNT] = {
    [EG_CASE_SUBMITTED] = BIT(EG_CASE_ACCEPTED) | BIT(EG_CASE_REJECTED) | BIT(EG_CASE_WITHDRAWN),
    [EG_CASE_ACCEPTED] = BIT(EG_CASE_MEDIATING) | BIT(EG_CASE_WITHDRAWN),
    [EG_CASE_REJECTED] = 0,
    [EG_CASE_MEDIATING] = BIT(EG_CASE_AGREED) | BIT(EG_CASE_FAILED) | BIT(EG_CASE_WITHDRAWN),
    [EG_CASE_AGREED] = BIT(EG_CASE_FULFILLED) | BIT(EG_CASE_WITHDRAWN),
    [EG_CASE_FULFILLED] = BIT(EG_CASE_CLOSED),
    [EG_CASE_FAILED] = BIT(EG_CASE_REFERRED) | BIT(EG_CASE_WITHDRAWN),
    [EG_CASE_REFERRED] = BIT(EG_CASE_CLOSED),
    [EG_CASE_CLOSED] = 0,
    [EG_CASE_WITHDRAWN] = 0,
};

int eg_case_edge(enum eg_case_state from, enum eg_case_state to)
{
    if ((unsigned)from >= EG_CASE_STATE_COUNT || (unsigned)to >= EG_CASE_STATE_COUNT)
        return 0;
    return (edges[from] & BIT(to)) != 0;
}

size_t eg_case_targets(enum eg_case_state from, enum eg_case_state *out)
{
    size_t n = 0;

    for (int s = 0; s < EG_CASE_STATE_COUNT; s++)
        if (eg_case_edge(from, (enum eg_case_state)s))
            out[n++] = (enum eg_case_state)s;
    return n;
}

void eg_case_targets_text(enum eg_case_state from, char *out, size_t n)
{
    enum eg_case_state t[EG_CASE_STATE_COUNT];
    size_t k = eg_case_targets(from, t), used = 0;

    if (n == 0)
        return;
    out[0] = '\0';
    if (k == 0) {
        snprintf(out, n, "none");
        return;
    }
    for (size_t i = 0; i < k && used < n; i++) {
        int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", eg_case_state_names[t[i]]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/*
 * Roles: the mediators of the handling or a co-handling department and the
 * administrator take every edge; the applicant may only withdraw; platforms,
 * supervisors (read-only), insurers, analysts and everyone else take none.
 */
int eg_case_may(const struct eg_case_actor *actor, enum eg_case_state from, enum eg_case_state to)
{
    if (!eg_case_edge(from, to))
        return 0;
    switch (actor->role) {
    case EG_ROLE_ADMIN:
        return 1;
    case EG_ROLE_MEDIATOR:
        return actor->in_scope;
    case EG_ROLE_WORKER:
        return actor->is_applicant && to == EG_CASE_WITHDRAWN;
    default:
        return 0;
    }
}

static int blank(const char *s)
{
    if (s == NULL)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

enum eg_status eg_case_check_move(const struct eg_case_actor *actor, enum eg_case_state from,
                                  const struct eg_case_move *move, const char **field, char *why,
                                  size_t why_len)
{
    char allowed[160];
    enum eg_status st = EG_OK;
    const char *f = NULL;
    char tmp[256];

    tmp[0] = '\0';
    if (!eg_case_edge(from, move->to)) {
        eg_case_targets_text(from, allowed, sizeof allowed);
        snprintf(tmp, sizeof tmp, "A case cannot go from %s to %s; allowed: %s.",
                 eg_case_state_names[from],
                 (unsigned)move->to < EG_CASE_STATE_COUNT ? eg_case_state_names[move->to] : "?",
                 allowed);
        st = EG_E_ILLEGAL_TRANSITION;
        f = "to";
        goto out;
    }
    if (!eg_case_may(actor, from, move->to)) {
        snprintf(tmp, sizeof tmp, "Your role may not move this case to %s.",
                 eg_case_state_names[move->to]);
        st = EG_E_FORBIDDEN;
        goto out;
    }
    if ((move->to == EG_CASE_REJECTED || move->to == EG_CASE_FAILED) && blank(move->reason)) {
        snprintf(tmp, sizeof tmp, "A reason is required to move a case to %s.",
                 eg_case_state_names[move->to]);
        st = EG_E_MISSING_FIELD;
        f = "reason";
        goto out;
    }
    if (move->to == EG_CASE_REFERRED && (move->referral < 0 || move->referral >= EG_REF_COUNT)) {
        snprintf(tmp, sizeof tmp,
                 "Say where the case is referred: arbitration, litigation or "
                 "legal_aid.");
        st = EG_E_MISSING_FIELD;
        f = "referral";
        goto out;
    }
    if (move->to != EG_CASE_REFERRED && move->referral >= 0) {
        snprintf(tmp, sizeof tmp, "A referral only goes with the target referred.");
        st = EG_E_INVALID_FIELD;
        f = "referral";
        goto out;
    }
    if (move->to == EG_CASE_AGREED && !move->agreement_effective) {
        snprintf(tmp, sizeof tmp,
                 "The agreement is not in effect: the applicant, the respondent "
                 "and the mediator must all confirm it.");
        st = EG_E_UNPROCESSABLE;
        goto out;
    }
    if (move->to == EG_CASE_FULFILLED && !move->amounts_paid) {
        snprintf(tmp, sizeof tmp, "The agreed amounts are not all paid yet.");
        st = EG_E_UNPROCESSABLE;
        goto out;
    }
out:
    if (why != NULL && why_len > 0)
        snprintf(why, why_len, "%s", tmp);
    if (field != NULL)
        *field = f;
    return st;
}

/* ---- deadlines ----------------------------------------------------------- */

eg_day eg_case_accept_due(const struct eg_calendar *cal, eg_day submitted, int n)
{
    return eg_add_working_days(cal, submitted, n < 1 ? 1 : n);
}

eg_day eg_case_mediation_due(eg_day accepted, int days, int extension_days)
{
    return accepted + (days > 0 ? days : 0) + (extension_days > 0 ? extension_days : 0);
}

enum eg_status eg_case_check_extension(enum eg_case_state state, int already_extended, int days,
                                       int applicant_consent, int respondent_consent,
                                       const char **field)
{
    *field = NULL;
    if (state != EG_CASE_ACCEPTED && state != EG_CASE_MEDIATING)
        return EG_E_CONFLICT;
    if (already_extended)
        return EG_E_CONFLICT;
    if (days < 1 || days > EG_CASE_EXTENSION_MAX_DAYS) {
        *field = "days";
        return EG_E_INVALID_FIELD;
    }
    if (!applicant_consent) {
        *field = "applicant_consent";
        return EG_E_UNPROCESSABLE;
    }
    if (!respondent_consent) {
        *field = "respondent_consent";
        return EG_E_UNPROCESSABLE;
    }
    return EG_OK;
}

void eg_case_timing(enum eg_case_state state, eg_day accept_due, eg_day mediation_due, eg_day today,
                    struct eg_case_timing *out)
{
    memset(out, 0, sizeof *out);
    if (state == EG_CASE_SUBMITTED) {
        out->has_due = 1;
        out->due = accept_due;
    } else if (state == EG_CASE_ACCEPTED || state == EG_CASE_MEDIATING) {
        out->has_due = 1;
        out->due = mediation_due;
    }
    if (out->has_due && today > out->due) {
        out->overdue = 1;
        out->days_overdue = today - out->due;
    }
    out->arbitration_open = out->overdue || state == EG_CASE_FAILED;
}

/* The same month and day one year later; a 29 February becomes 1 March. */
eg_day eg_case_one_year_after(eg_day d)
{
    int y, m, dd;

    eg_day_to_civil(d, &y, &m, &dd);
    if (m == 2 && dd == 29)
        return eg_day_from_civil(y + 1, 3, 1);
    return eg_day_from_civil(y + 1, m, dd);
}

int eg_case_incident_old(eg_day incident, eg_day on)
{
    if (incident == INT32_MIN)
        return 0;
    return on > eg_case_one_year_after(incident);
}

/* ---- routing ------------------------------------------------------------- */

/*
 * Specificity: 3 for type and sector both named, 2 for the type with any
 * sector, 1 for any type with the sector, 0 for the catch-all; -1 when the
 * rule does not apply.
 */
static int rule_rank(const struct eg_case_routing_rule *r, const char *type, const char *sector)
{
    int type_any = strcmp(r->case_type, "*") == 0;
    int sector_any = strcmp(r->sector, "*") == 0;

    if (!type_any && strcmp(r->case_type, type) != 0)
        return -1;
    if (!sector_any && (sector == NULL || strcmp(r->sector, sector) != 0))
        return -1;
    return (type_any ? 0 : 2) + (sector_any ? 0 : 1);
}

const char *eg_case_route(const struct eg_case_routing_rule *rules, size_t n, const char *case_type,
                          const char *sector, const char *fallback)
{
    const char *best = fallback;
    int best_rank = -1;

    for (size_t i = 0; i < n; i++) {
        int r = rule_rank(&rules[i], case_type, sector);

        if (r > best_rank) {
            best_rank = r;
            best = rules[i].department_code;
        }
    }
    return best;
}

int eg_case_sector_valid(const char *s)
{
    size_t n;

    if (s == NULL)
        return 0;
    if (strcmp(s, "*") == 0)
        return 1;
    n = strlen(s);
    if (n < 1 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* ---- money --------------------------------------------------------------- */

enum eg_status eg_case_amounts_add(struct eg_case_amounts *a, int cat, int64_t amount, int *dup)
{
    int64_t total;

    *dup = 0;
    if (cat < 0 || cat >= EG_CAT_COUNT || amount <= 0 || amount > EG_MONEY_MAX_FEN)
        return EG_E_INVALID_FIELD;
    if (a->fen[cat] != 0) {
        *dup = 1;
        return EG_E_INVALID_FIELD;
    }
    if (eg_money_add(eg_case_amounts_total(a), amount, &total) != EG_OK)
        return EG_E_INVALID_FIELD;
    a->fen[cat] = amount;
    return EG_OK;
}

int64_t eg_case_amounts_total(const struct eg_case_amounts *a)
{
    int64_t t = 0;

    for (int i = 0; i < EG_CAT_COUNT; i++)
        t += a->fen[i];
    return t;
}

int eg_case_agreement_effective(const struct eg_case_confirmations *c)
{
    for (int i = 0; i < EG_PARTY_COUNT; i++)
        if (c->at[i] <= 0)
            return 0;
    return 1;
}

enum eg_status eg_case_confirm_party(const struct eg_case_actor *actor, int requested,
                                     enum eg_case_party *party)
{
    switch (actor->role) {
    case EG_ROLE_WORKER:
        if (!actor->is_applicant || (requested >= 0 && requested != EG_PARTY_APPLICANT))
            return EG_E_FORBIDDEN;
        *party = EG_PARTY_APPLICANT;
        return EG_OK;
    case EG_ROLE_PLATFORM:
        if (!actor->is_respondent || (requested >= 0 && requested != EG_PARTY_RESPONDENT))
            return EG_E_FORBIDDEN;
        *party = EG_PARTY_RESPONDENT;
        return EG_OK;
    case EG_ROLE_MEDIATOR:
    case EG_ROLE_ADMIN:
        if (actor->role == EG_ROLE_MEDIATOR && !actor->in_scope)
            return EG_E_FORBIDDEN;
        if (requested >= EG_PARTY_COUNT)
            return EG_E_FORBIDDEN;
        *party = requested < 0 ? EG_PARTY_MEDIATOR : (enum eg_case_party)requested;
        return EG_OK;
    default:
        return EG_E_FORBIDDEN;
    }
}

enum eg_status eg_case_check_payment(const struct eg_case_amounts *agreed,
                                     const struct eg_case_amounts *paid, int cat, int64_t amount)
{
    if (cat < 0 || cat >= EG_CAT_COUNT || amount <= 0 || amount > EG_MONEY_MAX_FEN)
        return EG_E_INVALID_FIELD;
    if (agreed->fen[cat] <= 0)
        return EG_E_UNPROCESSABLE;
    if (paid->fen[cat] >= agreed->fen[cat] || amount > agreed->fen[cat] - paid->fen[cat])
        return EG_E_UNPROCESSABLE;
    return EG_OK;
}

const char *const eg_case_payment_state_names[] = {"recorded", "confirmed", "disputed", NULL};

/* Staff who handle the case: a mediator in scope or an administrator. */
static int is_handler(const struct eg_case_actor *actor)
{
    return actor->role == EG_ROLE_ADMIN || (actor->role == EG_ROLE_MEDIATOR && actor->in_scope);
}

enum eg_status eg_case_payment_initial(const struct eg_case_actor *actor,
                                       enum eg_case_payment_state *state)
{
    if (actor->role == EG_ROLE_PLATFORM && actor->is_respondent)
        *state = EG_PAY_RECORDED;
    else if ((actor->role == EG_ROLE_WORKER && actor->is_applicant) || is_handler(actor))
        *state = EG_PAY_CONFIRMED;
    else
        return EG_E_FORBIDDEN;
    return EG_OK;
}

enum eg_status eg_case_payment_check_decision(const struct eg_case_actor *actor,
                                              enum eg_case_payment_state from,
                                              enum eg_case_payment_state to, int has_evidence)
{
    int applicant = actor->role == EG_ROLE_WORKER && actor->is_applicant;

    if (!applicant && !is_handler(actor))
        return EG_E_FORBIDDEN;
    if (to != EG_PAY_CONFIRMED && to != EG_PAY_DISPUTED)
        return EG_E_INVALID_FIELD;
    if (from != EG_PAY_RECORDED)
        return EG_E_CONFLICT;
    if (!applicant && to == EG_PAY_CONFIRMED && !has_evidence)
        return EG_E_MISSING_FIELD;
    return EG_OK;
}

enum eg_status eg_case_check_paid_on(eg_day paid_on, eg_day agreed_on, eg_day today)
{
    return paid_on < agreed_on || paid_on > today ? EG_E_INVALID_FIELD : EG_OK;
}

int eg_case_amounts_paid(const struct eg_case_amounts *agreed, const struct eg_case_amounts *paid)
{
    for (int i = 0; i < EG_CAT_COUNT; i++)
        if (agreed->fen[i] > 0 && paid->fen[i] < agreed->fen[i])
            return 0;
    return 1;
}

int64_t eg_case_amounts_owed(const struct eg_case_amounts *agreed,
                             const struct eg_case_amounts *paid, struct eg_case_amounts *owed)
{
    int64_t total = 0;

    for (int i = 0; i < EG_CAT_COUNT; i++) {
        int64_t o = agreed->fen[i] - paid->fen[i];

        owed->fen[i] = o > 0 ? o : 0;
        total += owed->fen[i];
    }
    return total;
}

/* ---- ratings ------------------------------------------------------------- */

enum eg_status eg_case_check_rating(const struct eg_case_actor *actor, enum eg_case_state state,
                                    int already_rated, int speed, int attitude, int result,
                                    const char **field)
{
    *field = NULL;
    if (actor->role != EG_ROLE_WORKER || !actor->is_applicant)
        return EG_E_FORBIDDEN;
    if (!eg_case_state_is_terminal(state) || already_rated)
        return EG_E_CONFLICT;
    if (speed < 1 || speed > 5)
        *field = "speed";
    else if (attitude < 1 || attitude > 5)
        *field = "attitude";
    else if (result < 1 || result > 5)
        *field = "result";
    return *field ? EG_E_INVALID_FIELD : EG_OK;
}

/* ---- case numbers -------------------------------------------------------- */

void eg_case_number_format(const char *prefix, int year, int64_t seq, char *out, size_t n)
{
    snprintf(out, n, "%s-%04d-%06lld", prefix, year, (long long)seq);
}

/* ---- evidence ------------------------------------------------------------ */

const char *eg_case_sniff(const unsigned char *p, size_t n, const char **ext)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
        *ext = ".jpg";
        return "image/jpeg";
    }
    if (n >= 8 && memcmp(p, png, 8) == 0) {
        *ext = ".png";
        return "image/png";
    }
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0) {
        *ext = ".pdf";
        return "application/pdf";
    }
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
        *ext = ".webp";
        return "image/webp";
    }
    *ext = NULL;
    return NULL;
}

void eg_case_clean_filename(const char *name, char *out, size_t n)
{
    const char *base = name ? name : "";
    size_t len, k = 0;

    if (n == 0)
        return;
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    len = strlen(base);
    if (len == 0 || !eg_utf8_valid(base, len) || strcmp(base, ".") == 0 ||
        strcmp(base, "..") == 0) {
        snprintf(out, n, "file");
        return;
    }
    /* Copy whole UTF-8 sequences while they fit. */
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)base[i];
        size_t sl = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

        if (k + sl > n - 1)
            break;
        if (sl == 1) {
            out[k++] = (c < 0x20 || c == 0x7f || c == '"') ? '_' : (char)c;
        } else {
            memcpy(out + k, base + i, sl);
            k += sl;
        }
        i += sl;
    }
    out[k] = '\0';
    if (k == 0)
        snprintf(out, n, "file");
}

/* ---- consultations ------------------------------------------------------- */

const char *eg_consult_department(enum eg_consult_kind k)
{
    switch (k) {
    case EG_CONSULT_LEGAL_AID:
        return "justice";
    case EG_CONSULT_EMPLOYMENT_STARTUP:
    case EG_CONSULT_EMPLOYMENT_DIAGNOSIS:
    case EG_CONSULT_PAY_DISTRIBUTION:
    case EG_CONSULT_SKILLS_TRAINING:
        return "hrss";
    case EG_CONSULT_DEMOCRATIC_MANAGEMENT:
    case EG_CONSULT_COLLECTIVE_CONSULTATION:
    case EG_CONSULT_CULTURE_RESPONSIBILITY:
    case EG_CONSULT_PSYCHOLOGICAL:
        return "union";
    case EG_CONSULT_SAFETY_TRAINING:
        return "emergency";
    default:
        return "centre";
    }
}

int eg_consult_kind_for_companies(enum eg_consult_kind k)
{
    return k == EG_CONSULT_EMPLOYMENT_DIAGNOSIS || k == EG_CONSULT_PAY_DISTRIBUTION;
}

enum eg_status eg_consult_check_move(const struct eg_case_actor *actor, enum eg_consult_state from,
                                     enum eg_consult_state to, char *why, size_t why_len)
{
    int ok_edge = (from == EG_CONSULT_REQUESTED && to == EG_CONSULT_ASSIGNED) ||
                  (from == EG_CONSULT_ASSIGNED && to == EG_CONSULT_DONE);

    if (!ok_edge) {
        const char *allowed = from == EG_CONSULT_REQUESTED  ? "assigned"
                              : from == EG_CONSULT_ASSIGNED ? "done"
                                                            : "none";

        snprintf(why, why_len, "A consultation cannot go from %s to %s; allowed: %s.",
                 (unsigned)from < EG_CONSULT_STATE_COUNT ? eg_consult_state_names[from] : "?",
                 (unsigned)to < EG_CONSULT_STATE_COUNT ? eg_consult_state_names[to] : "?", allowed);
        return EG_E_ILLEGAL_TRANSITION;
    }
    if (actor->role == EG_ROLE_ADMIN || (actor->role == EG_ROLE_MEDIATOR && actor->in_scope))
        return EG_OK;
    snprintf(why, why_len, "Your role may not move this consultation.");
    return EG_E_FORBIDDEN;
}
