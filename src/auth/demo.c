/*
 * demo.c — the auth module's part of the demo city: the department tree,
 * the insurer, one account per staff role and two workers. Every account's
 * password is EG_DEMO_PASSWORD. Platforms and their accounts come from the
 * monitoring module's demo.
 */
#include "auth/demo.h"

#include <stdio.h>
#include <string.h>

#include "auth/accounts.h"
#include "auth/crypto.h"
#include "auth/internal.h"
#include "core/log.h"
#include "db/db.h"

/* 益鹭保's operator: a synthetic 统一社会信用代码 with a valid check character. */
#define DEMO_INSURER_CREDIT_CODE "91350200MA2Y000X0H"

static const struct {
    const char *login, *role, *department, *display_name;
} staff[] = {
    {"admin", "admin", "centre", "系统管理员"},
    {"supervisor", "supervisor", "centre", "监督员"},
    {"mediator", "mediator", "centre", "中心调解员"},
    {"mediator.siming", "mediator", "siming", "思明区分中心调解员"},
    {"mediator.hrss", "mediator", "hrss", "人社局调解员"},
    {"analyst", "analyst", "hrss", "劳动关系监测员"},
};

static const struct {
    const char *login, *name, *phone;
    int year, month, day, seq;
} workers[] = {
    {"worker", "张伟", "13900000001", 1991, 3, 15, 11},
    {"worker2", "李娜", "13900000002", 1998, 8, 21, 22},
};

/* Create one account, or keep it if it exists (seeding may be resumed). */
static enum eg_status add_user(struct eg_demo *d, const struct eg_user_input *in)
{
    int64_t id = 0;
    enum eg_status st = eg_user_create(d->db, &d->audit, in, &id);
    if (st == EG_E_DUPLICATE)
        st = EG_OK;
    if (st != EG_OK)
        eg_log(EG_LOG_ERROR, "event=demo_user_failed login=%s status=%s", in->login,
               eg_status_code(st));
    return st;
}

enum eg_status eg_auth_seed_demo(struct eg_demo *d)
{
    enum eg_status st = eg_departments_seed(d->db, &d->audit, d->cfg->city_name);
    if (st != EG_OK)
        return st;

    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
        struct eg_user_input in = {staff[i].login,
                                   EG_DEMO_PASSWORD,
                                   eg_role_parse(staff[i].role),
                                   staff[i].department,
                                   0,
                                   0,
                                   staff[i].display_name};
        st = add_user(d, &in);
        if (st != EG_OK)
            return st;
    }

    int64_t insurer = 0;
    st = eg_organisation_create(d->db, &d->audit, "益鹭保运营保险公司", DEMO_INSURER_CREDIT_CODE,
                                "insurer", "insurance", &insurer);
    if (st == EG_E_DUPLICATE)
        st = eg_db_one_i64(d->db, &insurer, "SELECT id FROM organisations WHERE credit_code = ?",
                           "t", DEMO_INSURER_CREDIT_CODE);
    if (st != EG_OK)
        return st;
    struct eg_user_input ins = {"insurer", EG_DEMO_PASSWORD, EG_ROLE_INSURER, NULL,
                                0,         insurer,          "益鹭保理赔专员"};
    st = add_user(d, &ins);
    if (st != EG_OK)
        return st;

    for (size_t i = 0; i < sizeof workers / sizeof workers[0]; i++) {
        char idn[19];
        int64_t person = 0;
        eg_demo_id_number("350203",
                          eg_day_from_civil(workers[i].year, workers[i].month, workers[i].day),
                          workers[i].seq, idn);
        struct eg_person_input p = {workers[i].name, idn, workers[i].phone};
        st = eg_person_upsert(d->db, &d->audit, &p, &person, NULL);
        if (st != EG_OK)
            return st;
        struct eg_user_input in = {
            workers[i].login, EG_DEMO_PASSWORD, EG_ROLE_WORKER, NULL, person, 0, workers[i].name};
        st = add_user(d, &in);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}
