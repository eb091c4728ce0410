/*
 * config.c — egret's configuration: defaults, INI file, environment, flags.
 *
 * Sources, later ones winning: the defaults below; the INI file; the
 * environment; command-line flags (--set section.key=value, --db, --listen).
 *
 * Every key, with its default:
 *
 *   [server]
 *   listen               = 127.0.0.1:8080  address:port to listen on
 *   threads              = (online CPUs, at least 2)  worker threads, 1–1024
 *   connection_limit     = 1024            most open connections, 1–1000000
 *   connection_timeout_s = 30              idle connection timeout, 1–86400
 *   header_timeout_s     = 10              request line and headers must arrive within, 1–3600
 *   body_timeout_s       = 30              a body must arrive within this plus 1 s per 64 KiB
 *                                          of its route's cap, 1–86400
 *   connections_per_address = 128          most open connections from one peer, 1–1000000
 *   trusted_proxies      = (empty)         proxies whose X-Forwarded-For is believed:
 *                                          addresses or CIDRs separated by commas or spaces
 *   public_url           = (empty)         public base URL of the web app (QR codes)
 *   body_limit           = 65536           default request body cap in bytes, 1–1073741824
 *   static_dir           = web/dist        web app files
 *   log_level            = info            debug, info, warn, error or off
 *   access_log           = 1               1 = one log line per request, 0 = none
 *   log_file             = (empty)         append log lines to this file (SIGHUP reopens
 *                                          it); empty = standard error (journald)
 *
 *   [db]
 *   url                  = var/egret.db    SQLite file path or postgres:// URL
 *   pool                 = 0               pooled connections, 0–1024; 0 = threads + 2
 *
 *   [security]
 *   key_file             = var/egret.key   32-byte master key file, created 0600 if missing
 *   master_key           = (empty)         or the key itself, 64 hex digits (overrides key_file)
 *   session_ttl_s        = 43200           token lifetime, 60–31536000
 *   key_refresh_s        = 10              how often a server looks for a key rotation, 1–3600
 *   login_max_per_account = 5              failed logins per account per window, 1–1000000
 *   login_max_per_address = 20             failed logins per address per window, 1–1000000
 *   login_window_s       = 900             login throttle window, 1–2592000
 *   login_delay_s        = 1               first wait past a limit (doubles per failure), 1–3600
 *   login_pow_after      = 5               failures past a limit before proof of work, 1–1000
 *   login_pow_bits       = 16              proof-of-work difficulty (leading zero bits), 1–28
 *   hash_workers         = (half the CPUs, at least 1)  password-hashing threads, 1–64
 *   hash_queue           = 16              password hashes waiting; more answer 429, 1–100000
 *   payment_secret       = demo-payment-secret
 *                                          HMAC-SHA256 secret for payment callbacks;
 *                                          the default is public and MUST be changed
 *                                          for any real deployment
 *   register_max_per_address = 10          self-registrations per address per window, 1–1000000
 *   register_max_per_id  = 3               self-registrations per ID number per window, 1–1000000
 *   register_window_s    = 3600            registration throttle window, 1–2592000
 *
 *   [metrics]
 *   allow                = 127.0.0.1, ::1  who may scrape GET /metrics: peer addresses or
 *                                          CIDRs (never X-Forwarded-For); empty = none
 *   token                = (empty)         or a bearer token that may scrape from anywhere
 *
 *   [sms]
 *   url                  = (empty)         HTTP SMS gateway; empty = no SMS is sent
 *   account              = (empty)         account at the gateway
 *   secret               = (empty)         HMAC-SHA256 key signing requests to the gateway
 *   signature            = egret           sender signature shown in messages
 *   template_register    = register_code   template id of the registration code message
 *   timeout_ms           = 5000            whole request to the gateway at most, 100–30000
 *
 *   [city]
 *   name                 = 厦门市          city name shown in documents
 *   case_prefix          = XM              case number prefix, 1–15 of A–Z and 0–9
 *   min_wage_hourly_fen  = 2100            hourly minimum wage in fen
 *   fatigue_minutes      = 720             online minutes per day counted as fatigue, 1–1440
 *   accept_working_days  = 1               working days to accept a case, 0–365
 *   mediation_days       = 15              days to mediate after acceptance, 1–365
 *
 *   [files]
 *   data_dir             = var/files       uploads and generated files
 *   pdf_font             = /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
 *                                          CJK TrueType font embedded in PDFs
 *
 *   [backup]
 *   dir                  = var/backups     where egret backup --dir writes by default
 *   keep                 = 14              backups kept there, 1–10000; older ones pruned
 *   max_age_h            = 26              egret doctor fails past this backup age, 1–8760
 *
 * Environment: EGRET_<SECTION>_<KEY> in upper case sets any key (for
 * example EGRET_SERVER_THREADS, EGRET_DB_URL, EGRET_SECURITY_PAYMENT_SECRET);
 * the short forms EGRET_DB (= db.url) and EGRET_LISTEN (= server.listen)
 * are applied first, so the long form wins when both are set.
 *
 * Values: integers are decimal, the whole value, within the range above;
 * strings must be valid UTF-8 and fit their field. An unknown section or
 * key, or a malformed value, is an error that names it. In the INI file,
 * ';' starts a comment (also after a value) and '#' starts a comment line.
 *
 * egret.example.ini at the top of the tree lists the same keys.
 */
