/*
 * wiring.c — the connections between modules that only the program may
 * make (wiring.h). Each is a lower module's table of functions filled with a
 * higher module's published answers.
 */
#include "app/wiring.h"

#include "core/events.h"
#include "core/log.h"
#include "insurance/workforce.h"
#include "monitoring/monitoring.h"

/* Insurance asks for the platforms' rosters and the day's active workers; monitoring keeps them. */
static const struct eg_ins_workforce workforce = {
    .on_roster = eg_monitoring_on_roster,
    .active_people = eg_monitoring_active_people,
    .roster_sample = eg_monitoring_roster_sample,
};

/* Monitoring's figures follow the cases filed and the claims reported or moved. */
static const enum eg_event_kind monitoring_hears[] = {
    EG_EVENT_CASE_FILED,
    EG_EVENT_CLAIM_REPORTED,
    EG_EVENT_CLAIM_MOVED,
};

void eg_app_wire(void)
{
    eg_insurance_set_workforce(&workforce);
    eg_event_reset();
    for (size_t i = 0; i < sizeof monitoring_hears / sizeof *monitoring_hears; i++)
        if (eg_event_subscribe(monitoring_hears[i], eg_monitoring_on_event, NULL) != EG_OK)
            eg_log(EG_LOG_ERROR, "event=subscribe_failed kind=%s",
                   eg_event_kind_name(monitoring_hears[i]));
}
