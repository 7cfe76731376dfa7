// SPDX-License-Identifier: MIT
/*
 * ICMsg bonding and sessions (spec section 3), as a state machine over two
 * pbufs. No I/O: the link turns our events into doorbells and callbacks.
 */
#include <errno.h>
#include <string.h>

#include "protocol.h"

const uint8_t proto_magic[PROTO_MAGIC_LEN] = {
	0x45, 0x6d, 0x31, 0x6c, 0x31, 0x4b, 0x30, 0x72, 0x6e, 0x33, 0x6c, 0x69, 0x34,
};

const char *proto_state_name(enum proto_state s)
{
	static const char *const names[] = {
		[PROTO_OFF] = "off",
		[PROTO_INIT_DISABLED] = "init-disabled",
		[PROTO_INIT_ENABLED] = "init-enabled",
		[PROTO_INIT_DETECT] = "init-detect",
		[PROTO_CONNECTED_DISABLED] = "connected-disabled",
		[PROTO_CONNECTED_ENABLED] = "connected-enabled",
		[PROTO_DISCONNECTED] = "disconnected",
		[PROTO_FAULT] = "fault",
	};

	return (unsigned int)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static void push_event(struct proto *p, enum proto_event_type type, int arg)
{
	if (p->n_events == PROTO_MAX_EVENTS) {
		/* The link drains after every step; keep the newest. */
		memmove(p->events, p->events + 1, sizeof(p->events[0]) * (PROTO_MAX_EVENTS - 1));
		p->n_events--;
	}
	p->events[p->n_events].type = type;
	p->events[p->n_events].arg = arg;
	p->n_events++;
}

int proto_init(struct proto *p, const struct proto_config *cfg, struct region *tx,
	       struct region *rx, const struct pbuf_layout *tx_l, const struct pbuf_layout *rx_l,
	       const struct logger *log)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->log = log;
	pbuf_init(&p->tx, tx, tx_l);
	pbuf_init(&p->rx, rx, rx_l);
	return -pthread_mutex_init(&p->tx_lock, NULL);
}

void proto_destroy(struct proto *p)
{
	pthread_mutex_destroy(&p->tx_lock);
}

static bool is_magic(const uint8_t *buf, int n)
{
	return n >= PROTO_MAGIC_LEN && memcmp(buf, proto_magic, PROTO_MAGIC_LEN) == 0;
}

/* ---- opening (called with tx_lock held) ---- */

/* v1 / disable (spec 3.2 steps 1-3): own ring reset, magic first. */
static void open_magic(struct proto *p)
{
	int ret;

	p->v0_reported = false;
	p->tx.problem = NULL;
	pbuf_tx_init(&p->tx);
	ret = pbuf_write(&p->tx, proto_magic, PROTO_MAGIC_LEN);
	if (ret < 0) /* cannot happen: the layout holds >= 12 + 4 bytes... */
		log_msg(p->log, LOG_ERR, "cannot write the bonding magic: %d", ret);
	pbuf_rx_reset(&p->rx);
	/* The peer's ring counts only once its writer has reset it (shared
	 * rd_idx 0): a magic left from an earlier boot is not a bond. */
	p->rx_trusted = false;
	p->tx_clean = true;
	p->rx_clean = true;
	p->session = false;
	p->state = PROTO_INIT_DISABLED;
	p->notify = true;
}

/* v2 enable / detect (spec 3.3 open): a new session id, no ring reset. */
static void open_session(struct proto *p)
{
	uint32_t t = pbuf_handshake_load(&p->tx);
	uint16_t ack = (uint16_t)(t >> 16);
	uint16_t sid = (uint16_t)t;

	/* Seed from the peer's current request, skip 0 and the sid the
	 * peer acknowledges: the golden vectors depend on this rule. */
	do
		sid++;
	while (sid == 0 || sid == ack);
	p->v0_reported = false;
	p->tx.problem = NULL;
	p->local_sid = sid;
	p->remote_sid = 0;
	p->session = false;
	p->grace_deadline = 0;
	pbuf_rx_reset(&p->rx);
	pbuf_handshake_store(&p->rx, sid);
	p->state = p->cfg.mode == ICMSG_UNBOUND_DETECT ? PROTO_INIT_DETECT : PROTO_INIT_ENABLED;
	p->notify = true;
}

