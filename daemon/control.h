/* SPDX-License-Identifier: MIT */
/*
 * The control socket (docs/icmsgd.md, "Control socket"): status requests
 * answered with one JSON datagram, and subscribers that get one datagram
 * per event.
 */
#ifndef ICMSGD_CONTROL_H
#define ICMSGD_CONTROL_H

#include <stdint.h>

#include <event2/event.h>

#include "json.h"

struct control;

/**
 * control_status_fn - append the status reply to @out: every instance, or
 * only the one named @name (NULL for all).
 * @return 0, or -ENOENT if there is no instance @name.
 */
typedef int (*control_status_fn)(struct jbuf *out, const char *name, void *userdata);

/**
 * control_new() - a control server without a socket yet.
 * @return the server, to be freed with control_free(), or NULL.
 */
struct control *control_new(struct event_base *base, control_status_fn status, void *userdata);

/**
 * control_listen() - (re)create the listening socket at @path. A socket
 * already open at @path is kept and only gets the new mode and group; on
 * failure the previous socket, if any, stays as it was.
 * @why: on failure, what went wrong
 * @return 0 or a negative errno.
 */
int control_listen(struct control *c, const char *path, uint32_t mode, const char *group,
		   char *why, size_t why_len);

/** control_stop_listening() - close and unlink the listening socket. */
void control_stop_listening(struct control *c);

/**
 * control_event() - send the event @j (one JSON object) to every
 * subscriber. A subscriber that does not keep up is disconnected.
 * @c may be NULL.
 */
void control_event(struct control *c, const struct jbuf *j);

/** control_free() - close every connection and the socket. Accepts NULL. */
void control_free(struct control *c);

#endif /* ICMSGD_CONTROL_H */
