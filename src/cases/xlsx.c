/*
 * xlsx.c — the case list as an Excel workbook (libxlsxwriter).
 *
 * One sheet "cases", a header row and one row per case. Money is written
 * twice: as yuan text with two decimals made from the integer fen
 * (eg_money_format, no floating point), and as the whole number of fen
 * for sums in the spreadsheet (integers below 2^53 are exact there).
 * libxlsxwriter writes to a file, so the workbook goes to a unique
 * temporary file under tmp_dir, is read back and removed.
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

#include "core/money.h"

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

/* Write fen as yuan text ("3500.00") into cell (row, col). */
static void write_yuan(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t fen,
                       lxw_format *fmt)
{
    char buf[24];

    eg_money_format(fen, buf);
    worksheet_write_string(ws, row, col, buf, fmt);
}

enum eg_status eg_cases_xlsx(const struct eg_case_rec *rows, size_t n, eg_day today,
                             const char *tmp_dir, void **out, size_t *len)
{
    static const char *const head[] = {
        "案件编号 number",
        "状态 state",
        "类型 type",
        "渠道 channel",
        "申请人 applicant",
        "被申请人 respondent",
        "承办部门 department",
        "事项 matter",
        "受理时间 submitted",
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
    lxw_workbook_options opts = {
        .constant_memory = LXW_TRUE, .tmpdir = (char *)tmp_dir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *money;
    unsigned char r[8];
    char name[32], *path;
    size_t plen;
    enum eg_status rc = EG_E_INTERNAL;

    *out = NULL;
    *len = 0;
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(name, sizeof name, r, sizeof r);
    plen = strlen(tmp_dir) + 40;
    path = malloc(plen);
    if (path == NULL)
        return EG_E_INTERNAL;
    snprintf(path, plen, "%s/export-%s.xlsx", tmp_dir, name);
    wb = workbook_new_opt(path, &opts);
    if (wb == NULL)
        goto out;
    ws = workbook_add_worksheet(wb, "cases");
    bold = workbook_add_format(wb);
    format_set_bold(bold);
    money = workbook_add_format(wb);
    format_set_align(money, LXW_ALIGN_RIGHT);
    for (lxw_col_t c = 0; c < sizeof head / sizeof head[0]; c++)
        worksheet_write_string(ws, 0, c, head[c], bold);
    worksheet_set_column(ws, 0, 0, 18, NULL);
    worksheet_set_column(ws, 4, 7, 22, NULL);
    for (size_t i = 0; i < n; i++) {
        const struct eg_case_rec *c = &rows[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        int si = eg_case_name_index(eg_case_state_names, c->state_name);
        int ti = eg_case_name_index(eg_case_type_names, c->type);
        int ci = eg_case_name_index(eg_case_channel_names, c->channel);
        char submitted[21];
        int overdue = c->due_on != NULL && today > 0;

        if (overdue) {
            eg_day due;

            overdue = eg_date_parse(c->due_on, &due) == EG_OK && today > due &&
                      (c->state == EG_CASE_SUBMITTED || c->state == EG_CASE_ACCEPTED ||
                       c->state == EG_CASE_MEDIATING);
        }
        eg_instant_format(c->submitted_at, submitted);
        worksheet_write_string(ws, row, 0, c->number, NULL);
        worksheet_write_string(ws, row, 1, si >= 0 ? eg_case_state_labels[si] : c->state_name,
                               NULL);
        worksheet_write_string(ws, row, 2, ti >= 0 ? eg_case_type_labels[ti] : c->type, NULL);
        worksheet_write_string(ws, row, 3, ci >= 0 ? eg_case_channel_labels[ci] : c->channel, NULL);
        worksheet_write_string(ws, row, 4, c->applicant_name, NULL);
        worksheet_write_string(ws, row, 5, c->respondent_name, NULL);
        worksheet_write_string(ws, row, 6, c->dept.name, NULL);
        worksheet_write_string(ws, row, 7, c->matter, NULL);
        worksheet_write_string(ws, row, 8, submitted, NULL);
        worksheet_write_string(ws, row, 9, c->accept_due_on, NULL);
        worksheet_write_string(ws, row, 10, c->mediation_due_on ? c->mediation_due_on : "", NULL);
        worksheet_write_string(ws, row, 11, overdue ? "是" : "否", NULL);
        write_yuan(ws, row, 12, c->claimed_total_fen, money);
        write_yuan(ws, row, 13, c->agreed_total_fen, money);
        write_yuan(ws, row, 14, c->paid_total_fen, money);
        /* libxlsxwriter stores every number as a double; fen amounts are
         * integers far below 2^53, so each cell holds the exact fen. */
        worksheet_write_number(ws, row, 15, (double)c->claimed_total_fen, NULL);
        worksheet_write_number(ws, row, 16, (double)c->agreed_total_fen, NULL);
        worksheet_write_number(ws, row, 17, (double)c->paid_total_fen, NULL);
        worksheet_write_string(ws, row, 18, c->referral ? c->referral : "", NULL);
    }
    if (workbook_close(wb) != LXW_NO_ERROR)
        goto out;
    if (slurp(path, out, len) != 0)
        goto out;
    rc = EG_OK;
out:
    unlink(path);
    free(path);
    return rc;
}