#include "core/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "core/buf.h"
#include "core/ident.h"
#include "core/log.h"
#include "core/money.h"

enum kind {
    K_STR,   /* char array; min = 1 when it may not be empty */
    K_INT,   /* int within [min, max] */
    K_SIZE,  /* size_t within [min, max] */
    K_I64,   /* int64_t within [min, max] */
    K_LEVEL, /* log level name, stored as a string */
    K_HEX64, /* empty, or exactly 64 hex digits */
    K_CODE,  /* upper-case letters and digits, at least one */
};

struct key {
    const char *section;
    const char *name;
    enum kind kind;
    size_t offset;
    size_t size; /* of the field */
    long long min, max;
};

#define FIELD(f) offsetof(struct eg_config, f), sizeof(((struct eg_config *)0)->f)

static const struct key keys[] = {
    {"server", "listen", K_STR, FIELD(listen), 1, 0},
    {"server", "threads", K_INT, FIELD(threads), 1, 1024},
    {"server", "connection_limit", K_INT, FIELD(connection_limit), 1, 1000000},
    {"server", "connection_timeout_s", K_INT, FIELD(connection_timeout_s), 1, 86400},
    {"server", "header_timeout_s", K_INT, FIELD(header_timeout_s), 1, 3600},
    {"server", "body_timeout_s", K_INT, FIELD(body_timeout_s), 1, 86400},
    {"server", "connections_per_address", K_INT, FIELD(connections_per_address), 1, 1000000},
    {"server", "trusted_proxies", K_STR, FIELD(trusted_proxies), 0, 0},
    {"server", "public_url", K_STR, FIELD(public_url), 0, 0},
    {"server", "body_limit", K_SIZE, FIELD(body_limit), 1, 1073741824},
    {"server", "static_dir", K_STR, FIELD(static_dir), 1, 0},
    {"server", "log_level", K_LEVEL, FIELD(log_level), 0, 0},
    {"server", "access_log", K_INT, FIELD(access_log), 0, 1},
    {"server", "log_file", K_STR, FIELD(log_file), 0, 0},
    {"db", "url", K_STR, FIELD(db), 1, 0},
    {"db", "pool", K_INT, FIELD(db_pool), 0, 1024},
    {"security", "key_file", K_STR, FIELD(key_file), 1, 0},
    {"security", "master_key", K_HEX64, FIELD(master_key_hex), 0, 0},
    {"security", "session_ttl_s", K_INT, FIELD(session_ttl_s), 60, 31536000},
    {"security", "key_refresh_s", K_INT, FIELD(key_refresh_s), 1, 3600},
    {"security", "login_max_per_account", K_INT, FIELD(login_max_per_account), 1, 1000000},
    {"security", "login_max_per_address", K_INT, FIELD(login_max_per_address), 1, 1000000},
    {"security", "login_window_s", K_INT, FIELD(login_window_s), 1, 2592000},
    {"security", "login_delay_s", K_INT, FIELD(login_delay_s), 1, 3600},
    {"security", "login_pow_after", K_INT, FIELD(login_pow_after), 1, 1000},
    {"security", "login_pow_bits", K_INT, FIELD(login_pow_bits), 1, 28},
    {"security", "hash_workers", K_INT, FIELD(hash_workers), 1, 64},
    {"security", "hash_queue", K_INT, FIELD(hash_queue), 1, 100000},
    {"security", "payment_secret", K_STR, FIELD(payment_secret), 1, 0},
    {"security", "register_max_per_address", K_INT, FIELD(register_max_per_address), 1, 1000000},
    {"security", "register_max_per_id", K_INT, FIELD(register_max_per_id), 1, 1000000},
    {"security", "register_window_s", K_INT, FIELD(register_window_s), 1, 2592000},
    {"metrics", "allow", K_STR, FIELD(metrics_allow), 0, 0},
    {"metrics", "token", K_STR, FIELD(metrics_token), 0, 0},
    {"sms", "url", K_STR, FIELD(sms_url), 0, 0},
    {"sms", "account", K_STR, FIELD(sms_account), 0, 0},
    {"sms", "secret", K_STR, FIELD(sms_secret), 0, 0},
    {"sms", "signature", K_STR, FIELD(sms_signature), 1, 0},
    {"sms", "template_register", K_STR, FIELD(sms_template_register), 1, 0},
    {"sms", "timeout_ms", K_INT, FIELD(sms_timeout_ms), 100, 30000},
    {"city", "name", K_STR, FIELD(city_name), 1, 0},
    {"city", "case_prefix", K_CODE, FIELD(case_prefix), 1, 0},
    {"city", "min_wage_hourly_fen", K_I64, FIELD(min_wage_hourly_fen), 0, EG_MONEY_MAX_FEN},
    {"city", "fatigue_minutes", K_INT, FIELD(fatigue_minutes), 1, 1440},
    {"city", "accept_working_days", K_INT, FIELD(accept_working_days), 0, 365},
    {"city", "mediation_days", K_INT, FIELD(mediation_days), 1, 365},
    {"files", "data_dir", K_STR, FIELD(data_dir), 1, 0},
    {"files", "pdf_font", K_STR, FIELD(pdf_font), 1, 0},
    {"backup", "dir", K_STR, FIELD(backup_dir), 1, 0},
    {"backup", "keep", K_INT, FIELD(backup_keep), 1, 10000},
    {"backup", "max_age_h", K_INT, FIELD(backup_max_age_h), 1, 8760},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Bounded copy that always terminates; the caller has checked the length. */
static void set_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

void eg_config_defaults(struct eg_config *c)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    memset(c, 0, sizeof(*c));
    set_str(c->listen, sizeof(c->listen), "127.0.0.1:8080");
    if (cpus < 2)
        cpus = 2;
    if (cpus > 1024)
        cpus = 1024;
    c->threads = (int)cpus;
    c->connection_limit = 1024;
    c->connection_timeout_s = 30;
    c->header_timeout_s = 10;
    c->body_timeout_s = 30;
    c->connections_per_address = 128;
    c->body_limit = 65536;
    set_str(c->static_dir, sizeof(c->static_dir), "web/dist");
    set_str(c->log_level, sizeof(c->log_level), "info");
    c->access_log = 1;
    set_str(c->metrics_allow, sizeof(c->metrics_allow), "127.0.0.1, ::1");
    set_str(c->db, sizeof(c->db), "var/egret.db");
    c->db_pool = 0;
    set_str(c->key_file, sizeof(c->key_file), "var/egret.key");
    c->session_ttl_s = 43200;
    c->key_refresh_s = 10;
    c->login_max_per_account = 5;
    c->login_max_per_address = 20;
    c->login_window_s = 900;
    c->login_delay_s = 1;
    c->login_pow_after = 5;
    c->login_pow_bits = 16;
    c->hash_workers = cpus / 2 > 64 ? 64 : (int)(cpus / 2);
    c->hash_queue = 16;
    set_str(c->payment_secret, sizeof(c->payment_secret), "demo-payment-secret");
    c->register_max_per_address = 10;
    c->register_max_per_id = 3;
    c->register_window_s = 3600;
    set_str(c->sms_signature, sizeof(c->sms_signature), "egret");
    set_str(c->sms_template_register, sizeof(c->sms_template_register), "register_code");
    c->sms_timeout_ms = 5000;
    set_str(c->city_name, sizeof(c->city_name), "厦门市");
    set_str(c->case_prefix, sizeof(c->case_prefix), "XM");
    c->min_wage_hourly_fen = 2100;
    c->fatigue_minutes = 720;
    c->accept_working_days = 1;
    c->mediation_days = 15;
    set_str(c->data_dir, sizeof(c->data_dir), "var/files");
    set_str(c->pdf_font, sizeof(c->pdf_font), "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc");
    set_str(c->backup_dir, sizeof(c->backup_dir), "var/backups");
    c->backup_keep = 14;
    c->backup_max_age_h = 26;
}

