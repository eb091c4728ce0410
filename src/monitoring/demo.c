/*
 * demo.c — the monitoring module's part of the demo city (see demo/demo.h):
 * Xiamen's districts, nine synthetic platforms (names that sound local and
 * belong to nobody, credit codes with valid check characters), an account
 * per platform (`platform.<code>`), rosters of workers (30,000 at full
 * scale, about 500 small) and 90 days of work records, penalty events and
 * deactivations fed through the same path as real batches, so every
 * aggregate is built as in production. Three platforms misbehave on
 * purpose: 白鹭出行 works its drivers too long, 筼筜货运's penalties rise
 * over the last month, 五缘外卖 pays below the minimum wage too often;
 * 海风跑腿 names no appeal channel. The finish step (after the cases and
 * insurance modules seeded) refreshes their figures, evaluates the alert
 * rules day by day over the last month and computes scorecards.
 */
#include "monitoring/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/accounts.h"
#include "core/ident.h"
#include "core/log.h"
#include "db/db.h"
#include "monitoring/internal.h"

#define DEMO_DAYS 90

static const struct {
    const char *code, *name, *name_en;
    int64_t lat_e6, lng_e6;
} districts[] = {
    {"350203", "思明区", "Siming", 24454300, 118082000},
    {"350205", "海沧区", "Haicang", 24484600, 118032700},
    {"350206", "湖里区", "Huli", 24512600, 118146400},
    {"350211", "集美区", "Jimei", 24575900, 118097000},
    {"350212", "同安区", "Tong'an", 24723100, 118152000},
    {"350213", "翔安区", "Xiang'an", 24618500, 118247900},
};
#define N_DISTRICTS (sizeof districts / sizeof districts[0])
/* Where workers are, by district (per mille). */
static const int district_weight[N_DISTRICTS] = {300, 110, 260, 150, 90, 90};

enum pattern { NORMAL, FATIGUE, RISING_PENALTIES, LOW_PAY };

static const struct {
    const char *code, *name, *sector, *occupation, *prefix;
    int share;            /* per mille of the workers */
    const char *org_seed; /* six characters of the organisation code */
    const char *channel;  /* appeal channel, "" for none */
    enum pattern pattern;
    int hourly_fen;     /* typical hourly income */
    int orders_per_10h; /* orders in ten online hours */
} platforms[] = {
    {"luda", "鹭达外卖", "food_delivery", "online_delivery", "LD", 220, "2Y0L1D",
     "App「骑手申诉」入口，客服 400-800-1001", NORMAL, 2900, 26},
    {"wuyuan", "五缘外卖", "food_delivery", "online_delivery", "WY", 100, "2Y0W5Y",
     "App「我的-申诉」，客服 400-800-1005", LOW_PAY, 2050, 24},
    {"haifeng", "海风跑腿", "instant_delivery", "online_delivery", "HF", 100, "2Y0H2F", "", NORMAL,
     2700, 18},
    {"daocheng", "岛城快递", "courier", "courier", "DC", 120, "2Y0D3C",
     "网点经理及 400-800-1003 申诉热线", NORMAL, 2600, 60},
    {"bailu", "白鹭出行", "ride_hailing", "ride_hailing_driver", "BL", 160, "2Y0B4L",
     "App「司机申诉」入口", FATIGUE, 3300, 16},
    {"yundang", "筼筜货运", "freight", "freight_driver", "YD", 80, "2Y0Y6D", "司机端「申诉中心」",
     RISING_PENALTIES, 3600, 4},
    {"gulang", "鼓浪优选", "ecommerce", "ecommerce_specialist", "GL", 60, "2Y0G7L",
     "商家后台「申诉」", NORMAL, 3000, 30},
    {"fenghuang", "凤凰花直播", "livestream", "internet_marketer", "FH", 60, "2Y0F8H",
     "主播后台「违规申诉」", NORMAL, 3400, 12},
    {"xiajia", "厦家帮", "domestic_service", "domestic_worker", "XJ", 100, "2Y0X9J",
     "客服热线 400-800-1009", NORMAL, 3200, 3},
};
#define N_PLATFORMS (sizeof platforms / sizeof platforms[0])

static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马",
    "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许",
    "邓", "冯", "韩", "曹", "曾", "彭", "蔡", "潘", "田", "董", "袁", "叶", "蒋",
    "苏", "魏", "程", "吕", "丁", "沈", "卢", "傅", "钟", "姜", "崔", "廖", "范",
    "汪", "陆", "金", "石", "戴", "夏", "邱", "方", "洪", "庄", "颜", "柯", "施"};
static const char *const given[] = {
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "英", "华", "建", "国", "文", "辉", "鹏", "飞", "波",
    "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "阳", "欢", "玲", "婷",
    "雪", "慧", "颖", "琳", "晶", "倩", "亮", "成", "鑫", "峰", "坤", "志", "荣", "海", "鸿"};
static const char *const regions[] = {"350203", "350206", "350211", "350212", "350500", "350600",
                                      "350800", "350900", "360100", "360400", "360700", "430400",
                                      "431000", "511300", "520100", "410100", "350582", "350681"};

