/*
 * log.c — key=value log lines.
 *
 * Each line is formatted into a stack buffer and written with a single
 * write(2), so lines from different threads never interleave (writes of
 * this size to a pipe or file with O_APPEND are atomic in practice). A line
 * longer than the buffer is cut and marked with "truncated=1". Newlines and
 * other control characters in the message are replaced by spaces so that
 * one event stays one line.
 *
 * The level is set once at start-up and only read afterwards; the
 * descriptor number too: a reopen after logrotate puts the new file under
 * the same number (dup2), so writers never see a closed descriptor.
 */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/time.h"

#define LINE_MAX_BYTES 4096

static enum eg_log_level min_level = EG_LOG_INFO;
static int log_fd = STDERR_FILENO;
static char *log_path;                                        /* the file, or NULL for stderr */
static pthread_mutex_t reopen_mu = PTHREAD_MUTEX_INITIALIZER; /* one reopen at a time */

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void eg_log_set_level(enum eg_log_level lvl)
{
    if (lvl >= EG_LOG_DEBUG && lvl <= EG_LOG_OFF)
        min_level = lvl;
}

int eg_log_parse_level(const char *s)
{
    size_t i;

    if (s == NULL)
        return -1;
    for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (strcmp(s, level_names[i]) == 0)
            return (int)i;
    return -1;
}

void eg_log_set_fd(int fd)
{
    if (fd >= 0)
        log_fd = fd;
}

static int open_log(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int eg_log_open_file(const char *path)
{
    int fd = open_log(path);
    char *copy;

    if (fd < 0)
        return -1;
    copy = strdup(path);
    if (copy == NULL) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    pthread_mutex_lock(&reopen_mu);
    free(log_path);
    log_path = copy;
    log_fd = fd;
    pthread_mutex_unlock(&reopen_mu);
    return 0;
}

int eg_log_reopen(void)
{
    int fd, rc = 0;

    pthread_mutex_lock(&reopen_mu);
    if (log_path != NULL) {
        fd = open_log(log_path);
        if (fd < 0 || dup2(fd, log_fd) < 0)
            rc = -1;
        if (fd >= 0)
            close(fd);
    }
    pthread_mutex_unlock(&reopen_mu);
    return rc;
}

int eg_log_enabled(enum eg_log_level lvl)
{
    return (int)lvl >= (int)EG_LOG_DEBUG && lvl < EG_LOG_OFF && lvl >= min_level;
}

/* How many bytes of separator start at p (0 if none). */
static size_t separator_len(const char *p)
{
    if (*p == '-' || *p == '.' || *p == '+' || *p == '_' || *p == ' ' || *p == '?')
        return 1;
    if (p[0] == '%' && p[1] == '2' &&
        (p[2] == '0' || p[2] == 'D' || p[2] == 'd' || p[2] == 'B' || p[2] == 'b'))
        return 3;
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

void eg_log_redact_digits(char *s)
{
    char *r = s, *w = s;

    if (s == NULL)
        return;
    while (*r != '\0') {
        char *p = r, *end = r;
        size_t digits = 0, sep;

        if (!is_digit(*r)) {
            *w++ = *r++;
            continue;
        }
        for (;;) {
            if (is_digit(*p)) {
                digits++;
                end = ++p;
            } else if ((*p == 'X' || *p == 'x') && digits >= 14) {
                end = p + 1;
                break;
            } else if ((sep = separator_len(p)) > 0 && is_digit(p[sep])) {
                p += sep;
            } else {
                break;
            }
        }
        if (digits >= 11) {
            *w++ = '*';
            r = end;
        } else {
            while (r < end)
                *w++ = *r++;
        }
    }
    *w = '\0';
}

/*
 * Build "ts=<RFC 3339 with milliseconds> level=<level> <message>\n" and
 * write it in one call.
 */
void eg_log(enum eg_log_level lvl, const char *fmt, ...)
{
    static const char trunc_mark[] = " truncated=1";
    char line[LINE_MAX_BYTES];
    char ts[21];
    va_list ap;
    int64_t us;
    size_t len, head, i;
    ssize_t w;
    int n;

    if (!eg_log_enabled(lvl))
        return;
    us = eg_now_us();
    eg_instant_format(us / 1000000, ts);
    /* ts is "YYYY-MM-DDTHH:MM:SSZ"; put the milliseconds before the Z. */
    n = snprintf(line, sizeof(line), "ts=%.19s.%03dZ level=%s ", ts, (int)(us / 1000 % 1000),
                 level_names[lvl]);
    if (n < 0)
        return;
    head = (size_t)n;
    va_start(ap, fmt);
    n = vsnprintf(line + head, sizeof(line) - head, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    len = head + (size_t)n;
    if (len > sizeof(line) - 1 - sizeof(trunc_mark)) {
        len = sizeof(line) - 1 - sizeof(trunc_mark);
        memcpy(line + len, trunc_mark, sizeof(trunc_mark) - 1);
        len += sizeof(trunc_mark) - 1;
    }
    for (i = head; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = ' ';
    line[len++] = '\n';
    do {
        w = write(log_fd, line, len);
    } while (w < 0 && errno == EINTR);
}
