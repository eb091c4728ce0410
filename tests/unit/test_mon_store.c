/*
 * test_mon_store.c — the monitoring store on a real SQLite database: a
 * batch of work records updates the daily sums exactly (checked by hand for
 * the city, a platform, a sector and a district), a later batch corrects
 * records (their old share is taken away), a batch repeating a worker and
 * date is refused whole and leaves nothing behind, rebuilding the days from
 * the stored records gives the same sums, penalty events and deactivations
 * count, and the alert rules go pending → firing → resolved over dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "monitoring/internal.h"

static const struct eg_mon_params P = {2100, 720};

struct fixture {
    char path[64];
    struct eg_db *db;
    struct eg_config cfg;
    int64_t platform, worker[3];
    eg_day d1, d2;
};

static int64_t one(struct eg_db *db, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(eg_db_one_i64(db, &v, sql, ""), EG_OK);
    return v;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/egret-monstore-%d.db", (int)getpid());
    unlink(f->path);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, NULL), EG_OK);
    eg_config_defaults(&f->cfg);
    struct eg_db *db = f->db;
    assert_int_equal(
        eg_db_exec(db, "INSERT INTO departments (code, name, kind, path, created_at) VALUES "
                       "('centre', 'C', 'centre', '/1/', 0);"
                       /* the districts come with the migrations (0051) */
                       "INSERT INTO organisations (name, kind, sector, created_at) VALUES "
                       "('P', 'platform', 'food_delivery', 0);"
                       "INSERT INTO people (name, id_number_enc, id_number_idx, "
                       "id_number_masked, birth_date, gender, created_at) VALUES "
                       "('a', 'x', 'i1', 'm', '1990-01-01', 'male', 0), "
                       "('b', 'x', 'i2', 'm', '1990-01-01', 'male', 0), "
                       "('c', 'x', 'i3', 'm', '1990-01-01', 'male', 0);"),
        EG_OK);
    f->platform = one(db, "SELECT id FROM organisations WHERE name = 'P'");
    for (int i = 0; i < 3; i++) {
        char wid[8];
        snprintf(wid, sizeof wid, "W%d", i + 1);
        assert_int_equal(eg_db_run(db, NULL,
                                   "INSERT INTO mon_roster (platform_id, platform_worker_id, "
                                   "person_id, occupation, status, joined_on, district, batch_id, "
                                   "created_at, updated_at) VALUES (?, ?, ?, 'online_delivery', "
                                   "'active', '2020-01-01', ?, 0, 0, 0)",
                                   "itit", f->platform, wid, (int64_t)(i + 1),
                                   i == 2 ? "350206" : "350203"),
                         EG_OK);
        assert_int_equal(eg_db_one_i64(db, &f->worker[i],
                                       "SELECT id FROM mon_roster WHERE platform_worker_id = ?",
                                       "t", wid),
                         EG_OK);
    }
    f->d1 = eg_day_of(eg_now()) - 10;
    f->d2 = f->d1 + 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_db_close(f->db);
    char p[96];
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

/* A generator over a fixed list of work records. */
struct wrow {
    int worker; /* index into f->worker */
    eg_day day;
    int64_t orders, online, order_min, income, pc, pf;
    const char *district;
};

struct gen {
    struct fixture *f;
    const struct wrow *rows;
    size_t n, i;
};

static int work_next(void *ctx, struct eg_mon_row *row, int64_t *worker_id, const char **district)
{
    struct gen *g = ctx;
    if (g->i >= g->n)
        return 0;
    const struct wrow *w = &g->rows[g->i++];
    memset(row, 0, sizeof *row);
    row->feed = EG_MON_FEED_WORK;
    row->line = row->index = (uint32_t)g->i;
    row->v[EG_MON_WR_DATE] = (struct eg_mon_value){1, w->day, NULL, 0};
    row->v[EG_MON_WR_ORDERS] = (struct eg_mon_value){1, w->orders, NULL, 0};
    row->v[EG_MON_WR_ONLINE] = (struct eg_mon_value){1, w->online, NULL, 0};
    row->v[EG_MON_WR_ORDER_MIN] = (struct eg_mon_value){1, w->order_min, NULL, 0};
    row->v[EG_MON_WR_INCOME] = (struct eg_mon_value){1, w->income, NULL, 0};
    row->v[EG_MON_WR_PEN_COUNT] = (struct eg_mon_value){1, w->pc, NULL, 0};
    row->v[EG_MON_WR_PEN_FEN] = (struct eg_mon_value){1, w->pf, NULL, 0};
    *worker_id = g->f->worker[w->worker];
    *district = w->district;
    return 1;
}

