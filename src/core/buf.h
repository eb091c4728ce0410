/*
 * buf.h — a growable byte buffer with a hard cap, for anything whose size
 * an outside party controls (request bodies, CSV fields, exports).
 * Appending past the cap fails with EG_E_TOO_LARGE and leaves the buffer as
 * it was. The data is always NUL-terminated (the NUL is not counted in len).
 */
#ifndef EG_CORE_BUF_H
#define EG_CORE_BUF_H

#include <stddef.h>
#include "core/status.h"

struct eg_buf {
    char *data;   /* malloc'd; NULL until the first append */
    size_t len;   /* bytes used, excluding the terminating NUL */
    size_t alloc; /* bytes allocated */
    size_t cap;   /* most bytes len may ever reach */
};

/* Set up an empty buffer that may grow to cap bytes. */
void eg_buf_init(struct eg_buf *b, size_t cap);

/* Append n bytes. EG_E_TOO_LARGE past the cap, EG_E_INTERNAL out of memory. */
enum eg_status eg_buf_append(struct eg_buf *b, const void *p, size_t n);

/* Append a NUL-terminated string. */
enum eg_status eg_buf_puts(struct eg_buf *b, const char *s);

/* Append printf output. */
enum eg_status eg_buf_printf(struct eg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forget the contents but keep the memory. */
void eg_buf_reset(struct eg_buf *b);

/* Free the memory; the buffer is empty and reusable afterwards. */
void eg_buf_free(struct eg_buf *b);

/* Hand the data to the caller (who frees it) and empty the buffer. */
char *eg_buf_take(struct eg_buf *b, size_t *len);

#endif
