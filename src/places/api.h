/*
 * api.h — what the endpoint files of the places module share: the handlers
 * for the route table (routes.c) — api_places.c (the places themselves),
 * api_checkins.c (a worker checks in), api_usage.c (check-in figures) —
 * and their common helpers (api_common.c). Nothing outside src/places
 * includes it.
 */
#ifndef EG_PLACES_API_H
#define EG_PLACES_API_H

#include <jansson.h>
#include <stdint.h>

#include "core/principal.h"

struct eg_db;
struct eg_req;

/* api_places.c */
void eg_places_api_nearest(struct eg_req *req);
void eg_places_api_list(struct eg_req *req);
void eg_places_api_create(struct eg_req *req);
void eg_places_api_get(struct eg_req *req);
void eg_places_api_patch(struct eg_req *req);
void eg_places_api_archive(struct eg_req *req);
/* api_checkins.c */
void eg_places_api_checkin(struct eg_req *req);
/* api_usage.c */
void eg_places_api_checkins(struct eg_req *req);
void eg_places_api_usage(struct eg_req *req);

/* The audit context of a request. */
struct eg_audit_ctx eg_places_audit_ctx(const struct eg_req *req);

/*
 * Append the audit event `action` about place id, with summary (stolen;
 * NULL: {}) as its details, in the caller's transaction.
 */
enum eg_status eg_places_audit(struct eg_db *db, const struct eg_audit_ctx *ctx, const char *action,
                               int64_t id, json_t *summary);

/* An instant as the API writes it ("2026-01-02T03:04:05Z"), or null for 0. */
json_t *eg_places_instant_json(int64_t t);

/* ?format=json|xlsx: 1 for xlsx, 0 json, -1 after replying 400. */
int eg_places_wants_xlsx(struct eg_req *req);

#endif
