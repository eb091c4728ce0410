/*
 * test_authz.c — the role gate and the row rules of auth/authz.h, for every
 * role against every kind of row: a worker's own and another's, a
 * platform's own and another's, department rows inside and outside a
 * mediator's scope (with and without "and below"), co-handled rows, and
 * rows flagged for insurers and analysts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/authz.h"
#include "core/principal.h"

/* The tree used below: centre /1/, hrss /1/2/, a unit under hrss /1/2/9/,
 * justice /1/3/, siming district /1/30/. */
#define CENTRE    "/1/"
#define HRSS      "/1/2/"
#define HRSS_UNIT "/1/2/9/"
#define JUSTICE   "/1/3/"
#define SIMING    "/1/30/"

static struct eg_principal who_of(enum eg_role role, const char *path, int below)
{
    struct eg_principal p;
    memset(&p, 0, sizeof p);
    p.role = role;
    p.user_id = 10;
    if (role == EG_ROLE_WORKER)
        p.person_id = 100;
    if (role == EG_ROLE_PLATFORM) {
        p.organisation_id = 7;
        p.user_id = 0;
        p.api_key_id = 3;
    }
    if (path) {
        snprintf(p.department_path, sizeof p.department_path, "%s", path);
        p.department_id = 2;
    }
    p.scope_below = below;
    return p;
}

static struct eg_row_scope row_empty(void)
{
    struct eg_row_scope r;
    memset(&r, 0, sizeof r);
    return r;
}

static void test_role_names(void **state)
{
    (void)state;
    static const enum eg_role all[] = {EG_ROLE_WORKER,  EG_ROLE_PLATFORM,  EG_ROLE_MEDIATOR,
                                       EG_ROLE_INSURER, EG_ROLE_ANALYST,   EG_ROLE_SUPERVISOR,
                                       EG_ROLE_ADMIN,   EG_ROLE_DEPARTMENT};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *n = eg_role_name(all[i]);
        assert_string_not_equal(n, "none");
        assert_int_equal(eg_role_parse(n), all[i]);
    }
    assert_string_equal(eg_role_name(EG_ROLE_NONE), "none");
    assert_string_equal(eg_role_name(EG_ROLE_MEDIATOR), "mediator");
    assert_int_equal(eg_role_parse("Admin"), EG_ROLE_NONE);
    assert_int_equal(eg_role_parse(""), EG_ROLE_NONE);
    assert_int_equal(eg_role_parse(NULL), EG_ROLE_NONE);
    assert_int_equal(eg_role_parse("none"), EG_ROLE_NONE);
}

static void test_role_gate(void **state)
{
    (void)state;
    struct eg_principal w = who_of(EG_ROLE_WORKER, NULL, 0);
    struct eg_principal a = who_of(EG_ROLE_ANALYST, HRSS, 1);
    struct eg_principal none = who_of(EG_ROLE_NONE, NULL, 0);
    assert_int_equal(eg_authz_role(&w, EG_ROLE_WORKER | EG_ROLE_ADMIN), EG_OK);
    assert_int_equal(eg_authz_role(&w, EG_ROLES_STAFF), EG_E_FORBIDDEN);
    assert_int_equal(eg_authz_role(&a, EG_ROLES_STAFF), EG_OK);
    assert_int_equal(eg_authz_role(&a, EG_ROLE_MEDIATOR | EG_ROLE_INSURER | EG_ROLE_ADMIN),
                     EG_E_FORBIDDEN);
    assert_int_equal(eg_authz_role(&none, EG_ROLES_ALL), EG_E_FORBIDDEN);
    assert_int_equal(eg_authz_role(NULL, EG_ROLES_ALL), EG_E_FORBIDDEN);
    /* The role gate comes before the row: a role not allowed is 403 even
     * for a row it could otherwise see. */
    struct eg_row_scope own = row_empty();
    own.owner_person_id = 100;
    assert_int_equal(eg_authz_row(&w, EG_ROLES_STAFF, &own), EG_E_FORBIDDEN);
    assert_int_equal(eg_authz_row(&w, EG_ROLE_WORKER, &own), EG_OK);
    assert_int_equal(eg_authz_row(&w, EG_ROLE_WORKER, NULL), EG_E_NOT_FOUND);
}

