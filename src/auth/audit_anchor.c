/*
 * audit_anchor.c — signing and checking anchors of the audit chain head
 * (see audit_anchor.h).
 */
#include "auth/audit_anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"

#define ANCHOR_TAG "egret-audit-anchor v1"
#define SIGNED_TAG "egret.audit.anchor.v1"

void eg_audit_anchor_keypair(unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                             unsigned char sk[EG_ANCHOR_SECRET_BYTES])
{
    crypto_sign_keypair(pk, sk);
}

/* Write n bytes as hex and a newline to a new file of the given mode. */
static enum eg_status write_hex_file(const char *path, const unsigned char *bytes, size_t n,
                                     mode_t mode)
{
    char hex[2 * EG_ANCHOR_SECRET_BYTES + 2];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return errno == EEXIST ? EG_E_DUPLICATE : EG_E_INTERNAL;
    sodium_bin2hex(hex, sizeof hex, bytes, n);
    size_t len = strlen(hex);
    hex[len++] = '\n';
    enum eg_status rc = EG_OK;
    if (write(fd, hex, len) != (ssize_t)len || fsync(fd) != 0)
        rc = EG_E_INTERNAL;
    sodium_memzero(hex, sizeof hex);
    if (close(fd) != 0)
        rc = EG_E_INTERNAL;
    return rc;
}

enum eg_status eg_audit_anchor_keys_write(const char *secret_path, const char *public_path,
                                          const unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                                          const unsigned char sk[EG_ANCHOR_SECRET_BYTES])
{
    struct stat sb;
    if (stat(secret_path, &sb) == 0 || stat(public_path, &sb) == 0)
        return EG_E_DUPLICATE;
    enum eg_status rc = write_hex_file(secret_path, sk, EG_ANCHOR_SECRET_BYTES, 0600);
    if (rc == EG_OK)
        rc = write_hex_file(public_path, pk, EG_ANCHOR_PUBLIC_BYTES, 0644);
    return rc;
}

enum eg_status eg_audit_anchor_key_read(const char *path, unsigned char *out, size_t n,
                                        int refuse_open_mode)
{
    char text[2 * EG_ANCHOR_SECRET_BYTES + 8];
    struct stat sb;
    size_t bin_len = 0;
    const char *end = NULL;
    enum eg_status rc = EG_OK;
    if (n > EG_ANCHOR_SECRET_BYTES)
        return EG_E_INVALID_FIELD;
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? EG_E_NOT_FOUND : EG_E_INTERNAL;
    if (refuse_open_mode && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077) != 0) {
        rc = EG_E_FORBIDDEN;
        goto out;
    }
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (len != 2 * n || sodium_hex2bin(out, n, text, len, NULL, &bin_len, &end) != 0 ||
        bin_len != n || *end != '\0')
        rc = EG_E_INVALID_FIELD;
out:
    sodium_memzero(text, sizeof text);
    fclose(f);
    return rc;
}

