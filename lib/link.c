// SPDX-License-Identifier: MIT
/*
 * link - struct icmsg_link: regions + doorbells + protocol, and the public
 * event-loop and blocking API on top (include/icmsg/icmsg.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "doorbell.h"
#include "protocol.h"
#include "region.h"

/* Read by icmsg_link_get_info() on any thread: relaxed atomics. */
struct link_stats {
	uint64_t rx_msgs, rx_bytes, bonds, unbinds, errors;
	uint64_t doorbells_rung, doorbells_received;
};

#define STAT_ADD(link, field, v) __atomic_fetch_add(&(link)->st.field, (v), __ATOMIC_RELAXED)
/* For counters changed only while processing is serialised (proc_lock):
 * a plain add, published with a relaxed store for other readers. */
#define STAT_ADD_RX(link, field, v) \
	__atomic_store_n(&(link)->st.field, (link)->st.field + (v), __ATOMIC_RELAXED)
#define STAT_GET(link, field) __atomic_load_n(&(link)->st.field, __ATOMIC_RELAXED)

struct icmsg_link {
	struct icmsg_link_config cfg; /* strings point into the copies below */
	char *strings[20]; /* owned copies of every string of cfg */
	size_t n_strings;
	char *log_prefix;
	struct logger log;
	struct icmsg_link_callbacks cb;
	void *userdata;

	struct region tx_reg, rx_reg;
	struct doorbell tx_db, rx_db;
	int epfd, timerfd;
	struct proto proto;
	bool proto_ready;
	/* Serialises processing (rx side, events, timers, callbacks): any
	 * thread may process, one at a time. Error-checking, so a callback
	 * that re-enters gets -EDEADLK instead of corrupting the rx state. */
	pthread_mutex_t proc_lock;
	bool proc_lock_ready;

	uint8_t *rxbuf;
	uint32_t rx_cap, max_send;

	/* Zero-copy sends: where a reservation is built when the ring cannot
	 * take it in place (device memory, or the room wraps). */
	uint8_t *tx_bounce;
	bool tx_bounced;
	/* Messages held in place (icmsg_link_rx_hold()): copies of those that
	 * cannot be shown in place go to the arena, as long as the ring. */
	uint8_t *hold_arena;
	uint32_t hold_used, hold_gen;
	unsigned int n_held;
	bool rxbuf_held; /* one held message was taken the copying way */
	unsigned int budget; /* messages the processing call under way may deliver */

	/* bonding timers (spec 3.7) */
	bool bonding, timeout_logged, timer_armed;
	uint64_t bond_start, notify_next, notify_interval;

	struct link_stats st;
};

static const uint64_t NS_PER_MS = 1000000;
/* When the notify repeat backs off if bond-timeout-ms is 0 (its default). */
#define DEFAULT_BACKOFF_AFTER_MS 5000u

static const char *mode_name(enum icmsg_unbound_mode m)
{
	static const char *const names[] = { "disable", "enable", "detect" };

	return (unsigned int)m < ARRAY_SIZE(names) ? names[m] : "?";
}

/* ---- helpers ---- */

static int pthread_mutex_init_errorcheck(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	int ret;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	ret = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return ret;
}

static int mkdir_parents(const char *path)
{
	char *dir = strdup(path), *s;
	int ret = 0;

	if (!dir)
		return -ENOMEM;
	for (s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*s = '/';
	}
	free(dir);
	return ret;
}

static bool state_is_init(enum proto_state s)
{
	return s == PROTO_INIT_DISABLED || s == PROTO_INIT_ENABLED || s == PROTO_INIT_DETECT;
}

static void start_bonding(struct icmsg_link *link, uint64_t now)
{
	link->bonding = true;
	link->timeout_logged = false;
	link->bond_start = now;
	link->notify_interval = (uint64_t)link->cfg.bond_notify_repeat_ms * NS_PER_MS;
	link->notify_next = link->notify_interval ? now + link->notify_interval : 0;
}

/* Ring the peer's doorbell and count it. */
static int ring_counted(struct icmsg_link *link)
{
	int ret = doorbell_ring(&link->tx_db);

	if (ret == 0)
		STAT_ADD(link, doorbells_rung, 1);
	return ret;
}

static void ring_peer(struct icmsg_link *link)
{
	int ret = ring_counted(link);

	if (ret < 0)
		log_msg(&link->log, LOG_ERR, "cannot ring the peer: %s", strerror(-ret));
}

/*
 * Turn the protocol's queued events into doorbells and callbacks.
 * Return: true if the link became bound again (more data may follow).
 */
