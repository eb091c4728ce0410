/*
 * feed_parse.c — feed bodies to checked rows (see feed.h).
 *
 * CSV goes through libcsv in strict mode, one physical line per call, so the
 * parser knows on which line each record starts (quoted fields may span
 * lines; blank lines are skipped by libcsv and still counted here). libcsv
 * grows its field buffer through a realloc hook that refuses to pass
 * EG_MON_FIELD_HARD_MAX, which bounds memory whatever the input. JSON bodies
 * are framed by a small scanner (the array, then one object at a time, up to
 * EG_MON_JSON_OBJECT_MAX bytes each) and each object is parsed with jansson,
 * so neither format ever holds more than one row.
 */
#include "monitoring/feed.h"

#include <csv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident.h"
#include "core/money.h"
#include "http/fields.h"

/* libcsv's parser state when no record is in progress (ROW_NOT_BEGUN in libcsv.c). */
#define CSV_ROW_NOT_BEGUN 0

const char *const eg_mon_feed_names[EG_MON_FEEDS] = {
    "roster", "work-records", "penalties", "deactivations", "traffic-incidents", "social-insurance",
};

int eg_mon_feed_parse(const char *name)
{
    for (int i = 0; name && i < EG_MON_FEEDS; i++)
        if (strcmp(name, eg_mon_feed_names[i]) == 0)
            return i;
    return -1;
}

int eg_mon_feed_is_department(enum eg_mon_feed f)
{
    return f == EG_MON_FEED_TRAFFIC || f == EG_MON_FEED_SOCIAL;
}

static const char *const roster_status[] = {"active", "suspended", "deactivated", "left", NULL};
static const char *const incident_kinds[] = {"collision", "violation", NULL};
static const char *const severities[] = {"none", "minor", "serious", "fatal", NULL};
static const char *const vehicles[] = {"e_bike", "motorcycle", "car", "van",
                                       "truck",  "other",      NULL};
static const char *const schemes[] = {
    "pension", "medical", "unemployment", "work_injury", "occupational_injury", NULL};
static const char *const si_status[] = {"paid", "arrears", "stopped", NULL};

#define MONEY_DAY_MAX INT64_C(10000000) /* 100,000 yuan: past any real day or penalty */

static const struct eg_mon_column roster_cols[] = {
    {"platform_worker_id", EG_MON_COL_WORKER_ID, 1, 1, 0, 0, 64, NULL},
    {"name", EG_MON_COL_TEXT, 1, 1, 0, 0, 100, NULL},
    {"id_number", EG_MON_COL_ID_NUMBER, 1, 1, 0, 0, 18, NULL},
    {"phone", EG_MON_COL_PHONE, 1, 0, 0, 0, 11, NULL},
    {"occupation", EG_MON_COL_TEXT, 1, 1, 0, 0, 64, NULL},
    {"status", EG_MON_COL_ENUM, 1, 1, 0, 0, 0, roster_status},
    {"joined_on", EG_MON_COL_DATE, 1, 1, 0, 0, 0, NULL},
    {"district", EG_MON_COL_DISTRICT, 0, 0, 0, 0, 6, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL},
};

static const struct eg_mon_column work_cols[] = {
    {"platform_worker_id", EG_MON_COL_WORKER_ID, 1, 1, 0, 0, 64, NULL},
    {"date", EG_MON_COL_DATE, 1, 1, 0, 0, 0, NULL},
    {"orders", EG_MON_COL_INT, 1, 1, 0, 2000, 0, NULL},
    {"online_minutes", EG_MON_COL_INT, 1, 1, 0, 1440, 0, NULL},
    {"order_minutes", EG_MON_COL_INT, 1, 1, 0, 1440, 0, NULL},
    {"income_fen", EG_MON_COL_MONEY, 1, 1, 0, MONEY_DAY_MAX, 0, NULL},
    {"penalty_count", EG_MON_COL_INT, 1, 1, 0, 1000, 0, NULL},
    {"penalty_fen", EG_MON_COL_MONEY, 1, 1, 0, MONEY_DAY_MAX, 0, NULL},
    {"district", EG_MON_COL_DISTRICT, 0, 0, 0, 0, 6, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL},
};

