/*
 * feed.h — parsing and checking data feeds, row by row, in constant memory.
 *
 * A feed body is CSV (a header row naming the columns) or a JSON array of
 * objects with the same names; UTF-8 with or without a byte-order mark, LF
 * or CRLF line ends. The body is pushed in pieces of any size as it arrives;
 * every complete row is checked against the feed's columns (types, ranges,
 * dates, ID numbers, cross-field rules) and handed to a row callback, which
 * may add errors of its own (a worker not on the roster …). Nothing here
 * touches a database, so the parser can be fuzzed on its own
 * (tests/fuzz/fuzz_csv_feed.c).
 *
 * Errors come in two kinds:
 *   - row errors (line, field, reason), collected up to EG_MON_MAX_ERRORS
 *     and counted beyond; the batch is rejected as a whole (422);
 *   - a stop: the body cannot be read on (a stray quote, a field over
 *     EG_MON_FIELD_HARD_MAX bytes, broken JSON framing, an empty body) →
 *     EG_E_BAD_CSV / EG_E_BAD_JSON (400); or the header is unusable
 *     (unknown, missing or repeated columns) → EG_E_BATCH_REJECTED with the
 *     header's errors.
 * CSV parsing is libcsv's (strict mode), fed one line at a time so that
 * every error names the physical line where its row starts; complete lines
 * without quotes are split the same way without it (see
 * eg_mon_parser_set_fast_path).
 */
#ifndef EG_MONITORING_FEED_H
#define EG_MONITORING_FEED_H

#include <stddef.h>
#include <stdint.h>
#include "core/status.h"
#include "core/time.h"

enum eg_mon_feed {
    EG_MON_FEED_ROSTER,
    EG_MON_FEED_WORK,
    EG_MON_FEED_PENALTIES,
    EG_MON_FEED_DEACTIVATIONS,
    EG_MON_FEED_TRAFFIC, /* from a department: traffic incidents */
    EG_MON_FEED_SOCIAL,  /* from a department: social insurance contributions */
    EG_MON_FEEDS
};

enum eg_mon_format { EG_MON_CSV, EG_MON_JSON };

/* "roster", "work-records", "penalties", "deactivations", "traffic-incidents",
 * "social-insurance" (the path segment under /api/v1/feeds/). */
extern const char *const eg_mon_feed_names[EG_MON_FEEDS];
int eg_mon_feed_parse(const char *name); /* -1 if unknown */
/* Whether the feed is sent by a government department rather than a platform. */
int eg_mon_feed_is_department(enum eg_mon_feed f);

#define EG_MON_MAX_COLS        10
#define EG_MON_FIELD_MAX       4096  /* longest value; longer is a row error */
#define EG_MON_FIELD_HARD_MAX  65536 /* longer stops the parse (memory bound) */
#define EG_MON_JSON_OBJECT_MAX 65536 /* longest JSON object of one row */
#define EG_MON_MAX_ERRORS      1000  /* errors listed; more are only counted */

/* Column types. */
enum eg_mon_col_type {
    EG_MON_COL_WORKER_ID,  /* the platform's own worker id: 1–64 of [A-Za-z0-9._:-] */
    EG_MON_COL_TEXT,       /* UTF-8 without control characters, up to max bytes */
    EG_MON_COL_ID_NUMBER,  /* resident ID number (GB 11643), normalised */
    EG_MON_COL_PHONE,      /* mainland mobile number */
    EG_MON_COL_DATE,       /* YYYY-MM-DD, 2000-01-01 … today */
    EG_MON_COL_INSTANT,    /* RFC 3339, 2000 … now (+10 minutes of clock skew) */
    EG_MON_COL_MONTH,      /* YYYY-MM, 2000-01 … this month */
    EG_MON_COL_INT,        /* whole number in [min, max] */
    EG_MON_COL_MONEY,      /* whole fen in [min, max] */
    EG_MON_COL_BOOL,       /* true/false (CSV also 1/0) */
    EG_MON_COL_ENUM,       /* one of values */
    EG_MON_COL_DISTRICT,   /* six-digit administrative division code */
    EG_MON_COL_CREDIT_CODE /* 统一社会信用代码 (GB 32100) */
};

struct eg_mon_column {
    const char *name;
    enum eg_mon_col_type type;
    int in_header; /* 1: the CSV header must name it (JSON objects may leave it out if optional) */
    int required;  /* 1: a value is required */
    int64_t min, max;          /* INT / MONEY */
    size_t max_len;            /* TEXT */
    const char *const *values; /* ENUM, NULL-terminated */
};

/* The columns of each feed (NULL-named entry ends each list). */
const struct eg_mon_column *eg_mon_feed_columns(enum eg_mon_feed f, size_t *n);

