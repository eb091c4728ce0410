/* page.c — keyset pagination (page.h). */
#include "http/page.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"

enum eg_status eg_page_args(struct eg_req *req, struct eg_page *p)
{
    int64_t limit = EG_PAGE_LIMIT_DEFAULT;

    assert(req && p);
    memset(p, 0, sizeof *p);
    enum eg_status st =
        eg_req_query_int(req, "limit", 1, EG_PAGE_LIMIT_MAX, EG_PAGE_LIMIT_DEFAULT, &limit);
    if (st != EG_OK) {
        eg_reply_error(req, st, "limit", "limit must be an integer from 1 to 200");
        return st;
    }
    p->limit = (int)limit;
    st = eg_req_query_int(req, "cursor", 1, INT64_MAX, 0, &p->cursor);
    if (st != EG_OK) {
        eg_reply_error(req, st, "cursor", "cursor must be a next_cursor from an earlier page");
        return st;
    }
    return EG_OK;
}

int eg_page_take(struct eg_page *p, int64_t key)
{
    assert(p);
    if (p->n >= p->limit) {
        p->more = 1;
        return 0;
    }
    p->n++;
    p->last = key;
    return 1;
}

int64_t eg_page_next(const struct eg_page *p)
{
    return p->more ? p->last : 0;
}

json_t *eg_page_body(json_t *items, int64_t next)
{
    json_t *body = json_object();
    json_object_set_new(body, "items", items);
    if (next > 0) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)next);
        json_object_set_new(body, "next_cursor", json_string(buf));
    } else {
        json_object_set_new(body, "next_cursor", json_null());
    }
    return body;
}

void eg_reply_page(struct eg_req *req, json_t *items, int64_t next)
{
    eg_reply_json(req, 200, eg_page_body(items, next));
}
