/* notify.h — systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to
 * the AF_UNIX socket named by $NOTIFY_SOCKET, when the service manager set it. */
#ifndef LW_NOTIFY_H
#define LW_NOTIFY_H

/* Send state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...") to the service manager.
 * Returns 1 when sent, 0 when $NOTIFY_SOCKET is unset, -1 when sending failed (errno set). */
int lw_notify(const char *state);

#endif
