// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench: libicmsg over the simulation transport. Both sides are
 * real links on one region file (tx at offset 0 for the parent, the other
 * region right after it) and two FIFO doorbells; the peer is a forked
 * child with its own link. Event-driven: poll the link fd, process, then
 * take messages with icmsg_link_try_recv().
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

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

/* Wait until the link fd is readable and process it. @return 0 or a
 * negative errno (-ETIMEDOUT when the peer stalled). */
static int lib_wait(struct icmsg_link *link)
{
	struct pollfd p = { .fd = icmsg_link_get_fd(link), .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, BENCH_STALL_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	n = icmsg_link_process(link);
	return n < 0 ? n : 0;
}

/* Child of a stream: send numbered messages as fast as the ring takes them. */
static int lib_sender(const struct bench_case *c)
{
	struct icmsg_link *link;
	uint8_t *buf = malloc(c->size);
	uint32_t seq = 0;
	int err;

	if (!buf || lib_open(c, true, &link) < 0)
		return 1;
	for (;;) {
		bench_fill(buf, c->size, seq);
		err = icmsg_link_send(link, buf, c->size);
		if (err == -ENOMEM)
			/* The reader does not signal freed space: the library's
			 * own way to wait for it. */
			err = icmsg_link_send_timeout(link, buf, c->size, BENCH_STALL_MS);
		if (err < 0)
			return 1;
		seq++;
	}
}

/* Child of a round trip: send every message back. */
static int lib_echo(const struct bench_case *c)
{
	struct icmsg_link *link;
	uint8_t *buf = malloc(c->size);
	int n;

	if (!buf || lib_open(c, true, &link) < 0)
		return 1;
	for (;;) {
		n = icmsg_link_try_recv(link, buf, c->size);
		if (n == -EAGAIN) {
			if (lib_wait(link) < 0)
				return 1;
			continue;
		}
		if (n < 0 || icmsg_link_send_timeout(link, buf, (size_t)n, BENCH_STALL_MS) < 0)
			return 1;
	}
}

int bench_lib_stream(const struct bench_case *c, struct bench_result *r)
{
	struct icmsg_link *link = NULL;
	uint8_t *buf = malloc(c->size);
	pid_t pid;
	int n, err = 0;

	if (!buf)
		return -ENOMEM;
	pid = bench_fork(lib_sender, c);
	if (pid < 0) {
		free(buf);
		return (int)pid;
	}
	err = lib_open(c, false, &link);
	while (err == 0) {
		n = icmsg_link_try_recv(link, buf, c->size);
		if (n == -EAGAIN) {
			err = lib_wait(link);
			continue;
		}
		if (n < 0) {
			err = n;
			break;
		}
		err = bench_stream_got(c, r, "libicmsg", buf, (size_t)n);
		if (err)
			break;
	}
	bench_reap(pid);
	icmsg_link_close(link);
	free(buf);
	return err < 0 ? err : 0; /* 1: the duration passed */
}

int bench_lib_rtt(const struct bench_case *c, struct bench_result *r)
{
	struct icmsg_link *link = NULL;
	uint8_t *buf = malloc(c->size), *back = malloc(c->size);
	uint64_t t;
	uint32_t seq = 0;
	pid_t pid;
	int n, err;

	if (!buf || !back) {
		free(buf);
		free(back);
		return -ENOMEM;
	}
	pid = bench_fork(lib_echo, c);
	if (pid < 0) {
		free(buf);
		free(back);
		return (int)pid;
	}
	err = lib_open(c, false, &link);
	bench_rtt_start(c, r);
	while (err == 0) {
		bench_fill(buf, c->size, seq);
		if (!bench_rtt_next(r, &t))
			break;
		/* Waits only for the first: the peer may not have read our
		 * bonding magic yet when we are bound, and the largest message
		 * needs the whole ring. */
		err = icmsg_link_send_timeout(link, buf, c->size, BENCH_STALL_MS);
		if (err < 0)
			break;
		err = 0;
		while ((n = icmsg_link_try_recv(link, back, c->size)) == -EAGAIN) {
			err = lib_wait(link);
			if (err < 0)
				break;
		}
		if (err < 0)
			break;
		if (n < 0) {
			err = n;
			break;
		}
		if ((uint32_t)n != c->size || memcmp(buf, back, c->size) != 0) {
			cli_errf("bench: libicmsg echo %u differs from what was sent", seq);
			err = -EBADMSG;
			break;
		}
		err = bench_add_rtt(r, t);
		seq++;
	}
	bench_rtt_done(r);
	bench_reap(pid);
	icmsg_link_close(link);
	free(buf);
	free(back);
	return err;
}
