/*
 * audit_anchor.h — signed anchors of the audit trail's chain head.
 *
 * The hash chain (audit.h) shows an edit or a deletion in the middle, but
 * whoever can write the database can also cut off the newest events and
 * move the head back: a shorter chain that still verifies. An anchor is the
 * head (sequence number and hash) at a moment, signed with an Ed25519 key
 * and kept outside the database, one line per anchor in an append-only
 * file:
 *
 *   egret-audit-anchor v1 seq=<n> hash=<64 hex> at=<unix s> sig=<128 hex>
 *
 * The signature covers "egret.audit.anchor.v1\n<seq>\n<hash>\n<at>". Checking
 * an anchor against a database finds a truncation (the head is below the
 * anchor's sequence) and a rewrite (the event at that sequence has another
 * hash than the one signed).
 */
#ifndef EG_AUTH_AUDIT_ANCHOR_H
#define EG_AUTH_AUDIT_ANCHOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct eg_db;

#define EG_ANCHOR_PUBLIC_BYTES 32
#define EG_ANCHOR_SECRET_BYTES 64
/* Longest anchor line, with its newline and terminator. */
#define EG_ANCHOR_LINE_MAX 320

struct eg_audit_anchor {
    int64_t seq;   /* the chain head's sequence number (0: an empty trail) */
    char hash[65]; /* its hash, hex (64 zeros for an empty trail) */
    int64_t at;    /* when the anchor was made, Unix seconds */
};

/* What checking an anchor against a database found. */
enum eg_anchor_verdict {
    EG_ANCHOR_HOLDS,     /* the trail still contains the anchored head */
    EG_ANCHOR_TRUNCATED, /* the head is below the anchor's sequence */
    EG_ANCHOR_REWRITTEN, /* the event at the anchor's sequence has another hash */
};

/* A fresh key pair (libsodium crypto_sign_keypair). */
void eg_audit_anchor_keypair(unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                             unsigned char sk[EG_ANCHOR_SECRET_BYTES]);

/*
 * Write the key pair as hex text: the secret key to secret_path (created
 * 0600, never overwritten) and the public key to public_path (0644, never
 * overwritten). EG_E_DUPLICATE if either exists, EG_E_INTERNAL on an I/O
 * error (errno set).
 */
enum eg_status eg_audit_anchor_keys_write(const char *secret_path, const char *public_path,
                                          const unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                                          const unsigned char sk[EG_ANCHOR_SECRET_BYTES]);

/*
 * Read a hex key file of n bytes (32 for a public key, 64 for a secret one)
 * into out. A secret key file readable by group or others is refused
 * (EG_E_FORBIDDEN) when refuse_open_mode is set. EG_E_NOT_FOUND when
 * missing, EG_E_INVALID_FIELD when it does not hold exactly one key.
 */
enum eg_status eg_audit_anchor_key_read(const char *path, unsigned char *out, size_t n,
                                        int refuse_open_mode);

/* The current chain head of db as an anchor made at `at` (not yet signed). */
enum eg_status eg_audit_anchor_head(struct eg_db *db, int64_t at, struct eg_audit_anchor *out);

/*
 * Sign a and write its line (with the newline) into line (size at least
 * EG_ANCHOR_LINE_MAX). EG_E_TOO_LARGE when size is too small.
 */
enum eg_status eg_audit_anchor_format(const struct eg_audit_anchor *a,
                                      const unsigned char sk[EG_ANCHOR_SECRET_BYTES], char *line,
                                      size_t size);

/*
 * Parse one anchor line (trailing newline allowed) and check its signature
 * with pk. EG_E_INVALID_FIELD when malformed, EG_E_BAD_SIGNATURE when the
 * signature does not match (a forged or altered line, or another key).
 */
enum eg_status eg_audit_anchor_parse(const char *line,
                                     const unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                                     struct eg_audit_anchor *out);

/* Append line to the anchor file at path (created 0644) and fsync it. */
enum eg_status eg_audit_anchor_append(const char *path, const char *line);

/*
 * Check anchor a against db: *verdict says whether the trail still holds
 * the anchored head; *head_seq gets the head's sequence now. Only the
 * anchor's event is compared: the chain between is eg_audit_verify's job.
 */
enum eg_status eg_audit_anchor_check(struct eg_db *db, const struct eg_audit_anchor *a,
                                     enum eg_anchor_verdict *verdict, int64_t *head_seq);

/* The outcome of checking every line of an anchor file. */
struct eg_anchor_file_report {
    int64_t anchors;                /* lines checked */
    int64_t line;                   /* the first bad line (1-based), 0 if none */
    enum eg_status line_status;     /* why that line is bad (malformed, bad signature) */
    enum eg_anchor_verdict verdict; /* the first anchor that does not hold */
    struct eg_audit_anchor failed;  /* that anchor */
    int64_t head_seq;               /* the database's head */
    struct eg_audit_anchor newest;  /* the highest anchor that holds */
};

/*
 * Check every anchor in the file at path against db, stopping at the first
 * line that is malformed or badly signed (EG_E_BAD_SIGNATURE or
 * EG_E_INVALID_FIELD, report->line set) or that does not hold
 * (EG_E_CONFLICT, report->verdict and ->failed set). EG_E_NOT_FOUND when the
 * file is missing; an empty file is EG_E_UNPROCESSABLE (nothing anchors the
 * trail). EG_OK when every anchor holds.
 */
enum eg_status eg_audit_anchor_check_file(struct eg_db *db, const char *path,
                                          const unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                                          struct eg_anchor_file_report *report);

#endif
