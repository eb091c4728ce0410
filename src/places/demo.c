/*
 * demo.c — the places of the demo city (see demo/demo.h): Xiamen's
 * districts first (monitoring's district list), then over a hundred 爱心驿站
 * rest stations, forty-odd rights-protection and insurance service points,
 * 爱心餐 providers, water, charging and toilets, clustered around inland
 * anchor points of each district so that they land on land (roughly), and
 * the demo workers' check-ins of the last month. Everything is synthetic: names, addresses and
 * numbers are made up.
 */
#include "places/demo.h"

#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "core/log.h"
#include "db/db.h"
#include "monitoring/monitoring.h"
#include "places/places.h"
#include "places/store.h"

/* Inland anchor points per district (micro-degrees) and street names. */
static const struct {
    const char *code, *name, *short_name;
    int64_t anchors[5][2];
    int n_anchors;
    const char *roads[6];
} areas[] = {
    {"350203",
     "思明区",
     "思明",
     {{24470000, 118110000},
      {24485000, 118150000},
      {24455000, 118090000},
      {24492000, 118172000},
      {24447000, 118125000}},
     5,
     {"湖滨南路", "厦禾路", "莲前西路", "嘉禾路", "思明南路", "环岛干道"}},
    {"350206",
     "湖里区",
     "湖里",
     {{24512000, 118146000},
      {24500000, 118110000},
      {24525000, 118178000},
      {24530000, 118125000},
      {24506000, 118168000}},
     5,
     {"湖里大道", "枋湖路", "金尚路", "仙岳路", "吕岭路", "江头北路"}},
    {"350205",
     "海沧区",
     "海沧",
     {{24485000, 118033000},
      {24500000, 117992000},
      {24472000, 118058000},
      {24518000, 118012000},
      {0, 0}},
     4,
     {"海沧大道", "沧林路", "新阳路", "马青路", "兴港路", "翁角路"}},
    {"350211",
     "集美区",
     "集美",
     {{24576000, 118097000},
      {24600000, 118062000},
      {24620000, 118050000},
      {24561000, 118110000},
      {24640000, 118090000}},
     5,
     {"集美大道", "杏林湾路", "银江路", "软件园三期路", "滨水路", "兑山路"}},
    {"350212",
     "同安区",
     "同安",
     {{24723000, 118152000},
      {24740000, 118130000},
      {24700000, 118170000},
      {24682000, 118150000},
      {0, 0}},
     4,
     {"同安大道", "环城南路", "大同路", "西柯路", "祥平路", "工业集中区路"}},
    {"350213",
     "翔安区",
     "翔安",
     {{24618000, 118248000},
      {24600000, 118280000},
      {24640000, 118230000},
      {24585000, 118250000},
      {0, 0}},
     4,
     {"翔安大道", "新店路", "马巷路", "舫山路", "翔安南路", "内厝路"}},
};
#define N_AREAS (sizeof areas / sizeof areas[0])

static const struct {
    enum eg_place_type type;
    int count;
    const char *name_fmt; /* %s = district short name, %s = road, %d = number */
    const char *hours;
    const char *amenities[8];
} kinds[] = {
    {EG_PLACE_REST_STATION,
     114,
     "爱心驿站·%s%s站",
     "08:00-22:00",
     {"water", "hot_water", "phone_charging", "rest", "air_conditioning", "microwave", "wifi",
      "umbrella"}},
    {EG_PLACE_RIGHTS_SERVICE_POINT,
     44,
     "新就业形态劳动者维权服务站·%s%s",
     "09:00-17:30",
     {"legal_advice", "rest", "water", "wifi", NULL}},
    {EG_PLACE_INSURANCE_POINT,
     42,
     "益鹭保服务网点·%s%s",
     "09:00-18:00",
     {"insurance_enrollment", "legal_advice", "water", "rest", NULL}},
    {EG_PLACE_LOVE_MEAL,
     30,
     "爱心餐·%s%s小吃",
     "10:30-21:00",
     {"discount_meal", "water", "rest", "microwave", NULL}},
    {EG_PLACE_WATER, 18, "爱心饮水点·%s%s", "24小时", {"water", "hot_water", NULL}},
    {EG_PLACE_CHARGING, 30, "电动车充电点·%s%s", "24小时", {"charging", "phone_charging", NULL}},
    {EG_PLACE_TOILET, 20, "公共厕所·%s%s", "06:00-23:00", {"toilet", "water", NULL}},
};

/* Which district a new place falls in (per mille, by where workers are). */
static const int area_weight[N_AREAS] = {300, 260, 110, 150, 90, 90};

struct places_tx {
    struct eg_demo *d;
    int64_t count;
    int64_t checkins;
};

#define DEMO_CHECKIN_DAYS   30 /* check-ins on the days before the seeding day */
#define DEMO_CHECKIN_PEOPLE 50 /* at most this many of the people already seeded */
#define DEMO_REGULAR_PLACES 6  /* each person frequents a few places */

/*
 * Check-ins of the people seeded so far (the demo workers) over the last
 * DEMO_CHECKIN_DAYS days: real place_checkins rows, the only source of a
 * place's check-in count. Each person frequents a few places and checks in
 * at most once an hour, so the half-hour rule of the check-in endpoint
 * holds; nothing falls on the seeding day.
 */
