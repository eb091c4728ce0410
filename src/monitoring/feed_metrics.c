/*
 * feed_metrics.c — what the platform and department feeds took in, for
 * GET /metrics: batches by feed and outcome, rows by feed and outcome.
 */
#include "monitoring/internal.h"

#include "core/metrics.h"

enum batch_outcome { B_STORED, B_REPLAYED, B_REJECTED, B_BUSY, B_INVALID, B_FAILED, B_N };
enum row_outcome { R_INSERTED, R_UPDATED, R_REJECTED, R_N };

static const char *const batch_names[B_N] = {"stored", "replayed", "rejected",
                                             "busy",   "invalid",  "failed"};
static const char *const row_names[R_N] = {"inserted", "updated", "rejected"};

static atomic_uint_fast64_t batches[EG_MON_FEEDS][B_N];
static atomic_uint_fast64_t rows[EG_MON_FEEDS][R_N];
static struct eg_histogram batch_time[EG_MON_FEEDS];

void eg_mon_feed_count(int feed, int status, uint64_t inserted, uint64_t updated, uint64_t rejected,
                       int64_t us)
{
    enum batch_outcome b;

    if (feed < 0 || feed >= EG_MON_FEEDS)
        return;
    b = status == 201                    ? B_STORED
        : status == 200                  ? B_REPLAYED
        : status == 422                  ? B_REJECTED
        : status == 503 || status == 429 ? B_BUSY
        : status >= 400 && status < 500  ? B_INVALID
                                         : B_FAILED;
    eg_counter_add(&batches[feed][b], 1);
    if (b == B_STORED) {
        eg_counter_add(&rows[feed][R_INSERTED], inserted);
        eg_counter_add(&rows[feed][R_UPDATED], updated);
    } else if (b == B_REJECTED) {
        eg_counter_add(&rows[feed][R_REJECTED], rejected);
    }
    eg_histogram_observe_us(&batch_time[feed], us);
}

void eg_mon_metrics_write(struct eg_buf *out)
{
    char lab[96];

    eg_metrics_family(out, "egret_feed_batches_total", "counter",
                      "Feed batches by feed and outcome (stored, replayed under the same "
                      "batch id, rejected for bad rows, busy, invalid, failed).");
    for (int f = 0; f < EG_MON_FEEDS; f++)
        for (int b = 0; b < B_N; b++) {
            lab[0] = '\0';
            eg_metrics_label(lab, sizeof lab, "feed", eg_mon_feed_names[f]);
            eg_metrics_label(lab, sizeof lab, "outcome", batch_names[b]);
            eg_metrics_sample(out, "egret_feed_batches_total", lab,
                              (double)eg_counter_get(&batches[f][b]));
        }
    eg_metrics_family(out, "egret_feed_rows_total", "counter",
                      "Feed rows by feed and outcome (inserted, updated, rejected).");
    for (int f = 0; f < EG_MON_FEEDS; f++)
        for (int r = 0; r < R_N; r++) {
            lab[0] = '\0';
            eg_metrics_label(lab, sizeof lab, "feed", eg_mon_feed_names[f]);
            eg_metrics_label(lab, sizeof lab, "outcome", row_names[r]);
            eg_metrics_sample(out, "egret_feed_rows_total", lab,
                              (double)eg_counter_get(&rows[f][r]));
        }
    eg_metrics_family(out, "egret_feed_batch_duration_seconds", "histogram",
                      "Feed batches from the first body byte to the reply, by feed.");
    for (int f = 0; f < EG_MON_FEEDS; f++) {
        if (eg_counter_get(&batch_time[f].count) == 0)
            continue;
        lab[0] = '\0';
        eg_metrics_label(lab, sizeof lab, "feed", eg_mon_feed_names[f]);
        eg_metrics_histogram(out, "egret_feed_batch_duration_seconds", lab, &batch_time[f]);
    }
}