static void gen_rewind(void *ctx)
{
    ((struct gen *)ctx)->i = 0;
}

static enum eg_status feed(struct fixture *f, const char *key, const struct wrow *rows, size_t n,
                           struct eg_mon_direct_batch *b)
{
    struct eg_audit_ctx audit = {NULL, "", ""};
    struct gen g = {f, rows, n, 0};
    memset(b, 0, sizeof *b);
    b->feed = EG_MON_FEED_WORK;
    b->platform_id = f->platform;
    b->batch_key = key;
    b->sector = "food_delivery";
    b->audit = &audit;
    b->params = &P;
    b->next = work_next;
    b->rewind = gen_rewind;
    b->ctx = &g;
    return eg_mon_direct_apply(f->db, b);
}

static void sum(struct fixture *f, enum eg_mon_scope scope, const char *key, eg_day from, eg_day to,
                struct eg_mon_agg *a)
{
    struct eg_mon_filter flt;
    memset(&flt, 0, sizeof flt);
    flt.scope = scope;
    flt.platform_id = f->platform;
    snprintf(flt.key, sizeof flt.key, "%s", key);
    assert_int_equal(eg_mon_daily_sum(f->db, &flt, from, to, 1, a), EG_OK);
}

static void test_batches_and_sums(void **state)
{
    struct fixture *f = *state;
    struct eg_mon_direct_batch b;
    struct eg_mon_agg *a = calloc(1, sizeof *a);
    const struct wrow first[] = {
        {0, f->d1, 20, 600, 400, 30000, 1, 2000, "350203"}, /* 30 yuan/h */
        {1, f->d1, 30, 780, 500, 26000, 0, 0, "350203"},    /* 20 yuan/h, 13 h */
        {2, f->d1, 4, 120, 100, 4200, 2, 1000, "350206"},   /* 21 yuan/h */
        {0, f->d2, 10, 300, 200, 9000, 0, 0, "350203"},     /* 18 yuan/h */
    };
    assert_int_equal(feed(f, "b1", first, 4, &b), EG_OK);
    assert_int_equal(b.rows, 4);
    assert_int_equal(b.inserted, 4);

    sum(f, EG_MON_SCOPE_CITY, "", f->d1, f->d1, a);
    assert_int_equal(a->worker_days, 3);
    assert_int_equal(a->orders, 54);
    assert_int_equal(a->online_minutes, 1500);
    assert_int_equal(a->income_fen, 60200);
    assert_int_equal(a->fatigue_days, 1);
    assert_int_equal(a->low_pay_days, 1);
    assert_int_equal(a->penalty_count, 3);
    sum(f, EG_MON_SCOPE_DISTRICT, "350206", f->d1, f->d2, a);
    assert_int_equal(a->worker_days, 1);
    assert_int_equal(a->income_fen, 4200);
    sum(f, EG_MON_SCOPE_SECTOR, "food_delivery", f->d1, f->d2, a);
    assert_int_equal(a->worker_days, 4);
    assert_int_equal(a->low_pay_days, 2);
    sum(f, EG_MON_SCOPE_PLATFORM, "", f->d1, f->d2, a);
    assert_int_equal(a->records, 4);
    assert_int_equal(a->days, 2);
    int defined = 0;
    /* paid days: 30, 20, 21, 18 yuan/h → lower median is 20 yuan/h's bucket [2000, 2050) */
    assert_int_equal(eg_mon_hist_median(a->hist, &defined), 2025);

    /* A later batch corrects W2's first day (now 30 yuan/h, 10 h) and adds a day. */
    const struct wrow second[] = {
        {1, f->d1, 30, 600, 500, 30000, 0, 0, "350206"},
        {2, f->d2, 5, 60, 60, 3000, 0, 0, "350206"},
    };
    assert_int_equal(feed(f, "b2", second, 2, &b), EG_OK);
    assert_int_equal(b.inserted, 1);
    assert_int_equal(b.updated, 1);
    sum(f, EG_MON_SCOPE_CITY, "", f->d1, f->d1, a);
    assert_int_equal(a->worker_days, 3);
    assert_int_equal(a->fatigue_days, 0);
    assert_int_equal(a->low_pay_days, 0);
    assert_int_equal(a->online_minutes, 1320);
    assert_int_equal(a->income_fen, 64200);
    /* the correction moved W2's day to another district */
    sum(f, EG_MON_SCOPE_DISTRICT, "350206", f->d1, f->d1, a);
    assert_int_equal(a->worker_days, 2);
    sum(f, EG_MON_SCOPE_DISTRICT, "350203", f->d1, f->d1, a);
    assert_int_equal(a->worker_days, 1);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_work_records"), 5);

    /* A worker and date twice in one batch: refused, nothing stored. */
    int64_t batches = one(f->db, "SELECT COUNT(*) FROM mon_batches");
    int64_t income = one(f->db, "SELECT SUM(income_fen) FROM mon_daily");
    const struct wrow twice[] = {
        {0, f->d2 + 1, 1, 60, 60, 2100, 0, 0, "350203"},
        {0, f->d2 + 1, 2, 60, 60, 2100, 0, 0, "350203"},
    };
    assert_int_equal(feed(f, "b3", twice, 2, &b), EG_E_BATCH_REJECTED);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_batches"), batches);
    assert_int_equal(one(f->db, "SELECT SUM(income_fen) FROM mon_daily"), income);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_work_records"), 5);

    /* The same batch id again is refused by the database (the API answers the stored result). */
    assert_int_equal(feed(f, "b1", first, 1, &b), EG_E_DUPLICATE);

    /* The people who worked each day, for the insurance module: one cover-day on d1. */
    char d[11];
    eg_date_format(f->d1, d);
    assert_int_equal(eg_db_exec(f->db, "PRAGMA foreign_keys = OFF"), EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL,
                               "INSERT INTO cover_days (person_id, day, product_id, version_id, "
                               "state, payer_kind, premium_fen, subsidy_fen, payer_fen, "
                               "day_start_at, cover_end_at, source, enrolled_by, created_at) "
                               "VALUES (2, ?, 1, 1, 'expired', 'person', 100, 0, 100, 0, 0, "
                               "'self', 'system', 0)",
                               "t", d),
                     EG_OK);
    int64_t active = -1, covered = -1;
    assert_int_equal(eg_monitoring_active_people(f->db, f->d1, &active, &covered), EG_OK);
    assert_int_equal(active, 3);
    assert_int_equal(covered, 1);
    assert_int_equal(eg_monitoring_active_people(f->db, f->d2, &active, &covered), EG_OK);
    assert_int_equal(active, 2);
    assert_int_equal(covered, 0);
    assert_int_equal(eg_monitoring_active_people(f->db, f->d2 + 5, &active, NULL), EG_OK);
    assert_int_equal(active, 0);
    free(a);
}

