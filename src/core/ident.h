/*
 * ident.h — identity numbers: resident ID numbers (GB 11643-1999, ISO 7064
 * MOD 11-2 check character), unified social credit codes (GB 32100-2015,
 * mod-31 check character), mainland mobile numbers, and masking for output.
 */
#ifndef EG_CORE_IDENT_H
#define EG_CORE_IDENT_H

#include <stddef.h>
#include "core/status.h"
#include "core/time.h"

struct eg_id_info {
    char normalized[19]; /* 18 characters, check character upper-case */
    eg_day birth;        /* birth date from positions 7–14 */
    int female;          /* from the sequence code's parity */
    char region[7];      /* administrative division code, positions 1–6 */
};

/* Validate an 18-character resident ID number: digits, a real birth date no
 * later than today_or_later (pass eg_day_of(eg_now())), and the check character
 * (an 'x' is accepted as 'X'). EG_OK with *info filled, else EG_E_INVALID_FIELD. */
enum eg_status eg_id_number_check(const char *s, eg_day today, struct eg_id_info *info);

/* Why s is not a resident ID number eg_id_number_check() accepts, as a
 * message to follow a field name ("must be 18 characters: 17 digits and a
 * check digit or X", "has a wrong check character", "has a birth date that
 * does not exist", "has a birth date in the future"); NULL when valid.
 * Never echoes the value. */
const char *eg_id_number_problem(const char *s, eg_day today);

/* Validate an 18-character 统一社会信用代码 (digits and upper-case letters
 * without I, O, Z, S, V; mod-31 check character). EG_OK or EG_E_INVALID_FIELD. */
enum eg_status eg_credit_code_check(const char *s);

/* Validate a mainland mobile number: 11 digits starting 1[3-9]. */
enum eg_status eg_phone_check(const char *s);

/* "360426199101010071" -> "3604**********0071" (first 4, last 4). out >= 19 bytes. */
void eg_mask_id_number(const char *id, char out[19]);

/* "13812345678" -> "138****5678". out >= 12 bytes. */
void eg_mask_phone(const char *phone, char out[12]);

/* Whether the n bytes at s are well-formed UTF-8 (no overlongs, no surrogates, no NUL). */
int eg_utf8_valid(const char *s, size_t n);

/* How many characters (code points) the n bytes at s hold: the bytes that
 * are not UTF-8 continuation bytes. For limits stated to users, which are
 * in characters; check eg_utf8_valid first. */
size_t eg_utf8_chars(const char *s, size_t n);

#endif
