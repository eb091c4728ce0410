/*
 * demo.h — this module's part of the demo city (demo/seed.c calls both in
 * their turn).
 */
#ifndef EG_MONITORING_DEMO_H
#define EG_MONITORING_DEMO_H

#include "core/demo.h"

/* Seed platforms, rosters of tens of thousands and 90 days of records. */
enum eg_status eg_monitoring_seed_demo(struct eg_demo *d);

/* Compute the indicators and alerts of the seeded records; runs last. */
enum eg_status eg_monitoring_seed_demo_finish(struct eg_demo *d);

#endif
