/*
 * cmd_backup.c — egret backup and egret backup verify (docs/operations.md).
 *
 * `egret backup --dir DIR [--keep N]` writes DIR/egret-backup-<UTC time>/:
 *
 *   database.sqlite   SQLite: an online backup, switched to a rollback
 *                     journal so that the one file is the whole database
 *   database.pgdump   PostgreSQL: pg_dump -Fc of the configured database,
 *                     taken in an exported snapshot
 *   counts.txt        "table rows" of the main tables, counted in the same
 *                     snapshot as the copy (the restore drill compares them)
 *   files/            the uploaded files ([files] data_dir, without tmp/),
 *                     copied after the database, so every file a copied row
 *                     names is there (a file is written before its row)
 *   MANIFEST          "sha256  path" per file, as sha256sum -c reads it
 *
 * The backup is made under DIR/.partial-… and renamed into place when
 * complete, so a half-made backup never looks like one. Then backups beyond
 * the newest N are removed. `egret backup FILE` is the plain SQLite online
 * backup of before.
 */
#include "app/commands.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/backup_tree.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "core/time.h"
#include "db/db.h"

extern char **environ;

#define PREFIX   "egret-backup-"
#define PATH_CAP 1024

/* The tables whose row counts a backup records and the drill compares. */
static const char *const main_tables[] = {
    "departments",
    "people",
    "organisations",
    "users",
    "cases",
    "case_events",
    "case_evidence",
    "payment_orders",
    "cover_days",
    "claims",
    "claim_materials",
    "mon_platforms",
    "mon_work_records",
    "places",
    "audit_events",
    NULL,
};

/* dir/name into out (PATH_CAP bytes); a path too long is cut and logged. */
static void path_join(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_CAP, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_CAP)
        eg_log(EG_LOG_WARN, "event=backup_path_too_long");
}

/* Run argv (no shell) and wait; stdout to /dev/null when quiet. Exit status, or -1. */
static int run_program(char *const argv[], int quiet)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = 0;
    posix_spawn_file_actions_init(&fa);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Write the row counts of the main tables, asked of count(table). */
