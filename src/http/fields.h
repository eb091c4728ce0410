/*
 * fields.h — declared field specs for JSON request bodies.
 *
 * A route declares the fields its body may have; eg_fields_check() rejects
 * anything else before the handler runs: unknown fields, missing required
 * ones, wrong JSON types, strings too long or not UTF-8, integers outside
 * their range, dates that are not real dates, values outside an enum. The
 * error names the field (dotted path for nested objects, "items[3].date" for
 * arrays of objects).
 */
#ifndef EG_HTTP_FIELDS_H
#define EG_HTTP_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/status.h"

enum eg_field_type {
    EG_FT_STRING,  /* JSON string, 0..max_len bytes (max_len 0 = 1024), non-empty if REQUIRED */
    EG_FT_INT,     /* JSON integer within [min, max] (both 0 = any int64) */
    EG_FT_MONEY,   /* JSON integer fen within [0, EG_MONEY_MAX_FEN] (min/max narrow it when set) */
    EG_FT_BOOL,    /* JSON true/false */
    EG_FT_DATE,    /* "YYYY-MM-DD" that is a real date */
    EG_FT_INSTANT, /* RFC 3339 instant */
    EG_FT_ENUM,    /* string equal to one of enum_values (NULL-terminated) */
    EG_FT_OBJECT,  /* JSON object checked against sub (NULL sub = any object) */
    EG_FT_ARRAY,   /* JSON array of at most max_len items (0 = 1000), each checked by item */
    EG_FT_ANY      /* any JSON value (the handler checks it) */
};

#define EG_F_REQUIRED 0x01u
#define EG_F_NULLABLE 0x02u /* JSON null accepted (treated as absent) */

struct eg_field {
    const char *name; /* NULL ends a spec */
    enum eg_field_type type;
    unsigned flags;
    size_t max_len;                 /* STRING: bytes; ARRAY: items */
    int64_t min, max;               /* INT / MONEY range */
    const char *const *enum_values; /* ENUM */
    const struct eg_field *sub;     /* OBJECT: its fields; ARRAY: ignored */
    const struct eg_field *item;    /* ARRAY: one spec for every item (name unused) */
};

/*
 * One field of a spec, its name and type first and every other member
 * named, so that no two numbers can trade places unnoticed:
 *     EG_FIELD("name", EG_FT_STRING, .flags = EG_F_REQUIRED, .max_len = 200),
 * A spec ends with {0}.
 */
#define EG_FIELD(field_name, field_type, ...)                                                      \
    {                                                                                              \
        .name = (field_name), .type = (field_type), __VA_ARGS__                                    \
    }

struct eg_field_error {
    enum eg_status
        status; /* EG_E_UNKNOWN_FIELD, EG_E_MISSING_FIELD, EG_E_INVALID_FIELD, EG_E_NOT_OBJECT */
    char field[128];   /* the offending field's path */
    char message[160]; /* what is wrong, in English */
};

/* Check obj against a NULL-terminated spec. EG_OK, or the first error in *err. */
enum eg_status eg_fields_check(const json_t *obj, const struct eg_field *spec,
                               struct eg_field_error *err);

/* Convenience getters for checked objects: absent (or null) gives def. */
const char *eg_json_str(const json_t *obj, const char *name, const char *def);
int64_t eg_json_int(const json_t *obj, const char *name, int64_t def);
int eg_json_bool(const json_t *obj, const char *name, int def);

/*
 * Parse a whole body as JSON (jansson, rejecting NUL bytes, invalid UTF-8,
 * duplicate keys and nesting deeper than 32). EG_OK with *out owned by the
 * caller, else EG_E_BAD_JSON / EG_E_BAD_UTF8 with a message in err, or
 * EG_E_INVALID_FIELD with err->field naming a number too large for a
 * 64-bit integer.
 */
enum eg_status eg_json_parse_body(const char *data, size_t len, json_t **out,
                                  struct eg_field_error *err);

#endif
