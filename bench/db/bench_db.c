/*
 * bench_db.c — egret's storage layer under a bulk load and a heavy
 * aggregate, on SQLite and PostgreSQL alike (bench/db/run.sh drives it).
 *
 *   bench_db generate FILE ROWS     write a CSV of daily work records
 *   bench_db create URL             (re)create the bench table
 *   bench_db load URL FILE [ROWS_PER_TX [ROWS_PER_INSERT]]
 *                                   load FILE through eg_db_* (prepared,
 *                                   batched transactions); default 10000, 1
 *   bench_db query URL [REPEAT]     the GROUP BY date, platform aggregate
 *
 * Results are printed as one "result key=value …" line for the script.
 * The table is the shape of a platform's work-record feed
 * (platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,
 * penalty_count,penalty_fen) plus the platform it came from.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "db/db.h"

#define NCOLS      9
#define LINE_MAX_B 512
#define PLATFORMS  8
#define MAX_MULTI  100

static const char *const DDL =
    "CREATE TABLE bench_work_records (\n"
    "    platform_id BIGINT NOT NULL,          -- the platform that sent the feed\n"
    "    platform_worker_id TEXT NOT NULL,     -- the platform's id of the worker\n"
    "    date TEXT NOT NULL,                   -- 'YYYY-MM-DD'\n"
    "    orders INTEGER NOT NULL,\n"
    "    online_minutes INTEGER NOT NULL,\n"
    "    order_minutes INTEGER NOT NULL,\n"
    "    income_fen BIGINT NOT NULL,\n"
    "    penalty_count INTEGER NOT NULL,\n"
    "    penalty_fen BIGINT NOT NULL,\n"
    "    UNIQUE (platform_id, platform_worker_id, date)\n"
    ")";

static const char *const QUERY =
    "SELECT date, platform_id, COUNT(*), SUM(orders), SUM(online_minutes), SUM(order_minutes), "
    "SUM(income_fen), SUM(penalty_count), SUM(penalty_fen), "
    "SUM(CASE WHEN online_minutes > 720 THEN 1 ELSE 0 END) "
    "FROM bench_work_records GROUP BY date, platform_id ORDER BY date, platform_id";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A small deterministic generator (xorshift64*), so every run loads the same file. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}

/*
 * ROWS records: workers × days, workers spread over PLATFORMS platforms
 * (unevenly, as in life: the first two platforms hold most of them).
 */
static int cmd_generate(const char *path, int64_t rows)
{
    FILE *f = fopen(path, "w");
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    int64_t days = 50, workers = (rows + days - 1) / days, written = 0;
    static const int share[PLATFORMS] = {35, 30, 10, 8, 7, 5, 3, 2}; /* percent */

    if (!f) {
        fprintf(stderr, "bench_db: cannot write %s\n", path);
        return 1;
    }
    fputs("platform_id,platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,"
          "penalty_count,penalty_fen\n",
          f);
    for (int64_t d = 0; d < days && written < rows; d++) {
        char date[16];
        /* 2026-09-01 onwards, 50 days: Sep has 30 */
        int day = (int)d;
        snprintf(date, sizeof date, "2026-%02d-%02d", day < 30 ? 9 : 10,
                 day < 30 ? day + 1 : day - 29);
        for (int64_t w = 0; w < workers && written < rows; w++) {
            int platform = 0, acc = 0, pct = (int)(w * 100 / workers);
            for (platform = 0; platform < PLATFORMS - 1; platform++) {
                acc += share[platform];
                if (pct < acc)
                    break;
            }
            uint64_t r = next_rand(&seed);
            int online = (int)(r % 841); /* 0–14 h */
            int order_min = online * (int)(40 + (r >> 10) % 50) / 100;
            int orders = order_min / (18 + (int)((r >> 20) % 10));
            int64_t income = (int64_t)orders * (550 + (int64_t)((r >> 30) % 400));
            int pen = (r >> 40) % 20 == 0 ? 1 + (int)((r >> 45) % 3) : 0;
            int64_t pen_fen = pen * (int64_t)(500 + (r >> 50) % 4500);
            fprintf(f, "%d,P%d-%07" PRId64 ",%s,%d,%d,%d,%" PRId64 ",%d,%" PRId64 "\n",
                    platform + 1, platform + 1, w, date, orders, online, order_min, income, pen,
                    pen_fen);
            written++;
        }
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "bench_db: writing %s failed\n", path);
        return 1;
    }
    printf("result rows=%" PRId64 " file=%s\n", written, path);
    return 0;
}