static const struct eg_mon_column penalty_cols[] = {
    {"platform_worker_id", EG_MON_COL_WORKER_ID, 1, 1, 0, 0, 64, NULL},
    {"occurred_at", EG_MON_COL_INSTANT, 1, 1, 0, 0, 0, NULL},
    {"reason", EG_MON_COL_TEXT, 1, 1, 0, 0, 200, NULL},
    {"amount_fen", EG_MON_COL_MONEY, 1, 1, 0, MONEY_DAY_MAX, 0, NULL},
    {"appealed", EG_MON_COL_BOOL, 1, 1, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL},
};

static const struct eg_mon_column deactivation_cols[] = {
    {"platform_worker_id", EG_MON_COL_WORKER_ID, 1, 1, 0, 0, 64, NULL},
    {"occurred_at", EG_MON_COL_INSTANT, 1, 1, 0, 0, 0, NULL},
    {"reason", EG_MON_COL_TEXT, 1, 1, 0, 0, 200, NULL},
    {"appeal_channel", EG_MON_COL_TEXT, 1, 0, 0, 0, 200, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL},
};

static const struct eg_mon_column traffic_cols[] = {
    {"id_number", EG_MON_COL_ID_NUMBER, 1, 1, 0, 0, 18, NULL},
    {"occurred_at", EG_MON_COL_INSTANT, 1, 1, 0, 0, 0, NULL},
    {"district", EG_MON_COL_DISTRICT, 1, 1, 0, 0, 6, NULL},
    {"kind", EG_MON_COL_ENUM, 1, 1, 0, 0, 0, incident_kinds},
    {"severity", EG_MON_COL_ENUM, 1, 1, 0, 0, 0, severities},
    {"vehicle", EG_MON_COL_ENUM, 1, 1, 0, 0, 0, vehicles},
    {"reference", EG_MON_COL_WORKER_ID, 1, 1, 0, 0, 64, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL},
};

static const struct eg_mon_column social_cols[] = {
    {"id_number", EG_MON_COL_ID_NUMBER, 1, 1, 0, 0, 18, NULL},
    {"month", EG_MON_COL_MONTH, 1, 1, 0, 0, 0, NULL},
    {"scheme", EG_MON_COL_ENUM, 1, 1, 0, 0, 0, schemes},
    {"status", EG_MON_COL_ENUM, 1, 1, 0, 0, 0, si_status},
    {"payer_credit_code", EG_MON_COL_CREDIT_CODE, 1, 0, 0, 0, 18, NULL},
    {NULL, 0, 0, 0, 0, 0, 0, NULL},
};

const struct eg_mon_column *eg_mon_feed_columns(enum eg_mon_feed f, size_t *n)
{
    static const struct eg_mon_column *const all[EG_MON_FEEDS] = {
        roster_cols, work_cols, penalty_cols, deactivation_cols, traffic_cols, social_cols,
    };
    const struct eg_mon_column *c = (unsigned)f < EG_MON_FEEDS ? all[f] : roster_cols;
    size_t k = 0;
    while (c[k].name)
        k++;
    if (n)
        *n = k;
    return c;
}

enum json_state { J_START, J_FIRST, J_NEXT, J_OBJECT, J_AFTER, J_END };

struct eg_mon_parser {
    enum eg_mon_feed feed;
    enum eg_mon_format fmt;
    const struct eg_mon_column *cols;
    size_t ncols;
    eg_day today;
    int64_t now;
    eg_mon_row_fn fn;
    void *ctx;

    enum eg_status stop; /* EG_OK while parsing goes on */
    char stop_msg[200];
    uint64_t bytes; /* body bytes seen (after the byte-order mark) */
    int bom_done;
    unsigned char bom[3];
    size_t bom_len;

    /* CSV */
    struct csv_parser csv;
    int csv_ready;
    int no_fast_path;  /* every byte through libcsv (tests compare both ways) */
    uint32_t line;     /* the physical line being read, from 1 */
    uint32_t rec_line; /* the line where the record in progress started */
    int header_done;
    size_t header_n;
    int colmap[EG_MON_MAX_COLS]; /* CSV position → column */
    size_t nfields;              /* fields of the record in progress */
    char *buf;                   /* the record's fields, NUL-separated */
    size_t buf_len;
    size_t off[EG_MON_MAX_COLS], len[EG_MON_MAX_COLS];
    unsigned char big[EG_MON_MAX_COLS]; /* the field was longer than EG_MON_FIELD_MAX */

    /* JSON */
    enum json_state js;
    char *obj;
    size_t obj_len;
    uint32_t obj_line;
    int depth, in_str, esc;

    uint32_t rows;
    struct eg_mon_row row;
    int row_bad; /* the current row has an error */
    uint64_t nerr;
    struct eg_mon_row_error *errs;
    size_t errs_len;
};

