/* The table of egret's subcommands (see cli.h). */
#include "app/commands.h"

#include <stddef.h>

const struct eg_command eg_commands[] = {
    {"serve", eg_cmd_serve, "egret serve [--listen HOST:PORT] [--db URL]",
     "Serve the API and the web app until SIGTERM/SIGINT (then finish requests in flight)."},
    {"migrate", eg_cmd_migrate, "egret migrate [--db URL]",
     "Create or upgrade the database schema (numbered migrations, recorded in the database)."},
    {"seed-demo", eg_cmd_seed_demo, "egret seed-demo [--db URL]",
     "Fill an empty database with the demo city (EGRET_DEMO_SCALE=small for a small one)."},
    {"demo-logins", eg_cmd_demo_logins, "egret demo-logins [--db URL]",
     "List the demo accounts and their password."},
    {"user add", eg_cmd_user_add,
     "egret user add --login NAME --role ROLE [--department CODE] [--name NAME] "
     "[--id-number ID] [--organisation ID] < password",
     "Create an account; the password is read from standard input."},
    {"user passwd", eg_cmd_user_passwd, "egret user passwd --login NAME < password",
     "Set an account's password (from standard input) and end its sessions."},
    {"user disable", eg_cmd_user_disable, "egret user disable --login NAME",
     "Disable an account and end its sessions."},
    {"user enable", eg_cmd_user_enable, "egret user enable --login NAME",
     "Enable an account again."},
    {"platform add", eg_cmd_platform_add,
     "egret platform add --name NAME --credit-code CODE --sector SECTOR",
     "Register a platform; prints its id and its first API key (shown once)."},
    {"audit verify", eg_cmd_audit_verify,
     "egret audit verify [--anchor FILE --pubkey PUB] [--db URL]",
     "Check the audit trail's hash chain and, with --anchor, that every signed anchor in FILE "
     "still holds (no newest events cut off, nothing rolled back); exits non-zero and names "
     "what broke."},
    {"audit anchor", eg_cmd_audit_anchor, "egret audit anchor --key KEYFILE --out FILE",
     "Sign the audit chain's head (sequence, hash, time) with the Ed25519 key and append it as "
     "one line to FILE, kept outside the database."},
    {"audit keygen", eg_cmd_audit_keygen, "egret audit keygen --key KEYFILE [--pub PUBFILE]",
     "Make the Ed25519 key pair that signs anchors: KEYFILE (0600) and PUBFILE (default "
     "KEYFILE.pub)."},
    {"key rotate", eg_cmd_key_rotate,
     "egret key rotate [--batch N] [--pause-ms MS] [--settle-s S] [--db URL]",
     "Replace the master key while servers run: write a new key file (key_file.next), "
     "re-encrypt every ID number and phone in batches of N (default 500; a killed run resumes "
     "where it stopped), then put the new key in key_file's place and keep the old one as "
     "key_file.retired-CHECK for older backups."},
    {"key status", eg_cmd_key_status, "egret key status [--db URL]",
     "Show the key check value and the state of the last key rotation."},
    {"backup", eg_cmd_backup, "egret backup [--dir DIR] [--keep N] | egret backup FILE",
     "Write a timestamped backup into DIR (default [backup] dir): the database (SQLite online "
     "backup, or pg_dump on PostgreSQL), the uploaded files and a SHA-256 MANIFEST; keep the "
     "newest N (default [backup] keep). With FILE: copy a live SQLite database to FILE."},
    {"backup verify", eg_cmd_backup_verify, "egret backup verify [BACKUP|DIR|FILE]",
     "Check a backup's checksums and that its database copy opens (SQLite integrity_check, "
     "pg_restore --list); a folder of backups means its newest; exits non-zero on a fault."},
    {"doctor", eg_cmd_doctor, "egret doctor [--json]",
     "Check the deployment: configuration, master key, database and schema, reference data, "
     "daily jobs, disk space, backup age, clock; one line per check (ok/warn/fail), exits "
     "non-zero on a failure. See docs/operations.md."},
    {"transfer", eg_cmd_transfer, "egret transfer --to URL [--from URL]",
     "Copy a whole deployment (every table, the audit trail included) into a new, empty "
     "database, e.g. from SQLite into PostgreSQL or back; --from defaults to the configured "
     "database. Stop the servers first. See docs/deploy.md."},
    {"insurance daily", eg_cmd_insurance_daily, "egret insurance daily [--date YYYY-MM-DD]",
     "Run the insurance daily job: lapse unpaid orders, close finished days, roll auto-renewals."},
    {"monitoring daily", eg_cmd_monitoring_daily, "egret monitoring daily [--date YYYY-MM-DD]",
     "Refresh the week's indicators from cases and insurance, record backlogs, evaluate the "
     "alert rules for the date (default yesterday) and, on a month's last day, compute "
     "scorecards."},
    {"monitoring recompute", eg_cmd_monitoring_recompute,
     "egret monitoring recompute --from YYYY-MM-DD [--to YYYY-MM-DD]",
     "Rebuild the daily indicators of a date range from the stored records."},
    {"routes", eg_cmd_routes, "egret routes", "Print every API route as METHOD PATTERN."},
    {"version", eg_cmd_version, "egret version", "Print the version and schema number."},
    {NULL, NULL, NULL, NULL},
};