/* The demo workers of the auth module (src/auth/demo.c), put on two rosters. */
static const struct {
    const char *name, *phone;
    int y, m, dd, seq;
    size_t platform;
} known_workers[] = {
    {"张伟", "13900000001", 1991, 3, 15, 11, 0}, /* worker: a 鹭达外卖 rider */
    {"李娜", "13900000002", 1998, 8, 21, 22, 4}, /* worker2: a 白鹭出行 driver */
};

/* One demo worker. */
struct worker {
    int platform;
    int district;
    int full_time;     /* 1: most days, long hours */
    int hourly_fen;    /* this worker's usual hourly income */
    int64_t roster_id; /* mon_roster.id once stored */
};

struct seed {
    struct eg_demo *d;
    struct eg_mon_params params;
    int64_t platform_ids[N_PLATFORMS];
    struct worker *workers;
    size_t nworkers;
    size_t first[N_PLATFORMS + 1]; /* workers of platform p: first[p] … first[p+1]-1 */
    /* generator state */
    int platform;
    size_t next_worker;
    eg_day day;
    uint64_t rng_start;
    int penalty_round;
    int64_t per_day;
    char text[8][64];
    char districts_buf[8];
};

/* ---------------------------------------------------------- credit codes */

/* The check digit of a nine-character organisation code (GB 11714). */
static char org_check(const char *s)
{
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        int v = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] - 'A' + 10;
        sum += v * w[i];
    }
    int c = 11 - sum % 11;
    return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

/* A 统一社会信用代码 for Xiamen (350200) with both check characters valid. */
static void credit_code(const char *seed6, char out[19])
{
    static const char chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    char org[9];
    snprintf(org, sizeof org, "MA%s", seed6);
    snprintf(out, 19, "91350200%.8s%c", org, org_check(org));
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(chars, out[i]) - chars) * w[i];
    int c = (31 - sum % 31) % 31;
    out[17] = chars[c];
    out[18] = '\0';
}

/* --------------------------------------------------------------- districts */

struct districts_tx {
    int64_t now;
};

static enum eg_status districts_tx_fn(struct eg_db *db, void *ctx)
{
    struct districts_tx *t = ctx;
    int64_t n = 0;
    enum eg_status rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM mon_districts", "");
    if (rc != EG_OK || n > 0)
        return rc;
    for (size_t i = 0; rc == EG_OK && i < N_DISTRICTS; i++)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_districts (code, name, name_en, lat_e6, lng_e6, sort, "
                       "active, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                       "tttiiii", districts[i].code, districts[i].name, districts[i].name_en,
                       districts[i].lat_e6, districts[i].lng_e6, (int64_t)(i + 1), t->now);
    return rc;
}

enum eg_status eg_monitoring_demo_districts(struct eg_demo *d)
{
    struct districts_tx t = {d->now};
    return eg_db_tx(d->db, districts_tx_fn, &t);
}

/* ------------------------------------------------------------- platforms */

struct platforms_tx {
    struct seed *s;
};

static enum eg_status platforms_tx_fn(struct eg_db *db, void *ctx)
{
    struct seed *s = ((struct platforms_tx *)ctx)->s;
    enum eg_status rc = EG_OK;
    for (size_t i = 0; rc == EG_OK && i < N_PLATFORMS; i++) {
        char code[19];
        credit_code(platforms[i].org_seed, code);
        rc = eg_organisation_create(db, &s->d->audit, platforms[i].name, code, "platform",
                                    platforms[i].sector, &s->platform_ids[i]);
        if (rc != EG_OK) {
            eg_log(EG_LOG_ERROR, "event=demo_platform_failed code=%s status=%s", platforms[i].code,
                   eg_status_code(rc));
            break;
        }
        char phone[24];
        snprintf(phone, sizeof phone, "400-800-10%02zu", i + 1);
        rc = eg_db_run(db, NULL, "UPDATE organisations SET contact_name = ? WHERE id = ?", "ti",
                       "平台劳动关系专员", s->platform_ids[i]);
        if (rc == EG_OK)
            rc = eg_db_run(db, NULL,
                           "INSERT INTO mon_platforms (organisation_id, code, contact_phone, "
                           "contact_email, address, appeal_channel, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           "itttttii", s->platform_ids[i], platforms[i].code, phone, "",
                           "厦门市思明区软件园二期", platforms[i].channel, s->d->now, s->d->now);
    }
    return rc;
}

/* Create the platforms and one account each. */
static enum eg_status seed_platforms(struct seed *s)
{
    struct platforms_tx t = {s};
    enum eg_status rc = eg_db_tx(s->d->db, platforms_tx_fn, &t);
    for (size_t i = 0; rc == EG_OK && i < N_PLATFORMS; i++) {
        char login[64], email[80];
        int64_t uid = 0;
        snprintf(login, sizeof login, "platform.%s", platforms[i].code);
        snprintf(email, sizeof email, "labour@%s.example.cn", platforms[i].code);
        rc = eg_db_run(s->d->db, NULL,
                       "UPDATE mon_platforms SET contact_email = ? WHERE organisation_id = ?", "ti",
                       email, s->platform_ids[i]);
        struct eg_user_input in = {login, EG_DEMO_PASSWORD,   EG_ROLE_PLATFORM, NULL,
                                   0,     s->platform_ids[i], platforms[i].name};
        if (rc == EG_OK)
            rc = eg_user_create(s->d->db, &s->d->audit, &in, &uid);
    }
    return rc;
}

