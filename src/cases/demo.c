/* Demo data for the cases module (see src/demo/demo.h). */
#include "demo/demo.h"

enum eg_status eg_cases_seed_demo(struct eg_demo *d)
{
    (void)d;
    return EG_OK;
}
