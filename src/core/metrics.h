/*
 * metrics.h — counters and latency histograms for GET /metrics, and the
 * Prometheus text exposition format they are written in.
 *
 * Each module keeps its own figures as plain atomics next to the code that
 * counts them and writes them with the helpers below when app/metrics.c
 * answers a scrape; there is no global registry to lock. Counting is a
 * relaxed atomic add: nothing on a request's path waits for a scrape.
 *
 * Names follow Prometheus' conventions: egret_<module>_<what>_<unit>, counters
 * end in _total, durations are in seconds.
 */
#ifndef EG_CORE_METRICS_H
#define EG_CORE_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/buf.h"

/* Upper bounds of the latency buckets, in microseconds (1 ms … 10 s). */
#define EG_METRICS_BUCKETS 13
extern const int64_t eg_metrics_bucket_us[EG_METRICS_BUCKETS];

/* A duration histogram; all zero is empty, so static and calloc'd ones need no set-up. */
struct eg_histogram {
    atomic_uint_fast64_t bucket[EG_METRICS_BUCKETS + 1]; /* the last is +Inf */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t count;
};

void eg_histogram_observe_us(struct eg_histogram *h, int64_t us);

static inline void eg_counter_add(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t eg_counter_get(const atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void eg_metrics_family(struct eg_buf *out, const char *name, const char *type, const char *help);

/*
 * One sample: name{labels} value. labels is the inside of the braces as
 * written by eg_metrics_label (or NULL/"" for none).
 */
void eg_metrics_sample(struct eg_buf *out, const char *name, const char *labels, double value);

/* The _bucket, _sum and _count samples of a histogram, with labels added to each. */
void eg_metrics_histogram(struct eg_buf *out, const char *name, const char *labels,
                          const struct eg_histogram *h);

/*
 * Append key="value" to the label text in buf (size bytes, NUL-terminated),
 * with a comma when it is not the first; the value is escaped (\\, \", \n).
 * A label that does not fit is left out.
 */
void eg_metrics_label(char *buf, size_t size, const char *key, const char *value);

#endif