/* Parse a whole decimal integer within [min, max]; 0 if malformed or outside. */
static int parse_int(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    /* strtoll skips leading spaces and takes a sign; allow only "-?digits". */
    if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9')))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

static int is_hex64(const char *s)
{
    size_t i;

    for (i = 0; i < 64; i++) {
        char ch = s[i];

        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
            return 0;
    }
    return s[64] == '\0';
}

static int is_code(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static const struct key *find_key(const char *section, const char *name, int *section_known)
{
    size_t i;

    *section_known = 0;
    for (i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].section, section) != 0)
            continue;
        *section_known = 1;
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    }
    return NULL;
}

/*
 * Check value against the key's kind and store it in c. The struct is left
 * unchanged when the value is rejected.
 */
enum eg_status eg_config_set(struct eg_config *c, const char *section, const char *key,
                             const char *value, char *errmsg, size_t errmsg_len)
{
    enum eg_status st = EG_E_INVALID_PARAMETER;
    const struct key *k;
    char *field;
    long long v;
    size_t len;
    int section_known;

    if (section == NULL || key == NULL || value == NULL) {
        snprintf(errmsg, errmsg_len, "missing section, key or value");
        goto out;
    }
    k = find_key(section, key, &section_known);
    if (k == NULL) {
        if (section_known)
            snprintf(errmsg, errmsg_len, "unknown key '%s' in section [%s]", key, section);
        else
            snprintf(errmsg, errmsg_len, "unknown section [%s] (key '%s')", section, key);
        goto out;
    }
    field = (char *)c + k->offset;
    len = strlen(value);
    switch (k->kind) {
    case K_STR:
    case K_LEVEL:
    case K_HEX64:
    case K_CODE:
        if (len >= k->size) {
            snprintf(errmsg, errmsg_len, "%s.%s: value too long (at most %zu bytes)", section, key,
                     k->size - 1);
            goto out;
        }
        if (!eg_utf8_valid(value, len)) {
            snprintf(errmsg, errmsg_len, "%s.%s: value is not valid UTF-8", section, key);
            goto out;
        }
        if (k->kind == K_STR && k->min > 0 && len == 0) {
            snprintf(errmsg, errmsg_len, "%s.%s: value may not be empty", section, key);
            goto out;
        }
        if (k->kind == K_LEVEL && eg_log_parse_level(value) < 0) {
            snprintf(errmsg, errmsg_len, "%s.%s: '%s' is not debug, info, warn, error or off",
                     section, key, value);
            goto out;
        }
        if (k->kind == K_HEX64 && len != 0 && !is_hex64(value)) {
            snprintf(errmsg, errmsg_len, "%s.%s: must be 64 hexadecimal digits", section, key);
            goto out;
        }
        if (k->kind == K_CODE && !is_code(value)) {
            snprintf(errmsg, errmsg_len, "%s.%s: must be upper-case letters and digits", section,
                     key);
            goto out;
        }
        memcpy(field, value, len + 1);
        break;
    case K_INT:
    case K_SIZE:
    case K_I64:
        if (!parse_int(value, k->min, k->max, &v)) {
            snprintf(errmsg, errmsg_len, "%s.%s: must be an integer from %lld to %lld", section,
                     key, k->min, k->max);
            goto out;
        }
        if (k->kind == K_INT) {
            int iv = (int)v;
            memcpy(field, &iv, sizeof(iv));
        } else if (k->kind == K_SIZE) {
            size_t sv = (size_t)v;
            memcpy(field, &sv, sizeof(sv));
        } else {
            int64_t lv = (int64_t)v;
            memcpy(field, &lv, sizeof(lv));
        }
        break;
    }
    st = EG_OK;
out:
    return st;
}

