/*
 * accounts.h — people, organisations, departments and user accounts.
 *
 * People hold personal data: the resident ID number and phone are stored
 * encrypted (crypto.h) with a blind index for look-ups and a masked copy for
 * lists. Reading the full values is logged on the audit trail.
 * All writes here must run inside eg_db_tx() and write the audit trail.
 */
#ifndef EG_AUTH_ACCOUNTS_H
#define EG_AUTH_ACCOUNTS_H

#include <stdint.h>
#include "core/status.h"
#include "core/arena.h"
#include "core/principal.h"
#include "auth/audit.h"

struct eg_db;

struct eg_person_input {
    const char *name;
    const char *id_number; /* validated GB 11643; required */
    const char *phone;     /* validated mobile number, or NULL */
};

/*
 * Find the person with this ID number (via the blind index) or create one.
 * Validates the ID (EG_E_INVALID_FIELD) and phone. *created says which.
 * Inside a transaction; audited when created.
 */
enum eg_status eg_person_upsert(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                const struct eg_person_input *in, int64_t *person_id, int *created);

/* The person with this ID number, via the blind index: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_person_find_by_id_number(struct eg_db *db, const char *id_number,
                                           int64_t *person_id);

/* A person as JSON text for output, masked: {"id","name","id_number_masked",
 * "phone_masked","birth_date","age","gender"}; full=1 adds "id_number" and "phone"
 * decrypted and writes a "person.pii_read" audit event (in the caller's
 * transaction, or in one of its own when none is open). *out is a new
 * reference the caller owns; decrypted text lives in the arena a. */
struct json_t;
enum eg_status eg_person_json(struct eg_db *db, struct eg_arena *a, const struct eg_audit_ctx *ctx,
                              int64_t person_id, int full, struct json_t **out);

struct eg_user_input {
    const char *login;
    const char *password;
    enum eg_role role;
    const char *department_code; /* staff; NULL otherwise */
    int64_t person_id;           /* workers; 0 otherwise */
    int64_t organisation_id;     /* platform / insurer users; 0 otherwise */
    const char *display_name;
};

/* Create a user (argon2id password). EG_E_DUPLICATE for a taken login,
 * EG_E_INVALID_FIELD for a password shorter than 12 characters or a bad
 * department, EG_E_WEAK_PASSWORD for a common one (password_policy.h). Audited. */
enum eg_status eg_user_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                              const struct eg_user_input *in, int64_t *user_id);

/* Set a new password (checked by password_policy.h: EG_E_INVALID_FIELD,
 * EG_E_WEAK_PASSWORD) and revoke the user's sessions. Audited. */
enum eg_status eg_user_set_password(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                    const char *login, const char *password);

/* Disable (1) or enable (0) an account; disabling revokes its sessions. Audited. */
enum eg_status eg_user_set_disabled(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                    const char *login, int disabled);

/* A department's id and path by code: EG_OK or EG_E_NOT_FOUND. */
enum eg_status eg_department_by_code(struct eg_db *db, const char *code, int64_t *id,
                                     char path[128]);

/* Seed the department tree (the centre, named after city_name, its 27 member
 * departments and the six district sub-centres) if it is empty. Audited.
 * `egret migrate` runs it, so every deployment starts with the tree. */
enum eg_status eg_departments_seed(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                   const char *city_name);

/* Create an organisation (validated credit code, EG_E_DUPLICATE if taken). Audited. */
enum eg_status eg_organisation_create(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                      const char *name, const char *credit_code, const char *kind,
                                      const char *sector, int64_t *id);

/* Issue an API key for an organisation (or a department when org_id is 0):
 * the key text is written to key_out once and only its hash is stored. Audited. */
enum eg_status eg_api_key_issue(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                int64_t organisation_id, int64_t department_id, const char *label,
                                char key_out[64], int64_t *key_id);

#endif
