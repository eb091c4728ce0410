#include "app/cli.h"
#include "app/key_ring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/audit.h"
#include "auth/crypto.h"
#include "core/log.h"
#include "db/db.h"
#include "db/key_check.h"

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

/* The system context of changes made by the command line itself. */
static const struct eg_audit_ctx system_ctx = {NULL, "", ""};

/* Where the key comes from, for messages (never the key itself). */
static const char *key_origin(const struct eg_config *cfg)
{
    return cfg->master_key_hex[0] != '\0' ? "security.master_key" : cfg->key_file;
}

struct record_ctx {
    const char *value;
    char stored[65];
    int inserted;
    int predates; /* the database held data before it had a check value */
};

static enum eg_status record_tx(struct eg_db *db, void *arg)
{
    struct record_ctx *c = arg;
    enum eg_status rc = eg_db_key_check_put(db, c->value, c->stored, &c->inserted);
    if (rc == EG_OK && c->inserted)
        rc =
            eg_audit_append(db, &system_ctx, "key_check.create", "key_check", "1",
                            c->predates ? "{\"existing_data\":true}" : "{\"existing_data\":false}");
    return rc;
}

enum eg_status eg_cli_key_check_record(struct eg_cli *cli, struct eg_db *db,
                                       const struct eg_keys *keys)
{
    struct eg_db_key_state ks;
    char mine[65];
    enum eg_status st = eg_db_key_state_read(db, &ks);
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot read the key check value: %s\n", cli->name,
                eg_db_errmsg(db));
        return st;
    }
    if (!ks.has_table)
        return EG_OK; /* schema older than 0050: nothing to record yet */
    eg_keys_check_value(keys, mine);
    struct record_ctx c = {.value = mine, .predates = ks.holds_data};
    if (!ks.has_check) {
        st = eg_db_tx(db, record_tx, &c);
        if (st != EG_OK) {
            fprintf(stderr, "egret %s: cannot store the key check value: %s\n", cli->name,
                    eg_db_errmsg(db));
            return st;
        }
        if (c.inserted)
            eg_log(c.predates ? EG_LOG_WARN : EG_LOG_INFO,
                   "event=key_check_stored existing_data=%d", c.predates);
    } else {
        memcpy(c.stored, ks.check_value, sizeof c.stored);
    }
    /* While a rotation runs, the database still names the key chained
     * behind the new one (app/key_ring.h). */
    if (!eg_secure_streq(c.stored, mine) && eg_keys_prev(keys))
        eg_keys_check_value(eg_keys_prev(keys), mine);
    if (!eg_secure_streq(c.stored, mine)) {
        eg_log(EG_LOG_ERROR, "event=master_key_mismatch");
        fprintf(stderr,
                "egret %s: the master key (%s) does not match this database: its key check "
                "value was made with another key. Nothing was changed. Configure the key this "
                "database was created with (restore the key file from its backup).\n",
                cli->name, key_origin(&cli->cfg));
        return EG_E_CONFLICT;
    }
    return EG_OK;
}

/*
 * Load the master key for db, whose key state is ks. A missing key file is
 * created only with may_create and only for an empty database (no check
 * value, no data): anything else would silently replace the key that the
 * stored data was written with.
 */
static enum eg_status load_key_for(struct eg_cli *cli, const struct eg_db_key_state *ks,
                                   int may_create, struct eg_keys **keys)
{
    enum eg_status st = eg_keys_load(&cli->cfg, keys);
    if (st == EG_E_NOT_FOUND && may_create && !ks->has_check && !ks->holds_data) {
        st = eg_keys_create(&cli->cfg, keys);
        if (st == EG_OK)
            eg_log(EG_LOG_INFO, "event=master_key_created path=%s", cli->cfg.key_file);
    } else if (st == EG_E_NOT_FOUND && (ks->has_check || ks->holds_data)) {
        eg_log(EG_LOG_ERROR, "event=master_key_missing path=%s", cli->cfg.key_file);
        fprintf(stderr,
                "egret %s: the master key file %s is missing, but this database was written "
                "with a master key (it %s). A new key would make every encrypted ID number and "
                "phone unreadable, so egret stops. Restore the key file from its backup (see "
                "docs/deploy.md); only 'egret migrate' on an empty database creates a key.\n",
                cli->name, cli->cfg.key_file,
                ks->has_check ? "holds a key check value" : "holds people and accounts");
        return st;
    } else if (st == EG_E_NOT_FOUND) {
        fprintf(stderr,
                "egret %s: the master key file %s is missing; run 'egret migrate' first (on "
                "an empty database it creates the key), or configure the existing key.\n",
                cli->name, cli->cfg.key_file);
        return st;
    }
    if (st != EG_OK)
        fprintf(stderr, "egret %s: cannot load the encryption key (%s)\n", cli->name,
                eg_status_message(st));
    return st;
}

/* eg_cli_open and eg_cli_open_migrate. */
static enum eg_status open_with_key(struct eg_cli *cli, int may_create, struct eg_db **db,
                                    struct eg_keys **keys)
{
    const char *url = cli->cfg.db;
    struct eg_db_key_state ks;
    int is_pg = strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
    *db = NULL;
    *keys = NULL;
    if (!is_pg && strncmp(url, "file:", 5) != 0 && strcmp(url, ":memory:") != 0 &&
        make_parent_dirs(url) != 0) {
        fprintf(stderr, "egret %s: cannot create the folder for %s: %s\n", cli->name, url,
                strerror(errno));
        return EG_E_INTERNAL;
    }
    enum eg_status st = eg_db_open(url, db);
    if (st != EG_OK) {
        fprintf(stderr, "egret %s: cannot open the database %s\n", cli->name,
                is_pg ? "(postgres URL)" : url);
        return st;
    }
    st = eg_db_key_state_read(*db, &ks);
    if (st != EG_OK)
        fprintf(stderr, "egret %s: cannot read the database: %s\n", cli->name, eg_db_errmsg(*db));
    if (st == EG_OK)
        st = load_key_for(cli, &ks, may_create, keys);
    if (st == EG_OK) {
        char problem[768];
        struct eg_keys *configured = *keys;
        *keys = NULL;
        st = eg_key_ring_for(&cli->cfg, &ks, configured, keys, problem, sizeof problem);
        if (st != EG_OK) {
            eg_log(EG_LOG_ERROR, "event=key_rotation_broken");
            fprintf(stderr, "egret %s: %s. Nothing was changed.\n", cli->name, problem);
        }
    }
    if (st == EG_OK)
        st = eg_cli_key_check_record(cli, *db, *keys);
    if (st != EG_OK) {
        eg_keys_free(*keys);
        *keys = NULL;
        eg_db_close(*db);
        *db = NULL;
        return st;
    }
    eg_keys_set_global(*keys);
    return EG_OK;
}

enum eg_status eg_cli_open(struct eg_cli *cli, struct eg_db **db, struct eg_keys **keys)
{
    return open_with_key(cli, 0, db, keys);
}

enum eg_status eg_cli_open_migrate(struct eg_cli *cli, struct eg_db **db, struct eg_keys **keys)
{
    return open_with_key(cli, 1, db, keys);
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

int eg_cli_with_db(struct eg_cli *cli, int max_positional, eg_cli_db_fn fn)
{
    int rc = eg_cli_no_more_options(cli, max_positional);
    if (rc)
        return rc;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    rc = fn(cli, db, keys);
    eg_db_close(db);
    eg_keys_free(keys);
    return rc;
}
