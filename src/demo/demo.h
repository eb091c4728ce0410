/*
 * demo.h — seeding the demo city (`egret seed-demo`, and `make run` on first
 * start). Every module seeds its own part, in this order, each inside its
 * own transactions and on the audit trail as the "system" actor:
 *
 *   eg_auth_seed_demo        departments, staff accounts, demo worker people/accounts
 *   eg_places_seed_demo      rest stations, service points …
 *   eg_monitoring_seed_demo  platforms, rosters of tens of thousands, 90 days of records
 *   eg_cases_seed_demo       cases in every state
 *   eg_insurance_seed_demo   product, cover-days, claims
 *   (monitoring's indicators and alerts are computed last)
 *
 * The data is synthetic and reproducible: every module draws from
 * eg_demo_rand() seeded from a fixed value.
 */
#ifndef EG_DEMO_DEMO_H
#define EG_DEMO_DEMO_H

#include <stdint.h>
#include "core/status.h"
#include "core/config.h"
#include "core/time.h"
#include "auth/audit.h"

struct eg_db;

/* Every demo account's password (printed by `make run`). */
#define EG_DEMO_PASSWORD "egret-city-demo"

struct eg_demo {
    struct eg_db *db;
    const struct eg_config *cfg;
    eg_day today; /* the Shanghai date the demo is seeded on */
    int64_t now;  /* Unix seconds at seeding */
    uint64_t rng; /* state of eg_demo_rand() */
    int scale;    /* 1 = full demo; tests use smaller data via EGRET_DEMO_SCALE=small (0) */
    struct eg_audit_ctx audit; /* the "system" actor */
};

/* A reproducible pseudo-random number (xorshift64*), for demo data only. */
uint64_t eg_demo_rand(struct eg_demo *d);

/* A uniformly drawn integer in [lo, hi]. */
int64_t eg_demo_between(struct eg_demo *d, int64_t lo, int64_t hi);

/* A valid synthetic resident ID number for the n-th demo person born on birth
 * in region (e.g. "350203"); writes 18 characters and a NUL. */
void eg_demo_id_number(const char *region, eg_day birth, int n, char out[19]);

/* Seed everything if the database holds no demo yet. *seeded says whether it did. */
enum eg_status eg_demo_seed(struct eg_db *db, const struct eg_config *cfg, int *seeded);

/* Module seeders (each in its own module). */
enum eg_status eg_auth_seed_demo(struct eg_demo *d);
enum eg_status eg_places_seed_demo(struct eg_demo *d);
enum eg_status eg_monitoring_seed_demo(struct eg_demo *d);
enum eg_status eg_cases_seed_demo(struct eg_demo *d);
enum eg_status eg_insurance_seed_demo(struct eg_demo *d);
enum eg_status eg_monitoring_seed_demo_finish(struct eg_demo *d); /* indicators, alerts */

#endif
