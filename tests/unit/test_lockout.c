/*
 * test_lockout.c — auth/lockout.h: the schedule of waits and proof of work
 * after failed sign-ins, the proof-of-work check, challenges and device
 * tokens (signed, bound, expiring, not forgeable).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "auth/crypto.h"
#include "auth/lockout.h"
#include "core/config.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"

static const struct eg_lockout_policy POLICY = {5, 1, 5, 16, 900};

static struct eg_keys *keys_from_hex(const char *hex)
{
    struct eg_config c;
    struct eg_keys *k = NULL;
    eg_config_defaults(&c);
    snprintf(c.master_key_hex, sizeof c.master_key_hex, "%s", hex);
    assert_int_equal(eg_keys_load(&c, &k), EG_OK);
    assert_non_null(k);
    return k;
}

static struct eg_lockout_verdict decide(int64_t n, int64_t last, int64_t now)
{
    struct eg_lockout_verdict v = {-1, -1};
    eg_lockout_decide(&POLICY, n, last, now, &v);
    return v;
}

/* Below the limit nothing waits, whatever the timing. */
static void test_free_below_limit(void **state)
{
    (void)state;
    for (int n = 0; n < 5; n++) {
        struct eg_lockout_verdict v = decide(n, 1000, 1000);
        assert_int_equal(v.wait_s, 0);
        assert_int_equal(v.pow_bits, 0);
    }
}

/* Past the limit: 1, 2, 4, 8, 16 s after the last failure, counting down. */
static void test_waits_double(void **state)
{
    (void)state;
    int64_t expect[] = {1, 2, 4, 8, 16};
    for (int i = 0; i < 5; i++) {
        struct eg_lockout_verdict v = decide(5 + i, 1000, 1000);
        assert_int_equal(v.wait_s, expect[i]);
        assert_int_equal(v.pow_bits, 0);
    }
    assert_int_equal(decide(7, 1000, 1003).wait_s, 1); /* 4 s, 3 gone */
    assert_int_equal(decide(7, 1000, 1004).wait_s, 0);
    assert_int_equal(decide(7, 1000, 5000).wait_s, 0);
}

/* The wait never exceeds the window, even with a huge first delay. */
static void test_wait_capped_by_window(void **state)
{
    (void)state;
    struct eg_lockout_policy p = {1, 600, 30, 16, 900};
    struct eg_lockout_verdict v;
    eg_lockout_decide(&p, 20, 1000, 1000, &v);
    assert_int_equal(v.wait_s, 900);
}

/* After pow_after more failures: no wait, a proof of work that grows by a
 * bit per pow_after failures, at most 4 bits more. */
static void test_proof_of_work_replaces_waits(void **state)
{
    (void)state;
    struct eg_lockout_verdict v = decide(10, 1000, 1000);
    assert_int_equal(v.wait_s, 0);
    assert_int_equal(v.pow_bits, 16);
    assert_int_equal(decide(14, 1000, 1000).pow_bits, 16);
    assert_int_equal(decide(15, 1000, 1000).pow_bits, 17);
    assert_int_equal(decide(1000000, 1000, 1000).pow_bits, 20);
}

static void test_merge_takes_the_stricter(void **state)
{
    (void)state;
    struct eg_lockout_verdict a = {3, 0}, b = {1, 18};
    eg_lockout_merge(&a, &b);
    assert_int_equal(a.wait_s, 3);
    assert_int_equal(a.pow_bits, 18);
}

/* One IPv6 subscriber (a /64) is one address; IPv4 stays as it is. */
static void test_address_key(void **state)
{
    (void)state;
    char k[64], k2[64];
    eg_lockout_address_key("203.0.113.7", k, sizeof k);
    assert_string_equal(k, "203.0.113.7");
    eg_lockout_address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof k);
    assert_string_equal(k, "2001:db8:1:2::/64");
    eg_lockout_address_key("2001:0db8:0001:0002::1", k2, sizeof k2);
    assert_string_equal(k, k2);
    eg_lockout_address_key("2001:db8:1:3::1", k2, sizeof k2);
    assert_string_not_equal(k, k2);
    eg_lockout_address_key("::ffff:198.51.100.1", k, sizeof k);
    assert_string_equal(k, "198.51.100.1");
    eg_lockout_address_key("-", k, sizeof k);
    assert_string_equal(k, "-");
    eg_lockout_address_key(NULL, k, sizeof k);
    assert_string_equal(k, "");
}

static void test_zero_bits(void **state)
{
    (void)state;
    unsigned char h[4] = {0, 0, 0x1f, 0xff};
    assert_int_equal(eg_pow_zero_bits(h, 4), 19);
    h[0] = 0x80;
    assert_int_equal(eg_pow_zero_bits(h, 4), 0);
    unsigned char z[2] = {0, 0};
    assert_int_equal(eg_pow_zero_bits(z, 2), 16);
}

/* Find a solution by brute force, as a client does. */
static void solve(const char *challenge, int bits, char *out, size_t size)
{
    for (unsigned long i = 0; i < 100000000ul; i++) {
        snprintf(out, size, "%lu", i);
        if (eg_pow_solved(challenge, out, bits))
            return;
    }
    fail_msg("no solution found");
}