/* libcsv's buffer may grow up to the hard cap and no further. */
static void *capped_realloc(void *ptr, size_t size)
{
    if (size > EG_MON_FIELD_HARD_MAX + 1)
        return NULL;
    return realloc(ptr, size);
}

struct eg_mon_parser *eg_mon_parser_new(enum eg_mon_feed feed, enum eg_mon_format fmt, eg_day today,
                                        int64_t now, eg_mon_row_fn fn, void *ctx)
{
    struct eg_mon_parser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->feed = feed;
    p->fmt = fmt;
    p->cols = eg_mon_feed_columns(feed, &p->ncols);
    p->today = today;
    p->now = now;
    p->fn = fn;
    p->ctx = ctx;
    p->line = 1;
    p->rec_line = 1;
    p->buf = malloc(EG_MON_MAX_COLS * (EG_MON_FIELD_MAX + 1));
    if (fmt == EG_MON_JSON)
        p->obj = malloc(EG_MON_JSON_OBJECT_MAX);
    if (!p->buf || (fmt == EG_MON_JSON && !p->obj)) {
        eg_mon_parser_free(p);
        return NULL;
    }
    if (fmt == EG_MON_CSV) {
        if (csv_init(&p->csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
            eg_mon_parser_free(p);
            return NULL;
        }
        p->csv_ready = 1;
        csv_set_realloc_func(&p->csv, capped_realloc);
        csv_set_blk_size(&p->csv, 1024);
    }
    return p;
}

void eg_mon_parser_set_fast_path(struct eg_mon_parser *p, int on)
{
    p->no_fast_path = !on;
}

void eg_mon_parser_free(struct eg_mon_parser *p)
{
    if (!p)
        return;
    if (p->csv_ready)
        csv_free(&p->csv);
    free(p->buf);
    free(p->obj);
    free(p->errs);
    free(p);
}

/* Copy s into out (size outsz) fit for a JSON string: valid UTF-8, no
 * control characters (each bad byte becomes '?'), cut on a character. */
static void safe_copy(char *out, size_t outsz, const char *s, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n && o + 1 < outsz) {
        unsigned char c = (unsigned char)s[i];
        size_t clen = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (clen == 0 || i + clen > n || !eg_utf8_valid(s + i, clen) || c < 0x20 || c == 0x7f) {
            out[o++] = '?';
            i++;
            continue;
        }
        if (o + clen >= outsz)
            break;
        memcpy(out + o, s + i, clen);
        o += clen;
        i += clen;
    }
    out[o] = '\0';
}

/* Record an error at (line, index, field). */
static void add_error(struct eg_mon_parser *p, uint32_t line, uint32_t index, const char *field,
                      size_t field_len, const char *reason)
{
    p->nerr++;
    if (p->errs_len >= EG_MON_MAX_ERRORS)
        return;
    if (!p->errs) {
        p->errs = calloc(EG_MON_MAX_ERRORS, sizeof *p->errs);
        if (!p->errs)
            return;
    }
    struct eg_mon_row_error *e = &p->errs[p->errs_len++];
    e->line = line;
    e->index = index;
    safe_copy(e->field, sizeof e->field, field ? field : "", field ? field_len : 0);
    safe_copy(e->reason, sizeof e->reason, reason, strlen(reason));
}