static void reopen(struct proto *p)
{
	/* A detect link bonded by magic re-bonds by magic: its peer runs
	 * disable and would never notice a new session id (spec 3.8). */
	if (p->cfg.mode == ICMSG_UNBOUND_DISABLE ||
	    (!p->session && (p->state == PROTO_CONNECTED_DISABLED ||
			     p->state == PROTO_INIT_DISABLED || p->state == PROTO_FAULT)))
		open_magic(p);
	else
		open_session(p);
}

int proto_open(struct proto *p)
{
	int ret = 0;

	pthread_mutex_lock(&p->tx_lock);
	if (p->cfg.mode == ICMSG_UNBOUND_DISABLE && p->state == PROTO_FAULT) {
		ret = -EIO;
	} else if (p->cfg.mode == ICMSG_UNBOUND_DISABLE && p->state != PROTO_OFF) {
		ret = -EALREADY;
	} else {
		/* Leaving a bond on our own is still an unbind. */
		if (p->state == PROTO_CONNECTED_DISABLED || p->state == PROTO_CONNECTED_ENABLED)
			push_event(p, PROTO_EV_UNBOUND, -ECONNABORTED);
		reopen(p);
	}
	pthread_mutex_unlock(&p->tx_lock);
	return ret;
}

void proto_close(struct proto *p)
{
	pthread_mutex_lock(&p->tx_lock);
	if (p->state != PROTO_OFF) {
		/* Session word 0 tells the peer we are gone (spec 3.3). */
		if (p->cfg.mode != ICMSG_UNBOUND_DISABLE)
			pbuf_handshake_store(&p->rx, 0);
		p->state = PROTO_OFF;
		p->notify = true;
	}
	pthread_mutex_unlock(&p->tx_lock);
}

/* ---- processing (tx_lock held) ---- */

/*
 * Appendix C: a v0 (spsc_pbuf) peer keeps its data length at offset 0 and
 * its own header after it. We only suspect v0 when offset 0 holds such a
 * length and the magic sits somewhere our layout would not put it.
 */
static void check_v0(struct proto *p)
{
	uint8_t head[256];
	uint32_t size = p->rx.l.size, w0, n, i;
	static const uint32_t v0_data_starts[] = { 16, 36, 68, 132 };
	bool plausible = false;

	if (p->v0_reported)
		return;
	w0 = pbuf_shared_rd(&p->rx);
	for (i = 0; i < ARRAY_SIZE(v0_data_starts); i++)
		if (size > v0_data_starts[i] && w0 == size - v0_data_starts[i])
			plausible = true;
	if (!plausible)
		return;
	n = size < sizeof(head) ? size : sizeof(head);
	region_read(p->rx.reg, 0, head, n);
	for (i = 8; i + PROTO_MAGIC_LEN <= n; i++) {
		if (i == p->rx.l.data_off + 4)
			continue;
		if (memcmp(head + i, proto_magic, PROTO_MAGIC_LEN) == 0) {
			log_msg(p->log, LOG_ERR,
				"peer looks like ICMsg v0 (spsc_pbuf): data length %u at offset 0, "
				"magic at offset %u; unsupported, upgrade the remote to Zephyr 3.6 "
				"or later", w0, i);
			push_event(p, PROTO_EV_ERROR, -EPROTONOSUPPORT);
			p->v0_reported = true;
			return;
		}
	}
}

