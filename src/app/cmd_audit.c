/*
 * cmd_audit.c — the audit trail's subcommands: audit verify (the hash chain,
 * and with --anchor the signed anchors of its head), audit anchor (sign the
 * head and append it to an anchor file kept outside the database) and audit
 * keygen (the Ed25519 key pair that signs anchors). See docs/operations.md.
 */
#include "app/commands.h"
#include "app/job_runs.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/audit_anchor.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

/* Check the anchors of anchor_path (signed by the key in pub_path); 0 when they hold. */
static int verify_anchors(struct eg_cli *cli, struct eg_db *db, const char *anchor_path,
                          const char *pub_path)
{
    unsigned char pk[EG_ANCHOR_PUBLIC_BYTES];
    struct eg_anchor_file_report r;
    enum eg_status st = eg_audit_anchor_key_read(pub_path, pk, sizeof pk, 0);
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot read the public key %s: %s\n", cli->name, pub_path,
                st == EG_E_NOT_FOUND ? "no such file" : "not one hex Ed25519 public key");
        return 1;
    }
    st = eg_audit_anchor_check_file(db, anchor_path, pk, &r);
    switch (st) {
    case EG_OK:
        printf("anchors hold: %" PRId64 " checked, newest at event %" PRId64 " (head now %" PRId64
               ")\n",
               r.anchors, r.newest.seq, r.head_seq);
        return 0;
    case EG_E_NOT_FOUND:
        fprintf(stderr, "egret %s: no anchor file %s\n", cli->name, anchor_path);
        return 1;
    case EG_E_UNPROCESSABLE:
        printf("anchors BROKEN: %s holds no anchor\n", anchor_path);
        return 1;
    case EG_E_BAD_SIGNATURE:
    case EG_E_INVALID_FIELD:
        printf("anchors BROKEN: line %" PRId64 " of %s is %s\n", r.line, anchor_path,
               st == EG_E_BAD_SIGNATURE ? "not signed by this key (forged or altered)"
                                        : "not an anchor line");
        return 1;
    case EG_E_CONFLICT:
        if (r.verdict == EG_ANCHOR_TRUNCATED)
            printf("audit trail TRUNCATED: the head is at event %" PRId64 " but line %" PRId64
                   " anchors event %" PRId64 " (newer events were deleted)\n",
                   r.head_seq, r.line, r.failed.seq);
        else
            printf("audit trail REWRITTEN: event %" PRId64 " no longer has the hash anchored "
                   "on line %" PRId64 " (the trail was rolled back and written again)\n",
                   r.failed.seq, r.line);
        eg_log(EG_LOG_ERROR, "event=audit_anchor_broken verdict=%s seq=%" PRId64 " head=%" PRId64,
               r.verdict == EG_ANCHOR_TRUNCATED ? "truncated" : "rewritten", r.failed.seq,
               r.head_seq);
        return 1;
    default:
        fprintf(stderr, "egret %s: %s (%s)\n", cli->name, eg_status_message(st), eg_db_errmsg(db));
        return 1;
    }
}

