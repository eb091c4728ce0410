/*
 * time.c — instants, business dates and working days.
 *
 * Calendar arithmetic is pure integer arithmetic on the proleptic Gregorian
 * calendar (the days-from-civil and civil-from-days algorithms, which count
 * in 400-year eras of 146097 days). Asia/Shanghai is a fixed UTC+8 with no
 * daylight saving since 1991, so no time zone database is needed: a
 * business date is floor((unix + 8 h) / 1 day).
 */
#include "core/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY_S INT64_C(86400)

/* Calendar limits accepted by the parsers. */
#define YEAR_MIN 1900
#define YEAR_MAX 2999

int64_t eg_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int64_t eg_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Floor division for a positive divisor (C division truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && (a < 0))
        q--;
    return q;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && is_leap(y))
        return 29;
    return dim[m - 1];
}

/*
 * Days since 1970-01-01 of a civil date. Years are shifted to start in
 * March so that the leap day is the last day of the shifted year; then the
 * day is era * 146097 + day-of-era - 719468 (the day of 1970-01-01 counted
 * from 0000-03-01).
 */
eg_day eg_day_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */

    return (eg_day)(era * 146097 + doe - 719468);
}

/* The inverse of eg_day_from_civil. */
void eg_day_to_civil(eg_day day, int *y, int *m, int *d)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;                           /* [1, 31] */
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;                              /* [1, 12] */
    int64_t yy = yoe + era * 400 + (mm <= 2);

    *y = (int)yy;
    *m = (int)mm;
    *d = (int)dd;
}

/* Read exactly n decimal digits at s into *out; 0 if any is not a digit. */
static int digits(const char *s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Parse "YYYY-MM-DD" at s (exactly 10 characters, nothing checked after). */
static int parse_ymd(const char *s, int *y, int *m, int *d)
{
    if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' ||
        !digits(s + 8, 2, d))
        return 0;
    if (*y < YEAR_MIN || *y > YEAR_MAX || *m < 1 || *m > 12)
        return 0;
    return *d >= 1 && *d <= days_in_month(*y, *m);
}

enum eg_status eg_date_parse(const char *s, eg_day *out)
{
    int y, m, d;

    if (s == NULL || strnlen(s, 11) != 10 || !parse_ymd(s, &y, &m, &d))
        return EG_E_INVALID_FIELD;
    *out = eg_day_from_civil(y, m, d);
    return EG_OK;
}

const char *eg_date_problem(const char *s)
{
    int y, m, d;

    if (s == NULL || strnlen(s, 11) != 10 || !digits(s, 4, &y) || s[4] != '-' ||
        !digits(s + 5, 2, &m) || s[7] != '-' || !digits(s + 8, 2, &d))
        return "must be a date YYYY-MM-DD";
    if (y < YEAR_MIN || y > YEAR_MAX)
        return "must be a date in the years 1900 to 2999";
    if (m < 1 || m > 12)
        return "is not a real date: there is no such month";
    if (d < 1 || d > days_in_month(y, m))
        return "is not a real date: that month has no such day";
    return NULL;
}

