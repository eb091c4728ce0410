/*
 * main.c — the egret program: find the subcommand, read the configuration
 * (defaults < INI file < EGRET_* environment < flags), run it.
 * The subcommands live in src/app/cmd_*.c and are listed in src/app/commands.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/cli.h"
#include "app/wiring.h"
#include "core/log.h"

static void usage(FILE *out)
{
    fprintf(out, "egret — service, protection and monitoring for gig workers\n\n"
                 "usage: egret COMMAND [options]\n\ncommands:\n");
    for (const struct eg_command *c = eg_commands; c->name; c++)
        fprintf(out, "  %-18s %s\n", c->name, c->help);
    fprintf(out,
            "\nglobal options: --config FILE, --db URL, --listen ADDR, --set SECTION.KEY=VALUE\n"
            "environment: EGRET_DB, EGRET_LISTEN, EGRET_CONFIG, EGRET_<SECTION>_<KEY>\n"
            "'egret COMMAND --help' describes one command.\n");
}

/* The command whose (one- or two-word) name starts argv, or NULL. *words gets 1 or 2. */
static const struct eg_command *find_command(int argc, char **argv, int *words)
{
    const struct eg_command *best = NULL;
    for (const struct eg_command *c = eg_commands; c->name; c++) {
        const char *space = strchr(c->name, ' ');
        if (space) {
            size_t n = (size_t)(space - c->name);
            if (argc >= 2 && strlen(argv[0]) == n && strncmp(argv[0], c->name, n) == 0 &&
                strcmp(argv[1], space + 1) == 0) {
                *words = 2;
                return c;
            }
        } else if (strcmp(argv[0], c->name) == 0) {
            best = c;
            *words = 1;
        }
    }
    return best;
}

/* Whether some command is named "<word> …" (a group like "user"). */
static int is_group(const char *word)
{
    size_t n = strlen(word);
    for (const struct eg_command *c = eg_commands; c->name; c++)
        if (strncmp(c->name, word, n) == 0 && c->name[n] == ' ')
            return 1;
    return 0;
}

static void group_usage(const char *word)
{
    size_t n = strlen(word);
    fprintf(stderr, "usage:\n");
    for (const struct eg_command *c = eg_commands; c->name; c++)
        if (strncmp(c->name, word, n) == 0 && c->name[n] == ' ')
            fprintf(stderr, "  %s\n      %s\n", c->usage, c->help);
}

/*
 * Split the global options out of argv (they may come anywhere), applying
 * them to cfg after the INI file and the environment. Returns 0, or 2 after
 * printing what was wrong.
 */
static int configure(struct eg_cli *cli, int argc, char **argv)
{
    const char *config_path = getenv("EGRET_CONFIG");
    int explicit_config = config_path != NULL;
    char err[256];

    /* First pass: find --config, since the file comes before env and flags. */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[i + 1];
            explicit_config = 1;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config_path = argv[i] + 9;
            explicit_config = 1;
        }
    }
    eg_config_defaults(&cli->cfg);
    if (!config_path)
        config_path = "egret.ini";
    int line = 0;
    enum eg_status st = eg_config_read_ini(&cli->cfg, config_path, &line, err, sizeof err);
    if (st == EG_E_NOT_FOUND && explicit_config) {
        fprintf(stderr, "egret: configuration file %s not found\n", config_path);
        return 2;
    }
    if (st != EG_OK && st != EG_E_NOT_FOUND) {
        fprintf(stderr, "egret: %s:%d: %s\n", config_path, line, err);
        return 2;
    }
    if (eg_config_apply_env(&cli->cfg, err, sizeof err) != EG_OK) {
        fprintf(stderr, "egret: %s\n", err);
        return 2;
    }

    /* Second pass: the flags, removed from the argument list. */
    int out = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *names[] = {"--config", "--db", "--listen", "--set"};
        const char *value = NULL;
        int which = -1;
        for (int k = 0; k < 4; k++) {
            size_t n = strlen(names[k]);
            if (strcmp(a, names[k]) == 0) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "egret: option %s needs a value\n", names[k]);
                    return 2;
                }
                value = argv[++i];
                which = k;
            } else if (strncmp(a, names[k], n) == 0 && a[n] == '=') {
                value = a + n + 1;
                which = k;
            }
            if (which >= 0)
                break;
        }
        if (which < 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (which == 1)
            st = eg_config_set(&cli->cfg, "db", "url", value, err, sizeof err);
        else if (which == 2)
            st = eg_config_set(&cli->cfg, "server", "listen", value, err, sizeof err);
        else if (which == 3) {
            char section[64], key[64];
            const char *dot = strchr(value, '.');
            const char *eq = strchr(value, '=');
            if (!dot || !eq || dot > eq || (size_t)(dot - value) >= sizeof section ||
                (size_t)(eq - dot - 1) >= sizeof key) {
                fprintf(stderr, "egret: option --set wants SECTION.KEY=VALUE, got '%s'\n", value);
                return 2;
            }
            snprintf(section, sizeof section, "%.*s", (int)(dot - value), value);
            snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
            st = eg_config_set(&cli->cfg, section, key, eq + 1, err, sizeof err);
        } else {
            st = EG_OK; /* --config, already read */
        }
        if (st != EG_OK) {
            fprintf(stderr, "egret: %s\n", err);
            return 2;
        }
    }
    cli->argc = out;
    cli->argv = argv;
    return 0;
}

int main(int argc, char **argv)
{
    /* Before anything else: the CLI keeps secrets in sodium_malloc'd memory. */
    if (sodium_init() < 0) {
        fprintf(stderr, "egret: libsodium failed to initialise\n");
        return 1;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "egret: unknown option %s (options follow the command)\n", argv[1]);
        return 2;
    }
    int words = 0;
    const struct eg_command *cmd = find_command(argc - 1, argv + 1, &words);
    if (!cmd) {
        if (is_group(argv[1])) {
            if (argc >= 3 && argv[2][0] != '-')
                fprintf(stderr, "egret: unknown command '%s %s'\n", argv[1], argv[2]);
            group_usage(argv[1]);
            return 2;
        }
        fprintf(stderr, "egret: unknown command '%s'; see 'egret --help'\n", argv[1]);
        return 2;
    }
    int rest = argc - 1 - words;
    char **rest_argv = argv + 1 + words;
    for (int i = 0; i < rest; i++) {
        if (strcmp(rest_argv[i], "--help") == 0 || strcmp(rest_argv[i], "-h") == 0) {
            printf("usage: %s\n\n%s\n", cmd->usage, cmd->help);
            return 0;
        }
    }
    struct eg_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.name = cmd->name;
    int rc = configure(&cli, rest, rest_argv);
    if (rc != 0)
        return rc;
    int lvl = eg_log_parse_level(cli.cfg.log_level);
    eg_log_set_level(lvl < 0 ? EG_LOG_INFO : (enum eg_log_level)lvl);
    if (cli.cfg.log_file[0] != '\0' && eg_log_open_file(cli.cfg.log_file) != 0) {
        fprintf(stderr, "egret %s: cannot open the log file %s: %s\n", cmd->name, cli.cfg.log_file,
                strerror(errno));
        return 1;
    }
    eg_app_wire();
    return cmd->run(&cli);
}
