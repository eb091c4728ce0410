/*
 * key_ring.h — which keys a process uses, given what the database says
 * about the master key (db/key_check.h) and the key files on disk.
 *
 * Normally that is the configured key (security.key_file). While a key
 * rotation runs (`egret key rotate`, app/cmd_key.c) it is the new key, in
 * the key file with ".next" appended, chained to the configured one: new
 * values are written under the new key, old ones still read. When the
 * rotation has finished in the database but the files were not yet swapped
 * (the command was killed between the two), it is the ".next" file, which
 * the database's check value now names.
 */
#ifndef EG_APP_KEY_RING_H
#define EG_APP_KEY_RING_H

#include <stddef.h>

#include "auth/crypto.h"
#include "core/config.h"
#include "core/status.h"
#include "db/key_check.h"

/* The key file a rotation writes its new key to: key_file + ".next". */
void eg_key_ring_next_path(const struct eg_config *cfg, char *out, size_t n);

/*
 * The keys to use for database state ks, built from configured (the key
 * eg_keys_load gave; taken over, freed on error). On success *out owns
 * everything. On a rotation whose new key file is missing or not the one
 * the database names, EG_E_CONFLICT with a sentence for the operator in
 * problem (n bytes).
 */
enum eg_status eg_key_ring_for(const struct eg_config *cfg, const struct eg_db_key_state *ks,
                               struct eg_keys *configured, struct eg_keys **out, char *problem,
                               size_t n);

#endif
