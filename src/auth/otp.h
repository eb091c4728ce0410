/*
 * otp.h — one-time codes that prove a registrant holds the phone on file.
 *
 * A code is 6 random decimal digits, sent once by SMS and stored only as a
 * keyed hash (bound to the pending registration it belongs to, so that one
 * hash says nothing about another). It expires after EG_OTP_TTL_S, allows
 * EG_OTP_MAX_ATTEMPTS wrong tries, works once, and a new one may be sent
 * only EG_OTP_RESEND_WAIT_S after the last, at most EG_OTP_MAX_SENDS times.
 * These are the rules alone: no database, no HTTP (src/auth/register.c
 * applies them).
 */
#ifndef EG_AUTH_OTP_H
#define EG_AUTH_OTP_H

#include <stdint.h>

struct eg_keys;

#define EG_OTP_DIGITS        6
#define EG_OTP_TTL_S         600 /* 10 minutes */
#define EG_OTP_MAX_ATTEMPTS  5
#define EG_OTP_RESEND_WAIT_S 60
#define EG_OTP_MAX_SENDS     5

/* A new random code: EG_OTP_DIGITS digits and a NUL (uniform, libsodium). */
void eg_otp_generate(char code[EG_OTP_DIGITS + 1]);

/* The stored form of code for pending registration id: keyed BLAKE2b hex
 * (64 characters + NUL) under the blind-index key. */
void eg_otp_hash(const struct eg_keys *k, int64_t id, const char *code, char out[65]);

/* A stored code as the rules see it. */
struct eg_otp_state {
    const char *code_hash; /* NULL or "" when no code was sent */
    int64_t expires_at;    /* Unix seconds */
    int attempts;          /* wrong tries so far */
    int used;              /* 1 once it verified */
};

enum eg_otp_verdict {
    EG_OTP_OK = 0,  /* the right code, in time */
    EG_OTP_WRONG,   /* a wrong code; count the attempt */
    EG_OTP_EXPIRED, /* too late, or no code was sent */
    EG_OTP_USED,    /* already verified once */
    EG_OTP_LOCKED,  /* too many wrong tries: only a new code helps */
};

/*
 * Judge a code offered at now: given_hash is eg_otp_hash of the offered
 * code (compared in constant time). The order matters: a used or locked
 * code stays so even when the right digits come.
 */
enum eg_otp_verdict eg_otp_check(const struct eg_otp_state *s, const char *given_hash, int64_t now);

/* Whether a code may be sent now, given how many were sent and when the
 * last was (0 = never). 1 = yes; 0 = no, with *retry_after in seconds
 * (0 when the sends are used up for good). */
int eg_otp_may_send(int sends, int64_t last_sent_at, int64_t now, int64_t *retry_after);

#endif