/* --------------------------------------------------------------- workers */

static int pick_district(struct eg_demo *d)
{
    int64_t r = eg_demo_between(d, 0, 999), acc = 0;
    for (size_t i = 0; i < N_DISTRICTS; i++) {
        acc += district_weight[i];
        if (r < acc)
            return (int)i;
    }
    return 0;
}

/* The roster row of worker k (index within the platform) of platform p. */
static void roster_row(struct seed *s, size_t p, size_t k, struct eg_mon_row *row)
{
    struct eg_demo *d = s->d;
    size_t n = s->first[p] + k; /* the worker's number in the city */
    struct worker *w = &s->workers[n];
    char *wid = s->text[0], *name = s->text[1], *idn = s->text[2], *phone = s->text[3];
    snprintf(wid, 64, "%s%06zu", platforms[p].prefix, k + 1);
    if (k < sizeof known_workers / sizeof known_workers[0] && known_workers[k].platform == p) {
        snprintf(name, 64, "%s", known_workers[k].name);
        eg_demo_id_number(
            "350203",
            eg_day_from_civil(known_workers[k].y, known_workers[k].m, known_workers[k].dd),
            known_workers[k].seq, idn);
        snprintf(phone, 64, "%s", known_workers[k].phone);
    } else {
        /* Birth dates spread over ages 19–58; (birth, sequence) never repeats. */
        size_t b = (n * 7919) % 14000;
        eg_day birth = eg_day_from_civil(1968, 1, 1) + (eg_day)b;
        snprintf(name, 64, "%s%s%s", surnames[eg_demo_between(d, 0, 64)],
                 given[eg_demo_between(d, 0, 59)],
                 eg_demo_between(d, 0, 2) ? given[eg_demo_between(d, 0, 59)] : "");
        eg_demo_id_number(regions[n % (sizeof regions / sizeof regions[0])], birth,
                          (int)(100 + n / 14000), idn);
        snprintf(phone, 64, "1%d%09lld", (int)eg_demo_between(d, 3, 9),
                 (long long)eg_demo_between(d, 0, 999999999));
    }
    eg_day joined = d->today - (eg_day)eg_demo_between(d, 100, 1800);
    struct eg_id_info info;
    memset(&info, 0, sizeof info);
    if (eg_id_number_check(idn, d->today, &info) == EG_OK && eg_age_on(info.birth, joined) < 18)
        joined = info.birth + 18 * 366;
    memset(row, 0, sizeof *row);
    row->feed = EG_MON_FEED_ROSTER;
    row->line = (uint32_t)k + 2;
    row->index = (uint32_t)k + 1;
    struct eg_mon_value *v = row->v;
    v[EG_MON_RO_WORKER] = (struct eg_mon_value){1, 0, wid, strlen(wid)};
    v[EG_MON_RO_NAME] = (struct eg_mon_value){1, 0, name, strlen(name)};
    v[EG_MON_RO_ID_NUMBER] = (struct eg_mon_value){1, info.birth, idn, 18};
    v[EG_MON_RO_PHONE] = (struct eg_mon_value){1, 0, phone, strlen(phone)};
    v[EG_MON_RO_OCCUPATION] =
        (struct eg_mon_value){1, 0, platforms[p].occupation, strlen(platforms[p].occupation)};
    v[EG_MON_RO_STATUS] = (struct eg_mon_value){1, 0, "active", 6};
    v[EG_MON_RO_JOINED_ON] = (struct eg_mon_value){1, joined, NULL, 0};
    const char *dc = districts[w->district].code;
    v[EG_MON_RO_DISTRICT] = (struct eg_mon_value){1, 0, dc, 6};
}

static int roster_next(void *ctx, struct eg_mon_row *row, int64_t *worker_id, const char **district)
{
    struct seed *s = ctx;
    size_t p = (size_t)s->platform;
    size_t k = s->next_worker;
    if (s->first[p] + k >= s->first[p + 1])
        return 0;
    roster_row(s, p, k, row);
    s->next_worker++;
    *worker_id = 0;
    *district = NULL;
    return 1;
}

static void gen_rewind(void *ctx)
{
    struct seed *s = ctx;
    s->next_worker = 0;
    s->day = s->d->today - DEMO_DAYS;
    s->penalty_round = 0;
    s->d->rng = s->rng_start;
}

/* Read back the roster ids of a platform's workers (in worker order). */
static enum eg_status load_roster_ids(struct seed *s, size_t p)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        s->d->db, &st, "SELECT id, platform_worker_id FROM mon_roster WHERE platform_id = ?", "i",
        s->platform_ids[p]);
    while (eg_db_next(st, &rc)) {
        const char *wid = eg_stmt_text(st, 1);
        long k = strtol(wid + 2, NULL, 10) - 1;
        if (k >= 0 && s->first[p] + (size_t)k < s->first[p + 1])
            s->workers[s->first[p] + (size_t)k].roster_id = eg_stmt_i64(st, 0);
    }
    eg_stmt_done(st);
    return rc;
}