static void test_dept_within(void **state)
{
    (void)state;
    assert_true(eg_authz_dept_within(HRSS, 0, HRSS));
    assert_true(eg_authz_dept_within(HRSS, 1, HRSS));
    assert_false(eg_authz_dept_within(HRSS, 0, HRSS_UNIT));
    assert_true(eg_authz_dept_within(HRSS, 1, HRSS_UNIT));
    assert_true(eg_authz_dept_within(CENTRE, 1, HRSS_UNIT));
    assert_false(eg_authz_dept_within(HRSS_UNIT, 1, HRSS)); /* never upwards */
    assert_false(eg_authz_dept_within(HRSS, 1, JUSTICE));   /* never sideways */
    /* "/1/3/" is not inside "/1/30/" nor the other way round. */
    assert_false(eg_authz_dept_within(JUSTICE, 1, SIMING));
    assert_false(eg_authz_dept_within(SIMING, 1, JUSTICE));
    assert_false(eg_authz_dept_within("/1/2", 1, "/1/2/9/")); /* not a closed path */
    assert_false(eg_authz_dept_within("", 1, HRSS));
    assert_false(eg_authz_dept_within(HRSS, 1, ""));
    assert_false(eg_authz_dept_within(NULL, 1, HRSS));
    assert_false(eg_authz_dept_within(HRSS, 1, NULL));
    assert_false(eg_authz_dept_within("/", 1, HRSS));
}

/* Every row kind used in the role × row table. */
enum row_kind {
    R_OWN_PERSON,   /* owner_person_id = the worker's */
    R_OTHER_PERSON, /* another worker's */
    R_OWN_ORG,      /* organisation_id = the platform's */
    R_OTHER_ORG,    /* another organisation's */
    R_DEPT_HRSS,    /* handled by hrss */
    R_DEPT_UNIT,    /* handled below hrss */
    R_DEPT_JUSTICE, /* handled by justice */
    R_CO_HRSS,      /* handled by justice, co-handled by hrss */
    R_CO_UNIT,      /* handled by justice, co-handled below hrss */
    R_INSURANCE,    /* insurer_visible */
    R_AGGREGATE,    /* analyst_visible */
    R_BARE,         /* no owner, organisation, department or flag */
    R_COUNT
};

static struct eg_row_scope make_row(enum row_kind k, const char **co)
{
    struct eg_row_scope r = row_empty();
    switch (k) {
    case R_OWN_PERSON:
        r.owner_person_id = 100;
        r.department_path = JUSTICE;
        break;
    case R_OTHER_PERSON:
        r.owner_person_id = 101;
        r.department_path = JUSTICE;
        break;
    case R_OWN_ORG:
        r.organisation_id = 7;
        break;
    case R_OTHER_ORG:
        r.organisation_id = 8;
        break;
    case R_DEPT_HRSS:
        r.department_path = HRSS;
        break;
    case R_DEPT_UNIT:
        r.department_path = HRSS_UNIT;
        break;
    case R_DEPT_JUSTICE:
        r.department_path = JUSTICE;
        break;
    case R_CO_HRSS:
        r.department_path = JUSTICE;
        co[0] = SIMING;
        co[1] = HRSS;
        r.co_department_paths = co;
        r.n_co = 2;
        break;
    case R_CO_UNIT:
        r.department_path = JUSTICE;
        co[0] = HRSS_UNIT;
        r.co_department_paths = co;
        r.n_co = 1;
        break;
    case R_INSURANCE:
        r.insurer_visible = 1;
        r.owner_person_id = 101;
        break;
    case R_AGGREGATE:
        r.analyst_visible = 1;
        break;
    case R_BARE:
    case R_COUNT:
        break;
    }
    return r;
}

/* The expected answer ('y' = EG_OK, 'n' = EG_E_NOT_FOUND) per caller and
 * row kind, in enum row_kind order. */
