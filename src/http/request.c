/*
 * request.c — what a handler reads from its request: path parameters,
 * query arguments and headers.
 *
 * Query arguments and headers come straight from libmicrohttpd, which has
 * already split and percent-decoded them; path parameters come from the
 * router's match.
 */
#include "http/http.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

const char *eg_req_param(const struct eg_req *req, const char *name)
{
    size_t i;

    assert(req && name);
    for (i = 0; i < req->n_params; i++)
        if (req->param_names[i] != NULL && strcmp(req->param_names[i], name) == 0)
            return req->param_values[i];
    return NULL;
}

/*
 * Parse s as a whole decimal int64 within [min, max]: optional '-', digits
 * only (no spaces, no '+', no hex), no overflow. 0 on success.
 */
static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    if (s == NULL || s[0] == '\0')
        return -1;
    if (!(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
        return -1;
    if (s[0] == '-' && !(s[1] >= '0' && s[1] <= '9'))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    if (v < min || v > max)
        return -1;
    *out = (int64_t)v;
    return 0;
}

enum eg_status eg_req_param_id(const struct eg_req *req, const char *name, int64_t *out)
{
    const char *s = eg_req_param(req, name);
    int64_t v;

    assert(out);

    if (s == NULL || s[0] == '-' || parse_int(s, 1, INT64_MAX, &v) != 0)
        return EG_E_NOT_FOUND;
    *out = v;
    return EG_OK;
}

const char *eg_req_query(const struct eg_req *req, const char *name)
{
    assert(req && name);
    if (req->conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

enum eg_status eg_req_query_int(const struct eg_req *req, const char *name, int64_t min,
                                int64_t max, int64_t def, int64_t *out)
{
    assert(out && min <= max);
    const char *s = eg_req_query(req, name);

    if (s == NULL) {
        *out = def;
        return EG_OK;
    }
    if (parse_int(s, min, max, out) != 0)
        return EG_E_INVALID_PARAMETER;
    return EG_OK;
}

const char *eg_req_header(const struct eg_req *req, const char *name)
{
    assert(req && name);
    if (req->conn == NULL)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}
