/*
 * test_otp.c — one-time codes: six uniform digits, a keyed hash bound to
 * the registration (and to the key), expiry, the attempt limit, single use
 * and the resend wait.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/crypto.h"
#include "auth/otp.h"
#include "core/config.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"

static struct eg_keys *keys_from_hex(const char *hex)
{
    struct eg_config c;
    struct eg_keys *k = NULL;
    eg_config_defaults(&c);
    snprintf(c.master_key_hex, sizeof c.master_key_hex, "%s", hex);
    assert_int_equal(eg_keys_load(&c, &k), EG_OK);
    return k;
}

static void test_generate(void **state)
{
    (void)state;
    char code[EG_OTP_DIGITS + 1];
    int seen[10] = {0}, differ = 0;
    char first[EG_OTP_DIGITS + 1];
    eg_otp_generate(first);
    for (int i = 0; i < 200; i++) {
        eg_otp_generate(code);
        assert_int_equal(strlen(code), EG_OTP_DIGITS);
        for (int j = 0; j < EG_OTP_DIGITS; j++) {
            assert_true(code[j] >= '0' && code[j] <= '9');
            seen[code[j] - '0']++;
        }
        differ += strcmp(code, first) != 0;
    }
    for (int d = 0; d < 10; d++)
        assert_true(seen[d] > 0); /* 1200 digits: every digit turns up */
    assert_true(differ > 190);
}

static void test_hash(void **state)
{
    (void)state;
    struct eg_keys *a = keys_from_hex(KEY_A), *b = keys_from_hex(KEY_B);
    char h1[65], h2[65], h3[65], h4[65];
    eg_otp_hash(a, 7, "123456", h1);
    eg_otp_hash(a, 7, "123456", h2);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    assert_null(strstr(h1, "123456"));
    eg_otp_hash(a, 8, "123456", h3); /* another registration */
    assert_string_not_equal(h1, h3);
    eg_otp_hash(b, 7, "123456", h4); /* another key */
    assert_string_not_equal(h1, h4);
    eg_otp_hash(a, 7, "123457", h4);
    assert_string_not_equal(h1, h4);
    eg_keys_free(a);
    eg_keys_free(b);
}

static void test_check(void **state)
{
    (void)state;
    struct eg_keys *k = keys_from_hex(KEY_A);
    char right[65], wrong[65];
    eg_otp_hash(k, 1, "424242", right);
    eg_otp_hash(k, 1, "424243", wrong);
    int64_t now = 1000000;
    struct eg_otp_state s = {right, now + EG_OTP_TTL_S, 0, 0};
    assert_int_equal(eg_otp_check(&s, right, now), EG_OTP_OK);
    assert_int_equal(eg_otp_check(&s, wrong, now), EG_OTP_WRONG);
    /* Expired at the second it ends. */
    assert_int_equal(eg_otp_check(&s, right, now + EG_OTP_TTL_S - 1), EG_OTP_OK);
    assert_int_equal(eg_otp_check(&s, right, now + EG_OTP_TTL_S), EG_OTP_EXPIRED);
    /* Locked after the allowed wrong tries, even for the right code. */
    s.attempts = EG_OTP_MAX_ATTEMPTS - 1;
    assert_int_equal(eg_otp_check(&s, right, now), EG_OTP_OK);
    s.attempts = EG_OTP_MAX_ATTEMPTS;
    assert_int_equal(eg_otp_check(&s, right, now), EG_OTP_LOCKED);
    /* Used once: never again. */
    s.attempts = 0;
    s.used = 1;
    assert_int_equal(eg_otp_check(&s, right, now), EG_OTP_USED);
    /* No code sent: nothing matches. */
    struct eg_otp_state none = {NULL, now + 100, 0, 0};
    assert_int_equal(eg_otp_check(&none, right, now), EG_OTP_EXPIRED);
    none.code_hash = "";
    assert_int_equal(eg_otp_check(&none, "", now), EG_OTP_EXPIRED);
    eg_keys_free(k);
}

static void test_resend(void **state)
{
    (void)state;
    int64_t retry = -1, now = 5000;
    assert_true(eg_otp_may_send(0, 0, now, &retry));
    assert_int_equal(retry, 0);
    assert_false(eg_otp_may_send(1, now - 10, now, &retry));
    assert_int_equal(retry, EG_OTP_RESEND_WAIT_S - 10);
    assert_true(eg_otp_may_send(1, now - EG_OTP_RESEND_WAIT_S, now, &retry));
    assert_false(eg_otp_may_send(EG_OTP_MAX_SENDS, now - 100000, now, &retry));
    assert_int_equal(retry, 0); /* used up for good */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_resend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
