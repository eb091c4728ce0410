/*
 * embedded.h — files compiled into the binary by tools/embed.c
 * (migrations, the OpenAPI document). Arrays end with a {0} entry.
 */
#ifndef EG_CORE_EMBEDDED_H
#define EG_CORE_EMBEDDED_H

#include <stddef.h>

struct eg_embedded {
    const char *name; /* base name, e.g. "0001_core.sql" */
    const char *data; /* NUL-terminated contents */
    size_t len;
};

extern const struct eg_embedded eg_embedded_migrations[];
extern const struct eg_embedded eg_embedded_docs[];
extern const struct eg_embedded eg_embedded_passwords[]; /* src/auth/common_passwords.txt */

#endif