void eg_mon_parser_row_error(struct eg_mon_parser *p, const struct eg_mon_row *row,
                             const char *field, const char *fmt, ...)
{
    char reason[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (row == &p->row)
        p->row_bad = 1;
    add_error(p, row ? row->line : p->line, row ? row->index : 0, field, field ? strlen(field) : 0,
              reason);
}

/* Stop parsing with st and a message about line. */
__attribute__((format(printf, 3, 4))) static void stop(struct eg_mon_parser *p, enum eg_status st,
                                                       const char *fmt, ...)
{
    va_list ap;
    if (p->stop != EG_OK)
        return;
    p->stop = st;
    va_start(ap, fmt);
    vsnprintf(p->stop_msg, sizeof p->stop_msg, fmt, ap);
    va_end(ap);
}

uint32_t eg_mon_parser_rows(const struct eg_mon_parser *p)
{
    return p->rows;
}

uint64_t eg_mon_parser_error_count(const struct eg_mon_parser *p)
{
    return p->nerr;
}

const struct eg_mon_row_error *eg_mon_parser_errors(const struct eg_mon_parser *p, size_t *n)
{
    *n = p->errs_len;
    return p->errs;
}

const char *eg_mon_parser_stop_message(const struct eg_mon_parser *p)
{
    return p->stop == EG_OK ? NULL : p->stop_msg;
}

/* ------------------------------------------------------------ values */

/* A row error for column c. */
__attribute__((format(printf, 3, 4))) static void col_error(struct eg_mon_parser *p, size_t c,
                                                            const char *fmt, ...)
{
    char reason[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    p->row_bad = 1;
    add_error(p, p->row.line, p->row.index, p->cols[c].name, strlen(p->cols[c].name), reason);
}

/* A non-negative decimal of 1–18 digits, nothing else. */
static int parse_uint(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* The characters of worker ids and references: [A-Za-z0-9._:-]. */
static int id_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
}

/* Whether s[0..n) is text without control characters. */
static int plain_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Check a number already read for column c and store it. */
static void put_int(struct eg_mon_parser *p, size_t c, int64_t v)
{
    const struct eg_mon_column *col = &p->cols[c];
    if (v < col->min || v > col->max) {
        col_error(p, c, "must be a whole number from %lld to %lld", (long long)col->min,
                  (long long)col->max);
        return;
    }
    p->row.v[c].present = 1;
    p->row.v[c].i = v;
}

/*
 * Check the text value s[0..n) (NUL-terminated, writable: ID numbers are
 * normalised in place) for column c and store it in the row.
 */
static void put_text(struct eg_mon_parser *p, size_t c, char *s, size_t n)
{
    const struct eg_mon_column *col = &p->cols[c];
    struct eg_mon_value *v = &p->row.v[c];
    int64_t num = 0;
    eg_day d = 0;

    if (n == 0) {
        if (col->required)
            col_error(p, c, "a value is required");
        return;
    }
    if (!eg_utf8_valid(s, n)) {
        col_error(p, c, "is not valid UTF-8 (send UTF-8; GBK and other encodings are refused)");
        return;
    }
    v->s = s;
    v->len = n;
    switch (col->type) {
    case EG_MON_COL_WORKER_ID: {
        size_t k = 0;
        while (k < n && id_char((unsigned char)s[k]))
            k++;
        if (n > 64 || k != n) {
            col_error(p, c, "must be 1 to 64 characters of letters, digits and . _ : -");
            return;
        }
        break;
    }
    case EG_MON_COL_TEXT:
        if (n > col->max_len) {
            col_error(p, c, "must be at most %zu bytes", col->max_len);
            return;
        }
        if (!plain_text(s, n)) {
            col_error(p, c, "must not contain control characters");
            return;
        }
        break;
    case EG_MON_COL_ID_NUMBER: {
        struct eg_id_info info;
        if (n != 18 || eg_id_number_check(s, p->today, &info) != EG_OK) {
            col_error(p, c, "is not a valid resident ID number (GB 11643)");
            return;
        }
        memcpy(s, info.normalized, 18);
        v->i = info.birth;
        break;
    }
    case EG_MON_COL_PHONE:
        if (eg_phone_check(s) != EG_OK) {
            col_error(p, c, "is not a valid mainland mobile number");
            return;
        }
        break;
    case EG_MON_COL_DATE:
        if (eg_date_parse(s, &d) != EG_OK) {
            col_error(p, c, "must be a date YYYY-MM-DD");
            return;
        }
        if (d > p->today) {
            col_error(p, c, "is in the future");
            return;
        }
        if (d < eg_day_from_civil(2000, 1, 1)) {
            col_error(p, c, "is before 2000-01-01");
            return;
        }
        v->i = d;
        break;
    case EG_MON_COL_INSTANT:
        if (eg_instant_parse(s, &num) != EG_OK) {
            col_error(p, c, "must be an RFC 3339 instant, e.g. 2026-03-01T08:30:00+08:00");
            return;
        }
        if (num > p->now + 600) {
            col_error(p, c, "is in the future");
            return;
        }
        if (num < eg_day_start(eg_day_from_civil(2000, 1, 1))) {
            col_error(p, c, "is before the year 2000");
            return;
        }
        v->i = num;
        break;
    case EG_MON_COL_MONTH: {
        int64_t y = 0, m = 0;
        int ty, tm, td;
        eg_day_to_civil(p->today, &ty, &tm, &td);
        if (n != 7 || s[4] != '-' || parse_uint(s, 4, &y) != 0 || parse_uint(s + 5, 2, &m) != 0 ||
            m < 1 || m > 12 || y < 2000) {
            col_error(p, c, "must be a month YYYY-MM");
            return;
        }
        if (y * 12 + m - 1 > (int64_t)ty * 12 + tm - 1) {
            col_error(p, c, "is in the future");
            return;
        }
        v->i = y * 12 + m - 1;
        break;
    }
    case EG_MON_COL_INT:
    case EG_MON_COL_MONEY:
        if (parse_uint(s, n, &num) != 0) {
            col_error(p, c, "must be a whole number from %lld to %lld%s", (long long)col->min,
                      (long long)col->max, col->type == EG_MON_COL_MONEY ? " (fen)" : "");
            return;
        }
        put_int(p, c, num);
        return;
    case EG_MON_COL_BOOL:
        if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 1 && s[0] == '1'))
            v->i = 1;
        else if ((n == 5 && memcmp(s, "false", 5) == 0) || (n == 1 && s[0] == '0'))
            v->i = 0;
        else {
            col_error(p, c, "must be true or false");
            return;
        }
        break;
    case EG_MON_COL_ENUM: {
        int found = 0;
        for (size_t k = 0; col->values[k]; k++)
            if (strlen(col->values[k]) == n && memcmp(col->values[k], s, n) == 0)
                found = 1;
        if (!found) {
            char list[120] = "";
            size_t used = 0;
            for (size_t k = 0; col->values[k]; k++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                 col->values[k]);
                if (w < 0 || (size_t)w >= sizeof list - used)
                    break;
                used += (size_t)w;
            }
            col_error(p, c, "must be one of: %s", list);
            return;
        }
        break;
    }
    case EG_MON_COL_DISTRICT:
        if (n != 6 || parse_uint(s, 6, &num) != 0) {
            col_error(p, c, "must be a six-digit district code, e.g. 350206");
            return;
        }
        break;
    case EG_MON_COL_CREDIT_CODE:
        if (eg_credit_code_check(s) != EG_OK) {
            col_error(p, c, "is not a valid unified social credit code (GB 32100)");
            return;
        }
        break;
    }
    v->present = 1;
}

