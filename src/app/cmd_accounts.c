/* Subcommands about accounts: user add|passwd|disable|enable, platform add,
 * demo-logins (audit verify is in cmd_audit.c). Changes made here are audited as
 * the "system" actor. */
#include "app/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/crypto.h"
#include "auth/password_policy.h"
#include "db/db.h"
#include "demo/demo.h"

static const struct eg_audit_ctx cli_audit = {NULL, "", ""};

/* Read the password from standard input into a sodium_malloc'd buffer. */
static char *read_password(const char *cmd)
{
    char *pw = sodium_malloc(256);
    if (!pw)
        return NULL;
    if (eg_cli_read_secret(pw, 256) != 0 || pw[0] == '\0') {
        fprintf(stderr, "egret %s: give the password on standard input (one line)\n", cmd);
        sodium_free(pw);
        return NULL;
    }
    return pw;
}

struct user_add {
    struct eg_user_input in;
    const char *id_number;
    const char *name;
    int64_t user_id;
};

static enum eg_status user_add_tx(struct eg_db *db, void *p)
{
    struct user_add *u = p;
    if (u->id_number) {
        struct eg_person_input person = {u->name ? u->name : u->in.login, u->id_number, NULL};
        int created = 0;
        enum eg_status st = eg_person_upsert(db, &cli_audit, &person, &u->in.person_id, &created);
        if (st != EG_OK)
            return st;
    }
    return eg_user_create(db, &cli_audit, &u->in, &u->user_id);
}

/* Parse a positive id option; 0 when absent, -1 when malformed. */
static int64_t id_option(const char *s)
{
    if (!s)
        return 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0)
        return -1;
    return v;
}

int eg_cmd_user_add(struct eg_cli *cli)
{
    struct user_add u;
    memset(&u, 0, sizeof u);
    u.in.login = eg_cli_take(cli, "login");
    const char *role = eg_cli_take(cli, "role");
    u.in.department_code = eg_cli_take(cli, "department");
    u.in.display_name = eg_cli_take(cli, "name");
    u.name = u.in.display_name;
    u.id_number = eg_cli_take(cli, "id-number");
    const char *org = eg_cli_take(cli, "organisation");
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    if (!u.in.login || !role) {
        fprintf(stderr, "egret user add: --login and --role are required\n");
        return 2;
    }
    u.in.role = eg_role_parse(role);
    if (u.in.role == EG_ROLE_NONE || u.in.role == EG_ROLE_DEPARTMENT) {
        fprintf(stderr,
                "egret user add: unknown role '%s' (worker, platform, mediator, insurer, "
                "analyst, supervisor, admin)\n",
                role);
        return 2;
    }
    u.in.organisation_id = id_option(org);
    if (u.in.organisation_id < 0) {
        fprintf(stderr, "egret user add: --organisation wants an organisation id\n");
        return 2;
    }
    if (u.in.role == EG_ROLE_MEDIATOR && !u.in.department_code) {
        fprintf(stderr, "egret user add: a mediator needs --department CODE\n");
        return 2;
    }
    if (u.in.role == EG_ROLE_WORKER && !u.id_number) {
        fprintf(stderr, "egret user add: a worker needs --id-number ID (and --name NAME)\n");
        return 2;
    }
    if (u.in.role == EG_ROLE_PLATFORM && u.in.organisation_id == 0) {
        fprintf(stderr, "egret user add: a platform account needs --organisation ID\n");
        return 2;
    }
    char *pw = read_password(cli->name);
    if (!pw)
        return 2;
    enum eg_status pst = eg_password_policy_check(pw, u.in.login);
    if (pst != EG_OK) {
        fprintf(stderr, "egret user add: %s\n",
                pst == EG_E_WEAK_PASSWORD
                    ? "the password is too common or too easy to guess; choose another"
                    : "the password must have at least 12 characters");
        sodium_free(pw);
        return 2;
    }
    u.in.password = pw;
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK) {
        sodium_free(pw);
        return 1;
    }
    enum eg_status st = eg_db_tx(db, user_add_tx, &u);
    if (st == EG_OK)
        printf("user %s created with id %lld\n", u.in.login, (long long)u.user_id);
    else if (st == EG_E_DUPLICATE)
        fprintf(stderr, "egret user add: login %s is taken\n", u.in.login);
    else if (st == EG_E_INVALID_FIELD)
        fprintf(stderr, "egret user add: rejected: check the login (3-63 of A-Z a-z 0-9 . _ @ -), "
                        "the department code, the ID number and the organisation id\n");
    else
        fprintf(stderr, "egret user add: %s\n", eg_status_message(st));
    sodium_free(pw);
    eg_db_close(db);
    eg_keys_free(keys);
    return st == EG_OK ? 0 : 1;
}

struct user_change {
    const char *login;
    const char *password;
    int disabled;
};

static enum eg_status passwd_tx(struct eg_db *db, void *p)
{
    struct user_change *c = p;
    return eg_user_set_password(db, &cli_audit, c->login, c->password);
}

static enum eg_status disable_tx(struct eg_db *db, void *p)
{
    struct user_change *c = p;
    return eg_user_set_disabled(db, &cli_audit, c->login, c->disabled);
}

