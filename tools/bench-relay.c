// SPDX-License-Identifier: MIT
/*
 * icmsg-cli bench, baseline (e): AF_UNIX SOCK_SEQPACKET through a minimal
 * relay process, what icmsgd costs without libicmsg and the ring. The
 * relay waits in epoll and moves batches of up to RELAY_BATCH datagrams
 * with one recvmmsg() and one sendmmsg() each way:
 *
 *   stream:     parent (client) -> relay -> sink (counts, reports back)
 *   round trip: parent -> relay -> echo -> relay -> parent
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define RELAY_BATCH 64

/*
 * The descriptors of one case, set before the forks (a child sees its
 * own): near is the client's pair (parent end, relay end), far the pair
 * between the relay and the sink or echo, report the sink's pipe.
 */
static struct {
	int near[2];
	int far[2];
	int report[2];
} rl = { { -1, -1 }, { -1, -1 }, { -1, -1 } };

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_all(void)
{
	for (int i = 0; i < 2; i++) {
		close_fd(&rl.near[i]);
		close_fd(&rl.far[i]);
		close_fd(&rl.report[i]);
	}
}

/* In a child: keep only @keep (and @keep2) of the case's descriptors, so
 * that a process that dies shows as the end of the stream to the others. */
static void keep_only(int keep, int keep2)
{
	int *all[] = { &rl.near[0], &rl.near[1], &rl.far[0], &rl.far[1],
		       &rl.report[0], &rl.report[1] };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (*all[i] != keep && *all[i] != keep2)
			close_fd(all[i]);
}

/* ------------------------------------------------------------------------ */
/* The relay                                                                */

struct batch {
	struct mmsghdr msg[RELAY_BATCH];
	struct iovec iov[RELAY_BATCH];
	uint8_t *data;
};

static int batch_init(struct batch *b, size_t size)
{
	b->data = malloc(size * RELAY_BATCH);
	if (!b->data)
		return -ENOMEM;
	for (size_t i = 0; i < RELAY_BATCH; i++)
		b->iov[i] = (struct iovec){ .iov_base = b->data + i * size, .iov_len = size };
	return 0;
}

/* Move what @from has (up to a batch of datagrams of at most @size
 * bytes) to @to. @return 0, or -1 when either side is gone. */
static int relay_move(struct batch *b, size_t size, int from, int to)
{
	int n, sent;

	for (int i = 0; i < RELAY_BATCH; i++) {
		b->iov[i].iov_len = size;
		b->msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &b->iov[i],
							   .msg_iovlen = 1 } };
	}
	n = recvmmsg(from, b->msg, RELAY_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	/* A zero-length datagram is the end of the stream: the bench never
	 * sends empty ones. */
	if (n == 0 || b->msg[0].msg_len == 0)
		return -1;
	for (int i = 0; i < n; i++)
		b->iov[i].iov_len = b->msg[i].msg_len;
	/* Blocking: a far end that does not keep up holds the relay back,
	 * and with it the client. */
	for (int done = 0; done < n; done += sent) {
		sent = sendmmsg(to, b->msg + done, (unsigned int)(n - done), MSG_NOSIGNAL);
		if (sent < 0 && errno != EINTR)
			return -1;
		sent = sent < 0 ? 0 : sent;
	}
	return 0;
}

static int relay_main(const struct bench_case *c)
{
	int ends[2] = { rl.near[1], rl.far[0] };
	struct epoll_event ev[2];
	struct batch b;
	int ep, n;

	keep_only(ends[0], ends[1]);
	if (batch_init(&b, c->size) < 0)
		return 1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return 1;
	for (int i = 0; i < 2; i++) {
		ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ends[i], &ev[0]) < 0)
			return 1;
	}
	for (;;) {
		n = epoll_wait(ep, ev, 2, -1);
		if (n < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++) {
			uint32_t from = ev[i].data.u32;

			if (relay_move(&b, c->size, ends[from], ends[!from]) < 0)
				return 0;
		}
	}
}

/* ------------------------------------------------------------------------ */
/* The far end                                                              */

static int relay_sink(const struct bench_case *c)
{
	struct bench_result r = { 0 };
	uint8_t *buf = malloc(c->size);
	bool reported = false;
	ssize_t n;
	int got;

	keep_only(rl.far[1], rl.report[1]);
	if (!buf)
		return 1;
	for (;;) {
		n = recv(rl.far[1], buf, c->size, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		if (reported)
			continue; /* drain: the sender is still sending */
		got = bench_stream_got(c, &r, "relay", buf, (size_t)n);
		if (got < 0)
			return 1;
		if (got > 0) {
			if (bench_report(rl.report[1], &r) < 0)
				return 1;
			reported = true;
		}
	}
}

static int relay_echo(const struct bench_case *c)
{
	uint8_t *buf = malloc(c->size);
	ssize_t n;

	keep_only(rl.far[1], -1);
	if (!buf)
		return 1;
	while ((n = recv(rl.far[1], buf, c->size, 0)) > 0)
		if (send(rl.far[1], buf, (size_t)n, MSG_NOSIGNAL) < 0)
			return 1;
	return 1;
}

/* ------------------------------------------------------------------------ */
/* The parent                                                               */

/* The sockets and the relay and far-end processes, in @pids. */
static int relay_start(const struct bench_case *c, int (*far_end)(const struct bench_case *c),
		       pid_t pids[2])
{
	pids[0] = pids[1] = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rl.near) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rl.far) < 0 ||
	    pipe2(rl.report, O_CLOEXEC) < 0) {
		int err = -errno;

		close_all();
		return err;
	}
	pids[0] = bench_fork(relay_main, c);
	if (pids[0] > 0)
		pids[1] = bench_fork(far_end, c);
	/* Likewise the parent keeps only its own ends. */
	close_fd(&rl.near[1]);
	close_fd(&rl.far[0]);
	close_fd(&rl.far[1]);
	close_fd(&rl.report[1]);
	if (pids[0] < 0 || pids[1] < 0) {
		bench_reap(pids[0]);
		close_all();
		return pids[0] < 0 ? (int)pids[0] : (int)pids[1];
	}
	bench_sock_timeouts(rl.near[0]);
	fcntl(rl.report[0], F_SETFL, O_NONBLOCK);
	return 0;
}

static void relay_end(pid_t pids[2])
{
	bench_reap(pids[1]);
	bench_reap(pids[0]);
	close_all();
}

int bench_relay_stream(const struct bench_case *c, struct bench_result *r)
{
	pid_t pids[2];
	int err = relay_start(c, relay_sink, pids);

	if (err < 0)
		return err;
	err = bench_send_stream(c, rl.near[0], rl.report[0], "relay", r);
	relay_end(pids);
	return err;
}

int bench_relay_rtt(const struct bench_case *c, struct bench_result *r)
{
	uint8_t *buf = malloc(c->size), *back = malloc(c->size);
	uint32_t seq = 0;
	uint64_t t;
	pid_t pids[2];
	int err = buf && back ? relay_start(c, relay_echo, pids) : -ENOMEM;

	if (err == 0) {
		bench_rtt_start(c, r);
		while (err == 0 && bench_rtt_next(r, &t)) {
			bench_fill(buf, c->size, seq++);
			err = bench_sock_round_trip(rl.near[0], "relay", buf, back, c->size);
			if (err == 0)
				err = bench_add_rtt(r, t);
		}
		bench_rtt_done(r);
		relay_end(pids);
	}
	free(buf);
	free(back);
	return err;
}
