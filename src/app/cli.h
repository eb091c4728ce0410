/*
 * cli.h — the egret command line: option parsing shared by every
 * subcommand, and the subcommands themselves (src/app/cmd_*.c).
 *
 * Global options, accepted before or after the subcommand name:
 *   --config FILE   INI file (also EGRET_CONFIG; default ./egret.ini if present)
 *   --db URL        database (file path or postgres:// URL; also EGRET_DB)
 *   --listen ADDR   host:port for serve (also EGRET_LISTEN)
 *   --set S.K=V     any configuration key, e.g. --set server.threads=4
 *   --help          the subcommand's help
 * An unknown or malformed option names itself and exits with status 2.
 */
#ifndef EG_APP_CLI_H
#define EG_APP_CLI_H

#include "core/config.h"
#include "core/status.h"

struct eg_db;
struct eg_keys;

/* What a subcommand gets: its own arguments (options already split out). */
struct eg_cli {
    struct eg_config cfg;
    int argc; /* the subcommand's remaining arguments */
    char **argv;
    const char *name; /* "serve", "user add" … */
};

/* A subcommand: returns the process exit status. */
struct eg_command {
    const char *name; /* "serve", or "user add" for two words */
    int (*run)(struct eg_cli *cli);
    const char *usage; /* "egret serve [--listen ADDR]" */
    const char *help;  /* what it does */
};

/* The table of subcommands (cmd_*.c add rows in commands.c). */
extern const struct eg_command eg_commands[];

/*
 * Take a named option's value from the subcommand's arguments: finds
 * "--name VALUE" or "--name=VALUE", removes it from cli->argv and returns
 * VALUE; NULL if absent. Remaining unknown "--x" options are reported by
 * eg_cli_no_more_options().
 */
const char *eg_cli_take(struct eg_cli *cli, const char *name);

/* Whether a bare flag "--name" is present (and remove it). */
int eg_cli_flag(struct eg_cli *cli, const char *name);

/* Fail (print "egret NAME: unknown option --x" and return 2) if an option is
 * left; or if more than max_positional positional arguments are left. 0 if fine. */
int eg_cli_no_more_options(struct eg_cli *cli, int max_positional);

/*
 * Open the database named by the configuration (creating the parent folder
 * of an SQLite file), load the master key, check it against the database's
 * key check value and make the keys global. Never creates a key: a missing
 * key file or a key that does not match the stored check value is refused
 * with a message saying what to do. A database that predates the check
 * value (schema 0050) gets it stored now, audited. Prints the error.
 */
enum eg_status eg_cli_open(struct eg_cli *cli, struct eg_db **db, struct eg_keys **keys);

/*
 * eg_cli_open for `egret migrate`: the only way a key is created — when the
 * key file is missing and the database is empty (no check value, no people,
 * accounts or API keys). Call eg_cli_key_check_record after migrating.
 */
enum eg_status eg_cli_open_migrate(struct eg_cli *cli, struct eg_db **db, struct eg_keys **keys);

/*
 * Store keys' check value in db if it has the key_check table and none yet
 * (audited, in one transaction), and compare it with the stored one.
 * EG_E_CONFLICT (message printed) when the database was made with another
 * key.
 */
enum eg_status eg_cli_key_check_record(struct eg_cli *cli, struct eg_db *db,
                                       const struct eg_keys *keys);

/*
 * The frame of most commands: refuse options left over and more than
 * max_positional arguments (exit 2), open the database and keys
 * (eg_cli_open; exit 1 if that fails), run fn, close both; fn's exit code.
 */
typedef int (*eg_cli_db_fn)(struct eg_cli *cli, struct eg_db *db, struct eg_keys *keys);
int eg_cli_with_db(struct eg_cli *cli, int max_positional, eg_cli_db_fn fn);

/* Read one line (the password) from standard input, without the newline. */
int eg_cli_read_secret(char *out, size_t n);

#endif
