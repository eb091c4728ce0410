/*
 * lookup.h — what other modules may ask of the cases module's records, so
 * that none of them names the cases table in its own SQL (cases/lookup.c).
 */
#ifndef EG_CASES_LOOKUP_H
#define EG_CASES_LOOKUP_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"

struct eg_db;

/* *exists = 1 when a case with this id exists. */
enum eg_status eg_cases_exists(struct eg_db *db, int64_t id, int *exists);

/*
 * Up to max occupational-injury cases, lowest id first: ids[i] and their
 * applicants' person ids applicants[i], *n of them.
 */
enum eg_status eg_cases_injury_cases(struct eg_db *db, size_t max, int64_t *ids,
                                     int64_t *applicants, size_t *n);

#endif
