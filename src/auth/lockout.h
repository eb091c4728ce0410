/*
 * lockout.h — the soft lockout of signing in: how long a stranger waits
 * after failed logins, the proof-of-work challenge that replaces the wait
 * after many, and the known-device token that spares the rightful owner.
 *
 * Nothing here locks an account. Failures are counted per key (the login,
 * the client address, or a known device) within the throttle window:
 *
 *   n < limit                     no wait
 *   limit <= n < limit+pow_after  wait delay_s * 2^(n - limit) seconds after
 *                                 the last failure (at most the window)
 *   n >= limit+pow_after          no wait, but a solved proof of work: a
 *                                 server-signed challenge C (bound to the
 *                                 login, valid EG_POW_TTL_S, used once) and
 *                                 a client-chosen solution S such that
 *                                 SHA-256(C || S) starts with `bits` zero
 *                                 bits; bits grow by one per further
 *                                 pow_after failures, up to 4 more.
 *
 * A successful login returns a device token (signed: user id, issue time,
 * a random device id). Sent back with a later login of the same user, the
 * login is judged only by that device's own failures, so strangers' failures
 * on the account or the address never delay the owner on a known device.
 *
 * The schedule and the proof-of-work check are pure functions (unit tested);
 * tokens need the process keys.
 */
#ifndef EG_AUTH_LOCKOUT_H
#define EG_AUTH_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct eg_keys;

#define EG_POW_TTL_S         300
#define EG_POW_CHALLENGE_MAX 192 /* bytes of a challenge with its NUL */
#define EG_POW_SOLUTION_MAX  64  /* longest accepted solution */
#define EG_DEVICE_TOKEN_MAX  192 /* bytes of a device token with its NUL */
#define EG_DEVICE_MAX_AGE_S  (180 * 86400)
#define EG_LOCKOUT_ID_LEN    32 /* hex digits of a device or challenge id */

/* The limits for one kind of key. */
struct eg_lockout_policy {
    int limit;     /* failures within the window before waits begin */
    int delay_s;   /* the first wait; doubles per further failure */
    int pow_after; /* failures past limit after which proof of work replaces waits */
    int pow_bits;  /* the first proof-of-work difficulty */
    int window_s;  /* failures older than this are forgotten; also the longest wait */
};

/* What a key's failures ask of the next attempt. */
struct eg_lockout_verdict {
    int64_t wait_s; /* seconds still to wait (0 = may try now) */
    int pow_bits;   /* leading zero bits required (0 = no proof of work) */
};

/*
 * The verdict for a key with n failures in the window, the last at
 * last_at, judged at now (see the table above). p->limit and p->delay_s
 * are at least 1.
 */
void eg_lockout_decide(const struct eg_lockout_policy *p, int64_t n, int64_t last_at, int64_t now,
                       struct eg_lockout_verdict *out);

/* The stricter of two verdicts (longer wait, more bits) into *a. */
void eg_lockout_merge(struct eg_lockout_verdict *a, const struct eg_lockout_verdict *b);

/*
 * The throttle key of a client address: an IPv4 address as it is; an IPv6
 * address by its /64 network ("2001:db8:1:2::/64"), since one subscriber
 * usually holds a whole /64; an IPv4-mapped IPv6 address as the IPv4
 * address. Anything else is copied (truncated to size).
 */
void eg_lockout_address_key(const char *addr, char *out, size_t size);

/* Leading zero bits of the n bytes at h. */
int eg_pow_zero_bits(const unsigned char *h, size_t n);

/* 1 when SHA-256(challenge || solution) has at least bits leading zero bits
 * and solution is 1–EG_POW_SOLUTION_MAX printable ASCII characters. */
int eg_pow_solved(const char *challenge, const char *solution, int bits);

/* A new challenge for login with difficulty bits, valid from now for
 * EG_POW_TTL_S: "p1.<expires>.<bits>.<id>.<mac>", signed with keys. */
void eg_pow_challenge_new(const struct eg_keys *keys, const char *login, int bits, int64_t now,
                          char out[EG_POW_CHALLENGE_MAX]);

/*
 * Check a challenge for login at now: signed by us, unexpired, for this
 * login. EG_OK with *bits and id (EG_LOCKOUT_ID_LEN hex + NUL, for single
 * use) filled; EG_E_CHALLENGE_REQUIRED otherwise.
 */
enum eg_status eg_pow_challenge_check(const struct eg_keys *keys, const char *login,
                                      const char *challenge, int64_t now, int *bits,
                                      char id[EG_LOCKOUT_ID_LEN + 1]);

/* A new device token for user_id issued at now: "egd_<uid>.<issued>.<id>.<mac>". */
void eg_device_token_new(const struct eg_keys *keys, int64_t user_id, int64_t now,
                         char out[EG_DEVICE_TOKEN_MAX]);

/*
 * Check a device token for user_id at now: signed by us, for this user, at
 * most EG_DEVICE_MAX_AGE_S old. 1 with id (the device id) filled, else 0.
 */
int eg_device_token_check(const struct eg_keys *keys, const char *token, int64_t user_id,
                          int64_t now, char id[EG_LOCKOUT_ID_LEN + 1]);

#endif