static bool dispatch(struct icmsg_link *link)
{
	struct proto_event ev[PROTO_MAX_EVENTS];
	bool notify, rebound = false;
	unsigned int i, n;

	n = proto_take_events(&link->proto, ev, &notify);
	/* Signal first: the peer may be waiting for what we just wrote. */
	if (notify)
		ring_peer(link);
	for (i = 0; i < n; i++) {
		switch (ev[i].type) {
		case PROTO_EV_BOUND:
			STAT_ADD(link, bonds, 1);
			link->bonding = false;
			rebound = true;
			log_msg(&link->log, LOG_INFO, "bound (%s)",
				link->proto.session ? "session" : "magic");
			if (link->cb.bound)
				link->cb.bound(link, link->userdata);
			break;
		case PROTO_EV_UNBOUND:
			STAT_ADD(link, unbinds, 1);
			if (ev[i].arg == -EBADMSG)
				STAT_ADD(link, errors, 1);
			log_msg(&link->log, LOG_INFO, "unbound: %s", strerror(-ev[i].arg));
			if (link->cb.unbound)
				link->cb.unbound(link, ev[i].arg, link->userdata);
			break;
		case PROTO_EV_ERROR:
			if (ev[i].arg == -EMSGSIZE)
				STAT_ADD(link, errors, 1);
			if (link->cb.error)
				link->cb.error(link, ev[i].arg, link->userdata);
			break;
		}
	}
	if (!link->bonding && state_is_init(link->proto.state))
		start_bonding(link, now_ns());
	return rebound;
}

static void log_bond_timeout(struct icmsg_link *link)
{
	uint32_t wr = pbuf_shared_wr(&link->proto.rx);
	uint32_t rd = pbuf_shared_rd(&link->proto.rx);
	uint32_t hs = pbuf_handshake_load(&link->proto.tx);

	log_msg(&link->log, LOG_WARNING,
		"not bound after %u ms (unbound: %s, dcache-alignment: %u, state: %s, "
		"peer wr_idx: %u, rd_idx: %u, tx handshake: 0x%08x); check unbound mode and "
		"dcache-alignment on both sides%s",
		link->cfg.bond_timeout_ms, mode_name(link->cfg.unbound), link->cfg.dcache_alignment,
		proto_state_name(link->proto.state), wr, rd, hs,
		link->proto.state == PROTO_INIT_DISABLED && rd != 0
			? "; the peer has not re-initialised its ring since we last read it "
			  "(a v1 peer must restart too)"
			: "");
}