/* ---------------------------------------------------------- work records */

/*
 * One worker's day. Full-timers work about six days in seven, part-timers
 * about three; hours, orders and income follow the platform's pattern.
 * Returns 0 when the worker did not work that day.
 */
static int work_day(struct seed *s, size_t p, const struct worker *w, eg_day day,
                    struct eg_mon_work *out)
{
    struct eg_demo *d = s->d;
    int days_left = (int)(d->today - day); /* 1 … DEMO_DAYS */
    int weekend = eg_weekday(day) >= 6;
    int64_t chance = w->full_time ? 86 : 42;
    if (weekend && platforms[p].pattern != FATIGUE)
        chance -= 8;
    if (eg_demo_between(d, 0, 99) >= chance)
        return 0;
    int64_t minutes = w->full_time ? eg_demo_between(d, 420, 660) : eg_demo_between(d, 90, 330);
    if (platforms[p].pattern == FATIGUE && w->full_time && eg_demo_between(d, 0, 99) < 38)
        minutes = eg_demo_between(d, 730, 900);
    else if (w->full_time && eg_demo_between(d, 0, 99) < 3)
        minutes = eg_demo_between(d, 725, 800);
    int64_t hourly = w->hourly_fen + eg_demo_between(d, -350, 350);
    if (weekend)
        hourly += 150;
    if (hourly < 600)
        hourly = 600;
    out->online_minutes = minutes;
    out->order_minutes = minutes * eg_demo_between(d, 55, 85) / 100;
    out->income_fen = hourly * minutes / 60;
    out->orders = platforms[p].orders_per_10h * minutes / 600 + eg_demo_between(d, 0, 2);
    if (out->orders < 1)
        out->orders = 1;
    /* Penalties: about one per 100 orders; rising to four over the last month. */
    int64_t per_10000 = 100;
    if (platforms[p].pattern == RISING_PENALTIES && days_left <= 30)
        per_10000 = 100 + (30 - days_left) * 12;
    out->penalty_count = 0;
    for (int64_t o = 0; o < out->orders; o++)
        if (eg_demo_between(d, 0, 9999) < per_10000)
            out->penalty_count++;
    out->penalty_fen = out->penalty_count * eg_demo_between(d, 10, 50) * 100;
    return 1;
}

static int work_next(void *ctx, struct eg_mon_row *row, int64_t *worker_id, const char **district)
{
    struct seed *s = ctx;
    size_t p = (size_t)s->platform;
    struct eg_mon_work w;
    for (;;) {
        if (s->day >= s->d->today)
            return 0;
        size_t n = s->first[p] + s->next_worker;
        if (n >= s->first[p + 1]) {
            s->day++;
            s->next_worker = 0;
            continue;
        }
        s->next_worker++;
        const struct worker *wk = &s->workers[n];
        if (!work_day(s, p, wk, s->day, &w) || wk->roster_id == 0)
            continue;
        memset(row, 0, sizeof *row);
        row->feed = EG_MON_FEED_WORK;
        row->line = row->index = (uint32_t)(s->next_worker + 1);
        struct eg_mon_value *v = row->v;
        v[EG_MON_WR_DATE] = (struct eg_mon_value){1, s->day, NULL, 0};
        v[EG_MON_WR_ORDERS] = (struct eg_mon_value){1, w.orders, NULL, 0};
        v[EG_MON_WR_ONLINE] = (struct eg_mon_value){1, w.online_minutes, NULL, 0};
        v[EG_MON_WR_ORDER_MIN] = (struct eg_mon_value){1, w.order_minutes, NULL, 0};
        v[EG_MON_WR_INCOME] = (struct eg_mon_value){1, w.income_fen, NULL, 0};
        v[EG_MON_WR_PEN_COUNT] = (struct eg_mon_value){1, w.penalty_count, NULL, 0};
        v[EG_MON_WR_PEN_FEN] = (struct eg_mon_value){1, w.penalty_fen, NULL, 0};
        *worker_id = wk->roster_id;
        *district = districts[wk->district].code;
        return 1;
    }
}

/* Penalty events (one in five of the day's penalties is also reported on
 * its own, with whether it was appealed) and deactivations. */
