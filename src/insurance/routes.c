/* The insurance module's route table (see src/app/routes.h). */
#include "http/http.h"
#include "auth/principal.h"

const struct eg_route eg_insurance_routes[] = {
    {0},
};
