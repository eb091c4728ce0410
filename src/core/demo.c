/*
 * demo.c — the demo seeders' reproducible random numbers and synthetic ID
 * numbers.
 */
#include "core/demo.h"

#include <string.h>

uint64_t eg_demo_rand(struct eg_demo *d)
{
    /* xorshift64*: small, fast and reproducible; demo data needs no more. */
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * UINT64_C(2685821657736338717);
}

int64_t eg_demo_between(struct eg_demo *d, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)(eg_demo_rand(d) % (uint64_t)(hi - lo + 1));
}

void eg_demo_id_number(const char *region, eg_day birth, int n, char out[19])
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char checks[] = "10X98765432";
    int y, m, dd;
    eg_day_to_civil(birth, &y, &m, &dd);
    char body[18];
    /* region (6) + YYYYMMDD (8) + sequence (3) */
    int len = 0;
    for (int i = 0; i < 6; i++)
        body[len++] = region[i];
    body[len++] = (char)('0' + (y / 1000) % 10);
    body[len++] = (char)('0' + (y / 100) % 10);
    body[len++] = (char)('0' + (y / 10) % 10);
    body[len++] = (char)('0' + y % 10);
    body[len++] = (char)('0' + m / 10);
    body[len++] = (char)('0' + m % 10);
    body[len++] = (char)('0' + dd / 10);
    body[len++] = (char)('0' + dd % 10);
    int seq = n % 1000;
    body[len++] = (char)('0' + seq / 100);
    body[len++] = (char)('0' + (seq / 10) % 10);
    body[len++] = (char)('0' + seq % 10);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (body[i] - '0') * weights[i];
    memcpy(out, body, 17);
    out[17] = checks[sum % 11];
    out[18] = '\0';
}
