/*
 * fuzz_json_reply.c — libFuzzer target for the hand-written reply encoder
 * (http/reply.c). The input is parsed by jansson (any value, NULs allowed)
 * and, separately, taken whole as one unchecked string (so malformed UTF-8
 * reaches the encoder). For both, the encoder must write exactly what
 * json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes, and refuse exactly
 * what jansson refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "http/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_as_jansson(const json_t *v)
{
    size_t len = 0;
    char *mine = eg_reply_encode(v, &len);
    char *theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

    if ((mine == NULL) != (theirs == NULL))
        abort();
    if (mine != NULL && (len != strlen(theirs) || memcmp(mine, theirs, len) != 0))
        abort();
    free(mine);
    free(theirs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);

    if (v != NULL) {
        same_as_jansson(v);
        json_decref(v);
    }
    v = json_stringn_nocheck((const char *)data, size);
    if (v != NULL) {
        same_as_jansson(v);
        json_decref(v);
    }
    return 0;
}
