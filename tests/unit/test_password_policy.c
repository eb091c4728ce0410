/*
 * test_password_policy.c — new passwords: at least 12 characters (counted
 * as code points, not bytes), at most 1024 bytes, valid UTF-8, and not on
 * the shipped common list, not even with digits and marks appended.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/password_policy.h"

static void test_length(void **state)
{
    (void)state;
    char big[EG_PASSWORD_MAX + 2];
    assert_int_equal(eg_password_policy_check("", NULL), EG_E_INVALID_FIELD);
    assert_int_equal(eg_password_policy_check(NULL, NULL), EG_E_INVALID_FIELD);
    assert_int_equal(eg_password_policy_check("tide-kite-4", NULL), EG_E_INVALID_FIELD); /* 11 */
    assert_int_equal(eg_password_policy_check("tide-kite-42", NULL), EG_OK);             /* 12 */
    /* Eleven Chinese characters are 33 bytes but 11 characters: too short. */
    assert_int_equal(eg_password_policy_check("白鹭飞过海湾看日落的时候", NULL), EG_OK); /* 12 */
    assert_int_equal(eg_password_policy_check("白鹭飞过海湾看日落的时", NULL), EG_E_INVALID_FIELD);
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[0] = 'Z';
    big[5] = '7';
    assert_int_equal(eg_password_policy_check(big, NULL), EG_E_INVALID_FIELD); /* 1025 bytes */
    big[EG_PASSWORD_MAX] = '\0';
    assert_int_equal(eg_password_policy_check(big, NULL), EG_OK);
    assert_int_equal(eg_password_policy_check("abc\xff\xfe-defghijkl", NULL), EG_E_INVALID_FIELD);
}

static void test_common(void **state)
{
    (void)state;
    assert_true(eg_password_is_common("password"));
    assert_true(eg_password_is_common("PassWord"));
    assert_true(eg_password_is_common("123456"));
    assert_true(eg_password_is_common("woaini1314"));
    assert_false(eg_password_is_common("tide-kite-42"));
    assert_false(eg_password_is_common(""));
    assert_int_equal(eg_password_policy_check("password1234", NULL), EG_E_WEAK_PASSWORD);
    assert_int_equal(eg_password_policy_check("qwertyuiop123", NULL), EG_E_WEAK_PASSWORD);
    assert_int_equal(eg_password_policy_check("123456789012", NULL), EG_E_WEAK_PASSWORD);
    /* A common word with a year and a mark stuck on is still common. */
    assert_int_equal(eg_password_policy_check("Sunshine2026!!", NULL), EG_E_WEAK_PASSWORD);
    assert_int_equal(eg_password_policy_check("Password2026!", NULL), EG_E_WEAK_PASSWORD);
    /* One character repeated, or the login itself. */
    assert_int_equal(eg_password_policy_check("zzzzzzzzzzzzzz", NULL), EG_E_WEAK_PASSWORD);
    assert_int_equal(eg_password_policy_check("worker.lin.fang", "Worker.Lin.Fang"),
                     EG_E_WEAK_PASSWORD);
    assert_int_equal(eg_password_policy_check("worker.lin.fang", "worker"), EG_OK);
    /* Digits in the middle keep it a real passphrase. */
    assert_int_equal(eg_password_policy_check("sunshine-7-harbour", NULL), EG_OK);
}

static void test_list_is_big_enough(void **state)
{
    (void)state;
    /* A few entries from well down the shipped list: it is more than a token list. */
    const char *const sample[] = {"trustno1",  "letmein", "1qaz2wsx", "iloveyou", "zxcvbnm",
                                  "qwerty123", "5201314", "abc123",   "dragon",   "monkey"};
    for (size_t i = 0; i < sizeof sample / sizeof sample[0]; i++)
        assert_true(eg_password_is_common(sample[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_common),
        cmocka_unit_test(test_list_is_big_enough),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
