/*
 * session.h — signing in and out, and turning a bearer token into a principal.
 *
 * A person's token is 32 random bytes (base64url, prefix "egs_"); a platform
 * or department API key has prefix "egk_". Only keyed hashes of tokens are
 * stored. Failed logins are throttled per account and per client address
 * (429 past the configured counts within the window).
 */
#ifndef EG_AUTH_SESSION_H
#define EG_AUTH_SESSION_H

#include <stdint.h>
#include "core/status.h"
#include "core/config.h"
#include "auth/principal.h"
#include "auth/audit.h"

struct eg_db;

struct eg_login_result {
    char token[64];
    int64_t expires_at;
    struct eg_principal who;
};

/*
 * Check login/password; on success create a session (audited) and fill *res.
 * EG_E_BAD_CREDENTIALS (unknown login or wrong password, indistinguishable),
 * EG_E_ACCOUNT_DISABLED, EG_E_THROTTLED. Failures are recorded for throttling.
 */
enum eg_status eg_session_login(struct eg_db *db, const struct eg_config *cfg, const char *login,
                                const char *password, const char *address, const char *request_id,
                                struct eg_login_result *res);

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