/* Notify repeat and bond-timeout diagnostic (spec 3.7), then arm the timer. */
static void run_timers(struct icmsg_link *link, uint64_t now)
{
	uint64_t next = UINT64_MAX, t_out;
	struct itimerspec its;

	if (link->bonding && state_is_init(link->proto.state)) {
		t_out = link->bond_start + (uint64_t)link->cfg.bond_timeout_ms * NS_PER_MS;
		if (link->notify_next && now >= link->notify_next) {
			ring_peer(link);
			/* An absent peer costs nothing measurable: back off, also
			 * when the diagnostic is off (bond-timeout-ms 0). */
			if (now >= link->bond_start + (link->cfg.bond_timeout_ms
							       ? link->cfg.bond_timeout_ms
							       : DEFAULT_BACKOFF_AFTER_MS) * NS_PER_MS) {
				link->notify_interval *= 2;
				if (link->notify_interval >
				    (uint64_t)link->cfg.bond_notify_max_ms * NS_PER_MS)
					link->notify_interval =
						(uint64_t)link->cfg.bond_notify_max_ms * NS_PER_MS;
				if (link->notify_interval == 0)
					link->notify_interval = NS_PER_MS;
			}
			link->notify_next = now + link->notify_interval;
		}
		if (link->cfg.bond_timeout_ms && !link->timeout_logged && now >= t_out) {
			log_bond_timeout(link);
			link->timeout_logged = true;
		}
		if (link->notify_next)
			next = link->notify_next;
		if (link->cfg.bond_timeout_ms && !link->timeout_logged && t_out < next)
			next = t_out;
	}
	if (link->proto.state == PROTO_INIT_DETECT && link->proto.grace_deadline &&
	    link->proto.grace_deadline < next)
		next = link->proto.grace_deadline;
	t_out = doorbell_deadline(&link->rx_db);
	if (t_out && now >= t_out) {
		int err = doorbell_tick(&link->rx_db, now);

		if (err < 0)
			log_msg(&link->log, LOG_ERR, "rx doorbell (%s): %s", link->rx_db.ops->name,
				strerror(-err));
		t_out = doorbell_deadline(&link->rx_db);
	}
	if (t_out && t_out < next)
		next = t_out;

	if (next == UINT64_MAX && !link->timer_armed)
		return;
	memset(&its, 0, sizeof(its));
	if (next != UINT64_MAX) {
		if (next <= now)
			next = now + 1;
		its.it_value.tv_sec = (time_t)(next / 1000000000u);
		its.it_value.tv_nsec = (long)(next % 1000000000u);
	}
	if (timerfd_settime(link->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		link->timer_armed = next != UINT64_MAX;
}

/* Make the link fd readable at once (the timer fires, processing follows). */
static void wake_soon(struct icmsg_link *link)
{
	struct itimerspec its = { .it_value = { .tv_sec = 0, .tv_nsec = 1 } };

	if (timerfd_settime(link->timerfd, 0, &its, NULL) == 0)
		link->timer_armed = true;
}

/* ---- open / close ---- */

/* Replace the borrowed string *s by an owned copy. */
static int own_string(struct icmsg_link *link, const char **s)
{
	char *copy;

	if (!*s)
		return 0;
	if (link->n_strings == ARRAY_SIZE(link->strings))
		return -ENOMEM;
	copy = strdup(*s);
	if (!copy)
		return -ENOMEM;
	link->strings[link->n_strings++] = copy;
	*s = copy;
	return 0;
}

static int own_region_strings(struct icmsg_link *link, struct icmsg_region_config *r)
{
	if (own_string(link, &r->path) < 0 || own_string(link, &r->uio.device) < 0 ||
	    own_string(link, &r->uio.map_name) < 0)
		return -ENOMEM;
	return 0;
}

static int own_mbox_strings(struct icmsg_link *link, struct icmsg_mbox_config *m)
{
	if (own_string(link, &m->path) < 0 || own_string(link, &m->uio_device) < 0 ||
	    own_region_strings(link, &m->regs) < 0)
		return -ENOMEM;
	return 0;
}

static int link_copy_config(struct icmsg_link *link, const struct icmsg_link_config *cfg)
{
	link->cfg = *cfg;
	if (!link->cfg.name)
		link->cfg.name = "icmsg";
	if (own_string(link, &link->cfg.name) < 0 ||
	    own_region_strings(link, &link->cfg.tx_region) < 0 ||
	    own_region_strings(link, &link->cfg.rx_region) < 0 ||
	    own_mbox_strings(link, &link->cfg.tx_mbox) < 0 ||
	    own_mbox_strings(link, &link->cfg.rx_mbox) < 0)
		return -ENOMEM;
	if (asprintf(&link->log_prefix, "link %s", link->cfg.name) < 0) {
		link->log_prefix = NULL;
		return -ENOMEM;
	}
	link->log.prefix = link->log_prefix;
	return 0;
}

static int link_open_transport(struct icmsg_link *link)
{
	const struct icmsg_link_config *c = &link->cfg;
	struct epoll_event ev = { .events = EPOLLIN };
	int ret;

	if (c->create) {
		/* Only the simulation's files and FIFOs are ever created. */
		const char *paths[] = {
			c->tx_region.type == ICMSG_REGION_FILE ? c->tx_region.path : NULL,
			c->rx_region.type == ICMSG_REGION_FILE ? c->rx_region.path : NULL,
			c->tx_mbox.type == ICMSG_MBOX_FIFO ? c->tx_mbox.path : NULL,
			c->rx_mbox.type == ICMSG_MBOX_FIFO ? c->rx_mbox.path : NULL,
		};
		for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
			if (!paths[i])
				continue;
			ret = mkdir_parents(paths[i]);
			if (ret < 0) {
				log_msg(&link->log, LOG_ERR, "cannot create the directory of %s: %s",
					paths[i], strerror(-ret));
				return ret;
			}
		}
	}
	ret = region_open(&link->tx_reg, &c->tx_region, c->create, false, &link->log);
	if (ret < 0)
		return ret;
	ret = region_open(&link->rx_reg, &c->rx_region, c->create, false, &link->log);
	if (ret < 0)
		return ret;
	ret = doorbell_open(&link->tx_db, &c->tx_mbox, c->create, &link->log);
	if (ret < 0)
		return ret;
	ret = doorbell_open(&link->rx_db, &c->rx_mbox, c->create, &link->log);
	if (ret < 0)
		return ret;

	link->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (link->epfd < 0)
		return -errno;
	link->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (link->timerfd < 0)
		return -errno;
	if (epoll_ctl(link->epfd, EPOLL_CTL_ADD, doorbell_fd(&link->rx_db), &ev) < 0 ||
	    epoll_ctl(link->epfd, EPOLL_CTL_ADD, link->timerfd, &ev) < 0)
		return -errno;
	return 0;
}

ICMSG_EXPORT int icmsg_link_open(const struct icmsg_link_config *cfg,
				 const struct icmsg_link_options *opts, struct icmsg_link **ret)
{
	struct pbuf_layout tx_l, rx_l;
	struct proto_config pc;
	struct icmsg_link *link;
	const char *field, *msg;
	bool hs;
	int err;

	if (!cfg || !ret)
		return -EINVAL;
	if (icmsg_link_config_check(cfg, &field, &msg) < 0) {
		struct logger early = {
			.fn = opts ? opts->log : NULL,
			.userdata = opts ? opts->log_userdata : NULL,
			.prefix = cfg->name,
		};
		log_msg(&early, LOG_ERR, "invalid configuration: %s: %s", field, msg);
		return -EINVAL;
	}
	link = calloc(1, sizeof(*link));
	if (!link)
		return -ENOMEM;
	link->epfd = -1;
	link->timerfd = -1;
	link->tx_db.fd = -1;
	link->rx_db.fd = -1;
	if (opts) {
		link->log.fn = opts->log;
		link->log.userdata = opts->log_userdata;
		if (opts->callbacks)
			link->cb = *opts->callbacks;
		link->userdata = opts->userdata;
	}
	err = link_copy_config(link, cfg);
	if (err)
		goto err_free;
	err = -pthread_mutex_init_errorcheck(&link->proc_lock);
	if (err)
		goto err_free;
	link->proc_lock_ready = true;
	hs = cfg->unbound != ICMSG_UNBOUND_DISABLE;
	if (pbuf_layout_init(&tx_l, cfg->tx_region.size, cfg->dcache_alignment, hs, &msg) < 0 ||
	    pbuf_layout_init(&rx_l, cfg->rx_region.size, cfg->dcache_alignment, hs, &msg) < 0) {
		log_msg(&link->log, LOG_ERR, "invalid configuration: %s", msg);
		err = -EINVAL;
		goto err_free;
	}

	err = link_open_transport(link);
	if (err)
		goto err_free;

	link->max_send = pbuf_max_payload(&tx_l);
	if (cfg->peer_rx_buf_size < link->max_send)
		link->max_send = cfg->peer_rx_buf_size;
	link->rx_cap = pbuf_max_payload(&rx_l);
	if (cfg->rx_buf_size && cfg->rx_buf_size < link->rx_cap)
		link->rx_cap = cfg->rx_buf_size;
	link->rxbuf = malloc(link->rx_cap);
	/* Untouched until needed, so they cost address space, not memory. */
	link->tx_bounce = malloc(link->max_send ? link->max_send : 1);
	link->hold_arena = malloc(rx_l.len);
	if (!link->rxbuf || !link->tx_bounce || !link->hold_arena) {
		err = -ENOMEM;
		goto err_free;
	}

	pc.mode = cfg->unbound;
	pc.detect_grace_ns = (uint64_t)cfg->detect_grace_ms * NS_PER_MS;
	pc.auto_reopen = cfg->auto_reopen;
	err = proto_init(&link->proto, &pc, &link->tx_reg, &link->rx_reg, &tx_l, &rx_l,
			 &link->log);
	if (err)
		goto err_free;
	link->proto_ready = true;
	proto_open(&link->proto);
	start_bonding(link, now_ns());
	log_msg(&link->log, LOG_DEBUG, "opened (unbound: %s, dcache-alignment: %u, ring data: "
		"tx %u, rx %u bytes, max send %u)", mode_name(cfg->unbound),
		cfg->dcache_alignment, tx_l.len, rx_l.len, link->max_send);

	/* One processing step at once: the peer may have opened first and
	 * its signal predates our FIFO (spec 3.7, 6.2). */
	err = icmsg_link_process(link);
	if (err < 0) {
		icmsg_link_close(link);
		return err;
	}
	*ret = link;
	return 0;

err_free:
	icmsg_link_close(link);
	return err;
}

ICMSG_EXPORT struct icmsg_link *icmsg_link_close(struct icmsg_link *link)
{
	bool notify;
	struct proto_event ev[PROTO_MAX_EVENTS];

	if (!link)
		return NULL;
	if (link->proto_ready) {
		/* What ICMSG_SEND_MORE left unpublished goes out first. */
		if (pbuf_unpublished(&link->proto.tx))
			proto_kick(&link->proto, false, &notify);
		proto_close(&link->proto);
		proto_take_events(&link->proto, ev, &notify);
		if (notify && link->tx_db.ops)
			ring_peer(link);
		proto_destroy(&link->proto);
	}
	if (link->proc_lock_ready)
		pthread_mutex_destroy(&link->proc_lock);
	if (link->epfd >= 0)
		close(link->epfd);
	if (link->timerfd >= 0)
		close(link->timerfd);
	doorbell_close(&link->tx_db);
	doorbell_close(&link->rx_db);
	region_close(&link->tx_reg);
	region_close(&link->rx_reg);
	free(link->rxbuf);
	free(link->tx_bounce);
	free(link->hold_arena);
	for (size_t i = 0; i < link->n_strings; i++)
		free(link->strings[i]);
	free(link->log_prefix);
	free(link);
	return NULL;
}

static int process_locked(struct icmsg_link *link);

ICMSG_EXPORT int icmsg_link_reopen(struct icmsg_link *link)
{
	int ret;

	bool in_callback;

	if (!link)
		return -EINVAL;
	ret = pthread_mutex_lock(&link->proc_lock);
	if (ret && ret != EDEADLK)
		return -ret;
	/* From one of our callbacks (an unbound handler re-opening, as
	 * Zephyr applications do): the processing under way goes on. */
	in_callback = ret == EDEADLK;
	ret = proto_open(&link->proto);
	if (ret == 0) {
		start_bonding(link, now_ns());
		if (!in_callback)
			ret = process_locked(link);
	}
	if (!in_callback)
		pthread_mutex_unlock(&link->proc_lock);
	return ret < 0 ? ret : 0;
}

/* ---- processing ---- */

ICMSG_EXPORT int icmsg_link_get_fd(const struct icmsg_link *link)
{
	return link ? link->epfd : -1;
}

/*
 * Messages one processing call delivers at most: a peer that writes as
 * fast as we read must not keep the call (and the caller's event loop)
 * forever. The rest is delivered by the next call; the fd says so.
 */
#define DELIVER_BUDGET 4096u

static int deliver(struct icmsg_link *link)
{
	int n, did = 0;

	for (;;) {
		if (link->budget == 0)
			return did;
		n = proto_recv(&link->proto, link->rxbuf, link->rx_cap, true);
		if (n > 0) {
			link->budget--;
			STAT_ADD_RX(link, rx_msgs, 1);
			STAT_ADD_RX(link, rx_bytes, (uint64_t)n);
			did = 1;
			link->cb.received(link, link->rxbuf, (size_t)n, link->userdata);
			continue;
		}
		if (n == -ENOMSG) {
			/* A message was dropped: report it in stream order. */
			dispatch(link);
			did = 1;
			continue;
		}
		if (!dispatch(link))
			return did;
		did = 1;
	}
}

static int release_locked(struct icmsg_link *link);

/* True if the peer published data we have not looked at yet: one load. */
static bool rx_waiting(struct icmsg_link *link)
{
	return proto_is_bound(&link->proto) &&
	       pbuf_shared_wr(&link->proto.rx) != link->proto.rx.rd_hold;
}

/* One processing call spins this many spin-us periods at most, so that a
 * peer that never pauses cannot keep it from the doorbell, the timers and
 * the caller's other work. */
#define SPIN_PERIODS_MAX 8

/* Spin up to spin-us for more messages after the last one (callback mode). */
static void spin_deliver(struct icmsg_link *link)
{
	uint64_t span = (uint64_t)link->cfg.spin_us * 1000, now = now_ns();
	uint64_t until = now + span, end = now + SPIN_PERIODS_MAX * span;

	while ((now = now_ns()) < until && link->budget) {
		if (rx_waiting(link)) {
			deliver(link);
			until = now + span < end ? now + span : end;
		} else {
			cpu_relax();
		}
	}
}

static int process_locked(struct icmsg_link *link)
{
	uint64_t expirations, now;
	int did = 0, err;

	/* Bound, the messages come first: an answer from the callback then
	 * leaves before the system call that drains the doorbell. The ring
	 * is read again after the drain, so no signal is missed. */
	link->budget = DELIVER_BUDGET;
	if (link->cb.received && proto_is_bound(&link->proto) && deliver(link))
		did = 1;

	/* Drain first, then look at shared memory: a signal raised after the
	 * drain wakes us again (spec 6.2). */
	err = doorbell_drain(&link->rx_db);
	if (err < 0)
		log_msg(&link->log, LOG_ERR, "rx doorbell (%s): %s", link->rx_db.ops->name,
			strerror(-err));
	else if (err > 0) {
		STAT_ADD(link, doorbells_received, (uint64_t)err);
		did = 1;
	}
	/* A disarmed timerfd is never readable (setting it clears the count):
	 * no system call for it on a wake-up by the doorbell. */
	if (link->timer_armed &&
	    read(link->timerfd, &expirations, sizeof(expirations)) == sizeof(expirations))
		did = 1;

	now = now_ns();
	proto_step(&link->proto, now);
	if (dispatch(link))
		did = 1;
	if (link->cb.received && deliver(link)) {
		did = 1;
		if (link->cfg.spin_us)
			spin_deliver(link);
	}
	run_timers(link, now);
	/* Stopped early with messages waiting: the fd must stay readable,
	 * as the doorbell that announced them is drained (spec 6.2). */
	if (link->budget == 0 && rx_waiting(link))
		wake_soon(link);
	/* The rings were processed anyway; a broken doorbell is still an
	 * error the caller must hear of. */
	return err < 0 ? err : did;
}

ICMSG_EXPORT int icmsg_link_process(struct icmsg_link *link)
{
	int ret;

	if (!link)
		return -EINVAL;
	ret = -pthread_mutex_lock(&link->proc_lock);
	if (ret)
		return ret; /* -EDEADLK: called from one of our callbacks */
	ret = process_locked(link);
	pthread_mutex_unlock(&link->proc_lock);
	return ret;
}

/* ---- state and counters ---- */

static enum icmsg_link_state public_state(enum proto_state s)
{
	switch (s) {
	case PROTO_CONNECTED_DISABLED:
	case PROTO_CONNECTED_ENABLED:
		return ICMSG_LINK_BOUND;
	case PROTO_DISCONNECTED:
		return ICMSG_LINK_DISCONNECTED;
	case PROTO_FAULT:
		return ICMSG_LINK_FAULT;
	default:
		return ICMSG_LINK_BONDING;
	}
}

/* The protocol's lock is ours to take even through a const link. */
static void snapshot(const struct icmsg_link *link, struct proto_snapshot *ret)
{
	proto_snapshot((struct proto *)&link->proto, ret);
}

ICMSG_EXPORT enum icmsg_link_state icmsg_link_get_state(const struct icmsg_link *link)
{
	struct proto_snapshot ps;

	if (!link)
		return ICMSG_LINK_FAULT;
	snapshot(link, &ps);
	return public_state(ps.state);
}

ICMSG_EXPORT int icmsg_link_get_info(const struct icmsg_link *link, struct icmsg_link_info *ret)
{
	struct proto_snapshot ps;

	if (!link || !ret)
		return -EINVAL;
	snapshot(link, &ps);
	memset(ret, 0, sizeof(*ret));
	ret->state = public_state(ps.state);
	if (ret->state == ICMSG_LINK_BOUND)
		ret->variant = ps.session ? ICMSG_VARIANT_SESSION : ICMSG_VARIANT_MAGIC;
	ret->max_send = link->max_send;
	ret->max_recv = link->rx_cap;
	ret->local_sid = ps.local_sid;
	ret->remote_sid = ps.remote_sid;
	ret->tx_msgs = __atomic_load_n(&link->proto.tx_msgs, __ATOMIC_RELAXED);
	ret->tx_bytes = __atomic_load_n(&link->proto.tx_bytes, __ATOMIC_RELAXED);
	ret->rx_msgs = STAT_GET(link, rx_msgs);
	ret->rx_bytes = STAT_GET(link, rx_bytes);
	ret->bonds = STAT_GET(link, bonds);
	ret->unbinds = STAT_GET(link, unbinds);
	ret->errors = STAT_GET(link, errors);
	ret->doorbells_rung = STAT_GET(link, doorbells_rung);
	ret->doorbells_received = STAT_GET(link, doorbells_received);
	ret->tx_used_max = __atomic_load_n(&link->proto.tx.used_max, __ATOMIC_RELAXED);
	ret->rx_used_max = __atomic_load_n(&link->proto.rx.used_max, __ATOMIC_RELAXED);
	ret->tx_ring_size = link->proto.tx.l.len;
	ret->rx_ring_size = link->proto.rx.l.len;
	ret->tx_used = pbuf_used_now(&link->proto.tx);
	ret->rx_used = pbuf_used_now(&link->proto.rx);
	return 0;
}

ICMSG_EXPORT const char *icmsg_link_get_name(const struct icmsg_link *link)
{
	return link ? link->cfg.name : "";
}

/* ---- messages ---- */

/* Ring the peer if the protocol says so; its error, if any, else @ret. */
static int ring_if(struct icmsg_link *link, bool signal, int ret)
{
	int err = signal ? ring_counted(link) : 0;

	return ret < 0 || err == 0 ? ret : err;
}

ICMSG_EXPORT int icmsg_link_send_flags(struct icmsg_link *link, const void *data, size_t len,
				       unsigned int flags)
{
	bool signal;
	int ret;

	if (!link || (!data && len) || (flags & ~ICMSG_SEND_MORE))
		return -EINVAL;
	ret = proto_send(&link->proto, data, len, link->max_send, flags & ICMSG_SEND_MORE,
			 link->cfg.lazy_signal, &signal);
	/* One signal per published send, after the index store (spec 4.1),
	 * unless lazy_signal found the peer still reading. */
	return ring_if(link, signal, ret);
}

ICMSG_EXPORT int icmsg_link_send(struct icmsg_link *link, const void *data, size_t len)
{
	return icmsg_link_send_flags(link, data, len, 0);
}

ICMSG_EXPORT int icmsg_link_kick(struct icmsg_link *link)
{
	bool signal;

	if (!link)
		return -EINVAL;
	proto_kick(&link->proto, link->cfg.lazy_signal, &signal);
	return ring_if(link, signal, 0);
}

ICMSG_EXPORT int icmsg_link_tx_reserve(struct icmsg_link *link, size_t len, void **buf)
{
	void *place = NULL;
	bool signal;
	int ret;

	if (!link || !buf)
		return -EINVAL;
	ret = proto_reserve(&link->proto, len, link->max_send, link->cfg.lazy_signal, &place,
			    &signal);
	if (ret == 0) {
		/* Only the reserving caller touches these until its commit. */
		link->tx_bounced = !place;
		*buf = place ? place : link->tx_bounce;
	}
	return ring_if(link, signal, ret);
}

ICMSG_EXPORT int icmsg_link_tx_commit(struct icmsg_link *link, size_t len, unsigned int flags)
{
	bool signal;
	int ret;

	if (!link || (flags & ~ICMSG_SEND_MORE))
		return -EINVAL;
	ret = proto_commit(&link->proto, link->tx_bounced ? link->tx_bounce : NULL, len,
			   flags & ICMSG_SEND_MORE, link->cfg.lazy_signal, &signal);
	return ring_if(link, signal, ret);
}

static int not_bound_error(enum icmsg_link_state st)
{
	switch (st) {
	case ICMSG_LINK_BOUND:
		return 0;
	case ICMSG_LINK_DISCONNECTED:
		return -ENOTCONN;
	case ICMSG_LINK_FAULT:
		return -EIO;
	default:
		return -EBUSY;
	}
}

/*
 * Nothing to take. Bound, that is all (busy-polling stays free of system
 * calls); otherwise bonding may have restarted and its timers must run.
 */
static int empty_or_unbound(struct icmsg_link *link)
{
	if (proto_is_bound(&link->proto))
		return -EAGAIN;
	run_timers(link, now_ns());
	return not_bound_error(public_state(link->proto.state));
}

static int try_recv_locked(struct icmsg_link *link, void *buf, size_t cap)
{
	int n;

	release_locked(link);
	for (;;) {
		if (!proto_is_bound(&link->proto))
			return not_bound_error(public_state(link->proto.state));
		n = proto_recv(&link->proto, buf, cap, false);
		if (n > 0) {
			STAT_ADD_RX(link, rx_msgs, 1);
			STAT_ADD_RX(link, rx_bytes, (uint64_t)n);
			dispatch(link);
			return n;
		}
		if (n == -EMSGSIZE)
			return n;
		/* Empty, or a state change: report it, and if we are bound
		 * again the new session may already hold data. */
		if (!dispatch(link))
			return empty_or_unbound(link);
	}
}

ICMSG_EXPORT int icmsg_link_try_recv(struct icmsg_link *link, void *buf, size_t cap)
{
	int ret;

	if (!link || (!buf && cap) || link->cb.received)
		return -EINVAL;
	ret = -pthread_mutex_lock(&link->proc_lock);
	if (ret)
		return ret;
	ret = try_recv_locked(link, buf, cap);
	pthread_mutex_unlock(&link->proc_lock);
	return ret;
}

/* The place of a held message: in the ring, or copied to the arena (NULL
 * if it is full: cannot happen while pbuf keeps holds inside the ring). */
static const void *held_place(struct icmsg_link *link, uint32_t start, uint32_t n)
{
	const void *place = pbuf_place(&link->proto.rx, start, n);
	uint8_t *copy;

	if (place)
		return place;
	if (n > link->proto.rx.l.len - link->hold_used)
		return NULL;
	copy = link->hold_arena + link->hold_used;
	pbuf_copy_out(&link->proto.rx, start, copy, n);
	link->hold_used += n;
	return copy;
}

static int hold_locked(struct icmsg_link *link, const void **data)
{
	uint32_t start;
	int n;

	for (;;) {
		if (!proto_is_bound(&link->proto))
			return link->n_held ? -EAGAIN
					    : not_bound_error(public_state(link->proto.state));
		if (link->n_held == ICMSG_RX_HOLD_MAX)
			return -ENOBUFS;
		n = proto_hold(&link->proto, link->rx_cap, &start);
		if (n > 0) {
			*data = held_place(link, start, (uint32_t)n);
			if (!*data) {
				pbuf_unhold(&link->proto.rx, start);
				return -EAGAIN; /* release, then look again */
			}
			if (link->n_held++ == 0)
				link->hold_gen = link->proto.rx.gen;
			STAT_ADD_RX(link, rx_msgs, 1);
			STAT_ADD_RX(link, rx_bytes, (uint64_t)n);
			return n;
		}
		if (n == -ENOTSUP) {
			/* Too long, or a fresh magic: taken the copying way,
			 * which drops or acts on it. The copy buffer is one:
			 * a second such message waits for a release. */
			if (link->rxbuf_held)
				return -EAGAIN;
			n = proto_recv(&link->proto, link->rxbuf, link->rx_cap, true);
			if (n > 0) {
				if (link->n_held++ == 0)
					link->hold_gen = link->proto.rx.gen;
				link->rxbuf_held = true;
				STAT_ADD_RX(link, rx_msgs, 1);
				STAT_ADD_RX(link, rx_bytes, (uint64_t)n);
				*data = link->rxbuf;
				dispatch(link);
				return n;
			}
			if (n == -ENOMSG) {
				dispatch(link); /* dropped: report it, go on */
				continue;
			}
		}
		if (!dispatch(link))
			return link->n_held ? -EAGAIN : empty_or_unbound(link);
	}
}

ICMSG_EXPORT int icmsg_link_rx_hold(struct icmsg_link *link, const void **data)
{
	int ret;

	if (!link || !data || link->cb.received)
		return -EINVAL;
	ret = -pthread_mutex_lock(&link->proc_lock);
	if (ret)
		return ret;
	ret = hold_locked(link, data);
	pthread_mutex_unlock(&link->proc_lock);
	return ret;
}

static int release_locked(struct icmsg_link *link)
{
	unsigned int n = link->n_held;
	int ret;

	if (n == 0)
		return 0;
	link->n_held = 0;
	link->hold_used = 0;
	link->rxbuf_held = false;
	/* The ring was re-initialised under the held messages. */
	if (link->hold_gen != link->proto.rx.gen)
		return -ECONNRESET;
	/* A peer using lazy-signal that published while we held saw us
	 * behind and did not signal: the caller must look again before it
	 * sleeps (icmsg_link_rx_hold() says so). Making the fd readable here
	 * instead cost a system call per batch to every busy reader. */
	ret = proto_release(&link->proto);
	dispatch(link);
	return ret < 0 ? ret : (int)n;
}

ICMSG_EXPORT int icmsg_link_rx_release(struct icmsg_link *link)
{
	int ret;

	if (!link)
		return -EINVAL;
	ret = -pthread_mutex_lock(&link->proc_lock);
	if (ret)
		return ret;
	ret = release_locked(link);
	pthread_mutex_unlock(&link->proc_lock);
	return ret;
}

/* ---- blocking helpers ---- */

static uint64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
}