/* Column positions, per feed. */
enum {
    EG_MON_RO_WORKER,
    EG_MON_RO_NAME,
    EG_MON_RO_ID_NUMBER,
    EG_MON_RO_PHONE,
    EG_MON_RO_OCCUPATION,
    EG_MON_RO_STATUS,
    EG_MON_RO_JOINED_ON,
    EG_MON_RO_DISTRICT
};
enum {
    EG_MON_WR_WORKER,
    EG_MON_WR_DATE,
    EG_MON_WR_ORDERS,
    EG_MON_WR_ONLINE,
    EG_MON_WR_ORDER_MIN,
    EG_MON_WR_INCOME,
    EG_MON_WR_PEN_COUNT,
    EG_MON_WR_PEN_FEN,
    EG_MON_WR_DISTRICT
};
enum { EG_MON_PE_WORKER, EG_MON_PE_AT, EG_MON_PE_REASON, EG_MON_PE_AMOUNT, EG_MON_PE_APPEALED };
enum { EG_MON_DE_WORKER, EG_MON_DE_AT, EG_MON_DE_REASON, EG_MON_DE_CHANNEL };
enum {
    EG_MON_TI_ID_NUMBER,
    EG_MON_TI_AT,
    EG_MON_TI_DISTRICT,
    EG_MON_TI_KIND,
    EG_MON_TI_SEVERITY,
    EG_MON_TI_VEHICLE,
    EG_MON_TI_REFERENCE
};
enum { EG_MON_SI_ID_NUMBER, EG_MON_SI_MONTH, EG_MON_SI_SCHEME, EG_MON_SI_STATUS, EG_MON_SI_PAYER };

/* One checked value: i for numbers, dates (eg_day), instants, months
 * (year × 12 + month − 1) and booleans; s/len for text (NUL-terminated). */
struct eg_mon_value {
    int present;
    int64_t i;
    const char *s;
    size_t len;
};

/* One checked row; values are valid until the callback returns. */
struct eg_mon_row {
    enum eg_mon_feed feed;
    uint32_t line;  /* the line where the row starts (the header is line 1) */
    uint32_t index; /* data row number, from 1 */
    struct eg_mon_value v[EG_MON_MAX_COLS];
};

struct eg_mon_row_error {
    uint32_t line;
    uint32_t index; /* 0 for the header or the body as a whole */
    char field[64]; /* "" when the row as a whole is wrong */
    char reason[160];
};

struct eg_mon_parser;

/*
 * Called for every row that passed the column checks. Return EG_OK to go on
 * (after adding row errors with eg_mon_parser_row_error if the row is bad),
 * or an error status to stop at once (a database failure); push/finish then
 * return that status.
 */
typedef enum eg_status (*eg_mon_row_fn)(void *ctx, struct eg_mon_parser *p,
                                        const struct eg_mon_row *row);

/*
 * A parser for one body. today and now bound dates and instants (no future
 * data). fn may be NULL (checking only). NULL when out of memory.
 */
struct eg_mon_parser *eg_mon_parser_new(enum eg_mon_feed feed, enum eg_mon_format fmt, eg_day today,
                                        int64_t now, eg_mon_row_fn fn, void *ctx);
void eg_mon_parser_free(struct eg_mon_parser *p);

/*
 * Whether complete unquoted lines may skip libcsv's byte-by-byte state
 * machine (on by default; the result is the same, which the tests check by
 * parsing both ways). Set before the first push.
 */
void eg_mon_parser_set_fast_path(struct eg_mon_parser *p, int on);

/*
 * Push the next n bytes. EG_OK while parsing may go on (row errors do not
 * stop it); after a stop, the stop's status (EG_E_BAD_CSV, EG_E_BAD_JSON,
 * EG_E_BATCH_REJECTED or the callback's error), and further bytes are ignored.
 */
enum eg_status eg_mon_parser_push(struct eg_mon_parser *p, const char *data, size_t n);

/* The end of the body: the last row, then the checks of the whole
 * (an empty body, a header without rows). Returns as push does. */
enum eg_status eg_mon_parser_finish(struct eg_mon_parser *p);

/* Record an error for row (NULL: the body as a whole) and field ("" for none). */
void eg_mon_parser_row_error(struct eg_mon_parser *p, const struct eg_mon_row *row,
                             const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Data rows seen so far. */
uint32_t eg_mon_parser_rows(const struct eg_mon_parser *p);
/* Errors recorded (all of them), and the first EG_MON_MAX_ERRORS as a list. */
uint64_t eg_mon_parser_error_count(const struct eg_mon_parser *p);
const struct eg_mon_row_error *eg_mon_parser_errors(const struct eg_mon_parser *p, size_t *n);
/* The stop's message ("line 7: …") or NULL when parsing did not stop. */
const char *eg_mon_parser_stop_message(const struct eg_mon_parser *p);

#endif
