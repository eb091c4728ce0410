/*
 * test_fields.c — JSON bodies: parsing limits (UTF-8, NUL, duplicate keys,
 * depth) and the field-spec check for every type and flag, with the error
 * naming the field by its dotted/indexed path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/fields.h"
#include "core/ident.h"
#include "core/money.h"

static const char *const kinds[] = {"unpaid_pay", "penalty", "other", NULL};

static const struct eg_field claim_item[] = {
    {"category", EG_FT_ENUM, EG_F_REQUIRED, 0, 0, 0, kinds, NULL, NULL},
    {"amount_fen", EG_FT_MONEY, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"date", EG_FT_DATE, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};
static const struct eg_field claim_item_obj = {"", EG_FT_OBJECT, 0,          0,   0,
                                               0,  NULL,         claim_item, NULL};
static const struct eg_field tag_item = {"", EG_FT_STRING, 0, 8, 0, 0, NULL, NULL, NULL};

static const struct eg_field address[] = {
    {"district", EG_FT_STRING, EG_F_REQUIRED, 32, 0, 0, NULL, NULL, NULL},
    {"line", EG_FT_STRING, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

static const struct eg_field spec[] = {
    {"name", EG_FT_STRING, EG_F_REQUIRED, 0, 0, 0, NULL, NULL, NULL},
    {"note", EG_FT_STRING, EG_F_NULLABLE, 10, 0, 0, NULL, NULL, NULL},
    {"age", EG_FT_INT, 0, 0, 16, 65, NULL, NULL, NULL},
    {"count", EG_FT_INT, 0, 0, 0, 0, NULL, NULL, NULL},
    {"amount_fen", EG_FT_MONEY, 0, 0, 0, 0, NULL, NULL, NULL},
    {"fee_fen", EG_FT_MONEY, 0, 0, 100, 5000, NULL, NULL, NULL},
    {"agreed", EG_FT_BOOL, 0, 0, 0, 0, NULL, NULL, NULL},
    {"incident_on", EG_FT_DATE, 0, 0, 0, 0, NULL, NULL, NULL},
    {"occurred_at", EG_FT_INSTANT, 0, 0, 0, 0, NULL, NULL, NULL},
    {"kind", EG_FT_ENUM, 0, 0, 0, 0, kinds, NULL, NULL},
    {"address", EG_FT_OBJECT, 0, 0, 0, 0, NULL, address, NULL},
    {"extra", EG_FT_OBJECT, EG_F_NULLABLE, 0, 0, 0, NULL, NULL, NULL},
    {"items", EG_FT_ARRAY, 0, 3, 0, 0, NULL, NULL, &claim_item_obj},
    {"tags", EG_FT_ARRAY, 0, 0, 0, 0, NULL, NULL, &tag_item},
    {"any", EG_FT_ANY, 0, 0, 0, 0, NULL, NULL, NULL},
    {0},
};

/* Parse text (must be valid JSON) and check it against spec. */
static enum eg_status check(const char *text, struct eg_field_error *err)
{
    json_t *v;
    enum eg_status st = eg_json_parse_body(text, strlen(text), &v, err);

    assert_int_equal(st, EG_OK);
    st = eg_fields_check(v, spec, err);
    json_decref(v);
    return st;
}

static void expect(const char *text, enum eg_status want, const char *field)
{
    struct eg_field_error err;
    enum eg_status st = check(text, &err);

    if (st != want)
        fail_msg("%s: got %d (%s: %s), want %d", text, st, err.field, err.message, want);
    if (want != EG_OK) {
        assert_int_equal(err.status, want);
        assert_string_equal(err.field, field);
        assert_true(err.message[0] != '\0');
    }
}

static void test_minimal_ok(void **state)
{
    (void)state;
    expect("{\"name\":\"Li Lei\"}", EG_OK, NULL);
    expect("{\"name\":\"李雷\",\"note\":null,\"extra\":null}", EG_OK, NULL);
}

