// SPDX-License-Identifier: MIT
/*
 * icmsgd relay: one ICMsg link fanned out to the clients of one socket.
 *
 * Ring to clients: the link is opened without a received callback, so
 * messages stay in the ring until relay_pump() holds a batch of them in
 * place (icmsg_link_rx_hold()), copies them into one buffer and releases
 * them: the release is what says the remote core did not reset its ring
 * meanwhile, so nothing reaches a client before it (sending straight from
 * the ring could hand out bytes the core had already overwritten). A
 * client with nothing queued gets the batch in one sendmmsg(); what a
 * client cannot take now is copied once more and queued (by reference). While a client's queue is full under
 * "client-policy: wait" the pump simply stops taking: the remote core then
 * finds its ring full, which is the back-pressure the protocol has.
 *
 * Clients to ring: a batch of datagrams is read from one client with
 * recvmmsg() and written with ICMSG_SEND_MORE, then published with one
 * doorbell (icmsg_link_kick()). When the ring is full or the link is not
 * bound, the rest of the batch stays with the client and no client socket
 * is read until it has gone in; the clients' own socket buffers then hold
 * (and eventually block) what they send. A reader never signals freed
 * space (spec 1.3), so a full ring is looked at again after 1..5 ms.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "control.h"
#include "log.h"
#include "relay.h"
#include "util.h"

/* Back-off of a failed open: 1 s doubling to 60 s (docs/icmsgd.md). */
#define RETRY_FIRST_S 1u
#define RETRY_MAX_S 60u
/* Ring full: look again after 1 ms, doubling to 5 ms, as the library's
 * blocking send does. */
#define TX_RETRY_MAX_MS 5u
/* Messages taken from the ring per turn of the loop, so that one busy
 * instance cannot starve the others; the rest follows on the next turn. */
#define PUMP_BUDGET 1024u
/* How long accepting pauses when the process runs out of descriptors. */
#define ACCEPT_PAUSE_MS 100
/* Clients per instance: each costs a descriptor, and while the link is
 * down their sockets are not read, so hang-ups are noticed only later. */
#define MAX_CLIENTS 256

/* Counters of links closed earlier (an instance outlives its links). */
struct link_totals {
	uint64_t tx_msgs, tx_bytes, rx_msgs, rx_bytes, errors, bonds, unbinds;
	uint32_t tx_hw, rx_hw;
};

struct relay {
	struct relay_env *env;

	/* Settings, strings owned by the relay. */
	struct icmsg_link_config cfg;
	struct icmsg_relay_config rcfg;

	struct listener listener;
	struct event *ev_listen;
	struct event *ev_accept_pause;
	bool listen_failed;

	struct icmsg_link *link;
	struct event *ev_link;
	uint32_t max_send;

	/* The "error" state: why, and the re-open back-off. */
	char error[256];
	struct event *ev_retry;
	unsigned int retry_s;
	bool capture;       /* keep the library's error line during open */
	char captured[256];

	struct event *ev_tx_retry;
	unsigned int tx_backoff_ms;
	bool tx_blocked;    /* the ring is full */
	bool rx_blocked;    /* a client's queue is full (policy wait) */
	bool reading;       /* the clients' read events are on */
	bool stopping;
	struct event *ev_kick; /* re-evaluate from the loop, never from a callback */

	struct client *head, *tail;
	unsigned int n_clients;
	unsigned int n_full;

	bool bonded;
	struct timespec bonded_since;
	const char *last_state;

	struct link_totals base;
	uint32_t tx_ring_size, rx_ring_size, max_recv;
	uint8_t *batch_buf; /* copies of a batch held in the ring, rx ring size */
	uint64_t backpressure, oversize, clients_dropped, errors;
};

static void relay_sync(struct relay *r);

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool region_eq(const struct icmsg_region_config *a, const struct icmsg_region_config *b)
{
	return a->type == b->type && str_eq(a->path, b->path) &&
	       str_eq(a->uio.device, b->uio.device) && a->uio.map == b->uio.map &&
	       str_eq(a->uio.map_name, b->uio.map_name) && a->offset == b->offset &&
	       a->size == b->size;
}

static bool reg_eq(const struct icmsg_mbox_reg *a, const struct icmsg_mbox_reg *b)
{
	return a->enabled == b->enabled && a->offset == b->offset && a->value == b->value &&
	       a->width == b->width && a->op == b->op;
}

static bool mbox_eq(const struct icmsg_mbox_config *a, const struct icmsg_mbox_config *b)
{
	if (a->type != b->type || !str_eq(a->path, b->path) ||
	    !str_eq(a->uio_device, b->uio_device) || a->irq_rearm != b->irq_rearm ||
	    a->fd != b->fd || !region_eq(&a->regs, &b->regs) || !reg_eq(&a->write, &b->write) ||
	    !reg_eq(&a->status, &b->status) || !reg_eq(&a->ack, &b->ack))
		return false;
	for (size_t i = 0; i < ICMSG_MBOX_ENABLE_MAX; i++)
		if (!reg_eq(&a->enable[i], &b->enable[i]))
			return false;
	return true;
}