/* The peer's magic is read: bound (spec 3.2 step 5). */
static void bond_magic(struct proto *p)
{
	p->state = PROTO_CONNECTED_DISABLED;
	p->session = false;
	push_event(p, PROTO_EV_BOUND, 0);
	p->notify = true;
}

/* INIT_DISABLED (spec 3.2 step 5): find the peer's magic. */
static void step_init_disabled(struct proto *p)
{
	uint8_t head[PROTO_MAGIC_LEN];
	uint32_t s = pbuf_shared_rd(&p->rx);
	int n;

	if (!p->rx_trusted || s != p->rx.rd_published) {
		/* Only the writer's tx_init stores 0 here while we wait... */
		if (s == 0 && pbuf_rx_resync(&p->rx, 0) == 0) {
			p->rx_trusted = true;
		} else if (s == ROUND_UP(PBUF_IDX_SIZE + PROTO_MAGIC_LEN, 4) &&
			   pbuf_shared_rd(&p->tx) != 0) {
			/* ...or a previous incarnation of ours read the peer's
			 * magic and nothing more, and the peer has read our new
			 * magic since our tx_init: it re-bonded without
			 * resetting its ring (peer_restarted() keeps a ring that
			 * holds nothing but its magic), and may have sent since,
			 * even wrapping over the magic. Its magic counts as
			 * read: bound, reading on from there. A peer showing no
			 * sign of life may be a dead one: wait for a reset. */
			pbuf_rx_resync(&p->rx, s);
			p->rx_trusted = true;
			bond_magic(p);
			return;
		} else {
			p->rx_trusted = false;
			check_v0(p);
			return;
		}
	}
	for (;;) {
		n = pbuf_read_head(&p->rx, head, sizeof(head));
		if (n == -ECONNRESET) {
			/* Reset again under us: its magic and signal follow. */
			p->rx_trusted = false;
			return;
		}
		if (n <= 0) {
			if (n < 0)
				log_msg(p->log, LOG_DEBUG, "waiting for the peer: %s (%u)",
					p->rx.problem, p->rx.bad_value);
			return;
		}
		if (is_magic(head, n)) {
			bond_magic(p);
			return;
		}
		/* Not a magic: consumed and dropped, as Zephyr does. */
		log_msg(p->log, LOG_DEBUG, "dropped a %d-byte packet received before bonding", n);
	}
}

/* INIT_ENABLED (spec 3.3 "on signal"), also detect's session path. */
static void step_session_init(struct proto *p)
{
	uint32_t t = pbuf_handshake_load(&p->tx);
	uint16_t req = (uint16_t)t, ack = (uint16_t)(t >> 16);

	if (req != p->remote_sid && req != 0) {
		/* Safe: the peer reads our ring only after our ack. */
		pbuf_tx_init(&p->tx);
		p->remote_sid = req;
		pbuf_handshake_store(&p->rx, (uint32_t)p->local_sid | (uint32_t)req << 16);
		p->notify = true;
	}
	if (ack == p->local_sid && p->remote_sid != 0) {
		/* The peer reset its ring (rd_idx 0) before acknowledging us. */
		pbuf_rx_resync(&p->rx, 0);
		p->state = PROTO_CONNECTED_ENABLED;
		p->session = true;
		push_event(p, PROTO_EV_BOUND, 0);
		p->notify = true;
	}
	if (p->state != PROTO_CONNECTED_ENABLED)
		check_v0(p);
}

