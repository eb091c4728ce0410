/*
 * demo.h — this module's part of the demo city: departments, staff accounts, demo workers.
 * demo/seed.c calls it in its turn.
 */
#ifndef EG_AUTH_DEMO_H
#define EG_AUTH_DEMO_H

#include "core/demo.h"

/* Seed departments, staff accounts and the demo workers' people and accounts. */
enum eg_status eg_auth_seed_demo(struct eg_demo *d);

#endif