bool relay_config_equal(const struct relay *r, const struct icmsg_link_config *cfg,
			const struct icmsg_relay_config *rcfg)
{
	const struct icmsg_link_config *a = &r->cfg;
	const struct icmsg_relay_config *b = &r->rcfg;

	/* Field by field: padding and string pointers rule out memcmp(). */
	return str_eq(a->name, cfg->name) && region_eq(&a->tx_region, &cfg->tx_region) &&
	       region_eq(&a->rx_region, &cfg->rx_region) && mbox_eq(&a->tx_mbox, &cfg->tx_mbox) &&
	       mbox_eq(&a->rx_mbox, &cfg->rx_mbox) &&
	       a->dcache_alignment == cfg->dcache_alignment && a->unbound == cfg->unbound &&
	       a->bond_notify_repeat_ms == cfg->bond_notify_repeat_ms &&
	       a->bond_timeout_ms == cfg->bond_timeout_ms &&
	       a->bond_notify_max_ms == cfg->bond_notify_max_ms &&
	       a->detect_grace_ms == cfg->detect_grace_ms &&
	       a->peer_rx_buf_size == cfg->peer_rx_buf_size &&
	       a->rx_buf_size == cfg->rx_buf_size &&
	       a->auto_reopen == cfg->auto_reopen && a->create == cfg->create &&
	       a->spin_us == cfg->spin_us && a->lazy_signal == cfg->lazy_signal &&
	       str_eq(b->socket_path, rcfg->socket_path) && b->socket_mode == rcfg->socket_mode &&
	       str_eq(b->socket_owner, rcfg->socket_owner) &&
	       str_eq(b->socket_group, rcfg->socket_group) &&
	       b->client_policy == rcfg->client_policy &&
	       b->client_queue_limit == rcfg->client_queue_limit &&
	       b->disconnect_on_unbound == rcfg->disconnect_on_unbound;
}

#define RELAY_STRINGS 20

/* Every string of the relay's settings, for copying and freeing alike. */
static size_t config_strings(struct relay *r, const char **ret[RELAY_STRINGS])
{
	struct icmsg_region_config *regions[] = { &r->cfg.tx_region, &r->cfg.rx_region,
						  &r->cfg.tx_mbox.regs, &r->cfg.rx_mbox.regs };
	size_t n = 0;

	ret[n++] = &r->cfg.name;
	for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
		ret[n++] = &regions[i]->path;
		ret[n++] = &regions[i]->uio.device;
		ret[n++] = &regions[i]->uio.map_name;
	}
	ret[n++] = &r->cfg.tx_mbox.path;
	ret[n++] = &r->cfg.rx_mbox.path;
	ret[n++] = &r->cfg.tx_mbox.uio_device;
	ret[n++] = &r->cfg.rx_mbox.uio_device;
	ret[n++] = &r->rcfg.socket_path;
	ret[n++] = &r->rcfg.socket_owner;
	ret[n++] = &r->rcfg.socket_group;
	return n;
}

/* Replace *@s by a copy of itself. Return: false if out of memory. */
static bool own(const char **s)
{
	char *copy;

	if (!*s)
		return true;
	copy = strdup(*s);
	*s = copy;
	return copy != NULL;
}

/*
 * Make the strings of the settings the relay's own. Every one is copied,
 * even after a failure: free_config() then frees exactly the copies (a
 * failed one is NULL), never a string still borrowed from the caller.
 * Return: false if out of memory.
 */
static bool own_config(struct relay *r)
{
	const char **strs[RELAY_STRINGS];
	bool ok = true;
	size_t i, n;

	n = config_strings(r, strs);
	for (i = 0; i < n; i++)
		if (!own(strs[i]))
			ok = false;
	return ok;
}

static void free_config(struct relay *r)
{
	const char **strs[RELAY_STRINGS];
	size_t i, n;

	n = config_strings(r, strs);
	for (i = 0; i < n; i++)
		free((char *)*strs[i]);
}

const char *relay_name(const struct relay *r)
{
	return r->cfg.name ? r->cfg.name : "?";
}

/* ------------------------------------------------------------------------ */
/* Events and state                                                         */

static void event_begin(struct jbuf *j, const char *event, const struct relay *r)
{
	jbuf_init(j);
	jbuf_add(j, "{\"event\":");
	jbuf_string(j, event);
	jbuf_add(j, ",\"instance\":");
	jbuf_string(j, relay_name(r));
}

static void event_send(struct relay *r, struct jbuf *j)
{
	struct timespec now = realtime_now();

	jbuf_add(j, ",\"time\":");
	jbuf_time(j, &now);
	jbuf_add(j, "}");
	control_event(r->env->control, j);
	jbuf_free(j);
}

static void emit_error(struct relay *r, const char *text)
{
	struct jbuf j;

	event_begin(&j, "error", r);
	jbuf_add(&j, ",\"error\":");
	jbuf_string(&j, text);
	event_send(r, &j);
}

static const char *state_name(const struct relay *r)
{
	if (!r->link || r->listen_failed)
		return "error";
	switch (icmsg_link_get_state(r->link)) {
	case ICMSG_LINK_BONDING:
		return "bonding";
	case ICMSG_LINK_BOUND:
		return "bound";
	case ICMSG_LINK_DISCONNECTED:
		return "disconnected";
	case ICMSG_LINK_FAULT:
		return "fault";
	}
	return "error";
}

bool relay_is_bound(const struct relay *r)
{
	return r->link && icmsg_link_get_state(r->link) == ICMSG_LINK_BOUND;
}

/* Tell the daemon if the state changed (STATUS=), and always while stopping. */
static void relay_changed(struct relay *r)
{
	const char *s = state_name(r);

	if (s == r->last_state && !r->stopping)
		return;
	r->last_state = s;
	if (r->env->changed)
		r->env->changed(r->env->userdata);
}

static void kick(struct relay *r)
{
	event_active(r->ev_kick, EV_TIMEOUT, 0);
}

