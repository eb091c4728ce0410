/*
 * crypto.c — keys, personal-data encryption, blind indexes, tokens,
 * passwords and HMAC, all with libsodium.
 *
 * The master key never leaves sodium_malloc'd memory (guard pages, locked,
 * read-only once loaded). Sub-keys are derived with crypto_kdf, one per
 * purpose, so that a blind index can never be confused with a token hash.
 */
#include "auth/crypto.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/internal.h"
#include "core/log.h"

#define KEY_BYTES          32
#define TOKEN_RANDOM_BYTES 32
#define TOKEN_PREFIX_MAX   20 /* 64 - 43 characters of base64url - NUL */

/* Sub-key ids and contexts (crypto_kdf contexts are exactly 8 characters). */
enum { SUBKEY_PII = 1, SUBKEY_IDX = 2, SUBKEY_TOK = 3 };

struct eg_keys {
    unsigned char *mem;         /* sodium_malloc: master, pii, idx, tok (32 bytes each) */
    const struct eg_keys *prev; /* during a key rotation: the key being replaced */
};

#define K_MASTER(k) ((k)->mem)
#define K_PII(k)    ((k)->mem + KEY_BYTES)
#define K_IDX(k)    ((k)->mem + 2 * KEY_BYTES)
#define K_TOK(k)    ((k)->mem + 3 * KEY_BYTES)

/* Create every missing directory above path with mode 0700 (mkdir -p of the
 * parent). Existing directories are left as they are. */
static enum eg_status make_parent_dirs(const char *path)
{
    char buf[512];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return EG_E_INVALID_PARAMETER;
    memcpy(buf, path, n + 1);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return EG_OK;
    *slash = '\0';
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return EG_E_INTERNAL;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return EG_E_INTERNAL;
    return EG_OK;
}

/*
 * Create a new key file holding the len bytes of data (random bytes the
 * caller made). O_EXCL makes two processes starting at once agree on one
 * key: the loser gets EEXIST (*exists 1, nothing written) and reads the
 * winner's file.
 */
static enum eg_status create_key_file(const char *path, const unsigned char *data, size_t len,
                                      int *exists)
{
    enum eg_status st = EG_E_INTERNAL;
    *exists = 0;
    if (make_parent_dirs(path) != EG_OK) {
        eg_log(EG_LOG_ERROR,
               "event=key_file_rejected path=%s problem=\"cannot create its directory\"", path);
        return EG_E_INTERNAL;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST) {
            *exists = 1;
            return EG_OK;
        }
        eg_log(EG_LOG_ERROR, "event=key_file_rejected path=%s problem=\"cannot create: %s\"", path,
               strerror(errno));
        return EG_E_INTERNAL;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto out;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto out;
    eg_log(EG_LOG_INFO, "event=key_file_created path=%s", path);
    st = EG_OK;
out:
    close(fd);
    if (st != EG_OK) {
        unlink(path);
        eg_log(EG_LOG_ERROR, "event=key_file_rejected path=%s problem=\"cannot write\"", path);
    }
    return st;
}

/*
 * Read the master key from an existing key file, refusing one that others
 * could read (any group/other permission bit) or that is not 32 or 64
 * bytes: a silently truncated or shared key would be worse than stopping.
 * A 64-byte file (written by `egret key rotate`) carries the token-hash key
 * after the master key; *has_tok says so and tok receives it.
 */