int eg_cmd_audit_verify(struct eg_cli *cli)
{
    const char *anchor = eg_cli_take(cli, "anchor");
    const char *pub = eg_cli_take(cli, "pubkey");
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    if ((anchor == NULL) != (pub == NULL)) {
        fprintf(stderr, "egret %s: --anchor FILE and --pubkey PUB go together\n", cli->name);
        return 2;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    int64_t count = 0, first_bad = 0;
    enum eg_status st = eg_audit_verify(db, &count, &first_bad);
    if (st == EG_OK)
        printf("audit trail intact: %lld events\n", (long long)count);
    else if (st == EG_E_CONFLICT)
        printf("audit trail BROKEN at event %lld (%lld events before it are intact)\n",
               (long long)first_bad, (long long)count);
    else
        fprintf(stderr, "egret audit verify: %s\n", eg_status_message(st));
    rc = st == EG_OK ? 0 : 1;
    if (anchor && verify_anchors(cli, db, anchor, pub) != 0)
        rc = 1;
    eg_db_close(db);
    eg_keys_free(keys);
    return rc;
}

int eg_cmd_audit_anchor(struct eg_cli *cli)
{
    const char *key_path = eg_cli_take(cli, "key");
    const char *out_path = eg_cli_take(cli, "out");
    unsigned char *sk = NULL;
    char line[EG_ANCHOR_LINE_MAX];
    struct eg_audit_anchor a;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    memset(&a, 0, sizeof a); /* a.at is recorded even when the key cannot be read */
    if (!key_path || !out_path) {
        fprintf(stderr, "usage: egret audit anchor --key KEYFILE --out FILE\n");
        return 2;
    }
    sk = sodium_malloc(EG_ANCHOR_SECRET_BYTES);
    if (!sk)
        return 1;
    rc = 1;
    enum eg_status st = eg_audit_anchor_key_read(key_path, sk, EG_ANCHOR_SECRET_BYTES, 1);
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot use the signing key %s: %s\n", cli->name, key_path,
                st == EG_E_NOT_FOUND   ? "no such file (make one with egret audit keygen)"
                : st == EG_E_FORBIDDEN ? "readable by others; chmod 600 it"
                                       : "not one hex Ed25519 secret key");
        goto out;
    }
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        goto out;
    a.at = eg_now();
    st = eg_audit_anchor_head(db, a.at, &a);
    if (st == EG_OK)
        st = eg_audit_anchor_format(&a, sk, line, sizeof line);
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot read the chain head: %s (%s)\n", cli->name,
                eg_status_message(st), eg_db_errmsg(db));
        goto out;
    }
    if (eg_audit_anchor_append(out_path, line) != EG_OK) {
        fprintf(stderr, "egret %s: cannot append to %s: %s\n", cli->name, out_path,
                strerror(errno));
        goto out;
    }
    eg_log(EG_LOG_INFO, "event=audit_anchored seq=%" PRId64 " file=%s", a.seq, out_path);
    printf("anchored event %" PRId64 " (%s) in %s\n", a.seq, a.hash, out_path);
    rc = 0;
out:
    if (db)
        eg_job_run_record(db, "audit.anchor", a.at, rc == 0, "");
    sodium_free(sk);
    eg_db_close(db);
    eg_keys_free(keys);
    return rc;
}

int eg_cmd_audit_keygen(struct eg_cli *cli)
{
    const char *key_path = eg_cli_take(cli, "key");
    const char *pub_arg = eg_cli_take(cli, "pub");
    char pub_path[1024];
    unsigned char pk[EG_ANCHOR_PUBLIC_BYTES];
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    if (!key_path) {
        fprintf(stderr, "usage: egret audit keygen --key KEYFILE [--pub PUBFILE]\n");
        return 2;
    }
    int n = pub_arg ? snprintf(pub_path, sizeof pub_path, "%s", pub_arg)
                    : snprintf(pub_path, sizeof pub_path, "%s.pub", key_path);
    if (n < 0 || (size_t)n >= sizeof pub_path) {
        fprintf(stderr, "egret %s: path too long\n", cli->name);
        return 2;
    }
    unsigned char *sk = sodium_malloc(EG_ANCHOR_SECRET_BYTES);
    if (!sk)
        return 1;
    eg_audit_anchor_keypair(pk, sk);
    enum eg_status st = eg_audit_anchor_keys_write(key_path, pub_path, pk, sk);
    sodium_free(sk);
    if (st == EG_E_DUPLICATE) {
        fprintf(stderr, "egret %s: %s or %s exists already; nothing was written\n", cli->name,
                key_path, pub_path);
        return 1;
    }
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot write the keys: %s\n", cli->name, strerror(errno));
        return 1;
    }
    printf("signing key %s (mode 0600; keep it away from the database host's backups)\n"
           "public key %s (give it to whoever verifies)\n",
           key_path, pub_path);
    return 0;
}
