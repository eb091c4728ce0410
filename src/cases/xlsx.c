/*
 * xlsx.c — the case list as an Excel workbook (libxlsxwriter).
 *
 * One sheet "cases", a header row and one row per case, written page by
 * page as the caller reads the list (eg_cases_xlsx_open / _add / _finish):
 * the workbook is in libxlsxwriter's constant-memory mode, which writes each
 * row out to its temporary file as soon as the next begins, so memory does
 * not grow with the number of rows. Money is written as numbers: yuan cells
 * with the number format 0.00 (so SUM works), and the exact whole number of
 * fen beside them. Times are Asia/Shanghai, as "YYYY-MM-DD HH:MM:SS+08:00".
 * libxlsxwriter writes to a file, so the workbook goes to a unique temporary
 * file under tmp_dir, is read back and removed.
 */
#include "cases/api.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* Read a whole file into malloc'd memory. */
static int slurp(const char *path, void **out, size_t *len)
{
    struct stat sb;
    char *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || sb.st_size < 0 || (buf = malloc((size_t)sb.st_size + 1)) == NULL) {
        close(fd);
        return -1;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)sb.st_size) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = got;
    return 0;
}

struct eg_cases_xlsx {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *yuan;
    char *path;
    eg_day today;
    lxw_row_t next_row;
    int failed;
};

/*
 * Write fen as a number of yuan with two decimals. Spreadsheet cells hold
 * doubles: fen / 100 is the nearest double to the exact yuan amount, and the
 * 0.00 format shows it exactly for any amount below 2^53 fen; the exact fen
 * are in their own integer column.
 */
static void write_yuan(struct eg_cases_xlsx *x, lxw_row_t row, lxw_col_t col, int64_t fen)
{
    if (worksheet_write_number(x->ws, row, col, (double)fen / 100.0, x->yuan) != LXW_NO_ERROR)
        x->failed = 1;
}

/* An instant in Asia/Shanghai as "2026-12-03 18:30:00+08:00" ("" when 0). */
static void shanghai_time(int64_t t, char out[40])
{
    if (t == 0)
        out[0] = '\0';
    else
        eg_instant_format_shanghai(t, out);
}

static const char *const head[] = {
    "案件编号 number",
    "状态 state",
    "类型 type",
    "渠道 channel",
    "申请人 applicant",
    "被申请人 respondent",
    "承办部门 department",
    "事项 matter",
    "提交时间(北京时间) submitted (UTC+8)",
    "受理时间(北京时间) accepted (UTC+8)",
    "受理期限 accept due",
    "调解期限 mediation due",
    "超期 overdue",
    "请求金额(元) claimed",
    "协议金额(元) agreed",
    "已履行(元) paid",
    "请求金额(分) claimed_fen",
    "协议金额(分) agreed_fen",
    "已履行(分) paid_fen",
    "转办 referral",
};

enum eg_status eg_cases_xlsx_open(const char *tmp_dir, eg_day today, struct eg_cases_xlsx **out)
{
    lxw_workbook_options opts = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)tmp_dir, .use_zip64 = LXW_TRUE};
    struct eg_cases_xlsx *x;
    unsigned char r[8];
    char name[32];
    size_t plen = strlen(tmp_dir) + 40;

    *out = NULL;
    x = calloc(1, sizeof *x);
    if (x == NULL || (x->path = malloc(plen)) == NULL) {
        free(x);
        return EG_E_INTERNAL;
    }
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(name, sizeof name, r, sizeof r);
    snprintf(x->path, plen, "%s/export-%s.xlsx", tmp_dir, name);
    x->today = today;
    x->wb = workbook_new_opt(x->path, &opts);
    if (x->wb == NULL) {
        free(x->path);
        free(x);
        return EG_E_INTERNAL;
    }
    x->ws = workbook_add_worksheet(x->wb, "cases");
    x->bold = workbook_add_format(x->wb);
    x->yuan = workbook_add_format(x->wb);
    if (x->ws == NULL || x->bold == NULL || x->yuan == NULL) {
        eg_cases_xlsx_abort(x);
        return EG_E_INTERNAL;
    }
    format_set_bold(x->bold);
    format_set_num_format(x->yuan, "0.00");
    /* Column widths are set before any row is written (constant-memory mode). */
    worksheet_set_column(x->ws, 0, 0, 18, NULL);
    worksheet_set_column(x->ws, 4, 7, 22, NULL);
    worksheet_set_column(x->ws, 8, 9, 26, NULL);
    for (lxw_col_t c = 0; c < sizeof head / sizeof head[0]; c++)
        if (worksheet_write_string(x->ws, 0, c, head[c], x->bold) != LXW_NO_ERROR)
            x->failed = 1;
    x->next_row = 1;
    *out = x;
    return EG_OK;
}

