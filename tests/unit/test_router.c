/*
 * test_router.c — route matching: literal segments before parameters,
 * 404 versus 405 with its Allow list, percent-decoding of parameters,
 * hostile parameter values, and a large table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http/router.h"
#include "core/arena.h"

static void h_list(struct eg_req *req)
{
    (void)req;
}
static void h_create(struct eg_req *req)
{
    (void)req;
}
static void h_export(struct eg_req *req)
{
    (void)req;
}
static void h_one(struct eg_req *req)
{
    (void)req;
}
static void h_delete(struct eg_req *req)
{
    (void)req;
}
static void h_trans(struct eg_req *req)
{
    (void)req;
}
static void h_file(struct eg_req *req)
{
    (void)req;
}
static void h_ab(struct eg_req *req)
{
    (void)req;
}
static void h_xc(struct eg_req *req)
{
    (void)req;
}
static void h_six(struct eg_req *req)
{
    (void)req;
}
static void h_health(struct eg_req *req)
{
    (void)req;
}

/* The parameter route comes first on purpose: order must not decide. */
static const struct eg_route cases[] = {
    {"GET", "/api/v1/cases/{id}", h_one, 0, 0, 0, NULL, NULL, "one"},
    {"DELETE", "/api/v1/cases/{id}", h_delete, 0, 0, 0, NULL, NULL, "delete"},
    {"GET", "/api/v1/cases", h_list, 0, 0, 0, NULL, NULL, "list"},
    {"POST", "/api/v1/cases", h_create, 0, 0, 0, NULL, NULL, "create"},
    {"GET", "/api/v1/cases/export", h_export, 0, 0, 0, NULL, NULL, "export"},
    {"POST", "/api/v1/cases/{id}/transitions", h_trans, 0, 0, 0, NULL, NULL, "transition"},
    {"GET", "/files/{name}", h_file, 0, 0, 0, NULL, NULL, "file"},
    {"GET", "/a/{x}/c", h_xc, 0, 0, 0, NULL, NULL, "xc"},
    {"GET", "/a/b/{y}", h_ab, 0, 0, 0, NULL, NULL, "ab"},
    {"GET", "/p/{a}/{b}/{c}/{d}/{e}/{f}", h_six, 0, 0, 0, NULL, NULL, "six"},
    {0},
};

static const struct eg_route system_routes[] = {
    {"GET", "/healthz", h_health, 0, 0, 0, NULL, NULL, "health"},
    {0},
};

static const struct eg_route *const tables[] = {system_routes, cases};
static const struct eg_route_set set = {tables, 2};

static int setup(void **state)
{
    *state = eg_arena_new();
    return *state == NULL;
}

static int teardown(void **state)
{
    eg_arena_destroy(*state);
    return 0;
}

static enum eg_status match(void **state, const char *method, const char *path,
                            struct eg_route_match *m)
{
    return eg_router_match(&set, method, path, *state, m);
}

