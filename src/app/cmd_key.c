/*
 * cmd_key.c — `egret key rotate` and `egret key status`: replace the master
 * key while servers keep running.
 *
 * A rotation (see docs/operations.md, "Key rotation"):
 *   1. writes a new key file (security.key_file + ".next": a new master key
 *      followed by the current token-hash key, see auth/crypto.h) and marks
 *      the rotation running in the database (table key_rotation);
 *   2. waits until every server has taken up the new key (each looks every
 *      security.key_refresh_s seconds) — from then on all of them write new
 *      values under the new key and read under both;
 *   3. re-encrypts every ID number and phone and recomputes its blind index,
 *      table by table in batches of --batch rows; each batch commits with
 *      its place, so a run killed midway resumes there;
 *   4. sweeps once more for a value still under the old key (a straggler
 *      written by a server that was late) and re-encrypts it;
 *   5. stores the new key's check value in the same transaction that marks
 *      the rotation finished, then keeps the old key file as
 *      key_file.retired-<its check value's first 12 hex> (older backups need
 *      it) and moves the new one into key_file's place.
 * Session and API-key hashes keep their key (auth/crypto.h says why); a
 * one-time registration code sent during the switch may need resending.
 */
#include "app/commands.h"
#include "app/key_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/crypto.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"
#include "db/key_check.h"

/* An encrypted column and the blind index kept beside it. */
struct rekey_column {
    const char *enc, *idx, *domain;
};

/* A table holding personal data under the master key, in rotation order. */
struct rekey_table {
    const char *name;
    const char *select; /* id and the encrypted columns, after ?, by id, LIMIT ? */
    struct rekey_column cols[2];
    int ncols;
};

static const struct rekey_table rekey_tables[] = {
    {.name = "people",
     .select = "SELECT id, id_number_enc, phone_enc FROM people WHERE id > ? ORDER BY id LIMIT ?",
     .cols = {{.enc = "id_number_enc", .idx = "id_number_idx", .domain = "idn:"},
              {.enc = "phone_enc", .idx = "phone_idx", .domain = "phone:"}},
     .ncols = 2},
    {.name = "mon_roster",
     .select = "SELECT id, phone_enc FROM mon_roster WHERE id > ? ORDER BY id LIMIT ?",
     .cols = {{.enc = "phone_enc", .idx = "phone_idx", .domain = "phone:"}},
     .ncols = 1},
};
#define N_REKEY_TABLES (sizeof rekey_tables / sizeof rekey_tables[0])

static const struct eg_audit_ctx key_ctx = {NULL, "", ""};

/* One batch of one table: the place it starts from and what it did. */
struct batch {
    const struct rekey_table *t;
    const struct eg_keys *keys; /* the new key, the old one chained behind */
    int64_t after_id, limit;
    int record;        /* 1: store the place reached in key_rotation */
    int64_t last_id;   /* out: the highest id seen */
    int64_t rows_seen; /* out */
    int64_t rewritten; /* out: values moved to the new key */
    int64_t bad_id;    /* out: a row whose value neither key opens */
};

/* Move one value of row id to the new key, unless it is there already. */
static enum eg_status rekey_value(struct eg_db *db, struct batch *b, struct eg_arena *a,
                                  const struct rekey_column *c, int64_t id, const char *enc)
{
    char sql[160], idx[65];
    if (eg_pii_decrypt_only(b->keys, a, enc))
        return EG_OK;
    char *plain = eg_pii_decrypt_only(eg_keys_prev(b->keys), a, enc);
    if (!plain) {
        b->bad_id = id;
        return EG_E_INTERNAL;
    }
    char *fresh = eg_pii_encrypt(b->keys, a, plain);
    if (!fresh)
        return EG_E_INTERNAL;
    eg_pii_blind_index(b->keys, c->domain, plain, idx);
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = ?, %s = ? WHERE id = ?", b->t->name, c->enc,
             c->idx);
    b->rewritten++;
    return eg_db_run(db, NULL, sql, "tti", fresh, idx, id);
}

/* The values of one batch are read first, then updated: a statement stays
 * open on neither engine while its table is written. */
struct row {
    int64_t id;
    char *enc[2];
};

static enum eg_status batch_tx(struct eg_db *db, void *arg)
{
    struct batch *b = arg;
    struct eg_stmt *st = NULL;
    struct eg_arena *a = eg_arena_new();
    struct row *rows = NULL;
    int64_t n = 0;
    enum eg_status rc = a ? EG_OK : EG_E_INTERNAL;
    b->last_id = b->after_id;
    b->rows_seen = b->rewritten = b->bad_id = 0;
    if (rc == EG_OK)
        rows = eg_arena_alloc(a, (size_t)b->limit * sizeof *rows);
    if (!rows)
        rc = EG_E_INTERNAL;
    if (rc == EG_OK)
        rc = eg_db_query(db, &st, b->t->select, "ii", b->after_id, b->limit);
    while (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        struct row *r = &rows[n++];
        r->id = eg_stmt_i64(st, 0);
        for (int i = 0; i < b->t->ncols; i++)
            r->enc[i] =
                eg_stmt_is_null(st, 1 + i) ? NULL : eg_arena_strdup(a, eg_stmt_text(st, 1 + i));
        rc = EG_OK;
    }
    if (rc == EG_DONE)
        rc = EG_OK;
    eg_stmt_done(st);
    for (int64_t i = 0; rc == EG_OK && i < n; i++) {
        for (int c = 0; rc == EG_OK && c < b->t->ncols; c++)
            if (rows[i].enc[c])
                rc = rekey_value(db, b, a, &b->t->cols[c], rows[i].id, rows[i].enc[c]);
        b->last_id = rows[i].id;
    }
    b->rows_seen = n;
    if (rc == EG_OK && b->record)
        rc = eg_db_key_rotation_progress(db, b->t->name, b->last_id, b->rewritten);
    eg_arena_destroy(a);
    return rc;
}

