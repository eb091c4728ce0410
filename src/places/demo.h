/*
 * demo.h — this module's part of the demo city: rest stations, service points and other places.
 * demo/seed.c calls it in its turn.
 */
#ifndef EG_PLACES_DEMO_H
#define EG_PLACES_DEMO_H

#include "core/demo.h"

/* Seed the demo city's places. */
enum eg_status eg_places_seed_demo(struct eg_demo *d);

#endif