static int cmd_create(const char *url)
{
    struct eg_db *db = NULL;
    int rc = 1;
    if (eg_db_open(url, &db) != EG_OK) {
        fprintf(stderr, "bench_db: cannot open the database\n");
        return 1;
    }
    eg_db_exec(db, "DROP TABLE IF EXISTS bench_work_records");
    if (eg_db_exec(db, DDL) != EG_OK)
        fprintf(stderr, "bench_db: create failed: %s\n", eg_db_errmsg(db));
    else
        rc = 0;
    eg_db_close(db);
    return rc;
}

/* One batch of parsed rows, inserted in one transaction. */
struct batch {
    int64_t (*num)[NCOLS]; /* numeric columns (0, 3..8) */
    char (*worker)[32];
    char (*date)[16];
    int n;
    int per_insert;
    char *sql_full, *sql_tail; /* INSERT for per_insert rows / for the remainder */
    int tail_rows;
};

/* "INSERT INTO bench_work_records (…) VALUES (?, …)[, (…)]" for n rows, malloc'd. */
static char *insert_sql(int n)
{
    static const char *head = "INSERT INTO bench_work_records (platform_id, platform_worker_id, "
                              "date, orders, online_minutes, order_minutes, income_fen, "
                              "penalty_count, penalty_fen) VALUES ";
    size_t cap = strlen(head) + (size_t)n * 32 + 1, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    len += (size_t)snprintf(s + len, cap - len, "%s", head);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s(?, ?, ?, ?, ?, ?, ?, ?, ?)", i ? ", " : "");
    return s;
}

static enum eg_status insert_batch(struct eg_db *db, void *arg)
{
    struct batch *b = arg;
    const struct eg_db_driver *d = eg_db_driver_of(db);
    enum eg_status rc = EG_OK;

    for (int r0 = 0; rc == EG_OK && r0 < b->n; r0 += b->per_insert) {
        int n = b->n - r0 < b->per_insert ? b->n - r0 : b->per_insert;
        const char *sql = b->sql_full;
        struct eg_stmt *st = NULL;
        int idx = 1;
        if (n != b->per_insert) {
            if (b->tail_rows != n) {
                free(b->sql_tail);
                b->sql_tail = insert_sql(n);
                b->tail_rows = n;
            }
            sql = b->sql_tail;
        }
        if (!sql)
            return EG_E_INTERNAL;
        rc = d->prepare(db, sql, &st);
        for (int r = r0; rc == EG_OK && r < r0 + n; r++) {
            rc = d->bind_i64(st, idx++, b->num[r][0]);
            if (rc == EG_OK)
                rc = d->bind_text(st, idx++, b->worker[r], strlen(b->worker[r]));
            if (rc == EG_OK)
                rc = d->bind_text(st, idx++, b->date[r], strlen(b->date[r]));
            for (int c = 3; rc == EG_OK && c < NCOLS; c++)
                rc = d->bind_i64(st, idx++, b->num[r][c]);
        }
        if (rc == EG_OK) {
            rc = d->step(st);
            rc = rc == EG_DONE ? EG_OK : rc;
        }
        if (st)
            d->done(st);
    }
    return rc;
}

/* Split one CSV line of the generated file into the batch's row r. */
static int parse_line(char *line, struct batch *b, int r)
{
    char *field[NCOLS];
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    field[n++] = p;
    for (; *p && n < NCOLS; p++)
        if (*p == ',') {
            *p = '\0';
            field[n++] = p + 1;
        }
    if (n != NCOLS || strchr(field[NCOLS - 1], ','))
        return -1;
    if (parse_i64(field[0], &b->num[r][0]) != 0)
        return -1;
    snprintf(b->worker[r], sizeof b->worker[r], "%s", field[1]);
    snprintf(b->date[r], sizeof b->date[r], "%s", field[2]);
    for (int c = 3; c < NCOLS; c++)
        if (parse_i64(field[c], &b->num[r][c]) != 0)
            return -1;
    return 0;
}