/* ------------------------------------------------------------------------ */
/* Clients                                                                  */

static void relay_set_reading(struct relay *r, bool on)
{
	struct client *c;

	if (on == r->reading)
		return;
	r->reading = on;
	for (c = r->head; c; c = c->next)
		client_set_reading(c, on);
}

static void remove_client(struct relay *r, struct client *c, const char *why)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		r->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		r->tail = c->prev;
	r->n_clients--;
	if (c->full)
		r->n_full--;
	log_printf(LOG_INFO, "instance %s: client pid %d %s", relay_name(r), (int)c->pid,
		   why ? why : "disconnected");
	client_free(c);
	/* The ring may have been waiting for this client. */
	if (r->rx_blocked && r->n_full == 0)
		kick(r);
}

static void close_all_clients(struct relay *r, const char *why)
{
	while (r->head)
		remove_client(r, r->head, why);
}

/* A client that does not keep up under "client-policy: disconnect". */
static void drop_slow_client(struct relay *r, struct client *c)
{
	struct jbuf j;

	r->clients_dropped++;
	log_printf(LOG_NOTICE,
		   "instance %s: client pid %d dropped: its queue is full (%u messages)",
		   relay_name(r), (int)c->pid, c->q_len);
	event_begin(&j, "client-dropped", r);
	jbuf_printf(&j, ",\"pid\":%d,\"queued\":%u", (int)c->pid, c->q_len);
	event_send(r, &j);
	remove_client(r, c, "dropped");
}

/*
 * After a send to @c returned @ret (as client_flush()). A client that
 * closed (EPIPE, ECONNRESET) keeps being read until end of file, so that
 * what it sent before closing still reaches the ring; only its queue
 * towards it is dropped. Return: false if it was removed.
 */
static bool after_send(struct relay *r, struct client *c, int ret)
{
	if (ret == -EPIPE || ret == -ECONNRESET) {
		client_drop_output(c);
		if (c->full) {
			c->full = false;
			r->n_full--;
			if (r->n_full == 0)
				kick(r);
		}
		if (c->eof && c->in_pos == c->in_count) {
			remove_client(r, c, NULL);
			return false;
		}
		return true;
	}
	if (ret < 0) {
		remove_client(r, c, "send failed");
		return false;
	}
	return true;
}

/* Flush @c. Return: false if it was removed. */
static bool flush_client(struct relay *r, struct client *c)
{
	return after_send(r, c, client_flush(c));
}

static void flush_all(struct relay *r)
{
	struct client *c, *next;

	for (c = r->head; c; c = next) {
		next = c->next;
		if (c->q_len && !c->writing)
			flush_client(r, c);
	}
}

/* Queue @m for @c within its limit and policy. Return: false if @c went. */
static bool enqueue_for(struct relay *r, struct client *c, struct relay_msg *m)
{
	uint32_t limit = r->rcfg.client_queue_limit ? r->rcfg.client_queue_limit : 1;

	if (c->q_len >= limit) {
		/* Only reached under "disconnect": "wait" stops the pump
		 * before a queue overflows. */
		if (!flush_client(r, c))
			return false;
		if (c->q_len >= limit && r->rcfg.client_policy == ICMSG_CLIENT_DISCONNECT) {
			drop_slow_client(r, c);
			return false;
		}
	}
	if (client_enqueue(c, m) < 0) {
		remove_client(r, c, "dropped: out of memory");
		return false;
	}
	if (c->q_len < limit)
		return true;
	if (!flush_client(r, c))
		return false;
	if (c->q_len >= limit && r->rcfg.client_policy == ICMSG_CLIENT_WAIT && !c->full) {
		c->full = true;
		r->n_full++;
	}
	return true;
}

/* A batch of messages held in the ring, and copies made of them. */
struct batch {
	struct iovec iov[ICMSG_RX_HOLD_MAX];
	struct relay_msg *copy[ICMSG_RX_HOLD_MAX];
	unsigned int n;
};

/* The copy of message @i of @b, made once for all the clients that need it. */
static struct relay_msg *batch_copy(struct relay *r, struct batch *b, unsigned int i)
{
	if (!b->copy[i]) {
		b->copy[i] = relay_msg_new(b->iov[i].iov_base, b->iov[i].iov_len);
		if (!b->copy[i]) {
			r->errors++;
			log_printf(LOG_ERR, "instance %s: out of memory, message of %zu bytes "
				   "lost", relay_name(r), b->iov[i].iov_len);
		}
	}
	return b->copy[i];
}

/*
 * Hand a batch from the ring to every client. A client with nothing queued
 * gets it straight from the ring in one sendmmsg(); only what a client
 * cannot take now is copied, once, and queued.
 */
static void fan_out(struct relay *r, struct batch *b)
{
	struct client *c, *next;
	struct relay_msg *m;
	unsigned int i;
	int taken;

	for (c = r->head; c; c = next) {
		next = c->next;
		if (c->eof)
			continue;
		taken = 0;
		if (c->out_dead)
			continue; /* it closed with our messages unread */
		if (c->q_len == 0) {
			taken = client_send_direct(c, b->iov, b->n);
			if (!after_send(r, c, taken < 0 ? taken : 0))
				continue;
			if (taken < 0)
				continue; /* its output was dropped */
		}
		for (i = (unsigned int)taken; i < b->n; i++) {
			m = batch_copy(r, b, i);
			if (m && !enqueue_for(r, c, m))
				break;
		}
	}
	/* The queues hold their own references now. */
	for (i = 0; i < b->n; i++)
		relay_msg_unref(b->copy[i]);
}