/* INIT_DETECT (spec 3.4, with our stale-magic grace of 3.6). */
static void step_detect(struct proto *p, uint64_t now)
{
	uint8_t head[PROTO_MAGIC_LEN];
	uint32_t t;
	int n;

	n = pbuf_peek_initial(&p->rx, head, sizeof(head));
	if (n != PROTO_MAGIC_LEN || !is_magic(head, n) || pbuf_shared_rd(&p->rx) != 0) {
		/* A magic only counts on a ring its writer reset (rd_idx 0,
		 * ours): otherwise it is stale, from an earlier boot. */
		p->grace_deadline = 0;
		step_session_init(p);
		return;
	}
	t = pbuf_handshake_load(&p->tx);
	if ((uint16_t)t != 0 && p->cfg.detect_grace_ns) {
		/* A magic and a session request: only a live session-aware
		 * peer can acknowledge the sid we just chose. */
		if ((uint16_t)(t >> 16) == p->local_sid) {
			step_session_init(p);
			return;
		}
		if (!p->grace_deadline)
			p->grace_deadline = now + p->cfg.detect_grace_ns;
		if (now < p->grace_deadline)
			return;
		log_msg(p->log, LOG_INFO, "stale session request 0x%08x ignored: "
			"the peer uses the magic", t);
	}
	p->grace_deadline = 0;
	/* Magic peer: answer with our magic and bond as in spec 3.2. */
	pbuf_tx_init(&p->tx);
	pbuf_write(&p->tx, proto_magic, PROTO_MAGIC_LEN);
	p->notify = true;
	p->state = PROTO_INIT_DISABLED;
	p->rx_trusted = false;
	step_init_disabled(p);
}

static void init_step(struct proto *p, uint64_t now)
{
	switch (p->state) {
	case PROTO_INIT_DISABLED:
		step_init_disabled(p);
		break;
	case PROTO_INIT_ENABLED:
		step_session_init(p);
		break;
	case PROTO_INIT_DETECT:
		step_detect(p, now);
		break;
	default:
		break;
	}
	/* The grace timer lives only while detect is deciding (3.6). */
	if (p->state != PROTO_INIT_DETECT)
		p->grace_deadline = 0;
}

/* Leave the bound state; with auto-reopen start over at once. */
static void unbind(struct proto *p, enum proto_state to, int reason, uint64_t now)
{
	p->state = to;
	push_event(p, PROTO_EV_UNBOUND, reason);
	if (to == PROTO_FAULT)
		p->errors++;
	if (p->cfg.mode != ICMSG_UNBOUND_DISABLE && p->cfg.auto_reopen) {
		reopen(p);
		init_step(p, now);
	}
}

static void fault(struct proto *p, struct pbuf *pb, uint64_t now)
{
	log_msg(p->log, LOG_ERR, "peer's ring is corrupt: %s (value %u); link down until %s",
		pb->problem ? pb->problem : "?", pb->bad_value,
		p->cfg.mode == ICMSG_UNBOUND_DISABLE ? "the peer re-initialises it"
						      : "a new session");
	unbind(p, PROTO_FAULT, -EBADMSG, now);
}

/* The peer re-initialised its ring under us: v1 has no signal for it. */
static void peer_restarted(struct proto *p, const char *why, uint64_t now)
{
	unsigned int n_before = p->n_events;

	if (p->state == PROTO_CONNECTED_DISABLED && !p->session && p->tx_clean) {
		/*
		 * We have written nothing but our magic since our tx_init, so the
		 * peer can bond on our ring as it is (rd_idx 0, or just past
		 * that magic: see step_init_disabled()). A tx_init of ours now
		 * would look like a restart to the peer in turn, and two of our
		 * peers would re-bond for ever. If nothing came from the peer
		 * either, it is most likely answering our own (re)open: re-bond
		 * without a word to the application.
		 */
		bool quiet = p->rx_clean;

		log_msg(p->log, quiet ? LOG_DEBUG : LOG_WARNING,
			"peer re-initialised its ring (%s); reading its new magic", why);
		p->state = PROTO_INIT_DISABLED;
		p->rx_trusted = false;
		pbuf_rx_reset(&p->rx);
		p->rx_clean = true;
		if (!quiet)
			push_event(p, PROTO_EV_UNBOUND, -ECONNRESET);
		step_init_disabled(p);
		if (quiet && p->state == PROTO_CONNECTED_DISABLED && p->n_events == n_before + 1)
			p->n_events--; /* never visibly unbound */
		else if (quiet)
			push_event(p, PROTO_EV_UNBOUND, -ECONNRESET);
		return;
	}
	log_msg(p->log, LOG_WARNING, "peer restarted (%s); bonding again", why);
	/* From FAULT the unbind was reported already. */
	if (p->state != PROTO_FAULT)
		push_event(p, PROTO_EV_UNBOUND, -ECONNRESET);
	p->state = PROTO_OFF;
	/* A magic peer (any mode) gets the spec 3.2 order: our ring reset
	 * and our magic written before we signal; session peers a new sid. */
	if (p->session)
		reopen(p);
	else
		open_magic(p);
	init_step(p, now);
}

