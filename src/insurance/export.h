/*
 * export.h — the monthly subsidy settlement as CSV and as an Excel workbook
 * (libxlsxwriter), for the finance bureau.
 *
 * Both list one row per paying organisation, then one row for all workers
 * who paid for themselves, then a total row: person-days, premium, subsidy
 * share and payer share, in fen (integers) and in yuan (text with two
 * decimals, so that no floating-point arithmetic touches money).
 */
#ifndef EG_INSURANCE_EXPORT_H
#define EG_INSURANCE_EXPORT_H

#include <stddef.h>
#include "core/buf.h"
#include "core/status.h"
#include "insurance/store.h"

/* The totals of rows (person_days and the three amounts). */
void eg_ins_settlement_total(const struct eg_ins_settlement_row *rows, size_t n,
                             struct eg_ins_settlement_row *total);

/*
 * The settlement as CSV (UTF-8 with a byte-order mark so that spreadsheet
 * programs read the Chinese names, CRLF line ends, RFC 4180 quoting; a cell
 * that would start with = + - @ is prefixed with ' so that it is never
 * taken for a formula). Appends to out.
 */
enum eg_status eg_ins_export_csv(const char *month, const struct eg_ins_settlement_row *rows,
                                 size_t n, struct eg_buf *out);

/*
 * The settlement as an .xlsx workbook. The workbook is written to a
 * temporary file in tmp_dir (created if missing), read back and removed.
 * *data is malloc'd (the caller frees it), *len its size.
 */
enum eg_status eg_ins_export_xlsx(const char *month, const struct eg_ins_settlement_row *rows,
                                  size_t n, const char *tmp_dir, char **data, size_t *len);

#endif
