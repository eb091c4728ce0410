/*
 * test_time.c — calendar arithmetic, Shanghai business dates, RFC 3339,
 * ages and working days.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/time.h"

/* A date that must parse; fails the test otherwise. */
static eg_day D(const char *s)
{
    eg_day d = 0;

    assert_int_equal(eg_date_parse(s, &d), EG_OK);
    return d;
}

static int64_t I(const char *s)
{
    int64_t t = 0;

    assert_int_equal(eg_instant_parse(s, &t), EG_OK);
    return t;
}

static void test_known_days(void **state)
{
    int y, m, d;

    assert_int_equal(eg_day_from_civil(1970, 1, 1), 0);
    assert_int_equal(eg_day_from_civil(2000, 3, 1), 11017);
    assert_int_equal(eg_day_from_civil(2000, 2, 29), 11016);
    assert_int_equal(eg_day_from_civil(1900, 1, 1), -25567);
    assert_int_equal(eg_day_from_civil(2026, 11, 29), 20786);
    assert_int_equal(eg_day_from_civil(2999, 12, 31), 376199);
    eg_day_to_civil(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    eg_day_to_civil(11016, &y, &m, &d);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
}

/* Every day from 1900 to 2999 round-trips and follows the one before. */
static void test_civil_round_trip(void **state)
{
    eg_day d, first = eg_day_from_civil(1900, 1, 1), last = eg_day_from_civil(2999, 12, 31);
    int py = 1899, pm = 12, pd = 31;
    char text[11], expect[11];

    for (d = first; d <= last; d++) {
        int y, m, dd;
        eg_day back;

        eg_day_to_civil(d, &y, &m, &dd);
        assert_int_equal(eg_day_from_civil(y, m, dd), d);
        if (y == py && m == pm)
            assert_int_equal(dd, pd + 1);
        else
            assert_int_equal(dd, 1);
        py = y, pm = m, pd = dd;
        eg_date_format(d, text);
        assert_int_equal(eg_date_parse(text, &back), EG_OK);
        assert_int_equal(back, d);
    }
    eg_date_format(D("2026-03-07"), text);
    assert_string_equal(text, "2026-03-07");
    memcpy(expect, "1900-01-01", 11);
    eg_date_format(first, text);
    assert_string_equal(text, expect);
}

static void test_leap_years(void **state)
{
    eg_day d;

    assert_int_equal(eg_date_parse("2000-02-29", &d), EG_OK);
    assert_int_equal(eg_date_parse("2024-02-29", &d), EG_OK);
    assert_int_equal(eg_date_parse("2400-02-29", &d), EG_OK);
    assert_int_equal(eg_date_parse("1900-02-29", &d), EG_E_INVALID_FIELD);
    assert_int_equal(eg_date_parse("2100-02-29", &d), EG_E_INVALID_FIELD);
    assert_int_equal(eg_date_parse("2023-02-29", &d), EG_E_INVALID_FIELD);
    assert_int_equal(eg_date_parse("2024-02-30", &d), EG_E_INVALID_FIELD);
    assert_int_equal(D("2024-03-01") - D("2024-02-28"), 2);
    assert_int_equal(D("2023-03-01") - D("2023-02-28"), 1);
    assert_int_equal(D("2001-01-01") - D("2000-01-01"), 366);
    assert_int_equal(D("2101-01-01") - D("2100-01-01"), 365);
}

static void test_date_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",           "2026-13-01", "2026-00-10",  "2026-04-31",     "2026-01-00",
        "2026-01-32", "1899-12-31", "3000-01-01",  "2026-1-01",      "2026-01-1",
        "20260101",   "2026/01/01", "2026-01-01 ", " 2026-01-01",    "2026-01-01T00:00:00Z",
        "+026-01-01", "2026-0a-01", "2026--01-01", "２０２６-01-01", "2026-1-1",
    };
    eg_day d = 12345;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(eg_date_parse(bad[i], &d), EG_E_INVALID_FIELD);
        assert_int_equal(d, 12345);
    }
    assert_int_equal(eg_date_parse(NULL, &d), EG_E_INVALID_FIELD);
    assert_int_equal(eg_date_parse("1900-01-01", &d), EG_OK);
    assert_int_equal(eg_date_parse("2999-12-31", &d), EG_OK);
}

