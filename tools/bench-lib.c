// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: libicmsg over the simulation transport. Both sides are
 * real links on one region file (tx at offset 0 for the parent, the other
 * region right after it) and two FIFO doorbells; the peer is a forked
 * child with its own link. Both links signal lazily (lazy_signal: a
 * doorbell only when the reader may have gone idle), and stream senders
 * batch: ICMSG_SEND_MORE on every message, icmsg_link_kick() every
 * KICK_EVERY messages and when the ring is full. Two modes:
 *
 * - spin: the receiver busy-polls and never sleeps. It looks at messages
 *   in place (icmsg_link_rx_hold()) and hands their space back in batches
 *   (icmsg_link_rx_release()); the sender builds them in the ring
 *   (icmsg_link_tx_reserve()/commit()). Compared with the ideal ring (a).
 * - event: the receiver sleeps in poll() on the link fd, processes it and
 *   takes messages with icmsg_link_try_recv() until -EAGAIN; the sender
 *   copies them in with icmsg_link_send_flags(). Compared with the ring
 *   with a doorbell per message (b) and the FIFO ping-pong (c).
 *
 * A full ring is waited for by spinning, in both modes, as the baseline
 * rings do: the reader does not signal freed space (spec 1.3).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define KICK_EVERY 32u

/* The mode of the case, set before the fork: the peer reads its copy. */
static enum bench_mode lib_mode;

static void lib_config(const struct bench_case *c, bool child, struct icmsg_link_config *cfg)
{
	icmsg_link_config_init(cfg);
	cfg->name = child ? "bench-peer" : "bench";
	cfg->tx_region.type = ICMSG_REGION_FILE;
	cfg->tx_region.path = c->region;
	cfg->tx_region.offset = child ? c->region_size : 0;
	cfg->tx_region.size = c->region_size;
	cfg->rx_region = cfg->tx_region;
	cfg->rx_region.offset = child ? 0 : c->region_size;
	cfg->tx_mbox.type = ICMSG_MBOX_FIFO;
	cfg->tx_mbox.path = child ? c->fifo_b : c->fifo_a;
	cfg->rx_mbox.type = ICMSG_MBOX_FIFO;
	cfg->rx_mbox.path = child ? c->fifo_a : c->fifo_b;
	/* The largest packet a ring can hold; max_send is then the ring's. */
	cfg->peer_rx_buf_size = 65535;
	cfg->lazy_signal = true;
	cfg->spin_us = 0; /* the spinning, where there is any, is ours */
}

static int lib_open(const struct bench_case *c, bool child, struct icmsg_link **ret)
{
	struct icmsg_link_config cfg;
	int err;

	lib_config(c, child, &cfg);
	err = icmsg_link_open(&cfg, NULL, ret);
	if (err < 0)
		return err;
	err = icmsg_link_wait_bound(*ret, BENCH_STALL_MS);
	if (err < 0)
		*ret = icmsg_link_close(*ret);
	return err;
}

int bench_lib_max(const struct bench_case *c)
{
	struct icmsg_link_config cfg;
	struct icmsg_link_info info;
	struct icmsg_link *link;
	int err;

	lib_config(c, false, &cfg);
	err = icmsg_link_open(&cfg, NULL, &link);
	if (err < 0)
		return err;
	err = icmsg_link_get_info(link, &info);
	icmsg_link_close(link);
	return err < 0 ? err : (int)info.max_send;
}

/* Event mode: wait until the link fd is readable.
 * @return 0 or a negative errno (-ETIMEDOUT when the peer stalled). */
