/*
 * fuzz_csv_feed.c — libFuzzer target for the feed parser and row checks
 * (monitoring/feed.h), without a database.
 *
 * The first byte picks the feed, the format (CSV or JSON), the size of the
 * pieces the body is pushed in and whether unquoted lines take the fast
 * path; the rest is the body. Beyond not crashing or leaking, properties
 * are checked: every delivered row is within its feed's rules (numbers in
 * range, text valid UTF-8), the error list never passes its cap, and a CSV
 * body gives the same rows and errors with and without the fast path, in
 * one piece or many.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident.h"
#include "core/time.h"
#include "monitoring/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t rows;
    uint64_t digest; /* of every delivered row's values */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h;
}

static enum eg_status on_row(void *ctx, struct eg_mon_parser *p, const struct eg_mon_row *r)
{
    struct seen *s = ctx;
    size_t ncols = 0;
    const struct eg_mon_column *cols = eg_mon_feed_columns(r->feed, &ncols);
    s->rows++;
    s->digest = mix(s->digest, r->line);
    for (size_t c = 0; c < ncols; c++) {
        const struct eg_mon_value *v = &r->v[c];
        if (cols[c].required && !v->present)
            abort();
        if (!v->present)
            continue;
        if ((cols[c].type == EG_MON_COL_INT || cols[c].type == EG_MON_COL_MONEY) &&
            (v->i < cols[c].min || v->i > cols[c].max))
            abort();
        if (v->s) {
            if (!eg_utf8_valid(v->s, v->len) || v->len > EG_MON_FIELD_MAX || v->s[v->len] != '\0')
                abort();
            for (size_t k = 0; k < v->len; k++)
                s->digest = mix(s->digest, (unsigned char)v->s[k]);
        } else {
            s->digest = mix(s->digest, (uint64_t)v->i);
        }
    }
    /* the sink may add its own errors, as the database checks do */
    if ((s->digest & 31) == 0)
        eg_mon_parser_row_error(p, r, "platform_worker_id", "is not on this platform's roster");
    return EG_OK;
}

/* Parse the body; the result in *s, *st, *nerr. */
static void run(enum eg_mon_feed feed, enum eg_mon_format fmt, const uint8_t *body, size_t len,
                size_t piece, int fast, struct seen *s, enum eg_status *st, uint64_t *nerr)
{
    memset(s, 0, sizeof *s);
    struct eg_mon_parser *p =
        eg_mon_parser_new(feed, fmt, eg_day_from_civil(2026, 11, 29),
                          eg_day_start(eg_day_from_civil(2026, 11, 29)), on_row, s);
    if (!p)
        return;
    eg_mon_parser_set_fast_path(p, fast);
    for (size_t at = 0; at < len; at += piece)
        eg_mon_parser_push(p, (const char *)body + at, len - at < piece ? len - at : piece);
    *st = eg_mon_parser_finish(p);
    *nerr = eg_mon_parser_error_count(p);
    size_t n = 0;
    const struct eg_mon_row_error *e = eg_mon_parser_errors(p, &n);
    if (n > EG_MON_MAX_ERRORS || n > *nerr)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!eg_utf8_valid(e[i].field, strlen(e[i].field)) ||
            !eg_utf8_valid(e[i].reason, strlen(e[i].reason)))
            abort();
    eg_mon_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    enum eg_mon_feed feed = (enum eg_mon_feed)(ctl % EG_MON_FEEDS);
    enum eg_mon_format fmt = (ctl >> 3) & 1 ? EG_MON_JSON : EG_MON_CSV;
    size_t piece = 1 + ((ctl >> 4) & 7) * 13;
    struct seen a, b;
    enum eg_status sa = EG_OK, sb = EG_OK;
    uint64_t ea = 0, eb = 0;
    run(feed, fmt, data + 1, size - 1, size, 1, &a, &sa, &ea);
    run(feed, fmt, data + 1, size - 1, piece, fmt == EG_MON_CSV ? 0 : 1, &b, &sb, &eb);
    if (sa != sb || a.rows != b.rows || a.digest != b.digest || ea != eb)
        abort();
    return 0;
}
