/*
 * session.h — signing in and out, and turning a bearer token into a principal.
 *
 * A person's token is 32 random bytes (base64url, prefix "egs_"); a platform
 * or department API key has prefix "egk_". Only keyed hashes of tokens are
 * stored. Failed logins are throttled softly per account, per client address
 * and per known device (growing waits, then a proof of work: lockout.h);
 * no account is ever locked.
 */
#ifndef EG_AUTH_SESSION_H
#define EG_AUTH_SESSION_H

#include <stdint.h>
#include "core/status.h"
#include "core/config.h"
#include "core/principal.h"
#include "auth/audit.h"
#include "auth/lockout.h"

struct eg_db;

struct eg_login_result {
    char token[64];
    int64_t expires_at;
    struct eg_principal who;
    char device[EG_DEVICE_TOKEN_MAX]; /* a fresh device token for the next login */
};

/*
 * One sign-in attempt, in three steps so that the slow password check can
 * run off the HTTP threads: eg_session_login_begin (database: throttling,
 * the account), eg_session_login_check (no database: the hash, on any
 * thread), eg_session_login_finish (database: record the outcome). The
 * strings are borrowed and must outlive the attempt.
 */
struct eg_login_attempt {
    const char *login, *password, *address, *request_id;
    char address_key[64]; /* the address as throttled (an IPv6 address by its /64) */
    int64_t now;
    int64_t user_id; /* 0 for an unknown login */
    int disabled;
    char stored[129];                      /* the stored password hash */
    int device_ok;                         /* a valid device token of this user came */
    char device_id[EG_LOCKOUT_ID_LEN + 1]; /* its id, when device_ok */
    char pow_id[EG_LOCKOUT_ID_LEN + 1];    /* the solved challenge's id, or "" */
    int good;                              /* set by eg_session_login_check */
    /* when begin answers EG_E_THROTTLED or EG_E_CHALLENGE_REQUIRED: */
    int64_t retry_after;                  /* seconds (THROTTLED) */
    char challenge[EG_POW_CHALLENGE_MAX]; /* a fresh challenge (CHALLENGE_REQUIRED) */
    int challenge_bits;
};

/*
 * Start a sign-in: decide from the recorded failures (per account and per
 * address, or per device when device is a valid device token of this
 * login's user) whether the attempt may be checked now (see lockout.h), and
 * read the account. device, challenge and solution may be NULL. EG_OK: go
 * on with eg_session_login_check. EG_E_THROTTLED (a->retry_after set) or
 * EG_E_CHALLENGE_REQUIRED (a->challenge set): answer at once; the password
 * was not looked at.
 */
enum eg_status eg_session_login_begin(struct eg_db *db, const struct eg_config *cfg,
                                      const char *login, const char *password, const char *device,
                                      const char *challenge, const char *solution,
                                      const char *address, const char *request_id,
                                      struct eg_login_attempt *a);

/* The slow part: the password against the stored hash (or a dummy hash of
 * the same cost for an unknown login). Sets a->good. Thread-safe. */
void eg_session_login_check(struct eg_login_attempt *a);

/*
 * Finish a checked attempt: on success create a session (audited), clear
 * the failures and fill *res; otherwise record the failure (audited).
 * EG_E_BAD_CREDENTIALS for an unknown login, a wrong password and a
 * disabled account alike (the same answer whatever the password).
 */
enum eg_status eg_session_login_finish(struct eg_db *db, const struct eg_config *cfg,
                                       struct eg_login_attempt *a, struct eg_login_result *res);

/* Revoke the session of who (audited). */
enum eg_status eg_session_logout(struct eg_db *db, const struct eg_principal *who,
                                 const struct eg_audit_ctx *ctx);

/*
 * Resolve "Bearer <token>" (the token alone) to a principal: a live session
 * of an enabled user, or an unrevoked API key. EG_E_UNAUTHENTICATED for
 * unknown/forged/revoked tokens, EG_E_TOKEN_EXPIRED for expired sessions,
 * EG_E_ACCOUNT_DISABLED when the account was disabled since.
 */
enum eg_status eg_session_authenticate(struct eg_db *db, const char *token, int64_t now,
                                       struct eg_principal *who);

/* Fill who for an existing user id (used after login and by CLI tools). */
enum eg_status eg_principal_load_user(struct eg_db *db, int64_t user_id, struct eg_principal *who);

#endif