static void test_full_ok(void **state)
{
    (void)state;
    expect("{\"name\":\"x\",\"note\":\"0123456789\",\"age\":16,\"count\":-9007199254740993,"
           "\"amount_fen\":0,\"fee_fen\":5000,\"agreed\":false,\"incident_on\":\"2024-02-29\","
           "\"occurred_at\":\"2026-11-29T08:25:09+08:00\",\"kind\":\"other\","
           "\"address\":{\"district\":\"思明区\",\"line\":\"\"},\"extra\":{\"k\":[1,{}]},"
           "\"items\":[{\"category\":\"penalty\",\"amount_fen\":100000000000000}],"
           "\"tags\":[\"a\",\"12345678\"],\"any\":[null,1.5,\"x\"]}",
           EG_OK, NULL);
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    expect("{\"name\":\"x\",\"nmae\":\"y\"}", EG_E_UNKNOWN_FIELD, "nmae");
    expect("{}", EG_E_MISSING_FIELD, "name");
    expect("{\"name\":null}", EG_E_INVALID_FIELD, "name");
    /* An unknown field is reported before a missing one. */
    expect("{\"naem\":\"x\"}", EG_E_UNKNOWN_FIELD, "naem");
    expect("{\"name\":\"x\",\"address\":{\"line\":\"l\"}}", EG_E_MISSING_FIELD, "address.district");
    expect("{\"name\":\"x\",\"address\":{\"district\":\"d\",\"zip\":\"1\"}}", EG_E_UNKNOWN_FIELD,
           "address.zip");
}

static void test_strings(void **state)
{
    struct eg_field_error err;
    char *big;
    json_t *obj;
    size_t i;

    (void)state;
    expect("{\"name\":\"\"}", EG_E_INVALID_FIELD, "name"); /* required → non-empty */
    expect("{\"name\":5}", EG_E_INVALID_FIELD, "name");
    expect("{\"name\":[\"x\"]}", EG_E_INVALID_FIELD, "name");
    expect("{\"name\":\"x\",\"note\":\"01234567890\"}", EG_E_INVALID_FIELD, "note");
    expect("{\"name\":\"x\",\"note\":\"\"}", EG_OK, NULL);
    /* max_len counts characters (as maxLength does), not bytes: 10 Chinese
     * characters (30 bytes) fit, 11 do not. */
    expect("{\"name\":\"x\",\"note\":\"厦门鹭岛厦门鹭岛厦门\"}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"note\":\"厦门鹭岛厦门鹭岛厦门鹭\"}", EG_E_INVALID_FIELD, "note");

    /* Default cap 1024 bytes. */
    big = malloc(1100);
    assert_non_null(big);
    memcpy(big, "{\"name\":\"", 9);
    for (i = 0; i < 1024; i++)
        big[9 + i] = 'a';
    memcpy(big + 9 + 1024, "\"}", 3);
    assert_int_equal(check(big, &err), EG_OK);
    memcpy(big + 9 + 1024, "a\"}", 4);
    assert_int_equal(check(big, &err), EG_E_INVALID_FIELD);
    assert_string_equal(err.field, "name");
    free(big);

    /* A string with a NUL inside (built by hand: the parser refuses it). */
    obj = json_object();
    json_object_set_new(obj, "name", json_stringn("a\0b", 3));
    assert_int_equal(eg_fields_check(obj, spec, &err), EG_E_INVALID_FIELD);
    assert_string_equal(err.field, "name");
    json_decref(obj);
}

static void test_ints(void **state)
{
    (void)state;
    expect("{\"name\":\"x\",\"age\":65}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"age\":15}", EG_E_INVALID_FIELD, "age");
    expect("{\"name\":\"x\",\"age\":66}", EG_E_INVALID_FIELD, "age");
    expect("{\"name\":\"x\",\"age\":30.0}", EG_E_INVALID_FIELD, "age");
    expect("{\"name\":\"x\",\"age\":30.5}", EG_E_INVALID_FIELD, "age");
    expect("{\"name\":\"x\",\"age\":3e1}", EG_E_INVALID_FIELD, "age");
    expect("{\"name\":\"x\",\"age\":\"30\"}", EG_E_INVALID_FIELD, "age");
    expect("{\"name\":\"x\",\"age\":true}", EG_E_INVALID_FIELD, "age");
    expect("{\"name\":\"x\",\"count\":9223372036854775807}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"count\":-9223372036854775808}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"count\":false}", EG_E_INVALID_FIELD, "count");
}