static void test_pow_solved(void **state)
{
    (void)state;
    char sol[32];
    solve("p1.test", 12, sol, sizeof sol);
    assert_true(eg_pow_solved("p1.test", sol, 12));
    /* The same solution for another challenge almost never holds (1 in 4096
     * chance of a false "pass"; this pair is fixed and checked). */
    unsigned char h[crypto_hash_sha256_BYTES];
    char buf[64];
    snprintf(buf, sizeof buf, "p1.tesu%s", sol);
    crypto_hash_sha256(h, (const unsigned char *)buf, strlen(buf));
    assert_int_equal(eg_pow_solved("p1.tesu", sol, 12), eg_pow_zero_bits(h, sizeof h) >= 12);
    assert_false(eg_pow_solved("p1.test", "", 1));
    assert_false(eg_pow_solved("p1.test", "has space", 0));
    assert_false(eg_pow_solved("p1.test", NULL, 0));
    char longsol[80];
    memset(longsol, 'a', sizeof longsol - 1);
    longsol[sizeof longsol - 1] = '\0';
    assert_false(eg_pow_solved("p1.test", longsol, 0));
}

static void test_challenge_round_trip(void **state)
{
    (void)state;
    struct eg_keys *a = keys_from_hex(KEY_A), *b = keys_from_hex(KEY_B);
    char c[EG_POW_CHALLENGE_MAX], id[EG_LOCKOUT_ID_LEN + 1], id2[EG_LOCKOUT_ID_LEN + 1];
    int bits = 0;

    eg_pow_challenge_new(a, "admin", 12, 1000, c);
    assert_int_equal(eg_pow_challenge_check(a, "admin", c, 1000, &bits, id), EG_OK);
    assert_int_equal(bits, 12);
    assert_int_equal(strlen(id), EG_LOCKOUT_ID_LEN);
    /* At its last second still valid, after it not. */
    assert_int_equal(eg_pow_challenge_check(a, "admin", c, 1000 + EG_POW_TTL_S, &bits, id2), EG_OK);
    assert_int_equal(eg_pow_challenge_check(a, "admin", c, 1001 + EG_POW_TTL_S, &bits, id2),
                     EG_E_CHALLENGE_REQUIRED);
    /* Bound to the login and to our key. */
    assert_int_equal(eg_pow_challenge_check(a, "admin2", c, 1000, &bits, id2),
                     EG_E_CHALLENGE_REQUIRED);
    assert_int_equal(eg_pow_challenge_check(b, "admin", c, 1000, &bits, id2),
                     EG_E_CHALLENGE_REQUIRED);
    /* Lowering the difficulty breaks the signature. */
    char forged[EG_POW_CHALLENGE_MAX];
    snprintf(forged, sizeof forged, "%s", c);
    char *p = strstr(forged, ".12.");
    assert_non_null(p);
    memcpy(p, ".01.", 4);
    assert_int_equal(eg_pow_challenge_check(a, "admin", forged, 1000, &bits, id2),
                     EG_E_CHALLENGE_REQUIRED);
    assert_int_equal(eg_pow_challenge_check(a, "admin", NULL, 1000, &bits, id2),
                     EG_E_CHALLENGE_REQUIRED);
    assert_int_equal(eg_pow_challenge_check(a, "admin", "p1.x.y.z", 1000, &bits, id2),
                     EG_E_CHALLENGE_REQUIRED);
    /* Two challenges have different ids. */
    eg_pow_challenge_new(a, "admin", 12, 1000, forged);
    assert_int_equal(eg_pow_challenge_check(a, "admin", forged, 1000, &bits, id2), EG_OK);
    assert_string_not_equal(id, id2);
    eg_keys_free(a);
    eg_keys_free(b);
}

static void test_device_token(void **state)
{
    (void)state;
    struct eg_keys *a = keys_from_hex(KEY_A), *b = keys_from_hex(KEY_B);
    char t[EG_DEVICE_TOKEN_MAX], id[EG_LOCKOUT_ID_LEN + 1];

    eg_device_token_new(a, 42, 1000000, t);
    assert_int_equal(strncmp(t, "egd_42.", 7), 0);
    assert_int_equal(eg_device_token_check(a, t, 42, 1000000, id), 1);
    assert_int_equal(strlen(id), EG_LOCKOUT_ID_LEN);
    assert_int_equal(eg_device_token_check(a, t, 43, 1000000, id), 0);
    assert_int_equal(eg_device_token_check(b, t, 42, 1000000, id), 0);
    assert_int_equal(eg_device_token_check(a, t, 42, 1000000 + EG_DEVICE_MAX_AGE_S + 1, id), 0);
    /* Another user id in the text breaks the signature. */
    char forged[EG_DEVICE_TOKEN_MAX];
    snprintf(forged, sizeof forged, "egd_43%s", t + 6);
    assert_int_equal(eg_device_token_check(a, forged, 43, 1000000, id), 0);
    t[strlen(t) - 1] = t[strlen(t) - 1] == '0' ? '1' : '0';
    assert_int_equal(eg_device_token_check(a, t, 42, 1000000, id), 0);
    assert_int_equal(eg_device_token_check(a, NULL, 42, 1000000, id), 0);
    assert_int_equal(eg_device_token_check(a, "egd_", 42, 1000000, id), 0);
    eg_keys_free(a);
    eg_keys_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_below_limit),
        cmocka_unit_test(test_waits_double),
        cmocka_unit_test(test_wait_capped_by_window),
        cmocka_unit_test(test_proof_of_work_replaces_waits),
        cmocka_unit_test(test_merge_takes_the_stricter),
        cmocka_unit_test(test_address_key),
        cmocka_unit_test(test_zero_bits),
        cmocka_unit_test(test_pow_solved),
        cmocka_unit_test(test_challenge_round_trip),
        cmocka_unit_test(test_device_token),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
