/*
 * fuzz_json_body.c — request bodies as an attacker sends them: parse with
 * eg_json_parse_body() and check against a spec with nested objects and
 * arrays of objects, then read it back with the getters. Must never crash,
 * leak or report an error without a message.
 *
 *   cmake -S . -B build-fuzz -DEGRET_FUZZ=ON -DCMAKE_C_COMPILER=clang
 *   cmake --build build-fuzz --target fuzz_json_body
 *   ./build-fuzz/fuzz_json_body -max_total_time=300
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/fields.h"
#include "core/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const categories[] = {"pay", "injury_medical", "fine_refund", "other", NULL};

static const struct eg_field amount[] = {
    {"category", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, categories, NULL, NULL},
    {"amount_fen", EG_FT_MONEY, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"due_on", EG_FT_DATE, EG_F_NULLABLE, 0, 0, 0, NULL, NULL, NULL},
    {0},
};
static const struct eg_field amount_item = {"", EG_FT_OBJECT, 0, 0, 0, 0, NULL, amount, NULL};
static const struct eg_field tag_item = {"", EG_FT_STRING, EG_F_NULLABLE, 16,  0,
                                         0,  NULL,         NULL,          NULL};
static const struct eg_field int_item = {"", EG_FT_INT, 0, 0, -5, 5, NULL, NULL, NULL};
static const struct eg_field row_item = {"", EG_FT_ARRAY, 0, 4, 0, 0, NULL, NULL, &int_item};

static const struct eg_field place[] = {
    {"district", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"lat_e6", EG_FT_INT, 0, 0, -90000000, 90000000, NULL, NULL, NULL},
    {"tags", EG_FT_ARRAY, 0, 8, 0, 0, NULL, NULL, &tag_item},
    {0},
};

static const struct eg_field spec[] = {
    {"facts", EG_FT_STRING, EG_F_REQUIRED, 2000, 0, 0, NULL, NULL, NULL},
    {"incident_on", EG_FT_DATE, 0, 0, 0, 0, NULL, NULL, NULL},
    {"occurred_at", EG_FT_INSTANT, 0, 0, 0, 0, NULL, NULL, NULL},
    {"urgent", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {"count", EG_FT_INT, 0, 0, 0, 0, NULL, NULL, NULL},
    {"place", EG_FT_OBJECT, EG_F_NULLABLE, 0, 0, 0, NULL, place, NULL},
    {"claims", EG_FT_ARRAY, 0, 20, 0, 0, NULL, NULL, &amount_item},
    {"matrix", EG_FT_ARRAY, 0, 4, 0, 0, NULL, NULL, &row_item},
    {"meta", EG_FT_OBJECT, 0, 0, 0, 0, NULL, NULL, NULL},
    {"any", EG_FT_ANY, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_field_error err;
    json_t *body = NULL;
    enum eg_status st;

    st = eg_json_parse_body((const char *)data, size, &body, &err);
    if (st != EG_OK) {
        if (body != NULL || err.message[0] == '\0')
            abort();
        return 0;
    }
    st = eg_fields_check(body, spec, &err);
    if (st != EG_OK) {
        /* Every error names a status and says why; the path is always
         * text that can go back to the client in a JSON string. */
        if (err.status != st || err.message[0] == '\0' ||
            !eg_utf8_valid(err.field, strlen(err.field)) || strlen(err.field) >= sizeof(err.field))
            abort();
    } else {
        const char *facts = eg_json_str(body, "facts", NULL);

        if (facts == NULL || facts[0] == '\0')
            abort();
        (void)eg_json_int(body, "count", 0);
        (void)eg_json_bool(body, "urgent", 0);
    }
    json_decref(body);
    return 0;
}