static int events_next(void *ctx, struct eg_mon_row *row, int64_t *worker_id, const char **district,
                       int deactivations)
{
    struct seed *s = ctx;
    struct eg_demo *d = s->d;
    size_t p = (size_t)s->platform;
    size_t count = s->first[p + 1] - s->first[p];
    static const char *const reasons[] = {"超时送达", "顾客差评", "未按规定着装",
                                          "取消订单", "违规绕路", "货损"};
    static const char *const deact_reasons[] = {"多次违规", "账号异常", "身份核验未通过",
                                                "投诉过多"};
    for (;;) {
        if (s->day >= d->today)
            return 0;
        /* Events per day, in parts per million of the roster: penalty events
         * 0.2 % (three times that at the end for the rising platform),
         * deactivations 0.03 % (0.15 % where no appeal channel is offered). */
        if (s->penalty_round == 0) {
            int64_t ppm = deactivations ? (platforms[p].channel[0] ? 300 : 1500) : 2000;
            if (!deactivations && platforms[p].pattern == RISING_PENALTIES &&
                d->today - s->day <= 30)
                ppm *= 3;
            s->per_day = ((int64_t)count * ppm + eg_demo_between(d, 0, 999999)) / 1000000;
        }
        if (s->penalty_round >= s->per_day) {
            s->day++;
            s->penalty_round = 0;
            continue;
        }
        s->penalty_round++;
        size_t k = (size_t)eg_demo_between(d, 0, (int64_t)count - 1);
        const struct worker *wk = &s->workers[s->first[p] + k];
        if (wk->roster_id == 0)
            continue;
        int64_t at = eg_day_start(s->day) + eg_demo_between(d, 7 * 3600, 22 * 3600);
        memset(row, 0, sizeof *row);
        row->line = row->index = (uint32_t)s->penalty_round;
        struct eg_mon_value *v = row->v;
        if (deactivations) {
            row->feed = EG_MON_FEED_DEACTIVATIONS;
            const char *reason = deact_reasons[eg_demo_between(d, 0, 3)];
            v[EG_MON_DE_AT] = (struct eg_mon_value){1, at, NULL, 0};
            v[EG_MON_DE_REASON] = (struct eg_mon_value){1, 0, reason, strlen(reason)};
            v[EG_MON_DE_CHANNEL] =
                (struct eg_mon_value){1, 0, platforms[p].channel, strlen(platforms[p].channel)};
        } else {
            row->feed = EG_MON_FEED_PENALTIES;
            const char *reason = reasons[eg_demo_between(d, 0, 5)];
            v[EG_MON_PE_AT] = (struct eg_mon_value){1, at, NULL, 0};
            v[EG_MON_PE_REASON] = (struct eg_mon_value){1, 0, reason, strlen(reason)};
            v[EG_MON_PE_AMOUNT] =
                (struct eg_mon_value){1, eg_demo_between(d, 10, 50) * 100, NULL, 0};
            v[EG_MON_PE_APPEALED] = (struct eg_mon_value){
                1, platforms[p].channel[0] && eg_demo_between(d, 0, 9) < 3, NULL, 0};
        }
        *worker_id = wk->roster_id;
        *district = districts[wk->district].code;
        return 1;
    }
}

static int penalties_next(void *ctx, struct eg_mon_row *row, int64_t *worker_id,
                          const char **district)
{
    return events_next(ctx, row, worker_id, district, 0);
}

static int deactivations_next(void *ctx, struct eg_mon_row *row, int64_t *worker_id,
                              const char **district)
{
    return events_next(ctx, row, worker_id, district, 1);
}

/* Apply one generated batch of platform p. */
static enum eg_status feed(struct seed *s, size_t p, enum eg_mon_feed f,
                           int (*next)(void *, struct eg_mon_row *, int64_t *, const char **))
{
    char key[64];
    struct eg_mon_direct_batch b;
    memset(&b, 0, sizeof b);
    snprintf(key, sizeof key, "demo-%s-%s", eg_mon_feed_names[f], platforms[p].code);
    s->platform = (int)p;
    s->rng_start = s->d->rng;
    gen_rewind(s);
    b.feed = f;
    b.platform_id = s->platform_ids[p];
    b.batch_key = key;
    b.sector = platforms[p].sector;
    b.audit = &s->d->audit;
    b.params = &s->params;
    b.next = next;
    b.rewind = gen_rewind;
    b.ctx = s;
    enum eg_status rc = eg_mon_direct_apply(s->d->db, &b);
    if (rc != EG_OK)
        eg_log(EG_LOG_ERROR, "event=demo_feed_failed feed=%s platform=%s status=%s",
               eg_mon_feed_names[f], platforms[p].code, eg_status_code(rc));
    return rc;
}

/* ------------------------------------------------------- department feeds */

struct dept_gen {
    struct seed *s;
    int64_t *people;
    size_t n, i;
    int social;
    char ref[32], month_text[8];
};

