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
    /* The last key rotation (table key_rotation, migration 0090). */
    int rotation;                /* 0 none, 1 running, 2 finished */
    char next_check_value[65];   /* the rotation's new key ("" without one) */
    char step[32];               /* table being re-encrypted ("" = not begun) */
    int64_t after_id;            /* rows of step up to this id are done */
    int64_t rows_done;           /* values re-encrypted so far */
    int64_t rotation_started_at; /* Unix seconds */
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

/*
 * Key rotation bookkeeping; each must run inside eg_db_tx with the change it
 * records. start: a running rotation to the key whose check value is given,
 * replacing a finished one (EG_E_CONFLICT if one is running). progress: the
 * place reached (step, after_id) and rows added to rows_done. finish: the
 * new check value into key_check and the rotation marked finished.
 */
enum eg_status eg_db_key_rotation_start(struct eg_db *db, const char *next_check_value);
enum eg_status eg_db_key_rotation_progress(struct eg_db *db, const char *step, int64_t after_id,
                                           int64_t rows);
enum eg_status eg_db_key_rotation_finish(struct eg_db *db);

#endif
