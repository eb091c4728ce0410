/*
 * arena.h — a bump allocator for memory that lives as long as one request
 * (or one command). Everything allocated from an arena is freed at once by
 * eg_arena_destroy(); cleanup callbacks registered with eg_arena_defer() run
 * first, in reverse order (used for jansson references, statements, files).
 */
#ifndef EG_CORE_ARENA_H
#define EG_CORE_ARENA_H

#include <stddef.h>
#include <stdarg.h>

struct eg_arena;

/* A new empty arena, or NULL when out of memory. */
struct eg_arena *eg_arena_new(void);

/* Run deferred cleanups, then free every block and the arena itself. NULL is allowed. */
void eg_arena_destroy(struct eg_arena *a);

/* n bytes aligned for any type, zeroed; NULL only when out of memory. */
void *eg_arena_alloc(struct eg_arena *a, size_t n);

/* A NUL-terminated copy of s (NULL gives NULL). */
char *eg_arena_strdup(struct eg_arena *a, const char *s);

/* A NUL-terminated copy of the first n bytes of s. */
char *eg_arena_strndup(struct eg_arena *a, const char *s, size_t n);

/* printf into arena memory. */
char *eg_arena_printf(struct eg_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *eg_arena_vprintf(struct eg_arena *a, const char *fmt, va_list ap);

/* Call fn(p) when the arena is destroyed. Returns 0, or -1 when out of memory
 * (in which case fn(p) is called at once so nothing leaks). */
int eg_arena_defer(struct eg_arena *a, void (*fn)(void *), void *p);

/* An arena array of elem-sized items with n used and *cap allocated, made
 * room for one more: returned as is while n < *cap, else copied into an
 * allocation twice the size (16 to start) and *cap updated. NULL (and *cap
 * unchanged) when out of memory. */
void *eg_arena_grow(struct eg_arena *a, void *arr, size_t n, size_t *cap, size_t elem);

/* Bytes handed out so far (for tests and limits). */
size_t eg_arena_used(const struct eg_arena *a);

#endif