static void test_literal_beats_param(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "GET", "/api/v1/cases/export", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_export);
    assert_int_equal(m.n_params, 0);

    assert_int_equal(match(state, "GET", "/api/v1/cases/42", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_one);
    assert_int_equal(m.n_params, 1);
    assert_string_equal(m.param_names[0], "id");
    assert_string_equal(m.param_values[0], "42");

    assert_int_equal(match(state, "GET", "/api/v1/cases", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_list);
    assert_int_equal(match(state, "POST", "/api/v1/cases", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_create);

    assert_int_equal(match(state, "POST", "/api/v1/cases/7/transitions", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_trans);
    assert_string_equal(m.param_values[0], "7");

    assert_int_equal(match(state, "GET", "/healthz", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_health);
}

/* The first position where patterns differ decides: /a/b/{y} beats /a/{x}/c. */
static void test_leftmost_literal_wins(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "GET", "/a/b/c", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_ab);
    assert_string_equal(m.param_names[0], "y");
    assert_string_equal(m.param_values[0], "c");

    assert_int_equal(match(state, "GET", "/a/z/c", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_xc);
    assert_string_equal(m.param_values[0], "z");
}

static void test_not_found(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "GET", "/api/v1/nothing", &m), EG_E_NOT_FOUND);
    assert_null(m.route);
    assert_int_equal(match(state, "GET", "/", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "api/v1/cases", &m), EG_E_NOT_FOUND);
    /* Too many segments, too few. */
    assert_int_equal(match(state, "GET", "/api/v1/cases/1/2", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/api/v1", &m), EG_E_NOT_FOUND);
    /* Literal segments are compared exactly. */
    assert_int_equal(match(state, "GET", "/api/v1/Cases", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/api/v1/case", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/api/v1/casesx", &m), EG_E_NOT_FOUND);
}

static void test_trailing_slash_and_empty_segments(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "GET", "/api/v1/cases/", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/healthz/", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/api/v1//cases", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "//api/v1/cases", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "POST", "/api/v1/cases//transitions", &m), EG_E_NOT_FOUND);
}

static void test_method_not_allowed(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "PUT", "/api/v1/cases", &m), EG_E_METHOD_NOT_ALLOWED);
    assert_null(m.route);
    assert_string_equal(m.allow, "GET, HEAD, POST");

    assert_int_equal(match(state, "PATCH", "/api/v1/cases/9", &m), EG_E_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD, DELETE");

    assert_int_equal(match(state, "GET", "/api/v1/cases/9/transitions", &m),
                     EG_E_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "POST");

    assert_int_equal(match(state, "OPTIONS", "/healthz", &m), EG_E_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD");

    assert_int_equal(match(state, "BREW", "/healthz", &m), EG_E_METHOD_NOT_ALLOWED);
}

/* HEAD is served wherever GET is. */
static void test_head_uses_get(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "HEAD", "/api/v1/cases/export", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_export);
    assert_int_equal(match(state, "HEAD", "/api/v1/cases/3", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_one);
    assert_int_equal(match(state, "HEAD", "/api/v1/cases/3/transitions", &m),
                     EG_E_METHOD_NOT_ALLOWED);
}

/* A method that only a parameter route accepts still reaches it, even
 * where a literal route exists for other methods. */
static void test_method_picks_among_patterns(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "DELETE", "/api/v1/cases/export", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_delete);
    assert_string_equal(m.param_values[0], "export");
}

static void test_percent_decoding(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "GET", "/files/a%20b", &m), EG_OK);
    assert_string_equal(m.param_values[0], "a b");
    assert_int_equal(match(state, "GET", "/files/a+b", &m), EG_OK);
    assert_string_equal(m.param_values[0], "a+b");
    assert_int_equal(match(state, "GET", "/files/%E5%8E%A6%e9%97%a8", &m), EG_OK);
    assert_string_equal(m.param_values[0], "厦门");
    assert_int_equal(match(state, "GET", "/files/100%25", &m), EG_OK);
    assert_string_equal(m.param_values[0], "100%");
    assert_int_equal(match(state, "GET", "/api/v1/cases/%31%32", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_one);
    assert_string_equal(m.param_values[0], "12");
    /* Encoded literals are not literals. */
    assert_int_equal(match(state, "GET", "/api/v1/cases/%65xport", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_one);
    assert_string_equal(m.param_values[0], "export");
}

static void test_hostile_params(void **state)
{
    struct eg_route_match m;

    /* Encoded slashes and NULs never make a parameter. */
    assert_int_equal(match(state, "GET", "/files/..%2F..%2Fetc%2Fpasswd", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/files/a%2fb", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/files/a%00b", &m), EG_E_NOT_FOUND);
    /* Malformed escapes. */
    assert_int_equal(match(state, "GET", "/files/a%zzb", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/files/a%4", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/files/a%", &m), EG_E_NOT_FOUND);
    assert_int_equal(match(state, "GET", "/files/%", &m), EG_E_NOT_FOUND);
    /* Raw dot segments are just more segments: no route has them. */
    assert_int_equal(match(state, "GET", "/files/../etc/passwd", &m), EG_E_NOT_FOUND);
    /* A lone ".." is a value like any other (the handler decides). */
    assert_int_equal(match(state, "GET", "/files/%2e%2e", &m), EG_OK);
    assert_string_equal(m.param_values[0], "..");
    assert_int_equal(match(state, "GET", "/files/..", &m), EG_OK);
    assert_string_equal(m.param_values[0], "..");
    /* Backslashes are plain bytes in a value. */
    assert_int_equal(match(state, "GET", "/files/a%5Cb", &m), EG_OK);
    assert_string_equal(m.param_values[0], "a\\b");
}

static void test_six_params(void **state)
{
    struct eg_route_match m;

    assert_int_equal(match(state, "GET", "/p/1/2/3/4/5/6", &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_six);
    assert_int_equal(m.n_params, 6);
    assert_string_equal(m.param_names[0], "a");
    assert_string_equal(m.param_names[5], "f");
    assert_string_equal(m.param_values[0], "1");
    assert_string_equal(m.param_values[5], "6");
}

static void test_url_decode(void **state)
{
    struct eg_arena *a = *state;
    char *s;

    s = eg_url_decode(a, "a%20b%2Fc+d", 11);
    assert_non_null(s);
    assert_string_equal(s, "a b/c+d");
    s = eg_url_decode(a, "abc%41", 6);
    assert_non_null(s);
    assert_string_equal(s, "abcA");
    s = eg_url_decode(a, "abcdef", 3); /* only the first 3 bytes */
    assert_non_null(s);
    assert_string_equal(s, "abc");
    assert_null(eg_url_decode(a, "abc%41", 4)); /* the escape is cut off */
    assert_null(eg_url_decode(a, "abc%4", 5));
    assert_null(eg_url_decode(a, "%00", 3));
    assert_null(eg_url_decode(a, "%g0", 3));
    assert_null(eg_url_decode(a, "%0g", 3));
    s = eg_url_decode(a, "", 0);
    assert_non_null(s);
    assert_string_equal(s, "");
}

/* Many routes: every one found, by its own handler, and others not. */
#define N_GEN 300
static void test_many_routes(void **state)
{
    static char patterns[N_GEN][64];
    static struct eg_route gen[N_GEN + 1];
    const struct eg_route *const gtables[] = {gen, cases};
    const struct eg_route_set gset = {gtables, 2};
    struct eg_route_match m;
    char path[96];
    int i;

    for (i = 0; i < N_GEN; i++) {
        if (i % 3 == 0)
            snprintf(patterns[i], sizeof(patterns[i]), "/api/v1/r%d", i);
        else if (i % 3 == 1)
            snprintf(patterns[i], sizeof(patterns[i]), "/api/v1/r%d/{id}", i);
        else
            snprintf(patterns[i], sizeof(patterns[i]), "/api/v1/r%d/{id}/sub/{sub}", i);
        gen[i].method = (i % 2) ? "POST" : "GET";
        gen[i].pattern = patterns[i];
        gen[i].handler = h_list;
        gen[i].summary = patterns[i];
    }
    memset(&gen[N_GEN], 0, sizeof(gen[N_GEN]));

    for (i = 0; i < N_GEN; i++) {
        const char *method = (i % 2) ? "POST" : "GET";

        if (i % 3 == 0)
            snprintf(path, sizeof(path), "/api/v1/r%d", i);
        else if (i % 3 == 1)
            snprintf(path, sizeof(path), "/api/v1/r%d/x%d", i, i);
        else
            snprintf(path, sizeof(path), "/api/v1/r%d/x%d/sub/y", i, i);
        assert_int_equal(eg_router_match(&gset, method, path, *state, &m), EG_OK);
        assert_ptr_equal(m.route, &gen[i]);
        if (i % 3 != 0) {
            char want[32];

            snprintf(want, sizeof(want), "x%d", i);
            assert_string_equal(m.param_values[0], want);
        }
        /* The other method is 405 with exactly this route's method. */
        assert_int_equal(eg_router_match(&gset, (i % 2) ? "PUT" : "PATCH", path, *state, &m),
                         EG_E_METHOD_NOT_ALLOWED);
        assert_string_equal(m.allow, (i % 2) ? "POST" : "GET, HEAD");
    }
    assert_int_equal(eg_router_match(&gset, "GET", "/api/v1/r300", *state, &m), EG_E_NOT_FOUND);
    assert_int_equal(eg_router_match(&gset, "GET", "/api/v1/r0/extra", *state, &m), EG_E_NOT_FOUND);
    /* The second table is still reached. */
    assert_int_equal(eg_router_match(&gset, "GET", "/api/v1/cases/export", *state, &m), EG_OK);
    assert_ptr_equal(m.route->handler, h_export);
}

static void test_empty_set(void **state)
{
    const struct eg_route_set none = {NULL, 0};
    struct eg_route_match m;

    assert_int_equal(eg_router_match(&none, "GET", "/healthz", *state, &m), EG_E_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_literal_beats_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftmost_literal_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash_and_empty_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_uses_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_picks_among_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_six_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_set, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