/* Errors reported per client and second; the counters count them all. */
#define CLIENT_REPORTS_PER_S 10

/*
 * A client that sends bad datagrams in a loop must not flood the log and
 * crowd the control subscribers out: report the first few each second.
 */
static bool client_report_ok(struct relay *r, struct client *c)
{
	uint64_t now = monotonic_us();

	if (now - c->report_window_us >= 1000000) {
		if (c->suppressed)
			log_printf(LOG_WARNING, "instance %s: %u more errors from pid %d not "
				   "reported", relay_name(r), c->suppressed, (int)c->pid);
		c->report_window_us = now;
		c->reports = 0;
		c->suppressed = 0;
	}
	if (c->reports < CLIENT_REPORTS_PER_S) {
		c->reports++;
		return true;
	}
	c->suppressed++;
	return false;
}

static void oversize(struct relay *r, struct client *c, uint32_t len)
{
	struct jbuf j;

	r->oversize++;
	if (!client_report_ok(r, c))
		return;
	log_printf(LOG_WARNING,
		   "instance %s: message of %u bytes from pid %d not sent: larger than "
		   "max_send %u",
		   relay_name(r), len, (int)c->pid, r->max_send);
	event_begin(&j, "client-error", r);
	jbuf_printf(&j, ",\"pid\":%d,\"error\":\"EMSGSIZE\",\"size\":%u,\"max\":%u", (int)c->pid,
		    len, r->max_send);
	event_send(r, &j);
}

/* The ring is full: stop reading clients and look again after a back-off. */
static void ring_full(struct relay *r)
{
	struct timeval tv;

	if (!r->tx_blocked) {
		r->tx_blocked = true;
		r->tx_backoff_ms = 1;
		r->backpressure++;
		log_printf(LOG_DEBUG, "instance %s: ring full, clients wait", relay_name(r));
	}
	tv.tv_sec = 0;
	tv.tv_usec = (suseconds_t)r->tx_backoff_ms * 1000;
	evtimer_add(r->ev_tx_retry, &tv);
}

/* Write what @c sent into the ring, unpublished; count it in *@written. */
static int push_more(struct relay *r, struct client *c, unsigned int *written)
{
	uint32_t len;
	int ret;

	while (c->in_pos < c->in_count) {
		len = c->in_len[c->in_pos];
		if (len == 0) {
			/* ICMsg has no empty messages (spec 2.3). */
			r->errors++;
			if (client_report_ok(r, c))
				log_printf(LOG_WARNING,
					   "instance %s: empty datagram from pid %d ignored",
					   relay_name(r), (int)c->pid);
			c->in_pos++;
			continue;
		}
		if (c->in_trunc[c->in_pos] || len > r->max_send) {
			oversize(r, c, len);
			c->in_pos++;
			continue;
		}
		if (!r->link)
			return -EAGAIN;
		ret = icmsg_link_send_flags(r->link, client_in_data(c), len, ICMSG_SEND_MORE);
		if (ret > 0)
			(*written)++;
		switch (ret) {
		case -ENOMEM:
			ring_full(r);
			return -EAGAIN;
		case -EBUSY:
		case -ENOTCONN:
		case -EIO:
			return -EAGAIN; /* not bound: resume after the bond */
		case -EMSGSIZE:
			oversize(r, c, len);
			break;
		case -EINVAL:
		case -ENODATA:
			r->errors++;
			log_printf(LOG_WARNING,
				   "instance %s: message of %u bytes from pid %d lost: %s",
				   relay_name(r), len, (int)c->pid, strerror(-ret));
			break;
		default:
			if (ret < 0) {
				/* Sent (a full ring published the batch);
				 * only the doorbell failed. */
				r->errors++;
				log_printf(LOG_ERR, "instance %s: cannot ring the peer: %s",
					   relay_name(r), strerror(-ret));
			}
			break;
		}
		c->in_pos++;
	}
	return 0;
}

/*
 * Write what @c sent into the ring, in order, and publish it with one
 * doorbell. Return: 0 when all of it is in, -EAGAIN if the ring is full or
 * the link is not bound (the rest stays with @c).
 */
static int push_client(struct relay *r, struct client *c)
{
	unsigned int written = 0;
	int ret = push_more(r, c, &written), err;

	if (written && r->link) {
		err = icmsg_link_kick(r->link);
		if (err < 0) {
			r->errors++;
			log_printf(LOG_ERR, "instance %s: cannot ring the peer: %s",
				   relay_name(r), strerror(-err));
		}
	}
	return ret;
}

/* Everything every client sent goes into the ring before reading more. */
static void push_all(struct relay *r)
{
	struct client *c, *next;

	for (c = r->head; c; c = next) {
		next = c->next;
		if (push_client(r, c) < 0) {
			relay_set_reading(r, false);
			return;
		}
		if (c->eof)
			remove_client(r, c, NULL);
	}
	if (r->tx_blocked) {
		r->tx_blocked = false;
		evtimer_del(r->ev_tx_retry);
	}
	relay_set_reading(r, !r->stopping && relay_is_bound(r));
}

