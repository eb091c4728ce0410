/*
 * demo.h — this module's part of the demo city: a product, cover-days and claims.
 * demo/seed.c calls it in its turn.
 */
#ifndef EG_INSURANCE_DEMO_H
#define EG_INSURANCE_DEMO_H

#include "core/demo.h"

/* Seed a product, cover-days and claims. */
enum eg_status eg_insurance_seed_demo(struct eg_demo *d);

#endif
