/*
 * test_mon_feed.c — feed parsing and checking (monitoring/feed.h): good CSV
 * and JSON, a byte-order mark, CRLF, blank lines and quoted newlines (line
 * numbers stay right), malformed input (stray quotes, wrong column counts,
 * invalid UTF-8 and GBK bytes, huge fields, empty bodies, header problems),
 * wrong values and cross-field rules, the error cap, and two equivalences:
 * any split of the body into pieces, and the unquoted-line fast path
 * against libcsv byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/time.h"
#include "monitoring/feed.h"

#define MAX_OUT 4096

/* What a parse produced, as text lines for easy comparison. */
struct out {
    char rows[MAX_OUT][160];
    size_t nrows;
    enum eg_status st;
    uint64_t nerr;
    char errs[64][256];
    size_t nerrs;
    char stop[200];
};

static eg_day today(void)
{
    return eg_day_from_civil(2026, 3, 1);
}

static int64_t now(void)
{
    return eg_day_start(today()) + 12 * 3600;
}

/* One row as text: line|index|value,value,… */
static enum eg_status collect(void *ctx, struct eg_mon_parser *p, const struct eg_mon_row *r)
{
    struct out *o = ctx;
    size_t ncols = 0;
    (void)p;
    eg_mon_feed_columns(r->feed, &ncols);
    if (o->nrows >= MAX_OUT)
        return EG_OK;
    char *s = o->rows[o->nrows++];
    size_t used = (size_t)snprintf(s, 160, "%u|%u|", r->line, r->index);
    for (size_t c = 0; c < ncols && used < 150; c++) {
        const struct eg_mon_value *v = &r->v[c];
        int n;
        if (!v->present)
            n = snprintf(s + used, 160 - used, "-,");
        else if (v->s)
            n = snprintf(s + used, 160 - used, "%.*s,", (int)(v->len > 40 ? 40 : v->len), v->s);
        else
            n = snprintf(s + used, 160 - used, "%lld,", (long long)v->i);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return EG_OK;
}

/* Parse body, pushing it in pieces of `piece` bytes (0 = all at once). */
static void parse(enum eg_mon_feed feed, enum eg_mon_format fmt, const char *body, size_t len,
                  size_t piece, int fast, struct out *o)
{
    memset(o, 0, sizeof *o);
    struct eg_mon_parser *p = eg_mon_parser_new(feed, fmt, today(), now(), collect, o);
    assert_non_null(p);
    eg_mon_parser_set_fast_path(p, fast);
    if (piece == 0)
        piece = len ? len : 1;
    for (size_t at = 0; at < len; at += piece)
        eg_mon_parser_push(p, body + at, len - at < piece ? len - at : piece);
    o->st = eg_mon_parser_finish(p);
    o->nerr = eg_mon_parser_error_count(p);
    size_t n = 0;
    const struct eg_mon_row_error *e = eg_mon_parser_errors(p, &n);
    for (size_t i = 0; i < n && i < 64; i++)
        snprintf(o->errs[o->nerrs++], 256, "%u|%u|%s|%s", e[i].line, e[i].index, e[i].field,
                 e[i].reason);
    if (eg_mon_parser_stop_message(p))
        snprintf(o->stop, sizeof o->stop, "%s", eg_mon_parser_stop_message(p));
    eg_mon_parser_free(p);
}

static void csv(enum eg_mon_feed feed, const char *body, struct out *o)
{
    parse(feed, EG_MON_CSV, body, strlen(body), 0, 1, o);
}

/* Whether some error line contains all of the given fragments. */
static int has_error(const struct out *o, const char *a, const char *b)
{
    for (size_t i = 0; i < o->nerrs; i++)
        if (strstr(o->errs[i], a) && (!b || strstr(o->errs[i], b)))
            return 1;
    return 0;
}

#define WR_HEAD                                                                                    \
    "platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,penalty_count,"        \
    "penalty_fen\n"

static void test_good_csv(void **state)
{
    struct out o;
    (void)state;
    csv(EG_MON_FEED_WORK,
        WR_HEAD "W1,2026-02-27,20,600,400,30000,1,2000\n"
                "W2,2026-02-28,0,0,0,0,0,0\n"
                "  W3 , 2026-02-28 ,5,60,30,2100,0,0",
        &o);
    assert_int_equal(o.st, EG_OK);
    assert_int_equal(o.nerr, 0);
    assert_int_equal(o.nrows, 3);
    assert_non_null(strstr(o.rows[0], "2|1|W1,2026-02-27,"));
    assert_non_null(strstr(o.rows[0], ",20,600,400,30000,1,2000,-,"));
    /* unquoted fields are trimmed of spaces, the last line needs no newline */
    assert_non_null(strstr(o.rows[2], "4|3|W3,"));
}

static void test_bom_crlf_blank_lines(void **state)
{
    struct out a, b;
    (void)state;
    csv(EG_MON_FEED_WORK,
        WR_HEAD "W1,2026-02-27,20,600,400,30000,1,2000\n\nW2,2026-02-28,1,60,60,2100,0,0\n", &a);
    csv(EG_MON_FEED_WORK,
        "\xEF\xBB\xBF"
        "platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,"
        "penalty_count,penalty_fen\r\nW1,2026-02-27,20,600,400,30000,1,2000\r\n\r\n"
        "W2,2026-02-28,1,60,60,2100,0,0\r\n",
        &b);
    assert_int_equal(a.st, EG_OK);
    assert_int_equal(b.st, EG_OK);
    assert_int_equal(a.nrows, 2);
    assert_int_equal(b.nrows, 2);
    /* the blank line counts: W2 is on line 4 */
    assert_non_null(strstr(a.rows[1], "4|2|W2"));
    for (size_t i = 0; i < a.nrows; i++)
        assert_string_equal(a.rows[i], b.rows[i]);
    /* a byte-order mark in the middle is data, not a mark */
    csv(EG_MON_FEED_WORK, WR_HEAD "\xEF\xBB\xBFW1,2026-02-27,20,600,400,30000,1,2000\n", &a);
    assert_true(has_error(&a, "platform_worker_id", "letters"));
}

static void test_empty_and_header_only(void **state)
{
    struct out o;
    (void)state;
    csv(EG_MON_FEED_WORK, "", &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    assert_non_null(strstr(o.stop, "empty"));
    csv(EG_MON_FEED_WORK, "\xEF\xBB\xBF", &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    csv(EG_MON_FEED_WORK, "\n\n", &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    csv(EG_MON_FEED_WORK, WR_HEAD, &o);
    assert_int_equal(o.st, EG_E_BATCH_REJECTED);
    assert_true(has_error(&o, "no data rows", NULL));
    parse(EG_MON_FEED_WORK, EG_MON_JSON, "", 0, 0, 1, &o);
    assert_int_equal(o.st, EG_E_BAD_JSON);
    parse(EG_MON_FEED_WORK, EG_MON_JSON, " [ ] ", 5, 0, 1, &o);
    assert_int_equal(o.st, EG_E_BATCH_REJECTED);
}

static void test_header_problems(void **state)
{
    struct out o;
    (void)state;
    /* missing column */
    csv(EG_MON_FEED_WORK,
        "platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,penalty_count\n"
        "W1,2026-02-27,20,600,400,30000,1\n",
        &o);
    assert_int_equal(o.st, EG_E_BATCH_REJECTED);
    assert_true(has_error(&o, "1|0|penalty_fen|missing column", NULL));
    assert_int_equal(o.nrows, 0);
    /* an extra column */
    csv(EG_MON_FEED_WORK,
        "platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,penalty_count,"
        "penalty_fen,tip_fen\nW1,2026-02-27,20,600,400,30000,1,2000,5\n",
        &o);
    assert_int_equal(o.st, EG_E_BATCH_REJECTED);
    assert_true(has_error(&o, "tip_fen", "unknown column"));
    /* a column twice, and a trailing comma (an empty column name) */
    csv(EG_MON_FEED_WORK, "date,date\nx,y\n", &o);
    assert_true(has_error(&o, "date", "twice"));
    csv(EG_MON_FEED_WORK,
        "platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,penalty_count,"
        "penalty_fen,\n",
        &o);
    assert_true(has_error(&o, "1|0||unknown column", NULL));
    /* the optional column may be left out of the header or given */
    csv(EG_MON_FEED_WORK,
        "date,platform_worker_id,orders,online_minutes,order_minutes,income_fen,penalty_count,"
        "penalty_fen,district\n2026-02-27,W1,1,60,60,2100,0,0,350206\n",
        &o);
    assert_int_equal(o.st, EG_OK);
    assert_non_null(strstr(o.rows[0], ",350206,"));
    /* too many columns for the row buffer */
    csv(EG_MON_FEED_WORK, "a,b,c,d,e,f,g,h,i,j,k,l,m,n\n1,2,3,4,5,6,7,8,9,10,11,12,13,14\n", &o);
    assert_int_equal(o.st, EG_E_BATCH_REJECTED);
}

static void test_column_counts(void **state)
{
    struct out o;
    (void)state;
    csv(EG_MON_FEED_WORK,
        WR_HEAD "W1,2026-02-27,20,600,400,30000,1\n"
                "W2,2026-02-27,20,600,400,30000,1,2000,9\n"
                "W3,2026-02-27,20,600,400,30000,1,2000\n",
        &o);
    assert_int_equal(o.st, EG_OK); /* row errors do not stop the parse */
    assert_int_equal(o.nerr, 2);
    /* a short row names the first column it lacks; a long one has none to name */
    assert_true(has_error(&o, "2|1|penalty_fen|has 7 fields; the header has 8", NULL));
    assert_true(has_error(&o, "3|2||has 9 fields", NULL));
    assert_int_equal(o.nrows, 1);
    assert_non_null(strstr(o.rows[0], "4|3|W3"));
    csv(EG_MON_FEED_WORK, WR_HEAD "W1,2026-02-27,20,600\n", &o);
    assert_true(has_error(&o, "2|1|order_minutes|has 4 fields", "order_minutes and after"));
}

static void test_stray_quotes(void **state)
{
    struct out o;
    (void)state;
    csv(EG_MON_FEED_WORK,
        WR_HEAD "W1,2026-02-27,20,600,400,30000,1,2000\nW2,20\"26-02-27,20,600,400,30000,1,2000\n",
        &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    assert_non_null(strstr(o.stop, "line 3"));
    csv(EG_MON_FEED_WORK, WR_HEAD "\"W1\"x,2026-02-27,20,600,400,30000,1,2000\n", &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    /* an unterminated quote at the end of the body */
    csv(EG_MON_FEED_WORK, WR_HEAD "\"W1,2026-02-27,20,600,400,30000,1,2000\n", &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    /* well-quoted fields are fine, doubled quotes inside them too */
    csv(EG_MON_FEED_PENALTIES,
        "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
        "\"W1\",2026-02-27T08:00:00+08:00,\"late, \"\"very\"\" late\",2000,true\n",
        &o);
    assert_int_equal(o.st, EG_OK);
    assert_int_equal(o.nerr, 0);
    assert_non_null(strstr(o.rows[0], "late, \"very\" late"));
}

static void test_quoted_newlines_keep_lines(void **state)
{
    struct out o;
    (void)state;
    csv(EG_MON_FEED_PENALTIES,
        "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
        "W1,2026-02-27T08:00:00Z,\"two\nlines\",2000,true\n"
        "W2,2026-02-27T09:00:00Z,ok,xx,false\n"
        "\"W\n3\",2026-02-27T09:00:00Z,ok,1,false\n"
        "W4,2026-02-27T09:00:00Z,ok,1,false\n",
        &o);
    /* a line break is not allowed inside a value, but the row it is in
     * starts on line 2, and the next row on line 4 */
    assert_true(has_error(&o, "2|1|reason", "control"));
    assert_true(has_error(&o, "4|2|amount_fen", NULL));
    assert_true(has_error(&o, "5|3|platform_worker_id", NULL));
    assert_int_equal(o.nrows, 1);
    assert_non_null(strstr(o.rows[0], "7|4|W4"));
}

static void test_encodings(void **state)
{
    struct out o;
    (void)state;
    /* GBK bytes for 你好 (C4 E3 BA C3) and a broken UTF-8 sequence */
    csv(EG_MON_FEED_PENALTIES,
        "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
        "W1,2026-02-27T08:00:00Z,\xC4\xE3\xBA\xC3,2000,true\n"
        "W2,2026-02-27T08:00:00Z,\xC3\x28,2000,true\n"
        "W3,2026-02-27T08:00:00Z,超时送达,2000,true\n",
        &o);
    assert_int_equal(o.nerr, 2);
    assert_true(has_error(&o, "2|1|reason", "UTF-8"));
    assert_true(has_error(&o, "3|2|reason", "GBK"));
    assert_int_equal(o.nrows, 1);
    /* a NUL byte is not text either */
    const char body[] = "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
                        "W1,2026-02-27T08:00:00Z,a\0b,2000,true\n";
    parse(EG_MON_FEED_PENALTIES, EG_MON_CSV, body, sizeof body - 1, 0, 1, &o);
    assert_true(has_error(&o, "reason", NULL));
    /* the error's field name is itself made safe (an invalid column name) */
    csv(EG_MON_FEED_WORK, "\xFF\xFE,date\n", &o);
    assert_true(has_error(&o, "?", "unknown column"));
}

static void test_huge_fields(void **state)
{
    struct out o;
    size_t n = 70000;
    char *body = malloc(n + 200);
    (void)state;
    assert_non_null(body);
    /* a 5,000-byte field: a row error; the parse goes on */
    snprintf(body, n + 200, "%s",
             "platform_worker_id,occurred_at,reason,amount_fen,appealed\nW1,2026-02-27T08:00:00Z,");
    size_t at = strlen(body);
    memset(body + at, 'x', 5000);
    snprintf(body + at + 5000, n + 200 - at - 5000, "%s",
             ",2000,true\nW2,2026-02-27T08:00:00Z,ok,1,false\n");
    csv(EG_MON_FEED_PENALTIES, body, &o);
    assert_int_equal(o.st, EG_OK);
    assert_true(has_error(&o, "2|1|reason", "longer than 4096"));
    assert_int_equal(o.nrows, 1);
    /* a 66,000-byte field stops the parse (memory stays bounded), quoted or not */
    memset(body + at, 'x', 66000);
    snprintf(body + at + 66000, n + 200 - at - 66000, "%s", ",2000,true\n");
    csv(EG_MON_FEED_PENALTIES, body, &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    assert_non_null(strstr(o.stop, "longer than 65536"));
    body[at] = '"';
    snprintf(body + at + 66000, n + 200 - at - 66000, "%s", "\",2000,true\n");
    csv(EG_MON_FEED_PENALTIES, body, &o);
    assert_int_equal(o.st, EG_E_BAD_CSV);
    free(body);
}

static void test_values(void **state)
{
    struct out o;
    (void)state;
    csv(EG_MON_FEED_WORK,
        WR_HEAD "W1,2026-02-30,1,60,60,2100,0,0\n"   /* no such date */
                "W2,2026-03-02,1,60,60,2100,0,0\n"   /* tomorrow */
                "W3,2026-02-27,abc,60,60,2100,0,0\n" /* not a number */
                "W4,2026-02-27,-1,60,60,2100,0,0\n"  /* negative */
                "W5,2026-02-27,1.5,60,60,2100,0,0\n" /* fraction */
                "W6,2026-02-27,1,1441,60,2100,0,0\n" /* more minutes than a day has */
                "W7,2026-02-27,1,60,61,2100,0,0\n"   /* order minutes over online */
                "W8,2026-02-27,1,60,60,2100,0,500\n" /* penalty amount without a count */
                "W 9,2026-02-27,1,60,60,2100,0,0\n"  /* a space inside the id */
                ",2026-02-27,1,60,60,2100,0,0\n"     /* no id */
                "W11,1999-12-31,1,60,60,2100,0,0\n", /* before 2000 */
        &o);
    assert_true(has_error(&o, "2|1|date", "YYYY-MM-DD"));
    assert_true(has_error(&o, "3|2|date", "future"));
    assert_true(has_error(&o, "4|3|orders", "whole number"));
    assert_true(has_error(&o, "5|4|orders", NULL));
    assert_true(has_error(&o, "6|5|orders", NULL));
    assert_true(has_error(&o, "7|6|online_minutes", "0 to 1440"));
    assert_true(has_error(&o, "8|7|order_minutes", "cannot exceed"));
    assert_true(has_error(&o, "9|8|penalty_count", NULL));
    assert_true(has_error(&o, "10|9|platform_worker_id", NULL));
    assert_true(has_error(&o, "11|10|platform_worker_id", "required"));
    assert_true(has_error(&o, "12|11|date", "2000"));
    assert_int_equal(o.nrows, 0);

    csv(EG_MON_FEED_ROSTER,
        "platform_worker_id,name,id_number,phone,occupation,status,joined_on\n"
        "A1,张伟,360426199101010071,13800000000,外卖骑手,active,2020-01-01\n"
        "A2,张伟,360426199101010072,,外卖骑手,active,2020-01-01\n"      /* check digit */
        "A3,张伟,360426199101010071,12345,外卖骑手,active,2020-01-01\n" /* phone */
        "A4,张伟,360426199101010071,,外卖骑手,sleeping,2020-01-01\n"    /* status */
        "A5,张伟,360426199101010071,,外卖骑手,active,2006-01-01\n"      /* under 16 */
        "A6,\x01"
        "bad,360426199101010071,,外卖骑手,active,2020-01-01\n"      /* control char */
        "A7,张伟,36042619910101007x,,外卖骑手,active,2020-01-01\n", /* lower-case x */
        &o);
    assert_int_equal(o.nrows, 1);
    assert_non_null(strstr(o.rows[0], "2|1|A1,张伟,360426199101010071,13800000000,"));
    assert_true(has_error(&o, "3|2|id_number", "GB 11643"));
    assert_true(has_error(&o, "4|3|phone", NULL));
    assert_true(has_error(&o, "5|4|status", "active, suspended"));
    assert_true(has_error(&o, "6|5|joined_on", "under 16"));
    assert_true(has_error(&o, "7|6|name", "control"));
    assert_true(has_error(&o, "8|7|id_number", NULL)); /* 007X is not a valid check */

    csv(EG_MON_FEED_PENALTIES,
        "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
        "W1,2026-02-27T08:00:00+08:00,late,2000,yes\n"
        "W2,yesterday,late,2000,1\n"
        "W3,2026-03-05T08:00:00Z,late,2000,0\n",
        &o);
    assert_true(has_error(&o, "2|1|appealed", "true or false"));
    assert_true(has_error(&o, "3|2|occurred_at", "RFC 3339"));
    assert_true(has_error(&o, "4|3|occurred_at", "future"));

    csv(EG_MON_FEED_SOCIAL,
        "id_number,month,scheme,status,payer_credit_code\n"
        "360426199101010071,2026-01,pension,paid,91350100M000100Y43\n"
        "360426199101010071,2026-13,pension,paid,\n"
        "360426199101010071,2026-04,pension,paid,\n"
        "360426199101010071,2026-01,pension,paid,91350100M000100Y44\n",
        &o);
    assert_int_equal(o.nrows, 1);
    assert_true(has_error(&o, "3|2|month", "YYYY-MM"));
    assert_true(has_error(&o, "4|3|month", "future"));
    assert_true(has_error(&o, "5|4|payer_credit_code", NULL));
}

static void test_json(void **state)
{
    struct out o, c;
    (void)state;
    const char *good =
        "\xEF\xBB\xBF[\n {\"platform_worker_id\":\"W1\",\"date\":\"2026-02-27\",\"orders\":20,"
        "\"online_minutes\":600,\"order_minutes\":400,\"income_fen\":30000,\"penalty_count\":1,"
        "\"penalty_fen\":2000},\n {\"platform_worker_id\":\"W2\",\"date\":\"2026-02-28\","
        "\"orders\":0,\"online_minutes\":0,\"order_minutes\":0,\"income_fen\":0,"
        "\"penalty_count\":0,\"penalty_fen\":0,\"district\":null}\n]\n";
    parse(EG_MON_FEED_WORK, EG_MON_JSON, good, strlen(good), 0, 1, &o);
    assert_int_equal(o.st, EG_OK);
    assert_int_equal(o.nerr, 0);
    assert_int_equal(o.nrows, 2);
    assert_non_null(strstr(o.rows[0], "2|1|W1,"));
    assert_non_null(strstr(o.rows[1], "3|2|W2,"));
    /* JSON and CSV give the same values */
    csv(EG_MON_FEED_WORK,
        WR_HEAD "W1,2026-02-27,20,600,400,30000,1,2000\nW2,2026-02-28,0,0,0,0,0,0\n", &c);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(strchr(strchr(o.rows[i], '|') + 1, '|'),
                            strchr(strchr(c.rows[i], '|') + 1, '|'));

    const char *bad =
        "[{\"platform_worker_id\":\"W1\",\"date\":\"2026-02-27\",\"orders\":\"20\","
        "\"online_minutes\":600.5,\"order_minutes\":400,\"income_fen\":30000,"
        "\"penalty_count\":1,\"penalty_fen\":2000,\"tip\":1},\n"
        "{\"platform_worker_id\":{\"a\":1},\"date\":null,\"orders\":1,\"online_minutes\":1,"
        "\"order_minutes\":1,\"income_fen\":1,\"penalty_count\":0,\"penalty_fen\":0},\n"
        "{\"platform_worker_id\":\"W3\",\"platform_worker_id\":\"W4\"},\n"
        "{\"platform_worker_id\": tru}]";
    parse(EG_MON_FEED_WORK, EG_MON_JSON, bad, strlen(bad), 0, 1, &o);
    assert_int_equal(o.st, EG_OK);
    assert_int_equal(o.nrows, 0);
    assert_true(has_error(&o, "1|1|orders", "JSON integer"));
    assert_true(has_error(&o, "1|1|online_minutes", "JSON integer"));
    assert_true(has_error(&o, "1|1|tip", "unknown field"));
    assert_true(has_error(&o, "2|2|platform_worker_id", "JSON string"));
    assert_true(has_error(&o, "2|2|date", "required"));
    assert_true(has_error(&o, "3|3||", "duplicate"));
    assert_true(has_error(&o, "4|4||", "not valid JSON"));

    parse(EG_MON_FEED_WORK, EG_MON_JSON, "{\"a\":1}", 7, 0, 1, &o);
    assert_int_equal(o.st, EG_E_BAD_JSON);
    parse(EG_MON_FEED_WORK, EG_MON_JSON, "[1,2]", 5, 0, 1, &o);
    assert_int_equal(o.st, EG_E_BAD_JSON);
    parse(EG_MON_FEED_WORK, EG_MON_JSON, "[{},]", 5, 0, 1, &o);
    assert_int_equal(o.st, EG_E_BAD_JSON);
    parse(EG_MON_FEED_WORK, EG_MON_JSON, "[{}] x", 6, 0, 1, &o);
    assert_int_equal(o.st, EG_E_BAD_JSON);
    parse(EG_MON_FEED_WORK, EG_MON_JSON, "[{\"a\":\"}\"}", 11, 0, 1, &o);
    assert_int_equal(o.st, EG_E_BAD_JSON); /* the brace in the string does not close it */
    parse(EG_MON_FEED_WORK, EG_MON_JSON, "[{\"x\":\"\xC3\x28\"}]", 12, 0, 1, &o);
    assert_true(has_error(&o, "1|1||", "UTF-8"));
}

static void test_error_cap(void **state)
{
    struct out o;
    size_t rows = 1500;
    size_t size = rows * 48 + 200;
    char *body = malloc(size);
    (void)state;
    assert_non_null(body);
    size_t at = (size_t)snprintf(body, size, "%s", WR_HEAD);
    for (size_t i = 0; i < rows; i++)
        at += (size_t)snprintf(body + at, size - at, "W%zu,2026-02-27,x,60,60,2100,0,0\n", i);
    memset(&o, 0, sizeof o);
    struct eg_mon_parser *p =
        eg_mon_parser_new(EG_MON_FEED_WORK, EG_MON_CSV, today(), now(), NULL, NULL);
    eg_mon_parser_push(p, body, at);
    assert_int_equal(eg_mon_parser_finish(p), EG_OK);
    size_t n = 0;
    eg_mon_parser_errors(p, &n);
    assert_int_equal(n, EG_MON_MAX_ERRORS);
    assert_int_equal(eg_mon_parser_error_count(p), rows);
    assert_int_equal(eg_mon_parser_rows(p), rows);
    eg_mon_parser_free(p);
    free(body);
}

static void assert_same(const struct out *a, const struct out *b)
{
    assert_int_equal(a->st, b->st);
    assert_int_equal(a->nrows, b->nrows);
    assert_int_equal(a->nerr, b->nerr);
    for (size_t i = 0; i < a->nrows; i++)
        assert_string_equal(a->rows[i], b->rows[i]);
    for (size_t i = 0; i < a->nerrs; i++)
        assert_string_equal(a->errs[i], b->errs[i]);
}

/* Pieces of any size, and the fast path against libcsv, on random bodies. */
static void test_equivalences(void **state)
{
    static const char *const parts[] = {
        "W1",
        "W2",
        "\"W3\"",
        " W4 ",
        "2026-02-27",
        "\"2026-02-28\"",
        "1",
        "60",
        " 60 ",
        "abc",
        "\"a,b\"",
        "\"x\"\"y\"",
        "\"two\nlines\"",
        "",
        "\t7\t",
        "2100",
        "0",
        "\xC3\x28",
        "\"",
        "\r",
    };
    struct out *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
    uint64_t rng = 0x1234567;
    (void)state;
    for (int round = 0; round < 300; round++) {
        char body[4096];
        size_t at =
            (size_t)snprintf(body, sizeof body, "%s", round % 2 ? WR_HEAD : "\xEF\xBB\xBF" WR_HEAD);
        int lines = 1 + (int)(rng % 12);
        for (int l = 0; l < lines && at < 3500; l++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            int fields = 6 + (int)((rng >> 33) % 4);
            for (int f = 0; f < fields; f++) {
                rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
                const char *pt =
                    (rng >> 40) % 5 == 0 ? parts[(rng >> 20) % 20] : parts[(rng >> 20) % 10];
                at += (size_t)snprintf(body + at, sizeof body - at, "%s%s", f ? "," : "", pt);
            }
            at += (size_t)snprintf(body + at, sizeof body - at, "%s",
                                   (rng >> 50) % 3 ? "\n" : "\r\n");
            if ((rng >> 45) % 7 == 0)
                at += (size_t)snprintf(body + at, sizeof body - at, "\n  \n");
        }
        parse(EG_MON_FEED_WORK, EG_MON_CSV, body, at, 0, 1, a);
        parse(EG_MON_FEED_WORK, EG_MON_CSV, body, at, 0, 0, b);
        assert_same(a, b);
        parse(EG_MON_FEED_WORK, EG_MON_CSV, body, at, 1 + (size_t)(rng % 7), 1, c);
        assert_same(a, c);
    }
    free(a);
    free(b);
    free(c);
}

static void test_feed_names(void **state)
{
    (void)state;
    assert_int_equal(eg_mon_feed_parse("work-records"), EG_MON_FEED_WORK);
    assert_int_equal(eg_mon_feed_parse("traffic-incidents"), EG_MON_FEED_TRAFFIC);
    assert_int_equal(eg_mon_feed_parse("batches"), -1);
    assert_true(eg_mon_feed_is_department(EG_MON_FEED_SOCIAL));
    assert_false(eg_mon_feed_is_department(EG_MON_FEED_ROSTER));
    size_t n = 0;
    eg_mon_feed_columns(EG_MON_FEED_ROSTER, &n);
    assert_int_equal(n, 8);
    eg_mon_feed_columns(EG_MON_FEED_WORK, &n);
    assert_int_equal(n, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_csv),
        cmocka_unit_test(test_bom_crlf_blank_lines),
        cmocka_unit_test(test_empty_and_header_only),
        cmocka_unit_test(test_header_problems),
        cmocka_unit_test(test_column_counts),
        cmocka_unit_test(test_stray_quotes),
        cmocka_unit_test(test_quoted_newlines_keep_lines),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_huge_fields),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_equivalences),
        cmocka_unit_test(test_feed_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