/* Write a text cell, noting a failure. */
static void text(struct eg_cases_xlsx *x, lxw_row_t row, lxw_col_t col, const char *s)
{
    if (worksheet_write_string(x->ws, row, col, s ? s : "", NULL) != LXW_NO_ERROR)
        x->failed = 1;
}

enum eg_status eg_cases_xlsx_add(struct eg_cases_xlsx *x, const struct eg_case_rec *rows, size_t n)
{
    for (size_t i = 0; i < n && !x->failed; i++) {
        const struct eg_case_rec *c = &rows[i];
        lxw_row_t row = x->next_row++;
        int si = eg_case_name_index(eg_case_state_names, c->state_name);
        int ti = eg_case_name_index(eg_case_type_names, c->type);
        int ci = eg_case_name_index(eg_case_channel_names, c->channel);
        char submitted[40], accepted[40];
        int overdue = c->due_on != NULL && x->today > 0;

        if (overdue) {
            eg_day due;

            overdue = eg_date_parse(c->due_on, &due) == EG_OK && x->today > due &&
                      (c->state == EG_CASE_SUBMITTED || c->state == EG_CASE_ACCEPTED ||
                       c->state == EG_CASE_MEDIATING);
        }
        shanghai_time(c->submitted_at, submitted);
        shanghai_time(c->accepted_at, accepted);
        text(x, row, 0, c->number);
        text(x, row, 1, si >= 0 ? eg_case_state_labels[si] : c->state_name);
        text(x, row, 2, ti >= 0 ? eg_case_type_labels[ti] : c->type);
        text(x, row, 3, ci >= 0 ? eg_case_channel_labels[ci] : c->channel);
        text(x, row, 4, c->applicant_name);
        text(x, row, 5, c->respondent_name);
        text(x, row, 6, c->dept.name);
        text(x, row, 7, c->matter);
        text(x, row, 8, submitted);
        text(x, row, 9, accepted);
        text(x, row, 10, c->accept_due_on);
        text(x, row, 11, c->mediation_due_on);
        text(x, row, 12, overdue ? "是" : "否");
        write_yuan(x, row, 13, c->claimed_total_fen);
        write_yuan(x, row, 14, c->agreed_total_fen);
        write_yuan(x, row, 15, c->paid_total_fen);
        /* Integers far below 2^53: each double cell holds the exact fen. */
        worksheet_write_number(x->ws, row, 16, (double)c->claimed_total_fen, NULL);
        worksheet_write_number(x->ws, row, 17, (double)c->agreed_total_fen, NULL);
        worksheet_write_number(x->ws, row, 18, (double)c->paid_total_fen, NULL);
        text(x, row, 19, c->referral);
    }
    return x->failed ? EG_E_INTERNAL : EG_OK;
}

enum eg_status eg_cases_xlsx_finish(struct eg_cases_xlsx *x, void **out, size_t *len)
{
    enum eg_status rc = EG_E_INTERNAL;

    *out = NULL;
    *len = 0;
    if (workbook_close(x->wb) == LXW_NO_ERROR && !x->failed && slurp(x->path, out, len) == 0)
        rc = EG_OK;
    unlink(x->path);
    free(x->path);
    free(x);
    return rc;
}

void eg_cases_xlsx_abort(struct eg_cases_xlsx *x)
{
    if (x == NULL)
        return;
    workbook_close(x->wb);
    unlink(x->path);
    free(x->path);
    free(x);
}
