/*
 * fields.c — JSON bodies: parsing with limits, and checking an object
 * against a declared field spec.
 *
 * Input is allow-listed: a field that is not declared is an error, so a
 * handler never sees anything its route did not describe. Error paths are
 * built as "a.b" for nested objects and "items[3].date" for arrays, and are
 * cut at a UTF-8 character boundary so that they can always go back to the
 * client in a JSON string. Messages describe the rule that was broken and
 * never echo the value (which may be personal data).
 */
#include "http/fields.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ident.h"
#include "core/money.h"
#include "core/time.h"

#define STRING_MAX_DEFAULT 1024
#define ARRAY_MAX_DEFAULT  1000
#define MAX_DEPTH          32

/* A path under construction: the bytes in buf[0..len). */
struct path {
    char buf[sizeof(((struct eg_field_error *)0)->field)];
    size_t len;
};

/* Length of the longest prefix of s[0..n) that ends on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t n)
{
    size_t i = n;

    /* Step back over continuation bytes to the start of the last character. */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return 0;
    {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

        if ((i - 1) + need <= n)
            return n;
        return i - 1;
    }
}

/* Append n bytes to the path, cut at a character boundary when it is full. */
static void path_append(struct path *p, const char *s, size_t n)
{
    size_t room = sizeof(p->buf) - 1 - p->len;

    if (n > room)
        n = utf8_cut(s, room);
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

/* Append ".name" (or "name" at the top) to the path. */
static void path_push_name(struct path *p, const char *name)
{
    if (p->len > 0)
        path_append(p, ".", 1);
    path_append(p, name, strlen(name));
}

/* Append "[i]" to the path. */
static void path_push_index(struct path *p, size_t i)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "[%zu]", i);

    if (n > 0)
        path_append(p, tmp, (size_t)n);
}