static void on_client_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	struct relay *r = c->owner;
	int n;

	(void)fd;
	if (!(what & EV_READ) || !r->reading) {
		int queued = 0;

		client_set_reading(c, false);
		if (!(what & EV_CLOSED))
			return;
		/* Hung up while we do not read it: gone for good if it left
		 * nothing to deliver, neither in its socket nor already read
		 * into our buffer and waiting for room in the ring; otherwise
		 * that is delivered and its end of file read once reading
		 * resumes. */
		if (c->in_pos == c->in_count && ioctl(c->fd, SIOCINQ, &queued) == 0 &&
		    queued == 0) {
			remove_client(r, c, NULL);
			return;
		}
		client_watch_hup(c, false);
		return;
	}
	n = client_read(c, r->max_send);
	if (n < 0) {
		remove_client(r, c, n == -ECONNRESET ? "disconnected" : "read failed");
		return;
	}
	if (push_client(r, c) < 0)
		relay_set_reading(r, false);
	if (c->eof) {
		client_set_reading(c, false);
		if (c->in_pos == c->in_count)
			remove_client(r, c, NULL);
	}
}

static void on_client_write(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	struct relay *r = c->owner;
	uint32_t limit = r->rcfg.client_queue_limit;

	(void)fd;
	(void)what;
	if (!flush_client(r, c))
		return;
	/* Resume at half the limit, not one below it: taking one message
	 * per wake-up would cost a loop turn per message. */
	if (c->full && c->q_len <= limit / 2) {
		c->full = false;
		r->n_full--;
		if (r->n_full == 0)
			kick(r);
	}
}

static void on_accept(evutil_socket_t fd, short what, void *arg);

static void on_accept_pause(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	(void)fd;
	(void)what;
	if (r->ev_listen)
		event_add(r->ev_listen, NULL);
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct timeval pause = { 0, ACCEPT_PAUSE_MS * 1000 };
	struct relay *r = arg;
	struct client *c;
	int cfd;

	(void)what;
	for (;;) {
		cfd = accept_next(fd);
		if (cfd == -EAGAIN)
			return;
		if (cfd < 0) {
			/* Out of descriptors: the connection stays pending, and
			 * a level-triggered listener would spin on it. */
			log_printf(LOG_WARNING, "instance %s: accept: %s", relay_name(r),
				   strerror(-cfd));
			event_del(r->ev_listen);
			evtimer_add(r->ev_accept_pause, &pause);
			return;
		}
		if (r->n_clients >= MAX_CLIENTS) {
			log_printf(LOG_WARNING, "instance %s: refusing a client: %u clients "
				   "already", relay_name(r), r->n_clients);
			close(cfd);
			continue;
		}
		c = client_new(cfd, r->env->base, on_client_read, on_client_write);
		if (!c) {
			log_printf(LOG_ERR, "instance %s: out of memory for a client",
				   relay_name(r));
			continue;
		}
		c->owner = r;
		c->prev = r->tail;
		if (r->tail)
			r->tail->next = c;
		else
			r->head = c;
		r->tail = c;
		r->n_clients++;
		client_set_reading(c, r->reading);
		log_printf(LOG_INFO, "instance %s: client pid %d (uid %d, gid %d) connected",
			   relay_name(r), (int)c->pid, (int)c->uid, (int)c->gid);
	}
}

/* ------------------------------------------------------------------------ */
/* Ring to clients                                                          */

/* Hold up to a batch of messages in place. Return: how many, or a negative errno. */
static int take_batch(struct relay *r, struct batch *b, unsigned int max)
{
	size_t used = 0;
	const void *data;
	int n;

	b->n = 0;
	while (b->n < max) {
		n = icmsg_link_rx_hold(r->link, &data);
		if (n < 0)
			break;
		/* Held messages never add up to more than the ring. */
		memcpy(r->batch_buf + used, data, (size_t)n);
		b->iov[b->n].iov_base = r->batch_buf + used;
		b->iov[b->n].iov_len = (size_t)n;
		b->copy[b->n] = NULL;
		used += (size_t)n;
		b->n++;
	}
	if (b->n == 0)
		return n;
	/* The copies count only if the core did not reset its ring while
	 * they were made: the release checks, before anyone sees them. */
	n = icmsg_link_rx_release(r->link);
	if (n < 0) {
		log_printf(LOG_WARNING, "instance %s: %u messages dropped: the remote core reset "
			   "its ring while they were read", relay_name(r), b->n);
		b->n = 0;
	}
	return (int)b->n;
}

/*
 * How many messages to take at once: under "wait" no client's queue may
 * grow past its limit, whatever part of the batch it cannot take now.
 */
static unsigned int batch_room(const struct relay *r)
{
	uint32_t limit = r->rcfg.client_queue_limit ? r->rcfg.client_queue_limit : 1;
	unsigned int room = ICMSG_RX_HOLD_MAX;
	const struct client *c;

	if (r->rcfg.client_policy != ICMSG_CLIENT_WAIT)
		return room;
	for (c = r->head; c; c = c->next) {
		unsigned int left = c->q_len < limit ? limit - c->q_len : 0;

		if (!c->eof && left < room)
			room = left;
	}
	return room;
}

static void relay_pump(struct relay *r)
{
	unsigned int taken = 0;
	struct batch b;
	int n;

	if (!r->link)
		return;
	for (;;) {
		if (r->n_full) {
			if (!r->rx_blocked) {
				r->rx_blocked = true;
				r->backpressure++;
				log_printf(LOG_DEBUG, "instance %s: a client is full, ring waits",
					   relay_name(r));
			}
			break;
		}
		r->rx_blocked = false;
		if (taken >= PUMP_BUDGET) {
			kick(r);
			break;
		}
		n = batch_room(r);
		if (n == 0)
			break; /* a client is at its limit: n_full says so */
		n = take_batch(r, &b, (unsigned int)n);
		if (n < 0) {
			if (n != -EAGAIN && n != -EBUSY && n != -ENOTCONN && n != -EIO)
				log_printf(LOG_ERR, "instance %s: receive failed: %s",
					   relay_name(r), strerror(-n));
			break;
		}
		fan_out(r, &b);
		taken += b.n;
	}
	flush_all(r);
}