/* Write n decimal digits of v (0 <= v < 10^n) at out. */
static void put_digits(char *out, int n, int v)
{
    while (n-- > 0) {
        out[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Days outside years 0000–9999 are written as the nearest end of that range. */
void eg_date_format(eg_day d, char out[11])
{
    int y, m, dd;

    eg_day_to_civil(d, &y, &m, &dd);
    if (y < 0) {
        y = 0, m = 1, dd = 1;
    } else if (y > 9999) {
        y = 9999, m = 12, dd = 31;
    }
    put_digits(out, 4, y);
    out[4] = '-';
    put_digits(out + 5, 2, m);
    out[7] = '-';
    put_digits(out + 8, 2, dd);
    out[10] = '\0';
}

eg_day eg_day_of(int64_t unix_s)
{
    return (eg_day)floor_div(unix_s + EG_SHANGHAI_OFFSET_S, DAY_S);
}

int64_t eg_day_start(eg_day d)
{
    return (int64_t)d * DAY_S - EG_SHANGHAI_OFFSET_S;
}

/* 1970-01-01 was a Thursday (ISO 4). */
int eg_weekday(eg_day d)
{
    int64_t r = ((int64_t)d % 7 + 7) % 7; /* 0 = Thursday */

    return (int)((r + 3) % 7) + 1;
}

/*
 * Whole years from birth to on. Comparing (month, day) pairs gives the
 * rule for 29 February for free: in a common year (2, 28) is still before
 * the birthday and (3, 1) is after it. Negative when on is before birth.
 */
int eg_age_on(eg_day birth, eg_day on)
{
    int by, bm, bd, oy, om, od, age;

    eg_day_to_civil(birth, &by, &bm, &bd);
    eg_day_to_civil(on, &oy, &om, &od);
    age = oy - by;
    if (om < bm || (om == bm && od < bd))
        age--;
    return age;
}

/* Instants outside years 0000–9999 are written as the nearest end of that range. */
void eg_instant_format_shanghai(int64_t unix_s, char out[32])
{
    eg_day d = eg_day_of(unix_s);
    int64_t s = unix_s - eg_day_start(d);
    char day[11];

    eg_date_format(d, day);
    snprintf(out, 32, "%.10s %02u:%02u:%02u+08:00", day, (unsigned)(s / 3600 % 24),
             (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}

void eg_instant_format(int64_t unix_s, char out[21])
{
    const int64_t lo = (int64_t)eg_day_from_civil(0, 1, 1) * DAY_S;
    const int64_t hi = (int64_t)eg_day_from_civil(10000, 1, 1) * DAY_S - 1;
    int64_t days, secs;
    int y, m, d;

    if (unix_s < lo)
        unix_s = lo;
    if (unix_s > hi)
        unix_s = hi;
    days = floor_div(unix_s, DAY_S);
    secs = unix_s - days * DAY_S;
    eg_day_to_civil((eg_day)days, &y, &m, &d);
    put_digits(out, 4, y);
    out[4] = '-';
    put_digits(out + 5, 2, m);
    out[7] = '-';
    put_digits(out + 8, 2, d);
    out[10] = 'T';
    put_digits(out + 11, 2, (int)(secs / 3600));
    out[13] = ':';
    put_digits(out + 14, 2, (int)(secs / 60 % 60));
    out[16] = ':';
    put_digits(out + 17, 2, (int)(secs % 60));
    out[19] = 'Z';
    out[20] = '\0';
}

/*
 * RFC 3339 date-time: YYYY-MM-DD "T" hh:mm:ss [ "." 1*DIGIT ] ( "Z" / ("+" / "-") hh:mm ).
 * "T" and "Z" may be lower case (RFC 3339 section 5.6). Years 1900–2999;
 * hours 0–23, minutes and seconds 0–59 (no leap second), offset within
 * ±23:59. The fraction is checked and dropped. Nothing may follow.
 */
enum eg_status eg_instant_parse(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    const char *p;

    if (s == NULL || strnlen(s, 19) < 19 || !parse_ymd(s, &y, &mo, &d))
        return EG_E_INVALID_FIELD;
    if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
        return EG_E_INVALID_FIELD;
    if (h > 23 || mi > 59 || sec > 59)
        return EG_E_INVALID_FIELD;
    p = s + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return EG_E_INVALID_FIELD;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        if (strnlen(p, 6) < 6 || !digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
            return EG_E_INVALID_FIELD;
        if (oh > 23 || om > 59)
            return EG_E_INVALID_FIELD;
        p += 6;
    } else {
        return EG_E_INVALID_FIELD;
    }
    if (*p != '\0')
        return EG_E_INVALID_FIELD;
    *out = (int64_t)eg_day_from_civil(y, mo, d) * DAY_S + h * 3600 + mi * 60 + sec -
           sign * (oh * 3600 + om * 60);
    return EG_OK;
}

/* Whether d is in the sorted array a of n days (binary search). */
static int day_in(const eg_day *a, size_t n, eg_day d)
{
    size_t lo = 0, hi = n;

    if (a == NULL)
        return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (a[mid] == d)
            return 1;
        if (a[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* A listed holiday is a rest day even on a weekday; a listed make-up day is
 * a working day even at the weekend; otherwise Monday–Friday work. */
int eg_is_working_day(const struct eg_calendar *cal, eg_day d)
{
    if (cal != NULL) {
        if (day_in(cal->holidays, cal->n_holidays, d))
            return 0;
        if (day_in(cal->workdays, cal->n_workdays, d))
            return 1;
    }
    return eg_weekday(d) <= 5;
}

/* Step forward one day at a time; d itself never counts. n < 1 gives d.
 * The walk stops at the last representable day rather than overflow. */
eg_day eg_add_working_days(const struct eg_calendar *cal, eg_day d, int n)
{
    while (n > 0 && d < INT32_MAX) {
        d++;
        if (eg_is_working_day(cal, d))
            n--;
    }
    return d;
}