static enum eg_status read_key_file(const char *path, unsigned char *master, unsigned char *tok,
                                    int *has_tok)
{
    enum eg_status st = EG_E_INVALID_PARAMETER;
    unsigned char both[2 * KEY_BYTES];
    struct stat sb;
    *has_tok = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        eg_log(EG_LOG_ERROR, "event=key_file_rejected path=%s problem=\"cannot open: %s\"", path,
               strerror(errno));
        return EG_E_INTERNAL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        eg_log(EG_LOG_ERROR, "event=key_file_rejected path=%s problem=\"not a regular file\"",
               path);
        goto out;
    }
    if (sb.st_mode & 077) {
        eg_log(EG_LOG_ERROR,
               "event=key_file_rejected path=%s problem=\"mode %04o lets group or others read "
               "it; run chmod 600\"",
               path, (unsigned)(sb.st_mode & 07777));
        goto out;
    }
    if (sb.st_size != KEY_BYTES && sb.st_size != 2 * KEY_BYTES) {
        eg_log(EG_LOG_ERROR,
               "event=key_file_rejected path=%s problem=\"size is %lld bytes, expected %d or %d\"",
               path, (long long)sb.st_size, KEY_BYTES, 2 * KEY_BYTES);
        goto out;
    }
    size_t want = (size_t)sb.st_size, off = 0;
    while (off < want) {
        ssize_t r = read(fd, both + off, want - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            eg_log(EG_LOG_ERROR, "event=key_file_rejected path=%s problem=\"short read\"", path);
            st = EG_E_INTERNAL;
            goto out;
        }
        off += (size_t)r;
    }
    memcpy(master, both, KEY_BYTES);
    *has_tok = want == 2 * KEY_BYTES;
    if (*has_tok)
        memcpy(tok, both + KEY_BYTES, KEY_BYTES);
    st = EG_OK;
out:
    sodium_memzero(both, sizeof both);
    close(fd);
    if (st != EG_OK)
        sodium_memzero(master, KEY_BYTES);
    return st;
}

/* The master key from 64 hex characters. */
static enum eg_status key_from_hex(const char *hex, unsigned char *master)
{
    size_t bin_len = 0;
    const char *end = NULL;
    if (strlen(hex) != 2 * KEY_BYTES ||
        sodium_hex2bin(master, KEY_BYTES, hex, strlen(hex), NULL, &bin_len, &end) != 0 ||
        bin_len != KEY_BYTES || *end != '\0') {
        sodium_memzero(master, KEY_BYTES);
        eg_log(EG_LOG_ERROR,
               "event=master_key_rejected problem=\"security.master_key must be 64 hex "
               "characters\"");
        return EG_E_INVALID_PARAMETER;
    }
    return EG_OK;
}

/* Keys from a master key (and the token-hash key when has_tok): derive the
 * sub-keys, then lock the memory read-only. Takes the bytes in mem. */
static enum eg_status finish_keys(struct eg_keys *k, int has_tok)
{
    if (crypto_kdf_derive_from_key(K_PII(k), KEY_BYTES, SUBKEY_PII, "egretpii", K_MASTER(k)) != 0 ||
        crypto_kdf_derive_from_key(K_IDX(k), KEY_BYTES, SUBKEY_IDX, "egretidx", K_MASTER(k)) != 0)
        return EG_E_INTERNAL;
    if (!has_tok &&
        crypto_kdf_derive_from_key(K_TOK(k), KEY_BYTES, SUBKEY_TOK, "egrettok", K_MASTER(k)) != 0)
        return EG_E_INTERNAL;
    sodium_mprotect_readonly(k->mem);
    return EG_OK;
}

static struct eg_keys *keys_alloc(void)
{
    struct eg_keys *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->mem = sodium_malloc(4 * KEY_BYTES);
    if (!k->mem) {
        free(k);
        return NULL;
    }
    return k;
}

/*
 * Load the master key per cfg into new keys; with may_create, a missing key
 * file is created first. EG_E_NOT_FOUND (and nothing logged at error level)
 * when the key file is missing and may_create is 0: the caller decides
 * what to tell the operator.
 */