static void test_weekday(void **state)
{
    assert_int_equal(eg_weekday(0), 4);               /* 1970-01-01 Thursday */
    assert_int_equal(eg_weekday(-1), 3);              /* 1969-12-31 Wednesday */
    assert_int_equal(eg_weekday(D("2000-01-01")), 6); /* Saturday */
    assert_int_equal(eg_weekday(D("2026-10-01")), 4); /* Thursday */
    assert_int_equal(eg_weekday(D("2026-09-20")), 7); /* Sunday */
    assert_int_equal(eg_weekday(D("2026-11-30")), 1); /* Monday */
    assert_int_equal(eg_weekday(D("1900-01-01")), 1); /* Monday */
}

/* Shanghai is UTC+8: 16:00Z starts the next business day. */
static void test_shanghai_boundaries(void **state)
{
    eg_day d = D("2026-11-29");

    assert_int_equal(eg_day_of(I("2026-11-28T16:00:00Z")), d);
    assert_int_equal(eg_day_of(I("2026-11-28T15:59:59Z")), d - 1);
    assert_int_equal(eg_day_of(I("2026-11-29T15:59:59Z")), d);
    assert_int_equal(eg_day_of(I("2026-11-29T16:00:00Z")), d + 1);
    assert_int_equal(eg_day_of(I("2026-11-29T00:00:00+08:00")), d);
    assert_int_equal(eg_day_start(d), I("2026-11-28T16:00:00Z"));
    assert_int_equal(eg_day_start(d + 1) - eg_day_start(d), 86400);
    /* Around the epoch and before it (floor, not truncation). */
    assert_int_equal(eg_day_of(0), 0);
    assert_int_equal(eg_day_of(-1), 0);
    assert_int_equal(eg_day_of(-8 * 3600), 0);
    assert_int_equal(eg_day_of(-8 * 3600 - 1), -1);
    assert_int_equal(eg_day_of(16 * 3600), 1);
    assert_int_equal(eg_day_of(16 * 3600 - 1), 0);
    assert_int_equal(eg_day_start(0), -8 * 3600);
    assert_int_equal(eg_day_of(eg_day_start(D("1950-06-01"))), D("1950-06-01"));
    assert_int_equal(eg_day_of(eg_day_start(D("1950-06-01")) - 1), D("1950-05-31"));
}

/* Ages, including 29 February birthdays and the days around 16 and 65. */
static void test_age(void **state)
{
    eg_day leap = D("2000-02-29");
    eg_day b16 = D("2010-06-15");
    eg_day b65 = D("1961-06-15");

    assert_int_equal(eg_age_on(leap, leap), 0);
    assert_int_equal(eg_age_on(leap, D("2001-02-28")), 0);
    assert_int_equal(eg_age_on(leap, D("2001-03-01")), 1);
    assert_int_equal(eg_age_on(leap, D("2015-02-28")), 14);
    assert_int_equal(eg_age_on(leap, D("2015-03-01")), 15);
    assert_int_equal(eg_age_on(leap, D("2016-02-28")), 15);
    assert_int_equal(eg_age_on(leap, D("2016-02-29")), 16);
    assert_int_equal(eg_age_on(leap, D("2016-03-01")), 16);
    assert_int_equal(eg_age_on(leap, D("2018-02-28")), 17);
    assert_int_equal(eg_age_on(leap, D("2018-03-01")), 18);

    assert_int_equal(eg_age_on(b16, D("2026-06-14")), 15);
    assert_int_equal(eg_age_on(b16, D("2026-06-15")), 16);
    assert_int_equal(eg_age_on(b16, D("2026-06-16")), 16);

    assert_int_equal(eg_age_on(b65, D("2026-06-14")), 64);
    assert_int_equal(eg_age_on(b65, D("2026-06-15")), 65);
    assert_int_equal(eg_age_on(b65, D("2026-06-16")), 65);
    assert_int_equal(eg_age_on(b65, D("2027-06-14")), 65);
    assert_int_equal(eg_age_on(b65, D("2027-06-15")), 66);

    /* Year-end birthday. */
    assert_int_equal(eg_age_on(D("1990-12-31"), D("2026-12-30")), 35);
    assert_int_equal(eg_age_on(D("1990-12-31"), D("2026-12-31")), 36);
    /* Before birth. */
    assert_true(eg_age_on(b16, D("2010-06-14")) < 0);
}

