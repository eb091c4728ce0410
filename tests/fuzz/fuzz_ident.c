/*
 * fuzz_ident.c — libFuzzer target for the parsers of outside text in core:
 * identity numbers, phones, money, dates, instants and UTF-8.
 *
 * The input is copied into a NUL-terminated string (each parser takes a
 * C string). Beyond not crashing, a few properties are checked: a parsed
 * value formats and parses back to itself, and anything accepted is within
 * its documented range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident.h"
#include "core/money.h"
#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_id_info info;
    char *s = malloc(size + 1);
    char out[24], masked[19], masked_phone[12];
    int64_t fen, t, back;
    eg_day d, d2;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    if (eg_id_number_check(s, eg_day_from_civil(2026, 11, 29), &info) == EG_OK) {
        if (strlen(info.normalized) != 18 || info.birth > eg_day_from_civil(2026, 11, 29))
            abort();
        eg_mask_id_number(info.normalized, masked);
        if (strlen(masked) != 18)
            abort();
    }
    eg_mask_id_number(s, masked);
    if (eg_credit_code_check(s) == EG_OK && strlen(s) != 18)
        abort();
    if (eg_phone_check(s) == EG_OK) {
        eg_mask_phone(s, masked_phone);
        if (strlen(masked_phone) != 11)
            abort();
    }
    eg_mask_phone(s, masked_phone);
    if (eg_money_parse_yuan(s, &fen) == EG_OK) {
        if (fen > EG_MONEY_MAX_FEN || fen < -EG_MONEY_MAX_FEN)
            abort();
        eg_money_format(fen, out);
        if (eg_money_parse_yuan(out, &back) != EG_OK || back != fen)
            abort();
    }
    if (eg_date_parse(s, &d) == EG_OK) {
        eg_date_format(d, out);
        if (strcmp(out, s) != 0 || eg_date_parse(out, &d2) != EG_OK || d2 != d)
            abort();
    }
    if (eg_instant_parse(s, &t) == EG_OK) {
        eg_instant_format(t, out);
        if (eg_instant_parse(out, &back) != EG_OK || back != t)
            abort();
    }
    (void)eg_utf8_valid(s, size);
    (void)eg_utf8_valid((const char *)data, size);
    free(s);
    return 0;
}
