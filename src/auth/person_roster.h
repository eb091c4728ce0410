/*
 * person_roster.h — what a platform's roster may change on a person record.
 *
 * A person is known to egret through several sources: the person himself
 * (his own account), staff (entered at a window), and the rosters of every
 * platform he works for. The rule for the name and the phone on the person
 * record (docs/monitoring-feeds.md, "Rosters"):
 *
 *   - a value set by a verified source wins over any platform: the person
 *     has an account of his own, or the value was set by staff or by him
 *     (people.name_source / phone_source = 'verified');
 *   - otherwise the person record takes the value a platform's roster
 *     brought most recently (a new entry, or a change to that platform's
 *     entry), and marks it 'platform';
 *   - an empty phone never erases one on file.
 *
 * Each platform's own roster entry keeps what that platform sent
 * (monitoring's mon_roster); this header is only about the shared record.
 */
#ifndef EG_AUTH_PERSON_ROSTER_H
#define EG_AUTH_PERSON_ROSTER_H

#include <stdint.h>
#include "core/status.h"
#include "auth/accounts.h"
#include "auth/audit.h"

struct eg_db;

/* What eg_person_from_roster did to the person record. */
enum {
    EG_PERSON_ROSTER_CREATED = 1,
    EG_PERSON_ROSTER_NAME = 2,  /* the name changed */
    EG_PERSON_ROSTER_PHONE = 4, /* the phone changed */
};

/*
 * The person of a roster entry: found by the ID number's blind index, or
 * created with the roster's name and phone (both marked 'platform'). For a
 * person on file, the name is offered when offer_name is set and the phone
 * when offer_phone is set (the platform's entry is new or that field of it
 * changed), and taken under the rule above. Inside the caller's
 * transaction; a change is audited ("person.update", field names only).
 * EG_E_INVALID_FIELD with *field ("name", "id_number" or "phone") for bad
 * input. *what gets EG_PERSON_ROSTER_* bits.
 */
enum eg_status eg_person_from_roster(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                     const struct eg_person_input *in, int offer_name,
                                     int offer_phone, int64_t *person_id, unsigned *what,
                                     const char **field);

#endif
