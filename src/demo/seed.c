/*
 * seed.c — `egret seed-demo`: every module's seeder, in order, on one
 * reproducible context. The only caller of the modules' seeders.
 */
#include "demo/demo.h"

#include <stdlib.h>
#include <string.h>
#include "auth/demo.h"
#include "cases/demo.h"
#include "core/log.h"
#include "db/db.h"
#include "insurance/demo.h"
#include "monitoring/demo.h"
#include "places/demo.h"

enum eg_status eg_demo_seed(struct eg_db *db, const struct eg_config *cfg, int *seeded)
{
    *seeded = 0;
    int64_t users = 0;
    enum eg_status st = eg_db_one_i64(db, &users, "SELECT COUNT(*) FROM users", "");
    if (st != EG_OK)
        return st;
    if (users > 0)
        return EG_OK; /* already seeded (or a real deployment): never touch it */

    struct eg_demo d;
    memset(&d, 0, sizeof d);
    d.db = db;
    d.cfg = cfg;
    d.now = eg_now();
    d.today = eg_day_of(d.now);
    d.rng = UINT64_C(0x9E3779B97F4A7C15);
    const char *scale = getenv("EGRET_DEMO_SCALE");
    d.scale = (scale && strcmp(scale, "small") == 0) ? 0 : 1;
    d.audit.who = NULL;
    d.audit.address = "";
    d.audit.request_id = "";

    static const struct {
        const char *name;
        enum eg_status (*fn)(struct eg_demo *);
    } steps[] = {
        {"accounts", eg_auth_seed_demo},         {"places", eg_places_seed_demo},
        {"monitoring", eg_monitoring_seed_demo}, {"cases", eg_cases_seed_demo},
        {"insurance", eg_insurance_seed_demo},   {"indicators", eg_monitoring_seed_demo_finish},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int64_t t0 = eg_now_us();
        st = steps[i].fn(&d);
        if (st != EG_OK) {
            eg_log(EG_LOG_ERROR, "event=seed_failed step=%s status=%s", steps[i].name,
                   eg_status_code(st));
            return st;
        }
        eg_log(EG_LOG_INFO, "event=seeded step=%s ms=%lld", steps[i].name,
               (long long)((eg_now_us() - t0) / 1000));
    }
    *seeded = 1;
    return EG_OK;
}
