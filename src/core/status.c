#include "core/status.h"

struct entry {
    int http;
    const char *code;
    const char *message;
};

static const struct entry table[EG_STATUS_COUNT] = {
    [EG_OK] = {200, "ok", "OK"},
    [EG_ROW] = {200, "row", "a row"},
    [EG_DONE] = {200, "done", "no more rows"},
#define EG_ERROR(name, http, code, msg) [EG_E_##name] = {http, code, msg},
#include "core/errors.def"
#undef EG_ERROR
};

int eg_status_http(enum eg_status st)
{
    if ((unsigned)st >= EG_STATUS_COUNT)
        return 500;
    return table[st].http;
}

const char *eg_status_code(enum eg_status st)
{
    if ((unsigned)st >= EG_STATUS_COUNT)
        return "internal";
    return table[st].code;
}

const char *eg_status_message(enum eg_status st)
{
    if ((unsigned)st >= EG_STATUS_COUNT)
        return "An internal error occurred.";
    return table[st].message;
}
