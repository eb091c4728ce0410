/*
 * test_arena_buf.c — the arena allocator and the capped buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"

static int is_zero(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Every allocation is 16-byte aligned, zeroed and disjoint from the others,
 * across many chunks and with large requests mixed in. */
static void test_arena_alloc(void **state)
{
    struct eg_arena *a = eg_arena_new();
    unsigned char *ptrs[600];
    size_t sizes[600];
    size_t i, j, total = 0;

    assert_non_null(a);
    assert_int_equal(eg_arena_used(a), 0);
    for (i = 0; i < 600; i++) {
        sizes[i] = (i % 7 == 0) ? 20000 + i : 1 + (i * 37) % 300;
        if (i == 599)
            sizes[i] = 3 * 1024 * 1024;
        ptrs[i] = eg_arena_alloc(a, sizes[i]);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % 16, 0);
        assert_true(is_zero(ptrs[i], sizes[i]));
        memset(ptrs[i], (int)(i % 251) + 1, sizes[i]);
        total += sizes[i];
    }
    assert_true(eg_arena_used(a) >= total);
    /* No allocation overwrote another. */
    for (i = 0; i < 600; i++)
        for (j = 0; j < sizes[i]; j++)
            assert_int_equal(ptrs[i][j], (int)(i % 251) + 1);
    /* Zero bytes still gives a distinct pointer. */
    assert_non_null(eg_arena_alloc(a, 0));
    assert_null(eg_arena_alloc(a, SIZE_MAX));
    assert_null(eg_arena_alloc(a, SIZE_MAX - 8));
    eg_arena_destroy(a);
    eg_arena_destroy(NULL);
}

static void test_arena_strings(void **state)
{
    struct eg_arena *a = eg_arena_new();
    char big[20000];
    char *s;

    assert_non_null(a);
    s = eg_arena_strdup(a, "厦门市");
    assert_string_equal(s, "厦门市");
    assert_null(eg_arena_strdup(a, NULL));
    assert_null(eg_arena_strndup(a, NULL, 3));
    assert_string_equal(eg_arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(eg_arena_strndup(a, "ab", 10), "ab");
    assert_string_equal(eg_arena_strndup(a, "abc", 0), "");
    assert_string_equal(eg_arena_printf(a, "n=%d s=%s", 42, "x"), "n=42 s=x");
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = eg_arena_printf(a, "<%s>", big);
    assert_non_null(s);
    assert_int_equal(strlen(s), sizeof(big) + 1);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[sizeof(big)], '>');
    eg_arena_destroy(a);
}

struct order {
    int seen[8];
    int n;
};

struct tag {
    int id;
    struct order *o;
};

static void record(void *p)
{
    struct tag *t = p;

    t->o->seen[t->o->n++] = t->id;
}

/* Deferred cleanups run at destroy, newest first, after allocations made
 * between them (their records may share chunks with other data). */
static void test_arena_defer(void **state)
{
    struct order o = {{0}, 0};
    struct tag tags[4] = {{1, &o}, {2, &o}, {3, &o}, {4, &o}};
    struct eg_arena *a = eg_arena_new();
    int i;

    assert_non_null(a);
    for (i = 0; i < 4; i++) {
        assert_int_equal(eg_arena_defer(a, record, &tags[i]), 0);
        assert_non_null(eg_arena_alloc(a, 5000));
    }
    assert_int_equal(o.n, 0);
    eg_arena_destroy(a);
    assert_int_equal(o.n, 4);
    assert_int_equal(o.seen[0], 4);
    assert_int_equal(o.seen[1], 3);
    assert_int_equal(o.seen[2], 2);
    assert_int_equal(o.seen[3], 1);
}

static void test_arena_defer_free(void **state)
{
    struct eg_arena *a = eg_arena_new();
    char *heap = malloc(100);

    assert_non_null(a);
    assert_non_null(heap);
    /* Under the leak checker, a missed free shows up. */
    assert_int_equal(eg_arena_defer(a, free, heap), 0);
    eg_arena_destroy(a);
}

