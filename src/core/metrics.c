/*
 * metrics.c — histograms and the Prometheus text format (see metrics.h).
 *
 * Written here rather than with a client library: Debian has none for C
 * (prometheus-client-c is not packaged), and what egret needs — counters,
 * gauges and fixed-bucket histograms in the text format — is a page of code.
 */
#include "core/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const int64_t eg_metrics_bucket_us[EG_METRICS_BUCKETS] = {
    1000,   2500,   5000,    10000,   25000,   50000,    100000,
    250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

void eg_histogram_observe_us(struct eg_histogram *h, int64_t us)
{
    int i = 0;

    if (us < 0)
        us = 0;
    while (i < EG_METRICS_BUCKETS && us > eg_metrics_bucket_us[i])
        i++;
    atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, (uint64_t)us, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void eg_metrics_family(struct eg_buf *out, const char *name, const char *type, const char *help)
{
    eg_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void eg_metrics_sample(struct eg_buf *out, const char *name, const char *labels, double value)
{
    const char *open = labels && labels[0] ? "{" : "";
    const char *close = labels && labels[0] ? "}" : "";

    /* Integers (every counter) exactly; fractions with enough digits. */
    if (value == floor(value) && fabs(value) < 9007199254740992.0)
        eg_buf_printf(out, "%s%s%s%s %.0f\n", name, open, labels ? labels : "", close, value);
    else
        eg_buf_printf(out, "%s%s%s%s %.9g\n", name, open, labels ? labels : "", close, value);
}

void eg_metrics_histogram(struct eg_buf *out, const char *name, const char *labels,
                          const struct eg_histogram *h)
{
    char series[160], lab[512];
    uint64_t cumulative = 0;
    const char *sep = labels && labels[0] ? "," : "";
    int i;

    snprintf(series, sizeof series, "%s_bucket", name);
    /* Read the buckets first and the count from them, so a scrape during
     * an observation never shows a count below its +Inf bucket. */
    for (i = 0; i <= EG_METRICS_BUCKETS; i++) {
        cumulative += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
        if (i < EG_METRICS_BUCKETS)
            snprintf(lab, sizeof lab, "%s%sle=\"%g\"", labels ? labels : "", sep,
                     (double)eg_metrics_bucket_us[i] / 1e6);
        else
            snprintf(lab, sizeof lab, "%s%sle=\"+Inf\"", labels ? labels : "", sep);
        eg_metrics_sample(out, series, lab, (double)cumulative);
    }
    snprintf(series, sizeof series, "%s_sum", name);
    eg_metrics_sample(out, series, labels,
                      (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6);
    snprintf(series, sizeof series, "%s_count", name);
    eg_metrics_sample(out, series, labels, (double)cumulative);
}

void eg_metrics_label(char *buf, size_t size, const char *key, const char *value)
{
    size_t len = strlen(buf), start = len;
    const char *p;

    if (len > 0 && len + 1 < size)
        buf[len++] = ',';
    for (p = key; *p && len + 1 < size; p++)
        buf[len++] = *p;
    if (len + 2 < size) {
        buf[len++] = '=';
        buf[len++] = '"';
    }
    for (p = value ? value : ""; *p && len + 3 < size; p++) {
        char c = *p == '\n' ? 'n' : *p;

        if (*p == '\\' || *p == '"' || *p == '\n')
            buf[len++] = '\\';
        buf[len++] = c;
    }
    if (*p != '\0' || len + 2 > size) { /* did not fit: leave the label out */
        buf[start] = '\0';
        return;
    }
    buf[len++] = '"';
    buf[len] = '\0';
}