static void test_money(void **state)
{
    (void)state;
    expect("{\"name\":\"x\",\"amount_fen\":0}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"amount_fen\":100000000000000}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"amount_fen\":100000000000001}", EG_E_INVALID_FIELD, "amount_fen");
    expect("{\"name\":\"x\",\"amount_fen\":-1}", EG_E_INVALID_FIELD, "amount_fen");
    expect("{\"name\":\"x\",\"amount_fen\":1.5}", EG_E_INVALID_FIELD, "amount_fen");
    expect("{\"name\":\"x\",\"amount_fen\":1.0}", EG_E_INVALID_FIELD, "amount_fen");
    expect("{\"name\":\"x\",\"amount_fen\":\"100\"}", EG_E_INVALID_FIELD, "amount_fen");
    expect("{\"name\":\"x\",\"amount_fen\":true}", EG_E_INVALID_FIELD, "amount_fen");
    /* min/max narrow the range. */
    expect("{\"name\":\"x\",\"fee_fen\":100}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"fee_fen\":99}", EG_E_INVALID_FIELD, "fee_fen");
    expect("{\"name\":\"x\",\"fee_fen\":5001}", EG_E_INVALID_FIELD, "fee_fen");
}

static void test_bool_date_instant_enum(void **state)
{
    (void)state;
    expect("{\"name\":\"x\",\"agreed\":true}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"agreed\":1}", EG_E_INVALID_FIELD, "agreed");
    expect("{\"name\":\"x\",\"agreed\":\"true\"}", EG_E_INVALID_FIELD, "agreed");

    expect("{\"name\":\"x\",\"incident_on\":\"2023-02-29\"}", EG_E_INVALID_FIELD, "incident_on");
    expect("{\"name\":\"x\",\"incident_on\":\"2024-13-01\"}", EG_E_INVALID_FIELD, "incident_on");
    expect("{\"name\":\"x\",\"incident_on\":\"2024-2-01\"}", EG_E_INVALID_FIELD, "incident_on");
    expect("{\"name\":\"x\",\"incident_on\":\"2024-02-01T00:00:00Z\"}", EG_E_INVALID_FIELD,
           "incident_on");
    expect("{\"name\":\"x\",\"incident_on\":20240201}", EG_E_INVALID_FIELD, "incident_on");

    expect("{\"name\":\"x\",\"occurred_at\":\"2026-11-29T00:25:09Z\"}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"occurred_at\":\"2026-11-29\"}", EG_E_INVALID_FIELD, "occurred_at");
    expect("{\"name\":\"x\",\"occurred_at\":\"yesterday\"}", EG_E_INVALID_FIELD, "occurred_at");
    expect("{\"name\":\"x\",\"occurred_at\":1764375909}", EG_E_INVALID_FIELD, "occurred_at");

    expect("{\"name\":\"x\",\"kind\":\"penalty\"}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"kind\":\"Penalty\"}", EG_E_INVALID_FIELD, "kind");
    expect("{\"name\":\"x\",\"kind\":\"penalty \"}", EG_E_INVALID_FIELD, "kind");
    expect("{\"name\":\"x\",\"kind\":\"\"}", EG_E_INVALID_FIELD, "kind");
    expect("{\"name\":\"x\",\"kind\":1}", EG_E_INVALID_FIELD, "kind");
}

static void test_nested_objects(void **state)
{
    (void)state;
    expect("{\"name\":\"x\",\"address\":\"Xiamen\"}", EG_E_INVALID_FIELD, "address");
    expect("{\"name\":\"x\",\"address\":null}", EG_E_INVALID_FIELD, "address");
    expect("{\"name\":\"x\",\"address\":{\"district\":7}}", EG_E_INVALID_FIELD, "address.district");
    expect("{\"name\":\"x\",\"extra\":[]}", EG_E_INVALID_FIELD, "extra");
    /* An object without a sub-spec takes anything inside. */
    expect("{\"name\":\"x\",\"extra\":{\"whatever\":{\"deep\":[1,2]}}}", EG_OK, NULL);
}