static enum eg_status seed_checkins(struct eg_db *db, struct places_tx *t)
{
    struct eg_demo *d = t->d;
    int64_t people[DEMO_CHECKIN_PEOPLE], places[512];
    size_t np = 0, nl = 0;
    enum eg_status rc = eg_places_store_people_ids(db, people, DEMO_CHECKIN_PEOPLE, &np);

    if (rc == EG_OK)
        rc = eg_places_store_ids(db, places, sizeof places / sizeof places[0], &nl);
    for (size_t p = 0; rc == EG_OK && nl > 0 && p < np; p++) {
        int64_t regular[DEMO_REGULAR_PLACES];
        for (int r = 0; r < DEMO_REGULAR_PLACES; r++)
            regular[r] = places[eg_demo_between(d, 0, (int64_t)nl - 1)];
        for (int ago = DEMO_CHECKIN_DAYS; rc == EG_OK && ago >= 1; ago--) {
            eg_day day = d->today - ago;
            char date[11];
            int visits = (int)eg_demo_between(d, 0, 3);
            int hour = (int)eg_demo_between(d, 8, 11);

            eg_date_format(day, date);
            for (int v = 0; rc == EG_OK && v < visits; v++) {
                int64_t at = eg_day_start(day) + (int64_t)hour * 3600 + eg_demo_between(d, 0, 1799);
                int64_t place = regular[eg_demo_between(d, 0, DEMO_REGULAR_PLACES - 1)];
                rc = eg_places_store_checkin_add(db, place, people[p], at, date, NULL);
                t->checkins++;
                hour += (int)eg_demo_between(d, 1, 4);
            }
        }
    }
    return rc;
}

static size_t pick_area(struct eg_demo *d)
{
    int64_t r = eg_demo_between(d, 0, 999), acc = 0;
    for (size_t i = 0; i < N_AREAS; i++) {
        acc += area_weight[i];
        if (r < acc)
            return i;
    }
    return 0;
}

static enum eg_status places_tx_fn(struct eg_db *db, void *ctx)
{
    struct places_tx *t = ctx;
    struct eg_demo *d = t->d;
    int64_t existing = 0;
    enum eg_status rc = eg_places_store_count(db, &existing);
    if (rc != EG_OK || existing > 0)
        return rc;
    t->count = 0;
    t->checkins = 0;
    for (size_t k = 0; rc == EG_OK && k < sizeof kinds / sizeof kinds[0]; k++) {
        for (int i = 0; rc == EG_OK && i < kinds[k].count; i++) {
            /* Every district gets a service point before any gets a second. */
            size_t a = i < (int)N_AREAS ? (size_t)i : pick_area(d);
            int an = (int)eg_demo_between(d, 0, areas[a].n_anchors - 1);
            int64_t lat = areas[a].anchors[an][0] + eg_demo_between(d, -7000, 7000);
            int64_t lng = areas[a].anchors[an][1] + eg_demo_between(d, -7000, 7000);
            const char *road = areas[a].roads[eg_demo_between(d, 0, 5)];
            int number = (int)eg_demo_between(d, 1, 999);
            char name[200], address[200], phone[32], amen[256] = ",";
            char label[64];
            snprintf(label, sizeof label, "%s%d号", road, number);
            snprintf(name, sizeof name, kinds[k].name_fmt, areas[a].short_name, label);
            snprintf(address, sizeof address, "厦门市%s%s%d号", areas[a].name, road, number);
            snprintf(phone, sizeof phone, "0592-%07d", (int)eg_demo_between(d, 2000000, 7999999));
            size_t used = 1;
            for (int m = 0; m < 8 && kinds[k].amenities[m]; m++) {
                /* rest stations have most amenities, each place a random share */
                if (m > 1 && eg_demo_between(d, 0, 99) < 35)
                    continue;
                int w = snprintf(amen + used, sizeof amen - used, "%s,", kinds[k].amenities[m]);
                if (w > 0 && (size_t)w < sizeof amen - used)
                    used += (size_t)w;
            }
            /* the last addition: amen is sized for it, what follows reads amen only */
            if (kinds[k].type == EG_PLACE_REST_STATION && eg_demo_between(d, 0, 99) < 40)
                snprintf(amen + used, sizeof amen - used, "charging,toilet,first_aid,");
            struct eg_place_set set = {
                .type = eg_place_type_names[kinds[k].type],
                .name = name,
                .district = areas[a].code,
                .address = address,
                .phone = phone,
                .hours = kinds[k].hours,
                .amenities = amen,
                .lat_e6 = lat,
                .lng_e6 = lng,
            };
            rc = eg_places_store_insert(db, &set, "system", d->now, NULL);
            t->count++;
        }
    }
    if (rc == EG_OK)
        rc = seed_checkins(db, t);
    if (rc == EG_OK) {
        char summary[96];
        snprintf(summary, sizeof summary, "{\"places\":%lld,\"checkins\":%lld}",
                 (long long)t->count, (long long)t->checkins);
        rc = eg_audit_append(db, &d->audit, "place.seed", "place", "", summary);
    }
    return rc;
}

enum eg_status eg_places_seed_demo(struct eg_demo *d)
{
    enum eg_status rc = eg_monitoring_demo_districts(d);
    struct places_tx t = {d, 0, 0};
    if (rc == EG_OK)
        rc = eg_db_tx(d->db, places_tx_fn, &t);
    if (rc == EG_OK)
        eg_log(EG_LOG_INFO, "event=demo_places places=%lld checkins=%lld", (long long)t.count,
               (long long)t.checkins);
    return rc;
}
