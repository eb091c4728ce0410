/*
 * test_money.c — yuan text, formatting, checked arithmetic, shares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/money.h"

static int64_t P(const char *s)
{
    int64_t v = 0;

    assert_int_equal(eg_money_parse_yuan(s, &v), EG_OK);
    return v;
}

static void test_parse_good(void **state)
{
    assert_int_equal(P("0"), 0);
    assert_int_equal(P("-0"), 0);
    assert_int_equal(P("0.00"), 0);
    assert_int_equal(P("-0.00"), 0);
    assert_int_equal(P("55"), 5500);
    assert_int_equal(P("55.5"), 5550);
    assert_int_equal(P("55.50"), 5550);
    assert_int_equal(P("55.05"), 5505);
    assert_int_equal(P("-3.20"), -320);
    assert_int_equal(P("0.1"), 10);
    assert_int_equal(P("0.01"), 1);
    assert_int_equal(P("-0.05"), -5);
    assert_int_equal(P("0.40"), 40);
    assert_int_equal(P("7037"), 703700);
    assert_int_equal(P("100"), 10000);
    assert_int_equal(P("999999999999.99"), EG_MONEY_MAX_FEN - 1);
    assert_int_equal(P("1000000000000"), EG_MONEY_MAX_FEN);
    assert_int_equal(P("1000000000000.00"), EG_MONEY_MAX_FEN);
    assert_int_equal(P("-1000000000000"), -EG_MONEY_MAX_FEN);
}

static void test_parse_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "-",
        "1.234",
        "0.001",
        "1e3",
        "1E3",
        "1e-2",
        " 1",
        "1 ",
        "+1",
        ".5",
        "5.",
        "-.5",
        "01",
        "00",
        "-01.5",
        "1,000",
        "1_000",
        "0x10",
        "１",
        "--1",
        "1.-2",
        "nan",
        "inf",
        "1.2.3",
        "12a",
        "¥12",
        "12元",
        "1000000000000.01",
        "-1000000000000.01",
        "99999999999999999999",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "184467440737095516160",
        "1.5 ",
        "\t1",
    };
    int64_t v = 4242;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(eg_money_parse_yuan(bad[i], &v), EG_E_INVALID_FIELD);
        assert_int_equal(v, 4242);
    }
    assert_int_equal(eg_money_parse_yuan(NULL, &v), EG_E_INVALID_FIELD);
}

static void test_format(void **state)
{
    char out[24];

    eg_money_format(0, out);
    assert_string_equal(out, "0.00");
    eg_money_format(5, out);
    assert_string_equal(out, "0.05");
    eg_money_format(-5, out);
    assert_string_equal(out, "-0.05");
    eg_money_format(5550, out);
    assert_string_equal(out, "55.50");
    eg_money_format(-320, out);
    assert_string_equal(out, "-3.20");
    eg_money_format(100, out);
    assert_string_equal(out, "1.00");
    eg_money_format(EG_MONEY_MAX_FEN, out);
    assert_string_equal(out, "1000000000000.00");
    eg_money_format(INT64_MAX, out);
    assert_string_equal(out, "92233720368547758.07");
    eg_money_format(INT64_MIN, out);
    assert_string_equal(out, "-92233720368547758.08");
}

static void test_round_trip(void **state)
{
    int64_t v, back;
    char out[24];

    for (v = -300000; v <= 300000; v += 7) {
        eg_money_format(v, out);
        assert_int_equal(eg_money_parse_yuan(out, &back), EG_OK);
        assert_int_equal(back, v);
    }
    for (v = 1; v <= EG_MONEY_MAX_FEN / 3; v = v * 3 + 1) {
        eg_money_format(-v, out);
        assert_int_equal(eg_money_parse_yuan(out, &back), EG_OK);
        assert_int_equal(back, -v);
    }
}

static void test_add_mul(void **state)
{
    int64_t r = 99;

    assert_int_equal(eg_money_add(40, 60, &r), EG_OK);
    assert_int_equal(r, 100);
    assert_int_equal(eg_money_add(-40, 15, &r), EG_OK);
    assert_int_equal(r, -25);
    assert_int_equal(eg_money_add(EG_MONEY_MAX_FEN - 1, 1, &r), EG_OK);
    assert_int_equal(r, EG_MONEY_MAX_FEN);
    r = 99;
    assert_int_equal(eg_money_add(EG_MONEY_MAX_FEN, 1, &r), EG_E_INVALID_FIELD);
    assert_int_equal(r, 99);
    assert_int_equal(eg_money_add(-EG_MONEY_MAX_FEN, -1, &r), EG_E_INVALID_FIELD);
    assert_int_equal(eg_money_add(INT64_MAX, 1, &r), EG_E_INVALID_FIELD);
    assert_int_equal(eg_money_add(INT64_MIN, -1, &r), EG_E_INVALID_FIELD);
    assert_int_equal(eg_money_add(INT64_MAX, INT64_MIN, &r), EG_E_INVALID_FIELD);
    assert_int_equal(r, 99);

    assert_int_equal(eg_money_mul(40, 365, &r), EG_OK);
    assert_int_equal(r, 14600);
    assert_int_equal(eg_money_mul(-40, 3, &r), EG_OK);
    assert_int_equal(r, -120);
    assert_int_equal(eg_money_mul(EG_MONEY_MAX_FEN, 1, &r), EG_OK);
    assert_int_equal(eg_money_mul(EG_MONEY_MAX_FEN, 0, &r), EG_OK);
    assert_int_equal(r, 0);
    r = 99;
    assert_int_equal(eg_money_mul(EG_MONEY_MAX_FEN, 2, &r), EG_E_INVALID_FIELD);
    assert_int_equal(eg_money_mul(EG_MONEY_MAX_FEN / 2 + 1, 2, &r), EG_E_INVALID_FIELD);
    assert_int_equal(eg_money_mul(INT64_MAX, INT64_MAX, &r), EG_E_INVALID_FIELD);
    assert_int_equal(eg_money_mul(INT64_MIN, -1, &r), EG_E_INVALID_FIELD);
    assert_int_equal(eg_money_mul(4294967296LL, 4294967296LL, &r), EG_E_INVALID_FIELD);
    assert_int_equal(r, 99);
}

static void test_share_bp(void **state)
{
    assert_int_equal(eg_money_share_bp(40, 5000), 20);
    assert_int_equal(eg_money_share_bp(41, 5000), 20);
    assert_int_equal(eg_money_share_bp(1, 9999), 0);
    assert_int_equal(eg_money_share_bp(3, 3333), 0);
    assert_int_equal(eg_money_share_bp(10000, 3333), 3333);
    assert_int_equal(eg_money_share_bp(703700, 9000), 633330);
    assert_int_equal(eg_money_share_bp(12345, 10000), 12345);
    assert_int_equal(eg_money_share_bp(12345, 0), 0);
    assert_int_equal(eg_money_share_bp(0, 5000), 0);
    /* Rounded down: toward minus infinity for negatives. */
    assert_int_equal(eg_money_share_bp(-41, 5000), -21);
    assert_int_equal(eg_money_share_bp(-40, 5000), -20);
    /* No overflow in the product. */
    assert_int_equal(eg_money_share_bp(EG_MONEY_MAX_FEN, 10000), EG_MONEY_MAX_FEN);
    assert_int_equal(eg_money_share_bp(EG_MONEY_MAX_FEN, 9999), EG_MONEY_MAX_FEN / 10000 * 9999);
    assert_int_equal(eg_money_share_bp(INT64_MAX, 10000), INT64_MAX);
    assert_int_equal(eg_money_share_bp(INT64_MAX, 5000), INT64_MAX / 2);
}