/* The INI file may not be larger than this. */
#define INI_FILE_MAX ((size_t)1024 * 1024)

struct ini_ctx {
    struct eg_config *c;
    char msg[256]; /* the first error */
    int failed;    /* msg is set */
};

/* libinih calls this for every name = value; nonzero means success. Only
 * the first error message is kept (libinih reports the first bad line). */
static int on_ini_pair(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *x = user;
    char msg[256];

    if (section[0] == '\0') {
        snprintf(msg, sizeof(msg), "key '%s' outside any section", name);
    } else if (eg_config_set(x->c, section, name, value, msg, sizeof(msg)) == EG_OK) {
        return 1;
    }
    if (!x->failed) {
        snprintf(x->msg, sizeof(x->msg), "%s", msg);
        x->failed = 1;
    }
    return 0;
}

/* Accept every pair: used to find lines libinih cannot parse at all. */
static int on_ini_pair_syntax(void *user, const char *section, const char *name, const char *value)
{
    return 1;
}

/*
 * Read the whole file (at most INI_FILE_MAX bytes) into b. Reject NUL
 * bytes and lines longer than libinih's line buffer (which would otherwise
 * be split silently); *errline names such a line.
 */
static enum eg_status slurp(FILE *f, struct eg_buf *b, int *line, char *errmsg, size_t errmsg_len)
{
    char chunk[4096];
    size_t n, i, col = 0;
    int ln = 1;

    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (eg_buf_append(b, chunk, n) != EG_OK) {
            snprintf(errmsg, errmsg_len, "file larger than %zu bytes", INI_FILE_MAX);
            return EG_E_INVALID_PARAMETER;
        }
    }
    if (ferror(f)) {
        snprintf(errmsg, errmsg_len, "cannot read the file");
        return EG_E_INVALID_PARAMETER;
    }
    for (i = 0; i < b->len; i++) {
        if (b->data[i] == '\0') {
            *line = ln;
            snprintf(errmsg, errmsg_len, "NUL byte in the line");
            return EG_E_INVALID_PARAMETER;
        }
        if (b->data[i] == '\n') {
            ln++;
            col = 0;
        } else if (++col >= INI_MAX_LINE - 1) {
            *line = ln;
            snprintf(errmsg, errmsg_len, "line longer than %d bytes", INI_MAX_LINE - 2);
            return EG_E_INVALID_PARAMETER;
        }
    }
    return EG_OK;
}

