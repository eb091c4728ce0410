/*
 * person_roster.c — the person record under platform rosters: found or
 * created by ID number, and its name and phone taken from a roster only
 * where no verified source set them (person_roster.h has the rule).
 */
#include "auth/person_roster.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/internal.h"
#include "core/arena.h"
#include "core/ident.h"
#include "db/db.h"

#define ROSTER_NAME_MAX_BYTES 100 /* as for any person's name */

/* The person's current name, sources and phone index, and whether he has
 * an account of his own. */
struct person_now {
    char name[ROSTER_NAME_MAX_BYTES + 1];
    char phone_idx[65];
    int name_verified, phone_verified;
};

static enum eg_status person_now(struct eg_db *db, int64_t id, struct person_now *p)
{
    struct eg_stmt *st = NULL;
    int64_t accounts = 0;
    memset(p, 0, sizeof *p);
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT name, name_source, phone_idx, phone_source FROM people "
                                    "WHERE id = ?",
                                    "i", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        eg_stmt_copy_text(st, 0, p->name, sizeof p->name);
        p->name_verified = strcmp(eg_stmt_text(st, 1), "platform") != 0;
        eg_stmt_copy_text(st, 2, p->phone_idx, sizeof p->phone_idx);
        p->phone_verified = strcmp(eg_stmt_text(st, 3), "platform") != 0;
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_BUSY; /* removed meanwhile: the caller's transaction starts over */
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    rc = eg_db_one_i64(db, &accounts, "SELECT COUNT(*) FROM users WHERE person_id = ?", "i", id);
    if (rc == EG_OK && accounts > 0)
        p->name_verified = p->phone_verified = 1; /* he speaks for himself */
    return rc;
}

/* Take the offered name and phone where the rule lets a platform set them. */
static enum eg_status update_person(struct eg_db *db, const struct eg_audit_ctx *ctx, int64_t id,
                                    const struct eg_person_input *in, int offer_name,
                                    int offer_phone, unsigned *what)
{
    const struct eg_keys *keys = eg_keys_global();
    struct person_now now;
    char idx[65], masked[12];
    enum eg_status rc = person_now(db, id, &now);
    if (rc != EG_OK)
        return rc;
    int set_name = offer_name && !now.name_verified && strcmp(now.name, in->name) != 0;
    int has_phone = in->phone && *in->phone;
    int set_phone = 0;
    if (offer_phone && has_phone && !now.phone_verified) {
        char other[65];
        eg_pii_blind_index(keys, "phone:", in->phone, idx);
        eg_pii_blind_index_other(keys, "phone:", in->phone, other);
        set_phone = strcmp(now.phone_idx, idx) != 0 && strcmp(now.phone_idx, other) != 0;
    }
    if (set_name) {
        rc =
            eg_db_run(db, NULL, "UPDATE people SET name = ?, name_source = 'platform' WHERE id = ?",
                      "ti", in->name, id);
        if (rc != EG_OK)
            return rc;
        *what |= EG_PERSON_ROSTER_NAME;
    }
    if (set_phone) {
        struct eg_arena *a = eg_arena_new();
        char *enc = a ? eg_pii_encrypt(keys, a, in->phone) : NULL;
        eg_mask_phone(in->phone, masked);
        rc = enc ? eg_db_run(db, NULL,
                             "UPDATE people SET phone_enc = ?, phone_idx = ?, phone_masked = ?, "
                             "phone_source = 'platform' WHERE id = ?",
                             "ttti", enc, idx, masked, id)
                 : EG_E_INTERNAL;
        eg_arena_destroy(a);
        if (rc != EG_OK)
            return rc;
        *what |= EG_PERSON_ROSTER_PHONE;
    }
    if (!set_name && !set_phone)
        return EG_OK;
    json_t *fields = json_array();
    if (set_name)
        json_array_append_new(fields, json_string("name"));
    if (set_phone)
        json_array_append_new(fields, json_string("phone"));
    return eg_auth_audit(db, ctx, "person.update", "person", id,
                         json_pack("{s:o, s:s}", "fields", fields, "source", "roster"));
}

enum eg_status eg_person_from_roster(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                     const struct eg_person_input *in, int offer_name,
                                     int offer_phone, int64_t *person_id, unsigned *what,
                                     const char **field)
{
    enum eg_status rc;
    int created = 0;
    *person_id = 0;
    *what = 0;
    *field = NULL;
    if (!eg_keys_global())
        return EG_E_INTERNAL;
    if (!eg_auth_text_ok(in->name, ROSTER_NAME_MAX_BYTES)) {
        *field = "name";
        return EG_E_INVALID_FIELD;
    }
    if (in->phone && *in->phone && eg_phone_check(in->phone) != EG_OK) {
        *field = "phone";
        return EG_E_INVALID_FIELD;
    }
    rc = eg_person_find_by_id_number(db, in->id_number, person_id);
    if (rc == EG_OK)
        return update_person(db, ctx, *person_id, in, offer_name, offer_phone, what);
    if (rc != EG_E_NOT_FOUND)
        return rc;
    rc = eg_auth_person_upsert(db, ctx, in, person_id, &created, field);
    if (rc != EG_OK)
        return rc;
    if (!created) /* inserted meanwhile by someone else: on file now */
        return update_person(db, ctx, *person_id, in, offer_name, offer_phone, what);
    *what = EG_PERSON_ROSTER_CREATED;
    return eg_db_run(db, NULL,
                     "UPDATE people SET name_source = 'platform', phone_source = 'platform' WHERE "
                     "id = ?",
                     "i", *person_id);
}
