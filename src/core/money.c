/*
 * money.c — integer fen arithmetic and yuan text.
 *
 * No floating point anywhere: text is parsed digit by digit, products and
 * shares use checked or 128-bit integer arithmetic, and every result stays
 * within ±EG_MONEY_MAX_FEN.
 */
#include "core/money.h"

#include <stdio.h>

/*
 * Grammar: "-"? ("0" / [1-9][0-9]*) ("." [0-9]{1,2})?. No plus sign, no
 * leading zeros, no spaces, no exponent, no bare "." at either end. The
 * value must lie within ±EG_MONEY_MAX_FEN.
 */
enum eg_status eg_money_parse_yuan(const char *s, int64_t *fen)
{
    const char *p = s;
    int64_t v = 0;
    int neg = 0;

    if (p == NULL)
        return EG_E_INVALID_FIELD;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (*p < '0' || *p > '9')
        return EG_E_INVALID_FIELD;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return EG_E_INVALID_FIELD;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > EG_MONEY_MAX_FEN / 100)
            return EG_E_INVALID_FIELD;
    }
    v *= 100;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return EG_E_INVALID_FIELD;
        v += (*p++ - '0') * 10;
        if (*p >= '0' && *p <= '9')
            v += *p++ - '0';
    }
    if (*p != '\0' || v > EG_MONEY_MAX_FEN)
        return EG_E_INVALID_FIELD;
    *fen = neg ? -v : v;
    return EG_OK;
}

void eg_money_format(int64_t fen, char out[24])
{
    /* The magnitude as unsigned, so that INT64_MIN does not overflow. */
    uint64_t m = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;

    snprintf(out, 24, "%s%llu.%02llu", fen < 0 ? "-" : "", (unsigned long long)(m / 100),
             (unsigned long long)(m % 100));
}

static int in_range(int64_t v)
{
    return v >= -EG_MONEY_MAX_FEN && v <= EG_MONEY_MAX_FEN;
}

/* Operands outside ±EG_MONEY_MAX_FEN are refused too, so that two wild
 * values cannot cancel out into a plausible sum. */
enum eg_status eg_money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;

    if (!in_range(a) || !in_range(b) || __builtin_add_overflow(a, b, &r) || !in_range(r))
        return EG_E_INVALID_FIELD;
    *out = r;
    return EG_OK;
}

enum eg_status eg_money_mul(int64_t amount, int64_t n, int64_t *out)
{
    int64_t r;

    if (__builtin_mul_overflow(amount, n, &r) || !in_range(r))
        return EG_E_INVALID_FIELD;
    *out = r;
    return EG_OK;
}

/*
 * floor(amount × basis_points / 10000) in 128-bit arithmetic, so the
 * product cannot overflow; a quotient outside int64_t (possible only for
 * absurd inputs) is clamped.
 */
int64_t eg_money_share_bp(int64_t amount, int64_t basis_points)
{
    __int128 p = (__int128)amount * basis_points;
    __int128 q = p / 10000;

    if (p % 10000 != 0 && p < 0)
        q--;
    if (q > INT64_MAX)
        return INT64_MAX;
    if (q < INT64_MIN)
        return INT64_MIN;
    return (int64_t)q;
}

void eg_money_split(int64_t total, int64_t subsidy_bp, int64_t *subsidy, int64_t *payer)
{
    int64_t s = eg_money_share_bp(total, subsidy_bp);

    *subsidy = s;
    /* For 0 <= bp <= 10000 the share lies between 0 and total, so the
     * difference cannot overflow; other inputs are computed modulo 2^64
     * rather than with undefined behaviour. */
    *payer = (int64_t)((uint64_t)total - (uint64_t)s);
}