/*
 * Wait until the link fd is readable, the deadline passes, or @max_ns
 * elapses. Return: 0 (go on), -ETIMEDOUT, or a negative errno.
 */
static int wait_fd(struct icmsg_link *link, uint64_t deadline, uint64_t max_ns)
{
	struct pollfd pfd = { .fd = link->epfd, .events = POLLIN };
	uint64_t now = now_ns(), left;
	struct timespec ts;

	if (now >= deadline)
		return -ETIMEDOUT;
	left = deadline - now;
	if (max_ns && left > max_ns)
		left = max_ns;
	ts.tv_sec = (time_t)(left / 1000000000u);
	ts.tv_nsec = (long)(left % 1000000000u);
	if (ppoll(&pfd, 1, deadline == UINT64_MAX && !max_ns ? NULL : &ts, NULL) < 0 &&
	    errno != EINTR)
		return -errno;
	return 0;
}

ICMSG_EXPORT int icmsg_link_wait_bound(struct icmsg_link *link, int timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms);
	int ret;

	if (!link)
		return -EINVAL;
	for (;;) {
		/* A fault may heal (the peer re-initialises); a session the
		 * peer ended without auto-reopen needs icmsg_link_reopen(). */
		ret = not_bound_error(icmsg_link_get_state(link));
		if (ret == 0 || ret == -ENOTCONN)
			return ret;
		ret = wait_fd(link, deadline, 0);
		if (ret < 0)
			return ret;
		ret = icmsg_link_process(link);
		if (ret < 0)
			return ret;
	}
}

