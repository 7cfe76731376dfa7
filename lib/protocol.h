/* SPDX-License-Identifier: MIT */
/*
 * protocol - ICMsg bonding and session handling over two pbufs (spec 3, 4).
 *
 * Does no I/O: it reads and writes the rings and handshake words and
 * reports what the caller must do (ring the doorbell, call the application)
 * as queued events. All state changes happen under tx_lock, so that
 * proto_send() may run on another thread than the processing.
 */
#ifndef ICMSG_PROTOCOL_H
#define ICMSG_PROTOCOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pbuf.h"

/* The bonding magic, "Em1l1K0rn3li4" (spec 3.1). */
#define PROTO_MAGIC_LEN 13
extern const uint8_t proto_magic[PROTO_MAGIC_LEN];

/** enum proto_state - the states of spec 3.8. */
enum proto_state {
	PROTO_OFF = 0,
	PROTO_INIT_DISABLED,
	PROTO_INIT_ENABLED,
	PROTO_INIT_DETECT,
	PROTO_CONNECTED_DISABLED,
	PROTO_CONNECTED_ENABLED,
	PROTO_DISCONNECTED,
	PROTO_FAULT,
};

enum proto_event_type {
	PROTO_EV_BOUND = 1,
	PROTO_EV_UNBOUND, /* arg: -ECONNRESET, -ESHUTDOWN, -EBADMSG */
	PROTO_EV_ERROR,   /* arg: -EMSGSIZE, -EPROTONOSUPPORT, -EINVAL */
};

struct proto_event {
	enum proto_event_type type;
	int arg;
};

#define PROTO_MAX_EVENTS 8

/** struct proto_config - the knobs the protocol needs. */
struct proto_config {
	enum icmsg_unbound_mode mode;
	uint64_t detect_grace_ns;
	bool auto_reopen;
};

/** struct proto - one side of one instance. */
struct proto {
	struct proto_config cfg;
	struct pbuf tx, rx;
	const struct logger *log;
	pthread_mutex_t tx_lock;

	enum proto_state state;
	bool session;          /* bound through sessions (vs. magic) */
	uint16_t local_sid, remote_sid;
	bool rx_trusted;       /* INIT_DISABLED: rx ring re-initialised by the peer */
	/* Magic bond: nothing but the magic went either way since our last
	 * tx_init, so a ring reset by the peer needs no new one from us. */
	bool tx_clean, rx_clean;
	uint64_t grace_deadline; /* detect: 0 = not waiting */
	bool v0_reported;

	/* Output for the caller, drained by proto_take_events(). */
	struct proto_event events[PROTO_MAX_EVENTS];
	unsigned int n_events;
	bool notify;           /* ring the peer's doorbell */
	bool tx_reserved;      /* a reservation is open (proto_reserve()) */
	uint64_t tx_msgs, tx_bytes; /* written under tx_lock, read relaxed */
	uint32_t tx_reserved_len, tx_reserved_gen;
	uint64_t errors;       /* corruption and dropped messages */
};

/** proto_init() - set up over two bound pbufs; state OFF. */
int proto_init(struct proto *p, const struct proto_config *cfg, struct region *tx,
	       struct region *rx, const struct pbuf_layout *tx_l, const struct pbuf_layout *rx_l,
	       const struct logger *log);

/** proto_destroy() - release the lock. */
void proto_destroy(struct proto *p);

/**
 * proto_open() - start bonding in the configured mode (spec 3.2-3.4), or
 * restart it (new session) from any session-mode state.
 * Return: 0, -EALREADY (disable mode, already open), -EIO (disable, fault).
 */
int proto_open(struct proto *p);

/** proto_close() - spec 3.8 "On close"; sets notify. */
void proto_close(struct proto *p);

/**
 * proto_step() - one processing step without delivering messages:
 * bonding, session and restart checks (spec 3.8 middle column).
 * @now: CLOCK_MONOTONIC ns, for the detect grace period.
 */
void proto_step(struct proto *p, uint64_t now);

/**
 * proto_recv() - take the next message in a bound state.
 * @drop_oversize: a message longer than @cap is dropped and reported
 *                 (PROTO_EV_ERROR -EMSGSIZE) instead of left in the ring.
 * Return: its length; -EAGAIN if none (empty, or a state change happened:
 * see the events); -EMSGSIZE if longer than @cap and not dropped.
 */
int proto_recv(struct proto *p, void *buf, size_t cap, bool drop_oversize);

/**
 * proto_send() - spec 4.1 with our rules. Return: @len or a negative errno
 * (-EBUSY, -ENOTCONN, -EIO, -ENODATA, -EMSGSIZE, -ENOMEM, -EINVAL,
 * -EINPROGRESS while a reservation is open).
 * @more:   write only; publish with a later send or proto_kick()
 * @lazy:   signal only a peer that may be idle (pbuf_publish())
 * @signal: set when the caller must ring the doorbell
 */
int proto_send(struct proto *p, const void *data, size_t len, uint32_t max_len, bool more,
	       bool lazy, bool *signal);

/** proto_tx_unpublished() - true if sends wait for a proto_kick(). */
bool proto_tx_unpublished(struct proto *p);

/** proto_kick() - publish what is pending; *@signal as proto_send(). */
void proto_kick(struct proto *p, bool lazy, bool *signal);

/**
 * proto_reserve() - open a reservation of @len bytes; *@ptr is its place
 * in the ring, or NULL if the caller must pass a copy to proto_commit().
 * Return: 0 or as proto_send() (*@signal too: a full ring publishes).
 */
int proto_reserve(struct proto *p, size_t len, uint32_t max_len, bool lazy, void **ptr,
		  bool *signal);

/**
 * proto_commit() - close the reservation with @len bytes (0: abandon),
 * copying @src if not NULL. Return: @len, 0, -EINVAL (no reservation or
 * @len above it), -ECONNRESET if the ring was re-initialised meanwhile,
 * or as proto_send().
 */
int proto_commit(struct proto *p, const void *src, size_t len, bool more, bool lazy,
		 bool *signal);

/**
 * proto_hold() - look at the next message in place, after those held.
 * Return: its length with *@start its payload offset; -EAGAIN if none or
 * after a state change (see the events); -ENOTSUP if it must be taken by
 * proto_recv() (too long for @cap, or a fresh magic) and nothing is held.
 */
int proto_hold(struct proto *p, size_t cap, uint32_t *start);

/** proto_release() - consume the held messages. Return: 0 or -ECONNRESET. */
int proto_release(struct proto *p);

/**
 * proto_tx_pending() - bytes we sent that the peer has not read.
 * Return: the count (0 whatever the state, if the peer read everything),
 * or as proto_send() for a link that is not bound.
 */
int proto_tx_pending(struct proto *p);

/** proto_is_bound() - CONNECTED_*; call with processing serialised. */
bool proto_is_bound(const struct proto *p);

/** struct proto_snapshot - what other threads may read, taken under the lock. */
struct proto_snapshot {
	enum proto_state state;
	bool session;
	uint16_t local_sid, remote_sid;
};

/** proto_snapshot() - a consistent copy for any thread. */
void proto_snapshot(struct proto *p, struct proto_snapshot *ret);

/**
 * proto_take_events() - move queued events to @out (capacity
 * PROTO_MAX_EVENTS). *@notify is set if the doorbell must be rung.
 * Return: the number of events.
 */
unsigned int proto_take_events(struct proto *p, struct proto_event *out, bool *notify);

/** proto_state_name() - for logs and diagnostics. */
const char *proto_state_name(enum proto_state s);

#endif