/* Rules between columns of one row, once each column is fine. */
static void cross_checks(struct eg_mon_parser *p)
{
    struct eg_mon_value *v = p->row.v;
    if (p->row_bad)
        return;
    if (p->feed == EG_MON_FEED_WORK) {
        if (v[EG_MON_WR_ORDER_MIN].i > v[EG_MON_WR_ONLINE].i)
            col_error(p, EG_MON_WR_ORDER_MIN, "cannot exceed online_minutes");
        if (v[EG_MON_WR_PEN_FEN].i > 0 && v[EG_MON_WR_PEN_COUNT].i == 0)
            col_error(p, EG_MON_WR_PEN_COUNT, "must be at least 1 when penalty_fen is above 0");
    } else if (p->feed == EG_MON_FEED_ROSTER) {
        eg_day birth = (eg_day)v[EG_MON_RO_ID_NUMBER].i;
        if (eg_age_on(birth, (eg_day)v[EG_MON_RO_JOINED_ON].i) < 16)
            col_error(p, EG_MON_RO_JOINED_ON, "the worker was under 16 on this date");
    }
}

/* Hand a finished row to the callback unless it is bad. */
static void deliver(struct eg_mon_parser *p)
{
    cross_checks(p);
    if (p->row_bad || !p->fn || p->stop != EG_OK)
        return;
    enum eg_status st = p->fn(p->ctx, p, &p->row);
    if (st != EG_OK)
        stop(p, st, "the row at line %u could not be processed", p->row.line);
}

/* Start a new data row. */
static void row_begin(struct eg_mon_parser *p, uint32_t line)
{
    memset(&p->row, 0, sizeof p->row);
    p->row.feed = p->feed;
    p->row.line = line;
    p->row.index = ++p->rows;
    p->row_bad = 0;
}

/* --------------------------------------------------------------- CSV */

static void csv_field(void *data, size_t n, void *ctx)
{
    struct eg_mon_parser *p = ctx;
    size_t pos = p->nfields++;
    if (p->stop != EG_OK || pos >= EG_MON_MAX_COLS)
        return;
    p->big[pos] = 0;
    p->off[pos] = p->buf_len;
    if (n > EG_MON_FIELD_MAX) {
        p->big[pos] = 1;
        p->len[pos] = 0;
        p->buf[p->buf_len++] = '\0';
        return;
    }
    memcpy(p->buf + p->buf_len, data, n);
    p->len[pos] = n;
    p->buf_len += n;
    p->buf[p->buf_len++] = '\0';
}