/* Until spin-us from now, or @deadline: false when the time is up. */
static bool spin_left(const struct icmsg_link *link, uint64_t *until, uint64_t deadline)
{
	uint64_t now = now_ns();

	if (*until == 0)
		*until = now + (uint64_t)link->cfg.spin_us * 1000;
	if (now >= *until || now >= deadline)
		return false;
	cpu_relax();
	return true;
}

ICMSG_EXPORT int icmsg_link_recv(struct icmsg_link *link, void *buf, size_t cap, int timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms), spin_until = 0;
	bool woken = false;
	int ret;

	if (!link || link->cb.received)
		return -EINVAL;
	for (;;) {
		ret = icmsg_link_try_recv(link, buf, cap);
		if (ret != -EAGAIN && ret != -EBUSY)
			return ret;
		/* A peer that writes again within spin-us is seen without a
		 * sleep and a wake-up. */
		if (ret == -EAGAIN && link->cfg.spin_us && spin_left(link, &spin_until, deadline))
			continue;
		spin_until = 0;
		/* After a wake-up the ring was read first (the message is
		 * returned a system call earlier), then the link processed,
		 * then the ring read again before the next sleep. */
		if (woken) {
			woken = false;
			ret = icmsg_link_process(link);
		} else {
			ret = wait_fd(link, deadline, 0);
			woken = ret == 0;
		}
		if (ret < 0)
			return ret;
	}
}

