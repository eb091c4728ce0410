/*
 * query.c — questions other modules ask the insurance module about one
 * person (insurance.h): whether cover was in force at an instant, and
 * whether an injury claim was reported near one.
 */
#include "insurance/insurance.h"

#include "db/db.h"

enum eg_status eg_insurance_covered_at(struct eg_db *db, int64_t person_id, int64_t t, int *covered)
{
    char day[11];
    int64_t n = 0;
    *covered = 0;
    eg_date_format(eg_day_of(t), day);
    enum eg_status rc = eg_db_one_i64(db, &n,
                                      "SELECT COUNT(*) FROM cover_days WHERE person_id = ? AND "
                                      "day = ? AND state IN ('active', 'expired') AND "
                                      "cover_start_at <= ? AND cover_end_at > ?",
                                      "itii", person_id, day, t, t);
    if (rc == EG_OK)
        *covered = n > 0;
    return rc;
}

enum eg_status eg_insurance_claimed_near(struct eg_db *db, int64_t person_id, int64_t t,
                                         int64_t window_s, int *claimed)
{
    int64_t n = 0;
    *claimed = 0;
    enum eg_status rc = eg_db_one_i64(db, &n,
                                      "SELECT COUNT(*) FROM claims WHERE person_id = ? AND "
                                      "incident_at >= ? AND incident_at <= ?",
                                      "iii", person_id, t - window_s, t + window_s);
    if (rc == EG_OK)
        *claimed = n > 0;
    return rc;
}