/* The header row: every name known, none twice, every required one there. */
static void csv_header(struct eg_mon_parser *p)
{
    int seen[EG_MON_MAX_COLS] = {0};
    int bad = 0;
    p->header_done = 1;
    p->header_n = p->nfields;
    if (p->nfields > p->ncols) {
        add_error(p, p->rec_line, 0, "", 0, "the header names more columns than this feed has");
        bad = 1;
    }
    for (size_t pos = 0; pos < p->nfields && pos < EG_MON_MAX_COLS; pos++) {
        const char *name = p->buf + p->off[pos];
        size_t n = p->big[pos] ? 0 : p->len[pos];
        int found = -1;
        for (size_t c = 0; c < p->ncols; c++)
            if (strlen(p->cols[c].name) == n && memcmp(p->cols[c].name, name, n) == 0)
                found = (int)c;
        p->colmap[pos] = found;
        if (found < 0) {
            add_error(p, p->rec_line, 0, name, n, "unknown column");
            bad = 1;
        } else if (seen[found]++) {
            add_error(p, p->rec_line, 0, name, n, "column named twice");
            bad = 1;
        }
    }
    for (size_t c = 0; c < p->ncols; c++)
        if (p->cols[c].in_header && !seen[c]) {
            add_error(p, p->rec_line, 0, p->cols[c].name, strlen(p->cols[c].name),
                      "missing column");
            bad = 1;
        }
    if (bad)
        stop(p, EG_E_BATCH_REJECTED, "the header row (line %u) does not match the %s format",
             p->rec_line, eg_mon_feed_names[p->feed]);
}

static void csv_row(int c, void *ctx)
{
    struct eg_mon_parser *p = ctx;
    (void)c;
    if (p->stop == EG_OK) {
        if (!p->header_done) {
            csv_header(p);
        } else {
            row_begin(p, p->rec_line);
            if (p->nfields != p->header_n) {
                p->row_bad = 1;
                char reason[160];
                /* Too few: the error names the first column the row lacks, so a
                 * sender sees where it went short; too many has no column to name. */
                const char *missing =
                    p->nfields < p->header_n ? p->cols[p->colmap[p->nfields]].name : "";
                if (*missing)
                    snprintf(reason, sizeof reason,
                             "has %zu fields; the header has %zu (%s and after are missing)",
                             p->nfields, p->header_n, missing);
                else
                    snprintf(reason, sizeof reason, "has %zu fields; the header has %zu",
                             p->nfields, p->header_n);
                add_error(p, p->row.line, p->row.index, missing, strlen(missing), reason);
            } else {
                for (size_t pos = 0; pos < p->nfields; pos++) {
                    size_t col = (size_t)p->colmap[pos];
                    if (p->big[pos])
                        col_error(p, col, "is longer than %d bytes", EG_MON_FIELD_MAX);
                    else
                        put_text(p, col, p->buf + p->off[pos], p->len[pos]);
                }
                deliver(p);
            }
        }
    }
    p->nfields = 0;
    p->buf_len = 0;
    p->rec_line = p->line; /* a record that starts later on this line */
}

/* The libcsv error after a short parse, as a stop. */
static void csv_stop(struct eg_mon_parser *p)
{
    if (csv_error(&p->csv) == CSV_EPARSE)
        stop(p, EG_E_BAD_CSV,
             "line %u: a quote is out of place (a quoted field must be quoted as a whole, "
             "with quotes inside it doubled, and closed)",
             p->line);
    else
        stop(p, EG_E_BAD_CSV, "line %u: a field is longer than %d bytes", p->line,
             EG_MON_FIELD_HARD_MAX);
}

