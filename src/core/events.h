/*
 * events.h — a module says that something happened without knowing who
 * listens: the seam between pillars that must react to each other's
 * changes (a case filed or a claim reported changes the day's indicators)
 * and the seam the notification outbox hangs on.
 *
 * A publisher calls eg_event_publish() inside the transaction of its change,
 * on the same connection; every subscriber runs there and then, so what it
 * writes commits or rolls back with the change, and a retried transaction
 * publishes again (subscribers must be idempotent: an upsert, a queue row
 * keyed by what it is about). Subscriptions are made once, by the program
 * at start-up (app/wiring.c), before any thread runs; publishing only
 * reads them.
 */
#ifndef EG_CORE_EVENTS_H
#define EG_CORE_EVENTS_H

#include <stdint.h>
#include "core/status.h"
#include "core/time.h"

struct eg_db;

enum eg_event_kind {
    EG_EVENT_CASE_FILED,     /* a case was submitted (day: the filing date) */
    EG_EVENT_CLAIM_REPORTED, /* an injury claim was reported (day: the incident date) */
    EG_EVENT_CLAIM_MOVED,    /* a claim changed state (day: the incident date) */
    EG_EVENT_KIND_COUNT
};

struct eg_event {
    enum eg_event_kind kind;
    int64_t id;        /* the case's or claim's id */
    int64_t person_id; /* the worker it is about, 0 if none */
    int64_t org_id;    /* the platform or company concerned, 0 if none */
    eg_day day;        /* the business date it counts under (see the kinds) */
    int64_t at;        /* Unix seconds of the change */
};

typedef enum eg_status (*eg_event_fn)(struct eg_db *db, const struct eg_event *ev, void *ctx);

/* The name of a kind ("case.filed", "claim.reported", "claim.moved"). */
const char *eg_event_kind_name(enum eg_event_kind kind);

/* Listen for kind. At start-up only; EG_E_INTERNAL when the table is full. */
enum eg_status eg_event_subscribe(enum eg_event_kind kind, eg_event_fn fn, void *ctx);

/* Forget every subscription (tests). */
void eg_event_reset(void);

/* Whether anything listens for kind (so a publisher can skip gathering the event). */
int eg_event_wanted(enum eg_event_kind kind);

/*
 * Run every subscriber of ev->kind, in subscription order, on db (inside the
 * publisher's transaction). The first error stops the rest and is returned:
 * the publisher's transaction then rolls back.
 */
enum eg_status eg_event_publish(struct eg_db *db, const struct eg_event *ev);

#endif