/* Go through tables from (step, after_id) to the end; record: keep the place. */
static int rekey_pass(struct eg_cli *cli, struct eg_db *db, const struct eg_keys *keys,
                      const char *step, int64_t after_id, int64_t limit, int pause_ms, int record,
                      int64_t *rewritten)
{
    size_t first = 0;
    for (size_t i = 0; *step && i < N_REKEY_TABLES; i++)
        if (strcmp(rekey_tables[i].name, step) == 0)
            first = i;
    for (size_t i = first; i < N_REKEY_TABLES; i++) {
        struct batch b = {.t = &rekey_tables[i], .keys = keys, .limit = limit, .record = record};
        b.after_id = i == first && *step ? after_id : 0;
        for (;;) {
            enum eg_status st = eg_db_tx(db, batch_tx, &b);
            if (st != EG_OK) {
                if (b.bad_id)
                    fprintf(stderr,
                            "egret %s: %s row %" PRId64 " holds a value that neither the old nor "
                            "the new key opens; nothing of this batch was changed\n",
                            cli->name, b.t->name, b.bad_id);
                else
                    fprintf(stderr, "egret %s: %s after id %" PRId64 ": %s\n", cli->name, b.t->name,
                            b.after_id, eg_db_errmsg(db));
                return 1;
            }
            *rewritten += b.rewritten;
            if (b.rows_seen > 0 && record)
                printf("%s: up to id %" PRId64 " (%" PRId64 " values re-encrypted)\n", b.t->name,
                       b.last_id, b.rewritten);
            fflush(stdout);
            if (b.rows_seen < limit)
                break;
            b.after_id = b.last_id;
            if (pause_ms > 0)
                usleep((useconds_t)pause_ms * 1000);
        }
    }
    return 0;
}

struct start_ctx {
    const char *next_check;
};

static enum eg_status start_tx(struct eg_db *db, void *arg)
{
    struct start_ctx *s = arg;
    enum eg_status rc = eg_db_key_rotation_start(db, s->next_check);
    if (rc == EG_OK) {
        char summary[128];
        snprintf(summary, sizeof summary, "{\"new_key_check\":\"%.12s\"}", s->next_check);
        rc = eg_audit_append(db, &key_ctx, "key.rotation_start", "key_check", "1", summary);
    }
    return rc;
}

struct finish_ctx {
    int64_t rows;
};

static enum eg_status finish_tx(struct eg_db *db, void *arg)
{
    struct finish_ctx *f = arg;
    enum eg_status rc = eg_db_key_rotation_finish(db);
    if (rc == EG_OK) {
        char summary[128];
        snprintf(summary, sizeof summary, "{\"values_reencrypted\":%" PRId64 "}", f->rows);
        rc = eg_audit_append(db, &key_ctx, "key.rotation_finish", "key_check", "1", summary);
    }
    return rc;
}

/* fsync the folder holding path, so that a rename survives a crash. */
static void sync_parent(const char *path)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Keep the old key file as .retired-<check>, then move .next into its place. */
static int swap_key_files(struct eg_cli *cli, const struct eg_keys *old)
{
    char next_path[600], retired[640], cv[65];
    eg_key_ring_next_path(&cli->cfg, next_path, sizeof next_path);
    eg_keys_check_value(old, cv);
    snprintf(retired, sizeof retired, "%s.retired-%.12s", cli->cfg.key_file, cv);
    if (link(cli->cfg.key_file, retired) != 0 && errno != EEXIST) {
        fprintf(stderr, "egret %s: cannot keep the old key as %s: %s\n", cli->name, retired,
                strerror(errno));
        return 1;
    }
    if (rename(next_path, cli->cfg.key_file) != 0) {
        fprintf(stderr, "egret %s: cannot move %s to %s: %s\n", cli->name, next_path,
                cli->cfg.key_file, strerror(errno));
        return 1;
    }
    sync_parent(cli->cfg.key_file);
    printf("the new key is now %s; the old one is kept as %s (backups made before this rotation "
           "need it)\n",
           cli->cfg.key_file, retired);
    return 0;
}

