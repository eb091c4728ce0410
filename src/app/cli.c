#include "app/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/crypto.h"
#include "db/db.h"

const char *eg_cli_take(struct eg_cli *cli, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
            continue;
        const char *value = NULL;
        int used = 0;
        if (a[2 + n] == '\0' && i + 1 < cli->argc) {
            value = cli->argv[i + 1];
            used = 2;
        } else if (a[2 + n] == '=') {
            value = a + 3 + n;
            used = 1;
        } else {
            continue;
        }
        memmove(&cli->argv[i], &cli->argv[i + used],
                (size_t)(cli->argc - i - used) * sizeof cli->argv[0]);
        cli->argc -= used;
        return value;
    }
    return NULL;
}

int eg_cli_flag(struct eg_cli *cli, const char *name)
{
    for (int i = 0; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if (strncmp(a, "--", 2) == 0 && strcmp(a + 2, name) == 0) {
            memmove(&cli->argv[i], &cli->argv[i + 1],
                    (size_t)(cli->argc - i - 1) * sizeof cli->argv[0]);
            cli->argc--;
            return 1;
        }
    }
    return 0;
}

int eg_cli_no_more_options(struct eg_cli *cli, int max_positional)
{
    int positional = 0;
    for (int i = 0; i < cli->argc; i++) {
        if (cli->argv[i][0] == '-' && cli->argv[i][1] != '\0') {
            fprintf(stderr, "egret %s: unknown option %s\n", cli->name, cli->argv[i]);
            return 2;
        }
        positional++;
    }
    if (positional > max_positional) {
        fprintf(stderr, "egret %s: unexpected argument '%s'\n", cli->name,
                cli->argv[max_positional]);
        return 2;
    }
    return 0;
}

/* mkdir -p of the folder that holds path (SQLite files live under ./var). */
static int make_parent_dirs(const char *path)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = '\0';
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0750) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

enum eg_status eg_cli_open(struct eg_cli *cli, struct eg_db **db, struct eg_keys **keys)
{
    const char *url = cli->cfg.db;
    int is_pg = strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
    if (!is_pg && strncmp(url, "file:", 5) != 0 && strcmp(url, ":memory:") != 0 &&
        make_parent_dirs(url) != 0) {
        fprintf(stderr, "egret %s: cannot create the folder for %s: %s\n", cli->name, url,
                strerror(errno));
        return EG_E_INTERNAL;
    }
    enum eg_status st = eg_keys_load(&cli->cfg, keys);
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot load the encryption key (%s)\n", cli->name,
                eg_status_message(st));
        return st;
    }
    eg_keys_set_global(*keys);
    st = eg_db_open(url, db);
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot open the database %s\n", cli->name,
                is_pg ? "(postgres URL)" : url);
        eg_keys_free(*keys);
        *keys = NULL;
        return st;
    }
    return EG_OK;
}

int eg_cli_read_secret(char *out, size_t n)
{
    if (!fgets(out, (int)n, stdin))
        return -1;
    size_t len = strlen(out);
    if (len > 0 && out[len - 1] != '\n' && !feof(stdin))
        return -1; /* longer than the buffer */
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return 0;
}
