/*
 * commands.h — the subcommand entry points (one function each), gathered
 * into the eg_commands table in commands.c.
 */
#ifndef EG_APP_COMMANDS_H
#define EG_APP_COMMANDS_H

#include "app/cli.h"

int eg_cmd_serve(struct eg_cli *cli);
int eg_cmd_migrate(struct eg_cli *cli);
int eg_cmd_seed_demo(struct eg_cli *cli);
int eg_cmd_backup(struct eg_cli *cli);
int eg_cmd_backup_verify(struct eg_cli *cli);
int eg_cmd_doctor(struct eg_cli *cli);
int eg_cmd_routes(struct eg_cli *cli);
int eg_cmd_version(struct eg_cli *cli);
int eg_cmd_user_add(struct eg_cli *cli);
int eg_cmd_user_passwd(struct eg_cli *cli);
int eg_cmd_user_disable(struct eg_cli *cli);
int eg_cmd_user_enable(struct eg_cli *cli);
int eg_cmd_platform_add(struct eg_cli *cli);
int eg_cmd_audit_verify(struct eg_cli *cli);
int eg_cmd_audit_anchor(struct eg_cli *cli);
int eg_cmd_audit_keygen(struct eg_cli *cli);
int eg_cmd_key_rotate(struct eg_cli *cli);
int eg_cmd_key_status(struct eg_cli *cli);
int eg_cmd_demo_logins(struct eg_cli *cli);
int eg_cmd_insurance_daily(struct eg_cli *cli);
int eg_cmd_transfer(struct eg_cli *cli);
int eg_cmd_monitoring_daily(struct eg_cli *cli);
int eg_cmd_monitoring_recompute(struct eg_cli *cli);

#endif