/*
 * One round of a poll loop for a condition no signal announces (free ring
 * space, data consumed: readers do not signal, spec 1.3): wait for the fd
 * or a growing interval, then process. Return: 0 or a negative errno.
 */
static int poll_round(struct icmsg_link *link, uint64_t deadline, uint64_t *backoff)
{
	int ret = wait_fd(link, deadline, *backoff);

	if (ret < 0)
		return ret;
	if (*backoff < 5 * NS_PER_MS)
		*backoff *= 2;
	/* Process only if no other thread is (it then does it for us), and
	 * never from inside our own callbacks. */
	if (pthread_mutex_trylock(&link->proc_lock) != 0)
		return 0;
	ret = process_locked(link);
	pthread_mutex_unlock(&link->proc_lock);
	return ret < 0 ? ret : 0;
}

#define POLL_BACKOFF_START_NS 20000

ICMSG_EXPORT int icmsg_link_send_timeout(struct icmsg_link *link, const void *data, size_t len,
					 int timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms), backoff = POLL_BACKOFF_START_NS;
	uint64_t spin_until = 0;
	int ret;

	for (;;) {
		ret = icmsg_link_send(link, data, len);
		if (ret != -ENOMEM && ret != -EBUSY)
			return ret;
		if (ret == -ENOMEM && link->cfg.spin_us && spin_left(link, &spin_until, deadline))
			continue;
		spin_until = 0;
		ret = poll_round(link, deadline, &backoff);
		if (ret < 0)
			return ret;
	}
}

ICMSG_EXPORT int icmsg_link_flush(struct icmsg_link *link, int timeout_ms)
{
	uint64_t deadline = deadline_of(timeout_ms), backoff = POLL_BACKOFF_START_NS;
	uint64_t spin_until = 0;
	int ret;

	if (!link)
		return -EINVAL;
	for (;;) {
		/* What ICMSG_SEND_MORE left unpublished, here or on another
		 * thread meanwhile, could never be read. */
		if (proto_tx_unpublished(&link->proto)) {
			ret = icmsg_link_kick(link);
			if (ret < 0)
				return ret;
		}
		ret = proto_tx_pending(&link->proto);
		if (ret <= 0)
			return ret;
		if (link->cfg.spin_us && spin_left(link, &spin_until, deadline))
			continue;
		ret = poll_round(link, deadline, &backoff);
		if (ret < 0)
			return ret;
	}
}
