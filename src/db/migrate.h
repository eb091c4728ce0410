/*
 * migrate.h — the migrator's inner steps, for unit tests and tools.
 *
 * Domain code uses eg_db_migrate() (db/db.h), which applies the migrations
 * embedded in the binary. These functions take the list and the engine
 * explicitly so that a test can feed its own migrations.
 */
#ifndef EG_DB_MIGRATE_H
#define EG_DB_MIGRATE_H

#include "core/buf.h"
#include "core/embedded.h"
#include "core/status.h"
#include "db/db.h"

/*
 * The SQL of one migration file for an engine: the "-- @all" sections and
 * those of the engine ("-- @sqlite" / "-- @postgres"; text before the first
 * marker belongs to all engines), marker lines dropped, @ID@ and @BLOB@
 * replaced by the engine's types. Appends to out (which the caller owns and
 * frees); EG_E_TOO_LARGE if out's cap is passed.
 */
enum eg_status eg_db_migration_render(const char *text, enum eg_db_engine engine,
                                      struct eg_buf *out);

/*
 * The version number of a migration file name "NNNN_name.sql" in *version.
 * EG_E_INVALID_FIELD when the name does not have that shape.
 */
enum eg_status eg_db_migration_version(const char *name, int *version);

/*
 * Apply the migrations of list (ending with a {0} entry, sorted by version)
 * whose version is above the database's, each in its own transaction with
 * its schema_migrations row. *applied (may be NULL) gets how many ran.
 * Stops at the first failure, which leaves nothing of that migration behind.
 */
enum eg_status eg_db_migrate_list(struct eg_db *db, const struct eg_embedded *list, int *applied);

#endif
