/* SPDX-License-Identifier: MIT */
/*
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET.
 */
#ifndef ICMSGD_NOTIFY_H
#define ICMSGD_NOTIFY_H

/**
 * notify_send() - send @state ("READY=1", "STATUS=...", several lines
 * joined with '\n') to the service manager.
 * @return 1 if sent, 0 if $NOTIFY_SOCKET is not set, or a negative errno.
 */
int notify_send(const char *state);

/** notify_close() - release the socket notify_send() keeps open. */
void notify_close(void);

#endif /* ICMSGD_NOTIFY_H */
