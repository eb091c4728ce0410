/*
 * api_common.c — what the monitoring endpoints share: the audit context,
 * dates and values in JSON, pagination, and Excel export of any list.
 */
#include "monitoring/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/ident.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

const char *const eg_mon_scope_names[4] = {"city", "platform", "sector", "district"};

int eg_mon_scope_parse(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, eg_mon_scope_names[i]) == 0)
            return i;
    return -1;
}

struct eg_audit_ctx eg_mon_audit(const struct eg_req *req)
{
    struct eg_audit_ctx c = {&req->who, req->client_addr, req->request_id};
    return c;
}

eg_day eg_mon_today(void)
{
    return eg_day_of(eg_now());
}

void eg_mon_params_of(const struct eg_config *cfg, struct eg_mon_params *p)
{
    p->min_wage_hourly_fen = cfg && cfg->min_wage_hourly_fen > 0 ? cfg->min_wage_hourly_fen : 2100;
    p->fatigue_minutes = cfg && cfg->fatigue_minutes > 0 ? cfg->fatigue_minutes : 720;
}

enum eg_status eg_mon_audit_json(struct eg_db *db, const struct eg_audit_ctx *ctx,
                                 const char *action, const char *entity, int64_t id,
                                 json_t *summary)
{
    char idtext[24] = "";
    char *text = NULL;
    if (id > 0)
        snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    if (summary) {
        text = json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
        json_decref(summary);
        if (!text)
            return EG_E_INTERNAL;
    }
    enum eg_status st = eg_audit_append(db, ctx, action, entity, idtext, text ? text : "{}");
    free(text);
    return st;
}

/* Most rows an Excel export of a list holds; more is refused (422). */
#define XLSX_MAX_ROWS 100000

/* Whether the request asks for the Excel form (without replying). */
static int asks_xlsx(struct eg_req *req)
{
    const char *f = eg_req_query(req, "format");

    return f != NULL && strcmp(f, "xlsx") == 0;
}

enum eg_status eg_mon_page_args(struct eg_req *req, int64_t *limit, int64_t *cursor)
{
    enum eg_status st;

    if (asks_xlsx(req)) {
        /* An export is the whole filtered list, not one page of it. */
        *limit = XLSX_MAX_ROWS;
        *cursor = 0;
        return EG_OK;
    }
    st = eg_req_query_int(req, "limit", 1, 200, 50, limit);
    if (st != EG_OK) {
        eg_reply_error(req, st, "limit", "limit must be an integer from 1 to 200");
        return st;
    }
    st = eg_req_query_int(req, "cursor", 1, INT64_MAX, 0, cursor);
    if (st != EG_OK) {
        eg_reply_error(req, st, "cursor", "cursor must be a next_cursor from an earlier page");
        return st;
    }
    return EG_OK;
}

int eg_mon_wants_xlsx(struct eg_req *req)
{
    const char *f = eg_req_query(req, "format");
    if (!f || strcmp(f, "json") == 0)
        return 0;
    if (strcmp(f, "xlsx") == 0)
        return 1;
    eg_reply_error(req, EG_E_INVALID_PARAMETER, "format", "format must be json or xlsx");
    return -1;
}

void eg_mon_reply_list(struct eg_req *req, json_t *items, int64_t next_cursor,
                       const char *export_name)
{
    if (export_name && asks_xlsx(req)) {
        if (next_cursor > 0) {
            json_decref(items);
            eg_reply_error(req, EG_E_UNPROCESSABLE, NULL,
                           "More than %d rows match; an export holds at most %d. Narrow the "
                           "filters.",
                           XLSX_MAX_ROWS, XLSX_MAX_ROWS);
            return;
        }
        eg_mon_reply_xlsx(req, export_name, items);
        return;
    }
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    if (next_cursor > 0) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)next_cursor);
        json_object_set_new(body, "next_cursor", json_string(buf));
    } else {
        json_object_set_new(body, "next_cursor", json_null());
    }
    eg_reply_json(req, 200, body);
}

json_t *eg_mon_instant_json(int64_t t)
{
    char buf[21];
    if (t == 0)
        return json_null();
    eg_instant_format(t, buf);
    return json_string(buf);
}

json_t *eg_mon_date_json(eg_day d)
{
    char buf[11];
    eg_date_format(d, buf);
    return json_string(buf);
}

