/*
 * demo.h — seeding the demo city (`egret seed-demo`, and `make run` on first
 * start). Every module seeds its own part (its demo.h), in this order, each
 * inside its own transactions and on the audit trail as the "system" actor:
 *
 *   eg_auth_seed_demo        departments, staff accounts, demo worker people/accounts
 *   eg_places_seed_demo      rest stations, service points …
 *   eg_monitoring_seed_demo  platforms, rosters of tens of thousands, 90 days of records
 *   eg_cases_seed_demo       cases in every state
 *   eg_insurance_seed_demo   product, cover-days, claims
 *   (monitoring's indicators and alerts are computed last)
 *
 * The seeding context and its random numbers are in core/demo.h.
 */
#ifndef EG_DEMO_DEMO_H
#define EG_DEMO_DEMO_H

#include "core/config.h"
#include "core/demo.h"
#include "core/status.h"

struct eg_db;

/* Seed everything if the database holds no demo yet. *seeded says whether it did. */
enum eg_status eg_demo_seed(struct eg_db *db, const struct eg_config *cfg, int *seeded);

#endif