static bool session_changed(struct proto *p, int *reason)
{
	uint16_t req = (uint16_t)pbuf_handshake_load(&p->tx);

	if (req == p->remote_sid)
		return false;
	*reason = req == 0 ? -ESHUTDOWN : -ECONNRESET;
	return true;
}

void proto_step(struct proto *p, uint64_t now)
{
	int reason;

	pthread_mutex_lock(&p->tx_lock);
	switch (p->state) {
	case PROTO_INIT_DISABLED:
	case PROTO_INIT_ENABLED:
	case PROTO_INIT_DETECT:
		init_step(p, now);
		break;
	case PROTO_CONNECTED_DISABLED:
		if (p->tx.problem) {
			fault(p, &p->tx, now);
			p->tx.problem = NULL;
		} else if (pbuf_shared_rd(&p->rx) != p->rx.rd_published) {
			peer_restarted(p, "it reset our read index", now);
		}
		break;
	case PROTO_CONNECTED_ENABLED:
		if (session_changed(p, &reason)) {
			log_msg(p->log, LOG_INFO, "peer %s session %u",
				reason == -ESHUTDOWN ? "closed" : "replaced", p->remote_sid);
			unbind(p, PROTO_DISCONNECTED, reason, now);
		} else if (p->tx.problem) {
			fault(p, &p->tx, now);
			p->tx.problem = NULL;
		}
		break;
	case PROTO_FAULT:
		/* A magic-bonded peer recovers by re-initialising its ring. */
		if (!p->session && pbuf_shared_rd(&p->rx) != p->rx.rd_published &&
		    pbuf_shared_rd(&p->rx) == 0)
			peer_restarted(p, "it re-initialised its ring", now);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&p->tx_lock);
}

/*
 * Ours: the reader just freed the ring below half. A writer that found it
 * full may be waiting; an extra signal is harmless to any Zephyr peer
 * (spec 3.7), and it saves the writer a poll.
 */
static void note_freed(struct proto *p, uint32_t freed)
{
	uint32_t half = p->rx.l.len / 2;

	if (p->rx.used_before > half && p->rx.used_before - freed <= half)
		p->notify = true;
}

/* Bytes a packet of @n payload bytes takes in the ring. */
static uint32_t footprint(uint32_t n)
{
	return PBUF_IDX_SIZE + ROUND_UP(n, 4);
}