static int dept_next(void *ctx, struct eg_mon_row *row, int64_t *person_id, const char **district)
{
    struct dept_gen *g = ctx;
    struct eg_demo *d = g->s->d;
    static const char *const kinds[] = {"collision", "violation"};
    static const char *const sev[] = {"none", "minor", "serious"};
    static const char *const veh[] = {"e_bike", "e_bike", "e_bike", "car", "motorcycle", "truck"};
    static const char *const sch[] = {"occupational_injury", "medical", "pension"};
    static const char *const sst[] = {"paid", "paid", "paid", "arrears", "stopped"};
    if (g->i >= g->n)
        return 0;
    memset(row, 0, sizeof *row);
    row->line = row->index = (uint32_t)(g->i + 1);
    struct eg_mon_value *v = row->v;
    *person_id = g->people[g->i];
    *district = NULL;
    if (!g->social) {
        row->feed = EG_MON_FEED_TRAFFIC;
        snprintf(g->ref, sizeof g->ref, "JJ-%06zu", g->i + 1);
        eg_day day = d->today - (eg_day)eg_demo_between(d, 1, DEMO_DAYS);
        size_t di = (size_t)eg_demo_between(d, 0, N_DISTRICTS - 1);
        const char *k = kinds[eg_demo_between(d, 0, 1)];
        const char *s = sev[eg_demo_between(d, 0, 2)];
        const char *ve = veh[eg_demo_between(d, 0, 5)];
        v[EG_MON_TI_AT] = (struct eg_mon_value){
            1, eg_day_start(day) + eg_demo_between(d, 6 * 3600, 23 * 3600), NULL, 0};
        v[EG_MON_TI_DISTRICT] = (struct eg_mon_value){1, 0, districts[di].code, 6};
        v[EG_MON_TI_KIND] = (struct eg_mon_value){1, 0, k, strlen(k)};
        v[EG_MON_TI_SEVERITY] = (struct eg_mon_value){1, 0, s, strlen(s)};
        v[EG_MON_TI_VEHICLE] = (struct eg_mon_value){1, 0, ve, strlen(ve)};
        v[EG_MON_TI_REFERENCE] = (struct eg_mon_value){1, 0, g->ref, strlen(g->ref)};
    } else {
        int y, m, dd;
        row->feed = EG_MON_FEED_SOCIAL;
        eg_day_to_civil(d->today, &y, &m, &dd);
        int64_t month = (int64_t)y * 12 + (m - 1) - 1 - (int64_t)(g->i % 3);
        const char *sc = sch[g->i % 3];
        const char *st = sst[eg_demo_between(d, 0, 4)];
        v[EG_MON_SI_MONTH] = (struct eg_mon_value){1, month, NULL, 0};
        v[EG_MON_SI_SCHEME] = (struct eg_mon_value){1, 0, sc, strlen(sc)};
        v[EG_MON_SI_STATUS] = (struct eg_mon_value){1, 0, st, strlen(st)};
        v[EG_MON_SI_PAYER] = (struct eg_mon_value){1, 0, "", 0};
    }
    g->i++;
    return 1;
}

static void dept_rewind(void *ctx)
{
    struct dept_gen *g = ctx;
    g->i = 0;
    g->s->d->rng = g->s->rng_start;
}

/* Some traffic incidents and social-insurance records of rostered workers. */
static enum eg_status seed_department_feeds(struct seed *s)
{
    struct eg_demo *d = s->d;
    int64_t police = 0, hrss = 0;
    char path[128];
    enum eg_status rc = eg_department_by_code(d->db, "traffic_police", &police, path);
    if (rc == EG_OK)
        rc = eg_department_by_code(d->db, "hrss", &hrss, path);
    if (rc != EG_OK)
        return rc == EG_E_NOT_FOUND ? EG_OK : rc;
    size_t n = d->scale ? 1500 : 60;
    struct dept_gen g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.people = calloc(n, sizeof *g.people);
    if (!g.people)
        return EG_E_INTERNAL;
    struct eg_stmt *st = NULL;
    rc = eg_db_query(d->db, &st,
                     "SELECT DISTINCT person_id FROM mon_roster ORDER BY person_id LIMIT ?", "i",
                     (int64_t)n);
    while (eg_db_next(st, &rc)) {
        g.people[g.n++] = eg_stmt_i64(st, 0);
    }
    eg_stmt_done(st);
    rc = rc == EG_DONE ? EG_OK : rc;
    for (int social = 0; rc == EG_OK && social < 2; social++) {
        struct eg_mon_direct_batch b;
        memset(&b, 0, sizeof b);
        g.social = social;
        g.i = 0;
        s->rng_start = d->rng;
        b.feed = social ? EG_MON_FEED_SOCIAL : EG_MON_FEED_TRAFFIC;
        b.department_id = social ? hrss : police;
        b.batch_key = social ? "demo-social-insurance" : "demo-traffic-incidents";
        b.audit = &d->audit;
        b.params = &s->params;
        b.next = dept_next;
        b.rewind = dept_rewind;
        b.ctx = &g;
        rc = eg_mon_direct_apply(d->db, &b);
    }
    free(g.people);
    return rc;
}

/* ------------------------------------------------------------------ rules */

struct rules_tx {
    struct eg_demo *d;
};

