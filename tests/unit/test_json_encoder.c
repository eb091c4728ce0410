/*
 * test_json_encoder.c — the hand-written reply encoder (http/reply.c) held
 * to jansson on generated values: random nested arrays and objects with
 * UTF-8 of every length, control characters, quotes and backslashes, NULs,
 * the extreme integers and reals. For each value the encoder's output must
 * be byte for byte what json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes,
 * and jansson must parse it back to an equal value. Malformed UTF-8 (which
 * jansson refuses to encode) must be refused too.
 *
 * EGRET_JSON_SEED=<n> reruns one seed; the seed is printed on a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "http/internal.h"

/* xorshift64*: reproducible from the seed on any libc. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Append code point cp as UTF-8 (cp is a valid scalar value). */
static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One code point, weighted towards what needs escaping or checking. */
static uint32_t random_code_point(void)
{
    static const uint32_t edges[] = {0x00,   0x1F,   0x7F,   0x80,    0x7FF,   0x800,
                                     0xD7FF, 0xE000, 0xFFFD, 0xFFFF,  0x10000, 0x10FFFF,
                                     0x2028, 0x2029, 0x4E2D, 0x1F600, '"',     '\\',
                                     '/',    '\b',   '\f',   '\n',    '\r',    '\t'};
    uint32_t cp;

    switch (below(6)) {
    case 0:
        return below(0x20); /* control characters */
    case 1:
        return edges[below(sizeof(edges) / sizeof(edges[0]))];
    case 2:
        return 0x20 + below(0x5F); /* printable ASCII */
    case 3:
        return 0x80 + below(0x780); /* two bytes */
    case 4:
        cp = 0x800 + below(0xF800); /* three bytes, not a surrogate */
        return cp >= 0xD800 && cp <= 0xDFFF ? cp + 0x800 : cp;
    default:
        return 0x10000 + below(0x100000); /* four bytes */
    }
}

/* A random well-formed UTF-8 string (NULs included) of at most 40 code points. */
static size_t random_text(char *buf)
{
    size_t len = 0, i, n = below(41);

    for (i = 0; i < n; i++)
        len += put_utf8(buf + len, random_code_point());
    return len;
}

static json_t *random_integer(void)
{
    static const json_int_t edges[] = {0,
                                       1,
                                       -1,
                                       INT64_MAX,
                                       INT64_MIN,
                                       INT64_MAX - 1,
                                       INT64_MIN + 1,
                                       9007199254740993LL,
                                       -9007199254740993LL,
                                       4294967296LL};

    if (below(2) == 0)
        return json_integer(edges[below(sizeof(edges) / sizeof(edges[0]))]);
    return json_integer((json_int_t)rnd());
}

static json_t *random_real(void)
{
    static const double edges[] = {
        0.0, -0.0, 1.0, -1.5, 0.1, 1e300, -1e-300, 4.9e-324, 1.7976931348623157e308};
    uint64_t bits;
    double x;

    if (below(2) == 0)
        return json_real(edges[below(sizeof(edges) / sizeof(edges[0]))]);
    do { /* any finite double, from its bits */
        bits = rnd();
        memcpy(&x, &bits, sizeof(x));
    } while (x != x || x - x != 0.0);
    return json_real(x);
}

static json_t *random_value(int depth)
{
    char buf[40 * 4];
    unsigned kind = below(depth >= 6 ? 6 : 8);
    json_t *v;
    size_t i, n;

    switch (kind) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(below(2));
    case 2:
        return random_integer();
    case 3:
        return random_real();
    case 4:
    case 5:
        n = random_text(buf);
        return json_stringn(buf, n);
    case 6:
        v = json_array();
        for (n = below(8), i = 0; i < n; i++)
            json_array_append_new(v, random_value(depth + 1));
        return v;
    default:
        v = json_object();
        for (n = below(8), i = 0; i < n; i++) {
            size_t klen = random_text(buf), k;

            for (k = 0; k < klen; k++) /* jansson parses no NUL in a key */
                if (buf[k] == '\0')
                    buf[k] = '0';
            json_object_setn_new(v, buf, klen, random_value(depth + 1));
        }
        return v;
    }
}

/* The encoder against jansson for one value; 0 when they agree. */
static int check_value(json_t *v, uint64_t seed)
{
    size_t len = 0;
    char *mine = eg_reply_encode(v, &len);
    char *theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_error_t err;
    json_t *back;
    int rc = 0;

    if (mine == NULL || theirs == NULL) {
        print_error("seed %llu: encoder %s, jansson %s\n", (unsigned long long)seed,
                    mine ? "ok" : "refused", theirs ? "ok" : "refused");
        rc = -1;
    } else if (len != strlen(theirs) || memcmp(mine, theirs, len) != 0) {
        print_error("seed %llu: encoder wrote\n  %.*s\njansson wrote\n  %s\n",
                    (unsigned long long)seed, (int)len, mine, theirs);
        rc = -1;
    } else {
        back = json_loadb(mine, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (back == NULL || !json_equal(back, v)) {
            print_error("seed %llu: jansson parses the output back %s (%s)\n",
                        (unsigned long long)seed, back ? "to another value" : "not at all",
                        back ? "" : err.text);
            rc = -1;
        }
        json_decref(back);
    }
    free(mine);
    free(theirs);
    return rc;
}

static uint64_t first_seed(void)
{
    const char *s = getenv("EGRET_JSON_SEED");

    return s != NULL && *s != '\0' ? strtoull(s, NULL, 10) : 20261204;
}

static void test_generated_values_match_jansson(void **state)
{
    uint64_t seed = first_seed();
    int runs = getenv("EGRET_JSON_SEED") != NULL ? 1 : 3000, i, failures = 0;

    (void)state;
    for (i = 0; i < runs && failures < 5; i++, seed++) {
        json_t *v;

        rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
        v = random_value(0);
        assert_non_null(v);
        if (check_value(v, seed) != 0)
            failures++;
        json_decref(v);
    }
    assert_int_equal(failures, 0);
}

static void test_every_single_byte_string(void **state)
{
    int c;

    (void)state;
    for (c = 0; c < 0x80; c++) {
        char s[1] = {(char)c};
        json_t *v = json_stringn(s, 1);

        assert_int_equal(check_value(v, (uint64_t)c), 0);
        json_decref(v);
    }
}

static void test_malformed_utf8_is_refused(void **state)
{
    static const char *const bad[] = {
        "\x80",         "\xC0\xAF",         "\xC1\xBF",         "\xE0\x80\xAF",
        "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF",
        "a\xC3",        "\xE4\xB8"};
    size_t i, len;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *v = json_stringn_nocheck(bad[i], strlen(bad[i]));
        json_t *o = json_object();

        assert_null(eg_reply_encode(v, &len));
        assert_null(json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
        json_object_set_new_nocheck(o, bad[i], json_null());
        assert_null(eg_reply_encode(o, &len));
        json_decref(o);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_values_match_jansson),
        cmocka_unit_test(test_every_single_byte_string),
        cmocka_unit_test(test_malformed_utf8_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