/* ------------------------------------------------------------------------ */
/* The link                                                                 */

static void on_bound(struct icmsg_link *link, void *userdata)
{
	struct relay *r = userdata;
	struct icmsg_link_info info;
	struct jbuf j;

	r->bonded = true;
	r->bonded_since = realtime_now();
	if (icmsg_link_get_info(link, &info) < 0)
		info.variant = ICMSG_VARIANT_UNKNOWN;
	event_begin(&j, "bound", r);
	jbuf_add(&j, ",\"variant\":");
	jbuf_string(&j, info.variant == ICMSG_VARIANT_SESSION ? "session" : "magic");
	event_send(r, &j);
}

static void on_unbound(struct icmsg_link *link, int reason, void *userdata)
{
	struct relay *r = userdata;
	struct jbuf j;

	(void)link;
	r->bonded = false;
	event_begin(&j, "unbound", r);
	jbuf_add(&j, ",\"reason\":");
	jbuf_string(&j, errno_name(reason));
	event_send(r, &j);
	/* Closing sockets touches no link: safe inside the callback. */
	if (r->rcfg.disconnect_on_unbound && r->head)
		close_all_clients(r, "disconnected: link unbound");
}

static void on_link_error(struct icmsg_link *link, int err, void *userdata)
{
	struct relay *r = userdata;
	char text[160];

	(void)link;
	if (err == -EMSGSIZE)
		snprintf(text, sizeof(text), "message larger than rx-buf-size dropped");
	else if (err == -EPROTONOSUPPORT)
		snprintf(text, sizeof(text), "the peer looks like unsupported ICMsg v0");
	else
		snprintf(text, sizeof(text), "%s", strerror(-err));
	log_printf(LOG_WARNING, "link %s: %s", relay_name(r), text);
	emit_error(r, text);
}

/* The library's log lines, kept as the error text while opening. */
static void link_log(int priority, const char *msg, void *userdata)
{
	struct relay *r = userdata;
	size_t plen = strlen(relay_name(r));

	log_line(priority, msg, NULL);
	if (!r->capture || priority > LOG_ERR)
		return;
	/* "link NAME: " is noise in a field that belongs to NAME. */
	if (strncmp(msg, "link ", 5) == 0 && strncmp(msg + 5, relay_name(r), plen) == 0 &&
	    strncmp(msg + 5 + plen, ": ", 2) == 0)
		msg += 5 + plen + 2;
	snprintf(r->captured, sizeof(r->captured), "%s", msg);
}

static void add_totals(struct relay *r, const struct icmsg_link_info *info)
{
	r->base.tx_msgs += info->tx_msgs;
	r->base.tx_bytes += info->tx_bytes;
	r->base.rx_msgs += info->rx_msgs;
	r->base.rx_bytes += info->rx_bytes;
	r->base.errors += info->errors;
	r->base.bonds += info->bonds;
	r->base.unbinds += info->unbinds;
	if (info->tx_used_max > r->base.tx_hw)
		r->base.tx_hw = info->tx_used_max;
	if (info->rx_used_max > r->base.rx_hw)
		r->base.rx_hw = info->rx_used_max;
}

static void close_link(struct relay *r)
{
	struct icmsg_link_info info;
	bool was_bound = relay_is_bound(r);

	if (!r->link)
		return;
	if (icmsg_link_get_info(r->link, &info) == 0)
		add_totals(r, &info);
	event_free(r->ev_link);
	r->ev_link = NULL;
	r->link = icmsg_link_close(r->link);
	r->bonded = false;
	relay_set_reading(r, false);
	r->tx_blocked = false;
	r->rx_blocked = false;
	evtimer_del(r->ev_tx_retry);
	if (was_bound && r->rcfg.disconnect_on_unbound && r->head)
		close_all_clients(r, "disconnected: link closed");
}

static void on_link_event(evutil_socket_t fd, short what, void *arg);

static int open_link(struct relay *r)
{
	static const struct icmsg_link_callbacks cb = {
		.bound = on_bound,
		.unbound = on_unbound,
		.error = on_link_error,
	};
	struct icmsg_link_options opts = {
		.callbacks = &cb,
		.userdata = r,
		.log = link_log,
		.log_userdata = r,
	};
	struct icmsg_link_info info;
	struct icmsg_link *link;
	int ret;

	r->capture = true;
	r->captured[0] = '\0';
	/* The open runs one processing step: "bound" may be reported from
	 * inside it, before r->link is set; the callbacks use their link. */
	ret = icmsg_link_open(&r->cfg, &opts, &link);
	r->capture = false;
	if (ret < 0) {
		if (r->captured[0])
			snprintf(r->error, sizeof(r->error), "%s", r->captured);
		else
			snprintf(r->error, sizeof(r->error), "cannot open: %s", strerror(-ret));
		return ret;
	}
	ret = icmsg_link_get_info(link, &info);
	if (ret < 0)
		goto err_close;
	ret = -ENOMEM;
	free(r->batch_buf);
	r->batch_buf = malloc(info.rx_ring_size ? info.rx_ring_size : 1);
	if (!r->batch_buf)
		goto err_close;
	r->ev_link = event_new(r->env->base, icmsg_link_get_fd(link), EV_READ | EV_PERSIST,
			       on_link_event, r);
	if (!r->ev_link || event_add(r->ev_link, NULL) < 0)
		goto err_event;
	r->link = link;
	r->max_send = info.max_send;
	r->max_recv = info.max_recv;
	r->tx_ring_size = info.tx_ring_size;
	r->rx_ring_size = info.rx_ring_size;
	return 0;

err_event:
	if (r->ev_link)
		event_free(r->ev_link);
	r->ev_link = NULL;
err_close:
	icmsg_link_close(link);
	snprintf(r->error, sizeof(r->error), "cannot set up: %s", strerror(-ret));
	return ret;
}

