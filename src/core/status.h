/*
 * status.h — egret's status codes.
 *
 * Every function that can fail returns an enum eg_status: EG_OK (0) on
 * success, EG_ROW / EG_DONE for statement stepping, or one of the public
 * error codes of errors.def (EG_E_<NAME>), each of which maps to an HTTP
 * status and a stable API code string.
 */
#ifndef EG_CORE_STATUS_H
#define EG_CORE_STATUS_H

enum eg_status {
    EG_OK = 0,
    EG_ROW,  /* a statement produced a row */
    EG_DONE, /* a statement has no more rows */
#define EG_ERROR(name, http, code, msg) EG_E_##name,
#include "core/errors.def"
#undef EG_ERROR
    EG_STATUS_COUNT
};

/* The HTTP status an error maps to (200 for EG_OK, 500 if unknown). */
int eg_status_http(enum eg_status st);

/* The stable API code string, e.g. "not_found" ("ok" for EG_OK). */
const char *eg_status_code(enum eg_status st);

/* The default English message for the status. */
const char *eg_status_message(enum eg_status st);

/* True for errors worth retrying a transaction on (busy, serialization). */
static inline int eg_status_is_soft(enum eg_status st)
{
    return st == EG_E_BUSY;
}

#endif
