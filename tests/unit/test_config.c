/*
 * test_config.c — configuration defaults, INI file, environment, --set
 * precedence and error messages; log levels and line format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/log.h"

extern char **environ;

/* Remove every EGRET_* variable so the tests see only what they set. */
static void clear_env(void)
{
    char name[256];
    int again = 1;

    while (again) {
        char **e;

        again = 0;
        for (e = environ; *e != NULL; e++) {
            const char *eq = strchr(*e, '=');
            size_t n = eq == NULL ? strlen(*e) : (size_t)(eq - *e);

            if (strncmp(*e, "EGRET_", 6) == 0 && n < sizeof(name)) {
                memcpy(name, *e, n);
                name[n] = '\0';
                unsetenv(name);
                again = 1;
                break;
            }
        }
    }
}

static int setup(void **state)
{
    clear_env();
    return 0;
}

/* Write text to a fresh temporary file; the path goes into path. */
static void write_file(char path[64], const char *text)
{
    int fd;
    FILE *f;

    snprintf(path, 64, "/tmp/egret-test-config-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void test_defaults(void **state)
{
    struct eg_config c;

    eg_config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_true(c.threads >= 2);
    assert_int_equal(c.connection_limit, 1024);
    assert_int_equal(c.connection_timeout_s, 30);
    assert_int_equal(c.body_limit, 65536);
    assert_string_equal(c.static_dir, "web/dist");
    assert_string_equal(c.log_level, "info");
    assert_int_equal(c.access_log, 1);
    assert_string_equal(c.db, "var/egret.db");
    assert_int_equal(c.db_pool, 0);
    assert_string_equal(c.key_file, "var/egret.key");
    assert_string_equal(c.master_key_hex, "");
    assert_int_equal(c.session_ttl_s, 43200);
    assert_int_equal(c.login_max_per_account, 5);
    assert_int_equal(c.login_max_per_address, 20);
    assert_int_equal(c.login_window_s, 900);
    assert_string_equal(c.payment_secret, "demo-payment-secret");
    assert_string_equal(c.city_name, "厦门市");
    assert_string_equal(c.case_prefix, "XM");
    assert_int_equal(c.min_wage_hourly_fen, 2100);
    assert_int_equal(c.fatigue_minutes, 720);
    assert_int_equal(c.accept_working_days, 1);
    assert_int_equal(c.mediation_days, 15);
    assert_string_equal(c.data_dir, "var/files");
}

/* Field-by-field equality (struct copies need not preserve padding). */
static void assert_config_equal(const struct eg_config *a, const struct eg_config *b)
{
    assert_string_equal(a->listen, b->listen);
    assert_int_equal(a->threads, b->threads);
    assert_int_equal(a->connection_limit, b->connection_limit);
    assert_int_equal(a->connection_timeout_s, b->connection_timeout_s);
    assert_int_equal(a->body_limit, b->body_limit);
    assert_string_equal(a->static_dir, b->static_dir);
    assert_string_equal(a->log_level, b->log_level);
    assert_int_equal(a->access_log, b->access_log);
    assert_string_equal(a->db, b->db);
    assert_int_equal(a->db_pool, b->db_pool);
    assert_string_equal(a->key_file, b->key_file);
    assert_string_equal(a->master_key_hex, b->master_key_hex);
    assert_int_equal(a->session_ttl_s, b->session_ttl_s);
    assert_int_equal(a->login_max_per_account, b->login_max_per_account);
    assert_int_equal(a->login_max_per_address, b->login_max_per_address);
    assert_int_equal(a->login_window_s, b->login_window_s);
    assert_string_equal(a->payment_secret, b->payment_secret);
    assert_string_equal(a->city_name, b->city_name);
    assert_string_equal(a->case_prefix, b->case_prefix);
    assert_int_equal(a->min_wage_hourly_fen, b->min_wage_hourly_fen);
    assert_int_equal(a->fatigue_minutes, b->fatigue_minutes);
    assert_int_equal(a->accept_working_days, b->accept_working_days);
    assert_int_equal(a->mediation_days, b->mediation_days);
    assert_string_equal(a->data_dir, b->data_dir);
}

/* The example file in the tree parses and states exactly the defaults. */
static void test_example_file(void **state)
{
    struct eg_config def, c;
    char path[1024], msg[256];
    const char *slash = strrchr(__FILE__, '/');
    int line = -1;

    assert_non_null(slash);
    snprintf(path, sizeof(path), "%.*s/../../egret.example.ini", (int)(slash - __FILE__), __FILE__);
    eg_config_defaults(&def);
    eg_config_defaults(&c);
    c.threads = 99;
    def.threads = 99;
    assert_int_equal(eg_config_read_ini(&c, path, &line, msg, sizeof(msg)), EG_OK);
    assert_int_equal(line, 0);
    assert_config_equal(&c, &def);
}

static void test_ini_values(void **state)
{
    struct eg_config c;
    char path[64], msg[256];
    int line = -1;

    write_file(path,
               "; comment\n"
               "# another\n"
               "[server]\n"
               "listen = 0.0.0.0:9000\n"
               "threads=7 ; inline comment\n"
               "body_limit = 1048576\n"
               "log_level = debug\n"
               "access_log = 0\n"
               "\n"
               "[db]\n"
               "url = postgres://egret@localhost/egret\n"
               "pool = 12\n"
               "[security]\n"
               "master_key = 00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n"
               "payment_secret = s3cret-value\n"
               "[city]\n"
               "name = 泉州市\n"
               "case_prefix = QZ\n"
               "min_wage_hourly_fen = 2200\n"
               "[files]\n"
               "data_dir = /srv/egret/files\n");
    eg_config_defaults(&c);
    assert_int_equal(eg_config_read_ini(&c, path, &line, msg, sizeof(msg)), EG_OK);
    unlink(path);
    assert_string_equal(c.listen, "0.0.0.0:9000");
    assert_int_equal(c.threads, 7);
    assert_int_equal(c.body_limit, 1048576);
    assert_string_equal(c.log_level, "debug");
    assert_int_equal(c.access_log, 0);
    assert_string_equal(c.db, "postgres://egret@localhost/egret");
    assert_int_equal(c.db_pool, 12);
    assert_string_equal(c.master_key_hex,
                        "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF");
    assert_string_equal(c.payment_secret, "s3cret-value");
    assert_string_equal(c.city_name, "泉州市");
    assert_string_equal(c.case_prefix, "QZ");
    assert_int_equal(c.min_wage_hourly_fen, 2200);
    assert_string_equal(c.data_dir, "/srv/egret/files");
    /* Untouched keys keep their defaults. */
    assert_int_equal(c.connection_limit, 1024);
    assert_int_equal(c.mediation_days, 15);
}

/* One bad INI file: the reported line, the message's key, and an
 * unchanged struct. */
static void expect_ini_error(const char *text, int want_line, const char *want_in_msg)
{
    struct eg_config c, def;
    char path[64], msg[256];
    int line = -1;

    write_file(path, text);
    eg_config_defaults(&c);
    eg_config_defaults(&def);
    assert_int_equal(eg_config_read_ini(&c, path, &line, msg, sizeof(msg)), EG_E_INVALID_PARAMETER);
    unlink(path);
    if (strstr(msg, want_in_msg) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", msg, want_in_msg);
    assert_int_equal(line, want_line);
    assert_config_equal(&c, &def);
}

static void test_ini_errors(void **state)
{
    expect_ini_error("[server]\nthreads = 4\nthreds = 4\n", 3, "threds");
    expect_ini_error("[server]\nthreads = 4\n[sever]\nlisten = x\n", 3, "sever");
    expect_ini_error("[server]\nthreads = 4\n[sever]\n", 3, "unknown section [sever]");
    expect_ini_error("[server]\n[]\n", 2, "unknown section []");
    expect_ini_error("[server]\nthreads = 4 ; [sever]\n[cty]\n[city]\nname = x\n", 3,
                     "unknown section [cty]");
    expect_ini_error("[server]\nthreads = 4abc\n", 2, "server.threads");
    expect_ini_error("[server]\nthreads = 0\n", 2, "server.threads");
    expect_ini_error("[server]\nthreads = 1025\n", 2, "server.threads");
    expect_ini_error("[server]\nthreads = -3\n", 2, "server.threads");
    expect_ini_error("[server]\nthreads =\n", 2, "server.threads");
    expect_ini_error("[server]\nthreads = 0x10\n", 2, "server.threads");
    expect_ini_error("[server]\nthreads = 4.0\n", 2, "server.threads");
    expect_ini_error("[server]\nthreads = +4\n", 2, "server.threads");
    expect_ini_error("[server]\nconnection_limit = 99999999999999999999999\n", 2,
                     "server.connection_limit");
    expect_ini_error("[server]\naccess_log = 2\n", 2, "server.access_log");
    expect_ini_error("[server]\nlog_level = verbose\n", 2, "server.log_level");
    expect_ini_error("[server]\nlisten =\n", 2, "server.listen");
    expect_ini_error("[security]\nmaster_key = abcd\n", 2, "security.master_key");
    expect_ini_error("[security]\nmaster_key = "
                     "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
                     2, "security.master_key");
    expect_ini_error("[city]\ncase_prefix = xm\n", 2, "city.case_prefix");
    expect_ini_error("[city]\ncase_prefix = XMXMXMXMXMXMXMXM\n", 2, "city.case_prefix");
    expect_ini_error("[city]\nmin_wage_hourly_fen = 100000000000001\n", 2,
                     "city.min_wage_hourly_fen");
    expect_ini_error("[city]\nname = \xC0\x80\n", 2, "city.name");
    expect_ini_error("threads = 4\n", 1, "outside");
    expect_ini_error("[server]\nthis line has no equals sign\n", 2, "malformed");
    expect_ini_error("[server\nthreads = 4\n", 1, "malformed");
    /* A syntax error is reported even after an unknown key. */
    expect_ini_error("[server]\nbogus = 1\n[server\n", 3, "malformed");
    /* A good key after a bad one does not hide the error. */
    expect_ini_error("[server]\nthreads = x\nlisten = 1.2.3.4:80\n", 2, "server.threads");
}

static void test_ini_long_line(void **state)
{
    char text[400];

    snprintf(text, sizeof(text), "[db]\nurl = %0300d\n", 1);
    expect_ini_error(text, 2, "longer");
}

static void test_ini_missing(void **state)
{
    struct eg_config c;
    char msg[256];
    int line = -1;

    eg_config_defaults(&c);
    assert_int_equal(eg_config_read_ini(&c, "/nonexistent/egret.ini", &line, msg, sizeof(msg)),
                     EG_E_NOT_FOUND);
    assert_non_null(strstr(msg, "no such file"));
    assert_int_equal(c.connection_limit, 1024);
}

static void test_set(void **state)
{
    struct eg_config c;
    char msg[256];

    eg_config_defaults(&c);
    assert_int_equal(eg_config_set(&c, "server", "threads", "3", msg, sizeof(msg)), EG_OK);
    assert_int_equal(c.threads, 3);
    assert_int_equal(eg_config_set(&c, "server", "nosuchkey", "3", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    assert_non_null(strstr(msg, "nosuchkey"));
    assert_non_null(strstr(msg, "unknown key"));
    assert_int_equal(eg_config_set(&c, "nosection", "threads", "3", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    assert_non_null(strstr(msg, "nosection"));
    assert_non_null(strstr(msg, "unknown section"));
    /* Field names that are not key names are unknown: [db] uses url/pool. */
    assert_int_equal(eg_config_set(&c, "db", "db", "x.db", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_config_set(&c, "db", "db_pool", "3", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_config_set(&c, "server", "threads", "3 ", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    assert_int_equal(eg_config_set(&c, "server", "threads", " 3", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    assert_int_equal(c.threads, 3);
    assert_int_equal(eg_config_set(&c, "city", "name", "", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    assert_string_equal(c.city_name, "厦门市");
    assert_int_equal(eg_config_set(&c, "security", "master_key", "", msg, sizeof(msg)), EG_OK);
    assert_int_equal(eg_config_set(&c, "server", "body_limit", "1073741824", msg, sizeof(msg)),
                     EG_OK);
    assert_int_equal(c.body_limit, 1073741824);
    assert_int_equal(eg_config_set(&c, "server", "body_limit", "1073741825", msg, sizeof(msg)),
                     EG_E_INVALID_PARAMETER);
    /* Too long for its field. */
    {
        char longv[200];

        memset(longv, 'a', sizeof(longv) - 1);
        longv[sizeof(longv) - 1] = '\0';
        assert_int_equal(eg_config_set(&c, "server", "listen", longv, msg, sizeof(msg)),
                         EG_E_INVALID_PARAMETER);
        assert_non_null(strstr(msg, "server.listen"));
        assert_string_equal(c.listen, "127.0.0.1:8080");
    }
}

static void test_env(void **state)
{
    struct eg_config c;
    char msg[256];

    eg_config_defaults(&c);
    setenv("EGRET_DB", "short.db", 1);
    setenv("EGRET_LISTEN", "127.0.0.1:1234", 1);
    setenv("EGRET_SERVER_THREADS", "9", 1);
    setenv("EGRET_SECURITY_PAYMENT_SECRET", "from-env", 1);
    setenv("EGRET_CITY_NAME", "福州市", 1);
    setenv("EGRET_CONFIG", "/ignored.ini", 1);
    setenv("EGRET_SOMETHING_ELSE", "ignored", 1);
    assert_int_equal(eg_config_apply_env(&c, msg, sizeof(msg)), EG_OK);
    assert_string_equal(c.db, "short.db");
    assert_string_equal(c.listen, "127.0.0.1:1234");
    assert_int_equal(c.threads, 9);
    assert_string_equal(c.payment_secret, "from-env");
    assert_string_equal(c.city_name, "福州市");
    /* The long form wins over the short one. */
    setenv("EGRET_DB_URL", "long.db", 1);
    assert_int_equal(eg_config_apply_env(&c, msg, sizeof(msg)), EG_OK);
    assert_string_equal(c.db, "long.db");
    /* A bad value names the variable. */
    setenv("EGRET_SERVER_CONNECTION_LIMIT", "lots", 1);
    assert_int_equal(eg_config_apply_env(&c, msg, sizeof(msg)), EG_E_INVALID_PARAMETER);
    assert_non_null(strstr(msg, "EGRET_SERVER_CONNECTION_LIMIT"));
    unsetenv("EGRET_SERVER_CONNECTION_LIMIT");
    setenv("EGRET_LISTEN", "", 1);
    assert_int_equal(eg_config_apply_env(&c, msg, sizeof(msg)), EG_E_INVALID_PARAMETER);
    assert_non_null(strstr(msg, "EGRET_LISTEN"));
    clear_env();
}

/* defaults < INI < environment < set. */
static void test_precedence(void **state)
{
    struct eg_config c;
    char path[64], msg[256];
    int line;

    write_file(path, "[server]\n"
                     "connection_limit = 11\n"
                     "connection_timeout_s = 12\n"
                     "threads = 13\n"
                     "[city]\n"
                     "mediation_days = 14\n");
    eg_config_defaults(&c);
    assert_int_equal(eg_config_read_ini(&c, path, &line, msg, sizeof(msg)), EG_OK);
    unlink(path);
    setenv("EGRET_SERVER_CONNECTION_TIMEOUT_S", "22", 1);
    setenv("EGRET_SERVER_THREADS", "23", 1);
    setenv("EGRET_CITY_MEDIATION_DAYS", "24", 1);
    assert_int_equal(eg_config_apply_env(&c, msg, sizeof(msg)), EG_OK);
    assert_int_equal(eg_config_set(&c, "server", "threads", "33", msg, sizeof(msg)), EG_OK);
    clear_env();

    assert_int_equal(c.connection_limit, 11);     /* INI only */
    assert_int_equal(c.connection_timeout_s, 22); /* INI, then environment */
    assert_int_equal(c.threads, 33);              /* INI, environment, then set */
    assert_int_equal(c.mediation_days, 24);
    assert_int_equal(c.fatigue_minutes, 720); /* default */
}

static void test_log_levels(void **state)
{
    assert_int_equal(eg_log_parse_level("debug"), EG_LOG_DEBUG);
    assert_int_equal(eg_log_parse_level("info"), EG_LOG_INFO);
    assert_int_equal(eg_log_parse_level("warn"), EG_LOG_WARN);
    assert_int_equal(eg_log_parse_level("error"), EG_LOG_ERROR);
    assert_int_equal(eg_log_parse_level("off"), EG_LOG_OFF);
    assert_int_equal(eg_log_parse_level("INFO"), -1);
    assert_int_equal(eg_log_parse_level(""), -1);
    assert_int_equal(eg_log_parse_level(NULL), -1);
}

/* Lines go to the chosen descriptor, filtered by level, one per event. */
static void test_log_lines(void **state)
{
    char out[8192];
    int fds[2];
    ssize_t n;

    assert_int_equal(pipe(fds), 0);
    eg_log_set_fd(fds[1]);
    eg_log_set_level(EG_LOG_WARN);
    assert_false(eg_log_enabled(EG_LOG_INFO));
    assert_true(eg_log_enabled(EG_LOG_WARN));
    assert_false(eg_log_enabled(EG_LOG_OFF));
    eg_log(EG_LOG_INFO, "event=hidden");
    eg_log(EG_LOG_ERROR, "event=shown n=%d\nforged=1", 5);
    n = read(fds[0], out, sizeof(out) - 1);
    assert_true(n > 0);
    out[n] = '\0';
    assert_int_equal(strncmp(out, "ts=", 3), 0);
    /* ts=YYYY-MM-DDTHH:MM:SS.mmmZ */
    assert_int_equal(out[13], 'T');
    assert_int_equal(out[26], 'Z');
    assert_non_null(strstr(out, " level=error event=shown n=5 forged=1\n"));
    assert_null(strstr(out, "hidden"));
    assert_int_equal(strchr(out, '\n') - out, n - 1);

    /* An overlong line is cut, marked, and still one line. */
    {
        char big[6000];

        memset(big, 'z', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        eg_log(EG_LOG_ERROR, "event=big v=%s", big);
        n = read(fds[0], out, sizeof(out) - 1);
        assert_true(n > 0 && n <= 4096);
        out[n] = '\0';
        assert_int_equal(out[n - 1], '\n');
        assert_int_equal(strchr(out, '\n') - out, n - 1);
        assert_non_null(strstr(out, "truncated=1\n"));
    }
    eg_log_set_level(EG_LOG_OFF);
    assert_false(eg_log_enabled(EG_LOG_ERROR));
    eg_log_set_level(EG_LOG_INFO);
    eg_log_set_fd(2);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, setup),
        cmocka_unit_test_setup(test_example_file, setup),
        cmocka_unit_test_setup(test_ini_values, setup),
        cmocka_unit_test_setup(test_ini_errors, setup),
        cmocka_unit_test_setup(test_ini_long_line, setup),
        cmocka_unit_test_setup(test_ini_missing, setup),
        cmocka_unit_test_setup(test_set, setup),
        cmocka_unit_test_setup(test_env, setup),
        cmocka_unit_test_setup(test_precedence, setup),
        cmocka_unit_test(test_log_levels),
        cmocka_unit_test(test_log_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
