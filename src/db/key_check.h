/*
 * key_check.h — what the database says about the master key: the stored key
 * check value (table key_check, migration 0050) and whether the database
 * already holds data written under some key.
 *
 * The decisions (refuse, create a key, store the value) are the command
 * line's (src/app/cli.c); this module only reads and writes the row. The
 * value itself comes from eg_keys_check_value (auth/crypto.h).
 */
#ifndef EG_DB_KEY_CHECK_H
#define EG_DB_KEY_CHECK_H

#include "core/status.h"
#include "db/db.h"

struct eg_db_key_state {
    int has_table;        /* key_check exists (schema at 0050 or later) */
    int has_check;        /* a check value is stored */
    char check_value[65]; /* the stored value ("" without one) */
    int holds_data;       /* people, accounts or API keys exist */
};

/*
 * Read the key state of db into *out. A database without any schema, or
 * one that predates the key_check table, reads as no check value. Returns
 * EG_OK or a database error.
 */
enum eg_status eg_db_key_state_read(struct eg_db *db, struct eg_db_key_state *out);

/*
 * Store value (64 hex characters) as the check value unless one is stored
 * already, then copy the value now stored into stored (65 bytes): another
 * process may have stored its own first, which the caller must compare.
 * *inserted (may be NULL) is 1 if this call stored it. Must run inside
 * eg_db_tx (the caller audits the change in the same transaction).
 */
enum eg_status eg_db_key_check_put(struct eg_db *db, const char *value, char stored[65],
                                   int *inserted);

#endif
