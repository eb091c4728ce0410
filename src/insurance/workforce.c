/*
 * workforce.c — the workforce answers installed by the program
 * (workforce.h). Set once at start-up, before any thread runs, and only read
 * after, so a plain pointer is enough.
 */
#include "insurance/workforce.h"

static const struct eg_ins_workforce *installed;

void eg_insurance_set_workforce(const struct eg_ins_workforce *w)
{
    installed = w;
}

const struct eg_ins_workforce *eg_ins_workforce(void)
{
    return installed;
}