static void test_arrays(void **state)
{
    (void)state;
    expect("{\"name\":\"x\",\"items\":[]}", EG_OK, NULL);
    expect("{\"name\":\"x\",\"items\":{}}", EG_E_INVALID_FIELD, "items");
    expect("{\"name\":\"x\",\"items\":[{\"category\":\"other\",\"amount_fen\":1},"
           "{\"category\":\"other\",\"amount_fen\":2},{\"category\":\"other\",\"amount_fen\":3},"
           "{\"category\":\"other\",\"amount_fen\":4}]}",
           EG_E_INVALID_FIELD, "items");
    expect("{\"name\":\"x\",\"items\":[{\"category\":\"other\",\"amount_fen\":1},"
           "{\"category\":\"other\",\"amount_fen\":2,\"date\":\"2024-02-30\"}]}",
           EG_E_INVALID_FIELD, "items[1].date");
    expect("{\"name\":\"x\",\"items\":[{\"category\":\"other\"}]}", EG_E_MISSING_FIELD,
           "items[0].amount_fen");
    expect("{\"name\":\"x\",\"items\":[{\"category\":\"other\",\"amount_fen\":1,\"x\":1}]}",
           EG_E_UNKNOWN_FIELD, "items[0].x");
    expect("{\"name\":\"x\",\"items\":[null]}", EG_E_INVALID_FIELD, "items[0]");
    expect("{\"name\":\"x\",\"items\":[5]}", EG_E_INVALID_FIELD, "items[0]");
    expect("{\"name\":\"x\",\"tags\":[\"ok\",\"too-long-tag\"]}", EG_E_INVALID_FIELD, "tags[1]");
    expect("{\"name\":\"x\",\"tags\":[\"ok\",3]}", EG_E_INVALID_FIELD, "tags[1]");
}

/* The default array cap is 1000 items. */
static void test_array_default_cap(void **state)
{
    static const struct eg_field int_item = {"", EG_FT_INT, 0, 0, 0, 0, NULL, NULL, NULL};
    static const struct eg_field s[] = {
        {"ids", EG_FT_ARRAY, 0, 0, 0, 0, NULL, NULL, &int_item},
        {0},
    };
    struct eg_field_error err;
    json_t *obj = json_object(), *arr = json_array();
    int i;

    (void)state;
    for (i = 0; i < 1000; i++)
        json_array_append_new(arr, json_integer(i));
    json_object_set_new(obj, "ids", arr);
    assert_int_equal(eg_fields_check(obj, s, &err), EG_OK);
    json_array_append_new(arr, json_integer(1000));
    assert_int_equal(eg_fields_check(obj, s, &err), EG_E_INVALID_FIELD);
    assert_string_equal(err.field, "ids");
    json_decref(obj);
}

static void test_not_object(void **state)
{
    struct eg_field_error err;
    json_t *v = json_array();

    (void)state;
    assert_int_equal(eg_fields_check(v, spec, &err), EG_E_NOT_OBJECT);
    assert_int_equal(err.status, EG_E_NOT_OBJECT);
    json_decref(v);
    assert_int_equal(eg_fields_check(NULL, spec, &err), EG_E_NOT_OBJECT);
}

/* A long unknown key is cut to fit the field buffer, on a character boundary. */
static void test_long_key_path(void **state)
{
    struct eg_field_error err;
    json_t *obj = json_object();
    char key[601];
    size_t i;

    (void)state;
    for (i = 0; i < 200; i++)
        memcpy(key + 3 * i, "鹭", 3);
    key[600] = '\0';
    json_object_set_new(obj, key, json_true());
    assert_int_equal(eg_fields_check(obj, spec, &err), EG_E_UNKNOWN_FIELD);
    assert_true(strlen(err.field) < sizeof(err.field));
    assert_true(strlen(err.field) > 100);
    assert_int_equal(strlen(err.field) % 3, 0);
    assert_true(eg_utf8_valid(err.field, strlen(err.field)));
    json_decref(obj);
}

