/*
 * money.h — money is integer fen (1 yuan = 100 fen), never floating point.
 * Overflow is an error, not a wrap.
 */
#ifndef EG_CORE_MONEY_H
#define EG_CORE_MONEY_H

#include <stdint.h>
#include <stddef.h>
#include "core/status.h"

/* Largest amount egret accepts anywhere: 10^12 yuan, far past any real sum. */
#define EG_MONEY_MAX_FEN INT64_C(100000000000000)

/* Parse yuan text ("55", "55.5", "55.50", "-3.20") into fen. At most two
 * decimals, no exponent, no spaces. EG_E_INVALID_FIELD otherwise. */
enum eg_status eg_money_parse_yuan(const char *s, int64_t *fen);

/* Write fen as yuan with two decimals ("55.50", "-0.05"); out of at least 24 bytes. */
void eg_money_format(int64_t fen, char out[24]);

/* a + b into *out; EG_E_INVALID_FIELD on overflow past ±EG_MONEY_MAX_FEN. */
enum eg_status eg_money_add(int64_t a, int64_t b, int64_t *out);

/* amount × n into *out; EG_E_INVALID_FIELD on overflow. */
enum eg_status eg_money_mul(int64_t amount, int64_t n, int64_t *out);

/* amount × basis_points / 10000, rounded down (toward zero for positives).
 * 10000 bp = 100 %. Exact integer arithmetic. */
int64_t eg_money_share_bp(int64_t amount, int64_t basis_points);

/*
 * Split total into a subsidy share and a payer share by basis points:
 * subsidy = floor(total × bp / 10000), payer = total − subsidy. So the
 * shares always sum to total and an odd fen goes to the payer.
 */
void eg_money_split(int64_t total, int64_t subsidy_bp, int64_t *subsidy, int64_t *payer);

#endif
