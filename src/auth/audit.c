/*
 * audit.c — the hash-chained audit trail (see audit.h).
 *
 * Appending: read the chain head, hash the new event over the head's hash
 * and the event's fields, move the head (guarded by its old seq, so that two
 * writers that read the same head cannot both succeed), then insert the
 * event. On PostgreSQL the head's row lock serialises writers; a writer that
 * lost the race gets a serialization failure and its transaction is retried
 * by eg_db_tx().
 */
#include "auth/audit.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

#define VERIFY_PAGE 500

/* Length-prefixed string: 8-byte big-endian length, then the bytes. */
static void put_str(crypto_generichash_state *s, const char *v)
{
    size_t n = v ? strlen(v) : 0;
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    crypto_generichash_update(s, len, sizeof len);
    if (n)
        crypto_generichash_update(s, (const unsigned char *)v, n);
}

/* A 64-bit integer as 8 bytes, big-endian two's complement. */
static void put_i64(crypto_generichash_state *s, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
    crypto_generichash_update(s, b, sizeof b);
}

/*
 * The encoding is fixed forever (a change would break every stored chain):
 * a version tag, prev_hash, then every field in declaration order.
 */
void eg_audit_hash(const struct eg_audit_event *ev, char out[65])
{
    unsigned char h[32];
    crypto_generichash_state s;
    crypto_generichash_init(&s, NULL, 0, sizeof h);
    put_str(&s, "egret.audit.v1");
    put_str(&s, ev->prev_hash);
    put_i64(&s, ev->seq);
    put_i64(&s, ev->at);
    put_i64(&s, ev->actor_user_id);
    put_str(&s, ev->actor);
    put_str(&s, ev->actor_role);
    put_str(&s, ev->action);
    put_str(&s, ev->entity);
    put_str(&s, ev->entity_id);
    put_str(&s, ev->summary);
    put_str(&s, ev->address);
    put_str(&s, ev->request_id);
    crypto_generichash_final(&s, h, sizeof h);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Copy at most 64 hex characters of a stored hash into a 65-byte buffer. */
static void copy_hash(char dst[65], const char *src)
{
    size_t n = strnlen(src ? src : "", 64);
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* Read the chain head: its seq and hash. */
static enum eg_status read_head(struct eg_db *db, int64_t *seq, char hash[65])
{
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(db, &st, "SELECT seq, hash FROM audit_head WHERE id = 1", "");
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *seq = eg_stmt_i64(st, 0);
        copy_hash(hash, eg_stmt_text(st, 1));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_DB; /* the migration always creates the head row */
    }
    eg_stmt_done(st);
    return rc;
}

enum eg_status eg_audit_append(struct eg_db *db, const struct eg_audit_ctx *ctx, const char *action,
                               const char *entity, const char *entity_id, const char *summary_json)
{
    enum eg_status rc;
    struct eg_audit_event ev;
    char actor_buf[64];
    int64_t changed = 0;

    if (!eg_db_in_tx(db)) {
        eg_log(EG_LOG_ERROR, "event=audit_outside_transaction action=%s", action);
        return EG_E_INTERNAL;
    }
    memset(&ev, 0, sizeof ev);
    rc = read_head(db, &ev.seq, ev.prev_hash);
    if (rc != EG_OK)
        goto out;
    ev.seq += 1;
    ev.at = eg_now();
    const struct eg_principal *who = ctx ? ctx->who : NULL;
    if (!who || who->role == EG_ROLE_NONE) {
        ev.actor = "system";
        ev.actor_role = "system";
        ev.actor_user_id = 0;
    } else {
        if (who->login[0] != '\0')
            snprintf(actor_buf, sizeof actor_buf, "%s", who->login);
        else if (who->api_key_id > 0)
            snprintf(actor_buf, sizeof actor_buf, "key:%lld", (long long)who->api_key_id);
        else
            snprintf(actor_buf, sizeof actor_buf, "user:%lld", (long long)who->user_id);
        ev.actor = actor_buf;
        ev.actor_role = eg_role_name(who->role);
        ev.actor_user_id = who->user_id;
    }
    ev.action = action ? action : "";
    ev.entity = entity ? entity : "";
    ev.entity_id = entity_id ? entity_id : "";
    ev.summary = summary_json ? summary_json : "{}";
    ev.address = ctx && ctx->address ? ctx->address : "";
    ev.request_id = ctx && ctx->request_id ? ctx->request_id : "";
    eg_audit_hash(&ev, ev.hash);

    /* Move the head first: its row lock orders concurrent appenders. */
    rc = eg_db_run(db, &changed, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?",
                   "iti", ev.seq, ev.hash, ev.seq - 1);
    if (rc != EG_OK)
        goto out;
    if (changed != 1) {
        rc = EG_E_BUSY;
        goto out;
    }
    rc = eg_db_run(db, NULL,
                   "INSERT INTO audit_events (seq, at, actor_user_id, actor, actor_role, action, "
                   "entity, entity_id, summary, address, request_id, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   "iiitttttttttt", ev.seq, ev.at, ev.actor_user_id, ev.actor, ev.actor_role,
                   ev.action, ev.entity, ev.entity_id, ev.summary, ev.address, ev.request_id,
                   ev.prev_hash, ev.hash);
    if (rc == EG_E_DUPLICATE) {
        /* An event already sits past the head: the trail was written around. */
        eg_log(EG_LOG_ERROR, "event=audit_head_behind seq=%lld", (long long)ev.seq);
        rc = EG_E_CONFLICT;
    }
out:
    return rc;
}

/*
 * Walk the events with seq in (from, to] in order, continuing the chain from
 * *last_seq / last_hash. Stops at the first bad link (*bad set) or the end.
 */
static enum eg_status verify_page(struct eg_db *db, int64_t to, int64_t *last_seq,
                                  char last_hash[65], int64_t *count, int64_t *bad, int *got)
{
    struct eg_stmt *st = NULL;
    struct eg_audit_event ev;
    char want[65];
    *got = 0;
    enum eg_status rc = eg_db_query(
        db, &st,
        "SELECT seq, at, actor_user_id, actor, actor_role, action, entity, entity_id, summary, "
        "address, request_id, prev_hash, hash FROM audit_events WHERE seq > ? AND seq <= ? "
        "ORDER BY seq LIMIT 500", /* VERIFY_PAGE */
        "ii", *last_seq, to);
    while (eg_db_next(st, &rc)) {
        memset(&ev, 0, sizeof ev);
        ev.seq = eg_stmt_i64(st, 0);
        ev.at = eg_stmt_i64(st, 1);
        ev.actor_user_id = eg_stmt_i64(st, 2);
        ev.actor = eg_stmt_text(st, 3);
        ev.actor_role = eg_stmt_text(st, 4);
        ev.action = eg_stmt_text(st, 5);
        ev.entity = eg_stmt_text(st, 6);
        ev.entity_id = eg_stmt_text(st, 7);
        ev.summary = eg_stmt_text(st, 8);
        ev.address = eg_stmt_text(st, 9);
        ev.request_id = eg_stmt_text(st, 10);
        copy_hash(ev.prev_hash, eg_stmt_text(st, 11));
        const char *stored = eg_stmt_text(st, 12);
        (*got)++;
        if (ev.seq != *last_seq + 1) {
            *bad = *last_seq + 1; /* a gap: that event was deleted */
            break;
        }
        if (strcmp(ev.prev_hash, last_hash) != 0) {
            *bad = ev.seq;
            break;
        }
        eg_audit_hash(&ev, want);
        if (strlen(stored) != 64 || strcmp(want, stored) != 0) {
            *bad = ev.seq;
            break;
        }
        *last_seq = ev.seq;
        memcpy(last_hash, want, 65);
        (*count)++;
    }
    eg_stmt_done(st);
    if (rc == EG_OK)
        rc = EG_OK;
    return rc;
}

/*
 * Verification reads the head first and then the events up to the head's
 * seq, so appends committed meanwhile are neither needed nor reported.
 * Afterwards an event past the head is only a fault if the head has not
 * moved in the meantime (otherwise it is simply a newer append).
 */
enum eg_status eg_audit_verify(struct eg_db *db, int64_t *count, int64_t *first_bad)
{
    int64_t head_seq = 0, last_seq = 0, bad = 0, beyond = 0;
    char head_hash[65], last_hash[65];
    *count = 0;
    *first_bad = 0;
    memset(last_hash, '0', 64);
    last_hash[64] = '\0';

    enum eg_status rc = read_head(db, &head_seq, head_hash);
    if (rc != EG_OK)
        goto out;
    for (;;) {
        int got = 0;
        rc = verify_page(db, head_seq, &last_seq, last_hash, count, &bad, &got);
        if (rc != EG_OK || bad || got < VERIFY_PAGE)
            break;
    }
    if (rc != EG_OK)
        goto out;
    if (!bad && last_seq < head_seq)
        bad = last_seq + 1; /* the newest events were deleted */
    if (!bad && strcmp(last_hash, head_hash) != 0)
        bad = head_seq; /* the head does not name the last event */
    if (!bad) {
        rc = eg_db_one_i64(db, &beyond, "SELECT MIN(seq) FROM audit_events WHERE seq > ?", "i",
                           head_seq);
        if (rc == EG_E_NOT_FOUND)
            rc = EG_OK;
        if (rc != EG_OK)
            goto out;
        if (beyond > 0) {
            int64_t now_seq = 0;
            char now_hash[65];
            rc = read_head(db, &now_seq, now_hash);
            if (rc != EG_OK)
                goto out;
            if (now_seq == head_seq)
                bad = beyond; /* written without moving the head */
        }
    }
    if (bad) {
        *first_bad = bad;
        rc = EG_E_CONFLICT;
    }
out:
    return rc;
}
