/*
 * lookup.c — what other modules may ask of monitoring's reference lists
 * (monitoring.h), so that none of them names mon_dictionary or
 * mon_districts in its own SQL.
 */
#include <assert.h>

#include "db/db.h"
#include "monitoring/monitoring.h"

enum eg_status eg_monitoring_dictionary_has(struct eg_db *db, const char *list, const char *code,
                                            int *found)
{
    int64_t n = 0;

    assert(db && list && code && found);
    enum eg_status rc = eg_db_one_i64(
        db, &n, "SELECT COUNT(*) FROM mon_dictionary WHERE list = ? AND code = ? AND active = 1",
        "tt", list, code);
    *found = rc == EG_OK && n > 0;
    return rc;
}

enum eg_status eg_monitoring_district_active(struct eg_db *db, const char *code, int *found)
{
    int64_t n = 0;

    assert(db && code && found);
    enum eg_status rc = eg_db_one_i64(
        db, &n, "SELECT COUNT(*) FROM mon_districts WHERE code = ? AND active = 1", "t", code);
    *found = rc == EG_OK && n > 0;
    return rc;
}