static void test_buf_basic(void **state)
{
    struct eg_buf b;
    size_t len = 99;
    char *p;

    eg_buf_init(&b, 1000);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(eg_buf_puts(&b, "hello"), EG_OK);
    assert_int_equal(eg_buf_append(&b, ", ", 2), EG_OK);
    assert_int_equal(eg_buf_printf(&b, "%s %d", "world", 7), EG_OK);
    assert_string_equal(b.data, "hello, world 7");
    assert_int_equal(b.len, 14);
    assert_int_equal(eg_buf_append(&b, "\0x", 2), EG_OK);
    assert_int_equal(b.len, 16);
    assert_int_equal(b.data[14], '\0');
    assert_int_equal(b.data[15], 'x');
    assert_int_equal(b.data[16], '\0');
    eg_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(eg_buf_puts(&b, "again"), EG_OK);
    p = eg_buf_take(&b, &len);
    assert_string_equal(p, "again");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(p);
    /* Taking an empty buffer gives an empty string. */
    p = eg_buf_take(&b, &len);
    assert_non_null(p);
    assert_string_equal(p, "");
    assert_int_equal(len, 0);
    free(p);
    eg_buf_free(&b);
    /* Reusable after free. */
    assert_int_equal(eg_buf_puts(&b, "x"), EG_OK);
    assert_string_equal(b.data, "x");
    eg_buf_free(&b);
    assert_null(b.data);
}

/* The cap is exact and a refused append changes nothing. */
static void test_buf_cap(void **state)
{
    struct eg_buf b;
    char chunk[100];
    int i;

    memset(chunk, 'a', sizeof(chunk));
    eg_buf_init(&b, 250);
    for (i = 0; i < 2; i++)
        assert_int_equal(eg_buf_append(&b, chunk, 100), EG_OK);
    assert_int_equal(eg_buf_append(&b, chunk, 51), EG_E_TOO_LARGE);
    assert_int_equal(b.len, 200);
    assert_int_equal(b.data[200], '\0');
    assert_int_equal(eg_buf_printf(&b, "%051d", 1), EG_E_TOO_LARGE);
    assert_int_equal(b.len, 200);
    assert_int_equal(b.data[200], '\0');
    assert_int_equal(eg_buf_puts(&b, "0123456789012345678901234567890123456789012345678"), EG_OK);
    assert_int_equal(b.len, 249);
    assert_int_equal(eg_buf_printf(&b, "%d", 9), EG_OK);
    assert_int_equal(b.len, 250);
    assert_int_equal(b.data[250], '\0');
    assert_true(b.alloc <= 251);
    assert_int_equal(eg_buf_append(&b, "x", 1), EG_E_TOO_LARGE);
    assert_int_equal(eg_buf_append(&b, "", 0), EG_OK);
    assert_int_equal(eg_buf_append(&b, chunk, SIZE_MAX), EG_E_TOO_LARGE);
    assert_int_equal(b.len, 250);
    eg_buf_free(&b);

    eg_buf_init(&b, 0);
    assert_int_equal(eg_buf_append(&b, "x", 1), EG_E_TOO_LARGE);
    assert_int_equal(b.len, 0);
    eg_buf_free(&b);
}

/* Growth across many small appends keeps every byte. */
static void test_buf_growth(void **state)
{
    struct eg_buf b;
    size_t i;

    eg_buf_init(&b, 1 << 20);
    for (i = 0; i < 100000; i++) {
        char c = (char)('a' + i % 26);
        assert_int_equal(eg_buf_append(&b, &c, 1), EG_OK);
    }
    assert_int_equal(b.len, 100000);
    for (i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    assert_int_equal(strlen(b.data), 100000);
    eg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alloc), cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_defer), cmocka_unit_test(test_arena_defer_free),
        cmocka_unit_test(test_buf_basic),   cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_growth),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
