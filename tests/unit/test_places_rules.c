/*
 * test_places_rules.c — the places module's pure rules (places/rules.h):
 * coordinates as text and as numbers, text fields, phones, district and
 * amenity codes, the stored amenity list, who sees archived places, the
 * check-in window and usage periods, with their edge values and bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "places/places.h"
#include "places/rules.h"

static void test_degrees_parse(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(eg_places_degrees_parse("24.5123456", 90, &v), 0);
    assert_int_equal(v, 24512346); /* rounded to the nearest micro-degree */
    assert_int_equal(eg_places_degrees_parse("-24.5123454", 90, &v), 0);
    assert_int_equal(v, -24512345);
    assert_int_equal(eg_places_degrees_parse("90", 90, &v), 0);
    assert_int_equal(v, 90000000);
    assert_int_equal(eg_places_degrees_parse("-90", 90, &v), 0);
    assert_int_equal(v, -90000000);
    assert_int_equal(eg_places_degrees_parse("180", 180, &v), 0);
    assert_int_equal(v, 180000000);
    assert_int_equal(eg_places_degrees_parse("0", 90, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(eg_places_degrees_parse("1e1", 90, &v), 0);
    assert_int_equal(v, 10000000);

    v = 7;
    const char *bad[] = {"90.0000001",
                         "-90.000001",
                         "181",
                         "abc",
                         "12x",
                         "",
                         " ",
                         "nan",
                         "inf",
                         "-inf",
                         "1e999",
                         "12.5 ",
                         "123456789012345678901234567890123" /* 33 characters */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double limit = i == 2 ? 180 : 90;
        assert_int_equal(eg_places_degrees_parse(bad[i], limit, &v), -1);
    }
    assert_int_equal(eg_places_degrees_parse(NULL, 90, &v), -1);
    assert_int_equal(v, 7); /* untouched on failure */
    /* 32 characters is still fine */
    assert_int_equal(eg_places_degrees_parse("1.000000000000000000000000000000", 90, &v), 0);
    assert_int_equal(v, 1000000);
}

static void test_degrees_e6(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_int_equal(eg_places_degrees_e6(118.1654321, 180, &v), 0);
    assert_int_equal(v, 118165432);
    assert_int_equal(eg_places_degrees_e6(-180, 180, &v), 0);
    assert_int_equal(v, -180000000);
    v = 7;
    assert_int_equal(eg_places_degrees_e6(90.5, 90, &v), -1);
    assert_int_equal(eg_places_degrees_e6(-180.0001, 180, &v), -1);
    assert_int_equal(eg_places_degrees_e6(NAN, 90, &v), -1);
    assert_int_equal(eg_places_degrees_e6(INFINITY, 180, &v), -1);
    assert_int_equal(v, 7);
}

static void test_text(void **state)
{
    (void)state;
    char long_text[700];
    assert_true(eg_places_text_ok(NULL, 10, 0)); /* absent */
    assert_false(eg_places_text_ok("", 10, 0));
    assert_true(eg_places_text_ok("", 10, 1));
    assert_true(eg_places_text_ok("爱心驿站", 4, 0)); /* characters, not bytes */
    assert_false(eg_places_text_ok("爱心驿站", 3, 0));
    assert_false(eg_places_text_ok("a\tb", 10, 1));
    assert_false(eg_places_text_ok("a\nb", 10, 1));
    assert_false(eg_places_text_ok("a\x7f", 10, 1));
    assert_false(eg_places_text_ok("\xff\xfe", 10, 1)); /* not UTF-8 */
    assert_false(eg_places_text_ok("\xe7\x88", 10, 1)); /* cut short */
    memset(long_text, 'x', 500);
    long_text[500] = '\0';
    assert_true(eg_places_text_ok(long_text, 500, 1));
    long_text[500] = 'x';
    long_text[501] = '\0';
    assert_false(eg_places_text_ok(long_text, 500, 1));
}

static void test_phone(void **state)
{
    (void)state;
    assert_true(eg_places_phone_ok(NULL));
    assert_true(eg_places_phone_ok(""));
    assert_true(eg_places_phone_ok("0592-1234567"));
    assert_true(eg_places_phone_ok("+86 (592) 123"));
    assert_true(eg_places_phone_ok("12345"));
    assert_false(eg_places_phone_ok("1234"));
    assert_true(eg_places_phone_ok("12345678901234567890123456789012"));
    assert_false(eg_places_phone_ok("123456789012345678901234567890123"));
    assert_false(eg_places_phone_ok("0592-CALLME"));
    assert_false(eg_places_phone_ok("0592.123456"));
}

static void test_codes(void **state)
{
    (void)state;
    assert_true(eg_places_district_code_ok("350203"));
    assert_false(eg_places_district_code_ok("35020"));
    assert_false(eg_places_district_code_ok("3502030"));
    assert_false(eg_places_district_code_ok("35020a"));
    assert_false(eg_places_district_code_ok(""));
    assert_false(eg_places_district_code_ok(NULL));

    assert_true(eg_places_amenity_code_ok("first_aid"));
    assert_true(eg_places_amenity_code_ok("x"));
    assert_true(eg_places_amenity_code_ok("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
    assert_false(eg_places_amenity_code_ok("abcdefghijklmnopqrstuvwxyz0123456"));
    assert_false(eg_places_amenity_code_ok("WATER"));
    assert_false(eg_places_amenity_code_ok("first-aid"));
    assert_false(eg_places_amenity_code_ok("a,b"));
    assert_false(eg_places_amenity_code_ok(""));
    assert_false(eg_places_amenity_code_ok(NULL));

    /* before a dictionary lookup only length and the separator matter */
    assert_true(eg_places_amenity_lookup_ok("WATER"));
    assert_true(eg_places_amenity_lookup_ok(""));
    assert_true(eg_places_amenity_lookup_ok("abcdefghijklmnopqrstuvwxyz012345"));
    assert_false(eg_places_amenity_lookup_ok("abcdefghijklmnopqrstuvwxyz0123456"));
    assert_false(eg_places_amenity_lookup_ok("water,toilet"));
    assert_false(eg_places_amenity_lookup_ok(NULL));

    assert_int_equal(eg_place_type_parse("rights_service_point"), EG_PLACE_RIGHTS_SERVICE_POINT);
    assert_int_equal(eg_place_type_parse("toilet"), EG_PLACE_TOILET);
    assert_int_equal(eg_place_type_parse("Toilet"), -1);
    assert_int_equal(eg_place_type_parse(""), -1);
    assert_int_equal(eg_place_type_parse(NULL), -1);
    assert_null(eg_place_type_names[EG_PLACE_TYPES]);
}

static void test_bool_and_visibility(void **state)
{
    (void)state;
    int v = 7;
    assert_int_equal(eg_places_bool_parse("true", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(eg_places_bool_parse("false", &v), 0);
    assert_int_equal(v, 0);
    v = 7;
    assert_int_equal(eg_places_bool_parse("TRUE", &v), -1);
    assert_int_equal(eg_places_bool_parse("1", &v), -1);
    assert_int_equal(eg_places_bool_parse("", &v), -1);
    assert_int_equal(eg_places_bool_parse(NULL, &v), -1);
    assert_int_equal(v, 7);

    assert_true(eg_places_may_see(0, EG_ROLE_WORKER));
    assert_true(eg_places_may_see(0, EG_ROLE_NONE));
    assert_true(eg_places_may_see(1, EG_ROLE_ADMIN));
    assert_false(eg_places_may_see(1, EG_ROLE_SUPERVISOR));
    assert_false(eg_places_may_see(1, EG_ROLE_WORKER));
    assert_false(eg_places_may_see(1, EG_ROLE_NONE));
}

static void test_amenity_list(void **state)
{
    (void)state;
    struct eg_places_amenities l;
    eg_places_amenities_init(&l);
    assert_string_equal(l.text, ",");
    assert_int_equal(eg_places_amenities_add(&l, "water"), 1);
    assert_int_equal(eg_places_amenities_add(&l, "toilet"), 1);
    assert_int_equal(eg_places_amenities_add(&l, "water"), 0); /* once */
    assert_int_equal(eg_places_amenities_add(&l, "wat"), 1);   /* a prefix is another code */
    assert_string_equal(l.text, ",water,toilet,wat,");
    assert_int_equal(l.used, strlen(l.text));

    assert_true(eg_places_amenities_has(l.text, "water"));
    assert_true(eg_places_amenities_has(l.text, "wat"));
    assert_true(eg_places_amenities_has(l.text, "toilet"));
    assert_false(eg_places_amenities_has(l.text, "ater"));
    assert_false(eg_places_amenities_has(l.text, "toile"));
    assert_false(eg_places_amenities_has(l.text, ""));
    assert_false(eg_places_amenities_has(",", "water"));
    assert_false(eg_places_amenities_has("", "water"));

    /* full: refused whole, the list unchanged */
    eg_places_amenities_init(&l);
    char code[33];
    int added = 0, r = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(code, sizeof code, "code_%027d", i); /* 32 bytes */
        r = eg_places_amenities_add(&l, code);
        if (r != 1)
            break;
        added++;
    }
    assert_int_equal(r, -1);
    assert_int_equal(added, 30); /* the field spec's 30 codes of 32 bytes fit, no more */
    assert_int_equal(l.used, strlen(l.text));
    assert_int_equal(l.text[l.used - 1], ',');

    /* read back one by one */
    const char *p = ",water,,toilet,", *c;
    size_t n = 0;
    assert_non_null(c = eg_places_amenities_next(&p, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(c, "water", 5);
    assert_non_null(c = eg_places_amenities_next(&p, &n));
    assert_int_equal(n, 6);
    assert_memory_equal(c, "toilet", 6);
    assert_null(eg_places_amenities_next(&p, &n));
    p = ",";
    assert_null(eg_places_amenities_next(&p, &n));
    p = NULL;
    assert_null(eg_places_amenities_next(&p, &n));
    p = "solo";
    assert_non_null(c = eg_places_amenities_next(&p, &n));
    assert_int_equal(n, 4);
    assert_null(eg_places_amenities_next(&p, &n));
}

static void test_check_text(void **state)
{
    (void)state;
    const char *why = NULL;
    struct eg_place_text t = {"rest_station", "驿站", "", "0592-1234567", "24小时", ""};
    assert_null(eg_places_check_text(&t, &why));
    struct eg_place_text none = {NULL, NULL, NULL, NULL, NULL, NULL}; /* a patch that sets none */
    assert_null(eg_places_check_text(&none, &why));

    /* each field on its own, then the order: the first in the list is named */
    struct eg_place_text b = t;
    b.type = "bar";
    assert_string_equal(eg_places_check_text(&b, &why), "type");
    assert_non_null(strstr(why, "place type"));
    b = t;
    b.name = "";
    assert_string_equal(eg_places_check_text(&b, &why), "name");
    b = t;
    b.address = "a\nb";
    assert_string_equal(eg_places_check_text(&b, &why), "address");
    b = t;
    b.phone = "1234";
    assert_string_equal(eg_places_check_text(&b, &why), "phone");
    b = t;
    b.hours = "\x01";
    assert_string_equal(eg_places_check_text(&b, &why), "hours");
    b = t;
    b.note = "\xff";
    assert_string_equal(eg_places_check_text(&b, &why), "note");
    b.phone = "x";
    assert_string_equal(eg_places_check_text(&b, &why), "phone");
    b.type = "";
    assert_string_equal(eg_places_check_text(&b, &why), "type");
    assert_string_equal(why, "type must be a place type (GET /api/v1/dictionary/place_type)");

    assert_null(eg_places_missing("water", "n", "350203", 1, 1));
    assert_string_equal(eg_places_missing(NULL, NULL, NULL, 0, 0), "type");
    assert_string_equal(eg_places_missing("water", NULL, NULL, 0, 0), "name");
    assert_string_equal(eg_places_missing("water", "n", NULL, 1, 1), "district");
    assert_string_equal(eg_places_missing("water", "n", "350203", 0, 1), "lat");
    assert_string_equal(eg_places_missing("water", "n", "350203", 1, 0), "lng");
}

static void test_checkin_window(void **state)
{
    (void)state;
    const int64_t now = 1767225600; /* 2026-01-01T00:00:00Z */
    assert_int_equal(EG_PLACES_CHECKIN_WINDOW_S, 1800);
    assert_int_equal(eg_places_checkin_since(now), now - 1800);
    assert_false(eg_places_checkin_repeats(0, now)); /* none before */
    assert_true(eg_places_checkin_repeats(now, now));
    assert_true(eg_places_checkin_repeats(now - 1799, now));
    assert_false(eg_places_checkin_repeats(now - 1800, now)); /* exactly 30 minutes: counts */
    assert_false(eg_places_checkin_repeats(now - 86400, now));
}

static void test_period(void **state)
{
    (void)state;
    eg_day d = 20000;
    assert_true(eg_places_period_ok(d, d));
    assert_true(eg_places_period_ok(d - 366, d)); /* 367 days, both ends */
    assert_false(eg_places_period_ok(d - 367, d));
    assert_false(eg_places_period_ok(d + 1, d)); /* out of order */
    assert_true(eg_places_period_ok(d - (EG_PLACES_PERIOD_DEFAULT_DAYS - 1), d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_degrees_parse),  cmocka_unit_test(test_degrees_e6),
        cmocka_unit_test(test_text),           cmocka_unit_test(test_phone),
        cmocka_unit_test(test_codes),          cmocka_unit_test(test_bool_and_visibility),
        cmocka_unit_test(test_amenity_list),   cmocka_unit_test(test_check_text),
        cmocka_unit_test(test_checkin_window), cmocka_unit_test(test_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
