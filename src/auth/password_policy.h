/*
 * password_policy.h — what a new password must be (OWASP ASVS 2.1).
 *
 * At least EG_PASSWORD_MIN characters (Unicode code points, ASVS 2.1.1), at
 * most EG_PASSWORD_MAX bytes, and not on the list of common passwords that
 * ships with egret (src/auth/common_passwords.txt, compiled in; ASVS 2.1.7).
 * Applies to every password someone chooses: self-registration, accounts
 * made by an administrator or `egret user add`, and password changes.
 * Existing passwords keep working; the rule is checked only when one is set.
 */
#ifndef EG_AUTH_PASSWORD_POLICY_H
#define EG_AUTH_PASSWORD_POLICY_H

#include <stddef.h>
#include "core/status.h"

#define EG_PASSWORD_MIN 12   /* characters */
#define EG_PASSWORD_MAX 1024 /* bytes */

/*
 * Check a new password. login (may be NULL) is the account's login: a
 * password equal to it is refused as weak. Returns EG_OK;
 * EG_E_INVALID_FIELD when shorter than EG_PASSWORD_MIN characters, longer
 * than EG_PASSWORD_MAX bytes or not valid UTF-8; EG_E_WEAK_PASSWORD when it
 * is (ignoring case, and ignoring digits and symbols at its end) a common
 * password, the login, or one character repeated.
 */
enum eg_status eg_password_policy_check(const char *password, const char *login);

/* Whether word (any case) is on the shipped common-password list. */
int eg_password_is_common(const char *word);

#endif
