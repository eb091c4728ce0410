/*
 * log.h — one line per event, key=value, on standard error (journald under
 * systemd) or in a file that SIGHUP reopens (logrotate).
 *
 *   eg_log(EG_LOG_INFO, "event=listen addr=%s threads=%d", addr, n);
 *
 * Lines start with ts=<RFC 3339 UTC> level=<level>. Never log personal data
 * or secrets. Thread-safe: each line is written with one write(2).
 */
#ifndef EG_CORE_LOG_H
#define EG_CORE_LOG_H

enum eg_log_level { EG_LOG_DEBUG, EG_LOG_INFO, EG_LOG_WARN, EG_LOG_ERROR, EG_LOG_OFF };

/* Set the least level written (default INFO). Call at start-up only. */
void eg_log_set_level(enum eg_log_level lvl);

/* Parse "debug", "info", "warn", "error", "off"; -1 if unknown. */
int eg_log_parse_level(const char *s);

/* Send log lines to fd instead of standard error (start-up only). */
void eg_log_set_fd(int fd);

/*
 * Append log lines to the file at path (created 0640), from now on.
 * eg_log_reopen() opens the same path again, for after logrotate has moved
 * the file: the new file takes the old one's descriptor number with dup2(),
 * so a thread writing a line at that moment writes to one file or the
 * other, never to a closed descriptor. Both return 0, or -1 with errno
 * (the old destination stays).
 */
int eg_log_open_file(const char *path);
int eg_log_reopen(void);

void eg_log(enum eg_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Mask, in place, every run of digits that could be a resident ID number or
 * a phone: 11 or more digits, possibly split by '-', '.', '+', '_', '?',
 * spaces or their percent-encodings, with an ID number's final X. Each run
 * becomes one '*'. For text from outside (paths, logins) that goes into a
 * log line.
 */
void eg_log_redact_digits(char *s);

/* Whether lvl would be written (to skip building expensive lines). */
int eg_log_enabled(enum eg_log_level lvl);

#endif
