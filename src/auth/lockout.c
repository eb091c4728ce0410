/*
 * lockout.c — the waits, the proof-of-work challenge and the device token
 * of signing in (see lockout.h for the rules).
 *
 * Challenges and device tokens are stateless text signed with the token
 * sub-key (keyed BLAKE2b through eg_token_hash, over a domain prefix and
 * the signed fields), compared in constant time. A challenge's single use
 * is enforced by the caller, which records its id.
 */
#include "auth/lockout.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "auth/crypto.h"

#define MAX_EXTRA_BITS 4
#define MAX_BITS       28

void eg_lockout_decide(const struct eg_lockout_policy *p, int64_t n, int64_t last_at, int64_t now,
                       struct eg_lockout_verdict *out)
{
    out->wait_s = 0;
    out->pow_bits = 0;
    if (n < p->limit)
        return;
    int64_t past = n - p->limit;
    if (past >= p->pow_after) {
        int64_t extra = (past - p->pow_after) / (p->pow_after > 0 ? p->pow_after : 1);
        if (extra > MAX_EXTRA_BITS)
            extra = MAX_EXTRA_BITS;
        out->pow_bits = p->pow_bits + (int)extra;
        if (out->pow_bits > MAX_BITS)
            out->pow_bits = MAX_BITS;
        return;
    }
    int64_t delay = p->delay_s;
    for (int64_t i = 0; i < past && delay < p->window_s; i++)
        delay *= 2;
    if (delay > p->window_s)
        delay = p->window_s;
    int64_t left = last_at + delay - now;
    out->wait_s = left > 0 ? left : 0;
}

void eg_lockout_merge(struct eg_lockout_verdict *a, const struct eg_lockout_verdict *b)
{
    if (b->wait_s > a->wait_s)
        a->wait_s = b->wait_s;
    if (b->pow_bits > a->pow_bits)
        a->pow_bits = b->pow_bits;
}

void eg_lockout_address_key(const char *addr, char *out, size_t size)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    addr = addr ? addr : "";
    if (strchr(addr, ':') && inet_pton(AF_INET6, addr, a) == 1) {
        if (memcmp(a, mapped, sizeof mapped) == 0 &&
            inet_ntop(AF_INET, a + 12, text, sizeof text) != NULL) {
            snprintf(out, size, "%s", text);
            return;
        }
        memset(a + 8, 0, 8);
        if (inet_ntop(AF_INET6, a, text, sizeof text) != NULL) {
            snprintf(out, size, "%s/64", text);
            return;
        }
    }
    snprintf(out, size, "%s", addr);
}

int eg_pow_zero_bits(const unsigned char *h, size_t n)
{
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == 0) {
            bits += 8;
            continue;
        }
        for (unsigned char m = 0x80; m && !(h[i] & m); m >>= 1)
            bits++;
        break;
    }
    return bits;
}

int eg_pow_solved(const char *challenge, const char *solution, int bits)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state s;
    size_t n;

    if (!challenge || !solution)
        return 0;
    n = strlen(solution);
    if (n == 0 || n > EG_POW_SOLUTION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)solution[i] < 0x21 || (unsigned char)solution[i] > 0x7e)
            return 0;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const unsigned char *)challenge, strlen(challenge));
    crypto_hash_sha256_update(&s, (const unsigned char *)solution, n);
    crypto_hash_sha256_final(&s, h);
    return eg_pow_zero_bits(h, sizeof h) >= bits;
}

/* EG_LOCKOUT_ID_LEN random hex digits. */
static void random_id(char id[EG_LOCKOUT_ID_LEN + 1])
{
    unsigned char r[EG_LOCKOUT_ID_LEN / 2];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(id, EG_LOCKOUT_ID_LEN + 1, r, sizeof r);
}

/* The signature of body in a domain ("pow:<login>", "dev"), 64 hex + NUL. */
static void sign(const struct eg_keys *keys, const char *domain, const char *body, char mac[65])
{
    char buf[512];
    snprintf(buf, sizeof buf, "egret-%s|%s", domain, body);
    eg_token_hash(keys, buf, mac);
    sodium_memzero(buf, sizeof buf);
}

