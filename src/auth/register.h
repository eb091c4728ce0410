/*
 * register.h — self-registration of workers, with proof of identity when
 * the ID number belongs to a person already on file.
 *
 * A brand-new ID number registers at once: the person and the worker
 * account are made together. An ID number that is already on file (a
 * complaint taken at the window, a cover-day bought by a platform) makes
 * no account: it makes a pending registration, and the account is created
 * and linked to that person only after proof — the one-time code sent to
 * the phone ON FILE (otp.h; never a phone the registrant gives), or a staff
 * member at a window checking the ID card (audited as in_person). Until
 * then the registrant can neither sign in nor see anything of the record,
 * and the record itself (its phone above all) is not changed.
 *
 * Registration attempts are throttled per client address and per ID number
 * (security.register_*). The SQL is in store_register.c; the endpoints in
 * api_register.c.
 */
#ifndef EG_AUTH_REGISTER_H
#define EG_AUTH_REGISTER_H

#include <stdint.h>

#include "auth/audit.h"
#include "auth/otp.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/status.h"

struct eg_db;

/* How long a pending registration waits for its proof. */
#define EG_REGISTER_PENDING_TTL_S (7 * 86400)

/*
 * Count one registration attempt against the client address and the ID
 * number's blind index; EG_E_THROTTLED (nothing recorded) when either has
 * reached its limit within the window. In a transaction of its own.
 */
enum eg_status eg_register_throttle(struct eg_db *db, const struct eg_config *cfg,
                                    const char *address, const char *idn_idx, int64_t now);

/* A registration as checked by the endpoint (password already hashed). */
struct eg_register_input {
    const char *login, *password_hash, *name, *id_number, *phone;
    const char *idn_idx;       /* blind index of the normalised ID number */
    const char *idn_idx_other; /* the same under the key a rotation replaces (or idn_idx) */
    int send_code;             /* 1 when an SMS gateway is configured */
};

/* What a registration step produced. Strings live in the arena given. */
struct eg_register_outcome {
    int pending;                  /* 1: verification required (registration_id set) */
    int64_t registration_id;      /* the pending registration */
    int64_t user_id;              /* the account, once made */
    int64_t person_id;            /* the person it is linked to, once made */
    char code[EG_OTP_DIGITS + 1]; /* a code to send now ("" = none) */
    const char *phone_enc;        /* the phone on file, encrypted, when a code is to be sent */
    int64_t code_expires_at;      /* of the code to send */
    int64_t retry_after;          /* seconds, with EG_E_THROTTLED */
    enum eg_otp_verdict verdict;  /* eg_register_verify_code: the code's verdict */
    const char *field;            /* the bad input field with EG_E_INVALID_FIELD / EG_E_DUPLICATE */
};

/*
 * Register: a new person and account (pending 0), or a pending
 * registration for the existing person with this ID number (pending 1; with
 * a code to send when in->send_code and a phone is on file). EG_E_DUPLICATE
 * with field "login" (taken, also by a pending registration) or
 * "id_number" (the person already has an account). Audited. Own transaction.
 */
enum eg_status eg_register_begin(struct eg_db *db, struct eg_arena *a,
                                 const struct eg_audit_ctx *ctx, const struct eg_register_input *in,
                                 struct eg_register_outcome *out);

/*
 * Check a code for a pending registration. EG_OK with out->verdict: on
 * EG_OTP_OK the account is made and linked (out->user_id, person_id) and
 * the code is spent; on EG_OTP_WRONG the wrong try is counted (and kept).
 * EG_E_NOT_FOUND for no such pending registration; EG_E_DUPLICATE when the
 * login or the person was taken meanwhile. Audited. Own transaction.
 */
enum eg_status eg_register_verify_code(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                       int64_t registration_id, const char *code, int64_t now,
                                       struct eg_register_outcome *out);

/*
 * A staff member has seen the person's ID card at a window: make the
 * account of pending registration registration_id, which must claim
 * person_id (else EG_E_NOT_FOUND). EG_E_CONFLICT when it is no longer
 * pending or has lapsed. Audited with method "in_person" and the staff
 * member as actor. Own transaction.
 */
enum eg_status eg_register_verify_in_person(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                            int64_t person_id, int64_t registration_id, int64_t now,
                                            struct eg_register_outcome *out);

/*
 * A new code for a pending registration (the old one stops working).
 * EG_OK with out->code and out->phone_enc; EG_E_THROTTLED with
 * out->retry_after when asked too soon or too often; EG_E_NOT_FOUND;
 * EG_E_UNPROCESSABLE when no phone is on file. Audited. Own transaction.
 */
enum eg_status eg_register_resend(struct eg_db *db, struct eg_arena *a,
                                  const struct eg_audit_ctx *ctx, int64_t registration_id,
                                  int64_t now, struct eg_register_outcome *out);

/* The pending registrations claiming a person, newest first, as a JSON
 * array of {id, login, state, code_sent, created_at, expires_at}. */
struct json_t;
enum eg_status eg_register_list_for_person(struct eg_db *db, int64_t person_id,
                                           struct json_t **out);

#endif