/* The demo's own rules besides the built-in ones. */
static enum eg_status rules_tx_fn(struct eg_db *db, void *ctx)
{
    struct eg_demo *d = ((struct rules_tx *)ctx)->d;
    static const struct {
        const char *name, *indicator, *scope, *scope_id, *mode, *op;
        int64_t threshold_e4, window, pending;
        const char *level, *dept;
    } rules[] = {
        {"平台超时劳动占比过高 Long hours", "fatigue_share", "platform", "", "value", "gt", 1500, 7,
         3, "orange", "transport"},
        {"平台低于最低工资占比过高 Pay below the minimum", "below_min_wage_share", "platform", "",
         "value", "gt", 3000, 7, 3, "red", "hrss"},
        {"平台处罚率快速上升 Penalties rising", "penalties_per_100_orders", "platform", "",
         "pct_change", "gt", 300000, 14, 2, "yellow", "market"},
        {"平台封号率偏高 Deactivations", "deactivations_per_1000_workers", "platform", "", "value",
         "gt", 80000, 7, 2, "yellow", "union"},
        {"全市保障覆盖率偏低 Insurance coverage low", "insurance_coverage", "city", "", "value",
         "lt", 5000, 7, 5, "blue", "hrss"},
        {"网约车行业超时劳动 Ride-hailing long hours", "fatigue_share", "sector", "ride_hailing",
         "value", "gt", 1000, 7, 3, "yellow", "transport"},
    };
    enum eg_status rc = eg_mon_rules_seed(db, &d->audit);
    for (size_t i = 0; rc == EG_OK && i < sizeof rules / sizeof rules[0]; i++) {
        int64_t dept = 0;
        char path[128];
        if (eg_department_by_code(db, rules[i].dept, &dept, path) != EG_OK &&
            eg_department_by_code(db, "centre", &dept, path) != EG_OK)
            continue;
        int64_t now = eg_now();
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_alert_rules (name, indicator, scope, scope_id, mode, op, "
                       "threshold_e4, window_days, pending_periods, level, department_id, enabled, "
                       "builtin, deleted, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, "
                       "?, ?, ?, ?, ?, ?, ?, 1, 0, 0, 'system', ?, ?)",
                       "ttttttiiitiii", rules[i].name, rules[i].indicator, rules[i].scope,
                       rules[i].scope_id, rules[i].mode, rules[i].op, rules[i].threshold_e4,
                       rules[i].window, rules[i].pending, rules[i].level, dept, now, now);
    }
    return rc;
}

/* ------------------------------------------------------------------- seed */

enum eg_status eg_monitoring_seed_demo(struct eg_demo *d)
{
    struct seed s;
    enum eg_status rc;
    memset(&s, 0, sizeof s);
    s.d = d;
    eg_mon_params_of(d->cfg, &s.params);
    rc = eg_monitoring_demo_districts(d);
    if (rc == EG_OK)
        rc = seed_platforms(&s);
    if (rc != EG_OK)
        return rc;

    s.nworkers = d->scale ? 30000 : 500;
    s.workers = calloc(s.nworkers, sizeof *s.workers);
    if (!s.workers)
        return EG_E_INTERNAL;
    size_t at = 0;
    for (size_t p = 0; p < N_PLATFORMS; p++) {
        s.first[p] = at;
        at +=
            p + 1 == N_PLATFORMS ? s.nworkers - at : s.nworkers * (size_t)platforms[p].share / 1000;
    }
    s.first[N_PLATFORMS] = s.nworkers;
    for (size_t p = 0; p < N_PLATFORMS; p++)
        for (size_t n = s.first[p]; n < s.first[p + 1]; n++) {
            struct worker *w = &s.workers[n];
            w->platform = (int)p;
            w->district = pick_district(d);
            w->full_time = eg_demo_between(d, 0, 99) < 60;
            int spread = platforms[p].pattern == LOW_PAY ? 500 : 700;
            w->hourly_fen = platforms[p].hourly_fen + (int)eg_demo_between(d, -spread, spread);
        }

    int64_t t0 = eg_now_us();
    for (size_t p = 0; rc == EG_OK && p < N_PLATFORMS; p++) {
        rc = feed(&s, p, EG_MON_FEED_ROSTER, roster_next);
        if (rc == EG_OK)
            rc = load_roster_ids(&s, p);
    }
    int64_t t1 = eg_now_us();
    for (size_t p = 0; rc == EG_OK && p < N_PLATFORMS; p++) {
        rc = feed(&s, p, EG_MON_FEED_WORK, work_next);
        if (rc == EG_OK)
            rc = feed(&s, p, EG_MON_FEED_PENALTIES, penalties_next);
        if (rc == EG_OK)
            rc = feed(&s, p, EG_MON_FEED_DEACTIVATIONS, deactivations_next);
    }
    int64_t t2 = eg_now_us();
    if (rc == EG_OK)
        rc = seed_department_feeds(&s);
    struct rules_tx rt = {d};
    if (rc == EG_OK)
        rc = eg_db_tx(d->db, rules_tx_fn, &rt);
    eg_log(EG_LOG_INFO, "event=demo_monitoring workers=%zu roster_ms=%lld records_ms=%lld",
           s.nworkers, (long long)((t1 - t0) / 1000), (long long)((t2 - t1) / 1000));
    free(s.workers);
    return rc;
}

struct finish_tx {
    struct eg_demo *d;
};

