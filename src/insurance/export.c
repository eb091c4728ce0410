/*
 * export.c — the monthly settlement as CSV and .xlsx (see export.h).
 */
#include "insurance/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <xlsxwriter.h>

#include "core/money.h"

void eg_ins_settlement_total(const struct eg_ins_settlement_row *rows, size_t n,
                             struct eg_ins_settlement_row *total)
{
    memset(total, 0, sizeof *total);
    total->payer_kind = "total";
    total->payer_name = "";
    total->credit_code = "";
    for (size_t i = 0; i < n; i++) {
        total->person_days += rows[i].person_days;
        total->premium_fen += rows[i].premium_fen;
        total->subsidy_fen += rows[i].subsidy_fen;
        total->payer_fen += rows[i].payer_fen;
    }
}

/* One CSV cell: quoted when it holds a separator, quote or line break;
 * neutralised when it would start a formula. */
static enum eg_status csv_cell(struct eg_buf *out, const char *s, int last)
{
    enum eg_status st = EG_OK;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';

    if (quote)
        st = eg_buf_puts(out, "\"");
    if (st == EG_OK && formula)
        st = eg_buf_puts(out, "'");
    for (const char *p = s; st == EG_OK && *p; p++)
        st = *p == '"' ? eg_buf_puts(out, "\"\"") : eg_buf_append(out, p, 1);
    if (st == EG_OK && quote)
        st = eg_buf_puts(out, "\"");
    if (st == EG_OK)
        st = eg_buf_puts(out, last ? "\r\n" : ",");
    return st;
}

static const char *payer_label(const struct eg_ins_settlement_row *r)
{
    if (strcmp(r->payer_kind, "person") == 0)
        return "个人自付 (workers paying themselves)";
    if (strcmp(r->payer_kind, "total") == 0)
        return "合计 (total)";
    return r->payer_name;
}

static enum eg_status csv_row(struct eg_buf *out, const char *month,
                              const struct eg_ins_settlement_row *r)
{
    char org[24] = "", n[24], a[24], b[24], c[24], ay[24], by[24], cy[24];
    enum eg_status st;

    if (r->payer_org_id > 0)
        snprintf(org, sizeof org, "%lld", (long long)r->payer_org_id);
    snprintf(n, sizeof n, "%lld", (long long)r->person_days);
    snprintf(a, sizeof a, "%lld", (long long)r->premium_fen);
    snprintf(b, sizeof b, "%lld", (long long)r->subsidy_fen);
    snprintf(c, sizeof c, "%lld", (long long)r->payer_fen);
    eg_money_format(r->premium_fen, ay);
    eg_money_format(r->subsidy_fen, by);
    eg_money_format(r->payer_fen, cy);
    st = csv_cell(out, month, 0);
    if (st == EG_OK)
        st = csv_cell(out, r->payer_kind, 0);
    if (st == EG_OK)
        st = csv_cell(out, org, 0);
    if (st == EG_OK)
        st = csv_cell(out, payer_label(r), 0);
    if (st == EG_OK)
        st = csv_cell(out, r->credit_code, 0);
    if (st == EG_OK)
        st = csv_cell(out, n, 0);
    if (st == EG_OK)
        st = csv_cell(out, a, 0);
    if (st == EG_OK)
        st = csv_cell(out, b, 0);
    if (st == EG_OK)
        st = csv_cell(out, c, 0);
    if (st == EG_OK)
        st = csv_cell(out, ay, 0);
    if (st == EG_OK)
        st = csv_cell(out, by, 0);
    if (st == EG_OK)
        st = csv_cell(out, cy, 1);
    return st;
}

enum eg_status eg_ins_export_csv(const char *month, const struct eg_ins_settlement_row *rows,
                                 size_t n, struct eg_buf *out)
{
    struct eg_ins_settlement_row total;
    enum eg_status st = eg_buf_puts(
        out, "\xEF\xBB\xBFmonth,payer_kind,organisation_id,payer,credit_code,person_days,"
             "premium_fen,subsidy_fen,payer_fen,premium_yuan,subsidy_yuan,payer_yuan\r\n");

    for (size_t i = 0; st == EG_OK && i < n; i++)
        st = csv_row(out, month, &rows[i]);
    eg_ins_settlement_total(rows, n, &total);
    if (st == EG_OK)
        st = csv_row(out, month, &total);
    return st;
}

