/*
 * arena.c — a chunked bump allocator.
 *
 * Memory comes from a list of chunks. The first chunk is 8 KiB; when the
 * current chunk cannot hold a request, a new chunk is added that is twice
 * the size of the last one (capped at 1 MiB) or, for a large request, just
 * big enough for it. Chunks are calloc'd, and no byte is ever handed out
 * twice, so every allocation is zeroed. Allocations are 16-byte aligned.
 */
#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN       16
#define FIRST_CHUNK ((size_t)8 * 1024)
#define MAX_CHUNK   ((size_t)1024 * 1024)

struct chunk {
    struct chunk *next; /* the chunk allocated before this one */
    size_t size;        /* bytes in data */
    size_t used;        /* bytes handed out from data */
    _Alignas(ALIGN) unsigned char data[];
};

struct deferred {
    struct deferred *next; /* registered before this one */
    void (*fn)(void *);
    void *p;
};

struct eg_arena {
    struct chunk *head;      /* the chunk allocations are bumped from */
    struct deferred *defers; /* most recent first */
    size_t used;             /* bytes handed out (after alignment) */
    size_t next_size;        /* size of the next regular chunk */
};

static size_t round_up(size_t n)
{
    return (n + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
}

/* Allocate a zeroed chunk with room for size bytes; NULL on failure. */
static struct chunk *chunk_new(size_t size)
{
    struct chunk *c;

    if (size > SIZE_MAX - sizeof(struct chunk))
        return NULL;
    c = calloc(1, sizeof(struct chunk) + size);
    if (c == NULL)
        return NULL;
    c->size = size;
    return c;
}

struct eg_arena *eg_arena_new(void)
{
    struct eg_arena *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->head = chunk_new(FIRST_CHUNK);
    if (a->head == NULL) {
        free(a);
        return NULL;
    }
    a->next_size = FIRST_CHUNK * 2;
    return a;
}

void eg_arena_destroy(struct eg_arena *a)
{
    struct deferred *d;
    struct chunk *c;

    if (a == NULL)
        return;
    /* The deferred records live in the arena's chunks, so run them all
     * before any chunk is freed. The list is newest first: reverse order. */
    for (d = a->defers; d != NULL; d = d->next)
        d->fn(d->p);
    c = a->head;
    while (c != NULL) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

/*
 * Bump-allocate n bytes. A request that does not fit in the current chunk
 * gets a new chunk; a large request gets a chunk of its own that is put
 * behind the current one, so the current chunk keeps serving small
 * requests.
 */
void *eg_arena_alloc(struct eg_arena *a, size_t n)
{
    struct chunk *c;
    size_t need;
    void *p;

    if (a == NULL)
        return NULL;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    need = round_up(n);
    c = a->head;
    if (c->size - c->used >= need) {
        p = c->data + c->used;
        c->used += need;
        a->used += need;
        return p;
    }
    if (need > a->next_size / 4) {
        /* Large: a dedicated chunk, linked after the head. */
        c = chunk_new(need);
        if (c == NULL)
            return NULL;
        c->used = need;
        c->next = a->head->next;
        a->head->next = c;
        a->used += need;
        return c->data;
    }
    c = chunk_new(a->next_size);
    if (c == NULL)
        return NULL;
    if (a->next_size < MAX_CHUNK)
        a->next_size *= 2;
    c->next = a->head;
    a->head = c;
    c->used = need;
    a->used += need;
    return c->data;
}

char *eg_arena_strdup(struct eg_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return eg_arena_strndup(a, s, strlen(s));
}

char *eg_arena_strndup(struct eg_arena *a, const char *s, size_t n)
{
    char *p;

    if (s == NULL)
        return NULL;
    n = strnlen(s, n);
    if (n == SIZE_MAX)
        return NULL;
    p = eg_arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *eg_arena_printf(struct eg_arena *a, const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = eg_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

/* Format once to measure, then again into arena memory of the right size. */
char *eg_arena_vprintf(struct eg_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    char *p = NULL;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        goto out;
    p = eg_arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        goto out;
    va_copy(ap2, ap);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
out:
    return p;
}

int eg_arena_defer(struct eg_arena *a, void (*fn)(void *), void *p)
{
    struct deferred *d = eg_arena_alloc(a, sizeof(*d));

    if (d == NULL) {
        fn(p);
        return -1;
    }
    d->fn = fn;
    d->p = p;
    d->next = a->defers;
    a->defers = d;
    return 0;
}

size_t eg_arena_used(const struct eg_arena *a)
{
    return a == NULL ? 0 : a->used;
}

void *eg_arena_grow(struct eg_arena *a, void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *bigger = eg_arena_alloc(a, ncap * elem);
    if (bigger == NULL)
        return NULL;
    if (arr != NULL && n > 0)
        memcpy(bigger, arr, n * elem);
    *cap = ncap;
    return bigger;
}
