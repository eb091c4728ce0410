/*
 * events.c — the subscriptions and their dispatch (events.h). A fixed table:
 * a handful of subscribers, written at start-up and only read afterwards.
 */
#include "core/events.h"

#include <assert.h>
#include <string.h>

#define MAX_SUBSCRIBERS 32

static struct {
    enum eg_event_kind kind;
    eg_event_fn fn;
    void *ctx;
} subs[MAX_SUBSCRIBERS];
static int nsubs;

const char *eg_event_kind_name(enum eg_event_kind kind)
{
    switch (kind) {
    case EG_EVENT_CASE_FILED:
        return "case.filed";
    case EG_EVENT_CLAIM_REPORTED:
        return "claim.reported";
    case EG_EVENT_CLAIM_MOVED:
        return "claim.moved";
    case EG_EVENT_KIND_COUNT:
        break;
    }
    return "unknown";
}

enum eg_status eg_event_subscribe(enum eg_event_kind kind, eg_event_fn fn, void *ctx)
{
    assert(fn && kind < EG_EVENT_KIND_COUNT);
    if (nsubs == MAX_SUBSCRIBERS)
        return EG_E_INTERNAL;
    subs[nsubs].kind = kind;
    subs[nsubs].fn = fn;
    subs[nsubs].ctx = ctx;
    nsubs++;
    return EG_OK;
}

void eg_event_reset(void)
{
    memset(subs, 0, sizeof subs);
    nsubs = 0;
}

int eg_event_wanted(enum eg_event_kind kind)
{
    for (int i = 0; i < nsubs; i++)
        if (subs[i].kind == kind)
            return 1;
    return 0;
}

enum eg_status eg_event_publish(struct eg_db *db, const struct eg_event *ev)
{
    assert(ev && ev->kind < EG_EVENT_KIND_COUNT);
    for (int i = 0; i < nsubs; i++) {
        if (subs[i].kind != ev->kind)
            continue;
        enum eg_status rc = subs[i].fn(db, ev, subs[i].ctx);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}