/* Whether s is exactly EG_LOCKOUT_ID_LEN lower-case hex digits up to end. */
static int is_id(const char *s, const char *end)
{
    if (end - s != EG_LOCKOUT_ID_LEN)
        return 0;
    for (; s < end; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

/* A decimal int64 from s up to the delimiter d; the position after it or NULL. */
static const char *parse_num(const char *s, char d, int64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return NULL;
    long long v = strtoll(s, &end, 10);
    if (*end != d || v < 0)
        return NULL;
    *out = v;
    return end + 1;
}

void eg_pow_challenge_new(const struct eg_keys *keys, const char *login, int bits, int64_t now,
                          char out[EG_POW_CHALLENGE_MAX])
{
    char id[EG_LOCKOUT_ID_LEN + 1], body[96], mac[65], domain[80];
    random_id(id);
    snprintf(body, sizeof body, "p1.%" PRId64 ".%d.%s", now + EG_POW_TTL_S, bits, id);
    snprintf(domain, sizeof domain, "pow:%s", login);
    sign(keys, domain, body, mac);
    snprintf(out, EG_POW_CHALLENGE_MAX, "%s.%s", body, mac);
}

enum eg_status eg_pow_challenge_check(const struct eg_keys *keys, const char *login,
                                      const char *challenge, int64_t now, int *bits,
                                      char id[EG_LOCKOUT_ID_LEN + 1])
{
    char body[96], mac[65], domain[80];
    int64_t expires = 0, b = 0;
    const char *p, *dot;

    if (!challenge || strncmp(challenge, "p1.", 3) != 0 || strlen(challenge) >= sizeof body + 66)
        return EG_E_CHALLENGE_REQUIRED;
    p = parse_num(challenge + 3, '.', &expires);
    if (p)
        p = parse_num(p, '.', &b);
    if (!p || b < 1 || b > MAX_BITS || !(dot = strchr(p, '.')) || !is_id(p, dot))
        return EG_E_CHALLENGE_REQUIRED;
    if ((size_t)(dot - challenge) >= sizeof body)
        return EG_E_CHALLENGE_REQUIRED;
    memcpy(body, challenge, (size_t)(dot - challenge));
    body[dot - challenge] = '\0';
    snprintf(domain, sizeof domain, "pow:%s", login);
    sign(keys, domain, body, mac);
    if (!eg_secure_streq(mac, dot + 1) || expires < now)
        return EG_E_CHALLENGE_REQUIRED;
    memcpy(id, p, EG_LOCKOUT_ID_LEN);
    id[EG_LOCKOUT_ID_LEN] = '\0';
    *bits = (int)b;
    return EG_OK;
}

void eg_device_token_new(const struct eg_keys *keys, int64_t user_id, int64_t now,
                         char out[EG_DEVICE_TOKEN_MAX])
{
    char id[EG_LOCKOUT_ID_LEN + 1], body[96], mac[65];
    random_id(id);
    snprintf(body, sizeof body, "egd_%" PRId64 ".%" PRId64 ".%s", user_id, now, id);
    sign(keys, "dev", body, mac);
    snprintf(out, EG_DEVICE_TOKEN_MAX, "%s.%s", body, mac);
}

int eg_device_token_check(const struct eg_keys *keys, const char *token, int64_t user_id,
                          int64_t now, char id[EG_LOCKOUT_ID_LEN + 1])
{
    char body[96], mac[65];
    int64_t uid = 0, issued = 0;
    const char *p, *dot;

    if (!token || strncmp(token, "egd_", 4) != 0 || strlen(token) >= EG_DEVICE_TOKEN_MAX)
        return 0;
    p = parse_num(token + 4, '.', &uid);
    if (p)
        p = parse_num(p, '.', &issued);
    if (!p || !(dot = strchr(p, '.')) || !is_id(p, dot) || (size_t)(dot - token) >= sizeof body)
        return 0;
    memcpy(body, token, (size_t)(dot - token));
    body[dot - token] = '\0';
    sign(keys, "dev", body, mac);
    if (!eg_secure_streq(mac, dot + 1) || uid != user_id || user_id <= 0 || issued > now + 60 ||
        now - issued > EG_DEVICE_MAX_AGE_S)
        return 0;
    memcpy(id, p, EG_LOCKOUT_ID_LEN);
    id[EG_LOCKOUT_ID_LEN] = '\0';
    return 1;
}