/* The two shares always add up to the total; the odd fen goes to the payer. */
static void test_split(void **state)
{
    static const int64_t bps[] = {0, 1, 3333, 5000, 6667, 9999, 10000};
    int64_t total, s, p;
    size_t i;

    eg_money_split(41, 5000, &s, &p);
    assert_int_equal(s, 20);
    assert_int_equal(p, 21);
    eg_money_split(40, 5000, &s, &p);
    assert_int_equal(s, 20);
    assert_int_equal(p, 20);
    eg_money_split(1, 5000, &s, &p);
    assert_int_equal(s, 0);
    assert_int_equal(p, 1);
    eg_money_split(100, 3333, &s, &p);
    assert_int_equal(s, 33);
    assert_int_equal(p, 67);
    for (i = 0; i < sizeof(bps) / sizeof(bps[0]); i++) {
        for (total = 0; total <= 20001; total++) {
            eg_money_split(total, bps[i], &s, &p);
            assert_int_equal(s + p, total);
            assert_int_equal(s, total * bps[i] / 10000);
            assert_true(s >= 0 && p >= 0);
        }
        eg_money_split(EG_MONEY_MAX_FEN - 1, bps[i], &s, &p);
        assert_int_equal(s + p, EG_MONEY_MAX_FEN - 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_format),     cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_add_mul),    cmocka_unit_test(test_share_bp),
        cmocka_unit_test(test_split),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