static int csv_space(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * A whole line without quotes, read the way libcsv reads it but without
 * its per-byte state machine: fields split at commas, spaces and tabs
 * trimmed around each, a line of blanks giving no record. line holds no
 * '\r' or '\n' (the caller took the line end off).
 */
static void csv_plain_line(struct eg_mon_parser *p, const char *line, size_t n)
{
    size_t i = 0;
    while (i < n && csv_space(line[i]))
        i++;
    if (i == n)
        return; /* blank: libcsv reports no record either */
    const char *f = line;
    const char *end = line + n;
    for (;;) {
        const char *comma = memchr(f, ',', (size_t)(end - f));
        const char *fe = comma ? comma : end;
        const char *a = f, *b = fe;
        while (a < b && csv_space(*a))
            a++;
        while (b > a && csv_space(b[-1]))
            b--;
        if ((size_t)(b - a) > EG_MON_FIELD_HARD_MAX) {
            stop(p, EG_E_BAD_CSV, "line %u: a field is longer than %d bytes", p->line,
                 EG_MON_FIELD_HARD_MAX);
            return;
        }
        csv_field((void *)a, (size_t)(b - a), p);
        if (!comma)
            break;
        f = comma + 1;
    }
    csv_row('\n', p);
}

/*
 * Feed CSV bytes one physical line at a time. A complete line that starts
 * a record and holds no quote and no stray carriage return (the common
 * case: platforms' exports quote little) is split directly; everything else
 * goes through libcsv, whose state carries over between pieces.
 */
static void csv_feed(struct eg_mon_parser *p, const char *data, size_t n)
{
    while (n > 0 && p->stop == EG_OK) {
        const char *nl = memchr(data, '\n', n);
        size_t seg = nl ? (size_t)(nl - data) + 1 : n;
        if (p->csv.pstate == CSV_ROW_NOT_BEGUN)
            p->rec_line = p->line;
        if (nl && !p->no_fast_path && p->csv.pstate == CSV_ROW_NOT_BEGUN) {
            size_t len = seg - 1;
            if (len > 0 && data[len - 1] == '\r')
                len--;
            if (!memchr(data, '"', len) && !memchr(data, '\r', len)) {
                csv_plain_line(p, data, len);
                p->line++;
                data += seg;
                n -= seg;
                continue;
            }
        }
        size_t done = csv_parse(&p->csv, data, seg, csv_field, csv_row, p);
        if (done != seg) {
            csv_stop(p);
            return;
        }
        if (nl)
            p->line++;
        data += seg;
        n -= seg;
    }
}

static void csv_end(struct eg_mon_parser *p)
{
    if (p->stop == EG_OK && csv_fini(&p->csv, csv_field, csv_row, p) != 0)
        csv_stop(p);
}

/* -------------------------------------------------------------- JSON */

/* One object of the array: parse it, map its keys, check its values. */
static void json_object_row(struct eg_mon_parser *p)
{
    struct eg_field_error ferr;
    json_t *o = NULL;
    const char *key;
    json_t *val;
    row_begin(p, p->obj_line);
    if (eg_json_parse_body(p->obj, p->obj_len, &o, &ferr) != EG_OK) {
        eg_mon_parser_row_error(p, &p->row, "", "%s", ferr.message);
        return;
    }
    size_t used = 0;
    int seen[EG_MON_MAX_COLS] = {0};
    json_object_foreach(o, key, val)
    {
        int found = -1;
        for (size_t c = 0; c < p->ncols; c++)
            if (strcmp(p->cols[c].name, key) == 0)
                found = (int)c;
        if (found < 0) {
            eg_mon_parser_row_error(p, &p->row, key, "unknown field");
            continue;
        }
        size_t c = (size_t)found;
        seen[c] = 1;
        enum eg_mon_col_type t = p->cols[c].type;
        if (json_is_null(val)) {
            if (p->cols[c].required)
                col_error(p, c, "a value is required");
        } else if (t == EG_MON_COL_INT || t == EG_MON_COL_MONEY) {
            if (!json_is_integer(val))
                col_error(p, c, "must be a JSON integer");
            else
                put_int(p, c, json_integer_value(val));
        } else if (t == EG_MON_COL_BOOL) {
            if (!json_is_boolean(val))
                col_error(p, c, "must be true or false");
            else {
                p->row.v[c].present = 1;
                p->row.v[c].i = json_is_true(val);
            }
        } else if (!json_is_string(val)) {
            col_error(p, c, "must be a JSON string");
        } else {
            size_t n = json_string_length(val);
            if (n > EG_MON_FIELD_MAX) {
                col_error(p, c, "is longer than %d bytes", EG_MON_FIELD_MAX);
                continue;
            }
            char *copy = p->buf + used;
            memcpy(copy, json_string_value(val), n);
            copy[n] = '\0';
            used += n + 1;
            if (memchr(copy, '\0', n)) {
                col_error(p, c, "must not contain NUL characters");
                continue;
            }
            put_text(p, c, copy, n);
        }
    }
    for (size_t c = 0; c < p->ncols; c++)
        if (p->cols[c].required && !seen[c])
            col_error(p, c, "a value is required");
    deliver(p);
    json_decref(o);
}

static int json_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The framing scanner: '[', objects separated by ',', ']'. */
static void json_feed(struct eg_mon_parser *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n && p->stop == EG_OK; i++) {
        char c = data[i];
        if (p->js == J_OBJECT) {
            if (p->obj_len >= EG_MON_JSON_OBJECT_MAX) {
                stop(p, EG_E_BAD_JSON, "line %u: an object is larger than %d bytes", p->obj_line,
                     EG_MON_JSON_OBJECT_MAX);
                return;
            }
            p->obj[p->obj_len++] = c;
            if (c == '\n')
                p->line++;
            if (p->in_str) {
                if (p->esc)
                    p->esc = 0;
                else if (c == '\\')
                    p->esc = 1;
                else if (c == '"')
                    p->in_str = 0;
            } else if (c == '"') {
                p->in_str = 1;
            } else if (c == '{' || c == '[') {
                p->depth++;
            } else if (c == '}' || c == ']') {
                if (--p->depth == 0) {
                    json_object_row(p);
                    p->js = J_AFTER;
                }
            }
            continue;
        }
        if (c == '\n')
            p->line++;
        if (json_ws(c))
            continue;
        switch (p->js) {
        case J_START:
            if (c != '[') {
                stop(p, EG_E_BAD_JSON, "line %u: the body must be a JSON array of objects",
                     p->line);
                return;
            }
            p->js = J_FIRST;
            break;
        case J_FIRST:
        case J_NEXT:
            if (c == ']' && p->js == J_FIRST) {
                p->js = J_END;
                break;
            }
            if (c != '{') {
                stop(p, EG_E_BAD_JSON, "line %u: each item of the array must be an object",
                     p->line);
                return;
            }
            p->js = J_OBJECT;
            p->obj[0] = '{';
            p->obj_len = 1;
            p->obj_line = p->line;
            p->depth = 1;
            p->in_str = p->esc = 0;
            break;
        case J_AFTER:
            if (c == ',')
                p->js = J_NEXT;
            else if (c == ']')
                p->js = J_END;
            else {
                stop(p, EG_E_BAD_JSON, "line %u: expected ',' or ']' after an object", p->line);
                return;
            }
            break;
        case J_END:
            stop(p, EG_E_BAD_JSON, "line %u: text after the end of the array", p->line);
            return;
        case J_OBJECT:
            break;
        }
    }
}