/*
 * Batches on days the platform had no records for go in multi-row groups:
 * a full group, a partial one, a repeat inside a full group (the batch runs
 * again row by row and is refused), and a mix with corrections.
 */
static void test_multirow(void **state)
{
    struct fixture *f = *state;
    struct eg_mon_direct_batch b;
    struct eg_mon_agg *a = calloc(1, sizeof *a);
    struct wrow rows[40];
    size_t n = 0;
    eg_day base = f->d1 - 40;
    for (int k = 0; k < 10; k++)
        for (int w = 0; w < 3; w++)
            rows[n++] = (struct wrow){w, base + k, 10 + k, 300, 200, 9000 + k, 0, 0, "350203"};
    assert_int_equal(feed(f, "m1", rows, n, &b), EG_OK);
    assert_int_equal(b.inserted, 30);
    assert_int_equal(b.updated, 0);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_work_records"), 30);
    sum(f, EG_MON_SCOPE_CITY, "", base, base + 9, a);
    assert_int_equal(a->worker_days, 30);
    assert_int_equal(a->orders, 3 * (10 * 10 + 45));
    assert_int_equal(a->income_fen, 3 * (10 * 9000 + 45));

    /* a worker and date twice inside the first full group: refused, nothing stored */
    n = 0;
    base = f->d1 - 60;
    for (int k = 0; k < 7; k++)
        for (int w = 0; w < 3; w++)
            rows[n++] = (struct wrow){w, base + k, 1, 60, 60, 2100, 0, 0, "350203"};
    rows[5] = rows[2];
    int64_t batches = one(f->db, "SELECT COUNT(*) FROM mon_batches");
    assert_int_equal(feed(f, "m2", rows, n, &b), EG_E_BATCH_REJECTED);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_work_records"), 30);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_batches"), batches);
    sum(f, EG_MON_SCOPE_CITY, "", base, base + 6, a);
    assert_int_equal(a->records, 0);

    /* corrections of three earlier days among eighteen new ones */
    n = 0;
    base = f->d1 - 80;
    for (int k = 0; k < 6; k++)
        for (int w = 0; w < 3; w++)
            rows[n++] = (struct wrow){w, base + k, 2, 120, 60, 4000, 1, 500, "350206"};
    rows[n++] = (struct wrow){0, f->d1 - 40, 1, 60, 60, 1000, 0, 0, "350206"};
    rows[n++] = (struct wrow){1, f->d1 - 39, 1, 60, 60, 1000, 0, 0, "350206"};
    rows[n++] = (struct wrow){2, f->d1 - 38, 1, 60, 60, 1000, 0, 0, "350206"};
    assert_int_equal(feed(f, "m3", rows, n, &b), EG_OK);
    assert_int_equal(b.inserted, 18);
    assert_int_equal(b.updated, 3);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_work_records"), 48);
    sum(f, EG_MON_SCOPE_CITY, "", f->d1 - 40, f->d1 - 31, a);
    assert_int_equal(a->worker_days, 30);
    assert_int_equal(a->orders, 3 * (10 * 10 + 45) - (10 + 11 + 12) + 3);
    sum(f, EG_MON_SCOPE_DISTRICT, "350206", f->d1 - 80, f->d1 - 31, a);
    assert_int_equal(a->worker_days, 21);
    assert_int_equal(a->penalty_count, 18);

    /* the sums equal a rebuild from the records */
    struct eg_mon_agg *before = calloc(1, sizeof *before);
    sum(f, EG_MON_SCOPE_CITY, "", f->d1 - 80, f->d1, before);
    assert_int_equal(eg_monitoring_recompute(f->db, &f->cfg, f->d1 - 80, f->d1, NULL), EG_OK);
    sum(f, EG_MON_SCOPE_CITY, "", f->d1 - 80, f->d1, a);
    assert_int_equal(a->records, before->records);
    assert_int_equal(a->orders, before->orders);
    assert_int_equal(a->income_fen, before->income_fen);
    assert_int_equal(a->worker_days, before->worker_days);
    free(before);
    free(a);
}