/* Fill err with a status, the current path and a formatted message. */
static enum eg_status fail(struct eg_field_error *err, enum eg_status st, const struct path *p,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum eg_status fail(struct eg_field_error *err, enum eg_status st, const struct path *p,
                           const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->status = st;
        memcpy(err->field, p->buf, p->len + 1);
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return st;
}

static const char *type_name(enum eg_field_type t)
{
    switch (t) {
    case EG_FT_STRING:
        return "a string";
    case EG_FT_INT:
        return "an integer";
    case EG_FT_MONEY:
        return "an integer amount in fen";
    case EG_FT_BOOL:
        return "true or false";
    case EG_FT_DATE:
        return "a date (YYYY-MM-DD)";
    case EG_FT_INSTANT:
        return "an RFC 3339 instant";
    case EG_FT_ENUM:
        return "one of the listed values";
    case EG_FT_OBJECT:
        return "an object";
    case EG_FT_ARRAY:
        return "an array";
    case EG_FT_ANY:
        return "a JSON value";
    }
    return "a value";
}

/* List an enum's values into out ("a, b, c"), cut to fit. */
static void enum_list(const char *const *values, char *out, size_t size)
{
    size_t used = 0, i;

    out[0] = '\0';
    for (i = 0; values != NULL && values[i] != NULL; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", values[i]);

        if (n < 0 || (size_t)n >= size - used) {
            if (size > 4)
                memcpy(out + size - 4, "...", 4);
            return;
        }
        used += (size_t)n;
    }
}

static enum eg_status check_object(const json_t *obj, const struct eg_field *spec, struct path *p,
                                   struct eg_field_error *err);

/*
 * Check one present, non-null value against its field description f. The
 * path p names the value.
 */
static enum eg_status check_value(const json_t *v, const struct eg_field *f, struct path *p,
                                  struct eg_field_error *err)
{
    switch (f->type) {
    case EG_FT_STRING: {
        size_t max = f->max_len ? f->max_len : STRING_MAX_DEFAULT;
        const char *s;
        size_t len;

        if (!json_is_string(v))
            return fail(err, EG_E_INVALID_FIELD, p, "must be a string");
        s = json_string_value(v);
        len = json_string_length(v);
        if (memchr(s, '\0', len) != NULL)
            return fail(err, EG_E_INVALID_FIELD, p, "must not contain NUL characters");
        if (!eg_utf8_valid(s, len))
            return fail(err, EG_E_INVALID_FIELD, p, "must be valid UTF-8");
        /* The limit is in characters, as documented (maxLength); valid
         * UTF-8 has at most 4 bytes a character, which bounds the bytes. */
        if (len > max && eg_utf8_chars(s, len) > max)
            return fail(err, EG_E_INVALID_FIELD, p, "must be at most %zu characters long", max);
        if (len == 0 && (f->flags & EG_F_REQUIRED))
            return fail(err, EG_E_INVALID_FIELD, p, "must not be empty");
        return EG_OK;
    }
    case EG_FT_INT: {
        json_int_t n;

        if (!json_is_integer(v))
            return fail(err, EG_E_INVALID_FIELD, p, "must be an integer");
        n = json_integer_value(v);
        if ((f->min != 0 || f->max != 0) && (n < f->min || n > f->max))
            return fail(err, EG_E_INVALID_FIELD, p,
                        "must be an integer from %" PRId64 " to %" PRId64, f->min, f->max);
        return EG_OK;
    }
    case EG_FT_MONEY: {
        int64_t lo = f->min > 0 ? f->min : 0;
        int64_t hi = (f->max > 0 && f->max < EG_MONEY_MAX_FEN) ? f->max : EG_MONEY_MAX_FEN;
        json_int_t n;

        if (!json_is_integer(v))
            return fail(err, EG_E_INVALID_FIELD, p, "must be a whole number of fen");
        n = json_integer_value(v);
        if (n < lo || n > hi)
            return fail(err, EG_E_INVALID_FIELD, p,
                        "must be an amount in fen from %" PRId64 " to %" PRId64, lo, hi);
        return EG_OK;
    }
    case EG_FT_BOOL:
        if (!json_is_boolean(v))
            return fail(err, EG_E_INVALID_FIELD, p, "must be true or false");
        return EG_OK;
    case EG_FT_DATE: {
        eg_day d;

        const char *why;

        if (!json_is_string(v) || json_string_length(v) != 10)
            return fail(err, EG_E_INVALID_FIELD, p, "must be a date YYYY-MM-DD");
        if (eg_date_parse(json_string_value(v), &d) != EG_OK) {
            why = eg_date_problem(json_string_value(v));
            return fail(err, EG_E_INVALID_FIELD, p, "%s", why ? why : "must be a date YYYY-MM-DD");
        }
        return EG_OK;
    }
    case EG_FT_INSTANT: {
        int64_t t;
        size_t len;

        if (!json_is_string(v))
            return fail(err, EG_E_INVALID_FIELD, p, "must be an RFC 3339 instant");
        len = json_string_length(v);
        if (len == 0 || len > 64 || memchr(json_string_value(v), '\0', len) != NULL ||
            eg_instant_parse(json_string_value(v), &t) != EG_OK)
            return fail(err, EG_E_INVALID_FIELD, p,
                        "must be an RFC 3339 instant such as 2026-01-31T08:00:00Z");
        return EG_OK;
    }
    case EG_FT_ENUM: {
        const char *s;
        size_t len, i;
        char list[120];

        if (json_is_string(v)) {
            s = json_string_value(v);
            len = json_string_length(v);
            for (i = 0; f->enum_values != NULL && f->enum_values[i] != NULL; i++)
                if (strlen(f->enum_values[i]) == len && memcmp(f->enum_values[i], s, len) == 0)
                    return EG_OK;
        }
        enum_list(f->enum_values, list, sizeof(list));
        return fail(err, EG_E_INVALID_FIELD, p, "must be one of: %s", list);
    }
    case EG_FT_OBJECT:
        if (!json_is_object(v))
            return fail(err, EG_E_INVALID_FIELD, p, "must be an object");
        if (f->sub == NULL)
            return EG_OK;
        return check_object(v, f->sub, p, err);
    case EG_FT_ARRAY: {
        size_t max = f->max_len ? f->max_len : ARRAY_MAX_DEFAULT;
        size_t i, n;

        if (!json_is_array(v))
            return fail(err, EG_E_INVALID_FIELD, p, "must be an array");
        n = json_array_size(v);
        if (n > max)
            return fail(err, EG_E_INVALID_FIELD, p, "must have at most %zu items", max);
        if (f->item == NULL)
            return EG_OK;
        for (i = 0; i < n; i++) {
            const json_t *it = json_array_get(v, i);
            size_t saved = p->len;
            enum eg_status st;

            path_push_index(p, i);
            if (json_is_null(it)) {
                st = (f->item->flags & EG_F_NULLABLE)
                         ? EG_OK
                         : fail(err, EG_E_INVALID_FIELD, p, "must not be null");
            } else {
                st = check_value(it, f->item, p, err);
            }
            p->len = saved;
            p->buf[saved] = '\0';
            if (st != EG_OK)
                return st;
        }
        return EG_OK;
    }
    case EG_FT_ANY:
        return EG_OK;
    }
    return fail(err, EG_E_INVALID_FIELD, p, "has an unsupported type");
}

/*
 * Check an object: first that every key is declared (so that a typo is
 * reported as the unknown field it is, not as a missing one), then each
 * declared field for presence and type.
 */
static enum eg_status check_object(const json_t *obj, const struct eg_field *spec, struct path *p,
                                   struct eg_field_error *err)
{
    const char *key;
    json_t *v;
    const struct eg_field *f;
    size_t saved = p->len;
    enum eg_status st = EG_OK;

    json_object_foreach((json_t *)obj, key, v)
    {
        for (f = spec; f->name != NULL; f++)
            if (strcmp(f->name, key) == 0)
                break;
        if (f->name == NULL) {
            path_push_name(p, key);
            st = fail(err, EG_E_UNKNOWN_FIELD, p, "is not a field of this request");
            goto out;
        }
    }
    for (f = spec; f->name != NULL; f++) {
        v = json_object_get(obj, f->name);
        path_push_name(p, f->name);
        if (v == NULL || (json_is_null(v) && (f->flags & EG_F_NULLABLE))) {
            if (f->flags & EG_F_REQUIRED) {
                st = fail(err, EG_E_MISSING_FIELD, p, "is required");
                goto out;
            }
        } else if (json_is_null(v)) {
            st = fail(err, EG_E_INVALID_FIELD, p, "must be %s, not null", type_name(f->type));
            goto out;
        } else {
            st = check_value(v, f, p, err);
            if (st != EG_OK)
                goto out;
        }
        p->len = saved;
        p->buf[saved] = '\0';
    }
out:
    return st;
}

enum eg_status eg_fields_check(const json_t *obj, const struct eg_field *spec,
                               struct eg_field_error *err)
{
    struct path p = {.len = 0};
    static const struct eg_field none[] = {{0}};

    p.buf[0] = '\0';
    if (err != NULL) {
        err->status = EG_OK;
        err->field[0] = '\0';
        err->message[0] = '\0';
    }
    if (!json_is_object(obj))
        return fail(err, EG_E_NOT_OBJECT, &p, "The request body must be a JSON object.");
    if (spec == NULL)
        spec = none;
    return check_object(obj, spec, &p, err);
}

const char *eg_json_str(const json_t *obj, const char *name, const char *def)
{
    const json_t *v = json_object_get(obj, name);

    return json_is_string(v) ? json_string_value(v) : def;
}

int64_t eg_json_int(const json_t *obj, const char *name, int64_t def)
{
    const json_t *v = json_object_get(obj, name);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

int eg_json_bool(const json_t *obj, const char *name, int def)
{
    const json_t *v = json_object_get(obj, name);

    return json_is_boolean(v) ? json_is_true(v) : def;
}

/*
 * Whether arrays and objects nest deeper than max. A linear scan that
 * skips strings, so that a hostile body is refused before the parser
 * recurses into it.
 */
static int too_deep(const char *data, size_t len, int max)
{
    int depth = 0, in_string = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        char c = data[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return 1;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 0;
}

/* Whether v is a real beyond the range of a 64-bit integer: what an integer
 * literal too large for jansson becomes when re-read as reals. */
static int is_huge(const json_t *v)
{
    double d = json_is_real(v) ? json_real_value(v) : 0.0;

    return d >= 9223372036854775807.0 || d <= -9223372036854775807.0;
}

/* Find the first huge number in v (depth-first) and leave its path in p. */
static int find_huge(const json_t *v, struct path *p, int depth)
{
    size_t saved = p->len, i;
    const char *key;
    json_t *it;

    if (is_huge(v))
        return 1;
    if (depth > MAX_DEPTH)
        return 0;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, it)
        {
            path_push_name(p, key);
            if (find_huge(it, p, depth + 1))
                return 1;
            p->len = saved;
            p->buf[saved] = '\0';
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, it)
        {
            path_push_index(p, i);
            if (find_huge(it, p, depth + 1))
                return 1;
            p->len = saved;
            p->buf[saved] = '\0';
        }
    }
    return 0;
}

/*
 * A number too large for a 64-bit integer: read the body again with
 * integers as reals to find which field holds it, so the reply can name
 * it. EG_OK (nothing filled) when it cannot be found.
 */
static enum eg_status name_overflow(const char *data, size_t len, struct eg_field_error *err)
{
    struct path p = {.len = 0};
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, NULL);
    enum eg_status st = EG_OK;

    p.buf[0] = '\0';
    if (root != NULL && find_huge(root, &p, 0) && p.len > 0)
        st = fail(err, EG_E_INVALID_FIELD, &p, "is a number too large for this field");
    json_decref(root);
    return st;
}

