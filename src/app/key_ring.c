/*
 * key_ring.c — the keys of a process during and after a key rotation
 * (see key_ring.h).
 */
#include "app/key_ring.h"

#include <stdio.h>
#include <string.h>

void eg_key_ring_next_path(const struct eg_config *cfg, char *out, size_t n)
{
    snprintf(out, n, "%s.next", cfg->key_file);
}

/* Whether k's check value is the 64 hex characters in want. */
static int key_is(const struct eg_keys *k, const char *want)
{
    char cv[65];
    eg_keys_check_value(k, cv);
    return eg_secure_streq(cv, want);
}

enum eg_status eg_key_ring_for(const struct eg_config *cfg, const struct eg_db_key_state *ks,
                               struct eg_keys *configured, struct eg_keys **out, char *problem,
                               size_t n)
{
    char next_path[600];
    struct eg_keys *next = NULL;
    *out = NULL;
    problem[0] = '\0';
    if (ks->rotation == 0 || cfg->master_key_hex[0] != '\0') {
        if (ks->rotation == 1) {
            snprintf(problem, n,
                     "a key rotation is running, but security.master_key is set: rotation works "
                     "with key files only; configure security.key_file");
            eg_keys_free(configured);
            return EG_E_CONFLICT;
        }
        *out = configured;
        return EG_OK;
    }
    eg_key_ring_next_path(cfg, next_path, sizeof next_path);
    int configured_current = !ks->has_check || key_is(configured, ks->check_value);
    if (ks->rotation == 2 && configured_current) {
        *out = configured; /* finished and swapped: the usual case */
        return EG_OK;
    }
    enum eg_status st = eg_keys_load_file(next_path, &next);
    if (st == EG_OK && configured_current && ks->rotation == 1 &&
        key_is(next, ks->next_check_value)) {
        eg_keys_chain(next, configured); /* running: write new, read both */
        *out = next;
        return EG_OK;
    }
    if (st == EG_OK && !configured_current && ks->rotation == 2 && key_is(next, ks->check_value)) {
        eg_keys_chain(next, configured); /* finished, files not yet swapped */
        *out = next;
        return EG_OK;
    }
    if (!configured_current)
        *out = configured; /* a plain mismatch: the caller says so */
    else if (st == EG_E_NOT_FOUND)
        snprintf(problem, n,
                 "a key rotation is running but its new key file %s is missing: restore it "
                 "from its backup (values already re-encrypted need it), then run 'egret key "
                 "rotate' to finish",
                 next_path);
    else
        snprintf(problem, n,
                 "a key rotation is running but %s is not the new key it started with (the "
                 "database names another): restore the right file",
                 next_path);
    eg_keys_free(next);
    if (*out)
        return EG_OK;
    eg_keys_free(configured);
    return EG_E_CONFLICT;
}
