/*
 * api_common.c — what the auth module's endpoints share: the audit context
 * of a request, field error messages and list pagination.
 */
#include "auth/internal.h"

#include <stdio.h>
#include <string.h>

#include "http/http.h"

struct eg_audit_ctx eg_auth_req_ctx(const struct eg_req *req)
{
    struct eg_audit_ctx ctx = {&req->who, req->client_addr, req->request_id};
    return ctx;
}

/* What each field must be, for 400 messages. */
static const struct {
    const char *field;
    const char *invalid;
} field_rules[] = {
    {"login", "login must be 3 to 63 characters of letters, digits and . _ @ -"},
    {"password", "password must be at least 12 characters (and at most 1024 bytes)"},
    {"role", "role is not allowed here"},
    {"department", "department must be the code of an existing department (mediators need one; "
                   "workers and platforms have none)"},
    {"person_id", "person_id must name an existing person (worker accounts only)"},
    {"organisation_id", "organisation_id must name an existing organisation (platform and "
                        "insurer accounts only)"},
    {"display_name", "display_name must be at most 128 characters without control characters"},
    {"name", "name must be non-empty text without control characters"},
    {"id_number", "id_number is not a valid resident ID number (GB 11643: 18 characters, a real "
                  "birth date and the right check character)"},
    {"phone", "phone is not a valid mainland mobile number (11 digits starting 13-19)"},
    {"credit_code", "credit_code is not a valid unified social credit code (GB 32100)"},
    {"code", "code must be 2 to 32 characters of a-z, 0-9 and _"},
    {"kind", "kind is not one of the allowed kinds"},
    {"parent_id", "parent_id must name an existing, unarchived department"},
    {"sector", "sector must be up to 32 characters of a-z, 0-9 and _"},
};

/* What a duplicate of each field means. */
static const struct {
    const char *field;
    const char *message;
} duplicate_rules[] = {
    {"login", "This login is taken."},
    {"id_number", "This ID number already has an account."},
    {"person_id", "This person already has an account."},
    {"credit_code", "An organisation with this credit code exists."},
    {"code", "A department with this code exists."},
};

void eg_auth_reply_field(struct eg_req *req, enum eg_status st, const char *field)
{
    if (field && st == EG_E_INVALID_FIELD) {
        for (size_t i = 0; i < sizeof field_rules / sizeof field_rules[0]; i++)
            if (strcmp(field_rules[i].field, field) == 0) {
                eg_reply_error(req, st, field, "%s", field_rules[i].invalid);
                return;
            }
    }
    if (field && st == EG_E_DUPLICATE) {
        for (size_t i = 0; i < sizeof duplicate_rules / sizeof duplicate_rules[0]; i++)
            if (strcmp(duplicate_rules[i].field, field) == 0) {
                eg_reply_error(req, st, field, "%s", duplicate_rules[i].message);
                return;
            }
    }
    eg_reply_error(req, st, field, NULL);
}

enum eg_status eg_auth_page_args(struct eg_req *req, int64_t *limit, int64_t *cursor)
{
    enum eg_status st = eg_req_query_int(req, "limit", 1, 200, 50, limit);
    if (st != EG_OK) {
        eg_reply_error(req, st, "limit", "limit must be an integer from 1 to 200");
        return st;
    }
    st = eg_req_query_int(req, "cursor", 1, INT64_MAX, 0, cursor);
    if (st != EG_OK) {
        eg_reply_error(req, st, "cursor", "cursor must be a next_cursor from an earlier page");
        return st;
    }
    return EG_OK;
}

void eg_auth_reply_list(struct eg_req *req, json_t *items, int64_t next_cursor)
{
    char buf[24];
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    if (next_cursor > 0) {
        snprintf(buf, sizeof buf, "%lld", (long long)next_cursor);
        json_object_set_new(body, "next_cursor", json_string(buf));
    } else {
        json_object_set_new(body, "next_cursor", json_null());
    }
    eg_reply_json(req, 200, body);
}
