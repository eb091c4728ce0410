/* The cases module's route table (see src/app/routes.h). */
#include "http/http.h"
#include "auth/principal.h"

const struct eg_route eg_cases_routes[] = {
    {0},
};
