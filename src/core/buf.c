/*
 * buf.c — a growable byte buffer with a hard cap.
 *
 * The allocation grows geometrically but never beyond cap + 1 bytes (room
 * for the terminating NUL), so a buffer fed by an outside party can never
 * take more memory than its owner allowed.
 */
#include "core/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ALLOC 64

void eg_buf_init(struct eg_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

/*
 * Make room for extra more bytes plus the NUL. Fails with EG_E_TOO_LARGE if
 * the buffer would pass its cap and EG_E_INTERNAL when out of memory; the
 * buffer is unchanged on failure.
 */
static enum eg_status reserve(struct eg_buf *b, size_t extra)
{
    size_t want, size;
    char *p;

    if (extra > b->cap || b->len > b->cap - extra)
        return EG_E_TOO_LARGE;
    want = b->len + extra + 1;
    if (want <= b->alloc)
        return EG_OK;
    size = b->alloc < MIN_ALLOC ? MIN_ALLOC : b->alloc;
    while (size < want)
        size = size > SIZE_MAX / 2 ? want : size * 2;
    if (b->cap < SIZE_MAX && size > b->cap + 1)
        size = b->cap + 1 > want ? b->cap + 1 : want;
    p = realloc(b->data, size);
    if (p == NULL)
        return EG_E_INTERNAL;
    b->data = p;
    b->alloc = size;
    return EG_OK;
}

enum eg_status eg_buf_append(struct eg_buf *b, const void *p, size_t n)
{
    enum eg_status st = reserve(b, n);

    if (st != EG_OK)
        return st;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return EG_OK;
}

enum eg_status eg_buf_puts(struct eg_buf *b, const char *s)
{
    return eg_buf_append(b, s, strlen(s));
}

/* Measure the output first, so a failed append leaves the buffer as it was. */
enum eg_status eg_buf_printf(struct eg_buf *b, const char *fmt, ...)
{
    enum eg_status st;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        st = EG_E_INTERNAL;
        goto out;
    }
    st = reserve(b, (size_t)n);
    if (st != EG_OK)
        goto out;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
out:
    return st;
}

void eg_buf_reset(struct eg_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void eg_buf_free(struct eg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

/* An empty buffer hands out an allocated empty string, never NULL data,
 * unless memory runs out. */
char *eg_buf_take(struct eg_buf *b, size_t *len)
{
    char *p = b->data;

    if (p == NULL)
        p = calloc(1, 1);
    if (len != NULL)
        *len = p == NULL ? 0 : b->len;
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return p;
}
