/*
 * lookup.c — what other modules may ask of monitoring's reference lists and
 * platform rosters (monitoring.h), so that none of them names
 * mon_dictionary, mon_districts or mon_roster in its own SQL.
 */
#include "monitoring/monitoring.h"

#include <assert.h>

#include "db/db.h"

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

enum eg_status eg_monitoring_on_roster(struct eg_db *db, int64_t platform_id, int64_t person_id,
                                       int *on)
{
    int64_t n = 0;

    assert(db && on);
    enum eg_status rc =
        eg_db_one_i64(db, &n,
                      "SELECT COUNT(*) FROM mon_roster WHERE platform_id = ? AND person_id = ? "
                      "AND status <> 'left'",
                      "ii", platform_id, person_id);
    *on = rc == EG_OK && n > 0;
    return rc;
}

enum eg_status eg_monitoring_roster_sample(struct eg_db *db, size_t max, int64_t *person_ids,
                                           int64_t *platform_ids, size_t *n)
{
    struct eg_stmt *st = NULL;

    assert(db && person_ids && platform_ids && n);
    *n = 0;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT person_id, MIN(platform_id) FROM mon_roster "
                                    "GROUP BY person_id ORDER BY person_id LIMIT ?",
                                    "i", (int64_t)max);
    while (eg_db_next(st, &rc)) {
        person_ids[*n] = eg_stmt_i64(st, 0);
        platform_ids[*n] = eg_stmt_i64(st, 1);
        (*n)++;
    }
    eg_stmt_done(st);
    return rc;
}
