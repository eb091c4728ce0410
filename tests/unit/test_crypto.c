/*
 * test_crypto.c — auth/crypto.h: loading and creating the master key (and
 * refusing unsafe key files), personal-data encryption, blind indexes,
 * tokens, password hashes, HMAC-SHA256 and constant-time comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/crypto.h"
#include "core/arena.h"
#include "core/config.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"

struct fx {
    struct eg_keys *a, *b;
    struct eg_arena *arena;
    char dir[64];
};

static struct eg_keys *keys_from_hex(const char *hex)
{
    struct eg_config c;
    struct eg_keys *k = NULL;
    eg_config_defaults(&c);
    snprintf(c.master_key_hex, sizeof c.master_key_hex, "%s", hex);
    assert_int_equal(eg_keys_load(&c, &k), EG_OK);
    assert_non_null(k);
    return k;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->a = keys_from_hex(KEY_A);
    f->b = keys_from_hex(KEY_B);
    f->arena = eg_arena_new();
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-crypto-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    eg_keys_free(f->a);
    eg_keys_free(f->b);
    eg_arena_destroy(f->arena);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void test_encrypt_round_trip(void **state)
{
    struct fx *f = *state;
    const char *id = "360426199101010071";
    char *c1 = eg_pii_encrypt(f->a, f->arena, id);
    char *c2 = eg_pii_encrypt(f->a, f->arena, id);
    assert_non_null(c1);
    assert_non_null(c2);
    assert_string_not_equal(c1, c2);  /* a fresh nonce every time */
    assert_null(strstr(c1, "0071"));  /* nothing of the plaintext shows */
    for (const char *p = c1; *p; p++) /* base64url without padding */
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
    assert_string_equal(eg_pii_decrypt(f->a, f->arena, c1), id);
    assert_string_equal(eg_pii_decrypt(f->a, f->arena, c2), id);
    /* The empty string and long UTF-8 text survive too. */
    char *ce = eg_pii_encrypt(f->a, f->arena, "");
    assert_string_equal(eg_pii_decrypt(f->a, f->arena, ce), "");
    const char *cn = "厦门市思明区 湖滨南路 100 号";
    assert_string_equal(eg_pii_decrypt(f->a, f->arena, eg_pii_encrypt(f->a, f->arena, cn)), cn);
}

static void test_forged_ciphertext_rejected(void **state)
{
    struct fx *f = *state;
    char *c = eg_pii_encrypt(f->a, f->arena, "13812345678");
    assert_non_null(c);
    /* Another key cannot open it. */
    assert_null(eg_pii_decrypt(f->b, f->arena, c));
    /* Flip each character in turn: every change is detected. */
    size_t n = strlen(c);
    char *t = eg_arena_strdup(f->arena, c);
    for (size_t i = 0; i < n; i++) {
        char saved = t[i];
        t[i] = saved == 'A' ? 'B' : 'A';
        char *p = eg_pii_decrypt(f->a, f->arena, t);
        if (p)
            fail_msg("a change at %zu was not detected", i);
        t[i] = saved;
    }
    /* Truncated, extended, empty, not base64, NULL. */
    assert_null(eg_pii_decrypt(f->a, f->arena, eg_arena_strndup(f->arena, c, n - 1)));
    assert_null(eg_pii_decrypt(f->a, f->arena, eg_arena_printf(f->arena, "%sAA", c)));
    assert_null(eg_pii_decrypt(f->a, f->arena, ""));
    assert_null(eg_pii_decrypt(f->a, f->arena, "AAAA"));
    assert_null(eg_pii_decrypt(f->a, f->arena, "!!!not base64!!!"));
    assert_null(eg_pii_decrypt(f->a, f->arena, NULL));
    /* A different ciphertext spliced onto this one's nonce fails as well. */
    char *other = eg_pii_encrypt(f->a, f->arena, "13812345679");
    char *splice = eg_arena_strdup(f->arena, c);
    memcpy(splice + 32, other + 32, strlen(other) - 32);
    assert_null(eg_pii_decrypt(f->a, f->arena, splice));
}