static int open_listener(struct relay *r)
{
	char why[256];
	int ret;

	ret = listener_open(&r->listener, r->rcfg.socket_path, r->rcfg.socket_mode,
			    r->rcfg.socket_owner, r->rcfg.socket_group, why, sizeof(why));
	if (ret < 0) {
		snprintf(r->error, sizeof(r->error), "%s", why);
		r->listen_failed = true;
		return ret;
	}
	r->ev_listen = event_new(r->env->base, r->listener.fd, EV_READ | EV_PERSIST, on_accept,
				 r);
	if (!r->ev_listen || event_add(r->ev_listen, NULL) < 0) {
		if (r->ev_listen)
			event_free(r->ev_listen);
		r->ev_listen = NULL;
		listener_close(&r->listener);
		snprintf(r->error, sizeof(r->error), "cannot watch the socket");
		r->listen_failed = true;
		return -ENOMEM;
	}
	r->listen_failed = false;
	return 0;
}

/* Enter (or stay in) the error state and schedule the next attempt. */
static void retry_later(struct relay *r)
{
	struct timeval tv = { (time_t)r->retry_s, 0 };

	log_printf(LOG_ERR, "instance %s: %s; retrying in %u s", relay_name(r), r->error,
		   r->retry_s);
	emit_error(r, r->error);
	evtimer_add(r->ev_retry, &tv);
	r->retry_s = r->retry_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : r->retry_s * 2;
}

/* Open whatever is not open yet. Return: true if all is up. */
static bool bring_up(struct relay *r)
{
	bool ok = true;

	if (r->listen_failed || (r->listener.fd < 0 && !r->stopping))
		ok = open_listener(r) == 0 && ok;
	if (!r->link)
		ok = open_link(r) == 0 && ok;
	return ok;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	(void)fd;
	(void)what;
	if (r->stopping)
		return;
	if (!bring_up(r)) {
		retry_later(r);
	} else {
		log_printf(LOG_NOTICE, "instance %s: up again", relay_name(r));
		r->retry_s = RETRY_FIRST_S;
		r->error[0] = '\0';
	}
	relay_sync(r);
}

static void on_link_event(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	int ret;

	(void)fd;
	(void)what;
	/* Messages to clients first, then the doorbell's drain: a reply
	 * reaches its client a system call earlier. relay_sync() pumps
	 * again after the processing, so no signal is missed. */
	if (relay_is_bound(r))
		relay_pump(r);
	ret = icmsg_link_process(r->link);
	if (ret < 0) {
		/* A local failure (the doorbell): start over with a new link. */
		snprintf(r->error, sizeof(r->error), "processing failed: %s", strerror(-ret));
		close_link(r);
		retry_later(r);
	}
	relay_sync(r);
}

static void on_tx_retry(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	(void)fd;
	(void)what;
	if (r->tx_backoff_ms < TX_RETRY_MAX_MS)
		r->tx_backoff_ms *= 2;
	if (r->tx_backoff_ms > TX_RETRY_MAX_MS)
		r->tx_backoff_ms = TX_RETRY_MAX_MS;
	relay_sync(r);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	relay_sync(arg);
}

/*
 * After anything that may have changed the link or the clients: keep the
 * link bonding, move client input into the ring, ring output to clients.
 */