static int write_counts(const char *path, int (*count)(void *, const char *, long long *),
                        void *ctx)
{
    FILE *f = fopen(path, "wxe");
    if (!f)
        return -1;
    int rc = 0;
    for (const char *const *t = main_tables; *t && rc == 0; t++) {
        long long n = 0;
        rc = count(ctx, *t, &n);
        if (rc == 0)
            fprintf(f, "%s %lld\n", *t, n);
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

static int sqlite_count(void *ctx, const char *table, long long *n)
{
    char sql[128];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    int rc =
        sqlite3_prepare_v2(ctx, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW
            ? 0
            : -1;
    if (rc == 0)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* SQLite: online backup, a self-contained file, and its counts. */
static int backup_sqlite(struct eg_db *db, const char *dir, char *why, size_t why_len)
{
    char path[PATH_CAP], counts[PATH_CAP];
    sqlite3 *h = NULL;
    path_join(path, dir, "database.sqlite");
    path_join(counts, dir, "counts.txt");
    if (eg_db_backup(db, path) != EG_OK) {
        snprintf(why, why_len, "online backup failed: %s", eg_db_errmsg(db));
        return -1;
    }
    int rc = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
        snprintf(why, why_len, "cannot open the copy: %s", sqlite3_errmsg(h));
    else if (write_counts(counts, sqlite_count, h) != 0)
        snprintf(why, why_len, "cannot count the rows of the copy: %s", sqlite3_errmsg(h));
    else
        rc = 0;
    sqlite3_close(h);
    return rc;
}

static int pg_count(void *ctx, const char *table, long long *n)
{
    char sql[128];
    int64_t v = 0;
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    if (eg_db_one_i64(ctx, &v, sql, "") != EG_OK)
        return -1;
    *n = v;
    return 0;
}

/*
 * PostgreSQL: pg_dump in custom format of the configured database (the
 * deployment, not the cluster: pg_basebackup with WAL archiving is the
 * cluster-level way to point-in-time recovery). The counts and the dump
 * read the same exported snapshot, so they agree exactly.
 */
static int backup_pg(struct eg_db *db, const char *url, const char *dir, char *why, size_t why_len)
{
    char path[PATH_CAP], counts[PATH_CAP], snapshot[64] = "";
    struct eg_stmt *st = NULL;
    path_join(path, dir, "database.pgdump");
    path_join(counts, dir, "counts.txt");
    if (eg_db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != EG_OK) {
        snprintf(why, why_len, "cannot begin the snapshot: %s", eg_db_errmsg(db));
        return -1;
    }
    enum eg_status s = eg_db_query(db, &st, "SELECT pg_export_snapshot()", "");
    if (s == EG_OK && eg_stmt_step(st) == EG_ROW)
        eg_stmt_copy_text(st, 0, snapshot, sizeof snapshot);
    eg_stmt_done(st);
    int rc = -1;
    if (snapshot[0] == '\0') {
        snprintf(why, why_len, "cannot export the snapshot: %s", eg_db_errmsg(db));
    } else if (write_counts(counts, pg_count, db) != 0) {
        snprintf(why, why_len, "cannot count the rows: %s", eg_db_errmsg(db));
    } else {
        char snap_arg[96], *tool_url = NULL;
        int pooled = 0;
        snprintf(snap_arg, sizeof snap_arg, "--snapshot=%s", snapshot);
        /* pg_dump refuses egret's own pool_mode parameter. */
        if (eg_db_pg_url_split(url, &tool_url, &pooled) != EG_OK) {
            snprintf(why, why_len, "the database URL is invalid");
            eg_db_exec(db, "COMMIT");
            return -1;
        }
        char *argv[] = {"pg_dump", "--format=custom", "--no-password", snap_arg, "--file",
                        path,      "--dbname",        tool_url,        NULL};
        int ex = run_program(argv, 0);
        free(tool_url);
        if (ex != 0)
            snprintf(why, why_len, "pg_dump failed (%s %d)", ex < 0 ? "error" : "exit status",
                     ex < 0 ? errno : ex);
        else
            rc = 0;
    }
    eg_db_exec(db, "COMMIT");
    return rc;
}

/* Write MANIFEST: the SHA-256 of every file under dir, sorted by path. */
static int write_manifest(const char *dir, char *why, size_t why_len)
{
    char **paths = NULL, full[PATH_CAP], hex[65], mpath[PATH_CAP];
    size_t n = 0;
    path_join(mpath, dir, "MANIFEST");
    if (eg_backup_tree_list(dir, &paths, &n) != 0) {
        snprintf(why, why_len, "cannot list %s: %s", dir, strerror(errno));
        return -1;
    }
    FILE *f = fopen(mpath, "wxe");
    int rc = f ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        path_join(full, dir, paths[i]);
        rc = eg_backup_sha256_file(full, hex);
        if (rc == 0)
            fprintf(f, "%s  %s\n", hex, paths[i]);
        else
            snprintf(why, why_len, "cannot hash %s: %s", full, strerror(errno));
    }
    if (f && (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0))
        rc = -1;
    if (!f)
        snprintf(why, why_len, "cannot write %s: %s", mpath, strerror(errno));
    eg_backup_tree_list_free(paths, n);
    return rc;
}

/* The backups in dir (names starting with PREFIX), sorted oldest first. */
static int list_backups(const char *dir, char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) != 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **v = realloc(*names, cap * sizeof *v);
            if (!v)
                break;
            *names = v;
        }
        (*names)[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++) /* names sort by time; few enough for insertion */
        for (size_t j = i; j > 0 && strcmp((*names)[j - 1], (*names)[j]) > 0; j--) {
            char *t = (*names)[j];
            (*names)[j] = (*names)[j - 1];
            (*names)[j - 1] = t;
        }
    return 0;
}

/* Remove the backups of dir beyond the newest keep; returns how many went. */
static int prune(const char *dir, int keep)
{
    char **names = NULL, path[PATH_CAP];
    size_t n = 0;
    int removed = 0;
    if (list_backups(dir, &names, &n) != 0)
        return 0;
    for (size_t i = 0; i + (size_t)keep < n; i++) {
        path_join(path, dir, names[i]);
        if (eg_backup_tree_remove(path) == 0)
            removed++;
        else
            eg_log(EG_LOG_WARN, "event=backup_prune_failed path=%s", path);
    }
    eg_backup_tree_list_free(names, n);
    return removed;
}

/* mkdir -p dir (0700). */
static int make_dirs(const char *dir)
{
    char buf[PATH_CAP];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int backup_to_dir(struct eg_cli *cli, struct eg_db *db, const char *dir, int keep)
{
    char name[64], partial[PATH_CAP], final[PATH_CAP], files[PATH_CAP], failed[PATH_CAP];
    char why[PATH_CAP + 128] = "";
    time_t now = (time_t)eg_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(name, sizeof name, PREFIX "%Y%m%dT%H%M%SZ", &tm);
    if (strlen(dir) > PATH_CAP - 100 || make_dirs(dir) != 0) {
        fprintf(stderr, "egret %s: cannot make the folder %s: %s\n", cli->name, dir,
                strerror(errno));
        return 1;
    }
    snprintf(partial, sizeof partial, "%s/.partial-%s-%ld", dir, name, (long)getpid());
    if (mkdir(partial, 0700) != 0) {
        fprintf(stderr, "egret %s: cannot make %s: %s\n", cli->name, partial, strerror(errno));
        return 1;
    }
    int rc = eg_db_engine_of(db) == EG_DB_POSTGRES
                 ? backup_pg(db, cli->cfg.db, partial, why, sizeof why)
                 : backup_sqlite(db, partial, why, sizeof why);
    long copied = 0;
    if (rc == 0) {
        path_join(files, partial, "files");
        copied = eg_backup_tree_copy(cli->cfg.data_dir, files, "tmp", failed);
        if (copied < 0) {
            snprintf(why, sizeof why, "cannot copy %s: %s", failed, strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0)
        rc = write_manifest(partial, why, sizeof why);
    /* Two backups in one second: the second gets a suffix. */
    for (int i = 1; rc == 0; i++) {
        if (i == 1)
            path_join(final, dir, name);
        else
            snprintf(final, sizeof final, "%s/%s-%d", dir, name, i);
        if (rename(partial, final) == 0)
            break;
        if ((errno != EEXIST && errno != ENOTEMPTY) || i > 50) {
            snprintf(why, sizeof why, "cannot rename into %s: %s", final, strerror(errno));
            rc = -1;
        }
    }
    if (rc != 0) {
        eg_backup_tree_remove(partial);
        eg_log(EG_LOG_ERROR, "event=backup_failed dir=%s", dir);
        fprintf(stderr, "egret %s: backup failed: %s\n", cli->name, why);
        return 1;
    }
    int removed = prune(dir, keep);
    eg_log(EG_LOG_INFO, "event=backup_done path=%s files=%ld pruned=%d", final, copied, removed);
    printf("backed up to %s (%ld uploaded file%s; %d older backup%s removed)\n", final, copied,
           copied == 1 ? "" : "s", removed, removed == 1 ? "" : "s");
    return 0;
}

int eg_cmd_backup(struct eg_cli *cli)
{
    const char *dir = eg_cli_take(cli, "dir");
    const char *keep_s = eg_cli_take(cli, "keep");
    int rc = eg_cli_no_more_options(cli, 1);
    int keep = cli->cfg.backup_keep;
    if (rc)
        return rc;
    if (keep_s) {
        char *end;
        long k = strtol(keep_s, &end, 10);
        if (*keep_s < '0' || *keep_s > '9' || *end != '\0' || k < 1 || k > 10000) {
            fprintf(stderr, "egret %s: --keep wants a number from 1 to 10000\n", cli->name);
            return 2;
        }
        keep = (int)k;
    }
    if (cli->argc == 1 && (dir || keep_s)) {
        fprintf(stderr, "usage: egret backup FILE | egret backup [--dir DIR] [--keep N]\n");
        return 2;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    if (cli->argc == 0) {
        rc = backup_to_dir(cli, db, dir ? dir : cli->cfg.backup_dir, keep);
        goto out;
    }
    enum eg_status st = eg_db_backup(db, cli->argv[0]);
    if (st == EG_OK)
        printf("backed up to %s\n", cli->argv[0]);
    else if (st == EG_E_CONFLICT)
        fprintf(stderr, "egret backup: %s already exists; choose a new file\n", cli->argv[0]);
    else if (st == EG_E_UNPROCESSABLE)
        fprintf(stderr, "egret backup: a single-file backup is for SQLite; use egret backup "
                        "--dir DIR on PostgreSQL (pg_dump)\n");
    else
        fprintf(stderr, "egret backup: failed: %s\n", eg_db_errmsg(db));
    rc = st == EG_OK ? 0 : 1;
out:
    eg_db_close(db);
    eg_keys_free(keys);
    return rc;
}

/* ---- verify ---- */

/* SQLite: the copy opens read-only and passes PRAGMA integrity_check. */
static int verify_sqlite(const char *path, char *why, size_t why_len)
{
    char uri[PATH_CAP + 32];
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    /* immutable: no lock, no -shm or -journal file written next to the copy. */
    snprintf(uri, sizeof uri, "file:%s?immutable=1", path);
    int rc = -1;
    if (sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        snprintf(why, why_len, "%s does not open: %s", path, sqlite3_errmsg(h));
    } else if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
               sqlite3_step(st) != SQLITE_ROW) {
        snprintf(why, why_len, "%s is not an SQLite database: %s", path, sqlite3_errmsg(h));
    } else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        snprintf(why, why_len, "%s fails the integrity check: %s", path,
                 (const char *)sqlite3_column_text(st, 0));
    } else {
        rc = 0;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == 0 && (sqlite3_prepare_v2(h, "SELECT MAX(version) FROM schema_migrations", -1, &st,
                                       NULL) != SQLITE_OK ||
                    sqlite3_step(st) != SQLITE_ROW)) {
        snprintf(why, why_len, "%s holds no egret schema", path);
        rc = -1;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return rc;
}

/* PostgreSQL: pg_restore can read the dump's table of contents. */
static int verify_pgdump(const char *path, char *why, size_t why_len)
{
    char *argv[] = {"pg_restore", "--list", (char *)path, NULL};
    int ex = run_program(argv, 1);
    if (ex == 0)
        return 0;
    snprintf(why, why_len, "pg_restore --list cannot read %s", path);
    return -1;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A database file by its kind: a custom-format dump starts with PGDMP. */
static int verify_database_file(const char *path, char *why, size_t why_len)
{
    char magic[5] = "";
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (got == 5 && memcmp(magic, "PGDMP", 5) == 0)
        return verify_pgdump(path, why, why_len);
    return verify_sqlite(path, why, why_len);
}

/* A backup folder: MANIFEST matches every file, nothing else, and the database opens. */
static int verify_backup_dir(const char *dir, long *n_files, char *why, size_t why_len)
{
    char mpath[PATH_CAP], line[PATH_CAP + 80], full[PATH_CAP], hex[65], db_path[PATH_CAP] = "";
    char **paths = NULL;
    size_t n = 0, listed = 0;
    path_join(mpath, dir, "MANIFEST");
    FILE *f = fopen(mpath, "re");
    if (!f) {
        snprintf(why, why_len, "%s: no MANIFEST", dir);
        return -1;
    }
    if (eg_backup_tree_list(dir, &paths, &n) != 0) {
        snprintf(why, why_len, "cannot list %s: %s", dir, strerror(errno));
        fclose(f);
        return -1;
    }
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        const char *rel = line + 66;
        if (len < 67 || line[64] != ' ' || line[65] != ' ' || rel[0] == '/' ||
            strstr(rel, "..") != NULL) {
            snprintf(why, why_len, "MANIFEST has a malformed line: %.80s", line);
            rc = -1;
            break;
        }
        line[64] = '\0';
        path_join(full, dir, rel);
        if (eg_backup_sha256_file(full, hex) != 0) {
            snprintf(why, why_len, "%s is missing: %s", rel, strerror(errno));
            rc = -1;
        } else if (strcmp(hex, line) != 0) {
            snprintf(why, why_len, "%s does not match its checksum (damaged or changed)", rel);
            rc = -1;
        }
        listed++;
        if (strcmp(rel, "database.sqlite") == 0 || strcmp(rel, "database.pgdump") == 0)
            snprintf(db_path, sizeof db_path, "%s", full);
    }
    fclose(f);
    /* Every file but MANIFEST is listed: a file slipped in is a fault too. */
    if (rc == 0 && listed + 1 != n) {
        for (size_t i = 0; i < n; i++)
            if (paths[i][0] == '?') {
                snprintf(why, why_len, "%s is not a regular file", paths[i] + 1);
                break;
            }
        if (why[0] == '\0')
            snprintf(why, why_len, "MANIFEST lists %zu files but the backup holds %zu", listed,
                     n - 1);
        rc = -1;
    }
    eg_backup_tree_list_free(paths, n);
    if (rc == 0 && db_path[0] == '\0') {
        snprintf(why, why_len, "the backup holds no database copy");
        rc = -1;
    }
    if (rc == 0)
        rc = verify_database_file(db_path, why, why_len);
    *n_files = (long)listed;
    return rc;
}

int eg_cmd_backup_verify(struct eg_cli *cli)
{
    char why[PATH_CAP + 256] = "", target[PATH_CAP];
    struct stat sb;
    long n_files = 0;
    int rc = eg_cli_no_more_options(cli, 1);
    if (rc)
        return rc;
    const char *path = cli->argc == 1 ? cli->argv[0] : cli->cfg.backup_dir;
    snprintf(target, sizeof target, "%s", path);
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "egret %s: %s: %s\n", cli->name, path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(sb.st_mode)) {
        char mpath[PATH_CAP];
        path_join(mpath, path, "MANIFEST");
        if (access(mpath, F_OK) != 0) {
            /* A folder of backups: the newest one. */
            char **names = NULL;
            size_t n = 0;
            if (list_backups(path, &names, &n) != 0 || n == 0) {
                fprintf(stderr, "egret %s: %s is neither a backup nor a folder of backups\n",
                        cli->name, path);
                eg_backup_tree_list_free(names, n);
                return 1;
            }
            path_join(target, path, names[n - 1]);
            eg_backup_tree_list_free(names, n);
        }
        rc = verify_backup_dir(target, &n_files, why, sizeof why);
    } else {
        rc = verify_database_file(path, why, sizeof why);
        n_files = 1;
    }
    if (rc == 0) {
        printf("backup OK: %s (%ld file%s checked%s)\n", target, n_files, n_files == 1 ? "" : "s",
               has_suffix(target, ".pgdump") ? "" : ", database opens");
        return 0;
    }
    eg_log(EG_LOG_ERROR, "event=backup_verify_failed path=%s", target);
    printf("backup BROKEN: %s: %s\n", target, why);
    return 1;
}