static void test_blind_index(void **state)
{
    struct fx *f = *state;
    char i1[65], i2[65], i3[65], i4[65], i5[65];
    eg_pii_blind_index(f->a, "idn:", "360426199101010071", i1);
    eg_pii_blind_index(f->a, "idn:", "360426199101010071", i2);
    eg_pii_blind_index(f->b, "idn:", "360426199101010071", i3);
    eg_pii_blind_index(f->a, "phone:", "360426199101010071", i4);
    eg_pii_blind_index(f->a, "idn:", "360426199101010072", i5);
    assert_int_equal(strlen(i1), 64);
    assert_string_equal(i1, i2);     /* stable */
    assert_string_not_equal(i1, i3); /* depends on the key */
    assert_string_not_equal(i1, i4); /* separated by domain */
    assert_string_not_equal(i1, i5);
    /* Domain and value do not run into each other. */
    char j1[65], j2[65];
    eg_pii_blind_index(f->a, "ab", "c", j1);
    eg_pii_blind_index(f->a, "a", "bc", j2);
    assert_string_not_equal(j1, j2);
    /* Stable across loads of the same key. */
    struct eg_keys *again = keys_from_hex(KEY_A);
    eg_pii_blind_index(again, "idn:", "360426199101010071", i3);
    assert_string_equal(i1, i3);
    eg_keys_free(again);
}

