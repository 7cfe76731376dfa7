/* SPDX-License-Identifier: MIT */
/*
 * One connection to an instance socket: the queue of messages on their way
 * to the client, and the batch of datagrams read from it that has not
 * reached the ring yet. Policy (when to read, what a full queue means)
 * belongs to the relay; this module only moves bytes.
 */
#ifndef ICMSGD_CLIENT_H
#define ICMSGD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <event2/event.h>

/**
 * struct relay_msg - one message from the remote core, stored once and
 * shared by the queues of every client (refcounted).
 */
struct relay_msg {
	unsigned int refs;
	uint32_t len;
	uint8_t data[];
};

/**
 * relay_msg_new() - a copy of @data holding one reference, the caller's:
 * drop it with relay_msg_unref() once the message is queued everywhere.
 * @return the message or NULL.
 */
struct relay_msg *relay_msg_new(const void *data, size_t len);

/** relay_msg_unref() - drop one reference; the last one frees @m. */
void relay_msg_unref(struct relay_msg *m);

/** Most datagrams taken from a client socket per read. */
#define CLIENT_READ_BATCH 32

/** struct client - see the file comment. Fields are the relay's to read. */
struct client {
	struct client *prev, *next; /* the relay's list */
	void *owner;                /* the relay */
	int fd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	struct event *ev_read;
	struct event *ev_write;
	struct event *ev_hup;  /* EV_CLOSED while not reading: calls on_read */
	bool watching_hup;
	bool reading;  /* ev_read is added */
	bool writing;  /* ev_write is added: the socket was full */
	bool eof;      /* the client closed: nothing more to read or send */
	bool full;     /* counted by the relay as blocking the ring */
	bool out_dead; /* it closed while we still had messages for it */

	/* Rate limit of the errors reported about it (log lines, events). */
	uint64_t report_window_us;
	unsigned int reports, suppressed;

	/* Messages to the client, oldest first (a ring of pointers). */
	struct relay_msg **q;
	uint32_t q_head, q_len, q_cap;

	/* Datagrams read from the client; in_pos..in_count still to send. */
	uint8_t *in_buf;
	size_t in_slot;
	unsigned int in_slots;
	uint32_t in_len[CLIENT_READ_BATCH];
	bool in_trunc[CLIENT_READ_BATCH];
	unsigned int in_pos, in_count;
};

/**
 * client_new() - wrap the accepted socket @fd (closed on failure) and read
 * its peer credentials. The events call @on_read / @on_write with the
 * client as argument; neither is added yet.
 * @return the client, to be freed with client_free(), or NULL.
 */
struct client *client_new(int fd, struct event_base *base, event_callback_fn on_read,
			  event_callback_fn on_write);

/** client_free() - close the socket, drop the queued references, free. */
void client_free(struct client *c);

/**
 * client_set_reading() - add or delete the read event; while not reading,
 * a hang-up still calls on_read (with EV_CLOSED and without EV_READ).
 */
void client_set_reading(struct client *c, bool on);

/** client_watch_hup() - add or delete the hang-up event. */
void client_watch_hup(struct client *c, bool on);

/**
 * client_enqueue() - append @m to the queue (no limit is checked here).
 * @return 0 or -ENOMEM.
 */
int client_enqueue(struct client *c, struct relay_msg *m);

/**
 * client_drop_output() - the client can no longer receive (it closed with
 * our messages unread): drop its queue and stop writing, but keep what it
 * sent us readable until end of file. Later enqueues are no-ops.
 */
void client_drop_output(struct client *c);

/**
 * client_flush() - send queued messages until the queue is empty or the
 * socket is full; in the latter case the write event is added.
 * @return 0 if the queue is empty, 1 if messages wait for the socket, or a
 *         negative errno if the client is gone (EPIPE, ECONNRESET, ...).
 */
int client_flush(struct client *c);

/**
 * client_send_direct() - with nothing queued, hand @n messages straight to
 * the socket (one sendmmsg(), no copy of ours); the caller queues what it
 * did not take.
 * @return how many were taken (0 if the socket is full), or a negative
 *         errno as client_flush().
 */
int client_send_direct(struct client *c, const struct iovec *iov, unsigned int n);

/**
 * client_read() - read up to one batch of datagrams of at most @slot bytes
 * each (longer ones are flagged in in_trunc, in_len holds their real size).
 * Only call it when in_pos == in_count. Sets @eof when the client closed.
 * @return the number of datagrams read (0 if none), or a negative errno.
 */
int client_read(struct client *c, size_t slot);

/** client_in_data() - the datagram at in_pos. */
static inline const uint8_t *client_in_data(const struct client *c)
{
	return c->in_buf + (size_t)c->in_pos * c->in_slot;
}

#endif /* ICMSGD_CLIENT_H */