json_t *eg_mon_value_json(double v, int defined)
{
    if (!defined)
        return json_null();
    /* Whole numbers stay integers; others keep four decimals. */
    if (v == (double)(int64_t)v && v > -9e15 && v < 9e15)
        return json_integer((json_int_t)v);
    return json_real((double)eg_mon_e4(v) / 10000.0);
}

enum eg_status eg_mon_query_date(struct eg_req *req, const char *name, eg_day def, eg_day *out)
{
    const char *s = eg_req_query(req, name);
    *out = def;
    if (!s)
        return EG_OK;
    if (eg_date_parse(s, out) != EG_OK) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, name, "%s %s", name, eg_date_problem(s));
        return EG_E_INVALID_PARAMETER;
    }
    return EG_OK;
}

int eg_mon_text_ok(const char *s, size_t max)
{
    if (!s || !*s)
        return 0;
    size_t n = strlen(s);
    if (!eg_utf8_valid(s, n) || eg_utf8_chars(s, n) > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

enum eg_status eg_mon_optional_body(struct eg_req *req, const struct eg_field *spec)
{
    struct eg_field_error err;
    if (!req->body)
        return EG_OK;
    enum eg_status st = eg_fields_check(req->body, spec, &err);
    if (st != EG_OK) {
        if (err.field[0])
            eg_reply_error(req, st, err.field, "%s %s", err.field, err.message);
        else
            eg_reply_error(req, st, NULL, "%s", err.message);
    }
    return st;
}

void eg_mon_reply_err(struct eg_req *req, enum eg_status st, const char *field, const char *message)
{
    if (message)
        eg_reply_error(req, st, field, "%s", message);
    else
        eg_reply_error(req, st, field, NULL);
}

/* ------------------------------------------------------------- Excel */

/* Column names of a sheet, in the order keys first appear (dotted for
 * nested objects). */
struct sheet_cols {
    char *names[128];
    size_t n;
};

static int col_index(struct sheet_cols *c, const char *name, int add)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return (int)i;
    if (!add || c->n >= sizeof c->names / sizeof c->names[0])
        return -1;
    c->names[c->n] = strdup(name);
    if (!c->names[c->n])
        return -1;
    return (int)c->n++;
}

/* Collect the columns of one item (prefix for nested objects). */
static void collect_cols(struct sheet_cols *c, const json_t *o, const char *prefix)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v) && json_object_size(v) > 0 && !*prefix)
            collect_cols(c, v, name);
        else
            col_index(c, name, 1);
    }
}

/* Whether NAME ends with "_fen": an amount, shown in yuan. */
static int is_fen_column(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, "_fen") == 0;
}

/* The header of a column: "income_fen" becomes "income_yuan". */
static void column_header(const char *name, char out[128])
{
    if (is_fen_column(name))
        snprintf(out, 128, "%.*s_yuan", (int)(strlen(name) - 4), name);
    else
        snprintf(out, 128, "%s", name);
}

/*
 * A string cell: RFC 3339 UTC instants ("2026-12-03T10:30:00Z") are shown
 * in Asia/Shanghai, the business time zone; other text as it is.
 */
static void write_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s)
{
    int64_t t;
    char local[32];

    if (strlen(s) == 20 && s[10] == 'T' && s[19] == 'Z' && eg_instant_parse(s, &t) == EG_OK) {
        eg_instant_format_shanghai(t, local);
        worksheet_write_string(ws, row, col, local, NULL);
        return;
    }
    worksheet_write_string(ws, row, col, s, NULL);
}

