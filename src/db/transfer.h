/*
 * transfer.h — moving a whole deployment between storage engines.
 *
 * `egret transfer --from URL --to URL` copies every table of one database
 * (SQLite file or PostgreSQL) into another, schema_migrations and the audit
 * trail included, so that a city can move from SQLite to PostgreSQL (or
 * back) without losing a row or breaking the audit chain. See docs/deploy.md.
 */
#ifndef EG_DB_TRANSFER_H
#define EG_DB_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "db/db.h"

/* Called after each table is copied: its name and its row count. */
typedef void (*eg_db_transfer_progress)(void *arg, const char *table, int64_t rows);

struct eg_db_transfer_stats {
    int tables;   /* tables copied */
    int64_t rows; /* rows copied, all tables together */
};

/*
 * Copy everything in from into to.
 *
 * from must be at the schema version of this binary (run `egret migrate` on
 * it first); to is migrated here and must hold no deployment yet (no audit
 * events, no users), whatever the migrations themselves put in it is
 * replaced. Tables are found in from's catalogue (sqlite_master or
 * information_schema) and must match to's, column for column. They are
 * copied parents first (foreign-key order) in batches, each batch one
 * transaction on to, while from is read inside one transaction so that the
 * copy is a consistent snapshot. Foreign keys that point to the same table
 * or that close a cycle are filled in after all rows are in. Then identity
 * sequences are moved past the copied ids (eg_db_reset_sequences) and the
 * row count of every table is compared.
 *
 * progress (may be NULL) is called once per table; stats (may be NULL) gets
 * the totals; err (errlen bytes) gets a one-line reason on failure.
 * Returns EG_OK; EG_E_CONFLICT when the schemas differ or to is not empty;
 * EG_E_UNPROCESSABLE when the schema version is not this binary's; or a
 * database error. After a failure part of the data may be in to: start
 * again with a new, empty target.
 */
enum eg_status eg_db_transfer(struct eg_db *from, struct eg_db *to,
                              eg_db_transfer_progress progress, void *arg,
                              struct eg_db_transfer_stats *stats, char *err, size_t errlen);

/*
 * Open from_url and to_url (which must differ), then eg_db_transfer().
 * This is what the `egret transfer` command calls.
 */
enum eg_status eg_db_transfer_urls(const char *from_url, const char *to_url,
                                   eg_db_transfer_progress progress, void *arg,
                                   struct eg_db_transfer_stats *stats, char *err, size_t errlen);

/*
 * PostgreSQL: move every identity (or serial) column's sequence past the
 * largest value in its table, so that the next insert without an explicit
 * id does not collide with rows that were inserted with one (after a
 * transfer, or a restore). SQLite needs nothing (INTEGER PRIMARY KEY takes
 * max + 1) and returns EG_OK at once.
 */
enum eg_status eg_db_reset_sequences(struct eg_db *db);

#endif
