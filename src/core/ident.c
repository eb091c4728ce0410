/*
 * ident.c — resident ID numbers, unified social credit codes, mobile
 * numbers, masking and UTF-8 validation.
 */
#include "core/ident.h"

#include <string.h>

/* GB 11643-1999: weights 2^(17-i) mod 11 and the check characters by
 * (sum mod 11), ISO 7064 MOD 11-2. */
static const int id_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const char id_checks[] = "10X98765432";

/* GB 32100-2015: the 31 characters in value order and weights 3^i mod 31. */
static const char cc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int cc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * An ID number is 17 digits and a check character: a six-digit division
 * code (not starting with 0), the birth date YYYYMMDD (a real date from
 * 1900 to today), a three-digit sequence code whose last digit is odd for
 * men and even for women, and the check character.
 */
enum eg_status eg_id_number_check(const char *s, eg_day today, struct eg_id_info *info)
{
    char date[11], norm[19];
    eg_day birth;
    int i, sum = 0;

    if (s == NULL || strnlen(s, 19) != 18)
        return EG_E_INVALID_FIELD;
    for (i = 0; i < 17; i++) {
        if (!is_digit(s[i]))
            return EG_E_INVALID_FIELD;
        sum += (s[i] - '0') * id_weights[i];
    }
    if (s[0] == '0')
        return EG_E_INVALID_FIELD;
    memcpy(norm, s, 18);
    norm[18] = '\0';
    if (norm[17] == 'x')
        norm[17] = 'X';
    if (norm[17] != id_checks[sum % 11])
        return EG_E_INVALID_FIELD;
    memcpy(date, s + 6, 4);
    date[4] = '-';
    memcpy(date + 5, s + 10, 2);
    date[7] = '-';
    memcpy(date + 8, s + 12, 2);
    date[10] = '\0';
    if (eg_date_parse(date, &birth) != EG_OK || birth > today)
        return EG_E_INVALID_FIELD;
    if (info != NULL) {
        memcpy(info->normalized, norm, sizeof(norm));
        info->birth = birth;
        info->female = (s[16] - '0') % 2 == 0;
        memcpy(info->region, s, 6);
        info->region[6] = '\0';
    }
    return EG_OK;
}

const char *eg_id_number_problem(const char *s, eg_day today)
{
    char date[11];
    eg_day birth;
    int i, sum = 0;
    char check;

    if (s == NULL || strnlen(s, 19) != 18)
        return "must be 18 characters: 17 digits and a check digit or X";
    for (i = 0; i < 17; i++) {
        if (!is_digit(s[i]))
            return "must be 18 characters: 17 digits and a check digit or X";
        sum += (s[i] - '0') * id_weights[i];
    }
    if (s[0] == '0')
        return "has a region code that does not exist";
    check = s[17] == 'x' ? 'X' : s[17];
    if (check != id_checks[sum % 11])
        return "has a wrong check character (mistyped?)";
    memcpy(date, s + 6, 4);
    date[4] = '-';
    memcpy(date + 5, s + 10, 2);
    date[7] = '-';
    memcpy(date + 8, s + 12, 2);
    date[10] = '\0';
    if (eg_date_parse(date, &birth) != EG_OK)
        return "has a birth date that does not exist";
    if (birth > today)
        return "has a birth date in the future";
    return NULL;
}

/* Check character = 31 − (weighted sum mod 31), with 31 written as '0'. */
enum eg_status eg_credit_code_check(const char *s)
{
    int i, sum = 0, check;

    if (s == NULL || strnlen(s, 19) != 18)
        return EG_E_INVALID_FIELD;
    for (i = 0; i < 18; i++) {
        const char *at;

        if (s[i] == '\0')
            return EG_E_INVALID_FIELD;
        at = strchr(cc_chars, s[i]);
        if (at == NULL)
            return EG_E_INVALID_FIELD;
        if (i < 17)
            sum += (int)(at - cc_chars) * cc_weights[i];
    }
    check = 31 - sum % 31;
    if (check == 31)
        check = 0;
    return s[17] == cc_chars[check] ? EG_OK : EG_E_INVALID_FIELD;
}

enum eg_status eg_phone_check(const char *s)
{
    int i;

    if (s == NULL || strnlen(s, 12) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9')
        return EG_E_INVALID_FIELD;
    for (i = 2; i < 11; i++)
        if (!is_digit(s[i]))
            return EG_E_INVALID_FIELD;
    return EG_OK;
}

/*
 * Keep the first `head` and last `tail` characters of s (at most max long)
 * and replace the rest with '*'. A value too short to hide anything between
 * them is masked completely.
 */
static void mask(const char *s, size_t max, size_t head, size_t tail, char *out)
{
    size_t n = s == NULL ? 0 : strnlen(s, max), i;

    for (i = 0; i < n; i++) {
        if (n > head + tail && (i < head || i >= n - tail))
            out[i] = s[i];
        else
            out[i] = '*';
    }
    out[n] = '\0';
}

void eg_mask_id_number(const char *id, char out[19])
{
    mask(id, 18, 4, 4, out);
}

void eg_mask_phone(const char *phone, char out[12])
{
    mask(phone, 11, 3, 4, out);
}

/*
 * Well-formed UTF-8 as in Unicode table 3-7: the second byte's range
 * depends on the lead byte, which excludes overlong forms (C0, C1, E0 80–9F,
 * F0 80–8F), surrogates (ED A0–BF) and code points past U+10FFFF (F4 90–BF,
 * F5–FF). NUL is rejected too.
 */
size_t eg_utf8_chars(const char *s, size_t n)
{
    size_t i, chars = 0;

    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    return chars;
}

int eg_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    if (s == NULL)
        return n == 0;
    while (i < n) {
        unsigned char c = p[i];
        unsigned char lo = 0x80, hi = 0xBF;
        size_t len, k;

        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (k = 2; k < len; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return 0;
        i += len;
    }
    return 1;
}