static enum eg_status parse(const char *text, size_t len, struct eg_field_error *err)
{
    json_t *v = NULL;
    enum eg_status st = eg_json_parse_body(text, len, &v, err);

    if (st == EG_OK)
        assert_non_null(v);
    else
        assert_null(v);
    json_decref(v);
    return st;
}

static void test_parse_errors(void **state)
{
    struct eg_field_error err;

    (void)state;
    assert_int_equal(parse("", 0, &err), EG_E_BAD_JSON);
    assert_int_equal(parse("{", 1, &err), EG_E_BAD_JSON);
    assert_int_equal(parse("{\"a\":1,}", 8, &err), EG_E_BAD_JSON);
    assert_int_equal(parse("{\"a\":1} x", 9, &err), EG_E_BAD_JSON);
    assert_int_equal(parse("{\"a\":1}{}", 9, &err), EG_E_BAD_JSON);
    assert_int_equal(parse("\"just a string\"", 15, &err), EG_E_BAD_JSON);
    assert_int_equal(parse("{'a':1}", 7, &err), EG_E_BAD_JSON);
    assert_int_equal(parse("{\"a\":NaN}", 9, &err), EG_E_BAD_JSON);
    /* A number too large for 64 bits is named by its field. */
    assert_int_equal(parse("{\"a\":99999999999999999999}", 26, &err), EG_E_INVALID_FIELD);
    assert_string_equal(err.field, "a");
    assert_int_equal(parse("{\"b\":[1,{\"c\":-99999999999999999999}]}", 37, &err),
                     EG_E_INVALID_FIELD);
    assert_string_equal(err.field, "b[1].c");
    /* A raw NUL byte is called one, not invalid UTF-8. */
    assert_int_equal(parse("{\"a\":\"x\0y\"}", 11, &err), EG_E_BAD_JSON);
    assert_non_null(strstr(err.message, "NUL"));
    assert_int_equal(parse("{\"a\":1e999}", 11, &err), EG_E_BAD_JSON);
    assert_int_equal(err.status, EG_E_BAD_JSON);
    assert_true(err.message[0] != '\0');
    assert_string_equal(err.field, "");
    /* Fine with surrounding white space, arrays at the top. */
    assert_int_equal(parse(" \n{\"a\":1}\r\n ", 12, &err), EG_OK);
    assert_int_equal(parse("[1,2,{\"a\":[]}]", 14, &err), EG_OK);
}

static void test_parse_utf8_nul_duplicates(void **state)
{
    struct eg_field_error err;
    static const char bad_utf8[] = "{\"a\":\"\xff\xfe\"}";
    static const char overlong[] = "{\"a\":\"\xc0\xaf\"}";
    static const char surrogate[] = "{\"a\":\"\xed\xa0\x80\"}";
    static const char raw_nul[] = "{\"a\":\"x\0y\"}";
    static const char esc_nul[] = "{\"a\":\"x\\u0000y\"}";
    static const char key_nul[] = "{\"a\\u0000b\":1}";
    static const char dup[] = "{\"a\":1,\"a\":2}";
    static const char dup_nested[] = "{\"o\":{\"b\":1,\"b\":1}}";

    (void)state;
    assert_int_equal(parse(bad_utf8, sizeof(bad_utf8) - 1, &err), EG_E_BAD_UTF8);
    assert_int_equal(parse(overlong, sizeof(overlong) - 1, &err), EG_E_BAD_UTF8);
    assert_int_equal(parse(surrogate, sizeof(surrogate) - 1, &err), EG_E_BAD_UTF8);
    assert_int_equal(parse(raw_nul, sizeof(raw_nul) - 1, &err), EG_E_BAD_JSON);
    assert_int_equal(parse(esc_nul, sizeof(esc_nul) - 1, &err), EG_E_BAD_JSON);
    assert_int_equal(parse(key_nul, sizeof(key_nul) - 1, &err), EG_E_BAD_JSON);
    assert_int_equal(parse(dup, sizeof(dup) - 1, &err), EG_E_BAD_JSON);
    assert_non_null(strstr(err.message, "duplicate"));
    assert_int_equal(parse(dup_nested, sizeof(dup_nested) - 1, &err), EG_E_BAD_JSON);
    /* Escaped non-ASCII is fine; a lone escaped surrogate is not. */
    assert_int_equal(parse("{\"a\":\"\\u53a6\\ud83d\\ude00\"}", 26, &err), EG_OK);
    assert_int_not_equal(parse("{\"a\":\"\\ud83d\"}", 14, &err), EG_OK);
}

