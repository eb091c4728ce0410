/*
 * test_metrics.c — histogram buckets, label escaping and the sample lines
 * of the Prometheus text format (core/metrics).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/metrics.h"

static void test_buckets_are_cumulative(void **state)
{
    static struct eg_histogram h;
    struct eg_buf b;

    (void)state;
    eg_histogram_observe_us(&h, 500);      /* <= 1 ms */
    eg_histogram_observe_us(&h, 1000);     /* exactly 1 ms: le="0.001" */
    eg_histogram_observe_us(&h, 30000);    /* <= 50 ms */
    eg_histogram_observe_us(&h, 60000000); /* a minute: only +Inf */
    eg_histogram_observe_us(&h, -5);       /* a clock step back counts as 0 */
    eg_buf_init(&b, 1 << 16);
    eg_metrics_histogram(&b, "x_seconds", "route=\"/a\"", &h);
    assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"0.001\"} 3\n"));
    assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"0.025\"} 3\n"));
    assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"0.05\"} 4\n"));
    assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"10\"} 4\n"));
    assert_non_null(strstr(b.data, "x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 5\n"));
    assert_non_null(strstr(b.data, "x_seconds_count{route=\"/a\"} 5\n"));
    assert_non_null(strstr(b.data, "x_seconds_sum{route=\"/a\"} 60.0315\n"));
    eg_buf_free(&b);
}

static void test_label_escaping_and_overflow(void **state)
{
    char lab[64] = "";

    (void)state;
    eg_metrics_label(lab, sizeof lab, "route", "/a\"b\\c\nd");
    assert_string_equal(lab, "route=\"/a\\\"b\\\\c\\nd\"");
    eg_metrics_label(lab, sizeof lab, "status", "200");
    assert_string_equal(lab, "route=\"/a\\\"b\\\\c\\nd\",status=\"200\"");
    /* A label that does not fit is left out whole, never cut mid-value. */
    eg_metrics_label(lab, sizeof lab, "long", "0123456789012345678901234567890123456789");
    assert_string_equal(lab, "route=\"/a\\\"b\\\\c\\nd\",status=\"200\"");
    /* 城市 in UTF-8 passes through as bytes. */
    lab[0] = '\0';
    eg_metrics_label(lab, sizeof lab, "city", "厦门");
    assert_string_equal(lab, "city=\"厦门\"");
}

static void test_samples(void **state)
{
    struct eg_buf b;

    (void)state;
    eg_buf_init(&b, 4096);
    eg_metrics_family(&b, "a_total", "counter", "Things.");
    eg_metrics_sample(&b, "a_total", NULL, 12345678901234.0);
    eg_metrics_sample(&b, "b", "", 0.25);
    eg_metrics_sample(&b, "c", "k=\"v\"", 3);
    assert_string_equal(b.data, "# HELP a_total Things.\n# TYPE a_total counter\n"
                                "a_total 12345678901234\nb 0.25\nc{k=\"v\"} 3\n");
    eg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets_are_cumulative),
        cmocka_unit_test(test_label_escaping_and_overflow),
        cmocka_unit_test(test_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