int proto_recv(struct proto *p, void *buf, size_t cap, bool drop_oversize)
{
	enum proto_state st = p->state; /* only this thread changes it */
	int n, reason;

	if (st != PROTO_CONNECTED_DISABLED && st != PROTO_CONNECTED_ENABLED)
		return -EAGAIN;

	if (st == PROTO_CONNECTED_DISABLED && pbuf_shared_rd(&p->rx) != p->rx.rd_published) {
		pthread_mutex_lock(&p->tx_lock);
		peer_restarted(p, "it reset our read index", now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}

	n = pbuf_read(&p->rx, buf, cap);
	if (n == -EMSGSIZE && drop_oversize) {
		n = pbuf_skip(&p->rx);
		if (n > 0) {
			log_msg(p->log, LOG_WARNING,
				"dropped a %d-byte message: larger than rx-buf-size %zu", n, cap);
			p->errors++;
			push_event(p, PROTO_EV_ERROR, -EMSGSIZE);
			n = -ENOMSG;
		}
	}

	/* Session check after the read: a packet read across a session
	 * change is dropped (spec 3.3). */
	if (st == PROTO_CONNECTED_ENABLED && session_changed(p, &reason)) {
		pthread_mutex_lock(&p->tx_lock);
		log_msg(p->log, LOG_INFO, "peer %s session %u",
			reason == -ESHUTDOWN ? "closed" : "replaced", p->remote_sid);
		unbind(p, PROTO_DISCONNECTED, reason, now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}
	if (n == -EBADMSG) {
		pthread_mutex_lock(&p->tx_lock);
		fault(p, &p->rx, now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}
	if (n == -ECONNRESET) {
		pthread_mutex_lock(&p->tx_lock);
		peer_restarted(p, "it re-initialised its ring while we read", now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}
	if (n == 0)
		return -EAGAIN;
	if (n > 0)
		note_freed(p, footprint((uint32_t)n));
	if (n > 0)
		p->rx_clean = false;
	if (n == PROTO_MAGIC_LEN && st == PROTO_CONNECTED_DISABLED && is_magic(buf, n)) {
		/* Spec 3.2 (ours): a fresh magic means the peer restarted.
		 * We have just read it, which is what bonding waits for:
		 * answer with our magic and count as bound again. */
		pthread_mutex_lock(&p->tx_lock);
		log_msg(p->log, LOG_WARNING, "peer restarted (it sent the bonding magic "
			"again); bonding again");
		push_event(p, PROTO_EV_UNBOUND, -ECONNRESET);
		/* Our ring must start over with our magic, unless that is all
		 * it holds already (see peer_restarted()). */
		if (!p->tx_clean) {
			pbuf_tx_init(&p->tx);
			pbuf_write(&p->tx, proto_magic, PROTO_MAGIC_LEN);
			p->tx_clean = true;
		}
		p->rx_clean = true;
		p->tx.problem = NULL;
		p->notify = true;
		push_event(p, PROTO_EV_BOUND, 0);
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}
	return n;
}

/*
 * The checks proto_recv() makes before and after a read, for a packet
 * looked at in place. Return: 0 to go on, -EAGAIN after a state change.
 */
static int hold_checks_before(struct proto *p, enum proto_state st)
{
	if (st != PROTO_CONNECTED_DISABLED && st != PROTO_CONNECTED_ENABLED)
		return -EAGAIN;
	if (st == PROTO_CONNECTED_DISABLED && pbuf_shared_rd(&p->rx) != p->rx.rd_published) {
		pthread_mutex_lock(&p->tx_lock);
		peer_restarted(p, "it reset our read index", now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}
	return 0;
}

int proto_hold(struct proto *p, size_t cap, uint32_t *start)
{
	enum proto_state st = p->state;
	bool first = !pbuf_held(&p->rx);
	uint8_t head[PROTO_MAGIC_LEN];
	uint32_t n;
	int ret, reason;

	ret = hold_checks_before(p, st);
	if (ret < 0)
		return ret;
	ret = pbuf_hold(&p->rx, &n, start);
	/* A new session or a reset ring first: what looks corrupt may only
	 * be the peer starting over under us (as proto_recv() checks). */
	if (st == PROTO_CONNECTED_ENABLED && session_changed(p, &reason)) {
		if (ret > 0)
			pbuf_unhold(&p->rx, *start);
		if (!first)
			return -EAGAIN;
		pthread_mutex_lock(&p->tx_lock);
		log_msg(p->log, LOG_INFO, "peer %s session %u",
			reason == -ESHUTDOWN ? "closed" : "replaced", p->remote_sid);
		unbind(p, PROTO_DISCONNECTED, reason, now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}
	if (ret == -EBADMSG) {
		if (!first)
			return -EAGAIN; /* the caller releases what it holds first */
		if (hold_checks_before(p, st) < 0)
			return -EAGAIN; /* the peer reset its ring: not a fault */
		pthread_mutex_lock(&p->tx_lock);
		fault(p, &p->rx, now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return -EAGAIN;
	}
	if (ret == 0)
		return -EAGAIN;
	/* Something was read: a restart of the peer must be answered. */
	p->rx_clean = false;
	/* Packets that need more than a look (too long to deliver, a fresh
	 * magic) go through proto_recv() once nothing else is held. */
	if (n > cap || (n == PROTO_MAGIC_LEN && st == PROTO_CONNECTED_DISABLED)) {
		if (n <= cap) {
			pbuf_copy_out(&p->rx, *start, head, n);
			if (!is_magic(head, (int)n))
				return (int)n;
		}
		pbuf_unhold(&p->rx, *start);
		return first ? -ENOTSUP : -EAGAIN;
	}
	return (int)n;
}

int proto_release(struct proto *p)
{
	uint32_t from = p->rx.rd_local, len = p->rx.l.len;
	int ret = pbuf_release(&p->rx);

	if (ret == -ECONNRESET) {
		pthread_mutex_lock(&p->tx_lock);
		peer_restarted(p, "it re-initialised its ring while we read", now_ns());
		pthread_mutex_unlock(&p->tx_lock);
		return ret;
	}
	note_freed(p, (p->rx.rd_local + len - from) % len);
	p->rx_clean = false;
	return ret;
}

/* What a send gets in state @s (spec 3.8, 4.1 ours): 0 when bound. */
static int unbound_error(enum proto_state s)
{
	switch (s) {
	case PROTO_CONNECTED_DISABLED:
	case PROTO_CONNECTED_ENABLED:
		return 0;
	case PROTO_DISCONNECTED:
		return -ENOTCONN;
	case PROTO_FAULT:
		return -EIO;
	default:
		return -EBUSY;
	}
}

/* Publish what is pending; *@signal says whether the peer needs a ring. */
static void publish(struct proto *p, bool lazy, bool *signal)
{
	bool idle = pbuf_publish(&p->tx);

	*signal = !lazy || idle;
}

static int send_check(struct proto *p, size_t len, uint32_t max_len)
{
	int ret = unbound_error(p->state);

	if (ret)
		return ret;
	if (p->tx_reserved)
		return -EINPROGRESS;
	if (len == 0)
		return -ENODATA;
	return len > max_len ? -EMSGSIZE : 0;
}

/* After a write: publish unless more follows. A full ring publishes what
 * is pending so that the reader can make room, and a send without the
 * flag publishes the batch even if that send itself failed. */
static void after_write(struct proto *p, int ret, bool more, bool lazy, bool *signal)
{
	*signal = false;
	if (ret > 0) {
		p->tx_clean = false;
		/* Counted under the lock: no atomic read-modify-write. */
		__atomic_store_n(&p->tx_msgs, p->tx_msgs + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&p->tx_bytes, p->tx_bytes + (uint64_t)ret, __ATOMIC_RELAXED);
	}
	if ((ret > 0 && !more) ||
	    ((ret == -ENOMEM || (ret < 0 && !more)) && pbuf_unpublished(&p->tx)))
		publish(p, lazy, signal);
}

int proto_send(struct proto *p, const void *data, size_t len, uint32_t max_len, bool more,
	       bool lazy, bool *signal)
{
	int ret;

	*signal = false;
	pthread_mutex_lock(&p->tx_lock);
	ret = send_check(p, len, max_len);
	if (ret == 0)
		ret = pbuf_write_unpublished(&p->tx, data, len);
	after_write(p, ret, more, lazy, signal);
	/* An invalid rd_idx stays in tx.problem; the processing thread
	 * turns it into the fault state (only it changes the state). */
	pthread_mutex_unlock(&p->tx_lock);
	return ret;
}

bool proto_tx_unpublished(struct proto *p)
{
	bool ret;

	pthread_mutex_lock(&p->tx_lock);
	ret = pbuf_unpublished(&p->tx);
	pthread_mutex_unlock(&p->tx_lock);
	return ret;
}

void proto_kick(struct proto *p, bool lazy, bool *signal)
{
	pthread_mutex_lock(&p->tx_lock);
	if (unbound_error(p->state) == 0)
		publish(p, lazy, signal);
	else
		*signal = true; /* a signal without data is harmless (1.3) */
	pthread_mutex_unlock(&p->tx_lock);
}

/* A reservation that covers the place of the bond magic (data offset 0)
 * could collide with a re-initialisation writing it: never hand it out. */
#define MAGIC_ZONE (PBUF_IDX_SIZE + ROUND_UP(PROTO_MAGIC_LEN, 4))

int proto_reserve(struct proto *p, size_t len, uint32_t max_len, bool lazy, void **ptr,
		  bool *signal)
{
	uint8_t *base = NULL;
	int ret;

	*signal = false;
	pthread_mutex_lock(&p->tx_lock);
	ret = send_check(p, len, max_len);
	if (ret == 0)
		ret = pbuf_reserve(&p->tx, len, (void **)&base);
	if (ret == -ENOMEM && pbuf_unpublished(&p->tx))
		publish(p, lazy, signal);
	if (ret == 0) {
		if (base && base - p->tx.reg->base - p->tx.l.data_off < (ptrdiff_t)MAGIC_ZONE)
			base = NULL;
		*ptr = base;
		p->tx_reserved = true;
		p->tx_reserved_len = (uint32_t)len;
		p->tx_reserved_gen = p->tx.gen;
	}
	pthread_mutex_unlock(&p->tx_lock);
	return ret;
}

int proto_commit(struct proto *p, const void *src, size_t len, bool more, bool lazy,
		 bool *signal)
{
	int ret;

	*signal = false;
	pthread_mutex_lock(&p->tx_lock);
	if (!p->tx_reserved || len > p->tx_reserved_len) {
		ret = -EINVAL;
	} else {
		p->tx_reserved = false;
		if (len == 0)
			ret = 0;
		else if (p->tx.gen != p->tx_reserved_gen || unbound_error(p->state))
			ret = unbound_error(p->state) ? unbound_error(p->state) : -ECONNRESET;
		else
			ret = pbuf_commit(&p->tx, src, len);
		after_write(p, ret, more, lazy, signal);
	}
	pthread_mutex_unlock(&p->tx_lock);
	return ret;
}

int proto_tx_pending(struct proto *p)
{
	int ret;

	pthread_mutex_lock(&p->tx_lock);
	ret = pbuf_tx_pending(&p->tx);
	/* An empty ring means the peer read it all, even if it has left
	 * since; anything else counts only while the link is bound. */
	if (ret != 0) {
		int err = unbound_error(p->state);

		if (err)
			ret = err;
	}
	pthread_mutex_unlock(&p->tx_lock);
	return ret;
}

void proto_snapshot(struct proto *p, struct proto_snapshot *ret)
{
	pthread_mutex_lock(&p->tx_lock);
	ret->state = p->state;
	ret->session = p->session;
	ret->local_sid = p->local_sid;
	ret->remote_sid = p->remote_sid;
	pthread_mutex_unlock(&p->tx_lock);
}

bool proto_is_bound(const struct proto *p)
{
	enum proto_state s = p->state;

	return s == PROTO_CONNECTED_DISABLED || s == PROTO_CONNECTED_ENABLED;
}

unsigned int proto_take_events(struct proto *p, struct proto_event *out, bool *notify)
{
	unsigned int n = p->n_events;

	memcpy(out, p->events, sizeof(p->events[0]) * n);
	p->n_events = 0;
	*notify = p->notify;
	p->notify = false;
	return n;
}