/* Write one item's cells; amounts in fen become yuan with two decimals (yuan). */
static void write_cells(lxw_worksheet *ws, lxw_row_t row, struct sheet_cols *c, const json_t *o,
                        const char *prefix, lxw_format *yuan)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v) && json_object_size(v) > 0 && !*prefix) {
            write_cells(ws, row, c, v, name, yuan);
            continue;
        }
        int col = col_index(c, name, 0);
        if (col < 0)
            continue;
        if (json_is_string(v)) {
            write_text(ws, row, (lxw_col_t)col, json_string_value(v));
        } else if (json_is_integer(v) && is_fen_column(name)) {
            /* A double holds every fen amount below 2^53 exactly; /100 for the sheet only. */
            worksheet_write_number(ws, row, (lxw_col_t)col, (double)json_integer_value(v) / 100.0,
                                   yuan);
        } else if (json_is_integer(v)) {
            worksheet_write_number(ws, row, (lxw_col_t)col, (double)json_integer_value(v), NULL);
        } else if (json_is_real(v)) {
            worksheet_write_number(ws, row, (lxw_col_t)col, json_real_value(v), NULL);
        } else if (json_is_boolean(v)) {
            worksheet_write_boolean(ws, row, (lxw_col_t)col, json_is_true(v), NULL);
        } else if (!json_is_null(v)) {
            char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (text) {
                worksheet_write_string(ws, row, (lxw_col_t)col, text, NULL);
                free(text);
            }
        }
    }
}

/* Read a whole file into malloc'd memory. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long size;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    data = malloc((size_t)size + 1);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    *len = (size_t)size;
out:
    fclose(f);
    return data;
}

/*
 * libxlsxwriter 1.1.4 writes to a file: a private temporary file, read back
 * and removed. The sheet holds at most 100,000 rows (lists are paged far
 * below that; a time series never comes near it).
 */
void eg_mon_reply_xlsx(struct eg_req *req, const char *name, json_t *rows)
{
    char path[] = "/tmp/egret-xlsx-XXXXXX";
    struct sheet_cols cols = {{0}, 0};
    lxw_workbook *wb = NULL;
    char *data = NULL;
    size_t len = 0;
    int fd = mkstemp(path);
    if (fd < 0) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        json_decref(rows);
        return;
    }
    close(fd);
    lxw_workbook_options opt = {
        .constant_memory = LXW_FALSE, .tmpdir = "/tmp", .use_zip64 = LXW_FALSE};
    wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, NULL) : NULL;
    lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
    lxw_format *yuan = wb ? workbook_add_format(wb) : NULL;
    if (!ws || !bold || !yuan)
        goto fail;
    format_set_bold(bold);
    format_set_num_format(yuan, "0.00");
    size_t i;
    json_t *item;
    json_array_foreach(rows, i, item)
    {
        if (i >= 100000)
            break;
        if (json_is_object(item))
            collect_cols(&cols, item, "");
    }
    for (size_t c = 0; c < cols.n; c++) {
        char header[128];
        column_header(cols.names[c], header);
        worksheet_write_string(ws, 0, (lxw_col_t)c, header, bold);
    }
    json_array_foreach(rows, i, item)
    {
        if (i >= 100000)
            break;
        if (json_is_object(item))
            write_cells(ws, (lxw_row_t)(i + 1), &cols, item, "", yuan);
    }
    lxw_error err = workbook_close(wb);
    wb = NULL;
    if (err != LXW_NO_ERROR)
        goto fail;
    data = slurp(path, &len);
    if (!data)
        goto fail;
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.xlsx\"", name);
    eg_reply_header(req, "Content-Disposition", disp);
    eg_reply_take(req, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  data, len);
    data = NULL;
    goto out;
fail:
    eg_log(EG_LOG_ERROR, "event=xlsx_failed rid=%s", req->request_id);
    eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
out:
    if (wb)
        workbook_close(wb);
    unlink(path);
    for (size_t c = 0; c < cols.n; c++)
        free(cols.names[c]);
    free(data);
    json_decref(rows);
}

void eg_monitoring_reply_xlsx(struct eg_req *req, const char *name, struct json_t *rows)
{
    eg_mon_reply_xlsx(req, name, rows);
}

/* ------------------------------------------------------------ platforms */

enum eg_status eg_mon_platform_sector(struct eg_db *db, int64_t platform_id, char sector[33])
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT sector FROM organisations WHERE id = ? AND kind = "
                                    "'platform' AND archived = 0",
                                    "i", platform_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        snprintf(sector, 33, "%s", eg_stmt_text(st, 0));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

int eg_mon_sector_known(struct eg_db *db, const char *sector)
{
    int64_t n = 0;
    if (!sector || !*sector)
        return 0;
    return eg_db_one_i64(db, &n,
                         "SELECT COUNT(*) FROM mon_dictionary WHERE list = 'sector' AND code = ? "
                         "AND active = 1",
                         "t", sector) == EG_OK &&
           n > 0;
}