/*
 * Find a "[section]" header (at the start of a line) that names no known
 * section. libinih reports sections only with their keys, so an empty
 * unknown section (a typo above keys that were meant for it, say) would
 * otherwise pass unnoticed.
 */
static int find_unknown_section(const char *text, int *line, char *errmsg, size_t errmsg_len)
{
    const char *p = text;
    int ln = 1;

    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (;;) {
        const char *eol = strchr(p, '\n');
        const char *close = strchr(p, ']');

        if (*p == '[' && close != NULL && (eol == NULL || close < eol)) {
            size_t n = (size_t)(close - p - 1), i;
            int known = 0;

            for (i = 0; i < N_KEYS; i++)
                if (strlen(keys[i].section) == n && strncmp(keys[i].section, p + 1, n) == 0)
                    known = 1;
            if (!known) {
                *line = ln;
                snprintf(errmsg, errmsg_len, "unknown section [%.*s]", (int)(n > 64 ? 64 : n),
                         p + 1);
                return 1;
            }
        }
        if (eol == NULL)
            return 0;
        p = eol + 1;
        ln++;
    }
}

/*
 * Two passes over the text: the first only finds syntax errors, so that
 * the line reported and the message always agree; the second applies the
 * pairs to a copy of c, which replaces c only when every pair was accepted.
 */
