/*
 * otp.c — one-time codes: generation, keyed hashing and the rules for
 * checking and resending (see otp.h).
 */
#include "auth/otp.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>

#include "auth/crypto.h"

void eg_otp_generate(char code[EG_OTP_DIGITS + 1])
{
    for (int i = 0; i < EG_OTP_DIGITS; i++)
        code[i] = (char)('0' + randombytes_uniform(10));
    code[EG_OTP_DIGITS] = '\0';
}

void eg_otp_hash(const struct eg_keys *k, int64_t id, const char *code, char out[65])
{
    char value[64];
    assert(k && code);
    snprintf(value, sizeof value, "%lld:%s", (long long)id, code);
    eg_pii_blind_index(k, "otp:", value, out);
    sodium_memzero(value, sizeof value);
}

enum eg_otp_verdict eg_otp_check(const struct eg_otp_state *s, const char *given_hash, int64_t now)
{
    assert(s && given_hash);
    if (s->used)
        return EG_OTP_USED;
    if (!s->code_hash || !*s->code_hash || now >= s->expires_at)
        return EG_OTP_EXPIRED;
    if (s->attempts >= EG_OTP_MAX_ATTEMPTS)
        return EG_OTP_LOCKED;
    return eg_secure_streq(s->code_hash, given_hash) ? EG_OTP_OK : EG_OTP_WRONG;
}

int eg_otp_may_send(int sends, int64_t last_sent_at, int64_t now, int64_t *retry_after)
{
    *retry_after = 0;
    if (sends >= EG_OTP_MAX_SENDS)
        return 0;
    if (last_sent_at > 0 && now < last_sent_at + EG_OTP_RESEND_WAIT_S) {
        *retry_after = last_sent_at + EG_OTP_RESEND_WAIT_S - now;
        return 0;
    }
    return 1;
}