static int cmd_load(const char *url, const char *path, int per_tx, int per_insert)
{
    struct eg_db *db = NULL;
    struct batch b = {0};
    char line[LINE_MAX_B];
    FILE *f = NULL;
    int64_t total = 0, lineno = 1;
    int rc = 1;
    double t0;

    b.num = calloc((size_t)per_tx, sizeof *b.num);
    b.worker = calloc((size_t)per_tx, sizeof *b.worker);
    b.date = calloc((size_t)per_tx, sizeof *b.date);
    b.per_insert = per_insert;
    b.sql_full = insert_sql(per_insert);
    if (!b.num || !b.worker || !b.date || !b.sql_full)
        goto out;
    f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) { /* header */
        fprintf(stderr, "bench_db: cannot read %s\n", path);
        goto out;
    }
    if (eg_db_open(url, &db) != EG_OK) {
        fprintf(stderr, "bench_db: cannot open the database\n");
        goto out;
    }
    t0 = now_s();
    for (;;) {
        int eof = 0;
        b.n = 0;
        while (b.n < per_tx) {
            if (!fgets(line, sizeof line, f)) {
                eof = 1;
                break;
            }
            lineno++;
            if (parse_line(line, &b, b.n) != 0) {
                fprintf(stderr, "bench_db: %s:%" PRId64 ": malformed line\n", path, lineno);
                goto out;
            }
            b.n++;
        }
        if (b.n > 0) {
            enum eg_status st = eg_db_tx(db, insert_batch, &b);
            if (st != EG_OK) {
                fprintf(stderr, "bench_db: insert failed (%s): %s\n", eg_status_code(st),
                        eg_db_errmsg(db));
                goto out;
            }
            total += b.n;
        }
        if (eof)
            break;
    }
    double secs = now_s() - t0;
    printf("result engine=%s rows=%" PRId64 " seconds=%.3f rows_per_s=%.0f per_tx=%d "
           "per_insert=%d\n",
           eg_db_driver_of(db)->name, total, secs, secs > 0 ? (double)total / secs : 0.0, per_tx,
           per_insert);
    rc = 0;
out:
    if (f)
        fclose(f);
    eg_db_close(db);
    free(b.num);
    free(b.worker);
    free(b.date);
    free(b.sql_full);
    free(b.sql_tail);
    return rc;
}

static int cmd_query(const char *url, int repeat)
{
    struct eg_db *db = NULL;
    double best = 1e30;
    int64_t groups = 0, rows = 0, income = 0, fatigued = 0;
    int rc = 1;

    if (eg_db_open(url, &db) != EG_OK) {
        fprintf(stderr, "bench_db: cannot open the database\n");
        return 1;
    }
    for (int i = 0; i < repeat; i++) {
        struct eg_stmt *st = NULL;
        enum eg_status s;
        double t0 = now_s();
        groups = rows = income = fatigued = 0;
        s = eg_db_query(db, &st, QUERY, "");
        while ((s == EG_OK || s == EG_ROW) && (s = eg_stmt_step(st)) == EG_ROW) {
            groups++;
            rows += eg_stmt_i64(st, 2);
            income += eg_stmt_i64(st, 6);
            fatigued += eg_stmt_i64(st, 9);
            s = EG_OK;
        }
        eg_stmt_done(st);
        if (s != EG_DONE && s != EG_OK) {
            fprintf(stderr, "bench_db: query failed: %s\n", eg_db_errmsg(db));
            goto out;
        }
        double t = now_s() - t0;
        if (t < best)
            best = t;
    }
    printf("result engine=%s groups=%" PRId64 " rows=%" PRId64 " income_fen=%" PRId64
           " over_12h=%" PRId64 " seconds=%.3f\n",
           eg_db_driver_of(db)->name, groups, rows, income, fatigued, best);
    rc = 0;
out:
    eg_db_close(db);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_db generate FILE ROWS | create URL | "
                    "load URL FILE [ROWS_PER_TX [ROWS_PER_INSERT]] | query URL [REPEAT]\n");
    return 2;
}

int main(int argc, char **argv)
{
    int64_t a = 0, b = 0;
    eg_log_set_level(EG_LOG_WARN);
    if (argc >= 4 && strcmp(argv[1], "generate") == 0) {
        if (parse_i64(argv[3], &a) != 0 || a < 1)
            return usage();
        return cmd_generate(argv[2], a);
    }
    if (argc == 3 && strcmp(argv[1], "create") == 0)
        return cmd_create(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "load") == 0) {
        a = 10000;
        b = 1;
        if ((argc >= 5 && parse_i64(argv[4], &a) != 0) ||
            (argc >= 6 && parse_i64(argv[5], &b) != 0) || a < 1 || a > 1000000 || b < 1 ||
            b > MAX_MULTI)
            return usage();
        return cmd_load(argv[2], argv[3], (int)a, (int)b);
    }
    if (argc >= 3 && strcmp(argv[1], "query") == 0) {
        a = 3;
        if (argc >= 4 && (parse_i64(argv[3], &a) != 0 || a < 1 || a > 100))
            return usage();
        return cmd_query(argv[2], (int)a);
    }
    return usage();
}
