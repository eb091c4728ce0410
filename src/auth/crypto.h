/*
 * crypto.h — secrets and personal data, all with libsodium.
 *
 * One 32-byte master key (from configuration, or a key file that only
 * `egret migrate` on an empty database creates, with mode 0600) lives in
 * sodium_malloc'd memory; a key check value in the database tells a wrong
 * key from the right one. Sub-keys are derived with crypto_kdf: one for
 * encrypting personal data (XChaCha20-Poly1305 secretbox, random nonce),
 * one for blind indexes (keyed BLAKE2b), one for hashing tokens.
 * Ciphertexts are stored as base64 text so that both database engines keep
 * them the same way.
 *
 * Key rotation (src/app/cmd_key.c): a key file of 64 bytes carries the
 * token-hash key after the master key, so that a new master key keeps the
 * old token key. Session and API-key hashes are never re-keyed: the tokens
 * are 256 random bits, which no key protects further, and re-keying would
 * sign every platform's API key out. While a rotation runs, the keys in
 * use are the new set chained to the old one (eg_keys_chain): encryption
 * and blind indexes use the new set; decryption tries both, and lookups by
 * blind index ask for both values (eg_pii_blind_index_other).
 */
#ifndef EG_AUTH_CRYPTO_H
#define EG_AUTH_CRYPTO_H

#include <stddef.h>
#include "core/status.h"
#include "core/arena.h"
#include "core/config.h"

struct eg_keys;

/*
 * Initialise libsodium and load the master key per cfg: security.master_key
 * (64 hex digits) if set, else the existing key file security.key_file
 * (exactly 32 bytes, no group or other permission). Never creates a key:
 * EG_E_NOT_FOUND when the key file does not exist; EG_E_INVALID_PARAMETER
 * for a malformed key or an unsafe file. *out is freed with eg_keys_free.
 */
enum eg_status eg_keys_load(const struct eg_config *cfg, struct eg_keys **out);

/*
 * As eg_keys_load, but first create a missing key file (32 random bytes,
 * mode 0600, parent folders 0700; two processes creating at once agree on
 * one key). Only for `egret migrate` on an empty database: a new key makes
 * every value encrypted under the old one unreadable.
 */
enum eg_status eg_keys_create(const struct eg_config *cfg, struct eg_keys **out);

/*
 * Load the key file at path (32 or 64 bytes, mode 0600): EG_E_NOT_FOUND if
 * it does not exist, else as eg_keys_load.
 */
enum eg_status eg_keys_load_file(const char *path, struct eg_keys **out);

/*
 * Create the key file at path for a rotation away from current: a new
 * random master key followed by current's token-hash key (64 bytes, mode
 * 0600), then load it. If the file exists it is loaded as it is and
 * *existed is 1 (a rotation resumed).
 */
enum eg_status eg_keys_create_next(const char *path, const struct eg_keys *current,
                                   struct eg_keys **out, int *existed);

/* Chain prev behind k (a rotation in progress: k is new, prev the old
 * key); k owns prev from then on (eg_keys_free frees both). eg_keys_prev
 * returns it (NULL if none). */
void eg_keys_chain(struct eg_keys *k, const struct eg_keys *prev);
const struct eg_keys *eg_keys_prev(const struct eg_keys *k);

/*
 * The key check value of the master key: keyed BLAKE2b-256 of a fixed label
 * under the master key, as 64 lower-case hex characters + NUL. It tells
 * whether a key is the one a database was written with, without revealing
 * the key; the database keeps it in the key_check table (migration 0050).
 */
void eg_keys_check_value(const struct eg_keys *k, char out[65]);
void eg_keys_free(struct eg_keys *k);

/* The process-wide keys: set once at start-up (later calls do nothing);
 * replaced only by the server's key watcher during a rotation. */
void eg_keys_set_global(const struct eg_keys *k);
void eg_keys_replace_global(const struct eg_keys *k);
const struct eg_keys *eg_keys_global(void);

/* Encrypt plaintext into base64 text in arena memory. */
char *eg_pii_encrypt(const struct eg_keys *k, struct eg_arena *a, const char *plaintext);

/* Decrypt base64 text from eg_pii_encrypt, under k or the key chained
 * behind it; NULL if forged or corrupt. */
char *eg_pii_decrypt(const struct eg_keys *k, struct eg_arena *a, const char *ciphertext);
/* The same under k alone (the rotation asks which key a value is under). */
char *eg_pii_decrypt_only(const struct eg_keys *k, struct eg_arena *a, const char *ciphertext);

/* Keyed blind index of a normalised value ("idn:" or "phone:" domain prefix
 * recommended): 64 hex chars + NUL into out. Same input, same output. */
void eg_pii_blind_index(const struct eg_keys *k, const char *domain, const char *value,
                        char out[65]);
/* The blind index under the key chained behind k, or under k itself when
 * none is: a lookup binds both values (`idx IN (?, ?)`) to find a row
 * whether or not a running rotation has reached it yet. */
void eg_pii_blind_index_other(const struct eg_keys *k, const char *domain, const char *value,
                              char out[65]);

/* A new random token: prefix + 43 base64url characters, into out (>= 64 bytes). */
void eg_token_new(const char *prefix, char out[64]);

/* The stored form of a token: keyed BLAKE2b-256 hex (65 bytes with NUL). */
void eg_token_hash(const struct eg_keys *k, const char *token, char out[65]);

/* argon2id password hash (crypto_pwhash_str, interactive limits by default).
 * EGRET_PWHASH_FAST=1 in the environment selects the minimum cost instead,
 * for test suites only (the API test harness sets it); never in production. */
enum eg_status eg_password_hash(const char *password, char out[128]);
/* EG_OK if password matches the stored hash, else EG_E_BAD_CREDENTIALS. */
enum eg_status eg_password_verify(const char *stored, const char *password);

/* HMAC-SHA256 of data under key, as lower-case hex (65 bytes). */
void eg_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len, char out[65]);

/* Constant-time comparison of two NUL-terminated strings. 1 if equal. */
int eg_secure_streq(const char *a, const char *b);

#endif
