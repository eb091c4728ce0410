/*
 * api.h — the places module's endpoints (api.c), gathered into the route
 * table in routes.c. Nothing outside src/places includes it.
 */
#ifndef EG_PLACES_API_H
#define EG_PLACES_API_H

struct eg_req;

void eg_places_api_nearest(struct eg_req *req);
void eg_places_api_list(struct eg_req *req);
void eg_places_api_create(struct eg_req *req);
void eg_places_api_get(struct eg_req *req);
void eg_places_api_patch(struct eg_req *req);
void eg_places_api_archive(struct eg_req *req);
void eg_places_api_checkin(struct eg_req *req);
void eg_places_api_checkins(struct eg_req *req);
void eg_places_api_usage(struct eg_req *req);

#endif