static enum eg_status load_keys(const struct eg_config *cfg, int may_create, struct eg_keys **out)
{
    enum eg_status st = EG_E_INTERNAL;
    struct eg_keys *k = NULL;
    int has_tok = 0;
    *out = NULL;
    if (sodium_init() < 0) {
        eg_log(EG_LOG_ERROR, "event=sodium_init_failed");
        return EG_E_INTERNAL;
    }
    k = keys_alloc();
    if (!k)
        goto out;
    if (cfg->master_key_hex[0] != '\0') {
        st = key_from_hex(cfg->master_key_hex, K_MASTER(k));
    } else if (cfg->key_file[0] != '\0') {
        int exists = 1;
        st = EG_OK;
        if (access(cfg->key_file, F_OK) != 0) {
            if (errno == ENOENT && !may_create) {
                st = EG_E_NOT_FOUND;
            } else {
                randombytes_buf(K_MASTER(k), KEY_BYTES);
                st = create_key_file(cfg->key_file, K_MASTER(k), KEY_BYTES, &exists);
            }
        }
        if (st == EG_OK && exists)
            st = read_key_file(cfg->key_file, K_MASTER(k), K_TOK(k), &has_tok);
    } else {
        eg_log(
            EG_LOG_ERROR,
            "event=master_key_rejected problem=\"set security.key_file or security.master_key\"");
        st = EG_E_INVALID_PARAMETER;
    }
    if (st == EG_OK)
        st = finish_keys(k, has_tok);
    if (st != EG_OK)
        goto out;
    *out = k;
    k = NULL;
out:
    eg_keys_free(k);
    return st;
}

enum eg_status eg_keys_load_file(const char *path, struct eg_keys **out)
{
    int has_tok = 0;
    *out = NULL;
    if (sodium_init() < 0)
        return EG_E_INTERNAL;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return EG_E_NOT_FOUND;
    struct eg_keys *k = keys_alloc();
    if (!k)
        return EG_E_INTERNAL;
    enum eg_status st = read_key_file(path, K_MASTER(k), K_TOK(k), &has_tok);
    if (st == EG_OK)
        st = finish_keys(k, has_tok);
    if (st != EG_OK) {
        eg_keys_free(k);
        return st;
    }
    *out = k;
    return EG_OK;
}

enum eg_status eg_keys_create_next(const char *path, const struct eg_keys *current,
                                   struct eg_keys **out, int *existed)
{
    unsigned char both[2 * KEY_BYTES];
    *out = NULL;
    *existed = 0;
    assert(current != NULL);
    randombytes_buf(both, KEY_BYTES);
    memcpy(both + KEY_BYTES, K_TOK(current), KEY_BYTES);
    enum eg_status st = create_key_file(path, both, sizeof both, existed);
    sodium_memzero(both, sizeof both);
    if (st == EG_OK)
        st = eg_keys_load_file(path, out);
    return st;
}

void eg_keys_chain(struct eg_keys *k, const struct eg_keys *prev)
{
    assert(k != NULL && k != prev);
    k->prev = prev;
}

const struct eg_keys *eg_keys_prev(const struct eg_keys *k)
{
    return k ? k->prev : NULL;
}

enum eg_status eg_keys_load(const struct eg_config *cfg, struct eg_keys **out)
{
    return load_keys(cfg, 0, out);
}

enum eg_status eg_keys_create(const struct eg_config *cfg, struct eg_keys **out)
{
    return load_keys(cfg, 1, out);
}

/* The fixed label whose keyed hash is the key check value. Changing it
 * would make every stored check value a mismatch: never change it. */
#define KEY_CHECK_LABEL "egret master key check value v1"

void eg_keys_check_value(const struct eg_keys *k, char out[65])
{
    unsigned char h[32];
    assert(k != NULL);
    crypto_generichash(h, sizeof h, (const unsigned char *)KEY_CHECK_LABEL,
                       sizeof KEY_CHECK_LABEL - 1, K_MASTER(k), KEY_BYTES);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(h, sizeof h);
}