static void relay_sync(struct relay *r)
{
	enum icmsg_link_state st;

	if (!r->link) {
		relay_set_reading(r, false);
		relay_changed(r);
		return;
	}
	st = icmsg_link_get_state(r->link);
	if (st == ICMSG_LINK_DISCONNECTED || st == ICMSG_LINK_FAULT) {
		/* The daemon keeps every link available: re-open a session the
		 * peer ended even without auto-reopen. In disable mode a fault
		 * can only heal from the peer's side (spec 2.9): -EIO, wait. */
		if (icmsg_link_reopen(r->link) == 0)
			st = icmsg_link_get_state(r->link);
	}
	if (st == ICMSG_LINK_BOUND) {
		push_all(r);
		relay_pump(r);
	} else {
		relay_set_reading(r, false);
	}
	relay_changed(r);
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */

struct relay *relay_new(struct relay_env *env, const struct icmsg_link_config *cfg,
			const struct icmsg_relay_config *rcfg)
{
	struct relay *r;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->env = env;
	listener_init(&r->listener);
	r->retry_s = RETRY_FIRST_S;
	r->tx_backoff_ms = 1;
	r->cfg = *cfg;
	r->rcfg = *rcfg;
	if (!own_config(r))
		goto err_free;
	r->ev_retry = evtimer_new(env->base, on_retry, r);
	r->ev_tx_retry = evtimer_new(env->base, on_tx_retry, r);
	r->ev_kick = event_new(env->base, -1, 0, on_kick, r);
	r->ev_accept_pause = evtimer_new(env->base, on_accept_pause, r);
	if (!r->ev_retry || !r->ev_tx_retry || !r->ev_kick || !r->ev_accept_pause)
		goto err_free;
	return r;

err_free:
	relay_free(r);
	return NULL;
}

void relay_start(struct relay *r)
{
	if (!bring_up(r))
		retry_later(r);
	relay_sync(r);
}

void relay_shutdown(struct relay *r)
{
	r->stopping = true;
	evtimer_del(r->ev_retry);
	evtimer_del(r->ev_accept_pause);
	if (r->ev_listen) {
		event_free(r->ev_listen);
		r->ev_listen = NULL;
	}
	listener_close(&r->listener);
	relay_set_reading(r, false);
	/* Clients closed meanwhile have nothing left to say. */
	relay_sync(r);
}

bool relay_has_pending(const struct relay *r)
{
	const struct client *c;

	if (!r->link)
		return false; /* nowhere to put it */
	for (c = r->head; c; c = c->next)
		if (c->in_pos < c->in_count)
			return true;
	return false;
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	if (r->ev_listen)
		event_free(r->ev_listen);
	listener_close(&r->listener);
	close_all_clients(r, "disconnected: instance stopped");
	close_link(r);
	if (r->ev_retry)
		event_free(r->ev_retry);
	if (r->ev_tx_retry)
		event_free(r->ev_tx_retry);
	if (r->ev_kick)
		event_free(r->ev_kick);
	if (r->ev_accept_pause)
		event_free(r->ev_accept_pause);
	free_config(r);
	free(r->batch_buf);
	free(r);
}

/* ------------------------------------------------------------------------ */
/* Status                                                                   */

static void counter(struct jbuf *j, const char *name, uint64_t v, bool first)
{
	jbuf_printf(j, "%s\"%s\":%llu", first ? "" : ",", name, (unsigned long long)v);
}

void relay_status(const struct relay *r, struct jbuf *j)
{
	struct icmsg_link_info info;
	struct link_totals t = r->base;
	const struct client *c;
	bool have = false, first = true;

	if (r->link && icmsg_link_get_info(r->link, &info) == 0) {
		have = true;
		t.tx_msgs += info.tx_msgs;
		t.tx_bytes += info.tx_bytes;
		t.rx_msgs += info.rx_msgs;
		t.rx_bytes += info.rx_bytes;
		t.errors += info.errors;
		t.bonds += info.bonds;
		t.unbinds += info.unbinds;
		if (info.tx_used_max > t.tx_hw)
			t.tx_hw = info.tx_used_max;
		if (info.rx_used_max > t.rx_hw)
			t.rx_hw = info.rx_used_max;
	}
	jbuf_add(j, "{\"name\":");
	jbuf_string(j, relay_name(r));
	jbuf_add(j, ",\"state\":");
	jbuf_string(j, state_name(r));
	jbuf_add(j, ",\"variant\":");
	if (have && info.variant == ICMSG_VARIANT_MAGIC)
		jbuf_add(j, "\"magic\"");
	else if (have && info.variant == ICMSG_VARIANT_SESSION)
		jbuf_add(j, "\"session\"");
	else
		jbuf_add(j, "null");
	jbuf_add(j, ",\"bonded_since\":");
	jbuf_time(j, have && info.state == ICMSG_LINK_BOUND && r->bonded ? &r->bonded_since
									  : NULL);
	jbuf_add(j, ",\"socket\":");
	jbuf_string(j, r->rcfg.socket_path);
	/* Known once a link has been opened. */
	if (r->max_recv)
		jbuf_printf(j, ",\"max_send\":%u,\"max_recv\":%u", r->max_send, r->max_recv);
	else
		jbuf_add(j, ",\"max_send\":null,\"max_recv\":null");
	jbuf_add(j, ",\"counters\":{");
	counter(j, "tx_msgs", t.tx_msgs, true);
	counter(j, "tx_bytes", t.tx_bytes, false);
	counter(j, "rx_msgs", t.rx_msgs, false);
	counter(j, "rx_bytes", t.rx_bytes, false);
	counter(j, "errors", t.errors + r->errors, false);
	counter(j, "bonds", t.bonds, false);
	counter(j, "unbinds", t.unbinds, false);
	counter(j, "backpressure", r->backpressure, false);
	counter(j, "oversize", r->oversize, false);
	counter(j, "clients_dropped", r->clients_dropped, false);
	counter(j, "tx_ring_used", have ? info.tx_used : 0, false);
	counter(j, "rx_ring_used", have ? info.rx_used : 0, false);
	counter(j, "tx_ring_high_water", t.tx_hw, false);
	counter(j, "rx_ring_high_water", t.rx_hw, false);
	counter(j, "tx_ring_size", r->tx_ring_size, false);
	counter(j, "rx_ring_size", r->rx_ring_size, false);
	jbuf_add(j, "},\"clients\":[");
	for (c = r->head; c; c = c->next) {
		if (c->eof)
			continue;
		jbuf_printf(j, "%s{\"pid\":%d,\"uid\":%u,\"gid\":%u,\"queued\":%u}",
			    first ? "" : ",", (int)c->pid, (unsigned int)c->uid,
			    (unsigned int)c->gid, c->q_len);
		first = false;
	}
	jbuf_add(j, "],\"error\":");
	if (!r->link || r->listen_failed)
		jbuf_string(j, r->error[0] ? r->error : "not open");
	else if (icmsg_link_get_state(r->link) == ICMSG_LINK_FAULT)
		jbuf_string(j, "the peer's ring is corrupt; waiting for the peer to "
			       "re-initialise");
	else
		jbuf_add(j, "null");
	jbuf_add(j, "}");
}
