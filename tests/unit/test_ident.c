/*
 * test_ident.c — resident ID numbers, credit codes, phones, masking, UTF-8.
 *
 * The check-character vectors were computed independently of the code
 * under test, one for each possible check character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/ident.h"
#include "core/time.h"

static eg_day D(const char *s)
{
    eg_day d = 0;

    assert_int_equal(eg_date_parse(s, &d), EG_OK);
    return d;
}

/* 1990-02-28, one ID number for each check character "10X98765432". */
static const char *const ids_by_check[] = {
    "350203199002280001", "350203199002280060", "35020319900228001X", "350203199002280079",
    "350203199002280028", "350203199002280087", "350203199002280036", "350203199002280095",
    "350203199002280044", "350203199002280183", "350203199002280052",
};

/* One credit code for each check character, in value order 0…Y. */
static const char *const codes_by_check[] = {
    "913502000000000030", "913502000000000131", "913502000000000232", "913502000000000043",
    "913502000000000144", "913502000000000245", "913502000000000056", "913502000000000157",
    "913502000000000258", "913502000000000069", "91350200000000016A", "91350200000000026B",
    "91350200000000007C", "91350200000000017D", "91350200000000027E", "91350200000000008F",
    "91350200000000018G", "91350200000000028H", "91350200000000009J", "91350200000000019K",
    "91350200000000029L", "91350200000000039M", "91350200000000000N", "91350200000000010P",
    "91350200000000020Q", "91350200000000001R", "91350200000000011T", "91350200000000021U",
    "91350200000000002W", "91350200000000012X", "91350200000000022Y",
};

static void test_id_sample(void **state)
{
    struct eg_id_info info;
    eg_day today = D("2026-11-29");

    memset(&info, 0x55, sizeof(info));
    assert_int_equal(eg_id_number_check("360426199101010071", today, &info), EG_OK);
    assert_string_equal(info.normalized, "360426199101010071");
    assert_int_equal(info.birth, D("1991-01-01"));
    assert_int_equal(info.female, 0); /* 7 is odd */
    assert_string_equal(info.region, "360426");
    assert_int_equal(eg_id_number_check("360426199101010071", today, NULL), EG_OK);
    assert_int_equal(eg_id_number_check("360426199101010071", eg_day_of(eg_now()), NULL), EG_OK);
}

/* Every check character is accepted where right and refused elsewhere. */
static void test_id_every_check(void **state)
{
    static const char checks[] = "10X98765432";
    eg_day today = D("2026-11-29");
    struct eg_id_info info;
    size_t i, j;

    for (i = 0; i < 11; i++) {
        char s[19];

        memcpy(s, ids_by_check[i], 19);
        assert_int_equal(s[17], checks[i]);
        assert_int_equal(eg_id_number_check(s, today, &info), EG_OK);
        assert_int_equal(info.birth, D("1990-02-28"));
        assert_int_equal(info.female, (s[16] - '0') % 2 == 0);
        for (j = 0; j < 11; j++) {
            if (j == i)
                continue;
            s[17] = checks[j];
            assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
        }
        /* A changed digit breaks the check. */
        memcpy(s, ids_by_check[i], 19);
        s[9] = s[9] == '0' ? '1' : '0';
        assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
    }
}

static void test_id_lowercase_x(void **state)
{
    struct eg_id_info info;

    assert_int_equal(eg_id_number_check("35020319900228001x", D("2026-11-29"), &info), EG_OK);
    assert_string_equal(info.normalized, "35020319900228001X");
    assert_int_equal(info.female, 0);
    assert_int_equal(eg_id_number_check("350203199002280028", D("2026-11-29"), &info), EG_OK);
    assert_int_equal(info.female, 1);
}

/* Build an ID number for a birth date and sequence with the right check. */
static void make_id(const char *region, const char *ymd, const char *seq, char out[19])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int i, sum = 0;

    memcpy(out, region, 6);
    memcpy(out + 6, ymd, 8);
    memcpy(out + 14, seq, 3);
    for (i = 0; i < 17; i++)
        sum += (out[i] - '0') * w[i];
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