/* Read a whole file (at most 64 MiB) into malloc'd memory. */
static enum eg_status slurp(const char *path, char **data, size_t *len)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = NULL;
    size_t off = 0;
    enum eg_status st = EG_E_INTERNAL;

    if (fd < 0)
        return EG_E_INTERNAL;
    if (fstat(fd, &sb) != 0 || sb.st_size <= 0 || sb.st_size > 64 * 1024 * 1024)
        goto out;
    buf = malloc((size_t)sb.st_size);
    if (buf == NULL)
        goto out;
    while (off < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + off, (size_t)sb.st_size - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        off += (size_t)r;
    }
    *data = buf;
    *len = off;
    buf = NULL;
    st = EG_OK;
out:
    free(buf);
    close(fd);
    return st;
}

/* Write one settlement row at row r of the sheet; yuan is the cell format
 * of the yuan columns (number format 0.00). */
static void xlsx_row(lxw_worksheet *ws, lxw_row_t r, const struct eg_ins_settlement_row *s,
                     lxw_format *fmt, lxw_format *yuan)
{
    worksheet_write_string(ws, r, 0, payer_label(s), fmt);
    worksheet_write_string(ws, r, 1, s->credit_code, fmt);
    /* whole numbers of days and fen are exact in a spreadsheet cell */
    worksheet_write_number(ws, r, 2, (double)s->person_days, fmt);
    /* libxlsxwriter numbers are doubles; integer fen below 2^53 stay exact. */
    worksheet_write_number(ws, r, 3, (double)s->premium_fen, fmt);
    worksheet_write_number(ws, r, 4, (double)s->subsidy_fen, fmt);
    worksheet_write_number(ws, r, 5, (double)s->payer_fen, fmt);
    /* Yuan as numbers (so SUM works): fen / 100 is the nearest double, shown
     * exactly by the 0.00 format; the exact fen are in columns 3-5. */
    worksheet_write_number(ws, r, 6, (double)s->premium_fen / 100.0, yuan);
    worksheet_write_number(ws, r, 7, (double)s->subsidy_fen / 100.0, yuan);
    worksheet_write_number(ws, r, 8, (double)s->payer_fen / 100.0, yuan);
}

enum eg_status eg_ins_export_xlsx(const char *month, const struct eg_ins_settlement_row *rows,
                                  size_t n, const char *tmp_dir, char **data, size_t *len)
{
    static const char *const heads[] = {
        "付费方 Payer",          "统一社会信用代码 Credit code", "人天 Person-days",
        "保费(分) Premium fen",  "财政补贴(分) Subsidy fen",     "付费方承担(分) Payer fen",
        "保费(元) Premium yuan", "财政补贴(元) Subsidy yuan",    "付费方承担(元) Payer yuan"};
    struct eg_ins_settlement_row total;
    unsigned char rnd[8];
    char hex[17], path[1024], title[64];
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *yuan, *bold_yuan;
    enum eg_status st;

    if (mkdir(tmp_dir, 0700) != 0 && errno != EEXIST)
        return EG_E_INTERNAL;
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    if ((size_t)snprintf(path, sizeof path, "%s/settlement-%s.xlsx", tmp_dir, hex) >= sizeof path)
        return EG_E_INTERNAL;
    wb = workbook_new(path);
    if (wb == NULL)
        return EG_E_INTERNAL;
    snprintf(title, sizeof title, "%s", month);
    ws = workbook_add_worksheet(wb, title);
    bold = workbook_add_format(wb);
    format_set_bold(bold);
    yuan = workbook_add_format(wb);
    format_set_num_format(yuan, "0.00");
    bold_yuan = workbook_add_format(wb);
    format_set_bold(bold_yuan);
    format_set_num_format(bold_yuan, "0.00");
    snprintf(title, sizeof title, "益鹭保 财政补贴结算 %s (subsidy settlement)", month);
    worksheet_write_string(ws, 0, 0, title, bold);
    for (lxw_col_t c = 0; c < 9; c++)
        worksheet_write_string(ws, 2, c, heads[c], bold);
    worksheet_set_column(ws, 0, 0, 36, NULL);
    worksheet_set_column(ws, 1, 8, 20, NULL);
    for (size_t i = 0; i < n; i++)
        xlsx_row(ws, (lxw_row_t)(3 + i), &rows[i], NULL, yuan);
    eg_ins_settlement_total(rows, n, &total);
    xlsx_row(ws, (lxw_row_t)(3 + n), &total, bold, bold_yuan);
    worksheet_freeze_panes(ws, 3, 0);
    if (workbook_close(wb) != LXW_NO_ERROR) {
        unlink(path);
        return EG_E_INTERNAL;
    }
    st = slurp(path, data, len);
    unlink(path);
    return st;
}
