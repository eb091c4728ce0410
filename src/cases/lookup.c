/* lookup.c — the cases module's records as other modules may ask of them (lookup.h). */
#include "cases/lookup.h"

#include <assert.h>

#include "db/db.h"

enum eg_status eg_cases_exists(struct eg_db *db, int64_t id, int *exists)
{
    int64_t n = 0;

    assert(db && exists);
    enum eg_status rc = eg_db_one_i64(db, &n, "SELECT COUNT(*) FROM cases WHERE id = ?", "i", id);
    *exists = rc == EG_OK && n > 0;
    return rc;
}

enum eg_status eg_cases_injury_cases(struct eg_db *db, size_t max, int64_t *ids,
                                     int64_t *applicants, size_t *n)
{
    struct eg_stmt *st = NULL;

    assert(db && ids && applicants && n);
    *n = 0;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT id, applicant_person_id FROM cases WHERE case_type = "
                                    "'occupational_injury' ORDER BY id LIMIT ?",
                                    "i", (int64_t)max);
    while (eg_db_next(st, &rc)) {
        ids[*n] = eg_stmt_i64(st, 0);
        applicants[*n] = eg_stmt_i64(st, 1);
        (*n)++;
    }
    eg_stmt_done(st);
    return rc;
}