/* The shared body of passwd / disable / enable: --login NAME, one change. */
static int change_user(struct eg_cli *cli, eg_tx_fn fn, struct user_change *c, int wants_pw)
{
    c->login = eg_cli_take(cli, "login");
    int rc = eg_cli_no_more_options(cli, 1);
    if (rc)
        return rc;
    if (!c->login && cli->argc == 1)
        c->login = cli->argv[0];
    if (!c->login) {
        fprintf(stderr, "egret %s: --login is required\n", cli->name);
        return 2;
    }
    char *pw = NULL;
    if (wants_pw) {
        pw = read_password(cli->name);
        if (!pw)
            return 2;
        c->password = pw;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    enum eg_status st = eg_cli_open(cli, &db, &keys);
    if (st == EG_OK) {
        st = eg_db_tx(db, fn, c);
        if (st == EG_OK)
            printf("%s: done for %s\n", cli->name, c->login);
        else if (st == EG_E_NOT_FOUND)
            fprintf(stderr, "egret %s: no user %s\n", cli->name, c->login);
        else if (st == EG_E_INVALID_FIELD && wants_pw)
            fprintf(stderr, "egret %s: the password must have at least 12 characters\n", cli->name);
        else
            fprintf(stderr, "egret %s: %s\n", cli->name, eg_status_message(st));
        eg_db_close(db);
        eg_keys_free(keys);
    }
    if (pw)
        sodium_free(pw);
    return st == EG_OK ? 0 : 1;
}

int eg_cmd_user_passwd(struct eg_cli *cli)
{
    struct user_change c = {0};
    return change_user(cli, passwd_tx, &c, 1);
}

int eg_cmd_user_disable(struct eg_cli *cli)
{
    struct user_change c = {0};
    c.disabled = 1;
    return change_user(cli, disable_tx, &c, 0);
}

int eg_cmd_user_enable(struct eg_cli *cli)
{
    struct user_change c = {0};
    c.disabled = 0;
    return change_user(cli, disable_tx, &c, 0);
}

struct platform_add {
    const char *name, *credit_code, *sector;
    int64_t id, key_id;
    char key[64];
};

static enum eg_status platform_add_tx(struct eg_db *db, void *p)
{
    struct platform_add *a = p;
    enum eg_status st = eg_organisation_create(db, &cli_audit, a->name, a->credit_code, "platform",
                                               a->sector, &a->id);
    if (st != EG_OK)
        return st;
    return eg_api_key_issue(db, &cli_audit, a->id, 0, "first key", a->key, &a->key_id);
}

int eg_cmd_platform_add(struct eg_cli *cli)
{
    struct platform_add a;
    memset(&a, 0, sizeof a);
    a.name = eg_cli_take(cli, "name");
    a.credit_code = eg_cli_take(cli, "credit-code");
    a.sector = eg_cli_take(cli, "sector");
    int rc = eg_cli_no_more_options(cli, 0);
    if (rc)
        return rc;
    if (!a.name || !a.credit_code || !a.sector) {
        fprintf(stderr, "egret platform add: --name, --credit-code and --sector are required\n");
        return 2;
    }
    struct eg_db *db = NULL;
    struct eg_keys *keys = NULL;
    if (eg_cli_open(cli, &db, &keys) != EG_OK)
        return 1;
    enum eg_status st = eg_db_tx(db, platform_add_tx, &a);
    if (st == EG_OK)
        printf("platform_id=%lld\napi_key=%s\n", (long long)a.id, a.key);
    else if (st == EG_E_DUPLICATE)
        fprintf(stderr, "egret platform add: credit code %s is already registered\n",
                a.credit_code);
    else if (st == EG_E_INVALID_FIELD)
        fprintf(stderr, "egret platform add: %s is not a valid 统一社会信用代码\n", a.credit_code);
    else
        fprintf(stderr, "egret platform add: %s\n", eg_status_message(st));
    sodium_memzero(a.key, sizeof a.key);
    eg_db_close(db);
    eg_keys_free(keys);
    return st == EG_OK ? 0 : 1;
}

static int demo_logins(struct eg_cli *cli, struct eg_db *db, struct eg_keys *keys)
{
    struct eg_stmt *st = NULL;
    enum eg_status s =
        eg_db_query(db, &st,
                    "SELECT u.login, u.role, COALESCE(d.name, o.name, '') FROM users u "
                    "LEFT JOIN departments d ON d.id = u.department_id "
                    "LEFT JOIN organisations o ON o.id = u.organisation_id "
                    "WHERE u.disabled = 0 ORDER BY u.id LIMIT 40",
                    "");
    printf("%-20s %-11s %s\n", "login", "role", "department / organisation");
    while (eg_db_next(st, &s))
        printf("%-20s %-11s %s\n", eg_stmt_text(st, 0), eg_stmt_text(st, 1), eg_stmt_text(st, 2));
    eg_stmt_done(st);
    printf("password for every demo account: %s\n", EG_DEMO_PASSWORD);
    return s == EG_OK ? 0 : 1;
}

int eg_cmd_demo_logins(struct eg_cli *cli)
{
    return eg_cli_with_db(cli, 0, demo_logins);
}
