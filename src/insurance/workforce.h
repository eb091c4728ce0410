/*
 * workforce.h — what insurance asks of the platforms' workforce: their
 * rosters and who worked on a day. The monitoring module keeps those, and it
 * sits above insurance in the module order, so insurance cannot call it;
 * the program hands monitoring's answers in at start-up (app/wiring.c).
 * Without them (a unit test, a tool that links insurance alone) insurance
 * works by itself: a platform's enrolment is not checked against a roster,
 * the active-worker figures read "unknown" and the demo picks anyone.
 */
#ifndef EG_INSURANCE_WORKFORCE_H
#define EG_INSURANCE_WORKFORCE_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"
#include "core/time.h"

struct eg_db;

struct eg_ins_workforce {
    /* *on = 1 when person_id is on platform org_id's roster and has not left. */
    enum eg_status (*on_roster)(struct eg_db *db, int64_t org_id, int64_t person_id, int *on);
    /*
     * The people who worked on day (each counted once) in *active; in
     * *covered (may be NULL) how many of them had cover that day.
     */
    enum eg_status (*active_people)(struct eg_db *db, eg_day day, int64_t *active,
                                    int64_t *covered);
    /*
     * Up to max people on some roster, lowest person id first, with one of
     * their platforms: person_ids[i], platform_ids[i], *n of them. For the demo.
     */
    enum eg_status (*roster_sample)(struct eg_db *db, size_t max, int64_t *person_ids,
                                    int64_t *platform_ids, size_t *n);
};

/* Install w (kept by pointer; static storage) before serving; NULL removes it. */
void eg_insurance_set_workforce(const struct eg_ins_workforce *w);

/* The installed answers, or NULL (insurance's own files only). */
const struct eg_ins_workforce *eg_ins_workforce(void);

#endif