/* An option as a number in [lo, hi], or def when absent; -1 when bad. */
static long option_number(struct eg_cli *cli, const char *name, long def, long lo, long hi)
{
    const char *v = eg_cli_take(cli, name);
    if (!v)
        return def;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi) {
        fprintf(stderr, "egret %s: --%s must be a whole number from %ld to %ld\n", cli->name, name,
                lo, hi);
        return -1;
    }
    return n;
}

/* Wait until every server has had the time to take up the new key. */
static void settle(const struct eg_db_key_state *ks, long settle_s)
{
    int64_t until = ks->rotation_started_at + settle_s;
    if (eg_now() < until)
        printf("waiting %" PRId64 " s for running servers to take up the new key\n",
               until - eg_now());
    fflush(stdout);
    while (eg_now() < until)
        sleep(1);
}

int eg_cmd_key_rotate(struct eg_cli *cli)
{
    long batch = option_number(cli, "batch", 500, 1, 100000);
    long pause_ms = option_number(cli, "pause-ms", 0, 0, 60000);
    long settle_s = option_number(cli, "settle-s", 2L * cli->cfg.key_refresh_s + 5, 0, 86400);
    if (batch < 0 || pause_ms < 0 || settle_s < 0)
        return 2;
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    if (cli->cfg.master_key_hex[0] != '\0') {
        fprintf(stderr,
                "egret %s: security.master_key is set in the configuration; a rotation writes "
                "the new key to a file, so configure security.key_file instead. Nothing was "
                "changed.\n",
                cli->name);
        return 1;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    struct eg_db_key_state ks;
    char next_path[600], next_check[65];
    rc = 1;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    eg_key_ring_next_path(&cli->cfg, next_path, sizeof next_path);
    if (eg_db_key_state_read(db, &ks) != EG_OK || !ks.has_check) {
        fprintf(stderr, "egret %s: the database has no key check value; run egret migrate\n",
                cli->name);
        goto out;
    }
    if (ks.rotation == 2 && eg_keys_prev(keys)) {
        printf("the rotation had finished in the database; completing the key files\n");
        rc = swap_key_files(cli, eg_keys_prev(keys));
        goto out;
    }
    if (ks.rotation != 1) {
        struct eg_keys *next = NULL;
        int existed = 0;
        if (eg_keys_create_next(next_path, keys, &next, &existed) != EG_OK) {
            fprintf(stderr, "egret %s: cannot write the new key file %s\n", cli->name, next_path);
            goto out;
        }
        eg_keys_check_value(next, next_check);
        struct start_ctx s = {.next_check = next_check};
        if (eg_db_tx(db, start_tx, &s) != EG_OK) {
            fprintf(stderr, "egret %s: cannot start the rotation: %s\n", cli->name,
                    eg_db_errmsg(db));
            eg_keys_free(next);
            goto out;
        }
        eg_keys_chain(next, keys);
        keys = next;
        eg_keys_replace_global(keys);
        printf("rotation started: new key %s (check %.12s)\n", next_path, next_check);
        if (eg_db_key_state_read(db, &ks) != EG_OK)
            goto out;
    } else {
        printf("resuming the rotation at %s after id %" PRId64 " (%" PRId64
               " values re-encrypted so far)\n",
               *ks.step ? ks.step : "the start", ks.after_id, ks.rows_done);
    }
    settle(&ks, settle_s);
    int64_t rewritten = 0, stragglers = 0;
    if (rekey_pass(cli, db, keys, ks.step, ks.after_id, batch, (int)pause_ms, 1, &rewritten) != 0)
        goto out;
    /* Anything a late server wrote under the old key meanwhile. */
    if (rekey_pass(cli, db, keys, "", 0, batch, 0, 0, &stragglers) != 0)
        goto out;
    struct finish_ctx f = {.rows = ks.rows_done + rewritten + stragglers};
    if (eg_db_tx(db, finish_tx, &f) != EG_OK) {
        fprintf(stderr, "egret %s: cannot finish the rotation: %s\n", cli->name, eg_db_errmsg(db));
        goto out;
    }
    eg_log(EG_LOG_INFO, "event=key_rotation_finished values=%" PRId64 " stragglers=%" PRId64,
           f.rows, stragglers);
    printf("rotation finished: %" PRId64 " values re-encrypted (%" PRId64
           " written meanwhile under the old key)\n",
           f.rows, stragglers);
    rc = swap_key_files(cli, eg_keys_prev(keys));
out:
    eg_db_close(db);
    eg_keys_free(keys);
    return rc;
}

int eg_cmd_key_status(struct eg_cli *cli)
{
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    struct eg_db_key_state ks;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    rc = 1;
    if (eg_db_key_state_read(db, &ks) == EG_OK) {
        rc = 0;
        printf("key check: %.12s\n", ks.has_check ? ks.check_value : "(none)");
        if (ks.rotation == 0)
            printf("rotation: none\n");
        else
            printf("rotation: %s, new key %.12s, at %s after id %" PRId64 ", %" PRId64
                   " values re-encrypted\n",
                   ks.rotation == 1 ? "running" : "finished", ks.next_check_value,
                   *ks.step ? ks.step : "the start", ks.after_id, ks.rows_done);
    }
    eg_db_close(db);
    eg_keys_free(keys);
    return rc;
}