static void test_tokens(void **state)
{
    struct fx *f = *state;
    char t1[64], t2[64], h1[65], h2[65], h3[65];
    eg_token_new("egs_", t1);
    eg_token_new("egs_", t2);
    assert_int_equal(strlen(t1), 4 + 43);
    assert_memory_equal(t1, "egs_", 4);
    assert_string_not_equal(t1, t2);
    for (const char *p = t1 + 4; *p; p++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
    eg_token_hash(f->a, t1, h1);
    eg_token_hash(f->a, t1, h2);
    eg_token_hash(f->b, t1, h3);
    assert_int_equal(strlen(h1), 64);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    /* A token hash is not the blind index of the same text. */
    eg_pii_blind_index(f->a, "", t1, h2);
    assert_string_not_equal(h1, h2);
    /* The longest prefix still fits with its NUL. */
    char t3[64];
    eg_token_new("abcdefghijklmnopqrst", t3);
    assert_int_equal(strlen(t3), 20 + 43);
}

static void test_passwords(void **state)
{
    (void)state;
    char h1[128], h2[128];
    assert_int_equal(setenv("EGRET_PWHASH_FAST", "1", 1), 0);
    assert_int_equal(eg_password_hash("correct horse", h1), EG_OK);
    assert_int_equal(eg_password_hash("correct horse", h2), EG_OK);
    assert_memory_equal(h1, "$argon2id$", 10);
    assert_string_not_equal(h1, h2); /* salted */
    assert_int_equal(eg_password_verify(h1, "correct horse"), EG_OK);
    assert_int_equal(eg_password_verify(h2, "correct horse"), EG_OK);
    assert_int_equal(eg_password_verify(h1, "correct horsf"), EG_E_BAD_CREDENTIALS);
    assert_int_equal(eg_password_verify(h1, ""), EG_E_BAD_CREDENTIALS);
    assert_int_equal(eg_password_verify("", "correct horse"), EG_E_BAD_CREDENTIALS);
    assert_int_equal(eg_password_verify("garbage", "correct horse"), EG_E_BAD_CREDENTIALS);
    assert_int_equal(eg_password_verify(NULL, "x"), EG_E_BAD_CREDENTIALS);
    /* The production cost: interactive limits, verified the same way. */
    assert_int_equal(unsetenv("EGRET_PWHASH_FAST"), 0);
    assert_int_equal(eg_password_hash("密码 with spaces", h1), EG_OK);
    assert_non_null(strstr(h1, "m=65536"));
    assert_int_equal(eg_password_verify(h1, "密码 with spaces"), EG_OK);
    assert_int_equal(eg_password_verify(h1, "密码 with space"), EG_E_BAD_CREDENTIALS);
}

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    char out[65];
    /* RFC 4231 test case 2. */
    const char *data = "what do ya want for nothing?";
    eg_hmac_sha256_hex("Jefe", 4, data, strlen(data), out);
    assert_string_equal(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* Test case 1: a 20-byte key of 0x0b, "Hi There". */
    unsigned char key[20];
    memset(key, 0x0b, sizeof key);
    eg_hmac_sha256_hex(key, sizeof key, "Hi There", 8, out);
    assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* Test case 6: a 131-byte key (longer than the block). */
    unsigned char big[131];
    memset(big, 0xaa, sizeof big);
    const char *d6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    eg_hmac_sha256_hex(big, sizeof big, d6, strlen(d6), out);
    assert_string_equal(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_secure_streq(void **state)
{
    (void)state;
    assert_true(eg_secure_streq("abc", "abc"));
    assert_true(eg_secure_streq("", ""));
    assert_false(eg_secure_streq("abc", "abd"));
    assert_false(eg_secure_streq("abc", "abcd"));
    assert_false(eg_secure_streq("abcd", "abc"));
    assert_false(eg_secure_streq(NULL, "abc"));
    assert_false(eg_secure_streq("abc", NULL));
}

static void test_bad_master_key_hex(void **state)
{
    (void)state;
    struct eg_config c;
    struct eg_keys *k = NULL;
    eg_config_defaults(&c);
    snprintf(c.master_key_hex, sizeof c.master_key_hex, "%s", "00112233");
    assert_int_equal(eg_keys_load(&c, &k), EG_E_INVALID_PARAMETER);
    assert_null(k);
    snprintf(c.master_key_hex, sizeof c.master_key_hex, "%.63sg", KEY_A);
    assert_int_equal(eg_keys_load(&c, &k), EG_E_INVALID_PARAMETER);
    assert_null(k);
}

/* A key file is created on first run (0600, 32 bytes, directories made),
 * read back on the next, and refused when others may read it or its size
 * is wrong. */
static void test_key_file(void **state)
{
    struct fx *f = *state;
    struct eg_config c;
    struct eg_keys *k1 = NULL, *k2 = NULL, *k3 = NULL;
    struct stat sb;
    char i1[65], i2[65];
    eg_config_defaults(&c);
    c.master_key_hex[0] = '\0';
    snprintf(c.key_file, sizeof c.key_file, "%s/nested/dir/egret.key", f->dir);

    /* Loading never creates a key: only eg_keys_create (egret migrate) does. */
    assert_int_equal(eg_keys_load(&c, &k1), EG_E_NOT_FOUND);
    assert_null(k1);
    assert_int_not_equal(stat(c.key_file, &sb), 0);
    assert_int_equal(eg_keys_create(&c, &k1), EG_OK);
    assert_int_equal(stat(c.key_file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 32);
    assert_int_equal(eg_keys_load(&c, &k2), EG_OK);
    eg_pii_blind_index(k1, "idn:", "x", i1);
    eg_pii_blind_index(k2, "idn:", "x", i2);
    assert_string_equal(i1, i2); /* the same key, read back */
    char *ct = eg_pii_encrypt(k1, f->arena, "secret");
    assert_string_equal(eg_pii_decrypt(k2, f->arena, ct), "secret");
    /* Creating again reads the existing file: the key is never replaced. */
    assert_int_equal(eg_keys_create(&c, &k3), EG_OK);
    char v1[65], v3[65];
    eg_keys_check_value(k1, v1);
    eg_keys_check_value(k3, v3);
    assert_string_equal(v1, v3);
    eg_keys_free(k3);
    k3 = NULL;

    /* Readable by the group: refused. */
    assert_int_equal(chmod(c.key_file, 0640), 0);
    assert_int_equal(eg_keys_load(&c, &k3), EG_E_INVALID_PARAMETER);
    assert_null(k3);
    assert_int_equal(chmod(c.key_file, 0604), 0);
    assert_int_equal(eg_keys_load(&c, &k3), EG_E_INVALID_PARAMETER);
    assert_int_equal(chmod(c.key_file, 0600), 0);

    /* The wrong size: refused, never padded or cut. */
    int fd = open(c.key_file, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
    assert_int_equal(eg_keys_load(&c, &k3), EG_E_INVALID_PARAMETER);
    assert_int_equal(truncate(c.key_file, 16), 0);
    assert_int_equal(eg_keys_load(&c, &k3), EG_E_INVALID_PARAMETER);
    assert_null(k3);

    /* Another key file is another key. */
    snprintf(c.key_file, sizeof c.key_file, "%s/other.key", f->dir);
    assert_int_equal(eg_keys_create(&c, &k3), EG_OK);
    eg_pii_blind_index(k3, "idn:", "x", i2);
    assert_string_not_equal(i1, i2);
    eg_keys_free(k1);
    eg_keys_free(k2);
    eg_keys_free(k3);
}

/* The key check value: 64 hex characters, the same for the same key, another
 * for another key, and never the key itself. */
static void test_key_check_value(void **state)
{
    struct fx *f = *state;
    char a1[65], a2[65], b[65];
    struct eg_keys *again = keys_from_hex(KEY_A);
    eg_keys_check_value(f->a, a1);
    eg_keys_check_value(again, a2);
    eg_keys_check_value(f->b, b);
    assert_int_equal(strlen(a1), 64);
    assert_int_equal(strspn(a1, "0123456789abcdef"), 64);
    assert_string_equal(a1, a2);
    assert_string_not_equal(a1, b);
    assert_string_not_equal(a1, KEY_A);
    eg_keys_free(again);
}

/* A rotation's new key: another master key that keeps the token-hash key,
 * reads the old values once the old key is chained behind it, and gives
 * the old blind index as the "other" one. */
static void test_rotation_keys(void **state)
{
    struct fx *f = *state;
    struct eg_config c;
    struct eg_keys *old = NULL, *next = NULL, *again = NULL;
    char path[128], t1[65], t2[65], i_old[65], i_new[65], i_other[65], cv1[65], cv2[65];
    struct stat sb;
    int existed = -1;
    eg_config_defaults(&c);
    snprintf(c.key_file, sizeof c.key_file, "%s/egret.key", f->dir);
    snprintf(path, sizeof path, "%s/egret.key.next", f->dir);
    assert_int_equal(eg_keys_create(&c, &old), EG_OK);
    char *ct = eg_pii_encrypt(old, f->arena, "350203199001011234");
    assert_non_null(ct);

    assert_int_equal(eg_keys_create_next(path, old, &next, &existed), EG_OK);
    assert_int_equal(existed, 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 64);
    assert_int_equal(sb.st_mode & 0777, 0600);
    eg_keys_check_value(old, cv1);
    eg_keys_check_value(next, cv2);
    assert_string_not_equal(cv1, cv2);
    eg_token_hash(old, "egs_token", t1);
    eg_token_hash(next, "egs_token", t2);
    assert_string_equal(t1, t2); /* sessions and API keys survive */
    eg_pii_blind_index(old, "idn:", "v", i_old);
    eg_pii_blind_index(next, "idn:", "v", i_new);
    assert_string_not_equal(i_old, i_new);
    eg_pii_blind_index_other(next, "idn:", "v", i_other);
    assert_string_equal(i_other, i_new); /* nothing chained: itself */

    assert_null(eg_pii_decrypt(next, f->arena, ct));
    eg_keys_chain(next, old);
    assert_ptr_equal(eg_keys_prev(next), old);
    assert_string_equal(eg_pii_decrypt(next, f->arena, ct), "350203199001011234");
    assert_null(eg_pii_decrypt_only(next, f->arena, ct));
    eg_pii_blind_index_other(next, "idn:", "v", i_other);
    assert_string_equal(i_other, i_old);
    char *fresh = eg_pii_encrypt(next, f->arena, "x");
    assert_non_null(eg_pii_decrypt_only(next, f->arena, fresh));
    assert_null(eg_pii_decrypt_only(old, f->arena, fresh));

    /* A second call finds the file and loads it as it is; a 64-byte file
     * loads as the configured key too. */
    assert_int_equal(eg_keys_create_next(path, old, &again, &existed), EG_OK);
    assert_int_equal(existed, 1);
    eg_keys_check_value(again, cv1);
    assert_string_equal(cv1, cv2);
    eg_keys_free(again);
    snprintf(c.key_file, sizeof c.key_file, "%s", path);
    assert_int_equal(eg_keys_load(&c, &again), EG_OK);
    eg_token_hash(again, "egs_token", t2);
    assert_string_equal(t1, t2);
    eg_keys_free(again);
    assert_int_equal(eg_keys_load_file("/nonexistent/egret.key", &again), EG_E_NOT_FOUND);
    eg_keys_free(next); /* frees old, chained behind it */
}

static void test_global_is_write_once(void **state)
{
    struct fx *f = *state;
    assert_null(eg_keys_global());
    eg_keys_set_global(f->a);
    assert_ptr_equal(eg_keys_global(), f->a);
    eg_keys_set_global(f->b);
    assert_ptr_equal(eg_keys_global(), f->a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_encrypt_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_ciphertext_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passwords, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hmac_rfc4231, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secure_streq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_master_key_hex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_check_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_is_write_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
