/* Demo data for the insurance module (see src/demo/demo.h). */
#include "demo/demo.h"

enum eg_status eg_insurance_seed_demo(struct eg_demo *d)
{
    (void)d;
    return EG_OK;
}