static void test_id_birth_dates(void **state)
{
    eg_day today = D("2026-11-29");
    struct eg_id_info info;
    char s[19];

    make_id("350203", "19910230", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
    make_id("350203", "19911301", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
    make_id("350203", "19910100", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
    make_id("350203", "19900229", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
    make_id("350203", "20000229", "123", s);
    assert_int_equal(eg_id_number_check(s, today, &info), EG_OK);
    assert_int_equal(info.birth, D("2000-02-29"));
    assert_int_equal(eg_age_on(info.birth, today), 26);
    make_id("350203", "18991231", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
    make_id("350203", "19000101", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_OK);
    /* Born today is fine, tomorrow is not. */
    make_id("350203", "20261129", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_OK);
    assert_int_equal(eg_id_number_check(s, today - 1, NULL), EG_E_INVALID_FIELD);
    make_id("350203", "20261130", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
    /* Region may not start with 0. */
    make_id("050203", "19900101", "123", s);
    assert_int_equal(eg_id_number_check(s, today, NULL), EG_E_INVALID_FIELD);
}

static void test_id_shape(void **state)
{
    static const char *const bad[] = {
        "",
        "36042619910101007",
        "3604261991010100711",
        "36042619910101007Y",
        "3604261991010100X1",
        "36042619910101 071",
        " 360426199101010071",
        "360426199101010071 ",
        "36O426199101010071",
        "３60426199101010071",
        "36042619910101-071",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(eg_id_number_check(bad[i], D("2026-11-29"), NULL), EG_E_INVALID_FIELD);
    assert_int_equal(eg_id_number_check(NULL, D("2026-11-29"), NULL), EG_E_INVALID_FIELD);
}

static void test_credit_code(void **state)
{
    static const char chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    size_t i, j;

    assert_int_equal(eg_credit_code_check("91350100M000100Y43"), EG_OK);
    assert_int_equal(eg_credit_code_check("91110108551385082Q"), EG_OK);
    for (i = 0; i < 31; i++) {
        char s[19];

        memcpy(s, codes_by_check[i], 19);
        assert_int_equal(s[17], chars[i]);
        assert_int_equal(eg_credit_code_check(s), EG_OK);
        for (j = 0; j < 31; j++) {
            if (j == i)
                continue;
            s[17] = chars[j];
            assert_int_equal(eg_credit_code_check(s), EG_E_INVALID_FIELD);
        }
    }
}

static void test_credit_code_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "91350100M000100Y4",
        "91350100M000100Y433",
        "91350100m000100Y43", /* lower case */
        "91350100M000100y43",
        "91350100I000100Y43", /* I, O, Z, S, V are not used */
        "91350100O000100Y43",
        "91350100Z000100Y43",
        "91350100S000100Y43",
        "91350100V000100Y43",
        "91350100M000100Y4I",
        "91350100M000100Y4 ",
        "91350100M000100Y42",
        "91350100M000100Y44",
        "91350100-000100Y43",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(eg_credit_code_check(bad[i]), EG_E_INVALID_FIELD);
    assert_int_equal(eg_credit_code_check(NULL), EG_E_INVALID_FIELD);
    /* An embedded NUL is not a valid character. */
    {
        char s[20];

        memcpy(s, "91350100M000100Y43", 19);
        s[5] = '\0';
        assert_int_equal(eg_credit_code_check(s), EG_E_INVALID_FIELD);
    }
}

static void test_phone(void **state)
{
    static const char *const good[] = {"13812345678", "13012345678", "19912345678", "15000000000",
                                       "17700000000"};
    static const char *const bad[] = {"",
                                      "1381234567",
                                      "138123456789",
                                      "12812345678",
                                      "11812345678",
                                      "23812345678",
                                      "1381234567x",
                                      "+8613812345678",
                                      "138 1234 5678",
                                      "138-12345678",
                                      " 13812345678",
                                      "13812345678 "};
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(eg_phone_check(good[i]), EG_OK);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(eg_phone_check(bad[i]), EG_E_INVALID_FIELD);
    assert_int_equal(eg_phone_check(NULL), EG_E_INVALID_FIELD);
}

static void test_mask(void **state)
{
    char id[19], ph[12];

    eg_mask_id_number("360426199101010071", id);
    assert_string_equal(id, "3604**********0071");
    eg_mask_id_number("35020319900228001X", id);
    assert_string_equal(id, "3502**********001X");
    eg_mask_phone("13812345678", ph);
    assert_string_equal(ph, "138****5678");
    /* Too short to show anything: all hidden. */
    eg_mask_id_number("12345678", id);
    assert_string_equal(id, "********");
    eg_mask_phone("1234567", ph);
    assert_string_equal(ph, "*******");
    eg_mask_id_number("123456789", id);
    assert_string_equal(id, "1234*6789");
    eg_mask_id_number("", id);
    assert_string_equal(id, "");
    eg_mask_id_number(NULL, id);
    assert_string_equal(id, "");
    eg_mask_phone(NULL, ph);
    assert_string_equal(ph, "");
    /* Longer input is cut to the buffer. */
    eg_mask_id_number("3604261991010100719999", id);
    assert_int_equal(strlen(id), 18);
    eg_mask_phone("138123456789999", ph);
    assert_int_equal(strlen(ph), 11);
    assert_string_equal(ph, "138****5678");
}

#define U(s) eg_utf8_valid(s, sizeof(s) - 1)

static void test_utf8_chars(void **state)
{
    (void)state;
    assert_int_equal(eg_utf8_chars("", 0), 0);
    assert_int_equal(eg_utf8_chars("abc", 3), 3);
    assert_int_equal(eg_utf8_chars("厦门市", strlen("厦门市")), 3);
    assert_int_equal(eg_utf8_chars("a\xF0\x9F\x98\x80"
                                   "b",
                                   6),
                     3);
}

/* An ID number with its check character made right. */
static void with_check(char id[19])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int i, sum = 0;

    for (i = 0; i < 17; i++)
        sum += (id[i] - '0') * w[i];
    id[17] = "10X98765432"[sum % 11];
    id[18] = '\0';
}

static void test_id_number_problem(void **state)
{
    eg_day today = eg_day_from_civil(2026, 6, 1);
    char id[19] = "35020619810230035";

    (void)state;
    with_check(id);
    assert_int_equal(eg_id_number_check(id, today, NULL), EG_E_INVALID_FIELD);
    assert_non_null(strstr(eg_id_number_problem(id, today), "birth date that does not exist"));
    memcpy(id, "35020620300101035", 17);
    with_check(id);
    assert_non_null(strstr(eg_id_number_problem(id, today), "future"));
    memcpy(id, "35020619810813035", 17);
    with_check(id);
    assert_null(eg_id_number_problem(id, today));
    id[17] = id[17] == '0' ? '1' : '0';
    assert_non_null(strstr(eg_id_number_problem(id, today), "check character"));
    assert_non_null(strstr(eg_id_number_problem("12345", today), "18 characters"));
    assert_non_null(eg_id_number_problem(NULL, today));
}

static void test_utf8(void **state)
{
    assert_true(U(""));
    assert_true(U("plain ascii"));
    assert_true(U("厦门市"));
    assert_true(U("\xC2\x80"));         /* U+0080 */
    assert_true(U("\xDF\xBF"));         /* U+07FF */
    assert_true(U("\xE0\xA0\x80"));     /* U+0800 */
    assert_true(U("\xED\x9F\xBF"));     /* U+D7FF */
    assert_true(U("\xEE\x80\x80"));     /* U+E000 */
    assert_true(U("\xEF\xBF\xBF"));     /* U+FFFF */
    assert_true(U("\xF0\x90\x80\x80")); /* U+10000 */
    assert_true(U("\xF0\x9F\x98\x80")); /* emoji */
    assert_true(U("\xF4\x8F\xBF\xBF")); /* U+10FFFF */

    assert_false(U("a\0b")); /* NUL */
    assert_false(U("\x80")); /* lone continuation */
    assert_false(U("\xBF"));
    assert_false(U("\xC0\x80"));         /* overlong NUL */
    assert_false(U("\xC1\xBF"));         /* overlong */
    assert_false(U("\xE0\x80\x80"));     /* overlong */
    assert_false(U("\xE0\x9F\xBF"));     /* overlong */
    assert_false(U("\xF0\x80\x80\x80")); /* overlong */
    assert_false(U("\xF0\x8F\xBF\xBF")); /* overlong */
    assert_false(U("\xED\xA0\x80"));     /* U+D800 surrogate */
    assert_false(U("\xED\xBF\xBF"));     /* U+DFFF surrogate */
    assert_false(U("\xF4\x90\x80\x80")); /* U+110000 */
    assert_false(U("\xF5\x80\x80\x80"));
    assert_false(U("\xFF"));
    assert_false(U("\xFE"));
    assert_false(U("\xE5\x8E"));     /* truncated */
    assert_false(U("\xE5\x8E\x41")); /* bad continuation */
    assert_false(U("\xF0\x9F\x98"));
    assert_false(U("abc\xC3"));
    /* Only n bytes are looked at. */
    assert_true(eg_utf8_valid("ab\xC3", 2));
    assert_true(eg_utf8_valid(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_sample),
        cmocka_unit_test(test_id_every_check),
        cmocka_unit_test(test_id_lowercase_x),
        cmocka_unit_test(test_id_birth_dates),
        cmocka_unit_test(test_id_shape),
        cmocka_unit_test(test_credit_code),
        cmocka_unit_test(test_credit_code_bad),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_utf8_chars),
        cmocka_unit_test(test_id_number_problem),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