void eg_keys_free(struct eg_keys *k)
{
    if (!k)
        return;
    eg_keys_free((struct eg_keys *)k->prev); /* owned: see eg_keys_chain */
    if (k->mem) {
        sodium_mprotect_readwrite(k->mem);
        sodium_free(k->mem);
    }
    free(k);
}

/*
 * The process-wide keys: set at start-up before any thread that reads them
 * exists; during a key rotation the server's key watcher swaps in a new
 * set (eg_keys_replace_global). Readers may hold the old set for the rest
 * of a request, so a replaced set is never freed: one per rotation.
 */
static _Atomic(const struct eg_keys *) global_keys;

void eg_keys_set_global(const struct eg_keys *k)
{
    const struct eg_keys *none = NULL;
    atomic_compare_exchange_strong(&global_keys, &none, k);
}

void eg_keys_replace_global(const struct eg_keys *k)
{
    atomic_store(&global_keys, k);
}

const struct eg_keys *eg_keys_global(void)
{
    return atomic_load(&global_keys);
}

char *eg_pii_encrypt(const struct eg_keys *k, struct eg_arena *a, const char *plaintext)
{
    if (!k || !plaintext)
        return NULL;
    size_t n = strlen(plaintext);
    size_t box_len = crypto_secretbox_xchacha20poly1305_NONCEBYTES +
                     crypto_secretbox_xchacha20poly1305_MACBYTES + n;
    unsigned char *box = eg_arena_alloc(a, box_len);
    if (!box)
        return NULL;
    randombytes_buf(box, crypto_secretbox_xchacha20poly1305_NONCEBYTES);
    if (crypto_secretbox_xchacha20poly1305_easy(box + crypto_secretbox_xchacha20poly1305_NONCEBYTES,
                                                (const unsigned char *)plaintext, n, box,
                                                K_PII(k)) != 0)
        return NULL;
    size_t b64_len = sodium_base64_ENCODED_LEN(box_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *b64 = eg_arena_alloc(a, b64_len);
    if (!b64)
        return NULL;
    sodium_bin2base64(b64, b64_len, box, box_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return b64;
}

char *eg_pii_decrypt(const struct eg_keys *k, struct eg_arena *a, const char *ciphertext)
{
    char *plain = eg_pii_decrypt_only(k, a, ciphertext);
    if (!plain && k && k->prev)
        plain = eg_pii_decrypt_only(k->prev, a, ciphertext);
    return plain;
}

char *eg_pii_decrypt_only(const struct eg_keys *k, struct eg_arena *a, const char *ciphertext)
{
    if (!k || !ciphertext)
        return NULL;
    size_t b64_len = strlen(ciphertext);
    size_t max_bin = b64_len / 4 * 3 + 3;
    const size_t overhead =
        crypto_secretbox_xchacha20poly1305_NONCEBYTES + crypto_secretbox_xchacha20poly1305_MACBYTES;
    unsigned char *box = eg_arena_alloc(a, max_bin);
    if (!box)
        return NULL;
    size_t box_len = 0;
    const char *end = NULL;
    if (sodium_base642bin(box, max_bin, ciphertext, b64_len, NULL, &box_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        *end != '\0' || box_len < overhead)
        return NULL;
    size_t n = box_len - overhead;
    char *plain = eg_arena_alloc(a, n + 1);
    if (!plain)
        return NULL;
    if (crypto_secretbox_xchacha20poly1305_open_easy(
            (unsigned char *)plain, box + crypto_secretbox_xchacha20poly1305_NONCEBYTES,
            box_len - crypto_secretbox_xchacha20poly1305_NONCEBYTES, box, K_PII(k)) != 0)
        return NULL;
    if (memchr(plain, '\0', n))
        return NULL;
    plain[n] = '\0';
    return plain;
}

/* Feed a length-prefixed string into a BLAKE2b state, so that ("ab","c")
 * and ("a","bc") never hash alike. */
static void hash_put(crypto_generichash_state *s, const char *v)
{
    size_t n = v ? strlen(v) : 0;
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    crypto_generichash_update(s, len, sizeof len);
    if (n)
        crypto_generichash_update(s, (const unsigned char *)v, n);
}

void eg_pii_blind_index(const struct eg_keys *k, const char *domain, const char *value,
                        char out[65])
{
    unsigned char h[32];
    crypto_generichash_state s;
    crypto_generichash_init(&s, K_IDX(k), KEY_BYTES, sizeof h);
    hash_put(&s, "egret.blind-index.v1");
    hash_put(&s, domain);
    hash_put(&s, value);
    crypto_generichash_final(&s, h, sizeof h);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(&s, sizeof s);
}

void eg_pii_blind_index_other(const struct eg_keys *k, const char *domain, const char *value,
                              char out[65])
{
    eg_pii_blind_index(k->prev ? k->prev : k, domain, value, out);
}

void eg_token_new(const char *prefix, char out[64])
{
    unsigned char raw[TOKEN_RANDOM_BYTES];
    size_t p = strnlen(prefix ? prefix : "", TOKEN_PREFIX_MAX);
    if (p)
        memcpy(out, prefix, p);
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out + p, 64 - p, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void eg_token_hash(const struct eg_keys *k, const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), K_TOK(k),
                       KEY_BYTES);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/*
 * argon2id cost: libsodium's interactive limits (about 64 MiB and a tenth
 * of a second). EGRET_PWHASH_FAST=1 drops to the minimum cost so that test
 * suites creating hundreds of accounts run quickly; never set it in
 * production. Stored hashes carry their own cost, so verifying works
 * either way.
 */
static int pwhash_fast(void)
{
    const char *f = getenv("EGRET_PWHASH_FAST");
    return f && strcmp(f, "1") == 0;
}

enum eg_status eg_password_hash(const char *password, char out[128])
{
    unsigned long long ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
    size_t mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
    if (pwhash_fast()) {
        ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
    }
    if (crypto_pwhash_argon2id_str(out, password, strlen(password), ops, mem) != 0)
        return EG_E_INTERNAL;
    return EG_OK;
}

enum eg_status eg_password_verify(const char *stored, const char *password)
{
    /* libsodium reads a full crypto_pwhash_STRBYTES buffer: copy into one. */
    char buf[crypto_pwhash_STRBYTES];
    if (!stored || !password || strlen(stored) >= sizeof buf)
        return EG_E_BAD_CREDENTIALS;
    memset(buf, 0, sizeof buf);
    memcpy(buf, stored, strlen(stored));
    if (crypto_pwhash_str_verify(buf, password, strlen(password)) != 0)
        return EG_E_BAD_CREDENTIALS;
    return EG_OK;
}

/*
 * Fixed argon2id hashes of a password nobody uses, one per cost level.
 * Signing in with an unknown login verifies against one of them, so it
 * takes as long as a wrong password for a real account.
 */
void eg_password_dummy_verify(const char *password)
{
    static const char interactive[] = "$argon2id$v=19$m=65536,t=2,p=1$m6QsH/I5BfYQoM1yVVUM9w$"
                                      "4+y7WPNE6pxS5efErg5seYS/umGKaP3RIpLiY9BvMaA";
    static const char fast[] = "$argon2id$v=19$m=8,t=1,p=1$hQzGTHM++L4pYaKW5akEcA$"
                               "RTSJhVA9IR/VJX3B2s52s1fgMZf9HfV6LbvSzLccPSw";
    (void)eg_password_verify(pwhash_fast() ? fast : interactive, password ? password : "");
}

void eg_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state s;
    crypto_auth_hmacsha256_init(&s, key, keylen);
    crypto_auth_hmacsha256_update(&s, data, len);
    crypto_auth_hmacsha256_final(&s, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
    sodium_memzero(&s, sizeof s);
}

int eg_secure_streq(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}