static const struct {
    const char *name;
    enum eg_role role;
    const char *path;
    int below;
    const char *expect; /* R_COUNT characters */
} table[] = {
    /*                                          OP OP2 OO OO2 HR UN JU CH CU IN AG BA */
    {"admin", EG_ROLE_ADMIN, CENTRE, 1, "yyyyyyyyyyyy"},
    {"supervisor", EG_ROLE_SUPERVISOR, CENTRE, 0, "yyyyyyyyyyyy"},
    {"worker", EG_ROLE_WORKER, NULL, 0, "ynnnnnnnnnnn"},
    {"platform", EG_ROLE_PLATFORM, NULL, 0, "nnynnnnnnnnn"},
    {"mediator hrss below", EG_ROLE_MEDIATOR, HRSS, 1, "nnnnyynyynnn"},
    {"mediator hrss only", EG_ROLE_MEDIATOR, HRSS, 0, "nnnnynnynnnn"},
    {"mediator centre below", EG_ROLE_MEDIATOR, CENTRE, 1, "yynnyyyyynnn"},
    {"mediator centre only", EG_ROLE_MEDIATOR, CENTRE, 0, "nnnnnnnnnnnn"},
    {"mediator justice", EG_ROLE_MEDIATOR, JUSTICE, 1, "yynnnnyyynnn"},
    {"mediator without department", EG_ROLE_MEDIATOR, NULL, 1, "nnnnnnnnnnnn"},
    {"department key hrss", EG_ROLE_DEPARTMENT, HRSS, 1, "nnnnyynnnnnn"},
    {"insurer", EG_ROLE_INSURER, NULL, 0, "nnnnnnnnnynn"},
    {"analyst", EG_ROLE_ANALYST, HRSS, 1, "nnnnnnnnnnyn"},
};

static void test_row_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        struct eg_principal w = who_of(table[i].role, table[i].path, table[i].below);
        assert_int_equal(strlen(table[i].expect), R_COUNT);
        for (int k = 0; k < R_COUNT; k++) {
            const char *co[2] = {NULL, NULL};
            struct eg_row_scope r = make_row((enum row_kind)k, co);
            enum eg_status want = table[i].expect[k] == 'y' ? EG_OK : EG_E_NOT_FOUND;
            enum eg_status got = eg_authz_row(&w, EG_ROLES_ALL, &r);
            if (got != want)
                fail_msg("%s, row kind %d: got %s, want %s", table[i].name, k, eg_status_code(got),
                         eg_status_code(want));
            /* Not allowed by the route: always 403, whatever the row. */
            assert_int_equal(eg_authz_row(&w, EG_ROLES_ALL & ~(unsigned)table[i].role, &r),
                             EG_E_FORBIDDEN);
        }
    }
}

/* Ids of 0 never match: a worker without a person or a key without an
 * organisation sees nothing, even rows that have no owner either. */
static void test_zero_ids_never_match(void **state)
{
    (void)state;
    struct eg_principal w = who_of(EG_ROLE_WORKER, NULL, 0);
    w.person_id = 0;
    struct eg_row_scope r = row_empty();
    assert_int_equal(eg_authz_row(&w, EG_ROLES_ALL, &r), EG_E_NOT_FOUND);
    struct eg_principal p = who_of(EG_ROLE_PLATFORM, NULL, 0);
    p.organisation_id = 0;
    assert_int_equal(eg_authz_row(&p, EG_ROLES_ALL, &r), EG_E_NOT_FOUND);
    struct eg_principal m = who_of(EG_ROLE_MEDIATOR, HRSS, 1);
    r.department_path = NULL;
    assert_int_equal(eg_authz_row(&m, EG_ROLES_ALL, &r), EG_E_NOT_FOUND);
    /* n_co without paths is ignored, not dereferenced. */
    r.n_co = 3;
    assert_int_equal(eg_authz_row(&m, EG_ROLES_ALL, &r), EG_E_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_names),           cmocka_unit_test(test_role_gate),
        cmocka_unit_test(test_dept_within),          cmocka_unit_test(test_row_table),
        cmocka_unit_test(test_zero_ids_never_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
