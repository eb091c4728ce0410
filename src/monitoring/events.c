/*
 * events.c — monitoring listens to the other pillars (monitoring.h,
 * core/events.h): a case filed or a claim reported or moved changes the
 * figures of the day it counts under, so that day is queued in
 * mon_refresh_days, in the transaction of the change, for the next daily job
 * to refresh — also when it lies before the week the job refreshes anyway.
 */
#include "monitoring/monitoring.h"

#include "core/events.h"
#include "db/db.h"

enum eg_status eg_monitoring_on_event(struct eg_db *db, const struct eg_event *ev, void *ctx)
{
    char d[11];

    (void)ctx;
    if (ev->day <= 0)
        return EG_OK;
    eg_date_format(ev->day, d);
    /* Idempotent: a retried transaction queues the same day again harmlessly. */
    return eg_db_run(db, NULL,
                     "INSERT INTO mon_refresh_days (day, first_reason, queued_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (day) DO NOTHING",
                     "tti", d, eg_event_kind_name(ev->kind), ev->at);
}