static void test_instant_format(void **state)
{
    char out[21];

    eg_instant_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    eg_instant_format(1795911909, out);
    assert_string_equal(out, "2026-11-29T00:25:09Z");
    eg_instant_format(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    eg_instant_format(951782400, out); /* 2000-02-29 */
    assert_string_equal(out, "2000-02-29T00:00:00Z");
    /* Out of the four-digit range: clamped, never longer than 20 characters. */
    eg_instant_format(INT64_MAX, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    eg_instant_format(INT64_MIN, out);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
}

static void test_instant_round_trip(void **state)
{
    int64_t t, lo = I("1900-01-01T00:00:00Z"), hi = I("2999-12-31T23:59:59Z");
    char out[21];
    int64_t back;

    for (t = lo; t <= hi - 7777777; t += 7777777) {
        eg_instant_format(t, out);
        assert_int_equal(eg_instant_parse(out, &back), EG_OK);
        assert_int_equal(back, t);
    }
    eg_instant_format(hi, out);
    assert_string_equal(out, "2999-12-31T23:59:59Z");
    assert_int_equal(eg_instant_parse(out, &back), EG_OK);
    assert_int_equal(back, hi);
}

static void test_instant_parse(void **state)
{
    int64_t base = I("2026-11-29T00:25:09Z");

    assert_int_equal(base, 1795911909);
    assert_int_equal(I("2026-11-29T08:25:09+08:00"), base);
    assert_int_equal(I("2026-11-28T18:55:09-05:30"), base);
    assert_int_equal(I("2026-11-29T00:25:09+00:00"), base);
    assert_int_equal(I("2026-11-29T00:25:09-00:00"), base);
    assert_int_equal(I("2026-11-29T00:25:09.999999Z"), base);
    assert_int_equal(I("2026-11-29T00:25:09.1+00:00"), base);
    assert_int_equal(I("2026-11-29t00:25:09z"), base);
    assert_int_equal(I("2026-11-29T23:59:59+23:59"), base - 25 * 60 - 9 + 59);
    assert_int_equal(I("2000-02-29T12:00:00Z"), 951825600);
    assert_int_equal(I("1900-01-01T00:00:00Z"), -2208988800LL);
}

static void test_instant_parse_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "2026-11-29",
        "2026-11-29T00:25:09",
        "2026-11-29 00:25:09Z",
        "2026-11-29T00:25Z",
        "2026-11-29T24:00:00Z",
        "2026-11-29T23:60:00Z",
        "2026-11-29T23:59:60Z",
        "2026-02-30T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "3000-01-01T00:00:00Z",
        "2026-11-29T00:25:09.Z",
        "2026-11-29T00:25:09.",
        "2026-11-29T00:25:09+8:00",
        "2026-11-29T00:25:09+08",
        "2026-11-29T00:25:09+0800",
        "2026-11-29T00:25:09+08:0",
        "2026-11-29T00:25:09+24:00",
        "2026-11-29T00:25:09+08:60",
        "2026-11-29T00:25:09Z ",
        " 2026-11-29T00:25:09Z",
        "2026-11-29T00:25:09ZZ",
        "2026-11-29T00:25:09+08:00Z",
        "2026-11-29T0:25:09Z",
        "2026-11-29T00:25:09UTC",
        "2026-11-29T00:25:09,5Z",
        "2026-11-29T-0:25:09Z",
        "2026-11-29T00:25:09.5.5Z",
        "1795911909",
    };
    int64_t t = 77;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(eg_instant_parse(bad[i], &t), EG_E_INVALID_FIELD);
        assert_int_equal(t, 77);
    }
    assert_int_equal(eg_instant_parse(NULL, &t), EG_E_INVALID_FIELD);
}

/* Weekends only (no calendar). */
static void test_working_days_plain(void **state)
{
    eg_day fri = D("2026-11-27");

    assert_true(eg_is_working_day(NULL, fri));
    assert_false(eg_is_working_day(NULL, fri + 1));
    assert_false(eg_is_working_day(NULL, fri + 2));
    assert_true(eg_is_working_day(NULL, fri + 3));
    assert_int_equal(eg_add_working_days(NULL, fri, 1), D("2026-11-30"));
    assert_int_equal(eg_add_working_days(NULL, fri + 1, 1), D("2026-11-30"));
    assert_int_equal(eg_add_working_days(NULL, fri + 2, 1), D("2026-11-30"));
    assert_int_equal(eg_add_working_days(NULL, D("2026-11-30"), 1), D("2026-12-01"));
    assert_int_equal(eg_add_working_days(NULL, D("2026-11-30"), 5), D("2026-12-07"));
    assert_int_equal(eg_add_working_days(NULL, D("2026-11-30"), 10), D("2026-12-14"));
    assert_int_equal(eg_add_working_days(NULL, fri, 0), fri);
    /* An empty calendar behaves the same. */
    {
        struct eg_calendar empty = {NULL, 0, NULL, 0};

        assert_int_equal(eg_add_working_days(&empty, fri, 1), D("2026-11-30"));
    }
}

/* National Day 2026: 1–7 October off, Sunday 20 September and Saturday
 * 10 October worked instead. */