/* Rebuilding the days from the records gives the incremental sums. */
static void test_recompute_matches(void **state)
{
    struct fixture *f = *state;
    struct eg_mon_direct_batch b;
    struct wrow rows[200];
    uint64_t r = 42;
    for (int i = 0; i < 200; i++) {
        r = r * 6364136223846793005ULL + 1;
        rows[i] = (struct wrow){i % 3,
                                f->d1 - i / 3,
                                (int64_t)(r >> 60),
                                (int64_t)((r >> 40) % 900),
                                0,
                                (int64_t)((r >> 20) % 40000),
                                (int64_t)((r >> 50) % 3),
                                0,
                                (r >> 33) % 2 ? "350203" : "350206"};
        rows[i].order_min = rows[i].online / 2;
        rows[i].pf = rows[i].pc * 500;
    }
    assert_int_equal(feed(f, "many", rows, 200, &b), EG_OK);
    /* a correction of some of them */
    assert_int_equal(feed(f, "fix", rows + 10, 20, &b), EG_OK);
    assert_int_equal(b.updated, 20);
    static const char *cols = "SELECT COALESCE(SUM(records),0), COALESCE(SUM(worker_days),0), "
                              "COALESCE(SUM(income_fen),0), COALESCE(SUM(fatigue_days),0), "
                              "COALESCE(SUM(low_pay_days),0), COALESCE(SUM(penalty_fen),0), "
                              "COUNT(*) FROM mon_daily WHERE records > 0";
    int64_t before[7], after[7];
    struct eg_stmt *st = NULL;
    assert_int_equal(eg_db_query(f->db, &st, cols, ""), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    for (int i = 0; i < 7; i++)
        before[i] = eg_stmt_i64(st, i);
    eg_stmt_done(st);
    /* the histograms too, group by group */
    static char hists[2][512][1024];
    size_t nh = 0;
    const char *hsql = "SELECT day, district, income_hist FROM mon_daily WHERE records > 0 "
                       "ORDER BY day, district";
    assert_int_equal(eg_db_query(f->db, &st, hsql, ""), EG_OK);
    while (eg_stmt_step(st) == EG_ROW && nh < 512)
        snprintf(hists[0][nh++], 1024, "%s %s %s", eg_stmt_text(st, 0), eg_stmt_text(st, 1),
                 eg_stmt_text(st, 2));
    eg_stmt_done(st);
    int64_t records = 0;
    assert_int_equal(eg_monitoring_recompute(f->db, &f->cfg, f->d1 - 70, f->d1 + 1, &records),
                     EG_OK);
    assert_int_equal(records, 200);
    assert_int_equal(eg_db_query(f->db, &st, cols, ""), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    for (int i = 0; i < 7; i++)
        after[i] = eg_stmt_i64(st, i);
    eg_stmt_done(st);
    for (int i = 0; i < 7; i++)
        assert_int_equal(before[i], after[i]);
    size_t nh2 = 0;
    assert_int_equal(eg_db_query(f->db, &st, hsql, ""), EG_OK);
    while (eg_stmt_step(st) == EG_ROW && nh2 < 512)
        snprintf(hists[1][nh2++], 1024, "%s %s %s", eg_stmt_text(st, 0), eg_stmt_text(st, 1),
                 eg_stmt_text(st, 2));
    eg_stmt_done(st);
    assert_int_equal(nh, nh2);
    assert_true(nh > 50);
    for (size_t i = 0; i < nh; i++)
        assert_string_equal(hists[0][i], hists[1][i]);
}

/* Penalty events and deactivations, and a correction of one. */
struct erow {
    int deact;
    int worker;
    int64_t at, amount;
    int flag; /* appealed / has a channel */
};

struct egen {
    struct fixture *f;
    const struct erow *rows;
    size_t n, i;
};

static int event_next(void *ctx, struct eg_mon_row *row, int64_t *worker_id, const char **district)
{
    struct egen *g = ctx;
    if (g->i >= g->n)
        return 0;
    const struct erow *e = &g->rows[g->i++];
    memset(row, 0, sizeof *row);
    row->line = row->index = (uint32_t)g->i;
    if (e->deact) {
        row->feed = EG_MON_FEED_DEACTIVATIONS;
        row->v[EG_MON_DE_AT] = (struct eg_mon_value){1, e->at, NULL, 0};
        row->v[EG_MON_DE_REASON] = (struct eg_mon_value){1, 0, "x", 1};
        row->v[EG_MON_DE_CHANNEL] =
            (struct eg_mon_value){1, 0, e->flag ? "app" : "", e->flag ? 3u : 0u};
    } else {
        row->feed = EG_MON_FEED_PENALTIES;
        row->v[EG_MON_PE_AT] = (struct eg_mon_value){1, e->at, NULL, 0};
        row->v[EG_MON_PE_REASON] = (struct eg_mon_value){1, 0, "late", 4};
        row->v[EG_MON_PE_AMOUNT] = (struct eg_mon_value){1, e->amount, NULL, 0};
        row->v[EG_MON_PE_APPEALED] = (struct eg_mon_value){1, e->flag, NULL, 0};
    }
    *worker_id = g->f->worker[e->worker];
    *district = "350203";
    return 1;
}

static void test_events(void **state)
{
    struct fixture *f = *state;
    struct eg_audit_ctx audit = {NULL, "", ""};
    int64_t t = eg_day_start(f->d1) + 3600;
    const struct erow pen[] = {{0, 0, t, 2000, 1}, {0, 1, t, 3000, 0}, {0, 1, t + 60, 500, 0}};
    const struct erow pen_fix[] = {{0, 1, t, 1000, 1}};
    const struct erow deact[] = {{1, 2, t, 0, 1}, {1, 0, t + 5, 0, 0}};
    struct egen g = {f, pen, 3, 0};
    struct eg_mon_direct_batch b;
    memset(&b, 0, sizeof b);
    b.feed = EG_MON_FEED_PENALTIES;
    b.platform_id = f->platform;
    b.batch_key = "p1";
    b.sector = "food_delivery";
    b.audit = &audit;
    b.params = &P;
    b.next = event_next;
    b.ctx = &g;
    assert_int_equal(eg_mon_direct_apply(f->db, &b), EG_OK);
    g = (struct egen){f, pen_fix, 1, 0};
    b.batch_key = "p2";
    assert_int_equal(eg_mon_direct_apply(f->db, &b), EG_OK);
    assert_int_equal(b.updated, 1);
    g = (struct egen){f, deact, 2, 0};
    b.feed = EG_MON_FEED_DEACTIVATIONS;
    b.batch_key = "d1";
    assert_int_equal(eg_mon_direct_apply(f->db, &b), EG_OK);
    struct eg_mon_agg *a = calloc(1, sizeof *a);
    sum(f, EG_MON_SCOPE_CITY, "", f->d1, f->d1, a);
    assert_int_equal(a->penalty_events, 3);
    assert_int_equal(a->penalty_events_fen, 3500);
    assert_int_equal(a->penalty_appealed, 2);
    assert_int_equal(a->deactivations, 2);
    assert_int_equal(a->deactivations_with_channel, 1);
    /* a deactivation marks the roster entry */
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_roster WHERE status = 'deactivated'"), 2);
    free(a);
}

static enum eg_status add_rule(struct eg_db *db, void *ctx)
{
    (void)ctx;
    return eg_db_run(db, NULL,
                     "INSERT INTO mon_alert_rules (name, indicator, scope, scope_id, mode, op, "
                     "threshold_e4, window_days, pending_periods, level, department_id, enabled, "
                     "builtin, deleted, created_by, created_at, updated_at) SELECT 'fatigue', "
                     "'fatigue_share', 'platform', '', 'value', 'gt', 3000, 1, 2, 'red', id, 1, 0, "
                     "0, 'test', 0, 0 FROM departments WHERE code = 'centre'",
                     "");
}

/* One day of the three workers: `tired` of them online 13 h. */
static void day_of(struct fixture *f, eg_day d, int tired, const char *key)
{
    struct eg_mon_direct_batch b;
    struct wrow rows[3];
    for (int i = 0; i < 3; i++)
        rows[i] = (struct wrow){i, d, 10, i < tired ? 780 : 480, 300, 30000, 0, 0, "350203"};
    assert_int_equal(feed(f, key, rows, 3, &b), EG_OK);
}

static void test_alert_lifecycle(void **state)
{
    struct fixture *f = *state;
    int64_t changes = 0;
    eg_day d = f->d1 - 40;
    assert_int_equal(eg_db_tx(f->db, add_rule, NULL), EG_OK);
    day_of(f, d, 2, "a1");     /* 2/3 tired: over 30 % */
    day_of(f, d + 1, 1, "a2"); /* 1/3: over */
    day_of(f, d + 2, 0, "a3"); /* none */
    assert_int_equal(eg_mon_alerts_evaluate(f->db, &P, d, "test", &changes), EG_OK);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_alerts WHERE state = 'pending'"), 1);
    /* the same date again does not move it on */
    assert_int_equal(eg_mon_alerts_evaluate(f->db, &P, d, "test", &changes), EG_OK);
    assert_int_equal(one(f->db, "SELECT consecutive FROM mon_alerts"), 1);
    assert_int_equal(eg_mon_alerts_evaluate(f->db, &P, d + 1, "test", &changes), EG_OK);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_alerts WHERE state = 'firing'"), 1);
    assert_int_equal(one(f->db, "SELECT value_e4 FROM mon_alerts"), 3333);
    assert_int_equal(eg_mon_alerts_evaluate(f->db, &P, d + 2, "test", &changes), EG_OK);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_alerts WHERE state = 'resolved'"), 1);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_alert_events"),
                     3); /* opened, fired, resolved */
    /* a day without data changes nothing */
    assert_int_equal(eg_mon_alerts_evaluate(f->db, &P, d + 30, "test", &changes), EG_OK);
    assert_int_equal(changes, 0);
    assert_int_equal(one(f->db, "SELECT COUNT(*) FROM mon_alerts"), 1);
    /* the message carries the value that fired it */
    struct eg_stmt *st = NULL;
    assert_int_equal(eg_db_query(f->db, &st, "SELECT message FROM mon_alerts", ""), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    assert_non_null(strstr(eg_stmt_text(st, 0), "0.3333"));
    eg_stmt_done(st);
}

int main(void)
{
    eg_log_set_level(EG_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batches_and_sums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multirow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recompute_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_lifecycle, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
