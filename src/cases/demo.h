/*
 * demo.h — this module's part of the demo city: cases in every state.
 * demo/seed.c calls it in its turn.
 */
#ifndef EG_CASES_DEMO_H
#define EG_CASES_DEMO_H

#include "core/demo.h"

/* Seed cases in every state. */
enum eg_status eg_cases_seed_demo(struct eg_demo *d);

#endif
