/* The transfer subcommand: copy a whole deployment into another database
 * (SQLite to PostgreSQL or back). The work is in db/transfer.c. */
#include "app/commands.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/transfer.h"

/* One line per table as it is copied. */
static void print_table(void *arg, const char *table, int64_t rows)
{
    (void)arg;
    printf("  %-28s %12lld rows\n", table, (long long)rows);
    fflush(stdout);
}

/* Whether a database URL names PostgreSQL (its text may hold a password: never print it). */
static const char *engine_name(const char *url)
{
    return eg_db_driver_for(url)->name;
}

int eg_cmd_transfer(struct eg_cli *cli)
{
    const char *from = eg_cli_take(cli, "from");
    const char *to = eg_cli_take(cli, "to");
    struct eg_db_transfer_stats stats;
    char err[512];
    int rc = eg_cli_no_more_options(cli, 0);

    if (rc)
        return rc;
    if (!from || !*from)
        from = cli->cfg.db;
    if (!to || !*to) {
        fprintf(stderr, "egret transfer: --to URL is required (the new, empty database)\n");
        return 2;
    }
    printf("copying the %s database into the %s database\n", engine_name(from), engine_name(to));
    enum eg_status st = eg_db_transfer_urls(from, to, print_table, NULL, &stats, err, sizeof err);
    if (st != EG_OK) {
        fprintf(stderr, "egret transfer: %s\n", err[0] ? err : eg_status_message(st));
        return 1;
    }
    printf("done: %d tables, %lld rows; check it with 'egret audit verify --db TARGET'\n",
           stats.tables, (long long)stats.rows);
    return 0;
}
