/*
 * time.h — instants, business dates and working days.
 *
 * Instants are Unix seconds (int64_t, UTC) and are written as RFC 3339 UTC
 * ("2026-11-29T08:00:00Z"). A business date is a day in Asia/Shanghai
 * (UTC+8 all year, no DST), held as days since 1970-01-01 (int32_t, see
 * eg_day) and written "YYYY-MM-DD". All functions are pure except eg_now().
 */
#ifndef EG_CORE_TIME_H
#define EG_CORE_TIME_H

#include <stdint.h>
#include <stddef.h>
#include "core/status.h"

typedef int32_t eg_day; /* days since 1970-01-01 in Asia/Shanghai */

#define EG_SHANGHAI_OFFSET_S (8 * 3600)

/* Current Unix time in seconds / in microseconds. */
int64_t eg_now(void);
int64_t eg_now_us(void);

/* Parse "YYYY-MM-DD" (a real calendar date, years 1900–2999). EG_E_INVALID_FIELD otherwise. */
enum eg_status eg_date_parse(const char *s, eg_day *out);

/* Why s is not a date eg_date_parse() accepts, as a message to follow a
 * field name: "must be a date YYYY-MM-DD" when it has the wrong shape,
 * "is not a real date: that month has no such day" for 2025-02-30 (and
 * likewise for a month 13), "must be a date in the years 1900 to 2999" for
 * a year out of range; NULL when valid. Never echoes the value. */
const char *eg_date_problem(const char *s);

/* Write "YYYY-MM-DD" and a NUL into out (at least 11 bytes). */
void eg_date_format(eg_day d, char out[11]);

/* The day from a civil year, month (1–12), day (1–31); no validation. */
eg_day eg_day_from_civil(int y, int m, int d);

/* The civil year, month, day of a day. */
void eg_day_to_civil(eg_day day, int *y, int *m, int *d);

/* The Shanghai business date that contains the instant. */
eg_day eg_day_of(int64_t unix_s);

/* The instant at 00:00:00 Shanghai time of the day; the day ends at eg_day_start(d + 1). */
int64_t eg_day_start(eg_day d);

/* ISO weekday: 1 = Monday … 7 = Sunday. */
int eg_weekday(eg_day d);

/* Whole years between birth and on (age on that date; the birthday itself counts).
 * A 29 February birthday counts as 1 March in common years. */
int eg_age_on(eg_day birth, eg_day on);

/* Write an instant as RFC 3339 UTC ("2026-11-29T00:25:09Z", 21 bytes with NUL). */
void eg_instant_format(int64_t unix_s, char out[21]);

/*
 * Write an instant in Asia/Shanghai for people reading a spreadsheet:
 * "2026-12-03 18:30:00+08:00" (26 bytes with NUL; OUT holds 32).
 */
void eg_instant_format_shanghai(int64_t unix_s, char out[32]);

/* Parse RFC 3339 ("2026-11-29T08:25:09Z", "…+08:00", optional fraction, which is dropped). */
enum eg_status eg_instant_parse(const char *s, int64_t *out);

/*
 * A working-day calendar: weekends are rest days, except make-up working
 * days (调休); listed public holidays are rest days. Both arrays are sorted
 * ascending and owned by the caller.
 */
struct eg_calendar {
    const eg_day *holidays;
    size_t n_holidays;
    const eg_day *workdays; /* weekend days that are working days */
    size_t n_workdays;
};

/* Whether d is a working day under cal (cal may be NULL: weekends only). */
int eg_is_working_day(const struct eg_calendar *cal, eg_day d);

/* The n-th working day after d (n >= 1). With n = 1 and d a Friday before a
 * normal weekend, the following Monday. */
eg_day eg_add_working_days(const struct eg_calendar *cal, eg_day d, int n);

#endif
