/*
 * test_audit_anchor.c — signed anchors of the audit chain head
 * (auth/audit_anchor.h) on SQLite: a line round-trips and any altered byte,
 * another key or a malformed line is refused; an anchor holds while the
 * trail grows, and finds the trail cut back (newest events deleted and the
 * head moved back, which the chain alone cannot see) and the trail rolled
 * back and written again (same length, other hash); key files are 0600 and
 * never overwritten; an anchor file is checked line by line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/audit.h"
#include "auth/audit_anchor.h"
#include "db/db.h"

struct fx {
    char dir[64];
    char path[128];
    struct eg_db *db;
    unsigned char pk[EG_ANCHOR_PUBLIC_BYTES];
    unsigned char sk[EG_ANCHOR_SECRET_BYTES];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    int applied = 0;
    assert_non_null(f);
    assert_true(sodium_init() >= 0);
    snprintf(f->dir, sizeof f->dir, "/tmp/egret-test-anchor-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/egret.db", f->dir);
    assert_int_equal(eg_db_open(f->path, &f->db), EG_OK);
    assert_int_equal(eg_db_migrate(f->db, &applied), EG_OK);
    eg_audit_anchor_keypair(f->pk, f->sk);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    eg_db_close(f->db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static enum eg_status append_tx(struct eg_db *db, void *arg)
{
    static const struct eg_audit_ctx sys = {NULL, "", ""};
    return eg_audit_append(db, &sys, "test.event", "test", arg, "{}");
}

/* n events about entity id (events written again after a cut name another). */
static void append_about(struct fx *f, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(eg_db_tx(f->db, append_tx, (void *)id), EG_OK);
}

static void append_events(struct fx *f, int n)
{
    append_about(f, n, "1");
}

/* Delete the events after seq and move the head back onto seq, as someone
 * with write access to the database would to hide the newest events. */
static void cut_back_to(struct fx *f, int64_t seq)
{
    char hash[65];
    struct eg_stmt *st = NULL;
    assert_int_equal(
        eg_db_query(f->db, &st, "SELECT hash FROM audit_events WHERE seq = ?", "i", seq), EG_OK);
    assert_int_equal(eg_stmt_step(st), EG_ROW);
    eg_stmt_copy_text(st, 0, hash, sizeof hash);
    eg_stmt_done(st);
    /* The append-only triggers stand in the way of the honest; drop them. */
    assert_int_equal(eg_db_exec(f->db, "DROP TRIGGER IF EXISTS audit_events_no_update; "
                                       "DROP TRIGGER IF EXISTS audit_events_no_delete"),
                     EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "DELETE FROM audit_events WHERE seq > ?", "i", seq),
                     EG_OK);
    assert_int_equal(eg_db_run(f->db, NULL, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
                               "it", seq, hash),
                     EG_OK);
}

static void make_anchor(struct fx *f, struct eg_audit_anchor *a, char *line)
{
    assert_int_equal(eg_audit_anchor_head(f->db, 1700000000, a), EG_OK);
    assert_int_equal(eg_audit_anchor_format(a, f->sk, line, EG_ANCHOR_LINE_MAX), EG_OK);
}

static void test_line_round_trip_and_tampering(void **state)
{
    struct fx *f = *state;
    struct eg_audit_anchor a, b;
    char line[EG_ANCHOR_LINE_MAX], bad[EG_ANCHOR_LINE_MAX];
    unsigned char other_pk[EG_ANCHOR_PUBLIC_BYTES], other_sk[EG_ANCHOR_SECRET_BYTES];
    append_events(f, 3);
    make_anchor(f, &a, line);
    assert_int_equal(a.seq, 3);
    assert_non_null(strstr(line, "seq=3 "));
    assert_int_equal(line[strlen(line) - 1], '\n');
    assert_int_equal(eg_audit_anchor_parse(line, f->pk, &b), EG_OK);
    assert_int_equal(b.seq, 3);
    assert_int_equal(b.at, 1700000000);
    assert_string_equal(b.hash, a.hash);

    /* Every field is covered: seq, hash, time and the signature itself. */
    const char *fields[] = {"seq=", "hash=", "at=", "sig="};
    for (size_t i = 0; i < 4; i++) {
        snprintf(bad, sizeof bad, "%s", line);
        char *p = strstr(bad, fields[i]) + strlen(fields[i]);
        *p = *p == '1' ? '2' : '1';
        assert_int_equal(eg_audit_anchor_parse(bad, f->pk, &b), EG_E_BAD_SIGNATURE);
    }
    eg_audit_anchor_keypair(other_pk, other_sk);
    assert_int_equal(eg_audit_anchor_parse(line, other_pk, &b), EG_E_BAD_SIGNATURE);

    assert_int_equal(eg_audit_anchor_parse("", f->pk, &b), EG_E_INVALID_FIELD);
    assert_int_equal(eg_audit_anchor_parse("egret-audit-anchor v1 seq=1", f->pk, &b),
                     EG_E_INVALID_FIELD);
    snprintf(bad, sizeof bad, "%s", line);
    bad[strlen(bad) - 1] = 'x'; /* trailing junk */
    assert_int_equal(eg_audit_anchor_parse(bad, f->pk, &b), EG_E_INVALID_FIELD);
    snprintf(bad, sizeof bad, "%s", line);
    memcpy(bad, "egret-audit-anchor v2", 21);
    assert_int_equal(eg_audit_anchor_parse(bad, f->pk, &b), EG_E_INVALID_FIELD);
}