enum eg_status eg_audit_anchor_head(struct eg_db *db, int64_t at, struct eg_audit_anchor *out)
{
    struct eg_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    out->at = at;
    enum eg_status rc = eg_db_query(db, &st, "SELECT seq, hash FROM audit_head WHERE id = 1", "");
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        out->seq = eg_stmt_i64(st, 0);
        eg_stmt_copy_text(st, 1, out->hash, sizeof out->hash);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_NOT_FOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* The bytes a signature covers. */
static int signed_text(const struct eg_audit_anchor *a, char *buf, size_t size)
{
    return snprintf(buf, size, SIGNED_TAG "\n%" PRId64 "\n%s\n%" PRId64, a->seq, a->hash, a->at);
}

/* 64 lower-case hex digits. */
static int is_hash(const char *h)
{
    if (strlen(h) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return 0;
    return 1;
}

enum eg_status eg_audit_anchor_format(const struct eg_audit_anchor *a,
                                      const unsigned char sk[EG_ANCHOR_SECRET_BYTES], char *line,
                                      size_t size)
{
    char msg[160];
    unsigned char sig[crypto_sign_BYTES];
    char sig_hex[2 * crypto_sign_BYTES + 1];
    if (!is_hash(a->hash) || a->seq < 0)
        return EG_E_INVALID_FIELD;
    int n = signed_text(a, msg, sizeof msg);
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, (unsigned long long)n, sk);
    sodium_bin2hex(sig_hex, sizeof sig_hex, sig, sizeof sig);
    int w = snprintf(line, size, ANCHOR_TAG " seq=%" PRId64 " hash=%s at=%" PRId64 " sig=%s\n",
                     a->seq, a->hash, a->at, sig_hex);
    return w < 0 || (size_t)w >= size ? EG_E_TOO_LARGE : EG_OK;
}

/* A whole decimal number, at least 0. */
static int parse_count(const char *s, int64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    *out = v;
    return 1;
}

enum eg_status eg_audit_anchor_parse(const char *line,
                                     const unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                                     struct eg_audit_anchor *out)
{
    char seq[24], hash[72], at[24], sig_hex[136], msg[160];
    unsigned char sig[crypto_sign_BYTES];
    size_t sig_len = 0;
    const char *end = NULL;
    int used = 0;
    memset(out, 0, sizeof *out);
    if (strncmp(line, ANCHOR_TAG " ", sizeof ANCHOR_TAG) != 0)
        return EG_E_INVALID_FIELD;
    if (sscanf(line + sizeof ANCHOR_TAG,
               "seq=%23[0-9] hash=%71[0-9a-f] at=%23[0-9] sig=%135[0-9a-f]%n", seq, hash, at,
               sig_hex, &used) != 4)
        return EG_E_INVALID_FIELD;
    const char *rest = line + sizeof ANCHOR_TAG + used;
    if (strcmp(rest, "") != 0 && strcmp(rest, "\n") != 0)
        return EG_E_INVALID_FIELD;
    if (!parse_count(seq, &out->seq) || !parse_count(at, &out->at) || !is_hash(hash) ||
        strlen(sig_hex) != 2 * crypto_sign_BYTES ||
        sodium_hex2bin(sig, sizeof sig, sig_hex, strlen(sig_hex), NULL, &sig_len, &end) != 0 ||
        sig_len != sizeof sig)
        return EG_E_INVALID_FIELD;
    memcpy(out->hash, hash, 65);
    int n = signed_text(out, msg, sizeof msg);
    if (crypto_sign_verify_detached(sig, (const unsigned char *)msg, (unsigned long long)n, pk) !=
        0)
        return EG_E_BAD_SIGNATURE;
    return EG_OK;
}

enum eg_status eg_audit_anchor_append(const char *path, const char *line)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return EG_E_INTERNAL;
    size_t len = strlen(line);
    enum eg_status rc = EG_OK;
    if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0)
        rc = EG_E_INTERNAL;
    if (close(fd) != 0)
        rc = EG_E_INTERNAL;
    return rc;
}

enum eg_status eg_audit_anchor_check(struct eg_db *db, const struct eg_audit_anchor *a,
                                     enum eg_anchor_verdict *verdict, int64_t *head_seq)
{
    struct eg_audit_anchor head;
    char stored[65] = "";
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_audit_anchor_head(db, 0, &head);
    if (rc != EG_OK)
        return rc;
    *head_seq = head.seq;
    *verdict = EG_ANCHOR_HOLDS;
    if (head.seq < a->seq) {
        *verdict = EG_ANCHOR_TRUNCATED;
        return EG_OK;
    }
    if (a->seq == 0)
        return EG_OK; /* an anchor of the empty trail holds while the head does not go back */
    rc = eg_db_query(db, &st, "SELECT hash FROM audit_events WHERE seq = ?", "i", a->seq);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW)
        eg_stmt_copy_text(st, 0, stored, sizeof stored);
    eg_stmt_done(st);
    if (rc != EG_ROW && rc != EG_DONE)
        return rc;
    /* A missing event at or below the head is a deletion: the signed hash is gone. */
    if (rc == EG_DONE || strcmp(stored, a->hash) != 0)
        *verdict = EG_ANCHOR_REWRITTEN;
    return EG_OK;
}

enum eg_status eg_audit_anchor_check_file(struct eg_db *db, const char *path,
                                          const unsigned char pk[EG_ANCHOR_PUBLIC_BYTES],
                                          struct eg_anchor_file_report *report)
{
    char line[EG_ANCHOR_LINE_MAX + 2];
    struct eg_audit_anchor a;
    enum eg_status rc = EG_OK;
    memset(report, 0, sizeof *report);
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? EG_E_NOT_FOUND : EG_E_INTERNAL;
    int64_t lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        rc = eg_audit_anchor_parse(line, pk, &a);
        if (rc != EG_OK) {
            report->line = lineno;
            report->line_status = rc;
            break;
        }
        enum eg_anchor_verdict v;
        rc = eg_audit_anchor_check(db, &a, &v, &report->head_seq);
        if (rc != EG_OK)
            break;
        report->anchors++;
        if (v != EG_ANCHOR_HOLDS) {
            report->line = lineno;
            report->verdict = v;
            report->failed = a;
            rc = EG_E_CONFLICT;
            break;
        }
        if (a.seq >= report->newest.seq)
            report->newest = a;
    }
    fclose(f);
    if (rc == EG_OK && report->anchors == 0)
        rc = EG_E_UNPROCESSABLE;
    return rc;
}
