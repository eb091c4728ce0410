/*
 * demo.h — what every module's demo seeder shares: the seeding context and
 * its reproducible random numbers. It sits in core so that each module can
 * seed its own part of the demo city while only `demo/seed.c`, above every
 * module, calls the seeders (demo/demo.h lists their order).
 *
 * The data is synthetic and reproducible: every module draws from
 * eg_demo_rand() seeded from a fixed value.
 */
#ifndef EG_CORE_DEMO_H
#define EG_CORE_DEMO_H

#include <stdint.h>
#include "core/config.h"
#include "core/principal.h"
#include "core/status.h"
#include "core/time.h"

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

#endif