/* ------------------------------------------------------------- common */

static void feed_bytes(struct eg_mon_parser *p, const char *data, size_t n)
{
    if (n == 0)
        return;
    p->bytes += n;
    if (p->fmt == EG_MON_CSV)
        csv_feed(p, data, n);
    else
        json_feed(p, data, n);
}

/* The byte-order mark EF BB BF is dropped at the very start (even when it
 * arrives split across pieces); anything else there is data. */
enum eg_status eg_mon_parser_push(struct eg_mon_parser *p, const char *data, size_t n)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    while (!p->bom_done && n > 0) {
        p->bom[p->bom_len++] = (unsigned char)*data++;
        n--;
        if (p->bom[p->bom_len - 1] != bom[p->bom_len - 1]) {
            p->bom_done = 1;
            feed_bytes(p, (const char *)p->bom, p->bom_len);
        } else if (p->bom_len == 3) {
            p->bom_done = 1;
        }
    }
    if (p->stop == EG_OK)
        feed_bytes(p, data, n);
    return p->stop;
}

enum eg_status eg_mon_parser_finish(struct eg_mon_parser *p)
{
    if (!p->bom_done) {
        p->bom_done = 1;
        feed_bytes(p, (const char *)p->bom, p->bom_len);
    }
    if (p->fmt == EG_MON_CSV) {
        csv_end(p);
        if (p->stop == EG_OK && !p->header_done)
            stop(p, EG_E_BAD_CSV, "the body is empty: a CSV feed starts with a header row");
    } else if (p->stop == EG_OK && p->js != J_END) {
        if (p->bytes == 0)
            stop(p, EG_E_BAD_JSON, "the body is empty: send a JSON array of objects");
        else
            stop(p, EG_E_BAD_JSON, "line %u: the body ends before its array is closed", p->line);
    }
    if (p->stop == EG_OK && p->rows == 0) {
        add_error(p, p->line, 0, "", 0, "the batch has no data rows");
        stop(p, EG_E_BATCH_REJECTED, "the batch has no data rows");
    }
    return p->stop;
}