enum eg_status eg_config_read_ini(struct eg_config *c, const char *path, int *errline, char *errmsg,
                                  size_t errmsg_len)
{
    struct ini_ctx x;
    struct eg_config tmp = *c;
    enum eg_status st = EG_OK;
    struct eg_buf b;
    int line = 0, rc;
    char msg[320];
    FILE *f;

    eg_buf_init(&b, INI_FILE_MAX);
    msg[0] = '\0';
    f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT) {
            snprintf(msg, sizeof(msg), "no such file");
            st = EG_E_NOT_FOUND;
        } else {
            snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
            st = EG_E_INVALID_PARAMETER;
        }
        goto out;
    }
    st = slurp(f, &b, &line, msg, sizeof(msg));
    fclose(f);
    if (st != EG_OK)
        goto out;
    rc = ini_parse_string(b.data != NULL ? b.data : "", on_ini_pair_syntax, NULL);
    if (rc != 0) {
        st = EG_E_INVALID_PARAMETER;
        line = rc > 0 ? rc : 0;
        snprintf(msg, sizeof(msg), "malformed line (expected [section] or key = value)");
        goto out;
    }
    if (find_unknown_section(b.data != NULL ? b.data : "", &line, msg, sizeof(msg))) {
        st = EG_E_INVALID_PARAMETER;
        goto out;
    }
    memset(&x, 0, sizeof(x));
    x.c = &tmp;
    rc = ini_parse_string(b.data != NULL ? b.data : "", on_ini_pair, &x);
    if (rc != 0) {
        st = EG_E_INVALID_PARAMETER;
        line = rc > 0 ? rc : 0;
        snprintf(msg, sizeof(msg), "%s", x.failed ? x.msg : "cannot parse");
        goto out;
    }
    *c = tmp;
out:
    eg_buf_free(&b);
    if (errline != NULL)
        *errline = line;
    if (errmsg != NULL && errmsg_len > 0)
        snprintf(errmsg, errmsg_len, "%s", msg);
    return st;
}

/*
 * Apply EGRET_DB and EGRET_LISTEN, then EGRET_<SECTION>_<KEY> for every
 * key. Other EGRET_* variables (EGRET_CONFIG and those of tools) are left
 * alone.
 */
enum eg_status eg_config_apply_env(struct eg_config *c, char *errmsg, size_t errmsg_len)
{
    static const struct {
        const char *var, *section, *key;
    } shorts[] = {{"EGRET_DB", "db", "url"}, {"EGRET_LISTEN", "server", "listen"}};
    enum eg_status st = EG_OK;
    char var[96], msg[256];
    const char *v;
    size_t i, j;

    for (i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
        v = getenv(shorts[i].var);
        if (v == NULL)
            continue;
        st = eg_config_set(c, shorts[i].section, shorts[i].key, v, msg, sizeof(msg));
        if (st != EG_OK) {
            snprintf(errmsg, errmsg_len, "%s: %s", shorts[i].var, msg);
            goto out;
        }
    }
    for (i = 0; i < N_KEYS; i++) {
        int n = snprintf(var, sizeof(var), "EGRET_%s_%s", keys[i].section, keys[i].name);

        if (n < 0 || (size_t)n >= sizeof(var))
            continue;
        for (j = 0; var[j] != '\0'; j++)
            if (var[j] >= 'a' && var[j] <= 'z')
                var[j] = (char)(var[j] - 'a' + 'A');
        v = getenv(var);
        if (v == NULL)
            continue;
        st = eg_config_set(c, keys[i].section, keys[i].name, v, msg, sizeof(msg));
        if (st != EG_OK) {
            snprintf(errmsg, errmsg_len, "%s: %s", var, msg);
            goto out;
        }
    }
out:
    return st;
}
