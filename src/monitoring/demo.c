/* Demo data for the monitoring module (see src/demo/demo.h). */
#include "demo/demo.h"

enum eg_status eg_monitoring_seed_demo(struct eg_demo *d)
{
    (void)d;
    return EG_OK;
}

enum eg_status eg_monitoring_seed_demo_finish(struct eg_demo *d)
{
    (void)d;
    return EG_OK;
}
