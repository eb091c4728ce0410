/*
 * config.h — egret's configuration, frozen at start-up.
 *
 * Sources, later ones winning: built-in defaults; the INI file (libinih;
 * path from --config or EGRET_CONFIG, default ./egret.ini if it exists);
 * EGRET_<SECTION>_<KEY> environment variables (and the short forms EGRET_DB,
 * EGRET_LISTEN); command-line flags (--db, --listen, --config, --set
 * section.key=value).
 *
 * After eg_config_load() the struct is read-only and shared by all threads.
 */
#ifndef EG_CORE_CONFIG_H
#define EG_CORE_CONFIG_H

#include <stdint.h>
#include <stddef.h>
#include "core/status.h"

struct eg_config {
    /* [server] */
    char listen[128];         /* "127.0.0.1:8080" */
    int threads;              /* worker threads (default: number of CPUs, at least 2) */
    int connection_limit;     /* most open connections (default 1024) */
    int connection_timeout_s; /* idle connection timeout (default 30) */
    int header_timeout_s;     /* whole request line and headers must arrive within (10) */
    int body_timeout_s; /* a body must arrive within this plus 1 s per 64 KiB of its cap (30) */
    int connections_per_address; /* most open connections from one peer address (128) */
    char trusted_proxies[512];   /* addresses/CIDRs whose X-Forwarded-For is believed ("") */
    char public_url[256];        /* public base URL of the web app, "https://host" ("") */
    size_t body_limit;           /* default per-route body cap in bytes (default 65536) */
    char static_dir[512];        /* web app files ("web/dist") */
    char log_level[16];          /* "info" */
    int access_log;              /* 1 = one line per request (default 1) */
    char log_file[512];          /* "" = standard error */

    /* [db] */
    char db[1024]; /* file path or postgres:// URL ("var/egret.db") */
    int db_pool;   /* connections in the pool (default threads + 2) */

    /* [security] */
    char key_file[512]; /* 32-byte master key file, created 0600 if missing ("var/egret.key") */
    char master_key_hex[65];   /* or the key itself, 64 hex chars (overrides key_file) */
    int session_ttl_s;         /* token lifetime (default 43200 = 12 h) */
    int key_refresh_s;         /* a server's look for a key rotation, seconds (10) */
    int login_max_per_account; /* failed logins per account per window before 429 (5) */
    int login_max_per_address; /* failed logins per address per window before 429 (20) */
    int login_window_s;        /* throttle window (900) */
    int login_delay_s;         /* first wait past a limit, doubling per failure (1) */
    int login_pow_after;       /* failures past a limit before proof of work replaces waits (5) */
    int login_pow_bits;        /* proof-of-work difficulty in leading zero bits (16) */
    int hash_workers;          /* password-hashing threads (half the CPUs, at least 1) */
    int hash_queue;            /* password hashes waiting at most; more answer 429 (16) */
    char payment_secret[129];  /* shared secret for payment callbacks (HMAC-SHA256) */
    int register_max_per_address; /* registrations per address per window before 429 (10) */
    int register_max_per_id;      /* registrations per ID number per window before 429 (3) */
    int register_window_s;        /* registration throttle window (3600) */

    /* [sms] */
    char metrics_allow[512];        /* peers that may scrape /metrics (addresses, CIDRs) */
    char metrics_token[128];        /* or a bearer token; "" = none */
    char sms_url[512];              /* HTTP SMS gateway; "" = no SMS (codes only at a window) */
    char sms_account[128];          /* account name at the gateway */
    char sms_secret[129];           /* HMAC-SHA256 key signing each request to the gateway */
    char sms_signature[64];         /* the sender signature shown in messages ("egret") */
    char sms_template_register[64]; /* template id of the registration code ("register_code") */
    int sms_timeout_ms;             /* whole request to the gateway at most (5000) */

    /* [city] */
    char city_name[64];          /* "厦门市" */
    char case_prefix[16];        /* "XM" */
    int64_t min_wage_hourly_fen; /* 2100 */
    int fatigue_minutes;         /* 720 (12 h) */
    int accept_working_days;     /* 1 */
    int mediation_days;          /* 15 */

    /* [files] */
    char data_dir[512]; /* uploads and generated files ("var/files") */
    char pdf_font[512]; /* CJK TrueType font (.ttf/.ttc) embedded in generated PDFs */

    /* [backup] */
    char backup_dir[512]; /* where egret backup --dir writes by default ("var/backups") */
    int backup_keep;      /* backups kept there; older ones are pruned (14) */
    int backup_max_age_h; /* egret doctor fails when the newest backup is older (26) */
};

/* Fill c with the built-in defaults. */
void eg_config_defaults(struct eg_config *c);

/* Read an INI file into c. EG_E_NOT_FOUND if it does not exist;
 * EG_E_INVALID_PARAMETER (with *errline set and errmsg filled) if a line is
 * malformed or names an unknown section or key. */
enum eg_status eg_config_read_ini(struct eg_config *c, const char *path, int *errline, char *errmsg,
                                  size_t errmsg_len);

/* Apply EGRET_* environment variables. EG_E_INVALID_PARAMETER (errmsg names
 * the variable) when a value is malformed. */
enum eg_status eg_config_apply_env(struct eg_config *c, char *errmsg, size_t errmsg_len);

/* Set one "section.key" to value (also used by the INI reader and flags).
 * EG_E_INVALID_PARAMETER with errmsg naming the key when unknown or malformed. */
enum eg_status eg_config_set(struct eg_config *c, const char *section, const char *key,
                             const char *value, char *errmsg, size_t errmsg_len);

#endif