/* Build n nested arrays (or objects) around a 1. */
static char *nest(int n, int objects)
{
    char *s = malloc((size_t)n * 6 + 2);
    size_t len = 0;
    int i;

    assert_non_null(s);
    for (i = 0; i < n; i++) {
        if (objects) {
            memcpy(s + len, "{\"a\":", 5);
            len += 5;
        } else {
            s[len++] = '[';
        }
    }
    s[len++] = '1';
    for (i = 0; i < n; i++)
        s[len++] = objects ? '}' : ']';
    s[len] = '\0';
    return s;
}

static void test_depth(void **state)
{
    struct eg_field_error err;
    char *s;

    (void)state;
    s = nest(32, 0);
    assert_int_equal(parse(s, strlen(s), &err), EG_OK);
    free(s);
    s = nest(33, 0);
    assert_int_equal(parse(s, strlen(s), &err), EG_E_BAD_JSON);
    free(s);
    s = nest(32, 1);
    assert_int_equal(parse(s, strlen(s), &err), EG_OK);
    free(s);
    s = nest(33, 1);
    assert_int_equal(parse(s, strlen(s), &err), EG_E_BAD_JSON);
    free(s);
    s = nest(200000, 0);
    assert_int_equal(parse(s, strlen(s), &err), EG_E_BAD_JSON);
    free(s);
    /* Brackets inside strings do not count. */
    {
        static const char brackets[] =
            "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[[\"}";

        assert_int_equal(parse(brackets, sizeof(brackets) - 1, &err), EG_OK);
    }
}

static void test_getters(void **state)
{
    json_t *o =
        json_pack("{s:s,s:I,s:b,s:n,s:f}", "s", "v", "i", (json_int_t)42, "b", 1, "n", "r", 1.5);

    (void)state;
    assert_non_null(o);
    assert_string_equal(eg_json_str(o, "s", "d"), "v");
    assert_string_equal(eg_json_str(o, "missing", "d"), "d");
    assert_string_equal(eg_json_str(o, "n", "d"), "d");
    assert_string_equal(eg_json_str(o, "i", "d"), "d");
    assert_null(eg_json_str(o, "n", NULL));
    assert_int_equal(eg_json_int(o, "i", -1), 42);
    assert_int_equal(eg_json_int(o, "r", -1), -1);
    assert_int_equal(eg_json_int(o, "missing", 7), 7);
    assert_int_equal(eg_json_bool(o, "b", 0), 1);
    assert_int_equal(eg_json_bool(o, "i", -1), -1);
    assert_int_equal(eg_json_bool(o, "missing", 0), 0);
    json_decref(o);
}

/* A required nullable field given as null counts as missing. */
static void test_required_nullable(void **state)
{
    static const struct eg_field s[] = {
        {"reason", EG_FT_STRING, EG_F_REQUIRED | EG_F_NULLABLE, 0, 0, 0, NULL, NULL, NULL},
        {0},
    };
    struct eg_field_error err;
    json_t *v = json_pack("{s:n}", "reason");

    (void)state;
    assert_int_equal(eg_fields_check(v, s, &err), EG_E_MISSING_FIELD);
    assert_string_equal(err.field, "reason");
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_ok),
        cmocka_unit_test(test_full_ok),
        cmocka_unit_test(test_unknown_and_missing),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_bool_date_instant_enum),
        cmocka_unit_test(test_nested_objects),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_array_default_cap),
        cmocka_unit_test(test_not_object),
        cmocka_unit_test(test_long_key_path),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_utf8_nul_duplicates),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_required_nullable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
