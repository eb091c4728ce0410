/*
 * sdnotify.h — tell a service manager (systemd, Type=notify) about the
 * service's state, without linking libsystemd.
 *
 *   eg_sd_notify("READY=1");      after the server listens
 *   eg_sd_notify("STOPPING=1");   when a graceful shutdown starts
 *
 * The message goes as one datagram to the AF_UNIX socket that
 * $NOTIFY_SOCKET names (a path, or "@name" for the abstract namespace),
 * the protocol of sd_notify(3). Outside systemd the variable is unset and
 * nothing is sent.
 */
#ifndef EG_CORE_SDNOTIFY_H
#define EG_CORE_SDNOTIFY_H

/*
 * Send state (newline-separated VAR=value lines) to $NOTIFY_SOCKET.
 * Returns 1 when sent, 0 when no manager asked for notifications
 * ($NOTIFY_SOCKET unset or empty), -1 when the socket is malformed or
 * the send failed.
 */
int eg_sd_notify(const char *state);

#endif