static int lib_poll(struct icmsg_link *link)
{
	struct pollfd p = { .fd = icmsg_link_get_fd(link), .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, BENCH_STALL_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                  */

/* Spin mode: build message @seq in the ring itself. */
static int put_in_place(struct icmsg_link *link, uint32_t size, uint32_t seq, unsigned int flags)
{
	void *buf;
	int err = icmsg_link_tx_reserve(link, size, &buf);

	if (err < 0)
		return err;
	bench_fill(buf, size, seq);
	return icmsg_link_tx_commit(link, size, flags);
}

/*
 * Send one message (@data, or message @seq built in place when @data is
 * NULL), waiting for room by spinning: the first -ENOMEM publishes and
 * signals what is pending, so that a sleeping reader makes room.
 */
static int lib_send(struct icmsg_link *link, const void *data, uint32_t size, uint32_t seq,
		    unsigned int flags)
{
	struct bench_spin spin = { 0 };
	bool kicked = false;
	int err;

	for (;;) {
		err = data ? icmsg_link_send_flags(link, data, size, flags)
			   : put_in_place(link, size, seq, flags);
		if (err != -ENOMEM && err != -EBUSY)
			return err < 0 ? err : 0;
		if (!kicked && err == -ENOMEM && (err = icmsg_link_kick(link)) < 0)
			return err;
		kicked = true;
		if (bench_spin_idle(&spin) < 0)
			return -ETIMEDOUT;
	}
}

/* Child of a stream: send numbered messages in batches, as fast as the
 * ring takes them. */
static int lib_sender(const struct bench_case *c)
{
	struct icmsg_link *link;
	uint8_t *buf = malloc(c->size);
	uint32_t seq = 0;

	if (!buf || lib_open(c, true, &link) < 0) {
		free(buf);
		return 1;
	}
	for (;; seq++) {
		if (lib_mode == BENCH_EVENT)
			bench_fill(buf, c->size, seq);
		if (lib_send(link, lib_mode == BENCH_EVENT ? buf : NULL, c->size, seq,
			     ICMSG_SEND_MORE) < 0)
			break;
		if ((seq + 1) % KICK_EVERY == 0 && icmsg_link_kick(link) < 0)
			break;
	}
	free(buf);
	return 1;
}

/* ------------------------------------------------------------------------ */
/* Receiving                                                                */

/*
 * Spin mode: look at the next message in place, handing back the space
 * of those looked at when the ring is empty or too many are held.
 * @return its length, or a negative errno (-ETIMEDOUT: the peer stalled).
 */
static int spin_hold(struct icmsg_link *link, struct bench_spin *spin, const void **data)
{
	int n;

	for (;;) {
		n = icmsg_link_rx_hold(link, data);
		if (n > 0) {
			bench_spin_reset(spin);
			return n;
		}
		if (n != -EAGAIN && n != -ENOBUFS)
			return n;
		n = icmsg_link_rx_release(link);
		if (n < 0)
			return n;
		if (n == 0 && bench_spin_idle(spin) < 0)
			return -ETIMEDOUT;
	}
}

/* Event mode: the link fd was readable and is not processed yet. */
static bool lib_woken;

/*
 * Event mode: take the next message, sleeping while there is none. After
 * a wake-up the ring is read before the link is processed (the doorbell
 * drained), so an answer leaves a system call earlier; the ring is read
 * again after the processing, before the next sleep.
 */
static int event_recv(struct icmsg_link *link, void *buf, size_t cap)
{
	int n, err;

	while ((n = icmsg_link_try_recv(link, buf, cap)) == -EAGAIN) {
		if (lib_woken) {
			err = icmsg_link_process(link);
			lib_woken = false;
		} else {
			err = lib_poll(link);
			lib_woken = err == 0;
		}
		if (err < 0)
			return err;
	}
	return n;
}

/*
 * The next message in @mode: in place (*@data, valid until the next call)
 * or copied into @buf (*@data = @buf).
 */
static int lib_recv(struct icmsg_link *link, struct bench_spin *spin, uint8_t *buf, size_t cap,
		    const void **data)
{
	if (lib_mode == BENCH_SPIN)
		return spin_hold(link, spin, data);
	*data = buf;
	return event_recv(link, buf, cap);
}

/* Child of a round trip: send every message back, unbatched. */
static int lib_echo(const struct bench_case *c)
{
	struct bench_spin spin = { 0 };
	struct icmsg_link *link;
	uint8_t *buf = malloc(c->size);
	const void *data;
	int n;

	if (!buf || lib_open(c, true, &link) < 0) {
		free(buf);
		return 1;
	}
	for (;;) {
		n = lib_recv(link, &spin, buf, c->size, &data);
		if (n < 0 || lib_send(link, data, (uint32_t)n, 0, 0) < 0)
			break;
	}
	free(buf);
	return 1;
}

int bench_lib_stream(const struct bench_case *c, enum bench_mode mode, struct bench_result *r)
{
	struct bench_spin spin = { 0 };
	struct icmsg_link *link = NULL;
	uint8_t *buf = malloc(c->size);
	const void *data;
	pid_t pid;
	int n, err;

	if (!buf)
		return -ENOMEM;
	lib_mode = mode;
	pid = bench_fork(lib_sender, c);
	err = pid < 0 ? (int)pid : lib_open(c, false, &link);
	while (err == 0) {
		n = lib_recv(link, &spin, buf, c->size, &data);
		err = n < 0 ? n : bench_stream_got(c, r, "libicmsg", data, (size_t)n);
	}
	if (err == -ETIMEDOUT)
		cli_errf("bench: libicmsg: no message for %d ms", BENCH_STALL_MS);
	bench_reap(pid);
	icmsg_link_close(link);
	free(buf);
	return err < 0 ? err : 0; /* 1: the duration passed */
}

/* One round trip of @buf: send it, wait for the echo, compare. */
static int lib_round_trip(struct icmsg_link *link, struct bench_spin *spin, const uint8_t *buf,
			  uint8_t *back, uint32_t size)
{
	const void *data;
	int n;

	n = lib_send(link, buf, size, 0, 0);
	if (n < 0)
		return n;
	n = lib_recv(link, spin, back, size, &data);
	if (n < 0)
		return n;
	if ((uint32_t)n != size || memcmp(buf, data, size) != 0) {
		cli_errf("bench: libicmsg echo %u differs from what was sent", bench_seq(buf));
		return -EBADMSG;
	}
	/* Spin mode: the echo was looked at in place; its space goes back. */
	n = lib_mode == BENCH_SPIN ? icmsg_link_rx_release(link) : 0;
	return n < 0 ? n : 0;
}

int bench_lib_rtt(const struct bench_case *c, enum bench_mode mode, struct bench_result *r)
{
	struct bench_spin spin = { 0 };
	struct icmsg_link *link = NULL;
	uint8_t *buf = malloc(c->size), *back = malloc(c->size);
	uint64_t t;
	uint32_t seq = 0;
	pid_t pid = -1;
	int err = buf && back ? 0 : -ENOMEM;

	lib_mode = mode;
	if (err == 0) {
		pid = bench_fork(lib_echo, c);
		err = pid < 0 ? (int)pid : lib_open(c, false, &link);
	}
	if (err == 0) {
		bench_rtt_start(c, r);
		while (err == 0 && bench_rtt_next(r, &t)) {
			bench_fill(buf, c->size, seq++);
			err = lib_round_trip(link, &spin, buf, back, c->size);
			if (err == 0)
				err = bench_add_rtt(r, t);
		}
		bench_rtt_done(r);
	}
	if (err == -ETIMEDOUT)
		cli_errf("bench: libicmsg: no echo for %d ms", BENCH_STALL_MS);
	bench_reap(pid);
	icmsg_link_close(link);
	free(buf);
	free(back);
	return err;
}