/* Evidence for a few scorecard points, as staff would have entered it. */
static enum eg_status evidence_tx_fn(struct eg_db *db, void *ctx)
{
    struct eg_demo *d = ((struct finish_tx *)ctx)->d;
    static const struct {
        const char *platform, *principle, *point;
        int met;
        const char *note;
    } ev[] = {
        {"luda", "contracts", "basic", 1, "骑手服务协议以通俗语言公布，变更提前七日公示"},
        {"luda", "representation", "basic", 1, "与区总工会建立骑手恳谈会机制，每季度召开"},
        {"daocheng", "contracts", "basic", 1, "劳动合同与承揽协议文本经人社局审查"},
        {"bailu", "contracts", "basic", 0, "司机协议单方修改条款未公示"},
        {"xiajia", "conditions", "advanced", 1, "为家政员购买商业意外险并提供体检"},
        {"xiajia", "contracts", "basic", 1, "家政员员工制合同覆盖率超过八成"},
        {"gulang", "representation", "basic", 0, "无劳动者代表参与规则制定的机制"},
    };
    enum eg_status rc = EG_OK;
    char on[11];
    eg_date_format(d->today - DEMO_DAYS, on);
    for (size_t i = 0; rc == EG_OK && i < sizeof ev / sizeof ev[0]; i++)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_scorecard_evidence (platform_id, principle, point, met, "
                       "note, source, effective_on, expires_on, recorded_by, created_at) SELECT "
                       "organisation_id, ?, ?, ?, ?, '现场检查记录', ?, NULL, 'analyst', ? FROM "
                       "mon_platforms WHERE code = ?",
                       "ttittit", ev[i].principle, ev[i].point, (int64_t)ev[i].met, ev[i].note, on,
                       d->now, ev[i].platform);
    return rc;
}

static enum eg_status scorecards_tx_fn(struct eg_db *db, void *ctx)
{
    struct eg_demo *d = ((struct finish_tx *)ctx)->d;
    struct eg_mon_params p;
    struct eg_stmt *st = NULL;
    int64_t ids[64];
    size_t n = 0;
    eg_mon_params_of(d->cfg, &p);
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT organisation_id FROM mon_platforms ORDER BY "
                                    "organisation_id",
                                    "");
    while (eg_db_next(st, &rc)) {
        if (n < 64)
            ids[n++] = eg_stmt_i64(st, 0);
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    rc = EG_OK;
    /* Last month as a whole, and the last 30 days. */
    int y, m, dd;
    eg_day_to_civil(d->today, &y, &m, &dd);
    eg_day month_start = eg_day_from_civil(y, m, 1);
    eg_day_to_civil(month_start - 1, &y, &m, &dd);
    eg_day prev_start = eg_day_from_civil(y, m, 1);
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        rc = eg_mon_scorecard_store(db, &p, ids[i], prev_start, month_start - 1, "system", NULL);
        if (rc == EG_OK)
            rc =
                eg_mon_scorecard_store(db, &p, ids[i], d->today - 30, d->today - 1, "system", NULL);
    }
    return rc;
}

/* Acknowledge one firing alert, as an analyst would have. */
static enum eg_status ack_tx_fn(struct eg_db *db, void *ctx)
{
    struct eg_demo *d = ((struct finish_tx *)ctx)->d;
    int64_t id = 0;
    enum eg_status rc =
        eg_db_one_i64(db, &id, "SELECT MIN(id) FROM mon_alerts WHERE state = 'firing'", "");
    if (rc != EG_OK || id == 0)
        return rc == EG_E_NOT_FOUND ? EG_OK : rc;
    rc = eg_db_run(db, NULL,
                   "UPDATE mon_alerts SET acked_at = ?, acked_by = 'analyst', ack_comment = ? "
                   "WHERE id = ?",
                   "iti", d->now, "已约谈平台，要求一周内提交整改方案", id);
    if (rc == EG_OK)
        rc = eg_db_run(db, NULL,
                       "INSERT INTO mon_alert_events (alert_id, at, kind, from_state, to_state, "
                       "actor, note) VALUES (?, ?, 'ack', 'firing', 'firing', 'analyst', ?)",
                       "iit", id, d->now, "已约谈平台，要求一周内提交整改方案");
    return rc;
}

enum eg_status eg_monitoring_seed_demo_finish(struct eg_demo *d)
{
    struct eg_monitoring_daily_report rep;
    struct eg_mon_params p;
    struct finish_tx ft = {d};
    int64_t changes = 0;
    eg_mon_params_of(d->cfg, &p);
    int64_t t0 = eg_now_us();
    /* The other modules' figures for the whole period, then the rules day by day. */
    enum eg_status rc =
        eg_monitoring_recompute(d->db, d->cfg, d->today - DEMO_DAYS, d->today - 1, NULL);
    int64_t t1 = eg_now_us();
    for (eg_day day = d->today - 30; rc == EG_OK && day < d->today - 1; day++)
        rc = eg_mon_alerts_evaluate(d->db, &p, day, "system", &changes);
    if (rc == EG_OK)
        rc = eg_monitoring_daily(d->db, d->cfg, d->today - 1, &rep);
    if (rc == EG_OK)
        rc = eg_db_tx(d->db, evidence_tx_fn, &ft);
    if (rc == EG_OK)
        rc = eg_db_tx(d->db, scorecards_tx_fn, &ft);
    if (rc == EG_OK)
        rc = eg_db_tx(d->db, ack_tx_fn, &ft);
    eg_log(EG_LOG_INFO, "event=demo_monitoring_finish recompute_ms=%lld alerts_ms=%lld",
           (long long)((t1 - t0) / 1000), (long long)((eg_now_us() - t1) / 1000));
    return rc;
}