enum eg_status eg_json_parse_body(const char *data, size_t len, json_t **out,
                                  struct eg_field_error *err)
{
    struct path p = {.len = 0};
    json_error_t jerr;
    json_t *root;

    p.buf[0] = '\0';
    *out = NULL;
    if (err != NULL) {
        err->status = EG_OK;
        err->field[0] = '\0';
        err->message[0] = '\0';
    }
    if (data == NULL || len == 0)
        return fail(err, EG_E_BAD_JSON, &p, "The request body is empty.");
    if (too_deep(data, len, MAX_DEPTH))
        return fail(err, EG_E_BAD_JSON, &p,
                    "The request body nests arrays and objects deeper than %d levels.", MAX_DEPTH);
    if (memchr(data, '\0', len) != NULL)
        return fail(err, EG_E_BAD_JSON, &p, "The request body contains a NUL byte.");
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        switch (json_error_code(&jerr)) {
        case json_error_invalid_utf8:
            return fail(err, EG_E_BAD_UTF8, &p, "The request body is not valid UTF-8.");
        case json_error_duplicate_key:
            return fail(err, EG_E_BAD_JSON, &p,
                        "The request body has a duplicate key (line %d, column %d).", jerr.line,
                        jerr.column);
        case json_error_null_character:
        case json_error_null_byte_in_key:
            return fail(err, EG_E_BAD_JSON, &p, "The request body contains a NUL character.");
        case json_error_numeric_overflow:
            if (name_overflow(data, len, err) != EG_OK)
                return EG_E_INVALID_FIELD;
            return fail(err, EG_E_BAD_JSON, &p,
                        "The request body has a number out of range (line %d, column %d).",
                        jerr.line, jerr.column);
        default:
            return fail(err, EG_E_BAD_JSON, &p,
                        "The request body is not valid JSON (line %d, column %d).", jerr.line,
                        jerr.column);
        }
    }
    *out = root;
    return EG_OK;
}
