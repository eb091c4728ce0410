/*
 * page.h — keyset pagination, the same on every list endpoint.
 *
 * A list reads `?limit=` (1–200, default 50) and `?cursor=` (the decimal id
 * of the last row of the previous page, as next_cursor gave it) and answers
 *
 *     {"items": [...], "next_cursor": "1234" | null}
 *
 * The query asks for limit + 1 rows past the cursor; the extra row only
 * says that another page exists (eg_page_take).
 */
#ifndef EG_HTTP_PAGE_H
#define EG_HTTP_PAGE_H

#include <stdint.h>
#include "core/status.h"

struct eg_req;
struct json_t;

#define EG_PAGE_LIMIT_MAX     200
#define EG_PAGE_LIMIT_DEFAULT 50

struct eg_page {
    int64_t cursor; /* 0: the first page */
    int limit;
    /* filled by eg_page_take as the rows come */
    int n;        /* rows taken for this page */
    int64_t last; /* key of the last row taken */
    int more;     /* a row beyond the page was seen */
};

/*
 * Read ?limit and ?cursor into *p (zeroing the rest). A bad value is
 * answered 400 invalid_parameter naming the field, and its status returned:
 * the handler just returns.
 */
enum eg_status eg_page_args(struct eg_req *req, struct eg_page *p);

/*
 * Whether the row keyed `key` belongs to this page: 1 (and counted) for the
 * first limit rows, 0 for the extra one, which marks that more follow.
 */
int eg_page_take(struct eg_page *p, int64_t key);

/* The key of the next page's cursor: the last row's when more follow, else 0. */
int64_t eg_page_next(const struct eg_page *p);

/* {"items": items, "next_cursor": next > 0 ? "next" : null}; steals items. */
struct json_t *eg_page_body(struct json_t *items, int64_t next);

/* Reply 200 with eg_page_body(items, next). */
void eg_reply_page(struct eg_req *req, struct json_t *items, int64_t next);

#endif