static void test_working_days_holiday_week(void **state)
{
    eg_day holidays[9], workdays[2];
    struct eg_calendar cal;
    int i;

    holidays[0] = D("2026-01-01");
    for (i = 0; i < 7; i++)
        holidays[1 + i] = D("2026-10-01") + i;
    holidays[8] = D("2026-12-31");
    workdays[0] = D("2026-09-20");
    workdays[1] = D("2026-10-10");
    cal.holidays = holidays;
    cal.n_holidays = 9;
    cal.workdays = workdays;
    cal.n_workdays = 2;

    for (i = 0; i < 7; i++)
        assert_false(eg_is_working_day(&cal, D("2026-10-01") + i));
    assert_true(eg_is_working_day(&cal, D("2026-09-20")));  /* make-up Sunday */
    assert_false(eg_is_working_day(&cal, D("2026-09-19"))); /* ordinary Saturday */
    assert_true(eg_is_working_day(&cal, D("2026-10-10")));  /* make-up Saturday */
    assert_false(eg_is_working_day(&cal, D("2026-10-11"))); /* ordinary Sunday */
    assert_false(eg_is_working_day(&cal, D("2026-12-31")));
    assert_false(eg_is_working_day(&cal, D("2026-01-01")));
    assert_true(eg_is_working_day(&cal, D("2026-12-30")));

    assert_int_equal(eg_add_working_days(&cal, D("2026-09-30"), 1), D("2026-10-08"));
    assert_int_equal(eg_add_working_days(&cal, D("2026-10-03"), 1), D("2026-10-08"));
    assert_int_equal(eg_add_working_days(&cal, D("2026-10-08"), 2), D("2026-10-10"));
    assert_int_equal(eg_add_working_days(&cal, D("2026-10-08"), 3), D("2026-10-12"));
    assert_int_equal(eg_add_working_days(&cal, D("2026-09-18"), 1), D("2026-09-20"));
    assert_int_equal(eg_add_working_days(&cal, D("2026-09-30"), 15), D("2026-10-27"));
    assert_int_equal(eg_add_working_days(&cal, D("2026-12-30"), 1), D("2027-01-01"));
    /* Without the calendar the same days differ. */
    assert_int_equal(eg_add_working_days(NULL, D("2026-09-30"), 1), D("2026-10-01"));
}

/* Binary search over a longer array: every listed day found, none other. */
static void test_working_days_many_holidays(void **state)
{
    eg_day holidays[101];
    struct eg_calendar cal = {holidays, 101, NULL, 0};
    eg_day start = D("2030-01-07"); /* Monday */
    int i;

    for (i = 0; i < 101; i++)
        holidays[i] = start + 7 * i + 2; /* every Wednesday */
    for (i = 0; i < 707; i++) {
        eg_day d = start + i;
        int wd = eg_weekday(d);
        int expect = wd <= 5 && !(wd == 3 && i / 7 < 101);

        assert_int_equal(eg_is_working_day(&cal, d), expect);
    }
    assert_int_equal(eg_add_working_days(&cal, start, 2), start + 3);
    assert_int_equal(eg_add_working_days(&cal, start, 4), start + 7);
}

static void test_date_problem(void **state)
{
    (void)state;
    assert_null(eg_date_problem("2024-02-29"));
    assert_non_null(strstr(eg_date_problem("2025-02-30"), "no such day"));
    assert_non_null(strstr(eg_date_problem("2025-02-29"), "no such day"));
    assert_non_null(strstr(eg_date_problem("2025-13-01"), "no such month"));
    assert_non_null(strstr(eg_date_problem("2025/02/03"), "YYYY-MM-DD"));
    assert_non_null(strstr(eg_date_problem("2025-2-3"), "YYYY-MM-DD"));
    assert_non_null(strstr(eg_date_problem("1800-01-01"), "1900 to 2999"));
    assert_non_null(eg_date_problem(NULL));
}

static void test_now(void **state)
{
    int64_t t = eg_now(), us = eg_now_us();

    assert_true(t > 1700000000);
    assert_true(us / 1000000 - t <= 1);
    assert_true(us / 1000000 >= t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_civil_round_trip),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_date_parse_rejects),
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_shanghai_boundaries),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_instant_format),
        cmocka_unit_test(test_instant_round_trip),
        cmocka_unit_test(test_instant_parse),
        cmocka_unit_test(test_instant_parse_rejects),
        cmocka_unit_test(test_working_days_plain),
        cmocka_unit_test(test_working_days_holiday_week),
        cmocka_unit_test(test_working_days_many_holidays),
        cmocka_unit_test(test_now),
        cmocka_unit_test(test_date_problem),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
