/*
 * test_events.c — the in-process events (core/events.h): subscribers of a
 * kind run in subscription order with the event, other kinds' do not, the
 * first error stops the rest and is returned, eg_event_wanted tells whether
 * anyone listens, and a full table refuses one more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/events.h"

static char heard[64];

static enum eg_status note(struct eg_db *db, const struct eg_event *ev, void *ctx)
{
    (void)db;
    size_t n = strlen(heard);
    heard[n] = *(const char *)ctx;
    heard[n + 1] = (char)('0' + ev->id);
    heard[n + 2] = '\0';
    return EG_OK;
}

static enum eg_status refuse(struct eg_db *db, const struct eg_event *ev, void *ctx)
{
    (void)db, (void)ev, (void)ctx;
    return EG_E_CONFLICT;
}

static int reset(void **state)
{
    (void)state;
    eg_event_reset();
    heard[0] = '\0';
    return 0;
}

static void test_order_and_kinds(void **state)
{
    (void)state;
    assert_false(eg_event_wanted(EG_EVENT_CLAIM_REPORTED));
    assert_int_equal(eg_event_subscribe(EG_EVENT_CLAIM_REPORTED, note, "a"), EG_OK);
    assert_int_equal(eg_event_subscribe(EG_EVENT_CASE_FILED, note, "x"), EG_OK);
    assert_int_equal(eg_event_subscribe(EG_EVENT_CLAIM_REPORTED, note, "b"), EG_OK);
    assert_true(eg_event_wanted(EG_EVENT_CLAIM_REPORTED));
    assert_false(eg_event_wanted(EG_EVENT_CLAIM_MOVED));

    struct eg_event ev = {.kind = EG_EVENT_CLAIM_REPORTED, .id = 7};
    assert_int_equal(eg_event_publish(NULL, &ev), EG_OK);
    assert_string_equal(heard, "a7b7");
    ev.kind = EG_EVENT_CLAIM_MOVED; /* nobody listens: nothing runs, all is well */
    assert_int_equal(eg_event_publish(NULL, &ev), EG_OK);
    assert_string_equal(heard, "a7b7");
    assert_string_equal(eg_event_kind_name(EG_EVENT_CASE_FILED), "case.filed");
    assert_string_equal(eg_event_kind_name(EG_EVENT_KIND_COUNT), "unknown");
}

static void test_error_stops_the_rest(void **state)
{
    (void)state;
    assert_int_equal(eg_event_subscribe(EG_EVENT_CASE_FILED, note, "a"), EG_OK);
    assert_int_equal(eg_event_subscribe(EG_EVENT_CASE_FILED, refuse, NULL), EG_OK);
    assert_int_equal(eg_event_subscribe(EG_EVENT_CASE_FILED, note, "c"), EG_OK);
    struct eg_event ev = {.kind = EG_EVENT_CASE_FILED, .id = 3};
    assert_int_equal(eg_event_publish(NULL, &ev), EG_E_CONFLICT);
    assert_string_equal(heard, "a3");
}

static void test_table_full(void **state)
{
    (void)state;
    int ok = 0;
    while (eg_event_subscribe(EG_EVENT_CASE_FILED, note, "z") == EG_OK && ok < 1000)
        ok++;
    assert_true(ok > 0 && ok < 1000);
    assert_int_equal(eg_event_subscribe(EG_EVENT_CASE_FILED, note, "z"), EG_E_INTERNAL);
    eg_event_reset();
    assert_false(eg_event_wanted(EG_EVENT_CASE_FILED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_order_and_kinds, reset),
        cmocka_unit_test_setup(test_error_stops_the_rest, reset),
        cmocka_unit_test_setup(test_table_full, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
