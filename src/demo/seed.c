#include "demo/demo.h"

#include <stdlib.h>
#include <string.h>
#include "core/log.h"
#include "db/db.h"

uint64_t eg_demo_rand(struct eg_demo *d)
{
    /* xorshift64*: small, fast and reproducible; demo data needs no more. */
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * UINT64_C(2685821657736338717);
}

int64_t eg_demo_between(struct eg_demo *d, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)(eg_demo_rand(d) % (uint64_t)(hi - lo + 1));
}

void eg_demo_id_number(const char *region, eg_day birth, int n, char out[19])
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char checks[] = "10X98765432";
    int y, m, dd;
    eg_day_to_civil(birth, &y, &m, &dd);
    char body[18];
    /* region (6) + YYYYMMDD (8) + sequence (3) */
    int len = 0;
    for (int i = 0; i < 6; i++)
        body[len++] = region[i];
    body[len++] = (char)('0' + (y / 1000) % 10);
    body[len++] = (char)('0' + (y / 100) % 10);
    body[len++] = (char)('0' + (y / 10) % 10);
    body[len++] = (char)('0' + y % 10);
    body[len++] = (char)('0' + m / 10);
    body[len++] = (char)('0' + m % 10);
    body[len++] = (char)('0' + dd / 10);
    body[len++] = (char)('0' + dd % 10);
    int seq = n % 1000;
    body[len++] = (char)('0' + seq / 100);
    body[len++] = (char)('0' + (seq / 10) % 10);
    body[len++] = (char)('0' + seq % 10);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (body[i] - '0') * weights[i];
    memcpy(out, body, 17);
    out[17] = checks[sum % 11];
    out[18] = '\0';
}

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
