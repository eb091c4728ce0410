/*
 * router.c — matching a method and a path against route tables written as
 * data.
 *
 * The path is the raw request target without its query: literal segments
 * are compared byte for byte, parameters take one non-empty segment and are
 * percent-decoded only for the route that wins. Among the routes whose
 * pattern matches the path and whose method fits, the most specific wins:
 * patterns are compared segment by segment from the left and a literal beats
 * a parameter at the first position where they differ. Ties go to the route
 * that comes first in the tables.
 */
#include "http/router.h"

#include <string.h>

#include "core/arena.h"

/* A parameter's raw bytes in the path. */
struct span {
    const char *p;
    size_t len;
};

/* Methods in the order an Allow header lists them. */
static const char *const allow_order[] = {"GET",   "HEAD",   "POST",   "PUT",
                                          "PATCH", "DELETE", "OPTIONS"};
#define N_METHODS (sizeof allow_order / sizeof allow_order[0])

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Whether a raw path segment is an acceptable parameter value: not empty,
 * every '%' followed by two hex digits, and nothing that decodes to '/' or
 * NUL (which would let a value smuggle in another segment or cut a string).
 */
static int param_ok(const char *p, size_t len)
{
    size_t i;

    if (len == 0)
        return 0;
    for (i = 0; i < len; i++) {
        if (p[i] == '%') {
            int hi, lo, c;

            if (i + 2 >= len)
                return 0;
            hi = hex_value(p[i + 1]);
            lo = hex_value(p[i + 2]);
            if (hi < 0 || lo < 0)
                return 0;
            c = hi * 16 + lo;
            if (c == 0 || c == '/')
                return 0;
            i += 2;
        }
    }
    return 1;
}

char *eg_url_decode(struct eg_arena *arena, const char *s, size_t len)
{
    char *out, *o;
    size_t i;

    if (s == NULL)
        return NULL;
    out = eg_arena_alloc(arena, len + 1);
    if (out == NULL)
        return NULL;
    o = out;
    for (i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= len)
                return NULL;
            hi = hex_value(s[i + 1]);
            lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '\0') {
            return NULL;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/*
 * Match one pattern against a path in a single pass that stops at the
 * first byte that differs (so the usual non-matching route costs a dozen
 * comparisons). A parameter is a whole segment "{name}" of the pattern and
 * takes one whole non-empty segment of the path. On a match returns 1 with
 * *key holding the pattern's specificity — bit 31 - i cleared when segment
 * i is a parameter, so that between patterns of the same length a greater
 * key is more literal further left — and the parameter values in
 * params[0..*n).
 */
static int match_pattern(const char *pattern, const char *path, unsigned *key,
                         struct span params[EG_MAX_PATH_PARAMS], size_t *n)
{
    const char *pp = pattern, *sp = path;
    unsigned k = ~0u, seg = 0;

    *n = 0;
    while (*pp != '\0') {
        if (*pp == '{' && pp > pattern && pp[-1] == '/') {
            const char *close = strchr(pp, '}');
            size_t slen = strcspn(sp, "/");

            if (close == NULL || (close[1] != '/' && close[1] != '\0'))
                return 0; /* a malformed pattern matches nothing */
            if (*n >= EG_MAX_PATH_PARAMS || !param_ok(sp, slen))
                return 0;
            params[*n].p = sp;
            params[*n].len = slen;
            (*n)++;
            if (seg > 0 && seg <= 32)
                k &= ~(1u << (32 - seg));
            pp = close + 1;
            sp += slen;
            continue;
        }
        if (*pp != *sp)
            return 0;
        if (*pp == '/')
            seg++;
        pp++;
        sp++;
    }
    if (*sp != '\0')
        return 0;
    *key = k;
    return 1;
}

/* The bit of a method in allow_order, 0 if it is none of them. */
static unsigned method_bit(const char *m)
{
    size_t i;

    for (i = 0; i < N_METHODS; i++)
        if (strcmp(m, allow_order[i]) == 0)
            return 1u << i;
    return 0;
}

static int method_fits(const char *route_method, const char *method)
{
    if (strcmp(route_method, method) == 0)
        return 1;
    return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

/* Write "GET, HEAD, POST" for the bits of mask into out. */
static void allow_list(unsigned mask, char *out, size_t size)
{
    size_t i, used = 0;

    out[0] = '\0';
    for (i = 0; i < N_METHODS; i++) {
        size_t len = strlen(allow_order[i]);

        if (!(mask & (1u << i)))
            continue;
        if (used + len + 3 > size)
            break;
        if (used > 0) {
            memcpy(out + used, ", ", 2);
            used += 2;
        }
        memcpy(out + used, allow_order[i], len);
        used += len;
        out[used] = '\0';
    }
}

enum eg_status eg_router_match(const struct eg_route_set *set, const char *method, const char *path,
                               struct eg_arena *arena, struct eg_route_match *m)
{
    struct span cand[EG_MAX_PATH_PARAMS], best[EG_MAX_PATH_PARAMS];
    const struct eg_route *winner = NULL;
    unsigned best_key = 0, allow_mask = 0;
    size_t t, n_best = 0, i;
    enum eg_status rc = EG_E_NOT_FOUND;

    memset(m, 0, sizeof(*m));
    if (set == NULL || method == NULL || path == NULL)
        goto out;
    for (t = 0; t < set->n_tables; t++) {
        const struct eg_route *r;

        for (r = set->tables[t]; r != NULL && r->method != NULL && r->pattern != NULL; r++) {
            unsigned key;
            size_t n;

            if (!match_pattern(r->pattern, path, &key, cand, &n))
                continue;
            allow_mask |= method_bit(r->method);
            if (strcmp(r->method, "GET") == 0)
                allow_mask |= method_bit("HEAD");
            if (!method_fits(r->method, method))
                continue;
            if (winner == NULL || key > best_key) {
                winner = r;
                best_key = key;
                n_best = n;
                memcpy(best, cand, n * sizeof(cand[0]));
            }
        }
    }
    if (winner == NULL) {
        if (allow_mask != 0) {
            allow_list(allow_mask, m->allow, sizeof(m->allow));
            rc = EG_E_METHOD_NOT_ALLOWED;
        }
        goto out;
    }

    /* Name and decode the winner's parameters, in pattern order. */
    {
        const char *pp = winner->pattern;
        size_t k = 0;

        while (k < n_best && (pp = strchr(pp, '{')) != NULL) {
            const char *close = strchr(pp, '}');

            if (close == NULL)
                break;
            m->param_names[k] = eg_arena_strndup(arena, pp + 1, (size_t)(close - pp - 1));
            m->param_values[k] = eg_url_decode(arena, best[k].p, best[k].len);
            if (m->param_names[k] == NULL || m->param_values[k] == NULL) {
                rc = EG_E_INTERNAL;
                goto out;
            }
            k++;
            pp = close + 1;
        }
        for (i = k; i < n_best; i++) {
            m->param_names[i] = "";
            m->param_values[i] = "";
        }
    }
    m->route = winner;
    m->n_params = n_best;
    rc = EG_OK;
out:
    return rc;
}
