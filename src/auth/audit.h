/*
 * audit.h — the audit trail (全程留痕): an append-only, hash-chained log.
 *
 * Every state change calls eg_audit_append() inside the same transaction as
 * the change, so either both happen or neither. Each event's hash is
 * BLAKE2b-256 over the previous event's hash and the event's own fields in a
 * fixed length-prefixed encoding; the chain head is kept in the audit_head
 * row, whose update also serialises concurrent writers on PostgreSQL.
 */
#ifndef EG_AUTH_AUDIT_H
#define EG_AUTH_AUDIT_H

#include <stdint.h>
#include <stddef.h>
#include "core/status.h"
#include "core/principal.h"

struct eg_db;

struct eg_audit_event {
    int64_t seq;            /* 1, 2, 3 … */
    int64_t at;             /* Unix seconds */
    int64_t actor_user_id;  /* 0 for the system or an API key */
    const char *actor;      /* login, "key:<prefix>" or "system" */
    const char *actor_role; /* role name */
    const char *action;     /* "case.transition", "user.create" … */
    const char *entity;     /* "case", "user" … */
    const char *entity_id;  /* the row id as text */
    const char *summary;    /* JSON text describing the change (no raw personal data) */
    const char *address;    /* client address, "" for the command line */
    const char *request_id; /* "" for the command line */
    char prev_hash[65];     /* hex */
    char hash[65];          /* hex */
};

/* struct eg_audit_ctx, the context of a change, is in core/principal.h. */

/*
 * Append an event. Must be called inside eg_db_tx(). summary_json is a
 * JSON text (may be NULL for "{}"). Returns EG_OK or the database error.
 */
enum eg_status eg_audit_append(struct eg_db *db, const struct eg_audit_ctx *ctx, const char *action,
                               const char *entity, const char *entity_id, const char *summary_json);

/* Compute an event's hash from its fields and prev_hash (hex out, 65 bytes). */
void eg_audit_hash(const struct eg_audit_event *ev, char out[65]);

/*
 * Verify the whole chain in order. EG_OK with *count events checked, or
 * EG_E_CONFLICT with *first_bad the seq of the first event whose stored hash,
 * prev_hash or sequence does not follow (a gap, an edit, a deletion).
 */
enum eg_status eg_audit_verify(struct eg_db *db, int64_t *count, int64_t *first_bad);

#endif
