/* SPDX-License-Identifier: MIT */
/*
 * One relay: an ICMsg link and the SOCK_SEQPACKET socket that serves it
 * (docs/icmsgd.md, "Instance sockets"). Everything runs on the libevent
 * loop of @env; nothing blocks.
 */
#ifndef ICMSGD_RELAY_H
#define ICMSGD_RELAY_H

#include <stdbool.h>

#include <event2/event.h>

#include "icmsg/icmsg.h"
#include "json.h"

struct control;
struct relay;

/**
 * struct relay_env - what the relays share with the daemon.
 * @base:     the event loop
 * @control:  where events go (may be NULL)
 * @changed:  called when an instance changed state, and while stopping
 *            when its pending input may have drained
 * @userdata: for @changed
 */
struct relay_env {
	struct event_base *base;
	struct control *control;
	void (*changed)(void *userdata);
	void *userdata;
};

/**
 * relay_new() - an instance from its link and relay settings (both copied).
 * Nothing is opened yet: see relay_start().
 * @return the relay, to be freed with relay_free(), or NULL (out of memory).
 */
struct relay *relay_new(struct relay_env *env, const struct icmsg_link_config *cfg,
			const struct icmsg_relay_config *rcfg);

/**
 * relay_start() - create the socket and open the link. A failure puts the
 * instance in the "error" state and is retried with back-off (1 s doubling
 * to 60 s); it never affects other instances.
 */
void relay_start(struct relay *r);

/**
 * relay_shutdown() - stop accepting and reading clients; what was already
 * read keeps going into the ring (see relay_has_pending()).
 */
void relay_shutdown(struct relay *r);

/** relay_has_pending() - true while client messages read wait for the ring. */
bool relay_has_pending(const struct relay *r);

/** relay_free() - close clients, socket (unlinked) and link. Accepts NULL. */
void relay_free(struct relay *r);

/** relay_name() - the instance name. */
const char *relay_name(const struct relay *r);

/** relay_is_bound() - true if the link is bound. */
bool relay_is_bound(const struct relay *r);

/**
 * relay_config_equal() - true if @cfg and @rcfg are the settings @r runs
 * with, field by field (a reload leaves such an instance alone).
 */
bool relay_config_equal(const struct relay *r, const struct icmsg_link_config *cfg,
			const struct icmsg_relay_config *rcfg);

/** relay_status() - append the INSTANCE object of the status reply to @j. */
void relay_status(const struct relay *r, struct jbuf *j);

#endif /* ICMSGD_RELAY_H */