static void test_anchor_holds_then_finds_truncation(void **state)
{
    struct fx *f = *state;
    struct eg_audit_anchor a;
    enum eg_anchor_verdict v;
    int64_t head = 0, count = 0, bad = 0;
    char line[EG_ANCHOR_LINE_MAX];
    append_events(f, 5);
    make_anchor(f, &a, line);
    assert_int_equal(eg_audit_anchor_check(f->db, &a, &v, &head), EG_OK);
    assert_int_equal(v, EG_ANCHOR_HOLDS);
    append_events(f, 2); /* the trail grows: the anchor still holds */
    assert_int_equal(eg_audit_anchor_check(f->db, &a, &v, &head), EG_OK);
    assert_int_equal(v, EG_ANCHOR_HOLDS);
    assert_int_equal(head, 7);

    cut_back_to(f, 3);
    /* The chain alone still verifies: this is what the anchor is for. */
    assert_int_equal(eg_audit_verify(f->db, &count, &bad), EG_OK);
    assert_int_equal(eg_audit_anchor_check(f->db, &a, &v, &head), EG_OK);
    assert_int_equal(v, EG_ANCHOR_TRUNCATED);
    assert_int_equal(head, 3);
}

static void test_anchor_finds_rewrite(void **state)
{
    struct fx *f = *state;
    struct eg_audit_anchor a;
    enum eg_anchor_verdict v;
    int64_t head = 0;
    char line[EG_ANCHOR_LINE_MAX];
    append_events(f, 4);
    make_anchor(f, &a, line);
    cut_back_to(f, 2);
    append_about(f, 3, "2"); /* back past the anchor, with other events */
    assert_int_equal(eg_audit_anchor_check(f->db, &a, &v, &head), EG_OK);
    assert_int_equal(head, 5);
    assert_int_equal(v, EG_ANCHOR_REWRITTEN);
}

static void test_key_files(void **state)
{
    struct fx *f = *state;
    char sk_path[128], pk_path[128];
    unsigned char pk[EG_ANCHOR_PUBLIC_BYTES], sk[EG_ANCHOR_SECRET_BYTES];
    struct stat sb;
    snprintf(sk_path, sizeof sk_path, "%s/anchor.key", f->dir);
    snprintf(pk_path, sizeof pk_path, "%s/anchor.key.pub", f->dir);
    assert_int_equal(eg_audit_anchor_keys_write(sk_path, pk_path, f->pk, f->sk), EG_OK);
    assert_int_equal(stat(sk_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(eg_audit_anchor_keys_write(sk_path, pk_path, f->pk, f->sk), EG_E_DUPLICATE);
    assert_int_equal(eg_audit_anchor_key_read(sk_path, sk, sizeof sk, 1), EG_OK);
    assert_memory_equal(sk, f->sk, sizeof sk);
    assert_int_equal(eg_audit_anchor_key_read(pk_path, pk, sizeof pk, 0), EG_OK);
    assert_memory_equal(pk, f->pk, sizeof pk);
    /* A public key is not a secret key, and an open secret key is refused. */
    assert_int_equal(eg_audit_anchor_key_read(pk_path, sk, sizeof sk, 0), EG_E_INVALID_FIELD);
    assert_int_equal(chmod(sk_path, 0644), 0);
    assert_int_equal(eg_audit_anchor_key_read(sk_path, sk, sizeof sk, 1), EG_E_FORBIDDEN);
    assert_int_equal(eg_audit_anchor_key_read("/nonexistent/key", sk, sizeof sk, 1),
                     EG_E_NOT_FOUND);
}

static void test_anchor_file(void **state)
{
    struct fx *f = *state;
    struct eg_audit_anchor a;
    struct eg_anchor_file_report r;
    char line[EG_ANCHOR_LINE_MAX], path[128];
    snprintf(path, sizeof path, "%s/anchors", f->dir);
    assert_int_equal(eg_audit_anchor_check_file(f->db, path, f->pk, &r), EG_E_NOT_FOUND);
    FILE *empty = fopen(path, "w");
    assert_non_null(empty);
    fclose(empty);
    assert_int_equal(eg_audit_anchor_check_file(f->db, path, f->pk, &r), EG_E_UNPROCESSABLE);

    append_events(f, 2);
    make_anchor(f, &a, line);
    assert_int_equal(eg_audit_anchor_append(path, line), EG_OK);
    append_events(f, 2);
    make_anchor(f, &a, line);
    assert_int_equal(eg_audit_anchor_append(path, line), EG_OK);
    assert_int_equal(eg_audit_anchor_check_file(f->db, path, f->pk, &r), EG_OK);
    assert_int_equal(r.anchors, 2);
    assert_int_equal(r.newest.seq, 4);

    cut_back_to(f, 3);
    assert_int_equal(eg_audit_anchor_check_file(f->db, path, f->pk, &r), EG_E_CONFLICT);
    assert_int_equal(r.line, 2);
    assert_int_equal(r.verdict, EG_ANCHOR_TRUNCATED);
    assert_int_equal(r.failed.seq, 4);

    assert_int_equal(eg_audit_anchor_append(path, "egret-audit-anchor v1 seq=9\n"), EG_OK);
    append_about(f, 1, "2"); /* line 2 holds again in length, but not its hash */
    assert_int_equal(eg_audit_anchor_check_file(f->db, path, f->pk, &r), EG_E_CONFLICT);
    assert_int_equal(r.verdict, EG_ANCHOR_REWRITTEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_round_trip_and_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_holds_then_finds_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_finds_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchor_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
